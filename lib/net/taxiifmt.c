/*
 * taxiifmt.c - parsers of what a TAXII 2.1 (or 2.0) server sends: the head
 * fields TAXII adds, pages of objects, error objects, discovery, API roots,
 * collections and statuses. Pure functions over untrusted input (fuzzed):
 * a page's objects go through the validating STIX reader and never into a
 * tree; the small documents are read with cJSON, and every string kept is
 * a copy fit for a message (control characters and bytes that are not
 * UTF-8 shown as '?').
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"

/* ------------------------------------------------------------ strings */

/* A copy of s with control characters and invalid UTF-8 as '?'. */
static char *
clean_dup(const char *s)
{
	size_t n = strlen(s), i = 0;
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n + 1);
	while (i < n) {
		size_t ok = cti__utf8_check((const unsigned char *)d + i, n - i);

		for (size_t k = i; k < i + ok; k++)
			if ((unsigned char)d[k] < 0x20 || d[k] == 0x7f)
				d[k] = '?';
		i += ok;
		if (i < n)
			d[i++] = '?';
	}
	return d;
}

/* The string member name of o, cleaned, into *out (NULL when absent or
 * not a string). */
static int
get_str(char **out, const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (!cJSON_IsString(v) || !v->valuestring)
		return CTI_OK;
	if (!(*out = clean_dup(v->valuestring)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}

/* A whole number from 0 to 2^53 into *out; -1 when v is none. */
static int
get_count(uint64_t *out, const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!isfinite(d) || d < 0 || d > 9007199254740992.0 || d != floor(d))
		return -1;
	*out = (uint64_t)d;
	return 0;
}

static cJSON *
parse_object(const char *json, size_t len, const char *what)
{
	cJSON *o = cJSON_ParseWithLength(json, len);

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		cti__seterr(CTI_EFORMAT, "not a TAXII %s (not a JSON object)",
			    what);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------ head */

void
cti__taxii_head_reset(struct cti__taxii_head *h)
{
	memset(h, 0, sizeof(*h));
	h->range_total = -1;
}

/* Whether line[0..len) is the header name (any case) and a colon; *v and
 * *vn its value, trimmed. */
static int
header_is(const char **v, size_t *vn, const char *line, size_t len,
	  const char *name)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	line += nl + 1;
	len -= nl + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
		       line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	*v = line;
	*vn = len;
	return 1;
}

/* A STIX timestamp of at most CTI__TAXII_TS_MAX bytes into out, else "". */
static void
keep_ts(char out[CTI__TAXII_TS_MAX + 1], const char *v, size_t n)
{
	int64_t us;

	out[0] = '\0';
	if (n == 0 || n > CTI__TAXII_TS_MAX)
		return;
	memcpy(out, v, n);
	out[n] = '\0';
	if (cti__parse_ts(&us, out, 0) < 0)
		out[0] = '\0';
}

/* Decimal digits v[0..n) into *x (at most 18 of them). */
static int
digits_u64(uint64_t *x, const char *v, size_t n)
{
	uint64_t r = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		r = r * 10 + (uint64_t)(v[i] - '0');
	}
	*x = r;
	return 0;
}

/* "items A-B/T" or "items A-B/ *" (TAXII 2.0), A <= B < T. */
static void
items_range(struct cti__taxii_head *h, const char *v, size_t n)
{
	const char *dash, *slash, *end = v + n;
	uint64_t a, b, t = 0;
	int star;

	h->has_range = 0;
	if (n < 6 || strncasecmp(v, "items", 5) != 0 ||
	    (v[5] != ' ' && v[5] != '='))
		return;
	v += 6;
	if (!(dash = memchr(v, '-', (size_t)(end - v))) ||
	    !(slash = memchr(dash, '/', (size_t)(end - dash))))
		return;
	star = end - slash == 2 && slash[1] == '*';
	if (digits_u64(&a, v, (size_t)(dash - v)) ||
	    digits_u64(&b, dash + 1, (size_t)(slash - dash - 1)) ||
	    (!star && digits_u64(&t, slash + 1, (size_t)(end - slash - 1))) ||
	    b < a || (!star && b >= t))
		return;
	h->has_range = 1;
	h->range_first = a;
	h->range_last = b;
	h->range_total = star ? -1 : (int64_t)t;
}

