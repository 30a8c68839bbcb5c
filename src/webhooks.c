/* Webhook subscriptions and the delivery log: the SQL behind /v1/webhooks and
 * /v1/webhook-deliveries. Rendering is pd_webhook_json / pd_webhook_delivery_json. */
#include <string.h>
#include "rows.h"
#include "webhooks.h"

static const struct list_filter webhook_filters[] = {
    { "active", LIST_FLAG, NULL, 0, "s.active" },
};

const struct list_spec webhook_list_spec = {
    .name = "webhooks",
    .select = "SELECT pd_webhook_json(s), (extract(epoch FROM s.created_at) * 1000000)::bigint, s.id "
              "FROM webhook_subscriptions s WHERE s.org_id = $1",
    .n_base = 1,
    .keyset = "(s.created_at, s.id)",
    .order = "s.created_at DESC, s.id DESC",
    .filters = webhook_filters,
    .n_filters = sizeof webhook_filters / sizeof webhook_filters[0],
};

static const struct list_filter delivery_filters[] = {
    { "status", LIST_ENUM, "webhook_delivery_status", 0, "o.status = $v" },
};

const struct list_spec webhook_delivery_list_spec = {
    .name = "webhook deliveries",
    .select = "SELECT pd_webhook_delivery_json(o, false), (extract(epoch FROM o.created_at) * 1000000)::bigint, o.id "
              "FROM webhook_outbox o WHERE o.org_id = $1 AND o.subscription_id = $2",
    .n_base = 2,
    .keyset = "(o.created_at, o.id)",
    .order = "o.created_at DESC, o.id DESC",
    .filters = delivery_filters,
    .n_filters = sizeof delivery_filters / sizeof delivery_filters[0],
};

DB_STMT(insert,
    "INSERT INTO webhook_subscriptions (org_id, url, description, event_types, active, secret, created_by) "
    "VALUES ($1, $2, coalesce($3, ''), $4::text[], coalesce($5::boolean, true), $6, $7) "
    "RETURNING pd_webhook_json(webhook_subscriptions)");
DB_STMT(get, "SELECT pd_webhook_json(s) FROM webhook_subscriptions s WHERE s.org_id = $1 AND s.id = $2");
DB_STMT(update,
    "UPDATE webhook_subscriptions s SET url = coalesce($4, s.url), description = coalesce($5, s.description), "
    "  event_types = coalesce($6::text[], s.event_types), active = coalesce($7::boolean, s.active), "
    "  failing_since = CASE WHEN $7::boolean AND NOT s.active THEN NULL ELSE s.failing_since END, "
    "  disabled_reason = CASE WHEN $7::boolean THEN NULL ELSE s.disabled_reason END, "
    "  version = s.version + 1, updated_at = now() "
    "WHERE s.org_id = $1 AND s.id = $2 AND ($3::integer IS NULL OR s.version = $3) RETURNING pd_webhook_json(s)");
DB_STMT(delete_subscription, "DELETE FROM webhook_subscriptions WHERE org_id = $1 AND id = $2");
DB_STMT(rotate,
    "UPDATE webhook_subscriptions s SET previous_secret = s.secret, previous_expires_at = now() + interval '24 hours', "
    "  secret = $3, version = s.version + 1, updated_at = now() "
    "WHERE s.org_id = $1 AND s.id = $2 RETURNING pd_webhook_json(s)");
DB_STMT(test_event, "SELECT m FROM pd_webhook_test($1, $2, $3, $4) m WHERE m IS NOT NULL");
DB_STMT(delivery,
    "SELECT pd_webhook_delivery_json(o, true) FROM webhook_outbox o WHERE o.org_id = $1 AND o.id = $2");
/* one sending at a time: a pending message is not replayed (its job is still to run) */
DB_STMT(replay_state, "SELECT status FROM webhook_outbox WHERE org_id = $1 AND id = $2 FOR UPDATE");
DB_STMT(replay,
    "WITH o AS (UPDATE webhook_outbox SET status = 'pending', replays = replays + 1, next_attempt_at = now() "
    "           WHERE org_id = $1 AND id = $2 AND status <> 'pending' RETURNING *), "
    "     j AS (SELECT pd_webhook_schedule(o.org_id, o.id, o.replays) FROM o) "
    "SELECT pd_webhook_delivery_json(o, false) FROM o, j");

enum pd_err webhook_create(struct db_conn *db, const char *org, const char *actor, const struct webhook_in *in,
                           const char *secret, json_t **out)
{
    const char *p[] = { org, in->url, in->description, in->event_types, in->active, secret, actor };
    return rows_exec_one(db, &insert, 7, p, out);
}

enum pd_err webhook_get(struct db_conn *db, const char *org, const char *id, json_t **out)
{
    const char *p[] = { org, id };
    return rows_exec_one(db, &get, 2, p, out);
}

enum pd_err webhook_update(struct db_conn *db, const char *org, const char *id, const char *version,
                           const struct webhook_in *in, json_t **out)
{
    const char *p[] = { org, id, version, in->url, in->description, in->event_types, in->active };
    const char *gp[] = { org, id };
    return rows_exec_update(db, &update, 7, p, &get, 2, gp, out);
}

enum pd_err webhook_delete(struct db_conn *db, const char *org, const char *id)
{
    const char *p[] = { org, id };
    PGresult *r = NULL;
    enum pd_err err = db_exec(db, &delete_subscription, 2, p, &r);
    if (err == PD_OK && atoi(PQcmdTuples(r)) == 0)
        err = PD_ERR_NOT_FOUND;
    PQclear(r);
    return err;
}

enum pd_err webhook_rotate(struct db_conn *db, const char *org, const char *id, const char *secret, json_t **out)
{
    const char *p[] = { org, id, secret };
    return rows_exec_one(db, &rotate, 3, p, out);
}

enum pd_err webhook_test(struct db_conn *db, const char *org, const char *id, const char *actor, const char *role,
                         json_t **out)
{
    const char *p[] = { org, id, actor, role };
    return rows_exec_one(db, &test_event, 4, p, out);
}

enum pd_err webhook_delivery_get(struct db_conn *db, const char *org, const char *id, json_t **out)
{
    const char *p[] = { org, id };
    return rows_exec_one(db, &delivery, 2, p, out);
}

enum pd_err webhook_replay(struct db_conn *db, const char *org, const char *id, json_t **out)
{
    const char *p[] = { org, id };
    PGresult *r = NULL;
    enum pd_err err = rows_exec_row(db, &replay_state, 2, p, &r);
    if (err == PD_OK && strcmp(db_value(r, 0, 0), "pending") == 0)
        err = PD_ERR_CONFLICT;
    PQclear(r);
    return err == PD_OK ? rows_exec_one(db, &replay, 2, p, out) : err;
}
