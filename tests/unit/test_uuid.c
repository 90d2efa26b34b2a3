/* test_uuid.c - SHA-1 (FIPS 180-4 vectors), UUIDv5, STIX ids, TLP and
 * the search of a payload's text for TLP markings. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

static const char *
hex(const unsigned char *p, size_t n)
{
	static char s[129];
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n && i < 64; i++) {
		s[2 * i] = hx[p[i] >> 4];
		s[2 * i + 1] = hx[p[i] & 15];
	}
	s[2 * i] = '\0';
	return s;
}

static const char *
sha1_str(const void *p, size_t n)
{
	unsigned char d[20];

	cti__sha1(d, p, n);
	return hex(d, 20);
}

static void
test_sha1(void)
{
	static const size_t lens[] = {55, 56, 63, 64, 65, 119, 120, 128};
	static const char *const want[] = {
		"ddf57317ef34bfee3b6df83d359098930eb278bc",
		"a0d492bb0fc889d0eca3bc137066ab6f4f74f369",
		"c55856749bef509bdfe6bfebfc7bf4e793e82132",
		"bede92be29c3874e1b54ddc77988d606fc857a8e",
		"b05a80522b053d6dc7e0a517d0e70212c7dad11f",
		"504e27376a6e0f0dba8295b85cb25dc4dfa17d23",
		"82134b02fb3f702491be9bed581eeab59334acb2",
		"a09133e6730ffe899efb70204cb5646cd5dc24ee",
	};
	unsigned char buf[128];
	char *mil;
	size_t i;

	/* FIPS 180 examples */
	CHECK_STR(sha1_str("abc", 3),
		  "a9993e364706816aba3e25717850c26c9cd0d89d");
	CHECK_STR(sha1_str("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	CHECK_STR(sha1_str("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomno"
			   "pnopq",
			   56),
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	CHECK_STR(sha1_str("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghi"
			   "jklmn"
			   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnop"
			   "qrstu",
			   112),
		  "a49b2446a02c645bf419f995b67091253a04a259");
	if ((mil = malloc(1000000))) {
		memset(mil, 'a', 1000000);
		CHECK_STR(sha1_str(mil, 1000000),
			  "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
		free(mil);
	}
	/* padding around block boundaries (python3 hashlib) */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)((i * 7 + 3) & 0xff);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		CHECK_STR(sha1_str(buf, lens[i]), want[i]);
}

