/*
 * reader.c - stream STIX objects out of a bundle file.
 *
 * The input is validated byte by byte (RFC 8259 grammar, UTF-8, nesting) and
 * each STIX object is copied out minified: white space between tokens goes,
 * every string and number is kept exactly as written. Only the current
 * object is held in memory; the top level (a bundle, an array, JSON Lines) is
 * a small state machine so that a bundle's "objects" array is never held
 * whole.
 *
 * I-JSON (RFC 7493) is enforced on the way: member names are unique in every
 * object (compared as decoded strings) and numbers fit a double. Member
 * names are checked as they come, against a 128-bit Bloom filter of the
 * names before them in the same object, so that the usual object costs a
 * few instructions per member; an object with many members is checked once
 * more, sorted, at its end.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum state {
	ST_START,	/* before a top-level value */
	ST_TOP_MEMBER,	/* inside a top-level object, before a member */
	ST_OBJECTS,	/* inside the bundle's "objects" array */
	ST_ARRAY,	/* inside a top-level array */
	ST_AFTER,	/* after a top-level value */
	ST_DONE,
};

enum { F_TYPE, F_ID, F_MODIFIED, F_SPEC, F_CREATED, F_COUNT };

struct field {
	size_t off, len;
	int set;	/* a string value */
	int present;	/* any value */
	int esc;	/* the string has an escape */
};

/* A member name of an object being read. */
struct key {
	uint64_t tag;		/* key_tag() */
	uint32_t off, len;	/* in the object's buffer, or in r->keytext
				   when len has KEY_EXT */
};
#define KEY_EXT 0x80000000u
/* Members checked one by one as they come; past this, at the end. */
#define KEYS_INLINE 64

/* The member names of one object: r->keys[kbase..], r->keytext[tbase..] */
struct kframe {
	size_t kbase, tbase;
	uint64_t bloom[2];
};

struct cti_reader {
	struct cti__src src;
	const char *name;
	char *name_copy;
	unsigned char *buf;
	size_t pos, len;
	int eof;
	uint64_t off;		/* stream offset of buf[0] */
	uint64_t line;		/* current line, 1-based */
	uint64_t line_start;	/* stream offset where it starts */

	enum state state;
	enum cti_layout layout;
	int first;		/* no element yet in the current container */
	int top_is_bundle;	/* the top-level object has an objects array */
	int top_type_bundle;	/* its "type" is "bundle" */
	int top_type_other;	/* its "type" is something else */
	int values;		/* top-level values seen */
	uint64_t top_line;

	struct cti__buf obj;	/* the current object, minified */
	struct cti__buf scratch;	/* top-level values we do not keep */
	struct cti__buf fields;	/* NUL-separated copies of the fields */
	struct field f[F_COUNT];
	struct key *keys;	/* member names of the objects open */
	size_t nkeys, kcap;
	struct cti__buf keytext; /* decoded names, and the top level's */
	struct kframe top;	/* the top-level object's names */
	int esc;		/* the last string had an escape */
	int top_objects_bad;	/* "objects" that is not an array */
	uint64_t top_names;	/* memory its member names take */
	char *bundle_spec, *bundle_id;
	struct cti_object cur;
	uint64_t nobj;
	int err;		/* sticky error */
};

/* ---------------------------------------------------------- errors */

static int
perr(struct cti_reader *r, int code, const char *fmt, ...) CTI_PRINTF(3, 4);

static int
perr_at(struct cti_reader *r, uint64_t at, int code, const char *fmt,
	va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	r->err = code;
	return cti__seterr(code, "%s:%llu:%llu: %s", r->name,
			  (unsigned long long)r->line,
			  (unsigned long long)(at - r->line_start + 1), msg);
}

static int
perr(struct cti_reader *r, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = perr_at(r, r->off + r->pos, code, fmt, ap);
	va_end(ap);
	return rc;
}

static int
perr_from(struct cti_reader *r, uint64_t at, int code, const char *fmt, ...)
	CTI_PRINTF(4, 5);

