/*
 * sign.c - cti sign: add a signature to bundle files, or write FILE.minisig.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "pass.h"

static const char usage[] =
	"usage: cti sign [-q | -v] [--json] [-s SEC] [--feed NAME] [--seq N|auto]\n"
	"                [--expires DURATION|TIME] [--detached] [-x SIG]\n"
	"                [-c COMMENT] [--state DIR] [--passphrase-file FILE]\n"
	"                FILE ...\n";

enum { OPT_FEED = 256, OPT_SEQ, OPT_EXPIRES, OPT_DETACHED, OPT_STATE,
       OPT_PASSFILE };

static const struct option longopts[] = {
	CMD_LONGOPTS,
	{ "secret-key", required_argument, NULL, 's' },
	{ "feed", required_argument, NULL, OPT_FEED },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "detached", no_argument, NULL, OPT_DETACHED },
	{ "signature", required_argument, NULL, 'x' },
	{ "comment", required_argument, NULL, 'c' },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
	{ NULL, 0, NULL, 0 },
};

/* The advice the library cannot give for an error of sign. */
static int
report(int rc, const struct cti_sign_opts *o)
{
	if (rc == CTI_EUSAGE && o->feed && o->seq < 0)
		return cmd_fail_hint(rc, "give --seq N or --seq auto");
	if (rc == CTI_EPOLICY)
		return cmd_fail_hint(rc, "give --feed and --seq");
	if (rc == CTI_EFORMAT && !o->detached)
		return cmd_fail_hint(rc, "--detached signs it beside the file");
	return cmd_fail(rc);
}

static void
print_json(const char *file, const struct cti_sign_result *r,
	   const struct cti_sign_opts *o, int rc)
{
	char id[17];

	fputs("{\"file\":", stdout);
	cmd_json_str(stdout, file);
	if (rc) {
		printf(",\"signed\":false,\"status\":%d,\"error\":",
		       cti_exit_status(rc));
		cmd_json_str(stdout, cti_errmsg());
		fputs("}\n", stdout);
		return;
	}
	printf(",\"signed\":true,\"key\":\"%s\",\"detached\":%s,"
	       "\"timestamp\":%" PRId64 ",\"feed\":",
	       cti_keyid_format(id, r->keyid), o->detached ? "true" : "false",
	       r->timestamp);
	cmd_json_str(stdout, r->feed[0] ? r->feed : NULL);
	if (r->seq >= 0)
		printf(",\"seq\":%" PRId64, r->seq);
	else
		fputs(",\"seq\":null", stdout);
	if (r->expires > 0)
		printf(",\"expires\":%" PRId64, r->expires);
	else
		fputs(",\"expires\":null", stdout);
	printf(",\"adopted\":[%s%s%s]}\n",
	       r->adopted & CTI_ADOPTED_FEED ? "\"feed\"" : "",
	       r->adopted & CTI_ADOPTED_SEQ ?
		       (r->adopted & CTI_ADOPTED_FEED ? ",\"seq\"" : "\"seq\"") :
		       "",
	       r->adopted & CTI_ADOPTED_EXPIRES ?
		       (r->adopted & (CTI_ADOPTED_FEED | CTI_ADOPTED_SEQ) ?
				",\"expires\"" :
				"\"expires\"") :
		       "");
}

/* -v: what was signed, and what was taken from the file's signatures. */
static void
print_info(const char *file, const struct cti_sign_result *r)
{
	static const char *const names[] = { "feed", "seq", "expiry" };
	char id[17], t[32], what[96] = "";
	size_t n = 0, k = 0, i;

	for (i = 0; i < 3; i++)
		n += (r->adopted >> i) & 1;
	for (i = 0; i < 3; i++) {
		if (!((r->adopted >> i) & 1))
			continue;
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 "%s%s", k == 0 ? "; " : k + 1 == n ? " and " : ", ",
			 names[i]);
		k++;
	}
	if (n)
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " taken from its signatures");
	if (r->expires)
		cti_format_time(t, sizeof(t), r->expires);
	if (r->feed[0])
		cmd_info("%s: signed with key %s: feed %s, seq %" PRId64
			 ", expires %s%s", file,
			 cti_keyid_format(id, r->keyid), r->feed, r->seq,
			 r->expires ? t : "never", what);
	else
		cmd_info("%s: signed with key %s: no feed, expires %s%s", file,
			 cti_keyid_format(id, r->keyid),
			 r->expires ? t : "never", what);
}

