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
#include <time.h>
#include <unistd.h>

#include "cmd.h"

const char *cmd_name;

/* a progress line is on the terminal (cmd_progress) */
static int progress_drawn;

/* "cti: " or "cti: COMMAND: " */
static void
prefix(void)
{
	if (cmd_name)
		fprintf(stderr, "cti: %s: ", cmd_name);
	else
		fputs("cti: ", stderr);
}

/* "cti: CMD: MSG" and a newline on stderr */
static void
vmsg(const char *fmt, va_list ap)
{
	prefix();
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cmd_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
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
	return cmd_fail_hint(err, NULL);
}

int
cmd_fail_hint(int err, const char *hint)
{
	const char *m = cti_errmsg();

	if (err == CTI_EIO && stdout_closed())
		die_of_closed_pipe();
	cmd_msg("%s%s%s", m && *m ? m : cti_strerror(err), hint ? "; " : "",
		hint ? hint : "");
	return cti_exit_status(err);
}

int
cmd_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
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

int
cmd_bad_value(const struct option *longopts, int c, const char *value,
	      const char *want)
{
	const char *name = NULL;

	for (const struct option *lo = longopts; lo && lo->name; lo++)
		if (lo->val == c) {
			name = lo->name;
			break;
		}
	prefix();
	if (name)
		fprintf(stderr, "--%s: ", name);
	else if (c > 0 && c < 256)
		fprintf(stderr, "-%c: ", c);
	fprintf(stderr, "bad value '");
	cmd_put_clean(stderr, value);
	fprintf(stderr, "'%s%s\n", want ? "; want " : "", want ? want : "");
	return 2;
}

int
cmd_verify_option(struct cti_verify_opts *o, const struct option *longopts,
		  int c, const char *arg)
{
	long long v;

	switch (c) {
	case CMD_OPT_THRESHOLD:
		if ((v = cmd_parse_uint(arg, 1000)) < 1)
			return cmd_bad_value(longopts, c, arg,
					     "a number from 1 to 1000");
		o->threshold = (unsigned)v;
		return 0;
	case CMD_OPT_FEED:
		o->feed = arg;
		return 0;
	case CMD_OPT_MAX_AGE:
		if (cti_parse_duration(&o->max_age, arg) || o->max_age <= 0)
			return cmd_bad_value(longopts, c, arg,
					     "a duration such as 12h, 30d or "
					     "2w");
		return 0;
	case CMD_OPT_LEGACY:
		o->legacy = 1;
		return 0;
	case 'x':
		o->sig_path = arg;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case CMD_OPT_KEEP_GZIP:
		o->keep_gzip = 1;
		return 0;
	default:
		return 1;
	}
}

void
cmd_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void
cmd_put_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

int cmd_verbose;

void
cmd_verbosity(int c)
{
	cmd_verbose = c == 'q' ? -1 : 1;
}

int
cmd_getopt(int argc, char **argv, const char *shortopts,
	   const struct option *longopts, const char *usage, int *json)
{
	int c;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		if (c == 'h')
			exit(cmd_help_usage(usage));
		else if (c == 'q' || c == 'v')
			cmd_verbosity(c);
		else if (c == CMD_OPT_JSON)
			*json = 1;
		else
			return c;
	}
}

void
cmd_info(const char *fmt, ...)
{
	va_list ap;

	if (cmd_verbose < 1)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/* libcti's warnings: the first few are shown, then only how many more */
#define WARN_SHOWN 20
static unsigned long long warnings;

void
cmd_warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (cmd_verbose >= 0 && warnings++ < WARN_SHOWN)
		cmd_msg("%s", msg);
}

void
cmd_warn_done(const char *what)
{
	if (warnings > WARN_SHOWN)
		cmd_msg("%llu more %s", warnings - WARN_SHOWN, what);
	warnings = 0;
}

static const char *progress_label;
static int progress_on;
static struct timespec progress_last, progress_t0;
static uint64_t progress_base;	/* done at the first call: a resume's */
static unsigned progress_spin;

void
cmd_progress_start(const char *label)
{
	progress_label = label;
	progress_on = cmd_verbose >= 0 && isatty(STDERR_FILENO);
	progress_drawn = 0;
	progress_last.tv_sec = 0;
	progress_last.tv_nsec = 0;
	progress_spin = 0;
}

/* 1234567 as "1.2 MB" */
static void
human(char *buf, size_t size, uint64_t n)
{
	static const char units[] = "kMGTP";
	double v = (double)n;
	int u = -1;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %cB", v, units[u]);
}

/* The bytes, the rate since the first call, and with a total the share
 * and the time left; without one a spinner. */
void
cmd_progress(void *ctx, uint64_t done, uint64_t total)
{
	static const char spinner[] = "|/-\\";
	struct timespec now;
	char a[32], b[32], r[32] = "", eta[32] = "";
	double secs, rate;

	(void)ctx;
	if (!progress_on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* the first draw after half a second, then five a second */
	if (progress_last.tv_sec == 0) {
		progress_last = progress_t0 = now;
		progress_base = done;
		return;
	}
	if ((now.tv_sec - progress_last.tv_sec) * 1000000000L +
		    (now.tv_nsec - progress_last.tv_nsec) <
	    (progress_drawn ? 200000000L : 500000000L))
		return;
	progress_last = now;
	secs = (double)(now.tv_sec - progress_t0.tv_sec) +
	       (double)(now.tv_nsec - progress_t0.tv_nsec) / 1e9;
	rate = secs > 0 && done > progress_base ?
		       (double)(done - progress_base) / secs :
		       0;
	human(a, sizeof(a), done);
	if (rate > 0) {
		human(r, sizeof(r) - 2, (uint64_t)rate);
		strcat(r, "/s");
	}
	if (total) {
		human(b, sizeof(b), total);
		if (rate > 0 && total > done) {
			double left = (double)(total - done) / rate;

			if (left < 360000)
				snprintf(eta, sizeof(eta), ", %d:%02d:%02d left",
					 (int)left / 3600, (int)left / 60 % 60,
					 (int)left % 60);
		}
		fprintf(stderr, "\rcti: %s: %s: %s of %s (%d%%)%s%s%s\033[K",
			cmd_name, progress_label, a, b,
			(int)(done >= total ? 100 : done * 100 / total),
			r[0] ? ", " : "", r, eta);
	} else {
		fprintf(stderr, "\rcti: %s: %s: %s%s%s %c\033[K", cmd_name,
			progress_label, a, r[0] ? ", " : "", r,
			spinner[progress_spin++ % 4]);
	}
	progress_drawn = 1;
}

void
cmd_progress_note(const char *text)
{
	if (cmd_verbose < 0 || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rcti: %s: %s\033[K", cmd_name, text);
	progress_drawn = 1;
}

void
cmd_progress_done(void)
{
	if (progress_drawn)
		fputs("\r\033[K", stderr);
	progress_drawn = 0;
	progress_on = 0;
}
