/*
 * verify.c - check a file's embedded and detached signatures against
 * trusted keys, then the policy (threshold, expiry, age, feed, replay),
 * and only then hand out the payload.
 *
 * The verifier takes the raw bytes of the file as they come (from a
 * descriptor, or from a download while it is received), in stages:
 *   head    the first bytes are gathered and the gzip header parsed: the
 *           embedded signatures are known, and with them whether any
 *           trusted key signed at all;
 *   body    every signed byte is hashed, and copied aside when the payload
 *           is wanted (a private temporary file, or one beside the output);
 *   checks  the signatures, the signers, the time limits, the feed, the
 *           replay state (read under its lock);
 *   payload only now: written to the output (inflated from the private
 *           copy of what was verified, never the file again);
 *   commit  the replay state records what was accepted, when the caller
 *           has installed what it wanted (cti_verify_commit()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "trust.h"

#define SIGFILE_MAX (64u << 10)
#define READ_BUF (64u << 10)

struct vsig {
	struct cti__sig sig;
	struct cti__tc tc;
	const unsigned char *pk; /* NULL: not a trusted key */
	const char *name;
	int embedded;
	int counted;		 /* trusted, verified */
};

struct cti_verifier {
	struct cti_verify_opts o;
	char *name;
	struct cti__scan scan;
	struct vsig *v;		/* the embedded signatures, then the detached */
	size_t nv;
	struct vsig *det;	/* the detached signature, or NULL */
	int det_looked;		/* a detached signature was looked for */
	struct cti__buf legacy;
	struct cti__out kout;	/* the output, written while hashing */
	int kopen;
	int tfd;		/* the private copy of the signed bytes */
	int err;		/* after a failure every call fails */
	int finished;
};

struct replay_entry {
	char feed[CTI_FEED_MAX + 1];
	uint64_t keyid;
	int64_t seq;
};

struct cti_verify_result {
	size_t n;
	struct cti_signer *s;
	char **names;
	char **comments;
	struct cti__tc *tc;
	enum cti_tlp tlp;
	/* the replay state to record, under the lock held since the check */
	char *state_dir;
	int lock_fd;
	struct replay_entry *rep;
	size_t nrep;
	unsigned char hash[CTI_PREHASH_LEN];
};

/* ------------------------------------------------------------ results */

size_t
cti_verify_count(const cti_verify_result *res)
{
	return res ? res->n : 0;
}

const struct cti_signer *
cti_verify_signer(const cti_verify_result *res, size_t i)
{
	return res && i < res->n ? &res->s[i] : NULL;
}

enum cti_tlp
cti_verify_tlp(const cti_verify_result *res)
{
	return res ? res->tlp : CTI_TLP_NONE;
}

void
cti_verify_result_free(cti_verify_result *res)
{
	size_t i;

	if (!res)
		return;
	cti__lock_release(&res->lock_fd);
	for (i = 0; i < res->n; i++) {
		free(res->names[i]);
		free(res->comments[i]);
	}
	free(res->names);
	free(res->comments);
	free(res->s);
	free(res->tc);
	free(res->rep);
	free(res->state_dir);
	free(res);
}

int
cti_verify_commit(cti_verify_result *res)
{
	size_t i;
	int rc = CTI_OK;

	if (!res)
		return cti__seterr(CTI_EINVAL, "no verification result");
	for (i = 0; i < res->nrep && rc == CTI_OK; i++)
		rc = cti__replay_put(res->state_dir, res->rep[i].feed,
				     res->rep[i].keyid, res->rep[i].seq,
				     res->hash);
	/* recorded once: a second commit has nothing to do */
	res->nrep = 0;
	cti__lock_release(&res->lock_fd);
	return rc;
}

/* ------------------------------------------------------------ helpers */

/* "key 1A2B... (alice)" */
static const char *
who(char buf[128], const struct vsig *v)
{
	char id[17];

	cti_keyid_format(id, cti__le64(v->sig.keynum));
	if (v->name)
		snprintf(buf, 128, "key %s (%.80s)", id, v->name);
	else
		snprintf(buf, 128, "key %s", id);
	return buf;
}

