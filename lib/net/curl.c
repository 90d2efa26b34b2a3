/*
 * curl.c - one HTTP exchange through libcurl; the only file of cti that
 * includes <curl/curl.h>. It follows no redirect and retries nothing: the
 * backends above decide that. It maps libcurl's results to CTI_E* codes
 * and keeps what the response head says (through http.c's parsers).
 */
/* every call goes through the table below, which the type-checking
 * macros of <curl/curl.h> would not see */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"

#define DOWNLOAD_BUFFER (256L << 10)
#define UPLOAD_BUFFER (512L << 10)

/*
 * libcurl is loaded when a transport is first used, not when cti starts:
 * with the libraries it needs (TLS, HTTP/2, IDN, Kerberos, LDAP...) it
 * would cost every command, a cti show or a cti verify of a small file,
 * ten times cti's own start-up time and some 6 MB. Its ABI (soname
 * libcurl.so.4) has been stable since 2006; the table holds what cti
 * calls, resolved once.
 */
#define LIBCURL "libcurl.so.4"

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	const char *(*url_strerror)(CURLUcode);
} lc;

#define curl_global_init lc.global_init
#define curl_easy_init lc.easy_init
#define curl_easy_cleanup lc.easy_cleanup
#define curl_easy_reset lc.easy_reset
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_setopt lc.easy_setopt
#define curl_easy_getinfo lc.easy_getinfo
#define curl_easy_perform lc.easy_perform
#define curl_easy_strerror lc.easy_strerror
#define curl_free lc.free
#define curl_slist_append lc.slist_append
#define curl_slist_free_all lc.slist_free_all
#define curl_url lc.url
#define curl_url_cleanup lc.url_cleanup
#define curl_url_get lc.url_get
#define curl_url_set lc.url_set
#define curl_url_strerror lc.url_strerror

