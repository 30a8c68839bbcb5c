-- Bench volume for tickets: set-based (INSERT … SELECT FROM generate_series), run by
-- tests/bench/tickets.sh on a database that has been migrated and demo-seeded:
--   psql -v count=10000 [-v start=0] [-v rebuild=on] -f tests/bench/gen_tickets.sql
-- adds tickets number start+1 … start+count to the demo org 示例物业, each with its work
-- orders (1–2 per dispatched ticket) and its timeline (2–5 rows of the event spine, written
-- as history: without the fan-out trigger, so no outbox rows or NOTIFYs), and counts them into
-- day_numbers. Running it again with start = the previous total grows the same data set.
--   count    tickets to add (required)
--   start    tickets already generated (default 0): ids and numbers follow on from there
--   rebuild  on: drop the plain indexes of tickets, work_orders and events before the
--            load and create them again (from their own definitions) after it — much faster
--            for a large batch; constraint indexes (primary keys, unique number) stay.
--
-- Shape of the data: 20 communities (新苑小区 busiest with about 15% of the tickets, 光华小区
-- next, 18 bench communities created here, each with 8 buildings of 144 units), 6 technicians
-- per community (engineering ×2, cleaning, security, greening, customer service), org-wide
-- SLA targets and holidays. Ticket i falls on day (i mod 365) + 1 before today (Asia/Shanghai),
-- at a random time between 07:00 and 22:00, and is numbered BX<that day>-<(i-1)/365 + 1>,
-- unique per org. Older than two days, 93% are closed, 6% cancelled and 1% still open
-- (stuck, their passed clocks marked breached and warned, as the SLA sweep would have
-- left them); the last two days hold every state. Due times follow the priority's targets
-- (business-hours clocks stretched ×2.5 in wall-clock time); met times come from the
-- dispatch, the technician's start and the resolution.
\set ON_ERROR_STOP on
\if :{?count}
\else
    \echo 'gen_tickets.sql: give -v count=N'
    \quit
\endif
\if :{?start}
\else
    \set start 0
\endif
\if :{?rebuild}
\else
    \set rebuild off
\endif
\set org 10000000-0000-4000-8000-000000000001
\set c1 10000000-0000-4000-8000-0000000000c1
\set c2 10000000-0000-4000-8000-0000000000c2
\set agent 10000000-0000-4000-8000-0000000000a2
SET maintenance_work_mem = '256MB';
SET work_mem = '64MB';
SET jit = off;  -- compiling these wide expressions costs more than it saves

-- ---- places, people and calendar (idempotent) ---------------------------------------
INSERT INTO communities (org_id, id, name, code, address)
SELECT :'org', md5('bench-community:' || k)::uuid, '压测小区' || k, 'BC' || k, '上海市压测路 ' || k || ' 号'
FROM generate_series(3, 20) k
ON CONFLICT DO NOTHING;

-- buildings: 4–10 more in 新苑小区, 2–8 in 光华小区, 1–8 in each bench community
INSERT INTO buildings (org_id, id, community_id, name, code)
SELECT :'org', md5('bench-building:' || c.id || ':' || b)::uuid, c.id, b || '号楼', b::text
FROM communities c CROSS JOIN generate_series(1, 10) b
WHERE c.org_id = :'org'
  AND ((c.id = :'c1' AND b >= 4) OR (c.id = :'c2' AND b BETWEEN 2 AND 8) OR (c.code LIKE 'BC%' AND b <= 8))
ON CONFLICT DO NOTHING;

-- units "<building>-<entrance>-<floor><room>": 2 entrances × 18 floors × 4 rooms
INSERT INTO units (org_id, id, community_id, building_id, number, floor, area_m2)
SELECT b.org_id, md5('bench-unit:' || b.id || ':' || e || '-' || f || r)::uuid, b.community_id, b.id,
       b.code || '-' || e || '-' || f || lpad(r::text, 2, '0'), f, 70 + (f * 7 + r * 13) % 80
FROM buildings b CROSS JOIN generate_series(1, 2) e CROSS JOIN generate_series(1, 18) f
CROSS JOIN generate_series(1, 4) r
WHERE b.org_id = :'org' AND b.id = md5('bench-building:' || b.community_id || ':' || b.code)::uuid
ON CONFLICT DO NOTHING;

