-- Bench volume for complaints: set-based, run by tests/bench/complaints.sh on a database that
-- tests/bench/gen_tickets.sql has given its places (20 communities, their units):
--   psql -v count=100000 -f tests/bench/gen_complaints.sql
-- adds complaints 1 … count to the demo org 示例物业 with their forward and resolution clocks
-- (inserted first, so that each complaint renders its stored documents once, as the API's
-- create does) and counts them into day_numbers (series TS).
--
-- Shape: 新苑小区 gets about 15% of them, 光华小区 10%, the bench communities the rest; 70% are
-- about a unit, the rest a common area; 30% came from the app (the demo owner 13800000001 in
-- 新苑小区, anonymous one time in ten), the rest by phone. Complaint i is received on day
-- (i mod 365) + 1 before today; older than two days, 85% are closed, 5% rejected and 10%
-- withdrawn or still open; the last two days hold every state.
\set ON_ERROR_STOP on
\if :{?count}
\else
    \echo 'gen_complaints.sql: give -v count=N'
    \quit
\endif
\set org 10000000-0000-4000-8000-000000000001
\set c1 10000000-0000-4000-8000-0000000000c1
\set c2 10000000-0000-4000-8000-0000000000c2
\set agent 10000000-0000-4000-8000-0000000000a2
\set owner 10000000-0000-4000-8000-0000000000b1
SET work_mem = '64MB';
SET jit = off;
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_k, bench_ku, bench_kn, bench_kg;

CREATE TEMP TABLE bench_k AS
SELECT (row_number() OVER (ORDER BY c.id <> :'c1', c.id <> :'c2', length(c.code), c.code) - 1)::int AS k, c.id
FROM communities c
WHERE c.org_id = :'org' AND (c.id IN (:'c1', :'c2') OR c.code LIKE 'BC%');
CREATE TEMP TABLE bench_ku AS
SELECT c.k, (row_number() OVER (PARTITION BY c.k ORDER BY u.id))::int AS rn, u.id
FROM units u JOIN bench_k c ON c.id = u.community_id WHERE u.org_id = :'org';
CREATE INDEX ON bench_ku (k, rn);
CREATE TEMP TABLE bench_kn AS SELECT k, count(*)::int AS n FROM bench_ku GROUP BY k;
ANALYZE bench_k, bench_ku, bench_kn;

\echo '  staging' :count 'complaints'
CREATE TEMP TABLE bench_kg AS
SELECT g.*, k.id AS community_id, u.id AS unit_id,
       CASE WHEN g.age_days > 2 THEN
            CASE WHEN g.r_state < 0.85 THEN 'closed' WHEN g.r_state < 0.90 THEN 'rejected'
                 WHEN g.r_state < 0.97 THEN 'withdrawn' ELSE 'acknowledged' END
       ELSE (ARRAY['received', 'accepted', 'forwarded', 'acknowledged', 'resolved', 'replied', 'closed'])[1 + (g.i % 7)]
       END AS status
FROM (SELECT i, md5('bench-complaint:' || i)::uuid AS id,
             (i % 365) + 1 AS age_days,
             CASE WHEN random() < 0.15 THEN 0 WHEN random() < 0.12 THEN 1 ELSE 2 + (i % 18) END AS k,
             random() AS r_unit, random() AS r_state, random() AS r_kind, random() AS r_app,
             ((now() AT TIME ZONE 'Asia/Shanghai')::date - ((i % 365) + 1)
              + time '07:00' + (random() * interval '15 hours')) AT TIME ZONE 'Asia/Shanghai' AS at,
             (i - 1) / 365 + 1 AS seq
      FROM generate_series(1, :count) i) g
JOIN bench_k k ON k.k = g.k
JOIN bench_kn n ON n.k = g.k
LEFT JOIN bench_ku u ON u.k = g.k AND u.rn = 1 + floor(g.r_unit * n.n)::int;

\echo '  clocks'
INSERT INTO clocks (org_id, subject_type, subject_id, name, community_id, calendar, target_minutes, started_at,
                    due, met_at, breached, warned, stopped_at)
SELECT :'org'::uuid, 'complaint', g.id, 'forward', g.community_id, 'always', 10, g.at, g.at + interval '10 minutes',
       CASE WHEN g.status NOT IN ('received', 'withdrawn') THEN g.at + interval '6 minutes' END, false,
       g.status <> 'received', CASE WHEN g.status IN ('closed', 'rejected', 'withdrawn') THEN g.at + interval '3 days' END
FROM bench_kg g
UNION ALL
SELECT :'org'::uuid, 'complaint', g.id, 'resolution', g.community_id, 'always', 10080, g.at, g.at + interval '7 days',
       CASE WHEN g.status IN ('resolved', 'replied', 'closed') THEN g.at + interval '2 days' END,
       g.status = 'acknowledged' AND g.age_days > 7, g.status = 'acknowledged' AND g.age_days > 7,
       CASE WHEN g.status IN ('closed', 'rejected', 'withdrawn') THEN g.at + interval '3 days' END
