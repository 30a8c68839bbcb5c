/* Announcements: reading with the caller's visibility, drafts, their transitions and events.
 * The wire form is announcements.doc (migration 0026); the caller's read and acknowledged
 * times are spliced in here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "announcements.h"
#include "crypto.h"
#include "events.h"
#include "jtext.h"
#include "rows.h"
#include "validate.h"

/* The caller's announcements ($1 org, $2 communities, $3 units, $4 self: api_scope_params).
 * Staff: the org's and their communities'; owners: what is out, unexpired and reaches one of
 * their verified units. */
#define A_FOR_STAFF "(a.audience = 'org' OR a.community_ids && $2)"
#define A_REACHES "pd_announcement_reaches(a, $3)"
#define A_VISIBLE "a.org_id = $1 AND ($2::uuid[] IS NULL OR " A_FOR_STAFF ") AND ($3::uuid[] IS NULL OR " A_REACHES ")"
DB_STMT(versions_of, "SELECT a.id, a.version FROM announcements a WHERE " A_VISIBLE " AND a.id = ANY ($4::uuid[])");
/* the caller serves every community it targets (org-wide staff: all) */
#define A_COVERS "($2::uuid[] IS NULL OR (a.audience <> 'org' AND a.community_ids <@ $2))"
/* The columns an announcement is assembled from (compose): 0 doc, 1 a bigint (the list's
 * cursor, the load's version), 2 id, 3 and 4 the caller's read and acknowledged times, 5 the
 * staff's part (NULL for owners: $3 units). */
#define A_PARTS(SECOND) \
    "a.doc, " SECOND ", a.id, pd_ts(rc.read_at), pd_ts(rc.acked_at), CASE WHEN $3::uuid[] IS NULL THEN a.staff_doc END"
#define A_RECEIPT \
    "LEFT JOIN announcement_receipts rc ON rc.org_id = a.org_id AND rc.announcement_id = a.id AND rc.user_id = $4::uuid"

/* load: the scope ($1..$4), $5 id; lock: the scope but self, $4 id */
DB_STMT(lock_announcement, "SELECT 1 FROM announcements a WHERE " A_VISIBLE " AND a.id = $4 FOR UPDATE");
DB_STMT(load_announcement,
    "SELECT " A_PARTS("a.version") ", a.status, " A_COVERS ", a.requires_ack "
    "FROM announcements a " A_RECEIPT " WHERE " A_VISIBLE " AND a.id = $5");
DB_STMT(mark_read,
    "INSERT INTO announcement_receipts (org_id, announcement_id, user_id) "
    "SELECT a.org_id, a.id, $4::uuid FROM announcements a WHERE " A_VISIBLE " AND a.id = $5 ON CONFLICT DO NOTHING");
DB_STMT(ack_announcement,
    "INSERT INTO announcement_receipts (org_id, announcement_id, user_id, acked_at) VALUES ($1, $2, $3, now()) "
    "ON CONFLICT (org_id, announcement_id, user_id) DO UPDATE SET acked_at = coalesce(announcement_receipts.acked_at, now())");

static const struct list_filter announcement_filters[] = {
    { "status", LIST_ENUM, "announcement_status", 0, "a.status = $v" },
    { "category", LIST_ENUM, "announcement_category", 0, "a.category = $v" },
    { "community_id", LIST_UUID, NULL, 0, "(a.audience = 'org' OR $v = ANY (a.community_ids))" },
    { "pinned", LIST_FLAG, NULL, 0, "a.pinned" },
    { "requires_ack", LIST_FLAG, NULL, 0, "a.requires_ack" },
    { "created_from", LIST_TIME, NULL, 0, "a.created_at >= $v" },
    { "created_to", LIST_TIME, NULL, 0, "a.created_at < $v" },
};

const struct list_spec announcement_list_spec = {
    .name = "announcements",
    .select = "SELECT " A_PARTS("(extract(epoch FROM a.created_at) * 1000000)::bigint") " "
              "FROM announcements a " A_RECEIPT " WHERE a.org_id = $1",
    .n_base = 4,
    .scopes = (const struct list_scope[]){ { 2, "uuid[]", A_FOR_STAFF } },
    .n_scopes = 1,
    .keyset = "(a.created_at, a.id)",
    .order = "a.created_at DESC, a.id DESC",
    .filters = announcement_filters,
    .n_filters = sizeof announcement_filters / sizeof announcement_filters[0],
};

