#!/usr/bin/env bash
# Benchmark of a campaign's results at volume: $COUNT units (default 10,000) of one community,
# every one answered, the results computed in SQL on each request:
#   results  GET /v1/surveys/{id}/results (quality): latency of one request at a time, wrk
#            -t1 -c1 for $DURATION seconds (p50, p99), and the plain pd_survey_results call
#            in psql beside it
#   csv      GET /v1/surveys/{id}/results.csv: the whole streamed export, its time and size
#   make bench-surveys   (COUNT=10000 DURATION=8; KEEP_DB=1 keeps the database)
# Target (issue #12): the results of 10,000 answered units in under 200 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${COUNT:-10000}
ORG=10000000-0000-4000-8000-000000000001
SURVEY=10000000-0000-4000-8000-0000000000f9
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
bench_database surveys

t0=$SECONDS
sql -v count="$COUNT" -f tests/bench/gen_surveys.sql >/dev/null
sql -c "VACUUM (ANALYZE) survey_responses, survey_targets, units, buildings"
answered=$(sql -At -c "SELECT count(*) FROM survey_responses WHERE survey_id = '$SURVEY'")
echo "  generated $answered answers in $((SECONDS - t0))s"

plain=$(sql -At -c 'SET jit = off' -c '\timing on' -c "SELECT length(pd_survey_results('$ORG', '$SURVEY', NULL, NULL, NULL)::text)" \
        -c "SELECT length(pd_survey_results('$ORG', '$SURVEY', NULL, NULL, NULL)::text)" | awk '/^Time:/ { t = $2 } END { print t }')

start_server "$PORT"
quality=$(token "$PORT" quality)
path_lua results "$quality" "/v1/surveys/$SURVEY/results"
wrk -t1 -c1 -d"${DURATION}s" --latency -s "$WORK/results.lua" "http://127.0.0.1:$PORT" > "$WORK/results.wrk"
p50=$(awk '$1 == "50%" { print $2 }' "$WORK/results.wrk")
p99=$(awk '$1 == "99%" { print $2 }' "$WORK/results.wrk")
rps=$(awk '/^Requests\/sec/ { print $2 }' "$WORK/results.wrk")
non2xx=$(awk '/Non-2xx/ { print $5 }' "$WORK/results.wrk")
csv=$(curl -s -o "$WORK/export.csv" -w '%{http_code} %{time_total} %{size_download}' \
      -H "Authorization: Bearer $quality" "http://127.0.0.1:$PORT/v1/surveys/$SURVEY/results.csv")
lines=$(wc -l < "$WORK/export.csv")
RSS=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status")
stop_server

echo ""
echo "== results of $answered answered units (wrk -t1 -c1 -d${DURATION}s)"
printf '  GET results   p50 %s  p99 %s  (%s req/s, non-2xx: %s)   target < 200 ms: %s\n' "$p50" "$p99" "$rps" \
    "${non2xx:-0}" "$(verdict "$(ms "$p99") < 200 && ${non2xx:-0} == 0")"
printf '  plain SQL     pd_survey_results in psql: %s ms\n' "$plain"
read -r code secs bytes <<<"$csv"
printf '  GET results.csv  %s, %s lines, %s bytes in %s s\n' "$code" "$lines" "$bytes" "$secs"
printf '  server peak RSS  %s MiB   target < 64: %s\n' "$RSS" "$(verdict "$RSS < 64")"
