/*
 * cti.c - the cti command: global options, the command table, help.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "keygen", cmd_keygen, "make a signing key pair" },
	{ "pack", cmd_pack, "turn STIX, indicator lists or CSV into a bundle" },
	{ "sign", cmd_sign, "sign bundle files" },
	{ "verify", cmd_verify, "check signatures, signers and freshness" },
	{ "show", cmd_show, "look inside a bundle file" },
	{ "diff", cmd_diff, "what changed between two bundles" },
	{ "help", cmd_help, "show help for a command" },
};

static const char usage[] = "usage: cti [--version] [-h] COMMAND [ARG ...]\n";

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

int
main(int argc, char **argv)
{
	const struct cmd *c;

	/* a closed pipe is reported as a write error, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		print_commands(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
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
