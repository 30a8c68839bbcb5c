-- Callbacks (回访, DESIGN §8): follow-ups with owners, created by the system when a ticket
-- closes or a complaint is resolved (pd_callback_from_ticket / pd_callback_from_complaint, in
-- the transaction of that change, from the callback policy) or by staff; assigned by rule;
-- attempted, completed, reviewed. callbacks.doc is the wire form but the contact (its phone is
-- masked for some callers), `overdue` (it depends on the time of the read), the staff's part
-- (staff_doc: attempts and their notes, review and cancel notes — never an owner's) and
-- allowed_actions, rendered by a trigger (0021's pattern); attempts are a jsonb array on the row.

CREATE TABLE callbacks (
    org_id            uuid NOT NULL REFERENCES orgs (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id      uuid NOT NULL,
    unit_id           uuid,
    resident_id       uuid,                 -- the owner called back (a resident user), if known
    contact_name      text CHECK (char_length(contact_name) <= 50),
    contact_phone     text CHECK (contact_phone ~ '^\+?[0-9]{6,15}$'),
    kind              text NOT NULL,        -- callback_kind
    source_type       text,
    source_id         uuid,
    source_number     text,                 -- BX… / TS…, for the phone call
    purpose           text CHECK (char_length(purpose) <= 500),
    status            text NOT NULL,
    window_start      timestamptz NOT NULL,
    window_end        timestamptz NOT NULL CHECK (window_end > window_start),
    assignee_id       uuid,                 -- NULL: in the community's queue for agents
    max_attempts      integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
    retry_hours       integer NOT NULL DEFAULT 24 CHECK (retry_hours BETWEEN 1 AND 720),
    on_unsatisfied    text NOT NULL DEFAULT 'none',  -- the policy's follow-up, frozen at creation
    follow_up         jsonb,                -- what an unsatisfied result opened: {type, id, number}
    sample_month      date,                 -- a quality sample's month (第八条)
    new_issue         jsonb,                -- what a new issue raised during it opened: {type, id, number}
    attempts          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attempts) = 'array'),
    method            text,                 -- how it was completed
    satisfaction      text,
    comment           text CHECK (char_length(comment) <= 1000),
    new_issues        text CHECK (char_length(new_issues) <= 1000),
    signature_id      uuid,                 -- a visit: the owner's signature (an attachment) …
    owner_confirmed   boolean NOT NULL DEFAULT false,  -- … or their confirmation in the app
    asked_in_app      boolean NOT NULL DEFAULT false,  -- the owner was asked to answer (or confirm a visit) in the app
    completed_by      uuid,
    completed_at      timestamptz,
    reviewed_by       uuid,
    reviewed_at       timestamptz,
    review_note       text CHECK (char_length(review_note) <= 500),
    returned_count    integer NOT NULL DEFAULT 0,
    cancel_reason     text CHECK (char_length(cancel_reason) <= 500),
    created_by        uuid,                 -- NULL: the system
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    doc               text NOT NULL,
    staff_doc         text NOT NULL,        -- the staff's part: attempts, review and cancel notes
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, resident_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, assignee_id) REFERENCES users (org_id, id),
    CHECK ((source_type IS NULL) = (source_id IS NULL))
);
ALTER TABLE callbacks ALTER COLUMN doc SET COMPRESSION lz4;
-- never twice for one source (a monthly quality sample comes on top, once)
CREATE UNIQUE INDEX callbacks_one_per_source ON callbacks (org_id, source_type, source_id)
    WHERE source_id IS NOT NULL AND kind <> 'quality_sample';
CREATE UNIQUE INDEX callbacks_one_sample_per_source ON callbacks (org_id, source_type, source_id)
    WHERE source_id IS NOT NULL AND kind = 'quality_sample';
CREATE INDEX callbacks_by_community ON callbacks (org_id, community_id, created_at DESC, id DESC);
CREATE INDEX callbacks_by_org ON callbacks (org_id, created_at DESC, id DESC);
CREATE INDEX callbacks_by_assignee ON callbacks (org_id, assignee_id, created_at DESC, id DESC)
    WHERE assignee_id IS NOT NULL;
CREATE INDEX callbacks_by_resident ON callbacks (org_id, resident_id, created_at DESC, id DESC)
    WHERE resident_id IS NOT NULL;