static int
fail(cti_verifier *v, int rc)
{
	if (rc && !v->err)
		v->err = rc;
	return rc;
}

static int
tmp_sink(void *ctx, const void *p, size_t n)
{
	int fd = *(int *)ctx;

	if (cti__write_full(fd, p, n) < 0)
		return cti__seterrno(CTI_EIO, errno, "temporary file");
	return CTI_OK;
}

static int
out_sink(void *ctx, const void *p, size_t n)
{
	return cti__out_write(ctx, p, n);
}

/*
 * Whether the verified gzip can go straight to a temporary file beside
 * output while it is hashed: only for a regular file (or a new one), which
 * is renamed into place after every check passed. Standard output and
 * devices get nothing before that.
 */
static int
direct_output(const char *output)
{
	struct stat st;

	if (strcmp(output, "-") == 0)
		return 0;
	return stat(output, &st) < 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

/* ------------------------------------------------------------ payload */

/*
 * After the checks: the signed bytes in fd (from its start) to out, as
 * they are (keep_gzip) or inflated, and through t (may be NULL) inflated:
 * the payload's TLP (cti_verify_tlp()) is the highest TLP id it names as
 * a marking (cti__tlpscan_feed()).
 * out NULL: only t. An inflation error fails only when out wants it.
 */
static int
payload(int fd, struct cti__out *out, int keep_gzip, struct cti__tlpscan *t,
	const char *name)
{
	struct cti__src src;
	unsigned char *buf;
	ssize_t r = 0;
	int rc = CTI_OK;

	if (out && keep_gzip) {
		if ((rc = cti__out_copy(out, fd, 0)))
			return rc;
		out = NULL;
	}
	if (!out && !t)
		return CTI_OK;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "temporary file");
	if ((rc = cti__src_open(&src, fd, 0, name, NULL, 0)))
		return rc;
	if (out) {
		rc = cti__src_pump(&src, out, t);
	} else if (!(buf = malloc(CTI_IOBUF))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
	} else {
		/* only looking: a payload that does not inflate has no TLP
		 * to tell */
		while ((r = cti__src_read(&src, buf, CTI_IOBUF)) > 0)
			cti__tlpscan_feed(t, buf, (size_t)r);
		if (r < 0)
			t->max = CTI_TLP_NONE;
		free(buf);
	}
	cti__src_close(&src);
	return rc;
}

/* ------------------------------------------------------------ signatures */

/*
 * A detached signature file. implicit: found beside the file rather than
 * named, so it may be missing, and anything but a regular file (a FIFO
 * would block) is refused.
 */
static int
read_sigfile(struct vsig *v, const char *path, int implicit, int *found)
{
	struct stat st;
	char *text;
	ssize_t r;
	int fd, rc;

	*found = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC |
				     (implicit ? O_NONBLOCK : 0))) < 0) {
		if (errno == ENOENT && implicit)
			return CTI_OK;
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	}
	if (implicit && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return cti__seterr(CTI_EIO, "%s: not a regular file", path);
	}
	if (!(text = malloc(SIGFILE_MAX + 1))) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	r = cti__read_full(fd, text, SIGFILE_MAX + 1);
	close(fd);
	if (r < 0)
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
	else if ((size_t)r > SIGFILE_MAX)
		rc = cti__seterr(CTI_ELIMIT, "%s: signature file too large",
				 path);
	else if ((rc = cti__sig_from_text(&v->sig, text, (size_t)r, path)) ==
		 CTI_OK)
		*found = 1;
	free(text);
	return rc;
}

/* ------------------------------------------------------------ stages */

