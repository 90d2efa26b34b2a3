/*
 * fuzz_validators.c - libFuzzer target for the validators file of a pull
 * (ETag and Last-Modified of the last good copy or of a partial download;
 * the ETag is what a server sent). The input is the file's text; what the
 * parser keeps must be a valid entity tag and a positive time, only for
 * the source named, and must survive being written and read back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz_validators.XXXXXX", *path;

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char source[] = "0123456789abcdef";
	struct cti__validators v, w;

	cti__validators_parse(&v, (const char *)data, size, source);
	if (v.etag[0] && !cti__http_etag_ok(v.etag, strlen(v.etag)))
		abort();
	if (v.last_modified == 0 || v.last_modified < -1)
		abort();
	cti__validators_parse(&w, (const char *)data, size, "another");
	if (w.etag[0] || w.last_modified != -1)
		abort();
	if (!v.etag[0] && v.last_modified < 0)
		return 0;
	if (!path) {
		if (!mkdtemp(dir) || !(path = malloc(sizeof(dir) + 8)))
			abort();
		sprintf(path, "%s/v", dir);
		atexit(cleanup);
	}
	if (cti__validators_write(path, source, v.etag[0] ? v.etag : NULL,
				  v.last_modified) ||
	    cti__validators_read(&w, path, source) ||
	    strcmp(v.etag, w.etag) != 0 || v.last_modified != w.last_modified)
		abort();
	return 0;
}
