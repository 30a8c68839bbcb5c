/* Time zones: TZif parsing (RFC 8536; leap-second "right/" files are refused), a cache by
 * name, offsets from the transition table and, past its end, from the POSIX TZ footer rule
 * (Jn, n and Mm.w.d forms, RFC 8536 §3.3 extensions included), and local ↔ UTC conversion.
 * Nothing here reads or sets the TZ variable; loaded zones are immutable. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tz.h"

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 128
#define TZ_FILE_MAX (1024 * 1024)
#define TZ_COUNT_MAX (1 << 20)           /* sanity bound on every TZif count */
#define TZ_OFF_MAX (26 * 3600)           /* |UT offset| accepted, RFC 8536 says < 25h59m59s */
#define TZ_T_LIMIT ((int64_t)1 << 44)    /* instants are clamped to ±557,000 years */

_Static_assert(sizeof(time_t) == 8, "propdesk needs a 64-bit time_t");

enum rule_kind { RULE_JULIAN1, RULE_DAY0, RULE_MWD }; /* Jn, n, Mm.w.d */

struct rule_date {
    enum rule_kind kind;
    int n;                      /* Jn: 1..365, n: 0..365 */
    int month, week, wday;      /* Mm.w.d: 1..12, 1..5 (5 = last), 0 = Sunday..6 */
    int32_t secs;               /* local time of day of the change, -167h..167h */
};

struct posix_rule {
    int32_t std_off, dst_off;   /* seconds east of UTC */
    bool has_dst;
    struct rule_date start, end;
};

struct tz {
    const char *name;
    int n_trans;
    int64_t *trans;             /* transition instants, strictly ascending */
    unsigned char *trans_type;  /* index into type_off for each transition */
    int n_types;
    int32_t *type_off;          /* seconds east of UTC of each local time type */
    bool has_rule;              /* the footer governs instants after the last transition */
    struct posix_rule rule;
    struct tz *next;            /* the cache list */
};

static int32_t utc_types[1] = { 0 };
static struct tz utc_zone = { .name = "UTC", .n_types = 1, .type_off = utc_types };

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

/* ---- calendar arithmetic (proleptic Gregorian, H. Hinnant's algorithms) --------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01; month 1..12, day may run past the month (it rolls linearly). */
static int64_t days_from_civil(int64_t y, int m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday … 6 = Saturday; day 0 (1970-01-01) was a Thursday. */
static int weekday_sun0(int64_t days)
{
    return (int)floor_mod(days + 4, 7);
}

static int64_t clamp_t(int64_t t)
{
    return t > TZ_T_LIMIT ? TZ_T_LIMIT : t < -TZ_T_LIMIT ? -TZ_T_LIMIT : t;
}

/* ---- the POSIX TZ rule ------------------------------------------------------------------ */

/* Day number (days since the epoch) on which the rule changes in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);
    switch (r->kind) {
    case RULE_JULIAN1:
        return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
    case RULE_DAY0:
        return jan1 + r->n;
    case RULE_MWD:
    default: {
        int64_t first = days_from_civil(y, r->month, 1);
        int d = (r->wday - weekday_sun0(first) + 7) % 7 + 7 * (r->week - 1);
        while (d >= month_days(y, r->month))
            d -= 7;
        return first + d;
    }
    }
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y;
    int m, d;
    civil_from_days(floor_div(t + r->std_off, 86400), &y, &m, &d);
    /* the change to DST happens on standard time, the change back on DST */
    int64_t start = rule_day(&r->start, y) * 86400 + r->start.secs - r->std_off;
    int64_t end = rule_day(&r->end, y) * 86400 + r->end.secs - r->dst_off;
    bool dst = start < end ? t >= start && t < end : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

static const char *parse_abbr(const char *p)
{
    if (*p == '<') {
        const char *q = p + 1;
        while (*q && *q != '>' && (is_alnum(*q) || *q == '+' || *q == '-'))
            q++;
        return *q == '>' && q - p >= 4 ? q + 1 : NULL;
    }
    const char *q = p;
    while (is_alpha(*q))
        q++;
    return q - p >= 3 ? q : NULL;
}

static const char *parse_num(const char *p, int min, int max, int *out)
{
    int v = 0, digits = 0;
    while (is_digit(*p)) {
        if (++digits > 3)
            return NULL;
        v = v * 10 + (*p++ - '0');
    }
    if (digits == 0 || v < min || v > max)
        return NULL;
    *out = v;
    return p;
}

/* [+-]hh[:mm[:ss]], hours at most max_h; the signed number of seconds goes to *secs. */
static const char *parse_hms(const char *p, int max_h, int32_t *secs)
{
    int sign = 1, h, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!(p = parse_num(p, 0, max_h, &h)))
        return NULL;
    if (*p == ':') {
        if (!(p = parse_num(p + 1, 0, 59, &m)))
            return NULL;
        if (*p == ':' && !(p = parse_num(p + 1, 0, 59, &s)))
            return NULL;
    }
    *secs = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_rule_date(const char *p, struct rule_date *r)
{
    if (*p == 'J') {
        r->kind = RULE_JULIAN1;
        p = parse_num(p + 1, 1, 365, &r->n);
    } else if (*p == 'M') {
        r->kind = RULE_MWD;
        if ((p = parse_num(p + 1, 1, 12, &r->month)) && *p == '.' &&
            (p = parse_num(p + 1, 1, 5, &r->week)) && *p == '.')
            p = parse_num(p + 1, 0, 6, &r->wday);
        else
            p = NULL;
    } else {
        r->kind = RULE_DAY0;
        p = parse_num(p, 0, 365, &r->n);
    }
    r->secs = 2 * 3600;
    if (p && *p == '/')
        p = parse_hms(p + 1, 167, &r->secs);
    return p;
}

/* Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"; false when malformed. */
static bool parse_posix(const char *s, struct posix_rule *r)
{
    int32_t v;
    const char *p = parse_abbr(s);
    if (!p || !(p = parse_hms(p, 24, &v)))
        return false;
    r->std_off = -v;
    r->has_dst = false;
    if (*p == '\0')
        return true;
    if (!(p = parse_abbr(p)))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p != '\0' && *p != ',') {
        if (!(p = parse_hms(p, 24, &v)))
            return false;
        r->dst_off = -v;
    }
    if (*p == '\0')
        p = ",M3.2.0,M11.1.0";  /* tzcode's default when a DST zone gives no rule */
    if (*p != ',' || !(p = parse_rule_date(p + 1, &r->start)) || *p != ',' ||
        !(p = parse_rule_date(p + 1, &r->end)) || *p != '\0')
        return false;
    return true;
}

