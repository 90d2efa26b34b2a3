/*
 * pack.c - turn STIX JSON, indicator lists and CSV tables into one bundle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base.h"

#define SNIFF 4096

/* What an object written is, for the counts. */
enum kind { K_INDICATOR, K_PASSED, K_ADDED };

struct pack {
	const struct cti_pack_opts *o;
	struct cti_pack_stats st;
	cti_writer *w;
	char now[32];
	char valid_until[32];
	char producer_id[96];
	const char *tlp_id;
	struct cti__buf json;	/* the object being built */
	struct cti__buf extra;	/* the common tail of created objects */
	struct cti__buf desc;	/* a description with a port */
	cti__base *base;	/* the previous release, or NULL */
	char *norm, *pattern;	/* scratch, CTI_MAX_LINE + 1 each */
	size_t pattern_size;
	uint64_t done;		/* bytes of the inputs before this one */
	uint64_t total;		/* of all of them and the base, 0 when
				   unknown */
	uint64_t shown;		/* of this one, when last reported */
	uint64_t base_read;	/* of the base release */
};

/* One input, its first bytes already read. */
struct input {
	int fd;
	const char *name;
	const unsigned char *prefix;
	size_t plen;
	int eof;		/* reading them met the end */
};

#define warn(p, ...) cti__warnf((p)->o->warn, (p)->o->warn_ctx, __VA_ARGS__)

/* The bytes of this input read so far: report them now and then. */
static void
progress(struct pack *p, uint64_t raw)
{
	if (p->o->progress && raw != p->shown) {
		p->shown = raw;
		p->o->progress(p->o->progress_ctx,
			       p->base_read + p->done + raw, p->total);
	}
}

/* The base release is read as far as the inputs need it. */
static void
base_progress(void *ctx, uint64_t read)
{
	struct pack *p = ctx;

	p->base_read = read;
	p->o->progress(p->o->progress_ctx, read + p->done + p->shown,
		       p->total);
}

/*
 * A value or row that gives no indicator: "FILE:LINE: WHAT, skipped: 'V'"
 * and TAIL, counted; "FILE:LINE: WHAT: 'V'" and TAIL, an error, with
 * --strict.
 */
static int
skip(struct pack *p, const char *name, uint64_t line, const char *what,
     const char *v, size_t n, const char *tail)
{
	char q[CTI__QUOTE_SIZE];

	cti__quote(q, v, n);
	p->st.skipped++;
	if (p->o->strict)
		return cti__seterr(CTI_EFORMAT, "%s:%llu: %s: '%s'%s", name,
				  (unsigned long long)line, what, q, tail);
	warn(p, "%s:%llu: %s, skipped: '%s'%s", name, (unsigned long long)line,
	     what, q, tail);
	return CTI_OK;
}

static int
add(struct pack *p, const char *json, size_t len, const char *id,
    const char *modified, enum kind kind, const char *name, uint64_t line)
{
	char q[CTI__QUOTE_SIZE];
	int added, rc;

	if ((rc = cti_writer_add(p->w, json, len, id, modified, &added)))
		return rc;
	if (added < 1) {
		p->st.duplicate++;
		/* STIX wants a new "modified" for new content: two copies
		 * that differ are a producer's mistake */
		if (added < 0)
			warn(p, "%s:%llu: %s: a copy with the same \"modified\" "
			     "but other content was read before; the first is "
			     "kept", name, (unsigned long long)line,
			     cti__quote(q, id, strlen(id)));
		return CTI_OK;
	}
	p->st.written++;
	if (kind == K_INDICATOR)
		p->st.indicators++;
	else if (kind == K_PASSED)
		p->st.passed++;
	else
		p->st.added++;
	return CTI_OK;
}

/* ---------------------------------------------------------- created */

/* The members every created object ends with. */
static int
build_extra(struct pack *p)
{
	struct cti__buf *b = &p->extra;
	int rc = CTI_OK;

	if (p->producer_id[0])
		rc = cti__buf_printf(b, ",\"created_by_ref\":\"%s\"",
				    p->producer_id);
	if (!rc && p->tlp_id)
		rc = cti__buf_printf(b, ",\"object_marking_refs\":[\"%s\"]",
				    p->tlp_id);
	return rc;
}

