/* Stream tickets (stream_tickets.h), in the table stream_tickets (0031_stream.sql). Expired
 * rows are purged by the jobs' housekeeping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "stream_tickets.h"

DB_STMT(issue,
    "INSERT INTO stream_tickets (token_hash, org_id, user_id, claims, expires_at) "
    "VALUES ($1, $2, $3, $4::jsonb, now() + $5::integer * interval '1 second') "
    "RETURNING pd_ts(expires_at)");
DB_STMT(redeem,
    "DELETE FROM stream_tickets WHERE token_hash = $1 RETURNING expires_at > now(), claims::text");

enum pd_err stream_ticket_issue(struct db_conn *db, const struct principal *who, json_t *j_claims,
                                char **ticket, char expires_at[40])
{
    char *token = random_token(32), *claims = json_dumps(j_claims, JSON_COMPACT);
    unsigned char hash[32];
    enum pd_err err = PD_ERR_NOMEM;
    PGresult *res = NULL;
    if (token == NULL || claims == NULL)
        goto cleanup;
    sha256(token, strlen(token), hash);
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%d", STREAM_TICKET_SECONDS);
    const char *p[] = { (const char *)hash, who->org, who->sub, claims, seconds };
    const int lengths[] = { 32, 0, 0, 0, 0 }, formats[] = { 1, 0, 0, 0, 0 };
    err = db_exec_binary(db, &issue, 5, p, lengths, formats, 0, &res);
    if (err != PD_OK)
        goto cleanup;
    snprintf(expires_at, 40, "%s", db_value(res, 0, 0));
    *ticket = token;
    token = NULL;
cleanup:
    PQclear(res);
    free(token);
    free(claims);
    return err;
}

enum pd_err stream_ticket_redeem(struct db_conn *db, const char *ticket, json_t **out)
{
    size_t len = strlen(ticket);
    if (len == 0 || len > 128)
        return PD_ERR_NOT_FOUND;
    unsigned char hash[32];
    sha256(ticket, len, hash);
    const char *p[] = { (const char *)hash };
    const int lengths[] = { 32 }, formats[] = { 1 };
    PGresult *res = NULL;
    enum pd_err err = db_exec_binary(db, &redeem, 1, p, lengths, formats, 0, &res);
    if (err != PD_OK)
        return err;
    /* a used ticket is gone; an expired one is removed by its failed use too */
    *out = PQntuples(res) == 1 && db_value(res, 0, 0)[0] == 't' ? json_loads(db_value(res, 0, 1), 0, NULL) : NULL;
    PQclear(res);
    return *out ? PD_OK : PD_ERR_NOT_FOUND;
}
