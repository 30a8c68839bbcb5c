/* Units (房号) of a building. Staff see units of their communities; owners only their own
 * verified units (units: uuid[] literal from the token). */
#ifndef PD_UNITS_H
#define PD_UNITS_H

#include <jansson.h>
#include "db.h"
#include "rows.h"

struct unit_filter {
    const char *scope;         /* visible communities, NULL = org */
    const char *units;         /* owners: their units; NULL = not restricted */
    const char *community_id, *building_id, *q;
};

enum pd_err unit_list(struct db_conn *db, const char *org, const struct unit_filter *f,
                      const struct page *pg, json_t **out);
enum pd_err unit_get(struct db_conn *db, const char *org, const char *scope, const char *units,
                     const char *id, json_t **out);
/* items: JSON array text of {number, floor?, area_m2?}. All or nothing; a duplicate number
 * is PD_ERR_CONFLICT. out: array of created units. */
/* The same as unit_get, as JSON text with its version (the hot path: nothing is parsed). */
enum pd_err unit_get_text(struct db_conn *db, const char *org, const char *scope, const char *units,
                          const char *id, char **json, long long *version);
enum pd_err unit_create_many(struct db_conn *db, const char *org, const char *scope,
                             const char *building_id, const char *items, json_t **out);
enum pd_err unit_update(struct db_conn *db, const char *org, const char *scope, const char *id,
                        const char *patch, long long version, json_t **out);

#endif
