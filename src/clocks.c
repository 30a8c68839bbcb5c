/* The clocks mechanism (src/clocks.h): SQL over `clocks` and the due-time computation. The
 * sweep (warnings, breaches) is src/jobs.c's; the business-time arithmetic src/sla.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "calendar.h"
#include "clocks.h"

#define SUBJECT "org_id = $1 AND subject_type = $2 AND subject_id = $3"

DB_STMT(insert_clock,
    "INSERT INTO clocks (org_id, subject_type, subject_id, name, community_id, calendar, target_minutes, "
    "  started_at) VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::bool THEN 'business_hours' ELSE 'always' END, "
    "  $7, to_timestamp($8)) "
    "ON CONFLICT (org_id, subject_type, subject_id, name) DO UPDATE SET community_id = excluded.community_id, "
    "  calendar = excluded.calendar, target_minutes = excluded.target_minutes, started_at = excluded.started_at, "
    "  due = NULL, met_at = NULL, breached = false, warned = false, paused_since = NULL, pauses = '[]', "
    "  stopped_at = NULL");
DB_STMT(set_target,
    "UPDATE clocks SET target_minutes = $5, "
    "  calendar = CASE WHEN $6::bool THEN 'business_hours' ELSE 'always' END WHERE " SUBJECT " AND name = $4");
DB_STMT(set_met, "UPDATE clocks SET met_at = coalesce(met_at, now()) WHERE " SUBJECT " AND name = $4");
DB_STMT(set_unmet, "UPDATE clocks SET met_at = NULL WHERE " SUBJECT " AND name = $4");
DB_STMT(pause_all,
    "UPDATE clocks SET paused_since = now() WHERE " SUBJECT " AND met_at IS NULL AND paused_since IS NULL");
DB_STMT(resume_all,
    "UPDATE clocks SET pauses = pauses || jsonb_build_array(jsonb_build_array("
    "  extract(epoch FROM paused_since)::bigint, extract(epoch FROM now())::bigint)), paused_since = NULL "
    "WHERE " SUBJECT " AND paused_since IS NOT NULL");
DB_STMT(stop_all, "UPDATE clocks SET stopped_at = now() WHERE " SUBJECT " AND stopped_at IS NULL");
DB_STMT(restart_all, "UPDATE clocks SET stopped_at = NULL WHERE " SUBJECT " AND stopped_at IS NOT NULL");
/* the unmet clocks ($4 NULL: all of them) with what their due time depends on */
DB_STMT(due_inputs,
    "SELECT name, community_id, calendar = 'business_hours', target_minutes, "
    "  extract(epoch FROM started_at)::bigint, coalesce(extract(epoch FROM paused_since)::bigint, 0), pauses::text "
    "FROM clocks WHERE " SUBJECT " AND ($4::text IS NULL OR name = $4) AND met_at IS NULL ORDER BY name");
DB_STMT(set_due,
    "UPDATE clocks SET due = to_timestamp(nullif($5, '0')::bigint) WHERE " SUBJECT " AND name = $4");

/* Parses [[from, to], …] into out after the n already there; returns the new count. */
static int parse_pauses(const char *text, struct sla_pause *out, int n, int cap)
{
    json_t *j = json_loads(text, 0, NULL);
    size_t i;
    json_t *j_pair;
    json_array_foreach(j, i, j_pair) {
        if (n == cap)
            break;
        out[n].from = (time_t)json_integer_value(json_array_get(j_pair, 0));
        out[n].to = (time_t)json_integer_value(json_array_get(j_pair, 1));
        n++;
    }
    json_decref(j);
    return n;
}

/* Recomputes the due time of the subject's unmet clocks (name NULL: all): the target counted
 * from the start on the community's calendar, holds not counted; NULL while on hold unless
 * the target was reached before the hold began (sla_due). */
