/* Unit tests for src/sla.c: business hours across nights and weekends, holidays and make-up
 * workdays (调休), pauses, 24x7 clocks, DST in America/New_York (2026 and, from the ongoing
 * rule, 2040), and two properties over random inputs: sla_elapsed inverts sla_due, and
 * sla_elapsed agrees with a minute-by-minute count written independently of src/sla.c. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include "../../src/sla.h"
#include "../../src/tz.h"
#include "suites.h"

#define MIN 60
#define HOUR 3600

static const int national_day[] = { 20261001, 20261002, 20261003, 20261004,
                                     20261005, 20261006, 20261007 };
static const int makeup_days[] = { 20261010 };  /* a Saturday worked (调休) */

static const struct tz *zone(const char *name)
{
    const struct tz *z = tz_get(name);
    ck_assert_msg(z != NULL, "zone %s did not load", name);
    return z;
}

/* Shanghai office: Monday–Friday 08:30–18:00, National Day off, 2026-10-10 worked. */
static struct sla_calendar office(void)
{
    return (struct sla_calendar){
        .zone = zone("Asia/Shanghai"), .days = SLA_MONDAY_TO_FRIDAY,
        .open_minute = 8 * 60 + 30, .close_minute = 18 * 60,
        .holidays = national_day, .n_holidays = 7,
        .workdays = makeup_days, .n_workdays = 1,
    };
}

/* New York office: Monday–Friday 08:00–18:00. */
static struct sla_calendar ny_office(void)
{
    return (struct sla_calendar){
        .zone = zone("America/New_York"), .days = SLA_MONDAY_TO_FRIDAY,
        .open_minute = 8 * 60, .close_minute = 18 * 60,
    };
}

static time_t sh(int y, int m, int d, int hh, int mm)
{
    return tz_local_to_utc(zone("Asia/Shanghai"), y, m, d, hh * 60 + mm);
}

static time_t ny(int y, int m, int d, int hh, int mm)
{
    return tz_local_to_utc(zone("America/New_York"), y, m, d, hh * 60 + mm);
}

static time_t due(const struct sla_calendar *cal, time_t start, int minutes)
{
    return sla_due(cal, start, minutes, NULL, 0);
}

/* ---- parsing and validity ---------------------------------------------------------- */

START_TEST(test_parse_hhmm)
{
    ck_assert_int_eq(sla_parse_hhmm("08:30"), 510);
    ck_assert_int_eq(sla_parse_hhmm("00:00"), 0);
    ck_assert_int_eq(sla_parse_hhmm("23:59"), 1439);
    ck_assert_int_eq(sla_parse_hhmm("24:00"), 1440);
    static const char *const bad[] = { "24:01", "25:00", "8:30", "08:3", "08:60", "0830",
                                       "08:30 ", " 08:30", "", "ab:cd", "-1:00", "08:30:00",
                                       "08-30", "99:99", "08:+5" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(sla_parse_hhmm(bad[i]) == -1, "accepted \"%s\"", bad[i]);
    ck_assert_int_eq(sla_parse_hhmm(NULL), -1);
}
END_TEST

START_TEST(test_calendar_valid)
{
    struct sla_calendar c = office();
    ck_assert(sla_calendar_valid(&c));
    c.close_minute = 1440;
    ck_assert(sla_calendar_valid(&c));
    c.close_minute = 1441;
    ck_assert(!sla_calendar_valid(&c));
    ck_assert_int_eq(due(&c, sh(2026, 9, 21, 9, 0), 30), 0);
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 21, 9, 0), sh(2026, 9, 22, 9, 0), NULL, 0), 0);
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 21, 9, 0)), 0);
    c = office();
    c.open_minute = c.close_minute;
    ck_assert(!sla_calendar_valid(&c));
    c.open_minute = -1;
    ck_assert(!sla_calendar_valid(&c));
    c.always = true;  /* hours do not matter for a 24x7 clock */
    ck_assert(sla_calendar_valid(&c));
    c = office();
    c.holidays = NULL;
    ck_assert(!sla_calendar_valid(&c));
    c = office();
    c.n_workdays = -1;
    ck_assert(!sla_calendar_valid(&c));
    ck_assert(!sla_calendar_valid(NULL));
}
END_TEST

/* ---- business hours ---------------------------------------------------------------- */

