/* The callback machine: every action from every state, for each kind of caller and what it
 * is to the callback (its assignee, the owner asked in the app). */
#include <check.h>
#include <stdlib.h>
#include "../../src/callback_rules.h"
#include "machine_table.h"
#include "suites.h"

/* columns: take reassign attempt request complete respond approve return cancel */
START_TEST(test_callback_machine)
{
    const unsigned A = MF_ASSIGNED | MF_ASSIGNEE, H = MF_HAS_RESIDENT, Q = MF_REQUESTED, M = MF_MINE;
    const struct machine_row t[] = {
        /* the queue: the desk takes it; nobody but its assignee works it */
        { "open", ROLE_AGENT, 0, { "=", "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "open", ROLE_AGENT, MF_ASSIGNED, { "-", "x", "x", "x", "x", "x", "x", "x", "x" } },
        /* the assignee attempts, asks the owner in the app (once, when there is one), completes */
        { "open", ROLE_AGENT, A | H, { "-", "x", "=", "=", "completed", "x", "x", "x", "x" } },
        { "open", ROLE_AGENT, A | H | Q, { "-", "x", "=", "-", "completed", "x", "x", "x", "x" } },
        { "open", ROLE_AGENT, A, { "-", "x", "=", "-", "completed", "x", "x", "x", "x" } },
        { "scheduled", ROLE_AGENT, A | H, { "-", "x", "-", "-", "-", "x", "x", "x", "x" } },
        { "open", ROLE_TECHNICIAN, A, { "x", "x", "=", "-", "completed", "x", "x", "x", "x" } },
        /* supervisors: reassign and cancel what is pending, review what is completed */
        { "open", ROLE_SUPERVISOR, 0, { "=", "=", "x", "x", "x", "x", "-", "-", "cancelled" } },
        { "scheduled", ROLE_MANAGER, MF_ASSIGNED, { "-", "=", "x", "x", "x", "x", "-", "-", "cancelled" } },
        { "completed", ROLE_SUPERVISOR, MF_ASSIGNED, { "-", "-", "x", "x", "x", "x", "reviewed", "open", "-" } },
        /* nobody reviews their own callback */
        { "completed", ROLE_SUPERVISOR, A, { "-", "-", "-", "-", "-", "x", "x", "x", "-" } },
        { "failed", ROLE_ADMIN, 0, { "-", "-", "x", "x", "x", "x", "-", "-", "-" } },
        { "reviewed", ROLE_SUPERVISOR, A, { "-", "-", "-", "-", "-", "x", "x", "x", "-" } },
        /* the owner answers once asked; quality and clients only read */
        { "open", ROLE_OWNER, M | Q, { "x", "x", "x", "x", "x", "completed", "x", "x", "x" } },
        { "open", ROLE_OWNER, M, { "x", "x", "x", "x", "x", "-", "x", "x", "x" } },
        { "open", ROLE_OWNER, Q, { "x", "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "completed", ROLE_OWNER, M | Q, { "x", "x", "x", "x", "x", "-", "x", "x", "x" } },
        { "open", ROLE_QUALITY, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "open", ROLE_INTEGRATION, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x" } },
    };
    machine_table_check(&callback_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

Suite *callback_rules_suite(void)
{
    Suite *s = suite_create("callback_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_callback_machine);
    suite_add_tcase(s, tc);
    return s;
}
