/* Surveys: templates, campaigns with the caller's visibility, answers, the audit, results.
 * The arithmetic, the draws and the wire forms are SQL (migration 0029); this file says
 * which rows and in which order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crypto.h"
#include "events.h"
#include "jtext.h"
#include "rows.h"
#include "surveys.h"
#include "validate.h"

/* ---- templates ------------------------------------------------------------------------------ */

static const struct list_filter template_filters[] = {
    { "is_default", LIST_FLAG, NULL, 0, "t.is_default" },
};

const struct list_spec survey_template_list_spec = {
    .name = "survey templates",
    .select = "SELECT pd_survey_template_doc(t), (extract(epoch FROM t.created_at) * 1000000)::bigint, t.id "
              "FROM survey_templates t WHERE t.org_id = $1 AND t.latest",
    .n_base = 1,
    .keyset = "(t.created_at, t.id)",
    .order = "t.created_at DESC, t.id DESC",
    .filters = template_filters,
    .n_filters = sizeof template_filters / sizeof template_filters[0],
};

DB_STMT(load_template,
    "SELECT pd_survey_template_doc(t) FROM survey_templates t WHERE t.org_id = $1 AND t.id = $2 "
    "AND CASE WHEN $3::int IS NULL THEN t.latest ELSE t.version = $3::int END");
DB_STMT(template_problems,
    "SELECT coalesce(json_agg(json_build_object('field', p.field, 'message', p.message)), '[]') "
    "FROM pd_survey_template_problems($1::jsonb) p");
DB_STMT(insert_template,
    "INSERT INTO survey_templates (org_id, id, version, name, description, sections, created_by) "
    "VALUES ($1, $2, 1, $3, coalesce($4, ''), pd_survey_sections_normalized($5::jsonb), $6)");
/* the next version: $1 org, $2 id, $3 the version it follows (NULL: the newest), $4 name,
 * $5 description, $6 sections, $7 author */
DB_STMT(revise_template,
    "WITH was AS (UPDATE survey_templates t SET latest = false WHERE t.org_id = $1 AND t.id = $2 AND t.latest "
    "  AND ($3::int IS NULL OR t.version = $3::int) RETURNING t.*) "
    "INSERT INTO survey_templates (org_id, id, version, name, description, sections, is_default, created_by) "
    "SELECT org_id, id, version + 1, coalesce($4, name), coalesce($5, description), "
    "  coalesce(pd_survey_sections_normalized($6::jsonb), sections), is_default, $7 FROM was RETURNING version");
DB_STMT(template_exists, "SELECT 1 FROM survey_templates WHERE org_id = $1 AND id = $2 AND latest");

enum pd_err survey_template_list(struct db_conn *db, const char *org, const char *const values[], const struct page *pg,
                                 char **out)
{
    const char *base[] = { org };
    return list_run(db, &survey_template_list_spec, base, values, pg, NULL, NULL, out);
}

enum pd_err survey_template_load(struct db_conn *db, const char *org, const char *id, const char *version, json_t **out)
{
    const char *p[] = { org, id, version };
    return rows_exec_one(db, &load_template, 3, p, out);
}

enum pd_err survey_template_problems(struct db_conn *db, const char *sections, json_t **out)
{
    const char *p[] = { sections };
    return rows_exec_one(db, &template_problems, 1, p, out);
}

enum pd_err survey_template_create(struct db_conn *db, const struct survey_actor *a, const char *name,
                                   const char *description, const char *sections, char id_out[37])
{
    uuid_v4(id_out);
    const char *p[] = { a->org, id_out, name, description, sections, a->id };
    return db_exec(db, &insert_template, 6, p, NULL);
}

