/* Authentication flows over PostgreSQL. Failed attempts are rows in auth_failures, reserved
 * before the password is checked, so the lockout is exact under concurrency and holds across
 * instances; refresh tokens are stored as SHA-256 digests. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth.h"
#include "sessions.h"
#include "config.h"
#include "crypto.h"
#include "jwt.h"

/* The lockout. A login first resolves what was typed to an account, then reserves an attempt
 * for the account and for the client address — a row per key in auth_failures, inserted
 * only while both keys are under their limits — and only then checks the password. The two
 * keys' advisory locks (always the account's first) make counting and inserting atomic, for
 * the span of that short transaction only: the password check runs outside it. A wrong
 * password leaves the reservations as the failures they are; a right one clears the
 * account's failures and takes back the address's reservation. A refused reservation
 * inserts nothing, so hammering a locked account does not prolong its lock. */
DB_STMT(lock_keys,
    "SELECT pg_advisory_xact_lock(1885627393, hashtext($1)), pg_advisory_xact_lock(1885627394, hashtext($2))");
DB_STMT(reserve_attempt,
    "WITH purge AS (DELETE FROM auth_failures WHERE key IN ($1, $2) AND at <= now() - interval '15 minutes'), "
    "live AS (SELECT count(*) FILTER (WHERE key = $1) AS account, count(*) FILTER (WHERE key = $2) AS address, "
    "  coalesce(ceil(extract(epoch FROM min(at) FILTER (WHERE key = $1) + interval '15 minutes' - now())), 1)::int AS wait_account, "
    "  coalesce(ceil(extract(epoch FROM min(at) FILTER (WHERE key = $2) + interval '15 minutes' - now())), 1)::int AS wait_address "
    "  FROM auth_failures WHERE key IN ($1, $2) AND at > now() - interval '15 minutes'), "
    "reserved AS (INSERT INTO auth_failures (key) SELECT k FROM live, unnest(ARRAY[$1, $2]::text[]) k "
    "  WHERE live.account < $3::int AND live.address < $4::int RETURNING id, key) "
    "SELECT (SELECT id FROM reserved WHERE key = $2), live.account >= $3::int, live.wait_account, "
    "  live.address >= $4::int, live.wait_address FROM live");
DB_STMT(clear_attempts, "DELETE FROM auth_failures WHERE key = $1 OR id = $2::bigint");
/* Always one row: the identifier as login folds it, then the active account it names, if
 * any (NULLs otherwise). One identifier names at most one user (login_identities). */
DB_STMT(find_login,
    "SELECT t.identifier, u.org_id, u.id, u.password_hash FROM (SELECT lower($1) AS identifier) t "
    "LEFT JOIN login_identities l ON l.identifier = t.identifier "
    "LEFT JOIN users u ON u.org_id = l.org_id AND u.id = l.user_id AND u.status = 'active'");
DB_STMT(load_principal,
    "SELECT u.kind, "
    "  coalesce((SELECT json_agg(json_build_array(g.role, g.community_id)) FROM role_grants g "
    "            WHERE g.org_id = u.org_id AND g.user_id = u.id), '[]'), "
    "  coalesce((SELECT json_agg(json_build_array(r.unit_id, r.community_id) ORDER BY r.created_at) "
    "            FROM residencies r WHERE r.org_id = u.org_id AND r.user_id = u.id AND r.status = 'verified'), '[]') "
    "FROM users u WHERE u.org_id = $1 AND u.id = $2 AND u.status = 'active'");
DB_STMT(insert_refresh,
    "INSERT INTO refresh_tokens (token_hash, org_id, user_id, family_id, expires_at) "
    "VALUES (decode($1, 'hex'), $2, $3, coalesce($4::uuid, gen_random_uuid()), now() + $5 * interval '1 second') "
    "RETURNING family_id");
DB_STMT(rotate_refresh,
    "UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = decode($1, 'hex') "
    "AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now() "
    "RETURNING org_id, user_id, family_id");
DB_STMT(find_refresh,
    "SELECT family_id FROM refresh_tokens WHERE token_hash = decode($1, 'hex') AND rotated_at IS NOT NULL");
DB_STMT(revoke_family,
    "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL "
    "RETURNING user_id");
DB_STMT(revoke_family_of,
    "UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id = "
    "(SELECT family_id FROM refresh_tokens WHERE token_hash = decode($1, 'hex')) RETURNING user_id");
