/* The survey campaign machine: every action from every state, for each kind of caller, whether
 * it serves every community the campaign targets and, for owners, whether a home of theirs has
 * yet to answer. */
#include <check.h>
#include <stdlib.h>
#include "../../src/survey_rules.h"
#include "machine_table.h"
#include "suites.h"

/* columns: update schedule open close respond enter draw_audit audit */
START_TEST(test_survey_machine)
{
    const unsigned C = MF_COVERS, M = MF_MINE;
    const struct machine_row t[] = {
        /* designers (managers, admins, quality) covering it run it */
        { "draft", ROLE_QUALITY, C, { "=", "scheduled", "open", "-", "x", "x", "-", "-" } },
        { "draft", ROLE_MANAGER, C, { "=", "scheduled", "open", "-", "x", "-", "x", "x" } },
        { "draft", ROLE_QUALITY, 0, { "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "scheduled", ROLE_ADMIN, C, { "-", "-", "open", "-", "x", "-", "-", "-" } },
        { "open", ROLE_MANAGER, C, { "-", "-", "-", "closed", "x", "=", "x", "x" } },
        /* the desk enters paper answers while it is open; agents and supervisors run nothing */
        { "open", ROLE_AGENT, C, { "x", "x", "x", "x", "x", "=", "x", "x" } },
        { "open", ROLE_SUPERVISOR, 0, { "x", "x", "x", "x", "x", "=", "x", "x" } },
        { "draft", ROLE_AGENT, C, { "x", "x", "x", "x", "x", "-", "x", "x" } },
        /* owners answer an open one for a home that has not */
        { "open", ROLE_OWNER, M, { "x", "x", "x", "x", "=", "x", "x", "x" } },
        { "open", ROLE_OWNER, 0, { "x", "x", "x", "x", "-", "x", "x", "x" } },
        { "closed", ROLE_OWNER, M, { "x", "x", "x", "x", "-", "x", "x", "x" } },
        /* once closed, quality (and admins) audit it */
        { "closed", ROLE_QUALITY, C, { "-", "-", "-", "-", "x", "x", "=", "=" } },
        { "closed", ROLE_ADMIN, C, { "-", "-", "-", "-", "x", "-", "=", "=" } },
        { "closed", ROLE_MANAGER, C, { "-", "-", "-", "-", "x", "-", "x", "x" } },
        { "open", ROLE_QUALITY, C, { "-", "-", "-", "closed", "x", "x", "-", "-" } },
        /* technicians and clients only read */
        { "open", ROLE_TECHNICIAN, C, { "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "closed", ROLE_INTEGRATION, C, { "x", "x", "x", "x", "x", "x", "x", "x" } },
    };
    machine_table_check(&survey_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

Suite *survey_rules_suite(void)
{
    Suite *s = suite_create("survey_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_survey_machine);
    suite_add_tcase(s, tc);
    return s;
}
