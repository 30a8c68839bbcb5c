/* Timeline events, notifications, state derivation and clock movement for tickets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calendar.h"
#include "ticket_rules.h"
#include "timeline.h"

DB_STMT(insert_event,
    "INSERT INTO ticket_events (org_id, ticket_id, work_order_id, actor_id, actor_role, type, "
    "from_status, to_status, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::jsonb, '{}'))");

#define NOTIFY_INSERT "INSERT INTO notifications (org_id, user_id, type, ticket_id, work_order_id, title, body) " \
                      "SELECT DISTINCT $1::uuid, x.id, $4, $2::uuid, $3::uuid, $5, $6 FROM "
DB_STMT(notify_owners, NOTIFY_INSERT
    "(SELECT t.reporter_id AS id FROM tickets t JOIN users u ON u.org_id = t.org_id AND u.id = t.reporter_id "
    "   AND u.kind = 'resident' WHERE t.org_id = $1 AND t.id = $2 "
    " UNION SELECT r.user_id FROM tickets t JOIN residencies r ON r.org_id = t.org_id AND r.unit_id = t.unit_id "
    "   AND r.status = 'verified' WHERE t.org_id = $1 AND t.id = $2) x");
DB_STMT(notify_assignee, NOTIFY_INSERT
    "(SELECT w.assignee_id AS id FROM work_orders w WHERE w.org_id = $1 AND w.id = $3 "
    "   AND w.assignee_id IS NOT NULL) x");
DB_STMT(notify_department, NOTIFY_INSERT
    "(SELECT u.id FROM work_orders w JOIN users u ON u.org_id = w.org_id AND u.department = w.department "
    "   AND u.kind = 'staff' AND u.status = 'active' AND u.on_duty "
    " JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id AND g.role = 'technician' "
    "   AND (g.community_id IS NULL OR g.community_id = w.community_id) "
    " WHERE w.org_id = $1 AND w.id = $3) x");
DB_STMT(notify_supervisors, NOTIFY_INSERT
    "(SELECT g.user_id AS id FROM tickets t JOIN role_grants g ON g.org_id = t.org_id "
    "   AND ((g.role = 'supervisor' AND (g.community_id IS NULL OR g.community_id = t.community_id)) "
    "        OR (g.role = 'manager' AND g.community_id IS NULL)) "
    " JOIN users u ON u.org_id = g.org_id AND u.id = g.user_id AND u.status = 'active' "
    " WHERE t.org_id = $1 AND t.id = $2) x");

DB_STMT(order_counts,
    "SELECT t.status, "
    "  count(*) FILTER (WHERE w.status = 'dispatched'), count(*) FILTER (WHERE w.status = 'accepted'), "
    "  count(*) FILTER (WHERE w.status = 'in_progress'), count(*) FILTER (WHERE w.status = 'on_hold'), "
    "  count(*) FILTER (WHERE w.status = 'completed') "
    "FROM tickets t LEFT JOIN work_orders w ON w.org_id = t.org_id AND w.ticket_id = t.id "
    "  AND w.created_at >= coalesce((SELECT max(e.created_at) FROM ticket_events e WHERE e.org_id = t.org_id "
    "                               AND e.ticket_id = t.id AND e.type = 'reopened'), '-infinity') "
    "WHERE t.org_id = $1 AND t.id = $2 GROUP BY t.status");
DB_STMT(set_status,
    "UPDATE tickets SET status = $4, version = version + 1, updated_at = now(), "
    "  pauses = CASE WHEN $4 = 'on_hold' THEN pauses || jsonb_build_array(jsonb_build_array(extract(epoch FROM now())::bigint, NULL)) "
    "                WHEN $3 = 'on_hold' AND jsonb_array_length(pauses) > 0 "
    "                THEN jsonb_set(pauses, ARRAY[(jsonb_array_length(pauses) - 1)::text, '1'], to_jsonb(extract(epoch FROM now())::bigint)) "
    "                ELSE pauses END, "
    "  resolved_at = CASE WHEN $4 = 'resolved' THEN now() ELSE resolved_at END, "
    "  resolve_met_at = CASE WHEN $4 = 'resolved' THEN coalesce(resolve_met_at, now()) ELSE resolve_met_at END "
    "WHERE org_id = $1 AND id = $2 AND status = $3");
DB_STMT(clock_inputs,
    "SELECT community_id, priority, category, extract(epoch FROM created_at)::bigint, sla_contact_minutes, "
    "  sla_arrival_minutes, sla_resolve_minutes, sla_business_hours, pauses::text "
    "FROM tickets WHERE org_id = $1 AND id = $2");
DB_STMT(set_dues,
    "UPDATE tickets SET "
    "  contact_due = CASE WHEN contact_met_at IS NULL THEN to_timestamp(nullif($3, '0')::bigint) ELSE contact_due END, "
    "  arrival_due = CASE WHEN arrival_met_at IS NULL THEN to_timestamp(nullif($4, '0')::bigint) ELSE arrival_due END, "
    "  resolve_due = CASE WHEN resolve_met_at IS NULL THEN to_timestamp(nullif($5, '0')::bigint) ELSE resolve_due END "
    "WHERE org_id = $1 AND id = $2");

enum pd_err timeline_event(struct db_conn *db, const char *org, const char *ticket_id,
                           const char *work_order_id, const char *actor, const char *actor_role,
                           const char *type, const char *from_status, const char *to_status,
                           const char *details)
{
    const char *p[] = { org, ticket_id, work_order_id, actor, actor_role, type, from_status, to_status, details };
    return db_exec(db, &insert_event, 9, p, NULL);
}

enum pd_err notify(struct db_conn *db, const char *org, enum notify_to to, const char *ticket_id,
                   const char *work_order_id, const char *type, const char *title, const char *body)
{
    struct db_stmt *st[] = { [NOTIFY_OWNERS] = &notify_owners, [NOTIFY_ASSIGNEE] = &notify_assignee,
                             [NOTIFY_DEPARTMENT] = &notify_department, [NOTIFY_SUPERVISORS] = &notify_supervisors };
    const char *p[] = { org, ticket_id, work_order_id, type, title, body ? body : "" };
    return db_exec(db, st[to], 6, p, NULL);
}

/* Parses [[from, to|null], …] into pauses; returns the count. */
static int parse_pauses(const char *text, struct sla_pause *out, int cap)
{
    json_t *j = json_loads(text, 0, NULL);
    size_t i;
    json_t *j_pair;
    int n = 0;
    json_array_foreach(j, i, j_pair) {
        if (n == cap)
            break;
        out[n].from = (time_t)json_integer_value(json_array_get(j_pair, 0));
        out[n].to = (time_t)json_integer_value(json_array_get(j_pair, 1));  /* null → 0: open */
        n++;
    }
    json_decref(j);
    return n;
}

