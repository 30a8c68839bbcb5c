/* SQL and orchestration for complaints. A complaint's wire form is its stored documents
 * (doc, sla_doc: migration 0022) and its complainant, which depends on the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clocks.h"
#include "complaints.h"
#include "crypto.h"
#include "events.h"
#include "rows.h"
#include "ticket_rules.h"
#include "tickets.h"

/* The caller's complaints ($1 org, $2 communities, $3 units, $4 self, $5 department: true or
 * NULL; struct complaint_scope), the leading parameters of every statement that reads by
 * scope. The list takes the parts as list scopes. */
#define C_IN_COMMUNITIES "c.community_id = ANY ($2)"
#define C_MINE "c.complainant_id = $4::uuid"
#define C_OF_DEPARTMENT \
    "(SELECT u.department FROM users u WHERE u.org_id = $1 AND u.id = $4::uuid) = ANY (c.departments)"
#define C_VISIBLE "c.org_id = $1 AND ($2::uuid[] IS NULL OR " C_IN_COMMUNITIES ") " \
                  "AND ($3::uuid[] IS NULL OR " C_MINE ") AND ($5::bool IS NULL OR " C_OF_DEPARTMENT ")"
/* The caller ($4) is the receiver or the complainant. */
#define C_OWN_PARTY "coalesce(c.receiver_id = $4::uuid OR c.complainant_id = $4::uuid, false)"
/* Whether the complainant is hidden from the caller: from the staff member complained about,
 * always; when anonymous, from everyone but its own party and the privileged (PRIV bool). */
#define C_HIDDEN(PRIV) \
    "(coalesce(c.subject_user_id = $4::uuid, false) OR (c.anonymous AND NOT (" PRIV "::bool OR " C_OWN_PARTY ")))"
/* The complainant as this caller sees it, as JSON text (NULL: hidden). */
#define C_COMPLAINANT(PRIV, REVEAL) \
    "CASE WHEN " C_HIDDEN(PRIV) " THEN NULL ELSE json_build_object('id', c.complainant_id, " \
    "  'name', c.contact_name, 'phone', CASE WHEN " REVEAL "::bool OR " C_OWN_PARTY \
    "  THEN c.contact_phone ELSE pd_mask_phone(c.contact_phone) END)::text END"
/* The columns a complaint is assembled from (compose): 0 doc, 1 a bigint (the list's
 * cursor, the load's version), 2 id, 3 sla_doc, 4 the complainant (NULL: hidden), 5 its place
 * (unit and attachments: shown with the complainant only). */
#define COMPLAINT_PARTS(SECOND, PRIV, REVEAL) \
    "c.doc, " SECOND ", c.id, c.sla_doc, " C_COMPLAINANT(PRIV, REVEAL) ", c.place_doc"

/* (the complainant, where the caller may not see who complained: their events lose their actor,
 * as on the timeline) */
DB_STMT(versions_of, "SELECT c.id, c.version, CASE WHEN " C_HIDDEN("$7") " THEN c.complainant_id END "
                     "FROM complaints c WHERE " C_VISIBLE " AND c.id = ANY ($6::uuid[])");
/* lock: the scope ($1..$5), $6 id. load: the scope, $6 privileged, $7 reveal, $8 id. */
DB_STMT(lock_complaint, "SELECT 1 FROM complaints c WHERE " C_VISIBLE " AND c.id = $6 FOR UPDATE");
DB_STMT(load_complaint,
    "SELECT " COMPLAINT_PARTS("c.version", "$6", "$7") ", c.status, c.community_id, c.receiver_id, "
    "  c.complainant_id, coalesce(c.nature, ''), coalesce(c.severity, ''), c.number, "
    "  extract(epoch FROM c.created_at)::bigint, coalesce(d.dept = ANY (c.departments), false), "
    "  EXISTS (SELECT 1 FROM jsonb_array_elements(c.forwards) f "
    "          WHERE f->>'department' = d.dept AND f->>'acknowledged_at' IS NULL), "
    "  EXISTS (SELECT 1 FROM jsonb_array_elements(c.extensions) x WHERE x->>'status' = 'pending'), "
    "  EXISTS (SELECT 1 FROM jsonb_array_elements(c.extensions) x WHERE x->>'status' = 'pending' "
    "          AND x->>'requested_by' = $4::text), "
    /* the complainant may dispute a reply within the org's reopen window (7 days by default) */
    "  coalesce(c.status = 'replied' AND pd_reopenable(c.org_id, c.replied_at), false), c.anonymous, "
    "  coalesce(c.subject_user_id = $4::uuid, false), c.id "
    "FROM complaints c LEFT JOIN LATERAL (SELECT u.department AS dept FROM users u "
    "  WHERE u.org_id = c.org_id AND u.id = $4::uuid) d ON true "
    "WHERE " C_VISIBLE " AND c.id = $8");

static const struct list_filter complaint_filters[] = {
    { "status", LIST_ENUM, "complaint_status", 0, "c.status = $v" },
    { "nature", LIST_ENUM, "complaint_nature", 0, "c.nature = $v" },
    { "content", LIST_ENUM, "complaint_content", 0, "c.content = $v" },
    { "severity", LIST_ENUM, "complaint_severity", 0, "c.severity = $v" },
    { "channel", LIST_ENUM, "complaint_channel", 0, "c.channel = $v" },
    { "community_id", LIST_UUID, NULL, 0, "c.community_id = $v" },
    { "building_id", LIST_UUID, NULL, 0,
      "c.unit_id IN (SELECT u.id FROM units u WHERE u.org_id = c.org_id AND u.building_id = $v)" },
    { "unit_id", LIST_UUID, NULL, 0, "c.unit_id = $v" },
    { "department", LIST_ENUM, "department", 0, "$v = ANY (c.departments)" },
    { "receiver_id", LIST_UUID, NULL, 0, "c.receiver_id = $v" },
    { "merged_into", LIST_UUID, NULL, 0, "c.merged_into = $v" },
    { "q", LIST_TEXT, NULL, 50,
      "(c.number || ' ' || c.description || ' ' || coalesce(c.location, '')) ILIKE "
      "'%' || replace(replace(replace($v, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'" },
    { "created_from", LIST_TIME, NULL, 0, "c.created_at >= $v" },
    { "created_to", LIST_TIME, NULL, 0, "c.created_at < $v" },
    { "overdue", LIST_FLAG, NULL, 0,
      "EXISTS (SELECT 1 FROM clocks k WHERE k.org_id = c.org_id AND k.subject_type = 'complaint' "
      "AND k.subject_id = c.id AND k.breached AND k.met_at IS NULL)" },
    { "escalated", LIST_FLAG, NULL, 0, "c.escalation_level > 0" },
};

