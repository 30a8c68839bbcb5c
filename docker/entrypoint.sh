#!/usr/bin/env bash
# propdesk container entrypoint (installed as /usr/local/bin/propdesk-entrypoint).
#
#   (no args) | serve   migrate (with retries while the database comes up), optionally
#                       seed the demo org (SEED_DEMO=1), then exec `propdesk serve`
#   migrate | seed-demo | create-admin | version
#                       run that propdesk subcommand once (e.g. `docker run IMAGE migrate`)
#   healthcheck [PATH]  GET PATH (default /healthz) on the local server; exit 0 on HTTP 200.
#                       Used by HEALTHCHECK; needs neither curl nor wget (bash /dev/tcp).
#   anything else       exec'd as is (e.g. `docker run -it IMAGE bash`)
#
# Environment read here (everything else is read by propdesk itself):
#   AUTO_MIGRATE=1          0 skips `propdesk migrate` before serve (then run it yourself:
#                           serve refuses to start on an unmigrated database)
#   MIGRATE_RETRIES=30      attempts before giving up (the database may still be starting)
#   MIGRATE_RETRY_DELAY=2   seconds between attempts
#   SEED_DEMO=0             1 runs `propdesk seed-demo` after migrating (demo org; dev only).
#                           A failing seed is reported but does not stop the server. A demo
#                           without JWT_SECRET or JWT_PRIVATE_KEY_FILE signs with a secret made
#                           up at start (tokens die with the container; never for production,
#                           where propdesk refuses to start without one).
#   PORT, BIND_ADDRESS      where the healthcheck connects (127.0.0.1 when bound to any)
#   HEALTHCHECK_TIMEOUT=4   seconds to wait for the response's status line
#   PROPDESK_BIN=propdesk   the binary to run (docker/check.sh points it at a stub)
set -euo pipefail

PROPDESK=${PROPDESK_BIN:-propdesk}

log() {
    # Same shape as the server's JSON log lines, on stderr.
    local level=$1 msg=$2
    printf '{"ts":"%s","level":"%s","component":"entrypoint","msg":"%s"}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "${msg//\"/\\\"}" >&2
}

migrate() {
    local tries=${MIGRATE_RETRIES:-30} delay=${MIGRATE_RETRY_DELAY:-2} n=1
    until "$PROPDESK" migrate; do
        if (( n >= tries )); then
            log error "propdesk migrate failed after $n attempts; giving up"
            return 1
        fi
        log warn "propdesk migrate failed (attempt $n/$tries); retrying in ${delay}s"
        sleep "$delay"
        n=$((n + 1))
    done
}

healthcheck() {
    local path=${1:-/healthz}
    local port=${PORT:-8080}
    local host=${HEALTHCHECK_HOST:-${BIND_ADDRESS:-0.0.0.0}}
    case "$host" in
        0.0.0.0 | "" | "*") host=127.0.0.1 ;;
        :: | "[::]") host=::1 ;;
    esac
    host=${host#[}
    host=${host%]}

    local status=""
    # fd 3: a TCP connection (bash feature, no external tools).
    if ! exec 3<>"/dev/tcp/$host/$port"; then
        echo "healthcheck: cannot connect to $host:$port" >&2
        return 1
    fi
    printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: propdesk-healthcheck\r\nConnection: close\r\n\r\n' \
        "$path" >&3
    IFS= read -r -t "${HEALTHCHECK_TIMEOUT:-4}" status <&3 || true
    exec 3<&- 3>&-
    status=${status%$'\r'}
    case "$status" in
        "HTTP/1."[01]" 200"*) return 0 ;;
        *)
            echo "healthcheck: GET $path -> ${status:-no response}" >&2
            return 1
            ;;
    esac
}

cmd=${1:-serve}
[ "$#" -gt 0 ] && shift

case "$cmd" in
    serve)
        if [ "${AUTO_MIGRATE:-1}" = 1 ]; then
            migrate
        fi
        if [ "${SEED_DEMO:-0}" = 1 ]; then
            log info "SEED_DEMO=1: seeding the demo org"
            "$PROPDESK" seed-demo || log warn "propdesk seed-demo failed; serving anyway"
            if [ -z "${JWT_SECRET:-}" ] && [ -z "${JWT_PRIVATE_KEY_FILE:-}" ]; then
                JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
                export JWT_SECRET
                log warn "demo: no JWT_SECRET or JWT_PRIVATE_KEY_FILE; signing with a secret made up at start"
            fi
        fi
        exec "$PROPDESK" serve "$@"
        ;;
    migrate)
        migrate
        ;;
    seed-demo | create-admin | version)
        exec "$PROPDESK" "$cmd" "$@"
        ;;
    healthcheck)
        healthcheck "$@"
        ;;
    *)
        exec "$cmd" "$@"
        ;;
esac
