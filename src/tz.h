/* Time zones read from the system tz database (TZif v1–v4 under /usr/share/zoneinfo, with the
 * POSIX TZ footer for instants after the last transition). Never touches the process TZ:
 * every function is pure and thread-safe. No formatting or parsing of dates lives here. */
#ifndef PD_TZ_H
#define PD_TZ_H

#include <time.h>

struct tz;

/* The zone called `name` ("Asia/Shanghai", "UTC"), loaded once and cached until exit (a
 * mutex guards the cache; the zones themselves are immutable). NULL when the name is not a
 * safe relative path (empty, leading '/', a "." or ".." component, characters outside
 * [A-Za-z0-9._+-/]), or no valid TZif file has that name. "UTC" works without tzdata. */
const struct tz *tz_get(const char *name);

/* The built-in UTC zone; never NULL. */
const struct tz *tz_utc(void);

/* The name the zone was loaded under. */
const char *tz_name(const struct tz *z);

/* Seconds east of UTC in force at the instant `utc`. */
int tz_offset(const struct tz *z, time_t utc);

/* The instant at which the wall clock in `z` reads year-month-day plus `minute_of_day`
 * minutes. Out-of-range fields roll over (minute 1440 is the next day's midnight, month 13 is
 * January of the next year). A local time that does not exist (in a DST gap) maps to the
 * instant the gap ends — the first instant whose wall clock reads later than it; a time that
 * occurs twice (an overlap) maps to the earlier instant. */
time_t tz_local_to_utc(const struct tz *z, int year, int month, int day, int minute_of_day);

/* The wall-clock date in `z` at the instant `utc`: weekday_iso 1 = Monday … 7 = Sunday,
 * minute_of_day 0 … 1439 (seconds are dropped). Any output pointer may be NULL. */
void tz_local_date(const struct tz *z, time_t utc, int *year, int *month, int *day,
                   int *weekday_iso, int *minute_of_day);

#endif