FROM bench_kg g WHERE g.status NOT IN ('received', 'rejected', 'withdrawn');

\echo '  complaints'
INSERT INTO complaints (org_id, id, number, community_id, unit_id, location, channel, anonymous, complainant_id,
    contact_name, contact_phone, subject_department, description, demand, status, receiver_id, created_by,
    nature, content, severity, departments, forwards, result, root_cause, corrective_action, resolved_by,
    resolved_at, reply_method, reply_content, replied_by, replied_at, rating, closed_at, created_at, updated_at)
SELECT :'org'::uuid, g.id, 'TS' || to_char(g.at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(g.seq::text, 4, '0'),
    g.community_id, CASE WHEN g.r_unit < 0.7 THEN g.unit_id END, CASE WHEN g.r_unit >= 0.7 THEN '小区大门' END,
    CASE WHEN app THEN 'app' ELSE 'phone' END, app AND g.r_kind < 0.1, CASE WHEN app THEN :'owner'::uuid END,
    CASE WHEN app THEN '张业主' ELSE '压测投诉人' END, CASE WHEN app THEN '13800000001' ELSE '139' || lpad((g.i % 100000000)::text, 8, '0') END,
    (ARRAY['engineering', 'security', 'cleaning', 'customer_service'])[1 + g.i % 4],
    '压测投诉：' || (ARRAY['电梯经常停运', '保安态度差', '垃圾清运不及时', '物业费收费不透明', '楼上漏水没人管'])[1 + g.i % 5],
    '尽快处理并给出答复', g.status, CASE WHEN g.status <> 'received' OR NOT app THEN :'agent'::uuid END, :'agent',
    CASE WHEN g.status = 'rejected' THEN 'invalid' WHEN g.status NOT IN ('received', 'withdrawn') THEN 'valid' END,
    CASE WHEN g.status NOT IN ('received', 'withdrawn', 'rejected')
         THEN (ARRAY['facilities', 'staff_attitude', 'service_quality', 'fees', 'neighbour_dispute'])[1 + g.i % 5] END,
    CASE WHEN g.status NOT IN ('received', 'withdrawn', 'rejected')
         THEN (ARRAY['general', 'general', 'general', 'important', 'major'])[1 + g.i % 5] END,
    d.departments, d.forwards,
    CASE WHEN resolved THEN '已处理' END, CASE WHEN resolved THEN '设备老化' END, CASE WHEN resolved THEN '纳入维保计划' END,
    CASE WHEN resolved THEN :'agent'::uuid END, CASE WHEN resolved THEN g.at + interval '2 days' END,
    CASE WHEN replied THEN 'phone' WHEN g.status = 'rejected' THEN 'in_app' END,
    CASE WHEN replied THEN '已处理完毕，感谢反馈' WHEN g.status = 'rejected' THEN '不属于物业服务范围' END,
    CASE WHEN replied OR g.status = 'rejected' THEN :'agent'::uuid END,
    CASE WHEN replied THEN g.at + interval '2 days 4 hours' WHEN g.status = 'rejected' THEN g.at + interval '1 hour' END,
    CASE WHEN g.status = 'closed' AND app THEN 3 + g.i % 3 END,
    CASE WHEN g.status IN ('closed', 'rejected', 'withdrawn') THEN g.at + interval '3 days' END,
    g.at, g.at + interval '3 days'
FROM bench_kg g
CROSS JOIN LATERAL (SELECT g.r_app < 0.3 AND g.k = 0 AS app,
                           g.status IN ('resolved', 'replied', 'closed') AS resolved,
                           g.status IN ('replied', 'closed') AS replied) f (app, resolved, replied)
CROSS JOIN LATERAL (SELECT CASE WHEN g.status IN ('forwarded', 'acknowledged', 'resolved', 'replied', 'closed')
                                THEN ARRAY['engineering'] ELSE '{}' END::text[],
                           CASE WHEN g.status IN ('forwarded', 'acknowledged', 'resolved', 'replied', 'closed')
                                THEN jsonb_build_array(jsonb_build_object('department', 'engineering',
                                     'forwarded_at', pd_ts(g.at + interval '6 minutes'), 'forwarded_by', :'agent',
                                     'acknowledged_at', CASE WHEN g.status <> 'forwarded' THEN pd_ts(g.at + interval '1 hour') END,
                                     'acknowledged_by', CASE WHEN g.status <> 'forwarded' THEN :'agent' END))
                                ELSE '[]' END) d (departments, forwards);

INSERT INTO day_numbers AS n (org_id, series, day, last)
SELECT :'org'::uuid, 'TS', (g.at AT TIME ZONE 'Asia/Shanghai')::date, max(g.seq) FROM bench_kg g
GROUP BY (g.at AT TIME ZONE 'Asia/Shanghai')::date
ON CONFLICT (org_id, series, day) DO UPDATE SET last = greatest(n.last, excluded.last);
DROP TABLE bench_k, bench_ku, bench_kn, bench_kg;