DB_STMT(find_client,
    "SELECT org_id, id, secret_hash, array_to_string(scopes, ' ') FROM api_clients "
    "WHERE client_id = $1 AND revoked_at IS NULL");

void token_pair_free(struct token_pair *t)
{
    free(t->access_token);
    free(t->refresh_token);
    t->access_token = t->refresh_token = NULL;
}

/* Reserves one attempt for account_key and address_key (see the lockout above). PD_OK with
 * the address reservation's id in reservation; PD_ERR_THROTTLED with *retry_after (>= 1)
 * when either key is at its limit, nothing reserved. */
static enum pd_err attempt_reserve(struct db_conn *db, const char *account_key, const char *address_key,
                                   char reservation[24], int *retry_after)
{
    char account_max[12], address_max[12];
    snprintf(account_max, sizeof account_max, "%d", AUTH_MAX_ACCOUNT_FAILURES);
    snprintf(address_max, sizeof address_max, "%d", AUTH_MAX_ADDRESS_FAILURES);
    const char *lp[] = { account_key, address_key };
    const char *p[] = { account_key, address_key, account_max, address_max };
    PGresult *r = NULL;
    *retry_after = 0;
    reservation[0] = '\0';
    enum pd_err err = db_begin(db);
    if (err != PD_OK)
        return err;
    if ((err = db_exec(db, &lock_keys, 2, lp, NULL)) != PD_OK ||
        (err = db_exec(db, &reserve_attempt, 4, p, &r)) != PD_OK)
        goto cleanup;
    if (db_value(r, 0, 0) != NULL) {
        snprintf(reservation, 24, "%s", PQgetvalue(r, 0, 0));
    } else {
        if (strcmp(PQgetvalue(r, 0, 1), "t") == 0)
            *retry_after = atoi(PQgetvalue(r, 0, 2));
        if (strcmp(PQgetvalue(r, 0, 3), "t") == 0 && atoi(PQgetvalue(r, 0, 4)) > *retry_after)
            *retry_after = atoi(PQgetvalue(r, 0, 4));
        if (*retry_after < 1)
            *retry_after = 1;
        err = PD_ERR_THROTTLED;
    }
    if (err == PD_OK)
        err = db_commit(db);
cleanup:
    PQclear(r);
    db_rollback(db);
    return err;
}

/* The password was right: the account starts afresh and the address gets its attempt back. */
static enum pd_err attempt_succeeded(struct db_conn *db, const char *account_key, const char *reservation)
{
    const char *p[] = { account_key, reservation };
    return db_exec(db, &clear_attempts, 2, p, NULL);
}

static void add_id(int *n, char ids[][PD_UUID_LEN + 1], const char *id)
{
    if (id == NULL || strlen(id) != PD_UUID_LEN || *n >= PD_MAX_SCOPE_IDS)
        return;
    for (int i = 0; i < *n; i++)
        if (strcmp(ids[i], id) == 0)
            return;
    memcpy(ids[(*n)++], id, PD_UUID_LEN + 1);
}

enum pd_err auth_principal(struct db_conn *db, const char *org, const char *user_id,
                           struct principal *out)
{
    const char *p[] = { org, user_id };
    PGresult *r;
    enum pd_err err = db_exec(db, &load_principal, 2, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_UNAUTHORIZED;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->sub, sizeof out->sub, "%s", user_id);
    snprintf(out->org, sizeof out->org, "%s", org);
    bool resident = strcmp(PQgetvalue(r, 0, 0), "resident") == 0;
    json_t *j_grants = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
    json_t *j_units = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
    PQclear(r);
    size_t i;
    json_t *j_row;
    if (resident) {
        out->role = ROLE_OWNER;
        json_array_foreach(j_units, i, j_row) {
            add_id(&out->n_units, out->units, json_string_value(json_array_get(j_row, 0)));
            add_id(&out->n_communities, out->communities, json_string_value(json_array_get(j_row, 1)));
        }
    } else {
        json_array_foreach(j_grants, i, j_row) {
            enum pd_role role = role_parse(json_string_value(json_array_get(j_row, 0)));
            const char *community = json_string_value(json_array_get(j_row, 1));
            if (role > out->role)
                out->role = role;
            if (community == NULL)
                out->org_wide = true;
            else
                add_id(&out->n_communities, out->communities, community);
        }
        if (out->org_wide)
            out->n_communities = 0;
    }
    json_decref(j_grants);
    json_decref(j_units);
    return out->role == ROLE_NONE ? PD_ERR_FORBIDDEN : PD_OK;
}

