/* SQL for work orders. Each row holds its wire form in doc (pd_work_order_json, kept by a
 * trigger: migration 0021). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"
#include "rows.h"
#include "timeline.h"
#include "work_orders.h"

#define OPEN_STATES "('dispatched', 'accepted', 'in_progress', 'on_hold')"

/* Work orders in the caller's scope (api_scope_params): $1 org, $2 communities; an owner's
 * scope ($3 units not NULL) reaches none, where a statement takes it. */
#define WO_IN_COMMUNITIES "w.community_id = ANY ($2)"
#define WO_VISIBLE "w.org_id = $1 AND ($2::uuid[] IS NULL OR " WO_IN_COMMUNITIES ")"
/* ($3 ids, $4 a technician: only their own orders and their department's) */
DB_STMT(versions_of, "SELECT w.id, w.version FROM work_orders w WHERE " WO_VISIBLE " AND w.id = ANY ($3::uuid[]) "
    "AND ($4::uuid IS NULL OR w.assignee_id = $4 "
    "  OR w.department = (SELECT u.department FROM users u WHERE u.org_id = w.org_id AND u.id = $4))");
/* What a list item's allowed_actions depend on: columns 3..5 of a list row (order_item). */
#define ORDER_FACTS_OF(T) T ".status, " T ".assignee_id, " T ".mode"
#define ORDER_FACTS ORDER_FACTS_OF("w")
/* lock: $1 org, $2 communities, $3 id. load: the scope ($1..$4, $4 self: caller_in_department),
 * $5 id. */
DB_STMT(lock_order, "SELECT 1 FROM work_orders w WHERE " WO_VISIBLE " AND w.id = $3 FOR UPDATE");
/* Its ticket, locked before the order: every path locks a ticket before its orders (a ticket
 * action reaches them through its clocks' trigger, 0021), so that two never wait on each
 * other. */
DB_STMT(lock_order_ticket,
    "SELECT 1 FROM tickets t WHERE t.org_id = $1 "
    "AND t.id = (SELECT w.ticket_id FROM work_orders w WHERE " WO_VISIBLE " AND w.id = $3) FOR UPDATE");
DB_STMT(load_order,
    "SELECT w.doc, w.ticket_id, w.status, w.community_id, w.department, w.assignee_id, "
    "  w.mode, w.version, EXISTS (SELECT 1 FROM users u WHERE u.org_id = w.org_id AND u.id = $4::uuid "
    "                             AND u.department = w.department) "
    "FROM work_orders w WHERE " WO_VISIBLE " AND $3::uuid[] IS NULL AND w.id = $5");
DB_STMT(check_assignee,
    "SELECT 1 FROM users u JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id "
    "  AND g.role IN ('technician', 'supervisor') AND (g.community_id IS NULL OR g.community_id = $2) "
    "WHERE u.org_id = $1 AND u.id = $4 AND u.department = $3 AND u.kind = 'staff' AND u.status = 'active'");
DB_STMT(pick_technician,
    "SELECT u.id FROM users u "
    "WHERE u.org_id = $1 AND u.department = $3 AND u.kind = 'staff' AND u.status = 'active' AND u.on_duty "
    "  AND EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = u.org_id AND g.user_id = u.id "
    "              AND g.role = 'technician' AND (g.community_id IS NULL OR g.community_id = $2)) "
    "  AND (SELECT count(*) FROM work_orders w WHERE w.org_id = u.org_id AND w.assignee_id = u.id "
    "       AND w.status IN " OPEN_STATES ") < "
    "      (SELECT coalesce(max(s.technician_open_cap), 8) FROM ticket_settings s WHERE s.org_id = $1) "
    "ORDER BY (SELECT count(*) FROM work_orders w WHERE w.org_id = u.org_id AND w.assignee_id = u.id "
    "          AND w.status IN " OPEN_STATES "), u.created_at, u.id "
    "LIMIT 1 FOR UPDATE OF u");
