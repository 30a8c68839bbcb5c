-- The event spine (DESIGN §11, §14): one `events` table for every resource and one way to
-- write it, pd_emit(), used by the C handlers and by the SQL of the background jobs alike.
-- In the caller's transaction an event
--   * is appended to `events` (the timeline of its subject; `seq` orders everything),
--   * writes the inbox rows of the notices it carries (recipients chosen by pd_recipients),
--   * writes one webhook_outbox row per active subscription of the org that asked for its
--     type (a trigger on `events`, so no row reaches the table without its fan-out),
--   * and sends pg_notify('propdesk_events', seq) for the live stream (delivered at commit).
-- The ticket timeline (ticket_events) moves here, keeping its ids as `seq`, and is dropped.

CREATE TABLE events (
    org_id        uuid NOT NULL REFERENCES orgs (id),
    seq           bigserial,       -- global order of the spine (the live stream's event id)
    subject_type  text NOT NULL CHECK (subject_type ~ '^[a-z][a-z_]*$'),
    subject_id    uuid NOT NULL,
    -- <resource>.<past participle>, the resource being the subject: ticket.created,
    -- work_order.accepted, ticket.sla_breached …
    type          text NOT NULL CHECK (type ~ '^[a-z][a-z_]*\.[a-z][a-z_]*$'
                                       AND split_part(type, '.', 1) = subject_type),
    actor_id      uuid,            -- NULL: the system (jobs) or an API client
    actor_role    text NOT NULL,
    from_status   text,
    to_status     text,
    details       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    visibility    text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, seq)      -- also the read of an org's stream from a sequence number
);
CREATE INDEX events_by_subject ON events (org_id, subject_type, subject_id, seq);

