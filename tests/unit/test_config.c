/* Unit tests for src/config.c: defaults, range checks and the signing-key requirement,
 * driven through a fake environment table instead of getenv(). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/config.h"
#include "suites.h"

struct kv {
    const char *name, *value;
};

static const char *table_get(const char *name, void *cls)
{
    for (const struct kv *p = cls; p->name != NULL; p++)
        if (strcmp(p->name, name) == 0)
            return p->value;
    return NULL;
}

static int parse(const struct kv *env, int cores, struct pd_config *cfg, char *err, size_t errlen)
{
    err[0] = '\0';
    return config_parse(cfg, table_get, (void *)env, cores, err, errlen);
}

START_TEST(test_defaults)
{
    static const struct kv env[] = { { NULL, NULL } };
    struct pd_config cfg;
    char err[256];
    ck_assert_int_eq(parse(env, 4, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.port, 8080);
    ck_assert_int_eq(cfg.http_threads, 16);
    ck_assert_int_eq(cfg.db_pool_size, 18);
    ck_assert_int_eq(parse(env, 2, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.http_threads, 8);
    ck_assert_uint_eq(cfg.max_body_bytes, 1048576);
    ck_assert_uint_eq(cfg.attachment_max_bytes, 10485760);
    ck_assert_int_eq(cfg.access_ttl, 900);
    ck_assert_int_eq(cfg.refresh_ttl, 30 * 86400);
    ck_assert_int_eq(cfg.log_level, LOG_INFO);
    ck_assert_str_eq(cfg.bind_address, "0.0.0.0");
    ck_assert_str_eq(cfg.jwt_issuer, "propdesk");
    ck_assert_str_eq(cfg.jwt_audience, "propdesk-api");
    ck_assert_str_eq(cfg.jwt_secret, "");
    ck_assert_uint_eq(cfg.jwt_secret_len, 0);
    ck_assert_str_eq(cfg.jwt_private_key_file, "");
    ck_assert_str_eq(cfg.database_url, "");

    ck_assert_int_eq(parse(env, 1, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.http_threads, 4);
    ck_assert_int_eq(cfg.db_pool_size, 6);
    ck_assert_int_eq(parse(env, 0, &cfg, err, sizeof err), 0);     /* unknown core count */
    ck_assert_int_eq(cfg.http_threads, 4);
    ck_assert_int_eq(parse(env, 64, &cfg, err, sizeof err), 0);    /* many cores: 16 loops */
    ck_assert_int_eq(cfg.http_threads, 16);
    ck_assert_int_eq(cfg.db_pool_size, 18);
}
END_TEST

