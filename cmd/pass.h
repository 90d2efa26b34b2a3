/*
 * pass.h - passphrases for cti keygen and cti sign (cmd/pass.c).
 */
#ifndef CTI_CMD_PASS_H
#define CTI_CMD_PASS_H

#include <stddef.h>

struct cmd_pass {
	const char *file;	/* --passphrase-file, or CTI_PASSPHRASE_FILE */
	int reported;		/* a message was printed already */
	int status;		/* its exit status */
	int confirm;		/* a new passphrase is asked twice */
};

/*
 * The cti_passphrase_fn of the commands: the first line of pass->file
 * (newline stripped) when set, else a prompt on /dev/tty with echo off.
 * Reads byte by byte straight into buf (libcti's sodium_malloc memory), so
 * no copy is left in stdio buffers. On failure it prints the message and
 * sets pass->reported. Once it has the passphrase that unlocks or makes a
 * key, it shows "deriving key..." on a terminal (cmd_progress_note()):
 * the command calls cmd_progress_done() when the library returns.
 */
int cmd_passphrase(void *ctx, char *buf, size_t size, const char *path,
		   int confirm);

/* Fill pass->file from the option value or CTI_PASSPHRASE_FILE. */
void cmd_pass_init(struct cmd_pass *pass, const char *opt_file);

/* Turn the terminal's echo back on if a prompt turned it off
 * (async-signal-safe: for the signal handler). */
void cmd_pass_restore(void);

/* Whether cmd_passphrase will prompt on a terminal. */
int cmd_pass_is_tty(const struct cmd_pass *pass);

#endif
