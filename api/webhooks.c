/* /v1/webhooks and /v1/webhook-deliveries: an org's admins subscribe URLs to event types,
 * rotate secrets, send test events, read the delivery log and replay a message. A URL is
 * checked against SSRF when it is stored (and again, by address, at every delivery). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/config.h"
#include "../src/netguard.h"
#include "../src/webhooks.h"
#include "../src/whsign.h"
#include "routes.h"

#define WHAT "manage webhooks"

/* The resources whose events a subscription may name ("<type>.*" or "<type>.<event>"). */
static const char *const subject_types[] = { "ticket", "work_order", "complaint", "callback", "announcement",
                                             "survey", "notification", NULL };

/* What an admin may do to a subscription (only admins reach these routes). */
#define WEBHOOK_ACTIONS "[\"update\",\"delete\",\"rotate_secret\",\"test\"]"
static json_t *webhook_actions(void) { return json_loads(WEBHOOK_ACTIONS, 0, NULL); }

static json_t *delivery_actions(void) { return json_pack("[s]", "replay"); }

/* "*", "<type>.*" or "<type>.<event>" ([a-z_]). */
static bool event_type_valid(const char *s)
{
    if (strcmp(s, "*") == 0)
        return true;
    const char *dot = strchr(s, '.');
    if (dot == NULL || strchr(dot + 1, '.') != NULL || dot[1] == '\0')
        return false;
    char type[32];
    if ((size_t)(dot - s) >= sizeof type)
        return false;
    memcpy(type, s, (size_t)(dot - s));
    type[dot - s] = '\0';
    if (!enum_has(subject_types, type))
        return false;
    if (strcmp(dot + 1, "*") == 0)
        return true;
    for (const char *p = dot + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return false;
    return true;
}

/* Reads the body's fields into in (strings in buf). */
static void read_fields(struct api_call *c, struct verr *v, bool create, struct webhook_in *in, char *buf, size_t cap)
{
    memset(in, 0, sizeof *in);
    in->url = v_string(v, c->j_body, "url", create, 1, 2000);
    in->description = v_string(v, c->j_body, "description", false, 0, 500);
    int active = v_flag(v, c->j_body, "active");
    if (active >= 0)
        in->active = active ? "true" : "false";
    json_t *j_types = v_array(v, c->j_body, "event_types", create, 1, 50);
    if (j_types) {
        size_t off = 0, i;
        json_t *j_t;
        off += (size_t)snprintf(buf + off, cap - off, "{");
        json_array_foreach(j_types, i, j_t) {
            const char *t = json_string_value(j_t);
            bool repeated = false;
            for (size_t k = 0; t && k < i; k++)
                repeated |= strcmp(json_string_value(json_array_get(j_types, k)), t) == 0;
            if (t == NULL || strlen(t) > 60 || !event_type_valid(t) || repeated) {
                verr_add(v, "event_types", "must list distinct event types: \"*\", \"<resource>.*\" or "
                         "\"<resource>.<event>\" of ticket, work_order, complaint, callback, announcement, "
                         "survey, notification");
                break;
            }
            off += (size_t)snprintf(buf + off, cap - off, "%s\"%s\"", i ? "," : "", t);
        }
        snprintf(buf + off, cap - off, "}");
        in->event_types = buf;
    }
    char why[200];
    if (in->url && netguard_check_url(&g_config.webhook_guard, in->url, why, sizeof why) != PD_OK)
        verr_add(v, "url", "%s", why);
}

static const char *const fields[] = { "url", "description", "event_types", "active", NULL };

void webhooks_index(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS];
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &webhook_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    const char *base[] = { c->who.org };
    char *page = NULL;
    enum pd_err err = list_run(c->db, &webhook_list_spec, base, values, &pg, rows_item_actions, WEBHOOK_ACTIONS, &page);
    api_list_result(c, err, page);
}

