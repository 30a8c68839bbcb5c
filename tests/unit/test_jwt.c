/* Unit tests for src/jwt.c: the pure claim checks (jwt_claims_check), then issue/verify end
 * to end with HS256 and ES256, including the forgeries a verifier must refuse: a changed
 * payload, alg "none", another algorithm, the public key used as an HMAC secret, an unknown
 * kid, another key. */
#include <check.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/config.h"
#include "../../src/crypto.h"
#include "../../src/jwt.h"
#include "../../src/pd.h"
#include "suites.h"

#define NOW ((time_t)1795334400)
#define ISS "propdesk-test"
#define AUD "propdesk-test-api"
#define SECRET "unit-test HS256 secret, comfortably over 32 bytes"

static const char *const SUB = "11111111-1111-4111-8111-111111111111";
static const char *const ORG = "22222222-2222-4222-8222-222222222222";
static const char *const C1 = "33333333-3333-4333-8333-333333333333";
static const char *const C2 = "44444444-4444-4444-8444-444444444444";
static const char *const U1 = "55555555-5555-4555-8555-555555555555";
static const char *const U2 = "66666666-6666-4666-8666-666666666666";

/* ---- helpers ------------------------------------------------------------------------ */

/* A payload that passes every check, for role. */
static json_t *payload(const char *role)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "iss", ISS, "aud", AUD,
                          "sub", SUB, "org", ORG, "role", role, "jti", "0123456789abcdef",
                          "iat", (json_int_t)NOW - 10, "nbf", (json_int_t)NOW - 10,
                          "exp", (json_int_t)NOW + 890);
    ck_assert_ptr_nonnull(j);
    if (strcmp(role, "owner") == 0) {
        json_object_set_new(j, "units", json_pack("[s, s]", U1, U2));
        json_object_set_new(j, "communities", json_pack("[s]", C1));
    } else if (strcmp(role, "integration") == 0) {
        json_object_set_new(j, "scope", json_string("tickets:read tickets:write"));
    } else {
        json_object_set_new(j, "org_wide", json_false());
        json_object_set_new(j, "communities", json_pack("[s, s]", C1, C2));
    }
    return j;
}

static json_t *uuid_list(int n)
{
    json_t *j = json_array();
    for (int i = 0; i < n; i++) {
        char id[37];
        snprintf(id, sizeof id, "%08x-0000-4000-8000-000000000000", (unsigned)i);
        json_array_append_new(j, json_string(id));
    }
    return j;
}

static enum pd_err check(json_t *j, struct principal *p)
{
    memset(p, 0, sizeof *p);
    return jwt_claims_check(j, NOW, ISS, AUD, p);
}

static void assert_same_principal(const struct principal *a, const struct principal *b)
{
    ck_assert_str_eq(a->sub, b->sub);
    ck_assert_str_eq(a->org, b->org);
    ck_assert_int_eq(a->role, b->role);
    ck_assert_int_eq(a->org_wide, b->org_wide);
    ck_assert_int_eq(a->n_communities, b->n_communities);
    for (int i = 0; i < a->n_communities; i++)
        ck_assert_str_eq(a->communities[i], b->communities[i]);
    ck_assert_int_eq(a->n_units, b->n_units);
    for (int i = 0; i < a->n_units; i++)
        ck_assert_str_eq(a->units[i], b->units[i]);
    ck_assert_uint_eq(a->scopes, b->scopes);
}

/* b64url(text), caller frees. */
static char *b64s(const char *text)
{
    return b64url_encode((const unsigned char *)text, strlen(text));
}

/* A compact JWS over the exact header and payload text, HMAC-SHA256 with key. Lets a test
 * sign what a library would never produce (duplicate keys, odd headers). Caller frees. */
static char *hs256_raw(const char *header, const char *payload_text, const char *key)
{
    char *h = b64s(header), *p = b64s(payload_text);
    size_t n = strlen(h) + strlen(p) + 1;
    char *input = malloc(n + 1);
    snprintf(input, n + 1, "%s.%s", h, p);
    unsigned char mac[32];
    hmac_sha256((const unsigned char *)key, strlen(key), input, n, mac);
    char *sig = b64url_encode(mac, sizeof mac);
    char *tok = malloc(n + strlen(sig) + 2);
    sprintf(tok, "%s.%s", input, sig);
    free(h);
    free(p);
    free(input);
    free(sig);
    return tok;
}

/* A token signed by libjwt with alg and key, optional kid. Caller frees. */
static char *libjwt_token(jwt_alg_t alg, const char *key, size_t key_len, json_t *j_claims,
                          const char *kid)
{
    jwt_t *jwt = NULL;
    char *grants = json_dumps(j_claims, JSON_COMPACT);
    ck_assert_int_eq(jwt_new(&jwt), 0);
    ck_assert_int_eq(jwt_add_grants_json(jwt, grants), 0);
    ck_assert_int_eq(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)key_len), 0);
    if (kid != NULL)
        ck_assert_int_eq(jwt_add_header(jwt, "kid", kid), 0);
    char *tok = jwt_encode_str(jwt);
    ck_assert_ptr_nonnull(tok);
    jwt_free(jwt);
    free(grants);
    return tok;
}