-- the communities in order of business: 新苑小区 (k = 0), 光华小区 (1), then the bench ones
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_c, bench_u, bench_tech, bench_g, bench_idx, bench_fk;
CREATE TEMP TABLE bench_c AS
SELECT (row_number() OVER (ORDER BY c.id <> :'c1', c.id <> :'c2', length(c.code), c.code) - 1)::int AS k, c.id
FROM communities c
WHERE c.org_id = :'org' AND (c.id IN (:'c1', :'c2') OR c.code LIKE 'BC%');

-- technicians: username bench.tech.<k>.<j>, the demo password
INSERT INTO users (org_id, id, kind, name, username, department, password_hash)
SELECT :'org', md5('bench-tech:' || c.k || ':' || d.j)::uuid, 'staff', '压测师傅' || c.k || '-' || d.j,
       'bench.tech.' || c.k || '.' || d.j, d.department,
       (SELECT password_hash FROM users WHERE org_id = :'org' AND username = 'admin')
FROM bench_c c CROSS JOIN (VALUES (1, 'engineering'), (2, 'engineering'), (3, 'cleaning'),
                                  (4, 'security'), (5, 'greening'), (6, 'customer_service')) d (j, department)
ON CONFLICT DO NOTHING;
INSERT INTO role_grants (org_id, id, user_id, role, community_id)
SELECT :'org', md5('bench-grant:' || c.k || ':' || j)::uuid, md5('bench-tech:' || c.k || ':' || j)::uuid,
       'technician', c.id
FROM bench_c c CROSS JOIN generate_series(1, 6) j
ON CONFLICT DO NOTHING;

INSERT INTO sla_targets (org_id, id, community_id, priority, category, contact_minutes, arrival_minutes,
                         arrival_next_day, resolve_minutes, business_hours)
VALUES (:'org', md5('bench-sla:P1')::uuid, NULL, 'P1', NULL, 15, 30, false, 240, false),
       (:'org', md5('bench-sla:P2')::uuid, NULL, 'P2', NULL, 30, 120, false, 1440, true),
       (:'org', md5('bench-sla:P3')::uuid, NULL, 'P3', NULL, 30, NULL, true, 4320, true),
       (:'org', md5('bench-sla:P4')::uuid, NULL, 'P4', NULL, 60, NULL, true, 10080, true)
ON CONFLICT DO NOTHING;

-- org-wide days off and make-up working days (调休), approximately the national calendar
INSERT INTO holidays (org_id, id, community_id, day, kind, name)
SELECT :'org', md5('bench-holiday:' || h.day)::uuid, NULL, h.day::date, h.kind, h.name
FROM (VALUES
    ('2026-01-01', 'holiday', '元旦'), ('2026-01-02', 'holiday', '元旦'), ('2026-01-03', 'holiday', '元旦'),
    ('2026-02-15', 'holiday', '春节'), ('2026-02-16', 'holiday', '春节'), ('2026-02-17', 'holiday', '春节'),
    ('2026-02-18', 'holiday', '春节'), ('2026-02-19', 'holiday', '春节'), ('2026-02-20', 'holiday', '春节'),
    ('2026-02-14', 'workday', '春节调休'), ('2026-02-28', 'workday', '春节调休'),
    ('2026-04-05', 'holiday', '清明节'), ('2026-05-01', 'holiday', '劳动节'), ('2026-05-02', 'holiday', '劳动节'),
    ('2026-05-03', 'holiday', '劳动节'), ('2026-06-19', 'holiday', '端午节'), ('2026-09-25', 'holiday', '中秋节'),
    ('2026-10-01', 'holiday', '国庆节'), ('2026-10-02', 'holiday', '国庆节'), ('2026-10-03', 'holiday', '国庆节'),
    ('2026-10-04', 'holiday', '国庆节'), ('2026-10-05', 'holiday', '国庆节'), ('2026-10-06', 'holiday', '国庆节'),
    ('2026-10-07', 'holiday', '国庆节'), ('2026-10-10', 'workday', '国庆调休'),
    ('2027-01-01', 'holiday', '元旦'), ('2027-02-05', 'holiday', '春节'), ('2027-02-06', 'holiday', '春节'),
    ('2027-02-07', 'holiday', '春节'), ('2027-02-08', 'holiday', '春节'), ('2027-02-09', 'holiday', '春节'),
    ('2027-02-10', 'holiday', '春节'), ('2027-02-11', 'holiday', '春节'), ('2027-02-20', 'workday', '春节调休')
) AS h (day, kind, name)
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE bench_u AS
SELECT c.k, (row_number() OVER (PARTITION BY c.k ORDER BY u.id))::int AS rn, u.id
FROM units u JOIN bench_c c ON c.id = u.community_id WHERE u.org_id = :'org';
ALTER TABLE bench_c ADD COLUMN n integer;
UPDATE bench_c c SET n = (SELECT count(*) FROM bench_u u WHERE u.k = c.k);
CREATE TEMP TABLE bench_tech AS
SELECT c.k, d.j, d.department, md5('bench-tech:' || c.k || ':' || d.j)::uuid AS id
FROM bench_c c CROSS JOIN (VALUES (1, 'engineering'), (2, 'engineering'), (3, 'cleaning'),
                                  (4, 'security'), (5, 'greening'), (6, 'customer_service')) d (j, department);
