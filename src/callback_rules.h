/* The callback machine (DESIGN §8) as a table (src/machine.h). No SQL and no HTTP here;
 * unit-tested in tests/unit/test_callback_rules.c. The codes are in src/enums.c. */
#ifndef PD_CALLBACK_RULES_H
#define PD_CALLBACK_RULES_H

#include "machine.h"

enum callback_action {
    KA_TAKE, KA_REASSIGN, KA_ATTEMPT, KA_REQUEST, KA_COMPLETE, KA_RESPOND, KA_APPROVE, KA_RETURN, KA_CANCEL,
    KA_COUNT
};

/* Its actions are enum callback_action; the caller's facts MF_ASSIGNED, MF_ASSIGNEE, MF_MINE
 * (the owner called back), MF_REQUESTED and MF_HAS_RESIDENT.
 *  - The desk takes an unassigned callback from the community's queue; supervisors reassign.
 *  - Only its assignee records attempts (an unreachable last one fails it: src/callbacks.c),
 *    asks the owner to answer in the app, or completes it.
 *  - The owner answers in the app once asked.
 *  - A supervisor other than its assignee approves a completed callback or returns it to be
 *    done again; supervisors cancel one that is not done. */
extern const struct machine callback_machine;

#endif
