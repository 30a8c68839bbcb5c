-- Tickets (报事) and work orders, their timeline, comments, SLA policy and holiday
-- calendar, attachments, and the per-user notification inbox (DESIGN §6, §11).

ALTER TABLE users ADD COLUMN on_duty boolean NOT NULL DEFAULT true;

-- Per-org settings of the ticket workflow.
CREATE TABLE ticket_settings (
    org_id                uuid PRIMARY KEY REFERENCES orgs (id),
    auto_close_hours      integer NOT NULL DEFAULT 72 CHECK (auto_close_hours BETWEEN 1 AND 720),
    reopen_window_hours   integer NOT NULL DEFAULT 168 CHECK (reopen_window_hours BETWEEN 1 AND 2160),
    technician_open_cap   integer NOT NULL DEFAULT 8 CHECK (technician_open_cap BETWEEN 1 AND 100),
    warn_before_minutes   integer NOT NULL DEFAULT 10 CHECK (warn_before_minutes BETWEEN 0 AND 1440),
    version               integer NOT NULL DEFAULT 1,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- SLA targets by priority (and optionally category), per org, overridable per community.
-- arrival_next_day: on site by the end of the next working day instead of a minute target.
-- business_hours: count only the community's business hours (P1 runs around the clock).
CREATE TABLE sla_targets (
    org_id            uuid NOT NULL REFERENCES orgs (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id      uuid,
    priority          text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    category          text,
    contact_minutes   integer NOT NULL CHECK (contact_minutes > 0),
    arrival_minutes   integer CHECK (arrival_minutes > 0),
    arrival_next_day  boolean NOT NULL DEFAULT false,
    resolve_minutes   integer NOT NULL CHECK (resolve_minutes > 0),
    business_hours    boolean NOT NULL DEFAULT true,
    PRIMARY KEY (org_id, id),
    UNIQUE NULLS NOT DISTINCT (org_id, community_id, priority, category),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id),
    CHECK (arrival_minutes IS NOT NULL OR arrival_next_day)
);

-- Holiday calendar: days off, and 调休 working days, org-wide or for one community.
CREATE TABLE holidays (
    org_id        uuid NOT NULL REFERENCES orgs (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id  uuid,
    day           date NOT NULL,
    kind          text NOT NULL DEFAULT 'holiday' CHECK (kind IN ('holiday', 'workday')),
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE NULLS NOT DISTINCT (org_id, community_id, day),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id)
);

-- Human ticket numbers BX<yyyymmdd>-<seq>, one counter row per org and day.
CREATE TABLE ticket_numbers (
    org_id  uuid NOT NULL REFERENCES orgs (id),
    day     date NOT NULL,
    last    integer NOT NULL,
    PRIMARY KEY (org_id, day)
);

CREATE TABLE attachments (
    org_id        uuid NOT NULL REFERENCES orgs (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    uploader_id   uuid NOT NULL,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    size_bytes    integer NOT NULL CHECK (size_bytes > 0),
    sha256        text NOT NULL,
    data          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

CREATE TABLE tickets (
    org_id              uuid NOT NULL,
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    number              text NOT NULL,
    community_id        uuid NOT NULL,
    unit_id             uuid,
    location            text CHECK (char_length(location) <= 200),
    kind                text NOT NULL CHECK (kind IN ('repair', 'help', 'inquiry')),
    category            text NOT NULL CHECK (category IN ('plumbing', 'electrical', 'elevator', 'access',
                            'hvac', 'leak', 'cleaning', 'security', 'greening', 'other')),
    department          text NOT NULL,
    priority            text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    requested_priority  text CHECK (requested_priority IN ('P1', 'P2', 'P3', 'P4')),
    status              text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'dispatched',
                            'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled', 'reopened')),
    description         text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 2000),
    occurred_at         timestamptz,
    visit_from          timestamptz,
    visit_to            timestamptz,
    entry_permission    boolean NOT NULL DEFAULT false,
    paid_service        boolean NOT NULL DEFAULT false,
    channel             text NOT NULL CHECK (channel IN ('app', 'phone', 'walk_in', 'wechat', 'integration')),
    reporter_id         uuid,
    reporter_name       text CHECK (char_length(reporter_name) <= 50),
    reporter_phone      text,
    created_by          text NOT NULL,
    attachment_ids      uuid[] NOT NULL DEFAULT '{}',
    reply               text CHECK (char_length(reply) <= 2000),
    reopen_count        integer NOT NULL DEFAULT 0,
    rating              integer CHECK (rating BETWEEN 1 AND 5),
    rating_comment      text CHECK (char_length(rating_comment) <= 500),
    cancel_reason       text CHECK (char_length(cancel_reason) <= 200),
    -- SLA clocks: due, met (first response / on site / resolved) and breach flags
    contact_due         timestamptz,
    contact_met_at      timestamptz,
    contact_breached    boolean NOT NULL DEFAULT false,
    arrival_due         timestamptz,
    arrival_met_at      timestamptz,
    arrival_breached    boolean NOT NULL DEFAULT false,
    resolve_due         timestamptz,
    resolve_met_at      timestamptz,
    resolve_breached    boolean NOT NULL DEFAULT false,
    -- the targets the clocks were set from (minutes; arrival NULL = next working day)
    sla_contact_minutes integer NOT NULL,
    sla_arrival_minutes integer,
    sla_resolve_minutes integer NOT NULL,
    sla_business_hours  boolean NOT NULL DEFAULT true,
    sla_warned          text[] NOT NULL DEFAULT '{}',   -- clocks already warned about
    pauses              jsonb NOT NULL DEFAULT '[]',    -- [[from, to|null], …] epoch seconds, on hold
    resolved_at         timestamptz,
    closed_at           timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, number),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, department) REFERENCES departments (org_id, code)
);
CREATE INDEX tickets_by_community ON tickets (org_id, community_id, created_at DESC, id DESC);
CREATE INDEX tickets_by_unit ON tickets (org_id, unit_id, created_at DESC, id DESC);
CREATE INDEX tickets_by_status ON tickets (org_id, community_id, status, created_at DESC, id DESC);
-- the SLA sweep reads only clocks still running
CREATE INDEX tickets_contact_running ON tickets (contact_due)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled') AND contact_met_at IS NULL AND NOT contact_breached;
CREATE INDEX tickets_arrival_running ON tickets (arrival_due)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled') AND arrival_met_at IS NULL AND NOT arrival_breached;
CREATE INDEX tickets_resolve_running ON tickets (resolve_due)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled') AND resolve_met_at IS NULL AND NOT resolve_breached;
CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE status = 'resolved';
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX tickets_text ON tickets USING gin ((number || ' ' || description || ' ' || coalesce(location, '')) gin_trgm_ops);