static const struct {
	const char *name;
	void **fn;
} symbols[] = {
	{ "curl_global_init", (void **)&lc.global_init },
	{ "curl_easy_init", (void **)&lc.easy_init },
	{ "curl_easy_cleanup", (void **)&lc.easy_cleanup },
	{ "curl_easy_reset", (void **)&lc.easy_reset },
	{ "curl_easy_setopt", (void **)&lc.easy_setopt },
	{ "curl_easy_getinfo", (void **)&lc.easy_getinfo },
	{ "curl_easy_perform", (void **)&lc.easy_perform },
	{ "curl_easy_strerror", (void **)&lc.easy_strerror },
	{ "curl_free", (void **)&lc.free },
	{ "curl_slist_append", (void **)&lc.slist_append },
	{ "curl_slist_free_all", (void **)&lc.slist_free_all },
	{ "curl_url", (void **)&lc.url },
	{ "curl_url_cleanup", (void **)&lc.url_cleanup },
	{ "curl_url_get", (void **)&lc.url_get },
	{ "curl_url_set", (void **)&lc.url_set },
	{ "curl_url_strerror", (void **)&lc.url_strerror },
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;
static char load_err[256];	/* why libcurl could not be loaded */

static void
global_init(void)
{
	void *h = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (!h) {
		e = dlerror();
		snprintf(load_err, sizeof(load_err), "%s", e ? e : LIBCURL);
		return;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		if (!(*symbols[i].fn = dlsym(h, symbols[i].name))) {
			snprintf(load_err, sizeof(load_err), "%s: no %s",
				 LIBCURL, symbols[i].name);
			return;
		}
	}
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int
curl_ready(void)
{
	pthread_once(&init_once, global_init);
	if (load_err[0])
		return cti__seterr(CTI_EIO, "libcurl, which the network "
				   "transports need, cannot be loaded: %s",
				   load_err);
	if (init_rc != CURLE_OK)
		return cti__seterr(CTI_ENOMEM, "libcurl initialisation failed");
	return CTI_OK;
}

void *
cti__curl_new(void)
{
	if (curl_ready())
		return NULL;
	return curl_easy_init();
}

void
cti__curl_free(void *handle)
{
	if (handle)
		curl_easy_cleanup(handle);
}

/* What the callbacks share. */
struct ctx {
	const struct cti__xfer *x;
	struct cti__xres *xr;
	int head_called;
	int sink_rc;		/* a callback's error, returned as is */
	uint64_t src_off;	/* upload position */
};

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct ctx *c = arg;
	size_t len = size * n;

	if (len <= 2 && (len == 0 || p[0] == '\r' || p[0] == '\n')) {
		/* the end of a head: an interim 1xx has another after it */
		if (c->xr->resp.status >= 200 && !c->head_called &&
		    c->x->head_done) {
			c->head_called = 1;
			if ((c->sink_rc = c->x->head_done(c->x->ctx,
							  &c->xr->resp)))
				return 0;
		}
		return len;
	}
	if (c->x->header)
		c->x->header(c->x->hctx, p, len);
	if (cti__http_line(&c->xr->resp, p, len, (int64_t)time(NULL)) < 0) {
		c->sink_rc = cti__seterr(CTI_ENET, "%s: malformed status line",
					 c->x->display);
		return 0;
	}
	return len;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct ctx *c = arg;
	size_t len = size * n;
	long st = c->xr->resp.status;

	/* only a successful response's body is the resource; another's
	   is kept as far as the caller wants it, to report */
	if (st >= 300 && c->x->errbody) {
		struct cti__buf *b = c->x->errbody;
		size_t k = b->len < c->x->errbody_max ?
				   c->x->errbody_max - b->len : 0;

		if (k > len)
			k = len;
		if (k && cti__buf_put(b, p, k)) {
			c->sink_rc = CTI_ENOMEM;
			return 0;
		}
		return len;
	}
	if (st < 200 || st > 299 || !c->x->sink)
		return len;
	if (c->x->max_size &&
	    c->x->range_from + c->xr->received + len > c->x->max_size) {
		c->sink_rc = cti__seterr(CTI_ELIMIT,
					 "%s: larger than the size limit of "
					 "%llu bytes", c->x->display,
					 (unsigned long long)c->x->max_size);
		return 0;
	}
	if ((c->sink_rc = c->x->sink(c->x->ctx, p, len)))
		return 0;
	c->xr->received += len;
	return len;
}

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct ctx *c = arg;
	size_t want = size * n;
	long got;

	if (c->src_off >= c->x->size)
		return 0;
	if (want > c->x->size - c->src_off)
		want = (size_t)(c->x->size - c->src_off);
	got = c->x->source(c->x->ctx, buf, want, c->src_off);
	if (got < 0) {
		c->sink_rc = (int)got;
		return CURL_READFUNC_ABORT;
	}
	if ((size_t)got != want) {
		c->sink_rc = cti__seterr(CTI_EIO, "%s: the file to send "
					 "shrank while it was sent",
					 c->x->display);
		return CURL_READFUNC_ABORT;
	}
	c->src_off += (uint64_t)got;
	c->xr->sent = c->src_off;
	return (size_t)got;
}

static int
on_seek(void *arg, curl_off_t off, int origin)
{
	struct ctx *c = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > c->x->size)
		return CURL_SEEKFUNC_CANTSEEK;
	c->src_off = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
	    curl_off_t ultotal, curl_off_t ulnow)
{
	struct ctx *c = arg;
	const struct cti_net_opts *o = c->x->opts;

	if (c->x->source)
		o->progress(o->progress_ctx, (uint64_t)ulnow,
			    (uint64_t)ultotal);
	else
		o->progress(o->progress_ctx, c->x->range_from + (uint64_t)dlnow,
			    dltotal ? c->x->range_from + (uint64_t)dltotal : 0);
	return 0;
}

/* Whether another attempt may succeed after libcurl's error rc. */
static int
map_curl(CURLcode rc, int *retryable)
{
	*retryable = 0;
	switch (rc) {
	case CURLE_OUT_OF_MEMORY:
		return CTI_ENOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return CTI_EUSAGE;
	case CURLE_FILESIZE_EXCEEDED:
		return CTI_ELIMIT;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_READ_ERROR:
	case CURLE_WRITE_ERROR:
		return CTI_EIO;
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return CTI_EREMOTE;
	/* the server's identity could not be proved: worth retrying in
	 * the sense of PRODUCT.md (not the user's input), but not now */
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return CTI_ENET;
	default:
		/* resolve, connect, TLS handshake, time-out, reset, cut
		 * body, nothing received, HTTP/2 stream errors ... */
		*retryable = 1;
		return CTI_ENET;
	}
}

