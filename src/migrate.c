/* Migration runner. Files are read whole; their SQL runs through the simple-query protocol
 * so one file may hold many statements. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "migrate.h"

#define LOCK_KEY "7264550193"  /* advisory lock id shared by every propdesk instance */
#define MAX_FILES 1000

struct mfile {
    int version;
    char name[256];
    char checksum[65];
    char *sql;
};

DB_STMT(ensure_table,
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
    "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
DB_STMT(lock_migrations, "SELECT pg_advisory_lock(" LOCK_KEY ")");
DB_STMT(unlock_migrations, "SELECT pg_advisory_unlock(" LOCK_KEY ")");
DB_STMT(applied_list, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
DB_STMT(record_migration, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)");
DB_STMT(has_version,
    "SELECT 1 FROM pg_tables WHERE tablename = 'schema_migrations' AND schemaname = current_schema() "
    "AND EXISTS (SELECT 1 FROM schema_migrations WHERE version >= $1::int)");

static int by_version(const void *a, const void *b)
{
    return ((const struct mfile *)a)->version - ((const struct mfile *)b)->version;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf != NULL)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static void free_files(struct mfile *files, int n)
{
    for (int i = 0; i < n; i++)
        free(files[i].sql);
    free(files);
}

/* Reads NNNN_name.sql files of dir, sorted. Returns the count or -1 with err. */
static int read_dir(const char *dir, struct mfile **out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "cannot open migrations directory %s", dir);
        return -1;
    }
    struct mfile *files = calloc(MAX_FILES, sizeof *files);
    int n = 0;
    struct dirent *e;
    while (files != NULL && (e = readdir(d)) != NULL && n < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len < 10 || strcmp(e->d_name + len - 4, ".sql") != 0 || e->d_name[4] != '_' ||
            strspn(e->d_name, "0123456789") != 4 || len >= sizeof files[n].name)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        files[n].version = atoi(e->d_name);
        memcpy(files[n].name, e->d_name, len + 1);
        files[n].sql = slurp(path);
        if (files[n].sql == NULL) {
            snprintf(err, errlen, "cannot read %s", path);
            closedir(d);
            free_files(files, n);
            return -1;
        }
        sha256_hex(files[n].sql, strlen(files[n].sql), files[n].checksum);
        n++;
    }
    closedir(d);
    if (files == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qsort(files, (size_t)n, sizeof *files, by_version);
    for (int i = 1; i < n; i++)
        if (files[i].version == files[i - 1].version) {
            snprintf(err, errlen, "two migrations share version %04d", files[i].version);
            free_files(files, n);
            return -1;
        }
    *out = files;
    return n;
}

/* Checks applied rows against files; sets *pending. */
static int compare(struct db_conn *db, struct mfile *files, int n, int *pending, char *err,
                   size_t errlen)
{
    PGresult *r;
    if (db_exec(db, &applied_list, 0, NULL, &r) != PD_OK) {
        snprintf(err, errlen, "cannot read schema_migrations: %s", db_last_message(db));
        return -1;
    }
    int rows = PQntuples(r), rc = 0;
    *pending = n;
    for (int i = 0; i < rows && rc == 0; i++) {
        int v = atoi(PQgetvalue(r, i, 0));
        const struct mfile *f = NULL;
        for (int k = 0; k < n; k++)
            if (files[k].version == v)
                f = &files[k];
        if (f == NULL) {
            snprintf(err, errlen, "applied migration %04d (%s) is missing from the directory", v,
                     PQgetvalue(r, i, 1));
            rc = -1;
        } else if (strcmp(f->checksum, PQgetvalue(r, i, 2)) != 0) {
            snprintf(err, errlen, "applied migration %s has changed (checksum mismatch); "
                     "migrations are append-only", f->name);
            rc = -1;
        } else {
            (*pending)--;
        }
    }
    PQclear(r);
    return rc;
}

int migrate_check(struct db_conn *db, const char *dir, int *pending, int *latest, char *err,
                  size_t errlen)
{
    struct mfile *files;
    int n = read_dir(dir, &files, err, errlen);
    if (n < 0)
        return -1;
    *latest = n > 0 ? files[n - 1].version : 0;
    int rc = -1;
    if (db_exec(db, &ensure_table, 0, NULL, NULL) != PD_OK)
        snprintf(err, errlen, "cannot create schema_migrations: %s", db_last_message(db));
    else
        rc = compare(db, files, n, pending, err, errlen);
    free_files(files, n);
    return rc;
}

int migrate_apply(struct db_conn *db, const char *dir, int *applied, char *err, size_t errlen)
{
    struct mfile *files;
    int n = read_dir(dir, &files, err, errlen), pending, rc = -1;
    *applied = 0;
    if (n < 0)
        return -1;
    if (db_exec(db, &lock_migrations, 0, NULL, NULL) != PD_OK) {
        snprintf(err, errlen, "cannot take the migration lock: %s", db_last_message(db));
        free_files(files, n);
        return -1;
    }
    if (db_exec(db, &ensure_table, 0, NULL, NULL) != PD_OK) {
        snprintf(err, errlen, "cannot create schema_migrations: %s", db_last_message(db));
        goto cleanup;
    }
    if (compare(db, files, n, &pending, err, errlen) != 0)
        goto cleanup;
    PGresult *r;
    if (db_exec(db, &applied_list, 0, NULL, &r) != PD_OK)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        bool done = false;
        for (int k = 0; k < PQntuples(r); k++)
            if (atoi(PQgetvalue(r, k, 0)) == files[i].version)
                done = true;
        if (done)
            continue;
        char version[16];
        snprintf(version, sizeof version, "%d", files[i].version);
        const char *p[] = { version, files[i].name, files[i].checksum };
        if (db_begin(db) != PD_OK || db_exec_sql(db, files[i].sql) != PD_OK ||
            db_exec(db, &record_migration, 3, p, NULL) != PD_OK || db_commit(db) != PD_OK) {
            snprintf(err, errlen, "migration %s failed: %s", files[i].name, db_last_message(db));
            db_rollback(db);
            PQclear(r);
            goto cleanup;
        }
        (*applied)++;
    }
    PQclear(r);
    rc = 0;
cleanup:
    db_exec(db, &unlock_migrations, 0, NULL, NULL);
    free_files(files, n);
    return rc;
}

enum pd_err migrate_is_current(struct db_conn *db, int latest, bool *current)
{
    char v[16];
    snprintf(v, sizeof v, "%d", latest);
    const char *p[] = { v };
    PGresult *r;
    enum pd_err err = db_exec(db, &has_version, 1, p, &r);
    if (err != PD_OK)
        return err;
    *current = PQntuples(r) == 1;
    PQclear(r);
    return PD_OK;
}
