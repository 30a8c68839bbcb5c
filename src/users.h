/* People of an org: staff and residents, with their role grants. Logins (username, phone,
 * email) are one namespace across kinds and orgs, kept unique by the database
 * (login_identities, migration 0004): a clash is PD_ERR_CONFLICT. */
#ifndef PD_USERS_H
#define PD_USERS_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "listspec.h"
#include "rows.h"

struct user_in {
    const char *kind, *name, *username, *phone, *email, *department;
    const char *password_hash;
};
/* The list's filters (GET /v1/users) and statement shapes; values are list_check's. */
extern const struct list_spec user_list_spec;
/* What a reader of users may see: scope is their communities as a uuid[] literal (NULL =
 * the whole org): staff with a grant there or org-wide, residents with a pending or
 * verified residency there. reveal: residents' phones and e-mails in full (else masked,
 * and q matches a phone only on its visible last four digits). */
struct user_reach {
    const char *scope;
    bool reveal;
};

/* The page as text (rows_page), each item with allowed_actions (a JSON array literal). */
enum pd_err user_list(struct db_conn *db, const char *org, const struct user_reach *who,
                      const char *const values[], const struct page *pg, const char *actions, char **out);
/* PD_ERR_NOT_FOUND when absent or outside who's reach. */
enum pd_err user_get(struct db_conn *db, const char *org, const struct user_reach *who,
                     const char *id, json_t **out);
enum pd_err user_create(struct db_conn *db, const char *org, const struct user_in *in, json_t **out);
/* patch: validated JSON of name/phone/email/department/status; password_hash may be NULL.
 * communities: the editor's (uuid[] literal; NULL = org-wide); it may change the users it
 * sees (user_get) except staff with any grant beyond them: PD_ERR_NOT_FOUND otherwise. */
enum pd_err user_update(struct db_conn *db, const char *org, const char *communities, const char *id,
                        const char *patch, const char *password_hash, long long version, json_t **out);

/* scope: the caller's (api_scope_params); its org and communities (uuid[] literal; NULL =
 * org-wide): the grants there and the org-wide ones. */
enum pd_err grant_list(struct db_conn *db, const char *const scope[4], const char *user_id,
                       const char *community_id, const struct page *pg, const char *actions, char **out);
/* PD_ERR_NOT_FOUND when the user (staff) or community is absent; CONFLICT when granted. */
enum pd_err grant_create(struct db_conn *db, const char *org, const char *user_id,
                         const char *role, const char *community_id, json_t **out);
enum pd_err grant_delete(struct db_conn *db, const char *org, const char *id);

/* After user_create or user_update failed with PD_ERR_CONFLICT: the field whose value is
 * already someone's login ("username", "phone" or "email"), or NULL for another conflict. */
const char *user_login_conflict(const struct db_conn *db);

#endif
