/*
 * buf.c - growable buffers, JSON string escaping, UTF-8 validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

int
cti__buf_grow(struct cti__buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX / 2 - b->len)
		return cti__seterr(CTI_ENOMEM, "buffer too large");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return CTI_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (!(p = realloc(b->p, cap)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	b->p = p;
	b->cap = cap;
	return CTI_OK;
}

int
cti__buf_put(struct cti__buf *b, const void *p, size_t n)
{
	int rc;

	if (b->cap - b->len <= n && (rc = cti__buf_grow(b, n)))
		return rc;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return CTI_OK;
}

int
cti__buf_puts(struct cti__buf *b, const char *s)
{
	return cti__buf_put(b, s, strlen(s));
}

int
cti__buf_putc(struct cti__buf *b, int c)
{
	char ch = (char)c;

	return cti__buf_put(b, &ch, 1);
}

int
cti__buf_printf(struct cti__buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cti__seterr(CTI_EINVAL, "bad format");
	if ((rc = cti__buf_grow(b, (size_t)n)))
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CTI_OK;
}

int
cti__buf_json_str(struct cti__buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, start = 0;
	char esc[6];
	int rc;

	/* worst case every byte becomes \u00XX */
	if ((rc = cti__buf_grow(b, n + 2)))
		return rc;
	b->p[b->len++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		size_t el = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((rc = cti__buf_put(b, s + start, i - start)))
			return rc;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		}
		if ((rc = cti__buf_put(b, esc, el)))
			return rc;
		start = i + 1;
	}
	if ((rc = cti__buf_put(b, s + start, n - start)))
		return rc;
	return cti__buf_putc(b, '"');
}

void
cti__buf_reset(struct cti__buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
cti__buf_free(struct cti__buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

size_t
cti__utf8_check(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f; /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return i;
		}
		if (n - i <= k)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
		i += k + 1;
	}
	return n;
}

uint64_t
cti__hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *c = p;
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t a = seed ^ n, b = ~seed, w;

	/* two lanes, so that the multiplications overlap */
	for (; n >= 16; c += 16, n -= 16) {
		memcpy(&w, c, 8);
		a = (a ^ w) * m;
		a ^= a >> 31;
		memcpy(&w, c + 8, 8);
		b = (b ^ w) * m;
		b ^= b >> 29;
	}
	for (; n >= 8; c += 8, n -= 8) {
		memcpy(&w, c, 8);
		a = (a ^ w) * m;
		a ^= a >> 31;
	}
	w = 0;
	memcpy(&w, c, n);
	a ^= (b ^ w) * m;
	/* MurmurHash3's finaliser */
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdull;
	a ^= a >> 33;
	a *= 0xc4ceb9fe1a85ec53ull;
	a ^= a >> 33;
	return a;
}

void
cti__warnf(cti_warn_fn fn, void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(ctx, msg);
}

const char *
cti__quote(char dst[CTI__QUOTE_SIZE], const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, j = 0;

	while (i < n) {
		size_t k = 1;

		if (j >= CTI__QUOTE_SIZE - 8) {
			memcpy(dst + j, "...", 3);
			j += 3;
			break;
		}
		if (p[i] >= 0x80) {
			k = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
			if (k > n - i || cti__utf8_check(p + i, k) != k)
				k = 1;
		}
		/* controls, C1 controls (U+0080-U+009F) and bad bytes */
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (k == 1 && p[i] >= 0x80) ||
		    (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			dst[j++] = '?';
		} else {
			memcpy(dst + j, p + i, k);
			j += k;
		}
		i += k;
	}
	dst[j] = '\0';
	return dst;
}

int
cti__text_line(const char **line, size_t *len, const char *text, size_t n,
	      size_t *pos)
{
	const char *nl;
	size_t l;

	if (*pos >= n)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', n - *pos);
	l = nl ? (size_t)(nl - *line) : n - *pos;
	*pos += nl ? l + 1 : l;
	while (l > 0 && ((*line)[l - 1] == '\r' || (*line)[l - 1] == ' ' ||
			 (*line)[l - 1] == '\t'))
		l--;
	*len = l;
	return 1;
}

int
cti__b64_decode(unsigned char *out, size_t want, const char *s, size_t n)
{
	size_t got;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (sodium_base642bin(out, want, s, n, NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != want)
		return -1;
	return 0;
}
