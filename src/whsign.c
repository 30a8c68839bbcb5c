/* Standard Webhooks signing over libsodium: secret generation and the v1 (HMAC-SHA256)
 * signature. Verification of incoming webhooks is not here: propdesk only sends them. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "whsign.h"

#define SECRET_PREFIX "whsec_"
#define SECRET_PREFIX_LEN (sizeof SECRET_PREFIX - 1)
#define SECRET_RANDOM_BYTES 24
#define KEY_MIN 24
#define KEY_MAX 64

_Static_assert(sizeof SECRET_PREFIX - 1 + sodium_base64_ENCODED_LEN(SECRET_RANDOM_BYTES,
               sodium_base64_VARIANT_ORIGINAL) == WHSIGN_SECRET_LEN, "secret length");
_Static_assert(3 + sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
               sodium_base64_VARIANT_ORIGINAL) == WHSIGN_SIGNATURE_LEN, "signature length");

enum pd_err whsign_secret_new(char *out, size_t outlen)
{
    unsigned char key[SECRET_RANDOM_BYTES];
    if (out == NULL || outlen < WHSIGN_SECRET_LEN)
        return PD_ERR_INVALID;
    randombytes_buf(key, sizeof key);
    memcpy(out, SECRET_PREFIX, SECRET_PREFIX_LEN);
    sodium_bin2base64(out + SECRET_PREFIX_LEN, outlen - SECRET_PREFIX_LEN, key, sizeof key,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
    return PD_OK;
}

enum pd_err whsign_sign(const char *secret, const char *msg_id, long long timestamp,
                        const char *body, size_t body_len, char *out, size_t outlen)
{
    unsigned char key[KEY_MAX], mac[crypto_auth_hmacsha256_BYTES];
    size_t key_len = 0;
    const char *end = NULL;
    if (secret == NULL || msg_id == NULL || msg_id[0] == '\0' || (body == NULL && body_len > 0) ||
        out == NULL || outlen < WHSIGN_SIGNATURE_LEN ||
        strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) != 0)
        return PD_ERR_INVALID;
    const char *b64 = secret + SECRET_PREFIX_LEN;
    size_t b64_len = strlen(b64);
    if (sodium_base642bin(key, sizeof key, b64, b64_len, NULL, &key_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + b64_len ||
        key_len < KEY_MIN) {
        sodium_memzero(key, sizeof key);
        return PD_ERR_INVALID;
    }

    char ts[24];
    int ts_len = snprintf(ts, sizeof ts, ".%lld.", timestamp);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg_id, strlen(msg_id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)ts_len);
    if (body_len > 0)
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(key, sizeof key);

    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, outlen - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return PD_OK;
}
