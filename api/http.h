/* The HTTP surface's shared machinery: the request context handed to every handler, the
 * route table type, and the reply helpers (JSON, problem+json, ETag, idempotent creates).
 * Handlers never build error bodies themselves, and never see libmicrohttpd. */
#ifndef PD_HTTP_H
#define PD_HTTP_H

#include <jansson.h>
#include "../src/db.h"
#include "../src/listspec.h"
#include "../src/pd.h"
#include "../src/rows.h"
#include "../src/validate.h"

struct api_call;
struct MHD_Connection;
typedef void (*api_handler)(struct api_call *c);

enum body_kind {
    BODY_NONE = 0,    /* any body is ignored */
    BODY_JSON,        /* a JSON object is required */
    BODY_JSON_OPT,    /* a JSON object, or no body at all (treated as {}) */
    BODY_TOKEN_FORM,  /* application/x-www-form-urlencoded or JSON (OAuth2 token endpoint) */
    BODY_RAW,         /* non-empty bytes up to ATTACHMENT_MAX_BYTES, any content type, untouched
                       * (api_raw_body); the handler checks the type */
};

struct route {
    const char *method;
    const char *pattern;   /* "/v1/units/{id}": {…} segments are captured in order */
    api_handler handler;
    unsigned roles;        /* ROLE_BIT set admitted; 0 = public (no token needed) */
    enum body_kind body;
    unsigned client_scopes; /* integration clients: admitted with any of these scopes */
    unsigned flags;        /* ROUTE_* */
};
/* Also admitted, without a bearer header, with a single-use stream ticket (?ticket=, from
 * POST /v1/stream/tickets): EventSource in browsers cannot send headers. */
#define ROUTE_STREAM_TICKET 1u

#define API_MAX_PARAMS 4
#define API_SCOPE_BUF (PD_MAX_SCOPE_IDS * 38 + 3)

/* What the caller may see, built once per authenticated request and passed as the same
 * leading parameters to every statement that reads by scope ($1 org, $2 communities,
 * $3 units, $4 self — see api_scope_params):
 *   staff:   communities = their communities as a uuid[] literal, NULL when org-wide;
 *   owners:  units = their verified units (possibly "{}"), communities NULL;
 *   clients: all NULL (an org-wide reader within their scopes);
 *   self:    the caller's user id (NULL for clients). */
struct api_scope {
    const char *communities, *units, *self;
    char communities_buf[API_SCOPE_BUF], units_buf[API_SCOPE_BUF];
};
#define API_MAX_QUERY_ARGS 64   /* more query parameters than this: 414 */
#define API_MAX_HEADERS 24      /* reply headers of one reply (the handler's and the server's) */

struct api_arg {
    char *name, *value;         /* decoded; a repeated name's values joined with commas */
};

/* A reply streamed after the handler returns: next fills buf with up to max bytes and
 * returns how many (0: the end; -1: it failed and the reply is cut short); end releases ctx,
 * once, however the stream ends (sent, abandoned by the client, or never started).
 * A reply that stays open (Server-Sent Events) may also return API_STREAM_IDLE from next,
 * after api_stream_park(handle): its connection then holds no worker until
 * api_stream_wake(handle). The producer calls both under one lock of its own, so that a
 * wake cannot fall between next's look at its data and the park; and never wakes a handle
 * after end returned. */
#define API_STREAM_IDLE (-2)
struct api_stream {
    long (*next)(void *ctx, char *buf, size_t max);
    void (*end)(void *ctx);
    void *ctx;
};

struct api_header {
    const char *name;           /* a literal */
    char *value;                /* owned */
};

struct api_call {
    struct MHD_Connection *conn;
    const char *method;                  /* "HEAD" is routed as "GET" */
    const char *url_path;                /* decoded, without the query */
    struct api_arg args[API_MAX_QUERY_ARGS];
    int n_args;
    char *body;                          /* the request body as received (owned) */
    size_t body_len;
    const struct route *route;
    char request_id[65];
    char *path;                          /* private copy that params point into */
    const char *params[API_MAX_PARAMS];
    json_t *j_body;                      /* parsed body for JSON routes (owned) */
    struct db_conn *db;                  /* acquired on first api_db(), released after */
    void (*read_reply)(struct api_call *c, PGresult *r, const void *arg);  /* api_read's, while its read is queued */
    PGresult *read_result;               /* the queued read's answer (owned), or NULL and: */
    enum pd_err read_err;
    union { char bytes[64]; void *align; } read_arg;  /* the handler's state for its reply */
    bool read_direct;                    /* run reads on the request's own connection */
    bool unit_of_work;                   /* a change: api_db() opens the request's unit */
    bool session_live;                   /* the caller's session is known live: no check */
    unsigned long session_gen;           /* (see session_known_live) */
    int n_forget;                        /* sessions to forget once the unit commits */
    char forget[2][PD_UUID_LEN + 1];
    bool replied;
    int status;
    char *res_body;                      /* the reply (owned until handed to the server) */
    size_t res_len;
    char res_type[128];                  /* the reply's Content-Type ("" for none) */
    struct api_stream stream;            /* a streamed body (stream.next set) instead of res_body */
    const void *res_gzip;                /* res_body gzipped ahead of time (borrowed), or NULL */
    size_t res_gzip_len;
    int n_headers;
    struct api_header headers[API_MAX_HEADERS];
    const char *problem_code;            /* api_problem_code's, for the next problem reply */
    bool rl_counted;                     /* counted against the caller's quota: */
    int rl_remaining, rl_reset;          /* what is left, and seconds to the next minute */
    struct principal who;                /* the caller, for authenticated routes; only its
                                          * head is cleared per request */
    struct api_scope scope;              /* built from who by authentication */
};

