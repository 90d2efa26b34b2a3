/*
 * scan.c - the signed bytes of a file, as its raw bytes arrive: the head
 * is gathered into bounded memory and its gzip header parsed (that is
 * where embedded signatures are), then every signed byte is hashed with
 * BLAKE2b-512 and handed on, in order, without being held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

int
cti__scan_init(struct cti__scan *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	if (!(s->head = malloc(CTI_GZHDR_MAX)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}

void
cti__scan_free(struct cti__scan *s)
{
	free(s->head);
	free(s->h);
	free(s->strip);
	s->head = s->strip = NULL;
	s->h = NULL;
}

/* Parse the head gathered so far. */
static int
parse_head(struct cti__scan *s)
{
	long w;
	int rc;

	s->head_done = 1;
	if (s->head_len < 2 || s->head[0] != 0x1f || s->head[1] != 0x8b)
		return CTI_OK;
	s->gzip = 1;
	if (!(s->h = malloc(sizeof(*s->h))) ||
	    !(s->strip = malloc(CTI_GZHDR_MAX)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__gzhdr_parse(s->h, s->head, s->head_len, s->name)))
		return rc;
	if (s->h->nsig == 0) {
		/* no signature: the signed bytes are the file itself, as
		 * minisign sees it */
		memcpy(s->strip, s->head, s->h->len);
		s->strip_len = s->h->len;
		return CTI_OK;
	}
	/* the header without the signatures (and without an extra field
	 * that only held them) */
	if ((w = cti__gzhdr_write(s->strip, s->h, s->head, NULL, 0, NULL,
				  s->name)) < 0)
		return (int)w;
	s->strip_len = (size_t)w;
	return CTI_OK;
}

int
cti__scan_head(struct cti__scan *s, const unsigned char **p, size_t *n,
	       int eof)
{
	size_t k;
	int rc;

	if (s->head_done)
		return 1;
	k = CTI_GZHDR_MAX - s->head_len;
	if (k > *n)
		k = *n;
	if (k) {
		memcpy(s->head + s->head_len, *p, k);
		s->head_len += k;
		*p += k;
		*n -= k;
	}
	if (s->head_len < CTI_GZHDR_MAX && !eof)
		return 0;
	rc = parse_head(s);
	return rc ? rc : 1;
}

int
cti__scan_read_head(struct cti__scan *s, int fd)
{
	const unsigned char *p;
	size_t n;
	ssize_t r;

	if ((r = cti__read_full(fd, s->head, CTI_GZHDR_MAX)) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", s->name);
	s->head_len = (size_t)r;
	p = s->head + s->head_len;
	n = 0;
	r = cti__scan_head(s, &p, &n, s->head_len < CTI_GZHDR_MAX);
	return r < 0 ? (int)r : CTI_OK;
}

/* Hash p[0..n) and hand it on; body: bytes after the header. */
static int
take(struct cti__scan *s, const unsigned char *p, size_t n, int body)
{
	int rc;

	if (n == 0)
		return CTI_OK;
	crypto_generichash_update(&s->hs, p, n);
	s->total += n;
	if (s->sink && (rc = s->sink(s->ctx, p, n)))
		return rc;
	if (body && s->body_sink && (rc = s->body_sink(s->ctx, p, n)))
		return rc;
	if (s->legacy) {
		if (s->legacy->len + n > CTI_LEGACY_MAX)
			return cti__seterr(CTI_ELIMIT,
					   "%s: legacy signature: file larger "
					   "than %u MiB", s->name,
					   CTI_LEGACY_MAX >> 20);
		if (cti__buf_put(s->legacy, p, n))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	return CTI_OK;
}

int
cti__scan_start(struct cti__scan *s)
{
	size_t hdr = s->gzip ? s->h->len : 0;
	int rc;

	crypto_generichash_init(&s->hs, NULL, 0, CTI_PREHASH_LEN);
	s->total = 0;
	s->started = 1;
	if (s->gzip && (rc = take(s, s->strip, s->strip_len, 0)))
		return rc;
	return take(s, s->head + hdr, s->head_len - hdr, 1);
}

int
cti__scan_update(struct cti__scan *s, const unsigned char *p, size_t n)
{
	return take(s, p, n, 1);
}

void
cti__scan_final(struct cti__scan *s, unsigned char prehash[CTI_PREHASH_LEN])
{
	crypto_generichash_final(&s->hs, prehash, CTI_PREHASH_LEN);
}
