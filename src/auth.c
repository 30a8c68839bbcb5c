/* Authentication flows over PostgreSQL. Failed attempts are rows in auth_failures so the
 * lockout holds across instances; refresh tokens are stored as SHA-256 digests. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "jwt.h"

DB_STMT(failure_counts,
    "SELECT count(*) FILTER (WHERE key = $1), count(*) FILTER (WHERE key = $2), "
    "  coalesce(ceil(extract(epoch FROM min(at) FILTER (WHERE key = $1) + interval '15 minutes' - now())), 1)::int, "
    "  coalesce(ceil(extract(epoch FROM min(at) FILTER (WHERE key = $2) + interval '15 minutes' - now())), 1)::int "
    "FROM auth_failures WHERE key IN ($1, $2) AND at > now() - interval '15 minutes'");
DB_STMT(record_failure,
    "WITH purge AS (DELETE FROM auth_failures WHERE key IN ($1, $2) AND at < now() - interval '15 minutes') "
    "INSERT INTO auth_failures (key) VALUES ($1), ($2)");
DB_STMT(clear_failures, "DELETE FROM auth_failures WHERE key = $1");
DB_STMT(find_login,
    "SELECT org_id, id, password_hash FROM users "
    "WHERE (username = lower($1) OR phone = $1 OR lower(email) = lower($1)) AND status = 'active' LIMIT 1");
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
    "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL");
DB_STMT(revoke_family_of,
    "UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id = "
    "(SELECT family_id FROM refresh_tokens WHERE token_hash = decode($1, 'hex'))");
DB_STMT(find_client,
    "SELECT org_id, id, secret_hash, array_to_string(scopes, ' ') FROM api_clients "
    "WHERE client_id = $1 AND revoked_at IS NULL");

void token_pair_free(struct token_pair *t)
{
    free(t->access_token);
    free(t->refresh_token);
    t->access_token = t->refresh_token = NULL;
}

/* PD_ERR_THROTTLED with *retry_after when either key is over its limit. */
static enum pd_err throttle_check(struct db_conn *db, const char *account_key,
                                  const char *address_key, int *retry_after)
{
    const char *p[] = { account_key, address_key };
    PGresult *r;
    enum pd_err err = db_exec(db, &failure_counts, 2, p, &r);
    if (err != PD_OK)
        return err;
    int account = atoi(PQgetvalue(r, 0, 0)), address = atoi(PQgetvalue(r, 0, 1));
    int wait_account = atoi(PQgetvalue(r, 0, 2)), wait_address = atoi(PQgetvalue(r, 0, 3));
    PQclear(r);
    *retry_after = 0;
    if (account >= AUTH_MAX_ACCOUNT_FAILURES)
        *retry_after = wait_account;
    if (address >= AUTH_MAX_ADDRESS_FAILURES && wait_address > *retry_after)
        *retry_after = wait_address;
    if (*retry_after == 0)
        return PD_OK;
    if (*retry_after < 1)
        *retry_after = 1;
    return PD_ERR_THROTTLED;
}

static enum pd_err record_failed(struct db_conn *db, const char *account_key, const char *address_key)
{
    const char *p[] = { account_key, address_key };
    enum pd_err err = db_exec(db, &record_failure, 2, p, NULL);
    return err == PD_OK ? PD_ERR_UNAUTHORIZED : err;
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
    char account_key[300], address_key[80];
    snprintf(account_key, sizeof account_key, "a:%s", login);
    for (char *c = account_key; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    snprintf(address_key, sizeof address_key, "ip:%s", address);
    memset(out, 0, sizeof *out);

    enum pd_err err = throttle_check(db, account_key, address_key, retry_after);
    if (err != PD_OK)
        return err;
    const char *p[] = { login };
    PGresult *r;
    if ((err = db_exec(db, &find_login, 1, p, &r)) != PD_OK)
        return err;
    char org[PD_UUID_LEN + 1] = "", user[PD_UUID_LEN + 1] = "";
    bool ok;
    if (PQntuples(r) == 1) {
        snprintf(org, sizeof org, "%s", PQgetvalue(r, 0, 0));
        snprintf(user, sizeof user, "%s", PQgetvalue(r, 0, 1));
        ok = password_verify(PQgetvalue(r, 0, 2), password);
    } else {
        ok = password_verify(NULL, password);  /* same cost as a real check */
    }
    PQclear(r);
    if (!ok)
        return record_failed(db, account_key, address_key);

    struct principal who;
    const char *cp[] = { account_key };
    if ((err = db_begin(db)) != PD_OK)
        return err;
    if ((err = db_exec(db, &clear_failures, 1, cp, NULL)) == PD_OK &&
        (err = auth_principal(db, org, user, &who)) == PD_OK &&
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
        if (PQntuples(r) == 1) {
            const char *fp[] = { PQgetvalue(r, 0, 0) };
            err = db_exec(db, &revoke_family, 1, fp, NULL);
        }
        PQclear(r);
        if (err != PD_OK || (err = db_commit(db)) != PD_OK)
            goto fail;
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
    return db_exec(db, &revoke_family_of, 1, p, NULL);
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
    char account_key[300], address_key[80];
    snprintf(account_key, sizeof account_key, "c:%s", client_id);
    snprintf(address_key, sizeof address_key, "ip:%s", address);
    memset(out, 0, sizeof *out);
    enum pd_err err = throttle_check(db, account_key, address_key, retry_after);
    if (err != PD_OK)
        return err;
    const char *p[] = { client_id };
    PGresult *r;
    if ((err = db_exec(db, &find_client, 1, p, &r)) != PD_OK)
        return err;
    bool ok = PQntuples(r) == 1 ? password_verify(PQgetvalue(r, 0, 2), secret)
                                : password_verify(NULL, secret);
    if (!ok) {
        PQclear(r);
        return record_failed(db, account_key, address_key);
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
