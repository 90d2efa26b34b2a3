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
#include "pass.h"

static const char usage[] =
	"usage: cti pull [-q | -v] [--json] [-p PUB]... [-P KEY]... [-k KEYRING]...\n"
	"                [--threshold K] [--feed NAME] [--max-age DURATION]\n"
	"                [--legacy] [-x SIG] [--allow-unsigned] [-o OUT]\n"
	"                [--keep-gzip] [--state DIR] [--lock-wait DURATION]\n"
	"                [--max-size SIZE] [--taxii] [--list] [--limit N]\n"
	"                [--match FIELD=VALUES]... [--since TIME] [--sign-key KEY]\n"
	"                " CMD_NET_USAGE " SRC\n";

enum { OPT_ALLOW_UNSIGNED = 256, OPT_STATE, OPT_LOCK_WAIT, OPT_MAX_SIZE,
       OPT_TAXII, OPT_LIST, OPT_LIMIT, OPT_MATCH, OPT_SINCE, OPT_SIGN_KEY };

/* The most --match options taken. */
#define MATCH_MAX 16

static const struct option longopts[] = {
	CMD_LONGOPTS,
	CMD_VERIFY_LONGOPTS,
	{ "allow-unsigned", no_argument, NULL, OPT_ALLOW_UNSIGNED },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "taxii", no_argument, NULL, OPT_TAXII },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "sign-key", required_argument, NULL, OPT_SIGN_KEY },
	CMD_NET_LONGOPTS,
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
	   const char *output, int rc, int taxii)
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
	if (taxii) {
		fprintf(f, ",\"pages\":%u", r->pages);
		if (!rc)
			fprintf(f, ",\"objects\":%" PRIu64 ",\"total\":%" PRIu64
				",\"bytes\":%" PRIu64 ",\"cursor\":", r->objects,
				r->unchanged ? 0 : r->total, r->bytes);
		if (!rc)
			cmd_json_str(f, r->cursor[0] ? r->cursor : NULL);
	} else if (!rc && !r->unchanged) {
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
summary(const char *src, const struct cti_pull_result *r, int taxii)
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
	} else if (taxii) {
		cmd_msg("%s: updated: %" PRIu64 " new object%s, %" PRIu64
			" in all, %" PRIu64 " bytes", src, r->objects,
			r->objects == 1 ? "" : "s", r->total, r->bytes);
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

/* --list: what a TAXII server offers, as a table or JSON. */
struct listing {
	int json;
	FILE *f;
	char *root;		/* the root being printed */
	int nroots, ncolls;	/* printed so far (JSON: commas) */
};

static int
list_entry(void *ctx, const struct cti_taxii_entry *e)
{
	struct listing *l = ctx;
	int new_root = !l->root || strcmp(l->root, e->root) != 0;

	if (new_root) {
		free(l->root);
		if (!(l->root = strdup(e->root)))
			return CTI_ENOMEM;
	}
	if (l->json) {
		if (new_root) {
			if (l->nroots == 0) {
				fputs("{\"discovery\":", l->f);
				cmd_json_str(l->f, e->discovery);
				fputs(",\"api_roots\":[", l->f);
			} else {
				fputs("]},", l->f);
			}
			fputs("{\"url\":", l->f);
			cmd_json_str(l->f, e->root);
			fputs(",\"title\":", l->f);
			cmd_json_str(l->f, e->root_title);
			fprintf(l->f, ",\"version\":%s,\"error\":",
				e->version == 20 ? "\"2.0\"" :
				e->version == 21 ? "\"2.1\"" : "null");
			cmd_json_str(l->f, e->error);
			fputs(",\"collections\":[", l->f);
			l->ncolls = 0;
		}
		if (e->id) {
			fputs(l->ncolls ? ",{\"id\":" : "{\"id\":", l->f);
			cmd_json_str(l->f, e->id);
			fputs(",\"title\":", l->f);
			cmd_json_str(l->f, e->title);
			fprintf(l->f, ",\"can_read\":%s,\"can_write\":%s}",
				e->can_read ? "true" : "false",
				e->can_write ? "true" : "false");
			l->ncolls++;
		}
	} else {
		if (new_root && l->nroots == 0 && e->discovery[0]) {
			fputs("discovery: ", l->f);
			cmd_put_clean(l->f, e->discovery);
			fputc('\n', l->f);
		}
		if (new_root) {
			fputs("api root: ", l->f);
			cmd_put_clean(l->f, e->root);
			if (e->version)
				fprintf(l->f, " (TAXII %s", e->version == 20 ?
							    "2.0" : "2.1");
			if (e->version && e->root_title[0]) {
				fputs(", ", l->f);
				cmd_put_clean(l->f, e->root_title);
			}
			fputs(e->version ? ")\n" : "\n", l->f);
			if (e->error) {
				fputs("  cannot list: ", l->f);
				cmd_put_clean(l->f, e->error);
				fputc('\n', l->f);
			} else if (e->id) {
				fprintf(l->f, "  %-36s %-4s %-5s %s\n", "ID",
					"READ", "WRITE", "TITLE");
			}
		}
		if (e->id) {
			fputs("  ", l->f);
			cmd_put_clean(l->f, e->id);
			for (size_t k = strlen(e->id); k < 36; k++)
				fputc(' ', l->f);
			fprintf(l->f, " %-4s %-5s ", e->can_read ? "yes" : "no",
				e->can_write ? "yes" : "no");
			cmd_put_clean(l->f, e->title);
			fputc('\n', l->f);
		}
	}
	if (new_root)
		l->nroots++;
	return 0;
}

static int
list_taxii(cti_net *net, int json)
{
	struct listing l = { .json = json, .f = stdout };
	int rc;

	rc = cti_taxii_list(net, list_entry, &l);
	free(l.root);
	if (rc)
		return rc;
	if (json)
		fputs(l.nroots ? "]}]}\n" : "{\"discovery\":null,"
			"\"api_roots\":[]}\n", stdout);
	return 0;
}

int
cmd_pull(int argc, char **argv)
{
	struct cti_net_opts no = CTI_NET_OPTS_INIT;
	struct cti_pull_opts po = { 0 };
	struct cti_pull_result res = { 0 };
	cti_keyring *kr = NULL;
	cti_seckey *sk = NULL;
	cti_net *net = NULL;
	const char *src, *match[MATCH_MAX + 1] = { NULL }, *sign_key = NULL;
	char *taxii_url = NULL;
	int c, rc, st, json = 0, nkeys = 0, taxii = 0, list = 0, nmatch = 0;
	int taxii_opt = 0;
	long long v;
	FILE *jf;

	cmd_verbose = 0;
	no.max_size = MAX_SIZE_DEFAULT;
	if ((rc = cti_keyring_new(&kr)))
		return cmd_finish(cmd_fail(rc));
	while ((c = cmd_getopt(argc, argv, ":hqvp:P:k:x:o:", longopts, usage,
			       &json)) != -1) {
		switch (c) {
		case OPT_ALLOW_UNSIGNED:
			po.allow_unsigned = 1;
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
		case OPT_TAXII:
			taxii = 1;
			break;
		case OPT_LIST:
			list = 1;
			break;
		case OPT_LIMIT:
			if ((v = cmd_parse_uint(optarg, 1000000)) < 1)
				goto bad_value;
			po.taxii_limit = (unsigned)v;
			taxii_opt = c;
			break;
		case OPT_MATCH:
			if (nmatch == MATCH_MAX) {
				cti_keyring_free(kr);
				return cmd_usage_error(usage, "at most %d "
						       "--match", MATCH_MAX);
			}
			match[nmatch++] = optarg;
			taxii_opt = c;
			break;
		case OPT_SINCE: {
			int64_t t;

			if (cti_parse_time(&t, optarg))
				goto bad_value;
			po.taxii_since = optarg;
			taxii_opt = c;
			break;
		}
		case OPT_SIGN_KEY:
			sign_key = optarg;
			taxii_opt = c;
			break;
		default:
			if ((rc = cmd_verify_option(&po.verify, longopts, c,
						    optarg)) == 1)
				rc = cmd_net_option(&no, kr, &nkeys, longopts, c,
						    optarg);
			if (rc < 0)
				goto fail;
			if (rc == 0)
				break;
			cti_keyring_free(kr);
			return rc == 2 ? rc : cmd_bad_option(usage, c, argv);
		}
	}
	if (argc - optind != 1) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, argc == optind ?
					      "a SRC is needed" :
					      "too many arguments");
	}
	src = argv[optind];
	if (taxii && strncmp(src, "taxii+", 6) != 0) {
		if (strncmp(src, "https://", 8) != 0 &&
		    strncmp(src, "http://", 7) != 0) {
			cti_keyring_free(kr);
			return cmd_usage_error(usage, "--taxii takes an "
					       "https:// URL");
		}
		if (!(taxii_url = malloc(strlen(src) + 7))) {
			cti_keyring_free(kr);
			return cmd_fail(CTI_ENOMEM);
		}
		sprintf(taxii_url, "taxii+%s", src);
		src = taxii_url;
	}
	taxii = strncmp(src, "taxii+", 6) == 0;
	if (!taxii && (taxii_opt || list)) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "--%s is for a TAXII source "
				       "(taxii+https:// or --taxii)",
				       list ? "list" :
				       taxii_opt == OPT_LIMIT ? "limit" :
				       taxii_opt == OPT_MATCH ? "match" :
				       taxii_opt == OPT_SINCE ? "since" :
								"sign-key");
	}
	if (taxii && (nkeys || po.verify.sig_path || po.verify.threshold ||
		      po.verify.max_age || po.verify.legacy ||
		      po.allow_unsigned || (po.verify.feed && !sign_key))) {
		free(taxii_url);
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "TAXII objects carry no "
				       "signatures: no key or signature "
				       "option but --sign-key and --feed");
	}
	if (taxii && list && (taxii_opt || po.verify.output)) {
		free(taxii_url);
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "--list takes no pull option");
	}
	match[nmatch] = NULL;
	po.taxii_match = nmatch ? match : NULL;
	if (taxii) {
		po.sign_feed = po.verify.feed;
		po.verify.feed = NULL;
	}
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
	if (!taxii && !po.allow_unsigned &&
	    (rc = cmd_net_default_keys(kr, nkeys, 0))) {
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
	if (list) {
		if ((rc = list_taxii(net, json)))
			goto fail;
		cti_net_free(net);
		cti_keyring_free(kr);
		free(taxii_url);
		return cmd_finish(0);
	}
	if (sign_key) {
		struct cmd_pass pass;

		cmd_pass_init(&pass, NULL);
		rc = cti_seckey_load(&sk, sign_key, cmd_passphrase, &pass);
		if (rc && pass.reported) {
			st = pass.status;
			goto fail_status;
		}
		if (rc)
			goto fail;
		po.sign_key = sk;
	}
	cmd_progress_start("pulling");
	rc = cti_pull(&res, net, &po);
	cmd_progress_done();
	/* with the payload on standard output, the status goes to stderr */
	jf = po.verify.output && strcmp(po.verify.output, "-") == 0 ? stderr :
								      stdout;
	if (json)
		print_json(jf, src, &res, po.verify.output, rc, taxii);
	if (rc)
		goto fail;
	summary(src, &res, taxii);
	cti_pull_result_clear(&res);
	cti_net_free(net);
	cti_keyring_free(kr);
	cti_seckey_free(sk);
	free(taxii_url);
	return cmd_finish(0);

fail:
	st = rc == CTI_ELEGACY ? cmd_fail_hint(rc, "--legacy accepts it") :
				 cmd_fail(rc);
fail_status:
	cti_pull_result_clear(&res);
	cti_net_free(net);
	cti_keyring_free(kr);
	cti_seckey_free(sk);
	free(taxii_url);
	return cmd_finish(st);

bad_value:
	cti_keyring_free(kr);
	return cmd_bad_value(longopts, c, optarg,
			     c == OPT_MAX_SIZE  ? "a size such as 500M or 2G" :
			     c == OPT_LOCK_WAIT ? "a duration such as 30s or 5m" :
			     c == OPT_LIMIT ? "a number from 1 to 1000000" :
					      "a time such as "
					      "2026-11-22T10:00:00Z");
}
