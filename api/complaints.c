/* /v1/complaints: owners complain from the app (anonymously if they wish), the desk takes
 * complaints by phone, visit, letter, WeChat or from a superior body, integration clients
 * with complaints:write; the receiver runs each one to its end (首问负责) through the
 * departments it is forwarded to. Visibility and the complainant's protection: src/complaints.h;
 * who may do what: src/complaint_rules.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/complaint_rules.h"
#include "../src/complaints.h"
#include "../src/enums.h"
#include "action.h"

static bool is_owner_role(const struct api_call *c) { return c->who.role == ROLE_OWNER; }

static bool desk_role(enum pd_role r)
{
    return r == ROLE_AGENT || r == ROLE_SUPERVISOR || r == ROLE_MANAGER || r == ROLE_ADMIN;
}

/* The caller's visibility (a client's scope was checked by the route table): technicians see
 * what was forwarded to their department; supervisors and managers see an anonymous
 * complainant; the desk and owners see phones in full, clients with pii:read. */
static void visibility(const struct api_call *c, struct complaint_scope *v)
{
    memset(v, 0, sizeof *v);
    api_scope_params(c, v->scope);
    enum pd_role r = c->who.role;
    v->department = r == ROLE_TECHNICIAN;
    v->privileged = r == ROLE_SUPERVISOR || r == ROLE_MANAGER;
    v->reveal_phone = r == ROLE_INTEGRATION ? (c->who.scopes & SCOPE_PII_READ) != 0
                                            : desk_role(r) || r == ROLE_OWNER;
}

struct complaint_obj {
    struct complaint_scope vis;
    struct complaint_row c;
};

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* What the caller is to this complaint, for the machine. */
static struct machine_ctx ctx_of(const struct api_call *c, const struct complaint_row *k)
{
    unsigned f = 0;
    if (is_owner_role(c) && is(k->complainant_id, c->who.sub))
        f |= MF_MINE;
    if (k->receiver_id[0] == '\0')
        f |= MF_UNRECEIVED;
    else if (c->who.role != ROLE_INTEGRATION && is(k->receiver_id, c->who.sub))
        f |= MF_RECEIVER;
    if (k->in_department)
        f |= MF_DEPT;
    if (k->department_pending)
        f |= MF_DEPT_PENDING;
    if (is(k->nature, "communicative"))
        f |= MF_COMMUNICATIVE;
    if (k->disputable)
        f |= MF_REOPENABLE;
    if (k->extension_pending)
        f |= MF_EXTENSION_PENDING;
    if (k->extension_mine)
        f |= MF_EXTENSION_MINE;
    if (k->subject)
        f |= MF_SUBJECT;
    return (struct machine_ctx){ c->who.role, f };
}

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s)
{
    struct complaint_obj *o = row;
    visibility(c, &o->vis);
    enum pd_err err = complaint_load(c->db, &o->vis, id, lock, true, &o->c);
    if (err == PD_OK)
        *s = (struct api_subject){ o->c.status, o->c.version, ctx_of(c, &o->c), o->c.j };
    return err;
}

static void release_obj(void *row) { complaint_row_free(&((struct complaint_obj *)row)->c); }

static const struct api_resource complaint_resource = { &complaint_machine, load_obj, release_obj };

/* The actor of the caller's changes: the complainant of an anonymous complaint is not
 * named on its timeline (nor to webhooks); a client is no user. */
static struct complaint_actor actor_of(const struct api_call *c, const struct complaint_row *k)
{
    bool hidden = c->who.role == ROLE_INTEGRATION || (is_owner_role(c) && k != NULL && k->anonymous);
    return (struct complaint_actor){ c->who.org, hidden ? NULL : c->who.sub, role_name(c->who.role) };
}

/* ---- intake ----------------------------------------------------------------------------- */

static const char *const create_fields[] = {
    "community_id", "unit_id", "channel", "anonymous", "written_reply_only", "contact_name", "contact_phone",
    "occurred_at", "location", "subject", "description", "demand", "attachment_ids", NULL,
};
static const char *const attachment_fields[] = { "attachment_ids", NULL };

