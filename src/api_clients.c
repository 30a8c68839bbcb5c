/* SQL for API clients. Rendering is pd_api_client_json (sql/migrations). */
#include <stdlib.h>
#include <string.h>
#include "api_clients.h"
#include "crypto.h"

DB_STMT(list_clients,
    "SELECT pd_api_client_json(a), (extract(epoch FROM a.created_at) * 1000000)::bigint, a.id "
    "FROM api_clients a WHERE a.org_id = $1 "
    "AND ($2::bigint IS NULL OR (a.created_at, a.id) < (timestamptz 'epoch' + $2 * interval '1 microsecond', $3::uuid)) "
    "ORDER BY a.created_at DESC, a.id DESC LIMIT $4");
DB_STMT(get_client, "SELECT pd_api_client_json(a) FROM api_clients a WHERE a.org_id = $1 AND a.id = $2");
DB_STMT(insert_client,
    "INSERT INTO api_clients (org_id, client_id, name, secret_hash, scopes) "
    "VALUES ($1, $2, $3, $4, $5::text[]) RETURNING pd_api_client_json(api_clients)");
DB_STMT(revoke_client,
    "UPDATE api_clients SET revoked_at = coalesce(revoked_at, now()), version = version + 1, "
    "updated_at = now() WHERE org_id = $1 AND id = $2");

enum pd_err api_client_list(struct db_conn *db, const char *org, const struct page *pg, char **out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    const char *p[] = { org, pp.after_us, pp.after_id, pp.limit };
    return rows_exec_page(db, &list_clients, 4, p, pg->limit, NULL, NULL, out);
}

enum pd_err api_client_get(struct db_conn *db, const char *org, const char *id, json_t **out)
{
    const char *p[] = { org, id };
    return rows_exec_one(db, &get_client, 2, p, out);
}

enum pd_err api_client_create(struct db_conn *db, const char *org, const char *name,
                              const char *scopes, json_t **out)
{
    char *id_part = random_token(12), *secret = random_token(32);
    char client_id[40], hash[128];
    enum pd_err err = PD_ERR_NOMEM;
    if (id_part == NULL || secret == NULL || password_hash(secret, hash) != 0)
        goto cleanup;
    snprintf(client_id, sizeof client_id, "pdc_%s", id_part);
    const char *p[] = { org, client_id, name, hash, scopes };
    err = rows_exec_one(db, &insert_client, 5, p, out);
    if (err == PD_OK)
        json_object_set_new(*out, "client_secret", json_string(secret));
cleanup:
    free(id_part);
    if (secret != NULL)
        secret_wipe(secret);
    free(secret);
    return err;
}

enum pd_err api_client_revoke(struct db_conn *db, const char *org, const char *id)
{
    const char *p[] = { org, id };
    PGresult *r;
    enum pd_err err = db_exec(db, &revoke_client, 2, p, &r);
    if (err != PD_OK)
        return err;
    bool hit = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return hit ? PD_OK : PD_ERR_NOT_FOUND;
}
