/* Units (房号) of a building. Staff see units of their communities; owners only their own
 * verified units (units: uuid[] literal from the token). */
#ifndef PD_UNITS_H
#define PD_UNITS_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "rows.h"

/* The list (GET /v1/units): filters and statement shapes, over the caller's scope. */
extern const struct list_spec unit_list_spec;
/* A unit as JSON text with its version (the hot path: nothing is parsed). scope: the
 * caller's (api_scope_params: org, communities, units, self); PD_ERR_NOT_FOUND when absent
 * or out of it. */
enum pd_err unit_get_text(struct db_conn *db, const char *const scope[4], const char *id,
                          char **json, long long *version);
/* items: JSON array text of {number, floor?, area_m2?}. All or nothing; a duplicate number
 * is PD_ERR_CONFLICT. out: array of created units. The building must be in scope (org and
 * communities; the units scope does not apply). */
enum pd_err unit_create_many(struct db_conn *db, const char *const scope[4],
                             const char *building_id, const char *items, json_t **out);
/* Within scope's org and communities (the units scope does not apply). */
enum pd_err unit_update(struct db_conn *db, const char *const scope[4], const char *id,
                        const char *patch, long long version, json_t **out);

#endif
