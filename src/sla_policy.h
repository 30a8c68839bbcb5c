/* The SLA policy an admin manages: workflow settings (auto-close delay, reopen window,
 * technician cap, warning lead), SLA targets by priority/category per org or community, the
 * complaints' deadlines by severity per org or community, and the holiday calendar (days off
 * and 调休 working days). */
#ifndef PD_SLA_POLICY_H
#define PD_SLA_POLICY_H

#include <jansson.h>
#include "db.h"

/* {settings, targets, defaults, complaint_targets, complaint_defaults, callback_targets,
 * callback_defaults}. scope: the caller's (api_scope_params: org, communities,
 * units, self); its communities limit community-specific targets to the caller's. */
enum pd_err sla_policy_get(struct db_conn *db, const char *const scope[4], json_t **out);
/* patch: validated JSON of settings fields. */
enum pd_err sla_settings_update(struct db_conn *db, const char *org, const char *patch, json_t **out);

struct sla_target_in {
    const char *community_id, *priority, *category;
    const char *contact_minutes, *arrival_minutes, *resolve_minutes;  /* decimal text */
    bool arrival_next_day, business_hours;
};
/* PD_ERR_CONFLICT when a target for that community/priority/category exists;
 * PD_ERR_NOT_FOUND when the community is not in the org. */
enum pd_err sla_target_create(struct db_conn *db, const char *org, const struct sla_target_in *in, json_t **out);
enum pd_err sla_target_delete(struct db_conn *db, const char *org, const char *id);
/* A complaint deadline target (0022 complaint_policies): the same errors as an SLA target's
 * for its community and severity. */
struct complaint_target_in {
    const char *community_id, *severity;
    const char *forward_minutes, *acknowledge_minutes, *resolve_minutes;  /* decimal text */
    bool business_hours;
};
enum pd_err complaint_target_create(struct db_conn *db, const char *org, const struct complaint_target_in *in,
                                    json_t **out);
enum pd_err complaint_target_delete(struct db_conn *db, const char *org, const char *id);
/* A callback policy row (0024 callback_policies); PD_ERR_NOT_FOUND when the assignee is no
 * staff member of the org (or the community not in it), PD_ERR_CONFLICT when one exists. */
struct callback_target_in {
    const char *community_id, *source_kind, *assignee_id, *on_unsatisfied;
    const char *rate, *window_start_hours, *window_end_hours, *max_attempts, *retry_hours;  /* decimal text */
};
enum pd_err callback_target_create(struct db_conn *db, const char *org, const struct callback_target_in *in,
                                   json_t **out);
enum pd_err callback_target_delete(struct db_conn *db, const char *org, const char *id);

/* The org-wide days and those of the caller's communities (scope's: a uuid[] literal, NULL
 * for org-wide callers), optionally of one community and one year. */
enum pd_err holiday_list(struct db_conn *db, const char *const scope[4], const char *community_id,
                         const char *year, json_t **out);
enum pd_err holiday_create(struct db_conn *db, const char *org, const char *community_id, const char *day,
                           const char *kind, const char *name, json_t **out);
enum pd_err holiday_delete(struct db_conn *db, const char *org, const char *id);

#endif
