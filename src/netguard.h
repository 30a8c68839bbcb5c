/* SSRF guard for outgoing webhook deliveries: which addresses a webhook may never reach, an
 * operator's allow-list of exceptions, and a check of a webhook URL before it is stored.
 * Pure apart from getaddrinfo in netguard_check_url; knows nothing of curl or HTTP. */
#ifndef PD_NETGUARD_H
#define PD_NETGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "pd.h"

#define NETGUARD_MAX_ENTRIES 32
#define NETGUARD_HOST_LEN 254          /* a host name of up to 253 characters + NUL */

/* One allow-list item: a host name (host[0] != '\0'), else a CIDR block. */
struct netguard_entry {
    char host[NETGUARD_HOST_LEN];      /* lower case, no trailing dot */
    int family;                        /* AF_INET or AF_INET6, for a block */
    unsigned char net[16];             /* network address, 4 or 16 bytes in network order */
    unsigned prefix;                   /* 0..32 or 0..128 */
};

/* A parsed allow-list. Fixed size, nothing allocated: copy it, share it read-only across
 * threads, and drop it without a free. */
struct netguard {
    size_t n;
    struct netguard_entry entries[NETGUARD_MAX_ENTRIES];
};

/* Parses a comma-separated allow-list; whitespace around items is ignored. An item is a host
 * name (letters, digits, '-', '_', dot-separated labels, matched exactly but case-insensitively),
 * an IPv4 block "a.b.c.d/n" or an IPv6 block "x::y/n", a bare address being a /32 or /128.
 * A block with bits set past its prefix ("10.0.0.1/8") is refused as a likely typo. A NULL or
 * blank list allows nothing. Returns PD_ERR_INVALID on an empty or malformed item or more than
 * NETGUARD_MAX_ENTRIES items; *out then allows nothing, so an ignored error fails closed. */
enum pd_err netguard_parse(const char *list, struct netguard *out);

/* True for an address a webhook must never reach: this network, private, shared (CGNAT),
 * loopback, link-local (cloud metadata), IETF protocol, documentation, benchmarking,
 * multicast and reserved IPv4; unspecified, loopback, unique-local, link-local, multicast,
 * documentation and discard-only IPv6. IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96)
 * and NAT64 (64:ff9b::/96) addresses are judged by the IPv4 address they carry. Also true
 * for NULL and for any family but AF_INET and AF_INET6. */
bool netguard_blocked_addr(const struct sockaddr *sa);

/* True when a connection to sa may go ahead: sa is not blocked, or host (the URL's host name;
 * NULL: none) is an allowed host name, or sa (or the IPv4 address it carries) lies in an
 * allowed block. g NULL allows nothing beyond the unblocked addresses. This is the test to run
 * on the address actually connected to, after resolution. */
bool netguard_admits(const struct netguard *g, const char *host, const struct sockaddr *sa);

/* True when sa (or the IPv4 address it carries) lies in one of g's blocks (host names are
 * not looked at): TRUSTED_PROXIES uses a netguard list this way. */
bool netguard_listed(const struct netguard *g, const struct sockaddr *sa);

/* Splits an absolute URL "http[s]://host[:port][/path][?query]" without resolving anything.
 * The scheme is http or https in any case; the host is a host name, a dotted-quad IPv4
 * address, or an IPv6 address in brackets (written to host without them); the port, when
 * present, is 1..65535 and written in plain decimal (port is "" when absent). Refused with
 * PD_ERR_INVALID: other schemes, userinfo ("user:pass@"), a fragment, whitespace or control
 * characters, numeric hosts that are not dotted quads ("2130706433", "127.1", "0x7f.0.0.1"),
 * and hosts or ports that do not fit hostlen or portlen. */
enum pd_err netguard_url_host(const char *url, char *host, size_t hostlen, char *port, size_t portlen);

/* Checks a webhook URL: it must split as netguard_url_host says, its host must resolve
 * (getaddrinfo, any family), and every address it resolves to must be admitted by g. Returns
 * PD_OK (why set to ""), PD_ERR_INVALID with a short English sentence for the client in why
 * (may be NULL; truncated to whylen), or PD_ERR_NOMEM. A temporary DNS failure is also
 * PD_ERR_INVALID ("the host cannot be resolved"). Blocks while resolving. Passing this check
 * does not make a later connection safe (DNS can change): deliveries must still test the
 * connect address with netguard_admits. */
enum pd_err netguard_check_url(const struct netguard *g, const char *url, char *why, size_t whylen);

#endif
