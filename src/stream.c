/* The live stream's hub: the registry of open streams, their buffers, and the thread that
 * feeds them from the spine. One LISTEN connection wakes the thread; every round then reads
 * the events below pd_stream_horizon() on a pooled connection, so a lost notification (or a
 * lost LISTEN connection) only delays events, never drops them: a round also runs every
 * second. Nothing here knows HTTP or roles (see stream.h). */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "stream.h"

#define BATCH 500                    /* events read per statement */
#define MAX_BUFFERED (1 << 20)       /* bytes a stream may hold unsent before it is cut */
#define ROUND_MS 1000                /* a round at least this often, notified or not */

DB_STMT(horizon, "SELECT pd_stream_horizon()");
/* The events after $1 and below the horizon $2 (of one org, $3, when catching up). */
#define EVENT_COLUMNS "e.org_id, e.seq, e.type, e.subject_type, e.subject_id, e.visibility = 'internal', " \
                      "pd_event_json(e)::text, e.actor_id"
DB_STMT(read_all, "SELECT " EVENT_COLUMNS " FROM events e WHERE e.seq > $1 AND e.seq < $2 "
                  "ORDER BY e.seq LIMIT 500");  /* 500: BATCH */
DB_STMT(read_org, "SELECT " EVENT_COLUMNS " FROM events e WHERE e.org_id = $3 AND e.seq > $1 AND e.seq < $2 "
                  "ORDER BY e.seq LIMIT 500");  /* 500: BATCH */
/* Whether the events after $2 of org $1 can still be served: none older than $3 hours
 * among them, fewer than the catch-up cap, and $2 not beyond the sequence. */
DB_STMT(servable,
    "SELECT $2::bigint <= coalesce(pg_sequence_last_value('events_seq_seq'), 0) "
    "  AND coalesce(bool_and(x.created_at > now() - $3::bigint * interval '1 hour'), true) "
    "  AND count(*) < 10000 "
    "FROM (SELECT e.created_at FROM events e WHERE e.org_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT 10000) x");

struct stream {
    pthread_mutex_t mu;              /* the buffer and the flags below */
    char *buf;
    size_t len, off, cap;
    bool closing;                    /* send what is buffered, then end */
    bool ended;                      /* the connection is gone: no more wakes */
    bool parked;                     /* its connection waits for a wake */
    atomic_int refs;                 /* the connection's, and the hub's during a round */
    /* set at open, then only read (the hub thread writes cursor) */
    char org[PD_UUID_LEN + 1], user[PD_UUID_LEN + 1];
    char *key;                       /* streams with one key see the same (stream_open_in.key) */
    bool internal;
    long long expires_at, cursor;
    struct timespec opened, last_write;
    void *caller;
    void (*park)(void *), (*wake)(void *);
    void *wake_arg;
    struct stream *prev, *next;      /* the registry, under hub.mu */
};

static struct {
    pthread_mutex_t mu;
    struct stream *head;
    int count;
    long long last;                  /* every event below last + 1 was handed out */
    bool running;
    atomic_bool stopping;
    pthread_t thread;
    int wakefd;
    char *url;
    struct stream_limits limits;
    stream_visible_fn visible;
    void (*caller_free)(void *);
} hub = { .mu = PTHREAD_MUTEX_INITIALIZER, .wakefd = -1 };