/* Claims valid at time(NULL), for end-to-end tokens built outside jwt_issue. */
static json_t *live_payload(const char *role)
{
    json_t *j = payload(role);
    time_t now = time(NULL);
    json_object_set_new(j, "iat", json_integer((json_int_t)now));
    json_object_set_new(j, "nbf", json_integer((json_int_t)now));
    json_object_set_new(j, "exp", json_integer((json_int_t)now + 600));
    return j;
}

static bool verifies(const char *token)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    return jwt_verify(token, time(NULL), &p) == PD_OK;
}

/* The JSON object in part i (0 header, 1 payload) of a compact token. */
static json_t *token_part(const char *token, int i)
{
    const char *start = token;
    for (int k = 0; k < i; k++)
        start = strchr(start, '.') + 1;
    const char *end = strchr(start, '.');
    size_t len;
    unsigned char *raw = b64url_decode(start, (size_t)(end - start), &len);
    ck_assert_ptr_nonnull(raw);
    json_t *j = json_loads((const char *)raw, 0, NULL);
    free(raw);
    ck_assert_ptr_nonnull(j);
    return j;
}

/* ---- jwt_claims_check: accepted ---------------------------------------------------- */

START_TEST(test_claims_staff)
{
    struct principal p;
    json_t *j = payload("agent");
    json_object_set_new(j, "org_wide", json_true());
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_str_eq(p.sub, SUB);
    ck_assert_str_eq(p.org, ORG);
    ck_assert_int_eq(p.role, ROLE_AGENT);
    ck_assert(p.org_wide);
    ck_assert_int_eq(p.n_communities, 2);
    ck_assert_str_eq(p.communities[0], C1);
    ck_assert_str_eq(p.communities[1], C2);
    ck_assert_int_eq(p.n_units, 0);
    ck_assert_uint_eq(p.scopes, 0);

    /* org_wide only when literally true */
    json_object_set_new(j, "org_wide", json_string("true"));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert(!p.org_wide);
    json_object_del(j, "org_wide");
    json_object_set_new(j, "role", json_string("admin"));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_int_eq(p.role, ROLE_ADMIN);
    ck_assert(!p.org_wide);
    json_decref(j);
}
END_TEST

START_TEST(test_claims_owner)
{
    struct principal p;
    json_t *j = payload("owner");
    json_object_set_new(j, "org_wide", json_true());     /* an owner never reaches org-wide */
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_int_eq(p.role, ROLE_OWNER);
    ck_assert(!p.org_wide);
    ck_assert_int_eq(p.n_units, 2);
    ck_assert_str_eq(p.units[0], U1);
    ck_assert_str_eq(p.units[1], U2);
    ck_assert_int_eq(p.n_communities, 1);
    ck_assert_str_eq(p.communities[0], C1);
    json_decref(j);
}
END_TEST

START_TEST(test_claims_integration_scopes)
{
    struct principal p;
    json_t *j = payload("integration");
    json_object_set_new(j, "org_wide", json_true());
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_int_eq(p.role, ROLE_INTEGRATION);
    ck_assert(!p.org_wide);
    ck_assert_uint_eq(p.scopes, SCOPE_TICKETS_READ | SCOPE_TICKETS_WRITE);

    json_object_set_new(j, "scope", json_string("  units:read   complaints:write "));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_uint_eq(p.scopes, SCOPE_UNITS_READ | SCOPE_COMPLAINTS_WRITE);
    json_object_set_new(j, "scope", json_string("tickets:read admin:all tickets:*"));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_uint_eq(p.scopes, SCOPE_TICKETS_READ);     /* unknown names grant nothing */
    json_object_set_new(j, "scope", json_string(""));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_uint_eq(p.scopes, 0);

    json_object_del(j, "scope");
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    json_object_set_new(j, "scope", json_pack("[s]", "tickets:read"));
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    char long_scope[301];
    memset(long_scope, 'x', 300);
    long_scope[300] = '\0';
    json_object_set_new(j, "scope", json_string(long_scope));
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    json_decref(j);
}
END_TEST

/* *out is filled completely: nothing from an earlier caller of the same struct survives. */
START_TEST(test_claims_reset_stale_principal)
{
    struct principal p;
    json_t *j = payload("integration");
    memset(&p, 0xAB, sizeof p);
    ck_assert_int_eq(jwt_claims_check(j, NOW, ISS, AUD, &p), PD_OK);
    ck_assert_uint_eq(p.scopes, SCOPE_TICKETS_READ | SCOPE_TICKETS_WRITE);
    ck_assert_int_eq(p.n_units, 0);
    ck_assert_int_eq(p.n_communities, 0);
    json_decref(j);

    j = payload("agent");
    memset(&p, 0xAB, sizeof p);
    ck_assert_int_eq(jwt_claims_check(j, NOW, ISS, AUD, &p), PD_OK);
    ck_assert_uint_eq(p.scopes, 0);
    ck_assert_int_eq(p.n_units, 0);
    json_decref(j);
}
END_TEST

