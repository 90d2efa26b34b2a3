/*
 * test_stream.c - the reader and writer as a program using libcti sees
 * them: layouts, bundle metadata, duplicates, atomic output, errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cti.h"
#include "unit.h"

static char dir[] = "/tmp/cti-unit-XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Read every object of path; returns the count, or -1 with *err set. */
static int
count(const char *path, enum cti_layout *layout, int *err)
{
	const struct cti_object *o;
	cti_reader *r;
	int n = 0, rc;

	*err = CTI_OK;
	if ((rc = cti_reader_open(&r, path, NULL))) {
		*err = rc;
		return -1;
	}
	while (!(rc = cti_reader_next(&o, r)) && o)
		n++;
	if (layout)
		*layout = cti_reader_layout(r);
	cti_reader_free(r);
	*err = rc;
	return rc ? -1 : n;
}

static void
test_layouts(void)
{
	enum cti_layout l;
	int err;

	CHECK(count(put("b.json", "{\"type\":\"bundle\",\"id\":\"bundle--1\","
			"\"objects\":[{\"type\":\"x\",\"id\":\"x--1\"},"
			"{\"type\":\"x\",\"id\":\"x--2\"}]}"), &l, &err) == 2);
	CHECK(l == CTI_LAYOUT_BUNDLE);
	CHECK(count(put("a.json", "[{\"type\":\"x\",\"id\":\"x--1\"}]"), &l,
		    &err) == 1);
	CHECK(l == CTI_LAYOUT_ARRAY);
	CHECK(count(put("o.json", " {\"id\":\"x--1\",\"type\":\"x\"}\n"), &l,
		    &err) == 1);
	CHECK(l == CTI_LAYOUT_OBJECT);
	CHECK(count(put("l.json", "{\"type\":\"x\",\"id\":\"x--1\"}\n"
			"{\"type\":\"x\",\"id\":\"x--2\"}\n"
			"{\"type\":\"x\",\"id\":\"x--3\"}\n"), &l, &err) == 3);
	CHECK(l == CTI_LAYOUT_LINES);
	/* a bundle whose objects come before its type */
	CHECK(count(put("late.json", "{\"objects\":[{\"type\":\"x\",\"id\":"
			"\"x--1\"}],\"type\":\"bundle\"}"), &l, &err) == 1);
	/* an "objects" array in something that is not a bundle */
	CHECK(count(put("nb.json", "{\"type\":\"report\",\"objects\":[1]}"),
		    &l, &err) == -1);
	CHECK(err == CTI_EFORMAT);
	CHECK(count(put("empty.json", ""), &l, &err) == -1 &&
	      err == CTI_EFORMAT);
	CHECK(count(put("ws.json", " \n\t "), &l, &err) == -1 &&
	      err == CTI_EFORMAT);
	CHECK(count("/nonexistent/file.json", &l, &err) == -1 &&
	      err == CTI_EIO);
	CHECK(cti_exit_status(CTI_EIO) == 4);
	CHECK(cti_exit_status(CTI_EFORMAT) == 3);
	CHECK(cti_exit_status(CTI_ELIMIT) == 3);
	CHECK(cti_exit_status(CTI_EBADSIG) == 1);
}