START_TEST(test_across_the_night)
{
    struct sla_calendar c = office();
    /* Tuesday 17:50 + 30 min with closing at 18:00: 10 today, 20 from 08:30 tomorrow */
    time_t start = sh(2026, 9, 15, 17, 50);
    ck_assert_int_eq(due(&c, start, 30), sh(2026, 9, 16, 8, 50));
    ck_assert_int_eq(sla_elapsed(&c, start, sh(2026, 9, 16, 8, 50), NULL, 0), 30 * MIN);
    /* before opening, at closing, after closing */
    ck_assert_int_eq(due(&c, sh(2026, 9, 15, 7, 0), 30), sh(2026, 9, 15, 9, 0));
    ck_assert_int_eq(due(&c, sh(2026, 9, 15, 18, 0), 30), sh(2026, 9, 16, 9, 0));
    ck_assert_int_eq(due(&c, sh(2026, 9, 15, 23, 59), 30), sh(2026, 9, 16, 9, 0));
    /* a target completing exactly at closing is due at closing */
    ck_assert_int_eq(due(&c, sh(2026, 9, 15, 17, 30), 30), sh(2026, 9, 15, 18, 0));
    ck_assert_int_eq(due(&c, sh(2026, 9, 15, 10, 0), 60), sh(2026, 9, 15, 11, 0));
    /* several whole business days (9.5 h each): Monday 10:00 + 3 days → Thursday 10:00 */
    ck_assert_int_eq(due(&c, sh(2026, 9, 14, 10, 0), 3 * 570), sh(2026, 9, 17, 10, 0));
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 14, 0, 0), sh(2026, 9, 19, 0, 0), NULL, 0),
                     5 * 570 * MIN);
    /* zero minutes: due at once; elapsed of an empty or reversed span: nothing */
    ck_assert_int_eq(due(&c, start, 0), start);
    ck_assert_int_eq(due(&c, start, -5), 0);
    ck_assert_int_eq(sla_elapsed(&c, start, start, NULL, 0), 0);
    ck_assert_int_eq(sla_elapsed(&c, start + HOUR, start, NULL, 0), 0);
}
END_TEST

START_TEST(test_weekend)
{
    struct sla_calendar c = office();
    /* Friday 17:30 + 60: 30 on Friday, 30 on Monday */
    ck_assert_int_eq(due(&c, sh(2026, 9, 18, 17, 30), 60), sh(2026, 9, 21, 9, 0));
    ck_assert_int_eq(due(&c, sh(2026, 9, 19, 12, 0), 30), sh(2026, 9, 21, 9, 0));   /* Saturday */
    ck_assert_int_eq(due(&c, sh(2026, 9, 20, 23, 59), 1), sh(2026, 9, 21, 8, 31));  /* Sunday */
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 18, 18, 0), sh(2026, 9, 21, 8, 30), NULL, 0), 0);
    /* a six-day week */
    c.days |= SLA_DAY(6);
    ck_assert_int_eq(due(&c, sh(2026, 9, 18, 17, 30), 60), sh(2026, 9, 19, 9, 0));
}
END_TEST

START_TEST(test_holidays)
{
    struct sla_calendar c = office();
    /* Wednesday 09-30 17:00 + 120: 60 before the holiday, 60 on Thursday 10-08 */
    ck_assert_int_eq(due(&c, sh(2026, 9, 30, 17, 0), 120), sh(2026, 10, 8, 9, 30));
    /* Friday 10-09 17:00 + 120: the make-up Saturday 10-10 counts */
    ck_assert_int_eq(due(&c, sh(2026, 10, 9, 17, 0), 120), sh(2026, 10, 10, 9, 30));
    ck_assert_int_eq(due(&c, sh(2026, 10, 10, 17, 0), 120), sh(2026, 10, 12, 9, 30));
    /* started during the holiday */
    ck_assert_int_eq(due(&c, sh(2026, 10, 3, 10, 0), 30), sh(2026, 10, 8, 9, 0));
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 30, 18, 0), sh(2026, 10, 8, 8, 30), NULL, 0), 0);
    /* 09-28 … 10-11: Mon–Wed, then Thu, Fri and the make-up Saturday */
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 28, 0, 0), sh(2026, 10, 12, 0, 0), NULL, 0),
                     6 * 570 * MIN);
    /* without the lists it is an ordinary two weeks */
    c.n_holidays = c.n_workdays = 0;
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 28, 0, 0), sh(2026, 10, 12, 0, 0), NULL, 0),
                     10 * 570 * MIN);
    /* a date on both lists is worked */
    static const int both[] = { 20261001 };
    c = office();
    c.holidays = both;
    c.n_holidays = 1;
    c.workdays = both;
    c.n_workdays = 1;
    ck_assert_int_eq(due(&c, sh(2026, 9, 30, 17, 0), 120), sh(2026, 10, 1, 9, 30));
}
END_TEST

