# Shared by the benchmarks that measure the API beside PostgreSQL's plain reads
# (tests/bench/tickets.sh, tests/bench/complaints.sh): a database of their own on a cluster of
# their own, the server, wrk and pgbench runs, and the arithmetic of the report. Sourced after
# `cd` to the repository root with `set -euo pipefail`; the caller sets PGDIR, PGPORT, DB,
# DURATION, CONNS, HTTP_THREADS, RUNS and PG_CLIENTS (bench_database gives defaults).
PGBENCH=/usr/lib/postgresql/15/bin/pgbench
declare -A R  # R[get_avg_small] … : the measurements

default_loops() { local n=$((4 * $(nproc))); echo $((n < 16 ? n : 16)); }  # the server's default HTTP_THREADS

# bench_database NAME: WORK, a fresh database (var/pg-bench, port 54339, unless DATABASE_URL
# is set), migrated and demo-seeded; DATABASE_URL, JWT_SECRET and PORT exported or set; all
# of it removed on exit unless KEEP_DB=1.
bench_database() {
    PGDIR=${PGDIR:-var/pg-bench} PGPORT=${PGPORT:-54339} DB=${DB:-propdesk_bench_$1}
    DURATION=${DURATION:-8} CONNS=${CONNS:-64} HTTP_THREADS=${HTTP_THREADS:-$(default_loops)} RUNS=${RUNS:-1}
    PG_CLIENTS=${PG_CLIENTS:-2 8}
    WORK=$(mktemp -d "/tmp/propdesk-bench-$1.XXXXXX")
    SERVER="" STARTED_CLUSTER=0 OWN_DB=0
    cleanup() {
        if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; fi
        if [ "$OWN_DB" = 1 ] && [ "${KEEP_DB:-0}" != 1 ]; then
            bash docker/localdb.sh dropdb "$PGDIR" "$PGPORT" "$DB" >/dev/null 2>&1 || true
        fi
        if [ "$STARTED_CLUSTER" = 1 ] && [ "${KEEP_DB:-0}" != 1 ]; then
            bash docker/localdb.sh stop "$PGDIR" >/dev/null 2>&1 || true
        fi
        rm -rf "$WORK"
    }
    trap cleanup EXIT
    if [ -z "${DATABASE_URL:-}" ]; then
        bash docker/localdb.sh port "$PGDIR" >/dev/null 2>&1 || STARTED_CLUSTER=1
        bash docker/localdb.sh start "$PGDIR" "$PGPORT"
        bash docker/localdb.sh dropdb "$PGDIR" "$PGPORT" "$DB" >/dev/null 2>&1
        bash docker/localdb.sh createdb "$PGDIR" "$PGPORT" "$DB"
        OWN_DB=1
        # the Unix socket when its path fits (sun_path is 107 bytes); the API and pgbench share it
        if [ ${#PWD} -lt 70 ]; then
            DATABASE_URL=$(bash docker/localdb.sh socket-url "$PGDIR" "$PGPORT" "$DB")
        else
            DATABASE_URL=$(bash docker/localdb.sh url "$PGDIR" "$PGPORT" "$DB")
        fi
    fi
    export DATABASE_URL LOG_LEVEL=warn
    JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
    export JWT_SECRET
    ./build/propdesk migrate >/dev/null
    ./build/propdesk seed-demo >/dev/null
    PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
}

sql() { psql -q -X -v ON_ERROR_STOP=1 "$DATABASE_URL" "$@"; }

start_server() {  # start_server PORT
    env RATE_LIMIT_PER_MINUTE=${RATE_LIMIT_PER_MINUTE:-0} PORT="$1" HTTP_THREADS="$HTTP_THREADS" DB_POOL_SIZE=$((HTTP_THREADS + 2)) ./build/propdesk serve > "$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done
    echo "server did not start"; cat "$WORK/server.log"; exit 1
}

stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

token() {  # token PORT [LOGIN]
    curl -fs -X POST "http://127.0.0.1:$1/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"login\":\"${2:-admin}\",\"password\":\"demo-pass-1\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# path_lua NAME TOKEN PATH: NAME.lua requesting PATH
path_lua() {
    cat > "$WORK/$1.lua" <<LUA
local auth = "Bearer $2"
request = function()
  return wrk.format("GET", "$3", { Authorization = auth })
end
LUA
}

ms() {  # wrk duration (12.3us, 4.5ms, 1.2s) → milliseconds
    awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) }
                           else if (v ~ /m$/) { sub(/m/, "", v); v *= 60000 } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
                           printf "%.2f", v }'
}

