/* Replies every handler builds from: JSON and problem+json, objects with ETag and
 * allowed_actions, validation results, transactions for changes, idempotent creates,
 * pagination and scope parameters. The server and middleware are in api/http.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../src/crypto.h"
#include "../src/cursor.h"
#include "../src/idempotency.h"
#include "../src/jtext.h"
#include "http.h"
#include "zh.h"

static void send_json(struct api_call *c, int status, const char *content_type, json_t *j);

const char *api_path_id(struct api_call *c)
{
    const char *id = c->params[0];
    if (id != NULL && uuid_valid(id))
        return id;
    api_field_error(c, "id", "must be a UUID");
    return NULL;
}

json_t *api_admin_actions(const struct api_call *c, const char *action)
{
    json_t *j = json_array();
    if (c->who.role == ROLE_ADMIN)
        json_array_append_new(j, json_string(action));
    return j;
}

void api_result(struct api_call *c, enum pd_err err, json_t *j, json_t *j_actions)
{
    if (err != PD_OK) {
        json_decref(j_actions);
        api_error(c, err, NULL);
        return;
    }
    api_object(c, 200, j, j_actions);
}

bool api_org_wide(struct api_call *c, const char *what)
{
    char detail[96];
    if (c->who.org_wide)
        return true;
    snprintf(detail, sizeof detail, "Only an org-wide admin may %s.", what);
    api_error(c, PD_ERR_FORBIDDEN, detail);
    return false;
}

const char *api_admin_literal(const struct api_call *c, const char *action, char buf[64])
{
    if (c->who.role != ROLE_ADMIN)
        return "[]";
    snprintf(buf, 64, "[\"%s\"]", action);
    return buf;
}

void api_list_result(struct api_call *c, enum pd_err err, char *page)
{
    if (err != PD_OK)
        api_error(c, err, NULL);
    else
        api_text(c, 200, "application/json", page, strlen(page));
    free(page);
}

void api_list_json(struct api_call *c, enum pd_err err, json_t *j)
{
    if (err != PD_OK) {
        json_decref(j);
        api_error(c, err, NULL);
        return;
    }
    api_json(c, 200, j);
}

/* A failed change: rolled back, its result dropped, the error replied. False when err is PD_OK. */
static bool change_failed(struct api_call *c, enum pd_err err, json_t *j, json_t *j_actions, const char *detail)
{
    if (err == PD_OK)
        return false;
    db_rollback(c->db);
    json_decref(j);
    json_decref(j_actions);
    api_error(c, err, detail);
    return true;
}

void api_change_result(struct api_call *c, enum pd_err err, json_t *j, json_t *j_actions, const char *detail)
{
    if (!change_failed(c, err, j, j_actions, detail))
        api_object(c, 200, j, j_actions);
}

void api_record_result(struct api_call *c, enum pd_err err, json_t *j, const char *detail)
{
    if (!change_failed(c, err, j, NULL, detail))
        api_json(c, 200, j);
}

void api_state_conflict(struct api_call *c, const char *noun, const char *state, json_t *j_allowed)
{
    char detail[160];
    snprintf(detail, sizeof detail, "The %s is %s; that action is not allowed now.", noun, state);
    json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:[{s:s, s:s}]}", "type", "about:blank",
                          "title", "Conflict", "status", 409, "detail", detail, "instance", c->request_id,
                          "state", state, "allowed_actions", j_allowed, "errors", "field", "status",
                          "message", detail);
    if (c->db != NULL)
        db_rollback(c->db);
    api_problem_finish(c, j, "state_conflict");
    if (api_prefers_zh(c)) {  /* the state and the actions are codes: /v1/meta/enums labels them */
        char zh[200];
        snprintf(zh, sizeof zh, "当前状态（%s）不允许此操作。", state);
        json_object_set_new(j, "detail", json_string(zh));
        json_object_set_new(json_array_get(json_object_get(j, "errors"), 0), "message", json_string(zh));
    }
    send_json(c, 409, "application/problem+json", j);
    json_decref(j);
}

/* ---- replies ------------------------------------------------------------------------ */

