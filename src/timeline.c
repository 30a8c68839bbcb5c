/* A ticket's state following its work orders, and its SLA clocks (src/clocks.h) following
 * its state. Events and notifications go through the spine (src/events.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clocks.h"
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
    "  resolved_at = CASE WHEN $4 = 'resolved' THEN now() ELSE resolved_at END "
    "WHERE org_id = $1 AND id = $2 AND status = $3");

static bool ended(const char *status)
{
    return strcmp(status, "resolved") == 0 || strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0;
}

/* The clocks that follow a ticket's state: holds pause them, a resolution meets the
 * resolution clock and ends the others' sweep, leaving a terminal state runs them again. */
enum pd_err ticket_clocks_follow(struct db_conn *db, const char *org, const char *ticket_id,
                                 const char *from, const char *to)
{
    const struct clock_subject s = { org, "ticket", ticket_id };
    enum pd_err err = PD_OK;
    bool ended_from = ended(from), ended_to = ended(to);
    if (strcmp(from, "on_hold") == 0 && strcmp(to, "on_hold") != 0)
        err = clocks_resume(db, &s);
    if (err == PD_OK && strcmp(to, "resolved") == 0)
        err = clock_met(db, &s, "resolution");
    if (err == PD_OK && strcmp(to, "on_hold") == 0 && strcmp(from, "on_hold") != 0)
        err = clocks_pause(db, &s);
    if (err == PD_OK && ended_to && !ended_from)
        err = clocks_stop(db, &s);
    if (err == PD_OK && ended_from && !ended_to)
        err = clocks_restart(db, &s);
    return err;
}

enum pd_err ticket_arrived(struct db_conn *db, const char *org, const char *ticket_id)
{
    const struct clock_subject s = { org, "ticket", ticket_id };
    enum pd_err err = clock_met(db, &s, "arrival");
    return err != PD_OK ? err : clock_met(db, &s, "contact");
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
    if ((err = ticket_clocks_follow(db, org, ticket_id, current, next)) != PD_OK)
        return err;
    struct event_notice resolved = { TO_OWNERS, "ticket.resolved", "报事已处理完成",
                                     "请确认处理结果并评价" };
    struct event_notice started = { TO_OWNERS, "ticket.started", "维修人员已开始处理",
                                    "维修人员正在处理您的报事" };
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
