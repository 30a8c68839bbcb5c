/* The server: libmicrohttpd thread pool with epoll under ulfius, one catch-all endpoint that
 * routes through our own table, and the per-request middleware (request id, limits, content
 * type, JSON parsing, authentication, role check, access log, metrics). Replies are built
 * in api/reply.c. */
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
