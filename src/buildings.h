/* Buildings (楼栋) of a community. scope: uuid[] literal of visible communities, NULL = org. */
#ifndef PD_BUILDINGS_H
#define PD_BUILDINGS_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "rows.h"

/* The list (GET /v1/buildings): filters and statement shapes, over the caller's scope. */
extern const struct list_spec building_list_spec;
enum pd_err building_get(struct db_conn *db, const char *org, const char *scope, const char *id,
                         json_t **out);
/* PD_ERR_NOT_FOUND when the community is absent or out of scope. */
enum pd_err building_create(struct db_conn *db, const char *org, const char *scope,
                            const char *community_id, const char *name, const char *code,
                            json_t **out);
enum pd_err building_update(struct db_conn *db, const char *org, const char *scope, const char *id,
                            const char *patch, long long version, json_t **out);

#endif
