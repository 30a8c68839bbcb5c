/* The survey campaign machine as a table. */
#include "survey_rules.h"
#include "pd.h"

#define DESIGNERS (ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_QUALITY))
#define DESK (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define AUDITORS (ROLE_BIT(ROLE_QUALITY) | ROLE_BIT(ROLE_ADMIN))
#define OWNER ROLE_BIT(ROLE_OWNER)

static const char *const DRAFT[] = { "draft", NULL };
static const char *const NOT_OPEN[] = { "draft", "scheduled", NULL };
static const char *const OPEN[] = { "open", NULL };
static const char *const CLOSED[] = { "closed", NULL };

static bool covers(const struct machine_ctx *c) { return c->facts & MF_COVERS; }
static bool unanswered(const struct machine_ctx *c) { return c->facts & MF_MINE; }

/* action, from, to (NULL: stays), roles, guard (409), forbids, who (403) */
static const struct machine_transition survey_transitions[] = {
    { SA_UPDATE, DRAFT, NULL, DESIGNERS, NULL, false, covers },
    { SA_SCHEDULE, DRAFT, "scheduled", DESIGNERS, NULL, false, covers },
    { SA_OPEN, NOT_OPEN, "open", DESIGNERS, NULL, false, covers },
    { SA_CLOSE, OPEN, "closed", DESIGNERS, NULL, false, covers },
    { SA_RESPOND, OPEN, NULL, OWNER, unanswered, false, NULL },
    { SA_ENTER, OPEN, NULL, DESK, NULL, false, NULL },
    { SA_DRAW_AUDIT, CLOSED, NULL, AUDITORS, NULL, false, covers },
    { SA_AUDIT, CLOSED, NULL, AUDITORS, NULL, false, covers },
};

const struct machine survey_machine = {
    "survey", "survey_action", SA_COUNT, survey_transitions,
    sizeof survey_transitions / sizeof survey_transitions[0],
};