int
cti_verifier_new(cti_verifier **out, const char *name,
		 const struct cti_verify_opts *o)
{
	cti_verifier *v;
	int rc, found;

	*out = NULL;
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!o || !o->keys || cti_keyring_count(o->keys) == 0)
		return cti__seterr(CTI_EINVAL, "no trusted public key given");
	if (o->feed && !cti__feed_ok(o->feed))
		return cti__seterr(CTI_EUSAGE, "feed name \"%.80s\" is not "
				   "valid", o->feed);
	if (!(v = calloc(1, sizeof(*v))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	v->o = *o;
	v->tfd = -1;
	v->kout.fd = -1;
	v->kout.slot = -1;
	if (!(v->name = strdup(name ? name : "-")) ||
	    !(v->det = calloc(1, sizeof(*v->det)))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = cti__scan_init(&v->scan, v->name)))
		goto fail;
	found = 0;
	if (o->sig_path) {
		rc = read_sigfile(v->det, o->sig_path, 0, &found);
		v->det_looked = 1;
	} else if (o->sig_optional && !o->no_detached) {
		rc = read_sigfile(v->det, o->sig_optional, 1, &found);
		v->det_looked = 1;
	}
	if (rc)
		goto fail;
	if (!found) {
		free(v->det);
		v->det = NULL;
	}
	*out = v;
	return CTI_OK;
fail:
	cti_verifier_free(v);
	return rc;
}

int
cti_verifier_detached(cti_verifier *v, const char *text, size_t len)
{
	int rc;

	if (!v || v->err || v->scan.head_len || v->finished)
		return cti__seterr(CTI_EINVAL,
				   "a detached signature comes before the "
				   "file's bytes");
	if (!v->det && !(v->det = calloc(1, sizeof(*v->det))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__sig_from_text(&v->det->sig, text, len, v->name))) {
		free(v->det);
		v->det = NULL;
		return rc;
	}
	v->det_looked = 1;
	return CTI_OK;
}

void
cti_verifier_free(cti_verifier *v)
{
	if (!v)
		return;
	if (v->kopen)
		cti__out_abort(&v->kout);
	if (v->tfd >= 0)
		close(v->tfd);
	cti__scan_free(&v->scan);
	cti__buf_free(&v->legacy);
	free(v->v);
	free(v->det);
	free(v->name);
	free(v);
}

/*
 * The head is parsed: gather the signatures, refuse what can be refused
 * before a byte is hashed (none at all, only untrusted keys, a legacy one
 * not allowed), set up the copy of the signed bytes, and start hashing.
 */
