/* SQL and orchestration for callbacks. A callback's wire form is its stored doc (migration
 * 0024) and its contact (the phone as this caller may see it) and `overdue`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "callbacks.h"
#include "clocks.h"
#include "complaints.h"
#include "crypto.h"
#include "events.h"
#include "rows.h"
#include "jobq.h"
#include "tickets.h"

/* The caller's callbacks ($1 org, $2 communities, $3 units, $4 self, $5 assignee only: true
 * or NULL; struct callback_scope), the leading parameters of every statement that reads by
 * scope. Owners see the ones they were asked to answer in the app. */
#define K_IN_COMMUNITIES "k.community_id = ANY ($2)"
#define K_ASKED "(k.resident_id = $4::uuid AND k.asked_in_app)"
#define K_ASSIGNED "k.assignee_id = $4::uuid"
#define K_VISIBLE "k.org_id = $1 AND ($2::uuid[] IS NULL OR " K_IN_COMMUNITIES ") " \
                  "AND ($3::uuid[] IS NULL OR " K_ASKED ") AND ($5::bool IS NULL OR " K_ASSIGNED ")"
DB_STMT(versions_of, "SELECT k.id, k.version FROM callbacks k WHERE " K_VISIBLE " AND k.id = ANY ($6::uuid[])");
/* The columns a callback is assembled from (compose): 0 doc, 1 a bigint (the list's cursor,
 * the load's version), 2 id, 3 the contact's name, 4 their phone as this caller sees it (REVEAL
 * bool; the assignee and the owner always in full), 5 overdue, 6 the staff's part (NULL for
 * owners: $3 units). */
#define CALLBACK_PARTS(SECOND, REVEAL) \
    "k.doc, " SECOND ", k.id, k.contact_name, CASE WHEN " REVEAL "::bool " \
    "  OR coalesce(k.assignee_id = $4::uuid OR k.resident_id = $4::uuid, false) THEN k.contact_phone " \
    "  ELSE pd_mask_phone(k.contact_phone) END, k.status IN ('scheduled', 'open') AND k.window_end < now(), " \
    "  CASE WHEN $3::uuid[] IS NULL THEN k.staff_doc END"

/* lock: the scope ($1..$5), $6 id. load: the scope, $6 reveal, $7 id. */
DB_STMT(lock_callback, "SELECT 1 FROM callbacks k WHERE " K_VISIBLE " AND k.id = $6 FOR UPDATE");
DB_STMT(load_callback,
    "SELECT " CALLBACK_PARTS("k.version", "$6") ", k.status, k.community_id, k.assignee_id, k.resident_id, "
    "  coalesce(k.method, ''), jsonb_array_length(k.attempts), k.max_attempts, k.retry_hours, k.asked_in_app "
    "FROM callbacks k WHERE " K_VISIBLE " AND k.id = $7");

static const struct list_filter callback_filters[] = {
    { "status", LIST_ENUM, "callback_status", 0, "k.status = $v" },
    { "kind", LIST_ENUM, "callback_kind", 0, "k.kind = $v" },
    { "community_id", LIST_UUID, NULL, 0, "k.community_id = $v" },
    { "assignee_id", LIST_UUID, NULL, 0, "k.assignee_id = $v" },
    { "unassigned", LIST_FLAG, NULL, 0, "k.assignee_id IS NULL" },
    { "source_id", LIST_UUID, NULL, 0, "k.source_id = $v" },
    { "method", LIST_ENUM, "callback_method", 0, "k.method = $v" },
    { "satisfaction", LIST_ENUM, "satisfaction", 0, "k.satisfaction = $v" },
    { "overdue", LIST_FLAG, NULL, 0, "k.status IN ('scheduled', 'open') AND k.window_end < now()" },
    { "created_from", LIST_TIME, NULL, 0, "k.created_at >= $v" },
    { "created_to", LIST_TIME, NULL, 0, "k.created_at < $v" },
};

const struct list_spec callback_list_spec = {
    .name = "callbacks",
    .select = "SELECT " CALLBACK_PARTS("(extract(epoch FROM k.created_at) * 1000000)::bigint", "$6") " "
              "FROM callbacks k WHERE k.org_id = $1",
    .n_base = 6,
    .scopes = (const struct list_scope[]){ { 2, "uuid[]", K_IN_COMMUNITIES }, { 3, "uuid[]", K_ASKED },
                                           { 5, "bool", K_ASSIGNED } },
    .n_scopes = 3,
    .keyset = "(k.created_at, k.id)",
    .order = "k.created_at DESC, k.id DESC",
    .filters = callback_filters,
    .n_filters = sizeof callback_filters / sizeof callback_filters[0],
};

