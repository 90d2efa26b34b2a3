/*
 * pack.c - cti pack: STIX, indicator lists and CSV into one bundle file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] =
	"usage: cti pack [-q | -v] [--json] [--strict] [--plain] [-o FILE]\n"
	"                [--from FORMAT] [--column NAME] [--delimiter CHAR]\n"
	"                [--producer NAME] [--tlp LEVEL] [--label LABEL]\n"
	"                [--confidence N] [--valid-for DURATION] [--level N]\n"
	"                [--base PREV [--revoke-missing]] [INPUT ...]\n";

enum {
	OPT_STRICT = 256, OPT_PLAIN, OPT_FROM, OPT_COLUMN,
	OPT_PRODUCER, OPT_TLP, OPT_LABEL, OPT_CONFIDENCE, OPT_VALID_FOR,
	OPT_LEVEL, OPT_DELIMITER, OPT_BASE, OPT_REVOKE_MISSING,
};

static const struct option longopts[] = {
	CMD_LONGOPTS,
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "output", required_argument, NULL, 'o' },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "column", required_argument, NULL, OPT_COLUMN },
	{ "delimiter", required_argument, NULL, OPT_DELIMITER },
	{ "producer", required_argument, NULL, OPT_PRODUCER },
	{ "tlp", required_argument, NULL, OPT_TLP },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "confidence", required_argument, NULL, OPT_CONFIDENCE },
	{ "valid-for", required_argument, NULL, OPT_VALID_FOR },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "revoke-missing", no_argument, NULL, OPT_REVOKE_MISSING },
	{ NULL, 0, NULL, 0 },
};

/* What an option takes, for the message about a bad value. */
static const char *
want(int c)
{
	switch (c) {
	case OPT_FROM:
		return "stix, list or csv";
	case OPT_TLP:
		return "clear, green, amber, amber+strict or red";
	case OPT_CONFIDENCE:
		return "a number from 0 to 100";
	case OPT_VALID_FOR:
		return "a duration such as 90s, 12h, 30d or 2w, ending before "
		       "the year 10000";
	case OPT_DELIMITER:
		return "',', ';', '|' or tab";
	case OPT_LEVEL:
		return "a compression level from 0 to 9";
	case OPT_BASE:
		return "a bundle file or a directory of releases, not standard "
		       "input";
	default:
		return "a value that is not empty";
	}
}

