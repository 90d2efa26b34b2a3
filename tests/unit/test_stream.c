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
	CHECK(cti_writer_count(w) == 2);
	CHECK(stat(path, &st) != 0); /* nothing at the path before close */
	CHECK(cti_writer_close(w) == CTI_OK);
	CHECK(stat(path, &st) == 0 && st.st_size > 20);
	CHECK(cti_reader_open(&r, path, NULL) == CTI_OK);
	while (cti_reader_next(&o, r) == CTI_OK && o)
		n++;
	CHECK(n == 2);
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
	CHECK(count(path, NULL, &n) == 2);
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
	test_writer();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	CHECK_STR(cti_strerror(CTI_EFORMAT), "malformed input");
	CHECK_STR(cti_strerror(-1000), "unknown error");
	return UNIT_DONE();
}
