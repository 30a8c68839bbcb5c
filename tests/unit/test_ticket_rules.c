/* The ticket and work-order state machines: every action from every state, for each kind of
 * caller, and how a ticket's state follows its work orders. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/machine.h"
#include "../../src/ticket_rules.h"
#include "machine_table.h"
#include "suites.h"

#define DESK_ROLES_N 4
static const enum pd_role desk[DESK_ROLES_N] = { ROLE_AGENT, ROLE_SUPERVISOR, ROLE_MANAGER, ROLE_ADMIN };

START_TEST(test_ticket_machine_desk)
{
    /* columns: update dispatch reply cancel confirm reopen close comment */
    const struct machine_row repair[] = {
        { "submitted", 0, 0, { "=", "dispatched", "-", "cancelled", "x", "x", "-", "=" } },
        { "reopened", 0, 0, { "=", "dispatched", "-", "cancelled", "x", "x", "-", "=" } },
        { "dispatched", 0, MF_WORK_STARTED, { "=", "=", "-", "cancelled", "x", "x", "-", "=" } },
        { "in_progress", 0, MF_WORK_STARTED, { "=", "=", "-", "cancelled", "x", "x", "-", "=" } },
        { "on_hold", 0, MF_WORK_STARTED, { "=", "=", "-", "cancelled", "x", "x", "-", "=" } },
        { "resolved", 0, MF_REOPENABLE, { "-", "-", "-", "-", "x", "x", "closed", "=" } },
        { "closed", 0, 0, { "-", "-", "-", "-", "x", "x", "-", "-" } },
        { "cancelled", 0, 0, { "-", "-", "-", "-", "x", "x", "-", "-" } },
    };
    const struct machine_row inquiry[] = {
        { "submitted", 0, MF_INQUIRY, { "=", "-", "resolved", "cancelled", "x", "x", "-", "=" } },
        { "reopened", 0, MF_INQUIRY, { "=", "-", "resolved", "cancelled", "x", "x", "-", "=" } },
        { "dispatched", 0, MF_INQUIRY, { "=", "-", "resolved", "cancelled", "x", "x", "-", "=" } },
        { "in_progress", 0, MF_INQUIRY, { "=", "-", "-", "cancelled", "x", "x", "-", "=" } },
        { "resolved", 0, MF_INQUIRY, { "-", "-", "-", "-", "x", "x", "closed", "=" } },
    };
    for (int r = 0; r < DESK_ROLES_N; r++) {
        struct machine_row t[8], q[5];
        memcpy(t, repair, sizeof t);
        memcpy(q, inquiry, sizeof q);
        for (int i = 0; i < 8; i++)
            t[i].role = desk[r];
        for (int i = 0; i < 5; i++)
            q[i].role = desk[r];
        machine_table_check(&ticket_machine, t, 8);
        machine_table_check(&ticket_machine, q, 5);
    }
}
END_TEST

