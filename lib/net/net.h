/*
 * net.h - the transport layer of libcti: the backend interface every scheme
 * implements, the libcurl exchange behind the HTTP-based backends, and the
 * parsers of HTTP header values. Not installed.
 *
 * Layers, top to bottom:
 *   transport.c  the public cti_net_* functions: scheme dispatch, option
 *                checks, credentials, retries with back-off
 *   https.c      one backend per scheme (dir.c for local directories);
 *                a backend does one attempt of an operation and says
 *                whether another attempt may help
 *   curl.c       one HTTP exchange through libcurl (the only file that
 *                includes <curl/curl.h>)
 *   http.c       pure parsers of what a server sends (fuzzed)
 */
#ifndef CTI_NET_H
#define CTI_NET_H

#include <stdint.h>

#include "internal.h"

/* ------------------------------------------------------------ http.c */

/* Longest ETag kept (RFC 9110 puts no limit; servers use tens of bytes). */
#define CTI__ETAG_MAX 256
/* Longest reason phrase kept for messages. */
#define CTI__REASON_MAX 64

/* What libcti keeps of one HTTP response's head. */
struct cti__http_resp {
	long status;			  /* 0 until a status line came */
	char reason[CTI__REASON_MAX + 1]; /* printable ASCII only */
	char etag[CTI__ETAG_MAX + 1];	  /* "" when absent or malformed */
	int64_t last_modified;		  /* Unix seconds, -1 when absent */
	int64_t retry_after;		  /* seconds from now, -1 when absent */
	int64_t content_length;		  /* -1 when absent */
	int has_range;			  /* a valid Content-Range came */
	uint64_t range_first, range_last; /* its byte range */
	int64_t range_total;		  /* its complete length, -1 for '*' */
};

void cti__http_resp_reset(struct cti__http_resp *r);

/*
 * Feed one line of a response head as received (with or without its CRLF).
 * A status line ("HTTP/1.1 200 OK", "HTTP/2 304") starts a new response: r
 * is reset, so that the head of an interim 100 response or of a redirect
 * leaves nothing behind. Header fields libcti does not use are ignored,
 * malformed values are dropped. now: the clock, for a Retry-After date.
 * Returns 0, or -1 when a status line is malformed.
 */
int cti__http_line(struct cti__http_resp *r, const char *line, size_t len,
		   int64_t now);

/* "HTTP/x[.y] NNN [reason]": the status (100-599) and the reason phrase
 * (printable ASCII only, cut at size - 1). 0 or -1. */
int cti__http_status_line(long *status, char *reason, size_t size,
			  const char *line, size_t len);

/* An HTTP-date (RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and
 * asctime forms) into Unix seconds. 0 or -1. */
int cti__http_date(int64_t *t, const char *s, size_t n);

/* Write t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into out. */
void cti__http_date_format(char out[30], int64_t t);

/* Retry-After: delay-seconds or an HTTP-date (made relative to now, never
 * negative). 0 or -1. */
int cti__http_retry_after(int64_t *secs, const char *s, size_t n,
			  int64_t now);

/* Whether s[0..n) is an entity tag: [W/]"...", the inside made of etagc
 * (0x21, 0x23-0x7E, obs-text), at most CTI__ETAG_MAX bytes. */
int cti__http_etag_ok(const char *s, size_t n);

/* Content-Range: "bytes FIRST-LAST/TOTAL" or "bytes FIRST-LAST/ *" (total
 * -1), with FIRST <= LAST < TOTAL. "bytes * /TOTAL" (of a 416) is refused.
 * 0 or -1. */
int cti__http_content_range(uint64_t *first, uint64_t *last, int64_t *total,
			    const char *s, size_t n);

/* ------------------------------------------------------------ curl.c */

/*
 * One HTTP exchange, as the HTTP-based backends describe it to curl.c. All
 * strings are borrowed for the call. No redirect is followed: a 3xx comes
 * back with its Location resolved in *location (malloc'd).
 */
