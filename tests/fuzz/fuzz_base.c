/*
 * fuzz_base.c - cti_pack() with opts.base: the previous release is the
 * input (any bytes), the list a fixed one whose values its seeds hold.
 * Whatever the release, the pack fails cleanly or succeeds; when it
 * succeeds, packing the same list against its output gives that output
 * again, byte for byte (an unchanged list gives an unchanged release).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char list[] =
	"198.51.100.7\tscanner\n"
	"evil-update.example.com\tc2\n"
	"203.0.113.9\n"
	"44d88612fea8a8f36de82e1278abb02f\n";

static char dir[64], list_path[96], base_path[96], out1[96], out2[96];

static int
put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void *
get(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)len + 1)) &&
	    fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		p = NULL;
	}
	if (p)
		*n = (size_t)len;
	fclose(f);
	return p;
}

static void
cleanup(void)
{
	unlink(list_path);
	unlink(base_path);
	unlink(out1);
	unlink(out2);
	rmdir(dir);
}

static int
pack(const char *out, const char *base)
{
	const char *in[] = { list_path };
	struct cti_pack_opts o = {
		.producer = "CERT-XX", .tlp = CTI_TLP_GREEN, .confidence = -1,
		.valid_for = 30 * 86400, .level = 1, .base = base,
		.revoke_missing = 1,
	};

	return cti_pack(NULL, out, in, 1, &o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *a, *b;
	size_t na, nb;
	int rc;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_base.%d", (int)getpid());
		if (mkdir(dir, 0700) && access(dir, W_OK))
			abort();
		snprintf(list_path, sizeof(list_path), "%s/list.txt", dir);
		snprintf(base_path, sizeof(base_path), "%s/base", dir);
		snprintf(out1, sizeof(out1), "%s/out1.cti", dir);
		snprintf(out2, sizeof(out2), "%s/out2.cti", dir);
		if (put(list_path, list, sizeof(list) - 1))
			abort();
		atexit(cleanup);
		/* the same clock for both packs */
		setenv("SOURCE_DATE_EPOCH", "1800000000", 1);
	}
	if (put(base_path, data, size))
		abort();
	rc = pack(out1, base_path);
	if (rc) {
		if (rc != CTI_EFORMAT && rc != CTI_ELIMIT && rc != CTI_EIO)
			abort();
		if (access(out1, F_OK) == 0)
			abort();	/* a failed pack leaves nothing */
		return 0;
	}
	if (pack(out2, out1))
		abort();
	a = get(out1, &na);
	b = get(out2, &nb);
	if (!a || !b || na != nb || memcmp(a, b, na))
		abort();
	free(a);
	free(b);
	unlink(out1);
	unlink(out2);
	return 0;
}
