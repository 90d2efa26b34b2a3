/* test_ioc.c - indicator classification, refanging, lines, patterns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"
#include "unit.h"

static char norm[1024];

/* classify s; the type, with the normal form in norm */
static enum cti_ioc_type
cls(const char *s)
{
	return cti_ioc_classify(norm, sizeof(norm), s, strlen(s));
}

#define IS(s, t, want)                 \
	do {                           \
		CHECK(cls(s) == (t));  \
		CHECK_STR(norm, want); \
	} while (0)
#define NOT(s) CHECK(cls(s) == CTI_IOC_NONE)

static void
test_names(void)
{
	int t;

	for (t = CTI_IOC_IPV4; t <= CTI_IOC_SHA512; t++)
		CHECK(cti_ioc_type_parse(cti_ioc_type_name(t)) ==
		      (enum cti_ioc_type)t);
	CHECK(cti_ioc_type_name(CTI_IOC_NONE) == NULL);
	CHECK(cti_ioc_type_name(99) == NULL);
	CHECK_STR(cti_ioc_type_name(CTI_IOC_IPV4_CIDR), "ipv4-cidr");
	CHECK(cti_ioc_type_parse("IPv4") == CTI_IOC_IPV4);
	CHECK(cti_ioc_type_parse("domain-name") == CTI_IOC_DOMAIN);
	CHECK(cti_ioc_type_parse("SHA-256") == CTI_IOC_SHA256);
	CHECK(cti_ioc_type_parse("ipv44") == CTI_IOC_NONE);
	CHECK(cti_ioc_type_parse("") == CTI_IOC_NONE);
	CHECK(cti_ioc_type_parse(NULL) == CTI_IOC_NONE);
}

static void
test_ipv4(void)
{
	IS("198.51.100.7", CTI_IOC_IPV4, "198.51.100.7");
	IS("0.0.0.0", CTI_IOC_IPV4, "0.0.0.0");
	IS("255.255.255.255", CTI_IOC_IPV4, "255.255.255.255");
	IS("198[.]51[.]100[.]7", CTI_IOC_IPV4, "198.51.100.7");
	IS("198(.)51{.}100[dot]7", CTI_IOC_IPV4, "198.51.100.7");
	NOT("256.1.1.1");
	NOT("1.2.3");
	NOT("1.2.3.4.5");
	NOT("1..2.3");
	NOT("1.2.3.4.");
	NOT(".1.2.3.4");
	NOT("010.1.1.1"); /* octal or decimal? refused */
	NOT("1.2.3.00");
	NOT("1.2.3.1234");
	NOT("1.2.3.4:80");
	NOT("1.2.3.-4");
	IS("192.0.2.0/24", CTI_IOC_IPV4_CIDR, "192.0.2.0/24");
	IS("10.0.0.0/8", CTI_IOC_IPV4_CIDR, "10.0.0.0/8");
	IS("0.0.0.0/0", CTI_IOC_IPV4_CIDR, "0.0.0.0/0");
	IS("192.0.2.1/32", CTI_IOC_IPV4_CIDR, "192.0.2.1/32");
	NOT("192.0.2.0/33");
	NOT("192.0.2.0/");
	NOT("192.0.2.0/08");
	NOT("192.0.2.0/24/1");
	NOT("/24");
}

