/*
 * fuzz_tlpscan.c - libFuzzer target for cti__tlpscan_feed(), the search
 * of a payload's text for TLP marking ids (cti push's TLP gate, cti
 * verify's TLP): any bytes, fed whole and in chunks of every size the
 * first byte picks, must never read past the input or crash, and a
 * chunked search that is sure must agree with the whole one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cti__tlpscan whole, part;
	size_t step;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	memset(&whole, 0, sizeof(whole));
	memset(&part, 0, sizeof(part));
	/* each chunk in a buffer of its own size, so that ASan sees a read
	 * past it */
	{
		char *copy = malloc(size ? size : 1);

		if (!copy)
			return 0;
		memcpy(copy, data, size);
		cti__tlpscan_feed(&whole, copy, size);
		free(copy);
	}
	for (size_t i = 0; i < size; i += step) {
		size_t n = size - i < step ? size - i : step;
		char *c = malloc(n);

		if (!c)
			return 0;
		memcpy(c, data + i, n);
		cti__tlpscan_feed(&part, c, n);
		free(c);
	}
	cti__tlpscan_end(&whole);
	cti__tlpscan_end(&part);
	/* a smaller window can only make the search unsure, never change
	 * what a sure search found */
	if (!part.unsure && (whole.unsure || whole.max != part.max))
		__builtin_trap();
	return 0;
}