ANALYZE bench_c, bench_u, bench_tech;

-- ---- one staging row per ticket ------------------------------------------------------
\echo '  staging' :count 'tickets from' :start
CREATE TEMP TABLE bench_g AS
WITH s AS (
    SELECT i, i % 365 + 1 AS d, (i - 1) / 365 + 1 AS seq,
           least(19, floor(20 * power(random(), 1.6)))::int AS k,
           random() AS r_u, random() AS r_common, random() AS r_kind, random() AS r_cat, random() AS r_pri,
           random() AS r_st, random() AS r_tod, random() AS r_ch, random() AS r_a, random() AS r_b,
           random() AS r_c, random() AS r_d, random() AS r_e
    FROM generate_series(:start + 1, :start + :count) i
), s1 AS (
    SELECT s.*, day, (day + time '07:00' + r_tod * interval '15 hours') AT TIME ZONE 'Asia/Shanghai' AS t0,
           CASE WHEN r_kind < 0.78 THEN 'repair' WHEN r_kind < 0.92 THEN 'help' ELSE 'inquiry' END AS kind,
           CASE WHEN r_ch < 0.55 THEN 'app' WHEN r_ch < 0.80 THEN 'phone' WHEN r_ch < 0.87 THEN 'walk_in'
                WHEN r_ch < 0.97 THEN 'wechat' ELSE 'integration' END AS channel,
           CASE WHEN d > 2 THEN
                CASE WHEN r_st < 0.93 THEN 'closed' WHEN r_st < 0.99 THEN 'cancelled' WHEN r_st < 0.994 THEN 'on_hold'
                     WHEN r_st < 0.998 THEN 'in_progress' ELSE 'dispatched' END
           ELSE CASE WHEN r_st < 0.15 THEN 'submitted' WHEN r_st < 0.35 THEN 'dispatched' WHEN r_st < 0.55 THEN 'in_progress'
                     WHEN r_st < 0.60 THEN 'on_hold' WHEN r_st < 0.80 THEN 'resolved' WHEN r_st < 0.83 THEN 'reopened'
                     WHEN r_st < 0.95 THEN 'closed' ELSE 'cancelled' END
           END AS st0
    FROM s CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date - s.d AS day) x
), s2 AS MATERIALIZED (
    SELECT s1.*,
           CASE kind WHEN 'repair' THEN (ARRAY['plumbing', 'plumbing', 'plumbing', 'electrical', 'electrical', 'leak',
                                               'leak', 'elevator', 'access', 'hvac'])[1 + floor(r_cat * 10)::int]
                     WHEN 'help' THEN (ARRAY['cleaning', 'cleaning', 'security', 'greening', 'access', 'other'])[1 + floor(r_cat * 6)::int]
                     ELSE 'other' END AS category,
           -- an inquiry is answered (reply) or still waiting; it never gets a work order
           CASE WHEN kind = 'inquiry' AND st0 IN ('dispatched', 'in_progress', 'on_hold', 'reopened') THEN 'submitted'
                ELSE st0 END AS status
    FROM s1
), s3 AS (
    SELECT s2.*,
           CASE WHEN r_pri < 0.03 THEN 'P1' WHEN r_pri < 0.23 OR category = 'leak' THEN 'P2'
                WHEN r_pri < 0.85 THEN 'P3' ELSE 'P4' END AS priority,
           pd_category_department(category) AS department,
           (kind <> 'inquiry' AND status <> 'submitted' AND NOT (status = 'cancelled' AND r_b < 0.5)) AS has_wo,
           r_common < CASE WHEN kind = 'help' THEN 0.6 ELSE 0.06 END AS common_area,
           kind <> 'inquiry' AND (status IN ('in_progress', 'on_hold', 'resolved', 'closed', 'reopened')
               OR (status = 'cancelled' AND r_c < 0.2 AND r_b >= 0.5)) AS started,
           status NOT IN ('resolved', 'closed', 'cancelled') AS open
    FROM s2
), s4 AS MATERIALIZED (
    SELECT s3.*,
           CASE priority WHEN 'P1' THEN 15 WHEN 'P4' THEN 60 ELSE 30 END AS m_contact,
           CASE priority WHEN 'P1' THEN 30 WHEN 'P2' THEN 120 ELSE 570 + floor(r_d * 570)::int END AS m_arrival,
           CASE priority WHEN 'P1' THEN 240 WHEN 'P2' THEN 1440 WHEN 'P3' THEN 4320 ELSE 10080 END AS m_resolve,
           priority <> 'P1' AS bh,
           CASE WHEN has_wo THEN t0 + (3 + r_a * 57) * interval '1 minute' END AS dispatched_at,
           CASE WHEN has_wo AND r_b < 0.3 THEN 2 WHEN has_wo THEN 1 ELSE 0 END AS n_wo
    FROM s3
), s5 AS (
    SELECT s4.*,
           CASE WHEN started OR (has_wo AND status = 'dispatched' AND r_c < 0.5)
                THEN least(now() - interval '4 minutes', dispatched_at + (2 + r_a * 28 + (n_wo - 1) * 40) * interval '1 minute') END AS accepted_at,
           CASE WHEN started THEN least(now() - interval '3 minutes',
                dispatched_at + (20 + r_a * 28 + (n_wo - 1) * 40 + r_b * 160) * interval '1 minute') END AS started_at
    FROM s4
), s6 AS MATERIALIZED (
    SELECT s5.*,
           CASE WHEN status IN ('resolved', 'closed', 'reopened') AND has_wo
                THEN least(now() - interval '2 minutes', started_at + (20 + r_c * 220) * interval '1 minute')
                WHEN status IN ('resolved', 'closed') THEN least(now() - interval '2 minutes', t0 + (10 + r_c * 290) * interval '1 minute')
           END AS resolved_at0
    FROM s5
), s7 AS (
    SELECT s6.*,
           CASE WHEN status = 'closed' AND (r_e < 0.55 OR resolved_at0 + interval '72 hours' > now())
                THEN least(now() - interval '1 minute', resolved_at0 + r_e * interval '72 hours')
                WHEN status = 'closed' THEN resolved_at0 + interval '72 hours' END AS closed_at,
           status = 'closed' AND (r_e < 0.55 OR resolved_at0 + interval '72 hours' > now()) AS confirmed,
           CASE WHEN status = 'cancelled' THEN least(now() - interval '1 minute',
                coalesce(started_at, accepted_at, dispatched_at, t0) + (5 + r_e * 600) * interval '1 minute') END AS cancelled_at,
           CASE WHEN status = 'on_hold' THEN least(now() - interval '1 minute', started_at + (10 + r_e * 60) * interval '1 minute') END AS held_at,
           CASE WHEN status = 'reopened' THEN least(now() - interval '1 minute', resolved_at0 + r_e * interval '24 hours') END AS reopened_at,
           t0 + m_contact * CASE WHEN bh THEN 2.5 ELSE 1 END * interval '1 minute' AS contact_due,
           t0 + m_arrival * CASE WHEN bh THEN 2.5 ELSE 1 END * interval '1 minute' AS arrival_due,
           t0 + m_resolve * CASE WHEN bh THEN 2.5 ELSE 1 END * interval '1 minute' AS resolve_due
    FROM s6
), s8 AS MATERIALIZED (
    SELECT s7.*,
           coalesce(dispatched_at, resolved_at0) AS contact_met_at,
           started_at AS arrival_met_at,
           CASE WHEN status <> 'reopened' THEN resolved_at0 END AS resolve_met_at
    FROM s7
)
SELECT s8.*,
       md5('bench-ticket:' || i)::uuid AS id,
       'BX' || to_char(day, 'YYYYMMDD') || '-' || lpad(seq::text, 4, '0') AS number,
       c.id AS community_id, u.id AS unit_id,
       CASE WHEN common_area THEN (ARRAY['1号楼电梯厅', '地下车库B区', '小区东门', '中心花园', '3号楼楼道',
                                        '会所门口', '南门岗亭', '垃圾房'])[1 + (i % 8)::int] END AS location,
       (contact_met_at IS NOT NULL AND contact_met_at > contact_due) OR (contact_met_at IS NULL AND open AND contact_due <= now()) AS contact_breached,
       (arrival_met_at IS NOT NULL AND arrival_met_at > arrival_due) OR (arrival_met_at IS NULL AND open AND arrival_due <= now()) AS arrival_breached,
       (resolve_met_at IS NOT NULL AND resolve_met_at > resolve_due) OR (resolve_met_at IS NULL AND open AND resolve_due <= now()) AS resolve_breached,
       greatest(t0, dispatched_at, accepted_at, started_at, resolved_at0, closed_at, cancelled_at, held_at, reopened_at) AS updated_at
