/* Unit tests for src/validate.c: the pure string checks, RFC 3339 and integer parsing, and
 * the JSON field readers that collect every problem into a struct verr. */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include "../../src/validate.h"
#include "suites.h"

/* A literal's bytes, embedded NULs included, without the terminator. */
#define U8(lit) utf8_valid((lit), sizeof(lit) - 1)

static const char *const UUID_A = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

/* ---- utf8 -------------------------------------------------------------------------- */

START_TEST(test_utf8_valid_accepts)
{
    ck_assert(U8(""));
    ck_assert(U8("hello, world"));
    ck_assert(U8("\xC3\xA9"));                 /* é, 2 bytes */
    ck_assert(U8("漏水"));                      /* 2 × 3 bytes */
    ck_assert(U8("\xE2\x82\xAC"));             /* € */
    ck_assert(U8("\xF0\x9F\x98\x80"));         /* 😀, 4 bytes */
    ck_assert(U8("a漏\xF0\x9F\x98\x80z"));
    ck_assert(U8("\xED\x9F\xBF"));             /* U+D7FF, just below the surrogates */
    ck_assert(U8("\xEE\x80\x80"));             /* U+E000, just above */
    ck_assert(U8("\xEF\xBF\xBF"));             /* U+FFFF */
    ck_assert(U8("\xF4\x8F\xBF\xBF"));         /* U+10FFFF, the last code point */
}
END_TEST

START_TEST(test_utf8_valid_rejects)
{
    ck_assert(!U8("\xC0\x80"));                /* overlong NUL */
    ck_assert(!U8("\xC1\xBF"));                /* overlong 0x7F */
    ck_assert(!U8("\xE0\x80\x80"));            /* overlong 3-byte */
    ck_assert(!U8("\xF0\x80\x80\x80"));        /* overlong 4-byte */
    ck_assert(!U8("\xED\xA0\x80"));            /* U+D800 surrogate */
    ck_assert(!U8("\xED\xBF\xBF"));            /* U+DFFF surrogate */
    ck_assert(!U8("\xF4\x90\x80\x80"));        /* U+110000 */
    ck_assert(!U8("\xF5\x80\x80\x80"));
    ck_assert(!U8("\xF8\x88\x80\x80\x80"));    /* 5-byte form */
    ck_assert(!U8("\xFC\x84\x80\x80\x80\x80"));
    ck_assert(!U8("\xFE"));
    ck_assert(!U8("\xFF"));
    ck_assert(!U8("\x80"));                    /* lone continuation byte */
    ck_assert(!U8("a\xBF" "b"));
    ck_assert(!U8("\xE6" "A" "\x8F"));         /* continuation replaced by ASCII */
    ck_assert(!U8("a\0b"));                    /* embedded NUL */
    ck_assert(!U8("\0"));
}
END_TEST

START_TEST(test_utf8_valid_truncated)
{
    ck_assert(!U8("\xC3"));
    ck_assert(!U8("a\xE6\xBC"));               /* 漏 missing its last byte */
    ck_assert(!U8("\xF0\x9F\x98"));            /* emoji missing its last byte */
    ck_assert(!U8("ok\xF0"));
    /* len is honoured: the bytes after it are not looked at */
    const char *s = "漏水";
    ck_assert(utf8_valid(s, 6));
    ck_assert(!utf8_valid(s, 5));
    ck_assert(!utf8_valid(s, 4));
    ck_assert(utf8_valid(s, 3));
    ck_assert(!utf8_valid(s, 2));
    ck_assert(utf8_valid("ab\xFF", 2));
}
END_TEST

START_TEST(test_utf8_chars)
{
    ck_assert_uint_eq(utf8_chars(""), 0);
    ck_assert_uint_eq(utf8_chars("abc"), 3);
    ck_assert_uint_eq(utf8_chars("漏水"), 2);
    ck_assert_uint_eq(utf8_chars("漏水了"), 3);
    ck_assert_uint_eq(utf8_chars("\xE2\x82\xAC" "uro"), 4);
    ck_assert_uint_eq(utf8_chars("a漏\xF0\x9F\x98\x80"), 3);
}
END_TEST