/* The timeline: the scope ($1..$5), $6 id; owners see public entries. */
DB_STMT(list_callback_events,
    "SELECT coalesce(json_agg(json_build_object('id', e.seq, 'type', e.type, 'actor_id', e.actor_id, "
    "  'actor_role', e.actor_role, 'from_status', e.from_status, 'to_status', e.to_status, "
    "  'details', e.details, 'visibility', e.visibility, 'created_at', pd_ts(e.created_at)) ORDER BY e.seq), '[]') "
    "FROM callbacks k JOIN events e ON e.org_id = k.org_id AND e.subject_type = 'callback' AND e.subject_id = k.id "
    "WHERE " K_VISIBLE " AND k.id = $6 AND ($3::uuid[] IS NULL OR e.visibility = 'public')");

/* Where a staff callback goes: $1 org, $2 communities, $3 unit, $4 resident; the community,
 * unit, owner called back (the unit's first verified owner, or the resident) and their
 * name and phone. */
DB_STMT(callback_place,
    "SELECT x.community_id, x.unit_id, x.resident_id, u.name, u.phone FROM ("
    "  (SELECT n.community_id, n.id AS unit_id, (SELECT r.user_id FROM residencies r WHERE r.org_id = n.org_id "
    "     AND r.unit_id = n.id AND r.status = 'verified' ORDER BY r.relation <> 'owner', r.verified_at, r.id LIMIT 1) "
    "     AS resident_id FROM units n WHERE n.org_id = $1 AND n.id = $3::uuid "
    "     AND ($2::uuid[] IS NULL OR n.community_id = ANY ($2))) "
    "  UNION ALL "
    "  (SELECT r.community_id, r.unit_id, r.user_id FROM residencies r WHERE $3::uuid IS NULL AND r.org_id = $1 "
    "     AND r.user_id = $4::uuid AND r.status = 'verified' AND ($2::uuid[] IS NULL OR r.community_id = ANY ($2)) "
    "     ORDER BY r.verified_at, r.id LIMIT 1)) x "
    "LEFT JOIN users u ON u.org_id = $1 AND u.id = x.resident_id LIMIT 1");
/* $1 org, $2 user, $3 community: an active staff member (not quality: it audits) serving it */
DB_STMT(callback_staff,
    "SELECT 1 FROM users u JOIN role_grants g ON g.org_id = u.org_id AND g.user_id = u.id "
    "  AND g.role NOT IN ('quality') AND (g.community_id IS NULL OR g.community_id = $3) "
    "WHERE u.org_id = $1 AND u.id = $2 AND u.kind = 'staff' AND u.status = 'active' LIMIT 1");
DB_STMT(insert_callback,
    "INSERT INTO callbacks (org_id, id, community_id, unit_id, resident_id, contact_name, contact_phone, kind, "
    "  purpose, status, window_start, window_end, assignee_id, created_by) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "  CASE WHEN coalesce($10::timestamptz, now()) <= now() THEN 'open' ELSE 'scheduled' END, "
    "  coalesce($10::timestamptz, now()), $11::timestamptz, $12, $13) RETURNING status");
DB_STMT(window_clock, "SELECT pd_callback_window_clock($1, $2, $3, $4::timestamptz)");
/* an image the caller uploaded that signs no other callback ($4 this one) */
DB_STMT(signature_usable,
    "SELECT 1 FROM attachments a WHERE a.org_id = $1 AND a.id = $2 AND a.uploader_id = $3 "
    "AND a.content_type LIKE 'image/%' AND NOT EXISTS (SELECT 1 FROM callbacks b WHERE b.org_id = a.org_id "
    "  AND b.signature_id = a.id AND b.id <> $4)");

/* Transitions (rows_transition): $1 org, $2 id, $3 from, $4 to, $5 version, then their own. */
#define K_GUARD "WHERE org_id = $1 AND id = $2 AND status = $3 AND ($5::bigint IS NULL OR version = $5)"
#define K_MOVE "status = $4, version = version + 1, updated_at = now()"
DB_STMT(callback_state, "SELECT status, version FROM callbacks WHERE org_id = $1 AND id = $2");
DB_STMT(take_callback,
    "UPDATE callbacks SET assignee_id = $6::uuid, " K_MOVE " " K_GUARD " AND assignee_id IS NULL RETURNING version");
