/* Unit tests for src/crypto.c: base64url, digests against published vectors, random tokens,
 * and argon2id password hashing (kept to a handful of calls: each costs ~30 ms). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/crypto.h"
#include "suites.h"

/* ---- base64url ----------------------------------------------------------------------- */

START_TEST(test_b64url_round_trip)
{
    static const unsigned char data[] = { 0xFB, 0xFF, 0x00, 0x3E, 0x3F, 0x80 };
    static const size_t encoded_len[] = { 0, 2, 3, 4, 6, 7, 8 };
    for (size_t n = 0; n <= 6; n++) {
        char *s = b64url_encode(data, n);
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(strlen(s) == encoded_len[n], "length %zu encodes to \"%s\"", n, s);
        ck_assert_uint_eq(strcspn(s, "+/="), strlen(s));      /* url alphabet, no padding */
        size_t len = 99;
        unsigned char *back = b64url_decode(s, strlen(s), &len);
        ck_assert_ptr_nonnull(back);
        ck_assert_uint_eq(len, n);
        ck_assert_int_eq(memcmp(back, data, n), 0);
        ck_assert_int_eq(back[n], 0);                          /* NUL appended */
        free(back);
        free(s);
    }
}
END_TEST

START_TEST(test_b64url_known)
{
    char *s = b64url_encode((const unsigned char *)"\xFB\xFF", 2);
    ck_assert_str_eq(s, "-_8");
    free(s);
    s = b64url_encode((const unsigned char *)"foobar", 6);
    ck_assert_str_eq(s, "Zm9vYmFy");
    free(s);
    s = b64url_encode((const unsigned char *)"fooba", 5);
    ck_assert_str_eq(s, "Zm9vYmE");
    free(s);
    size_t len;
    unsigned char *d = b64url_decode("Zm9vYg", 6, &len);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(len, 4);
    ck_assert_str_eq((char *)d, "foob");
    free(d);
    /* slen is honoured: only the first 4 characters are read */
    d = b64url_decode("Zm9vYmFy", 4, &len);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq((char *)d, "foo");
    free(d);
}
END_TEST

START_TEST(test_b64url_invalid)
{
    static const char *const bad[] = {
        "A",            /* a lone character carries no whole byte */
        "Zm9vY",        /* 5 characters: same */
        "Zm8=",         /* padding */
        "Zm9vYmFy==",
        "+/8",          /* standard alphabet */
        "Zm 9v",        /* whitespace */
        "Zm9v\n",
        "Zm9v!",
        "Zg.x",
        "AF",           /* non-zero trailing bits: not canonical */
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        size_t len = 12345;
        unsigned char *d = b64url_decode(bad[i], strlen(bad[i]), &len);
        ck_assert_msg(d == NULL, "\"%s\" decoded", bad[i]);
    }
    size_t len;
    unsigned char *d = b64url_decode("", 0, &len);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(len, 0);
    free(d);
}
END_TEST

/* ---- digests and randomness ---------------------------------------------------------- */

START_TEST(test_sha256_vectors)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* RFC 4231 test case 2 */
    unsigned char mac[32];
    hmac_sha256((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, mac);
    static const unsigned char want[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
    };
    ck_assert_int_eq(memcmp(mac, want, 32), 0);
}
END_TEST

START_TEST(test_random)
{
    char *a = random_token(32), *b = random_token(32);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(strlen(a), 43);
    ck_assert_str_ne(a, b);
    ck_assert_ptr_null(random_token(65));
    free(a);
    free(b);
    char h1[33], h2[33];
    random_hex16(h1);
    random_hex16(h2);
    ck_assert_uint_eq(strlen(h1), 32);
    ck_assert_uint_eq(strspn(h1, "0123456789abcdef"), 32);
    ck_assert_str_ne(h1, h2);
    char secret[] = "hunter2";
    secret_wipe(secret);
    ck_assert_int_eq(memcmp(secret, "\0\0\0\0\0\0\0", 8), 0);
}
END_TEST

/* XXH64 against the reference library's answers (libxxhash 0.8.1): every path of the
 * algorithm — the empty input, a tail byte, four bytes, a stripe and a tail, many stripes */
START_TEST(test_fingerprint64_vectors)
{
    ck_assert_uint_eq(fingerprint64("", 0), 0xef46db3751d8e999ULL);
    ck_assert_uint_eq(fingerprint64("a", 1), 0xd24ec4f1a98c6e5bULL);
    ck_assert_uint_eq(fingerprint64("abc", 3), 0x44bc2cf5ad770999ULL);
    ck_assert_uint_eq(fingerprint64("0123456789abcdef0123456789abcdef!", 33), 0x8afff4daac4e677eULL);
    unsigned char big[1536];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)i;
    ck_assert_uint_eq(fingerprint64(big, sizeof big), 0x860b8d8edbc65915ULL);
    big[700] ^= 1;  /* one bit anywhere moves it */
    ck_assert_uint_ne(fingerprint64(big, sizeof big), 0x860b8d8edbc65915ULL);
}
END_TEST

/* BLAKE2b-256 of "abc" (RFC 7693's algorithm, 32-byte output) */
START_TEST(test_digest256_vector)
{
    unsigned char d[32];
    char hex[65];
    digest256("abc", 3, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    ck_assert_str_eq(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}
END_TEST

/* ---- passwords ------------------------------------------------------------------------- */

START_TEST(test_password)
{
    char hash[128];
    ck_assert_int_eq(password_hash("correct horse battery staple", hash), 0);
    ck_assert_ptr_nonnull(strstr(hash, "$argon2id$"));
    ck_assert_ptr_nonnull(strstr(hash, "m=19456,t=2,p=1"));
    ck_assert_ptr_null(strstr(hash, "correct horse"));
    ck_assert(password_verify(hash, "correct horse battery staple"));
    ck_assert(!password_verify(hash, "correct horse battery stapl"));
    /* unknown account: burns the time of a real check and says no */
    ck_assert(!password_verify(NULL, "correct horse battery staple"));
    ck_assert(!password_verify("not a hash", "x"));
}
END_TEST

Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("encodings");
    tcase_add_test(tc, test_b64url_round_trip);
    tcase_add_test(tc, test_b64url_known);
    tcase_add_test(tc, test_b64url_invalid);
    tcase_add_test(tc, test_sha256_vectors);
    tcase_add_test(tc, test_fingerprint64_vectors);
    tcase_add_test(tc, test_digest256_vector);
    tcase_add_test(tc, test_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("passwords");
    tcase_add_test(tc, test_password);
    suite_add_tcase(s, tc);
    return s;
}
