/* The announcement machine: every action from every state, for each kind of caller and
 * whether it serves every community the notice targets. */
#include <check.h>
#include <stdlib.h>
#include "../../src/announcement_rules.h"
#include "machine_table.h"
#include "suites.h"

/* columns: update schedule publish withdraw archive amend ack */
START_TEST(test_announcement_machine)
{
    const unsigned C = MF_COVERS, K = MF_ACK_REQUIRED;
    const struct machine_row t[] = {
        /* the desk drafts and edits what it covers; managers and admins publish */
        { "draft", ROLE_AGENT, C, { "=", "x", "x", "x", "x", "x", "x" } },
        { "draft", ROLE_SUPERVISOR, 0, { "x", "x", "x", "x", "x", "x", "x" } },
        { "draft", ROLE_MANAGER, C, { "=", "scheduled", "published", "-", "-", "-", "x" } },
        { "draft", ROLE_MANAGER, 0, { "x", "x", "x", "x", "x", "x", "x" } },
        /* a scheduled one: managers edit, publish at once or withdraw it; the desk no longer edits */
        { "scheduled", ROLE_AGENT, C, { "-", "x", "x", "x", "x", "x", "x" } },
        { "scheduled", ROLE_ADMIN, C, { "=", "-", "published", "withdrawn", "-", "-", "x" } },
        /* out: withdrawn, archived, or amended (archived behind its correction) */
        { "published", ROLE_MANAGER, C, { "-", "-", "-", "withdrawn", "archived", "archived", "x" } },
        { "expired", ROLE_ADMIN, C, { "-", "-", "-", "-", "archived", "-", "x" } },
        { "withdrawn", ROLE_ADMIN, C, { "-", "-", "-", "-", "archived", "-", "x" } },
        { "archived", ROLE_ADMIN, C, { "-", "-", "-", "-", "-", "-", "x" } },
        /* owners acknowledge what asks for it, and only once it is out */
        { "published", ROLE_OWNER, K, { "x", "x", "x", "x", "x", "x", "=" } },
        { "published", ROLE_OWNER, 0, { "x", "x", "x", "x", "x", "x", "-" } },
        { "expired", ROLE_OWNER, K, { "x", "x", "x", "x", "x", "x", "-" } },
        /* quality, technicians and clients only read */
        { "published", ROLE_QUALITY, C | K, { "x", "x", "x", "x", "x", "x", "x" } },
        { "draft", ROLE_TECHNICIAN, C, { "x", "x", "x", "x", "x", "x", "x" } },
        { "published", ROLE_INTEGRATION, C, { "x", "x", "x", "x", "x", "x", "x" } },
    };
    machine_table_check(&announcement_machine, t, sizeof t / sizeof t[0]);
}
END_TEST

Suite *announcement_rules_suite(void)
{
    Suite *s = suite_create("announcement_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_announcement_machine);
    suite_add_tcase(s, tc);
    return s;
}
