/*
 * test_sign.c - unit tests for the parts of keys.c, sign.c and gzhdr.c that
 * the shell tests reach only indirectly: trusted comment fields, gzip
 * header corner cases, signature round trips, keyring names.
 */
#include <stdio.h>
#include <string.h>

#include "trust.h"
#include "unit.h"

static void
test_tc(void)
{
	struct cti__tc t;
	int bad;

	cti__tc_parse(&t, "timestamp:1795000000\tfile:a.gz\thashed\tfeed:f-1"
			 "\tseq:42\texpires:1796000000", &bad);
	CHECK(!bad);
	CHECK(t.timestamp == 1795000000 && t.seq == 42 &&
	      t.expires == 1796000000 && t.hashed);
	CHECK_STR(t.file, "a.gz");
	CHECK_STR(t.feed, "f-1");
	cti__tc_parse(&t, "timestamp:1\tfile:x", &bad);
	CHECK(!bad && t.seq == -1 && t.expires == 0 && t.feed == NULL);
	cti__tc_parse(&t, "hello from minisign", &bad);
	CHECK(!bad && t.timestamp == -1);
	cti__tc_parse(&t, "timestamp:1\tunknown:x\tfuture", &bad);
	CHECK(!bad && t.timestamp == 1);
	/* repeated or malformed known fields are refused, not guessed */
	cti__tc_parse(&t, "seq:1\tseq:2", &bad);
	CHECK(bad && t.seq == -1);
	cti__tc_parse(&t, "feed:a\tfeed:b", &bad);
	CHECK(bad && t.feed == NULL);
	cti__tc_parse(&t, "seq:-1", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "seq:1x", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "seq:99999999999999999999", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "expires:0", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "timestamp:", &bad);
	CHECK(bad);
}

