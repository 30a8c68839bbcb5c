-- Per-user and per-client request quotas (src/ratelimit.c): one counter per caller and
-- minute, shared by every instance. Each instance counts in memory and adds its counts here
-- a few times a second (reading the totals back), so the hot path never waits on it; the
-- table is UNLOGGED (a crash loses at most the current minute's counts) and housekeeping
-- drops past minutes.
CREATE UNLOGGED TABLE rate_counters (
    subject       text NOT NULL,            -- a user's or an API client's id
    window_start  timestamptz NOT NULL,     -- the minute counted
    count         integer NOT NULL CHECK (count >= 0),
    PRIMARY KEY (window_start, subject)
);

-- Adds the counts of one instance for one minute, and answers every total of that minute it
-- asked about (the subjects it counts and the ones it only watches).
CREATE FUNCTION pd_rate_sync(p_window timestamptz, p_subjects text[], p_counts integer[], p_watch text[])
RETURNS TABLE (subject text, count integer) LANGUAGE sql AS $$
WITH added AS (
    INSERT INTO rate_counters AS r (subject, window_start, count)
    SELECT s, p_window, c FROM unnest(p_subjects, p_counts) AS x (s, c) WHERE c > 0
    ORDER BY s  -- every instance locks rows in one order: no deadlock between two syncs
    ON CONFLICT (window_start, subject) DO UPDATE SET count = r.count + excluded.count
    RETURNING r.subject, r.count
)
SELECT a.subject, a.count FROM added a
UNION ALL
SELECT r.subject, r.count FROM rate_counters r
WHERE r.window_start = p_window AND r.subject = ANY (p_watch)
  AND NOT EXISTS (SELECT 1 FROM added a WHERE a.subject = r.subject)
$$;