/* What a value or row gives beside the value itself. */
struct cells {
	const char *desc;	/* description, or NULL */
	size_t dlen;
	enum cti_ioc_type hint;	/* the type it must have, or NONE */
	int64_t first_seen;	/* valid_from (microseconds), or
				   CTI__NO_TIME for now */
	int confidence;		/* or -1 */
	const char *labels;	/* ';' or '|' separated, or NULL */
};

/* Members of an indicator after the pattern: valid_from etc. */
static int
indicator_tail(struct pack *p, struct cti__buf *b, const struct cells *c,
	       const struct cti__stamps *t)
{
	const struct cti_pack_opts *o = p->o;
	const char *labels = c->labels;
	int rc, n = 0;

	if ((rc = cti__buf_puts(b, ",\"pattern_type\":\"stix\","
			       "\"pattern_version\":\"2.1\",\"valid_from\":\"")) ||
	    (rc = cti__buf_puts(b, t->valid_from)) ||
	    (rc = cti__buf_putc(b, '"')))
		return rc;
	if (t->valid_until &&
	    ((rc = cti__buf_puts(b, ",\"valid_until\":\"")) ||
	     (rc = cti__buf_puts(b, t->valid_until)) ||
	     (rc = cti__buf_putc(b, '"'))))
		return rc;
	if ((labels && *labels) || (o->labels && o->labels[0])) {
		if ((rc = cti__buf_puts(b, ",\"labels\":[")))
			return rc;
		for (size_t i = 0; o->labels && o->labels[i]; i++, n++)
			if ((n && (rc = cti__buf_putc(b, ','))) ||
			    (rc = cti__buf_json_str(b, o->labels[i],
						   strlen(o->labels[i]))))
				return rc;
		while (labels && *labels) {
			size_t k = strcspn(labels, ";|");
			const char *s = labels;

			labels += k + (labels[k] != '\0');
			while (k && (*s == ' ' || *s == '\t'))
				s++, k--;
			while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
				k--;
			if (!k)
				continue;
			if ((n++ && (rc = cti__buf_putc(b, ','))) ||
			    (rc = cti__buf_json_str(b, s, k)))
				return rc;
		}
		if ((rc = cti__buf_putc(b, ']')))
			return rc;
	}
	if (c->confidence >= 0)
		rc = cti__buf_printf(b, ",\"confidence\":%d", c->confidence);
	else if (o->confidence >= 0)
		rc = cti__buf_printf(b, ",\"confidence\":%d", o->confidence);
	if (rc)
		return rc;
	if ((rc = cti__buf_put(b, p->extra.p ? p->extra.p : "", p->extra.len)))
		return rc;
	return cti__buf_putc(b, '}');
}

/*
 * An object cti pack makes: built with the times of the pack, or with
 * those the base release gives it (base.c).
 */
static int
make(struct pack *p, const struct cti__make *m, enum kind kind,
     const char *name, uint64_t line)
{
	char q[CTI__QUOTE_SIZE], vf[32];
	struct cti__stamps t = { p->now, p->now, NULL, NULL };
	enum cti__made how;
	int rc;

	if (!p->base) {
		if (m->validity) {
			t.valid_from = m->first_seen == CTI__NO_TIME ? p->now :
				       cti__format_ts(vf, sizeof(vf),
						      m->first_seen);
			t.valid_until = p->valid_until[0] ? p->valid_until :
							    NULL;
		}
		cti__buf_reset(&p->json);
		if ((rc = m->build(m->ctx, &p->json, &t)))
			return rc;
		return add(p, p->json.p, p->json.len, m->id, p->now, kind,
			   name, line);
	}
	if ((rc = cti__base_make(p->base, p->w, m, &how)))
		return rc;
	switch (how) {
	case CTI__MADE_COPY:
		p->st.duplicate++;
		return CTI_OK;
	case CTI__MADE_DIFFERS:
		p->st.duplicate++;
		warn(p, "%s:%llu: %s: a copy with the same \"modified\" but "
		     "other content was read before; the first is kept", name,
		     (unsigned long long)line, cti__quote(q, m->id,
							  strlen(m->id)));
		return CTI_OK;
	default:
		p->st.written++;
		if (kind == K_INDICATOR)
			p->st.indicators++;
		else
			p->st.added++;
		return CTI_OK;
	}
}

