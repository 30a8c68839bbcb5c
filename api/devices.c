/* /v1/me/devices: the caller's push tokens. A push gateway learns them from the
 * notification.created webhook messages, never from this API. */
#include <string.h>
#include "../src/devices.h"
#include "../src/enums.h"
#include "routes.h"

void devices_create(struct api_call *c)
{
    static const char *const fields[] = { "platform", "token", "app_id", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *platform = v_enum(&v, c->j_body, "platform", true, enum_codes("device_platform"));
    const char *token = v_string(&v, c->j_body, "token", true, 1, 4096);
    const char *app_id = v_string(&v, c->j_body, "app_id", true, 1, 200);
    if (token && strpbrk(token, " \t\r\n"))
        verr_add(&v, "token", "must not contain white space");
    if (!api_valid(c, &v) || !api_db(c))
        return;
    json_t *j = NULL;
    bool created = false;
    enum pd_err err = device_register(c->db, c->who.org, c->who.sub, platform, token, app_id, &j, &created);
    if (err != PD_OK) {
        api_change_result(c, err, NULL, NULL, NULL);
        return;
    }
    api_header_set(c, "Cache-Control", "no-store");
    api_json(c, created ? 201 : 200, j);
}

void devices_index(struct api_call *c)
{
    if (!api_db(c))
        return;
    json_t *j = NULL;
    enum pd_err err = device_list(c->db, c->who.org, c->who.sub, &j);
    api_header_set(c, "Cache-Control", "no-store");
    api_list_json(c, err, err == PD_OK ? json_pack("{s:o, s:n}", "items", j, "next_cursor") : NULL);
}

void devices_delete(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_db(c))
        return;
    enum pd_err err = device_delete(c->db, c->who.org, c->who.sub, id);
    if (err == PD_OK)
        api_no_content(c);
    else
        api_error(c, err, NULL);
}
