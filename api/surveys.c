/* /v1/survey-templates, /v1/surveys, /v1/survey-responses and /v1/me/surveys: managers,
 * admins and the quality department design questionnaires and run campaigns; owners answer
 * in the app and the desk enters paper ones; the quality department audits a sample of the
 * paper answers; supervisors and quality read the results (JSON and CSV). Visibility:
 * src/surveys.h; who may do what: src/survey_rules.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/enums.h"
#include "../src/survey_rules.h"
#include "../src/surveys.h"
#include "action.h"

static struct survey_actor actor_of(const struct api_call *c)
{
    return (struct survey_actor){ c->who.org, c->who.sub, role_name(c->who.role) };
}

/* The engine's problems list [{field, message}] into v. */
static void add_problems(struct verr *v, json_t *j_problems)
{
    size_t i;
    json_t *j;
    json_array_foreach(j_problems, i, j)
        verr_add(v, json_string_value(json_object_get(j, "field")), "%s", json_string_value(json_object_get(j, "message")));
}

/* A field error from the engine, or a value the database refused, is replied here (then
 * PD_ERR_INVALID: replied); the others go to the caller. */
static enum pd_err field_failure(struct api_call *c, enum pd_err err, const struct pd_error *e)
{
    if (err != PD_OK && e->field != NULL)
        api_fail(c, e);
    else if (err == PD_ERR_INVALID)
        api_change_result(c, err, NULL, NULL, NULL);
    return err != PD_OK && (e->field != NULL || err == PD_ERR_INVALID) ? PD_ERR_INVALID : err;
}

/* ---- templates ------------------------------------------------------------------------------ */

void survey_templates_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &survey_template_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char *page = NULL;
    enum pd_err err = survey_template_list(c->db, c->who.org, values, &pg, &page);
    api_list_result(c, err, page);
}

/* Designers revise a template (a new version); the others read it. */
static json_t *template_actions(const struct api_call *c)
{
    enum pd_role r = c->who.role;
    return r == ROLE_MANAGER || r == ROLE_ADMIN || r == ROLE_QUALITY ? json_pack("[s]", "update") : json_array();
}

void survey_templates_show(struct api_call *c)
{
    struct verr v;
    long long n;
    const char *id = api_path_id(c), *version = api_query(c, "version");
    if (id == NULL)
        return;
    verr_init(&v);
    if (version != NULL && !int_parse(version, 1, 1000000, &n))
        verr_add(&v, "version", "must be a version number");
    if (!api_valid(c, &v) || !api_db(c))
        return;
    json_t *j = NULL;
    enum pd_err err = survey_template_load(c->db, c->who.org, id, version, &j);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_object(c, 200, j, template_actions(c));
}

