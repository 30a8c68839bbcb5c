/* Unit tests for src/netguard.c: allow-list parsing, every blocked range from both sides,
 * addresses that carry IPv4, allow-list exceptions, URL splitting, and the URL check on
 * literal addresses and localhost (resolved from /etc/hosts: no network needed, so no test of
 * an unresolvable name, which would wait on DNS). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include "../../src/netguard.h"
#include "suites.h"

/* A socket address for a literal IPv4 or IPv6 address; aborts the test when it is not one. */
static struct sockaddr_storage addr(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(443);
    } else {
        ck_assert_msg(inet_pton(AF_INET6, text, &in6->sin6_addr) == 1, "bad test address %s", text);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(443);
    }
    return ss;
}

static bool blocked(const char *text)
{
    struct sockaddr_storage ss = addr(text);
    return netguard_blocked_addr((const struct sockaddr *)&ss);
}

static bool admits(const struct netguard *g, const char *host, const char *text)
{
    struct sockaddr_storage ss = addr(text);
    return netguard_admits(g, host, (const struct sockaddr *)&ss);
}

/* ---- allow-list parsing ----------------------------------------------------------------- */

START_TEST(test_parse_good)
{
    struct netguard g;
    ck_assert_int_eq(netguard_parse(NULL, &g), PD_OK);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_int_eq(netguard_parse("", &g), PD_OK);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_int_eq(netguard_parse("  \t ", &g), PD_OK);
    ck_assert_uint_eq(g.n, 0);

    ck_assert_int_eq(netguard_parse(" Hooks.Example.COM ,10.1.0.0/16,\t127.0.0.1 , fd00::/8,::1,"
                                    "internal_svc.local., 0.0.0.0/0, ::/0", &g), PD_OK);
    ck_assert_uint_eq(g.n, 8);
    ck_assert_str_eq(g.entries[0].host, "hooks.example.com");        /* lower-cased */
    ck_assert_str_eq(g.entries[1].host, "");
    ck_assert_int_eq(g.entries[1].family, AF_INET);
    ck_assert_uint_eq(g.entries[1].prefix, 16);
    ck_assert_int_eq(g.entries[2].family, AF_INET);
    ck_assert_uint_eq(g.entries[2].prefix, 32);                     /* bare address */
    ck_assert_int_eq(g.entries[3].family, AF_INET6);
    ck_assert_uint_eq(g.entries[3].prefix, 8);
    ck_assert_int_eq(g.entries[4].family, AF_INET6);
    ck_assert_uint_eq(g.entries[4].prefix, 128);
    ck_assert_str_eq(g.entries[5].host, "internal_svc.local");       /* trailing dot dropped */
    ck_assert_uint_eq(g.entries[6].prefix, 0);
    ck_assert_uint_eq(g.entries[7].prefix, 0);

    /* exactly NETGUARD_MAX_ENTRIES items fit */
    char list[NETGUARD_MAX_ENTRIES * 16] = "";
    for (int i = 0; i < NETGUARD_MAX_ENTRIES; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s10.0.%d.0/24", i ? "," : "", i);
    ck_assert_int_eq(netguard_parse(list, &g), PD_OK);
    ck_assert_uint_eq(g.n, NETGUARD_MAX_ENTRIES);
}
END_TEST

START_TEST(test_parse_bad)
{
    static const char *const bad[] = {
        "a.example,,b.example",     /* empty item */
        "a.example,",
        ",a.example",
        " , ",
        "10.0.0.0/33",              /* prefix out of range */
        "fd00::/129",
        "10.0.0.0/",                /* missing prefix */
        "/8",
        "10.0.0.0/8/8",
        "10.0.0.0/+8",
        "10.0.0.0/ 8",
        "10.0.0.0/0008",
        "10.0.0.1/8",               /* bits set past the prefix */
        "fd00::1/8",
        "10.0.0",                   /* numeric but not an address */
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "1.2.3.256",
        "010.0.0.1",
        "fe80::1%eth0",             /* zone */
        "fd00:::1",
        "hooks example.com",        /* not a host name */
        "-bad.example",
        "bad-.example",
        "a..example",
        ".example",
        "example.com..",
        "hooks.exämple.com",
        "http://hooks.example.com",
        "hooks.example.com:443",
        "*.example.com",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", /* 64 */
        NULL,
    };
    struct netguard g;
    for (int i = 0; bad[i] != NULL; i++) {
        g.n = 99;
        ck_assert_msg(netguard_parse(bad[i], &g) == PD_ERR_INVALID, "\"%s\" accepted", bad[i]);
        ck_assert_uint_eq(g.n, 0);                                  /* fails closed */
    }

    /* one item too many; a good list that follows a bad one leaves nothing allowed */
    char list[(NETGUARD_MAX_ENTRIES + 1) * 16] = "";
    for (int i = 0; i <= NETGUARD_MAX_ENTRIES; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s10.0.%d.0/24", i ? "," : "", i);
    ck_assert_int_eq(netguard_parse(list, &g), PD_ERR_INVALID);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_int_eq(netguard_parse("127.0.0.1, nope/1", &g), PD_ERR_INVALID);
    ck_assert(!admits(&g, NULL, "127.0.0.1"));

    /* a 63-character label and a 253-character name are fine, 254 is not */
    char name[300];
    memset(name, 'a', 63);
    strcpy(name + 63, ".example");
    ck_assert_int_eq(netguard_parse(name, &g), PD_OK);
    for (int i = 0; i < 253; i++)
        name[i] = i % 2 ? '.' : 'a';
    name[253] = '\0';
    ck_assert_int_eq(netguard_parse(name, &g), PD_OK);
    ck_assert_uint_eq(strlen(g.entries[0].host), 253);
    strcpy(name + 253, "a");
    ck_assert_int_eq(netguard_parse(name, &g), PD_ERR_INVALID);
}
END_TEST

/* ---- blocked addresses ------------------------------------------------------------------ */

/* For each range: its first and last address, and the addresses just outside it. */
static const struct {
    const char *first, *last, *below, *above;
} ranges[] = {
    { "0.0.0.0", "0.255.255.255", NULL, "1.0.0.0" },
    { "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0" },
    { "100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0" },
    { "127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0" },
    { "169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0" },
    { "172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0" },
    { "192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0" },
    { "192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0" },
    { "192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0" },
    { "198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0" },
    { "198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0" },
    { "203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0" },
    { "224.0.0.0", "239.255.255.255", "223.255.255.255", NULL },
    { "240.0.0.0", "255.255.255.255", NULL, NULL },
    { "::", "::", NULL, NULL },   /* neighbours carry IPv4 0.0.0.x: see test_blocked_embedded */
    { "::1", "::1", NULL, NULL },
    { "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::" },
    { "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NULL },
    { "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::" },
    { "100::", "100::ffff:ffff:ffff:ffff", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100:0:0:1::" },
};

START_TEST(test_blocked_ranges)
{
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        ck_assert_msg(blocked(ranges[i].first), "%s not blocked", ranges[i].first);
        ck_assert_msg(blocked(ranges[i].last), "%s not blocked", ranges[i].last);
        if (ranges[i].below != NULL)
            ck_assert_msg(!blocked(ranges[i].below), "%s blocked", ranges[i].below);
        if (ranges[i].above != NULL)
            ck_assert_msg(!blocked(ranges[i].above), "%s blocked", ranges[i].above);
    }
    static const char *const inside[] = {
        "169.254.169.254", "fd00:ec2::254", "127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1",
        "100.100.100.200", "255.255.255.255", "224.0.0.251", "fe80::1", "ff02::1", "fec0::1",
        "64:ff9b:1::a00:1", NULL,
    };
    for (int i = 0; inside[i] != NULL; i++)
        ck_assert_msg(blocked(inside[i]), "%s not blocked", inside[i]);
    static const char *const public[] = {
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.0.1", "100.128.0.1", "2606:4700::1111",
        "2001:4860:4860::8888", "2a00:1450:4001:800::200e", NULL,
    };
    for (int i = 0; public[i] != NULL; i++)
        ck_assert_msg(!blocked(public[i]), "%s blocked", public[i]);

    /* no address, or a family the guard does not know: blocked */
    ck_assert(netguard_blocked_addr(NULL));
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    ck_assert(netguard_blocked_addr((const struct sockaddr *)&un));
}
END_TEST

START_TEST(test_blocked_embedded)
{
    static const char *const inside[] = {
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:192.168.0.1",
        "::ffff:0.0.0.0", "::ffff:255.255.255.255", "::ffff:7f00:1",
        "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::172.16.0.1", "64:ff9b::100.64.0.1",
        "::127.0.0.1", "::10.0.0.1", "::2", "::ffff",
        NULL,
    };
    for (int i = 0; inside[i] != NULL; i++)
        ck_assert_msg(blocked(inside[i]), "%s not blocked", inside[i]);
    static const char *const outside[] = {
        "::ffff:8.8.8.8", "::ffff:93.184.216.34", "64:ff9b::8.8.8.8", "64:ff9b::5db8:d822",
        "::8.8.8.8",
        "64:ff9b:0:0:0:1:7f00:1",    /* not NAT64's /96: no IPv4 inside, and not blocked */
        "::1:ffff:7f00:1",
        NULL,
    };
    for (int i = 0; outside[i] != NULL; i++)
        ck_assert_msg(!blocked(outside[i]), "%s blocked", outside[i]);
}
END_TEST

/* ---- admits --------------------------------------------------------------------------- */

START_TEST(test_admits)
{
    struct netguard g;
    ck_assert_int_eq(netguard_parse("hooks.internal.example, 10.1.0.0/16, fd12:3456::/32, 127.0.0.1", &g), PD_OK);

    /* public addresses go through whatever the list says, with or without a host */
    ck_assert(admits(&g, NULL, "93.184.216.34"));
    ck_assert(admits(NULL, NULL, "93.184.216.34"));
    ck_assert(admits(&g, "anything.example", "2606:4700::1111"));

    /* an allowed host name opens every address it resolves to, in any case, dot or not */
    ck_assert(admits(&g, "hooks.internal.example", "10.9.9.9"));
    ck_assert(admits(&g, "HOOKS.Internal.Example", "192.168.1.1"));
    ck_assert(admits(&g, "hooks.internal.example.", "fd00::1"));
    ck_assert(!admits(&g, "other.internal.example", "10.9.9.9"));
    ck_assert(!admits(&g, "internal.example", "10.9.9.9"));
    ck_assert(!admits(&g, "xhooks.internal.example", "10.9.9.9"));
    ck_assert(!admits(&g, "hooks.internal.example.evil", "10.9.9.9"));
    ck_assert(!admits(&g, "hooks.internal.exampl", "10.9.9.9"));
    ck_assert(!admits(&g, "", "10.9.9.9"));

    /* allowed blocks open their addresses, whoever asks, and IPv4 carried in IPv6 too */
    ck_assert(admits(&g, NULL, "10.1.0.0"));
    ck_assert(admits(&g, NULL, "10.1.255.255"));
    ck_assert(admits(&g, "other.example", "10.1.2.3"));
    ck_assert(!admits(&g, NULL, "10.2.0.0"));
    ck_assert(!admits(&g, NULL, "10.0.255.255"));
    ck_assert(admits(&g, NULL, "127.0.0.1"));
    ck_assert(!admits(&g, NULL, "127.0.0.2"));
    ck_assert(admits(&g, NULL, "::ffff:127.0.0.1"));
    ck_assert(admits(&g, NULL, "64:ff9b::10.1.2.3"));
    ck_assert(!admits(&g, NULL, "::ffff:10.2.0.1"));
    ck_assert(admits(&g, NULL, "fd12:3456:ffff::1"));
    ck_assert(!admits(&g, NULL, "fd12:3457::1"));
    ck_assert(!admits(&g, NULL, "::1"));
    ck_assert(!admits(&g, NULL, "169.254.169.254"));

    /* no list, or an empty one: only unblocked addresses */
    ck_assert(!admits(NULL, "hooks.internal.example", "10.1.2.3"));
    struct netguard none;
    ck_assert_int_eq(netguard_parse(NULL, &none), PD_OK);
    ck_assert(!admits(&none, "hooks.internal.example", "10.1.2.3"));
    ck_assert(!admits(&none, "", "127.0.0.1"));

    /* IPv6 allow entries for loopback, and an allow-all pair */
    ck_assert_int_eq(netguard_parse("::1", &g), PD_OK);
    ck_assert(admits(&g, NULL, "::1"));
    ck_assert(!admits(&g, NULL, "127.0.0.1"));
    ck_assert_int_eq(netguard_parse("0.0.0.0/0,::/0", &g), PD_OK);
    ck_assert(admits(&g, NULL, "169.254.169.254"));
    ck_assert(admits(&g, NULL, "fe80::1"));

    /* an unknown family is never admitted, not even by an allowed host name */
    ck_assert_int_eq(netguard_parse("hooks.internal.example", &g), PD_OK);
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    ck_assert(!netguard_admits(&g, "hooks.internal.example", (const struct sockaddr *)&un));
    ck_assert(!netguard_admits(&g, "hooks.internal.example", NULL));
}
END_TEST

/* ---- URLs ----------------------------------------------------------------------------- */

START_TEST(test_url_host_good)
{
    static const struct {
        const char *url, *host, *port;
    } good[] = {
        { "http://example.com", "example.com", "" },
        { "https://example.com/", "example.com", "" },
        { "HTTPS://Hooks.Example.com:8443/in/bound?x=1&y=a@b", "Hooks.Example.com", "8443" },
        { "http://example.com?q=1", "example.com", "" },
        { "hTTp://example.com.:80/", "example.com.", "80" },
        { "http://127.0.0.1:9/x", "127.0.0.1", "9" },
        { "http://[::1]/", "::1", "" },
        { "https://[2001:db8::1]:65535/p", "2001:db8::1", "65535" },
        { "http://[::ffff:127.0.0.1]", "::ffff:127.0.0.1", "" },
        { "http://a:00080/", "a", "80" },
        { "http://svc_1.internal-host/", "svc_1.internal-host", "" },
        { "http://1.2.3.example/", "1.2.3.example", "" },
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char host[256] = "x", port[6] = "x";
        ck_assert_msg(netguard_url_host(good[i].url, host, sizeof host, port, sizeof port) == PD_OK,
                      "%s refused", good[i].url);
        ck_assert_str_eq(host, good[i].host);
        ck_assert_str_eq(port, good[i].port);
    }
}
END_TEST

START_TEST(test_url_host_bad)
{
    static const char *const bad[] = {
        "",
        "example.com",                          /* not absolute */
        "//example.com/",
        "ftp://example.com/",                   /* scheme */
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/",
        "httpx://example.com/",
        "http:example.com",
        "http:/example.com",
        "https:",
        "http://",                              /* no host */
        "http:///path",
        "http://?q",
        "http://:80/",
        "http://user:pass@example.com/",        /* userinfo */
        "http://user@example.com/",
        "http://@example.com/",
        "http://example.com@127.0.0.1/",
        "http://example.com/#frag",             /* fragment */
        "http://example.com#",
        "http://example.com:0/",                /* port */
        "http://example.com:65536/",
        "http://example.com:123456/",
        "http://example.com:/",
        "http://example.com:8o/",
        "http://example.com:-1/",
        "http://example.com:+80/",
        "http://[::1/",                         /* IPv6 literal */
        "http://[::1]x/",
        "http://[::1]:/",
        "http://[127.0.0.1]/",
        "http://[fe80::1%25eth0]/",
        "http://[]/",
        "http://::1/",
        "http://2130706433/",                   /* numeric hosts that are not dotted quads */
        "http://127.1/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://127.0.0.1.1/",
        "http://0x7f000001/",
        "http://exa mple.com/",                 /* characters */
        "http://example.com/a b",
        "http://example.com/\n",
        " http://example.com/",
        "http://exa%6dple.com/",
        "http://example..com/",
        "http://-example.com/",
        "http://example.com\\@evil/",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        char host[256], port[6];
        ck_assert_msg(netguard_url_host(bad[i], host, sizeof host, port, sizeof port) == PD_ERR_INVALID,
                      "\"%s\" accepted", bad[i]);
    }
    char host[256], port[6];
    ck_assert_int_eq(netguard_url_host(NULL, host, sizeof host, port, sizeof port), PD_ERR_INVALID);
    /* buffers too small */
    ck_assert_int_eq(netguard_url_host("http://example.com/", host, 11, port, sizeof port), PD_ERR_INVALID);
    ck_assert_int_eq(netguard_url_host("http://example.com/", host, 12, port, sizeof port), PD_OK);
    ck_assert_int_eq(netguard_url_host("http://e.com:8080/", host, sizeof host, port, 4), PD_ERR_INVALID);
    ck_assert_int_eq(netguard_url_host("http://e.com/", host, sizeof host, port, 0), PD_ERR_INVALID);
}
END_TEST

/* ---- the URL check -------------------------------------------------------------------- */

/* netguard_check_url with a list, expecting `want` and a reason containing `why_part`. */
static void check(const char *list, const char *url, enum pd_err want, const char *why_part)
{
    struct netguard g;
    char why[128] = "unset";
    ck_assert_int_eq(netguard_parse(list, &g), PD_OK);
    enum pd_err got = netguard_check_url(&g, url, why, sizeof why);
    ck_assert_msg(got == want, "%s with \"%s\": %d (%s)", url, list ? list : "", got, why);
    if (want == PD_OK)
        ck_assert_str_eq(why, "");
    else
        ck_assert_msg(strstr(why, why_part) != NULL, "%s: reason \"%s\"", url, why);
}

START_TEST(test_check_url)
{
    check(NULL, "http://127.0.0.1:9/x", PD_ERR_INVALID, "private address");
    check("127.0.0.1", "http://127.0.0.1:9/x", PD_OK, "");
    check("127.0.0.0/8", "http://127.0.0.1:9/x", PD_OK, "");
    check("10.0.0.0/8", "http://127.0.0.1:9/x", PD_ERR_INVALID, "private address");
    check(NULL, "http://[::1]/", PD_ERR_INVALID, "private address");
    check("::1", "http://[::1]/", PD_OK, "");
    check(NULL, "http://[::ffff:169.254.169.254]/latest/meta-data/", PD_ERR_INVALID, "private address");
    check(NULL, "http://169.254.169.254/latest/meta-data/", PD_ERR_INVALID, "private address");
    check(NULL, "http://[fd00:ec2::254]/", PD_ERR_INVALID, "private address");
    check(NULL, "http://93.184.216.34/", PD_OK, "");
    check(NULL, "https://[2606:4700::1111]:8443/hook", PD_OK, "");
    check(NULL, "http://0.0.0.0/", PD_ERR_INVALID, "private address");

    /* localhost resolves locally: refused, unless the list names it or its addresses */
    check(NULL, "http://localhost/", PD_ERR_INVALID, "private address");
    check("localhost", "http://LOCALHOST:8080/", PD_OK, "");
    check("127.0.0.1, ::1", "http://localhost/", PD_OK, "");

    check(NULL, "ftp://93.184.216.34/", PD_ERR_INVALID, "only http and https URLs are accepted");
    check(NULL, "http://u:p@93.184.216.34/", PD_ERR_INVALID, "credentials");
    check(NULL, "http://93.184.216.34/#x", PD_ERR_INVALID, "fragment");
    check(NULL, "http://93.184.216.34:0/", PD_ERR_INVALID, "port");
    check(NULL, "http://2130706433/", PD_ERR_INVALID, "host");

    /* why is optional */
    struct netguard g;
    ck_assert_int_eq(netguard_parse(NULL, &g), PD_OK);
    ck_assert_int_eq(netguard_check_url(&g, "http://127.0.0.1/", NULL, 0), PD_ERR_INVALID);
    ck_assert_int_eq(netguard_check_url(NULL, "http://93.184.216.34/", NULL, 0), PD_OK);
    char tiny[8];
    ck_assert_int_eq(netguard_check_url(&g, "http://127.0.0.1/", tiny, sizeof tiny), PD_ERR_INVALID);
    ck_assert_str_eq(tiny, "the hos");
}
END_TEST

Suite *netguard_suite(void)
{
    Suite *s = suite_create("netguard");
    TCase *tc = tcase_create("allow-list");
    tcase_add_test(tc, test_parse_good);
    tcase_add_test(tc, test_parse_bad);
    suite_add_tcase(s, tc);

    tc = tcase_create("addresses");
    tcase_add_test(tc, test_blocked_ranges);
    tcase_add_test(tc, test_blocked_embedded);
    tcase_add_test(tc, test_admits);
    suite_add_tcase(s, tc);

    tc = tcase_create("urls");
    tcase_add_test(tc, test_url_host_good);
    tcase_add_test(tc, test_url_host_bad);
    tcase_add_test(tc, test_check_url);
    suite_add_tcase(s, tc);
    return s;
}
