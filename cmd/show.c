/*
 * show.c - cti show: what a bundle file holds, without trusting it; or
 * the keys of a public key file, with the fingerprints to compare.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

static const char usage[] =
	"usage: cti show [-q | -v] [--json | --objects] FILE\n";

/* key ids listed on the summary's signature line; the count is exact */
#define MAX_SIGS 64

static const char *
layout_name(enum cti_layout l)
{
	switch (l) {
	case CTI_LAYOUT_BUNDLE: return "STIX bundle";
	case CTI_LAYOUT_ARRAY: return "JSON array";
	case CTI_LAYOUT_LINES: return "JSON Lines";
	default: return "one object";
	}
}

static void
print_sigs_text(const struct cti_summary *s)
{
	char kid[17], t[32];

	printf("signatures:  %zu embedded", s->nsigs);
	for (size_t i = 0; i < s->nsigs && i < MAX_SIGS; i++)
		printf("%s%s", i ? ", " : " (key ",
		       cti_keyid_format(kid, s->sigs[i].keyid));
	if (s->nsigs)
		printf("%s), not verified: see cti verify",
		       s->nsigs > MAX_SIGS ? ", ..." : "");
	putchar('\n');
	/* what each says it signed: claims until cti verify checks them */
	for (size_t i = 0; i < s->nsigs; i++) {
		const struct cti_sig_info *g = &s->sigs[i];

		printf("  key %s%s (unverified):",
		       cti_keyid_format(kid, g->keyid),
		       g->legacy ? " legacy" : "");
		if (g->malformed) {
			puts(" malformed trusted comment");
			continue;
		}
		if (g->timestamp >= 0)
			printf(" timestamp %s",
			       cti_format_time(t, sizeof(t), g->timestamp));
		if (g->feed) {
			fputs(" feed ", stdout);
			cmd_put_clean(stdout, g->feed);
		}
		if (g->seq >= 0)
			printf(" seq %" PRId64, g->seq);
		printf(" expires %s\n",
		       g->expires ? cti_format_time(t, sizeof(t), g->expires) :
				    "never");
	}
}

static void
print_text(const struct cti_summary *s, const char *file)
{
	printf("file:        ");
	cmd_put_clean(stdout, file);
	printf("\nformat:      %s%s\n", s->gzip ? "gzip, " : "",
	       layout_name(s->layout));
	if (s->spec_version) {
		printf("spec:        STIX ");
		cmd_put_clean(stdout, s->spec_version);
		putchar('\n');
	}
	if (s->bundle_id) {
		printf("bundle id:   ");
		cmd_put_clean(stdout, s->bundle_id);
		putchar('\n');
	}
	if (s->gzip)
		printf("size:        %" PRIu64 " bytes compressed, %" PRIu64
		       " bytes JSON\n", s->bytes, s->json_bytes);
	else
		printf("size:        %" PRIu64 " bytes JSON\n", s->json_bytes);
	printf("objects:     %" PRIu64 "\n", s->objects);
	for (size_t i = 0; i < s->ntypes; i++) {
		printf("  ");
		cmd_put_clean(stdout, s->types[i].name);
		printf("%*s %" PRIu64 "\n",
		       (int)(strlen(s->types[i].name) < 30 ?
				     30 - strlen(s->types[i].name) : 0),
		       "", s->types[i].count);
	}
	if (s->other_types)
		printf("  %-30s %" PRIu64 "\n", "(other types)", s->other_types);
	printf("producers:  ");
	if (!s->nproducers)
		printf(" (none named)");
	for (size_t i = 0; i < s->nproducers; i++) {
		putchar(' ');
		cmd_put_clean(stdout, s->producers[i].value ?
					      s->producers[i].value :
					      s->producers[i].name);
		if (i + 1 < s->nproducers)
			putchar(',');
	}
	printf("\nmarkings:   ");
	if (!s->ntlp)
		printf(" (no TLP marking)");
	for (size_t i = 0; i < s->ntlp; i++)
		printf(" %s (%" PRIu64 " objects)%s", s->tlp[i].name,
		       s->tlp[i].count, i + 1 < s->ntlp ? "," : "");
	putchar('\n');
	print_sigs_text(s);
}

static void
json_num_or_null(int64_t v, int present)
{
	if (present)
		printf("%" PRId64, v);
	else
		fputs("null", stdout);
}

