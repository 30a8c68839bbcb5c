/* SLA clocks: business-time arithmetic over a community's calendar (zone, working weekdays,
 * opening hours, holidays, make-up workdays 调休) minus on-hold pauses. Pure and thread-safe;
 * which clocks a ticket has and their policies live elsewhere (DESIGN.md §6). */
#ifndef PD_SLA_H
#define PD_SLA_H

#include <stdbool.h>
#include <time.h>
#include "tz.h"

/* No walk looks further than this many days past its start: a target not reached by then
 * has no due time. Whoever fills a calendar's lists must cover that span (src/calendar.c). */
#define SLA_HORIZON_DAYS 400

#define SLA_DAY(d) (1u << (d))           /* d: 1 = Monday … 7 = Sunday */
#define SLA_MONDAY_TO_FRIDAY 0x3Eu
#define SLA_EVERY_DAY 0xFEu

struct sla_calendar {
    const struct tz *zone;           /* NULL means UTC */
    bool always;                     /* 24x7: days, hours and holidays ignored (e.g. P1) */
    unsigned days;                   /* SLA_DAY(d) set = d is a working weekday */
    int open_minute, close_minute;   /* local minutes from midnight, 0 <= open < close <= 1440 */
    const int *holidays;             /* local dates yyyymmdd that are off, ascending */
    int n_holidays;
    const int *workdays;             /* local dates yyyymmdd worked whatever the weekday or the
                                      * holiday list says (调休), ascending */
    int n_workdays;
};

/* A span on hold: [from, to). to == 0: still on hold. Spans where to < from are ignored. */
struct sla_pause {
    time_t from, to;
};

/* The instant at which `minutes` of business time have run from `start`, pauses not counted;
 * pauses may overlap and come in any order. A start outside business hours begins counting at
 * the next opening. The answer is the first instant at which the count is reached: a target
 * that completes exactly at closing time is due at closing time, not at the next opening.
 * minutes == 0 gives `start`. Returns 0 when minutes < 0, the calendar is invalid (see
 * sla_calendar_valid), `start` is beyond ±2^40 s, the target is not reached within
 * SLA_HORIZON_DAYS, or an open pause (to == 0) stops the clock before the target is reached:
 * no due time while on hold. A target already reached before the open pause began keeps its
 * (past) due time. */
time_t sla_due(const struct sla_calendar *cal, time_t start, int minutes,
               const struct sla_pause *p, int n);

/* Business seconds in [a, b), pauses not counted (an open pause lasts to the end of time).
 * 0 when b <= a or the calendar is invalid; a and b are clamped to ±2^40 s. Walks the span
 * day by day: cost grows with b - a (about a microsecond a day).
 * sla_elapsed(a, sla_due(a, m)) == m * 60. */
long long sla_elapsed(const struct sla_calendar *cal, time_t a, time_t b,
                      const struct sla_pause *p, int n);

/* Closing time of the first working day after the local day containing `start` (the "next
 * working day" targets), whether or not that day is itself a working day. For an `always`
 * calendar, the end (24:00) of the next calendar day. 0 when the calendar is invalid, `start`
 * is beyond ±2^40 s, or no working day comes within SLA_HORIZON_DAYS. */
time_t sla_next_working_day_end(const struct sla_calendar *cal, time_t start);

/* "HH:MM" (exactly two digits each, 00:00 … 23:59, and "24:00" for a closing time) → the
 * minute of the day; -1 when invalid. */
int sla_parse_hhmm(const char *s);

/* True when the calendar can be used: `always`, or 0 <= open < close <= 1440 and
 * non-negative list lengths. */
bool sla_calendar_valid(const struct sla_calendar *cal);

#endif
