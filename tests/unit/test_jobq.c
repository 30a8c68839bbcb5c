/* Unit tests for the job table's backoff (src/jobq.c, jobq_backoff_ms): exponential from the
 * base, halved-plus-jitter, capped, never shrinking before the cap, sane on bad input. */
#include <check.h>
#include <stdint.h>
#include "../../src/jobq.h"
#include "suites.h"

START_TEST(test_exponential_without_jitter)
{
    /* jitter 0: the lower half-bound d/2; jitter 1: d itself */
    static const int64_t d[] = { 1000, 2000, 4000, 8000, 16000, 32000 };
    for (int n = 1; n <= 6; n++) {
        ck_assert_int_eq(jobq_backoff_ms(n, 1000, 3600000, 0.0), d[n - 1] / 2);
        ck_assert_int_eq(jobq_backoff_ms(n, 1000, 3600000, 1.0), d[n - 1]);
        ck_assert_int_eq(jobq_backoff_ms(n, 1000, 3600000, 0.5), d[n - 1] / 2 + d[n - 1] / 4);
    }
}
END_TEST

START_TEST(test_capped)
{
    /* 10 s doubling reaches the 60 s cap at attempt 4 (80 s > 60 s) and stays there */
    ck_assert_int_eq(jobq_backoff_ms(3, 10000, 60000, 1.0), 40000);
    for (int n = 4; n <= 100; n++) {
        ck_assert_int_eq(jobq_backoff_ms(n, 10000, 60000, 1.0), 60000);
        ck_assert_int_eq(jobq_backoff_ms(n, 10000, 60000, 0.0), 30000);
    }
    /* no overflow however many attempts, with a huge cap */
    ck_assert_int_eq(jobq_backoff_ms(1000, 1000, INT64_C(1) << 62, 1.0), INT64_C(1) << 62);
    ck_assert_int_gt(jobq_backoff_ms(70, 1, INT64_MAX, 0.0), 0);
}
END_TEST

START_TEST(test_never_shrinks_before_the_cap)
{
    /* whatever the jitter drew, a later delay is at least the earlier one until the cap */
    for (int n = 1; n < 12; n++)
        ck_assert_int_ge(jobq_backoff_ms(n + 1, 500, 3600000, 0.0), jobq_backoff_ms(n, 500, 3600000, 1.0));
    /* and stays within [d/2, d] for every jitter */
    for (double j = 0; j <= 1.0; j += 0.125) {
        int64_t v = jobq_backoff_ms(5, 1000, 3600000, j);
        ck_assert_int_ge(v, 8000);
        ck_assert_int_le(v, 16000);
    }
}
END_TEST

START_TEST(test_bad_input)
{
    ck_assert_int_eq(jobq_backoff_ms(0, 1000, 60000, 1.0), 1000);     /* attempt < 1 = 1 */
    ck_assert_int_eq(jobq_backoff_ms(-5, 1000, 60000, 1.0), 1000);
    ck_assert_int_eq(jobq_backoff_ms(1, 1000, 60000, 7.0), 1000);     /* jitter clamped */
    ck_assert_int_eq(jobq_backoff_ms(1, 1000, 60000, -1.0), 500);
    ck_assert_int_eq(jobq_backoff_ms(1, 1000, 60000, 0.0 / 0.0), 500); /* NaN = 0 */
    ck_assert_int_eq(jobq_backoff_ms(3, 1000, 10, 1.0), 1000);         /* cap below base = base */
    ck_assert_int_eq(jobq_backoff_ms(1, 0, 0, 1.0), 1);                /* base at least 1 ms */
}
END_TEST

Suite *jobq_suite(void)
{
    Suite *s = suite_create("jobq");
    TCase *tc = tcase_create("backoff");
    tcase_add_test(tc, test_exponential_without_jitter);
    tcase_add_test(tc, test_capped);
    tcase_add_test(tc, test_never_shrinks_before_the_cap);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
