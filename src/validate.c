/* Validation helpers: pure string checks and JSON field readers that collect problems. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "validate.h"

bool utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned int cp;
        if (c < 0x80) {
            if (c == 0)
                return false;
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1; cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2; cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3; cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len)  /* continuation bytes s[i+1 .. i+n] must exist */
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

bool uuid_valid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

bool phone_valid(const char *s)
{
    if (s == NULL)
        return false;
    if (*s == '+')
        s++;
    size_t n = strlen(s);
    if (n < 6 || n > 15)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

bool email_valid(const char *s)
{
    if (s == NULL)
        return false;
    const char *at = strchr(s, '@');
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strlen(s) > 254)
        return false;
    const char *dot = strchr(at + 1, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
            return false;
    return true;
}

bool hhmm_valid(const char *s)
{
    return s != NULL && strlen(s) == 5 && isdigit((unsigned char)s[0]) &&
           isdigit((unsigned char)s[1]) && s[2] == ':' && isdigit((unsigned char)s[3]) &&
           isdigit((unsigned char)s[4]) && (s[0] - '0') * 10 + (s[1] - '0') < 24 &&
           (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

bool username_valid(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n < 3 || n > 32)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '.' ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - (int)(era * 400);
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

time_t rfc3339_time(const char *s)
{
    time_t t = 0;
    return s != NULL && rfc3339_parse(s, &t) ? t : 0;
}

bool rfc3339_parse(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    if (s == NULL || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
        !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    int sign = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        sign = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) &&
               p[3] == ':' && digits(p + 4, 2, &om)) {
        sign = *p == '+' ? 1 : -1;
        if (oh > 23 || om > 59)
            return false;
    } else {
        return false;
    }
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || sec > 60)
        return false;
    long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec);
    t -= sign * (oh * 3600 + om * 60);
    *out = (time_t)t;
    return true;
}

bool int_parse(const char *s, long long min, long long max, long long *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 20)
        return false;
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '\0')
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno != 0 || v < min || v > max)
        return false;
    *out = v;
    return true;
}

void verr_init(struct verr *v) { v->j_errors = json_array(); }
bool verr_any(const struct verr *v) { return json_array_size(v->j_errors) > 0; }

void verr_free(struct verr *v)
{
    json_decref(v->j_errors);
    v->j_errors = NULL;
}

void verr_add(struct verr *v, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *j_field = json_string(field);
    if (j_field == NULL)  /* a field name from the client that is not valid UTF-8 */
        j_field = json_string("(invalid)");
    json_array_append_new(v->j_errors, json_pack("{s:o, s:s}", "field", j_field, "message", msg));
}

bool enum_has(const char *const values[], const char *s)
{
    for (int i = 0; values[i] != NULL; i++)
        if (strcmp(values[i], s) == 0)
            return true;
    return false;
}

void v_reject_unknown(struct verr *v, json_t *obj, const char *const allowed[])
{
    const char *key;
    json_t *j_value;
    json_object_foreach(obj, key, j_value) {
        if (!enum_has(allowed, key))
            verr_add(v, key, "unknown field");
    }
}

static bool check_text(struct verr *v, const char *field, const char *s, size_t min, size_t max)
{
    size_t n = utf8_chars(s);
    if (n < min || n > max) {
        if (min == max)
            verr_add(v, field, "must be exactly %zu characters", min);
        else
            verr_add(v, field, "must be %zu to %zu characters", min, max);
        return false;
    }
    return true;
}

const char *v_string(struct verr *v, json_t *obj, const char *field, bool required,
                     size_t min_chars, size_t max_chars)
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL) {
        if (required)
            verr_add(v, field, "is required");
        return NULL;
    }
    if (!json_is_string(j)) {
        verr_add(v, field, "must be a string");
        return NULL;
    }
    const char *s = json_string_value(j);
    if (strlen(s) != json_string_length(j)) {
        verr_add(v, field, "must not contain NUL characters");
        return NULL;
    }
    return check_text(v, field, s, min_chars, max_chars) ? s : NULL;
}

const char *v_string_or_null(struct verr *v, json_t *obj, const char *field,
                             size_t min_chars, size_t max_chars, bool *present)
{
    json_t *j = json_object_get(obj, field);
    *present = j != NULL;
    if (j == NULL || json_is_null(j))
        return NULL;
    return v_string(v, obj, field, false, min_chars, max_chars);
}

