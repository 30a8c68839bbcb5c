/* SQL for the SLA policy and the holiday calendar. */
#include <stdio.h>
#include <string.h>
#include "calendar.h"
#include "enums.h"
#include "rows.h"
#include "sla_policy.h"

#define TARGET_JSON(s) \
    "json_build_object('id', " s ".id, 'community_id', " s ".community_id, 'priority', " s ".priority, " \
    "'category', " s ".category, 'contact_minutes', " s ".contact_minutes, 'arrival_minutes', " s ".arrival_minutes, " \
    "'arrival_next_day', " s ".arrival_next_day, 'resolve_minutes', " s ".resolve_minutes, " \
    "'business_hours', " s ".business_hours)"
#define COMPLAINT_TARGET_JSON(s) \
    "json_build_object('id', " s ".id, 'community_id', " s ".community_id, 'severity', " s ".severity, " \
    "'forward_minutes', " s ".forward_minutes, 'acknowledge_minutes', " s ".acknowledge_minutes, " \
    "'resolve_minutes', " s ".resolve_minutes, 'business_hours', " s ".business_hours)"
#define CALLBACK_TARGET_JSON(s) \
    "json_build_object('id', " s ".id, 'community_id', " s ".community_id, 'source_kind', " s ".source_kind, " \
    "'rate', " s ".rate, 'window_start_hours', " s ".window_start_hours, 'window_end_hours', " s ".window_end_hours, " \
    "'assignee_id', " s ".assignee_id, 'max_attempts', " s ".max_attempts, 'retry_hours', " s ".retry_hours, " \
    "'on_unsatisfied', " s ".on_unsatisfied)"
#define SETTINGS_JSON(s) \
    "json_build_object('auto_close_hours', " s ".auto_close_hours, 'reopen_window_hours', " s ".reopen_window_hours, " \
    "'technician_open_cap', " s ".technician_open_cap, 'warn_before_minutes', " s ".warn_before_minutes, " \
    "'version', " s ".version, 'updated_at', pd_ts(" s ".updated_at))"
#define HOLIDAY_JSON(h) \
    "json_build_object('id', " h ".id, 'community_id', " h ".community_id, 'day', to_char(" h ".day, 'YYYY-MM-DD'), " \
    "'kind', " h ".kind, 'name', " h ".name, 'created_at', pd_ts(" h ".created_at))"

DB_STMT(ensure_settings, "INSERT INTO ticket_settings (org_id) VALUES ($1) ON CONFLICT DO NOTHING");
/* $1 org, $2 the caller's communities (community-specific targets only of those). */
DB_STMT(get_policy,
    "SELECT json_build_object('settings', (SELECT " SETTINGS_JSON("s") " FROM ticket_settings s WHERE s.org_id = $1), "
    "  'targets', coalesce((SELECT json_agg(" TARGET_JSON("t") " ORDER BY t.community_id NULLS FIRST, t.priority, t.category NULLS FIRST) "
    "     FROM sla_targets t WHERE t.org_id = $1 AND (t.community_id IS NULL OR $2::uuid[] IS NULL "
    "     OR t.community_id = ANY ($2))), '[]'), "
    "  'complaint_targets', coalesce((SELECT json_agg(" COMPLAINT_TARGET_JSON("p") " ORDER BY p.community_id NULLS FIRST, "
    "     array_position(ARRAY['major', 'important', 'general'], p.severity)) FROM complaint_policies p "
    "     WHERE p.org_id = $1 AND (p.community_id IS NULL OR $2::uuid[] IS NULL OR p.community_id = ANY ($2))), '[]'), "
    "  'complaint_defaults', (SELECT json_agg(json_build_object('severity', d.severity, "
    "     'forward_minutes', d.forward_minutes, 'acknowledge_minutes', d.acknowledge_minutes, "
    "     'resolve_minutes', d.resolve_minutes, 'business_hours', d.business_hours)) FROM pd_complaint_default_targets() d), "
    "  'callback_targets', coalesce((SELECT json_agg(" CALLBACK_TARGET_JSON("p") " ORDER BY p.community_id NULLS FIRST, "
    "     p.source_kind) FROM callback_policies p "
    "     WHERE p.org_id = $1 AND (p.community_id IS NULL OR $2::uuid[] IS NULL OR p.community_id = ANY ($2))), '[]'), "
    "  'callback_defaults', (SELECT json_agg(json_build_object('source_kind', d.source_kind, 'rate', d.rate, "
    "     'window_start_hours', d.window_start_hours, 'window_end_hours', d.window_end_hours, "
    "     'max_attempts', d.max_attempts, 'retry_hours', d.retry_hours, 'on_unsatisfied', d.on_unsatisfied)) "
    "     FROM pd_callback_default_policy() d))");
