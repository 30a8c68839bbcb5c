/* /v1/tickets: owners report from the app, the desk reports for owners and runs the ticket
 * (reclassify, dispatch, reply, cancel, close), owners confirm or reopen; comments and the
 * timeline. Visibility: owners their units (and what they reported), staff their
 * communities, integration clients their org with tickets:read / tickets:write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/ticket_rules.h"
#include "../src/tickets.h"
#include "../src/users.h"
#include "../src/work_orders.h"
#include "action.h"

struct vis {
    struct ticket_scope s;
};

static bool is_owner_role(const struct api_call *c) { return c->who.role == ROLE_OWNER; }

static bool staff_desk(const struct api_call *c)
{
    enum pd_role r = c->who.role;
    return r == ROLE_AGENT || r == ROLE_SUPERVISOR || r == ROLE_MANAGER || r == ROLE_ADMIN;
}

/* The caller's ticket visibility (a client's scope was checked by the route table).
 * The reporter's phone (DESIGN §3) is shown in full to the desk running the ticket (agent,
 * supervisor, manager, admin, in their scope), to owners (their units' tickets), to the
 * technicians working on it (an active work order of theirs: decided in SQL) and to clients
 * with pii:read; quality (auditing), other technicians and other clients see it masked. */
static bool visibility(struct api_call *c, struct vis *v)
{
    memset(&v->s, 0, sizeof v->s);
    api_scope_params(c, v->s.scope);
    if (c->who.role == ROLE_INTEGRATION) {
        v->s.reveal_pii = (c->who.scopes & SCOPE_PII_READ) != 0;
    } else if (is_owner_role(c)) {
        v->s.reveal_pii = true;
    } else {
        v->s.reveal_pii = staff_desk(c);
        if (c->who.role == ROLE_TECHNICIAN)
            v->s.worker = c->who.sub;
    }
    return true;
}

/* The ticket, as the action path and the machine see it. */
struct ticket_obj {
    struct vis vis;
    struct ticket_row t;
};

/* What the caller is to this ticket, for the state machine. */
static struct machine_ctx ctx_of(const struct api_call *c, const struct ticket_row *t)
{
    bool mine = is_owner_role(c) && (principal_has_unit(&c->who, t->unit_id) || strcmp(t->reporter_id, c->who.sub) == 0);
    struct machine_ctx x = { c->who.role, (mine ? MF_MINE : 0) | (t->work_started ? MF_WORK_STARTED : 0) |
                                          (t->in_reopen_window ? MF_REOPENABLE : 0) |
                                          (strcmp(t->kind, "inquiry") == 0 ? MF_INQUIRY : 0) };
    return x;
}

static json_t *actions_for(const struct api_call *c, const struct ticket_row *t)
{
    struct machine_ctx x = ctx_of(c, t);
    return machine_allowed(&ticket_machine, t->status, &x);
}

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s)
{
    struct ticket_obj *o = row;
    visibility(c, &o->vis);
    enum pd_err err = ticket_load(c->db, &o->vis.s, id, lock, true, &o->t);
    if (err == PD_OK)
        *s = (struct api_subject){ o->t.status, o->t.version, ctx_of(c, &o->t), o->t.j };
    return err;
}

static void release_obj(void *row) { ticket_row_free(&((struct ticket_obj *)row)->t); }

static const struct api_resource ticket_resource = { &ticket_machine, load_obj, release_obj };

static const char *const create_fields[] = {
    "kind", "unit_id", "community_id", "location", "category", "description", "priority", "occurred_at",
    "visit_window", "entry_permission", "paid_service", "attachment_ids", "channel", "reporter_name",
    "reporter_phone", NULL,
};

/* The body fields that name attachments (checked with api_attachments_usable). */
static const char *const attachment_fields[] = { "attachment_ids", NULL };

static void check_time(struct verr *v, const char *field, const char *s, time_t *out)
{
    if (s != NULL && !rfc3339_parse(s, out))
        verr_add(v, field, "must be an RFC 3339 date-time such as 2026-11-22T08:00:00Z");
}