DB_STMT(insert_order,
    "INSERT INTO work_orders (org_id, ticket_id, community_id, department, mode, assignee_id, priority, note, dispatched_by) "
    "SELECT t.org_id, t.id, t.community_id, $3, $4, $5, t.priority, $6, $7 FROM tickets t "
    "WHERE t.org_id = $1 AND t.id = $2 RETURNING id");
/* A transition (rows_transition): $1 org, $2 id, $3 from, $4 to, $5 version, $6 action, $7 assignee
 * (accept: the caller; reassign: the new one), $8 reason, $9 completion. */
DB_STMT(transition_order,
    "UPDATE work_orders w SET status = $4, "
    "  assignee_id = CASE $6 WHEN 'accept' THEN coalesce(w.assignee_id, $7::uuid) WHEN 'reassign' THEN $7::uuid "
    "                WHEN 'decline' THEN CASE WHEN $4 = 'dispatched' THEN NULL ELSE w.assignee_id END "
    "                ELSE w.assignee_id END, "
    "  accepted_at = CASE $6 WHEN 'accept' THEN now() WHEN 'reassign' THEN NULL WHEN 'decline' THEN NULL ELSE w.accepted_at END, "
    "  started_at = CASE WHEN $6 = 'start' THEN coalesce(w.started_at, now()) ELSE w.started_at END, "
    "  completed_at = CASE WHEN $6 = 'complete' THEN now() ELSE w.completed_at END, "
    "  hold_reason = CASE WHEN $6 = 'hold' THEN $8 ELSE w.hold_reason END, "
    "  decline_reason = CASE WHEN $6 = 'decline' THEN $8 ELSE w.decline_reason END, "
    "  cancel_reason = CASE WHEN $6 = 'cancel' THEN $8 ELSE w.cancel_reason END, "
    "  notes = CASE WHEN $6 = 'complete' THEN $9::jsonb->>'notes' ELSE w.notes END, "
    "  labor_minutes = CASE WHEN $6 = 'complete' THEN ($9::jsonb->>'labor_minutes')::int ELSE w.labor_minutes END, "
    "  materials = CASE WHEN $6 = 'complete' THEN coalesce($9::jsonb->'materials', '[]') ELSE w.materials END, "
    "  fee = CASE WHEN $6 = 'complete' THEN ($9::jsonb->>'fee')::numeric ELSE w.fee END, "
    "  before_photo_ids = CASE WHEN $6 = 'complete' AND $9::jsonb ? 'before_photo_ids' "
    "      THEN ARRAY(SELECT jsonb_array_elements_text($9::jsonb->'before_photo_ids'))::uuid[] ELSE w.before_photo_ids END, "
    "  after_photo_ids = CASE WHEN $6 = 'complete' AND $9::jsonb ? 'after_photo_ids' "
    "      THEN ARRAY(SELECT jsonb_array_elements_text($9::jsonb->'after_photo_ids'))::uuid[] ELSE w.after_photo_ids END, "
    "  version = w.version + 1, updated_at = now() "
    "WHERE w.org_id = $1 AND w.id = $2 AND w.status = $3 AND ($5::bigint IS NULL OR w.version = $5) "
    "  AND ($6 <> 'accept' OR w.assignee_id IS NULL OR w.assignee_id = $7::uuid) RETURNING w.version");
DB_STMT(order_state, "SELECT status, version FROM work_orders WHERE org_id = $1 AND id = $2");
/* The list of every order in scope (view=all): $1 org, $2 communities. */
static const struct list_filter order_filters[] = {
    { "status", LIST_ENUM, "work_order_status", 0, "w.status = $v" },
    { "department", LIST_ENUM, "department", 0, "w.department = $v" },
    { "assignee_id", LIST_UUID, NULL, 0, "w.assignee_id = $v" },
    { "overdue", LIST_FLAG, NULL, 0,
      "EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = w.org_id AND k.subject_type = 'ticket' "
      "AND k.subject_id = w.ticket_id AND k.breached)" },
};

