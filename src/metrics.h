/* Request metrics for /metrics: counts by route and status, and a latency histogram per
 * route. Lock-free counters; rendering takes the route names from the caller. */
#ifndef PD_METRICS_H
#define PD_METRICS_H

#include <stddef.h>

#define METRICS_MAX_ROUTES 256  /* the route table's size may not exceed it (checked at start) */

/* route_index -1 = unmatched. */
void metrics_observe(int route_index, int status, double seconds);
/* One statement's round trip to the database (db_exec). */
void metrics_db_observe(double seconds);
/* The pipelined reads (src/db_pipe.c): one queued, one answered (or failed), one
 * connection lost or dropped for a fault, with whatever it had in flight. */
void metrics_pipe_queued(void);
void metrics_pipe_answered(void);
void metrics_pipe_lost(void);
/* One claim of the job table: how many jobs ran, how many of them failed. */
void metrics_jobs_observe(int ran, int failed);

/* What /metrics shows beside the counters. */
struct metrics_gauges {
    int pool_in_use, pool_idle, pool_size;
    int streams_open;
    double jobs_lag_seconds;      /* how late the oldest due job is (-1: unknown) */
    const char *version;
    long long started_at;         /* unix seconds */
};

/* Prometheus text exposition; caller frees. names[i] is route i's template. Also the
 * process_* family read from /proc. */
char *metrics_render(const char *const *methods, const char *const *names, size_t n_routes,
                     const struct metrics_gauges *g);

#endif