START_TEST(test_claims_time_edges)
{
    struct principal p;
    json_t *j = payload("agent");
    json_object_set_new(j, "exp", json_integer((json_int_t)NOW + 1));
    ck_assert_int_eq(check(j, &p), PD_OK);
    json_object_set_new(j, "nbf", json_integer((json_int_t)NOW + JWT_LEEWAY));
    json_object_set_new(j, "iat", json_integer((json_int_t)NOW + JWT_LEEWAY));
    ck_assert_int_eq(check(j, &p), PD_OK);           /* within the tolerated skew */
    json_object_del(j, "nbf");
    ck_assert_int_eq(check(j, &p), PD_OK);           /* nbf is optional */
    json_decref(j);
}
END_TEST

START_TEST(test_claims_aud_array)
{
    struct principal p;
    json_t *j = payload("agent");
    json_object_set_new(j, "aud", json_pack("[s, s]", "someone-else", AUD));
    ck_assert_int_eq(check(j, &p), PD_OK);
    json_object_set_new(j, "aud", json_pack("[s, s]", "someone-else", "another"));
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    json_object_set_new(j, "aud", json_array());
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    json_decref(j);
}
END_TEST

START_TEST(test_claims_id_list_limits)
{
    struct principal p;
    json_t *j = payload("agent");
    json_object_set_new(j, "communities", uuid_list(PD_MAX_SCOPE_IDS));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_int_eq(p.n_communities, PD_MAX_SCOPE_IDS);
    json_object_set_new(j, "communities", uuid_list(PD_MAX_SCOPE_IDS + 1));
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    json_decref(j);

    j = payload("owner");
    json_object_set_new(j, "units", uuid_list(PD_MAX_SCOPE_IDS));
    ck_assert_int_eq(check(j, &p), PD_OK);
    ck_assert_int_eq(p.n_units, PD_MAX_SCOPE_IDS);
    json_object_set_new(j, "units", uuid_list(PD_MAX_SCOPE_IDS + 1));
    ck_assert_int_eq(check(j, &p), PD_ERR_UNAUTHORIZED);
    json_decref(j);
}
END_TEST

/* ---- jwt_claims_check: refused ----------------------------------------------------- */

static void m_exp_now(json_t *j) { json_object_set_new(j, "exp", json_integer((json_int_t)NOW)); }
static void m_exp_past(json_t *j) { json_object_set_new(j, "exp", json_integer((json_int_t)NOW - 1)); }
static void m_exp_missing(json_t *j) { json_object_del(j, "exp"); }
static void m_exp_string(json_t *j) { json_object_set_new(j, "exp", json_string("1795335300")); }
static void m_exp_real(json_t *j) { json_object_set_new(j, "exp", json_real((double)NOW + 900.5)); }
static void m_exp_null(json_t *j) { json_object_set_new(j, "exp", json_null()); }
static void m_nbf_future(json_t *j) { json_object_set_new(j, "nbf", json_integer((json_int_t)NOW + JWT_LEEWAY + 1)); }
static void m_nbf_string(json_t *j) { json_object_set_new(j, "nbf", json_string("0")); }
static void m_iat_future(json_t *j) { json_object_set_new(j, "iat", json_integer((json_int_t)NOW + JWT_LEEWAY + 1)); }
static void m_iat_missing(json_t *j) { json_object_del(j, "iat"); }
static void m_iat_string(json_t *j) { json_object_set_new(j, "iat", json_string("0")); }
static void m_iss_wrong(json_t *j) { json_object_set_new(j, "iss", json_string("propdesk-evil")); }
static void m_iss_prefix(json_t *j) { json_object_set_new(j, "iss", json_string("propdesk")); }
static void m_iss_missing(json_t *j) { json_object_del(j, "iss"); }
static void m_iss_number(json_t *j) { json_object_set_new(j, "iss", json_integer(1)); }
static void m_aud_wrong(json_t *j) { json_object_set_new(j, "aud", json_string("other-api")); }
static void m_aud_missing(json_t *j) { json_object_del(j, "aud"); }
static void m_aud_number(json_t *j) { json_object_set_new(j, "aud", json_integer(5)); }
static void m_aud_object(json_t *j) { json_object_set_new(j, "aud", json_pack("{s:s}", "aud", AUD)); }
static void m_role_unknown(json_t *j) { json_object_set_new(j, "role", json_string("superuser")); }
static void m_role_none(json_t *j) { json_object_set_new(j, "role", json_string("none")); }
static void m_role_case(json_t *j) { json_object_set_new(j, "role", json_string("Admin")); }
static void m_role_missing(json_t *j) { json_object_del(j, "role"); }
static void m_sub_bad(json_t *j) { json_object_set_new(j, "sub", json_string("not-a-uuid")); }
static void m_sub_missing(json_t *j) { json_object_del(j, "sub"); }
static void m_org_bad(json_t *j) { json_object_set_new(j, "org", json_string("22222222")); }
static void m_org_missing(json_t *j) { json_object_del(j, "org"); }
static void m_comm_bad(json_t *j) { json_object_set_new(j, "communities", json_pack("[s, s]", C1, "nope")); }
static void m_comm_number(json_t *j) { json_object_set_new(j, "communities", json_pack("[i]", 1)); }
static void m_comm_string(json_t *j) { json_object_set_new(j, "communities", json_string(C1)); }
static void m_comm_too_many(json_t *j) { json_object_set_new(j, "communities", uuid_list(PD_MAX_SCOPE_IDS + 1)); }
static void m_units_bad(json_t *j) { json_object_set_new(j, "units", json_pack("[s, s]", U1, "3-2-102")); }
static void m_units_too_many(json_t *j) { json_object_set_new(j, "units", uuid_list(PD_MAX_SCOPE_IDS + 1)); }

