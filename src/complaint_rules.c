/* The complaint machine as a table. */
#include "complaint_rules.h"
#include "pd.h"

#define DESK (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define HEADS (ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define DEPT_STAFF (ROLE_BIT(ROLE_TECHNICIAN) | HEADS)
#define SENIOR (ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define OWNER ROLE_BIT(ROLE_OWNER)

static const char *const RECEIVED[] = { "received", NULL };
static const char *const ACCEPTED[] = { "accepted", NULL };
static const char *const FORWARDED[] = { "forwarded", NULL };
static const char *const ACKNOWLEDGED[] = { "acknowledged", NULL };
static const char *const RESOLVED[] = { "resolved", NULL };
static const char *const REPLIED[] = { "replied", NULL };
static const char *const UNANSWERED[] = { "received", "accepted", NULL };
static const char *const CLASSIFIED[] = { "accepted", "forwarded", "acknowledged", "resolved", NULL };
static const char *const UNRESOLVED[] = { "received", "accepted", "forwarded", "acknowledged", NULL };
static const char *const AT_DEPARTMENT[] = { "forwarded", "acknowledged", NULL };
static const char *const OPEN[] = { "received", "accepted", "forwarded", "acknowledged", "resolved", "replied", NULL };

static bool supervising(const struct machine_ctx *c)
{
    return c->role == ROLE_SUPERVISOR || c->role == ROLE_MANAGER;
}
static bool senior(const struct machine_ctx *c) { return c->role == ROLE_MANAGER || c->role == ROLE_ADMIN; }

/* 首问负责: the receiver or a supervisor or manager; for an unreceived one, any desk member;
 * never the staff member it is about */
static bool owns(const struct machine_ctx *c)
{
    return !(c->facts & MF_SUBJECT) && ((c->facts & MF_RECEIVER) || supervising(c));
}
static bool may_receive(const struct machine_ctx *c)
{
    return owns(c) || (!(c->facts & MF_SUBJECT) && (c->facts & MF_UNRECEIVED));
}
static bool mine(const struct machine_ctx *c) { return c->facts & MF_MINE; }
static bool mine_disputable(const struct machine_ctx *c) { return (c->facts & MF_MINE) && (c->facts & MF_REOPENABLE); }
static bool communicative(const struct machine_ctx *c) { return c->facts & MF_COMMUNICATIVE; }
static bool signs(const struct machine_ctx *c) { return (c->facts & MF_DEPT_PENDING) || senior(c); }
static bool works_on(const struct machine_ctx *c)
{
    return !(c->facts & MF_SUBJECT) && ((c->facts & MF_DEPT) || senior(c));
}
static bool heads_it(const struct machine_ctx *c)
{
    return !(c->facts & MF_SUBJECT) && (((c->facts & MF_DEPT) && c->role != ROLE_TECHNICIAN) || senior(c));
}
/* 第十七条: a manager approves running late (for a major complaint a manager or admin, the
 * 总经理's level), never the one who asked */
static bool decides_extension(const struct machine_ctx *c)
{
    return !(c->facts & MF_EXTENSION_MINE) && !(c->facts & MF_SUBJECT);
}
static bool no_extension_pending(const struct machine_ctx *c) { return !(c->facts & MF_EXTENSION_PENDING); }
static bool extension_pending(const struct machine_ctx *c) { return c->facts & MF_EXTENSION_PENDING; }

/* action, from, to (NULL: stays), roles, guard (409 unless forbids), forbids, who (403) */
static const struct machine_transition complaint_transitions[] = {
    { CA_ACCEPT, RECEIVED, "accepted", DESK, NULL, false, may_receive },
    { CA_RECLASSIFY, CLASSIFIED, NULL, DESK, NULL, false, owns },
    { CA_REJECT, UNANSWERED, "rejected", DESK, NULL, false, may_receive },
    { CA_FORWARD, ACCEPTED, "forwarded", DESK, NULL, false, owns },
    /* the state moves on when the last department signs (src/complaints.c) */
    { CA_ACKNOWLEDGE, FORWARDED, "acknowledged", HEADS, signs, false, heads_it },
    { CA_RESOLVE, ACKNOWLEDGED, "resolved", DEPT_STAFF, NULL, false, works_on },
    { CA_REPLY, RESOLVED, "replied", DESK, NULL, false, owns },
    { CA_REPLY, ACCEPTED, "replied", DESK, communicative, false, owns },
    { CA_CLOSE, REPLIED, "closed", DESK, NULL, false, owns },
    { CA_CONFIRM, REPLIED, "closed", OWNER, NULL, false, mine },
    { CA_DISPUTE, REPLIED, "accepted", OWNER, mine_disputable, false, mine },
    { CA_WITHDRAW, UNRESOLVED, "withdrawn", OWNER, NULL, false, mine },
    { CA_MERGE, UNRESOLVED, "merged", DESK, NULL, false, may_receive },
    { CA_EXTEND, AT_DEPARTMENT, NULL, DEPT_STAFF, no_extension_pending, false, heads_it },
    { CA_APPROVE_EXTENSION, AT_DEPARTMENT, NULL, SENIOR, extension_pending, false, decides_extension },
    { CA_REJECT_EXTENSION, AT_DEPARTMENT, NULL, SENIOR, extension_pending, false, decides_extension },
    { CA_COMMENT, OPEN, NULL, OWNER, NULL, false, mine },
    { CA_DISPATCH, ACKNOWLEDGED, NULL, HEADS, NULL, false, heads_it },
    { CA_COMMENT, OPEN, NULL, ROLES_STAFF, NULL, false, NULL },
};

const struct machine complaint_machine = {
    "complaint", "complaint_action", CA_COUNT, complaint_transitions,
    sizeof complaint_transitions / sizeof complaint_transitions[0],
};