static double since_ms(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static void unref(struct stream *s)
{
    if (atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    hub.caller_free(s->caller);
    free(s->key);
    pthread_mutex_destroy(&s->mu);
    free(s->buf);
    free(s);
}

/* Appends text to s (under s->mu); a reader too slow to keep MAX_BUFFERED is cut off (it
 * reconnects with its Last-Event-ID and catches up from the table). */
static void put_locked(struct stream *s, const char *text, size_t n)
{
    if (s->closing || s->ended)
        return;
    if (s->off > 0 && s->len + n > s->cap) {  /* what was sent makes room first */
        memmove(s->buf, s->buf + s->off, s->len - s->off);
        s->len -= s->off;
        s->off = 0;
    }
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n)
            cap *= 2;
        char *buf = cap <= MAX_BUFFERED ? realloc(s->buf, cap) : NULL;
        if (buf == NULL) {
            log_msg(LOG_WARN, NULL, "stream - a reader of %s fell %zu bytes behind; its stream ends", s->user,
                    s->len - s->off);
            s->closing = true;
            return;
        }
        s->buf = buf;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    clock_gettime(CLOCK_MONOTONIC, &s->last_write);
}

/* Wakes a parked stream that has something to send (under s->mu). */
static void wake_locked(struct stream *s)
{
    if (s->parked && !s->ended && (s->len > s->off || s->closing)) {
        s->parked = false;
        s->wake(s->wake_arg);
    }
}

/* Appends, optionally ends, and wakes s. */
static void put(struct stream *s, const char *text, size_t n, bool close_after)
{
    pthread_mutex_lock(&s->mu);
    put_locked(s, text, n);
    if (close_after)
        s->closing = true;
    wake_locked(s);
    pthread_mutex_unlock(&s->mu);
}

long stream_next(struct stream *s, char *buf, size_t max)
{
    pthread_mutex_lock(&s->mu);
    long n = STREAM_IDLE;
    if (s->len > s->off) {
        size_t k = s->len - s->off < max ? s->len - s->off : max;
        memcpy(buf, s->buf + s->off, k);
        s->off += k;
        n = (long)k;
    } else if (s->closing) {
        n = 0;
    } else {
        s->park(s->wake_arg);  /* under s->mu: a wake cannot slip in before it */
        s->parked = true;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

void stream_end(struct stream *s)
{
    pthread_mutex_lock(&s->mu);
    s->ended = true;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&hub.mu);
    if (s->prev)
        s->prev->next = s->next;
    else if (hub.head == s)
        hub.head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    hub.count--;
    pthread_mutex_unlock(&hub.mu);
    unref(s);
}

int stream_count(void)
{
    pthread_mutex_lock(&hub.mu);
    int n = hub.count;
    pthread_mutex_unlock(&hub.mu);
    return n;
}

static void poke(void)
{
    uint64_t one = 1;
    if (hub.wakefd >= 0 && write(hub.wakefd, &one, sizeof one) < 0)
        log_msg(LOG_DEBUG, NULL, "stream - poke failed");
}

enum pd_err stream_open(struct db_conn *db, const struct stream_open_in *in, struct stream **out)
{
    bool reset = false;
    if (in->last_event_id >= 0) {
        char since[24], hours[24];
        snprintf(since, sizeof since, "%lld", in->last_event_id);
        snprintf(hours, sizeof hours, "%ld", hub.limits.catchup_hours);
        const char *p[] = { in->org, since, hours };
        PGresult *res = NULL;
        enum pd_err err = db_exec(db, &servable, 3, p, &res);
        if (err != PD_OK) {
            hub.caller_free(in->caller);
            return err;
        }
        reset = strcmp(db_value(res, 0, 0), "t") != 0;
        PQclear(res);
    }
    struct stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        hub.caller_free(in->caller);
        return PD_ERR_NOMEM;
    }
    pthread_mutex_init(&s->mu, NULL);
    atomic_init(&s->refs, 1);
    snprintf(s->org, sizeof s->org, "%s", in->org);
    snprintf(s->user, sizeof s->user, "%s", in->user);
    s->caller = in->caller;
    s->key = strdup(in->key);
    if (s->key == NULL) {
        unref(s);  /* frees the caller too */
        return PD_ERR_NOMEM;
    }
    s->internal = in->internal;
    s->expires_at = in->expires_at;
    s->park = in->park;
    s->wake = in->wake;
    s->wake_arg = in->wake_arg;
    clock_gettime(CLOCK_MONOTONIC, &s->opened);
    s->last_write = s->opened;
    /* the client's reconnection delay, then what it must know before any event */
    static const char hello[] = "retry: 2000\n\n";
    static const char reset_ev[] = "event: reset\ndata: {\"reason\":\"last_event_id_not_servable\"}\n\n";
    put_locked(s, hello, sizeof hello - 1);
    if (reset)
        put_locked(s, reset_ev, sizeof reset_ev - 1);

    enum pd_err err = PD_OK;
    pthread_mutex_lock(&hub.mu);
    int mine = 0;
    for (struct stream *o = hub.head; o; o = o->next)
        mine += strcmp(o->user, s->user) == 0;
    if (!hub.running || atomic_load(&hub.stopping))
        err = PD_ERR_UNAVAILABLE;
    else if (hub.count >= hub.limits.max_total || mine >= hub.limits.max_per_user)
        err = PD_ERR_THROTTLED;
    if (err == PD_OK) {
        /* no Last-Event-ID (or a reset): from what the hub hands out next */
        s->cursor = in->last_event_id >= 0 && !reset ? in->last_event_id : hub.last;
        s->next = hub.head;
        if (hub.head)
            hub.head->prev = s;
        hub.head = s;
        hub.count++;
    }
    pthread_mutex_unlock(&hub.mu);
    if (err != PD_OK) {
        unref(s);
        return err;
    }
    poke();  /* a stream behind the hub catches up at once */
    *out = s;
    return PD_OK;
}

/* ---- one round -------------------------------------------------------------------------- */

/* The streams open now, each with a reference the round drops. */
static struct stream **snapshot(int *n)
{
    pthread_mutex_lock(&hub.mu);
    struct stream **all = malloc(sizeof *all * (size_t)(hub.count > 0 ? hub.count : 1));
    *n = 0;
    for (struct stream *s = hub.head; all && s; s = s->next) {
        atomic_fetch_add(&s->refs, 1);
        all[(*n)++] = s;
    }
    pthread_mutex_unlock(&hub.mu);
    return all;
}

static void release(struct stream **all, int n)
{
    for (int i = 0; i < n; i++)
        unref(all[i]);
    free(all);
}

/* What one caller may see of a batch: for each subject type in it, {id: version}. */
struct sight {
    const char *key;                 /* the caller's (stream_open_in.key) */
    int n_types;
    const char *types[32];
    json_t *seen[32];
    bool failed;                     /* a check failed: nothing of the batch is shown */
};

static void sight_clear(struct sight *g)
{
    for (int t = 0; t < g->n_types; t++)
        json_decref(g->seen[t]);
    memset(g, 0, sizeof *g);
}

/* Checks, once per subject type, which of the batch's events of s's org its caller may see. */
static void look(struct db_conn *db, const struct stream *s, const PGresult *res, struct sight *g)
{
    int n = PQntuples(res);
    g->key = s->key;
    for (int i = 0; i < n; i++) {
        const char *type = PQgetvalue(res, i, 3);
        if (strcmp(PQgetvalue(res, i, 0), s->org) != 0)
            continue;
        int t = 0;
        while (t < g->n_types && strcmp(g->types[t], type) != 0)
            t++;
        if (t == g->n_types && g->n_types < 32)
            g->types[g->n_types++] = type;
    }
    for (int t = 0; t < g->n_types && !g->failed; t++) {
        size_t cap = (size_t)n * (PD_UUID_LEN + 1) + 3, off = 0;
        char *ids = malloc(cap);
        if (ids == NULL) {
            g->failed = true;
            break;
        }
        ids[off++] = '{';
        for (int i = 0; i < n; i++)
            if (strcmp(PQgetvalue(res, i, 3), g->types[t]) == 0 && strcmp(PQgetvalue(res, i, 0), s->org) == 0)
                off += (size_t)snprintf(ids + off, cap - off, "%s%s", off > 1 ? "," : "", PQgetvalue(res, i, 4));
        snprintf(ids + off, cap - off, "}");
        g->failed = hub.visible(s->caller, db, g->types[t], ids, &g->seen[t]) != PD_OK;
        free(ids);
    }
}

/* Appends to s the events of res (rows of EVENT_COLUMNS) after its cursor that g says its
 * caller may see, and moves its cursor to upto. */
static void deliver(struct stream *s, const PGresult *res, const struct sight *g, long long upto)
{
    if (g->failed) {
        /* nothing of this batch is sent: the stream ends, and the client reconnecting with
         * its Last-Event-ID gets it from the table */
        static const char retry[] = "event: reconnect\ndata: {\"reason\":\"the server could not check an event\"}\n\n";
        put(s, retry, sizeof retry - 1, true);
        return;
    }
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < PQntuples(res); i++) {
        long long seq = atoll(PQgetvalue(res, i, 1));
        bool internal = PQgetvalue(res, i, 5)[0] == 't';
        if (seq <= s->cursor || strcmp(PQgetvalue(res, i, 0), s->org) != 0 || (internal && !s->internal))
            continue;
        int t = 0;
        while (t < g->n_types && strcmp(g->types[t], PQgetvalue(res, i, 3)) != 0)
            t++;
        json_t *j_seen = t < g->n_types ? json_object_get(g->seen[t], PQgetvalue(res, i, 4)) : NULL;
        if (j_seen == NULL)
            continue;
        /* data: the event as webhooks carry it, with the subject's version now, and without
         * an actor the caller may not know (a complainant hidden from them) */
        json_t *j_version = json_is_object(j_seen) ? json_object_get(j_seen, "version") : j_seen;
        const char *hide = json_string_value(json_object_get(j_seen, "hide_actor"));
        char *hidden = NULL;
        const char *event = PQgetvalue(res, i, 6);
        if (hide && strcmp(hide, PQgetvalue(res, i, 7)) == 0) {
            json_t *j_event = json_loads(event, 0, NULL);
            json_object_set_new(j_event, "actor_id", json_null());
            event = hidden = j_event ? json_dumps(j_event, JSON_COMPACT) : NULL;
            json_decref(j_event);
            if (event == NULL)
                continue;
        }
        size_t elen = strlen(event);
        size_t need = elen + 128 + strlen(PQgetvalue(res, i, 2));
        char *frame = malloc(need);
        if (frame != NULL) {
            int k = snprintf(frame, need, "id: %lld\nevent: %s\ndata: %.*s,\"version\":%lld}\n\n", seq,
                             PQgetvalue(res, i, 2), (int)(elen - 1), event, (long long)json_integer_value(j_version));
            put_locked(s, frame, (size_t)k);
        }
        free(frame);
        free(hidden);
    }
    if (upto > s->cursor)
        s->cursor = upto;
    wake_locked(s);
    pthread_mutex_unlock(&s->mu);
}

