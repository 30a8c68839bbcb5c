/* Connection pool over libpq: a fixed array guarded by a mutex and a condition variable.
 * Holds no query text of its own beyond transaction control. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "db.h"
#include "db_private.h"
#include "log.h"
#include "metrics.h"


static struct {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct db_conn *conns;
    int size;
    int in_use;
    char *url;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER };

static atomic_int next_slot;
static atomic_llong last_connect_ok_ms;  /* a connect succeeded: the server is back */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void notice_ignore(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *db_open_pg(const char *url, const char *application_name)
{
    const char *keys[] = { "dbname", "connect_timeout", "options", "application_name", NULL };
    /* force_generic_plan: every statement is written for one generic plan, prepared once per
     * connection (README "Performance"); a LIMIT $n otherwise makes PostgreSQL plan a
     * list again on every execution (measured: the owner's feed 9,400 → 55,000 tps). jit=off:
     * compiling a plan costs more than the short queries of an API gain (measured: a survey's
     * results over 10,000 answers 1.6 s → 0.2 s) */
    const char *vals[] = { url, "3",
                           "-c TimeZone=UTC -c statement_timeout=30000 -c plan_cache_mode=force_generic_plan -c jit=off",
                           application_name != NULL ? application_name : "propdesk", NULL };
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg != NULL && PQstatus(pg) == CONNECTION_OK)
        PQsetNoticeProcessor(pg, notice_ignore, NULL);
    return pg;
}

enum pd_err db_ensure_open(struct db_conn *c)
{
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
        return PD_OK;
    long long now = now_ms();
    /* back off while the server is down, but not once another connection got through */
    if (now < c->retry_at_ms && atomic_load(&last_connect_ok_ms) < c->failed_at_ms)
        return PD_ERR_UNAVAILABLE;
    if (c->pg != NULL)
        PQfinish(c->pg);
    memset(c->prepared, 0, sizeof c->prepared);
    c->in_tx = false;
    c->pg = db_open_pg(pool.url, c->application_name);
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK) {
        c->backoff_ms = 0;
        c->retry_at_ms = 0;
        atomic_store(&last_connect_ok_ms, now_ms());
        return PD_OK;
    }
    log_msg(LOG_WARN, NULL, "db - connect failed: %s",
            c->pg != NULL ? PQerrorMessage(c->pg) : "out of memory");
    if (c->pg != NULL) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    c->backoff_ms = c->backoff_ms == 0 ? 100 : (c->backoff_ms * 2 > 2000 ? 2000 : c->backoff_ms * 2);
    c->retry_at_ms = now + c->backoff_ms;
    c->failed_at_ms = now;
    return PD_ERR_UNAVAILABLE;
}

int db_pool_init(const char *url, int size)
{
    pool.conns = calloc((size_t)size, sizeof *pool.conns);
    pool.url = strdup(url);
    if (pool.conns == NULL || pool.url == NULL)
        return -1;
    pool.size = size;
    for (int i = 0; i < size; i++) {
        pool.conns[i].pooled = true;
        db_ensure_open(&pool.conns[i]);  /* a database that is down now is retried later */
    }
    return 0;
}

void db_pool_close(void)
{
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < pool.size; i++)
        if (pool.conns[i].pg != NULL)
            PQfinish(pool.conns[i].pg);
    free(pool.conns);
    free(pool.url);
    pool.conns = NULL;
    pool.url = NULL;
    pool.size = 0;
    pthread_mutex_unlock(&pool.lock);
}

void db_pool_stats(int *in_use, int *idle, int *size)
{
    pthread_mutex_lock(&pool.lock);
    *in_use = pool.in_use;
    *idle = pool.size - pool.in_use;
    *size = pool.size;
    pthread_mutex_unlock(&pool.lock);
}

enum pd_err db_acquire(struct db_conn **out)
{
    struct db_conn *c = NULL;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;

