/* Satisfaction surveys (满意度调查, DESIGN §10): versioned templates, campaigns and their
 * transitions, answers from the app and from paper, the quality audit, and the results
 * (computed in SQL: migration 0029). Every function runs inside the caller's transaction;
 * who may do what is src/survey_rules.h. */
#ifndef PD_SURVEYS_H
#define PD_SURVEYS_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"

struct survey_actor {
    const char *org, *id, *role;
};

/* ---- templates ---- */
extern const struct list_spec survey_template_list_spec;
enum pd_err survey_template_list(struct db_conn *db, const char *org, const char *const values[], const struct page *pg,
                                 char **out);
/* A template's newest version (version NULL) or the one named. */
enum pd_err survey_template_load(struct db_conn *db, const char *org, const char *id, const char *version, json_t **out);
/* The problems of sections (JSON text), [{field, message}] (empty: none). */
enum pd_err survey_template_problems(struct db_conn *db, const char *sections, json_t **out);
/* Version 1 of a new template. */
enum pd_err survey_template_create(struct db_conn *db, const struct survey_actor *a, const char *name,
                                   const char *description, const char *sections, char id_out[37]);
/* The next version of a template (name, description or sections NULL: as they were);
 * PD_ERR_STALE when version (0: any) is not its newest. */
enum pd_err survey_template_revise(struct db_conn *db, const struct survey_actor *a, const char *id, long long version,
                                   const char *name, const char *description, const char *sections);

/* ---- campaigns ---- */

/* Who sees which (scope: api_scope_params): staff what targets one of their communities (all
 * for org-wide staff); owners what is open or closed and targets one of their units. */
struct survey_row {
    json_t *j;                 /* the wire form, with the frozen template's sections (owned) */
    char id[37], status[16];
    long long version;
    bool covers;               /* the caller serves every community it targets */
    bool unanswered;           /* an owner: one of their targeted units (or they) has not answered */
};
void survey_row_free(struct survey_row *s);
/* lock: FOR UPDATE (a transition), share: FOR SHARE (an answer), else none. */
enum survey_lock { SURVEY_READ, SURVEY_SHARE, SURVEY_UPDATE };
enum pd_err survey_load(struct db_conn *db, const char *const scope[4], const char *id, enum survey_lock lock,
                        struct survey_row *out);
/* Of ids (a uuid[] literal), those the caller may read, with their versions ({id: version},
 * rows_versions): the live stream's check. */
enum pd_err survey_versions(struct db_conn *db, const char *const scope[4], const char *ids, json_t **out);
extern const struct list_spec survey_list_spec;
enum pd_err survey_list(struct db_conn *db, const char *const scope[4], const char *const values[],
                        const struct page *pg, char **out);
/* The owner's open campaigns, each with its sections and their targeted units (answered_at). */
enum pd_err survey_mine(struct db_conn *db, const char *const scope[4], json_t **out);

/* A campaign's settings; NULL (or -1) fields are left as they are (update) or defaulted. */
struct survey_in {
    const char *title, *description, *template_id, *template_version, *community_ids, *opens_at, *closes_at;
    const char *sample_percent, *sample_seed, *answer_per, *target_rate;
    int anonymous, announce;
    bool sample_given;         /* update: sample_percent was in the body (null: every unit) */
};
/* A draft. PD_ERR_NOT_FOUND (e names the field) for a template or community out of reach. */
enum pd_err survey_create(struct db_conn *db, const char *const scope[4], const struct survey_actor *a,
                          const struct survey_in *in, char id_out[37], struct pd_error *e);
enum pd_err survey_update(struct db_conn *db, const char *const scope[4], const struct survey_row *s,
                          const struct survey_actor *a, const struct survey_in *in, struct pd_error *e);
/* draft → scheduled (opens_at must be ahead: PD_ERR_INVALID naming it). */
enum pd_err survey_schedule(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a,
                            struct pd_error *e);
/* → open now: the audience drawn, its residents told, the notice published if asked for;
 * PD_ERR_INVALID (e names closes_at) once its window is over. */
enum pd_err survey_open(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a,
                        struct pd_error *e);
enum pd_err survey_close(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a);

/* ---- answers ---- */

/* The problems of an answer sheet against the campaign's questions, [{field, message}]. */
enum pd_err survey_answer_problems(struct db_conn *db, const char *org, const char *survey, const char *answers,
                                   json_t **out);
struct survey_answer {
    const char *unit_id, *answers;           /* answers: the JSON object's text */
    const char *collector_id, *collected_at, *serial;  /* paper only */
};
/* An answer: from an owner (a->role owner: the app) or entered by the desk (paper). The unit
 * must be in the audience and, for the desk, in communities (the caller's, NULL: all)
 * (PD_ERR_INVALID naming unit_id), the collector a staff member of the org (… collector_id);
 * a second answer of the unit (or resident) or a serial entered before is PD_ERR_CONFLICT
 * with e->detail saying which. */
enum pd_err survey_answer(struct db_conn *db, const char *survey, const char *communities,
                          const struct survey_actor *a, const struct survey_answer *in, char id_out[37],
                          struct pd_error *e);
/* The answer id as its author or staff read it. */
enum pd_err survey_response_load(struct db_conn *db, const char *org, const char *id, json_t **out);

/* ---- the audit ---- */

/* Draws the sample (percent of each community's paper answers; seed NULL: a random one);
 * PD_ERR_CONFLICT when it was drawn already. */
enum pd_err survey_draw_audit(struct db_conn *db, const struct survey_row *s, const struct survey_actor *a,
                              const char *percent, const char *seed);
/* The audit report (pd_survey_audit) over the caller's communities. */
enum pd_err survey_audit_report(struct db_conn *db, const char *const scope[4], const char *id, json_t **out);
/* The answer's campaign (for the machine): its id in survey_out. */
enum pd_err survey_response_survey(struct db_conn *db, const char *org, const char *response, char survey_out[37]);
/* A verdict on an answer drawn: verified, or void with a reason. PD_ERR_CONFLICT (e->detail)
 * when it was not drawn or has its verdict already. */
enum pd_err survey_audit_answer(struct db_conn *db, const struct survey_actor *a, const char *response,
                                const char *verdict, const char *reason, struct pd_error *e);

/* ---- results ---- */

/* pd_survey_results over the caller's communities, one community or one building (NULL: all). */
enum pd_err survey_results(struct db_conn *db, const char *const scope[4], const char *id, const char *community,
                           const char *building, json_t **out);

/* The CSV export, a page at a time: the header line, then the lines of the answers in
 * communities (the caller's, NULL: all) after after_id (NULL: from the first), at most limit;
 * *last_id the last one's id ("" when none). */
enum pd_err survey_csv_header(struct db_conn *db, const char *org, const char *id, char **out);
enum pd_err survey_csv_page(struct db_conn *db, const char *org, const char *id, const char *communities,
                            const char *after_id, int limit, char **out, char last_id[37]);

#endif