enum pd_err ticket_recompute_dues(struct db_conn *db, const char *org, const char *ticket_id)
{
    const char *p[] = { org, ticket_id };
    PGresult *r;
    enum pd_err err = db_exec(db, &clock_inputs, 2, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    time_t start = (time_t)atoll(PQgetvalue(r, 0, 3));
    struct clock_minutes m = {
        .contact = atoi(PQgetvalue(r, 0, 4)), .arrival = atoi(PQgetvalue(r, 0, 5)),
        .resolve = atoi(PQgetvalue(r, 0, 6)), .business_hours = PQgetvalue(r, 0, 7)[0] == 't',
    };
    struct sla_pause pauses[64];
    int n = parse_pauses(PQgetvalue(r, 0, 8), pauses, 64);
    struct calendar cal;
    struct sla_target unused;
    err = calendar_load(db, org, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), start, &cal, &unused);
    PQclear(r);
    if (err != PD_OK)
        return err;
    struct clock_dues d;
    clocks_due(&cal, &m, start, pauses, n, &d);
    char c[24], a[24], s[24];
    snprintf(c, sizeof c, "%lld", (long long)d.contact);
    snprintf(a, sizeof a, "%lld", (long long)d.arrival);
    snprintf(s, sizeof s, "%lld", (long long)d.resolve);
    const char *up[] = { org, ticket_id, c, a, s };
    return db_exec(db, &set_dues, 5, up, NULL);
}

enum pd_err ticket_follow_orders(struct db_conn *db, const char *org, const char *ticket_id,
                                 const char *actor, const char *actor_role)
{
    const char *p[] = { org, ticket_id };
    PGresult *r;
    enum pd_err err = db_exec(db, &order_counts, 2, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    char current[16];
    snprintf(current, sizeof current, "%s", PQgetvalue(r, 0, 0));
    struct wo_counts n = { atoi(PQgetvalue(r, 0, 1)), atoi(PQgetvalue(r, 0, 2)), atoi(PQgetvalue(r, 0, 3)),
                           atoi(PQgetvalue(r, 0, 4)), atoi(PQgetvalue(r, 0, 5)) };
    PQclear(r);
    const char *next = ticket_status_from_orders(current, &n);
    if (strcmp(next, current) == 0)
        return PD_OK;
    const char *up[] = { org, ticket_id, current, next };
    if ((err = db_exec(db, &set_status, 4, up, NULL)) != PD_OK ||
        (err = timeline_event(db, org, ticket_id, NULL, actor, actor_role ? actor_role : "system",
                              "status_changed", current, next, NULL)) != PD_OK)
        return err;
    if (strcmp(next, "on_hold") == 0 || strcmp(current, "on_hold") == 0)
        if ((err = ticket_recompute_dues(db, org, ticket_id)) != PD_OK)
            return err;
    if (strcmp(next, "resolved") == 0)
        err = notify(db, org, NOTIFY_OWNERS, ticket_id, NULL, "ticket.resolved", "报事已处理完成",
                     "请确认处理结果并评价 / Please confirm the fix and rate it.");
    else if (strcmp(next, "in_progress") == 0 && strcmp(current, "on_hold") != 0)
        err = notify(db, org, NOTIFY_OWNERS, ticket_id, NULL, "ticket.started", "维修人员已开始处理",
                     "The technician has started work.");
    return err;
}
