/* /v1/callbacks and /v1/me/callbacks: the follow-ups the system schedules when tickets close
 * and complaints are replied to, and those staff ask for; the desk takes them from the
 * community's queue, the assignee calls (or visits, writes, asks in the app), a supervisor
 * reviews; owners answer in the app when asked. Visibility: src/callbacks.h; who may do
 * what: src/callback_rules.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/callback_rules.h"
#include "../src/callbacks.h"
#include "../src/enums.h"
#include "action.h"

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

static bool desk_role(enum pd_role r)
{
    return r == ROLE_AGENT || r == ROLE_SUPERVISOR || r == ROLE_MANAGER || r == ROLE_ADMIN;
}

/* Technicians see the callbacks assigned to them; the desk, owners and clients with pii:read
 * the contact's phone in full. */
static void visibility(const struct api_call *c, struct callback_scope *v)
{
    memset(v, 0, sizeof *v);
    api_scope_params(c, v->scope);
    enum pd_role r = c->who.role;
    v->assignee_only = r == ROLE_TECHNICIAN;
    v->reveal_phone = r == ROLE_INTEGRATION ? (c->who.scopes & SCOPE_PII_READ) != 0 : desk_role(r) || r == ROLE_OWNER;
}

struct callback_obj {
    struct callback_scope vis;
    struct callback_row k;
};

static struct machine_ctx ctx_of(const struct api_call *c, const struct callback_row *k)
{
    unsigned f = 0;
    if (k->assignee_id[0] != '\0')
        f |= MF_ASSIGNED;
    if (c->who.role != ROLE_INTEGRATION && is(k->assignee_id, c->who.sub))
        f |= MF_ASSIGNEE;
    if (c->who.role == ROLE_OWNER && is(k->resident_id, c->who.sub))
        f |= MF_MINE;
    if (k->asked)
        f |= MF_REQUESTED;
    if (k->resident_id[0] != '\0')
        f |= MF_HAS_RESIDENT;
    return (struct machine_ctx){ c->who.role, f };
}

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s)
{
    struct callback_obj *o = row;
    visibility(c, &o->vis);
    enum pd_err err = callback_load(c->db, &o->vis, id, lock, true, &o->k);
    if (err == PD_OK)
        *s = (struct api_subject){ o->k.status, o->k.version, ctx_of(c, &o->k), o->k.j };
    return err;
}

static void release_obj(void *row) { callback_row_free(&((struct callback_obj *)row)->k); }

static const struct api_resource callback_resource = { &callback_machine, load_obj, release_obj };

static struct callback_actor actor_of(const struct api_call *c)
{
    return (struct callback_actor){ c->who.org, c->who.sub, role_name(c->who.role) };
}

/* ---- reading and asking --------------------------------------------------------------- */

void callbacks_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    struct callback_scope vis;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &callback_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    visibility(c, &vis);
    char *page = NULL;
    enum pd_err err = callback_list(c->db, &vis, values, &pg, &page);
    api_list_result(c, err, page);
}

void callbacks_show(struct api_call *c)
{
    struct callback_scope vis;
    struct callback_row k;
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    visibility(c, &vis);
    enum pd_err err = callback_load(c->db, &vis, id, false, false, &k);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    struct machine_ctx x = ctx_of(c, &k);
    api_show_text(c, &callback_machine, k.status, &x, k.json, k.version);
    callback_row_free(&k);
}

void callbacks_events_index(struct api_call *c)
{
    struct callback_scope vis;
    struct callback_row k;
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    visibility(c, &vis);
    enum pd_err err = callback_load(c->db, &vis, id, false, false, &k);
    json_t *j = NULL;
    if (err == PD_OK) {
        callback_row_free(&k);
        err = callback_event_list(c->db, &vis, id, &j);
    }
    api_list_json(c, err, j);
}

