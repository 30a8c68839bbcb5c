/* Environment configuration: defaults, parsing and range checks. No I/O beyond getenv. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"

struct pd_config g_config;

static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* An integer variable with a default and a range. */
static int int_var(const char *(*get)(const char *, void *), void *cls, const char *name,
                   long def, long min, long max, long *out, char *err, size_t errlen)
{
    const char *v = get(name, cls);
    *out = def;
    if (v == NULL || *v == '\0')
        return 0;
    if (parse_int(v, min, max, out) != 0)
        FAIL("%s must be an integer from %ld to %ld", name, min, max);
    return 0;
}

static int str_var(const char *(*get)(const char *, void *), void *cls, const char *name,
                   const char *def, char *dst, size_t cap, char *err, size_t errlen)
{
    const char *v = get(name, cls);
    if (v == NULL || *v == '\0')
        v = def;
    if (copy_str(dst, cap, v) != 0)
        FAIL("%s is too long (at most %zu bytes)", name, cap - 1);
    return 0;
}

int config_durations(const char *list, long long out_ms[], int max)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        long long unit = *end == 's' ? 1000 : *end == 'm' ? 60000 : *end == 'h' ? 3600000 : 0;
        if (end == p || v < 0 || v > 100000 || unit == 0 || n == max)
            return -1;
        out_ms[n++] = v * unit;
        p = end + 1;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return -1;
    }
    return n;
}