/* ---- identifiers and small formats ------------------------------------------------- */

START_TEST(test_uuid_valid)
{
    ck_assert(uuid_valid(UUID_A));
    ck_assert(uuid_valid("00000000-0000-0000-0000-000000000000"));
    ck_assert(uuid_valid("3F2504E0-4F89-11D3-9A0C-0305E82C3301"));
    ck_assert(!uuid_valid(NULL));
    ck_assert(!uuid_valid(""));
    ck_assert(!uuid_valid("3f2504e04f8911d39a0c0305e82c3301"));        /* no hyphens */
    ck_assert(!uuid_valid("3f2504e0-4f89-11d3-9a0c-0305e82c330"));     /* 35 */
    ck_assert(!uuid_valid("3f2504e0-4f89-11d3-9a0c-0305e82c33011"));   /* 37 */
    ck_assert(!uuid_valid("3f2504e04-f89-11d3-9a0c-0305e82c3301"));    /* hyphen moved */
    ck_assert(!uuid_valid("3f2504e0-4f89-11d3-9a0c-0305e82c330g"));    /* not hex */
    ck_assert(!uuid_valid("{f2504e0-4f89-11d3-9a0c-0305e82c330}"));
    ck_assert(!uuid_valid("3f2504e0-4f89-11d3-9a0c-0305e82c33'1"));
}
END_TEST

START_TEST(test_phone_valid)
{
    ck_assert(phone_valid("13800000001"));
    ck_assert(phone_valid("+8613800000001"));
    ck_assert(phone_valid("123456"));                   /* 6 digits */
    ck_assert(phone_valid("123456789012345"));          /* 15 digits */
    ck_assert(phone_valid("+123456789012345"));
    ck_assert(!phone_valid("12345"));
    ck_assert(!phone_valid("+12345"));
    ck_assert(!phone_valid("1234567890123456"));        /* 16 digits */
    ck_assert(!phone_valid("+"));
    ck_assert(!phone_valid(""));
    ck_assert(!phone_valid("++13800000001"));
    ck_assert(!phone_valid("138-0000-0001"));
    ck_assert(!phone_valid("1380000000a"));
    ck_assert(!phone_valid("138 00000001"));
    ck_assert(!phone_valid(NULL));
}
END_TEST

START_TEST(test_email_valid)
{
    ck_assert(email_valid("a@b.co"));
    ck_assert(email_valid("user.name+tag@example.com"));
    ck_assert(email_valid("x@mail.example.org"));
    ck_assert(!email_valid(NULL));
    ck_assert(!email_valid(""));
    ck_assert(!email_valid("ab.co"));
    ck_assert(!email_valid("@b.co"));
    ck_assert(!email_valid("a@@b.co"));
    ck_assert(!email_valid("a@b@c.co"));
    ck_assert(!email_valid("a@b"));
    ck_assert(!email_valid("a@.co"));
    ck_assert(!email_valid("a@b."));
    ck_assert(!email_valid("a b@c.co"));
    ck_assert(!email_valid("a@c.co\n"));
    char long_mail[300];
    memset(long_mail, 'a', sizeof long_mail);
    memcpy(long_mail + 250, "@b.co", 6);               /* 255 characters */
    ck_assert(!email_valid(long_mail));
    memcpy(long_mail + 240, "@b.co", 6);               /* 245 characters */
    ck_assert(email_valid(long_mail));
}
END_TEST

START_TEST(test_hhmm_valid)
{
    ck_assert(hhmm_valid("00:00"));
    ck_assert(hhmm_valid("09:05"));
    ck_assert(hhmm_valid("23:59"));
    ck_assert(!hhmm_valid("24:00"));
    ck_assert(!hhmm_valid("23:60"));
    ck_assert(!hhmm_valid("9:00"));
    ck_assert(!hhmm_valid("09:5"));
    ck_assert(!hhmm_valid("0900"));
    ck_assert(!hhmm_valid("09-00"));
    ck_assert(!hhmm_valid("ab:cd"));
    ck_assert(!hhmm_valid("09:00 "));
    ck_assert(!hhmm_valid(""));
    ck_assert(!hhmm_valid(NULL));
}
END_TEST