static void
test_object_fields(void)
{
	const struct cti_object *o;
	cti_reader *r;

	CHECK(cti_reader_open(&r, put("f.json",
		"{\"type\": \"bundle\", \"spec_version\": \"2.0\",\n"
		" \"id\": \"bundle--9\", \"objects\": [\n"
		"  {\"type\": \"indicator\", \"id\": \"indicator--1\",\n"
		"   \"modified\": \"2020-01-01T00:00:00Z\",\n"
		"   \"nested\": {\"id\": \"not-this\", \"type\": \"nor-this\"},\n"
		"   \"n\": [1.50, -0, 2e3, true, null, \"\\u00e9\"]}]}\n"),
		"f.json") == CTI_OK);
	CHECK(cti_reader_next(&o, r) == CTI_OK && o);
	if (o) {
		CHECK_STR(o->type, "indicator");
		CHECK_STR(o->id, "indicator--1");
		CHECK_STR(o->modified, "2020-01-01T00:00:00Z");
		CHECK(o->spec_version == NULL);
		CHECK(o->line == 3);
		CHECK_STR(o->json, "{\"type\":\"indicator\",\"id\":\"indicator--1\","
			  "\"modified\":\"2020-01-01T00:00:00Z\",\"nested\":"
			  "{\"id\":\"not-this\",\"type\":\"nor-this\"},\"n\":"
			  "[1.50,-0,2e3,true,null,\"\\u00e9\"]}");
		CHECK(o->len == strlen(o->json));
	}
	CHECK_STR(cti_reader_bundle_spec(r), "2.0");
	CHECK_STR(cti_reader_bundle_id(r), "bundle--9");
	CHECK(cti_reader_next(&o, r) == CTI_OK && o == NULL);
	CHECK(!cti_reader_is_gzip(r));
	cti_reader_free(r);
	cti_reader_free(NULL);
}

/* The first error of reading text: its code, and the message in msg. */
static int
first_error(const char *text, char *msg, size_t size)
{
	const struct cti_object *o;
	cti_reader *r;
	int rc;

	msg[0] = '\0';
	if ((rc = cti_reader_open(&r, put("e.json", text), "e.json")))
		return rc;
	while (!(rc = cti_reader_next(&o, r)) && o)
		;
	if (rc)
		snprintf(msg, size, "%s", cti_errmsg());
	cti_reader_free(r);
	return rc;
}

static void
test_ijson(void)
{
	char m[512], *big;
	size_t n;

	/* duplicate member names: in a bundle, an object, a nested object,
	 * spelled with escapes, and among many */
	CHECK(first_error("{\"type\":\"bundle\",\"objects\":[{\"type\":\"x\","
			  "\"id\":\"x--1\"}],\"objects\":[]}", m, sizeof(m)) ==
	      CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:55: duplicate member name \"objects\"");
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"id\":\"x--2\"}]", m,
			  sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:26: duplicate member name \"id\"");
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"a\":{\"b\":1,\n"
			  "\"b\":2}}]", m, sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:2:1: duplicate member name \"b\"");
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"\\u0061\":1,"
			  "\"a\":2}]", m, sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:37: duplicate member name \"a\"");
	CHECK(first_error("{\"type\":\"x\",\"\\u0069d\":\"x--1\",\"id\":\"x--1\"}",
			  m, sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:30: duplicate member name \"id\"");
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"\":1,\"\":2}]", m,
			  sizeof(m)) == CTI_EFORMAT);
	/* equal first, middle and last bytes, other names */
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"abca\":1,"
			  "\"abba\":2,\"a\\u0062ca\":3}]", m, sizeof(m)) ==
	      CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:44: duplicate member name \"abca\"");
	/* 1,000 members, the last a copy of the 500th */
	big = malloc(40000);
	n = (size_t)sprintf(big, "[{\"type\":\"x\",\"id\":\"x--1\"");
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(big + n, ",\"k%d\":%d", i, i);
	strcpy(big + n, ",\"k499\":0}]");
	CHECK(first_error(big, m, sizeof(m)) == CTI_EFORMAT);
	CHECK(strstr(m, "duplicate member name \"k499\"") != NULL);
	big[n] = '\0';
	strcat(big, "}]");
	CHECK(first_error(big, m, sizeof(m)) == CTI_OK);
	free(big);
	/* the same name in two objects, and in an object and its parent */
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"a\":{\"id\":1,"
			  "\"type\":{\"id\":2}}},{\"type\":\"x\",\"id\":\"x--2\"}]",
			  m, sizeof(m)) == CTI_OK);
	/* a name with a control character is shown without it */
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"a\\u001b[2J\":1,"
			  "\"a\\u001b[2J\":1}]", m, sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:41: duplicate member name \"a?[2J\"");

	/* numbers must fit a double */
