/* The server: HTTP_THREADS event loops (libmicrohttpd in external epoll mode, each with its
 * pipelined read connection), our route table, and the per-request middleware (request id,
 * limits, authentication, role check, body parsing, the unit of work, access log, metrics).
 * Replies are built in api/reply.c.
 *
 * Everything that can be decided from the request head is decided before any body byte is
 * read: the route (404/405), the query (414), the declared size (413), the token (401/403)
 * and the content type (415). A body is then buffered only up to the route's limit (JSON
 * routes MAX_BODY_BYTES, uploads ATTACHMENT_MAX_BYTES) and within a process-wide budget. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "../src/config.h"
#include "../src/crypto.h"
#include "../src/db_pipe.h"
#include "../src/gzip.h"
#include "../src/jwt.h"
#include "../src/log.h"
#include "../src/metrics.h"
#include "../src/netguard.h"
#include "../src/ratelimit.h"
#include "../src/sessions.h"
#include "../src/stream_tickets.h"
#include "http.h"

#define MAX_PATH_BYTES 2048                  /* a longer path: 414 */
#define MAX_QUERY_BYTES 8192                 /* a longer query string: 414 */
#define BODY_DEADLINE_S 60                   /* a body still arriving after this: dropped */
#define BODY_BUDGET_BYTES (256ll << 20)      /* request bodies held at once, process-wide */
/* libmicrohttpd's per-connection pool (the head, then the reply's buffer): a 5,000-parameter
 * query still reaches our 414, and an open stream costs about this much (make bench-stream) */
#define CONNECTION_MEMORY (64 * 1024)
#define UNIT_ATTEMPTS 3                      /* runs of a unit of work aborted by 40001/40P01 */

/* One event loop per HTTP thread: a libmicrohttpd daemon of its own, the shared listening
 * socket, its pipelined read connection and a wake-up eventfd, in one epoll set. The loop
 * that accepts a connection hands it to the loop with the fewest (through that loop's inbox),
 * which serves its requests from then on. */
#define INBOX 64
struct handoff {
    int fd;
    struct sockaddr_storage addr;
    socklen_t len;
};
struct loop {
    struct MHD_Daemon *d;
    struct db_pipe *pipe;
    int ep;
    int wake;
    int pipe_fd;              /* the pipe's socket as registered in ep (-1: none) */
    unsigned pipe_gen;        /* … for this connection of the pipe */
    bool pipe_out;            /* … for writing too */
    bool again;               /* requests were resumed after this round's MHD_run: run again */
    atomic_bool listening;    /* the listening socket is in ep */
    atomic_bool quiesced;     /* saw quiescing with the listening socket out of ep: for good */
    long long accept_after_ms;  /* out of descriptors: accepting again after this */
    atomic_int open, handed;  /* its load: connections open on it, and handed to it */
    pthread_mutex_t inbox_lock;
    struct handoff inbox[INBOX];  /* connections handed to it by another loop */
    int n_inbox;
    pthread_t thread;
};
enum { EV_DAEMON, EV_PIPE, EV_WAKE, EV_LISTEN };
static struct loop *loops;
static int n_loops;
static int listener = -1;
static atomic_bool quiescing, stopping;
static _Thread_local struct loop *this_loop;
static struct sockaddr_in bind_addr;
static const struct route *table;
static size_t table_len;
static atomic_int in_flight;        /* requests begun and not yet completed, for draining */
static atomic_llong body_bytes;     /* bytes reserved by bodies being received */
static char query_too_long;         /* on_uri's mark: the request's query was refused */

/* One request, from its head to its completion (libmicrohttpd's per-request pointer). */
struct request {
    struct timespec t0;
    int route_index;
    size_t limit;        /* body bytes this route accepts */
    size_t reserved;     /* bytes counted in body_bytes for this request */
    size_t discarded;    /* bytes dropped after the limit (reply 413 at the end) */
    size_t capacity;     /* bytes allocated for c.body */
    long long declared;  /* Content-Length, or -1 when chunked */
    bool ignore_body;    /* BODY_NONE routes: bytes are dropped, not kept */
    bool refused;        /* answered from the head; the body is dropped, then the reply sent */
    bool too_large;
    bool over_budget;
    struct api_call c;   /* last: only its head is cleared per request */
};

/* ---- request accessors ------------------------------------------------------------- */

const char *api_param(const struct api_call *c, int i) { return c->params[i]; }

const char *api_query(const struct api_call *c, const char *name)
{
    for (int i = 0; i < c->n_args; i++)
        if (strcmp(c->args[i].name, name) == 0)
            return c->args[i].value;
    return NULL;
}

