/* SQL and orchestration for tickets. A ticket's wire form is assembled from its stored
 * documents (doc, sla_doc, orders_doc: migration 0021) and its reporter, whose phone depends
 * on the caller; nothing is rendered on read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calendar.h"
#include "clocks.h"
#include "crypto.h"
#include "events.h"
#include "rows.h"
#include "ticket_rules.h"
#include "tickets.h"
#include "timeline.h"

/* The caller's tickets, from the scope in $1 org, $2 communities, $3 units, $4 self
 * (api_scope_params; struct ticket_scope): the leading parameters of every statement here
 * that reads by scope. The list takes the same parts as list scopes. */
#define IN_COMMUNITIES "t.community_id = ANY ($2)"
/* (a ticket a complaint's department spawned is not its unit's residents': the complaint
 * may be a neighbour's, or anonymous) */
#define OF_UNITS "((t.unit_id = ANY ($3) AND t.complaint_id IS NULL) OR t.reporter_id = $4::uuid)"
#define VISIBLE "t.org_id = $1 AND ($2::uuid[] IS NULL OR " IN_COMMUNITIES ") " \
                "AND ($3::uuid[] IS NULL OR " OF_UNITS ")"
/* ($5 ids, $6 a technician: only tickets they work or worked on) */
DB_STMT(versions_of, "SELECT t.id, t.version FROM tickets t WHERE " VISIBLE " AND t.id = ANY ($5::uuid[]) "
    "AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM work_orders w WHERE w.org_id = t.org_id "
    "  AND w.ticket_id = t.id AND w.assignee_id = $6))");

/* Whether the caller sees the reporter's phone in full (REVEAL bool, WORKER uuid): see
 * struct ticket_scope; t.assignee_ids is kept by the work orders' trigger (0021). */
#define PII_REVEALED(REVEAL, WORKER) \
    "(" REVEAL "::bool OR coalesce(" WORKER "::uuid = ANY (t.assignee_ids), false))"

/* Where a ticket may be reported: $1 org, $2 communities, $3 units, then $4 the unit or
 * community id. */
DB_STMT(find_unit,
    "SELECT u.community_id, extract(epoch FROM now())::bigint FROM units u WHERE u.org_id = $1 AND u.id = $4 "
    "AND ($2::uuid[] IS NULL OR u.community_id = ANY ($2)) AND ($3::uuid[] IS NULL OR u.id = ANY ($3))");
DB_STMT(find_community,
    "SELECT c.id, extract(epoch FROM now())::bigint FROM communities c WHERE c.org_id = $1 AND c.id = $4 "
    "AND ($2::uuid[] IS NULL OR c.id = ANY ($2)) "
    "AND ($3::uuid[] IS NULL OR EXISTS (SELECT 1 FROM units u WHERE u.org_id = c.org_id "
    "     AND u.community_id = c.id AND u.id = ANY ($3)))");
DB_STMT(next_number, "SELECT pd_next_number($1, $2, 'BX')");
DB_STMT(insert_ticket,
    "INSERT INTO tickets (org_id, number, community_id, unit_id, location, kind, category, department, "
    "  priority, requested_priority, description, occurred_at, visit_from, visit_to, entry_permission, "
    "  paid_service, channel, reporter_id, reporter_name, reporter_phone, created_by, attachment_ids, id, "
    "  complaint_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
    "  $21, $22::uuid[], $23, $24)");
/* The columns a ticket is assembled from (ticket_compose), at fixed positions: 0 doc,
 * 1 a bigint (the list's cursor, the load's version), 2 id, 3 sla_doc, 4..6 the reporter's id,
 * name and phone as this caller sees it, 7 the complaint it was spawned for. */
#define TICKET_PARTS(SECOND, REVEAL, WORKER) \
    "t.doc, " SECOND ", t.id, t.sla_doc, t.reporter_id, t.reporter_name, " \
    "CASE WHEN " PII_REVEALED(REVEAL, WORKER) " THEN t.reporter_phone ELSE pd_mask_phone(t.reporter_phone) END, " \
    "t.complaint_id"
/* A visible ticket: the scope ($1..$4), $5 id; load also $6 reveal, $7 worker. */
DB_STMT(lock_ticket,
    "SELECT 1 FROM tickets t WHERE " VISIBLE " AND t.id = $5 FOR UPDATE");
