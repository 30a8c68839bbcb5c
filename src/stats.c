/* One aggregate query per area with GROUPING SETS: a row per group and the totals row; a
 * subject's clocks come from `clocks`, one row per subject. Times are minutes from creation
 * (receipt); compliance is the share of decided clocks (met or breached) met on time. */
#include "rows.h"
#include "stats.h"

/* a ticket's clock (src/clocks.h) as the columns col_due, col_met_at, col_breached */
#define CLOCK(name, col)                                                                           \
    "max(k.due) FILTER (WHERE k.name = '" name "') AS " col "_due, "                               \
    "max(k.met_at) FILTER (WHERE k.name = '" name "') AS " col "_met_at, "                         \
    "coalesce(bool_or(k.breached) FILTER (WHERE k.name = '" name "'), false) AS " col "_breached"
#define MINUTES(col) "extract(epoch FROM t." col "_met_at - t.created_at) / 60"
#define TIMES(col, name)                                                                           \
    "'" name "', json_build_object("                                                               \
    "  'median_minutes', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY " MINUTES(col) ") "  \
    "     FILTER (WHERE t." col "_met_at IS NOT NULL))::numeric, 1), "                             \
    "  'p90_minutes', round((percentile_cont(0.9) WITHIN GROUP (ORDER BY " MINUTES(col) ") "     \
    "     FILTER (WHERE t." col "_met_at IS NOT NULL))::numeric, 1), "                             \
    "  'compliance', round(avg(CASE WHEN t." col "_met_at IS NOT NULL OR t." col "_breached "      \
    "     THEN (t." col "_met_at IS NOT NULL AND t." col "_met_at <= t." col "_due "              \
    "           AND NOT t." col "_breached)::int END)::numeric, 4))"

/* $1 org, $2 the caller's communities, then $3 community id, $4 from, $5 to, $6 group by. */
DB_STMT(ticket_stats,
    "WITH t AS (SELECT t.*, k.*, CASE $6::text WHEN 'category' THEN t.category WHEN 'department' THEN t.department "
    "      WHEN 'priority' THEN t.priority "
    "      ELSE to_char(t.created_at AT TIME ZONE c.time_zone, 'YYYY-MM-DD') END AS grp "
    "    FROM tickets t JOIN communities c ON c.org_id = t.org_id AND c.id = t.community_id "
    "    CROSS JOIN LATERAL (SELECT " CLOCK("contact", "contact") ", " CLOCK("arrival", "arrival") ", "
    "        " CLOCK("resolution", "resolve") " FROM clocks k WHERE k.org_id = t.org_id "
    "        AND k.subject_type = 'ticket' AND k.subject_id = t.id) k "
    "    WHERE t.org_id = $1 AND ($2::uuid[] IS NULL OR t.community_id = ANY ($2)) "
    "      AND ($3::uuid IS NULL OR t.community_id = $3) "
    "      AND t.created_at >= $4::timestamptz AND t.created_at < $5::timestamptz), "
    "g AS (SELECT grouping(t.grp) AS total, t.grp, json_build_object("
    "    'key', t.grp, 'tickets', count(*), "
    "    'resolved', count(*) FILTER (WHERE t.status IN ('resolved', 'closed')), "
    "    'cancelled', count(*) FILTER (WHERE t.status = 'cancelled'), "
    "    'open', count(*) FILTER (WHERE t.status NOT IN ('resolved', 'closed', 'cancelled')), "
    "    " TIMES("contact", "contact") ", " TIMES("arrival", "arrival") ", " TIMES("resolve", "resolution") ", "
    "    'reopen_rate', round(avg((t.reopen_count > 0)::int)::numeric, 4), "
    "    'average_rating', round(avg(t.rating)::numeric, 2), "
    "    'ratings', count(t.rating)) AS j "
    "  FROM t GROUP BY GROUPING SETS ((t.grp), ())) "
    "SELECT json_build_object('groups', coalesce((SELECT json_agg(j ORDER BY grp) FROM g WHERE total = 0), '[]'), "
    "  'totals', coalesce((SELECT j FROM g WHERE total = 1), json_build_object('key', NULL, 'tickets', 0)))");

enum pd_err stats_tickets(struct db_conn *db, const char *const scope[4],
                          const char *community_id, const char *from, const char *to,
                          const char *group_by, json_t **out)
{
    const char *p[] = { scope[0], scope[1], community_id, from, to, group_by };
    return rows_exec_one(db, &ticket_stats, 6, p, out);
}

