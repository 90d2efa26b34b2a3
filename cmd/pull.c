/*
 * pull.c - cti pull: fetch a bundle file from an HTTPS server or a
 * directory into a verified local copy, quietly, for cron.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] =
	"usage: cti pull [-q | -v] [--json] [-p PUB]... [-P KEY]... [-k KEYRING]...\n"
	"                [--threshold K] [--feed NAME] [--max-age DURATION]\n"
	"                [--legacy] [-x SIG] [--allow-unsigned] [-o OUT]\n"
	"                [--keep-gzip] [--state DIR] [--lock-wait DURATION]\n"
	"                [--max-size SIZE]\n"
	"                " CMD_NET_USAGE " SRC\n";

enum { OPT_JSON = 256, OPT_THRESHOLD, OPT_FEED, OPT_MAX_AGE, OPT_LEGACY,
       OPT_ALLOW_UNSIGNED, OPT_KEEP_GZIP, OPT_STATE, OPT_LOCK_WAIT,
       OPT_MAX_SIZE };

static const struct option longopts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "public-key", required_argument, NULL, 'p' },
	{ "keyring", required_argument, NULL, 'k' },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "feed", required_argument, NULL, OPT_FEED },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "legacy", no_argument, NULL, OPT_LEGACY },
	{ "signature", required_argument, NULL, 'x' },
	{ "allow-unsigned", no_argument, NULL, OPT_ALLOW_UNSIGNED },
	{ "output", required_argument, NULL, 'o' },
	{ "keep-gzip", no_argument, NULL, OPT_KEEP_GZIP },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	CMD_NET_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The default --max-size: 2 GiB. */
#define MAX_SIZE_DEFAULT (UINT64_C(2) << 30)

/* "1048576", "512k", "100M", "2G" (powers of 1024) into bytes, 1 byte to
 * 1 TiB; -1 when malformed. */
static int
parse_size(uint64_t *out, const char *s)
{
	unsigned shift = 0;
	long long v;
	char num[24];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	default: break;
	}
	if (shift)
		num[n - 1] = '\0';
	if ((v = cmd_parse_uint(num, (1LL << 40) >> shift)) < 1)
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void
pull_info(void *ctx, const char *msg)
{
	(void)ctx;
	cmd_info("%s", msg);
}

static void
print_json(FILE *f, const char *src, const struct cti_pull_result *r,
	   const char *output, int rc)
{
	const struct cti_signer *s = r->verify ? cti_verify_signer(r->verify, 0) :
						 NULL;

	fputs("{\"status\":", f);
	cmd_json_str(f, rc ? "failed" : r->unchanged ? "unchanged" : "updated");
	fputs(",\"source\":", f);
	cmd_json_str(f, src);
	fputs(",\"state\":", f);
	cmd_json_str(f, r->state_dir);
	fputs(",\"output\":", f);
	cmd_json_str(f, rc || r->unchanged ? NULL : output);
	fprintf(f, ",\"http_status\":%ld,\"attempts\":%d", r->net.status,
		r->net.attempts);
	if (!rc && !r->unchanged) {
		fprintf(f, ",\"bytes\":%" PRIu64 ",\"resumed\":%" PRIu64
			",\"verified\":%s,\"signers\":%zu,\"feed\":", r->bytes,
			r->resumed, r->verified ? "true" : "false",
			r->verify ? cti_verify_count(r->verify) : 0);
		cmd_json_str(f, s ? s->feed : NULL);
		if (s && s->seq >= 0)
			fprintf(f, ",\"seq\":%" PRId64, s->seq);
		else
			fputs(",\"seq\":null", f);
	}
	if (rc) {
		fprintf(f, ",\"exit\":%d,\"error\":", cti_exit_status(rc));
		cmd_json_str(f, cti_errmsg());
	}
	fputs("}\n", f);
}

/* What happened, in one line: with -v, or on a terminal. */
static void
summary(const char *src, const struct cti_pull_result *r)
{
	const struct cti_signer *s = r->verify ? cti_verify_signer(r->verify, 0) :
						 NULL;

	if (cmd_verbose < 0 || (cmd_verbose == 0 && !isatty(STDERR_FILENO)))
		return;
	for (size_t i = 0; cmd_verbose > 0 && r->verify &&
			   i < cti_verify_count(r->verify); i++) {
		const struct cti_signer *g = cti_verify_signer(r->verify, i);
		char id[17];

		cmd_msg("%s: good %s signature by %s (key %s)", src,
			g->embedded ? "embedded" : "detached", g->name,
			cti_keyid_format(id, g->keyid));
	}
	if (r->unchanged) {
		cmd_msg("%s: unchanged", src);
	} else if (s && s->feed && s->seq >= 0) {
		cmd_msg("%s: updated: feed %s seq %" PRId64 ", %" PRIu64
			" bytes, %zu signer%s", src, s->feed, s->seq, r->bytes,
			cti_verify_count(r->verify),
			cti_verify_count(r->verify) == 1 ? "" : "s");
	} else {
		cmd_msg("%s: updated: %" PRIu64 " bytes%s", src, r->bytes,
			r->verified ? "" : ", not verified");
	}
}

