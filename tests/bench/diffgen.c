/*
 * diffgen.c - two releases of one indicator feed for the cti diff benchmark.
 *
 *   diffgen old N   a STIX 2.1 bundle of N indicators, one per line
 *   diffgen new N   the next release: of the N old indicators 5% are gone
 *                   and 10% modified (a later "modified", another
 *                   confidence and description), and 5% of N new ones
 *                   are added, so it holds N indicators too
 *
 * Indicator i has a fixed UUID made from i, so both releases agree on ids.
 * The same N gives the same bytes everywhere. Compiled on the fly by
 * tests/bench/diff.sh; not part of cti.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static void
uuid(char out[37], uint64_t i)
{
	uint64_t a = mix(i * 2 + 1), b = mix(i * 2 + 2);

	a = (a & ~0xF000ull) | 0x4000ull;		  /* version 4 */
	b = (b & ~(3ull << 62)) | (2ull << 62);		  /* variant */
	snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx",
		 (unsigned)(a >> 32), (unsigned)(a >> 16 & 0xFFFF),
		 (unsigned)(a & 0xFFFF), (unsigned)(b >> 48),
		 (unsigned long long)(b & 0xFFFFFFFFFFFFull));
}

static const char *const kinds[] = {
	"command-and-control server", "phishing sender", "scanner",
	"malware download site", "brute-force source", "botnet node",
};

static void
indicator(uint64_t i, int modified, int first)
{
	char id[37];
	uint64_t r = mix(i ^ 0x5bd1e995);
	unsigned a = (unsigned)(r >> 8 & 0xFF), b = (unsigned)(r >> 16 & 0xFF),
		 c = (unsigned)(r >> 24 & 0xFF), d = (unsigned)(r >> 32 & 0xFF);
	int conf = (int)(r % 50) + 40 + (modified ? 7 : 0);
	const char *kind = kinds[(r >> 40) % 6];

	uuid(id, i);
	printf("%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
	       "\"id\":\"indicator--%s\",\"created\":\"2026-01-%02u"
	       "T%02u:%02u:00.000Z\",\"modified\":\"2026-%s-%02uT%02u:%02u:"
	       "00.000Z\",\"name\":\"%u.%u.%u.%u\",\"description\":\"Seen as "
	       "%s%s\",\"indicator_types\":[\"malicious-activity\"],"
	       "\"pattern\":\"[ipv4-addr:value = '%u.%u.%u.%u']\","
	       "\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\","
	       "\"valid_from\":\"2026-01-%02uT%02u:%02u:00Z\","
	       "\"confidence\":%d,\"labels\":[\"feed\",\"ipv4\"],"
	       "\"created_by_ref\":\"identity--8b1f2a5c-3b8e-4f8e-9c1a-"
	       "2f6d3e4a5b6c\",\"object_marking_refs\":[\"marking-definition"
	       "--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}",
	       first ? "" : ",\n", id, (unsigned)(r % 28) + 1,
	       (unsigned)(r >> 5) % 24, (unsigned)(r >> 11) % 60,
	       modified ? "03" : "02", (unsigned)(r % 28) + 1,
	       (unsigned)(r >> 5) % 24, (unsigned)(r >> 11) % 60, a, b, c, d,
	       kind, modified ? " again" : "", a, b, c, d,
	       (unsigned)(r % 28) + 1, (unsigned)(r >> 5) % 24,
	       (unsigned)(r >> 11) % 60, conf);
}

int
main(int argc, char **argv)
{
	uint64_t n, added;
	int is_new, first = 1;

	if (argc != 3 || (strcmp(argv[1], "old") && strcmp(argv[1], "new"))) {
		fprintf(stderr, "usage: diffgen old|new N\n");
		return 2;
	}
	is_new = strcmp(argv[1], "new") == 0;
	n = strtoull(argv[2], NULL, 10);
	added = n / 20;
	printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[\n",
	       is_new ? "6f7c0e52-2b0e-4c1e-9b7a-3c2d1e0f9a8b" :
			"1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
	for (uint64_t i = 0; i < n; i++) {
		if (is_new && i % 20 == 7)
			continue;		/* removed: 5% */
		indicator(i, is_new && i % 10 == 3, first);	/* 10% */
		first = 0;
	}
	if (is_new)
		for (uint64_t i = n; i < n + added; i++)
			indicator(i, 0, 0);	/* added: 5% */
	printf("\n]}\n");
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