enum pd_err survey_template_revise(struct db_conn *db, const struct survey_actor *a, const char *id, long long version,
                                   const char *name, const char *description, const char *sections)
{
    char v[24];
    const char *p[] = { a->org, id, rows_version_param(version, v), name, description, sections, a->id };
    PGresult *r;
    enum pd_err err = db_exec(db, &revise_template, 7, p, &r);
    if (err != PD_OK)
        return err;
    bool done = PQntuples(r) == 1;
    PQclear(r);
    if (done)
        return PD_OK;
    const char *ep[] = { a->org, id };
    err = rows_exist(db, &template_exists, 2, ep);
    return err == PD_OK ? PD_ERR_STALE : err;
}

/* ---- campaigns ------------------------------------------------------------------------------ */

/* The caller's campaigns ($1 org, $2 communities, $3 units, $4 self: api_scope_params).
 * Staff: those targeting one of their communities; owners: what is open or closed and
 * targets one of their units. */
#define S_FOR_STAFF "s.community_ids && $2"
#define S_TARGETS_OWNER \
    "(s.status IN ('open', 'closed') AND EXISTS (SELECT 1 FROM survey_targets g " \
    "  WHERE g.org_id = s.org_id AND g.survey_id = s.id AND g.unit_id = ANY ($3)))"
#define S_VISIBLE "s.org_id = $1 AND ($2::uuid[] IS NULL OR " S_FOR_STAFF ") AND ($3::uuid[] IS NULL OR " S_TARGETS_OWNER ")"
DB_STMT(versions_of, "SELECT s.id, s.version FROM surveys s WHERE " S_VISIBLE " AND s.id = ANY ($4::uuid[])");
#define S_COVERS "($2::uuid[] IS NULL OR s.community_ids <@ $2)"
/* an owner: one of their targeted units (or, one answer per resident, they) has not answered */
#define S_UNANSWERED \
    "($3::uuid[] IS NOT NULL AND EXISTS (SELECT 1 FROM survey_targets g WHERE g.org_id = s.org_id " \
    "  AND g.survey_id = s.id AND g.unit_id = ANY ($3) AND NOT EXISTS (SELECT 1 FROM survey_responses r " \
    "  WHERE r.org_id = s.org_id AND r.survey_id = s.id AND r.answer_key = " \
    "  CASE s.answer_per WHEN 'unit' THEN g.unit_id::text ELSE g.unit_id::text || ':' || $4 END)))"
/* what owners are not shown of a campaign */
#define S_STAFF_ONLY "ARRAY['created_by', 'sample_seed']"
#define S_LOAD(LOCK) \
    "SELECT pd_survey_doc(s) - CASE WHEN $3::uuid[] IS NULL THEN '{}'::text[] ELSE " S_STAFF_ONLY " END " \
    "  || jsonb_build_object('template_name', t.name, 'sections', t.sections), s.version, " \
    "  s.status, " S_COVERS ", " S_UNANSWERED " " \
    "FROM surveys s JOIN survey_templates t ON t.org_id = s.org_id AND t.id = s.template_id " \
    "  AND t.version = s.template_version WHERE " S_VISIBLE " AND s.id = $5" LOCK

DB_STMT(load_survey, S_LOAD(""));
DB_STMT(load_survey_share, S_LOAD(" FOR SHARE OF s"));
DB_STMT(load_survey_update, S_LOAD(" FOR UPDATE OF s"));

static const struct list_filter survey_filters[] = {
    { "status", LIST_ENUM, "survey_status", 0, "s.status = $v" },
    { "community_id", LIST_UUID, NULL, 0, "$v = ANY (s.community_ids)" },
    { "template_id", LIST_UUID, NULL, 0, "s.template_id = $v" },
};

const struct list_spec survey_list_spec = {
    .name = "surveys",
    .select = "SELECT pd_survey_doc(s), (extract(epoch FROM s.created_at) * 1000000)::bigint, s.id "
              "FROM surveys s WHERE s.org_id = $1",
    .n_base = 4,
    .scopes = (const struct list_scope[]){ { 2, "uuid[]", S_FOR_STAFF } },
    .n_scopes = 1,
    .keyset = "(s.created_at, s.id)",
    .order = "s.created_at DESC, s.id DESC",
    .filters = survey_filters,
    .n_filters = sizeof survey_filters / sizeof survey_filters[0],
};

