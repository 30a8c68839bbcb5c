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

/* The access line: method, route template, status, duration, request id, user id. */
void log_request(const char *method, const char *route, int status, double duration_ms,
                 const char *request_id, const char *user_id);

#endif