/* An indicator being made: the value in p->norm, its pattern in
 * p->pattern. */
struct ind {
	struct pack *p;
	const char *id;
	size_t plen;
	const struct cells *c;
};

static int
build_indicator(void *ctx, struct cti__buf *b, const struct cti__stamps *t)
{
	const struct ind *x = ctx;
	struct pack *p = x->p;
	const struct cells *c = x->c;
	int rc;

	if ((rc = cti__buf_puts(b, "{\"type\":\"indicator\",\"spec_version\":"
			       "\"2.1\",\"id\":\"")) ||
	    (rc = cti__buf_puts(b, x->id)) ||
	    (rc = cti__buf_puts(b, "\",\"created\":\"")) ||
	    (rc = cti__buf_puts(b, t->created)) ||
	    (rc = cti__buf_puts(b, "\",\"modified\":\"")) ||
	    (rc = cti__buf_puts(b, t->modified)) ||
	    (rc = cti__buf_puts(b, "\",\"name\":")) ||
	    (rc = cti__buf_json_str(b, p->norm, strlen(p->norm))))
		return rc;
	if (c->dlen && ((rc = cti__buf_puts(b, ",\"description\":")) ||
			(rc = cti__buf_json_str(b, c->desc, c->dlen))))
		return rc;
	if ((rc = cti__buf_puts(b, ",\"pattern\":")) ||
	    (rc = cti__buf_json_str(b, p->pattern, x->plen)))
		return rc;
	return indicator_tail(p, b, c, t);
}

/* Why a value gave no indicator. */
enum { IND_NONE = 1, IND_MISMATCH = 2 };

/*
 * One indicator for value (raw text from the input). Returns 0 when it was
 * added, IND_NONE when the value is no indicator, IND_MISMATCH when it is
 * not of the type hinted (the caller reports and counts those), or an
 * error.
 */
static int
indicator(struct pack *p, const char *value, size_t vlen,
	  const struct cells *c, const char *name, uint64_t line)
{
	enum cti_ioc_type t;
	char id[64];
	int plen;
	struct ind x = { p, id, 0, c };
	struct cti__make m = {
		"indicator", id, 1, c->first_seen, build_indicator, &x,
	};

	if (vlen > CTI_MAX_LINE)
		return IND_NONE;
	t = cti_ioc_classify(p->norm, CTI_MAX_LINE + 1, value, vlen);
	if (t == CTI_IOC_NONE)
		return IND_NONE;
	if (c->hint && c->hint != t &&
	    !(c->hint == CTI_IOC_IPV4 && t == CTI_IOC_IPV4_CIDR) &&
	    !(c->hint == CTI_IOC_IPV6 && t == CTI_IOC_IPV6_CIDR))
		return IND_MISMATCH;
	plen = cti_ioc_pattern(p->pattern, p->pattern_size, t, p->norm);
	if (plen < 0)
		return plen == CTI_ELIMIT ? IND_NONE : plen;
	x.plen = (size_t)plen;
	cti_stix_id(id, sizeof(id), "indicator", p->pattern, (size_t)plen);
	return make(p, &m, K_INDICATOR, name, line);
}

static int
build_identity(void *ctx, struct cti__buf *b, const struct cti__stamps *t)
{
	struct pack *p = ctx;
	const char *name = p->o->producer;
	int rc;

	if ((rc = cti__buf_printf(b, "{\"type\":\"identity\",\"spec_version\":"
				 "\"2.1\",\"id\":\"%s\",\"created\":\"%s\","
				 "\"modified\":\"%s\",\"name\":",
				 p->producer_id, t->created, t->modified)) ||
	    (rc = cti__buf_json_str(b, name, strlen(name))) ||
	    (rc = cti__buf_puts(b, ",\"identity_class\":\"organization\"")))
		return rc;
	if (p->tlp_id &&
	    (rc = cti__buf_printf(b, ",\"object_marking_refs\":[\"%s\"]",
				 p->tlp_id)))
		return rc;
	return cti__buf_putc(b, '}');
}

