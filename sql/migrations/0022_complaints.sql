-- Complaints (投诉, DESIGN §7): the record, its deadline policy, and the complaint branches of
-- the shared mechanisms (numbers, the event spine's subjects and audiences, the clocks'
-- labels and stored documents).
--
--   complaints.doc      the complaint's own fields as the wire shows them to everyone who may
--                       see it; rendered by a trigger like tickets.doc (0021)
--   complaints.place_doc  {"unit_id", "unit_number", "attachment_ids"}: what may tell who
--                       complained, shown only to whoever sees the complainant (the API
--                       splices it, or nulls, per caller, with the complainant)
--   complaints.sla_doc  {"deadlines": …, "overdue": …} from its clocks
--   forwards, extensions  jsonb arrays on the row: the departments it went to and their
--                       sign-off, and the deadline extensions asked for and decided; small,
--                       always read with the complaint, and part of its doc

-- Human numbers, one counter per org, series and local day: BX… tickets, TS… complaints.
ALTER TABLE ticket_numbers RENAME TO day_numbers;
ALTER TABLE day_numbers ADD COLUMN series text NOT NULL DEFAULT 'BX' CHECK (series ~ '^[A-Z]{2}$');
ALTER TABLE day_numbers ALTER COLUMN series DROP DEFAULT;
ALTER TABLE day_numbers DROP CONSTRAINT ticket_numbers_pkey, ADD PRIMARY KEY (org_id, series, day);

-- The next number of a series for a community's local day: <series><yyyymmdd>-<seq>, at
-- least four digits. The counter row stays locked until commit: concurrent creates wait.
CREATE FUNCTION pd_next_number(p_org uuid, p_community uuid, p_series text) RETURNS text
LANGUAGE sql AS $$
INSERT INTO day_numbers AS n (org_id, series, day, last)
VALUES (p_org, p_series, (now() AT TIME ZONE (SELECT c.time_zone FROM communities c
                                              WHERE c.org_id = p_org AND c.id = p_community))::date, 1)
ON CONFLICT (org_id, series, day) DO UPDATE SET last = n.last + 1
RETURNING p_series || to_char(n.day, 'YYYYMMDD') || '-' || lpad(n.last::text, greatest(4, length(n.last::text)), '0')
$$;

