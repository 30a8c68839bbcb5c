/* The per-user inbox, written by the event spine (pd_emit, src/events.h) in the
 * transaction of each change. */
#ifndef PD_NOTIFICATIONS_H
#define PD_NOTIFICATIONS_H

#include <jansson.h>
#include "db.h"
#include "listspec.h"
#include "rows.h"

/* The list's filters (GET /v1/me/notifications) and statement shapes. */
extern const struct list_spec notification_list_spec;
/* The page's read (its rows are the items; false: out of memory), its titles and bodies in
 * lang ("zh" or "en"). */
bool notification_list_read(const char *org, const char *user, const char *lang, const char *const values[],
                            const struct page *pg, struct db_read *out);
/* Marks one read (idempotent) and gives it in lang; PD_ERR_NOT_FOUND when it is not the user's. */
enum pd_err notification_read(struct db_conn *db, const char *org, const char *user, const char *id,
                              const char *lang, json_t **out);
/* Of ids (a uuid[] literal), the user's own, as {id: 1} (rows_versions; an inbox row has no
 * version): the live stream's check. */
enum pd_err notification_versions(struct db_conn *db, const char *org, const char *user, const char *ids,
                                  json_t **out);
enum pd_err notification_read_all(struct db_conn *db, const char *org, const char *user, long long *count);

#endif