static int
perr_from(struct cti_reader *r, uint64_t at, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = perr_at(r, at, code, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---------------------------------------------------------- bytes */

static int
refill(struct cti_reader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	r->off += r->len;
	r->pos = r->len = 0;
	n = cti__src_read(&r->src, r->buf, CTI_IOBUF);
	if (n < 0) {
		r->err = (int)n;
		return (int)n;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->len = (size_t)n;
	return 1;
}

/* The next byte without consuming it: 0-255, -1 at the end, < -1 error. */
static inline int
peek(struct cti_reader *r)
{
	int rc;

	if (CTI_LIKELY(r->pos < r->len))
		return r->buf[r->pos];
	if ((rc = refill(r)) <= 0)
		return rc < 0 ? rc - 1000 : -1;
	return r->buf[r->pos];
}

#define IS_ERR(c) ((c) < -1)
#define ERR_OF(c) ((c) + 1000)

static int
skip_ws(struct cti_reader *r)
{
	for (;;) {
		int c = peek(r);

		switch (c) {
		case '\n':
			r->pos++;
			r->line++;
			r->line_start = r->off + r->pos;
			break;
		case ' ':
		case '\t':
		case '\r':
			r->pos++;
			break;
		default:
			return c;
		}
	}
}

static inline int
out_put(struct cti_reader *r, struct cti__buf *out, const void *p, size_t n)
{
	if (CTI_UNLIKELY(out->len + n > CTI_MAX_OBJECT))
		return perr(r, CTI_ELIMIT, "object larger than the limit of "
			    "%u MiB", CTI_MAX_OBJECT >> 20);
	if (out->cap - out->len <= n && cti__buf_grow(out, n))
		return CTI_ENOMEM;
	memcpy(out->p + out->len, p, n);
	out->len += n;
	return CTI_OK;
}

static inline int
out_putc(struct cti_reader *r, struct cti__buf *out, char c)
{
	if (CTI_LIKELY(out->cap - out->len > 1 && out->len < CTI_MAX_OBJECT)) {
		out->p[out->len++] = c;
		return CTI_OK;
	}
	return out_put(r, out, &c, 1);
}

static int
unexpected(struct cti_reader *r, int c, const char *what)
{
	if (IS_ERR(c))
		return ERR_OF(c);
	if (c == -1)
		return perr(r, CTI_EFORMAT, "unexpected end of input, "
			    "expected %s", what);
	if (c >= 0x20 && c < 0x7f)
		return perr(r, CTI_EFORMAT, "unexpected '%c', expected %s",
			    c, what);
	return perr(r, CTI_EFORMAT, "unexpected byte 0x%02x, expected %s",
		    c, what);
}

/* ---------------------------------------------------------- values */

/* bytes that can be copied inside a string without a closer look */
static unsigned char plain[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
init_tables(void)
{
	for (int c = 0x20; c < 0x80; c++)
		plain[c] = 1;
	plain['"'] = plain['\\'] = 0;
}

/* \uXXXX after the backslash and 'u' have been copied; returns the value */
static int
read_u4(struct cti_reader *r, struct cti__buf *out, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int c = peek(r), h;

		if (IS_ERR(c))
			return ERR_OF(c);
		if (c < 0 || (h = cti__hexval(c)) < 0)
			return perr(r, CTI_EFORMAT, "bad \\u escape in string");
		*v = *v << 4 | (unsigned)h;
		r->pos++;
		if (out_putc(r, out, (char)c))
			return r->err ? r->err : CTI_ENOMEM;
	}
	return CTI_OK;
}

static int
parse_escape(struct cti_reader *r, struct cti__buf *out)
{
	unsigned v, lo;
	int c, rc;

	r->pos++; /* the backslash */
	r->esc = 1;
	c = peek(r);
	if (IS_ERR(c))
		return ERR_OF(c);
	switch (c) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n':
	case 'r': case 't':
		r->pos++;
		return out_put(r, out, (char[]){ '\\', (char)c }, 2);
	case 'u':
		break;
	default:
		return perr(r, CTI_EFORMAT, "bad escape in string");
	}
	r->pos++;
	if ((rc = out_put(r, out, "\\u", 2)) || (rc = read_u4(r, out, &v)))
		return rc;
	if (v >= 0xdc00 && v <= 0xdfff)
		return perr(r, CTI_EFORMAT, "lone low surrogate \\u%04x in "
			    "string", v);
	if (v < 0xd800 || v > 0xdbff)
		return CTI_OK;
	/* a high surrogate must be followed by \u and a low one */
	if ((c = peek(r)) != '\\')
		return IS_ERR(c) ? ERR_OF(c) :
		       perr(r, CTI_EFORMAT, "lone high surrogate in string");
	r->pos++;
	if ((c = peek(r)) != 'u')
		return IS_ERR(c) ? ERR_OF(c) :
		       perr(r, CTI_EFORMAT, "lone high surrogate in string");
	r->pos++;
	if ((rc = out_put(r, out, "\\u", 2)) || (rc = read_u4(r, out, &lo)))
		return rc;
	if (lo < 0xdc00 || lo > 0xdfff)
		return perr(r, CTI_EFORMAT, "lone high surrogate in string");
	return CTI_OK;
}

/* one UTF-8 sequence starting with a byte >= 0x80 */
static int
parse_utf8(struct cti_reader *r, struct cti__buf *out)
{
	unsigned char seq[4];
	uint64_t at = r->off + r->pos;
	int c = peek(r), n, i;

	seq[0] = (unsigned char)c;
	n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	r->pos++;
	for (i = 1; i < n; i++) {
		c = peek(r);
		if (IS_ERR(c))
			return ERR_OF(c);
		if (c < 0 || (c & 0xc0) != 0x80)
			break;
		seq[i] = (unsigned char)c;
		r->pos++;
	}
	if (i < n || cti__utf8_check(seq, (size_t)n) != (size_t)n)
		return perr_from(r, at, CTI_EFORMAT, "invalid UTF-8 in string");
	return out_put(r, out, seq, (size_t)n);
}

/* A string; the opening quote is next. Copies it, quotes included. */
static int
parse_string(struct cti_reader *r, struct cti__buf *out)
{
	int rc;

	r->pos++;
	if ((rc = out_putc(r, out, '"')))
		return rc;
	for (;;) {
		const unsigned char *p = r->buf + r->pos, *e = r->buf + r->len;
		const unsigned char *q = p;
		int c;

		while (q < e && plain[*q])
			q++;
		if (q > p) {
			if ((rc = out_put(r, out, p, (size_t)(q - p))))
				return rc;
			r->pos += (size_t)(q - p);
		}
		c = peek(r);
		if (c >= 0 && plain[c & 0xff])
			continue; /* the buffer was refilled */
		if (c == '"') {
			r->pos++;
			return out_putc(r, out, '"');
		}
		if (c == '\\') {
			if ((rc = parse_escape(r, out)))
				return rc;
			continue;
		}
		if (c >= 0x80) {
			if ((rc = parse_utf8(r, out)))
				return rc;
			continue;
		}
		if (c >= 0)
			return perr(r, CTI_EFORMAT, "control character 0x%02x "
				    "in string", c);
		if (IS_ERR(c))
			return ERR_OF(c);
		return perr(r, CTI_EFORMAT, "unterminated string");
	}
}

/* Decimal digits; *n gets how many (at least one, or an error). */
static int
digits(struct cti_reader *r, struct cti__buf *out, long *n)
{
	int c, rc;

	*n = 0;
	while ((c = peek(r)) >= '0' && c <= '9') {
		if ((rc = out_putc(r, out, (char)c)))
			return rc;
		r->pos++;
		(*n)++;
	}
	if (IS_ERR(c))
		return ERR_OF(c);
	return *n ? CTI_OK : perr(r, CTI_EFORMAT, "bad number");
}

/*
 * A number, copied as written. It must fit a double (I-JSON): its decimal
 * exponent e10 (the value is d.ddd x 10^e10) decides, and strtod() where
 * e10 is 308, the exponent of DBL_MAX, so that the reader and jcs.c agree.
 */
static __attribute__((noinline)) int
parse_number(struct cti_reader *r, struct cti__buf *out)
{
	uint64_t at = r->off + r->pos;
	size_t start = out->len;
	long nint = 0, nfrac = 0, lead0 = 0, nexp;
	int64_t ex = 0, e10;
	int c = peek(r), rc, zero_int = 0, has_exp = 0, eneg = 0, nz = 0;

	if (c == '-') {
		r->pos++;
		if ((rc = out_putc(r, out, '-')))
			return rc;
		c = peek(r);
	}
	if (c == '0') {
		r->pos++;
		zero_int = 1;
		if ((rc = out_putc(r, out, '0')))
			return rc;
		if ((c = peek(r)) >= '0' && c <= '9')
			return perr(r, CTI_EFORMAT, "leading zero in number");
	} else if ((rc = digits(r, out, &nint))) {
		return rc;
	}
	if ((c = peek(r)) == '.') {
		r->pos++;
		if ((rc = out_putc(r, out, '.')))
			return rc;
		while ((c = peek(r)) >= '0' && c <= '9') {
			if ((rc = out_putc(r, out, (char)c)))
				return rc;
			r->pos++;
			if (!nz && c == '0')
				lead0++;
			else
				nz = 1;
			nfrac++;
		}
		if (IS_ERR(c))
			return ERR_OF(c);
		if (!nfrac)
			return perr(r, CTI_EFORMAT, "bad number");
	}
	if (c == 'e' || c == 'E') {
		has_exp = 1;
		r->pos++;
		if ((rc = out_putc(r, out, (char)c)))
			return rc;
		if ((c = peek(r)) == '+' || c == '-') {
			eneg = c == '-';
			r->pos++;
			if ((rc = out_putc(r, out, (char)c)))
				return rc;
		}
		nexp = 0;
		while ((c = peek(r)) >= '0' && c <= '9') {
			if ((rc = out_putc(r, out, (char)c)))
				return rc;
			r->pos++;
			nexp++;
			if (ex < 1000000000)
				ex = ex * 10 + (c - '0');
		}
		if (IS_ERR(c))
			return ERR_OF(c);
		if (!nexp)
			return perr(r, CTI_EFORMAT, "bad number");
	}
	if (IS_ERR(c))
		return ERR_OF(c);
	if (CTI_LIKELY(!has_exp && nint <= 308))
		return CTI_OK;
	if (!zero_int)
		e10 = nint - 1;
	else if (nz)
		e10 = -(int64_t)lead0 - 1;
	else
		return CTI_OK; /* zero */
	e10 += eneg ? -ex : ex;
	if (e10 == 308) {
		char small[64], *t = small;
		size_t n = out->len - start;
		double d;

		if (n >= sizeof(small) && !(t = malloc(n + 1)))
			return cti__seterr(r->err = CTI_ENOMEM, "out of memory");
		memcpy(t, out->p + start, n);
		t[n] = '\0';
		d = cti__strtod(t);
		if (t != small)
			free(t);
		if (d - d == 0)	/* finite */
			return CTI_OK;
	} else if (e10 < 308) {
		return CTI_OK;
	}
	return perr_from(r, at, CTI_EFORMAT, "number out of range (beyond "
			 "a double)");
}

static int
parse_literal(struct cti_reader *r, struct cti__buf *out, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i < n; i++) {
		int c = peek(r);

		if (c != lit[i])
			return IS_ERR(c) ? ERR_OF(c) :
			       perr(r, CTI_EFORMAT, "bad literal, expected "
				    "'%s'", lit);
		r->pos++;
	}
	return out_put(r, out, lit, n);
}

size_t
cti__json_unescape(char *out, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 1; i + 1 < n; i++) {
		unsigned cp;

		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'b': out[o++] = '\b'; continue;
		case 'f': out[o++] = '\f'; continue;
		case 'n': out[o++] = '\n'; continue;
		case 'r': out[o++] = '\r'; continue;
		case 't': out[o++] = '\t'; continue;
		case 'u': break;
		default: out[o++] = s[i]; continue;	/* '"', '\\', '/' */
		}
		cp = 0;
		for (int k = 1; k <= 4; k++)
			cp = cp << 4 | (unsigned)cti__hexval(s[i + k]);
		i += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned lo = 0;

			for (int k = 3; k <= 6; k++)
				lo = lo << 4 | (unsigned)cti__hexval(s[i + k]);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		}
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | (cp >> 12 & 0x3f));
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	return o;
}

