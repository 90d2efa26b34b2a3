/*
 * net.c - the network options shared by the commands that move files
 * (push, pull), and how they report through cti -v.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

static const char duration_want[] = "a duration such as 30s, 5m or 1h";

int
cmd_net_option(struct cti_net_opts *o, cti_keyring *kr, int *nkeys,
	       const struct option *longopts, int c, const char *arg)
{
	int64_t d;
	long long v;

	switch (c) {
	case 'p':
	case 'k':
	case 'P':
		return cmd_net_key(kr, nkeys, c, arg);
	case CMD_OPT_ALLOW_HTTP:
		o->allow_http = 1;
		return 0;
	case CMD_OPT_CACERT:
		o->cacert = arg;
		return 0;
	case CMD_OPT_CAPATH:
		o->capath = arg;
		return 0;
	case CMD_OPT_PIN:
		o->pinnedpubkey = arg;
		return 0;
	case CMD_OPT_CERT:
		o->cert = arg;
		return 0;
	case CMD_OPT_KEY:
		o->key = arg;
		return 0;
	case CMD_OPT_USER:
		o->user = arg;
		return 0;
	case CMD_OPT_PASSWORD_FILE:
		o->password_file = arg;
		return 0;
	case CMD_OPT_TOKEN_FILE:
		o->token_file = arg;
		return 0;
	case CMD_OPT_NETRC_FILE:
		o->netrc_file = arg;
		o->netrc = 1;
		return 0;
	case CMD_OPT_NO_NETRC:
		o->netrc = 0;
		o->netrc_file = NULL;
		return 0;
	case CMD_OPT_CONNECT_TIMEOUT:
	case CMD_OPT_TIMEOUT:
	case CMD_OPT_LOW_SPEED_TIME:
	case CMD_OPT_MAX_WAIT:
		if (cti_parse_duration(&d, arg) || d > 86400 ||
		    (d == 0 && c == CMD_OPT_CONNECT_TIMEOUT))
			return cmd_bad_value(longopts, c, arg, duration_want);
		if (c == CMD_OPT_CONNECT_TIMEOUT)
			o->connect_timeout = d;
		else if (c == CMD_OPT_TIMEOUT)
			o->timeout = d;
		else if (c == CMD_OPT_LOW_SPEED_TIME)
			o->low_speed_time = d;
		else
			o->max_wait = d;
		return 0;
	case CMD_OPT_ENDPOINT:
		o->endpoint = arg;
		return 0;
	case CMD_OPT_REGION:
		o->region = arg;
		return 0;
	case CMD_OPT_RETRIES:
		if ((v = cmd_parse_uint(arg, 100)) < 0)
			return cmd_bad_value(longopts, c, arg,
					     "a number from 0 to 100");
		o->retries = (int)v;
		return 0;
	default:
		return 1;
	}
}

static void
net_info(void *ctx, const char *msg)
{
	(void)ctx;
	cmd_info("%s", msg);
}

static void
net_warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (cmd_verbose >= 0)
		cmd_msg("warning: %s", msg);
}

void
cmd_net_setup(struct cti_net_opts *o)
{
	o->env_secrets = 1;
	o->info = net_info;
	o->warn = net_warn;
	o->progress = cmd_progress;
	o->progress_ctx = NULL;
}

int
cmd_net_key(cti_keyring *kr, int *nkeys, int c, const char *arg)
{
	(*nkeys)++;
	return c == 'P' ? cti_keyring_add_base64(kr, arg, NULL) :
			  cti_keyring_add(kr, arg);
}

int
cmd_net_default_keys(cti_keyring *kr, int nkeys, int own)
{
	char *dir, *p = NULL, *defring;
	struct stat st;
	int rc = CTI_OK, found = 0;

	if (nkeys > 0)
		return CTI_OK;
	/* the signer's own public key, as cti keygen left it */
	if (own && (dir = cti_config_dir())) {
		if ((p = malloc(strlen(dir) + 9)))
			sprintf(p, "%s/cti.pub", dir);
		free(dir);
		if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = cti_keyring_add(kr, p);
			found = 1;
		}
		free(p);
		if (rc)
			return rc;
	}
	if ((defring = cmd_default_keyring())) {
		rc = cti_keyring_add(kr, defring);
		free(defring);
		return rc;
	}
	return found ? CTI_OK : 1;
}