void
cti__taxii_head_line(struct cti__taxii_head *h, const char *line, size_t len)
{
	const char *v;
	size_t n, o = 0;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		cti__taxii_head_reset(h);
		return;
	}
	if (header_is(&v, &n, line, len, "Content-Type")) {
		for (size_t i = 0; i < n && o + 1 < sizeof(h->content_type);
		     i++)
			if (v[i] >= 0x20 && v[i] < 0x7f)
				h->content_type[o++] = v[i];
		h->content_type[o] = '\0';
	} else if (header_is(&v, &n, line, len, "X-TAXII-Date-Added-First")) {
		keep_ts(h->added_first, v, n);
	} else if (header_is(&v, &n, line, len, "X-TAXII-Date-Added-Last")) {
		keep_ts(h->added_last, v, n);
	} else if (header_is(&v, &n, line, len, "Content-Range")) {
		items_range(h, v, n);
	}
}

int
cti__taxii_media(const char *ct)
{
	char t[128], *semi, *p;
	size_t o = 0;
	int v21 = 0, v20 = 0, noversion = 1;

	for (const char *s = ct; *s && o + 1 < sizeof(t); s++)
		if (*s != ' ' && *s != '\t')
			t[o++] = (char)tolower((unsigned char)*s);
	t[o] = '\0';
	if ((semi = strchr(t, ';')))
		*semi = '\0';
	for (p = semi ? semi + 1 : NULL; p && *p;) {
		char *next = strchr(p, ';');

		if (next)
			*next = '\0';
		if (strncmp(p, "version=", 8) == 0) {
			noversion = 0;
			v21 = strcmp(p + 8, "2.1") == 0 ||
			      strcmp(p + 8, "\"2.1\"") == 0;
			v20 = strcmp(p + 8, "2.0") == 0 ||
			      strcmp(p + 8, "\"2.0\"") == 0;
		}
		p = next ? next + 1 : NULL;
	}
	if (strcmp(t, "application/taxii+json") == 0 ||
	    strcmp(t, "application/stix+json") == 0)
		return v21 || noversion ? 21 : 0;
	if (strcmp(t, "application/vnd.oasis.taxii+json") == 0 ||
	    strcmp(t, "application/vnd.oasis.stix+json") == 0)
		return v20 || noversion ? 20 : 0;
	return 0;
}

/* ------------------------------------------------------------ pages */

/* "more" and "next" of the validated page text. */
static int
page_members(struct cti__taxii_page *pg, const char *json, size_t len)
{
	struct cti_json_field f[] = {
		{ .name = "more" }, { .name = "next" }, { .name = "type" },
	};

	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0) {
		json += 3;
		len -= 3;
	}
	if (cti__json_members(json, len, f, CTI_ARRAY_LEN(f)) < 0)
		return cti__seterr(CTI_EFORMAT, "not a TAXII envelope");
	if (f[0].value) {
		if (f[0].len == 4 && memcmp(f[0].value, "true", 4) == 0)
			pg->more = 1;
		else if (!(f[0].len == 5 && memcmp(f[0].value, "false", 5) == 0))
			return cti__seterr(CTI_EFORMAT, "\"more\" is not "
					   "true or false");
	}
	if (f[1].value) {
		int k;

		if (f[1].value[0] != '"')
			return cti__seterr(CTI_EFORMAT, "\"next\" is not a "
					   "string");
		/* a valid string: only its length can be refused */
		if ((k = cti__json_string(pg->next, sizeof(pg->next),
					  f[1].value, f[1].len)) < 0)
			return cti__seterr(CTI_ELIMIT, "\"next\" is longer "
					   "than %d bytes", CTI__TAXII_NEXT_MAX);
		if ((size_t)k != strlen(pg->next))
			return cti__seterr(CTI_EFORMAT, "\"next\" holds a "
					   "NUL character");
	}
	pg->bundle = f[2].value && f[2].len == 8 &&
		     memcmp(f[2].value, "\"bundle\"", 8) == 0;
	return CTI_OK;
}

