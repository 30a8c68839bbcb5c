/* The API's route table and the ops module's lifecycle. */
#ifndef PD_ROUTES_H
#define PD_ROUTES_H

#include "http.h"

extern const struct route api_routes[];
extern const size_t api_routes_len;

/* Ops endpoints: latest = newest migration version expected by /readyz. Loads docs assets. */
void api_ops_init(int latest);
void api_ops_shutdown(void);

/* Handlers, one group per resource file. */
void devices_create(struct api_call *c);
void devices_index(struct api_call *c);
void devices_delete(struct api_call *c);

void webhooks_index(struct api_call *c);
void webhooks_create(struct api_call *c);
void webhooks_show(struct api_call *c);
void webhooks_update(struct api_call *c);
void webhooks_delete(struct api_call *c);
void webhooks_rotate_secret(struct api_call *c);
void webhooks_test(struct api_call *c);
void webhooks_deliveries(struct api_call *c);
void webhook_deliveries_show(struct api_call *c);
void webhook_deliveries_replay(struct api_call *c);

void stream_show(struct api_call *c);
void stream_tickets_create(struct api_call *c);
/* The live stream's hub, with the checks below (api/stream.c). */
int api_stream_start(void);
void api_stream_stop(void);

/* The live stream's checks, one per resource: of ids (a uuid[] literal), those c (its who,
 * its scope and its db) may GET, as {id: version}. */
enum pd_err tickets_stream_versions(struct api_call *c, const char *ids, json_t **out);
enum pd_err work_orders_stream_versions(struct api_call *c, const char *ids, json_t **out);
enum pd_err complaints_stream_versions(struct api_call *c, const char *ids, json_t **out);
enum pd_err callbacks_stream_versions(struct api_call *c, const char *ids, json_t **out);
enum pd_err announcements_stream_versions(struct api_call *c, const char *ids, json_t **out);
enum pd_err surveys_stream_versions(struct api_call *c, const char *ids, json_t **out);
enum pd_err notifications_stream_versions(struct api_call *c, const char *ids, json_t **out);

void ops_root(struct api_call *c);
void ops_healthz(struct api_call *c);
void ops_readyz(struct api_call *c);
void ops_metrics(struct api_call *c);
void ops_openapi(struct api_call *c);
void ops_docs(struct api_call *c);
void ops_docs_asset(struct api_call *c);
void ops_jwks(struct api_call *c);

void auth_login_handler(struct api_call *c);
void auth_refresh_handler(struct api_call *c);
void auth_logout_handler(struct api_call *c);
void auth_token_handler(struct api_call *c);

void meta_enums(struct api_call *c);
void me_show(struct api_call *c);
void departments_index(struct api_call *c);
void notifications_index(struct api_call *c);
void notifications_read(struct api_call *c);
void notifications_read_all(struct api_call *c);

void communities_index(struct api_call *c);
void communities_create(struct api_call *c);
void communities_show(struct api_call *c);
void communities_update(struct api_call *c);

void buildings_index(struct api_call *c);
void buildings_create(struct api_call *c);
void buildings_show(struct api_call *c);
void buildings_update(struct api_call *c);
void buildings_units_create(struct api_call *c);

/* Checks one unit's fields (number, floor, area_m2); prefix names it in messages. */
void units_check_item(struct verr *v, json_t *j_item, const char *prefix, bool create);
void units_index(struct api_call *c);
void units_create(struct api_call *c);
void units_show(struct api_call *c);
void units_update(struct api_call *c);

void users_index(struct api_call *c);
void users_create(struct api_call *c);
void users_show(struct api_call *c);
void users_update(struct api_call *c);

void role_grants_index(struct api_call *c);
void role_grants_create(struct api_call *c);
void role_grants_delete(struct api_call *c);

void residencies_index(struct api_call *c);
void residencies_create(struct api_call *c);
void residencies_show(struct api_call *c);
void residencies_verify(struct api_call *c);
void residencies_reject(struct api_call *c);
void residencies_revoke(struct api_call *c);

void attachments_create(struct api_call *c);
void attachments_show(struct api_call *c);
/* For writes that name attachments, inside their open transaction: checks the arrays under
 * fields (NULL-terminated) of the body with attachment_check_usable (src/attachments.h);
 * j_kept: the ids the object holds now (NULL for a new object). False after rolling back
 * and replying 400 naming each refused "<field>[i]" (or the database error). */
bool api_attachments_usable(struct api_call *c, const char *const fields[], json_t *j_kept);
/* A body's array of attachment ids as a uuid[] literal in buf (room for 10 ids: 40 * 10 + 4
 * bytes), naming field in v when an item is not a UUID. Returns buf. */
const char *api_attachment_list(struct verr *v, json_t *j_ids, const char *field, char *buf, size_t len);

