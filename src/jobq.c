/* The job table's mechanics: schedule (in the caller's transaction), claim under a lease
 * (pd_job_claim, one statement, FOR UPDATE SKIP LOCKED), then done, or failed with backoff and
 * dead after max_attempts. A job's work and its completion commit together, and only while
 * the claimer still holds its lease. Not here: the kinds and their handlers (src/jobs.c). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jobq.h"
#include "log.h"
#include "metrics.h"

DB_STMT(schedule,
    "INSERT INTO jobs (kind, org_id, payload, run_at, dedup_key) "
    "VALUES ($1, $2, coalesce($3::jsonb, '{}'), coalesce($4::timestamptz, now()), $5) "
    "ON CONFLICT (kind, dedup_key, org_id) WHERE dedup_key IS NOT NULL DO NOTHING");

DB_STMT(claim,
    "SELECT id, kind, org_id, payload::text, attempts, max_attempts, backoff_base_ms, backoff_cap_ms "
    "FROM pd_job_claim($1, $2::text[], $3::integer, $4::bigint * interval '1 millisecond')");

/* Both completions hold only while the lease is the caller's: same worker, same attempt. */
#define HELD "WHERE id = $1 AND status = 'running' AND locked_by = $2 AND attempts = $3::integer"
DB_STMT(complete,
    "UPDATE jobs SET status = 'done', locked_until = NULL, last_error = NULL, updated_at = now() " HELD);
DB_STMT(fail,
    "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END, "
    "  run_at = CASE WHEN attempts >= max_attempts THEN run_at "
    "    ELSE now() + $4::bigint * interval '1 millisecond' END, "
    "  locked_until = NULL, last_error = $5, updated_at = now() " HELD);

enum pd_err jobq_schedule(struct db_conn *db, const char *kind, const char *org,
                          const json_t *payload, const char *run_at, const char *dedup_key)
{
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    if (payload && !text)
        return PD_ERR_NOMEM;
    const char *params[] = { kind, org, text, run_at, dedup_key };
    enum pd_err err = db_exec(db, &schedule, 5, params, NULL);
    if (err != PD_OK)
        log_msg(LOG_WARN, db_tag_of(db), "jobq_schedule - %s failed: %s", kind, db_last_message(db));
    free(text);
    return err;
}

int64_t jobq_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double jitter)
{
    if (base_ms < 1)
        base_ms = 1;
    if (cap_ms < base_ms)
        cap_ms = base_ms;
    if (attempt < 1)
        attempt = 1;
    if (!(jitter >= 0))  /* also NaN */
        jitter = 0;
    if (jitter > 1)
        jitter = 1;
    int64_t d = base_ms;
    for (int i = 1; i < attempt && d < cap_ms; i++)
        d = d > cap_ms / 2 ? cap_ms : d * 2;
    if (d > cap_ms)
        d = cap_ms;
    return d - d / 2 + (int64_t)(jitter * (double)(d / 2));
}

/* Ends the claimed job in row i of claimed: its work is already committed (done) or rolled
 * back (failed, error = last_error). Returns false when the lease was no longer ours. */
static bool finish(struct db_conn *db, const PGresult *claimed, int i, const char *worker,
                   enum pd_err result, const char *error, int64_t retry_in_ms)
{
    const char *id = db_value(claimed, i, 0), *attempts = db_value(claimed, i, 4);
    PGresult *res = NULL;
    enum pd_err err;
    if (result == PD_OK) {
        const char *params[] = { id, worker, attempts };
        err = db_exec(db, &complete, 3, params, &res);
    } else {
        int64_t delay = retry_in_ms > 0 ? retry_in_ms
                        : jobq_backoff_ms(atoi(attempts), atoll(db_value(claimed, i, 6)),
                                          atoll(db_value(claimed, i, 7)), randombytes_uniform(1000001) / 1e6);
        char delay_s[24];
        snprintf(delay_s, sizeof delay_s, "%lld", (long long)delay);
        const char *params[] = { id, worker, attempts, delay_s, error };
        err = db_exec(db, &fail, 5, params, &res);
    }
    bool held = err == PD_OK && PQntuples(res) + atoi(PQcmdTuples(res)) == 1;
    if (err != PD_OK)
        log_msg(LOG_WARN, NULL, "jobq_run - finishing job %s failed: %s", id, db_last_message(db));
    PQclear(res);
    return held;
}