FROM s8
JOIN bench_c c ON c.k = s8.k
JOIN bench_u u ON u.k = s8.k AND u.rn = 1 + floor(s8.r_u * c.n)::int;

-- ---- the heavy indexes and the foreign keys off during a big load ----------------------
-- (put back from their own definitions afterwards: re-adding a foreign key checks the
-- whole table in one join, far cheaper than a trigger lookup per inserted row)
\if :rebuild
CREATE TEMP TABLE bench_idx AS
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename IN ('tickets', 'clocks', 'work_orders', 'events')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = to_regclass(quote_ident(i.indexname)));
CREATE TEMP TABLE bench_fk AS
SELECT k.conrelid::regclass::text AS tab, k.conname, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k
WHERE k.contype = 'f' AND k.conrelid IN ('tickets'::regclass, 'clocks'::regclass, 'work_orders'::regclass, 'events'::regclass);
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', tab, conname) FROM bench_fk \gexec
SELECT format('DROP INDEX %I', indexname) FROM bench_idx \gexec
\endif

\echo '  tickets'
INSERT INTO tickets (org_id, id, number, community_id, unit_id, location, kind, category, department, priority,
    requested_priority, status, description, occurred_at, visit_from, visit_to, entry_permission, paid_service,
    channel, reporter_id, reporter_name, reporter_phone, created_by, attachment_ids, reply, reopen_count, rating,
    rating_comment, cancel_reason, resolved_at, closed_at, version, created_at, updated_at)