-- Whether something that ended at `at` may still be taken back (a ticket reopened, a complaint
-- disputed): within the org's reopen window, 7 days unless its settings say otherwise.
CREATE FUNCTION pd_reopenable(org uuid, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT at > now() - (SELECT coalesce(max(s.reopen_window_hours), 168) FROM ticket_settings s WHERE s.org_id = org)
    * interval '1 hour'
$$;

CREATE TABLE complaints (
    org_id              uuid NOT NULL REFERENCES orgs (id),
    id                  uuid NOT NULL,
    number              text NOT NULL,
    community_id        uuid NOT NULL,
    unit_id             uuid,
    channel             text NOT NULL,
    written_reply_only  boolean NOT NULL DEFAULT false,  -- a superior body asked only for a written reply
    anonymous           boolean NOT NULL DEFAULT false,
    complainant_id      uuid,                             -- the resident who complained in the app
    contact_name        text CHECK (char_length(contact_name) <= 50),
    contact_phone       text CHECK (contact_phone ~ '^\+?[0-9]{6,15}$'),
    occurred_at         timestamptz,
    location            text CHECK (char_length(location) <= 200),
    subject_department  text,                             -- who is complained about: a department
    subject_user_id     uuid,                             -- … and/or a staff member
    description         text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 2000),
    demand              text CHECK (char_length(demand) <= 1000),
    attachment_ids      uuid[] NOT NULL DEFAULT '{}',
    status              text NOT NULL DEFAULT 'received',
    receiver_id         uuid,                             -- 首问负责: who received it, owns it to the end
    created_by          uuid NOT NULL,                    -- user or API client
    nature              text,
    communicative_kind  text,
    content             text,
    severity            text,
    upgraded_at         timestamptz,                      -- made major by the 30-day rule
    escalation_level    integer NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 3),
    departments         text[] NOT NULL DEFAULT '{}',     -- forwarded to (visibility of department staff)
    forwards            jsonb NOT NULL DEFAULT '[]',      -- [{department, forwarded_at, forwarded_by, acknowledged_at, acknowledged_by}]
    extensions          jsonb NOT NULL DEFAULT '[]',      -- [{id, reason, due_at, requested_by, requested_at, status, decided_by, decided_at, note}]
    result              text,
    root_cause          text,
    corrective_action   text,
    resolved_by         uuid,
    resolved_at         timestamptz,
    reply_method        text,
    reply_content       text,
    replied_by          uuid,
    replied_at          timestamptz,
    rating              integer CHECK (rating BETWEEN 1 AND 5),
    rating_comment      text,
    reopen_count        integer NOT NULL DEFAULT 0,
    withdraw_reason     text,
    merged_into         uuid,
    ticket_ids          uuid[] NOT NULL DEFAULT '{}',     -- repair tickets spawned for it (their work orders)
    closed_at           timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    doc                 text NOT NULL,
    place_doc           text NOT NULL,
    sla_doc             text NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, number),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, complainant_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, receiver_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, subject_user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, subject_department) REFERENCES departments (org_id, code),
    FOREIGN KEY (org_id, merged_into) REFERENCES complaints (org_id, id),
    CHECK (jsonb_typeof(forwards) = 'array' AND jsonb_typeof(extensions) = 'array'),
    CHECK (merged_into IS NULL OR merged_into <> id),
    CHECK ((nature = 'communicative') = (communicative_kind IS NOT NULL))
);
ALTER TABLE complaints ALTER COLUMN doc SET COMPRESSION lz4, ALTER COLUMN sla_doc SET COMPRESSION lz4;
-- the lists: staff by community (and the org), owners by what they made, duplicates of a primary
CREATE INDEX complaints_by_community ON complaints (org_id, community_id, created_at DESC, id DESC);
CREATE INDEX complaints_by_org ON complaints (org_id, created_at DESC, id DESC);
CREATE INDEX complaints_by_complainant ON complaints (org_id, complainant_id, created_at DESC, id DESC)
    WHERE complainant_id IS NOT NULL;
CREATE INDEX complaints_duplicates ON complaints (org_id, merged_into) WHERE merged_into IS NOT NULL;
-- the 30-day rule's sweep: valid complaints still open
CREATE INDEX complaints_open_valid ON complaints (created_at)
    WHERE nature = 'valid' AND severity <> 'major' AND status IN ('accepted', 'forwarded', 'acknowledged');

-- A ticket spawned by a complaint's department (its work through the dispatch machinery)
-- names the complaint; the complaint lists its tickets (ticket_ids). The ticket's
-- complaint_id is spliced into its wire form by the API, not stored in its doc.
ALTER TABLE tickets ADD COLUMN complaint_id uuid,
    ADD FOREIGN KEY (org_id, complaint_id) REFERENCES complaints (org_id, id);
CREATE INDEX tickets_by_complaint ON tickets (org_id, complaint_id) WHERE complaint_id IS NOT NULL;

-- Deadlines by severity, per org with per-community overrides (community_id NULL: the org's),
-- managed with the SLA policy (/v1/sla-policy/complaint-targets). Minutes of business time
-- when business_hours, else around the clock (the forward deadline always runs around the
-- clock). The built-in defaults (pd_complaint_default_targets) hold where no row says otherwise.
CREATE TABLE complaint_policies (
    org_id               uuid NOT NULL REFERENCES orgs (id),
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id         uuid,
    severity             text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    forward_minutes      integer NOT NULL CHECK (forward_minutes BETWEEN 1 AND 1440),
    acknowledge_minutes  integer NOT NULL CHECK (acknowledge_minutes BETWEEN 1 AND 43200),
    resolve_minutes      integer NOT NULL CHECK (resolve_minutes BETWEEN 1 AND 129600),
    business_hours       boolean NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id)
);
CREATE UNIQUE INDEX complaint_policies_one ON complaint_policies
    (org_id, coalesce(community_id, '00000000-0000-0000-0000-000000000000'::uuid), severity);

