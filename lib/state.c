/*
 * state.c - the state and config directories, small state files, locks,
 * the sequence counter of cti sign and the replay state of cti verify (see
 * state.h for the layout).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "state.h"
#include "trust.h"

/* ------------------------------------------------------------ directories */

char *
cti__path_join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + (c ? strlen(c) + 1 : 0) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
	return p;
}

/* $env/cti when env names an absolute path (XDG base directories: a
 * relative one is ignored), else $HOME/home_rel/cti. */
static char *
xdg_dir(const char *env, const char *home_rel)
{
	const char *x = getenv(env), *home = getenv("HOME");

	if (x && x[0] == '/')
		return cti__path_join(x, "cti", NULL);
	if (!home || !home[0])
		return NULL;
	return cti__path_join(home, home_rel, "cti");
}

char *
cti_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

char *
cti_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

/* ------------------------------------------------------------ state files */

int
cti__state_read(char **out, size_t *len, const char *path, size_t max)
{
	struct stat st;
	char *buf;
	ssize_t r;
	int fd, e;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) <
	    0) {
		if (errno == ENOENT)
			return CTI_OK;
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return cti__seterrno(CTI_EIO, e, "%s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cti__seterr(CTI_EIO, "%s: not a regular file", path);
	}
	if (!(buf = malloc(max + 1))) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	r = cti__read_full(fd, buf, max + 1);
	e = errno;
	close(fd);
	if (r < 0 || (size_t)r > max) {
		free(buf);
		if (r < 0)
			return cti__seterrno(CTI_EIO, e, "%s", path);
		return cti__seterr(CTI_EFORMAT, "%s: corrupt state file (too "
				   "large)", path);
	}
	buf[r] = '\0';
	*out = buf;
	if (len)
		*len = (size_t)r;
	return CTI_OK;
}

int
cti__state_write(const char *path, const void *data, size_t n)
{
	int rc;

	if ((rc = cti__make_parent(path)))
		return rc;
	return cti__write_file(path, data, n, 0600, CTI__OUT_EXACT_MODE);
}

/* ------------------------------------------------------------ locks */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cti__lock_take(int *fd, const char *path, long wait_ms)
{
	int64_t deadline = now_ms() + (wait_ms > 0 ? wait_ms : 0);
	char pid[32], who[48] = "";
	ssize_t r;
	int e;

	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	for (;;) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			e = errno;
			cti__lock_release(fd);
			return cti__seterrno(CTI_EIO, e, "%s", path);
		}
		if (now_ms() >= deadline) {
			/* the holder wrote its pid: name it */
			r = pread(*fd, pid, sizeof(pid) - 1, 0);
			if (r > 0) {
				long v;
				char *end;

				pid[r] = '\0';
				v = strtol(pid, &end, 10);
				if (v > 0 && *end == '\n')
					snprintf(who, sizeof(who), " (pid %ld)",
						 v);
			}
			cti__lock_release(fd);
			if (wait_ms > 0)
				return cti__seterr(CTI_ELOCKED,
						   "%s: locked by another "
						   "process%s for %ld s", path,
						   who, (wait_ms + 999) / 1000);
			return cti__seterr(CTI_ELOCKED,
					   "%s: locked by another process%s",
					   path, who);
		}
		usleep(50000);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	/* best effort: the lock holds without the note */
	if (ftruncate(*fd, 0) == 0)
		(void)!pwrite(*fd, pid, strlen(pid), 0);
	return CTI_OK;
}