SELECT :'org', g.id, g.number, g.community_id, CASE WHEN g.common_area THEN NULL ELSE g.unit_id END, g.location,
    g.kind, g.category, g.department, g.priority,
    CASE WHEN g.channel = 'app' AND g.r_d < 0.2 THEN 'P2' END,
    g.status,
    CASE g.category
        WHEN 'plumbing' THEN (ARRAY['卫生间水龙头关不紧，一直滴水', '厨房下水堵了，水排不下去', '马桶水箱一直进水', '热水器进水管接口渗水'])[1 + (g.i % 4)::int]
        WHEN 'electrical' THEN (ARRAY['客厅跳闸，插座没电', '卧室顶灯不亮', '入户门禁电源指示灯不亮', '厨房插座冒火花'])[1 + (g.i % 4)::int]
        WHEN 'leak' THEN (ARRAY['厨房天花板漏水，滴到灶台上', '楼上渗水到卫生间吊顶', '外墙渗水，墙皮起鼓'])[1 + (g.i % 3)::int]
        WHEN 'elevator' THEN (ARRAY['电梯按钮失灵', '电梯运行有异响', '电梯门关不严'])[1 + (g.i % 3)::int]
        WHEN 'access' THEN (ARRAY['单元门禁刷卡无反应', '车库道闸不抬杆', '对讲机听不到声音'])[1 + (g.i % 3)::int]
        WHEN 'hvac' THEN (ARRAY['地暖不热', '中央空调出风口滴水'])[1 + (g.i % 2)::int]
        WHEN 'cleaning' THEN (ARRAY['楼道垃圾没人清理', '电梯厅地面有油污', '垃圾房有异味'])[1 + (g.i % 3)::int]
        WHEN 'security' THEN (ARRAY['陌生人在楼道徘徊', '车位被占用', '夜间有人大声喧哗'])[1 + (g.i % 3)::int]
        WHEN 'greening' THEN (ARRAY['绿化带树枝挡住窗户', '草坪需要修剪'])[1 + (g.i % 2)::int]
        ELSE (ARRAY['物业费缴纳方式咨询', '装修申请需要哪些材料', '快递柜使用问题', '停车月卡如何办理'])[1 + (g.i % 4)::int]
    END || ' #' || g.i,
    CASE WHEN g.r_e < 0.3 THEN g.t0 - g.r_d * interval '12 hours' END,
    CASE WHEN g.kind = 'repair' AND NOT g.common_area AND g.r_d < 0.4 THEN (g.day + 1 + time '09:00') AT TIME ZONE 'Asia/Shanghai' END,
    CASE WHEN g.kind = 'repair' AND NOT g.common_area AND g.r_d < 0.4 THEN (g.day + 1 + time '11:00') AT TIME ZONE 'Asia/Shanghai' END,
    g.kind = 'repair' AND NOT g.common_area AND g.r_d < 0.3,
    g.kind = 'repair' AND g.r_c < 0.05,
    g.channel, NULL,
    CASE WHEN g.channel <> 'integration' THEN (ARRAY['张', '王', '李', '赵', '陈', '刘', '杨', '黄'])[1 + (g.i % 8)::int]
                                              || CASE WHEN g.i % 2 = 0 THEN '先生' ELSE '女士' END END,
    CASE WHEN g.channel <> 'integration' THEN '13' || lpad((g.i % 1000000000)::text, 9, '0') END,
    CASE WHEN g.channel IN ('phone', 'walk_in', 'wechat') THEN :'agent'
         WHEN g.channel = 'integration' THEN 'bench-integration'
         ELSE md5('bench-owner:' || g.unit_id)::uuid::text END,
    '{}',
    CASE WHEN g.kind = 'inquiry' AND g.status IN ('resolved', 'closed') THEN '您好，已为您查询处理，详情请见物业公告。' END,
    CASE WHEN g.status = 'closed' AND g.r_a < 0.02 THEN 1 WHEN g.status = 'reopened' THEN 1 ELSE 0 END,
    CASE WHEN g.confirmed THEN 3 + floor(g.r_a * 3)::int END,
    CASE WHEN g.confirmed AND g.r_b < 0.2 THEN '师傅很专业，处理及时' END,
    CASE WHEN g.status = 'cancelled' THEN '业主已自行处理' END,
    CASE WHEN g.status IN ('resolved', 'closed') THEN g.resolved_at0 END,
    g.closed_at,
    1 + (g.contact_met_at IS NOT NULL)::int + (g.started_at IS NOT NULL)::int + (g.resolved_at0 IS NOT NULL)::int
      + (g.closed_at IS NOT NULL OR g.cancelled_at IS NOT NULL OR g.held_at IS NOT NULL OR g.reopened_at IS NOT NULL)::int,
    g.t0, g.updated_at