static enum pd_err recompute(struct db_conn *db, const struct clock_subject *s, const char *name)
{
    const char *p[] = { s->org, s->type, s->id, name };
    PGresult *r;
    enum pd_err err = db_exec(db, &due_inputs, 4, p, &r);
    if (err != PD_OK)
        return err;
    struct calendar *cal = malloc(sizeof *cal);   /* large: the holiday lists */
    char loaded[37] = "";
    time_t loaded_since = 0;
    if (cal == NULL) {
        PQclear(r);
        return PD_ERR_NOMEM;
    }
    for (int i = 0; i < PQntuples(r) && err == PD_OK; i++) {
        const char *community = PQgetvalue(r, i, 1);
        time_t start = (time_t)atoll(PQgetvalue(r, i, 4));
        if (strcmp(loaded, community) != 0 || loaded_since != start) {
            struct sla_target unused;
            if ((err = calendar_load(db, s->org, community, "P3", NULL, start, cal, &unused)) != PD_OK)
                break;
            snprintf(loaded, sizeof loaded, "%s", community);
            loaded_since = start;
        }
        struct sla_pause pauses[65];
        int n = 0;
        time_t held = (time_t)atoll(PQgetvalue(r, i, 5));
        if (held != 0)
            pauses[n++] = (struct sla_pause){ held, 0 };
        n = parse_pauses(PQgetvalue(r, i, 6), pauses, n, 65);
        struct sla_calendar c = cal->cal;
        c.always = PQgetvalue(r, i, 2)[0] != 't';
        time_t due = sla_due(&c, start, atoi(PQgetvalue(r, i, 3)), pauses, n);
        char d[24];
        snprintf(d, sizeof d, "%lld", (long long)due);
        const char *up[] = { s->org, s->type, s->id, PQgetvalue(r, i, 0), d };
        err = db_exec(db, &set_due, 5, up, NULL);
    }
    free(cal);
    PQclear(r);
    return err;
}

static enum pd_err named(struct db_conn *db, struct db_stmt *st, const struct clock_subject *s,
                         const char *name)
{
    const char *p[] = { s->org, s->type, s->id, name };
    return db_exec(db, st, 4, p, NULL);
}

static enum pd_err all(struct db_conn *db, struct db_stmt *st, const struct clock_subject *s)
{
    const char *p[] = { s->org, s->type, s->id };
    return db_exec(db, st, 3, p, NULL);
}

enum pd_err clock_start(struct db_conn *db, const struct clock_subject *s, const char *name,
                        const char *community_id, int minutes, bool business_hours, time_t start)
{
    char m[16], t[24];
    snprintf(m, sizeof m, "%d", minutes);
    snprintf(t, sizeof t, "%lld", (long long)start);
    const char *p[] = { s->org, s->type, s->id, name, community_id, business_hours ? "true" : "false", m, t };
    enum pd_err err = db_exec(db, &insert_clock, 8, p, NULL);
    return err != PD_OK ? err : recompute(db, s, name);
}

enum pd_err clock_retarget(struct db_conn *db, const struct clock_subject *s, const char *name,
                           int minutes, bool business_hours)
{
    char m[16];
    snprintf(m, sizeof m, "%d", minutes);
    const char *p[] = { s->org, s->type, s->id, name, m, business_hours ? "true" : "false" };
    enum pd_err err = db_exec(db, &set_target, 6, p, NULL);
    return err != PD_OK ? err : recompute(db, s, name);
}

enum pd_err clock_met(struct db_conn *db, const struct clock_subject *s, const char *name)
{
    return named(db, &set_met, s, name);
}

enum pd_err clock_unmet(struct db_conn *db, const struct clock_subject *s, const char *name)
{
    return named(db, &set_unmet, s, name);
}

enum pd_err clocks_pause(struct db_conn *db, const struct clock_subject *s)
{
    enum pd_err err = all(db, &pause_all, s);
    return err != PD_OK ? err : recompute(db, s, NULL);
}

enum pd_err clocks_resume(struct db_conn *db, const struct clock_subject *s)
{
    enum pd_err err = all(db, &resume_all, s);
    return err != PD_OK ? err : recompute(db, s, NULL);
}

enum pd_err clocks_stop(struct db_conn *db, const struct clock_subject *s)
{
    return all(db, &stop_all, s);
}

enum pd_err clocks_restart(struct db_conn *db, const struct clock_subject *s)
{
    return all(db, &restart_all, s);
}