DB_STMT(assign_callback, "UPDATE callbacks SET assignee_id = $6::uuid, " K_MOVE " " K_GUARD " RETURNING version");
DB_STMT(attempt_callback,
    "UPDATE callbacks SET attempts = attempts || jsonb_build_array(jsonb_build_object('at', pd_ts(now()), "
    "  'by', $6::uuid, 'method', $7::text, 'outcome', $8::text, 'notes', $9::text)), " K_MOVE " " K_GUARD
    " RETURNING version");
/* $6: 'visit' when the owner confirms a visit in the app (their signature), else NULL */
DB_STMT(request_callback,
    "UPDATE callbacks SET asked_in_app = true, method = coalesce($6, 'in_app'), " K_MOVE " " K_GUARD " RETURNING version");
DB_STMT(complete_callback,
    "UPDATE callbacks SET method = $6, satisfaction = $7, comment = $8, new_issues = $9, signature_id = $10::uuid, "
    "  completed_by = $11::uuid, completed_at = now(), " K_MOVE " " K_GUARD " RETURNING version");
DB_STMT(respond_callback,
    "UPDATE callbacks SET satisfaction = $6, comment = $7, owner_confirmed = true, "
    "  completed_by = $8::uuid, completed_at = now(), " K_MOVE " " K_GUARD " RETURNING version");
DB_STMT(approve_callback,
    "UPDATE callbacks SET reviewed_by = $6::uuid, reviewed_at = now(), review_note = $7, " K_MOVE " " K_GUARD
    " RETURNING version");
DB_STMT(return_callback,
    "UPDATE callbacks SET review_note = $7, returned_count = returned_count + 1, reviewed_by = $6::uuid, "
    "  method = NULL, satisfaction = NULL, completed_by = NULL, completed_at = NULL, owner_confirmed = false, "
    "  asked_in_app = false, attempts = '[]', "
    "  " K_MOVE " " K_GUARD " RETURNING version");
/* what an unsatisfied result follows up: $1 org, $2 id */
DB_STMT(callback_source,
    "SELECT k.source_type, k.source_id, k.source_number, k.on_unsatisfied, k.community_id, k.unit_id, k.resident_id, "
    "  k.contact_name, k.contact_phone, k.assignee_id, k.follow_up IS NOT NULL "
    "FROM callbacks k WHERE k.org_id = $1 AND k.id = $2");
DB_STMT(set_follow_up,
    "UPDATE callbacks SET follow_up = jsonb_build_object('type', $3::text, 'id', $4::uuid, 'number', $5::text) "
    "WHERE org_id = $1 AND id = $2");
DB_STMT(set_new_issue,
    "UPDATE callbacks SET new_issue = jsonb_build_object('type', $3::text, 'id', $4::uuid, 'number', $5::text) "
    "WHERE org_id = $1 AND id = $2");
DB_STMT(complaint_number_of, "SELECT number FROM complaints WHERE org_id = $1 AND id = $2");
DB_STMT(cancel_callback, "UPDATE callbacks SET cancel_reason = $6, " K_MOVE " " K_GUARD " RETURNING version");

void callback_row_free(struct callback_row *k)
{
    json_decref(k->j);
    free(k->json);
    k->j = NULL;
    k->json = NULL;
}


/* Row's callback (the columns of CALLBACK_PARTS), closed: an owner gets none of the staff's
 * part (attempts and their notes, review and cancel notes). */
static void compose(struct jtext *b, PGresult *r, int row)
{
    jtext_put(b, "{\"contact_name\":");
    jtext_str(b, db_value(r, row, 3));
    jtext_key(b, "contact_phone");
    jtext_str(b, db_value(r, row, 4));
    jtext_key(b, "overdue");
    jtext_put(b, PQgetvalue(r, row, 5)[0] == 't' ? "true" : "false");
    if (PQgetisnull(r, row, 6))
        jtext_put(b, ",\"attempts\":[],\"review_note\":null,\"cancel_reason\":null");
    else
        jtext_members(b, PQgetvalue(r, row, 6));
    jtext_members(b, PQgetvalue(r, row, 0));
    jtext_put(b, "}");
}

static void callback_item(struct jtext *b, PGresult *r, int row, const void *ctx)
{
    (void)ctx;
    compose(b, r, row);
}

static void scope_params(const struct callback_scope *vis, const char *p[5])
{
    for (int i = 0; i < 4; i++)
        p[i] = vis->scope[i];
    p[4] = vis->assignee_only ? "true" : NULL;
}

