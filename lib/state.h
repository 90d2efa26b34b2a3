/*
 * state.h - what libcti keeps between runs, in one place (state.c): the
 * XDG base directories, small state files replaced atomically, locks that
 * name their holder, the sequence counters of signers and the replay state
 * of verifiers. Everything takes plain values (a feed name, a seq, a key
 * id, a hash), so other kinds of state (a download's validators, a TAXII
 * cursor) live here alike. Not installed.
 *
 * Layout under a state directory STATE ($XDG_STATE_HOME/cti by default):
 *   STATE/seq/FEED               the last seq a signer took for FEED
 *   STATE/seq/FEED.lock          held while it is taken
 *   STATE/accepted/FEED/KEYID    "SEQ HASH\n": the highest seq accepted
 *                                for FEED from KEYID, and the BLAKE2b-512
 *                                (hex) of the signed bytes it came with
 *   STATE/accepted/.lock         held from a replay check to its record
 *   STATE/pull/NAME/...          a pull's source (see cti.h), its
 *                                validators files as below
 */
#ifndef CTI_STATE_H
#define CTI_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* How long a lock is waited for when the caller does not say. */
#define CTI__LOCK_WAIT_MS 30000

/* a, "/", b (and "/", c when c is not NULL): malloc()ed, or NULL. */
char *cti__path_join(const char *a, const char *b, const char *c);

/*
 * Read the small state file path whole: *out is malloc()ed and
 * NUL-terminated, *len (may be NULL) its length. A missing file is not an
 * error: *out is NULL then. Anything but a regular file of at most max
 * bytes is CTI_EFORMAT (too large) or CTI_EIO.
 */
int cti__state_read(char **out, size_t *len, const char *path, size_t max);

/* Replace the state file path atomically (mode 0600), making the
 * directories on its way (0700). */
int cti__state_write(const char *path, const void *data, size_t n);

/*
 * Take an exclusive flock() on path (created 0600 when missing, never
 * through a symbolic link), waiting up to wait_ms milliseconds for it (0:
 * try once). The holder writes its pid into the file, so that a process
 * that does not get the lock can say who holds it: CTI_ELOCKED with
 * "PATH: locked by another process (pid N)". *fd holds the lock until
 * cti__lock_release(); it is -1 on failure.
 */
int cti__lock_take(int *fd, const char *path, long wait_ms);
/* Release a lock taken by cti__lock_take(); *fd -1 is allowed. */
void cti__lock_release(int *fd);

/*
 * The replay state (see the layout above). Lock it with
 * cti__replay_lock() around a check and the record that follows it.
 * cti__replay_get() gives the highest seq accepted for (feed, keyid) and
 * its hash (*seq -1 when there is none); CTI_EFORMAT for a corrupt state
 * file. cti__replay_put() records seq and hash unless a higher seq is
 * recorded already, so the state never moves back.
 */
int cti__replay_lock(int *fd, const char *state_dir, long wait_ms);
int cti__replay_get(int64_t *seq, unsigned char hash[64],
		    const char *state_dir, const char *feed, uint64_t keyid);
int cti__replay_put(const char *state_dir, const char *feed, uint64_t keyid,
		    int64_t seq, const unsigned char hash[64]);

/*
 * The validators of a downloaded resource, in a small state file of lines
 *   source HASH       what it was downloaded from (a file of another
 *                     source does not count: it reads as empty)
 *   etag "..."        the ETag, when the server gave a valid one
 *   last-modified N   the Last-Modified in Unix seconds, when it gave one
 * Unknown lines are ignored, malformed values dropped.
 */
struct cti__validators {
	char etag[256 + 1];	/* "" when none; CTI__ETAG_MAX bytes at most */
	int64_t last_modified;	/* -1 when none */
};
/* Parse text[0..len) (any bytes) for source; never fails. */
void cti__validators_parse(struct cti__validators *v, const char *text,
			   size_t len, const char *source);
/* Read path (a missing file reads as empty). CTI_EIO, CTI_EFORMAT. */
int cti__validators_read(struct cti__validators *v, const char *path,
			 const char *source);
/* Replace path with the validators given (etag NULL or invalid: none,
 * last_modified <= 0: none); with neither, path is removed. */
int cti__validators_write(const char *path, const char *source,
			  const char *etag, int64_t last_modified);

#endif
