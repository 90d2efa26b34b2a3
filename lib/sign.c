/*
 * sign.c - signatures in minisign's formats: the binary subfield and the
 * .minisig text, trusted comments, the signed bytes of a file, signing in
 * place or detached, and the --seq auto counter.
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

#include "trust.h"

#define SCAN_BUF (64u << 10)

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

	if (n == 0 || n > 64 || feed[0] == '.')
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

static int
parse_num(int64_t *out, const char *s)
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
	for (p = f->buf; p; ) {
		field = p;
		if ((p = strchr(p, '\t')))
			*p++ = '\0';
		if (strncmp(field, "timestamp:", 10) == 0) {
			b |= seen_ts++ || parse_num(&f->timestamp, field + 10);
		} else if (strncmp(field, "seq:", 4) == 0) {
			b |= seen_seq++ || parse_num(&f->seq, field + 4);
		} else if (strncmp(field, "expires:", 8) == 0) {
			b |= seen_exp++ || parse_num(&f->expires, field + 8);
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

/* ------------------------------------------------------------ signatures */

int
cti__sig_from_binary(struct cti__sig *s, const unsigned char *p, size_t n,
		    const char *name)
{
	size_t cl;

	if (n < CTI_SIGREC_FIXED)
		return cti__seterr(CTI_EFORMAT, "%s: embedded signature too short",
				  name);
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
	const char *line;
	size_t len, pos = 0, tp = sizeof(trusted_prefix) - 1;

	if (!cti__text_line(&line, &len, text, n, &pos) ||
	    len < sizeof(untrusted_prefix) - 1 ||
	    memcmp(line, untrusted_prefix, sizeof(untrusted_prefix) - 1) != 0)
		return cti__seterr(CTI_EFORMAT,
				  "%s: not a minisign signature (no untrusted "
				  "comment line)", name);
	if (!cti__text_line(&line, &len, text, n, &pos) ||
	    cti__b64_decode(raw, sizeof(raw), line, len) != 0)
		return cti__seterr(CTI_EFORMAT,
				  "%s: malformed signature line", name);
	memcpy(s->alg, raw, 2);
	if (memcmp(s->alg, "ED", 2) != 0 && memcmp(s->alg, "Ed", 2) != 0)
		return cti__seterr(CTI_EFORMAT,
				  "%s: unsupported signature algorithm", name);
	memcpy(s->keynum, raw + 2, CTI_KEYNUM_LEN);
	memcpy(s->sig, raw + 10, CTI_SIGBYTES);
	if (!cti__text_line(&line, &len, text, n, &pos) || len < tp ||
	    memcmp(line, trusted_prefix, tp) != 0)
		return cti__seterr(CTI_EFORMAT,
				  "%s: no trusted comment line", name);
	/* minisign strips trailing whitespace from the trusted comment */
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

/* ------------------------------------------------------------ scanning */

int
cti__scan_open(struct cti__scan *s, int fd, const char *name)
{
	ssize_t r;
	long w;
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->name = name;
	if (!(s->head = malloc(CTI_GZHDR_MAX)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((r = cti__read_full(fd, s->head, CTI_GZHDR_MAX)) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", name);
	s->head_len = (size_t)r;
	if (s->head_len < 2 || s->head[0] != 0x1f || s->head[1] != 0x8b)
		return CTI_OK;
	s->gzip = 1;
	if (!(s->h = malloc(sizeof(*s->h))) ||
	    !(s->strip = malloc(CTI_GZHDR_MAX)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__gzhdr_parse(s->h, s->head, s->head_len, name)))
		return rc;
	if (s->h->nsig == 0) {
		/* no signature: the signed bytes are the file itself */
		memcpy(s->strip, s->head, s->h->len);
		s->strip_len = s->h->len;
		return CTI_OK;
	}
	if ((w = cti__gzhdr_write(s->strip, s->h, s->head, NULL, 0, NULL,
				 name)) < 0)
		return (int)w;
	s->strip_len = (size_t)w;
	return CTI_OK;
}

void
cti__scan_close(struct cti__scan *s)
{
	free(s->head);
	free(s->h);
	free(s->strip);
	s->head = s->strip = NULL;
	s->h = NULL;
}

int
cti__scan_hash(struct cti__scan *s, unsigned char prehash[64],
	      int (*sink)(void *ctx, const void *p, size_t n),
	      int (*body_sink)(void *ctx, const void *p, size_t n), void *ctx,
	      struct cti__buf *legacy)
{
	crypto_generichash_state hs;
	unsigned char *buf;
	const unsigned char *p;
	size_t n, hdr = s->gzip ? s->h->len : 0;
	int rc = CTI_OK, first = 1;
	ssize_t r;

	/* below malloc's mmap threshold: reads into a fresh mmap()ed buffer
	 * were measured 30% slower (kernel copy) than into heap memory */
	if (!(buf = malloc(SCAN_BUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	crypto_generichash_init(&hs, NULL, 0, 64);
	s->total = 0;
	for (;;) {
		if (first && s->gzip) {
			/* the signed header, then the rest of the head */
			crypto_generichash_update(&hs, s->strip, s->strip_len);
			s->total += s->strip_len;
			if (sink && (rc = sink(ctx, s->strip, s->strip_len)))
				break;
			if (legacy && (cti__buf_put(legacy, s->strip,
						   s->strip_len))) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				break;
			}
			p = s->head + hdr;
			n = s->head_len - hdr;
		} else if (first) {
			p = s->head;
			n = s->head_len;
		} else {
			if ((r = cti__read_full(s->fd, buf, SCAN_BUF)) < 0) {
				rc = cti__seterrno(CTI_EIO, errno, "%s",
						  s->name);
				break;
			}
			if (r == 0)
				break;
			p = buf;
			n = (size_t)r;
		}
		first = 0;
		if (n == 0)
			continue;
		crypto_generichash_update(&hs, p, n);
		s->total += n;
		if (sink && (rc = sink(ctx, p, n)))
			break;
		if (body_sink && (rc = body_sink(ctx, p, n)))
			break;
		if (legacy) {
			if (legacy->len + n > CTI_LEGACY_MAX) {
				rc = cti__seterr(CTI_ELIMIT,
						"%s: legacy signature: file "
						"larger than %u MiB", s->name,
						CTI_LEGACY_MAX >> 20);
				break;
			}
			if (cti__buf_put(legacy, p, n)) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				break;
			}
		}
	}
	crypto_generichash_final(&hs, prehash, 64);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ signing */

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The trusted comment for path; file names lose tabs and control bytes. */
static int
make_comment(struct cti__sig *sig, const char *path,
	     const struct cti_sign_opts *o, int64_t ts)
{
	struct cti__buf b = { 0 };
	const char *f = strcmp(path, "-") == 0 ? "-" : base_name(path);
	int rc = 0;

	rc |= cti__buf_printf(&b, "timestamp:%" PRId64 "\tfile:", ts);
	for (; *f; f++)
		rc |= cti__buf_putc(&b, ((unsigned char)*f < 0x20 || *f == 0x7f) ?
					       '?' : *f);
	rc |= cti__buf_puts(&b, "\thashed");
	if (o->feed)
		rc |= cti__buf_printf(&b, "\tfeed:%s", o->feed);
	if (o->seq >= 0)
		rc |= cti__buf_printf(&b, "\tseq:%" PRId64, o->seq);
	if (o->expires > 0)
		rc |= cti__buf_printf(&b, "\texpires:%" PRId64, o->expires);
	if (rc) {
		cti__buf_free(&b);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (b.len > CTI_COMMENT_MAX) {
		cti__buf_free(&b);
		return cti__seterr(CTI_ELIMIT, "%s: trusted comment too long",
				  path);
	}
	memcpy(sig->comment, b.p, b.len + 1);
	sig->comment_len = b.len;
	cti__buf_free(&b);
	return CTI_OK;
}

static void
do_sign(struct cti__sig *sig, const cti_seckey *sk,
	const unsigned char prehash[64])
{
	unsigned char *m = malloc(CTI_SIGBYTES + sig->comment_len);

	memcpy(sig->alg, "ED", 2);
	memcpy(sig->keynum, sk->keynum, CTI_KEYNUM_LEN);
	crypto_sign_detached(sig->sig, NULL, prehash, 64, sk->sk);
	if (m) {
		memcpy(m, sig->sig, CTI_SIGBYTES);
		memcpy(m + CTI_SIGBYTES, sig->comment, sig->comment_len);
		crypto_sign_detached(sig->global, NULL, m,
				     CTI_SIGBYTES + sig->comment_len, sk->sk);
		free(m);
	}
}

static int
out_sink(void *ctx, const void *p, size_t n)
{
	return cti__out_write(ctx, p, n);
}

/*
 * Open path for signing in place, holding an flock() on it until it is
 * replaced, so that two signers of one file (a shared directory) take
 * turns instead of one losing the other's signature. The lock is on the
 * inode: after getting it, check that path still names that inode (the
 * other signer may have renamed a new file over it) and start again if not.
 */
static int
open_locked(int *fd, const char *path)
{
	struct stat a, b;
	int i, rc;

	for (i = 0; i < 100; i++) {
		if ((rc = cti__open_in(fd, path)))
			return rc;
		if (flock(*fd, LOCK_EX) < 0 || fstat(*fd, &a) < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "%s", path);
			close(*fd);
			*fd = -1;
			return rc;
		}
		if (stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return CTI_OK;
		close(*fd);
		*fd = -1;
	}
	return cti__seterr(CTI_ELOCKED, "%s: keeps changing while waiting to "
			  "sign it", path);
}

int
cti_sign_file(const cti_seckey *sk, const char *path,
	      const struct cti_sign_opts *o)
{
	struct cti_sign_opts defaults = { .seq = -1 };
	struct cti__scan s;
	struct cti__sig *sig = NULL;
	struct cti__out out;
	struct cti__buf text = { 0 };
	unsigned char prehash[64], *rec = NULL, *hdr = NULL;
	char id[17], *sigpath = NULL;
	struct stat st;
	int fd = -1, rc, out_open = 0;
	long hl;
	size_t rl;

	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!o)
		o = &defaults;
	if (o->feed && !cti__feed_ok(o->feed))
		return cti__seterr(CTI_EINVAL,
				  "feed name \"%s\": use letters, digits, '.', "
				  "'_' and '-' (at most 64, not starting with "
				  "'.')", o->feed);
	if (o->comment && strpbrk(o->comment, "\r\n"))
		return cti__seterr(CTI_EINVAL, "a comment is one line");
	if (strcmp(path, "-") == 0 && (!o->detached || !o->sig_path))
		return cti__seterr(CTI_EINVAL,
				  "standard input can only be signed detached, "
				  "to a named signature file");
	memset(&s, 0, sizeof(s));
	if (!(sig = calloc(1, sizeof(*sig))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = make_comment(sig, path,  o, o->timestamp ? o->timestamp :
							    cti_now())))
		goto done;
	if ((rc = o->detached ? cti__open_in(&fd, path) : open_locked(&fd, path)))
		goto done;
	if (fstat(fd, &st) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
		goto done;
	}
	if ((rc = cti__scan_open(&s, fd, path)))
		goto done;
	if (o->detached) {
		if ((rc = cti__scan_hash(&s, prehash, NULL, NULL, NULL, NULL)))
			goto done;
		do_sign(sig, sk, prehash);
		if (!(sigpath = o->sig_path ? strdup(o->sig_path) :
				malloc(strlen(path) + 9))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto done;
		}
		if (!o->sig_path)
			sprintf(sigpath, "%s.minisig", path);
		if (o->comment) {
			rc = cti__sig_to_text(&text, sig, o->comment);
		} else {
			char c[64];

			snprintf(c, sizeof(c), "signature from cti secret key %s",
				 cti_keyid_format(id, cti_seckey_id(sk)));
			rc = cti__sig_to_text(&text, sig, c);
		}
		if (rc == CTI_OK)
			rc = cti__write_file(sigpath, text.p, text.len, 0644,
					     0);
		goto done;
	}
	if (!s.gzip) {
		rc = cti__seterr(CTI_EFORMAT,
				"%s: not a gzip file: embedded signatures need "
				"one (use --detached)", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = cti__seterr(CTI_EINVAL, "%s: not a regular file", path);
		goto done;
	}
	/* the new header with a placeholder of the right length */
	rec = calloc(1, CTI_SIGREC_FIXED + CTI_COMMENT_MAX);
	hdr = malloc(CTI_GZHDR_MAX);
	if (!rec || !hdr) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto done;
	}
	/* what the verifier hashes: the header without any signature, even
	 * when the file had none (an empty extra field goes) */
	if ((hl = cti__gzhdr_write(s.strip, s.h, s.head, NULL, 0, NULL,
				  path)) < 0) {
		rc = (int)hl;
		goto done;
	}
	s.strip_len = (size_t)hl;
	memcpy(sig->keynum, sk->keynum, CTI_KEYNUM_LEN);
	rl = cti__sig_to_binary(rec, sig);
	if ((hl = cti__gzhdr_write(hdr, s.h, s.head, rec, rl, sk->keynum,
				  path)) < 0) {
		rc = (int)hl;
		goto done;
	}
	if ((rc = cti__out_open(&out, path, st.st_mode & 07777,
				CTI__OUT_EXACT_MODE)))
		goto done;
	out_open = 1;
	if ((rc = cti__out_write(&out, hdr, (size_t)hl)))
		goto done;
	if ((rc = cti__scan_hash(&s, prehash, NULL, out_sink, &out, NULL)))
		goto done;
	do_sign(sig, sk, prehash);
	rl = cti__sig_to_binary(rec, sig);
	if ((hl = cti__gzhdr_write(hdr, s.h, s.head, rec, rl, sk->keynum,
				  path)) < 0) {
		rc = (int)hl;
		goto done;
	}
	if (pwrite(out.fd, hdr, (size_t)hl, 0) != hl) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
		goto done;
	}
	/* the file must not have changed under us */
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size !=
	    s.total - s.strip_len + s.h->len) {
		rc = cti__seterr(CTI_EIO, "%s: file changed while signing",
				path);
		goto done;
	}
	out_open = 0;
	rc = cti__out_commit(&out);
done:
	if (out_open)
		cti__out_abort(&out);
	if (fd >= 0)
		close(fd);
	cti__scan_close(&s);
	cti__buf_free(&text);
	free(sigpath);
	free(rec);
	free(hdr);
	free(sig);
	return rc;
}

/* ------------------------------------------------------------ state */

char *
cti_state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *p;

	if (x && x[0] == '/') {
		if ((p = malloc(strlen(x) + 5)))
			sprintf(p, "%s/cti", x);
		return p;
	}
	if (!home || !home[0])
		return NULL;
	if ((p = malloc(strlen(home) + 20)))
		sprintf(p, "%s/.local/state/cti", home);
	return p;
}

int
cti__lock_file(int *fd, const char *path)
{
	int i;

	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	for (i = 0; i < 300; i++) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return CTI_OK;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			close(*fd);
			*fd = -1;
			return cti__seterrno(CTI_EIO, e, "%s", path);
		}
		usleep(100000);
	}
	close(*fd);
	*fd = -1;
	return cti__seterr(CTI_ELOCKED, "%s: locked by another process for 30s",
			  path);
}

int
cti_seq_next(int64_t *seq, const char *state_dir, const char *feed)
{
	char *dir = NULL, *def = NULL, *file = NULL, *lock = NULL;
	char buf[64];
	int fd = -1, lfd = -1, rc;
	ssize_t r;
	int64_t cur = 0;

	if (!feed || !cti__feed_ok(feed))
		return cti__seterr(CTI_EINVAL,
				  "--seq auto needs a valid feed name");
	if (!state_dir && !(state_dir = def = cti_state_dir()))
		return cti__seterr(CTI_EINVAL,
				  "no state directory (set XDG_STATE_HOME or "
				  "HOME, or use --state)");
	dir = malloc(strlen(state_dir) + 8);
	file = malloc(strlen(state_dir) + strlen(feed) + 16);
	lock = malloc(strlen(state_dir) + strlen(feed) + 16);
	if (!dir || !file || !lock) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	sprintf(dir, "%s/seq", state_dir);
	sprintf(file, "%s/%s", dir, feed);
	sprintf(lock, "%s/%s.lock", dir, feed);
	if ((rc = cti__mkdirs(dir)) || (rc = cti__lock_file(&lfd, lock)))
		goto out;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) >= 0) {
		r = cti__read_full(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "%s", file);
			goto out;
		}
		buf[r] = '\0';
		if (r > 0 && buf[r - 1] == '\n')
			buf[r - 1] = '\0';
		if (parse_num(&cur, buf) != 0 || cur == INT64_MAX) {
			rc = cti__seterr(CTI_EFORMAT, "%s: corrupt counter",
					file);
			goto out;
		}
	} else if (errno != ENOENT) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", file);
		goto out;
	}
	cur++;
	snprintf(buf, sizeof(buf), "%" PRId64 "\n", cur);
	if ((rc = cti__write_file(file, buf, strlen(buf), 0600,
				   CTI__OUT_EXACT_MODE)))
		goto out;
	*seq = cur;
out:
	if (lfd >= 0)
		close(lfd);
	free(dir);
	free(def);
	free(file);
	free(lock);
	return rc;
}