const struct list_spec complaint_list_spec = {
    .name = "complaints",
    .select = "SELECT " COMPLAINT_PARTS("(extract(epoch FROM c.created_at) * 1000000)::bigint", "$6", "$7") " "
              "FROM complaints c WHERE c.org_id = $1",
    .n_base = 7,
    .scopes = (const struct list_scope[]){ { 2, "uuid[]", C_IN_COMMUNITIES }, { 3, "uuid[]", C_MINE },
                                           { 5, "bool", C_OF_DEPARTMENT } },
    .n_scopes = 3,
    .keyset = "(c.created_at, c.id)",
    .order = "c.created_at DESC, c.id DESC",
    .filters = complaint_filters,
    .n_filters = sizeof complaint_filters / sizeof complaint_filters[0],
};

/* Where a complaint may be made: $1 org, $2 communities, $3 units, $4 unit (or NULL), $5
 * community (or NULL: the unit's). Owners: a community they live in, a unit of theirs. */
DB_STMT(complaint_place,
    "SELECT c.id, extract(epoch FROM now())::bigint FROM communities c WHERE c.org_id = $1 "
    "AND c.id = coalesce($5::uuid, (SELECT u.community_id FROM units u WHERE u.org_id = $1 AND u.id = $4::uuid)) "
    "AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM units u WHERE u.org_id = $1 AND u.id = $4::uuid "
    "     AND u.community_id = c.id AND ($3::uuid[] IS NULL OR u.id = ANY ($3)))) "
    "AND ($2::uuid[] IS NULL OR c.id = ANY ($2)) "
    "AND ($3::uuid[] IS NULL OR EXISTS (SELECT 1 FROM units u WHERE u.org_id = $1 AND u.community_id = c.id "
    "     AND u.id = ANY ($3)))");
DB_STMT(staff_member, "SELECT 1 FROM users u WHERE u.org_id = $1 AND u.id = $2 AND u.kind = 'staff'");
DB_STMT(insert_complaint,
    "INSERT INTO complaints (org_id, id, number, community_id, unit_id, channel, written_reply_only, anonymous, "
    "  complainant_id, contact_name, contact_phone, occurred_at, location, subject_department, subject_user_id, "
    "  description, demand, attachment_ids, receiver_id, created_by) "
    "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::uuid, coalesce($10, u.name), coalesce($11, u.phone), $12, $13, "
    "  $14, $15, $16, $17, $18::uuid[], $19, $20 "
    "FROM (SELECT 1) one LEFT JOIN users u ON u.org_id = $1 AND u.id = $9::uuid");
DB_STMT(complaint_number, "SELECT pd_next_number($1, $2, 'TS')");
DB_STMT(complaint_targets,
    "SELECT forward_minutes, acknowledge_minutes, resolve_minutes, business_hours "
    "FROM pd_complaint_targets($1, $2, $3)");
DB_STMT(reply_minutes, "SELECT pd_complaint_reply_minutes($1, $2)");

/* The timeline: $1..$5 the scope, $6 privileged, $7 id. Owners see public entries; the
 * complainant's own entries lose their actor for whoever may not see the complainant. */
#define C_EVENT_JSON \
    "json_build_object('id', e.seq, 'type', e.type, " \
    "  'actor_id', CASE WHEN e.actor_id = c.complainant_id AND " C_HIDDEN("$6") " THEN NULL ELSE e.actor_id END, " \
    "  'actor_role', e.actor_role, 'from_status', e.from_status, 'to_status', e.to_status, " \
    "  'details', e.details, 'visibility', e.visibility, 'created_at', pd_ts(e.created_at))"
#define C_EVENTS \
    "FROM complaints c JOIN events e ON e.org_id = c.org_id AND e.subject_type = 'complaint' AND e.subject_id = c.id " \
    "WHERE " C_VISIBLE " AND c.id = $7 AND ($3::uuid[] IS NULL OR e.visibility = 'public')"
DB_STMT(list_complaint_events, "SELECT coalesce(json_agg(" C_EVENT_JSON " ORDER BY e.seq), '[]') " C_EVENTS);
DB_STMT(one_complaint_event, "SELECT " C_EVENT_JSON " " C_EVENTS " AND e.seq = $8");

/* Transitions (rows_transition): $1 org, $2 id, $3 from, $4 to, $5 version, then their own. */
#define C_GUARD "WHERE org_id = $1 AND id = $2 AND status = $3 AND ($5::bigint IS NULL OR version = $5) " \
                "RETURNING version, extract(epoch FROM now())::bigint"
#define C_MOVE "status = $4, version = version + 1, updated_at = now()"
DB_STMT(complaint_state, "SELECT status, version FROM complaints WHERE org_id = $1 AND id = $2");
DB_STMT(accept_complaint,
    "UPDATE complaints SET receiver_id = coalesce(receiver_id, $6::uuid), nature = $7, communicative_kind = $8, "
    "  content = $9, severity = $10, " C_MOVE " " C_GUARD);
DB_STMT(reclassify_complaint,
    "UPDATE complaints SET nature = coalesce($6, nature), "
    "  communicative_kind = CASE WHEN coalesce($6, nature) = 'communicative' THEN coalesce($7, communicative_kind) END, "
    "  content = coalesce($8, content), severity = coalesce($9, severity), " C_MOVE " " C_GUARD);
DB_STMT(reject_complaint,
    "UPDATE complaints SET receiver_id = coalesce(receiver_id, $6::uuid), nature = 'invalid', "
    "  communicative_kind = NULL, reply_method = $7, reply_content = $8, replied_by = $6::uuid, "
    "  replied_at = now(), closed_at = now(), " C_MOVE " " C_GUARD);
DB_STMT(forward_complaint,
    "UPDATE complaints SET departments = $6::text[], forwards = (SELECT jsonb_agg(jsonb_build_object("
    "    'department', d, 'forwarded_at', pd_ts(now()), 'forwarded_by', $7::uuid, 'acknowledged_at', NULL, "
    "    'acknowledged_by', NULL) ORDER BY o) FROM unnest($6::text[]) WITH ORDINALITY AS x (d, o)), "
    "  " C_MOVE " " C_GUARD);
