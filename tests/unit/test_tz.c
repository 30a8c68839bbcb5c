/* Unit tests for src/tz.c (ICU): zone lookup and unknown names, offsets near and far (LMT in
 * the 1800s, rules in 2040, 2100 and 2500), DST gaps and overlaps, the proleptic Gregorian
 * calendar and the clamps, agreement with the C library on random instants, and calls from
 * many threads at once. Expected instants were computed independently (Python's zoneinfo);
 * the C library is used as a second oracle only inside test_matches_libc. */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../../src/tz.h"
#include "suites.h"

#define T_LIMIT ((time_t)1 << 44)

static uint64_t rng_state;

static uint64_t rng(void)  /* xorshift64: deterministic, unlike rand() across libcs */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const struct tz *zone(const char *name)
{
    const struct tz *z = tz_get(name);
    ck_assert_msg(z != NULL, "zone %s did not load", name);
    return z;
}

START_TEST(test_utc)
{
    const struct tz *z = zone("UTC");
    ck_assert_int_eq(tz_offset(z, 0), 0);
    ck_assert_int_eq(tz_offset(z, 1767225600), 0);
    ck_assert_int_eq(tz_offset(z, (time_t)4102444800), 0);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 1, 1, 0), 1767225600);
    ck_assert_int_eq(tz_local_to_utc(z, 1970, 1, 1, 0), 0);
    ck_assert_int_eq(tz_local_to_utc(z, 1969, 12, 31, 1439), -60);
    /* out-of-range fields roll over */
    ck_assert_int_eq(tz_local_to_utc(z, 2025, 13, 1, 0), 1767225600);
    ck_assert_int_eq(tz_local_to_utc(z, 2025, 12, 31, 1440), 1767225600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 1, 0, 1440), 1767225600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 0, 32, 0), 1767225600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 1, 1, -1), 1767225600 - 60);
    int y, m, d, wd, min;
    tz_local_date(z, 1767225600 + 3599, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y, 2026);
    ck_assert_int_eq(m, 1);
    ck_assert_int_eq(d, 1);
    ck_assert_int_eq(wd, 4);  /* Thursday */
    ck_assert_int_eq(min, 59);
    tz_local_date(z, -1, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 19691231);
    ck_assert_int_eq(wd, 3);
    ck_assert_int_eq(min, 1439);
    tz_local_date(z, 0, NULL, NULL, NULL, NULL, NULL);  /* every output is optional */
    ck_assert_ptr_nonnull(tz_utc());
    ck_assert_ptr_eq(tz_utc(), tz_utc());
    ck_assert_int_eq(tz_offset(tz_utc(), 1767225600), 0);
    ck_assert_str_eq(tz_name(tz_utc()), "UTC");
    ck_assert_str_eq(tz_name(z), "UTC");
}
END_TEST

/* Dates far from now: proleptic Gregorian (no Julian calendar before 1582, as the TZif reader
 * had it), year 0 and before, and the ±2^44 s clamps. */
