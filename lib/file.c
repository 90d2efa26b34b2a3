/*
 * file.c - every file libcti writes goes through here: outputs replaced
 * atomically (temporary file beside the target, fsync, rename, directory
 * fsync), private unlinked temporary files, directories made on the way,
 * and the removal of temporary files when a command is interrupted.
 *
 * A temporary output is named DIR/.cti-tmp-BASE.XXXXXX (BASE: the target's
 * name, at most 64 bytes of it) and holds an flock() for as long as its
 * writer lives. So a temporary file of that name that nobody holds a lock
 * on and that is older than STALE_SECONDS was left by a writer that died
 * (SIGKILL, a power cut): the next output to the same target removes it.
 * Temporary files of live writers are kept in a table that cti_cleanup()
 * empties from a signal handler.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define TMP_PREFIX ".cti-tmp-"
#define TMP_BASE_MAX 64
#define STALE_SECONDS 10
#define NSLOTS 256
/* Write-back of a temporary output is started every this many bytes, so
 * that the fsync before its rename has little left to do. */
#define WRITEBACK_STEP (32u << 20)

/* ------------------------------------------------------------ cleanup */

/* Paths of temporary files being written, for cti_cleanup(). */
static char *slots[NSLOTS];

static int
slot_add(char *path)
{
	for (int i = 0; i < NSLOTS; i++) {
		char *expected = NULL;

		if (__atomic_compare_exchange_n(&slots[i], &expected, path, 0,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return i;
	}
	return -1; /* full: the stale-file sweep will find it */
}

static void
slot_del(int i)
{
	if (i >= 0)
		__atomic_store_n(&slots[i], NULL, __ATOMIC_SEQ_CST);
}

void
cti_cleanup(void)
{
	for (int i = 0; i < NSLOTS; i++) {
		char *p = __atomic_exchange_n(&slots[i], NULL,
					      __ATOMIC_SEQ_CST);

		if (p)
			unlink(p);
	}
}

/* ------------------------------------------------------------ names */

/* The directory part of path, malloc()ed ("." for a bare name). */
static char *
dir_of(const char *path)
{
	char *c = strdup(path), *d;

	if (!c)
		return NULL;
	d = strdup(dirname(c));
	free(c);
	return d;
}

/* The leading part of the temporary names of path's outputs:
 * ".cti-tmp-BASE." with BASE cut at a UTF-8 boundary. */
static void
tmp_stem(char *out, size_t size, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > TMP_BASE_MAX) {
		n = TMP_BASE_MAX;
		while (n > 0 && ((unsigned char)b[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(out, size, "%s%.*s.", TMP_PREFIX, (int)n, b);
}

/*
 * Remove what dead writers left of path's temporary files: names with
 * path's stem, regular files of ours, unlocked, older than STALE_SECONDS.
 * Best effort: anything unexpected is left alone.
 */
static void
sweep_stale(const char *dir, const char *stem)
{
	size_t sl = strlen(stem);
	struct dirent *e;
	DIR *d;
	int dfd;

	if (!(d = opendir(dir)))
		return;
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		struct stat st;
		int fd;

		if (strncmp(e->d_name, stem, sl) != 0 ||
		    strlen(e->d_name) != sl + 6)
			continue;
		fd = openat(dfd, e->d_name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() &&
		    st.st_mtime + STALE_SECONDS < time(NULL) &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlinkat(dfd, e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

/*
 * Create a new temporary file beside path. create_mode goes through the
 * umask as in open(2). On success o->fd and o->tmp are set, the file is
 * locked and registered for cti_cleanup().
 */
static int
tmp_create(struct cti__out *o, const char *path, unsigned create_mode)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char stem[TMP_BASE_MAX + 16], *dir;
	size_t n, base;
	int e = EEXIST;

	if (!(dir = dir_of(path)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	tmp_stem(stem, sizeof(stem), path);
	sweep_stale(dir, stem);
	n = strlen(dir) + 1 + strlen(stem) + 7;
	if (!(o->tmp = malloc(n))) {
		free(dir);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	base = (size_t)snprintf(o->tmp, n, "%s/%s", dir, stem);
	free(dir);
	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[6];

		randombytes_buf(r, sizeof(r));
		for (int i = 0; i < 6; i++)
			o->tmp[base + i] = abc[r[i] % (sizeof(abc) - 1)];
		o->tmp[base + 6] = '\0';
		o->fd = open(o->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			     (mode_t)create_mode);
		if (o->fd >= 0)
			break;
		if ((e = errno) != EEXIST)
			break;
	}
	if (o->fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
		return cti__seterrno(CTI_EIO, e, "%s", path);
	}
	o->slot = slot_add(o->tmp);
	/* tells the sweep of another run that this writer lives */
	(void)flock(o->fd, LOCK_EX | LOCK_NB);
	return CTI_OK;
}

/* ------------------------------------------------------------ outputs */

static int
open_target(struct cti__out *o, const char *path, unsigned mode, int flags)
{
	struct stat st;
	int rc;

	if (stat(path, &st) == 0) {
		if (flags & CTI__OUT_EXCL)
			return cti__seterr(CTI_EEXIST, "%s: file exists", path);
		if (S_ISDIR(st.st_mode))
			return cti__seterr(CTI_EIO, "%s: is a directory", path);
		if (!S_ISREG(st.st_mode)) {
			/* a device or FIFO is written in place, never
			 * replaced */
			if ((o->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
				return cti__seterrno(CTI_EIO, errno, "%s",
						     path);
			if (!(o->path = strdup(path))) {
				close(o->fd);
				o->fd = -1;
				return cti__seterr(CTI_ENOMEM, "out of memory");
			}
			o->name = o->path;
			return CTI_OK;
		}
	}
	if (!(o->path = strdup(path)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	o->name = o->path;
	if ((rc = tmp_create(o, path, (flags & CTI__OUT_EXACT_MODE) ? 0600 :
				      (mode ? mode : 0666)))) {
		free(o->path);
		o->path = NULL;
		return rc;
	}
	if ((flags & CTI__OUT_EXACT_MODE) && fchmod(o->fd, (mode_t)mode) < 0) {
		int e = errno;

		cti__out_abort(o);
		return cti__seterrno(CTI_EIO, e, "%s", path);
	}
	return CTI_OK;
}

int
cti__out_open(struct cti__out *o, const char *path, unsigned mode, int flags)
{
	struct stat st;
	char *real = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->slot = -1;
	o->flags = flags;
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!path || strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		o->is_stdout = 1;
		o->name = "standard output";
		return CTI_OK;
	}
	/* through a symbolic link, the file it names is replaced, as a
	 * shell's > writes to it (a dangling link is replaced itself) */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (real = realpath(path, NULL)))
		path = real;
	rc = open_target(o, path, mode, flags);
	free(real);
	return rc;
}

/* A hint: start writing out what is written, as it grows. */
static void
writeback(struct cti__out *o, uint64_t n)
{
	if (!o->tmp)
		return;
	o->written += n;
	if (o->written - o->synced >= WRITEBACK_STEP) {
		(void)sync_file_range(o->fd, (off_t)o->synced,
				      (off_t)(o->written - o->synced),
				      SYNC_FILE_RANGE_WRITE);
		o->synced = o->written;
	}
}

int
cti__out_write(struct cti__out *o, const void *p, size_t n)
{
	if (cti__write_full(o->fd, p, n) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", o->name);
	writeback(o, n);
	return CTI_OK;
}

int
cti__out_copy(struct cti__out *o, int fd, uint64_t from_off)
{
	unsigned char *buf;
	off_t off = (off_t)from_off;
	ssize_t n;
	int rc = CTI_OK;

	/* a clone: a file of its own on the same blocks (Btrfs, XFS) */
	if (o->tmp && from_off == 0 && o->written == 0 &&
	    ioctl(o->fd, FICLONE, fd) == 0)
		return CTI_OK;
	/* copied in the kernel, else through a buffer */
	while ((n = copy_file_range(fd, &off, o->fd, NULL, 1u << 30, 0)) > 0)
		writeback(o, (uint64_t)n);
	if (n == 0)
		return CTI_OK;
	/* nothing copied yet and not possible here (another file system,
	 * a pipe): through a buffer */
	if (off > (off_t)from_off ||
	    (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
	     errno != EOPNOTSUPP && errno != EBADF))
		return cti__seterrno(CTI_EIO, errno, "%s", o->name);
	if (!(buf = malloc(CTI_IOBUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	while ((n = pread(fd, buf, CTI_IOBUF, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "%s", o->name);
			break;
		}
		if ((rc = cti__out_write(o, buf, (size_t)n)))
			break;
		off += n;
	}
	free(buf);
	return rc;
}

static int
sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, rc = 0;

	if (!dir)
		return -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		/* EINVAL: a file system that cannot sync directories */
		if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
			rc = -1;
		close(fd);
	}
	free(dir);
	return rc;
}

/* Fail o with errno e: the message names the target, the temporary goes. */
static int
out_fail(struct cti__out *o, int e)
{
	cti__seterrno(CTI_EIO, e, "%s", o->path);
	cti__out_abort(o);
	return CTI_EIO;
}

int
cti__out_ready(struct cti__out *o)
{
	int fd = o->fd;

	if (o->is_stdout || o->ready)
		return CTI_OK;
	if (!o->tmp) {
		/* a device or FIFO: close reports a late write error */
		o->fd = -1;
		if (close(fd) < 0)
			return out_fail(o, errno);
		o->ready = 1;
		return CTI_OK;
	}
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		return out_fail(o, errno);
	o->fd = -1;
	if (close(fd) < 0)
		return out_fail(o, errno);
	o->ready = 1;
	return CTI_OK;
}

int
cti__out_commit(struct cti__out *o)
{
	int rc, e;

	if (o->is_stdout) {
		o->fd = -1;
		return CTI_OK;
	}
	if ((rc = cti__out_ready(o)))
		return rc;
	if (!o->tmp) {
		free(o->path);
		o->path = NULL;
		return CTI_OK;
	}
	if (o->flags & CTI__OUT_EXCL) {
		/* never replace: link() fails on an existing target */
		if (link(o->tmp, o->path) == 0) {
			unlink(o->tmp);
		} else if ((e = errno) == EEXIST) {
			cti__out_abort(o);
			return cti__seterr(CTI_EEXIST, "%s: file exists",
					   o->name);
		} else if (access(o->path, F_OK) == 0) {
			/* no hard links (FAT on a USB stick) */
			cti__out_abort(o);
			return cti__seterr(CTI_EEXIST, "%s: file exists",
					   o->name);
		} else if (rename(o->tmp, o->path) < 0) {
			return out_fail(o, errno);
		}
	} else if (rename(o->tmp, o->path) < 0) {
		return out_fail(o, errno);
	}
	slot_del(o->slot);
	o->slot = -1;
	rc = sync_dir(o->path) < 0 ?
		     cti__seterrno(CTI_EIO, errno, "%s: syncing its directory",
				   o->path) :
		     CTI_OK;
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}

void
cti__out_abort(struct cti__out *o)
{
	if (!o->is_stdout && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp)
		unlink(o->tmp);
	slot_del(o->slot);
	o->slot = -1;
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
}

int
cti__write_file(const char *path, const void *data, size_t n, unsigned mode,
		int flags)
{
	struct cti__out o;
	int rc;

	if ((rc = cti__out_open(&o, path, mode, flags)))
		return rc;
	if ((rc = cti__out_write(&o, data, n))) {
		cti__out_abort(&o);
		return rc;
	}
	return cti__out_commit(&o);
}

int
cti__install(const char *from, const char *to)
{
	int fd, e;

	if ((fd = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", from);
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		e = errno;
		close(fd);
		return cti__seterrno(CTI_EIO, e, "%s", from);
	}
	close(fd);
	if (rename(from, to) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", to);
	if (sync_dir(to) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s: syncing its directory",
				     to);
	return CTI_OK;
}

/* ------------------------------------------------------------ temporaries */

int
cti__tmpfile(int *fd)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int e;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	if ((*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return CTI_OK;
#endif
	if (!(path = malloc(strlen(dir) + 20)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	sprintf(path, "%s/cti-XXXXXX", dir);
	if ((*fd = mkostemp(path, O_CLOEXEC)) < 0) {
		e = errno;
		free(path);
		return cti__seterrno(CTI_EIO, e, "temporary file in %s", dir);
	}
	unlink(path);
	free(path);
	return CTI_OK;
}

/* ------------------------------------------------------------ directories */

int
cti__mkdirs(const char *path)
{
	char *p, *s;
	int rc = CTI_OK;

	if (!(p = strdup(path)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				rc = cti__seterrno(CTI_EIO, errno, "%s", p);
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

int
cti__make_parent(const char *path)
{
	struct stat st;
	char *dir = dir_of(path);
	int rc = CTI_OK;

	if (!dir)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (stat(dir, &st) < 0)
		rc = cti__mkdirs(dir);
	else if (!S_ISDIR(st.st_mode))
		rc = cti__seterr(CTI_EIO, "%s: not a directory", dir);
	free(dir);
	return rc;
}

char *
cti__resolve(const char *path)
{
	const char *b = strrchr(path, '/');
	char *dir = dir_of(path), *real, *out = NULL;

	b = b ? b + 1 : path;
	if (!dir)
		return NULL;
	if ((real = realpath(dir, NULL)) &&
	    (out = malloc(strlen(real) + strlen(b) + 2)))
		sprintf(out, "%s/%s", real, b);
	free(real);
	free(dir);
	return out;
}