DB_STMT(load_ticket,
    "SELECT " TICKET_PARTS("t.version", "$6", "$7") ", t.orders_doc, t.status, t.kind, t.community_id, "
    "  t.unit_id, t.work_started, "
    "  t.status = 'resolved' AND coalesce(pd_reopenable(t.org_id, t.resolved_at), false), t.id "
    "FROM tickets t WHERE " VISIBLE " AND t.id = $5");
/* The ticket list: base parameters the scope ($1 org, $2 communities, $3 units, $4 self),
 * $5 reveal, $6 worker (struct ticket_scope), then the filters present. */
static const struct list_filter ticket_filters[] = {
    { "status", LIST_ENUM, "ticket_status", 0, "t.status = $v" },
    { "kind", LIST_ENUM, "ticket_kind", 0, "t.kind = $v" },
    { "category", LIST_ENUM, "ticket_category", 0, "t.category = $v" },
    { "priority", LIST_ENUM, "ticket_priority", 0, "t.priority = $v" },
    { "community_id", LIST_UUID, NULL, 0, "t.community_id = $v" },
    { "building_id", LIST_UUID, NULL, 0,
      "t.unit_id IN (SELECT u.id FROM units u WHERE u.org_id = t.org_id AND u.building_id = $v)" },
    { "unit_id", LIST_UUID, NULL, 0, "t.unit_id = $v" },
    { "department", LIST_ENUM, "department", 0, "t.department = $v" },
    { "assignee_id", LIST_UUID, NULL, 0,
      "EXISTS (SELECT 1 FROM work_orders w WHERE w.org_id = t.org_id AND w.ticket_id = t.id "
      "AND w.assignee_id = $v AND w.status NOT IN ('declined', 'cancelled'))" },
    /* a substring, any case, of number, description or location: the tickets_text trigram
     * index serves it (the expression is the index's) */
    { "q", LIST_TEXT, NULL, 50,
      "(t.number || ' ' || t.description || ' ' || coalesce(t.location, '')) ILIKE "
      "'%' || replace(replace(replace($v, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'" },
    { "created_from", LIST_TIME, NULL, 0, "t.created_at >= $v" },
    { "created_to", LIST_TIME, NULL, 0, "t.created_at < $v" },
    { "overdue", LIST_FLAG, NULL, 0, 
      "EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = t.org_id AND k.subject_type = 'ticket' "
      "AND k.subject_id = t.id AND k.breached)" },
};

const struct list_spec ticket_list_spec = {
    .name = "tickets",
    .select = "SELECT " TICKET_PARTS("(extract(epoch FROM t.created_at) * 1000000)::bigint", "$5", "$6") " "
              "FROM tickets t WHERE t.org_id = $1",
    .n_base = 6,
    .scopes = (const struct list_scope[]){ { 2, "uuid[]", IN_COMMUNITIES }, { 3, "uuid[]", OF_UNITS } },
    .n_scopes = 2,
    .keyset = "(t.created_at, t.id)",
    .order = "t.created_at DESC, t.id DESC",
    .filters = ticket_filters,
    .n_filters = sizeof ticket_filters / sizeof ticket_filters[0],
};

DB_STMT(update_ticket,
    "UPDATE tickets t SET "
    "  description = coalesce($3::jsonb->>'description', t.description), "
    "  visit_from = CASE WHEN $3::jsonb ? 'visit_window' THEN ($3::jsonb->'visit_window'->>'from')::timestamptz ELSE t.visit_from END, "
    "  visit_to = CASE WHEN $3::jsonb ? 'visit_window' THEN ($3::jsonb->'visit_window'->>'to')::timestamptz ELSE t.visit_to END, "
    "  attachment_ids = CASE WHEN $3::jsonb ? 'attachment_ids' "
    "      THEN ARRAY(SELECT jsonb_array_elements_text($3::jsonb->'attachment_ids'))::uuid[] ELSE t.attachment_ids END, "
    "  kind = coalesce($3::jsonb->>'kind', t.kind), "
    "  category = coalesce($3::jsonb->>'category', t.category), "
    "  department = CASE WHEN $3::jsonb ? 'category' THEN pd_category_department($3::jsonb->>'category') ELSE t.department END, "
    "  priority = coalesce($3::jsonb->>'priority', t.priority), "
    "  version = t.version + 1, updated_at = now() "
    "WHERE t.org_id = $1 AND t.id = $2 "
    "RETURNING t.community_id, t.priority, t.category, extract(epoch FROM t.created_at)::bigint");
