/* /v1/announcements and /v1/me/announcements: the desk drafts notices to the org, some
 * communities or some buildings; managers and admins publish them (now or at a time),
 * withdraw, archive and amend them; owners read what reaches their homes and acknowledge
 * what asks for it; staff follow the receipts per building. Visibility: src/announcements.h;
 * who may do what: src/announcement_rules.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../src/announcement_rules.h"
#include "../src/announcements.h"
#include "../src/enums.h"
#include "../src/service_report.h"
#include "action.h"

struct announcement_obj {
    const char *scope[4];
    struct announcement_row a;
};

static struct machine_ctx ctx_of(const struct api_call *c, const struct announcement_row *a)
{
    unsigned f = 0;
    if (a->covers && c->who.role != ROLE_OWNER)
        f |= MF_COVERS;
    if (a->requires_ack)
        f |= MF_ACK_REQUIRED;
    return (struct machine_ctx){ c->who.role, f };
}

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s)
{
    struct announcement_obj *o = row;
    api_scope_params(c, o->scope);
    enum pd_err err = announcement_load(c->db, o->scope, id, lock, true, &o->a);
    if (err == PD_OK)
        *s = (struct api_subject){ o->a.status, o->a.version, ctx_of(c, &o->a), o->a.j };
    return err;
}

static void release_obj(void *row) { announcement_row_free(&((struct announcement_obj *)row)->a); }

static const struct api_resource announcement_resource = { &announcement_machine, load_obj, release_obj };

static struct announcement_actor actor_of(const struct api_call *c)
{
    return (struct announcement_actor){ c->who.org, c->who.sub, role_name(c->who.role) };
}

/* ---- reading ---------------------------------------------------------------------------- */

void announcements_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS], *scope[4];
    struct db_read rd;
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &announcement_list_spec, &v, values);
    if (!api_valid(c, &v))
        return;
    api_scope_params(c, scope);
    if (!announcement_list_read(scope, values, &pg, &rd))
        api_error(c, PD_ERR_NOMEM, NULL);
    else
        api_read_page(c, &rd, pg.limit, announcement_item);
}

void announcements_feed(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *scope[4];
    struct db_read rd;
    verr_init(&v);
    api_page(c, &v, &pg);
    if (!api_valid(c, &v))
        return;
    api_scope_params(c, scope);
    if (!announcement_feed_read(scope, &pg, &rd))
        api_error(c, PD_ERR_NOMEM, NULL);
    else
        api_read_page(c, &rd, pg.limit, announcement_item);
}

/* Opening a notice marks it read for an owner. */
void announcements_show(struct api_call *c)
{
    const char *scope[4];
    struct announcement_row a;
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);
    enum pd_err err = c->who.role == ROLE_OWNER ? announcement_mark_read(c->db, scope, id) : PD_OK;
    if (err == PD_OK)
        err = announcement_load(c->db, scope, id, false, false, &a);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    struct machine_ctx x = ctx_of(c, &a);
    api_show_text(c, &announcement_machine, a.status, &x, a.json, a.version);
    announcement_row_free(&a);
}

void announcements_receipts(struct api_call *c)
{
    const char *scope[4];
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);
    json_t *j = NULL;
    enum pd_err err = announcement_receipts(c->db, scope, id, &j);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_json(c, 200, j);
}

/* ---- the content: create, edit, amend ---------------------------------------------------- */

struct content_buf {
    char communities[40 * 50 + 4], buildings[40 * 200 + 4], attachments[40 * 10 + 4];
};

/* What every body may say of the content: title, body, attachments, the outage window, the
 * expiry (null clears the last two). */
