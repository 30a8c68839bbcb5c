/* CLI data commands: the demo seed and create-admin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "seed.h"

DB_STMT(set_demo_hash, "SELECT set_config('propdesk.demo_hash', $1, true)");
DB_STMT(create_admin,
    "WITH o AS (INSERT INTO orgs (name) VALUES ($1) RETURNING id), "
    "d AS (INSERT INTO departments (org_id, code, name) SELECT o.id, x.code, x.name FROM o, (VALUES "
    "  ('customer_service', '客服部'), ('engineering', '工程部'), ('security', '秩序部'), ('cleaning', '保洁部'), "
    "  ('greening', '绿化部'), ('quality', '品质部'), ('management', '管理处')) AS x (code, name) RETURNING org_id), "
    "u AS (INSERT INTO users (org_id, kind, name, username, password_hash) "
    "      SELECT o.id, 'staff', $2, $2, $3 FROM o RETURNING org_id, id) "
    "INSERT INTO role_grants (org_id, user_id, role) SELECT org_id, id, 'admin' FROM u "
    "RETURNING org_id, user_id");

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
        buf[n] = '\0';
    else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int seed_demo(struct db_conn *db, const char *sql_file, char *err, size_t errlen)
{
    char hash[128];
    char *sql = slurp(sql_file);
    if (sql == NULL) {
        snprintf(err, errlen, "cannot read %s", sql_file);
        return -1;
    }
    if (password_hash("demo-pass-1", hash) != 0) {
        free(sql);
        snprintf(err, errlen, "out of memory hashing the demo password");
        return -1;
    }
    const char *p[] = { hash };
    int rc = -1;
    if (db_begin(db) == PD_OK && db_exec(db, &set_demo_hash, 1, p, NULL) == PD_OK &&
        db_exec_sql(db, sql) == PD_OK && db_commit(db) == PD_OK)
        rc = 0;
    else
        snprintf(err, errlen, "seed failed: %s", db_last_message(db));
    db_rollback(db);
    free(sql);
    return rc;
}

int seed_admin(struct db_conn *db, const char *org_name, const char *username,
               const char *password, char *err, size_t errlen)
{
    char hash[128];
    if (password_hash(password, hash) != 0) {
        snprintf(err, errlen, "out of memory hashing the password");
        return -1;
    }
    const char *p[] = { org_name, username, hash };
    PGresult *r;
    enum pd_err e = db_exec(db, &create_admin, 3, p, &r);
    if (e != PD_OK) {
        snprintf(err, errlen, "%s", e == PD_ERR_CONFLICT ? "that username is taken"
                                    : e == PD_ERR_INVALID ? "invalid org name or username"
                                                          : db_last_message(db));
        return -1;
    }
    printf("created org %s and admin %s (user %s)\n", PQgetvalue(r, 0, 0), username, PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}