/* ---- TZif ------------------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts { size_t isut, isstd, leap, time, type, chars; };

static bool read_counts(const unsigned char *h, struct tzif_counts *c)
{
    size_t v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = be32(h + 20 + 4 * i);
        if (v[i] > TZ_COUNT_MAX)
            return false;
    }
    *c = (struct tzif_counts){ v[0], v[1], v[2], v[3], v[4], v[5] };
    /* leap-second ("right/") zones count time differently from time_t: refused */
    return memcmp(h, "TZif", 4) == 0 && c->leap == 0 && c->type >= 1 && c->type <= 256 && c->chars >= 1 &&
           (c->isut == 0 || c->isut == c->type) && (c->isstd == 0 || c->isstd == c->type);
}

static size_t data_len(const struct tzif_counts *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
           c->isstd + c->isut;
}

static void tz_free(struct tz *z)
{
    if (!z)
        return;
    free((char *)z->name);
    free(z->trans);
    free(z->trans_type);
    free(z->type_off);
    free(z);
}

/* A zone from the bytes of a TZif file; NULL when they are not a valid one. */
static struct tz *tz_parse(const char *name, const unsigned char *buf, size_t len)
{
    struct tzif_counts c;
    if (len < 44 || !read_counts(buf, &c))
        return NULL;
    const unsigned char *p = buf + 44, *end = buf + len;
    size_t tsize = 4;
    if (buf[4] >= '2') {  /* skip the 32-bit block, use the 64-bit one */
        size_t skip = data_len(&c, 4);
        if (skip > len - 44 || len - 44 - skip < 44 || !read_counts(p + skip, &c))
            return NULL;
        p += skip + 44;
        tsize = 8;
    }
    if (data_len(&c, tsize) > (size_t)(end - p))
        return NULL;

    struct tz *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->name = strdup(name);
    z->n_trans = (int)c.time;
    z->n_types = (int)c.type;
    z->trans = malloc((c.time ? c.time : 1) * sizeof *z->trans);
    z->trans_type = malloc(c.time ? c.time : 1);
    z->type_off = malloc(c.type * sizeof *z->type_off);
    if (!z->name || !z->trans || !z->trans_type || !z->type_off)
        goto fail;

    for (size_t i = 0; i < c.time; i++, p += tsize) {
        z->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            goto fail;
    }
    for (size_t i = 0; i < c.time; i++, p++) {
        if (*p >= c.type)
            goto fail;
        z->trans_type[i] = *p;
    }
    for (size_t i = 0; i < c.type; i++, p += 6) {
        int32_t off = (int32_t)be32(p);
        if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX || p[4] > 1 || p[5] >= c.chars)
            goto fail;
        z->type_off[i] = off;
    }
    p += c.chars + c.leap * (tsize + 4) + c.isstd + c.isut;

    if (tsize == 8) {  /* footer: "\n<POSIX TZ string>\n", the string possibly empty */
        if (p >= end || *p != '\n')
            goto fail;
        const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
        if (!nl || nl - p - 1 >= 128)
            goto fail;
        char footer[128];
        memcpy(footer, p + 1, (size_t)(nl - p - 1));
        footer[nl - p - 1] = '\0';
        if (footer[0] != '\0') {
            if (!parse_posix(footer, &z->rule))
                goto fail;
            z->has_rule = true;
        }
    }
    return z;
