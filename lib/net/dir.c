/*
 * dir.c - the local directory backend: removable media, a mounted share.
 * Puts go through lib/file.c's atomic outputs (temporary file beside the
 * target, fsync, rename, directory fsync). Gets read the file with the
 * semantics of the HTTP backend: an ETag made of the modification time and
 * size (as nginx makes it), conditions, resume, the size limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"

static int
dir_open(cti_net *n)
{
	struct stat st;
	size_t len = strlen(n->url);
	int e = stat(n->url, &st) < 0 ? errno : 0;

	if (!e && S_ISDIR(st.st_mode)) {
		n->is_dir = 1;
		return CTI_OK;
	}
	/* a name ending in '/' is meant as a directory: say why it is not
	 * one (a stick not mounted: no such directory) */
	if (n->url[len - 1] == '/')
		return cti__seterrno(CTI_EIO, e == ENOENT ? ENOENT : ENOTDIR,
				     "%s", n->url);
	return CTI_OK;
}

static void
etag_of(char *out, size_t size, const struct stat *st)
{
	snprintf(out, size, "\"%" PRIx64 "-%" PRIx64 "\"",
		 (uint64_t)st->st_mtim.tv_sec * 1000000000u +
			 (uint64_t)st->st_mtim.tv_nsec,
		 (uint64_t)st->st_size);
}

static int
dir_get(cti_net *n, const struct cti__get *g, struct cti_net_result *res,
	struct cti__try *t)
{
	const struct cti_net_get *req = g->req;
	char etag[64], *buf = NULL;
	struct stat st;
	uint64_t from = 0, left;
	int fd, rc = CTI_OK;

	free(res->location);
	if (!(res->location = strdup(g->target)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((fd = open(g->target, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			res->status = 404;
		return cti__seterrno(CTI_EIO, errno, "%s", g->target);
	}
	if (fstat(fd, &st) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", g->target);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = cti__seterr(CTI_EIO, "%s: not a file", g->target);
		goto out;
	}
	etag_of(etag, sizeof(etag), &st);
	free(res->etag);
	if (!(res->etag = strdup(etag))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	res->last_modified = st.st_mtim.tv_sec;
	res->length = st.st_size;
	if ((req->if_none_match && strcmp(req->if_none_match, etag) == 0) ||
	    (!req->if_none_match && req->if_modified_since > 0 &&
	     st.st_mtim.tv_sec <= req->if_modified_since)) {
		res->status = 304;
		res->unchanged = 1;
		goto out;
	}
	res->status = 200;
	if (n->opts.max_size && (uint64_t)st.st_size > n->opts.max_size) {
		rc = cti__seterr(CTI_ELIMIT, "%s: larger than the size limit "
				 "of %llu bytes", g->target,
				 (unsigned long long)n->opts.max_size);
		goto out;
	}
	if (g->head_only)
		goto out;
	if (g->from > 0 && g->from <= (uint64_t)st.st_size &&
	    ((g->if_range && strcmp(g->if_range, etag) == 0) ||
	     (!g->if_range && g->if_range_time == st.st_mtim.tv_sec))) {
		from = g->from;
		res->status = 206;
	}
	res->offset = from;
	if (lseek(fd, (off_t)from, SEEK_SET) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", g->target);
		goto out;
	}
	if ((rc = g->begin(g->ctx, from, st.st_size)))
		goto out;
	if (!(buf = malloc(CTI_IOBUF))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	/* the file as it was when opened: a file that grows is read to
	 * its size then, one that shrinks is an error */
	for (left = (uint64_t)st.st_size - from; left > 0;) {
		ssize_t got = read(fd, buf, left < CTI_IOBUF ? left : CTI_IOBUF);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "%s", g->target);
			goto out;
		}
		if (got == 0) {
			rc = cti__seterr(CTI_EIO, "%s: shrank while read",
					 g->target);
			goto out;
		}
		if ((rc = g->write(g->ctx, buf, (size_t)got)))
			goto out;
		left -= (uint64_t)got;
		if (n->opts.progress)
			n->opts.progress(n->opts.progress_ctx,
					 (uint64_t)st.st_size - left,
					 (uint64_t)st.st_size);
	}
out:
	(void)t;
	free(buf);
	close(fd);
	return rc;
}

static int
dir_put(cti_net *n, const struct cti__put *p, struct cti_net_result *res,
	struct cti__try *t)
{
	const struct cti_net_put *req = p->req;
	struct cti__out o;
	struct stat st;
	uint64_t off = 0;
	char *buf;
	int rc, existed;

	(void)t;
	if (req->method && strcmp(req->method, "PUT") != 0)
		return cti__seterr(CTI_EUSAGE, "%s: a directory takes no %s",
				   p->target, req->method);
	free(res->location);
	if (!(res->location = strdup(p->target)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (!(buf = malloc(CTI_IOBUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	existed = lstat(p->target, &st) == 0;
	if ((rc = cti__out_open(&o, p->target, req->mode ? req->mode : 0644,
				0))) {
		free(buf);
		return rc;
	}
	cti__net_info(n, "writing %s (%llu bytes)", p->target,
		      (unsigned long long)req->size);
	while (off < req->size) {
		size_t want = req->size - off < CTI_IOBUF ?
				      (size_t)(req->size - off) : CTI_IOBUF;
		long got = req->read(req->ctx, buf, want, off);

		if (got < 0) {
			rc = (int)got;
			break;
		}
		if ((size_t)got != want) {
			rc = cti__seterr(CTI_EIO, "%s: the file to send shrank "
					 "while it was sent", p->target);
			break;
		}
		if ((rc = cti__out_write(&o, buf, want)))
			break;
		off += want;
		if (n->opts.progress)
			n->opts.progress(n->opts.progress_ctx, off, req->size);
	}
	free(buf);
	if (rc) {
		cti__out_abort(&o);
		return rc;
	}
	if ((rc = cti__out_commit(&o)))
		return rc;
	res->status = existed ? 204 : 201;
	res->bytes = off;
	res->length = (int64_t)off;
	return CTI_OK;
}

static const struct cti__backend backend = {
	.name = "dir",
	.open = dir_open,
	.get = dir_get,
	.put = dir_put,
	.close = NULL,
};

const struct cti__backend *
cti__backend_dir(void)
{
	return &backend;
}
