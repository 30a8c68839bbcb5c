/* The ticket and work-order state machines (DESIGN §6) as tables (src/machine.h): which
 * actions a caller may take in which state, where they lead, and how a ticket's state follows its
 * work orders. No SQL and no HTTP here; unit-tested in tests/unit/test_ticket_rules.c.
 * The codes (kinds, categories, statuses, …) and the actions' wire names are in src/enums.c. */
#ifndef PD_TICKET_RULES_H
#define PD_TICKET_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include "machine.h"
#include "pd.h"

/* The department a category goes to by default. */
const char *category_department(const char *category);

enum ticket_action {
    TA_UPDATE, TA_DISPATCH, TA_REPLY, TA_CANCEL, TA_CONFIRM, TA_REOPEN, TA_CLOSE, TA_COMMENT,
    TA_COUNT
};

/* The ticket machine (src/machine.h): its actions are enum ticket_action; the caller's
 * facts MF_MINE, MF_WORK_STARTED, MF_REOPENABLE and MF_INQUIRY. */
extern const struct machine ticket_machine;

/* Work orders. */
enum wo_action {
    WA_ACCEPT, WA_DECLINE, WA_START, WA_HOLD, WA_RESUME, WA_COMPLETE, WA_REASSIGN, WA_CANCEL,
    WA_COUNT
};
/* The wire name of an action (enum "work_order_action" of src/enums.c). */
const char *wo_action_name(enum wo_action a);
/* The event each action emits: work_order.accepted, work_order.declined, … */
extern const char *const wo_action_events[WA_COUNT];

/* The work-order machine: its actions are enum wo_action; the caller's facts MF_ASSIGNED,
 * MF_ASSIGNEE, MF_CAN_GRAB and MF_QUEUED (a declined queued order goes back to the queue,
 * "dispatched"; otherwise it is "declined"). */
extern const struct machine work_order_machine;

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