/* Complaints (DESIGN §7, §12; seed 001 第十五条: the monthly analysis is this over a month):
 * a duplicate merged into its primary counts once — in `duplicates`, not in the rest.
 * `repeat`: complaints about a unit that had one of the same content in the 90 days before.
 * $1 org, $2 the caller's communities, $3 community id, $4 from, $5 to, $6 group by. */
DB_STMT(complaint_stats,
    "WITH a AS (SELECT c.*, k.*, c.status = 'merged' AS duplicate, CASE $6::text "
    "      WHEN 'nature' THEN c.nature WHEN 'content' THEN c.content WHEN 'severity' THEN c.severity "
    "      WHEN 'department' THEN c.subject_department WHEN 'building' THEN u.building_id::text "
    "      WHEN 'hour' THEN to_char(coalesce(c.occurred_at, c.created_at) AT TIME ZONE m.time_zone, 'HH24') "
    "      ELSE to_char(c.created_at AT TIME ZONE m.time_zone, 'YYYY-MM-DD') END AS grp, "
    "    EXISTS (SELECT 1 FROM complaints p WHERE p.org_id = c.org_id AND p.unit_id = c.unit_id "
    "      AND p.content = c.content AND p.id <> c.id AND p.status <> 'merged' AND p.created_at < c.created_at "
    "      AND p.created_at >= c.created_at - interval '90 days') AS repeated "
    "    FROM complaints c JOIN communities m ON m.org_id = c.org_id AND m.id = c.community_id "
    "    LEFT JOIN units u ON u.org_id = c.org_id AND u.id = c.unit_id "
    "    CROSS JOIN LATERAL (SELECT " CLOCK("forward", "forward") ", " CLOCK("acknowledge", "acknowledge") ", "
    "        " CLOCK("resolution", "resolve") ", " CLOCK("reply", "reply") " FROM clocks k "
    "        WHERE k.org_id = c.org_id AND k.subject_type = 'complaint' AND k.subject_id = c.id) k "
    "    WHERE c.org_id = $1 AND ($2::uuid[] IS NULL OR c.community_id = ANY ($2)) "
    "      AND ($3::uuid IS NULL OR c.community_id = $3) "
    "      AND c.created_at >= $4::timestamptz AND c.created_at < $5::timestamptz), "
    "t AS (SELECT * FROM a WHERE NOT a.duplicate), "
    "g AS (SELECT grouping(t.grp) AS total, t.grp, json_build_object("
    "    'key', t.grp, 'complaints', count(*), "
    "    'duplicates', CASE grouping(t.grp) WHEN 1 THEN (SELECT count(*) FROM a WHERE a.duplicate) "
    "      ELSE (SELECT count(*) FROM a WHERE a.duplicate AND a.grp IS NOT DISTINCT FROM t.grp) END, "
    "    'valid', count(*) FILTER (WHERE t.nature = 'valid'), "
    "    'communicative', count(*) FILTER (WHERE t.nature = 'communicative'), "
    "    'invalid', count(*) FILTER (WHERE t.nature = 'invalid'), "
    "    'valid_share', round((count(*) FILTER (WHERE t.nature = 'valid'))::numeric "
    "      / nullif(count(*) FILTER (WHERE t.nature IS NOT NULL), 0), 4), "
    "    'open', count(*) FILTER (WHERE t.status IN ('received', 'accepted', 'forwarded', 'acknowledged', 'resolved')), "
    "    'answered', count(*) FILTER (WHERE t.status IN ('replied', 'closed', 'rejected')), "
    "    'withdrawn', count(*) FILTER (WHERE t.status = 'withdrawn'), "
    "    " TIMES("forward", "forward") ", " TIMES("acknowledge", "acknowledge") ", "
    "    " TIMES("resolve", "resolution") ", " TIMES("reply", "reply") ", "
    "    'escalated', count(*) FILTER (WHERE t.escalation_level > 0), "
    "    'upgraded', count(*) FILTER (WHERE t.upgraded_at IS NOT NULL), "
    "    'extensions', coalesce(sum(jsonb_array_length(t.extensions)), 0), "
    "    'extensions_approved', coalesce(sum((SELECT count(*) FROM jsonb_array_elements(t.extensions) x "
    "      WHERE x->>'status' = 'approved')), 0), "
    "    'reopen_rate', round(avg((t.reopen_count > 0)::int) FILTER (WHERE t.replied_at IS NOT NULL)::numeric, 4), "
    "    'average_rating', round(avg(t.rating)::numeric, 2), "
    "    'ratings', count(t.rating), "
    "    'repeat', count(*) FILTER (WHERE t.repeated)) AS j "
    "  FROM t GROUP BY GROUPING SETS ((t.grp), ())) "
    "SELECT json_build_object('groups', coalesce((SELECT json_agg(j ORDER BY grp) FROM g WHERE total = 0), '[]'), "
    "  'totals', coalesce((SELECT j FROM g WHERE total = 1), json_build_object('key', NULL, 'complaints', 0, "
    "    'duplicates', (SELECT count(*) FROM a WHERE a.duplicate))))");

