/* Residency rules and SQL. Rendering is pd_residency_json (joined with the unit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "residencies.h"


static const char *const PENDING[] = { "pending", NULL };
static const char *const LIVE[] = { "pending", "verified", NULL };
#define DESK_ROLES (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | \
                    ROLE_BIT(ROLE_ADMIN))

/* An owner sees only their own residencies, so no guard is needed for the withdrawal. */
static const struct machine_transition residency_transitions[] = {
    { RES_VERIFY, PENDING, "verified", DESK_ROLES, NULL, false, NULL },
    { RES_REJECT, PENDING, "rejected", DESK_ROLES, NULL, false, NULL },
    { RES_REVOKE, LIVE, "revoked", DESK_ROLES, NULL, false, NULL },
    { RES_REVOKE, PENDING, "revoked", ROLE_BIT(ROLE_OWNER), NULL, false, NULL },
};

const struct machine residency_machine = {
    "residency", "residency_action", RES_REVOKE + 1, residency_transitions,
    sizeof residency_transitions / sizeof residency_transitions[0],
};

/* The caller's residencies, from the scope (api_scope_params) in $1 org, $2 communities
 * (staff), $3 units and $4 self — an owner (units not NULL) sees only their own requests
 * and bindings: the leading parameters of the list and of every statement that reads by
 * scope. */
#define RES_VISIBLE "r.org_id = $1 AND ($2::uuid[] IS NULL OR r.community_id = ANY ($2)) " \
                    "AND ($3::uuid[] IS NULL OR r.user_id = $4::uuid)"

/* The list over the caller's scope ($1..$4, RES_VISIBLE). */
static const struct list_filter residency_filters[] = {
    { "status", LIST_ENUM, "residency_status", 0, "r.status = $v" },
    { "community_id", LIST_UUID, NULL, 0, "r.community_id = $v" },
    { "unit_id", LIST_UUID, NULL, 0, "r.unit_id = $v" },
    { "user_id", LIST_UUID, NULL, 0, "r.user_id = $v" },
};

const struct list_spec residency_list_spec = {
    .name = "residencies",
    .select = "SELECT pd_residency_json(r, u), (extract(epoch FROM r.created_at) * 1000000)::bigint, r.id "
              "FROM residencies r JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id "
              "WHERE " RES_VISIBLE,
    .n_base = 4,
    .keyset = "(r.created_at, r.id)",
    .order = "r.created_at DESC, r.id DESC",
    .filters = residency_filters,
    .n_filters = sizeof residency_filters / sizeof residency_filters[0],
};
/* get, lock, load: the scope ($1..$4), $5 id. */
DB_STMT(get_residency,
    "SELECT pd_residency_json(r, u) FROM residencies r "
    "JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id "
    "WHERE " RES_VISIBLE " AND r.id = $5");
/* $1 org, $2 communities (the unit's reach), $3 user, $4 unit, $5 community, $6 number,
 * $7 relation. */
DB_STMT(insert_residency,
    "WITH unit AS (SELECT u.* FROM units u WHERE u.org_id = $1 "
    "      AND ($2::uuid[] IS NULL OR u.community_id = ANY ($2)) "
    "      AND ($4::uuid IS NULL OR u.id = $4) "
    "      AND ($5::uuid IS NULL OR (u.community_id = $5 AND u.number = $6)) LIMIT 1), "
    "person AS (SELECT id FROM users WHERE org_id = $1 AND id = $3 AND kind = 'resident'), "
    "ins AS (INSERT INTO residencies (org_id, user_id, unit_id, community_id, relation) "
    "        SELECT $1, person.id, unit.id, unit.community_id, $7 FROM unit, person RETURNING *) "
    "SELECT pd_residency_json(ins, unit) FROM ins, unit");
DB_STMT(lock_residency,
    "SELECT 1 FROM residencies r WHERE " RES_VISIBLE " AND r.id = $5 FOR UPDATE");
DB_STMT(load_residency,
    "SELECT pd_residency_json(r, u), r.status, r.version FROM residencies r "
    "JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id WHERE " RES_VISIBLE " AND r.id = $5");
/* rows_transition: $1 org, $2 id, $3 from, $4 to, $5 version, $6 actor, $7 reason */
DB_STMT(transition_residency,
    "UPDATE residencies r SET status = $4, "
    "  verified_by = CASE WHEN $4 = 'verified' THEN $6::uuid ELSE r.verified_by END, "
    "  verified_at = CASE WHEN $4 = 'verified' THEN now() ELSE r.verified_at END, "
    "  reject_reason = coalesce($7, r.reject_reason), version = r.version + 1, updated_at = now() "
    "WHERE r.org_id = $1 AND r.id = $2 AND r.status = $3 AND ($5::bigint IS NULL OR r.version = $5) "
    "RETURNING r.version");
DB_STMT(residency_state, "SELECT status, version FROM residencies WHERE org_id = $1 AND id = $2");

enum pd_err residency_get(struct db_conn *db, const char *const scope[4], const char *id, json_t **out)
{
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], id };
    return rows_exec_one(db, &get_residency, 5, p, out);
}

enum pd_err residency_create(struct db_conn *db, const char *const scope[4], const char *user_id,
                             const char *unit_id, const char *community_id, const char *unit_number,
                             const char *relation, json_t **out)
{
    const char *p[] = { scope[0], scope[1], user_id, unit_id, community_id, unit_number, relation };
    return rows_exec_one(db, &insert_residency, 7, p, out);
}

enum pd_err residency_load(struct db_conn *db, const char *const scope[4], const char *id, bool lock,
                           json_t **out, char status[16], long long *version)
{
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], id };
    PGresult *r;
    enum pd_err err;
    *out = NULL;
    if (lock && (err = rows_exist(db, &lock_residency, 5, p)) != PD_OK)
        return err;
    if ((err = rows_exec_row(db, &load_residency, 5, p, &r)) != PD_OK)
        return err;
    *out = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    snprintf(status, 16, "%s", PQgetvalue(r, 0, 1));
    *version = atoll(PQgetvalue(r, 0, 2));
    PQclear(r);
    return *out != NULL ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err residency_transition(struct db_conn *db, const char *org, const char *id, const char *status,
                                 long long version, const char *to, const char *actor, const char *reason)
{
    char v[24], state[24];
    const char *p[] = { org, id, status, to, rows_version_param(version, v), actor, reason };
    const struct rows_transition tr = { &transition_residency, &residency_state };
    return rows_transition(db, &tr, 7, p, NULL, state);
}
