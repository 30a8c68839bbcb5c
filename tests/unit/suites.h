/* Unit test suites: one constructor per file, collected by main.c. */
#ifndef PD_TEST_SUITES_H
#define PD_TEST_SUITES_H

#include <check.h>

Suite *validate_suite(void);
Suite *cursor_suite(void);
Suite *jwt_suite(void);
Suite *config_suite(void);
Suite *rules_suite(void);
Suite *crypto_suite(void);
Suite *tz_suite(void);
Suite *sla_suite(void);
Suite *attachments_suite(void);
Suite *ticket_rules_suite(void);
Suite *listspec_suite(void);
Suite *enums_suite(void);
Suite *jobq_suite(void);
Suite *complaint_rules_suite(void);
Suite *callback_rules_suite(void);
Suite *announcement_rules_suite(void);
Suite *survey_rules_suite(void);
Suite *netguard_suite(void);
Suite *whsign_suite(void);
Suite *gzip_suite(void);
Suite *zh_suite(void);

#endif
