/* Access tokens: issue and verify JWTs. HS256 by default, ES256 when a private key file is
 * configured. The verifier pins the algorithm and checks exp, nbf, iat, iss and aud itself. */
#ifndef PD_JWT_H
#define PD_JWT_H

#include <jansson.h>
#include <time.h>
#include "config.h"
#include "pd.h"

#define JWT_LEEWAY 30  /* seconds of clock skew tolerated on nbf and iat */

int jwt_init(const struct pd_config *cfg, char *err, size_t errlen);
void jwt_shutdown(void);

/* Signs a token for p valid ttl seconds. *token is malloc'd (caller frees). */
enum pd_err jwt_issue(const struct principal *p, int ttl, char **token);

/* PD_OK and *out filled when token is authentic, unexpired and ours; PD_ERR_UNAUTHORIZED
 * otherwise. Verified signatures are cached until the token expires. */
enum pd_err jwt_verify(const char *token, time_t now, struct principal *out);

/* The claims of token, decoded WITHOUT checking its signature (*out: the caller's): only for
 * a token jwt_verify accepted already (the request's own bearer token), to keep and check
 * again later with jwt_claims_recheck (stream tickets). PD_ERR_UNAUTHORIZED when undecodable. */
enum pd_err jwt_claims_of(const char *token, json_t **out);
/* jwt_claims_check with this server's issuer and audience. */
enum pd_err jwt_claims_recheck(json_t *j_payload, time_t now, struct principal *out);

/* Pure claim checks over a decoded payload (exported for unit tests). */
enum pd_err jwt_claims_check(json_t *j_payload, time_t now, const char *iss, const char *aud,
                             struct principal *out);

/* The JWK set as JSON text ({"keys":[]} for HS256). Owned by this module. */
const char *jwt_jwks(void);
/* Key material for deriving other server secrets (cursor MACs). */
void jwt_secret_material(const unsigned char **data, size_t *len);

#endif