/* The sections' JSON text, checked by the engine: every problem named in v. */
static char *read_sections(struct api_call *c, struct verr *v, bool required)
{
    json_t *j = json_object_get(c->j_body, "sections");
    if (j == NULL) {
        if (required)
            verr_add(v, "sections", "is required");
        return NULL;
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *j_problems = NULL;
    if (text != NULL && api_db(c) && survey_template_problems(c->db, text, &j_problems) == PD_OK)
        add_problems(v, j_problems);
    json_decref(j_problems);
    return text;
}

void survey_templates_create(struct api_call *c)
{
    static const char *const fields[] = { "name", "description", "sections", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *name = v_string(&v, c->j_body, "name", true, 1, 100);
    const char *description = v_string(&v, c->j_body, "description", false, 0, 2000);
    char *sections = read_sections(c, &v, true);
    if (!api_valid(c, &v) || !api_create_begin(c)) {
        free(sections);
        return;
    }
    struct survey_actor a = actor_of(c);
    char id[37];
    json_t *j = NULL;
    enum pd_err err = survey_template_create(c->db, &a, name, description, sections, id);
    free(sections);
    if (err == PD_OK)
        err = survey_template_load(c->db, c->who.org, id, NULL, &j);
    api_create_finish(c, err, j, json_pack("[s]", "update"), "/v1/survey-templates", NULL);
}

/* A new version (If-Match: the version it follows). */
void survey_templates_update(struct api_call *c)
{
    static const char *const fields[] = { "name", "description", "sections", NULL };
    struct verr v;
    long long version;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    const char *name = v_string(&v, c->j_body, "name", false, 1, 100);
    const char *description = v_string(&v, c->j_body, "description", false, 0, 2000);
    char *sections = read_sections(c, &v, false);
    if (!api_valid(c, &v) || !api_db(c)) {
        free(sections);
        return;
    }
    struct survey_actor a = actor_of(c);
    json_t *j = NULL;
    enum pd_err err = survey_template_revise(c->db, &a, id, version, name, description, sections);
    free(sections);
    if (err == PD_OK)
        err = survey_template_load(c->db, c->who.org, id, NULL, &j);
    api_change_result(c, err, j, err == PD_OK ? json_pack("[s]", "update") : NULL, NULL);
}

/* ---- campaigns: reading ----------------------------------------------------------------------- */

struct survey_obj {
    const char *scope[4];
    struct survey_row s;
};

static struct machine_ctx ctx_of(const struct api_call *c, const struct survey_row *s)
{
    unsigned f = 0;
    if (s->covers && c->who.role != ROLE_OWNER)
        f |= MF_COVERS;
    if (s->unanswered)
        f |= MF_MINE;
    return (struct machine_ctx){ c->who.role, f };
}

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *sub)
{
    struct survey_obj *o = row;
    api_scope_params(c, o->scope);
    enum pd_err err = survey_load(c->db, o->scope, id, lock ? SURVEY_UPDATE : SURVEY_READ, &o->s);
    if (err == PD_OK)
        *sub = (struct api_subject){ o->s.status, o->s.version, ctx_of(c, &o->s), o->s.j };
    return err;
}

static void release_obj(void *row) { survey_row_free(&((struct survey_obj *)row)->s); }

static const struct api_resource survey_resource = { &survey_machine, load_obj, release_obj };

void surveys_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS], *scope[4];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &survey_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    api_scope_params(c, scope);
    char *page = NULL;
    enum pd_err err = survey_list(c->db, scope, values, &pg, &page);
    api_list_result(c, err, page);
}

void surveys_show(struct api_call *c)
{
    struct survey_obj o;
    struct api_subject s;
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    enum pd_err err = load_obj(c, id, false, &o, &s);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_object(c, 200, json_incref(o.s.j), api_allowed(&survey_resource, &s));
    release_obj(&o);
}

void surveys_mine(struct api_call *c)
{
    const char *scope[4];
    if (!api_db(c))
        return;
    api_scope_params(c, scope);
    json_t *j = NULL;
    enum pd_err err = survey_mine(c->db, scope, &j);
    api_list_json(c, err, err == PD_OK ? json_pack("{s:o, s:n}", "items", j, "next_cursor") : NULL);
}

/* ---- campaigns: writing ----------------------------------------------------------------------- */

struct ids_buf {
    char communities[40 * 50 + 4];
};

/* The settings a body gives (create: the required ones must be there). */
static void read_settings(struct verr *v, json_t *j_body, bool create, struct survey_in *in, struct ids_buf *b,
                          char percent[32], char rate[32], char version[16], char seed[24])
{
    double x;
    long long n;
    time_t opens = 0, closes = 0;
    in->anonymous = in->announce = -1;
    in->title = v_string(v, j_body, "title", create, 1, 100);
    in->description = v_string(v, j_body, "description", false, 0, 2000);
    in->template_id = v_uuid(v, j_body, "template_id", create);
    if (v_int(v, j_body, "template_version", false, 1, 1000000, &n) && json_object_get(j_body, "template_version"))
        in->template_version = (snprintf(version, 16, "%lld", n), version);
    in->community_ids = v_uuid_list(v, j_body, "community_ids", create, 50, b->communities, sizeof b->communities);
    in->opens_at = v_time(v, j_body, "opens_at", create, &opens);
    in->closes_at = v_time(v, j_body, "closes_at", create, &closes);
    if (in->closes_at != NULL && closes <= time(NULL))
        verr_add(v, "closes_at", "must be in the future");
    else if (opens && closes && closes <= opens)
        verr_add(v, "closes_at", "must be after opens_at");
    const char *audience = v_enum(v, j_body, "audience", false, enum_codes("survey_audience"));
    json_t *j_pct = json_object_get(j_body, "sample_percent");
    bool sample = audience != NULL && strcmp(audience, "sample") == 0;
    if (audience != NULL) {
        in->sample_given = true;
        if (sample && j_pct == NULL)
            verr_add(v, "sample_percent", "is required for audience sample");
        else if (!sample && j_pct != NULL)
            verr_add(v, "sample_percent", "is for audience sample");
    } else if (j_pct != NULL) {
        verr_add(v, "audience", "is required with sample_percent");
    }
    if (sample && v_number(v, j_body, "sample_percent", true, 0.01, 100, &x))
        in->sample_percent = (snprintf(percent, 32, "%.2f", x), percent);
    if (v_int(v, j_body, "sample_seed", false, 0, 9007199254740991LL, &n) && json_object_get(j_body, "sample_seed"))
        in->sample_seed = (snprintf(seed, 24, "%lld", n), seed);
    in->answer_per = v_enum(v, j_body, "answer_per", false, enum_codes("survey_answer_per"));
    if (json_object_get(j_body, "target_rate") != NULL && v_number(v, j_body, "target_rate", true, 0.01, 1, &x))
        in->target_rate = (snprintf(rate, 32, "%.3f", x), rate);
    in->anonymous = v_flag(v, j_body, "anonymous");
    in->announce = v_flag(v, j_body, "announce");
}

