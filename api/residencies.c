/* /v1/residencies: a resident asks to be bound to a unit (or the desk asks for them);
 * desk staff of the unit's community verify, reject or revoke. Owners see their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/residencies.h"
#include "action.h"

static bool is_owner(const struct api_call *c) { return c->who.role == ROLE_OWNER; }

static json_t *actions_of(json_t *j_item, const void *ctx)
{
    const struct api_call *c = ctx;
    const char *status = json_string_value(json_object_get(j_item, "status"));
    struct machine_ctx x = { c->who.role, 0 };
    return machine_allowed(&residency_machine, status ? status : "", &x);
}

void residencies_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS], *base[4];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &residency_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    api_scope_params(c, base);
    char *page = NULL;
    enum pd_err err = list_run(c->db, &residency_list_spec, base, values, &pg, NULL, NULL, &page);
    json_t *j = err == PD_OK ? json_loads(page, 0, NULL) : NULL;
    free(page);
    if (err == PD_OK && j == NULL)
        err = PD_ERR_NOMEM;
    if (err == PD_OK) {
        json_t *j_item;
        size_t i;
        json_array_foreach(json_object_get(j, "items"), i, j_item)
            json_object_set_new(j_item, "allowed_actions", actions_of(j_item, c));
    }
    api_list_json(c, err, j);
}

void residencies_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    const char *sc[4];
    json_t *j = NULL;
    if (id == NULL || !api_db(c))
        return;
    api_scope_params(c, sc);  /* staff by community scope; owners only their own requests */
    enum pd_err err = residency_get(c->db, sc, id, &j);
    api_result(c, err, j, err == PD_OK ? actions_of(j, c) : NULL);
}

void residencies_create(struct api_call *c)
{
    static const char *const fields[] = { "relation", "unit_id", "community_id", "unit_number", "user_id", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *relation = v_enum(&v, c->j_body, "relation", true, enum_codes("residency_relation"));
    const char *unit = v_uuid(&v, c->j_body, "unit_id", false);
    const char *community = v_uuid(&v, c->j_body, "community_id", false);
    const char *number = v_string(&v, c->j_body, "unit_number", false, 1, 30);
    const char *user = v_uuid(&v, c->j_body, "user_id", false);
    bool by_id = json_object_get(c->j_body, "unit_id") != NULL;
    bool by_number = json_object_get(c->j_body, "community_id") != NULL ||
                     json_object_get(c->j_body, "unit_number") != NULL;
    if (by_id == by_number)
        verr_add(&v, "unit_id", "give either unit_id, or community_id with unit_number");
    else if (by_number && (json_object_get(c->j_body, "community_id") == NULL ||
                           json_object_get(c->j_body, "unit_number") == NULL))
        verr_add(&v, by_number && !community ? "community_id" : "unit_number", "is required with the other");
    if (is_owner(c) && json_object_get(c->j_body, "user_id") != NULL)
        verr_add(&v, "user_id", "residents request bindings for themselves only");
    if (!is_owner(c) && json_object_get(c->j_body, "user_id") == NULL)
        verr_add(&v, "user_id", "is required when staff request a binding for a resident");
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    /* residents may ask for any unit of their org; staff only within their communities */
    const char *sc[4];
    api_scope_params(c, sc);
    json_t *j = NULL;
    enum pd_err err = residency_create(c->db, sc, is_owner(c) ? c->who.sub : user, unit,
                                       community, number, relation, &j);
    if (err == PD_ERR_NOT_FOUND) {
        db_rollback(c->db);
        api_error(c, err, "No such unit (or resident) in your reach.");
        return;
    }
    json_t *j_actions = err == PD_OK ? actions_of(j, c) : NULL;
    api_create_finish(c, err, j, j_actions, "/v1/residencies",
                      "This person already has a pending or verified binding to the unit.");
}

struct residency_obj {
    json_t *j;
    char status[16];
};

static enum pd_err load_obj(struct api_call *c, const char *id, bool lock, void *row, struct api_subject *s)
{
    struct residency_obj *o = row;
    const char *sc[4];
    long long version = 0;
    api_scope_params(c, sc);
    enum pd_err err = residency_load(c->db, sc, id, lock, &o->j, o->status, &version);
    if (err == PD_OK)
        *s = (struct api_subject){ o->status, version, { c->who.role, 0 }, o->j };
    return err;
}

static void release_obj(void *row)
{
    struct residency_obj *o = row;
    json_decref(o->j);
    o->j = NULL;
}

static const struct api_resource residency_resource = { &residency_machine, load_obj, release_obj };

static enum pd_err act(struct api_call *c, void *row, const char *to, const void *reason, const char **detail)
{
    struct residency_obj *o = row;
    (void)detail;
    return residency_transition(c->db, c->who.org, json_string_value(json_object_get(o->j, "id")), o->status,
                                json_integer_value(json_object_get(o->j, "version")), to, c->who.sub, reason);
}

static void transition(struct api_call *c, enum residency_action a, bool reason_required)
{
    static const char *const fields[] = { "reason", NULL };
    long long version;
    struct verr v;
    const char *id = api_change_begin(c, &v, fields, false, &version);
    if (id == NULL)
        return;
    const char *reason = v_string(&v, c->j_body, "reason", reason_required, 1, 200);
    if (!api_valid(c, &v))
        return;
    struct residency_obj o = { 0 };
    api_action_run(c, &residency_resource, (int)a, id, version, &o, act, reason);
}

void residencies_verify(struct api_call *c) { transition(c, RES_VERIFY, false); }
void residencies_reject(struct api_call *c) { transition(c, RES_REJECT, true); }
void residencies_revoke(struct api_call *c) { transition(c, RES_REVOKE, false); }
