/* /v1/sla-policy and /v1/holidays: the SLA targets, the complaints' deadline targets, the
 * callback policy, workflow settings and the holiday calendar. Supervisors, managers and quality read them; admins
 * change them. Changes apply to tickets and complaints created (or reclassified) afterwards;
 * running clocks keep the targets they started with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/sla_policy.h"
#include "../src/ticket_rules.h"
#include "routes.h"

void sla_policy_show(struct api_call *c)
{
    json_t *j = NULL;
    const char *scope[4];
    if (!api_db(c))
        return;
    api_scope_params(c, scope);
    enum pd_err err = sla_policy_get(c->db, scope, &j);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    json_object_set_new(j, "allowed_actions", api_admin_actions(c, "update"));
    api_json(c, 200, j);
}

void sla_policy_update(struct api_call *c)
{
    static const char *const fields[] = { "auto_close_hours", "reopen_window_hours", "technician_open_cap",
                                          "warn_before_minutes", NULL };
    struct verr v;
    long long n;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    if (json_object_size(c->j_body) == 0)
        verr_add(&v, "(body)", "name at least one field to change");
    v_int(&v, c->j_body, "auto_close_hours", false, 1, 720, &n);
    v_int(&v, c->j_body, "reopen_window_hours", false, 1, 2160, &n);
    v_int(&v, c->j_body, "technician_open_cap", false, 1, 100, &n);
    v_int(&v, c->j_body, "warn_before_minutes", false, 0, 1440, &n);
    if (!api_valid(c, &v))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may change the policy.");
        return;
    }
    char *patch = json_dumps(c->j_body, JSON_COMPACT);
    json_t *j_settings = NULL, *j = NULL;
    enum pd_err err = patch && api_db(c) ? sla_settings_update(c->db, c->who.org, patch, &j_settings) : PD_ERR_NOMEM;
    free(patch);
    if (c->replied)
        return;
    json_decref(j_settings);
    if (err == PD_OK) {
        const char *const org_wide[4] = { c->who.org, NULL, NULL, NULL };  /* an org-wide admin */
        err = sla_policy_get(c->db, org_wide, &j);
    }
    api_change_result(c, err, j, api_admin_actions(c, "update"), NULL);
}

void sla_targets_create(struct api_call *c)
{
    static const char *const fields[] = { "community_id", "priority", "category", "contact_minutes",
                                          "arrival_minutes", "arrival_next_day", "resolve_minutes",
                                          "business_hours", NULL };
    struct verr v;
    struct sla_target_in in = { 0 };
    long long contact = 0, arrival = 0, resolve = 0;
    char cs[16], as[16], rs[16];
    verr_init(&v);
    api_body_fields(c, &v, fields);
    json_t *j_c = json_object_get(c->j_body, "community_id");
    in.community_id = j_c && !json_is_null(j_c) ? v_uuid(&v, c->j_body, "community_id", false) : NULL;
    in.priority = v_enum(&v, c->j_body, "priority", true, enum_codes("ticket_priority"));
    json_t *j_cat = json_object_get(c->j_body, "category");
    in.category = j_cat && !json_is_null(j_cat)
                      ? v_enum(&v, c->j_body, "category", false, enum_codes("ticket_category")) : NULL;
    v_int(&v, c->j_body, "contact_minutes", true, 1, 100000, &contact);
    v_int(&v, c->j_body, "resolve_minutes", true, 1, 1000000, &resolve);
    bool has_arrival = v_int(&v, c->j_body, "arrival_minutes", false, 1, 100000, &arrival);
    json_t *j_next = json_object_get(c->j_body, "arrival_next_day"), *j_bh = json_object_get(c->j_body, "business_hours");
    if (j_next && !json_is_boolean(j_next))
        verr_add(&v, "arrival_next_day", "must be true or false");
    if (j_bh && !json_is_boolean(j_bh))
        verr_add(&v, "business_hours", "must be true or false");
    in.arrival_next_day = json_is_true(j_next);
    in.business_hours = j_bh == NULL || json_is_true(j_bh);
    if (has_arrival == in.arrival_next_day)
        verr_add(&v, "arrival_minutes", "give arrival_minutes, or arrival_next_day: true");
    if (!api_valid(c, &v))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may change the policy.");
        return;
    }
    snprintf(cs, sizeof cs, "%lld", contact);
    snprintf(as, sizeof as, "%lld", arrival);
    snprintf(rs, sizeof rs, "%lld", resolve);
    in.contact_minutes = cs;
    in.arrival_minutes = has_arrival ? as : NULL;
    in.resolve_minutes = rs;
    if (!api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = sla_target_create(c->db, c->who.org, &in, &j);
    api_create_finish(c, err, j, api_admin_actions(c, "delete"), NULL,
                      "A target for this community, priority and category exists; delete it first.");
}