const char *api_header(const struct api_call *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

/* An address in text form as a sockaddr; false when it is none. */
static bool parse_address(const char *text, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

/* Every X-Forwarded-For line, joined in order with commas (a proxy may add a line of its own
 * after the client's rather than extend it). */
struct forwarded {
    char text[512];
    size_t len;
    bool too_long;
};

static enum MHD_Result join_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct forwarded *f = cls;
    (void)kind;
    if (key == NULL || value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    int n = snprintf(f->text + f->len, sizeof f->text - f->len, "%s%s", f->len ? "," : "", value);
    if (n < 0 || (size_t)n >= sizeof f->text - f->len) {
        f->too_long = true;
        return MHD_NO;
    }
    f->len += (size_t)n;
    return MHD_YES;
}

/* The client: the peer, or, when the peer is a trusted proxy (TRUSTED_PROXIES), the right-most
 * address of X-Forwarded-For that is not one (the left of it is the client's to write). A
 * header too long to read whole is not trusted: its right end is where the proxies wrote. */
const char *api_client_address(const struct api_call *c, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
    snprintf(buf, len, "unknown");
    if (sa != NULL && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
    else if (sa != NULL && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
    if (sa == NULL || !netguard_listed(&g_config.trusted_proxies, sa))
        return buf;
    struct forwarded f = { .len = 0 };
    MHD_get_connection_values(c->conn, MHD_HEADER_KIND, join_forwarded, &f);
    if (f.len == 0 || f.too_long)
        return buf;
    char *hops = f.text;
    for (char *end = hops + f.len; end > hops;) {
        char *start = end;
        while (start > hops && start[-1] != ',')
            start--;
        char *hop = start + strspn(start, " \t");
        size_t n = (size_t)(end - hop);
        while (n > 0 && (hop[n - 1] == ' ' || hop[n - 1] == '\t'))
            n--;
        hop[n] = '\0';
        struct sockaddr_storage addr;
        if (!parse_address(hop, &addr))
            break;  /* not an address: trust nothing further left */
        snprintf(buf, len, "%s", hop);
        if (!netguard_listed(&g_config.trusted_proxies, (const struct sockaddr *)&addr))
            break;  /* the first hop no trusted proxy wrote */
        end = start > hops ? start - 1 : hops;
    }
    return buf;
}

const void *api_raw_body(const struct api_call *c, size_t *len)
{
    *len = c->body_len;
    return c->body;
}

void api_forget_sessions(struct api_call *c, const char *sub)
{
    if (c->n_forget < 2)
        snprintf(c->forget[c->n_forget++], sizeof c->forget[0], "%s", sub);
}

bool api_db(struct api_call *c)
{
    if (c->db != NULL)
        return true;
    enum pd_err err = db_acquire(&c->db);
    if (err == PD_OK)
        db_tag(c->db, c->request_id);
    if (err == PD_OK && c->route->roles != 0 && !c->session_live)
        session_guard(c->db, &c->who);  /* rides with the first statement */
    if (err == PD_OK && c->unit_of_work && (err = db_unit_begin(c->db)) != PD_OK) {
        db_release(c->db);
        c->db = NULL;
    }
    if (err != PD_OK) {
        c->db = NULL;
        api_error(c, err, NULL);
        return false;
    }
    return true;
}

/* The pipe answered a queued read: the request goes on (on_request, on its loop). */
static void read_done(void *arg, PGresult *r, enum pd_err err)
{
    struct api_call *c = arg;
    c->read_result = r;
    c->read_err = err;
    MHD_resume_connection(c->conn);
    if (this_loop != NULL)  /* on the loop's thread (else http_stop, answering what is left) */
        this_loop->again = true;
}

void api_read(struct api_call *c, const struct db_read *rd, api_read_reply *reply, const void *arg, size_t arg_size)
{
    struct loop *l = this_loop;
    if (arg_size > sizeof c->read_arg) {
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    if (arg_size > 0)
        memcpy(c->read_arg.bytes, arg, arg_size);
    if (l != NULL && !c->read_direct && !c->unit_of_work && c->db == NULL &&
        (c->route->roles == 0 || c->session_live) && db_pipe_send(l->pipe, rd, read_done, c)) {
        c->read_reply = reply;
        MHD_suspend_connection(c->conn);
        return;
    }
    PGresult *r;
    if (!api_db(c))
        return;
    enum pd_err err = db_exec_read(c->db, rd, &r);
    if (err != PD_OK)
        api_error(c, err, NULL);
    else
        reply(c, r, c->read_arg.bytes);
}

struct page_reply {
    int limit;
    rows_item_fn item;
};

static void reply_page(struct api_call *c, PGresult *r, const void *arg)
{
    const struct page_reply *pr = arg;
    char *page = NULL;
    enum pd_err err = rows_page(r, pr->limit, pr->item, NULL, &page);
    api_list_result(c, err, page);
}

void api_read_page(struct api_call *c, const struct db_read *rd, int limit, rows_item_fn item)
{
    struct page_reply pr = { limit, item };
    api_read(c, rd, reply_page, &pr, sizeof pr);
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

static void plus_to_space(char *s)
{
    for (; *s; s++)
        if (*s == '+')
            *s = ' ';
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
        char *k = pair, *v = eq ? eq + 1 : pair + strlen(pair);
        plus_to_space(k);
        plus_to_space(v);
        k[MHD_http_unescape(k)] = '\0';
        v[MHD_http_unescape(v)] = '\0';
        json_t *j_v = json_string(v);
        if (j_v != NULL && utf8_valid(k, strlen(k)))
            json_object_set_new(j, k, j_v);
        else
            json_decref(j_v);
    }
    free(copy);
    return j;
}

/* Collects one query parameter (libmicrohttpd has decoded it); a repeated name gets its
 * values joined with commas. */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct api_call *c = cls;
    if (value == NULL)
        value = "";
    for (int i = 0; i < c->n_args; i++) {
        if (strcmp(c->args[i].name, key) == 0) {
            char *joined;
            if (asprintf(&joined, "%s,%s", c->args[i].value, value) < 0)
                return MHD_NO;
            free(c->args[i].value);
            c->args[i].value = joined;
            return MHD_YES;
        }
    }
    if (c->n_args == API_MAX_QUERY_ARGS)
        return MHD_NO;
    c->args[c->n_args].name = strdup(key);
    c->args[c->n_args].value = strdup(value);
    if (c->args[c->n_args].name == NULL || c->args[c->n_args].value == NULL) {
        free(c->args[c->n_args].name);
        free(c->args[c->n_args].value);
        return MHD_NO;
    }
    c->n_args++;
    return MHD_YES;
}

static bool read_query(struct api_call *c)
{
    if (strlen(c->url_path) > MAX_PATH_BYTES) {
        api_problem(c, 414, "URI Too Long", "The path is longer than 2048 bytes.", NULL);
        return false;
    }
    int n = MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (n > API_MAX_QUERY_ARGS) {
        api_problem(c, 414, "URI Too Long", "At most 64 query parameters are accepted.", NULL);
        return false;
    }
    MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, collect_arg, c);
    for (int i = 0; i < c->n_args; i++) {
        if (!utf8_valid(c->args[i].name, strlen(c->args[i].name)) ||
            !utf8_valid(c->args[i].value, strlen(c->args[i].value))) {
            api_field_error(c, utf8_valid(c->args[i].name, strlen(c->args[i].name)) ? c->args[i].name : "(query)",
                            "is not valid UTF-8");
            return false;
        }
    }
    return true;
}

/* The declared body size: Content-Length, -1 for a chunked body (or an unreadable length,
 * which is then refused), 0 for none. */
static long long head_length(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    long long n = 0;
    if (cl != NULL && !int_parse(cl, 0, (long long)1 << 62, &n))
        return -1;
    if (cl == NULL && MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") != NULL)
        return -1;
    return n;
}

/* The head of the body check: the declared size against the route's limit and the budget,
 * and the content type. Replies and returns false on a problem. */
static bool admit_body(struct request *rq)
{
    struct api_call *c = &rq->c;
    enum body_kind kind = c->route->body;
    rq->limit = kind == BODY_RAW ? g_config.attachment_max_bytes : g_config.max_body_bytes;
    rq->ignore_body = kind == BODY_NONE;
    long long declared = rq->declared;
    if (declared > 0 && (size_t)declared > rq->limit) {
        char detail[96];
        snprintf(detail, sizeof detail, "The body is larger than %zu bytes.", rq->limit);
        api_problem(c, 413, "Content Too Large", detail, NULL);
        return false;
    }
    if (declared > 0 && !rq->ignore_body) {
        if (atomic_fetch_add(&body_bytes, declared) + declared > BODY_BUDGET_BYTES) {
            atomic_fetch_sub(&body_bytes, declared);
            api_header_set(c, "Retry-After", "1");
            api_problem(c, 503, "Service Unavailable", "Too many bodies are being received; retry shortly.", NULL);
            return false;
        }
        rq->reserved = (size_t)declared;
    }
    if (declared == 0 || kind == BODY_NONE || kind == BODY_RAW)
        return true;
    const char *ct = api_header(c, "Content-Type");
    if ((kind == BODY_TOKEN_FORM && content_type_is(ct, "application/x-www-form-urlencoded")) ||
        content_type_is(ct, "application/json") || content_type_is(ct, "application/merge-patch+json"))
        return true;
    api_problem(c, 415, "Unsupported Media Type", "Send the body as application/json.", NULL);
    return false;
}

/* How much of a refused or oversized body is read and dropped before the connection is cut. */
static size_t drain_limit(const struct request *rq)
{
    return 2 * rq->limit;
}

/* Takes a piece of the body: kept up to the limit (and the budget), counted beyond it.
 * Returns false to drop the connection (a body that keeps coming long after its limit, or
 * that takes longer than BODY_DEADLINE_S). */
static bool take_body(struct request *rq, const char *data, size_t size)
{
    struct api_call *c = &rq->c;
    if (rq->refused || rq->ignore_body || rq->too_large || rq->over_budget) {
        rq->discarded += size;
    } else if (c->body_len + size > rq->limit) {
        rq->too_large = true;
        rq->discarded += size;
    } else {
        if (c->body_len + size > rq->reserved) {  /* chunked: reserve as it grows */
            size_t more = c->body_len + size - rq->reserved;
            if (atomic_fetch_add(&body_bytes, (long long)more) + (long long)more > BODY_BUDGET_BYTES) {
                atomic_fetch_sub(&body_bytes, (long long)more);
                rq->over_budget = true;
                rq->discarded += size;
                goto checks;
            }
            rq->reserved += more;
        }
        if (c->body_len + size + 1 > rq->capacity) {  /* once for a declared length */
            size_t want = c->body_len + size + 1 > rq->reserved + 1 ? 2 * (c->body_len + size) + 1
                                                                    : rq->reserved + 1;
            if (want > rq->limit + 1)
                want = rq->limit + 1;
            char *grown = realloc(c->body, want);
            if (grown == NULL)
                return false;
            c->body = grown;
            rq->capacity = want;
        }
        memcpy(c->body + c->body_len, data, size);
        c->body_len += size;
        c->body[c->body_len] = '\0';
    }
checks:
    if (rq->discarded > drain_limit(rq))
        return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec - rq->t0.tv_sec <= BODY_DEADLINE_S;
}

/* Parses the received body per the route's kind. Replies and returns false on a problem. */
static bool parse_body(struct request *rq)
{
    struct api_call *c = &rq->c;
    if (rq->too_large) {
        char detail[96];
        snprintf(detail, sizeof detail, "The body is larger than %zu bytes.", rq->limit);
        api_problem(c, 413, "Content Too Large", detail, NULL);
        return false;
    }
    if (rq->over_budget) {
        api_header_set(c, "Retry-After", "1");
        api_problem(c, 503, "Service Unavailable", "Too many bodies are being received; retry shortly.", NULL);
        return false;
    }
    enum body_kind kind = c->route->body;
    if (kind == BODY_NONE)
        return true;
    if (kind == BODY_RAW) {  /* bytes reach the handler as sent: no UTF-8 check */
        if (c->body_len > 0)
            return true;
        api_problem(c, 400, "Bad Request", "The body is empty.", NULL);
        return false;
    }
    if (c->body_len == 0) {
        if (kind == BODY_JSON_OPT) {
            c->j_body = json_object();
            return true;
        }
        api_problem(c, 400, "Bad Request", "A JSON object body is required.", NULL);
        return false;
    }
    const char *ct = api_header(c, "Content-Type");
    if (kind == BODY_TOKEN_FORM && content_type_is(ct, "application/x-www-form-urlencoded")) {
        if (!utf8_valid(c->body, c->body_len)) {
            api_problem(c, 400, "Bad Request", "The body is not valid UTF-8.", NULL);
            return false;
        }
        c->j_body = form_to_json(c->body, c->body_len);
        return true;
    }
    if (!content_type_is(ct, "application/json") && !content_type_is(ct, "application/merge-patch+json")) {
        api_problem(c, 415, "Unsupported Media Type", "Send the body as application/json.", NULL);
        return false;
    }
    if (!utf8_valid(c->body, c->body_len)) {
        api_problem(c, 400, "Bad Request", "The body is not valid UTF-8.", NULL);
        return false;
    }
    json_error_t jerr;
    c->j_body = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr);
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

/* ids as a PostgreSQL uuid[] literal in buf (API_SCOPE_BUF bytes hold PD_MAX_SCOPE_IDS). */
static const char *id_literal(int n, const char ids[][PD_UUID_LEN + 1], char *buf, size_t len)
{
    size_t off = 0;
    buf[off++] = '{';
    for (int i = 0; i < n && off + 40 < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", ids[i]);
    snprintf(buf + off, len - off, "}");
    return buf;
}

void *api_stream_handle(struct api_call *c) { return c->conn; }
/* Wakes a loop from another thread (libmicrohttpd in external mode has no signal of its own). */
static void loop_wake(struct loop *l)
{
    uint64_t one = 1;
    if (write(l->wake, &one, sizeof one) < 0 && errno != EAGAIN)
        log_msg(LOG_WARN, NULL, "loop_wake - %s", strerror(errno));
}

void api_stream_park(void *handle) { MHD_suspend_connection(handle); }

void api_stream_wake(void *handle)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(handle, MHD_CONNECTION_INFO_DAEMON);
    struct loop *l = NULL;
    for (int i = 0; info != NULL && i < n_loops; i++)
        if (loops[i].d == info->daemon)
            l = &loops[i];
    MHD_resume_connection(handle);
    if (l != NULL)
        loop_wake(l);
}

/* The caller's scope (struct api_scope), from the verified token. */
static void build_scope(struct api_call *c)
{
    struct api_scope *s = &c->scope;
    const struct principal *p = &c->who;
    s->communities = s->units = s->self = NULL;
    if (p->role == ROLE_OWNER)
        s->units = id_literal(p->n_units, p->units, s->units_buf, sizeof s->units_buf);
    else if (p->role != ROLE_INTEGRATION && !p->org_wide)
        s->communities = id_literal(p->n_communities, p->communities, s->communities_buf,
                                    sizeof s->communities_buf);
    if (p->role != ROLE_INTEGRATION)
        s->self = p->sub;
}

void api_call_for(struct api_call *c, const struct principal *who)
{
    memset(c, 0, sizeof *c);
    c->who = *who;
    build_scope(c);
}

/* A stream ticket in place of a bearer token: true with c->who filled, or after replying. */
static bool ticket_authenticate(struct api_call *c, const char *ticket)
{
    struct db_conn *db = NULL;
    json_t *j_claims = NULL;
    enum pd_err err = db_acquire(&db);
    if (err == PD_OK) {
        err = stream_ticket_redeem(db, ticket, &j_claims);
        db_release(db);
    }
    if (err == PD_OK)
        err = jwt_claims_recheck(j_claims, time(NULL), &c->who);
    json_decref(j_claims);
    if (err == PD_ERR_NOT_FOUND || err == PD_ERR_UNAUTHORIZED || err == PD_ERR_INVALID) {
        api_problem(c, 401, "Unauthorized", "The stream ticket is unknown, used or expired.", NULL);
        return false;
    }
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return false;
    }
    return true;
}

static bool authenticate(struct api_call *c)
{
    const char *h = api_header(c, "Authorization");
    const char *ticket = (c->route->flags & ROUTE_STREAM_TICKET) ? api_query(c, "ticket") : NULL;
    if (h == NULL && ticket != NULL) {
        if (!ticket_authenticate(c, ticket))
            return false;
    } else if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        api_error(c, PD_ERR_UNAUTHORIZED, "A bearer access token is required.");
        return false;
    } else {
        const char *token = h + 7;
        while (*token == ' ')
            token++;
        if (jwt_verify(token, time(NULL), &c->who) != PD_OK) {
            api_header_set(c, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
            api_problem(c, 401, "Unauthorized", "The access token is invalid or expired.", NULL);
            return false;
        }
    }
    if (!(c->route->roles & ROLE_BIT(c->who.role))) {
        api_error(c, PD_ERR_FORBIDDEN, NULL);
        return false;
    }
    if (c->who.role == ROLE_INTEGRATION && c->route->client_scopes != 0 &&
        !(c->who.scopes & c->route->client_scopes)) {
        api_error(c, PD_ERR_FORBIDDEN, "This client lacks the scope for this operation.");
        return false;
    }
    build_scope(c);
    c->rl_counted = true;
    if (!ratelimit_take(c->who.sub, &c->rl_remaining, &c->rl_reset)) {
        char retry[16];
        snprintf(retry, sizeof retry, "%d", c->rl_reset);
        api_problem(c, 429, "Too Many Requests", "This user's or client's request quota for the minute is used up.", NULL);
        api_header_set(c, "Retry-After", retry);
        return false;
    }
    return true;
}

static const struct route *find_route(struct api_call *c, int *index)
{
    const char *method = strcmp(c->method, "HEAD") == 0 ? "GET" : c->method;
    /* one private copy for the whole scan: match() only writes into it when it succeeds */
    char *copy = strdup(c->url_path);
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

/* The methods the route table has for path's shape, as "GET, PATCH" (empty: no such path). */
static void path_methods(const char *path, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < table_len; i++)
        if (same_shape(table[i].pattern, path) && !strstr(out, table[i].method)) {
            int n = snprintf(out + off, cap - off, "%s%s", off ? ", " : "", table[i].method);
            if (n < 0 || (size_t)n >= cap - off)
                break;  /* (never: a path has a handful of methods) */
            off += (size_t)n;
        }
}

static void no_route(struct api_call *c)
{
    char allow[128];
    path_methods(c->url_path, allow, sizeof allow);
    if (allow[0] != '\0') {
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

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct api_stream *s = cls;
    long n = s->next(s->ctx, buf, max);
    if (n == API_STREAM_IDLE)
        return 0;  /* parked: libmicrohttpd calls again once woken */
    return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct api_stream *s = cls;
    s->end(s->ctx);
    free(s);
}

static bool header_set(const struct api_call *c, const char *name)
{
    for (int i = 0; i < c->n_headers; i++)
        if (strcasecmp(c->headers[i].name, name) == 0)
            return true;
    return false;
}

/* The request's Origin when CORS_ALLOWED_ORIGINS lists it exactly, else NULL. */
static const char *allowed_origin(const struct api_call *c)
{
    const char *origin = api_header(c, "Origin");
    size_t n = origin ? strlen(origin) : 0;
    for (const char *p = g_config.cors_allowed_origins; n > 0 && *p;) {
        size_t k = strcspn(p, ",");
        const char *item = p;
        while (k > 0 && *item == ' ')
            item++, k--;
        size_t len = k;
        while (len > 0 && item[len - 1] == ' ')
            len--;
        if (len == n && strncmp(item, origin, n) == 0)
            return origin;
        p = item + k + (item[k] == ',');
    }
    return NULL;
}

/* What every reply carries: nosniff; no-store for what a token let through (unless the
 * handler chose a cache policy); CORS for an allowed origin. */
static void common_headers(struct api_call *c, bool compressible_body)
{
    api_header_set(c, "X-Content-Type-Options", "nosniff");
    if (c->route && c->route->roles != 0 && !header_set(c, "Cache-Control"))
        api_header_set(c, "Cache-Control", "no-store");
    const char *origin = allowed_origin(c);
    if (origin != NULL) {
        api_header_set(c, "Access-Control-Allow-Origin", origin);
        api_header_set(c, "Access-Control-Expose-Headers",
                       "ETag, Location, X-Request-Id, Retry-After, Content-Disposition, RateLimit, RateLimit-Policy");
    }
    /* what a shared cache must tell apart: the origin (CORS), the coding, the language (a
     * problem's title) */
    char vary[64] = "";
    if (g_config.cors_allowed_origins[0] != '\0')
        strcat(vary, "Origin");
    if (compressible_body)
        strcat(strcat(vary, vary[0] ? ", " : ""), "Accept-Encoding");
    if (header_set(c, "Content-Language"))
        strcat(strcat(vary, vary[0] ? ", " : ""), "Accept-Language");
    if (vary[0] != '\0')
        api_header_set(c, "Vary", vary);
    if (c->rl_counted && g_config.rate_limit_per_minute > 0) {  /* draft-ietf-httpapi-ratelimit-headers */
        char policy[64], left[64];
        snprintf(policy, sizeof policy, "\"per-caller\";q=%d;w=60", g_config.rate_limit_per_minute);
        snprintf(left, sizeof left, "\"per-caller\";r=%d;t=%d", c->rl_remaining, c->rl_reset);
        api_header_set(c, "RateLimit-Policy", policy);
        api_header_set(c, "RateLimit", left);
    }
}

/* A preflight (OPTIONS) of a path there is: 204 with Allow, and the CORS answer for an
 * allowed origin. Of a path there is not: 404, as for any other method. */
static void preflight(struct api_call *c)
{
    char methods[120], allow[sizeof methods + 16];
    path_methods(c->url_path, methods, sizeof methods);
    if (methods[0] == '\0') {
        api_problem(c, 404, "Not Found", "No such resource.", NULL);
        return;
    }
    snprintf(allow, sizeof allow, "OPTIONS, %s", methods);
    api_no_content(c);
    api_header_set(c, "Allow", allow);
    if (allowed_origin(c) != NULL) {
        api_header_set(c, "Access-Control-Allow-Methods", allow);
        api_header_set(c, "Access-Control-Allow-Headers",
                       "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, Last-Event-ID, Accept-Language");
        api_header_set(c, "Access-Control-Max-Age", "600");
    }
}

#define GZIP_MAX_BODY (4 << 20)  /* bigger bodies (uploads read back) are sent as they are */

/* Whether the reply's body may go gzipped (to a client that accepts it). */
static bool compressible(const struct api_call *c)
{
    return c->stream.next == NULL && c->res_body != NULL && c->res_len >= GZIP_MIN_BYTES &&
           (c->res_len <= GZIP_MAX_BODY || c->res_gzip != NULL) && gzip_worth(c->res_type) &&
           strcmp(c->method, "HEAD") != 0;
}

/* Whether an If-None-Match value names etag ("*", or one of its entity tags, W/ ignored:
 * the weak comparison RFC 9110 §13.1.2 asks for). */
static bool none_match(const char *header, const char *etag)
{
    if (header == NULL)
        return false;
    if (strcmp(header, "*") == 0)
        return true;
    const char *tag = etag + (strncmp(etag, "W/", 2) == 0 ? 2 : 0);
    size_t n = strlen(tag);
    for (const char *p = header; *p;) {
        p += strspn(p, " ,");
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        size_t k = strcspn(p, ",");
        while (k > 0 && p[k - 1] == ' ')
            k--;
        if (k == n && strncmp(p, tag, n) == 0)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

#define ETAG_MAX_BODY (1 << 20)  /* bigger bodies (the docs bundle) are not fingerprinted */

/* ETags that tell views apart, and If-None-Match. An object's ETag "N" (its version) becomes
 * "N-<fingerprint of the body>": another caller's view of version N (its allowed_actions,
 * masked fields) is another representation, while If-Match still compares N (api_if_match).
 * A GET answered 200 without an ETag (a list, a document) gets "<fingerprint>". A GET whose
 * If-None-Match names the ETag is answered 304, without a body. */
static void conditional(struct api_call *c, bool gzipped)
{
    if (c->status < 200 || c->status > 299 || c->stream.next != NULL || c->res_body == NULL)
        return;
    bool get = strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0;
    const char *etag = NULL;
    for (int i = 0; i < c->n_headers; i++)
        if (strcasecmp(c->headers[i].name, "ETag") == 0)
            etag = c->headers[i].value;
    if (c->res_len <= ETAG_MAX_BODY) {
        char made[64];
        /* the gzipped body is another representation: another tag (RFC 9110 §8.8.3) */
        unsigned long long h = (unsigned long long)(fingerprint64(c->res_body, c->res_len) ^
                                                    (gzipped ? 0x677a697070656421ULL : 0));
        size_t digits = etag ? strspn(etag + 1, "0123456789") : 0;
        if (etag != NULL && etag[0] == '"' && digits > 0 && strcmp(etag + 1 + digits, "\"") == 0) {
            snprintf(made, sizeof made, "\"%.*s-%016llx\"", (int)digits, etag + 1, h);
            api_header_set(c, "ETag", made);
        } else if (etag == NULL && get && c->status == 200) {
            snprintf(made, sizeof made, "\"%016llx\"", h);
            api_header_set(c, "ETag", made);
        }
    }
    for (int i = 0; get && c->status == 200 && i < c->n_headers; i++) {
        if (strcasecmp(c->headers[i].name, "ETag") == 0 && none_match(api_header(c, "If-None-Match"), c->headers[i].value)) {
            free(c->res_body);
            c->res_body = NULL;
            c->res_len = 0;
            c->res_gzip = NULL;
            c->res_type[0] = '\0';  /* no body, so no type (a proxy would parse nothing as JSON) */
            c->status = 304;
            break;
        }
    }
}

/* The body as sent: gzipped when the client accepts it and it is worth it. *gz (owned)
 * holds a compression made here. */
static void encode(struct api_call *c, const void **body, size_t *len, unsigned char **gz)
{
    *gz = NULL;
    if (!compressible(c) || !gzip_accepted(api_header(c, "Accept-Encoding")))
        return;
    size_t n = 0;
    if (c->res_gzip != NULL) {
        *body = c->res_gzip;
        *len = c->res_gzip_len;
    } else if (gzip_compress(c->res_body, c->res_len, 4, gz, &n) == PD_OK && n < c->res_len) {
        *body = *gz;
        *len = n;
    } else {
        free(*gz);
        *gz = NULL;
        return;
    }
    api_header_set(c, "Content-Encoding", "gzip");
}

/* A W3C traceparent (version 00): "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>",
 * neither id all zeros. Copies the ids out when it is one. */
static bool traceparent(const char *v, char trace[33], char parent[17])
{
    if (v == NULL || strlen(v) != 55 || strncmp(v, "00-", 3) != 0 || v[35] != '-' || v[52] != '-')
        return false;
    for (int i = 3; i < 55; i++)
        if (i != 35 && i != 52 && !(isdigit((unsigned char)v[i]) || (v[i] >= 'a' && v[i] <= 'f')))
            return false;
    memcpy(trace, v + 3, 32);
    trace[32] = '\0';
    memcpy(parent, v + 36, 16);
    parent[16] = '\0';
    return strspn(trace, "0") != 32 && strspn(parent, "0") != 16;
}

static void log_access(struct api_call *c, double ms, long long bytes)
{
    char client[64], trace[33], parent[17];
    bool traced = traceparent(api_header(c, "traceparent"), trace, parent);
    bool who = c->route && c->route->roles && c->who.sub[0] != '\0';
    const struct log_access a = {
        .method = c->method, .route = c->route ? c->route->pattern : "(unmatched)", .request_id = c->request_id,
        .status = c->status, .duration_ms = ms, .bytes = bytes,
        .user_id = who ? c->who.sub : NULL, .org_id = who ? c->who.org : NULL,
        .client = api_client_address(c, client, sizeof client),
        .trace_id = traced ? trace : NULL, .parent_id = traced ? parent : NULL,
    };
    log_request(&a);
}

/* Hands the reply to libmicrohttpd. */
static enum MHD_Result send_reply(struct request *rq)
{
    struct api_call *c = &rq->c;
    double ms = elapsed_ms(&rq->t0);
    struct MHD_Response *res;
    bool worth = compressible(c);
    conditional(c, worth && gzip_accepted(api_header(c, "Accept-Encoding")));
    common_headers(c, worth);
    metrics_observe(rq->route_index, c->status, ms / 1000.0);
    long long bytes = c->stream.next != NULL ? -1 : (long long)c->res_len;
    if (c->stream.next != NULL) {
        struct api_stream *s = malloc(sizeof *s);
        res = s != NULL ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, s, stream_free)
                        : NULL;
        if (res == NULL) {
            free(s);
            return MHD_NO;  /* on_completed ends the stream */
        }
        *s = c->stream;  /* libmicrohttpd ends it (stream_free) */
        c->stream = (struct api_stream){ 0 };
    } else {
        const void *body = c->res_body;
        size_t len = c->res_len;
        unsigned char *gz;
        encode(c, &body, &len, &gz);
        bytes = (long long)len;
        if (body == c->res_body) {
            res = MHD_create_response_from_buffer(c->res_len, c->res_body, MHD_RESPMEM_MUST_FREE);
            if (res != NULL)
                c->res_body = NULL;  /* libmicrohttpd frees it */
        } else {
            res = MHD_create_response_from_buffer(len, (void *)body, gz ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
            if (res == NULL)
                free(gz);
        }
        if (res == NULL)
            return MHD_NO;
    }
    if (c->res_type[0] != '\0')
        MHD_add_response_header(res, "Content-Type", c->res_type);
    for (int i = 0; i < c->n_headers; i++)
        MHD_add_response_header(res, c->headers[i].name, c->headers[i].value);
    MHD_add_response_header(res, "X-Request-Id", c->request_id);
    log_access(c, ms, bytes);
    enum MHD_Result ok = MHD_queue_response(c->conn, (unsigned)c->status, res);
    MHD_destroy_response(res);
    return ok;
}

/* The first call: everything the head decides. Returns false after replying. */
static bool admit(struct request *rq)
{
    struct api_call *c = &rq->c;
    if (!read_query(c))
        return false;
    if (strcmp(c->method, "OPTIONS") == 0) {
        preflight(c);
        return false;
    }
    c->route = find_route(c, &rq->route_index);
    if (c->route == NULL) {
        no_route(c);
        return false;
    }
    c->unit_of_work = c->route->roles != 0 && strcmp(c->route->method, "GET") != 0;
    return (c->route->roles == 0 || authenticate(c)) && admit_body(rq);
}

/* One run of the handler within its unit of work; true when the unit failed on a
 * serialization failure or a deadlock and may be run again. */
static bool run_once(struct request *rq, bool last_attempt)
{
    struct api_call *c = &rq->c;
    bool checked = c->route->roles != 0 && !(c->session_live = session_known_live(&c->who, &c->session_gen));
    c->n_forget = 0;
    if (parse_body(rq))
        c->route->handler(c);
    if (c->read_reply != NULL)  /* its read is queued: the rest when the answer comes */
        return false;
    if (!c->replied)
        api_error(c, PD_ERR_DB, NULL);
    /* a success is only sent to a live session: check it now if nothing carried the guard */
    if (checked && c->status < 400 && (c->db == NULL || db_guard_pending(c->db))) {
        if (api_db(c))
            db_guard_run(c->db);
    }
    if (c->db != NULL && db_guard_refused(c->db)) {
        api_reply_reset(c);
        api_header_set(c, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        api_problem(c, 401, "Unauthorized", "The session has ended; sign in again.", NULL);
    }
    bool retry = false;
    if (c->db != NULL) {
        bool passed = checked && !db_guard_pending(c->db) && !db_guard_refused(c->db);
        enum pd_err err = db_unit_end(c->db, c->status < 400);
        retry = c->unit_of_work && !last_attempt && db_retryable(c->db);
        if (err != PD_OK && !retry) {  /* the commit failed: the reply must not claim success */
            api_reply_reset(c);
            api_error(c, err, NULL);
        }
        if (passed && c->status < 400)
            session_mark_live(&c->who, c->session_gen);
        if (c->status < 400)  /* committed */
            for (int i = 0; i < c->n_forget; i++)
                sessions_forget(c->forget[i]);
        db_release(c->db);
        c->db = NULL;
    }
    return retry;
}

/* The last call: the body is complete. Runs the handler in its unit of work, again (up to
 * UNIT_ATTEMPTS times, after a short randomised pause) when PostgreSQL aborted the unit on a
 * serialization failure or a deadlock: nothing of a failed attempt was committed or sent. */
static void run(struct request *rq)
{
    struct api_call *c = &rq->c;
    for (int attempt = 1; run_once(rq, attempt == UNIT_ATTEMPTS); attempt++) {
        log_msg(LOG_INFO, c->request_id, "run - unit of work aborted by a serialization failure or "
                "deadlock: attempt %d of %d", attempt + 1, UNIT_ATTEMPTS);
        api_reply_reset(c);
        json_decref(c->j_body);
        c->j_body = NULL;
        usleep((useconds_t)(attempt * 2000 + (int)randombytes_uniform(5000)));
    }
}

/* A queued read was answered (api_read): its reply. A read the pipe lost with its connection
 * is run again, as the whole handler, on the request's own connection. */
static void read_answered(struct request *rq)
{
    struct api_call *c = &rq->c;
    api_read_reply *reply = c->read_reply;
    PGresult *r = c->read_result;
    c->read_reply = NULL;
    c->read_result = NULL;
    if (c->read_err == PD_ERR_UNAVAILABLE) {
        c->read_direct = true;
        run(rq);
        PQclear(r);
    } else if (c->read_err != PD_OK) {
        api_error(c, c->read_err, NULL);
        PQclear(r);
    } else {
        reply(c, r, c->read_arg.bytes);
    }
    /* keep the pipe's backend writing while this round serves its answers: the socket holds
     * about 200 KiB, a few pages of a list, and a backend that fills it waits for the next
     * round */
    if (this_loop != NULL)
        db_pipe_read(this_loop->pipe);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    (void)cls;
    (void)version;
    struct request *rq = *state;
    bool query_refused = rq == (struct request *)&query_too_long;
    if (rq == NULL || query_refused) {
        rq = malloc(sizeof *rq);
        if (rq == NULL)
            return MHD_NO;
        /* everything but the principal's id arrays (their counts say what is valid) */
        memset(rq, 0, offsetof(struct request, c) + offsetof(struct api_call, who) +
                          offsetof(struct principal, communities));
        rq->c.who.n_units = 0;
        rq->c.who.scopes = 0;
        rq->route_index = -1;
        rq->limit = g_config.max_body_bytes;  /* until the route says otherwise */
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        rq->c.conn = conn;
        rq->c.scope.communities = rq->c.scope.units = rq->c.scope.self = NULL;
        rq->c.method = method;
        rq->c.url_path = url;
        rq->declared = head_length(conn);
        *state = rq;
        atomic_fetch_add(&in_flight, 1);
        make_request_id(&rq->c);
        if (query_refused)
            api_problem(&rq->c, 414, "URI Too Long", "At most 64 query parameters and 8192 bytes of query are accepted.",
                        NULL);
        else if (admit(rq))
            return MHD_YES;
        /* Refused from the head. A client that waits for 100-continue, or sends no body, or
         * more than twice the route's limit, is answered now (libmicrohttpd then closes
         * rather than read the body). A smaller body is read and dropped, never kept, so
         * that a client still writing is not cut off before it can read the answer. */
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
        if (rq->declared == 0 || rq->declared > (long long)drain_limit(rq) || expect != NULL)
            return send_reply(rq);
        rq->refused = true;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        bool keep = take_body(rq, upload_data, *upload_size);
        *upload_size = 0;
        return keep ? MHD_YES : MHD_NO;
    }
    if (rq->c.read_reply != NULL)
        read_answered(rq);
    else if (!rq->refused)
        run(rq);
    if (rq->c.read_reply != NULL)  /* waiting, suspended, for a queued read */
        return MHD_YES;
    return send_reply(rq);
}

/* The request line, before libmicrohttpd parses the query into its connection buffer. A
 * query of more parameters or bytes than we accept is cut off here, in that buffer (the
 * line is the connection's own writable copy): libmicrohttpd 0.9.75 drops, or leaves
 * hanging, a request whose parameters overflow the buffer, so it must never see them. The
 * returned mark becomes the request's state, and on_request answers 414. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    char *query = strchr(uri, '?');
    if (query == NULL)
        return NULL;
    size_t params = 1, len = 0;
    for (const char *p = query + 1; *p; p++, len++)
        params += *p == '&';
    if (params <= API_MAX_QUERY_ARGS && len <= MAX_QUERY_BYTES)
        return NULL;
    query[1] = '\0';
    return &query_too_long;
}

/* Frees what a request held, however it ended (answered, refused early, or dropped). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    struct request *rq = *state;
    if (rq == NULL || rq == (struct request *)&query_too_long)
        return;
    struct api_call *c = &rq->c;
    if (c->db != NULL)
        db_release(c->db);
    PQclear(c->read_result);
    atomic_fetch_sub(&body_bytes, (long long)rq->reserved);
    for (int i = 0; i < c->n_args; i++) {
        free(c->args[i].name);
        free(c->args[i].value);
    }
    api_reply_reset(c);
    json_decref(c->j_body);
    free(c->body);
    free(c->path);
    free(rq);
    *state = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

/* libmicrohttpd's own messages (a client gone mid-reply, a refused connection): debug lines
 * of our log, not raw text on stderr. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_msg(LOG_DEBUG, NULL, "libmicrohttpd - %s", line);
}

/* Registers the pipe's socket in the loop's epoll set as it is now: none, another connection
 * (a lost one left the set when it closed), or writable wanted. False when it cannot. */
static bool watch_pipe(struct loop *l, bool out)
{
    int fd = db_pipe_socket(l->pipe);
    unsigned gen = db_pipe_generation(l->pipe);
    if (fd == l->pipe_fd && gen == l->pipe_gen && out == l->pipe_out)
        return true;
    struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u32 = EV_PIPE };
    bool same = fd == l->pipe_fd && gen == l->pipe_gen;
    if (fd >= 0 && epoll_ctl(l->ep, same ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0 &&
        (same || errno != EEXIST || epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) != 0)) {
        log_msg(LOG_ERROR, NULL, "watch_pipe - epoll_ctl: %s", strerror(errno));
        return false;
    }
    l->pipe_fd = fd;
    l->pipe_gen = gen;
    l->pipe_out = out;
    return true;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The listening socket in the loop's set, unless the server is quiescing or the process ran
 * out of descriptors a moment ago. */
static void listen_or_not(struct loop *l)
{
    bool quiescing_now = atomic_load(&quiescing);
    bool want = !quiescing_now && mono_ms() >= l->accept_after_ms;
    if (want != atomic_load(&l->listening)) {
        struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = EV_LISTEN };
        bool ok = epoll_ctl(l->ep, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listener, &ev) == 0;
        if (!ok)
            log_msg(LOG_WARN, NULL, "listen_or_not - epoll_ctl: %s", strerror(errno));
        if (ok || !want)  /* not wanted: out of the set, or never in it */
            atomic_store(&l->listening, want);
    }
    if (quiescing_now && !atomic_load(&l->listening))
        atomic_store(&l->quiesced, true);  /* it will not listen again */
}

/* A connection to l's daemon (which closes it if it cannot take it). */
static void take_connection(struct loop *l, const struct handoff *h)
{
    MHD_add_connection(l->d, h->fd, (const struct sockaddr *)&h->addr, h->len);
}

static int load_of(struct loop *l) { return atomic_load(&l->open) + atomic_load(&l->handed); }

/* The connections other loops handed to this one. */
static void take_inbox(struct loop *l)
{
    struct handoff got[INBOX];
    pthread_mutex_lock(&l->inbox_lock);
    int n = l->n_inbox;
    memcpy(got, l->inbox, (size_t)n * sizeof got[0]);
    l->n_inbox = 0;
    pthread_mutex_unlock(&l->inbox_lock);
    for (int i = 0; i < n; i++) {
        take_connection(l, &got[i]);
        atomic_fetch_sub(&l->handed, 1);  /* after: counted as open by now */
    }
}

/* Counts the connections open on a loop (cls), from libmicrohttpd's notices. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_state,
                          enum MHD_ConnectionNotificationCode what)
{
    struct loop *l = cls;
    (void)conn, (void)socket_state;
    atomic_fetch_add(&l->open, what == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* The connections waiting to be accepted (a round's worth), each to the least loaded loop. */
static void accept_some(struct loop *l)
{
    for (int i = 0; i < INBOX; i++) {
        struct handoff h = { .len = sizeof h.addr };
        h.fd = accept4(listener, (struct sockaddr *)&h.addr, &h.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (h.fd < 0 && (errno == ECONNABORTED || errno == EPROTO || errno == EINTR))
            continue;  /* that one is gone; the next may be there */
        if (h.fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                log_msg(LOG_WARN, NULL, "accept - %s: pausing for 100 ms", strerror(errno));
                l->accept_after_ms = mono_ms() + 100;
            }
            return;
        }
        struct loop *to = l;
        for (int k = 0; k < n_loops; k++)
            if (load_of(&loops[k]) < load_of(to))
                to = &loops[k];
        bool handed = false;
        if (to != l) {
            pthread_mutex_lock(&to->inbox_lock);
            if ((handed = to->n_inbox < INBOX)) {
                to->inbox[to->n_inbox++] = h;
                atomic_fetch_add(&to->handed, 1);
            }
            pthread_mutex_unlock(&to->inbox_lock);
        }
        if (handed)
            loop_wake(to);
        else
            take_connection(l, &h);
    }
}

#define PIPE_STALL_MS 35000  /* past statement_timeout (src/db.c): the peer is gone */

/* One round: wait for the daemon's sockets, the pipe's answers or a wake-up; serve what is
 * ready (and the requests the answers resumed); send the reads those requests queued. */
static void *loop_main(void *arg)
{
    struct loop *l = arg;
    this_loop = l;
    bool out = false;
    while (!atomic_load(&stopping)) {
        listen_or_not(l);
        if (!watch_pipe(l, out))
            db_pipe_reset(l->pipe);  /* its reads run again on pooled connections */
        MHD_UNSIGNED_LONG_LONG wait_ms = 1000;
        if (l->again || MHD_get_timeout(l->d, &wait_ms) != MHD_YES || wait_ms > 1000)
            wait_ms = l->again ? 0 : 1000;
        if (!l->listening && !atomic_load(&quiescing) && wait_ms > 100)
            wait_ms = 100;  /* to listen again soon */
        struct epoll_event ev[8];
        int n = epoll_wait(l->ep, ev, 8, (int)wait_ms);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u32 == EV_PIPE) {
                db_pipe_read(l->pipe);  /* answers resume their requests, served just below */
            } else if (ev[i].data.u32 == EV_LISTEN) {
                accept_some(l);
            } else if (ev[i].data.u32 == EV_WAKE) {
                uint64_t count;
                if (read(l->wake, &count, sizeof count) < 0 && errno != EAGAIN)
                    log_msg(LOG_WARN, NULL, "loop_main - %s", strerror(errno));
                take_inbox(l);
            }
        }
        db_pipe_check(l->pipe, PIPE_STALL_MS);
        l->again = false;
        MHD_run(l->d);
        int answered;
        out = db_pipe_flush(l->pipe, &answered);  /* the reads the requests just queued */
        l->again |= answered > 0;
    }
    return NULL;
}

static int open_listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(fd, (struct sockaddr *)&bind_addr, sizeof bind_addr) != 0 || listen(fd, 1024) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* A loop ready to run (its thread is started once every loop is ready: any may hand
 * connections to any other). */
static int loop_init(struct loop *l, unsigned int connection_limit)
{
    /* suspend/resume: a queued read or an open event stream parks its connection */
    unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET |
                         MHD_ALLOW_SUSPEND_RESUME;
    l->pipe_fd = -1;
    pthread_mutex_init(&l->inbox_lock, NULL);
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    l->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->pipe = db_pipe_new();
    l->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
                            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                            MHD_OPTION_END);
    const union MHD_DaemonInfo *info = l->d ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    struct epoll_event daemon_ev = { .events = EPOLLIN, .data.u32 = EV_DAEMON };
    struct epoll_event wake_ev = { .events = EPOLLIN, .data.u32 = EV_WAKE };
    if (l->ep < 0 || l->wake < 0 || l->pipe == NULL || info == NULL ||
        epoll_ctl(l->ep, EPOLL_CTL_ADD, info->epoll_fd, &daemon_ev) != 0 ||
        epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake, &wake_ev) != 0)
        return -1;
    return 0;
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
    listener = open_listener();
    if (listener < 0) {
        log_msg(LOG_ERROR, NULL, "http_start - cannot listen on %s:%d", g_config.bind_address, g_config.port);
        return -1;
    }
    n_loops = g_config.http_threads;
    loops = calloc((size_t)n_loops, sizeof *loops);
    for (int i = 0; loops != NULL && i < n_loops; i++)
        if (loop_init(&loops[i], (unsigned int)(4096 / n_loops + 1)) != 0) {
            log_msg(LOG_ERROR, NULL, "http_start - cannot set up event loop %d", i);
            return -1;
        }
    for (int i = 0; loops != NULL && i < n_loops; i++)
        if (pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]) != 0) {
            log_msg(LOG_ERROR, NULL, "http_start - cannot start event loop %d", i);
            return -1;
        }
    return loops != NULL ? 0 : -1;
}

