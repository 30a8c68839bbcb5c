/* Residencies: a resident's binding to a unit (owner, tenant or family), requested by the
 * resident or by staff for them, and verified or rejected by staff.
 * States: pending → verified | rejected; verified → revoked; pending → revoked (withdrawn). */
#ifndef PD_RESIDENCIES_H
#define PD_RESIDENCIES_H

#include <jansson.h>
#include "db.h"
#include "pd.h"
#include "rows.h"

enum residency_action { RES_VERIFY, RES_REJECT, RES_REVOKE };

/* Pure rules. The state an action leads to from `status`, or NULL when not allowed. */
const char *residency_next(const char *status, enum residency_action a);
/* allowed_actions for a caller: staff who may verify see verify/reject/revoke as the state
 * permits; the resident themself may revoke (withdraw) a pending request. */
json_t *residency_actions(const char *status, bool caller_is_verifier, bool caller_is_resident);

struct residency_filter {
    const char *scope;     /* staff: visible communities (NULL = org) */
    const char *user_id;   /* residents: themselves */
    const char *status, *community_id, *unit_id;
};

enum pd_err residency_list(struct db_conn *db, const char *org, const struct residency_filter *f,
                           const struct page *pg, json_t **out);
enum pd_err residency_get(struct db_conn *db, const char *org, const char *scope,
                          const char *user_id, const char *id, json_t **out);
/* Either unit_id, or community_id + unit_number. NOT_FOUND when the unit is absent or out
 * of scope or the user is not a resident of the org; CONFLICT when a live binding exists. */
enum pd_err residency_create(struct db_conn *db, const char *org, const char *scope,
                             const char *user_id, const char *unit_id, const char *community_id,
                             const char *unit_number, const char *relation, json_t **out);
/* Guarded transition. CONFLICT (with *status_out = current state) when not allowed; a
 * resident (by_resident) may only revoke a pending request. Nothing is written unless it
 * succeeds. */
enum pd_err residency_transition(struct db_conn *db, const char *org, const char *scope,
                                 const char *self_user, const char *id, enum residency_action a,
                                 bool by_resident, const char *actor, const char *reason,
                                 long long version, json_t **out, char status_out[16]);

#endif
