/* SSRF guard for webhook deliveries: the blocked ranges as two tables, the allow-list parser,
 * the URL splitter and the registration-time URL check. It never connects anywhere; the
 * delivery code asks netguard_admits about the address it is about to connect to. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "netguard.h"

/* An address range: the network in network byte order (4 or 16 bytes used) and its prefix. */
struct range {
    unsigned char net[16];
    unsigned prefix;
};

/* IANA special-purpose IPv4 ranges a webhook must never reach. */
static const struct range blocked_v4[] = {
    { { 0, 0, 0, 0 }, 8 },          /* "this network" */
    { { 10, 0, 0, 0 }, 8 },         /* private */
    { { 100, 64, 0, 0 }, 10 },      /* shared address space (carrier-grade NAT) */
    { { 127, 0, 0, 0 }, 8 },        /* loopback */
    { { 169, 254, 0, 0 }, 16 },     /* link-local, cloud metadata 169.254.169.254 */
    { { 172, 16, 0, 0 }, 12 },      /* private */
    { { 192, 0, 0, 0 }, 24 },       /* IETF protocol assignments */
    { { 192, 0, 2, 0 }, 24 },       /* documentation TEST-NET-1 */
    { { 192, 168, 0, 0 }, 16 },     /* private */
    { { 198, 18, 0, 0 }, 15 },      /* benchmarking */
    { { 198, 51, 100, 0 }, 24 },    /* documentation TEST-NET-2 */
    { { 203, 0, 113, 0 }, 24 },     /* documentation TEST-NET-3 */
    { { 224, 0, 0, 0 }, 4 },        /* multicast */
    { { 240, 0, 0, 0 }, 4 },        /* reserved, and broadcast 255.255.255.255 */
};

/* The same for IPv6; addresses that carry an IPv4 address are judged by it (embedded_v4). */
static const struct range blocked_v6[] = {
    { { 0 }, 128 },                             /* unspecified :: */
    { { [15] = 1 }, 128 },                      /* loopback ::1 */
    { { 0xfc }, 7 },                            /* unique local, e.g. AWS fd00:ec2::254 */
    { { 0xfe, 0x80 }, 10 },                     /* link-local */
    { { 0xff }, 8 },                            /* multicast */
    { { 0x20, 0x01, 0x0d, 0xb8 }, 32 },         /* documentation */
    { { 0x01, 0x00 }, 64 },                     /* discard-only */
    { { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48 }, /* local-use NAT64 (RFC 8215) */
    { { 0xfe, 0xc0 }, 10 },                     /* site-local (deprecated) */
};

/* True when the first `prefix` bits of addr and net agree. */
static bool in_range(const unsigned char *addr, const unsigned char *net, unsigned prefix)
{
    unsigned whole = prefix / 8, rest = prefix % 8;
    if (memcmp(addr, net, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (addr[whole] & mask) == (net[whole] & mask);
}

static bool in_table(const struct range *t, size_t n, const unsigned char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (in_range(addr, t[i].net, t[i].prefix))
            return true;
    return false;
}

/* The IPv4 address carried in the last 4 bytes of an IPv4-mapped (::ffff:0:0/96),
 * IPv4-compatible (::/96) or NAT64 (64:ff9b::/96) address; NULL for any other. */
static const unsigned char *embedded_v4(const unsigned char a[16])
{
    static const unsigned char mapped[12] = { [10] = 0xFF, [11] = 0xFF };
    static const unsigned char compat[12] = { 0 };
    static const unsigned char nat64[12] = { 0x00, 0x64, 0xFF, 0x9B };
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, compat, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return a + 12;
    return NULL;
}

/* The family of sa with *bytes pointing at its address; AF_UNSPEC for NULL or another family. */
static int sockaddr_bytes(const struct sockaddr *sa, const unsigned char **bytes)
{
    if (sa != NULL && sa->sa_family == AF_INET) {
        *bytes = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        return AF_INET;
    }
    if (sa != NULL && sa->sa_family == AF_INET6) {
        *bytes = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        return AF_INET6;
    }
    return AF_UNSPEC;
}

bool netguard_blocked_addr(const struct sockaddr *sa)
{
    const unsigned char *a = NULL;
    switch (sockaddr_bytes(sa, &a)) {
    case AF_INET:
        return in_table(blocked_v4, sizeof blocked_v4 / sizeof *blocked_v4, a);
    case AF_INET6: {
        if (in_table(blocked_v6, sizeof blocked_v6 / sizeof *blocked_v6, a))
            return true;
        const unsigned char *v4 = embedded_v4(a);
        return v4 != NULL && in_table(blocked_v4, sizeof blocked_v4 / sizeof *blocked_v4, v4);
    }
    default:
        return true;
    }
}

/* ---- the allow-list ------------------------------------------------------------------- */

/* True for a label that reads as a number: all digits, or 0x followed by hex digits. */
static bool numeric_label(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < n; i++)
            if (!isxdigit((unsigned char)s[i]))
                return false;
        return true;
    }
    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return n > 0;
}

/* True when s[0..len) is a host name: dot-separated labels of 1..63 letters, digits, '-' or
 * '_' that neither start nor end with '-', at most 253 characters plus an optional trailing
 * dot, and a last label that does not read as a number (resolvers would take the whole name
 * for a numeric address: "127.1", "0x7f.1"). */
static bool valid_hostname(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            size_t n = i - start;
            if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-')
                return false;
            if (i == len)
                return !numeric_label(s + start, n);
            start = i + 1;
        } else if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_') {
            return false;
        }
    }
    return false;   /* not reached */
}

