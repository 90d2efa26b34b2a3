/*
 * sign.c - cti sign: add a signature to bundle files, or write FILE.minisig.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pass.h"

static const char usage[] =
	"usage: cti sign -s SEC [--feed NAME] [--seq N|auto]\n"
	"                [--expires DURATION] [--detached] [-x SIG] [-c COMMENT]\n"
	"                [--state DIR] [--passphrase-file FILE] FILE ...\n";

enum { OPT_FEED = 256, OPT_SEQ, OPT_EXPIRES, OPT_DETACHED, OPT_STATE,
       OPT_PASSFILE };

static const struct option longopts[] = {
	{ "secret-key", required_argument, NULL, 's' },
	{ "feed", required_argument, NULL, OPT_FEED },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "detached", no_argument, NULL, OPT_DETACHED },
	{ "signature", required_argument, NULL, 'x' },
	{ "comment", required_argument, NULL, 'c' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
cmd_sign(int argc, char **argv)
{
	struct cti_sign_opts o = { .seq = -1 };
	struct cmd_pass pass;
	cti_seckey *sk = NULL;
	const char *sec = NULL, *passfile = NULL, *state = NULL;
	int64_t ttl = 0;
	long long v;
	int c, i, rc, status = 0, seq_auto = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hs:x:c:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'h':
			return cmd_help_usage(usage);
		case 's':
			sec = optarg;
			break;
		case OPT_FEED:
			o.feed = optarg;
			break;
		case OPT_SEQ:
			if (strcmp(optarg, "auto") == 0) {
				seq_auto = 1;
			} else {
				if ((v = cmd_parse_uint(optarg, INT64_MAX)) < 0)
					goto bad_value;
				seq_auto = 0;
				o.seq = v;
			}
			break;
		case OPT_EXPIRES:
			if (cti_parse_duration(&ttl, optarg) || ttl <= 0)
				goto bad_value;
			break;
		case OPT_DETACHED:
			o.detached = 1;
			break;
		case 'x':
			o.sig_path = optarg;
			break;
		case 'c':
			o.comment = optarg;
			break;
		case OPT_STATE:
			state = optarg;
			break;
		case OPT_PASSFILE:
			passfile = optarg;
			break;
		default:
			return cmd_bad_option(usage, c, argv);
		}
	}
	if (!sec)
		return cmd_usage_error(usage, "-s SEC is required");
	if (optind == argc)
		return cmd_usage_error(usage, "no file to sign");
	if ((o.sig_path || o.comment) && !o.detached)
		return cmd_usage_error(usage, "-x and -c go with --detached");
	if (o.sig_path && argc - optind > 1)
		return cmd_usage_error(usage, "-x SIG signs a single file");
	if (seq_auto && !o.feed)
		return cmd_usage_error(usage, "--seq auto needs --feed NAME");
	cmd_pass_init(&pass, passfile);
	if ((rc = cti_seckey_load(&sk, sec, cmd_passphrase, &pass))) {
		if (pass.reported)
			return cmd_finish(pass.status);
		return cmd_finish(cmd_fail(rc));
	}
	for (i = optind; i < argc; i++) {
		o.timestamp = cti_now();
		o.expires = ttl ? o.timestamp + ttl : 0;
		if (seq_auto && (rc = cti_seq_next(&o.seq, state, o.feed))) {
			status = cmd_fail(rc);
			break;
		}
		if ((rc = cti_sign_file(sk, argv[i], &o)) && !status)
			status = cmd_fail(rc);
		else if (rc)
			cmd_fail(rc);
	}
	cti_seckey_free(sk);
	return cmd_finish(status);

bad_value:
	return cmd_bad_value(longopts, c, optarg,
			     c == OPT_SEQ ? "a number or auto" :
					    "a duration such as 12h, 7d or 2w");
}
