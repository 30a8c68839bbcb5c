/* SQL for communities. Rendering is pd_community_json (sql/migrations). */
#include <stdio.h>
#include "communities.h"
#include "rows.h"
#include "tz.h"

DB_STMT(list_communities,
    "SELECT pd_community_json(c), (extract(epoch FROM c.created_at) * 1000000)::bigint, c.id "
    "FROM communities c WHERE c.org_id = $1 "
    "AND ($2::uuid[] IS NULL OR c.id = ANY ($2)) "
    "AND ($3::text IS NULL OR strpos(lower(c.name), lower($3)) > 0) "
    "AND ($4::bigint IS NULL OR (c.created_at, c.id) < (timestamptz 'epoch' + $4 * interval '1 microsecond', $5::uuid)) "
    "ORDER BY c.created_at DESC, c.id DESC LIMIT $6");
DB_STMT(get_community,
    "SELECT pd_community_json(c) FROM communities c "
    "WHERE c.org_id = $1 AND c.id = $2 AND ($3::uuid[] IS NULL OR c.id = ANY ($3))");
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
    "WHERE c.org_id = $1 AND c.id = $2 AND ($3::uuid[] IS NULL OR c.id = ANY ($3)) "
    "AND ($5::int IS NULL OR c.version = $5::int) "
    "RETURNING pd_community_json(c)");
DB_STMT(known_time_zone, "SELECT 1 FROM pg_timezone_names WHERE name = $1");

enum pd_err community_list(struct db_conn *db, const char *org, const char *scope, const char *q,
                           const struct page *pg, json_t **out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    const char *p[] = { org, scope, q, pp.after_us, pp.after_id, pp.limit };
    return rows_exec_page(db, &list_communities, 6, p, pg->limit, NULL, NULL, out);
}

enum pd_err community_get(struct db_conn *db, const char *org, const char *scope, const char *id,
                          json_t **out)
{
    const char *p[] = { org, id, scope };
    return rows_exec_one(db, &get_community, 3, p, out);
}

enum pd_err community_create(struct db_conn *db, const char *org, const struct community_in *in,
                             json_t **out)
{
    const char *p[] = { org, in->name, in->code, in->address, in->time_zone, in->business_hours };
    return rows_exec_one(db, &insert_community, 6, p, out);
}

enum pd_err community_update(struct db_conn *db, const char *org, const char *scope, const char *id,
                             const char *patch, long long version, json_t **out)
{
    char ver[24];
    const char *p[] = { org, id, scope, patch, rows_version_param(version, ver) };
    const char *gp[] = { org, id, scope };
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