int
cmd_pull(int argc, char **argv)
{
	struct cti_net_opts no = CTI_NET_OPTS_INIT;
	struct cti_pull_opts po = { 0 };
	struct cti_pull_result res = { 0 };
	cti_keyring *kr = NULL;
	cti_net *net = NULL;
	const char *src;
	int c, rc, st, json = 0, nkeys = 0;
	long long v;
	FILE *jf;

	cmd_verbose = 0;
	no.max_size = MAX_SIZE_DEFAULT;
	if ((rc = cti_keyring_new(&kr)))
		return cmd_finish(cmd_fail(rc));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hqvp:P:k:x:o:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			cti_keyring_free(kr);
			return cmd_help_usage(usage);
		case 'q':
			cmd_verbose = -1;
			break;
		case 'v':
			cmd_verbose = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'p':
		case 'k':
		case 'P':
			if ((rc = cmd_net_key(kr, &nkeys, c, optarg)))
				goto fail;
			break;
		case OPT_THRESHOLD:
			if ((v = cmd_parse_uint(optarg, 1000)) < 1)
				goto bad_value;
			po.verify.threshold = (unsigned)v;
			break;
		case OPT_FEED:
			po.verify.feed = optarg;
			break;
		case OPT_MAX_AGE:
			if (cti_parse_duration(&po.verify.max_age, optarg) ||
			    po.verify.max_age <= 0)
				goto bad_value;
			break;
		case OPT_LEGACY:
			po.verify.legacy = 1;
			break;
		case 'x':
			po.verify.sig_path = optarg;
			break;
		case OPT_ALLOW_UNSIGNED:
			po.allow_unsigned = 1;
			break;
		case 'o':
			po.verify.output = optarg;
			break;
		case OPT_KEEP_GZIP:
			po.verify.keep_gzip = 1;
			break;
		case OPT_STATE:
			po.state_dir = optarg;
			break;
		case OPT_LOCK_WAIT:
			if (cti_parse_duration(&po.lock_wait, optarg) ||
			    po.lock_wait > 86400)
				goto bad_value;
			break;
		case OPT_MAX_SIZE:
			if (parse_size(&no.max_size, optarg))
				goto bad_value;
			break;
		default:
			if ((st = cmd_net_option(&no, longopts, c, optarg)) == 0)
				break;
			cti_keyring_free(kr);
			if (st == 2)
				return st;
			return cmd_bad_option(usage, c, argv);
		}
	}
	if (argc - optind != 1) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, argc == optind ?
					      "a SRC is needed" :
					      "too many arguments");
	}
	src = argv[optind];
	if (po.verify.keep_gzip && !po.verify.output) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "--keep-gzip goes with -o OUT");
	}
	if (po.allow_unsigned && (nkeys || po.verify.sig_path ||
				  po.verify.threshold || po.verify.feed ||
				  po.verify.max_age || po.verify.legacy)) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "--allow-unsigned checks no "
				       "signature: it takes no key or "
				       "signature option");
	}
	if (!po.allow_unsigned && (rc = cmd_net_default_keys(kr, nkeys, 0))) {
		if (rc != 1)
			goto fail;
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "no trusted key: give -p PUB, "
				       "-P KEY or -k KEYRING, or "
				       "--allow-unsigned");
	}
	po.verify.keys = kr;
	po.info = pull_info;
	cmd_net_setup(&no);
	if (po.allow_unsigned && cmd_verbose >= 0)
		cmd_msg("warning: %s: --allow-unsigned: installing it without "
			"checking any signature", src);
	if ((rc = cti_net_open(&net, src, &no)))
		goto fail;
	cmd_progress_start("pulling");
	rc = cti_pull(&res, net, &po);
	cmd_progress_done();
	/* with the payload on standard output, the status goes to stderr */
	jf = po.verify.output && strcmp(po.verify.output, "-") == 0 ? stderr :
								      stdout;
	if (json)
		print_json(jf, src, &res, po.verify.output, rc);
	if (rc)
		goto fail;
	summary(src, &res);
	cti_pull_result_clear(&res);
	cti_net_free(net);
	cti_keyring_free(kr);
	return cmd_finish(0);

fail:
	st = rc == CTI_ELEGACY ? cmd_fail_hint(rc, "--legacy accepts it") :
				 cmd_fail(rc);
	cti_pull_result_clear(&res);
	cti_net_free(net);
	cti_keyring_free(kr);
	return cmd_finish(st);

bad_value:
	cti_keyring_free(kr);
	return cmd_bad_value(longopts, c, optarg,
			     c == OPT_THRESHOLD ? "a number from 1 to 1000" :
			     c == OPT_MAX_SIZE  ? "a size such as 500M or 2G" :
			     c == OPT_LOCK_WAIT ? "a duration such as 30s or 5m" :
						  "a duration such as 12h, 30d "
						  "or 2w");
}
