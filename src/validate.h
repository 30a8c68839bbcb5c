/* Input validation. Checks are pure; a struct verr collects every problem of one request
 * so the client can fix all fields in one round trip. */
#ifndef PD_VALIDATE_H
#define PD_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Pure checks. */
bool utf8_valid(const char *s, size_t len);
size_t utf8_chars(const char *s);          /* code points of a valid UTF-8 string */
bool uuid_valid(const char *s);            /* canonical 8-4-4-4-12 hex */
bool phone_valid(const char *s);           /* +?[0-9]{6,15} */
bool email_valid(const char *s);           /* one @, non-empty parts, a dot in the domain */
bool hhmm_valid(const char *s);            /* 00:00 – 23:59 */
bool username_valid(const char *s);        /* [a-z0-9._-]{3,32} */
/* RFC 3339 date-time ("2026-11-22T08:00:00Z", "…+08:00", fractions allowed) → UTC seconds. */
bool rfc3339_parse(const char *s, time_t *out);
/* The time s names, 0 when s is NULL or not RFC 3339 (for comparisons of checked input). */
time_t rfc3339_time(const char *s);
/* Decimal integer in [min, max], no sign tricks or trailing junk. */
bool int_parse(const char *s, long long min, long long max, long long *out);

/* Error collection: errors is a JSON array of {field, message}. */
struct verr {
    json_t *j_errors;
};
void verr_init(struct verr *v);
void verr_add(struct verr *v, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool verr_any(const struct verr *v);
void verr_free(struct verr *v);

/* Object field readers. Each validates, records a problem under `field` when invalid, and
 * returns the value (borrowed from obj) or NULL/false when absent or invalid.
 * *present tells an explicit JSON null apart from an absent key where that matters. */
void v_reject_unknown(struct verr *v, json_t *obj, const char *const allowed[]);
const char *v_string(struct verr *v, json_t *obj, const char *field, bool required,
                     size_t min_chars, size_t max_chars);
/* Like v_string but null is allowed and means "clear"; *present is set when the key exists. */
const char *v_string_or_null(struct verr *v, json_t *obj, const char *field,
                             size_t min_chars, size_t max_chars, bool *present);
const char *v_uuid(struct verr *v, json_t *obj, const char *field, bool required);
const char *v_enum(struct verr *v, json_t *obj, const char *field, bool required,
                   const char *const values[]);
bool v_int(struct verr *v, json_t *obj, const char *field, bool required, long long min,
           long long max, long long *out);
bool v_number(struct verr *v, json_t *obj, const char *field, bool required, double min,
              double max, double *out);
/* The array at field, checked for type and size; NULL when absent or invalid. */
json_t *v_array(struct verr *v, json_t *obj, const char *field, bool required,
                size_t min_items, size_t max_items);
/* An array of 1..max UUIDs as a PostgreSQL array literal ("{…}") in buf, or NULL. */
const char *v_uuid_list(struct verr *v, json_t *obj, const char *field, bool required, size_t max,
                        char *buf, size_t len);
/* An RFC 3339 date-time (the text; *out its time, 0 when absent or invalid), or NULL. */
const char *v_time(struct verr *v, json_t *obj, const char *field, bool required, time_t *out);
/* A boolean: 1 or 0, or -1 when absent or invalid. */
int v_flag(struct verr *v, json_t *obj, const char *field);

/* Query parameter checks: value may be NULL (absent). */
const char *q_uuid(struct verr *v, const char *name, const char *value);
const char *q_enum(struct verr *v, const char *name, const char *value, const char *const values[]);
const char *q_text(struct verr *v, const char *name, const char *value, size_t max_chars);

bool enum_has(const char *const values[], const char *s);

#endif