/* visit_window {from, to}, from before to. */
static void check_window(struct verr *v, json_t *j_window, const char **from, const char **to)
{
    static const char *const keys[] = { "from", "to", NULL };
    time_t f = 0, t = 0;
    *from = *to = NULL;
    if (j_window == NULL || json_is_null(j_window))
        return;
    if (!json_is_object(j_window)) {
        verr_add(v, "visit_window", "must be an object {from, to}");
        return;
    }
    struct verr inner;
    verr_init(&inner);
    v_reject_unknown(&inner, j_window, keys);
    if (verr_any(&inner))
        verr_add(v, "visit_window", "takes only from and to");
    verr_free(&inner);
    *from = json_string_value(json_object_get(j_window, "from"));
    *to = json_string_value(json_object_get(j_window, "to"));
    if (*from == NULL || *to == NULL)
        verr_add(v, "visit_window", "needs from and to");
    check_time(v, "visit_window.from", *from, &f);
    check_time(v, "visit_window.to", *to, &t);
    if (f && t && f >= t)
        verr_add(v, "visit_window.to", "must be after from");
}

void tickets_create(struct api_call *c)
{
    struct verr v;
    struct ticket_in in = { 0 };
    struct vis vis;
    char ids[40 * 10 + 4] = "{}";
    time_t when;
    bool owner = is_owner_role(c), client = c->who.role == ROLE_INTEGRATION;
    verr_init(&v);
    api_body_fields(c, &v, create_fields);
    in.kind = v_enum(&v, c->j_body, "kind", true, enum_codes("ticket_kind"));
    in.category = v_enum(&v, c->j_body, "category", true, enum_codes("ticket_category"));
    in.description = v_string(&v, c->j_body, "description", true, 1, 2000);
    in.unit_id = v_uuid(&v, c->j_body, "unit_id", false);
    in.community_id = v_uuid(&v, c->j_body, "community_id", false);
    in.location = v_string(&v, c->j_body, "location", false, 1, 200);
    bool has_unit = json_object_get(c->j_body, "unit_id") != NULL;
    if (has_unit == (json_object_get(c->j_body, "community_id") != NULL))
        verr_add(&v, "unit_id", "give unit_id for a home, or community_id with location for a common area");
    else if (!has_unit && json_object_get(c->j_body, "location") == NULL)
        verr_add(&v, "location", "is required for a common area");
    const char *priority = v_enum(&v, c->j_body, "priority", false, enum_codes("ticket_priority"));
    in.occurred_at = v_string(&v, c->j_body, "occurred_at", false, 1, 40);
    check_time(&v, "occurred_at", in.occurred_at, &when);
    check_window(&v, json_object_get(c->j_body, "visit_window"), &in.visit_from, &in.visit_to);
    json_t *j_flag;
    if ((j_flag = json_object_get(c->j_body, "entry_permission")) != NULL && !json_is_boolean(j_flag))
        verr_add(&v, "entry_permission", "must be true or false");
    if ((j_flag = json_object_get(c->j_body, "paid_service")) != NULL && !json_is_boolean(j_flag))
        verr_add(&v, "paid_service", "must be true or false");
    in.entry_permission = json_is_true(json_object_get(c->j_body, "entry_permission"));
    in.paid_service = json_is_true(json_object_get(c->j_body, "paid_service"));
    json_t *j_ids = v_array(&v, c->j_body, "attachment_ids", false, 0, 9);
    if (j_ids != NULL)
        api_attachment_list(&v, j_ids, "attachment_ids", ids, sizeof ids);
    in.attachment_ids = ids;
    const char *channel = v_enum(&v, c->j_body, "channel", false, enum_codes("ticket_channel"));
    in.reporter_name = v_string(&v, c->j_body, "reporter_name", false, 1, 50);
    in.reporter_phone = v_string(&v, c->j_body, "reporter_phone", false, 6, 16);
    if (in.reporter_phone != NULL && !phone_valid(in.reporter_phone))
        verr_add(&v, "reporter_phone", "must be 6 to 15 digits, optionally after '+'");
    if (owner || client) {
        /* an owner's (or a client's) priority is a request; the desk decides */
        in.requested_priority = priority;
        in.priority = in.category && strcmp(in.category, "leak") == 0 ? "P2" : "P3";
        in.channel = client ? "integration" : "app";
        if (channel != NULL && strcmp(channel, in.channel) != 0)
            verr_add(&v, "channel", "is %s for this caller", in.channel);
        if (owner && (in.reporter_name || in.reporter_phone))
            verr_add(&v, in.reporter_name ? "reporter_name" : "reporter_phone", "is taken from your account");
    } else {
        in.priority = priority ? priority : "P3";
        in.channel = channel;
        if (channel == NULL || strcmp(channel, "app") == 0 || strcmp(channel, "integration") == 0 ||
            strcmp(channel, "complaint") == 0)  /* complaint: tickets a complaint's department spawns */
            verr_add(&v, "channel", "desk intake is by phone, walk_in or wechat");
        if (in.reporter_name == NULL)
            verr_add(&v, "reporter_name", "is required when reporting for an owner");
        if (in.reporter_phone == NULL)
            verr_add(&v, "reporter_phone", "is required when reporting for an owner");
    }
    if (!api_valid(c, &v) || !visibility(c, &vis))
        return;
    if (owner)
        in.reporter_id = c->who.sub;
    in.created_by = c->who.sub;
    in.actor_id = client ? NULL : c->who.sub;
    in.actor_role = role_name(c->who.role);
    if (!api_create_begin(c))
        return;
    char id[37] = "";
    struct pd_error e;
    enum pd_err err = ticket_create(c->db, &vis.s, &in, id, &e);
    if (err == PD_ERR_NOT_FOUND) {
        api_fail(c, &e);
        return;
    }
    /* the place is resolved first (404), then the photos (400); the unit of work rolls the
     * ticket back when they are refused */
    if (err == PD_OK && !api_attachments_usable(c, attachment_fields, NULL))
        return;
    struct ticket_row t = { 0 };
    if (err == PD_OK)
        err = ticket_load(c->db, &vis.s, id, false, true, &t);
    json_t *j_actions = err == PD_OK ? actions_for(c, &t) : NULL;
    api_create_finish(c, err, err == PD_OK ? json_incref(t.j) : NULL, j_actions, "/v1/tickets", NULL);
    ticket_row_free(&t);
}