void complaint_targets_create(struct api_call *c)
{
    static const char *const fields[] = { "community_id", "severity", "forward_minutes", "acknowledge_minutes",
                                          "resolve_minutes", "business_hours", NULL };
    struct verr v;
    struct complaint_target_in in = { 0 };
    long long forward = 0, acknowledge = 0, resolve = 0;
    char fs[16], as[16], rs[16];
    verr_init(&v);
    api_body_fields(c, &v, fields);
    json_t *j_c = json_object_get(c->j_body, "community_id"), *j_bh = json_object_get(c->j_body, "business_hours");
    in.community_id = j_c && !json_is_null(j_c) ? v_uuid(&v, c->j_body, "community_id", false) : NULL;
    in.severity = v_enum(&v, c->j_body, "severity", true, enum_codes("complaint_severity"));
    v_int(&v, c->j_body, "forward_minutes", true, 1, 1440, &forward);
    v_int(&v, c->j_body, "acknowledge_minutes", true, 1, 43200, &acknowledge);
    v_int(&v, c->j_body, "resolve_minutes", true, 1, 129600, &resolve);
    if (j_bh && !json_is_boolean(j_bh))
        verr_add(&v, "business_hours", "must be true or false");
    in.business_hours = json_is_true(j_bh);
    if (!api_valid(c, &v))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may change the policy.");
        return;
    }
    snprintf(fs, sizeof fs, "%lld", forward);
    snprintf(as, sizeof as, "%lld", acknowledge);
    snprintf(rs, sizeof rs, "%lld", resolve);
    in.forward_minutes = fs;
    in.acknowledge_minutes = as;
    in.resolve_minutes = rs;
    if (!api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = complaint_target_create(c->db, c->who.org, &in, &j);
    api_create_finish(c, err, j, api_admin_actions(c, "delete"), NULL,
                      "A complaint target for this community and severity exists; delete it first.");
}

void callback_targets_create(struct api_call *c)
{
    static const char *const fields[] = { "community_id", "source_kind", "rate", "window_start_hours", "window_end_hours",
                                          "assignee_id", "max_attempts", "retry_hours", "on_unsatisfied", NULL };
    struct verr v;
    struct callback_target_in in = { 0 };
    long long start = 0, end = 0, attempts = 0, retry = 0;
    char rate[24], ss[16], es[16], as[16], rs[16];
    verr_init(&v);
    api_body_fields(c, &v, fields);
    json_t *j_c = json_object_get(c->j_body, "community_id"), *j_rate = json_object_get(c->j_body, "rate");
    in.community_id = j_c && !json_is_null(j_c) ? v_uuid(&v, c->j_body, "community_id", false) : NULL;
    in.source_kind = v_enum(&v, c->j_body, "source_kind", true, enum_codes("callback_source_kind"));
    if (!json_is_number(j_rate) || json_number_value(j_rate) < 0 || json_number_value(j_rate) > 1)
        verr_add(&v, "rate", "is required: the share of sources called back, from 0 to 1");
    v_int(&v, c->j_body, "window_start_hours", true, 0, 2160, &start);
    v_int(&v, c->j_body, "window_end_hours", true, 1, 2160, &end);
    if (end && end <= start)
        verr_add(&v, "window_end_hours", "must be after window_start_hours");
    in.assignee_id = v_uuid(&v, c->j_body, "assignee_id", false);
    v_int(&v, c->j_body, "max_attempts", true, 1, 10, &attempts);
    v_int(&v, c->j_body, "retry_hours", true, 1, 720, &retry);
    in.on_unsatisfied = v_enum(&v, c->j_body, "on_unsatisfied", true, enum_codes("callback_follow_up"));
    if (in.on_unsatisfied && in.source_kind && strcmp(in.on_unsatisfied, "reopen") == 0 &&
        strcmp(in.source_kind, "complaint") == 0)
        verr_add(&v, "on_unsatisfied", "a complaint's callback opens a follow-up complaint (or none)");
    if (!api_valid(c, &v))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may change the policy.");
        return;
    }
    snprintf(rate, sizeof rate, "%.4f", json_number_value(j_rate));
    snprintf(ss, sizeof ss, "%lld", start);
    snprintf(es, sizeof es, "%lld", end);
    snprintf(as, sizeof as, "%lld", attempts);
    snprintf(rs, sizeof rs, "%lld", retry);
    in.rate = rate;
    in.window_start_hours = ss;
    in.window_end_hours = es;
    in.max_attempts = as;
    in.retry_hours = rs;
    if (!api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = callback_target_create(c->db, c->who.org, &in, &j);
    api_create_finish(c, err, j, api_admin_actions(c, "delete"), NULL,
                      "A callback policy for this community and source exists; delete it first.");
}