/* ---------------------------------------------------------- member names */

/* Length and three bytes of a name: equal names have equal tags. */
static inline uint64_t
key_tag(const char *k, size_t n)
{
	if (!n)
		return 0;
	return (uint64_t)n | (uint64_t)(unsigned char)k[0] << 32 |
	       (uint64_t)(unsigned char)k[n / 2] << 40 |
	       (uint64_t)(unsigned char)k[n - 1] << 48;
}

static inline const char *
key_text(const struct cti_reader *r, const struct cti__buf *out,
	 const struct key *k)
{
	return (k->len & KEY_EXT) ? r->keytext.p + k->off : out->p + k->off;
}

static int
dup_name(struct cti_reader *r, uint64_t at, const char *k, size_t n)
{
	char q[CTI__QUOTE_SIZE];

	return perr_from(r, at, CTI_EFORMAT, "duplicate member name \"%s\"",
			 cti__quote(q, k, n));
}

static inline void
kframe_begin(struct cti_reader *r, struct kframe *f)
{
	f->kbase = r->nkeys;
	f->tbase = r->keytext.len;
	f->bloom[0] = f->bloom[1] = 0;
}

/* A name whose Bloom filter bit was set: compare with those before it. */
static int
key_scan(struct cti_reader *r, const struct kframe *f,
	 const struct cti__buf *out, uint64_t tag, const char *k, size_t n,
	 uint64_t at)
{
	for (const struct key *e = r->keys + f->kbase; e < r->keys + r->nkeys;
	     e++)
		if (e->tag == tag && memcmp(key_text(r, out, e), k, n) == 0)
			return dup_name(r, at, k, n);
	return CTI_OK;
}

