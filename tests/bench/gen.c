/*
 * gen.c - deterministic data for the benchmarks in tests/bench/.
 *
 *   gen list N     an indicator list of N lines, mixed like real feeds:
 *                  IPv4 (some with a hit count), domains, URLs, SHA-256,
 *                  some MD5 and SHA-1, a few defanged values, comments
 *   gen bundle N   a STIX 2.1 bundle of N objects, one per line as large
 *                  exports write them: indicators (some with descriptions),
 *                  relationships and attack patterns shaped like MITRE
 *                  ATT&CK's (custom x_mitre_ properties included); about
 *                  430 bytes of JSON per object
 *
 * The same N gives the same bytes on every machine (a fixed-seed PRNG, no
 * clock). Compiled on the fly by tests/bench/lib.sh; not part of cti.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static unsigned
below(unsigned n)
{
	return (unsigned)((rnd() >> 32) % n);
}

static const char *const words[] = {
	"adversary", "access", "account", "activity", "actor", "address",
	"administrator", "agent", "alert", "analysis", "application",
	"archive", "attack", "attacker", "authentication", "backdoor",
	"beacon", "binary", "botnet", "browser", "campaign", "certificate",
	"channel", "client", "cloud", "code", "collection", "command",
	"communication", "compromise", "configuration", "connection",
	"control", "controller", "credential", "data", "database",
	"defense", "delivery", "deployment", "destination", "detection",
	"device", "directory", "discovery", "document", "domain",
	"download", "dropper", "email", "encryption", "endpoint",
	"engineering", "execution", "exfiltration", "exploit", "file",
	"firmware", "gateway", "group", "host", "industrial", "infection",
	"infrastructure", "injection", "installer", "interface", "kernel",
	"key", "lateral", "library", "loader", "log", "macro", "malicious",
	"malware", "memory", "module", "movement", "network", "observed",
	"operator", "password", "payload", "persistence", "phishing",
	"platform", "port", "privilege", "process", "protocol", "proxy",
	"ransomware", "registry", "remote", "report", "request", "sample",
	"scheduled", "script", "server", "service", "session", "shell",
	"signature", "software", "spearphishing", "staging", "station",
	"system", "target", "task", "technique", "token", "tool", "traffic",
	"trojan", "update", "user", "valid", "variant", "victim", "web",
	"workstation", "used", "uses", "via", "to", "the", "of", "and",
	"a", "in", "on", "for", "with", "from", "by", "an", "as", "was",
	"has", "been", "may", "can", "which", "that", "this", "its",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *const tlds[] = {
	"com", "net", "org", "info", "ru", "cn", "xyz", "top", "io", "biz",
	"online", "site", "club", "de", "uk", "br", "in", "co",
};
#define NTLDS (sizeof(tlds) / sizeof(tlds[0]))

static const char *const syll[] = {
	"ka", "lo", "mi", "net", "sec", "up", "date", "cdn", "mail", "web",
	"soft", "data", "cloud", "tech", "lab", "zen", "pro", "max", "bit",
	"hub", "go", "my", "secure", "login", "verify", "account", "office",
	"drive", "doc", "share", "box", "srv", "api", "app", "dev", "img",
};
#define NSYLL (sizeof(syll) / sizeof(syll[0]))

/* A growable output line. */
static char *buf;
static size_t blen, bcap;

static void
put(const char *s, size_t n)
{
	if (blen + n + 1 > bcap) {
		bcap = (blen + n + 1) * 2;
		if (!(buf = realloc(buf, bcap))) {
			perror("gen");
			exit(1);
		}
	}
	memcpy(buf + blen, s, n);
	blen += n;
}

static void
puts_(const char *s)
{
	put(s, strlen(s));
}

static void
putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
putf(const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(tmp, (size_t)n);
}

static void
hex(unsigned n)
{
	static const char d[] = "0123456789abcdef";
	char tmp[128];

	for (unsigned i = 0; i < n; i++)
		tmp[i] = d[rnd() >> 60];
	put(tmp, n);
}

