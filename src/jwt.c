/* JWT issue/verify over libjwt 1.10, with the checks libjwt does not make: the algorithm
 * is pinned before and after decoding, kid is matched, and every time claim is checked.
 * ES256 keys are parsed once at start-up (OpenSSL); verified signatures are cached. */
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "enums.h"
#include "jwt.h"
#include "validate.h"

static struct {
    jwt_alg_t alg;
    const char *alg_name;
    unsigned char *sign_key;     /* HS256 secret or ES256 private PEM */
    size_t sign_key_len;
    unsigned char *verify_key;   /* HS256 secret or ES256 public PEM */
    size_t verify_key_len;
    char kid[64];
    char *jwks;
    char iss[256];
    char aud[256];
} keys;

/* Direct-mapped cache of accepted tokens: BLAKE2b-256(token) → expiry and the principal it
 * decoded to. A hit skips decoding and the signature check (ES256 costs ~0.4 ms in
 * libjwt 1.10); expiry is still checked on every use. Principals are allocated on first
 * use of a slot, so memory follows the number of active tokens. */
#define CACHE_SLOTS 2048
#define CACHE_STRIPES 64
static struct cache_slot {
    unsigned char digest[32];
    time_t from, exp;  /* accepted while from <= now < exp */
    struct principal *who;
} cache[CACHE_SLOTS];
static pthread_mutex_t cache_locks[CACHE_STRIPES] = { [0 ... CACHE_STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER };

static unsigned cache_index(const unsigned char d[32])
{
    return ((unsigned)d[0] | (unsigned)d[1] << 8) % CACHE_SLOTS;
}

static bool cache_get(const unsigned char d[32], time_t now, struct principal *out)
{
    unsigned i = cache_index(d);
    pthread_mutex_lock(&cache_locks[i % CACHE_STRIPES]);
    bool hit = cache[i].who != NULL && cache[i].exp > now && cache[i].from <= now &&
               memcmp(cache[i].digest, d, 32) == 0;
    if (hit) {
        /* the fixed head, then only the ids in use */
        const struct principal *w = cache[i].who;
        memcpy(out, w, offsetof(struct principal, communities));
        memcpy(out->communities, w->communities, (size_t)w->n_communities * sizeof w->communities[0]);
        out->n_units = w->n_units;
        memcpy(out->units, w->units, (size_t)w->n_units * sizeof w->units[0]);
        out->scopes = w->scopes;
    }
    pthread_mutex_unlock(&cache_locks[i % CACHE_STRIPES]);
    return hit;
}

static void cache_put(const unsigned char d[32], time_t from, time_t exp, const struct principal *who)
{
    unsigned i = cache_index(d);
    pthread_mutex_lock(&cache_locks[i % CACHE_STRIPES]);
    if (cache[i].who == NULL)
        cache[i].who = malloc(sizeof *cache[i].who);
    if (cache[i].who != NULL) {
        memcpy(cache[i].digest, d, 32);
        memcpy(cache[i].who, who, sizeof *who);
        cache[i].from = from;
        cache[i].exp = exp;
    }
    pthread_mutex_unlock(&cache_locks[i % CACHE_STRIPES]);
}

static void cache_clear(void)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(cache[i].who);
        memset(&cache[i], 0, sizeof cache[i]);
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *bn_b64(const BIGNUM *bn)
{
    unsigned char bin[32];
    if (BN_bn2binpad(bn, bin, sizeof bin) != (int)sizeof bin)
        return NULL;
    return b64url_encode(bin, sizeof bin);
}

/* Loads the ES256 private key, derives the public PEM, the JWK and its RFC 7638 kid. */
static int load_es256(const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *pem = read_file(path, &len);
    if (pem == NULL) {
        snprintf(err, errlen, "JWT_PRIVATE_KEY_FILE %s cannot be read", path);
        return -1;
    }
    BIO *in = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    BIO_free(in);
    BIGNUM *x = NULL, *y = NULL;
    char curve[32] = "";
    int rc = -1;
    char *bx = NULL, *by = NULL;
    BIO *out = NULL;
    if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, NULL) ||
        strcmp(curve, "prime256v1") != 0) {
        snprintf(err, errlen, "JWT_PRIVATE_KEY_FILE must hold a PEM EC P-256 private key");
        goto cleanup;
    }
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
        !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
        (bx = bn_b64(x)) == NULL || (by = bn_b64(y)) == NULL) {
        snprintf(err, errlen, "JWT_PRIVATE_KEY_FILE: cannot read the public point");
        goto cleanup;
    }
    out = BIO_new(BIO_s_mem());
    if (out == NULL || !PEM_write_bio_PUBKEY(out, pkey)) {
        snprintf(err, errlen, "JWT_PRIVATE_KEY_FILE: cannot derive the public key");
        goto cleanup;
    }
    char *pub;
    long publen = BIO_get_mem_data(out, &pub);
    keys.verify_key = malloc((size_t)publen + 1);
    if (keys.verify_key == NULL) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    memcpy(keys.verify_key, pub, (size_t)publen);
    keys.verify_key[publen] = '\0';
    keys.verify_key_len = (size_t)publen;
    keys.sign_key = (unsigned char *)pem;
    keys.sign_key_len = len;
    pem = NULL;

    char thumb_src[256];
    unsigned char thumb[32];
    snprintf(thumb_src, sizeof thumb_src, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", bx, by);
    sha256(thumb_src, strlen(thumb_src), thumb);
    char *kid = b64url_encode(thumb, sizeof thumb);
    snprintf(keys.kid, sizeof keys.kid, "%s", kid);
    free(kid);
    json_t *j_jwks = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "EC",
                               "crv", "P-256", "x", bx, "y", by, "kid", keys.kid, "alg", "ES256",
                               "use", "sig");
    keys.jwks = json_dumps(j_jwks, JSON_COMPACT);
    json_decref(j_jwks);
    rc = 0;