static void
test_ipv6(void)
{
	IS("2001:db8::1", CTI_IOC_IPV6, "2001:db8::1");
	IS("2001:0DB8:0000:0000:0000:0000:0000:0001", CTI_IOC_IPV6,
	   "2001:db8::1");
	IS("::", CTI_IOC_IPV6, "::");
	IS("::1", CTI_IOC_IPV6, "::1");
	IS("1::", CTI_IOC_IPV6, "1::");
	/* RFC 5952 4.2.2: a single zero group is not "::" */
	IS("2001:db8:0:1:1:1:1:1", CTI_IOC_IPV6, "2001:db8:0:1:1:1:1:1");
	IS("1:2:3:4:5:6::8", CTI_IOC_IPV6, "1:2:3:4:5:6:0:8");
	/* 4.2.3: the longest run, the first of equal runs */
	IS("2001:0:0:1:0:0:0:1", CTI_IOC_IPV6, "2001:0:0:1::1");
	IS("2001:db8:0:0:1:0:0:1", CTI_IOC_IPV6, "2001:db8::1:0:0:1");
	IS("0:0:0:0:0:0:0:0", CTI_IOC_IPV6, "::");
	IS("fe80::0001:0:0:0", CTI_IOC_IPV6, "fe80::1:0:0:0");
	IS("::ffff:192.0.2.1", CTI_IOC_IPV6, "::ffff:192.0.2.1");
	IS("0:0:0:0:0:FFFF:C000:0201", CTI_IOC_IPV6, "::ffff:192.0.2.1");
	IS("64:ff9b::192.0.2.33", CTI_IOC_IPV6, "64:ff9b::c000:221");
	IS("1:2:3:4:5:6:1.2.3.4", CTI_IOC_IPV6, "1:2:3:4:5:6:102:304");
	IS("2001[:]db8[:][:]1", CTI_IOC_IPV6, "2001:db8::1");
	IS("2001:db8::/32", CTI_IOC_IPV6_CIDR, "2001:db8::/32");
	IS("2001:DB8:0:0::/128", CTI_IOC_IPV6_CIDR, "2001:db8::/128");
	IS("::/0", CTI_IOC_IPV6_CIDR, "::/0");
	NOT("2001:db8::/129");
	NOT("2001:db8::/");
	NOT("1:2:3:4:5:6:7:8:9");
	NOT("1:2:3:4:5:6:7");
	NOT("1::2::3");
	NOT(":1:2:3:4:5:6:7");
	NOT("1:2:3:4:5:6:7:");
	NOT(":::");
	NOT("12345::1");
	NOT("1:2:3:4:5:6:7:1.2.3.4");
	NOT("::1.2.3.256");
	NOT("::010.2.3.4");
	NOT("1:2:3:4:5:6:7::8"); /* "::" must stand for a group */
	NOT("fe80::1%eth0");
	NOT("g::1");
	NOT("[2001:db8::1]");
	NOT(":");
}

static void
test_domain(void)
{
	char big[400];
	size_t i;

	IS("example.com", CTI_IOC_DOMAIN, "example.com");
	IS("WWW.Example.COM", CTI_IOC_DOMAIN, "www.example.com");
	IS("example.com.", CTI_IOC_DOMAIN, "example.com");
	IS("example[.]com", CTI_IOC_DOMAIN, "example.com");
	IS("a(.)b{.}c[dot]d(DOT)org", CTI_IOC_DOMAIN, "a.b.c.d.org");
	IS("xn--bcher-kva.example", CTI_IOC_DOMAIN, "xn--bcher-kva.example");
	IS("example.xn--p1ai", CTI_IOC_DOMAIN, "example.xn--p1ai");
	IS("my_host.duckdns.org", CTI_IOC_DOMAIN, "my_host.duckdns.org");
	IS("a-b.c-d.io", CTI_IOC_DOMAIN, "a-b.c-d.io");
	IS("1.2.3.example", CTI_IOC_DOMAIN, "1.2.3.example");
	NOT("localhost");
	NOT("example");
	NOT("-a.com");
	NOT("a-.com");
	NOT("a..com");
	NOT(".a.com");
	NOT("a.com..");
	NOT("a.c"); /* one-letter TLD */
	NOT("a.123");
	NOT("a.b_c");
	NOT("a.mp3");
	NOT("exa mple.com");
	NOT("ex!ample.com");
	NOT("b\xc3\xbc"
	    "cher.de"); /* U-labels must come as A-labels */
	/* 63-byte labels pass, 64 fail; 253 bytes pass, 254 fail */
	memset(big, 'a', 63);
	strcpy(big + 63, ".com");
	CHECK(cls(big) == CTI_IOC_DOMAIN);
	memset(big, 'a', 64);
	strcpy(big + 64, ".com");
	NOT(big);
	for (i = 0; i < 249; i++)
		big[i] = i % 2 ? '.' : 'a';
	strcpy(big + 249, "comm"); /* "a.a. ... a.acomm": 253 bytes */
	CHECK(strlen(big) == 253);
	CHECK(cls(big) == CTI_IOC_DOMAIN);
	strcpy(big + 249, "commm");
	NOT(big);
}

