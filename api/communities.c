/* /v1/communities: the org's communities. Everyone in the org may read the directory
 * (owners need it to bind a unit); only admins create or change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/communities.h"
#include "routes.h"

static const char *const fields[] = { "name", "code", "address", "time_zone", "business_hours", NULL };

static bool code_valid(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

/* business_hours: {days: [1..7, unique], start: "HH:MM", end: "HH:MM"} with start < end. */
static void check_business_hours(struct verr *v, json_t *j)
{
    static const char *const keys[] = { "days", "start", "end", NULL };
    if (!json_is_object(j)) {
        verr_add(v, "business_hours", "must be an object {days, start, end}");
        return;
    }
    const char *key;
    json_t *j_val;
    json_object_foreach(j, key, j_val) {
        if (!enum_has(keys, key))
            verr_add(v, "business_hours", "unknown field %s", key);
    }
    json_t *j_days = json_object_get(j, "days");
    unsigned seen = 0;
    size_t i;
    json_t *j_day;
    bool days_ok = json_is_array(j_days) && json_array_size(j_days) >= 1 && json_array_size(j_days) <= 7;
    json_array_foreach(j_days, i, j_day) {
        json_int_t d = json_is_integer(j_day) ? json_integer_value(j_day) : 0;
        if (d < 1 || d > 7 || (seen & (1u << d)))
            days_ok = false;
        else
            seen |= 1u << d;
    }
    if (!days_ok)
        verr_add(v, "business_hours.days", "must list 1 to 7 distinct ISO weekdays (1 = Monday)");
    const char *start = json_string_value(json_object_get(j, "start"));
    const char *end = json_string_value(json_object_get(j, "end"));
    if (!hhmm_valid(start))
        verr_add(v, "business_hours.start", "must be a time HH:MM");
    if (!hhmm_valid(end))
        verr_add(v, "business_hours.end", "must be a time HH:MM");
    else if (hhmm_valid(start) && strcmp(start, end) >= 0)
        verr_add(v, "business_hours.end", "must be after start");
}

/* Validates the body's fields (all optional when patching). */
static void check_fields(struct api_call *c, struct verr *v, bool create, struct community_in *in)
{
    bool present;
    if (create)
        api_body_fields(c, v, fields);
    in->name = v_string(v, c->j_body, "name", create, 1, 100);
    in->code = v_string_or_null(v, c->j_body, "code", 1, 20, &present);
    if (in->code != NULL && !code_valid(in->code))
        verr_add(v, "code", "may hold only letters, digits, '-' and '_'");
    in->address = v_string_or_null(v, c->j_body, "address", 0, 200, &present);
    in->time_zone = v_string(v, c->j_body, "time_zone", false, 1, 64);
    if (in->time_zone != NULL && !api_db(c))
        return;
    if (in->time_zone != NULL && !community_time_zone_known(c->db, in->time_zone))
        verr_add(v, "time_zone", "must be an IANA time zone such as Asia/Shanghai");
    json_t *j_hours = json_object_get(c->j_body, "business_hours");
    if (j_hours != NULL)
        check_business_hours(v, j_hours);
    if (json_object_get(c->j_body, "name") != NULL && json_is_null(json_object_get(c->j_body, "name")))
        verr_add(v, "name", "may not be null");
}

void communities_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS], *base[4];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &community_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    api_scope_params(c, base);
    char *page = NULL, actions[64];
    enum pd_err err = list_run(c->db, &community_list_spec, base, values, &pg, rows_item_actions,
                               api_admin_literal(c, "update", actions), &page);
    api_list_result(c, err, page);
}

void communities_show(struct api_call *c)
{
    const char *id = api_path_id(c), *scope[4];
    json_t *j = NULL;
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);  /* owners: communities NULL, they read the whole directory */
    enum pd_err err = community_get(c->db, scope, id, &j);
    api_result(c, err, j, api_admin_actions(c, "update"));
}

void communities_create(struct api_call *c)
{
    struct verr v;
    struct community_in in = { 0 };
    verr_init(&v);
    check_fields(c, &v, true, &in);
    if (!api_valid(c, &v))
        return;
    if (!c->who.org_wide) {
        api_error(c, PD_ERR_FORBIDDEN, "Only an org-wide admin may create communities.");
        return;
    }
    char *hours = NULL;
    json_t *j_hours = json_object_get(c->j_body, "business_hours");
    if (j_hours != NULL)
        hours = json_dumps(j_hours, JSON_COMPACT);
    in.business_hours = hours;
    json_t *j = NULL;
    if (api_create_begin(c)) {
        enum pd_err err = community_create(c->db, c->who.org, &in, &j);
            api_create_finish(c, err, j, api_admin_actions(c, "update"), "/v1/communities",
                          "A community with this code already exists.");
    }
    free(hours);
}

void communities_update(struct api_call *c)
{
    struct verr v;
    struct community_in in = { 0 };
    long long version;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    check_fields(c, &v, false, &in);
    if (!api_valid(c, &v))
        return;
    char *patch = json_dumps(c->j_body, JSON_COMPACT);
    json_t *j = NULL;
    if (patch != NULL && api_db(c)) {
        const char *scope[4];
        api_scope_params(c, scope);
        enum pd_err err = community_update(c->db, scope, id, patch, version, &j);
        if (err == PD_ERR_CONFLICT)
            api_error(c, err, "A community with this code already exists.");
        else
            api_result(c, err, j, api_admin_actions(c, "update"));
    } else if (patch == NULL) {
        api_error(c, PD_ERR_NOMEM, NULL);
    }
    free(patch);
}
