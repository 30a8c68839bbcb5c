/* Buildings (楼栋) of a community. scope: the caller's (api_scope_params: org, communities,
 * units, self); buildings read it by org and communities (a uuid[] literal, NULL = org). */
#ifndef PD_BUILDINGS_H
#define PD_BUILDINGS_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "rows.h"

/* The list (GET /v1/buildings): filters and statement shapes, over the caller's scope. */
extern const struct list_spec building_list_spec;
enum pd_err building_get(struct db_conn *db, const char *const scope[4], const char *id, json_t **out);
/* PD_ERR_NOT_FOUND when the community is absent or out of scope. */
enum pd_err building_create(struct db_conn *db, const char *const scope[4],
                            const char *community_id, const char *name, const char *code,
                            json_t **out);
enum pd_err building_update(struct db_conn *db, const char *const scope[4], const char *id,
                            const char *patch, long long version, json_t **out);

#endif