-- What every audience needs to know about a subject. A new resource adds its branch here
-- (and its own audiences to pd_recipients).
CREATE FUNCTION pd_event_subject(p_org uuid, p_subject_type text, p_subject_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_subject_type
    WHEN 'ticket' THEN
        SELECT t.id, NULL, t.community_id INTO ticket_id, work_order_id, community_id
        FROM tickets t WHERE t.org_id = p_org AND t.id = p_subject_id;
    WHEN 'work_order' THEN
        SELECT w.ticket_id, w.id, w.community_id INTO ticket_id, work_order_id, community_id
        FROM work_orders w WHERE w.org_id = p_org AND w.id = p_subject_id;
    ELSE
        RAISE EXCEPTION 'pd_event_subject: unknown subject type %', p_subject_type;
    END CASE;
END
$$;

-- Who an audience is, for a subject: the one place recipients are chosen.
--   owners       the ticket's reporter (a resident) and its unit's verified residents
--   assignee     the work order's assignee
--   department   on-duty technicians of the work order's department serving its community
--   supervisors  supervisors of the subject's community, org-wide supervisors and managers
-- May return a user more than once; pd_emit writes one inbox row per user and event.
CREATE FUNCTION pd_recipients(p_org uuid, p_audience text, p_subject_type text, p_subject_id uuid)
RETURNS SETOF uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
    s record;
BEGIN
    SELECT * INTO s FROM pd_event_subject(p_org, p_subject_type, p_subject_id);
    CASE p_audience
    WHEN 'owners' THEN
        RETURN QUERY
        SELECT t.reporter_id FROM tickets t
        JOIN users u ON u.org_id = t.org_id AND u.id = t.reporter_id AND u.kind = 'resident'
        WHERE t.org_id = p_org AND t.id = s.ticket_id
        UNION
        SELECT r.user_id FROM tickets t
        JOIN residencies r ON r.org_id = t.org_id AND r.unit_id = t.unit_id AND r.status = 'verified'
        WHERE t.org_id = p_org AND t.id = s.ticket_id;
    WHEN 'assignee' THEN
        RETURN QUERY
        SELECT w.assignee_id FROM work_orders w
        WHERE w.org_id = p_org AND w.id = s.work_order_id AND w.assignee_id IS NOT NULL;
    WHEN 'department' THEN
        RETURN QUERY
        SELECT u.id FROM work_orders w
        JOIN users u ON u.org_id = w.org_id AND u.department = w.department AND u.kind = 'staff'
            AND u.status = 'active' AND u.on_duty
        JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id AND g.role = 'technician'
            AND (g.community_id IS NULL OR g.community_id = w.community_id)
        WHERE w.org_id = p_org AND w.id = s.work_order_id;
    WHEN 'supervisors' THEN
        RETURN QUERY
        SELECT g.user_id FROM role_grants g
        JOIN users u ON u.org_id = g.org_id AND u.id = g.user_id AND u.status = 'active'
        WHERE g.org_id = p_org
          AND ((g.role = 'supervisor' AND (g.community_id IS NULL OR g.community_id = s.community_id))
               OR (g.role = 'manager' AND g.community_id IS NULL));
    ELSE
        RAISE EXCEPTION 'pd_recipients: unknown audience %', p_audience;
    END CASE;
END
$$;

-- The inbox: each row now names the event that wrote it and its subject (ticket_id and
-- work_order_id stay: they are on the wire). Rows older than the spine have no event.
ALTER TABLE notifications ADD COLUMN subject_type text, ADD COLUMN subject_id uuid,
    ADD COLUMN event_seq bigint;
UPDATE notifications SET subject_type = CASE WHEN work_order_id IS NOT NULL THEN 'work_order' ELSE 'ticket' END,
                         subject_id = coalesce(work_order_id, ticket_id);
ALTER TABLE notifications ALTER COLUMN subject_type SET NOT NULL, ALTER COLUMN subject_id SET NOT NULL,
    ADD FOREIGN KEY (org_id, event_seq) REFERENCES events (org_id, seq);

-- Only pd_emit writes the inbox: a notification without its event is refused.
CREATE FUNCTION pd_notification_has_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_seq IS NULL THEN
        RAISE EXCEPTION 'notifications are written by pd_emit (event_seq is required)';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER notifications_have_event BEFORE INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION pd_notification_has_event();

-- Webhooks. The subscriptions' API, their secrets and the delivery worker come later; an
-- event is written to the outbox for each active subscription of its org whose event_types
-- hold its type, `<resource>.*` or `*`.
CREATE TABLE webhook_subscriptions (
    org_id       uuid NOT NULL REFERENCES orgs (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    url          text NOT NULL CHECK (url ~ '^https?://' AND char_length(url) <= 2000),
    event_types  text[] NOT NULL CHECK (cardinality(event_types) > 0),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX webhook_subscriptions_active ON webhook_subscriptions (org_id) WHERE active;

-- One delivery of one event to one subscription. id is the message id (Standard Webhooks
-- `webhook-id`), the same on every attempt.
CREATE TABLE webhook_outbox (
    org_id           uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    event_seq        bigint NOT NULL,
    subscription_id  uuid NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, subscription_id, event_seq),
    FOREIGN KEY (org_id, event_seq) REFERENCES events (org_id, seq),
    FOREIGN KEY (org_id, subscription_id) REFERENCES webhook_subscriptions (org_id, id)
);
-- what the delivery worker claims (FOR UPDATE SKIP LOCKED)
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending';

-- An event as webhooks (and later the stream) carry it: ids and statuses, no personal data;
-- a receiver reads the subject through the API, under its own scopes.
CREATE FUNCTION pd_event_json(e events) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT jsonb_build_object('seq', e.seq, 'type', e.type, 'subject_type', e.subject_type,
    'subject_id', e.subject_id, 'actor_id', e.actor_id, 'actor_role', e.actor_role,
    'from_status', e.from_status, 'to_status', e.to_status, 'details', e.details,
    'created_at', pd_ts(e.created_at))
$$;

-- The fan-out of every event row: webhook outbox (public events only: internal notes stay
-- with the staff) and the live stream's notification.
CREATE FUNCTION pd_event_fanout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.visibility = 'public' THEN
        INSERT INTO webhook_outbox (org_id, event_seq, subscription_id, payload)
        SELECT NEW.org_id, NEW.seq, s.id,
               jsonb_build_object('type', NEW.type, 'timestamp', pd_ts(NEW.created_at), 'data', pd_event_json(NEW))
        FROM webhook_subscriptions s
        WHERE s.org_id = NEW.org_id AND s.active
          AND s.event_types && ARRAY[NEW.type, split_part(NEW.type, '.', 1) || '.*', '*'];
    END IF;
    PERFORM pg_notify('propdesk_events', NEW.seq::text);
    RETURN NULL;
END
$$;

-- The emit path. notices: [{"to": audience, "type": notification type, "title": …,
-- "body": … (optional)}, …]; a user in several audiences gets the first notice naming them.
-- Returns the event's seq.
CREATE FUNCTION pd_emit(p_org uuid, p_subject_type text, p_subject_id uuid, p_type text,
    p_actor_id uuid, p_actor_role text, p_from_status text DEFAULT NULL, p_to_status text DEFAULT NULL,
    p_details jsonb DEFAULT '{}', p_visibility text DEFAULT 'public', p_notices jsonb DEFAULT '[]')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
    s record;
BEGIN
    INSERT INTO events (org_id, subject_type, subject_id, type, actor_id, actor_role, from_status,
                        to_status, details, visibility)
    VALUES (p_org, p_subject_type, p_subject_id, p_type, p_actor_id, coalesce(p_actor_role, 'system'),
            p_from_status, p_to_status, coalesce(p_details, '{}'), coalesce(p_visibility, 'public'))
    RETURNING seq INTO v_seq;
    IF jsonb_array_length(coalesce(p_notices, '[]')) > 0 THEN
        SELECT * INTO s FROM pd_event_subject(p_org, p_subject_type, p_subject_id);
        INSERT INTO notifications (org_id, user_id, type, ticket_id, work_order_id, subject_type,
                                   subject_id, event_seq, title, body)
        SELECT DISTINCT ON (r.user_id) p_org, r.user_id, n.notice->>'type', s.ticket_id, s.work_order_id,
               p_subject_type, p_subject_id, v_seq, n.notice->>'title', coalesce(n.notice->>'body', '')
        FROM jsonb_array_elements(p_notices) WITH ORDINALITY AS n (notice, ord)
        CROSS JOIN LATERAL pd_recipients(p_org, n.notice->>'to', p_subject_type, p_subject_id) AS r (user_id)
        ORDER BY r.user_id, n.ord;
    END IF;
    RETURN v_seq;
END
$$;

-- The ticket timeline's wire `type` (GET /v1/tickets/{id}/events) predates the spine; apps
-- rely on it, so it keeps its names and the canonical one travels beside it (`event_type`).
CREATE FUNCTION pd_ticket_timeline_type(type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE type
    WHEN 'work_order.dispatched' THEN 'dispatched'
    WHEN 'work_order.accepted' THEN 'work_order.accept'
    WHEN 'work_order.declined' THEN 'work_order.decline'
    WHEN 'work_order.started' THEN 'work_order.start'
    WHEN 'work_order.held' THEN 'work_order.hold'
    WHEN 'work_order.resumed' THEN 'work_order.resume'
    WHEN 'work_order.completed' THEN 'work_order.complete'
    WHEN 'work_order.reassigned' THEN 'work_order.reassign'
    WHEN 'work_order.cancelled' THEN 'work_order.cancel'
    -- the ticket's state following its work orders
    WHEN 'ticket.dispatched' THEN 'status_changed'
    WHEN 'ticket.started' THEN 'status_changed'
    WHEN 'ticket.held' THEN 'status_changed'
    WHEN 'ticket.resumed' THEN 'status_changed'
    WHEN 'ticket.resolved' THEN 'status_changed'
    WHEN 'ticket.returned' THEN 'status_changed'
    WHEN 'ticket.status_changed' THEN 'status_changed'
    WHEN 'ticket.sla_warned' THEN 'sla_warning'
    WHEN 'ticket.created' THEN 'created'
    WHEN 'ticket.updated' THEN 'updated'
    WHEN 'ticket.reclassified' THEN 'reclassified'
    WHEN 'ticket.replied' THEN 'replied'
    WHEN 'ticket.commented' THEN 'commented'
    WHEN 'ticket.cancelled' THEN 'cancelled'
    WHEN 'ticket.confirmed' THEN 'confirmed'
    WHEN 'ticket.reopened' THEN 'reopened'
    WHEN 'ticket.closed' THEN 'closed'
    WHEN 'ticket.auto_closed' THEN 'auto_closed'
    WHEN 'ticket.sla_breached' THEN 'sla_breached'
    ELSE type END
$$;

-- The old timeline, moved with its ids (seq continues after them) and the canonical names
-- (the inverse of pd_ticket_timeline_type). Its rows are history: no inbox, outbox or
-- notify (the fan-out trigger is created after the move).
INSERT INTO events (org_id, seq, subject_type, subject_id, type, actor_id, actor_role, from_status,
                    to_status, details, visibility, created_at)
SELECT e.org_id, e.id,
       CASE WHEN e.work_order_id IS NOT NULL THEN 'work_order' ELSE 'ticket' END,
       coalesce(e.work_order_id, e.ticket_id),
       CASE WHEN e.type = 'dispatched' AND e.work_order_id IS NOT NULL THEN 'work_order.dispatched'
            WHEN e.type LIKE 'work_order.%' AND e.work_order_id IS NOT NULL THEN 'work_order.' ||
                 CASE split_part(e.type, '.', 2) WHEN 'accept' THEN 'accepted' WHEN 'decline' THEN 'declined'
                     WHEN 'start' THEN 'started' WHEN 'hold' THEN 'held' WHEN 'resume' THEN 'resumed'
                     WHEN 'complete' THEN 'completed' WHEN 'reassign' THEN 'reassigned'
                     WHEN 'cancel' THEN 'cancelled' ELSE regexp_replace(split_part(e.type, '.', 2), '[^a-z_]', '_', 'g') END
            WHEN e.work_order_id IS NOT NULL THEN 'work_order.' || regexp_replace(e.type, '[^a-z_]', '_', 'g')
            WHEN e.type = 'status_changed' THEN
                 CASE e.to_status WHEN 'dispatched' THEN 'ticket.dispatched'
                     WHEN 'in_progress' THEN CASE WHEN e.from_status = 'on_hold' THEN 'ticket.resumed' ELSE 'ticket.started' END
                     WHEN 'on_hold' THEN 'ticket.held' WHEN 'resolved' THEN 'ticket.resolved'
                     WHEN 'submitted' THEN 'ticket.returned' WHEN 'reopened' THEN 'ticket.returned'
                     ELSE 'ticket.status_changed' END
            WHEN e.type = 'sla_warning' THEN 'ticket.sla_warned'
            ELSE 'ticket.' || regexp_replace(e.type, '[^a-z_]', '_', 'g') END,
       e.actor_id, e.actor_role, e.from_status, e.to_status, e.details,
       CASE WHEN e.details->>'internal' = 'true' THEN 'internal' ELSE 'public' END,
       e.created_at
FROM ticket_events e
ORDER BY e.id;
SELECT setval(pg_get_serial_sequence('events', 'seq'), coalesce((SELECT max(seq) FROM events), 1),
              (SELECT count(*) > 0 FROM events));
DROP TABLE ticket_events;

CREATE TRIGGER events_fanout AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION pd_event_fanout();
