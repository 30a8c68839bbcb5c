/* The caller's own profile (GET /v1/me) and org reference data (departments). */
#ifndef PD_ME_H
#define PD_ME_H

#include <jansson.h>
#include "db.h"

/* {user, org, roles, communities, units}; units are verified residencies only. */
enum pd_err me_get(struct db_conn *db, const char *org, const char *user_id, json_t **out);
/* {items: [{code, name, label}], next_cursor: null} */
enum pd_err departments_list(struct db_conn *db, const char *org, json_t **out);

#endif
