/* SQL for users and role grants. Rendering is pd_user_json / pd_role_grant_json. */
#include <stdio.h>
#include <string.h>
#include "users.h"

/* Who a caller may see ($S: their communities as uuid[], NULL when org-wide): staff holding a
 * grant in one of those communities or org-wide (colleagues), and residents with a pending
 * or verified residency there. Residents bound nowhere in scope do not exist for them. */
#define USER_IN_SCOPE(S) \
    "(" S "::uuid[] IS NULL " \
    " OR (u.kind = 'staff' AND EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = u.org_id " \
    "     AND g.user_id = u.id AND (g.community_id IS NULL OR g.community_id = ANY (" S ")))) " \
    " OR (u.kind = 'resident' AND EXISTS (SELECT 1 FROM residencies r WHERE r.org_id = u.org_id " \
    "     AND r.user_id = u.id AND r.status IN ('pending', 'verified') AND r.community_id = ANY (" S "))))"

/* Whom a caller may change: those it sees, except staff holding any grant beyond its
 * communities (an org-wide colleague, another community's staff): a community's admin must
 * not take over an account that reaches further than its own. */
#define USER_EDITABLE(S) \
    "(" S "::uuid[] IS NULL OR (" USER_IN_SCOPE(S) " AND NOT EXISTS (SELECT 1 FROM role_grants g " \
    "  WHERE g.org_id = u.org_id AND g.user_id = u.id " \
    "  AND (g.community_id IS NULL OR NOT g.community_id = ANY (" S ")))))"

/* The user list over the reader's reach: $1 org, $2 communities, $3 reveal (phones and
 * e-mails in full: pd_user_json masks residents' otherwise, and q then matches a phone only
 * on what the mask shows: pd_phone_matches). */
static const struct list_filter user_filters[] = {
    { "kind", LIST_ENUM, "user_kind", 0, "u.kind = $v" },
    { "status", LIST_ENUM, "user_status", 0, "u.status = $v" },
    { "department", LIST_ENUM, "department", 0, "u.department = $v" },
    { "q", LIST_TEXT, NULL, 50,
      "strpos(lower(u.name), lower($v)) > 0 OR strpos(u.username, lower($v)) > 0 "
      "OR pd_phone_matches(u.phone, $v, pd_user_pii_masked(u, $3::bool))" },
};

const struct list_spec user_list_spec = {
    .name = "users",
    .select = "SELECT pd_user_json(u, $3::bool), (extract(epoch FROM u.created_at) * 1000000)::bigint, u.id "
              "FROM users u WHERE u.org_id = $1 AND " USER_IN_SCOPE("$2"),
    .n_base = 3,
    .keyset = "(u.created_at, u.id)",
    .order = "u.created_at DESC, u.id DESC",
    .filters = user_filters,
    .n_filters = sizeof user_filters / sizeof user_filters[0],
};

/* $1 org, $2 communities (the reader's reach), then $3 id, $4 reveal. */
DB_STMT(get_visible_user,
    "SELECT pd_user_json(u, $4) FROM users u WHERE u.org_id = $1 AND u.id = $3 AND " USER_IN_SCOPE("$2"));
DB_STMT(insert_user,
    "INSERT INTO users (org_id, kind, name, username, phone, email, department, password_hash) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING pd_user_json(users)");
/* $1 org, $2 id, $3 patch, $4 password hash, $5 version, $6 the editor's communities. */
DB_STMT(update_user,
    "UPDATE users u SET "
    "  name = coalesce($3::jsonb->>'name', u.name), "
    "  phone = CASE WHEN $3::jsonb ? 'phone' THEN $3::jsonb->>'phone' ELSE u.phone END, "
    "  email = CASE WHEN $3::jsonb ? 'email' THEN $3::jsonb->>'email' ELSE u.email END, "
    "  department = CASE WHEN $3::jsonb ? 'department' THEN $3::jsonb->>'department' ELSE u.department END, "
    "  status = coalesce($3::jsonb->>'status', u.status), "
    "  password_hash = coalesce($4, u.password_hash), "
    "  version = u.version + 1, updated_at = now() "
    "WHERE u.org_id = $1 AND u.id = $2 AND ($5::int IS NULL OR u.version = $5::int) "
    "  AND " USER_EDITABLE("$6") " "
    "RETURNING pd_user_json(u)");
/* The same user, when the update matched nothing: $1 org, $2 the editor's communities, $3 id. */
DB_STMT(get_editable_user,
    "SELECT pd_user_json(u) FROM users u WHERE u.org_id = $1 AND u.id = $3 AND " USER_EDITABLE("$2"));