/* subject {department?, user_id?}: who or which department is complained about. */
static void check_subject(struct verr *v, json_t *j_subject, struct complaint_in *in)
{
    static const char *const keys[] = { "department", "user_id", NULL };
    if (j_subject == NULL || json_is_null(j_subject))
        return;
    if (!json_is_object(j_subject)) {
        verr_add(v, "subject", "must be an object {department, user_id}");
        return;
    }
    const char *key;
    json_t *j_value;
    json_object_foreach(j_subject, key, j_value) {
        bool known = false;
        for (int i = 0; keys[i] != NULL; i++)
            known = known || is(keys[i], key);
        if (!known)
            verr_add(v, "subject", "takes only department and user_id");
    }
    json_t *j_department = json_object_get(j_subject, "department"), *j_user = json_object_get(j_subject, "user_id");
    int code;
    if (j_department != NULL && !json_is_null(j_department) &&
        !(json_is_string(j_department) && enum_value("department", json_string_value(j_department), &code)))
        verr_add(v, "subject.department", "must be a department code (GET /v1/meta/enums)");
    else
        in->subject_department = json_string_value(j_department);
    if (j_user != NULL && !json_is_null(j_user) && !(json_is_string(j_user) && uuid_valid(json_string_value(j_user))))
        verr_add(v, "subject.user_id", "must be a staff member's UUID");
    else
        in->subject_user_id = json_string_value(j_user);
    if (in->subject_department == NULL && in->subject_user_id == NULL && json_object_size(j_subject) == 0)
        verr_add(v, "subject", "names a department, a staff member or both");
}

void complaints_create(struct api_call *c)
{
    struct verr v;
    struct complaint_in in = { 0 };
    struct complaint_scope vis;
    char ids[40 * 10 + 4] = "{}";
    time_t when;
    enum pd_role role = c->who.role;
    bool owner = role == ROLE_OWNER, client = role == ROLE_INTEGRATION;
    verr_init(&v);
    api_body_fields(c, &v, create_fields);
    in.community_id = v_uuid(&v, c->j_body, "community_id", false);
    in.unit_id = v_uuid(&v, c->j_body, "unit_id", false);
    if (json_object_get(c->j_body, "community_id") == NULL && json_object_get(c->j_body, "unit_id") == NULL)
        verr_add(&v, "community_id", "give the community complained in (or a unit_id)");
    in.description = v_string(&v, c->j_body, "description", true, 1, 2000);
    in.demand = v_string(&v, c->j_body, "demand", false, 1, 1000);
    in.location = v_string(&v, c->j_body, "location", false, 1, 200);
    in.occurred_at = v_string(&v, c->j_body, "occurred_at", false, 1, 40);
    if (in.occurred_at != NULL && !rfc3339_parse(in.occurred_at, &when))
        verr_add(&v, "occurred_at", "must be an RFC 3339 date-time such as 2026-11-22T08:00:00Z");
    check_subject(&v, json_object_get(c->j_body, "subject"), &in);
    in.anonymous = v_flag(&v, c->j_body, "anonymous") == 1;
    in.written_reply_only = v_flag(&v, c->j_body, "written_reply_only") == 1;
    json_t *j_ids = v_array(&v, c->j_body, "attachment_ids", false, 0, 9);
    if (j_ids != NULL)
        api_attachment_list(&v, j_ids, "attachment_ids", ids, sizeof ids);
    in.attachment_ids = ids;
    const char *channel = v_enum(&v, c->j_body, "channel", false, enum_codes("complaint_channel"));
    in.contact_name = v_string(&v, c->j_body, "contact_name", false, 1, 50);
    in.contact_phone = v_string(&v, c->j_body, "contact_phone", false, 6, 16);
    if (in.contact_phone != NULL && !phone_valid(in.contact_phone))
        verr_add(&v, "contact_phone", "must be 6 to 15 digits, optionally after '+'");
    if (owner || client) {
        in.channel = client ? "integration" : "app";
        if (channel != NULL && !is(channel, in.channel))
            verr_add(&v, "channel", "is %s for this caller", in.channel);
    } else {
        in.channel = channel;
        if (channel == NULL || is(channel, "app") || is(channel, "integration") || is(channel, "callback"))
            verr_add(&v, "channel", "desk intake is by phone, visit, letter, wechat or superior");
    }
    if (owner && (in.contact_name || in.contact_phone))
        verr_add(&v, in.contact_name ? "contact_name" : "contact_phone", "is taken from your account");
    if (!owner && !in.anonymous) {
        if (in.contact_name == NULL)
            verr_add(&v, "contact_name", "is required unless the complaint is anonymous");
        if (in.contact_phone == NULL && !(channel && (is(channel, "letter") || is(channel, "superior"))))
            verr_add(&v, "contact_phone", "is required unless the complaint is anonymous or came by letter");
    }
    if (in.written_reply_only && !(channel && is(channel, "superior")))
        verr_add(&v, "written_reply_only", "is for complaints forwarded by a superior body (channel superior)");
    if (!api_valid(c, &v))
        return;
    visibility(c, &vis);
    in.complainant_id = owner ? c->who.sub : NULL;
    in.receiver_id = desk_role(role) ? c->who.sub : NULL;  /* 首问负责: the desk member taking it */
    in.created_by = c->who.sub;
    in.actor_id = client || (owner && in.anonymous) ? NULL : c->who.sub;
    in.actor_role = role_name(role);
    if (!api_create_begin(c))
        return;
    char id[37] = "";
    struct pd_error e;
    enum pd_err err = complaint_create(c->db, &vis, &in, id, &e);
    if (err == PD_ERR_NOT_FOUND || err == PD_ERR_INVALID) {
        api_fail(c, &e);
        return;
    }
    if (err == PD_OK && !api_attachments_usable(c, attachment_fields, NULL))
        return;
    struct complaint_row k = { 0 };
    if (err == PD_OK)
        err = complaint_load(c->db, &vis, id, false, true, &k);
    json_t *j_actions = NULL;
    if (err == PD_OK) {
        struct machine_ctx x = ctx_of(c, &k);
        j_actions = machine_allowed(&complaint_machine, k.status, &x);
    }
    api_create_finish(c, err, err == PD_OK ? json_incref(k.j) : NULL, j_actions, "/v1/complaints", NULL);
    complaint_row_free(&k);
}