#define SET(opt, val)                                                   \
	do {                                                            \
		if ((crc = curl_easy_setopt(h, opt, val)) != CURLE_OK)  \
			goto setopt_failed;                             \
	} while (0)

int
cti__curl_exchange(struct cti__xres *xr, const struct cti__xfer *x)
{
	const struct cti_net_opts *o = x->opts;
	struct curl_slist *hdrs = NULL, *tmp;
	struct ctx c = { .x = x, .xr = xr };
	char errbuf[CURL_ERROR_SIZE], range[32];
	const char *redir = NULL;
	CURLcode crc;
	CURL *h;
	int rc;

	memset(xr, 0, sizeof(*xr));
	cti__http_resp_reset(&xr->resp);
	if ((rc = curl_ready()))
		return rc;
	if (!(h = x->handle ? x->handle : curl_easy_init()))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	curl_easy_reset(h);
	errbuf[0] = '\0';
	for (const char *const *hp = x->headers; hp && *hp; hp++) {
		if (!(tmp = curl_slist_append(hdrs, *hp))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto out;
		}
		hdrs = tmp;
	}
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, x->url);
	SET(CURLOPT_PROTOCOLS_STR, o->allow_http ? "http,https" : "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cacert)
		SET(CURLOPT_CAINFO, o->cacert);
	if (o->capath)
		SET(CURLOPT_CAPATH, o->capath);
	if (o->pinnedpubkey)
		SET(CURLOPT_PINNEDPUBLICKEY, o->pinnedpubkey);
	if (o->cert)
		SET(CURLOPT_SSLCERT, o->cert);
	if (o->key)
		SET(CURLOPT_SSLKEY, o->key);
	SET(CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout);
	if (o->timeout > 0)
		SET(CURLOPT_TIMEOUT, (long)o->timeout);
	if (o->low_speed_time > 0 && o->low_speed_limit > 0) {
		SET(CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time);
		SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	}
	SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent :
					       "cti/" CTI_VERSION);
	if (x->user || x->token) {
		SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	} else if (o->netrc_file) {
		SET(CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		SET(CURLOPT_NETRC_FILE, o->netrc_file);
	} else {
		SET(CURLOPT_NETRC, (long)(o->netrc ? CURL_NETRC_OPTIONAL :
						     CURL_NETRC_IGNORED));
	}
	if (x->user) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, x->user);
		SET(CURLOPT_PASSWORD, x->password ? x->password : "");
	} else if (x->token) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		SET(CURLOPT_XOAUTH2_BEARER, x->token);
	}
	if (hdrs)
		SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &c);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, &c);
	/* a hint: libcurl 7.88 refuses to resize the buffer of a handle
	 * whose last transfer failed, and the transfer works without it */
	(void)curl_easy_setopt(h, CURLOPT_BUFFERSIZE, DOWNLOAD_BUFFER);
	if (o->progress) {
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, &c);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
	if (strcmp(x->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (x->source) {
		SET(CURLOPT_READFUNCTION, on_read);
		SET(CURLOPT_READDATA, &c);
		SET(CURLOPT_SEEKFUNCTION, on_seek);
		SET(CURLOPT_SEEKDATA, &c);
		(void)curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE,
				       UPLOAD_BUFFER);
		if (strcmp(x->method, "POST") == 0) {
			SET(CURLOPT_POST, 1L);
			SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->size);
		} else {
			SET(CURLOPT_UPLOAD, 1L);
			SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->size);
			if (strcmp(x->method, "PUT") != 0)
				SET(CURLOPT_CUSTOMREQUEST, x->method);
		}
	} else {
		if (x->range_from > 0) {
			snprintf(range, sizeof(range), "%llu-",
				 (unsigned long long)x->range_from);
			SET(CURLOPT_RANGE, range);
		}
		if (x->max_size > x->range_from)
			SET(CURLOPT_MAXFILESIZE_LARGE,
			    (curl_off_t)(x->max_size - x->range_from));
	}

	crc = curl_easy_perform(h);
	if (xr->resp.status == 0) {
		long st = 0;

		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
		xr->resp.status = st;
	}
	if (crc == CURLE_OK && xr->resp.status >= 300 &&
	    xr->resp.status < 400 &&
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &redir) == CURLE_OK &&
	    redir && !(xr->location = strdup(redir))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	if (crc == CURLE_OK && !c.head_called && x->head_done &&
	    xr->resp.status >= 200 && (rc = x->head_done(x->ctx, &xr->resp)))
		goto out;
	xr->curl_code = (int)crc;
	if (crc == CURLE_OK) {
		rc = CTI_OK;
	} else if (c.sink_rc) {
		/* a callback's own error, its message already set */
		rc = c.sink_rc;
	} else {
		rc = map_curl(crc, &xr->retryable);
		if (crc == CURLE_FILESIZE_EXCEEDED)
			cti__seterr(rc, "%s: larger than the size limit of "
				    "%llu bytes", x->display,
				    (unsigned long long)x->max_size);
		else
			cti__seterr(rc, "%s: %s", x->display,
				    errbuf[0] ? errbuf : curl_easy_strerror(crc));
	}
	goto out;

