/* The ticket and work-order state machines: every action from every state, for each kind of
 * caller, and how a ticket's state follows its work orders. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/ticket_rules.h"
#include "suites.h"

static const char *target(const char *status, enum ticket_action a)
{
    const char *t = ticket_action_target(status, a);
    return t == NULL ? "-" : (*t ? t : "=");
}

START_TEST(test_ticket_transition_table)
{
    /* rows: statuses; columns: update dispatch reply cancel confirm reopen close comment */
    static const struct { const char *status, *expect[TA_COUNT]; } table[] = {
        { "submitted", { "=", "dispatched", "resolved", "cancelled", "-", "-", "-", "=" } },
        { "reopened", { "=", "dispatched", "resolved", "cancelled", "-", "-", "-", "=" } },
        { "dispatched", { "=", "=", "resolved", "cancelled", "-", "-", "-", "=" } },
        { "in_progress", { "=", "=", "-", "cancelled", "-", "-", "-", "=" } },
        { "on_hold", { "=", "=", "-", "cancelled", "-", "-", "-", "=" } },
        { "resolved", { "=", "-", "-", "-", "closed", "reopened", "closed", "=" } },
        { "closed", { "-", "-", "-", "-", "-", "-", "-", "-" } },
        { "cancelled", { "-", "-", "-", "-", "-", "-", "-", "-" } },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        for (int a = 0; a < TA_COUNT; a++)
            ck_assert_msg(strcmp(target(table[i].status, (enum ticket_action)a), table[i].expect[a]) == 0,
                          "%s × %s → %s, expected %s", table[i].status, ticket_action_name((enum ticket_action)a),
                          target(table[i].status, (enum ticket_action)a), table[i].expect[a]);
}
END_TEST

static bool can(const char *status, const char *kind, enum pd_role role, bool owner, bool started,
                bool window, enum ticket_action a)
{
    struct ticket_view v = { status, kind, role, owner, started, window };
    return ticket_action_allowed(&v, a);
}

START_TEST(test_ticket_roles)
{
    /* owners: edit and cancel only before dispatch/work; confirm and reopen their own */
    ck_assert(can("submitted", "repair", ROLE_OWNER, true, false, false, TA_UPDATE));
    ck_assert(!can("dispatched", "repair", ROLE_OWNER, true, false, false, TA_UPDATE));
    ck_assert(can("dispatched", "repair", ROLE_OWNER, true, false, false, TA_CANCEL));
    ck_assert(!can("in_progress", "repair", ROLE_OWNER, true, true, false, TA_CANCEL));
    ck_assert(!can("submitted", "repair", ROLE_OWNER, false, false, false, TA_CANCEL));  /* not theirs */
    ck_assert(!can("submitted", "repair", ROLE_OWNER, true, false, false, TA_DISPATCH));
    ck_assert(can("resolved", "repair", ROLE_OWNER, true, true, true, TA_CONFIRM));
    ck_assert(can("resolved", "repair", ROLE_OWNER, true, true, true, TA_REOPEN));
    ck_assert(!can("resolved", "repair", ROLE_OWNER, true, true, false, TA_REOPEN));  /* window over */
    ck_assert(!can("resolved", "repair", ROLE_AGENT, false, true, true, TA_CONFIRM));
    /* desk: dispatch repairs but reply to inquiries */
    ck_assert(can("submitted", "repair", ROLE_AGENT, false, false, false, TA_DISPATCH));
    ck_assert(!can("submitted", "inquiry", ROLE_AGENT, false, false, false, TA_DISPATCH));
    ck_assert(can("submitted", "inquiry", ROLE_SUPERVISOR, false, false, false, TA_REPLY));
    ck_assert(!can("submitted", "repair", ROLE_AGENT, false, false, false, TA_REPLY));
    ck_assert(can("in_progress", "repair", ROLE_MANAGER, false, true, false, TA_CANCEL));
    ck_assert(can("resolved", "repair", ROLE_AGENT, false, true, false, TA_CLOSE));
    /* technicians and quality: comment, nothing else */
    ck_assert(!can("submitted", "repair", ROLE_TECHNICIAN, false, false, false, TA_DISPATCH));
    ck_assert(!can("submitted", "repair", ROLE_TECHNICIAN, false, false, false, TA_UPDATE));
    ck_assert(can("in_progress", "repair", ROLE_TECHNICIAN, false, true, false, TA_COMMENT));
    ck_assert(can("in_progress", "repair", ROLE_QUALITY, false, true, false, TA_COMMENT));
    ck_assert(!can("closed", "repair", ROLE_AGENT, false, true, false, TA_COMMENT));
}
END_TEST

