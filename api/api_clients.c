/* /v1/api-clients: integration clients for OAuth2 client credentials (admins only). The
 * secret appears once, in the create response. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/api_clients.h"
#include "routes.h"

static json_t *client_actions(const struct api_call *c, json_t *j)
{
    json_t *j_actions = json_array();
    if (c->who.role == ROLE_ADMIN && json_is_null(json_object_get(j, "revoked_at")))
        json_array_append_new(j_actions, json_string("delete"));
    return j_actions;
}

void api_clients_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    verr_init(&v);
    api_page(c, &v, &pg);
    if (!api_valid(c, &v) || !api_org_wide(c, "manage integration clients") || !api_db(c))
        return;
    char *page = NULL;
    json_t *j = NULL, *j_item;
    enum pd_err err = api_client_list(c->db, c->who.org, &pg, &page);
    if (err == PD_OK && (j = json_loads(page, 0, NULL)) == NULL)
        err = PD_ERR_NOMEM;
    free(page);
    size_t i;
    if (err == PD_OK)
        json_array_foreach(json_object_get(j, "items"), i, j_item)
            json_object_set_new(j_item, "allowed_actions", client_actions(c, j_item));
    api_list_json(c, err, j);
}

void api_clients_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    json_t *j = NULL;
    if (id == NULL || !api_org_wide(c, "manage integration clients") || !api_db(c))
        return;
    enum pd_err err = api_client_get(c->db, c->who.org, id, &j);
    api_result(c, err, j, err == PD_OK ? client_actions(c, j) : NULL);
}

void api_clients_create(struct api_call *c)
{
    static const char *const fields[] = { "name", "scopes", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *name = v_string(&v, c->j_body, "name", true, 1, 100);
    json_t *j_scopes = v_array(&v, c->j_body, "scopes", true, 1, 20);
    char scopes[512] = "{";
    size_t off = 1, i;
    unsigned seen = 0;
    json_t *j_scope;
    json_array_foreach(j_scopes, i, j_scope) {
        unsigned bit = scope_parse(json_string_value(j_scope));
        if (bit == 0 || (seen & bit)) {
            verr_add(&v, "scopes", "must list distinct known scopes (see /v1/meta/enums)");
            break;
        }
        seen |= bit;
        off += (size_t)snprintf(scopes + off, sizeof scopes - off, "%s%s", i ? "," : "", json_string_value(j_scope));
    }
    snprintf(scopes + off, sizeof scopes - off, "}");
    if (!api_valid(c, &v) || !api_org_wide(c, "manage integration clients") || !api_create_begin(c))
        return;
    json_t *j = NULL;
    enum pd_err err = api_client_create(c->db, c->who.org, name, scopes, &j);
    api_header_set(c, "Cache-Control", "no-store");
    api_create_finish(c, err, j, err == PD_OK ? client_actions(c, j) : NULL, "/v1/api-clients", NULL);
}

void api_clients_delete(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_org_wide(c, "manage integration clients") || !api_db(c))
        return;
    enum pd_err err = api_client_revoke(c->db, c->who.org, id);
    if (err == PD_OK) {
        api_forget_sessions(c, id);  /* its tokens die with it */
        api_no_content(c);
    }
    else
        api_error(c, err, NULL);
}
