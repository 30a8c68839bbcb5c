-- Stored documents: the wire form of tickets, work orders and inbox rows is rendered when
-- they are written, in the writing transaction, and read back as text. Reads then cost what
-- reading the row costs (issue: reads at the speed of the table); nothing is stale after a
-- write, whoever writes (the API, the jobs, a migration), because triggers render.
--
-- What differs per caller is not stored: the ticket's reporter (the phone is masked for
-- some callers) and every allowed_actions. The API splices those in (src/jtext.h).
--
--   tickets.doc         the ticket's own fields (not reporter, sla, overdue, work_orders)
--   tickets.sla_doc     {"sla": …, "overdue": …} from its clocks
--   tickets.orders_doc  its work orders' docs, as a JSON array in creation order
--   tickets.work_started  one of them is in progress, on hold or completed (the machine's flag)
--   tickets.assignee_ids  the assignees of its orders that are not declined or cancelled: the
--                         technicians who see the reporter's phone (a plain column, so the
--                         ticket's read has no sub-select and keeps one generic plan)
--   work_orders.doc, notifications.doc  the whole object
--   work_orders.resolve_due  its ticket's resolution due time, kept from the clock: the
--                         order of a technician's lists (mine, queue), so that an index
--                         gives their first page without reading and sorting them all
--
-- Renderers: pd_ticket_doc, pd_ticket_sla_doc, pd_work_order_json, pd_notification_json.
-- Changing one of them means a migration that re-renders the stored rows (as below).

ALTER TABLE tickets ADD COLUMN doc text, ADD COLUMN sla_doc text,
    ADD COLUMN orders_doc text NOT NULL DEFAULT '[]', ADD COLUMN work_started boolean NOT NULL DEFAULT false,
    ADD COLUMN assignee_ids uuid[] NOT NULL DEFAULT '{}';
-- lz4 where a row is long enough to be compressed: read many times for each write, and lz4
-- decompresses several times faster than pglz
ALTER TABLE tickets ALTER COLUMN doc SET COMPRESSION lz4, ALTER COLUMN sla_doc SET COMPRESSION lz4,
    ALTER COLUMN orders_doc SET COMPRESSION lz4;
ALTER TABLE work_orders ADD COLUMN doc text, ADD COLUMN resolve_due timestamptz;
ALTER TABLE work_orders ALTER COLUMN doc SET COMPRESSION lz4;
ALTER TABLE notifications ADD COLUMN doc text;

CREATE FUNCTION pd_ticket_doc(t tickets, unit_number text) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', t.id, 'number', t.number, 'community_id', t.community_id,
    'unit_id', t.unit_id, 'unit_number', unit_number,
    'location', t.location, 'kind', t.kind, 'category', t.category, 'department', t.department,
    'priority', t.priority, 'requested_priority', t.requested_priority, 'status', t.status,
    'description', t.description, 'occurred_at', pd_ts(t.occurred_at),
    'visit_window', CASE WHEN t.visit_from IS NULL THEN NULL
                    ELSE json_build_object('from', pd_ts(t.visit_from), 'to', pd_ts(t.visit_to)) END,
    'entry_permission', t.entry_permission, 'paid_service', t.paid_service, 'channel', t.channel,
    'attachment_ids', t.attachment_ids, 'reply', t.reply, 'reopen_count', t.reopen_count,
    'rating', t.rating, 'rating_comment', t.rating_comment, 'cancel_reason', t.cancel_reason,
    'resolved_at', pd_ts(t.resolved_at), 'closed_at', pd_ts(t.closed_at),
    'version', t.version, 'created_at', pd_ts(t.created_at), 'updated_at', pd_ts(t.updated_at))
$$;

CREATE FUNCTION pd_ticket_sla_doc(org uuid, ticket uuid) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'sla', (SELECT json_build_object(
        'contact', pd_clock_json(k.due, k.met_at, k.breached, k.paused_since IS NOT NULL),
        'arrival', pd_clock_json(a.due, a.met_at, a.breached, a.paused_since IS NOT NULL),
        'resolution', pd_clock_json(r.due, r.met_at, r.breached, r.paused_since IS NOT NULL),
        'business_hours', k.calendar = 'business_hours')
      FROM clocks k
      JOIN clocks a ON a.org_id = k.org_id AND a.subject_type = 'ticket' AND a.subject_id = k.subject_id AND a.name = 'arrival'
      JOIN clocks r ON r.org_id = k.org_id AND r.subject_type = 'ticket' AND r.subject_id = k.subject_id AND r.name = 'resolution'
      WHERE k.org_id = org AND k.subject_type = 'ticket' AND k.subject_id = ticket AND k.name = 'contact'),
    'overdue', EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = org AND k.subject_type = 'ticket'
                       AND k.subject_id = ticket AND k.breached))