static void delete_with(struct api_call *c, enum pd_err (*fn)(struct db_conn *, const char *, const char *))
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may change the policy.");
        return;
    }
    enum pd_err err = fn(c->db, c->who.org, id);
    if (err == PD_OK)
        api_no_content(c);
    else
        api_error(c, err, NULL);
}

void sla_targets_delete(struct api_call *c) { delete_with(c, sla_target_delete); }
void holidays_delete(struct api_call *c) { delete_with(c, holiday_delete); }
void complaint_targets_delete(struct api_call *c) { delete_with(c, complaint_target_delete); }
void callback_targets_delete(struct api_call *c) { delete_with(c, callback_target_delete); }

void holidays_index(struct api_call *c)
{
    struct verr v;
    long long year;
    verr_init(&v);
    const char *community = q_uuid(&v, "community_id", api_query(c, "community_id"));
    const char *y = api_query(c, "year");
    if (y != NULL && !int_parse(y, 2000, 2100, &year))
        verr_add(&v, "year", "must be a year from 2000 to 2100");
    if (!api_valid(c, &v) || !api_db(c))
        return;
    json_t *j = NULL;
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = holiday_list(c->db, scope, community, y, &j);
    if (err == PD_OK) {
        json_t *j_item;
        size_t i;
        json_array_foreach(json_object_get(j, "items"), i, j_item)
            json_object_set_new(j_item, "allowed_actions", api_admin_actions(c, "delete"));
    }
    api_list_json(c, err, j);
}

void holidays_create(struct api_call *c)
{
    static const char *const fields[] = { "community_id", "day", "kind", "name", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    json_t *j_c = json_object_get(c->j_body, "community_id");
    const char *community = j_c && !json_is_null(j_c) ? v_uuid(&v, c->j_body, "community_id", false) : NULL;
    const char *day = v_string(&v, c->j_body, "day", true, 10, 10);
    time_t t;
    char stamp[32];
    if (day != NULL) {
        snprintf(stamp, sizeof stamp, "%sT00:00:00Z", day);
        if (!rfc3339_parse(stamp, &t))
            verr_add(&v, "day", "must be a date YYYY-MM-DD");
    }
    const char *kind = v_enum(&v, c->j_body, "kind", false, enum_codes("holiday_kind"));
    const char *name = v_string(&v, c->j_body, "name", true, 1, 50);
    if (!api_valid(c, &v))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may change the calendar.");
        return;
    }
    if (!api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = holiday_create(c->db, c->who.org, community, day, kind ? kind : "holiday", name, &j);
    api_create_finish(c, err, j, api_admin_actions(c, "delete"), NULL, "That day is already in the calendar.");
}