static void read_content(struct verr *v, json_t *j_body, bool create, struct announcement_in *in,
                         struct content_buf *b)
{
    in->title = v_string(v, j_body, "title", create, 1, 100);
    in->body = v_string(v, j_body, "body", create, 1, 20000);
    json_t *j_att = json_object_get(j_body, "attachment_ids");
    if (j_att != NULL && json_is_array(j_att) && json_array_size(j_att) == 0)
        in->attachment_ids = "{}";
    else if (v_array(v, j_body, "attachment_ids", false, 0, 10) != NULL)
        in->attachment_ids = api_attachment_list(v, j_att, "attachment_ids", b->attachments, sizeof b->attachments);
    json_t *j_win = json_object_get(j_body, "outage_window");
    in->outage_given = j_win != NULL;
    if (json_is_object(j_win)) {
        static const char *const keys[] = { "from", "to", NULL };
        time_t from = 0, to = 0;
        v_reject_unknown(v, j_win, keys);
        in->outage_from = v_string(v, j_win, "from", true, 1, 40);
        in->outage_to = v_string(v, j_win, "to", true, 1, 40);
        if ((in->outage_from && !rfc3339_parse(in->outage_from, &from)) || (in->outage_to && !rfc3339_parse(in->outage_to, &to)))
            verr_add(v, "outage_window", "from and to must be RFC 3339 date-times");
        else if (in->outage_from && in->outage_to && to <= from)
            verr_add(v, "outage_window", "must end after it starts");
    } else if (j_win != NULL && !json_is_null(j_win)) {
        verr_add(v, "outage_window", "must be {from, to} or null");
    }
    json_t *j_exp = json_object_get(j_body, "expires_at");
    time_t expires;
    in->expires_given = j_exp != NULL;
    if (j_exp != NULL && !json_is_null(j_exp))
        in->expires_at = v_time(v, j_body, "expires_at", false, &expires);
}

static const char *const attachment_fields[] = { "attachment_ids", NULL };

void announcements_create(struct api_call *c)
{
    static const char *const fields[] = { "title", "body", "category", "audience", "community_ids", "building_ids",
                                          "attachment_ids", "pinned", "requires_ack", "outage_window", "expires_at",
                                          NULL };
    struct verr v;
    struct announcement_in in = { 0 };
    struct content_buf b;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    read_content(&v, c->j_body, true, &in, &b);
    in.category = v_enum(&v, c->j_body, "category", true, enum_codes("announcement_category"));
    in.audience = v_enum(&v, c->j_body, "audience", true, enum_codes("announcement_audience"));
    in.community_ids = v_uuid_list(&v, c->j_body, "community_ids", false, 50, b.communities, sizeof b.communities);
    in.building_ids = v_uuid_list(&v, c->j_body, "building_ids", false, 200, b.buildings, sizeof b.buildings);
    bool communities = in.audience && strcmp(in.audience, "communities") == 0;
    bool buildings = in.audience && strcmp(in.audience, "buildings") == 0;
    if (communities != (json_object_get(c->j_body, "community_ids") != NULL))
        verr_add(&v, "community_ids", communities ? "is required for audience communities" : "is for audience communities");
    if (buildings != (json_object_get(c->j_body, "building_ids") != NULL))
        verr_add(&v, "building_ids", buildings ? "is required for audience buildings" : "is for audience buildings");
    in.pinned = v_flag(&v, c->j_body, "pinned");
    in.requires_ack = v_flag(&v, c->j_body, "requires_ack");
    struct pd_error e;
    if (!verr_any(&v) && !announcement_rules_kept(&in, &e))
        verr_add(&v, e.field, "%s", e.detail);
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    const char *scope[4];
    api_scope_params(c, scope);
    struct announcement_actor a = actor_of(c);
    char id[37];
    enum pd_err err = announcement_create(c->db, scope, &in, &a, id, &e);
    if ((err == PD_ERR_NOT_FOUND || err == PD_ERR_INVALID) && e.field != NULL) {
        api_fail(c, &e);
        return;
    }
    if (err == PD_OK && !api_attachments_usable(c, attachment_fields, NULL))
        return;
    struct announcement_row row = { 0 };
    if (err == PD_OK)
        err = announcement_load(c->db, scope, id, false, true, &row);
    json_t *j_actions = NULL;
    if (err == PD_OK) {
        struct machine_ctx x = ctx_of(c, &row);
        j_actions = machine_allowed(&announcement_machine, row.status, &x);
    }
    api_create_finish(c, err, err == PD_OK ? json_incref(row.j) : NULL, j_actions, "/v1/announcements", NULL);
    announcement_row_free(&row);
}