static int
start_body(cti_verifier *v)
{
	struct cti__scan *s = &v->scan;
	size_t i, nemb = s->gzip ? s->h->nsig : 0, trusted = 0;
	int rc, legacy = 0;
	char w[128], id[17];

	if (!(v->v = calloc(nemb + 1, sizeof(*v->v))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (i = 0; i < nemb; i++) {
		if ((rc = cti__sig_from_binary(&v->v[i].sig,
					       s->head + s->h->sig[i].off + 4,
					       s->h->sig[i].len, v->name)))
			return rc;
		v->v[i].embedded = 1;
	}
	v->nv = nemb;
	if (v->det)
		v->v[v->nv++] = *v->det;
	if (v->nv == 0)
		return cti__seterr(CTI_ENOSIG,
				   "%s: no signature: none embedded%s", v->name,
				   v->det_looked ? " and no detached one" : "");
	for (i = 0; i < v->nv; i++) {
		struct vsig *x = &v->v[i];

		if (!(x->pk = cti__keyring_find(v->o.keys, x->sig.keynum,
						&x->name)))
			continue; /* another key's: ignored, legacy or not */
		trusted++;
		if (memcmp(x->sig.alg, "Ed", 2) == 0) {
			if (!v->o.legacy)
				return cti__seterr(CTI_ELEGACY,
						   "%s: legacy: signature by "
						   "%s is not prehashed",
						   v->name, who(w, x));
			legacy = 1;
		}
	}
	if (trusted == 0)
		return cti__seterr(CTI_EUNTRUSTED,
				   "%s: untrusted: signed only by unknown key%s "
				   "(%s%s)", v->name, v->nv > 1 ? "s" : "",
				   cti_keyid_format(id,
						    cti__le64(v->v[0].sig.keynum)),
				   v->nv > 1 ? ", ..." : "");
	if (v->o.output && v->o.keep_gzip && direct_output(v->o.output)) {
		if ((rc = cti__out_open(&v->kout, v->o.output, 0, 0)))
			return rc;
		v->kopen = 1;
		s->sink = out_sink;
		s->ctx = &v->kout;
	} else if (v->o.output || v->o.tlp) {
		if ((rc = cti__tmpfile(&v->tfd)))
			return rc;
		s->sink = tmp_sink;
		s->ctx = &v->tfd;
	}
	if (legacy)
		s->legacy = &v->legacy;
	return cti__scan_start(s);
}

/* A verifier that can take more: not failed, not finished. */
static int
usable(cti_verifier *v)
{
	if (!v)
		return cti__seterr(CTI_EINVAL, "no verifier");
	if (v->err)
		return v->err;
	if (v->finished)
		return fail(v, cti__seterr(CTI_EINVAL, "%s: verification "
					   "finished already", v->name));
	return CTI_OK;
}

int
cti_verifier_update(cti_verifier *v, const void *p, size_t n)
{
	const unsigned char *q = p;
	int rc;

	if ((rc = usable(v)))
		return rc;
	if (!v->scan.started) {
		if ((rc = cti__scan_head(&v->scan, &q, &n, 0)) <= 0)
			return fail(v, rc);
		if ((rc = start_body(v)))
			return fail(v, rc);
	}
	return fail(v, cti__scan_update(&v->scan, q, n));
}

/* Every signature by a trusted key verifies, and its comment parses. */
static int
check_signatures(cti_verifier *v, const unsigned char prehash[64],
		 size_t *counted, size_t *distinct)
{
	unsigned char *m;
	char w[128];
	size_t i, j;
	int rc = CTI_OK;

	*counted = *distinct = 0;
	if (!(m = malloc(CTI_SIGBYTES + CTI_COMMENT_MAX)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (i = 0; i < v->nv; i++) {
		struct vsig *x = &v->v[i];
		int bad, ok;

		if (!x->pk)
			continue;
		if (memcmp(x->sig.alg, "Ed", 2) == 0)
			ok = crypto_sign_verify_detached(
				     x->sig.sig, (unsigned char *)v->legacy.p,
				     v->legacy.len, x->pk) == 0;
		else
			ok = crypto_sign_verify_detached(x->sig.sig, prehash,
							 CTI_PREHASH_LEN,
							 x->pk) == 0;
		if (!ok) {
			rc = cti__seterr(CTI_EBADSIG,
					 "%s: bad signature: %s signature by "
					 "%s does not verify", v->name,
					 x->embedded ? "embedded" : "detached",
					 who(w, x));
			break;
		}
		memcpy(m, x->sig.sig, CTI_SIGBYTES);
		memcpy(m + CTI_SIGBYTES, x->sig.comment, x->sig.comment_len);
		if (crypto_sign_verify_detached(x->sig.global, m,
						CTI_SIGBYTES + x->sig.comment_len,
						x->pk) != 0) {
			rc = cti__seterr(CTI_EBADSIG,
					 "%s: bad signature: trusted comment "
					 "of the signature by %s does not "
					 "verify", v->name, who(w, x));
			break;
		}
		cti__tc_parse(&x->tc, x->sig.comment, &bad);
		if (bad) {
			rc = cti__seterr(CTI_EFORMAT,
					 "%s: malformed trusted comment in the "
					 "signature by %s", v->name, who(w, x));
			break;
		}
		x->counted = 1;
		(*counted)++;
		/* signers are keys, not key ids: one key under two ids
		 * counts once */
		for (j = 0; j < i; j++)
			if (v->v[j].counted &&
			    memcmp(v->v[j].pk, x->pk, CTI_PKBYTES) == 0)
				break;
		if (j < i) {
			/* and what one key signed in one file must agree,
			 * or an older release could be spliced in */
			struct vsig *y = &v->v[j];

			if ((x->tc.feed == NULL) != (y->tc.feed == NULL) ||
			    (x->tc.feed && strcmp(x->tc.feed, y->tc.feed)) ||
			    x->tc.seq != y->tc.seq) {
				rc = cti__seterr(CTI_EREPLAY,
						 "%s: replay: signatures by %s "
						 "disagree on feed or seq",
						 v->name, who(w, x));
				break;
			}
		} else {
			(*distinct)++;
		}
	}
	free(m);
	return rc;
}

/* Expiry, age and feed of every counted signature. */
static int
check_policy(cti_verifier *v)
{
	int64_t now = v->o.now ? v->o.now : (int64_t)time(NULL);
	char w[128], t[32];
	size_t i;

	for (i = 0; i < v->nv; i++) {
		struct vsig *x = &v->v[i];

		if (!x->counted)
			continue;
		if (x->tc.expires > 0 && x->tc.expires <= now)
			return cti__seterr(CTI_EEXPIRED,
					   "%s: expired: signature by %s "
					   "expired at %s", v->name, who(w, x),
					   cti_format_time(t, sizeof(t),
							   x->tc.expires));
		if (v->o.max_age > 0 &&
		    (x->tc.timestamp < 0 ||
		     x->tc.timestamp < now - v->o.max_age))
			return cti__seterr(CTI_EEXPIRED,
					   "%s: max-age: signature by %s %s%s "
					   "is older than allowed", v->name,
					   who(w, x),
					   x->tc.timestamp < 0 ?
						   "has no timestamp" :
						   "made at ",
					   x->tc.timestamp < 0 ?
						   "" :
						   cti_format_time(
							   t, sizeof(t),
							   x->tc.timestamp));
		if (v->o.feed &&
		    (!x->tc.feed || strcmp(x->tc.feed, v->o.feed) != 0))
			return cti__seterr(CTI_EPOLICY,
					   "%s: feed: signature by %s is for "
					   "feed \"%.64s\", not \"%.64s\"",
					   v->name, who(w, x),
					   x->tc.feed ? x->tc.feed : "(none)",
					   v->o.feed);
	}
	return CTI_OK;
}

/*
 * Against the replay state, under its lock (kept in r until the state is
 * recorded or r freed): each counted signature's seq must be above the
 * last accepted for its feed and key, or equal with the same signed bytes.
 */
static int
check_replay(cti_verifier *v, cti_verify_result *r,
	     const unsigned char prehash[64])
{
	unsigned char last_hash[64];
	char w[128];
	int64_t last;
	size_t i, j;
	long wait;
	int rc;

	if (!(r->state_dir = strdup(v->o.state_dir)) ||
	    !(r->rep = calloc(v->nv, sizeof(*r->rep))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memcpy(r->hash, prehash, CTI_PREHASH_LEN);
	wait = v->o.lock_wait < 0 ? 0 :
	       v->o.lock_wait == 0 ? CTI__LOCK_WAIT_MS :
	       v->o.lock_wait > 86400 ? 86400000L :
					(long)v->o.lock_wait * 1000;
	if ((rc = cti__replay_lock(&r->lock_fd, v->o.state_dir, wait)))
		return rc;
	for (i = 0; i < v->nv; i++) {
		struct vsig *x = &v->v[i];
		uint64_t id = cti__le64(x->sig.keynum);

		if (!x->counted)
			continue;
		if (!x->tc.feed || x->tc.seq < 0)
			return cti__seterr(CTI_EREPLAY,
					   "%s: replay: signature by %s has no "
					   "feed and seq: cannot check for "
					   "replay", v->name, who(w, x));
		if (!cti__feed_ok(x->tc.feed))
			return cti__seterr(CTI_EPOLICY,
					   "%s: feed: signature by %s names an "
					   "unusable feed", v->name, who(w, x));
		if ((rc = cti__replay_get(&last, last_hash, v->o.state_dir,
					  x->tc.feed, id)))
			return rc;
		if (x->tc.seq < last)
			return cti__seterr(CTI_EREPLAY,
					   "%s: replay: seq %" PRId64 " of feed "
					   "%s by %s is lower than %" PRId64
					   ", the last accepted", v->name,
					   x->tc.seq, x->tc.feed, who(w, x),
					   last);
		if (x->tc.seq == last &&
		    sodium_memcmp(last_hash, prehash, 64) != 0)
			return cti__seterr(CTI_EREPLAY,
					   "%s: replay: seq %" PRId64 " of feed "
					   "%s by %s was accepted before with "
					   "other content", v->name, x->tc.seq,
					   x->tc.feed, who(w, x));
		for (j = 0; j < r->nrep; j++)
			if (r->rep[j].keyid == id &&
			    strcmp(r->rep[j].feed, x->tc.feed) == 0)
				break;
		if (j == r->nrep) {
			snprintf(r->rep[j].feed, sizeof(r->rep[j].feed), "%s",
				 x->tc.feed);
			r->rep[j].keyid = id;
			r->rep[j].seq = x->tc.seq;
			r->nrep++;
		}
	}
	return CTI_OK;
}

/* The counted signatures, copied into r. */
static int
fill_result(cti_verify_result *r, const cti_verifier *v, size_t counted)
{
	size_t i;

	if (!(r->s = calloc(counted, sizeof(*r->s))) ||
	    !(r->names = calloc(counted, sizeof(char *))) ||
	    !(r->comments = calloc(counted, sizeof(char *))) ||
	    !(r->tc = calloc(counted, sizeof(*r->tc))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (i = 0; i < v->nv; i++) {
		const struct vsig *x = &v->v[i];
		struct cti_signer *g = &r->s[r->n];

		if (!x->counted)
			continue;
		r->tc[r->n] = x->tc;
		r->names[r->n] = strdup(x->name ? x->name : "");
		r->comments[r->n] = strdup(x->sig.comment);
		r->n++;
		if (!r->names[r->n - 1] || !r->comments[r->n - 1])
			return cti__seterr(CTI_ENOMEM, "out of memory");
		g->keyid = cti__le64(x->sig.keynum);
		g->name = r->names[r->n - 1];
		g->trusted_comment = r->comments[r->n - 1];
		g->embedded = x->embedded;
		g->legacy = memcmp(x->sig.alg, "Ed", 2) == 0;
		g->timestamp = x->tc.timestamp;
		g->seq = x->tc.seq;
		g->expires = x->tc.expires;
		/* point into the result's own copy of the fields */
		g->file = x->tc.file ? r->tc[r->n - 1].buf +
					       (x->tc.file - x->tc.buf) :
				       NULL;
		g->feed = x->tc.feed ? r->tc[r->n - 1].buf +
					       (x->tc.feed - x->tc.buf) :
				       NULL;
	}
	return CTI_OK;
}

int
cti_verifier_finish(cti_verify_result **out, cti_verifier *v)
{
	unsigned char prehash[CTI_PREHASH_LEN];
	cti_verify_result *r = NULL;
	struct cti__tlpscan tlp = { .max = CTI_TLP_NONE };
	struct cti__out pout;
	size_t counted, distinct;
	unsigned threshold;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = usable(v)))
		return rc;
	v->finished = 1;
	if (!v->scan.started) {
		const unsigned char *q = NULL;
		size_t n = 0;

		if ((rc = cti__scan_head(&v->scan, &q, &n, 1)) < 0 ||
		    (rc = start_body(v)))
			return fail(v, rc);
	}
	cti__scan_final(&v->scan, prehash);
	if ((rc = check_signatures(v, prehash, &counted, &distinct)))
		return fail(v, rc);
	threshold = v->o.threshold ? v->o.threshold : 1;
	if (distinct < threshold)
		return fail(v, cti__seterr(CTI_ETHRESHOLD,
					   "%s: threshold: %zu trusted signer%s, "
					   "%u required", v->name, distinct,
					   distinct == 1 ? "" : "s",
					   threshold));
	if ((rc = check_policy(v)))
		return fail(v, rc);
	if (!(r = calloc(1, sizeof(*r))))
		return fail(v, cti__seterr(CTI_ENOMEM, "out of memory"));
	r->lock_fd = -1;
	if (v->o.state_dir && (rc = check_replay(v, r, prehash)))
		goto err;
	/* every check passed: now the payload */
	if (v->kopen) {
		/* an error leaves kopen set: cti_verifier_free() removes the
		 * temporary file */
		if (v->o.tlp &&
		    (rc = payload(v->kout.fd, NULL, 0, &tlp, v->name)))
			goto err;
		v->kopen = 0;
		if ((rc = cti__out_commit(&v->kout)))
			goto err;
	} else if (v->o.output) {
		if ((rc = cti__out_open(&pout, v->o.output, 0, 0)))
			goto err;
		if ((rc = payload(v->tfd, &pout, v->o.keep_gzip,
				  v->o.tlp ? &tlp : NULL, v->name))) {
			cti__out_abort(&pout);
			goto err;
		}
		if ((rc = cti__out_commit(&pout)))
			goto err;
	} else if (v->o.tlp && (rc = payload(v->tfd, NULL, 0, &tlp, v->name))) {
		goto err;
	}
	r->tlp = tlp.max;
	if ((rc = fill_result(r, v, counted)))
		goto err;
	if (out)
		*out = r;
	else
		cti_verify_result_free(r);
	return CTI_OK;
err:
	cti_verify_result_free(r);
	return fail(v, rc);
}

int
cti__verifier_signed(const cti_verifier *v, const unsigned char **head,
		     size_t *head_len, uint64_t *from)
{
	if (!v || !v->scan.started)
		return cti__seterr(CTI_EINVAL, "no verified file");
	*head = v->scan.gzip ? v->scan.strip : NULL;
	*head_len = v->scan.gzip ? v->scan.strip_len : 0;
	*from = v->scan.gzip ? (uint64_t)v->scan.h->len : 0;
	return CTI_OK;
}

/* ------------------------------------------------------------ whole files */

int
cti_verify_fd(cti_verify_result **out, int fd, const char *name,
	      const struct cti_verify_opts *o)
{
	cti_verifier *v = NULL;
	cti_verify_result *r = NULL;
	unsigned char *buf = NULL;
	struct stat st;
	uint64_t total = 0, done = 0;
	ssize_t n;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = cti_verifier_new(&v, name, o)))
		return rc;
	/* below malloc's mmap threshold: reads into a fresh mmap()ed buffer
	 * were measured 30% slower (kernel copy) than into heap memory */
	if (!(buf = malloc(READ_BUF))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	if (o->progress && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		total = (uint64_t)st.st_size;
	while ((n = cti__read_full(fd, buf, READ_BUF)) > 0) {
		if ((rc = cti_verifier_update(v, buf, (size_t)n)))
			goto out;
		done += (uint64_t)n;
		if (o->progress)
			o->progress(o->progress_ctx, done, total);
	}
	if (n < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", name);
		goto out;
	}
	if ((rc = cti_verifier_finish(&r, v)) || (rc = cti_verify_commit(r)))
		goto out;
	if (out) {
		*out = r;
		r = NULL;
	}
out:
	cti_verify_result_free(r);
	cti_verifier_free(v);
	free(buf);
	return rc;
}

int
cti_verify_file(cti_verify_result **out, const char *path,
		const struct cti_verify_opts *o)
{
	struct cti_verify_opts oo;
	char *sigpath = NULL;
	int fd, rc;

	if (out)
		*out = NULL;
	if (!path || !o)
		return cti__seterr(CTI_EINVAL, "no file to verify");
	oo = *o;
	if (strcmp(path, "-") != 0) {
		if (!(sigpath = malloc(strlen(path) + 9)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		sprintf(sigpath, "%s.minisig", path);
		oo.sig_optional = sigpath;
	}
	if ((rc = cti__open_in(&fd, path)) == CTI_OK) {
		rc = cti_verify_fd(out, fd, path, &oo);
		close(fd);
	}
	free(sigpath);
	return rc;
}