const struct list_spec work_order_list_spec = {
    .name = "work_orders",
    .select = "SELECT w.doc, (extract(epoch FROM w.created_at) * 1000000)::bigint, w.id, " ORDER_FACTS " "
              "FROM work_orders w WHERE w.org_id = $1",
    .n_base = 2,
    .scopes = (const struct list_scope[]){ { 2, "uuid[]", WO_IN_COMMUNITIES } },
    .n_scopes = 1,
    .keyset = "(w.created_at, w.id)",
    .order = "w.created_at DESC, w.id DESC",
    .filters = order_filters,
    .n_filters = sizeof order_filters / sizeof order_filters[0],
};
/* mine and queue, in list rows without a cursor, by priority then the ticket's resolution
 * due time (w.resolve_due, kept from the clock: 0021), each read in the order of an index of
 * its own: the scope ($1..$4, $4 self: the technician), then mine: $5 limit (the open
 * ones) or $5 status, $6 limit; queue: $5 limit. */
#define ORDERS_BY_DUE(WHERE) \
    "SELECT w.doc, 0, w.id, " ORDER_FACTS " FROM work_orders w " \
    "WHERE " WO_VISIBLE " AND $3::uuid[] IS NULL AND " WHERE " " \
    "ORDER BY w.priority, w.resolve_due, w.id LIMIT "
DB_STMT(list_my_open_orders,
    ORDERS_BY_DUE("w.assignee_id = $4::uuid AND w.status IN " OPEN_STATES) "$5");
DB_STMT(list_my_orders_in,
    ORDERS_BY_DUE("w.assignee_id = $4::uuid AND w.status = $5") "$6");
#define QUEUED "w.assignee_id IS NULL AND w.status = 'dispatched' " \
    "AND w.department = (SELECT u.department FROM users u WHERE u.org_id = $1 AND u.id = $4::uuid)"
/* The queue of a technician of the whole org (no $2)... */
DB_STMT(list_queue, ORDERS_BY_DUE(QUEUED) "$5");
/* ...and of one with communities: each community's first page by its own index (a read of at
 * most a page per community, however long the other communities' queues), then merged. Only
 * the keys are read per community (an index-only scan of work_orders_queue_by_community);
 * the documents, for the merged page alone. */
DB_STMT(list_queue_in_communities,
    "SELECT o.doc, 0, o.id, " ORDER_FACTS_OF("o") " "
    "FROM (SELECT q.id, q.priority, q.resolve_due FROM (SELECT DISTINCT unnest($2::uuid[])) AS c (id) "
    "  CROSS JOIN LATERAL (SELECT w.id, w.priority, w.resolve_due FROM work_orders w "
    "    WHERE w.org_id = $1 AND w.community_id = c.id AND " QUEUED " "
    "    ORDER BY w.priority, w.resolve_due, w.id LIMIT $5) q "
    "  WHERE $3::uuid[] IS NULL "
    "  ORDER BY q.priority, q.resolve_due, q.id LIMIT $5) k "
    "JOIN work_orders o ON o.org_id = $1 AND o.id = k.id "
    "ORDER BY k.priority, k.resolve_due, k.id");

void wo_row_free(struct wo_row *w)
{
    json_decref(w->j);
    w->j = NULL;
}


enum pd_err work_order_load(struct db_conn *db, const char *const scope[4], const char *id, bool lock,
                            struct wo_row *out)
{
    const char *lp[] = { scope[0], scope[1], id };
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], id };
    PGresult *r;
    enum pd_err err;
    memset(out, 0, sizeof *out);
    if (lock && ((err = rows_exist(db, &lock_order_ticket, 3, lp)) != PD_OK ||
                 (err = rows_exist(db, &lock_order, 3, lp)) != PD_OK))
        return err;
    if ((err = rows_exec_row(db, &load_order, 5, p, &r)) != PD_OK)
        return err;
    out->j = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    rows_copy(out->id, sizeof out->id, id);
    rows_copy(out->ticket_id, sizeof out->ticket_id, PQgetvalue(r, 0, 1));
    rows_copy(out->status, sizeof out->status, PQgetvalue(r, 0, 2));
    rows_copy(out->community_id, sizeof out->community_id, PQgetvalue(r, 0, 3));
    rows_copy(out->department, sizeof out->department, PQgetvalue(r, 0, 4));
    rows_copy(out->assignee_id, sizeof out->assignee_id, db_value(r, 0, 5));
    rows_copy(out->mode, sizeof out->mode, PQgetvalue(r, 0, 6));
    out->version = atoll(PQgetvalue(r, 0, 7));
    out->caller_in_department = PQgetvalue(r, 0, 8)[0] == 't';
    PQclear(r);
    return out->j != NULL ? PD_OK : PD_ERR_NOMEM;
}

