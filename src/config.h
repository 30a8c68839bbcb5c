/* Runtime configuration, read only from the environment (DESIGN §2). */
#ifndef PD_CONFIG_H
#define PD_CONFIG_H

#include <stddef.h>
#include "netguard.h"

#define CONFIG_MAX_RETRIES 16

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

struct pd_config {
    char database_url[1024];
    int port;
    char bind_address[64];
    char jwt_secret[512];          /* HS256 secret (>= 32 bytes) unless a key file is set */
    size_t jwt_secret_len;
    char jwt_private_key_file[512]; /* ES256 when set */
    char jwt_issuer[256];
    char jwt_audience[256];
    int access_ttl;                /* seconds */
    int refresh_ttl;               /* seconds */
    int db_pool_size;
    int http_threads;
    size_t max_body_bytes;
    size_t attachment_max_bytes;   /* raw uploads (POST /v1/attachments) */
    enum log_level log_level;
    int jobs_interval_ms;          /* how often the SLA sweep and auto-close run */
    int stream_heartbeat_ms;       /* the live stream's keep-alive comment */
    int stream_max_seconds;        /* a stream's lifetime */
    int stream_max_per_user, stream_max_total;
    char webhook_allowed_hosts[1024]; /* hosts or CIDR blocks a webhook may reach though private */
    int webhook_timeout_ms;        /* one delivery attempt */
    struct netguard webhook_guard; /* WEBHOOK_ALLOWED_HOSTS, parsed */
    struct netguard trusted_proxies; /* TRUSTED_PROXIES: whose X-Forwarded-For names the client */
    long long webhook_retry_ms[CONFIG_MAX_RETRIES]; /* WEBHOOK_RETRY_SCHEDULE "5s,5m,30m,2h,…": */
    int webhook_retries;           /* the delays after failed attempts 1, 2, … */
    int webhook_workers;           /* delivery threads (0: this instance sends none) */
    int webhook_disable_after_hours; /* a subscription failing this long is disabled */
    char cors_allowed_origins[1024]; /* exact origins browsers may call from, comma-separated */
    char metrics_token[256];       /* when set, /metrics wants it as a bearer token */
    int rate_limit_per_minute;     /* requests per user or client and minute (0: no quota) */
    int rate_limit_sync_ms;        /* how often instances add up their counts */
    char docs_dir[512];
    char migrations_dir[512];
};

/* Reads each variable through get(name, cls) (NULL = unset), applies defaults and checks
 * ranges. Returns 0, or -1 with a one-line reason in err. cores sizes HTTP_THREADS. */
int config_parse(struct pd_config *cfg, const char *(*get)(const char *name, void *cls),
                 void *cls, int cores, char *err, size_t errlen);

/* Serving needs a signing key: JWT_SECRET of >= 32 bytes or JWT_PRIVATE_KEY_FILE. */
int config_check_signing(const struct pd_config *cfg, char *err, size_t errlen);

/* Parses "5s,5m,2h" (seconds, minutes, hours) into out_ms: how many, or -1 when malformed
 * or longer than max. Pure. */
int config_durations(const char *list, long long out_ms[], int max);

/* config_parse over getenv(). */
int config_from_env(struct pd_config *cfg, char *err, size_t errlen);

extern struct pd_config g_config;

#endif