static void
uuid(void)
{
	uint64_t a = rnd(), b = rnd();

	putf("%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
	     (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
	     (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	     (unsigned long long)(b & 0xffffffffffffull));
}

static void
stamp(void)
{
	/* 2022-01-01 plus up to three years */
	time_t t = 1640995200 + (time_t)below(3u * 365 * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	putf("%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
	     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	     below(1000));
}

static void
text(unsigned min, unsigned max)
{
	unsigned n = min + below(max - min + 1);

	for (unsigned i = 0; i < n; i++) {
		const char *w = words[below(NWORDS)];

		if (i == 0) {
			char c = (char)(w[0] - 'a' + 'A');
			put(&c, 1);
			puts_(w + 1);
		} else {
			put(" ", 1);
			puts_(w);
		}
	}
	put(".", 1);
}

static void
domain(void)
{
	unsigned n = 1 + below(3);

	if (below(4) == 0) {
		puts_(syll[below(NSYLL)]);
		put(".", 1);
	}
	for (unsigned i = 0; i < n; i++)
		puts_(syll[below(NSYLL)]);
	if (below(2) == 0) { /* generated names, as malware uses them */
		for (unsigned i = 0, k = 3 + below(8); i < k; i++) {
			char c = (char)('a' + below(26));
			put(&c, 1);
		}
	} else if (below(2) == 0) {
		putf("%u", below(1000));
	}
	put(".", 1);
	puts_(tlds[below(NTLDS)]);
}

static void
ipv4(void)
{
	putf("%u.%u.%u.%u", 1 + below(223), below(256), below(256),
	     1 + below(254));
}

static void
url(void)
{
	puts_(below(3) ? "http://" : "https://");
	if (below(5) == 0)
		ipv4();
	else
		domain();
	for (unsigned i = 0, n = 1 + below(3); i < n; i++) {
		put("/", 1);
		puts_(words[below(NWORDS)]);
	}
	switch (below(4)) {
	case 0:
		putf(".php?id=%u", below(100000));
		break;
	case 1:
		puts_(".exe");
		break;
	default:
		break;
	}
}

/* One value; *pat gets the STIX object path for it. */
static void
value(const char **pat)
{
	unsigned r = below(100);

	if (r < 40) {
		*pat = "ipv4-addr:value";
		ipv4();
	} else if (r < 65) {
		*pat = "domain-name:value";
		domain();
	} else if (r < 80) {
		*pat = "url:value";
		url();
	} else if (r < 95) {
		*pat = "file:hashes.'SHA-256'";
		hex(64);
	} else if (r < 98) {
		*pat = "file:hashes.MD5";
		hex(32);
	} else {
		*pat = "file:hashes.'SHA-1'";
		hex(40);
	}
}

static void
flush_line(void)
{
	put("\n", 1);
	fwrite(buf, 1, blen, stdout);
	blen = 0;
}

static void
gen_list(unsigned long n)
{
	const char *pat;

	for (unsigned long i = 0; i < n; i++) {
		if (i % 10000 == 0) {
			putf("# block %lu: collected from sensors and reports",
			     i / 10000);
			flush_line();
			continue;
		}
		if (below(200) == 0) { /* defanged, as pasted from a report */
			if (below(2)) {
				putf("hxxp://%s[.]%s/%s", syll[below(NSYLL)],
				     tlds[below(NTLDS)], words[below(NWORDS)]);
			} else {
				putf("%u.%u.%u[.]%u", 1 + below(223),
				     below(256), below(256), 1 + below(254));
			}
			flush_line();
			continue;
		}
		value(&pat);
		switch (below(10)) {
		case 0:
		case 1:
		case 2:
			putf("\t%u", 1 + below(10));
			break;
		case 3:
			put(" # ", 3);
			puts_(words[below(NWORDS)]);
			put(" ", 1);
			puts_(words[below(NWORDS)]);
			break;
		default:
			break;
		}
		flush_line();
	}
}

#define IDENTITY "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"
/* a marking of the producer's own, not defined in the bundle (no TLP id) */
#define MARKING "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
#define TECH_STEM "attack-pattern--"

static const char *const phases[] = {
	"initial-access", "execution", "persistence", "privilege-escalation",
	"evasion", "discovery", "lateral-movement", "collection",
	"command-and-control", "inhibit-response-function", "impact",
};

static void
indicator(void)
{
	const char *pat;
	size_t vstart, vlen;
	char v[160];

	puts_("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
	      "\"indicator--");
	uuid();
	puts_("\",\"created\":\"");
	stamp();
	puts_("\",\"modified\":\"");
	stamp();
	puts_("\",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[");
	/* the value comes out first; its object path goes before it */
	vstart = blen;
	value(&pat);
	vlen = blen - vstart;
	memcpy(v, buf + vstart, vlen);
	blen = vstart;
	puts_(pat);
	puts_(" = '");
	put(v, vlen);
	puts_("']\",\"pattern_type\":\"stix\",\"valid_from\":\"");
	stamp();
	put("\"", 1);
	if (below(3) == 0) {
		puts_(",\"description\":\"");
		text(3, 10);
		put("\"", 1);
	}
	if (below(2))
		putf(",\"confidence\":%u", below(101));
	if (below(2))
		puts_(",\"object_marking_refs\":[\"" MARKING "\"]");
	put("}", 1);
}

static void
relationship(void)
{
	puts_("{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":"
	      "\"relationship--");
	uuid();
	puts_("\",\"created\":\"");
	stamp();
	puts_("\",\"modified\":\"");
	stamp();
	puts_("\",\"relationship_type\":\"");
	puts_(below(2) ? "indicates" : "uses");
	puts_("\",\"source_ref\":\"indicator--");
	uuid();
	puts_("\",\"target_ref\":\"" TECH_STEM);
	uuid();
	put("\"", 1);
	if (below(4) == 0) /* as MITRE ATT&CK writes them */
		puts_(",\"created_by_ref\":\"" IDENTITY "\",\"revoked\":false,"
		      "\"x_mitre_deprecated\":false,"
		      "\"x_mitre_attack_spec_version\":\"3.2.0\"");
	put("}", 1);
}

static void
attack_pattern(void)
{
	unsigned t = below(1000);

	puts_("{\"type\":\"attack-pattern\",\"spec_version\":\"2.1\",\"id\":"
	      "\"" TECH_STEM);
	uuid();
	puts_("\",\"created\":\"");
	stamp();
	puts_("\",\"created_by_ref\":\"" IDENTITY "\",\"revoked\":false,");
	putf("\"external_references\":[{\"source_name\":\"mitre-attack\","
	     "\"url\":\"https://attack.mitre.org/techniques/T0%03u\","
	     "\"external_id\":\"T0%03u\"}],", t, t);
	puts_("\"object_marking_refs\":[\"" MARKING "\"],\"modified\":\"");
	stamp();
	puts_("\",\"name\":\"");
	text(2, 4);
	blen--; /* no full stop in a name */
	puts_("\",\"description\":\"");
	text(8, 24);
	putf("\",\"kill_chain_phases\":[{\"kill_chain_name\":"
	     "\"mitre-ics-attack\",\"phase_name\":\"%s\"}],",
	     phases[below(sizeof(phases) / sizeof(phases[0]))]);
	puts_("\"x_mitre_attack_spec_version\":\"3.2.0\",\"x_mitre_domains\":"
	      "[\"ics-attack\"],\"x_mitre_version\":\"1.0\","
	      "\"x_mitre_platforms\":[\"None\"]}");
}

static void
gen_bundle(unsigned long n)
{
	fputs("{\"type\":\"bundle\",\"id\":\"bundle--", stdout);
	uuid();
	fwrite(buf, 1, blen, stdout);
	blen = 0;
	fputs("\",\"objects\":[", stdout);
	for (unsigned long i = 0; i < n; i++) {
		unsigned r = below(100);

		put("\n", 1);
		if (i == 0)
			puts_("{\"type\":\"identity\",\"spec_version\":\"2.1\","
			      "\"id\":\"" IDENTITY "\",\"created\":"
			      "\"2017-06-01T00:00:00.000Z\",\"modified\":"
			      "\"2017-06-01T00:00:00.000Z\",\"name\":"
			      "\"Example CERT\",\"identity_class\":"
			      "\"organization\"}");
		else if (r < 70)
			indicator();
		else if (r < 93)
			relationship();
		else
			attack_pattern();
		if (i + 1 < n)
			put(",", 1);
		fwrite(buf, 1, blen, stdout);
		blen = 0;
	}
	fputs("\n]}\n", stdout);
}

int
main(int argc, char **argv)
{
	static char obuf[1 << 20];
	unsigned long n;

	if (argc != 3 || (n = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: gen list|bundle N\n");
		return 2;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (strcmp(argv[1], "list") == 0)
		gen_list(n);
	else if (strcmp(argv[1], "bundle") == 0)
		gen_bundle(n);
	else {
		fprintf(stderr, "usage: gen list|bundle N\n");
		return 2;
	}
	if (fflush(stdout) || ferror(stdout)) {
		perror("gen");
		return 1;
	}
	return 0;
}
