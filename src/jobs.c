/* Background jobs run by `propdesk serve`, every JOBS_INTERVAL_MS (default 15 s):
 *  - the clocks sweep: warns supervisors before any subject's clock (src/clocks.h) is due,
 *    marks breaches, and emits both as events of the subject (ticket.sla_warned,
 *    ticket.sla_breached, …);
 *  - auto-close: resolutions the owner did not confirm within the org's delay (72 h)
 *    (ticket.auto_closed);
 *  - complaints: a breach escalates (complaint.escalated), and a valid complaint unsolved
 *    after 30 days becomes major (complaint.reclassified);
 *  - callbacks: windows that begin open (callback.opened); a closed ticket's callback is
 *    created with its auto-close; the monthly quality sample is a job (callback_sample);
 *  - the job table (src/jobq.h): a bounded batch of due jobs of the kinds registered below.
 * Each sweep is one UPDATE … RETURNING feeding pd_emit, the event spine's one write path
 * (src/events.h), so the row locks decide which instance acts: with N instances running
 * nothing is done twice. The sweeps stay sweeps: they are idempotent and set-based (a
 * condition over every ticket, re-checked each tick), while the job table holds per-item work
 * that must run at a given time or be retried. Housekeeping (expired idempotency keys, stale
 * login failures, long-dead refresh tokens, finished jobs) is a job: one per minute, scheduled
 * ahead by every instance under one dedup key, run by whichever claims it. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "jobq.h"
#include "jobs.h"
#include "log.h"

#define JOBS_BATCH 20          /* jobs claimed per tick and instance */
#define JOBS_LEASE_MS 60000    /* a handler must finish within its lease */

DB_STMT(purge_idempotency, "DELETE FROM idempotency_keys WHERE expires_at < now()");
DB_STMT(purge_failures, "DELETE FROM auth_failures WHERE at < now() - interval '15 minutes'");
DB_STMT(purge_rate_counters, "DELETE FROM rate_counters WHERE window_start < now() - interval '5 minutes'");
DB_STMT(purge_stream_tickets, "DELETE FROM stream_tickets WHERE expires_at < now() - interval '1 hour'");
DB_STMT(purge_refresh, "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '7 days'");
/* done jobs are kept a day, dead ones 30 days (their dedup keys hold as long); a job whose
 * instance died during its last attempt is dead, not claimed again */
DB_STMT(purge_jobs,
    "DELETE FROM jobs WHERE (status = 'done' AND updated_at < now() - interval '1 day') "
    "  OR (status = 'dead' AND updated_at < now() - interval '30 days')");
DB_STMT(bury_jobs,
    "UPDATE jobs SET status = 'dead', locked_until = NULL, updated_at = now(), "
    "  last_error = 'lease lapsed during the last attempt (instance died?)' "
    "WHERE status = 'running' AND locked_until <= now() AND attempts >= max_attempts");

/* The clocks sweep (src/clocks.h): one statement per kind over every subject's clocks. The
 * UPDATE picks the clocks, its RETURNING feeds the event spine (pd_emit: timeline, the
 * supervisors' inbox, webhooks, stream) as `<subject_type>.sla_warned` / `.sla_breached`
 * with the clock's name in details. A breach also bumps the subject's version (a branch per
 * subject type, like pd_clock_subject_label). Stopped clocks (subject resolved, cancelled)
 * are not swept. */
#define CLOCK_RUNNING "k.met_at IS NULL AND NOT k.breached AND k.stopped_at IS NULL AND k.due IS NOT NULL "
#define CLOCK_EMIT(type, ntype, title)                                                             \
    "SELECT pd_emit(h.org_id, h.subject_type, h.subject_id, h.subject_type || '" type "', NULL, "   \
    "  'system', NULL, NULL, jsonb_build_object('clock', h.name, 'due_at', pd_ts(h.due)), 'public', " \
    "  jsonb_build_array(jsonb_build_object('to', 'supervisors', 'type', '" ntype "', "            \
    "    'title', '" title "', "                                                                     \
    "    'body', pd_clock_subject_label(h.org_id, h.subject_type, h.subject_id) || ' ' || h.name))) "  \
    "FROM hit h ORDER BY h.org_id, h.subject_id, array_position(ARRAY['contact', 'arrival', 'resolution'], h.name), h.name"