#define NUM(lit, want)                                                     \
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"n\":" lit "}]", m, \
			  sizeof(m)) == (want))
	NUM("1e308", CTI_OK);
	NUM("1.7976931348623157e308", CTI_OK);
	NUM("-1.7976931348623157e+308", CTI_OK);
	NUM("17976931348623157e292", CTI_OK);
	NUM("0.00001e313", CTI_OK);
	NUM("1e-999999999", CTI_OK);
	NUM("0e999999999", CTI_OK);
	NUM("0.000e999999999", CTI_OK);
	NUM("1.8e308", CTI_EFORMAT);
	NUM("1e309", CTI_EFORMAT);
	NUM("-1e309", CTI_EFORMAT);
	NUM("0.1e310", CTI_EFORMAT);
	NUM("1e999999999", CTI_EFORMAT);
	NUM("1e99999999999999999999999", CTI_EFORMAT);
	CHECK(strstr(m, "e.json:1:30: number out of range") == m);
#undef NUM
	big = malloc(1000);
	strcpy(big, "[{\"type\":\"x\",\"id\":\"x--1\",\"n\":1");
	n = strlen(big);
	memset(big + n, '0', 308);
	strcpy(big + n + 308, "}]");
	CHECK(first_error(big, m, sizeof(m)) == CTI_OK);  /* 1e308 */
	memcpy(big + n + 308, "0}]", 4);
	CHECK(first_error(big, m, sizeof(m)) == CTI_EFORMAT);	/* 1e309 */
	free(big);
}

