/* JSON log lines. Each line is written with one write(2) so lines never interleave. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_set_level(enum log_level level) { min_level = level; }
int log_enabled(enum log_level level) { return level >= min_level; }

static void emit(json_t *j_line)
{
    struct timespec ts;
    struct tm tm;
    char stamp[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", ts.tv_nsec / 1000000);
    json_object_set_new(j_line, "ts", json_string(stamp));

    char *text = json_dumps(j_line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (text != NULL) {
        size_t len = strlen(text);
        text[len] = '\n'; /* json_dumps' terminator becomes the newline */
        ssize_t w = write(STDERR_FILENO, text, len + 1);
        (void)w;
        free(text);
    }
    json_decref(j_line);
}

void log_msg(enum log_level level, const char *request_id, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *j_line = json_object();
    json_object_set_new(j_line, "level", json_string(level_names[level]));
    json_object_set_new(j_line, "msg", json_string(msg));
    if (request_id != NULL)
        json_object_set_new(j_line, "request_id", json_string(request_id));
    emit(j_line);
}

static json_t *str_or_null(const char *s) { return s != NULL && *s ? json_string(s) : json_null(); }

void log_request(const struct log_access *a)
{
    if (LOG_INFO < min_level)
        return;
    json_t *j_line = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:s}", "level", "info",
                               "msg", "request", "method", a->method, "route", a->route,
                               "status", a->status, "duration_ms", a->duration_ms,
                               "request_id", a->request_id);
    if (j_line == NULL)
        return;
    json_object_set_new(j_line, "bytes", a->bytes >= 0 ? json_integer(a->bytes) : json_null());
    json_object_set_new(j_line, "user_id", str_or_null(a->user_id));
    json_object_set_new(j_line, "org_id", str_or_null(a->org_id));
    json_object_set_new(j_line, "client", str_or_null(a->client));
    if (a->trace_id != NULL) {
        json_object_set_new(j_line, "trace_id", json_string(a->trace_id));
        json_object_set_new(j_line, "parent_id", json_string(a->parent_id));
    }
    emit(j_line);
}