DB_STMT(clocks_breach,
    "WITH hit AS (UPDATE clocks k SET breached = true WHERE " CLOCK_RUNNING "AND k.due <= now() "
    "  RETURNING k.org_id, k.subject_type, k.subject_id, k.name, k.due), "
    "touched AS (UPDATE tickets t SET version = t.version + 1, updated_at = now() "
    "  WHERE (t.org_id, t.id) IN (SELECT h.org_id, h.subject_id FROM hit h WHERE h.subject_type = 'ticket')), "
    /* a complaint's breach escalates it a level and tells the next one up: the breach itself
     * reaches the supervisors, the escalations the managers, then the admins (DESIGN §7) */
    "escalated AS (UPDATE complaints c SET escalation_level = least(c.escalation_level + 1, 3), "
    "  version = c.version + 1, updated_at = now() "
    "  WHERE (c.org_id, c.id) IN (SELECT h.org_id, h.subject_id FROM hit h WHERE h.subject_type = 'complaint') "
    "  RETURNING c.org_id, c.id, c.number, c.escalation_level) "
    "(" CLOCK_EMIT(".sla_breached", "sla.breached", "SLA 已超时") ") "
    "UNION ALL "
    "(SELECT pd_emit(e.org_id, 'complaint', e.id, 'complaint.escalated', NULL, 'system', NULL, NULL, "
    "   jsonb_build_object('level', e.escalation_level), 'public', jsonb_build_array(jsonb_build_object("
    "   'to', (ARRAY['managers', 'admins', 'admins'])[e.escalation_level], 'type', 'complaint.escalated', "
    "   'title', '投诉处理超时，已升级', 'body', e.number))) "
    " FROM escalated e ORDER BY e.org_id, e.id)");
/* A valid complaint still unsolved 30 days after receipt becomes major (seed 001 第五条);
 * the managers hear of it. Its deadlines keep their targets: by then every one of them has
 * passed (the longest default is 7 days). */
DB_STMT(complaints_upgrade,
    "WITH up AS (UPDATE complaints c SET severity = 'major', upgraded_at = now(), version = c.version + 1, "
    "  updated_at = now() FROM complaints o WHERE o.org_id = c.org_id AND o.id = c.id AND c.nature = 'valid' "
    "  AND c.severity <> 'major' AND c.status IN ('accepted', 'forwarded', 'acknowledged') "
    "  AND c.created_at <= now() - interval '30 days' RETURNING c.org_id, c.id, c.number, o.severity AS was) "
    "SELECT pd_emit(up.org_id, 'complaint', up.id, 'complaint.reclassified', NULL, 'system', NULL, NULL, "
    "  jsonb_build_object('from', jsonb_build_object('severity', up.was), 'to', jsonb_build_object('severity', 'major'), "
    "    'reason', 'unsolved_30_days'), 'public', jsonb_build_array(jsonb_build_object('to', 'managers', "
    "    'type', 'complaint.upgraded', 'title', '投诉超过30天未解决，已升级为重大投诉', 'body', up.number))) "
    "FROM up ORDER BY up.org_id, up.id");
/* A warning comes the org's warn_before_minutes before the due time, but never earlier than
 * half-way: a 10-minute clock (a complaint's forward deadline) is not "due soon" at its start. */
DB_STMT(clocks_warn,
    "WITH hit AS (UPDATE clocks k SET warned = true WHERE " CLOCK_RUNNING "AND NOT k.warned "
    "  AND k.due > now() AND k.due - least((SELECT coalesce(max(s.warn_before_minutes), 10) FROM ticket_settings s "
    "    WHERE s.org_id = k.org_id), k.target_minutes / 2.0) * interval '1 minute' <= now() "
    "  RETURNING k.org_id, k.subject_type, k.subject_id, k.name, k.due) "
    CLOCK_EMIT(".sla_warned", "sla.warning", "SLA 即将超时"));

