/* Calendar loading (one query) and due-time computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calendar.h"

DB_STMT(load_calendar,
    "SELECT c.time_zone, c.business_hours->>'start', c.business_hours->>'end', "
    "  (SELECT string_agg(d, ',') FROM jsonb_array_elements_text(c.business_hours->'days') d), "
    "  (SELECT string_agg(DISTINCT to_char(h.day, 'YYYYMMDD'), ',' ORDER BY to_char(h.day, 'YYYYMMDD')) "
    "     FROM holidays h WHERE h.org_id = c.org_id AND (h.community_id IS NULL OR h.community_id = c.id) "
    "       AND h.kind = 'holiday' "
    "       AND h.day BETWEEN to_timestamp($5)::date - $6::int AND to_timestamp($5)::date + $7::int), "
    "  (SELECT string_agg(DISTINCT to_char(h.day, 'YYYYMMDD'), ',' ORDER BY to_char(h.day, 'YYYYMMDD')) "
    "     FROM holidays h WHERE h.org_id = c.org_id AND (h.community_id IS NULL OR h.community_id = c.id) "
    "       AND h.kind = 'workday' "
    "       AND h.day BETWEEN to_timestamp($5)::date - $6::int AND to_timestamp($5)::date + $7::int), "
    "  s.contact_minutes, s.arrival_minutes, s.arrival_next_day, s.resolve_minutes, s.business_hours "
    "FROM communities c "
    "LEFT JOIN LATERAL (SELECT * FROM sla_targets s WHERE s.org_id = c.org_id "
    "    AND (s.community_id = c.id OR s.community_id IS NULL) AND s.priority = $3 "
    "    AND (s.category = $4 OR s.category IS NULL) "
    "    ORDER BY s.community_id IS NULL, s.category IS NULL LIMIT 1) s ON true "
    "WHERE c.org_id = $1 AND c.id = $2");

struct sla_target sla_default_target(const char *priority)
{
    /* contact, on site, resolution (minutes); P1 runs around the clock */
    static const struct { const char *p; struct sla_target t; } defaults[] = {
        { "P1", { 15, 30, false, 240, false } },
        { "P2", { 30, 120, false, 1440, true } },
        { "P3", { 30, 0, true, 4320, true } },
        { "P4", { 60, 0, true, 10080, true } },
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (strcmp(defaults[i].p, priority) == 0)
            return defaults[i].t;
    return defaults[2].t;
}

static int parse_days(const char *list, int *out, int cap)
{
    int n = 0;
    for (const char *p = list; p != NULL && *p && n < cap; ) {
        out[n++] = atoi(p);
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return n;
}

enum pd_err calendar_load(struct db_conn *db, const char *org, const char *community_id,
                          const char *priority, const char *category, time_t since,
                          struct calendar *out, struct sla_target *target)
{
    char since_s[24], before[8], after[8];
    snprintf(since_s, sizeof since_s, "%lld", (long long)since);
    snprintf(before, sizeof before, "%d", CAL_DAYS_BEFORE);
    snprintf(after, sizeof after, "%d", CAL_DAYS_AFTER);
    const char *p[] = { org, community_id, priority, category, since_s, before, after };
    PGresult *r;
    enum pd_err err = db_exec(db, &load_calendar, 7, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->time_zone, sizeof out->time_zone, "%s", PQgetvalue(r, 0, 0));
    out->cal.zone = tz_get(out->time_zone);
    if (out->cal.zone == NULL)
        out->cal.zone = tz_get("Asia/Shanghai");
    out->cal.open_minute = sla_parse_hhmm(PQgetvalue(r, 0, 1));
    out->cal.close_minute = sla_parse_hhmm(PQgetvalue(r, 0, 2));
    if (out->cal.open_minute < 0 || out->cal.close_minute <= out->cal.open_minute) {
        out->cal.open_minute = 8 * 60 + 30;
        out->cal.close_minute = 18 * 60;
    }
    int days[8];
    int nd = parse_days(PQgetvalue(r, 0, 3), days, 8);
    for (int i = 0; i < nd; i++)
        if (days[i] >= 1 && days[i] <= 7)
            out->cal.days |= 1u << days[i];
    if (out->cal.days == 0)
        out->cal.days = 0xFEu;  /* every day */
    out->cal.n_holidays = parse_days(PQgetvalue(r, 0, 4), out->holidays, CAL_MAX_DAYS);
    out->cal.n_workdays = parse_days(PQgetvalue(r, 0, 5), out->workdays, CAL_MAX_DAYS);
    out->cal.holidays = out->holidays;
    out->cal.workdays = out->workdays;

    *target = sla_default_target(priority);
    if (!PQgetisnull(r, 0, 6)) {
        target->contact_minutes = atoi(PQgetvalue(r, 0, 6));
        target->arrival_minutes = PQgetisnull(r, 0, 7) ? 0 : atoi(PQgetvalue(r, 0, 7));
        target->arrival_next_day = PQgetvalue(r, 0, 8)[0] == 't';
        target->resolve_minutes = atoi(PQgetvalue(r, 0, 9));
        target->business_hours = PQgetvalue(r, 0, 10)[0] == 't';
    }
    PQclear(r);
    return PD_OK;
}

void clocks_minutes(const struct calendar *c, const struct sla_target *t, time_t start,
                    struct clock_minutes *out)
{
    struct sla_calendar cal = c->cal;
    cal.always = !t->business_hours;
    out->business_hours = t->business_hours;
    out->contact = t->contact_minutes;
    out->resolve = t->resolve_minutes;
    out->arrival = t->arrival_minutes;
    if (t->arrival_next_day || t->arrival_minutes <= 0) {
        time_t end = sla_next_working_day_end(&c->cal, start);
        long long secs = end > start ? sla_elapsed(&cal, start, end, NULL, 0) : 0;
        out->arrival = secs >= 60 ? (int)(secs / 60) : 60;
    }
}
