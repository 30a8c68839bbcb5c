/* /v1/units: owners see their verified units; staff the units of their communities;
 * admins create and change them (bulk creation is POST /v1/buildings/{id}/units). */
#include <stdio.h>
#include <stdlib.h>
#include "../src/units.h"
#include "routes.h"

/* Validates one unit's fields; prefix names the item in error messages. */
void units_check_item(struct verr *v, json_t *j_item, const char *prefix, bool create)
{
    static const char *const fields[] = { "number", "floor", "area_m2", NULL };
    struct verr item;
    long long floor;
    double area;
    verr_init(&item);
    if (!json_is_object(j_item)) {
        verr_add(v, prefix[0] ? prefix : "(body)", "must be an object");
        verr_free(&item);
        return;
    }
    v_reject_unknown(&item, j_item, fields);
    v_string(&item, j_item, "number", create, 1, 30);
    json_t *j_floor = json_object_get(j_item, "floor"), *j_area = json_object_get(j_item, "area_m2");
    if (j_floor != NULL && !json_is_null(j_floor))
        v_int(&item, j_item, "floor", false, -10, 300, &floor);
    if (j_area != NULL && !json_is_null(j_area))
        v_number(&item, j_item, "area_m2", false, 0, 100000, &area);
    size_t i;
    json_t *j_err;
    json_array_foreach(item.j_errors, i, j_err) {
        char field[96];
        snprintf(field, sizeof field, "%s%s", prefix, json_string_value(json_object_get(j_err, "field")));
        verr_add(v, field, "%s", json_string_value(json_object_get(j_err, "message")));
    }
    verr_free(&item);
}

void units_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS], *base[4];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &unit_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    api_scope_params(c, base);
    char *page = NULL, actions[64];
    enum pd_err err = list_run(c->db, &unit_list_spec, base, values, &pg, rows_item_actions,
                               api_admin_literal(c, "update", actions), &page);
    api_list_result(c, err, page);
}

void units_show(struct api_call *c)
{
    const char *id = api_path_id(c), *scope[4];
    char *json = NULL, actions[64];
    long long version;
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);  /* owners: units set, communities NULL; staff: the reverse */
    enum pd_err err = unit_get_text(c->db, scope, id, &json, &version);
    if (err != PD_OK)
        api_error(c, err, NULL);
    else
        api_object_text(c, 200, json, version, api_admin_literal(c, "update", actions));
    free(json);
}

void units_create(struct api_call *c)
{
    struct verr v;
    verr_init(&v);
    json_t *j_item = json_deep_copy(c->j_body);
    json_object_del(j_item, "building_id");
    const char *building = v_uuid(&v, c->j_body, "building_id", true);
    units_check_item(&v, j_item, "", true);
    if (!api_valid(c, &v) || !api_create_begin(c)) {
        json_decref(j_item);
        return;
    }
    json_t *j_list = json_pack("[o]", j_item);  /* steals j_item */
    char *items = json_dumps(j_list, JSON_COMPACT);
    json_decref(j_list);
    json_t *j = NULL, *j_unit = NULL;
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = items != NULL ? unit_create_many(c->db, scope, building, items, &j)
                                    : PD_ERR_NOMEM;
    free(items);
    if (err == PD_OK) {
        j_unit = json_incref(json_array_get(j, 0));
    }
    json_decref(j);
    api_create_finish(c, err, j_unit, api_admin_actions(c, "update"), "/v1/units",
                      "A unit with this number already exists in the building.");
}

void units_update(struct api_call *c)
{
    long long version;
    struct verr v;
    const char *id = api_change_begin(c, &v, NULL, true, &version);  /* units_check_item names unknown fields */
    if (id == NULL)
        return;
    units_check_item(&v, c->j_body, "", false);
    if (json_is_null(json_object_get(c->j_body, "number")))
        verr_add(&v, "number", "may not be null");
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char *patch = json_dumps(c->j_body, JSON_COMPACT);
    json_t *j = NULL;
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = unit_update(c->db, scope, id, patch, version, &j);
    free(patch);
    if (err == PD_ERR_CONFLICT)
        api_error(c, err, "A unit with this number already exists in the building.");
    else
        api_result(c, err, j, api_admin_actions(c, "update"));
}