static const char *const settings_fields[] = { "title", "description", "template_id", "template_version",
                                               "community_ids", "opens_at", "closes_at", "audience", "sample_percent",
                                               "sample_seed", "answer_per", "anonymous", "target_rate", "announce",
                                               NULL };

void surveys_create(struct api_call *c)
{
    struct verr v;
    struct survey_in in = { 0 };
    struct ids_buf b;
    char percent[32], rate[32], version[16], seed[24];
    verr_init(&v);
    api_body_fields(c, &v, settings_fields);
    read_settings(&v, c->j_body, true, &in, &b, percent, rate, version, seed);
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    const char *scope[4];
    api_scope_params(c, scope);
    struct survey_actor a = actor_of(c);
    struct pd_error e;
    char id[37];
    enum pd_err err = survey_create(c->db, scope, &a, &in, id, &e);
    if (field_failure(c, err, &e) == PD_ERR_INVALID)
        return;
    struct survey_row row = { 0 };
    if (err == PD_OK)
        err = survey_load(c->db, scope, id, SURVEY_READ, &row);
    json_t *j_actions = NULL;
    if (err == PD_OK) {
        struct machine_ctx x = ctx_of(c, &row);
        j_actions = machine_allowed(&survey_machine, row.status, &x);
    }
    api_create_finish(c, err, err == PD_OK ? json_incref(row.j) : NULL, j_actions, "/v1/surveys", NULL);
    survey_row_free(&row);
}

struct survey_input {
    struct survey_in settings;
    const char *percent, *seed;
};

#define SURVEY_ACT(NAME) \
    static enum pd_err NAME(struct api_call *c, void *row, const char *to, const void *in, const char **detail)
#define S_OBJ ((struct survey_obj *)row)
#define S_IN ((const struct survey_input *)in)

SURVEY_ACT(act_update)
{
    (void)to, (void)detail;
    struct survey_actor a = actor_of(c);
    struct pd_error e;
    return field_failure(c, survey_update(c->db, S_OBJ->scope, &S_OBJ->s, &a, &S_IN->settings, &e), &e);
}

void surveys_update(struct api_call *c)
{
    struct verr v;
    long long version;
    struct survey_input in = { 0 };
    struct ids_buf b;
    char percent[32], rate[32], tversion[16], seed[24];
    const char *id = api_change_begin(c, &v, settings_fields, true, &version);
    if (id == NULL)
        return;
    read_settings(&v, c->j_body, false, &in.settings, &b, percent, rate, tversion, seed);
    if (!api_valid(c, &v))
        return;
    struct survey_obj o;
    api_action_run(c, &survey_resource, SA_UPDATE, id, version, &o, act_update, &in);
}

SURVEY_ACT(act_schedule)
{
    (void)to, (void)in, (void)detail;
    struct survey_actor a = actor_of(c);
    struct pd_error e;
    return field_failure(c, survey_schedule(c->db, &S_OBJ->s, &a, &e), &e);
}

