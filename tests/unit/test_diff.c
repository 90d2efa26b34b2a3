/*
 * test_diff.c - the cti_diff API on the fixture pair in tests/data/diff
 * (run from the top of the source tree, as tests/run.sh does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cti.h"
#include "unit.h"

#define OLD "tests/data/diff/old.json"
#define NEW "tests/data/diff/new.json"

static char warned[4][512];
static int nwarned;
static uint64_t progress_done, progress_total;
static int progress_calls;

static void
warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (nwarned < 4)
		snprintf(warned[nwarned], sizeof(warned[0]), "%s", msg);
	nwarned++;
}

static void
progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	progress_done = done;
	progress_total = total;
	progress_calls++;
}

/* A file of text in /tmp; returns its path (static). */
static const char *
file(int which, const char *text)
{
	static char paths[2][64];
	FILE *f;

	snprintf(paths[which], sizeof(paths[which]), "/tmp/test_diff.%d.%d",
		 (int)getpid(), which);
	if ((f = fopen(paths[which], "w"))) {
		fputs(text, f);
		fclose(f);
	}
	return paths[which];
}

/* Copies of one id and modified: the first stands, as in pack. */
static void
test_copies(void)
{
	struct cti_diff_opts o = {.warn = warn};
	struct cti_diff_entry e;
	const char *a, *b;
	cti_diff *d = NULL;

	a = file(0, "[{\"type\":\"x\",\"id\":\"x--1\",\"modified\":"
		 "\"2020-01-01T00:00:00Z\",\"v\":1}]");
	b = file(1, "[{\"type\":\"x\",\"id\":\"x--1\",\"modified\":"
		 "\"2020-01-01T00:00:00Z\",\"v\":1},\n{\"type\":\"x\",\"id\":"
		 "\"x--1\",\"modified\":\"2020-01-01T00:00:00.000Z\",\"v\":2}]");
	nwarned = 0;
	CHECK(cti_diff_run(&d, a, b, &o) == CTI_OK);
	CHECK(cti_diff_nentries(d) == 0);
	CHECK(nwarned == 1);
	CHECK(strstr(warned[0], "NEW: ") == warned[0]);
	CHECK(strstr(warned[0], ":2: x--1: a copy with the same \"modified\" "
		     "but other content came before; the first is used") !=
	      NULL);
	cti_diff_free(d);
	/* the other way round: OLD holds the copies */
	nwarned = 0;
	CHECK(cti_diff_run(&d, b, a, &o) == CTI_OK);
	CHECK(cti_diff_nentries(d) == 0 && nwarned == 1);
	CHECK(strstr(warned[0], "OLD: ") == warned[0]);
	cti_diff_free(d);
	/* without a warning callback, the same result */
	CHECK(cti_diff_run(&d, b, a, NULL) == CTI_OK);
	CHECK(cti_diff_nentries(d) == 0);
	cti_diff_free(d);
	/* a later modified stands, whatever the order */
	b = file(1, "[{\"type\":\"x\",\"id\":\"x--1\",\"modified\":"
		 "\"2021-01-01T00:00:00Z\",\"v\":3},\n{\"type\":\"x\",\"id\":"
		 "\"x--1\",\"modified\":\"2020-01-01T00:00:00Z\",\"v\":1}]");
	nwarned = 0;
	CHECK(cti_diff_run(&d, a, b, &o) == CTI_OK);
	CHECK(cti_diff_nentries(d) == 1 && nwarned == 0);
	CHECK(cti_diff_entry(&e, d, 0) == CTI_OK &&
	      e.kind == CTI_DIFF_NEWER);
	cti_diff_free(d);
}

/* STIX 2.0 is read as pack marks it; progress goes to the callback. */
static void
test_stix20(void)
{
	struct cti_diff_opts o = {.progress = progress};
	const char *a, *b;
	cti_diff *d = NULL;

	a = file(0, "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":"
		 "[{\"type\":\"malware\",\"id\":\"malware--1\",\"created\":"
		 "\"2016-01-01T00:00:00Z\",\"name\":\"a\"}],"
		 "\"spec_version\":\"2.0\"}");
	b = file(1, "[{\"spec_version\":\"2.0\",\"type\":\"malware\",\"id\":"
		 "\"malware--1\",\"created\":\"2016-01-01T00:00:00Z\","
		 "\"name\":\"a\"}]");
	progress_calls = 0;
	CHECK(cti_diff_run(&d, a, b, &o) == CTI_OK);
	CHECK(cti_diff_nentries(d) == 0);
	CHECK(progress_calls >= 2 && progress_total > 0 &&
	      progress_done == progress_total);
	cti_diff_free(d);
	/* marked 2.1, it differs */
	b = file(1, "[{\"spec_version\":\"2.1\",\"type\":\"malware\",\"id\":"
		 "\"malware--1\",\"created\":\"2016-01-01T00:00:00Z\","
		 "\"name\":\"a\"}]");
	CHECK(cti_diff_run(&d, a, b, NULL) == CTI_OK);
	CHECK(cti_diff_count(d, CTI_DIFF_MODIFIED) == 1);
	cti_diff_free(d);
	unlink(file(0, ""));
	unlink(file(1, ""));
}