struct cti__xfer {
	void *handle;		  /* from cti__curl_new(), or NULL */
	const char *url;
	const char *display;	  /* the URL as messages show it */
	const char *method;	  /* "GET", "HEAD", "PUT", "POST" */
	const struct cti_net_opts *opts;
	const char *user, *password; /* basic auth, or NULL */
	const char *token;	  /* bearer, or NULL */
	const char *const *headers; /* extra "Name: value" lines, NULL-ended */
	/* GET */
	uint64_t range_from;	  /* Range: bytes=N- when > 0 */
	int (*sink)(void *ctx, const void *p, size_t n); /* body bytes */
	int (*head_done)(void *ctx, const struct cti__http_resp *r);
	void *ctx;
	uint64_t max_size;	  /* 0: none */
	/* PUT, POST */
	long (*source)(void *ctx, void *buf, size_t n, uint64_t off);
	uint64_t size;
};

/* The outcome of an exchange. */
struct cti__xres {
	struct cti__http_resp resp;
	int curl_code;		/* 0 when the exchange completed */
	int retryable;		/* another attempt may succeed */
	uint64_t received;	/* body bytes given to the sink */
	uint64_t sent;		/* body bytes sent */
	char *location;		/* a 3xx's target, absolute; malloc'd */
};

/*
 * Run the exchange. Returns CTI_OK when a complete response came (whatever
 * its status: the caller judges it), else an error with the message set:
 * CTI_ENET (xr->retryable tells whether retrying may help), CTI_EREMOTE,
 * CTI_ELIMIT (the body passed max_size), CTI_EUSAGE (a malformed URL),
 * CTI_EIO (a local file of the options), or what the sink returned.
 */
int cti__curl_exchange(struct cti__xres *xr, const struct cti__xfer *x);
/* A libcurl handle kept across exchanges (its connections are reused). */
void *cti__curl_new(void);
void cti__curl_free(void *handle);
void cti__xres_clear(struct cti__xres *xr);

/* URL parts, through libcurl's URL parser. Strings malloc'd. */
struct cti__url {
	char *scheme, *host, *port, *path;
	int has_userinfo;
};
int cti__url_parse(struct cti__url *u, const char *url);
void cti__url_free(struct cti__url *u);

/* ------------------------------------------------------------ backends */

/*
 * A backend serves one scheme. Each operation does one attempt; the retry
 * loop, back-off and Retry-After live above, in transport.c. On failure
 * an operation sets t->retry when another attempt may help, and
 * t->retry_after when the server said how long to wait (else -1).
 */
struct cti__try {
	int retry;
	int64_t retry_after;
};

struct cti__get {
	const char *target;		/* URL or path of the resource */
	const struct cti_net_get *req;	/* the caller's conditions */
	uint64_t from;			/* ask for the bytes from here on */
	const char *if_range;		/* validator for a Range request */
	int64_t if_range_time;		/* ... or a date */
	int (*begin)(void *ctx, uint64_t offset, int64_t length);
	int (*write)(void *ctx, const void *p, size_t n);
	void *ctx;
	int head_only;			/* stat: HEAD, no body */
};

struct cti__put {
	const char *target;
	const struct cti_net_put *req;
};

struct cti__backend {
	const char *name;	/* "https", "dir" */
	int (*open)(cti_net *n);
	int (*get)(cti_net *n, const struct cti__get *g,
		   struct cti_net_result *res, struct cti__try *t);
	int (*put)(cti_net *n, const struct cti__put *p,
		   struct cti_net_result *res, struct cti__try *t);
	void (*close)(cti_net *n);
};

/* One open source or destination. */
struct cti_net {
	const struct cti__backend *be;
	struct cti_net_opts opts;	/* a copy; strings stay borrowed */
	char *url;			/* as given */
	int is_dir;			/* names are appended to url */
	int is_http;			/* http://, allowed by the options */
	char *user;			/* basic auth user (copy) */
	char *password;			/* sodium_malloc'd, or NULL */
	char *token;			/* sodium_malloc'd, or NULL */
	void *priv;			/* the backend's own */
};

/* The backends (functions, not exported data: see t0100's symbol check). */
const struct cti__backend *cti__backend_https(void);
const struct cti__backend *cti__backend_dir(void);

/* Report through opts->info / opts->warn, when set. */
void cti__net_info(const cti_net *n, const char *fmt, ...) CTI_PRINTF(2, 3);
void cti__net_warn(const cti_net *n, const char *fmt, ...) CTI_PRINTF(2, 3);

/* A URL fit for messages: userinfo and query removed; malloc'd, or NULL. */
char *cti__url_display(const char *url);

#endif
