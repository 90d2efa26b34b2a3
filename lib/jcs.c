/*
 * jcs.c - the JSON Canonicalization Scheme (RFC 8785) and content hashes.
 *
 * One pass over the input text writes the canonical form: objects get their
 * members sorted by the UTF-16 code units of their names, strings are
 * re-escaped with only the escapes JSON.stringify() uses, numbers are written
 * as ECMAScript's Number::toString() writes the IEEE 754 double they denote,
 * white space goes. Members are written in input order as they are parsed;
 * when an object ends and its members were not already in order, its region
 * of the output is rewritten once in sorted order.
 *
 * The input is validated as it goes (RFC 8259 grammar, UTF-8, I-JSON: no
 * lone surrogates, no duplicate names, numbers that fit a double).
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

struct member {
	uint64_t pfx;	/* simple keys: the first 8 bytes, big-endian */
	size_t off;	/* the key's opening quote in the output */
	size_t len;	/* "key":value */
	size_t klen;	/* key bytes between the quotes (canonical form) */
	int simple;	/* key has no '\\' and no byte >= 0xEE: bytes sort */
};

#define JCS_STACK_OUT 16384
#define JCS_STACK_MEMBERS 256

struct jcs {
	const unsigned char *s, *end, *start;
	char *out;
	size_t len, cap;
	struct member *m;
	size_t nm, mcap;
	char *scratch;
	size_t scap;
	int depth;
	const char *const *ignore;
	struct cti_json_field *fields;
	size_t nfields, nignore;
	size_t flen[8], ilen[8];	/* name lengths, when few */
	char stack_out[JCS_STACK_OUT];
	struct member stack_m[JCS_STACK_MEMBERS];
};

static int
jerr(struct jcs *j, const char *why)
{
	return cti__seterr(CTI_EFORMAT, "JSON offset %zu: %s",
			  (size_t)(j->s - j->start), why);
}

static int
grow(struct jcs *j, size_t n)
{
	size_t cap = j->cap;
	char *p;

	if (n > SIZE_MAX / 4 - j->len)
		return cti__seterr(CTI_ENOMEM, "canonical JSON too large");
	while (cap < j->len + n)
		cap *= 2;
	if (j->out == j->stack_out) {
		if (!(p = malloc(cap)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		memcpy(p, j->out, j->len);
	} else if (!(p = realloc(j->out, cap))) {
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	j->out = p;
	j->cap = cap;
	return CTI_OK;
}

static inline int
reserve(struct jcs *j, size_t n)
{
	if (CTI_LIKELY(j->cap - j->len >= n))
		return CTI_OK;
	return grow(j, n);
}

static inline int
put(struct jcs *j, const void *p, size_t n)
{
	int rc;

	if ((rc = reserve(j, n)))
		return rc;
	memcpy(j->out + j->len, p, n);
	j->len += n;
	return CTI_OK;
}

static inline int
putc1(struct jcs *j, char c)
{
	int rc;

	if ((rc = reserve(j, 1)))
		return rc;
	j->out[j->len++] = c;
	return CTI_OK;
}

/* Bytes copied through in a string: printable ASCII but '"' and '\\'. */
static const unsigned char plain_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/*
 * Whether one of the 8 bytes in x is '"', '\\', a control character or
 * not ASCII (the classic "has a byte less than n" and "has a zero byte"
 * tricks on 64-bit words).
 */
static inline uint64_t
swar_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		((b - ones) & ~b) | x) & high;
}

static inline void
skip_ws(struct jcs *j)
{
	if (CTI_LIKELY(j->s < j->end && *j->s > ' '))
		return;
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\n' ||
				 *j->s == '\r' || *j->s == '\t'))
		j->s++;
}

