/*
 * test_json.c - lib/json.c: members, elements and strings read out of
 * validated JSON without a tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "unit.h"

/* the member's value as a NUL-terminated copy, "(absent)" when absent */
static const char *
val(const struct cti_json_field *f)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ % 4];

	if (!f->value)
		return "(absent)";
	snprintf(b, 256, "%.*s", (int)f->len, f->value);
	return b;
}

static void
members(void)
{
	const char *j = "{\"a\":1,\"s\":\"x}\\\"]\",\"o\":{\"a\":[1,{\"b\":2}]},"
			"\"arr\":[\"p\",\"q\\\\\"],\"\\u0074ype\":\"esc\","
			"\"t\":true,\"n\":null,\"last\":-1.5e3}";
	struct cti_json_field f[] = {
		{ .name = "a" }, { .name = "s" }, { .name = "o" },
		{ .name = "arr" }, { .name = "type" }, { .name = "t" },
		{ .name = "n" }, { .name = "last" }, { .name = "b" },
	};

	CHECK(cti__json_members(j, strlen(j), f, 9) == 0);
	CHECK_STR(val(&f[0]), "1");
	CHECK_STR(val(&f[1]), "\"x}\\\"]\"");
	CHECK_STR(val(&f[2]), "{\"a\":[1,{\"b\":2}]}");
	CHECK_STR(val(&f[3]), "[\"p\",\"q\\\\\"]");
	CHECK_STR(val(&f[4]), "\"esc\"");	/* a name written escaped */
	CHECK_STR(val(&f[5]), "true");
	CHECK_STR(val(&f[6]), "null");
	CHECK_STR(val(&f[7]), "-1.5e3");
	CHECK_STR(val(&f[8]), "(absent)");	/* nested, not top-level */

	/* white space, an empty object, not an object */
	const char *w = " { \"a\" : [ 1 , 2 ] , \"b\" : \"c\" } ";
	struct cti_json_field g[] = { { .name = "a" }, { .name = "b" } };

	CHECK(cti__json_members(w, strlen(w), g, 2) == 0);
	CHECK_STR(val(&g[0]), "[ 1 , 2 ]");
	CHECK_STR(val(&g[1]), "\"c\"");
	CHECK(cti__json_members("{}", 2, g, 2) == 0 && !g[0].value);
	CHECK(cti__json_members("[1]", 3, g, 2) == -1);
	/* truncated input: nothing read past the end */
	CHECK(cti__json_members("{\"a\":\"xx", 8, g, 2) == 0);
}

static void
elements(void)
{
	const char *a = "[\"x\",{\"m\":\"]\"},[1,2],\"y\\\"\"]";
	const char *e;
	size_t n, pos = 0, count = 0;
	char s[16];

	while (cti__json_element(&e, &n, a, strlen(a), &pos)) {
		count++;
		if (count == 1)
			CHECK(cti__json_string(s, sizeof(s), e, n) == 1 &&
			      strcmp(s, "x") == 0);
		if (count == 2)
			CHECK(n == 9 && memcmp(e, "{\"m\":\"]\"}", 9) == 0);
		if (count == 3)
			CHECK(n == 5 && memcmp(e, "[1,2]", 5) == 0);
		if (count == 4)
			CHECK(cti__json_string(s, sizeof(s), e, n) == 2 &&
			      strcmp(s, "y\"") == 0);
	}
	CHECK(count == 4);
	pos = 0;
	CHECK(cti__json_element(&e, &n, "[]", 2, &pos) == 0);
	pos = 0;
	CHECK(cti__json_element(&e, &n, "\"s\"", 3, &pos) == 0);
	/* strings: escapes decoded, a buffer too small, not a string */
	CHECK(cti__json_string(s, sizeof(s), "\"\\u00e9\\n\"", 10) == 3 &&
	      strcmp(s, "\xc3\xa9\n") == 0);
	CHECK(cti__json_string(s, 4, "\"abcdef\"", 8) == -1);
	CHECK(cti__json_string(s, sizeof(s), "12", 2) == -1);
}

struct seen {
	size_t n, bytes;
	char first[64];
};

static int
each(void *ctx, const char *json, size_t len)
{
	struct seen *sn = ctx;

	if (sn->n++ == 0)
		snprintf(sn->first, sizeof(sn->first), "%.*s",
			 (int)(len < 63 ? len : 63), json);
	sn->bytes += len;
	return 0;
}

/* cti__bundle_each() over text (gzip'd when gz), into *sn */
static int
scan(struct seen *sn, const char *text, size_t n, int gz)
{
	struct cti__src s;
	int fd = memfd_create("t", 0), rc;

	memset(sn, 0, sizeof(*sn));
	if (gz) {
		gzFile g = gzdopen(dup(fd), "wb");

		gzwrite(g, text, (unsigned)n);
		gzclose(g);
	} else if (write(fd, text, n) != (ssize_t)n) {
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	if ((rc = cti__src_open(&s, fd, 1, "t", NULL, 0)) == CTI_OK)
		rc = cti__bundle_each(&s, "t", each, sn);
	cti__src_close(&s);
	return rc;
}

static void
bundles(void)
{
	const char *b = "\xef\xbb\xbf { \"type\" : \"bundle\", \"x\":[{\"objects\":[{}]}],"
			"\n \"obj\\u0065cts\" : [ {\"a\":\"}]\\\"\"} ,\n{\"b\":[1,2]} ] ,"
			"\"id\":\"bundle--1\" }";
	struct seen sn;
	size_t big = (3u << 20) + 7, i;
	char *t = malloc(big + 64);

	/* white space, a BOM, an escaped name, brackets inside strings,
	 * another member's "objects" left alone, gzip or not */
	CHECK(scan(&sn, b, strlen(b), 0) == CTI_OK && sn.n == 2 &&
	      strcmp(sn.first, "{\"a\":\"}]\\\"\"}") == 0);
	CHECK(scan(&sn, b, strlen(b), 1) == CTI_OK && sn.n == 2);
	/* objects over several reads of the input */
	strcpy(t, "{\"objects\":[{\"d\":\"");
	for (i = strlen(t); i < big; i++)
		t[i] = 'x';
	strcpy(t + big, "\"},{},{\"e\":1}]}");
	CHECK(scan(&sn, t, strlen(t), 0) == CTI_OK && sn.n == 3 &&
	      sn.bytes > big - 20);
	/* not a bundle: a cut one, an array, an element not an object */
	CHECK(scan(&sn, t, big, 0) == CTI_EFORMAT);
	CHECK(scan(&sn, "[{}]", 4, 0) == CTI_EFORMAT);
	CHECK(scan(&sn, "{\"objects\":[1]}", 15, 0) == CTI_EFORMAT);
	CHECK(scan(&sn, "{\"objects\":[]}", 14, 0) == CTI_OK && sn.n == 0);
	free(t);
}

int
main(void)
{
	members();
	elements();
	bundles();
	return UNIT_DONE();
}