/* the departments still to sign, and the caller's ($3) */
DB_STMT(pending_departments,
    "SELECT coalesce((SELECT array_agg(f->>'department' ORDER BY o) FROM jsonb_array_elements(c.forwards) "
    "    WITH ORDINALITY AS x (f, o) WHERE f->>'acknowledged_at' IS NULL), '{}'), "
    "  (SELECT u.department FROM users u WHERE u.org_id = c.org_id AND u.id = $3::uuid) "
    "FROM complaints c WHERE c.org_id = $1 AND c.id = $2");
DB_STMT(acknowledge_complaint,
    "UPDATE complaints SET forwards = (SELECT jsonb_agg(CASE WHEN f->>'department' = ANY ($6::text[]) "
    "    AND f->>'acknowledged_at' IS NULL THEN f || jsonb_build_object('acknowledged_at', pd_ts(now()), "
    "    'acknowledged_by', $7::uuid) ELSE f END ORDER BY o) FROM jsonb_array_elements(forwards) WITH ORDINALITY AS x (f, o)), "
    "  " C_MOVE " " C_GUARD);
DB_STMT(resolve_complaint,
    "UPDATE complaints SET result = $6, root_cause = $7, corrective_action = $8, resolved_by = $9::uuid, "
    "  resolved_at = now(), " C_MOVE " " C_GUARD);
DB_STMT(reply_complaint,
    "UPDATE complaints SET reply_method = $6, reply_content = $7, replied_by = $8::uuid, replied_at = now(), "
    "  " C_MOVE " " C_GUARD);
/* a replied complaint's callback, unless anonymous or for a written reply only (0024) */
DB_STMT(complaint_callback, "SELECT pd_callback_from_complaint($1, $2)");
DB_STMT(close_complaint, "UPDATE complaints SET closed_at = now(), " C_MOVE " " C_GUARD);
DB_STMT(confirm_complaint,
    "UPDATE complaints SET rating = $6::int, rating_comment = $7, closed_at = now(), " C_MOVE " " C_GUARD);
DB_STMT(dispute_complaint, "UPDATE complaints SET reopen_count = reopen_count + 1, " C_MOVE " " C_GUARD);
DB_STMT(withdraw_complaint,
    "UPDATE complaints SET withdraw_reason = $6, closed_at = now(), " C_MOVE " " C_GUARD);
DB_STMT(merge_complaint,
    "UPDATE complaints SET merged_into = $6::uuid, closed_at = now(), " C_MOVE " " C_GUARD);
DB_STMT(extend_complaint,
    "UPDATE complaints SET extensions = extensions || jsonb_build_array(jsonb_build_object("
    "    'id', gen_random_uuid(), 'reason', $6::text, 'due_at', pd_ts($7::timestamptz), 'requested_by', $8::uuid, "
    "    'requested_at', pd_ts(now()), 'status', 'pending', 'decided_by', NULL, 'decided_at', NULL, 'note', NULL)), "
    "  " C_MOVE " " C_GUARD);
DB_STMT(repoint_duplicates,
    "UPDATE complaints SET merged_into = $3, version = version + 1, updated_at = now() "
    "WHERE org_id = $1 AND merged_into = $2");
DB_STMT(add_ticket,
    "UPDATE complaints SET ticket_ids = ticket_ids || $6::uuid, " C_MOVE " " C_GUARD);
/* what a spawned ticket needs of its complaint */
DB_STMT(complaint_place_of,
    "SELECT c.unit_id, coalesce(c.location, c.number) FROM complaints c WHERE c.org_id = $1 AND c.id = $2");
DB_STMT(decide_extension,
    "UPDATE complaints SET extensions = (SELECT jsonb_agg(CASE WHEN x->>'status' = 'pending' "
    "    THEN x || jsonb_build_object('status', $6::text, 'decided_by', $7::uuid, 'decided_at', pd_ts(now()), "
    "    'note', $8::text) ELSE x END ORDER BY o) FROM jsonb_array_elements(extensions) WITH ORDINALITY AS e (x, o)), "
    "  " C_MOVE " " C_GUARD);
/* $1 org, $2 id, $3 the asked due time: later than now and than the resolution's due time */
DB_STMT(extension_fits,
    "SELECT $3::timestamptz > now() AND $3::timestamptz > coalesce((SELECT k.due FROM clocks k "
    "  WHERE k.org_id = $1 AND k.subject_type = 'complaint' AND k.subject_id = $2 AND k.name = 'resolution'), now())");
/* the pending extension's due time as the resolution clock's wall minutes from its start */
DB_STMT(extension_minutes,
    "SELECT ceil(extract(epoch FROM ((x->>'due_at')::timestamptz - k.started_at)) / 60)::int "
    "FROM complaints c CROSS JOIN jsonb_array_elements(c.extensions) x "
    "JOIN clocks k ON k.org_id = c.org_id AND k.subject_type = 'complaint' AND k.subject_id = c.id "
    "  AND k.name = 'resolution' "
    "WHERE c.org_id = $1 AND c.id = $2 AND x->>'status' = 'pending'");

void complaint_row_free(struct complaint_row *c)
{
    json_decref(c->j);
    free(c->json);
    c->j = NULL;
    c->json = NULL;
}

/* Row's complaint (the columns of COMPLAINT_PARTS), closed. Whoever may not see the
 * complainant does not see where they live or what they attached either. */
static void compose(struct jtext *b, PGresult *r, int row)
{
    bool hidden = PQgetisnull(r, row, 4);
    jtext_put(b, "{\"complainant\":");
    jtext_put(b, hidden ? "null" : PQgetvalue(r, row, 4));
    if (hidden)
        jtext_put(b, ",\"unit_id\":null,\"unit_number\":null,\"attachment_ids\":[]");
    else
        jtext_members(b, PQgetvalue(r, row, 5));
    jtext_members(b, PQgetvalue(r, row, 0));
    jtext_members(b, PQgetvalue(r, row, 3));
    jtext_put(b, "}");
}

void complaint_item(struct jtext *b, PGresult *r, int row, const void *ctx)
{
    (void)ctx;
    compose(b, r, row);
}


/* The scope as parameters $1..$5. */
static void scope_params(const struct complaint_scope *vis, const char *p[5])
{
    for (int i = 0; i < 4; i++)
        p[i] = vis->scope[i];
    p[4] = vis->department ? "true" : NULL;
}