static const struct {
    const char *name;
    const char *role;
    void (*mutate)(json_t *);
} refused[] = {
    { "exp == now", "agent", m_exp_now },
    { "exp in the past", "agent", m_exp_past },
    { "exp missing", "agent", m_exp_missing },
    { "exp a string", "agent", m_exp_string },
    { "exp a real", "agent", m_exp_real },
    { "exp null", "agent", m_exp_null },
    { "nbf beyond leeway", "agent", m_nbf_future },
    { "nbf a string", "agent", m_nbf_string },
    { "iat beyond leeway", "agent", m_iat_future },
    { "iat missing", "agent", m_iat_missing },
    { "iat a string", "agent", m_iat_string },
    { "wrong iss", "agent", m_iss_wrong },
    { "iss a prefix of ours", "agent", m_iss_prefix },
    { "iss missing", "agent", m_iss_missing },
    { "iss a number", "agent", m_iss_number },
    { "wrong aud", "agent", m_aud_wrong },
    { "aud missing", "agent", m_aud_missing },
    { "aud a number", "agent", m_aud_number },
    { "aud an object", "agent", m_aud_object },
    { "unknown role", "agent", m_role_unknown },
    { "role none", "agent", m_role_none },
    { "role in capitals", "agent", m_role_case },
    { "role missing", "agent", m_role_missing },
    { "sub not a UUID", "agent", m_sub_bad },
    { "sub missing", "agent", m_sub_missing },
    { "org not a UUID", "agent", m_org_bad },
    { "org missing", "agent", m_org_missing },
    { "community not a UUID", "agent", m_comm_bad },
    { "community a number", "agent", m_comm_number },
    { "communities not an array", "agent", m_comm_string },
    { "too many communities", "agent", m_comm_too_many },
    { "unit not a UUID", "owner", m_units_bad },
    { "too many units", "owner", m_units_too_many },
    { "integration token expired", "integration", m_exp_past },
};
#define N_REFUSED ((int)(sizeof refused / sizeof refused[0]))

START_TEST(test_claims_refused)
{
    struct principal p;
    json_t *j = payload(refused[_i].role);
    ck_assert_msg(check(j, &p) == PD_OK, "%s: the unchanged payload should pass", refused[_i].name);
    refused[_i].mutate(j);
    ck_assert_msg(check(j, &p) == PD_ERR_UNAUTHORIZED, "%s: accepted", refused[_i].name);
    json_decref(j);
}
END_TEST

/* ---- HS256 end to end --------------------------------------------------------------- */

static struct pd_config hs_cfg;

static void hs_setup(void)
{
    char err[256] = "";
    memset(&hs_cfg, 0, sizeof hs_cfg);
    snprintf(hs_cfg.jwt_secret, sizeof hs_cfg.jwt_secret, "%s", SECRET);
    hs_cfg.jwt_secret_len = strlen(SECRET);
    snprintf(hs_cfg.jwt_issuer, sizeof hs_cfg.jwt_issuer, "%s", ISS);
    snprintf(hs_cfg.jwt_audience, sizeof hs_cfg.jwt_audience, "%s", AUD);
    ck_assert_msg(jwt_init(&hs_cfg, err, sizeof err) == 0, "jwt_init: %s", err);
}

static void hs_teardown(void)
{
    jwt_shutdown();
}

static struct principal staff_principal(void)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    memcpy(p.sub, SUB, 37);
    memcpy(p.org, ORG, 37);
    p.role = ROLE_SUPERVISOR;
    p.org_wide = true;
    p.n_communities = 2;
    memcpy(p.communities[0], C1, 37);
    memcpy(p.communities[1], C2, 37);
    return p;
}

