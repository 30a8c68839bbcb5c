/* The pipelined read connection (db_pipe.h): libpq's pipeline mode, non-blocking, with a
 * ring of the reads in flight. A read is [Prepare, the first time on this connection]
 * Execute, Sync; its results are read back in the same order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include "db_pipe.h"
#include "db_private.h"
#include "log.h"
#include "metrics.h"

#define PIPE_DEPTH 256  /* reads in flight on one connection; past it a read waits its turn */

struct pending {
    db_pipe_done *done;
    void *arg;
    int prepare_slot;      /* the statement prepared with this read (-1: none) */
    bool prepare_pending;  /* its Prepare's result is still to come */
    PGresult *result;
    enum pd_err err;
    struct timespec sent;
};

struct db_pipe {
    struct db_conn conn;   /* not pooled: reconnected with the pool's backoff */
    struct pending ring[PIPE_DEPTH];
    int head, count;
    unsigned generation;   /* connections lost so far */
};

struct db_pipe *db_pipe_new(void)
{
    struct db_pipe *p = calloc(1, sizeof(struct db_pipe));
    if (p != NULL)
        p->conn.application_name = "propdesk-pipe";
    return p;
}

static void complete(struct db_pipe *p)
{
    struct pending e = p->ring[p->head];
    p->head = (p->head + 1) % PIPE_DEPTH;
    p->count--;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    metrics_db_observe((double)(now.tv_sec - e.sent.tv_sec) + (double)(now.tv_nsec - e.sent.tv_nsec) / 1e9);
    if (e.err == PD_OK && e.result == NULL)
        e.err = PD_ERR_DB;  /* a statement that returned nothing: not one of ours */
    if (e.err != PD_OK) {
        PQclear(e.result);
        e.result = NULL;
    }
    metrics_pipe_answered();
    e.done(e.arg, e.result, e.err);
}

/* The connection is gone: every read in flight is answered "unavailable", and the next send
 * reconnects. */
static void lose(struct db_pipe *p)
{
    while (p->count > 0) {
        struct pending *e = &p->ring[p->head];
        PQclear(e->result);
        e->result = NULL;
        e->err = PD_ERR_UNAVAILABLE;
        complete(p);
    }
    if (p->conn.pg != NULL) {
        log_msg(LOG_WARN, NULL, "db_pipe - connection lost: the reads it had in flight run again on the pool");
        PQfinish(p->conn.pg);
        metrics_pipe_lost();
    }
    p->conn.pg = NULL;
    p->generation++;
}

void db_pipe_free(struct db_pipe *p)
{
    if (p == NULL)
        return;
    if (p->conn.pg != NULL)
        PQfinish(p->conn.pg);  /* closed, not lost */
    p->conn.pg = NULL;
    lose(p);
    free(p);
}

static bool ready(struct db_pipe *p)
{
    if (p->conn.pg != NULL && PQstatus(p->conn.pg) != CONNECTION_OK)
        lose(p);  /* before reconnecting: what was in flight on it is answered */
    if (db_ensure_open(&p->conn) != PD_OK)
        return false;
    PGconn *pg = p->conn.pg;
    if (PQpipelineStatus(pg) == PQ_PIPELINE_ON)
        return true;
    if (PQsetnonblocking(pg, 1) == 0 && PQenterPipelineMode(pg) == 1)
        return true;
    lose(p);
    return false;
}

bool db_pipe_send(struct db_pipe *p, const struct db_read *rd, db_pipe_done *done, void *arg)
{
    int slot = db_stmt_slot(rd->st);
    if (p->count == PIPE_DEPTH || slot >= DB_MAX_STMTS || !ready(p))
        return false;
    PGconn *pg = p->conn.pg;
    char name[16];
    snprintf(name, sizeof name, "s%d", slot);
    struct pending *e = &p->ring[(p->head + p->count) % PIPE_DEPTH];
    *e = (struct pending){ .done = done, .arg = arg, .prepare_slot = -1 };
    if (!db_is_prepared(&p->conn, slot)) {
        if (!PQsendPrepare(pg, name, rd->st->sql, 0, NULL)) {
            lose(p);
            return false;
        }
        p->conn.prepared[slot / 8] |= (unsigned char)(1u << (slot % 8));
        e->prepare_slot = slot;
        e->prepare_pending = true;
    }
    if (!PQsendQueryPrepared(pg, name, rd->n, rd->p, NULL, NULL, 0) || !PQpipelineSync(pg)) {
        lose(p);  /* what was half-queued goes with the connection */
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &e->sent);
    p->count++;
    metrics_pipe_queued();
    return true;
}

