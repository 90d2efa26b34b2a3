/*
 * cti.c - the cti command: global options, the command table, help.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pass.h"

static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "keygen", cmd_keygen, "make a signing key pair" },
	{ "pack", cmd_pack, "turn STIX, indicator lists or CSV into a bundle" },
	{ "sign", cmd_sign, "sign bundle files" },
	{ "verify", cmd_verify, "check signatures, signers and freshness" },
	{ "show", cmd_show, "look inside a bundle file" },
	{ "diff", cmd_diff, "what changed between two bundles" },
	{ "push", cmd_push, "send a checked bundle to a server or directory" },
	{ "pull", cmd_pull, "fetch a bundle into a verified local copy" },
	{ "help", cmd_help, "show help for a command" },
};

static const char usage[] = "usage: cti [-V | --version] [-h] COMMAND [ARG ...]\n";

static void
print_commands(FILE *f)
{
	fputs(usage, f);
	fputs("\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'cti help COMMAND' or 'cti COMMAND -h' for a command's "
	      "options; man cti for more.\n", f);
}

static const struct cmd *
find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
unknown(const char *name)
{
	fprintf(stderr, "cti: unknown command '%s'; commands:", name);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, " %s", commands[i].name);
	fputc('\n', stderr);
}

static int
cmd_help(int argc, char **argv)
{
	const struct cmd *c;
	char *hargv[] = { NULL, "-h", NULL };

	if (argc < 2) {
		print_commands(stdout);
		return cmd_finish(0);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cmd_help_usage("usage: cti help [COMMAND]\n");
	if (argc > 2)
		return cmd_usage_error("usage: cti help [COMMAND]\n",
				       "too many arguments");
	if (!(c = find(argv[1])) || c->fn == cmd_help) {
		if (c)
			return cmd_help_usage("usage: cti help [COMMAND]\n");
		unknown(argv[1]);
		return 2;
	}
	hargv[0] = argv[1];
	cmd_name = c->name;
	return c->fn(2, hargv);
}

/*
 * Interrupted: no temporary file is left behind and the terminal gets its
 * echo back; then the signal takes its course, so that the caller sees
 * what stopped the command.
 */
static void
on_signal(int sig)
{
	cti_cleanup();
	cmd_pass_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	const struct cmd *c;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* writes to a closed pipe fail with EPIPE, which cmd_fail() and
	 * cmd_finish() turn into a quiet death by SIGPIPE (see util.c);
	 * sockets get the error, not the signal */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		print_commands(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("cti %s\n", cti_version());
		return cmd_finish(0);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		print_commands(stdout);
		return cmd_finish(0);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "cti: unknown option '%s'\n", argv[1]);
		fputs(usage, stderr);
		return 2;
	}
	if (!(c = find(argv[1]))) {
		unknown(argv[1]);
		return 2;
	}
	cmd_name = c->name;
	return c->fn(argc - 1, argv + 1);
}