/* PD_ERR_INVALID (naming assignee_id) unless the user may take the department's work in the
 * community. */
static enum pd_err assignee_ok(struct db_conn *db, const char *org, const char *community,
                               const char *department, const char *assignee, struct pd_error *e)
{
    const char *p[] = { org, community, department, assignee };
    enum pd_err err = rows_exist(db, &check_assignee, 4, p);
    if (err == PD_ERR_NOT_FOUND) {
        *e = (struct pd_error){ PD_ERR_INVALID, "assignee_id",
                                "must be an active technician of the department serving the community" };
        return PD_ERR_INVALID;
    }
    return err;
}

enum pd_err work_order_dispatch(struct db_conn *db, const char *org, const struct ticket_row *t,
                                const struct dispatch_in *in, const char *actor, const char *actor_role,
                                char id_out[37], struct pd_error *e)
{
    PGresult *r;
    enum pd_err err;
    char assignee[37] = "";
    *e = (struct pd_error){ 0 };
    if (strcmp(in->mode, "assign") == 0) {
        if ((err = assignee_ok(db, org, t->community_id, in->department, in->assignee_id, e)) != PD_OK)
            return err;
        rows_copy(assignee, sizeof assignee, in->assignee_id);
    } else if (strcmp(in->mode, "auto") == 0) {
        const char *p[] = { org, t->community_id, in->department };
        if ((err = db_exec(db, &pick_technician, 3, p, &r)) != PD_OK)
            return err;
        if (PQntuples(r) == 0) {
            PQclear(r);
            *e = (struct pd_error){ PD_ERR_CONFLICT, "mode", "No on-duty technician of that department is free." };
            return PD_ERR_CONFLICT;
        }
        rows_copy(assignee, sizeof assignee, PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    const char *ip[] = { org, t->id, in->department, in->mode, assignee[0] ? assignee : NULL, in->note, actor };
    if ((err = db_exec(db, &insert_order, 7, ip, &r)) != PD_OK)
        return err;
    rows_copy(id_out, 37, PQgetvalue(r, 0, 0));
    PQclear(r);

    json_t *j = json_pack("{s:s, s:s, s:o}", "mode", in->mode, "department", in->department,
                          "assignee_id", assignee[0] ? json_string(assignee) : json_null());
    char *details = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    /* the assignee hears of it, or else the department's queue; and the owners */
    struct event_notice notices[] = {
        assignee[0] ? (struct event_notice){ TO_ASSIGNEE, "work_order.assigned", "新工单已派给您", in->note }
                    : (struct event_notice){ TO_DEPARTMENT, "work_order.queued", "部门有新工单待抢", in->note },
        { TO_OWNERS, "ticket.dispatched", "您的报事已派工", "已安排维修人员处理" },
    };
    err = event_emit(db, &(struct event){ .org = org, .subject_type = "work_order", .subject_id = id_out,
                                          .type = "work_order.dispatched", .actor_id = actor,
                                          .actor_role = actor_role, .to_status = "dispatched",
                                          .details = details, .notices = notices, .n_notices = 2 });
    free(details);
    if (err == PD_OK)
        err = ticket_contacted(db, org, t->id);
    if (err == PD_OK)
        err = ticket_follow_orders(db, org, t->id, actor, actor_role);
    return err;
}

enum pd_err work_order_transition(struct db_conn *db, const char *org, const struct wo_row *w,
                                  enum wo_action a, const char *next, const struct wo_change *in,
                                  const char *actor, const char *actor_role, struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    enum pd_err err;
    if (a == WA_REASSIGN &&
        (err = assignee_ok(db, org, w->community_id, w->department, in->assignee_id, e)) != PD_OK)
        return err;
    const char *assignee = a == WA_REASSIGN ? in->assignee_id : actor;
    char v[24], state[24];
    const char *p[] = { org, w->id, w->status, next, rows_version_param(w->version, v), wo_action_name(a),
                        assignee, in->reason, in->completion ? in->completion : "{}" };
    const struct rows_transition tr = { &transition_order, &order_state };
    if ((err = rows_transition(db, &tr, 9, p, NULL, state)) != PD_OK)
        return err;

    json_t *j = json_object();
    if (in->reason)
        json_object_set_new(j, "reason", json_string(in->reason));
    if (a == WA_REASSIGN)
        json_object_set_new(j, "assignee_id", json_string(in->assignee_id));
    char *details = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    /* a reassignment reaches the new assignee; a declined order goes back to the queue it
     * came from, or to the supervisors for another dispatch */
    struct event_notice notice = { TO_ASSIGNEE, "work_order.assigned", "工单已改派给您", in->reason };
    if (a == WA_DECLINE)  /* back to the queue when it leads to "dispatched" */
        notice = strcmp(next, "dispatched") == 0 ? (struct event_notice){ TO_DEPARTMENT, "work_order.queued", "部门有新工单待抢", in->reason }
                            : (struct event_notice){ TO_SUPERVISORS, "work_order.declined", "工单被拒，需要重新派工",
                                                     in->reason };
    err = event_emit(db, &(struct event){ .org = org, .subject_type = "work_order", .subject_id = w->id,
                                          .type = wo_action_events[a], .actor_id = actor,
                                          .actor_role = actor_role, .from_status = w->status,
                                          .to_status = next, .details = details, .notices = &notice,
                                          .n_notices = a == WA_REASSIGN || a == WA_DECLINE });
    free(details);
    if (err == PD_OK && a == WA_START)
        err = ticket_arrived(db, org, w->ticket_id);
    if (err == PD_OK)
        err = ticket_follow_orders(db, org, w->ticket_id, actor, actor_role);
    return err;
}

struct order_items {
    wo_actions_fn actions;
    const void *ctx;
    bool queue;
};

/* A list row as its item: doc with the caller's allowed_actions (ORDER_FACTS). */
static void order_item(struct jtext *b, PGresult *r, int row, const void *ctx)
{
    const struct order_items *x = ctx;
    struct wo_row w = { .caller_in_department = x->queue };
    rows_copy(w.status, sizeof w.status, PQgetvalue(r, row, 3));
    rows_copy(w.assignee_id, sizeof w.assignee_id, db_value(r, row, 4));
    rows_copy(w.mode, sizeof w.mode, PQgetvalue(r, row, 5));
    char *actions = x->actions(&w, x->ctx);
    if (actions == NULL)
        b->oom = true;
    else
        rows_item_actions(b, r, row, actions);
    free(actions);
}

bool work_order_list_read(const char *const scope[4], const struct wo_filter *f, const struct page *pg,
                          struct db_read *out)
{
    if (f->view == WO_VIEW_ALL)
        return list_read(&work_order_list_spec, scope, f->values, pg, out);
    bool queue = f->view == WO_VIEW_QUEUE;
    bool in_status = !queue && f->status != NULL;  /* the queue is of dispatched orders */
    out->st = queue ? (scope[1] != NULL ? &list_queue_in_communities : &list_queue)
                    : in_status ? &list_my_orders_in : &list_my_open_orders;
    out->n = in_status ? 6 : 5;
    snprintf(out->limit, sizeof out->limit, "%d", pg->limit % 1000);
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], in_status ? f->status : out->limit, out->limit };
    memcpy(out->p, p, sizeof p);
    return true;
}

enum pd_err work_order_page(PGresult *r, int limit, bool queue, wo_actions_fn actions, const void *ctx, char **out)
{
    struct order_items x = { actions, ctx, queue };
    return rows_page(r, limit, order_item, &x, out);
}

enum pd_err work_order_versions(struct db_conn *db, const char *const scope[4], const char *technician,
                                const char *ids, json_t **out)
{
    const char *p[] = { scope[0], scope[1], ids, technician };
    return rows_versions(db, &versions_of, 4, p, out);
}
