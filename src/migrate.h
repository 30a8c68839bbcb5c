/* Schema migrations: sql/migrations/NNNN_name.sql applied in order, each in its own
 * transaction, recorded in schema_migrations with a SHA-256 checksum, serialized across
 * instances by an advisory lock. */
#ifndef PD_MIGRATE_H
#define PD_MIGRATE_H

#include <stddef.h>
#include "db.h"

/* Applies pending files. Returns 0, or -1 with a one-line reason in err (a changed
 * checksum of an applied file is an error). *applied counts new ones. */
int migrate_apply(struct db_conn *db, const char *dir, int *applied, char *err, size_t errlen);

/* Compares the directory with the database without changing anything: -1 with err when
 * an applied file changed or is missing; otherwise 0 and *pending set. *latest gets the
 * highest version in dir. */
int migrate_check(struct db_conn *db, const char *dir, int *pending, int *latest, char *err,
                  size_t errlen);

/* Whether version `latest` is recorded (used by /readyz): PD_OK and *current, or the
 * database's error (PD_ERR_UNAVAILABLE when it cannot be reached). */
enum pd_err migrate_is_current(struct db_conn *db, int latest, bool *current);

#endif
