/* The live stream over HTTP: GET /v1/stream (Server-Sent Events from the hub, src/stream.c)
 * and POST /v1/stream/tickets. What a stream carries is decided here, per event, by the
 * same rules as the GET of its subject: the route table's roles for that GET, then the
 * resource's own visibility (its *_stream_versions). A subject type not listed is never
 * streamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/config.h"
#include "../src/jwt.h"
#include "../src/log.h"
#include "../src/stream.h"
#include "../src/stream_tickets.h"
#include "routes.h"

typedef enum pd_err (*versions_fn)(struct api_call *c, const char *ids, json_t **out);

/* Each subject type, the GET whose rules it follows, and that resource's check. */
static const struct {
    const char *type, *get;
    versions_fn versions;
} subjects[] = {
    { "ticket", "/v1/tickets/{id}", tickets_stream_versions },
    { "work_order", "/v1/work-orders/{id}", work_orders_stream_versions },
    { "complaint", "/v1/complaints/{id}", complaints_stream_versions },
    { "callback", "/v1/callbacks/{id}", callbacks_stream_versions },
    { "announcement", "/v1/announcements/{id}", announcements_stream_versions },
    { "survey", "/v1/surveys/{id}", surveys_stream_versions },
    { "notification", "/v1/me/notifications", notifications_stream_versions },
};

static bool get_admits(const char *pattern, enum pd_role role)
{
    for (size_t i = 0; i < api_routes_len; i++)
        if (strcmp(api_routes[i].method, "GET") == 0 && strcmp(api_routes[i].pattern, pattern) == 0)
            return (api_routes[i].roles & ROLE_BIT(role)) != 0;
    return false;
}

/* stream_visible_fn: caller is a struct api_call made by api_call_for. */
static enum pd_err visible(void *caller, struct db_conn *db, const char *subject_type, const char *ids,
                           json_t **out)
{
    struct api_call *c = caller;
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
        if (strcmp(subjects[i].type, subject_type) != 0)
            continue;
        if (!get_admits(subjects[i].get, c->who.role))
            break;
        c->db = db;
        enum pd_err err = subjects[i].versions(c, ids, out);
        c->db = NULL;
        return err;
    }
    *out = json_object();
    return *out ? PD_OK : PD_ERR_NOMEM;
}

int api_stream_start(void)
{
    const struct stream_limits limits = {
        .heartbeat_ms = g_config.stream_heartbeat_ms, .max_seconds = g_config.stream_max_seconds,
        .max_per_user = g_config.stream_max_per_user, .max_total = g_config.stream_max_total,
        .catchup_hours = 24,
    };
    return stream_hub_start(g_config.database_url, &limits, visible, free);
}

void api_stream_stop(void) { stream_hub_stop(); }

static long next(void *ctx, char *buf, size_t max)
{
    long n = stream_next(ctx, buf, max);
    return n == STREAM_IDLE ? API_STREAM_IDLE : n;
}

static void end(void *ctx) { stream_end(ctx); }

/* Last-Event-ID (what EventSource sends on reconnecting) or ?since=: the last event the
 * client has; -1 for none, -2 when malformed. */
static long long last_event_id(struct api_call *c)
{
    const char *v = api_header(c, "Last-Event-ID");
    if (v == NULL || *v == '\0')
        v = api_query(c, "since");
    if (v == NULL || *v == '\0')
        return -1;
    char *endp;
    long long id = strtoll(v, &endp, 10);
    return *endp == '\0' && id >= 0 && strlen(v) <= 18 ? id : -2;
}

void stream_show(struct api_call *c)
{
    long long since = last_event_id(c);
    if (since == -2) {
        api_field_error(c, "since", "must be the id of an event (a non-negative integer)");
        return;
    }
    if (c->who.role == ROLE_INTEGRATION) {
        api_error(c, PD_ERR_FORBIDDEN, "Integration clients receive events by webhook.");
        return;
    }
    struct api_call *caller = malloc(sizeof *caller);
    if (caller == NULL) {
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    api_call_for(caller, &c->who);
    if (!api_db(c)) {
        free(caller);
        return;
    }
    void *handle = api_stream_handle(c);
    /* who sees the same: one user with one role and one scope (a token's claims) */
    char key[2 * API_SCOPE_BUF + 64];
    snprintf(key, sizeof key, "%s|%d|%s|%s", c->who.sub, (int)c->who.role,
             c->scope.communities ? c->scope.communities : "*", c->scope.units ? c->scope.units : "-");
    const struct stream_open_in in = {
        .org = c->who.org, .user = c->who.sub, .internal = c->who.role != ROLE_OWNER,
        .expires_at = c->who.expires_at, .last_event_id = since, .caller = caller, .key = key,
        .park = api_stream_park, .wake = api_stream_wake, .wake_arg = handle,
    };
    struct stream *s = NULL;
    enum pd_err err = stream_open(c->db, &in, &s);
    if (err == PD_ERR_THROTTLED) {
        api_header_set(c, "Retry-After", "30");
        api_problem(c, 429, "Too Many Requests", "Too many open streams; close one or retry later.", NULL);
        return;
    }
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_stream(c, 200, "text/event-stream; charset=utf-8", &(struct api_stream){ next, end, s });
    api_header_set(c, "Cache-Control", "no-store");
    api_header_set(c, "X-Accel-Buffering", "no");  /* proxies: pass events on as they come */
}

void stream_tickets_create(struct api_call *c)
{
    const char *h = api_header(c, "Authorization");
    json_t *j_claims = NULL;
    if (h == NULL || strlen(h) < 8 || jwt_claims_of(h + 7, &j_claims) != PD_OK) {
        api_error(c, PD_ERR_UNAUTHORIZED, "A bearer access token is required.");
        return;
    }
    char *ticket = NULL, expires_at[40];
    enum pd_err err = api_db(c) ? stream_ticket_issue(c->db, &c->who, j_claims, &ticket, expires_at) : PD_OK;
    json_decref(j_claims);
    if (c->replied)
        return;
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    api_header_set(c, "Cache-Control", "no-store");
    api_json(c, 201, json_pack("{s:s, s:s}", "ticket", ticket, "expires_at", expires_at));
    free(ticket);
}
