/* Unit tests for the pure domain rules: the residency state machine and its allowed
 * actions, roles and scopes, the caller's reach (principal.c). Masking is SQL
 * (pd_mask_phone, 0004_people_scope.sql), tested by tests/integration/13_people_scope. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/enums.h"
#include "../../src/pd.h"
#include "../../src/residencies.h"
#include "suites.h"

/* ---- residency state machine ------------------------------------------------------- */

/* Every (state, action, role): "x" 403, "-" 409, else the next state. */
static const char *res_cell(const char *status, int a, enum pd_role role)
{
    const char *to = NULL;
    struct machine_ctx c = { role, 0 };
    switch (machine_check(&residency_machine, status, a, &c, &to)) {
    case MACHINE_FORBIDDEN: return "x";
    case MACHINE_CONFLICT: return "-";
    case MACHINE_OK: break;
    }
    return to;
}

START_TEST(test_residency_machine)
{
    static const struct { const char *status; const char *desk[3], *owner[3], *other[3]; } t[] = {
        /* verify reject revoke, for the desk / the resident / anyone else */
        { "pending", { "verified", "rejected", "revoked" }, { "x", "x", "revoked" }, { "x", "x", "x" } },
        { "verified", { "-", "-", "revoked" }, { "x", "x", "-" }, { "x", "x", "x" } },
        { "rejected", { "-", "-", "-" }, { "x", "x", "-" }, { "x", "x", "x" } },
        { "revoked", { "-", "-", "-" }, { "x", "x", "-" }, { "x", "x", "x" } },
        { "Pending", { "-", "-", "-" }, { "x", "x", "-" }, { "x", "x", "x" } },
        { "", { "-", "-", "-" }, { "x", "x", "-" }, { "x", "x", "x" } },
    };
    static const enum pd_role desk[] = { ROLE_AGENT, ROLE_SUPERVISOR, ROLE_MANAGER, ROLE_ADMIN };
    static const enum pd_role other[] = { ROLE_TECHNICIAN, ROLE_QUALITY, ROLE_INTEGRATION };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        for (int a = 0; a < 3; a++) {
            for (int r = 0; r < 4; r++)
                ck_assert_str_eq(res_cell(t[i].status, a, desk[r]), t[i].desk[a]);
            ck_assert_str_eq(res_cell(t[i].status, a, ROLE_OWNER), t[i].owner[a]);
            for (int r = 0; r < 3; r++)
                ck_assert_str_eq(res_cell(t[i].status, a, other[r]), t[i].other[a]);
        }
}
END_TEST

/* Every state the machine names is a "residency_status" code. */
START_TEST(test_residency_statuses_closed)
{
    for (int i = 0; i < residency_machine.n; i++) {
        ck_assert(enum_value("residency_status", residency_machine.t[i].to, &(int){ 0 }) ||
                  residency_machine.t[i].to == NULL);
        for (const char *const *f = residency_machine.t[i].from; *f != NULL; f++)
            ck_assert(enum_value("residency_status", *f, &(int){ 0 }));
    }
}
END_TEST

static void assert_actions(const char *status, enum pd_role role, const char *expect_json)
{
    struct machine_ctx c = { role, 0 };
    json_t *got = machine_allowed(&residency_machine, status, &c);
    json_t *want = json_loads(expect_json, 0, NULL);
    ck_assert_ptr_nonnull(want);
    char *g = json_dumps(got, JSON_COMPACT);
    ck_assert_msg(json_equal(got, want), "actions(%s, %s) = %s, expected %s", status, role_name(role), g,
                  expect_json);
    free(g);
    json_decref(got);
    json_decref(want);
}

START_TEST(test_residency_actions_verifier)
{
    assert_actions("pending", ROLE_AGENT, "[\"verify\",\"reject\",\"revoke\"]");
    assert_actions("verified", ROLE_SUPERVISOR, "[\"revoke\"]");
    assert_actions("rejected", ROLE_MANAGER, "[]");
    assert_actions("revoked", ROLE_ADMIN, "[]");
}
END_TEST

START_TEST(test_residency_actions_resident)
{
    assert_actions("pending", ROLE_OWNER, "[\"revoke\"]");     /* withdraw the request */
    assert_actions("verified", ROLE_OWNER, "[]");
    assert_actions("rejected", ROLE_OWNER, "[]");
    assert_actions("revoked", ROLE_OWNER, "[]");
}
END_TEST

START_TEST(test_residency_actions_neither)
{
    assert_actions("pending", ROLE_TECHNICIAN, "[]");
    assert_actions("verified", ROLE_QUALITY, "[]");
    assert_actions("rejected", ROLE_INTEGRATION, "[]");
    assert_actions("revoked", ROLE_TECHNICIAN, "[]");
}
END_TEST

/* ---- roles and scopes ------------------------------------------------------------------ */

START_TEST(test_roles_round_trip)
{
    static const char *const names[] = { "owner", "integration", "technician", "agent",
                                         "quality", "supervisor", "manager", "admin" };
    ck_assert_int_eq(ROLE_COUNT - 1, (int)(sizeof names / sizeof names[0]));
    for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++) {
        ck_assert_str_eq(role_name((enum pd_role)r), names[r - 1]);
        ck_assert_int_eq(role_parse(role_name((enum pd_role)r)), r);
    }
    ck_assert_str_eq(role_name(ROLE_NONE), "none");
    ck_assert_str_eq(role_name(ROLE_COUNT), "none");
    ck_assert_str_eq(role_name((enum pd_role)99), "none");
    ck_assert_int_eq(role_parse(NULL), ROLE_NONE);
    ck_assert_int_eq(role_parse(""), ROLE_NONE);
    ck_assert_int_eq(role_parse("none"), ROLE_NONE);
    ck_assert_int_eq(role_parse("Admin"), ROLE_NONE);
    ck_assert_int_eq(role_parse("admin "), ROLE_NONE);
    ck_assert_int_eq(role_parse("superuser"), ROLE_NONE);
}
END_TEST