/* A read of one statement, replied by reply(c, r, arg): r is its answer (reply PQclears it),
 * arg a copy of the handler's arg_size bytes (at most 64) at arg. A failure is replied by
 * api_error instead. Outside a unit of work and for a session known live, the read is
 * queued on the event loop's pipelined connection (src/db_pipe.h) and the request waits,
 * holding no thread, for its answer; otherwise it runs on the request's connection. Either
 * way the handler returns at once and does nothing after. */
typedef void api_read_reply(struct api_call *c, PGresult *r, const void *arg);
void api_read(struct api_call *c, const struct db_read *rd, api_read_reply *reply, const void *arg, size_t arg_size);
/* api_read of a list's page, replied as api_list_result: rows_page of limit items, each
 * item(…, NULL) (item NULL: the first column as it is). */
void api_read_page(struct api_call *c, const struct db_read *rd, int limit, rows_item_fn item);

/* Starts the server on cfg's port and bind address; returns 0 or -1. */
int http_start(const struct route *routes, size_t n_routes);
void http_stop(void);

/* Request accessors. */
const char *api_param(const struct api_call *c, int i);
const char *api_query(const struct api_call *c, const char *name);
const char *api_header(const struct api_call *c, const char *name);
const char *api_client_address(const struct api_call *c, char *buf, size_t len);
/* The request body as received (BODY_RAW routes: never empty); *len its size in bytes. */
const void *api_raw_body(const struct api_call *c, size_t *len);

/* The {id} path parameter, checked to be a UUID (replies 400 and returns NULL if not). */
const char *api_path_id(struct api_call *c);
/* True when the caller's grant is org-wide; otherwise replies 403 saying who may do what
 * (e.g. "grant roles") and returns false. For what reaches the whole org: role grants,
 * integration clients. */
bool api_org_wide(struct api_call *c, const char *what);
/* True for an admin; the allowed_actions of admin-managed objects. */
json_t *api_admin_actions(const struct api_call *c, const char *action);
/* The same as a JSON array literal (["update"] or []) in buf, for rows_item_actions. */
const char *api_admin_literal(const struct api_call *c, const char *action, char buf[64]);
/* Replies with a result object, or with err when it failed. Steals j. */
void api_result(struct api_call *c, enum pd_err err, json_t *j, json_t *j_actions);

/* Replies with a page from a list query (the text rows_page built; frees it), or err. */
void api_list_result(struct api_call *c, enum pd_err err, char *page);
/* The same for a page built as JSON (steals j). */
void api_list_json(struct api_call *c, enum pd_err err, json_t *j);

/* Ends a change (its unit of work commits after a 2xx): on PD_OK replies 200 with the object
 * (steals j and j_actions), otherwise rolls the unit back and replies the error (detail may
 * be NULL). */
void api_change_result(struct api_call *c, enum pd_err err, json_t *j, json_t *j_actions, const char *detail);
/* api_change_result for a change whose result is a record (no version, no allowed_actions). */
void api_record_result(struct api_call *c, enum pd_err err, json_t *j, const char *detail);
/* 409 for an action the object's state does not allow now, naming the state and the
 * actions that are allowed (extension members, as apps show the right buttons) and the
 * state as errors[{field: "status"}]; noun names the object ("ticket"). Steals j_allowed. */
void api_state_conflict(struct api_call *c, const char *noun, const char *state, json_t *j_allowed);

/* After this request's unit of work commits: forget the cached sessions of sub (a user or
 * API client whose sessions the change ended), so its tokens are refused at once. */
void api_forget_sessions(struct api_call *c, const char *sub);

/* A pooled connection for this request; on failure replies 503 and returns false. On an
 * authenticated change (any method but GET/HEAD) it also opens the request's unit of work:
 * one transaction that the server commits after the handler only when the reply is a
 * success (2xx/3xx), and rolls back otherwise, so a refused request never writes. */
bool api_db(struct api_call *c);

/* Replies. api_json steals j. */
void api_json(struct api_call *c, int status, json_t *j);
void api_text(struct api_call *c, int status, const char *content_type, const char *body, size_t len);
void api_no_content(struct api_call *c);
/* Replies status with the body s produces once the handler has returned (chunked); s->ctx
 * is the reply's from now on (api_reply_reset ends it). */