FROM bench_g g;

-- the stored documents (0021): each ticket and work order renders itself as it is inserted;
-- the parts a ticket takes from its clocks and orders are rendered once, at the end, rather
-- than by the per-statement triggers (whose lookups the dropped indexes would slow down)
-- (on a database migrated that far: the migration test of 0021 generates before it)
SELECT to_regproc('pd_ticket_sla_doc') IS NOT NULL AS stored_docs \gset
\if :stored_docs
ALTER TABLE clocks DISABLE TRIGGER clocks_render_insert;
ALTER TABLE work_orders DISABLE TRIGGER work_orders_render_insert;
\endif

\echo '  clocks'
-- a ticket's three SLA clocks (src/clocks.h); on hold: paused since the hold, no due time
INSERT INTO clocks (org_id, subject_type, subject_id, name, community_id, calendar, target_minutes, started_at,
    due, met_at, breached, warned, paused_since, stopped_at)
SELECT :'org', 'ticket', g.id, c.name, g.community_id, CASE WHEN g.bh THEN 'business_hours' ELSE 'always' END,
    c.minutes, g.t0, CASE WHEN g.status = 'on_hold' AND c.met_at IS NULL AND NOT c.breached THEN NULL ELSE c.due END,
    c.met_at, c.breached, c.breached, CASE WHEN g.status = 'on_hold' AND c.met_at IS NULL THEN g.held_at END,
    CASE WHEN g.status IN ('resolved', 'closed', 'cancelled') THEN g.updated_at END
