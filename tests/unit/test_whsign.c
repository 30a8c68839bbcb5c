/* Unit tests for src/whsign.c: the Standard Webhooks specification's published vector, vectors
 * computed independently (Python's hmac), new secrets, and refused inputs. */
#include <check.h>
#include <sodium.h>
#include <string.h>
#include "../../src/webhook_delivery.h"
#include "../../src/whsign.h"
#include "suites.h"

#define BODY "{\"test\": 2432232314}"

/* ---- signatures ----------------------------------------------------------------------- */

START_TEST(test_sign_vectors)
{
    char sig[WHSIGN_SIGNATURE_LEN];
    /* the specification's example (standard-webhooks/spec), checked with openssl dgst */
    ck_assert_int_eq(whsign_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                 1614265330, BODY, strlen(BODY), sig, sizeof sig), PD_OK);
    ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

    /* a 64-byte key (padded base64) and a body with a NUL inside: body_len is honoured */
    ck_assert_int_eq(whsign_sign("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"
                                 "LS4vMDEyMzQ1Njc4OTo7PD0+Pw==", "msg_1", 0, "a\0b", 3, sig, sizeof sig), PD_OK);
    ck_assert_str_eq(sig, "v1,3t2U5PvIZA4y8C0zLassrF7I/50wpeJzpxeXMn0ysUw=");

    /* an empty body, given as NULL, and a negative timestamp */
    ck_assert_int_eq(whsign_sign("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX", "m", -1, NULL, 0, sig, sizeof sig),
                     PD_OK);
    ck_assert_str_eq(sig, "v1,0/4cVfuRvN45gpB0HxV5Q4yzTi2Umh0oZtxAvJjHTt4=");
}
END_TEST

START_TEST(test_sign_covers_every_part)
{
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    char base[WHSIGN_SIGNATURE_LEN], sig[WHSIGN_SIGNATURE_LEN];
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1614265330, BODY, strlen(BODY), base, sizeof base), PD_OK);
    ck_assert_int_eq(whsign_sign(secret, "msg_2", 1614265330, BODY, strlen(BODY), sig, sizeof sig), PD_OK);
    ck_assert_str_ne(sig, base);
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1614265331, BODY, strlen(BODY), sig, sizeof sig), PD_OK);
    ck_assert_str_ne(sig, base);
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1614265330, BODY, strlen(BODY) - 1, sig, sizeof sig), PD_OK);
    ck_assert_str_ne(sig, base);
    ck_assert_int_eq(whsign_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", "msg_1", 1614265330, BODY,
                                 strlen(BODY), sig, sizeof sig), PD_OK);            /* another key */
    ck_assert_str_ne(sig, base);
    /* the same inputs give the same signature */
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1614265330, BODY, strlen(BODY), sig, sizeof sig), PD_OK);
    ck_assert_str_eq(sig, base);
}
END_TEST

START_TEST(test_sign_refused)
{
    static const char *const bad_secrets[] = {
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",               /* no prefix */
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec-MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_",                                        /* no key */
        "whsec_!!!!",                                    /* not base64 */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",         /* truncated */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ",       /* trailing garbage */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw==",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La_aSw",        /* URL-safe alphabet */
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",         /* 23 bytes: too short */
        "whsec_"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        /* ^ 65 bytes: too long */
        NULL,
    };
    char sig[WHSIGN_SIGNATURE_LEN];
    for (int i = 0; bad_secrets[i] != NULL; i++) {
        strcpy(sig, "untouched");
        ck_assert_msg(whsign_sign(bad_secrets[i], "msg_1", 1, "{}", 2, sig, sizeof sig) == PD_ERR_INVALID,
                      "secret \"%s\" accepted", bad_secrets[i]);
        ck_assert_str_eq(sig, "untouched");
    }
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    ck_assert_int_eq(whsign_sign(NULL, "msg_1", 1, "{}", 2, sig, sizeof sig), PD_ERR_INVALID);
    ck_assert_int_eq(whsign_sign(secret, NULL, 1, "{}", 2, sig, sizeof sig), PD_ERR_INVALID);
    ck_assert_int_eq(whsign_sign(secret, "", 1, "{}", 2, sig, sizeof sig), PD_ERR_INVALID);
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1, NULL, 2, sig, sizeof sig), PD_ERR_INVALID);
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1, "{}", 2, sig, WHSIGN_SIGNATURE_LEN - 1), PD_ERR_INVALID);
    ck_assert_int_eq(whsign_sign(secret, "msg_1", 1, "{}", 2, NULL, 0), PD_ERR_INVALID);
}
END_TEST

