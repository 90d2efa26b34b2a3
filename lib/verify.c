/*
 * verify.c - check a file's embedded and detached signatures against
 * trusted keys, then the policy (threshold, expiry, age, feed, replay),
 * and only then hand out the payload.
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

#include "trust.h"

#define SIGFILE_MAX (64u << 10)

struct vsig {
	struct cti__sig sig;
	struct cti__tc tc;
	struct cti_signer pub;
	const unsigned char *pk; /* NULL: not a trusted key */
	const char *name;
	int embedded;
};

struct cti_verify_result {
	size_t n;
	struct cti_signer *s;
	char **names;
	char **comments;
	struct cti__tc *tc;
};

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

void
cti_verify_result_free(cti_verify_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n; i++) {
		free(res->names[i]);
		free(res->comments[i]);
	}
	free(res->names);
	free(res->comments);
	free(res->s);
	free(res->tc);
	free(res);
}

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
read_sigfile(struct vsig *v, const char *path, int must_exist, int *found)
{
	char *text;
	ssize_t r;
	int fd, rc;

	*found = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && !must_exist)
			return CTI_OK;
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	}
	if (!(text = malloc(SIGFILE_MAX + 1))) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	r = cti__read_full(fd, text, SIGFILE_MAX + 1);
	close(fd);
	if (r < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
	} else if ((size_t)r > SIGFILE_MAX) {
		rc = cti__seterr(CTI_ELIMIT, "%s: signature file too large",
				path);
	} else {
		rc = cti__sig_from_text(&v->sig, text, (size_t)r, path);
		*found = rc == CTI_OK;
	}
	free(text);
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

