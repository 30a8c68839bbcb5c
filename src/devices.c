/* Device tokens (devices.h). */
#include <stdlib.h>
#include "devices.h"
#include "rows.h"

/* $1 org, $2 user, $3 platform, $4 token, $5 app id; created: the row is new or moved here */
DB_STMT(upsert,
    "WITH prior AS (SELECT org_id, user_id FROM devices WHERE platform = $3 AND app_id = $5 AND token = $4) "
    "INSERT INTO devices AS d (org_id, user_id, platform, token, app_id) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (platform, app_id, token) DO UPDATE SET org_id = excluded.org_id, user_id = excluded.user_id, "
    "  updated_at = now() "
    "RETURNING pd_device_json(d), NOT EXISTS (SELECT 1 FROM prior p WHERE p.org_id = $1 AND p.user_id = $2)");
DB_STMT(list,
    "SELECT coalesce(jsonb_agg(pd_device_json(d) ORDER BY d.created_at DESC, d.id DESC), '[]') "
    "FROM devices d WHERE d.org_id = $1 AND d.user_id = $2");
DB_STMT(remove_device, "DELETE FROM devices WHERE org_id = $1 AND user_id = $2 AND id = $3");

enum pd_err device_register(struct db_conn *db, const char *org, const char *user, const char *platform,
                            const char *token, const char *app_id, json_t **out, bool *created)
{
    const char *p[] = { org, user, platform, token, app_id };
    PGresult *r = NULL;
    enum pd_err err = rows_exec_row(db, &upsert, 5, p, &r);
    if (err != PD_OK)
        return err;
    *out = json_loads(db_value(r, 0, 0), 0, NULL);
    *created = db_value(r, 0, 1)[0] == 't';
    PQclear(r);
    return *out ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err device_list(struct db_conn *db, const char *org, const char *user, json_t **out)
{
    const char *p[] = { org, user };
    return rows_exec_one(db, &list, 2, p, out);
}

enum pd_err device_delete(struct db_conn *db, const char *org, const char *user, const char *id)
{
    const char *p[] = { org, user, id };
    PGresult *r = NULL;
    enum pd_err err = db_exec(db, &remove_device, 3, p, &r);
    if (err == PD_OK && atoi(PQcmdTuples(r)) == 0)
        err = PD_ERR_NOT_FOUND;
    PQclear(r);
    return err;
}
