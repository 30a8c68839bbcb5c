/* Time zones over ICU's C calendar API: a cache of zones by name, each holding one configured
 * UCalendar (proleptic Gregorian, lenient, DST gaps → next valid time, overlaps → earlier
 * instant). A UCalendar is not thread-safe, so that one is never used directly: every call
 * works on its own clone (a few hundred nanoseconds) and closes it. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>
#include "log.h"
#include "tz.h"

#define TZ_NAME_MAX 128
#define TZ_T_LIMIT ((int64_t)1 << 44)   /* instants are clamped to ±557,000 years */
#define TZ_FIELD_LIMIT 1000000          /* year, month and day are clamped to this */
#define TZ_LOCALE "en_US_POSIX"          /* fixed, whatever the environment's locale */

_Static_assert(sizeof(time_t) == 8, "propdesk needs a 64-bit time_t");

struct tz {
    char *name;
    UCalendar *proto;   /* configured in zone_open, then only cloned: never changed again */
    struct tz *next;    /* the cache list */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache;
static pthread_once_t utc_once = PTHREAD_ONCE_INIT;
static const struct tz *utc_zone;

static _Noreturn void fatal(const char *what, UErrorCode e)
{
    log_msg(LOG_ERROR, NULL, "tz - %s failed: %s", what, u_errorName(e));
    abort();
}

static int64_t clamp_t(int64_t t)
{
    return t > TZ_T_LIMIT ? TZ_T_LIMIT : t < -TZ_T_LIMIT ? -TZ_T_LIMIT : t;
}

static int clamp_field(int v)
{
    return v > TZ_FIELD_LIMIT ? TZ_FIELD_LIMIT : v < -TZ_FIELD_LIMIT ? -TZ_FIELD_LIMIT : v;
}

/* Zone names are ASCII, which also makes u_charsToUChars (invariant characters) safe. */
static bool name_is_plausible(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > TZ_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("._+-/", *p)))
            return false;
    return true;
}

/* A zone for a plausible name; NULL when ICU does not know it as a system zone (ucal_open
 * would silently give "Etc/Unknown", i.e. UTC) or cannot open it. */
static struct tz *zone_open(const char *name)
{
    UChar id[TZ_NAME_MAX + 1], canonical[TZ_NAME_MAX + 1];
    int32_t len = (int32_t)strlen(name);
    u_charsToUChars(name, id, len);
    id[len] = 0;
    UBool is_system = false;
    UErrorCode e = U_ZERO_ERROR;
    ucal_getCanonicalTimeZoneID(id, len, canonical, TZ_NAME_MAX + 1, &is_system, &e);
    if (U_FAILURE(e) || !is_system)
        return NULL;