/* Transitions (rows_transition): $1 org, $2 id, $3 from, $4 to, $5 version, then their own. */
#define TICKET_GUARD "WHERE org_id = $1 AND id = $2 AND status = $3 AND ($5::bigint IS NULL OR version = $5) " \
                     "RETURNING version"
#define TICKET_MOVE "status = $4, version = version + 1, updated_at = now()"
DB_STMT(ticket_state, "SELECT status, version FROM tickets WHERE org_id = $1 AND id = $2");
DB_STMT(reply_ticket,
    "UPDATE tickets SET reply = $6, resolved_at = now(), " TICKET_MOVE " " TICKET_GUARD);
DB_STMT(cancel_ticket, "UPDATE tickets SET cancel_reason = $6, " TICKET_MOVE " " TICKET_GUARD);
DB_STMT(cancel_orders,
    "UPDATE work_orders SET status = 'cancelled', cancel_reason = $3, version = version + 1, updated_at = now() "
    "WHERE org_id = $1 AND ticket_id = $2 AND status IN ('dispatched', 'accepted', 'in_progress', 'on_hold')");
DB_STMT(confirm_ticket,
    "UPDATE tickets SET closed_at = now(), rating = $6, rating_comment = $7, " TICKET_MOVE " " TICKET_GUARD);
DB_STMT(reopen_ticket,
    "UPDATE tickets SET reopen_count = reopen_count + 1, resolved_at = NULL, closed_at = NULL, " TICKET_MOVE " "
    TICKET_GUARD);
DB_STMT(close_ticket, "UPDATE tickets SET closed_at = now(), " TICKET_MOVE " " TICKET_GUARD);
/* a closed ticket's callback, per policy (migration 0024) */
DB_STMT(ticket_callback, "SELECT pd_callback_from_ticket($1, $2)");
DB_STMT(insert_comment,
    "INSERT INTO ticket_comments (org_id, ticket_id, author_id, author_role, body, internal) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING json_build_object('id', id, 'ticket_id', ticket_id, "
    "'author_id', author_id, 'author_role', author_role, 'body', body, 'internal', internal, "
    "'created_at', pd_ts(created_at))");
DB_STMT(list_comments,
    "SELECT json_build_object('id', c.id, 'ticket_id', c.ticket_id, 'author_id', c.author_id, "
    "  'author_role', c.author_role, 'body', c.body, 'internal', c.internal, 'created_at', pd_ts(c.created_at)), "
    "  (extract(epoch FROM c.created_at) * 1000000)::bigint, c.id "
    "FROM ticket_comments c WHERE c.org_id = $1 AND c.ticket_id = $2 AND ($3::bool OR NOT c.internal) "
    "AND ($4::bigint IS NULL OR (c.created_at, c.id) < (timestamptz 'epoch' + $4 * interval '1 microsecond', $5::uuid)) "
    "ORDER BY c.created_at DESC, c.id DESC LIMIT $6");
/* The ticket's timeline: its own events and its work orders', from the spine. `type` keeps
 * the names the wire had before the spine (pd_ticket_timeline_type); `event_type` is the
 * canonical one. */
DB_STMT(list_events,
    "SELECT coalesce(json_agg(json_build_object('id', e.seq, 'type', pd_ticket_timeline_type(e.type), "
    "  'event_type', e.type, 'subject_type', e.subject_type, 'subject_id', e.subject_id, "
    "  'actor_id', e.actor_id, 'actor_role', e.actor_role, "
    "  'work_order_id', CASE WHEN e.subject_type = 'work_order' THEN e.subject_id END, "
    "  'from_status', e.from_status, 'to_status', e.to_status, 'details', e.details, "
    "  'visibility', e.visibility, 'created_at', pd_ts(e.created_at)) ORDER BY e.seq), '[]') "
    "FROM (SELECT * FROM events e WHERE e.org_id = $1 AND e.subject_type = 'ticket' AND e.subject_id = $2 "
    "      UNION ALL "
    "      SELECT e.* FROM work_orders w JOIN events e ON e.org_id = w.org_id "
    "        AND e.subject_type = 'work_order' AND e.subject_id = w.id "
    "      WHERE w.org_id = $1 AND w.ticket_id = $2) e "
    "WHERE $3::bool OR e.visibility = 'public'");