/* Issues an access token and a refresh token in family (NULL = a new family). */
static enum pd_err issue_pair(struct db_conn *db, const struct principal *who, const char *family,
                              struct token_pair *out)
{
    char *refresh = random_token(32);
    char digest[65], ttl[16];
    if (refresh == NULL)
        return PD_ERR_NOMEM;
    sha256_hex(refresh, strlen(refresh), digest);
    snprintf(ttl, sizeof ttl, "%d", g_config.refresh_ttl);
    const char *p[] = { digest, who->org, who->sub, family, ttl };
    PGresult *r = NULL;
    struct principal session = *who;  /* the access token names its login (the family) */
    enum pd_err err = db_exec(db, &insert_refresh, 5, p, &r);
    if (err == PD_OK) {
        snprintf(session.sid, sizeof session.sid, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        err = jwt_issue(&session, g_config.access_ttl, &out->access_token);
    }
    if (err != PD_OK) {
        free(refresh);
        return err;
    }
    out->refresh_token = refresh;
    out->expires_in = g_config.access_ttl;
    out->refresh_expires_in = g_config.refresh_ttl;
    return PD_OK;
}

enum pd_err auth_login(struct db_conn *db, const char *login, const char *password,
                       const char *address, struct token_pair *out, int *retry_after)
{
    char account_key[1100], address_key[80], reservation[24];
    char org[PD_UUID_LEN + 1] = "", user[PD_UUID_LEN + 1] = "";
    memset(out, 0, sizeof *out);
    *retry_after = 0;
    snprintf(address_key, sizeof address_key, "ip:%s", address);
    const char *p[] = { login };
    PGresult *r;
    enum pd_err err = db_exec(db, &find_login, 1, p, &r);
    if (err != PD_OK)
        return err;
    bool found = db_value(r, 0, 1) != NULL;
    if (found) {  /* failures count per account, whichever of its logins was typed */
        snprintf(org, sizeof org, "%s", PQgetvalue(r, 0, 1));
        snprintf(user, sizeof user, "%s", PQgetvalue(r, 0, 2));
        snprintf(account_key, sizeof account_key, "u:%s", user);
    } else {      /* per identifier as login folds it, so an unknown one locks alike */
        snprintf(account_key, sizeof account_key, "a:%s", PQgetvalue(r, 0, 0));
    }
    if ((err = attempt_reserve(db, account_key, address_key, reservation, retry_after)) != PD_OK) {
        PQclear(r);
        return err;
    }
    /* an unknown login costs the same as a real check */
    bool ok = password_verify(found ? PQgetvalue(r, 0, 3) : NULL, password);
    PQclear(r);
    if (!ok)
        return PD_ERR_UNAUTHORIZED;  /* the reservations stay, as the failures */

    struct principal who;
    if ((err = attempt_succeeded(db, account_key, reservation)) != PD_OK ||
        (err = db_begin(db)) != PD_OK)
        return err;
    if ((err = auth_principal(db, org, user, &who)) == PD_OK &&
        (err = issue_pair(db, &who, NULL, out)) == PD_OK &&
        (err = db_commit(db)) == PD_OK)
        return PD_OK;
    db_rollback(db);
    token_pair_free(out);
    return err;
}

enum pd_err auth_refresh(struct db_conn *db, const char *refresh_token, struct token_pair *out)
{
    char digest[65];
    sha256_hex(refresh_token, strlen(refresh_token), digest);
    const char *p[] = { digest };
    PGresult *r;
    memset(out, 0, sizeof *out);
    enum pd_err err = db_begin(db);
    if (err != PD_OK)
        return err;
    if ((err = db_exec(db, &rotate_refresh, 1, p, &r)) != PD_OK)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        /* a rotated token presented again: someone holds a copy; end the whole family */
        if ((err = db_exec(db, &find_refresh, 1, p, &r)) != PD_OK)
            goto fail;
        char user[PD_UUID_LEN + 1] = "";
        if (PQntuples(r) == 1) {
            const char *fp[] = { PQgetvalue(r, 0, 0) };
            PGresult *rv;
            if ((err = db_exec(db, &revoke_family, 1, fp, &rv)) == PD_OK) {
                if (PQntuples(rv) > 0)
                    snprintf(user, sizeof user, "%s", PQgetvalue(rv, 0, 0));
                PQclear(rv);
            }
        }
        PQclear(r);
        if (err != PD_OK || (err = db_commit(db)) != PD_OK)
            goto fail;
        if (user[0])
            sessions_forget(user);
        return PD_ERR_UNAUTHORIZED;
    }
    char org[PD_UUID_LEN + 1], user[PD_UUID_LEN + 1], family[PD_UUID_LEN + 1];
    snprintf(org, sizeof org, "%s", PQgetvalue(r, 0, 0));
    snprintf(user, sizeof user, "%s", PQgetvalue(r, 0, 1));
    snprintf(family, sizeof family, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    struct principal who;
    if ((err = auth_principal(db, org, user, &who)) != PD_OK ||
        (err = issue_pair(db, &who, family, out)) != PD_OK || (err = db_commit(db)) != PD_OK)
        goto fail;
    return PD_OK;
fail:
    db_rollback(db);
    token_pair_free(out);
    return err == PD_ERR_FORBIDDEN ? PD_ERR_UNAUTHORIZED : err;
}

enum pd_err auth_logout(struct db_conn *db, const char *refresh_token)
{
    char digest[65];
    sha256_hex(refresh_token, strlen(refresh_token), digest);
    const char *p[] = { digest };
    PGresult *r;
    enum pd_err err = db_exec(db, &revoke_family_of, 1, p, &r);
    if (err == PD_OK && PQntuples(r) > 0)
        sessions_forget(PQgetvalue(r, 0, 0));  /* committed: its tokens are refused at once */
    if (err == PD_OK)
        PQclear(r);
    return err;
}

/* True when every scope in requested is in granted (both space-separated). */
static bool scopes_subset(const char *requested, const char *granted, unsigned *bits)
{
    char buf[512];
    if (strlen(requested) >= sizeof buf)
        return false;
    strcpy(buf, requested);
    *bits = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        unsigned bit = scope_parse(tok);
        size_t n = strlen(tok);
        const char *g = granted;
        bool found = false;
        while (!found && (g = strstr(g, tok)) != NULL) {
            found = (g == granted || g[-1] == ' ') && (g[n] == ' ' || g[n] == '\0');
            g += n;
        }
        if (bit == 0 || !found)
            return false;
        *bits |= bit;
    }
    return true;
}

