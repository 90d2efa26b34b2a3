/*
 * pull.c - cti pull: keep a verified local copy of a remote bundle file
 * current, written once above every backend of the transport layer.
 *
 * One run: take the source's lock; ask with the validators of the last
 * good copy (304: done); receive into STATE/partial, resuming what an
 * earlier attempt left, while the staged verifier hashes each byte as it
 * arrives; finish the checks; write the output; put the partial in the
 * place of the last good copy; record the validators and the replay state.
 * Whatever fails, the last good copy, the output and the state stay as
 * they were (see cti.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net.h"
#include "state.h"
#include "trust.h"

/* Longest readable part of a state directory's name. */
#define NAME_MAX_READABLE 80
/* Largest lock file read for its holder's pid. */
#define PID_MAX 32
/* The hand-over between the receiving thread (which writes the partial)
 * and the one that hashes: this many buffers of this size. */
#define PIPE_SLOTS 32
#define PIPE_SLOT (256u << 10)
/* Write-back of the partial is started every this many bytes, so that the
 * fsync before it is installed has little left to do. */
#define WRITEBACK_STEP (32u << 20)

/* ------------------------------------------------------------ state name */

/* Append s[0..n) to b with every byte but [A-Za-z0-9.-] as one '_' per
 * run, up to NAME_MAX_READABLE bytes in all. */
static int
put_safe(struct cti__buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && b->len < NAME_MAX_READABLE; i++) {
		unsigned char c = (unsigned char)s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '-';

		if (!ok && b->len && b->p[b->len - 1] == '_')
			continue;
		if (cti__buf_putc(b, ok ? c : '_'))
			return -1;
	}
	return 0;
}

/* The source as pull knows it: a URL as given, a file by its absolute
 * path; *readable the part of it that goes into the name. malloc'd. */