static int
keys_grow(struct cti_reader *r)
{
	size_t cap = r->kcap ? r->kcap * 2 : 256;
	struct key *e = realloc(r->keys, cap * sizeof(*e));

	if (!e)
		return cti__seterr(r->err = CTI_ENOMEM, "out of memory");
	r->keys = e;
	r->kcap = cap;
	return CTI_OK;
}

/*
 * A member name of the object of frame f: off/len in out, or with KEY_EXT
 * in r->keytext. at: where it starts in the input, for the message.
 */
static inline __attribute__((always_inline)) int
key_add(struct cti_reader *r, struct kframe *f, const struct cti__buf *out,
	uint32_t off, uint32_t len, uint64_t at)
{
	const char *k = (len & KEY_EXT) ? r->keytext.p + off : out->p + off;
	size_t n = len & ~KEY_EXT;
	uint64_t tag = key_tag(k, n);
	struct key *e;
	int rc;

	if (CTI_UNLIKELY(r->nkeys == r->kcap) && (rc = keys_grow(r)))
		return rc;
	if (CTI_LIKELY(r->nkeys - f->kbase < KEYS_INLINE)) {
		unsigned h = (unsigned)((tag * 0x9e3779b97f4a7c15ull) >> 57);
		uint64_t bit = 1ull << (h & 63);

		if ((f->bloom[h >> 6] & bit) &&
		    (rc = key_scan(r, f, out, tag, k, n, at)))
			return rc;
		f->bloom[h >> 6] |= bit;
	}
	e = &r->keys[r->nkeys++];
	e->tag = tag;
	e->off = off;
	e->len = len;
	return CTI_OK;
}

struct key_sort {
	const struct cti_reader *r;
	const struct cti__buf *out;
};

static int
key_cmp(const void *a, const void *b, void *ctx)
{
	const struct key *x = a, *y = b;
	const struct key_sort *ks = ctx;
	size_t n = x->len & ~KEY_EXT, m = y->len & ~KEY_EXT;
	int c;

	if (n != m)
		return n < m ? -1 : 1;
	c = memcmp(key_text(ks->r, ks->out, x), key_text(ks->r, ks->out, y), n);
	return c;
}

/* An object with many members ends: check them all, sorted. */
static int
keys_sorted(struct cti_reader *r, struct kframe *f, const struct cti__buf *out)
{
	struct key_sort ks = { r, out };
	struct key *k = r->keys + f->kbase;
	size_t n = r->nkeys - f->kbase;

	qsort_r(k, n, sizeof(*k), key_cmp, &ks);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&k[i - 1], &k[i], &ks) == 0)
			return dup_name(r, r->off + r->pos,
					key_text(r, out, &k[i]),
					k[i].len & ~KEY_EXT);
	return CTI_OK;
}

/* The object of frame f ends: check what was not checked as it came. */
static inline int
kframe_end(struct cti_reader *r, struct kframe *f, const struct cti__buf *out)
{
	int rc;

	if (CTI_UNLIKELY(r->nkeys - f->kbase > KEYS_INLINE) &&
	    (rc = keys_sorted(r, f, out)))
		return rc;
	r->nkeys = f->kbase;
	r->keytext.len = f->tbase;
	return CTI_OK;
}

