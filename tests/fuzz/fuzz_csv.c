/*
 * fuzz_csv.c - the CSV reader over arbitrary bytes (plain or gzip), read
 * through a memfd as cti pack reads a file.
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
	const struct cti_csv_row *r;
	cti_csv *c;
	struct cti_csv_opts o;
	int fd, rc;
	unsigned rows = 0;
	size_t pre;

	if ((fd = memfd_create("fuzz_csv", 0)) < 0)
		return 0;
	/* the first byte says how much of the input comes as a prefix */
	pre = size ? data[0] % 8 : 0;
	if (pre > size - (size ? 1 : 0))
		pre = 0;
	if (size && write(fd, data + 1 + pre, size - 1 - pre) !=
			    (ssize_t)(size - 1 - pre)) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	/* and which value column and separator are asked for */
	o.column = size > 1 && data[0] & 8 ? "x" : NULL;
	o.delimiter = size ? ",;\t"[data[0] >> 4 & 3] : 0;
	rc = cti_csv_open(&c, fd, "fuzz.csv", &o, size ? data + 1 : NULL, pre);
	if (rc == CTI_OK) {
		while ((rc = cti_csv_next(&r, c)) == CTI_OK && r) {
			if (!r->value || strlen(r->value) > CTI_MAX_LINE)
				abort();
			if (r->type && !*r->type)
				abort();
			if (++rows > 1000000)
				break;
		}
		cti_csv_free(c);
	} else if (c) {
		abort();
	}
	if (rc < 0 && !*cti_errmsg())
		abort();
	close(fd);
	return 0;
}
