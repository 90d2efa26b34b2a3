/*
 * net.h - the transport layer of libcti: the backend interface every scheme
 * implements, the libcurl exchange behind the HTTP-based backends, and the
 * parsers of HTTP header values. Not installed.
 *
 * Layers, top to bottom:
 *   transport.c  the public cti_net_* functions: scheme dispatch, option
 *                checks, credentials, retries with back-off
 *   https.c      one backend per scheme (dir.c for local directories,
 *                taxii.c for TAXII collections and s3.c for S3 objects,
 *                on https.c's exchanges); a backend does one attempt of
 *                an operation and says whether another attempt may help
 *   curl.c       one HTTP exchange through libcurl (the only file that
 *                includes <curl/curl.h>)
 *   sigv4.c      AWS Signature Version 4, for s3.c
 *   http.c       pure parsers of what a server sends (fuzzed),
 *   taxiifmt.c   those of what a TAXII server sends (fuzzed), and
 *   s3xml.c      that of S3's error documents (fuzzed)
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

/* ------------------------------------------------------------ taxiifmt.c */

/* The media types of TAXII 2.1 and 2.0. */
#define CTI__TAXII21 "application/taxii+json;version=2.1"
#define CTI__TAXII20 "application/vnd.oasis.taxii+json; version=2.0"
#define CTI__STIX20 "application/vnd.oasis.stix+json; version=2.0"

/* Longest "next" token kept (a longer one is CTI_ELIMIT), status id and
 * timestamp. */
#define CTI__TAXII_NEXT_MAX 1024
#define CTI__TAXII_ID_MAX 256
#define CTI__TAXII_TS_MAX 40

/* What cti keeps of a TAXII response's head. */
struct cti__taxii_head {
	char content_type[128];		   /* printable ASCII; "" absent */
	char added_first[CTI__TAXII_TS_MAX + 1]; /* X-TAXII-Date-Added-First */
	char added_last[CTI__TAXII_TS_MAX + 1];	 /* and -Last: STIX
					      timestamps, "" when absent or
					      malformed */
	int has_range;			   /* Content-Range: items A-B/T */
	uint64_t range_first, range_last;
	int64_t range_total;		   /* -1 for '*' */
};
void cti__taxii_head_reset(struct cti__taxii_head *h);
/* One line of a response head; a status line starts over (a redirect's
 * or an interim response's head says nothing of the final one). */
void cti__taxii_head_line(struct cti__taxii_head *h, const char *line,
			  size_t len);
/* The TAXII version a Content-Type value names: 21 (TAXII 2.1, or STIX
 * 2.1), 20 (TAXII or STIX 2.0), 0 (anything else). Parameters are
 * compared without case and blanks. */
int cti__taxii_media(const char *content_type);

/* A page of objects: a TAXII 2.1 envelope, or a TAXII 2.0 bundle. */
struct cti__taxii_page {
	int more;			/* "more" is true */
	char next[CTI__TAXII_NEXT_MAX + 1]; /* "next", decoded; "" absent */
	uint64_t count;			/* objects */
	int bundle;			/* it was a bundle (TAXII 2.0) */
};
/*
 * Read the page in fd, from offset 0 (name: for messages): every byte is
 * validated by the STIX reader (cti_reader_next()), each object handed to
 * each() in order (a non-zero return ends the read with it), then "more"
 * and "next" taken from the top level. A page without "objects" holds
 * none. CTI_EFORMAT for anything but one JSON object with an "objects"
 * array or none (an array, JSON Lines, gzip, "more" not a boolean, "next"
 * not a string), CTI_ELIMIT for a "next" over CTI__TAXII_NEXT_MAX bytes,
 * and the reader's errors.
 */
int cti__taxii_page_read(struct cti__taxii_page *pg, int fd, const char *name,
			 int (*each)(void *ctx, const struct cti_object *o),
			 void *ctx);

/* A TAXII error object's "title" and "description" as one line ("TITLE:
 * DESCRIPTION", control characters and invalid UTF-8 as '?') into out;
 * -1 when json/len is not an error object. */
int cti__taxii_error_text(char *out, size_t size, const char *json,
			  size_t len);

/*
 * The documents of discovery, an API root, collections and statuses.
 * Their strings are malloc'd copies with control characters and invalid
 * UTF-8 as '?'; NULL when absent. Each parser returns CTI_OK, CTI_EFORMAT
 * (the message says what is wrong, without naming the document's URL),
 * or CTI_ENOMEM.
 */