/* Delivers res to the streams of all for which want is true, each caller checked once. */
static void deliver_all(struct db_conn *db, struct stream **all, int n, const bool *want, const PGresult *res,
                        long long upto)
{
    struct sight *groups = calloc((size_t)(n > 0 ? n : 1), sizeof *groups);
    int n_groups = 0;
    for (int i = 0; groups && i < n; i++) {
        if (!want[i] || all[i]->closing)  /* (closing is only written by this thread) */
            continue;
        int g = 0;
        while (g < n_groups && strcmp(groups[g].key, all[i]->key) != 0)
            g++;
        if (g == n_groups)
            look(db, all[i], res, &groups[n_groups++]);
        deliver(all[i], res, &groups[g], upto);
    }
    for (int g = 0; g < n_groups; g++)
        sight_clear(&groups[g]);
    free(groups);
}

/* Reads the events after after and below below (of org, when not NULL) into *res. */
static enum pd_err read_events(struct db_conn *db, const char *org, long long after, long long below,
                               PGresult **res)
{
    char a[24], b[24];
    snprintf(a, sizeof a, "%lld", after);
    snprintf(b, sizeof b, "%lld", below);
    const char *p[] = { a, b, org };
    return db_exec(db, org ? &read_org : &read_all, org ? 3 : 2, p, res);
}