    struct tz *z = calloc(1, sizeof *z);
    if (z == NULL || (z->name = strdup(name)) == NULL)
        goto fail;
    z->proto = ucal_open(id, len, TZ_LOCALE, UCAL_GREGORIAN, &e);
    ucal_setGregorianChange(z->proto, U_DATE_MIN, &e);  /* no Julian calendar before 1582 */
    if (U_FAILURE(e))
        goto fail;
    ucal_setAttribute(z->proto, UCAL_LENIENT, true);
    ucal_setAttribute(z->proto, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    ucal_setAttribute(z->proto, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
    return z;
fail:
    if (U_FAILURE(e))
        log_msg(LOG_ERROR, NULL, "tz - opening %s failed: %s", name, u_errorName(e));
    if (z != NULL) {
        if (z->proto != NULL)
            ucal_close(z->proto);
        free(z->name);
        free(z);
    }
    return NULL;
}

/* A calendar of z's for one call, which the caller closes. */
static UCalendar *calendar_of(const struct tz *z)
{
    UErrorCode e = U_ZERO_ERROR;
    UCalendar *c = ucal_clone(z->proto, &e);
    if (U_FAILURE(e) || c == NULL)
        fatal("ucal_clone", e);
    return c;
}

/* A calendar of z's set to the instant t. */
static UCalendar *calendar_at(const struct tz *z, time_t t)
{
    UCalendar *c = calendar_of(z);
    UErrorCode e = U_ZERO_ERROR;
    ucal_setMillis(c, (UDate)clamp_t(t) * 1000.0, &e);
    if (U_FAILURE(e))
        fatal("ucal_setMillis", e);
    return c;
}

static int field(UCalendar *c, UCalendarDateFields f)
{
    UErrorCode e = U_ZERO_ERROR;
    int v = ucal_get(c, f, &e);
    if (U_FAILURE(e))
        fatal("ucal_get", e);
    return v;
}

/* ---- the public functions ------------------------------------------------------------- */

const struct tz *tz_get(const char *name)
{
    if (name == NULL || !name_is_plausible(name))
        return NULL;
    pthread_mutex_lock(&cache_lock);
    struct tz *z;
    for (z = cache; z != NULL; z = z->next)
        if (strcmp(z->name, name) == 0)
            break;
    if (z == NULL && (z = zone_open(name)) != NULL) {
        z->next = cache;
        cache = z;
    }
    pthread_mutex_unlock(&cache_lock);
    return z;
}

static void utc_init(void)
{
    if ((utc_zone = tz_get("UTC")) == NULL)
        fatal("opening UTC", U_MEMORY_ALLOCATION_ERROR);
}

const struct tz *tz_utc(void)
{
    pthread_once(&utc_once, utc_init);
    return utc_zone;
}

const char *tz_name(const struct tz *z)
{
    return z->name;
}

int tz_offset(const struct tz *z, time_t utc)
{
    UCalendar *c = calendar_at(z, utc);
    int ms = field(c, UCAL_ZONE_OFFSET) + field(c, UCAL_DST_OFFSET);
    ucal_close(c);
    return ms / 1000;
}

time_t tz_local_to_utc(const struct tz *z, int year, int month, int day, int minute_of_day)
{
    UCalendar *c = calendar_of(z);
    ucal_clear(c);  /* every other field, hour of day included, is 0 */
    ucal_set(c, UCAL_EXTENDED_YEAR, clamp_field(year));
    ucal_set(c, UCAL_MONTH, clamp_field(month) - 1);
    ucal_set(c, UCAL_DATE, clamp_field(day));
    ucal_set(c, UCAL_MINUTE, minute_of_day);
    UErrorCode e = U_ZERO_ERROR;
    UDate ms = ucal_getMillis(c, &e);
    if (U_FAILURE(e))
        fatal("ucal_getMillis", e);
    ucal_close(c);
    int64_t ms_i = (int64_t)ms;  /* whole seconds: offsets and fields have no milliseconds */
    return (time_t)clamp_t(ms_i / 1000 - (ms_i % 1000 < 0));
}

void tz_local_date(const struct tz *z, time_t utc, int *year, int *month, int *day,
                   int *weekday_iso, int *minute_of_day)
{
    UCalendar *c = calendar_at(z, utc);
    if (year)
        *year = field(c, UCAL_EXTENDED_YEAR);
    if (month)
        *month = field(c, UCAL_MONTH) + 1;
    if (day)
        *day = field(c, UCAL_DATE);
    if (weekday_iso) {
        int wd = field(c, UCAL_DAY_OF_WEEK);  /* UCAL_SUNDAY = 1 … UCAL_SATURDAY = 7 */
        *weekday_iso = wd == UCAL_SUNDAY ? 7 : wd - 1;
    }
    if (minute_of_day)
        *minute_of_day = field(c, UCAL_HOUR_OF_DAY) * 60 + field(c, UCAL_MINUTE);
    ucal_close(c);
}

const char *tz_data_version(void)
{
    UErrorCode e = U_ZERO_ERROR;
    const char *v = ucal_getTZDataVersion(&e);
    return U_FAILURE(e) || v == NULL ? "unknown" : v;
}