struct cti__taxii_discovery {
	char *title, *description, *contact, *def;
	char **roots;			/* "api_roots", as written */
	size_t nroots;
};
int cti__taxii_discovery_parse(struct cti__taxii_discovery *d,
			       const char *json, size_t len);
void cti__taxii_discovery_clear(struct cti__taxii_discovery *d);

struct cti__taxii_root {
	char *title, *description;
	int version;			/* 21, 20 (its versions), 0 neither */
	uint64_t max_content_length;	/* 0 when absent or invalid */
	int is_discovery;		/* it has "api_roots": not a root */
};
int cti__taxii_root_parse(struct cti__taxii_root *r, const char *json,
			  size_t len);
void cti__taxii_root_clear(struct cti__taxii_root *r);

struct cti__taxii_coll {
	char *id, *title, *description;
	int can_read, can_write;
};
/* One collection object; one without an id is CTI_EFORMAT. */
int cti__taxii_collection_parse(struct cti__taxii_coll *c, const char *json,
				size_t len);
/* {"collections": [...]}, or {} for none: *out an array of *n. */
int cti__taxii_collections_parse(struct cti__taxii_coll **out, size_t *n,
				 const char *json, size_t len);
void cti__taxii_coll_clear(struct cti__taxii_coll *c);
void cti__taxii_colls_free(struct cti__taxii_coll *c, size_t n);

/* A status resource (2.1, or 2.0 with ids as strings). The counts are
 * the document's, or the lengths of its lists when it gives none; failed()
 * gets each failure (version NULL in 2.0, message NULL when none given),
 * and its non-zero return ends the parse with it. */
struct cti__taxii_status {
	char id[CTI__TAXII_ID_MAX + 1];
	int complete;			/* "status": "complete" */
	uint64_t total, success, failure, pending;
};
int cti__taxii_status_parse(struct cti__taxii_status *st, const char *json,
			    size_t len,
			    int (*failed)(void *ctx, const char *id,
					  const char *version,
					  const char *message),
			    void *ctx);

/* ------------------------------------------------------------ sigv4.c */

/* The payload hash of an empty body, and that of a body not signed. */
#define CTI__SHA256_EMPTY                                                   \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CTI__UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* A header to sign: its name (any case) and value, as sent. */
struct cti__sigv4_hdr {
	const char *name, *value;
};

/* The signing key of one scope ("DATE/REGION/SERVICE/aws4_request"),
 * kept between requests; as secret as the secret key for that day: keep
 * it in sodium_malloc() memory. An empty scope is no key yet. */
struct cti__sigv4_key {
	char scope[128];
	unsigned char key[32];
};

/* One request to sign. */
struct cti__sigv4 {
	const char *method;
	const char *path;	/* the canonical URI: the path as sent, each
				   segment encoded once (S3 normalises
				   nothing) */
	const char *query;	/* as sent, without '?'; NULL or "": none */
	const struct cti__sigv4_hdr *hdrs; /* every header signed (host
				   and x-amz-date among them) */
	size_t nhdrs;		/* at most 64 */
	const char *payload_hash; /* hex SHA-256, or UNSIGNED-PAYLOAD */
	const char *region, *service;
	const char *key_id, *secret;
	int64_t time;		/* of the request, as x-amz-date says it */
};

/*
 * The value of the Authorization header of r ("AWS4-HMAC-SHA256
 * Credential=ID/SCOPE, SignedHeaders=..., Signature=HEX") into out (size
 * bytes). *key is derived again when its scope is not r's. Returns 0, or
 * -1 for a request that cannot be signed (a header name that is not a
 * token, a value with a line break, a path that is not one, a region or
 * key id with a '/', too many headers, or out too small).
 */
int cti__sigv4_sign(char *out, size_t size, struct cti__sigv4_key *key,
		    const struct cti__sigv4 *r);
/* The canonical request of r appended to b, its signed header names
 * (";"-separated) into signed_headers. 0 or -1, as above. */
int cti__sigv4_canonical(struct cti__buf *b, char *signed_headers,
			 size_t size, const struct cti__sigv4 *r);
/* s[0..n) URI-encoded as SigV4 wants: every byte but the unreserved
 * characters of RFC 3986 (and '/' when keep_slash) as %XX, upper-case.
 * 0, or -1 out of memory. */
int cti__sigv4_encode(struct cti__buf *b, const char *s, size_t n,
		      int keep_slash);