    pthread_mutex_lock(&pool.lock);
    while (c == NULL) {
        /* prefer a healthy connection; fall back to one that needs reopening */
        for (int i = 0; i < pool.size; i++) {
            struct db_conn *cand = &pool.conns[i];
            if (cand->in_use)
                continue;
            if (cand->pg != NULL && PQstatus(cand->pg) == CONNECTION_OK) {
                c = cand;
                break;
            }
            if (c == NULL)
                c = cand;
        }
        if (c != NULL)
            break;
        if (pthread_cond_timedwait(&pool.freed, &pool.lock, &deadline) != 0) {
            pthread_mutex_unlock(&pool.lock);
            log_msg(LOG_WARN, NULL, "db_acquire - no free connection within 5 s");
            return PD_ERR_UNAVAILABLE;
        }
    }
    c->in_use = true;
    pool.in_use++;
    pthread_mutex_unlock(&pool.lock);

    enum pd_err err = db_ensure_open(c);
    if (err != PD_OK) {
        db_release(c);
        return err;
    }
    c->sqlstate[0] = c->constraint[0] = c->message[0] = '\0';
    *out = c;
    return PD_OK;
}

void db_release(struct db_conn *c)
{
    if (c == NULL)
        return;
    db_rollback(c);
    c->in_unit = c->doomed = false;
    c->guard = NULL;
    c->guard_refused = false;
    c->retryable = false;
    c->tag[0] = '\0';
    pthread_mutex_lock(&pool.lock);
    c->in_use = false;
    pool.in_use--;
    pthread_cond_signal(&pool.freed);
    pthread_mutex_unlock(&pool.lock);
}

PGconn *db_listen_open(const char *url, const char *application_name, const char *listen, const char *who)
{
    const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
    const char *vals[] = { url, "3", application_name, NULL };
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg != NULL && PQstatus(pg) == CONNECTION_OK) {
        PGresult *r = PQexec(pg, listen);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (ok)
            return pg;
    }
    log_msg(LOG_WARN, NULL, "%s - cannot LISTEN: %s", who, pg != NULL ? PQerrorMessage(pg) : "out of memory");
    PQfinish(pg);
    return NULL;
}

enum pd_err db_connect_once(const char *url, struct db_conn **out)
{
    struct db_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return PD_ERR_NOMEM;
    c->pg = db_open_pg(url, NULL);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        fprintf(stderr, "propdesk: cannot connect to the database: %s",
                c->pg != NULL ? PQerrorMessage(c->pg) : "out of memory\n");
        db_disconnect(c);
        return PD_ERR_UNAVAILABLE;
    }
    *out = c;
    return PD_OK;
}

void db_disconnect(struct db_conn *c)
{
    if (c == NULL)
        return;
    if (c->pg != NULL)
        PQfinish(c->pg);
    free(c);
}

void db_tag(struct db_conn *c, const char *request_id)
{
    snprintf(c->tag, sizeof c->tag, "%s", request_id != NULL ? request_id : "");
}

const char *db_tag_of(const struct db_conn *c) { return c->tag[0] ? c->tag : NULL; }

bool db_retryable(const struct db_conn *c) { return c->retryable; }

static void copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* Records the failure and classifies it. */
enum pd_err db_classify(struct db_conn *c, PGresult *r)
{
    copy_field(c->sqlstate, sizeof c->sqlstate, r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);
    copy_field(c->constraint, sizeof c->constraint,
               r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL);
    copy_field(c->message, sizeof c->message,
               r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(c->pg));
    const char *s = c->sqlstate;
    if (PQstatus(c->pg) != CONNECTION_OK || strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0) {
        c->in_tx = false;
        return PD_ERR_UNAVAILABLE;
    }
    if (strcmp(s, DB_SQLSTATE_GUARD) == 0) {
        c->guard_refused = true;
        return PD_ERR_UNAUTHORIZED;
    }
    if (strcmp(s, "23505") == 0 || strcmp(s, "23P01") == 0)
        return PD_ERR_CONFLICT;
    if (strcmp(s, "23503") == 0)
        return PD_ERR_NOT_FOUND;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0) {
        c->retryable = true;
        return PD_ERR_RETRY;
    }
    if (strncmp(s, "22", 2) == 0 || strcmp(s, "23514") == 0 || strcmp(s, "23502") == 0)
        return PD_ERR_INVALID;
    log_msg(LOG_ERROR, db_tag_of(c), "db_exec - statement failed: %s %s", s, c->message);
    return PD_ERR_DB;
}