void callbacks_create(struct api_call *c)
{
    static const char *const fields[] = { "kind", "unit_id", "resident_id", "contact_name", "contact_phone", "purpose",
                                          "window_start", "window_end", "assignee_id", NULL };
    struct verr v;
    struct callback_in in = { 0 };
    time_t start, end;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    in.kind = v_enum(&v, c->j_body, "kind", true, enum_codes("callback_staff_kind"));
    in.unit_id = v_uuid(&v, c->j_body, "unit_id", false);
    in.resident_id = v_uuid(&v, c->j_body, "resident_id", false);
    if ((json_object_get(c->j_body, "unit_id") == NULL) == (json_object_get(c->j_body, "resident_id") == NULL))
        verr_add(&v, "unit_id", "give the unit or the resident to call back (one of them)");
    in.contact_name = v_string(&v, c->j_body, "contact_name", false, 1, 50);
    in.contact_phone = v_string(&v, c->j_body, "contact_phone", false, 6, 16);
    if (in.contact_phone != NULL && !phone_valid(in.contact_phone))
        verr_add(&v, "contact_phone", "must be 6 to 15 digits, optionally after '+'");
    in.purpose = v_string(&v, c->j_body, "purpose", false, 1, 500);
    in.window_start = v_time(&v, c->j_body, "window_start", false, &start);
    in.window_end = v_time(&v, c->j_body, "window_end", true, &end);
    if (end && end <= (start ? start : time(NULL)))
        verr_add(&v, "window_end", "must be after the window's start (and in the future)");
    in.assignee_id = v_uuid(&v, c->j_body, "assignee_id", false);
    if (!api_valid(c, &v))
        return;
    struct callback_scope vis;
    visibility(c, &vis);
    in.created_by = c->who.sub;
    in.actor_role = role_name(c->who.role);
    if (!api_create_begin(c))
        return;
    char id[37];
    struct pd_error e;
    enum pd_err err = callback_create(c->db, &vis, &in, id, &e);
    if (err == PD_ERR_NOT_FOUND || err == PD_ERR_INVALID) {
        api_fail(c, &e);
        return;
    }
    struct callback_row k = { 0 };
    if (err == PD_OK)
        err = callback_load(c->db, &vis, id, false, true, &k);
    json_t *j_actions = NULL;
    if (err == PD_OK) {
        struct machine_ctx x = ctx_of(c, &k);
        j_actions = machine_allowed(&callback_machine, k.status, &x);
    }
    api_create_finish(c, err, err == PD_OK ? json_incref(k.j) : NULL, j_actions, "/v1/callbacks", NULL);
    callback_row_free(&k);
}

/* ---- actions ---------------------------------------------------------------------------- */

struct callback_input {
    const char *assignee_id, *method, *outcome, *text;
    struct callback_result result;
    bool approve;
};

#define CALLBACK_ACT(NAME) \
    static enum pd_err NAME(struct api_call *c, void *row, const char *to, const void *in, const char **detail)
#define K_ROW (&((struct callback_obj *)row)->k)
#define K_IN ((const struct callback_input *)in)

static void run(struct api_call *c, struct verr *v, enum callback_action a, const char *id, long long version,
                api_act act, const struct callback_input *in)
{
    if (!api_valid(c, v))
        return;
    struct callback_obj o;
    api_action_run(c, &callback_resource, a, id, version, &o, act, in);
}

CALLBACK_ACT(act_take)
{
    (void)to, (void)in, (void)detail;
    struct callback_actor a = actor_of(c);
    return callback_take(c->db, K_ROW, &a);
}

void callbacks_take(struct api_call *c)
{
    static const char *const fields[] = { NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id != NULL)
        run(c, &v, KA_TAKE, id, version, act_take, &in);
}

CALLBACK_ACT(act_reassign)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    struct pd_error e;
    return api_field_failure(c, callback_reassign(c->db, K_ROW, &a, K_IN->assignee_id, &e), &e);
}

void callbacks_reassign(struct api_call *c)
{
    static const char *const fields[] = { "assignee_id", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    in.assignee_id = v_uuid(&v, c->j_body, "assignee_id", true);
    run(c, &v, KA_REASSIGN, id, version, act_reassign, &in);
}

CALLBACK_ACT(act_attempt)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    return callback_attempt(c->db, K_ROW, &a, K_IN->method, K_IN->outcome, K_IN->text);
}

