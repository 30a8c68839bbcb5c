/* Statement generation and the shape cache for list specs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "enums.h"
#include "listspec.h"
#include "log.h"

#define LIST_MAX_SHAPES 128   /* generated statements kept process-wide; beyond: catch-all */
#define LIST_MAX_SPECS 32     /* room kept for each spec's catch-all */

static const char *sql_type(enum list_kind k)
{
    switch (k) {
    case LIST_UUID: return "uuid";
    case LIST_TIME: return "timestamptz";
    case LIST_FLAG: return "bool";
    default: return "text";
    }
}

void list_check(const struct list_spec *s, const char *const raw[], struct verr *v,
                const char *values[])
{
    for (int i = 0; i < s->n_filters; i++) {
        const struct list_filter *f = &s->filters[i];
        const char *x = raw[i];
        time_t t;
        values[i] = NULL;
        if (x == NULL)
            continue;
        switch (f->kind) {
        case LIST_ENUM: values[i] = q_enum(v, f->param, x, enum_codes(f->enum_name)); break;
        case LIST_UUID: values[i] = q_uuid(v, f->param, x); break;
        case LIST_TEXT: values[i] = q_text(v, f->param, x, (size_t)f->max_chars); break;
        case LIST_TIME:
            if (rfc3339_parse(x, &t))
                values[i] = x;
            else
                verr_add(v, f->param, "must be an RFC 3339 date-time such as 2026-11-22T08:00:00Z");
            break;
        case LIST_FLAG:
            if (strcmp(x, "true") != 0 && strcmp(x, "false") != 0)
                verr_add(v, f->param, "must be true or false");
            else if (strcmp(x, "true") == 0)
                values[i] = "true";
            break;
        }
    }
}

const char *list_value(const struct list_spec *s, const char *const values[], const char *param)
{
    for (int i = 0; i < s->n_filters; i++)
        if (strcmp(s->filters[i].param, param) == 0)
            return values[i];
    return NULL;
}

/* Appends src to *buf (grown as needed), replacing $v by $<n>::<type>. */
static void append(char **buf, size_t *len, size_t *cap, const char *src, int n, const char *type)
{
    for (const char *p = src; *p; p++) {
        char piece[48];
        const char *add = piece;
        size_t k;
        if (p[0] == '$' && p[1] == 'v') {
            k = (size_t)snprintf(piece, sizeof piece, "$%d::%s", n, type);
            p++;
        } else {
            piece[0] = *p;
            k = 1;
        }
        if (*len + k + 1 > *cap) {
            *cap = (*cap + k + 1) * 2;
            char *grown = realloc(*buf, *cap);
            if (grown == NULL) {
                free(*buf);
                *buf = NULL;
                return;
            }
            *buf = grown;
        }
        memcpy(*buf + *len, add, k);
        *len += k;
        (*buf)[*len] = '\0';
    }
}

/* Renumbers the parameters of sql (numbered with every base parameter present) so that the
 * base parameters it does not reference are left out; *used gets those it does. */
static char *renumber(char *sql, int n_base, unsigned *used)
{
    *used = 0;
    for (const char *p = sql; (p = strchr(p, '$')) != NULL; p++) {
        long k = strtol(p + 1, NULL, 10);
        if (k >= 1 && k <= n_base)
            *used |= 1u << (k - 1);
    }
    int map[DB_MAX_PARAMS + 1], next = 1;
    for (int k = 1; k <= n_base; k++)
        map[k] = *used & (1u << (k - 1)) ? next++ : 0;
    int shift = n_base - (next - 1);
    size_t len = 0, cap = strlen(sql) + 1;
    char *out = malloc(cap);
    if (out == NULL) {
        free(sql);
        return NULL;
    }
    for (const char *p = sql; *p;) {
        char *end;
        long k = p[0] == '$' ? strtol(p + 1, &end, 10) : 0;
        if (k < 1) {
            out[len++] = *p++;
            continue;
        }
        len += (size_t)sprintf(out + len, "$%ld", k <= n_base ? map[k] : k - shift);  /* never longer */
        p = end;
    }
    out[len] = '\0';
    free(sql);
    return out;
}

char *list_sql(const struct list_spec *s, unsigned long mask, bool catch_all, unsigned *used)
{
    size_t len = 0, cap = strlen(s->select) + 256;
    char *buf = malloc(cap), tail[256];
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    append(&buf, &len, &cap, s->select, 0, "");
    for (int j = 0; buf != NULL && j < s->n_scopes; j++) {
        const struct list_scope *sc = &s->scopes[j];
        char head[64];
        if (!catch_all && !(mask & (1ul << (s->n_filters + 1 + j))))
            continue;
        if (catch_all)
            snprintf(head, sizeof head, " AND ($%d::%s IS NULL OR ", sc->param, sc->type);
        else
            snprintf(head, sizeof head, " AND (");
        append(&buf, &len, &cap, head, 0, "");
        if (buf != NULL)
            append(&buf, &len, &cap, sc->predicate, 0, "");
        if (buf != NULL)
            append(&buf, &len, &cap, ")", 0, "");
    }
    int n = s->n_base;
    for (int i = 0; buf != NULL && i < s->n_filters; i++) {
        const struct list_filter *f = &s->filters[i];
        if (!catch_all && !(mask & (1ul << i)))
            continue;
        n++;
        char head[64];
        if (!catch_all && f->kind == LIST_FLAG)
            snprintf(head, sizeof head, " AND ($%d::bool AND ", n);
        else if (!catch_all)
            snprintf(head, sizeof head, " AND (");
        else if (f->kind == LIST_FLAG)
            snprintf(head, sizeof head, " AND (NOT coalesce($%d::bool, false) OR ", n);
        else
            snprintf(head, sizeof head, " AND ($%d::%s IS NULL OR ", n, sql_type(f->kind));
        append(&buf, &len, &cap, head, n, "");
        if (buf != NULL)
            append(&buf, &len, &cap, f->predicate, n, sql_type(f->kind));
        if (buf != NULL)
            append(&buf, &len, &cap, ")", n, "");
    }
    bool cursor = catch_all || (mask & (1ul << s->n_filters));
    if (cursor && catch_all)
        snprintf(tail, sizeof tail, " AND ($%d::bigint IS NULL OR %s < (timestamptz 'epoch' + $%d::bigint * "
                 "interval '1 microsecond', $%d::uuid)) ORDER BY %s LIMIT $%d",
                 n + 1, s->keyset, n + 1, n + 2, s->order, n + 3);
    else if (cursor)
        snprintf(tail, sizeof tail, " AND %s < (timestamptz 'epoch' + $%d::bigint * interval '1 microsecond', "
                 "$%d::uuid) ORDER BY %s LIMIT $%d", s->keyset, n + 1, n + 2, s->order, n + 3);
    else
        snprintf(tail, sizeof tail, " ORDER BY %s LIMIT $%d", s->order, n + 1);
    if (buf != NULL)
        append(&buf, &len, &cap, tail, 0, "");
    unsigned referenced;
    buf = buf != NULL ? renumber(buf, s->n_base, &referenced) : NULL;
    if (used != NULL)
        *used = buf != NULL ? referenced : 0;
    return buf;
}