/* Parses "addr" or "addr/prefix" (IPv6 when it holds a ':') into e. False when malformed,
 * when the prefix is out of range, or when bits past the prefix are set. */
static bool parse_block(const char *s, size_t len, struct netguard_entry *e)
{
    char buf[64];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    e->family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
    unsigned bits = e->family == AF_INET6 ? 128 : 32;
    e->prefix = bits;
    char *slash = strchr(buf, '/');
    if (slash != NULL) {
        const char *p = slash + 1;
        size_t n = strlen(p);
        if (n == 0 || n > 3 || strspn(p, "0123456789") != n)
            return false;
        e->prefix = (unsigned)atoi(p);
        if (e->prefix > bits)
            return false;
        *slash = '\0';
    }
    if (inet_pton(e->family, buf, e->net) != 1)
        return false;
    for (unsigned i = 0; i < bits / 8; i++) {
        unsigned keep = e->prefix >= 8 * (i + 1) ? 8 : e->prefix > 8 * i ? e->prefix - 8 * i : 0;
        unsigned char mask = (unsigned char)(0xFF << (8 - keep));
        if ((e->net[i] & (unsigned char)~mask) != 0)
            return false;
    }
    return true;
}

/* Parses one trimmed, non-empty allow-list item into e. */
static bool parse_item(const char *s, size_t len, struct netguard_entry *e)
{
    memset(e, 0, sizeof *e);
    if (parse_block(s, len, e))
        return true;
    memset(e, 0, sizeof *e);
    if (memchr(s, '/', len) != NULL || memchr(s, ':', len) != NULL || !valid_hostname(s, len))
        return false;
    if (s[len - 1] == '.')
        len--;
    for (size_t i = 0; i < len; i++)
        e->host[i] = (char)tolower((unsigned char)s[i]);
    return true;
}

enum pd_err netguard_parse(const char *list, struct netguard *out)
{
    memset(out, 0, sizeof *out);
    if (list == NULL || list[strspn(list, " \t\r\n")] == '\0')
        return PD_OK;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        if (len == 0 || out->n == NETGUARD_MAX_ENTRIES || !parse_item(p, len, &out->entries[out->n])) {
            memset(out, 0, sizeof *out);
            return PD_ERR_INVALID;
        }
        out->n++;
        if (comma == NULL)
            return PD_OK;
        p = comma + 1;
    }
}

/* True when host (a trailing dot ignored) is one of g's host names, whatever the case. */
static bool host_allowed(const struct netguard *g, const char *host)
{
    size_t len = strlen(host);
    if (len > 0 && host[len - 1] == '.')
        len--;
    for (size_t i = 0; i < g->n; i++) {
        const char *h = g->entries[i].host;
        if (h[0] != '\0' && strlen(h) == len && strncasecmp(h, host, len) == 0)
            return true;
    }
    return false;
}

static bool in_allowed_block(const struct netguard *g, int family, const unsigned char *addr)
{
    for (size_t i = 0; i < g->n; i++) {
        const struct netguard_entry *e = &g->entries[i];
        if (e->host[0] == '\0' && e->family == family && in_range(addr, e->net, e->prefix))
            return true;
    }
    return false;
}

bool netguard_admits(const struct netguard *g, const char *host, const struct sockaddr *sa)
{
    const unsigned char *a = NULL;
    int family = sockaddr_bytes(sa, &a);
    if (family == AF_UNSPEC)
        return false;
    if (!netguard_blocked_addr(sa))
        return true;
    if (g == NULL)
        return false;
    if (host != NULL && host_allowed(g, host))
        return true;
    if (in_allowed_block(g, family, a))
        return true;
    const unsigned char *v4 = family == AF_INET6 ? embedded_v4(a) : NULL;
    return v4 != NULL && in_allowed_block(g, AF_INET, v4);
}