int
main(void)
{
	struct cti_diff_entry e;
	uint64_t c[CTI_DIFF_NCAT];
	cti_diff *d = NULL;
	const char *ign[] = {"modified", NULL};
	struct cti_diff_opts o = {.ignore = ign};
	size_t n;

	cti_diff_free(NULL);
	CHECK(cti_diff_count(NULL, CTI_DIFF_ADDED) == 0);
	CHECK(cti_diff_run(&d, "-", "-", NULL) == CTI_EINVAL && d == NULL);
	CHECK(cti_diff_run(&d, OLD, "tests/data/diff/nonexistent.json",
			   NULL) == CTI_EIO && d == NULL);
	CHECK(strncmp(cti_errmsg(), "NEW: ", 5) == 0);

	CHECK(cti_diff_run(&d, OLD, NEW, NULL) == CTI_OK && d != NULL);
	CHECK(cti_diff_count(d, CTI_DIFF_ADDED) == 1);
	CHECK(cti_diff_count(d, CTI_DIFF_REMOVED) == 1);
	CHECK(cti_diff_count(d, CTI_DIFF_REVOKED) == 1);
	CHECK(cti_diff_count(d, CTI_DIFF_DEPRECATED) == 1);
	CHECK(cti_diff_count(d, CTI_DIFF_MODIFIED) == 6);
	CHECK(cti_diff_count(d, CTI_DIFF_UNCHANGED) == 3);
	CHECK(cti_diff_kind_count(d, CTI_DIFF_NEWER) == 3);
	CHECK(cti_diff_kind_count(d, CTI_DIFF_UNBUMPED) == 2);
	CHECK(cti_diff_kind_count(d, CTI_DIFF_OLDER) == 1);
	n = cti_diff_nentries(d);
	CHECK(n == 10);

	/* types sorted, with their counts */
	CHECK(cti_diff_ntypes(d) == 8);
	CHECK_STR(cti_diff_type(d, 0, c), "attack-pattern");
	CHECK(c[CTI_DIFF_REVOKED] == 1 && c[CTI_DIFF_DEPRECATED] == 1);
	CHECK_STR(cti_diff_type(d, 7, NULL), "x-custom");
	CHECK(cti_diff_type(d, 8, c) == NULL);

	/* entries: by category, then by id */
	CHECK(cti_diff_entry(&e, d, 0) == CTI_OK);
	CHECK(e.cat == CTI_DIFF_ADDED);
	CHECK_STR(e.id, "indicator--cccccccc-cccc-4ccc-8ccc-cccccccccccc");
	CHECK_STR(e.name, "Added one");
	CHECK(e.old_modified == NULL);
	CHECK_STR(e.new_modified, "2024-02-01T00:00:00.000Z");
	CHECK(cti_diff_entry(&e, d, 1) == CTI_OK && e.cat == CTI_DIFF_REMOVED);
	CHECK_STR(e.type, "indicator");
	CHECK_STR(e.old_modified, "2024-01-01T00:00:00.000Z");
	CHECK(e.new_modified == NULL);
	CHECK(cti_diff_entry(&e, d, 6) == CTI_OK);
	CHECK(e.cat == CTI_DIFF_MODIFIED && e.kind == CTI_DIFF_OLDER);
	CHECK_STR(e.name, "Older");
	CHECK(cti_diff_entry(&e, d, 7) == CTI_OK && e.name == NULL);
	CHECK_STR(e.id, "relationship--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb");
	CHECK(cti_diff_entry(&e, d, 9) == CTI_OK);
	CHECK_STR(e.id, "x-custom--not-a-uuid");
	CHECK_STR(cti_diff_kind_name(e.kind), "unbumped");
	CHECK(cti_diff_entry(&e, d, 10) == CTI_EINVAL);
	CHECK_STR(cti_diff_cat_name(CTI_DIFF_DEPRECATED), "deprecated");
	CHECK_STR(cti_diff_cat_name(CTI_DIFF_NCAT), "");
	cti_diff_free(d);

	/* leaving modified out: the object that differed only there is equal */
	CHECK(cti_diff_run(&d, OLD, NEW, &o) == CTI_OK);
	CHECK(cti_diff_count(d, CTI_DIFF_MODIFIED) == 5);
	CHECK(cti_diff_count(d, CTI_DIFF_UNCHANGED) == 4);
	cti_diff_free(d);

	/* a bundle against itself */
	CHECK(cti_diff_run(&d, NEW, NEW, NULL) == CTI_OK);
	CHECK(cti_diff_nentries(d) == 0);
	CHECK(cti_diff_count(d, CTI_DIFF_UNCHANGED) == 12);
	cti_diff_free(d);
	test_copies();
	test_stix20();
	return UNIT_DONE();
}
