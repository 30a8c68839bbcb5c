/* PostgreSQL connection pool and statement execution.
 * Statements are declared once (DB_STMT) and prepared lazily, once per connection.
 * A broken connection is re-opened with backoff; while the database is down every call
 * returns PD_ERR_UNAVAILABLE instead of blocking. */
#ifndef PD_DB_H
#define PD_DB_H

#include <libpq-fe.h>
#include "pd.h"

struct db_stmt {
    const char *sql;
    int slot;                  /* assigned on first use; the statement's name on every connection */
    struct db_stmt *guarded;   /* its variant carrying the request guard (see db_guard), built
                                * on first use */
};
#define DB_STMT(var, text) static struct db_stmt var = { text, -1, NULL }
#define DB_MAX_STMTS 512
#define DB_MAX_PARAMS 64       /* parameters of one statement, with the guard's */

struct db_conn;

/* A read of one statement as a builder describes it, to run now or to queue (api_read): the
 * statement and its parameters, which point into what the builder was given or into limit
 * (a page's limit, the one parameter a builder makes). */
struct db_read {
    struct db_stmt *st;
    int n;
    const char *p[DB_MAX_PARAMS];
    char limit[24];
};

int db_pool_init(const char *url, int size);
void db_pool_close(void);
/* Connections in use and idle (for /metrics). */
void db_pool_stats(int *in_use, int *idle, int *size);

/* Waits up to a few seconds for a free connection. PD_ERR_UNAVAILABLE when none can be
 * had or the database cannot be reached. */
enum pd_err db_acquire(struct db_conn **out);
void db_release(struct db_conn *c);

/* A connection of its own (not pooled) that LISTENs: listen is the SQL ("LISTEN a; LISTEN b"),
 * application_name names the listener in pg_stat_activity. NULL (after logging why, under
 * who) when it cannot connect or listen. The caller PQfinishes it. */
PGconn *db_listen_open(const char *url, const char *application_name, const char *listen, const char *who);

/* A single-use connection outside the pool (CLI commands). */
enum pd_err db_connect_once(const char *url, struct db_conn **out);
void db_disconnect(struct db_conn *c);

/* Runs a prepared statement with text parameters (NULL = SQL NULL). On PD_OK *res holds
 * the result (caller PQclears it; res may be NULL to discard). Errors map SQLSTATE:
 * 23505 → CONFLICT, 23503 → NOT_FOUND (a referenced row is absent), 40001/40P01 → RETRY,
 * 22xxx/23514 → INVALID, connection failures → UNAVAILABLE, anything else → DB. */
enum pd_err db_exec(struct db_conn *c, struct db_stmt *st, int n, const char *const *params,
                    PGresult **res);
/* db_exec with binary parameters and results: formats[i] 1 sends params[i] as lengths[i]
 * raw bytes (e.g. a bytea), 0 as text (lengths[i] ignored); formats NULL = all text.
 * result_format 1 returns every column in binary (read cells with PQgetlength; cast
 * columns to text in the SQL to get their bytes as text), 0 in text as db_exec does. */
enum pd_err db_exec_binary(struct db_conn *c, struct db_stmt *st, int n,
                           const char *const *params, const int *lengths, const int *formats,
                           int result_format, PGresult **res);
/* db_exec of a described read. */
enum pd_err db_exec_read(struct db_conn *c, const struct db_read *rd, PGresult **res);
/* Runs literal SQL without parameters (BEGIN, COMMIT, migration files). */
enum pd_err db_exec_sql(struct db_conn *c, const char *sql);

enum pd_err db_begin(struct db_conn *c);
enum pd_err db_commit(struct db_conn *c);
void db_rollback(struct db_conn *c);  /* no-op outside a transaction */

/* A unit of work: one transaction around everything a request writes, committed only when
 * its reply is a success. The unit owns the transaction: db_begin/db_commit inside it are
 * an error, and db_rollback ends it for good: any later statement fails with PD_ERR_DB
 * instead of running outside it. db_unit_end(commit=false) rolls back; with commit=true it
 * commits, or fails (PD_ERR_DB) when the unit was rolled back earlier. */
enum pd_err db_unit_begin(struct db_conn *c);
enum pd_err db_unit_end(struct db_conn *c, bool commit);

/* The request guard: a boolean SQL expression over $1..$n (n <= DB_GUARD_PARAMS) that is
 * true when the request may go on and raises SQLSTATE DB_SQLSTATE_GUARD when it may not
 * (e.g. the caller's session has ended). Armed on a connection with db_guard, it rides
 * inside the request's first statement: a SELECT run outside a transaction is executed as
 * `SELECT * FROM (<statement>) AS guarded WHERE <guard>` (a one-time filter, no extra round
 * trip), so when the guard raises nothing of the statement is read; anything else (and
 * db_unit_begin) runs the guard alone first. That statement, or any later one, then fails
 * with PD_ERR_UNAUTHORIZED. One guard expression per process (the session check). */
#define DB_GUARD_PARAMS 4
#define DB_SQLSTATE_GUARD "PD401"
struct db_guard {
    const char *expr;
    int n;
    struct db_stmt alone;      /* "SELECT <expr>", built on first use */
};
void db_guard(struct db_conn *c, struct db_guard *g, const char *const *params);
bool db_guard_pending(const struct db_conn *c);
bool db_guard_refused(const struct db_conn *c);  /* a guard raised since db_acquire */
enum pd_err db_guard_run(struct db_conn *c);      /* runs a pending guard alone */

/* The request a connection serves, carried into its log lines (db_tag_of: NULL if none). */
void db_tag(struct db_conn *c, const char *request_id);
const char *db_tag_of(const struct db_conn *c);

/* True when a statement failed since db_acquire with a serialization failure or a deadlock
 * (40001/40P01): the whole unit of work may be run again. */
bool db_retryable(const struct db_conn *c);

/* Details of the last failed statement on this connection ("" when none). */
const char *db_last_sqlstate(const struct db_conn *c);
const char *db_last_constraint(const struct db_conn *c);
const char *db_last_message(const struct db_conn *c);

/* Cells: value or NULL when SQL NULL. */
const char *db_value(const PGresult *r, int row, int col);

#endif
