/* libsodium wrappers. The only file that knows which primitives back these helpers. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"

#define PW_OPSLIMIT 2ULL
#define PW_MEMLIMIT (19ULL * 1024 * 1024)

static char dummy_hash[crypto_pwhash_STRBYTES];

int crypto_init(void)
{
    if (sodium_init() < 0)
        return -1;
    return password_hash("propdesk-timing-equalizer", dummy_hash);
}

char *b64url_encode(const unsigned char *bin, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    if (out != NULL)
        sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

unsigned char *b64url_decode(const char *s, size_t slen, size_t *out_len)
{
    size_t cap = slen * 3 / 4 + 1;
    unsigned char *out = malloc(cap + 1);
    const char *end = NULL;
    if (out == NULL)
        return NULL;
    if (sodium_base642bin(out, cap, s, slen, NULL, out_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != s + slen) {
        free(out);
        return NULL;
    }
    out[*out_len] = '\0';
    return out;
}

void sha256(const void *data, size_t len, unsigned char out[32])
{
    crypto_hash_sha256(out, data, len);
}

void digest256(const void *data, size_t len, unsigned char out[32])
{
    crypto_generichash(out, 32, data, len, NULL, 0);
}

/* XXH64 as its specification states it (github.com/Cyan4973/xxHash, doc/xxhash_spec.md):
 * four lanes over 32-byte stripes, then the tail, then the avalanche. */
#define XXP1 0x9E3779B185EBCA87ULL
#define XXP2 0xC2B2AE3D27D4EB4FULL
#define XXP3 0x165667B19E3779F9ULL
#define XXP4 0x85EBCA77C2B2AE63ULL
#define XXP5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t read64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;  /* little-endian hosts only (x86-64, arm64), as the spec's reference reads */
}

static inline uint64_t xx_round(uint64_t acc, uint64_t input)
{
    return rotl64(acc + input * XXP2, 31) * XXP1;
}

static inline uint64_t xx_merge(uint64_t h, uint64_t lane)
{
    return (h ^ xx_round(0, lane)) * XXP1 + XXP4;
}

uint64_t fingerprint64(const void *data, size_t len)
{
    const unsigned char *p = data, *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = XXP1 + XXP2, v2 = XXP2, v3 = 0, v4 = 0 - XXP1;
        for (; end - p >= 32; p += 32) {
            v1 = xx_round(v1, read64(p));
            v2 = xx_round(v2, read64(p + 8));
            v3 = xx_round(v3, read64(p + 16));
            v4 = xx_round(v4, read64(p + 24));
        }
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xx_merge(xx_merge(xx_merge(xx_merge(h, v1), v2), v3), v4);
    } else {
        h = XXP5;
    }
    h += len;
    for (; end - p >= 8; p += 8)
        h = rotl64(h ^ xx_round(0, read64(p)), 27) * XXP1 + XXP4;
    if (end - p >= 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        h = rotl64(h ^ (uint64_t)w * XXP1, 23) * XXP2 + XXP3;
        p += 4;
    }
    for (; p < end; p++)
        h = rotl64(h ^ *p * XXP5, 11) * XXP1;
    h = (h ^ (h >> 33)) * XXP2;
    h = (h ^ (h >> 29)) * XXP3;
    return h ^ (h >> 32);
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    sha256(data, len, d);
    sodium_bin2hex(out, 65, d, sizeof d);
}

void hmac_sha256(const unsigned char *key, size_t key_len, const void *data, size_t len,
                 unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, out);
}

char *random_token(size_t n)
{
    unsigned char buf[64];
    if (n > sizeof buf)
        return NULL;
    randombytes_buf(buf, n);
    return b64url_encode(buf, n);
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void request_id_new(char out[33])
{
    static _Thread_local uint64_t state, seeded;
    if (!seeded) {
        randombytes_buf(&state, sizeof state);
        seeded = 1;
    }
    uint64_t words[2] = { splitmix64(&state), splitmix64(&state) };
    sodium_bin2hex(out, 33, (const unsigned char *)words, sizeof words);
}

void uuid_v4(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void random_hex16(char out[33])
{
    unsigned char buf[16];
    randombytes_buf(buf, sizeof buf);
    sodium_bin2hex(out, 33, buf, sizeof buf);
}

int password_hash(const char *password, char out[128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
    return crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13);
}

bool password_verify(const char *hash, const char *password)
{
    if (hash == NULL) {
        int ignored = crypto_pwhash_str_verify(dummy_hash, password, strlen(password));
        (void)ignored;
        return false;
    }
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void secret_wipe(char *s)
{
    sodium_memzero(s, strlen(s));
}
