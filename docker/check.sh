#!/usr/bin/env bash
# Offline validation of the container files: needs no Docker engine and no network.
#
#   bash docker/check.sh            (from anywhere; works on the repo it lives in)
#
# Checks
#   1. shell scripts   bash -n and shellcheck (when installed) on docker/*.sh
#   2. Dockerfile      hadolint when installed; `docker build --check` when an engine
#                      answers; always: rules below (multi-stage on debian:12-slim,
#                      non-root USER, HEALTHCHECK, ENTRYPOINT, runtime stage free of
#                      compilers/-dev/node, apt hygiene, install paths and ENV, ...)
#   3. .dockerignore   keeps out node_modules/build/var/.git, lets in what COPY needs
#   4. compose.yaml    `docker compose config -q` (or docker-compose v1) with a dummy
#                      JWT_SECRET; must fail without JWT_SECRET; services, healthchecks,
#                      depends_on condition, no committed secret
#   5. entrypoint.sh   behaviour against a stub propdesk: migrate (with retries) ->
#                      seed-demo (SEED_DEMO=1) -> exec serve; healthcheck against a tiny
#                      local HTTP server on 127.0.0.1 (when python3 is there)
#
# Exit status: 0 when nothing failed. A check whose tool is missing is skipped and said so.
# CHECK_STRICT=1 turns skips and warnings into failures.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
DF=docker/Dockerfile
CF=docker/compose.yaml
EP=docker/entrypoint.sh
DI=.dockerignore
STRICT=${CHECK_STRICT:-0}

passed=0 failed=0 skipped=0
TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); printf 'ok   - %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL - %s\n' "$*"; }
skip() {
    if [ "$STRICT" = 1 ]; then bad "$* (skipped; CHECK_STRICT=1)"; return; fi
    skipped=$((skipped + 1)); printf 'skip - %s\n' "$*"
}
warn() {
    if [ "$STRICT" = 1 ]; then bad "$* (warning; CHECK_STRICT=1)"; return; fi
    printf 'warn - %s\n' "$*"
}
check() { # check "description" command...
    local what=$1; shift
    if "$@" >"$TMP/out" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/       /' "$TMP/out" | head -n 40; fi
}
section() { printf '\n# %s\n' "$*"; }

have() { command -v "$1" >/dev/null 2>&1; }

# --------------------------------------------------------------------- 0. files
section "files"
for f in "$DF" "$CF" "$EP" "$DI" docker/check.sh; do
    if [ -f "$f" ]; then ok "$f exists"; else bad "$f is missing"; fi
done
if [ -x "$EP" ]; then ok "$EP is executable"; else bad "$EP is not executable (chmod +x)"; fi
if have git && git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    && git ls-files --error-unmatch "$EP" >/dev/null 2>&1; then
    mode=$(git ls-files -s "$EP" | awk '{print $1}')
    if [ "$mode" = 100755 ]; then ok "$EP is 100755 in git"; else bad "$EP is $mode in git (want 100755)"; fi
fi