START_TEST(test_values_read)
{
    static const struct kv env[] = {
        { "PORT", "9000" }, { "HTTP_THREADS", "3" }, { "JWT_SECRET", "abc" },
        { "JWT_ISSUER", "https://auth.example" }, { "LOG_LEVEL", "debug" },
        { "ACCESS_TTL", "60" }, { "MAX_BODY_BYTES", "2048" }, { "BIND_ADDRESS", "127.0.0.1" },
        { "ATTACHMENT_MAX_BYTES", "2097152" },
        { "DATABASE_URL", "postgres://x@localhost/db" }, { NULL, NULL }
    };
    struct pd_config cfg;
    char err[256];
    ck_assert_int_eq(parse(env, 16, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.port, 9000);
    ck_assert_int_eq(cfg.http_threads, 3);
    ck_assert_int_eq(cfg.db_pool_size, 5);          /* follows HTTP_THREADS */
    ck_assert_str_eq(cfg.jwt_secret, "abc");
    ck_assert_uint_eq(cfg.jwt_secret_len, 3);
    ck_assert_str_eq(cfg.jwt_issuer, "https://auth.example");
    ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
    ck_assert_int_eq(cfg.access_ttl, 60);
    ck_assert_uint_eq(cfg.max_body_bytes, 2048);
    ck_assert_uint_eq(cfg.attachment_max_bytes, 2097152);
    ck_assert_str_eq(cfg.bind_address, "127.0.0.1");
    ck_assert_str_eq(cfg.database_url, "postgres://x@localhost/db");
}
END_TEST

START_TEST(test_empty_means_default)
{
    static const struct kv env[] = { { "PORT", "" }, { "LOG_LEVEL", "" }, { "JWT_ISSUER", "" },
                                     { NULL, NULL } };
    struct pd_config cfg;
    char err[256];
    ck_assert_int_eq(parse(env, 2, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(cfg.port, 8080);
    ck_assert_int_eq(cfg.log_level, LOG_INFO);
    ck_assert_str_eq(cfg.jwt_issuer, "propdesk");
}
END_TEST

START_TEST(test_port_range)
{
    static const char *const bad[] = { "0", "70000", "65536", "abc", "8080x", "-1", "80.5",
                                       "99999999999999999999", NULL };
    static const char *const good[][2] = { { "1", "1" }, { "65535", "65535" }, { "443", "443" } };
    struct pd_config cfg;
    char err[256];
    for (int i = 0; bad[i] != NULL; i++) {
        struct kv env[] = { { "PORT", bad[i] }, { NULL, NULL } };
        ck_assert_msg(parse(env, 2, &cfg, err, sizeof err) == -1, "PORT=%s accepted", bad[i]);
        ck_assert_msg(strstr(err, "PORT") != NULL, "PORT=%s: message \"%s\" does not name PORT",
                      bad[i], err);
    }
    for (int i = 0; i < 3; i++) {
        struct kv env[] = { { "PORT", good[i][0] }, { NULL, NULL } };
        ck_assert_int_eq(parse(env, 2, &cfg, err, sizeof err), 0);
        ck_assert_int_eq(cfg.port, atoi(good[i][1]));
    }
}
END_TEST

START_TEST(test_other_ranges)
{
    static const struct kv cases[] = {
        { "HTTP_THREADS", "0" }, { "HTTP_THREADS", "257" }, { "DB_POOL_SIZE", "0" },
        { "DB_POOL_SIZE", "513" }, { "ACCESS_TTL", "59" }, { "ACCESS_TTL", "86401" },
        { "REFRESH_TTL", "299" }, { "MAX_BODY_BYTES", "1023" }, { "MAX_BODY_BYTES", "1MB" },
        { "ATTACHMENT_MAX_BYTES", "1023" }, { "ATTACHMENT_MAX_BYTES", "67108865" },
        { "ATTACHMENT_MAX_BYTES", "10MiB" },
    };
    struct pd_config cfg;
    char err[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct kv env[] = { cases[i], { NULL, NULL } };
        ck_assert_msg(parse(env, 2, &cfg, err, sizeof err) == -1, "%s=%s accepted", cases[i].name,
                      cases[i].value);
        ck_assert_msg(strstr(err, cases[i].name) != NULL, "%s=%s: message \"%s\"", cases[i].name,
                      cases[i].value, err);
    }
}
END_TEST

START_TEST(test_log_level)
{
    static const char *const names[] = { "debug", "info", "warn", "error" };
    static const enum log_level levels[] = { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
    struct pd_config cfg;
    char err[256];
    for (int i = 0; i < 4; i++) {
        struct kv env[] = { { "LOG_LEVEL", names[i] }, { NULL, NULL } };
        ck_assert_int_eq(parse(env, 2, &cfg, err, sizeof err), 0);
        ck_assert_int_eq(cfg.log_level, levels[i]);
    }
    static const char *const bogus[] = { "bogus", "DEBUG", "verbose", "warning", NULL };
    for (int i = 0; bogus[i] != NULL; i++) {
        struct kv env[] = { { "LOG_LEVEL", bogus[i] }, { NULL, NULL } };
        ck_assert_msg(parse(env, 2, &cfg, err, sizeof err) == -1, "LOG_LEVEL=%s accepted", bogus[i]);
        ck_assert_ptr_nonnull(strstr(err, "LOG_LEVEL"));
    }
}
END_TEST

START_TEST(test_too_long_string)
{
    char issuer[300];
    memset(issuer, 'i', sizeof issuer - 1);
    issuer[sizeof issuer - 1] = '\0';
    struct kv env[] = { { "JWT_ISSUER", issuer }, { NULL, NULL } };
    struct pd_config cfg;
    char err[256];
    ck_assert_int_eq(parse(env, 2, &cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "JWT_ISSUER"));
    issuer[255] = '\0';     /* exactly fits jwt_issuer[256] */
    ck_assert_int_eq(parse(env, 2, &cfg, err, sizeof err), 0);
    ck_assert_uint_eq(strlen(cfg.jwt_issuer), 255);
}
END_TEST

START_TEST(test_check_signing)
{
    struct pd_config cfg;
    char err[256];
    struct kv short_env[] = { { "JWT_SECRET", "0123456789" }, { NULL, NULL } };
    ck_assert_int_eq(parse(short_env, 2, &cfg, err, sizeof err), 0);
    err[0] = '\0';
    ck_assert_int_eq(config_check_signing(&cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "JWT_SECRET"));

    struct kv env31[] = { { "JWT_SECRET", "0123456789012345678901234567890" }, { NULL, NULL } };
    ck_assert_int_eq(parse(env31, 2, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(config_check_signing(&cfg, err, sizeof err), -1);

    struct kv env32[] = { { "JWT_SECRET", "01234567890123456789012345678901" }, { NULL, NULL } };
    ck_assert_int_eq(parse(env32, 2, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(config_check_signing(&cfg, err, sizeof err), 0);

    struct kv none[] = { { NULL, NULL } };
    ck_assert_int_eq(parse(none, 2, &cfg, err, sizeof err), 0);
    ck_assert_int_eq(config_check_signing(&cfg, err, sizeof err), -1);

    struct kv es[] = { { "JWT_PRIVATE_KEY_FILE", "/etc/propdesk/jwt.pem" }, { NULL, NULL } };
    ck_assert_int_eq(parse(es, 2, &cfg, err, sizeof err), 0);
    ck_assert_str_eq(cfg.jwt_private_key_file, "/etc/propdesk/jwt.pem");
    ck_assert_int_eq(config_check_signing(&cfg, err, sizeof err), 0);
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_values_read);
    tcase_add_test(tc, test_empty_means_default);
    tcase_add_test(tc, test_port_range);
    tcase_add_test(tc, test_other_ranges);
    tcase_add_test(tc, test_log_level);
    tcase_add_test(tc, test_too_long_string);
    tcase_add_test(tc, test_check_signing);
    suite_add_tcase(s, tc);
    return s;
}
