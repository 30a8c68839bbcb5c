/* What every ticket change writes besides the change itself, in the same transaction: the
 * timeline event, the notifications it causes, the ticket state that follows its work
 * orders, and the SLA clocks that move with holds and reclassification. */
#ifndef PD_TIMELINE_H
#define PD_TIMELINE_H

#include <jansson.h>
#include "db.h"
#include "pd.h"

/* An event on the ticket's timeline. actor NULL = the system. details: JSON text or NULL. */
enum pd_err timeline_event(struct db_conn *db, const char *org, const char *ticket_id,
                           const char *work_order_id, const char *actor, const char *actor_role,
                           const char *type, const char *from_status, const char *to_status,
                           const char *details);

/* Notifications. Each writes one inbox row per recipient. */
enum notify_to {
    NOTIFY_OWNERS,       /* the reporter and the unit's verified residents */
    NOTIFY_ASSIGNEE,     /* the work order's assignee */
    NOTIFY_DEPARTMENT,   /* on-duty technicians of the work order's department and community */
    NOTIFY_SUPERVISORS,  /* supervisors of the ticket's community, and org-wide supervisors/managers */
};
enum pd_err notify(struct db_conn *db, const char *org, enum notify_to to, const char *ticket_id,
                   const char *work_order_id, const char *type, const char *title, const char *body);

/* Re-derives the ticket's state from its work orders (src/ticket_rules.c), records the
 * change, opens or closes an on-hold pause and moves the SLA clocks accordingly, sets the
 * on-site and resolution clocks' met times, and notifies the owners of a resolution.
 * actor may be NULL. */
enum pd_err ticket_follow_orders(struct db_conn *db, const char *org, const char *ticket_id,
                                 const char *actor, const char *actor_role);

/* Recomputes the ticket's due times from its stored targets and pauses. */
enum pd_err ticket_recompute_dues(struct db_conn *db, const char *org, const char *ticket_id);

#endif
