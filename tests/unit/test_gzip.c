/* Unit tests for src/gzip.c: Accept-Encoding parsing, what is worth compressing, and a round
 * trip through zlib. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "../../src/gzip.h"
#include "suites.h"

START_TEST(test_accepted)
{
    ck_assert(gzip_accepted("gzip"));
    ck_assert(gzip_accepted("gzip, deflate, br"));
    ck_assert(gzip_accepted("br;q=1.0, GZIP;q=0.5"));
    ck_assert(gzip_accepted("deflate,gzip"));
    ck_assert(gzip_accepted("gzip;q=0.001"));
    ck_assert(!gzip_accepted(NULL));
    ck_assert(!gzip_accepted(""));
    ck_assert(!gzip_accepted("identity"));
    ck_assert(!gzip_accepted("gzip;q=0"));
    ck_assert(!gzip_accepted("gzip;q=0.000, br"));
    ck_assert(!gzip_accepted("x-gzip2"));
    ck_assert(!gzip_accepted("gzipped"));
}
END_TEST

START_TEST(test_worth)
{
    ck_assert(gzip_worth("application/json"));
    ck_assert(gzip_worth("application/problem+json"));
    ck_assert(gzip_worth("application/yaml"));
    ck_assert(gzip_worth("text/csv; charset=utf-8"));
    ck_assert(gzip_worth("text/javascript; charset=utf-8"));
    ck_assert(!gzip_worth("image/jpeg"));
    ck_assert(!gzip_worth("application/pdf"));
}
END_TEST

START_TEST(test_round_trip)
{
    char in[4096];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (char)("报事工单"[i % 12]);
    unsigned char *gz = NULL;
    size_t len = 0;
    ck_assert_int_eq(gzip_compress(in, sizeof in, 6, &gz, &len), PD_OK);
    ck_assert(len < sizeof in / 4);
    ck_assert(gz[0] == 0x1f && gz[1] == 0x8b);  /* a gzip member */
    char out[sizeof in];
    z_stream z = { 0 };
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = gz;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = sizeof out;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(z.total_out, sizeof in);
    ck_assert(memcmp(in, out, sizeof in) == 0);
    inflateEnd(&z);
    free(gz);
}
END_TEST

Suite *gzip_suite(void)
{
    Suite *s = suite_create("gzip");
    TCase *tc = tcase_create("gzip");
    tcase_add_test(tc, test_accepted);
    tcase_add_test(tc, test_worth);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
