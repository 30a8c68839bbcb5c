/* The whole API on one screen: method, path, handler, who may call it, what body it takes
 * and, for routes open to integration clients, the scopes that admit them.
 * Order matters only for metrics labels; paths never overlap. */
#include "routes.h"

/* routes closed to integration clients leave their scopes out */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define PUBLIC 0
#define ANY_USER (ROLES_STAFF | ROLE_BIT(ROLE_OWNER))
#define STAFF ROLES_STAFF
#define OWNER ROLE_BIT(ROLE_OWNER)
#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define DESK (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ADMIN)
#define PEOPLE_READERS (DESK | ROLE_BIT(ROLE_QUALITY))
#define CLIENT ROLE_BIT(ROLE_INTEGRATION)
#define SUPERVISORS (ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ADMIN)
#define MANAGERS (ROLE_BIT(ROLE_MANAGER) | ADMIN)
/* the scopes an integration client needs (any of them) */
#define TICKETS_READ SCOPE_TICKETS_READ
#define TICKETS_WRITE SCOPE_TICKETS_WRITE
#define COMPLAINTS_READ SCOPE_COMPLAINTS_READ
#define COMPLAINTS_WRITE SCOPE_COMPLAINTS_WRITE
#define TECHNICIAN ROLE_BIT(ROLE_TECHNICIAN)
#define CALLBACKS_READ SCOPE_CALLBACKS_READ
#define ANNOUNCEMENTS_READ SCOPE_ANNOUNCEMENTS_READ
#define QUALITY ROLE_BIT(ROLE_QUALITY)
#define DESIGNERS (ROLE_BIT(ROLE_MANAGER) | ADMIN | QUALITY)
#define AUDITORS (QUALITY | ADMIN)
#define GRANT_READERS (ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_MANAGER) | ROLE_BIT(ROLE_QUALITY) | ADMIN)

