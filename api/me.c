/* /v1/me, /v1/meta/enums and /v1/departments: the caller and reference data. */
#include "../src/enums.h"
#include "../src/me.h"
#include "routes.h"

void me_show(struct api_call *c)
{
    json_t *j = NULL;
    if (!api_db(c))
        return;
    enum pd_err err = me_get(c->db, c->who.org, c->who.sub, &j);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    /* profile changes go through an admin for now: nothing to offer here */
    json_object_set_new(json_object_get(j, "user"), "allowed_actions", json_array());
    api_json(c, 200, j);
}

void meta_enums(struct api_call *c)
{
    api_header_set(c, "Cache-Control", "public, max-age=3600");
    api_json(c, 200, enums_all());
}

void departments_index(struct api_call *c)
{
    json_t *j = NULL;
    if (!api_db(c))
        return;
    enum pd_err err = departments_list(c->db, c->who.org, &j);
    if (err != PD_OK)
        api_error(c, err, NULL);
    else
        api_json(c, 200, j);
}