/* ---- secrets -------------------------------------------------------------------------- */

START_TEST(test_secret_new)
{
    char a[WHSIGN_SECRET_LEN], b[WHSIGN_SECRET_LEN + 10];
    ck_assert_int_eq(whsign_secret_new(a, sizeof a), PD_OK);
    ck_assert_int_eq(whsign_secret_new(b, sizeof b), PD_OK);
    ck_assert_uint_eq(strlen(a), WHSIGN_SECRET_LEN - 1);
    ck_assert_int_eq(strncmp(a, "whsec_", 6), 0);
    ck_assert_str_ne(a, b);

    unsigned char key[32];
    size_t key_len = 0;
    ck_assert_int_eq(sodium_base642bin(key, sizeof key, a + 6, strlen(a + 6), NULL, &key_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL), 0);
    ck_assert_uint_eq(key_len, 24);

    /* a new secret signs */
    char sig[WHSIGN_SIGNATURE_LEN];
    ck_assert_int_eq(whsign_sign(a, "msg_1", 1, "{}", 2, sig, sizeof sig), PD_OK);
    ck_assert_uint_eq(strlen(sig), WHSIGN_SIGNATURE_LEN - 1);
    ck_assert_int_eq(strncmp(sig, "v1,", 3), 0);

    char small[WHSIGN_SECRET_LEN - 1] = "untouched";
    ck_assert_int_eq(whsign_secret_new(small, sizeof small), PD_ERR_INVALID);
    ck_assert_str_eq(small, "untouched");
    ck_assert_int_eq(whsign_secret_new(NULL, 0), PD_ERR_INVALID);
}
END_TEST

/* ---- the response excerpt a delivery logs ------------------------------------------------ */

static const char *clean(const char *in, size_t len, char *buf)
{
    memcpy(buf, in, len);
    webhook_utf8_clean(buf, len);
    return buf;
}

START_TEST(test_excerpt_utf8)
{
    char buf[64];
    ck_assert_str_eq(clean("ok", 2, buf), "ok");
    ck_assert_str_eq(clean("\xe5\xa5\xbd\xe7\x9a\x84", 6, buf), "\xe5\xa5\xbd\xe7\x9a\x84");  /* 好的 */
    ck_assert_str_eq(clean("\xe5\xa5\xbd\xe7\x9a", 5, buf), "\xe5\xa5\xbd");       /* cut inside 的 */
    ck_assert_str_eq(clean("\xc4\xe3\xba\xc3", 4, buf), "???");  /* GBK 你好: the last byte may begin a character */
    ck_assert_str_eq(clean("a\0b", 3, buf), "a?b");                                   /* NUL */
    ck_assert_str_eq(clean("\xed\xa0\x80x", 4, buf), "???x");                       /* a surrogate */
    ck_assert_str_eq(clean("\xc0\xafx", 3, buf), "??x");                             /* overlong */
    ck_assert_str_eq(clean("\xf0\x9f\x98\x80", 4, buf), "\xf0\x9f\x98\x80");   /* 😀 */
}
END_TEST

Suite *whsign_suite(void)
{
    Suite *s = suite_create("whsign");
    TCase *tc = tcase_create("signatures");
    tcase_add_test(tc, test_sign_vectors);
    tcase_add_test(tc, test_sign_covers_every_part);
    tcase_add_test(tc, test_sign_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("secrets");
    tcase_add_test(tc, test_secret_new);
    suite_add_tcase(s, tc);

    tc = tcase_create("excerpts");
    tcase_add_test(tc, test_excerpt_utf8);
    suite_add_tcase(s, tc);
    return s;
}
