#!/usr/bin/env bash
# 0012_events on a database that has data: migrates an empty database up to 0011, gives it
# a ticket timeline and inbox as the code before the event spine wrote them (every type it
# knew), applies the rest, and checks that each old row is now an event with the same id,
# actor, statuses, details and time, the canonical type, the right subject and visibility,
# that the timeline's wire name of each is the old type, that the inbox rows have their
# subject, and that the spine then works (pd_emit numbers after the old ids).
#   tests/migrations/0012_events.sh BIN DATABASE_URL      (the database must be empty)
# shellcheck source=tests/migrations/lib.sh
source "$(dirname "$0")/lib.sh"
migrate_before 12

sql <<'SQL'
\set org '''10000000-0000-4000-8000-000000000001'''
\set c1 '''10000000-0000-4000-8000-0000000000c1'''
\set t1 '''30000000-0000-4000-8000-0000000000d1'''
\set w1 '''30000000-0000-4000-8000-0000000000e1'''
\set w2 '''30000000-0000-4000-8000-0000000000e2'''
\set agent '''10000000-0000-4000-8000-0000000000a2'''
\set tech '''10000000-0000-4000-8000-0000000000a3'''
\set owner '''10000000-0000-4000-8000-0000000000b1'''
INSERT INTO tickets (org_id, id, number, community_id, kind, category, department, priority, description,
                     channel, reporter_id, created_by, sla_contact_minutes, sla_resolve_minutes)
VALUES (:org, :t1, 'BX20260101-0001', :c1, 'repair', 'leak', 'engineering', 'P2', '厨房漏水', 'app', :owner,
        :owner, 30, 4320);
INSERT INTO work_orders (org_id, id, ticket_id, community_id, department, mode, assignee_id, priority, dispatched_by)
VALUES (:org, :w1, :t1, :c1, 'engineering', 'assign', :tech, 'P2', :agent),
       (:org, :w2, :t1, :c1, 'engineering', 'queue', NULL, 'P2', :agent);
-- what src/timeline.c, src/tickets.c, src/work_orders.c and src/jobs.c wrote
INSERT INTO ticket_events (org_id, ticket_id, work_order_id, actor_id, actor_role, type, from_status, to_status, details, created_at)
SELECT :org, :t1, wo::uuid, actor::uuid, role, type, f, t, d::jsonb, now() - (100 - n) * interval '1 minute'
FROM (VALUES
  (1, NULL, :owner, 'owner', 'created', NULL, 'submitted', '{"channel":"app","number":"BX20260101-0001"}'),
  (2, NULL, :agent, 'agent', 'updated', 'submitted', NULL, '{}'),
  (3, NULL, :agent, 'agent', 'reclassified', 'submitted', NULL, '{"from":{"priority":"P3"},"to":{"priority":"P2"}}'),
  (4, :w1, :agent, 'agent', 'dispatched', NULL, 'dispatched', '{"mode":"assign","department":"engineering","assignee_id":null}'),
  (5, NULL, :agent, 'agent', 'status_changed', 'submitted', 'dispatched', '{}'),
  (6, :w1, :tech, 'technician', 'work_order.accept', 'dispatched', 'accepted', '{}'),
  (7, :w1, :tech, 'technician', 'work_order.start', 'accepted', 'in_progress', '{}'),
  (8, NULL, :tech, 'technician', 'status_changed', 'dispatched', 'in_progress', '{}'),
  (9, :w1, :tech, 'technician', 'work_order.hold', 'in_progress', 'on_hold', '{"reason":"等待配件"}'),
  (10, NULL, :tech, 'technician', 'status_changed', 'in_progress', 'on_hold', '{}'),
  (11, :w1, :tech, 'technician', 'work_order.resume', 'on_hold', 'in_progress', '{}'),
  (12, NULL, :tech, 'technician', 'status_changed', 'on_hold', 'in_progress', '{}'),
  (13, NULL, :agent, 'agent', 'commented', 'in_progress', NULL, '{"internal":true}'),
  (14, NULL, :agent, 'agent', 'commented', 'in_progress', NULL, '{"internal":false}'),
  (15, NULL, NULL, 'system', 'sla_warning', NULL, NULL, '{"clock":"arrival","due_at":"2026-01-01T01:00:00.000Z"}'),
  (16, NULL, NULL, 'system', 'sla_breached', NULL, NULL, '{"clock":"arrival","due_at":"2026-01-01T01:00:00.000Z"}'),
  (17, :w1, :tech, 'technician', 'work_order.complete', 'in_progress', 'completed', '{}'),
  (18, NULL, :tech, 'technician', 'status_changed', 'in_progress', 'resolved', '{}'),
  (19, NULL, :owner, 'owner', 'reopened', 'resolved', 'reopened', '{"reason":"还在漏"}'),
  (20, :w2, :agent, 'agent', 'dispatched', NULL, 'dispatched', '{"mode":"queue","department":"engineering","assignee_id":null}'),
  (21, NULL, :agent, 'agent', 'status_changed', 'reopened', 'dispatched', '{}'),
  (22, :w2, :tech, 'technician', 'work_order.accept', 'dispatched', 'accepted', '{}'),
  (23, :w2, :tech, 'technician', 'work_order.decline', 'accepted', 'dispatched', '{"reason":"不在岗"}'),
  (24, :w2, :agent, 'supervisor', 'work_order.reassign', 'dispatched', 'dispatched', '{"assignee_id":"10000000-0000-4000-8000-0000000000a4"}'),
  (25, :w2, :agent, 'supervisor', 'work_order.cancel', 'dispatched', 'cancelled', '{"reason":"重复"}'),
  (26, NULL, :agent, 'supervisor', 'status_changed', 'dispatched', 'reopened', '{}'),
  (27, NULL, :agent, 'agent', 'replied', 'reopened', 'resolved', '{}'),
  (28, NULL, :owner, 'owner', 'confirmed', 'resolved', 'closed', '{"rating":5}'),
  (29, NULL, :agent, 'agent', 'closed', 'resolved', 'closed', '{}'),
  (30, NULL, NULL, 'system', 'auto_closed', 'resolved', 'closed', '{}'),
  (31, NULL, :agent, 'agent', 'cancelled', 'submitted', 'cancelled', '{"reason":"重复报事"}')
) AS x (n, wo, actor, role, type, f, t, d)
ORDER BY n;
INSERT INTO notifications (org_id, user_id, type, ticket_id, work_order_id, title, body, read_at) VALUES
  (:org, :tech, 'work_order.assigned', :t1, :w1, '新工单已派给您', '', NULL),
  (:org, :owner, 'ticket.resolved', :t1, NULL, '报事已处理完成', '', now());