/* the owner's open campaigns: $1 org, $3 units, $4 self ($2, an owner's communities, is NULL) */
DB_STMT(my_surveys,
    "SELECT coalesce(jsonb_agg(x.doc ORDER BY x.closes_at, x.id), '[]') FROM ("
    "  SELECT s.id, s.closes_at, pd_survey_doc(s) - " S_STAFF_ONLY " "
    "    || jsonb_build_object('template_name', t.name, 'sections', t.sections, 'units', "
    "      (SELECT jsonb_agg(jsonb_build_object('unit_id', g.unit_id, 'number', u.number, 'answered_at', "
    "         (SELECT pd_ts(r.submitted_at) FROM survey_responses r WHERE r.org_id = s.org_id AND r.survey_id = s.id "
    "          AND r.answer_key = CASE s.answer_per WHEN 'unit' THEN g.unit_id::text ELSE g.unit_id::text || ':' || $4 END)) "
    "         ORDER BY u.number) "
    "       FROM survey_targets g JOIN units u ON u.org_id = g.org_id AND u.id = g.unit_id "
    "       WHERE g.org_id = s.org_id AND g.survey_id = s.id AND g.unit_id = ANY ($3))) AS doc "
    "  FROM surveys s JOIN survey_templates t ON t.org_id = s.org_id AND t.id = s.template_id "
    "    AND t.version = s.template_version "
    "  WHERE s.org_id = $1 AND $2::uuid[] IS NULL AND s.status = 'open' AND EXISTS (SELECT 1 FROM survey_targets g "
    "    WHERE g.org_id = s.org_id AND g.survey_id = s.id AND g.unit_id = ANY ($3))) x");

void survey_row_free(struct survey_row *s)
{
    json_decref(s->j);
    s->j = NULL;
}

