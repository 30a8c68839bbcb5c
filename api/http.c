/* The server: libmicrohttpd thread pool with epoll under ulfius, one catch-all endpoint that
 * routes through our own table, and the per-request middleware (request id, limits, content
 * type, JSON parsing, authentication, role check, access log, metrics). */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "../src/config.h"
#include "../src/crypto.h"
#include "../src/cursor.h"
#include "../src/idempotency.h"
#include "../src/jwt.h"
#include "../src/log.h"
#include "../src/metrics.h"
#include "http.h"

static struct _u_instance instance;
static struct sockaddr_in bind_addr;
static const struct route *table;
static size_t table_len;
static atomic_int in_flight;  /* requests inside dispatch(), for a draining shutdown */

/* ---- request accessors ------------------------------------------------------------- */

const char *api_param(const struct api_call *c, int i) { return c->params[i]; }

const char *api_query(const struct api_call *c, const char *name)
{
    return u_map_get(c->req->map_url, name);
}

const char *api_header(const struct api_call *c, const char *name)
{
    return u_map_get_case(c->req->map_header, name);
}

const char *api_client_address(const struct api_call *c, char *buf, size_t len)
{
    const struct sockaddr *sa = c->req->client_address;
    snprintf(buf, len, "unknown");
    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
    return buf;
}

const void *api_raw_body(const struct api_call *c, size_t *len)
{
    *len = c->req->binary_body_length;
    return c->req->binary_body;
}

const char *api_path_id(struct api_call *c)
{
    const char *id = c->params[0];
    if (id != NULL && uuid_valid(id))
        return id;
    struct verr v;
    verr_init(&v);
    verr_add(&v, "id", "must be a UUID");
    api_invalid(c, &v);
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

void api_list_result(struct api_call *c, enum pd_err err, json_t *j, const char *admin_action)
{
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    json_t *j_item;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, j_item) {
        if (admin_action != NULL)
            json_object_set_new(j_item, "allowed_actions", api_admin_actions(c, admin_action));
    }
    api_json(c, 200, j);
}

static void send_json(struct api_call *c, int status, const char *content_type, json_t *j);

bool api_begin(struct api_call *c)
{
    if (!api_db(c))
        return false;
    enum pd_err err = db_begin(c->db);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return false;
    }
    return true;
}

void api_commit(struct api_call *c, enum pd_err err, json_t *j, json_t *j_actions, const char *detail)
{
    if (err == PD_OK)
        err = db_commit(c->db);
    if (err != PD_OK) {
        db_rollback(c->db);
        json_decref(j);
        json_decref(j_actions);
        api_error(c, err, detail);
        return;
    }
    api_object(c, 200, j, j_actions);
}

void api_state_conflict(struct api_call *c, const char *state, json_t *j_allowed)
{
    char detail[160];
    snprintf(detail, sizeof detail, "The object is %s; that action is not allowed now.", state);
    json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o}", "type", "about:blank", "title", "Conflict",
                          "status", 409, "detail", detail, "instance", c->request_id, "state", state,
                          "allowed_actions", j_allowed);
    if (c->db != NULL)
        db_rollback(c->db);
    send_json(c, 409, "application/problem+json", j);
    json_decref(j);
}

bool api_db(struct api_call *c)
{
    if (c->db != NULL)
        return true;
    enum pd_err err = db_acquire(&c->db);
    if (err != PD_OK) {
        c->db = NULL;
        api_error(c, err, NULL);
        return false;
    }
    return true;
}

/* ---- replies ------------------------------------------------------------------------ */

void api_header_set(struct api_call *c, const char *name, const char *value)
{
    u_map_put(c->res->map_header, name, value);
}

void api_text(struct api_call *c, int status, const char *content_type, const char *body, size_t len)
{
    ulfius_set_binary_body_response(c->res, (unsigned int)status, body, len);
    u_map_put(c->res->map_header, "Content-Type", content_type);
    c->status = status;
    c->replied = true;
}