void http_stop(void)
{
    /* stop accepting, let requests in progress finish (10 s at most; idle for 100 ms means
     * the connections already accepted have been served too), then close */
    atomic_store(&quiescing, true);
    for (int i = 0; i < n_loops; i++)
        loop_wake(&loops[i]);
    int quiet = 0;  /* loops done with the listening socket; when all are, it closes now */
    for (int i = 0; quiet < n_loops && i < 100; i++) {
        for (quiet = 0; quiet < n_loops && atomic_load(&loops[quiet].quiesced); quiet++)
            ;
        if (quiet < n_loops)
            usleep(10000);
    }
    if (quiet == n_loops)
        close(listener);
    for (int i = 0, idle = 0; i < 1000 && idle < 10; i++) {
        idle = atomic_load(&in_flight) > 0 ? 0 : idle + 1;
        usleep(10000);
    }
    atomic_store(&stopping, true);
    for (int i = 0; i < n_loops; i++) {
        loop_wake(&loops[i]);
        pthread_join(loops[i].thread, NULL);
    }
    for (int i = 0; i < n_loops; i++) {
        for (int k = 0; k < loops[i].n_inbox; k++)  /* handed over as the loops stopped */
            close(loops[i].inbox[k].fd);
        db_pipe_free(loops[i].pipe);  /* reads still queued resume their requests, which close */
        MHD_stop_daemon(loops[i].d);
        close(loops[i].ep);
        close(loops[i].wake);
    }
    if (quiet < n_loops)
        close(listener);
    free(loops);
}