START_TEST(test_username_valid)
{
    ck_assert(username_valid("abc"));
    ck_assert(username_valid("tech2"));
    ck_assert(username_valid("a.b_c-1"));
    ck_assert(username_valid("abcdefghijklmnopqrstuvwxyz012345"));    /* 32 */
    ck_assert(!username_valid("abcdefghijklmnopqrstuvwxyz0123456"));  /* 33 */
    ck_assert(!username_valid("ab"));
    ck_assert(!username_valid("Admin"));
    ck_assert(!username_valid("ab c"));
    ck_assert(!username_valid("ab@c"));
    ck_assert(!username_valid("用户名"));
    ck_assert(!username_valid(""));
    ck_assert(!username_valid(NULL));
}
END_TEST

/* ---- RFC 3339 ------------------------------------------------------------------------ */

static time_t parsed(const char *s)
{
    time_t t = (time_t)-123456789;
    ck_assert_msg(rfc3339_parse(s, &t), "rfc3339_parse(\"%s\") should succeed", s);
    return t;
}

START_TEST(test_rfc3339_utc)
{
    ck_assert_int_eq(parsed("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(parsed("2026-11-22T08:00:00Z"), 1795334400);
    ck_assert_int_eq(parsed("2026-11-22t08:00:00z"), 1795334400);
    ck_assert_int_eq(parsed("2026-12-31T23:59:59Z"), 1798761599);
    ck_assert_int_eq(parsed("0001-01-01T00:00:00Z"), -62135596800LL);
}
END_TEST

START_TEST(test_rfc3339_offsets)
{
    ck_assert_int_eq(parsed("2026-11-22T08:00:00+08:00"), 1795305600);   /* 00:00Z */
    ck_assert_int_eq(parsed("2026-11-22T08:00:00-05:30"), 1795354200);   /* 13:30Z */
    ck_assert_int_eq(parsed("2026-11-22T08:00:00+00:00"), 1795334400);
    ck_assert_int_eq(parsed("2026-11-22T08:00:00-00:00"), 1795334400);
    /* an offset that crosses midnight and the year boundary */
    ck_assert_int_eq(parsed("2027-01-01T05:59:59+06:00"), 1798761599);
}
END_TEST

START_TEST(test_rfc3339_fractions)
{
    ck_assert_int_eq(parsed("2026-11-22T08:00:00.5Z"), 1795334400);
    ck_assert_int_eq(parsed("2026-11-22T08:00:00.123456Z"), 1795334400);
    ck_assert_int_eq(parsed("2026-11-22T08:00:00.999+08:00"), 1795305600);
    time_t t = 42;
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00.Z", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00.12a+08:00", &t));
    ck_assert_int_eq(t, 42);
}
END_TEST

START_TEST(test_rfc3339_calendar)
{
    time_t t = 42;
    ck_assert_int_eq(parsed("2024-02-29T12:00:00Z"), 1709208000);
    ck_assert_int_eq(parsed("2000-02-29T00:00:00Z"), 951782400);
    ck_assert(!rfc3339_parse("2023-02-29T12:00:00Z", &t));      /* not a leap year */
    ck_assert(!rfc3339_parse("1900-02-29T12:00:00Z", &t));      /* century, not leap */
    ck_assert(!rfc3339_parse("2024-02-30T12:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-04-31T12:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-13-01T12:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-00-01T12:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-01-00T12:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-01-32T12:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-01-01T24:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-01-01T23:60:00Z", &t));
    ck_assert(!rfc3339_parse("2026-01-01T23:59:61Z", &t));
    ck_assert(!rfc3339_parse("0000-01-01T00:00:00Z", &t));
    ck_assert_int_eq(t, 42);
    /* a leap second is accepted and read as the second before */
    ck_assert_int_eq(parsed("2026-12-31T23:59:60Z"), 1798761599);
}
END_TEST