START_TEST(test_next_working_day_end)
{
    struct sla_calendar c = office();
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 30, 10, 0)), sh(2026, 10, 8, 18, 0));
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 10, 9, 10, 0)), sh(2026, 10, 10, 18, 0));
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 10, 10, 10, 0)), sh(2026, 10, 12, 18, 0));
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 18, 23, 0)), sh(2026, 9, 21, 18, 0));
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 19, 10, 0)), sh(2026, 9, 21, 18, 0));
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 20, 23, 59)), sh(2026, 9, 21, 18, 0));
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 21, 7, 0)), sh(2026, 9, 22, 18, 0));
    /* the day is local: 2026-09-20 16:30 UTC is already Monday in Shanghai */
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 21, 0, 30)), sh(2026, 9, 22, 18, 0));
    c.always = true;
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 19, 10, 0)), sh(2026, 9, 21, 0, 0));
    c = office();
    c.days = 0;
    c.n_workdays = 0;
    ck_assert_int_eq(sla_next_working_day_end(&c, sh(2026, 9, 19, 10, 0)), 0);
}
END_TEST

/* ---- pauses ------------------------------------------------------------------------ */

START_TEST(test_pauses)
{
    struct sla_calendar c = office();
    time_t start = sh(2026, 9, 21, 9, 0);  /* Monday */
    struct sla_pause one[] = { { sh(2026, 9, 21, 9, 10), sh(2026, 9, 21, 9, 40) } };
    ck_assert_int_eq(sla_due(&c, start, 60, one, 1), sh(2026, 9, 21, 10, 30));

    struct sla_pause overlapping[] = { { sh(2026, 9, 21, 9, 20), sh(2026, 9, 21, 9, 40) },
                                       { sh(2026, 9, 21, 9, 10), sh(2026, 9, 21, 9, 30) } };
    ck_assert_int_eq(sla_due(&c, start, 60, overlapping, 2), sh(2026, 9, 21, 10, 30));
    struct sla_pause nested[] = { { sh(2026, 9, 21, 9, 10), sh(2026, 9, 21, 9, 50) },
                                  { sh(2026, 9, 21, 9, 20), sh(2026, 9, 21, 9, 30) },
                                  { sh(2026, 9, 21, 9, 10), sh(2026, 9, 21, 9, 50) } };
    ck_assert_int_eq(sla_due(&c, start, 60, nested, 3), sh(2026, 9, 21, 10, 40));
    struct sla_pause touching[] = { { sh(2026, 9, 21, 9, 30), sh(2026, 9, 21, 9, 40) },
                                    { sh(2026, 9, 21, 9, 10), sh(2026, 9, 21, 9, 30) } };
    ck_assert_int_eq(sla_due(&c, start, 60, touching, 2), sh(2026, 9, 21, 10, 30));
    ck_assert_int_eq(sla_elapsed(&c, start, sh(2026, 9, 21, 12, 0), overlapping, 2),
                     (180 - 30) * MIN);

    /* on hold overnight: 30 min Monday, the other 90 from Tuesday 09:00 */
    time_t late = sh(2026, 9, 21, 17, 0);
    struct sla_pause night[] = { { sh(2026, 9, 21, 17, 30), sh(2026, 9, 22, 9, 0) } };
    ck_assert_int_eq(sla_due(&c, late, 120, night, 1), sh(2026, 9, 22, 10, 30));
    /* on hold only while closed: no change */
    struct sla_pause closed[] = { { sh(2026, 9, 21, 19, 0), sh(2026, 9, 22, 7, 0) } };
    ck_assert_int_eq(sla_due(&c, late, 120, closed, 1), sh(2026, 9, 22, 9, 30));
    ck_assert_int_eq(due(&c, late, 120), sh(2026, 9, 22, 9, 30));

    /* pauses around the start: only the part after it matters */
    struct sla_pause before[] = { { sh(2026, 9, 21, 8, 0), sh(2026, 9, 21, 9, 30) } };
    ck_assert_int_eq(sla_due(&c, start, 60, before, 1), sh(2026, 9, 21, 10, 30));
    struct sla_pause earlier[] = { { sh(2026, 9, 20, 8, 0), sh(2026, 9, 21, 8, 59) } };
    ck_assert_int_eq(sla_due(&c, start, 60, earlier, 1), sh(2026, 9, 21, 10, 0));
    /* to the second: a pause from one second after the start */
    struct sla_pause next_second[] = { { start + 1, start + 1 + 10 * MIN } };
    ck_assert_int_eq(sla_due(&c, start, 60, next_second, 1), sh(2026, 9, 21, 10, 10));
    ck_assert_int_eq(sla_elapsed(&c, start, start + 2, next_second, 1), 1);
    /* a reversed span is ignored */
    struct sla_pause reversed[] = { { sh(2026, 9, 21, 9, 40), sh(2026, 9, 21, 9, 10) } };
    ck_assert_int_eq(sla_due(&c, start, 60, reversed, 1), sh(2026, 9, 21, 10, 0));
}
END_TEST

