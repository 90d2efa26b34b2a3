/*
 * sigv4.c - AWS Signature Version 4 (the "AWS4-HMAC-SHA256" Authorization
 * header) as S3 checks it: the canonical request (method, path as sent,
 * sorted query, sorted and trimmed headers, payload hash), the string to
 * sign, and the signing key derived from the secret for one day, region
 * and service. SHA-256 and HMAC-SHA-256 are libsodium's. Pure functions
 * but for the key cache the caller keeps: no I/O, no clock.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"

/* Longest secret access key taken (AWS's are 40 characters). */
#define SECRET_MAX 1024
/* Most headers and query parameters signed. */
#define ITEMS_MAX 64

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int
cti__sigv4_encode(struct cti__buf *b, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/')) {
			if (cti__buf_putc(b, c))
				return -1;
		} else if (cti__buf_putc(b, '%') ||
			   cti__buf_putc(b, hex[c >> 4]) ||
			   cti__buf_putc(b, hex[c & 15])) {
			return -1;
		}
	}
	return 0;
}

void
cti__sigv4_time(char out[17], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[80];

	gmtime_r(&tt, &tm);
	snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02dZ",
		 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(out, buf, 16);
	out[16] = '\0';
}

/* ------------------------------------------------------------ query */

struct param {
	char *name, *value;	/* encoded canonically, malloc'd */
};

static int
param_cmp(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* s[0..n) of a query as sent, decoded and encoded again as SigV4 wants it
 * (so that "%2f" and "%2F" sign alike), into a malloc'd string. */
static char *
recode(const char *s, size_t n)
{
	struct cti__buf raw = { 0 }, out = { 0 };

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n &&
		    (hi = cti__hexval(s[i + 1])) >= 0 &&
		    (lo = cti__hexval(s[i + 2])) >= 0) {
			if (cti__buf_putc(&raw, hi << 4 | lo))
				goto fail;
			i += 2;
		} else if (cti__buf_putc(&raw, s[i])) {
			goto fail;
		}
	}
	if (cti__sigv4_encode(&out, raw.p ? raw.p : "", raw.len, 0) ||
	    (!out.p && cti__buf_puts(&out, "")))
		goto fail;
	cti__buf_free(&raw);
	return out.p;
fail:
	cti__buf_free(&raw);
	cti__buf_free(&out);
	return NULL;
}

/* The canonical query string of q (as sent, without '?'), appended to b. */
static int
canonical_query(struct cti__buf *b, const char *q)
{
	struct param p[ITEMS_MAX];
	size_t np = 0;
	int rc = -1;

	while (q && *q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);

		if (len) {
			if (np == ITEMS_MAX)
				goto out;
			p[np].name = recode(q, eq ? (size_t)(eq - q) : len);
			p[np].value = eq ? recode(eq + 1, len - (size_t)(eq - q) - 1) :
					   strdup("");
			np++;
			if (!p[np - 1].name || !p[np - 1].value)
				goto out;
		}
		q += len + (q[len] == '&');
	}
	qsort(p, np, sizeof(p[0]), param_cmp);
	for (size_t i = 0; i < np; i++)
		if (cti__buf_printf(b, "%s%s=%s", i ? "&" : "", p[i].name,
				    p[i].value))
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < np; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	return rc;
}

/* ------------------------------------------------------------ headers */

struct hdr {
	char name[64];		/* lower case */
	const char *value;
	size_t len;		/* trimmed */
};


/* The value trimmed, its inner runs of blanks as one space, appended. */
static int
put_value(struct cti__buf *b, const char *v, size_t n)
{
	int blank = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == ' ' || v[i] == '\t') {
			blank = 1;
			continue;
		}
		if ((blank && cti__buf_putc(b, ' ')) || cti__buf_putc(b, v[i]))
			return -1;
		blank = 0;
	}
	return 0;
}

/* Sorted, lower-cased copies of the header names of r into h; -1 for a
 * name that is not a token or a value with a line break or NUL. */
