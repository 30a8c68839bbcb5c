/* The announcement machine as a table. */
#include "announcement_rules.h"
#include "pd.h"

#define DESK (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define PUBLISHERS (ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define OWNER ROLE_BIT(ROLE_OWNER)

static const char *const DRAFT[] = { "draft", NULL };
static const char *const SCHEDULED[] = { "scheduled", NULL };
static const char *const UNPUBLISHED[] = { "draft", "scheduled", NULL };
static const char *const OUT[] = { "published", NULL };
static const char *const LIVE[] = { "scheduled", "published", NULL };
static const char *const ENDED[] = { "published", "withdrawn", "expired", NULL };

static bool covers(const struct machine_ctx *c) { return c->facts & MF_COVERS; }
static bool ack_required(const struct machine_ctx *c) { return c->facts & MF_ACK_REQUIRED; }

/* action, from, to (NULL: stays), roles, guard (409), forbids, who (403) */
static const struct machine_transition announcement_transitions[] = {
    { AA_UPDATE, DRAFT, NULL, DESK, NULL, false, covers },
    { AA_UPDATE, SCHEDULED, NULL, PUBLISHERS, NULL, false, covers },
    { AA_SCHEDULE, DRAFT, "scheduled", PUBLISHERS, NULL, false, covers },
    { AA_PUBLISH, UNPUBLISHED, "published", PUBLISHERS, NULL, false, covers },
    { AA_WITHDRAW, LIVE, "withdrawn", PUBLISHERS, NULL, false, covers },
    { AA_ARCHIVE, ENDED, "archived", PUBLISHERS, NULL, false, covers },
    /* the correction is a new published version; this one is archived behind it */
    { AA_AMEND, OUT, "archived", PUBLISHERS, NULL, false, covers },
    { AA_ACK, OUT, NULL, OWNER, ack_required, false, NULL },
};

const struct machine announcement_machine = {
    "announcement", "announcement_action", AA_COUNT, announcement_transitions,
    sizeof announcement_transitions / sizeof announcement_transitions[0],
};