void complaint_read(const struct complaint_scope *vis, const char *id, struct db_read *out)
{
    *out = (struct db_read){ .st = &load_complaint, .n = 8 };
    scope_params(vis, out->p);
    out->p[5] = vis->privileged ? "true" : "false";
    out->p[6] = vis->reveal_phone ? "true" : "false";
    out->p[7] = id;
}

enum pd_err complaint_of(PGresult *r, bool parse, struct complaint_row *out)
{
    memset(out, 0, sizeof *out);
    if (PQntuples(r) == 0)
        return PD_ERR_NOT_FOUND;
    struct jtext b = { 0 };
    compose(&b, r, 0);
    out->json = jtext_take(&b);
    rows_copy(out->id, sizeof out->id, PQgetvalue(r, 0, 21));
    out->version = atoll(PQgetvalue(r, 0, 1));
    rows_copy(out->status, sizeof out->status, PQgetvalue(r, 0, 6));
    rows_copy(out->community_id, sizeof out->community_id, PQgetvalue(r, 0, 7));
    rows_copy(out->receiver_id, sizeof out->receiver_id, db_value(r, 0, 8));
    rows_copy(out->complainant_id, sizeof out->complainant_id, db_value(r, 0, 9));
    rows_copy(out->nature, sizeof out->nature, PQgetvalue(r, 0, 10));
    rows_copy(out->severity, sizeof out->severity, PQgetvalue(r, 0, 11));
    rows_copy(out->number, sizeof out->number, PQgetvalue(r, 0, 12));
    out->created_at = atoll(PQgetvalue(r, 0, 13));
    out->in_department = PQgetvalue(r, 0, 14)[0] == 't';
    out->department_pending = PQgetvalue(r, 0, 15)[0] == 't';
    out->extension_pending = PQgetvalue(r, 0, 16)[0] == 't';
    out->extension_mine = PQgetvalue(r, 0, 17)[0] == 't';
    out->disputable = PQgetvalue(r, 0, 18)[0] == 't';
    out->anonymous = PQgetvalue(r, 0, 19)[0] == 't';
    out->subject = PQgetvalue(r, 0, 20)[0] == 't';
    if (out->json != NULL && parse)
        out->j = json_loads(out->json, 0, NULL);
    if (out->json == NULL || (parse && out->j == NULL)) {
        complaint_row_free(out);
        return PD_ERR_NOMEM;
    }
    return PD_OK;
}

enum pd_err complaint_load(struct db_conn *db, const struct complaint_scope *vis, const char *id, bool lock,
                           bool parse, struct complaint_row *out)
{
    struct db_read rd;
    PGresult *r;
    enum pd_err err;
    complaint_read(vis, id, &rd);
    memset(out, 0, sizeof *out);
    const char *lp[] = { rd.p[0], rd.p[1], rd.p[2], rd.p[3], rd.p[4], id };
    if (lock && (err = rows_exist(db, &lock_complaint, 6, lp)) != PD_OK)
        return err;
    if ((err = db_exec_read(db, &rd, &r)) != PD_OK)
        return err;
    err = complaint_of(r, parse, out);
    PQclear(r);
    return err;
}

bool complaint_list_read(const struct complaint_scope *vis, const char *const values[], const struct page *pg,
                         struct db_read *out)
{
    const char *base[7];
    scope_params(vis, base);
    base[5] = vis->privileged ? "true" : "false";
    base[6] = vis->reveal_phone ? "true" : "false";
    return list_read(&complaint_list_spec, base, values, pg, out);
}

/* The timeline statements' parameters: the scope, $6 privileged, $7 id. */
static void event_params(const struct complaint_scope *vis, const char *id, const char *p[7])
{
    scope_params(vis, p);
    p[5] = vis->privileged ? "true" : "false";
    p[6] = id;
}

enum pd_err complaint_event_list(struct db_conn *db, const struct complaint_scope *vis, const char *id,
                                 json_t **out)
{
    const char *p[7];
    event_params(vis, id, p);
    json_t *j_items = NULL;
    enum pd_err err = rows_exec_one(db, &list_complaint_events, 7, p, &j_items);
    if (err != PD_OK)
        return err;
    *out = json_pack("{s:o, s:n}", "items", j_items, "next_cursor");
    return PD_OK;
}

/* ---- deadlines ---------------------------------------------------------------------- */

struct targets {
    int forward, acknowledge, resolve;
    bool business_hours;
};

static enum pd_err targets_of(struct db_conn *db, const char *org, const char *community, const char *severity,
                              struct targets *t)
{
    const char *p[] = { org, community, severity && *severity ? severity : "general" };
    PGresult *r;
    enum pd_err err = db_exec(db, &complaint_targets, 3, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_DB;
    }
    *t = (struct targets){ atoi(PQgetvalue(r, 0, 0)), atoi(PQgetvalue(r, 0, 1)), atoi(PQgetvalue(r, 0, 2)),
                           PQgetvalue(r, 0, 3)[0] == 't' };
    PQclear(r);
    return PD_OK;
}

static struct clock_subject subject_of(const char *org, const char *id)
{
    return (struct clock_subject){ org, "complaint", id };
}

/* ---- intake ------------------------------------------------------------------------- */