void api_header_set(struct api_call *c, const char *name, const char *value)
{
    for (int i = 0; i < c->n_headers; i++) {
        if (strcasecmp(c->headers[i].name, name) == 0) {
            char *copy = strdup(value);
            if (copy != NULL) {
                free(c->headers[i].value);
                c->headers[i].value = copy;
            }
            return;
        }
    }
    if (c->n_headers == API_MAX_HEADERS)
        return;
    c->headers[c->n_headers].name = name;
    c->headers[c->n_headers].value = strdup(value);
    if (c->headers[c->n_headers].value != NULL)
        c->n_headers++;
}

void api_stream(struct api_call *c, int status, const char *content_type, const struct api_stream *s)
{
    api_reply_reset(c);
    c->stream = *s;
    c->status = status;
    snprintf(c->res_type, sizeof c->res_type, "%s", content_type);
    c->replied = true;
}

/* The body parts of an earlier reply: a stream it replaces is ended, a precompressed body was
 * another reply's. */
static void body_drop(struct api_call *c)
{
    if (c->stream.end != NULL)
        c->stream.end(c->stream.ctx);
    c->stream = (struct api_stream){ 0 };
    c->res_gzip = NULL;
    c->res_gzip_len = 0;
}

void api_text(struct api_call *c, int status, const char *content_type, const char *body, size_t len)
{
    body_drop(c);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        c->res_len = 0;  /* an empty 500 beats a crash */
        status = 500;
    } else {
        memcpy(copy, body, len);
        c->res_len = len;
    }
    free(c->res_body);
    c->res_body = copy;
    snprintf(c->res_type, sizeof c->res_type, "%s", content_type != NULL ? content_type : "");
    c->status = status;
    c->replied = true;
}

void api_precompressed(struct api_call *c, const void *gz, size_t len)
{
    c->res_gzip = gz;
    c->res_gzip_len = len;
}

void api_reply_reset(struct api_call *c)
{
    body_drop(c);
    for (int i = 0; i < c->n_headers; i++)
        free(c->headers[i].value);
    c->n_headers = 0;
    free(c->res_body);
    c->res_body = NULL;
    c->res_len = 0;
    c->res_type[0] = '\0';
    c->replied = false;
    c->status = 0;
}

static void send_json(struct api_call *c, int status, const char *content_type, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text == NULL) {
        static const char fallback[] = "{\"type\":\"urn:propdesk:problem:internal\",\"code\":\"internal\","
                                       "\"title\":\"Internal Server Error\",\"status\":500,"
                                       "\"detail\":\"The response could not be encoded.\",\"instance\":\"\"}";
        api_text(c, 500, "application/problem+json", fallback, sizeof fallback - 1);
        return;
    }
    api_text(c, status, content_type, text, strlen(text));
    free(text);
}

void api_json(struct api_call *c, int status, json_t *j)
{
    send_json(c, status, "application/json", j);
    json_decref(j);
}

void api_no_content(struct api_call *c)
{
    api_text(c, 204, NULL, "", 0);
}

void api_problem_code(struct api_call *c, const char *code) { c->problem_code = code; }

/* The kind of problem a status is, when nothing more precise was named. */
static const char *status_code(int status)
{
    switch (status) {
    case 400: return "validation";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 412: return "stale";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 422: return "idempotency_mismatch";
    case 429: return "throttled";
    case 503: return "unavailable";
    default: return "internal";
    }
}

bool api_prefers_zh(const struct api_call *c)
{
    const char *h = api_header(c, "Accept-Language");
    double best = 0;  /* (q=0: not acceptable) */
    bool zh = false;
    for (const char *p = h; p && *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ",");
        const char *q = memchr(p, ';', n);
        double weight = 1;
        if (q != NULL && (q = strstr(q, "q=")) != NULL && q < p + n)
            weight = strtod(q + 2, NULL);
        bool is_zh = n >= 2 && strncasecmp(p, "zh", 2) == 0 && (n == 2 || p[2] == '-' || p[2] == ';');
        if (weight > best) {  /* of equal weights, the first listed */
            best = weight;
            zh = is_zh;
        }
        p += n;
    }
    return zh;
}

bool api_set_language(struct api_call *c)
{
    bool zh = api_prefers_zh(c);
    api_header_set(c, "Content-Language", zh ? "zh-CN" : "en");
    return zh;
}

