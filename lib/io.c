/*
 * io.c - input files, and the decompressing source every reader of bundle
 * files is built on.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

int
cti__open_in(int *fd, const char *path)
{
	struct stat st;

	if (!path || strcmp(path, "-") == 0) {
		if ((*fd = dup(STDIN_FILENO)) < 0)
			return cti__seterrno(CTI_EIO, errno, "standard input");
		return CTI_OK;
	}
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return cti__seterr(CTI_EIO, "%s: is a directory", path);
	}
	return CTI_OK;
}

ssize_t
cti__read_full(int fd, void *p, size_t n)
{
	int eof;

	return cti__read_eof(fd, p, n, &eof);
}

ssize_t
cti__read_eof(int fd, void *p, size_t n, int *eof)
{
	size_t got = 0;

	*eof = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			/* a terminal's end of input is one read of 0, not a
			 * lasting state: it must not be asked for twice */
			*eof = 1;
			break;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int
cti__write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ------------------------------------------------------------ source */

static int
src_fill(struct cti__src *s)
{
	ssize_t r;
	int eof;

	if (s->raw_pos < s->raw_len || s->raw_eof)
		return CTI_OK;
	r = cti__read_eof(s->fd, s->raw, CTI_IOBUF, &eof);
	if (r < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", s->name);
	s->raw_len = (size_t)r;
	s->raw_pos = 0;
	s->raw_total += (uint64_t)r;
	s->raw_eof = eof;
	return CTI_OK;
}

int
cti__src_open(struct cti__src *s, int fd, int own_fd, const char *name,
	     const void *prefix, size_t prefix_len)
{
	return cti__src_open_eof(s, fd, own_fd, name, prefix, prefix_len, 0);
}

int
cti__src_open_eof(struct cti__src *s, int fd, int own_fd, const char *name,
		  const void *prefix, size_t prefix_len, int eof)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->own_fd = own_fd;
	s->name = name;
	/* a prefix may hold a whole gzip header (CTI_GZHDR_MAX) */
	if (prefix_len > 4 * CTI_IOBUF)
		return cti__seterr(CTI_EINVAL, "prefix too long");
	if (!(s->raw = malloc(prefix_len > CTI_IOBUF ? prefix_len : CTI_IOBUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (prefix_len) {
		memcpy(s->raw, prefix, prefix_len);
		s->raw_len = prefix_len;
		s->raw_total = prefix_len;
	}
	s->raw_eof = eof;
	/* make sure two bytes are there to look for the gzip magic */
	while (s->raw_len < 2 && !s->raw_eof) {
		ssize_t r = read(fd, s->raw + s->raw_len, CTI_IOBUF - s->raw_len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cti__seterrno(CTI_EIO, errno, "%s", name);
		if (r == 0)
			s->raw_eof = 1;
		s->raw_len += (size_t)r;
		s->raw_total += (uint64_t)r;
	}
	if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
		z_stream *z = calloc(1, sizeof(*z));

		if (!z)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		if (inflateInit2(z, 15 + 16) != Z_OK) {
			free(z);
			return cti__seterr(CTI_ENOMEM, "zlib initialisation failed");
		}
		s->z = z;
		s->gzip = 1;
	}
	return CTI_OK;
}

ssize_t
cti__src_read(struct cti__src *s, void *p, size_t n)
{
	z_stream *z = s->z;
	int rc;

	if (s->eof || n == 0)
		return 0;
	if (!s->gzip) {
		size_t k;

		if ((rc = src_fill(s)))
			return rc;
		k = s->raw_len - s->raw_pos;
		if (k == 0) {
			s->eof = 1;
			return 0;
		}
		if (k > n)
			k = n;
		memcpy(p, s->raw + s->raw_pos, k);
		s->raw_pos += k;
		s->out_total += k;
		return (ssize_t)k;
	}
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	z->next_out = p;
	z->avail_out = (uInt)n;
	for (;;) {
		int zr;

		if (s->member_end) {
			/* another member may follow, nothing else may */
			if ((rc = src_fill(s)))
				return rc;
			if (s->raw_pos == s->raw_len) {
				s->eof = 1;
				break;
			}
			if (s->raw[s->raw_pos] != 0x1f)
				return cti__seterr(CTI_EFORMAT,
						  "%s: trailing garbage after "
						  "gzip data", s->name);
			inflateReset(z);
			s->member_end = 0;
		}
		if (z->avail_out < n)
			break;
		if ((rc = src_fill(s)))
			return rc;
		if (s->raw_pos == s->raw_len)
			return cti__seterr(CTI_EFORMAT,
					  "%s: truncated gzip data", s->name);
		z->next_in = (unsigned char *)s->raw + s->raw_pos;
		z->avail_in = (uInt)(s->raw_len - s->raw_pos);
		zr = inflate(z, Z_NO_FLUSH);
		s->raw_pos = s->raw_len - z->avail_in;
		if (zr == Z_STREAM_END) {
			s->member_end = 1;
			continue;
		}
		if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR)
			return cti__seterr(CTI_EFORMAT, "%s: corrupt gzip data: %s",
					  s->name, z->msg ? z->msg : "bad data");
		if (zr == Z_MEM_ERROR)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return cti__seterr(CTI_EFORMAT, "%s: corrupt gzip data",
					  s->name);
	}
	s->out_total += n - z->avail_out;
	return (ssize_t)(n - z->avail_out);
}

void
cti__src_close(struct cti__src *s)
{
	if (s->z) {
		inflateEnd(s->z);
		free(s->z);
	}
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s->raw);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* ------------------------------------------------------------ pump */

/* The hand-over of cti__src_pump(): read and inflated here, written by a
 * second thread, so that inflating and writing overlap. */
#define PUMP_SLOTS 8
#define PUMP_SLOT (256u << 10)

struct pump {
	struct cti__pipe pipe;
	struct cti__out *out;
	unsigned char *buf[PUMP_SLOTS];
	size_t len[PUMP_SLOTS];
};

static void *
pump_writer(void *arg)
{
	struct pump *w = arg;
	int i, rc;

	while ((i = cti__pipe_next(&w->pipe)) >= 0) {
		if ((rc = cti__out_write(w->out, w->buf[i], w->len[i]))) {
			cti__pipe_stop(&w->pipe, rc);
			break;
		}
		cti__pipe_done(&w->pipe);
	}
	return NULL;
}

int
cti__src_pump(struct cti__src *src, struct cti__out *out,
	      struct cti__tlpscan *t)
{
	struct pump w = { .out = out };
	ssize_t k = 0;
	int i, rc = CTI_OK;

	for (i = 0; i < PUMP_SLOTS; i++)
		if (!(w.buf[i] = malloc(PUMP_SLOT))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto out;
		}
	if ((rc = cti__pipe_start(&w.pipe, PUMP_SLOTS, pump_writer, &w)))
		goto out;
	while ((i = cti__pipe_slot(&w.pipe)) >= 0 &&
	       (k = cti__src_read(src, w.buf[i], PUMP_SLOT)) > 0) {
		if (t)
			cti__tlpscan_feed(t, w.buf[i], (size_t)k);
		w.len[i] = (size_t)k;
		cti__pipe_put(&w.pipe);
	}
	if (k < 0)
		cti__pipe_stop(&w.pipe, (int)k);
	else
		cti__pipe_close(&w.pipe);
	rc = cti__pipe_finish(&w.pipe);
out:
	for (i = 0; i < PUMP_SLOTS; i++)
		free(w.buf[i]);
	return rc;
}
