/* propdesk: the command line. serve | migrate | seed-demo | create-admin | enums | enums-sql | version.
 * Configuration comes only from the environment; bad configuration exits with status 2. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../api/routes.h"
#include "config.h"
#include "crypto.h"
#include "cursor.h"
#include "db.h"
#include "enums.h"
#include "jobs.h"
#include "sessions.h"
#include "jwt.h"
#include "log.h"
#include "migrate.h"
#include "ratelimit.h"
#include "seed.h"
#include "tz.h"
#include "webhook_delivery.h"

#include "version.h"  /* generated from openapi.yaml's info.version: one version for both */

static int usage(void)
{
    fprintf(stderr,
            "usage: propdesk serve | migrate | seed-demo | create-admin ORG_NAME USERNAME | enums\n"
            "                | enums-sql [ENUM...] | version\n"
            "  create-admin reads the password (at least 10 characters) from standard input.\n"
            "  enums prints every enum of src/enums.c with its codes and the columns holding them;\n"
            "  enums-sql prints the migration that makes the CHECK constraints of those columns\n"
            "  agree with it (of the named enums, or all).\n");
    return 2;
}

/* Loads config; exits 2 with a one-line reason when it is missing or invalid. */
static void load_config(bool serving)
{
    char err[256];
    if (config_from_env(&g_config, err, sizeof err) != 0 ||
        (serving && config_check_signing(&g_config, err, sizeof err) != 0)) {
        fprintf(stderr, "propdesk: %s\n", err);
        exit(2);
    }
    if (g_config.database_url[0] == '\0') {
        fprintf(stderr, "propdesk: DATABASE_URL must be set\n");
        exit(2);
    }
    log_set_level(g_config.log_level);
}

static int cmd_migrate(void)
{
    struct db_conn *db;
    char err[512];
    int applied;
    load_config(false);
    if (db_connect_once(g_config.database_url, &db) != PD_OK)
        return 1;
    int rc = migrate_apply(db, g_config.migrations_dir, &applied, err, sizeof err);
    db_disconnect(db);
    if (rc != 0) {
        log_msg(LOG_ERROR, NULL, "migrate - %s", err);
        return 1;
    }
    log_msg(LOG_INFO, NULL, "migrate - %d applied, schema is current", applied);
    return 0;
}

static int cmd_seed_demo(void)
{
    struct db_conn *db;
    char err[512], file[1100];
    load_config(false);
    if (crypto_init() != 0)
        return 1;
    snprintf(file, sizeof file, "%s/../seed/demo.sql", g_config.migrations_dir);
    if (db_connect_once(g_config.database_url, &db) != PD_OK)
        return 1;
    int rc = seed_demo(db, file, err, sizeof err);
    db_disconnect(db);
    if (rc != 0) {
        log_msg(LOG_ERROR, NULL, "seed-demo - %s", err);
        return 1;
    }
    log_msg(LOG_INFO, NULL, "seed-demo - demo org seeded: logins admin, agent, tech, tech2, super, eng-super, manager, "
            "quality, 13800000001, 13800000002, 13800000003, other-admin, 13900000001 / demo-pass-1");
    return 0;
}

static int cmd_create_admin(const char *org_name, const char *username)
{
    char password[300], err[512];
    struct db_conn *db;
    load_config(false);
    if (fgets(password, sizeof password, stdin) == NULL) {
        fprintf(stderr, "propdesk: give the password on standard input\n");
        return 2;
    }
    password[strcspn(password, "\r\n")] = '\0';
    if (strlen(password) < 10) {
        fprintf(stderr, "propdesk: the password must have at least 10 characters\n");
        return 2;
    }
    if (crypto_init() != 0 || db_connect_once(g_config.database_url, &db) != PD_OK)
        return 1;
    int rc = seed_admin(db, org_name, username, password, err, sizeof err);
    db_disconnect(db);
    if (rc != 0)
        fprintf(stderr, "propdesk: %s\n", err);
    return rc == 0 ? 0 : 1;
}