/* key of j in Chinese, when the catalogue has it. */
static void set_zh(json_t *j, const char *key)
{
    char *zh = zh_of(json_string_value(json_object_get(j, key)));
    if (zh != NULL)
        json_object_set_new(j, key, json_string(zh));
    free(zh);
}

void api_problem_finish(struct api_call *c, json_t *j, const char *code)
{
    int status = (int)json_integer_value(json_object_get(j, "status"));
    if (code == NULL)
        code = c->problem_code != NULL ? c->problem_code : status_code(status);
    char type[96];
    snprintf(type, sizeof type, "urn:propdesk:problem:%s", code);
    json_object_set_new(j, "type", json_string(type));
    json_object_set_new(j, "code", json_string(code));
    if (api_set_language(c)) {  /* title, detail and each field's message (api/zh.c) */
        set_zh(j, "title");
        set_zh(j, "detail");
        size_t i;
        json_t *j_error;
        json_array_foreach(json_object_get(j, "errors"), i, j_error)
            set_zh(j_error, "message");
    }
    c->problem_code = NULL;
}

void api_problem(struct api_call *c, int status, const char *title, const char *detail,
                 json_t *j_errors)
{
    json_t *j = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title,
                          "status", status, "instance", c->request_id);
    json_object_set_new(j, "detail", json_string(detail != NULL ? detail : title));
    if (j_errors != NULL)
        json_object_set(j, "errors", j_errors);
    api_problem_finish(c, j, NULL);
    send_json(c, status, "application/problem+json", j);
    json_decref(j);
}

/* How each error reads on the wire; detail is the default when the caller gives none. */
static const struct {
    int status;
    const char *title, *detail;
} problems[] = {
    [PD_ERR_INVALID] = { 400, "Bad Request", "The request is invalid." },
    [PD_ERR_UNAUTHORIZED] = { 401, "Unauthorized", "Authentication is required." },
    [PD_ERR_FORBIDDEN] = { 403, "Forbidden", "Your role may not do this." },
    [PD_ERR_NOT_FOUND] = { 404, "Not Found", "No such object." },
    [PD_ERR_CONFLICT] = { 409, "Conflict", "The request conflicts with the current state." },
    [PD_ERR_STALE] = { 412, "Precondition Failed", "The object has changed; fetch it again." },
    [PD_ERR_IDEMPOTENCY] = { 422, "Unprocessable Content", "This Idempotency-Key was used with another request." },
    [PD_ERR_THROTTLED] = { 429, "Too Many Requests", "Too many attempts; retry later." },
    [PD_ERR_RETRY] = { 503, "Service Unavailable", "The database is unavailable; retry shortly." },
    [PD_ERR_UNAVAILABLE] = { 503, "Service Unavailable", "The database is unavailable; retry shortly." },
    [PD_ERR_DB] = { 500, "Internal Server Error", "An unexpected error occurred." },
    [PD_ERR_NOMEM] = { 500, "Internal Server Error", "An unexpected error occurred." },
};

void api_error(struct api_call *c, enum pd_err err, const char *detail)
{
    if (err <= PD_OK || err > PD_ERR_NOMEM)
        err = PD_ERR_DB;
    if (err == PD_ERR_UNAUTHORIZED)
        api_header_set(c, "WWW-Authenticate", "Bearer");
    if (problems[err].status == 503)
        api_header_set(c, "Retry-After", "1");
    if (problems[err].status >= 500)
        detail = NULL;  /* internals never reach the client */
    api_problem(c, problems[err].status, problems[err].title, detail ? detail : problems[err].detail, NULL);
}

void api_fail(struct api_call *c, const struct pd_error *e)
{
    if (e->code == PD_ERR_INVALID && e->field != NULL) {
        api_field_error(c, e->field, e->detail != NULL ? e->detail : "is invalid");
        return;
    }
    if (c->db != NULL)
        db_rollback(c->db);
    api_error(c, e->code, e->detail);
}

bool api_valid(struct api_call *c, struct verr *v)
{
    if (!c->replied && verr_any(v)) {
        api_invalid(c, v);
        return false;
    }
    verr_free(v);
    return !c->replied;
}

void api_field_error(struct api_call *c, const char *field, const char *message)
{
    struct verr v;
    if (c->db != NULL)
        db_rollback(c->db);
    verr_init(&v);
    verr_add(&v, field, "%s", message);
    api_invalid(c, &v);
}

