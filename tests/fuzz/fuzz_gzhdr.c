/*
 * fuzz_gzhdr.c - libFuzzer target for the gzip header parser and writer:
 * parse, strip the signatures, add one; what is written must parse again
 * and carry exactly the signatures expected. The unverified listings of
 * signatures (cti_signature_ids, cti_signatures_read) must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cti__gzhdr h, h2;
	static unsigned char out[CTI_GZHDR_MAX];
	static struct cti__sig sig;
	static const unsigned char rec[CTI_SIGREC_FIXED + 5] = "ED12345678";
	size_t i;
	long n;

	struct cti_sig_info *info;
	uint64_t ids[8];
	size_t nids, ninfo;
	int r1, r2;

	if (size > CTI_GZHDR_MAX + 16)
		size = CTI_GZHDR_MAX + 16;
	r1 = cti_signature_ids(&nids, ids, 8, data, size, "fuzz");
	r2 = cti_signatures_read(&info, &ninfo, data, size, "fuzz");
	if (r1 != r2 || (r1 == CTI_OK && nids != ninfo))
		abort();
	for (i = 0; r1 == CTI_OK && i < nids && i < 8; i++)
		if (ids[i] != info[i].keyid || !info[i].trusted_comment)
			abort();
	cti_signatures_free(info);
	if (cti__gzhdr_parse(&h, data, size, "fuzz") != CTI_OK)
		return 0;
	if (h.len > size)
		abort();
	for (i = 0; i < h.nsig; i++) {
		if (h.sig[i].off + 4 + h.sig[i].len > h.len)
			abort();
		(void)cti__sig_from_binary(&sig, data + h.sig[i].off + 4,
					  h.sig[i].len, "fuzz");
	}
	n = cti__gzhdr_write(out, &h, data, NULL, 0, NULL, "fuzz");
	if (n >= 0) {
		if (cti__gzhdr_parse(&h2, out, (size_t)n, "fuzz") != CTI_OK ||
		    h2.nsig != 0 || h2.len != (size_t)n)
			abort();
	}
	n = cti__gzhdr_write(out, &h, data, rec, sizeof(rec), rec + 2, "fuzz");
	if (n >= 0) {
		if (cti__gzhdr_parse(&h2, out, (size_t)n, "fuzz") != CTI_OK ||
		    h2.nsig == 0 || h2.len != (size_t)n)
			abort();
		/* the new signature is last and intact */
		if (h2.sig[h2.nsig - 1].len != sizeof(rec) ||
		    memcmp(out + h2.sig[h2.nsig - 1].off + 4, rec,
			   sizeof(rec)) != 0)
			abort();
	}
	return 0;
}
