/*
 * verify.c - cti verify: signatures, signers, threshold, freshness and
 * replay; the payload only after all of it passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] =
	"usage: cti verify [-q | -v] [--json] [-p PUB]... [-P KEY]...\n"
	"                  [-k KEYRING]...\n"
	"                  [--threshold K] [--feed NAME] [--state DIR]\n"
	"                  [--max-age DURATION] [--legacy] [-x SIG] [-o OUT]\n"
	"                  [--keep-gzip] FILE ...\n";

enum { OPT_STATE = 256 };

static const struct option longopts[] = {
	CMD_LONGOPTS,
	{ "public-key", required_argument, NULL, 'p' },
	{ "keyring", required_argument, NULL, 'k' },
	CMD_VERIFY_LONGOPTS,
	{ "state", required_argument, NULL, OPT_STATE },
	{ NULL, 0, NULL, 0 },
};

/* The name of the check an error code stands for, for --json. */
static const char *
check_name(int err)
{
	switch (err) {
	case CTI_EBADSIG: return "signature";
	case CTI_ENOSIG: return "no-signature";
	case CTI_EUNTRUSTED: return "untrusted";
	case CTI_ETHRESHOLD: return "threshold";
	case CTI_EREPLAY: return "replay";
	case CTI_EEXPIRED: return "expired";
	case CTI_ELEGACY: return "legacy";
	case CTI_EPOLICY: return "feed";
	default: return "error";
	}
}

static void
json_num(FILE *f, int64_t v, int present)
{
	if (present)
		fprintf(f, "%" PRId64, v);
	else
		fputs("null", f);
}

/* err: the message of a failure (NULL: cti_errmsg()) */
static void
print_json(FILE *f, const char *path, const cti_verify_result *r, int rc,
	   int tlp, const char *err)
{
	char id[17];
	size_t i, n = cti_verify_count(r);

	fputs("{\"file\":", f);
	cmd_json_str(f, path);
	fprintf(f, ",\"verified\":%s", rc ? "false" : "true");
	if (rc) {
		fprintf(f, ",\"status\":%d,\"check\":", cti_exit_status(rc));
		cmd_json_str(f, check_name(rc));
		fputs(",\"error\":", f);
		cmd_json_str(f, err ? err : cti_errmsg());
		fputs("}\n", f);
		return;
	}
	fputs(",\"signers\":[", f);
	for (i = 0; i < n; i++) {
		const struct cti_signer *s = cti_verify_signer(r, i);

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		cmd_json_str(f, s->name);
		fprintf(f, ",\"key\":\"%s\",\"embedded\":%s,\"legacy\":%s,"
			"\"timestamp\":", cti_keyid_format(id, s->keyid),
			s->embedded ? "true" : "false",
			s->legacy ? "true" : "false");
		json_num(f, s->timestamp, s->timestamp >= 0);
		fputs(",\"file\":", f);
		cmd_json_str(f, s->file);
		fputs(",\"feed\":", f);
		cmd_json_str(f, s->feed);
		fputs(",\"seq\":", f);
		json_num(f, s->seq, s->seq >= 0);
		fputs(",\"expires\":", f);
		json_num(f, s->expires, s->expires > 0);
		fputs(",\"trusted_comment\":", f);
		cmd_json_str(f, s->trusted_comment);
		fputc('}', f);
	}
	fputc(']', f);
	if (tlp) {
		fputs(",\"tlp\":", f);
		cmd_json_str(f, cti_verify_tlp(r) == CTI_TLP_NONE ?
					NULL :
					cti_tlp_label(cti_verify_tlp(r)));
	}
	fputs("}\n", f);
}

static void
print_text(FILE *f, const char *path, const cti_verify_result *r, int tlp)
{
	char id[17], t[32];
	size_t i, n = cti_verify_count(r);

	for (i = 0; i < n; i++) {
		const struct cti_signer *s = cti_verify_signer(r, i);

		fprintf(f, "%s: good %s signature by %s (key %s)", path,
			s->embedded ? "embedded" : "detached", s->name,
			cti_keyid_format(id, s->keyid));
		if (s->timestamp >= 0)
			fprintf(f, " timestamp %s",
				cti_format_time(t, sizeof(t), s->timestamp));
		if (s->feed) {
			fputs(" feed ", f);
			cmd_put_clean(f, s->feed);
		}
		if (s->seq >= 0)
			fprintf(f, " seq %" PRId64, s->seq);
		if (s->expires > 0)
			fprintf(f, " expires %s",
				cti_format_time(t, sizeof(t), s->expires));
		if (s->file) {
			fputs(" file ", f);
			cmd_put_clean(f, s->file);
		}
		fputc('\n', f);
	}
	if (tlp)
		fprintf(f, "%s: payload %s\n", path,
			cti_verify_tlp(r) == CTI_TLP_NONE ?
				"has no TLP marking" :
				cti_tlp_label(cti_verify_tlp(r)));
}