enum pd_err callback_load(struct db_conn *db, const struct callback_scope *vis, const char *id, bool lock,
                          bool parse, struct callback_row *out)
{
    const char *p[7];
    scope_params(vis, p);
    p[5] = vis->reveal_phone ? "true" : "false";
    p[6] = id;
    const char *lp[] = { p[0], p[1], p[2], p[3], p[4], id };
    PGresult *r;
    enum pd_err err;
    memset(out, 0, sizeof *out);
    if (lock && (err = rows_exist(db, &lock_callback, 6, lp)) != PD_OK)
        return err;
    if ((err = rows_exec_row(db, &load_callback, 7, p, &r)) != PD_OK)
        return err;
    struct jtext b = { 0 };
    compose(&b, r, 0);
    out->json = jtext_take(&b);
    rows_copy(out->id, sizeof out->id, id);
    out->version = atoll(PQgetvalue(r, 0, 1));
    rows_copy(out->status, sizeof out->status, PQgetvalue(r, 0, 7));
    rows_copy(out->community_id, sizeof out->community_id, PQgetvalue(r, 0, 8));
    rows_copy(out->assignee_id, sizeof out->assignee_id, db_value(r, 0, 9));
    rows_copy(out->resident_id, sizeof out->resident_id, db_value(r, 0, 10));
    rows_copy(out->method, sizeof out->method, PQgetvalue(r, 0, 11));
    out->attempts = atoi(PQgetvalue(r, 0, 12));
    out->max_attempts = atoi(PQgetvalue(r, 0, 13));
    out->retry_hours = atoi(PQgetvalue(r, 0, 14));
    out->asked = PQgetvalue(r, 0, 15)[0] == 't';
    PQclear(r);
    if (out->json != NULL && parse)
        out->j = json_loads(out->json, 0, NULL);
    if (out->json == NULL || (parse && out->j == NULL)) {
        callback_row_free(out);
        return PD_ERR_NOMEM;
    }
    return PD_OK;
}

enum pd_err callback_list(struct db_conn *db, const struct callback_scope *vis, const char *const values[],
                          const struct page *pg, char **out)
{
    const char *base[6];
    scope_params(vis, base);
    base[5] = vis->reveal_phone ? "true" : "false";
    return list_run(db, &callback_list_spec, base, values, pg, callback_item, NULL, out);
}

enum pd_err callback_event_list(struct db_conn *db, const struct callback_scope *vis, const char *id, json_t **out)
{
    const char *p[6];
    scope_params(vis, p);
    p[5] = id;
    json_t *j_items = NULL;
    enum pd_err err = rows_exec_one(db, &list_callback_events, 6, p, &j_items);
    if (err == PD_OK)
        *out = json_pack("{s:o, s:n}", "items", j_items, "next_cursor");
    return err;
}

/* The callback's event, to the audience of notice (NULL: none). */
/* The staff's side of a callback (who took it, attempts and their notes, reviews, failures,
 * cancellations) is internal: never on an owner's timeline, nor sent to webhooks. */
static bool internal_type(const char *type)
{
    static const char *const staff[] = { "callback.taken", "callback.reassigned", "callback.attempted",
                                         "callback.failed", "callback.returned", "callback.cancelled", NULL };
    for (const char *const *t = staff; *t != NULL; t++)
        if (strcmp(*t, type) == 0)
            return true;
    return false;
}

static enum pd_err emit(struct db_conn *db, const char *org, const char *id, const struct callback_actor *a,
                        const char *type, const char *from, const char *to, json_t *j_details,
                        const struct event_notice *notice)
{
    char *details = j_details != NULL ? json_dumps(j_details, JSON_COMPACT) : NULL;
    json_decref(j_details);
    enum pd_err err = event_emit(db, &(struct event){ .org = org, .subject_type = "callback", .subject_id = id,
                                                      .type = type, .actor_id = a->id, .actor_role = a->role,
                                                      .from_status = from, .to_status = to, .details = details,
                                                      .internal = internal_type(type),
                                                      .notices = notice, .n_notices = notice != NULL });
    free(details);
    return err;
}

static enum pd_err staff_serving(struct db_conn *db, const char *org, const char *user, const char *community)
{
    const char *p[] = { org, user, community };
    return rows_exist(db, &callback_staff, 3, p);
}