void ticket_row_free(struct ticket_row *t)
{
    json_decref(t->j);
    free(t->json);
    t->j = NULL;
    t->json = NULL;
}

/* Row's ticket without its closing brace: the reporter, the complaint it serves, then doc's
 * and sla_doc's members (the columns of TICKET_PARTS). */
static void ticket_compose(struct jtext *b, PGresult *r, int row)
{
    static const char *const reporter[] = { "id", "name", "phone" };
    jtext_put(b, "{\"reporter\":{");
    for (int i = 0; i < 3; i++) {
        jtext_key(b, reporter[i]);
        jtext_str(b, db_value(r, row, 4 + i));
    }
    jtext_put(b, "}");
    jtext_key(b, "complaint_id");
    jtext_str(b, db_value(r, row, 7));
    jtext_members(b, PQgetvalue(r, row, 0));
    jtext_members(b, PQgetvalue(r, row, 3));
}

void ticket_list_item(struct jtext *b, PGresult *r, int row, const void *ctx)
{
    (void)ctx;
    ticket_compose(b, r, row);
    jtext_put(b, "}");
}


void ticket_read(const struct ticket_scope *vis, const char *id, struct db_read *out)
{
    *out = (struct db_read){ .st = &load_ticket, .n = 7,
                             .p = { vis->scope[0], vis->scope[1], vis->scope[2], vis->scope[3], id,
                                    vis->reveal_pii ? "true" : "false", vis->worker } };
}

enum pd_err ticket_of(PGresult *r, bool parse, struct ticket_row *out)
{
    memset(out, 0, sizeof *out);
    if (PQntuples(r) == 0)
        return PD_ERR_NOT_FOUND;
    struct jtext b = { 0 };
    ticket_compose(&b, r, 0);
    jtext_key(&b, "work_orders");
    jtext_put(&b, PQgetvalue(r, 0, 8));
    jtext_put(&b, "}");
    out->json = jtext_take(&b);
    rows_copy(out->id, sizeof out->id, PQgetvalue(r, 0, 15));
    out->version = atoll(PQgetvalue(r, 0, 1));
    rows_copy(out->reporter_id, sizeof out->reporter_id, db_value(r, 0, 4));
    rows_copy(out->status, sizeof out->status, PQgetvalue(r, 0, 9));
    rows_copy(out->kind, sizeof out->kind, PQgetvalue(r, 0, 10));
    rows_copy(out->community_id, sizeof out->community_id, PQgetvalue(r, 0, 11));
    rows_copy(out->unit_id, sizeof out->unit_id, db_value(r, 0, 12));
    out->work_started = PQgetvalue(r, 0, 13)[0] == 't';
    out->in_reopen_window = PQgetvalue(r, 0, 14)[0] == 't';
    if (out->json != NULL && parse)
        out->j = json_loads(out->json, 0, NULL);
    if (out->json == NULL || (parse && out->j == NULL)) {
        ticket_row_free(out);
        return PD_ERR_NOMEM;
    }
    return PD_OK;
}

enum pd_err ticket_load(struct db_conn *db, const struct ticket_scope *vis, const char *id, bool lock,
                        bool parse, struct ticket_row *out)
{
    struct db_read rd;
    PGresult *r;
    enum pd_err err;
    ticket_read(vis, id, &rd);
    memset(out, 0, sizeof *out);
    if (lock && (err = rows_exist(db, &lock_ticket, 5, rd.p)) != PD_OK)
        return err;
    if ((err = db_exec_read(db, &rd, &r)) != PD_OK)
        return err;
    err = ticket_of(r, parse, out);
    PQclear(r);
    return err;
}

/* The ticket's three clocks (src/clocks.h), as named on the wire, and their targets. */
static const char *const clock_names[] = { "contact", "arrival", "resolution" };

static void clock_targets(const struct clock_minutes *m, int out[3])
{
    out[0] = m->contact;
    out[1] = m->arrival;
    out[2] = m->resolve;
}

/* Retargets the clocks from the current priority/category (policy then, not at creation). */
static enum pd_err retarget(struct db_conn *db, const char *org, const char *id, const char *community,
                            const char *priority, const char *category, time_t start)
{
    struct calendar *cal = malloc(sizeof *cal);
    struct sla_target target;
    struct clock_minutes m;
    if (cal == NULL)
        return PD_ERR_NOMEM;
    enum pd_err err = calendar_load(db, org, community, priority, category, start, cal, &target);
    if (err == PD_OK)
        clocks_minutes(cal, &target, start, &m);
    free(cal);
    const struct clock_subject s = { org, "ticket", id };
    int minutes[3];
    clock_targets(&m, minutes);
    for (int i = 0; i < 3 && err == PD_OK; i++)
        err = clock_retarget(db, &s, clock_names[i], minutes[i], m.business_hours);
    return err;
}