static int
add_producer(struct pack *p)
{
	struct cti__make m = {
		"identity", p->producer_id, 0, CTI__NO_TIME, build_identity, p,
	};

	return make(p, &m, K_ADDED, "producer", 0);
}

/* ---------------------------------------------------------- lines */

struct lines {
	struct cti__src src;
	char *buf;
	size_t start, len;
	uint64_t line;
	const char *name;
};

/* The next line without its newline (and CR); *n == (size_t)-1 at the end */
static int
next_line(struct lines *l, const char **s, size_t *n)
{
	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->len - l->start);
		ssize_t r;

		if (nl || (l->src.eof && l->start < l->len)) {
			size_t end = nl ? (size_t)(nl - l->buf) : l->len;

			*s = l->buf + l->start;
			*n = end - l->start;
			l->start = nl ? end + 1 : l->len;
			l->line++;
			if (*n > CTI_MAX_LINE)
				return cti__seterr(CTI_ELIMIT, "%s:%llu: line "
						  "longer than the limit of "
						  "%u KiB", l->name,
						  (unsigned long long)l->line,
						  CTI_MAX_LINE >> 10);
			if (*n && (*s)[*n - 1] == '\r')
				(*n)--;
			return CTI_OK;
		}
		if (l->src.eof) {
			*n = (size_t)-1;
			return CTI_OK;
		}
		if (l->len - l->start > CTI_MAX_LINE)
			return cti__seterr(CTI_ELIMIT, "%s:%llu: line longer "
					  "than the limit of %u KiB", l->name,
					  (unsigned long long)l->line + 1,
					  CTI_MAX_LINE >> 10);
		memmove(l->buf, l->buf + l->start, l->len - l->start);
		l->len -= l->start;
		l->start = 0;
		r = cti__src_read(&l->src, l->buf + l->len, CTI_IOBUF - l->len);
		if (r < 0)
			return (int)r;
		l->len += (size_t)r;
	}
}

static int
check_text(const char *name, uint64_t line, const char *s, size_t n)
{
	size_t bad = cti__utf8_check((const unsigned char *)s, n);

	if (bad != n)
		return cti__seterr(CTI_EFORMAT, "%s:%llu:%zu: invalid UTF-8",
				  name, (unsigned long long)line, bad + 1);
	if (memchr(s, '\0', n))
		return cti__seterr(CTI_EFORMAT, "%s:%llu: binary data (a NUL "
				  "byte), not text", name,
				  (unsigned long long)line);
	return CTI_OK;
}

/* A value that gave no indicator (IND_*), reported. */
static int
skip_value(struct pack *p, const char *name, uint64_t line, int why,
	   const char *v, size_t n, enum cti_ioc_type hint)
{
	char what[64];

	if (why != IND_MISMATCH)
		return skip(p, name, line, "not an indicator", v, n, "");
	snprintf(what, sizeof(what), "not of type %s", cti_ioc_type_name(hint));
	return skip(p, name, line, what, v, n, "");
}

/* The end of an input whose every value was skipped is an error. */
static int
none_found(const char *name, uint64_t values, uint64_t skipped,
	   const char *what)
{
	if (!values || skipped != values)
		return CTI_OK;
	return cti__seterr(CTI_EFORMAT, "%s: no indicators found in %llu %s",
			  name, (unsigned long long)values, what);
}