enum pd_err stats_complaints(struct db_conn *db, const char *const scope[4],
                             const char *community_id, const char *from, const char *to,
                             const char *group_by, json_t **out)
{
    const char *p[] = { scope[0], scope[1], community_id, from, to, group_by };
    return rows_exec_one(db, &complaint_stats, 6, p, out);
}

/* Callbacks (DESIGN §8, seed 001 回访率 and 第十、十一、十二条) for sources that ended and
 * callbacks made in [from, to): per source kind the share of sources called back (a callback
 * completed or reviewed) against its target — valid complaints (not anonymous, not for a
 * written reply only) 100%, repairs 90% —; on-time rate (done by the window's end); the
 * method mix, and the phone + letter share of the calendar year of `from` (第十二条: at most
 * 60%); the share of signed visits among opinion (≥ 40%) and complaint (≥ 60%) callbacks;
 * the satisfaction distribution; follow-ups opened; attempts per completed callback; and
 * "件件有着落": the share of sources (special services: their callbacks) called back. A
 * special service has no record but its callbacks, which stand for it; a quality sample does
 * not count as its ticket's callback.
 * $1 org, $2 the caller's communities, $3 community id, $4 from, $5 to. */
#define DONE(k) k ".status IN ('completed', 'reviewed')"
#define SIGNED_VISITS(kind) \
    "round(avg((k.method = 'visit' AND (k.signature_id IS NOT NULL OR k.owner_confirmed))::int) " \
    "  FILTER (WHERE k.kind = '" kind "' AND " DONE("k") ")::numeric, 4)"