/* The month's service report of a community, as a draft (201). */
void announcements_service_report(struct api_call *c)
{
    static const char *const fields[] = { "community_id", "month", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *community = v_uuid(&v, c->j_body, "community_id", true);
    const char *month = v_string(&v, c->j_body, "month", true, 7, 7);
    bool shaped = month != NULL && strlen(month) == 7 && month[4] == '-';
    for (int i = 0; shaped && i < 7; i++)
        shaped = i == 4 || (month[i] >= '0' && month[i] <= '9');
    if (month != NULL && (!shaped || atoi(month) < 2000 || atoi(month + 5) < 1 || atoi(month + 5) > 12))
        verr_add(&v, "month", "must be a month such as 2026-11");
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    const char *scope[4];
    api_scope_params(c, scope);
    struct announcement_actor a = actor_of(c);
    struct pd_error e;
    char id[37];
    enum pd_err err = service_report_draft(c->db, scope, &a, community, month, id, &e);
    if ((err == PD_ERR_NOT_FOUND || err == PD_ERR_INVALID) && e.field != NULL) {
        api_fail(c, &e);
        return;
    }
    struct announcement_row row = { 0 };
    if (err == PD_OK)
        err = announcement_load(c->db, scope, id, false, true, &row);
    json_t *j_actions = NULL;
    if (err == PD_OK) {
        struct machine_ctx x = ctx_of(c, &row);
        j_actions = machine_allowed(&announcement_machine, row.status, &x);
    }
    api_create_finish(c, err, err == PD_OK ? json_incref(row.j) : NULL, j_actions, "/v1/announcements", NULL);
    announcement_row_free(&row);
}

/* ---- actions ---------------------------------------------------------------------------- */

struct announcement_input {
    struct announcement_in content;
    const char *text;
};

#define ANNOUNCEMENT_ACT(NAME) \
    static enum pd_err NAME(struct api_call *c, void *row, const char *to, const void *in, const char **detail)
#define A_ROW (&((struct announcement_obj *)row)->a)
#define A_IN ((const struct announcement_input *)in)

static void run(struct api_call *c, struct verr *v, enum announcement_action action, const char *id, long long version,
                api_act act, const struct announcement_input *in)
{
    if (!api_valid(c, v))
        return;
    struct announcement_obj o;
    api_action_run(c, &announcement_resource, action, id, version, &o, act, in);
}

/* An action whose body is empty (or absent). */
static void run_bodiless(struct api_call *c, enum announcement_action action, api_act act)
{
    static const char *const fields[] = { NULL };
    struct verr v;
    long long version;
    struct announcement_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id != NULL)
        run(c, &v, action, id, version, act, &in);
}

ANNOUNCEMENT_ACT(act_update)
{
    (void)to, (void)detail;
    struct announcement_actor a = actor_of(c);
    struct pd_error e;
    enum pd_err err = api_field_failure(c, announcement_update(c->db, A_ROW, &a, &A_IN->content, &e), &e);
    if (err == PD_OK && !api_attachments_usable(c, attachment_fields, json_object_get(A_ROW->j, "attachment_ids")))
        return PD_ERR_INVALID;
    return err;
}

void announcements_update(struct api_call *c)
{
    static const char *const fields[] = { "title", "body", "category", "attachment_ids", "pinned", "requires_ack",
                                          "outage_window", "expires_at", NULL };
    struct verr v;
    long long version;
    struct announcement_input in = { 0 };
    struct content_buf b;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    read_content(&v, c->j_body, false, &in.content, &b);
    in.content.category = v_enum(&v, c->j_body, "category", false, enum_codes("announcement_category"));
    in.content.pinned = v_flag(&v, c->j_body, "pinned");
    in.content.requires_ack = v_flag(&v, c->j_body, "requires_ack");
    run(c, &v, AA_UPDATE, id, version, act_update, &in);
}

ANNOUNCEMENT_ACT(act_schedule)
{
    (void)to, (void)detail;
    struct announcement_actor a = actor_of(c);
    struct pd_error e;
    return api_field_failure(c, announcement_schedule(c->db, A_ROW, &a, A_IN->text, &e), &e);
}