enum pd_err api_field_failure(struct api_call *c, enum pd_err err, const struct pd_error *e)
{
    if (err == PD_ERR_INVALID)
        api_fail(c, e);
    return err;
}

void api_invalid(struct api_call *c, struct verr *v)
{
    api_problem(c, 400, "Bad Request", "One or more fields are invalid.", v->j_errors);
    verr_free(v);
}

void api_object(struct api_call *c, int status, json_t *j, json_t *j_actions)
{
    json_object_set_new(j, "allowed_actions", j_actions != NULL ? j_actions : json_array());
    json_t *j_version = json_object_get(j, "version");
    if (json_is_integer(j_version)) {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(j_version));
        api_header_set(c, "ETag", etag);
    }
    api_json(c, status, j);
}

void api_object_text(struct api_call *c, int status, const char *json, long long version,
                     const char *actions)
{
    struct jtext b = { 0 };
    char etag[32];
    jtext_put(&b, "{");
    jtext_members(&b, json);
    jtext_key(&b, "allowed_actions");
    jtext_put(&b, actions);
    jtext_put(&b, "}");
    char *body = jtext_take(&b);
    if (body == NULL) {
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    snprintf(etag, sizeof etag, "\"%lld\"", version);
    api_header_set(c, "ETag", etag);
    api_text(c, status, "application/json", body, strlen(body));
    free(body);
}

bool api_if_match(struct api_call *c, long long *version, bool *present)
{
    const char *h = api_header(c, "If-Match");
    *present = false;
    if (h == NULL || strcmp(h, "*") == 0)
        return true;
    const char *p = h;
    if (strncmp(p, "W/", 2) == 0)
        p += 2;
    size_t n = strlen(p);
    char digits[24];
    /* "N", or "N-<fingerprint>" as replies send it (http.c): the version is what counts */
    size_t k = n >= 3 && p[0] == '"' && p[n - 1] == '"' ? strspn(p + 1, "0123456789") : 0;
    bool tail = k > 0 && (p[1 + k] == '"' || (p[1 + k] == '-' && strspn(p + 2 + k, "0123456789abcdef") == n - 3 - k));
    if (tail && k < sizeof digits) {
        memcpy(digits, p + 1, k);
        digits[k] = '\0';
        if (int_parse(digits, 1, 2147483647, version)) {
            *present = true;
            return true;
        }
    }
    api_field_error(c, "If-Match", "must be an ETag such as \"3\"");
    return false;
}

const char *api_change_begin(struct api_call *c, struct verr *v, const char *const fields[],
                             bool need_fields, long long *version)
{
    bool conditional;
    *version = 0;
    const char *id = api_path_id(c);
    if (id == NULL || !api_if_match(c, version, &conditional))
        return NULL;
    verr_init(v);
    if (fields != NULL)
        v_reject_unknown(v, c->j_body, fields);
    if (need_fields && json_object_size(c->j_body) == 0)
        verr_add(v, "(body)", "name at least one field to change");
    return id;
}

void api_body_fields(struct api_call *c, struct verr *v, const char *const allowed[])
{
    v_reject_unknown(v, c->j_body, allowed);
}

void api_page(struct api_call *c, struct verr *v, struct page *pg)
{
    const char *limit = api_query(c, "limit");
    const char *cursor = api_query(c, "cursor");
    long long n = 20;
    if (limit != NULL && !int_parse(limit, 1, 100, &n))
        verr_add(v, "limit", "must be an integer from 1 to 100");
    pg->limit = (int)n;
    pg->after_us[0] = pg->after_id[0] = '\0';
    if (cursor != NULL && !cursor_decode(cursor, pg->after_us, pg->after_id))
        verr_add(v, "cursor", "is not a cursor this server issued");
}

void api_list_filters(struct api_call *c, const struct list_spec *s, struct verr *v, const char *values[])
{
    const char *raw[LIST_MAX_FILTERS];
    for (int i = 0; i < s->n_filters && i < LIST_MAX_FILTERS; i++)
        raw[i] = api_query(c, s->filters[i].param);
    list_check(s, raw, v, values);
}

void api_scope_params(const struct api_call *c, const char *out[4])
{
    out[0] = c->who.org;
    out[1] = c->scope.communities;
    out[2] = c->scope.units;
    out[3] = c->scope.self;
}

/* ---- idempotent creates ------------------------------------------------------------- */

/* SHA-256 of the route and the body: the canonical JSON, or for raw routes the bytes' digest. */
static void request_hash(struct api_call *c, unsigned char out[32])
{
    char *body = NULL;
    if (c->route->body == BODY_RAW) {
        body = malloc(65);
        if (body != NULL)
            sha256_hex(c->body, c->body_len, body);
    } else if (c->j_body != NULL) {
        body = json_dumps(c->j_body, JSON_COMPACT | JSON_SORT_KEYS);
    }
    size_t rl = strlen(c->route->pattern), bl = body ? strlen(body) : 0;
    char *buf = malloc(rl + bl + 2);
    if (buf != NULL) {
        memcpy(buf, c->route->pattern, rl);
        buf[rl] = '\n';
        if (body)
            memcpy(buf + rl + 1, body, bl);
        sha256(buf, rl + 1 + bl, out);
    } else {
        memset(out, 0, 32);
    }
    free(buf);
    free(body);
}

bool api_create_begin(struct api_call *c)
{
    if (!api_db(c))
        return false;
    const char *key = api_header(c, "Idempotency-Key");
    if (key != NULL && (strlen(key) < 1 || strlen(key) > 255 || !utf8_valid(key, strlen(key)))) {
        api_field_error(c, "Idempotency-Key", "must be 1 to 255 characters");
        return false;
    }
    if (key == NULL)
        return true;
    /* the key's scope is the caller and the target, method and full path: the same key and
     * body sent to another building's units is another request (422), never a replay */
    unsigned char hash[32];
    request_hash(c, hash);
    size_t tlen = strlen(c->route->method) + strlen(c->url_path) + 2;
    char *target = malloc(tlen);
    if (target == NULL) {
        db_rollback(c->db);
        api_error(c, PD_ERR_NOMEM, NULL);
        return false;
    }
    snprintf(target, tlen, "%s %s", c->route->method, c->url_path);
    struct idem_replay replay = { 0 };
    enum pd_err err = idempotency_claim(c->db, c->who.org, c->who.sub, key, target, hash, &replay);
    free(target);
    if (err == PD_OK && replay.found) {  /* nothing was written: the unit ends clean */
        if (replay.location[0])
            api_header_set(c, "Location", replay.location);
        api_header_set(c, "Idempotent-Replayed", "true");
        api_text(c, replay.status, "application/json", replay.body, strlen(replay.body));
        free(replay.body);
        return false;
    }
    if (err != PD_OK) {
        db_rollback(c->db);
        api_error(c, err, NULL);
        return false;
    }
    return true;
}

void api_create_finish(struct api_call *c, enum pd_err err, json_t *j_obj, json_t *j_actions,
                       const char *collection, const char *conflict_detail)
{
    char location[128] = "";
    const char *id = json_string_value(json_object_get(j_obj, "id"));
    if (err == PD_OK && collection != NULL && id != NULL)
        snprintf(location, sizeof location, "%s/%s", collection, id);
    if (err != PD_OK) {
        db_rollback(c->db);
        json_decref(j_obj);
        json_decref(j_actions);
        api_error(c, err, err == PD_ERR_CONFLICT ? conflict_detail : NULL);
        return;
    }
    if (j_actions != NULL)
        json_object_set_new(j_obj, "allowed_actions", j_actions);
    char *body = json_dumps(j_obj, JSON_COMPACT);
    const char *key = api_header(c, "Idempotency-Key");
    if (body == NULL) {
        err = PD_ERR_NOMEM;
    } else if (key != NULL) {
        err = idempotency_store(c->db, c->who.org, c->who.sub, key, 201, body, location[0] ? location : NULL);
    }
    if (err != PD_OK) {
        db_rollback(c->db);
        api_error(c, err, NULL);
    } else {
        if (location[0])
            api_header_set(c, "Location", location);
        json_t *j_version = json_object_get(j_obj, "version");
        if (json_is_integer(j_version)) {
            char etag[32];
            snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(j_version));
            api_header_set(c, "ETag", etag);
        }
        api_text(c, 201, "application/json", body, strlen(body));
    }
    free(body);
    json_decref(j_obj);
}
