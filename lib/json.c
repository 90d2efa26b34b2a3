/*
 * json.c - members and elements read out of JSON that was validated
 * already (an object as cti_reader hands it out), without a tree and
 * without allocating: what show, the TLP gate and the summary need of an
 * object is a few of its top-level members.
 *
 * The input must be valid JSON; on anything else these functions stop
 * without reading past the end, and report "not found".
 */
#include <string.h>

#include "internal.h"

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the string starting at p (its opening quote): the next quote that
 * an even number of backslashes precedes. */
static const char *
skip_string(const char *p, const char *end)
{
	const char *q;

	for (p++; p < end && (q = memchr(p, '"', (size_t)(end - p))); p = q + 1) {
		const char *b = q;

		while (b > p && b[-1] == '\\')
			b--;
		if (!((q - b) & 1))
			return q + 1;
	}
	return end;
}

const char *
cti__json_skip(const char *p, const char *end)
{
	int depth = 0;

	p = ws(p, end);
	if (p < end && *p == '"')
		return skip_string(p, end);
	if (p < end && *p != '{' && *p != '[') {
		/* a number or a literal */
		while (p < end && *p != ',' && *p != '}' && *p != ']' &&
		       *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		return p;
	}
	while (p < end) {
		switch (*p) {
		case '"':
			p = skip_string(p, end);
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
	return end;
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
	size_t i;

	for (i = 0; i < nf; i++) {
		f[i].value = NULL;
		f[i].len = 0;
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
		for (i = 0; i < nf; i++)
			if (name_is(k, kn, f[i].name, strlen(f[i].name))) {
				f[i].value = v;
				f[i].len = (size_t)(p - v);
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
	/* decoding never makes a string longer than its JSON form */
	n = cti__json_unescape(out, v, n);
	out[n] = '\0';
	return (int)n;
}