void announcements_schedule(struct api_call *c)
{
    static const char *const fields[] = { "publish_at", NULL };
    struct verr v;
    long long version;
    struct announcement_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    time_t t;
    if ((in.text = v_time(&v, c->j_body, "publish_at", false, &t)) == NULL && !verr_any(&v))
        verr_add(&v, "publish_at", "is required");
    run(c, &v, AA_SCHEDULE, id, version, act_schedule, &in);
}

ANNOUNCEMENT_ACT(act_publish)
{
    (void)to, (void)in, (void)detail;
    struct announcement_actor a = actor_of(c);
    struct pd_error e;
    return api_field_failure(c, announcement_publish(c->db, A_ROW, &a, &e), &e);
}

void announcements_publish(struct api_call *c) { run_bodiless(c, AA_PUBLISH, act_publish); }

ANNOUNCEMENT_ACT(act_withdraw)
{
    (void)to, (void)detail;
    struct announcement_actor a = actor_of(c);
    return announcement_withdraw(c->db, A_ROW, &a, A_IN->text);
}

void announcements_withdraw(struct api_call *c)
{
    static const char *const fields[] = { "reason", NULL };
    struct verr v;
    long long version;
    struct announcement_input in = { 0 };
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    in.text = v_string(&v, c->j_body, "reason", true, 1, 500);
    run(c, &v, AA_WITHDRAW, id, version, act_withdraw, &in);
}

ANNOUNCEMENT_ACT(act_archive)
{
    (void)to, (void)in, (void)detail;
    struct announcement_actor a = actor_of(c);
    return announcement_archive(c->db, A_ROW, &a);
}

void announcements_archive(struct api_call *c) { run_bodiless(c, AA_ARCHIVE, act_archive); }

ANNOUNCEMENT_ACT(act_ack)
{
    (void)to, (void)in, (void)detail;
    const struct announcement_row *r = A_ROW;
    return announcement_ack(c->db, c->who.org, r->id, c->who.sub);
}

void announcements_ack(struct api_call *c) { run_bodiless(c, AA_ACK, act_ack); }

/* The correction: 201 with the new version (Location), this one archived behind it. */
void announcements_amend(struct api_call *c)
{
    static const char *const fields[] = { "title", "body", "attachment_ids", "outage_window", "expires_at", NULL };
    struct verr v;
    long long version;
    struct announcement_input in = { 0 };
    struct content_buf b;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    read_content(&v, c->j_body, false, &in.content, &b);
    struct announcement_obj o;
    struct api_subject s;
    char next[24], new_id[37];
    if (!api_valid(c, &v) || !api_action_begin(c, &announcement_resource, AA_AMEND, id, version, &o, &s, next))
        return;
    struct announcement_actor a = actor_of(c);
    struct pd_error e;
    enum pd_err err = announcement_amend(c->db, &o.a, &a, &in.content, new_id, &e);
    if (err == PD_OK && !api_attachments_usable(c, attachment_fields, json_object_get(o.a.j, "attachment_ids"))) {
        release_obj(&o);
        return;
    }
    release_obj(&o);
    struct announcement_row row = { 0 };
    if (err == PD_OK)
        err = announcement_load(c->db, o.scope, new_id, false, true, &row);
    if (err != PD_OK) {
        db_rollback(c->db);
        if (err == PD_ERR_INVALID)
            api_fail(c, &e);
        else
            api_error(c, err, NULL);
        return;
    }
    struct machine_ctx x = ctx_of(c, &row);
    json_object_set_new(row.j, "allowed_actions", machine_allowed(&announcement_machine, row.status, &x));
    char location[64];
    snprintf(location, sizeof location, "/v1/announcements/%s", new_id);
    api_header_set(c, "Location", location);
    api_json(c, 201, json_incref(row.j));
    announcement_row_free(&row);
}

enum pd_err announcements_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    const char *scope[4];
    api_scope_params(c, scope);
    return announcement_versions(c->db, scope, ids, out);
}