-- the sweep that opens windows
CREATE INDEX callbacks_scheduled ON callbacks (window_start) WHERE status = 'scheduled';

-- The callback policy per org, overridable per community, by what is called back:
--   rate            the share of sources that get a callback (sampled reproducibly by id)
--   window_*_hours  the window after the source ends
--   assignee_id     a named staff member (repairs, help, special services); NULL: the rule
--   max_attempts, retry_hours  unreachable attempts before it fails, and their spacing
--   on_unsatisfied  what an unsatisfied result (不满意 / 很不满意) opens: `reopen` the ticket, a
--                   follow-up `complaint`, or `none`
CREATE TABLE callback_policies (
    org_id              uuid NOT NULL REFERENCES orgs (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id        uuid,
    source_kind         text NOT NULL,
    rate                numeric NOT NULL CHECK (rate BETWEEN 0 AND 1),
    window_start_hours  integer NOT NULL CHECK (window_start_hours BETWEEN 0 AND 2160),
    window_end_hours    integer NOT NULL CHECK (window_end_hours BETWEEN 1 AND 2160),
    assignee_id         uuid,
    max_attempts        integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 10),
    retry_hours         integer NOT NULL CHECK (retry_hours BETWEEN 1 AND 720),
    on_unsatisfied      text NOT NULL,      -- callback_follow_up: reopen the ticket, open a complaint, or none
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id),
    FOREIGN KEY (org_id, assignee_id) REFERENCES users (org_id, id),
    CHECK (window_end_hours > window_start_hours)
);
CREATE UNIQUE INDEX callback_policies_one ON callback_policies
    (org_id, coalesce(community_id, '00000000-0000-0000-0000-000000000000'::uuid), source_kind);

