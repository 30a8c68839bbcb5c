/* Unit tests for src/cursor.c: sealed list cursors round-trip, and anything a client could
 * forge, corrupt or carry over from another key is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/crypto.h"
#include "../../src/cursor.h"
#include "suites.h"

static const unsigned char KEY1[] = "unit-test cursor key one, 32+ bytes long";
static const unsigned char KEY2[] = "unit-test cursor key two, 32+ bytes long";
static const char *const ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
static const char *const US = "1795334400123456";

static void setup(void)
{
    cursor_init(KEY1, sizeof KEY1 - 1);
}

static bool decodes(const char *c)
{
    char us[24], id[37];
    return cursor_decode(c, us, id);
}

START_TEST(test_round_trip)
{
    char *c = cursor_encode(US, ID);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                      strlen(c));  /* safe in a query string as is */
    char us[24] = "", id[37] = "";
    ck_assert(cursor_decode(c, us, id));
    ck_assert_str_eq(us, US);
    ck_assert_str_eq(id, ID);
    free(c);

    c = cursor_encode("10", "00000000-0000-0000-0000-000000000000");
    ck_assert(cursor_decode(c, us, id));
    ck_assert_str_eq(us, "10");
    ck_assert_str_eq(id, "00000000-0000-0000-0000-000000000000");
    free(c);
}
END_TEST

/* A cursor for the epoch itself (or any single-digit µs value) must round-trip too. */
START_TEST(test_round_trip_single_digit)
{
    char *c = cursor_encode("0", ID);
    char us[24] = "", id[37] = "";
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(cursor_decode(c, us, id), "cursor for created_us \"0\" was refused");
    ck_assert_str_eq(us, "0");
    ck_assert_str_eq(id, ID);
    free(c);
}
END_TEST

START_TEST(test_same_input_same_cursor)
{
    char *a = cursor_encode(US, ID), *b = cursor_encode(US, ID), *d = cursor_encode("1795334400123457", ID);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, d);
    free(a);
    free(b);
    free(d);
}
END_TEST

START_TEST(test_every_flipped_char_rejected)
{
    char *c = cursor_encode(US, ID);
    size_t n = strlen(c);
    for (size_t i = 0; i < n; i++) {
        char saved = c[i];
        c[i] = saved == 'A' ? 'B' : 'A';
        ck_assert_msg(!decodes(c), "cursor with position %zu changed was accepted", i);
        c[i] = saved;
    }
    ck_assert(decodes(c));
    free(c);
}
END_TEST

START_TEST(test_truncated_rejected)
{
    char *c = cursor_encode(US, ID);
    size_t n = strlen(c);
    for (size_t cut = 1; cut < n; cut++) {
        c[n - cut] = '\0';
        ck_assert_msg(!decodes(c), "cursor cut by %zu characters was accepted", cut);
    }
    free(c);
}
END_TEST

START_TEST(test_garbage_rejected)
{
    char long_one[301];
    memset(long_one, 'A', 300);
    long_one[300] = '\0';
    ck_assert(!decodes(""));
    ck_assert(!decodes("hello"));
    ck_assert(!decodes("A"));
    ck_assert(!decodes(long_one));
    ck_assert(!decodes("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"));
    ck_assert(!decodes("1795334400123456.3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
}
END_TEST

START_TEST(test_non_base64url_rejected)
{
    char *c = cursor_encode(US, ID);
    size_t n = strlen(c);
    static const char bad[] = { '+', '/', '=', ' ', '.', '%', '\n' };
    for (size_t k = 0; k < sizeof bad; k++) {
        char *t = malloc(n + 2);
        memcpy(t, c, n + 1);
        t[n / 2] = bad[k];
        ck_assert_msg(!decodes(t), "cursor with '%c' inside accepted", bad[k]);
        memcpy(t, c, n);
        t[n] = bad[k];          /* appended */
        t[n + 1] = '\0';
        ck_assert_msg(!decodes(t), "cursor with '%c' appended accepted", bad[k]);
        free(t);
    }
    free(c);
}
END_TEST

START_TEST(test_other_key_rejected)
{
    char *c = cursor_encode(US, ID);
    cursor_init(KEY2, sizeof KEY2 - 1);
    ck_assert(!decodes(c));
    char *c2 = cursor_encode(US, ID);
    ck_assert_str_ne(c, c2);
    ck_assert(decodes(c2));
    cursor_init(KEY1, sizeof KEY1 - 1);
    ck_assert(decodes(c));      /* the refusal was the key, nothing else */
    ck_assert(!decodes(c2));
    free(c);
    free(c2);
}
END_TEST

START_TEST(test_forged_mac_rejected)
{
    unsigned char raw[96];
    int n = snprintf((char *)raw, sizeof raw, "%s.%s", US, ID);
    memset(raw + n, 0, 12);
    char *forged = b64url_encode(raw, (size_t)n + 12);
    ck_assert(!decodes(forged));
    free(forged);
}
END_TEST

/* The MAC is ours but the sealed text is not a position: still refused. */
START_TEST(test_sealed_nonsense_rejected)
{
    const char *cases[][2] = {
        { "abc", ID },
        { "-5", ID },
        { "99999999999999999999", ID },
        { US, "3f2504e0-4f89-11d3-9a0c-0305e82c330z" },
        { US, "3f2504e0-4f89-11d3-9a0c-0305e82c3301-and-more" },
        { "", ID },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *c = cursor_encode(cases[i][0], cases[i][1]);
        ck_assert_ptr_nonnull(c);
        ck_assert_msg(!decodes(c), "sealed (%s, %s) was accepted", cases[i][0], cases[i][1]);
        free(c);
    }
}
END_TEST

START_TEST(test_encode_too_long)
{
    char big[100];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_ptr_null(cursor_encode(big, ID));
}
END_TEST

Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("seal");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_round_trip_single_digit);
    tcase_add_test(tc, test_same_input_same_cursor);
    tcase_add_test(tc, test_every_flipped_char_rejected);
    tcase_add_test(tc, test_truncated_rejected);
    tcase_add_test(tc, test_garbage_rejected);
    tcase_add_test(tc, test_non_base64url_rejected);
    tcase_add_test(tc, test_other_key_rejected);
    tcase_add_test(tc, test_forged_mac_rejected);
    tcase_add_test(tc, test_sealed_nonsense_rejected);
    tcase_add_test(tc, test_encode_too_long);
    suite_add_tcase(s, tc);
    return s;
}
