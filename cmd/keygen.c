/*
 * keygen.c - cti keygen: an Ed25519 key pair in minisign's formats.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pass.h"

static const char usage[] =
	"usage: cti keygen -p PUB -s SEC [-W] [-f] [-c COMMENT]\n"
	"                  [--passphrase-file FILE]\n";

enum { OPT_PASSFILE = 256 };

static const struct option longopts[] = {
	{ "public-key", required_argument, NULL, 'p' },
	{ "secret-key", required_argument, NULL, 's' },
	{ "comment", required_argument, NULL, 'c' },
	{ "unencrypted", no_argument, NULL, 'W' },
	{ "force", no_argument, NULL, 'f' },
	{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
cmd_keygen(int argc, char **argv)
{
	struct cti_keygen_opts o = { 0 };
	struct cmd_pass pass;
	const char *pub = NULL, *sec = NULL, *passfile = NULL;
	char id[17];
	uint64_t keyid;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hp:s:c:Wf", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'h':
			return cmd_help_usage(usage);
		case 'p':
			pub = optarg;
			break;
		case 's':
			sec = optarg;
			break;
		case 'c':
			if (strpbrk(optarg, "\r\n"))
				return cmd_usage_error(usage, "a comment is one "
						       "line");
			o.comment = optarg;
			break;
		case 'W':
			o.unencrypted = 1;
			break;
		case 'f':
			o.force = 1;
			break;
		case OPT_PASSFILE:
			passfile = optarg;
			break;
		default:
			return cmd_bad_option(usage, c, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error(usage, "unexpected argument '%s'",
				       argv[optind]);
	if (!pub || !sec)
		return cmd_usage_error(usage, "-p PUB and -s SEC are required");
	cmd_pass_init(&pass, passfile);
	o.passphrase = cmd_passphrase;
	o.passphrase_ctx = &pass;
	o.confirm = cmd_pass_is_tty(&pass);
	if ((rc = cti_keygen(&keyid, pub, sec, &o))) {
		if (pass.reported)
			return cmd_finish(pass.status);
		return cmd_finish(cmd_fail(rc));
	}
	printf("%s\n", cti_keyid_format(id, keyid));
	return cmd_finish(0);
}
