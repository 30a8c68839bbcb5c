/* Unit tests for the attachment type checks in src/attachments.c: the Content-Type parse and
 * the magic bytes of each accepted type, including near misses and short bodies. */
#include <check.h>
#include <string.h>
#include "../../src/attachments.h"
#include "suites.h"

START_TEST(test_type_parse)
{
    ck_assert_str_eq(attachment_type_parse("image/jpeg"), "image/jpeg");
    ck_assert_str_eq(attachment_type_parse("IMAGE/PNG"), "image/png");
    ck_assert_str_eq(attachment_type_parse(" image/webp ; q=1"), "image/webp");
    ck_assert_str_eq(attachment_type_parse("application/pdf;charset=binary"), "application/pdf");
    static const char *const bad[] = { "image/gif", "text/plain", "image/pngx", "image/jpe", "",
                                       "application/octet-stream", "image/svg+xml", "; image/png", NULL };
    for (int i = 0; bad[i] != NULL; i++)
        ck_assert_msg(attachment_type_parse(bad[i]) == NULL, "%s accepted", bad[i]);
    ck_assert_ptr_null(attachment_type_parse(NULL));
}
END_TEST

START_TEST(test_sniff)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *type;
    } cases[] = {
        { "\xFF\xD8\xFF\xE0", 4, "image/jpeg" },
        { "\xFF\xD8\xFF", 3, "image/jpeg" },
        { "\xFF\xD8", 2, NULL },
        { "\xFF\xD8\xFE\xE0", 4, NULL },
        { "\x89PNG\r\n\x1A\n\0\0", 10, "image/png" },
        { "\x89PNG\r\n\x1A", 7, NULL },
        { "\x89PNG\n\r\x1A\n", 8, NULL },
        { "RIFF\x10\0\0\0WEBPVP8 ", 16, "image/webp" },
        { "RIFF\x10\0\0\0WEBP", 12, "image/webp" },
        { "RIFF\x10\0\0\0WAVE", 12, NULL },
        { "RIFF\x10\0\0\0WEB", 11, NULL },
        { "%PDF-1.7\n", 9, "application/pdf" },
        { "%PDF", 4, NULL },
        { "GIF89a", 6, NULL },
        { "", 0, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = attachment_sniff(cases[i].bytes, cases[i].len);
        if (cases[i].type == NULL)
            ck_assert_msg(got == NULL, "case %zu: sniffed %s", i, got);
        else
            ck_assert_msg(got != NULL && strcmp(got, cases[i].type) == 0, "case %zu: %s, want %s", i,
                          got ? got : "(none)", cases[i].type);
    }
}
END_TEST

Suite *attachments_suite(void)
{
    Suite *s = suite_create("attachments");
    TCase *tc = tcase_create("types");
    tcase_add_test(tc, test_type_parse);
    tcase_add_test(tc, test_sniff);
    suite_add_tcase(s, tc);
    return s;
}
