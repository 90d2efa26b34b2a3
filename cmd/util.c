/*
 * util.c - reporting and small parsers shared by the subcommands.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

const char *cmd_name;

/* "cti: " or "cti: COMMAND: " */
static void
prefix(void)
{
	if (cmd_name)
		fprintf(stderr, "cti: %s: ", cmd_name);
	else
		fputs("cti: ", stderr);
}

void
cmd_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Whether standard output is a pipe or socket whose reader went away. */
static int
stdout_closed(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/*
 * The reader of our output went away (`cti show --objects f | head -1`):
 * not an error worth a message. Leave as gzip and git do, killed by
 * SIGPIPE (status 141 in the shell), with no temporary file left.
 */
static void
die_of_closed_pipe(void)
{
	cti_cleanup();
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(141);
}

int
cmd_fail(int err)
{
	const char *m = cti_errmsg();

	if (err == CTI_EIO && stdout_closed())
		die_of_closed_pipe();
	if (m && *m)
		cmd_msg("%s", m);
	else
		cmd_msg("%s", cti_strerror(err));
	return cti_exit_status(err);
}

int
cmd_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return 2;
}

int
cmd_bad_option(const char *usage, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return cmd_usage_error(usage, "option '%s' needs a value", opt);
	if (optopt && strncmp(opt, "--", 2) != 0)
		return cmd_usage_error(usage, "unknown option '-%c'", optopt);
	return cmd_usage_error(usage, "unknown option '%s'", opt);
}

int
cmd_help_usage(const char *usage)
{
	fputs(usage, stdout);
	return cmd_finish(0);
}

int
cmd_finish(int status)
{
	int bad = ferror(stdout);

	if (fflush(stdout) != 0)
		bad = 1;
	if (fclose(stdout) != 0)
		bad = 1;
	if (bad && (errno == EPIPE || stdout_closed()))
		die_of_closed_pipe();
	if (bad) {
		prefix();
		fprintf(stderr, "standard output: %s\n",
			strerror(errno ? errno : EIO));
		return status ? status : 4;
	}
	return status;
}

long long
cmd_parse_uint(const char *s, long long max)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}
