#!/usr/bin/env bash
# Benchmark of the live stream (GET /v1/stream), in one run:
#   idle   GET /v1/tickets/{id} with wrk (2 threads, $CONNS connections), with no stream open
#          and with $STREAMS idle streams open: throughput and p99 within 10% (streams park
#          their connections: they hold no worker)
#   memory the server's RSS before and after opening them: bytes per open stream
#   latency dispatch answered → work_order.dispatched on the technician's open stream, p50 and
#          p99 over $SAMPLES dispatches, under a background load of the same GETs
#   make bench-stream   (STREAMS=1000 SAMPLES=50 DURATION=8 CONNS=64 HTTP_THREADS=4×cores≤16)
set -euo pipefail
cd "$(dirname "$0")/../.."
STREAMS=${STREAMS:-1000}
SAMPLES=${SAMPLES:-50}
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
bench_database stream
ulimit -n 16384  # the streams' sockets, both ends
sql -v count=2000 -f tests/bench/gen_tickets.sql >/dev/null

export STREAM_MAX_PER_USER=$((STREAMS + 10)) STREAM_MAX_TOTAL=$((STREAMS + 100))
start_server "$PORT"
BASE="http://127.0.0.1:$PORT"
TOKEN=$(token "$PORT" admin)
TICKET=$(sql -At -c "SELECT id FROM tickets ORDER BY created_at DESC LIMIT 1")
path_lua get "$TOKEN" "/v1/tickets/$TICKET"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }

run_best "$PORT" get
RPS0=$RPS P990=$P99_MS
RSS0=$(rss)
node tests/bench/stream.mjs open "$BASE" "$TOKEN" "$STREAMS" "$WORK/ready" &
OPENER=$!
for _ in $(seq 1 600); do [ -f "$WORK/ready" ] && break; sleep 0.1; done
[ -f "$WORK/ready" ] || { echo "the streams did not open"; kill $OPENER; exit 1; }
sleep 1
RSS1=$(rss)
run_best "$PORT" get
RPS1=$RPS P991=$P99_MS
# dispatch latency while wrk keeps the server busy with GETs
wrk -t2 -c"$CONNS" -d60s -s "$WORK/get.lua" "$BASE" > /dev/null &
LOAD=$!
sleep 1
read -r P50L P99L < <(node tests/bench/stream.mjs latency "$BASE" "$SAMPLES")
kill $LOAD $OPENER 2>/dev/null || true
wait $LOAD $OPENER 2>/dev/null || true

PER=$(( (RSS1 - RSS0) * 1024 / STREAMS ))
printf '  %-28s %10s %9s\n' "GET /v1/tickets/{id}" "req/s" "p99 ms"
printf '  %-28s %10s %9s\n' "no stream open" "$RPS0" "$P990"
printf '  %-28s %10s %9s\n' "$STREAMS idle streams open" "$RPS1" "$P991"
echo "  throughput ratio $(ratio "$RPS1" "$RPS0") (target >= 0.90): $(verdict "$RPS1 >= 0.9 * $RPS0")"
echo "  p99 with streams / without $(ratio "$P991" "$P990") (target <= 1.10, or within 1 ms): $(verdict "$P991 <= 1.1 * $P990 || $P991 - $P990 <= 1")"
echo "  memory per open stream: $PER bytes (RSS $((RSS0 / 1024)) MiB → $((RSS1 / 1024)) MiB)"
echo "  dispatch → stream latency under GET load: p50 ${P50L} ms, p99 ${P99L} ms (target < 1000 ms): $(verdict "$P99L < 1000")"
