/*
 * sigfmt.c - signatures in minisign's formats: the binary subfield cti
 * embeds in a gzip header, the .minisig text, and the fields of the
 * trusted comment; the unverified listing of a file's embedded signatures.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

static const char untrusted_prefix[] = "untrusted comment: ";
static const char trusted_prefix[] = "trusted comment: ";

/* ------------------------------------------------------------ trusted comments */

static int
comment_ok(const char *c, size_t n)
{
	size_t i;

	if (n > CTI_COMMENT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (c[i] == '\0' || c[i] == '\n' || c[i] == '\r')
			return 0;
	return 1;
}

int
cti__feed_ok(const char *feed)
{
	size_t i, n = strlen(feed);

	if (n == 0 || n > CTI_FEED_MAX || feed[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = feed[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int
cti__parse_uint(int64_t *out, const char *s)
{
	int64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

void
cti__tc_parse(struct cti__tc *f, const char *comment, int *bad)
{
	char *p, *field;
	int b = 0, seen_ts = 0, seen_seq = 0, seen_exp = 0;

	memset(f, 0, sizeof(*f));
	f->timestamp = -1;
	f->seq = -1;
	snprintf(f->buf, sizeof(f->buf), "%s", comment);
	for (p = f->buf; p;) {
		field = p;
		if ((p = strchr(p, '\t')))
			*p++ = '\0';
		if (strncmp(field, "timestamp:", 10) == 0) {
			b |= seen_ts++ || cti__parse_uint(&f->timestamp,
							  field + 10);
		} else if (strncmp(field, "seq:", 4) == 0) {
			b |= seen_seq++ || cti__parse_uint(&f->seq, field + 4);
		} else if (strncmp(field, "expires:", 8) == 0) {
			b |= seen_exp++ || cti__parse_uint(&f->expires,
							   field + 8);
			if (f->expires == 0)
				b = 1;
		} else if (strncmp(field, "file:", 5) == 0) {
			b |= f->file != NULL;
			f->file = field + 5;
		} else if (strncmp(field, "feed:", 5) == 0) {
			b |= f->feed != NULL;
			f->feed = field + 5;
		} else if (strcmp(field, "hashed") == 0) {
			f->hashed = 1;
		}
	}
	if (b) {
		/* leave nothing half-parsed to act on */
		f->timestamp = f->seq = -1;
		f->expires = 0;
		f->feed = f->file = NULL;
	}
	if (bad)
		*bad = b;
}

int
cti__tc_make(struct cti__sig *sig, const char *file, const char *feed,
	     int64_t seq, int64_t expires, int64_t timestamp)
{
	struct cti__buf b = { 0 };
	int rc = 0;

	rc |= cti__buf_printf(&b, "timestamp:%" PRId64 "\tfile:", timestamp);
	/* a name from outside cannot add fields: no tab, no line end */
	for (; *file; file++)
		rc |= cti__buf_putc(&b, ((unsigned char)*file < 0x20 ||
					 *file == 0x7f) ? '?' : *file);
	rc |= cti__buf_puts(&b, "\thashed");
	if (feed)
		rc |= cti__buf_printf(&b, "\tfeed:%s", feed);
	if (seq >= 0)
		rc |= cti__buf_printf(&b, "\tseq:%" PRId64, seq);
	if (expires > 0)
		rc |= cti__buf_printf(&b, "\texpires:%" PRId64, expires);
	if (rc) {
		cti__buf_free(&b);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (b.len > CTI_COMMENT_MAX) {
		cti__buf_free(&b);
		return cti__seterr(CTI_ELIMIT, "trusted comment too long");
	}
	memcpy(sig->comment, b.p, b.len + 1);
	sig->comment_len = b.len;
	cti__buf_free(&b);
	return CTI_OK;
}

/* ------------------------------------------------------------ signatures */

int
cti__sig_from_binary(struct cti__sig *s, const unsigned char *p, size_t n,
		     const char *name)
{
	size_t cl;

	if (n < CTI_SIGREC_FIXED)
		return cti__seterr(CTI_EFORMAT,
				   "%s: malformed embedded signature (too "
				   "short)", name);
	cl = n - CTI_SIGREC_FIXED;
	memcpy(s->alg, p, 2);
	if (memcmp(s->alg, "ED", 2) != 0 && memcmp(s->alg, "Ed", 2) != 0)
		return cti__seterr(CTI_EFORMAT,
				   "%s: unsupported signature algorithm", name);
	memcpy(s->keynum, p + 2, CTI_KEYNUM_LEN);
	memcpy(s->sig, p + 10, CTI_SIGBYTES);
	memcpy(s->global, p + 10 + CTI_SIGBYTES, CTI_SIGBYTES);
	if (!comment_ok((const char *)p + CTI_SIGREC_FIXED, cl))
		return cti__seterr(CTI_EFORMAT,
				   "%s: malformed trusted comment in embedded "
				   "signature", name);
	memcpy(s->comment, p + CTI_SIGREC_FIXED, cl);
	s->comment[cl] = '\0';
	s->comment_len = cl;
	return CTI_OK;
}

size_t
cti__sig_to_binary(unsigned char *out, const struct cti__sig *s)
{
	memcpy(out, s->alg, 2);
	memcpy(out + 2, s->keynum, CTI_KEYNUM_LEN);
	memcpy(out + 10, s->sig, CTI_SIGBYTES);
	memcpy(out + 10 + CTI_SIGBYTES, s->global, CTI_SIGBYTES);
	memcpy(out + CTI_SIGREC_FIXED, s->comment, s->comment_len);
	return CTI_SIGREC_FIXED + s->comment_len;
}

int
cti__sig_from_text(struct cti__sig *s, const char *text, size_t n,
		   const char *name)
{
	unsigned char raw[2 + CTI_KEYNUM_LEN + CTI_SIGBYTES];
	const char *line, *nl;
	size_t len, pos = 0, tp = sizeof(trusted_prefix) - 1;

	if (!cti__text_line(&line, &len, text, n, &pos) ||
	    len < sizeof(untrusted_prefix) - 1 ||
	    memcmp(line, untrusted_prefix, sizeof(untrusted_prefix) - 1) != 0)
		return cti__seterr(CTI_EFORMAT,
				   "%s: not a minisign signature (no untrusted "
				   "comment line)", name);
	if (!cti__text_line(&line, &len, text, n, &pos) ||
	    cti__b64_decode(raw, sizeof(raw), line, len) != 0)
		return cti__seterr(CTI_EFORMAT, "%s: malformed signature line",
				   name);
	memcpy(s->alg, raw, 2);
	if (memcmp(s->alg, "ED", 2) != 0 && memcmp(s->alg, "Ed", 2) != 0)
		return cti__seterr(CTI_EFORMAT,
				   "%s: unsupported signature algorithm", name);
	memcpy(s->keynum, raw + 2, CTI_KEYNUM_LEN);
	memcpy(s->sig, raw + 10, CTI_SIGBYTES);
	/*
	 * The trusted comment is the rest of its line as signed: minisign
	 * drops only the line end (LF, and CR before it), so a comment that
	 * ends in a tab or spaces keeps them.
	 */
	line = text + pos;
	nl = pos < n ? memchr(line, '\n', n - pos) : NULL;
	len = nl ? (size_t)(nl - line) : n - pos;
	pos += len + (nl != NULL);
	while (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < tp || memcmp(line, trusted_prefix, tp) != 0)
		return cti__seterr(CTI_EFORMAT, "%s: no trusted comment line",
				   name);
	if (!comment_ok(line + tp, len - tp))
		return cti__seterr(CTI_EFORMAT, "%s: malformed trusted comment",
				   name);
	memcpy(s->comment, line + tp, len - tp);
	s->comment_len = len - tp;
	s->comment[s->comment_len] = '\0';
	if (!cti__text_line(&line, &len, text, n, &pos) ||
	    cti__b64_decode(s->global, CTI_SIGBYTES, line, len) != 0)
		return cti__seterr(CTI_EFORMAT,
				   "%s: malformed global signature line", name);
	while (cti__text_line(&line, &len, text, n, &pos))
		if (len)
			return cti__seterr(CTI_EFORMAT,
					   "%s: text after the signature", name);
	return CTI_OK;
}

int
cti__sig_to_text(struct cti__buf *b, const struct cti__sig *s,
		 const char *untrusted)
{
	unsigned char raw[2 + CTI_KEYNUM_LEN + CTI_SIGBYTES];
	char b1[sodium_base64_ENCODED_LEN(sizeof(raw),
					  sodium_base64_VARIANT_ORIGINAL)];
	char b2[sodium_base64_ENCODED_LEN(CTI_SIGBYTES,
					  sodium_base64_VARIANT_ORIGINAL)];

	memcpy(raw, s->alg, 2);
	memcpy(raw + 2, s->keynum, CTI_KEYNUM_LEN);
	memcpy(raw + 10, s->sig, CTI_SIGBYTES);
	sodium_bin2base64(b1, sizeof(b1), raw, sizeof(raw),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof(b2), s->global, CTI_SIGBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	if (cti__buf_printf(b, "%s%s\n%s\n%s%s\n%s\n", untrusted_prefix,
			    untrusted, b1, trusted_prefix, s->comment, b2))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}

/* ------------------------------------------------------------ listing */

/* The gzip header at the start of head[0..len), or NULL with *rc set. */
static struct cti__gzhdr *
parse_head(int *rc, const void *head, size_t len, const char *name)
{
	const unsigned char *p = head;
	struct cti__gzhdr *h;

	*rc = CTI_OK;
	if (len < 2 || p[0] != 0x1f || p[1] != 0x8b)
		return NULL;
	if (!(h = malloc(sizeof(*h)))) {
		*rc = cti__seterr(CTI_ENOMEM, "out of memory");
		return NULL;
	}
	if ((*rc = cti__gzhdr_parse(h, p, len, name ? name : "-"))) {
		free(h);
		return NULL;
	}
	return h;
}

int
cti_signature_ids(size_t *count, uint64_t *keyids, size_t max,
		  const void *head, size_t len, const char *name)
{
	const unsigned char *p = head;
	struct cti__gzhdr *h;
	struct cti__sig *s;
	int rc;

	*count = 0;
	if (!(h = parse_head(&rc, head, len, name)))
		return rc;
	if (!(s = malloc(sizeof(*s)))) {
		free(h);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < h->nsig; i++) {
		if ((rc = cti__sig_from_binary(s, p + h->sig[i].off + 4,
					       h->sig[i].len,
					       name ? name : "-")))
			break;
		if (i < max)
			keyids[i] = cti__le64(s->keynum);
	}
	if (rc == CTI_OK)
		*count = h->nsig;
	free(s);
	free(h);
	return rc;
}

void
cti_signatures_free(struct cti_sig_info *sigs)
{
	free(sigs);
}

/* A copy of s at *pool, advancing it. */
static const char *
pool_put(char **pool, const char *s, size_t n)
{
	char *p = *pool;

	memcpy(p, s, n);
	p[n] = '\0';
	*pool += n + 1;
	return p;
}

int
cti_signatures_read(struct cti_sig_info **out, size_t *count,
		    const void *head, size_t len, const char *name)
{
	const unsigned char *p = head;
	struct cti_sig_info *info = NULL;
	struct cti__gzhdr *h;
	struct cti__sig *s = NULL;
	struct cti__tc *tc = NULL;
	size_t i, room = 0;
	char *pool;
	int rc, bad;

	*out = NULL;
	*count = 0;
	if (!name)
		name = "-";
	if (!(h = parse_head(&rc, head, len, name)))
		return rc;
	/* each trusted comment is kept twice: as signed, and split into
	 * its fields */
	for (i = 0; i < h->nsig; i++)
		room += 2 * (h->sig[i].len + 1);
	if (h->nsig == 0)
		goto done;
	s = malloc(sizeof(*s));
	tc = malloc(sizeof(*tc));
	info = calloc(1, h->nsig * sizeof(*info) + room);
	if (!s || !tc || !info) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto done;
	}
	pool = (char *)(info + h->nsig);
	for (i = 0; i < h->nsig; i++) {
		struct cti_sig_info *x = &info[i];
		const char *fields;

		if ((rc = cti__sig_from_binary(s, p + h->sig[i].off + 4,
					       h->sig[i].len, name)))
			goto done;
		cti__tc_parse(tc, s->comment, &bad);
		x->keyid = cti__le64(s->keynum);
		x->legacy = memcmp(s->alg, "Ed", 2) == 0;
		x->malformed = bad;
		x->trusted_comment = pool_put(&pool, s->comment, s->comment_len);
		fields = pool_put(&pool, tc->buf, s->comment_len);
		x->timestamp = tc->timestamp;
		x->seq = tc->seq;
		x->expires = tc->expires;
		x->file = tc->file ? fields + (tc->file - tc->buf) : NULL;
		x->feed = tc->feed ? fields + (tc->feed - tc->buf) : NULL;
	}
	*out = info;
	*count = h->nsig;
	info = NULL;
done:
	free(info);
	free(tc);
	free(s);
	free(h);
	return rc;
}