static void
test_feed(void)
{
	CHECK(cti__feed_ok("cert-xy.eu_1"));
	CHECK(!cti__feed_ok(""));
	CHECK(!cti__feed_ok(".."));
	CHECK(!cti__feed_ok(".hidden"));
	CHECK(!cti__feed_ok("a/b"));
	CHECK(!cti__feed_ok("a\tb"));
	CHECK(!cti__feed_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_gzhdr(void)
{
	static struct cti__gzhdr h;
	static unsigned char out[CTI_GZHDR_MAX];
	unsigned char base[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 'x' };
	unsigned char b[512];
	unsigned char rec[CTI_SIGREC_FIXED] = "ED12345678";
	long n;

	CHECK(cti__gzhdr_parse(&h, base, sizeof(base), "t") == CTI_OK);
	CHECK(h.len == 10 && h.nsig == 0);
	CHECK(cti__gzhdr_parse(&h, base, 9, "t") == CTI_EFORMAT);
	memcpy(b, base, 10);
	b[2] = 7;
	CHECK(cti__gzhdr_parse(&h, b, 10, "t") == CTI_EFORMAT);
	b[2] = 8;
	b[3] = 0x20;
	CHECK(cti__gzhdr_parse(&h, b, 10, "t") == CTI_EFORMAT);
	/* XLEN longer than the data; a subfield overrunning XLEN */
	b[3] = 0x04;
	b[10] = 8;
	b[11] = 0;
	CHECK(cti__gzhdr_parse(&h, b, 15, "t") == CTI_EFORMAT);
	memcpy(b + 12, "AP\x05\x00xxxx", 8);
	CHECK(cti__gzhdr_parse(&h, b, 20, "t") == CTI_EFORMAT);
	memcpy(b + 12, "AP\x04\x00xxxx", 8);
	CHECK(cti__gzhdr_parse(&h, b, 20, "t") == CTI_OK);
	CHECK(h.len == 20 && h.nsig == 0 && h.xlen == 8);
	/* add a signature: the other subfield stays first */
	n = cti__gzhdr_write(out, &h, b, rec, sizeof(rec), NULL, "t");
	CHECK(n == 20 + 4 + (long)sizeof(rec));
	CHECK(memcmp(out + 12, "AP\x04\x00xxxx", 8) == 0);
	CHECK(out[20] == 'C' && out[21] == 'S');
	CHECK(cti__gzhdr_parse(&h, out, (size_t)n, "t") == CTI_OK &&
	      h.nsig == 1);
	/* stripping gives back the original header */
	memcpy(b + 32, out, (size_t)n);
	n = cti__gzhdr_write(out, &h, b + 32, NULL, 0, NULL, "t");
	CHECK(n == 20 && memcmp(out, b, 20) == 0);
	/* FNAME without its NUL */
	memcpy(b, base, 10);
	b[3] = 0x08;
	memcpy(b + 10, "name", 4);
	CHECK(cti__gzhdr_parse(&h, b, 14, "t") == CTI_EFORMAT);
	b[14] = 0;
	CHECK(cti__gzhdr_parse(&h, b, 15, "t") == CTI_OK && h.len == 15);
}

static void
test_sig_text(void)
{
	static struct cti__sig s, s2;
	struct cti__buf b = { 0 };
	const char *bad[] = {
		"",
		"untrusted comment: x\n",
		"untrusted comment: x\nRWQ=\ntrusted comment: t\nAAAA\n",
		"comment: x\n",
	};
	size_t i;

	memcpy(s.alg, "ED", 2);
	memset(s.keynum, 0xab, sizeof(s.keynum));
	memset(s.sig, 1, sizeof(s.sig));
	memset(s.global, 2, sizeof(s.global));
	strcpy(s.comment, "timestamp:1\tfile:f\thashed");
	s.comment_len = strlen(s.comment);
	CHECK(cti__sig_to_text(&b, &s, "u") == CTI_OK);
	CHECK(cti__sig_from_text(&s2, b.p, b.len, "t") == CTI_OK);
	CHECK(memcmp(&s.sig, &s2.sig, sizeof(s.sig)) == 0 &&
	      memcmp(&s.global, &s2.global, sizeof(s.global)) == 0 &&
	      strcmp(s.comment, s2.comment) == 0);
	cti__buf_free(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cti__sig_from_text(&s2, bad[i], strlen(bad[i]), "t") ==
		      CTI_EFORMAT);
	/* a binary record with a newline in its comment is refused */
	{
		unsigned char rec[CTI_SIGREC_FIXED + 3];

		memset(rec, 0, sizeof(rec));
		memcpy(rec, "ED", 2);
		memcpy(rec + CTI_SIGREC_FIXED, "a\nb", 3);
		CHECK(cti__sig_from_binary(&s2, rec, sizeof(rec), "t") ==
		      CTI_EFORMAT);
		memcpy(rec, "XX", 2);
		CHECK(cti__sig_from_binary(&s2, rec, CTI_SIGREC_FIXED, "t") ==
		      CTI_EFORMAT);
		CHECK(cti__sig_from_binary(&s2, rec, CTI_SIGREC_FIXED - 1, "t") ==
		      CTI_EFORMAT);
	}
}

static void
test_keyring(void)
{
	cti_keyring *kr;
	char id[17];
	const char *one = "untrusted comment: minisign public key 1\n"
			  "RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0\n";
	const char *named = "untrusted comment: CERT-XY\n"
			    "RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0\n";

	CHECK_STR(cti_keyid_format(id, 0xA096FDA2DFD59EACull),
		  "A096FDA2DFD59EAC");
	CHECK(cti_keyring_new(&kr) == CTI_OK);
	CHECK(cti_keyring_add_mem(kr, one, strlen(one), "team") == CTI_OK);
	CHECK(cti_keyring_count(kr) == 1);
	CHECK_STR(cti_keyring_name(kr, 0xA096FDA2DFD59EACull), "team");
	/* the same key again is not added twice */
	CHECK(cti_keyring_add_mem(kr, named, strlen(named), "x") == CTI_OK);
	CHECK(cti_keyring_count(kr) == 1);
	CHECK(cti_keyring_name(kr, 1) == NULL);
	cti_keyring_free(kr);
	CHECK(cti_keyring_new(&kr) == CTI_OK);
	CHECK(cti_keyring_add_mem(kr, named, strlen(named), "x") == CTI_OK);
	CHECK_STR(cti_keyring_name(kr, 0xA096FDA2DFD59EACull), "CERT-XY");
	CHECK(cti_keyring_add_mem(kr, "junk\n", 5, "j") == CTI_EFORMAT);
	CHECK(cti_keyring_add_mem(kr, "", 0, "j") == CTI_EFORMAT);
	CHECK(cti_keyring_add_base64(kr, "RWSs", NULL) == CTI_EFORMAT);
	cti_keyring_free(kr);
	cti_keyring_free(NULL);
	cti_seckey_free(NULL);
	cti_verify_result_free(NULL);
}

int
main(void)
{
	test_tc();
	test_feed();
	test_gzhdr();
	test_sig_text();
	test_keyring();
	return UNIT_DONE();
}