bool db_is_prepared(const struct db_conn *c, int slot)
{
    return (c->prepared[slot / 8] >> (slot % 8)) & 1;
}

int db_stmt_slot(struct db_stmt *st)
{
    int slot = __atomic_load_n(&st->slot, __ATOMIC_ACQUIRE);
    if (slot >= 0)
        return slot;
    static pthread_mutex_t assign = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&assign);
    if (st->slot < 0)
        __atomic_store_n(&st->slot, atomic_fetch_add(&next_slot, 1), __ATOMIC_RELEASE);
    slot = st->slot;
    pthread_mutex_unlock(&assign);
    return slot;
}

/* Prepares st on c if needed and writes its name into name[16]. */
static enum pd_err prepare(struct db_conn *c, struct db_stmt *st, char name[16])
{
    int slot = db_stmt_slot(st);
    if (slot >= DB_MAX_STMTS) {
        log_msg(LOG_ERROR, db_tag_of(c), "db_exec - more than %d statements declared", DB_MAX_STMTS);
        return PD_ERR_DB;
    }
    snprintf(name, 16, "s%d", slot);
    if (db_is_prepared(c, slot))
        return PD_OK;
    PGresult *p = PQprepare(c->pg, name, st->sql, 0, NULL);
    if (PQresultStatus(p) != PGRES_COMMAND_OK) {
        enum pd_err err = db_classify(c, p);
        if (err == PD_ERR_DB)
            log_msg(LOG_ERROR, db_tag_of(c), "db_exec - prepare failed for: %.120s", st->sql);
        PQclear(p);
        return err;
    }
    PQclear(p);
    c->prepared[slot / 8] |= (unsigned char)(1u << (slot % 8));
    return PD_OK;
}

/* The guard's parameters as libpq wants them. */
static void guard_params(const struct db_conn *c, const char *out[DB_GUARD_PARAMS])
{
    for (int i = 0; i < c->guard->n; i++)
        out[i] = c->guard_null[i] ? NULL : c->guard_vals[i];
}

/* "SELECT * FROM (<st>) AS guarded WHERE <expr>", the guard's $k renumbered to $(n+k). */
static char *guarded_text(const char *sql, const char *expr, int n)
{
    size_t cap = strlen(sql) + strlen(expr) * 2 + 64, off;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    off = (size_t)snprintf(out, cap, "SELECT * FROM (%s) AS guarded WHERE ", sql);
    for (const char *p = expr; *p && off + 8 < cap; p++) {
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
            long k = strtol(p + 1, (char **)&p, 10);
            off += (size_t)snprintf(out + off, cap - off, "$%ld", k + n);
            p--;
        } else {
            out[off++] = *p;
        }
    }
    out[off] = '\0';
    return out;
}

static bool is_select(const char *sql)
{
    while (*sql == ' ' || *sql == '\n')
        sql++;
    return strncasecmp(sql, "SELECT ", 7) == 0;
}