START_TEST(test_far_dates)
{
    const struct tz *z = tz_utc();
    ck_assert_int_eq(tz_local_to_utc(z, 1, 1, 1, 0), -62135596800);
    ck_assert_int_eq(tz_local_to_utc(z, 1582, 10, 10, 0), -12219724800);  /* no gap in 1582 */
    ck_assert_int_eq(tz_local_to_utc(z, 1582, 10, 4, 0), -12220243200);
    ck_assert_int_eq(tz_local_to_utc(z, 10000, 1, 1, 0), 253402300800);
    int y, m, d, wd, min;
    tz_local_date(z, -62135596800 - 1, &y, &m, &d, &wd, &min);  /* the day before 0001-01-01 */
    ck_assert_int_eq(y, 0);
    ck_assert_int_eq(m * 100 + d, 1231);
    ck_assert_int_eq(wd, 7);
    ck_assert_int_eq(min, 1439);
    ck_assert_int_eq(tz_local_to_utc(z, y, m, d, min), -62135596800 - 60);
    tz_local_date(z, -12219724800, &y, &m, &d, &wd, NULL);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 15821010);
    ck_assert_int_eq(wd, 7);

    /* the clamps: instants to ±2^44 s, fields to ±1,000,000 */
    tz_local_date(z, (time_t)INT64_MAX, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y, 559444);
    ck_assert_int_eq(m * 100 + d, 308);
    ck_assert_int_eq(wd, 5);
    ck_assert_int_eq(min, 580);
    tz_local_date(z, (time_t)INT64_MIN, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y, -555505);
    ck_assert_int_eq(m * 100 + d, 1025);
    ck_assert_int_eq(wd, 2);
    ck_assert_int_eq(min, 859);
    ck_assert_int_eq(tz_local_to_utc(z, 2147483647, 1, 1, 0), T_LIMIT);
    ck_assert_int_eq(tz_local_to_utc(z, -2147483647 - 1, 1, 1, 0), -T_LIMIT);
    ck_assert_int_eq(tz_local_to_utc(z, 2147483647, 2147483647, 2147483647, 2147483647), T_LIMIT);
    ck_assert_int_eq(tz_local_to_utc(z, -2147483647 - 1, -2147483647 - 1, -2147483647 - 1,
                                     -2147483647 - 1), -T_LIMIT);
    const struct tz *ny = zone("America/New_York");
    ck_assert_int_eq(tz_offset(ny, (time_t)INT64_MAX), tz_offset(ny, T_LIMIT));
    ck_assert_int_eq(tz_offset(ny, (time_t)INT64_MIN), -17762);  /* LMT */
}
END_TEST

START_TEST(test_shanghai)
{
    const struct tz *z = zone("Asia/Shanghai");
    ck_assert_int_eq(tz_offset(z, 1767225600), 8 * 3600);
    ck_assert_int_eq(tz_offset(z, 2215062000), 8 * 3600);        /* 2040 */
    ck_assert_int_eq(tz_offset(z, (time_t)4118083200), 8 * 3600); /* 2100 */
    ck_assert_int_eq(tz_offset(z, 583718400), 9 * 3600);         /* 1988-07-01: DST then */
    ck_assert_int_eq(tz_offset(z, 567993600), 8 * 3600);         /* 1988-01-01 */
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 10, 1, 8 * 60 + 30), 1790814600);
    int y, m, d, wd, min;
    tz_local_date(z, 1790814600, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20261001);
    ck_assert_int_eq(wd, 4);
    ck_assert_int_eq(min, 510);
    /* 2025-12-31 16:00 UTC is already New Year's Day in Shanghai */
    tz_local_date(z, 1767225600 - 8 * 3600, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20260101);
    ck_assert_int_eq(min, 0);
    /* local mean time, +8:05:43, until 1901: 1890-10-12 03:39:03 */
    ck_assert_int_eq(tz_offset(z, -2500000000), 29143);
    tz_local_date(z, -2500000000, &y, &m, &d, NULL, &min);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 18901012);
    ck_assert_int_eq(min, 3 * 60 + 39);
    ck_assert_int_eq(tz_local_to_utc(z, 1900, 1, 1, 0), -2209017943);
    /* an alias is the same zone under its own name */
    const struct tz *prc = zone("PRC");
    ck_assert_str_eq(tz_name(prc), "PRC");
    ck_assert_int_eq(tz_offset(prc, 583718400), 9 * 3600);
}
END_TEST

/* 2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT; 2026-11-01 06:00 UTC: 02:00 EDT → 01:00 EST */
#define NY_SPRING_2026 ((time_t)1772953200)
#define NY_FALL_2026 ((time_t)1793512800)

START_TEST(test_new_york_offsets)
{
    const struct tz *z = zone("America/New_York");
    ck_assert_int_eq(tz_offset(z, 1767225600), -5 * 3600);
    ck_assert_int_eq(tz_offset(z, 1781528400), -4 * 3600);
    ck_assert_int_eq(tz_offset(z, NY_SPRING_2026 - 1), -5 * 3600);
    ck_assert_int_eq(tz_offset(z, NY_SPRING_2026), -4 * 3600);
    ck_assert_int_eq(tz_offset(z, NY_FALL_2026 - 1), -4 * 3600);
    ck_assert_int_eq(tz_offset(z, NY_FALL_2026), -5 * 3600);
    int y, m, d, wd, min;
    tz_local_date(z, NY_SPRING_2026 - 60, &y, &m, &d, &wd, &min);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 20260308);
    ck_assert_int_eq(wd, 7);
    ck_assert_int_eq(min, 1 * 60 + 59);
    tz_local_date(z, NY_SPRING_2026, NULL, NULL, NULL, NULL, &min);
    ck_assert_int_eq(min, 3 * 60);
    /* local mean time, -4:56:02, until 1883: 1874-12-07 13:43:58 */
    ck_assert_int_eq(tz_offset(z, -3000000000), -17762);
    tz_local_date(z, -3000000000, &y, &m, &d, NULL, &min);
    ck_assert_int_eq(y * 10000 + m * 100 + d, 18741207);
    ck_assert_int_eq(min, 13 * 60 + 43);
    ck_assert_int_eq(tz_local_to_utc(z, 1900, 1, 1, 0), -2208970800);
}
END_TEST