/* ------------------------------------------------------------ strings */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	/* the second byte's range excludes overlongs, surrogates, > 10FFFF */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Read the 4 hex digits of a \u escape at j->s (after "\u"). */
static int
read_hex4(struct jcs *j, unsigned *out)
{
	unsigned v = 0;

	if (j->end - j->s < 4)
		return jerr(j, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = cti__hexval(j->s[i]);

		if (h < 0)
			return jerr(j, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	j->s += 4;
	*out = v;
	return CTI_OK;
}

/* Write code point cp as canonical string content. */
static int
put_cp(struct jcs *j, unsigned cp, int *simple)
{
	static const char hex[] = "0123456789abcdef";
	char b[6];
	size_t n;

	if (cp < 0x20 || cp == '"' || cp == '\\') {
		*simple = 0;
		b[0] = '\\';
		switch (cp) {
		case '"': b[1] = '"'; n = 2; break;
		case '\\': b[1] = '\\'; n = 2; break;
		case '\b': b[1] = 'b'; n = 2; break;
		case '\f': b[1] = 'f'; n = 2; break;
		case '\n': b[1] = 'n'; n = 2; break;
		case '\r': b[1] = 'r'; n = 2; break;
		case '\t': b[1] = 't'; n = 2; break;
		default:
			memcpy(b + 1, "u00", 3);
			b[4] = hex[cp >> 4];
			b[5] = hex[cp & 15];
			n = 6;
		}
		return put(j, b, n);
	}
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if ((unsigned char)b[0] >= 0xEE)
		*simple = 0;
	return put(j, b, n);
}

/*
 * A string at j->s (on its opening quote). *simple is cleared when the
 * canonical bytes cannot be sorted with memcmp (an escape, or a character
 * where UTF-8 and UTF-16 order differ).
 */
static int
parse_string(struct jcs *j, int *simple)
{
	const unsigned char *p, *run;
	int rc;

	*simple = 1;
	j->s++;
	if ((rc = putc1(j, '"')))
		return rc;
	for (;;) {
		p = run = j->s;
		/* eight bytes at a time while none needs a look */
		while (j->end - p >= 8) {
			uint64_t x;

			memcpy(&x, p, 8);
			if (swar_special(x))
				break;
			p += 8;
		}
		while (p < j->end && plain_byte[*p])
			p++;
		if (p > run && (rc = put(j, run, (size_t)(p - run))))
			return rc;
		j->s = p;
		if (p == j->end)
			return jerr(j, "unterminated string");
		if (*p == '"') {
			j->s++;
			return putc1(j, '"');
		}
		if (*p >= 0x80) {
			size_t n = utf8_len(p, j->end);

			if (!n)
				return jerr(j, "invalid UTF-8 in string");
			if (*p >= 0xEE)
				*simple = 0;
			if ((rc = put(j, p, n)))
				return rc;
			j->s += n;
			continue;
		}
		if (*p < 0x20)
			return jerr(j, "control character in string");
		/* an escape */
		if (j->end - p < 2)
			return jerr(j, "unterminated string");
		j->s = p + 2;
		switch (p[1]) {
		case '"': rc = put_cp(j, '"', simple); break;
		case '\\': rc = put_cp(j, '\\', simple); break;
		case '/': rc = put_cp(j, '/', simple); break;
		case 'b': rc = put_cp(j, '\b', simple); break;
		case 'f': rc = put_cp(j, '\f', simple); break;
		case 'n': rc = put_cp(j, '\n', simple); break;
		case 'r': rc = put_cp(j, '\r', simple); break;
		case 't': rc = put_cp(j, '\t', simple); break;
		case 'u': {
			unsigned cp, lo;

			if ((rc = read_hex4(j, &cp)))
				return rc;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return jerr(j, "lone surrogate in string");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j->end - j->s < 6 || j->s[0] != '\\' ||
				    j->s[1] != 'u')
					return jerr(j, "lone surrogate in string");
				j->s += 2;
				if ((rc = read_hex4(j, &lo)))
					return rc;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return jerr(j, "lone surrogate in string");
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
			}
			rc = put_cp(j, cp, simple);
			break;
		}
		default:
			j->s = p;
			return jerr(j, "bad escape in string");
		}
		if (rc)
			return rc;
	}
}

/* ------------------------------------------------------------ numbers */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

double
cti__strtod(const char *s)
{
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		return strtod_l(s, NULL, c_locale);
	return strtod(s, NULL);
}

/*
 * ECMAScript Number::toString(d) for a finite d into b (at least 32
 * bytes): the shortest digits that read back as d, then plain notation for
 * exponents -6 < n <= 21 and "d.ddde+N" otherwise. Returns the length.
 */
