/* /v1/work-orders: the staff app's side. Technicians see theirs ("mine") and their
 * department's open queue; supervisors and the desk see their communities. Actions follow
 * the work-order state machine (src/ticket_rules.c); the ticket follows its orders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/users.h"
#include "../src/work_orders.h"
#include "action.h"


/* What the caller is to this order, for the state machine. */
static struct machine_ctx ctx_of(const struct api_call *c, const struct wo_row *w)
{
    struct machine_ctx x = {
        c->who.role,
        (w->assignee_id[0] != '\0' ? MF_ASSIGNED : 0) |
            (strcmp(w->assignee_id, c->who.sub) == 0 ? MF_ASSIGNEE : 0) |
            (c->who.role == ROLE_TECHNICIAN && w->caller_in_department ? MF_CAN_GRAB : 0) |
            (strcmp(w->mode, "queue") == 0 ? MF_QUEUED : 0),
    };
    return x;
}

static json_t *actions_for(const struct api_call *c, const struct wo_row *w)
{
    struct machine_ctx x = ctx_of(c, w);
    return machine_allowed(&work_order_machine, w->status, &x);
}

static char *actions_text(const struct wo_row *w, const void *ctx)
{
    json_t *j_actions = actions_for(ctx, w);
    char *text = json_dumps(j_actions, JSON_COMPACT);
    json_decref(j_actions);
    return text;
}

struct wo_obj {
    struct wo_row w;
};

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s)
{
    struct wo_obj *o = row;
    const char *sc[4];
    api_scope_params(c, sc);
    enum pd_err err = work_order_load(c->db, sc, id, lock, &o->w);
    if (err == PD_OK)
        *s = (struct api_subject){ o->w.status, o->w.version, ctx_of(c, &o->w), o->w.j };
    return err;
}

static void release_obj(void *row) { wo_row_free(&((struct wo_obj *)row)->w); }

static const struct api_resource wo_resource = { &work_order_machine, load_obj, release_obj };

struct order_page {
    int limit;
    bool queue;
};

static void reply_orders(struct api_call *c, PGresult *r, const void *arg)
{
    const struct order_page *op = arg;
    char *page = NULL;
    enum pd_err err = work_order_page(r, op->limit, op->queue, actions_text, c, &page);
    api_list_result(c, err, page);
}

void work_orders_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    struct wo_filter f = { 0 };
    verr_init(&v);
    api_page(c, &v, &pg);
    const char *view = q_enum(&v, "view", api_query(c, "view"), enum_codes("work_order_view"));
    api_list_filters(c, &work_order_list_spec, &v, f.values);
    f.status = list_value(&work_order_list_spec, f.values, "status");
    bool filtered = false;  /* by anything but status */
    for (int i = 0; i < work_order_list_spec.n_filters; i++)
        filtered |= f.values[i] != NULL && f.values[i] != f.status;
    /* technicians work from their own lists; the default view depends on the role */
    if (view == NULL)
        view = c->who.role == ROLE_TECHNICIAN ? "mine" : "all";
    f.view = strcmp(view, "mine") == 0 ? WO_VIEW_MINE : strcmp(view, "queue") == 0 ? WO_VIEW_QUEUE : WO_VIEW_ALL;
    if (c->who.role == ROLE_TECHNICIAN && f.view == WO_VIEW_ALL)
        verr_add(&v, "view", "technicians see mine or queue");
    if (f.view != WO_VIEW_ALL && (filtered || api_query(c, "cursor")))
        verr_add(&v, "view", "mine and queue take only status and limit");
    if (!api_valid(c, &v))
        return;
    const char *sc[4];
    struct db_read rd;
    struct order_page op = { pg.limit, f.view == WO_VIEW_QUEUE };
    api_scope_params(c, sc);
    if (!work_order_list_read(sc, &f, &pg, &rd))
        api_error(c, PD_ERR_NOMEM, NULL);
    else
        api_read(c, &rd, reply_orders, &op, sizeof op);
}

void work_orders_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    struct wo_row w;
    if (id == NULL || !api_db(c))
        return;
    const char *sc[4];
    api_scope_params(c, sc);
    enum pd_err err = work_order_load(c->db, sc, id, false, &w);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_object(c, 200, json_incref(w.j), actions_for(c, &w));
    wo_row_free(&w);
}

static void check_materials(struct verr *v, json_t *j_list)
{
    static const char *const keys[] = { "name", "quantity", "unit_cost", NULL };
    size_t i;
    json_t *j_item;
    json_array_foreach(j_list, i, j_item) {
        char field[40];
        snprintf(field, sizeof field, "materials[%zu]", i);
        struct verr item;
        verr_init(&item);
        double q, cost;
        if (!json_is_object(j_item)) {
            verr_add(v, field, "must be {name, quantity, unit_cost}");
        } else {
            v_reject_unknown(&item, j_item, keys);
            v_string(&item, j_item, "name", true, 1, 100);
            v_number(&item, j_item, "quantity", true, 0.001, 100000, &q);
            v_number(&item, j_item, "unit_cost", true, 0, 1000000, &cost);
            if (verr_any(&item))
                verr_add(v, field, "must be {name, quantity > 0, unit_cost >= 0}");
        }
        verr_free(&item);
    }
}

static void check_photos(struct verr *v, const char *field, json_t *j_ids)
{
    size_t i;
    json_t *j_id;
    json_array_foreach(j_ids, i, j_id) {
        if (!json_is_string(j_id) || !uuid_valid(json_string_value(j_id))) {
            verr_add(v, field, "must list attachment UUIDs");
            return;
        }
    }
}