cleanup:
    free(pem);
    free(bx);
    free(by);
    BN_free(x);
    BN_free(y);
    BIO_free(out);
    EVP_PKEY_free(pkey);
    return rc;
}

int jwt_init(const struct pd_config *cfg, char *err, size_t errlen)
{
    snprintf(keys.iss, sizeof keys.iss, "%s", cfg->jwt_issuer);
    snprintf(keys.aud, sizeof keys.aud, "%s", cfg->jwt_audience);
    if (cfg->jwt_private_key_file[0] != '\0') {
        keys.alg = JWT_ALG_ES256;
        keys.alg_name = "ES256";
        return load_es256(cfg->jwt_private_key_file, err, errlen);
    }
    keys.alg = JWT_ALG_HS256;
    keys.alg_name = "HS256";
    keys.sign_key = (unsigned char *)strdup(cfg->jwt_secret);
    keys.sign_key_len = cfg->jwt_secret_len;
    keys.verify_key = keys.sign_key;
    keys.verify_key_len = keys.sign_key_len;
    keys.jwks = strdup("{\"keys\":[]}");
    return keys.sign_key != NULL && keys.jwks != NULL ? 0 : -1;
}

void jwt_shutdown(void)
{
    if (keys.verify_key != keys.sign_key)
        free(keys.verify_key);
    free(keys.sign_key);
    free(keys.jwks);
    memset(&keys, 0, sizeof keys);
    cache_clear();  /* tokens accepted under the old key mean nothing now */
}

const char *jwt_jwks(void) { return keys.jwks; }

void jwt_secret_material(const unsigned char **data, size_t *len)
{
    *data = keys.sign_key;
    *len = keys.sign_key_len;
}

static json_t *id_array(int n, const char ids[][PD_UUID_LEN + 1])
{
    json_t *j = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(j, json_string(ids[i]));
    return j;
}

