/*
 * keygen.c - cti keygen: an Ed25519 key pair in minisign's formats.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pass.h"

static const char usage[] =
	"usage: cti keygen [-q | -v] [--json] [-W] [-f] [-c COMMENT] [-p PUB]\n"
	"                  [-s SEC] [--passphrase-file FILE]\n";

enum { OPT_PASSFILE = 256 };

static const struct option longopts[] = {
	CMD_LONGOPTS,
	{ "public-key", required_argument, NULL, 'p' },
	{ "secret-key", required_argument, NULL, 's' },
	{ "comment", required_argument, NULL, 'c' },
	{ "unencrypted", no_argument, NULL, 'W' },
	{ "force", no_argument, NULL, 'f' },
	{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
	{ NULL, 0, NULL, 0 },
};

int
cmd_keygen(int argc, char **argv)
{
	struct cti_keygen_opts o = { 0 };
	struct cmd_pass pass;
	const char *pub = NULL, *sec = NULL, *passfile = NULL;
	char id[17], *dir = NULL, *defpub = NULL, *defsec = NULL;
	struct cti_keyring *kr = NULL;
	struct cti_key_info k;
	uint64_t keyid;
	int c, rc, st, json = 0;

	while ((c = cmd_getopt(argc, argv, ":hqvp:s:c:Wf", longopts, usage,
			       &json)) != -1) {
		switch (c) {
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
	if (sec && strcmp(sec, "-") == 0)
		return cmd_usage_error(usage, "-s -: a secret key is never "
				       "written to standard output");
	if (json && pub && strcmp(pub, "-") == 0)
		return cmd_usage_error(usage, "--json and -p - both want "
				       "standard output");
	/* by default the pair lives where XDG puts configuration */
	if (!pub || !sec) {
		if (!(dir = cti_config_dir()))
			return cmd_usage_error(usage,
					       "no -p PUB or -s SEC, and no "
					       "default place: set "
					       "XDG_CONFIG_HOME or HOME");
		defpub = malloc(strlen(dir) + 9);
		defsec = malloc(strlen(dir) + 9);
		if (!defpub || !defsec) {
			cmd_msg("out of memory");
			st = 4;
			goto out;
		}
		sprintf(defpub, "%s/cti.pub", dir);
		sprintf(defsec, "%s/cti.key", dir);
		if (!pub)
			pub = defpub;
		if (!sec)
			sec = defsec;
	}
	cmd_pass_init(&pass, passfile);
	o.passphrase = cmd_passphrase;
	o.passphrase_ctx = &pass;
	o.confirm = pass.confirm = cmd_pass_is_tty(&pass);
	rc = cti_keygen(&keyid, pub, sec, &o);
	cmd_progress_done();
	if (rc) {
		st = pass.reported ? pass.status : cmd_fail(rc);
		goto out;
	}
	cti_keyid_format(id, keyid);
	if (json) {
		/* the fingerprint, read back from the key just written */
		if ((rc = cti_keyring_new(&kr)) ||
		    (rc = cti_keyring_add(kr, pub)) ||
		    (rc = cti_keyring_key(&k, kr, 0))) {
			st = cmd_fail(rc);
			goto out;
		}
		printf("{\"key\":\"%s\",\"public_key\":", id);
		cmd_json_str(stdout, pub);
		fputs(",\"secret_key\":", stdout);
		cmd_json_str(stdout, sec);
		printf(",\"encrypted\":%s,\"fingerprint\":\"%s\"}\n",
		       o.unencrypted ? "false" : "true", k.fingerprint);
	} else if (strcmp(pub, "-") == 0) {
		/* standard output holds the public key itself */
		if (cmd_verbose >= 0)
			cmd_msg("key id %s", id);
	} else if (cmd_verbose >= 0) {
		printf("%s\n", id);
	}
	cmd_info("wrote %s (public) and %s (secret, %s)",
		 strcmp(pub, "-") == 0 ? "standard output" : pub, sec,
		 o.unencrypted ? "unencrypted" : "encrypted");
	st = 0;
out:
	cti_keyring_free(kr);
	free(dir);
	free(defpub);
	free(defsec);
	return cmd_finish(st);
}