static void
test_url(void)
{
	IS("http://example.com/", CTI_IOC_URL, "http://example.com/");
	IS("https://EXAMPLE.com/Path?Q=A,B;C#Frag", CTI_IOC_URL,
	   "https://example.com/Path?Q=A,B;C#Frag");
	IS("hxxp://evil[.]com/a", CTI_IOC_URL, "http://evil.com/a");
	IS("HXXPS://evil[.]com", CTI_IOC_URL, "https://evil.com");
	IS("hXXps[:]//evil(.)com/x", CTI_IOC_URL, "https://evil.com/x");
	IS("http[://]evil.com", CTI_IOC_URL, "http://evil.com");
	IS("FTP://user:pw@Files.Example.org:2121/x", CTI_IOC_URL,
	   "ftp://user:pw@files.example.org:2121/x");
	IS("http://192.0.2.1:8080/x.sh", CTI_IOC_URL,
	   "http://192.0.2.1:8080/x.sh");
	IS("http://[2001:DB8::1]:443/", CTI_IOC_URL,
	   "http://[2001:db8::1]:443/");
	IS("http://example.com./", CTI_IOC_URL, "http://example.com./");
	IS("http://example.com/it's", CTI_IOC_URL, "http://example.com/it's");
	IS("http://example.com/\xc3\xa9t\xc3\xa9", CTI_IOC_URL,
	   "http://example.com/\xc3\xa9t\xc3\xa9");
	NOT("http://");
	NOT("http:///path");
	NOT("http://example/");
	NOT("http://exa mple.com/");
	NOT("http://example.com:99999/");
	NOT("http://example.com:8a/");
	NOT("http://010.0.0.1/");
	NOT("http://[2001:db8::1/");
	NOT("http://[zz::1]/");
	NOT("http://example.com/\xff");
	NOT("1http://example.com/");
	NOT("http://example.com/\x01");
}

static void
test_email(void)
{
	IS("John.Doe@Example.COM", CTI_IOC_EMAIL, "John.Doe@example.com");
	IS("a+tag@b.org", CTI_IOC_EMAIL, "a+tag@b.org");
	IS("x[@]evil[.]com", CTI_IOC_EMAIL, "x@evil.com");
	IS("x[at]evil(dot)com", CTI_IOC_EMAIL, "x@evil.com");
	IS("o'brien@example.com", CTI_IOC_EMAIL, "o'brien@example.com");
	NOT("@example.com");
	NOT("a@");
	NOT("a@b@c.com");
	NOT(".a@b.com");
	NOT("a.@b.com");
	NOT("a..b@c.com");
	NOT("a b@c.com");
	NOT("a@localhost");
	NOT("a@[192.0.2.1]");
}

