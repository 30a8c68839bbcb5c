/* Communities (小区/项目): the unit of staff scope and of SLA time (time zone, business hours).
 * scope arguments: the caller's (api_scope_params: org, communities, units, self); read by
 * org and communities (a uuid[] literal of those the caller may see, NULL = whole org). */
#ifndef PD_COMMUNITIES_H
#define PD_COMMUNITIES_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "rows.h"

struct community_in {
    const char *name, *code, *address, *time_zone;
    const char *business_hours;  /* JSON text, or NULL for the default */
};

/* The directory (GET /v1/communities): filters and statement shapes, over the caller's scope. */
extern const struct list_spec community_list_spec;
enum pd_err community_get(struct db_conn *db, const char *const scope[4], const char *id,
                          json_t **out);
enum pd_err community_create(struct db_conn *db, const char *org, const struct community_in *in,
                             json_t **out);
/* patch: validated JSON object of the fields to change; version 0 = unconditional.
 * PD_ERR_STALE when the object exists at another version. */
enum pd_err community_update(struct db_conn *db, const char *const scope[4], const char *id,
                             const char *patch, long long version, json_t **out);
/* True when tz is a time zone both src/tz.c (ICU: the SLA clocks) and PostgreSQL (dates in
 * SQL) know; false also when the database cannot answer. */
bool community_time_zone_known(struct db_conn *db, const char *tz);

#endif
