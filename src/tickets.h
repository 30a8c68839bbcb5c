/* Tickets (报事): creation with human numbers and SLA clocks, reading with the caller's
 * visibility, reclassification, the owner and desk actions, comments and the timeline.
 * Every function runs inside the caller's transaction. */
#ifndef PD_TICKETS_H
#define PD_TICKETS_H

#include <jansson.h>
#include <stdbool.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"
#include "rows.h"

/* Who may see which tickets: the caller's scope as api_scope_params gives it (org,
 * communities, units, self — the leading parameters $1..$4 of every statement that reads
 * by scope): staff by community (NULL = org), owners by unit (units not NULL) or as the
 * reporter (self). And whether they see the reporter's phone in full:
 * always when reveal_pii, else only when worker (a user id) is the assignee of one of the
 * ticket's work orders that is not declined or cancelled; otherwise it is masked
 * (pd_mask_phone), the same in lists and in a ticket. */
struct ticket_scope {
    const char *scope[4];        /* org, communities, units, self */
    bool reveal_pii;
    const char *worker;
};

struct ticket_in {
    const char *kind, *unit_id, *community_id, *location, *category, *priority;
    const char *requested_priority, *description, *occurred_at, *visit_from, *visit_to;
    const char *channel, *reporter_id, *reporter_name, *reporter_phone;
    const char *created_by;      /* user or API client id */
    const char *actor_id;        /* user id for the timeline; NULL for an API client */
    const char *actor_role;
    const char *attachment_ids;  /* uuid[] literal, "{}" when none */
    const char *complaint_id;    /* the complaint it is spawned for (channel "complaint"), or NULL */
    bool entry_permission, paid_service;
};

/* What authorization needs to know about a ticket, and its wire form (with work orders). */
struct ticket_row {
    char *json;  /* the wire form as text (owned) */
    json_t *j;   /* the same parsed, when loaded to parse (owned) */
    char id[37], status[16], kind[16], community_id[37], unit_id[37], reporter_id[37];
    long long version;
    bool work_started, in_reopen_window;
};
void ticket_row_free(struct ticket_row *t);

/* PD_ERR_NOT_FOUND when the unit or community is out of reach (e names it).
 * attachment_ids must have passed attachment_check_usable in this transaction. */
/* The ticket's org is vis->scope[0]. */
enum pd_err ticket_create(struct db_conn *db, const struct ticket_scope *vis, const struct ticket_in *in,
                          char id_out[37], struct pd_error *e);
/* Loads a visible ticket; lock = SELECT … FOR UPDATE first (for actions); parse = also
 * out->j (the actions read fields of it). */
enum pd_err ticket_load(struct db_conn *db, const struct ticket_scope *vis, const char *id, bool lock,
                        bool parse, struct ticket_row *out);
/* ticket_load in two halves, for a read that is queued (api_read): the statement and its
 * parameters, then the ticket from its answer (PD_ERR_NOT_FOUND when it has no row). */
void ticket_read(const struct ticket_scope *vis, const char *id, struct db_read *out);
enum pd_err ticket_of(PGresult *r, bool parse, struct ticket_row *out);

/* Of ids (a uuid[] literal), those the caller may read, with their versions ({id: version},
 * rows_versions): the live stream's check; a technician's
 * (vis->worker) only the tickets they work or worked on. */
enum pd_err ticket_versions(struct db_conn *db, const struct ticket_scope *vis, const char *ids, json_t **out);

/* The list's filters (query parameters) and statement shapes; values are list_check's. */
extern const struct list_spec ticket_list_spec;
/* The page's read (false: out of memory), and each of its rows as an item (rows_page). */
bool ticket_list_read(const struct ticket_scope *vis, const char *const values[], const struct page *pg,
                      struct db_read *out);
void ticket_list_item(struct jtext *b, PGresult *r, int row, const void *ctx);

/* patch: validated JSON of the fields to change (owners: description, visit_window,
 * attachment_ids, checked with attachment_check_usable; staff: kind, category, priority).
 * Reclassification re-targets the SLA clocks and is recorded on the timeline. */
enum pd_err ticket_update(struct db_conn *db, const char *org, const struct ticket_row *t,
                          const char *patch, const char *actor, const char *actor_role);

/* The actions (to: the state the ticket machine leads to). Each is one guarded transition
 * (rows_transition) from the status in t, and its event. */
enum pd_err ticket_reply(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                         const char *reply, const char *actor, const char *actor_role);
enum pd_err ticket_cancel(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                          const char *reason, const char *actor, const char *actor_role);
enum pd_err ticket_confirm(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                           int rating, const char *comment, const char *actor);
/* Reopens t (resolved, or closed when an unsatisfied callback asks: src/callbacks.c) for
 * dispatch again, counted; actor_role says who asked. */
enum pd_err ticket_reopen(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                          const char *reason, const char *actor, const char *actor_role);
enum pd_err ticket_close(struct db_conn *db, const char *org, const struct ticket_row *t, const char *to,
                         const char *actor, const char *actor_role);

/* Comments: owners never see internal ones. A staff member's public comment counts as
 * contacting the owner. */
enum pd_err ticket_comment_add(struct db_conn *db, const char *org, const struct ticket_row *t,
                               const char *body, bool internal, const char *author,
                               const char *author_role, bool staff, json_t **out);
enum pd_err ticket_comment_list(struct db_conn *db, const char *org, const char *ticket_id,
                                bool include_internal, const struct page *pg, char **out);
/* The timeline, oldest first; owners do not see internal entries. */
enum pd_err ticket_event_list(struct db_conn *db, const char *org, const char *ticket_id,
                              bool include_internal, json_t **out);

/* Marks the contact clock met (first response), if not yet. */
enum pd_err ticket_contacted(struct db_conn *db, const char *org, const char *ticket_id);

#endif