static void round_run(void)
{
    struct db_conn *db = NULL;
    if (db_acquire(&db) != PD_OK)
        return;
    PGresult *res = NULL;
    if (db_exec(db, &horizon, 0, NULL, &res) != PD_OK) {
        db_release(db);
        return;
    }
    long long below = atoll(db_value(res, 0, 0));
    PQclear(res);
    int n = 0;
    struct stream **all = snapshot(&n);
    long long last = hub.last;  /* only this thread moves it */
    /* streams behind the hub first catch up on their org's events, up to where it is */
    for (int i = 0; i < n; i++) {
        struct stream *s = all[i];
        while (s->cursor < last && !s->closing) {
            /* everything up to last is known committed (it was below an earlier horizon) */
            if (read_events(db, s->org, s->cursor, last + 1, &res) != PD_OK)
                break;
            int rows = PQntuples(res);
            struct sight g = { 0 };
            look(db, s, res, &g);
            deliver(s, res, &g, rows == BATCH ? atoll(PQgetvalue(res, rows - 1, 1)) : last);
            bool failed = g.failed;
            sight_clear(&g);
            PQclear(res);
            if (failed)
                break;
        }
    }
    /* then what committed since, to everyone in step */
    bool *in_step = calloc((size_t)(n > 0 ? n : 1), sizeof *in_step);
    for (int i = 0; in_step && i < n; i++)
        in_step[i] = all[i]->cursor >= last;
    if (n == 0 && below - 1 > last)  /* nobody listens: nothing to read, only the mark moves */
        last = below - 1;
    while (n > 0 && read_events(db, NULL, last, below, &res) == PD_OK) {
        int rows = PQntuples(res);
        long long upto = rows > 0 ? atoll(PQgetvalue(res, rows - 1, 1)) : below - 1;
        if (in_step && rows > 0)
            deliver_all(db, all, n, in_step, res, upto);
        PQclear(res);
        if (upto > last)
            last = upto;
        if (rows < BATCH)
            break;
    }
    db_release(db);
    for (int i = 0; in_step && i < n; i++)
        if (in_step[i] && all[i]->cursor < last)
            all[i]->cursor = last;
    free(in_step);
    pthread_mutex_lock(&hub.mu);
    hub.last = last;
    pthread_mutex_unlock(&hub.mu);
    /* streams that opened during the round start at the old mark: they catch up next round */
    release(all, n);
}