/* The owner's feed, in the order of feed_at (pinned first, then the newest): what
 * pd_announcement_reaches lets them read, with their communities and buildings found once
 * (m) rather than through their units for each notice. */
static const struct list_spec feed_spec = {
    .name = "announcement feed",
    .select = "SELECT " A_PARTS("(extract(epoch FROM a.feed_at) * 1000000)::bigint") " "
              "FROM (SELECT array_agg(DISTINCT u.community_id) AS communities, array_agg(DISTINCT u.building_id) AS buildings "
              "      FROM units u WHERE u.org_id = $1 AND u.id = ANY ($3)) m "
              "CROSS JOIN announcements a " A_RECEIPT " "
              "WHERE a.org_id = $1 AND a.status = 'published' AND (a.expires_at IS NULL OR a.expires_at > now()) "
              "AND (a.audience = 'org' OR (a.audience = 'communities' AND a.community_ids && m.communities) "
              "  OR (a.audience = 'buildings' AND a.building_ids && m.buildings)) AND m.communities IS NOT NULL",
    .n_base = 4,
    .keyset = "(a.feed_at, a.id)",
    .order = "a.feed_at DESC, a.id DESC",
};

/* Places within reach: $1 org, $2 the caller's communities, $3 the ids named (each once). */
DB_STMT(communities_reachable,
    "SELECT count(*) = (SELECT count(DISTINCT x) FROM unnest($3::uuid[]) x) FROM communities c "
    "WHERE c.org_id = $1 AND c.id = ANY ($3::uuid[]) AND ($2::uuid[] IS NULL OR c.id = ANY ($2))");
DB_STMT(buildings_reachable,
    "SELECT count(*) = (SELECT count(DISTINCT x) FROM unnest($3::uuid[]) x) FROM buildings b "
    "WHERE b.org_id = $1 AND b.id = ANY ($3::uuid[]) AND ($2::uuid[] IS NULL OR b.community_id = ANY ($2))");
DB_STMT(insert_announcement,
    "INSERT INTO announcements (org_id, id, title, body, category, audience, community_ids, building_ids, "
    "  attachment_ids, pinned, requires_ack, outage_from, outage_to, expires_at, created_by, report) "
    "VALUES ($1, $2, $3, $4, $5, $6, "
    "  CASE $6 WHEN 'org' THEN '{}'::uuid[] WHEN 'communities' THEN ARRAY(SELECT DISTINCT x FROM unnest($7::uuid[]) x ORDER BY 1) "
    "    ELSE ARRAY(SELECT DISTINCT b.community_id FROM buildings b WHERE b.org_id = $1 AND b.id = ANY ($8::uuid[]) "
    "      ORDER BY 1) END, "
    "  CASE $6 WHEN 'buildings' THEN ARRAY(SELECT DISTINCT x FROM unnest($8::uuid[]) x ORDER BY 1) ELSE '{}'::uuid[] END, "
    "  $9::uuid[], $10::bool OR $5 = 'emergency', $11::bool, $12::timestamptz, $13::timestamptz, $14::timestamptz, $15, "
    "  $16::jsonb)");

/* Transitions (rows_transition): $1 org, $2 id, $3 from, $4 to, $5 version, then their own. */
#define A_GUARD "WHERE org_id = $1 AND id = $2 AND status = $3 AND ($5::bigint IS NULL OR version = $5)"
#define A_MOVE "status = $4, version = version + 1, updated_at = now()"
DB_STMT(announcement_state, "SELECT status, version FROM announcements WHERE org_id = $1 AND id = $2");
/* $6 title, $7 body, $8 category, $9 attachments, $10 pinned, $11 requires_ack, $12 the
 * outage window given, $13 $14 it, $15 the expiry given, $16 it */