START_TEST(test_hs_issue_verify_staff)
{
    struct principal in = staff_principal(), out;
    char *tok = NULL;
    ck_assert_int_eq(jwt_issue(&in, 900, &tok), PD_OK);
    ck_assert_ptr_nonnull(tok);
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(jwt_verify(tok, time(NULL), &out), PD_OK);
    assert_same_principal(&in, &out);
    /* a second time, from the verified-signature cache */
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(jwt_verify(tok, time(NULL), &out), PD_OK);
    assert_same_principal(&in, &out);

    json_t *j_h = token_part(tok, 0), *j_p = token_part(tok, 1);
    ck_assert_str_eq(json_string_value(json_object_get(j_h, "alg")), "HS256");
    ck_assert_str_eq(json_string_value(json_object_get(j_p, "iss")), ISS);
    ck_assert_str_eq(json_string_value(json_object_get(j_p, "aud")), AUD);
    ck_assert_int_eq(json_integer_value(json_object_get(j_p, "exp")) -
                     json_integer_value(json_object_get(j_p, "iat")), 900);
    json_decref(j_h);
    json_decref(j_p);
    free(tok);
}
END_TEST

START_TEST(test_hs_issue_verify_owner_and_integration)
{
    struct principal in, out;
    char *tok = NULL;
    memset(&in, 0, sizeof in);
    memcpy(in.sub, SUB, 37);
    memcpy(in.org, ORG, 37);
    in.role = ROLE_OWNER;
    in.n_units = 2;
    memcpy(in.units[0], U1, 37);
    memcpy(in.units[1], U2, 37);
    in.n_communities = 1;
    memcpy(in.communities[0], C1, 37);
    ck_assert_int_eq(jwt_issue(&in, 300, &tok), PD_OK);
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(jwt_verify(tok, time(NULL), &out), PD_OK);
    assert_same_principal(&in, &out);
    free(tok);

    memset(&in, 0, sizeof in);
    memcpy(in.sub, SUB, 37);
    memcpy(in.org, ORG, 37);
    in.role = ROLE_INTEGRATION;
    in.scopes = SCOPE_TICKETS_READ | SCOPE_COMPLAINTS_WRITE | SCOPE_USERS_READ;
    ck_assert_int_eq(jwt_issue(&in, 300, &tok), PD_OK);
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(jwt_verify(tok, time(NULL), &out), PD_OK);
    assert_same_principal(&in, &out);
    json_t *j_p = token_part(tok, 1);
    ck_assert_str_eq(json_string_value(json_object_get(j_p, "scope")),
                     "tickets:read complaints:write users:read");
    json_decref(j_p);
    free(tok);
}
END_TEST

START_TEST(test_hs_time_window)
{
    struct principal in = staff_principal(), out;
    char *tok = NULL;
    time_t now = time(NULL);
    ck_assert_int_eq(jwt_issue(&in, 900, &tok), PD_OK);
    ck_assert_int_eq(jwt_verify(tok, now + 60, &out), PD_OK);
    ck_assert_int_eq(jwt_verify(tok, now + 901, &out), PD_ERR_UNAUTHORIZED);   /* expired */
    ck_assert_int_eq(jwt_verify(tok, now - 3600, &out), PD_ERR_UNAUTHORIZED);  /* not yet */
    free(tok);
}
END_TEST

START_TEST(test_hs_modified_payload)
{
    struct principal in = staff_principal(), out;
    in.org_wide = false;
    in.role = ROLE_TECHNICIAN;
    char *tok = NULL;
    ck_assert_int_eq(jwt_issue(&in, 900, &tok), PD_OK);
    ck_assert(verifies(tok));

    json_t *j_p = token_part(tok, 1);
    json_object_set_new(j_p, "role", json_string("admin"));
    json_object_set_new(j_p, "org_wide", json_true());
    char *text = json_dumps(j_p, JSON_COMPACT);
    char *p64 = b64s(text);
    const char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
    size_t n = (size_t)(dot1 - tok) + strlen(p64) + strlen(dot2) + 2;
    char *forged = malloc(n);
    snprintf(forged, n, "%.*s.%s%s", (int)(dot1 - tok), tok, p64, dot2);
    ck_assert_str_ne(forged, tok);
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(jwt_verify(forged, time(NULL), &out), PD_ERR_UNAUTHORIZED);
    ck_assert_int_ne(out.role, ROLE_ADMIN);

    /* signature stripped, or taken from another token */
    char *stripped = strndup(tok, (size_t)(dot2 - tok) + 1);
    ck_assert(!verifies(stripped));
    char *other = NULL;
    in.role = ROLE_AGENT;
    ck_assert_int_eq(jwt_issue(&in, 900, &other), PD_OK);
    char *spliced = malloc(strlen(tok) + strlen(other) + 1);
    sprintf(spliced, "%.*s%s", (int)(dot2 - tok), tok, strrchr(other, '.'));
    ck_assert(!verifies(spliced));

    json_decref(j_p);
    free(text);
    free(p64);
    free(forged);
    free(stripped);
    free(other);
    free(spliced);
    free(tok);
}
END_TEST

