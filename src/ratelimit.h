/* Request quotas per user and per API client (RATE_LIMIT_PER_MINUTE each), held across every
 * instance: each counts in memory, and a thread adds its counts to PostgreSQL and reads the
 * totals back every RATE_LIMIT_SYNC_MS (sql/migrations/0036_rate_limits.sql), so a request
 * never waits on the database for its quota. Instances may together let through a little
 * more than the quota: what each counted since its last sync. */
#ifndef PD_RATELIMIT_H
#define PD_RATELIMIT_H

#include <stdbool.h>

/* Counts one request of subject (a user's or client's id) against the current minute's
 * quota: true when it is within it. *remaining: requests left this minute; *reset: seconds
 * until the next. Always true while the quota is 0 (off). */
bool ratelimit_take(const char *subject, int *remaining, int *reset);

int ratelimit_start(const char *url, int per_minute, int sync_ms);
void ratelimit_stop(void);

#endif