# run_wrk PORT SCRIPT SECONDS → sets RPS, AVG_MS, P99_MS
run_wrk() {
    wrk -t2 -c"$CONNS" -d"${3}s" --latency -s "$WORK/$2.lua" "http://127.0.0.1:$1" > "$WORK/wrk.out"
    RPS=$(awk '/Requests\/sec/ {print int($2)}' "$WORK/wrk.out")
    AVG_MS=$(ms "$(awk '$1 == "Latency" {print $2; exit}' "$WORK/wrk.out")")
    P99_MS=$(ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")")
    local errors
    errors=$(awk '/Non-2xx/ {print $4}' "$WORK/wrk.out")
    if [ -n "$errors" ] || [ "$RPS" -eq 0 ]; then
        echo "wrk saw non-2xx responses: ${errors:-no requests}"; cat "$WORK/wrk.out"; tail -20 "$WORK/server.log"; exit 1
    fi
}

# run_best PORT SCRIPT: a 3 s warm-up (the pool, the caches), then the best of RUNS runs
run_best() {
    local rps=0 avg="" p99="" _
    run_wrk "$1" "$2" 3
    for _ in $(seq 1 "$RUNS"); do
        run_wrk "$1" "$2" "$DURATION"
        if [ -z "$avg" ] || awk "BEGIN { exit !($AVG_MS < $avg) }"; then rps=$RPS avg=$AVG_MS p99=$P99_MS; fi
    done
    RPS=$rps AVG_MS=$avg P99_MS=$p99
}

# pg_best SCRIPT → PG_TPS: pgbench -M prepared, the best of PG_CLIENTS
pg_best() {
    local c tps
    PG_TPS=0
    for c in $PG_CLIENTS; do
        tps=$("$PGBENCH" -n -M prepared -f "$WORK/$1.sql" -c "$c" -j "$c" -T "$DURATION" "$DATABASE_URL" 2> "$WORK/pgbench.err" |
              awk '/^tps/ {print int($3)}' || true)
        if [ -z "$tps" ]; then echo "pgbench $1 failed:"; cat "$WORK/pgbench.err"; exit 1; fi
        if [ "$tps" -gt "$PG_TPS" ]; then PG_TPS=$tps; fi
    done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }
short() { awk -v n="$1" 'BEGIN { if (n % 1000000 == 0) print n / 1000000 "M"; else if (n % 1000 == 0) print n / 1000 "k"; else print n }'; }

# measure_reads PORT READ…: each READ.lua against the server and READ.sql with pgbench, into
# R[READ_rps], R[READ_p99], R[READ_pg], printed as they come
measure_reads() {
    local port=$1 read
    shift
    printf '  %-6s %10s %9s %9s %12s %7s\n' read "API req/s" "avg ms" "p99 ms" "plain tps" ratio
    for read in "$@"; do
        run_best "$port" "$read"
        pg_best "$read"
        R[${read}_rps]=$RPS R[${read}_p99]=$P99_MS R[${read}_pg]=$PG_TPS
        printf '  %-6s %10s %9s %9s %12s %7s\n' "$read" "$RPS" "$AVG_MS" "$P99_MS" "$PG_TPS" "$(ratio "$RPS" "$PG_TPS")"
    done
}

# report_reads READ…: the results of measure_reads against the targets of issue #8 (ratio to
# the plain read >= 0.40, p99 <= 25 ms)
report_reads() {
    local read r
    printf '  %-6s %9s %10s %7s %8s   %s\n' read "API req/s" "plain tps" ratio "p99 ms" "targets: ratio >= 0.40, p99 <= 25 ms"
    for read in "$@"; do
        r=$(ratio "${R[${read}_rps]}" "${R[${read}_pg]}")
        printf '  %-6s %9s %10s %7s %8s   %s / %s\n' "$read" "${R[${read}_rps]}" "${R[${read}_pg]}" "$r" "${R[${read}_p99]}" \
            "$(verdict "$r >= 0.40")" "$(verdict "${R[${read}_p99]} <= 25")"
    done
}
