/* Webhook delivery: WEBHOOK_WORKERS threads, each with a database connection of its own (a
 * send may wait WEBHOOK_TIMEOUT_MS; the request pool is not held meanwhile), claim
 * webhook_delivery jobs outside any transaction (src/jobq.h) and send each message once per
 * claim, Standard Webhooks style, through libcurl:
 *   - no redirects, http and https only, no proxy from the environment;
 *   - the address actually connected to is checked by netguard (SSRF), after DNS;
 *   - only a 2xx succeeds; 410 disables the subscription; Retry-After is honoured on 429 and
 *     503; otherwise the next attempt waits WEBHOOK_RETRY_SCHEDULE's next delay (± 10%);
 *   - on shutdown a send in progress finishes (the threads stop claiming).
 * Every attempt is recorded by pd_webhook_attempt (sql/migrations/0032_webhooks.sql). */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "jobq.h"
#include "log.h"
#include "netguard.h"
#include "webhook_delivery.h"
#include "whsign.h"

#define EXCERPT_BYTES 1024
#define MAX_THREADS 32

static atomic_bool stopping;

DB_STMT(message,
    "SELECT o.status, o.payload::text, s.url, s.secret, "
    "  CASE WHEN s.previous_expires_at > now() THEN s.previous_secret END, s.active, o.attempts + 1 "
    "FROM webhook_outbox o JOIN webhook_subscriptions s ON s.org_id = o.org_id AND s.id = o.subscription_id "
    "WHERE o.org_id = $1 AND o.id = $2");
DB_STMT(abandon,
    "UPDATE webhook_outbox SET status = 'failed', last_error = 'the subscription is disabled' "
    "WHERE org_id = $1 AND id = $2 AND status = 'pending'");
DB_STMT(record,
    "SELECT pd_webhook_attempt($1, $2, $3::integer, to_timestamp($4::double precision), $5::integer, "
    "  $6::integer, $7, $8, $9::bigint, $10::boolean, $11::integer * interval '1 hour')");

/* ---- one attempt over HTTP ------------------------------------------------------------- */

struct exchange {
    const char *host;                /* the URL's, for the allow-list's host names */
    bool blocked;                    /* the connection was refused by netguard */
    char excerpt[EXCERPT_BYTES + 1];
    size_t excerpt_len;
    long retry_after_s;              /* -1: none */
};

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
    struct exchange *x = cls;
    size_t len = size * n, room = EXCERPT_BYTES - x->excerpt_len;
    size_t k = len < room ? len : room;
    memcpy(x->excerpt + x->excerpt_len, data, k);
    x->excerpt_len += k;
    x->excerpt[x->excerpt_len] = '\0';
    return len;  /* the rest is read and dropped */
}

static size_t on_header(char *data, size_t size, size_t n, void *cls)
{
    struct exchange *x = cls;
    size_t len = size * n;
    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char buf[64];
        size_t k = len - 12 < sizeof buf - 1 ? len - 12 : sizeof buf - 1;
        memcpy(buf, data + 12, k);
        buf[k] = '\0';
        char *end;
        long v = strtol(buf, &end, 10);
        if (end != buf && v >= 0) {
            x->retry_after_s = v;
        } else {
            time_t at = curl_getdate(buf, NULL);  /* an HTTP-date */
            if (at > 0)
                x->retry_after_s = at > time(NULL) ? (long)(at - time(NULL)) : 0;
        }
    }
    return len;
}

void webhook_utf8_clean(char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c >= 0x01 && c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : (c & 0xf0) == 0xe0 ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        size_t k = 1;
        while (k < n && i + k < len && ((unsigned char)text[i + k] & 0xc0) == 0x80)
            k++;
        if (n > 1 && k < n && i + k == len) {
            len = i;  /* cut by the end */
            break;
        }
        /* surrogates (ED A0..BF) and overlong three-byte forms (E0 80..9F) are not UTF-8 */
        unsigned char c1 = n > 1 ? (unsigned char)text[i + 1] : 0;
        bool bad = n == 0 || k < n || (c == 0xed && c1 >= 0xa0) || (c == 0xe0 && c1 < 0xa0) ||
                   (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90);
        if (bad) {
            text[i++] = '?';
            continue;
        }
        i += n;
    }
    text[len] = '\0';
}