DB_STMT(update_settings,
    "UPDATE ticket_settings s SET "
    "  auto_close_hours = coalesce(($2::jsonb->>'auto_close_hours')::int, s.auto_close_hours), "
    "  reopen_window_hours = coalesce(($2::jsonb->>'reopen_window_hours')::int, s.reopen_window_hours), "
    "  technician_open_cap = coalesce(($2::jsonb->>'technician_open_cap')::int, s.technician_open_cap), "
    "  warn_before_minutes = coalesce(($2::jsonb->>'warn_before_minutes')::int, s.warn_before_minutes), "
    "  version = s.version + 1, updated_at = now() WHERE s.org_id = $1 RETURNING " SETTINGS_JSON("s"));
DB_STMT(insert_target,
    "INSERT INTO sla_targets (org_id, community_id, priority, category, contact_minutes, arrival_minutes, "
    "  arrival_next_day, resolve_minutes, business_hours) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING " TARGET_JSON("sla_targets"));
DB_STMT(delete_target, "DELETE FROM sla_targets WHERE org_id = $1 AND id = $2");
DB_STMT(insert_complaint_target,
    "INSERT INTO complaint_policies (org_id, community_id, severity, forward_minutes, acknowledge_minutes, "
    "  resolve_minutes, business_hours) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "RETURNING " COMPLAINT_TARGET_JSON("complaint_policies"));
DB_STMT(delete_complaint_target, "DELETE FROM complaint_policies WHERE org_id = $1 AND id = $2");
/* the named assignee ($7; NULL: the rule) must be an active staff member serving the
 * community (or the org, for an org-wide policy) */
DB_STMT(insert_callback_target,
    "INSERT INTO callback_policies (org_id, community_id, source_kind, rate, window_start_hours, window_end_hours, "
    "  assignee_id, max_attempts, retry_hours, on_unsatisfied) "
    "SELECT $1, $2, $3, $4::numeric, $5, $6, $7, $8, $9, $10 "
    "WHERE $7::uuid IS NULL OR EXISTS (SELECT 1 FROM users u JOIN role_grants g ON g.org_id = u.org_id "
    "  AND g.user_id = u.id AND g.role <> 'quality' AND (g.community_id IS NULL OR g.community_id = $2::uuid) "
    "  WHERE u.org_id = $1 AND u.id = $7 AND u.kind = 'staff' AND u.status = 'active') "
    "RETURNING " CALLBACK_TARGET_JSON("callback_policies"));
DB_STMT(delete_callback_target, "DELETE FROM callback_policies WHERE org_id = $1 AND id = $2");
/* $1 org, $2 the caller's communities, then $3 community id, $4 year. */
DB_STMT(list_holidays,
    "SELECT coalesce(json_agg(" HOLIDAY_JSON("h") " ORDER BY h.day, h.community_id NULLS FIRST), '[]') "
    "FROM holidays h WHERE h.org_id = $1 AND ($3::uuid IS NULL OR h.community_id IS NULL OR h.community_id = $3) "
    "AND ($4::int IS NULL OR extract(year FROM h.day) = $4::int) "
    "AND (h.community_id IS NULL OR $2::uuid[] IS NULL OR h.community_id = ANY ($2))");
DB_STMT(insert_holiday,
    "INSERT INTO holidays (org_id, community_id, day, kind, name) VALUES ($1, $2, $3::date, $4, $5) "
    "RETURNING " HOLIDAY_JSON("holidays"));
DB_STMT(delete_holiday, "DELETE FROM holidays WHERE org_id = $1 AND id = $2");

static json_t *defaults_json(void)
{
    json_t *j = json_array();
    for (const char *const *p = enum_codes("ticket_priority"); *p != NULL; p++) {
        struct sla_target t = sla_default_target(*p);
        json_array_append_new(j, json_pack("{s:s, s:i, s:o, s:b, s:i, s:b}", "priority", *p,
                                           "contact_minutes", t.contact_minutes, "arrival_minutes",
                                           t.arrival_next_day ? json_null() : json_integer(t.arrival_minutes),
                                           "arrival_next_day", t.arrival_next_day, "resolve_minutes",
                                           t.resolve_minutes, "business_hours", t.business_hours));
    }
    return j;
}

enum pd_err sla_policy_get(struct db_conn *db, const char *const scope[4], json_t **out)
{
    const char *p[] = { scope[0], scope[1] };
    enum pd_err err = db_exec(db, &ensure_settings, 1, p, NULL);
    if (err == PD_OK)
        err = rows_exec_one(db, &get_policy, 2, p, out);
    if (err == PD_OK)
        json_object_set_new(*out, "defaults", defaults_json());
    return err;
}

enum pd_err sla_settings_update(struct db_conn *db, const char *org, const char *patch, json_t **out)
{
    const char *p[] = { org, patch };
    enum pd_err err = db_exec(db, &ensure_settings, 1, p, NULL);
    return err == PD_OK ? rows_exec_one(db, &update_settings, 2, p, out) : err;
}

enum pd_err sla_target_create(struct db_conn *db, const char *org, const struct sla_target_in *in, json_t **out)
{
    const char *p[] = { org, in->community_id, in->priority, in->category, in->contact_minutes,
                        in->arrival_minutes, in->arrival_next_day ? "true" : "false", in->resolve_minutes,
                        in->business_hours ? "true" : "false" };
    return rows_exec_one(db, &insert_target, 9, p, out);
}

static enum pd_err delete_one(struct db_conn *db, struct db_stmt *st, const char *org, const char *id)
{
    const char *p[] = { org, id };
    PGresult *r;
    enum pd_err err = db_exec(db, st, 2, p, &r);
    if (err != PD_OK)
        return err;
    bool hit = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return hit ? PD_OK : PD_ERR_NOT_FOUND;
}

enum pd_err sla_target_delete(struct db_conn *db, const char *org, const char *id)
{
    return delete_one(db, &delete_target, org, id);
}

enum pd_err complaint_target_create(struct db_conn *db, const char *org, const struct complaint_target_in *in,
                                    json_t **out)
{
    const char *p[] = { org, in->community_id, in->severity, in->forward_minutes, in->acknowledge_minutes,
                        in->resolve_minutes, in->business_hours ? "true" : "false" };
    return rows_exec_one(db, &insert_complaint_target, 7, p, out);
}

enum pd_err complaint_target_delete(struct db_conn *db, const char *org, const char *id)
{
    return delete_one(db, &delete_complaint_target, org, id);
}

enum pd_err callback_target_create(struct db_conn *db, const char *org, const struct callback_target_in *in,
                                   json_t **out)
{
    const char *p[] = { org, in->community_id, in->source_kind, in->rate, in->window_start_hours,
                        in->window_end_hours, in->assignee_id, in->max_attempts, in->retry_hours, in->on_unsatisfied };
    return rows_exec_one(db, &insert_callback_target, 10, p, out);
}

enum pd_err callback_target_delete(struct db_conn *db, const char *org, const char *id)
{
    return delete_one(db, &delete_callback_target, org, id);
}

enum pd_err holiday_list(struct db_conn *db, const char *const scope[4], const char *community_id,
                         const char *year, json_t **out)
{
    const char *p[] = { scope[0], scope[1], community_id, year };
    json_t *j_items = NULL;
    enum pd_err err = rows_exec_one(db, &list_holidays, 4, p, &j_items);
    if (err == PD_OK)
        *out = json_pack("{s:o, s:n}", "items", j_items, "next_cursor");
    return err;
}

enum pd_err holiday_create(struct db_conn *db, const char *org, const char *community_id, const char *day,
                           const char *kind, const char *name, json_t **out)
{
    const char *p[] = { org, community_id, day, kind, name };
    return rows_exec_one(db, &insert_holiday, 5, p, out);
}

enum pd_err holiday_delete(struct db_conn *db, const char *org, const char *id)
{
    return delete_one(db, &delete_holiday, org, id);
}
