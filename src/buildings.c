/* SQL for buildings. Rendering is pd_building_json (sql/migrations). */
#include <stdio.h>
#include "buildings.h"

/* The building list over the caller's scope ($1 org, $2 communities). */
static const struct list_filter building_filters[] = {
    { "community_id", LIST_UUID, NULL, 0, "b.community_id = $v" },
    { "q", LIST_TEXT, NULL, 50, "strpos(lower(b.name), lower($v)) > 0" },
};

const struct list_spec building_list_spec = {
    .name = "buildings",
    .select = "SELECT pd_building_json(b), (extract(epoch FROM b.created_at) * 1000000)::bigint, b.id "
              "FROM buildings b WHERE b.org_id = $1 AND ($2::uuid[] IS NULL OR b.community_id = ANY ($2))",
    .n_base = 2,
    .keyset = "(b.created_at, b.id)",
    .order = "b.created_at DESC, b.id DESC",
    .filters = building_filters,
    .n_filters = sizeof building_filters / sizeof building_filters[0],
};
/* Single buildings over the caller's scope: $1 org, $2 communities, then their own;
 * here $3 id. */
DB_STMT(get_building,
    "SELECT pd_building_json(b) FROM buildings b "
    "WHERE b.org_id = $1 AND b.id = $3 AND ($2::uuid[] IS NULL OR b.community_id = ANY ($2))");
/* $3 community id, $4 name, $5 code */
DB_STMT(insert_building,
    "INSERT INTO buildings (org_id, community_id, name, code) "
    "SELECT c.org_id, c.id, $4, $5 FROM communities c "
    "WHERE c.org_id = $1 AND c.id = $3 AND ($2::uuid[] IS NULL OR c.id = ANY ($2)) "
    "RETURNING pd_building_json(buildings)");
/* $3 id, $4 patch, $5 version */
DB_STMT(update_building,
    "UPDATE buildings b SET "
    "  name = coalesce($4::jsonb->>'name', b.name), "
    "  code = CASE WHEN $4::jsonb ? 'code' THEN $4::jsonb->>'code' ELSE b.code END, "
    "  version = b.version + 1, updated_at = now() "
    "WHERE b.org_id = $1 AND b.id = $3 AND ($2::uuid[] IS NULL OR b.community_id = ANY ($2)) "
    "AND ($5::int IS NULL OR b.version = $5::int) "
    "RETURNING pd_building_json(b)");

enum pd_err building_get(struct db_conn *db, const char *const scope[4], const char *id, json_t **out)
{
    const char *p[] = { scope[0], scope[1], id };
    return rows_exec_one(db, &get_building, 3, p, out);
}

enum pd_err building_create(struct db_conn *db, const char *const scope[4],
                            const char *community_id, const char *name, const char *code,
                            json_t **out)
{
    const char *p[] = { scope[0], scope[1], community_id, name, code };
    return rows_exec_one(db, &insert_building, 5, p, out);
}

enum pd_err building_update(struct db_conn *db, const char *const scope[4], const char *id,
                            const char *patch, long long version, json_t **out)
{
    char ver[24];
    const char *p[] = { scope[0], scope[1], id, patch, rows_version_param(version, ver) };
    const char *gp[] = { scope[0], scope[1], id };
    return rows_exec_update(db, &update_building, 5, p, &get_building, 3, gp, out);
}