static void
test_shapes(void)
{
	const struct cti_object *o;
	enum cti_layout l;
	cti_reader *r;
	char m[512], *deep;
	size_t n;
	int err;

	/* a bundle without "objects" is an empty bundle, not an object */
	CHECK(count(put("e.json", "{\"type\":\"bundle\",\"id\":\"bundle--1\"}"),
		    &l, &err) == 0 && l == CTI_LAYOUT_BUNDLE);
	CHECK(count(put("e.json", "{\"id\":\"bundle--1\",\"type\":\"bundle\"}"),
		    &l, &err) == 0 && l == CTI_LAYOUT_BUNDLE);
	CHECK(first_error("{\"type\":\"bundle\",\"objects\":null}", m,
			  sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:1:33: the bundle's \"objects\" is not an array");
	/* "created" is handed out; escaped fields are decoded */
	CHECK(cti_reader_open(&r, put("c.json", "{\"type\":\"indic\\u0061tor\","
			"\"id\":\"indicator--1\",\"created\":\"2020-01-01T00:00:00Z\""
			"}"), NULL) == CTI_OK);
	CHECK(cti_reader_next(&o, r) == CTI_OK && o);
	if (o) {
		CHECK_STR(o->type, "indicator");
		CHECK_STR(o->created, "2020-01-01T00:00:00Z");
		CHECK(o->spec_version == NULL && o->modified == NULL);
	}
	cti_reader_free(r);
	CHECK(first_error("[{\"type\":\"x\",\"id\":\"x--1\",\"spec_version\":2.1}]",
			  m, sizeof(m)) == CTI_EFORMAT);
	CHECK_STR(m, "e.json:1: object 1 is not STIX: \"spec_version\" is not "
		  "a string");

	/* a bundle's own members are not kept, but their names are: as many
	 * as an object of the largest size may hold */
	deep = malloc(12u << 20);
	n = (size_t)sprintf(deep, "{\"type\":\"bundle\"");
	for (int i = 0; i < 1000000; i++)
		n += (size_t)sprintf(deep + n, ",\"k%d\":0", i);
	strcpy(deep + n, ",\"objects\":[]}");
	CHECK(first_error(deep, m, sizeof(m)) == CTI_ELIMIT);
	CHECK(strstr(m, "the top-level object's member names exceed the "
		     "limit of 16 MiB") != NULL);
	free(deep);

	/*
	 * Depth counts as in a bundle whatever the layout, so that what is
	 * read can be written: an object's own depth is 3 there.
	 */
	deep = malloc(1000);
	for (int d = 96; d <= 98; d++) {
		n = (size_t)sprintf(deep, "{\"type\":\"x\",\"id\":\"x--1\",\"a\":");
		for (int i = 0; i < d; i++)
			deep[n++] = '[';
		for (int i = 0; i < d; i++)
			deep[n++] = ']';
		strcpy(deep + n, "}\n");
		/* the object at 3, its arrays from 4 to d + 3 */
		err = first_error(deep, m, sizeof(m));
		CHECK(d + 3 <= CTI_MAX_DEPTH ? err == CTI_OK :
					       err == CTI_ELIMIT);
		/* the same in a bundle */
		memmove(deep + 28, deep, strlen(deep) + 1);
		memcpy(deep, "{\"type\":\"bundle\",\"objects\":[", 28);
		n = strlen(deep);
		strcpy(deep + n - 1, "]}");
		CHECK(first_error(deep, m, sizeof(m)) == err);
	}
	free(deep);
}

static void
test_writer(void)
{
	char path[256], tmpl[300];
	const struct cti_object *o;
	struct stat st;
	cti_writer *w;
	cti_reader *r;
	int added = -1, n = 0;

	snprintf(path, sizeof(path), "%s/out.cti", dir);
	CHECK(cti_writer_open(&w, path, NULL) == CTI_OK);
	CHECK(cti_writer_add(w, "{\"type\":\"x\",\"id\":\"x--1\"}", 24, "x--1",
			     NULL, &added) == CTI_OK && added == 1);
	CHECK(cti_writer_add(w, "{\"type\":\"x\",\"id\":\"x--1\"}", 24, "x--1",
			     NULL, &added) == CTI_OK && added == 0);
	CHECK(cti_writer_add(w, "{\"type\":\"x\",\"id\":\"x--1\",\"modified\":"
			     "\"2\"}", 39, "x--1", "2", &added) == CTI_OK &&
	      added == 1);
	/* the same key, other bytes: dropped, and said so */
	CHECK(cti_writer_add(w, "{\"type\":\"x\",\"id\":\"x--1\",\"v\":1}", 30,
			     "x--1", NULL, &added) == CTI_OK && added == -1);
	/* "x--1" then "2" is not "x--12" then nothing */
	CHECK(cti_writer_add(w, "{\"type\":\"x\",\"id\":\"x--12\"}", 25,
			     "x--12", NULL, &added) == CTI_OK && added == 1);
	CHECK(cti_writer_count(w) == 3);
	CHECK(stat(path, &st) != 0); /* nothing at the path before close */
	CHECK(cti_writer_close(w) == CTI_OK);
	CHECK(stat(path, &st) == 0 && st.st_size > 20);
	CHECK(cti_reader_open(&r, path, NULL) == CTI_OK);
	while (cti_reader_next(&o, r) == CTI_OK && o)
		n++;
	CHECK(n == 3);
	CHECK(cti_reader_is_gzip(r));
	CHECK(cti_reader_bundle_id(r) &&
	      strncmp(cti_reader_bundle_id(r), "bundle--", 8) == 0);
	cti_reader_free(r);

	/* an aborted writer leaves the old file and no temporary */
	CHECK(cti_writer_open(&w, path, NULL) == CTI_OK);
	CHECK(cti_writer_add(w, "{\"type\":\"y\",\"id\":\"y--1\"}", 24, "y--1",
			     NULL, NULL) == CTI_OK);
	cti_writer_abort(w);
	cti_writer_abort(NULL);
	CHECK(count(path, NULL, &n) == 3);
	snprintf(tmpl, sizeof(tmpl), "ls -A %s | grep -q cti-tmp", dir);
	CHECK(system(tmpl) != 0);
	/* a level out of range is the caller's error */
	CHECK(cti_writer_open(&w, path, &(struct cti_writer_opts){
		.level = 10 }) == CTI_EINVAL);
}

int
main(void)
{
	char cmd[64];

	if (!mkdtemp(dir))
		return 2;
	test_layouts();
	test_object_fields();
	test_ijson();
	test_shapes();
	test_writer();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	CHECK_STR(cti_strerror(CTI_EFORMAT), "malformed input");
	CHECK_STR(cti_strerror(-1000), "unknown error");
	return UNIT_DONE();
}