DB_STMT(auto_close,
    "WITH closed AS (UPDATE tickets t SET status = 'closed', closed_at = now(), version = t.version + 1, "
    "  updated_at = now() WHERE t.status = 'resolved' AND t.resolved_at < now() - "
    "  (SELECT coalesce(max(s.auto_close_hours), 72) FROM ticket_settings s WHERE s.org_id = t.org_id) "
    "  * interval '1 hour' RETURNING t.org_id, t.id) "
    "SELECT pd_emit(org_id, 'ticket', id, 'ticket.auto_closed', NULL, 'system', 'resolved', 'closed'), "
    "  pd_callback_from_ticket(org_id, id) FROM closed");
/* Callbacks whose window begins: scheduled → open, their assignee told. */
DB_STMT(callbacks_open,
    "WITH opened AS (UPDATE callbacks k SET status = 'open', version = k.version + 1, updated_at = now() "
    "  WHERE k.status = 'scheduled' AND k.window_start <= now() RETURNING k.org_id, k.id, k.source_number) "
    "SELECT pd_emit(o.org_id, 'callback', o.id, 'callback.opened', NULL, 'system', 'scheduled', 'open', '{}', "
    "  'public', jsonb_build_array(jsonb_build_object('to', 'assignee', 'type', 'callback.opened', "
    "  'title', '回访窗口已开始', 'body', coalesce(o.source_number, '')))) FROM opened o ORDER BY o.org_id, o.id");
/* Announcements due: scheduled ones go out (their residents told), and what has passed its
 * expiry leaves the feeds (a scheduled one the sweep came too late for never goes out). The status guard makes each move once, whichever instance runs it. */
DB_STMT(announcements_publish_due,
    "WITH out AS (UPDATE announcements a SET status = 'published', published_at = now(), "
    "  version = a.version + 1, updated_at = now() WHERE a.status = 'scheduled' AND a.publish_at <= now() "
    "  AND (a.expires_at IS NULL OR a.expires_at > now()) RETURNING a.org_id, a.id) "
    "SELECT pd_announcement_published(o.org_id, o.id, NULL, 'system', 'scheduled') FROM out o ORDER BY o.org_id, o.id");
DB_STMT(announcements_expire,
    "WITH gone AS (UPDATE announcements a SET status = 'expired', version = a.version + 1, updated_at = now() "
    "  FROM (SELECT b.org_id, b.id, b.status FROM announcements b WHERE b.status IN ('published', 'scheduled') "
    "        AND b.expires_at <= now() FOR UPDATE) was "
    "  WHERE a.org_id = was.org_id AND a.id = was.id AND a.status = was.status RETURNING a.org_id, a.id, was.status) "
    "SELECT pd_emit(g.org_id, 'announcement', g.id, 'announcement.expired', NULL, 'system', g.status, 'expired') "
    "FROM gone g ORDER BY g.org_id, g.id");
/* Surveys due: a scheduled one opens at opens_at (its audience drawn, residents told: the same
 * pd_survey_opened as a person's open), an open one closes at closes_at. */
DB_STMT(surveys_open_due,
    "WITH opened AS (UPDATE surveys s SET status = 'open', opened_at = now(), version = s.version + 1, "
    "  updated_at = now() WHERE s.status = 'scheduled' AND s.opens_at <= now() AND s.closes_at > now() "
    "  RETURNING s.org_id, s.id) "
    "SELECT pd_survey_opened(o.org_id, o.id, NULL, 'system', 'scheduled') FROM opened o ORDER BY o.org_id, o.id");