/* Largest page read whole to see whether it has objects at all. */
#define SMALL_PAGE 65536

/*
 * A small page without "objects" (an empty envelope is "{}"): read with
 * cJSON, since the STIX reader would take its top level for an object.
 * CTI_OK when it was one (pg filled), 1 when the page is for the reader,
 * or an error.
 */
static int
page_without_objects(struct cti__taxii_page *pg, int fd, const char *name)
{
	char buf[SMALL_PAGE];
	const cJSON *more, *next;
	cJSON *o;
	ssize_t got;
	size_t off = 0;

	got = pread(fd, buf, sizeof(buf), 0);
	if (got < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", name);
	if ((size_t)got == sizeof(buf))
		return 1;
	if (got >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	o = cJSON_ParseWithLength(buf + off, (size_t)got - off);
	if (!cJSON_IsObject(o) ||
	    cJSON_GetObjectItemCaseSensitive(o, "objects")) {
		cJSON_Delete(o);
		return 1;
	}
	more = cJSON_GetObjectItemCaseSensitive(o, "more");
	next = cJSON_GetObjectItemCaseSensitive(o, "next");
	if (more && !cJSON_IsBool(more)) {
		cJSON_Delete(o);
		return cti__seterr(CTI_EFORMAT, "%s: \"more\" is not true or "
				   "false", name);
	}
	if (next && (!cJSON_IsString(next) || !next->valuestring)) {
		cJSON_Delete(o);
		return cti__seterr(CTI_EFORMAT, "%s: \"next\" is not a string",
				   name);
	}
	if (next && strlen(next->valuestring) > CTI__TAXII_NEXT_MAX) {
		cJSON_Delete(o);
		return cti__seterr(CTI_ELIMIT, "%s: \"next\" is longer than %d "
				   "bytes", name, CTI__TAXII_NEXT_MAX);
	}
	pg->more = cJSON_IsTrue(more);
	if (next)
		strcpy(pg->next, next->valuestring);
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");

		pg->bundle = cJSON_IsString(t) && t->valuestring &&
			     strcmp(t->valuestring, "bundle") == 0;
	}
	cJSON_Delete(o);
	return CTI_OK;
}

int
cti__taxii_page_read(struct cti__taxii_page *pg, int fd, const char *name,
		     int (*each)(void *ctx, const struct cti_object *o),
		     void *ctx)
{
	const struct cti_object *o;
	cti_reader *r = NULL;
	struct stat st;
	void *map;
	int rc;

	memset(pg, 0, sizeof(*pg));
	if ((rc = page_without_objects(pg, fd, name)) <= 0)
		return rc;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", name);
	if ((rc = cti_reader_open_fd(&r, fd, name, NULL, 0)))
		return rc;
	while ((rc = cti_reader_next(&o, r)) == CTI_OK && o) {
		if (cti_reader_is_gzip(r)) {
			rc = cti__seterr(CTI_EFORMAT, "%s: gzip, not a TAXII "
					 "envelope", name);
			break;
		}
		switch (cti_reader_layout(r)) {
		case CTI_LAYOUT_BUNDLE:
			pg->count++;
			rc = each ? each(ctx, o) : CTI_OK;
			break;
		case CTI_LAYOUT_OBJECT:
			/* a top level without "objects": none */
			break;
		default:
			rc = cti__seterr(CTI_EFORMAT, "%s: not a TAXII "
					 "envelope (%s)", name,
					 cti_reader_layout(r) ==
							 CTI_LAYOUT_ARRAY ?
						 "an array" :
						 "several JSON values");
			break;
		}
		if (rc)
			break;
	}
	if (rc == CTI_OK && (cti_reader_is_gzip(r) ||
			     (cti_reader_layout(r) != CTI_LAYOUT_BUNDLE &&
			      cti_reader_layout(r) != CTI_LAYOUT_OBJECT)))
		rc = cti__seterr(CTI_EFORMAT, "%s: not a TAXII envelope",
				 name);
	cti_reader_free(r);
	if (rc)
		return rc;
	/* valid JSON now: its top-level members, read in place */
	if (fstat(fd, &st) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", name);
	if (st.st_size == 0)
		return cti__seterr(CTI_EFORMAT, "%s: empty", name);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return cti__seterrno(CTI_EIO, errno, "%s", name);
	rc = page_members(pg, map, (size_t)st.st_size);
	munmap(map, (size_t)st.st_size);
	if (rc)
		return cti__preferr(rc, "%s", name);
	return CTI_OK;
}

/* ------------------------------------------------------------ documents */

int
cti__taxii_error_text(char *out, size_t size, const char *json, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(json, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "title");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "description");
	char *ct, *cd = NULL;

	if (!cJSON_IsObject(o) || !cJSON_IsString(t) || !t->valuestring ||
	    !(ct = clean_dup(t->valuestring))) {
		cJSON_Delete(o);
		return -1;
	}
	if (cJSON_IsString(d) && d->valuestring && d->valuestring[0])
		cd = clean_dup(d->valuestring);
	snprintf(out, size, "%s%s%s", ct, cd ? ": " : "", cd ? cd : "");
	free(ct);
	free(cd);
	cJSON_Delete(o);
	return 0;
}

void
cti__taxii_discovery_clear(struct cti__taxii_discovery *d)
{
	free(d->title);
	free(d->description);
	free(d->contact);
	free(d->def);
	for (size_t i = 0; i < d->nroots; i++)
		free(d->roots[i]);
	free(d->roots);
	memset(d, 0, sizeof(*d));
}

int
cti__taxii_discovery_parse(struct cti__taxii_discovery *d, const char *json,
			   size_t len)
{
	const cJSON *roots, *e;
	cJSON *o;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!(o = parse_object(json, len, "discovery document")))
		return CTI_EFORMAT;
	roots = cJSON_GetObjectItemCaseSensitive(o, "api_roots");
	if ((rc = get_str(&d->title, o, "title")) ||
	    (rc = get_str(&d->description, o, "description")) ||
	    (rc = get_str(&d->contact, o, "contact")) ||
	    (rc = get_str(&d->def, o, "default")))
		goto out;
	if (roots && !cJSON_IsArray(roots)) {
		rc = cti__seterr(CTI_EFORMAT, "\"api_roots\" is not a list");
		goto out;
	}
	if (!roots && !d->title) {
		rc = cti__seterr(CTI_EFORMAT, "not a TAXII discovery document "
				 "(no title, no api_roots)");
		goto out;
	}
	if (cJSON_GetArraySize(roots) > 0 &&
	    !(d->roots = calloc((size_t)cJSON_GetArraySize(roots),
				sizeof(*d->roots)))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(e, roots) {
		if (!cJSON_IsString(e) || !e->valuestring) {
			rc = cti__seterr(CTI_EFORMAT, "an API root that is "
					 "not a string");
			goto out;
		}
		if (!(d->roots[d->nroots] = clean_dup(e->valuestring))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto out;
		}
		d->nroots++;
	}
	rc = CTI_OK;
out:
	cJSON_Delete(o);
	if (rc)
		cti__taxii_discovery_clear(d);
	return rc;
}

void
cti__taxii_root_clear(struct cti__taxii_root *r)
{
	free(r->title);
	free(r->description);
	memset(r, 0, sizeof(*r));
}

int
cti__taxii_root_parse(struct cti__taxii_root *r, const char *json, size_t len)
{
	const cJSON *vs, *e;
	cJSON *o;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!(o = parse_object(json, len, "API root")))
		return CTI_EFORMAT;
	r->is_discovery = cJSON_GetObjectItemCaseSensitive(o, "api_roots") !=
			  NULL;
	if ((rc = get_str(&r->title, o, "title")) ||
	    (rc = get_str(&r->description, o, "description")))
		goto out;
	vs = cJSON_GetObjectItemCaseSensitive(o, "versions");
	if (!r->is_discovery && !cJSON_IsArray(vs)) {
		rc = cti__seterr(CTI_EFORMAT, "not a TAXII API root (no "
				 "versions)");
		goto out;
	}
	cJSON_ArrayForEach(e, vs) {
		int m;

		if (!cJSON_IsString(e) || !e->valuestring)
			continue;
		m = strcmp(e->valuestring, "taxii-2.0") == 0 ?
			    20 :
			    cti__taxii_media(e->valuestring);
		/* the newest both sides speak */
		if (m > r->version)
			r->version = m;
	}
	if (get_count(&r->max_content_length,
		      cJSON_GetObjectItemCaseSensitive(
			      o, "max_content_length")) < 0)
		r->max_content_length = 0;
	rc = CTI_OK;
out:
	cJSON_Delete(o);
	if (rc)
		cti__taxii_root_clear(r);
	return rc;
}

