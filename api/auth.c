/* The /v1/auth endpoints: login, refresh, logout and the OAuth2 client-credentials token endpoint. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* An RFC 6749 §5.2 error ({"error", "error_description"}, application/json), which also
 * carries the problem members every other error has. invalid_client is a 401 with a Basic
 * challenge (§5.2: the client may authenticate with HTTP Basic). */
static void oauth_error(struct api_call *c, int status, const char *error, const char *description,
                        json_t *j_errors)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "error", error, "error_description", description,
                          "type", "about:blank", "title",
                          status == 401 ? "Unauthorized" : status == 429 ? "Too Many Requests" : "Bad Request",
                          "status", status, "detail", description, "instance", c->request_id);
    if (j_errors != NULL)  /* every invalid field named, as everywhere */
        json_object_set(j, "errors", j_errors);
    /* error_description stays English (RFC 6749 wants ASCII); title and detail may not */
    api_problem_finish(c, j, status == 429 ? "throttled" : status == 401 ? "unauthorized" : "validation");
    api_json(c, status, j);
    if (status == 401)
        api_header_set(c, "WWW-Authenticate", "Basic realm=\"propdesk\", charset=\"UTF-8\"");
    api_header_set(c, "Cache-Control", "no-store");
    api_header_set(c, "Pragma", "no-cache");
}

/* %XX and '+' of application/x-www-form-urlencoded, in place; false when malformed. */
static bool form_decode(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '+') {
            *w++ = ' ';
        } else if (*r == '%') {
            if (!isxdigit((unsigned char)r[1]) || !isxdigit((unsigned char)r[2]))
                return false;
            char hex[3] = { r[1], r[2], 0 };
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return true;
}

/* HTTP Basic client authentication (RFC 6749 §2.3.1): base64 of the form-encoded id, ':',
 * and the form-encoded secret. 1: found (id and secret set, in buf), 0: none, -1: malformed. */
static int basic_credentials(struct api_call *c, char *buf, size_t cap, const char **id, const char **secret)
{
    const char *h = api_header(c, "Authorization");
    if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
        return 0;
    const char *b64 = h + 6;
    while (*b64 == ' ')
        b64++;
    size_t len = 0;
    if (sodium_base642bin((unsigned char *)buf, cap - 1, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    buf[len] = '\0';
    char *colon = strchr(buf, ':');
    if (colon == NULL || strlen(buf) != len)
        return -1;
    *colon = '\0';
    if (strstr(buf, "%00") != NULL || strstr(colon + 1, "%00") != NULL)  /* no NUL once decoded */
        return -1;
    if (!form_decode(buf) || !form_decode(colon + 1) || buf[0] == '\0' || colon[1] == '\0' ||
        strlen(buf) > 64 || strlen(colon + 1) > 256 || !utf8_valid(buf, strlen(buf)) ||
        !utf8_valid(colon + 1, strlen(colon + 1)))
        return -1;
    *id = buf;
    *secret = colon + 1;
    return 1;
}

void auth_token_handler(struct api_call *c)
{
    static const char *const fields[] = { "grant_type", "client_id", "client_secret", "scope", NULL };
    char basic[512];
    const char *client_id = NULL, *secret = NULL;
    int via_basic = basic_credentials(c, basic, sizeof basic, &client_id, &secret);
    if (via_basic < 0) {
        oauth_error(c, 401, "invalid_client", "The Basic credentials cannot be read.", NULL);
        return;
    }
    struct verr v;
    verr_init(&v);
    /* RFC 6749 §3.2: unrecognized parameters are ignored, and one sent without a value is as
     * if it were not sent (unlike every other body of this API, which is closed) */
    for (int i = 0; fields[i] != NULL; i++) {
        json_t *j_v = json_object_get(c->j_body, fields[i]);
        if (json_is_string(j_v) && json_string_length(j_v) == 0)
            json_object_del(c->j_body, fields[i]);
    }
    const char *grant = v_string(&v, c->j_body, "grant_type", true, 1, 100);
    const char *body_id = v_string(&v, c->j_body, "client_id", false, 1, 64);
    const char *body_secret = v_string(&v, c->j_body, "client_secret", false, 1, 256);
    const char *scope = v_string(&v, c->j_body, "scope", false, 1, 500);
    if (verr_any(&v)) {
        oauth_error(c, 400, "invalid_request", "The request lacks grant_type, or has a parameter of the wrong type or too long.",
                    v.j_errors);
        verr_free(&v);
        return;
    }
    verr_free(&v);
    if (strcmp(grant, "client_credentials") != 0) {
        oauth_error(c, 400, "unsupported_grant_type", "Only the client_credentials grant is supported.", NULL);
        return;
    }
    /* one way of authenticating: a client_id beside Basic is fine if it is the same client */
    if (via_basic && (body_secret || (body_id && strcmp(body_id, client_id) != 0))) {
        oauth_error(c, 400, "invalid_request", "Authenticate the client one way: HTTP Basic or the body, not both.", NULL);
        return;
    }
    if (!via_basic) {
        client_id = body_id;
        secret = body_secret;
    }
    if (client_id == NULL || secret == NULL) {
        oauth_error(c, 401, "invalid_client", "Client authentication is required (HTTP Basic, or client_id and client_secret).", NULL);
        return;
    }
    if (!api_db(c))
        return;
    char address[64];
    struct token_pair t;
    int retry_after = 0;
    enum pd_err err = auth_client_credentials(c->db, client_id, secret, scope,
                                              api_client_address(c, address, sizeof address), &t, &retry_after);
    if (err == PD_OK) {
        reply_tokens(c, &t);
        api_header_set(c, "Pragma", "no-cache");
    } else if (err == PD_ERR_THROTTLED) {
        char s[16];
        snprintf(s, sizeof s, "%d", retry_after);
        oauth_error(c, 429, "temporarily_unavailable", "Too many failed attempts; retry later.", NULL);
        api_header_set(c, "Retry-After", s);
    } else if (err == PD_ERR_INVALID) {
        oauth_error(c, 400, "invalid_scope", "The scope asks for more than this client was granted.", NULL);
    } else if (err == PD_ERR_UNAUTHORIZED) {
        oauth_error(c, 401, "invalid_client", "The client credentials are wrong, or the client was revoked.", NULL);
    } else {
        api_error(c, err, NULL);
    }
}