void api_stream(struct api_call *c, int status, const char *content_type, const struct api_stream *s);
/* The handle api_stream_park and api_stream_wake take for this request's connection. */
void *api_stream_handle(struct api_call *c);
void api_stream_park(void *handle);
void api_stream_wake(void *handle);
/* A caller's context outside any request (the live stream's checks on its behalf): who and
 * the scope built from it; nothing else of c is set. */
void api_call_for(struct api_call *c, const struct principal *who);
/* The reply's body gzipped ahead of time (static data, kept by the caller), sent instead of
 * compressing it when the client accepts gzip. */
void api_precompressed(struct api_call *c, const void *gz, size_t len);
/* Sets a reply header (name must be a literal; value is copied). */
void api_header_set(struct api_call *c, const char *name, const char *value);
/* Forgets the reply built so far (body, status and headers), to answer otherwise. */
void api_reply_reset(struct api_call *c);
/* problem+json for err; detail may be NULL. */
void api_error(struct api_call *c, enum pd_err err, const char *detail);
/* problem+json for what the engine said went wrong: a 400 names e->field in errors (its
 * detail the message); other codes answer with e->detail. Rolls back any open unit. */
void api_fail(struct api_call *c, const struct pd_error *e);
/* An engine's answer: a field error (PD_ERR_INVALID, e names the field) is replied here; err is
 * returned either way, for the caller to reply the others. */
enum pd_err api_field_failure(struct api_call *c, enum pd_err err, const struct pd_error *e);
/* Ends validation: frees v and returns true when it holds no problem; otherwise replies
 * 400 listing every invalid field (or keeps an earlier reply) and returns false. */
bool api_valid(struct api_call *c, struct verr *v);
/* 400 naming one invalid field (rolling back any open transaction). */
void api_field_error(struct api_call *c, const char *field, const char *message);
/* 400 listing every invalid field, then frees v. */
void api_invalid(struct api_call *c, struct verr *v);
void api_problem(struct api_call *c, int status, const char *title, const char *detail,
                 json_t *j_errors);
/* Names the kind of the problem the request is about to be answered with (a problem_code of
 * src/enums.c, a literal), where its status alone does not tell (nobody_free, lost_race, …). */
void api_problem_code(struct api_call *c, const char *code);
/* Whether the caller prefers Chinese (Accept-Language: zh, zh-CN … weighted highest, or first
 * of the highest). */
bool api_prefers_zh(const struct api_call *c);
/* Sets the reply's language from Accept-Language (Content-Language: zh-CN or en); true when
 * it is Chinese. */
bool api_set_language(struct api_call *c);
/* A problem's stable type URI and code, its title and detail in the caller's language (zh-CN
 * or English), set on j ({"status", "title", "detail"} already there): every problem reply
 * passes through here. */
void api_problem_finish(struct api_call *c, json_t *j, const char *code);

/* Object replies: adds allowed_actions (steals j_actions) and sends ETag from "version". */
void api_object(struct api_call *c, int status, json_t *j, json_t *j_actions);

/* The same for an object already rendered as JSON text (see rows_exec_text): allowed_actions
 * is spliced in without parsing; actions is a JSON array literal such as ["update"]. */
void api_object_text(struct api_call *c, int status, const char *json, long long version,
                     const char *actions);

/* If-Match: true when absent or "*" (out stays NULL), or when it names a version (out set).
 * Replies 400 and returns false when malformed. */
bool api_if_match(struct api_call *c, long long *version, bool *present);

/* Starts a change (PATCH or action): checks the {id}, reads If-Match into *version (0 when
 * absent) and starts v with the body's unknown fields (fields NULL: the caller checks them)
 * — and, when need_fields, an empty
 * body — reported. Returns the id, or NULL after replying (v is then not started). */
const char *api_change_begin(struct api_call *c, struct verr *v, const char *const fields[],
                             bool need_fields, long long *version);

/* Body validation start: rejects unknown fields of the JSON body against allowed. */
void api_body_fields(struct api_call *c, struct verr *v, const char *const allowed[]);

/* Idempotent creates. api_create_begin acquires the db, opens the transaction and claims
 * the Idempotency-Key (if any); it returns false after having replied (replay, 422, 503).
 * api_create_finish stores the response with the key, commits and replies 201, or rolls
 * back and replies the error. j_obj and j_actions are stolen. Location is collection/<id>
 * (none when collection is NULL). */
bool api_create_begin(struct api_call *c);
void api_create_finish(struct api_call *c, enum pd_err err, json_t *j_obj, json_t *j_actions,
                       const char *collection, const char *conflict_detail);

/* Lists: parses limit and cursor, collecting problems in v. */
void api_page(struct api_call *c, struct verr *v, struct page *pg);
/* Lists driven by a spec: reads and checks its filters' query parameters (list_check). */
void api_list_filters(struct api_call *c, const struct list_spec *s, struct verr *v, const char *values[]);

/* The caller's scope as the four leading parameters: org, communities, units, self. */
void api_scope_params(const struct api_call *c, const char *out[4]);

#endif