DB_STMT(update_announcement,
    "UPDATE announcements SET title = coalesce($6, title), body = coalesce($7, body), "
    "  category = coalesce($8, category), attachment_ids = coalesce($9::uuid[], attachment_ids), "
    "  pinned = coalesce($10::bool, pinned) OR coalesce($8, category) = 'emergency', "
    "  requires_ack = coalesce($11::bool, requires_ack), "
    "  outage_from = CASE WHEN $12::bool THEN $13::timestamptz ELSE outage_from END, "
    "  outage_to = CASE WHEN $12::bool THEN $14::timestamptz ELSE outage_to END, "
    "  expires_at = CASE WHEN $15::bool THEN $16::timestamptz ELSE expires_at END, "
    "  " A_MOVE " " A_GUARD " RETURNING version");
DB_STMT(schedule_announcement, "UPDATE announcements SET publish_at = $6::timestamptz, " A_MOVE " " A_GUARD " RETURNING version");
DB_STMT(publish_announcement,
    "UPDATE announcements SET publish_at = NULL, published_at = now(), published_by = $6::uuid, " A_MOVE " " A_GUARD
    " RETURNING version");
DB_STMT(withdraw_announcement,
    "UPDATE announcements SET withdraw_reason = $6, withdrawn_by = $7::uuid, withdrawn_at = now(), " A_MOVE " " A_GUARD
    " RETURNING version");
DB_STMT(archive_announcement,
    "UPDATE announcements SET archived_at = now(), amended_by_id = $6::uuid, " A_MOVE " " A_GUARD " RETURNING version");
DB_STMT(published_event, "SELECT pd_announcement_published($1, $2, $3, $4, $5)");
/* the correction of $2 as $3: $4 title, $5 body, $6 attachments, $7 the outage window given,
 * $8 $9 it, $10 the expiry given, $11 it, $12 the author */
DB_STMT(insert_amendment,
    "INSERT INTO announcements (org_id, id, title, body, category, audience, community_ids, building_ids, "
    "  attachment_ids, pinned, requires_ack, outage_from, outage_to, expires_at, status, amends_id, created_by, "
    "  published_by, published_at, report) "
    "SELECT org_id, $3, coalesce($4, title), coalesce($5, body), category, audience, community_ids, building_ids, "
    "  coalesce($6::uuid[], attachment_ids), pinned, requires_ack, "
    "  CASE WHEN $7::bool THEN $8::timestamptz ELSE outage_from END, "
    "  CASE WHEN $7::bool THEN $9::timestamptz ELSE outage_to END, "
    "  CASE WHEN $10::bool THEN $11::timestamptz ELSE expires_at END, 'published', id, $12, $12, now(), report "
    "FROM announcements WHERE org_id = $1 AND id = $2");

/* Receipts: the scope but self ($1..$3), $4 id. Households are the targeted units, reachable those
 * with a resident in the app; a household read (acknowledged) it when one of its residents did. */