void callbacks_attempt(struct api_call *c)
{
    static const char *const fields[] = { "method", "outcome", "notes", NULL };
    static const char *const methods[] = { "visit", "phone", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    in.method = v_enum(&v, c->j_body, "method", true, methods);
    in.outcome = v_enum(&v, c->j_body, "outcome", true, enum_codes("callback_outcome"));
    in.text = v_string(&v, c->j_body, "notes", false, 1, 500);
    run(c, &v, KA_ATTEMPT, id, version, act_attempt, &in);
}

CALLBACK_ACT(act_request)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    return callback_request(c->db, K_ROW, &a, K_IN->method != NULL);
}

void callbacks_request(struct api_call *c)
{
    static const char *const fields[] = { "confirm_visit", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    json_t *j_visit = json_object_get(c->j_body, "confirm_visit");
    if (j_visit != NULL && !json_is_boolean(j_visit))
        verr_add(&v, "confirm_visit", "must be true or false");
    in.method = json_is_true(j_visit) ? "visit" : NULL;
    run(c, &v, KA_REQUEST, id, version, act_request, &in);
}

CALLBACK_ACT(act_complete)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    struct pd_error e;
    return api_field_failure(c, callback_complete(c->db, K_ROW, &a, &K_IN->result, &e), &e);
}

void callbacks_complete(struct api_call *c)
{
    static const char *const fields[] = { "method", "satisfaction", "comment", "new_issues", "signature_id", "open_as",
                                          "category", NULL };
    static const char *const methods[] = { "visit", "phone", "letter", NULL };
    static const char *const opens[] = { "ticket", "complaint", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    in.result.method = v_enum(&v, c->j_body, "method", true, methods);
    in.result.satisfaction = v_enum(&v, c->j_body, "satisfaction", true, enum_codes("satisfaction"));
    in.result.comment = v_string(&v, c->j_body, "comment", false, 1, 1000);
    in.result.new_issues = v_string(&v, c->j_body, "new_issues", false, 1, 1000);
    in.result.signature_id = v_uuid(&v, c->j_body, "signature_id", false);
    if (in.result.signature_id && in.result.method && !is(in.result.method, "visit"))
        verr_add(&v, "signature_id", "is for a visit");
    /* a new issue the owner raised may be opened at once, as a ticket or a complaint */
    in.result.open = v_enum(&v, c->j_body, "open_as", false, opens);
    in.result.category = v_enum(&v, c->j_body, "category", false, enum_codes("ticket_category"));
    if (in.result.open && in.result.new_issues == NULL)
        verr_add(&v, "new_issues", "describes the issue to open");
    if (in.result.open && is(in.result.open, "ticket") && in.result.category == NULL)
        verr_add(&v, "category", "is required to open a ticket");
    if (in.result.category && !(in.result.open && is(in.result.open, "ticket")))
        verr_add(&v, "category", "goes with open_as ticket");
    run(c, &v, KA_COMPLETE, id, version, act_complete, &in);
}

CALLBACK_ACT(act_respond)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    return callback_respond(c->db, K_ROW, &a, K_IN->result.satisfaction, K_IN->result.comment);
}

void callbacks_respond(struct api_call *c)
{
    static const char *const fields[] = { "satisfaction", "comment", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    in.result.satisfaction = v_enum(&v, c->j_body, "satisfaction", true, enum_codes("satisfaction"));
    in.result.comment = v_string(&v, c->j_body, "comment", false, 1, 1000);
    run(c, &v, KA_RESPOND, id, version, act_respond, &in);
}

CALLBACK_ACT(act_review)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    return callback_review(c->db, K_ROW, &a, K_IN->approve, K_IN->text);
}

static void review(struct api_call *c, bool approve)
{
    static const char *const approve_fields[] = { "note", NULL }, *const return_fields[] = { "reason", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { .approve = approve };
    const char *id = api_change_begin(c, &v, approve ? approve_fields : return_fields, false, &version);
    if (id == NULL)
        return;
    in.text = approve ? v_string(&v, c->j_body, "note", false, 1, 500) : v_string(&v, c->j_body, "reason", true, 1, 500);
    run(c, &v, approve ? KA_APPROVE : KA_RETURN, id, version, act_review, &in);
}

void callbacks_approve(struct api_call *c) { review(c, true); }
void callbacks_return(struct api_call *c) { review(c, false); }

CALLBACK_ACT(act_cancel)
{
    (void)to, (void)detail;
    struct callback_actor a = actor_of(c);
    return callback_cancel(c->db, K_ROW, &a, K_IN->text);
}

void callbacks_cancel(struct api_call *c)
{
    static const char *const fields[] = { "reason", NULL };
    struct verr v;
    long long version;
    struct callback_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "reason", true, 1, 500);
    run(c, &v, KA_CANCEL, id, version, act_cancel, &in);
}