enum pd_err complaint_create(struct db_conn *db, const struct complaint_scope *vis, const struct complaint_in *in,
                             char id_out[37], struct pd_error *e)
{
    const char *org = vis->scope[0];
    PGresult *r;
    enum pd_err err;
    char community[37], number[32];
    *e = (struct pd_error){ 0 };
    const char *wp[] = { org, vis->scope[1], vis->scope[2], in->unit_id, in->community_id };
    if ((err = db_exec(db, &complaint_place, 5, wp, &r)) != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        *e = in->unit_id ? (struct pd_error){ PD_ERR_NOT_FOUND, "unit_id", "No such unit within your reach." }
                         : (struct pd_error){ PD_ERR_NOT_FOUND, "community_id", "No such community within your reach." };
        return PD_ERR_NOT_FOUND;
    }
    rows_copy(community, sizeof community, PQgetvalue(r, 0, 0));
    time_t now = (time_t)atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (in->subject_user_id != NULL) {
        const char *sp[] = { org, in->subject_user_id };
        if ((err = rows_exist(db, &staff_member, 2, sp)) == PD_ERR_NOT_FOUND) {
            *e = (struct pd_error){ PD_ERR_INVALID, "subject.user_id", "must be a staff member of this company" };
            return PD_ERR_INVALID;
        }
        if (err != PD_OK)
            return err;
    }
    struct targets t;
    if ((err = targets_of(db, org, community, NULL, &t)) != PD_OK)
        return err;
    const char *np[] = { org, community };
    if ((err = db_exec(db, &complaint_number, 2, np, &r)) != PD_OK)
        return err;
    rows_copy(number, sizeof number, PQgetvalue(r, 0, 0));
    PQclear(r);
    /* the forward clock (第十一条) first, so that the complaint renders once as it is inserted */
    uuid_v4(id_out);
    const struct clock_subject s = subject_of(org, id_out);
    if ((err = clock_start(db, &s, "forward", community, t.forward, false, now)) != PD_OK)
        return err;
    const char *ip[] = { org, id_out, number, community, in->unit_id, in->channel,
                         in->written_reply_only ? "true" : "false", in->anonymous ? "true" : "false",
                         in->complainant_id, in->contact_name, in->contact_phone, in->occurred_at, in->location,
                         in->subject_department, in->subject_user_id, in->description, in->demand,
                         in->attachment_ids, in->receiver_id, in->created_by };
    if ((err = db_exec(db, &insert_complaint, 20, ip, NULL)) != PD_OK)
        return err;
    json_t *j = json_pack("{s:s, s:s, s:b}", "channel", in->channel, "number", number, "anonymous", in->anonymous);
    char *details = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    /* a complaint nobody has received yet waits for the desk's supervisors */
    struct event_notice desk = { TO_SUPERVISORS, "complaint.received", "新投诉待受理", number };
    err = event_emit(db, &(struct event){ .org = org, .subject_type = "complaint", .subject_id = id_out,
                                          .type = "complaint.created", .actor_id = in->actor_id,
                                          .actor_role = in->actor_role, .to_status = "received",
                                          .details = details, .notices = &desk,
                                          .n_notices = in->receiver_id == NULL });
    free(details);
    return err;
}

/* ---- transitions -------------------------------------------------------------------- */

/* The guarded transition of c from the status it was read in to `to` (NULL: it stays), own
 * holding the statement's parameters from $6 on; *now (may be NULL) gets the transaction's
 * time, where clocks started by the action begin. */
static enum pd_err guarded(struct db_conn *db, struct db_stmt *st, const struct complaint_row *c,
                           const struct complaint_actor *a, const char *to, int n_own, const char *const *own,
                           time_t *now)
{
    const struct rows_transition tr = { st, &complaint_state };
    PGresult *r = NULL;
    enum pd_err err = rows_move(db, &tr, &(struct rows_move){ a->org, c->id, c->status, to, c->version }, n_own, own, &r);
    if (err == PD_OK && now != NULL)
        *now = (time_t)atoll(PQgetvalue(r, 0, 1));
    if (r != NULL)
        PQclear(r);
    return err;
}

/* The event of an action on c: from its status to `to` (NULL: no transition), details a JSON
 * object as text or NULL, with n_notices notices. */
static enum pd_err emit(struct db_conn *db, const struct complaint_row *c, const struct complaint_actor *a,
                        const char *type, const char *to, const char *details,
                        const struct event_notice *notices, int n_notices)
{
    return event_emit(db, &(struct event){ .org = a->org, .subject_type = "complaint", .subject_id = c->id,
                                           .type = type, .actor_id = a->id, .actor_role = a->role,
                                           .from_status = c->status, .to_status = to, .details = details,
                                           .notices = notices, .n_notices = n_notices });
}

/* JSON text of j (stolen); NULL for none. Caller frees. */
static char *dump(json_t *j)
{
    char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

static bool weighty(const char *severity)
{
    return severity != NULL && (strcmp(severity, "major") == 0 || strcmp(severity, "important") == 0);
}

static struct event_notice managers_notice(const struct complaint_row *c, const char *severity)
{
    return (struct event_notice){ TO_MANAGERS, "complaint.accepted",
                                  strcmp(severity, "major") == 0 ? "重大投诉，请即时处理" : "重要投诉，请关注",
                                  c->number };
}

enum pd_err complaint_accept(struct db_conn *db, const struct complaint_row *c, const char *to,
                             const struct complaint_actor *a, const struct complaint_class *k, const char *note)
{
    const char *own[] = { a->id, k->nature, k->communicative_kind, k->content, k->severity };
    enum pd_err err = guarded(db, &accept_complaint, c, a, to, 5, own, NULL);
    struct targets t;
    if (err == PD_OK)
        err = targets_of(db, a->org, c->community_id, k->severity, &t);
    /* solved within its severity's time, counted from receipt */
    const struct clock_subject s = subject_of(a->org, c->id);
    if (err == PD_OK)
        err = clock_start(db, &s, "resolution", c->community_id, t.resolve, t.business_hours, (time_t)c->created_at);
    char *details = dump(json_pack("{s:s, s:s*, s:s, s:s, s:s*, s:s*, s:s*}", "nature", k->nature,
                                   "communicative_kind", k->communicative_kind, "content", k->content,
                                   "severity", k->severity, "receiver_id", c->receiver_id[0] ? c->receiver_id : a->id,
                                   "note", note, "notified", weighty(k->severity) ? "managers" : NULL));
    /* major and important complaints reach the community's manager at once (第十、十一条):
     * the notice is on the timeline as this event's */
    struct event_notice managers = managers_notice(c, k->severity);
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.accepted", to, details, &managers, weighty(k->severity));
    free(details);
    return err;
}

/* Whether an extension of c was approved: its resolution is then due when that says. */
static bool extended(const struct complaint_row *c)
{
    size_t i;
    json_t *j_x;
    json_array_foreach(json_object_get(c->j, "extensions"), i, j_x) {
        const char *status = json_string_value(json_object_get(j_x, "status"));
        if (status != NULL && strcmp(status, "approved") == 0)
            return true;
    }
    return false;
}

enum pd_err complaint_reclassify(struct db_conn *db, const struct complaint_row *c,
                                 const struct complaint_actor *a, const struct complaint_class *k,
                                 const char *note)
{
    json_t *j_from = json_object(), *j_to = json_object();
    static const char *const keys[] = { "nature", "communicative_kind", "content", "severity" };
    const char *const values[] = { k->nature, k->communicative_kind, k->content, k->severity };
    for (int i = 0; i < 4; i++) {
        if (values[i] == NULL)
            continue;
        json_t *j_old = json_object_get(c->j, keys[i]);
        if (json_is_string(j_old) && strcmp(json_string_value(j_old), values[i]) == 0)
            continue;
        json_object_set(j_from, keys[i], j_old != NULL ? j_old : json_null());
        json_object_set_new(j_to, keys[i], json_string(values[i]));
    }
    const char *own[] = { k->nature, k->communicative_kind, k->content, k->severity };
    enum pd_err err = guarded(db, &reclassify_complaint, c, a, NULL, 4, own, NULL);
    bool severity_changed = json_object_get(j_to, "severity") != NULL;
    if (err == PD_OK && severity_changed) {
        /* the deadlines follow the new severity, but an approved extension's due time holds
         * (and a met clock keeps its due: clock_retarget) */
        struct targets t;
        const struct clock_subject s = subject_of(a->org, c->id);
        err = targets_of(db, a->org, c->community_id, k->severity, &t);
        if (err == PD_OK && !extended(c))
            err = clock_retarget(db, &s, "resolution", t.resolve, t.business_hours);
        if (err == PD_OK)
            err = clock_retarget(db, &s, "acknowledge", t.acknowledge, t.business_hours);
    }
    char *details = dump(json_pack("{s:o, s:o, s:s*}", "from", j_from, "to", j_to, "note", note));
    struct event_notice managers = managers_notice(c, k->severity ? k->severity : "general");
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.reclassified", NULL, details, &managers,
                   severity_changed && weighty(k->severity));
    free(details);
    return err;
}

