/* Sessions: whether the caller behind an access token may still come in. A token outlives
 * its session when the user logs out (its refresh family is revoked), is disabled, or its
 * API client is deleted; the guard refuses it on the next request. */
#ifndef PD_SESSIONS_H
#define PD_SESSIONS_H

#include "db.h"

/* Sets the caller's session check as db's guard (see db_guard): it rides with the
 * request's first statement. */
void session_guard(struct db_conn *db, const struct principal *who);

#endif
