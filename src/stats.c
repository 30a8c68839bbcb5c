/* One aggregate query with GROUPING SETS: a row per group and the totals row; a ticket's
 * clocks come from `clocks`, one row per ticket. Times are in
 * minutes; compliance is the share of decided clocks (met or breached) met on time. */
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
