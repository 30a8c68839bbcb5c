/* The live stream's hub (DESIGN §11): open streams, one thread LISTENing for the spine's
 * notifications, reading new events in seq order below the commit horizon
 * (pd_stream_horizon, sql/migrations/0031_stream.sql) and appending each to the streams
 * allowed to see it, as Server-Sent Events. Streams behind the hub (a reconnect with
 * Last-Event-ID) first catch up from the table. Not here: HTTP, authentication, and who may
 * see what — the caller's visibility is the stream_visible_fn the API layer supplies. */
#ifndef PD_STREAM_H
#define PD_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "pd.h"

#define STREAM_IDLE (-2)  /* stream_next: nothing to send now (the stream was parked) */

/* Of the subjects ids (a uuid[] literal, all of subject_type) those caller may read, as an
 * object {id: version} in *out (caller owns it). A type the caller never sees: an empty
 * object. */
typedef enum pd_err (*stream_visible_fn)(void *caller, struct db_conn *db, const char *subject_type,
                                         const char *ids, json_t **out);

struct stream_limits {
    long heartbeat_ms;        /* a comment line after this long without a write */
    long max_seconds;         /* a stream's lifetime; then it ends (the client reconnects) */
    int max_per_user, max_total;
    long catchup_hours;       /* a Last-Event-ID older than this gets `event: reset` */
};

/* Starts the hub: url for its LISTEN connection, visible for every check, caller_free to
 * release a stream's caller. 0 or -1. */
int stream_hub_start(const char *url, const struct stream_limits *limits, stream_visible_fn visible,
                     void (*caller_free)(void *caller));
/* Ends every stream (they are woken, send what they hold and close) and stops the hub. */
void stream_hub_stop(void);

struct stream;

struct stream_open_in {
    const char *org, *user;        /* the caller */
    bool internal;                 /* sees internal events (staff) */
    long long expires_at;          /* the access token's exp (unix seconds) */
    long long last_event_id;       /* < 0: none, start with what happens from now */
    void *caller;                  /* for visible; the stream owns it from stream_open on */
    const char *key;               /* equal for callers who see the same (checked once per batch) */
    /* The connection's parking: stream_next parks it when it has nothing to send, and the
     * hub wakes it when it has; both are called under the stream's lock. */
    void (*park)(void *arg), (*wake)(void *arg);
    void *wake_arg;
};

/* Opens a stream. db: a connection to check last_event_id on (an id too old, or unknown,
 * makes the stream start with `event: reset`). PD_ERR_THROTTLED past the limits (per user,
 * total), PD_ERR_UNAVAILABLE when the hub is not running; in.caller is freed on failure. */
enum pd_err stream_open(struct db_conn *db, const struct stream_open_in *in, struct stream **out);

/* What to send next into buf (at most max bytes): > 0 bytes, 0 at the end, or STREAM_IDLE
 * after parking the stream (call again once woken). */
long stream_next(struct stream *s, char *buf, size_t max);

/* The stream's connection is gone: after this returns wake is never called again. */
void stream_end(struct stream *s);

/* Open streams, for /metrics. */
int stream_count(void);

#endif