struct wo_input {
    enum wo_action a;
    struct wo_change change;
};

static enum pd_err act(struct api_call *c, void *row, const char *to, const void *in_, const char **detail)
{
    const struct wo_input *in = in_;
    struct wo_row *w = &((struct wo_obj *)row)->w;
    struct wo_change change = in->change;
    char *completion = NULL;
    if (in->a == WA_COMPLETE) {
        /* photos: the caller's uploads, or ones the order holds already */
        static const char *const photo_fields[] = { "before_photo_ids", "after_photo_ids", NULL };
        json_t *j_kept = json_array();
        json_array_extend(j_kept, json_object_get(w->j, "before_photo_ids"));
        json_array_extend(j_kept, json_object_get(w->j, "after_photo_ids"));
        bool usable = api_attachments_usable(c, photo_fields, j_kept);
        json_decref(j_kept);
        if (!usable)
            return PD_ERR_INVALID;
        change.completion = completion = json_dumps(c->j_body, JSON_COMPACT);
    }
    struct pd_error e;
    enum pd_err err = work_order_transition(c->db, c->who.org, w, in->a, to, &change, c->who.sub,
                                            role_name(c->who.role), &e);
    free(completion);
    if (err == PD_ERR_INVALID)
        api_fail(c, &e);
    if (err == PD_ERR_CONFLICT) {
        *detail = "Someone else changed this work order first.";
        api_problem_code(c, "lost_race");
    }
    return err;
}

static void transition(struct api_call *c, enum wo_action a)
{
    static const char *const reason_fields[] = { "reason", NULL };
    static const char *const reassign_fields[] = { "assignee_id", "reason", NULL };
    static const char *const complete_fields[] = { "notes", "labor_minutes", "materials", "fee",
                                                   "before_photo_ids", "after_photo_ids", NULL };
    static const char *const no_fields[] = { NULL };
    const char *const *fields = a == WA_REASSIGN ? reassign_fields : a == WA_COMPLETE ? complete_fields
                              : (a == WA_HOLD || a == WA_DECLINE || a == WA_CANCEL) ? reason_fields : no_fields;
    struct verr v;
    long long version;
    struct wo_input in_ = { a, { 0 } };
    struct wo_change *in = &in_.change;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    if (fields == reason_fields)
        in->reason = v_string(&v, c->j_body, "reason", a != WA_CANCEL, 1, 200);
    if (a == WA_REASSIGN) {
        in->assignee_id = v_uuid(&v, c->j_body, "assignee_id", true);
        in->reason = v_string(&v, c->j_body, "reason", false, 1, 200);
    }
    if (a == WA_COMPLETE) {
        long long minutes;
        double fee;
        v_string(&v, c->j_body, "notes", true, 1, 2000);
        v_int(&v, c->j_body, "labor_minutes", true, 0, 10000, &minutes);
        json_t *j_materials = v_array(&v, c->j_body, "materials", false, 0, 50);
        if (j_materials != NULL)
            check_materials(&v, j_materials);
        v_number(&v, c->j_body, "fee", false, 0, 1000000, &fee);
        check_photos(&v, "before_photo_ids", v_array(&v, c->j_body, "before_photo_ids", false, 0, 9));
        check_photos(&v, "after_photo_ids", v_array(&v, c->j_body, "after_photo_ids", false, 0, 9));
    }
    if (!api_valid(c, &v))
        return;
    struct wo_obj o;
    api_action_run(c, &wo_resource, a, id, version, &o, act, &in_);
}

void work_orders_accept(struct api_call *c) { transition(c, WA_ACCEPT); }
void work_orders_decline(struct api_call *c) { transition(c, WA_DECLINE); }
void work_orders_start(struct api_call *c) { transition(c, WA_START); }
void work_orders_hold(struct api_call *c) { transition(c, WA_HOLD); }
void work_orders_resume(struct api_call *c) { transition(c, WA_RESUME); }
void work_orders_complete(struct api_call *c) { transition(c, WA_COMPLETE); }
void work_orders_reassign(struct api_call *c) { transition(c, WA_REASSIGN); }
void work_orders_cancel(struct api_call *c) { transition(c, WA_CANCEL); }

void api_dispatch_fields(struct api_call *c, struct verr *v, struct dispatch_in *in)
{
    memset(in, 0, sizeof *in);
    in->mode = v_enum(v, c->j_body, "mode", true, enum_codes("dispatch_mode"));
    in->department = v_enum(v, c->j_body, "department", false, enum_codes("department"));
    in->assignee_id = v_uuid(v, c->j_body, "assignee_id", false);
    in->note = v_string(v, c->j_body, "note", false, 1, 500);
    bool assign = in->mode && strcmp(in->mode, "assign") == 0;
    if (assign && in->assignee_id == NULL && json_object_get(c->j_body, "assignee_id") == NULL)
        verr_add(v, "assignee_id", "is required to assign");
    if (!assign && json_object_get(c->j_body, "assignee_id") != NULL)
        verr_add(v, "assignee_id", "is only for mode assign");
}

enum pd_err work_orders_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    const char *sc[4];
    api_scope_params(c, sc);
    return work_order_versions(c->db, sc, c->who.role == ROLE_TECHNICIAN ? c->who.sub : NULL, ids, out);
}
