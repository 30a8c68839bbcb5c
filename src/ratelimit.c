/* Request quotas (ratelimit.h): an open-addressing table of the callers seen this minute,
 * under one mutex, and the thread that syncs it with rate_counters. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "log.h"
#include "pd.h"
#include "ratelimit.h"

#define SLOTS 8192                  /* callers counted per minute per instance */
#define WINDOW 60                   /* seconds */

struct counter {
    char subject[PD_UUID_LEN + 1];  /* "" = free */
    long long window;               /* the minute (unix seconds / 60) */
    int pending;                    /* counted here, not yet added to the table */
    int flushing;                   /* counted here, being added (a sync in flight) */
    int known;                      /* the total of every instance, as last read */
};

static struct counter table[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int quota, sync_ms;
static char *db_url;
static pthread_t thread;
static atomic_bool running, stopping;

DB_STMT(sync_counts, "SELECT subject, count FROM pd_rate_sync(to_timestamp($1::bigint * 60), $2::text[], $3::integer[], $4::text[])");

static unsigned slot_of(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % SLOTS;
}

/* The subject's counter as it is (under mu), or NULL. */
static struct counter *find(const char *subject)
{
    unsigned i = slot_of(subject);
    for (unsigned n = 0; n < SLOTS && table[i].subject[0] != '\0'; n++, i = (i + 1) % SLOTS)
        if (strcmp(table[i].subject, subject) == 0)
            return &table[i];
    return NULL;
}

/* The subject's counter for window (under mu); NULL when the table is full of this minute.
 * The probe chain is searched to its end (a free slot) before a stale slot is reused, so a
 * subject never gets two counters. */
static struct counter *counter_of(const char *subject, long long window)
{
    unsigned i = slot_of(subject);
    struct counter *reuse = NULL;
    for (unsigned n = 0; n < SLOTS; n++, i = (i + 1) % SLOTS) {
        struct counter *e = &table[i];
        if (e->subject[0] == '\0') {
            if (reuse == NULL)
                reuse = e;
            break;
        }
        if (strcmp(e->subject, subject) == 0) {
            if (e->window != window)
                e->window = window, e->pending = 0, e->flushing = 0, e->known = 0;
            return e;
        }
        if (reuse == NULL && e->window < window && e->flushing == 0)
            reuse = e;  /* a past minute's (what it could not add is of no use now) */
    }
    if (reuse != NULL) {
        snprintf(reuse->subject, sizeof reuse->subject, "%s", subject);
        reuse->window = window, reuse->pending = 0, reuse->flushing = 0, reuse->known = 0;
    } else {
        static atomic_long full_logged;
        long now = (long)time(NULL);
        if (atomic_exchange(&full_logged, now) != now)  /* once a second at most */
            log_msg(LOG_WARN, NULL, "ratelimit - %d callers this minute fill the table: the rest go uncounted", SLOTS);
    }
    return reuse;
}

bool ratelimit_take(const char *subject, int *remaining, int *reset)
{
    time_t now = time(NULL);
    long long window = (long long)now / WINDOW;
    *reset = WINDOW - (int)(now % WINDOW);
    *remaining = quota;
    if (quota <= 0)
        return true;
    pthread_mutex_lock(&mu);
    struct counter *e = counter_of(subject, window);
    bool ok = true;
    if (e != NULL) {
        int used = e->known + e->flushing + e->pending;
        ok = used < quota;
        if (ok)
            e->pending++;
        *remaining = ok ? quota - used - 1 : 0;
    }
    pthread_mutex_unlock(&mu);
    return ok;
}

/* A {…} literal of the subjects (ids: no quoting needed) or counts of the counters picked. */
static void literal(char *out, size_t cap, const struct counter *const *picked, int n, bool counts)
{
    size_t off = (size_t)snprintf(out, cap, "{");
    for (int i = 0; i < n && off < cap; i++) {
        if (counts)
            off += (size_t)snprintf(out + off, cap - off, "%s%d", i ? "," : "", picked[i]->pending);
        else
            off += (size_t)snprintf(out + off, cap - off, "%s%s", i ? "," : "", picked[i]->subject);
    }
    if (off < cap)
        snprintf(out + off, cap - off, "}");
}

/* One sync: this minute's counts out, the totals back. Returns db_exec's result. */
static enum pd_err sync_once(struct db_conn *db)
{
    static const struct counter *picked[SLOTS];
    static char subjects[SLOTS * (PD_UUID_LEN + 1) + 8], counts[SLOTS * 12 + 8];
    long long window = (long long)time(NULL) / WINDOW;
    pthread_mutex_lock(&mu);
    int n = 0;
    for (int i = 0; i < SLOTS; i++)
        if (table[i].subject[0] != '\0' && table[i].window == window)
            picked[n++] = &table[i];
    literal(subjects, sizeof subjects, picked, n, false);
    literal(counts, sizeof counts, picked, n, true);
    for (int i = 0; i < n; i++) {  /* still counted (flushing) while the sync is in flight */
        struct counter *e = (struct counter *)picked[i];
        e->flushing = e->pending;
        e->pending = 0;
    }
    pthread_mutex_unlock(&mu);
    if (n == 0)
        return PD_OK;
    char w[24];
    snprintf(w, sizeof w, "%lld", window);
    const char *p[] = { w, subjects, counts, subjects };
    PGresult *res = NULL;
    enum pd_err err = db_exec(db, &sync_counts, 4, p, &res);
    pthread_mutex_lock(&mu);
    for (int i = 0; i < n; i++) {
        struct counter *e = (struct counter *)picked[i];
        if (e->window == window && err != PD_OK)
            e->pending += e->flushing;  /* not added: add it next time */
        else if (e->window == window)
            e->known += e->flushing;    /* at least ours, until the totals say more */
        e->flushing = 0;
    }
    for (int r = 0; err == PD_OK && r < PQntuples(res); r++) {
        struct counter *e = find(PQgetvalue(res, r, 0));
        int total = atoi(PQgetvalue(res, r, 1));
        if (e != NULL && e->window == window && total > e->known)  /* not a minute since begun */
            e->known = total;
    }
    pthread_mutex_unlock(&mu);
    PQclear(res);
    if (err != PD_OK)
        log_msg(LOG_WARN, NULL, "ratelimit - sync failed: %s", db_last_message(db));
    return err;
}

static void *run(void *arg)
{
    (void)arg;
    struct db_conn *db = NULL;
    while (!atomic_load(&stopping)) {
        if (db == NULL && db_connect_once(db_url, &db) != PD_OK)
            db = NULL;
        if (db != NULL && sync_once(db) == PD_ERR_UNAVAILABLE) {
            db_disconnect(db);  /* reconnect next time; meanwhile each instance counts alone */
            db = NULL;
        }
        for (int waited = 0; waited < sync_ms && !atomic_load(&stopping); waited += 10)
            usleep(10000);
    }
    if (db != NULL)
        db_disconnect(db);
    return NULL;
}

int ratelimit_start(const char *url, int per_minute, int every_ms)
{
    quota = per_minute;
    sync_ms = every_ms;
    if (quota <= 0)
        return 0;
    db_url = strdup(url);
    atomic_store(&stopping, false);
    if (db_url == NULL || pthread_create(&thread, NULL, run, NULL) != 0)
        return -1;
    atomic_store(&running, true);
    return 0;
}

void ratelimit_stop(void)
{
    if (atomic_load(&running)) {
        atomic_store(&stopping, true);
        pthread_join(thread, NULL);
        atomic_store(&running, false);
    }
    free(db_url);
    db_url = NULL;
}
