/*
 * fuzz_list.c - indicator list lines: split, classify, pattern, id.
 * The normal form of a value (URLs aside) must classify as itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_line(const char *line, size_t len)
{
	struct cti_ioc_line l;
	const char *v;
	size_t vl, psz;
	enum cti_ioc_type t, t2;
	char *out, *out2, *pat, id[64];
	int n;

	if (!cti_ioc_split_line(&l, line, len))
		return;
	v = l.value;
	vl = l.value_len;
	if (v < line || v + vl > line + len || l.rest < line ||
	    l.rest + l.rest_len > line + len ||
	    (l.port && (l.port < line || l.port + l.port_len > line + len ||
			l.port_len < 1 || l.port_len > 5)))
		abort();
	/* exact sizes, so that ASan sees any overrun */
	if (!(out = malloc(vl + 2)))
		return;
	t = cti_ioc_classify(out, vl + 2, v, vl);
	if (t != CTI_IOC_NONE) {
		if (!cti_ioc_type_name(t) || strlen(out) > vl + 1)
			abort();
		if (cti_ioc_type_parse(cti_ioc_type_name(t)) != t)
			abort();
		if (t != CTI_IOC_URL && (out2 = malloc(strlen(out) + 2))) {
			t2 = cti_ioc_classify(out2, strlen(out) + 2, out,
					      strlen(out));
			if (t2 != t || strcmp(out, out2))
				abort();
			free(out2);
		}
		psz = 2 * strlen(out) + 32;
		if ((pat = malloc(psz))) {
			n = cti_ioc_pattern(pat, psz, t, out);
			if (n < 0 || (size_t)n != strlen(pat))
				abort();
			/* one byte short must fail cleanly */
			if (cti_ioc_pattern(pat, (size_t)n, t, out) !=
			    CTI_ELIMIT)
				abort();
			if (!cti_stix_id(id, sizeof(id), "indicator", pat,
					 (size_t)n))
				abort();
			free(pat);
		}
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size, *nl;
	char *copy;

	/* the whole input as one line, then line by line */
	if ((copy = malloc(size ? size : 1))) {
		memcpy(copy, data, size);
		one_line(copy, size);
		free(copy);
	}
	while (p < e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl)
			nl = e;
		one_line(p, (size_t)(nl - p));
		p = nl + 1;
	}
	return 0;
}
