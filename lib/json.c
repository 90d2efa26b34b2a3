/*
 * json.c - members and elements read out of JSON that was validated
 * already (an object as cti_reader hands it out), without a tree and
 * without allocating: what show, the TLP gate and the summary need of an
 * object is a few of its top-level members.
 *
 * The input must be valid JSON; on anything else these functions stop
 * without reading past the end, and report "not found".
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the string at p (its opening quote): past the next quote that an
 * even number of backslashes precedes; NULL when it does not close before
 * end. */
static const char *
string_end(const char *p, const char *end)
{
	const char *q;

	for (p++; p < end && (q = memchr(p, '"', (size_t)(end - p))); p = q + 1) {
		const char *b = q;

		while (b > p && b[-1] == '\\')
			b--;
		if (!((q - b) & 1))
			return q + 1;
	}
	return NULL;
}

/* The same, end for a string that does not close. */
static const char *
skip_string(const char *p, const char *end)
{
	const char *q = string_end(p, end);

	return q ? q : end;
}

/*
 * Past the whole JSON value at p, or NULL when [p, end) does not hold all
 * of it yet (at_eof: the input ends at end, so a number or literal running
 * up to it is whole).
 */
static const char *
skip_whole(const char *p, const char *end, int at_eof)
{
	size_t depth = 0;

	if (p == end)
		return NULL;
	if (*p == '"')
		return string_end(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && *p != ',' && *p != '}' && *p != ']' &&
		       *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		return p < end || at_eof ? p : NULL;
	}
	while (p < end) {
		switch (*p) {
		case '"':
			if (!(p = string_end(p, end)))
				return NULL;
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		}
		p++;
	}
	return NULL;
}

const char *
cti__json_skip(const char *p, const char *end)
{
	const char *q = skip_whole(ws(p, end), end, 1);

	return q ? q : end;
}

/* Whether the member name at p (quotes included, n bytes) is name. */
static int
name_is(const char *p, size_t n, const char *name, size_t nl)
{
	char buf[64];

	if (!memchr(p, '\\', n))
		return n == nl + 2 && memcmp(p + 1, name, nl) == 0;
	/* an escaped name: decode it (names sought are short) */
	if (n > sizeof(buf))
		return 0;
	return cti__json_unescape(buf, p, n) == nl && memcmp(buf, name, nl) == 0;
}

int
cti__json_members(const char *json, size_t len, struct cti_json_field *f,
		  size_t nf)
{
	const char *p = json, *end = json + len;
	size_t i, nlen[8];

	for (i = 0; i < nf; i++) {
		f[i].value = NULL;
		f[i].len = 0;
		if (i < CTI_ARRAY_LEN(nlen))
			nlen[i] = strlen(f[i].name);
	}
	p = ws(p, end);
	if (p == end || *p != '{')
		return -1;
	p = ws(p + 1, end);
	if (p < end && *p == '}')
		return 0;
	while (p < end && *p == '"') {
		const char *k = p, *v;
		size_t kn;

		p = skip_string(p, end);
		kn = (size_t)(p - k);
		p = ws(p, end);
		if (p == end || *p != ':')
			return -1;
		v = ws(p + 1, end);
		p = cti__json_skip(v, end);
		for (i = 0; i < nf; i++) {
			size_t nl = i < CTI_ARRAY_LEN(nlen) ? nlen[i] :
							     strlen(f[i].name);

			/* as written, or (rarely) with escapes decoded */
			if ((kn == nl + 2 && memcmp(k + 1, f[i].name, nl) == 0) ||
			    (kn > nl + 2 && memchr(k, '\\', kn) &&
			     name_is(k, kn, f[i].name, nl))) {
				f[i].value = v;
				f[i].len = (size_t)(p - v);
			}
		}
		p = ws(p, end);
		if (p < end && *p == ',')
			p = ws(p + 1, end);
		else
			break;
	}
	return 0;
}

/* Where the member or element after *pos starts in the object or array
 * json (opening with open); end when there is none. */
static const char *
next(const char *json, const char *end, size_t pos, char open)
{
	const char *p;

	if (pos == 0) {
		p = ws(json, end);
		if (p == end || *p != open)
			return end;
		return ws(p + 1, end);
	}
	p = ws(json + pos, end);
	if (p == end || *p != ',')
		return end;
	return ws(p + 1, end);
}