SURVEY_ACT(act_open)
{
    (void)to, (void)in, (void)detail;
    struct survey_actor a = actor_of(c);
    struct pd_error e;
    return field_failure(c, survey_open(c->db, &S_OBJ->s, &a, &e), &e);
}

SURVEY_ACT(act_close)
{
    (void)to, (void)in, (void)detail;
    struct survey_actor a = actor_of(c);
    return survey_close(c->db, &S_OBJ->s, &a);
}

/* An action whose body is empty (or absent). */
static void run_bodiless(struct api_call *c, enum survey_action action, api_act act)
{
    static const char *const fields[] = { NULL };
    struct verr v;
    long long version;
    struct survey_input in = { 0 };
    struct survey_obj o;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id != NULL && api_valid(c, &v))
        api_action_run(c, &survey_resource, action, id, version, &o, act, &in);
}

void surveys_schedule(struct api_call *c) { run_bodiless(c, SA_SCHEDULE, act_schedule); }
void surveys_open(struct api_call *c) { run_bodiless(c, SA_OPEN, act_open); }
void surveys_close(struct api_call *c) { run_bodiless(c, SA_CLOSE, act_close); }

/* ---- answers -------------------------------------------------------------------------------- */

/* The unit an owner answers for: the one named (one of their homes), or their only home in
 * the audience. */
static const char *owner_unit(struct api_call *c, struct verr *v, const char *named)
{
    const struct principal *p = &c->who;
    if (named != NULL) {
        for (int i = 0; i < p->n_units; i++)
            if (strcmp(p->units[i], named) == 0)
                return named;
        verr_add(v, "unit_id", "is not one of your homes");
        return NULL;
    }
    if (p->n_units == 1)
        return p->units[0];
    verr_add(v, "unit_id", "is required: say which of your homes answers");
    return NULL;
}

/* POST /v1/surveys/{id}/responses: an owner's answer (the app), or a paper questionnaire the
 * desk enters (collector, when and serial). 201 with the answer. */
void surveys_respond(struct api_call *c)
{
    static const char *const owner_fields[] = { "unit_id", "answers", NULL };
    static const char *const paper_fields[] = { "unit_id", "answers", "collector_id", "collected_at", "serial", NULL };
    bool owner = c->who.role == ROLE_OWNER;
    struct verr v;
    struct survey_answer in = { 0 };
    time_t t;
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    verr_init(&v);
    api_body_fields(c, &v, owner ? owner_fields : paper_fields);
    in.unit_id = v_uuid(&v, c->j_body, "unit_id", !owner);
    json_t *j_answers = json_object_get(c->j_body, "answers");
    if (!json_is_object(j_answers))
        verr_add(&v, "answers", "must be an object of answers by question code");
    if (!owner) {
        in.collector_id = v_uuid(&v, c->j_body, "collector_id", true);
        in.collected_at = v_time(&v, c->j_body, "collected_at", true, &t);
        in.serial = v_string(&v, c->j_body, "serial", true, 1, 40);
    }
    if (verr_any(&v) || !api_create_begin(c)) {
        api_valid(c, &v);
        return;
    }
    const char *scope[4];
    api_scope_params(c, scope);
    struct survey_row s;
    enum pd_err err = survey_load(c->db, scope, id, SURVEY_SHARE, &s);
    if (err != PD_OK) {
        verr_free(&v);
        api_create_finish(c, err, NULL, NULL, NULL, NULL);
        return;
    }
    /* answered already is the answer's own 409 (below), not the state's */
    struct machine_ctx x = ctx_of(c, &s);
    x.facts |= MF_MINE;
    const char *next;
    enum machine_verdict mv = machine_check(&survey_machine, s.status, owner ? SA_RESPOND : SA_ENTER, &x, &next);
    if (mv != MACHINE_OK) {
        verr_free(&v);
        if (mv == MACHINE_FORBIDDEN)
            api_change_result(c, PD_ERR_FORBIDDEN, NULL, NULL, NULL);
        else
            api_state_conflict(c, "survey", s.status, machine_allowed(&survey_machine, s.status, &x));
        survey_row_free(&s);
        return;
    }
    if (rfc3339_time(json_string_value(json_object_get(s.j, "closes_at"))) <= time(NULL)) {
        verr_free(&v);
        survey_row_free(&s);
        api_change_result(c, PD_ERR_CONFLICT, NULL, NULL, "The survey has closed (closes_at has passed).");
        return;
    }
    if (owner)
        in.unit_id = owner_unit(c, &v, in.unit_id);
    char *answers = json_dumps(j_answers, JSON_COMPACT);
    json_t *j_problems = NULL;
    if (answers != NULL && survey_answer_problems(c->db, c->who.org, id, answers, &j_problems) == PD_OK)
        add_problems(&v, j_problems);
    json_decref(j_problems);
    survey_row_free(&s);
    if (!api_valid(c, &v)) {
        free(answers);
        return;
    }
    in.answers = answers;
    struct survey_actor a = actor_of(c);
    struct pd_error e;
    char rid[37];
    json_t *j = NULL;
    err = survey_answer(c->db, id, scope[1], &a, &in, rid, &e);
    free(answers);
    if (err != PD_OK && e.field != NULL && err == PD_ERR_INVALID) {
        api_fail(c, &e);
        return;
    }
    if (err == PD_OK)
        err = survey_response_load(c->db, c->who.org, rid, &j);
    api_create_finish(c, err, j, NULL, NULL, err == PD_ERR_CONFLICT ? e.detail : NULL);
}