/* The shapes generated so far, process-wide (statements are prepared per connection by
 * db_exec as usual). */
static struct shape {
    const struct list_spec *spec;
    unsigned long mask;   /* ~0ul: the spec's catch-all */
    unsigned used;        /* the base parameters it takes (list_sql) */
    struct db_stmt st;
} shapes[LIST_MAX_SHAPES + LIST_MAX_SPECS];
static int n_shapes;  /* append-only: an entry is complete before n_shapes counts it */
static int n_own;     /* of them, shapes of their own (not catch-alls) */
static pthread_mutex_t shapes_lock = PTHREAD_MUTEX_INITIALIZER;

static struct shape *find(const struct list_spec *s, unsigned long mask)
{
    int n = __atomic_load_n(&n_shapes, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (shapes[i].spec == s && shapes[i].mask == mask)
            return &shapes[i];
    return NULL;
}

/* The shape for mask: its own while the cache has room, else the catch-all (*catch_all
 * set). NULL when out of memory. */
static struct shape *shape_for(const struct list_spec *s, unsigned long mask, bool *catch_all)
{
    *catch_all = false;
    struct shape *sh = find(s, mask);  /* the usual case: known, without the lock */
    if (sh != NULL)
        return sh;
    pthread_mutex_lock(&shapes_lock);
    sh = find(s, mask);
    bool all = sh == NULL && n_own >= LIST_MAX_SHAPES;
    if (all && (sh = find(s, ~0ul)) != NULL)
        *catch_all = true;
    if (sh == NULL) {
        if (n_shapes == LIST_MAX_SHAPES + LIST_MAX_SPECS) {
            pthread_mutex_unlock(&shapes_lock);
            log_msg(LOG_ERROR, NULL, "list_run - no room for the catch-all of %s", s->name);
            return NULL;
        }
        unsigned used;
        char *sql = list_sql(s, all ? ~0ul : mask, all, &used);
        if (sql != NULL) {
            shapes[n_shapes] = (struct shape){ s, all ? ~0ul : mask, used, { sql, -1, NULL } };
            sh = &shapes[n_shapes];
            n_own += !all;
            __atomic_store_n(&n_shapes, n_shapes + 1, __ATOMIC_RELEASE);
            *catch_all = all;
        }
    }
    pthread_mutex_unlock(&shapes_lock);
    return sh;
}

bool list_read(const struct list_spec *s, const char *const base[], const char *const values[],
               const struct page *pg, struct db_read *out)
{
    struct page_params pp;
    rows_page_params(pg, &pp);
    unsigned long mask = 0;
    for (int i = 0; i < s->n_filters; i++)
        if (values[i] != NULL)
            mask |= 1ul << i;
    if (pp.after_us != NULL)
        mask |= 1ul << s->n_filters;
    for (int j = 0; j < s->n_scopes; j++)
        if (base[s->scopes[j].param - 1] != NULL)
            mask |= 1ul << (s->n_filters + 1 + j);
    bool catch_all;
    struct shape *sh = shape_for(s, mask, &catch_all);
    if (sh == NULL)
        return false;
    int n = 0;
    for (int i = 0; i < s->n_base; i++)
        if (sh->used & (1u << i))
            out->p[n++] = base[i];
    for (int i = 0; i < s->n_filters; i++)
        if (catch_all || values[i] != NULL)
            out->p[n++] = values[i];
    if (catch_all || pp.after_us != NULL) {
        out->p[n++] = pp.after_us;  /* into pg */
        out->p[n++] = pp.after_id;
    }
    snprintf(out->limit, sizeof out->limit, "%s", pp.limit);
    out->p[n++] = out->limit;
    out->st = &sh->st;
    out->n = n;
    return true;
}

enum pd_err list_run(struct db_conn *db, const struct list_spec *s, const char *const base[],
                     const char *const values[], const struct page *pg, rows_item_fn item,
                     const void *ctx, char **out)
{
    struct db_read rd;
    PGresult *r;
    if (!list_read(s, base, values, pg, &rd))
        return PD_ERR_NOMEM;
    enum pd_err err = db_exec_read(db, &rd, &r);
    return err != PD_OK ? err : rows_page(r, pg->limit, item, ctx, out);
}
