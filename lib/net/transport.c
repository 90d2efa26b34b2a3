/*
 * transport.c - the public face of the transport layer: the scheme
 * dispatcher, the checks of options and credentials, and the retry loop
 * (exponential back-off with jitter, Retry-After honoured up to a cap,
 * downloads resumed where an attempt was cut) written once for every
 * backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

/* Longest password or token read from a file or the environment. */
#define SECRET_MAX 4096

void
cti__net_info(const cti_net *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!n->opts.info)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n->opts.info(n->opts.info_ctx, msg);
}

void
cti__net_warn(const cti_net *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!n->opts.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n->opts.warn(n->opts.warn_ctx, msg);
}

char *
cti__url_display(const char *url)
{
	const char *p = strstr(url, "://"), *at, *end;
	char *out;

	/* an S3 key may hold '?', '#' and '@'; no credential rides in it */
	if (!p || strncmp(url, "s3://", 5) == 0)
		return strdup(url);
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (!(out = malloc(strlen(url) + 1)))
		return NULL;
	/* drop "user:password@" */
	memcpy(out, url, (size_t)(p - url));
	strcpy(out + (p - url), at ? at + 1 : p);
	/* and the query and fragment: a token may ride in them */
	if ((end = strchr(strstr(out, "://") + 3, '?')))
		out[end - out] = '\0';
	if ((end = strchr(strstr(out, "://") + 3, '#')))
		out[end - out] = '\0';
	return out;
}

