/*
 * members.c - walking the members of a JSON object or the elements of an
 * array that is already known to be valid and minified (as cti_reader
 * gives objects and cti_pack() writes them), without building anything.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

/* The end of the string whose opening quote is at s[i]: the next quote
 * that an even number of backslashes precedes. */
static size_t
skip_string(const char *s, size_t n, size_t i)
{
	const char *q;

	for (i++; i < n && (q = memchr(s + i, '"', n - i)); i = (size_t)(q - s) + 1) {
		size_t k = 0;

		while (q - k > s + i && q[-1 - (ptrdiff_t)k] == '\\')
			k++;
		if (!(k & 1))
			return (size_t)(q - s) + 1;
	}
	return n;
}

/* The end of the value that starts at s[i]. */
static size_t
skip_value(const char *s, size_t n, size_t i)
{
	size_t depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, n, i);
	for (; i < n; i++) {
		switch (s[i]) {
		case '"':
			i = skip_string(s, n, i) - 1;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
			break;
		case ',':
			if (depth == 0)
				return i;
			break;
		}
	}
	return n;
}

/* Where the next member or element starts, after *pos in the object or
 * array that opens with open; len when there is none. */
static size_t
next(const char *json, size_t len, size_t pos, char open)
{
	if (pos == 0)
		return len >= 2 && json[0] == open ? 1 : len;
	return pos < len && json[pos] == ',' ? pos + 1 : len;
}

int
cti__json_member(struct cti__member *m, const char *json, size_t len,
		 size_t *pos)
{
	size_t i = next(json, len, *pos, '{'), e;

	if (i >= len || json[i] != '"')
		return 0;
	e = skip_string(json, len, i);
	m->name = json + i + 1;
	m->nlen = e - i - 2;
	if (e >= len || json[e] != ':')
		return 0;
	i = e + 1;
	e = skip_value(json, len, i);
	m->value = json + i;
	m->vlen = e - i;
	*pos = e;
	return 1;
}

int
cti__json_element(const char **v, size_t *vlen, const char *json, size_t len,
		  size_t *pos)
{
	size_t i = next(json, len, *pos, '['), e;

	if (i >= len || json[i] == ']')
		return 0;
	e = skip_value(json, len, i);
	*v = json + i;
	*vlen = e - i;
	*pos = e;
	return 1;
}

int
cti__member_is(const struct cti__member *m, const char *name)
{
	size_t n = strlen(name);
	char buf[64];

	if (!memchr(m->name, '\\', m->nlen))
		return m->nlen == n && memcmp(m->name, name, n) == 0;
	/* escaped: decoded it is no longer than written */
	if (m->nlen + 2 > sizeof(buf) || n > m->nlen)
		return 0;
	return cti__json_unescape(buf, m->name - 1, m->nlen + 2) == n &&
	       memcmp(buf, name, n) == 0;
}
