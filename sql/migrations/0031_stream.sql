-- The live stream (DESIGN §11, src/stream.c) reads the spine in seq order and must never skip
-- an event: an event's seq is drawn when it is inserted, but its transaction may commit after
-- a later seq's, so "every committed event up to the highest seq seen" is not a safe cursor.
--
-- The proof used instead: before a transaction inserts its first event it takes a shared
-- transaction-level advisory lock keyed by k = (the sequence's last value) + 1, a lower bound
-- of every seq it will draw, and holds it to its end. The reader first reads the sequence's
-- last value L, then the smallest k held by anyone (pd_stream_horizon), then, in a later
-- statement (a later snapshot), the events below the horizon H = least(L + 1, min k). An
-- event s < H was drawn by a transaction T: if T was still running when the locks were read,
-- T held some k <= s, so H <= s — impossible; so T had ended, and its events are committed
-- (visible to the later snapshot) or rolled back forever. Seqs drawn after L was read are > L.
-- Keys live at 2^62 + k, apart from the other advisory locks (src/migrate.c, src/auth.c).
-- Assumed: events_seq_seq hands out values one at a time (CACHE 1, the default), so its last
-- value is the highest seq any session drew. A session idle in a transaction after an event
-- holds the horizon back for everyone (idle_in_transaction_session_timeout bounds it).

-- the global read of the stream, in seq order
CREATE INDEX events_by_seq ON events (seq);

CREATE FUNCTION pd_stream_register() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k bigint;
BEGIN
    IF coalesce(current_setting('propdesk.stream_low', true), '') = '' THEN
        k := coalesce(pg_sequence_last_value('events_seq_seq'), 0) + 1;
        PERFORM pg_advisory_xact_lock_shared((1::bigint << 62) + k);
        PERFORM set_config('propdesk.stream_low', k::text, true);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_stream_register BEFORE INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION pd_stream_register();

-- Every event with seq < the result is committed or will never be.
CREATE FUNCTION pd_stream_horizon() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    last_seq bigint := coalesce(pg_sequence_last_value('events_seq_seq'), 0);  -- first: L
    low bigint;
BEGIN
    SELECT min(((l.classid::bigint << 32) | l.objid::bigint) - (1::bigint << 62)) INTO low
    FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1
      AND l.classid::bigint BETWEEN (1::bigint << 30) AND (1::bigint << 31) - 1  -- not negative keys
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
    RETURN least(last_seq + 1, low);
END
$$;

-- Single-use tickets for browsers whose EventSource cannot send a bearer header
-- (POST /v1/stream/tickets): what the access token said, redeemed once within a minute.
CREATE TABLE stream_tickets (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),  -- SHA-256 of the ticket
    org_id      uuid NOT NULL REFERENCES orgs (id),
    user_id     uuid NOT NULL,
    claims      jsonb NOT NULL CHECK (jsonb_typeof(claims) = 'object'),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX stream_tickets_expiry ON stream_tickets (expires_at);
