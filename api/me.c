/* /v1/me (with the inbox), /v1/meta/enums and /v1/departments: the caller and reference data. */
#include <string.h>
#include "../src/enums.h"
#include "../src/me.h"
#include "../src/notifications.h"
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

void notifications_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &notification_list_spec, &v, values);
    struct db_read rd;
    if (!api_valid(c, &v))
        return;
    const char *lang = api_set_language(c) ? "zh" : "en";
    if (!notification_list_read(c->who.org, c->who.sub, lang, values, &pg, &rd))
        api_error(c, PD_ERR_NOMEM, NULL);
    else
        api_read_page(c, &rd, pg.limit, NULL);
}

/* The inbox actions take no fields: an empty object or no body. */
static const char *const no_fields[] = { NULL };

void notifications_read(struct api_call *c)
{
    struct verr v;
    const char *id = api_path_id(c);
    json_t *j = NULL;
    if (id == NULL)
        return;
    verr_init(&v);
    api_body_fields(c, &v, no_fields);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    const char *lang = api_set_language(c) ? "zh" : "en";
    enum pd_err err = notification_read(c->db, c->who.org, c->who.sub, id, lang, &j);
    if (err != PD_OK)
        api_error(c, err, NULL);
    else
        api_json(c, 200, j);
}

void notifications_read_all(struct api_call *c)
{
    struct verr v;
    long long n = 0;
    verr_init(&v);
    api_body_fields(c, &v, no_fields);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    enum pd_err err = notification_read_all(c->db, c->who.org, c->who.sub, &n);
    if (err != PD_OK)
        api_error(c, err, NULL);
    else
        api_json(c, 200, json_pack("{s:I}", "updated", (json_int_t)n));
}

enum pd_err notifications_stream_versions(struct api_call *c, const char *ids, json_t **out)
{
    return notification_versions(c->db, c->who.org, c->who.sub, ids, out);
}
