#!/usr/bin/env bash
# Benchmark of the owner's feed (the call every owner app makes at start) and the staff list
# at volume, each beside PostgreSQL's plain read of the same rows, in one run:
#   feed  GET /v1/me/announcements?limit=20 as the owner 13800000001 (新苑小区, 3号楼) vs the
#         21 rows by the feed index, what reaches the owner named directly (their community
#         and building, not through their units)
#   list  GET /v1/announcements?community_id=<新苑小区>&limit=20 (admin) vs the 21 rows
# with wrk (2 threads, $CONNS connections) and pgbench -M prepared (best of $PG_CLIENTS
# clients) reading the rows' own columns (not their stored documents), and the server's peak
# RSS.
#   make bench-announcements   (COUNT=20000 DURATION=8 CONNS=64 HTTP_THREADS=4×cores≤16 PG_CLIENTS="2 8";
#                               KEEP_DB=1 keeps the database)
# Targets (issue #11, as issue #8's): each read >= 0.40 of its plain read, p99 <= 25 ms at 64
# connections, server RSS < 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${COUNT:-20000}
READS="feed list"
ORG=10000000-0000-4000-8000-000000000001
C1=10000000-0000-4000-8000-0000000000c1
# shellcheck source=tests/bench/lib.sh
source tests/bench/lib.sh
bench_database announcements

t0=$SECONDS
sql -v count=2000 -f tests/bench/gen_tickets.sql >/dev/null
sql -v count="$COUNT" -f tests/bench/gen_announcements.sql
sql -c "VACUUM (ANALYZE) announcements, units, buildings"
echo "  generated $COUNT announcements in $((SECONDS - t0))s"

cols=$(sql -At -c "SELECT string_agg('a.' || column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
                   WHERE table_name = 'announcements' AND column_name NOT IN ('doc')")
B3=$(sql -At -c "SELECT u.building_id FROM residencies r JOIN units u ON u.id = r.unit_id
                 WHERE r.user_id = '10000000-0000-4000-8000-0000000000b1' AND r.status = 'verified' LIMIT 1")
cat > "$WORK/feed.sql" <<SQL
SELECT $cols FROM announcements a WHERE a.org_id = '$ORG' AND a.status = 'published'
  AND (a.expires_at IS NULL OR a.expires_at > now())
  AND (a.audience = 'org' OR (a.audience = 'communities' AND a.community_ids @> '{$C1}')
       OR (a.audience = 'buildings' AND a.building_ids @> '{$B3}'))
ORDER BY a.feed_at DESC, a.id DESC LIMIT 21;
SQL
cat > "$WORK/list.sql" <<SQL
SELECT $cols FROM announcements a WHERE a.org_id = '$ORG' AND (a.audience = 'org' OR '$C1' = ANY (a.community_ids))
ORDER BY a.created_at DESC, a.id DESC LIMIT 21;
SQL

start_server "$PORT"
admin=$(token "$PORT") owner=$(token "$PORT" 13800000001)
path_lua feed "$owner" "/v1/me/announcements?limit=20"
path_lua list "$admin" "/v1/announcements?community_id=$C1&limit=20"
echo "== $COUNT announcements; wrk -t2 -c$CONNS -d${DURATION}s, HTTP_THREADS=$HTTP_THREADS, pgbench best of clients $PG_CLIENTS"
# shellcheck disable=SC2086
measure_reads "$PORT" $READS
RSS=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status")
stop_server

echo ""
echo "== results (wrk -t2 -c$CONNS -d${DURATION}s best of $RUNS, HTTP_THREADS=$HTTP_THREADS; plain: pgbench best of $PG_CLIENTS clients)"
# shellcheck disable=SC2086
report_reads $READS
printf '  server peak RSS      %s MiB   target < 64: %s\n' "$RSS" "$(verdict "$RSS < 64")"
