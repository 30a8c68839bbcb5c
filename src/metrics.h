/* Request metrics for /metrics: counts by route and status, and a latency histogram per
 * route. Lock-free counters; rendering takes the route names from the caller. */
#ifndef PD_METRICS_H
#define PD_METRICS_H

#include <stddef.h>

#define METRICS_MAX_ROUTES 128

/* route_index -1 = unmatched. */
void metrics_observe(int route_index, int status, double seconds);
/* Prometheus text exposition; caller frees. names[i] is route i's template. */
char *metrics_render(const char *const *methods, const char *const *names, size_t n_routes,
                     int pool_in_use, int pool_idle, int pool_size);

#endif