$$;

-- What a ticket holds of its work orders, read in one pass: their stored docs, oldest
-- first; whether work has started on one (the machine's flag); the assignees of those not
-- declined or cancelled (who see the reporter's phone).
CREATE TYPE pd_ticket_orders AS (orders_doc text, work_started boolean, assignee_ids uuid[]);
CREATE FUNCTION pd_ticket_orders(org uuid, ticket uuid) RETURNS pd_ticket_orders
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT coalesce('[' || string_agg(w.doc, ',' ORDER BY w.created_at, w.id) || ']', '[]'),
       coalesce(bool_or(w.status IN ('in_progress', 'on_hold', 'completed')), false),
       coalesce(array_agg(DISTINCT w.assignee_id ORDER BY w.assignee_id)
                FILTER (WHERE w.assignee_id IS NOT NULL AND w.status NOT IN ('declined', 'cancelled')), '{}')
FROM work_orders w WHERE w.org_id = org AND w.ticket_id = ticket
$$;

CREATE FUNCTION pd_notification_json(n notifications) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', n.id, 'type', n.type, 'ticket_id', n.ticket_id,
    'work_order_id', n.work_order_id, 'subject_type', n.subject_type, 'subject_id', n.subject_id,
    'event_id', n.event_seq, 'title', n.title, 'body', n.body,
    'read_at', pd_ts(n.read_at), 'created_at', pd_ts(n.created_at))
$$;

-- A ticket's doc is rendered when it is inserted, when any of its own columns changes, and
-- when a writer sets doc to NULL to ask for it (a unit renumbered). Writes of only the other
-- stored parts (sla_doc, orders_doc, work_started, assignee_ids) leave it as it is.
CREATE FUNCTION pd_ticket_render() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o tickets;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.doc IS NOT NULL THEN
        o := OLD;
        o.doc := NEW.doc; o.sla_doc := NEW.sla_doc; o.orders_doc := NEW.orders_doc;
        o.work_started := NEW.work_started; o.assignee_ids := NEW.assignee_ids;
        IF o IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.doc := pd_ticket_doc(NEW, (SELECT u.number FROM units u WHERE u.org_id = NEW.org_id AND u.id = NEW.unit_id));
    IF TG_OP = 'INSERT' THEN
        NEW.sla_doc := pd_ticket_sla_doc(NEW.org_id, NEW.id);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_render BEFORE INSERT OR UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION pd_ticket_render();

-- Clocks: once per statement, for the tickets whose rendered clock fields changed, and the
-- work orders whose ticket's resolution is due at another time.
CREATE FUNCTION pd_ticket_clocks_render() RETURNS trigger
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
    ELSE
        UPDATE tickets t SET sla_doc = pd_ticket_sla_doc(t.org_id, t.id)
        WHERE (t.org_id, t.id) IN (SELECT c.org_id, c.subject_id FROM changed c WHERE c.subject_type = 'ticket');
        UPDATE work_orders w SET resolve_due = pd_work_order_resolve_due(w.org_id, w.ticket_id)
        WHERE (w.org_id, w.ticket_id) IN (SELECT c.org_id, c.subject_id FROM changed c
                                          WHERE c.subject_type = 'ticket' AND c.name = 'resolution');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER clocks_render_insert AFTER INSERT ON clocks REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION pd_ticket_clocks_render();
CREATE TRIGGER clocks_render_update AFTER UPDATE ON clocks REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION pd_ticket_clocks_render();
CREATE TRIGGER clocks_render_delete AFTER DELETE ON clocks REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION pd_ticket_clocks_render();

-- Work orders: each row renders itself (not when only resolve_due moved, which the doc does
-- not show); then, once per statement, the tickets whose orders' docs changed.
CREATE FUNCTION pd_work_order_resolve_due(org uuid, ticket uuid) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT k.due FROM clocks k WHERE k.org_id = org AND k.subject_type = 'ticket' AND k.subject_id = ticket
    AND k.name = 'resolution'
$$;
CREATE FUNCTION pd_work_order_render() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o work_orders;
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.resolve_due := pd_work_order_resolve_due(NEW.org_id, NEW.ticket_id);
    ELSIF NEW.doc IS NOT NULL THEN
        o := OLD;
        o.doc := NEW.doc; o.resolve_due := NEW.resolve_due;
        IF o IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.doc := pd_work_order_json(NEW)::text;
    RETURN NEW;
END
$$;
CREATE TRIGGER work_orders_render BEFORE INSERT OR UPDATE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION pd_work_order_render();

CREATE FUNCTION pd_ticket_orders_render() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE tickets t SET (orders_doc, work_started, assignee_ids) = (SELECT * FROM pd_ticket_orders(t.org_id, t.id))
        WHERE (t.org_id, t.id) IN (SELECT n.org_id, n.ticket_id FROM changed_new n JOIN changed_old o USING (org_id, id)
                                   WHERE n.doc IS DISTINCT FROM o.doc OR n.ticket_id IS DISTINCT FROM o.ticket_id);
    ELSE
        UPDATE tickets t SET (orders_doc, work_started, assignee_ids) = (SELECT * FROM pd_ticket_orders(t.org_id, t.id))
        WHERE (t.org_id, t.id) IN (SELECT c.org_id, c.ticket_id FROM changed c);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER work_orders_render_insert AFTER INSERT ON work_orders REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION pd_ticket_orders_render();
CREATE TRIGGER work_orders_render_update AFTER UPDATE ON work_orders
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION pd_ticket_orders_render();
CREATE TRIGGER work_orders_render_delete AFTER DELETE ON work_orders REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION pd_ticket_orders_render();

-- A unit renumbered: its tickets show the new number.
CREATE FUNCTION pd_unit_tickets_render() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets t SET doc = NULL WHERE t.org_id = NEW.org_id AND t.unit_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER units_render_tickets AFTER UPDATE OF number ON units
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number) EXECUTE FUNCTION pd_unit_tickets_render();

