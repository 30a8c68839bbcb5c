#!/usr/bin/env bash
# 0021_stored_docs on a database that has data: migrates an empty database up to 0020, gives
# it 400 bench tickets in every state (tests/bench/gen_tickets.sql: clocks met, breached and
# paused, work orders, units) and inbox rows, renders them as the code before 0021 did
# (pd_ticket_json with each unit's number, the work orders aggregated, the inbox's
# json_build_object), applies the rest, and checks that each object assembled from its
# stored parts is what it was, that nothing is stale (pd_stale_docs), and that the triggers
# keep the parts current through writes of every kind: a clock breached, a work order
# started, a resolution due time moved, a unit renumbered, a notification read, a ticket
# changed.
#   tests/migrations/0021_stored_docs.sh BIN DATABASE_URL      (the database must be empty)
# shellcheck source=tests/migrations/lib.sh
source "$(dirname "$0")/lib.sh"
migrate_before 21

sql -v count=400 -c "SELECT setseed(0.21)" -f tests/bench/gen_tickets.sql >/dev/null  # the same data each run
sql <<'SQL'
\set org '''10000000-0000-4000-8000-000000000001'''
\set owner '''10000000-0000-4000-8000-0000000000b1'''
INSERT INTO events (org_id, subject_type, subject_id, type, actor_role, visibility)
SELECT :org, 'ticket', t.id, 'ticket.replied', 'agent', 'public' FROM tickets t ORDER BY t.id LIMIT 3;
INSERT INTO notifications (org_id, user_id, type, ticket_id, title, body, subject_type, subject_id, event_seq, read_at)
SELECT :org, :owner, 'ticket.replied', e.subject_id, '物业回复了您的报事', '请"查看"\n回复', 'ticket', e.subject_id, e.seq,
       CASE WHEN e.seq % 2 = 0 THEN now() END
FROM events e WHERE e.type = 'ticket.replied';
CREATE TABLE legacy_ticket AS
SELECT t.id, (pd_ticket_json(t, u.number, true)::jsonb
              || jsonb_build_object('work_orders', coalesce((SELECT json_agg(pd_work_order_json(w) ORDER BY w.created_at)
                                                             FROM work_orders w WHERE w.org_id = t.org_id AND w.ticket_id = t.id), '[]')::jsonb)) AS j
FROM tickets t LEFT JOIN units u ON u.org_id = t.org_id AND u.id = t.unit_id;
CREATE TABLE legacy_inbox AS
SELECT n.id, json_build_object('id', n.id, 'type', n.type, 'ticket_id', n.ticket_id, 'work_order_id', n.work_order_id,
    'subject_type', n.subject_type, 'subject_id', n.subject_id, 'event_id', n.event_seq, 'title', n.title,
    'body', n.body, 'read_at', pd_ts(n.read_at), 'created_at', pd_ts(n.created_at))::text AS j
FROM notifications n;
SQL

migrate_rest

assembled="t.doc::jsonb || t.sla_doc::jsonb || jsonb_build_object('work_orders', t.orders_doc::jsonb,
    'reporter', jsonb_build_object('id', t.reporter_id, 'name', t.reporter_name, 'phone', t.reporter_phone))"
check "every ticket, assembled from its stored parts, is what it was" "
  SELECT count(*) = 400 AND bool_and(l.j = $assembled) FROM legacy_ticket l JOIN tickets t ON t.id = l.id"
check "the data covers open and finished tickets, clocks met and breached, work orders" "
  SELECT count(DISTINCT t.status) >= 4 AND bool_or(t.sla_doc LIKE '%\"state\" : \"breached\"%')
         AND bool_or(t.sla_doc LIKE '%\"state\" : \"met\"%') AND bool_or(t.work_started)
         AND bool_or(t.orders_doc <> '[]') FROM tickets t"
check "every inbox row is byte for byte what it was" "
  SELECT count(*) = (SELECT count(*) FROM notifications) AND count(*) >= 3 AND bool_and(n.doc = l.j)
  FROM legacy_inbox l JOIN notifications n ON n.id = l.id"
