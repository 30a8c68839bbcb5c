/* Authentication flows: password login with throttling, refresh-token rotation with reuse
 * detection, logout, OAuth2 client credentials, and building a user's principal (roles,
 * communities, verified units) for their access token. */
#ifndef PD_AUTH_H
#define PD_AUTH_H

#include "db.h"
#include "pd.h"

#define AUTH_MAX_ACCOUNT_FAILURES 5
#define AUTH_MAX_ADDRESS_FAILURES 20
#define AUTH_FAILURE_WINDOW_S (15 * 60)

struct token_pair {
    char *access_token;    /* malloc'd */
    char *refresh_token;   /* malloc'd; NULL for client credentials */
    int expires_in;
    int refresh_expires_in;
    char scope[256];       /* client credentials: granted scopes */
};
void token_pair_free(struct token_pair *t);

/* PD_ERR_UNAUTHORIZED for any bad credential (unknown user, wrong password, disabled);
 * PD_ERR_THROTTLED with *retry_after seconds when the account or address is locked out.
 * Failures count per account (the user the login names, whichever of its username, phone
 * or email was typed; an unknown login per identifier) and per address; at most
 * AUTH_MAX_ACCOUNT_FAILURES passwords of one account are checked per window, even when the
 * attempts arrive at once. */
enum pd_err auth_login(struct db_conn *db, const char *login, const char *password,
                       const char *address, struct token_pair *out, int *retry_after);
/* PD_ERR_UNAUTHORIZED when unknown, expired or revoked; reuse of a rotated token revokes
 * the whole family (committed) and is also PD_ERR_UNAUTHORIZED. */
enum pd_err auth_refresh(struct db_conn *db, const char *refresh_token, struct token_pair *out);
/* Revokes the token's family. Unknown tokens are ignored (logout is idempotent). */
enum pd_err auth_logout(struct db_conn *db, const char *refresh_token);
/* Throttled as auth_login is, per client_id and address.
 * scope: requested space-separated scopes or NULL for all of the client's. PD_ERR_INVALID
 * when a requested scope is not granted to the client. */
enum pd_err auth_client_credentials(struct db_conn *db, const char *client_id,
                                    const char *secret, const char *scope, const char *address,
                                    struct token_pair *out, int *retry_after);

/* Loads a user's principal as their access token carries it. */
enum pd_err auth_principal(struct db_conn *db, const char *org, const char *user_id,
                           struct principal *out);

#endif