setopt_failed:
	rc = crc == CURLE_OUT_OF_MEMORY ?
		     cti__seterr(CTI_ENOMEM, "out of memory") :
		     cti__seterr(CTI_EUSAGE, "%s: %s", x->display,
				 curl_easy_strerror(crc));
out:
	/* the options point into memory of the caller's: forget them */
	curl_easy_reset(h);
	if (!x->handle)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return rc;
}

void
cti__xres_clear(struct cti__xres *xr)
{
	free(xr->location);
	xr->location = NULL;
}

int
cti__url_parse(struct cti__url *u, const char *url)
{
	CURLU *cu;
	CURLUcode uc;
	char *s = NULL;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((rc = curl_ready()))
		return rc;
	if (!(cu = curl_url()))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((uc = curl_url_set(cu, CURLUPART_URL, url,
			       CURLU_NON_SUPPORT_SCHEME))) {
		curl_url_cleanup(cu);
		return cti__seterr(CTI_EUSAGE, "bad URL: %s",
				   curl_url_strerror(uc));
	}
	if (curl_url_get(cu, CURLUPART_USER, &s, 0) == CURLUE_OK) {
		u->has_userinfo = 1;
		curl_free(s);
	}
	if (curl_url_get(cu, CURLUPART_SCHEME, &s, 0) == CURLUE_OK) {
		u->scheme = strdup(s);
		curl_free(s);
	}
	if (curl_url_get(cu, CURLUPART_HOST, &s, 0) == CURLUE_OK) {
		u->host = strdup(s);
		curl_free(s);
	}
	if (curl_url_get(cu, CURLUPART_PORT, &s, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		u->port = strdup(s);
		curl_free(s);
	}
	if (curl_url_get(cu, CURLUPART_PATH, &s, 0) == CURLUE_OK) {
		u->path = strdup(s);
		curl_free(s);
	}
	curl_url_cleanup(cu);
	if (!u->scheme || !u->host || !u->port || !u->path) {
		cti__url_free(u);
		return cti__seterr(CTI_EUSAGE, "bad URL: no host");
	}
	return CTI_OK;
}

void
cti__url_free(struct cti__url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->port);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

int
cti__url_resolve(char **out, const char *base, const char *ref)
{
	CURLU *cu;
	CURLUcode uc;
	char *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = curl_ready()))
		return rc;
	if (!(cu = curl_url()))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((uc = curl_url_set(cu, CURLUPART_URL, base, 0)) ||
	    (uc = curl_url_set(cu, CURLUPART_URL, ref, 0)) ||
	    (uc = curl_url_get(cu, CURLUPART_URL, &s, 0))) {
		curl_url_cleanup(cu);
		return cti__seterr(CTI_EUSAGE, "bad URL: %s",
				   curl_url_strerror(uc));
	}
	curl_url_cleanup(cu);
	*out = strdup(s);
	curl_free(s);
	if (!*out)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}