bool netguard_listed(const struct netguard *g, const struct sockaddr *sa)
{
    const unsigned char *a = NULL;
    int family = sockaddr_bytes(sa, &a);
    if (family == AF_UNSPEC || g == NULL)
        return false;
    if (in_allowed_block(g, family, a))
        return true;
    const unsigned char *v4 = family == AF_INET6 ? embedded_v4(a) : NULL;
    return v4 != NULL && in_allowed_block(g, AF_INET, v4);
}

/* ---- URLs ----------------------------------------------------------------------------- */

/* netguard_url_host, answering NULL on success or why the URL is refused. */
static const char *url_split(const char *url, char *host, size_t hostlen, char *port, size_t portlen)
{
    if (url == NULL || url[0] == '\0')
        return "the URL is empty";
    for (const char *c = url; *c != '\0'; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7F)
            return "the URL contains spaces or control characters";
    if (strchr(url, '#') != NULL)
        return "the URL must not contain a fragment";

    size_t scheme = strcspn(url, ":/?");
    if (url[scheme] != ':' || !((scheme == 4 && strncasecmp(url, "http", 4) == 0) ||
                                (scheme == 5 && strncasecmp(url, "https", 5) == 0)))
        return "only http and https URLs are accepted";
    if (strncmp(url + scheme, "://", 3) != 0)
        return "the URL has no host";

    const char *auth = url + scheme + 3;
    const char *end = auth + strcspn(auth, "/?");   /* the authority is [auth, end) */
    if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
        return "credentials in the URL are not accepted";
    if (auth == end)
        return "the URL has no host";

    const char *h = auth, *after;                  /* the host is [h, after) */
    char buf[256];
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (size_t)(end - auth));
        if (close == NULL)
            return "the host is not a valid host name or address";
        h = auth + 1;
        after = close + 1;
        size_t n = (size_t)(close - h);
        if (n >= 64)
            return "the host is not a valid host name or address";
        memcpy(buf, h, n);
        buf[n] = '\0';
        unsigned char a6[16];
        if (inet_pton(AF_INET6, buf, a6) != 1)
            return "the host is not a valid host name or address";
    } else {
        const char *colon = memchr(auth, ':', (size_t)(end - auth));
        after = colon != NULL ? colon : end;
        size_t n = (size_t)(after - h);
        if (n == 0)
            return "the URL has no host";
        if (n >= sizeof buf)
            return "the host name is too long";
        memcpy(buf, h, n);
        buf[n] = '\0';
        unsigned char a4[4];
        if (inet_pton(AF_INET, buf, a4) != 1 && !valid_hostname(buf, n))
            return "the host is not a valid host name or address";
    }

    unsigned long portnum = 0;
    if (after != end) {
        size_t n = (size_t)(end - after - 1);
        if (*after != ':')
            return "the host is not a valid host name or address";
        if (n == 0 || n > 5 || strspn(after + 1, "0123456789") < n)
            return "the port must be a number from 1 to 65535";
        portnum = strtoul(after + 1, NULL, 10);
        if (portnum < 1 || portnum > 65535)
            return "the port must be a number from 1 to 65535";
    }

    size_t n = strlen(buf);
    if (n >= hostlen)
        return "the host name is too long";
    memcpy(host, buf, n + 1);
    int w = portnum == 0 ? snprintf(port, portlen, "%s", "")
                         : snprintf(port, portlen, "%lu", portnum);
    if (w < 0 || (size_t)w >= portlen)
        return "the port does not fit";
    return NULL;
}

enum pd_err netguard_url_host(const char *url, char *host, size_t hostlen, char *port, size_t portlen)
{
    return url_split(url, host, hostlen, port, portlen) == NULL ? PD_OK : PD_ERR_INVALID;
}

static void say(char *why, size_t whylen, const char *text)
{
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "%s", text);
}

enum pd_err netguard_check_url(const struct netguard *g, const char *url, char *why, size_t whylen)
{
    char host[256], port[6];
    const char *reason = url_split(url, host, sizeof host, port, sizeof port);
    if (reason != NULL) {
        say(why, whylen, reason);
        return PD_ERR_INVALID;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc == EAI_MEMORY) {
        say(why, whylen, "out of memory");
        return PD_ERR_NOMEM;
    }
    if (rc != 0 || res == NULL) {
        if (res != NULL)
            freeaddrinfo(res);
        say(why, whylen, "the host cannot be resolved");
        return PD_ERR_INVALID;
    }
    bool admitted = true;
    for (const struct addrinfo *ai = res; ai != NULL && admitted; ai = ai->ai_next)
        admitted = netguard_admits(g, host, ai->ai_addr);
    freeaddrinfo(res);
    if (!admitted) {
        say(why, whylen, "the host resolves to a private address");
        return PD_ERR_INVALID;
    }
    say(why, whylen, "");
    return PD_OK;
}