START_TEST(test_hs_hand_signed)
{
    json_t *j = live_payload("agent");
    char *text = json_dumps(j, JSON_COMPACT);
    /* the helper itself produces tokens the verifier accepts */
    char *good = hs256_raw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", text, SECRET);
    ck_assert(verifies(good));
    char *wrong_key = hs256_raw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", text, SECRET "x");
    ck_assert(!verifies(wrong_key));
    /* duplicate claims: a second "role" must not slip past */
    size_t n = strlen(text) + 32;
    char *dup = malloc(n);
    snprintf(dup, n, "{\"role\":\"admin\",%s", text + 1);
    char *dup_tok = hs256_raw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", dup, SECRET);
    ck_assert(!verifies(dup_tok));
    /* a header or payload that is JSON but not an object */
    char *arr_hdr = hs256_raw("[\"HS256\"]", text, SECRET);
    ck_assert(!verifies(arr_hdr));
    char *arr_payload = hs256_raw("{\"alg\":\"HS256\"}", "[1,2]", SECRET);
    ck_assert(!verifies(arr_payload));
    char *no_alg = hs256_raw("{\"typ\":\"JWT\"}", text, SECRET);
    ck_assert(!verifies(no_alg));
    json_decref(j);
    free(text);
    free(good);
    free(wrong_key);
    free(dup);
    free(dup_tok);
    free(arr_hdr);
    free(arr_payload);
    free(no_alg);
}
END_TEST

START_TEST(test_hs_alg_none)
{
    json_t *j = live_payload("admin");
    char *text = json_dumps(j, JSON_COMPACT);
    char *h = b64s("{\"alg\":\"none\",\"typ\":\"JWT\"}"), *p = b64s(text);
    char tok[2048];
    snprintf(tok, sizeof tok, "%s.%s.", h, p);
    ck_assert(!verifies(tok));
    snprintf(tok, sizeof tok, "%s.%s.AAAA", h, p);
    ck_assert(!verifies(tok));
    free(h);
    h = b64s("{\"alg\":\"None\",\"typ\":\"JWT\"}");
    snprintf(tok, sizeof tok, "%s.%s.AAAA", h, p);
    ck_assert(!verifies(tok));
    /* libjwt's own unsigned token */
    char *unsigned_tok = libjwt_token(JWT_ALG_NONE, NULL, 0, j, NULL);
    ck_assert(!verifies(unsigned_tok));
    json_decref(j);
    free(text);
    free(h);
    free(p);
    free(unsigned_tok);
}
END_TEST

START_TEST(test_hs_other_alg)
{
    json_t *j = live_payload("agent");
    char *ok = libjwt_token(JWT_ALG_HS256, SECRET, strlen(SECRET), j, NULL);
    ck_assert(verifies(ok));                          /* control: same claims, our alg */
    char *hs512 = libjwt_token(JWT_ALG_HS512, SECRET, strlen(SECRET), j, NULL);
    ck_assert(!verifies(hs512));
    char *hs384 = libjwt_token(JWT_ALG_HS384, SECRET, strlen(SECRET), j, NULL);
    ck_assert(!verifies(hs384));
    json_decref(j);
    free(ok);
    free(hs512);
    free(hs384);
}
END_TEST

START_TEST(test_hs_malformed)
{
    struct principal in = staff_principal();
    char *tok = NULL;
    ck_assert_int_eq(jwt_issue(&in, 900, &tok), PD_OK);
    const char *dot2 = strrchr(tok, '.');
    char *two = strndup(tok, (size_t)(dot2 - tok));          /* header.payload */
    char *four = malloc(strlen(tok) + 8);
    sprintf(four, "%s.AAAA", tok);
    char *lead = malloc(strlen(tok) + 2);
    sprintf(lead, ".%s", tok);
    ck_assert(verifies(tok));
    ck_assert(!verifies(two));
    ck_assert(!verifies(four));
    ck_assert(!verifies(lead));
    ck_assert(!verifies(""));
    ck_assert(!verifies("."));
    ck_assert(!verifies(".."));
    ck_assert(!verifies("..."));
    ck_assert(!verifies("a.b.c"));
    ck_assert(!verifies("not a token"));
    char *huge = malloc(9001);
    memset(huge, 'A', 9000);
    huge[9000] = '\0';
    huge[100] = '.';
    huge[200] = '.';
    ck_assert(!verifies(huge));
    free(tok);
    free(two);
    free(four);
    free(lead);
    free(huge);
}
END_TEST

START_TEST(test_hs_jwks_and_secret)
{
    ck_assert_str_eq(jwt_jwks(), "{\"keys\":[]}");
    const unsigned char *data;
    size_t len;
    jwt_secret_material(&data, &len);
    ck_assert_uint_eq(len, strlen(SECRET));
    ck_assert_int_eq(memcmp(data, SECRET, len), 0);
}
END_TEST

/* ---- ES256 --------------------------------------------------------------------------- */

static char key_path[64], other_key_path[64], p384_path[64], junk_path[64];
static char *priv_pem, *other_priv_pem, *pub_pem;
static char jwk_x[64], jwk_y[64];

static char *bio_string(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = strndup(data, (size_t)n);
    BIO_free(b);
    return s;
}

static char *bn_b64url(const BIGNUM *bn)
{
    unsigned char bin[32];
    ck_assert_int_eq(BN_bn2binpad(bn, bin, sizeof bin), 32);
    return b64url_encode(bin, sizeof bin);
}

