/* The /v1/auth endpoints: login, refresh, logout and the OAuth2 client-credentials token endpoint. */
#include <stdio.h>
#include "../src/auth.h"
#include "routes.h"

static void reply_tokens(struct api_call *c, struct token_pair *t)
{
    json_t *j = json_pack("{s:s, s:s, s:i}", "access_token", t->access_token, "token_type", "Bearer",
                          "expires_in", t->expires_in);
    if (t->refresh_token != NULL) {
        json_object_set_new(j, "refresh_token", json_string(t->refresh_token));
        json_object_set_new(j, "refresh_expires_in", json_integer(t->refresh_expires_in));
    } else {
        json_object_set_new(j, "scope", json_string(t->scope));
    }
    api_header_set(c, "Cache-Control", "no-store");
    api_json(c, 200, j);
    token_pair_free(t);
}

static void reply_throttled(struct api_call *c, int retry_after)
{
    char s[16];
    snprintf(s, sizeof s, "%d", retry_after);
    api_header_set(c, "Retry-After", s);
    api_error(c, PD_ERR_THROTTLED, "Too many failed attempts; retry later.");
}

void auth_login_handler(struct api_call *c)
{
    static const char *const fields[] = { "login", "password", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *login = v_string(&v, c->j_body, "login", true, 1, 254);
    const char *password = v_string(&v, c->j_body, "password", true, 1, 256);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char address[64];
    struct token_pair t;
    int retry_after = 0;
    enum pd_err err = auth_login(c->db, login, password, api_client_address(c, address, sizeof address),
                                 &t, &retry_after);
    if (err == PD_OK)
        reply_tokens(c, &t);
    else if (err == PD_ERR_THROTTLED)
        reply_throttled(c, retry_after);
    else if (err == PD_ERR_UNAUTHORIZED)
        api_error(c, err, "The login or password is wrong.");
    else if (err == PD_ERR_FORBIDDEN)
        api_error(c, err, "This account has no role yet; ask an administrator.");
    else
        api_error(c, err, NULL);
}

void auth_refresh_handler(struct api_call *c)
{
    static const char *const fields[] = { "refresh_token", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *token = v_string(&v, c->j_body, "refresh_token", true, 1, 256);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    struct token_pair t;
    enum pd_err err = auth_refresh(c->db, token, &t);
    if (err == PD_OK)
        reply_tokens(c, &t);
    else
        api_error(c, err, err == PD_ERR_UNAUTHORIZED ? "The refresh token is invalid, expired or revoked." : NULL);
}

void auth_logout_handler(struct api_call *c)
{
    static const char *const fields[] = { "refresh_token", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    const char *token = v_string(&v, c->j_body, "refresh_token", true, 1, 256);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    enum pd_err err = auth_logout(c->db, token);
    if (err == PD_OK)
        api_no_content(c);
    else
        api_error(c, err, NULL);
}

void auth_token_handler(struct api_call *c)
{
    static const char *const fields[] = { "grant_type", "client_id", "client_secret", "scope", NULL };
    static const char *const grants[] = { "client_credentials", NULL };
    struct verr v;
    verr_init(&v);
    api_body_fields(c, &v, fields);
    v_enum(&v, c->j_body, "grant_type", true, grants);
    const char *client_id = v_string(&v, c->j_body, "client_id", true, 1, 64);
    const char *secret = v_string(&v, c->j_body, "client_secret", true, 1, 256);
    const char *scope = v_string(&v, c->j_body, "scope", false, 1, 500);
    if (!api_valid(c, &v) || !api_db(c))
        return;
    char address[64];
    struct token_pair t;
    int retry_after = 0;
    enum pd_err err = auth_client_credentials(c->db, client_id, secret, scope,
                                              api_client_address(c, address, sizeof address), &t, &retry_after);
    if (err == PD_OK) {
        reply_tokens(c, &t);
    } else if (err == PD_ERR_THROTTLED) {
        reply_throttled(c, retry_after);
    } else if (err == PD_ERR_INVALID) {
        api_field_error(c, "scope", "asks for a scope this client was not granted");
    } else {
        api_error(c, err, err == PD_ERR_UNAUTHORIZED ? "The client credentials are wrong." : NULL);
    }
}
