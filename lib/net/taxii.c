/*
 * taxii.c - the TAXII backend: a TAXII 2.1 collection (or a TAXII 2.0 one)
 * behind the transport layer, on https.c's exchanges. It resolves the
 * collection a URL names, pages through its objects with the habits of
 * real servers in mind (limits capped, cursors that expire or repeat,
 * "more" without "next", 2.0 Range paging), and posts envelopes and polls
 * statuses. Every request carries the TAXII Accept header and goes through
 * the retry loop of transport.c.
 *
 * Addressing:
 *   taxii+https://HOST/API-ROOT/collections/ID/         a collection
 *   taxii+https://HOST/API-ROOT/collections/by-title/T/ one by its title
 *                                                       (percent-encoded)
 *   taxii+https://HOST/DISCOVERY/                       discovery (--list)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

/* Largest discovery, API root, collections or status document. */
#define DOC_MAX (4u << 20)
/* Bytes of an error answer kept for its message. */
#define ERRBODY_MAX 4096
/* The "by-title" path segment of a collection named by its title. */
#define BY_TITLE "by-title/"

struct taxii {
	struct cti__https *s;
	char *url;		/* the URL given, without "taxii+" */
	int resolved;
	int version;		/* 21, or 20 once the server said so */
	int warned_ct;		/* a wrong Content-Type was said once */
	char *root, *coll, *id, *title;
	struct cti__taxii_info info;
	int pfd;		/* the page being read, or -1 */
};

int
cti__net_is_taxii(const cti_net *n)
{
	return n && n->be == cti__backend_taxii();
}

static struct taxii *
priv(cti_net *n)
{
	return n->priv;
}

/* ------------------------------------------------------------ requests */

/* One TAXII request, as the retry loop repeats it. */
struct req {
	cti_net *n;
	const char *url;
	const char *method;	/* GET or POST */
	const char *body;	/* POST */
	size_t len;
	int v20;		/* the TAXII 2.0 media types */
	const char *range;	/* "items A-B", or NULL */
	int fd;			/* the body into this file, or -1: into doc */
	struct cti__buf doc;
	struct cti__taxii_head head;
	struct cti__buf err;	/* an error answer's body */
	long status;		/* the last answer's (a 400 or 416 comes back
				   as CTI_EREMOTE: the caller judges it) */
};

static int
req_sink(void *arg, const void *p, size_t len)
{
	struct req *r = arg;

	if (r->fd >= 0) {
		if (cti__write_full(r->fd, p, len) < 0)
			return cti__seterrno(CTI_EIO, errno, "a TAXII page");
		return CTI_OK;
	}
	if (r->doc.len + len > DOC_MAX)
		return cti__seterr(CTI_ELIMIT, "%s: a TAXII document larger "
				   "than %u bytes", r->url, DOC_MAX);
	return cti__buf_put(&r->doc, p, len) ?
		       cti__seterr(CTI_ENOMEM, "out of memory") :
		       CTI_OK;
}

static void
req_header(void *arg, const char *line, size_t len)
{
	struct req *r = arg;

	cti__taxii_head_line(&r->head, line, len);
}

static long
req_source(void *arg, void *buf, size_t n, uint64_t off)
{
	struct req *r = arg;

	if (off > r->len)
		return 0;
	if (n > r->len - off)
		n = r->len - (size_t)off;
	memcpy(buf, r->body + off, n);
	return (long)n;
}

/* Add the TAXII error object of the answer, if it is one, to the message. */
static int
explain(int rc, const struct req *r)
{
	char text[512], msg[1024];

	if (!r->err.len || cti__taxii_error_text(text, sizeof(text), r->err.p,
						  r->err.len) < 0)
		return rc;
	snprintf(msg, sizeof(msg), "%s", cti_errmsg());
	return cti__seterr(rc, "%s: %s", msg, text);
}