void
cti__taxii_coll_clear(struct cti__taxii_coll *c)
{
	free(c->id);
	free(c->title);
	free(c->description);
	memset(c, 0, sizeof(*c));
}

void
cti__taxii_colls_free(struct cti__taxii_coll *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cti__taxii_coll_clear(&c[i]);
	free(c);
}

static int
coll_from(struct cti__taxii_coll *c, const cJSON *o)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (!cJSON_IsObject(o))
		return cti__seterr(CTI_EFORMAT, "a collection that is not "
				   "an object");
	if ((rc = get_str(&c->id, o, "id")) ||
	    (rc = get_str(&c->title, o, "title")) ||
	    (rc = get_str(&c->description, o, "description"))) {
		cti__taxii_coll_clear(c);
		return rc;
	}
	if (!c->id || !c->id[0]) {
		cti__taxii_coll_clear(c);
		return cti__seterr(CTI_EFORMAT, "a collection without an id");
	}
	c->can_read = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
								    "can_read"));
	c->can_write = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(o, "can_write"));
	return CTI_OK;
}

int
cti__taxii_collection_parse(struct cti__taxii_coll *c, const char *json,
			    size_t len)
{
	cJSON *o;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!(o = parse_object(json, len, "collection")))
		return CTI_EFORMAT;
	rc = coll_from(c, o);
	cJSON_Delete(o);
	return rc;
}