DB_STMT(announcement_receipts_of,
    "WITH a AS (SELECT a.* FROM announcements a WHERE " A_VISIBLE " AND a.id = $4), "
    "t AS (SELECT t.unit_id, t.building_id FROM a, pd_announcement_units(a) t "
    "  WHERE $2::uuid[] IS NULL OR t.community_id = ANY ($2)), "
    "r AS (SELECT DISTINCT t.unit_id, r.user_id FROM t JOIN residencies r ON r.org_id = $1 AND r.unit_id = t.unit_id "
    "  AND r.status = 'verified'), "
    "per_unit AS (SELECT t.unit_id, t.building_id, count(r.user_id) AS residents, count(rc.read_at) AS read, "
    "    count(rc.acked_at) AS acked FROM t LEFT JOIN r ON r.unit_id = t.unit_id "
    "  LEFT JOIN announcement_receipts rc ON rc.org_id = $1 AND rc.announcement_id = $4 AND rc.user_id = r.user_id "
    "  GROUP BY t.unit_id, t.building_id), "
    "per_building AS (SELECT p.building_id, count(*) AS households, count(*) FILTER (WHERE p.residents > 0) AS reachable, "
    "    sum(p.residents) AS residents, count(*) FILTER (WHERE p.read > 0) AS households_read, sum(p.read) AS residents_read, "
    "    count(*) FILTER (WHERE p.acked > 0) AS households_acked, sum(p.acked) AS residents_acked "
    "  FROM per_unit p GROUP BY p.building_id UNION ALL "
    "  SELECT NULL, count(*), count(*) FILTER (WHERE p.residents > 0), coalesce(sum(p.residents), 0), "
    "    count(*) FILTER (WHERE p.read > 0), coalesce(sum(p.read), 0), count(*) FILTER (WHERE p.acked > 0), "
    "    coalesce(sum(p.acked), 0) FROM per_unit p), "
    "rows AS (SELECT b.building_id, bl.name, bl.community_id, json_build_object('building_id', b.building_id, "
    "    'building_name', bl.name, 'community_id', bl.community_id, 'households', b.households, "
    "    'reachable_households', b.reachable, 'residents', b.residents, 'households_read', b.households_read, "
    "    'residents_read', b.residents_read, 'households_acked', b.households_acked, "
    "    'residents_acked', b.residents_acked, "
    "    'read_rate', round(b.households_read::numeric / nullif(b.reachable, 0), 4), "
    "    'ack_rate', round(b.households_acked::numeric / nullif(b.reachable, 0), 4)) AS j "
    "  FROM per_building b LEFT JOIN buildings bl ON bl.org_id = $1 AND bl.id = b.building_id) "
    "SELECT json_build_object('announcement_id', a.id, 'requires_ack', a.requires_ack, 'status', a.status, "
    "  'buildings', (SELECT coalesce(json_agg(x.j ORDER BY x.name, x.building_id), '[]') FROM rows x "
    "    WHERE x.building_id IS NOT NULL), "
    "  'totals', (SELECT x.j::jsonb - 'building_id' - 'building_name' - 'community_id' FROM rows x "
    "    WHERE x.building_id IS NULL), "
    "  'unacknowledged_total', CASE WHEN a.requires_ack THEN (SELECT count(*) FROM per_unit p WHERE p.acked = 0) ELSE 0 END, "
    "  'unacknowledged_units', CASE WHEN a.requires_ack THEN (SELECT coalesce(json_agg(x.j ORDER BY x.building, x.number), '[]') "
    "    FROM (SELECT bl.name AS building, u.number, json_build_object('unit_id', u.id, 'unit_number', u.number, "
    "        'building_id', u.building_id, 'building_name', bl.name, 'residents', p.residents) AS j "
    "      FROM per_unit p JOIN units u ON u.org_id = $1 AND u.id = p.unit_id "
    "      JOIN buildings bl ON bl.org_id = $1 AND bl.id = u.building_id WHERE p.acked = 0 "
    "      ORDER BY bl.name, u.number LIMIT 1000) x) ELSE '[]' END) "
    "FROM a");

void announcement_row_free(struct announcement_row *a)
{
    json_decref(a->j);
    free(a->json);
    a->j = NULL;
    a->json = NULL;
}


/* Row's announcement (the columns of A_PARTS) with the caller's read and acknowledged times;
 * an owner gets none of the staff's part. */
static void compose(struct jtext *b, PGresult *r, int row)
{
    jtext_put(b, "{\"read_at\":");
    jtext_str(b, db_value(r, row, 3));
    jtext_key(b, "acked_at");
    jtext_str(b, db_value(r, row, 4));
    if (PQgetisnull(r, row, 5))
        jtext_put(b, ",\"report\":null,\"created_by\":null,\"published_by\":null");
    else
        jtext_members(b, PQgetvalue(r, row, 5));
    jtext_members(b, PQgetvalue(r, row, 0));
    jtext_put(b, "}");
}

void announcement_item(struct jtext *b, PGresult *r, int row, const void *ctx)
{
    (void)ctx;
    compose(b, r, row);
}