/* Whether path is a regular file, which can be looked at before signing. */
static int
regular(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

int
cmd_sign(int argc, char **argv)
{
	struct cti_sign_opts o = { .seq = -1, .adopt = 1 };
	struct cti_sign_result r;
	struct cmd_pass pass;
	cti_seckey *sk = NULL;
	const char *sec = NULL, *passfile = NULL, *state = NULL;
	const char *expires_arg = NULL;
	char *dir = NULL, *defsec = NULL, *ok = NULL;
	int64_t ttl = 0, until = 0, now;
	long long v;
	int c, i, rc, status = 0, seq_auto = 0, json = 0, todo = 0;

	while ((c = cmd_getopt(argc, argv, ":hqvs:x:c:", longopts, usage,
			       &json)) != -1) {
		switch (c) {
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
			/* a duration from the signing time, or a time */
			ttl = until = 0;
			expires_arg = optarg;
			if (cti_parse_duration(&ttl, optarg) == CTI_OK) {
				if (ttl <= 0)
					goto bad_value;
			} else if (cti_parse_time(&until, optarg) != CTI_OK ||
				   until <= 0) {
				goto bad_value;
			}
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
	if (optind == argc)
		return cmd_usage_error(usage, "no file to sign");
	if ((o.sig_path || o.comment) && !o.detached)
		return cmd_usage_error(usage, "-x and -c go with --detached");
	if (o.sig_path && argc - optind > 1)
		return cmd_usage_error(usage, "-x SIG signs a single file");
	if (seq_auto && !o.feed)
		return cmd_usage_error(usage, "--seq auto needs --feed NAME");
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0 && !o.detached)
			return cmd_usage_error(usage, "standard input can be "
					       "signed only --detached");
	/* signing time and expiry come from the clock, never from
	 * SOURCE_DATE_EPOCH: a signature says when it was made */
	now = (int64_t)time(NULL);
	if (until && until <= now)
		return cmd_bad_value(longopts, OPT_EXPIRES, expires_arg,
				     "a time in the future");
	if ((ttl && ttl > CTI_TIME_MAX - now) || until > CTI_TIME_MAX)
		return cmd_bad_value(longopts, OPT_EXPIRES, expires_arg,
				     "an expiry before the year 10000");
	if (!sec) {
		if (!(dir = cti_config_dir()))
			return cmd_usage_error(usage, "no -s SEC, and no default "
					       "key: set XDG_CONFIG_HOME or "
					       "HOME");
		if (!(defsec = malloc(strlen(dir) + 9))) {
			free(dir);
			cmd_msg("out of memory");
			return cmd_finish(4);
		}
		sprintf(defsec, "%s/cti.key", dir);
		sec = defsec;
	}
	/* what can be refused is refused before the passphrase is asked */
	if (!(ok = calloc((size_t)argc, 1))) {
		cmd_msg("out of memory");
		status = 4;
		goto out;
	}
	for (i = optind; i < argc; i++) {
		struct cti_sign_opts po = o;

		po.expires = ttl ? now + ttl : until;
		if (seq_auto)
			po.seq = 0; /* a number will be taken */
		if (regular(argv[i]) && (rc = cti_sign_plan(&r, argv[i], &po))) {
			if (json)
				print_json(argv[i], &r, &o, rc);
			rc = report(rc, &o);
			if (!status)
				status = rc;
			continue;
		}
		ok[i] = 1;
		todo++;
	}
	if (!todo)
		goto out;
	cmd_pass_init(&pass, passfile);
	rc = cti_seckey_load(&sk, sec, cmd_passphrase, &pass);
	cmd_progress_done();
	if (rc) {
		rc = pass.reported ? pass.status : cmd_fail(rc);
		if (!status)
			status = rc;
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (!ok[i])
			continue;
		o.timestamp = (int64_t)time(NULL);
		o.expires = ttl ? o.timestamp + ttl : until;
		if (seq_auto && (rc = cti_seq_next(&o.seq, state, o.feed))) {
			if (json)
				print_json(argv[i], &r, &o, rc);
			rc = cmd_fail(rc);
			if (!status)
				status = rc;
			break;
		}
		rc = cti_sign_file(&r, sk, argv[i], &o);
		if (json)
			print_json(argv[i], &r, &o, rc);
		if (rc) {
			rc = report(rc, &o);
			if (!status)
				status = rc;
			continue;
		}
		print_info(argv[i], &r);
	}
out:
	cti_seckey_free(sk);
	free(ok);
	free(dir);
	free(defsec);
	return cmd_finish(status);

bad_value:
	return cmd_bad_value(longopts, c, optarg,
			     c == OPT_SEQ ? "a number or auto" :
					    "a duration such as 12h, 7d or 2w, "
					    "or an RFC 3339 time such as "
					    "2026-11-22T10:00:00Z");
}