/* ---- the audit ------------------------------------------------------------------------------ */

static void reply_audit(struct api_call *c, const char *const scope[4], const char *id)
{
    json_t *j = NULL;
    enum pd_err err = survey_audit_report(c->db, scope, id, &j);
    if (err != PD_OK)
        api_change_result(c, err, NULL, NULL, NULL);
    else
        api_json(c, 200, j);
}

void surveys_audit_show(struct api_call *c)
{
    const char *scope[4];
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);
    reply_audit(c, scope, id);
}

/* Draws the sample (percent, default 5; seed, to repeat a draw): 200 with the audit. */
void surveys_audit_draw(struct api_call *c)
{
    static const char *const fields[] = { "percent", "seed", NULL };
    struct verr v;
    long long version, n;
    double x;
    char percent[32], seed[24];
    const char *pct = NULL, *sd = NULL;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    if (json_object_get(c->j_body, "percent") && v_number(&v, c->j_body, "percent", true, 0.01, 100, &x))
        pct = (snprintf(percent, sizeof percent, "%.2f", x), percent);
    if (json_object_get(c->j_body, "seed") && v_int(&v, c->j_body, "seed", true, 0, 9007199254740991LL, &n))
        sd = (snprintf(seed, sizeof seed, "%lld", n), seed);
    struct survey_obj o;
    struct api_subject s;
    char next[24];
    if (!api_valid(c, &v) || !api_action_begin(c, &survey_resource, SA_DRAW_AUDIT, id, version, &o, &s, next))
        return;
    struct survey_actor a = actor_of(c);
    enum pd_err err = survey_draw_audit(c->db, &o.s, &a, pct, sd);
    release_obj(&o);
    if (err != PD_OK)
        api_change_result(c, err, NULL, NULL, err == PD_ERR_CONFLICT ? "The audit sample was drawn already." : NULL);
    else
        reply_audit(c, o.scope, id);
}

/* POST /v1/survey-responses/{id}/audit: verified, or void with a reason. 200 with the answer. */
void survey_responses_audit(struct api_call *c)
{
    static const char *const fields[] = { "verdict", "reason", NULL };
    struct verr v;
    long long version;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    const char *verdict = v_enum(&v, c->j_body, "verdict", true, enum_codes("survey_audit_verdict"));
    const char *reason = v_string(&v, c->j_body, "reason", false, 1, 500);
    if (verdict != NULL && strcmp(verdict, "void") == 0 && reason == NULL && !verr_any(&v))
        verr_add(&v, "reason", "is required to void an answer");
    char survey[37];
    struct survey_obj o;
    struct api_subject s;
    char next[24];
    if (!api_valid(c, &v) || !api_db(c))
        return;
    enum pd_err err = survey_response_survey(c->db, c->who.org, id, survey);
    if (err != PD_OK) {
        api_change_result(c, err, NULL, NULL, NULL);
        return;
    }
    if (!api_action_begin(c, &survey_resource, SA_AUDIT, survey, 0, &o, &s, next))
        return;
    release_obj(&o);
    struct survey_actor a = actor_of(c);
    struct pd_error e;
    json_t *j = NULL;
    err = survey_audit_answer(c->db, &a, id, verdict, reason, &e);
    if (err == PD_OK)
        err = survey_response_load(c->db, c->who.org, id, &j);
    api_record_result(c, err, j, err == PD_ERR_CONFLICT ? e.detail : NULL);  /* an answer: no actions */
}