void tickets_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    struct vis vis;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &ticket_list_spec, &v, values);
    struct db_read rd;
    if (!api_valid(c, &v) || !visibility(c, &vis))
        return;
    if (!ticket_list_read(&vis.s, values, &pg, &rd))
        api_error(c, PD_ERR_NOMEM, NULL);
    else
        api_read_page(c, &rd, pg.limit, ticket_list_item);
}

static void show_ticket(struct api_call *c, PGresult *r, const void *arg)
{
    struct ticket_row t;
    (void)arg;
    enum pd_err err = ticket_of(r, false, &t);
    PQclear(r);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    struct machine_ctx x = ctx_of(c, &t);
    api_show_text(c, &ticket_machine, t.status, &x, t.json, t.version);
    ticket_row_free(&t);
}

void tickets_show(struct api_call *c)
{
    struct vis vis;
    struct db_read rd;
    const char *id = api_path_id(c);
    if (id == NULL || !visibility(c, &vis))
        return;
    ticket_read(&vis.s, id, &rd);
    api_read(c, &rd, show_ticket, NULL, 0);
}

static enum pd_err act_update(struct api_call *c, void *row, const char *to, const void *in,
                              const char **detail)
{
    struct ticket_row *t = &((struct ticket_obj *)row)->t;
    (void)to, (void)in, (void)detail;
    /* the new list may keep what the ticket holds; anything added must be the caller's */
    if (is_owner_role(c) && !api_attachments_usable(c, attachment_fields, json_object_get(t->j, "attachment_ids")))
        return PD_ERR_INVALID;
    char *patch = json_dumps(c->j_body, JSON_COMPACT);
    enum pd_err err = patch ? ticket_update(c->db, c->who.org, t, patch, c->who.sub, role_name(c->who.role))
                            : PD_ERR_NOMEM;
    free(patch);
    return err;
}

