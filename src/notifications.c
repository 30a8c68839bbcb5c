/* SQL for the inbox. Its rows are written only by the event spine (pd_emit, src/events.h). */
#include <stdlib.h>
#include "notifications.h"

#define NOTIFICATION_JSON(n) \
    "json_build_object('id', " n ".id, 'type', " n ".type, 'ticket_id', " n ".ticket_id, " \
    "'work_order_id', " n ".work_order_id, 'subject_type', " n ".subject_type, " \
    "'subject_id', " n ".subject_id, 'event_id', " n ".event_seq, 'title', " n ".title, 'body', " n ".body, " \
    "'read_at', pd_ts(" n ".read_at), 'created_at', pd_ts(" n ".created_at))"

DB_STMT(list_notifications,
    "SELECT " NOTIFICATION_JSON("n") ", (extract(epoch FROM n.created_at) * 1000000)::bigint, n.id "
    "FROM notifications n WHERE n.org_id = $1 AND n.user_id = $2 AND (NOT $3::bool OR n.read_at IS NULL) "
    "AND ($4::bigint IS NULL OR (n.created_at, n.id) < (timestamptz 'epoch' + $4 * interval '1 microsecond', $5::uuid)) "
    "ORDER BY n.created_at DESC, n.id DESC LIMIT $6");
DB_STMT(read_notification,
    "UPDATE notifications n SET read_at = coalesce(n.read_at, now()) "
    "WHERE n.org_id = $1 AND n.user_id = $2 AND n.id = $3 RETURNING " NOTIFICATION_JSON("n"));
DB_STMT(read_all_notifications,
    "UPDATE notifications SET read_at = now() WHERE org_id = $1 AND user_id = $2 AND read_at IS NULL");

enum pd_err notification_list(struct db_conn *db, const char *org, const char *user, bool unread_only,
                              const struct page *pg, json_t **out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    const char *p[] = { org, user, unread_only ? "true" : "false", pp.after_us, pp.after_id, pp.limit };
    return rows_exec_page(db, &list_notifications, 6, p, pg->limit, NULL, NULL, out);
}

enum pd_err notification_read(struct db_conn *db, const char *org, const char *user, const char *id,
                              json_t **out)
{
    const char *p[] = { org, user, id };
    return rows_exec_one(db, &read_notification, 3, p, out);
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
