/*
 * cmd.h - shared by the files of the cti command (not part of libcti).
 */
#ifndef CTI_CMD_H
#define CTI_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "cti.h"

#if defined(__GNUC__)
#define CMD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CMD_PRINTF(a, b)
#endif

/* One subcommand: fn gets argv with argv[0] the command name. */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_pack(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_pull(int argc, char **argv);

/* The running subcommand, for messages ("pack"); NULL before one runs. */
extern const char *cmd_name;

/* "cti: CMD: MSG" on stderr. */
void cmd_msg(const char *fmt, ...) CMD_PRINTF(1, 2);
/* Report a libcti error once ("cti: CMD: detail" or the code's name when
 * there is no detail) and return its exit status. */
int cmd_fail(int err);
/* As cmd_fail(), with advice the library cannot give (it does not know
 * the command's options): "cti: CMD: detail; HINT" (hint NULL: none). */
int cmd_fail_hint(int err, const char *hint);
/* Report a usage error, print the usage lines, return 2. */
int cmd_usage_error(const char *usage, const char *fmt, ...) CMD_PRINTF(2, 3);
/* Report getopt's ':' (missing value) or '?' (unknown option) for the
 * option just read, print the usage, return 2. */
int cmd_bad_option(const char *usage, int c, char **argv);
/* Print usage to stdout for -h and return 0. */
int cmd_help_usage(const char *usage);
/* Flush and close stdout; a write error (full disk, closed pipe) is
 * reported and turns status 0 into 4. Returns the final status. */
int cmd_finish(int status);

/* Parse a non-negative integer option value; -1 on error. */
long long cmd_parse_uint(const char *s, long long max);

/*
 * A bad option value: "cti: CMD: --OPT: bad value 'V'; want WANT" (the
 * option named from longopts by getopt's return value c), without the
 * whole usage. want says what is allowed ("clear, green, amber,
 * amber+strict or red", "a duration such as 90s, 12h or 30d"). Returns 2.
 */
struct option;
int cmd_bad_value(const struct option *longopts, int c, const char *value,
		  const char *want);

/* s as a JSON string literal on f (s is UTF-8; NULL prints null). */
void cmd_json_str(FILE *f, const char *s);
/* s on f with control characters shown as '?': outside text (names,
 * ids, file names) printed on a terminal cannot move the cursor. */
void cmd_put_clean(FILE *f, const char *s);

/*
 * Verbosity, alike on every command: -q (quiet: errors only), default,
 * -v (what happened). cmd_verbose is set by the command's option loop.
 * cmd_info() prints "cti: CMD: MSG" on stderr only with -v.
 */
extern int cmd_verbose;	/* -1 quiet, 0 default, 1 verbose */
/* The option loop's -q or -v (c): cmd_verbose set. */
void cmd_verbosity(int c);
void cmd_info(const char *fmt, ...) CMD_PRINTF(1, 2);

/*
 * The options every command takes: -h, -q, -v and --json. CMD_LONGOPTS
 * goes into a command's option table, "hqv" into its short options (after
 * the leading ':'). cmd_getopt() is getopt_long() with opterr off (':' and
 * '?' come back for cmd_bad_option()) that takes these itself: -q and -v
 * set cmd_verbose (cmd_verbosity()), --json sets *json to 1, and -h prints
 * usage on standard output and exits with cmd_help_usage()'s status (what
 * a command holds while it reads its options, memory and public keys,
 * asks no more of it). It returns the next other option, or -1 after the
 * last.
 */
enum { CMD_OPT_JSON = 0x0800 };
#define CMD_LONGOPTS                                                          \
	{ "quiet", no_argument, NULL, 'q' },                                  \
	{ "verbose", no_argument, NULL, 'v' },                                \
	{ "json", no_argument, NULL, CMD_OPT_JSON },                          \
	{ "help", no_argument, NULL, 'h' }
int cmd_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const char *usage, int *json);

/*
 * libcti's warnings (a cti_warn_fn, with a NULL context): "cti: CMD: MSG"
 * on stderr, the first 20 of them, none with -q; cmd_warn_done() then
 * says how many more there were: "cti: CMD: N more WHAT".
 */
void cmd_warn(void *ctx, const char *msg);
void cmd_warn_done(const char *what);

/*
 * A progress line on stderr for long work, only when stderr is a terminal
 * and not -q; redrawn at most a few times a second. label: "packing".
 * total 0: unknown. cmd_progress_done() erases it. Its signature is that of
 * cti_progress_fn, so it can be passed to libcti with a NULL context.
 */
void cmd_progress(void *ctx, uint64_t done, uint64_t total);
void cmd_progress_start(const char *label);
void cmd_progress_done(void);
/* A note in the place of the progress line ("deriving key..."), shown at
 * once on a terminal (not with -q) and erased by cmd_progress_done(). */
void cmd_progress_note(const char *text);

/* $XDG_CONFIG_HOME/cti/trusted, else ~/.config/cti/trusted, if it is a
 * directory: malloc'd, or NULL. */
char *cmd_default_keyring(void);

/*
 * What a verification accepts, as options verify and pull share:
 * --threshold K, --feed NAME, --max-age DURATION, --legacy, -x SIG, -o OUT
 * and --keep-gzip. CMD_VERIFY_LONGOPTS goes into a command's option table,
 * "x:o:" into its short options; cmd_verify_option() takes the option c
 * with its value into o. It returns 0 when it took it, 1 when c is not one
 * of them, 2 after reporting a bad value.
 */