static void
test_uuid(void)
{
	unsigned char ns[16], u[16];
	char out[37], id[80];

	/* RFC 9562 appendix A.4: DNS namespace, "www.example.com" */
	CHECK(cti__uuid_parse(ns, "6ba7b810-9dad-11d1-80b4-00c04fd430c8") == 0);
	cti__uuid5(out, ns, "www.example.com", 15);
	CHECK_STR(out, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
	/* python3 uuid.uuid5 */
	CHECK(cti__uuid_parse(ns, "6BA7B811-9DAD-11D1-80B4-00C04FD430C8") == 0);
	cti__uuid5(out, ns, "https://example.com/", 20);
	CHECK_STR(out, "dd2c1780-811a-5296-81c5-178a0ef488bc");
	CHECK(cti__uuid_parse(ns, "00abedb4-aa42-466c-9c01-fed23315a9b7") == 0);
	cti__uuid5(out, ns, "{\"value\":\"198.51.100.7\"}", 24);
	CHECK_STR(out, "12592121-be4c-5a93-a813-5a5af16e50db");

	CHECK(cti__uuid_parse(u, CTI_UUID_NAMESPACE) == 0);
	CHECK(cti__uuid_parse(u, "") != 0);
	CHECK(cti__uuid_parse(u, "6ba7b810-9dad-11d1-80b4-00c04fd430c") != 0);
	CHECK(cti__uuid_parse(u, "6ba7b810-9dad-11d1-80b4-00c04fd430c88") != 0);
	CHECK(cti__uuid_parse(u, "6ba7b8109dad-11d1-80b4-00c04fd430c8a") != 0);
	CHECK(cti__uuid_parse(u, "6ba7b810-9dad-11d1-80b4_00c04fd430c8") != 0);
	CHECK(cti__uuid_parse(u, "6ba7b810-9dad-11d1-80b4-00c04fd430cg") != 0);
	CHECK(cti__uuid_parse(u, NULL) != 0);

	/* STIX ids under CTI_UUID_NAMESPACE, checked with python3 uuid.uuid5 */
#define ID(type, name, want) \
	CHECK_STR(cti_stix_id(id, sizeof(id), type, name, strlen(name)), want)
	ID("indicator", "[ipv4-addr:value = '198.51.100.7']",
	   "indicator--bc61879a-0f14-5c0f-ad82-22d99d1fb25f");
	ID("identity", "CERT-EU",
	   "identity--22c8a2de-cc32-5541-bc55-4acd184c2ea6");
	ID("indicator", "[url:value = 'http://a.com/it\\'s']",
	   "indicator--00ecd04a-7624-5152-8a0b-9844dee64230");
	ID("x", "", "x--2414ebb2-68c9-57a4-a5eb-6e61296eca29");
	ID("x", "\xc3\xa9", "x--4e19ff11-123b-5c26-beef-73a9bc31f0c3");
	CHECK(cti_stix_id(id, 9 + 39, "indicator", "a", 1) == id);
	CHECK(cti_stix_id(id, 9 + 38, "indicator", "a", 1) == NULL);
	CHECK(cti_stix_id(id, sizeof(id), NULL, "a", 1) == NULL);
}

static void
test_tlp(void)
{
	static const char *const ids[] = {
		NULL,
		"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	};
	static const char *const names[] = {NULL,    "clear",	     "green",
					    "amber", "amber+strict", "red"};
	static const char *const labels[] = {
		NULL,	     "TLP:CLEAR",	 "TLP:GREEN",
		"TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"};
	char want[512];
	int t;

	for (t = CTI_TLP_CLEAR; t <= CTI_TLP_RED; t++) {
		CHECK(cti_tlp_parse(names[t]) == (enum cti_tlp)t);
		CHECK(cti_tlp_parse(labels[t]) == (enum cti_tlp)t);
		CHECK_STR(cti_tlp_id(t), ids[t]);
		CHECK(cti_tlp_from_id(ids[t]) == (enum cti_tlp)t);
		CHECK_STR(cti_tlp_label(t), labels[t]);
		snprintf(want, sizeof(want),
			 "{\"type\":\"marking-definition\",\"spec_version\":"
			 "\"2.1\","
			 "\"id\":\"%s\",\"created\":\"2022-10-01T00:00:00."
			 "000Z\","
			 "\"name\":\"%s\",\"extensions\":{\"extension-"
			 "definition--"
			 "60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":{\"extension_"
			 "type\":"
			 "\"property-extension\",\"tlp_2_0\":\"%s\"}}}",
			 ids[t], labels[t], names[t]);
		CHECK_STR(cti_tlp_object(t), want);
	}
	CHECK(cti_tlp_parse("Amber+Strict") == CTI_TLP_AMBER_STRICT);
	CHECK(cti_tlp_parse("white") == CTI_TLP_CLEAR);
	CHECK(cti_tlp_parse("tlp:red") == CTI_TLP_RED);
	CHECK(cti_tlp_parse("amber strict") == CTI_TLP_NONE);
	CHECK(cti_tlp_parse("") == CTI_TLP_NONE);
	CHECK(cti_tlp_parse(NULL) == CTI_TLP_NONE);
	CHECK(cti_tlp_id(CTI_TLP_NONE) == NULL);
	CHECK(cti_tlp_label(CTI_TLP_NONE) == NULL);
	CHECK(cti_tlp_object(CTI_TLP_NONE) == NULL);
	CHECK(cti_tlp_object(99) == NULL);
	/* TLP 1.0 (STIX 2.1 section 7.2.1.4) is known too; an id that
	 * differs in one digit is not */
	CHECK(cti_tlp_from_id("marking-definition--34098fce-860f-48ae-8e50-"
			      "ebd3cc5a41da") == CTI_TLP_GREEN);
	CHECK(cti_tlp_from_id("marking-definition--34098fce-860f-48ae-8e50-"
			      "ebd3cc5e41da") == CTI_TLP_NONE);
	CHECK(cti_tlp_from_id(NULL) == CTI_TLP_NONE);
}

#define S_GREEN "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\""
#define S_RED "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\""
#define S_OWN "\"marking-definition--44444444-4444-4444-8444-444444444444\""

/* The scan of text, fed whole, a byte at a time and in chunks of 7:
 * *max, and whether it was sure; the three must agree. */
static int
scan(const char *text, enum cti_tlp *max)
{
	struct cti__tlpscan t[3];
	size_t n = strlen(text);

	memset(t, 0, sizeof(t));
	cti__tlpscan_feed(&t[0], text, n);
	for (size_t i = 0; i < n; i++)
		cti__tlpscan_feed(&t[1], text + i, 1);
	for (size_t i = 0; i < n; i += 7)
		cti__tlpscan_feed(&t[2], text + i, n - i < 7 ? n - i : 7);
	for (int i = 0; i < 3; i++)
		cti__tlpscan_end(&t[i]);
	if (t[0].max != t[1].max || t[0].max != t[2].max ||
	    t[0].unsure != t[1].unsure || t[0].unsure != t[2].unsure)
		return -1;
	*max = t[0].max;
	return !t[0].unsure;
}

/* Definitions and references at every offset of a chunk boundary: each
 * chunk size gives what the whole text gives. */
static void
chunked(void)
{
	static char text[1 << 16];
	struct cti__tlpscan whole = { 0 }, t;
	size_t n = 0;
	int same = 1;

	for (int i = 0; n < sizeof(text) - 400; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "{\"id\":  %s,\"d\":\"%*s\","
				      "\"object_marking_refs\":[%s]},",
				      i % 3 ? S_RED : S_OWN, i % 97, "",
				      S_GREEN);
	}
	cti__tlpscan_feed(&whole, text, n);
	cti__tlpscan_end(&whole);
	CHECK(whole.max == CTI_TLP_GREEN && !whole.unsure);
	for (size_t c = 1; c <= 300; c++) {
		memset(&t, 0, sizeof(t));
		for (size_t i = 0; i < n; i += c)
			cti__tlpscan_feed(&t, text + i, n - i < c ? n - i : c);
		cti__tlpscan_end(&t);
		same &= t.max == whole.max && t.unsure == whole.unsure;
	}
	CHECK(same);
}

static void
test_tlpscan(void)
{
	enum cti_tlp m = CTI_TLP_NONE;
	char many[4096];
	size_t k = 0;

	/* a reference counts with its level */
	CHECK(scan("{\"object_marking_refs\":[" S_GREEN "]}", &m) == 1 &&
	      m == CTI_TLP_GREEN);
	CHECK(scan("{\"marking_ref\":" S_RED "}", &m) == 1 &&
	      m == CTI_TLP_RED);
	/* a definition's own id does not, however spaced */
	CHECK(scan("{\"id\":" S_RED ",\"x\":[" S_GREEN "]}", &m) == 1 &&
	      m == CTI_TLP_GREEN);
	CHECK(scan("{\"id\" :\n\t " S_RED "}", &m) == 1 &&
	      m == CTI_TLP_NONE);
	/* but a member that only ends in id does */
	CHECK(scan("{\"xid\":" S_RED "}", &m) == 1 && m == CTI_TLP_RED);
	/* text that names an id inside a longer string is no reference */
	CHECK(scan("{\"d\":\"see marking-definition--e828b379-4e03-4974-"
		   "9ac4-e53a884c97c1\"}", &m) == 1 && m == CTI_TLP_NONE);
	/* a marking of the producer's own: sure while it is not defined */
	CHECK(scan("{\"object_marking_refs\":[" S_OWN "]}", &m) == 1 &&
	      m == CTI_TLP_NONE);
	CHECK(scan("{\"object_marking_refs\":[" S_OWN "]},{\"id\":" S_OWN
		   "}", &m) == 0);
	CHECK(scan("{\"id\":" S_OWN "},{\"object_marking_refs\":[" S_OWN
		   "]}", &m) == 0);
	/* an id that is not one, and escapes that could hide one */
	CHECK(scan("[\"marking-definition--44\"]", &m) == 0);
	CHECK(scan("[\"marking\\u002ddefinition--e828b379-4e03-4974-9ac4-"
		   "e53a884c97c1\"]", &m) == 0);
	CHECK(scan("[\"\\u006darking-definition--e828b379-4e03-4974-9ac4-"
		   "e53a884c97c1\"]", &m) == 0);
	CHECK(scan("{\"name\":\"caf\\u00e9 \\u2603\"}", &m) == 1);
	/* more distinct markings than are remembered: unsure */
	many[k++] = '[';
	for (int i = 0; i < CTI__TLPSCAN_IDS + 1; i++)
		k += (size_t)snprintf(many + k, sizeof(many) - k,
				      "%s\"marking-definition--%08d-4444-4444-"
				      "8444-444444444444\"", i ? "," : "", i);
	snprintf(many + k, sizeof(many) - k, "]");
	CHECK(scan(many, &m) == 0);
	chunked();
}

int
main(void)
{
	test_sha1();
	test_uuid();
	test_tlp();
	test_tlpscan();
	return UNIT_DONE();
}