static int
pack_list(struct pack *p, const struct input *in)
{
	struct lines l = { .name = in->name };
	const char *s = NULL;
	struct cti_ioc_line il;
	size_t n = 0;
	uint64_t values = 0, skipped0 = p->st.skipped;
	int rc;

	if ((rc = cti__src_open_eof(&l.src, in->fd, 0, in->name, in->prefix,
				    in->plen, in->eof)))
		return rc;
	if (!(l.buf = malloc(CTI_IOBUF))) {
		cti__src_close(&l.src);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	for (;;) {
		struct cells c = { .confidence = -1, .first_seen = CTI__NO_TIME };

		if ((rc = next_line(&l, &s, &n)) || n == (size_t)-1)
			break;
		progress(p, l.src.raw_total);
		if (l.line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3, n -= 3;
		if ((rc = check_text(in->name, l.line, s, n)))
			break;
		if (!cti_ioc_split_line(&il, s, n))
			continue;
		p->st.read++;
		values++;
		c.desc = il.rest;
		c.dlen = il.rest_len;
		if (il.port) {
			/* the port is no part of the value: it is kept here */
			cti__buf_reset(&p->desc);
			if ((rc = cti__buf_printf(&p->desc, "port %.*s%s%.*s",
						 (int)il.port_len, il.port,
						 il.rest_len ? ", " : "",
						 (int)il.rest_len, il.rest)))
				break;
			c.desc = p->desc.p;
			c.dlen = p->desc.len;
		}
		rc = indicator(p, il.value, il.value_len, &c, in->name, l.line);
		if (rc < 0)
			break;
		if (rc > 0 && (rc = skip_value(p, in->name, l.line, rc,
					       il.value, il.value_len,
					       CTI_IOC_NONE)))
			break;
	}
	progress(p, l.src.raw_total);
	if (!rc && l.src.out_total == 0)
		rc = cti__seterr(CTI_EFORMAT, "%s: empty input", in->name);
	else if (!rc)
		rc = none_found(in->name, values, p->st.skipped - skipped0,
				"lines (not an indicator list?)");
	free(l.buf);
	cti__src_close(&l.src);
	return rc;
}

/* ---------------------------------------------------------- CSV */

/* The names "type" takes, for a message. */
static const char known_types[] =
	"; known: ipv4, ipv6, ipv4-cidr, ipv6-cidr, domain, url, email, md5, sha1, "
	"sha256, sha512, and ipv4-addr, ipv6-addr, domain-name, hostname, "
	"email-addr, sha-1, sha-256, sha-512";

/* A "confidence" cell: a whole number 0-100, with spaces (and the line
 * ends of a quoted cell) around, an optional '+' and leading zeros. */
static int
parse_confidence(const char *s)
{
	int v = 0, digits = 0;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if ((v = v * 10 + (*s - '0')) > 100)
			return -1;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return digits && !*s ? v : -1;
}

static int
pack_csv(struct pack *p, const struct input *in)
{
	struct cti_csv_opts co = { p->o->column, p->o->delimiter };
	const struct cti_csv_row *row;
	char q[CTI__QUOTE_SIZE];
	uint64_t rows = 0, skipped0 = p->st.skipped;
	cti_csv *c;
	int rc;

	if ((rc = cti__csv_open(&c, in->fd, in->name, &co, in->prefix,
				in->plen, in->eof, &p->st.need_column)))
		return rc;
	while (!(rc = cti_csv_next(&row, c)) && row) {
		struct cells cl = { .confidence = -1,
				   .first_seen = CTI__NO_TIME };
		int64_t us;

		progress(p, cti__csv_raw_bytes(c));
		p->st.read++;
		rows++;
		if (row->first_seen) {
			if (cti__parse_ts(&us, row->first_seen,
					  CTI__TS_LAX | CTI__TS_DATE)) {
				rc = cti__seterr(CTI_EFORMAT, "%s:%llu: bad "
						"first_seen '%s': want a date "
						"(2026-11-02) or an RFC 3339 "
						"time (2026-11-02T10:00:00Z)",
						in->name,
						(unsigned long long)row->line,
						cti__quote(q, row->first_seen,
							   strlen(row->first_seen)));
				break;
			}
			cl.first_seen = us;
		}
		if (row->confidence &&
		    (cl.confidence = parse_confidence(row->confidence)) < 0) {
			rc = cti__seterr(CTI_EFORMAT, "%s:%llu: confidence '%s' "
					"is not a whole number from 0 to 100",
					in->name, (unsigned long long)row->line,
					cti__quote(q, row->confidence,
						   strlen(row->confidence)));
			break;
		}
		if (row->type &&
		    !(cl.hint = cti_ioc_type_parse(row->type))) {
			if ((rc = skip(p, in->name, row->line, "unknown type",
				       row->type, strlen(row->type),
				       known_types)))
				break;
			continue;
		}
		cl.desc = row->description;
		cl.dlen = row->description ? strlen(row->description) : 0;
		cl.labels = row->labels;
		rc = indicator(p, row->value, strlen(row->value), &cl, in->name,
			       row->line);
		if (rc < 0)
			break;
		if (rc > 0 && (rc = skip_value(p, in->name, row->line, rc,
					       row->value, strlen(row->value),
					       cl.hint)))
			break;
	}
	progress(p, cti__csv_raw_bytes(c));
	if (!rc)
		rc = none_found(in->name, rows, p->st.skipped - skipped0,
				"rows");
	cti_csv_free(c);
	return rc;
}

/* ---------------------------------------------------------- STIX */

/* A STIX object read, written as it is. */
static int
passed(struct pack *p, const struct cti_object *o, const char *name)
{
	char q[CTI__QUOTE_SIZE];
	int rc, dup = 0;

	/* made under its id and modified by this pack already */
	if (p->base && (rc = cti__base_passed(p->base, o, &dup)))
		return rc;
	if (dup) {
		p->st.duplicate++;
		if (dup < 0)
			warn(p, "%s:%llu: %s: a copy with the same \"modified\" "
			     "but other content was made before; the first is "
			     "kept", name, (unsigned long long)o->line,
			     cti__quote(q, o->id, strlen(o->id)));
		return CTI_OK;
	}
	if ((rc = add(p, o->json, o->len, o->id, o->modified, K_PASSED, name,
		      o->line)))
		return rc;
	return p->base ? cti__base_catch_up(p->base, p->w) : CTI_OK;
}

static int
pack_stix(struct pack *p, const struct input *in)
{
	const struct cti_object *obj;
	struct cti_object m;
	cti_reader *r;
	int rc;

	if ((rc = cti__reader_open_fd(&r, in->fd, in->name, in->prefix,
				      in->plen, in->eof)))
		return rc;
	while (!(rc = cti_reader_next(&obj, r)) && obj) {
		progress(p, cti_reader_raw_bytes(r));
		p->st.read++;
		/* STIX 2.0 content is marked as such, not upgraded */
		rc = cti__stix20_mark(&p->json, obj);
		if (rc == CTI_ELIMIT)
			rc = cti__seterr(CTI_ELIMIT, "%s:%llu: object %s: larger "
					"than the limit of %u MiB once marked "
					"\"spec_version\":\"2.0\"", in->name,
					(unsigned long long)obj->line, obj->id,
					CTI_MAX_OBJECT >> 20);
		if (rc < 0)
			break;
		if (rc) {
			m = *obj;
			m.json = p->json.p;
			m.len = p->json.len;
			obj = &m;
		}
		if ((rc = passed(p, obj, in->name)))
			break;
	}
	progress(p, cti_reader_raw_bytes(r));
	cti_reader_free(r);
	return rc;
}

/* ---------------------------------------------------------- detection */

/* Leading decompressed bytes of a raw prefix (which may be gzip). */
static size_t
peek_text(char *out, size_t size, const unsigned char *raw, size_t n)
{
	z_stream z;
	size_t got;

	if (n < 2 || raw[0] != 0x1f || raw[1] != 0x8b) {
		got = n < size ? n : size;
		memcpy(out, raw, got);
		return got;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)raw;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)size;
	inflate(&z, Z_SYNC_FLUSH);
	got = size - z.avail_out;
	inflateEnd(&z);
	return got;
}

static inline int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The text at t[i..n) starts as JSON does: '{', or '[' and a value that
 * can hold or be an object, or a few punctuation characters before one. */
static int
looks_like_json(const char *t, size_t i, size_t n)
{
	for (size_t k = 0; i < n && k <= 8; i++, k++) {
		unsigned char c = (unsigned char)t[i];
		size_t j = i + 1;

		if (c == '{')
			return 1;
		if (c == '[') {
			while (j < n && is_blank(t[j]))
				j++;
			return j == n || t[j] == '{' || t[j] == '[' ||
			       t[j] == '"' || t[j] == ']';
		}
		/* "<{": stray punctuation before the value, no word */
		if (c < 0x21 || c > 0x7e || (c >= '0' && c <= '9') ||
		    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '#' ||
		    c == '-' || c == '*' || c == '"')
			return 0;
	}
	return 0;
}

/* The fields of line t[0..n) split on d, quotes and spaces trimmed. */
static size_t
split_fields(const char *t, size_t n, char d, const char **f, size_t *fl,
	     size_t max)
{
	size_t nf = 0, start = 0;
	int inq = 0;

	for (size_t i = 0; i <= n && nf < max; i++) {
		if (i < n && t[i] == '"')
			inq = !inq;
		if (i < n && (inq || t[i] != d))
			continue;
		size_t a = start, b = i;

		while (a < b && (t[a] == ' ' || t[a] == '"' || t[a] == '\t'))
			a++;
		while (b > a && (t[b - 1] == ' ' || t[b - 1] == '"' ||
				 t[b - 1] == '\t' || t[b - 1] == '\r'))
			b--;
		f[nf] = t + a;
		fl[nf++] = b - a;
		start = i + 1;
	}
	return nf;
}

static int
name_is(const char *f, size_t n, const char *want)
{
	size_t k = strlen(want);

	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char a = f[i] >= 'A' && f[i] <= 'Z' ? (char)(f[i] | 0x20) : f[i];
		char b = want[i];

		if (a == ' ' || a == '-')
			a = '_';
		if (a != b)
			return 0;
	}
	return 1;
}

