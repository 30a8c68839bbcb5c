/* Integration clients (OAuth2 client credentials). The secret is generated here, returned
 * once, and stored only as an argon2id hash. */
#ifndef PD_API_CLIENTS_H
#define PD_API_CLIENTS_H

#include <jansson.h>
#include "db.h"
#include "rows.h"

/* The page as text (rows_page). */
enum pd_err api_client_list(struct db_conn *db, const char *org, const struct page *pg, char **out);
enum pd_err api_client_get(struct db_conn *db, const char *org, const char *id, json_t **out);
/* scopes: PostgreSQL text[] literal of validated scope names. out gains "client_secret". */
enum pd_err api_client_create(struct db_conn *db, const char *org, const char *name,
                              const char *scopes, json_t **out);
enum pd_err api_client_revoke(struct db_conn *db, const char *org, const char *id);

#endif