static int
req_attempt(void *arg, struct cti__try *t)
{
	struct req *r = arg;
	struct cti_net_result res = { 0 };
	struct cti__xfer x = { .opts = &r->n->opts };
	struct cti__xres xr = { 0 };
	const char *hdrs[4] = { NULL };
	char accept[96], ctype[96], range[64];
	size_t k = 0;
	int rc;

	snprintf(accept, sizeof(accept), "Accept: %s",
		 r->v20 ? CTI__TAXII20 : CTI__TAXII21);
	hdrs[k++] = accept;
	if (r->body) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
			 r->v20 ? CTI__STIX20 : CTI__TAXII21);
		hdrs[k++] = ctype;
	}
	if (r->range) {
		snprintf(range, sizeof(range), "Range: %s", r->range);
		hdrs[k++] = range;
	}
	if (r->fd >= 0 && (ftruncate(r->fd, 0) < 0 ||
			   lseek(r->fd, 0, SEEK_SET) < 0))
		return cti__seterrno(CTI_EIO, errno, "a TAXII page");
	cti__buf_reset(&r->doc);
	cti__buf_reset(&r->err);
	cti__taxii_head_reset(&r->head);
	x.method = r->method;
	x.url = r->url;
	x.headers = hdrs;
	x.sink = req_sink;
	x.ctx = r;
	x.header = req_header;
	x.hctx = r;
	x.errbody = &r->err;
	x.errbody_max = ERRBODY_MAX;
	x.max_size = r->fd >= 0 ? r->n->opts.max_size : 0;
	if (r->body) {
		x.source = req_source;
		x.size = r->len;
	}
	cti_net_result_clear(&res);
	rc = cti__https_run(priv(r->n)->s, r->n, &x, &xr, &res, t, 0);
	r->status = res.status;
	cti__xres_clear(&xr);
	cti_net_result_clear(&res);
	if (rc == CTI_ENET || rc == CTI_EREMOTE)
		rc = explain(rc, r);
	return rc;
}

/* The body is JSON labelled otherwise: go on, with a warning, once. */
static int
check_media(struct req *r)
{
	struct taxii *tx = priv(r->n);
	char first = 0, *disp;
	int m = cti__taxii_media(r->head.content_type);

	if (m)
		return CTI_OK;
	if (r->fd >= 0) {
		char buf[64];
		ssize_t got = pread(r->fd, buf, sizeof(buf), 0);

		for (ssize_t i = 0; i < got && !first; i++)
			if (!strchr(" \t\r\n", buf[i]))
				first = buf[i];
	} else {
		for (size_t i = 0; i < r->doc.len && !first; i++)
			if (!strchr(" \t\r\n", r->doc.p[i]))
				first = r->doc.p[i];
	}
	disp = cti__url_display(r->url);
	if (first != '{') {
		int rc = cti__seterr(CTI_EFORMAT, "%s: not a TAXII answer "
				     "(Content-Type: %s)",
				     disp ? disp : r->url,
				     r->head.content_type[0] ?
					     r->head.content_type :
					     "none");

		free(disp);
		return rc;
	}
	if (!tx->warned_ct) {
		tx->warned_ct = 1;
		cti__net_warn(r->n, "%s: Content-Type %s is not TAXII's: "
			      "taken as TAXII JSON", disp ? disp : r->url,
			      r->head.content_type[0] ? r->head.content_type :
							"missing");
	}
	free(disp);
	return CTI_OK;
}

/* Run r through the retry loop; a 2xx answer's body is in r->doc or
 * r->fd, its media type checked. */
static int
run(struct req *r, int *attempts)
{
	int rc, k = 0;

	rc = cti__net_retry(r->n, req_attempt, r, &k);
	if (attempts)
		*attempts += k;
	if (rc == CTI_OK)
		rc = check_media(r);
	return rc;
}

static void
req_clear(struct req *r)
{
	cti__buf_free(&r->doc);
	cti__buf_free(&r->err);
}

/* GET url into r->doc. */
static int
get_doc(struct req *r, cti_net *n, const char *url, int v20)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->url = url;
	r->method = "GET";
	r->fd = -1;
	r->v20 = v20;
	return run(r, NULL);
}

/* ------------------------------------------------------------ URLs */

/* Append s percent-encoded (all but unreserved characters, and those of
 * keep) to b. */
static int
put_enc(struct cti__buf *b, const char *s, const char *keep)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		int plain = (*c >= 'A' && *c <= 'Z') ||
			    (*c >= 'a' && *c <= 'z') ||
			    (*c >= '0' && *c <= '9') || strchr("-._~", *c) ||
			    (keep && strchr(keep, *c));

		if (plain ? cti__buf_putc(b, *c) :
			    cti__buf_printf(b, "%%%02X", *c))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	return CTI_OK;
}

/* Decode %XX in s[0..n) into a malloc'd string; NULL for a bad escape or
 * a NUL. */
static char *
pct_decode(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	size_t o = 0;

	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (s[i] != '%') {
			d[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]) ||
		    sscanf(s + i + 1, "%2x", &v) != 1 || v == 0) {
			free(d);
			return NULL;
		}
		d[o++] = (char)v;
		i += 2;
	}
	d[o] = '\0';
	return d;
}

static char *
join(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = c ? strlen(c) : 0;
	char *s = malloc(la + lb + lc + 1);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c ? c : "", lc + 1);
	return s;
}

/* ------------------------------------------------------------ backend */