enum pd_err callback_create(struct db_conn *db, const struct callback_scope *vis, const struct callback_in *in,
                            char id_out[37], struct pd_error *e)
{
    const char *org = vis->scope[0];
    const char *pp[] = { org, vis->scope[1], in->unit_id, in->resident_id };
    PGresult *r;
    *e = (struct pd_error){ 0 };
    enum pd_err err = db_exec(db, &callback_place, 4, pp, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        *e = in->unit_id ? (struct pd_error){ PD_ERR_NOT_FOUND, "unit_id", "No such unit within your reach." }
                         : (struct pd_error){ PD_ERR_NOT_FOUND, "resident_id",
                                              "No resident with a verified home within your reach." };
        return PD_ERR_NOT_FOUND;
    }
    char community[37], unit[37], resident[37], name[51 * 4], phone[20];
    rows_copy(community, sizeof community, PQgetvalue(r, 0, 0));
    rows_copy(unit, sizeof unit, db_value(r, 0, 1));
    rows_copy(resident, sizeof resident, db_value(r, 0, 2));
    rows_copy(name, sizeof name, in->contact_name ? in->contact_name : db_value(r, 0, 3));
    rows_copy(phone, sizeof phone, in->contact_phone ? in->contact_phone : db_value(r, 0, 4));
    PQclear(r);
    if (in->assignee_id != NULL && (err = staff_serving(db, org, in->assignee_id, community)) != PD_OK) {
        if (err == PD_ERR_NOT_FOUND)
            *e = (struct pd_error){ PD_ERR_INVALID, "assignee_id", "must be a staff member serving this community" };
        return err == PD_ERR_NOT_FOUND ? PD_ERR_INVALID : err;
    }
    uuid_v4(id_out);
    const char *ip[] = { org, id_out, community, unit[0] ? unit : NULL, resident[0] ? resident : NULL,
                         name[0] ? name : NULL, phone[0] ? phone : NULL, in->kind, in->purpose, in->window_start,
                         in->window_end, in->assignee_id, in->created_by };
    if ((err = db_exec(db, &insert_callback, 13, ip, &r)) != PD_OK)
        return err;
    char status[16];
    rows_copy(status, sizeof status, PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *cp[] = { org, id_out, community, in->window_end };
    if ((err = db_exec(db, &window_clock, 4, cp, NULL)) != PD_OK)
        return err;
    struct callback_actor a = { org, in->created_by, in->actor_role };
    struct event_notice assignee = { TO_ASSIGNEE, "callback.assigned", "新的回访任务", in->purpose };
    return emit(db, org, id_out, &a, "callback.created", NULL, status, json_pack("{s:s}", "kind", in->kind),
                in->assignee_id ? &assignee : NULL);
}

/* The guarded transition of k from the status it was read in to `to` (NULL: it stays), own
 * holding the statement's parameters from $6 on. */
static enum pd_err guarded(struct db_conn *db, struct db_stmt *st, const struct callback_row *k,
                           const struct callback_actor *a, const char *to, int n_own, const char *const *own)
{
    const struct rows_transition tr = { st, &callback_state };
    return rows_move(db, &tr, &(struct rows_move){ a->org, k->id, k->status, to, k->version }, n_own, own, NULL);
}

static struct clock_subject subject_of(const char *org, const char *id)
{
    return (struct clock_subject){ org, "callback", id };
}

enum pd_err callback_take(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a)
{
    const char *own[] = { a->id };
    enum pd_err err = guarded(db, &take_callback, k, a, NULL, 1, own);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.taken", NULL, NULL, NULL, NULL);
}

enum pd_err callback_reassign(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                              const char *assignee, struct pd_error *e)
{
    enum pd_err err = staff_serving(db, a->org, assignee, k->community_id);
    if (err == PD_ERR_NOT_FOUND) {
        *e = (struct pd_error){ PD_ERR_INVALID, "assignee_id", "must be a staff member serving this community" };
        return PD_ERR_INVALID;
    }
    const char *own[] = { assignee };
    struct event_notice notice = { TO_ASSIGNEE, "callback.assigned", "回访任务已改派给您", NULL };
    if (err == PD_OK)
        err = guarded(db, &assign_callback, k, a, NULL, 1, own);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.reassigned", NULL, NULL,
                                     json_pack("{s:s}", "assignee_id", assignee), &notice);
}