enum pd_err jwt_issue(const struct principal *p, int ttl, char **token)
{
    time_t now = time(NULL);
    char jti[33];
    random_hex16(jti);
    json_t *j_claims = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
                                 "iss", keys.iss, "aud", keys.aud, "sub", p->sub, "org", p->org,
                                 "role", role_name(p->role), "jti", jti, "iat", (json_int_t)now,
                                 "nbf", (json_int_t)now, "exp", (json_int_t)(now + ttl));
    if (j_claims == NULL)
        return PD_ERR_NOMEM;
    if (p->sid[0] != '\0')
        json_object_set_new(j_claims, "sid", json_string(p->sid));
    if (p->role == ROLE_INTEGRATION) {
        char scope[256] = "";
        size_t off = 0;
        for (const char *const *s = enum_codes("scope"); *s != NULL; s++)
            if (p->scopes & scope_parse(*s))
                off += (size_t)snprintf(scope + off, sizeof scope - off, "%s%s", off ? " " : "", *s);
        json_object_set_new(j_claims, "scope", json_string(scope));
    } else if (p->role == ROLE_OWNER) {
        json_object_set_new(j_claims, "units", id_array(p->n_units, p->units));
        json_object_set_new(j_claims, "communities", id_array(p->n_communities, p->communities));
    } else {
        json_object_set_new(j_claims, "org_wide", json_boolean(p->org_wide));
        json_object_set_new(j_claims, "communities", id_array(p->n_communities, p->communities));
    }
    char *grants = json_dumps(j_claims, JSON_COMPACT);
    json_decref(j_claims);
    jwt_t *jwt = NULL;
    enum pd_err err = PD_ERR_NOMEM;
    if (grants == NULL || jwt_new(&jwt) != 0)
        goto cleanup;
    if (jwt_add_grants_json(jwt, grants) != 0 ||
        jwt_set_alg(jwt, keys.alg, keys.sign_key, (int)keys.sign_key_len) != 0 ||
        (keys.alg == JWT_ALG_ES256 && jwt_add_header(jwt, "kid", keys.kid) != 0))
        goto cleanup;
    char *s = jwt_encode_str(jwt);
    if (s == NULL)
        goto cleanup;
    *token = s;  /* libjwt allocates with malloc; the caller frees */
    err = PD_OK;
cleanup:
    free(grants);
    jwt_free(jwt);
    return err;
}

static json_t *decode_part(const char *s, size_t len)
{
    size_t n;
    unsigned char *raw = b64url_decode(s, len, &n);
    if (raw == NULL)
        return NULL;
    json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static bool aud_matches(json_t *j_aud, const char *aud)
{
    if (json_is_string(j_aud))
        return strcmp(json_string_value(j_aud), aud) == 0;
    size_t i;
    json_t *j_v;
    json_array_foreach(j_aud, i, j_v) {
        if (json_is_string(j_v) && strcmp(json_string_value(j_v), aud) == 0)
            return true;
    }
    return false;
}

static bool copy_ids(json_t *j_arr, int *n, char ids[][PD_UUID_LEN + 1])
{
    *n = 0;
    if (j_arr == NULL)
        return true;
    if (!json_is_array(j_arr) || json_array_size(j_arr) > PD_MAX_SCOPE_IDS)
        return false;
    size_t i;
    json_t *j_v;
    json_array_foreach(j_arr, i, j_v) {
        if (!json_is_string(j_v) || !uuid_valid(json_string_value(j_v)))
            return false;
        memcpy(ids[*n], json_string_value(j_v), PD_UUID_LEN + 1);
        (*n)++;
    }
    return true;
}

enum pd_err jwt_claims_check(json_t *j_payload, time_t now, const char *iss, const char *aud,
                             struct principal *out)
{
    json_t *j_exp = json_object_get(j_payload, "exp");
    json_t *j_nbf = json_object_get(j_payload, "nbf");
    json_t *j_iat = json_object_get(j_payload, "iat");
    json_t *j_iss = json_object_get(j_payload, "iss");
    json_t *j_aud = json_object_get(j_payload, "aud");
    const char *sub = json_string_value(json_object_get(j_payload, "sub"));
    const char *org = json_string_value(json_object_get(j_payload, "org"));
    enum pd_role role = role_parse(json_string_value(json_object_get(j_payload, "role")));

    if (!json_is_integer(j_exp) || json_integer_value(j_exp) <= now)
        return PD_ERR_UNAUTHORIZED;
    if (j_nbf != NULL && (!json_is_integer(j_nbf) || json_integer_value(j_nbf) > now + JWT_LEEWAY))
        return PD_ERR_UNAUTHORIZED;
    if (!json_is_integer(j_iat) || json_integer_value(j_iat) > now + JWT_LEEWAY)
        return PD_ERR_UNAUTHORIZED;
    if (!json_is_string(j_iss) || strcmp(json_string_value(j_iss), iss) != 0)
        return PD_ERR_UNAUTHORIZED;
    if (j_aud == NULL || !aud_matches(j_aud, aud))
        return PD_ERR_UNAUTHORIZED;
    if (!uuid_valid(sub) || !uuid_valid(org) || role == ROLE_NONE)
        return PD_ERR_UNAUTHORIZED;

    /* the id arrays are large: clear everything but them (their counts say what is valid) */
    memset(out, 0, offsetof(struct principal, communities));
    out->n_units = 0;
    out->scopes = 0;
    memcpy(out->sub, sub, PD_UUID_LEN + 1);
    memcpy(out->org, org, PD_UUID_LEN + 1);
    out->role = role;
    out->expires_at = (long long)json_integer_value(j_exp);
    out->org_wide = json_is_true(json_object_get(j_payload, "org_wide"));
    json_t *j_sid = json_object_get(j_payload, "sid");
    if (j_sid != NULL) {
        if (!json_is_string(j_sid) || !uuid_valid(json_string_value(j_sid)))
            return PD_ERR_UNAUTHORIZED;
        memcpy(out->sid, json_string_value(j_sid), PD_UUID_LEN + 1);
    }
    if (!copy_ids(json_object_get(j_payload, "communities"), &out->n_communities, out->communities) ||
        !copy_ids(json_object_get(j_payload, "units"), &out->n_units, out->units))
        return PD_ERR_UNAUTHORIZED;
    if (role == ROLE_OWNER || role == ROLE_INTEGRATION)
        out->org_wide = false;
    if (role == ROLE_INTEGRATION) {
        const char *scope = json_string_value(json_object_get(j_payload, "scope"));
        char buf[256];
        if (scope == NULL || strlen(scope) >= sizeof buf)
            return PD_ERR_UNAUTHORIZED;
        strcpy(buf, scope);
        char *save = NULL;
        for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
            out->scopes |= scope_parse(tok);
    }
    return PD_OK;
}

enum pd_err jwt_claims_of(const char *token, json_t **out)
{
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    *out = dot2 ? decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1)) : NULL;
    return *out ? PD_OK : PD_ERR_UNAUTHORIZED;
}