/* One result of the read at the head of the ring. */
static void take(struct db_pipe *p, PGresult *r)
{
    struct pending *e = &p->ring[p->head];
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_PIPELINE_SYNC) {
        PQclear(r);
        complete(p);
        return;
    }
    if (s == PGRES_COMMAND_OK && e->prepare_pending) {
        e->prepare_pending = false;
        e->prepare_slot = -1;  /* prepared: a failure of the Execute leaves it so */
        PQclear(r);
        return;
    }
    e->prepare_pending = false;
    if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
        if (e->result == NULL && e->err == PD_OK) {
            e->result = r;
            return;
        }
    } else if (e->err == PD_OK) {
        /* the first failure is the read's (a Prepare's, then the Execute it aborted). A
         * statement whose Prepare failed ahead of this read (26000): run it elsewhere */
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        e->err = s == PGRES_PIPELINE_ABORTED ? PD_ERR_DB
               : state != NULL && strcmp(state, "26000") == 0 ? PD_ERR_UNAVAILABLE
               : db_classify(&p->conn, r);
        if (e->prepare_slot >= 0)  /* prepared nothing: prepare it again next time */
            p->conn.prepared[e->prepare_slot / 8] &= (unsigned char)~(1u << (e->prepare_slot % 8));
    }
    PQclear(r);
}

/* Completes the reads whose answers libpq holds already: a send may read what has arrived
 * into its buffer (so the socket shows nothing more), and so may PQconsumeInput. */
static int collect(struct db_pipe *p)
{
    PGconn *pg = p->conn.pg;
    int done = 0;
    /* a NULL ends one command's results; two in a row: nothing more has arrived */
    for (int nulls = 0; pg != NULL && p->count > 0 && nulls < 2 && !PQisBusy(pg);) {
        PGresult *r = PQgetResult(pg);
        nulls = r == NULL ? nulls + 1 : 0;
        if (r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC)
            done++;
        if (r != NULL)
            take(p, r);
    }
    if (pg != NULL && PQstatus(pg) != CONNECTION_OK) {
        done += p->count;
        lose(p);
    }
    return done;
}

/* Reads the socket dry: PQconsumeInput takes one buffer's worth (16 KiB at first), and a
 * batch of list pages is many times that, which the backend would otherwise hand over a
 * round of the loop at a time, blocked in between. (Over TLS, FIONREAD counts what OpenSSL
 * has not yet decrypted: the drain may stop early, and the next round reads the rest.) */
void db_pipe_read(struct db_pipe *p)
{
    if (p->count == 0 && p->conn.pg != NULL) {  /* nothing awaited: only keep libpq current */
        if (!PQconsumeInput(p->conn.pg))
            lose(p);
        return;
    }
    for (int i = 0; i < 256 && p->conn.pg != NULL; i++) {
        if (!PQconsumeInput(p->conn.pg)) {
            lose(p);
            return;
        }
        collect(p);
        int waiting = 0;
        if (p->conn.pg == NULL || ioctl(PQsocket(p->conn.pg), FIONREAD, &waiting) != 0 || waiting == 0)
            return;
    }
}

bool db_pipe_flush(struct db_pipe *p, int *answered)
{
    *answered = 0;
    if (p->conn.pg == NULL)
        return false;
    int r = PQflush(p->conn.pg);
    if (r < 0) {
        *answered = p->count;
        lose(p);
        return false;
    }
    *answered = collect(p);
    return r == 1;
}

void db_pipe_check(struct db_pipe *p, int timeout_ms)
{
    if (p->count == 0)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const struct timespec *t = &p->ring[p->head].sent;
    if ((now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000 > timeout_ms)
        lose(p);
}

void db_pipe_reset(struct db_pipe *p) { lose(p); }

int db_pipe_socket(const struct db_pipe *p)
{
    return p->conn.pg != NULL ? PQsocket(p->conn.pg) : -1;
}

unsigned db_pipe_generation(const struct db_pipe *p) { return p->generation; }