START_TEST(test_rfc3339_malformed)
{
    time_t t = 42;
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00", &t));       /* no zone */
    ck_assert(!rfc3339_parse("2026-11-22", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00Z", &t));
    ck_assert(!rfc3339_parse("2026-11-22X08:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026/11/22T08:00:00Z", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00ZZ", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00+0800", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00+08:00:00", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00+24:00", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00+08:60", &t));
    ck_assert(!rfc3339_parse("2026-11-22T08:00:00 +08:00", &t));
    ck_assert(!rfc3339_parse("not a date at all, no", &t));
    ck_assert(!rfc3339_parse("", &t));
    ck_assert(!rfc3339_parse(NULL, &t));
    ck_assert_int_eq(t, 42);
}
END_TEST

/* ---- integers ------------------------------------------------------------------------ */

START_TEST(test_int_parse_accepts)
{
    long long v = -1;
    ck_assert(int_parse("0", 0, 10, &v));
    ck_assert_int_eq(v, 0);
    ck_assert(int_parse("10", 0, 10, &v));
    ck_assert_int_eq(v, 10);
    ck_assert(int_parse("-42", -100, 100, &v));
    ck_assert_int_eq(v, -42);
    ck_assert(int_parse("9223372036854775807", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(v == LLONG_MAX);
    ck_assert(int_parse("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(v == LLONG_MIN);
}
END_TEST

START_TEST(test_int_parse_rejects)
{
    long long v = 77;
    ck_assert(!int_parse("11", 0, 10, &v));
    ck_assert(!int_parse("-1", 0, 10, &v));
    ck_assert(!int_parse("-", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse(NULL, LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("12a", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("1 2", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse(" 12", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("+12", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("0x10", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("--1", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("9223372036854775808", LLONG_MIN, LLONG_MAX, &v));   /* overflow */
    ck_assert(!int_parse("-9223372036854775809", LLONG_MIN, LLONG_MAX, &v));
    ck_assert(!int_parse("99999999999999999999", LLONG_MIN, LLONG_MAX, &v));  /* 20 digits */
    ck_assert(!int_parse("123456789012345678901234", LLONG_MIN, LLONG_MAX, &v));
    ck_assert_int_eq(v, 77);
}
END_TEST

/* ---- JSON field readers ------------------------------------------------------------- */

static json_t *obj(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    ck_assert_msg(j != NULL, "test JSON does not parse: %s", e.text);
    return j;
}

/* The message recorded for field, or NULL when there is none. */
static const char *err_for(const struct verr *v, const char *field)
{
    size_t i;
    json_t *j_e;
    json_array_foreach(v->j_errors, i, j_e) {
        if (strcmp(json_string_value(json_object_get(j_e, "field")), field) == 0)
            return json_string_value(json_object_get(j_e, "message"));
    }
    return NULL;
}

START_TEST(test_verr_basics)
{
    struct verr v;
    verr_init(&v);
    ck_assert(!verr_any(&v));
    verr_add(&v, "title", "must be %d to %d characters", 1, 200);
    ck_assert(verr_any(&v));
    ck_assert_str_eq(err_for(&v, "title"), "must be 1 to 200 characters");
    verr_add(&v, "bad\xFF", "unknown field");    /* a client key that is not UTF-8 */
    ck_assert_uint_eq(json_array_size(v.j_errors), 2);
    ck_assert_str_eq(err_for(&v, "(invalid)"), "unknown field");
    verr_free(&v);
    ck_assert_ptr_null(v.j_errors);
}
END_TEST

START_TEST(test_v_string)
{
    json_t *j = obj("{\"title\":\"漏水了\", \"n\":5, \"empty\":\"\", \"nil\":null, \"ok\":\"hello\"}");
    /* the HTTP layer parses without JSON_ALLOW_NUL; a NUL can still arrive from elsewhere */
    json_object_set_new(j, "nul", json_stringn("a\0b", 3));
    struct verr v;
    verr_init(&v);
    /* length counts characters: 3 Chinese characters (9 bytes) fit max 3 */
    const char *s = v_string(&v, j, "title", true, 1, 3);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "漏水了");
    ck_assert(!verr_any(&v));
    ck_assert_str_eq(v_string(&v, j, "ok", true, 5, 5), "hello");
    ck_assert(v_string(&v, j, "absent", false, 1, 10) == NULL);
    ck_assert(!verr_any(&v));   /* optional and absent: no problem */
    verr_free(&v);

    verr_init(&v);
    ck_assert_ptr_null(v_string(&v, j, "title", true, 1, 2));
    ck_assert_str_eq(err_for(&v, "title"), "must be 1 to 2 characters");
    ck_assert_ptr_null(v_string(&v, j, "missing", true, 1, 10));
    ck_assert_str_eq(err_for(&v, "missing"), "is required");
    ck_assert_ptr_null(v_string(&v, j, "n", true, 1, 10));
    ck_assert_str_eq(err_for(&v, "n"), "must be a string");
    ck_assert_ptr_null(v_string(&v, j, "nil", true, 1, 10));
    ck_assert_str_eq(err_for(&v, "nil"), "must be a string");
    ck_assert_ptr_null(v_string(&v, j, "empty", true, 1, 10));
    ck_assert_str_eq(err_for(&v, "empty"), "must be 1 to 10 characters");
    ck_assert_ptr_null(v_string(&v, j, "nul", true, 1, 10));
    ck_assert_ptr_nonnull(strstr(err_for(&v, "nul"), "NUL"));
    ck_assert_ptr_null(v_string(&v, j, "ok", true, 4, 4));
    ck_assert_str_eq(err_for(&v, "ok"), "must be exactly 4 characters");
    ck_assert_uint_eq(json_array_size(v.j_errors), 7);
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_v_string_or_null)
{
    json_t *j = obj("{\"note\":null, \"name\":\"水\", \"n\":1}");
    struct verr v;
    bool present = false;
    verr_init(&v);
    ck_assert_ptr_null(v_string_or_null(&v, j, "note", 1, 10, &present));
    ck_assert(present);
    ck_assert_ptr_null(v_string_or_null(&v, j, "absent", 1, 10, &present));
    ck_assert(!present);
    ck_assert_str_eq(v_string_or_null(&v, j, "name", 1, 1, &present), "水");
    ck_assert(present);
    ck_assert(!verr_any(&v));
    ck_assert_ptr_null(v_string_or_null(&v, j, "n", 1, 10, &present));
    ck_assert_str_eq(err_for(&v, "n"), "must be a string");
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_v_uuid)
{
    json_t *j = obj("{\"unit_id\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\", \"bad\":\"3f2504e0\","
                    " \"num\":12, \"inject\":\"3f2504e0-4f89-11d3-9a0c-0305e82c3301' OR 1=1\"}");
    struct verr v;
    verr_init(&v);
    ck_assert_str_eq(v_uuid(&v, j, "unit_id", true), UUID_A);
    ck_assert_ptr_null(v_uuid(&v, j, "absent", false));
    ck_assert(!verr_any(&v));
    ck_assert_ptr_null(v_uuid(&v, j, "bad", true));
    ck_assert_ptr_null(v_uuid(&v, j, "num", true));
    ck_assert_ptr_null(v_uuid(&v, j, "inject", true));
    ck_assert_ptr_null(v_uuid(&v, j, "absent", true));
    ck_assert_str_eq(err_for(&v, "bad"), "must be a UUID");
    ck_assert_str_eq(err_for(&v, "num"), "must be a UUID");
    ck_assert_str_eq(err_for(&v, "inject"), "must be a UUID");
    ck_assert_str_eq(err_for(&v, "absent"), "is required");
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_v_enum)
{
    static const char *const prio[] = { "low", "normal", "high", NULL };
    json_t *j = obj("{\"a\":\"high\", \"b\":\"urgent\", \"c\":2, \"d\":\"HIGH\"}");
    struct verr v;
    verr_init(&v);
    ck_assert_str_eq(v_enum(&v, j, "a", true, prio), "high");
    ck_assert_ptr_null(v_enum(&v, j, "absent", false, prio));
    ck_assert(!verr_any(&v));
    ck_assert_ptr_null(v_enum(&v, j, "b", true, prio));
    ck_assert_str_eq(err_for(&v, "b"), "must be one of: low, normal, high");
    ck_assert_ptr_null(v_enum(&v, j, "c", true, prio));
    ck_assert_ptr_nonnull(err_for(&v, "c"));
    ck_assert_ptr_null(v_enum(&v, j, "d", true, prio));     /* case matters */
    ck_assert_ptr_nonnull(err_for(&v, "d"));
    ck_assert_ptr_null(v_enum(&v, j, "absent", true, prio));
    ck_assert_str_eq(err_for(&v, "absent"), "is required");
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_v_int)
{
    json_t *j = obj("{\"n\":5, \"lo\":1, \"hi\":10, \"real\":1.5, \"whole_real\":2.0,"
                    " \"str\":\"5\", \"big\":11, \"zero\":0, \"t\":true}");
    struct verr v;
    long long out = -7;
    verr_init(&v);
    ck_assert(v_int(&v, j, "n", true, 1, 10, &out));
    ck_assert_int_eq(out, 5);
    ck_assert(v_int(&v, j, "lo", true, 1, 10, &out));
    ck_assert_int_eq(out, 1);
    ck_assert(v_int(&v, j, "hi", true, 1, 10, &out));
    ck_assert_int_eq(out, 10);
    ck_assert(!v_int(&v, j, "absent", false, 1, 10, &out));
    ck_assert(!verr_any(&v));

    out = -7;
    ck_assert(!v_int(&v, j, "real", true, 1, 10, &out));
    ck_assert(!v_int(&v, j, "whole_real", true, 1, 10, &out));
    ck_assert(!v_int(&v, j, "str", true, 1, 10, &out));
    ck_assert(!v_int(&v, j, "big", true, 1, 10, &out));
    ck_assert(!v_int(&v, j, "zero", true, 1, 10, &out));
    ck_assert(!v_int(&v, j, "t", true, 1, 10, &out));
    ck_assert(!v_int(&v, j, "absent", true, 1, 10, &out));
    ck_assert_int_eq(out, -7);
    ck_assert_str_eq(err_for(&v, "real"), "must be an integer from 1 to 10");
    ck_assert_str_eq(err_for(&v, "big"), "must be an integer from 1 to 10");
    ck_assert_str_eq(err_for(&v, "absent"), "is required");
    ck_assert_uint_eq(json_array_size(v.j_errors), 7);
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_v_number)
{
    json_t *j = obj("{\"r\":1.5, \"i\":3, \"max\":5.0, \"over\":5.5, \"neg\":-0.1,"
                    " \"huge\":1e308, \"str\":\"1.5\", \"t\":true, \"nil\":null}");
    struct verr v;
    double out = -1;
    verr_init(&v);
    ck_assert(v_number(&v, j, "r", true, 0, 5, &out));
    ck_assert_double_eq(out, 1.5);
    ck_assert(v_number(&v, j, "i", true, 0, 5, &out));     /* integers are numbers */
    ck_assert_double_eq(out, 3.0);
    ck_assert(v_number(&v, j, "max", true, 0, 5, &out));
    ck_assert_double_eq(out, 5.0);
    ck_assert(!verr_any(&v));

    out = -1;
    ck_assert(!v_number(&v, j, "over", true, 0, 5, &out));
    ck_assert(!v_number(&v, j, "neg", true, 0, 5, &out));
    ck_assert(!v_number(&v, j, "huge", true, 0, 5, &out));
    ck_assert(!v_number(&v, j, "str", true, 0, 5, &out));
    ck_assert(!v_number(&v, j, "t", true, 0, 5, &out));
    ck_assert(!v_number(&v, j, "nil", true, 0, 5, &out));
    ck_assert(!v_number(&v, j, "absent", true, 0, 5, &out));
    ck_assert_double_eq(out, -1);
    ck_assert_str_eq(err_for(&v, "over"), "must be a number from 0 to 5");
    ck_assert_uint_eq(json_array_size(v.j_errors), 7);
    verr_free(&v);
    json_decref(j);

    /* NaN and infinities cannot reach v_number: JSON has no spelling for them */
    ck_assert_ptr_null(json_loads("{\"x\":NaN}", 0, NULL));
    ck_assert_ptr_null(json_loads("{\"x\":Infinity}", 0, NULL));
    ck_assert_ptr_null(json_loads("{\"x\":1e999}", 0, NULL));
}
END_TEST

START_TEST(test_v_array)
{
    json_t *j = obj("{\"three\":[1,2,3], \"none\":[], \"o\":{\"a\":1}, \"s\":\"[1]\"}");
    struct verr v;
    verr_init(&v);
    ck_assert_ptr_eq(v_array(&v, j, "three", true, 1, 3), json_object_get(j, "three"));
    ck_assert_ptr_eq(v_array(&v, j, "three", true, 3, 3), json_object_get(j, "three"));
    ck_assert_ptr_eq(v_array(&v, j, "none", true, 0, 3), json_object_get(j, "none"));
    ck_assert_ptr_null(v_array(&v, j, "absent", false, 1, 3));
    ck_assert(!verr_any(&v));

    ck_assert_ptr_null(v_array(&v, j, "three", true, 1, 2));
    ck_assert_str_eq(err_for(&v, "three"), "must have 1 to 2 items");
    ck_assert_ptr_null(v_array(&v, j, "none", true, 1, 5));
    ck_assert_str_eq(err_for(&v, "none"), "must have 1 to 5 items");
    ck_assert_ptr_null(v_array(&v, j, "o", true, 0, 5));
    ck_assert_str_eq(err_for(&v, "o"), "must be an array");
    ck_assert_ptr_null(v_array(&v, j, "s", true, 0, 5));
    ck_assert_str_eq(err_for(&v, "s"), "must be an array");
    ck_assert_ptr_null(v_array(&v, j, "absent", true, 0, 5));
    ck_assert_str_eq(err_for(&v, "absent"), "is required");
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_v_reject_unknown)
{
    static const char *const allowed[] = { "title", "priority", NULL };
    json_t *j = obj("{\"title\":\"x\", \"colour\":\"red\", \"priority\":\"low\", \"size\":3}");
    struct verr v;
    verr_init(&v);
    v_reject_unknown(&v, j, allowed);
    ck_assert_uint_eq(json_array_size(v.j_errors), 2);
    ck_assert_str_eq(err_for(&v, "colour"), "unknown field");
    ck_assert_str_eq(err_for(&v, "size"), "unknown field");
    ck_assert_ptr_null(err_for(&v, "title"));
    verr_free(&v);
    json_decref(j);

    j = obj("{\"title\":\"x\"}");
    verr_init(&v);
    v_reject_unknown(&v, j, allowed);
    ck_assert(!verr_any(&v));
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_verr_collects_everything)
{
    static const char *const allowed[] = { "title", "priority", "unit_id", "count", "tags", NULL };
    static const char *const prio[] = { "low", "high", NULL };
    json_t *j = obj("{\"title\":5, \"priority\":\"urgent\", \"unit_id\":\"nope\", \"count\":1.5,"
                    " \"tags\":[], \"extra\":true}");
    struct verr v;
    long long n;
    verr_init(&v);
    v_reject_unknown(&v, j, allowed);
    ck_assert_ptr_null(v_string(&v, j, "title", true, 1, 200));
    ck_assert_ptr_null(v_enum(&v, j, "priority", true, prio));
    ck_assert_ptr_null(v_uuid(&v, j, "unit_id", true));
    ck_assert(!v_int(&v, j, "count", true, 1, 10, &n));
    ck_assert_ptr_null(v_array(&v, j, "tags", true, 1, 5));
    ck_assert_ptr_null(v_string(&v, j, "description", true, 1, 2000));

    static const char *const expect[] = { "extra", "title", "priority", "unit_id", "count",
                                          "tags", "description" };
    ck_assert_uint_eq(json_array_size(v.j_errors), 7);
    size_t i;
    json_t *j_e;
    json_array_foreach(v.j_errors, i, j_e) {
        ck_assert(json_is_object(j_e));
        ck_assert_uint_eq(json_object_size(j_e), 2);
        ck_assert(json_is_string(json_object_get(j_e, "field")));
        ck_assert(json_is_string(json_object_get(j_e, "message")));
        ck_assert_uint_gt(strlen(json_string_value(json_object_get(j_e, "message"))), 0);
    }
    for (i = 0; i < sizeof expect / sizeof expect[0]; i++)
        ck_assert_msg(err_for(&v, expect[i]) != NULL, "no error recorded for %s", expect[i]);
    verr_free(&v);
    json_decref(j);
}
END_TEST

START_TEST(test_query_checks)
{
    static const char *const st[] = { "open", "closed", NULL };
    struct verr v;
    verr_init(&v);
    ck_assert_ptr_null(q_uuid(&v, "unit_id", NULL));
    ck_assert_ptr_null(q_enum(&v, "status", NULL, st));
    ck_assert_ptr_null(q_text(&v, "q", NULL, 10));
    ck_assert_str_eq(q_uuid(&v, "unit_id", UUID_A), UUID_A);
    ck_assert_str_eq(q_enum(&v, "status", "open", st), "open");
    ck_assert_str_eq(q_text(&v, "q", "漏水漏水", 4), "漏水漏水");
    ck_assert(!verr_any(&v));

    ck_assert_ptr_null(q_uuid(&v, "unit_id", "1"));
    ck_assert_ptr_null(q_enum(&v, "status", "opened", st));
    ck_assert_ptr_null(q_text(&v, "q", "漏水漏水漏", 4));
    ck_assert_ptr_null(q_text(&v, "q2", "", 4));
    ck_assert_ptr_null(q_text(&v, "q3", "\xC0\x80", 4));
    ck_assert_ptr_nonnull(err_for(&v, "unit_id"));
    ck_assert_ptr_nonnull(err_for(&v, "status"));
    ck_assert_ptr_nonnull(err_for(&v, "q"));
    ck_assert_ptr_nonnull(err_for(&v, "q2"));
    ck_assert_ptr_nonnull(err_for(&v, "q3"));
    ck_assert_uint_eq(json_array_size(v.j_errors), 5);
    verr_free(&v);

    ck_assert(enum_has(st, "closed"));
    ck_assert(!enum_has(st, "close"));
    ck_assert(!enum_has(st, ""));
}
END_TEST

Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("strings");
    tcase_add_test(tc, test_utf8_valid_accepts);
    tcase_add_test(tc, test_utf8_valid_rejects);
    tcase_add_test(tc, test_utf8_valid_truncated);
    tcase_add_test(tc, test_utf8_chars);
    tcase_add_test(tc, test_uuid_valid);
    tcase_add_test(tc, test_phone_valid);
    tcase_add_test(tc, test_email_valid);
    tcase_add_test(tc, test_hhmm_valid);
    tcase_add_test(tc, test_username_valid);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_test(tc, test_rfc3339_utc);
    tcase_add_test(tc, test_rfc3339_offsets);
    tcase_add_test(tc, test_rfc3339_fractions);
    tcase_add_test(tc, test_rfc3339_calendar);
    tcase_add_test(tc, test_rfc3339_malformed);
    tcase_add_test(tc, test_int_parse_accepts);
    tcase_add_test(tc, test_int_parse_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("readers");
    tcase_add_test(tc, test_verr_basics);
    tcase_add_test(tc, test_v_string);
    tcase_add_test(tc, test_v_string_or_null);
    tcase_add_test(tc, test_v_uuid);
    tcase_add_test(tc, test_v_enum);
    tcase_add_test(tc, test_v_int);
    tcase_add_test(tc, test_v_number);
    tcase_add_test(tc, test_v_array);
    tcase_add_test(tc, test_v_reject_unknown);
    tcase_add_test(tc, test_verr_collects_everything);
    tcase_add_test(tc, test_query_checks);
    suite_add_tcase(s, tc);
    return s;
}