CREATE TABLE legacy_events AS SELECT * FROM ticket_events;
SQL

migrate_rest

check "the old table is gone" "SELECT to_regclass('ticket_events') IS NULL"
check "every old row is one event with its id, actor, statuses, details and time" "
  SELECT count(*) = 31 AND count(*) = (SELECT count(*) FROM events) FROM legacy_events l JOIN events e
  ON e.org_id = l.org_id AND e.seq = l.id AND e.actor_id IS NOT DISTINCT FROM l.actor_id
  AND e.actor_role = l.actor_role AND e.from_status IS NOT DISTINCT FROM l.from_status
  AND e.to_status IS NOT DISTINCT FROM l.to_status AND e.details = l.details AND e.created_at = l.created_at"
check "subjects: the work order when the row named one, else the ticket" "
  SELECT bool_and(e.subject_type = CASE WHEN l.work_order_id IS NULL THEN 'ticket' ELSE 'work_order' END
                  AND e.subject_id = coalesce(l.work_order_id, l.ticket_id))
  FROM legacy_events l JOIN events e ON e.seq = l.id"
check "the timeline's wire name of every event is the old type" "
  SELECT bool_and(pd_ticket_timeline_type(e.type) = l.type) FROM legacy_events l JOIN events e ON e.seq = l.id"
check "canonical names" "
  SELECT array_agg(e.type ORDER BY e.seq) = ARRAY['ticket.created', 'ticket.updated', 'ticket.reclassified',
    'work_order.dispatched', 'ticket.dispatched', 'work_order.accepted', 'work_order.started', 'ticket.started',
    'work_order.held', 'ticket.held', 'work_order.resumed', 'ticket.resumed', 'ticket.commented',
    'ticket.commented', 'ticket.sla_warned', 'ticket.sla_breached', 'work_order.completed', 'ticket.resolved',
    'ticket.reopened', 'work_order.dispatched', 'ticket.dispatched', 'work_order.accepted', 'work_order.declined',
    'work_order.reassigned', 'work_order.cancelled', 'ticket.returned', 'ticket.replied', 'ticket.confirmed',
    'ticket.closed', 'ticket.auto_closed', 'ticket.cancelled'] FROM events e"
check "the internal note is internal, everything else public" "
  SELECT array_agg(e.seq ORDER BY e.seq) FILTER (WHERE e.visibility = 'internal')
         = (SELECT array_agg(id) FROM legacy_events WHERE details->>'internal' = 'true') FROM events e"
check "the history sent nothing: no outbox rows" "SELECT count(*) = 0 FROM webhook_outbox"
check "old inbox rows have their subject and no event" "
  SELECT array_agg(subject_type || ':' || (subject_id = coalesce(work_order_id, ticket_id))::text
                   || ':' || (event_seq IS NULL)::text ORDER BY type) = '{ticket:true:true,work_order:true:true}'
  FROM notifications"
check "old inbox rows can still be marked read" "
  WITH r AS (UPDATE notifications SET read_at = now() WHERE read_at IS NULL RETURNING 1) SELECT count(*) = 1 FROM r"
check "a new event numbers after the old ids" "
  SELECT pd_emit('10000000-0000-4000-8000-000000000001', 'work_order', '30000000-0000-4000-8000-0000000000e1',
                 'work_order.reassigned', NULL, 'system', NULL, NULL, '{}', 'public',
                 '[{\"to\": \"assignee\", \"type\": \"work_order.assigned\", \"title\": \"t\"}]') > 31"
check "… and writes its inbox row, naming it" "
  SELECT count(*) = 1 FROM notifications n
  WHERE n.event_seq = (SELECT max(seq) FROM events WHERE subject_type <> 'notification')
  AND n.user_id = '10000000-0000-4000-8000-0000000000a3' AND n.subject_type = 'work_order'
  AND n.ticket_id = '30000000-0000-4000-8000-0000000000d1' AND n.work_order_id = n.subject_id"
check "the inbox refuses a row that no event wrote" "
  DO \$\$ BEGIN
    INSERT INTO notifications (org_id, user_id, type, subject_type, subject_id, title)
    VALUES ('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000a3', 'x', 'ticket',
            '30000000-0000-4000-8000-0000000000d1', 'x');
    RAISE EXCEPTION 'inserted';
  EXCEPTION WHEN raise_exception THEN
    IF SQLERRM = 'inserted' THEN RAISE; END IF;
  END \$\$; SELECT true"
exit "$fail"
