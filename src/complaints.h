/* Complaints (投诉, DESIGN §7): intake with TS numbers and the forward clock, reading with the
 * caller's visibility and the complainant's protection, the workflow's transitions with
 * their clocks and events, and the timeline. Every function runs inside the caller's
 * transaction; the machine that decides who may do what is src/complaint_rules.h. */
#ifndef PD_COMPLAINTS_H
#define PD_COMPLAINTS_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"
#include "work_orders.h"

/* Who sees which complaints, and how much of the complainant:
 *   scope         org, communities, units, self (api_scope_params): staff by community,
 *                 owners (units not NULL) only the complaints they made;
 *   department    technicians: only complaints forwarded to their own department;
 *   privileged    supervisors and managers see an anonymous complainant (as its receiver
 *                 and the complainant do); nobody named as the complaint's subject does;
 *   reveal_phone  the complainant's phone in full (else masked; the receiver and the
 *                 complainant always see it). */
struct complaint_scope {
    const char *scope[4];
    bool department, privileged, reveal_phone;
};

struct complaint_in {
    const char *community_id, *unit_id, *channel, *contact_name, *contact_phone, *occurred_at;
    const char *location, *subject_department, *subject_user_id, *description, *demand;
    const char *attachment_ids;   /* uuid[] literal, "{}" when none */
    const char *complainant_id;   /* the resident complaining in the app, or NULL */
    const char *receiver_id;      /* staff intake: the staff member receiving it, else NULL */
    const char *created_by;       /* user or API client id */
    const char *actor_id;         /* for the timeline: NULL for a client or an anonymous owner */
    const char *actor_role;
    bool anonymous, written_reply_only;
};

/* What the machine and the actions need of a loaded complaint, and its wire form. */
struct complaint_row {
    char *json;                   /* the wire form for this caller, without allowed_actions (owned) */
    json_t *j;                    /* the same parsed, when loaded to parse (owned) */
    char id[37], status[16], community_id[37], receiver_id[37], complainant_id[37];
    char nature[16], severity[16], number[24];
    long long version, created_at;
    bool in_department, department_pending, extension_pending, extension_mine, disputable;
    bool anonymous, subject;     /* subject: the caller is the staff member it is about */
};
void complaint_row_free(struct complaint_row *c);

/* PD_ERR_NOT_FOUND when the community or unit is out of the caller's reach, PD_ERR_INVALID
 * when the subject staff member is not one (e names the field in both cases).
 * attachment_ids must pass attachment_check_usable in this transaction. */
enum pd_err complaint_create(struct db_conn *db, const struct complaint_scope *vis, const struct complaint_in *in,
                             char id_out[37], struct pd_error *e);
/* Loads a visible complaint; lock = SELECT … FOR UPDATE first; parse = also out->j. */
enum pd_err complaint_load(struct db_conn *db, const struct complaint_scope *vis, const char *id, bool lock,
                           bool parse, struct complaint_row *out);
/* complaint_load in two halves, for a read that is queued (api_read): the statement and its
 * parameters, then the complaint from its answer (PD_ERR_NOT_FOUND when it has no row). */
void complaint_read(const struct complaint_scope *vis, const char *id, struct db_read *out);
enum pd_err complaint_of(PGresult *r, bool parse, struct complaint_row *out);
/* Of ids (a uuid[] literal), those the caller may read, with their versions ({id: version},
 * rows_versions): the live stream's check. */
enum pd_err complaint_versions(struct db_conn *db, const struct complaint_scope *vis, const char *ids, json_t **out);

extern const struct list_spec complaint_list_spec;
/* The page's read (false: out of memory), and each of its rows as an item (rows_page). */
bool complaint_list_read(const struct complaint_scope *vis, const char *const values[], const struct page *pg,
                         struct db_read *out);
void complaint_item(struct jtext *b, PGresult *r, int row, const void *ctx);
/* The timeline, oldest first: owners see public entries; whoever may not see the
 * complainant sees no actor id on the complainant's own entries. */
enum pd_err complaint_event_list(struct db_conn *db, const struct complaint_scope *vis, const char *id,
                                 json_t **out);

/* The caller of an action: its org, its id for the timeline (NULL: a client, or the
 * complainant of an anonymous complaint) and role. */
