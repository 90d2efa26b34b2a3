/*
 * fuzz_key.c - libFuzzer target for the key parsers: public key and
 * keyring files, and secret key files. The passphrase callback refuses,
 * so an encrypted key is parsed up to the key derivation, never through
 * scrypt.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
no_pass(void *ctx, char *buf, size_t size, const char *path, int confirm)
{
	(void)ctx;
	(void)buf;
	(void)size;
	(void)path;
	(void)confirm;
	return CTI_EPASS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cti_keyring *kr = NULL;
	cti_seckey *sk = NULL;
	char id[17];
	size_t i;

	if (cti_keyring_new(&kr) != CTI_OK)
		return 0;
	if (cti_keyring_add_mem(kr, (const char *)data, size, "fuzz") ==
	    CTI_OK) {
		if (cti_keyring_count(kr) == 0)
			abort();
		for (i = 0; i < cti_keyring_count(kr); i++)
			(void)cti_keyid_format(id, (uint64_t)i);
	}
	cti_keyring_free(kr);
	if (cti_seckey_parse(&sk, (const char *)data, size, "fuzz", no_pass,
			     NULL) == CTI_OK)
		(void)cti_seckey_id(sk);
	cti_seckey_free(sk);
	return 0;
}
