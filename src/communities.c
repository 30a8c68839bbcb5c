/* SQL for communities. Rendering is pd_community_json (sql/migrations). */
#include <stdio.h>
#include "communities.h"
#include "rows.h"
#include "tz.h"

/* The community directory over the caller's scope ($1 org, $2 communities: NULL for owners,
 * who read the org's whole directory to ask for a binding, and for org-wide staff). */
static const struct list_filter community_filters[] = {
    { "q", LIST_TEXT, NULL, 100, "strpos(lower(c.name), lower($v)) > 0" },
};

const struct list_spec community_list_spec = {
    .name = "communities",
    .select = "SELECT pd_community_json(c), (extract(epoch FROM c.created_at) * 1000000)::bigint, c.id "
              "FROM communities c WHERE c.org_id = $1 AND ($2::uuid[] IS NULL OR c.id = ANY ($2))",
    .n_base = 2,
    .keyset = "(c.created_at, c.id)",
    .order = "c.created_at DESC, c.id DESC",
    .filters = community_filters,
    .n_filters = sizeof community_filters / sizeof community_filters[0],
};
/* Single communities over the caller's scope: $1 org, $2 communities, then $3 id (and for
 * the update $4 patch, $5 version). */
DB_STMT(get_community,
    "SELECT pd_community_json(c) FROM communities c "
    "WHERE c.org_id = $1 AND c.id = $3 AND ($2::uuid[] IS NULL OR c.id = ANY ($2))");
DB_STMT(insert_community,
    "INSERT INTO communities (org_id, name, code, address, time_zone, business_hours) "
    "VALUES ($1, $2, $3, $4, coalesce($5, 'Asia/Shanghai'), "
    "coalesce($6::jsonb, '{\"days\":[1,2,3,4,5,6,7],\"start\":\"08:30\",\"end\":\"18:00\"}')) "
    "RETURNING pd_community_json(communities)");
DB_STMT(update_community,
    "UPDATE communities c SET "
    "  name = coalesce($4::jsonb->>'name', c.name), "
    "  code = CASE WHEN $4::jsonb ? 'code' THEN $4::jsonb->>'code' ELSE c.code END, "
    "  address = CASE WHEN $4::jsonb ? 'address' THEN $4::jsonb->>'address' ELSE c.address END, "
    "  time_zone = coalesce($4::jsonb->>'time_zone', c.time_zone), "
    "  business_hours = coalesce($4::jsonb->'business_hours', c.business_hours), "
    "  version = c.version + 1, updated_at = now() "
    "WHERE c.org_id = $1 AND c.id = $3 AND ($2::uuid[] IS NULL OR c.id = ANY ($2)) "
    "AND ($5::int IS NULL OR c.version = $5::int) "
    "RETURNING pd_community_json(c)");
DB_STMT(known_time_zone, "SELECT 1 FROM pg_timezone_names WHERE name = $1");

enum pd_err community_get(struct db_conn *db, const char *const scope[4], const char *id,
                          json_t **out)
{
    const char *p[] = { scope[0], scope[1], id };
    return rows_exec_one(db, &get_community, 3, p, out);
}

enum pd_err community_create(struct db_conn *db, const char *org, const struct community_in *in,
                             json_t **out)
{
    const char *p[] = { org, in->name, in->code, in->address, in->time_zone, in->business_hours };
    return rows_exec_one(db, &insert_community, 6, p, out);
}

enum pd_err community_update(struct db_conn *db, const char *const scope[4], const char *id,
                             const char *patch, long long version, json_t **out)
{
    char ver[24];
    const char *p[] = { scope[0], scope[1], id, patch, rows_version_param(version, ver) };
    const char *gp[] = { scope[0], scope[1], id };
    return rows_exec_update(db, &update_community, 5, p, &get_community, 3, gp, out);
}

bool community_time_zone_known(struct db_conn *db, const char *tz)
{
    if (tz_get(tz) == NULL)
        return false;
    const char *p[] = { tz };
    PGresult *r;
    if (db_exec(db, &known_time_zone, 1, p, &r) != PD_OK)
        return false;
    bool ok = PQntuples(r) > 0;
    PQclear(r);
    return ok;
}
