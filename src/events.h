/* The event spine (DESIGN §14): the one way a change says what happened. An event is
 * appended to `events` (its subject's timeline), writes the inbox rows of its notices, the
 * webhook outbox rows of the org's subscriptions and a pg_notify for the live stream, all
 * in the caller's transaction, through the SQL function pd_emit (sql/migrations/
 * 0012_events.sql), which the background jobs call from their own SQL. Recipients are
 * chosen there too (pd_recipients), never here. */
#ifndef PD_EVENTS_H
#define PD_EVENTS_H

#include <stdbool.h>
#include "db.h"
#include "pd.h"

/* Who a notice goes to, resolved from the event's subject by pd_recipients. */
enum event_audience {
    TO_OWNERS,       /* the ticket's reporter (a resident) and its unit's verified residents */
    TO_ASSIGNEE,     /* the work order's assignee */
    TO_DEPARTMENT,   /* on-duty technicians of the work order's department and community */
    TO_SUPERVISORS,  /* supervisors of the subject's community, org-wide supervisors, managers */
    TO_COMPLAINANT,  /* the complaint's complainant (a resident in the app) */
    TO_COMPLAINANTS, /* … and those of the duplicates merged into it */
    TO_RECEIVER,     /* the staff member who received the complaint */
    TO_DEPARTMENT_HEADS, /* supervisors of the departments the complaint was forwarded to */
    TO_MANAGERS,     /* managers of the subject's community or org-wide */
    TO_ADMINS,       /* the org's admins */
    TO_RESIDENT,     /* the owner a callback calls back */
};

/* One inbox row per recipient: type is the notification's wire type (ticket.dispatched,
 * work_order.assigned …), body may be NULL. A user in several audiences of one event gets
 * the first notice naming them. */
struct event_notice {
    enum event_audience to;
    const char *type, *title, *body;
};

struct event {
    const char *org;
    const char *subject_type, *subject_id;  /* "ticket", "work_order", … and its id */
    const char *type;                       /* <subject_type>.<past participle> */
    const char *actor_id;                   /* NULL: the system or an API client */
    const char *actor_role;                 /* NULL: "system" */
    const char *from_status, *to_status;    /* NULL when the event is no transition */
    const char *details;                    /* a JSON object as text, or NULL */
    bool internal;                          /* staff only: hidden from owners and webhooks */
    const struct event_notice *notices;
    int n_notices;
    long long *seq;                         /* not NULL: gets the event's seq */
};

/* Emits e in the connection's current transaction. PD_ERR_NOMEM when the notices cannot be
 * rendered; otherwise db_exec's errors. */
enum pd_err event_emit(struct db_conn *db, const struct event *e);

#endif