FROM bench_g g
CROSS JOIN LATERAL (VALUES
    ('contact', g.m_contact, g.contact_due, g.contact_met_at, g.contact_breached),
    ('arrival', g.m_arrival, g.arrival_due, g.arrival_met_at, g.arrival_breached),
    ('resolution', g.m_resolve, g.resolve_due, g.resolve_met_at, g.resolve_breached)) AS c (name, minutes, due, met_at, breached);

\echo '  work orders'
INSERT INTO work_orders (org_id, id, ticket_id, community_id, department, mode, assignee_id, status, priority, note,
    decline_reason, cancel_reason, hold_reason, accepted_at, started_at, completed_at, notes, labor_minutes, materials,
    fee, dispatched_by, version, created_at, updated_at)
SELECT :'org', md5('bench-wo:' || g.i || ':' || w.n)::uuid, g.id, g.community_id, g.department,
    CASE WHEN g.r_d < 0.6 THEN 'assign' WHEN g.r_d < 0.85 THEN 'queue' ELSE 'auto' END,
    CASE WHEN w.live AND g.status = 'dispatched' AND g.accepted_at IS NULL AND g.r_d >= 0.6 AND g.r_d < 0.85 THEN NULL
         ELSE tech.id END,
    w.status, g.priority,
    CASE WHEN g.r_e < 0.3 THEN '请先电话联系业主' END,
    CASE WHEN w.status = 'declined' THEN '手头工单已满' END,
    CASE WHEN w.status = 'cancelled' THEN '业主已自行处理' END,
    CASE WHEN w.status = 'on_hold' THEN '等待配件' END,
    CASE WHEN w.live THEN g.accepted_at END,
    CASE WHEN w.live THEN g.started_at END,
    CASE WHEN w.status = 'completed' THEN coalesce(g.resolved_at0, g.started_at + interval '1 hour') END,
    CASE WHEN w.status = 'completed' THEN '已处理完毕，业主现场确认' END,
    CASE WHEN w.status = 'completed' THEN 20 + (g.i % 200)::int END,
    CASE WHEN w.status = 'completed' AND g.kind = 'repair' THEN '[{"name": "角阀", "qty": 1, "unit_price": 35}]'::jsonb
         ELSE '[]' END,
    CASE WHEN w.status = 'completed' AND g.kind = 'repair' AND g.r_c < 0.05 THEN 35 + (g.i % 200) END,
    :'agent',
    CASE w.status WHEN 'dispatched' THEN 1 WHEN 'declined' THEN 2 WHEN 'accepted' THEN 2 WHEN 'in_progress' THEN 3
                  WHEN 'on_hold' THEN 4 WHEN 'cancelled' THEN 2 ELSE 4 END,
    CASE WHEN w.live THEN g.dispatched_at + (g.n_wo - 1) * interval '30 minutes' ELSE g.dispatched_at END,
    CASE WHEN w.live THEN g.updated_at ELSE g.dispatched_at + interval '20 minutes' END
FROM bench_g g
CROSS JOIN LATERAL (
    SELECT n, n = g.n_wo AS live,
           CASE WHEN n < g.n_wo THEN 'declined'
                WHEN g.status = 'dispatched' THEN CASE WHEN g.accepted_at IS NULL THEN 'dispatched' ELSE 'accepted' END
                WHEN g.status IN ('in_progress', 'on_hold', 'cancelled') THEN g.status
                ELSE 'completed' END AS status
    FROM generate_series(1, g.n_wo) n
) w
JOIN bench_tech tech ON tech.k = g.k AND tech.department = g.department
                    AND tech.j = CASE WHEN g.department = 'engineering' THEN 1 + (g.i + w.n) % 2 ELSE tech.j END
WHERE g.has_wo;

\echo '  timeline'
ALTER TABLE events DISABLE TRIGGER events_fanout;
INSERT INTO events (org_id, subject_type, subject_id, type, actor_id, actor_role, from_status, to_status,
                    details, created_at)
SELECT :'org', CASE WHEN e.wo IS NULL THEN 'ticket' ELSE 'work_order' END, coalesce(e.wo, g.id), e.type,
       e.actor, e.role, e.from_status, e.to_status, e.details, e.at