fail:
    tz_free(z);
    return NULL;
}

/* A zone name is a relative path of [A-Za-z0-9._+-] components, none empty or
 * starting with a dot (so no ".", ".." or hidden files). */
static bool name_is_safe(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > TZ_NAME_MAX)
        return false;
    bool component_start = true;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        if (ch == '/') {
            if (component_start)
                return false;
            component_start = true;
            continue;
        }
        if (component_start && ch == '.')
            return false;
        if (!is_alnum(ch) && ch != '_' && ch != '-' && ch != '+' && ch != '.')
            return false;
        component_start = false;
    }
    return !component_start;
}

static struct tz *tz_load(const char *name)
{
    char path[sizeof TZ_DIR + TZ_NAME_MAX + 1];
    snprintf(path, sizeof path, "%s/%s", TZ_DIR, name);
    FILE *f = fopen(path, "rbe");
    if (!f)
        return NULL;
    struct tz *z = NULL;
    unsigned char *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 44 ||
        st.st_size > TZ_FILE_MAX)
        goto cleanup;
    buf = malloc((size_t)st.st_size);
    if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
        goto cleanup;
    z = tz_parse(name, buf, (size_t)st.st_size);
cleanup:
    free(buf);
    fclose(f);
    return z;
}

/* ---- the public functions ------------------------------------------------------------- */

const struct tz *tz_utc(void)
{
    return &utc_zone;
}

const struct tz *tz_get(const char *name)
{
    if (!name || !name_is_safe(name))
        return NULL;
    pthread_mutex_lock(&cache_lock);
    struct tz *z;
    for (z = cache; z; z = z->next)
        if (strcmp(z->name, name) == 0)
            break;
    if (!z && (z = tz_load(name)) != NULL) {
        z->next = cache;
        cache = z;
    }
    pthread_mutex_unlock(&cache_lock);
    if (!z && strcmp(name, "UTC") == 0)
        return &utc_zone;  /* no tzdata on this machine */
    return z;
}

const char *tz_name(const struct tz *z)
{
    return z->name;
}

int tz_offset(const struct tz *z, time_t utc)
{
    int64_t t = clamp_t(utc);
    int n = z->n_trans;
    if (n == 0)
        return z->has_rule ? rule_offset(&z->rule, t) : z->type_off[0];
    if (t < z->trans[0])
        return z->type_off[0];  /* RFC 8536 §3.2: before the first transition, type 0 */
    if (t >= z->trans[n - 1] && z->has_rule)
        return rule_offset(&z->rule, t);
    int lo = 0, hi = n - 1;  /* the last transition at or before t */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return z->type_off[z->trans_type[lo]];
}

time_t tz_local_to_utc(const struct tz *z, int year, int month, int day, int minute_of_day)
{
    int64_t m0 = (int64_t)month - 1;
    int64_t y = year + floor_div(m0, 12);
    int m = (int)floor_mod(m0, 12) + 1;
    int64_t local = clamp_t((days_from_civil(y, m, 1) + (int64_t)day - 1) * 86400 +
                            (int64_t)minute_of_day * 60);
    /* any instant with this wall clock lies within TZ_OFF_MAX of `local`; assume at most one
     * transition in that window, with offset `before` on one side and `after` on the other */
    int64_t lo = local - TZ_OFF_MAX, hi = local + TZ_OFF_MAX;
    int before = tz_offset(z, lo), after = tz_offset(z, hi);
    int64_t t1 = local - before, t2 = local - after;
    bool ok1 = tz_offset(z, t1) == before, ok2 = tz_offset(z, t2) == after;
    if (ok1 && ok2)
        return t1 < t2 ? t1 : t2;  /* an overlap, or no transition at all */
    if (ok1)
        return t1;
    if (ok2)
        return t2;
    /* a gap: the answer is the transition, the first instant in (lo, hi] not at `before` */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (tz_offset(z, mid) == before)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

void tz_local_date(const struct tz *z, time_t utc, int *year, int *month, int *day,
                   int *weekday_iso, int *minute_of_day)
{
    int64_t t = clamp_t(utc);
    int64_t local = t + tz_offset(z, t);
    int64_t days = floor_div(local, 86400), y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (year)
        *year = (int)y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    if (weekday_iso) {
        int wd = weekday_sun0(days);
        *weekday_iso = wd == 0 ? 7 : wd;
    }
    if (minute_of_day)
        *minute_of_day = (int)(floor_mod(local, 86400) / 60);
}