static size_t
es_number(char *b, double d)
{
	char e[40], digits[24];
	size_t k = 0, o = 0;
	int n, exp10;
	const char *p;

	if (d == 0) {		/* also -0 */
		b[0] = '0';
		return 1;
	}
	if (d < 0) {
		b[o++] = '-';
		d = -d;
	}
	/* a normal double with a shortest form of up to 15 digits (DBL_DIG)
	 * comes out of %.14e as that form padded with zeros; subnormals have
	 * fewer digits of precision and need the search from 1; 17 digits
	 * always read back */
	for (int prec = d < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, d);
		if (prec == 17 || cti__strtod(e) == d)
			break;
	}
	for (p = e; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[k++] = *p;
	exp10 = atoi(p + 1);
	while (k > 1 && digits[k - 1] == '0')
		k--;
	n = exp10 + 1;	/* d = 0.digits * 10^n */
	if ((int)k <= n && n <= 21) {
		memcpy(b + o, digits, k);
		o += k;
		for (int i = (int)k; i < n; i++)
			b[o++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(b + o, digits, (size_t)n);
		o += (size_t)n;
		b[o++] = '.';
		memcpy(b + o, digits + n, k - (size_t)n);
		o += k - (size_t)n;
	} else if (-6 < n && n <= 0) {
		b[o++] = '0';
		b[o++] = '.';
		for (int i = 0; i < -n; i++)
			b[o++] = '0';
		memcpy(b + o, digits, k);
		o += k;
	} else {
		b[o++] = digits[0];
		if (k > 1) {
			b[o++] = '.';
			memcpy(b + o, digits + 1, k - 1);
			o += k - 1;
		}
		o += (size_t)snprintf(b + o, 8, "e%c%d", n - 1 < 0 ? '-' : '+',
				      n - 1 < 0 ? 1 - n : n - 1);
	}
	return o;
}

/* Past the digits at *p, of which a number's fraction and exponent have
 * one at least. */
static int
need_digits(struct jcs *j, const unsigned char **p)
{
	const unsigned char *q = *p;

	if (q == j->end || *q < '0' || *q > '9') {
		j->s = q;
		return jerr(j, "bad number");
	}
	while (q < j->end && *q >= '0' && *q <= '9')
		q++;
	*p = q;
	return 0;
}

static int
parse_number(struct jcs *j)
{
	const unsigned char *p = j->s, *start = j->s;
	int plain = 1;	/* an integer literal */
	size_t ndig = 0;
	char small[64], num[32], *t = small;
	double d;
	size_t len, n;
	int rc;

	if (*p == '-')
		p++;
	if (p < j->end && *p == '0') {
		p++;
		ndig = 1;
	} else if (p < j->end && *p >= '1' && *p <= '9') {
		while (p < j->end && *p >= '0' && *p <= '9') {
			p++;
			ndig++;
		}
	} else {
		j->s = p;
		return jerr(j, "bad number");
	}
	if (p < j->end && *p == '.') {
		plain = 0;
		p++;
		if ((rc = need_digits(j, &p)))
			return rc;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		plain = 0;
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if ((rc = need_digits(j, &p)))
			return rc;
	}
	j->s = p;
	len = (size_t)(p - start);
	/* integers of up to 15 digits are exact doubles, written as is */
	if (plain && ndig <= 15) {
		if (len == 2 && start[0] == '-' && start[1] == '0')
			return putc1(j, '0');
		return put(j, start, len);
	}
	if (len >= sizeof(small) && !(t = malloc(len + 1)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memcpy(t, start, len);
	t[len] = '\0';
	d = cti__strtod(t);
	if (t != small)
		free(t);
	if (!isfinite(d)) {
		j->s = start;
		return jerr(j, "number out of range");
	}
	n = es_number(num, d);
	if ((rc = put(j, num, n)))
		return rc;
	return CTI_OK;
}

/* ------------------------------------------------------------ objects */

/* The next UTF-16 code unit of canonical string content, or -1 at end. */
static long
next_unit(const unsigned char **pp, const unsigned char *end, unsigned *low)
{
	const unsigned char *p = *pp;
	unsigned cp;

	if (*low) {
		cp = *low;
		*low = 0;
		return cp;
	}
	if (p >= end)
		return -1;
	if (*p == '\\') {
		switch (p[1]) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = (unsigned)(cti__hexval(p[4]) << 4 | cti__hexval(p[5]));
			*pp = p + 6;
			return cp;
		default: cp = p[1]; break;	/* '"' or '\\' */
		}
		*pp = p + 2;
		return cp;
	}
	if (*p < 0x80) {
		*pp = p + 1;
		return *p;
	}
	if (*p < 0xE0) {
		cp = (unsigned)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
		*pp = p + 2;
	} else if (*p < 0xF0) {
		cp = (unsigned)(p[0] & 0x0F) << 12 |
		     (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		*pp = p + 3;
	} else {
		cp = (unsigned)(p[0] & 0x07) << 18 |
		     (unsigned)(p[1] & 0x3F) << 12 |
		     (unsigned)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
		*pp = p + 4;
		cp -= 0x10000;
		*low = 0xDC00 + (cp & 0x3FF);
		return 0xD800 + (cp >> 10);
	}
	return cp;
}

static int
key_cmp(const char *out, const struct member *a, const struct member *b)
{
	const unsigned char *pa = (const unsigned char *)out + a->off + 1;
	const unsigned char *pb = (const unsigned char *)out + b->off + 1;
	const unsigned char *ea = pa + a->klen, *eb = pb + b->klen;
	unsigned la = 0, lb = 0;

	if (CTI_LIKELY(a->simple && b->simple)) {
		/* names are short: most differ in their first 8 bytes */
		size_t n = a->klen < b->klen ? a->klen : b->klen;

		if (a->pfx != b->pfx)
			return a->pfx < b->pfx ? -1 : 1;
		for (size_t i = 8; i < n; i++)
			if (pa[i] != pb[i])
				return pa[i] < pb[i] ? -1 : 1;
		return a->klen < b->klen ? -1 : a->klen > b->klen;
	}
	for (;;) {
		long ua = next_unit(&pa, ea, &la);
		long ub = next_unit(&pb, eb, &lb);

		if (ua != ub)
			return ua < ub ? -1 : 1;
		if (ua < 0)
			return 0;
	}
}

/* The first 8 bytes of a key as a big-endian number, zero-padded: keys
 * without NUL bytes compare as their prefixes do. */
static inline uint64_t
key_prefix(const char *k, size_t n)
{
	unsigned char b[8] = {0};
	uint64_t v;

	memcpy(b, k, n < 8 ? n : 8);
	memcpy(&v, b, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* a > b, the prefixes tried inline first */
static inline int
member_gt(const char *out, const struct member *a, const struct member *b)
{
	if (CTI_LIKELY(a->simple && b->simple && a->pfx != b->pfx))
		return a->pfx > b->pfx;
	return key_cmp(out, a, b) > 0;
}

static int
cmp_members(const void *x, const void *y, void *ctx)
{
	return key_cmp(ctx, x, y);
}

/* Sort the members of the object whose members start at index base and
 * whose output starts at obj (just after its '{'). */
static int
finish_object(struct jcs *j, size_t base, size_t obj)
{
	struct member *m = j->m + base;
	size_t n = j->nm - base, region = j->len - obj, o;
	int moved = 0;

	if (n < 2)
		return CTI_OK;
	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			struct member t = m[i];
			size_t k = i;

			while (k > 0 && member_gt(j->out, &m[k - 1], &t)) {
				m[k] = m[k - 1];
				k--;
				moved = 1;
			}
			m[k] = t;
		}
	} else {
		for (size_t i = 1; i < n && !moved; i++)
			if (member_gt(j->out, &m[i - 1], &m[i]))
				moved = 1;
		if (moved)
			qsort_r(m, n, sizeof(*m), cmp_members, j->out);
	}
	for (size_t i = 1; i < n; i++)
		if ((!m[i - 1].simple || !m[i].simple ||
		     m[i - 1].pfx == m[i].pfx) &&
		    key_cmp(j->out, &m[i - 1], &m[i]) == 0) {
			cti__seterr(CTI_EFORMAT, "duplicate name \"%.*s\" in "
				   "an object", (int)(m[i].klen > 64 ? 64 :
						     m[i].klen),
				   j->out + m[i].off + 1);
			return CTI_EFORMAT;
		}
	if (!moved)
		return CTI_OK;
	if (j->scap < region) {
		char *p = realloc(j->scratch, region);

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		j->scratch = p;
		j->scap = region;
	}
	memcpy(j->scratch, j->out + obj, region);
	o = obj;
	for (size_t i = 0; i < n; i++) {
		if (i)
			j->out[o++] = ',';
		memcpy(j->out + o, j->scratch + (m[i].off - obj), m[i].len);
		o += m[i].len;
	}
	return CTI_OK;
}

static int parse_value(struct jcs *j);

static int
push_member(struct jcs *j, const struct member *mb)
{
	if (j->nm == j->mcap) {
		size_t cap = j->mcap * 2;
		struct member *p;

		if (j->m == j->stack_m) {
			if (!(p = malloc(cap * sizeof(*p))))
				return cti__seterr(CTI_ENOMEM, "out of memory");
			memcpy(p, j->m, j->nm * sizeof(*p));
		} else if (!(p = realloc(j->m, cap * sizeof(*p)))) {
			return cti__seterr(CTI_ENOMEM, "out of memory");
		}
		j->m = p;
		j->mcap = cap;
	}
	j->m[j->nm++] = *mb;
	return CTI_OK;
}

static inline int
key_is(const struct jcs *j, const struct member *mb, const char *name,
       size_t n)
{
	const char *k = j->out + mb->off + 1;

	return n == mb->klen &&
	       (n == 0 || (k[0] == name[0] && memcmp(k, name, n) == 0));
}

static int
parse_object(struct jcs *j)
{
	size_t base = j->nm, obj, before;
	int top = j->depth == 1, rc;

	j->s++;
	if ((rc = putc1(j, '{')))
		return rc;
	obj = j->len;
	skip_ws(j);
	if (j->s < j->end && *j->s == '}') {
		j->s++;
		return putc1(j, '}');
	}
	for (;;) {
		struct member mb;
		const unsigned char *vstart;
		int drop = 0;

		skip_ws(j);
		if (j->s == j->end || *j->s != '"')
			return jerr(j, "expected a member name");
		before = j->len;
		if (j->nm > base && (rc = putc1(j, ',')))
			return rc;
		mb.off = j->len;
		if ((rc = parse_string(j, &mb.simple)))
			return rc;
		mb.klen = j->len - mb.off - 2;
		mb.pfx = mb.simple ? key_prefix(j->out + mb.off + 1, mb.klen) : 0;
		skip_ws(j);
		if (j->s == j->end || *j->s != ':')
			return jerr(j, "expected ':'");
		j->s++;
		if ((rc = putc1(j, ':')))
			return rc;
		skip_ws(j);
		vstart = j->s;
		if ((rc = parse_value(j)))
			return rc;
		mb.len = j->len - mb.off;
		if (top) {
			for (size_t i = 0; i < j->nfields; i++)
				if (key_is(j, &mb, j->fields[i].name,
					   i < 8 ? j->flen[i] :
						   strlen(j->fields[i].name))) {
					j->fields[i].value =
						(const char *)vstart;
					j->fields[i].len =
						(size_t)(j->s - vstart);
				}
			for (size_t i = 0; i < j->nignore; i++)
				if (key_is(j, &mb, j->ignore[i],
					   i < 8 ? j->ilen[i] :
						   strlen(j->ignore[i])))
					drop = 1;
		}
		if (drop)
			j->len = before;
		else if ((rc = push_member(j, &mb)))
			return rc;
		skip_ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->end && *j->s == '}') {
			j->s++;
			break;
		}
		return jerr(j, "expected ',' or '}' in an object");
	}
	rc = finish_object(j, base, obj);
	j->nm = base;
	if (rc)
		return rc;
	return putc1(j, '}');
}

static int
parse_array(struct jcs *j)
{
	int rc;

	j->s++;
	if ((rc = putc1(j, '[')))
		return rc;
	skip_ws(j);
	if (j->s < j->end && *j->s == ']') {
		j->s++;
		return putc1(j, ']');
	}
	for (;;) {
		skip_ws(j);
		if ((rc = parse_value(j)))
			return rc;
		skip_ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			if ((rc = putc1(j, ',')))
				return rc;
			continue;
		}
		if (j->s < j->end && *j->s == ']') {
			j->s++;
			return putc1(j, ']');
		}
		return jerr(j, "expected ',' or ']' in an array");
	}
}

static int
literal(struct jcs *j, const char *lit, size_t n)
{
	if ((size_t)(j->end - j->s) < n || memcmp(j->s, lit, n) != 0)
		return jerr(j, "bad literal");
	j->s += n;
	return put(j, lit, n);
}

static int
parse_value(struct jcs *j)
{
	int rc, simple;

	if (j->s == j->end)
		return jerr(j, "expected a value");
	if (++j->depth > CTI_MAX_DEPTH)
		return cti__seterr(CTI_ELIMIT, "JSON offset %zu: nested deeper "
				  "than %d", (size_t)(j->s - j->start),
				  CTI_MAX_DEPTH);
	switch (*j->s) {
	case '{': rc = parse_object(j); break;
	case '[': rc = parse_array(j); break;
	case '"': rc = parse_string(j, &simple); break;
	case 't': rc = literal(j, "true", 4); break;
	case 'f': rc = literal(j, "false", 5); break;
	case 'n': rc = literal(j, "null", 4); break;
	default:
		if (*j->s == '-' || (*j->s >= '0' && *j->s <= '9'))
			rc = parse_number(j);
		else
			rc = jerr(j, "expected a value");
	}
	j->depth--;
	return rc;
}

static void
jcs_init(struct jcs *j, const char *json, size_t len)
{
	j->s = j->start = (const unsigned char *)json;
	j->end = j->s + len;
	j->out = j->stack_out;
	j->len = 0;
	j->cap = sizeof(j->stack_out);
	j->m = j->stack_m;
	j->nm = 0;
	j->mcap = JCS_STACK_MEMBERS;
	j->scratch = NULL;
	j->scap = 0;
	j->depth = 0;
	j->ignore = NULL;
	j->fields = NULL;
	j->nfields = j->nignore = 0;
}

static void
jcs_done(struct jcs *j)
{
	if (j->out != j->stack_out)
		free(j->out);
	if (j->m != j->stack_m)
		free(j->m);
	free(j->scratch);
}

static int
jcs_run(struct jcs *j)
{
	int rc;

	skip_ws(j);
	if ((rc = parse_value(j)))
		return rc;
	skip_ws(j);
	if (j->s != j->end)
		return jerr(j, "text after the JSON value");
	return CTI_OK;
}

int
cti_json_canonical(char **out, size_t *out_len, const char *json, size_t len)
{
	struct jcs *j;
	int rc;

	if (!out || (!json && len))
		return cti__seterr(CTI_EINVAL, "cti_json_canonical: bad argument");
	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (!(j = malloc(sizeof(*j))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	jcs_init(j, json ? json : "", len);
	if (!(rc = jcs_run(j))) {
		if (!(*out = malloc(j->len + 1))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
		} else {
			memcpy(*out, j->out, j->len);
			(*out)[j->len] = '\0';
			if (out_len)
				*out_len = j->len;
		}
	}
	jcs_done(j);
	free(j);
	return rc;
}

/* sodium_init() picks the fastest BLAKE2b for this CPU. */
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void
sodium_start(void)
{
	if (sodium_init() < 0)
		return;	/* the portable BLAKE2b still works */
}

int
cti_json_hash(unsigned char *hash, size_t hash_len, const char *json,
	      size_t len, const char *const *ignore,
	      struct cti_json_field *fields, size_t nfields)
{
	struct jcs j;
	int rc;

	if (!hash || hash_len < crypto_generichash_BYTES_MIN ||
	    hash_len > crypto_generichash_BYTES_MAX || (!json && len) ||
	    (nfields && !fields))
		return cti__seterr(CTI_EINVAL, "cti_json_hash: bad argument");
	for (size_t i = 0; i < nfields; i++) {
		fields[i].value = NULL;
		fields[i].len = 0;
	}
	pthread_once(&sodium_once, sodium_start);
	jcs_init(&j, json ? json : "", len);
	j.ignore = ignore;
	j.fields = fields;
	j.nfields = nfields;
	for (size_t i = 0; i < nfields && i < 8; i++)
		j.flen[i] = strlen(fields[i].name);
	for (; ignore && ignore[j.nignore]; j.nignore++)
		if (j.nignore < 8)
			j.ilen[j.nignore] = strlen(ignore[j.nignore]);
	if (!(rc = jcs_run(&j)))
		crypto_generichash(hash, hash_len, (unsigned char *)j.out,
				   j.len, NULL, 0);
	jcs_done(&j);
	return rc;
}