START_TEST(test_new_york_gap)
{
    const struct tz *z = zone("America/New_York");
    /* 02:00–02:59 do not exist on 2026-03-08: they map to the end of the gap, 03:00 EDT */
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 2 * 60 + 30), NY_SPRING_2026);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 2 * 60), NY_SPRING_2026);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 2 * 60 + 59), NY_SPRING_2026);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 1 * 60 + 59), NY_SPRING_2026 - 60);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 3 * 60), NY_SPRING_2026);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 3 * 60 + 30), NY_SPRING_2026 + 1800);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 8, 0), NY_SPRING_2026 - 2 * 3600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 9, 0), NY_SPRING_2026 + 21 * 3600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 6, 15, 9 * 60), 1781528400);
    /* the same wall time reached by rolling over from the day before */
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 3, 7, 1440 + 2 * 60 + 30), NY_SPRING_2026);
}
END_TEST

START_TEST(test_new_york_overlap)
{
    const struct tz *z = zone("America/New_York");
    /* 01:00–01:59 happen twice on 2026-11-01: the earlier (EDT) instant is chosen */
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 11, 1, 1 * 60 + 30), NY_FALL_2026 - 1800);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 11, 1, 1 * 60), NY_FALL_2026 - 3600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 11, 1, 0 * 60 + 59), NY_FALL_2026 - 3660);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 11, 1, 2 * 60), NY_FALL_2026 + 3600);
    ck_assert_int_eq(tz_local_to_utc(z, 2026, 11, 2, 0), NY_FALL_2026 + 23 * 3600);
    int min1, min2;
    tz_local_date(z, NY_FALL_2026 - 1800, NULL, NULL, NULL, NULL, &min1);
    tz_local_date(z, NY_FALL_2026 + 1800, NULL, NULL, NULL, NULL, &min2);
    ck_assert_int_eq(min1, 90);
    ck_assert_int_eq(min2, 90);
}
END_TEST

/* Past the end of the explicit transitions (2037 in the tz database), from the ongoing rules. */
START_TEST(test_far_future)
{
    const struct tz *ny = zone("America/New_York");
    ck_assert_int_eq(tz_offset(ny, 2215062000 - 1), -5 * 3600); /* 2040-03-11 06:59:59Z */
    ck_assert_int_eq(tz_offset(ny, 2215062000), -4 * 3600);
    ck_assert_int_eq(tz_offset(ny, 2235621600 - 1), -4 * 3600); /* 2040-11-04 05:59:59Z */
    ck_assert_int_eq(tz_offset(ny, 2235621600), -5 * 3600);
    ck_assert_int_eq(tz_local_to_utc(ny, 2040, 3, 11, 150), 2215062000);        /* gap */
    ck_assert_int_eq(tz_local_to_utc(ny, 2040, 11, 4, 90), 2235621600 - 1800);  /* overlap */
    ck_assert_int_eq(tz_offset(ny, (time_t)4102444800), -5 * 3600);   /* 2100-01-01 */
    ck_assert_int_eq(tz_offset(ny, (time_t)4118083200), -4 * 3600);   /* 2100-07-01 */
    ck_assert_int_eq(tz_offset(ny, (time_t)16740864000), -4 * 3600);  /* 2500-07-01 */

    /* EU rule: last Sunday of March and of October at 01:00 UTC */
    const struct tz *berlin = zone("Europe/Berlin");
    ck_assert_int_eq(tz_offset(berlin, 2216249999), 3600);
    ck_assert_int_eq(tz_offset(berlin, 2216250000), 7200);
    ck_assert_int_eq(tz_offset(berlin, 2234998799), 7200);
    ck_assert_int_eq(tz_offset(berlin, 2234998800), 3600);

    /* southern hemisphere, DST across the new year */
    const struct tz *sydney = zone("Australia/Sydney");
    ck_assert_int_eq(tz_offset(sydney, 2210198400), 11 * 3600);  /* 2040-01-15 */
    ck_assert_int_eq(tz_offset(sydney, 2225923200), 10 * 3600);  /* 2040-07-15 */
    ck_assert_int_eq(tz_offset(sydney, 2216822399), 11 * 3600);
    ck_assert_int_eq(tz_offset(sydney, 2216822400), 10 * 3600);
    ck_assert_int_eq(tz_offset(sydney, 2233151999), 10 * 3600);
    ck_assert_int_eq(tz_offset(sydney, 2233152000), 11 * 3600);
}
END_TEST