/* Write the verified bytes in tfd (the signed bytes) to output. */
static int
write_output(int tfd, const char *output, int keep_gzip, const char *name)
{
	struct cti__out out;
	struct cti__src src;
	unsigned char *buf;
	ssize_t r;
	int rc;

	if (lseek(tfd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "temporary file");
	if (!(buf = malloc(CTI_IOBUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__out_open(&out, output, 0, 0))) {
		free(buf);
		return rc;
	}
	if (keep_gzip) {
		while ((r = cti__read_full(tfd, buf, CTI_IOBUF)) > 0)
			if ((rc = cti__out_write(&out, buf, (size_t)r)))
				break;
		if (r < 0)
			rc = cti__seterrno(CTI_EIO, errno, "temporary file");
	} else if ((rc = cti__src_open(&src, tfd, 0, name, NULL, 0)) == CTI_OK) {
		while ((r = cti__src_read(&src, buf, CTI_IOBUF)) > 0)
			if ((rc = cti__out_write(&out, buf, (size_t)r)))
				break;
		if (r < 0)
			rc = (int)r;
		cti__src_close(&src);
	}
	free(buf);
	if (rc) {
		cti__out_abort(&out);
		return rc;
	}
	return cti__out_commit(&out);
}

/* ------------------------------------------------------------ replay */

struct seen {
	char *path;	/* state file */
	int64_t seq;
	char line[200];	/* to write */
};

static int
state_check(struct seen *st, const char *state_dir, const struct vsig *v,
	    const unsigned char prehash[64], const char *name)
{
	char id[17], hex[129], buf[256], w[128];
	int64_t last;
	ssize_t r;
	int fd;

	cti_keyid_format(id, cti__le64(v->sig.keynum));
	if (!v->tc.feed || v->tc.seq < 0)
		return cti__seterr(CTI_EREPLAY,
				  "%s: replay: signature by %s has no feed and "
				  "seq: cannot check for replay", name,
				  who(w, v));
	if (!cti__feed_ok(v->tc.feed))
		return cti__seterr(CTI_EPOLICY,
				  "%s: feed: signature by %s names an unusable "
				  "feed", name, who(w, v));
	if (!(st->path = malloc(strlen(state_dir) + strlen(v->tc.feed) + 40)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	sprintf(st->path, "%s/accepted/%s/%s", state_dir, v->tc.feed, id);
	st->seq = v->tc.seq;
	sodium_bin2hex(hex, sizeof(hex), prehash, 64);
	snprintf(st->line, sizeof(st->line), "%" PRId64 " %s\n", v->tc.seq,
		 hex);
	if ((fd = open(st->path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return CTI_OK;
		return cti__seterrno(CTI_EIO, errno, "%s", st->path);
	}
	r = cti__read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", st->path);
	buf[r] = '\0';
	{
		char *sp = strchr(buf, ' ');
		char *end;

		errno = 0;
		last = sp ? strtoll(buf, &end, 10) : -1;
		if (!sp || end != sp || errno || last < 0 ||
		    strlen(sp + 1) != 129 || sp[129] != '\n')
			return cti__seterr(CTI_EFORMAT, "%s: corrupt replay state",
					  st->path);
		if (v->tc.seq < last)
			return cti__seterr(CTI_EREPLAY,
					  "%s: replay: seq %" PRId64 " of feed "
					  "%s by %s is lower than %" PRId64
					  ", the last accepted", name,
					  v->tc.seq, v->tc.feed, who(w, v),
					  last);
		if (v->tc.seq == last && memcmp(sp + 1, hex, 128) != 0)
			return cti__seterr(CTI_EREPLAY,
					  "%s: replay: seq %" PRId64 " of feed "
					  "%s by %s was accepted before with "
					  "other content", name, v->tc.seq,
					  v->tc.feed, who(w, v));
	}
	return CTI_OK;
}

static int
state_commit(struct seen *st, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		char *d = strdup(st[i].path), *slash;

		if (!d)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		if ((slash = strrchr(d, '/')))
			*slash = '\0';
		rc = cti__mkdirs(d);
		free(d);
		if (rc || (rc = cti__write_file(st[i].path, st[i].line,
					       strlen(st[i].line), 0600,
					       CTI__OUT_EXACT_MODE)))
			return rc;
	}
	return CTI_OK;
}

/* ------------------------------------------------------------ verify */

int
cti_verify_file(cti_verify_result **out, const char *path,
		const struct cti_verify_opts *o)
{
	struct cti__scan s;
	struct vsig *v = NULL;
	struct seen *st = NULL;
	struct cti__buf legacy = { 0 };
	unsigned char prehash[64], *m = NULL;
	char w[128], *sigpath = NULL;
	size_t nv = 0, i, j, counted = 0, distinct = 0, nst = 0;
	struct cti__out kout = { .fd = -1 };
	int fd = -1, tfd = -1, lfd = -1, rc, any_legacy = 0, found, kopen = 0;
	int64_t now;
	unsigned threshold;

	if (out)
		*out = NULL;
	memset(&s, 0, sizeof(s));
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!o || !o->keys || cti_keyring_count(o->keys) == 0)
		return cti__seterr(CTI_EINVAL, "no trusted public key given");
	threshold = o->threshold ? o->threshold : 1;
	now = o->now ? o->now : (int64_t)time(NULL);
	if ((rc = cti__open_in(&fd, path)))
		return rc;
	if ((rc = cti__scan_open(&s, fd, path)))
		goto done;
	if (!(v = calloc((s.gzip ? s.h->nsig : 0) + 1, sizeof(*v)))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; s.gzip && i < s.h->nsig; i++) {
		if ((rc = cti__sig_from_binary(&v[nv].sig,
					      s.head + s.h->sig[i].off + 4,
					      s.h->sig[i].len, path)))
			goto done;
		v[nv++].embedded = 1;
	}
	if (o->sig_path) {
		if ((rc = read_sigfile(&v[nv], o->sig_path, 1, &found)))
			goto done;
		nv++;
	} else if (!o->no_detached && strcmp(path, "-") != 0) {
		if (!(sigpath = malloc(strlen(path) + 9))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto done;
		}
		sprintf(sigpath, "%s.minisig", path);
		if ((rc = read_sigfile(&v[nv], sigpath, 0, &found)))
			goto done;
		nv += found;
	}
	if (nv == 0) {
		rc = cti__seterr(CTI_ENOSIG, "%s: no signature: none embedded%s",
				path, sigpath ? " and no .minisig file" : "");
		goto done;
	}
	for (i = 0; i < nv; i++) {
		v[i].pk = cti__keyring_find(o->keys, v[i].sig.keynum,
					   &v[i].name);
		if (memcmp(v[i].sig.alg, "Ed", 2) == 0) {
			if (!o->legacy) {
				rc = cti__seterr(CTI_ELEGACY,
						"%s: legacy: signature by %s is "
						"not prehashed (minisign -l); "
						"refused without --legacy",
						path, who(w, &v[i]));
				goto done;
			}
			any_legacy = 1;
		}
	}
	if (o->output && o->keep_gzip && direct_output(o->output)) {
		if ((rc = cti__out_open(&kout, o->output, 0, 0)))
			goto done;
		kopen = 1;
		rc = cti__scan_hash(&s, prehash, out_sink, NULL, &kout,
				   any_legacy ? &legacy : NULL);
	} else {
		if (o->output && (rc = cti__tmpfile(&tfd)))
			goto done;
		rc = cti__scan_hash(&s, prehash, tfd >= 0 ? tmp_sink : NULL,
				   NULL, &tfd, any_legacy ? &legacy : NULL);
	}
	if (rc)
		goto done;

	/* every signature by a trusted key must verify */
	if (!(m = malloc(CTI_SIGBYTES + CTI_COMMENT_MAX))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < nv; i++) {
		struct vsig *x = &v[i];
		int bad, ok;

		if (!x->pk)
			continue;
		if (memcmp(x->sig.alg, "Ed", 2) == 0)
			ok = crypto_sign_verify_detached(
				     x->sig.sig, (unsigned char *)legacy.p,
				     legacy.len, x->pk) == 0;
		else
			ok = crypto_sign_verify_detached(x->sig.sig, prehash,
							 64, x->pk) == 0;
		if (!ok) {
			rc = cti__seterr(CTI_EBADSIG,
					"%s: bad signature: %s signature by %s "
					"does not verify", path,
					x->embedded ? "embedded" : "detached",
					who(w, x));
			goto done;
		}
		memcpy(m, x->sig.sig, CTI_SIGBYTES);
		memcpy(m + CTI_SIGBYTES, x->sig.comment, x->sig.comment_len);
		if (crypto_sign_verify_detached(x->sig.global, m,
						CTI_SIGBYTES + x->sig.comment_len,
						x->pk) != 0) {
			rc = cti__seterr(CTI_EBADSIG,
					"%s: bad signature: trusted comment of "
					"the signature by %s does not verify",
					path, who(w, x));
			goto done;
		}
		cti__tc_parse(&x->tc, x->sig.comment, &bad);
		if (bad) {
			rc = cti__seterr(CTI_EFORMAT,
					"%s: malformed trusted comment in the "
					"signature by %s", path, who(w, x));
			goto done;
		}
		counted++;
		for (j = 0; j < i; j++)
			if (v[j].pk && memcmp(v[j].sig.keynum, x->sig.keynum,
					      CTI_KEYNUM_LEN) == 0)
				break;
		distinct += j == i;
	}
	if (counted == 0) {
		char id[17];

		rc = cti__seterr(CTI_EUNTRUSTED,
				"%s: untrusted: signed only by unknown key%s "
				"(%s%s)", path, nv > 1 ? "s" : "",
				cti_keyid_format(id, cti__le64(v[0].sig.keynum)),
				nv > 1 ? ", ..." : "");
		goto done;
	}
	if (distinct < threshold) {
		rc = cti__seterr(CTI_ETHRESHOLD,
				"%s: threshold: %zu trusted signer%s, %u "
				"required", path, distinct,
				distinct == 1 ? "" : "s", threshold);
		goto done;
	}
	for (i = 0; i < nv; i++) {
		struct vsig *x = &v[i];
		char t[32];

		if (!x->pk)
			continue;
		if (x->tc.expires > 0 && x->tc.expires <= now) {
			rc = cti__seterr(CTI_EEXPIRED,
					"%s: expired: signature by %s expired "
					"at %s", path, who(w, x),
					cti_format_time(t, sizeof(t),
							x->tc.expires));
			goto done;
		}
		if (o->max_age > 0 &&
		    (x->tc.timestamp < 0 || x->tc.timestamp < now - o->max_age)) {
			rc = cti__seterr(CTI_EEXPIRED,
					"%s: max-age: signature by %s %s%s is "
					"older than allowed", path, who(w, x),
					x->tc.timestamp < 0 ? "has no timestamp"
							    : "made at ",
					x->tc.timestamp < 0 ?
						"" :
						cti_format_time(t, sizeof(t),
								x->tc.timestamp));
			goto done;
		}
		if (o->feed && (!x->tc.feed || strcmp(x->tc.feed, o->feed))) {
			rc = cti__seterr(CTI_EPOLICY,
					"%s: feed: signature by %s is for feed "
					"\"%.64s\", not \"%.64s\"", path,
					who(w, x),
					x->tc.feed ? x->tc.feed : "(none)",
					o->feed);
			goto done;
		}
	}
	if (o->state_dir) {
		char *lock = malloc(strlen(o->state_dir) + 32);

		if (!lock) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto done;
		}
		sprintf(lock, "%s/accepted", o->state_dir);
		if ((rc = cti__mkdirs(lock)) == CTI_OK) {
			strcat(lock, "/.lock");
			rc = cti__lock_file(&lfd, lock);
		}
		free(lock);
		if (rc)
			goto done;
		if (!(st = calloc(nv, sizeof(*st)))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < nv; i++) {
			if (!v[i].pk)
				continue;
			rc = state_check(&st[nst], o->state_dir, &v[i],
					 prehash, path);
			nst++;
			if (rc)
				goto done;
		}
	}
	/* every check passed: now the payload, then the state */
	if (kopen) {
		kopen = 0;
		if ((rc = cti__out_commit(&kout)))
			goto done;
	} else if (o->output &&
		   (rc = write_output(tfd, o->output, o->keep_gzip, path))) {
		goto done;
	}
	if (st && (rc = state_commit(st, nst)))
		goto done;
	if (out) {
		cti_verify_result *r = calloc(1, sizeof(*r));

		if (!r || !(r->s = calloc(counted, sizeof(*r->s))) ||
		    !(r->names = calloc(counted, sizeof(char *))) ||
		    !(r->comments = calloc(counted, sizeof(char *))) ||
		    !(r->tc = calloc(counted, sizeof(*r->tc)))) {
			cti_verify_result_free(r);
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto done;
		}
		for (i = 0; i < nv; i++) {
			struct vsig *x = &v[i];
			struct cti_signer *g = &r->s[r->n];

			if (!x->pk)
				continue;
			r->tc[r->n] = x->tc;
			r->names[r->n] = strdup(x->name ? x->name : "");
			r->comments[r->n] = strdup(x->sig.comment);
			if (!r->names[r->n] || !r->comments[r->n]) {
				r->n++;
				cti_verify_result_free(r);
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				goto done;
			}
			g->keyid = cti__le64(x->sig.keynum);
			g->name = r->names[r->n];
			g->trusted_comment = r->comments[r->n];
			g->embedded = x->embedded;
			g->legacy = memcmp(x->sig.alg, "Ed", 2) == 0;
			g->timestamp = x->tc.timestamp;
			g->seq = x->tc.seq;
			g->expires = x->tc.expires;
			/* point into the result's own copy of the fields */
			g->file = x->tc.file ? r->tc[r->n].buf +
						       (x->tc.file - x->tc.buf) :
					       NULL;
			g->feed = x->tc.feed ? r->tc[r->n].buf +
						       (x->tc.feed - x->tc.buf) :
					       NULL;
			r->n++;
		}
		*out = r;
	}
	rc = CTI_OK;
done:
	if (kopen)
		cti__out_abort(&kout);
	if (st) {
		for (i = 0; i < nv; i++)
			free(st[i].path);
		free(st);
	}
	if (lfd >= 0)
		close(lfd);
	if (tfd >= 0)
		close(tfd);
	if (fd >= 0)
		close(fd);
	cti__scan_close(&s);
	cti__buf_free(&legacy);
	free(m);
	free(v);
	free(sigpath);
	return rc;
}