DB_STMT(surveys_close_due,
    "WITH closed AS (UPDATE surveys s SET status = 'closed', closed_at = now(), version = s.version + 1, "
    "  updated_at = now() FROM (SELECT x.org_id, x.id, x.status FROM surveys x WHERE x.status IN ('open', 'scheduled') "
    "        AND x.closes_at <= now() FOR UPDATE) was "
    "  WHERE s.org_id = was.org_id AND s.id = was.id AND s.status = was.status RETURNING s.org_id, s.id, was.status) "
    "SELECT pd_emit(c.org_id, 'survey', c.id, 'survey.closed', NULL, 'system', c.status, 'closed') "
    "FROM closed c ORDER BY c.org_id, c.id");
/* A callback's next attempt is due (a job scheduled by an unreachable one, src/callbacks.c):
 * its assignee is reminded, unless it moved on meanwhile. $1 org, $2 callback, $3 attempts. */
DB_STMT(callback_retry_due,
    "SELECT pd_emit(k.org_id, 'callback', k.id, 'callback.retry_due', NULL, 'system', NULL, NULL, "
    "  jsonb_build_object('attempt', $3::int + 1), 'public', jsonb_build_array(jsonb_build_object("
    "  'to', 'assignee', 'type', 'callback.retry_due', 'title', '该再次回访了', 'body', coalesce(k.source_number, '')))) "
    "FROM callbacks k WHERE k.org_id = $1 AND k.id = $2::uuid AND k.status = 'open' "
    "AND jsonb_array_length(k.attempts) = $3::int");

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool stopping, started;
static long interval_ms = 15000;

static enum pd_err run_all(struct db_conn *db, struct db_stmt **jobs, size_t n, const char *what,
                           char *err, size_t errlen)
{
    enum pd_err result = PD_OK;
    for (size_t i = 0; i < n; i++)
        if (db_exec(db, jobs[i], 0, NULL, NULL) != PD_OK) {
            log_msg(LOG_WARN, db_tag_of(db), "jobs - %s failed: %s", what, db_last_message(db));
            if (result == PD_OK && err)
                snprintf(err, errlen, "%s", db_last_message(db));
            result = PD_ERR_DB;
        }
    return result;
}

static enum pd_err run_one(struct db_conn *db, struct db_stmt *st, int n, const char *const *p, const char *what,
                           char *err, size_t errlen)
{
    if (db_exec(db, st, n, p, NULL) == PD_OK)
        return PD_OK;
    log_msg(LOG_WARN, db_tag_of(db), "jobs - %s failed: %s", what, db_last_message(db));
    snprintf(err, errlen, "%s", db_last_message(db));
    return PD_ERR_DB;
}

/* ---- kinds of the job table: one row per kind of src/enums.c's job_kind --------------- */

static enum pd_err housekeeping(struct db_conn *db, struct jobq_job *job, char *err, size_t errlen)
{
    (void)job;
    struct db_stmt *purge[] = { &purge_idempotency, &purge_failures, &purge_refresh, &purge_jobs,
                                &bury_jobs, &purge_stream_tickets, &purge_rate_counters };
    return run_all(db, purge, sizeof purge / sizeof purge[0], "housekeeping", err, errlen);
}

/* Checks the queue end to end and does nothing else: payload {"fail": message} fails with
 * message (on every attempt, or the first fail_attempts ones). */
static enum pd_err probe(struct db_conn *db, struct jobq_job *job, char *err, size_t errlen)
{
    (void)db;
    const char *fail = json_string_value(json_object_get(job->payload, "fail"));
    json_t *j_until = json_object_get(job->payload, "fail_attempts");
    if (fail == NULL || (json_is_integer(j_until) && job->attempt > json_integer_value(j_until)))
        return PD_OK;
    snprintf(err, errlen, "%s", fail);
    return PD_ERR_INVALID;
}