/* Writes a fresh EC key on curve to a temp file; returns its private PEM (caller frees). */
static char *write_ec_key(const char *curve, char path[64], EVP_PKEY **keep)
{
    EVP_PKEY *pk = EVP_EC_gen(curve);
    ck_assert_ptr_nonnull(pk);
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL));
    char *pem = bio_string(b);
    snprintf(path, 64, "/tmp/propdesk-unit-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, pem, strlen(pem)), (ssize_t)strlen(pem));
    close(fd);
    if (keep != NULL)
        *keep = pk;
    else
        EVP_PKEY_free(pk);
    return pem;
}

static void es_keys_setup(void)
{
    EVP_PKEY *pk = NULL;
    priv_pem = write_ec_key("prime256v1", key_path, &pk);
    BIO *b = BIO_new(BIO_s_mem());
    ck_assert(PEM_write_bio_PUBKEY(b, pk));
    pub_pem = bio_string(b);
    BIGNUM *x = NULL, *y = NULL;
    ck_assert(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x));
    ck_assert(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y));
    char *bx = bn_b64url(x), *by = bn_b64url(y);
    snprintf(jwk_x, sizeof jwk_x, "%s", bx);
    snprintf(jwk_y, sizeof jwk_y, "%s", by);
    free(bx);
    free(by);
    BN_free(x);
    BN_free(y);
    EVP_PKEY_free(pk);
    other_priv_pem = write_ec_key("prime256v1", other_key_path, NULL);
    free(write_ec_key("secp384r1", p384_path, NULL));
    snprintf(junk_path, sizeof junk_path, "/tmp/propdesk-unit-XXXXXX");
    int fd = mkstemp(junk_path);
    ck_assert_int_eq(write(fd, "not a key\n", 10), 10);
    close(fd);
}

static void es_keys_teardown(void)
{
    unlink(key_path);
    unlink(other_key_path);
    unlink(p384_path);
    unlink(junk_path);
    free(priv_pem);
    free(other_priv_pem);
    free(pub_pem);
}

static void es_cfg(struct pd_config *cfg, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->jwt_private_key_file, sizeof cfg->jwt_private_key_file, "%s", path);
    snprintf(cfg->jwt_issuer, sizeof cfg->jwt_issuer, "%s", ISS);
    snprintf(cfg->jwt_audience, sizeof cfg->jwt_audience, "%s", AUD);
}

static void es_setup(void)
{
    struct pd_config cfg;
    char err[256] = "";
    es_cfg(&cfg, key_path);
    ck_assert_msg(jwt_init(&cfg, err, sizeof err) == 0, "jwt_init ES256: %s", err);
}

/* The kid jwt_jwks() publishes. Caller frees. */
static char *our_kid(void)
{
    json_t *j = json_loads(jwt_jwks(), 0, NULL);
    char *kid = strdup(json_string_value(json_object_get(json_array_get(json_object_get(j, "keys"), 0), "kid")));
    json_decref(j);
    return kid;
}