enum {
	CMD_OPT_THRESHOLD = 0x1100, CMD_OPT_FEED, CMD_OPT_MAX_AGE,
	CMD_OPT_LEGACY, CMD_OPT_KEEP_GZIP,
};
#define CMD_VERIFY_LONGOPTS                                                   \
	{ "threshold", required_argument, NULL, CMD_OPT_THRESHOLD },          \
	{ "feed", required_argument, NULL, CMD_OPT_FEED },                    \
	{ "max-age", required_argument, NULL, CMD_OPT_MAX_AGE },              \
	{ "legacy", no_argument, NULL, CMD_OPT_LEGACY },                      \
	{ "signature", required_argument, NULL, 'x' },                        \
	{ "output", required_argument, NULL, 'o' },                           \
	{ "keep-gzip", no_argument, NULL, CMD_OPT_KEEP_GZIP }
int cmd_verify_option(struct cti_verify_opts *o, const struct option *longopts,
		      int c, const char *arg);

/*
 * The options push and pull share (cmd/net.c): the keys signatures are
 * checked with and the network options. CMD_NET_LONGOPTS goes into a
 * command's option table, "p:P:k:" into its short options, CMD_NET_USAGE
 * into its usage, and cmd_net_option() takes the option c with its value:
 * the key of -p PUB, -k KEYRING or -P KEY is read into kr at once
 * (cmd_net_key()), a network option goes into o. It returns 0 when it
 * took it, 1 when c is not one of them, 2 after reporting a bad value, or
 * the CTI_E* code of a key that cannot be read. cmd_net_setup() fills in
 * the rest (the environment, the -v and warning callbacks) before
 * cti_net_open().
 */
enum {
	CMD_OPT_NET = 0x1000, CMD_OPT_ALLOW_HTTP, CMD_OPT_CACERT,
	CMD_OPT_CAPATH, CMD_OPT_PIN, CMD_OPT_CERT, CMD_OPT_KEY, CMD_OPT_USER,
	CMD_OPT_PASSWORD_FILE, CMD_OPT_TOKEN_FILE, CMD_OPT_NETRC_FILE,
	CMD_OPT_NO_NETRC, CMD_OPT_CONNECT_TIMEOUT, CMD_OPT_TIMEOUT,
	CMD_OPT_LOW_SPEED_TIME, CMD_OPT_RETRIES, CMD_OPT_MAX_WAIT,
	CMD_OPT_ENDPOINT, CMD_OPT_REGION,
};
#define CMD_NET_LONGOPTS                                                      \
	{ "public-key", required_argument, NULL, 'p' },                       \
	{ "keyring", required_argument, NULL, 'k' },                          \
	{ "allow-http", no_argument, NULL, CMD_OPT_ALLOW_HTTP },              \
	{ "cacert", required_argument, NULL, CMD_OPT_CACERT },                \
	{ "capath", required_argument, NULL, CMD_OPT_CAPATH },                \
	{ "pinnedpubkey", required_argument, NULL, CMD_OPT_PIN },             \
	{ "cert", required_argument, NULL, CMD_OPT_CERT },                    \
	{ "key", required_argument, NULL, CMD_OPT_KEY },                      \
	{ "user", required_argument, NULL, CMD_OPT_USER },                    \
	{ "password-file", required_argument, NULL, CMD_OPT_PASSWORD_FILE },  \
	{ "token-file", required_argument, NULL, CMD_OPT_TOKEN_FILE },        \
	{ "netrc-file", required_argument, NULL, CMD_OPT_NETRC_FILE },        \
	{ "no-netrc", no_argument, NULL, CMD_OPT_NO_NETRC },                  \
	{ "connect-timeout", required_argument, NULL,                         \
	  CMD_OPT_CONNECT_TIMEOUT },                                          \
	{ "timeout", required_argument, NULL, CMD_OPT_TIMEOUT },              \
	{ "low-speed-time", required_argument, NULL, CMD_OPT_LOW_SPEED_TIME }, \
	{ "retries", required_argument, NULL, CMD_OPT_RETRIES },              \
	{ "max-wait", required_argument, NULL, CMD_OPT_MAX_WAIT },            \
	{ "endpoint", required_argument, NULL, CMD_OPT_ENDPOINT },            \
	{ "region", required_argument, NULL, CMD_OPT_REGION }
#define CMD_NET_USAGE                                                         \
	"[--allow-http] [--cacert FILE] [--capath DIR]\n"                      \
	"                [--pinnedpubkey PIN] [--cert FILE] [--key FILE]\n"    \
	"                [--user NAME] [--password-file FILE] [--token-file FILE]\n" \
	"                [--netrc-file FILE] [--no-netrc]\n"                   \
	"                [--connect-timeout DURATION] [--timeout DURATION]\n"  \
	"                [--low-speed-time DURATION] [--retries N]\n"          \
	"                [--max-wait DURATION] [--endpoint URL]\n"            \
	"                [--region REGION]"
struct cti_net_opts;
int cmd_net_option(struct cti_net_opts *o, cti_keyring *kr, int *nkeys,
		   const struct option *longopts, int c, const char *arg);
void cmd_net_setup(struct cti_net_opts *o);
/*
 * The keys push and pull check signatures with: cmd_net_key() adds the
 * key of -p PUB, -k KEYRING or -P KEY (c) to kr and counts it in *nkeys;
 * cmd_net_default_keys() adds, when none was given, the default keyring
 * and (own: push checks the sender's own signature) the public key cti
 * keygen made, $XDG_CONFIG_HOME/cti/cti.pub; 1 when there is neither (the
 * caller reports a usage error). Both return a CTI_E* code otherwise.
 */
int cmd_net_key(cti_keyring *kr, int *nkeys, int c, const char *arg);
int cmd_net_default_keys(cti_keyring *kr, int nkeys, int own);

#endif
