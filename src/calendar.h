/* A community's SLA calendar and the SLA targets for a ticket, loaded from PostgreSQL, and
 * the clock computation that turns them into due times (src/sla.c does the arithmetic). */
#ifndef PD_CALENDAR_H
#define PD_CALENDAR_H

#include <time.h>
#include "db.h"
#include "sla.h"

/* The holiday and workday lists cover every local day an SLA walk from `since` can reach
 * (SLA_HORIZON_DAYS): from the UTC date of `since` minus CAL_DAYS_BEFORE to plus CAL_DAYS_AFTER,
 * one day either side for the zone's offset and one more for an offset change on the way. A
 * list holds each day at most once, so CAL_MAX_DAYS never truncates it. */
#define CAL_DAYS_BEFORE 1
#define CAL_DAYS_AFTER (SLA_HORIZON_DAYS + 2)
#define CAL_MAX_DAYS (CAL_DAYS_BEFORE + 1 + CAL_DAYS_AFTER)

struct sla_target {
    int contact_minutes;
    int arrival_minutes;      /* 0 with arrival_next_day */
    bool arrival_next_day;
    int resolve_minutes;
    bool business_hours;      /* false: around the clock */
};

struct calendar {
    struct sla_calendar cal;
    int holidays[CAL_MAX_DAYS];
    int workdays[CAL_MAX_DAYS];
    char time_zone[64];
};

/* Loads the community's calendar (time zone, business hours, holidays and 调休 workdays for
 * the span a walk from `since` can reach, see CAL_DAYS_BEFORE) and the most specific SLA target
 * for priority and category (community and category first, the org's defaults after, the
 * built-in DESIGN §6 defaults last).
 * PD_ERR_NOT_FOUND when the community is absent. */
enum pd_err calendar_load(struct db_conn *db, const char *org, const char *community_id,
                          const char *priority, const char *category, time_t since,
                          struct calendar *out, struct sla_target *target);

/* Built-in targets by priority (DESIGN §6). */
struct sla_target sla_default_target(const char *priority);

/* A ticket's clock targets in business minutes (its clocks: src/clocks.h). */
struct clock_minutes {
    int contact, arrival, resolve;
    bool business_hours;      /* false: the clocks run around the clock */
};
/* Resolves a target against a start: "on site by the next working day" becomes the business
 * minutes from start to that day's close. */
void clocks_minutes(const struct calendar *c, const struct sla_target *t, time_t start,
                    struct clock_minutes *out);

#endif