static int cmd_enums(void)
{
    char err[256];
    if (enums_check(err, sizeof err) != 0) {
        fprintf(stderr, "propdesk: the enum table is inconsistent: %s\n", err);
        return 1;
    }
    json_t *j = enums_source();
    int rc = json_dumpf(j, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF ? 0 : 1;
    json_decref(j);
    return rc;
}

static int cmd_enums_sql(int n, char **names)
{
    char err[256];
    if (enums_sql(stdout, (const char *const *)names, n, err, sizeof err) != 0) {
        fprintf(stderr, "propdesk: %s\n", err);
        return 2;
    }
    return 0;
}

static int cmd_serve(void)
{
    char err[512];
    struct db_conn *db;
    int pending = 0, latest = 0;
    load_config(true);
    if (enums_check(err, sizeof err) != 0) {
        fprintf(stderr, "propdesk: the enum table is inconsistent: %s\n", err);
        return 1;
    }
    if (crypto_init() != 0 || jwt_init(&g_config, err, sizeof err) != 0) {
        fprintf(stderr, "propdesk: %s\n", err);
        return 2;
    }
    const unsigned char *material;
    size_t material_len;
    jwt_secret_material(&material, &material_len);
    cursor_init(material, material_len);

    if (db_connect_once(g_config.database_url, &db) != PD_OK)
        return 1;
    int rc = migrate_check(db, g_config.migrations_dir, &pending, &latest, err, sizeof err);
    db_disconnect(db);
    if (rc != 0) {
        fprintf(stderr, "propdesk: refusing to start: %s\n", err);
        return 1;
    }
    if (pending > 0)
        log_msg(LOG_WARN, NULL, "serve - %d migration(s) pending: /readyz stays 503 until `propdesk migrate`", pending);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);  /* every thread inherits the mask */
    signal(SIGPIPE, SIG_IGN);

    if (db_pool_init(g_config.database_url, g_config.db_pool_size) != 0)
        return 1;
    api_ops_init(latest);
    if (sessions_listen_start(g_config.database_url) != 0 || jobs_start(g_config.jobs_interval_ms) != 0 ||
        webhook_delivery_start() != 0 || api_stream_start() != 0 ||
        ratelimit_start(g_config.database_url, g_config.rate_limit_per_minute, g_config.rate_limit_sync_ms) != 0 ||
        http_start(api_routes, api_routes_len) != 0) {
        ratelimit_stop();
        api_stream_stop();
        webhook_delivery_stop();
        jobs_stop();
        sessions_listen_stop();
        db_pool_close();
        return 1;
    }
    log_msg(LOG_INFO, NULL, "serve - listening on http://%s:%d (%d HTTP threads, %d DB connections)",
            g_config.bind_address, g_config.port, g_config.http_threads, g_config.db_pool_size);
    log_msg(LOG_INFO, NULL, "serve - SLA clocks use ICU's tz database %s", tz_data_version());

    int sig;
    sigwait(&signals, &sig);
    log_msg(LOG_INFO, NULL, "serve - %s received: finishing in-flight requests",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    api_stream_stop();  /* open streams say goodbye and close */
    http_stop();  /* stops accepting, waits for the worker threads */
    ratelimit_stop();
    webhook_delivery_stop();
    jobs_stop();
    sessions_listen_stop();
    db_pool_close();
    api_ops_shutdown();
    jwt_shutdown();
    log_msg(LOG_INFO, NULL, "serve - stopped");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0 && argc == 2)
        return cmd_serve();
    if (strcmp(cmd, "migrate") == 0 && argc == 2)
        return cmd_migrate();
    if (strcmp(cmd, "seed-demo") == 0 && argc == 2)
        return cmd_seed_demo();
    if (strcmp(cmd, "create-admin") == 0 && argc == 4)
        return cmd_create_admin(argv[2], argv[3]);
    if (strcmp(cmd, "enums") == 0 && argc == 2)
        return cmd_enums();
    if (strcmp(cmd, "enums-sql") == 0)
        return cmd_enums_sql(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 && argc == 2) {
        printf("propdesk %s\n", PROPDESK_VERSION);
        return 0;
    }
    return usage();
}