enum pd_err jwt_claims_recheck(json_t *j_payload, time_t now, struct principal *out)
{
    return jwt_claims_check(j_payload, now, keys.iss, keys.aud, out);
}

enum pd_err jwt_verify(const char *token, time_t now, struct principal *out)
{
    size_t len = strlen(token);
    if (len == 0 || len > 8192)
        return PD_ERR_UNAUTHORIZED;
    unsigned char digest[32];
    digest256(token, len, digest);
    if (cache_get(digest, now, out))
        return PD_OK;

    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL || dot2[1] == '\0')
        return PD_ERR_UNAUTHORIZED;

    enum pd_err err = PD_ERR_UNAUTHORIZED;
    jwt_t *jwt = NULL;
    json_t *j_header = decode_part(token, (size_t)(dot1 - token));
    json_t *j_payload = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (j_header == NULL || j_payload == NULL)
        goto cleanup;

    /* pin the algorithm: a token may not choose how it is checked */
    const char *alg = json_string_value(json_object_get(j_header, "alg"));
    if (alg == NULL || strcmp(alg, keys.alg_name) != 0)
        goto cleanup;
    if (keys.alg == JWT_ALG_ES256) {
        const char *kid = json_string_value(json_object_get(j_header, "kid"));
        if (kid == NULL || strcmp(kid, keys.kid) != 0)
            goto cleanup;
    }
    if (jwt_decode(&jwt, token, keys.verify_key, (int)keys.verify_key_len) != 0 ||
        jwt_get_alg(jwt) != keys.alg)
        goto cleanup;
    err = jwt_claims_check(j_payload, now, keys.iss, keys.aud, out);
    if (err == PD_OK) {
        json_int_t iat = json_integer_value(json_object_get(j_payload, "iat"));
        json_int_t nbf = json_integer_value(json_object_get(j_payload, "nbf"));
        cache_put(digest, (time_t)((nbf > iat ? nbf : iat) - JWT_LEEWAY),
                  (time_t)json_integer_value(json_object_get(j_payload, "exp")), out);
    }
cleanup:
    jwt_free(jwt);
    json_decref(j_header);
    json_decref(j_payload);
    return err;
}