static enum pd_err run_one(struct db_conn *db, const PGresult *claimed, int i, const char *worker,
                           const struct jobq_kind *k, char *error, size_t errlen, int64_t *retry_in_ms)
{
    jobq_handler handler = k ? k->run : NULL;
    const char *org = db_value(claimed, i, 2);
    json_t *j_payload = json_loads(db_value(claimed, i, 3), 0, NULL);
    struct jobq_job job = {
        .id = db_value(claimed, i, 0), .kind = db_value(claimed, i, 1), .org = org,
        .payload = j_payload ? j_payload : json_object(),
        .attempt = atoi(db_value(claimed, i, 4)), .max_attempts = atoi(db_value(claimed, i, 5)),
    };
    bool in_tx = !(k && k->outside_tx);
    enum pd_err result = in_tx ? db_begin(db) : PD_OK;
    if (result != PD_OK) {
        snprintf(error, errlen, "BEGIN failed: %s", db_last_message(db));
        goto cleanup;
    }
    result = handler ? handler(db, &job, error, errlen) : PD_ERR_INVALID;
    if (!handler)
        snprintf(error, errlen, "no handler for kind %s", job.kind);
    *retry_in_ms = job.retry_in_ms;
    if (result == PD_OK) {
        /* a lapsed lease: another claimer holds the job, and its run counts, not ours (which,
         * in a transaction, is rolled back) */
        bool kept = finish(db, claimed, i, worker, PD_OK, NULL, 0);
        if (!kept)
            log_msg(LOG_WARN, NULL, "jobq_run - job %s (%s) lost its lease while it ran%s", job.id, job.kind,
                    in_tx ? "; its work is rolled back" : "");
        if (in_tx && !kept)
            db_rollback(db);
        else if (in_tx && (result = db_commit(db)) != PD_OK)
            snprintf(error, errlen, "COMMIT failed: %s", db_last_message(db));
    } else if (error[0] == '\0') {
        snprintf(error, errlen, "%s failed (error %d)%s%s", job.kind, (int)result,
                 db_last_message(db)[0] ? ": " : "", db_last_message(db));
    }
cleanup:
    json_decref(job.payload);
    return result;
}

int jobq_run(struct db_conn *db, const char *worker, const struct jobq_kind *kinds, size_t n,
             int limit, long lease_ms)
{
    /* the kinds this instance can run, as an array literal (codes are [a-z_] only) */
    char names[512] = "{", limit_s[16], lease_s[24];
    for (size_t k = 0; k < n; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? "," : "", kinds[k].kind);
    snprintf(names + strlen(names), sizeof names - strlen(names), "}");
    snprintf(limit_s, sizeof limit_s, "%d", limit);
    snprintf(lease_s, sizeof lease_s, "%ld", lease_ms);
    const char *params[] = { worker, names, limit_s, lease_s };
    PGresult *claimed = NULL;
    if (db_exec(db, &claim, 4, params, &claimed) != PD_OK) {
        log_msg(LOG_WARN, NULL, "jobq_run - claim failed: %s", db_last_message(db));
        return -1;
    }
    int ran = PQntuples(claimed), failed = 0;
    for (int i = 0; i < ran; i++) {
        const struct jobq_kind *kind = NULL;
        for (size_t k = 0; k < n && !kind; k++)
            if (strcmp(kinds[k].kind, db_value(claimed, i, 1)) == 0)
                kind = &kinds[k];
        char error[500] = "";
        int64_t retry_in_ms = 0;
        if (run_one(db, claimed, i, worker, kind, error, sizeof error, &retry_in_ms) == PD_OK)
            continue;
        db_rollback(db);
        failed++;
        log_msg(LOG_WARN, NULL, "jobq_run - job %s (%s) attempt %s failed: %s", db_value(claimed, i, 0),
                db_value(claimed, i, 1), db_value(claimed, i, 4), error);
        finish(db, claimed, i, worker, PD_ERR_DB, error, retry_in_ms);
    }
    PQclear(claimed);
    metrics_jobs_observe(ran, failed);
    return ran;
}