const struct route api_routes[] = {
    /* operations */
    { "GET", "/", ops_root, PUBLIC, BODY_NONE },
    { "GET", "/healthz", ops_healthz, PUBLIC, BODY_NONE },
    { "GET", "/readyz", ops_readyz, PUBLIC, BODY_NONE },
    { "GET", "/metrics", ops_metrics, PUBLIC, BODY_NONE },
    { "GET", "/openapi.yaml", ops_openapi, PUBLIC, BODY_NONE },
    { "GET", "/docs", ops_docs, PUBLIC, BODY_NONE },
    { "GET", "/docs/{asset}", ops_docs_asset, PUBLIC, BODY_NONE },
    { "GET", "/.well-known/jwks.json", ops_jwks, PUBLIC, BODY_NONE },

    /* auth */
    { "POST", "/v1/auth/login", auth_login_handler, PUBLIC, BODY_JSON },
    { "POST", "/v1/auth/refresh", auth_refresh_handler, PUBLIC, BODY_JSON },
    { "POST", "/v1/auth/logout", auth_logout_handler, PUBLIC, BODY_JSON },
    { "POST", "/v1/auth/token", auth_token_handler, PUBLIC, BODY_TOKEN_FORM },

    /* the caller and reference data */
    { "GET", "/v1/meta/enums", meta_enums, PUBLIC, BODY_NONE },
    { "GET", "/v1/me", me_show, ANY_USER, BODY_NONE },
    { "GET", "/v1/me/notifications", notifications_index, ANY_USER, BODY_NONE },
    { "GET", "/v1/me/devices", devices_index, ANY_USER, BODY_NONE },
    { "POST", "/v1/me/devices", devices_create, ANY_USER, BODY_JSON },
    { "DELETE", "/v1/me/devices/{id}", devices_delete, ANY_USER, BODY_NONE },
    { "GET", "/v1/stream", stream_show, ANY_USER, BODY_NONE, 0, ROUTE_STREAM_TICKET },
    { "POST", "/v1/stream/tickets", stream_tickets_create, ANY_USER, BODY_NONE },
    { "POST", "/v1/me/notifications/read-all", notifications_read_all, ANY_USER, BODY_JSON_OPT },
    { "POST", "/v1/me/notifications/{id}/read", notifications_read, ANY_USER, BODY_JSON_OPT },
    { "GET", "/v1/departments", departments_index, STAFF, BODY_NONE },

    /* tenancy */
    { "GET", "/v1/communities", communities_index, ANY_USER, BODY_NONE },
    { "POST", "/v1/communities", communities_create, ADMIN, BODY_JSON },
    { "GET", "/v1/communities/{id}", communities_show, ANY_USER, BODY_NONE },
    { "PATCH", "/v1/communities/{id}", communities_update, ADMIN, BODY_JSON },

    { "GET", "/v1/buildings", buildings_index, STAFF, BODY_NONE },
    { "POST", "/v1/buildings", buildings_create, ADMIN, BODY_JSON },
    { "GET", "/v1/buildings/{id}", buildings_show, STAFF, BODY_NONE },
    { "PATCH", "/v1/buildings/{id}", buildings_update, ADMIN, BODY_JSON },
    { "POST", "/v1/buildings/{id}/units", buildings_units_create, ADMIN, BODY_JSON },

    { "GET", "/v1/units", units_index, ANY_USER, BODY_NONE },
    { "POST", "/v1/units", units_create, ADMIN, BODY_JSON },
    { "GET", "/v1/units/{id}", units_show, ANY_USER, BODY_NONE },
    { "PATCH", "/v1/units/{id}", units_update, ADMIN, BODY_JSON },

    /* people and access */
    { "GET", "/v1/users", users_index, PEOPLE_READERS, BODY_NONE },
    { "POST", "/v1/users", users_create, ADMIN, BODY_JSON },
    { "GET", "/v1/users/{id}", users_show, PEOPLE_READERS, BODY_NONE },
    { "PATCH", "/v1/users/{id}", users_update, ADMIN, BODY_JSON },

    { "GET", "/v1/role-grants", role_grants_index, GRANT_READERS, BODY_NONE },
    { "POST", "/v1/role-grants", role_grants_create, ADMIN, BODY_JSON },
    { "DELETE", "/v1/role-grants/{id}", role_grants_delete, ADMIN, BODY_NONE },

    { "GET", "/v1/residencies", residencies_index, PEOPLE_READERS | OWNER, BODY_NONE },
    { "POST", "/v1/residencies", residencies_create, DESK | OWNER, BODY_JSON },
    { "GET", "/v1/residencies/{id}", residencies_show, PEOPLE_READERS | OWNER, BODY_NONE },
    { "POST", "/v1/residencies/{id}/verify", residencies_verify, DESK, BODY_JSON_OPT },
    { "POST", "/v1/residencies/{id}/reject", residencies_reject, DESK, BODY_JSON },
    { "POST", "/v1/residencies/{id}/revoke", residencies_revoke, DESK | OWNER, BODY_JSON_OPT },

    /* photos and documents, for every role: integration clients upload with tickets:write;
     * a download is decided by visibility (their own uploads; with tickets:read, what
     * tickets name), so any client is admitted */
    { "POST", "/v1/attachments", attachments_create, ROLES_ANY, BODY_RAW, TICKETS_WRITE },
    { "GET", "/v1/attachments/{id}", attachments_show, ROLES_ANY, BODY_NONE },

    /* tickets (报事) and work orders */
    { "GET", "/v1/tickets", tickets_index, ANY_USER | CLIENT, BODY_NONE, TICKETS_READ },
    { "POST", "/v1/tickets", tickets_create, OWNER | DESK | CLIENT, BODY_JSON, TICKETS_WRITE },
    { "GET", "/v1/tickets/{id}", tickets_show, ANY_USER | CLIENT, BODY_NONE, TICKETS_READ },
    { "PATCH", "/v1/tickets/{id}", tickets_update, OWNER | DESK, BODY_JSON },
    { "POST", "/v1/tickets/{id}/dispatch", tickets_dispatch, DESK, BODY_JSON },
    { "POST", "/v1/tickets/{id}/reply", tickets_reply, DESK, BODY_JSON },
    { "POST", "/v1/tickets/{id}/cancel", tickets_cancel, OWNER | DESK, BODY_JSON_OPT },
    { "POST", "/v1/tickets/{id}/confirm", tickets_confirm, OWNER, BODY_JSON },
    { "POST", "/v1/tickets/{id}/reopen", tickets_reopen, OWNER, BODY_JSON },
    { "POST", "/v1/tickets/{id}/close", tickets_close, DESK, BODY_JSON_OPT },
    { "GET", "/v1/tickets/{id}/comments", tickets_comments_index, ANY_USER, BODY_NONE },
    { "POST", "/v1/tickets/{id}/comments", tickets_comments_create, ANY_USER, BODY_JSON },
    { "GET", "/v1/tickets/{id}/events", tickets_events_index, ANY_USER, BODY_NONE },

    { "GET", "/v1/work-orders", work_orders_index, STAFF, BODY_NONE },
    { "GET", "/v1/work-orders/{id}", work_orders_show, STAFF, BODY_NONE },
    { "POST", "/v1/work-orders/{id}/accept", work_orders_accept, STAFF, BODY_JSON_OPT },
    { "POST", "/v1/work-orders/{id}/decline", work_orders_decline, STAFF, BODY_JSON },
    { "POST", "/v1/work-orders/{id}/start", work_orders_start, STAFF, BODY_JSON_OPT },
    { "POST", "/v1/work-orders/{id}/hold", work_orders_hold, STAFF, BODY_JSON },
    { "POST", "/v1/work-orders/{id}/resume", work_orders_resume, STAFF, BODY_JSON_OPT },
    { "POST", "/v1/work-orders/{id}/complete", work_orders_complete, STAFF, BODY_JSON },
    { "POST", "/v1/work-orders/{id}/reassign", work_orders_reassign, SUPERVISORS, BODY_JSON },
    { "POST", "/v1/work-orders/{id}/cancel", work_orders_cancel, DESK, BODY_JSON_OPT },

    /* complaints (投诉): the receiver (or a supervisor or manager) runs each to its end; the
     * departments it is forwarded to sign for it (their heads) and resolve it */
    { "GET", "/v1/complaints", complaints_index, ANY_USER | CLIENT, BODY_NONE, COMPLAINTS_READ },
    { "POST", "/v1/complaints", complaints_create, OWNER | DESK | CLIENT, BODY_JSON, COMPLAINTS_WRITE },
    { "GET", "/v1/complaints/{id}", complaints_show, ANY_USER | CLIENT, BODY_NONE, COMPLAINTS_READ },
    { "GET", "/v1/complaints/{id}/events", complaints_events_index, ANY_USER | CLIENT, BODY_NONE, COMPLAINTS_READ },
    { "POST", "/v1/complaints/{id}/comments", complaints_comments_create, ANY_USER, BODY_JSON },
    { "POST", "/v1/complaints/{id}/accept", complaints_accept, DESK, BODY_JSON },
    { "POST", "/v1/complaints/{id}/reclassify", complaints_reclassify, DESK, BODY_JSON },
    { "POST", "/v1/complaints/{id}/reject", complaints_reject, DESK, BODY_JSON },
    { "POST", "/v1/complaints/{id}/forward", complaints_forward, DESK, BODY_JSON },
    { "POST", "/v1/complaints/{id}/acknowledge", complaints_acknowledge, SUPERVISORS, BODY_JSON_OPT },
    { "POST", "/v1/complaints/{id}/resolve", complaints_resolve, SUPERVISORS | TECHNICIAN, BODY_JSON },
    { "POST", "/v1/complaints/{id}/reply", complaints_reply, DESK, BODY_JSON },
    { "POST", "/v1/complaints/{id}/close", complaints_close, DESK, BODY_JSON_OPT },
    { "POST", "/v1/complaints/{id}/confirm", complaints_confirm, OWNER, BODY_JSON },
    { "POST", "/v1/complaints/{id}/dispute", complaints_dispute, OWNER, BODY_JSON },
    { "POST", "/v1/complaints/{id}/withdraw", complaints_withdraw, OWNER, BODY_JSON_OPT },
    { "POST", "/v1/complaints/{id}/merge", complaints_merge, DESK, BODY_JSON },
    { "POST", "/v1/complaints/{id}/extend", complaints_extend, SUPERVISORS, BODY_JSON },
    { "POST", "/v1/complaints/{id}/approve-extension", complaints_approve_extension, MANAGERS, BODY_JSON_OPT },
    { "POST", "/v1/complaints/{id}/reject-extension", complaints_reject_extension, MANAGERS, BODY_JSON_OPT },
    { "POST", "/v1/complaints/{id}/dispatch", complaints_dispatch, SUPERVISORS, BODY_JSON },

    /* callbacks (回访): the system schedules them, the desk takes them from the community's
     * queue, the assignee carries them out, supervisors review; owners answer in the app */
    { "GET", "/v1/callbacks", callbacks_index, STAFF | CLIENT, BODY_NONE, CALLBACKS_READ },
    { "POST", "/v1/callbacks", callbacks_create, DESK, BODY_JSON },
    { "POST", "/v1/callback-letters", callbacks_letter, STAFF, BODY_JSON },
    { "GET", "/v1/callbacks/{id}", callbacks_show, ANY_USER | CLIENT, BODY_NONE, CALLBACKS_READ },
    { "GET", "/v1/callbacks/{id}/events", callbacks_events_index, ANY_USER | CLIENT, BODY_NONE, CALLBACKS_READ },
    { "POST", "/v1/callbacks/{id}/take", callbacks_take, DESK, BODY_JSON_OPT },
    { "POST", "/v1/callbacks/{id}/reassign", callbacks_reassign, SUPERVISORS, BODY_JSON },
    { "POST", "/v1/callbacks/{id}/attempt", callbacks_attempt, STAFF, BODY_JSON },
    { "POST", "/v1/callbacks/{id}/request", callbacks_request, STAFF, BODY_JSON_OPT },
    { "POST", "/v1/callbacks/{id}/complete", callbacks_complete, STAFF, BODY_JSON },
    { "POST", "/v1/callbacks/{id}/respond", callbacks_respond, OWNER, BODY_JSON },
    { "POST", "/v1/callbacks/{id}/approve", callbacks_approve, SUPERVISORS, BODY_JSON_OPT },
    { "POST", "/v1/callbacks/{id}/return", callbacks_return, SUPERVISORS, BODY_JSON },
    { "POST", "/v1/callbacks/{id}/cancel", callbacks_cancel, SUPERVISORS, BODY_JSON },
    { "GET", "/v1/me/callbacks", callbacks_index, OWNER, BODY_NONE },

    /* announcements (公告): the desk drafts, managers and admins publish; owners read what
     * reaches their homes and acknowledge what asks for it */
    { "GET", "/v1/announcements", announcements_index, STAFF | CLIENT, BODY_NONE, ANNOUNCEMENTS_READ },
    { "POST", "/v1/announcements", announcements_create, DESK, BODY_JSON },
    { "POST", "/v1/announcements/service-report", announcements_service_report, SUPERVISORS, BODY_JSON },
    { "GET", "/v1/announcements/{id}", announcements_show, ANY_USER | CLIENT, BODY_NONE, ANNOUNCEMENTS_READ },
    { "PATCH", "/v1/announcements/{id}", announcements_update, DESK, BODY_JSON },
    { "POST", "/v1/announcements/{id}/schedule", announcements_schedule, MANAGERS, BODY_JSON },
    { "POST", "/v1/announcements/{id}/publish", announcements_publish, MANAGERS, BODY_JSON_OPT },
    { "POST", "/v1/announcements/{id}/withdraw", announcements_withdraw, MANAGERS, BODY_JSON },
    { "POST", "/v1/announcements/{id}/archive", announcements_archive, MANAGERS, BODY_JSON_OPT },
    { "POST", "/v1/announcements/{id}/amend", announcements_amend, MANAGERS, BODY_JSON },
    { "POST", "/v1/announcements/{id}/ack", announcements_ack, OWNER, BODY_JSON_OPT },
    { "GET", "/v1/announcements/{id}/receipts", announcements_receipts, PEOPLE_READERS, BODY_NONE },
    { "GET", "/v1/me/announcements", announcements_feed, OWNER, BODY_NONE },

    /* satisfaction surveys (满意度调查): managers, admins and quality design and run them;
     * owners answer in the app, the desk enters paper ones; quality audits the paper ones */
    { "GET", "/v1/survey-templates", survey_templates_index, STAFF, BODY_NONE },
    { "POST", "/v1/survey-templates", survey_templates_create, DESIGNERS, BODY_JSON },
    { "GET", "/v1/survey-templates/{id}", survey_templates_show, STAFF, BODY_NONE },
    { "PATCH", "/v1/survey-templates/{id}", survey_templates_update, DESIGNERS, BODY_JSON },
    { "GET", "/v1/surveys", surveys_index, STAFF, BODY_NONE },
    { "POST", "/v1/surveys", surveys_create, DESIGNERS, BODY_JSON },
    { "GET", "/v1/surveys/{id}", surveys_show, ANY_USER, BODY_NONE },
    { "PATCH", "/v1/surveys/{id}", surveys_update, DESIGNERS, BODY_JSON },
    { "POST", "/v1/surveys/{id}/schedule", surveys_schedule, DESIGNERS, BODY_JSON_OPT },
    { "POST", "/v1/surveys/{id}/open", surveys_open, DESIGNERS, BODY_JSON_OPT },
    { "POST", "/v1/surveys/{id}/close", surveys_close, DESIGNERS, BODY_JSON_OPT },
    { "POST", "/v1/surveys/{id}/responses", surveys_respond, OWNER | DESK, BODY_JSON },
    { "GET", "/v1/surveys/{id}/audit", surveys_audit_show, SUPERVISORS | QUALITY, BODY_NONE },
    { "POST", "/v1/surveys/{id}/audit", surveys_audit_draw, AUDITORS, BODY_JSON_OPT },
    { "POST", "/v1/survey-responses/{id}/audit", survey_responses_audit, AUDITORS, BODY_JSON },
    { "GET", "/v1/surveys/{id}/results", surveys_results, SUPERVISORS | QUALITY, BODY_NONE },
    { "GET", "/v1/surveys/{id}/results.csv", surveys_results_csv, SUPERVISORS | QUALITY, BODY_NONE },
    { "GET", "/v1/me/surveys", surveys_mine, OWNER, BODY_NONE },

    { "GET", "/v1/sla-policy", sla_policy_show, SUPERVISORS | ROLE_BIT(ROLE_QUALITY), BODY_NONE },
    { "PATCH", "/v1/sla-policy", sla_policy_update, ADMIN, BODY_JSON },
    { "POST", "/v1/sla-policy/targets", sla_targets_create, ADMIN, BODY_JSON },
    { "DELETE", "/v1/sla-policy/targets/{id}", sla_targets_delete, ADMIN, BODY_NONE },
    { "POST", "/v1/sla-policy/complaint-targets", complaint_targets_create, ADMIN, BODY_JSON },
    { "DELETE", "/v1/sla-policy/complaint-targets/{id}", complaint_targets_delete, ADMIN, BODY_NONE },
    { "POST", "/v1/sla-policy/callback-targets", callback_targets_create, ADMIN, BODY_JSON },
    { "DELETE", "/v1/sla-policy/callback-targets/{id}", callback_targets_delete, ADMIN, BODY_NONE },
    { "GET", "/v1/holidays", holidays_index, STAFF, BODY_NONE },
    { "POST", "/v1/holidays", holidays_create, ADMIN, BODY_JSON },
    { "DELETE", "/v1/holidays/{id}", holidays_delete, ADMIN, BODY_NONE },
    { "GET", "/v1/stats/tickets", stats_tickets_show, SUPERVISORS | ROLE_BIT(ROLE_QUALITY), BODY_NONE },
    { "GET", "/v1/stats/complaints", stats_complaints_show, SUPERVISORS | ROLE_BIT(ROLE_QUALITY), BODY_NONE },
    { "GET", "/v1/stats/callbacks", stats_callbacks_show, SUPERVISORS | ROLE_BIT(ROLE_QUALITY), BODY_NONE },

    { "GET", "/v1/api-clients", api_clients_index, ADMIN, BODY_NONE },
    { "POST", "/v1/api-clients", api_clients_create, ADMIN, BODY_JSON },
    { "GET", "/v1/api-clients/{id}", api_clients_show, ADMIN, BODY_NONE },
    { "DELETE", "/v1/api-clients/{id}", api_clients_delete, ADMIN, BODY_NONE },

    { "GET", "/v1/webhooks", webhooks_index, ADMIN, BODY_NONE },
    { "POST", "/v1/webhooks", webhooks_create, ADMIN, BODY_JSON },
    { "GET", "/v1/webhooks/{id}", webhooks_show, ADMIN, BODY_NONE },
    { "PATCH", "/v1/webhooks/{id}", webhooks_update, ADMIN, BODY_JSON },
    { "DELETE", "/v1/webhooks/{id}", webhooks_delete, ADMIN, BODY_NONE },
    { "POST", "/v1/webhooks/{id}/rotate-secret", webhooks_rotate_secret, ADMIN, BODY_NONE },
    { "POST", "/v1/webhooks/{id}/test", webhooks_test, ADMIN, BODY_NONE },
    { "GET", "/v1/webhooks/{id}/deliveries", webhooks_deliveries, ADMIN, BODY_NONE },
    { "GET", "/v1/webhook-deliveries/{id}", webhook_deliveries_show, ADMIN, BODY_NONE },
    { "POST", "/v1/webhook-deliveries/{id}/replay", webhook_deliveries_replay, ADMIN, BODY_NONE },
};

const size_t api_routes_len = sizeof api_routes / sizeof api_routes[0];