-- The built-in complaint deadlines (seed 001 第十、十一条 leave the numbers open):
--   major      forward 10 min; signed for within 1 h; solved within 3 working days (3 × 8 h
--              of business time); the manager is told at once
--   important  forward 10 min; signed for within 4 h; solved within 3 days
--   general    forward 10 min; signed for within 8 h; solved within 7 days
-- The reply is due the same day as the resolution (its clock ends at the community's local
-- midnight, pd_complaint_reply_minutes).
CREATE FUNCTION pd_complaint_default_targets(
    OUT severity text, OUT forward_minutes integer, OUT acknowledge_minutes integer,
    OUT resolve_minutes integer, OUT business_hours boolean)
RETURNS SETOF record LANGUAGE sql IMMUTABLE AS $$
VALUES ('major', 10, 60, 1440, true), ('important', 10, 240, 4320, false), ('general', 10, 480, 10080, false)
$$;

-- The targets for a complaint of a severity (NULL: general, before classification) in a
-- community: its community's policy row, else the org's, else the built-in default.
CREATE FUNCTION pd_complaint_targets(p_org uuid, p_community uuid, p_severity text,
    OUT forward_minutes integer, OUT acknowledge_minutes integer, OUT resolve_minutes integer,
    OUT business_hours boolean)
LANGUAGE sql STABLE AS $$
SELECT x.forward_minutes, x.acknowledge_minutes, x.resolve_minutes, x.business_hours FROM (
    SELECT p.forward_minutes, p.acknowledge_minutes, p.resolve_minutes, p.business_hours,
           CASE WHEN p.community_id IS NULL THEN 1 ELSE 0 END AS rank
    FROM complaint_policies p
    WHERE p.org_id = p_org AND p.severity = coalesce(p_severity, 'general')
      AND (p.community_id = p_community OR p.community_id IS NULL)
    UNION ALL
    SELECT d.forward_minutes, d.acknowledge_minutes, d.resolve_minutes, d.business_hours, 2
    FROM pd_complaint_default_targets() d WHERE d.severity = coalesce(p_severity, 'general')) x
ORDER BY x.rank LIMIT 1
$$;

-- Minutes from now to the end of the community's local day (at least 60): the reply clock.
CREATE FUNCTION pd_complaint_reply_minutes(p_org uuid, p_community uuid) RETURNS integer
LANGUAGE sql STABLE AS $$
SELECT greatest(60, ceil(extract(epoch FROM
    (date_trunc('day', now() AT TIME ZONE c.time_zone) + interval '1 day') - (now() AT TIME ZONE c.time_zone)) / 60)::integer)
FROM communities c WHERE c.org_id = p_org AND c.id = p_community
$$;

-- The wire form of a complaint, but its complainant and place (pd_complaint_place_doc) and
-- allowed_actions, which src/complaints.c splices in per caller.
CREATE FUNCTION pd_complaint_doc(c complaints) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', c.id, 'number', c.number, 'community_id', c.community_id, 'channel', c.channel,
    'written_reply_only', c.written_reply_only, 'anonymous', c.anonymous,
    'occurred_at', pd_ts(c.occurred_at), 'location', c.location,
    'subject', json_build_object('department', c.subject_department, 'user_id', c.subject_user_id),
    'description', c.description, 'demand', c.demand,
    'status', c.status, 'receiver_id', c.receiver_id, 'nature', c.nature,
    'communicative_kind', c.communicative_kind, 'content', c.content, 'severity', c.severity,
    'upgraded_at', pd_ts(c.upgraded_at), 'escalation_level', c.escalation_level,
    'forwards', c.forwards, 'extensions', c.extensions,
    'resolution', CASE WHEN c.resolved_at IS NULL THEN NULL ELSE json_build_object(
        'result', c.result, 'root_cause', c.root_cause, 'corrective_action', c.corrective_action,
        'resolved_by', c.resolved_by, 'resolved_at', pd_ts(c.resolved_at)) END,
    'reply', CASE WHEN c.replied_at IS NULL THEN NULL ELSE json_build_object(
        'method', c.reply_method, 'content', c.reply_content, 'replied_by', c.replied_by,
        'replied_at', pd_ts(c.replied_at)) END,
    'rating', c.rating, 'rating_comment', c.rating_comment, 'reopen_count', c.reopen_count,
    'withdraw_reason', c.withdraw_reason, 'merged_into', c.merged_into, 'ticket_ids', c.ticket_ids,
    'closed_at', pd_ts(c.closed_at), 'version', c.version,
    'created_at', pd_ts(c.created_at), 'updated_at', pd_ts(c.updated_at))
