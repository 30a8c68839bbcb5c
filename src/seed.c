/* CLI data commands: the demo seed and create-admin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "enums.h"
#include "seed.h"

/* What demo.sql reads: the password hash, and the departments of an org (every "department"
 * code of src/enums.c, named by its zh-CN label, as create_admin gives a new org). */
DB_STMT(set_demo_settings,
    "SELECT set_config('propdesk.demo_hash', $1, true), set_config('propdesk.departments', $2, true)");
DB_STMT(create_admin,
    "WITH o AS (INSERT INTO orgs (name) VALUES ($1) RETURNING id), "
    "d AS (INSERT INTO departments (org_id, code, name) SELECT o.id, x.code, x.name "
    "      FROM o, json_to_recordset($4::json) AS x (code text, name text) RETURNING org_id), "
    "u AS (INSERT INTO users (org_id, kind, name, username, password_hash) "
    "      SELECT o.id, 'staff', $2, $2, $3 FROM o RETURNING org_id, id) "
    "INSERT INTO role_grants (org_id, user_id, role) SELECT org_id, id, 'admin' FROM u "
    "RETURNING org_id, user_id");

/* [{code, name}] for the departments of a new org; caller frees. NULL when out of memory. */
static char *departments_json(void)
{
    json_t *j_all = enums_all(), *j = json_array(), *j_entry;
    size_t i;
    json_array_foreach(json_object_get(j_all, "department"), i, j_entry) {
        json_t *j_label = json_object_get(j_entry, "label");
        json_array_append_new(j, json_pack("{s:O, s:O}", "code", json_object_get(j_entry, "code"),
                                           "name", json_object_get(j_label, "zh-CN")));
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    json_decref(j_all);
    return s;
}

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
    int rc = -1;
    char *sql = slurp(sql_file), *departments = departments_json();
    if (sql == NULL) {
        snprintf(err, errlen, "cannot read %s", sql_file);
        goto cleanup;
    }
    if (departments == NULL || password_hash("demo-pass-1", hash) != 0) {
        snprintf(err, errlen, "out of memory preparing the demo settings");
        goto cleanup;
    }
    const char *p[] = { hash, departments };
    if (db_begin(db) == PD_OK && db_exec(db, &set_demo_settings, 2, p, NULL) == PD_OK &&
        db_exec_sql(db, sql) == PD_OK && db_commit(db) == PD_OK)
        rc = 0;
    else
        snprintf(err, errlen, "seed failed: %s", db_last_message(db));
    db_rollback(db);
cleanup:
    free(sql);
    free(departments);
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
    char *departments = departments_json();
    if (departments == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *p[] = { org_name, username, hash, departments };
    PGresult *r;
    enum pd_err e = db_exec(db, &create_admin, 4, p, &r);
    free(departments);
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