static int
sort_headers(struct hdr *h, const struct cti__sigv4 *r)
{
	if (r->nhdrs > ITEMS_MAX)
		return -1;
	for (size_t i = 0; i < r->nhdrs; i++) {
		const char *nm = r->hdrs[i].name, *v = r->hdrs[i].value;
		size_t k = strlen(nm), n = strlen(v);

		if (k == 0 || k >= sizeof(h[i].name))
			return -1;
		for (size_t j = 0; j < k; j++) {
			unsigned char c = (unsigned char)nm[j];

			if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}",
							    c))
				return -1;
			h[i].name[j] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		h[i].name[k] = '\0';
		if (strpbrk(v, "\r\n"))
			return -1;
		while (n && (*v == ' ' || *v == '\t')) {
			v++;
			n--;
		}
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		h[i].value = v;
		h[i].len = n;
	}
	/* by name, and a name given twice keeps its values' order */
	for (size_t i = 1; i < r->nhdrs; i++) {
		struct hdr x = h[i];
		size_t j = i;

		for (; j > 0 && strcmp(h[j - 1].name, x.name) > 0; j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
	return 0;
}

int
cti__sigv4_canonical(struct cti__buf *b, char *signed_headers, size_t size,
		     const struct cti__sigv4 *r)
{
	struct hdr h[ITEMS_MAX];
	size_t o = 0;

	if (!r->method || !r->path || r->path[0] != '/' || !r->payload_hash ||
	    strpbrk(r->path, "?# \r\n") || sort_headers(h, r) < 0)
		return -1;
	if (cti__buf_printf(b, "%s\n%s\n", r->method, r->path) ||
	    canonical_query(b, r->query) || cti__buf_putc(b, '\n'))
		return -1;
	for (size_t i = 0; i < r->nhdrs; i++) {
		/* a name given twice: its values joined with commas */
		int again = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;

		if (again) {
			b->len--; /* the newline */
			if (cti__buf_putc(b, ','))
				return -1;
		} else if (cti__buf_printf(b, "%s:", h[i].name)) {
			return -1;
		}
		if (put_value(b, h[i].value, h[i].len) ||
		    cti__buf_putc(b, '\n'))
			return -1;
		if (again)
			continue;
		if (o + strlen(h[i].name) + 2 > size)
			return -1;
		o += (size_t)sprintf(signed_headers + o, "%s%s", o ? ";" : "",
				     h[i].name);
	}
	if (o == 0 && size)
		signed_headers[0] = '\0';
	if (cti__buf_printf(b, "\n%s\n%s", signed_headers, r->payload_hash))
		return -1;
	return 0;
}

static void
hmac(unsigned char out[32], const unsigned char *key, size_t klen,
     const char *msg, size_t mlen)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, mlen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* The signing key of scope "DATE/REGION/SERVICE/aws4_request" into k. */
static int
derive(struct cti__sigv4_key *k, const char *secret, const char *date,
       const char *region, const char *service, const char *scope)
{
	unsigned char kdate[32], kregion[32], kservice[32];
	char buf[4 + SECRET_MAX];
	size_t n = strlen(secret);

	if (n > SECRET_MAX)
		return -1;
	memcpy(buf, "AWS4", 4);
	memcpy(buf + 4, secret, n);
	hmac(kdate, (unsigned char *)buf, 4 + n, date, strlen(date));
	sodium_memzero(buf, sizeof(buf));
	hmac(kregion, kdate, 32, region, strlen(region));
	hmac(kservice, kregion, 32, service, strlen(service));
	hmac(k->key, kservice, 32, "aws4_request", 12);
	sodium_memzero(kdate, 32);
	sodium_memzero(kregion, 32);
	sodium_memzero(kservice, 32);
	snprintf(k->scope, sizeof(k->scope), "%s", scope);
	return 0;
}

int
cti__sigv4_sign(char *out, size_t size, struct cti__sigv4_key *key,
		const struct cti__sigv4 *r)
{
	struct cti__buf cr = { 0 }, sts = { 0 };
	unsigned char hash[32], sig[32];
	char amz[17], date[9], scope[sizeof(key->scope)], hex[65], sighex[65];
	char signed_headers[ITEMS_MAX * 65];
	int rc = -1, n;

	if (!r->region || !r->service || !r->key_id || !r->secret ||
	    !*r->region || strpbrk(r->region, "/ \r\n") ||
	    strpbrk(r->service, "/ \r\n") || strpbrk(r->key_id, "/ ,\r\n"))
		return -1;
	cti__sigv4_time(amz, r->time);
	memcpy(date, amz, 8);
	date[8] = '\0';
	n = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date,
		     r->region, r->service);
	if (n < 0 || (size_t)n >= sizeof(scope))
		return -1;
	if (cti__sigv4_canonical(&cr, signed_headers, sizeof(signed_headers),
				 r))
		goto out;
	crypto_hash_sha256(hash, (const unsigned char *)cr.p, cr.len);
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	if (cti__buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz, scope,
			    hex))
		goto out;
	if (strcmp(key->scope, scope) != 0 &&
	    derive(key, r->secret, date, r->region, r->service, scope))
		goto out;
	hmac(sig, key->key, 32, sts.p, sts.len);
	sodium_bin2hex(sighex, sizeof(sighex), sig, 32);
	sodium_memzero(sig, sizeof(sig));
	n = snprintf(out, size, "AWS4-HMAC-SHA256 Credential=%s/%s, "
		     "SignedHeaders=%s, Signature=%s", r->key_id, scope,
		     signed_headers, sighex);
	sodium_memzero(sighex, sizeof(sighex));
	if (n < 0 || (size_t)n >= size) {
		sodium_memzero(out, size);
		goto out;
	}
	rc = 0;
out:
	cti__buf_free(&cr);
	cti__buf_free(&sts);
	return rc;
}
