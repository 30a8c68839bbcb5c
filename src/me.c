/* SQL for the caller's profile and the department list. */
#include "enums.h"
#include "me.h"
#include "rows.h"

DB_STMT(get_me,
    "SELECT json_build_object("
    "  'user', pd_user_json(u), "
    "  'org', json_build_object('id', o.id, 'name', o.name), "
    "  'roles', coalesce((SELECT json_agg(json_build_object('role', g.role, 'community_id', g.community_id) "
    "                     ORDER BY g.created_at) FROM role_grants g WHERE g.org_id = u.org_id AND g.user_id = u.id), '[]'), "
    "  'communities', coalesce((SELECT json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.name) "
    "                     FROM communities c WHERE c.org_id = u.org_id AND ("
    "                       EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = u.org_id AND g.user_id = u.id "
    "                               AND (g.community_id IS NULL OR g.community_id = c.id)) "
    "                       OR EXISTS (SELECT 1 FROM residencies r WHERE r.org_id = u.org_id AND r.user_id = u.id "
    "                               AND r.status = 'verified' AND r.community_id = c.id))), '[]'), "
    "  'units', coalesce((SELECT json_agg(json_build_object('id', un.id, 'number', un.number, "
    "                     'community_id', un.community_id, 'building_id', un.building_id, 'relation', r.relation) "
    "                     ORDER BY un.number) FROM residencies r JOIN units un ON un.org_id = r.org_id AND un.id = r.unit_id "
    "                     WHERE r.org_id = u.org_id AND r.user_id = u.id AND r.status = 'verified'), '[]')) "
    "FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.org_id = $1 AND u.id = $2");
DB_STMT(list_departments, "SELECT code, name FROM departments WHERE org_id = $1 ORDER BY code");

enum pd_err me_get(struct db_conn *db, const char *org, const char *user_id, json_t **out)
{
    const char *p[] = { org, user_id };
    return rows_exec_one(db, &get_me, 2, p, out);
}

enum pd_err departments_list(struct db_conn *db, const char *org, json_t **out)
{
    const char *p[] = { org };
    PGresult *r;
    enum pd_err err = db_exec(db, &list_departments, 1, p, &r);
    if (err != PD_OK)
        return err;
    json_t *j_items = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        const char *code = PQgetvalue(r, i, 0);
        json_array_append_new(j_items, json_pack("{s:s, s:s, s:o}", "code", code, "name",
                                                 PQgetvalue(r, i, 1), "label", enum_label("department", code)));
    }
    PQclear(r);
    *out = json_pack("{s:o, s:n}", "items", j_items, "next_cursor");
    return PD_OK;
}
