/* JSON (or any text) built as text, for replies assembled from documents PostgreSQL rendered and stored
 * (migration 0021): members are spliced in without parsing anything. A builder that ran out
 * of memory stays failed (oom) and ignores further appends. */
#ifndef PD_JTEXT_H
#define PD_JTEXT_H

#include <stdbool.h>
#include <stddef.h>

struct jtext {
    char *s;     /* NUL-terminated; caller frees (jtext_take or free) */
    size_t len, cap;
    bool oom;
};

void jtext_raw(struct jtext *b, const char *s, size_t n);
void jtext_put(struct jtext *b, const char *s);          /* s verbatim */
void jtext_printf(struct jtext *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));  /* verbatim */
void jtext_str(struct jtext *b, const char *s);          /* s as a JSON string; NULL: null */
/* "name": inside an object being built, preceded by a comma unless it is the first member. */
void jtext_key(struct jtext *b, const char *name);
/* The members of the JSON object text obj (its text between the braces), preceded by a
 * comma unless b ends with '{' or obj has none. obj must be a rendered object ({…}). */
void jtext_members(struct jtext *b, const char *obj);
/* The builder's text (caller frees), NULL when it ran out of memory. Resets b. */
char *jtext_take(struct jtext *b);

#endif