int
cti__taxii_collections_parse(struct cti__taxii_coll **out, size_t *n,
			     const char *json, size_t len)
{
	const cJSON *list, *e;
	struct cti__taxii_coll *c = NULL;
	size_t k = 0;
	cJSON *o;
	int rc = CTI_OK;

	*out = NULL;
	*n = 0;
	if (!(o = parse_object(json, len, "collections document")))
		return CTI_EFORMAT;
	list = cJSON_GetObjectItemCaseSensitive(o, "collections");
	if (list && !cJSON_IsArray(list)) {
		cJSON_Delete(o);
		return cti__seterr(CTI_EFORMAT, "\"collections\" is not a "
				   "list");
	}
	if (cJSON_GetArraySize(list) > 0 &&
	    !(c = calloc((size_t)cJSON_GetArraySize(list), sizeof(*c)))) {
		cJSON_Delete(o);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	cJSON_ArrayForEach(e, list) {
		if ((rc = coll_from(&c[k], e)))
			break;
		k++;
	}
	cJSON_Delete(o);
	if (rc) {
		cti__taxii_colls_free(c, k);
		return rc;
	}
	*out = c;
	*n = k;
	return CTI_OK;
}

/* The failures of a status, to failed(). */
static int
status_failures(const cJSON *list, int (*failed)(void *, const char *,
						 const char *, const char *),
		void *ctx)
{
	const cJSON *e;
	int rc;

	cJSON_ArrayForEach(e, list) {
		char *id = NULL, *ver = NULL, *msg = NULL;

		if (cJSON_IsString(e) && e->valuestring) {
			if (!(id = clean_dup(e->valuestring)))
				return cti__seterr(CTI_ENOMEM, "out of memory");
		} else if (cJSON_IsObject(e)) {
			if ((rc = get_str(&id, e, "id")) ||
			    (rc = get_str(&ver, e, "version")) ||
			    (rc = get_str(&msg, e, "message"))) {
				free(id);
				free(ver);
				return rc;
			}
		} else {
			return cti__seterr(CTI_EFORMAT, "a failure that is "
					   "neither an object nor an id");
		}
		rc = failed ? failed(ctx, id ? id : "", ver, msg) : CTI_OK;
		free(id);
		free(ver);
		free(msg);
		if (rc)
			return rc;
	}
	return CTI_OK;
}

int
cti__taxii_status_parse(struct cti__taxii_status *st, const char *json,
			size_t len,
			int (*failed)(void *ctx, const char *id,
				      const char *version, const char *message),
			void *ctx)
{
	static const struct {
		const char *count, *list;
		size_t off;
	} f[] = {
		{ "total_count", NULL, offsetof(struct cti__taxii_status, total) },
		{ "success_count", "successes",
		  offsetof(struct cti__taxii_status, success) },
		{ "failure_count", "failures",
		  offsetof(struct cti__taxii_status, failure) },
		{ "pending_count", "pendings",
		  offsetof(struct cti__taxii_status, pending) },
	};
	const cJSON *id, *status, *fl;
	cJSON *o;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!(o = parse_object(json, len, "status")))
		return CTI_EFORMAT;
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	status = cJSON_GetObjectItemCaseSensitive(o, "status");
	if (!cJSON_IsString(id) || !id->valuestring || !id->valuestring[0] ||
	    strlen(id->valuestring) > CTI__TAXII_ID_MAX) {
		rc = cti__seterr(CTI_EFORMAT, "a status without a usable id");
		goto out;
	}
	/* the id goes into a URL: printable ASCII only */
	for (const char *c = id->valuestring; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f) {
			rc = cti__seterr(CTI_EFORMAT, "a status id with a "
					 "blank or a byte that is not "
					 "printable ASCII");
			goto out;
		}
	strcpy(st->id, id->valuestring);
	if (!cJSON_IsString(status) || !status->valuestring ||
	    (strcmp(status->valuestring, "complete") != 0 &&
	     strcmp(status->valuestring, "pending") != 0)) {
		rc = cti__seterr(CTI_EFORMAT, "a status that is neither "
				 "complete nor pending");
		goto out;
	}
	st->complete = strcmp(status->valuestring, "complete") == 0;
	for (size_t i = 0; i < CTI_ARRAY_LEN(f); i++) {
		uint64_t *v = (uint64_t *)((char *)st + f[i].off);
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, f[i].count);
		const cJSON *l = f[i].list ?
			cJSON_GetObjectItemCaseSensitive(o, f[i].list) : NULL;

		if (l && !cJSON_IsArray(l)) {
			rc = cti__seterr(CTI_EFORMAT, "\"%s\" is not a list",
					 f[i].list);
			goto out;
		}
		if (c && get_count(v, c) < 0) {
			rc = cti__seterr(CTI_EFORMAT, "\"%s\" is not a "
					 "count", f[i].count);
			goto out;
		}
		if (!c)
			*v = (uint64_t)cJSON_GetArraySize(l);
	}
	if (!cJSON_GetObjectItemCaseSensitive(o, "total_count"))
		st->total = st->success + st->failure + st->pending;
	fl = cJSON_GetObjectItemCaseSensitive(o, "failures");
	rc = status_failures(fl, failed, ctx);
out:
	cJSON_Delete(o);
	return rc;
}
