/* SLA clock arithmetic: walks a calendar's business intervals day by day in its zone, minus
 * pauses, to count business time or find when a target is reached. No allocation, no state,
 * no knowledge of tickets or policies. */
#include <stdint.h>
#include "sla.h"

#define FOREVER INT64_MAX
#define T_LIMIT ((int64_t)1 << 40)  /* instants beyond ±34,800 years are out of range */

enum span_result { SPAN_DONE, SPAN_REACHED, SPAN_STOPPED };

/* ---- pauses ---------------------------------------------------------------------------- */

static bool pause_valid(const struct sla_pause *p)
{
    return p->to == 0 || p->to > p->from;
}

static int64_t pause_end(const struct sla_pause *p)
{
    return p->to == 0 ? FOREVER : p->to;
}

/* The first instant at or after t that no pause covers; FOREVER when an open pause does. */
static int64_t skip_paused(const struct sla_pause *p, int n, int64_t t)
{
    bool moved;
    do {
        moved = false;
        for (int i = 0; i < n; i++)
            if (pause_valid(&p[i]) && p[i].from <= t && t < pause_end(&p[i])) {
                t = pause_end(&p[i]);
                moved = true;
            }
    } while (moved && t != FOREVER);
    return t;
}

/* The start of the first pause that begins after t; FOREVER when none does. */
static int64_t next_pause(const struct sla_pause *p, int n, int64_t t)
{
    int64_t next = FOREVER;
    for (int i = 0; i < n; i++)
        if (pause_valid(&p[i]) && p[i].from > t && p[i].from < next)
            next = p[i].from;
    return next;
}

/* Counts the unpaused time of [s, e) into *counted. With need >= 0, stops as soon as *counted
 * would reach it and puts that instant in *at (SPAN_REACHED). SPAN_STOPPED: an open pause
 * holds the clock from some point in the span on. */
static enum span_result count_span(const struct sla_pause *p, int n, int64_t s, int64_t e,
                                   int64_t need, int64_t *counted, int64_t *at)
{
    int64_t c = s;
    while (c < e) {
        c = skip_paused(p, n, c);
        if (c == FOREVER)
            return SPAN_STOPPED;
        if (c >= e)
            break;
        int64_t seg_end = next_pause(p, n, c);
        if (seg_end > e)
            seg_end = e;
        if (need >= 0 && *counted + (seg_end - c) >= need) {
            *at = c + (need - *counted);
            return SPAN_REACHED;
        }
        *counted += seg_end - c;
        c = seg_end;
    }
    return SPAN_DONE;
}

/* ---- the calendar ---------------------------------------------------------------------- */

static bool in_sorted(const int *a, int n, int key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] == key)
            return true;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

bool sla_calendar_valid(const struct sla_calendar *cal)
{
    if (!cal || cal->n_holidays < 0 || cal->n_workdays < 0 ||
        (cal->n_holidays > 0 && !cal->holidays) || (cal->n_workdays > 0 && !cal->workdays))
        return false;
    return cal->always ||
           (cal->open_minute >= 0 && cal->open_minute < cal->close_minute &&
            cal->close_minute <= 1440);
}

static const struct tz *zone_of(const struct sla_calendar *cal)
{
    return cal->zone ? cal->zone : tz_utc();
}

/* A local calendar day, stepped through as a day number (days since 1970-01-01). */
struct day {
    int64_t n;
    int year, month, mday, wday;  /* wday 1 = Monday … 7 = Sunday */
};

static void day_set(struct day *d, int64_t n)
{
    d->n = n;
    tz_local_date(tz_utc(), (time_t)(n * 86400), &d->year, &d->month, &d->mday, &d->wday, NULL);
}

/* The local day containing the instant t in the calendar's zone, moved by `delta` days. */
static void day_of(const struct sla_calendar *cal, int64_t t, int delta, struct day *d)
{
    int y, m, md;
    tz_local_date(zone_of(cal), (time_t)t, &y, &m, &md, NULL, NULL);
    day_set(d, tz_local_to_utc(tz_utc(), y, m, md, 0) / 86400 + delta);
}