/* SSRF: the address curl is about to connect to, after resolution. */
static curl_socket_t on_open(void *cls, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct exchange *x = cls;
    if (purpose != CURLSOCKTYPE_IPCXN || !netguard_admits(&g_config.webhook_guard, x->host, &a->addr)) {
        x->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Posts body to url with the Standard Webhooks headers. *status: the HTTP status, 0 when
 * there was no answer (error says why). */
static void post(const char *url, const char *host, const char *id, long long ts, const char *signature,
                 const char *body, struct exchange *x, long *status, char *error, size_t errlen)
{
    *status = 0;
    x->host = host;
    x->retry_after_s = -1;
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    char line[512];
    if (h == NULL) {
        snprintf(error, errlen, "out of memory");
        return;
    }
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    snprintf(line, sizeof line, "webhook-id: %s", id);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "webhook-timestamp: %lld", ts);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "webhook-signature: %s", signature);
    hdr = curl_slist_append(hdr, line);
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)g_config.webhook_timeout_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "propdesk-webhooks/1");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    else if (x->blocked)
        snprintf(error, errlen, "the address is not allowed (private, loopback, link-local or metadata)");
    else
        snprintf(error, errlen, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
}

/* ---- the job -------------------------------------------------------------------------- */

/* The delay before attempt n + 1 (n >= 1), -1 when the schedule has run out. */
static long long next_delay_ms(int n, const struct exchange *x, long status)
{
    if (n > g_config.webhook_retries)
        return -1;
    long long d = g_config.webhook_retry_ms[n - 1];
    d += (long long)((double)d * 0.2 * ((double)randombytes_uniform(1001) / 1000.0 - 0.5));  /* ± 10% */
    if ((status == 429 || status == 503) && x->retry_after_s >= 0) {
        long long asked = (long long)x->retry_after_s * 1000;
        if (asked > d)
            d = asked < 86400000LL ? asked : 86400000LL;
    }
    return d > 0 ? d : 1;
}

static enum pd_err deliver(struct db_conn *db, struct jobq_job *job, char *err, size_t errlen)
{
    const char *id = json_string_value(json_object_get(job->payload, "outbox_id"));
    if (job->org == NULL || id == NULL) {
        snprintf(err, errlen, "webhook_delivery: payload needs outbox_id");
        return PD_ERR_INVALID;
    }
    const char *p[] = { job->org, id };
    PGresult *m = NULL;
    enum pd_err e = db_exec(db, &message, 2, p, &m);
    if (e != PD_OK) {
        snprintf(err, errlen, "%s", db_last_message(db));
        return e;
    }
    if (PQntuples(m) == 0 || strcmp(db_value(m, 0, 0), "pending") != 0) {
        PQclear(m);  /* deleted, or already delivered or failed: nothing to send */
        return PD_OK;
    }
    if (db_value(m, 0, 5)[0] != 't') {
        PQclear(m);
        return db_exec(db, &abandon, 2, p, NULL);
    }
    const char *body = db_value(m, 0, 1), *url = db_value(m, 0, 2);
    const char *secret = db_value(m, 0, 3), *previous = PQgetisnull(m, 0, 4) ? NULL : db_value(m, 0, 4);
    char attempt[16];
    snprintf(attempt, sizeof attempt, "%s", db_value(m, 0, 6));

    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    long long ts = (long long)t0.tv_sec;
    char signature[2 * WHSIGN_SIGNATURE_LEN + 2] = "", other[WHSIGN_SIGNATURE_LEN];
    char error[300] = "", host[256] = "", port[8];
    struct exchange x = { 0 };
    long status = 0;
    if (whsign_sign(secret, id, ts, body, strlen(body), signature, WHSIGN_SIGNATURE_LEN) != PD_OK) {
        snprintf(error, sizeof error, "the subscription's secret is unusable");
    } else {
        if (previous && whsign_sign(previous, id, ts, body, strlen(body), other, sizeof other) == PD_OK)
            snprintf(signature + strlen(signature), sizeof signature - strlen(signature), " %s", other);
        if (netguard_url_host(url, host, sizeof host, port, sizeof port) != PD_OK)
            snprintf(error, sizeof error, "the URL cannot be parsed");
        else
            post(url, host, id, ts, signature, body, &x, &status, error, sizeof error);
    }
    clock_gettime(CLOCK_REALTIME, &t1);
    PQclear(m);
    webhook_utf8_clean(x.excerpt, x.excerpt_len);

