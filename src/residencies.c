/* Residency rules and SQL. Rendering is pd_residency_json (joined with the unit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "residencies.h"


const char *residency_next(const char *status, enum residency_action a)
{
    bool pending = strcmp(status, "pending") == 0, verified = strcmp(status, "verified") == 0;
    switch (a) {
    case RES_VERIFY: return pending ? "verified" : NULL;
    case RES_REJECT: return pending ? "rejected" : NULL;
    case RES_REVOKE: return pending || verified ? "revoked" : NULL;
    }
    return NULL;
}

json_t *residency_actions(const char *status, bool caller_is_verifier, bool caller_is_resident)
{
    json_t *j = json_array();
    if (caller_is_verifier) {
        if (residency_next(status, RES_VERIFY))
            json_array_append_new(j, json_string("verify"));
        if (residency_next(status, RES_REJECT))
            json_array_append_new(j, json_string("reject"));
        if (residency_next(status, RES_REVOKE))
            json_array_append_new(j, json_string("revoke"));
    } else if (caller_is_resident && strcmp(status, "pending") == 0) {
        json_array_append_new(j, json_string("revoke"));
    }
    return j;
}

#define RES_VISIBLE "($3::uuid[] IS NULL OR r.community_id = ANY ($3)) AND ($4::uuid IS NULL OR r.user_id = $4)"

DB_STMT(list_residencies,
    "SELECT pd_residency_json(r, u), (extract(epoch FROM r.created_at) * 1000000)::bigint, r.id "
    "FROM residencies r JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id "
    "WHERE r.org_id = $1 AND ($2::text IS NULL OR r.status = $2) AND " RES_VISIBLE " "
    "AND ($5::uuid IS NULL OR r.community_id = $5) AND ($6::uuid IS NULL OR r.unit_id = $6) "
    "AND ($7::bigint IS NULL OR (r.created_at, r.id) < (timestamptz 'epoch' + $7 * interval '1 microsecond', $8::uuid)) "
    "ORDER BY r.created_at DESC, r.id DESC LIMIT $9");
DB_STMT(get_residency,
    "SELECT pd_residency_json(r, u) FROM residencies r "
    "JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id "
    "WHERE r.org_id = $1 AND r.id = $2 AND " RES_VISIBLE);
DB_STMT(insert_residency,
    "WITH unit AS (SELECT u.* FROM units u WHERE u.org_id = $1 "
    "      AND ($3::uuid IS NULL OR u.id = $3) "
    "      AND ($4::uuid IS NULL OR (u.community_id = $4 AND u.number = $5)) "
    "      AND ($6::uuid[] IS NULL OR u.community_id = ANY ($6)) LIMIT 1), "
    "person AS (SELECT id FROM users WHERE org_id = $1 AND id = $2 AND kind = 'resident'), "
    "ins AS (INSERT INTO residencies (org_id, user_id, unit_id, community_id, relation) "
    "        SELECT $1, person.id, unit.id, unit.community_id, $7 FROM unit, person RETURNING *) "
    "SELECT pd_residency_json(ins, unit) FROM ins, unit");
DB_STMT(transition_residency,
    "WITH upd AS (UPDATE residencies r SET status = $5, "
    "      verified_by = CASE WHEN $5 = 'verified' THEN $7::uuid ELSE r.verified_by END, "
    "      verified_at = CASE WHEN $5 = 'verified' THEN now() ELSE r.verified_at END, "
    "      reject_reason = coalesce($8, r.reject_reason), "
    "      version = r.version + 1, updated_at = now() "
    "    WHERE r.org_id = $1 AND r.id = $2 AND " RES_VISIBLE " AND r.status = $6 "
    "      AND ($9::int IS NULL OR r.version = $9::int) RETURNING r.*) "
    "SELECT pd_residency_json(upd, u) FROM upd JOIN units u ON u.org_id = upd.org_id AND u.id = upd.unit_id");
DB_STMT(residency_state,
    "SELECT r.status, r.version FROM residencies r WHERE r.org_id = $1 AND r.id = $2 AND " RES_VISIBLE);

enum pd_err residency_list(struct db_conn *db, const char *org, const struct residency_filter *f,
                           const struct page *pg, json_t **out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    const char *p[] = { org, f->status, f->scope, f->user_id, f->community_id, f->unit_id,
                        pp.after_us, pp.after_id, pp.limit };
    return rows_exec_page(db, &list_residencies, 9, p, pg->limit, NULL, NULL, out);
}

enum pd_err residency_get(struct db_conn *db, const char *org, const char *scope,
                          const char *user_id, const char *id, json_t **out)
{
    const char *p[] = { org, id, scope, user_id };
    return rows_exec_one(db, &get_residency, 4, p, out);
}

enum pd_err residency_create(struct db_conn *db, const char *org, const char *scope,
                             const char *user_id, const char *unit_id, const char *community_id,
                             const char *unit_number, const char *relation, json_t **out)
{
    const char *p[] = { org, user_id, unit_id, community_id, unit_number, scope, relation };
    return rows_exec_one(db, &insert_residency, 7, p, out);
}

enum pd_err residency_transition(struct db_conn *db, const char *org, const char *scope,
                                 const char *self_user, const char *id, enum residency_action a,
                                 bool by_resident, const char *actor, const char *reason,
                                 long long version, json_t **out, char status_out[16])
{
    const char *sp[] = { org, id, scope, self_user };
    PGresult *r;
    enum pd_err err = db_exec(db, &residency_state, 4, sp, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    snprintf(status_out, 16, "%s", PQgetvalue(r, 0, 0));
    long long current = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (version > 0 && version != current)
        return PD_ERR_STALE;
    const char *next = residency_next(status_out, a);
    if (by_resident && strcmp(status_out, "pending") != 0)
        next = NULL;  /* residents only withdraw their own pending requests */
    if (next == NULL)
        return PD_ERR_CONFLICT;
    char ver[24];
    const char *p[] = { org, id, scope, self_user, next, status_out, actor, reason,
                        rows_version_param(version, ver) };
    err = rows_exec_one(db, &transition_residency, 9, p, out);
    /* zero rows: it changed between our read and the guarded update */
    return err == PD_ERR_NOT_FOUND ? (version > 0 ? PD_ERR_STALE : PD_ERR_CONFLICT) : err;
}