CREATE TABLE work_orders (
    org_id          uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    ticket_id       uuid NOT NULL,
    community_id    uuid NOT NULL,
    department      text NOT NULL,
    mode            text NOT NULL CHECK (mode IN ('assign', 'queue', 'auto')),
    assignee_id     uuid,
    status          text NOT NULL DEFAULT 'dispatched' CHECK (status IN ('dispatched', 'accepted',
                        'in_progress', 'on_hold', 'completed', 'declined', 'cancelled')),
    priority        text NOT NULL,
    note            text CHECK (char_length(note) <= 500),
    hold_reason     text CHECK (char_length(hold_reason) <= 200),
    decline_reason  text CHECK (char_length(decline_reason) <= 200),
    cancel_reason   text CHECK (char_length(cancel_reason) <= 200),
    accepted_at     timestamptz,
    started_at      timestamptz,
    completed_at    timestamptz,
    notes           text CHECK (char_length(notes) <= 2000),
    labor_minutes   integer CHECK (labor_minutes BETWEEN 0 AND 10000),
    materials       jsonb NOT NULL DEFAULT '[]',
    fee             numeric(10, 2) CHECK (fee >= 0),
    before_photo_ids uuid[] NOT NULL DEFAULT '{}',
    after_photo_ids  uuid[] NOT NULL DEFAULT '{}',
    dispatched_by   uuid NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, ticket_id) REFERENCES tickets (org_id, id),
    FOREIGN KEY (org_id, assignee_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, department) REFERENCES departments (org_id, code)
);
CREATE INDEX work_orders_by_ticket ON work_orders (org_id, ticket_id);
CREATE INDEX work_orders_by_assignee ON work_orders (org_id, assignee_id, status);
CREATE INDEX work_orders_queue ON work_orders (org_id, community_id, department, status);
CREATE INDEX work_orders_list ON work_orders (org_id, community_id, created_at DESC, id DESC);

-- The timeline: every change of a ticket or its work orders.
CREATE TABLE ticket_events (
    org_id         uuid NOT NULL,
    id             bigserial,
    ticket_id      uuid NOT NULL,
    work_order_id  uuid,
    actor_id       uuid,           -- NULL: the system (SLA sweep, auto-close)
    actor_role     text NOT NULL,
    type           text NOT NULL,
    from_status    text,
    to_status      text,
    details        jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, ticket_id) REFERENCES tickets (org_id, id)
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (org_id, ticket_id, id);

