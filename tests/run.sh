#!/usr/bin/env bash
# The whole suite, as `make test` runs it: unit tests (Check) and SQL unit tests (tests/sql),
# then the integration suite over HTTP against the real binary (AddressSanitizer build) and a
# throwaway database, with every exchange checked against openapi.yaml by Prism in proxy mode, then the
# OpenAPI linters and the offline Docker checks. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/propdesk-test.XXXXXX)
PGDIR=var/pg
PIDS=()
STARTED_CLUSTER=0
DB=""
passed=0
failed=0

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "$DB" ] && [ -z "${DATABASE_URL_GIVEN:-}" ]; then
        bash docker/localdb.sh dropdb "$PGDIR" "$PGPORT" "$DB" >/dev/null 2>&1
    fi
    if [ "$STARTED_CLUSTER" = 1 ]; then bash docker/localdb.sh stop "$PGDIR" >/dev/null 2>&1; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

count() {  # count NAME STATUS
    if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "PASS $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

wait_http() {  # wait_http URL: up to 30 s
    for _ in $(seq 1 300); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    return 1
}

echo "== unit tests"
./build/unit_tests 2>&1 | tee "$WORK/unit.out"
unit_rc=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+%: Checks: ' "$WORK/unit.out" | tail -1)
u_total=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
u_bad=$(( $(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line") + $(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line") ))
passed=$((passed + ${u_total:-0} - ${u_bad:-0})); failed=$((failed + ${u_bad:-0}))
[ "$unit_rc" = 0 ] || [ "${u_bad:-0}" -gt 0 ] || failed=$((failed + 1))

echo "== database"
if [ -n "${DATABASE_URL:-}" ]; then
    DATABASE_URL_GIVEN=1
    export DATABASE_URL
else
    if ! runuser -u postgres -- true 2>/dev/null && [ "$(id -u)" = 0 ]; then echo "no postgres user"; fi
    # reuse the cluster `make run` left running, else start one on a free port and stop it after
    if ! PGPORT=$(bash docker/localdb.sh port "$PGDIR"); then
        PGPORT=$(free_port)
        STARTED_CLUSTER=1
        bash docker/localdb.sh start "$PGDIR" "$PGPORT" || { echo "cannot start PostgreSQL"; exit 1; }
    fi
    DB="propdesk_test_$$_$RANDOM"
    bash docker/localdb.sh createdb "$PGDIR" "$PGPORT" "$DB"
    export DATABASE_URL=$(bash docker/localdb.sh url "$PGDIR" "$PGPORT" "$DB")
    export PD_PGCTL="bash $ROOT/docker/localdb.sh"  # lets the suite restart the cluster
    export PD_PGDIR="$ROOT/$PGDIR" PD_PGPORT="$PGPORT"
fi

BIN=./build/asan/propdesk
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
$BIN migrate 2> "$WORK/migrate.log" && $BIN seed-demo 2> "$WORK/seed.log" &&
    $BIN seed-demo 2>/dev/null  # seeding twice proves it idempotent
count "migrate and seed (twice)" $?
# their logs are JSON lines like the server's
node -e 'for (const f of process.argv.slice(1)) for (const l of require("fs").readFileSync(f, "utf8").trim().split(String.fromCharCode(10)))
           { const j = JSON.parse(l); if (!j.level || !j.msg || !j.ts) process.exit(1); }' "$WORK/migrate.log" "$WORK/seed.log"
count "migrate and seed-demo log JSON lines" $?

# SQL unit tests: the arithmetic that lives in SQL (tests/sql), checked on the migrated database
for st in tests/sql/*.sql; do
    psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -f "$st" > "$WORK/sql-unit" 2>&1
    rc=$?; [ $rc = 0 ] || cat "$WORK/sql-unit"
    count "SQL unit test $(basename "$st" .sql)" $rc
done

# migrations: two instances migrating a fresh database at once apply each file once
if [ -z "${DATABASE_URL_GIVEN:-}" ]; then
    DB2="${DB}_m"
    bash docker/localdb.sh createdb "$PGDIR" "$PGPORT" "$DB2"
    URL2=$(bash docker/localdb.sh url "$PGDIR" "$PGPORT" "$DB2")
    DATABASE_URL=$URL2 $BIN migrate > "$WORK/m1" 2>&1 & m1=$!
    DATABASE_URL=$URL2 $BIN migrate > "$WORK/m2" 2>&1 & m2=$!
    wait $m1; r1=$?; wait $m2; r2=$?
    applied=$(psql -At -X "$URL2" -c "SELECT count(*) FROM schema_migrations")
    files=$(ls sql/migrations/*.sql | wc -l)
    [ $r1 = 0 ] && [ $r2 = 0 ] && [ "$applied" = "$files" ]
    count "concurrent migrate: both succeed, $files file(s) applied once" $?
    # an applied file that changed stops the server from starting
    mkdir -p "$WORK/mig" && cp sql/migrations/*.sql "$WORK/mig/"
    first=$(ls "$WORK"/mig/*.sql | head -1)
    echo "-- edited after it was applied" >> "$first"
    DATABASE_URL=$URL2 MIGRATIONS_DIR="$WORK/mig" PORT=$(free_port) timeout 10 $BIN serve > "$WORK/m3" 2>&1
    r3=$?
    [ $r3 = 1 ] && grep -q "checksum mismatch" "$WORK/m3"
    count "serve refuses to start when an applied migration changed" $?
    bash docker/localdb.sh dropdb "$PGDIR" "$PGPORT" "$DB2" >/dev/null 2>&1
    # migrations that move data, each on a database of its own that has some (tests/migrations)
    for mt in tests/migrations/[0-9]*.sh; do
        DB3="${DB}_d"
        bash docker/localdb.sh createdb "$PGDIR" "$PGPORT" "$DB3"
        bash "$mt" $BIN "$(bash docker/localdb.sh url "$PGDIR" "$PGPORT" "$DB3")" > "$WORK/mig-data" 2>&1
        rc=$?; [ $rc = 0 ] || cat "$WORK/mig-data"
        count "$(basename "$mt" .sh) on a database with data" $rc
        bash docker/localdb.sh dropdb "$PGDIR" "$PGPORT" "$DB3" >/dev/null 2>&1
    done
    # bad configuration: one line, exit status 2
    out=$(PORT=abc $BIN serve 2>&1); r4=$?
    [ $r4 = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q PORT <<<"$out"
    count "invalid config is a one-line error with exit status 2" $?
fi

# an HS256 server (the default) and an ES256 one over the same database
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/es256.pem" 2>/dev/null
openssl ec -in "$WORK/es256.pem" -pubout -out "$WORK/es256.pub.pem" 2>/dev/null
PORT_HS=$(free_port); PORT_ES=$(free_port); PORT_PRISM=$(free_port); PORT_PRISM_ES=$(free_port)
export ATTACHMENT_MAX_BYTES=2097152  # 2 MiB: the upload limit tests send limit + 1 bytes
# webhooks: the suite's receiver listens on loopback; the delivery instance is the webhook
# test's own (tests/integration/23_webhooks.test.mjs), so these two send nothing
export WEBHOOK_ALLOWED_HOSTS=127.0.0.1 WEBHOOK_WORKERS=0 CORS_ALLOWED_ORIGINS=https://desk.example.com
# the suite makes thousands of requests per caller and minute; 26_rate_limits runs its own quota
export RATE_LIMIT_PER_MINUTE=1000000
# the suite's own requests come from a "proxy" (loopback) that may name the client
export TRUSTED_PROXIES=127.0.0.1
PORT=$PORT_HS HTTP_THREADS=4 JOBS_INTERVAL_MS=500 STREAM_HEARTBEAT_MS=1000 $BIN serve > "$WORK/server.log" 2>&1 &
SERVER_PID=$!; PIDS+=($SERVER_PID)
PORT=$PORT_ES HTTP_THREADS=2 JWT_SECRET= JWT_PRIVATE_KEY_FILE="$WORK/es256.pem" $BIN serve > "$WORK/server-es.log" 2>&1 &
ES_PID=$!; PIDS+=($ES_PID)
./node_modules/.bin/prism proxy openapi.yaml "http://127.0.0.1:$PORT_HS" -p "$PORT_PRISM" -h 127.0.0.1 --cors false > "$WORK/prism.log" 2>&1 &
PIDS+=($!)
./node_modules/.bin/prism proxy openapi.yaml "http://127.0.0.1:$PORT_ES" -p "$PORT_PRISM_ES" -h 127.0.0.1 --cors false > "$WORK/prism-es.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT_HS/healthz" && wait_http "http://127.0.0.1:$PORT_ES/healthz" &&
    wait_http "http://127.0.0.1:$PORT_PRISM/healthz" && wait_http "http://127.0.0.1:$PORT_PRISM_ES/healthz"
count "servers and contract proxies up" $?

echo "== integration tests"
API_URL="http://127.0.0.1:$PORT_PRISM" DIRECT_URL="http://127.0.0.1:$PORT_HS" \
ES_API_URL="http://127.0.0.1:$PORT_PRISM_ES" ES_DIRECT_URL="http://127.0.0.1:$PORT_ES" \
ES_KEY_FILE="$WORK/es256.pem" ES_PUB_FILE="$WORK/es256.pub.pem" JWT_SECRET_FOR_TESTS="$JWT_SECRET" PROPDESK_BIN="$BIN" \
    node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$WORK/integration.tap" tests/integration/
it_rc=$?
# access lines carry the W3C trace id a test sent (25_http_headers), the org and the client
grep -q '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","parent_id":"00f067aa0ba902b7"' "$WORK/server.log" &&
    grep -q '"org_id":"10000000-0000-4000-8000-000000000001","client":"127.0.0.1"' "$WORK/server.log" &&
    grep -q '"client":"203.0.113.9"' "$WORK/server.log" && grep -q '"client":"198.51.100.4"' "$WORK/server.log" &&
    grep -q '"client":"203.0.113.10"' "$WORK/server.log" &&
    ! grep -q '"client":"192.0.2.6[678]"' "$WORK/server.log"
count "access log: traceparent ids, org, client address (X-Forwarded-For from a trusted proxy only)" $?
i_pass=$(grep -E '^# pass ' "$WORK/integration.tap" | awk '{print $3}')
i_fail=$(grep -E '^# fail ' "$WORK/integration.tap" | awk '{print $3}')
passed=$((passed + ${i_pass:-0})); failed=$((failed + ${i_fail:-0}))
[ "$it_rc" = 0 ] || [ "${i_fail:-0}" -gt 0 ] || failed=$((failed + 1))
# every write the suite made went through the triggers that keep the stored documents
# (migration 0021): none may differ from a fresh rendering
stale=$(psql -At -X "$DATABASE_URL" -c "SELECT count(*) || ' stale: ' || coalesce(string_agg(DISTINCT relation, ', '), '')
                                        FROM pd_stale_docs()" 2>&1)
echo "stored documents after the suite: $stale"
case "$stale" in "0 stale: "*) count "stored documents match a fresh rendering after the suite's writes" 0 ;;
                 *) count "stored documents match a fresh rendering after the suite's writes" 1 ;; esac

# every inbox title the suite's notices wrote has its English (notice_texts, migration 0037);
# an announcement's own title is the one title a person writes
untranslated=$(psql -At -X "$DATABASE_URL" -c "SELECT count(*) || ' untranslated: ' || coalesce(string_agg(DISTINCT n.title, ' | '), '')
                                               FROM notifications n WHERE n.title ~ '[\u4e00-\u9fff]'
                                                AND n.title_en = n.title
                                                AND NOT (n.type = 'announcement.published' AND n.title NOT LIKE '【更正】%')" 2>&1)
echo "inbox titles after the suite: $untranslated"
case "$untranslated" in "0 untranslated: "*) count "every inbox title the suite wrote has its English" 0 ;;
                        *) count "every inbox title the suite wrote has its English" 1 ;; esac

echo "== the README's curl quickstart"
psql -q -X "$DATABASE_URL" -c "DELETE FROM auth_failures" >/dev/null  # the suite's lockouts of 127.0.0.1
sed -n '/^## Quickstart/,/^## Layout/p' README.md | sed -n '/^API=/,/^```$/p' | grep -v '^```' |
    sed "s#^API=http://localhost:8080#API=http://127.0.0.1:$PORT_HS#" > "$WORK/quickstart.sh"
out=$(bash "$WORK/quickstart.sh" 2>&1)
[ "$out" = '"status":"closed"' ]
count "the README's curl quickstart walks the repair story to closed (${out:-nothing})" $?

echo "== a typed client (openapi-typescript + openapi-fetch, TypeScript strict)"
if ./node_modules/.bin/openapi-typescript > "$WORK/client.log" 2>&1 &&
   ./node_modules/.bin/tsc -p tests/client >> "$WORK/client.log" 2>&1 &&
   API_URL="http://127.0.0.1:$PORT_PRISM" node build/client/out/tests/client/story.mjs >> "$WORK/client.log" 2>&1; then
    count "the client generated from openapi.yaml typechecks (misuse refused) and walks the repair story" 0
else
    cat "$WORK/client.log"
    count "the client generated from openapi.yaml typechecks (misuse refused) and walks the repair story" 1
fi

echo "== graceful shutdown"
# logins (argon2id: tens of ms each, four at once) are in flight when SIGTERM arrives: every
# one of them must still be answered
psql -q -X "$DATABASE_URL" -c "DELETE FROM auth_failures" >/dev/null  # lift the suite's lockout
CURLS=()
for i in 1 2 3 4; do
    curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT_HS/v1/auth/login" \
        -H 'content-type: application/json' -d '{"login":"tech","password":"demo-pass-1"}' > "$WORK/inflight.$i" &
    CURLS+=($!)
done
# and an open live stream is told and closed
STREAM_TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT_HS/v1/auth/login" -H 'content-type: application/json' \
    -d '{"login":"agent","password":"demo-pass-1"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
curl -sN -m 20 -H "Authorization: Bearer $STREAM_TOKEN" "http://127.0.0.1:$PORT_HS/v1/stream" > "$WORK/stream.out" &
STREAM_CURL=$!
sleep 0.15
kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; rc=$?
wait "${CURLS[@]}"
wait "$STREAM_CURL"; grep -q '^event: shutdown' "$WORK/stream.out"
count "SIGTERM: an open stream hears event: shutdown and ends" $?
count "SIGTERM: server drains and exits 0 (ASan found no leak)" $rc
answers=$(cat "$WORK"/inflight.* | tr '\n' ' ')
[ "$answers" = "200200200200" ]; rc=$?
count "SIGTERM: the requests in flight were answered ($answers)" $rc
kill -TERM "$ES_PID"; wait "$ES_PID"; rc=$?
count "SIGTERM: the ES256 server exits 0 too (LeakSanitizer found no leak)" $rc
if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$WORK"/server*.log; then
    count "no sanitizer reports" 1
else
    count "no sanitizer reports" 0
fi

echo "== memory under floods (release build)"
# RSS is only meaningful without the sanitizer's quarantine: a release server of its own
PORT_REL=$(free_port)
PORT=$PORT_REL METRICS_TOKEN=metrics-secret-for-the-suite ./build/propdesk serve > "$WORK/server-release.log" 2>&1 &
REL_PID=$!; PIDS+=($REL_PID)
wait_http "http://127.0.0.1:$PORT_REL/healthz" &&
    node tests/bench/flood.mjs "http://127.0.0.1:$PORT_REL" "$REL_PID" 24
count "floods of huge query strings and half-sent anonymous bodies leave memory bounded" $?
# METRICS_TOKEN protects /metrics (this server runs with one)
m1=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT_REL/metrics")
m2=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer metrics-secret-for-the-suit' "http://127.0.0.1:$PORT_REL/metrics")
m3=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer metrics-secret-for-the-suite' "http://127.0.0.1:$PORT_REL/metrics")
[ "$m1 $m2 $m3" = "401 401 200" ]
count "METRICS_TOKEN: /metrics answers 401 without it or with another, 200 with it ($m1 $m2 $m3)" $?
kill -TERM "$REL_PID"; wait "$REL_PID"

echo "== contract lint"
bash tests/contract/lint.sh > "$WORK/lint.out" 2>&1; rc=$?
[ $rc = 0 ] || cat "$WORK/lint.out"
count "redocly + spectral (OWASP) lint" $rc

echo "== docker (offline checks)"
bash docker/check.sh > "$WORK/docker.out" 2>&1; rc=$?
[ $rc = 0 ] || cat "$WORK/docker.out"
count "docker/check.sh" $rc

echo ""
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
