/* Stream tickets: what lets a browser's EventSource, which cannot send a bearer header, open
 * the live stream. A ticket stands for the access token that asked for it, once, within
 * STREAM_TICKET_SECONDS; the token's claims are kept with it and checked again when it is
 * redeemed, so the stream ends with the token. Only a ticket's SHA-256 is stored. */
#ifndef PD_STREAM_TICKETS_H
#define PD_STREAM_TICKETS_H

#include <jansson.h>
#include "db.h"
#include "pd.h"

#define STREAM_TICKET_SECONDS 60

/* A new ticket for the caller whose token had claims j_claims (borrowed): *ticket (caller
 * frees) and its expiry as RFC 3339 in expires_at. */
enum pd_err stream_ticket_issue(struct db_conn *db, const struct principal *who, json_t *j_claims,
                                char **ticket, char expires_at[40]);

/* Uses up ticket: its claims in *out (caller owns them). PD_ERR_NOT_FOUND when it is
 * unknown, used or expired. */
enum pd_err stream_ticket_redeem(struct db_conn *db, const char *ticket, json_t **out);

#endif
