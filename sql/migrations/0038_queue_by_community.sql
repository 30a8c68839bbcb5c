-- A technician's queue, read a page per community (src/work_orders.c, list_queue_in_communities):
-- each community's unassigned dispatched orders of a department in the queue's order. The
-- department-led index (0021) stays for technicians of the whole org.
CREATE INDEX work_orders_queue_by_community ON work_orders (org_id, community_id, department, priority, resolve_due, id)
    WHERE assignee_id IS NULL AND status = 'dispatched';