const char *v_uuid(struct verr *v, json_t *obj, const char *field, bool required)
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL) {
        if (required)
            verr_add(v, field, "is required");
        return NULL;
    }
    if (!json_is_string(j) || !uuid_valid(json_string_value(j))) {
        verr_add(v, field, "must be a UUID");
        return NULL;
    }
    return json_string_value(j);
}

const char *v_enum(struct verr *v, json_t *obj, const char *field, bool required,
                   const char *const values[])
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL) {
        if (required)
            verr_add(v, field, "is required");
        return NULL;
    }
    if (!json_is_string(j) || !enum_has(values, json_string_value(j))) {
        char list[256] = "";
        size_t off = 0;
        for (int i = 0; values[i] != NULL && off < sizeof list; i++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", values[i]);
        verr_add(v, field, "must be one of: %s", list);
        return NULL;
    }
    return json_string_value(j);
}

bool v_int(struct verr *v, json_t *obj, const char *field, bool required, long long min,
           long long max, long long *out)
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL) {
        if (required)
            verr_add(v, field, "is required");
        return false;
    }
    if (!json_is_integer(j) || json_integer_value(j) < min || json_integer_value(j) > max) {
        verr_add(v, field, "must be an integer from %lld to %lld", min, max);
        return false;
    }
    *out = json_integer_value(j);
    return true;
}

bool v_number(struct verr *v, json_t *obj, const char *field, bool required, double min,
              double max, double *out)
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL) {
        if (required)
            verr_add(v, field, "is required");
        return false;
    }
    double d = json_number_value(j);
    if (!json_is_number(j) || !isfinite(d) || d < min || d > max) {
        verr_add(v, field, "must be a number from %g to %g", min, max);
        return false;
    }
    *out = d;
    return true;
}

json_t *v_array(struct verr *v, json_t *obj, const char *field, bool required,
                size_t min_items, size_t max_items)
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL) {
        if (required)
            verr_add(v, field, "is required");
        return NULL;
    }
    if (!json_is_array(j)) {
        verr_add(v, field, "must be an array");
        return NULL;
    }
    if (json_array_size(j) < min_items || json_array_size(j) > max_items) {
        verr_add(v, field, "must have %zu to %zu items", min_items, max_items);
        return NULL;
    }
    return j;
}

const char *q_uuid(struct verr *v, const char *name, const char *value)
{
    if (value == NULL)
        return NULL;
    if (!uuid_valid(value)) {
        verr_add(v, name, "must be a UUID");
        return NULL;
    }
    return value;
}

const char *q_enum(struct verr *v, const char *name, const char *value, const char *const values[])
{
    if (value == NULL)
        return NULL;
    if (!enum_has(values, value)) {
        verr_add(v, name, "is not a known value");
        return NULL;
    }
    return value;
}

const char *q_text(struct verr *v, const char *name, const char *value, size_t max_chars)
{
    if (value == NULL)
        return NULL;
    if (!utf8_valid(value, strlen(value)) || utf8_chars(value) < 1 || utf8_chars(value) > max_chars) {
        verr_add(v, name, "must be 1 to %zu characters of UTF-8", max_chars);
        return NULL;
    }
    return value;
}

const char *v_uuid_list(struct verr *v, json_t *obj, const char *field, bool required, size_t max,
                        char *buf, size_t len)
{
    json_t *j_ids = v_array(v, obj, field, required, 1, max), *j_id;
    size_t off = 1, i;
    if (j_ids == NULL)
        return NULL;
    buf[0] = '{';
    json_array_foreach(j_ids, i, j_id) {
        if (!json_is_string(j_id) || !uuid_valid(json_string_value(j_id))) {
            verr_add(v, field, "must list UUIDs");
            return NULL;
        }
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", json_string_value(j_id));
    }
    snprintf(buf + off, len - off, "}");
    return buf;
}

const char *v_time(struct verr *v, json_t *obj, const char *field, bool required, time_t *out)
{
    const char *s = v_string(v, obj, field, required, 1, 40);
    *out = 0;
    if (s != NULL && !rfc3339_parse(s, out)) {
        verr_add(v, field, "must be an RFC 3339 date-time such as 2026-12-01T09:00:00+08:00");
        return NULL;
    }
    return s;
}

int v_flag(struct verr *v, json_t *obj, const char *field)
{
    json_t *j = json_object_get(obj, field);
    if (j == NULL)
        return -1;
    if (!json_is_boolean(j)) {
        verr_add(v, field, "must be true or false");
        return -1;
    }
    return json_is_true(j);
}
