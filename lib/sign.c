/*
 * sign.c - signing a file: its signature embedded in the gzip header
 * (the file replaced atomically) or detached in minisign's text format.
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

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static void
do_sign(struct cti__sig *sig, const cti_seckey *sk,
	const unsigned char prehash[CTI_PREHASH_LEN], unsigned char *m)
{
	memcpy(sig->alg, "ED", 2);
	memcpy(sig->keynum, sk->keynum, CTI_KEYNUM_LEN);
	crypto_sign_detached(sig->sig, NULL, prehash, CTI_PREHASH_LEN, sk->sk);
	/* the global signature: over the signature and the trusted comment */
	memcpy(m, sig->sig, CTI_SIGBYTES);
	memcpy(m + CTI_SIGBYTES, sig->comment, sig->comment_len);
	crypto_sign_detached(sig->global, NULL, m,
			     CTI_SIGBYTES + sig->comment_len, sk->sk);
}

static int
out_sink(void *ctx, const void *p, size_t n)
{
	return cti__out_write(ctx, p, n);
}

/* Push the rest of fd through the scan. */
static int
scan_rest(struct cti__scan *s, int fd)
{
	unsigned char *buf;
	ssize_t r;
	int rc;

	/* below malloc's mmap threshold: reads into a fresh mmap()ed buffer
	 * were measured 30% slower (kernel copy) than into heap memory */
	if (!(buf = malloc(SCAN_BUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__scan_start(s)) == CTI_OK) {
		while ((r = cti__read_full(fd, buf, SCAN_BUF)) > 0)
			if ((rc = cti__scan_update(s, buf, (size_t)r)))
				break;
		if (r < 0 && rc == CTI_OK)
			rc = cti__seterrno(CTI_EIO, errno, "%s", s->name);
	}
	free(buf);
	return rc;
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

/*
 * What the new signature says: opts, and with opts->adopt what it leaves
 * unset taken from the signatures already embedded in the file, so that a
 * co-signer signs the release the first signer signed. Those must agree on
 * the feed and the seq; the earliest expiry is taken.
 */
static int
settle(struct cti_sign_result *r, const struct cti__scan *s,
       const struct cti_sign_opts *o, const char *path)
{
	struct cti__sig *sig = NULL;
	struct cti__tc *tc = NULL;
	size_t i, nsig = s->gzip ? s->h->nsig : 0, nfeed = 0;
	int rc = CTI_OK, bad, have_feed = 0;
	/* what is to be taken: a feed only with its seq */
	int want_feed = !o->feed && o->seq < 0, want_seq = o->seq < 0;
	int want_exp = !o->expires;
	int64_t seq = -1, exp = 0;
	char feed[CTI_FEED_MAX + 1] = "";

	r->seq = o->seq;
	r->expires = o->expires;
	if (o->feed)
		snprintf(r->feed, sizeof(r->feed), "%s", o->feed);
	if (!o->adopt || nsig == 0 || (!want_seq && !want_exp))
		goto check;
	sig = malloc(sizeof(*sig));
	tc = malloc(sizeof(*tc));
	if (!sig || !tc) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nsig; i++) {
		if ((rc = cti__sig_from_binary(sig, s->head + s->h->sig[i].off + 4,
					       s->h->sig[i].len, path)))
			goto out;
		cti__tc_parse(tc, sig->comment, &bad);
		if (bad) {
			rc = cti__seterr(CTI_EFORMAT,
					 "%s: malformed trusted comment in an "
					 "embedded signature", path);
			goto out;
		}
		if (tc->expires > 0 && (exp == 0 || tc->expires < exp))
			exp = tc->expires;
		if (!want_seq)
			continue;
		/* with a feed given, only its signatures say the seq */
		if (o->feed && (!tc->feed || strcmp(tc->feed, o->feed) != 0))
			continue;
		if (nfeed++ == 0) {
			have_feed = tc->feed != NULL;
			snprintf(feed, sizeof(feed), "%s",
				 tc->feed ? tc->feed : "");
			seq = tc->seq;
			continue;
		}
		if (want_feed && ((tc->feed != NULL) != have_feed ||
				  (have_feed && strcmp(tc->feed, feed) != 0))) {
			rc = cti__seterr(CTI_EPOLICY,
					 "%s: its signatures disagree on the "
					 "feed (%.64s, %.64s)", path,
					 have_feed ? feed : "none",
					 tc->feed ? tc->feed : "none");
			goto out;
		}
		if (tc->seq != seq) {
			rc = cti__seterr(CTI_EPOLICY,
					 "%s: its signatures disagree on the "
					 "seq of feed %s", path,
					 have_feed ? feed : "(none)");
			goto out;
		}
	}
	if (want_feed && have_feed) {
		snprintf(r->feed, sizeof(r->feed), "%s", feed);
		r->adopted |= CTI_ADOPTED_FEED;
	}
	if (want_seq && nfeed && seq >= 0 && r->feed[0]) {
		r->seq = seq;
		r->adopted |= CTI_ADOPTED_SEQ;
	}
	if (want_exp && exp) {
		r->expires = exp;
		r->adopted |= CTI_ADOPTED_EXPIRES;
	}
check:
	if (o->adopt && o->feed && o->seq < 0 && r->seq < 0) {
		rc = cti__seterr(CTI_EUSAGE,
				 "%s: no signature for feed %s in it to take "
				 "the seq from: a feed needs a seq", path,
				 o->feed);
	} else if (!r->feed[0] != (r->seq < 0)) {
		rc = cti__seterr(CTI_EUSAGE, "%s: a %s", path,
				 r->feed[0] ? "feed needs a seq" :
					      "seq needs a feed");
	} else if (r->expires > CTI_TIME_MAX || r->timestamp > CTI_TIME_MAX) {
		/* no time past the year 9999 is written */
		rc = (r->adopted & CTI_ADOPTED_EXPIRES) ?
			     cti__seterr(CTI_EFORMAT,
					 "%s: its signatures expire after the "
					 "year 9999", path) :
			     cti__seterr(CTI_EUSAGE,
					 "a time after the year 9999");
	} else if (r->expires && r->expires <= r->timestamp) {
		char t[32];

		cti_format_time(t, sizeof(t), r->expires);
		rc = (r->adopted & CTI_ADOPTED_EXPIRES) ?
			     cti__seterr(CTI_EEXPIRED,
					 "%s: expired: the signatures in it "
					 "expired at %s", path, t) :
			     cti__seterr(CTI_EUSAGE,
					 "expiry %s is not after the signing "
					 "time", t);
	}
out:
	free(sig);
	free(tc);
	return rc;
}

/* What can be refused before a key is used. */
static int
check_opts(const struct cti_sign_opts *o, const char *path)
{
	if (!path)
		return cti__seterr(CTI_EINVAL, "no file to sign");
	if (o->feed && !cti__feed_ok(o->feed))
		return cti__seterr(CTI_EUSAGE,
				   "feed name \"%.80s\": use letters, digits, "
				   "'.', '_' and '-' (at most %d, not starting "
				   "with '.')", o->feed, CTI_FEED_MAX);
	if (o->comment && strpbrk(o->comment, "\r\n"))
		return cti__seterr(CTI_EUSAGE, "a comment is one line");
	if (strcmp(path, "-") == 0 && !o->detached)
		return cti__seterr(CTI_EUSAGE, "standard input can be signed "
				   "only with a detached signature");
	if (o->expires < 0 || o->expires > CTI_TIME_MAX)
		return cti__seterr(CTI_EUSAGE, "expiry beyond the year 9999");
	return CTI_OK;
}

/* The head of the file is read: what will be signed, and whether the
 * file can carry it. */
static int
plan(struct cti_sign_result *r, const struct cti__scan *s,
     const struct stat *st, const struct cti_sign_opts *o, const char *path)
{
	int rc;

	if ((rc = settle(r, s, o, path)))
		return rc;
	if (o->detached)
		return CTI_OK;
	if (!s->gzip)
		return cti__seterr(CTI_EFORMAT,
				   "%s: not a gzip file: embedded signatures "
				   "need one", path);
	if (s->h->flg & CTI_GZ_FHCRC)
		return cti__seterr(CTI_EFORMAT,
				   "%s: gzip header has a CRC (FHCRC): "
				   "embedded signatures not supported", path);
	if (!S_ISREG(st->st_mode))
		return cti__seterr(CTI_EUSAGE, "%s: not a regular file", path);
	return CTI_OK;
}

int
cti_sign_plan(struct cti_sign_result *res, const char *path,
	      const struct cti_sign_opts *o)
{
	struct cti_sign_opts defaults = { .seq = -1 };
	struct cti_sign_result r0, *r = res ? res : &r0;
	struct cti__scan s;
	struct stat st;
	int fd = -1, rc;

	memset(r, 0, sizeof(*r));
	r->seq = -1;
	memset(&s, 0, sizeof(s));
	if (!o)
		o = &defaults;
	if ((rc = check_opts(o, path)))
		return rc;
	r->timestamp = o->timestamp > 0 ? o->timestamp : (int64_t)time(NULL);
	if ((rc = cti__open_in(&fd, path)))
		return rc;
	if (fstat(fd, &st) < 0)
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
	else if ((rc = cti__scan_init(&s, path)) == CTI_OK &&
		 (rc = cti__scan_read_head(&s, fd)) == CTI_OK)
		rc = plan(r, &s, &st, o, path);
	close(fd);
	cti__scan_free(&s);
	return rc;
}

int
cti_sign_file(struct cti_sign_result *res, const cti_seckey *sk,
	      const char *path, const struct cti_sign_opts *o)
{
	struct cti_sign_opts defaults = { .seq = -1 };
	struct cti_sign_result r0, *r = res ? res : &r0;
	struct cti__scan s;
	struct cti__sig *sig = NULL;
	struct cti__out out;
	struct cti__buf text = { 0 };
	unsigned char prehash[CTI_PREHASH_LEN], *rec = NULL, *hdr = NULL;
	unsigned char *m = NULL;
	char *sigpath = NULL;
	struct stat st;
	int fd = -1, rc, out_open = 0, in_stdin;
	long hl;
	size_t rl;

	memset(r, 0, sizeof(*r));
	r->seq = -1;
	memset(&s, 0, sizeof(s));
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!o)
		o = &defaults;
	if (!sk)
		return cti__seterr(CTI_EINVAL, "no key to sign with");
	if ((rc = check_opts(o, path)))
		return rc;
	in_stdin = strcmp(path, "-") == 0;
	r->keyid = cti__le64(sk->keynum);
	r->timestamp = o->timestamp > 0 ? o->timestamp : (int64_t)time(NULL);
	sig = calloc(1, sizeof(*sig));
	m = malloc(CTI_SIGBYTES + CTI_COMMENT_MAX);
	if (!sig || !m) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = o->detached ? cti__open_in(&fd, path) :
				open_locked(&fd, path)))
		goto done;
	if (fstat(fd, &st) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
		goto done;
	}
	if ((rc = cti__scan_init(&s, path)) ||
	    (rc = cti__scan_read_head(&s, fd)) ||
	    (rc = plan(r, &s, &st, o, path)))
		goto done;
	if ((rc = cti__tc_make(sig, o->name ? o->name :
				    in_stdin ? "-" : base_name(path),
			       r->feed[0] ? r->feed : NULL, r->seq, r->expires,
			       r->timestamp))) {
		cti__preferr(rc, "%s", path);
		goto done;
	}
	if (o->detached) {
		if ((rc = scan_rest(&s, fd)))
			goto done;
		cti__scan_final(&s, prehash);
		do_sign(sig, sk, prehash, m);
		if (o->sig_path) {
			sigpath = strdup(o->sig_path);
		} else if (in_stdin) {
			sigpath = strdup("-");
		} else if ((sigpath = malloc(strlen(path) + 9))) {
			sprintf(sigpath, "%s.minisig", path);
		}
		if (!sigpath) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto done;
		}
		if (o->comment) {
			rc = cti__sig_to_text(&text, sig, o->comment);
		} else {
			char c[64], id[17];

			snprintf(c, sizeof(c), "signature from cti secret key %s",
				 cti_keyid_format(id, r->keyid));
			rc = cti__sig_to_text(&text, sig, c);
		}
		if (rc == CTI_OK)
			rc = cti__write_file(sigpath, text.p, text.len, 0644,
					     0);
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
	s.body_sink = out_sink;
	s.ctx = &out;
	if ((rc = scan_rest(&s, fd)))
		goto done;
	cti__scan_final(&s, prehash);
	do_sign(sig, sk, prehash, m);
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
	if (fstat(fd, &st) == 0 &&
	    (uint64_t)st.st_size != s.total - s.strip_len + s.h->len) {
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
	cti__scan_free(&s);
	cti__buf_free(&text);
	free(sigpath);
	free(rec);
	free(hdr);
	free(sig);
	free(m);
	return rc;
}
