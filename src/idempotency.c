/* SQL for the Idempotency-Key store. The route column holds the target the key was first
 * used for, method and path (0005). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "idempotency.h"

DB_STMT(claim_key,
    "INSERT INTO idempotency_keys (org_id, principal_id, key, route, request_hash) "
    "VALUES ($1, $2, $3, $4, decode($5, 'hex')) "
    "ON CONFLICT (org_id, principal_id, key) DO UPDATE "
    "  SET route = EXCLUDED.route, request_hash = EXCLUDED.request_hash, status = NULL, "
    "      body = NULL, location = NULL, created_at = now(), expires_at = now() + interval '24 hours' "
    "  WHERE idempotency_keys.expires_at < now() "
    "RETURNING 1");
DB_STMT(read_key,
    "SELECT route, encode(request_hash, 'hex'), status, body, location FROM idempotency_keys "
    "WHERE org_id = $1 AND principal_id = $2 AND key = $3");
DB_STMT(store_key,
    "UPDATE idempotency_keys SET status = $4, body = $5, location = $6 "
    "WHERE org_id = $1 AND principal_id = $2 AND key = $3");

enum pd_err idempotency_claim(struct db_conn *db, const char *org, const char *principal,
                              const char *key, const char *target, const unsigned char hash[32],
                              struct idem_replay *out)
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, hash, 32);
    const char *p[] = { org, principal, key, target, hex };
    PGresult *r = NULL;
    memset(out, 0, sizeof *out);
    enum pd_err err = db_exec(db, &claim_key, 5, p, &r);
    if (err != PD_OK)
        return err;
    bool claimed = PQntuples(r) == 1;
    PQclear(r);
    if (claimed)
        return PD_OK;

    err = db_exec(db, &read_key, 3, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), target) != 0 ||
        strcmp(PQgetvalue(r, 0, 1), hex) != 0 || db_value(r, 0, 2) == NULL) {
        PQclear(r);
        return PD_ERR_IDEMPOTENCY;
    }
    out->found = true;
    out->status = atoi(PQgetvalue(r, 0, 2));
    out->body = strdup(PQgetvalue(r, 0, 3));
    snprintf(out->location, sizeof out->location, "%s", PQgetvalue(r, 0, 4));
    PQclear(r);
    return out->body != NULL ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err idempotency_store(struct db_conn *db, const char *org, const char *principal,
                              const char *key, int status, const char *body, const char *location)
{
    char st[8];
    snprintf(st, sizeof st, "%d", status);
    const char *p[] = { org, principal, key, st, body, location };
    return db_exec(db, &store_key, 6, p, NULL);
}
