/* People of an org: staff and residents, with their role grants. Logins (username, phone,
 * email) are one namespace across kinds and orgs, kept unique by the database
 * (login_identities, migration 0004): a clash is PD_ERR_CONFLICT. */
#ifndef PD_USERS_H
#define PD_USERS_H

#include <jansson.h>
#include "db.h"
#include "rows.h"

extern const char *const user_kinds[];
extern const char *const user_statuses[];
extern const char *const departments[];
extern const char *const grant_roles[];   /* roles a grant may give (staff roles) */

struct user_in {
    const char *kind, *name, *username, *phone, *email, *department;
    const char *password_hash;
};
struct user_filter {
    const char *kind, *status, *department, *q;
};

enum pd_err user_list(struct db_conn *db, const char *org, const struct user_filter *f,
                      const struct page *pg, json_t **out);
enum pd_err user_get(struct db_conn *db, const char *org, const char *id, json_t **out);
enum pd_err user_create(struct db_conn *db, const char *org, const struct user_in *in, json_t **out);
/* patch: validated JSON of name/phone/email/department/status; password_hash may be NULL. */
enum pd_err user_update(struct db_conn *db, const char *org, const char *id, const char *patch,
                        const char *password_hash, long long version, json_t **out);

enum pd_err grant_list(struct db_conn *db, const char *org, const char *user_id,
                       const char *community_id, const struct page *pg, json_t **out);
/* PD_ERR_NOT_FOUND when the user (staff) or community is absent; CONFLICT when granted. */
enum pd_err grant_create(struct db_conn *db, const char *org, const char *user_id,
                         const char *role, const char *community_id, json_t **out);
enum pd_err grant_delete(struct db_conn *db, const char *org, const char *id);

/* After user_create or user_update failed with PD_ERR_CONFLICT: the field whose value is
 * already someone's login ("username", "phone" or "email"), or NULL for another conflict. */
const char *user_login_conflict(const struct db_conn *db);

/* "138****0001": keeps the first 3 and last 4 digits. out holds 24 bytes. */
void phone_mask(const char *phone, char out[24]);

#endif