void tickets_update(struct api_call *c)
{
    static const char *const owner_fields[] = { "description", "visit_window", "attachment_ids", NULL };
    static const char *const desk_fields[] = { "kind", "category", "priority", NULL };
    struct verr v;
    long long version;
    bool owner = is_owner_role(c);
    const char *id = api_change_begin(c, &v, owner ? owner_fields : desk_fields, true, &version);
    if (id == NULL)
        return;
    const char *from, *to;
    char ids[40 * 10 + 4];
    if (owner) {
        v_string(&v, c->j_body, "description", false, 1, 2000);
        if (json_is_null(json_object_get(c->j_body, "description")))
            verr_add(&v, "description", "may not be null");
        check_window(&v, json_object_get(c->j_body, "visit_window"), &from, &to);
        json_t *j_ids = v_array(&v, c->j_body, "attachment_ids", false, 0, 9);
        if (j_ids != NULL)
            api_attachment_list(&v, j_ids, "attachment_ids", ids, sizeof ids);
    } else {
        v_enum(&v, c->j_body, "kind", false, enum_codes("ticket_kind"));
        v_enum(&v, c->j_body, "category", false, enum_codes("ticket_category"));
        v_enum(&v, c->j_body, "priority", false, enum_codes("ticket_priority"));
    }
    if (!api_valid(c, &v))
        return;
    struct ticket_obj o;
    api_action_run(c, &ticket_resource, TA_UPDATE, id, version, &o, act_update, NULL);
}

/* The reason-style body of an action: {key: text} with key required or not. */
static const char *action_text(struct api_call *c, struct verr *v, const char *key, bool required,
                               size_t max)
{
    const char *const fields[] = { key, NULL };
    v_reject_unknown(v, c->j_body, fields);
    return v_string(v, c->j_body, key, required, 1, max);
}

static enum pd_err act_dispatch(struct api_call *c, void *row, const char *to, const void *in,
                                const char **detail)
{
    struct ticket_row *t = &((struct ticket_obj *)row)->t;
    struct dispatch_in d = *(const struct dispatch_in *)in;
    (void)to;  /* the ticket's state follows its orders */
    if (d.department == NULL)
        d.department = json_string_value(json_object_get(t->j, "department"));
    char wo[37];
    struct pd_error e;
    enum pd_err err = work_order_dispatch(c->db, c->who.org, t, &d, c->who.sub, role_name(c->who.role), wo, &e);
    if (err == PD_ERR_INVALID)
        api_fail(c, &e);
    if (err == PD_ERR_CONFLICT) {
        *detail = e.detail;
        api_problem_code(c, "nobody_free");
    }
    return err;
}

void tickets_dispatch(struct api_call *c)
{
    static const char *const fields[] = { "mode", "department", "assignee_id", "note", NULL };
    struct verr v;
    long long version;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    struct dispatch_in in;
    api_dispatch_fields(c, &v, &in);
    if (!api_valid(c, &v))
        return;
    struct ticket_obj o;
    api_action_run(c, &ticket_resource, TA_DISPATCH, id, version, &o, act_dispatch, &in);
}

/* The bodies of the remaining actions: one text ({reply}, {reason}) or a rating. */
struct ticket_input {
    const char *text;
    long long rating;
};

static void run_text_action(struct api_call *c, enum ticket_action a, const char *key, bool required,
                            size_t max, api_act act)
{
    struct verr v;
    long long version;
    const char *id = api_change_begin(c, &v, NULL, false, &version);
    if (id == NULL)
        return;
    struct ticket_input in = { action_text(c, &v, key, required, max), 0 };
    if (!api_valid(c, &v))
        return;
    struct ticket_obj o;
    api_action_run(c, &ticket_resource, a, id, version, &o, act, &in);
}

#define TICKET_ACT(NAME) \
    static enum pd_err NAME(struct api_call *c, void *row, const char *to, const void *in, const char **detail)
#define T_ROW (&((struct ticket_obj *)row)->t)
#define T_IN ((const struct ticket_input *)in)

TICKET_ACT(act_reply)
{
    (void)detail;
    return ticket_reply(c->db, c->who.org, T_ROW, to, T_IN->text, c->who.sub, role_name(c->who.role));
}

TICKET_ACT(act_cancel)
{
    (void)detail;
    return ticket_cancel(c->db, c->who.org, T_ROW, to, T_IN->text, c->who.sub, role_name(c->who.role));
}

TICKET_ACT(act_reopen)
{
    (void)detail;
    return ticket_reopen(c->db, c->who.org, T_ROW, to, T_IN->text, c->who.sub, "owner");
}