static void send_json(struct api_call *c, int status, const char *content_type, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    if (text == NULL) {
        static const char fallback[] = "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\","
                                       "\"status\":500,\"detail\":\"The response could not be encoded.\",\"instance\":\"\"}";
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
    ulfius_set_empty_body_response(c->res, 204);
    c->status = 204;
    c->replied = true;
}

void api_problem(struct api_call *c, int status, const char *title, const char *detail,
                 json_t *j_errors)
{
    json_t *j = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title,
                          "status", status, "instance", c->request_id);
    json_object_set_new(j, "detail", json_string(detail != NULL ? detail : title));
    if (j_errors != NULL)
        json_object_set(j, "errors", j_errors);
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

bool api_valid(struct api_call *c, struct verr *v)
{
    if (!c->replied && verr_any(v)) {
        api_invalid(c, v);
        return false;
    }
    verr_free(v);
    return !c->replied;
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
    size_t n = strlen(json), a = strlen(actions);
    char etag[32], *body = malloc(n + a + 24);
    if (body == NULL || n < 2 || json[n - 1] != '}') {
        free(body);
        api_error(c, PD_ERR_DB, NULL);
        return;
    }
    memcpy(body, json, n - 1);
    int len = (int)(n - 1);
    len += sprintf(body + len, ",\"allowed_actions\":%s}", actions);
    snprintf(etag, sizeof etag, "\"%lld\"", version);
    api_header_set(c, "ETag", etag);
    api_text(c, status, "application/json", body, (size_t)len);
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
    if (n >= 3 && n - 2 < sizeof digits && p[0] == '"' && p[n - 1] == '"') {
        memcpy(digits, p + 1, n - 2);
        digits[n - 2] = '\0';
        if (int_parse(digits, 1, 2147483647, version)) {
            *present = true;
            return true;
        }
    }
    struct verr v;
    verr_init(&v);
    verr_add(&v, "If-Match", "must be an ETag such as \"3\"");
    api_invalid(c, &v);
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

static const char *id_literal(int n, const char ids[][PD_UUID_LEN + 1], char *buf, size_t len)
{
    size_t off = 0;
    buf[off++] = '{';
    for (int i = 0; i < n && off + 40 < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", ids[i]);
    snprintf(buf + off, len - off, "}");
    return buf;
}

const char *api_scope_communities(const struct api_call *c, char *buf, size_t len)
{
    if (c->who.org_wide)
        return NULL;
    return id_literal(c->who.n_communities, c->who.communities, buf, len);
}

const char *api_scope_units(const struct api_call *c, char *buf, size_t len)
{
    return id_literal(c->who.n_units, c->who.units, buf, len);
}

/* ---- idempotent creates ------------------------------------------------------------- */

/* SHA-256 of the route and the body: the canonical JSON, or for raw routes the bytes' digest. */
static void request_hash(struct api_call *c, unsigned char out[32])
{
    char *body = NULL;
    if (c->route->body == BODY_RAW) {
        body = malloc(65);
        if (body != NULL)
            sha256_hex(c->req->binary_body, c->req->binary_body_length, body);
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
        struct verr v;
        verr_init(&v);
        verr_add(&v, "Idempotency-Key", "must be 1 to 255 characters");
        api_invalid(c, &v);
        return false;
    }
    enum pd_err err = db_begin(c->db);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return false;
    }
    if (key == NULL)
        return true;
    unsigned char hash[32];
    request_hash(c, hash);
    struct idem_replay replay = { 0 };
    err = idempotency_claim(c->db, c->who.org, c->who.sub, key, c->route->pattern, hash, &replay);
    if (err == PD_OK && replay.found) {
        db_rollback(c->db);
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
    if (err == PD_OK)
        err = db_commit(c->db);
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

/* ---- routing and middleware --------------------------------------------------------- */

/* Matches path against pattern segment by segment, capturing {…} segments into params
 * (pointers into path, whose captured segments get NUL-terminated on success). */
static bool match(const char *pattern, char *path, const char *params[API_MAX_PARAMS])
{
    int np = 0;
    char *ends[API_MAX_PARAMS];
    const char *p = pattern;
    char *s = path;
    while (*p == '/' && *s == '/') {
        p++;
        s++;
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (pl > 0 && p[0] == '{') {
            if (sl == 0 || np == API_MAX_PARAMS)
                return false;
            params[np] = s;
            ends[np++] = s + sl;
        } else if (pl != sl || strncmp(p, s, pl) != 0) {
            return false;
        }
        p += pl;
        s += sl;
    }
    if (*p != '\0' || *s != '\0')
        return false;
    for (int i = 0; i < np; i++)
        *ends[i] = '\0';
    return true;
}

/* Segment-wise comparison without capturing, for 404/405 decisions. */
static bool same_shape(const char *pattern, const char *path)
{
    char buf[512];
    const char *params[API_MAX_PARAMS];
    if (strlen(path) >= sizeof buf)
        return false;
    strcpy(buf, path);
    return match(pattern, buf, params);
}

static void make_request_id(struct api_call *c)
{
    const char *h = api_header(c, "X-Request-Id");
    size_t n = h ? strlen(h) : 0;
    bool ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)h[i]) || strchr("-_.:", h[i]) != NULL;
    if (ok)
        memcpy(c->request_id, h, n + 1);
    else
        request_id_new(c->request_id);
}

static bool content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct != NULL && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Parses an application/x-www-form-urlencoded body into a JSON object of strings. */
static json_t *form_to_json(const char *body, size_t len)
{
    json_t *j = json_object();
    char *copy = strndup(body, len);
    char *save = NULL;
    for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (eq != NULL)
            *eq = '\0';
        char *k = ulfius_url_decode(pair), *v = ulfius_url_decode(eq ? eq + 1 : "");
        json_t *j_v = v ? json_string(v) : NULL;
        if (k != NULL && j_v != NULL && utf8_valid(k, strlen(k)))
            json_object_set_new(j, k, j_v);
        else
            json_decref(j_v);
        u_free(k);
        u_free(v);
    }
    free(copy);
    return j;
}

/* Reads the body per the route's kind. Replies and returns false on a problem. */
static bool read_body(struct api_call *c)
{
    const struct _u_request *req = c->req;
    size_t limit = c->route->body == BODY_RAW ? g_config.attachment_max_bytes : g_config.max_body_bytes;
    const char *cl = api_header(c, "Content-Length");
    long long declared;
    if ((cl != NULL && int_parse(cl, 0, (long long)1 << 62, &declared) && (size_t)declared > limit) ||
        req->binary_body_length > limit) {
        char detail[96];
        snprintf(detail, sizeof detail, "The body is larger than %zu bytes.", limit);
        api_problem(c, 413, "Content Too Large", detail, NULL);
        return false;
    }
    if (c->route->body == BODY_NONE)
        return true;
    if (c->route->body == BODY_RAW) {  /* bytes reach the handler as sent: no UTF-8 check */
        if (req->binary_body_length > 0)
            return true;
        api_problem(c, 400, "Bad Request", "The body is empty.", NULL);
        return false;
    }
    if (req->binary_body_length == 0) {
        if (c->route->body == BODY_JSON_OPT) {
            c->j_body = json_object();
            return true;
        }
        api_problem(c, 400, "Bad Request", "A JSON object body is required.", NULL);
        return false;
    }
    const char *ct = api_header(c, "Content-Type");
    const char *body = req->binary_body;
    size_t len = req->binary_body_length;
    if (c->route->body == BODY_TOKEN_FORM && content_type_is(ct, "application/x-www-form-urlencoded")) {
        if (!utf8_valid(body, len)) {
            api_problem(c, 400, "Bad Request", "The body is not valid UTF-8.", NULL);
            return false;
        }
        c->j_body = form_to_json(body, len);
        return true;
    }
    if (!content_type_is(ct, "application/json") && !content_type_is(ct, "application/merge-patch+json")) {
        api_problem(c, 415, "Unsupported Media Type", "Send the body as application/json.", NULL);
        return false;
    }
    if (!utf8_valid(body, len)) {
        api_problem(c, 400, "Bad Request", "The body is not valid UTF-8.", NULL);
        return false;
    }
    json_error_t jerr;
    c->j_body = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (c->j_body == NULL) {
        char detail[256];
        snprintf(detail, sizeof detail, "Malformed JSON at line %d, column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        api_problem(c, 400, "Bad Request", detail, NULL);
        return false;
    }
    if (!json_is_object(c->j_body)) {
        api_problem(c, 400, "Bad Request", "The body must be a JSON object.", NULL);
        return false;
    }
    return true;
}

static bool authenticate(struct api_call *c)
{
    const char *h = api_header(c, "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        api_error(c, PD_ERR_UNAUTHORIZED, "A bearer access token is required.");
        return false;
    }
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    if (jwt_verify(token, time(NULL), &c->who) != PD_OK) {
        api_header_set(c, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        api_problem(c, 401, "Unauthorized", "The access token is invalid or expired.", NULL);
        return false;
    }
    if (!(c->route->roles & ROLE_BIT(c->who.role))) {
        api_error(c, PD_ERR_FORBIDDEN, NULL);
        return false;
    }
    return true;
}

static const struct route *find_route(struct api_call *c, const char *method, int *index)
{
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    /* one private copy for the whole scan: match() only writes into it when it succeeds */
    char *copy = strdup(c->req->url_path);
    for (size_t i = 0; copy != NULL && i < table_len; i++) {
        const char *params[API_MAX_PARAMS] = { 0 };
        if (strcmp(table[i].method, method) == 0 && match(table[i].pattern, copy, params)) {
            c->path = copy;
            memcpy(c->params, params, sizeof params);
            *index = (int)i;
            return &table[i];
        }
    }
    free(copy);
    return NULL;
}

static void no_route(struct api_call *c)
{
    char allow[128] = "";
    size_t off = 0;
    for (size_t i = 0; i < table_len; i++)
        if (same_shape(table[i].pattern, c->req->url_path) && !strstr(allow, table[i].method))
            off += (size_t)snprintf(allow + off, sizeof allow - off, "%s%s", off ? ", " : "",
                                    table[i].method);
    if (off > 0) {
        api_header_set(c, "Allow", allow);
        api_problem(c, 405, "Method Not Allowed", "This resource does not support that method.", NULL);
    } else {
        api_problem(c, 404, "Not Found", "No such resource.", NULL);
    }
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int dispatch(const struct _u_request *req, struct _u_response *res, void *user_data)
{
    (void)user_data;
    atomic_fetch_add(&in_flight, 1);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct api_call c;
    /* everything but the principal's id arrays (their counts say what is valid) */
    memset(&c, 0, offsetof(struct api_call, who) + offsetof(struct principal, communities));
    c.who.n_units = 0;
    c.who.scopes = 0;
    c.req = req;
    c.res = res;
    make_request_id(&c);
    int index = -1;
    c.route = find_route(&c, req->http_verb, &index);

    if (c.route == NULL)
        no_route(&c);
    else if (read_body(&c) && (c.route->roles == 0 || authenticate(&c)))
        c.route->handler(&c);
    if (!c.replied)
        api_error(&c, PD_ERR_DB, NULL);

    if (c.db != NULL)
        db_release(c.db);
    double ms = elapsed_ms(&t0);
    metrics_observe(index, c.status, ms / 1000.0);
    u_map_put(res->map_header, "X-Request-Id", c.request_id);
    log_request(req->http_verb, c.route ? c.route->pattern : "(unmatched)", c.status, ms,
                c.request_id, c.route && c.route->roles ? c.who.sub : NULL);
    json_decref(c.j_body);
    free(c.path);
    atomic_fetch_sub(&in_flight, 1);
    return U_CALLBACK_COMPLETE;
}

int http_start(const struct route *routes, size_t n_routes)
{
    table = routes;
    table_len = n_routes;
    memset(&bind_addr, 0, sizeof bind_addr);
    bind_addr.sin_family = AF_INET;
    bind_addr.sin_port = htons((uint16_t)g_config.port);
    if (inet_pton(AF_INET, g_config.bind_address, &bind_addr.sin_addr) != 1) {
        log_msg(LOG_ERROR, NULL, "http_start - BIND_ADDRESS is not an IPv4 address: %s", g_config.bind_address);
        return -1;
    }
    if (ulfius_init_instance(&instance, (unsigned int)g_config.port, &bind_addr, NULL) != U_OK)
        return -1;
    /* keep one byte beyond the larger limit so an oversized chunked body is still detected;
     * read_body holds JSON routes to MAX_BODY_BYTES and raw uploads to ATTACHMENT_MAX_BYTES */
    size_t largest = g_config.max_body_bytes > g_config.attachment_max_bytes ? g_config.max_body_bytes
                                                                             : g_config.attachment_max_bytes;
    instance.max_post_body_size = largest + 1;
    instance.allowed_post_processor = U_POST_PROCESS_NONE;
    ulfius_set_default_endpoint(&instance, dispatch, NULL);

    struct MHD_OptionItem ops[] = {
        { MHD_OPTION_THREAD_POOL_SIZE, g_config.http_threads, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
        { MHD_OPTION_CONNECTION_LIMIT, 4096, NULL },
        { MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL },
        { MHD_OPTION_SOCK_ADDR, 0, (void *)&bind_addr },
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)mhd_request_completed, NULL },
        { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_USE_ITC;
    if (ulfius_start_framework_with_mhd_options(&instance, flags, ops) != U_OK) {
        log_msg(LOG_ERROR, NULL, "http_start - cannot listen on %s:%d", g_config.bind_address, g_config.port);
        ulfius_clean_instance(&instance);
        return -1;
    }
    return 0;
}

void http_stop(void)
{
    /* stop accepting, let requests in progress finish (10 s at most; idle for 100 ms means
     * the connections already accepted have been served too), then close */
    MHD_socket listener = MHD_quiesce_daemon(instance.mhd_daemon);
    for (int i = 0, idle = 0; i < 1000 && idle < 10; i++) {
        idle = atomic_load(&in_flight) > 0 ? 0 : idle + 1;
        usleep(10000);
    }
    ulfius_stop_framework(&instance);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    ulfius_clean_instance(&instance);
}
