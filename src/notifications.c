/* SQL for the inbox. Its rows are written only by the event spine (pd_emit, src/events.h);
 * each holds its wire form in Chinese (doc) and English (doc_en), rendered by a trigger
 * (pd_notification_json: 0021, 0037). */
#include <stdlib.h>
#include "notifications.h"

/* The inbox: $1 org, $2 the reader, $3 the language ('zh' or 'en'). */
static const struct list_filter notification_filters[] = {
    { "unread", LIST_FLAG, NULL, 0, "n.read_at IS NULL" },
};

const struct list_spec notification_list_spec = {
    .name = "notifications",
    .select = "SELECT CASE $3 WHEN 'en' THEN n.doc_en ELSE n.doc END, (extract(epoch FROM n.created_at) * 1000000)::bigint, n.id "
              "FROM notifications n WHERE n.org_id = $1 AND n.user_id = $2",
    .n_base = 3,
    .keyset = "(n.created_at, n.id)",
    .order = "n.created_at DESC, n.id DESC",
    .filters = notification_filters,
    .n_filters = sizeof notification_filters / sizeof notification_filters[0],
};
DB_STMT(read_notification,
    "UPDATE notifications n SET read_at = coalesce(n.read_at, now()) "
    "WHERE n.org_id = $1 AND n.user_id = $2 AND n.id = $3 "
    "RETURNING CASE $4 WHEN 'en' THEN n.doc_en ELSE n.doc END");
DB_STMT(read_all_notifications,
    "UPDATE notifications SET read_at = now() WHERE org_id = $1 AND user_id = $2 AND read_at IS NULL");

bool notification_list_read(const char *org, const char *user, const char *lang, const char *const values[],
                            const struct page *pg, struct db_read *out)
{
    const char *base[] = { org, user, lang };
    return list_read(&notification_list_spec, base, values, pg, out);
}

enum pd_err notification_read(struct db_conn *db, const char *org, const char *user, const char *id,
                              const char *lang, json_t **out)
{
    const char *p[] = { org, user, id, lang };
    return rows_exec_one(db, &read_notification, 4, p, out);
}

enum pd_err notification_read_all(struct db_conn *db, const char *org, const char *user, long long *count)
{
    const char *p[] = { org, user };
    PGresult *r;
    enum pd_err err = db_exec(db, &read_all_notifications, 2, p, &r);
    if (err != PD_OK)
        return err;
    *count = atoll(PQcmdTuples(r));
    PQclear(r);
    return PD_OK;
}

DB_STMT(versions_of, "SELECT n.id, 1 FROM notifications n WHERE n.org_id = $1 AND n.user_id = $2 AND n.id = ANY ($3::uuid[])");

enum pd_err notification_versions(struct db_conn *db, const char *org, const char *user, const char *ids,
                                  json_t **out)
{
    const char *p[] = { org, user, ids };
    return rows_versions(db, &versions_of, 3, p, out);
}