    long long delay = status >= 200 && status <= 299 ? 0 : next_delay_ms(atoi(attempt), &x, status);
    char started[32], ms[16], code[16], retry[24], hours[16];
    snprintf(started, sizeof started, "%lld.%06ld", (long long)t0.tv_sec, t0.tv_nsec / 1000);
    snprintf(ms, sizeof ms, "%lld", (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    snprintf(code, sizeof code, "%ld", status);
    snprintf(retry, sizeof retry, "%lld", delay);
    snprintf(hours, sizeof hours, "%d", g_config.webhook_disable_after_hours);
    if (status != 0 && (status < 200 || status > 299))
        snprintf(error, sizeof error, "the endpoint answered %ld", status);
    const char *rp[] = { job->org, id, attempt, started, ms, status ? code : NULL, error[0] ? error : NULL,
                         x.excerpt_len ? x.excerpt : NULL, delay >= 0 ? retry : NULL, status == 410 ? "true" : "false",
                         hours };
    PGresult *r = NULL;
    for (int tries = 0; (e = db_exec(db, &record, 11, rp, &r)) != PD_OK && tries < 3; tries++)
        usleep(200000);  /* the send happened: record it rather than send again */
    if (e != PD_OK) {
        snprintf(err, errlen, "recording the attempt failed: %s", db_last_message(db));
        job->retry_in_ms = 5000;
        return e;
    }
    bool retrying = strcmp(db_value(r, 0, 0), "retry") == 0;
    PQclear(r);
    if (!retrying)
        return PD_OK;  /* delivered, failed for good, or disabled: the job is done */
    snprintf(err, errlen, "%s", error);
    job->retry_in_ms = delay;
    return PD_ERR_UNAVAILABLE;
}

/* ---- the threads ------------------------------------------------------------------------- */

static const struct jobq_kind kinds[] = { { "webhook_delivery", deliver, true } };
static pthread_t threads[MAX_THREADS];
static int n_threads;

static void *run(void *arg)
{
    char worker[128], hostname[64] = "";
    gethostname(hostname, sizeof hostname - 1);
    snprintf(worker, sizeof worker, "%s:%d:webhooks-%ld", hostname, (int)getpid(), (long)(intptr_t)arg);
    struct db_conn *db = NULL;
    long lease_ms = g_config.webhook_timeout_ms + 5000L;
    while (!atomic_load(&stopping)) {
        if (db == NULL && db_connect_once(g_config.database_url, &db) != PD_OK)
            db = NULL;
        int ran = db ? jobq_run(db, worker, kinds, 1, 1, lease_ms) : -1;
        if (ran < 0 && db) {
            db_disconnect(db);  /* reconnect on the next round */
            db = NULL;
        }
        /* nothing due: look again in a moment (a due job waits at most this long) */
        for (int waited = 0; ran <= 0 && waited < 500 && !atomic_load(&stopping); waited += 50)
            usleep(50000);
    }
    if (db)
        db_disconnect(db);
    return NULL;
}

int webhook_delivery_start(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    atomic_store(&stopping, false);
    int want = g_config.webhook_workers < MAX_THREADS ? g_config.webhook_workers : MAX_THREADS;
    for (n_threads = 0; n_threads < want; n_threads++)
        if (pthread_create(&threads[n_threads], NULL, run, (void *)(intptr_t)n_threads) != 0)
            return -1;
    return 0;
}

void webhook_delivery_stop(void)
{
    atomic_store(&stopping, true);
    for (int i = 0; i < n_threads; i++)
        pthread_join(threads[i], NULL);
    n_threads = 0;
    curl_global_cleanup();
}
