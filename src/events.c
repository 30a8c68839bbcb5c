/* The C side of the event spine: renders an event's notices and calls pd_emit. What an
 * event writes, and to whom, is decided in SQL (sql/migrations/0012_events.sql). */
#include <jansson.h>
#include <stdlib.h>
#include "events.h"

static const char *const audience_names[] = {
    [TO_OWNERS] = "owners", [TO_ASSIGNEE] = "assignee", [TO_DEPARTMENT] = "department",
    [TO_SUPERVISORS] = "supervisors",
    [TO_COMPLAINANT] = "complainant", [TO_COMPLAINANTS] = "complainants", [TO_RECEIVER] = "receiver",
    [TO_DEPARTMENT_HEADS] = "department_heads",
    [TO_MANAGERS] = "managers", [TO_ADMINS] = "admins", [TO_RESIDENT] = "resident",
};

DB_STMT(emit,
    "SELECT pd_emit($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11::jsonb)");

/* [{to, type, title, body}, …] as JSON text (caller frees), or NULL when out of memory. */
static char *notices_json(const struct event_notice *n, int count)
{
    json_t *j = json_array();
    for (int i = 0; j != NULL && i < count; i++)
        if (json_array_append_new(j, json_pack("{s:s, s:s, s:s, s:s}", "to", audience_names[n[i].to],
                                               "type", n[i].type, "title", n[i].title,
                                               "body", n[i].body ? n[i].body : "")) != 0) {
            json_decref(j);
            j = NULL;
        }
    char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

enum pd_err event_emit(struct db_conn *db, const struct event *e)
{
    char *notices = notices_json(e->notices, e->n_notices);
    if (notices == NULL)
        return PD_ERR_NOMEM;
    const char *p[] = { e->org, e->subject_type, e->subject_id, e->type, e->actor_id,
                        e->actor_role ? e->actor_role : "system", e->from_status, e->to_status,
                        e->details ? e->details : "{}", e->internal ? "internal" : "public", notices };
    PGresult *r = NULL;
    enum pd_err err = db_exec(db, &emit, 11, p, e->seq != NULL ? &r : NULL);
    free(notices);
    if (err == PD_OK && e->seq != NULL) {
        *e->seq = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    return err;
}
