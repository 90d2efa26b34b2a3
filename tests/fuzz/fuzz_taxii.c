/*
 * fuzz_taxii.c - libFuzzer target for the parsers of what a TAXII server
 * sends: the input goes, whole, through the page reader (an envelope or a
 * TAXII 2.0 bundle, from a file), the error object, discovery, API root,
 * collection, collections and status parsers, and line by line through
 * the head parser and the media type. What they accept must hold
 * together: strings kept are free of control characters, counts add up,
 * a status id is printable, a range is ordered, a "next" fits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static int
count_object(void *ctx, const struct cti_object *o)
{
	uint64_t *n = ctx;

	if (!o->json || strlen(o->json) != o->len)
		abort();
	(*n)++;
	return 0;
}

static int
failure(void *ctx, const char *id, const char *version, const char *msg)
{
	(void)ctx;
	if (!id)
		abort();
	clean(id);
	clean(version);
	clean(msg);
	return 0;
}

static void
page(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct cti__taxii_page pg;
	uint64_t n = 0;

	if (fd < 0 && (fd = memfd_create("page", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (cti__taxii_page_read(&pg, fd, "page", count_object, &n) == CTI_OK) {
		if (pg.count != n || strlen(pg.next) > CTI__TAXII_NEXT_MAX)
			abort();
	}
}

static void
documents(const char *json, size_t len)
{
	struct cti__taxii_discovery d;
	struct cti__taxii_root r;
	struct cti__taxii_coll c, *cs;
	struct cti__taxii_status st;
	char text[256];
	size_t n;

	if (cti__taxii_error_text(text, sizeof(text), json, len) == 0)
		clean(text);
	if (cti__taxii_discovery_parse(&d, json, len) == CTI_OK) {
		clean(d.title);
		clean(d.description);
		clean(d.contact);
		clean(d.def);
		for (size_t i = 0; i < d.nroots; i++)
			if (!d.roots[i])
				abort();
			else
				clean(d.roots[i]);
		cti__taxii_discovery_clear(&d);
	}
	if (cti__taxii_root_parse(&r, json, len) == CTI_OK) {
		if (r.version != 0 && r.version != 20 && r.version != 21)
			abort();
		clean(r.title);
		clean(r.description);
		cti__taxii_root_clear(&r);
	}
	if (cti__taxii_collection_parse(&c, json, len) == CTI_OK) {
		if (!c.id || !c.id[0])
			abort();
		clean(c.id);
		clean(c.title);
		cti__taxii_coll_clear(&c);
	}
	if (cti__taxii_collections_parse(&cs, &n, json, len) == CTI_OK) {
		for (size_t i = 0; i < n; i++)
			if (!cs[i].id)
				abort();
			else
				clean(cs[i].id);
		cti__taxii_colls_free(cs, n);
	}
	if (cti__taxii_status_parse(&st, json, len, failure, NULL) == CTI_OK) {
		if (!st.id[0] || strlen(st.id) > CTI__TAXII_ID_MAX)
			abort();
		for (const char *p = st.id; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f)
				abort();
	}
}

static void
head(const char *p, size_t size)
{
	static struct cti__taxii_head h;
	const char *end = p + size;

	cti__taxii_head_reset(&h);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		cti__taxii_head_line(&h, p, len);
		p += len;
	}
	if (h.has_range && (h.range_last < h.range_first ||
			    (h.range_total >= 0 &&
			     h.range_last >= (uint64_t)h.range_total)))
		abort();
	clean(h.content_type);
	clean(h.added_first);
	clean(h.added_last);
	{
		int m = cti__taxii_media(h.content_type);

		if (m != 0 && m != 20 && m != 21)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	page(data, size);
	documents((const char *)data, size);
	head((const char *)data, size);
	return 0;
}
