/* Callbacks (回访, DESIGN §8): the ones staff create (the system's come from SQL when a
 * ticket closes or a complaint is replied to: pd_callback_from_ticket / _from_complaint,
 * migration 0024), reading with the caller's visibility, and the transitions with their
 * window clock, retries (the job table) and events. Every function runs inside the caller's
 * transaction; who may do what is src/callback_rules.h. */
#ifndef PD_CALLBACKS_H
#define PD_CALLBACKS_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"

/* Who sees which callbacks: staff their communities (technicians only those assigned to
 * them: assignee_only), owners the ones they were asked to answer in the app, clients their
 * org; reveal_phone: the contact's phone in full (else masked; the assignee always sees it). */
struct callback_scope {
    const char *scope[4];      /* org, communities, units, self (api_scope_params) */
    bool assignee_only, reveal_phone;
};

struct callback_row {
    char *json;                /* the wire form for this caller, without allowed_actions (owned) */
    json_t *j;                 /* the same parsed, when loaded to parse (owned) */
    char id[37], status[16], community_id[37], assignee_id[37], resident_id[37], method[16];
    long long version;
    int attempts, max_attempts, retry_hours;
    bool asked;                /* the owner was asked to answer in the app */
};
void callback_row_free(struct callback_row *k);

enum pd_err callback_load(struct db_conn *db, const struct callback_scope *vis, const char *id, bool lock,
                          bool parse, struct callback_row *out);
/* Of ids (a uuid[] literal), those the caller may read, with their versions ({id: version},
 * rows_versions): the live stream's check. */
enum pd_err callback_versions(struct db_conn *db, const struct callback_scope *vis, const char *ids, json_t **out);
extern const struct list_spec callback_list_spec;
enum pd_err callback_list(struct db_conn *db, const struct callback_scope *vis, const char *const values[],
                          const struct page *pg, char **out);
enum pd_err callback_event_list(struct db_conn *db, const struct callback_scope *vis, const char *id, json_t **out);

/* A callback staff asks for: for a unit (its owner called back when they have an account)
 * or a resident (at their first verified home in the caller's reach), between window_start
 * (NULL: now) and window_end, assigned or left in the community's queue. PD_ERR_NOT_FOUND
 * (e names the field) for a place, resident or assignee out of reach; PD_ERR_INVALID (e
 * names it) for a window that does not fit. */
struct callback_in {
    const char *kind, *unit_id, *resident_id, *contact_name, *contact_phone, *purpose;
    const char *window_start, *window_end, *assignee_id, *created_by, *actor_role;
};
enum pd_err callback_create(struct db_conn *db, const struct callback_scope *vis, const struct callback_in *in,
                            char id_out[37], struct pd_error *e);

struct callback_actor {
    const char *org, *id, *role;
};

/* The transitions: each one guarded UPDATE from the status k was read in, and its event. */
enum pd_err callback_take(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a);
/* PD_ERR_INVALID (e names assignee_id) when the assignee is no active staff member serving
 * its community. */
enum pd_err callback_reassign(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                              const char *assignee, struct pd_error *e);
/* An attempt (method, outcome reached | unreachable | refused, notes): an unreachable one
 * schedules the next (the job table, retry_hours later) until the last, which fails the
 * callback and tells the supervisors; a refusal ends it as failed too. */
enum pd_err callback_attempt(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             const char *method, const char *outcome, const char *notes);
/* Asks the owner to answer in the app (they see it in GET /v1/me/callbacks); visit: to
 * confirm the visit just made, which signs it (DESIGN §8: the owner's in-app confirmation). */
enum pd_err callback_request(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             bool visit);
/* open: "ticket" (of category) or "complaint" to open for new_issues in the same request, or
 * NULL; satisfaction NULL only for a letter (an answer to many owners). */
struct callback_result {
    const char *method, *satisfaction, *comment, *new_issues, *signature_id, *open, *category;
};
/* Completes it (the window clock is met); an unsatisfied result follows up its source per
 * the policy (its ticket reopened or a follow-up complaint: `follow_up`), and a new issue is
 * opened when asked (`new_issue`). A visit needs the owner's signature: an image the caller
 * uploaded (PD_ERR_INVALID, e names signature_id, otherwise). */
enum pd_err callback_complete(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                              const struct callback_result *r, struct pd_error *e);
/* The owner's answer in the app (a visit they confirm stays a visit, owner_confirmed). */
enum pd_err callback_respond(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                             const char *satisfaction, const char *comment);
/* The review: approve (reviewed) or return it to be done again (open, counted) with a note. */
enum pd_err callback_review(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                            bool approve, const char *note);
enum pd_err callback_cancel(struct db_conn *db, const struct callback_row *k, const struct callback_actor *a,
                            const char *reason);

#endif