void tickets_index(struct api_call *c);
void tickets_create(struct api_call *c);
void tickets_show(struct api_call *c);
void tickets_update(struct api_call *c);
void tickets_dispatch(struct api_call *c);
void tickets_reply(struct api_call *c);
void tickets_cancel(struct api_call *c);
void tickets_confirm(struct api_call *c);
void tickets_reopen(struct api_call *c);
void tickets_close(struct api_call *c);
void tickets_comments_index(struct api_call *c);
void tickets_comments_create(struct api_call *c);
void tickets_events_index(struct api_call *c);

/* A dispatch body's fields (mode, department, assignee_id, note) into in, naming the invalid
 * ones in v: tickets' dispatch and the work a complaint's department orders. */
struct dispatch_in;
void api_dispatch_fields(struct api_call *c, struct verr *v, struct dispatch_in *in);
void work_orders_index(struct api_call *c);
void work_orders_show(struct api_call *c);
void work_orders_accept(struct api_call *c);
void work_orders_decline(struct api_call *c);
void work_orders_start(struct api_call *c);
void work_orders_hold(struct api_call *c);
void work_orders_resume(struct api_call *c);
void work_orders_complete(struct api_call *c);
void work_orders_reassign(struct api_call *c);
void work_orders_cancel(struct api_call *c);

void complaints_index(struct api_call *c);
void complaints_create(struct api_call *c);
void complaints_show(struct api_call *c);
void complaints_events_index(struct api_call *c);
void complaints_comments_create(struct api_call *c);
void complaints_accept(struct api_call *c);
void complaints_reclassify(struct api_call *c);
void complaints_reject(struct api_call *c);
void complaints_forward(struct api_call *c);
void complaints_acknowledge(struct api_call *c);
void complaints_resolve(struct api_call *c);
void complaints_reply(struct api_call *c);
void complaints_close(struct api_call *c);
void complaints_confirm(struct api_call *c);
void complaints_dispute(struct api_call *c);
void complaints_withdraw(struct api_call *c);
void complaints_merge(struct api_call *c);
void complaints_extend(struct api_call *c);
void complaints_approve_extension(struct api_call *c);
void complaints_reject_extension(struct api_call *c);
void complaints_dispatch(struct api_call *c);

void callbacks_index(struct api_call *c);
void callbacks_create(struct api_call *c);
void callbacks_show(struct api_call *c);
void callbacks_events_index(struct api_call *c);
void callbacks_take(struct api_call *c);
void callbacks_reassign(struct api_call *c);
void callbacks_attempt(struct api_call *c);
void callbacks_request(struct api_call *c);
void callbacks_complete(struct api_call *c);
void callbacks_respond(struct api_call *c);
void callbacks_approve(struct api_call *c);
void callbacks_return(struct api_call *c);
void callbacks_cancel(struct api_call *c);
void callbacks_letter(struct api_call *c);
void announcements_index(struct api_call *c);
void announcements_create(struct api_call *c);
void announcements_show(struct api_call *c);
void announcements_update(struct api_call *c);
void announcements_schedule(struct api_call *c);
void announcements_publish(struct api_call *c);
void announcements_withdraw(struct api_call *c);
void announcements_archive(struct api_call *c);
void announcements_amend(struct api_call *c);
void announcements_ack(struct api_call *c);
void announcements_receipts(struct api_call *c);
void announcements_feed(struct api_call *c);

/* satisfaction surveys (api/surveys.c) */
void survey_templates_index(struct api_call *c);
void survey_templates_create(struct api_call *c);
void survey_templates_show(struct api_call *c);
void survey_templates_update(struct api_call *c);
void surveys_index(struct api_call *c);
void surveys_create(struct api_call *c);
void surveys_show(struct api_call *c);
void surveys_update(struct api_call *c);
void surveys_schedule(struct api_call *c);
void surveys_open(struct api_call *c);
void surveys_close(struct api_call *c);
void surveys_respond(struct api_call *c);
void surveys_audit_show(struct api_call *c);
void surveys_audit_draw(struct api_call *c);
void survey_responses_audit(struct api_call *c);
void surveys_results(struct api_call *c);
void surveys_results_csv(struct api_call *c);
void surveys_mine(struct api_call *c);
void announcements_service_report(struct api_call *c);

void stats_tickets_show(struct api_call *c);
void stats_complaints_show(struct api_call *c);
void stats_callbacks_show(struct api_call *c);
void sla_policy_show(struct api_call *c);
void sla_policy_update(struct api_call *c);
void sla_targets_create(struct api_call *c);
void sla_targets_delete(struct api_call *c);
void complaint_targets_create(struct api_call *c);
void complaint_targets_delete(struct api_call *c);
void callback_targets_create(struct api_call *c);
void callback_targets_delete(struct api_call *c);
void holidays_index(struct api_call *c);
void holidays_create(struct api_call *c);
void holidays_delete(struct api_call *c);

void api_clients_index(struct api_call *c);
void api_clients_create(struct api_call *c);
void api_clients_show(struct api_call *c);
void api_clients_delete(struct api_call *c);

#endif