enum pd_err auth_client_credentials(struct db_conn *db, const char *client_id,
                                    const char *secret, const char *scope, const char *address,
                                    struct token_pair *out, int *retry_after)
{
    char account_key[300], address_key[80], reservation[24];
    snprintf(account_key, sizeof account_key, "c:%s", client_id);
    snprintf(address_key, sizeof address_key, "ip:%s", address);
    memset(out, 0, sizeof *out);
    *retry_after = 0;
    const char *p[] = { client_id };
    PGresult *r;
    enum pd_err err = db_exec(db, &find_client, 1, p, &r);
    if (err != PD_OK)
        return err;
    if ((err = attempt_reserve(db, account_key, address_key, reservation, retry_after)) != PD_OK) {
        PQclear(r);
        return err;
    }
    bool ok = PQntuples(r) == 1 ? password_verify(PQgetvalue(r, 0, 2), secret)
                                : password_verify(NULL, secret);
    if (!ok || (err = attempt_succeeded(db, account_key, reservation)) != PD_OK) {
        PQclear(r);
        return ok ? err : PD_ERR_UNAUTHORIZED;
    }
    struct principal who;
    memset(&who, 0, sizeof who);
    snprintf(who.org, sizeof who.org, "%s", PQgetvalue(r, 0, 0));
    snprintf(who.sub, sizeof who.sub, "%s", PQgetvalue(r, 0, 1));
    who.role = ROLE_INTEGRATION;
    const char *granted = PQgetvalue(r, 0, 3);
    bool scope_ok = scopes_subset(scope != NULL ? scope : granted, granted, &who.scopes);
    snprintf(out->scope, sizeof out->scope, "%s", scope != NULL ? scope : granted);
    PQclear(r);
    if (!scope_ok)
        return PD_ERR_INVALID;
    if ((err = jwt_issue(&who, g_config.access_ttl, &out->access_token)) != PD_OK)
        return err;
    out->expires_in = g_config.access_ttl;
    return PD_OK;
}
