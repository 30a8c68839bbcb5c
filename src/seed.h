/* Demo data (DESIGN §13) and first-admin creation for the CLI. */
#ifndef PD_SEED_H
#define PD_SEED_H

#include <stddef.h>
#include "db.h"

/* Runs sql_file with the demo password hash; idempotent. 0 or -1 with err. */
int seed_demo(struct db_conn *db, const char *sql_file, char *err, size_t errlen);
/* Creates an org (with its departments) and an org-wide admin. 0 or -1 with err. */
int seed_admin(struct db_conn *db, const char *org_name, const char *username,
               const char *password, char *err, size_t errlen);

#endif