struct complaint_actor {
    const char *org, *id, *role;
};

/* A classification: nature (valid | communicative), its kind when communicative, content,
 * severity; NULL members are left as they are (reclassify). */
struct complaint_class {
    const char *nature, *communicative_kind, *content, *severity;
};

/* The transitions. c is the complaint as loaded (locked), to the state the machine leads to.
 * Each is one guarded UPDATE (rows_transition), its clocks and its event. */
enum pd_err complaint_accept(struct db_conn *db, const struct complaint_row *c, const char *to,
                             const struct complaint_actor *a, const struct complaint_class *k, const char *note);
enum pd_err complaint_reclassify(struct db_conn *db, const struct complaint_row *c,
                                 const struct complaint_actor *a, const struct complaint_class *k,
                                 const char *note);
enum pd_err complaint_reject(struct db_conn *db, const struct complaint_row *c, const char *to,
                             const struct complaint_actor *a, const char *method, const char *reply);
/* departments: a text[] literal of department codes. */
enum pd_err complaint_forward(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, const char *departments, const char *note);
/* department: the department signing (NULL: the caller's own when it is pending, else every
 * pending one — a manager or admin signing for all). PD_ERR_CONFLICT with *detail when that
 * department has nothing to sign. */
enum pd_err complaint_acknowledge(struct db_conn *db, const struct complaint_row *c,
                                  const struct complaint_actor *a, const char *department,
                                  const char **detail);
enum pd_err complaint_resolve(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, const char *result, const char *root_cause,
                              const char *corrective_action);
enum pd_err complaint_reply(struct db_conn *db, const struct complaint_row *c, const char *to,
                            const struct complaint_actor *a, const char *method, const char *content);
enum pd_err complaint_close(struct db_conn *db, const struct complaint_row *c, const char *to,
                            const struct complaint_actor *a);
enum pd_err complaint_confirm(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, int rating, const char *comment);
enum pd_err complaint_dispute(struct db_conn *db, const struct complaint_row *c, const char *to,
                              const struct complaint_actor *a, const char *reason);
enum pd_err complaint_withdraw(struct db_conn *db, const struct complaint_row *c, const char *to,
                               const struct complaint_actor *a, const char *reason);
/* Folds c into primary (loaded, visible, locked by the caller). PD_ERR_CONFLICT with *detail
 * when primary cannot take duplicates (itself merged, closed, another community, c itself). */
enum pd_err complaint_merge(struct db_conn *db, const struct complaint_row *c, const char *to,
                            const struct complaint_actor *a, const struct complaint_row *primary,
                            const char **detail);
/* due_at: RFC 3339, the resolution's new due time (checked to be later than now and than
 * the current due: PD_ERR_CONFLICT with *detail otherwise). */
enum pd_err complaint_extend(struct db_conn *db, const struct complaint_row *c, const struct complaint_actor *a,
                             const char *reason, const char *due_at, const char **detail);
/* A comment on the timeline (complaint.commented, details {body}): the complainant's added
 * information reaches the receiver; a staff member's public comment reaches the complainant;
 * an internal one stays with the staff. *out: the timeline entry (as the timeline shows it
 * to vis). */
enum pd_err complaint_comment(struct db_conn *db, const struct complaint_scope *vis, const struct complaint_row *c,
                              const struct complaint_actor *a, const char *body, bool internal, json_t **out);
/* The work a complaint's department orders: a repair ticket that names the complaint
 * (channel "complaint", no reporter, the department's own description: nothing of the
 * complainant reaches the technicians) for its unit — its community at its location when it
 * is anonymous — dispatched as a work order (d), and listed in the complaint's ticket_ids.
 * Such a ticket is not its unit's residents' (src/tickets.c OF_UNITS). work_order_dispatch's
 * errors (e names the field). */
struct complaint_work {
    const char *category, *priority, *description;
};
enum pd_err complaint_dispatch(struct db_conn *db, const struct complaint_row *c, const struct complaint_actor *a,
                               const struct complaint_work *w, const struct dispatch_in *d, struct pd_error *e);
/* Decides the pending extension; approving moves the resolution clock to its due time. */
enum pd_err complaint_decide_extension(struct db_conn *db, const struct complaint_row *c,
                                       const struct complaint_actor *a, bool approve, const char *note);

#endif
