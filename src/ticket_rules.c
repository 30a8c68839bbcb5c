/* The ticket and work-order machines as tables, and how a ticket follows its orders. */
#include <string.h>
#include "enums.h"
#include "ticket_rules.h"

const char *wo_action_name(enum wo_action a)
{
    return enum_code("work_order_action", (int)a);
}

const char *const wo_action_events[WA_COUNT] = {
    "work_order.accepted", "work_order.declined", "work_order.started", "work_order.held",
    "work_order.resumed", "work_order.completed", "work_order.reassigned", "work_order.cancelled",
};

const char *category_department(const char *category)
{
    if (strcmp(category, "cleaning") == 0 || strcmp(category, "security") == 0 ||
        strcmp(category, "greening") == 0)
        return category;
    if (strcmp(category, "other") == 0)
        return "customer_service";
    return "engineering";
}

static bool is(const char *s, const char *t) { return strcmp(s, t) == 0; }

/* ---- tickets ------------------------------------------------------------------------- */

#define DESK_ROLES (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | \
                    ROLE_BIT(ROLE_ADMIN))
#define OWNER_ROLE ROLE_BIT(ROLE_OWNER)

static const char *const T_SUBMITTED[] = { "submitted", NULL };
static const char *const T_NEW[] = { "submitted", "reopened", NULL };
static const char *const T_WORKING[] = { "dispatched", "in_progress", "on_hold", NULL };
static const char *const T_ANSWERABLE[] = { "submitted", "reopened", "dispatched", NULL };
static const char *const T_OPEN[] = { "submitted", "reopened", "dispatched", "in_progress", "on_hold", NULL };
static const char *const T_RESOLVED[] = { "resolved", NULL };
static const char *const T_LIVE[] = { "submitted", "reopened", "dispatched", "in_progress", "on_hold",
                                      "resolved", NULL };

static bool mine(const struct machine_ctx *c) { return c->facts & MF_MINE; }
static bool mine_unstarted(const struct machine_ctx *c)
{
    return (c->facts & MF_MINE) && !(c->facts & MF_WORK_STARTED);
}
static bool mine_reopenable(const struct machine_ctx *c)
{
    return (c->facts & MF_MINE) && (c->facts & MF_REOPENABLE);
}
static bool inquiry(const struct machine_ctx *c) { return c->facts & MF_INQUIRY; }
static bool not_inquiry(const struct machine_ctx *c) { return !(c->facts & MF_INQUIRY); }

/* Owners edit before dispatch, desk staff reclassify until resolution; repairs and help are
 * dispatched (again while work goes on: the state then follows the orders), inquiries
 * replied to; owners cancel until work starts, staff until resolution. Every refusal of a
 * ticket action is a 409 with the allowed actions. */
static const struct machine_transition ticket_transitions[] = {
    { TA_UPDATE, T_SUBMITTED, NULL, OWNER_ROLE, mine, false, NULL },
    { TA_UPDATE, T_OPEN, NULL, DESK_ROLES, NULL, false, NULL },
    { TA_DISPATCH, T_NEW, "dispatched", DESK_ROLES, not_inquiry, false, NULL },
    { TA_DISPATCH, T_WORKING, NULL, DESK_ROLES, not_inquiry, false, NULL },
    { TA_REPLY, T_ANSWERABLE, "resolved", DESK_ROLES, inquiry, false, NULL },
    { TA_CANCEL, T_OPEN, "cancelled", OWNER_ROLE, mine_unstarted, false, NULL },
    { TA_CANCEL, T_OPEN, "cancelled", DESK_ROLES, NULL, false, NULL },
    { TA_CONFIRM, T_RESOLVED, "closed", OWNER_ROLE, mine, false, NULL },
    { TA_REOPEN, T_RESOLVED, "reopened", OWNER_ROLE, mine_reopenable, false, NULL },
    { TA_CLOSE, T_RESOLVED, "closed", DESK_ROLES, NULL, false, NULL },
    { TA_COMMENT, T_LIVE, NULL, OWNER_ROLE, mine, false, NULL },
    { TA_COMMENT, T_LIVE, NULL, ROLE_BIT(ROLE_TECHNICIAN) | ROLE_BIT(ROLE_QUALITY) | DESK_ROLES, NULL, false, NULL },
};