FROM bench_g g
CROSS JOIN LATERAL (VALUES
    (1, g.t0, NULL::uuid, CASE WHEN g.channel = 'integration' THEN NULL WHEN g.channel = 'app' THEN NULL ELSE :'agent'::uuid END,
     CASE g.channel WHEN 'app' THEN 'owner' WHEN 'integration' THEN 'integration' ELSE 'agent' END,
     'ticket.created', NULL, 'submitted', jsonb_build_object('channel', g.channel, 'number', g.number)),
    (2, g.dispatched_at, md5('bench-wo:' || g.i || ':' || g.n_wo)::uuid, :'agent'::uuid, 'agent',
     'work_order.dispatched', NULL, 'dispatched', jsonb_build_object('mode', 'assign', 'department', g.department)),
    (3, g.started_at, md5('bench-wo:' || g.i || ':' || g.n_wo)::uuid, NULL, 'technician',
     'work_order.started', 'accepted', 'in_progress', '{}'::jsonb),
    (4, g.resolved_at0, CASE WHEN g.has_wo THEN md5('bench-wo:' || g.i || ':' || g.n_wo)::uuid END, NULL,
     CASE WHEN g.has_wo THEN 'technician' ELSE 'agent' END,
     CASE WHEN g.has_wo THEN 'work_order.completed' ELSE 'ticket.replied' END,
     CASE WHEN g.has_wo THEN 'in_progress' ELSE 'submitted' END, CASE WHEN g.has_wo THEN 'completed' ELSE 'resolved' END, '{}'::jsonb),
    (5, coalesce(g.closed_at, g.cancelled_at, g.held_at, g.reopened_at),
     CASE WHEN g.status = 'on_hold' THEN md5('bench-wo:' || g.i || ':' || g.n_wo)::uuid END, NULL,
     CASE WHEN g.confirmed THEN 'owner' WHEN g.status = 'closed' THEN 'system' WHEN g.status = 'on_hold' THEN 'technician'
          ELSE 'owner' END,
     CASE g.status WHEN 'closed' THEN CASE WHEN g.confirmed THEN 'ticket.confirmed' ELSE 'ticket.auto_closed' END
                   WHEN 'cancelled' THEN 'ticket.cancelled' WHEN 'on_hold' THEN 'work_order.held' ELSE 'ticket.reopened' END,
     CASE g.status WHEN 'on_hold' THEN 'in_progress' WHEN 'cancelled' THEN NULL ELSE 'resolved' END,
     g.status, CASE WHEN g.confirmed THEN jsonb_build_object('rating', 3 + floor(g.r_a * 3)::int) ELSE '{}'::jsonb END)
) AS e (ord, at, wo, actor, role, type, from_status, to_status, details)
WHERE e.at IS NOT NULL;  -- a ticket's events come out in order, so their seqs follow the story
ALTER TABLE events ENABLE TRIGGER events_fanout;

-- the day counters: day_numbers since 0022, ticket_numbers before (the migration tests run
-- this file on older schemas)
SELECT to_regclass('day_numbers') IS NOT NULL AS has_day_numbers \gset
\if :has_day_numbers
INSERT INTO day_numbers AS n (org_id, series, day, last)
SELECT :'org', 'BX', day, max(seq) FROM bench_g GROUP BY day
ON CONFLICT (org_id, series, day) DO UPDATE SET last = greatest(n.last, excluded.last);
\else
INSERT INTO ticket_numbers AS n (org_id, day, last)
SELECT :'org', day, max(seq) FROM bench_g GROUP BY day
ON CONFLICT (org_id, day) DO UPDATE SET last = greatest(n.last, excluded.last);
\endif

\if :rebuild
\echo '  indexes and foreign keys'
SELECT indexdef FROM bench_idx \gexec
SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', tab, conname, def) FROM bench_fk \gexec
\endif
\if :stored_docs
\echo '  stored documents'
ALTER TABLE clocks ENABLE TRIGGER clocks_render_insert;
ALTER TABLE work_orders ENABLE TRIGGER work_orders_render_insert;
UPDATE tickets t SET sla_doc = pd_ticket_sla_doc(t.org_id, t.id),
    (orders_doc, work_started, assignee_ids) = (SELECT * FROM pd_ticket_orders(t.org_id, t.id))
FROM bench_g g WHERE t.org_id = :'org' AND t.id = g.id;
\endif
DROP TABLE bench_g;
