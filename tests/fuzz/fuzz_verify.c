/*
 * fuzz_verify.c - libFuzzer target for the staged verifier: any bytes,
 * fed in pieces whose size the first byte picks, against a keyring of one
 * key whose id the input may well use. Whatever the pieces, the verdict
 * is the same; no input verifies (the key's secret half is not here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* key id 0807060504030201, as the bytes 01..08 in a signature */
static const char key[] =
	"untrusted comment: fuzz\n"
	"RWQBAgMEBQYHCJOFC3B1heQE5JUaPdwfBaNLPU9fwIHWFvRtii6PHI5o\n";

static int
run(const uint8_t *data, size_t size, size_t chunk, cti_keyring *kr)
{
	struct cti_verify_opts o = { .keys = kr, .legacy = 1 };
	cti_verifier *v;
	size_t off;
	int rc;

	if ((rc = cti_verifier_new(&v, "fuzz", &o)))
		return rc;
	for (off = 0; off < size; off += chunk)
		if ((rc = cti_verifier_update(v, data + off,
					      size - off < chunk ? size - off :
								   chunk)))
			break;
	if (rc == CTI_OK)
		rc = cti_verifier_finish(NULL, v);
	cti_verifier_free(v);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cti_keyring *kr;
	size_t chunk;
	int a, b;

	if (!kr && (cti_keyring_new(&kr) != CTI_OK ||
		    cti_keyring_add_mem(kr, key, sizeof(key) - 1, "fuzz") !=
			    CTI_OK))
		abort();
	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	a = run(data + 1, size - 1, chunk, kr);
	b = run(data + 1, size - 1, size, kr);
	if (a != b || a == CTI_OK)
		abort();
	return 0;
}
