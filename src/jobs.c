/* The housekeeping loop: expired idempotency keys, stale login failures and long-dead
 * refresh tokens are deleted once a minute. Deletes are idempotent, so instances racing
 * each other do no harm. */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include "db.h"
#include "jobs.h"
#include "log.h"

DB_STMT(purge_idempotency, "DELETE FROM idempotency_keys WHERE expires_at < now()");
DB_STMT(purge_failures, "DELETE FROM auth_failures WHERE at < now() - interval '15 minutes'");
DB_STMT(purge_refresh, "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '7 days'");

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool stopping, started;

static void housekeeping(void)
{
    struct db_conn *db;
    if (db_acquire(&db) != PD_OK)
        return;
    struct db_stmt *jobs[] = { &purge_idempotency, &purge_failures, &purge_refresh };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        if (db_exec(db, jobs[i], 0, NULL, NULL) != PD_OK)
            log_msg(LOG_WARN, NULL, "housekeeping - purge failed: %s", db_last_message(db));
    db_release(db);
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!stopping) {
        pthread_mutex_unlock(&lock);
        housekeeping();
        pthread_mutex_lock(&lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 60;
        while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int jobs_start(void)
{
    started = pthread_create(&thread, NULL, run, NULL) == 0;
    return started ? 0 : -1;
}

void jobs_stop(void)
{
    if (!started)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
}