$$;

CREATE FUNCTION pd_complaint_place_doc(c complaints, unit_number text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('unit_id', c.unit_id, 'unit_number', unit_number, 'attachment_ids', c.attachment_ids)
$$;

CREATE FUNCTION pd_complaint_sla_doc(org uuid, complaint uuid) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'deadlines', (SELECT coalesce(json_object_agg(k.name, pd_clock_json(k.due, k.met_at, k.breached,
                                                                        k.paused_since IS NOT NULL)
                                                  ORDER BY k.name), '{}')
                  FROM clocks k WHERE k.org_id = org AND k.subject_type = 'complaint' AND k.subject_id = complaint),
    'overdue', EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = org AND k.subject_type = 'complaint'
                       AND k.subject_id = complaint AND k.breached AND k.met_at IS NULL))
$$;

CREATE FUNCTION pd_complaint_render() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o complaints;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.doc IS NOT NULL THEN
        o := OLD;
        o.doc := NEW.doc; o.place_doc := NEW.place_doc; o.sla_doc := NEW.sla_doc;
        IF o IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.doc := pd_complaint_doc(NEW);
    NEW.place_doc := pd_complaint_place_doc(NEW, (SELECT u.number FROM units u WHERE u.org_id = NEW.org_id AND u.id = NEW.unit_id));
    IF TG_OP = 'INSERT' THEN
        NEW.sla_doc := pd_complaint_sla_doc(NEW.org_id, NEW.id);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER complaints_render BEFORE INSERT OR UPDATE ON complaints
    FOR EACH ROW EXECUTE FUNCTION pd_complaint_render();

-- Clocks render the complaints' sla_doc as they render the tickets' (0021).
CREATE OR REPLACE FUNCTION pd_ticket_clocks_render() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE tickets t SET sla_doc = pd_ticket_sla_doc(t.org_id, t.id)
        WHERE (t.org_id, t.id) IN (
            SELECT n.org_id, n.subject_id FROM changed_new n JOIN changed_old o USING (org_id, subject_type, subject_id, name)
            WHERE n.subject_type = 'ticket'
              AND (n.due, n.met_at, n.breached, n.paused_since, n.calendar)
                  IS DISTINCT FROM (o.due, o.met_at, o.breached, o.paused_since, o.calendar));
        UPDATE work_orders w SET resolve_due = n.due FROM changed_new n
        WHERE n.subject_type = 'ticket' AND n.name = 'resolution' AND w.org_id = n.org_id
          AND w.ticket_id = n.subject_id AND w.resolve_due IS DISTINCT FROM n.due;
        UPDATE complaints c SET sla_doc = pd_complaint_sla_doc(c.org_id, c.id)
        WHERE (c.org_id, c.id) IN (
            SELECT n.org_id, n.subject_id FROM changed_new n JOIN changed_old o USING (org_id, subject_type, subject_id, name)
            WHERE n.subject_type = 'complaint'
              AND (n.due, n.met_at, n.breached, n.paused_since)
                  IS DISTINCT FROM (o.due, o.met_at, o.breached, o.paused_since));
    ELSE
        UPDATE tickets t SET sla_doc = pd_ticket_sla_doc(t.org_id, t.id)
        WHERE (t.org_id, t.id) IN (SELECT c.org_id, c.subject_id FROM changed c WHERE c.subject_type = 'ticket');
        UPDATE work_orders w SET resolve_due = pd_work_order_resolve_due(w.org_id, w.ticket_id)
        WHERE (w.org_id, w.ticket_id) IN (SELECT c.org_id, c.subject_id FROM changed c
                                          WHERE c.subject_type = 'ticket' AND c.name = 'resolution');
        UPDATE complaints x SET sla_doc = pd_complaint_sla_doc(x.org_id, x.id)
        WHERE (x.org_id, x.id) IN (SELECT c.org_id, c.subject_id FROM changed c WHERE c.subject_type = 'complaint');
    END IF;
    RETURN NULL;
