/* Counters are relaxed atomics indexed by [route][status]; the histogram uses fixed
 * buckets chosen for an API whose p99 target is 10 ms. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"

static const double bucket_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define N_BUCKETS (sizeof bucket_le / sizeof bucket_le[0])
#define SLOTS (METRICS_MAX_ROUTES + 1)   /* last slot: unmatched */

static atomic_ulong status_count[SLOTS][600];
static atomic_ulong bucket_count[SLOTS][N_BUCKETS + 1];
static atomic_ulong sum_us[SLOTS];

void metrics_observe(int route_index, int status, double seconds)
{
    int slot = route_index >= 0 && route_index < METRICS_MAX_ROUTES ? route_index : METRICS_MAX_ROUTES;
    if (status < 100 || status > 599)
        status = 500;
    atomic_fetch_add_explicit(&status_count[slot][status], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BUCKETS && seconds > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&bucket_count[slot][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[slot], (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

struct buf {
    char *data;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->data != NULL && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 16384;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return;
        b->data = d;
        b->cap = cap;
    }
}

char *metrics_render(const char *const *methods, const char *const *names, size_t n_routes,
                     int pool_in_use, int pool_idle, int pool_size)
{
    struct buf b = { 0 };
    if (n_routes > METRICS_MAX_ROUTES)
        n_routes = METRICS_MAX_ROUTES;
    put(&b, "# HELP propdesk_http_requests_total HTTP requests by route template and status.\n"
            "# TYPE propdesk_http_requests_total counter\n");
    for (size_t r = 0; r <= n_routes; r++) {
        size_t slot = r == n_routes ? METRICS_MAX_ROUTES : r;
        const char *m = r == n_routes ? "" : methods[r], *name = r == n_routes ? "(unmatched)" : names[r];
        for (int s = 100; s < 600; s++) {
            unsigned long v = atomic_load_explicit(&status_count[slot][s], memory_order_relaxed);
            if (v)
                put(&b, "propdesk_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %lu\n", m, name, s, v);
        }
    }
    put(&b, "# HELP propdesk_http_request_duration_seconds Time to handle a request.\n"
            "# TYPE propdesk_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= n_routes; r++) {
        size_t slot = r == n_routes ? METRICS_MAX_ROUTES : r;
        const char *m = r == n_routes ? "" : methods[r], *name = r == n_routes ? "(unmatched)" : names[r];
        unsigned long cum = 0;
        for (size_t i = 0; i <= N_BUCKETS; i++)
            cum += atomic_load_explicit(&bucket_count[slot][i], memory_order_relaxed);
        if (cum == 0)
            continue;
        unsigned long running = 0;
        for (size_t i = 0; i < N_BUCKETS; i++) {
            running += atomic_load_explicit(&bucket_count[slot][i], memory_order_relaxed);
            put(&b, "propdesk_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %lu\n",
                m, name, bucket_le[i], running);
        }
        put(&b, "propdesk_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %lu\n", m, name, cum);
        put(&b, "propdesk_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, name,
            (double)atomic_load_explicit(&sum_us[slot], memory_order_relaxed) / 1e6);
        put(&b, "propdesk_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %lu\n", m, name, cum);
    }
    put(&b, "# HELP propdesk_db_pool_connections Database pool connections by state.\n"
            "# TYPE propdesk_db_pool_connections gauge\n"
            "propdesk_db_pool_connections{state=\"in_use\"} %d\n"
            "propdesk_db_pool_connections{state=\"idle\"} %d\n"
            "# HELP propdesk_db_pool_size Configured database pool size.\n"
            "# TYPE propdesk_db_pool_size gauge\n"
            "propdesk_db_pool_size %d\n", pool_in_use, pool_idle, pool_size);
    return b.data;
}
