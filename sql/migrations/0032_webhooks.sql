-- Webhooks (DESIGN §11): the subscriptions' API, their secrets, and delivery from the outbox
-- (0012) by the job table. Each outbox row is one message (its id is the Standard Webhooks
-- `webhook-id`, the same on every attempt); a `webhook_delivery` job, scheduled with it in the
-- transaction of the event, sends it (src/webhook_delivery.c) outside any transaction, and records
-- every attempt in webhook_attempts. The outbox row says where the message stands:
-- pending (to be sent or retried), delivered, or failed (its retries ran out, or its
-- subscription was disabled).

ALTER TABLE webhook_subscriptions
    ADD COLUMN description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    -- whsec_ + base64; rows written by SQL (tests) get a strong random one
    ADD COLUMN secret text NOT NULL DEFAULT 'whsec_' || encode(decode(
        replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'), 'base64'),
    -- after a rotation the old secret signs too, until previous_expires_at
    ADD COLUMN previous_secret text,
    ADD COLUMN previous_expires_at timestamptz,
    ADD COLUMN failing_since timestamptz,       -- the first failed attempt since the last success
    ADD COLUMN disabled_reason text,
    ADD COLUMN created_by uuid,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD CHECK ((previous_secret IS NULL) = (previous_expires_at IS NULL)),
    ADD CHECK (url !~ '\s');

ALTER TABLE webhook_outbox
    ADD COLUMN event_type text,
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN last_status integer,             -- the HTTP status of the last attempt
    ADD COLUMN replays integer NOT NULL DEFAULT 0 CHECK (replays >= 0),
    DROP CONSTRAINT webhook_outbox_org_id_subscription_id_fkey,
    ADD FOREIGN KEY (org_id, subscription_id) REFERENCES webhook_subscriptions (org_id, id) ON DELETE CASCADE;
UPDATE webhook_outbox SET event_type = payload->>'type';
ALTER TABLE webhook_outbox ALTER COLUMN event_type SET NOT NULL;
-- the job table schedules deliveries now
DROP INDEX webhook_outbox_due;
-- a subscription's delivery log, newest first
CREATE INDEX webhook_outbox_log ON webhook_outbox (org_id, subscription_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
    org_id        uuid NOT NULL,
    outbox_id     uuid NOT NULL,
    attempt       integer NOT NULL CHECK (attempt >= 1),
    started_at    timestamptz NOT NULL,
    duration_ms   integer NOT NULL CHECK (duration_ms >= 0),
    status_code   integer,                     -- NULL: no HTTP answer (error says why)
    error         text CHECK (char_length(error) <= 500),
    response_excerpt text CHECK (char_length(response_excerpt) <= 1024),
    PRIMARY KEY (org_id, outbox_id, attempt),
    FOREIGN KEY (org_id, outbox_id) REFERENCES webhook_outbox (org_id, id) ON DELETE CASCADE
);

-- The fan-out (0012) now also schedules each message's delivery.
CREATE OR REPLACE FUNCTION pd_event_fanout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.visibility = 'public' THEN
        PERFORM pd_webhook_enqueue(NEW, s.id) FROM webhook_subscriptions s
        WHERE s.org_id = NEW.org_id AND s.active
          AND s.event_types && ARRAY[NEW.type, split_part(NEW.type, '.', 1) || '.*', '*'];
    END IF;
    PERFORM pg_notify('propdesk_events', NEW.seq::text);
    RETURN NULL;
END
$$;

-- One message of event e to subscription p_sub, and the job that sends it. Returns its id.
-- The body is the Standard Webhooks payload {type, timestamp, data}.
CREATE FUNCTION pd_webhook_enqueue(e events, p_sub uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO webhook_outbox (org_id, event_seq, subscription_id, event_type, payload)
    VALUES (e.org_id, e.seq, p_sub, e.type,
            jsonb_build_object('type', e.type, 'timestamp', pd_ts(e.created_at), 'data', pd_webhook_data(e)))
    RETURNING id INTO v_id;
    PERFORM pd_webhook_schedule(e.org_id, v_id, 0);
    RETURN v_id;
END
$$;

-- What a message's data is: the event as the stream carries it (pd_event_json). A subject
-- type may add to it with pd_webhook_data_<type>(events) RETURNS jsonb (merged in).
CREATE FUNCTION pd_webhook_data(e events) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    extra jsonb;
BEGIN
    IF to_regprocedure(format('pd_webhook_data_%s(events)', e.subject_type)) IS NOT NULL THEN
        EXECUTE format('SELECT pd_webhook_data_%s($1)', e.subject_type) INTO extra USING e;
    END IF;
    RETURN pd_event_json(e) || coalesce(extra, '{}');
END
$$;

-- The delivery job of message p_id; replay n (0: the first sending) is a job of its own.
CREATE FUNCTION pd_webhook_schedule(p_org uuid, p_id uuid, p_replay integer) RETURNS void
LANGUAGE sql AS $$
INSERT INTO jobs (org_id, kind, payload, dedup_key, max_attempts)
VALUES (p_org, 'webhook_delivery', jsonb_build_object('outbox_id', p_id),
        'delivery:' || p_id || ':' || p_replay, 100)
ON CONFLICT (kind, dedup_key, org_id) WHERE dedup_key IS NOT NULL DO NOTHING
$$;

-- The spine learns webhooks (their events tell the org's admins): no community, the URL as
-- label, and no audience of their own (the shared `admins` is theirs).
CREATE FUNCTION pd_subject_webhook(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT NULL::uuid, NULL::uuid, NULL::uuid, s.url FROM webhook_subscriptions s WHERE s.org_id = p_org AND s.id = p_id
$$;
CREATE FUNCTION pd_audience_webhook(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RAISE EXCEPTION 'pd_audience_webhook: unknown audience %', p_audience;
END
$$;

-- A subscription as the API shows it (never its secrets).
CREATE FUNCTION pd_webhook_json(s webhook_subscriptions) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', s.id, 'url', s.url, 'description', s.description,
    'event_types', to_jsonb(s.event_types), 'active', s.active, 'disabled_reason', s.disabled_reason,
    'failing_since', pd_ts(s.failing_since), 'previous_secret_expires_at', pd_ts(s.previous_expires_at),
    'version', s.version, 'created_at', pd_ts(s.created_at), 'updated_at', pd_ts(s.updated_at))
$$;

-- A message and where it stands; with_attempts adds its body and every attempt.
CREATE FUNCTION pd_webhook_delivery_json(o webhook_outbox, with_attempts boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object('id', o.id, 'subscription_id', o.subscription_id, 'event_seq', o.event_seq,
    'event_type', o.event_type, 'status', o.status, 'attempt_count', o.attempts, 'last_status', o.last_status,
    'last_error', o.last_error, 'next_attempt_at', CASE WHEN o.status = 'pending' THEN pd_ts(o.next_attempt_at) END,
    'replays', o.replays, 'created_at', pd_ts(o.created_at), 'delivered_at', pd_ts(o.delivered_at))
    || CASE WHEN with_attempts THEN jsonb_build_object('payload', o.payload, 'attempts', coalesce((
        SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'started_at', pd_ts(a.started_at),
                   'duration_ms', a.duration_ms, 'status_code', a.status_code, 'error', a.error,
                   'response_excerpt', a.response_excerpt) ORDER BY a.attempt)
        FROM webhook_attempts a WHERE a.org_id = o.org_id AND a.outbox_id = o.id), '[]'))
    ELSE '{}' END
$$;

-- Records attempt p_attempt of message p_id (src/webhook_delivery.c), in one statement:
-- its row in webhook_attempts, the message's state, and the subscription's health.
--   a 2xx        delivered; the subscription is healthy again
--   p_gone       (410) the subscription is disabled, the message failed
--   failing for longer than p_disable_after: the same
--   p_retry_ms   NULL: the retries ran out, the message failed; else pending until then
-- Disabling tells the org's admins (event webhook.disabled). Returns the outcome:
-- delivered, retry, failed or disabled.
CREATE FUNCTION pd_webhook_attempt(p_org uuid, p_id uuid, p_attempt integer, p_started timestamptz,
    p_ms integer, p_status integer, p_error text, p_excerpt text, p_retry_ms bigint, p_gone boolean,
    p_disable_after interval) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    o webhook_outbox;
    s webhook_subscriptions;
    reason text;
BEGIN
    SELECT * INTO o FROM webhook_outbox WHERE org_id = p_org AND id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'failed';  -- its subscription was deleted meanwhile
    END IF;
    IF o.status <> 'pending' OR p_attempt <= o.attempts THEN
        RETURN o.status;  -- a stale attempt (its lease lapsed and another ran): it changes nothing
    END IF;
    INSERT INTO webhook_attempts (org_id, outbox_id, attempt, started_at, duration_ms, status_code, error, response_excerpt)
    VALUES (p_org, p_id, p_attempt, p_started, p_ms, p_status, left(p_error, 500), left(p_excerpt, 1024))
    ON CONFLICT DO NOTHING;
    IF p_status BETWEEN 200 AND 299 THEN
        UPDATE webhook_outbox SET status = 'delivered', delivered_at = now(), attempts = p_attempt,
            last_status = p_status, last_error = NULL WHERE org_id = p_org AND id = p_id;
        UPDATE webhook_subscriptions SET failing_since = NULL
        WHERE org_id = p_org AND id = o.subscription_id AND failing_since IS NOT NULL;
        RETURN 'delivered';
    END IF;
    UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, p_started)
    WHERE org_id = p_org AND id = o.subscription_id RETURNING * INTO s;
    reason := CASE WHEN p_gone THEN 'the endpoint answered 410 Gone'
                   WHEN s.failing_since <= now() - p_disable_after
                   THEN 'every delivery failed since ' || pd_ts(s.failing_since) END;
    UPDATE webhook_outbox SET attempts = p_attempt, last_status = p_status, last_error = left(p_error, 500),
        status = CASE WHEN reason IS NULL AND p_retry_ms IS NOT NULL THEN 'pending' ELSE 'failed' END,
        next_attempt_at = now() + coalesce(p_retry_ms, 0) * interval '1 millisecond'
    WHERE org_id = p_org AND id = p_id;
    IF reason IS NOT NULL AND s.active THEN
        UPDATE webhook_subscriptions SET active = false, disabled_reason = reason, version = version + 1,
            updated_at = now() WHERE org_id = p_org AND id = s.id;
        UPDATE webhook_outbox SET status = 'failed', last_error = 'the subscription was disabled'
        WHERE org_id = p_org AND subscription_id = s.id AND status = 'pending';
        PERFORM pd_emit(p_org, 'webhook', s.id, 'webhook.disabled', NULL, 'system', NULL, NULL,
            jsonb_build_object('reason', reason, 'url', s.url), 'internal',
            jsonb_build_array(jsonb_build_object('to', 'admins', 'type', 'webhook.disabled',
                'title', 'Webhook 已停用：' || s.url, 'body', reason)));
        RETURN 'disabled';
    END IF;
    RETURN CASE WHEN reason IS NULL AND p_retry_ms IS NOT NULL THEN 'retry' ELSE 'failed' END;
END
$$;

-- POST /v1/webhooks/{id}/test: a webhook.tested event (internal: no other subscription hears
-- it) and its one message to this subscription. Returns the message as the API shows it
-- (NULL: no such subscription).
CREATE FUNCTION pd_webhook_test(p_org uuid, p_id uuid, p_actor uuid, p_role text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    s webhook_subscriptions;
    e events;
    v_seq bigint;
    v_msg uuid;
BEGIN
    SELECT * INTO s FROM webhook_subscriptions WHERE org_id = p_org AND id = p_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_seq := pd_emit(p_org, 'webhook', p_id, 'webhook.tested', p_actor, p_role, NULL, NULL,
                     jsonb_build_object('url', s.url), 'internal');
    SELECT * INTO e FROM events WHERE org_id = p_org AND seq = v_seq;
    v_msg := pd_webhook_enqueue(e, p_id);
    RETURN (SELECT pd_webhook_delivery_json(o, false) FROM webhook_outbox o WHERE o.org_id = p_org AND o.id = v_msg);
END
$$;