/* ---- results -------------------------------------------------------------------------------- */

void surveys_results(struct api_call *c)
{
    struct verr v;
    const char *scope[4];
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    verr_init(&v);
    const char *community = q_uuid(&v, "community_id", api_query(c, "community_id"));
    const char *building = q_uuid(&v, "building_id", api_query(c, "building_id"));
    if (!api_valid(c, &v) || !api_db(c))
        return;
    api_scope_params(c, scope);
    json_t *j = NULL;
    enum pd_err err = survey_results(c->db, scope, id, community, building, &j);
    if (err == PD_OK && json_is_true(json_object_get(j, "withheld"))) {
        json_decref(j);
        api_error(c, PD_ERR_CONFLICT, "An anonymous survey shows no building with fewer than five answers.");
        return;
    }
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_json(c, 200, j);
}

/* The export streams a page of answers at a time, each page on a pooled connection taken for
 * it alone (a slow reader holds none), in the order of the answers' ids. */
#define CSV_PAGE 500

struct csv_stream {
    char org[37], id[37], after[37];
    char *communities;         /* the caller's (NULL: all) */
    char *pending;             /* what the last page produced and MHD has not taken yet */
    size_t len, off;
    bool done;
};

static long csv_next(void *ctx, char *buf, size_t max)
{
    struct csv_stream *s = ctx;
    while (s->off == s->len && !s->done) {
        free(s->pending);
        s->pending = NULL;
        s->len = s->off = 0;
        char last[37];
        struct db_conn *db;
        if (db_acquire(&db) != PD_OK)
            return -1;
        enum pd_err err = survey_csv_page(db, s->org, s->id, s->communities, s->after[0] ? s->after : NULL, CSV_PAGE,
                                          &s->pending, last);
        db_release(db);
        if (err != PD_OK)
            return -1;
        s->len = strlen(s->pending);
        s->done = last[0] == '\0';
        memcpy(s->after, last, sizeof last);
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->pending + s->off, n);
    s->off += n;
    return (long)n;
}

static void csv_end(void *ctx)
{
    struct csv_stream *s = ctx;
    free(s->communities);
    free(s->pending);
    free(s);
}

void surveys_results_csv(struct api_call *c)
{
    const char *scope[4];
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);
    struct survey_row row;
    enum pd_err err = survey_load(c->db, scope, id, SURVEY_READ, &row);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    survey_row_free(&row);
    char *header = NULL;
    if ((err = survey_csv_header(c->db, c->who.org, id, &header)) != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    struct csv_stream *s = calloc(1, sizeof *s);
    size_t n = strlen(header);
    if (s != NULL)
        s->pending = malloc(n + 6);
    if (s != NULL && scope[1] != NULL)
        s->communities = strdup(scope[1]);
    if (s == NULL || s->pending == NULL || (scope[1] != NULL && s->communities == NULL)) {
        free(header);
        if (s != NULL)
            csv_end(s);
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    rows_copy(s->org, sizeof s->org, c->who.org);
    rows_copy(s->id, sizeof s->id, id);
    /* the BOM makes Excel read UTF-8 */
    memcpy(s->pending, "\xEF\xBB\xBF", 3);
    memcpy(s->pending + 3, header, n);
    memcpy(s->pending + 3 + n, "\r\n", 3);
    s->len = n + 5;
    free(header);
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"survey-%s.csv\"", id);
    api_stream(c, 200, "text/csv; charset=utf-8", &(struct api_stream){ csv_next, csv_end, s });
    api_header_set(c, "Content-Disposition", disposition);
}

enum pd_err surveys_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    const char *scope[4];
    api_scope_params(c, scope);
    return survey_versions(c->db, scope, ids, out);
}