/* A column name, not data: a letter first, then letters, digits, spaces
 * and a little punctuation, and not an indicator itself. */
static int
name_like(struct pack *p, const char *f, size_t n)
{
	if (!n || n > 64 || !(((f[0] | 0x20) >= 'a' && (f[0] | 0x20) <= 'z')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = f[i];

		if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		      (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
		      c == '-' || c == '.' || c == '/' || c == '(' || c == ')'))
			return 0;
	}
	return cti_ioc_classify(p->norm, CTI_MAX_LINE + 1, f, n) ==
	       CTI_IOC_NONE;
}

/*
 * A table: the first line splits on a separator into fields one of which
 * names the value column, or, when a second line splits into as many,
 * into column names none of which is an indicator (a table whose value
 * column the user must name: better said than every row skipped).
 */
static int
looks_like_table(struct pack *p, const char *t, size_t n)
{
	static const char all[] = ",;\t|";
	const char *f[64], *g[64];
	size_t fl[64], gl[64], e, e2, nf;
	for (e = 0; e < n && t[e] != '\n'; e++)
		;
	for (const char *d = all; *d; d++) {
		int value = 0, names = 1;

		if ((nf = split_fields(t, e, *d, f, fl, 64)) < 2)
			continue;
		for (size_t i = 0; i < nf; i++) {
			if (p->o->column ? name_is(f[i], fl[i], p->o->column) :
			    name_is(f[i], fl[i], "value") ||
			    name_is(f[i], fl[i], "indicator") ||
			    name_is(f[i], fl[i], "ioc"))
				value = 1;
			if (!name_like(p, f[i], fl[i]))
				names = 0;
		}
		if (value)
			return 1;
		if (!names || e >= n)
			continue;
		for (e2 = e + 1; e2 < n && t[e2] != '\n'; e2++)
			;
		if (e2 > e + 1 &&
		    split_fields(t + e + 1, e2 - e - 1, *d, g, gl, 64) == nf)
			return 1;
	}
	return 0;
}

