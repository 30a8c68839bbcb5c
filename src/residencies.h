/* Residencies: a resident's binding to a unit (owner, tenant or family), requested by the
 * resident or by staff for them, and verified or rejected by staff.
 * States: pending → verified | rejected; verified → revoked; pending → revoked (withdrawn). */
#ifndef PD_RESIDENCIES_H
#define PD_RESIDENCIES_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "machine.h"
#include "pd.h"
#include "rows.h"

enum residency_action { RES_VERIFY, RES_REJECT, RES_REVOKE };

/* The machine (src/machine.h): desk staff verify, reject or revoke; a resident withdraws
 * (revokes) their own pending request. */
extern const struct machine residency_machine;

/* The list (GET /v1/residencies): filters and statement shapes, over the caller's scope. */
extern const struct list_spec residency_list_spec;
/* scope: the caller's (api_scope_params: org, communities, units, self), as the list's. */
enum pd_err residency_get(struct db_conn *db, const char *const scope[4], const char *id, json_t **out);
/* For user_id, in org scope[0]. Either unit_id, or community_id + unit_number, within the
 * communities scope[1] (NULL: any). NOT_FOUND when the unit is absent or out of scope or
 * the user is not a resident of the org; CONFLICT when a live binding exists. */
enum pd_err residency_create(struct db_conn *db, const char *const scope[4], const char *user_id,
                             const char *unit_id, const char *community_id, const char *unit_number,
                             const char *relation, json_t **out);
/* A visible residency (lock: SELECT … FOR UPDATE) as JSON with its status and version. */
enum pd_err residency_load(struct db_conn *db, const char *const scope[4], const char *id, bool lock,
                           json_t **out, char status[16], long long *version);
/* The guarded transition from status at version to `to` (rows_transition). */
enum pd_err residency_transition(struct db_conn *db, const char *org, const char *id, const char *status,
                                 long long version, const char *to, const char *actor, const char *reason);

#endif
