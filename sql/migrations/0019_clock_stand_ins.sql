-- The work-order lists read the clocks themselves now: the transitional computed fields of
-- 0017 (t.contact_breached, …, t.resolve_due) go.
DROP FUNCTION contact_breached(tickets);
DROP FUNCTION arrival_breached(tickets);
DROP FUNCTION resolve_breached(tickets);
DROP FUNCTION resolve_due(tickets);
