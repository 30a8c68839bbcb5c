-- The monthly service report (月度服务简报, seed 003): the figures of a community's month,
-- in its time zone, from what the system knows — tickets by category with the median times to
-- contact, arrival and resolution against their targets and the SLA compliance; complaints
-- received, handled, on time, the most frequent contents and the corrective actions taken;
-- the callback rate and the satisfaction heard. A part whose resource is not there yet says
-- so (`available`: false). src/service_report.c writes the text from these figures.
-- Times are wall-clock minutes from the start to the kept deadline; a target on a business-hours
-- calendar counts business minutes, so the median can exceed it and still be on time (met by
-- its due time).
CREATE FUNCTION pd_service_report(p_org uuid, p_community uuid, p_month date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
WITH c AS (SELECT c.id, c.name, (p_month::timestamp AT TIME ZONE c.time_zone) AS t0,
                  ((p_month + interval '1 month')::timestamp AT TIME ZONE c.time_zone) AS t1
           FROM communities c WHERE c.org_id = p_org AND c.id = p_community),
t AS (SELECT t.* FROM tickets t, c WHERE t.org_id = p_org AND t.community_id = c.id
        AND t.created_at >= c.t0 AND t.created_at < c.t1),
resolved AS (SELECT t.* FROM tickets t, c WHERE t.org_id = p_org AND t.community_id = c.id
        AND t.resolved_at >= c.t0 AND t.resolved_at < c.t1),
k AS (SELECT k.name, k.target_minutes, k.met_at, k.due, k.breached,
             extract(epoch FROM k.met_at - k.started_at) / 60 AS minutes
      FROM clocks k JOIN t ON k.org_id = p_org AND k.subject_type = 'ticket' AND k.subject_id = t.id),
times AS (SELECT k.name, json_build_object(
              'median_minutes', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY k.minutes))::numeric, 1),
              'target_minutes', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY k.target_minutes))::numeric, 1),
              'met_on_time_rate', round(avg(coalesce(k.met_at <= k.due, false)::int)
                  FILTER (WHERE k.met_at IS NOT NULL OR k.breached)::numeric, 4)) AS j
          FROM k GROUP BY k.name),
cats AS (SELECT x.category, count(*) FILTER (WHERE x.received) AS received, count(*) FILTER (WHERE x.done) AS resolved
         FROM (SELECT t.category, true AS received, false AS done FROM t
               UNION ALL SELECT r.category, false, true FROM resolved r) x GROUP BY x.category),
m AS (SELECT m.* FROM complaints m, c WHERE m.org_id = p_org AND m.community_id = c.id AND m.merged_into IS NULL
        AND m.created_at >= c.t0 AND m.created_at < c.t1),
handled AS (SELECT m.* FROM complaints m, c WHERE m.org_id = p_org AND m.community_id = c.id AND m.merged_into IS NULL
        AND m.replied_at >= c.t0 AND m.replied_at < c.t1),
on_time AS (SELECT avg(coalesce(k.met_at <= k.due, false)::int)::numeric AS rate
            FROM clocks k JOIN handled h ON k.org_id = p_org AND k.subject_type = 'complaint' AND k.subject_id = h.id
            WHERE k.name = 'resolution'),
b AS (SELECT b.* FROM callbacks b, c WHERE b.org_id = p_org AND b.community_id = c.id
        AND b.completed_at >= c.t0 AND b.completed_at < c.t1 AND b.status IN ('completed', 'reviewed')),
due AS (SELECT b.* FROM callbacks b, c WHERE b.org_id = p_org AND b.community_id = c.id
        AND b.window_end >= c.t0 AND b.window_end < c.t1 AND b.status <> 'cancelled')
SELECT jsonb_build_object(
    'community_id', c.id, 'community_name', c.name, 'month', to_char(p_month, 'YYYY-MM'),
    'tickets', jsonb_build_object(
        'received', (SELECT count(*) FROM t),
        'resolved', (SELECT count(*) FROM resolved),
        'by_category', (SELECT coalesce(jsonb_agg(jsonb_build_object('category', x.category, 'received', x.received,
                            'resolved', x.resolved) ORDER BY x.received DESC, x.resolved DESC, x.category), '[]')
                        FROM cats x),
        'times', (SELECT coalesce(jsonb_object_agg(x.name, x.j), '{}') FROM times x),
        'sla_compliance', (SELECT round(avg(coalesce(k.met_at <= k.due, false)::int)
                               FILTER (WHERE k.met_at IS NOT NULL OR k.breached)::numeric, 4) FROM k)),
    'complaints', jsonb_build_object(
        'received', (SELECT count(*) FROM m),
        'handled', (SELECT count(*) FROM handled),
        'on_time_rate', (SELECT round(o.rate, 4) FROM on_time o),
        'top_contents', (SELECT coalesce(jsonb_agg(jsonb_build_object('content', x.content, 'count', x.n)
                             ORDER BY x.n DESC, x.content), '[]')
                         FROM (SELECT m.content, count(*) AS n FROM m WHERE m.content IS NOT NULL
                               GROUP BY m.content ORDER BY n DESC, m.content LIMIT 3) x),
        -- the first twenty of the month (the report's text stays readable)
        'corrective_actions', (SELECT coalesce(jsonb_agg(jsonb_build_object('number', h.number, 'content', h.content,
                                   'corrective_action', h.corrective_action) ORDER BY h.replied_at, h.number), '[]')
                               FROM (SELECT * FROM handled h WHERE h.corrective_action IS NOT NULL
                                     ORDER BY h.replied_at, h.number LIMIT 20) h)),
    'callbacks', jsonb_build_object(
        'due', (SELECT count(*) FROM due),
        'completed', (SELECT count(*) FROM b),
        'rate', (SELECT round(count(*) FILTER (WHERE d.status IN ('completed', 'reviewed'))::numeric
                               / nullif(count(*), 0), 4) FROM due d),
        'satisfied_share', (SELECT round(avg((b.satisfaction IN ('very_satisfied', 'satisfied'))::int)
                                FILTER (WHERE b.satisfaction IS NOT NULL)::numeric, 4) FROM b),
        'satisfaction', (SELECT jsonb_build_object(
            'very_satisfied', count(*) FILTER (WHERE b.satisfaction = 'very_satisfied'),
            'satisfied', count(*) FILTER (WHERE b.satisfaction = 'satisfied'),
            'neutral', count(*) FILTER (WHERE b.satisfaction = 'neutral'),
            'dissatisfied', count(*) FILTER (WHERE b.satisfaction = 'dissatisfied'),
            'very_dissatisfied', count(*) FILTER (WHERE b.satisfaction = 'very_dissatisfied')) FROM b)),
    -- satisfaction surveys (#12) are not built yet
    'survey', jsonb_build_object('available', false, 'index', NULL, 'note', '满意度调查尚未开展'))
FROM c
$$;
