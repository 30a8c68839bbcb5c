/* The callback machine as a table. */
#include "callback_rules.h"
#include "pd.h"

#define DESK (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define SUPERVISORS (ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define OWNER ROLE_BIT(ROLE_OWNER)

static const char *const PENDING[] = { "scheduled", "open", NULL };
static const char *const OPEN[] = { "open", NULL };
static const char *const COMPLETED[] = { "completed", NULL };

static bool unassigned(const struct machine_ctx *c) { return !(c->facts & MF_ASSIGNED); }
static bool assignee(const struct machine_ctx *c) { return c->facts & MF_ASSIGNEE; }
static bool mine(const struct machine_ctx *c) { return c->facts & MF_MINE; }
static bool requested(const struct machine_ctx *c) { return c->facts & MF_REQUESTED; }
static bool not_assignee(const struct machine_ctx *c) { return !(c->facts & MF_ASSIGNEE); }
static bool askable(const struct machine_ctx *c) { return (c->facts & MF_HAS_RESIDENT) && !(c->facts & MF_REQUESTED); }

/* action, from, to (NULL: stays), roles, guard (409), forbids, who (403) */
static const struct machine_transition callback_transitions[] = {
    { KA_TAKE, PENDING, NULL, DESK, unassigned, false, NULL },
    { KA_REASSIGN, PENDING, NULL, SUPERVISORS, NULL, false, NULL },
    /* an unreachable last attempt leads to failed (src/callbacks.c) */
    { KA_ATTEMPT, OPEN, NULL, ROLES_STAFF, NULL, false, assignee },
    { KA_REQUEST, OPEN, NULL, ROLES_STAFF, askable, false, assignee },
    { KA_COMPLETE, OPEN, "completed", ROLES_STAFF, NULL, false, assignee },
    { KA_RESPOND, OPEN, "completed", OWNER, requested, false, mine },
    /* a review is someone else's than the one who did it */
    { KA_APPROVE, COMPLETED, "reviewed", SUPERVISORS, NULL, false, not_assignee },
    { KA_RETURN, COMPLETED, "open", SUPERVISORS, NULL, false, not_assignee },
    { KA_CANCEL, PENDING, "cancelled", SUPERVISORS, NULL, false, NULL },
};

const struct machine callback_machine = {
    "callback", "callback_action", KA_COUNT, callback_transitions,
    sizeof callback_transitions / sizeof callback_transitions[0],
};