static enum pd_err callback_retry(struct db_conn *db, struct jobq_job *job, char *err, size_t errlen)
{
    json_t *j_attempts = json_object_get(job->payload, "attempts");
    char n[16];
    snprintf(n, sizeof n, "%lld", (long long)json_integer_value(j_attempts));
    const char *p[] = { job->org, json_string_value(json_object_get(job->payload, "callback_id")), n };
    if (p[0] == NULL || p[1] == NULL || !json_is_integer(j_attempts)) {
        snprintf(err, errlen, "callback_retry: payload needs callback_id and attempts");
        return PD_ERR_INVALID;
    }
    return run_one(db, &callback_retry_due, 3, p, "callback retry", err, errlen);
}

/* The month's quality sample (第八条), for the month before the job's: payload {month:
 * "YYYY-MM-01"} (SQL pd_callback_quality_sample). */
DB_STMT(callback_sample_month, "SELECT pd_callback_quality_sample($1::date)");

static enum pd_err callback_sample(struct db_conn *db, struct jobq_job *job, char *err, size_t errlen)
{
    const char *p[] = { json_string_value(json_object_get(job->payload, "month")) };
    if (p[0] == NULL) {
        snprintf(err, errlen, "callback_sample: payload needs month");
        return PD_ERR_INVALID;
    }
    return run_one(db, &callback_sample_month, 1, p, "callback sample", err, errlen);
}

static const struct jobq_kind kinds[] = {
    { "housekeeping", housekeeping, false },
    { "probe", probe, false },
    { "callback_retry", callback_retry, false },
    { "callback_sample", callback_sample, false },
};

static char worker[128];

/* Housekeeping of the next minute, due at its start; every instance schedules it, the dedup
 * key makes it one job. */
static void schedule_housekeeping(struct db_conn *db)
{
    time_t slot = (time(NULL) / 60 + 1) * 60;
    struct tm tm;
    gmtime_r(&slot, &tm);
    char run_at[32], key[48];
    strftime(run_at, sizeof run_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(key, sizeof key, "housekeeping:%s", run_at);
    jobq_schedule(db, "housekeeping", NULL, NULL, run_at, key);
}

/* The quality sample of last month, due at the start of this one (UTC); every instance
 * schedules it, the dedup key makes it one job. */
static void schedule_callback_sample(struct db_conn *db)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int year = tm.tm_year + 1900, month = tm.tm_mon + 1;      /* this month */
    int prev_year = month == 1 ? year - 1 : year, prev = month == 1 ? 12 : month - 1;
    char run_at[48], key[64], sampled[32];
    snprintf(run_at, sizeof run_at, "%04d-%02d-01T00:00:00Z", year, month);
    snprintf(sampled, sizeof sampled, "%04d-%02d-01", prev_year, prev);
    snprintf(key, sizeof key, "callback-sample:%s", sampled);
    json_t *j = json_pack("{s:s}", "month", sampled);
    jobq_schedule(db, "callback_sample", NULL, j, run_at, key);
    json_decref(j);
}

static void sweep(void)
{
    struct db_conn *db;
    if (db_acquire(&db) != PD_OK)
        return;
    /* breaches first: a clock already past due is a breach, not a warning */
    struct db_stmt *due[] = { &clocks_breach, &clocks_warn, &auto_close, &complaints_upgrade, &callbacks_open,
                              &announcements_publish_due, &announcements_expire, &surveys_open_due,
                              &surveys_close_due };
    run_all(db, due, sizeof due / sizeof due[0], "sweep", NULL, 0);
    schedule_housekeeping(db);
    schedule_callback_sample(db);
    jobq_run(db, worker, kinds, sizeof kinds / sizeof kinds[0], JOBS_BATCH, JOBS_LEASE_MS);
    db_release(db);
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!stopping) {
        pthread_mutex_unlock(&lock);
        sweep();
        pthread_mutex_lock(&lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += interval_ms / 1000;
        until.tv_nsec += (interval_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int jobs_start(long every_ms)
{
    if (every_ms > 0)
        interval_ms = every_ms;
    char host[64] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        strcpy(host, "unknown");
    snprintf(worker, sizeof worker, "%s:%ld", host, (long)getpid());
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
