#!/usr/bin/env bash
# 0022_complaints on a database that has data: the tickets' day counters become one table of
# counters per series (day_numbers). Migrates an empty database up to 0021, gives it 60 bench
# tickets and a counter for today already at 41, applies the rest, and checks that every
# counter moved with its value, that the tickets' series goes on from where it was and the
# complaints' starts at 1, and that nothing is stale.
#   tests/migrations/0022_complaints.sh BIN DATABASE_URL      (the database must be empty)
# shellcheck source=tests/migrations/lib.sh
source "$(dirname "$0")/lib.sh"
migrate_before 22

sql -v count=60 -c "SELECT setseed(0.22)" -f tests/bench/gen_tickets.sql >/dev/null
sql <<'SQL'
INSERT INTO ticket_numbers (org_id, day, last)
VALUES ('10000000-0000-4000-8000-000000000001', (now() AT TIME ZONE 'Asia/Shanghai')::date, 41)
ON CONFLICT (org_id, day) DO UPDATE SET last = 41;
CREATE TABLE legacy_numbers AS SELECT org_id, day, last FROM ticket_numbers;
SQL

migrate_rest

check "every day counter moved, as the tickets' series (BX)" "
  SELECT count(*) > 1 AND bool_and(d.series = 'BX' AND d.last = l.last)
  FROM legacy_numbers l JOIN day_numbers d USING (org_id, day)"
check "no counter was lost or added" "SELECT (SELECT count(*) FROM day_numbers) = (SELECT count(*) FROM legacy_numbers)"
check "the tickets' numbers go on from today's counter" "
  SELECT pd_next_number('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000c1', 'BX')
         = 'BX' || to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYYMMDD') || '-0042'"
check "the complaints' series starts at 1 the same day" "
  SELECT pd_next_number('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000c1', 'TS')
         = 'TS' || to_char((now() AT TIME ZONE 'Asia/Shanghai')::date, 'YYYYMMDD') || '-0001'"
check "nothing is stale" "SELECT NOT EXISTS (SELECT 1 FROM pd_stale_docs())"
check "the old table is gone" "SELECT to_regclass('ticket_numbers') IS NULL"
exit "$fail"