enum pd_err complaint_reject(struct db_conn *db, const struct complaint_row *c, const char *to,
                             const struct complaint_actor *a, const char *method, const char *reply)
{
    const char *own[] = { a->id, method, reply };
    const struct clock_subject s = subject_of(a->org, c->id);
    struct event_notice complainant = { TO_COMPLAINANT, "complaint.rejected", "您的投诉不予受理", reply };
    char *details = dump(json_pack("{s:s, s:s}", "method", method, "reply", reply));
    enum pd_err err = guarded(db, &reject_complaint, c, a, to, 3, own, NULL);
    if (err == PD_OK)
        err = clocks_stop(db, &s);
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.rejected", to, details, &complainant, 1);
    free(details);
    return err;
}

/* Splits a text[] literal of simple codes ({a,b}) into out (up to cap); returns the count. */
static int split_codes(const char *literal, char out[][24], int cap)
{
    int n = 0;
    const char *p = literal + (literal[0] == '{');
    while (*p != '\0' && *p != '}' && n < cap) {
        size_t len = strcspn(p, ",}");
        snprintf(out[n++], 24, "%.*s", (int)len, p);
        p += len + (p[len] == ',');
    }
    return n;
}

/* The codes of a text[] literal as a JSON array (new reference). */
static json_t *codes_json(const char *literal)
{
    char codes[8][24];
    int n = split_codes(literal, codes, 8);
    json_t *j = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(j, json_string(codes[i]));
    return j;
}

enum pd_err complaint_forward(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, const char *departments, const char *note)
{
    const char *own[] = { departments, a->id };
    const struct clock_subject s = subject_of(a->org, c->id);
    struct targets t;
    time_t now = 0;
    enum pd_err err = guarded(db, &forward_complaint, c, a, to, 2, own, &now);
    if (err == PD_OK)
        err = clock_met(db, &s, "forward");
    if (err == PD_OK)
        err = targets_of(db, a->org, c->community_id, c->severity, &t);
    /* the departments' heads sign for it within the severity's time (签收) */
    if (err == PD_OK)
        err = clock_start(db, &s, "acknowledge", c->community_id, t.acknowledge, t.business_hours, now);
    char *details = dump(json_pack("{s:o, s:s*}", "departments", codes_json(departments), "note", note));
    struct event_notice heads = { TO_DEPARTMENT_HEADS, "complaint.forwarded", "投诉已转交本部门，请签收", c->number };
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.forwarded", to, details, &heads, 1);
    free(details);
    return err;
}

enum pd_err complaint_acknowledge(struct db_conn *db, const struct complaint_row *c,
                                  const struct complaint_actor *a, const char *department,
                                  const char **detail)
{
    const char *pp[] = { a->org, c->id, a->id };
    PGresult *r;
    enum pd_err err = db_exec(db, &pending_departments, 3, pp, &r);
    if (err != PD_OK)
        return err;
    char pending[8][24], mine[24];
    int n = split_codes(PQgetvalue(r, 0, 0), pending, 8);
    rows_copy(mine, sizeof mine, db_value(r, 0, 1));
    PQclear(r);
    /* which departments sign now: the one named, else the caller's own, else (a manager or
     * admin standing in) every one still pending */
    const char *signing = department != NULL ? department : NULL;
    bool senior = strcmp(a->role, "manager") == 0 || strcmp(a->role, "admin") == 0;
    if (signing == NULL)
        for (int i = 0; i < n && signing == NULL; i++)
            if (strcmp(pending[i], mine) == 0)
                signing = mine;
    bool found = false;
    for (int i = 0; i < n; i++)
        found = found || (signing != NULL && strcmp(pending[i], signing) == 0);
    if (signing != NULL && (!found || (!senior && strcmp(signing, mine) != 0))) {
        *detail = found ? "You sign for your own department only." : "That department has nothing to sign for.";
        return found ? PD_ERR_FORBIDDEN : PD_ERR_CONFLICT;
    }
    char list[8 * 26 + 3];
    size_t off = 0;
    list[off++] = '{';
    for (int i = 0; i < n; i++)
        if (signing == NULL || strcmp(pending[i], signing) == 0)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", off > 1 ? "," : "", pending[i]);
    snprintf(list + off, sizeof list - off, "}");
    bool last = signing == NULL || n == 1;
    const char *to = last ? "acknowledged" : NULL;
    const char *own[] = { list, a->id };
    const struct clock_subject s = subject_of(a->org, c->id);
    err = guarded(db, &acknowledge_complaint, c, a, to, 2, own, NULL);
    if (err == PD_OK && last)
        err = clock_met(db, &s, "acknowledge");
    char *details = dump(json_pack("{s:o}", "departments", codes_json(list)));
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.acknowledged", to, details, NULL, 0);
    free(details);
    return err;
}