/* Heartbeats, expired tokens, lifetimes. */
static void tend(void)
{
    int n = 0;
    struct stream **all = snapshot(&n);
    long long now = (long long)time(NULL);
    for (int i = 0; i < n; i++) {
        struct stream *s = all[i];
        static const char expired[] = "event: token_expired\ndata: {\"reason\":\"the access token expired\"}\n\n";
        static const char lifetime[] = "event: reconnect\ndata: {\"reason\":\"the stream reached its lifetime\"}\n\n";
        if (s->expires_at <= now) {
            put(s, expired, sizeof expired - 1, true);
        } else if (since_ms(&s->opened) >= (double)hub.limits.max_seconds * 1e3) {
            put(s, lifetime, sizeof lifetime - 1, true);
        } else if (since_ms(&s->last_write) >= (double)hub.limits.heartbeat_ms) {
            /* the keep-alive carries the cursor as the id (dispatching no event): the client's
             * Last-Event-ID stays recent though it sees few events, so its reconnection can be
             * served without a reset */
            char ping[64];
            int k = snprintf(ping, sizeof ping, "id: %lld\n: ping\n\n", s->cursor);
            put(s, ping, (size_t)k, false);
        }
    }
    release(all, n);
}

/* A session ended (payload: the user's id): their streams end saying so. */
static void session_ended(const char *user)
{
    int n = 0;
    struct stream **all = snapshot(&n);
    static const char ended[] = "event: session_ended\ndata: {\"reason\":\"the session ended\"}\n\n";
    for (int i = 0; i < n; i++)
        if (strcmp(all[i]->user, user) == 0)
            put(all[i], ended, sizeof ended - 1, true);
    release(all, n);
}

/* ---- the thread ------------------------------------------------------------------------- */

