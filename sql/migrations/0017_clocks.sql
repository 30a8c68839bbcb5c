-- Deadlines: one clocks mechanism (DESIGN §14). A clock is a row per (subject, name): a
-- target in minutes counted on a community's calendar (business hours or around the clock)
-- from started_at, minus the spans its subject spent on hold. src/clocks.c moves them
-- (start, pause, resume, met, retarget, stop, restart) and computes `due` with src/sla.c;
-- src/jobs.c sweeps every subject's clocks (warn, breach) into the event spine.
-- A ticket's three SLA clocks (contact, arrival, resolution) move here from `tickets`.

CREATE TABLE clocks (
    org_id         uuid NOT NULL REFERENCES orgs (id),
    subject_type   text NOT NULL,             -- ticket, later complaint, callback, …
    subject_id     uuid NOT NULL,
    name           text NOT NULL,             -- clock_name (src/enums.c)
    community_id   uuid NOT NULL,             -- whose calendar (zone, hours, holidays) counts
    calendar       text NOT NULL,             -- clock_calendar: business_hours | always
    target_minutes integer NOT NULL CHECK (target_minutes >= 0),
    started_at     timestamptz NOT NULL,
    due            timestamptz,               -- NULL while paused (or beyond the horizon)
    met_at         timestamptz,
    breached       boolean NOT NULL DEFAULT false,
    warned         boolean NOT NULL DEFAULT false,
    paused_since   timestamptz,               -- on hold since (NULL: running)
    pauses         jsonb NOT NULL DEFAULT '[]', -- finished holds [[from, to], …] epoch seconds
    stopped_at     timestamptz,               -- subject ended (resolved, cancelled): not swept
    PRIMARY KEY (org_id, subject_type, subject_id, name)
);
-- the sweep: breaches among running clocks by due; warnings among those not yet warned
CREATE INDEX clocks_running ON clocks (due)
    WHERE met_at IS NULL AND NOT breached AND stopped_at IS NULL AND due IS NOT NULL;
CREATE INDEX clocks_unwarned ON clocks (due)
    WHERE met_at IS NULL AND NOT breached AND NOT warned AND stopped_at IS NULL AND due IS NOT NULL;
-- the overdue filters: subjects with a breached clock
CREATE INDEX clocks_breached ON clocks (org_id, subject_type, subject_id) WHERE breached;

-- the ticket columns' data, clock by clock; holds become each clock's pauses
INSERT INTO clocks (org_id, subject_type, subject_id, name, community_id, calendar, target_minutes,
                    started_at, due, met_at, breached, warned, paused_since, pauses, stopped_at)
SELECT t.org_id, 'ticket', t.id, c.name, t.community_id,
       CASE WHEN t.sla_business_hours THEN 'business_hours' ELSE 'always' END,
       coalesce(c.target, 0), t.created_at, c.due, c.met_at, c.breached,
       c.name = ANY (t.sla_warned) OR (c.name = 'resolution' AND 'resolve' = ANY (t.sla_warned)),
       CASE WHEN t.status = 'on_hold' AND c.met_at IS NULL THEN
            (SELECT to_timestamp((p->>0)::bigint) FROM jsonb_array_elements(t.pauses) p
             WHERE jsonb_typeof(p->1) <> 'number' ORDER BY (p->>0)::bigint DESC LIMIT 1) END,
       coalesce((SELECT jsonb_agg(p) FROM jsonb_array_elements(t.pauses) p WHERE jsonb_typeof(p->1) = 'number'), '[]'),
       CASE WHEN t.status IN ('resolved', 'closed', 'cancelled') THEN t.updated_at END
FROM tickets t
CROSS JOIN LATERAL (VALUES
    ('contact', t.sla_contact_minutes, t.contact_due, t.contact_met_at, t.contact_breached),
    ('arrival', t.sla_arrival_minutes, t.arrival_due, t.arrival_met_at, t.arrival_breached),
    ('resolution', t.sla_resolve_minutes, t.resolve_due, t.resolve_met_at, t.resolve_breached)
) AS c (name, target, due, met_at, breached);

-- What a clock's notices call its subject (the ticket number, …): a branch per subject type.
CREATE FUNCTION pd_clock_subject_label(org uuid, subject_type text, subject_id uuid) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE subject_type
    WHEN 'ticket' THEN (SELECT t.number FROM tickets t WHERE t.org_id = org AND t.id = subject_id)
    END
$$;