enum pd_err complaint_resolve(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, const char *result, const char *root_cause,
                              const char *corrective_action)
{
    const char *own[] = { result, root_cause, corrective_action, a->id };
    const struct clock_subject s = subject_of(a->org, c->id);
    const char *mp[] = { a->org, c->community_id };
    time_t now = 0;
    PGresult *r;
    enum pd_err err = guarded(db, &resolve_complaint, c, a, to, 4, own, &now);
    if (err == PD_OK)
        err = clock_met(db, &s, "resolution");
    /* the receiver tells the complainant the same day (第十四条) */
    if (err == PD_OK && (err = db_exec(db, &reply_minutes, 2, mp, &r)) == PD_OK) {
        int minutes = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        err = clock_start(db, &s, "reply", c->community_id, minutes, false, now);
    }
    struct event_notice receiver = { TO_RECEIVER, "complaint.resolved", "投诉已处理，请当天回复投诉人", c->number };
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.resolved", to, NULL, &receiver, 1);
    return err;
}

enum pd_err complaint_reply(struct db_conn *db, const struct complaint_row *c, const char *to,
                            const struct complaint_actor *a, const char *method, const char *content)
{
    const char *own[] = { method, content, a->id };
    const struct clock_subject s = subject_of(a->org, c->id);
    /* the complainant, and those of the duplicates merged into it (回访管理制度 第十八条) */
    struct event_notice complainants = { TO_COMPLAINANTS, "complaint.replied", "您的投诉有处理结果", content };
    char *details = dump(json_pack("{s:s}", "method", method));
    enum pd_err err = guarded(db, &reply_complaint, c, a, to, 3, own, NULL);
    /* a communicative complaint answered without forwarding meets every clock it has */
    static const char *const clocks[] = { "forward", "resolution", "reply" };
    for (int i = 0; i < 3 && err == PD_OK; i++)
        err = clock_met(db, &s, clocks[i]);
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.replied", to, details, &complainants, 1);
    free(details);
    const char *cp[] = { a->org, c->id };
    if (err == PD_OK)
        err = db_exec(db, &complaint_callback, 2, cp, NULL);
    return err;
}

/* An end of the complaint (closed, confirmed, withdrawn): its clocks are no longer swept. */
static enum pd_err ended(struct db_conn *db, const struct complaint_row *c, const struct complaint_actor *a,
                         struct db_stmt *st, const char *to, int n_own, const char *const *own, const char *type,
                         const char *details, const struct event_notice *notice)
{
    const struct clock_subject s = subject_of(a->org, c->id);
    enum pd_err err = guarded(db, st, c, a, to, n_own, own, NULL);
    if (err == PD_OK)
        err = clocks_stop(db, &s);
    if (err == PD_OK)
        err = emit(db, c, a, type, to, details, notice, notice != NULL);
    return err;
}

enum pd_err complaint_close(struct db_conn *db, const struct complaint_row *c, const char *to,
                            const struct complaint_actor *a)
{
    return ended(db, c, a, &close_complaint, to, 0, NULL, "complaint.closed", NULL, NULL);
}

enum pd_err complaint_confirm(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, int rating, const char *comment)
{
    char r[4];
    snprintf(r, sizeof r, "%d", rating);
    const char *own[] = { r, comment };
    char *details = dump(json_pack("{s:i}", "rating", rating));
    enum pd_err err = ended(db, c, a, &confirm_complaint, to, 2, own, "complaint.confirmed", details, NULL);
    free(details);
    return err;
}

enum pd_err complaint_dispute(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, const char *reason)
{
    const struct clock_subject s = subject_of(a->org, c->id);
    struct event_notice receiver = { TO_RECEIVER, "complaint.disputed", "投诉人不认可处理结果", reason };
    char *details = dump(json_pack("{s:s}", "reason", reason));
    /* back to the receiver: it is solved again, within the time it had */
    enum pd_err err = guarded(db, &dispute_complaint, c, a, to, 0, NULL, NULL);
    if (err == PD_OK)
        err = clock_unmet(db, &s, "resolution");
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.disputed", to, details, &receiver, 1);
    free(details);
    return err;
}

enum pd_err complaint_withdraw(struct db_conn *db, const struct complaint_row *c, const char *to,
                               const struct complaint_actor *a, const char *reason)
{
    const char *own[] = { reason };
    char *details = reason != NULL ? dump(json_pack("{s:s}", "reason", reason)) : NULL;
    enum pd_err err = ended(db, c, a, &withdraw_complaint, to, 1, own, "complaint.withdrawn", details, NULL);
    free(details);
    return err;
}

enum pd_err complaint_merge(struct db_conn *db, const struct complaint_row *c, const char *to,
                            const struct complaint_actor *a, const struct complaint_row *primary,
                            const char **detail)
{
    static const char *const open[] = { "received", "accepted", "forwarded", "acknowledged", "resolved",
                                        "replied", NULL };
    bool primary_open = false;
    for (const char *const *s = open; *s != NULL; s++)
        primary_open = primary_open || strcmp(primary->status, *s) == 0;
    if (strcmp(primary->id, c->id) == 0 || !primary_open || strcmp(primary->community_id, c->community_id) != 0) {
        *detail = strcmp(primary->id, c->id) == 0 ? "A complaint cannot be merged into itself."
                  : !primary_open ? "The primary complaint is closed, merged or withdrawn."
                                  : "The primary complaint is in another community.";
        return PD_ERR_CONFLICT;
    }
    const char *own[] = { primary->id };
    char *details = dump(json_pack("{s:s, s:s}", "primary_id", primary->id, "primary_number", primary->number));
    enum pd_err err = ended(db, c, a, &merge_complaint, to, 1, own, "complaint.merged", details, NULL);
    free(details);
    /* the duplicates already folded into c follow it: one level, so that their complainants
     * hear the primary's reply */
    const char *rp[] = { a->org, c->id, primary->id };
    if (err == PD_OK)
        err = db_exec(db, &repoint_duplicates, 3, rp, NULL);
    /* the primary's timeline names its duplicate */
    details = dump(json_pack("{s:s, s:s}", "duplicate_id", c->id, "duplicate_number", c->number));
    if (err == PD_OK)
        err = event_emit(db, &(struct event){ .org = a->org, .subject_type = "complaint", .subject_id = primary->id,
                                              .type = "complaint.duplicate_merged", .actor_id = a->id,
                                              .actor_role = a->role, .details = details });
    free(details);
    return err;
}