enum pd_err callback_attempt(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             const char *method, const char *outcome, const char *notes)
{
    int n = k->attempts + 1;
    bool unreachable = strcmp(outcome, "unreachable") == 0, refused = strcmp(outcome, "refused") == 0;
    bool failed = refused || (unreachable && n >= k->max_attempts);
    const char *own[] = { a->id, method, outcome, notes };
    enum pd_err err = guarded(db, &attempt_callback, k, a, failed ? "failed" : NULL, 4, own);
    const struct clock_subject s = subject_of(a->org, k->id);
    if (err == PD_OK && failed)
        err = clocks_stop(db, &s);
    if (err == PD_OK && unreachable && !failed) {
        /* the next attempt, retry_hours later, reminds the assignee (src/jobs.c) */
        time_t at = time(NULL) + (time_t)k->retry_hours * 3600;
        char run_at[32], key[80];
        struct tm tm;
        gmtime_r(&at, &tm);
        strftime(run_at, sizeof run_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(key, sizeof key, "callback-retry:%s:%d", k->id, n);
        json_t *j = json_pack("{s:s, s:i}", "callback_id", k->id, "attempts", n);
        err = jobq_schedule(db, "callback_retry", a->org, j, run_at, key);
        json_decref(j);
    }
    struct event_notice supervisors = { TO_SUPERVISORS, "callback.failed", "回访失败", outcome };
    json_t *j_details = json_pack("{s:i, s:s, s:s}", "attempt", n, "method", method, "outcome", outcome);
    if (err == PD_OK)
        return emit(db, a->org, k->id, a, failed ? "callback.failed" : "callback.attempted", k->status,
                    failed ? "failed" : NULL, j_details, failed ? &supervisors : NULL);
    json_decref(j_details);
    return err;
}

enum pd_err callback_request(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             bool visit)
{
    struct event_notice owner = { TO_RESIDENT, "callback.requested",
                                  visit ? "请确认物业上门回访并评价" : "物业邀请您评价服务", NULL };
    const char *own[] = { visit ? "visit" : NULL };
    enum pd_err err = guarded(db, &request_callback, k, a, NULL, 1, own);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.requested", NULL, NULL,
                                     json_pack("{s:s}", "method", visit ? "visit" : "in_app"), &owner);
}

static bool unsatisfied(const char *satisfaction)
{
    return strcmp(satisfaction, "dissatisfied") == 0 || strcmp(satisfaction, "very_dissatisfied") == 0;
}

/* What a callback knows of the owner and its source, for what it opens. */
struct callback_facts {
    char type[16], source[37], number[32], on_unsatisfied[16], community[37], unit[37], resident[37];
    char name[51 * 4], phone[20], assignee[37];
    bool followed_up;           /* an earlier result (before a return) already opened its follow-up */
};

static enum pd_err facts_of(struct db_conn *db, const char *org, const char *id, struct callback_facts *f)
{
    const char *sp[] = { org, id };
    PGresult *r;
    enum pd_err err = db_exec(db, &callback_source, 2, sp, &r);
    if (err != PD_OK)
        return err;
    rows_copy(f->type, sizeof f->type, db_value(r, 0, 0));
    rows_copy(f->source, sizeof f->source, db_value(r, 0, 1));
    rows_copy(f->number, sizeof f->number, db_value(r, 0, 2));
    rows_copy(f->on_unsatisfied, sizeof f->on_unsatisfied, PQgetvalue(r, 0, 3));
    rows_copy(f->community, sizeof f->community, PQgetvalue(r, 0, 4));
    rows_copy(f->unit, sizeof f->unit, db_value(r, 0, 5));
    rows_copy(f->resident, sizeof f->resident, db_value(r, 0, 6));
    rows_copy(f->name, sizeof f->name, db_value(r, 0, 7));
    rows_copy(f->phone, sizeof f->phone, db_value(r, 0, 8));
    rows_copy(f->assignee, sizeof f->assignee, db_value(r, 0, 9));
    f->followed_up = PQgetvalue(r, 0, 10)[0] == 't';
    PQclear(r);
    return PD_OK;
}

/* A complaint the callback opens for its owner (channel "callback"), received by its
 * assignee: id and number out. */