START_TEST(test_ticket_machine_others)
{
    const unsigned M = MF_MINE;
    const struct machine_row t[] = {
        /* owners: edit before dispatch, cancel until work starts, confirm and reopen (in the
         * window) their own; never dispatch, reply or close */
        { "submitted", ROLE_OWNER, M, { "=", "x", "x", "cancelled", "-", "-", "x", "=" } },
        { "reopened", ROLE_OWNER, M, { "-", "x", "x", "cancelled", "-", "-", "x", "=" } },
        { "dispatched", ROLE_OWNER, M, { "-", "x", "x", "cancelled", "-", "-", "x", "=" } },
        { "dispatched", ROLE_OWNER, M | MF_WORK_STARTED, { "-", "x", "x", "-", "-", "-", "x", "=" } },
        { "in_progress", ROLE_OWNER, M | MF_WORK_STARTED, { "-", "x", "x", "-", "-", "-", "x", "=" } },
        { "resolved", ROLE_OWNER, M | MF_WORK_STARTED | MF_REOPENABLE, { "-", "x", "x", "-", "closed", "reopened", "x", "=" } },
        { "resolved", ROLE_OWNER, M | MF_WORK_STARTED, { "-", "x", "x", "-", "closed", "-", "x", "=" } },
        { "closed", ROLE_OWNER, M, { "-", "x", "x", "-", "-", "-", "x", "-" } },
        /* an owner to whom the ticket is not theirs: nothing */
        { "submitted", ROLE_OWNER, 0, { "-", "x", "x", "-", "-", "-", "x", "-" } },
        { "resolved", ROLE_OWNER, MF_REOPENABLE, { "-", "x", "x", "-", "-", "-", "x", "-" } },
        /* technicians and quality comment, nothing else; integration clients nothing */
        { "in_progress", ROLE_TECHNICIAN, 0, { "x", "x", "x", "x", "x", "x", "x", "=" } },
        { "resolved", ROLE_QUALITY, 0, { "x", "x", "x", "x", "x", "x", "x", "=" } },
        { "closed", ROLE_TECHNICIAN, 0, { "x", "x", "x", "x", "x", "x", "x", "-" } },
        { "submitted", ROLE_INTEGRATION, 0, { "x", "x", "x", "x", "x", "x", "x", "x" } },
    };
    machine_table_check(&ticket_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_ticket_allowed_list)
{
    struct machine_ctx c = { ROLE_OWNER, MF_MINE | MF_WORK_STARTED | MF_REOPENABLE };
    json_t *j = machine_allowed(&ticket_machine, "resolved", &c);
    char *s = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(s, "[\"confirm\",\"reopen\",\"comment\"]");
    free(s);
    json_decref(j);
}
END_TEST

START_TEST(test_work_order_machine)
{
    const unsigned A = MF_ASSIGNED | MF_ASSIGNEE, Q = MF_QUEUED;
    /* columns: accept decline start hold resume complete reassign cancel */
    const struct machine_row t[] = {
        /* the assignee (technician or supervisor) works it */
        { "dispatched", ROLE_TECHNICIAN, A, { "accepted", "declined", "-", "-", "-", "-", "x", "x" } },
        { "dispatched", ROLE_TECHNICIAN, A | Q, { "accepted", "=", "-", "-", "-", "-", "x", "x" } },
        { "accepted", ROLE_TECHNICIAN, A, { "-", "declined", "in_progress", "-", "-", "-", "x", "x" } },
        { "accepted", ROLE_TECHNICIAN, A | Q, { "-", "dispatched", "in_progress", "-", "-", "-", "x", "x" } },
        { "in_progress", ROLE_TECHNICIAN, A, { "-", "-", "-", "on_hold", "-", "completed", "x", "x" } },
        { "on_hold", ROLE_TECHNICIAN, A, { "-", "-", "-", "-", "in_progress", "-", "x", "x" } },
        { "completed", ROLE_TECHNICIAN, A, { "-", "-", "-", "-", "-", "-", "x", "x" } },
        { "declined", ROLE_TECHNICIAN, A, { "-", "-", "-", "-", "-", "-", "x", "x" } },
        { "cancelled", ROLE_TECHNICIAN, A, { "-", "-", "-", "-", "-", "-", "x", "x" } },
        /* the queue: a technician of the department grabs; nothing to decline yet */
        { "dispatched", ROLE_TECHNICIAN, Q | MF_CAN_GRAB, { "accepted", "x", "-", "-", "-", "-", "x", "x" } },
        { "dispatched", ROLE_TECHNICIAN, Q, { "x", "x", "-", "-", "-", "-", "x", "x" } },
        /* someone else's order: 403 where the state would allow it */
        { "dispatched", ROLE_TECHNICIAN, MF_ASSIGNED | MF_CAN_GRAB, { "x", "x", "-", "-", "-", "-", "x", "x" } },
        { "in_progress", ROLE_TECHNICIAN, MF_ASSIGNED, { "-", "-", "-", "x", "-", "x", "x", "x" } },
        /* the desk cancels; supervisors and up also reassign */
        { "in_progress", ROLE_AGENT, MF_ASSIGNED, { "-", "-", "-", "x", "-", "x", "x", "cancelled" } },
        { "in_progress", ROLE_SUPERVISOR, MF_ASSIGNED, { "-", "-", "-", "x", "-", "x", "dispatched", "cancelled" } },
        { "on_hold", ROLE_MANAGER, MF_ASSIGNED, { "-", "-", "-", "-", "x", "-", "dispatched", "cancelled" } },
        { "completed", ROLE_ADMIN, MF_ASSIGNED, { "-", "-", "-", "-", "-", "-", "-", "-" } },
        { "accepted", ROLE_QUALITY, MF_ASSIGNED, { "-", "x", "x", "-", "-", "-", "x", "x" } },
        /* never owners or clients */
        { "dispatched", ROLE_OWNER, 0, { "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "dispatched", ROLE_INTEGRATION, 0, { "x", "x", "x", "x", "x", "x", "x", "x" } },
    };
    machine_table_check(&work_order_machine, t, sizeof t / sizeof t[0]);
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
    tcase_add_test(tc, test_ticket_machine_desk);
    tcase_add_test(tc, test_ticket_machine_others);
    tcase_add_test(tc, test_ticket_allowed_list);
    tcase_add_test(tc, test_work_order_machine);
    tcase_add_test(tc, test_ticket_follows_orders);
    tcase_add_test(tc, test_ticket_status_events);
    suite_add_tcase(s, tc);
    return s;
}
