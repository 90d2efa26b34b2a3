/*
 * diff.c - cti diff: what changed between two bundles.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] =
	"usage: cti diff [-q | -v] [--json | --bundle -o OUT | --stat]\n"
	"                [--ignore PROPERTY]... [--deprecated-property NAME]\n"
	"                OLD NEW\n";

enum { OPT_BUNDLE = 256, OPT_STAT, OPT_IGNORE, OPT_DEPRECATED };

static const struct option longopts[] = {
	CMD_LONGOPTS,
	{ "bundle", no_argument, NULL, OPT_BUNDLE },
	{ "stat", no_argument, NULL, OPT_STAT },
	{ "output", required_argument, NULL, 'o' },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "deprecated-property", required_argument, NULL, OPT_DEPRECATED },
	{ NULL, 0, NULL, 0 },
};

static void
print_summary(cti_diff *d)
{
	static const char *const heads[CTI_DIFF_NCAT] = {
		"added", "removed", "revoked", "deprecated", "modified",
		"unchanged",
	};
	size_t nt = cti_diff_ntypes(d), w = 5;
	uint64_t c[CTI_DIFF_NCAT];

	for (size_t i = 0; i < nt; i++) {
		size_t l = strlen(cti_diff_type(d, i, NULL));

		if (l > w)
			w = l;
	}
	printf("%-*s", (int)w, "type");
	for (int k = 0; k < CTI_DIFF_NCAT; k++)
		printf(" %10s", heads[k]);
	putchar('\n');
	for (size_t i = 0; i < nt; i++) {
		const char *t = cti_diff_type(d, i, c);

		cmd_put_clean(stdout, t);
		printf("%*s", (int)(w - strlen(t)), "");
		for (int k = 0; k < CTI_DIFF_NCAT; k++)
			printf(" %10llu", (unsigned long long)c[k]);
		putchar('\n');
	}
	printf("%-*s", (int)w, "total");
	for (int k = 0; k < CTI_DIFF_NCAT; k++)
		printf(" %10llu", (unsigned long long)cti_diff_count(d, k));
	putchar('\n');
	if (cti_diff_count(d, CTI_DIFF_MODIFIED))
		printf("modified: %llu newer, %llu unbumped, %llu older\n",
		       (unsigned long long)cti_diff_kind_count(d,
							       CTI_DIFF_NEWER),
		       (unsigned long long)cti_diff_kind_count(
			       d, CTI_DIFF_UNBUMPED),
		       (unsigned long long)cti_diff_kind_count(d,
							       CTI_DIFF_OLDER));
}

static int
print_lines(cti_diff *d)
{
	struct cti_diff_entry e;
	size_t n = cti_diff_nentries(d);
	int rc;

	if (n)
		putchar('\n');
	for (size_t i = 0; i < n; i++) {
		if ((rc = cti_diff_entry(&e, d, i)))
			return rc;
		fputs(cti_diff_cat_name(e.cat), stdout);
		if (e.cat == CTI_DIFF_MODIFIED)
			printf(":%s", cti_diff_kind_name(e.kind));
		putchar('\t');
		cmd_put_clean(stdout, e.type);
		putchar('\t');
		cmd_put_clean(stdout, e.id);
		putchar('\t');
		if (e.name)
			cmd_put_clean(stdout, e.name);
		putchar('\n');
	}
	return CTI_OK;
}

static int
print_json(cti_diff *d)
{
	struct cti_diff_entry e;
	size_t n = cti_diff_nentries(d), i = 0;
	int rc;

	putchar('{');
	for (int c = 0; c < CTI_DIFF_UNCHANGED; c++) {
		int first = 1;

		printf("%s\"%s\": [", c ? ", " : "", cti_diff_cat_name(c));
		for (; i < n; i++) {
			if ((rc = cti_diff_entry(&e, d, i)))
				return rc;
			if ((int)e.cat != c)
				break;
			fputs(first ? "\n  " : ",\n  ", stdout);
			first = 0;
			fputs("{\"id\": ", stdout);
			cmd_json_str(stdout, e.id);
			fputs(", \"type\": ", stdout);
			cmd_json_str(stdout, e.type);
			if (e.name) {
				fputs(", \"name\": ", stdout);
				cmd_json_str(stdout, e.name);
			}
			if (e.cat == CTI_DIFF_MODIFIED)
				printf(", \"kind\": \"%s\"",
				       cti_diff_kind_name(e.kind));
			if (e.old_modified || e.cat == CTI_DIFF_MODIFIED) {
				fputs(", \"old_modified\": ", stdout);
				if (e.old_modified)
					cmd_json_str(stdout, e.old_modified);
				else
					fputs("null", stdout);
			}
			if (e.new_modified || e.cat == CTI_DIFF_MODIFIED) {
				fputs(", \"new_modified\": ", stdout);
				if (e.new_modified)
					cmd_json_str(stdout, e.new_modified);
				else
					fputs("null", stdout);
			}
			putchar('}');
		}
		fputs(first ? "]" : "\n]", stdout);
	}
	printf(", \"unchanged\": %llu}\n",
	       (unsigned long long)cti_diff_count(d, CTI_DIFF_UNCHANGED));
	return CTI_OK;
}

int
cmd_diff(int argc, char **argv)
{
	struct cti_diff_opts o = { 0 };
	const char **ignore;
	const char *output = NULL, *old_path, *new_path;
	int json = 0, bundle = 0, stat = 0, c, rc, status;
	size_t nignore = 0;
	cti_diff *d;

	if (!(ignore = calloc((size_t)argc + 1, sizeof(*ignore)))) {
		cmd_msg("out of memory");
		return 4;
	}
	while ((c = cmd_getopt(argc, argv, ":hqvo:", longopts, usage,
			       &json)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_BUNDLE:
			bundle = 1;
			break;
		case OPT_STAT:
			stat = 1;
			break;
		case OPT_IGNORE:
			if (!*optarg)
				goto bad_value;
			ignore[nignore++] = optarg;
			break;
		case OPT_DEPRECATED:
			if (!*optarg)
				goto bad_value;
			o.deprecated_property = optarg;
			break;
		default:
			free(ignore);
			return cmd_bad_option(usage, c, argv);
		}
	}
	if (json + bundle + stat > 1) {
		free(ignore);
		return cmd_usage_error(usage, "--json, --bundle and --stat "
				       "exclude each other");
	}
	if (bundle != (output != NULL)) {
		free(ignore);
		return cmd_usage_error(usage, bundle ? "--bundle needs -o OUT" :
				       "-o OUT goes with --bundle");
	}
	if (argc - optind != 2) {
		free(ignore);
		return cmd_usage_error(usage, "give two bundles, OLD and NEW");
	}
	old_path = argv[optind];
	new_path = argv[optind + 1];
	if (strcmp(old_path, "-") == 0 && strcmp(new_path, "-") == 0) {
		free(ignore);
		return cmd_usage_error(usage, "OLD and NEW cannot both be "
				       "standard input");
	}
	if (bundle && strcmp(output, "-") == 0 && isatty(STDOUT_FILENO)) {
		free(ignore);
		return cmd_usage_error(usage, "refusing to write a compressed "
				       "bundle to a terminal: use -o FILE");
	}
	o.ignore = nignore ? ignore : NULL;
	o.no_names = stat || bundle || (cmd_verbose < 0 && !json);
	o.keep_new = bundle;
	o.warn = cmd_warn;
	o.progress = cmd_progress;
	cmd_progress_start("reading");
	rc = cti_diff_run(&d, old_path, new_path, &o);
	cmd_progress_done();
	free(ignore);
	cmd_warn_done("warnings");
	if (rc)
		return cmd_finish(cmd_fail(rc));
	status = cti_diff_nentries(d) ? 1 : 0;
	if (bundle) {
		cmd_progress_start("writing");
		rc = cti_diff_write_bundle(NULL, d, output, NULL);
		cmd_progress_done();
	} else if (json) {
		rc = print_json(d);
	} else if (status && (stat || cmd_verbose >= 0)) {
		/* as diff(1): nothing to say when nothing differs */
		print_summary(d);
		if (!stat)
			rc = print_lines(d);
	}
	if (!rc)
		cmd_info("%llu objects differ (%llu added, %llu removed, %llu "
			 "revoked, %llu deprecated, %llu modified), %llu "
			 "unchanged", (unsigned long long)cti_diff_nentries(d),
			 (unsigned long long)cti_diff_count(d, CTI_DIFF_ADDED),
			 (unsigned long long)cti_diff_count(d, CTI_DIFF_REMOVED),
			 (unsigned long long)cti_diff_count(d, CTI_DIFF_REVOKED),
			 (unsigned long long)cti_diff_count(d,
							    CTI_DIFF_DEPRECATED),
			 (unsigned long long)cti_diff_count(d, CTI_DIFF_MODIFIED),
			 (unsigned long long)cti_diff_count(d,
							    CTI_DIFF_UNCHANGED));
	cti_diff_free(d);
	if (rc)
		return cmd_finish(cmd_fail(rc));
	/* a failed write is trouble (4) even when there are differences */
	if (fflush(stdout) != 0 || ferror(stdout))
		return cmd_finish(4);
	return cmd_finish(status);

bad_value:
	free(ignore);
	return cmd_bad_value(longopts, c, optarg, "a property name");
}