enum pd_err complaint_comment(struct db_conn *db, const struct complaint_scope *vis, const struct complaint_row *c,
                              const struct complaint_actor *a, const char *body, bool internal, json_t **out)
{
    bool owner = strcmp(a->role, "owner") == 0;
    struct event_notice notice = owner ? (struct event_notice){ TO_RECEIVER, "complaint.commented", "投诉人补充了信息", body }
                                       : (struct event_notice){ TO_COMPLAINANT, "complaint.commented", "物业回复了您的投诉", body };
    char *details = dump(json_pack("{s:s}", "body", body));
    long long seq = 0;
    enum pd_err err = event_emit(db, &(struct event){ .org = a->org, .subject_type = "complaint", .subject_id = c->id,
                                                      .type = "complaint.commented", .actor_id = a->id,
                                                      .actor_role = a->role, .from_status = c->status,
                                                      .details = details, .internal = internal,
                                                      .notices = &notice, .n_notices = !internal, .seq = &seq });
    free(details);
    char s[24];
    snprintf(s, sizeof s, "%lld", seq);
    const char *p[8];
    event_params(vis, c->id, p);
    p[7] = s;
    return err != PD_OK ? err : rows_exec_one(db, &one_complaint_event, 8, p, out);
}

enum pd_err complaint_dispatch(struct db_conn *db, const struct complaint_row *c, const struct complaint_actor *a,
                               const struct complaint_work *w, const struct dispatch_in *d, struct pd_error *e)
{
    const char *pp[] = { a->org, c->id };
    PGresult *r;
    *e = (struct pd_error){ 0 };
    enum pd_err err = db_exec(db, &complaint_place_of, 2, pp, &r);
    if (err != PD_OK)
        return err;
    char unit[37], location[200 * 4 + 1];
    rows_copy(unit, sizeof unit, c->anonymous ? NULL : db_value(r, 0, 0));
    rows_copy(location, sizeof location, PQgetvalue(r, 0, 1));
    PQclear(r);
    /* the org's scope: the complaint is the caller's, so its place is too */
    const struct ticket_scope org = { { a->org, NULL, NULL, NULL }, true, NULL };
    struct ticket_in in = { .kind = "repair", .category = w->category, .priority = w->priority ? w->priority : "P3",
                            .description = w->description, .channel = "complaint",
                            .created_by = a->id, .actor_id = a->id, .actor_role = a->role, .attachment_ids = "{}",
                            .complaint_id = c->id };
    if (unit[0] != '\0')
        in.unit_id = unit;
    else
        in.community_id = c->community_id, in.location = location;
    char ticket[37], order[37] = "";
    if ((err = ticket_create(db, &org, &in, ticket, e)) != PD_OK)
        return err;
    struct ticket_row t = { 0 };
    if ((err = ticket_load(db, &org, ticket, true, true, &t)) != PD_OK)
        return err;
    struct dispatch_in di = *d;
    if (di.department == NULL)
        di.department = category_department(w->category);
    err = work_order_dispatch(db, a->org, &t, &di, a->id, a->role, order, e);
    char number[32];
    rows_copy(number, sizeof number, json_string_value(json_object_get(t.j, "number")));
    ticket_row_free(&t);
    const char *own[] = { ticket };
    if (err == PD_OK)
        err = guarded(db, &add_ticket, c, a, NULL, 1, own, NULL);
    char *details = dump(json_pack("{s:s, s:s, s:s, s:s}", "ticket_id", ticket, "ticket_number", number,
                                   "work_order_id", order, "department", di.department));
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.dispatched", NULL, details, NULL, 0);
    free(details);
    return err;
}

enum pd_err complaint_extend(struct db_conn *db, const struct complaint_row *c, const struct complaint_actor *a,
                             const char *reason, const char *due_at, const char **detail)
{
    const char *fp[] = { a->org, c->id, due_at };
    PGresult *r;
    enum pd_err err = db_exec(db, &extension_fits, 3, fp, &r);
    if (err != PD_OK)
        return err;
    bool fits = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!fits) {
        *detail = "due_at must be later than now and than the resolution's current due time.";
        return PD_ERR_CONFLICT;
    }
    const char *own[] = { reason, due_at, a->id };
    struct event_notice managers = { TO_MANAGERS, "complaint.extension_requested", "投诉处理申请延期", reason };
    char *details = dump(json_pack("{s:s, s:s}", "reason", reason, "due_at", due_at));
    err = guarded(db, &extend_complaint, c, a, NULL, 3, own, NULL);
    if (err == PD_OK)
        err = emit(db, c, a, "complaint.extension_requested", NULL, details, &managers, 1);
    free(details);
    return err;
}

enum pd_err complaint_decide_extension(struct db_conn *db, const struct complaint_row *c,
                                       const struct complaint_actor *a, bool approve, const char *note)
{
    const char *mp[] = { a->org, c->id };
    int minutes = 0;
    PGresult *r;
    enum pd_err err = db_exec(db, &extension_minutes, 2, mp, &r);
    if (err != PD_OK)
        return err;
    bool clocked = PQntuples(r) > 0;
    if (clocked)
        minutes = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *own[] = { approve ? "approved" : "rejected", a->id, note };
    err = guarded(db, &decide_extension, c, a, NULL, 3, own, NULL);
    /* the clock moves only on approval (第十七条): to the asked time, around the clock */
    const struct clock_subject s = subject_of(a->org, c->id);
    if (err == PD_OK && approve && clocked)
        err = clock_retarget(db, &s, "resolution", minutes, false);
    struct event_notice heads = { TO_DEPARTMENT_HEADS, "complaint.extension_decided",
                                  approve ? "延期申请已批准" : "延期申请被驳回", note };
    char *details = dump(json_pack("{s:b, s:s*}", "approved", approve, "note", note));
    if (err == PD_OK)
        err = emit(db, c, a, approve ? "complaint.extension_approved" : "complaint.extension_rejected", NULL,
                   details, &heads, 1);
    free(details);
    return err;
}

enum pd_err complaint_versions(struct db_conn *db, const struct complaint_scope *vis, const char *ids, json_t **out)
{
    const char *p[] = { vis->scope[0], vis->scope[1], vis->scope[2], vis->scope[3],
                        vis->department ? "true" : NULL, ids, vis->privileged ? "true" : "false" };
    return rows_versions(db, &versions_of, 7, p, out);
}
