/* The ticket and work-order state machines (DESIGN §6) as pure functions: which actions a
 * caller may take in which state, where they lead, and how a ticket's state follows its
 * work orders. No SQL and no HTTP here; unit-tested in tests/unit/test_ticket_rules.c.
 * The codes (kinds, categories, statuses, …) and the actions' wire names are in src/enums.c. */
#ifndef PD_TICKET_RULES_H
#define PD_TICKET_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include "pd.h"

/* The department a category goes to by default. */
const char *category_department(const char *category);

enum ticket_action {
    TA_UPDATE, TA_DISPATCH, TA_REPLY, TA_CANCEL, TA_CONFIRM, TA_REOPEN, TA_CLOSE, TA_COMMENT,
    TA_COUNT
};
/* The wire name of an action (enum "ticket_action" of src/enums.c). */
const char *ticket_action_name(enum ticket_action a);

/* What the caller is to this ticket. */
struct ticket_view {
    const char *status;        /* current ticket status */
    const char *kind;
    enum pd_role role;
    bool is_owner;             /* an owner of the ticket's unit (or its reporter) */
    bool work_started;         /* some work order is in progress, on hold or completed */
    bool within_reopen_window; /* resolved recently enough to be rejected */
};

/* True when the caller may take action a now. */
bool ticket_action_allowed(const struct ticket_view *v, enum ticket_action a);
/* The actions allowed now, as a JSON array of names (new reference). */
json_t *ticket_allowed_actions(const struct ticket_view *v);
/* The status an action leads to ("" when it keeps the status; NULL when not allowed). */
const char *ticket_action_target(const char *status, enum ticket_action a);

/* Work orders. */
enum wo_action {
    WA_ACCEPT, WA_DECLINE, WA_START, WA_HOLD, WA_RESUME, WA_COMPLETE, WA_REASSIGN, WA_CANCEL,
    WA_COUNT
};
/* The wire name of an action (enum "work_order_action" of src/enums.c). */
const char *wo_action_name(enum wo_action a);
/* The event each action emits: work_order.accepted, work_order.declined, … */
extern const char *const wo_action_events[WA_COUNT];

struct wo_view {
    const char *status;
    bool assigned;             /* has an assignee */
    bool is_assignee;          /* the caller is it */
    bool can_grab;             /* a technician of the order's department and community */
    bool is_supervisor;        /* supervisor, manager or admin in scope */
    bool is_dispatcher;        /* desk staff in scope (agent and up) */
};
bool wo_action_allowed(const struct wo_view *v, enum wo_action a);
json_t *wo_allowed_actions(const struct wo_view *v);
/* The status a work-order action leads to (NULL when not allowed from status). A decline of a
 * queued order returns it to the queue ("dispatched"), otherwise it is "declined". */
const char *wo_action_target(const char *status, enum wo_action a, bool from_queue);
bool wo_status_active(const char *status);  /* not declined or cancelled */

/* A ticket's state from its active work orders. counts: how many are dispatched, accepted,
 * in progress, on hold and completed. Returns the current status unchanged when no work
 * order is active or the ticket is already past resolution. */
struct wo_counts {
    int dispatched, accepted, in_progress, on_hold, completed;
};
const char *ticket_status_from_orders(const char *current, const struct wo_counts *n);
/* The event of a ticket's state following its work orders from one status to another:
 * ticket.dispatched, ticket.started, ticket.resumed (in progress again after a hold),
 * ticket.held, ticket.resolved, ticket.returned (no active order left: back to the desk). */
const char *ticket_status_event(const char *from, const char *to);

#endif