enum pd_err ticket_create(struct db_conn *db, const struct ticket_scope *vis, const struct ticket_in *in,
                          char id_out[37], struct pd_error *e)
{
    const char *org = vis->scope[0];
    PGresult *r;
    enum pd_err err;
    char community[37];
    *e = (struct pd_error){ 0 };

    /* where: a unit the caller may report for, or a common area of a community they serve
     * (staff) or live in (owners) */
    const char *wp[] = { org, vis->scope[1], vis->scope[2], in->unit_id ? in->unit_id : in->community_id };
    if ((err = db_exec(db, in->unit_id ? &find_unit : &find_community, 4, wp, &r)) != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        *e = in->unit_id ? (struct pd_error){ PD_ERR_NOT_FOUND, "unit_id", "No such unit within your reach." }
                         : (struct pd_error){ PD_ERR_NOT_FOUND, "community_id", "No such community within your reach." };
        return PD_ERR_NOT_FOUND;
    }
    rows_copy(community, sizeof community, PQgetvalue(r, 0, 0));
    time_t now = (time_t)atoll(PQgetvalue(r, 0, 1));  /* the transaction's now(): created_at */
    PQclear(r);

    struct calendar cal;
    struct sla_target target;
    struct clock_minutes m;
    if ((err = calendar_load(db, org, community, in->priority, in->category, now, &cal, &target)) != PD_OK)
        return err;
    clocks_minutes(&cal, &target, now, &m);

    /* the number last: its counter row stays locked until commit, so take it late */
    const char *np[] = { org, community };
    if ((err = db_exec(db, &next_number, 2, np, &r)) != PD_OK)
        return err;
    char number[32];
    rows_copy(number, sizeof number, PQgetvalue(r, 0, 0));
    PQclear(r);

    /* the clocks first, so that the ticket renders its stored documents once, as it is
     * inserted, with its SLA (0021): started after it, they would re-render it */
    uuid_v4(id_out);
    const struct clock_subject s = { org, "ticket", id_out };
    int minutes[3];
    clock_targets(&m, minutes);
    for (int i = 0; i < 3; i++)
        if ((err = clock_start(db, &s, clock_names[i], community, minutes[i], m.business_hours, now)) != PD_OK)
            return err;
    const char *ip[] = { org, number, community, in->unit_id, in->location, in->kind, in->category,
                         category_department(in->category), in->priority, in->requested_priority,
                         in->description, in->occurred_at, in->visit_from, in->visit_to,
                         in->entry_permission ? "true" : "false", in->paid_service ? "true" : "false",
                         in->channel, in->reporter_id, in->reporter_name, in->reporter_phone,
                         in->created_by, in->attachment_ids, id_out, in->complaint_id };
    if ((err = db_exec(db, &insert_ticket, 24, ip, NULL)) != PD_OK)
        return err;
    json_t *j = json_pack("{s:s, s:s}", "channel", in->channel, "number", number);
    char *details = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    err = event_emit(db, &(struct event){ .org = org, .subject_type = "ticket", .subject_id = id_out,
                                          .type = "ticket.created", .actor_id = in->actor_id,
                                          .actor_role = in->actor_role, .to_status = "submitted",
                                          .details = details });
    free(details);
    return err;
}

bool ticket_list_read(const struct ticket_scope *vis, const char *const values[], const struct page *pg,
                      struct db_read *out)
{
    const char *base[] = { vis->scope[0], vis->scope[1], vis->scope[2], vis->scope[3],
                           vis->reveal_pii ? "true" : "false", vis->worker };
    return list_read(&ticket_list_spec, base, values, pg, out);
}


/* A ticket event from the status the caller read (to NULL: no transition), with at most one
 * notice (NULL: none). */