/* ---- reading ---------------------------------------------------------------------------- */

void complaints_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    struct complaint_scope vis;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &complaint_list_spec, &v, values);
    struct db_read rd;
    if (!api_valid(c, &v))
        return;
    visibility(c, &vis);
    if (!complaint_list_read(&vis, values, &pg, &rd))
        api_error(c, PD_ERR_NOMEM, NULL);
    else
        api_read_page(c, &rd, pg.limit, complaint_item);
}

static void show_complaint(struct api_call *c, PGresult *r, const void *arg)
{
    struct complaint_row k;
    (void)arg;
    enum pd_err err = complaint_of(r, false, &k);
    PQclear(r);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    struct machine_ctx x = ctx_of(c, &k);
    api_show_text(c, &complaint_machine, k.status, &x, k.json, k.version);
    complaint_row_free(&k);
}

void complaints_show(struct api_call *c)
{
    struct complaint_scope vis;
    struct db_read rd;
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    visibility(c, &vis);
    complaint_read(&vis, id, &rd);
    api_read(c, &rd, show_complaint, NULL, 0);
}

void complaints_events_index(struct api_call *c)
{
    struct complaint_scope vis;
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    visibility(c, &vis);
    struct complaint_row k;
    enum pd_err err = complaint_load(c->db, &vis, id, false, false, &k);
    json_t *j = NULL;
    if (err == PD_OK) {
        complaint_row_free(&k);
        err = complaint_event_list(c->db, &vis, id, &j);
    }
    api_list_json(c, err, j);
}

/* ---- actions ---------------------------------------------------------------------------- */

/* Every action's body, validated by its handler before the object is loaded. */
struct complaint_input {
    struct complaint_class k;
    struct complaint_work work;
    struct dispatch_in dispatch;
    const char *text, *text2, *text3, *method, *note, *departments, *department, *primary_id;
    long long rating;
    bool approve;
};

#define COMPLAINT_ACT(NAME) \
    static enum pd_err NAME(struct api_call *c, void *row, const char *to, const void *in, const char **detail)