# --------------------------------------------------------------------- 1. shell
section "shell scripts"
for s in docker/*.sh; do
    check "bash -n $s" bash -n "$s"
done
if have shellcheck; then
    check "shellcheck docker/*.sh" shellcheck -x docker/*.sh
else
    skip "shellcheck not installed (apt-get install shellcheck)"
fi

# --------------------------------------------------------------------- 2. Dockerfile
section "Dockerfile"
if have hadolint; then
    check "hadolint $DF" hadolint "$DF"
else
    skip "hadolint not installed (not packaged in Debian 12); rule checks below instead"
fi
if have docker && docker info >/dev/null 2>&1; then
    check "docker build --check" docker build --check -f "$DF" .
else
    skip "docker build --check (no Docker engine reachable)"
fi

# Logical lines: join backslash continuations, drop comments and blank lines.
awk '
    /^[[:space:]]*#/ && cont == "" { next }
    { line = $0 }
    /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", line); cont = cont line " "; next }
    { print cont line; cont = "" }
    END { if (cont != "") print cont }
' "$DF" | grep -v '^[[:space:]]*$' >"$TMP/df.lines"

# Split into stages: stage N's lines in $TMP/stage.N (N from 1).
awk -v dir="$TMP" '
    toupper($1) == "FROM" { n++ }
    n > 0 { print > (dir "/stage." n) }
    END { print n + 0 > (dir "/stages") }
' "$TMP/df.lines"
nstages=$(cat "$TMP/stages")
final="$TMP/stage.$nstages"
has() { grep -Eiq -- "$2" "$1"; } # has FILE ERE

if [ "$nstages" -ge 2 ]; then ok "multi-stage ($nstages stages)"; else bad "not multi-stage ($nstages FROM)"; fi
if head -n1 "$TMP/stage.1" | grep -Eiq '^FROM[[:space:]]+debian:12-slim[[:space:]]+AS[[:space:]]+build[[:space:]]*$'; then
    ok "build stage: FROM debian:12-slim AS build"
else
    bad "first stage is not 'FROM debian:12-slim AS build': $(head -n1 "$TMP/stage.1")"
fi
if head -n1 "$final" | grep -Eiq '^FROM[[:space:]]+debian:12-slim([[:space:]]+AS[[:space:]]+[a-z0-9_-]+)?[[:space:]]*$'; then
    ok "runtime stage: FROM debian:12-slim"
else
    bad "final stage is not based on debian:12-slim: $(head -n1 "$final")"
fi
unpinned=$(grep -Ei '^FROM[[:space:]]' "$TMP/df.lines" | awk '{print $2}' \
    | grep -Ev '^(build)$' | grep -Ev ':[A-Za-z0-9._-]+(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$' || true)
latest=$(grep -Ei '^FROM[[:space:]]+[^[:space:]]+:latest' "$TMP/df.lines" || true)
if [ -z "$unpinned$latest" ]; then ok "base images carry an explicit tag (no :latest)"; else bad "unpinned base image: $unpinned$latest"; fi

# Final stage must run as a non-root user.
last_user=$(grep -Ei '^USER[[:space:]]' "$final" | tail -n1 | awk '{print $2}')
user_name=${last_user%%:*}
if [ -z "$last_user" ]; then
    bad "runtime stage has no USER (would run as root)"
elif [ "$user_name" = root ] || [ "$user_name" = 0 ]; then
    bad "runtime stage runs as root (USER $last_user)"
else
    ok "runtime stage runs as non-root (USER $last_user)"
fi
if has "$final" 'useradd.*propdesk'; then ok "runtime stage creates user propdesk"; else bad "runtime stage does not create user propdesk"; fi
if [[ $user_name =~ ^[0-9]+$ ]]; then
    if has "$final" "useradd.*--uid[[:space:]=]+$user_name([[:space:]]|$)"; then
        ok "USER $user_name is the uid given to propdesk"
    else
        bad "USER $user_name does not match propdesk's --uid"
    fi
fi

for rule in \
    'HEALTHCHECK:^HEALTHCHECK[[:space:]]' \
    'ENTRYPOINT (exec form):^ENTRYPOINT[[:space:]]+\[' \
    'ENTRYPOINT runs the entrypoint script:^ENTRYPOINT.*propdesk-entrypoint' \
    'EXPOSE 8080:^EXPOSE[[:space:]]+8080([[:space:]/]|$)' \
    'binary at /usr/local/bin/propdesk:^COPY[[:space:]]+--from=build[[:space:]]+[^[:space:]]*build/propdesk[[:space:]]+/usr/local/bin/propdesk$' \
    'sql (migrations and demo seed) at /usr/share/propdesk/sql:^COPY[[:space:]]+--from=build[[:space:]]+[^[:space:]]*sql/?[[:space:]]+/usr/share/propdesk/sql/?$' \
    'docs at /usr/share/propdesk/docs:^COPY[[:space:]]+--from=build[[:space:]]+[^[:space:]]*build/docs/?[[:space:]]+/usr/share/propdesk/docs/?$' \
    'ENV MIGRATIONS_DIR=/usr/share/propdesk/sql/migrations:^ENV[[:space:]].*MIGRATIONS_DIR=/usr/share/propdesk/sql/migrations([[:space:]]|$)' \
    'ENV DOCS_DIR=/usr/share/propdesk/docs:^ENV[[:space:]].*DOCS_DIR=/usr/share/propdesk/docs([[:space:]]|$)' \
    'entrypoint script copied in:^COPY[[:space:]]+docker/entrypoint.sh[[:space:]]' \
    'image build runs the binary (library check):^RUN.*propdesk[[:space:]]+version'; do
    what=${rule%%:*} re=${rule#*:}
    if has "$final" "$re"; then ok "runtime: $what"; else bad "runtime: missing $what"; fi
done
hc=$(grep -Ei '^HEALTHCHECK' "$final" | tail -n1)
if [[ $hc =~ --timeout= && $hc =~ --interval= ]]; then ok "HEALTHCHECK sets interval and timeout"; else bad "HEALTHCHECK without --interval/--timeout"; fi
if [[ $hc =~ curl|wget ]] && ! has "$final" 'apt-get install.*[[:space:]](curl|wget)([[:space:]]|$)'; then
    bad "HEALTHCHECK uses curl/wget, which debian:12-slim does not have"
else
    ok "HEALTHCHECK uses a tool present in the image"
fi

# Build stage does the real build.
for rule in \
    'Swagger UI alone from npm (npm pack swagger-ui-dist):^RUN.*npm pack.*swagger-ui-dist' \
    'make:^RUN[[:space:]]+(.*&&[[:space:]]*)?make([[:space:]]|$)' \
    'nodejs and npm installed:apt-get install.*[[:space:]]nodejs[[:space:]].*npm|apt-get install.*[[:space:]]npm[[:space:]].*nodejs'; do
    what=${rule%%:*} re=${rule#*:}
    if has "$TMP/stage.1" "$re"; then ok "build: $what"; else bad "build: missing $what"; fi
done
# the image installs no dev tool to get three static files (linters, the contract proxy …)
if has "$TMP/stage.1" '(npm (ci|install)|make docs)'; then bad "build: npm ci / make docs installs every dev tool"; else ok "build: no npm ci (dev tools stay out of the image)"; fi
build_pkgs=(build-essential pkg-config libjansson-dev libpq-dev libjwt-dev
    libmicrohttpd-dev libsodium-dev libssl-dev libicu-dev libcurl4-gnutls-dev zlib1g-dev)
for pkg in "${build_pkgs[@]}"; do
    has "$TMP/stage.1" "apt-get install.*[[:space:]]$pkg([[:space:]]|$)" || bad "build: $pkg not installed"
done
ok "build: checked the ${#build_pkgs[@]} build dependencies"

# Runtime: exactly the libraries, nothing to compile with, no node.
runtime_pkgs=(libjansson4 libpq5 libjwt0 libmicrohttpd12 libsodium23 libssl3 libicu72
    ca-certificates tzdata)
for pkg in "${runtime_pkgs[@]}"; do
    has "$final" "apt-get install.*[[:space:]]${pkg//./\\.}([[:space:]]|$)" || bad "runtime: $pkg not installed"
done
ok "runtime: checked the ${#runtime_pkgs[@]} runtime packages"
forbidden=$(grep -Ei 'apt-get install' "$final" | grep -Eo '[[:space:]](build-essential|gcc|g\+\+|make|pkg-config|nodejs|npm|[a-z0-9.+-]+-dev)([[:space:]]|$)' | tr -d ' ' | sort -u | tr '\n' ' ')
if [ -z "$forbidden" ]; then ok "runtime: no compiler, -dev package or node"; else bad "runtime installs build tooling: $forbidden"; fi

# apt hygiene, every stage.
while IFS= read -r line; do
    [[ $line =~ apt-get[[:space:]]+install ]] || continue
    [[ $line =~ --no-install-recommends ]] || bad "apt-get install without --no-install-recommends: ${line:0:80}"
    [[ $line =~ [[:space:]](-y|--yes|-qq?y)[[:space:]] ]] || bad "apt-get install without -y: ${line:0:80}"
    [[ $line =~ apt-get[[:space:]]+update ]] || bad "apt-get install not in the same RUN as apt-get update: ${line:0:80}"
    [[ $line =~ rm[[:space:]]+-rf[[:space:]]+/var/lib/apt/lists ]] || bad "apt lists not removed in the same RUN: ${line:0:80}"
done <"$TMP/df.lines"
ok "apt: checked install lines (update+install+cleanup in one RUN, no recommends)"
if grep -Eiq '^ADD[[:space:]]+(--[^[:space:]]+[[:space:]]+)*https?://' "$TMP/df.lines"; then bad "ADD from a URL"; else ok "no ADD from URLs"; fi
if grep -Eq '(^|[[:space:]])sudo[[:space:]]' "$TMP/df.lines"; then bad "sudo used"; else ok "no sudo"; fi
if grep -Eiq '^(ENV|ARG)[[:space:]].*(JWT_SECRET|PASSWORD|DATABASE_URL)' "$TMP/df.lines"; then
    bad "a secret or DATABASE_URL baked into the image via ENV/ARG"
else
    ok "no secrets or DATABASE_URL baked in"
fi

# --------------------------------------------------------------------- 3. .dockerignore
section ".dockerignore"
patterns=()
while IFS= read -r p || [ -n "$p" ]; do
    p=${p%%$'\r'}
    [[ -z ${p//[[:space:]]/} || $p == \#* ]] && continue
    patterns+=("$p")
done <"$DI"
# ignored PATH: rough Docker semantics (last match wins, "!" re-includes, "**/" any depth,
# a matching directory excludes what is under it).
ignored() {
    local path=$1 result=1 p neg pat prefix
    for p in "${patterns[@]}"; do
        neg=0
        if [[ $p == !* ]]; then neg=1; p=${p#!}; fi
        pat=${p#/}
        pat=${pat%/}
        prefix=$path
        while :; do
            # shellcheck disable=SC2053 # glob match intended
            if [[ $prefix == $pat ]] || { [[ $pat == \*\*/* ]] && [[ /$prefix == */${pat#\*\*/} ]]; }; then
                if [ $neg = 1 ]; then result=1; else result=0; fi
                break
            fi
            [[ $prefix == */* ]] || break
            prefix=${prefix%/*}
        done
    done
    return $result
}
for must in .git node_modules build var; do
    if ignored "$must"; then ok ".dockerignore excludes $must"; else bad ".dockerignore does not exclude $must"; fi
done
if ignored "tests/node_modules/x"; then ok ".dockerignore excludes nested node_modules"; else bad ".dockerignore keeps nested node_modules"; fi
# Whatever the build context must provide (COPY sources other than '.' and --from).
need=(Makefile src api sql/migrations openapi.yaml)
while read -r src; do need+=("$src"); done < <(
    grep -Ei '^COPY[[:space:]]' "$TMP/df.lines" | grep -Eiv -- '--from=' \
        | awk '{for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i}' | grep -vx '\.' )
for n in "${need[@]}"; do
    if ignored "$n"; then bad ".dockerignore excludes $n, which the build needs"; continue; fi
    if [ -e "$n" ]; then ok "build input $n present and not ignored"
    else warn "build input $n not in the repo yet (the image build needs it)"; fi
done

# --------------------------------------------------------------------- 4. compose
section "compose.yaml"
compose=()
if have docker && docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif have docker-compose; then
    compose=(docker-compose)
fi
DUMMY_SECRET=check-sh-dummy-secret-0123456789abcdef
if [ ${#compose[@]} -gt 0 ]; then
    check "${compose[*]} config -q (JWT_SECRET set)" \
        env JWT_SECRET="$DUMMY_SECRET" "${compose[@]}" -f "$CF" config -q
    # the demo starts as it stands: nothing to set first
    check "${compose[*]} config -q (nothing set: the demo)" env -u JWT_SECRET "${compose[@]}" -f "$CF" config -q
    if env -u JWT_SECRET "${compose[@]}" -f "$CF" -p check-a config 2>/dev/null | grep -q 'name: check-a_pgdata'; then
        ok "the volume is named per project"
    else
        bad "the volume is not named per project (check-a_pgdata)"
    fi
    env JWT_SECRET="$DUMMY_SECRET" "${compose[@]}" -f "$CF" config >"$TMP/compose.resolved" 2>/dev/null || true
else
    skip "docker compose / docker-compose not installed (apt-get install docker-compose)"
fi

if python3 -c 'import yaml' >/dev/null 2>&1; then
    check "compose structure (services, healthchecks, depends_on, secrets)" python3 - "$CF" <<'PY'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
errs = []
def need(cond, msg):
    if not cond:
        errs.append(msg)
svcs = doc.get("services") or {}
need(set(svcs) >= {"postgres", "api"}, f"services must include postgres and api, got {sorted(svcs)}")
pg, api = svcs.get("postgres") or {}, svcs.get("api") or {}

need(str(pg.get("image", "")).startswith("postgres:15"), "postgres image must be postgres:15")
env = pg.get("environment") or {}
if isinstance(env, list):
    env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
for k in ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"):
    need(k in env, f"postgres: {k} not set")
hc = pg.get("healthcheck") or {}
need("pg_isready" in " ".join(map(str, hc.get("test") or [])) if not isinstance(hc.get("test"), str) else "pg_isready" in hc["test"],
     "postgres: healthcheck must use pg_isready")
vols = pg.get("volumes") or []
named = set((doc.get("volumes") or {}).keys())
need(any(isinstance(v, str) and v.split(":")[0] in named and "/var/lib/postgresql/data" in v for v in vols)
     or any(isinstance(v, dict) and v.get("source") in named and v.get("target") == "/var/lib/postgresql/data" for v in vols),
     "postgres: data dir must be on a named volume")

b = api.get("build") or {}
need(isinstance(b, dict) and b.get("context") == ".." and b.get("dockerfile") == "docker/Dockerfile",
     "api: build must be {context: .., dockerfile: docker/Dockerfile}")
dep = api.get("depends_on") or {}
need(isinstance(dep, dict) and (dep.get("postgres") or {}).get("condition") == "service_healthy",
     "api: depends_on postgres with condition service_healthy")
aenv = api.get("environment") or {}
if isinstance(aenv, list):
    aenv = dict(e.split("=", 1) if "=" in e else (e, None) for e in aenv)
url = str(aenv.get("DATABASE_URL") or "")
need(re.match(r"postgres(ql)?://[^@]+@postgres(:5432)?/", url), f"api: DATABASE_URL must point at host postgres, got {url!r}")
need(str(aenv.get("JWT_SECRET")) == "${JWT_SECRET:-}",
     "api: JWT_SECRET must be ${JWT_SECRET:-} (from the environment, never committed; a demo may go without)")
need(str(aenv.get("SEED_DEMO")) == "${SEED_DEMO:-1}", "api: SEED_DEMO must default to 1 (the README's logins)")
for k in ("JWT_PRIVATE_KEY_FILE", "ATTACHMENT_MAX_BYTES", "JOBS_INTERVAL_MS"):
    need(k in aenv and aenv[k] is None, f"api: {k} must be passed through from the host")
need(not ((doc.get("volumes") or {}).get("pgdata") or {}).get("name"), "volumes: pgdata must not have a fixed name (per project)")
for k, v in aenv.items():
    if re.search(r"SECRET|PRIVATE_KEY(?!_FILE)", k) and v is not None and not str(v).startswith("${"):
        errs.append(f"api: {k} has a literal value in the file")
ports = [str(p) for p in api.get("ports") or []]
need(any(p.endswith(":8080") or p == "8080" for p in ports), f"api: must publish container port 8080, got {ports}")
ahc = api.get("healthcheck") or {}
t = ahc.get("test")
need("/readyz" in (t if isinstance(t, str) else " ".join(map(str, t or []))), "api: healthcheck must hit /readyz")
need(api.get("restart") == "unless-stopped", "api: restart must be unless-stopped")
need("ports" not in pg, "postgres: should not be published on the host")
if errs:
    print("\n".join(errs))
    sys.exit(1)
PY
else
    skip "compose structure (python3 with PyYAML not available)"
    for re in 'image:[[:space:]]*postgres:15' 'pg_isready' 'condition:[[:space:]]*service_healthy' \
        'JWT_SECRET:[[:space:]]*\$\{JWT_SECRET:-\}' 'SEED_DEMO:[[:space:]]*\$\{SEED_DEMO:-1\}' 'JWT_PRIVATE_KEY_FILE:' '/readyz' 'restart:[[:space:]]*unless-stopped' \
        'dockerfile:[[:space:]]*docker/Dockerfile'; do
        if grep -Eq "$re" "$CF"; then ok "compose mentions $re"; else bad "compose lacks $re"; fi
    done
fi

# --------------------------------------------------------------------- 5. entrypoint
section "entrypoint.sh (stub propdesk)"
STUB="$TMP/propdesk"
cat >"$STUB" <<'STUB'
#!/usr/bin/env bash
# Records its calls; `migrate` fails while the counter file says so.
echo "$*" >>"$STUB_LOG"
[ "$1" = serve ] && echo "${#JWT_SECRET}" >"$STUB_LOG.secret"
if [ "$1" = migrate ] && [ -s "$STUB_FAILS" ]; then
    n=$(cat "$STUB_FAILS")
    if [ "$n" -gt 0 ]; then echo $((n - 1)) >"$STUB_FAILS"; exit 1; fi
fi
exit 0
STUB
chmod +x "$STUB"
run_ep() { # run_ep FAILS [VAR=value ...] -- ARGS...; prints the call log as one line
    local fails=$1; shift
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
    : >"$TMP/calls"; echo "$fails" >"$TMP/fails"
    env PROPDESK_BIN="$STUB" STUB_LOG="$TMP/calls" STUB_FAILS="$TMP/fails" \
        MIGRATE_RETRY_DELAY=0 "${envs[@]}" bash "$ROOT/$EP" "$@" 2>"$TMP/ep.err"
    local rc=$?
    printf '%s|rc=%s\n' "$(paste -sd, "$TMP/calls")" "$rc"
}
expect() { # expect DESCRIPTION WANT GOT
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want '$2', got '$3'"; sed 's/^/       /' "$TMP/ep.err" | head -n 10; fi
}
# shellcheck disable=SC2016 # a literal $PROPDESK is searched for
if grep -Eq '^[[:space:]]*exec "\$PROPDESK" serve' "$EP"; then
    ok "serve is exec'd (propdesk replaces the shell and gets signals from tini)"
else
    bad "entrypoint does not exec propdesk serve"
fi
if grep -Eiq '^ENTRYPOINT.*"/usr/bin/tini"' "$TMP/df.lines" && has "$final" 'apt-get install.*[[:space:]]tini([[:space:]]|$)'; then
    ok "tini installed and used as init"
else
    bad "ENTRYPOINT does not run under tini (or tini not installed)"
fi
expect "default: migrate then serve" "migrate,serve|rc=0" "$(run_ep 0 -- )"
expect "serve args passed through" "migrate,serve --x|rc=0" "$(run_ep 0 -- serve --x)"
expect "SEED_DEMO=1: migrate, seed-demo, serve" "migrate,seed-demo,serve|rc=0" "$(run_ep 0 SEED_DEMO=1 -- serve)"
run_ep 0 SEED_DEMO=1 JWT_SECRET= -- serve >/dev/null
expect "a demo without a signing key serves with a secret made up at start (64 characters)" "64" "$(cat "$TMP/calls.secret")"
run_ep 0 SEED_DEMO=0 JWT_SECRET= -- serve >/dev/null
expect "outside a demo nothing is made up (propdesk itself refuses to start)" "0" "$(cat "$TMP/calls.secret")"
run_ep 0 SEED_DEMO=1 JWT_SECRET= JWT_PRIVATE_KEY_FILE=/run/secrets/key.pem -- serve >/dev/null
expect "a demo with a key file keeps it (no secret made up)" "0" "$(cat "$TMP/calls.secret")"
expect "migrate retried until the database answers" "migrate,migrate,migrate,serve|rc=0" "$(run_ep 2 -- serve)"
expect "gives up after MIGRATE_RETRIES, never serves" "migrate,migrate|rc=1" "$(run_ep 5 MIGRATE_RETRIES=2 -- serve)"
expect "AUTO_MIGRATE=0 serves directly" "serve|rc=0" "$(run_ep 0 AUTO_MIGRATE=0 -- serve)"
expect "subcommand passthrough (version)" "version|rc=0" "$(run_ep 0 -- version)"
expect "subcommand passthrough (create-admin args)" "create-admin --email a@b|rc=0" "$(run_ep 0 -- create-admin --email a@b)"
expect "other commands exec'd as is" "|rc=0" "$(run_ep 0 -- true)"

if have python3; then
    python3 - "$TMP/port" >"$TMP/server.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        code = {"/healthz": 200, "/readyz": 503}.get(self.path, 404)
        body = b'{"status":"x"}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
    SERVER_PID=$!
    for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    port=$(cat "$TMP/port" 2>/dev/null)
    if [ -n "$port" ]; then
        hc() { env PORT="$port" "$@" bash "$ROOT/$EP" healthcheck "${HC_PATH:-/healthz}" >/dev/null 2>&1; echo $?; }
        expect "healthcheck: 200 -> healthy" 0 "$(hc BIND_ADDRESS=0.0.0.0)"
        expect "healthcheck: 503 on /readyz -> unhealthy" 1 "$(HC_PATH=/readyz hc)"
        expect "healthcheck: explicit BIND_ADDRESS used" 0 "$(hc BIND_ADDRESS=127.0.0.1)"
        kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
        expect "healthcheck: nothing listening -> unhealthy" 1 "$(hc)"
    else
        bad "test HTTP server did not start"; sed 's/^/       /' "$TMP/server.log"
    fi
else
    skip "healthcheck behaviour (python3 not available for a test server)"
fi

# --------------------------------------------------------------------- haproxy.cfg
section "haproxy.cfg (reverse-proxy example)"
HA="$ROOT/docker/haproxy.cfg"
if have haproxy; then
    # the certificate is a placeholder: check a copy without TLS
    sed -e 's/ ssl crt [^ ]*//' -e '/redirect scheme https/d' "$HA" > "$TMP/haproxy.cfg"
    check "haproxy -c" haproxy -c -q -f "$TMP/haproxy.cfg"
else
    skip "haproxy not installed (Debian: apt-get install haproxy); structural checks below instead"
fi
for want in 'option httpchk GET /readyz' 'timeout tunnel' 'timeout server 60s' 'balance roundrobin' 'filter compression'; do
    if grep -qF "$want" "$HA"; then ok "haproxy.cfg: $want"; else bad "haproxy.cfg lacks: $want"; fi
done

# --------------------------------------------------------------------- summary
echo
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