START_TEST(test_open_pause)
{
    struct sla_calendar c = office();
    time_t start = sh(2026, 9, 21, 9, 0);
    /* on hold now: no due time */
    struct sla_pause open[] = { { sh(2026, 9, 21, 9, 30), 0 } };
    ck_assert_int_eq(sla_due(&c, start, 60, open, 1), 0);
    struct sla_pause from_before[] = { { sh(2026, 9, 18, 9, 30), 0 } };
    ck_assert_int_eq(sla_due(&c, start, 60, from_before, 1), 0);
    struct sla_pause closed_then_open[] = { { sh(2026, 9, 21, 9, 10), sh(2026, 9, 21, 9, 20) },
                                            { sh(2026, 9, 21, 9, 40), 0 } };
    ck_assert_int_eq(sla_due(&c, start, 60, closed_then_open, 2), 0);
    /* the target was reached before the hold began: the past due time stands */
    struct sla_pause after[] = { { sh(2026, 9, 21, 10, 30), 0 } };
    ck_assert_int_eq(sla_due(&c, start, 60, after, 1), sh(2026, 9, 21, 10, 0));
    struct sla_pause at_due[] = { { sh(2026, 9, 21, 10, 0), 0 } };
    ck_assert_int_eq(sla_due(&c, start, 60, at_due, 1), sh(2026, 9, 21, 10, 0));
    /* elapsed counts up to the hold */
    ck_assert_int_eq(sla_elapsed(&c, start, sh(2026, 9, 25, 12, 0), open, 1), 30 * MIN);
    ck_assert_int_eq(sla_elapsed(&c, start, sh(2026, 9, 25, 12, 0), closed_then_open, 2),
                     30 * MIN);
}
END_TEST

/* ---- 24x7 and the horizon ---------------------------------------------------------- */

START_TEST(test_always)
{
    struct sla_calendar c = office();
    c.always = true;
    /* a Saturday night in the National Day holiday counts like any other time */
    time_t start = sh(2026, 10, 3, 3, 0);
    ck_assert_int_eq(due(&c, start, 90), sh(2026, 10, 3, 4, 30));
    ck_assert_int_eq(due(&c, start, 24 * 60 * 7), start + 7 * 24 * HOUR);
    struct sla_pause p[] = { { sh(2026, 10, 3, 3, 30), sh(2026, 10, 3, 4, 0) } };
    ck_assert_int_eq(sla_due(&c, start, 90, p, 1), sh(2026, 10, 3, 5, 0));
    ck_assert_int_eq(sla_elapsed(&c, start, sh(2026, 10, 3, 5, 0), p, 1), 90 * MIN);
    struct sla_pause open[] = { { sh(2026, 10, 3, 3, 30), 0 } };
    ck_assert_int_eq(sla_due(&c, start, 90, open, 1), 0);
    ck_assert_int_eq(sla_elapsed(&c, start, sh(2026, 10, 9, 0, 0), open, 1), 30 * MIN);
    /* hours are ignored, even nonsensical ones */
    c.open_minute = c.close_minute = 0;
    c.days = 0;
    ck_assert_int_eq(due(&c, start, 90), sh(2026, 10, 3, 4, 30));
    /* within 400 days or not at all */
    ck_assert_int_eq(due(&c, start, 399 * 24 * 60), start + 399LL * 24 * HOUR);
    ck_assert_int_eq(due(&c, start, 400 * 24 * 60), start + 400LL * 24 * HOUR);
    ck_assert_int_eq(due(&c, start, 400 * 24 * 60 + 1), 0);
    /* instants out of range end at once instead of walking forever */
    c = office();
    ck_assert_int_eq(due(&c, (time_t)INT64_MAX, 30), 0);
    ck_assert_int_eq(due(&c, (time_t)INT64_MIN, 30), 0);
    ck_assert_int_eq(sla_next_working_day_end(&c, (time_t)INT64_MAX), 0);
    ck_assert_int_eq(sla_elapsed(&c, (time_t)INT64_MAX - 10, (time_t)INT64_MAX, NULL, 0), 0);
    ck_assert_int_eq(sla_elapsed(&c, sh(2026, 9, 21, 0, 0), sh(2026, 9, 22, 0, 0), NULL, 0),
                     570 * MIN);
}
END_TEST

