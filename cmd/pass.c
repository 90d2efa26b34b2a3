/*
 * pass.c - read a passphrase from a file or the terminal, never argv.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "pass.h"

/* The terminal whose echo is off while a passphrase is typed, for
 * cmd_pass_restore() in a signal handler. */
static volatile sig_atomic_t echo_off;
static int echo_fd = -1;
static struct termios echo_saved;

void
cmd_pass_restore(void)
{
	if (echo_off) {
		tcsetattr(echo_fd, TCSAFLUSH, &echo_saved);
		(void)!write(echo_fd, "\n", 1);
		echo_off = 0;
	}
}

void
cmd_pass_init(struct cmd_pass *pass, const char *opt_file)
{
	const char *env = getenv("CTI_PASSPHRASE_FILE");

	memset(pass, 0, sizeof(*pass));
	pass->file = opt_file ? opt_file : (env && *env ? env : NULL);
}

int
cmd_pass_is_tty(const struct cmd_pass *pass)
{
	return pass->file == NULL;
}

static int
fail(struct cmd_pass *pass, int status, int err, const char *what,
     const char *why)
{
	cmd_msg("%s: %s", what, why);
	pass->reported = 1;
	pass->status = status;
	return err;
}

/* Read one line from fd into buf; -1 on error, -2 when too long. */
static int
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n == size)
			return -2;
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	return (int)n;
}

/* The passphrase is in: the key derivation (seconds of scrypt) follows
 * the last question. */
static int
got(struct cmd_pass *pass, int n, int confirm)
{
	if (confirm == 0 || confirm == 2 || !pass->confirm)
		cmd_progress_note("deriving key...");
	return n;
}

int
cmd_passphrase(void *ctx, char *buf, size_t size, const char *path,
	       int confirm)
{
	struct cmd_pass *pass = ctx;
	struct termios old, quiet;
	const char *prompt;
	int fd, n, saved, tty;

	if (pass->file) {
		if ((fd = open(pass->file, O_RDONLY | O_CLOEXEC)) < 0)
			return fail(pass, 4, CTI_EIO, pass->file,
				    strerror(errno));
		n = read_line(fd, buf, size);
		saved = errno;
		close(fd);
		if (n == -1)
			return fail(pass, 4, CTI_EIO, pass->file,
				    strerror(saved));
		if (n == -2)
			return fail(pass, 3, CTI_ELIMIT, pass->file,
				    "passphrase too long");
		return got(pass, n, confirm);
	}
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return fail(pass, 2, CTI_EUSAGE, path,
			    "no terminal to ask for the passphrase: use "
			    "--passphrase-file FILE or CTI_PASSPHRASE_FILE");
	prompt = confirm == 2 ? "passphrase (again): " :
		 confirm == 1 ? "new passphrase for " : "passphrase for ";
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    (confirm != 2 && (write(fd, path, strlen(path)) < 0 ||
			      write(fd, ": ", 2) < 0))) {
		saved = errno;
		close(fd);
		return fail(pass, 4, CTI_EIO, "/dev/tty", strerror(saved));
	}
	if ((tty = tcgetattr(fd, &old) == 0)) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_saved = old;
		echo_fd = fd;
		echo_off = 1;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	n = read_line(fd, buf, size);
	saved = errno;
	if (tty) {
		echo_off = 0;
		tcsetattr(fd, TCSAFLUSH, &old);
	}
	(void)!write(fd, "\n", 1);
	close(fd);
	if (n == -1)
		return fail(pass, 4, CTI_EIO, "/dev/tty", strerror(saved));
	if (n == -2)
		return fail(pass, 3, CTI_ELIMIT, path, "passphrase too long");
	return got(pass, n, confirm);
}
