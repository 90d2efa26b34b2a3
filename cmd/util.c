/*
 * util.c - reporting and small parsers shared by the subcommands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char *cmd_name = "cti";

void
cmd_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "cti: %s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cmd_fail(int err)
{
	const char *m = cti_errmsg();

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

	fprintf(stderr, "cti: %s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return 2;
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
	if (bad) {
		fprintf(stderr, "cti: %s: standard output: %s\n", cmd_name,
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