static PGconn *listen_open(void)
{
    /* while it cannot, rounds read the table every second */
    return db_listen_open(hub.url, "propdesk-stream", "LISTEN propdesk_events; LISTEN propdesk_sessions", "stream");
}

static void *hub_run(void *arg)
{
    (void)arg;
    PGconn *pg = NULL;
    struct timespec retry = { 0 }, tended = { 0 };
    while (!atomic_load(&hub.stopping)) {
        if (pg == NULL && since_ms(&retry) >= 2000) {
            clock_gettime(CLOCK_MONOTONIC, &retry);
            pg = listen_open();  /* events missed meanwhile are read from the table */
        }
        struct pollfd fds[2] = { { .fd = hub.wakefd, .events = POLLIN }, { .fd = pg ? PQsocket(pg) : -1, .events = POLLIN } };
        int ready = poll(fds, 2, ROUND_MS);
        if (atomic_load(&hub.stopping))
            break;
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            uint64_t v;
            if (read(hub.wakefd, &v, sizeof v) < 0)
                log_msg(LOG_DEBUG, NULL, "stream - wake read failed");
        }
        if (pg != NULL && ready > 0 && fds[1].revents) {
            if (PQconsumeInput(pg) != 1 || PQstatus(pg) != CONNECTION_OK) {
                log_msg(LOG_WARN, NULL, "stream - lost the LISTEN connection; reconnecting");
                PQfinish(pg);
                pg = NULL;
            }
            PGnotify *note;
            while (pg != NULL && (note = PQnotifies(pg)) != NULL) {
                if (strcmp(note->relname, "propdesk_sessions") == 0)
                    session_ended(note->extra);
                PQfreemem(note);
            }
        }
        round_run();
        if (since_ms(&tended) >= 1000) {
            clock_gettime(CLOCK_MONOTONIC, &tended);
            tend();
        }
    }
    PQfinish(pg);
    return NULL;
}

int stream_hub_start(const char *url, const struct stream_limits *limits, stream_visible_fn visible,
                     void (*caller_free)(void *caller))
{
    hub.url = strdup(url);
    hub.wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (hub.url == NULL || hub.wakefd < 0)
        return -1;
    hub.limits = *limits;
    hub.visible = visible;
    hub.caller_free = caller_free;
    /* start at the present: the first round hands out what commits from now on */
    struct db_conn *db = NULL;
    PGresult *res = NULL;
    enum pd_err err = db_acquire(&db);
    if (err == PD_OK && (err = db_exec(db, &horizon, 0, NULL, &res)) == PD_OK)
        hub.last = atoll(db_value(res, 0, 0)) - 1;
    PQclear(res);
    if (db)
        db_release(db);
    if (err != PD_OK) {
        log_msg(LOG_ERROR, NULL, "stream_hub_start - cannot read the event horizon");
        return -1;
    }
    atomic_store(&hub.stopping, false);
    if (pthread_create(&hub.thread, NULL, hub_run, NULL) != 0)
        return -1;
    pthread_mutex_lock(&hub.mu);
    hub.running = true;
    pthread_mutex_unlock(&hub.mu);
    return 0;
}

void stream_hub_stop(void)
{
    pthread_mutex_lock(&hub.mu);
    bool running = hub.running;
    hub.running = false;
    pthread_mutex_unlock(&hub.mu);
    if (!running)
        return;
    atomic_store(&hub.stopping, true);
    poke();
    pthread_join(hub.thread, NULL);
    int n = 0;
    struct stream **all = snapshot(&n);
    static const char bye[] = "event: shutdown\ndata: {\"reason\":\"the server is restarting\"}\n\n";
    for (int i = 0; i < n; i++)
        put(all[i], bye, sizeof bye - 1, true);
    release(all, n);
    /* let them send it and close (they end through stream_end) */
    for (int i = 0; i < 100 && stream_count() > 0; i++)
        usleep(10000);
    close(hub.wakefd);
    hub.wakefd = -1;
    free(hub.url);
    hub.url = NULL;
}
