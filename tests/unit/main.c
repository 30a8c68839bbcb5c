/* Unit test runner: every suite of tests/unit in one SRunner. Exit status is non-zero when
 * any check fails. libsodium is initialised once here, before Check forks the tests. */
#include <stdio.h>
#include <stdlib.h>
#include "../../src/crypto.h"
#include "suites.h"

int main(void)
{
    if (crypto_init() != 0) {
        fprintf(stderr, "main - crypto_init failed\n");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(validate_suite());
    srunner_add_suite(sr, cursor_suite());
    srunner_add_suite(sr, jwt_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, rules_suite());
    srunner_add_suite(sr, crypto_suite());
    srunner_add_suite(sr, tz_suite());
    srunner_add_suite(sr, sla_suite());
    srunner_add_suite(sr, attachments_suite());
    srunner_add_suite(sr, ticket_rules_suite());
    srunner_add_suite(sr, listspec_suite());
    srunner_add_suite(sr, enums_suite());
    srunner_add_suite(sr, jobq_suite());
    srunner_add_suite(sr, complaint_rules_suite());
    srunner_add_suite(sr, callback_rules_suite());
    srunner_add_suite(sr, announcement_rules_suite());
    srunner_add_suite(sr, survey_rules_suite());
    srunner_add_suite(sr, netguard_suite());
    srunner_add_suite(sr, whsign_suite());
    srunner_add_suite(sr, gzip_suite());
    srunner_add_suite(sr, zh_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
