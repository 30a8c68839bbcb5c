/* Time zones by IANA name, through ICU's calendar API (libicu): offsets and local ↔ UTC
 * conversion in the proleptic Gregorian calendar. Never touches the process TZ or ICU's default
 * zone; every function is thread-safe. No formatting or parsing of dates lives here. The zone
 * rules are ICU's own copy of the tz database (tz_data_version), not /usr/share/zoneinfo.
 * Instants given to and returned by these functions are clamped to ±2^44 s (±557,000 years).
 * ICU failing to allocate a calendar (out of memory) aborts the process: there is no error
 * return, and a wrong SLA clock is worse than a restart. */
#ifndef PD_TZ_H
#define PD_TZ_H

#include <time.h>

struct tz;

/* The zone called `name` ("Asia/Shanghai", "UTC", or a tz alias such as "PRC"), loaded once
 * and cached until exit (a mutex guards the cache; the zones themselves are immutable). NULL
 * when name is NULL, longer than 128 bytes, has characters outside [A-Za-z0-9._+-/], or is
 * not a zone ICU knows (custom ids such as "GMT+8" and ICU's "Etc/Unknown" included). */
const struct tz *tz_get(const char *name);

/* The UTC zone; never NULL. */
const struct tz *tz_utc(void);

/* The name the zone was loaded under. */
const char *tz_name(const struct tz *z);

/* Seconds east of UTC in force at the instant `utc`. */
int tz_offset(const struct tz *z, time_t utc);

/* The instant at which the wall clock in `z` reads year-month-day plus `minute_of_day`
 * minutes. Out-of-range fields roll over (minute 1440 is the next day's midnight, month 13 is
 * January of the next year); year, month and day are first clamped to ±1,000,000. A local time
 * that does not exist (in a DST gap) maps to the instant the gap ends — the first instant whose
 * wall clock reads later than it; a time that occurs twice (an overlap) maps to the earlier
 * instant. */
time_t tz_local_to_utc(const struct tz *z, int year, int month, int day, int minute_of_day);

/* The wall-clock date in `z` at the instant `utc`: weekday_iso 1 = Monday … 7 = Sunday,
 * minute_of_day 0 … 1439 (seconds are dropped). Any output pointer may be NULL. */
void tz_local_date(const struct tz *z, time_t utc, int *year, int *month, int *day,
                   int *weekday_iso, int *minute_of_day);

/* The version of ICU's tz database ("2022e"), for the logs. */
const char *tz_data_version(void);

#endif