static void
print_json(const struct cti_summary *s, const char *file)
{
	char id[17];

	fputs("{\"file\":", stdout);
	cmd_json_str(stdout, file);
	printf(",\"gzip\":%s", s->gzip ? "true" : "false");
	if (s->bundle_id) {
		fputs(",\"bundle_id\":", stdout);
		cmd_json_str(stdout, s->bundle_id);
	}
	if (s->spec_version) {
		fputs(",\"spec_version\":", stdout);
		cmd_json_str(stdout, s->spec_version);
	}
	printf(",\"bytes\":%" PRIu64 ",\"json_bytes\":%" PRIu64
	       ",\"objects\":%" PRIu64 ",\"types\":{", s->bytes, s->json_bytes,
	       s->objects);
	for (size_t i = 0; i < s->ntypes; i++) {
		if (i)
			putchar(',');
		cmd_json_str(stdout, s->types[i].name);
		printf(":%" PRIu64, s->types[i].count);
	}
	fputs("},\"producers\":[", stdout);
	for (size_t i = 0; i < s->nproducers; i++) {
		fputs(i ? ",{\"id\":" : "{\"id\":", stdout);
		cmd_json_str(stdout, s->producers[i].name);
		if (s->producers[i].value) {
			fputs(",\"name\":", stdout);
			cmd_json_str(stdout, s->producers[i].value);
		}
		printf(",\"objects\":%" PRIu64 "}", s->producers[i].count);
	}
	fputs("],\"tlp\":{", stdout);
	for (size_t i = 0; i < s->ntlp; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", s->tlp[i].name,
		       s->tlp[i].count);
	/* present, not verified */
	printf("},\"signatures\":%zu,\"signature_key_ids\":[", s->nsigs);
	for (size_t i = 0; i < s->nsigs; i++)
		printf("%s\"%s\"", i ? "," : "",
		       cti_keyid_format(id, s->sigs[i].keyid));
	fputs("],\"embedded_signatures\":[", stdout);
	for (size_t i = 0; i < s->nsigs; i++) {
		const struct cti_sig_info *g = &s->sigs[i];

		printf("%s{\"key\":\"%s\",\"verified\":false,\"legacy\":%s,"
		       "\"malformed\":%s,\"trusted_comment\":", i ? "," : "",
		       cti_keyid_format(id, g->keyid),
		       g->legacy ? "true" : "false",
		       g->malformed ? "true" : "false");
		cmd_json_str(stdout, g->trusted_comment);
		fputs(",\"timestamp\":", stdout);
		json_num_or_null(g->timestamp, g->timestamp >= 0);
		fputs(",\"feed\":", stdout);
		cmd_json_str(stdout, g->feed);
		fputs(",\"seq\":", stdout);
		json_num_or_null(g->seq, g->seq >= 0);
		fputs(",\"expires\":", stdout);
		json_num_or_null(g->expires, g->expires > 0);
		putchar('}');
	}
	fputs("]}\n", stdout);
}

/*
 * A minisign public key file (or a keyring of several): each key's id,
 * comment, the key itself and its fingerprint, which a receiver compares
 * with what the sender reads out of their own copy.
 */
static void
print_keys(const struct cti_summary *s, const char *file, int json)
{
	struct cti_key_info k;
	char id[17];

	if (json) {
		fputs("{\"file\":", stdout);
		cmd_json_str(stdout, file);
		fputs(",\"keys\":[", stdout);
	}
	for (size_t i = 0; cti_keyring_key(&k, s->keys, i) == CTI_OK; i++) {
		cti_keyid_format(id, k.keyid);
		if (json) {
			printf("%s{\"key\":\"%s\",\"comment\":", i ? "," : "",
			       id);
			cmd_json_str(stdout, k.comment);
			printf(",\"public_key\":\"%s\",\"fingerprint\":\"%s\"}",
			       k.base64, k.fingerprint);
			continue;
		}
		if (i)
			putchar('\n');
		printf("file:        ");
		cmd_put_clean(stdout, file);
		printf("\npublic key:  %s\n", k.base64);
		printf("key id:      %s\n", id);
		printf("comment:     ");
		cmd_put_clean(stdout, k.comment);
		printf("\nfingerprint: %s\n", k.fingerprint);
	}
	if (json)
		fputs("]}\n", stdout);
}

/* Every object as one line of JSON. */
static int
print_objects(const char *file)
{
	const struct cti_object *obj;
	cti_reader *r;
	int rc;

	if ((rc = cti_reader_open(&r, file,
				  strcmp(file, "-") == 0 ? "standard input" :
							   file)))
		return cmd_fail(rc);
	while (!(rc = cti_reader_next(&obj, r)) && obj) {
		fwrite(obj->json, 1, obj->len, stdout);
		if (putchar('\n') == EOF)
			break;
	}
	cti_reader_free(r);
	return rc ? cmd_fail(rc) : 0;
}

int
cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_LONGOPTS,
		{ "objects", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct cti_summary_opts o = { 0 };
	struct cti_summary *s;
	struct stat st;
	const char *file;
	int json = 0, objects = 0, c, rc;

	while ((c = cmd_getopt(argc, argv, ":hqv", longopts, usage,
			       &json)) != -1) {
		switch (c) {
		case 'O':
			objects = 1;
			break;
		default:
			return cmd_bad_option(usage, c, argv);
		}
	}
	if (json && objects)
		return cmd_usage_error(usage, "--json and --objects exclude "
				       "each other");
	if (argc - optind != 1)
		return cmd_usage_error(usage, argc == optind ? "no FILE given" :
				       "one FILE at a time");
	file = argv[optind];
	if (objects)
		return cmd_finish(print_objects(file));
	if (strcmp(file, "-") != 0 && stat(file, &st) == 0 &&
	    S_ISREG(st.st_mode))
		o.size = (uint64_t)st.st_size;
	o.progress = cmd_progress;
	cmd_progress_start("reading");
	rc = cti_summarize(&s, file, &o);
	cmd_progress_done();
	if (rc)
		return cmd_finish(cmd_fail(rc));
	if (s->keys)
		print_keys(s, file, json);
	else if (json)
		print_json(s, file);
	else
		print_text(s, file);
	cti_summary_free(s);
	return cmd_finish(0);
}
