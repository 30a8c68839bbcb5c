/* Operations endpoints: liveness, readiness, metrics, the contract, API docs, JWKS. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "../src/config.h"
#include "../src/crypto.h"
#include "../src/gzip.h"
#include "../src/jwt.h"
#include "../src/log.h"
#include "../src/metrics.h"
#include "../src/migrate.h"
#include "../src/stream.h"
#include "version.h"
#include "routes.h"

extern const char _binary_openapi_yaml_start[], _binary_openapi_yaml_end[];

static int latest_migration;
static long long started_at;

/* Swagger UI files, loaded once from DOCS_DIR and gzipped once. */
static struct asset {
    const char *name, *type;
    char *data;
    size_t len;
    unsigned char *gz;
    size_t gz_len;
} assets[] = {
    { "swagger-ui.css", "text/css; charset=utf-8", NULL, 0, NULL, 0 },
    { "swagger-ui-bundle.js", "text/javascript; charset=utf-8", NULL, 0, NULL, 0 },
    { "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8", NULL, 0, NULL, 0 },
};
/* the contract, gzipped once */
static unsigned char *openapi_gz;
static size_t openapi_gz_len;
#define N_ASSETS (sizeof assets / sizeof assets[0])

static const char docs_page[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>propdesk API</title>"
    "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\"></head><body><div id=\"ui\"></div>"
    "<script src=\"/docs/swagger-ui-bundle.js\"></script><script src=\"/docs/init.js\"></script>"
    "</body></html>";
/* no inline script (the Content-Security-Policy forbids it): the page's start-up is an asset */
static const char docs_init[] = "window.ui = SwaggerUIBundle({url: '/openapi.yaml', dom_id: '#ui'});\n";
/* Swagger UI sets inline styles and shows data: images; nothing leaves the origin */
#define DOCS_CSP "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " \
                 "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

void api_ops_init(int latest)
{
    latest_migration = latest;
    started_at = (long long)time(NULL);
    if (api_routes_len > METRICS_MAX_ROUTES)
        log_msg(LOG_ERROR, NULL, "api_ops_init - %zu routes, but /metrics counts %d: raise METRICS_MAX_ROUTES",
                api_routes_len, METRICS_MAX_ROUTES);
    for (size_t i = 0; i < N_ASSETS; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s/%s", g_config.docs_dir, assets[i].name);
        assets[i].data = read_all(path, &assets[i].len);
        if (assets[i].data == NULL)
            log_msg(LOG_WARN, NULL, "api_ops_init - %s missing: /docs will be incomplete (run make docs)", path);
        else if (gzip_compress(assets[i].data, assets[i].len, 9, &assets[i].gz, &assets[i].gz_len) != PD_OK)
            assets[i].gz = NULL;
    }
    if (gzip_compress(_binary_openapi_yaml_start, (size_t)(_binary_openapi_yaml_end - _binary_openapi_yaml_start), 9,
                      &openapi_gz, &openapi_gz_len) != PD_OK)
        openapi_gz = NULL;
}

void api_ops_shutdown(void)
{
    for (size_t i = 0; i < N_ASSETS; i++) {
        free(assets[i].data);
        free(assets[i].gz);
        assets[i].data = NULL;
        assets[i].gz = NULL;
    }
    free(openapi_gz);
    openapi_gz = NULL;
}

void ops_healthz(struct api_call *c)
{
    api_json(c, 200, json_pack("{s:s}", "status", "ok"));
}

void ops_readyz(struct api_call *c)
{
    bool current = false;
    struct db_conn *db = NULL;
    enum pd_err err = db_acquire(&db);
    if (err == PD_OK) {
        err = migrate_is_current(db, latest_migration, &current);
        db_release(db);
    }
    if (err == PD_ERR_UNAVAILABLE)
        api_problem(c, 503, "Service Unavailable", "The database is unreachable.", NULL);
    else if (err != PD_OK)
        api_problem(c, 503, "Service Unavailable", "The database could not be asked for its migrations.", NULL);
    else if (!current)
        api_problem(c, 503, "Service Unavailable", "Database migrations are not current.", NULL);
    else
        api_json(c, 200, json_pack("{s:s}", "status", "ready"));
}

DB_STMT(jobs_lag, "SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0) FROM jobs "
                 "WHERE status = 'pending' AND run_at <= now()");

/* METRICS_TOKEN, when set, as a bearer token (digests compared in constant time: neither the
 * token nor its length shows in the timing). */
static bool metrics_allowed(struct api_call *c)
{
    const char *want = g_config.metrics_token, *h = api_header(c, "Authorization");
    if (want[0] == '\0')
        return true;
    unsigned char a[32], b[32];
    sha256(want, strlen(want), a);
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
        sha256(h + 7, strlen(h + 7), b);
        if (crypto_verify_32(a, b) == 0)
            return true;
    }
    api_header_set(c, "WWW-Authenticate", "Bearer realm=\"metrics\"");
    api_problem(c, 401, "Unauthorized", "The metrics token is required.", NULL);
    return false;
}

