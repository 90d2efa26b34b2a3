/*
 * push.c - cti push: send a checked bundle file to an HTTPS server, a
 * directory, or (its objects) to a TAXII collection.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
	"usage: cti push [-q | -v] [--json] [-p PUB]... [-P KEY]... [-k KEYRING]...\n"
	"                [--allow-unsigned] [--max-tlp LEVEL] [--name NAME]\n"
	"                [-x SIG] [--method METHOD] [--batch N] [--taxii]\n"
	"                " CMD_NET_USAGE " FILE DEST\n";

enum { OPT_ALLOW_UNSIGNED = 256, OPT_MAX_TLP, OPT_NAME, OPT_METHOD,
       OPT_BATCH, OPT_TAXII };

static const struct option longopts[] = {
	CMD_LONGOPTS,
	{ "allow-unsigned", no_argument, NULL, OPT_ALLOW_UNSIGNED },
	{ "max-tlp", required_argument, NULL, OPT_MAX_TLP },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "signature", required_argument, NULL, 'x' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "taxii", no_argument, NULL, OPT_TAXII },
	CMD_NET_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static void
push_info(void *ctx, const char *msg)
{
	(void)ctx;
	cmd_info("%s", msg);
}

/*
 * The objects a TAXII collection did not accept: a line each on standard
 * error, or, with --json, the elements of a "failed" member that comes
 * first in the object print_json() finishes (they are printed as they
 * come: memory does not grow with their number).
 */
static int json_failed;		/* --json; 2 once "failed" is open */

static void
push_failed(void *ctx, const char *id, const char *msg)
{
	(void)ctx;
	if (!json_failed) {
		cmd_msg("%s: %s", id, msg);
		return;
	}
	fputs(json_failed == 2 ? "," : "{\"failed\":[", stdout);
	json_failed = 2;
	fputs("{\"id\":", stdout);
	cmd_json_str(stdout, id);
	fputs(",\"message\":", stdout);
	cmd_json_str(stdout, msg);
	fputc('}', stdout);
}

static void
print_json(const char *file, const char *dest,
	   const struct cti_push_result *r, int rc, int taxii)
{
	fputs(json_failed == 2 ? "],\"status\":" : "{\"status\":", stdout);
	cmd_json_str(stdout, rc ? "failed" : "pushed");
	fputs(",\"file\":", stdout);
	cmd_json_str(stdout, file);
	fputs(",\"dest\":", stdout);
	cmd_json_str(stdout, dest);
	fputs(",\"location\":", stdout);
	cmd_json_str(stdout, r->net.location);
	fprintf(stdout, ",\"http_status\":%ld,\"bytes\":%llu,\"attempts\":%d,"
		"\"signers\":%zu,\"tlp\":", r->net.status,
		(unsigned long long)r->bytes, r->net.attempts, r->signers);
	cmd_json_str(stdout, r->tlp ? cti_tlp_label(r->tlp) : NULL);
	fprintf(stdout, ",\"minisig\":%s,\"etag\":",
		r->sig_sent ? "true" : "false");
	cmd_json_str(stdout, r->net.etag);
	if (taxii)
		fprintf(stdout, ",\"total\":%llu,\"success\":%llu,"
			"\"failure\":%llu,\"pending\":%llu,\"envelopes\":%u",
			(unsigned long long)r->total,
			(unsigned long long)r->success,
			(unsigned long long)r->failure,
			(unsigned long long)r->pending, r->envelopes);
	if (rc) {
		fprintf(stdout, ",\"exit\":%d,\"error\":", cti_exit_status(rc));
		cmd_json_str(stdout, cti_errmsg());
	}
	fputs("}\n", stdout);
}

