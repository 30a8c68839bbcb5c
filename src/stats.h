/* Statistics, computed in SQL. Tickets: volume, median and p90 times to contact, arrival and
 * resolution, SLA compliance per clock, reopen rate and average rating. Complaints: counts
 * (duplicates once), nature shares, on-time rates per deadline, escalations, extensions,
 * reopen rate, times, rating and repeats. */
#ifndef PD_STATS_H
#define PD_STATS_H

#include <jansson.h>
#include "db.h"

/* scope: the caller's (api_scope_params), read by org and communities (NULL = the whole
 * org); community_id: one of them or NULL for all;
 * from/to: RFC 3339 bounds on created_at ([from, to)). out: {groups: [...], totals: {...}}. */
enum pd_err stats_tickets(struct db_conn *db, const char *const scope[4],
                          const char *community_id, const char *from, const char *to,
                          const char *group_by, json_t **out);

/* The same for complaints received in [from, to). */
enum pd_err stats_complaints(struct db_conn *db, const char *const scope[4],
                             const char *community_id, const char *from, const char *to,
                             const char *group_by, json_t **out);

/* The same for callbacks (group_by unused: one view). */
enum pd_err stats_callbacks(struct db_conn *db, const char *const scope[4], const char *community_id,
                            const char *from, const char *to, const char *group_by, json_t **out);

#endif