/* t as x-amz-date writes it: "20130524T000000Z". */
void cti__sigv4_time(char out[17], int64_t t);

/* ------------------------------------------------------------ s3xml.c */

/* The largest S3 error document read. */
#define CTI__S3_ERROR_MAX (64u << 10)

/* What cti keeps of an S3 error document. */
struct cti__s3_error {
	char code[64];		/* "NoSuchKey": letters, digits, '.', '_' */
	char message[256];	/* printable ASCII; "" when none */
};
/* The Code and Message of the <Error> document doc[0..len). 0, or -1
 * when it is not one (no root Error element, no valid Code). */
int cti__s3_error_parse(struct cti__s3_error *e, const char *doc,
			size_t len);

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
	/* every line of every response head, as received (status lines
	   included: a redirect's or an interim response's come first) */
	void (*header)(void *ctx, const char *line, size_t len);
	void *hctx;
	/* the body of a response that is not 2xx, kept up to errbody_max
	   bytes (an error document to report) */
	struct cti__buf *errbody;
	size_t errbody_max;
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

/* ------------------------------------------------------------ https.c */

/*
 * A connection of the HTTP-based backends: libcurl's handle (connections
 * are reused) and the origin of the URL the credentials were given for.
 * cti__https_new() checks url (no user information; http:// only with
 * opts.allow_http, which sets n->is_http).
 */
struct cti__https;
struct cti__try;
struct cti__get;
int cti__https_new(struct cti__https **out, cti_net *n, const char *url);
void cti__https_free(struct cti__https *s);
/*
 * Run x on s, following redirects (to https:// only, a few, credentials
 * only to the origin of s), and judge the final status: 2xx (and 304 when
 * conditional) is CTI_OK; 5xx, 408 and 429 are CTI_ENET with t->retry
 * and t->retry_after set; other statuses CTI_EREMOTE, the message naming
 * the URL and status. res->status and res->location are set.
 */
int cti__https_run(struct cti__https *s, cti_net *n, struct cti__xfer *x,
		   struct cti__xres *xr, struct cti_net_result *res,
		   struct cti__try *t, int conditional);

/*
 * What a backend that speaks HTTP through s adds to each of its exchanges
 * (s3.c signs them):
 *   prepare  called before every exchange (after x's URL, method, headers,
 *            range_from, size and source are set): *headers gets the list
 *            of headers to send instead of x->headers (those and its
 *            own), valid until its next call; a non-zero return (a CTI_E*
 *            code, message set) ends the request with it
 *   header   every line of every response head, as x->header
 *   errbody  the body of an answer that is not 2xx, up to errbody_max
 *            bytes, emptied before every exchange
 * Copied; h->ctx and errbody are borrowed.
 */
struct cti__https_hooks {
	int (*prepare)(void *ctx, const struct cti__xfer *x,
		       const char *const **headers);
	void (*header)(void *ctx, const char *line, size_t len);
	struct cti__buf *errbody;
	size_t errbody_max;
	void *ctx;
};
void cti__https_set_hooks(struct cti__https *s,
			  const struct cti__https_hooks *h);

/* The https backend's GET (or HEAD: g->head_only) of g->target, and PUT
 * (or POST) of req to url, through s, an https:// URL each. The ETag a
 * PUT is answered with goes to res->etag. */
int cti__https_get(struct cti__https *s, cti_net *n, const struct cti__get *g,
		   struct cti_net_result *res, struct cti__try *t);
int cti__https_put(struct cti__https *s, cti_net *n, const char *url,
		   const struct cti_net_put *req, struct cti_net_result *res,
		   struct cti__try *t);

/* URL parts, through libcurl's URL parser. Strings malloc'd. */
struct cti__url {
	char *scheme, *host, *port, *path;
	int has_userinfo;
};
int cti__url_parse(struct cti__url *u, const char *url);
void cti__url_free(struct cti__url *u);
/* The reference ref resolved against base (RFC 3986 section 5), malloc'd
 * into *out; CTI_EUSAGE when either is malformed. */
int cti__url_resolve(char **out, const char *base, const char *ref);

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

/* ------------------------------------------------------------ taxii.c */

/* Whether n is a TAXII URL. */
int cti__net_is_taxii(const cti_net *n);

