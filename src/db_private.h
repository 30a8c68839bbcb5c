/* What src/db.c shares with src/db_pipe.c: the connection, and how a statement is named,
 * prepared and its failure classified. Not for callers of the database layer. */
#ifndef PD_DB_PRIVATE_H
#define PD_DB_PRIVATE_H

#include <stdbool.h>
#include "db.h"

struct db_conn {
    PGconn *pg;
    bool in_use;
    bool in_tx;
    bool in_unit;           /* inside db_unit_begin … db_unit_end */
    bool doomed;            /* the unit was rolled back: nothing more may run in it */
    struct db_guard *guard; /* pending: rides with the next statement (db_guard) */
    char guard_vals[DB_GUARD_PARAMS][64];
    bool guard_null[DB_GUARD_PARAMS];
    bool guard_refused;     /* a guard raised DB_SQLSTATE_GUARD during this request */
    bool retryable;         /* a statement failed with 40001/40P01 since db_acquire */
    char tag[65];           /* the request id, for log lines ("" outside requests) */
    bool pooled;
    const char *application_name;  /* as pg_stat_activity shows it; NULL: "propdesk" */
    long long retry_at_ms;  /* earliest time to try reconnecting */
    long long failed_at_ms; /* when the last connect failed */
    int backoff_ms;
    unsigned char prepared[DB_MAX_STMTS / 8];
    char sqlstate[6];
    char constraint[64];
    char message[256];
};

PGconn *db_open_pg(const char *url, const char *application_name);
/* Makes c usable, reconnecting when needed and allowed by the backoff. */
enum pd_err db_ensure_open(struct db_conn *c);
/* Records a failed result (r NULL: the connection's error) on c and classifies it. */
enum pd_err db_classify(struct db_conn *c, PGresult *r);
/* A statement's slot (its name is "s<slot>" on every connection), assigned on first use. */
int db_stmt_slot(struct db_stmt *st);
bool db_is_prepared(const struct db_conn *c, int slot);

#endif
