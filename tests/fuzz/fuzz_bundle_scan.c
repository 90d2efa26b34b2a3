/*
 * fuzz_bundle_scan.c - libFuzzer target for cti__bundle_each(), the
 * bundle walk without validation that cti push's TLP gate uses on a file
 * whose signature was verified: any bytes, gzip or not, must give
 * elements or a clean error, never a read past the input, a crash or a
 * leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
each(void *ctx, const char *json, size_t len)
{
	size_t *n = ctx;

	/* an element opens as an object and ends with a closing bracket
	 * (which one is not checked: the JSON is not validated) */
	if (len < 2 || json[0] != '{' ||
	    (json[len - 1] != '}' && json[len - 1] != ']'))
		__builtin_trap();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cti__src s;
	size_t n = 0;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	if (cti__src_open(&s, fd, 1, "fuzz", NULL, 0) == CTI_OK)
		(void)cti__bundle_each(&s, "fuzz", each, &n);
	cti__src_close(&s);
	return 0;
}
