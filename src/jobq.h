/* The job table (sql/migrations/0015_jobs.sql): delayed or retried work, one row per item —
 * schedule, claim under a lease, complete or fail with backoff. Which kinds exist and what
 * runs them is the caller's table (src/jobs.c); nothing here knows a kind. */
#ifndef PD_JOBQ_H
#define PD_JOBQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "db.h"
#include "pd.h"

/* Schedules a job of kind (a job_kind code of src/enums.c) for org (NULL: a system job) with
 * payload (a JSON object, borrowed; NULL = {}), due at run_at (a timestamptz literal, NULL =
 * now). Runs on the caller's connection, so inside a transaction or unit of work it commits
 * or rolls back with the change that asked for it. dedup_key (NULL = none): when a job of
 * this kind, org and key was ever scheduled (and not yet purged), nothing happens and the
 * result is still PD_OK. Errors as db_exec (PD_ERR_INVALID for an unknown kind). */
enum pd_err jobq_schedule(struct db_conn *db, const char *kind, const char *org,
                          const json_t *payload, const char *run_at, const char *dedup_key);

/* A claimed job. The strings live as long as the job (jobq_run owns it). */
struct jobq_job {
    const char *id, *kind, *org;   /* org NULL for a system job */
    json_t *payload;               /* borrowed */
    int attempt, max_attempts;     /* attempt: 1 for the first run */
    int64_t retry_in_ms;           /* the handler's, on failure: the delay before the next
                                    * attempt (0: the job's backoff) */
};

/* Runs one job. Its database work goes through db, inside a transaction that commits only
 * with the job's completion: PD_OK = done. Any other result rolls that work back and counts a
 * failed attempt; err (a NUL-terminated line, may be left empty) becomes last_error. */
typedef enum pd_err (*jobq_handler)(struct db_conn *db, struct jobq_job *job, char *err, size_t errlen);

struct jobq_kind {
    const char *kind;
    jobq_handler run;
    /* The handler runs outside any transaction (it waits on the network): each statement it
     * runs commits by itself, so it keeps them idempotent; the lease alone keeps other
     * claimers away, and a lapsed lease runs the job again. */
    bool outside_tx;
};

/* Claims up to limit due jobs of the given kinds (FOR UPDATE SKIP LOCKED, leased to worker for
 * lease_ms: until then no other claimer takes them) and runs each: done on success, otherwise
 * pending again at now() + jobq_backoff_ms(…), or dead after its max_attempts. A job whose
 * lease lapsed while it ran (too slow, or reclaimed) is left to its new holder: its work is
 * rolled back. Returns how many ran (successfully or not), -1 when the claim failed. */
int jobq_run(struct db_conn *db, const char *worker, const struct jobq_kind *kinds, size_t n,
             int limit, long lease_ms);

/* The delay after failed attempt n (n >= 1): d/2 + jitter * d/2 with d = min(cap_ms,
 * base_ms * 2^(n-1)) and jitter in [0, 1] — exponential with jitter, capped, never below
 * half of d: until the cap is reached a delay is at least the one before it. Pure. */
int64_t jobq_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double jitter);

#endif
