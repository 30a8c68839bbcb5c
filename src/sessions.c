/* The session guard, the cache of sessions known to be live, and the listener that keeps
 * that cache honest across instances. */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libpq-fe.h>
#include "log.h"
#include "sessions.h"

#define LIVE_SLOTS 8192     /* direct-mapped: a collision only costs a check */
#define LIVE_SECONDS 60     /* a remembered session is checked again after this */

static struct db_guard session_alive = {
    .expr = "(SELECT CASE WHEN CASE WHEN $4::boolean "
            "    THEN EXISTS (SELECT 1 FROM api_clients WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL) "
            "    ELSE EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND status = 'active') "
            "     AND ($3::uuid IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens "
            "                                          WHERE family_id = $3 AND revoked_at IS NOT NULL)) "
            "  END THEN true ELSE pd_session_ended() END)",
    .n = 4,
    .alone = { NULL, -1, NULL },
};

void session_guard(struct db_conn *db, const struct principal *who)
{
    const char *p[] = { who->org, who->sub, who->sid[0] ? who->sid : NULL,
                        who->role == ROLE_INTEGRATION ? "true" : "false" };
    db_guard(db, &session_alive, p);
}

/* ---- sessions known to be live ------------------------------------------------------- */

static struct live {
    char sub[PD_UUID_LEN + 1];
    char sid[PD_UUID_LEN + 1];
    time_t until;
} live[LIVE_SLOTS];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long generation;  /* bumped by every forget and every listener (re)connect */
static bool listening;            /* the listener is connected: the cache may be trusted */

static size_t slot_of(const struct principal *who)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = who->sub; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = who->sid; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (size_t)(h % LIVE_SLOTS);
}

bool session_known_live(const struct principal *who, unsigned long *gen)
{
    size_t i = slot_of(who);
    time_t now = time(NULL);
    pthread_mutex_lock(&live_lock);
    *gen = generation;
    bool known = listening && live[i].until > now && strcmp(live[i].sub, who->sub) == 0 &&
                 strcmp(live[i].sid, who->sid) == 0;
    pthread_mutex_unlock(&live_lock);
    return known;
}

void session_mark_live(const struct principal *who, unsigned long gen)
{
    size_t i = slot_of(who);
    pthread_mutex_lock(&live_lock);
    if (listening && gen == generation) {
        memcpy(live[i].sub, who->sub, sizeof live[i].sub);
        memcpy(live[i].sid, who->sid, sizeof live[i].sid);
        live[i].until = time(NULL) + LIVE_SECONDS;
    }
    pthread_mutex_unlock(&live_lock);
}

void sessions_forget(const char *sub)
{
    pthread_mutex_lock(&live_lock);
    generation++;
    for (size_t i = 0; i < LIVE_SLOTS; i++)
        if (live[i].until != 0 && strcmp(live[i].sub, sub) == 0)
            live[i].until = 0;
    pthread_mutex_unlock(&live_lock);
}

/* Trust in the cache starts (on connect) or ends (on a lost connection): either way what
 * it held may have missed an announcement, so it is emptied. */
static void set_listening(bool on)
{
    pthread_mutex_lock(&live_lock);
    generation++;
    listening = on;
    memset(live, 0, sizeof live);
    pthread_mutex_unlock(&live_lock);
}

/* ---- the listener -------------------------------------------------------------------- */

static pthread_t thread;
static bool started;
static atomic_bool stopping;
static char *listen_url;

/* Connects and LISTENs; NULL on failure. */
static PGconn *listen_open(void)
{
    return db_listen_open(listen_url, "propdesk-sessions", "LISTEN propdesk_sessions", "sessions listener");
}

static void *listen_run(void *arg)
{
    (void)arg;
    int backoff_ms = 100;
    while (!atomic_load(&stopping)) {
        PGconn *pg = listen_open();
        if (pg == NULL) {
            for (int waited = 0; waited < backoff_ms && !atomic_load(&stopping); waited += 50)
                nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
            backoff_ms = backoff_ms < 5000 ? backoff_ms * 2 : 5000;
            continue;
        }
        backoff_ms = 100;
        set_listening(true);
        while (!atomic_load(&stopping)) {
            struct pollfd pfd = { .fd = PQsocket(pg), .events = POLLIN };
            int n = poll(&pfd, 1, 200);
            if (n < 0 || (n > 0 && PQconsumeInput(pg) != 1) || PQstatus(pg) != CONNECTION_OK)
                break;
            PGnotify *note;
            while ((note = PQnotifies(pg)) != NULL) {
                sessions_forget(note->extra);
                PQfreemem(note);
            }
        }
        set_listening(false);
        PQfinish(pg);
        if (!atomic_load(&stopping))
            log_msg(LOG_WARN, NULL, "sessions - listener lost its connection: every request is checked until it is back");
    }
    return NULL;
}

int sessions_listen_start(const char *url)
{
    listen_url = strdup(url);
    if (listen_url == NULL)
        return -1;
    atomic_store(&stopping, false);
    started = pthread_create(&thread, NULL, listen_run, NULL) == 0;
    return started ? 0 : -1;
}

void sessions_listen_stop(void)
{
    if (started) {
        atomic_store(&stopping, true);
        pthread_join(thread, NULL);
        started = false;
    }
    free(listen_url);
    listen_url = NULL;
}