/* The collection a TAXII URL names, as the server describes it. */
struct cti__taxii_info {
	const char *root;		/* the API root's URL (https://) */
	const char *url;		/* the collection's */
	const char *id;			/* its id */
	const char *title;		/* its title, "" when none */
	int version;			/* 21, or 20 for a TAXII 2.0 server */
	int can_read, can_write;
	uint64_t max_content_length;	/* the API root's; 0 unknown */
};
/*
 * Resolve the collection n names, once: GET its API root (TAXII 2.1, or
 * 2.0 when the server answers 406 or names only taxii-2.0: said through
 * opts.info), then the collection, or the list of collections to find
 * one by title. *out is borrowed from n. CTI_EUSAGE for a TAXII URL that
 * names no collection, or a title several collections have; CTI_EREMOTE
 * for one none has; the errors of the requests (a TAXII error object's
 * title and description in the message).
 */
int cti__taxii_collection(const struct cti__taxii_info **out, cti_net *n);

/*
 * The objects of the collection, page after page, each object to
 * object() in the order received; it sets *repeat when the object came
 * earlier in this query (the same id and version), which tells a page
 * that brings nothing new: paging that makes no progress ends with
 * CTI_EFORMAT instead of going round. TAXII 2.1: GET objects with
 * limit, added_after and match[FIELD] filters, following "next" with the
 * same query, by X-TAXII-Date-Added-Last when "more" comes without a
 * "next" (or a "next" only repeats pages), and from the last page's
 * X-TAXII-Date-Added-Last again when a "next" is refused (it expired).
 * TAXII 2.0: "Range: items A-B" pages of limit objects.
 */
struct cti__taxii_query {
	const char *added_after;	/* a STIX timestamp, or NULL */
	unsigned limit;			/* objects asked for per page */
	const char *const *match;	/* "FIELD=VALUES", NULL-terminated
					   (may be NULL): FIELD type, id,
					   spec_version or version */
	int (*object)(void *ctx, const struct cti_object *o, int *repeat);
	void *ctx;
	/* out */
	char last[CTI__TAXII_TS_MAX + 1]; /* the latest
					   X-TAXII-Date-Added-Last, "" */
	unsigned pages;			/* pages received */
	uint64_t objects;		/* objects in them */
	long status;			/* the last HTTP status */
	int attempts;			/* requests made, retries included */
};
int cti__taxii_objects(cti_net *n, struct cti__taxii_query *q);

/* Check the names and values of match filters ("FIELD=VALUES"): 0, or
 * -1 with the message set (CTI_EUSAGE). */
int cti__taxii_match_check(const char *const *match);

/*
 * POST body/len (an envelope, or a TAXII 2.0 bundle) to the collection's
 * objects, and parse the status of the answer (202) into *st, failures
 * to failed(). Retried as every request. CTI_EREMOTE with *too_large set
 * for a 413.
 */
int cti__taxii_post(cti_net *n, const char *body, size_t len,
		    struct cti__taxii_status *st, int *too_large,
		    int (*failed)(void *ctx, const char *id,
				  const char *version, const char *message),
		    void *ctx);
/* GET the status resource id into *st, failures to failed(). */
int cti__taxii_status(cti_net *n, const char *id, struct cti__taxii_status *st,
		      int (*failed)(void *ctx, const char *id,
				    const char *version, const char *message),
		      void *ctx);

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
const struct cti__backend *cti__backend_taxii(void);
const struct cti__backend *cti__backend_s3(void);

/*
 * The retry loop of every backend: attempt(ctx, t) until it returns
 * CTI_OK, fails without t->retry, or opts.retries more attempts have
 * failed, waiting between attempts as cti_net.h says (back-off with
 * jitter, Retry-After up to opts.max_wait). *attempts (may be NULL) gets
 * the number made.
 */
int cti__net_retry(cti_net *n, int (*attempt)(void *ctx, struct cti__try *t),
		   void *ctx, int *attempts);

/* Report through opts->info / opts->warn, when set. */
void cti__net_info(const cti_net *n, const char *fmt, ...) CTI_PRINTF(2, 3);
void cti__net_warn(const cti_net *n, const char *fmt, ...) CTI_PRINTF(2, 3);

/* A URL fit for messages: userinfo and query removed; malloc'd, or NULL. */
char *cti__url_display(const char *url);

/* Take name's value out of the environment into sodium_malloc() memory
 * (sodium_free() wipes it), wiping it there: CTI_OK with *out NULL when
 * it is not set, CTI_ELIMIT past 4096 bytes, CTI_ENOMEM. */
int cti__net_secret_env(char **out, const char *name);

#endif
