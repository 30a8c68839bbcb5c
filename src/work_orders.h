/* Work orders: dispatch (assign, queue, auto), the technician's transitions, and the lists
 * technicians and supervisors work from. Every function runs inside the caller's
 * transaction; each transition is one UPDATE guarded by the expected state. */
#ifndef PD_WORK_ORDERS_H
#define PD_WORK_ORDERS_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"
#include "rows.h"
#include "ticket_rules.h"
#include "tickets.h"

struct wo_row {
    json_t *j;  /* owned */
    char id[37], ticket_id[37], status[16], community_id[37], department[24], assignee_id[37], mode[8];
    long long version;
    bool caller_in_department;  /* the caller is staff of the order's department */
};
void wo_row_free(struct wo_row *w);

/* scope: the caller's (api_scope_params: org, communities — NULL = org-wide —, units, self);
 * staff see the orders of their communities, owners (units not NULL) none; self is whose
 * department caller_in_department compares. */
enum pd_err work_order_load(struct db_conn *db, const char *const scope[4], const char *id, bool lock,
                            struct wo_row *out);

/* Of ids (a uuid[] literal), those the caller may read, with their versions ({id: version},
 * rows_versions): the live stream's check; a technician
 * (not NULL) sees only their own orders and their department's. */
enum pd_err work_order_versions(struct db_conn *db, const char *const scope[4], const char *technician,
                                const char *ids, json_t **out);

struct dispatch_in {
    const char *mode, *department, *assignee_id, *note;
};
/* Creates a work order for the ticket. PD_ERR_INVALID (e names assignee_id) when the assignee is
 * not an active technician of that department serving the community; PD_ERR_CONFLICT when
 * auto finds no on-duty technician under the open-order cap. */
enum pd_err work_order_dispatch(struct db_conn *db, const char *org, const struct ticket_row *t,
                                const struct dispatch_in *in, const char *actor, const char *actor_role,
                                char id_out[37], struct pd_error *e);

struct wo_change {
    const char *reason;          /* hold, decline, reassign, cancel */
    const char *assignee_id;     /* reassign */
    const char *completion;      /* complete: validated JSON {notes, labor_minutes, materials, fee, …},
                                  * its photo ids checked with attachment_check_usable */
};
/* Applies action a, which the work-order machine leads to next (one guarded transition from
 * w's status and version). PD_ERR_CONFLICT when the order changed first (e.g. a lost grab);
 * PD_ERR_INVALID (e names assignee_id) when a reassignment's assignee may not take the order. */
enum pd_err work_order_transition(struct db_conn *db, const char *org, const struct wo_row *w,
                                  enum wo_action a, const char *next, const struct wo_change *in,
                                  const char *actor, const char *actor_role, struct pd_error *e);

enum wo_view_kind { WO_VIEW_ALL, WO_VIEW_MINE, WO_VIEW_QUEUE };
/* The view=all list's filters (work_order_list_spec); mine and queue take only status. */
extern const struct list_spec work_order_list_spec;
struct wo_filter {
    enum wo_view_kind view;
    const char *status;                       /* mine and queue */
    const char *values[LIST_MAX_FILTERS];     /* all: list_check's values */
};
/* MINE and QUEUE are ordered by priority, then the ticket's resolution due time, and come
 * in one page of at most limit items; ALL is newest first with a cursor. */
/* The allowed_actions of w (its status, assignee_id, mode, caller_in_department) for the
 * caller in ctx, as a JSON array literal; caller frees; NULL when out of memory. */
typedef char *(*wo_actions_fn)(const struct wo_row *w, const void *ctx);
/* The page's read (false: out of memory), then the page from its answer (rows_page), each
 * item with actions(…, ctx); queue: the view read was the queue. */
bool work_order_list_read(const char *const scope[4], const struct wo_filter *f, const struct page *pg,
                          struct db_read *out);
enum pd_err work_order_page(PGresult *r, int limit, bool queue, wo_actions_fn actions, const void *ctx, char **out);

#endif