check "nothing is stale" "SELECT NOT EXISTS (SELECT 1 FROM pd_stale_docs())"
check "the stored parts are required" "
  SELECT count(*) = 5 FROM information_schema.columns WHERE is_nullable = 'NO'
  AND (table_name, column_name) IN (('tickets', 'doc'), ('tickets', 'sla_doc'), ('tickets', 'orders_doc'),
                                    ('work_orders', 'doc'), ('notifications', 'doc'))"

# writes of every kind, then nothing may be stale and each change must show
sql <<'SQL'
CREATE TABLE probe AS
SELECT (SELECT k.subject_id FROM clocks k WHERE k.subject_type = 'ticket' AND k.name = 'resolution'
        AND NOT k.breached AND NOT EXISTS (SELECT 1 FROM clocks o WHERE o.subject_id = k.subject_id AND o.breached)
        ORDER BY k.subject_id LIMIT 1) AS breach,
       (SELECT w.id FROM work_orders w WHERE w.status IN ('completed', 'declined') ORDER BY w.id LIMIT 1) AS start,
       (SELECT t.unit_id FROM tickets t WHERE t.unit_id IS NOT NULL ORDER BY t.id LIMIT 1) AS unit,
       (SELECT n.id FROM notifications n WHERE n.read_at IS NULL LIMIT 1) AS inbox,
       (SELECT t.id FROM tickets t ORDER BY t.id LIMIT 1) AS ticket;
UPDATE clocks SET breached = true WHERE subject_id = (SELECT breach FROM probe) AND name = 'resolution';
UPDATE work_orders SET status = 'in_progress', completed_at = NULL, version = version + 1 WHERE id = (SELECT start FROM probe);
UPDATE units SET number = number || '-B' WHERE id = (SELECT unit FROM probe);
CREATE TABLE order_before AS SELECT w.id, w.doc FROM work_orders w
WHERE w.ticket_id = (SELECT ticket_id FROM work_orders WHERE id = (SELECT start FROM probe));
UPDATE clocks SET due = due + interval '1 day' WHERE name = 'resolution'
  AND subject_id = (SELECT ticket_id FROM work_orders WHERE id = (SELECT start FROM probe));
UPDATE notifications SET read_at = now() WHERE id = (SELECT inbox FROM probe);
UPDATE tickets SET description = '改过的描述 "引号"', version = version + 1 WHERE id = (SELECT ticket FROM probe);
SQL
check "a breached clock shows on its ticket" "
  SELECT t.sla_doc::jsonb->'overdue' = 'true' AND t.sla_doc::jsonb#>>'{sla,resolution,breached}' = 'true'
  FROM tickets t WHERE t.id = (SELECT breach FROM probe)"
check "a started work order shows on its ticket" "
  SELECT t.work_started AND t.orders_doc::jsonb @> jsonb_build_array(jsonb_build_object('id', w.id, 'status', 'in_progress'))
         AND w.assignee_id = ANY (t.assignee_ids)
  FROM work_orders w JOIN tickets t ON t.id = w.ticket_id WHERE w.id = (SELECT start FROM probe)"
check "a resolution due time moved: its work orders follow, their docs unchanged" "
  SELECT bool_and(w.resolve_due = k.due AND w.doc = b.doc) FROM order_before b JOIN work_orders w ON w.id = b.id
  JOIN clocks k ON k.subject_id = w.ticket_id AND k.name = 'resolution'"
check "a renumbered unit shows on its tickets" "
  SELECT bool_and(t.doc::jsonb->>'unit_number' = u.number) AND bool_and(u.number LIKE '%-B')
  FROM tickets t JOIN units u ON u.id = t.unit_id WHERE u.id = (SELECT unit FROM probe)"
check "a read notification shows read_at" "
  SELECT n.doc::jsonb->>'read_at' IS NOT NULL FROM notifications n WHERE n.id = (SELECT inbox FROM probe)"
check "a changed ticket shows its change" "
  SELECT t.doc::jsonb->>'description' = '改过的描述 \"引号\"' FROM tickets t WHERE t.id = (SELECT ticket FROM probe)"
check "still nothing is stale" "SELECT NOT EXISTS (SELECT 1 FROM pd_stale_docs())"
exit "$fail"
