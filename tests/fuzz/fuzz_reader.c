/*
 * fuzz_reader.c - libFuzzer target for the STIX reader: any bytes, gzip or
 * not, must give objects or a clean error, never a crash or a leak; and
 * every object it gives is one that jcs.c takes too (the same I-JSON rules:
 * names unique, numbers that fit a double).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cti_object *obj;
	cti_reader *r;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	if (cti_reader_open_fd(&r, fd, "fuzz", NULL, 0) == CTI_OK) {
		while (cti_reader_next(&obj, r) == CTI_OK && obj) {
			/* what the reader hands out is what it promises */
			char *c = NULL;

			if (strlen(obj->json) != obj->len || !obj->type ||
			    !obj->id || obj->json[0] != '{' ||
			    obj->json[obj->len - 1] != '}')
				__builtin_trap();
			if (cti_json_canonical(&c, NULL, obj->json,
					       obj->len) != CTI_OK)
				__builtin_trap();
			free(c);
		}
		cti_reader_free(r);
	}
	close(fd);
	return 0;
}
