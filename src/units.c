/* SQL for units. Rendering is pd_unit_json (sql/migrations). Bulk creation is one INSERT
 * over jsonb_to_recordset, so 1,000 units cost one round trip. */
#include <stdio.h>
#include "units.h"

/* The unit list over the caller's scope ($1 org, $2 communities, $3 units). */
static const struct list_filter unit_filters[] = {
    { "community_id", LIST_UUID, NULL, 0, "u.community_id = $v" },
    { "building_id", LIST_UUID, NULL, 0, "u.building_id = $v" },
    { "q", LIST_TEXT, NULL, 30, "starts_with(u.number, $v)" },
};

const struct list_spec unit_list_spec = {
    .name = "units",
    .select = "SELECT pd_unit_json(u), (extract(epoch FROM u.created_at) * 1000000)::bigint, u.id "
              "FROM units u WHERE u.org_id = $1 AND ($2::uuid[] IS NULL OR u.community_id = ANY ($2)) "
              "AND ($3::uuid[] IS NULL OR u.id = ANY ($3))",
    .n_base = 3,
    .keyset = "(u.created_at, u.id)",
    .order = "u.created_at DESC, u.id DESC",
    .filters = unit_filters,
    .n_filters = sizeof unit_filters / sizeof unit_filters[0],
};
/* One unit over the caller's scope: $1 org, $2 communities, $3 units, then $4 id. */
DB_STMT(get_unit,
    "SELECT pd_unit_json(u) FROM units u WHERE u.org_id = $1 AND u.id = $4 "
    "AND ($2::uuid[] IS NULL OR u.community_id = ANY ($2)) AND ($3::uuid[] IS NULL OR u.id = ANY ($3))");
DB_STMT(get_unit_text,
    "SELECT pd_unit_json(u)::text, u.version FROM units u WHERE u.org_id = $1 AND u.id = $4 "
    "AND ($2::uuid[] IS NULL OR u.community_id = ANY ($2)) AND ($3::uuid[] IS NULL OR u.id = ANY ($3))");
/* $1 org, $2 communities, then $3 building id, $4 items (JSON array). */
DB_STMT(insert_units,
    "WITH b AS (SELECT org_id, community_id, id FROM buildings "
    "           WHERE org_id = $1 AND id = $3 AND ($2::uuid[] IS NULL OR community_id = ANY ($2))), "
    "ins AS (INSERT INTO units (org_id, community_id, building_id, number, floor, area_m2) "
    "        SELECT b.org_id, b.community_id, b.id, x.item->>'number', (x.item->>'floor')::int, "
    "               (x.item->>'area_m2')::numeric "
    "        FROM b, jsonb_array_elements($4::jsonb) WITH ORDINALITY AS x (item, n) "
    "        ORDER BY x.n RETURNING *) "
    "SELECT (SELECT count(*) FROM b), coalesce(json_agg(pd_unit_json(ins) ORDER BY ins.number), '[]') FROM ins");
/* $1 org, $2 communities, then $3 id, $4 patch, $5 version. */
DB_STMT(update_unit,
    "UPDATE units u SET "
    "  number = coalesce($4::jsonb->>'number', u.number), "
    "  floor = CASE WHEN $4::jsonb ? 'floor' THEN ($4::jsonb->>'floor')::int ELSE u.floor END, "
    "  area_m2 = CASE WHEN $4::jsonb ? 'area_m2' THEN ($4::jsonb->>'area_m2')::numeric ELSE u.area_m2 END, "
    "  version = u.version + 1, updated_at = now() "
    "WHERE u.org_id = $1 AND u.id = $3 AND ($2::uuid[] IS NULL OR u.community_id = ANY ($2)) "
    "AND ($5::int IS NULL OR u.version = $5::int) "
    "RETURNING pd_unit_json(u)");

enum pd_err unit_get_text(struct db_conn *db, const char *const scope[4], const char *id,
                          char **json, long long *version)
{
    const char *p[] = { scope[0], scope[1], scope[2], id };
    return rows_exec_text(db, &get_unit_text, 4, p, json, version);
}

enum pd_err unit_create_many(struct db_conn *db, const char *const scope[4],
                             const char *building_id, const char *items, json_t **out)
{
    const char *p[] = { scope[0], scope[1], building_id, items };
    PGresult *r;
    enum pd_err err = db_exec(db, &insert_units, 4, p, &r);
    if (err != PD_OK)
        return err;
    if (PQgetvalue(r, 0, 0)[0] == '0') {
        PQclear(r);
        return PD_ERR_NOT_FOUND;  /* the building is absent or out of scope */
    }
    *out = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
    PQclear(r);
    return *out != NULL ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err unit_update(struct db_conn *db, const char *const scope[4], const char *id,
                        const char *patch, long long version, json_t **out)
{
    char ver[24];
    const char *p[] = { scope[0], scope[1], id, patch, rows_version_param(version, ver) };
    const char *gp[] = { scope[0], scope[1], NULL, id };
    return rows_exec_update(db, &update_unit, 5, p, &get_unit, 4, gp, out);
}
