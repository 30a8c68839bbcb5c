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