START_TEST(test_horizon)
{
    struct sla_calendar c = office();
    time_t start = sh(2026, 9, 21, 9, 0);
    c.days = 0;
    c.n_workdays = 0;
    ck_assert_int_eq(due(&c, start, 1), 0);  /* never open */
    static const int one_day[] = { 20270104 };
    c.workdays = one_day;
    c.n_workdays = 1;
    ck_assert_int_eq(due(&c, start, 60), sh(2027, 1, 4, 9, 30));
    ck_assert_int_eq(due(&c, start, 570), sh(2027, 1, 4, 18, 0));
    ck_assert_int_eq(due(&c, start, 571), 0);
    /* ~280 working days a year: 400 calendar days hold about 285 of them */
    c = office();
    c.n_holidays = c.n_workdays = 0;
    ck_assert_int_ne(due(&c, start, 280 * 570), 0);
    ck_assert_int_eq(due(&c, start, 290 * 570), 0);
}
END_TEST

/* ---- time zones -------------------------------------------------------------------- */

START_TEST(test_utc_calendar)
{
    struct sla_calendar c = office();
    c.zone = NULL;  /* UTC */
    time_t mon = 1767225600 + (time_t)263 * 86400;  /* 2026-09-21 00:00 UTC, a Monday */
    ck_assert_int_eq(due(&c, mon + 17 * HOUR + 50 * MIN, 30), mon + 86400 + 8 * HOUR + 50 * MIN);
    c.zone = zone("UTC");
    ck_assert_int_eq(due(&c, mon + 17 * HOUR + 50 * MIN, 30), mon + 86400 + 8 * HOUR + 50 * MIN);
    /* the same instant is Monday evening in UTC but Tuesday 01:50 in Shanghai */
    c.zone = zone("Asia/Shanghai");
    ck_assert_int_eq(due(&c, mon + 17 * HOUR + 50 * MIN, 30), sh(2026, 9, 22, 9, 0));
}
END_TEST

START_TEST(test_new_york_spring_forward)
{
    struct sla_calendar c = ny_office();
    /* Friday 13:00 EST + one business day (10 h) → Monday 13:00 EDT = 17:00 UTC */
    ck_assert_int_eq(due(&c, ny(2026, 3, 6, 13, 0), 600), 1773075600);
    ck_assert_int_eq(due(&c, ny(2026, 3, 6, 13, 0), 600), ny(2026, 3, 9, 13, 0));
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 3, 6, 8, 0), ny(2026, 3, 9, 18, 0), NULL, 0),
                     20 * HOUR);
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 3, 9, 0, 0), ny(2026, 3, 10, 0, 0), NULL, 0),
                     10 * HOUR);
    /* 24x7 measures real time: Saturday 12:00 EST + 24 h is Sunday 13:00 EDT */
    c.always = true;
    ck_assert_int_eq(due(&c, ny(2026, 3, 7, 12, 0), 24 * 60), ny(2026, 3, 8, 13, 0));
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 3, 7, 12, 0), ny(2026, 3, 8, 12, 0), NULL, 0),
                     23 * HOUR);
    /* hours from midnight to midnight every day: the Sunday is 23 h long */
    c = ny_office();
    c.days = SLA_EVERY_DAY;
    c.open_minute = 0;
    c.close_minute = 1440;
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0), NULL, 0),
                     23 * HOUR);
    ck_assert_int_eq(due(&c, ny(2026, 3, 8, 0, 0), 24 * 60), ny(2026, 3, 9, 1, 0));
    /* hours 01:00–04:00 lose 02:00–03:00 that day */
    c.open_minute = 60;
    c.close_minute = 240;
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0), NULL, 0),
                     2 * HOUR);
    ck_assert_int_eq(due(&c, ny(2026, 3, 8, 1, 30), 60), ny(2026, 3, 8, 3, 30));
    /* opening inside the gap (02:30) opens when the gap ends, 03:00 EDT */
    c.open_minute = 150;
    ck_assert_int_eq(due(&c, ny(2026, 3, 8, 0, 0), 30), ny(2026, 3, 8, 3, 30));
}
END_TEST