int config_parse(struct pd_config *cfg, const char *(*get)(const char *name, void *cls),
                 void *cls, int cores, char *err, size_t errlen)
{
    long v;
    memset(cfg, 0, sizeof *cfg);

    if (str_var(get, cls, "DATABASE_URL", "", cfg->database_url, sizeof cfg->database_url, err, errlen))
        return -1;
    if (int_var(get, cls, "PORT", 8080, 1, 65535, &v, err, errlen))
        return -1;
    cfg->port = (int)v;
    if (str_var(get, cls, "BIND_ADDRESS", "0.0.0.0", cfg->bind_address, sizeof cfg->bind_address, err, errlen))
        return -1;
    if (str_var(get, cls, "JWT_SECRET", "", cfg->jwt_secret, sizeof cfg->jwt_secret, err, errlen))
        return -1;
    cfg->jwt_secret_len = strlen(cfg->jwt_secret);
    if (str_var(get, cls, "JWT_PRIVATE_KEY_FILE", "", cfg->jwt_private_key_file,
                sizeof cfg->jwt_private_key_file, err, errlen))
        return -1;
    if (str_var(get, cls, "JWT_ISSUER", "propdesk", cfg->jwt_issuer, sizeof cfg->jwt_issuer, err, errlen))
        return -1;
    if (str_var(get, cls, "JWT_AUDIENCE", "propdesk-api", cfg->jwt_audience, sizeof cfg->jwt_audience, err, errlen))
        return -1;
    if (int_var(get, cls, "ACCESS_TTL", 900, 60, 86400, &v, err, errlen))
        return -1;
    cfg->access_ttl = (int)v;
    if (int_var(get, cls, "REFRESH_TTL", 30 * 86400, 300, 365L * 86400, &v, err, errlen))
        return -1;
    cfg->refresh_ttl = (int)v;
    /* four event loops per core: each has its own pipelined PostgreSQL backend, and the reads
     * queued on a backend that is short of CPU wait for it (README, "Four loops per core").
     * At most 16 by default: an instance then holds at most 2 × 16 + 7 = 39 connections */
    long loops = 4L * (cores > 0 ? cores : 1);
    if (int_var(get, cls, "HTTP_THREADS", loops < 16 ? loops : 16, 1, 256, &v, err, errlen))
        return -1;
    cfg->http_threads = (int)v;
    /* one connection per HTTP worker plus two for background jobs */
    if (int_var(get, cls, "DB_POOL_SIZE", cfg->http_threads + 2, 1, 512, &v, err, errlen))
        return -1;
    cfg->db_pool_size = (int)v;
    if (int_var(get, cls, "MAX_BODY_BYTES", 1L << 20, 1024, 64L << 20, &v, err, errlen))
        return -1;
    cfg->max_body_bytes = (size_t)v;
    if (int_var(get, cls, "ATTACHMENT_MAX_BYTES", 10L << 20, 1024, 64L << 20, &v, err, errlen))
        return -1;
    cfg->attachment_max_bytes = (size_t)v;

    if (int_var(get, cls, "JOBS_INTERVAL_MS", 15000, 100, 3600000, &v, err, errlen))
        return -1;
    cfg->jobs_interval_ms = (int)v;

    if (int_var(get, cls, "STREAM_HEARTBEAT_MS", 15000, 100, 300000, &v, err, errlen))
        return -1;
    cfg->stream_heartbeat_ms = (int)v;
    if (int_var(get, cls, "STREAM_MAX_SECONDS", 3600, 10, 86400, &v, err, errlen))
        return -1;
    cfg->stream_max_seconds = (int)v;
    if (int_var(get, cls, "STREAM_MAX_PER_USER", 5, 1, 100000, &v, err, errlen))
        return -1;
    cfg->stream_max_per_user = (int)v;
    if (int_var(get, cls, "STREAM_MAX_TOTAL", 2000, 1, 100000, &v, err, errlen))
        return -1;
    cfg->stream_max_total = (int)v;

    if (str_var(get, cls, "WEBHOOK_ALLOWED_HOSTS", "", cfg->webhook_allowed_hosts,
                sizeof cfg->webhook_allowed_hosts, err, errlen))
        return -1;
    if (int_var(get, cls, "WEBHOOK_TIMEOUT_MS", 15000, 100, 120000, &v, err, errlen))
        return -1;
    cfg->webhook_timeout_ms = (int)v;
    char proxies[1024];
    if (str_var(get, cls, "TRUSTED_PROXIES", "", proxies, sizeof proxies, err, errlen))
        return -1;
    if (netguard_parse(proxies, &cfg->trusted_proxies) != PD_OK)
        FAIL("TRUSTED_PROXIES must list addresses or CIDR blocks, comma-separated");
    if (netguard_parse(cfg->webhook_allowed_hosts, &cfg->webhook_guard) != PD_OK)
        FAIL("WEBHOOK_ALLOWED_HOSTS must list host names or CIDR blocks, comma-separated");
    char schedule[256];
    if (str_var(get, cls, "WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,14h,20h,24h", schedule, sizeof schedule,
                err, errlen))
        return -1;
    cfg->webhook_retries = config_durations(schedule, cfg->webhook_retry_ms, CONFIG_MAX_RETRIES);
    if (cfg->webhook_retries < 0)
        FAIL("WEBHOOK_RETRY_SCHEDULE must be up to %d durations like 5s, 5m, 2h, comma-separated", CONFIG_MAX_RETRIES);
    if (int_var(get, cls, "WEBHOOK_WORKERS", 2, 0, 32, &v, err, errlen))
        return -1;
    cfg->webhook_workers = (int)v;
    if (int_var(get, cls, "WEBHOOK_DISABLE_AFTER_HOURS", 120, 1, 8760, &v, err, errlen))
        return -1;
    cfg->webhook_disable_after_hours = (int)v;
    if (str_var(get, cls, "CORS_ALLOWED_ORIGINS", "", cfg->cors_allowed_origins, sizeof cfg->cors_allowed_origins,
                err, errlen))
        return -1;
    if (str_var(get, cls, "METRICS_TOKEN", "", cfg->metrics_token, sizeof cfg->metrics_token, err, errlen))
        return -1;
    if (int_var(get, cls, "RATE_LIMIT_PER_MINUTE", 600, 0, 10000000, &v, err, errlen))
        return -1;
    cfg->rate_limit_per_minute = (int)v;
    if (int_var(get, cls, "RATE_LIMIT_SYNC_MS", 250, 10, 60000, &v, err, errlen))
        return -1;
    cfg->rate_limit_sync_ms = (int)v;
    if (strchr(cfg->cors_allowed_origins, '*') || strpbrk(cfg->cors_allowed_origins, "\r\n"))
        FAIL("CORS_ALLOWED_ORIGINS lists exact origins such as https://desk.example.com, comma-separated (no *)");

    const char *lvl = get("LOG_LEVEL", cls);
    if (lvl == NULL || *lvl == '\0' || strcmp(lvl, "info") == 0)
        cfg->log_level = LOG_INFO;
    else if (strcmp(lvl, "debug") == 0)
        cfg->log_level = LOG_DEBUG;
    else if (strcmp(lvl, "warn") == 0)
        cfg->log_level = LOG_WARN;
    else if (strcmp(lvl, "error") == 0)
        cfg->log_level = LOG_ERROR;
    else
        FAIL("LOG_LEVEL must be one of debug, info, warn, error");

    if (str_var(get, cls, "DOCS_DIR", "build/docs", cfg->docs_dir, sizeof cfg->docs_dir, err, errlen))
        return -1;
    if (str_var(get, cls, "MIGRATIONS_DIR", "sql/migrations", cfg->migrations_dir,
                sizeof cfg->migrations_dir, err, errlen))
        return -1;
    return 0;
}

int config_check_signing(const struct pd_config *cfg, char *err, size_t errlen)
{
    if (cfg->jwt_private_key_file[0] == '\0' && cfg->jwt_secret_len < 32)
        FAIL("JWT_SECRET must be set to at least 32 bytes (or JWT_PRIVATE_KEY_FILE for ES256)");
    return 0;
}

static const char *env_get(const char *name, void *cls)
{
    (void)cls;
    return getenv(name);
}

int config_from_env(struct pd_config *cfg, char *err, size_t errlen)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return config_parse(cfg, env_get, NULL, cores > 0 && cores < INT_MAX ? (int)cores : 1, err, errlen);
}