DB_STMT(revoke_sessions_of_disabled,
    "UPDATE refresh_tokens SET revoked_at = now() WHERE org_id = $1 AND user_id = $2 "
    "AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND status = 'disabled')");

/* $1 org, $2 the caller's communities (NULL = org-wide): grants there, and org-wide ones;
 * then $3 user id, $4 community id, $5/$6 the cursor (microseconds, id), $7 limit. */
DB_STMT(list_grants,
    "SELECT pd_role_grant_json(g), (extract(epoch FROM g.created_at) * 1000000)::bigint, g.id "
    "FROM role_grants g WHERE g.org_id = $1 "
    "AND ($2::uuid[] IS NULL OR g.community_id IS NULL OR g.community_id = ANY ($2)) "
    "AND ($3::uuid IS NULL OR g.user_id = $3) AND ($4::uuid IS NULL OR g.community_id = $4) "
    "AND ($5::bigint IS NULL OR (g.created_at, g.id) < (timestamptz 'epoch' + $5 * interval '1 microsecond', $6::uuid)) "
    "ORDER BY g.created_at DESC, g.id DESC LIMIT $7");
DB_STMT(insert_grant,
    "INSERT INTO role_grants (org_id, user_id, role, community_id) "
    "SELECT u.org_id, u.id, $3, $4 FROM users u WHERE u.org_id = $1 AND u.id = $2 AND u.kind = 'staff' "
    "RETURNING pd_role_grant_json(role_grants)");
DB_STMT(delete_grant, "DELETE FROM role_grants WHERE org_id = $1 AND id = $2");

enum pd_err user_list(struct db_conn *db, const char *org, const struct user_reach *who,
                      const char *const values[], const struct page *pg, const char *actions, char **out)
{
    const char *base[] = { org, who->scope, who->reveal ? "true" : "false" };
    return list_run(db, &user_list_spec, base, values, pg, rows_item_actions, actions, out);
}

enum pd_err user_get(struct db_conn *db, const char *org, const struct user_reach *who,
                     const char *id, json_t **out)
{
    const char *p[] = { org, who->scope, id, who->reveal ? "true" : "false" };
    return rows_exec_one(db, &get_visible_user, 4, p, out);
}

enum pd_err user_create(struct db_conn *db, const char *org, const struct user_in *in, json_t **out)
{
    const char *p[] = { org, in->kind, in->name, in->username, in->phone, in->email,
                        in->department, in->password_hash };
    return rows_exec_one(db, &insert_user, 8, p, out);
}

enum pd_err user_update(struct db_conn *db, const char *org, const char *communities, const char *id,
                        const char *patch, const char *password_hash, long long version, json_t **out)
{
    char ver[24];
    const char *p[] = { org, id, patch, password_hash, rows_version_param(version, ver), communities };
    const char *gp[] = { org, communities, id };
    enum pd_err err = rows_exec_update(db, &update_user, 6, p, &get_editable_user, 3, gp, out);
    if (err == PD_OK)  /* a disabled account loses its sessions at once */
        err = db_exec(db, &revoke_sessions_of_disabled, 2, gp, NULL);
    return err;
}

enum pd_err grant_list(struct db_conn *db, const char *const scope[4], const char *user_id,
                       const char *community_id, const struct page *pg, const char *actions, char **out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    const char *p[] = { scope[0], scope[1], user_id, community_id, pp.after_us, pp.after_id, pp.limit };
    return rows_exec_page(db, &list_grants, 7, p, pg->limit, rows_item_actions, actions, out);
}

enum pd_err grant_create(struct db_conn *db, const char *org, const char *user_id,
                         const char *role, const char *community_id, json_t **out)
{
    const char *p[] = { org, user_id, role, community_id };
    return rows_exec_one(db, &insert_grant, 4, p, out);
}

enum pd_err grant_delete(struct db_conn *db, const char *org, const char *id)
{
    const char *p[] = { org, id };
    PGresult *r;
    enum pd_err err = db_exec(db, &delete_grant, 2, p, &r);
    if (err != PD_OK)
        return err;
    bool gone = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return gone ? PD_OK : PD_ERR_NOT_FOUND;
}

const char *user_login_conflict(const struct db_conn *db)
{
    static const char *const fields[] = { "username", "phone", "email", NULL };
    const char *constraint = db_last_constraint(db);
    if (strncmp(constraint, "login_identities_", 17) != 0)
        return NULL;
    for (int i = 0; fields[i] != NULL; i++)
        if (strcmp(constraint + 17, fields[i]) == 0)
            return fields[i];
    return NULL;
}

