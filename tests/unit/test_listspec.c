/* List specs: the statement generated for each shape of filters, and the checks of the
 * query parameters. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/listspec.h"
#include "../../src/tickets.h"
#include "suites.h"

static const struct list_filter filters[] = {
    { "colour", LIST_ENUM, "ticket_priority", 0, "x.colour = $v" },
    { "owner_id", LIST_UUID, NULL, 0, "x.owner_id = $v OR x.maker_id = $v" },
    { "q", LIST_TEXT, NULL, 5, "x.name ILIKE '%' || $v || '%'" },
    { "since", LIST_TIME, NULL, 0, "x.created_at >= $v" },
    { "broken", LIST_FLAG, NULL, 0, "x.broken" },
};
static const struct list_spec spec = {
    .name = "things",
    .select = "SELECT x.j, x.us, x.id FROM things x WHERE x.org_id = $1",
    .n_base = 1,
    .keyset = "(x.created_at, x.id)",
    .order = "x.created_at DESC, x.id DESC",
    .filters = filters,
    .n_filters = 5,
};

START_TEST(test_no_filter)
{
    char *sql = list_sql(&spec, 0, false, NULL);
    ck_assert_str_eq(sql, "SELECT x.j, x.us, x.id FROM things x WHERE x.org_id = $1 "
                          "ORDER BY x.created_at DESC, x.id DESC LIMIT $2");
    free(sql);
}
END_TEST

START_TEST(test_shape_numbers_only_what_is_present)
{
    /* owner_id and the flag and a cursor: $2 for the owner (twice), $3 the flag, then the cursor */
    char *sql = list_sql(&spec, (1ul << 1) | (1ul << 4) | (1ul << 5), false, NULL);
    ck_assert_str_eq(sql, "SELECT x.j, x.us, x.id FROM things x WHERE x.org_id = $1 "
                          "AND (x.owner_id = $2::uuid OR x.maker_id = $2::uuid) "
                          "AND ($3::bool AND x.broken) "
                          "AND (x.created_at, x.id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::uuid) "
                          "ORDER BY x.created_at DESC, x.id DESC LIMIT $6");
    free(sql);
}
END_TEST

START_TEST(test_catch_all_tolerates_absent_values)
{
    char *sql = list_sql(&spec, ~0ul, true, NULL);
    ck_assert_ptr_nonnull(strstr(sql, "AND ($2::text IS NULL OR x.colour = $2::text)"));
    ck_assert_ptr_nonnull(strstr(sql, "AND (NOT coalesce($6::bool, false) OR x.broken)"));
    ck_assert_ptr_nonnull(strstr(sql, "AND ($7::bigint IS NULL OR (x.created_at, x.id) <"));
    ck_assert_ptr_nonnull(strstr(sql, "LIMIT $9"));
    free(sql);
}
END_TEST

/* a spec whose scope has parts: $2 communities, $3 units with $4 self, then $5 its own */
static const struct list_scope scopes[] = {
    { 2, "uuid[]", "x.community_id = ANY ($2)" },
    { 3, "uuid[]", "(x.unit_id = ANY ($3) OR x.owner_id = $4::uuid)" },
};
static const struct list_spec scoped = {
    .name = "scoped",
    .select = "SELECT x.j, x.us, x.id, $5::bool FROM things x WHERE x.org_id = $1",
    .n_base = 5,
    .scopes = scopes,
    .n_scopes = 2,
    .keyset = "(x.created_at, x.id)",
    .order = "x.created_at DESC, x.id DESC",
    .filters = filters,
    .n_filters = 5,
};
#define SCOPE_BIT(j) (1ul << (5 + 1 + (j)))