int
cmd_pack(int argc, char **argv)
{
	struct cti_pack_opts o = { .confidence = -1, .level = -1 };
	struct cti_pack_stats st;
	const char **labels;
	const char *output = NULL;
	int json = 0, c, rc;
	size_t nlabels = 0;
	long long v;

	if (!(labels = calloc((size_t)argc + 1, sizeof(*labels)))) {
		cmd_msg("out of memory");
		return 4;
	}
	while ((c = cmd_getopt(argc, argv, ":hqvo:", longopts, usage,
			       &json)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_STRICT:
			o.strict = 1;
			break;
		case OPT_PLAIN:
			o.plain = 1;
			break;
		case OPT_FROM:
			if (strcmp(optarg, "stix") == 0)
				o.from = CTI_FROM_STIX;
			else if (strcmp(optarg, "list") == 0)
				o.from = CTI_FROM_LIST;
			else if (strcmp(optarg, "csv") == 0)
				o.from = CTI_FROM_CSV;
			else
				goto bad_value;
			break;
		case OPT_COLUMN:
			if (!*optarg)
				goto bad_value;
			o.column = optarg;
			break;
		case OPT_DELIMITER:
			if (strcmp(optarg, "tab") == 0 ||
			    strcmp(optarg, "\\t") == 0)
				o.delimiter = '\t';
			else if (strlen(optarg) == 1 && strchr(",;|\t", *optarg))
				o.delimiter = *optarg;
			else
				goto bad_value;
			break;
		case OPT_PRODUCER:
			if (!*optarg)
				goto bad_value;
			o.producer = optarg;
			break;
		case OPT_TLP:
			if ((o.tlp = cti_tlp_parse(optarg)) == CTI_TLP_NONE)
				goto bad_value;
			break;
		case OPT_LABEL:
			if (!*optarg)
				goto bad_value;
			labels[nlabels++] = optarg;
			break;
		case OPT_CONFIDENCE:
			if ((v = cmd_parse_uint(optarg, 100)) < 0)
				goto bad_value;
			o.confidence = (int)v;
			break;
		case OPT_VALID_FOR:
			/* valid_until must be a STIX time: 9999 at most */
			if (cti_parse_duration(&o.valid_for, optarg) ||
			    o.valid_for <= 0 ||
			    o.valid_for > 253402300799 - cti_now())
				goto bad_value;
			break;
		case OPT_LEVEL:
			if ((v = cmd_parse_uint(optarg, 9)) < 0)
				goto bad_value;
			o.level = (int)v;
			break;
		case OPT_BASE:
			if (!*optarg || strcmp(optarg, "-") == 0)
				goto bad_value;
			o.base = optarg;
			break;
		case OPT_REVOKE_MISSING:
			o.revoke_missing = 1;
			break;
		default:
			free(labels);
			return cmd_bad_option(usage, c, argv);
		}
	}
	o.labels = nlabels ? labels : NULL;
	if (o.revoke_missing && !o.base) {
		free(labels);
		return cmd_usage_error(usage, "--revoke-missing goes with "
				       "--base");
	}
	if (json && (!output || strcmp(output, "-") == 0)) {
		free(labels);
		return cmd_usage_error(usage, "--json prints counts on standard "
				       "output: give the bundle -o FILE");
	}
	if (!o.plain && (!output || strcmp(output, "-") == 0) &&
	    isatty(STDOUT_FILENO)) {
		free(labels);
		return cmd_usage_error(usage, "refusing to write a compressed "
				       "bundle to a terminal: use -o FILE");
	}
	o.warn = cmd_warn;
	o.progress = cmd_progress;
	cmd_progress_start("reading");
	rc = cti_pack(&st, output, (const char *const *)argv + optind,
		      (size_t)(argc - optind), &o);
	cmd_progress_done();
	free(labels);
	cmd_warn_done("warnings");
	if (rc && st.need_column && !o.column) {
		/* the library says what is wrong, the command how to fix it */
		cmd_msg("%s; name the value column with --column", cti_errmsg());
		return cmd_finish(cti_exit_status(rc));
	}
	if (rc)
		return cmd_finish(cmd_fail(rc));
	cmd_info("%llu read: %llu indicators created, %llu objects passed "
		 "through, %llu added (identity, marking), %llu skipped, %llu "
		 "duplicate", (unsigned long long)st.read,
		 (unsigned long long)st.indicators,
		 (unsigned long long)st.passed, (unsigned long long)st.added,
		 (unsigned long long)st.skipped,
		 (unsigned long long)st.duplicate);
	if (o.base)
		cmd_info("of the base: %llu kept, %llu modified, %llu revoked, "
			 "%llu left out", (unsigned long long)st.kept,
			 (unsigned long long)st.modified,
			 (unsigned long long)st.revoked,
			 (unsigned long long)st.left_out);
	if (json) {
		printf("{\"read\":%llu,\"written\":%llu,\"indicators\":%llu,"
		       "\"passed\":%llu,\"added\":%llu,\"skipped\":%llu,"
		       "\"duplicate\":%llu", (unsigned long long)st.read,
		       (unsigned long long)st.written,
		       (unsigned long long)st.indicators,
		       (unsigned long long)st.passed,
		       (unsigned long long)st.added,
		       (unsigned long long)st.skipped,
		       (unsigned long long)st.duplicate);
		if (o.base)
			printf(",\"kept\":%llu,\"modified\":%llu,"
			       "\"revoked\":%llu,\"left_out\":%llu",
			       (unsigned long long)st.kept,
			       (unsigned long long)st.modified,
			       (unsigned long long)st.revoked,
			       (unsigned long long)st.left_out);
		printf("}\n");
	}
	return cmd_finish(0);

bad_value:
	free(labels);
	return cmd_bad_value(longopts, c, optarg, want(c));
}
