/* The JSON text builder (src/jtext.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jtext.h"

static bool grow(struct jtext *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (s == NULL) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void jtext_raw(struct jtext *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void jtext_put(struct jtext *b, const char *s)
{
    jtext_raw(b, s, strlen(s));
}

void jtext_printf(struct jtext *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jtext_str(struct jtext *b, const char *s)
{
    if (s == NULL) {
        jtext_raw(b, "null", 4);
        return;
    }
    jtext_raw(b, "\"", 1);
    const char *run = s;  /* bytes that need no escape are copied in runs */
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        jtext_raw(b, run, (size_t)(p - run));
        char esc[8];
        switch (ch) {
        case '"': jtext_raw(b, "\\\"", 2); break;
        case '\\': jtext_raw(b, "\\\\", 2); break;
        case '\n': jtext_raw(b, "\\n", 2); break;
        case '\r': jtext_raw(b, "\\r", 2); break;
        case '\t': jtext_raw(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            jtext_raw(b, esc, 6);
        }
        run = p + 1;
    }
    jtext_raw(b, run, strlen(run));
    jtext_raw(b, "\"", 1);
}

void jtext_key(struct jtext *b, const char *name)
{
    if (b->len > 0 && b->s[b->len - 1] != '{')
        jtext_raw(b, ",", 1);
    jtext_str(b, name);
    jtext_raw(b, ":", 1);
}

void jtext_members(struct jtext *b, const char *obj)
{
    size_t n = strlen(obj);
    const char *open = memchr(obj, '{', n);
    const char *close = n > 0 ? obj + n - 1 : obj;
    while (close > obj && *close != '}')
        close--;
    if (open == NULL || close <= open) {
        b->oom = true;  /* not an object: the reply cannot be built */
        return;
    }
    const char *in = open + 1;
    while (in < close && (*in == ' ' || *in == '\n'))
        in++;
    if (in == close)
        return;
    if (b->len > 0 && b->s[b->len - 1] != '{')
        jtext_raw(b, ",", 1);
    jtext_raw(b, in, (size_t)(close - in));
}

char *jtext_take(struct jtext *b)
{
    char *s = b->oom ? NULL : b->s;
    if (b->oom)
        free(b->s);
    if (s == NULL && !b->oom)
        s = strdup("");
    *b = (struct jtext){ 0 };
    return s;
}