/* A copy of the name out[koff..] (quotes included) in r->keytext, decoded;
 * *off and *len get where, for key_add(). */
static int
key_copy(struct cti_reader *r, const struct cti__buf *out, size_t koff,
	 size_t raw, uint32_t *off, uint32_t *len)
{
	int rc;

	if ((rc = cti__buf_grow(&r->keytext, raw)))
		return r->err = rc;
	*off = (uint32_t)r->keytext.len;
	if (r->esc)
		r->keytext.len += cti__json_unescape(r->keytext.p +
						     r->keytext.len,
						     out->p + koff, raw);
	else {
		memcpy(r->keytext.p + r->keytext.len, out->p + koff + 1,
		       raw - 2);
		r->keytext.len += raw - 2;
	}
	*len = (uint32_t)(r->keytext.len - *off) | KEY_EXT;
	return CTI_OK;
}

static int parse_value(struct cti_reader *r, struct cti__buf *out, int depth);

static int
too_deep(struct cti_reader *r)
{
	return perr(r, CTI_ELIMIT, "nesting deeper than the limit of %d",
		    CTI_MAX_DEPTH);
}

/* Note a top-level member of the object being read that cti looks at. */
static inline void
record(struct cti_reader *r, const char *key, size_t klen, size_t voff,
       struct cti__buf *out)
{
	int i;

	switch (klen) {
	case 2:
		if (key[0] != 'i' || key[1] != 'd')
			return;
		i = F_ID;
		break;
	case 4:
		if (memcmp(key, "type", 4) != 0)
			return;
		i = F_TYPE;
		break;
	case 7:
		if (memcmp(key, "created", 7) != 0)
			return;
		i = F_CREATED;
		break;
	case 8:
		if (memcmp(key, "modified", 8) != 0)
			return;
		i = F_MODIFIED;
		break;
	case 12:
		if (memcmp(key, "spec_version", 12) != 0)
			return;
		i = F_SPEC;
		break;
	default:
		return;
	}
	r->f[i].present = 1;
	if (out->p[voff] != '"')
		return;
	r->f[i].off = voff + 1;
	r->f[i].len = out->len - voff - 2;
	r->f[i].set = 1;
	r->f[i].esc = r->esc;
}

/* An object; '{' is next. With rec, its members are recorded. */
static int
parse_object(struct cti_reader *r, struct cti__buf *out, int depth, int rec)
{
	struct kframe f;
	int c, rc, first = 1;

	if (depth > CTI_MAX_DEPTH)
		return too_deep(r);
	r->pos++;
	if ((rc = out_putc(r, out, '{')))
		return rc;
	kframe_begin(r, &f);
	for (;;) {
		size_t koff, voff, klen;
		uint32_t off, len;
		uint64_t at;

		c = skip_ws(r);
		if (c == '}' && first) {
			r->pos++;
			return out_putc(r, out, '}');
		}
		if (!first) {
			if (c == '}') {
				r->pos++;
				if ((rc = kframe_end(r, &f, out)))
					return rc;
				return out_putc(r, out, '}');
			}
			if (c != ',')
				return unexpected(r, c, "',' or '}'");
			r->pos++;
			if ((rc = out_putc(r, out, ',')))
				return rc;
			c = skip_ws(r);
		}
		first = 0;
		if (c != '"')
			return unexpected(r, c, "a member name");
		koff = out->len;
		at = r->off + r->pos;
		r->esc = 0;
		if ((rc = parse_string(r, out)))
			return rc;
		klen = out->len - koff - 2;
		off = (uint32_t)(koff + 1);
		len = (uint32_t)klen;
		if (CTI_UNLIKELY(r->esc) &&
		    (rc = key_copy(r, out, koff, klen + 2, &off, &len)))
			return rc;
		if ((rc = key_add(r, &f, out, off, len, at)))
			return rc;
		if ((c = skip_ws(r)) != ':')
			return unexpected(r, c, "':'");
		r->pos++;
		if ((rc = out_putc(r, out, ':')))
			return rc;
		voff = out->len;
		r->esc = 0;
		if ((rc = parse_value(r, out, depth + 1)))
			return rc;
		if (rec) {
			if (len & KEY_EXT)
				record(r, r->keytext.p + off, len & ~KEY_EXT,
				       voff, out);
			else
				record(r, out->p + off, klen, voff, out);
		}
	}
}

static int
parse_array(struct cti_reader *r, struct cti__buf *out, int depth)
{
	int c, rc, first = 1;

	if (depth > CTI_MAX_DEPTH)
		return too_deep(r);
	r->pos++;
	if ((rc = out_putc(r, out, '[')))
		return rc;
	for (;;) {
		c = skip_ws(r);
		if (c == ']') {
			r->pos++;
			return out_putc(r, out, ']');
		}
		if (!first) {
			if (c != ',')
				return unexpected(r, c, "',' or ']'");
			r->pos++;
			if ((rc = out_putc(r, out, ',')))
				return rc;
			skip_ws(r);
		}
		first = 0;
		if ((rc = parse_value(r, out, depth + 1)))
			return rc;
	}
}

