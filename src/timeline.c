/* A ticket's state following its work orders, and its SLA clocks moving with holds and
 * reclassification. Events and notifications go through the spine (src/events.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calendar.h"
#include "events.h"
#include "ticket_rules.h"
#include "timeline.h"

DB_STMT(order_counts,
    "SELECT t.status, "
    "  count(*) FILTER (WHERE w.status = 'dispatched'), count(*) FILTER (WHERE w.status = 'accepted'), "
    "  count(*) FILTER (WHERE w.status = 'in_progress'), count(*) FILTER (WHERE w.status = 'on_hold'), "
    "  count(*) FILTER (WHERE w.status = 'completed') "
    "FROM tickets t LEFT JOIN work_orders w ON w.org_id = t.org_id AND w.ticket_id = t.id "
    "  AND w.created_at >= coalesce((SELECT max(e.created_at) FROM events e WHERE e.org_id = t.org_id "
    "      AND e.subject_type = 'ticket' AND e.subject_id = t.id AND e.type = 'ticket.reopened'), '-infinity') "
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
    if ((err = db_exec(db, &set_status, 4, up, NULL)) != PD_OK)
        return err;
    if (strcmp(next, "on_hold") == 0 || strcmp(current, "on_hold") == 0)
        if ((err = ticket_recompute_dues(db, org, ticket_id)) != PD_OK)
            return err;
    struct event_notice resolved = { TO_OWNERS, "ticket.resolved", "报事已处理完成",
                                     "请确认处理结果并评价 / Please confirm the fix and rate it." };
    struct event_notice started = { TO_OWNERS, "ticket.started", "维修人员已开始处理",
                                    "The technician has started work." };
    struct event e = { .org = org, .subject_type = "ticket", .subject_id = ticket_id,
                       .type = ticket_status_event(current, next), .actor_id = actor,
                       .actor_role = actor_role, .from_status = current, .to_status = next };
    if (strcmp(next, "resolved") == 0)
        e.notices = &resolved;
    else if (strcmp(next, "in_progress") == 0 && strcmp(current, "on_hold") != 0)
        e.notices = &started;
    e.n_notices = e.notices != NULL;
    return event_emit(db, &e);
}