enum pd_err survey_load(struct db_conn *db, const char *const scope[4], const char *id, enum survey_lock lock,
                        struct survey_row *out)
{
    struct db_stmt *st = lock == SURVEY_UPDATE ? &load_survey_update : lock == SURVEY_SHARE ? &load_survey_share : &load_survey;
    const char *p[] = { scope[0], scope[1], scope[2], scope[3], id };
    PGresult *r;
    memset(out, 0, sizeof *out);
    enum pd_err err = rows_exec_row(db, st, 5, p, &r);
    if (err != PD_OK)
        return err;
    out->j = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    rows_copy(out->id, sizeof out->id, id);
    out->version = atoll(PQgetvalue(r, 0, 1));
    rows_copy(out->status, sizeof out->status, PQgetvalue(r, 0, 2));
    out->covers = PQgetvalue(r, 0, 3)[0] == 't';
    out->unanswered = PQgetvalue(r, 0, 4)[0] == 't';
    PQclear(r);
    return out->j != NULL ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err survey_list(struct db_conn *db, const char *const scope[4], const char *const values[],
                        const struct page *pg, char **out)
{
    return list_run(db, &survey_list_spec, scope, values, pg, NULL, NULL, out);
}

enum pd_err survey_mine(struct db_conn *db, const char *const scope[4], json_t **out)
{
    return rows_exec_one(db, &my_surveys, 4, scope, out);
}

/* ---- writing campaigns ---------------------------------------------------------------------- */

/* $1 org, $2 communities of the caller, $3 the ids named (each once) */
DB_STMT(communities_reachable,
    "SELECT count(*) = (SELECT count(DISTINCT x) FROM unnest($3::uuid[]) x) FROM communities c "
    "WHERE c.org_id = $1 AND c.id = ANY ($3::uuid[]) AND ($2::uuid[] IS NULL OR c.id = ANY ($2))");
/* $1 org, $2 template, $3 version (NULL: the newest) */
DB_STMT(template_version,
    "SELECT t.version FROM survey_templates t WHERE t.org_id = $1 AND t.id = $2 "
    "AND CASE WHEN $3::int IS NULL THEN t.latest ELSE t.version = $3::int END");
DB_STMT(insert_survey,
    "INSERT INTO surveys (org_id, id, title, description, template_id, template_version, community_ids, opens_at, "
    "  closes_at, sample_percent, sample_seed, answer_per, anonymous, target_rate, announce, created_by) "
    "VALUES ($1, $2, $3, coalesce($4, ''), $5, $6::int, ARRAY(SELECT DISTINCT x FROM unnest($7::uuid[]) x ORDER BY 1), "
    "  $8::timestamptz, $9::timestamptz, $10::numeric, coalesce($11::bigint, (random() * 9007199254740991)::bigint), "
    "  coalesce($12, 'unit'), coalesce($13::bool, false), coalesce($14::numeric, 0.85), coalesce($15::bool, false), $16)");

/* Transitions (rows_transition): $1 org, $2 id, $3 from, $4 to, $5 version, then their own. */
#define S_GUARD "WHERE org_id = $1 AND id = $2 AND status = $3 AND ($5::bigint IS NULL OR version = $5)"
#define S_MOVE "status = $4, version = version + 1, updated_at = now()"
DB_STMT(survey_state, "SELECT status, version FROM surveys WHERE org_id = $1 AND id = $2");
/* $6 title … $17 the sample given */
DB_STMT(update_survey,
    "UPDATE surveys SET title = coalesce($6, title), description = coalesce($7, description), "
    "  template_id = coalesce($8::uuid, template_id), template_version = coalesce($9::int, template_version), "
    "  community_ids = CASE WHEN $10::uuid[] IS NULL THEN community_ids "
    "    ELSE ARRAY(SELECT DISTINCT x FROM unnest($10::uuid[]) x ORDER BY 1) END, "
    "  opens_at = coalesce($11::timestamptz, opens_at), closes_at = coalesce($12::timestamptz, closes_at), "
    "  sample_percent = CASE WHEN $17::bool THEN $13::numeric ELSE sample_percent END, "
    "  sample_seed = coalesce($14::bigint, sample_seed), answer_per = coalesce($15, answer_per), "
    "  anonymous = coalesce($16::bool, anonymous), target_rate = coalesce($18::numeric, target_rate), "
    "  announce = coalesce($19::bool, announce), " S_MOVE " " S_GUARD " RETURNING version");
DB_STMT(schedule_survey, "UPDATE surveys SET " S_MOVE " " S_GUARD " AND opens_at > now() RETURNING version");
DB_STMT(open_survey,
    "UPDATE surveys SET opened_at = now(), opens_at = least(opens_at, now()), " S_MOVE " " S_GUARD
    " AND closes_at > now() RETURNING version");
DB_STMT(close_survey,
    "UPDATE surveys SET closed_at = now(), closes_at = least(closes_at, now()), " S_MOVE " " S_GUARD " RETURNING version");
DB_STMT(opened_event, "SELECT pd_survey_opened($1, $2, $3, $4, $5)");

static enum pd_err emit(struct db_conn *db, const struct survey_actor *a, const char *id, const char *type,
                        const char *from, const char *to, bool internal)
{
    return event_emit(db, &(struct event){ .org = a->org, .subject_type = "survey", .subject_id = id, .type = type,
                                           .actor_id = a->id, .actor_role = a->role, .from_status = from,
                                           .to_status = to, .internal = internal });
}

static enum pd_err fail(struct pd_error *e, enum pd_err code, const char *field, const char *detail)
{
    *e = (struct pd_error){ code, field, detail };
    return code;
}

/* The template (and version) and communities named are the caller's to use. */
static enum pd_err reachable(struct db_conn *db, const char *const scope[4], const struct survey_in *in,
                             char version[16], struct pd_error *e)
{
    PGresult *r;
    enum pd_err err;
    version[0] = '\0';
    if (in->template_id != NULL) {
        const char *p[] = { scope[0], in->template_id, in->template_version };
        if ((err = rows_exec_row(db, &template_version, 3, p, &r)) == PD_ERR_NOT_FOUND)
            return fail(e, err, in->template_version ? "template_version" : "template_id", "names no template of yours");
        if (err != PD_OK)
            return err;
        rows_copy(version, 16, PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (in->community_ids != NULL) {
        const char *p[] = { scope[0], scope[1], in->community_ids };
        if ((err = db_exec(db, &communities_reachable, 3, p, &r)) != PD_OK)
            return err;
        bool all = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (!all)
            return fail(e, PD_ERR_NOT_FOUND, "community_ids", "names a community out of your reach");
    }
    return PD_OK;
}

enum pd_err survey_create(struct db_conn *db, const char *const scope[4], const struct survey_actor *a,
                          const struct survey_in *in, char id_out[37], struct pd_error *e)
{
    char version[16];
    *e = (struct pd_error){ 0 };
    enum pd_err err = reachable(db, scope, in, version, e);
    if (err != PD_OK)
        return err;
    uuid_v4(id_out);
    const char *p[] = { a->org, id_out, in->title, in->description, in->template_id, version, in->community_ids,
                        in->opens_at, in->closes_at, in->sample_percent, in->sample_seed, in->answer_per,
                        rows_flag(in->anonymous), in->target_rate, rows_flag(in->announce), a->id };
    if ((err = db_exec(db, &insert_survey, 16, p, NULL)) != PD_OK)
        return err;
    return emit(db, a, id_out, "survey.created", NULL, "draft", true);
}

/* The guarded transition of s from the status it was read in to `to` (NULL: it stays), own
 * holding the statement's parameters from $6 on. */
static enum pd_err guarded(struct db_conn *db, struct db_stmt *st, const struct survey_row *s,
                           const struct survey_actor *a, const char *to, int n_own, const char *const *own)
{
    const struct rows_transition tr = { st, &survey_state };
    return rows_move(db, &tr, &(struct rows_move){ a->org, s->id, s->status, to, s->version }, n_own, own, NULL);
}

static const char *text_of(const struct survey_row *s, const char *key)
{
    return json_string_value(json_object_get(s->j, key));
}

enum pd_err survey_update(struct db_conn *db, const char *const scope[4], const struct survey_row *s,
                          const struct survey_actor *a, const struct survey_in *in, struct pd_error *e)
{
    char version[16];
    *e = (struct pd_error){ 0 };
    struct survey_in named = *in;
    /* a new version of the same template keeps the template */
    if (named.template_id == NULL && named.template_version != NULL)
        named.template_id = text_of(s, "template_id");
    enum pd_err err = reachable(db, scope, &named, version, e);
    if (err != PD_OK)
        return err;
    const char *opens = in->opens_at ? in->opens_at : text_of(s, "opens_at");
    const char *closes = in->closes_at ? in->closes_at : text_of(s, "closes_at");
    if (rfc3339_time(closes) <= rfc3339_time(opens))
        return fail(e, PD_ERR_INVALID, "closes_at", "must be after opens_at");
    const char *own[] = { in->title, in->description, named.template_id, version[0] ? version : NULL,
                          in->community_ids, in->opens_at, in->closes_at, in->sample_percent, in->sample_seed,
                          in->answer_per, rows_flag(in->anonymous), in->sample_given ? "true" : "false", in->target_rate,
                          rows_flag(in->announce) };
    err = guarded(db, &update_survey, s, a, NULL, 14, own);
    return err != PD_OK ? err : emit(db, a, s->id, "survey.updated", NULL, NULL, true);
}

enum pd_err survey_schedule(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a,
                            struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    if (rfc3339_time(text_of(s, "opens_at")) <= time(NULL))
        return fail(e, PD_ERR_INVALID, "opens_at", "has passed: open it now, or set a later opens_at");
    enum pd_err err = guarded(db, &schedule_survey, s, a, "scheduled", 0, NULL);
    return err != PD_OK ? err : emit(db, a, s->id, "survey.scheduled", s->status, "scheduled", true);
}

enum pd_err survey_open(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a,
                        struct pd_error *e)
{
    *e = (struct pd_error){ 0 };
    if (rfc3339_time(text_of(s, "closes_at")) <= time(NULL))
        return fail(e, PD_ERR_INVALID, "closes_at", "has passed: set a later closes_at first");
    enum pd_err err = guarded(db, &open_survey, s, a, "open", 0, NULL);
    const char *p[] = { a->org, s->id, a->id, a->role, s->status };
    return err != PD_OK ? err : db_exec(db, &opened_event, 5, p, NULL);
}

enum pd_err survey_close(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a)
{
    enum pd_err err = guarded(db, &close_survey, s, a, "closed", 0, NULL);
    return err != PD_OK ? err : emit(db, a, s->id, "survey.closed", s->status, "closed", false);
}

/* ---- answers -------------------------------------------------------------------------------- */

DB_STMT(answer_problems,
    "SELECT coalesce(json_agg(json_build_object('field', p.field, 'message', p.message)), '[]') "
    "FROM surveys s JOIN survey_templates t ON t.org_id = s.org_id AND t.id = s.template_id "
    "  AND t.version = s.template_version, pd_survey_answer_problems(t.sections, $3::jsonb) p "
    "WHERE s.org_id = $1 AND s.id = $2");
/* $1 org, $2 the collector, $3 the unit: an active staff member serving its community */
DB_STMT(collector_ok,
    "SELECT 1 FROM users u WHERE u.org_id = $1 AND u.id = $2 AND u.kind = 'staff' AND u.status = 'active' "
    "AND EXISTS (SELECT 1 FROM role_grants g WHERE g.org_id = u.org_id AND g.user_id = u.id "
    "  AND (g.community_id IS NULL OR g.community_id = (SELECT n.community_id FROM units n "
    "       WHERE n.org_id = $1 AND n.id = $3)))");
/* $1 org, $2 id, $3 survey, $4 unit, $5 channel, $6 the resident (app) or the agent (paper),
 * $7 collector, $8 collected at, $9 serial, $10 answers, $11 the communities the agent serves
 * (NULL: all) */
DB_STMT(insert_answer,
    "INSERT INTO survey_responses (org_id, id, survey_id, unit_id, community_id, building_id, answer_key, channel, "
    "  respondent_id, entered_by, collector_id, collected_at, serial, answers, scores) "
    "SELECT s.org_id, $2, s.id, g.unit_id, g.community_id, g.building_id, "
    "  CASE WHEN s.answer_per = 'unit' THEN g.unit_id::text WHEN $5 = 'app' THEN g.unit_id::text || ':' || $6 "
    "       ELSE g.unit_id::text || ':paper:' || $9 END, "
    "  $5, CASE $5 WHEN 'app' THEN $6::uuid END, CASE $5 WHEN 'paper' THEN $6::uuid END, $7::uuid, "
    "  $8::timestamptz, $9, $10::jsonb, pd_survey_scores(t.sections, $10::jsonb) "
    "FROM surveys s JOIN survey_templates t ON t.org_id = s.org_id AND t.id = s.template_id "
    "  AND t.version = s.template_version "
    "JOIN survey_targets g ON g.org_id = s.org_id AND g.survey_id = s.id AND g.unit_id = $4 "
    "  AND ($11::uuid[] IS NULL OR g.community_id = ANY ($11)) "
    "WHERE s.org_id = $1 AND s.id = $3 AND s.status = 'open' AND s.closes_at > now() RETURNING 1");
DB_STMT(load_response,
    "SELECT pd_survey_response_doc(r, s.anonymous) FROM survey_responses r "
    "JOIN surveys s ON s.org_id = r.org_id AND s.id = r.survey_id WHERE r.org_id = $1 AND r.id = $2");

enum pd_err survey_answer_problems(struct db_conn *db, const char *org, const char *survey, const char *answers,
                                   json_t **out)
{
    const char *p[] = { org, survey, answers };
    return rows_exec_one(db, &answer_problems, 3, p, out);
}

enum pd_err survey_answer(struct db_conn *db, const char *survey, const char *communities,
                          const struct survey_actor *a, const struct survey_answer *in, char id_out[37],
                          struct pd_error *e)
{
    bool paper = strcmp(a->role, "owner") != 0;
    *e = (struct pd_error){ 0 };
    if (paper && rfc3339_time(in->collected_at) > time(NULL) + 300)
        return fail(e, PD_ERR_INVALID, "collected_at", "is in the future");
    uuid_v4(id_out);
    const char *p[] = { a->org, id_out, survey, in->unit_id, paper ? "paper" : "app", a->id,
                        in->collector_id, in->collected_at, in->serial, in->answers, communities };
    PGresult *r;
    enum pd_err err = db_exec(db, &insert_answer, 11, p, &r);
    if (err == PD_ERR_CONFLICT) {
        const char *c = db_last_constraint(db);
        bool serial = c != NULL && strstr(c, "serial") != NULL;
        return fail(e, err, serial ? "serial" : "unit_id",
                    serial ? "A paper questionnaire with this serial has been entered already."
                           : "This unit (or resident) has answered this survey already.");
    }
    if (err != PD_OK)
        return err;
    bool in_audience = PQntuples(r) == 1;
    PQclear(r);
    if (!in_audience)
        return fail(e, PD_ERR_INVALID, "unit_id", "is not in this survey's audience (in your communities)");
    /* (after the unit is known to be the caller's: a refusal rolls the answer back) */
    const char *cp[] = { a->org, in->collector_id, in->unit_id };
    if (paper && (err = rows_exist(db, &collector_ok, 3, cp)) == PD_ERR_NOT_FOUND)
        return fail(e, PD_ERR_INVALID, "collector_id", "must be an active staff member serving the unit's community");
    return err;
}

enum pd_err survey_response_load(struct db_conn *db, const char *org, const char *id, json_t **out)
{
    const char *p[] = { org, id };
    return rows_exec_one(db, &load_response, 2, p, out);
}

/* ---- the audit ------------------------------------------------------------------------------ */

DB_STMT(draw_audit,
    "SELECT pd_survey_draw_audit($1, $2, coalesce($3::numeric, 5), "
    "  coalesce($4::bigint, (random() * 9007199254740991)::bigint), $5, $6)");
/* the scope but self ($1..$3), $4 id */
DB_STMT(audit_report,
    "SELECT pd_survey_audit(s.org_id, s.id, $2) FROM surveys s WHERE " S_VISIBLE " AND s.id = $4");
DB_STMT(response_survey, "SELECT survey_id FROM survey_responses WHERE org_id = $1 AND id = $2");
/* $1 org, $2 answer, $3 verdict, $4 reason, $5 auditor */
DB_STMT(audit_answer,
    "UPDATE survey_responses SET audit_status = $3, void_reason = CASE $3 WHEN 'void' THEN $4 END, "
    "  audited_by = $5, audited_at = now() WHERE org_id = $1 AND id = $2 AND audit_sampled AND audit_status IS NULL "
    "RETURNING survey_id");
DB_STMT(audited_event,
    "SELECT pd_emit($1, 'survey', $2::uuid, 'survey.answer_audited', $3, $4, NULL, NULL, "
    "  jsonb_build_object('response_id', $5::text, 'verdict', $6::text), 'internal')");

enum pd_err survey_draw_audit(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a,
                              const char *percent, const char *seed)
{
    const char *p[] = { a->org, s->id, percent, seed, a->id, a->role };
    PGresult *r;
    enum pd_err err = db_exec(db, &draw_audit, 6, p, &r);
    if (err != PD_OK)
        return err;
    bool drawn_before = PQgetisnull(r, 0, 0);
    PQclear(r);
    return drawn_before ? PD_ERR_CONFLICT : PD_OK;
}

enum pd_err survey_audit_report(struct db_conn *db, const char *const scope[4], const char *id, json_t **out)
{
    const char *p[] = { scope[0], scope[1], scope[2], id };
    return rows_exec_one(db, &audit_report, 4, p, out);
}

enum pd_err survey_response_survey(struct db_conn *db, const char *org, const char *response, char survey_out[37])
{
    const char *p[] = { org, response };
    PGresult *r;
    enum pd_err err = rows_exec_row(db, &response_survey, 2, p, &r);
    if (err != PD_OK)
        return err;
    rows_copy(survey_out, 37, PQgetvalue(r, 0, 0));
    PQclear(r);
    return PD_OK;
}

enum pd_err survey_audit_answer(struct db_conn *db, const struct survey_actor *a, const char *response,
                                const char *verdict, const char *reason, struct pd_error *e)
{
    const char *p[] = { a->org, response, verdict, reason, a->id };
    PGresult *r;
    *e = (struct pd_error){ 0 };
    enum pd_err err = db_exec(db, &audit_answer, 5, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return fail(e, PD_ERR_CONFLICT, NULL, "This answer is not in the audit sample, or has its verdict already.");
    }
    char survey[37];
    rows_copy(survey, sizeof survey, PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *ep[] = { a->org, survey, a->id, a->role, response, verdict };
    return db_exec(db, &audited_event, 6, ep, NULL);
}

/* ---- results -------------------------------------------------------------------------------- */

/* the scope but self ($1..$3), $4 id, $5 community, $6 building */
DB_STMT(results,
    "SELECT pd_survey_results(s.org_id, s.id, $2, $5, $6) FROM surveys s WHERE " S_VISIBLE " AND s.id = $4");
DB_STMT(csv_header,
    "SELECT pd_survey_csv_header(t.sections, s.anonymous) FROM surveys s JOIN survey_templates t "
    "  ON t.org_id = s.org_id AND t.id = s.template_id AND t.version = s.template_version "
    "WHERE s.org_id = $1 AND s.id = $2");
/* $1 org, $2 survey, $3 after this answer (NULL: from the first), $4 limit */
DB_STMT(csv_page, "SELECT line, id FROM pd_survey_csv_page($1, $2, $3, $4::uuid, $5::int)");

enum pd_err survey_results(struct db_conn *db, const char *const scope[4], const char *id, const char *community,
                           const char *building, json_t **out)
{
    const char *p[] = { scope[0], scope[1], scope[2], id, community, building };
    return rows_exec_one(db, &results, 6, p, out);
}

enum pd_err survey_csv_header(struct db_conn *db, const char *org, const char *id, char **out)
{
    const char *p[] = { org, id };
    PGresult *r;
    enum pd_err err = rows_exec_row(db, &csv_header, 2, p, &r);
    if (err != PD_OK)
        return err;
    *out = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *out != NULL ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err survey_csv_page(struct db_conn *db, const char *org, const char *id, const char *communities,
                            const char *after_id, int limit, char **out, char last_id[37])
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = { org, id, communities, after_id, lim };
    PGresult *r;
    enum pd_err err = db_exec(db, &csv_page, 5, p, &r);
    if (err != PD_OK)
        return err;
    struct jtext b = { 0 };
    int n = PQntuples(r);
    last_id[0] = '\0';
    for (int i = 0; i < n; i++) {
        jtext_put(&b, PQgetvalue(r, i, 0));
        jtext_put(&b, "\r\n");
    }
    if (n > 0)
        rows_copy(last_id, 37, PQgetvalue(r, n - 1, 1));
    PQclear(r);
    *out = n > 0 ? jtext_take(&b) : strdup("");
    return *out != NULL ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err survey_versions(struct db_conn *db, const char *const scope[4], const char *ids, json_t **out)
{
    const char *p[] = { scope[0], scope[1], scope[2], ids };
    return rows_versions(db, &versions_of, 4, p, out);
}