/* st's variant carrying g (built once), or NULL when st cannot carry it. */
static struct db_stmt *guarded_of(struct db_stmt *st, const struct db_guard *g, int n)
{
    static pthread_mutex_t build = PTHREAD_MUTEX_INITIALIZER;
    struct db_stmt *v = __atomic_load_n(&st->guarded, __ATOMIC_ACQUIRE);
    if (v != NULL || !is_select(st->sql) || n + g->n > DB_MAX_PARAMS)
        return v;
    pthread_mutex_lock(&build);
    if (st->guarded == NULL) {
        v = calloc(1, sizeof *v);
        char *sql = v != NULL ? guarded_text(st->sql, g->expr, n) : NULL;
        if (sql != NULL) {
            v->sql = sql;
            v->slot = -1;
            __atomic_store_n(&st->guarded, v, __ATOMIC_RELEASE);
        } else {
            free(v);
        }
    }
    v = st->guarded;
    pthread_mutex_unlock(&build);
    return v;
}

static enum pd_err exec_once(struct db_conn *c, struct db_stmt *st, int n,
                             const char *const *params, const int *lengths, const int *formats,
                             int result_format, PGresult **res)
{
    char name[16];
    if (c->doomed) {
        log_msg(LOG_ERROR, db_tag_of(c), "db_exec - a statement after the unit of work was rolled back");
        return PD_ERR_DB;
    }
    const char *all[DB_MAX_PARAMS];
    int all_lengths[DB_MAX_PARAMS], all_formats[DB_MAX_PARAMS];
    if (c->guard != NULL) {
        struct db_stmt *v = c->in_tx ? NULL : guarded_of(st, c->guard, n);
        if (v == NULL) {  /* it cannot ride along: check it alone first */
            enum pd_err err = db_guard_run(c);
            if (err != PD_OK)
                return err;
        } else {
            for (int i = 0; i < n; i++) {
                all[i] = params[i];
                all_lengths[i] = lengths ? lengths[i] : 0;
                all_formats[i] = formats ? formats[i] : 0;
            }
            guard_params(c, all + n);
            for (int i = n; i < n + c->guard->n; i++)
                all_lengths[i] = all_formats[i] = 0;
            n += c->guard->n;
            c->guard = NULL;
            st = v;
            params = all;
            lengths = all_lengths;
            formats = all_formats;
        }
    }
    enum pd_err err = prepare(c, st, name);
    if (err != PD_OK)
        return err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    PGresult *r = PQexecPrepared(c->pg, name, n, params, lengths, formats, result_format);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    metrics_db_observe((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        enum pd_err err = db_classify(c, r);
        PQclear(r);
        return err;
    }
    if (res != NULL)
        *res = r;
    else
        PQclear(r);
    return PD_OK;
}

enum pd_err db_exec_binary(struct db_conn *c, struct db_stmt *st, int n,
                           const char *const *params, const int *lengths, const int *formats,
                           int result_format, PGresult **res)
{
    bool was_in_tx = c->in_tx;
    struct db_guard *guard = c->guard;
    enum pd_err err = exec_once(c, st, n, params, lengths, formats, result_format, res);
    /* A connection that died while idle (e.g. the server restarted) is reopened and the
     * statement retried once, unless it was part of a transaction that is now lost. */
    if (err == PD_ERR_UNAVAILABLE && !was_in_tx && c->pooled) {
        c->retry_at_ms = 0;
        c->guard = guard;  /* the retry carries the guard again */
        if (db_ensure_open(c) == PD_OK)
            err = exec_once(c, st, n, params, lengths, formats, result_format, res);
    }
    return err;
}

void db_guard(struct db_conn *c, struct db_guard *g, const char *const *params)
{
    c->guard = g;
    for (int i = 0; i < g->n && i < DB_GUARD_PARAMS; i++) {
        c->guard_null[i] = params[i] == NULL;
        snprintf(c->guard_vals[i], sizeof c->guard_vals[i], "%s", params[i] ? params[i] : "");
    }
}

bool db_guard_pending(const struct db_conn *c) { return c->guard != NULL; }
bool db_guard_refused(const struct db_conn *c) { return c->guard_refused; }

enum pd_err db_guard_run(struct db_conn *c)
{
    struct db_guard *g = c->guard;
    if (g == NULL)
        return PD_OK;
    if (__atomic_load_n(&g->alone.sql, __ATOMIC_ACQUIRE) == NULL) {  /* built once */
        static pthread_mutex_t build = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&build);
        char *sql;
        if (g->alone.sql == NULL && asprintf(&sql, "SELECT %s", g->expr) >= 0) {
            g->alone.slot = -1;
            __atomic_store_n(&g->alone.sql, sql, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&build);
        if (g->alone.sql == NULL)
            return PD_ERR_NOMEM;
    }
    const char *gp[DB_GUARD_PARAMS];
    guard_params(c, gp);
    c->guard = NULL;
    return db_exec(c, &g->alone, g->n, gp, NULL);
}

enum pd_err db_exec(struct db_conn *c, struct db_stmt *st, int n, const char *const *params,
                    PGresult **res)
{
    return db_exec_binary(c, st, n, params, NULL, NULL, 0, res);
}

enum pd_err db_exec_read(struct db_conn *c, const struct db_read *rd, PGresult **res)
{
    return db_exec(c, rd->st, rd->n, rd->p, res);
}

enum pd_err db_exec_sql(struct db_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(r);
    enum pd_err err = PD_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        err = db_classify(c, r);
    PQclear(r);
    return err;
}

enum pd_err db_begin(struct db_conn *c)
{
    if (c->in_unit) {
        log_msg(LOG_ERROR, db_tag_of(c), "db_begin - inside a unit of work, which owns the transaction");
        return PD_ERR_DB;
    }
    enum pd_err err = db_exec_sql(c, "BEGIN");
    if (err == PD_ERR_UNAVAILABLE && c->pooled) {
        c->retry_at_ms = 0;
        if (db_ensure_open(c) == PD_OK)
            err = db_exec_sql(c, "BEGIN");
    }
    if (err == PD_OK)
        c->in_tx = true;
    return err;
}

enum pd_err db_commit(struct db_conn *c)
{
    if (c->in_unit) {
        log_msg(LOG_ERROR, db_tag_of(c), "db_commit - inside a unit of work, which commits at its end");
        return PD_ERR_DB;
    }
    /* a transaction in which a statement failed answers COMMIT with ROLLBACK: that is a
     * failure, never a success a caller could reply with */
    PGresult *r = PQexec(c->pg, "COMMIT");
    enum pd_err err = PD_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        err = db_classify(c, r);
    } else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        log_msg(LOG_ERROR, db_tag_of(c), "db_commit - the transaction had failed and was rolled back");
        err = PD_ERR_DB;
    }
    PQclear(r);
    c->in_tx = false;
    return err;
}

void db_rollback(struct db_conn *c)
{
    if (c->in_unit)
        c->doomed = true;
    if (!c->in_tx)
        return;
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    c->in_tx = false;
}

enum pd_err db_unit_begin(struct db_conn *c)
{
    if (c->in_unit)
        return PD_OK;
    enum pd_err err = db_begin(c);
    if (err == PD_OK)
        err = db_guard_run(c);
    if (err != PD_OK) {
        db_rollback(c);
        return err;
    }
    c->in_unit = true;
    c->doomed = false;
    return PD_OK;
}

enum pd_err db_unit_end(struct db_conn *c, bool commit)
{
    if (!c->in_unit)
        return PD_OK;
    bool doomed = c->doomed;
    c->in_unit = c->doomed = false;
    if (!commit || doomed) {
        db_rollback(c);
        return commit ? PD_ERR_DB : PD_OK;  /* success claimed after a rollback: a bug */
    }
    return db_commit(c);
}

const char *db_last_sqlstate(const struct db_conn *c) { return c->sqlstate; }
const char *db_last_constraint(const struct db_conn *c) { return c->constraint; }
const char *db_last_message(const struct db_conn *c) { return c->message; }

const char *db_value(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}
