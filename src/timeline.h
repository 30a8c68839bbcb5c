/* What a ticket change sets in motion besides its event (src/events.h), in the same
 * transaction: the ticket state that follows its work orders, and the SLA clocks that move
 * with holds and reclassification. */
#ifndef PD_TIMELINE_H
#define PD_TIMELINE_H

#include <jansson.h>
#include "db.h"
#include "pd.h"

/* Re-derives the ticket's state from its work orders (src/ticket_rules.c), opens or closes
 * an on-hold pause and moves the SLA clocks accordingly, sets the resolution clock's met
 * time, and emits the change (ticket_status_event), notifying the owners of the start of
 * work and of a resolution. actor may be NULL. */
enum pd_err ticket_follow_orders(struct db_conn *db, const char *org, const char *ticket_id,
                                 const char *actor, const char *actor_role);

/* Moves the ticket's clocks (src/clocks.h) for a change of state from → to: a hold pauses
 * them and its end resumes them, a resolution meets the resolution clock, entering
 * resolved/closed/cancelled stops the sweep of the rest and leaving them restarts it. */
enum pd_err ticket_clocks_follow(struct db_conn *db, const char *org, const char *ticket_id,
                                 const char *from, const char *to);

/* Someone is on site (the first work order started): the arrival clock is met, and the
 * contact clock with it. */
enum pd_err ticket_arrived(struct db_conn *db, const char *org, const char *ticket_id);

#endif