START_TEST(test_new_york_fall_back)
{
    struct sla_calendar c = ny_office();
    /* Friday 13:00 EDT + 10 h → Monday 13:00 EST = 18:00 UTC */
    ck_assert_int_eq(due(&c, ny(2026, 10, 30, 13, 0), 600), 1793642400);
    ck_assert_int_eq(due(&c, ny(2026, 10, 30, 13, 0), 600), ny(2026, 11, 2, 13, 0));
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 10, 30, 8, 0), ny(2026, 11, 2, 18, 0), NULL, 0),
                     20 * HOUR);
    c.always = true;
    ck_assert_int_eq(due(&c, ny(2026, 10, 31, 12, 0), 24 * 60), ny(2026, 11, 1, 11, 0));
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 10, 31, 12, 0), ny(2026, 11, 1, 12, 0), NULL, 0),
                     25 * HOUR);
    c = ny_office();
    c.days = SLA_EVERY_DAY;
    c.open_minute = 0;
    c.close_minute = 1440;
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0), NULL, 0),
                     25 * HOUR);
    c.open_minute = 60;
    c.close_minute = 240;  /* 01:00–04:00 with 01:00–02:00 twice */
    ck_assert_int_eq(sla_elapsed(&c, ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0), NULL, 0),
                     4 * HOUR);
}
END_TEST

START_TEST(test_new_york_2040)
{
    /* beyond New York's explicit transitions (2037): the ongoing rule decides */
    struct sla_calendar c = ny_office();
    ck_assert_int_eq(due(&c, ny(2040, 3, 9, 13, 0), 600), 2215184400);  /* 2040-03-12 17:00Z */
    ck_assert_int_eq(sla_elapsed(&c, ny(2040, 3, 9, 8, 0), ny(2040, 3, 12, 18, 0), NULL, 0),
                     20 * HOUR);
    c.always = true;
    ck_assert_int_eq(sla_elapsed(&c, ny(2040, 3, 10, 12, 0), ny(2040, 3, 11, 12, 0), NULL, 0),
                     23 * HOUR);
    ck_assert_int_eq(sla_elapsed(&c, ny(2040, 11, 3, 12, 0), ny(2040, 11, 4, 12, 0), NULL, 0),
                     25 * HOUR);
}
END_TEST

/* ---- properties over random inputs ------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct sla_calendar random_calendar(int k)
{
    struct sla_calendar c;
    switch (k % 5) {
    case 0:
        return office();
    case 1:
        return ny_office();
    case 2:
        c = ny_office();
        c.always = true;
        return c;
    case 3:
        c = ny_office();  /* hours across the DST changes */
        c.days = SLA_EVERY_DAY & ~SLA_DAY(3);
        c.open_minute = 60;
        c.close_minute = 210;
        return c;
    default:
        c = office();
        c.days = SLA_EVERY_DAY;
        c.open_minute = 0;
        c.close_minute = 1440;
        return c;
    }
}

/* Minute-aligned instants in 2026, half of them near the New York DST changes. */
static time_t random_instant(void)
{
    static const time_t near[] = { 1772953200, 1793512800 };
    if (rng() % 2)
        return near[rng() % 2] + ((time_t)(rng() % (6 * 24 * 60)) - 3 * 24 * 60) * MIN;
    return 1767225600 + (time_t)(rng() % (365 * 24 * 60)) * MIN;
}

static int random_pauses(struct sla_pause *p, time_t around)
{
    int n = (int)(rng() % 4);
    for (int i = 0; i < n; i++) {
        p[i].from = around + ((time_t)(rng() % (4 * 24 * 60)) - 12 * 60) * MIN;
        p[i].to = p[i].from + (time_t)(1 + rng() % (20 * 60)) * MIN;
    }
    return n;
}