#define K_ROW (&((struct complaint_obj *)row)->c)
#define K_IN ((const struct complaint_input *)in)

/* Starts an action: the id, If-Match and the body's fields. NULL after replying. */
static const char *begin(struct api_call *c, struct verr *v, const char *const fields[], long long *version)
{
    return api_change_begin(c, v, fields, false, version);
}

static void run(struct api_call *c, struct verr *v, enum complaint_action a, const char *id, long long version,
                api_act act, const struct complaint_input *in)
{
    if (!api_valid(c, v))
        return;
    struct complaint_obj o;
    api_action_run(c, &complaint_resource, a, id, version, &o, act, in);
}

/* nature, communicative_kind, content, severity: required when accepting. */
static void check_class(struct verr *v, json_t *j_body, bool required, struct complaint_class *k)
{
    k->nature = v_enum(v, j_body, "nature", required, enum_codes("complaint_nature"));
    k->communicative_kind = v_enum(v, j_body, "communicative_kind", false, enum_codes("complaint_communicative_kind"));
    k->content = v_enum(v, j_body, "content", required, enum_codes("complaint_content"));
    k->severity = v_enum(v, j_body, "severity", required, enum_codes("complaint_severity"));
    if (k->nature != NULL && is(k->nature, "invalid"))
        verr_add(v, "nature", "an invalid complaint is rejected (POST …/reject), not classified");
    if (k->nature != NULL && is(k->nature, "communicative") && k->communicative_kind == NULL)
        verr_add(v, "communicative_kind", "is required for a communicative complaint");
    if (k->communicative_kind != NULL && !(k->nature != NULL && is(k->nature, "communicative")))
        verr_add(v, "communicative_kind", "goes with nature communicative");
}

COMPLAINT_ACT(act_accept)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_accept(c->db, K_ROW, to, &a, &K_IN->k, K_IN->note);
}

void complaints_accept(struct api_call *c)
{
    static const char *const fields[] = { "nature", "communicative_kind", "content", "severity", "note", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    check_class(&v, c->j_body, true, &in.k);
    in.note = v_string(&v, c->j_body, "note", false, 1, 500);
    run(c, &v, CA_ACCEPT, id, version, act_accept, &in);
}

COMPLAINT_ACT(act_reclassify)
{
    (void)to, (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_reclassify(c->db, K_ROW, &a, &K_IN->k, K_IN->note);
}

void complaints_reclassify(struct api_call *c)
{
    static const char *const fields[] = { "nature", "communicative_kind", "content", "severity", "note", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    check_class(&v, c->j_body, false, &in.k);
    in.note = v_string(&v, c->j_body, "note", false, 1, 500);
    if (!in.k.nature && !in.k.content && !in.k.severity && !in.k.communicative_kind)
        verr_add(&v, "severity", "give nature, content or severity to change");
    run(c, &v, CA_RECLASSIFY, id, version, act_reclassify, &in);
}

COMPLAINT_ACT(act_reject)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_reject(c->db, K_ROW, to, &a, K_IN->method, K_IN->text);
}

void complaints_reject(struct api_call *c)
{
    static const char *const fields[] = { "reply", "method", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "reply", true, 1, 2000);
    in.method = v_enum(&v, c->j_body, "method", false, enum_codes("reply_method"));
    if (in.method == NULL)
        in.method = "in_app";
    run(c, &v, CA_REJECT, id, version, act_reject, &in);
}

COMPLAINT_ACT(act_forward)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_forward(c->db, K_ROW, to, &a, K_IN->departments, K_IN->note);
}

void complaints_forward(struct api_call *c)
{
    static const char *const fields[] = { "departments", "note", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    char list[8 * 26 + 3] = "{";
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    json_t *j_departments = v_array(&v, c->j_body, "departments", true, 1, 7);
    size_t i, off = 1;
    json_t *j_d;
    json_array_foreach(j_departments, i, j_d) {
        const char *d = json_string_value(j_d);
        int value;
        bool repeated = false;
        for (size_t k = 0; k < i; k++)
            repeated = repeated || (d && json_equal(j_d, json_array_get(j_departments, k)));
        if (d == NULL || !enum_value("department", d, &value) || repeated) {
            verr_add(&v, "departments", repeated ? "lists a department twice" : "must list department codes");
            break;
        }
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? "," : "", d);
    }
    snprintf(list + off, sizeof list - off, "}");
    in.departments = list;
    in.note = v_string(&v, c->j_body, "note", false, 1, 500);
    run(c, &v, CA_FORWARD, id, version, act_forward, &in);
}

COMPLAINT_ACT(act_acknowledge)
{
    (void)to;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_acknowledge(c->db, K_ROW, &a, K_IN->department, detail);
}

void complaints_acknowledge(struct api_call *c)
{
    static const char *const fields[] = { "department", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.department = v_enum(&v, c->j_body, "department", false, enum_codes("department"));
    run(c, &v, CA_ACKNOWLEDGE, id, version, act_acknowledge, &in);
}

COMPLAINT_ACT(act_resolve)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_resolve(c->db, K_ROW, to, &a, K_IN->text, K_IN->text2, K_IN->text3);
}

void complaints_resolve(struct api_call *c)
{
    static const char *const fields[] = { "result", "root_cause", "corrective_action", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "result", true, 1, 2000);
    in.text2 = v_string(&v, c->j_body, "root_cause", true, 1, 1000);
    in.text3 = v_string(&v, c->j_body, "corrective_action", true, 1, 1000);
    run(c, &v, CA_RESOLVE, id, version, act_resolve, &in);
}

COMPLAINT_ACT(act_reply)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_reply(c->db, K_ROW, to, &a, K_IN->method, K_IN->text);
}