static int
canonical(char **out, const char *src, struct cti__buf *readable)
{
	struct cti__url u;
	int rc;

	*out = NULL;
	if (strncmp(src, "s3://", 5) == 0) {
		/* BUCKET/KEY, the key's bytes as they are */
		if (put_safe(readable, src + 5, strlen(src + 5)) ||
		    !(*out = strdup(src)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		return CTI_OK;
	}
	if (strstr(src, "://")) {
		if ((rc = cti__url_parse(&u, src)))
			return rc;
		rc = put_safe(readable, u.host, strlen(u.host)) ||
		     cti__buf_putc(readable, '_') ||
		     put_safe(readable, u.port, strlen(u.port)) ||
		     put_safe(readable, u.path, strlen(u.path)) ?
			     cti__seterr(CTI_ENOMEM, "out of memory") :
			     CTI_OK;
		cti__url_free(&u);
		if (rc)
			return rc;
		if (!(*out = strdup(src)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		return CTI_OK;
	}
	if (!(*out = cti__resolve(src)))
		return cti__seterrno(CTI_EIO, errno, "%s", src);
	if (put_safe(readable, *out + 1, strlen(*out + 1)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}

/* The first 16 hex digits of the BLAKE2b-256 of s. */
static void
short_hash(char out[17], const char *s)
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s),
			   NULL, 0);
	sodium_bin2hex(out, 17, h, 8);
}

int
cti_pull_state_dir(char **out, const char *src)
{
	struct cti__buf name = { 0 };
	char *canon = NULL, *base = NULL, hash[17];
	size_t lead;
	int rc;

	if (!out || !src || !*src)
		return cti__seterr(CTI_EINVAL, "no source");
	*out = NULL;
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if ((rc = canonical(&canon, src, &name)))
		goto out;
	short_hash(hash, canon);
	/* never a hidden name, never "." or "..": no leading '.' or '_' */
	lead = name.p ? strspn(name.p, "._") : 0;
	if (!(base = malloc(name.len - lead + 18))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	sprintf(base, "%s%s%s", name.p ? name.p + lead : "",
		name.len > lead ? "-" : "", hash);
	if (!(canon = (free(canon), cti_state_dir()))) {
		rc = cti__seterr(CTI_EINVAL, "no state directory: neither "
				 "XDG_STATE_HOME nor HOME is set");
		goto out;
	}
	if (!(*out = cti__path_join(canon, "pull", base)))
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
out:
	cti__buf_free(&name);
	free(canon);
	free(base);
	return rc;
}

/* ------------------------------------------------------------ validators */

/* Whether res has a validator a range request can name: a strong ETag,
 * or a Last-Modified. */
static int
resumable(const struct cti_net_result *res)
{
	return (res->etag && res->etag[0] != 'W' &&
		cti__http_etag_ok(res->etag, strlen(res->etag))) ||
	       res->last_modified > 0;
}

static int
meta_write(const char *path, const char *source,
	   const struct cti_net_result *res)
{
	return cti__validators_write(path, source, res->etag,
				     res->last_modified);
}

/* ------------------------------------------------------------ the pull */

/*
 * Received bytes are gathered in a buffer of PIPE_SLOT bytes; each full
 * buffer is written to the partial file and handed, through a pipe of
 * PIPE_SLOTS buffers (pipe.c), to a second thread that feeds the
 * verifier, so that hashing overlaps with receiving (8 MiB in all: less
 * made the receiving thread wait for the hashing one on two cores). The
 * verifier keeps no copy: the output is written from the partial once it
 * passed. Only one thread touches the verifier at a time: the worker
 * while the pipe has work, the caller after pipe_drain().
 */
struct pull {
	const struct cti_pull_opts *o;
	struct cti_pull_result *res;
	const char *disp;	/* the source, for messages */
	const char *source;	/* its hash, in the validators */
	char *partial, *meta, *bundle, *validators, *lock;
	int pfd;		/* STATE/partial */
	uint64_t held;		/* its bytes */
	uint64_t synced;	/* write-back started up to here */
	cti_verifier *v;	/* NULL: not verifying (yet) */
	struct cti_verify_opts vo;
	int sniffed;		/* the first byte of the file was looked at */
	unsigned bom;		/* bytes of a UTF-8 BOM seen */
	int meta_ok;		/* partial.meta describes the partial */
	const struct cti__buf *detached; /* SRC.minisig's text, or NULL */
	struct cti__pipe pipe;
	unsigned char *buf[PIPE_SLOTS];
	size_t len[PIPE_SLOTS];
	int slot;		/* the buffer being filled */
	unsigned char *fill;	/* it: received bytes not yet written */
	size_t fill_len;
};

static void
info(const struct pull *p, const char *fmt, ...) CTI_PRINTF(2, 3);

static void
info(const struct pull *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!p->o->info)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->o->info(p->o->info_ctx, msg);
}

/*
 * A bundle file starts with gzip's magic, or is JSON: '{' or '[' after
 * white space and a UTF-8 byte order mark. Anything else (an HTML page
 * served with 200, say) is refused at its first byte.
 */
static int
sniff(struct pull *p, const unsigned char *s, size_t n, uint64_t at)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };

	for (size_t i = 0; i < n && !p->sniffed; i++, at++) {
		unsigned char c = s[i];

		if (at == 0 && c == 0x1f) {
			p->sniffed = 1;
		} else if (at < 3 && at == p->bom && c == bom[at]) {
			p->bom++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		} else if (c == '{' || c == '[') {
			p->sniffed = 1;
		} else {
			return cti__seterr(CTI_EFORMAT, "%s: not a bundle file "
					   "(neither gzip nor JSON)", p->disp);
		}
	}
	return CTI_OK;
}

/* Read the partial's first n bytes back into the verifier and sniff. */
static int
refeed(struct pull *p, uint64_t n)
{
	unsigned char *buf;
	uint64_t off = 0;
	int rc = CTI_OK;

	if (!(buf = malloc(CTI_IOBUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	while (off < n) {
		size_t want = n - off < CTI_IOBUF ? (size_t)(n - off) :
						    CTI_IOBUF;
		ssize_t got = pread(p->pfd, buf, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? cti__seterrno(CTI_EIO, errno, "%s",
						     p->partial) :
				       cti__seterr(CTI_EIO, "%s: shorter than "
						   "it was", p->partial);
			break;
		}
		if ((rc = sniff(p, buf, (size_t)got, off)) ||
		    (p->v && (rc = cti_verifier_update(p->v, buf,
						       (size_t)got))))
			break;
		off += (uint64_t)got;
	}
	free(buf);
	return rc;
}

/* Write n received bytes to the partial (the receiving thread's part). */
static int
keep(struct pull *p, const void *buf, size_t n)
{
	if (cti__write_full(p->pfd, buf, n) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", p->partial);
	p->held += n;
	if (p->held - p->synced >= WRITEBACK_STEP) {
		/* a hint: the fsync at the end is what makes it durable */
		(void)sync_file_range(p->pfd, (off_t)p->synced,
				      (off_t)(p->held - p->synced),
				      SYNC_FILE_RANGE_WRITE);
		p->synced = p->held;
	}
	return CTI_OK;
}

static void *
pipe_worker(void *arg)
{
	struct pull *p = arg;
	int i, rc;

	while ((i = cti__pipe_next(&p->pipe)) >= 0) {
		if ((rc = cti_verifier_update(p->v, p->buf[i], p->len[i]))) {
			cti__pipe_stop(&p->pipe, rc);
			break;
		}
		cti__pipe_done(&p->pipe);
	}
	return NULL;
}

static int
pipe_start(struct pull *p)
{
	int rc;

	for (int i = 0; i < PIPE_SLOTS; i++)
		if (!(p->buf[i] = malloc(PIPE_SLOT)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__pipe_start(&p->pipe, PIPE_SLOTS, pipe_worker, p)))
		return rc;
	if ((p->slot = cti__pipe_slot(&p->pipe)) < 0)
		return cti__pipe_error(&p->pipe);
	p->fill = p->buf[p->slot];
	p->fill_len = 0;
	return CTI_OK;
}

/* Write what was gathered to the partial and, when verifying, hand it to
 * the worker; the worker's error, if any. */
static int
commit(struct pull *p)
{
	int rc;

	if (p->fill_len == 0)
		return CTI_OK;
	rc = keep(p, p->fill, p->fill_len);
	if (rc || !p->v) {
		p->fill_len = 0;
		return rc;
	}
	p->len[p->slot] = p->fill_len;
	p->fill_len = 0;
	cti__pipe_put(&p->pipe);
	if ((p->slot = cti__pipe_slot(&p->pipe)) < 0)
		return cti__pipe_error(&p->pipe);
	p->fill = p->buf[p->slot];
	return CTI_OK;
}

/* Commit what was gathered and wait until the worker has done everything
 * handed to it; the first error, if any. */
static int
pipe_drain(struct pull *p)
{
	int rc;

	if (!p->pipe.started)
		return CTI_OK;
	if ((rc = commit(p)))
		return rc;
	return cti__pipe_drain(&p->pipe);
}

static void
pipe_end(struct pull *p)
{
	if (p->pipe.started) {
		cti__pipe_stop(&p->pipe, 0);
		cti__pipe_finish(&p->pipe);
	}
	for (int i = 0; i < PIPE_SLOTS; i++) {
		free(p->buf[i]);
		p->buf[i] = NULL;
	}
	p->fill = NULL;
}

/*
 * The body of an attempt starts at offset: go on where the partial ends,
 * or start over from what of it is kept (0: a fresh download, whose
 * validators are recorded for a resume at once).
 */
static int
on_begin(void *ctx, uint64_t offset, int64_t length)
{
	struct pull *p = ctx;
	int rc;

	(void)length;
	if ((rc = pipe_drain(p)))
		return rc;
	if (offset > p->held)
		return cti__seterr(CTI_EREMOTE, "%s: a range that was not "
				   "asked for", p->disp);
	p->res->resumed = offset;
	if (p->sniffed && offset == p->held && (p->v || p->o->allow_unsigned))
		return CTI_OK; /* the next attempt goes on */
	cti_verifier_free(p->v);
	p->v = NULL;
	p->sniffed = 0;
	p->bom = 0;
	if (ftruncate(p->pfd, (off_t)offset) < 0 ||
	    lseek(p->pfd, (off_t)offset, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", p->partial);
	p->held = offset;
	if (p->synced > offset)
		p->synced = offset;
	if (offset == 0) {
		/* the head of this response came before its body: its
		 * validators are in res->net already (transport.c) */
		p->meta_ok = 0;
		if ((rc = meta_write(p->meta, p->source, &p->res->net)))
			return rc;
		p->meta_ok = resumable(&p->res->net);
	} else {
		info(p, "%s: resuming after %" PRIu64 " bytes", p->disp,
		     offset);
	}
	if (!p->o->allow_unsigned &&
	    ((rc = cti_verifier_new(&p->v, p->disp, &p->vo)) ||
	     (p->detached && (rc = cti_verifier_detached(p->v, p->detached->p,
							  p->detached->len)))))
		return rc;
	return refeed(p, offset);
}

static int
on_write(void *ctx, const void *buf, size_t n)
{
	struct pull *p = ctx;
	const unsigned char *b = buf;
	int rc;

	if (!p->sniffed && (rc = sniff(p, b, n, p->held + p->fill_len)))
		return rc;
	while (n > 0) {
		size_t k = PIPE_SLOT - p->fill_len;

		if (k > n)
			k = n;
		memcpy(p->fill + p->fill_len, b, k);
		p->fill_len += k;
		b += k;
		n -= k;
		if (p->fill_len == PIPE_SLOT && (rc = commit(p)))
			return rc;
	}
	return CTI_OK;
}

/* Without signatures: the file must still be a STIX bundle, read whole. */
static int
check_unsigned(struct pull *p)
{
	const struct cti_object *obj;
	cti_reader *r = NULL;
	int rc;

	if (lseek(p->pfd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", p->partial);
	if ((rc = cti_reader_open_fd(&r, p->pfd, p->disp, NULL, 0)))
		return rc;
	while ((rc = cti_reader_next(&obj, r)) == CTI_OK && obj)
		;
	if (rc == CTI_OK && cti_reader_layout(r) != CTI_LAYOUT_BUNDLE)
		rc = cti__seterr(CTI_EFORMAT, "%s: not a STIX bundle", p->disp);
	cti_reader_free(r);
	return rc;
}

/*
 * The output, from the file checked (p->pfd, named path): with keep_gzip
 * the signed bytes (cti__out_copy(): where it can, without reading them
 * through), else its payload inflated. Only ever after every check.
 */
static int
write_output(struct pull *p, const char *path)
{
	const struct cti_verify_opts *vo = &p->o->verify;
	struct cti__src src;
	struct cti__out out;
	int rc;

	if (!vo->output)
		return CTI_OK;
	if (lseek(p->pfd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	if ((rc = cti__out_open(&out, vo->output, 0, 0)))
		return rc;
	if (vo->keep_gzip) {
		/* what was verified: the header without its signatures,
		 * then the rest of the file as it is */
		const unsigned char *head = NULL;
		size_t head_len = 0;
		uint64_t from = 0;

		if (!p->v ||
		    (rc = cti__verifier_signed(p->v, &head, &head_len, &from)) ==
			    CTI_OK)
			rc = head_len ? cti__out_write(&out, head, head_len) :
					CTI_OK;
		if (rc == CTI_OK)
			rc = cti__out_copy(&out, p->pfd, from);
	} else if ((rc = cti__src_open(&src, p->pfd, 0, p->disp, NULL, 0)) ==
		   CTI_OK) {
		rc = cti__src_pump(&src, &out, NULL);
		cti__src_close(&src);
	}
	if (rc) {
		cti__out_abort(&out);
		return rc;
	}
	return cti__out_commit(&out);
}

/* fsync(2) the partial, on a thread of its own: cti__install() then finds
 * little left to do (its own fsync reports any error). */
static void *
sync_partial(void *arg)
{
	const struct pull *p = arg;

	(void)fsync(p->pfd);
	return NULL;
}

/* CTI_ELOCKED from the lock: say who holds it, by the pid it wrote. */
static int
locked(const struct pull *p)
{
	char *text = NULL, *end;
	long pid = 0;

	if (cti__state_read(&text, NULL, p->lock, PID_MAX) == CTI_OK && text) {
		pid = strtol(text, &end, 10);
		if (end == text || *end != '\n')
			pid = 0;
	}
	free(text);
	if (pid > 0)
		return cti__seterr(CTI_ELOCKED, "another pull of %s is running "
				   "(pid %ld)", p->disp, pid);
	return cti__seterr(CTI_ELOCKED, "another pull of %s is running",
			   p->disp);
}

void
cti_pull_result_clear(struct cti_pull_result *res)
{
	if (!res)
		return;
	cti_verify_result_free(res->verify);
	free(res->state_dir);
	cti_net_result_clear(&res->net);
	memset(res, 0, sizeof(*res));
	res->net.last_modified = -1;
	res->net.length = -1;
}

/* The paths of the state, and the directory made. */
static int
state_paths(struct pull *p, const char *dir)
{
	struct {
		char **path;
		const char *name;
	} f[] = {
		{ &p->partial, "partial" },   { &p->meta, "partial.meta" },
		{ &p->bundle, "bundle" },     { &p->validators, "validators" },
		{ &p->lock, "lock" },
	};

	for (size_t i = 0; i < CTI_ARRAY_LEN(f); i++)
		if (!(*f[i].path = cti__path_join(dir, f[i].name, NULL)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	return cti__mkdirs(dir);
}

/* Forget a partial download (best effort: it is never installed). */
static void
drop_partial(struct pull *p)
{
	if (p->pfd >= 0 && ftruncate(p->pfd, 0) == 0)
		p->held = 0;
	unlink(p->meta);
	unlink(p->partial);
}

/* The output given is a file that is not there (yet). */
static int
output_missing(const char *output)
{
	struct stat st;

	return output && strcmp(output, "-") != 0 && stat(output, &st) < 0;
}

/* ------------------------------------------------------------ TAXII */

/*
 * STATE/taxii: what the last good copy of a TAXII collection was made of,
 * in lines
 *   source HASH       the source (another's reads as empty)
 *   query HASH        a digest of the filters (other filters: start over)
 *   cursor TIME       the added_after of the next pull (absent: none)
 */
struct cursor {
	char query[17];
	char after[CTI__TAXII_TS_MAX + 1];
};

/* The digest of the filters a pull asks with. */
static void
query_hash(char out[17], const struct cti_pull_opts *o)
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	for (size_t i = 0; o->taxii_match && o->taxii_match[i]; i++)
		crypto_generichash_update(&st,
					  (const unsigned char *)o->taxii_match[i],
					  strlen(o->taxii_match[i]) + 1);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, 17, h, 8);
}

static int
cursor_read(struct cursor *c, const char *path, const char *source)
{
	char *text = NULL, *line, *save = NULL;
	int mine = 0, rc;

	memset(c, 0, sizeof(*c));
	if ((rc = cti__state_read(&text, NULL, path, 4096)) || !text)
		return rc;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int64_t us;

		if (strncmp(line, "source ", 7) == 0)
			mine = strcmp(line + 7, source) == 0;
		else if (strncmp(line, "query ", 6) == 0 && strlen(line + 6) == 16)
			memcpy(c->query, line + 6, 17);
		else if (strncmp(line, "cursor ", 7) == 0 &&
			 strlen(line + 7) <= CTI__TAXII_TS_MAX &&
			 cti__parse_ts(&us, line + 7, 0) >= 0)
			strcpy(c->after, line + 7);
	}
	free(text);
	if (!mine)
		memset(c, 0, sizeof(*c));
	return CTI_OK;
}

static int
cursor_write(const char *path, const char *source, const struct cursor *c)
{
	char text[128];
	int n;

	n = snprintf(text, sizeof(text), "source %s\nquery %s\n%s%s%s", source,
		     c->query, c->after[0] ? "cursor " : "", c->after,
		     c->after[0] ? "\n" : "");
	return cti__state_write(path, text, (size_t)n);
}

struct tpull {
	cti_writer *w;
	struct cti__buf amend;	/* a STIX 2.0 object with its spec_version */
	uint64_t fresh;		/* objects new to the bundle */
	uint64_t *known;	/* a collection read whole again: the
				   versions of the last good copy, sorted */
	size_t nknown;
};

/* 64 bits of BLAKE2b over an object's id and modified: its version. */
static uint64_t
version_print(const struct cti_object *o)
{
	crypto_generichash_state st;
	unsigned char h[8];
	uint64_t v;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	if (o->id)
		crypto_generichash_update(&st, (const unsigned char *)o->id,
					  strlen(o->id));
	crypto_generichash_update(&st, (const unsigned char *)"", 1);
	if (o->modified)
		crypto_generichash_update(&st,
					  (const unsigned char *)o->modified,
					  strlen(o->modified));
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(&v, h, sizeof(v));
	return v;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The versions of the last good copy at path, so that a collection read
 * whole again (no cursor) counts as new only what it did not hold: 8
 * bytes an object. */
static int
tpull_known(struct tpull *t, const char *path, const char *name)
{
	const struct cti_object *o;
	cti_reader *r = NULL;
	size_t cap = 0;
	uint64_t *k;
	int rc;

	if ((rc = cti_reader_open(&r, path, name)))
		return rc;
	while ((rc = cti_reader_next(&o, r)) == CTI_OK && o) {
		if (t->nknown == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(k = realloc(t->known, cap * sizeof(*k)))) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				break;
			}
			t->known = k;
		}
		t->known[t->nknown++] = version_print(o);
	}
	cti_reader_free(r);
	if (rc == CTI_OK && t->nknown)
		qsort(t->known, t->nknown, sizeof(*t->known), cmp_u64);
	return rc;
}

static int
tpull_add(struct tpull *t, const struct cti_object *o, int *added)
{
	const char *json = o->json;
	size_t len = o->len;
	int rc;

	if ((rc = cti__stix20_mark(&t->amend, o)) < 0)
		return rc == CTI_ELIMIT ?
			       cti__seterr(rc, "object %s: too large",
					   o->id ? o->id : "without an id") :
			       cti__seterr(rc, "out of memory");
	if (rc == 1) {
		json = t->amend.p;
		len = t->amend.len;
	}
	return cti_writer_add(t->w, json, len, o->id, o->modified, added);
}

static int
tpull_object(void *ctx, const struct cti_object *o, int *repeat)
{
	struct tpull *t = ctx;
	int added = 0, rc;

	if ((rc = tpull_add(t, o, &added)))
		return rc;
	*repeat = added != 1;
	if (added == 1) {
		uint64_t v = t->known ? version_print(o) : 0;

		if (!t->known ||
		    !bsearch(&v, t->known, t->nknown, sizeof(v), cmp_u64))
			t->fresh++;
	}
	return CTI_OK;
}

/* The objects of the last good copy, first in the new bundle. */
static int
tpull_previous(struct tpull *t, const char *path, const char *name)
{
	const struct cti_object *o;
	cti_reader *r = NULL;
	int rc;

	if ((rc = cti_reader_open(&r, path, name)))
		return rc;
	while ((rc = cti_reader_next(&o, r)) == CTI_OK && o)
		if ((rc = tpull_add(t, o, NULL)))
			break;
	cti_reader_free(r);
	return rc;
}

/* The id of the bundle file at path (read whole: it comes last) into
 * out; "" when it has none. */
static int
bundle_id(char out[64], const char *path)
{
	const struct cti_object *o;
	cti_reader *r = NULL;
	int rc;

	out[0] = '\0';
	if ((rc = cti_reader_open(&r, path, NULL)))
		return rc;
	while ((rc = cti_reader_next(&o, r)) == CTI_OK && o)
		;
	if (rc == CTI_OK && cti_reader_bundle_id(r))
		snprintf(out, 64, "%s", cti_reader_bundle_id(r));
	cti_reader_free(r);
	return rc;
}

/* Write the output from the bundle file at path. */
static int
tpull_output(struct pull *p, const char *path)
{
	int rc;

	if (!p->o->verify.output)
		return CTI_OK;
	if ((p->pfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	if ((rc = check_unsigned(p)) == CTI_OK)
		rc = write_output(p, path);
	close(p->pfd);
	p->pfd = -1;
	return rc;
}

static int
taxii_pull(struct pull *p, cti_net *n, const char *taxii_state)
{
	const struct cti_pull_opts *o = p->o;
	struct cti_pull_result *res = p->res;
	struct cti_writer_opts wo = { .level = -1, .mode = 0600 };
	struct cti__taxii_query q = { 0 };
	struct tpull t = { 0 };
	struct cursor cur, was;
	struct stat st;
	char id_new[64], id_last[64];
	int rc, have_last, merge;

	if ((rc = cti__taxii_match_check(o->taxii_match)))
		return rc;
	if ((rc = cursor_read(&was, taxii_state, p->source)))
		return rc;
	memset(&cur, 0, sizeof(cur));
	query_hash(cur.query, o);
	have_last = stat(p->bundle, &st) == 0 && S_ISREG(st.st_mode) &&
		    strcmp(was.query, cur.query) == 0;
	if (!have_last && was.query[0])
		info(p, "%s: other filters than the last pull's: starting "
		     "over", p->disp);
	/* with a cursor, the new objects go after those of the last good
	 * copy; without one (a TAXII 2.0 server, or one that sends no
	 * dates) the pull reads the whole collection again */
	merge = have_last && was.after[0];
	q.added_after = merge ? was.after : o->taxii_since;
	q.limit = o->taxii_limit ? o->taxii_limit : 1000;
	q.match = o->taxii_match;
	q.object = tpull_object;
	q.ctx = &t;
	if ((rc = cti_writer_open(&t.w, p->partial, &wo)))
		return rc;
	if (merge && (rc = tpull_previous(&t, p->bundle, p->disp)))
		goto fail;
	if (have_last && !merge && (rc = tpull_known(&t, p->bundle, p->disp)))
		goto fail;
	if (q.added_after)
		info(p, "%s: objects added after %s", p->disp, q.added_after);
	rc = cti__taxii_objects(n, &q);
	res->pages = q.pages;
	res->net.status = q.status;
	res->net.attempts = q.attempts;
	if (rc)
		goto fail;
	res->objects = t.fresh;
	res->total = cti_writer_count(t.w);
	snprintf(res->cursor, sizeof(res->cursor), "%s",
		 q.last[0] ? q.last : merge ? was.after : "");
	if (merge && t.fresh == 0) {
		cti_writer_abort(t.w);
		t.w = NULL;
		goto unchanged;
	}
	rc = cti_writer_close(t.w);
	t.w = NULL;
	if (rc)
		goto fail;
	/* read whole again: the same objects make the same bundle id */
	if (have_last && !merge &&
	    (rc = bundle_id(id_new, p->partial)) == CTI_OK &&
	    (rc = bundle_id(id_last, p->bundle)) == CTI_OK &&
	    id_new[0] && strcmp(id_new, id_last) == 0) {
		unlink(p->partial);
		res->objects = 0;
		goto unchanged;
	}
	if (rc)
		goto fail;
	if (o->sign_key) {
		const char *out = o->verify.output, *slash;
		struct cti_sign_opts so = { .feed = o->sign_feed ? o->sign_feed :
								 "taxii",
					    .seq = -1, .name = "bundle" };

		/* the file is named as the reader will see it */
		if (out && strcmp(out, "-") != 0)
			so.name = (slash = strrchr(out, '/')) ? slash + 1 : out;

		if ((rc = cti_seq_next(&so.seq, NULL, so.feed)) ||
		    (rc = cti_sign_file(NULL, o->sign_key, p->partial, &so)))
			goto fail;
		info(p, "%s: signed: feed %s seq %lld", p->disp, so.feed,
		     (long long)so.seq);
	}
	if (stat(p->partial, &st) == 0)
		res->bytes = (uint64_t)st.st_size;
	if ((rc = tpull_output(p, p->partial)) ||
	    (rc = cti__install(p->partial, p->bundle)))
		goto fail;
	/* the cursor moves only once the bundle it belongs to is in place */
	strcpy(cur.after, res->cursor);
	if ((rc = cursor_write(taxii_state, p->source, &cur)))
		goto out;
	info(p, "%s: installed %" PRIu64 " objects (%" PRIu64 " new) in %s",
	     p->disp, res->total, res->objects, p->bundle);
	goto out;
unchanged:
	res->unchanged = 1;
	info(p, "%s: no new object", p->disp);
	if (output_missing(o->verify.output))
		rc = tpull_output(p, p->bundle);
	goto out;
fail:
	unlink(p->partial);
out:
	cti_writer_abort(t.w);
	cti__buf_free(&t.amend);
	free(t.known);
	return rc;
}

static int
pull_one(struct cti_pull_result *res, cti_net *n,
	 const struct cti_pull_opts *o, const struct cti__buf *detached)
{
	struct pull p = { .o = o, .res = res, .pfd = -1, .detached = detached };
	struct cti_net_get req = { 0 };
	struct cti__validators last, part;
	struct stat st;
	pthread_t syncer;
	char *disp = NULL, source[17];
	int rc, lfd = -1, resume = 0;

	if (!res)
		return cti__seterr(CTI_EINVAL, "no result");
	memset(res, 0, sizeof(*res));
	cti_net_result_clear(&res->net);
	if (!n || !o)
		return cti__seterr(CTI_EINVAL, "nothing to pull");
	if (!(disp = cti__url_display(n->url)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	p.disp = disp;
	if (cti_net_is_collection(n)) {
		rc = cti__seterr(CTI_EUSAGE, "%s: a directory: name the bundle "
				 "file to pull", disp);
		goto out;
	}
	if (!o->allow_unsigned && !cti__net_is_taxii(n) &&
	    (!o->verify.keys || cti_keyring_count(o->verify.keys) == 0)) {
		rc = cti__seterr(CTI_EINVAL, "no public key to check the "
				 "signatures with");
		goto out;
	}
	if (o->state_dir)
		res->state_dir = strdup(o->state_dir);
	else if ((rc = cti_pull_state_dir(&res->state_dir, n->url)))
		goto out;
	if (!res->state_dir) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	{
		char *canon = NULL;
		struct cti__buf ignored = { 0 };

		if ((rc = canonical(&canon, n->url, &ignored)) == CTI_OK)
			short_hash(source, canon);
		free(canon);
		cti__buf_free(&ignored);
		if (rc)
			goto out;
	}
	p.source = source;
	if ((rc = state_paths(&p, res->state_dir)))
		goto out;

	/* one pull of a source at a time */
	rc = cti__lock_take(&lfd, p.lock,
			    o->lock_wait > 86400 ? 86400000L :
			    o->lock_wait > 0     ? (long)o->lock_wait * 1000 :
						   0);
	if (rc == CTI_ELOCKED)
		rc = locked(&p);
	if (rc)
		goto out;

	if (cti__net_is_taxii(n)) {
		char *ts = cti__path_join(res->state_dir, "taxii", NULL);

		rc = ts ? taxii_pull(&p, n, ts) :
			  cti__seterr(CTI_ENOMEM, "out of memory");
		free(ts);
		goto out;
	}

	/* the verifier's options: the replay state is the source's */
	p.vo = o->verify;
	p.vo.state_dir = res->state_dir;
	p.vo.sig_optional = NULL;
	p.vo.no_detached = p.vo.sig_path == NULL;
	p.vo.lock_wait = -1; /* the pull's lock keeps other pulls out */
	p.vo.progress = NULL;
	/* the output is written from the partial after the checks */
	p.vo.output = NULL;
	p.vo.keep_gzip = 0;

	/* the last good copy's validators; a partial download's */
	last.etag[0] = part.etag[0] = '\0';
	last.last_modified = part.last_modified = -1;
	if (stat(p.bundle, &st) == 0 && S_ISREG(st.st_mode) &&
	    !output_missing(o->verify.output) &&
	    (rc = cti__validators_read(&last, p.validators, source)))
		goto out;
	if ((p.pfd = open(p.partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			  0600)) < 0 ||
	    fstat(p.pfd, &st) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", p.partial);
		goto out;
	}
	if (st.st_size > 0 && (rc = cti__validators_read(&part, p.meta, source)))
		goto out;
	if (st.st_size > 0 &&
	    ((part.etag[0] && part.etag[0] != 'W') || part.last_modified > 0)) {
		resume = 1;
		p.held = (uint64_t)st.st_size;
		p.meta_ok = 1;
		req.resume_from = p.held;
		if (part.etag[0] && part.etag[0] != 'W')
			req.if_range = part.etag;
		else
			req.if_range_time = part.last_modified;
		info(&p, "%s: %" PRIu64 " bytes of an earlier download to "
		     "resume", disp, p.held);
	} else if (st.st_size > 0) {
		drop_partial(&p);
		if ((p.pfd = (close(p.pfd), open(p.partial,
						 O_RDWR | O_CREAT | O_NOFOLLOW |
							 O_CLOEXEC,
						 0600))) < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "%s", p.partial);
			goto out;
		}
	}
	/* conditions for the last good copy, unless resuming another */
	if (!resume) {
		if (last.etag[0])
			req.if_none_match = last.etag;
		if (last.last_modified > 0)
			req.if_modified_since = last.last_modified;
	}
	req.begin = on_begin;
	req.write = on_write;
	req.ctx = &p;

	if ((rc = pipe_start(&p)))
		goto failed;
	rc = cti_net_get(&res->net, n, &req);
	/* what was received is written and hashed; a failure there (a
	 * signature refused at the header, a full disk) is the cause */
	{
		int frc = pipe_drain(&p);

		if (frc)
			rc = frc;
	}
	if (rc)
		goto failed;
	if (res->net.unchanged) {
		info(&p, "%s: not modified", disp);
		res->unchanged = 1;
		drop_partial(&p);
		goto out;
	}
	if (!p.sniffed) {
		rc = cti__seterr(CTI_EFORMAT, "%s: empty, not a bundle file",
				 disp);
		goto failed;
	}
	res->bytes = p.held;

	/* every check, and the output */
	if (p.v) {
		if ((rc = cti_verifier_finish(&res->verify, p.v)))
			goto failed;
		res->verified = 1;
	} else if ((rc = check_unsigned(&p))) {
		goto failed;
	}
	/* the partial goes to disk while the output is written */
	if (pthread_create(&syncer, NULL, sync_partial, &p) == 0) {
		rc = write_output(&p, p.partial);
		pthread_join(syncer, NULL);
	} else {
		rc = write_output(&p, p.partial);
	}
	if (rc)
		goto failed;

	/* install: the last good copy, then what says which it is */
	if ((rc = cti__install(p.partial, p.bundle)))
		goto failed;
	close(p.pfd);
	p.pfd = -1;
	if ((rc = meta_write(p.validators, source, &res->net)))
		goto out;
	unlink(p.meta);
	if (res->verify && (rc = cti_verify_commit(res->verify)))
		goto out;
	info(&p, "%s: installed %" PRIu64 " bytes in %s", disp, res->bytes,
	     p.bundle);
	goto out;

failed:
	/* keep what a later try can resume: after a network error, with a
	 * validator to ask for the same version by */
	if (rc == CTI_ENET && p.held > 0 && p.meta_ok) {
		if (fsync(p.pfd) < 0 && errno != EINVAL)
			drop_partial(&p);
		else
			info(&p, "%s: %" PRIu64 " bytes kept to resume",
			     disp, p.held);
	} else {
		drop_partial(&p);
	}
	cti_verify_result_free(res->verify);
	res->verify = NULL;
	res->verified = 0;
out:
	pipe_end(&p);
	cti_verifier_free(p.v);
	if (p.pfd >= 0)
		close(p.pfd);
	cti__lock_release(&lfd);
	free(p.partial);
	free(p.meta);
	free(p.bundle);
	free(p.validators);
	free(p.lock);
	free(disp);
	return rc;
}

/* A detached signature's largest size: a minisig file is some 300 bytes. */
#define MINISIG_MAX 4096

static int
sig_write(void *ctx, const void *p, size_t n)
{
	struct cti__buf *b = ctx;

	if (b->len + n > MINISIG_MAX)
		return cti__seterr(CTI_ELIMIT, "a detached signature over %d "
				   "bytes", MINISIG_MAX);
	return cti__buf_put(b, p, n) ? CTI_ENOMEM : CTI_OK;
}

static int
sig_begin(void *ctx, uint64_t offset, int64_t length)
{
	struct cti__buf *b = ctx;

	(void)offset;
	(void)length;
	b->len = 0;
	return CTI_OK;
}

/*
 * SRC.minisig into b: 1 when there is one, 0 when the source has none
 * (404, no such file), or an error.
 */
static int
fetch_detached(struct cti__buf *b, cti_net *n)
{
	struct cti_net_get req = { .suffix = ".minisig", .begin = sig_begin,
				   .write = sig_write, .ctx = b };
	struct cti_net_result r = { 0 };
	int rc = cti_net_get(&r, n, &req);

	if (rc && (r.status == 404 || r.status == 410))
		rc = 0;
	else if (rc == CTI_OK)
		rc = 1;
	cti_net_result_clear(&r);
	return rc;
}

/*
 * A file without embedded signatures may have a detached one beside it,
 * SRC.minisig (what cti push sends along): it is asked for only then,
 * and the pull made again with it, so that a source of signed files costs
 * no second request.
 */
int
cti_pull(struct cti_pull_result *res, cti_net *n,
	 const struct cti_pull_opts *o)
{
	struct cti__buf sig = { 0 };
	char *msg;
	int rc = pull_one(res, n, o, NULL), found;

	if (rc != CTI_ENOSIG || o->allow_unsigned || o->verify.sig_path ||
	    cti_net_is_collection(n))
		return rc;
	if (!(msg = strdup(cti_errmsg())))
		return rc;
	found = fetch_detached(&sig, n);
	if (found == 1) {
		cti_pull_result_clear(res);
		rc = pull_one(res, n, o, &sig);
	} else if (found == 0) {
		cti__seterr(rc, "%s, nor a detached one beside it", msg);
	} else {
		rc = found;
	}
	free(msg);
	cti__buf_free(&sig);
	return rc;
}