static enum pd_err open_complaint(struct db_conn *db, const struct callback_facts *f, const struct callback_actor *a,
                                  const char *description, char id[37], char number[32])
{
    const struct complaint_scope org = { { a->org, NULL, NULL, NULL }, false, true, true };
    struct complaint_in in = { .community_id = f->community, .unit_id = f->unit[0] ? f->unit : NULL,
                               .channel = "callback", .contact_name = f->name[0] ? f->name : NULL,
                               .contact_phone = f->phone[0] ? f->phone : NULL, .description = description,
                               .attachment_ids = "{}", .complainant_id = f->resident[0] ? f->resident : NULL,
                               .receiver_id = f->assignee[0] ? f->assignee : a->id, .created_by = a->id,
                               .actor_id = a->id, .actor_role = a->role };
    struct pd_error e;
    PGresult *r;
    enum pd_err err = complaint_create(db, &org, &in, id, &e);
    const char *np[] = { a->org, id };
    if (err == PD_OK && (err = db_exec(db, &complaint_number_of, 2, np, &r)) == PD_OK) {
        rows_copy(number, 32, PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    return err;
}

/* A repair ticket the callback opens for a new issue the owner raised: at its unit (or its
 * community), the owner as reporter, by phone. */
static enum pd_err open_ticket(struct db_conn *db, const struct callback_facts *f, const struct callback_actor *a,
                               const char *category, const char *description, char id[37], char number[32])
{
    const struct ticket_scope org = { { a->org, NULL, NULL, NULL }, true, NULL };
    struct ticket_in in = { .kind = "repair", .category = category, .priority = "P3", .description = description,
                            .channel = "phone", .reporter_id = f->resident[0] ? f->resident : NULL,
                            .reporter_name = f->name[0] ? f->name : NULL, .reporter_phone = f->phone[0] ? f->phone : NULL,
                            .created_by = a->id, .actor_id = a->id, .actor_role = a->role, .attachment_ids = "{}" };
    if (f->unit[0])
        in.unit_id = f->unit;
    else
        in.community_id = f->community, in.location = "回访中业主反映";
    struct pd_error e;
    enum pd_err err = ticket_create(db, &org, &in, id, &e);
    struct ticket_row t;
    if (err == PD_OK && (err = ticket_load(db, &org, id, false, true, &t)) == PD_OK) {
        rows_copy(number, 32, json_string_value(json_object_get(t.j, "number")));
        ticket_row_free(&t);
    }
    return err;
}

/* An unsatisfied result (不满意, 很不满意) follows up its source per the policy frozen on the
 * callback: `reopen` its ticket (counted as a reopen, back to the desk for dispatch), or open
 * a follow-up `complaint` received by the callback's assignee; the callback names what it
 * opened and the source's timeline shows it (ticket.reopened; <source>.followed_up). */
static enum pd_err follow_up(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             const struct callback_facts *f, const char *satisfaction, const char *comment)
{
    char reason[64 + 1000 * 4 + 1], opened[37] = "", opened_number[32] = "";  /* a comment: 1,000 characters */
    enum pd_err err = PD_OK;
    if (satisfaction == NULL || !unsatisfied(satisfaction) || f->source[0] == '\0' ||
        strcmp(f->on_unsatisfied, "none") == 0 || f->followed_up)
        return PD_OK;
    snprintf(reason, sizeof reason, "回访不满意（%s）%s%s", f->number, comment ? "：" : "", comment ? comment : "");
    const char *kind = NULL;
    if (strcmp(f->on_unsatisfied, "reopen") == 0 && strcmp(f->type, "ticket") == 0) {
        const struct ticket_scope org = { { a->org, NULL, NULL, NULL }, true, NULL };
        struct ticket_row t;
        if ((err = ticket_load(db, &org, f->source, true, true, &t)) != PD_OK)
            return err;
        bool reopenable = strcmp(t.status, "closed") == 0 || strcmp(t.status, "resolved") == 0;
        if (reopenable)
            err = ticket_reopen(db, a->org, &t, "reopened", reason, a->id, a->role);
        ticket_row_free(&t);
        if (err != PD_OK || !reopenable)
            return err;
        kind = "ticket";
        rows_copy(opened, sizeof opened, f->source);
        rows_copy(opened_number, sizeof opened_number, f->number);
    } else if (strcmp(f->on_unsatisfied, "complaint") == 0) {
        if ((err = open_complaint(db, f, a, reason, opened, opened_number)) != PD_OK)
            return err;
        kind = "complaint";
        /* the source's timeline shows it: complaint.followed_up, ticket.followed_up */
        json_t *j = json_pack("{s:s, s:s, s:s}", "callback_id", k->id, "complaint_id", opened,
                              "complaint_number", opened_number);
        char *details = json_dumps(j, JSON_COMPACT);
        char type[40];
        json_decref(j);
        snprintf(type, sizeof type, "%s.followed_up", f->type);
        err = event_emit(db, &(struct event){ .org = a->org, .subject_type = f->type, .subject_id = f->source,
                                              .type = type, .actor_id = a->id, .actor_role = a->role,
                                              .details = details });
        free(details);
    } else {
        return PD_OK;
    }
    const char *fp[] = { a->org, k->id, kind, opened, opened_number };
    if (err == PD_OK)
        err = db_exec(db, &set_follow_up, 5, fp, NULL);
    return err;
}

/* A new issue the owner raised during the callback, opened in the same request as a ticket
 * (category) or a complaint; the callback names it (new_issue) and its timeline says so. */
static enum pd_err open_new_issue(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                                  const struct callback_facts *f, const struct callback_result *r)
{
    char id[37], number[32] = "";
    enum pd_err err = strcmp(r->open, "ticket") == 0 ? open_ticket(db, f, a, r->category, r->new_issues, id, number)
                                                      : open_complaint(db, f, a, r->new_issues, id, number);
    const char *np[] = { a->org, k->id, r->open, id, number };
    if (err == PD_OK)
        err = db_exec(db, &set_new_issue, 5, np, NULL);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.issue_opened", NULL, NULL,
                                     json_pack("{s:s, s:s, s:s}", "type", r->open, "id", id, "number", number), NULL);
}

enum pd_err callback_complete(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                              const struct callback_result *r, struct pd_error *e)
{
    enum pd_err err;
    *e = (struct pd_error){ 0 };
    /* a visit needs the owner's signature (DESIGN §8) */
    if (strcmp(r->method, "visit") == 0) {
        const char *sp[] = { a->org, r->signature_id, a->id, k->id };
        err = r->signature_id ? rows_exist(db, &signature_usable, 4, sp) : PD_ERR_NOT_FOUND;
        if (err == PD_ERR_NOT_FOUND) {
            *e = (struct pd_error){ PD_ERR_INVALID, "signature_id",
                                    "a visit needs the owner's signature: an image you uploaded for this visit" };
            return PD_ERR_INVALID;
        }
        if (err != PD_OK)
            return err;
    }
    const char *own[] = { r->method, r->satisfaction, r->comment, r->new_issues,
                          strcmp(r->method, "visit") == 0 ? r->signature_id : NULL, a->id };
    err = guarded(db, &complete_callback, k, a, "completed", 6, own);
    const struct clock_subject s = subject_of(a->org, k->id);
    struct callback_facts f;
    if (err == PD_OK)
        err = clock_met(db, &s, "window");
    if (err == PD_OK)
        err = facts_of(db, a->org, k->id, &f);
    if (err == PD_OK)
        err = follow_up(db, k, a, &f, r->satisfaction, r->comment);
    if (err == PD_OK && r->open != NULL)
        err = open_new_issue(db, k, a, &f, r);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.completed", k->status, "completed",
                                     json_pack("{s:s, s:s*}", "method", r->method, "satisfaction", r->satisfaction),
                                     NULL);
}