START_TEST(test_role_sets)
{
    ck_assert(ROLES_STAFF & ROLE_BIT(ROLE_ADMIN));
    ck_assert(ROLES_STAFF & ROLE_BIT(ROLE_TECHNICIAN));
    ck_assert(!(ROLES_STAFF & ROLE_BIT(ROLE_OWNER)));
    ck_assert(!(ROLES_STAFF & ROLE_BIT(ROLE_INTEGRATION)));
    ck_assert(!(ROLES_ANY & ROLE_BIT(ROLE_NONE)));
    for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
        ck_assert(ROLES_ANY & ROLE_BIT(r));
}
END_TEST

START_TEST(test_scope_parse)
{
    ck_assert_uint_eq(scope_parse("tickets:read"), SCOPE_TICKETS_READ);
    ck_assert_uint_eq(scope_parse("tickets:write"), SCOPE_TICKETS_WRITE);
    ck_assert_uint_eq(scope_parse("complaints:read"), SCOPE_COMPLAINTS_READ);
    ck_assert_uint_eq(scope_parse("complaints:write"), SCOPE_COMPLAINTS_WRITE);
    ck_assert_uint_eq(scope_parse("announcements:read"), SCOPE_ANNOUNCEMENTS_READ);
    ck_assert_uint_eq(scope_parse("surveys:read"), SCOPE_SURVEYS_READ);
    ck_assert_uint_eq(scope_parse("units:read"), SCOPE_UNITS_READ);
    ck_assert_uint_eq(scope_parse("users:read"), SCOPE_USERS_READ);
    ck_assert_uint_eq(scope_parse("pii:read"), SCOPE_PII_READ);
    int n = 0;
    unsigned seen = 0;
    for (const char *const *s = enum_codes("scope"); *s != NULL; s++, n++) {
        unsigned bit = scope_parse(*s);
        ck_assert_msg(bit != 0 && (bit & (bit - 1)) == 0 && !(seen & bit), "%s: bit %u", *s, bit);
        ck_assert_str_eq(scope_name(bit), *s);
        seen |= bit;
    }
    ck_assert_int_eq(n, 10);
    ck_assert_ptr_null(scope_name(SCOPE_CALLBACKS_READ << 1));
    ck_assert_uint_eq(scope_parse(NULL), 0);
    ck_assert_uint_eq(scope_parse(""), 0);
    ck_assert_uint_eq(scope_parse("tickets"), 0);
    ck_assert_uint_eq(scope_parse("tickets:*"), 0);
    ck_assert_uint_eq(scope_parse("Tickets:Read"), 0);
    ck_assert_uint_eq(scope_parse("tickets:read tickets:write"), 0);
}
END_TEST

/* ---- the caller's reach ------------------------------------------------------------------ */

static const char *const C1 = "33333333-3333-4333-8333-333333333333";
static const char *const C2 = "44444444-4444-4444-8444-444444444444";
static const char *const C3 = "77777777-7777-4777-8777-777777777777";
static const char *const U1 = "55555555-5555-4555-8555-555555555555";
static const char *const U2 = "66666666-6666-4666-8666-666666666666";

START_TEST(test_principal_in_community)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    p.role = ROLE_AGENT;
    ck_assert(!principal_in_community(&p, C1));         /* no grants: nowhere */
    p.n_communities = 2;
    memcpy(p.communities[0], C1, 37);
    memcpy(p.communities[1], C2, 37);
    ck_assert(principal_in_community(&p, C1));
    ck_assert(principal_in_community(&p, C2));
    ck_assert(!principal_in_community(&p, C3));
    ck_assert(!principal_in_community(&p, "33333333-3333-4333-8333-33333333333"));
    /* entries beyond n_communities do not count */
    memcpy(p.communities[2], C3, 37);
    ck_assert(!principal_in_community(&p, C3));
    p.org_wide = true;
    ck_assert(principal_in_community(&p, C3));
    p.n_communities = 0;
    ck_assert(principal_in_community(&p, C1));
}
END_TEST

START_TEST(test_principal_has_unit)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    p.role = ROLE_OWNER;
    ck_assert(!principal_has_unit(&p, U1));
    p.n_units = 1;
    memcpy(p.units[0], U1, 37);
    memcpy(p.units[1], U2, 37);
    ck_assert(principal_has_unit(&p, U1));
    ck_assert(!principal_has_unit(&p, U2));            /* beyond n_units */
    p.n_units = 2;
    ck_assert(principal_has_unit(&p, U2));
    /* org-wide reach is about communities; it does not make anyone a resident */
    memset(&p, 0, sizeof p);
    p.role = ROLE_ADMIN;
    p.org_wide = true;
    ck_assert(!principal_has_unit(&p, U1));
}
END_TEST

Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("residencies");
    tcase_add_test(tc, test_residency_machine);
    tcase_add_test(tc, test_residency_statuses_closed);
    tcase_add_test(tc, test_residency_actions_verifier);
    tcase_add_test(tc, test_residency_actions_resident);
    tcase_add_test(tc, test_residency_actions_neither);
    suite_add_tcase(s, tc);

    tc = tcase_create("principal");
    tcase_add_test(tc, test_roles_round_trip);
    tcase_add_test(tc, test_role_sets);
    tcase_add_test(tc, test_scope_parse);
    tcase_add_test(tc, test_principal_in_community);
    tcase_add_test(tc, test_principal_has_unit);
    suite_add_tcase(s, tc);

    tc = tcase_create("users");
    suite_add_tcase(s, tc);
    return s;
}