DB_STMT(callback_stats,
    "WITH scope AS (SELECT c.id FROM communities c WHERE c.org_id = $1 AND ($2::uuid[] IS NULL OR c.id = ANY ($2)) "
    "    AND ($3::uuid IS NULL OR c.id = $3)), "
    "k AS (SELECT k.* FROM callbacks k WHERE k.org_id = $1 AND k.community_id IN (SELECT id FROM scope) "
    "    AND k.created_at >= $4::timestamptz AND k.created_at < $5::timestamptz), "
    "src AS (SELECT t.kind AS source_kind, t.id FROM tickets t WHERE t.org_id = $1 AND t.community_id IN (SELECT id FROM scope) "
    "      AND t.status = 'closed' AND t.kind IN ('repair', 'help') AND t.complaint_id IS NULL "
    "      AND t.closed_at >= $4::timestamptz AND t.closed_at < $5::timestamptz "
    "    UNION ALL SELECT 'complaint', c.id FROM complaints c WHERE c.org_id = $1 AND c.community_id IN (SELECT id FROM scope) "
    "      AND c.nature = 'valid' AND NOT c.anonymous AND NOT c.written_reply_only "
    "      AND c.replied_at >= $4::timestamptz AND c.replied_at < $5::timestamptz), "
    "rates AS (SELECT x.source_kind, count(src.id) AS sources, count(src.id) FILTER (WHERE EXISTS (SELECT 1 FROM callbacks b "
    "      WHERE b.org_id = $1 AND b.source_id = src.id AND b.kind <> 'quality_sample' AND " DONE("b") ")) AS called_back, "
    "      x.target "
    "    FROM (VALUES ('repair', 0.9), ('help', NULL), ('complaint', 1.0)) x (source_kind, target) "
    "    LEFT JOIN src ON src.source_kind = x.source_kind GROUP BY x.source_kind, x.target "
    /* a special service has no record of its own here: its callbacks stand for it */
    "  UNION ALL SELECT 'special_service', count(*) FILTER (WHERE k.status <> 'cancelled'), "
    "    count(*) FILTER (WHERE " DONE("k") "), 0.9 FROM k WHERE k.kind = 'special_service'), "
    "year AS (SELECT count(*) FILTER (WHERE b.method IN ('phone', 'letter'))::numeric / nullif(count(*), 0) AS share "
    "    FROM callbacks b WHERE b.org_id = $1 AND b.community_id IN (SELECT id FROM scope) AND " DONE("b") " "
    "      AND b.completed_at >= date_trunc('year', $4::timestamptz) "
    "      AND b.completed_at < date_trunc('year', $4::timestamptz) + interval '1 year') "
    "SELECT json_build_object("
    "  'sources', (SELECT json_agg(json_build_object('source_kind', r.source_kind, 'sources', r.sources, "
    "      'called_back', r.called_back, 'rate', round(r.called_back::numeric / nullif(r.sources, 0), 4), "
    "      'target', r.target, 'met', CASE WHEN r.target IS NULL OR r.sources = 0 THEN NULL "
    "        ELSE r.called_back::numeric / r.sources >= r.target END) "
    "      ORDER BY array_position(ARRAY['repair', 'help', 'complaint', 'special_service'], r.source_kind)) FROM rates r), "
    "  'callbacks', (SELECT count(*) FROM k), "
    "  'completed', (SELECT count(*) FROM k WHERE " DONE("k") "), "
    "  'failed', (SELECT count(*) FROM k WHERE k.status = 'failed'), "
    "  'cancelled', (SELECT count(*) FROM k WHERE k.status = 'cancelled'), "
    "  'open', (SELECT count(*) FROM k WHERE k.status IN ('scheduled', 'open')), "
    /* done by the window's end, of those done, failed, or open past it */
    "  'on_time_rate', (SELECT round(avg((" DONE("k") " AND k.completed_at <= k.window_end)::int)::numeric, 4) FROM k "
    "    WHERE " DONE("k") " OR k.status = 'failed' OR (k.status IN ('scheduled', 'open') AND k.window_end < now())), "
    "  'methods', (SELECT json_build_object('visit', count(*) FILTER (WHERE k.method = 'visit'), "
    "      'phone', count(*) FILTER (WHERE k.method = 'phone'), 'letter', count(*) FILTER (WHERE k.method = 'letter'), "
    "      'in_app', count(*) FILTER (WHERE k.method = 'in_app')) FROM k WHERE " DONE("k") "), "
    "  'year_phone_letter_share', (SELECT round(share, 4) FROM year), "
    "  'year_phone_letter_over', (SELECT share > 0.6 FROM year), "
    "  'signed_visit_share', (SELECT json_build_object('opinion', " SIGNED_VISITS("opinion") ", "
    "      'opinion_target', 0.4, 'complaint', " SIGNED_VISITS("complaint") ", 'complaint_target', 0.6) FROM k), "
    "  'satisfaction', (SELECT json_build_object('very_satisfied', count(*) FILTER (WHERE k.satisfaction = 'very_satisfied'), "
    "      'satisfied', count(*) FILTER (WHERE k.satisfaction = 'satisfied'), "
    "      'neutral', count(*) FILTER (WHERE k.satisfaction = 'neutral'), "
    "      'dissatisfied', count(*) FILTER (WHERE k.satisfaction = 'dissatisfied'), "
    "      'very_dissatisfied', count(*) FILTER (WHERE k.satisfaction = 'very_dissatisfied')) FROM k WHERE " DONE("k") "), "
    "  'follow_ups', (SELECT count(*) FROM k WHERE k.follow_up IS NOT NULL), "
    "  'attempts_per_completed', (SELECT round(avg(jsonb_array_length(k.attempts))::numeric, 2) FROM k WHERE " DONE("k") "), "
    "  'accounted_share', (SELECT round(sum(r.called_back)::numeric / nullif(sum(r.sources), 0), 4) FROM rates r))");

enum pd_err stats_callbacks(struct db_conn *db, const char *const scope[4], const char *community_id,
                            const char *from, const char *to, const char *group_by, json_t **out)
{
    (void)group_by;  /* one view: no grouping */
    const char *p[] = { scope[0], scope[1], community_id, from, to };
    return rows_exec_one(db, &callback_stats, 5, p, out);
}