static enum pd_err event(struct db_conn *db, const char *org, const struct ticket_row *t,
                         const char *actor, const char *role, const char *type, const char *to,
                         const char *details, const struct event_notice *notice)
{
    return event_emit(db, &(struct event){ .org = org, .subject_type = "ticket", .subject_id = t->id,
                                           .type = type, .actor_id = actor, .actor_role = role,
                                           .from_status = t->status, .to_status = to, .details = details,
                                           .notices = notice, .n_notices = notice != NULL });
}

/* {key: value} as JSON text, or NULL for no value. Caller frees. */
static char *details_of(const char *key, const char *value)
{
    if (value == NULL)
        return NULL;
    json_t *j = json_pack("{s:s}", key, value);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* The guarded transition of t from the status the caller read to `to`: own holds the
 * statement's parameters from $6 on. */
static enum pd_err guarded(struct db_conn *db, struct db_stmt *st, const struct ticket_row *t,
                           const char *org, const char *to, int n_own, const char *const *own)
{
    const struct rows_transition tr = { st, &ticket_state };
    enum pd_err err = rows_move(db, &tr, &(struct rows_move){ org, t->id, t->status, to, t->version }, n_own, own, NULL);
    return err != PD_OK ? err : ticket_clocks_follow(db, org, t->id, t->status, to);
}

enum pd_err ticket_update(struct db_conn *db, const char *org, const struct ticket_row *t,
                          const char *patch, const char *actor, const char *actor_role)
{
    const char *p[] = { org, t->id, patch };
    PGresult *r;
    enum pd_err err = db_exec(db, &update_ticket, 3, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    char community[37], priority[4], category[16];
    rows_copy(community, sizeof community, PQgetvalue(r, 0, 0));
    rows_copy(priority, sizeof priority, PQgetvalue(r, 0, 1));
    rows_copy(category, sizeof category, PQgetvalue(r, 0, 2));
    time_t created = (time_t)atoll(PQgetvalue(r, 0, 3));
    PQclear(r);

    json_t *j_patch = json_loads(patch, 0, NULL);
    json_t *j_from = json_object(), *j_to = json_object();
    const char *key;
    json_t *j_value;
    json_object_foreach(j_patch, key, j_value) {
        if (strcmp(key, "priority") == 0 || strcmp(key, "category") == 0 || strcmp(key, "kind") == 0) {
            json_object_set(j_from, key, json_object_get(t->j, key));
            json_object_set(j_to, key, j_value);
        }
    }
    bool reclassified = json_object_size(j_to) > 0;
    json_t *j_details = json_pack("{s:o, s:o}", "from", j_from, "to", j_to);
    char *details = json_dumps(j_details, JSON_COMPACT);
    json_decref(j_details);
    json_decref(j_patch);
    if (reclassified) {
        err = retarget(db, org, t->id, community, priority, category, created);
        if (err == PD_OK)
            err = event(db, org, t, actor, actor_role, "ticket.reclassified", NULL, details, NULL);
    } else {
        err = event(db, org, t, actor, actor_role, "ticket.updated", NULL, NULL, NULL);
    }
    free(details);
    return err;
}

enum pd_err ticket_contacted(struct db_conn *db, const char *org, const char *ticket_id)
{
    return clock_met(db, &(struct clock_subject){ org, "ticket", ticket_id }, "contact");
}

enum pd_err ticket_reply(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                         const char *reply, const char *actor, const char *actor_role)
{
    const char *own[] = { reply };
    struct event_notice owners = { TO_OWNERS, "ticket.replied", "您的咨询已答复", reply };
    enum pd_err err = guarded(db, &reply_ticket, t, org, to, 1, own);
    const struct clock_subject cs = { org, "ticket", t->id };
    if (err == PD_OK)   /* a reply answers: contact and resolution both met */
        err = clock_met(db, &cs, "contact");
    if (err == PD_OK)
        err = clock_met(db, &cs, "resolution");
    if (err == PD_OK)
        err = event(db, org, t, actor, actor_role, "ticket.replied", to, NULL, &owners);
    return err;
}

enum pd_err ticket_cancel(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                          const char *reason, const char *actor, const char *actor_role)
{
    const char *own[] = { reason };
    const char *wp[] = { org, t->id, reason ? reason : "ticket cancelled" };
    char *details = details_of("reason", reason);
    /* owners hear of a cancellation unless they made it */
    struct event_notice owners = { TO_OWNERS, "ticket.cancelled", "报事已取消", reason };
    enum pd_err err = guarded(db, &cancel_ticket, t, org, to, 1, own);
    if (err == PD_OK)
        err = db_exec(db, &cancel_orders, 3, wp, NULL);
    if (err == PD_OK)
        err = event(db, org, t, actor, actor_role, "ticket.cancelled", to, details,
                    strcmp(actor_role, "owner") != 0 ? &owners : NULL);
    free(details);
    return err;
}

enum pd_err ticket_confirm(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                           int rating, const char *comment, const char *actor)
{
    char r[4];
    snprintf(r, sizeof r, "%d", rating);
    const char *own[] = { r, comment };
    json_t *j = json_pack("{s:i}", "rating", rating);
    char *details = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    const char *cp[] = { org, t->id };
    enum pd_err err = guarded(db, &confirm_ticket, t, org, to, 2, own);
    if (err == PD_OK)
        err = event(db, org, t, actor, "owner", "ticket.confirmed", to, details, NULL);
    if (err == PD_OK)
        err = db_exec(db, &ticket_callback, 2, cp, NULL);
    free(details);
    return err;
}

enum pd_err ticket_reopen(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                          const char *reason, const char *actor, const char *actor_role)
{
    char *details = details_of("reason", reason);
    struct event_notice supervisors = { TO_SUPERVISORS, "ticket.reopened", "业主不认可处理结果", reason };
    enum pd_err err = guarded(db, &reopen_ticket, t, org, to, 0, NULL);
    if (err == PD_OK)
        err = clock_unmet(db, &(struct clock_subject){ org, "ticket", t->id }, "resolution");
    if (err == PD_OK)
        err = event(db, org, t, actor, actor_role, "ticket.reopened", to, details, &supervisors);
    free(details);
    return err;
}

enum pd_err ticket_close(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                         const char *actor, const char *actor_role)
{
    const char *cp[] = { org, t->id };
    enum pd_err err = guarded(db, &close_ticket, t, org, to, 0, NULL);
    if (err == PD_OK)
        err = event(db, org, t, actor, actor_role, "ticket.closed", to, NULL, NULL);
    if (err == PD_OK)
        err = db_exec(db, &ticket_callback, 2, cp, NULL);
    return err;
}

enum pd_err ticket_comment_add(struct db_conn *db, const char *org, const struct ticket_row *t,
                               const char *body, bool internal, const char *author,
                               const char *author_role, bool staff, json_t **out)
{
    const char *p[] = { org, t->id, author, author_role, body, internal ? "true" : "false" };
    /* a public staff comment reaches the owners and is the first response */
    bool answer = staff && !internal;
    struct event_notice owners = { TO_OWNERS, "ticket.commented", "物业回复了您的报事", body };
    enum pd_err err = rows_exec_one(db, &insert_comment, 6, p, out);
    if (err == PD_OK)
        err = event_emit(db, &(struct event){ .org = org, .subject_type = "ticket", .subject_id = t->id,
                                              .type = "ticket.commented", .actor_id = author,
                                              .actor_role = author_role, .from_status = t->status,
                                              .details = internal ? "{\"internal\":true}" : "{\"internal\":false}",
                                              .internal = internal, .notices = &owners, .n_notices = answer });
    if (err == PD_OK && answer)
        err = ticket_contacted(db, org, t->id);
    return err;
}

enum pd_err ticket_comment_list(struct db_conn *db, const char *org, const char *ticket_id,
                                bool include_internal, const struct page *pg, char **out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    const char *p[] = { org, ticket_id, include_internal ? "true" : "false", pp.after_us, pp.after_id, pp.limit };
    return rows_exec_page(db, &list_comments, 6, p, pg->limit, NULL, NULL, out);
}

enum pd_err ticket_event_list(struct db_conn *db, const char *org, const char *ticket_id,
                              bool include_internal, json_t **out)
{
    const char *p[] = { org, ticket_id, include_internal ? "true" : "false" };
    json_t *j_items = NULL;
    enum pd_err err = rows_exec_one(db, &list_events, 3, p, &j_items);
    if (err != PD_OK)
        return err;
    *out = json_pack("{s:o, s:n}", "items", j_items, "next_cursor");
    return PD_OK;
}

enum pd_err ticket_versions(struct db_conn *db, const struct ticket_scope *vis, const char *ids, json_t **out)
{
    const char *p[] = { vis->scope[0], vis->scope[1], vis->scope[2], vis->scope[3], ids, vis->worker };
    return rows_versions(db, &versions_of, 6, p, out);
}