enum pd_err announcement_load(struct db_conn *db, const char *const scope[4], const char *id, bool lock,
                              bool parse, struct announcement_row *out)
{
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], id };
    const char *lp[] = { scope[0], scope[1], scope[2], id };
    PGresult *r;
    enum pd_err err;
    memset(out, 0, sizeof *out);
    if (lock && (err = rows_exist(db, &lock_announcement, 4, lp)) != PD_OK)
        return err;
    if ((err = rows_exec_row(db, &load_announcement, 5, p, &r)) != PD_OK)
        return err;
    struct jtext b = { 0 };
    compose(&b, r, 0);
    out->json = jtext_take(&b);
    rows_copy(out->id, sizeof out->id, id);
    out->version = atoll(PQgetvalue(r, 0, 1));
    rows_copy(out->status, sizeof out->status, PQgetvalue(r, 0, 6));
    out->covers = PQgetvalue(r, 0, 7)[0] == 't';
    out->requires_ack = PQgetvalue(r, 0, 8)[0] == 't';
    PQclear(r);
    if (out->json != NULL && parse)
        out->j = json_loads(out->json, 0, NULL);
    if (out->json == NULL || (parse && out->j == NULL)) {
        announcement_row_free(out);
        return PD_ERR_NOMEM;
    }
    return PD_OK;
}

enum pd_err announcement_mark_read(struct db_conn *db, const char *const scope[4], const char *id)
{
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], id };
    return db_exec(db, &mark_read, 5, p, NULL);
}

bool announcement_list_read(const char *const scope[4], const char *const values[], const struct page *pg,
                            struct db_read *out)
{
    return list_read(&announcement_list_spec, scope, values, pg, out);
}

bool announcement_feed_read(const char *const scope[4], const struct page *pg, struct db_read *out)
{
    return list_read(&feed_spec, scope, NULL, pg, out);
}

