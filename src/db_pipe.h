/* A pipelined read connection, owned by one event loop thread (api/http.c): reads outside a
 * unit of work are queued on it without waiting for each other, and their results come back
 * in order, so the thread and its PostgreSQL backend each wake once per batch of requests
 * rather than once per request. Each read is its own pipeline sync point: one that fails
 * does not affect the next. Not thread-safe: every call comes from the owning thread. */
#ifndef PD_DB_PIPE_H
#define PD_DB_PIPE_H

#include <stdbool.h>
#include "db.h"

struct db_pipe;

/* done(arg, r, err) once per queued read, in order: r (the caller PQclears it) with PD_OK, or
 * NULL with what went wrong. PD_ERR_UNAVAILABLE means the connection was lost before the
 * answer: nothing is known of the read, which may be run again elsewhere. */
typedef void db_pipe_done(void *arg, PGresult *r, enum pd_err err);

struct db_pipe *db_pipe_new(void);
/* Completes what is queued with PD_ERR_UNAVAILABLE, then closes. */
void db_pipe_free(struct db_pipe *p);

/* Queues st; false (nothing queued) when the connection is down or its buffer is full: run
 * the read another way. Sent by the next db_pipe_flush. */
bool db_pipe_send(struct db_pipe *p, const struct db_read *rd, db_pipe_done *done, void *arg);
/* Sends what is queued, then completes the reads whose answers libpq read meanwhile
 * (*answered: how many were completed, their requests to serve before sleeping). True while
 * some is left to send (wait until the socket is writable). */
bool db_pipe_flush(struct db_pipe *p, int *answered);
/* The socket is readable: completes every read whose answer has arrived. */
void db_pipe_read(struct db_pipe *p);
/* Drops a connection whose oldest read has waited more than timeout_ms (a peer gone without
 * a reset), or on the caller's say: what was in flight is answered PD_ERR_UNAVAILABLE. */
void db_pipe_check(struct db_pipe *p, int timeout_ms);
void db_pipe_reset(struct db_pipe *p);

/* The connection's socket (-1 when none), to watch for reading; the generation changes with
 * each connection lost, so that a new socket with the same number is told apart. */
int db_pipe_socket(const struct db_pipe *p);
unsigned db_pipe_generation(const struct db_pipe *p);

#endif