static enum cti_from
detect(struct pack *p, const char *t, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && is_blank(t[i]))
		i++;
	if (looks_like_json(t, i, n))
		return CTI_FROM_STIX;
	/* a separator given says it is a table */
	if (p->o->delimiter || looks_like_table(p, t + i, n - i))
		return CTI_FROM_CSV;
	return CTI_FROM_LIST;
}

static int
pack_input(struct pack *p, const char *path)
{
	unsigned char raw[SNIFF];
	char text[SNIFF];
	struct input in = { .prefix = raw };
	enum cti_from from = p->o->from;
	ssize_t n;
	int rc;

	in.name = strcmp(path, "-") == 0 ? "standard input" : path;
	if ((rc = cti__open_in(&in.fd, path)))
		return rc;
	if ((n = cti__read_eof(in.fd, raw, sizeof(raw), &in.eof)) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", in.name);
		close(in.fd);
		return rc;
	}
	if (n == 0) {
		close(in.fd);
		return cti__seterr(CTI_EFORMAT, "%s: empty input", in.name);
	}
	in.plen = (size_t)n;
	p->shown = 0;
	if (from == CTI_FROM_AUTO)
		from = detect(p, text, peek_text(text, sizeof(text), raw,
						 (size_t)n));
	switch (from) {
	case CTI_FROM_CSV:
		rc = pack_csv(p, &in);
		break;
	case CTI_FROM_LIST:
		rc = pack_list(p, &in);
		break;
	default:
		rc = pack_stix(p, &in);
		break;
	}
	p->done += p->shown;
	close(in.fd);
	return rc;
}