enum pd_err announcement_receipts(struct db_conn *db, const char *const scope[4], const char *id, json_t **out)
{
    const char *p[] = { scope[0], scope[1], scope[2], id };
    enum pd_err err = rows_exec_one(db, &announcement_receipts_of, 4, p, out);
    return err == PD_OK && json_is_null(*out) ? PD_ERR_NOT_FOUND : err;
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Announcement events: the drafting is the desk's business (internal); what residents see
 * happen to a notice is public (webhooks, push). */
static enum pd_err emit(struct db_conn *db, const struct announcement_actor *a, const char *id, const char *type,
                        const char *from, const char *to, json_t *j_details, bool internal)
{
    char *details = j_details != NULL ? json_dumps(j_details, JSON_COMPACT) : NULL;
    json_decref(j_details);
    enum pd_err err = event_emit(db, &(struct event){ .org = a->org, .subject_type = "announcement", .subject_id = id,
                                                      .type = type, .actor_id = a->id, .actor_role = a->role,
                                                      .from_status = from, .to_status = to, .details = details,
                                                      .internal = internal });
    free(details);
    return err;
}

static enum pd_err published(struct db_conn *db, const struct announcement_actor *a, const char *id, const char *from)
{
    const char *p[] = { a->org, id, a->id, a->role, from };
    return db_exec(db, &published_event, 5, p, NULL);
}

static enum pd_err reachable(struct db_conn *db, struct db_stmt *st, const char *const scope[4], const char *ids,
                             const char *field, struct pd_error *e)
{
    const char *p[] = { scope[0], scope[1], ids };
    PGresult *r;
    enum pd_err err = db_exec(db, st, 3, p, &r);
    if (err != PD_OK)
        return err;
    bool all = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (all)
        return PD_OK;
    *e = (struct pd_error){ PD_ERR_NOT_FOUND, field, "names a place out of your reach" };
    return PD_ERR_NOT_FOUND;
}

enum pd_err announcement_reachable(struct db_conn *db, const char *const scope[4], const struct announcement_in *in,
                                   struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    if (strcmp(in->audience, "org") == 0 && scope[1] != NULL) {
        *e = (struct pd_error){ PD_ERR_INVALID, "audience", "only org-wide staff address the whole organisation" };
        return PD_ERR_INVALID;
    }
    if (strcmp(in->audience, "communities") == 0)
        return reachable(db, &communities_reachable, scope, in->community_ids, "community_ids", e);
    if (strcmp(in->audience, "buildings") == 0)
        return reachable(db, &buildings_reachable, scope, in->building_ids, "building_ids", e);
    return PD_OK;
}

enum pd_err announcement_create(struct db_conn *db, const char *const scope[4], const struct announcement_in *in,
                                const struct announcement_actor *a, char id_out[37], struct pd_error *e)
{
    enum pd_err err = announcement_reachable(db, scope, in, e);
    if (err != PD_OK)
        return err;
    uuid_v4(id_out);
    const char *p[] = { a->org, id_out, in->title, in->body, in->category, in->audience,
                        in->community_ids ? in->community_ids : "{}", in->building_ids ? in->building_ids : "{}",
                        in->attachment_ids ? in->attachment_ids : "{}", in->pinned == 1 ? "true" : "false",
                        in->requires_ack == 1 ? "true" : "false", in->outage_from, in->outage_to, in->expires_at,
                        a->id, in->report };
    if ((err = db_exec(db, &insert_announcement, 16, p, NULL)) != PD_OK)
        return err;
    return emit(db, a, id_out, "announcement.created", NULL, "draft",
                json_pack("{s:s, s:s}", "category", in->category, "audience", in->audience), true);
}

/* The guarded transition of r from the status it was read in to `to` (NULL: it stays), own
 * holding the statement's parameters from $6 on. */
static enum pd_err guarded(struct db_conn *db, struct db_stmt *st, const struct announcement_row *r,
                           const struct announcement_actor *a, const char *to, int n_own, const char *const *own)
{
    const struct rows_transition tr = { st, &announcement_state };
    return rows_move(db, &tr, &(struct rows_move){ a->org, r->id, r->status, to, r->version }, n_own, own, NULL);
}

/* The rules of a category, on what the notice will be: an emergency expires, an outage has
 * its affected window; an expiry is ahead, and after the publication time. */
static bool rules_kept(const char *category, bool has_outage, const char *expires_at, const char *publish_at,
                       struct pd_error *e)
{
    time_t expires = rfc3339_time(expires_at), now = time(NULL);
    if (strcmp(category, "emergency") == 0 && expires_at == NULL)
        *e = (struct pd_error){ PD_ERR_INVALID, "expires_at", "an emergency notice must have an expiry" };
    else if (strcmp(category, "outage") == 0 && !has_outage)
        *e = (struct pd_error){ PD_ERR_INVALID, "outage_window", "an outage notice gives the affected window" };
    else if (expires_at != NULL && expires <= now)
        *e = (struct pd_error){ PD_ERR_INVALID, "expires_at", "must be in the future" };
    else if (expires_at != NULL && publish_at != NULL && expires <= rfc3339_time(publish_at))
        *e = (struct pd_error){ PD_ERR_INVALID, "expires_at", "must be after publish_at" };
    else
        return true;
    return false;
}

static const char *text_of(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* The notice r will be once in is applied: does it keep its category's rules? */
static bool merged_rules_kept(const struct announcement_row *r, const struct announcement_in *in,
                              const char *publish_at, struct pd_error *e)
{
    const char *was = text_of(r->j, "category"), *category = in->category ? in->category : was;
    if (was != NULL && (strcmp(was, "service_report") == 0) != (strcmp(category, "service_report") == 0)) {
        *e = (struct pd_error){ PD_ERR_INVALID, "category", "a service report stays one, and only the report makes one" };
        return false;
    }
    bool has_outage = in->outage_given ? in->outage_from != NULL : json_is_object(json_object_get(r->j, "outage_window"));
    const char *expires = in->expires_given ? in->expires_at : text_of(r->j, "expires_at");
    return rules_kept(category ? category : "", has_outage, expires, publish_at, e);
}

bool announcement_rules_kept(const struct announcement_in *in, struct pd_error *e)
{
    if (strcmp(in->category, "service_report") == 0 && in->report == NULL) {
        *e = (struct pd_error){ PD_ERR_INVALID, "category", "service reports are written by POST /v1/announcements/service-report" };
        return false;
    }
    return rules_kept(in->category, in->outage_from != NULL, in->expires_at, NULL, e);
}

enum pd_err announcement_update(struct db_conn *db, const struct announcement_row *r, const struct announcement_actor *a,
                                const struct announcement_in *in, struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    if (!merged_rules_kept(r, in, text_of(r->j, "publish_at"), e))
        return PD_ERR_INVALID;
    const char *own[] = { in->title, in->body, in->category, in->attachment_ids, rows_flag(in->pinned), rows_flag(in->requires_ack),
                          in->outage_given ? "true" : "false", in->outage_from, in->outage_to,
                          in->expires_given ? "true" : "false", in->expires_at };
    enum pd_err err = guarded(db, &update_announcement, r, a, NULL, 11, own);
    return err != PD_OK ? err : emit(db, a, r->id, "announcement.updated", NULL, NULL, NULL, true);
}

enum pd_err announcement_schedule(struct db_conn *db, const struct announcement_row *r,
                                  const struct announcement_actor *a, const char *publish_at, struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    const char *expires = text_of(r->j, "expires_at");
    if (rfc3339_time(publish_at) <= time(NULL)) {
        *e = (struct pd_error){ PD_ERR_INVALID, "publish_at", "must be in the future (publish to send it now)" };
        return PD_ERR_INVALID;
    }
    if (expires != NULL && rfc3339_time(expires) <= rfc3339_time(publish_at)) {
        *e = (struct pd_error){ PD_ERR_INVALID, "publish_at", "must be before the notice expires" };
        return PD_ERR_INVALID;
    }
    const char *own[] = { publish_at };
    enum pd_err err = guarded(db, &schedule_announcement, r, a, "scheduled", 1, own);
    return err != PD_OK ? err : emit(db, a, r->id, "announcement.scheduled", r->status, "scheduled",
                                     json_pack("{s:s}", "publish_at", publish_at), true);
}

enum pd_err announcement_publish(struct db_conn *db, const struct announcement_row *r,
                                 const struct announcement_actor *a, struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    const char *expires = text_of(r->j, "expires_at");
    if (expires != NULL && rfc3339_time(expires) <= time(NULL)) {
        *e = (struct pd_error){ PD_ERR_INVALID, "expires_at", "has passed: edit the expiry first" };
        return PD_ERR_INVALID;
    }
    const char *own[] = { a->id };
    enum pd_err err = guarded(db, &publish_announcement, r, a, "published", 1, own);
    return err != PD_OK ? err : published(db, a, r->id, r->status);
}

enum pd_err announcement_withdraw(struct db_conn *db, const struct announcement_row *r,
                                  const struct announcement_actor *a, const char *reason)
{
    const char *own[] = { reason, a->id };
    enum pd_err err = guarded(db, &withdraw_announcement, r, a, "withdrawn", 2, own);
    return err != PD_OK ? err : emit(db, a, r->id, "announcement.withdrawn", r->status, "withdrawn",
                                     json_pack("{s:s}", "reason", reason), false);
}

enum pd_err announcement_archive(struct db_conn *db, const struct announcement_row *r,
                                 const struct announcement_actor *a)
{
    const char *own[] = { NULL };
    enum pd_err err = guarded(db, &archive_announcement, r, a, "archived", 1, own);
    return err != PD_OK ? err : emit(db, a, r->id, "announcement.archived", r->status, "archived", NULL, false);
}

enum pd_err announcement_amend(struct db_conn *db, const struct announcement_row *r, const struct announcement_actor *a,
                               const struct announcement_in *in, char id_out[37], struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    if (!merged_rules_kept(r, in, NULL, e))
        return PD_ERR_INVALID;
    uuid_v4(id_out);
    const char *p[] = { a->org, r->id, id_out, in->title, in->body, in->attachment_ids,
                        in->outage_given ? "true" : "false", in->outage_from, in->outage_to,
                        in->expires_given ? "true" : "false", in->expires_at, a->id };
    enum pd_err err = db_exec(db, &insert_amendment, 12, p, NULL);
    const char *own[] = { id_out };
    if (err == PD_OK)
        err = guarded(db, &archive_announcement, r, a, "archived", 1, own);
    if (err == PD_OK)
        err = emit(db, a, r->id, "announcement.amended", r->status, "archived", json_pack("{s:s}", "amended_by_id", id_out),
                   false);
    return err != PD_OK ? err : published(db, a, id_out, NULL);
}

enum pd_err announcement_ack(struct db_conn *db, const char *org, const char *id, const char *user)
{
    const char *p[] = { org, id, user };
    return db_exec(db, &ack_announcement, 3, p, NULL);
}

enum pd_err announcement_versions(struct db_conn *db, const char *const scope[4], const char *ids, json_t **out)
{
    const char *p[] = { scope[0], scope[1], scope[2], ids };
    return rows_versions(db, &versions_of, 4, p, out);
}