DROP INDEX IF EXISTS tickets_contact_running, tickets_arrival_running, tickets_resolve_running;
ALTER TABLE tickets
    DROP COLUMN contact_due, DROP COLUMN contact_met_at, DROP COLUMN contact_breached,
    DROP COLUMN arrival_due, DROP COLUMN arrival_met_at, DROP COLUMN arrival_breached,
    DROP COLUMN resolve_due, DROP COLUMN resolve_met_at, DROP COLUMN resolve_breached,
    DROP COLUMN sla_contact_minutes, DROP COLUMN sla_arrival_minutes, DROP COLUMN sla_resolve_minutes,
    DROP COLUMN sla_business_hours, DROP COLUMN sla_warned, DROP COLUMN pauses;

-- Transitional: the work-order list (src/work_orders.c) still reads t.contact_breached, …,
-- t.resolve_due of a ticket; these computed fields (PostgreSQL's attribute notation for a
-- function of the row) answer from the clocks until that list joins clocks itself.
CREATE FUNCTION contact_breached(t tickets) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = t.org_id AND k.subject_type = 'ticket'
               AND k.subject_id = t.id AND k.name = 'contact' AND k.breached)
$$;
CREATE FUNCTION arrival_breached(t tickets) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = t.org_id AND k.subject_type = 'ticket'
               AND k.subject_id = t.id AND k.name = 'arrival' AND k.breached)
$$;
CREATE FUNCTION resolve_breached(t tickets) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = t.org_id AND k.subject_type = 'ticket'
               AND k.subject_id = t.id AND k.name = 'resolution' AND k.breached)
$$;
CREATE FUNCTION resolve_due(t tickets) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT k.due FROM clocks k WHERE k.org_id = t.org_id AND k.subject_type = 'ticket'
    AND k.subject_id = t.id AND k.name = 'resolution'
$$;

-- The ticket's wire shape is unchanged: its `sla` object and `overdue` now read its clocks.
CREATE OR REPLACE FUNCTION pd_ticket_json(t tickets, unit_number text, reveal_pii boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', t.id, 'number', t.number, 'community_id', t.community_id,
    'unit_id', t.unit_id, 'unit_number', unit_number,
    'location', t.location, 'kind', t.kind, 'category', t.category, 'department', t.department,
    'priority', t.priority, 'requested_priority', t.requested_priority, 'status', t.status,
    'description', t.description, 'occurred_at', pd_ts(t.occurred_at),
    'visit_window', CASE WHEN t.visit_from IS NULL THEN NULL
                    ELSE json_build_object('from', pd_ts(t.visit_from), 'to', pd_ts(t.visit_to)) END,
    'entry_permission', t.entry_permission, 'paid_service', t.paid_service, 'channel', t.channel,
    'reporter', json_build_object('id', t.reporter_id, 'name', t.reporter_name,
        'phone', CASE WHEN reveal_pii THEN t.reporter_phone ELSE pd_mask_phone(t.reporter_phone) END),
    'attachment_ids', t.attachment_ids, 'reply', t.reply, 'reopen_count', t.reopen_count,
    'rating', t.rating, 'rating_comment', t.rating_comment, 'cancel_reason', t.cancel_reason,
    'sla', (SELECT json_build_object(
        'contact', pd_clock_json(k.due, k.met_at, k.breached, k.paused_since IS NOT NULL),
        'arrival', pd_clock_json(a.due, a.met_at, a.breached, a.paused_since IS NOT NULL),
        'resolution', pd_clock_json(r.due, r.met_at, r.breached, r.paused_since IS NOT NULL),
        'business_hours', k.calendar = 'business_hours')
      FROM clocks k
      JOIN clocks a ON a.org_id = k.org_id AND a.subject_type = 'ticket' AND a.subject_id = k.subject_id AND a.name = 'arrival'
      JOIN clocks r ON r.org_id = k.org_id AND r.subject_type = 'ticket' AND r.subject_id = k.subject_id AND r.name = 'resolution'
      WHERE k.org_id = t.org_id AND k.subject_type = 'ticket' AND k.subject_id = t.id AND k.name = 'contact'),
    'overdue', EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = t.org_id AND k.subject_type = 'ticket'
                       AND k.subject_id = t.id AND k.breached),
    'resolved_at', pd_ts(t.resolved_at), 'closed_at', pd_ts(t.closed_at),
    'version', t.version, 'created_at', pd_ts(t.created_at), 'updated_at', pd_ts(t.updated_at))
$$;