/* The sum of the sizes of the inputs, 0 when one is not a regular file. */
static uint64_t
total_size(const char *const *inputs, size_t n)
{
	uint64_t sum = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(inputs[i], "-") == 0 ? fstat(0, &st) :
						  stat(inputs[i], &st))
			return 0;
		if (!S_ISREG(st.st_mode))
			return 0;
		sum += (uint64_t)st.st_size;
	}
	return sum;
}

int
cti_pack(struct cti_pack_stats *stats, const char *output,
	 const char *const *inputs, size_t ninputs,
	 const struct cti_pack_opts *opts)
{
	static const char *const stdin_only[] = { "-" };
	struct cti_writer_opts wo = { 0 };
	struct pack p;
	int64_t now = cti_now();
	int rc;

	memset(&p, 0, sizeof(p));
	p.o = opts;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (opts->confidence > 100)
		return cti__seterr(CTI_EUSAGE, "confidence %d is not 0-100",
				  opts->confidence);
	/* the last second STIX can write: 9999-12-31T23:59:59Z */
	if (opts->valid_for < 0 || opts->valid_for > 253402300799 - now)
		return cti__seterr(CTI_EUSAGE, "valid_until would be past the "
				  "year 9999");
	if (opts->revoke_missing && !opts->base)
		return cti__seterr(CTI_EUSAGE, "revoking what is missing needs "
				  "a base release");
	if (opts->base && strcmp(opts->base, "-") == 0)
		return cti__seterr(CTI_EUSAGE, "the base release cannot be "
				  "standard input: it is read twice");
	if (ninputs == 0) {
		inputs = stdin_only;
		ninputs = 1;
	}
	cti_format_time(p.now, sizeof(p.now), now);
	if (opts->valid_for > 0)
		cti_format_time(p.valid_until, sizeof(p.valid_until),
				now + opts->valid_for);
	p.tlp_id = cti_tlp_id(opts->tlp);
	p.pattern_size = CTI_MAX_LINE * 2 + 64;
	if (opts->progress)
		p.total = total_size(inputs, ninputs);
	if (opts->producer)
		cti_stix_id(p.producer_id, sizeof(p.producer_id), "identity",
			    opts->producer, strlen(opts->producer));
	if (opts->base) {
		struct cti__base_opts bo = {
			now, opts->valid_for, opts->revoke_missing,
			opts->producer ? p.producer_id : NULL, opts->warn,
			opts->warn_ctx, opts->progress ? base_progress : NULL,
			&p,
		};

		if ((rc = cti__base_open(&p.base, &p.total, opts->base, &bo)))
			goto out;
	}
	if (!(p.norm = malloc(CTI_MAX_LINE + 1)) ||
	    !(p.pattern = malloc(p.pattern_size))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	wo.level = opts->level;
	wo.plain = opts->plain;
	if ((rc = cti_writer_open(&p.w, output, &wo)))
		goto out;
	if (p.tlp_id) {
		const char *m = cti_tlp_object(opts->tlp);

		if ((rc = add(&p, m, strlen(m), p.tlp_id, NULL, K_ADDED,
			      "marking", 0)))
			goto out;
	}
	if (opts->producer && (rc = add_producer(&p)))
		goto out;
	if ((rc = build_extra(&p)))
		goto out;
	for (size_t i = 0; i < ninputs; i++)
		if ((rc = pack_input(&p, inputs[i])))
			goto out;
	if (p.base && (rc = cti__base_finish(p.base, p.w, &p.st)))
		goto out;
	rc = cti_writer_close(p.w);
	p.w = NULL;
out:
	cti_writer_abort(p.w);
	if (stats)
		*stats = p.st;
	cti__buf_free(&p.json);
	cti__buf_free(&p.extra);
	cti__buf_free(&p.desc);
	cti__base_free(p.base);
	free(p.norm);
	free(p.pattern);
	return rc;
}
