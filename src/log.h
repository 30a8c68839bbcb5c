/* Structured logging: one JSON object per line on stderr. Never pass secrets, tokens or
 * passwords to these functions. */
#ifndef PD_LOG_H
#define PD_LOG_H

#include "config.h"

void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

/* {"ts","level","msg","request_id"?}; request_id may be NULL. */
void log_msg(enum log_level level, const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One access log line. Every field but the first six may be NULL (or negative: bytes). */
struct log_access {
    const char *method, *route, *request_id;
    int status;
    double duration_ms;
    long long bytes;          /* the body as sent (-1: streamed) */
    const char *user_id, *org_id, *client;
    const char *trace_id, *parent_id;  /* W3C traceparent, when the request carried a valid one */
};
void log_request(const struct log_access *a);

#endif