char *
cmd_default_keyring(void)
{
	char *dir = cti_config_dir(), *p = NULL;
	struct stat st;

	if (dir && (p = malloc(strlen(dir) + 9)))
		sprintf(p, "%s/trusted", dir);
	free(dir);
	if (p && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return p;
	free(p);
	return NULL;
}

/* Why a file could not be opened: the library has no part in that. */
static char open_err[512];

/* Verify path ("-": standard input) with FILE.minisig beside it; -1 when
 * it cannot be opened (open_err says why). */
static int
verify_one(cti_verify_result **r, const char *path,
	   const struct cti_verify_opts *opts)
{
	struct cti_verify_opts o = *opts;
	char *sig = NULL;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(open_err, sizeof(open_err), "%s: %s", path,
			 strerror(errno));
		return -1;
	} else if ((sig = malloc(strlen(path) + 9))) {
		sprintf(sig, "%s.minisig", path);
		o.sig_optional = sig;
	}
	rc = cti_verify_fd(r, fd, path, &o);
	if (fd != STDIN_FILENO)
		close(fd);
	free(sig);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	struct cti_verify_opts o = { 0 };
	cti_keyring *kr = NULL;
	char *defstate = NULL, *defring = NULL;
	const char *state = NULL;
	int c, i, rc, status = 0, json = 0, nkeys = 0, key_stdin = 0;
	FILE *info;
	/* keys are read once the options are known good */
	struct { int opt; const char *arg; } *keys;

	if (!(keys = calloc((size_t)argc, sizeof(*keys)))) {
		cmd_msg("out of memory");
		return cmd_finish(4);
	}
	if ((rc = cti_keyring_new(&kr))) {
		free(keys);
		return cmd_finish(cmd_fail(rc));
	}
	while ((c = cmd_getopt(argc, argv, ":hqvp:P:k:x:o:", longopts, usage,
			       &json)) != -1) {
		switch (c) {
		case 'p':
		case 'k':
		case 'P':
			if (key_stdin && c != 'P' && strcmp(optarg, "-") == 0) {
				status = cmd_usage_error(usage, "standard input "
							 "gives keys once");
				goto out;
			}
			key_stdin |= c != 'P' && strcmp(optarg, "-") == 0;
			keys[nkeys].opt = c;
			keys[nkeys++].arg = optarg;
			break;
		case OPT_STATE:
			state = optarg;
			break;
		default:
			if ((status = cmd_verify_option(&o, longopts, c,
							optarg)) == 1)
				status = cmd_bad_option(usage, c, argv);
			if (status)
				goto out;
			break;
		}
	}
	if (optind == argc) {
		status = cmd_usage_error(usage, "no file to verify");
		goto out;
	}
	if ((o.output || o.sig_path) && argc - optind > 1) {
		status = cmd_usage_error(usage, "-o and -x go with a single "
					 "file");
		goto out;
	}
	for (i = optind; key_stdin && i < argc; i++)
		if (strcmp(argv[i], "-") == 0) {
			status = cmd_usage_error(usage, "standard input cannot "
						 "be both a key and a file to "
						 "verify");
			goto out;
		}
	if (o.keep_gzip && !o.output) {
		status = cmd_usage_error(usage, "--keep-gzip goes with -o OUT");
		goto out;
	}
	if (nkeys == 0) {
		if (!(defring = cmd_default_keyring())) {
			status = cmd_usage_error(usage,
						 "no trusted key: give -p PUB, "
						 "-P KEY or -k KEYRING");
			goto out;
		}
		keys[nkeys].opt = 'k';
		keys[nkeys++].arg = defring;
	}
	for (i = 0; i < nkeys; i++) {
		rc = keys[i].opt == 'P' ?
			     cti_keyring_add_base64(kr, keys[i].arg, NULL) :
			     cti_keyring_add(kr, keys[i].arg);
		if (rc) {
			status = cmd_fail(rc);
			goto out;
		}
	}
	/* replay checks with --state, or with --feed in the default place */
	if (state) {
		o.state_dir = state;
	} else if (o.feed) {
		if (!(defstate = cti_state_dir())) {
			status = cmd_usage_error(usage, "no state directory: "
						 "set XDG_STATE_HOME or HOME, "
						 "or use --state DIR");
			goto out;
		}
		o.state_dir = defstate;
	}
	o.keys = kr;
	/* the TLP comes free with an inflated output, at a cost otherwise */
	o.tlp = (o.output && !o.keep_gzip) || cmd_verbose > 0;
	o.progress = cmd_progress;
	/* with the payload on stdout, the report goes to stderr */
	info = o.output && strcmp(o.output, "-") == 0 ? stderr : stdout;
	for (i = optind; i < argc; i++) {
		cti_verify_result *r = NULL;

		cmd_progress_start("verifying");
		rc = verify_one(&r, argv[i], &o);
		cmd_progress_done();
		if (rc == -1) {
			if (json)
				print_json(info, argv[i], NULL, CTI_EIO, 0,
					   open_err);
			cmd_msg("%s", open_err);
			if (!status)
				status = 4;
			continue;
		}
		if (json)
			print_json(info, argv[i], r, rc, o.tlp, NULL);
		if (rc) {
			int st = rc == CTI_ELEGACY ?
					 cmd_fail_hint(rc, "--legacy accepts "
						       "it") :
					 cmd_fail(rc);

			if (!status)
				status = st;
		} else if (cmd_verbose >= 0 && !json) {
			print_text(info, argv[i], r, o.tlp);
			if (o.state_dir)
				cmd_info("%s: replay state in %s", argv[i],
					 o.state_dir);
		}
		cti_verify_result_free(r);
	}
out:
	cti_keyring_free(kr);
	free(defstate);
	free(defring);
	free(keys);
	return cmd_finish(status);
}
