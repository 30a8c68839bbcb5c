-- One job table (DESIGN §2, §14): everything that must run later or be retried — callback
-- retries, scheduled announcements, webhook deliveries — is a row here, claimed by any
-- instance with FOR UPDATE SKIP LOCKED under a lease. The periodic set-based sweeps (SLA,
-- auto-close) are not jobs: they are idempotent UPDATEs run every tick (src/jobs.c).
-- The CHECKs of kind and status are generated from src/enums.c (0016_jobs_enums.sql).

CREATE TABLE jobs (
    org_id           uuid REFERENCES orgs (id),   -- NULL: a system job (housekeeping)
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    kind             text NOT NULL,
    payload          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    -- scheduling the same (org, kind, dedup_key) twice is a no-op, whatever became of the first
    dedup_key        text CHECK (length(dedup_key) BETWEEN 1 AND 200),
    status           text NOT NULL DEFAULT 'pending',
    run_at           timestamptz NOT NULL DEFAULT now(),  -- pending: when it is due
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- claims so far
    max_attempts     integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
    -- after failed attempt n the job waits d/2 + random(0, d/2), d = min(cap, base * 2^(n-1))
    -- (src/jobq.c, jobq_backoff_ms)
    backoff_base_ms  integer NOT NULL DEFAULT 10000 CHECK (backoff_base_ms >= 1),
    backoff_cap_ms   integer NOT NULL DEFAULT 3600000 CHECK (backoff_cap_ms >= backoff_base_ms),
    -- the lease: running and locked_until in the past = its instance died, claim it again
    locked_by        text,
    locked_until     timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'running') = (locked_until IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_dedup ON jobs (kind, dedup_key, org_id) NULLS NOT DISTINCT
    WHERE dedup_key IS NOT NULL;
-- the two halves of the claim: due pending jobs, lapsed leases
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE status = 'running';
-- what housekeeping purges
CREATE INDEX jobs_finished ON jobs (updated_at) WHERE status IN ('done', 'dead');

-- The claim, one statement: up to p_limit jobs of p_kinds that are due (pending, run_at
-- passed) or whose lease lapsed (running, locked_until passed), oldest first, each locked
-- with SKIP LOCKED so concurrent claimers never take the same row, counted as an attempt
-- and leased to p_worker until now() + p_lease. A row another claimer updated meanwhile is
-- re-checked after its lock (READ COMMITTED), so a job taken a moment ago is not due anymore.
CREATE FUNCTION pd_job_claim(p_worker text, p_kinds text[], p_limit integer, p_lease interval)
RETURNS SETOF jobs LANGUAGE sql VOLATILE AS $$
WITH due AS (
    SELECT id, run_at AS at FROM jobs
    WHERE status = 'pending' AND run_at <= now() AND kind = ANY (p_kinds)
    ORDER BY run_at LIMIT p_limit FOR UPDATE SKIP LOCKED
), lapsed AS (
    SELECT id, locked_until AS at FROM jobs
    WHERE status = 'running' AND locked_until <= now() AND kind = ANY (p_kinds)
      AND attempts < max_attempts  -- one that died on its last attempt: housekeeping buries it
    ORDER BY locked_until LIMIT p_limit FOR UPDATE SKIP LOCKED
), chosen AS (
    SELECT id FROM (SELECT * FROM due UNION ALL SELECT * FROM lapsed) c ORDER BY at LIMIT p_limit
)
UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, locked_by = p_worker,
    locked_until = now() + p_lease, updated_at = now()
FROM chosen WHERE j.id = chosen.id
RETURNING j.*
$$;