int
cti__json_member(struct cti__member *m, const char *json, size_t len,
		 size_t *pos)
{
	const char *end = json + len, *p = next(json, end, *pos, '{'), *e;

	if (p == end || *p != '"')
		return 0;
	e = skip_string(p, end);
	m->name = p + 1;
	m->nlen = (size_t)(e - p) - 2;
	p = ws(e, end);
	if (p == end || *p != ':')
		return 0;
	p = ws(p + 1, end);
	e = cti__json_skip(p, end);
	m->value = p;
	m->vlen = (size_t)(e - p);
	*pos = (size_t)(e - json);
	return 1;
}

int
cti__member_is(const struct cti__member *m, const char *name)
{
	return name_is(m->name - 1, m->nlen + 2, name, strlen(name));
}

int
cti__json_element(const char **elem, size_t *elen, const char *arr,
		  size_t alen, size_t *pos)
{
	const char *end = arr + alen, *p = next(arr, end, *pos, '['), *e;

	if (p == end || *p == ']')
		return 0;
	e = cti__json_skip(p, end);
	*elem = p;
	*elen = (size_t)(e - p);
	*pos = (size_t)(e - arr);
	return 1;
}

int
cti__json_string(char *out, size_t size, const char *v, size_t n)
{
	if (n < 2 || v[0] != '"' || v[n - 1] != '"' || n - 1 > size)
		return -1;
	if (!memchr(v + 1, '\\', n - 2)) {
		memcpy(out, v + 1, n - 2);
		out[n - 2] = '\0';
		return (int)(n - 2);
	}
	/* decoding never makes a string longer than its JSON form */
	n = cti__json_unescape(out, v, n);
	out[n] = '\0';
	return (int)n;
}

/* ------------------------------------------------------------ bundles */

int
cti__bundle_each(struct cti__src *s, const char *name,
		 int (*each)(void *ctx, const char *json, size_t len),
		 void *ctx)
{
	enum { OPEN, MEMBER, VALUE, ARRAY, ELEMENT, DONE } st = OPEN;
	size_t cap = 1u << 20, len = 0, pos = 0;
	char *buf = malloc(cap), *nb;
	int eof = 0, rc = CTI_OK, objects = 0;

	if (!buf)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	while (st != DONE) {
		const char *p = ws(buf + pos, buf + len), *end = buf + len, *q, *c;
		int more = 0;

		/* members and elements are separated by commas, read loosely */
		if ((st == MEMBER || st == ELEMENT) && p < end && *p == ',')
			p = ws(p + 1, end);
		/* a UTF-8 byte order mark may come first */
		if (st == OPEN && end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p = ws(p + 3, end);
		if (p == end)
			more = 1;
		else switch (st) {
		case OPEN:
			if (*p != '{')
				goto bad;
			p++;
			st = MEMBER;
			break;
		case MEMBER:
			if (*p == '}') {
				st = DONE;
				break;
			}
			if (*p != '"')
				goto bad;
			/* the name and its colon, whole */
			if (!(q = skip_whole(p, end, 0)) || (c = ws(q, end)) == end) {
				more = 1;
				break;
			}
			if (*c != ':')
				goto bad;
			objects = name_is(p, (size_t)(q - p), "objects", 7);
			p = c + 1;
			st = objects ? ARRAY : VALUE;
			break;
		case VALUE:
			if (!(q = skip_whole(p, end, eof))) {
				more = 1;
				break;
			}
			if (q == p)
				goto bad;
			p = q;
			st = MEMBER;
			break;
		case ARRAY:
			if (*p != '[')
				goto bad;
			p++;
			st = ELEMENT;
			break;
		case ELEMENT:
			if (*p == ']') {
				p++;
				st = MEMBER;
				break;
			}
			if (*p != '{')
				goto bad;
			if (!(q = skip_whole(p, end, eof))) {
				more = 1;
				break;
			}
			if ((rc = each(ctx, p, (size_t)(q - p))))
				goto out;
			p = q;
			break;
		case DONE:
			break;
		}
		if (!more) {
			pos = (size_t)(p - buf);
			continue;
		}
		/* the token at pos needs more input */
		if (eof)
			goto bad;
		if (pos > 0) {
			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
		}
		if (len == cap) {
			if (cap >= CTI_MAX_OBJECT + (1u << 20)) {
				rc = cti__seterr(CTI_ELIMIT, "%s: an object over "
						 "%u bytes", name, CTI_MAX_OBJECT);
				goto out;
			}
			if (!(nb = realloc(buf, cap * 2))) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		{
			ssize_t k = cti__src_read(s, buf + len, cap - len);

			if (k < 0) {
				rc = (int)k;
				goto out;
			}
			if (k == 0)
				eof = 1;
			len += (size_t)k;
		}
	}
	goto out;
bad:
	rc = cti__seterr(CTI_EFORMAT, "%s: not a STIX bundle", name);
out:
	free(buf);
	return rc;
}