CREATE FUNCTION pd_notification_render() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.doc := pd_notification_json(NEW)::text;
    RETURN NEW;
END
$$;
CREATE TRIGGER notifications_render BEFORE INSERT OR UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION pd_notification_render();

-- The lists of a technician: mine (the open ones, or one status) and the department's
-- queue, each by priority then due time — read in index order, a page at a time (the queue
-- skipping other communities' orders; measured faster than reading and sorting all of its
-- communities' orders by a community-led index).
DROP INDEX work_orders_by_assignee;
CREATE INDEX work_orders_by_assignee ON work_orders (org_id, assignee_id, status, priority, resolve_due, id);
CREATE INDEX work_orders_mine ON work_orders (org_id, assignee_id, priority, resolve_due, id)
    WHERE status IN ('dispatched', 'accepted', 'in_progress', 'on_hold');
CREATE INDEX work_orders_queue_by_due ON work_orders (org_id, department, priority, resolve_due, id)
    WHERE assignee_id IS NULL AND status = 'dispatched';

-- The rows already there. (An UPDATE that sets doc to NULL renders it.)
UPDATE work_orders SET doc = NULL, resolve_due = pd_work_order_resolve_due(org_id, ticket_id);
UPDATE notifications SET doc = NULL;
UPDATE tickets t SET doc = NULL, sla_doc = pd_ticket_sla_doc(t.org_id, t.id),
    (orders_doc, work_started, assignee_ids) = (SELECT * FROM pd_ticket_orders(t.org_id, t.id));
ALTER TABLE tickets ALTER COLUMN doc SET NOT NULL, ALTER COLUMN sla_doc SET NOT NULL;
ALTER TABLE work_orders ALTER COLUMN doc SET NOT NULL;
ALTER TABLE notifications ALTER COLUMN doc SET NOT NULL;

-- The stored parts that differ from a fresh rendering: none, unless a write got past the
-- triggers. The test suite asserts it after its writes; an operator may run it at any time.
CREATE FUNCTION pd_stale_docs() RETURNS TABLE (relation text, id uuid)
LANGUAGE sql STABLE AS $$
SELECT 'tickets', t.id FROM tickets t LEFT JOIN units u ON u.org_id = t.org_id AND u.id = t.unit_id
WHERE t.doc IS DISTINCT FROM pd_ticket_doc(t, u.number)::text
   OR t.sla_doc IS DISTINCT FROM pd_ticket_sla_doc(t.org_id, t.id)::text
   OR (t.orders_doc, t.work_started, t.assignee_ids)::pd_ticket_orders IS DISTINCT FROM pd_ticket_orders(t.org_id, t.id)
UNION ALL
SELECT 'work_orders', w.id FROM work_orders w WHERE w.doc IS DISTINCT FROM pd_work_order_json(w)::text
   OR w.resolve_due IS DISTINCT FROM pd_work_order_resolve_due(w.org_id, w.ticket_id)
UNION ALL
SELECT 'notifications', n.id FROM notifications n WHERE n.doc IS DISTINCT FROM pd_notification_json(n)::text
$$;

-- pd_ticket_json gave way to the stored parts.
DROP FUNCTION pd_ticket_json(tickets, text, boolean);
DROP FUNCTION pd_ticket_json(tickets, text);
