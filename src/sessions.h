/* Sessions: whether the caller behind an access token may still come in. A token outlives
 * its session when the user logs out (its refresh family is revoked), is disabled, or its
 * API client is deleted; such a token is refused on its next request.
 *
 * The check is a guard riding with the request's first statement (session_guard). Once it
 * passed, the session is remembered as live for a minute (session_known_live), so the hot
 * path runs no check at all — but only while this process hears every session that ends:
 * the database announces them (NOTIFY propdesk_sessions, from triggers), a listener thread
 * forgets them, and the writer forgets them itself right after its commit. While the
 * listener is not connected nothing is remembered and every request is checked. */
#ifndef PD_SESSIONS_H
#define PD_SESSIONS_H

#include <stdbool.h>
#include "db.h"

/* Sets the caller's session check as db's guard (see db_guard). */
void session_guard(struct db_conn *db, const struct principal *who);

/* True when who's session passed a check within the last minute and nothing since said it
 * ended. *gen receives the generation to hand to session_mark_live. */
bool session_known_live(const struct principal *who, unsigned long *gen);
/* Remembers that who's session passed its check, unless a session ended since gen was read
 * (the check may have raced with its end). */
void session_mark_live(const struct principal *who, unsigned long gen);
/* Forgets every remembered session of a user or API client (call after the commit that
 * ended one). */
void sessions_forget(const char *sub);

/* The listener: a connection of its own to url, LISTENing; reconnects with backoff. */
int sessions_listen_start(const char *url);
void sessions_listen_stop(void);

#endif