void
cti__lock_release(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ------------------------------------------------------------ seq counter */

int
cti_seq_next(int64_t *seq, const char *state_dir, const char *feed)
{
	char *def = NULL, *file = NULL, *lock = NULL, *text = NULL;
	char buf[32];
	int lfd = -1, rc;
	int64_t cur = 0;
	size_t n;

	if (!seq || !feed || !cti__feed_ok(feed))
		return cti__seterr(CTI_EINVAL, "a sequence counter needs a "
				   "valid feed name");
	if (!state_dir && !(state_dir = def = cti_state_dir()))
		return cti__seterr(CTI_EINVAL, "no state directory: neither "
				   "XDG_STATE_HOME nor HOME is set");
	file = cti__path_join(state_dir, "seq", feed);
	lock = file ? malloc(strlen(file) + 6) : NULL;
	if (!lock) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	sprintf(lock, "%s.lock", file);
	if ((rc = cti__make_parent(file)) ||
	    (rc = cti__lock_take(&lfd, lock, CTI__LOCK_WAIT_MS)) ||
	    (rc = cti__state_read(&text, &n, file, sizeof(buf))))
		goto out;
	if (text) {
		if (n > 0 && text[n - 1] == '\n')
			text[n - 1] = '\0';
		if (cti__parse_uint(&cur, text) != 0 || cur == INT64_MAX) {
			rc = cti__seterr(CTI_EFORMAT, "%s: corrupt counter",
					 file);
			goto out;
		}
	}
	cur++;
	snprintf(buf, sizeof(buf), "%" PRId64 "\n", cur);
	if ((rc = cti__state_write(file, buf, strlen(buf))))
		goto out;
	*seq = cur;
out:
	cti__lock_release(&lfd);
	free(text);
	free(def);
	free(file);
	free(lock);
	return rc;
}

/* ------------------------------------------------------------ replay */

int
cti__replay_lock(int *fd, const char *state_dir, long wait_ms)
{
	char *dir = cti__path_join(state_dir, "accepted", NULL);
	char *lock = dir ? cti__path_join(dir, ".lock", NULL) : NULL;
	int rc;

	if (!lock)
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
	else if ((rc = cti__mkdirs(dir)) == CTI_OK)
		rc = cti__lock_take(fd, lock, wait_ms);
	free(dir);
	free(lock);
	return rc;
}

static int
replay_path(char **out, const char *state_dir, const char *feed,
	    uint64_t keyid)
{
	char id[17], *dir;

	*out = NULL;
	if (!feed || !cti__feed_ok(feed))
		return cti__seterr(CTI_EINVAL, "feed name unusable in a path");
	if ((dir = cti__path_join(state_dir, "accepted", feed)))
		*out = cti__path_join(dir, cti_keyid_format(id, keyid), NULL);
	free(dir);
	return *out ? CTI_OK : cti__seterr(CTI_ENOMEM, "out of memory");
}

int
cti__replay_get(int64_t *seq, unsigned char hash[64], const char *state_dir,
		const char *feed, uint64_t keyid)
{
	char *path, *text = NULL, *sp;
	size_t n;
	int rc;

	*seq = -1;
	if ((rc = replay_path(&path, state_dir, feed, keyid)))
		return rc;
	if ((rc = cti__state_read(&text, &n, path, 256)) || !text)
		goto out;
	/* "SEQ HEX128\n" */
	sp = strchr(text, ' ');
	if (!sp || n != (size_t)(sp - text) + 130 || text[n - 1] != '\n' ||
	    (*sp = '\0', cti__parse_uint(seq, text) != 0) ||
	    sodium_hex2bin(hash, 64, sp + 1, 128, NULL, NULL, NULL) != 0) {
		*seq = -1;
		rc = cti__seterr(CTI_EFORMAT, "%s: corrupt replay state", path);
	}
out:
	free(text);
	free(path);
	return rc;
}

int
cti__replay_put(const char *state_dir, const char *feed, uint64_t keyid,
		int64_t seq, const unsigned char hash[64])
{
	unsigned char old_hash[64];
	char line[160], hex[129], *path;
	int64_t old;
	int rc;

	if ((rc = cti__replay_get(&old, old_hash, state_dir, feed, keyid)))
		return rc;
	if (old >= seq)
		return CTI_OK; /* never back, and nothing new */
	if ((rc = replay_path(&path, state_dir, feed, keyid)))
		return rc;
	sodium_bin2hex(hex, sizeof(hex), hash, 64);
	snprintf(line, sizeof(line), "%" PRId64 " %s\n", seq, hex);
	rc = cti__state_write(path, line, strlen(line));
	free(path);
	return rc;
}

/* ------------------------------------------------------------ validators */

/* Largest validators file read. */
#define VALIDATORS_MAX 1024

_Static_assert(sizeof(((struct cti__validators *)0)->etag) == CTI__ETAG_MAX + 1,
	       "an ETag that http.c accepts fits");

void
cti__validators_parse(struct cti__validators *v, const char *text,
		      size_t len, const char *source)
{
	const char *line;
	size_t n, pos = 0;
	int same = 0;

	v->etag[0] = '\0';
	v->last_modified = -1;
	while (cti__text_line(&line, &n, text, len, &pos)) {
		int64_t t;
		char num[24];

		if (n > 7 && memcmp(line, "source ", 7) == 0) {
			same = n - 7 == strlen(source) &&
			       memcmp(line + 7, source, n - 7) == 0;
		} else if (n > 5 && memcmp(line, "etag ", 5) == 0 &&
			   cti__http_etag_ok(line + 5, n - 5)) {
			memcpy(v->etag, line + 5, n - 5);
			v->etag[n - 5] = '\0';
		} else if (n > 14 && n - 14 < sizeof(num) &&
			   memcmp(line, "last-modified ", 14) == 0) {
			memcpy(num, line + 14, n - 14);
			num[n - 14] = '\0';
			if (cti__parse_uint(&t, num) == 0 && t > 0)
				v->last_modified = t;
		}
	}
	if (!same) {
		v->etag[0] = '\0';
		v->last_modified = -1;
	}
}

int
cti__validators_read(struct cti__validators *v, const char *path,
		     const char *source)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	v->etag[0] = '\0';
	v->last_modified = -1;
	if ((rc = cti__state_read(&text, &len, path, VALIDATORS_MAX)) || !text)
		return rc;
	cti__validators_parse(v, text, len, source);
	free(text);
	return CTI_OK;
}

int
cti__validators_write(const char *path, const char *source, const char *etag,
		      int64_t last_modified)
{
	char buf[VALIDATORS_MAX];
	int has_etag = etag && cti__http_etag_ok(etag, strlen(etag));
	int n;

	if (!has_etag && last_modified <= 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return cti__seterrno(CTI_EIO, errno, "%s", path);
		return CTI_OK;
	}
	n = snprintf(buf, sizeof(buf), "source %s\n", source);
	if (has_etag)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "etag %s\n",
			      etag);
	if (last_modified > 0)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      "last-modified %" PRId64 "\n", last_modified);
	if ((size_t)n >= sizeof(buf))
		return cti__seterr(CTI_EINVAL, "%s: validators too long", path);
	return cti__state_write(path, buf, (size_t)n);
}