static int
parse_value(struct cti_reader *r, struct cti__buf *out, int depth)
{
	int c = skip_ws(r);

	switch (c) {
	case '{':
		return parse_object(r, out, depth, 0);
	case '[':
		return parse_array(r, out, depth);
	case '"':
		return parse_string(r, out);
	case 't':
		return parse_literal(r, out, "true");
	case 'f':
		return parse_literal(r, out, "false");
	case 'n':
		return parse_literal(r, out, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(r, out);
		return unexpected(r, c, "a JSON value");
	}
}

/* ---------------------------------------------------------- objects */

static void
reset_fields(struct cti_reader *r)
{
	memset(r->f, 0, sizeof(r->f));
}

/* Finish r->obj as the current object; checks that it looks like STIX. */
static int
emit(struct cti_reader *r, uint64_t line)
{
	const char **dst[F_COUNT] = {
		&r->cur.type, &r->cur.id, &r->cur.modified,
		&r->cur.spec_version, &r->cur.created,
	};
	size_t offs[F_COUNT];
	int rc;

	if (!r->f[F_TYPE].set)
		return cti__seterr(r->err = CTI_EFORMAT, "%s:%llu: object %llu "
				  "is not STIX: no \"type\" string", r->name,
				  (unsigned long long)line,
				  (unsigned long long)r->nobj + 1);
	if (!r->f[F_ID].set)
		return cti__seterr(r->err = CTI_EFORMAT, "%s:%llu: object %llu "
				  "(type %.*s) is not STIX: no \"id\" string",
				  r->name, (unsigned long long)line,
				  (unsigned long long)r->nobj + 1,
				  (int)(r->f[F_TYPE].len > 64 ? 64 :
					r->f[F_TYPE].len),
				  r->obj.p + r->f[F_TYPE].off);
	if (r->f[F_SPEC].present && !r->f[F_SPEC].set)
		return cti__seterr(r->err = CTI_EFORMAT, "%s:%llu: object %llu "
				  "is not STIX: \"spec_version\" is not a "
				  "string", r->name, (unsigned long long)line,
				  (unsigned long long)r->nobj + 1);
	cti__buf_reset(&r->fields);
	for (int i = 0; i < F_COUNT; i++) {
		const char *v = r->obj.p + r->f[i].off;
		size_t n = r->f[i].len;

		offs[i] = r->fields.len;
		if (!r->f[i].set)
			continue;
		if ((rc = cti__buf_grow(&r->fields, n + 1)))
			return r->err = rc;
		/* escapes are rare in these: decode them where they are */
		if (CTI_UNLIKELY(r->f[i].esc))
			n = cti__json_unescape(r->fields.p + r->fields.len, v - 1,
					       n + 2);
		else
			memcpy(r->fields.p + r->fields.len, v, n);
		r->fields.len += n;
		r->fields.p[r->fields.len++] = '\0';
	}
	for (int i = 0; i < F_COUNT; i++)
		*dst[i] = r->f[i].set ? r->fields.p + offs[i] : NULL;
	r->obj.p[r->obj.len] = '\0';
	r->cur.json = r->obj.p;
	r->cur.len = r->obj.len;
	r->cur.line = line;
	r->cur.index = r->nobj++;
	return CTI_OK;
}

/* One element of an objects array or a top-level array; '{' expected. */
static int
read_element(struct cti_reader *r)
{
	uint64_t line;
	int c = skip_ws(r), rc;

	if (c != '{')
		return c == -1 || IS_ERR(c) ? unexpected(r, c, "an object") :
		       perr(r, CTI_EFORMAT, "not a STIX object: an array "
			    "element is not a JSON object");
	line = r->line;
	cti__buf_reset(&r->obj);
	reset_fields(r);
	if ((rc = parse_object(r, &r->obj, 3, 1)))
		return rc;
	return emit(r, line);
}

/* A member of the top-level object, or its end. Sets *got when an object
 * (the first of a bundle) is ready. */
static int
top_member(struct cti_reader *r, int *got)
{
	struct cti__buf *out;
	size_t koff, voff, klen;
	uint32_t off, len;
	uint64_t at;
	const char *key;
	int c = skip_ws(r), rc;

	if (c == '}') {
		r->pos++;
		if ((rc = kframe_end(r, &r->top, &r->obj)))
			return rc;
		r->state = ST_AFTER;
		if (r->top_is_bundle || r->top_type_bundle) {
			if (r->top_type_other)
				return perr(r, CTI_EFORMAT, "not a bundle: an "
					    "\"objects\" array in an object of "
					    "another type");
			if (r->top_objects_bad)
				return perr(r, CTI_EFORMAT, "the bundle's "
					    "\"objects\" is not an array");
			/* a bundle without "objects" holds nothing */
			if (r->layout == CTI_LAYOUT_UNKNOWN)
				r->layout = CTI_LAYOUT_BUNDLE;
			return CTI_OK;
		}
		/* a single object */
		if ((rc = out_putc(r, &r->obj, '}')))
			return rc;
		if (r->layout == CTI_LAYOUT_UNKNOWN)
			r->layout = CTI_LAYOUT_OBJECT;
		if ((rc = emit(r, r->top_line)))
			return rc;
		*got = 1;
		return CTI_OK;
	}
	if (!r->first) {
		if (c != ',')
			return unexpected(r, c, "',' or '}'");
		r->pos++;
		c = skip_ws(r);
	}
	r->first = 0;
	if (c != '"')
		return unexpected(r, c, "a member name");
	out = r->top_is_bundle ? &r->scratch : &r->obj;
	if (r->top_is_bundle)
		cti__buf_reset(out);
	else if (out->len > 1 && (rc = out_putc(r, out, ',')))
		return rc;
	koff = out->len;
	at = r->off + r->pos;
	r->esc = 0;
	if ((rc = parse_string(r, out)))
		return rc;
	/* the names are kept beside: a bundle's members are not; they count
	 * against the limit of an object, as those of an object do */
	if ((rc = key_copy(r, out, koff, out->len - koff, &off, &len)) ||
	    (rc = key_add(r, &r->top, out, off, len, at)))
		return rc;
	r->top_names += (len & ~KEY_EXT) + sizeof(struct key);
	if (r->top_names > CTI_MAX_OBJECT)
		return perr_from(r, at, CTI_ELIMIT, "the top-level object's "
				 "member names exceed the limit of %u MiB",
				 CTI_MAX_OBJECT >> 20);
	key = r->keytext.p + off;
	klen = len & ~KEY_EXT;
	if ((c = skip_ws(r)) != ':')
		return unexpected(r, c, "':'");
	r->pos++;
	c = skip_ws(r);
	if (klen == 7 && memcmp(key, "objects", 7) == 0) {
		if (c == '[' && !r->top_is_bundle && !r->top_type_other) {
			/* a bundle: stream its objects */
			r->top_is_bundle = 1;
			if (r->layout == CTI_LAYOUT_UNKNOWN)
				r->layout = CTI_LAYOUT_BUNDLE;
			r->pos++;
			r->state = ST_OBJECTS;
			r->first = 1;
			return CTI_OK;
		}
		if (c != '[')
			r->top_objects_bad = 1;
	}
	if ((rc = out_putc(r, out, ':')))
		return rc;
	voff = out->len;
	r->esc = 0;
	/* as deep as it will be in a bundle: [{"type":"bundle","objects":[{ */
	if ((rc = parse_value(r, out, 4)))
		return rc;
	key = r->keytext.p + off;
	if (!r->top_is_bundle)
		record(r, key, klen, voff, out);
	if (klen == 4 && memcmp(key, "type", 4) == 0) {
		int isb = out->len - voff == 8 &&
			  memcmp(out->p + voff, "\"bundle\"", 8) == 0;

		r->top_type_bundle = isb;
		r->top_type_other = !isb;
		if (!isb && r->top_is_bundle)
			return perr(r, CTI_EFORMAT, "not a bundle: an "
				    "\"objects\" array in an object of "
				    "another type");
	}
	if (out->p[voff] == '"' &&
	    ((klen == 12 && memcmp(key, "spec_version", 12) == 0) ||
	     (klen == 2 && memcmp(key, "id", 2) == 0))) {
		char **dst = klen == 2 ? &r->bundle_id : &r->bundle_spec;
		char *v = strndup(out->p + voff + 1, out->len - voff - 2);

		if (!v)
			return cti__seterr(r->err = CTI_ENOMEM, "out of memory");
		free(*dst);
		*dst = v;
	}
	return CTI_OK;
}

int
cti_reader_next(const struct cti_object **out, cti_reader *r)
{
	int c, rc, got;

	*out = NULL;
	if (r->err)
		return r->err;
	for (;;) {
		switch (r->state) {
		case ST_START:
			c = skip_ws(r);
			if (c == -1) {
				if (r->values == 0)
					return perr(r, CTI_EFORMAT,
						    "empty input, expected "
						    "JSON");
				r->state = ST_DONE;
				continue;
			}
			if (r->values == 1)
				r->layout = CTI_LAYOUT_LINES;
			r->values++;
			r->first = 1;
			r->top_is_bundle = r->top_type_bundle = 0;
			r->top_type_other = 0;
			if (c == '[') {
				r->pos++;
				if (r->layout == CTI_LAYOUT_UNKNOWN)
					r->layout = CTI_LAYOUT_ARRAY;
				r->state = ST_ARRAY;
				continue;
			}
			if (c != '{')
				return IS_ERR(c) ? ERR_OF(c) :
				       c >= 0x20 && c < 0x7f ?
				       perr(r, CTI_EFORMAT, "not JSON: "
					    "unexpected '%c', expected an "
					    "object or array", c) :
				       perr(r, CTI_EFORMAT, "not JSON: "
					    "unexpected byte 0x%02x", c);
			r->pos++;
			r->top_line = r->line;
			r->top_objects_bad = 0;
			r->top_names = 0;
			r->nkeys = 0;
			cti__buf_reset(&r->keytext);
			kframe_begin(r, &r->top);
			cti__buf_reset(&r->obj);
			reset_fields(r);
			if ((rc = out_putc(r, &r->obj, '{')))
				return rc;
			r->state = ST_TOP_MEMBER;
			continue;
		case ST_TOP_MEMBER:
			got = 0;
			if ((rc = top_member(r, &got)))
				return r->err = rc;
			if (got) {
				*out = &r->cur;
				return CTI_OK;
			}
			continue;
		case ST_OBJECTS:
		case ST_ARRAY:
			c = skip_ws(r);
			if (c == ']') {
				r->pos++;
				r->state = r->state == ST_OBJECTS ?
					   ST_TOP_MEMBER : ST_AFTER;
				r->first = 0;
				continue;
			}
			if (!r->first) {
				if (c != ',')
					return r->err = unexpected(r, c,
							"',' or ']'");
				r->pos++;
			}
			r->first = 0;
			if ((rc = read_element(r)))
				return r->err = rc;
			*out = &r->cur;
			return CTI_OK;
		case ST_AFTER:
			c = skip_ws(r);
			if (IS_ERR(c))
				return r->err = ERR_OF(c);
			if (c == -1) {
				r->state = ST_DONE;
				continue;
			}
			if (c != '{' && c != '[')
				return perr(r, CTI_EFORMAT, "trailing data "
					    "after the JSON value");
			r->state = ST_START;
			continue;
		case ST_DONE:
			return CTI_OK;
		}
	}
}

/* ---------------------------------------------------------- STIX 2.0 */

/* The cyber-observable object types of STIX 2.1 (section 6), sorted. */
static const char *const sco_types[] = {
	"artifact", "autonomous-system", "directory", "domain-name",
	"email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
	"mac-addr", "mutex", "network-traffic", "process", "software", "url",
	"user-account", "windows-registry-key", "x509-certificate",
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
cti__stix20(const struct cti_object *o)
{
	/* STIX 2.1, 3.2: without spec_version, an object is 2.0 unless it is
	 * a cyber observable, which has no "created" */
	return !o->spec_version && o->created && o->type &&
	       !bsearch(&o->type, sco_types, CTI_ARRAY_LEN(sco_types),
			sizeof(sco_types[0]), cmp_str);
}

int
cti__stix20_amend(struct cti__buf *b, const char *json, size_t len)
{
	static const char sv[] = "{\"spec_version\":\"2.0\"";
	int rc;

	if (len + sizeof(sv) - 1 > CTI_MAX_OBJECT)
		return CTI_ELIMIT;
	cti__buf_reset(b);
	if ((rc = cti__buf_put(b, sv, sizeof(sv) - 1)) ||
	    (len > 2 && (rc = cti__buf_putc(b, ','))) ||
	    (rc = cti__buf_put(b, json + 1, len - 1)))
		return rc;
	return CTI_OK;
}

int
cti__stix20_mark(struct cti__buf *b, const struct cti_object *o)
{
	int rc;

	if (!cti__stix20(o))
		return 0;
	return (rc = cti__stix20_amend(b, o->json, o->len)) ? rc : 1;
}

/* ---------------------------------------------------------- lifetime */

int
cti_reader_open_fd(cti_reader **out, int fd, const char *name,
		   const void *prefix, size_t prefix_len)
{
	return cti__reader_open_fd(out, fd, name, prefix, prefix_len, 0);
}

int
cti__reader_open_fd(cti_reader **out, int fd, const char *name,
		    const void *prefix, size_t prefix_len, int eof)
{
	cti_reader *r;
	int rc;

	*out = NULL;
	pthread_once(&tables_once, init_tables);
	if (!(r = calloc(1, sizeof(*r))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	r->src.fd = -1;
	if (!(r->name_copy = strdup(name ? name : "-")) ||
	    !(r->buf = malloc(CTI_IOBUF))) {
		cti_reader_free(r);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	r->name = r->name_copy;
	r->line = 1;
	if ((rc = cti__src_open_eof(&r->src, fd, 0, r->name, prefix,
				    prefix_len, eof))) {
		cti_reader_free(r);
		return rc;
	}
	/* a UTF-8 byte order mark is tolerated at the start */
	if (peek(r) == 0xef && r->len - r->pos >= 3 &&
	    memcmp(r->buf + r->pos, "\xef\xbb\xbf", 3) == 0)
		r->pos += 3;
	if (r->err) {
		rc = r->err;
		cti_reader_free(r);
		return rc;
	}
	*out = r;
	return CTI_OK;
}

int
cti_reader_open(cti_reader **out, const char *path, const char *name)
{
	int fd, rc;

	*out = NULL;
	if ((rc = cti__open_in(&fd, path)))
		return rc;
	if ((rc = cti_reader_open_fd(out, fd, name ? name : path, NULL, 0))) {
		close(fd);
		return rc;
	}
	(*out)->src.own_fd = 1;
	return CTI_OK;
}

enum cti_layout
cti_reader_layout(const cti_reader *r)
{
	return r->layout;
}

const char *
cti_reader_bundle_spec(const cti_reader *r)
{
	return r->bundle_spec;
}

const char *
cti_reader_bundle_id(const cti_reader *r)
{
	return r->bundle_id;
}

uint64_t
cti_reader_raw_bytes(const cti_reader *r)
{
	return r->src.raw_total;
}

uint64_t
cti_reader_json_bytes(const cti_reader *r)
{
	return r->src.out_total;
}

int
cti_reader_is_gzip(const cti_reader *r)
{
	return r->src.gzip;
}

void
cti_reader_free(cti_reader *r)
{
	if (!r)
		return;
	if (r->src.raw || r->src.z)
		cti__src_close(&r->src);
	free(r->buf);
	free(r->name_copy);
	free(r->bundle_spec);
	free(r->bundle_id);
	cti__buf_free(&r->obj);
	cti__buf_free(&r->scratch);
	cti__buf_free(&r->fields);
	cti__buf_free(&r->keytext);
	free(r->keys);
	free(r);
}