static void restore_tz(const char *saved)
{
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
}

/* Only this test touches the process TZ, to ask the C library (/usr/share/zoneinfo); it puts it
 * back. The zones are ones whose rules have not changed since ICU's own copy of the tz
 * database was made (2022e in Debian 12's libicu72, see README): America/Nuuk, Mexico_City,
 * Africa/Cairo, Casablanca, Asia/Almaty and America/Asuncion, for instance, differ. */
START_TEST(test_matches_libc)
{
    static const char *const zones[] = {
        "America/New_York", "Europe/Berlin", "Europe/London", "Australia/Sydney",
        "Australia/Lord_Howe", "Asia/Shanghai", "Asia/Kolkata", "America/Sao_Paulo",
        "America/Santiago", "Pacific/Auckland", "Pacific/Chatham", "America/St_Johns",
        "Europe/Dublin",
    };
    const char *env = getenv("TZ");
    char *saved = env ? strdup(env) : NULL;
    rng_state = 0x9e3779b97f4a7c15u;
    int mismatches = 0;
    for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++) {
        const struct tz *z = zone(zones[k]);
        setenv("TZ", zones[k], 1);
        tzset();
        for (int i = 0; i < 2000; i++) {
            /* 1900 … 2200 */
            time_t t = (time_t)(rng() % (300ull * 31556952)) - (time_t)70 * 31556952;
            struct tm tm;
            localtime_r(&t, &tm);
            int y, m, d, wd, min;
            tz_local_date(z, t, &y, &m, &d, &wd, &min);
            if (tm.tm_gmtoff != tz_offset(z, t) || y != tm.tm_year + 1900 || m != tm.tm_mon + 1 ||
                d != tm.tm_mday || wd % 7 != tm.tm_wday || min != tm.tm_hour * 60 + tm.tm_min)
                mismatches++;
        }
    }
    restore_tz(saved);
    free(saved);
    ck_assert_int_eq(mismatches, 0);
}
END_TEST

/* local date → instant gives back the instant (to the minute), or in an overlap the earlier
 * instant with the same wall clock */
START_TEST(test_round_trip)
{
    static const char *const zones[] = {
        "America/New_York", "Asia/Shanghai", "Australia/Lord_Howe", "Europe/Berlin", "UTC",
    };
    rng_state = 0x2545f4914f6cdd1du;
    for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++) {
        const struct tz *z = zone(zones[k]);
        int earlier = 0;
        for (int i = 0; i < 20000; i++) {
            time_t t = 946684800 + (time_t)(rng() % (60ull * 31556952)); /* 2000 … 2060 */
            int y, m, d, min;
            tz_local_date(z, t, &y, &m, &d, NULL, &min);
            time_t back = tz_local_to_utc(z, y, m, d, min);
            long long wall_t = (long long)t + tz_offset(z, t);
            wall_t -= wall_t % 60;
            ck_assert_int_eq((long long)back + tz_offset(z, back), wall_t);
            ck_assert_int_le(back, t);
            if (t - back >= 60) {  /* only a repeated wall clock may map earlier */
                ck_assert_int_le(t - back, 3600 + 59);
                ck_assert_int_ne(tz_offset(z, back), tz_offset(z, t));
                earlier++;
            }
        }
        if (strcmp(zones[k], "UTC") == 0 || strcmp(zones[k], "Asia/Shanghai") == 0)
            ck_assert_int_eq(earlier, 0);
    }
}
END_TEST