-- The built-in policy (seed 001 回访时间安排 and 回访率): repairs a week to ten days after the
-- repair, every one (the target is 90%: a company may sample less); help tickets none unless
-- a policy says so; complaints within three days, every valid one (target 100%). Three
-- attempts a day apart.
CREATE FUNCTION pd_callback_default_policy(
    OUT source_kind text, OUT rate numeric, OUT window_start_hours integer, OUT window_end_hours integer,
    OUT max_attempts integer, OUT retry_hours integer, OUT on_unsatisfied text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE AS $$
VALUES ('repair', 1.0, 168, 240, 3, 24, 'reopen'), ('help', 0.0, 24, 168, 3, 24, 'reopen'),
       ('complaint', 1.0, 0, 72, 3, 24, 'complaint')
$$;

-- The policy for a source kind in a community: its community's row, else the org's, else the
-- built-in one.
CREATE FUNCTION pd_callback_policy(p_org uuid, p_community uuid, p_kind text,
    OUT rate numeric, OUT window_start_hours integer, OUT window_end_hours integer, OUT assignee_id uuid,
    OUT max_attempts integer, OUT retry_hours integer, OUT on_unsatisfied text)
LANGUAGE sql STABLE AS $$
SELECT x.rate, x.window_start_hours, x.window_end_hours, x.assignee_id, x.max_attempts, x.retry_hours,
       x.on_unsatisfied FROM (
    SELECT p.rate, p.window_start_hours, p.window_end_hours, p.assignee_id, p.max_attempts, p.retry_hours,
           p.on_unsatisfied, CASE WHEN p.community_id IS NULL THEN 1 ELSE 0 END AS rank
    FROM callback_policies p
    WHERE p.org_id = p_org AND p.source_kind = p_kind AND (p.community_id = p_community OR p.community_id IS NULL)
    UNION ALL
    SELECT d.rate, d.window_start_hours, d.window_end_hours, NULL, d.max_attempts, d.retry_hours,
           d.on_unsatisfied, 2
    FROM pd_callback_default_policy() d WHERE d.source_kind = p_kind) x
ORDER BY x.rank LIMIT 1
$$;

-- Whether a source is in the sample of `rate`: reproducible, by its id.
CREATE FUNCTION pd_callback_sampled(p_source uuid, p_rate numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT p_rate >= 1 OR (('x' || substr(md5(p_source::text), 1, 8))::bit(32)::bigint / 4294967296.0) < p_rate
$$;

-- A supervisor of a department serving a community (or org-wide), the first by name: who
-- the seed's 回访人员的安排 names when no policy does.
CREATE FUNCTION pd_department_head(p_org uuid, p_community uuid, p_department text) RETURNS uuid
LANGUAGE sql STABLE AS $$
SELECT u.id FROM users u
JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id AND g.role = 'supervisor'
    AND (g.community_id IS NULL OR g.community_id = p_community)
WHERE u.org_id = p_org AND u.department = p_department AND u.status = 'active'
ORDER BY g.community_id NULLS LAST, u.name, u.id LIMIT 1
$$;

CREATE FUNCTION pd_community_manager(p_org uuid, p_community uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
SELECT u.id FROM users u
JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id AND g.role = 'manager'
    AND (g.community_id IS NULL OR g.community_id = p_community)
WHERE u.org_id = p_org AND u.status = 'active'
ORDER BY g.community_id NULLS LAST, u.name, u.id LIMIT 1
$$;

-- A callback's window is a clock (its end is the on-time mark): around the clock, due at
-- window_end. Every creator starts it here, the API's too.
CREATE FUNCTION pd_callback_window_clock(p_org uuid, p_callback uuid, p_community uuid, p_end timestamptz)
RETURNS void LANGUAGE sql AS $$
INSERT INTO clocks (org_id, subject_type, subject_id, name, community_id, calendar, target_minutes, started_at, due)
VALUES (p_org, 'callback', p_callback, 'window', p_community, 'always',
        greatest(1, ceil(extract(epoch FROM p_end - now()) / 60))::integer, now(), p_end)
$$;

-- The callback of a closed ticket (repair or help, per policy), if sampled; never twice.
-- The owner called back is its reporter when a resident, else the unit's first verified
-- owner; assignee: the policy's named person, else the community's customer-service
-- supervisor. Emits callback.created. Returns its id, or NULL.
CREATE FUNCTION pd_callback_from_ticket(p_org uuid, p_ticket uuid) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    t tickets;
    p record;
    v_id uuid;
    v_resident uuid;
BEGIN
    SELECT * INTO t FROM tickets WHERE org_id = p_org AND id = p_ticket;
    IF t.id IS NULL OR t.kind NOT IN ('repair', 'help') OR t.complaint_id IS NOT NULL THEN
        RETURN NULL;  -- inquiries are answered; a complaint's repair is called back as the complaint
    END IF;
    SELECT * INTO p FROM pd_callback_policy(p_org, t.community_id, t.kind);
    IF NOT pd_callback_sampled(t.id, p.rate) THEN
        RETURN NULL;
    END IF;
    SELECT u.id INTO v_resident FROM users u WHERE u.org_id = p_org AND u.id = t.reporter_id AND u.kind = 'resident';
    IF v_resident IS NULL THEN
        SELECT r.user_id INTO v_resident FROM residencies r
        WHERE r.org_id = p_org AND r.unit_id = t.unit_id AND r.status = 'verified'
        ORDER BY r.relation <> 'owner', r.verified_at, r.id LIMIT 1;
    END IF;
    INSERT INTO callbacks (org_id, community_id, unit_id, resident_id, contact_name, contact_phone, kind,
                           source_type, source_id, source_number, status, window_start, window_end, assignee_id,
                           max_attempts, retry_hours, on_unsatisfied)
    SELECT p_org, t.community_id, t.unit_id, v_resident, coalesce(t.reporter_name, u.name),
           coalesce(t.reporter_phone, u.phone), t.kind, 'ticket', t.id, t.number,
           CASE WHEN p.window_start_hours = 0 THEN 'open' ELSE 'scheduled' END,
           now() + p.window_start_hours * interval '1 hour', now() + p.window_end_hours * interval '1 hour',
           coalesce(p.assignee_id, pd_department_head(p_org, t.community_id, 'customer_service')),
           p.max_attempts, p.retry_hours, p.on_unsatisfied
    FROM (SELECT 1) one LEFT JOIN users u ON u.org_id = p_org AND u.id = v_resident
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        PERFORM pd_callback_window_clock(p_org, v_id, t.community_id, now() + p.window_end_hours * interval '1 hour');
        PERFORM pd_emit(p_org, 'callback', v_id, 'callback.created', NULL, 'system', NULL,
                        CASE WHEN p.window_start_hours = 0 THEN 'open' ELSE 'scheduled' END,
                        jsonb_build_object('source_type', 'ticket', 'source_id', t.id, 'source_number', t.number),
                        'public', jsonb_build_array(jsonb_build_object('to', 'assignee', 'type', 'callback.assigned',
                            'title', '新的回访任务', 'body', t.number)));
    END IF;
    RETURN v_id;
END
$$;

-- The callback of a resolved complaint (第十九条: never anonymous, never one a superior body
-- asked only a written reply for; only valid ones): within three days, per policy. Assignee
-- (回访人员的安排): major → the community's manager; else the head of the department
-- complained about (or forwarded to), else customer service's. Returns its id, or NULL.
CREATE FUNCTION pd_callback_from_complaint(p_org uuid, p_complaint uuid) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    c complaints;
    p record;
    v_id uuid;
BEGIN
    SELECT * INTO c FROM complaints WHERE org_id = p_org AND id = p_complaint;
    IF c.id IS NULL OR c.anonymous OR c.written_reply_only OR c.nature IS DISTINCT FROM 'valid' THEN
        RETURN NULL;
    END IF;
    SELECT * INTO p FROM pd_callback_policy(p_org, c.community_id, 'complaint');
    IF NOT pd_callback_sampled(c.id, p.rate) THEN
        RETURN NULL;
    END IF;
    INSERT INTO callbacks (org_id, community_id, unit_id, resident_id, contact_name, contact_phone, kind,
                           source_type, source_id, source_number, status, window_start, window_end, assignee_id,
                           max_attempts, retry_hours, on_unsatisfied)
    VALUES (p_org, c.community_id, c.unit_id, c.complainant_id, c.contact_name, c.contact_phone, 'complaint',
            'complaint', c.id, c.number, CASE WHEN p.window_start_hours = 0 THEN 'open' ELSE 'scheduled' END,
            now() + p.window_start_hours * interval '1 hour', now() + p.window_end_hours * interval '1 hour',
            -- never the staff member the complaint is about
            coalesce(nullif(p.assignee_id, c.subject_user_id),
                     nullif(CASE WHEN c.severity = 'major' THEN pd_community_manager(p_org, c.community_id) END,
                            c.subject_user_id),
                     nullif(pd_department_head(p_org, c.community_id, coalesce(c.subject_department, c.departments[1])),
                            c.subject_user_id),
                     nullif(pd_department_head(p_org, c.community_id, 'customer_service'), c.subject_user_id)),
            p.max_attempts, p.retry_hours, p.on_unsatisfied)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        PERFORM pd_callback_window_clock(p_org, v_id, c.community_id, now() + p.window_end_hours * interval '1 hour');
        PERFORM pd_emit(p_org, 'callback', v_id, 'callback.created', NULL, 'system', NULL,
                        CASE WHEN p.window_start_hours = 0 THEN 'open' ELSE 'scheduled' END,
                        jsonb_build_object('source_type', 'complaint', 'source_id', c.id, 'source_number', c.number),
                        'public', jsonb_build_array(jsonb_build_object('to', 'assignee', 'type', 'callback.assigned',
                            'title', '新的投诉回访任务', 'body', c.number)));
    END IF;
    RETURN v_id;
END
$$;

CREATE FUNCTION pd_callback_doc(k callbacks, unit_number text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', k.id, 'community_id', k.community_id, 'unit_id', k.unit_id,
    'unit_number', unit_number, 'resident_id', k.resident_id, 'kind', k.kind, 'source_type', k.source_type,
    'source_id', k.source_id, 'source_number', k.source_number, 'purpose', k.purpose, 'status', k.status,
    'window_start', pd_ts(k.window_start), 'window_end', pd_ts(k.window_end), 'assignee_id', k.assignee_id,
    'max_attempts', k.max_attempts, 'method', k.method, 'satisfaction', k.satisfaction,
    'comment', k.comment, 'new_issues', k.new_issues, 'signature_id', k.signature_id,
    'owner_confirmed', k.owner_confirmed, 'asked_in_app', k.asked_in_app, 'completed_by', k.completed_by,
    'completed_at', pd_ts(k.completed_at), 'reviewed_by', k.reviewed_by, 'reviewed_at', pd_ts(k.reviewed_at),
    'returned_count', k.returned_count, 'follow_up', k.follow_up, 'new_issue', k.new_issue,
    'version', k.version, 'created_at', pd_ts(k.created_at), 'updated_at', pd_ts(k.updated_at))
$$;

-- The staff's part: what owners never see.
CREATE FUNCTION pd_callback_staff_doc(k callbacks) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT json_build_object('attempts', k.attempts, 'review_note', k.review_note, 'cancel_reason', k.cancel_reason)
$$;

CREATE FUNCTION pd_callback_render() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o callbacks;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.doc IS NOT NULL THEN
        o := OLD;
        o.doc := NEW.doc; o.staff_doc := NEW.staff_doc;
        IF o IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.doc := pd_callback_doc(NEW, (SELECT u.number FROM units u WHERE u.org_id = NEW.org_id AND u.id = NEW.unit_id));
    NEW.staff_doc := pd_callback_staff_doc(NEW);
    RETURN NEW;
END
$$;
CREATE TRIGGER callbacks_render BEFORE INSERT OR UPDATE ON callbacks
    FOR EACH ROW EXECUTE FUNCTION pd_callback_render();

-- The spine learns callbacks (0022): their community and number, their assignee, the owner.
CREATE FUNCTION pd_subject_callback(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT NULL::uuid, NULL::uuid, k.community_id, coalesce(k.source_number, '回访')
FROM callbacks k WHERE k.org_id = p_org AND k.id = p_id
$$;

--   assignee  the staff member doing it
--   resident  the owner called back (asked to answer in the app)
CREATE FUNCTION pd_audience_callback(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'assignee' THEN
        RETURN QUERY
        SELECT k.assignee_id FROM callbacks k WHERE k.org_id = p_org AND k.id = p_id AND k.assignee_id IS NOT NULL;
    WHEN 'resident' THEN
        RETURN QUERY
        SELECT k.resident_id FROM callbacks k WHERE k.org_id = p_org AND k.id = p_id AND k.resident_id IS NOT NULL;
    ELSE
        RAISE EXCEPTION 'pd_audience_callback: unknown audience %', p_audience;
    END CASE;
END
$$;

CREATE FUNCTION pd_stale_in_callbacks() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT k.id FROM callbacks k LEFT JOIN units u ON u.org_id = k.org_id AND u.id = k.unit_id
WHERE k.doc IS DISTINCT FROM pd_callback_doc(k, u.number)::text
   OR k.staff_doc IS DISTINCT FROM pd_callback_staff_doc(k)::text
$$;

CREATE TRIGGER units_render_callbacks AFTER UPDATE OF number ON units
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number) EXECUTE FUNCTION pd_unit_renumbered('callbacks');

-- The monthly quality sample (seed 001 第八条): of the work orders completed in a month, 5% —
-- at most one household in twenty of the community — drawn reproducibly (by the ticket's id
-- and the month), called back by phone by the repair supervisor (the community's engineering
-- head; the customer-service supervisor joins by the seed, not modelled). A kind of its own,
-- so a ticket may have its repair callback and its sample one; never twice (the unique index).
-- Returns how many it scheduled.
CREATE FUNCTION pd_callback_quality_sample(p_month date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer := 0;
    r record;
BEGIN
    FOR r IN
        WITH done AS (
            SELECT w.org_id, w.community_id, t.id AS ticket_id, t.unit_id, t.number, t.reporter_id,
                   t.reporter_name, t.reporter_phone
            FROM work_orders w JOIN tickets t ON t.org_id = w.org_id AND t.id = w.ticket_id
            WHERE w.status = 'completed' AND t.unit_id IS NOT NULL AND t.complaint_id IS NULL
              AND w.completed_at >= p_month AND w.completed_at < p_month + interval '1 month'),
        quota AS (  -- what is left of the month's quota (a rerun of the job adds only what is missing)
            SELECT d.org_id, d.community_id,
                   (least(ceil(count(*) * 0.05),
                          floor((SELECT count(*) FROM units u WHERE u.org_id = d.org_id AND u.community_id = d.community_id) * 0.05))
                    - (SELECT count(*) FROM callbacks b WHERE b.org_id = d.org_id AND b.community_id = d.community_id
                       AND b.kind = 'quality_sample' AND b.sample_month = p_month))::integer AS n
            FROM done d GROUP BY d.org_id, d.community_id),
        picked AS (  -- one per household, none already sampled
            SELECT DISTINCT ON (d.org_id, d.unit_id) d.*, md5(d.ticket_id::text || p_month::text) AS draw
            FROM done d
            WHERE NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.org_id = d.org_id AND b.kind = 'quality_sample'
                              AND b.sample_month = p_month AND b.unit_id = d.unit_id)
            ORDER BY d.org_id, d.unit_id, md5(d.ticket_id::text || p_month::text)),
        ranked AS (
            SELECT p.*, row_number() OVER (PARTITION BY p.org_id, p.community_id ORDER BY p.draw) AS rank
            FROM picked p)
        SELECT x.* FROM ranked x JOIN quota q ON q.org_id = x.org_id AND q.community_id = x.community_id
        WHERE x.rank <= q.n
    LOOP
        WITH made AS (
            INSERT INTO callbacks (org_id, community_id, unit_id, resident_id, contact_name, contact_phone, kind,
                                   source_type, source_id, source_number, purpose, status, window_start, window_end,
                                   assignee_id, sample_month, on_unsatisfied)
            SELECT r.org_id, r.community_id, r.unit_id, u.id, coalesce(r.reporter_name, u.name),
                   coalesce(r.reporter_phone, u.phone), 'quality_sample', 'ticket', r.ticket_id, r.number,
                   '月度维修质量抽查（第八条）', 'open', now(), now() + interval '7 days',
                   coalesce(pd_department_head(r.org_id, r.community_id, 'engineering'),
                            pd_department_head(r.org_id, r.community_id, 'customer_service')),
                   p_month, (SELECT p.on_unsatisfied FROM pd_callback_policy(r.org_id, r.community_id, 'repair') p)
            FROM (SELECT 1) one
            LEFT JOIN users u ON u.org_id = r.org_id AND u.id = r.reporter_id AND u.kind = 'resident'
            ON CONFLICT DO NOTHING
            RETURNING id)
        SELECT count(*) + v_count INTO v_count FROM (
            SELECT pd_callback_window_clock(r.org_id, m.id, r.community_id, now() + interval '7 days'),
                   pd_emit(r.org_id, 'callback', m.id, 'callback.created', NULL, 'system', NULL, 'open',
                           jsonb_build_object('source_type', 'ticket', 'source_id', r.ticket_id,
                                              'source_number', r.number, 'sample', to_char(p_month, 'YYYY-MM')),
                           'public', jsonb_build_array(jsonb_build_object('to', 'assignee', 'type', 'callback.assigned',
                               'title', '月度维修质量抽查回访', 'body', r.number)))
            FROM made m) e;
    END LOOP;
    RETURN v_count;
END
$$;

-- The ticket timeline's wire names (0012), learning `followed_up` (an unsatisfied callback
-- that opened a follow-up complaint) without a list to extend: only the legacy names are
-- listed; any other ticket.<what> is <what>, as most already were.
CREATE OR REPLACE FUNCTION pd_ticket_timeline_type(type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN type = 'work_order.dispatched' THEN 'dispatched'
    WHEN type IN ('work_order.accepted', 'work_order.declined', 'work_order.started', 'work_order.held',
                  'work_order.resumed', 'work_order.completed', 'work_order.reassigned', 'work_order.cancelled')
        THEN 'work_order.' || CASE split_part(type, '.', 2) WHEN 'accepted' THEN 'accept' WHEN 'declined' THEN 'decline'
            WHEN 'started' THEN 'start' WHEN 'held' THEN 'hold' WHEN 'resumed' THEN 'resume'
            WHEN 'completed' THEN 'complete' WHEN 'reassigned' THEN 'reassign' ELSE 'cancel' END
    -- the ticket's state following its work orders
    WHEN type IN ('ticket.dispatched', 'ticket.started', 'ticket.held', 'ticket.resumed', 'ticket.resolved',
                  'ticket.returned', 'ticket.status_changed') THEN 'status_changed'
    WHEN type = 'ticket.sla_warned' THEN 'sla_warning'
    WHEN type LIKE 'ticket.%' THEN split_part(type, '.', 2)
    ELSE type END
$$;
