/* /v1/buildings: buildings of the caller's communities; admins create and rename them and
 * create their units in bulk. */
#include <stdio.h>
#include <stdlib.h>
#include "../src/buildings.h"
#include "../src/units.h"
#include "routes.h"

#define MAX_BULK_UNITS 1000

void buildings_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS], *base[4];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &building_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    api_scope_params(c, base);
    char *page = NULL, actions[64];
    enum pd_err err = list_run(c->db, &building_list_spec, base, values, &pg, rows_item_actions,
                               api_admin_literal(c, "update", actions), &page);
    api_list_result(c, err, page);
}

void buildings_show(struct api_call *c)
{
    const char *id = api_path_id(c), *scope[4];
    json_t *j = NULL;
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, scope);
    enum pd_err err = building_get(c->db, scope, id, &j);
    api_result(c, err, j, api_admin_actions(c, "update"));
}

void buildings_create(struct api_call *c)
{
    static const char *const fields[] = { "community_id", "name", "code", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *community = v_uuid(&v, c->j_body, "community_id", true);
    const char *name = v_string(&v, c->j_body, "name", true, 1, 50);
    const char *code = v_string(&v, c->j_body, "code", false, 1, 20);
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    json_t *j = NULL;
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = building_create(c->db, scope, community, name, code, &j);
    api_create_finish(c, err, j, api_admin_actions(c, "update"), "/v1/buildings",
                      "A building with this name already exists in the community.");
}

void buildings_update(struct api_call *c)
{
    static const char *const fields[] = { "name", "code", NULL };
    long long version;
    bool present;
    struct verr v;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    v_string(&v, c->j_body, "name", false, 1, 50);
    v_string_or_null(&v, c->j_body, "code", 1, 20, &present);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char *patch = json_dumps(c->j_body, JSON_COMPACT);
    json_t *j = NULL;
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = building_update(c->db, scope, id, patch, version, &j);
    free(patch);
    if (err == PD_ERR_CONFLICT)
        api_error(c, err, "A building with this name already exists in the community.");
    else
        api_result(c, err, j, api_admin_actions(c, "update"));
}

void buildings_units_create(struct api_call *c)
{
    static const char *const fields[] = { "items", NULL };
    struct verr v;
    const char *building = api_path_id(c);
    if (building == NULL)
        return;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    json_t *j_items = v_array(&v, c->j_body, "items", true, 1, MAX_BULK_UNITS);
    size_t i;
    json_t *j_item;
    json_array_foreach(j_items, i, j_item) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "items[%zu].", i);
        units_check_item(&v, j_item, prefix, true);
        if (json_array_size(v.j_errors) > 50)
            break;  /* enough to fix; do not echo a thousand problems */
    }
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    char *items = json_dumps(j_items, JSON_COMPACT);
    json_t *j = NULL;
    const char *scope[4];
    api_scope_params(c, scope);
    enum pd_err err = items != NULL ? unit_create_many(c->db, scope, building, items, &j)
                                    : PD_ERR_NOMEM;
    free(items);
    json_t *j_page = NULL;
    if (err == PD_OK) {
        json_array_foreach(j, i, j_item)
            json_object_set_new(j_item, "allowed_actions", api_admin_actions(c, "update"));
        j_page = json_pack("{s:o, s:n}", "items", j, "next_cursor");
    }
    /* the page object carries no version and its allowed_actions are per item */
    api_create_finish(c, err, j_page, NULL, NULL,
                      "A unit number is repeated or already exists in this building.");
}
