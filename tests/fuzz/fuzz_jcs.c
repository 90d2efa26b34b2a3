/*
 * fuzz_jcs.c - libFuzzer target for the JSON canonicalization (lib/jcs.c).
 *
 * Whatever the input, cti_json_canonical() must not crash or leak; when it
 * accepts the input, its output must be a fixed point (canonicalising it
 * again gives the same bytes), and cti_json_hash() must hash the input and
 * its canonical form alike.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *ignore[] = {"id", NULL};
	struct cti_json_field f[2] = {{"name", NULL, 0}, {"", NULL, 0}};
	unsigned char h1[16], h2[16];
	char *c1 = NULL, *c2 = NULL;
	size_t n1, n2;
	int rc;

	rc = cti_json_canonical(&c1, &n1, in, size);
	if (rc != CTI_OK) {
		if (c1)
			abort();
		/* the hash refuses what canonicalisation refuses */
		if (cti_json_hash(h1, 16, in, size, NULL, NULL, 0) == CTI_OK)
			abort();
		return 0;
	}
	if (strlen(c1) != n1)
		abort();
	if (cti_json_canonical(&c2, &n2, c1, n1) != CTI_OK || n2 != n1 ||
	    memcmp(c1, c2, n1) != 0)
		abort();
	if (cti_json_hash(h1, 16, in, size, ignore, f, 2) != CTI_OK ||
	    cti_json_hash(h2, 16, c1, n1, ignore, NULL, 0) != CTI_OK ||
	    memcmp(h1, h2, 16) != 0)
		abort();
	/* a picked value lies inside the input */
	for (int i = 0; i < 2; i++)
		if (f[i].value && (f[i].value < in ||
				   f[i].value + f[i].len > in + size))
			abort();
	free(c1);
	free(c2);
	return 0;
}