enum pd_err callback_respond(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             const char *satisfaction, const char *comment)
{
    const char *own[] = { satisfaction, comment, a->id };
    enum pd_err err = guarded(db, &respond_callback, k, a, "completed", 3, own);
    const struct clock_subject s = subject_of(a->org, k->id);
    struct callback_facts f;
    if (err == PD_OK)
        err = clock_met(db, &s, "window");
    if (err == PD_OK)
        err = facts_of(db, a->org, k->id, &f);
    if (err == PD_OK)
        err = follow_up(db, k, a, &f, satisfaction, comment);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.completed", k->status, "completed",
                                     json_pack("{s:s, s:s}", "method", k->method[0] ? k->method : "in_app",
                                               "satisfaction", satisfaction),
                                     NULL);
}

enum pd_err callback_review(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                            bool approve, const char *note)
{
    const char *own[] = { a->id, note };
    const char *to = approve ? "reviewed" : "open";
    struct event_notice assignee = { TO_ASSIGNEE, "callback.returned", "回访被退回，请重新回访", note };
    enum pd_err err = guarded(db, approve ? &approve_callback : &return_callback, k, a, to, 2, own);
    const struct clock_subject s = subject_of(a->org, k->id);
    if (err == PD_OK && !approve)
        err = clock_unmet(db, &s, "window");
    return err != PD_OK ? err : emit(db, a->org, k->id, a, approve ? "callback.reviewed" : "callback.returned",
                                     k->status, to, note ? json_pack("{s:s}", "note", note) : NULL,
                                     approve ? NULL : &assignee);
}

enum pd_err callback_cancel(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                            const char *reason)
{
    const char *own[] = { reason };
    enum pd_err err = guarded(db, &cancel_callback, k, a, "cancelled", 1, own);
    const struct clock_subject s = subject_of(a->org, k->id);
    if (err == PD_OK)
        err = clocks_stop(db, &s);
    return err != PD_OK ? err : emit(db, a->org, k->id, a, "callback.cancelled", k->status, "cancelled",
                                     json_pack("{s:s}", "reason", reason), NULL);
}

enum pd_err callback_versions(struct db_conn *db, const struct callback_scope *vis, const char *ids, json_t **out)
{
    const char *p[] = { vis->scope[0], vis->scope[1], vis->scope[2], vis->scope[3],
                        vis->assignee_only ? "true" : NULL, ids };
    return rows_versions(db, &versions_of, 6, p, out);
}
