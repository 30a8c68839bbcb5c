/* /v1/work-orders: the staff app's side. Technicians see theirs ("mine") and their
 * department's open queue; supervisors and the desk see their communities. Actions follow
 * the work-order state machine (src/ticket_rules.c); the ticket follows its orders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/users.h"
#include "../src/work_orders.h"
#include "routes.h"


static struct wo_view view_of(const struct api_call *c, const struct wo_row *w)
{
    enum pd_role r = c->who.role;
    struct wo_view v = {
        .status = w->status,
        .assigned = w->assignee_id[0] != '\0',
        .is_assignee = strcmp(w->assignee_id, c->who.sub) == 0,
        .can_grab = r == ROLE_TECHNICIAN && w->caller_in_department,
        .is_supervisor = r == ROLE_SUPERVISOR || r == ROLE_MANAGER || r == ROLE_ADMIN,
        .is_dispatcher = r == ROLE_AGENT || r == ROLE_SUPERVISOR || r == ROLE_MANAGER || r == ROLE_ADMIN,
    };
    return v;
}

void work_orders_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    struct wo_filter f = { 0 };
    verr_init(&v);
    api_page(c, &v, &pg);
    const char *view = q_enum(&v, "view", api_query(c, "view"), enum_codes("work_order_view"));
    f.status = q_enum(&v, "status", api_query(c, "status"), enum_codes("work_order_status"));
    f.department = q_enum(&v, "department", api_query(c, "department"), enum_codes("department"));
    f.assignee_id = q_uuid(&v, "assignee_id", api_query(c, "assignee_id"));
    const char *overdue = api_query(c, "overdue");
    if (overdue != NULL && strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0)
        verr_add(&v, "overdue", "must be true or false");
    f.overdue_only = overdue != NULL && strcmp(overdue, "true") == 0;
    /* technicians work from their own lists; the default view depends on the role */
    if (view == NULL)
        view = c->who.role == ROLE_TECHNICIAN ? "mine" : "all";
    f.view = strcmp(view, "mine") == 0 ? WO_VIEW_MINE : strcmp(view, "queue") == 0 ? WO_VIEW_QUEUE : WO_VIEW_ALL;
    if (c->who.role == ROLE_TECHNICIAN && f.view == WO_VIEW_ALL)
        verr_add(&v, "view", "technicians see mine or queue");
    if (f.view != WO_VIEW_ALL && (f.department || f.assignee_id || f.overdue_only || api_query(c, "cursor")))
        verr_add(&v, "view", "mine and queue take only status and limit");
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char scope[API_SCOPE_BUF];
    json_t *j = NULL;
    enum pd_err err = work_order_list(c->db, c->who.org, api_scope_communities(c, scope, sizeof scope),
                                      c->who.sub, &f, &pg, &j);
    if (err == PD_OK) {
        json_t *j_item;
        size_t i;
        json_array_foreach(json_object_get(j, "items"), i, j_item) {
            struct wo_row w = { 0 };
            snprintf(w.status, sizeof w.status, "%s", json_string_value(json_object_get(j_item, "status")));
            snprintf(w.assignee_id, sizeof w.assignee_id, "%s",
                     json_is_string(json_object_get(j_item, "assignee_id"))
                         ? json_string_value(json_object_get(j_item, "assignee_id")) : "");
            w.caller_in_department = f.view == WO_VIEW_QUEUE;
            struct wo_view wv = view_of(c, &w);
            json_object_set_new(j_item, "allowed_actions", wo_allowed_actions(&wv));
        }
    }
    api_list_result(c, err, j, NULL);
}

void work_orders_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    char scope[API_SCOPE_BUF];
    struct wo_row w;
    if (id == NULL || !api_db(c))
        return;
    enum pd_err err = work_order_load(c->db, c->who.org, api_scope_communities(c, scope, sizeof scope),
                                      c->who.sub, id, false, &w);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    struct wo_view v = view_of(c, &w);
    api_object(c, 200, json_incref(w.j), wo_allowed_actions(&v));
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
    struct wo_change in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    if (fields == reason_fields)
        in.reason = v_string(&v, c->j_body, "reason", a != WA_CANCEL, 1, 200);
    if (a == WA_REASSIGN) {
        in.assignee_id = v_uuid(&v, c->j_body, "assignee_id", true);
        in.reason = v_string(&v, c->j_body, "reason", false, 1, 200);
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
    if (!api_valid(c, &v) || !api_begin(c))
        return;
    char scope[API_SCOPE_BUF], *completion = NULL;
    const char *sc = api_scope_communities(c, scope, sizeof scope);
    struct wo_row w;
    enum pd_err err = work_order_load(c->db, c->who.org, sc, c->who.sub, id, true, &w);
    if (err != PD_OK) {
        api_commit(c, err, NULL, NULL, NULL);
        return;
    }
    struct wo_view wv = view_of(c, &w);
    if (version > 0 && version != w.version) {
        api_commit(c, PD_ERR_STALE, NULL, NULL, NULL);
        wo_row_free(&w);
        return;
    }
    if (!wo_action_allowed(&wv, a)) {
        bool state_ok = wo_action_target(w.status, a, false) != NULL;
        if (state_ok)
            api_commit(c, PD_ERR_FORBIDDEN, NULL, NULL, "This work order is not yours to act on.");
        else
            api_state_conflict(c, w.status, wo_allowed_actions(&wv));
        wo_row_free(&w);
        return;
    }
    if (a == WA_COMPLETE) {
        /* photos: the caller's uploads, or ones the order holds already */
        static const char *const photo_fields[] = { "before_photo_ids", "after_photo_ids", NULL };
        json_t *j_kept = json_array();
        json_array_extend(j_kept, json_object_get(w.j, "before_photo_ids"));
        json_array_extend(j_kept, json_object_get(w.j, "after_photo_ids"));
        bool usable = api_attachments_usable(c, photo_fields, j_kept);
        json_decref(j_kept);
        if (!usable) {
            wo_row_free(&w);
            return;
        }
        in.completion = completion = json_dumps(c->j_body, JSON_COMPACT);
    }
    const char *bad = NULL;
    err = work_order_transition(c->db, c->who.org, &w, a, &in, c->who.sub, role_name(c->who.role), &bad);
    wo_row_free(&w);
    free(completion);
    if (err == PD_ERR_INVALID) {
        api_field_error(c, bad ? bad : "assignee_id",
                        "must be an active technician of the order's department serving its community");
        return;
    }
    if (err == PD_OK)
        err = work_order_load(c->db, c->who.org, sc, c->who.sub, id, false, &w);
    if (err == PD_OK) {
        wv = view_of(c, &w);
        api_commit(c, PD_OK, json_incref(w.j), wo_allowed_actions(&wv), NULL);
        wo_row_free(&w);
    } else {
        api_commit(c, err, NULL, NULL, err == PD_ERR_CONFLICT ? "Someone else changed this work order first." : NULL);
    }
}

void work_orders_accept(struct api_call *c) { transition(c, WA_ACCEPT); }
void work_orders_decline(struct api_call *c) { transition(c, WA_DECLINE); }
void work_orders_start(struct api_call *c) { transition(c, WA_START); }
void work_orders_hold(struct api_call *c) { transition(c, WA_HOLD); }
void work_orders_resume(struct api_call *c) { transition(c, WA_RESUME); }
void work_orders_complete(struct api_call *c) { transition(c, WA_COMPLETE); }
void work_orders_reassign(struct api_call *c) { transition(c, WA_REASSIGN); }
void work_orders_cancel(struct api_call *c) { transition(c, WA_CANCEL); }
