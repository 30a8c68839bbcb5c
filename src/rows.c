/* Result → JSON helpers shared by every resource module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cursor.h"
#include "rows.h"

enum pd_err rows_one(PGresult *r, json_t **out)
{
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    *out = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    return *out != NULL ? PD_OK : PD_ERR_NOMEM;
}

void rows_item_actions(struct jtext *b, PGresult *r, int row, const void *ctx)
{
    jtext_put(b, "{");
    jtext_members(b, PQgetvalue(r, row, 0));
    jtext_key(b, "allowed_actions");
    jtext_put(b, ctx);
    jtext_put(b, "}");
}

enum pd_err rows_page(PGresult *r, int limit, rows_item_fn item, const void *ctx, char **out)
{
    int n = PQntuples(r);
    struct jtext b = { 0 };
    jtext_put(&b, "{\"items\":[");
    for (int i = 0; i < n && i < limit; i++) {
        if (i > 0)
            jtext_put(&b, ",");
        if (item != NULL)
            item(&b, r, i, ctx);
        else
            jtext_raw(&b, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
    }
    jtext_put(&b, "],\"next_cursor\":");
    char *cur = n > limit ? cursor_encode(PQgetvalue(r, limit - 1, 1), PQgetvalue(r, limit - 1, 2)) : NULL;
    if (n > limit && cur == NULL)
        b.oom = true;
    jtext_str(&b, cur);
    jtext_put(&b, "}");
    free(cur);
    PQclear(r);
    *out = jtext_take(&b);
    return *out != NULL ? PD_OK : PD_ERR_NOMEM;
}

void rows_page_params(const struct page *pg, struct page_params *pp)
{
    pp->after_us = pg->after_us[0] ? pg->after_us : NULL;
    pp->after_id = pg->after_id[0] ? pg->after_id : NULL;
    snprintf(pp->limit, sizeof pp->limit, "%d", (pg->limit + 1) % 1000);
}

enum pd_err rows_exec_one(struct db_conn *db, struct db_stmt *st, int n, const char *const *p,
                          json_t **out)
{
    PGresult *r;
    enum pd_err err = db_exec(db, st, n, p, &r);
    return err != PD_OK ? err : rows_one(r, out);
}

enum pd_err rows_exec_page(struct db_conn *db, struct db_stmt *st, int n, const char *const *p,
                           int limit, rows_item_fn item, const void *ctx, char **out)
{
    PGresult *r;
    enum pd_err err = db_exec(db, st, n, p, &r);
    return err != PD_OK ? err : rows_page(r, limit, item, ctx, out);
}

enum pd_err rows_exec_update(struct db_conn *db, struct db_stmt *update, int n,
                             const char *const *p, struct db_stmt *get, int gn,
                             const char *const *gp, json_t **out)
{
    enum pd_err err = rows_exec_one(db, update, n, p, out);
    if (err != PD_ERR_NOT_FOUND)
        return err;
    json_t *j = NULL;
    err = rows_exec_one(db, get, gn, gp, &j);
    json_decref(j);
    return err == PD_OK ? PD_ERR_STALE : err;
}

enum pd_err rows_transition(struct db_conn *db, const struct rows_transition *t, int n,
                            const char *const *p, PGresult **out, char state[24])
{
    PGresult *r;
    enum pd_err err = db_exec(db, t->update, n, p, &r);
    if (err != PD_OK)
        return err;
    if (PQntuples(r) > 0) {
        if (out != NULL)
            *out = r;
        else
            PQclear(r);
        return PD_OK;
    }
    PQclear(r);
    if ((err = db_exec(db, t->probe, 2, p, &r)) != PD_OK)
        return err;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return PD_ERR_NOT_FOUND;
    }
    snprintf(state, 24, "%s", PQgetvalue(r, 0, 0));
    bool stale = p[4] != NULL && strcmp(p[4], PQgetvalue(r, 0, 1)) != 0;
    PQclear(r);
    return stale ? PD_ERR_STALE : PD_ERR_CONFLICT;
}

enum pd_err rows_move(struct db_conn *db, const struct rows_transition *t, const struct rows_move *m, int n_own,
                      const char *const *own, PGresult **out)
{
    const char *p[DB_MAX_PARAMS] = { m->org, m->id, m->from, m->to != NULL ? m->to : m->from, NULL };
    char v[24], state[24];
    if (n_own < 0 || 5 + n_own > DB_MAX_PARAMS)
        return PD_ERR_DB;
    p[4] = rows_version_param(m->version, v);
    for (int i = 0; i < n_own; i++)
        p[5 + i] = own[i];
    return rows_transition(db, t, 5 + n_own, p, out, state);
}

const char *rows_flag(int f) { return f < 0 ? NULL : f ? "true" : "false"; }

const char *rows_version_param(long long version, char buf[24])
{
    if (version <= 0)
        return NULL;
    snprintf(buf, 24, "%lld", version);
    return buf;
}

enum pd_err rows_exist(struct db_conn *db, struct db_stmt *st, int n, const char *const *p)
{
    PGresult *r;
    enum pd_err err = db_exec(db, st, n, p, &r);
    if (err != PD_OK)
        return err;
    int rows = PQntuples(r);
    PQclear(r);
    return rows > 0 ? PD_OK : PD_ERR_NOT_FOUND;
}

enum pd_err rows_versions(struct db_conn *db, struct db_stmt *st, int n, const char *const *p, json_t **out)
{
    PGresult *r;
    enum pd_err err = db_exec(db, st, n, p, &r);
    if (err != PD_OK)
        return err;
    *out = json_object();
    for (int i = 0; *out && i < PQntuples(r); i++) {
        json_t *j_version = json_integer(atoll(PQgetvalue(r, i, 1)));
        if (PQnfields(r) > 2 && !PQgetisnull(r, i, 2))
            j_version = json_pack("{s:o, s:s}", "version", j_version, "hide_actor", PQgetvalue(r, i, 2));
        json_object_set_new(*out, PQgetvalue(r, i, 0), j_version);
    }
    PQclear(r);
    return *out ? PD_OK : PD_ERR_NOMEM;
}

enum pd_err rows_exec_row(struct db_conn *db, struct db_stmt *st, int n, const char *const *p, PGresult **r)
{
    enum pd_err err = db_exec(db, st, n, p, r);
    if (err == PD_OK && PQntuples(*r) == 0) {
        PQclear(*r);
        *r = NULL;
        return PD_ERR_NOT_FOUND;
    }
    return err;
}

void rows_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

enum pd_err rows_exec_text(struct db_conn *db, struct db_stmt *st, int n, const char *const *p,
                           char **json, long long *version)
{
    PGresult *r;
    enum pd_err err = rows_exec_row(db, st, n, p, &r);
    if (err != PD_OK)
        return err;
    *json = strdup(PQgetvalue(r, 0, 0));
    *version = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    return *json != NULL ? PD_OK : PD_ERR_NOMEM;
}
