#!/usr/bin/env bash
# 0017_clocks on a database that has data: migrates an empty database up to 0016, gives it
# tickets whose SLA clocks are in the old ticket columns (running, warned, breached, met,
# met late, on hold with earlier holds, resolved), renders them (pd_ticket_json), applies
# the rest, and checks that each ticket has its three clocks with the old values, that the
# rendering is what it was, that the replaced columns are gone, and that the
# sweep's indexes see exactly the clocks the old sweep would have.
#   tests/migrations/0017_clocks.sh BIN DATABASE_URL      (the database must be empty)
# shellcheck source=tests/migrations/lib.sh
source "$(dirname "$0")/lib.sh"
migrate_before 17

sql <<'SQL'
\set org '''10000000-0000-4000-8000-000000000001'''
\set c1 '''10000000-0000-4000-8000-0000000000c1'''
\set owner '''10000000-0000-4000-8000-0000000000b1'''
-- what src/tickets.c, src/timeline.c, src/work_orders.c and src/jobs.c wrote
INSERT INTO tickets (org_id, id, number, community_id, kind, category, department, priority, description,
                     channel, reporter_id, created_by, status, created_at, resolved_at,
                     contact_due, contact_met_at, contact_breached, arrival_due, arrival_met_at, arrival_breached,
                     resolve_due, resolve_met_at, resolve_breached, sla_contact_minutes, sla_arrival_minutes,
                     sla_resolve_minutes, sla_business_hours, sla_warned, pauses)
SELECT :org, ('30000000-0000-4000-8000-0000000000' || x.n)::uuid, 'BX20260101-00' || x.n, :c1, 'repair', 'leak',
       'engineering', x.p, '厨房漏水', 'app', :owner, :owner, x.st, now() - interval '3 hours', x.res::timestamptz,
       x.cd::timestamptz, x.cm::timestamptz, x.cb, x.ad::timestamptz, x.am::timestamptz, x.ab,
       x.rd::timestamptz, x.rm::timestamptz, x.rb, 30, x.am_min, 1440, x.bh, x.warned::text[], x.pauses::jsonb
FROM (VALUES
  -- running, contact warned
  ('d1', 'P3', 'submitted', NULL, (now() + interval '5 minutes')::text, NULL, false, (now() + interval '1 day')::text, NULL,
   false, (now() + interval '3 days')::text, NULL, false, 570, true, '{contact}', '[]'),
  -- contact breached, arrival met late, still in progress
  ('d2', 'P1', 'in_progress', NULL, (now() - interval '2 hours')::text, NULL, true, (now() - interval '1 hour')::text,
   (now() - interval '30 minutes')::text, true, (now() + interval '1 hour')::text, NULL, false, 30, false,
   '{contact,arrival,resolution}', '[]'),
  -- on hold now after an earlier hold: the unmet clocks paused, contact met
  ('d3', 'P2', 'on_hold', NULL, (now() - interval '2 hours')::text, (now() - interval '170 minutes')::text, false,
   NULL, NULL, false, NULL, NULL, false, 120, true, '{}',
   jsonb_build_array(jsonb_build_array(extract(epoch FROM now() - interval '2 hours')::bigint,
                                       extract(epoch FROM now() - interval '1 hour')::bigint),
                     jsonb_build_array(extract(epoch FROM now() - interval '10 minutes')::bigint, NULL))::text),
  -- resolved, arrival never met: no longer swept
  ('d4', 'P3', 'resolved', now()::text, (now() - interval '2 hours')::text, (now() - interval '170 minutes')::text, false,
   (now() - interval '1 hour')::text, NULL, false, (now() + interval '1 day')::text, now()::text, false, 570, true, '{}', '[]')
) AS x (n, p, st, res, cd, cm, cb, ad, am, ab, rd, rm, rb, am_min, bh, warned, pauses);
CREATE TABLE legacy_json AS SELECT t.id, pd_ticket_json(t, NULL)::text AS j FROM tickets t;
SQL

migrate_rest

check "each ticket has its three clocks" "
  SELECT count(*) = 12 AND bool_and(k.subject_type = 'ticket') FROM clocks k JOIN tickets t ON t.id = k.subject_id"
# (since 0021 a ticket is assembled from its stored parts and its reporter)
check "the rendering is what it was" "
  SELECT count(*) = 4 AND bool_and(l.j::jsonb = t.doc::jsonb || t.sla_doc::jsonb || jsonb_build_object('reporter',
         jsonb_build_object('id', t.reporter_id, 'name', t.reporter_name, 'phone', t.reporter_phone)))
  FROM legacy_json l JOIN tickets t ON t.id = l.id"
check "targets, calendars and warnings moved" "
  SELECT array_agg(k.name || ':' || k.target_minutes || ':' || k.calendar || ':' || k.warned ORDER BY k.name)
         = '{arrival:30:always:true,contact:30:always:true,resolution:1440:always:true}'
  FROM clocks k WHERE k.subject_id = '30000000-0000-4000-8000-0000000000d2'"
check "on hold: the unmet clocks paused since the open hold, the finished hold kept" "
  SELECT bool_and((k.paused_since IS NOT NULL) = (k.name <> 'contact')
                  AND jsonb_array_length(k.pauses) = 1 AND (k.due IS NULL) = (k.name <> 'contact'))
  FROM clocks k WHERE k.subject_id = '30000000-0000-4000-8000-0000000000d3'"
check "the sweep sees what the old sweep saw: running clocks of open tickets" "
  SELECT array_agg(right(k.subject_id::text, 2) || ':' || k.name ORDER BY k.subject_id, k.name)
         = '{d1:arrival,d1:contact,d1:resolution,d2:resolution}'
  FROM clocks k WHERE k.met_at IS NULL AND NOT k.breached AND k.stopped_at IS NULL AND k.due IS NOT NULL"
check "the replaced ticket columns are gone" "
  SELECT count(*) = 0 FROM information_schema.columns WHERE table_name = 'tickets'
  AND column_name IN ('contact_due', 'arrival_met_at', 'resolve_breached', 'sla_contact_minutes', 'sla_warned', 'pauses')"
exit "$fail"
