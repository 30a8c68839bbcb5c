/* The monthly service report (月度服务简报, seed 003): a draft `service_report` announcement
 * to a community, written from the month's figures (pd_service_report, migration 0028) —
 * tickets, response times against targets, complaints and what was changed, callbacks and
 * satisfaction, the latest survey — for a manager to edit and publish. */
#ifndef PD_SERVICE_REPORT_H
#define PD_SERVICE_REPORT_H

#include "announcements.h"

/* community's report for month (YYYY-MM) as a new draft, id_out; PD_ERR_NOT_FOUND (e names
 * community_ids) for a community out of the caller's reach. */
enum pd_err service_report_draft(struct db_conn *db, const char *const scope[4], const struct announcement_actor *a,
                                 const char *community, const char *month, char id_out[37], struct pd_error *e);

#endif