TICKET_ACT(act_confirm)
{
    (void)detail;
    const struct ticket_input *i = in;
    return ticket_confirm(c->db, c->who.org, T_ROW, to, (int)i->rating, i->text, c->who.sub);
}

TICKET_ACT(act_close)
{
    (void)detail, (void)in;
    return ticket_close(c->db, c->who.org, T_ROW, to, c->who.sub, role_name(c->who.role));
}

void tickets_reply(struct api_call *c) { run_text_action(c, TA_REPLY, "reply", true, 2000, act_reply); }

/* staff give a reason (duplicate, invalid, …); owners may */
void tickets_cancel(struct api_call *c) { run_text_action(c, TA_CANCEL, "reason", staff_desk(c), 200, act_cancel); }

void tickets_reopen(struct api_call *c) { run_text_action(c, TA_REOPEN, "reason", true, 200, act_reopen); }

void tickets_confirm(struct api_call *c)
{
    static const char *const fields[] = { "rating", "comment", NULL };
    struct verr v;
    long long version;
    struct ticket_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    v_int(&v, c->j_body, "rating", true, 1, 5, &in.rating);
    in.text = v_string(&v, c->j_body, "comment", false, 1, 500);
    if (!api_valid(c, &v))
        return;
    struct ticket_obj o;
    api_action_run(c, &ticket_resource, TA_CONFIRM, id, version, &o, act_confirm, &in);
}

void tickets_close(struct api_call *c)
{
    static const char *const fields[] = { NULL };
    struct verr v;
    long long version;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL || !api_valid(c, &v))
        return;
    struct ticket_obj o;
    api_action_run(c, &ticket_resource, TA_CLOSE, id, version, &o, act_close, NULL);
}

void tickets_comments_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    struct vis vis;
    struct ticket_row t;
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    verr_init(&v);
    api_page(c, &v, &pg);
    if (!api_valid(c, &v) || !visibility(c, &vis) || !api_db(c))
        return;
    enum pd_err err = ticket_load(c->db, &vis.s, id, false, false, &t);
    char *page = NULL;
    if (err == PD_OK) {
        err = ticket_comment_list(c->db, c->who.org, id, !is_owner_role(c), &pg, &page);
        ticket_row_free(&t);
    }
    api_list_result(c, err, page);
}

void tickets_comments_create(struct api_call *c)
{
    static const char *const fields[] = { "body", "internal", NULL };
    struct verr v;
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *body = v_string(&v, c->j_body, "body", true, 1, 2000);
    json_t *j_internal = json_object_get(c->j_body, "internal");
    if (j_internal != NULL && !json_is_boolean(j_internal))
        verr_add(&v, "internal", "must be true or false");
    bool internal = json_is_true(j_internal);
    if (internal && is_owner_role(c))
        verr_add(&v, "internal", "internal notes are for staff");
    struct ticket_obj o;
    struct api_subject s;
    char next[24];
    if (!api_valid(c, &v) || !api_action_begin(c, &ticket_resource, TA_COMMENT, id, 0, &o, &s, next))
        return;
    json_t *j = NULL;
    enum pd_err err = ticket_comment_add(c->db, c->who.org, &o.t, body, internal, c->who.sub,
                                         role_name(c->who.role), !is_owner_role(c), &j);
    release_obj(&o);
    if (err != PD_OK) {
        db_rollback(c->db);
        json_decref(j);
        api_error(c, err, NULL);
        return;
    }
    api_json(c, 201, j);
}

void tickets_events_index(struct api_call *c)
{
    struct vis vis;
    struct ticket_row t;
    const char *id = api_path_id(c);
    if (id == NULL || !visibility(c, &vis) || !api_db(c))
        return;
    enum pd_err err = ticket_load(c->db, &vis.s, id, false, false, &t);
    json_t *j = NULL;
    if (err == PD_OK) {
        err = ticket_event_list(c->db, c->who.org, id, !is_owner_role(c), &j);
        ticket_row_free(&t);
    }
    api_list_json(c, err, j);
}

enum pd_err tickets_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    struct vis vis;
    visibility(c, &vis);
    return ticket_versions(c->db, &vis.s, ids, out);
}
