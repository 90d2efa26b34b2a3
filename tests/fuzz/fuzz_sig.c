/*
 * fuzz_sig.c - libFuzzer target for the signature parsers: minisign's
 * .minisig text, the binary subfield of an embedded signature, and the
 * trusted comment fields. A parsed signature must survive a round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cti__sig s, s2;
	static struct cti__tc tc;
	static unsigned char bin[CTI_SIGREC_FIXED + CTI_COMMENT_MAX];
	struct cti__buf b = { 0 };
	size_t n;
	int bad;

	if (cti__sig_from_text(&s, (const char *)data, size, "fuzz") ==
	    CTI_OK) {
		cti__tc_parse(&tc, s.comment, &bad);
		if (cti__sig_to_text(&b, &s, "fuzz") == CTI_OK) {
			if (cti__sig_from_text(&s2, b.p, b.len, "fuzz") != CTI_OK ||
			    memcmp(s.sig, s2.sig, sizeof(s.sig)) != 0 ||
			    strcmp(s.comment, s2.comment) != 0)
				abort();
		}
		cti__buf_free(&b);
	}
	if (cti__sig_from_binary(&s, data, size, "fuzz") == CTI_OK) {
		cti__tc_parse(&tc, s.comment, &bad);
		n = cti__sig_to_binary(bin, &s);
		if (n != size || memcmp(bin, data, n) != 0)
			abort();
	}
	return 0;
}