void webhooks_create(struct api_call *c)
{
    struct verr v;
    struct webhook_in in;
    char types[4096];
    if (!api_org_wide(c, WHAT))  /* first: the URL is looked up only for who may store it */
        return;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    read_fields(c, &v, true, &in, types, sizeof types);
    if (!api_valid(c, &v) || !api_create_begin(c))
        return;
    char secret[WHSIGN_SECRET_LEN];
    json_t *j = NULL;
    enum pd_err err = whsign_secret_new(secret, sizeof secret);
    if (err == PD_OK)
        err = webhook_create(c->db, c->who.org, c->who.sub, &in, secret, &j);
    if (err == PD_OK)
        json_object_set_new(j, "secret", json_string(secret));  /* shown once */
    api_header_set(c, "Cache-Control", "no-store");
    api_create_finish(c, err, j, err == PD_OK ? webhook_actions() : NULL, "/v1/webhooks", NULL);
}

void webhooks_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    json_t *j = NULL;
    if (id == NULL || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    enum pd_err err = webhook_get(c->db, c->who.org, id, &j);
    api_result(c, err, j, err == PD_OK ? webhook_actions() : NULL);
}

void webhooks_update(struct api_call *c)
{
    struct verr v;
    struct webhook_in in;
    long long version;
    char types[4096], ver[24];
    if (!api_org_wide(c, WHAT))  /* first: the URL is looked up only for who may store it */
        return;
    const char *id = api_change_begin(c, &v, fields, true, &version);
    if (id == NULL)
        return;
    read_fields(c, &v, false, &in, types, sizeof types);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    json_t *j = NULL;
    enum pd_err err = webhook_update(c->db, c->who.org, id, rows_version_param(version, ver), &in, &j);
    api_change_result(c, err, j, err == PD_OK ? webhook_actions() : NULL, NULL);
}

void webhooks_delete(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    enum pd_err err = webhook_delete(c->db, c->who.org, id);
    if (err == PD_OK)
        api_no_content(c);
    else
        api_error(c, err, NULL);
}

void webhooks_rotate_secret(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    char secret[WHSIGN_SECRET_LEN];
    json_t *j = NULL;
    enum pd_err err = whsign_secret_new(secret, sizeof secret);
    if (err == PD_OK)
        err = webhook_rotate(c->db, c->who.org, id, secret, &j);
    if (err == PD_OK)
        json_object_set_new(j, "secret", json_string(secret));  /* shown once */
    api_header_set(c, "Cache-Control", "no-store");
    api_change_result(c, err, j, err == PD_OK ? webhook_actions() : NULL, NULL);
}

void webhooks_test(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    json_t *j = NULL;
    enum pd_err err = webhook_test(c->db, c->who.org, id, c->who.sub, role_name(c->who.role), &j);
    if (err != PD_OK) {
        api_change_result(c, err, NULL, NULL, NULL);
        return;
    }
    api_object(c, 202, j, delivery_actions());
}

void webhooks_deliveries(struct api_call *c)
{
    struct verr v;
    struct page pg;
    const char *values[LIST_MAX_FILTERS];
    const char *id = api_path_id(c);
    if (id == NULL)
        return;
    verr_init(&v);
    api_page(c, &v, &pg);
    api_list_filters(c, &webhook_delivery_list_spec, &v, values);
    if (!api_valid(c, &v) || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    json_t *j = NULL;
    enum pd_err err = webhook_get(c->db, c->who.org, id, &j);  /* 404 for another org's */
    json_decref(j);
    const char *base[] = { c->who.org, id };
    char *page = NULL;
    if (err == PD_OK)
        err = list_run(c->db, &webhook_delivery_list_spec, base, values, &pg, rows_item_actions, "[\"replay\"]", &page);
    api_list_result(c, err, page);
}

void webhook_deliveries_show(struct api_call *c)
{
    const char *id = api_path_id(c);
    json_t *j = NULL;
    if (id == NULL || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    enum pd_err err = webhook_delivery_get(c->db, c->who.org, id, &j);
    api_result(c, err, j, err == PD_OK ? delivery_actions() : NULL);
}

void webhook_deliveries_replay(struct api_call *c)
{
    const char *id = api_path_id(c);
    if (id == NULL || !api_org_wide(c, WHAT) || !api_db(c))
        return;
    json_t *j = NULL;
    enum pd_err err = webhook_replay(c->db, c->who.org, id, &j);
    if (err != PD_OK) {
        api_change_result(c, err, NULL, NULL,
                          err == PD_ERR_CONFLICT ? "The message is pending: it is sent (or retried) already." : NULL);
        return;
    }
    api_object(c, 202, j, delivery_actions());
}