const struct machine ticket_machine = {
    "ticket", "ticket_action", TA_COUNT, ticket_transitions,
    sizeof ticket_transitions / sizeof ticket_transitions[0],
};

/* ---- work orders --------------------------------------------------------------------- */

static const char *const W_DISPATCHED[] = { "dispatched", NULL };
static const char *const W_ASSIGNABLE[] = { "dispatched", "accepted", NULL };
static const char *const W_ACCEPTED[] = { "accepted", NULL };
static const char *const W_IN_PROGRESS[] = { "in_progress", NULL };
static const char *const W_ON_HOLD[] = { "on_hold", NULL };
static const char *const W_OPEN[] = { "dispatched", "accepted", "in_progress", "on_hold", NULL };

/* the assignee, or a technician of the department grabbing an unassigned order */
static bool may_accept(const struct machine_ctx *c)
{
    return c->facts & MF_ASSIGNED ? (c->facts & MF_ASSIGNEE) != 0 : (c->facts & MF_CAN_GRAB) != 0;
}
static bool assignee(const struct machine_ctx *c) { return c->facts & MF_ASSIGNEE; }
static bool assignee_queued(const struct machine_ctx *c)
{
    return (c->facts & MF_ASSIGNED) && (c->facts & MF_ASSIGNEE) && (c->facts & MF_QUEUED);
}
static bool assignee_assigned(const struct machine_ctx *c)
{
    return (c->facts & MF_ASSIGNED) && (c->facts & MF_ASSIGNEE) && !(c->facts & MF_QUEUED);
}

/* The work is the assignee's (whatever their broadest role): anyone else is refused 403. */
static const struct machine_transition work_order_transitions[] = {
    { WA_ACCEPT, W_DISPATCHED, "accepted", ROLES_STAFF, may_accept, true, NULL },
    { WA_DECLINE, W_ASSIGNABLE, "dispatched", ROLES_STAFF, assignee_queued, true, NULL },
    { WA_DECLINE, W_ASSIGNABLE, "declined", ROLES_STAFF, assignee_assigned, true, NULL },
    { WA_START, W_ACCEPTED, "in_progress", ROLES_STAFF, assignee, true, NULL },
    { WA_HOLD, W_IN_PROGRESS, "on_hold", ROLES_STAFF, assignee, true, NULL },
    { WA_RESUME, W_ON_HOLD, "in_progress", ROLES_STAFF, assignee, true, NULL },
    { WA_COMPLETE, W_IN_PROGRESS, "completed", ROLES_STAFF, assignee, true, NULL },
    { WA_REASSIGN, W_OPEN, "dispatched",
      ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_ADMIN), NULL, true, NULL },
    { WA_CANCEL, W_OPEN, "cancelled", DESK_ROLES, NULL, true, NULL },
};

const struct machine work_order_machine = {
    "work order", "work_order_action", WA_COUNT, work_order_transitions,
    sizeof work_order_transitions / sizeof work_order_transitions[0],
};

const char *ticket_status_from_orders(const char *current, const struct wo_counts *n)
{
    int active = n->dispatched + n->accepted + n->in_progress + n->on_hold + n->completed;
    if (is(current, "resolved") || is(current, "closed") || is(current, "cancelled"))
        return current;
    if (active == 0)
        return is(current, "reopened") ? "reopened" : "submitted";
    if (n->completed == active)
        return "resolved";
    if (n->in_progress > 0)
        return "in_progress";
    if (n->on_hold > 0)
        return "on_hold";
    return "dispatched";
}

const char *ticket_status_event(const char *from, const char *to)
{
    if (is(to, "dispatched"))
        return "ticket.dispatched";
    if (is(to, "in_progress"))
        return is(from, "on_hold") ? "ticket.resumed" : "ticket.started";
    if (is(to, "on_hold"))
        return "ticket.held";
    if (is(to, "resolved"))
        return "ticket.resolved";
    if (is(to, "submitted") || is(to, "reopened"))
        return "ticket.returned";
    return "ticket.status_changed";
}
