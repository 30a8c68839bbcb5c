/* /v1/stats/tickets, /v1/stats/complaints and /v1/stats/callbacks: statistics for supervisors, managers, quality
 * and admins, over the communities they may see and a period of at most a year. */
#include <stdio.h>
#include <string.h>
#include "../src/enums.h"
#include "../src/stats.h"
#include "routes.h"

typedef enum pd_err (*stats_fn)(struct db_conn *db, const char *const scope[4], const char *community_id,
                                const char *from, const char *to, const char *group_by, json_t **out);

/* The one shape of a statistics request: community_id, from, to (at most a year apart) and
 * group_by among the codes of group_enum (default first; NULL: no grouping). */
static void stats_show(struct api_call *c, const char *group_enum, const char *first, stats_fn fn)
{
    struct verr v;
    time_t from_t = 0, to_t = 0;
    verr_init(&v);
    const char *community = q_uuid(&v, "community_id", api_query(c, "community_id"));
    const char *from = api_query(c, "from"), *to = api_query(c, "to");
    const char *group_by = group_enum ? q_enum(&v, "group_by", api_query(c, "group_by"), enum_codes(group_enum)) : NULL;
    if (from == NULL || !rfc3339_parse(from, &from_t))
        verr_add(&v, "from", "is required: an RFC 3339 date-time");
    if (to == NULL || !rfc3339_parse(to, &to_t))
        verr_add(&v, "to", "is required: an RFC 3339 date-time");
    else if (from_t && to_t <= from_t)
        verr_add(&v, "to", "must be after from");
    else if (from_t && to_t - from_t > 366L * 86400)
        verr_add(&v, "to", "the period is at most a year");
    if (!api_valid(c, &v) || !api_db(c))
        return;
    const char *scope[4];
    api_scope_params(c, scope);
    if (community != NULL && !principal_in_community(&c->who, community)) {
        api_error(c, PD_ERR_NOT_FOUND, "No such community within your reach.");
        return;
    }
    json_t *j = NULL;
    if (group_by == NULL)
        group_by = first;
    enum pd_err err = fn(c->db, scope, community, from, to, group_by, &j);
    if (err != PD_OK) {
        api_error(c, err, NULL);
        return;
    }
    json_object_set_new(j, "community_id", community ? json_string(community) : json_null());
    json_object_set_new(j, "from", json_string(from));
    json_object_set_new(j, "to", json_string(to));
    if (group_enum != NULL)
        json_object_set_new(j, "group_by", json_string(group_by));
    api_json(c, 200, j);
}

void stats_tickets_show(struct api_call *c) { stats_show(c, "stats_group_by", "category", stats_tickets); }

void stats_complaints_show(struct api_call *c)
{
    stats_show(c, "complaint_stats_group_by", "content", stats_complaints);
}

void stats_callbacks_show(struct api_call *c) { stats_show(c, NULL, NULL, stats_callbacks); }
