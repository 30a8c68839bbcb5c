/* Lists driven by a spec. A resource declares its list once — the rows it selects (their
 * visibility on the leading parameters), the filters it takes (query parameter, type, SQL
 * predicate) and its keyset order — and gets the checks of the query parameters and a
 * statement generated for the filters present, prepared once per connection per shape, so
 * PostgreSQL plans each shape for its indexes. No SQL is pasted from values: a value is
 * always a parameter. */
#ifndef PD_LISTSPEC_H
#define PD_LISTSPEC_H

#include <jansson.h>
#include "db.h"
#include "pd.h"
#include "rows.h"
#include "validate.h"

enum list_kind {
    LIST_ENUM,    /* one of codes */
    LIST_UUID,
    LIST_TEXT,    /* up to max_chars characters */
    LIST_TIME,    /* an RFC 3339 date-time */
    LIST_FLAG,    /* "true" or "false"; the predicate applies when true */
};

struct list_filter {
    const char *param;          /* the query parameter */
    enum list_kind kind;
    const char *enum_name;      /* LIST_ENUM: the enum of src/enums.c its codes come from */
    int max_chars;              /* LIST_TEXT */
    const char *predicate;      /* SQL in which $v stands for the value (none for a flag) */
};

#define LIST_MAX_FILTERS 24

/* A part of the caller's scope that narrows the list only when its base parameter is given
 * (staff of some communities: "t.community_id = ANY ($2)"). A shape leaves out the parts
 * whose parameter is NULL — so that its statement has no "$2 IS NULL OR …" and PostgreSQL
 * keeps one generic plan for it — and sends only the base parameters it references. */
struct list_scope {
    int param;                  /* the base parameter (1-based) */
    const char *type;           /* its SQL type, for the catch-all: "uuid[]" */
    const char *predicate;
};
#define LIST_MAX_SCOPES 4

struct list_spec {
    const char *name;           /* for logs */
    /* "SELECT <item json>, <cursor µs>, <id>[, …] FROM … WHERE …" over $1..$n_base: the item,
     * its keyset position (µs since the epoch) and id, as rows_page reads them (then any
     * columns of the list's item fn). The base
     * parameters begin with the caller's scope in its fixed order — $1 org, $2 communities,
     * $3 units, $4 self (api_scope_params) — of which a list uses the first n it needs,
     * followed by any of its own (tickets: who sees the reporter's phone). */
    const char *select;
    int n_base;
    const struct list_scope *scopes;  /* the parts of the scope not in select */
    int n_scopes;
    const char *keyset;         /* "(t.created_at, t.id)": the rows after a cursor are before it */
    const char *order;          /* "t.created_at DESC, t.id DESC" */
    const struct list_filter *filters;
    int n_filters;
};

/* Checks raw[i], the query value of filters[i] (NULL when absent), naming every invalid
 * parameter in v; values[i] gets what to filter by (NULL: not filtering). */
void list_check(const struct list_spec *s, const char *const raw[], struct verr *v,
                const char *values[]);

/* The checked value of the filter named param (NULL: absent or unknown). */
const char *list_value(const struct list_spec *s, const char *const values[], const char *param);

/* The list's read for base parameters (n_base of them), the checked values and the page
 * (whose cursor it points into); false when out of memory. */
bool list_read(const struct list_spec *s, const char *const base[], const char *const values[],
               const struct page *pg, struct db_read *out);
/* Runs the list for base parameters (n_base of them), the checked values and the page;
 * *out is the text {items, next_cursor} (rows_page: item NULL or the list's own). */
enum pd_err list_run(struct db_conn *db, const struct list_spec *s, const char *const base[],
                     const char *const values[], const struct page *pg, rows_item_fn item,
                     const void *ctx, char **out);

/* The statement text for the filters in mask (bit i: filters[i]; bit n_filters: a cursor;
 * bit n_filters + 1 + j: scopes[j]), its parameters numbered in the order list_run sends
 * them: the base parameters it references, the filters present, the cursor, the limit.
 * catch_all: every filter and scope part present with a NULL-tolerant predicate, one text
 * for all shapes. *used (may be NULL) gets the base parameters it references (bit k - 1
 * for $k). Caller frees. Exposed for tests. */
char *list_sql(const struct list_spec *s, unsigned long mask, bool catch_all, unsigned *used);

#endif