END
$$;

-- The spine, made pluggable. 0012 chose what every audience needs to know about a subject, and
-- who each audience is, in one CASE per function that each new resource would have redefined
-- whole; so did the clocks' label, the stale-document check and the renumbered unit. From here
-- a subject type <t> brings functions of its own and nothing shared is redefined:
--   pd_subject_<t>(org, id, OUT ticket_id, OUT work_order_id, OUT community_id, OUT label)
--       what the inbox row names (ticket_id, work_order_id), the community its shared
--       audiences are chosen in, and what notices call it (a number);
--   pd_audience_<t>(org, audience, id) RETURNS SETOF uuid
--       its own audiences, raising on any other;
-- a table showing a unit's number adds `pd_unit_renumbered('<table>')` as a trigger on units,
-- and a table of stored documents its check `pd_stale_in_<table>() RETURNS SETOF uuid`.
DROP FUNCTION pd_event_subject(uuid, text, uuid);
CREATE FUNCTION pd_event_subject(p_org uuid, p_subject_type text, p_subject_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    EXECUTE format('SELECT * FROM %I($1, $2)', 'pd_subject_' || p_subject_type)
        INTO ticket_id, work_order_id, community_id, label USING p_org, p_subject_id;
END
$$;

-- Who an audience is, for a subject: the one place recipients are chosen. Every subject
-- shares the audiences of its community:
--   supervisors  supervisors of the community or org-wide, and org-wide managers
--   managers     managers of the community or org-wide
--   admins       the org's admins
-- the others are its type's (pd_audience_<t>). May return a user more than once; pd_emit
-- writes one inbox row per user and event.
CREATE OR REPLACE FUNCTION pd_recipients(p_org uuid, p_audience text, p_subject_type text, p_subject_id uuid)
RETURNS SETOF uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'supervisors' THEN
        RETURN QUERY
        SELECT g.user_id FROM role_grants g
        JOIN users u ON u.org_id = g.org_id AND u.id = g.user_id AND u.status = 'active'
        WHERE g.org_id = p_org
          AND ((g.role = 'supervisor' AND (g.community_id IS NULL OR g.community_id =
                   (SELECT s.community_id FROM pd_event_subject(p_org, p_subject_type, p_subject_id) s)))
               OR (g.role = 'manager' AND g.community_id IS NULL));
    WHEN 'managers' THEN
        RETURN QUERY
        SELECT g.user_id FROM role_grants g
        JOIN users u ON u.org_id = g.org_id AND u.id = g.user_id AND u.status = 'active'
        WHERE g.org_id = p_org AND g.role = 'manager'
          AND (g.community_id IS NULL OR g.community_id =
               (SELECT s.community_id FROM pd_event_subject(p_org, p_subject_type, p_subject_id) s));
    WHEN 'admins' THEN
        RETURN QUERY
        SELECT g.user_id FROM role_grants g
        JOIN users u ON u.org_id = g.org_id AND u.id = g.user_id AND u.status = 'active'
        WHERE g.org_id = p_org AND g.role = 'admin' AND g.community_id IS NULL;
    ELSE
        RETURN QUERY EXECUTE format('SELECT * FROM %I($1, $2, $3)', 'pd_audience_' || p_subject_type)
            USING p_org, p_audience, p_subject_id;
    END CASE;
END
$$;

CREATE OR REPLACE FUNCTION pd_clock_subject_label(org uuid, subject_type text, subject_id uuid) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT s.label FROM pd_event_subject(org, subject_type, subject_id) s
$$;

-- Tickets and work orders, as 0012 chose.
CREATE FUNCTION pd_subject_ticket(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT t.id, NULL::uuid, t.community_id, t.number FROM tickets t WHERE t.org_id = p_org AND t.id = p_id
$$;
CREATE FUNCTION pd_subject_work_order(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT w.ticket_id, w.id, w.community_id, t.number FROM work_orders w
JOIN tickets t ON t.org_id = w.org_id AND t.id = w.ticket_id
WHERE w.org_id = p_org AND w.id = p_id
$$;

-- A ticket's (and its work orders') owners: its reporter (a resident) and its unit's
-- verified residents — not for a complaint's work, which is not its unit's business.
CREATE FUNCTION pd_ticket_owners(p_org uuid, p_ticket uuid) RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT t.reporter_id FROM tickets t
JOIN users u ON u.org_id = t.org_id AND u.id = t.reporter_id AND u.kind = 'resident'
WHERE t.org_id = p_org AND t.id = p_ticket
UNION
SELECT r.user_id FROM tickets t
JOIN residencies r ON r.org_id = t.org_id AND r.unit_id = t.unit_id AND r.status = 'verified'
WHERE t.org_id = p_org AND t.id = p_ticket AND t.complaint_id IS NULL
$$;

CREATE FUNCTION pd_audience_ticket(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'owners' THEN
        RETURN QUERY SELECT * FROM pd_ticket_owners(p_org, p_id);
    WHEN 'assignee', 'department' THEN
        RETURN;  -- a ticket's people are its work orders'
    ELSE
        RAISE EXCEPTION 'pd_audience_ticket: unknown audience %', p_audience;
    END CASE;
END
$$;

--   assignee     the work order's assignee
--   department   on-duty technicians of its department serving its community
CREATE FUNCTION pd_audience_work_order(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'owners' THEN
        RETURN QUERY SELECT o.* FROM work_orders w, pd_ticket_owners(p_org, w.ticket_id) o
        WHERE w.org_id = p_org AND w.id = p_id;
    WHEN 'assignee' THEN
        RETURN QUERY
        SELECT w.assignee_id FROM work_orders w
        WHERE w.org_id = p_org AND w.id = p_id AND w.assignee_id IS NOT NULL;
    WHEN 'department' THEN
        RETURN QUERY
        SELECT u.id FROM work_orders w
        JOIN users u ON u.org_id = w.org_id AND u.department = w.department AND u.kind = 'staff'
            AND u.status = 'active' AND u.on_duty
        JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id AND g.role = 'technician'
            AND (g.community_id IS NULL OR g.community_id = w.community_id)
        WHERE w.org_id = p_org AND w.id = p_id;
    ELSE
        RAISE EXCEPTION 'pd_audience_work_order: unknown audience %', p_audience;
    END CASE;
END
$$;

-- Complaints.
CREATE FUNCTION pd_subject_complaint(p_org uuid, p_id uuid,
    OUT ticket_id uuid, OUT work_order_id uuid, OUT community_id uuid, OUT label text)
LANGUAGE sql STABLE AS $$
SELECT NULL::uuid, NULL::uuid, c.community_id, c.number FROM complaints c WHERE c.org_id = p_org AND c.id = p_id
$$;

--   complainant       the complaint's complainant (a resident in the app)
--   complainants      … and those of the duplicates merged into it (its reply)
--   receiver          the staff member who received it
--   department_heads  supervisors of its community (or org-wide) in a department it was forwarded to
CREATE FUNCTION pd_audience_complaint(p_org uuid, p_audience text, p_id uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE p_audience
    WHEN 'complainant' THEN
        RETURN QUERY
        SELECT c.complainant_id FROM complaints c
        WHERE c.org_id = p_org AND c.id = p_id AND c.complainant_id IS NOT NULL;
    WHEN 'complainants' THEN
        RETURN QUERY
        SELECT c.complainant_id FROM complaints c
        WHERE c.org_id = p_org AND c.complainant_id IS NOT NULL AND (c.id = p_id OR c.merged_into = p_id);
    WHEN 'receiver' THEN
        RETURN QUERY
        SELECT c.receiver_id FROM complaints c
        WHERE c.org_id = p_org AND c.id = p_id AND c.receiver_id IS NOT NULL;
    WHEN 'department_heads' THEN
        RETURN QUERY
        SELECT g.user_id FROM complaints c
        JOIN users u ON u.org_id = c.org_id AND u.department = ANY (c.departments) AND u.status = 'active'
        JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id AND g.role = 'supervisor'
            AND (g.community_id IS NULL OR g.community_id = c.community_id)
        WHERE c.org_id = p_org AND c.id = p_id;
    ELSE
        RAISE EXCEPTION 'pd_audience_complaint: unknown audience %', p_audience;
    END CASE;
END
$$;

-- The stale-document check (0021): each table's own, found by name.
CREATE OR REPLACE FUNCTION pd_stale_docs() RETURNS TABLE (relation text, id uuid)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f text;
BEGIN
    FOR f IN SELECT p.proname FROM pg_proc p
             WHERE p.proname ~ '^pd_stale_in_[a-z_]+$' AND pg_function_is_visible(p.oid) ORDER BY p.proname LOOP
        RETURN QUERY EXECUTE format('SELECT %L::text, s FROM %I() s', substr(f, 13), f);
    END LOOP;
END
$$;
CREATE FUNCTION pd_stale_in_tickets() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT t.id FROM tickets t LEFT JOIN units u ON u.org_id = t.org_id AND u.id = t.unit_id
WHERE t.doc IS DISTINCT FROM pd_ticket_doc(t, u.number)::text
   OR t.sla_doc IS DISTINCT FROM pd_ticket_sla_doc(t.org_id, t.id)::text
   OR (t.orders_doc, t.work_started, t.assignee_ids)::pd_ticket_orders IS DISTINCT FROM pd_ticket_orders(t.org_id, t.id)
$$;
CREATE FUNCTION pd_stale_in_work_orders() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT w.id FROM work_orders w WHERE w.doc IS DISTINCT FROM pd_work_order_json(w)::text
   OR w.resolve_due IS DISTINCT FROM pd_work_order_resolve_due(w.org_id, w.ticket_id)
$$;
CREATE FUNCTION pd_stale_in_notifications() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT n.id FROM notifications n WHERE n.doc IS DISTINCT FROM pd_notification_json(n)::text
$$;
CREATE FUNCTION pd_stale_in_complaints() RETURNS SETOF uuid
LANGUAGE sql STABLE AS $$
SELECT c.id FROM complaints c LEFT JOIN units u ON u.org_id = c.org_id AND u.id = c.unit_id
WHERE c.doc IS DISTINCT FROM pd_complaint_doc(c)::text
   OR c.place_doc IS DISTINCT FROM pd_complaint_place_doc(c, u.number)::text
   OR c.sla_doc IS DISTINCT FROM pd_complaint_sla_doc(c.org_id, c.id)::text
$$;

-- A unit renumbered: the rows of the table named by the trigger's argument that show it are
-- rendered again (their doc set NULL, which their render trigger fills).
CREATE FUNCTION pd_unit_renumbered() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I SET doc = NULL WHERE org_id = $1 AND unit_id = $2', TG_ARGV[0])
        USING NEW.org_id, NEW.id;
    RETURN NULL;
END
$$;
DROP TRIGGER units_render_tickets ON units;
DROP FUNCTION pd_unit_tickets_render();
CREATE TRIGGER units_render_tickets AFTER UPDATE OF number ON units
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number) EXECUTE FUNCTION pd_unit_renumbered('tickets');
CREATE TRIGGER units_render_complaints AFTER UPDATE OF number ON units
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number) EXECUTE FUNCTION pd_unit_renumbered('complaints');
