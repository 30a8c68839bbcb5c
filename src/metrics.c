/* Counters are relaxed atomics indexed by [route][status]; the histogram uses fixed
 * buckets chosen for an API whose p99 target is 10 ms. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>
#include "metrics.h"

static const double bucket_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define N_BUCKETS (sizeof bucket_le / sizeof bucket_le[0])
#define SLOTS (METRICS_MAX_ROUTES + 1)   /* last slot: unmatched */

static atomic_ulong status_count[SLOTS][600];
/* the database's round trips, and the job table's claims */
static atomic_ulong db_bucket[N_BUCKETS + 1], db_sum_us;
static atomic_ulong job_claims, job_runs, job_failures;
static atomic_ulong pipe_reads, pipe_losses;
static atomic_long pipe_in_flight;
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

void metrics_db_observe(double seconds)
{
    size_t b = 0;
    while (b < N_BUCKETS && seconds > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&db_bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&db_sum_us, (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

void metrics_pipe_queued(void)
{
    atomic_fetch_add_explicit(&pipe_reads, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pipe_in_flight, 1, memory_order_relaxed);
}

void metrics_pipe_answered(void) { atomic_fetch_sub_explicit(&pipe_in_flight, 1, memory_order_relaxed); }

void metrics_pipe_lost(void) { atomic_fetch_add_explicit(&pipe_losses, 1, memory_order_relaxed); }

void metrics_jobs_observe(int ran, int failed)
{
    atomic_fetch_add_explicit(&job_claims, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&job_runs, (unsigned long)(ran > 0 ? ran : 0), memory_order_relaxed);
    atomic_fetch_add_explicit(&job_failures, (unsigned long)(failed > 0 ? failed : 0), memory_order_relaxed);
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

/* process_* as Prometheus clients name them, from /proc/self (Linux). */
static void process_metrics(struct buf *b, long long started_at)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            pages = rss = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        fds += e->d_name[0] != '.';
    if (d)
        closedir(d);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    struct rlimit rl;
    long long max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long long)rl.rlim_cur : -1;
    put(b, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
           "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
           "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
           "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %lld\n"
           "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
           "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %lld\n"
           "# HELP process_open_fds Number of open file descriptors.\n"
           "# TYPE process_open_fds gauge\nprocess_open_fds %d\n"
           "# HELP process_max_fds Maximum number of open file descriptors.\n"
           "# TYPE process_max_fds gauge\nprocess_max_fds %lld\n"
           "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
           "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %lld\n",
        cpu, (long long)rss * page, (long long)pages * page, fds > 0 ? fds - 1 : 0, max_fds, started_at);
}

/* One histogram's series: labels is "" or `a="x",b="y"` (set on every line). */
static void histogram(struct buf *b, const char *name, const char *labels, atomic_ulong *buckets, atomic_ulong *sum)
{
    const char *sep = labels[0] ? "," : "";
    unsigned long running = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        running += atomic_load_explicit(&buckets[i], memory_order_relaxed);
        put(b, "%s_bucket{%s%sle=\"%g\"} %lu\n", name, labels, sep, bucket_le[i], running);
    }
    running += atomic_load_explicit(&buckets[N_BUCKETS], memory_order_relaxed);
    put(b, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name, labels, sep, running);
    put(b, labels[0] ? "%s_sum{%s} %.6f\n" : "%s_sum%s %.6f\n", name, labels,
        (double)atomic_load_explicit(sum, memory_order_relaxed) / 1e6);
    put(b, labels[0] ? "%s_count{%s} %lu\n" : "%s_count%s %lu\n", name, labels, running);
}

char *metrics_render(const char *const *methods, const char *const *names, size_t n_routes,
                     const struct metrics_gauges *g)
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
        char labels[600];
        snprintf(labels, sizeof labels, "method=\"%s\",route=\"%s\"", m, name);
        histogram(&b, "propdesk_http_request_duration_seconds", labels, bucket_count[slot], &sum_us[slot]);
    }
    put(&b, "# HELP propdesk_db_pool_connections Database pool connections by state.\n"
            "# TYPE propdesk_db_pool_connections gauge\n"
            "propdesk_db_pool_connections{state=\"in_use\"} %d\n"
            "propdesk_db_pool_connections{state=\"idle\"} %d\n"
            "# HELP propdesk_db_pool_size Configured database pool size.\n"
            "# TYPE propdesk_db_pool_size gauge\n"
            "propdesk_db_pool_size %d\n", g->pool_in_use, g->pool_idle, g->pool_size);
    put(&b, "# HELP propdesk_db_query_duration_seconds Round trips of statements to the database (a pipelined "
            "read's includes its wait behind the reads ahead of it).\n"
            "# TYPE propdesk_db_query_duration_seconds histogram\n");
    histogram(&b, "propdesk_db_query_duration_seconds", "", db_bucket, &db_sum_us);
    put(&b, "# HELP propdesk_db_pipe_reads_total Reads queued on the event loops' pipelined connections.\n"
            "# TYPE propdesk_db_pipe_reads_total counter\npropdesk_db_pipe_reads_total %lu\n"
            "# HELP propdesk_db_pipe_reads_in_flight Pipelined reads queued and not yet answered.\n"
            "# TYPE propdesk_db_pipe_reads_in_flight gauge\npropdesk_db_pipe_reads_in_flight %ld\n"
            "# HELP propdesk_db_pipe_lost_total Pipelined connections lost or dropped for a fault (reads in flight ran "
            "again on the pool).\n"
            "# TYPE propdesk_db_pipe_lost_total counter\npropdesk_db_pipe_lost_total %lu\n",
        atomic_load_explicit(&pipe_reads, memory_order_relaxed),
        atomic_load_explicit(&pipe_in_flight, memory_order_relaxed),
        atomic_load_explicit(&pipe_losses, memory_order_relaxed));
    put(&b, "# HELP propdesk_jobs_claims_total Claims of the job table (each takes up to a batch of due jobs).\n"
            "# TYPE propdesk_jobs_claims_total counter\npropdesk_jobs_claims_total %lu\n"
            "# HELP propdesk_jobs_runs_total Jobs run (successfully or not).\n"
            "# TYPE propdesk_jobs_runs_total counter\npropdesk_jobs_runs_total %lu\n"
            "# HELP propdesk_jobs_failures_total Job runs that failed (retried later, or dead).\n"
            "# TYPE propdesk_jobs_failures_total counter\npropdesk_jobs_failures_total %lu\n",
        atomic_load_explicit(&job_claims, memory_order_relaxed), atomic_load_explicit(&job_runs, memory_order_relaxed),
        atomic_load_explicit(&job_failures, memory_order_relaxed));
    if (g->jobs_lag_seconds >= 0)
        put(&b, "# HELP propdesk_jobs_lag_seconds How long the oldest due job has been waiting.\n"
                "# TYPE propdesk_jobs_lag_seconds gauge\npropdesk_jobs_lag_seconds %.3f\n", g->jobs_lag_seconds);
    put(&b, "# HELP propdesk_streams_open Live event streams open on this instance.\n"
            "# TYPE propdesk_streams_open gauge\npropdesk_streams_open %d\n"
            "# HELP propdesk_build_info The running build (its version is the contract's).\n"
            "# TYPE propdesk_build_info gauge\npropdesk_build_info{version=\"%s\"} 1\n",
        g->streams_open, g->version);
    process_metrics(&b, g->started_at);
    return b.data;
}