START_TEST(test_ticket_allowed_list)
{
    struct ticket_view v = { "resolved", "repair", ROLE_OWNER, true, true, true };
    json_t *j = ticket_allowed_actions(&v);
    char *s = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(s, "[\"confirm\",\"reopen\",\"comment\"]");
    free(s);
    json_decref(j);
}
END_TEST

static const char *wo(const char *status, enum wo_action a, bool queue)
{
    const char *t = wo_action_target(status, a, queue);
    return t ? t : "-";
}

START_TEST(test_work_order_table)
{
    /* accept decline start hold resume complete reassign cancel */
    static const struct { const char *status, *expect[WA_COUNT]; } table[] = {
        { "dispatched", { "accepted", "declined", "-", "-", "-", "-", "dispatched", "cancelled" } },
        { "accepted", { "-", "declined", "in_progress", "-", "-", "-", "dispatched", "cancelled" } },
        { "in_progress", { "-", "-", "-", "on_hold", "-", "completed", "dispatched", "cancelled" } },
        { "on_hold", { "-", "-", "-", "-", "in_progress", "-", "dispatched", "cancelled" } },
        { "completed", { "-", "-", "-", "-", "-", "-", "-", "-" } },
        { "declined", { "-", "-", "-", "-", "-", "-", "-", "-" } },
        { "cancelled", { "-", "-", "-", "-", "-", "-", "-", "-" } },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        for (int a = 0; a < WA_COUNT; a++)
            ck_assert_msg(strcmp(wo(table[i].status, (enum wo_action)a, false), table[i].expect[a]) == 0,
                          "%s × %s", table[i].status, wo_action_name((enum wo_action)a));
    /* a queued order declined goes back to the queue */
    ck_assert_str_eq(wo("accepted", WA_DECLINE, true), "dispatched");
    ck_assert(wo_status_active("on_hold"));
    ck_assert(!wo_status_active("declined"));
}
END_TEST

START_TEST(test_work_order_roles)
{
    struct wo_view queued = { "dispatched", false, false, true, false, false };
    ck_assert(wo_action_allowed(&queued, WA_ACCEPT));      /* grab */
    ck_assert(!wo_action_allowed(&queued, WA_DECLINE));    /* nothing to decline yet */
    queued.can_grab = false;
    ck_assert(!wo_action_allowed(&queued, WA_ACCEPT));     /* another department */
    struct wo_view assigned = { "dispatched", true, false, true, false, false };
    ck_assert(!wo_action_allowed(&assigned, WA_ACCEPT));   /* someone else's */
    assigned.is_assignee = true;
    ck_assert(wo_action_allowed(&assigned, WA_ACCEPT));
    struct wo_view working = { "in_progress", true, true, false, false, false };
    ck_assert(wo_action_allowed(&working, WA_HOLD));
    ck_assert(wo_action_allowed(&working, WA_COMPLETE));
    ck_assert(!wo_action_allowed(&working, WA_REASSIGN));
    ck_assert(!wo_action_allowed(&working, WA_CANCEL));
    struct wo_view boss = { "in_progress", true, false, false, true, true };
    ck_assert(wo_action_allowed(&boss, WA_REASSIGN));
    ck_assert(wo_action_allowed(&boss, WA_CANCEL));
    ck_assert(!wo_action_allowed(&boss, WA_COMPLETE));
}
END_TEST

static const char *derive(const char *current, int d, int a, int p, int h, int c)
{
    struct wo_counts n = { d, a, p, h, c };
    return ticket_status_from_orders(current, &n);
}

START_TEST(test_ticket_follows_orders)
{
    ck_assert_str_eq(derive("submitted", 1, 0, 0, 0, 0), "dispatched");
    ck_assert_str_eq(derive("dispatched", 0, 1, 0, 0, 0), "dispatched");
    ck_assert_str_eq(derive("dispatched", 0, 0, 1, 0, 0), "in_progress");
    ck_assert_str_eq(derive("in_progress", 0, 0, 0, 1, 0), "on_hold");
    ck_assert_str_eq(derive("in_progress", 0, 0, 1, 1, 0), "in_progress");  /* one dept still working */
    ck_assert_str_eq(derive("in_progress", 0, 0, 1, 0, 1), "in_progress");  /* not all done */
    ck_assert_str_eq(derive("in_progress", 0, 0, 0, 0, 2), "resolved");
    ck_assert_str_eq(derive("on_hold", 1, 0, 0, 0, 1), "dispatched");
    ck_assert_str_eq(derive("dispatched", 0, 0, 0, 0, 0), "submitted");      /* all declined */
    ck_assert_str_eq(derive("reopened", 0, 0, 0, 0, 0), "reopened");
    ck_assert_str_eq(derive("closed", 0, 0, 1, 0, 0), "closed");
    ck_assert_str_eq(derive("cancelled", 1, 0, 0, 0, 0), "cancelled");
    ck_assert_str_eq(category_department("leak"), "engineering");
    ck_assert_str_eq(category_department("greening"), "greening");
    ck_assert_str_eq(category_department("other"), "customer_service");
}
END_TEST

/* Each derived change names its event; the names follow <resource>.<past participle>. */
START_TEST(test_ticket_status_events)
{
    ck_assert_str_eq(ticket_status_event("submitted", "dispatched"), "ticket.dispatched");
    ck_assert_str_eq(ticket_status_event("reopened", "dispatched"), "ticket.dispatched");
    ck_assert_str_eq(ticket_status_event("on_hold", "dispatched"), "ticket.dispatched");
    ck_assert_str_eq(ticket_status_event("dispatched", "in_progress"), "ticket.started");
    ck_assert_str_eq(ticket_status_event("on_hold", "in_progress"), "ticket.resumed");
    ck_assert_str_eq(ticket_status_event("in_progress", "on_hold"), "ticket.held");
    ck_assert_str_eq(ticket_status_event("in_progress", "resolved"), "ticket.resolved");
    ck_assert_str_eq(ticket_status_event("dispatched", "submitted"), "ticket.returned");
    ck_assert_str_eq(ticket_status_event("dispatched", "reopened"), "ticket.returned");
    static const char *const participles[WA_COUNT] = {
        [WA_ACCEPT] = "accepted", [WA_DECLINE] = "declined", [WA_START] = "started", [WA_HOLD] = "held",
        [WA_RESUME] = "resumed", [WA_COMPLETE] = "completed", [WA_REASSIGN] = "reassigned",
        [WA_CANCEL] = "cancelled",
    };
    for (int a = 0; a < WA_COUNT; a++) {
        char want[64];
        snprintf(want, sizeof want, "work_order.%s", participles[a]);
        ck_assert_str_eq(wo_action_events[a], want);
    }
}
END_TEST

Suite *ticket_rules_suite(void)
{
    Suite *s = suite_create("ticket_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_ticket_transition_table);
    tcase_add_test(tc, test_ticket_roles);
    tcase_add_test(tc, test_ticket_allowed_list);
    tcase_add_test(tc, test_work_order_table);
    tcase_add_test(tc, test_work_order_roles);
    tcase_add_test(tc, test_ticket_follows_orders);
    tcase_add_test(tc, test_ticket_status_events);
    suite_add_tcase(s, tc);
    return s;
}