int
cmd_push(int argc, char **argv)
{
	struct cti_net_opts no = CTI_NET_OPTS_INIT;
	struct cti_push_opts po = { 0 };
	struct cti_push_result res = { 0 };
	cti_keyring *kr = NULL;
	cti_net *net = NULL;
	const char *file, *dest;
	char *taxii_url = NULL;
	int c, rc, st, json = 0, nkeys = 0, taxii = 0;
	long long v;

	cmd_verbose = 0;
	if ((rc = cti_keyring_new(&kr)))
		return cmd_finish(cmd_fail(rc));
	while ((c = cmd_getopt(argc, argv, ":hqvp:P:k:x:", longopts, usage,
			       &json)) != -1) {
		switch (c) {
		case OPT_ALLOW_UNSIGNED:
			po.allow_unsigned = 1;
			break;
		case OPT_MAX_TLP:
			if ((po.max_tlp = cti_tlp_parse(optarg)) ==
			    CTI_TLP_NONE) {
				cti_keyring_free(kr);
				return cmd_bad_value(longopts, c, optarg,
						     "clear, green, amber, "
						     "amber+strict or red");
			}
			break;
		case OPT_NAME:
			po.name = optarg;
			break;
		case 'x':
			po.sig_path = optarg;
			break;
		case OPT_METHOD:
			if (strcmp(optarg, "PUT") && strcmp(optarg, "POST")) {
				cti_keyring_free(kr);
				return cmd_bad_value(longopts, c, optarg,
						     "PUT or POST");
			}
			po.method = optarg;
			break;
		case OPT_BATCH:
			if ((v = cmd_parse_uint(optarg, 100000)) < 1) {
				cti_keyring_free(kr);
				return cmd_bad_value(longopts, c, optarg,
						     "a number from 1 to "
						     "100000");
			}
			po.batch = (unsigned)v;
			break;
		case OPT_TAXII:
			taxii = 1;
			break;
		default:
			rc = cmd_net_option(&no, kr, &nkeys, longopts, c, optarg);
			if (rc < 0)
				goto fail;
			if (rc == 0)
				break;
			cti_keyring_free(kr);
			return rc == 2 ? rc : cmd_bad_option(usage, c, argv);
		}
	}
	if (argc - optind != 2) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, argc - optind < 2 ?
					      "a FILE and a DEST are needed" :
					      "too many arguments");
	}
	file = argv[optind];
	dest = argv[optind + 1];
	if (taxii && strncmp(dest, "taxii+", 6) != 0 &&
	    strncmp(dest, "https://", 8) != 0 &&
	    strncmp(dest, "http://", 7) != 0) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "--taxii takes an https:// URL");
	}
	taxii = taxii || strncmp(dest, "taxii+", 6) == 0;
	if (strcmp(file, "-") == 0 && !po.name && !taxii) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "standard input needs --name");
	}
	if (po.method && strncmp(dest, "s3://", 5) == 0) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "--method does not apply to "
				       "s3://: objects are written with PUT");
	}
	if (taxii ? po.method != NULL : po.batch != 0) {
		cti_keyring_free(kr);
		return cmd_usage_error(usage, taxii ?
			"--method does not apply to a TAXII collection" :
			"--batch applies to TAXII collections only");
	}
	if (!po.allow_unsigned && (rc = cmd_net_default_keys(kr, nkeys, 1))) {
		if (rc != 1)
			goto fail;
		cti_keyring_free(kr);
		return cmd_usage_error(usage, "no public key to check the "
				       "signature with: give -p PUB, -P KEY "
				       "or -k KEYRING, or --allow-unsigned");
	}
	po.keys = kr;
	po.info = push_info;
	po.failed = push_failed;
	po.status_timeout = no.timeout;
	json_failed = json;
	cmd_net_setup(&no);
	if (taxii) {
		/* the file read into envelopes, not each request's bytes */
		po.progress = cmd_progress;
		no.progress = NULL;
	}
	if (taxii && strncmp(dest, "taxii+", 6) != 0) {
		if (!(taxii_url = malloc(strlen(dest) + 7))) {
			rc = CTI_ENOMEM;
			goto fail;
		}
		sprintf(taxii_url, "taxii+%s", dest);
	}
	if ((rc = cti_net_open(&net, taxii_url ? taxii_url : dest, &no)))
		goto fail;
	cmd_progress_start("sending");
	rc = cti_push(&res, net, file, &po);
	cmd_progress_done();
	if (json)
		print_json(file, dest, &res, rc, taxii);
	if (taxii && (rc == CTI_OK || res.total))
		cmd_info("%s: %llu objects in %u envelope%s: %llu accepted, "
			 "%llu failed, %llu pending", strcmp(file, "-") ?
			 file : "standard input",
			 (unsigned long long)res.total, res.envelopes,
			 res.envelopes == 1 ? "" : "s",
			 (unsigned long long)res.success,
			 (unsigned long long)res.failure,
			 (unsigned long long)res.pending);
	if (rc)
		goto fail;
	if (!taxii)
		cmd_info("%s: sent to %s (%ld, %llu bytes%s%s%s)",
			 strcmp(file, "-") ? file : "standard input",
			 res.net.location ? res.net.location : dest,
			 res.net.status, (unsigned long long)res.bytes,
			 res.net.etag ? ", ETag " : "",
			 res.net.etag ? res.net.etag : "",
			 res.sig_sent ? ", and its .minisig" : "");
	cti_push_result_clear(&res);
	cti_net_free(net);
	cti_keyring_free(kr);
	free(taxii_url);
	return cmd_finish(0);

fail:
	st = cmd_fail(rc);
	cti_push_result_clear(&res);
	cti_net_free(net);
	cti_keyring_free(kr);
	free(taxii_url);
	return cmd_finish(st);
}