START_TEST(test_unknown_names)
{
    static const char *const bad[] = {
        "Nope/Nowhere", "Mars/Olympus", "../etc/passwd", "/etc/passwd", "",
        "America/../Asia/Shanghai", "..", ".", "./UTC", "America//New_York", "America/New_York/",
        "America/", "America", "zone.tab", "America/New York", "UTC\n", "Asia/Shanghai;",
        ".hidden", "right/UTC", "posix/Asia/Shanghai", "localtime", "utc", "asia/shanghai",
        "Etc/Unknown",          /* what ICU answers for a zone it does not know */
        "GMT+8", "GMT+08:00",   /* ICU custom ids, not tz database zones */
        "Asia/上海",
        "a_very_long_name_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(tz_get(bad[i]) == NULL, "accepted \"%s\"", bad[i]);
    ck_assert_ptr_null(tz_get(NULL));
    /* and after a miss, known names still load */
    ck_assert_ptr_nonnull(tz_get("Etc/GMT-8"));
    ck_assert_int_eq(tz_offset(tz_get("Etc/GMT-8"), 0), 8 * 3600);
}
END_TEST

static void *get_paris(void *arg)
{
    (void)arg;
    return (void *)tz_get("Europe/Paris");
}

START_TEST(test_cache)
{
    const struct tz *a = zone("Asia/Tokyo");
    ck_assert_ptr_eq(tz_get("Asia/Tokyo"), a);
    ck_assert_str_eq(tz_name(a), "Asia/Tokyo");
    pthread_t th[8];
    void *got[8];
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, get_paris, NULL), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_join(th[i], &got[i]), 0);
    ck_assert_ptr_nonnull(got[0]);
    for (int i = 1; i < 8; i++)
        ck_assert_ptr_eq(got[i], got[0]);
    ck_assert_ptr_eq(tz_get("Europe/Paris"), got[0]);
}
END_TEST

/* One zone used from many threads at once (a shared UCalendar would mix their fields up):
 * each thread walks its own days through the 2026 transitions and checks every answer. */
static void *walk_new_york(void *arg)
{
    const struct tz *z = tz_get("America/New_York");
    intptr_t bad = 0, seed = (intptr_t)arg;
    for (int i = 0; i < 3000; i++) {
        int day = (int)((seed * 7919 + i) % 365), minute = (int)((seed * 31 + i * 17) % 1440);
        int y, m, d, min;
        time_t t = tz_local_to_utc(z, 2026, 1, 1 + day, minute);
        tz_local_date(z, t, &y, &m, &d, NULL, &min);
        bool in_gap = m == 3 && d == 8 && minute >= 120 && minute < 180;
        if (tz_local_to_utc(z, y, m, d, min) != t || (!in_gap && min != minute) ||
            tz_offset(z, t) != (t >= NY_SPRING_2026 && t < NY_FALL_2026 ? -4 : -5) * 3600)
            bad++;
    }
    return (void *)bad;
}

START_TEST(test_threads)
{
    pthread_t th[8];
    void *bad[8];
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, walk_new_york, (void *)(intptr_t)(i + 1)), 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(pthread_join(th[i], &bad[i]), 0);
        ck_assert_int_eq((intptr_t)bad[i], 0);
    }
}
END_TEST

START_TEST(test_data_version)
{
    const char *v = tz_data_version();
    ck_assert_msg(strlen(v) == 5 && strncmp(v, "20", 2) == 0 && v[4] >= 'a' && v[4] <= 'z',
                  "tz data version \"%s\"", v);
}
END_TEST

Suite *tz_suite(void)
{
    Suite *s = suite_create("tz");
    TCase *tc = tcase_create("tz");
    tcase_add_test(tc, test_utc);
    tcase_add_test(tc, test_far_dates);
    tcase_add_test(tc, test_shanghai);
    tcase_add_test(tc, test_new_york_offsets);
    tcase_add_test(tc, test_new_york_gap);
    tcase_add_test(tc, test_new_york_overlap);
    tcase_add_test(tc, test_far_future);
    tcase_add_test(tc, test_matches_libc);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_unknown_names);
    tcase_add_test(tc, test_cache);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_data_version);
    suite_add_tcase(s, tc);
    return s;
}