static void
test_hashes(void)
{
	IS("D41D8CD98F00B204E9800998ECF8427E", CTI_IOC_MD5,
	   "d41d8cd98f00b204e9800998ecf8427e");
	IS("da39a3ee5e6b4b0d3255bfef95601890afd80709", CTI_IOC_SHA1,
	   "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	IS("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	   CTI_IOC_SHA256,
	   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	IS("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	   "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
	   CTI_IOC_SHA512,
	   "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	   "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	NOT("d41d8cd98f00b204e9800998ecf8427");	  /* 31 */
	NOT("d41d8cd98f00b204e9800998ecf8427ee"); /* 33 */
	NOT("g41d8cd98f00b204e9800998ecf8427e");
	NOT("deadbeef");
}

static void
test_misc(void)
{
	char small[8];

	NOT("");
	NOT("hello");
	NOT("hello world");
	NOT("[.]");
	NOT("#");
	NOT("\xef\xbb\xbf");
	/* out too small */
	CHECK(cti_ioc_classify(small, 4, "1.2.3.4", 7) == CTI_IOC_NONE);
	/* len + 1 is enough unless IPv6 grows */
	CHECK(cti_ioc_classify(small, 8, "1.2.3.4", 7) == CTI_IOC_IPV4);
	CHECK_STR(small, "1.2.3.4");
	CHECK(cti_ioc_classify(norm, 15, "1:2:3:4:5:6::8", 14) == CTI_IOC_NONE);
	CHECK(cti_ioc_classify(norm, 16, "1:2:3:4:5:6::8", 14) == CTI_IOC_IPV6);
	/* the value need not be NUL-terminated */
	CHECK(cti_ioc_classify(norm, sizeof(norm), "a.com;junk", 5) ==
	      CTI_IOC_DOMAIN);
	CHECK_STR(norm, "a.com");
}

struct split_case {
	const char *line, *value, *rest; /* value NULL: skipped */
	const char *port;		  /* NULL: none */
};

static void
test_split(void)
{
	static const struct split_case cases[] = {
		{"# comment", NULL, NULL, NULL},
		{"   # indented comment", NULL, NULL, NULL},
		{"", NULL, NULL, NULL},
		{"  \t \r\n", NULL, NULL, NULL},
		{"\xef\xbb\xbf# BOM then comment", NULL, NULL, NULL},
		{"\xef\xbb\xbf"
		 "1.2.3.4\r\n",
		 "1.2.3.4", "", NULL},
		{"77.90.185.20\t10", "77.90.185.20", "10", NULL},
		{"77.90.185.20\t10\n", "77.90.185.20", "10", NULL},
		{"1.2.3.4   \r\n", "1.2.3.4", "", NULL},
		{"  1.2.3.4", "1.2.3.4", "", NULL},
		{"d41d8cd98f00b204e9800998ecf8427e  empty file.txt",
		 "d41d8cd98f00b204e9800998ecf8427e", "empty file.txt", NULL},
		{"evil.com;c2 server", "evil.com", "c2 server", NULL},
		{"evil.com,85", "evil.com", "85", NULL},
		{"evil.com , 85 ", "evil.com", "85", NULL},
		{"evil.com # seen twice", "evil.com", "seen twice", NULL},
		{"evil.com;;x", "evil.com", "x", NULL},
		{"http://a.com/x,y;z 7", "http://a.com/x,y;z", "7", NULL},
		{"hxxp[:]//a[.]com/x,y", "hxxp[:]//a[.]com/x,y", "", NULL},
		{"hxxp[://]a[.]com/x;y\tphish", "hxxp[://]a[.]com/x;y",
		 "phish", NULL},
		{"a@b.com,John", "a@b.com", "John", NULL},
		{",x", "", "x", NULL},
		{"2001:db8::1 v6", "2001:db8::1", "v6", NULL},
		/* report style: bullets, labels, ports */
		{"- evil.com", "evil.com", "", NULL},
		{"* evil.com c2", "evil.com", "c2", NULL},
		{"\xe2\x80\xa2 evil.com", "evil.com", "", NULL},
		{"1. evil.com", "evil.com", "", NULL},
		{"12) 1.2.3.4", "1.2.3.4", "", NULL},
		{"- # not a value", NULL, NULL, NULL},
		{"-  ", NULL, NULL, NULL},
		{"-evil.com", "-evil.com", "", NULL},
		{"1.2.3.4. x", "1.2.3.4.", "x", NULL},
		{"SHA256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "", NULL},
		{"- MD5: d41d8cd98f00b204e9800998ecf8427e dropper",
		 "d41d8cd98f00b204e9800998ecf8427e", "dropper", NULL},
		{"IP address: 198.51.100.7", "198.51.100.7", "", NULL},
		{"C2: hxxps://x[.]com/a", "hxxps://x[.]com/a", "", NULL},
		{"evil.com:8443 cobalt strike", "evil.com", "cobalt strike",
		 "8443"},
		{"198.51.100.7:443", "198.51.100.7", "", "443"},
		{"[2001:db8::1]:443 beacon", "2001:db8::1", "beacon", "443"},
		{"[2001:db8::1]", "2001:db8::1", "", NULL},
		{"[2001:db8::1]:65536", "[2001:db8::1]:65536", "", NULL},
		{"evil.com:65535", "evil.com", "", "65535"},
		{"evil.com:http", "evil.com:http", "", NULL},
		{"evil.com: c2 server", "evil.com", "c2 server", NULL},
		{"2001:db8:: edge", "2001:db8::", "edge", NULL},
		{"fe80::1:80", "fe80::1:80", "", NULL},
		{"http://a.com:8080/x", "http://a.com:8080/x", "", NULL},
		{"a b c d: 1.2.3.4", "a", "b c d: 1.2.3.4", NULL},
		{"evil[.]com:443", "evil[.]com", "", "443"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cti_ioc_line l;
		int got;
		char vb[256], rb[256], pb[16];

		got = cti_ioc_split_line(&l, cases[i].line,
					 strlen(cases[i].line));
		if (!cases[i].value) {
			CHECK(got == 0);
			continue;
		}
		CHECK(got == 1);
		if (got != 1)
			continue;
		snprintf(vb, sizeof(vb), "%.*s", (int)l.value_len, l.value);
		snprintf(rb, sizeof(rb), "%.*s", (int)l.rest_len, l.rest);
		CHECK_STR(vb, cases[i].value);
		CHECK_STR(rb, cases[i].rest);
		if (cases[i].port) {
			snprintf(pb, sizeof(pb), "%.*s", (int)l.port_len,
				 l.port ? l.port : "");
			CHECK_STR(pb, cases[i].port);
		} else {
			CHECK(l.port == NULL && l.port_len == 0);
		}
	}
}

static void
test_pattern(void)
{
	char p[256];
	int n;

#define PAT(t, v, want)                                  \
	do {                                             \
		n = cti_ioc_pattern(p, sizeof(p), t, v); \
		CHECK(n == (int)strlen(want));           \
		CHECK_STR(p, want);                      \
	} while (0)
	PAT(CTI_IOC_IPV4, "198.51.100.7", "[ipv4-addr:value = '198.51.100.7']");
	PAT(CTI_IOC_IPV4_CIDR, "192.0.2.0/24",
	    "[ipv4-addr:value = '192.0.2.0/24']");
	PAT(CTI_IOC_IPV6, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']");
	PAT(CTI_IOC_IPV6_CIDR, "2001:db8::/32",
	    "[ipv6-addr:value = '2001:db8::/32']");
	PAT(CTI_IOC_DOMAIN, "example.com",
	    "[domain-name:value = 'example.com']");
	PAT(CTI_IOC_URL, "http://a.com/it's\\x",
	    "[url:value = 'http://a.com/it\\'s\\\\x']");
	PAT(CTI_IOC_EMAIL, "o'brien@example.com",
	    "[email-addr:value = 'o\\'brien@example.com']");
	PAT(CTI_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e",
	    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']");
	PAT(CTI_IOC_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	    "[file:hashes.'SHA-1' = "
	    "'da39a3ee5e6b4b0d3255bfef95601890afd80709']");
	PAT(CTI_IOC_SHA256, "ab", "[file:hashes.'SHA-256' = 'ab']");
	PAT(CTI_IOC_SHA512, "cd", "[file:hashes.'SHA-512' = 'cd']");
	CHECK(cti_ioc_pattern(p, sizeof(p), CTI_IOC_NONE, "x") == CTI_EINVAL);
	CHECK(cti_ioc_pattern(p, sizeof(p), 42, "x") == CTI_EINVAL);
	/* exact fit, one byte short, escapes counted */
	n = (int)strlen("[domain-name:value = 'a.com']");
	CHECK(cti_ioc_pattern(p, (size_t)n + 1, CTI_IOC_DOMAIN, "a.com") == n);
	CHECK(cti_ioc_pattern(p, (size_t)n, CTI_IOC_DOMAIN, "a.com") ==
	      CTI_ELIMIT);
	n = (int)strlen("[url:value = 'a\\'']");
	CHECK(cti_ioc_pattern(p, (size_t)n + 1, CTI_IOC_URL, "a'") == n);
	CHECK(cti_ioc_pattern(p, (size_t)n, CTI_IOC_URL, "a'") == CTI_ELIMIT);
	CHECK(cti_ioc_pattern(p, 3, CTI_IOC_URL, "") == CTI_ELIMIT);
}

/* Every line of the IPsum list is a comment or an IPv4 address. */
static void
test_ipsum(void)
{
	const char *dir = getenv("DATA");
	char path[4096], line[1024], out[1024];
	FILE *f;
	long n = 0, bad = 0, comments = 0;

	snprintf(path, sizeof(path), "%s/ipsum-2026-08-22.txt",
		 dir ? dir : "../shared/data");
	if (!(f = fopen(path, "r"))) {
		unit_pass++;
		printf("ok - ipsum list # skip %s not found\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		struct cti_ioc_line l;

		if (!cti_ioc_split_line(&l, line, strlen(line))) {
			comments++;
			continue;
		}
		n++;
		if (cti_ioc_classify(out, sizeof(out), l.value, l.value_len) !=
			    CTI_IOC_IPV4 ||
		    l.rest_len == 0 || l.rest[0] < '1' || l.rest[0] > '9') {
			if (bad++ < 5)
				printf("# not an IPv4 line: %s", line);
		}
	}
	fclose(f);
	printf("# ipsum: %ld values, %ld comment lines\n", n, comments);
	CHECK(n == 120430);
	CHECK(bad == 0);
}

int
main(void)
{
	test_names();
	test_ipv4();
	test_ipv6();
	test_domain();
	test_url();
	test_email();
	test_hashes();
	test_misc();
	test_split();
	test_pattern();
	test_ipsum();
	return UNIT_DONE();
}
