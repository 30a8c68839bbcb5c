/* Webhook subscriptions and their delivery log (sql/migrations/0032_webhooks.sql), managed by
 * an org's admins. A secret leaves the server once, in the reply that made it. What is sent,
 * and when, is src/webhook_delivery.c's. */
#ifndef PD_WEBHOOKS_H
#define PD_WEBHOOKS_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "pd.h"

/* A subscription's fields, as validated text (NULL: not given). */
struct webhook_in {
    const char *url, *description;
    const char *event_types;   /* a text[] literal */
    const char *active;        /* "true" / "false" */
};

/* GET /v1/webhooks ($1 org) and GET /v1/webhooks/{id}/deliveries ($1 org, $2 subscription). */
extern const struct list_spec webhook_list_spec, webhook_delivery_list_spec;

/* Creates a subscription with secret (whsign_secret_new). */
enum pd_err webhook_create(struct db_conn *db, const char *org, const char *actor, const struct webhook_in *in,
                           const char *secret, json_t **out);
enum pd_err webhook_get(struct db_conn *db, const char *org, const char *id, json_t **out);
/* version NULL: any. Activating clears its failure record. PD_ERR_STALE, PD_ERR_NOT_FOUND. */
enum pd_err webhook_update(struct db_conn *db, const char *org, const char *id, const char *version,
                           const struct webhook_in *in, json_t **out);
/* Deletes it with its messages and their attempts. */
enum pd_err webhook_delete(struct db_conn *db, const char *org, const char *id);
/* A new secret; the current one goes on signing, beside it, for 24 hours. */
enum pd_err webhook_rotate(struct db_conn *db, const char *org, const char *id, const char *secret, json_t **out);
/* A webhook.tested event (internal: no other subscription hears it) and its message to this
 * subscription only, sent like any other; *out is the message. */
enum pd_err webhook_test(struct db_conn *db, const char *org, const char *id, const char *actor, const char *role,
                         json_t **out);
/* A message with its body and every attempt. */
enum pd_err webhook_delivery_get(struct db_conn *db, const char *org, const char *id, json_t **out);
/* Sends a message again (a job of its own; the same webhook-id), delivered or failed;
 * PD_ERR_CONFLICT while it is pending (its own job has still to run). */
enum pd_err webhook_replay(struct db_conn *db, const char *org, const char *id, json_t **out);

#endif
