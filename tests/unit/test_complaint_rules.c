/* The complaint machine: every action from every state, for each kind of caller and what
 * it is to the complaint (首问负责, the forwarded department, the complainant). */
#include <check.h>
#include <stdlib.h>
#include "../../src/complaint_rules.h"
#include "machine_table.h"
#include "suites.h"

/* columns: accept reclassify reject forward acknowledge resolve reply close confirm dispute
 *          withdraw merge extend approve_extension reject_extension comment dispatch */
#define OWNER_ONLY "x", "x", "x", "x", "x", "x", "x", "x"

START_TEST(test_complaint_desk)
{
    const unsigned R = MF_RECEIVER, C = MF_COMMUNICATIVE;
    const struct machine_row t[] = {
        /* the receiver runs it to its end; signing, resolving and extensions are the departments' */
        { "received", ROLE_AGENT, R, { "accepted", "-", "rejected", "-", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "accepted", ROLE_AGENT, R, { "-", "=", "rejected", "forwarded", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "accepted", ROLE_AGENT, R | C, { "-", "=", "rejected", "forwarded", "x", "x", "replied", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "forwarded", ROLE_AGENT, R, { "-", "=", "-", "-", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "acknowledged", ROLE_AGENT, R, { "-", "=", "-", "-", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "resolved", ROLE_AGENT, R, { "-", "=", "-", "-", "x", "x", "replied", "-", "x", "x", "x", "-", "x", "x", "x", "=", "x" } },
        { "replied", ROLE_AGENT, R, { "-", "-", "-", "-", "x", "x", "-", "closed", "x", "x", "x", "-", "x", "x", "x", "=", "x" } },
        { "closed", ROLE_AGENT, R, { "-", "-", "-", "-", "x", "x", "-", "-", "x", "x", "x", "-", "x", "x", "x", "-", "x" } },
        { "rejected", ROLE_AGENT, R, { "-", "-", "-", "-", "x", "x", "-", "-", "x", "x", "x", "-", "x", "x", "x", "-", "x" } },
        { "merged", ROLE_AGENT, R, { "-", "-", "-", "-", "x", "x", "-", "-", "x", "x", "x", "-", "x", "x", "x", "-", "x" } },
        /* nobody received it yet (an app complaint): any desk member may take it */
        { "received", ROLE_AGENT, MF_UNRECEIVED, { "accepted", "x", "rejected", "x", "x", "x", "x", "x", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "received", ROLE_ADMIN, MF_UNRECEIVED, { "accepted", "x", "rejected", "x", "-", "-", "x", "x", "x", "x", "x", "merged", "-", "-", "-", "=", "-" } },
        /* another agent's (or an admin's) complaint: 403, whatever its state */
        { "received", ROLE_AGENT, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        { "accepted", ROLE_AGENT, C, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        { "resolved", ROLE_ADMIN, 0, { "x", "x", "x", "x", "-", "-", "x", "x", "x", "x", "x", "x", "-", "-", "-", "=", "-" } },
        { "replied", ROLE_AGENT, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        /* the staff member a complaint is about never receives or runs it, whatever their role */
        { "received", ROLE_AGENT, MF_UNRECEIVED | MF_SUBJECT, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        { "forwarded", ROLE_SUPERVISOR, MF_DEPT | MF_DEPT_PENDING | MF_SUBJECT, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        /* supervisors and managers stand in for the receiver */
        { "accepted", ROLE_SUPERVISOR, 0, { "-", "=", "rejected", "forwarded", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "resolved", ROLE_MANAGER, 0, { "-", "=", "-", "-", "-", "-", "replied", "-", "x", "x", "x", "-", "-", "-", "-", "=", "-" } },
        { "replied", ROLE_SUPERVISOR, 0, { "-", "-", "-", "-", "x", "x", "-", "closed", "x", "x", "x", "-", "x", "x", "x", "=", "x" } },
    };
    machine_table_check(&complaint_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_complaint_departments)
{
    const unsigned D = MF_DEPT, P = MF_DEPT_PENDING, X = MF_EXTENSION_PENDING, M = MF_EXTENSION_MINE;
    const struct machine_row t[] = {
        /* the head of a forwarded department signs, resolves, asks for more time */
        { "forwarded", ROLE_SUPERVISOR, D | P, { "-", "=", "-", "-", "acknowledged", "-", "-", "-", "x", "x", "x", "merged", "=", "x", "x", "=", "-" } },
        { "forwarded", ROLE_SUPERVISOR, D, { "-", "=", "-", "-", "-", "-", "-", "-", "x", "x", "x", "merged", "=", "x", "x", "=", "-" } },
        { "acknowledged", ROLE_SUPERVISOR, D, { "-", "=", "-", "-", "-", "resolved", "-", "-", "x", "x", "x", "merged", "=", "x", "x", "=", "=" } },
        /* … but not decide an extension, nor ask for a second at once */
        { "acknowledged", ROLE_SUPERVISOR, D | X | M, { "-", "=", "-", "-", "-", "resolved", "-", "-", "x", "x", "x", "merged", "-", "x", "x", "=", "=" } },
        /* a manager or admin decides it (第十七条), never a supervisor */
        { "acknowledged", ROLE_SUPERVISOR, X, { "-", "=", "-", "-", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        { "acknowledged", ROLE_MANAGER, X | M, { "-", "=", "-", "-", "-", "resolved", "-", "-", "x", "x", "x", "merged", "-", "x", "x", "=", "=" } },
        { "acknowledged", ROLE_MANAGER, X, { "-", "=", "-", "-", "-", "resolved", "-", "-", "x", "x", "x", "merged", "-", "=", "=", "=", "=" } },
        { "forwarded", ROLE_ADMIN, X, { "x", "x", "x", "x", "acknowledged", "-", "x", "x", "x", "x", "x", "x", "-", "=", "=", "=", "-" } },
        /* a head of no forwarded department: 403 */
        { "forwarded", ROLE_SUPERVISOR, 0, { "-", "=", "-", "-", "x", "x", "-", "-", "x", "x", "x", "merged", "x", "x", "x", "=", "x" } },
        /* technicians of the department resolve; nothing else */
        { "acknowledged", ROLE_TECHNICIAN, D, { "x", "x", "x", "x", "x", "resolved", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        { "forwarded", ROLE_TECHNICIAN, D | P, { "x", "x", "x", "x", "x", "-", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        { "acknowledged", ROLE_TECHNICIAN, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
    };
    machine_table_check(&complaint_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_complaint_complainant_and_readers)
{
    const unsigned M = MF_MINE;
    const struct machine_row t[] = {
        /* the complainant withdraws before resolution, accepts or disputes (in the window) the reply */
        { "received", ROLE_OWNER, M, { "x", "x", "x", "x", "x", "x", "x", "x", "-", "-", "withdrawn", "x", "x", "x", "x", "=", "x" } },
        { "acknowledged", ROLE_OWNER, M, { "x", "x", "x", "x", "x", "x", "x", "x", "-", "-", "withdrawn", "x", "x", "x", "x", "=", "x" } },
        { "resolved", ROLE_OWNER, M, { "x", "x", "x", "x", "x", "x", "x", "x", "-", "-", "-", "x", "x", "x", "x", "=", "x" } },
        { "replied", ROLE_OWNER, M | MF_REOPENABLE, { "x", "x", "x", "x", "x", "x", "x", "x", "closed", "accepted", "-", "x", "x", "x", "x", "=", "x" } },
        { "replied", ROLE_OWNER, M, { "x", "x", "x", "x", "x", "x", "x", "x", "closed", "-", "-", "x", "x", "x", "x", "=", "x" } },
        /* someone else's complaint (never visible to an owner, but the machine says 403 too) */
        { "replied", ROLE_OWNER, MF_REOPENABLE, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x" } },
        { "received", ROLE_OWNER, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x" } },
        /* quality reads; integration clients file and read */
        { "accepted", ROLE_QUALITY, 0, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "=", "x" } },
        { "received", ROLE_INTEGRATION, MF_UNRECEIVED, { "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x" } },
    };
    machine_table_check(&complaint_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_complaint_allowed_list)
{
    struct machine_ctx c = { ROLE_AGENT, MF_RECEIVER | MF_COMMUNICATIVE };
    json_t *j = machine_allowed(&complaint_machine, "accepted", &c);
    char *s = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(s, "[\"reclassify\",\"reject\",\"forward\",\"reply\",\"merge\",\"comment\"]");
    free(s);
    json_decref(j);
}
END_TEST

Suite *complaint_rules_suite(void)
{
    Suite *s = suite_create("complaint_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_complaint_desk);
    tcase_add_test(tc, test_complaint_departments);
    tcase_add_test(tc, test_complaint_complainant_and_readers);
    tcase_add_test(tc, test_complaint_allowed_list);
    suite_add_tcase(s, tc);
    return s;
}
