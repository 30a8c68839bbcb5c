-- Bench volume for announcements: set-based, run by tests/bench/announcements.sh on a database
-- that tests/bench/gen_tickets.sql has given its places (20 communities, their buildings):
--   psql -v count=20000 -f tests/bench/gen_announcements.sql
-- adds announcements 1 … count to the demo org 示例物业, one every half hour back from now:
-- 10% to the whole org, 20% to a building, the rest to a community (新苑小区 gets 15% of
-- those); 85% published (one in twenty pinned, one in ten expired since), the rest drafts,
-- withdrawn or archived.
\set ON_ERROR_STOP on
\if :{?count}
\else
    \echo 'gen_announcements.sql: give -v count=N'
    \quit
\endif
\set org 10000000-0000-4000-8000-000000000001
\set c1 10000000-0000-4000-8000-0000000000c1
\set manager 10000000-0000-4000-8000-0000000000a6
SET work_mem = '64MB';
SET jit = off;
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_ac, bench_ab;
CREATE TEMP TABLE bench_ac AS
SELECT (row_number() OVER (ORDER BY c.id <> :'c1', c.code) - 1)::int AS k, c.id
FROM communities c WHERE c.org_id = :'org' AND (c.id = :'c1' OR c.code LIKE 'BC%');
CREATE TEMP TABLE bench_ab AS
SELECT (row_number() OVER (ORDER BY b.community_id <> :'c1', b.id) - 1)::int AS k, b.id, b.community_id
FROM buildings b WHERE b.org_id = :'org';

\echo '  inserting' :count 'announcements'
INSERT INTO announcements (org_id, id, title, body, category, audience, community_ids, building_ids, pinned,
    requires_ack, expires_at, status, created_by, published_by, published_at, withdraw_reason, created_at, updated_at)
SELECT :'org'::uuid, md5('bench-announcement:' || g.i)::uuid, '通知 #' || g.i,
       '各位业主：' || repeat('本周将进行例行设备检修，请留意。', 6), 'notice', g.audience,
       CASE g.audience WHEN 'org' THEN '{}'::uuid[] WHEN 'communities' THEN ARRAY[c.id] ELSE ARRAY[b.community_id] END,
       CASE WHEN g.audience = 'buildings' THEN ARRAY[b.id] ELSE '{}'::uuid[] END,
       g.status = 'published' AND g.i % 20 = 0, g.i % 7 = 0,
       CASE WHEN g.status = 'published' AND g.i % 10 = 3 THEN g.at + interval '1 hour' END,
       g.status, :'manager'::uuid, CASE WHEN g.status <> 'draft' THEN :'manager'::uuid END,
       CASE WHEN g.status <> 'draft' THEN g.at END, CASE WHEN g.status = 'withdrawn' THEN '发布有误' END, g.at, g.at
FROM (SELECT i, now() - i * interval '30 minutes' AS at,
             CASE WHEN i % 10 = 0 THEN 'org' WHEN i % 10 IN (1, 2) THEN 'buildings' ELSE 'communities' END AS audience,
             CASE WHEN i % 20 IN (5, 15) THEN 'draft' WHEN i % 20 = 7 THEN 'withdrawn' ELSE 'published' END AS status,
             CASE WHEN random() < 0.15 THEN 0 ELSE 1 + (i % 19) END AS ck, i % 200 AS bk
      FROM generate_series(1, :count) i) g
JOIN bench_ac c ON c.k = g.ck
JOIN bench_ab b ON b.k = g.bk % (SELECT count(*) FROM bench_ab);
-- what has passed its expiry is expired, as the sweep leaves it
UPDATE announcements SET status = 'expired' WHERE org_id = :'org' AND status = 'published' AND expires_at <= now();
DROP TABLE bench_ac, bench_ab;