void complaints_reply(struct api_call *c)
{
    static const char *const fields[] = { "method", "content", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.method = v_enum(&v, c->j_body, "method", true, enum_codes("reply_method"));
    in.text = v_string(&v, c->j_body, "content", true, 1, 2000);
    run(c, &v, CA_REPLY, id, version, act_reply, &in);
}

COMPLAINT_ACT(act_close)
{
    (void)detail, (void)in;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_close(c->db, K_ROW, to, &a);
}

void complaints_close(struct api_call *c)
{
    static const char *const fields[] = { NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    run(c, &v, CA_CLOSE, id, version, act_close, &in);
}

COMPLAINT_ACT(act_confirm)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_confirm(c->db, K_ROW, to, &a, (int)K_IN->rating, K_IN->text);
}

void complaints_confirm(struct api_call *c)
{
    static const char *const fields[] = { "rating", "comment", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    v_int(&v, c->j_body, "rating", true, 1, 5, &in.rating);
    in.text = v_string(&v, c->j_body, "comment", false, 1, 500);
    run(c, &v, CA_CONFIRM, id, version, act_confirm, &in);
}

COMPLAINT_ACT(act_dispute)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_dispute(c->db, K_ROW, to, &a, K_IN->text);
}

void complaints_dispute(struct api_call *c)
{
    static const char *const fields[] = { "reason", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "reason", true, 1, 500);
    run(c, &v, CA_DISPUTE, id, version, act_dispute, &in);
}

COMPLAINT_ACT(act_withdraw)
{
    (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_withdraw(c->db, K_ROW, to, &a, K_IN->text);
}

void complaints_withdraw(struct api_call *c)
{
    static const char *const fields[] = { "reason", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "reason", false, 1, 500);
    run(c, &v, CA_WITHDRAW, id, version, act_withdraw, &in);
}

COMPLAINT_ACT(act_merge)
{
    struct complaint_obj *o = row;
    struct complaint_row primary;
    /* the primary must be within the caller's reach too (404 otherwise) */
    enum pd_err err = complaint_load(c->db, &o->vis, K_IN->primary_id, true, false, &primary);
    if (err == PD_ERR_NOT_FOUND) {
        api_fail(c, &(struct pd_error){ PD_ERR_NOT_FOUND, "primary_id", "No such complaint within your reach." });
        return PD_ERR_INVALID;
    }
    if (err != PD_OK)
        return err;
    struct complaint_actor a = actor_of(c, &o->c);
    err = complaint_merge(c->db, &o->c, to, &a, &primary, detail);
    complaint_row_free(&primary);
    return err;
}

void complaints_merge(struct api_call *c)
{
    static const char *const fields[] = { "primary_id", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.primary_id = v_uuid(&v, c->j_body, "primary_id", true);
    run(c, &v, CA_MERGE, id, version, act_merge, &in);
}

COMPLAINT_ACT(act_extend)
{
    (void)to;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_extend(c->db, K_ROW, &a, K_IN->text, K_IN->text2, detail);
}

void complaints_extend(struct api_call *c)
{
    static const char *const fields[] = { "reason", "due_at", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    time_t when;
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "reason", true, 1, 500);
    in.text2 = v_string(&v, c->j_body, "due_at", true, 1, 40);
    if (in.text2 != NULL && !rfc3339_parse(in.text2, &when))
        verr_add(&v, "due_at", "must be an RFC 3339 date-time such as 2026-12-01T18:00:00+08:00");
    run(c, &v, CA_EXTEND, id, version, act_extend, &in);
}

COMPLAINT_ACT(act_decide)
{
    (void)to, (void)detail;
    struct complaint_actor a = actor_of(c, K_ROW);
    return complaint_decide_extension(c->db, K_ROW, &a, K_IN->approve, K_IN->note);
}

static void decide(struct api_call *c, bool approve)
{
    static const char *const fields[] = { "note", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.note = v_string(&v, c->j_body, "note", false, 1, 500);
    in.approve = approve;
    run(c, &v, approve ? CA_APPROVE_EXTENSION : CA_REJECT_EXTENSION, id, version, act_decide, &in);
}

void complaints_approve_extension(struct api_call *c) { decide(c, true); }
void complaints_reject_extension(struct api_call *c) { decide(c, false); }

void complaints_comments_create(struct api_call *c)
{
    static const char *const fields[] = { "body", "internal", NULL };
    struct verr v;
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *body = v_string(&v, c->j_body, "body", true, 1, 2000);
    bool internal = v_flag(&v, c->j_body, "internal") == 1;
    if (internal && (is_owner_role(c)))
        verr_add(&v, "internal", "internal notes are for staff");
    struct complaint_obj o;
    struct api_subject s;
    char next[24];
    if (!api_valid(c, &v) || !api_action_begin(c, &complaint_resource, CA_COMMENT, id, 0, &o, &s, next))
        return;
    json_t *j = NULL;
    struct complaint_actor a = actor_of(c, &o.c);
    enum pd_err err = complaint_comment(c->db, &o.vis, &o.c, &a, body, internal, &j);
    release_obj(&o);
    if (err != PD_OK) {
        db_rollback(c->db);
        json_decref(j);
        api_error(c, err, NULL);
        return;
    }
    api_json(c, 201, j);
}

COMPLAINT_ACT(act_dispatch)
{
    (void)to;
    struct complaint_actor a = actor_of(c, K_ROW);
    struct pd_error e;
    enum pd_err err = complaint_dispatch(c->db, K_ROW, &a, &K_IN->work, &K_IN->dispatch, &e);
    if (err == PD_ERR_INVALID || err == PD_ERR_NOT_FOUND) {
        api_fail(c, &e);
        return PD_ERR_INVALID;
    }
    if (err == PD_ERR_CONFLICT)
        *detail = e.detail;
    return err;
}

void complaints_dispatch(struct api_call *c)
{
    static const char *const fields[] = { "category", "priority", "description", "mode", "department", "assignee_id",
                                          "note", NULL };
    struct verr v;
    long long version;
    struct complaint_input in = { 0 };
    const char *id = begin(c, &v, fields, &version);
    if (id == NULL)
        return;
    in.work.category = v_enum(&v, c->j_body, "category", true, enum_codes("ticket_category"));
    in.work.priority = v_enum(&v, c->j_body, "priority", false, enum_codes("ticket_priority"));
    in.work.description = v_string(&v, c->j_body, "description", true, 1, 2000);
    api_dispatch_fields(c, &v, &in.dispatch);
    run(c, &v, CA_DISPATCH, id, version, act_dispatch, &in);
}

enum pd_err complaints_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    struct complaint_scope vis;
    visibility(c, &vis);
    return complaint_versions(c->db, &vis, ids, out);
}
