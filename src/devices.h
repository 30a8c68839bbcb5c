/* Device tokens for push (sql/migrations/0034_devices.sql): a user's phones and browsers. A
 * token belongs to one user at a time; registering it again moves it to the caller. */
#ifndef PD_DEVICES_H
#define PD_DEVICES_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "pd.h"

/* Registers (or moves, or refreshes) the token for user; *created: it was not the user's. */
enum pd_err device_register(struct db_conn *db, const char *org, const char *user, const char *platform,
                            const char *token, const char *app_id, json_t **out, bool *created);
/* The user's devices, newest first, as a JSON array. */
enum pd_err device_list(struct db_conn *db, const char *org, const char *user, json_t **out);
/* PD_ERR_NOT_FOUND when it is not the user's. */
enum pd_err device_delete(struct db_conn *db, const char *org, const char *user, const char *id);

#endif
