/* State machine tables and derivation for tickets and work orders. */
#include <string.h>
#include "enums.h"
#include "ticket_rules.h"

const char *ticket_action_name(enum ticket_action a)
{
    return enum_code("ticket_action", (int)a);
}

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

static bool open_for_work(const char *status)
{
    return is(status, "submitted") || is(status, "reopened") || is(status, "dispatched") ||
           is(status, "in_progress") || is(status, "on_hold");
}

const char *ticket_action_target(const char *status, enum ticket_action a)
{
    switch (a) {
    case TA_UPDATE:
    case TA_COMMENT:
        return is(status, "closed") || is(status, "cancelled") ? NULL : "";
    case TA_DISPATCH:
        if (!open_for_work(status))
            return NULL;
        return is(status, "submitted") || is(status, "reopened") ? "dispatched" : "";
    case TA_REPLY:
        return is(status, "submitted") || is(status, "reopened") || is(status, "dispatched") ? "resolved" : NULL;
    case TA_CANCEL:
        return open_for_work(status) ? "cancelled" : NULL;
    case TA_CONFIRM:
    case TA_CLOSE:
        return is(status, "resolved") ? "closed" : NULL;
    case TA_REOPEN:
        return is(status, "resolved") ? "reopened" : NULL;
    default:
        return NULL;
    }
}

static bool staff_desk(enum pd_role r)
{
    return r == ROLE_AGENT || r == ROLE_SUPERVISOR || r == ROLE_MANAGER || r == ROLE_ADMIN;
}

bool ticket_action_allowed(const struct ticket_view *v, enum ticket_action a)
{
    if (ticket_action_target(v->status, a) == NULL)
        return false;
    bool owner = v->role == ROLE_OWNER && v->is_owner;
    switch (a) {
    case TA_UPDATE:  /* owners before dispatch; desk staff reclassify until resolution */
        if (owner)
            return is(v->status, "submitted");
        return staff_desk(v->role) && open_for_work(v->status);
    case TA_DISPATCH:
        return staff_desk(v->role) && !is(v->kind, "inquiry");
    case TA_REPLY:
        return staff_desk(v->role) && is(v->kind, "inquiry");
    case TA_CANCEL:  /* owners only before work starts; staff any time before resolution */
        return owner ? !v->work_started : staff_desk(v->role);
    case TA_CONFIRM:
        return owner;
    case TA_REOPEN:
        return owner && v->within_reopen_window;
    case TA_CLOSE:
        return staff_desk(v->role);
    case TA_COMMENT:
        return owner || v->role == ROLE_TECHNICIAN || v->role == ROLE_QUALITY || staff_desk(v->role);
    default:
        return false;
    }
}

json_t *ticket_allowed_actions(const struct ticket_view *v)
{
    json_t *j = json_array();
    for (int a = 0; a < TA_COUNT; a++)
        if (ticket_action_allowed(v, (enum ticket_action)a))
            json_array_append_new(j, json_string(ticket_action_name((enum ticket_action)a)));
    return j;
}

const char *wo_action_target(const char *status, enum wo_action a, bool from_queue)
{
    switch (a) {
    case WA_ACCEPT: return is(status, "dispatched") ? "accepted" : NULL;
    case WA_DECLINE:
        if (!is(status, "dispatched") && !is(status, "accepted"))
            return NULL;
        return from_queue ? "dispatched" : "declined";
    case WA_START: return is(status, "accepted") ? "in_progress" : NULL;
    case WA_HOLD: return is(status, "in_progress") ? "on_hold" : NULL;
    case WA_RESUME: return is(status, "on_hold") ? "in_progress" : NULL;
    case WA_COMPLETE: return is(status, "in_progress") ? "completed" : NULL;
    case WA_REASSIGN:
    case WA_CANCEL:
        if (!wo_status_active(status) || is(status, "completed"))
            return NULL;
        return a == WA_REASSIGN ? "dispatched" : "cancelled";
    default: return NULL;
    }
}

bool wo_status_active(const char *status)
{
    return !is(status, "declined") && !is(status, "cancelled");
}

bool wo_action_allowed(const struct wo_view *v, enum wo_action a)
{
    if (wo_action_target(v->status, a, false) == NULL)
        return false;
    switch (a) {
    case WA_ACCEPT:  /* the assignee, or a technician grabbing from the queue */
        return v->assigned ? v->is_assignee : v->can_grab;
    case WA_DECLINE:
        return v->assigned && v->is_assignee;
    case WA_START:
    case WA_HOLD:
    case WA_RESUME:
    case WA_COMPLETE:
        return v->is_assignee;
    case WA_REASSIGN:
        return v->is_supervisor;
    case WA_CANCEL:
        return v->is_dispatcher;
    default:
        return false;
    }
}

json_t *wo_allowed_actions(const struct wo_view *v)
{
    json_t *j = json_array();
    for (int a = 0; a < WA_COUNT; a++)
        if (wo_action_allowed(v, (enum wo_action)a))
            json_array_append_new(j, json_string(wo_action_name((enum wo_action)a)));
    return j;
}

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