START_TEST(test_elapsed_inverts_due)
{
    rng_state = 0x853c49e6748fea9bu;
    for (int i = 0; i < 1500; i++) {
        struct sla_calendar c = random_calendar(i);
        time_t start = random_instant() + (time_t)(rng() % 60);  /* any second */
        int m = 1 + (int)(rng() % 6000);
        struct sla_pause p[4];
        int n = random_pauses(p, start);
        time_t d = sla_due(&c, start, m, p, n);
        ck_assert_msg(d > start, "calendar %d start %lld m %d: due %lld", i % 5,
                      (long long)start, m, (long long)d);
        ck_assert_int_eq(sla_elapsed(&c, start, d, p, n), (long long)m * 60);
        /* the first such instant: the second before it was still running */
        ck_assert_int_eq(sla_elapsed(&c, start, d - 1, p, n), (long long)m * 60 - 1);
        ck_assert_int_gt(sla_due(&c, start, m + 1, p, n), d);
    }
}
END_TEST

/* An independent oracle: a minute counts when its first second is on a working day (linear
 * search of the lists), within the hours, and in no pause. Exact for minute-aligned inputs in
 * zones whose offsets are whole minutes. */
static bool listed(const int *a, int n, int key)
{
    for (int i = 0; i < n; i++)
        if (a[i] == key)
            return true;
    return false;
}

static long long count_minutes(const struct sla_calendar *c, time_t a, time_t b,
                               const struct sla_pause *p, int n)
{
    long long total = 0;
    for (time_t t = a; t < b; t += MIN) {
        bool paused = false;
        for (int i = 0; i < n; i++)
            if (t >= p[i].from && (p[i].to == 0 || t < p[i].to))
                paused = true;
        if (paused)
            continue;
        if (c->always) {
            total++;
            continue;
        }
        int y, m, d, wd, min;
        tz_local_date(c->zone, t, &y, &m, &d, &wd, &min);
        int key = y * 10000 + m * 100 + d;
        bool working = listed(c->workdays, c->n_workdays, key) ||
                       (!listed(c->holidays, c->n_holidays, key) && (c->days >> wd & 1));
        if (working && min >= c->open_minute && min < c->close_minute)
            total++;
    }
    return total;
}

START_TEST(test_elapsed_matches_minute_count)
{
    rng_state = 0xda942042e4dd58b5u;
    for (int i = 0; i < 150; i++) {
        struct sla_calendar c = random_calendar(i);
        time_t a = random_instant();
        time_t b = a + (time_t)(rng() % (4 * 24 * 60)) * MIN;
        struct sla_pause p[4];
        int n = random_pauses(p, a);
        if (rng() % 8 == 0)
            p[n++] = (struct sla_pause){ a + (time_t)(rng() % (3 * 24 * 60)) * MIN, 0 };
        ck_assert_int_eq(sla_elapsed(&c, a, b, p, n), count_minutes(&c, a, b, p, n) * 60);
    }
    /* and across National Day */
    struct sla_calendar c = office();
    time_t a = sh(2026, 9, 26, 0, 0), b = sh(2026, 10, 14, 0, 0);
    ck_assert_int_eq(sla_elapsed(&c, a, b, NULL, 0), count_minutes(&c, a, b, NULL, 0) * 60);
}
END_TEST

Suite *sla_suite(void)
{
    Suite *s = suite_create("sla");
    TCase *tc = tcase_create("sla");
    tcase_add_test(tc, test_parse_hhmm);
    tcase_add_test(tc, test_calendar_valid);
    tcase_add_test(tc, test_across_the_night);
    tcase_add_test(tc, test_weekend);
    tcase_add_test(tc, test_holidays);
    tcase_add_test(tc, test_next_working_day_end);
    tcase_add_test(tc, test_pauses);
    tcase_add_test(tc, test_open_pause);
    tcase_add_test(tc, test_always);
    tcase_add_test(tc, test_horizon);
    tcase_add_test(tc, test_utc_calendar);
    tcase_add_test(tc, test_new_york_spring_forward);
    tcase_add_test(tc, test_new_york_fall_back);
    tcase_add_test(tc, test_new_york_2040);
    tcase_add_test(tc, test_elapsed_inverts_due);
    tcase_add_test(tc, test_elapsed_matches_minute_count);
    suite_add_tcase(s, tc);
    return s;
}
