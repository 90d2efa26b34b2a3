/*
 * https.c - the https:// backend (and http:// when the options allow it):
 * plain GET, HEAD, PUT and POST through curl.c, with the HTTP semantics
 * libcti relies on: redirects followed here (a few, to https:// only, the
 * credentials only to the origin they were given for), statuses judged
 * (5xx, 408 and 429 worth another attempt, other 4xx refused), conditional
 * and range requests and their answers checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

struct cti__https {
	void *handle;		/* libcurl's, kept for connection reuse */
	char *origin;		/* "scheme://host:port" of the URL given */
	struct cti__https_hooks hooks;
};

void
cti__https_set_hooks(struct cti__https *s, const struct cti__https_hooks *h)
{
	s->hooks = *h;
}

/* "scheme://host:port" of url into *out, malloc'd: CTI_OK, or the error
 * of parsing it (CTI_EUSAGE; CTI_EIO when libcurl cannot be loaded). */
static int
origin_of(char **out, const char *url, struct cti__url *parts)
{
	struct cti__url u;
	int rc;

	*out = NULL;
	if ((rc = cti__url_parse(&u, url)))
		return rc;
	if (!(*out = malloc(strlen(u.scheme) + strlen(u.host) + strlen(u.port) +
			    6))) {
		cti__url_free(&u);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	sprintf(*out, "%s://%s:%s", u.scheme, u.host, u.port);
	if (parts)
		*parts = u;
	else
		cti__url_free(&u);
	return CTI_OK;
}

int
cti__https_new(struct cti__https **out, cti_net *n, const char *url)
{
	struct cti__https *s;
	struct cti__url u;
	char *disp;
	int rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (!(disp = cti__url_display(url))) {
		free(s);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if ((rc = origin_of(&s->origin, url, &u))) {
		rc = cti__preferr(rc, "%s", disp);
		free(disp);
		free(s);
		return rc;
	}
	rc = CTI_OK;
	if (u.has_userinfo)
		rc = cti__seterr(CTI_EUSAGE, "%s: credentials in a URL are "
				 "refused: give the user apart and the "
				 "password in a file", disp);
	else if (strcmp(u.scheme, "http") == 0 && !n->opts.allow_http)
		rc = cti__seterr(CTI_EUSAGE, "%s: http:// is refused: it is "
				 "not encrypted (allow it explicitly)", disp);
	else if (strcmp(u.scheme, "http") != 0 &&
		 strcmp(u.scheme, "https") != 0)
		rc = cti__seterr(CTI_EUSAGE, "%s: not an https:// URL", disp);
	free(disp);
	n->is_http = strcmp(u.scheme, "http") == 0;
	cti__url_free(&u);
	if (rc == CTI_OK && !(s->handle = cti__curl_new()))
		rc = cti__seterr(CTI_ENOMEM, "libcurl initialisation failed");
	if (rc) {
		cti__https_free(s);
		return rc;
	}
	*out = s;
	return CTI_OK;
}

void
cti__https_free(struct cti__https *s)
{
	if (!s)
		return;
	cti__curl_free(s->handle);
	free(s->origin);
	free(s);
}

static int
https_open(cti_net *n)
{
	int rc;

	if ((rc = cti__https_new((struct cti__https **)&n->priv, n, n->url)))
		return rc;
	n->is_dir = n->url[strlen(n->url) - 1] == '/';
	return CTI_OK;
}

static void
https_close(cti_net *n)
{
	cti__https_free(n->priv);
	n->priv = NULL;
}

/* What a GET's head callback needs. */
struct head_ctx {
	const struct cti__get *g;
	struct cti_net_result *res;
	uint64_t from;		/* the range asked for in this exchange */
	const char *display;
};

static int
on_head(void *arg, const struct cti__http_resp *r)
{
	struct head_ctx *h = arg;
	struct cti_net_result *res = h->res;
	uint64_t offset = 0;
	int64_t length = -1;

	if ((r->status < 200 || r->status > 299) && r->status != 304)
		return 0;
	free(res->etag);
	res->etag = r->etag[0] ? strdup(r->etag) : NULL;
	if (r->etag[0] && !res->etag)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	res->last_modified = r->last_modified;
	if (r->status == 304)
		return 0;
	if (r->status == 206) {
		if (!h->from || !r->has_range || r->range_first != h->from)
			return cti__seterr(CTI_EREMOTE, "%s: 206 with a range "
					   "that was not asked for",
					   h->display);
		offset = h->from;
		length = r->range_total;
	} else if (r->content_length >= 0) {
		length = r->content_length;
	}
	res->offset = offset;
	res->length = length;
	if (h->g->head_only || !h->g->begin)
		return 0;
	return h->g->begin(h->g->ctx, offset, length);
}

static int
on_write(void *arg, const void *p, size_t n)
{
	struct head_ctx *h = arg;

	return h->g->write(h->g->ctx, p, n);
}

/* Whether the method may be repeated at a redirect's target. */
static int
redirect_ok(long status, const char *method)
{
	switch (status) {
	case 301:
	case 302:
	case 307:
	case 308:
		return 1;
	case 303:
		return strcmp(method, "GET") == 0 ||
		       strcmp(method, "HEAD") == 0;
	default:
		return 0;
	}
}

int
cti__https_run(struct cti__https *s, cti_net *n, struct cti__xfer *x,
	       struct cti__xres *xr, struct cti_net_result *res,
	       struct cti__try *t, int conditional)
{
	char *url = NULL, *disp = NULL, *org = NULL;
	int rc, hops = 0;

	if (!(url = strdup(x->url)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (;;) {
		free(disp);
		if (!(disp = cti__url_display(url))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			break;
		}
		x->url = url;
		x->display = disp;
		x->handle = s->handle;
		/* credentials go to the origin they were given for only */
		free(org);
		if (origin_of(&org, url, NULL)) {
			rc = cti__preferr(CTI_EREMOTE, "%s", disp);
			break;
		}
		if (strcmp(org, s->origin) == 0) {
			x->user = n->user;
			x->password = n->password;
			x->token = n->token;
		} else {
			x->user = x->password = x->token = NULL;
		}
		if (x->source)
			cti__net_info(n, "%s %s (%llu bytes)", x->method, disp,
				      (unsigned long long)x->size);
		else
			cti__net_info(n, "%s %s", x->method, disp);
		cti__xres_clear(xr);
		if (s->hooks.errbody) {
			x->errbody = s->hooks.errbody;
			x->errbody_max = s->hooks.errbody_max;
		}
		/* the answer's own, not a redirect's */
		if (x->errbody)
			cti__buf_reset(x->errbody);
		if (s->hooks.header) {
			x->header = s->hooks.header;
			x->hctx = s->hooks.ctx;
		}
		if (s->hooks.prepare) {
			const char *const *given = x->headers;

			if ((rc = s->hooks.prepare(s->hooks.ctx, x,
						   &x->headers)))
				break;
			rc = cti__curl_exchange(xr, x);
			x->headers = given;
		} else {
			rc = cti__curl_exchange(xr, x);
		}
		res->attempts = res->attempts ? res->attempts : 1;
		res->status = xr->resp.status;
		free(res->location);
		if (!(res->location = strdup(disp))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			break;
		}
		if (rc) {
			t->retry = rc == CTI_ENET && xr->retryable;
			break;
		}
		if (xr->resp.status < 400)
			cti__net_info(n, "%s: %ld%s%s", disp, xr->resp.status,
				      xr->resp.reason[0] ? " " : "",
				      xr->resp.reason);
		if (xr->resp.status >= 300 && xr->resp.status < 400 &&
		    xr->resp.status != 304) {
			struct cti__url u;
			int https;

			if (!redirect_ok(xr->resp.status, x->method) ||
			    !xr->location) {
				rc = cti__seterr(CTI_EREMOTE, "%s: %ld %s: not "
						 "followed", disp,
						 xr->resp.status,
						 xr->resp.reason);
				break;
			}
			if (++hops > n->opts.max_redirects) {
				rc = cti__seterr(CTI_EREMOTE, "%s: too many "
						 "redirects (%d)", disp,
						 n->opts.max_redirects);
				break;
			}
			if (cti__url_parse(&u, xr->location)) {
				rc = cti__preferr(CTI_EREMOTE, "%s: redirect",
						  disp);
				break;
			}
			https = strcmp(u.scheme, "https") == 0;
			if (!https && !(n->opts.allow_http &&
					strcmp(u.scheme, "http") == 0)) {
				char *to = cti__url_display(xr->location);

				rc = cti__seterr(CTI_EREMOTE, "%s: redirect to "
						 "%s refused: not https://",
						 disp, to ? to : u.scheme);
				free(to);
				cti__url_free(&u);
				break;
			}
			if (!https)
				cti__net_warn(n, "redirected to http://: not "
					      "encrypted");
			cti__url_free(&u);
			free(url);
			url = xr->location;
			xr->location = NULL;
			continue;
		}
		if ((xr->resp.status >= 200 && xr->resp.status < 300) ||
		    (xr->resp.status == 304 && conditional)) {
			rc = CTI_OK;
			break;
		}
		if (xr->resp.status >= 500 || xr->resp.status == 408 ||
		    xr->resp.status == 429) {
			t->retry = 1;
			t->retry_after = xr->resp.retry_after;
			rc = CTI_ENET;
		} else {
			rc = CTI_EREMOTE;
		}
		cti__seterr(rc, "%s: %ld%s%s", disp, xr->resp.status,
			    xr->resp.reason[0] ? " " : "", xr->resp.reason);
		break;
	}
	x->url = x->display = NULL;
	free(url);
	free(disp);
	free(org);
	return rc;
}

/* Append "Name: value" to a NULL-terminated list of at most 4 + 1. */
static int
add_header(char **list, const char *name, const char *value)
{
	size_t i = 0;

	while (list[i])
		i++;
	if (!(list[i] = malloc(strlen(name) + strlen(value) + 3)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	sprintf(list[i], "%s: %s", name, value);
	return CTI_OK;
}

static void
free_headers(char **list)
{
	for (size_t i = 0; list[i]; i++)
		free(list[i]);
}

int
cti__https_get(struct cti__https *s, cti_net *n, const struct cti__get *g,
	       struct cti_net_result *res, struct cti__try *t)
{
	const struct cti_net_get *req = g->req;
	struct cti__xfer x = { .opts = &n->opts };
	struct cti__xres xr = { 0 };
	struct head_ctx h = { .g = g, .res = res };
	char *hdrs[5] = { NULL }, date[30];
	int rc, conditional = 0;

	if (req && req->if_none_match && req->if_none_match[0]) {
		if (!cti__http_etag_ok(req->if_none_match,
				       strlen(req->if_none_match)))
			return cti__seterr(CTI_EINVAL, "not an entity tag: %s",
					   req->if_none_match);
		if ((rc = add_header(hdrs, "If-None-Match",
				     req->if_none_match)))
			goto out;
		conditional = 1;
	}
	if (req && req->if_modified_since > 0) {
		cti__http_date_format(date, req->if_modified_since);
		if ((rc = add_header(hdrs, "If-Modified-Since", date)))
			goto out;
		conditional = 1;
	}
	if (g->from > 0 && !g->head_only) {
		if (g->if_range && g->if_range[0]) {
			/* If-Range takes a strong validator only */
			if (!cti__http_etag_ok(g->if_range,
					       strlen(g->if_range)) ||
			    g->if_range[0] == 'W') {
				rc = cti__seterr(CTI_EINVAL, "not a strong "
						 "entity tag: %s", g->if_range);
				goto out;
			}
			rc = add_header(hdrs, "If-Range", g->if_range);
		} else if (g->if_range_time > 0) {
			cti__http_date_format(date, g->if_range_time);
			rc = add_header(hdrs, "If-Range", date);
		} else {
			rc = CTI_OK;
		}
		if (rc)
			goto out;
	}
	x.method = g->head_only ? "HEAD" : "GET";
	x.headers = (const char *const *)hdrs;
	x.url = g->target;
	x.range_from = g->head_only ? 0 : g->from;
	x.sink = g->head_only || !g->write ? NULL : on_write;
	x.head_done = on_head;
	x.ctx = &h;
	x.max_size = n->opts.max_size;
	h.from = x.range_from;
	h.display = g->target;
	rc = cti__https_run(s, n, &x, &xr, res, t, conditional);
	if (rc == CTI_EREMOTE && xr.resp.status == 416 && x.range_from > 0) {
		/* the range is past the end: the resource changed (or the
		 * caller holds it all); take it whole */
		cti__net_info(n, "%s: range refused, downloading it whole",
			      res->location ? res->location : g->target);
		cti__xres_clear(&xr);
		x.range_from = h.from = 0;
		x.headers = NULL;
		if (!conditional)
			rc = cti__https_run(s, n, &x, &xr, res, t, 0);
		else
			rc = cti__seterr(CTI_EREMOTE, "%s: 416 Range Not "
					 "Satisfiable", g->target);
	}
	if (rc == CTI_OK) {
		res->unchanged = res->status == 304;
		res->bytes = xr.received;
	} else {
		res->bytes = xr.received;
	}
out:
	cti__xres_clear(&xr);
	free_headers(hdrs);
	return rc;
}

/* Whether s is fit to be a header value: printable ASCII. */
static int
printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

int
cti__https_put(struct cti__https *s, cti_net *n, const char *url,
	       const struct cti_net_put *req, struct cti_net_result *res,
	       struct cti__try *t)
{
	struct cti__xfer x = { .opts = &n->opts };
	struct cti__xres xr = { 0 };
	char *hdrs[5] = { NULL };
	const char *ct = req->content_type ? req->content_type :
					     "application/octet-stream";
	int rc;

	if (!printable(ct))
		return cti__seterr(CTI_EINVAL, "bad content type");
	if ((rc = add_header(hdrs, "Content-Type", ct)))
		goto out;
	x.method = req->method ? req->method : "PUT";
	x.headers = (const char *const *)hdrs;
	x.url = url;
	x.source = req->read;
	x.ctx = req->ctx;
	x.size = req->size;
	rc = cti__https_run(s, n, &x, &xr, res, t, 0);
	res->bytes = xr.sent;
	free(res->etag);
	res->etag = NULL;
	if (rc == CTI_OK && xr.resp.etag[0] &&
	    !(res->etag = strdup(xr.resp.etag)))
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
	/*
	 * A POST is not idempotent: once its whole body went out and no
	 * answer came back, the server may have acted on it, and sending it
	 * again could do it twice. A PUT puts the same file in the same place
	 * again; a POST answered 503 or 429 was not acted on.
	 */
	if (rc && t->retry && strcmp(x.method, "POST") == 0 &&
	    xr.resp.status == 0 && xr.sent == req->size && req->size > 0) {
		char msg[512];

		t->retry = 0;
		snprintf(msg, sizeof(msg), "%s", cti_errmsg());
		cti__seterr(rc, "%s (the POST went out whole and was not "
			    "answered: it is not sent again)", msg);
	}
out:
	cti__xres_clear(&xr);
	free_headers(hdrs);
	return rc;
}

static int
https_get(cti_net *n, const struct cti__get *g, struct cti_net_result *res,
	  struct cti__try *t)
{
	return cti__https_get(n->priv, n, g, res, t);
}

static int
https_put(cti_net *n, const struct cti__put *p, struct cti_net_result *res,
	  struct cti__try *t)
{
	return cti__https_put(n->priv, n, p->target, p->req, res, t);
}

static const struct cti__backend backend = {
	.name = "https",
	.open = https_open,
	.get = https_get,
	.put = https_put,
	.close = https_close,
};

const struct cti__backend *
cti__backend_https(void)
{
	return &backend;
}
