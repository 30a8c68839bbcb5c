/* Turning query results into wire JSON. Queries render objects in SQL (pd_*_json); these
 * helpers parse them and assemble lists with cursors. */
#ifndef PD_ROWS_H
#define PD_ROWS_H

#include <jansson.h>
#include "db.h"
#include "jtext.h"

/* Column 0 of row 0 parsed as JSON; PD_ERR_NOT_FOUND when there is no row. Clears r. */
enum pd_err rows_one(PGresult *r, json_t **out);

/* Appends row's item (a JSON object) to b: how a list builds its items from its columns. */
typedef void (*rows_item_fn)(struct jtext *b, PGresult *r, int row, const void *ctx);
/* The item fn of lists whose items are column 0 plus one allowed_actions for all (ctx: the
 * JSON array literal, e.g. ["update"]). */
void rows_item_actions(struct jtext *b, PGresult *r, int row, const void *ctx);

/* {"items":[…],"next_cursor":…} as text (*out, caller frees) from rows (item json,
 * created_us, id, then the item fn's own columns) fetched with LIMIT limit + 1; item NULL:
 * column 0 as it is. Nothing is parsed. Clears r. */
enum pd_err rows_page(PGresult *r, int limit, rows_item_fn item, const void *ctx, char **out);

/* A page request: limit and the position after which to continue. */
struct page {
    int limit;
    char after_us[24];   /* "" on the first page */
    char after_id[37];
};
/* Parameters for list queries: after_us, after_id (NULL on the first page), limit + 1. */
struct page_params {
    const char *after_us, *after_id;
    char limit[8];
};
void rows_page_params(const struct page *pg, struct page_params *pp);

/* Runs st and returns row 0's JSON (PD_ERR_NOT_FOUND when no row). */
enum pd_err rows_exec_one(struct db_conn *db, struct db_stmt *st, int n, const char *const *p,
                          json_t **out);
/* Runs a list statement and builds the page (rows_page). */
enum pd_err rows_exec_page(struct db_conn *db, struct db_stmt *st, int n, const char *const *p,
                           int limit, rows_item_fn item, const void *ctx, char **out);

/* Runs a version-guarded UPDATE … RETURNING json. When it matches nothing, runs the get
 * statement: PD_ERR_STALE if the object is there (at another version), else its error. */
enum pd_err rows_exec_update(struct db_conn *db, struct db_stmt *update, int n,
                             const char *const *p, struct db_stmt *get, int gn,
                             const char *const *gp, json_t **out);

/* The one guarded transition (DESIGN §14). update is `UPDATE … SET status = $4, version =
 * version + 1, … WHERE org_id = $1 AND id = $2 AND status = $3 AND ($5::bigint IS NULL OR
 * version = $5) [AND …] RETURNING …` (further parameters are the resource's own); probe is
 * `SELECT status, version … WHERE org_id = $1 AND id = $2`. On success *out holds the
 * returned rows (caller clears; out may be NULL). When no row comes back, one probe tells
 * why: PD_ERR_NOT_FOUND (gone), PD_ERR_STALE (another version than $5), else
 * PD_ERR_CONFLICT with the current state in state (also when the state is still $3 and an
 * extra condition of the UPDATE refused, e.g. an order grabbed by someone else). */
struct rows_transition {
    struct db_stmt *update, *probe;
};
enum pd_err rows_transition(struct db_conn *db, const struct rows_transition *t, int n,
                            const char *const *p, PGresult **out, char state[24]);

/* The object a guarded transition moves: $1 org, $2 id, $3 from (its state as read), $4 to
 * (NULL: it stays in from), $5 version (0: any). */
struct rows_move {
    const char *org, *id, *from, *to;
    long long version;
};
/* rows_transition with $1..$5 from m and the resource's own parameters (own) from $6 on. */
enum pd_err rows_move(struct db_conn *db, const struct rows_transition *t, const struct rows_move *m, int n_own,
                      const char *const *own, PGresult **out);

/* A tri-state flag as a parameter: "true", "false", NULL for -1 (not given). */
const char *rows_flag(int f);

/* Row 0 as text without parsing it: column 0 (a JSON object) copied into *json (caller
 * frees) and column 1 (its version) into *version. PD_ERR_NOT_FOUND when there is no row. */
enum pd_err rows_exec_text(struct db_conn *db, struct db_stmt *st, int n, const char *const *p,
                           char **json, long long *version);

/* Runs st into *r when it returns a row (caller clears); PD_ERR_NOT_FOUND (nothing to clear)
 * when it returns none. */
enum pd_err rows_exec_row(struct db_conn *db, struct db_stmt *st, int n, const char *const *p, PGresult **r);

/* src copied into dst (cap bytes), "" for NULL: a column into a row struct's field. */
void rows_copy(char *dst, size_t cap, const char *src);

/* PD_OK when st returns a row (e.g. a SELECT … FOR UPDATE lock), else PD_ERR_NOT_FOUND. */
enum pd_err rows_exist(struct db_conn *db, struct db_stmt *st, int n, const char *const *p);
/* Runs st, whose rows are (id, version[, an actor to hide]), into *out as {id: version}, or
 * {id: {"version": v, "hide_actor": actor}} when a row names one (caller owns it). */
enum pd_err rows_versions(struct db_conn *db, struct db_stmt *st, int n, const char *const *p, json_t **out);

/* Version parameter text: NULL when version is 0 (unconditional). */
const char *rows_version_param(long long version, char buf[24]);

#endif