START_TEST(test_es_jwks)
{
    json_error_t e;
    json_t *j = json_loads(jwt_jwks(), 0, &e);
    ck_assert_msg(j != NULL, "JWKS is not JSON: %s", e.text);
    json_t *j_keys = json_object_get(j, "keys");
    ck_assert(json_is_array(j_keys));
    ck_assert_uint_eq(json_array_size(j_keys), 1);
    json_t *k = json_array_get(j_keys, 0);
    ck_assert_str_eq(json_string_value(json_object_get(k, "kty")), "EC");
    ck_assert_str_eq(json_string_value(json_object_get(k, "crv")), "P-256");
    ck_assert_str_eq(json_string_value(json_object_get(k, "alg")), "ES256");
    ck_assert_str_eq(json_string_value(json_object_get(k, "use")), "sig");
    ck_assert_str_eq(json_string_value(json_object_get(k, "x")), jwk_x);
    ck_assert_str_eq(json_string_value(json_object_get(k, "y")), jwk_y);
    ck_assert_ptr_null(json_object_get(k, "d"));            /* never the private part */
    /* kid is the RFC 7638 thumbprint of the public key */
    char canon[256];
    unsigned char digest[32];
    snprintf(canon, sizeof canon, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", jwk_x, jwk_y);
    sha256(canon, strlen(canon), digest);
    char *thumb = b64url_encode(digest, sizeof digest);
    ck_assert_str_eq(json_string_value(json_object_get(k, "kid")), thumb);
    free(thumb);
    json_decref(j);
}
END_TEST

START_TEST(test_es_issue_verify)
{
    struct principal in = staff_principal(), out;
    char *tok = NULL, *kid = our_kid();
    ck_assert_int_eq(jwt_issue(&in, 900, &tok), PD_OK);
    json_t *j_h = token_part(tok, 0);
    ck_assert_str_eq(json_string_value(json_object_get(j_h, "alg")), "ES256");
    ck_assert_str_eq(json_string_value(json_object_get(j_h, "kid")), kid);
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(jwt_verify(tok, time(NULL), &out), PD_OK);
    assert_same_principal(&in, &out);
    ck_assert_int_eq(jwt_verify(tok, time(NULL) + 901, &out), PD_ERR_UNAUTHORIZED);
    json_decref(j_h);
    free(tok);
    free(kid);
}
END_TEST

/* The classic key confusion: an HS256 token whose HMAC secret is our public key PEM. */
START_TEST(test_es_public_key_as_hmac_secret)
{
    json_t *j = live_payload("admin");
    char *kid = our_kid();
    char *tok = libjwt_token(JWT_ALG_HS256, pub_pem, strlen(pub_pem), j, kid);
    ck_assert(!verifies(tok));
    char *tok2 = libjwt_token(JWT_ALG_HS256, pub_pem, strlen(pub_pem), j, NULL);
    ck_assert(!verifies(tok2));
    json_decref(j);
    free(kid);
    free(tok);
    free(tok2);
}
END_TEST

START_TEST(test_es_kid_and_key)
{
    json_t *j = live_payload("agent");
    char *kid = our_kid();
    char *ok = libjwt_token(JWT_ALG_ES256, priv_pem, strlen(priv_pem), j, kid);
    ck_assert(verifies(ok));                                    /* control */
    char *unknown = libjwt_token(JWT_ALG_ES256, priv_pem, strlen(priv_pem), j, "some-other-kid");
    ck_assert(!verifies(unknown));
    char *none = libjwt_token(JWT_ALG_ES256, priv_pem, strlen(priv_pem), j, NULL);
    ck_assert(!verifies(none));
    char *other_key = libjwt_token(JWT_ALG_ES256, other_priv_pem, strlen(other_priv_pem), j, kid);
    ck_assert(!verifies(other_key));
    char *hs = libjwt_token(JWT_ALG_HS256, SECRET, strlen(SECRET), j, kid);
    ck_assert(!verifies(hs));
    json_decref(j);
    free(kid);
    free(ok);
    free(unknown);
    free(none);
    free(other_key);
    free(hs);
}
END_TEST

START_TEST(test_es_init_refuses_bad_keys)
{
    struct pd_config cfg;
    char err[256];
    jwt_shutdown();

    err[0] = '\0';
    es_cfg(&cfg, p384_path);
    ck_assert_int_eq(jwt_init(&cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "P-256"));
    jwt_shutdown();

    err[0] = '\0';
    es_cfg(&cfg, junk_path);
    ck_assert_int_eq(jwt_init(&cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "JWT_PRIVATE_KEY_FILE"));
    jwt_shutdown();

    err[0] = '\0';
    es_cfg(&cfg, "/nonexistent/propdesk/key.pem");
    ck_assert_int_eq(jwt_init(&cfg, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "JWT_PRIVATE_KEY_FILE"));
    jwt_shutdown();

    es_cfg(&cfg, other_key_path);
    ck_assert_int_eq(jwt_init(&cfg, err, sizeof err), 0);
}
END_TEST

Suite *jwt_suite(void)
{
    Suite *s = suite_create("jwt");
    TCase *tc = tcase_create("claims");
    tcase_add_test(tc, test_claims_staff);
    tcase_add_test(tc, test_claims_owner);
    tcase_add_test(tc, test_claims_integration_scopes);
    tcase_add_test(tc, test_claims_reset_stale_principal);
    tcase_add_test(tc, test_claims_time_edges);
    tcase_add_test(tc, test_claims_aud_array);
    tcase_add_test(tc, test_claims_id_list_limits);
    tcase_add_loop_test(tc, test_claims_refused, 0, N_REFUSED);
    suite_add_tcase(s, tc);

    tc = tcase_create("hs256");
    tcase_add_checked_fixture(tc, hs_setup, hs_teardown);
    tcase_add_test(tc, test_hs_issue_verify_staff);
    tcase_add_test(tc, test_hs_issue_verify_owner_and_integration);
    tcase_add_test(tc, test_hs_time_window);
    tcase_add_test(tc, test_hs_modified_payload);
    tcase_add_test(tc, test_hs_hand_signed);
    tcase_add_test(tc, test_hs_alg_none);
    tcase_add_test(tc, test_hs_other_alg);
    tcase_add_test(tc, test_hs_malformed);
    tcase_add_test(tc, test_hs_jwks_and_secret);
    suite_add_tcase(s, tc);

    tc = tcase_create("es256");
    tcase_add_unchecked_fixture(tc, es_keys_setup, es_keys_teardown);
    tcase_add_checked_fixture(tc, es_setup, hs_teardown);
    tcase_add_test(tc, test_es_jwks);
    tcase_add_test(tc, test_es_issue_verify);
    tcase_add_test(tc, test_es_public_key_as_hmac_secret);
    tcase_add_test(tc, test_es_kid_and_key);
    tcase_add_test(tc, test_es_init_refuses_bad_keys);
    suite_add_tcase(s, tc);
    return s;
}
