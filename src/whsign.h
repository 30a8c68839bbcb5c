/* Standard Webhooks signatures (https://www.standardwebhooks.com): signing secrets and the
 * "webhook-signature" value of a delivery. Sending only; no HTTP, no storage. libsodium must
 * be initialised (crypto_init) before these are called. */
#ifndef PD_WHSIGN_H
#define PD_WHSIGN_H

#include <stddef.h>
#include "pd.h"

#define WHSIGN_SECRET_LEN 39      /* "whsec_" + 32 base64 characters + NUL */
#define WHSIGN_SIGNATURE_LEN 48   /* "v1," + 44 base64 characters + NUL */

/* Writes a new secret, "whsec_" + standard base64 of 24 random bytes, into out. Returns
 * PD_ERR_INVALID, writing nothing, when outlen < WHSIGN_SECRET_LEN. The secret is a
 * credential: never log it. */
enum pd_err whsign_secret_new(char *out, size_t outlen);

/* Writes "v1," + standard base64 of HMAC-SHA256 over "<msg_id>.<timestamp>.<body>", keyed
 * with the bytes the secret's base64 after "whsec_" decodes to, into out. timestamp is in
 * Unix seconds; body may be NULL when body_len is 0. Returns PD_ERR_INVALID, writing nothing,
 * when the secret lacks the prefix or does not decode to 24..64 bytes (the range the
 * specification sets), msg_id is NULL or empty, or outlen < WHSIGN_SIGNATURE_LEN. */
enum pd_err whsign_sign(const char *secret, const char *msg_id, long long timestamp,
                        const char *body, size_t body_len, char *out, size_t outlen);

#endif