CREATE TABLE ticket_comments (
    org_id      uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    ticket_id   uuid NOT NULL,
    author_id   uuid NOT NULL,
    author_role text NOT NULL,
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    internal    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, ticket_id) REFERENCES tickets (org_id, id)
);
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (org_id, ticket_id, created_at DESC, id DESC);

-- The durable inbox, written in the same transaction as the change that caused it.
CREATE TABLE notifications (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL,
    type           text NOT NULL,
    ticket_id      uuid,
    work_order_id  uuid,
    title          text NOT NULL,
    body           text NOT NULL DEFAULT '',
    read_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX notifications_inbox ON notifications (org_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (org_id, user_id) WHERE read_at IS NULL;

-- Default department for each category.
CREATE FUNCTION pd_category_department(category text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE category
    WHEN 'cleaning' THEN 'cleaning' WHEN 'security' THEN 'security' WHEN 'greening' THEN 'greening'
    WHEN 'other' THEN 'customer_service' ELSE 'engineering' END
$$;

-- Wire shapes.
CREATE FUNCTION pd_clock_json(due timestamptz, met timestamptz, breached boolean, paused boolean) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT json_build_object('due_at', pd_ts(due), 'met_at', pd_ts(met), 'breached', breached,
    'state', CASE WHEN met IS NOT NULL THEN CASE WHEN met <= due OR due IS NULL THEN 'met' ELSE 'met_late' END
                  WHEN breached THEN 'breached' WHEN paused THEN 'paused' ELSE 'running' END)
$$;

-- unit_number comes from the caller's join (a sub-select here would stop the function from
-- being inlined and cost a query per row).
CREATE FUNCTION pd_ticket_json(t tickets, unit_number text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', t.id, 'number', t.number, 'community_id', t.community_id,
    'unit_id', t.unit_id, 'unit_number', unit_number,
    'location', t.location, 'kind', t.kind, 'category', t.category, 'department', t.department,
    'priority', t.priority, 'requested_priority', t.requested_priority, 'status', t.status,
    'description', t.description, 'occurred_at', pd_ts(t.occurred_at),
    'visit_window', CASE WHEN t.visit_from IS NULL THEN NULL
                    ELSE json_build_object('from', pd_ts(t.visit_from), 'to', pd_ts(t.visit_to)) END,
    'entry_permission', t.entry_permission, 'paid_service', t.paid_service, 'channel', t.channel,
    'reporter', json_build_object('id', t.reporter_id, 'name', t.reporter_name, 'phone', t.reporter_phone),
    'attachment_ids', t.attachment_ids, 'reply', t.reply, 'reopen_count', t.reopen_count,
    'rating', t.rating, 'rating_comment', t.rating_comment, 'cancel_reason', t.cancel_reason,
    'sla', json_build_object(
        'contact', pd_clock_json(t.contact_due, t.contact_met_at, t.contact_breached, t.status = 'on_hold'),
        'arrival', pd_clock_json(t.arrival_due, t.arrival_met_at, t.arrival_breached, t.status = 'on_hold'),
        'resolution', pd_clock_json(t.resolve_due, t.resolve_met_at, t.resolve_breached, t.status = 'on_hold'),
        'business_hours', t.sla_business_hours),
    'overdue', t.contact_breached OR t.arrival_breached OR t.resolve_breached,
    'resolved_at', pd_ts(t.resolved_at), 'closed_at', pd_ts(t.closed_at),
    'version', t.version, 'created_at', pd_ts(t.created_at), 'updated_at', pd_ts(t.updated_at))
$$;

CREATE FUNCTION pd_work_order_json(w work_orders) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', w.id, 'ticket_id', w.ticket_id, 'community_id', w.community_id,
    'department', w.department, 'mode', w.mode, 'assignee_id', w.assignee_id, 'status', w.status,
    'priority', w.priority, 'note', w.note, 'hold_reason', w.hold_reason,
    'decline_reason', w.decline_reason, 'cancel_reason', w.cancel_reason,
    'accepted_at', pd_ts(w.accepted_at), 'started_at', pd_ts(w.started_at),
    'completed_at', pd_ts(w.completed_at), 'notes', w.notes, 'labor_minutes', w.labor_minutes,
    'materials', w.materials, 'fee', w.fee, 'before_photo_ids', w.before_photo_ids,
    'after_photo_ids', w.after_photo_ids, 'dispatched_by', w.dispatched_by,
    'version', w.version, 'created_at', pd_ts(w.created_at), 'updated_at', pd_ts(w.updated_at))
$$;