void ops_metrics(struct api_call *c)
{
    if (!metrics_allowed(c))
        return;
    const char *methods[METRICS_MAX_ROUTES], *names[METRICS_MAX_ROUTES];
    size_t n = api_routes_len < METRICS_MAX_ROUTES ? api_routes_len : METRICS_MAX_ROUTES;
    for (size_t i = 0; i < n; i++) {
        methods[i] = api_routes[i].method;
        names[i] = api_routes[i].pattern;
    }
    struct metrics_gauges g = { .streams_open = stream_count(), .jobs_lag_seconds = -1,
                                .version = PROPDESK_VERSION, .started_at = started_at };
    db_pool_stats(&g.pool_in_use, &g.pool_idle, &g.pool_size);
    struct db_conn *db = NULL;
    PGresult *res = NULL;
    if (db_acquire(&db) == PD_OK) {
        if (db_exec(db, &jobs_lag, 0, NULL, &res) == PD_OK)
            g.jobs_lag_seconds = atof(db_value(res, 0, 0));
        PQclear(res);
        db_release(db);
    }
    char *text = metrics_render(methods, names, n, &g);
    if (text == NULL) {
        api_error(c, PD_ERR_NOMEM, NULL);
        return;
    }
    api_text(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
    free(text);
}

void ops_openapi(struct api_call *c)
{
    api_text(c, 200, "application/yaml", _binary_openapi_yaml_start,
             (size_t)(_binary_openapi_yaml_end - _binary_openapi_yaml_start));
    if (openapi_gz)
        api_precompressed(c, openapi_gz, openapi_gz_len);
}

void ops_root(struct api_call *c)
{
    api_no_content(c);
    c->status = 302;
    api_header_set(c, "Location", "/docs");
}

void ops_docs(struct api_call *c)
{
    api_text(c, 200, "text/html; charset=utf-8", docs_page, sizeof docs_page - 1);
    api_header_set(c, "Content-Security-Policy", DOCS_CSP);
}

void ops_docs_asset(struct api_call *c)
{
    const char *name = api_param(c, 0);
    if (strcmp(name, "init.js") == 0) {
        api_text(c, 200, "text/javascript; charset=utf-8", docs_init, sizeof docs_init - 1);
        api_header_set(c, "Cache-Control", "public, max-age=86400");
        return;
    }
    for (size_t i = 0; i < N_ASSETS; i++) {
        if (strcmp(name, assets[i].name) == 0 && assets[i].data != NULL) {
            api_text(c, 200, assets[i].type, assets[i].data, assets[i].len);
            if (assets[i].gz)
                api_precompressed(c, assets[i].gz, assets[i].gz_len);
            api_header_set(c, "Cache-Control", "public, max-age=86400");
            return;
        }
    }
    api_error(c, PD_ERR_NOT_FOUND, "No such documentation asset.");
}

void ops_jwks(struct api_call *c)
{
    const char *jwks = jwt_jwks();
    api_header_set(c, "Cache-Control", "public, max-age=300");
    api_text(c, 200, "application/json", jwks, strlen(jwks));
}