/* an id of a request and where it was in it */
struct named_id {
    const char *id;
    size_t at;
};

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct named_id *)a)->id, ((const struct named_id *)b)->id);
}

/* 第十六条: one open letter answers one issue for many owners — it completes each callback
 * it names (the caller's to complete, open, one staff asked for: not a repair's, complaint's
 * or sample's, which count against their targets one by one), all or none. */
void callbacks_letter(struct api_call *c)
{
    static const char *const fields[] = { "callback_ids", "content", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    json_t *j_ids = v_array(&v, c->j_body, "callback_ids", true, 1, 100);
    const char *content = v_string(&v, c->j_body, "content", true, 1, 1000);
    size_t i, k;
    json_t *j_id;
    json_array_foreach(j_ids, i, j_id) {
        bool repeated = false;
        for (k = 0; k < i; k++)
            repeated = repeated || json_equal(j_id, json_array_get(j_ids, k));
        if (!json_is_string(j_id) || !uuid_valid(json_string_value(j_id)) || repeated) {
            verr_add(&v, "callback_ids", repeated ? "names a callback twice" : "must list callback UUIDs");
            break;
        }
    }
    if (!api_valid(c, &v) || !api_db(c))
        return;
    /* locked in id order, so that two letters never wait on each other */
    size_t n = json_array_size(j_ids);
    struct named_id order[100];
    for (i = 0; i < n; i++)
        order[i] = (struct named_id){ json_string_value(json_array_get(j_ids, i)), i };
    qsort(order, n, sizeof order[0], by_id);
    json_t *j_items = json_array();
    struct callback_actor a = actor_of(c);
    const struct callback_result result = { .method = "letter", .comment = content };
    for (size_t x = 0; x < n; x++) {
        const char *id = order[x].id;
        char field[40];
        snprintf(field, sizeof field, "callback_ids[%zu]", order[x].at);
        struct callback_obj o;
        struct api_subject s;
        struct pd_error e;
        enum pd_err err = load_obj(c, id, true, &o, &s);
        /* a letter answers what staff asked for; repairs and complaints are called back one by one */
        bool answerable = err == PD_OK && json_object_get(o.k.j, "source_type") != NULL &&
                          json_is_null(json_object_get(o.k.j, "source_type")) &&
                          machine_check(&callback_machine, s.state, KA_COMPLETE, &s.ctx, NULL) == MACHINE_OK;
        if (answerable)
            err = callback_complete(c->db, &o.k, &a, &result, &e);
        release_obj(&o);
        if (err == PD_OK && !answerable) {
            json_decref(j_items);
            api_fail(c, &(struct pd_error){ PD_ERR_INVALID, field,
                                            "is not yours to complete now, or not one a letter answers" });
            return;
        }
        if (err != PD_OK) {
            json_decref(j_items);
            if (err == PD_ERR_NOT_FOUND)
                api_fail(c, &(struct pd_error){ PD_ERR_NOT_FOUND, field, "No such callback within your reach." });
            else
                api_error(c, err, NULL);
            return;
        }
    }
    /* the reply lists them in the order asked */
    json_array_foreach(j_ids, i, j_id) {
        struct callback_obj o;
        struct api_subject s;
        enum pd_err err = load_obj(c, json_string_value(j_id), false, &o, &s);
        if (err != PD_OK) {
            json_decref(j_items);
            api_error(c, err, NULL);
            return;
        }
        json_array_append(j_items, o.k.j);
        release_obj(&o);
    }
    api_json(c, 200, json_pack("{s:o, s:n}", "items", j_items, "next_cursor"));
}

enum pd_err callbacks_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    struct callback_scope vis;
    visibility(c, &vis);
    return callback_versions(c->db, &vis, ids, out);
}