static int
taxii_open(cti_net *n)
{
	struct taxii *tx;
	const char *u = n->url + strlen("taxii+");
	size_t len = strlen(u);
	int rc;

	if (!(tx = calloc(1, sizeof(*tx))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	tx->pfd = -1;
	tx->version = 21;
	n->priv = tx;
	/* always a directory-like URL: "/" at the end */
	if (!(tx->url = malloc(len + 2)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memcpy(tx->url, u, len + 1);
	if (strchr(tx->url, '?') || strchr(tx->url, '#')) {
		char *d = cti__url_display(n->url);

		rc = cti__seterr(CTI_EUSAGE, "%s: a TAXII URL takes no query "
				 "or fragment", d ? d : "TAXII URL");
		free(d);
		return rc;
	}
	if (len && tx->url[len - 1] != '/')
		strcpy(tx->url + len, "/");
	if ((rc = cti__https_new(&tx->s, n, tx->url)))
		return rc;
	return CTI_OK;
}

static void
taxii_close(cti_net *n)
{
	struct taxii *tx = n->priv;

	if (!tx)
		return;
	cti__https_free(tx->s);
	if (tx->pfd >= 0)
		close(tx->pfd);
	free(tx->url);
	free(tx->root);
	free(tx->coll);
	free(tx->id);
	free(tx->title);
	free(tx);
	n->priv = NULL;
}

static int
taxii_get(cti_net *n, const struct cti__get *g, struct cti_net_result *res,
	  struct cti__try *t)
{
	(void)g;
	(void)res;
	t->retry = 0;
	return cti__seterr(CTI_EUSAGE, "%s: a TAXII collection holds objects, "
			   "not a file: pull it with cti pull", n->url);
}

static int
taxii_put(cti_net *n, const struct cti__put *p, struct cti_net_result *res,
	  struct cti__try *t)
{
	(void)p;
	(void)res;
	t->retry = 0;
	return cti__seterr(CTI_EUSAGE, "%s: a TAXII collection takes objects, "
			   "not a file: push a bundle file with cti push",
			   n->url);
}

static const struct cti__backend backend = {
	.name = "taxii",
	.open = taxii_open,
	.get = taxii_get,
	.put = taxii_put,
	.close = taxii_close,
};

const struct cti__backend *
cti__backend_taxii(void)
{
	return &backend;
}

/* ------------------------------------------------------------ resolve */

/* GET the API root root: TAXII 2.1, or 2.0 after a 406 or when its
 * versions name only 2.0. */
static int
fetch_root(cti_net *n, const char *root, struct cti__taxii_root *out)
{
	struct taxii *tx = priv(n);
	struct req r;
	int rc, v20 = 0;

	rc = get_doc(&r, n, root, 0);
	if (rc == CTI_EREMOTE && r.status == 406) {
		req_clear(&r);
		cti__net_info(n, "%s: 406 to TAXII 2.1: asking for TAXII 2.0",
			      root);
		v20 = 1;
		rc = get_doc(&r, n, root, 1);
	}
	if (rc == CTI_OK &&
	    (rc = cti__taxii_root_parse(out, r.doc.p, r.doc.len)))
		cti__preferr(rc, "%s", root);
	req_clear(&r);
	if (rc)
		return rc;
	if (out->is_discovery) {
		cti__taxii_root_clear(out);
		return cti__seterr(CTI_EUSAGE, "%s: a discovery document, not "
				   "an API root", root);
	}
	if (out->version == 0) {
		cti__taxii_root_clear(out);
		return cti__seterr(CTI_EREMOTE, "%s: the API root speaks "
				   "neither TAXII 2.1 nor 2.0", root);
	}
	if (v20 || out->version == 20) {
		if (!v20)
			cti__net_info(n, "%s: the API root speaks TAXII 2.0 "
				      "only", root);
		cti__net_info(n, "%s: TAXII 2.0: its media types and Range "
			      "paging", root);
		out->version = 20;
	}
	tx->version = out->version;
	return CTI_OK;
}

/* Find the collection titled title among the root's. */
static int
by_title(cti_net *n, const char *title, struct cti__taxii_coll *out)
{
	struct taxii *tx = priv(n);
	struct cti__taxii_coll *c = NULL;
	struct req r;
	char *url;
	size_t nc = 0, hits = 0, at = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(url = join(tx->root, "collections/", NULL)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	rc = get_doc(&r, n, url, tx->version == 20);
	if (rc == CTI_OK &&
	    (rc = cti__taxii_collections_parse(&c, &nc, r.doc.p, r.doc.len)))
		cti__preferr(rc, "%s", url);
	req_clear(&r);
	for (size_t i = 0; rc == CTI_OK && i < nc; i++)
		if (c[i].title && strcmp(c[i].title, title) == 0) {
			hits++;
			at = i;
		}
	if (rc == CTI_OK && hits == 0)
		rc = cti__seterr(CTI_EREMOTE, "%s: no collection titled \"%s\"",
				 url, title);
	else if (rc == CTI_OK && hits > 1)
		rc = cti__seterr(CTI_EUSAGE, "%s: %zu collections are titled "
				 "\"%s\": name one by its id", url, hits,
				 title);
	if (rc == CTI_OK) {
		*out = c[at];
		memset(&c[at], 0, sizeof(c[at]));
	}
	cti__taxii_colls_free(c, nc);
	free(url);
	return rc;
}

int
cti__taxii_collection(const struct cti__taxii_info **out, cti_net *n)
{
	struct taxii *tx = priv(n);
	struct cti__taxii_root root = { 0 };
	struct cti__taxii_coll c = { 0 };
	struct cti__url u;
	struct cti__buf b = { 0 };
	const char *at, *rest;
	char *title = NULL, *id = NULL, *disp;
	size_t pathoff;
	int rc;

	*out = NULL;
	if (tx->resolved) {
		*out = &tx->info;
		return CTI_OK;
	}
	if ((rc = cti__url_parse(&u, tx->url)))
		return rc;
	/* the path starts after "scheme://authority" */
	pathoff = strlen(tx->url) - strlen(u.path);
	cti__url_free(&u);
	at = strstr(tx->url + pathoff, "/collections/");
	disp = cti__url_display(n->url);
	if (at) {
		const char *name = rest = at + strlen("/collections/"), *sl;

		if (strncmp(rest, BY_TITLE, strlen(BY_TITLE)) == 0)
			name += strlen(BY_TITLE);
		sl = strchr(name, '/');
		if (!sl || sl == name || sl[1])
			at = NULL;
	}
	if (!at) {
		rc = cti__seterr(CTI_EUSAGE, "%s: names no TAXII collection "
				 "(want taxii+https://HOST/API-ROOT/"
				 "collections/ID/)", disp ? disp : "URL");
		free(disp);
		return rc;
	}
	free(disp);
	if (!(tx->root = malloc((size_t)(at - tx->url) + 2)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memcpy(tx->root, tx->url, (size_t)(at - tx->url) + 1);
	tx->root[at - tx->url + 1] = '\0';
	if (strncmp(rest, BY_TITLE, strlen(BY_TITLE)) == 0) {
		const char *t = rest + strlen(BY_TITLE);

		if (!(title = pct_decode(t, strlen(t) - 1)) || !*title) {
			free(title);
			return cti__seterr(CTI_EUSAGE, "%s: a bad collection "
					   "title", t);
		}
	} else if (!(id = pct_decode(rest, strlen(rest) - 1)) || !*id) {
		free(id);
		return cti__seterr(CTI_EUSAGE, "%s: a bad collection id", rest);
	}
	if ((rc = fetch_root(n, tx->root, &root)))
		goto out;
	if (title) {
		if ((rc = by_title(n, title, &c)))
			goto out;
	} else {
		struct req r;
		char *url;

		if (cti__buf_puts(&b, tx->root) ||
		    cti__buf_puts(&b, "collections/") ||
		    put_enc(&b, id, NULL) || cti__buf_putc(&b, '/')) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto out;
		}
		url = b.p;
		rc = get_doc(&r, n, url, tx->version == 20);
		if (rc == CTI_OK && (rc = cti__taxii_collection_parse(
					     &c, r.doc.p, r.doc.len)))
			cti__preferr(rc, "%s", url);
		req_clear(&r);
		if (rc)
			goto out;
		if (strcmp(c.id, id) != 0) {
			rc = cti__seterr(CTI_EREMOTE, "%s: the server describes "
					 "collection %s instead", url, c.id);
			goto out;
		}
		cti__buf_reset(&b);
	}
	if (cti__buf_puts(&b, tx->root) || cti__buf_puts(&b, "collections/") ||
	    put_enc(&b, c.id, NULL) || cti__buf_putc(&b, '/')) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	tx->coll = b.p;
	b.p = NULL;
	tx->id = c.id;
	c.id = NULL;
	if (!(tx->title = strdup(c.title ? c.title : ""))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	tx->info.root = tx->root;
	tx->info.url = tx->coll;
	tx->info.id = tx->id;
	tx->info.title = tx->title;
	tx->info.version = tx->version;
	tx->info.can_read = c.can_read;
	tx->info.can_write = c.can_write;
	tx->info.max_content_length = root.max_content_length;
	tx->resolved = 1;
	*out = &tx->info;
out:
	cti__taxii_root_clear(&root);
	cti__taxii_coll_clear(&c);
	cti__buf_free(&b);
	free(title);
	free(id);
	return rc;
}

/* ------------------------------------------------------------ match */

static const char *const match_fields[] = { "type", "id", "spec_version",
					    "version" };

int
cti__taxii_match_check(const char *const *match)
{
	for (size_t i = 0; match && match[i]; i++) {
		const char *m = match[i], *eq = strchr(m, '='), *v;
		size_t k, fl;

		if (!eq)
			return cti__seterr(CTI_EUSAGE, "match %s: want "
					   "FIELD=VALUE[,VALUE...]", m);
		fl = (size_t)(eq - m);
		for (k = 0; k < CTI_ARRAY_LEN(match_fields); k++)
			if (strlen(match_fields[k]) == fl &&
			    strncmp(m, match_fields[k], fl) == 0)
				break;
		if (k == CTI_ARRAY_LEN(match_fields))
			return cti__seterr(CTI_EUSAGE, "match %.*s: not a field "
					   "TAXII filters on (type, id, "
					   "spec_version, version)",
					   (int)fl, m);
		v = eq + 1;
		if (!*v || *v == ',' || v[strlen(v) - 1] == ',' ||
		    strstr(v, ",,"))
			return cti__seterr(CTI_EUSAGE, "match %s: an empty "
					   "value", m);
		for (const char *c = v; *c; c++)
			if (*c <= 0x20 || *c >= 0x7f)
				return cti__seterr(CTI_EUSAGE, "match %.*s: a "
						   "blank or a byte that is "
						   "not printable ASCII",
						   (int)fl, m);
	}
	return CTI_OK;
}

/* ------------------------------------------------------------ objects */

struct walk {
	struct cti__taxii_query *q;
	uint64_t fresh;		/* objects not seen before in this query */
};

static int
walk_each(void *ctx, const struct cti_object *o)
{
	struct walk *w = ctx;
	int repeat = 0, rc;

	if ((rc = w->q->object(w->q->ctx, o, &repeat)))
		return rc;
	if (!repeat)
		w->fresh++;
	return CTI_OK;
}

/* The URL of a TAXII 2.1 objects request. */
static int
objects_url(struct cti__buf *b, struct taxii *tx,
	    const struct cti__taxii_query *q, const char *added_after,
	    const char *next)
{
	cti__buf_reset(b);
	if (cti__buf_puts(b, tx->coll) || cti__buf_puts(b, "objects/"))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (tx->version == 20) {
		if (cti__buf_putc(b, '?'))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	} else if (cti__buf_printf(b, "?limit=%u", q->limit ? q->limit : 1000)) {
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (added_after && *added_after &&
	    (cti__buf_puts(b, "&added_after=") ||
	     put_enc(b, added_after, ":")))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (size_t i = 0; q->match && q->match[i]; i++) {
		const char *eq = strchr(q->match[i], '=');

		if (cti__buf_printf(b, "&match%%5B%.*s%%5D=",
				    (int)(eq - q->match[i]), q->match[i]) ||
		    put_enc(b, eq + 1, ",:"))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (next && *next &&
	    (cti__buf_puts(b, "&next=") || put_enc(b, next, NULL)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}

static int
no_progress(const char *url, const char *why)
{
	char *d = cti__url_display(url);
	int rc = cti__seterr(CTI_EFORMAT, "%s: the server's paging makes no "
			     "progress (%s)", d ? d : url, why);

	free(d);
	return rc;
}

/* A page: request it and read its objects. */
static int
page(struct req *r, struct cti__taxii_query *q, struct cti__taxii_page *pg,
     uint64_t *fresh)
{
	struct walk w = { .q = q };
	char *d;
	int rc;

	if ((rc = run(r, &q->attempts)))
		return rc;
	q->status = r->status;
	if (!(d = cti__url_display(r->url)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	rc = cti__taxii_page_read(pg, r->fd, d, walk_each, &w);
	free(d);
	if (rc)
		return rc;
	q->pages++;
	q->objects += pg->count;
	*fresh = w.fresh;
	if (r->head.added_last[0] &&
	    (!q->last[0] || strcmp(r->head.added_last, q->last) != 0)) {
		int64_t a, b;

		/* keep the latest: a page never moves the cursor back */
		if (!q->last[0] || (cti__parse_ts(&a, r->head.added_last, 0) >= 0 &&
				    cti__parse_ts(&b, q->last, 0) >= 0 && a > b))
			strcpy(q->last, r->head.added_last);
	}
	return CTI_OK;
}

static int
objects21(cti_net *n, struct cti__taxii_query *q, struct req *r)
{
	struct taxii *tx = priv(n);
	struct cti__buf url = { 0 };
	char next[CTI__TAXII_NEXT_MAX + 1] = "";
	char after[CTI__TAXII_TS_MAX + 1] = "";
	char prev[CTI__TAXII_TS_MAX + 1] = "";
	int rc, by_date = 0, restarts = 0;

	if (q->added_after)
		snprintf(after, sizeof(after), "%s", q->added_after);
	for (;;) {
		struct cti__taxii_page pg;
		uint64_t fresh = 0;

		if ((rc = objects_url(&url, tx, q, after, next)))
			break;
		r->url = url.p;
		rc = page(r, q, &pg, &fresh);
		if (rc == CTI_EREMOTE && r->status == 400 && next[0]) {
			/* the cursor was refused: it expired (or the server
			 * forgot it); the last page's date goes on from
			 * where it ended */
			if (++restarts > 2)
				break;
			cti__net_info(n, "%s: next refused: going on after "
				      "%s", tx->coll,
				      q->last[0] ? q->last : "the start");
			next[0] = '\0';
			if (q->last[0])
				strcpy(after, q->last);
			continue;
		}
		if (rc)
			break;
		if (!pg.more)
			break;
		/* a page that ends where the one before it ended brings
		 * nothing new, whatever the caller counted */
		if (pg.count && r->head.added_last[0] &&
		    strcmp(prev, r->head.added_last) == 0)
			fresh = 0;
		snprintf(prev, sizeof(prev), "%s", r->head.added_last);
		if (fresh == 0 && pg.count > 0 && next[0] && !by_date) {
			/* a "next" that gives the same page again */
			cti__net_info(n, "%s: next repeats pages: paging by "
				      "date added", tx->coll);
			by_date = 1;
		} else if (fresh == 0) {
			rc = no_progress(url.p, pg.count ? "a page of objects "
					 "already received" :
					 "an empty page with more");
			break;
		}
		if (fresh)
			restarts = 0;
		if (pg.next[0] && !by_date) {
			strcpy(next, pg.next);
			continue;
		}
		/* "more" without "next": the page's last date goes on */
		next[0] = '\0';
		if (!r->head.added_last[0]) {
			rc = no_progress(url.p, "more without next nor "
					 "X-TAXII-Date-Added-Last");
			break;
		}
		if (strcmp(after, r->head.added_last) == 0 && fresh == 0) {
			rc = no_progress(url.p, "the same date added twice");
			break;
		}
		strcpy(after, r->head.added_last);
	}
	if (rc == CTI_EREMOTE && restarts > 2)
		cti__preferr(rc, "next refused again and again");
	cti__buf_free(&url);
	return rc;
}

static int
objects20(cti_net *n, struct cti__taxii_query *q, struct req *r)
{
	struct taxii *tx = priv(n);
	struct cti__buf url = { 0 };
	char range[64];
	uint64_t first = 0, limit = q->limit ? q->limit : 1000;
	int rc;

	if ((rc = objects_url(&url, tx, q, q->added_after, NULL)))
		return rc;
	r->url = url.p;
	for (;;) {
		struct cti__taxii_page pg;
		uint64_t fresh = 0;

		snprintf(range, sizeof(range), "items %llu-%llu",
			 (unsigned long long)first,
			 (unsigned long long)(first + limit - 1));
		r->range = range;
		rc = page(r, q, &pg, &fresh);
		if (rc == CTI_EREMOTE && r->status == 416 && first > 0) {
			/* past the end: the collection shrank */
			rc = CTI_OK;
			break;
		}
		if (rc)
			break;
		if (r->status != 206 || !r->head.has_range)
			break; /* all of it */
		if (r->head.range_first != first) {
			rc = cti__seterr(CTI_EREMOTE, "%s: items %llu-%llu "
					 "where %llu- was asked for", tx->coll,
					 (unsigned long long)r->head.range_first,
					 (unsigned long long)r->head.range_last,
					 (unsigned long long)first);
			break;
		}
		if (r->head.range_total >= 0 &&
		    r->head.range_last + 1 >= (uint64_t)r->head.range_total)
			break;
		if (pg.count == 0) {
			if (r->head.range_total < 0)
				break;
			rc = no_progress(url.p, "an empty page");
			break;
		}
		first = r->head.range_last + 1;
	}
	cti__buf_free(&url);
	return rc;
}

int
cti__taxii_objects(cti_net *n, struct cti__taxii_query *q)
{
	const struct cti__taxii_info *info;
	struct taxii *tx;
	struct req r;
	int rc;

	q->last[0] = '\0';
	q->pages = 0;
	q->objects = 0;
	q->status = 0;
	q->attempts = 0;
	if (!cti__net_is_taxii(n))
		return cti__seterr(CTI_EINVAL, "not a TAXII source");
	if (q->added_after && q->added_after[0]) {
		int64_t us;

		if (strlen(q->added_after) > CTI__TAXII_TS_MAX ||
		    cti__parse_ts(&us, q->added_after, 0) < 0)
			return cti__seterr(CTI_EUSAGE, "%s: not a timestamp",
					   q->added_after);
	}
	if ((rc = cti__taxii_match_check(q->match)))
		return rc;
	if ((rc = cti__taxii_collection(&info, n)))
		return rc;
	tx = priv(n);
	if (!info->can_read)
		cti__net_info(n, "%s: the server says it cannot be read",
			      tx->coll);
	if (tx->pfd < 0 && (rc = cti__tmpfile(&tx->pfd)))
		return rc;
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.method = "GET";
	r.fd = tx->pfd;
	r.v20 = tx->version == 20;
	rc = r.v20 ? objects20(n, q, &r) : objects21(n, q, &r);
	req_clear(&r);
	/* the page file is reused; its bytes are not kept */
	if (ftruncate(tx->pfd, 0) < 0 && rc == CTI_OK)
		rc = cti__seterrno(CTI_EIO, errno, "a TAXII page");
	return rc;
}

/* ------------------------------------------------------------ POST */

/* The backend of n, its collection resolved. */
static int
resolved(struct taxii **out, cti_net *n, const char *what)
{
	const struct cti__taxii_info *info;
	int rc;

	*out = NULL;
	if (!cti__net_is_taxii(n))
		return cti__seterr(CTI_EINVAL, "not a TAXII %s", what);
	if ((rc = cti__taxii_collection(&info, n)))
		return rc;
	*out = priv(n);
	return CTI_OK;
}

int
cti__taxii_post(cti_net *n, const char *body, size_t len,
		struct cti__taxii_status *st, int *too_large,
		int (*failed)(void *ctx, const char *id, const char *version,
			      const char *message),
		void *ctx)
{
	struct taxii *tx;
	struct req r;
	char *url;
	int rc;

	*too_large = 0;
	memset(st, 0, sizeof(*st));
	if ((rc = resolved(&tx, n, "destination")))
		return rc;
	if (!(url = join(tx->coll, "objects/", NULL)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.url = url;
	r.method = "POST";
	r.body = body;
	r.len = len;
	r.fd = -1;
	r.v20 = tx->version == 20;
	rc = run(&r, NULL);
	if (rc == CTI_EREMOTE && r.status == 413)
		*too_large = 1;
	if (rc == CTI_OK && (rc = cti__taxii_status_parse(st, r.doc.p,
							 r.doc.len, failed,
							 ctx)))
		cti__preferr(rc, "%s", url);
	req_clear(&r);
	free(url);
	return rc;
}

int
cti__taxii_status(cti_net *n, const char *id, struct cti__taxii_status *st,
		  int (*failed)(void *ctx, const char *id, const char *version,
				const char *message),
		  void *ctx)
{
	struct taxii *tx;
	struct cti__buf b = { 0 };
	struct req r;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = resolved(&tx, n, "destination")))
		return rc;
	if (cti__buf_puts(&b, tx->root) || cti__buf_puts(&b, "status/") ||
	    put_enc(&b, id, NULL) || cti__buf_putc(&b, '/')) {
		cti__buf_free(&b);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	rc = get_doc(&r, n, b.p, tx->version == 20);
	if (rc == CTI_OK && (rc = cti__taxii_status_parse(st, r.doc.p,
							 r.doc.len, failed,
							 ctx)))
		cti__preferr(rc, "%s", b.p);
	req_clear(&r);
	cti__buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------ listing */

/* An API root's URL as discovery gives it, made absolute against the
 * discovery URL, and https:// when the server is: an http:// root of an
 * https:// server is taken at the origin the server was reached at when
 * the host is the same, else at https:// on its host and port. */
static int
root_url(char **out, cti_net *n, const char *given)
{
	struct taxii *tx = priv(n);
	struct cti__url u, self;
	char *abs = NULL;
	int rc;

	*out = NULL;
	if ((rc = cti__url_resolve(&abs, tx->url, given)))
		return cti__preferr(rc, "API root %s", given);
	if ((rc = cti__url_parse(&u, abs))) {
		free(abs);
		return rc;
	}
	if (strcmp(u.scheme, "http") == 0 && !n->is_http) {
		struct cti__buf b = { 0 };

		if ((rc = cti__url_parse(&self, tx->url))) {
			cti__url_free(&u);
			free(abs);
			return rc;
		}
		if (strcmp(self.host, u.host) == 0)
			rc = cti__buf_printf(&b, "https://%s:%s%s", self.host,
					     self.port, u.path);
		else if (strcmp(u.port, "80") == 0)
			rc = cti__buf_printf(&b, "https://%s%s", u.host,
					     u.path);
		else
			rc = cti__buf_printf(&b, "https://%s:%s%s", u.host,
					     u.port, u.path);
		cti__url_free(&self);
		if (rc) {
			cti__url_free(&u);
			free(abs);
			return cti__seterr(CTI_ENOMEM, "out of memory");
		}
		cti__net_info(n, "API root %s: http:// from an https:// "
			      "server: taken as %s", abs, b.p);
		free(abs);
		abs = b.p;
	} else if (strcmp(u.scheme, "https") != 0 &&
		   strcmp(u.scheme, "http") != 0) {
		cti__url_free(&u);
		rc = cti__seterr(CTI_EREMOTE, "API root %s: not an https:// "
				 "URL", abs);
		free(abs);
		return rc;
	}
	cti__url_free(&u);
	if (abs[strlen(abs) - 1] != '/') {
		char *s = join(abs, "/", NULL);

		free(abs);
		if (!(abs = s))
			return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	*out = abs;
	return CTI_OK;
}

/* List the collections of the API root url; a root that cannot be listed
 * is one entry with the reason. */
static int
list_root(cti_net *n, const char *url, const char *disc,
	  int (*each)(void *ctx, const struct cti_taxii_entry *e), void *ctx)
{
	struct taxii *tx = priv(n);
	struct cti__taxii_root root = { 0 };
	struct cti__taxii_coll *c = NULL;
	struct cti_taxii_entry e = { .discovery = disc, .root = url,
				     .root_title = "" };
	struct req r;
	char *curl = NULL;
	size_t nc = 0;
	int rc;

	if ((rc = fetch_root(n, url, &root)) == CTI_OK) {
		e.root_title = root.title ? root.title : "";
		e.version = root.version;
		if (!(curl = join(url, "collections/", NULL)))
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (rc == CTI_OK) {
		rc = get_doc(&r, n, curl, tx->version == 20);
		if (rc == CTI_OK && (rc = cti__taxii_collections_parse(
					     &c, &nc, r.doc.p, r.doc.len)))
			cti__preferr(rc, "%s", curl);
		req_clear(&r);
	}
	if (rc == CTI_ENOMEM)
		goto out;
	if (rc) {
		e.error = cti_errmsg();
		rc = each(ctx, &e);
		goto out;
	}
	for (size_t i = 0; i < nc && rc == CTI_OK; i++) {
		e.id = c[i].id;
		e.title = c[i].title ? c[i].title : "";
		e.can_read = c[i].can_read;
		e.can_write = c[i].can_write;
		rc = each(ctx, &e);
	}
	if (nc == 0)
		rc = each(ctx, &e);
out:
	cti__taxii_colls_free(c, nc);
	cti__taxii_root_clear(&root);
	free(curl);
	return rc;
}

int
cti_taxii_list(cti_net *n,
	       int (*each)(void *ctx, const struct cti_taxii_entry *e),
	       void *ctx)
{
	struct cti__taxii_discovery d = { 0 };
	struct cti__taxii_root root = { 0 };
	struct taxii *tx;
	struct req r;
	int rc, v20 = 0;

	if (!n || !each)
		return cti__seterr(CTI_EINVAL, "nothing to list");
	if (!cti__net_is_taxii(n))
		return cti__seterr(CTI_EUSAGE, "%s: not a TAXII URL "
				   "(taxii+https://)", n->url);
	tx = priv(n);
	rc = get_doc(&r, n, tx->url, 0);
	if (rc == CTI_EREMOTE && r.status == 406) {
		req_clear(&r);
		cti__net_info(n, "%s: 406 to TAXII 2.1: asking for TAXII 2.0",
			      tx->url);
		v20 = 1;
		rc = get_doc(&r, n, tx->url, 1);
	}
	if (rc == CTI_OK &&
	    (rc = cti__taxii_root_parse(&root, r.doc.p, r.doc.len)) == CTI_OK &&
	    root.is_discovery &&
	    (rc = cti__taxii_discovery_parse(&d, r.doc.p, r.doc.len)))
		cti__preferr(rc, "%s", tx->url);
	req_clear(&r);
	if (rc) {
		cti__taxii_root_clear(&root);
		return rc;
	}
	if (v20)
		tx->version = 20;
	if (!root.is_discovery) {
		rc = list_root(n, tx->url, "", each, ctx);
	} else {
		for (size_t i = 0; i < d.nroots && rc == CTI_OK; i++) {
			char *u;

			if ((rc = root_url(&u, n, d.roots[i])))
				break;
			rc = list_root(n, u, d.title ? d.title : "", each, ctx);
			free(u);
		}
	}
	cti__taxii_root_clear(&root);
	cti__taxii_discovery_clear(&d);
	return rc;
}