static bool is_working_day(const struct sla_calendar *cal, const struct day *d)
{
    int key = d->year * 10000 + d->month * 100 + d->mday;
    if (cal->n_workdays > 0 && in_sorted(cal->workdays, cal->n_workdays, key))
        return true;
    if (cal->n_holidays > 0 && in_sorted(cal->holidays, cal->n_holidays, key))
        return false;
    return (cal->days & SLA_DAY(d->wday)) != 0;
}

static int64_t local_instant(const struct sla_calendar *cal, const struct day *d, int minute)
{
    return tz_local_to_utc(zone_of(cal), d->year, d->month, d->mday, minute);
}

/* Walks the business time of [from, until) minus pauses: the counted seconds go to *counted
 * and, with need >= 0, the instant the count reaches need to *at (SPAN_REACHED). */
static enum span_result walk(const struct sla_calendar *cal, int64_t from, int64_t until,
                             const struct sla_pause *p, int n, int64_t need, int64_t *counted,
                             int64_t *at)
{
    *counted = 0;
    if (cal->always)
        return count_span(p, n, from, until, need, counted, at);
    struct day d;
    /* earlier days close by the first instant of `from`'s local day, so not after `from` */
    for (day_of(cal, from, 0, &d);; day_set(&d, d.n + 1)) {
        int64_t open = local_instant(cal, &d, cal->open_minute);
        if (open >= until)
            return SPAN_DONE;
        if (!is_working_day(cal, &d))
            continue;
        int64_t close = local_instant(cal, &d, cal->close_minute);
        int64_t s = open > from ? open : from, e = close < until ? close : until;
        if (s >= e)
            continue;
        enum span_result r = count_span(p, n, s, e, need, counted, at);
        if (r != SPAN_DONE)
            return r;
    }
}

/* ---- the public functions ------------------------------------------------------------- */

time_t sla_due(const struct sla_calendar *cal, time_t start, int minutes,
               const struct sla_pause *p, int n)
{
    if (minutes < 0 || !sla_calendar_valid(cal) || start < -T_LIMIT || start > T_LIMIT)
        return 0;
    if (minutes == 0)
        return start;
    int64_t counted, at;
    enum span_result r = walk(cal, start, (int64_t)start + (int64_t)SLA_HORIZON_DAYS * 86400, p,
                              n < 0 ? 0 : n, (int64_t)minutes * 60, &counted, &at);
    return r == SPAN_REACHED ? (time_t)at : 0;
}

long long sla_elapsed(const struct sla_calendar *cal, time_t a, time_t b,
                      const struct sla_pause *p, int n)
{
    if (b <= a || !sla_calendar_valid(cal))
        return 0;
    int64_t from = a < -T_LIMIT ? -T_LIMIT : a, until = b > T_LIMIT ? T_LIMIT : b;
    int64_t counted = 0, at;
    if (from < until)
        walk(cal, from, until, p, n < 0 ? 0 : n, -1, &counted, &at);
    return counted;
}

time_t sla_next_working_day_end(const struct sla_calendar *cal, time_t start)
{
    if (!sla_calendar_valid(cal) || start < -T_LIMIT || start > T_LIMIT)
        return 0;
    struct day d;
    if (cal->always) {
        day_of(cal, start, 2, &d);
        return (time_t)local_instant(cal, &d, 0);
    }
    day_of(cal, start, 0, &d);
    for (int k = 1; k <= SLA_HORIZON_DAYS; k++) {
        day_set(&d, d.n + 1);
        if (is_working_day(cal, &d))
            return (time_t)local_instant(cal, &d, cal->close_minute);
    }
    return 0;
}

int sla_parse_hhmm(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : !(s[i] >= '0' && s[i] <= '9'))
            return -1;
    if (s[5] != '\0')
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}