START_TEST(test_scope_parts_only_when_given_and_unused_parameters_dropped)
{
    unsigned used;
    /* org-wide staff: no scope part; $2..$4 not sent, $5 becomes $2, the colour filter $3 */
    char *sql = list_sql(&scoped, 1ul << 0, false, &used);
    ck_assert_str_eq(sql, "SELECT x.j, x.us, x.id, $2::bool FROM things x WHERE x.org_id = $1 "
                          "AND (x.colour = $3::text) ORDER BY x.created_at DESC, x.id DESC LIMIT $4");
    ck_assert_uint_eq(used, 1u | 1u << 4);
    free(sql);
    /* an owner: the units part with self, no communities part */
    sql = list_sql(&scoped, SCOPE_BIT(1), false, &used);
    ck_assert_str_eq(sql, "SELECT x.j, x.us, x.id, $4::bool FROM things x WHERE x.org_id = $1 "
                          "AND ((x.unit_id = ANY ($2) OR x.owner_id = $3::uuid)) "
                          "ORDER BY x.created_at DESC, x.id DESC LIMIT $5");
    ck_assert_uint_eq(used, 1u | 1u << 2 | 1u << 3 | 1u << 4);
    free(sql);
    /* staff of some communities */
    sql = list_sql(&scoped, SCOPE_BIT(0), false, &used);
    ck_assert_ptr_nonnull(strstr(sql, "WHERE x.org_id = $1 AND (x.community_id = ANY ($2)) ORDER BY"));
    ck_assert_uint_eq(used, 1u | 1u << 1 | 1u << 4);
    free(sql);
    /* the catch-all tolerates every part absent and takes every parameter */
    sql = list_sql(&scoped, ~0ul, true, &used);
    ck_assert_ptr_nonnull(strstr(sql, "AND ($2::uuid[] IS NULL OR x.community_id = ANY ($2)) "
                                      "AND ($3::uuid[] IS NULL OR (x.unit_id = ANY ($3) OR x.owner_id = $4::uuid))"));
    ck_assert_uint_eq(used, 0x1fu);
    free(sql);
}
END_TEST

START_TEST(test_check_names_every_bad_parameter)
{
    const char *raw[] = { "green", "nope", "toolong", "yesterday", "maybe" }, *values[5];
    struct verr v;
    verr_init(&v);
    list_check(&spec, raw, &v, values);
    ck_assert_int_eq((int)json_array_size(v.j_errors), 5);
    const char *fields[] = { "colour", "owner_id", "q", "since", "broken" };
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v.j_errors, (size_t)i), "field")), fields[i]);
        ck_assert_ptr_null(values[i]);
    }
    verr_free(&v);
}
END_TEST

START_TEST(test_check_passes_good_values)
{
    const char *raw[] = { "P2", "10000000-0000-4000-8000-0000000000a1", "ab", "2026-11-22T08:00:00Z", "false" };
    const char *values[5];
    struct verr v;
    verr_init(&v);
    list_check(&spec, raw, &v, values);
    ck_assert(!verr_any(&v));
    ck_assert_str_eq(values[0], "P2");
    ck_assert_str_eq(values[2], "ab");
    ck_assert_ptr_null(values[4]);  /* broken=false: not filtering */
    verr_free(&v);
}
END_TEST

START_TEST(test_ticket_search_is_the_trigram_index_expression)
{
    /* tickets_text (0002_tickets.sql) indexes exactly this expression: the planner uses the
     * index only when the predicate repeats it */
    for (int i = 0; i < ticket_list_spec.n_filters; i++)
        if (strcmp(ticket_list_spec.filters[i].param, "q") == 0)
            ck_assert_ptr_nonnull(strstr(ticket_list_spec.filters[i].predicate,
                                         "(t.number || ' ' || t.description || ' ' || coalesce(t.location, '')) ILIKE"));
}
END_TEST

Suite *listspec_suite(void)
{
    Suite *s = suite_create("listspec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_no_filter);
    tcase_add_test(tc, test_shape_numbers_only_what_is_present);
    tcase_add_test(tc, test_catch_all_tolerates_absent_values);
    tcase_add_test(tc, test_scope_parts_only_when_given_and_unused_parameters_dropped);
    tcase_add_test(tc, test_check_names_every_bad_parameter);
    tcase_add_test(tc, test_check_passes_good_values);
    tcase_add_test(tc, test_ticket_search_is_the_trigram_index_expression);
    suite_add_tcase(s, tc);
    return s;
}