/* The first line of path into sodium_malloc() memory. what: "password". */
static int
secret_from_file(char **out, const char *path, const char *what)
{
	char *buf, *nl;
	ssize_t got;
	size_t len;
	int fd, e;

	if (!(buf = sodium_malloc(SECRET_MAX + 1)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		sodium_free(buf);
		return cti__seterrno(CTI_EIO, e, "%s file %s", what, path);
	}
	got = cti__read_full(fd, buf, SECRET_MAX + 1);
	e = errno;
	close(fd);
	if (got < 0) {
		sodium_free(buf);
		return cti__seterrno(CTI_EIO, e, "%s file %s", what, path);
	}
	if ((nl = memchr(buf, '\n', (size_t)got))) {
		len = (size_t)(nl - buf);
	} else if ((size_t)got > SECRET_MAX) {
		sodium_free(buf);
		return cti__seterr(CTI_ELIMIT, "%s file %s: longer than %d "
				   "bytes", what, path, SECRET_MAX);
	} else {
		len = (size_t)got;
	}
	if (len && buf[len - 1] == '\r')
		len--;
	sodium_memzero(buf + len, SECRET_MAX + 1 - len);
	if (len == 0 || memchr(buf, '\0', len)) {
		sodium_free(buf);
		return cti__seterr(CTI_EUSAGE, "%s file %s: %s", what, path,
				   len ? "holds a NUL byte" : "empty");
	}
	*out = buf;
	return CTI_OK;
}

int
cti__net_secret_env(char **out, const char *name)
{
	char *v = getenv(name), *buf;
	size_t len;

	*out = NULL;
	if (!v || !*v)
		return CTI_OK;
	len = strlen(v);
	if (len > SECRET_MAX)
		return cti__seterr(CTI_ELIMIT, "%s: longer than %d bytes",
				   name, SECRET_MAX);
	if (!(buf = sodium_malloc(len + 1)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memcpy(buf, v, len + 1);
	/* the value lives on in /proc/PID/environ unless wiped there */
	sodium_memzero(v, len);
	unsetenv(name);
	*out = buf;
	return CTI_OK;
}

static void
secret_free(char *s)
{
	if (s)
		sodium_free(s); /* wipes */
}

/* The file named by the option, else by the environment variable. */
static const char *
file_opt(const struct cti_net_opts *o, const char *opt, const char *var)
{
	const char *v;

	if (opt)
		return opt;
	if (o->env_secrets && (v = getenv(var)) && *v)
		return v;
	return NULL;
}

static int
load_credentials(cti_net *n)
{
	const struct cti_net_opts *o = &n->opts;
	const char *f;

	if (!o->user) {
		if (o->password_file)
			return cti__seterr(CTI_EUSAGE, "a password file needs "
					   "a user name");
		if ((f = file_opt(o, o->token_file, "CTI_TOKEN_FILE")))
			return secret_from_file(&n->token, f, "token");
		return o->env_secrets ? cti__net_secret_env(&n->token, "CTI_TOKEN") :
					CTI_OK;
	}
	for (const char *c = o->user; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == ':')
			return cti__seterr(CTI_EUSAGE, "bad user name: a "
					   "control character or ':'");
	if (!o->user[0])
		return cti__seterr(CTI_EUSAGE, "empty user name");
	if (o->token_file)
		return cti__seterr(CTI_EUSAGE, "a user name and a token: "
				   "choose one");
	if (!(n->user = strdup(o->user)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((f = file_opt(o, o->password_file, "CTI_PASSWORD_FILE")))
		return secret_from_file(&n->password, f, "password");
	return o->env_secrets ? cti__net_secret_env(&n->password, "CTI_PASSWORD") :
				CTI_OK;
}

static int
check_opts(const struct cti_net_opts *o)
{
	if (o->connect_timeout < 0 || o->timeout < 0 ||
	    o->low_speed_time < 0 || o->low_speed_limit < 0 ||
	    o->retries < 0 || o->max_wait < 0 || o->max_redirects < 0 ||
	    o->connect_timeout > 86400 || o->timeout > 86400 * 7 ||
	    o->low_speed_time > 86400 || o->retries > 100 ||
	    o->max_wait > 86400 || o->max_redirects > 50)
		return cti__seterr(CTI_EUSAGE, "network option out of range");
	return CTI_OK;
}

int
cti_net_open(cti_net **out, const char *url, const struct cti_net_opts *opts)
{
	static const struct cti_net_opts defaults = CTI_NET_OPTS_INIT;
	cti_net *n;
	int rc;

	*out = NULL;
	if (!url || !*url)
		return cti__seterr(CTI_EINVAL, "no destination");
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!(n = calloc(1, sizeof(*n))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	n->opts = opts ? *opts : defaults;
	if (!(n->url = strdup(url))) {
		free(n);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
		n->be = cti__backend_https();
	} else if (strncmp(url, "taxii+https://", 14) == 0 ||
		   strncmp(url, "taxii+http://", 13) == 0) {
		n->be = cti__backend_taxii();
	} else if (strncmp(url, "s3://", 5) == 0) {
		n->be = cti__backend_s3();
	} else if (url[strspn(url, "abcdefghijklmnopqrstuvwxyz0123456789+.-")] ==
			   ':' && strstr(url, "://")) {
		rc = cti__seterr(CTI_EUSAGE, "%.*s: unknown scheme",
				 (int)strcspn(url, ":"), url);
		goto fail;
	} else {
		n->be = cti__backend_dir();
	}
	if ((rc = check_opts(&n->opts)))
		goto fail;
	if ((n->opts.endpoint || n->opts.region) &&
	    n->be != cti__backend_s3()) {
		rc = cti__seterr(CTI_EUSAGE, "%s: an S3 endpoint or region "
				 "for a destination that is not s3://", url);
		goto fail;
	}
	if ((rc = n->be->open(n)))
		goto fail;
	/* S3 signs with AWS credentials of its own (s3.c) */
	if (n->be != cti__backend_s3() && (rc = load_credentials(n)))
		goto fail;
	if (n->is_http)
		cti__net_warn(n, "%s: http:// is not encrypted: anyone on the "
			      "path can read and change what is sent", url);
	*out = n;
	return CTI_OK;
fail:
	cti_net_free(n);
	return rc;
}

const char *
cti_net_scheme(const cti_net *n)
{
	if (n->be == cti__backend_dir())
		return "dir";
	if (n->be == cti__backend_taxii())
		return "taxii";
	if (n->be == cti__backend_s3())
		return "s3";
	return n->is_http ? "http" : "https";
}

int
cti_net_is_collection(const cti_net *n)
{
	return n->is_dir;
}

void
cti_net_free(cti_net *n)
{
	if (!n)
		return;
	if (n->be && n->be->close)
		n->be->close(n);
	secret_free(n->password);
	secret_free(n->token);
	free(n->user);
	free(n->url);
	free(n);
}

void
cti_net_result_clear(struct cti_net_result *res)
{
	if (!res)
		return;
	free(res->etag);
	free(res->location);
	memset(res, 0, sizeof(*res));
	res->last_modified = -1;
	res->length = -1;
}

/* The target of a request: the URL or path, with name appended to a
 * collection (percent-encoded for URLs; an S3 key takes it as it is).
 * malloc'd. */
static int
target(char **out, const cti_net *n, const char *name, const char *suffix)
{
	struct cti__buf b = { 0 };
	int url = n->be != cti__backend_dir() && n->be != cti__backend_s3();

	*out = NULL;
	if (suffix && (strchr(suffix, '/') || strchr(suffix, '?') ||
		       strchr(suffix, '#')))
		return cti__seterr(CTI_EINVAL, "bad suffix '%s'", suffix);
	if (!n->is_dir || !name) {
		if (n->is_dir)
			return cti__seterr(CTI_EINVAL, "%s: a collection needs "
					   "a name", n->url);
		if (cti__buf_puts(&b, n->url) ||
		    (suffix && cti__buf_puts(&b, suffix)))
			goto nomem;
		*out = b.p;
		return CTI_OK;
	}
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cti__seterr(CTI_EINVAL, "bad name '%s'", name);
	if (cti__buf_puts(&b, n->url))
		goto nomem;
	if (!url && b.len && b.p[b.len - 1] != '/' && cti__buf_putc(&b, '/'))
		goto nomem;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		int plain = (*c >= 'A' && *c <= 'Z') ||
			    (*c >= 'a' && *c <= 'z') ||
			    (*c >= '0' && *c <= '9') || strchr("-._~", *c);

		if (!url || plain) {
			if (cti__buf_putc(&b, *c))
				goto nomem;
		} else if (cti__buf_printf(&b, "%%%02X", *c)) {
			goto nomem;
		}
	}
	if (suffix && cti__buf_puts(&b, suffix))
		goto nomem;
	*out = b.p;
	return CTI_OK;
nomem:
	cti__buf_free(&b);
	return cti__seterr(CTI_ENOMEM, "out of memory");
}

/*
 * Wait before attempt number next (2 for the first retry), or refuse:
 * the back-off doubles from one second with a jitter of +-50%, capped by
 * max_wait; a server's Retry-After is the wait when it gives one.
 */
static int
backoff(const cti_net *n, int next, int64_t retry_after)
{
	char msg[sizeof(((struct cti__http_resp *)0)->reason) + 1024];
	double wait;
	struct timespec ts;

	if (retry_after > n->opts.max_wait) {
		snprintf(msg, sizeof(msg), "%s", cti_errmsg());
		cti__seterr(CTI_ENET, "%s (the server asks to wait %llds, "
			    "more than the longest wait of %llds)", msg,
			    (long long)retry_after,
			    (long long)n->opts.max_wait);
		return -1;
	}
	if (retry_after >= 0) {
		wait = (double)retry_after;
	} else {
		wait = next - 2 < 30 ? (double)(1LL << (next - 2)) : 1e9;
		wait *= 0.5 + randombytes_uniform(1001) / 1000.0;
		if (wait > (double)n->opts.max_wait)
			wait = (double)n->opts.max_wait;
	}
	cti__net_info(n, "%s; attempt %d of %d in %.1fs", cti_errmsg(), next,
		      n->opts.retries + 1, wait);
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* Keeps the count of what the caller holds across attempts. */
struct resume {
	const struct cti_net_get *req;
	uint64_t held;		/* bytes the caller holds */
};

static int
resume_begin(void *arg, uint64_t offset, int64_t length)
{
	struct resume *r = arg;

	r->held = offset;
	if (r->req->begin)
		return r->req->begin(r->req->ctx, offset, length);
	return 0;
}

static int
resume_write(void *arg, const void *p, size_t len)
{
	struct resume *r = arg;
	int rc = 0;

	if (r->req->write)
		rc = r->req->write(r->req->ctx, p, len);
	if (rc == 0)
		r->held += len;
	return rc;
}

static int
do_get(struct cti_net_result *res, cti_net *n, const struct cti_net_get *req,
       int head_only)
{
	static const struct cti_net_get none = { 0 };
	struct resume r = { .req = req ? req : &none };
	struct cti__get g = { .req = r.req };
	char *etag = NULL;
	int rc, attempt;

	cti_net_result_clear(res);
	if ((rc = target((char **)&g.target, n, r.req->name, r.req->suffix)))
		return rc;
	g.begin = resume_begin;
	g.write = resume_write;
	g.ctx = &r;
	g.head_only = head_only;
	g.from = head_only ? 0 : r.req->resume_from;
	g.if_range = r.req->if_range;
	g.if_range_time = r.req->if_range_time;
	r.held = g.from;
	for (attempt = 1;; attempt++) {
		struct cti__try t = { .retry_after = -1 };

		res->attempts = attempt;
		rc = n->be->get(n, &g, res, &t);
		res->attempts = attempt;
		if (rc == CTI_OK || !t.retry || attempt > n->opts.retries)
			break;
		/* resume what this attempt got, when the resource can be
		 * told to be the same (a strong ETag, or Last-Modified) */
		free(etag);
		etag = res->etag && res->etag[0] != 'W' ? strdup(res->etag) :
							    NULL;
		if (!head_only && r.held > 0 && (etag || res->last_modified > 0)) {
			g.from = r.held;
			g.if_range = etag;
			g.if_range_time = etag ? 0 : res->last_modified;
		} else if (!head_only && r.held > g.from) {
			g.from = 0;
			g.if_range = NULL;
			g.if_range_time = 0;
		}
		if (backoff(n, attempt + 1, t.retry_after))
			break;
		res->status = 0;
	}
	if (rc == CTI_OK)
		res->bytes = r.held - res->offset;
	free(etag);
	free((char *)g.target);
	return rc;
}

int
cti_net_get(struct cti_net_result *res, cti_net *n,
	    const struct cti_net_get *req)
{
	return do_get(res, n, req, 0);
}

int
cti_net_stat(struct cti_net_result *res, cti_net *n,
	     const struct cti_net_get *req)
{
	return do_get(res, n, req, 1);
}

int
cti__net_retry(cti_net *n, int (*attempt)(void *ctx, struct cti__try *t),
	       void *ctx, int *attempts)
{
	int rc, k;

	for (k = 1;; k++) {
		struct cti__try t = { .retry_after = -1 };

		rc = attempt(ctx, &t);
		if (attempts)
			*attempts = k;
		if (rc == CTI_OK || !t.retry || k > n->opts.retries)
			break;
		if (backoff(n, k + 1, t.retry_after))
			break;
	}
	return rc;
}

struct put_try {
	cti_net *n;
	struct cti__put *p;
	struct cti_net_result *res;
};

static int
put_attempt(void *arg, struct cti__try *t)
{
	struct put_try *a = arg;

	return a->n->be->put(a->n, a->p, a->res, t);
}

int
cti_net_put(struct cti_net_result *res, cti_net *n,
	    const struct cti_net_put *req)
{
	struct cti__put p = { .req = req };
	struct put_try a = { .n = n, .p = &p, .res = res };
	int rc;

	cti_net_result_clear(res);
	if (!req || !req->read)
		return cti__seterr(CTI_EINVAL, "nothing to send");
	if (req->method && strcmp(req->method, "PUT") != 0 &&
	    strcmp(req->method, "POST") != 0)
		return cti__seterr(CTI_EUSAGE, "method %s: want PUT or POST",
				   req->method);
	if ((rc = target((char **)&p.target, n, req->name, req->suffix)))
		return rc;
	rc = cti__net_retry(n, put_attempt, &a, &res->attempts);
	free((char *)p.target);
	return rc;
}
