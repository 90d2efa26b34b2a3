/*
 * pack.c - turn STIX JSON, indicator lists and CSV tables into one bundle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#define SNIFF 4096

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
	char *norm, *pattern;	/* scratch, CTI_MAX_LINE + 1 each */
	size_t pattern_size;
};

static void
warn(struct pack *p, const char *fmt, ...) CTI_PRINTF(2, 3);

static void
warn(struct pack *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!p->o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->o->warn(p->o->warn_ctx, msg);
}

/* A value quoted for a message: printable ASCII, at most 60 bytes. */
static const char *
quote(char *dst, size_t size, const char *s, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 60) {
			memcpy(dst + j, "...", 3);
			j += 3;
			break;
		}
		dst[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[j] = '\0';
	return dst;
}

/* A value that is no indicator: fatal with --strict, else counted and
 * reported. */
static int
not_indicator(struct pack *p, const char *name, uint64_t line, const char *v,
	      size_t n)
{
	char q[80];

	p->st.skipped++;
	quote(q, sizeof(q), v, n);
	if (p->o->strict)
		return cti__seterr(CTI_EFORMAT, "%s:%llu: not an indicator: '%s'",
				  name, (unsigned long long)line, q);
	warn(p, "%s:%llu: not an indicator, skipped: '%s'", name,
	     (unsigned long long)line, q);
	return CTI_OK;
}

static int
add(struct pack *p, const char *json, size_t len, const char *id,
    const char *modified)
{
	int added, rc;

	if ((rc = cti_writer_add(p->w, json, len, id, modified, &added)))
		return rc;
	if (added)
		p->st.written++;
	else
		p->st.duplicate++;
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

/* Members of an indicator after the pattern: valid_from etc. */
static int
indicator_tail(struct pack *p, struct cti__buf *b, const char *valid_from,
	       const char *confidence, const char *labels)
{
	const struct cti_pack_opts *o = p->o;
	int rc, n = 0;

	if ((rc = cti__buf_puts(b, ",\"pattern_type\":\"stix\","
			       "\"pattern_version\":\"2.1\",\"valid_from\":\"")) ||
	    (rc = cti__buf_puts(b, valid_from)) || (rc = cti__buf_putc(b, '"')))
		return rc;
	if (p->valid_until[0] &&
	    (rc = cti__buf_printf(b, ",\"valid_until\":\"%s\"", p->valid_until)))
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
	if (confidence)
		rc = cti__buf_printf(b, ",\"confidence\":%s", confidence);
	else if (o->confidence >= 0)
		rc = cti__buf_printf(b, ",\"confidence\":%d", o->confidence);
	if (rc)
		return rc;
	if ((rc = cti__buf_put(b, p->extra.p ? p->extra.p : "", p->extra.len)))
		return rc;
	return cti__buf_putc(b, '}');
}

/*
 * One indicator for value (raw text from the input). Returns 1 when it was
 * not recognised (the caller reports and counts it), 0 when added.
 */
static int
indicator(struct pack *p, const char *value, size_t vlen, const char *desc,
	  size_t dlen, const char *type_hint, const char *valid_from,
	  const char *confidence, const char *labels)
{
	struct cti__buf *b = &p->json;
	enum cti_ioc_type t;
	char id[64];
	int plen, rc;

	if (vlen > CTI_MAX_LINE)
		return 1;
	t = cti_ioc_classify(p->norm, CTI_MAX_LINE + 1, value, vlen);
	if (t == CTI_IOC_NONE)
		return 1;
	if (type_hint && *type_hint) {
		enum cti_ioc_type h = cti_ioc_type_parse(type_hint);

		if (h != t && !((h == CTI_IOC_IPV4 && t == CTI_IOC_IPV4_CIDR) ||
				(h == CTI_IOC_IPV6 && t == CTI_IOC_IPV6_CIDR)))
			return 1;
	}
	plen = cti_ioc_pattern(p->pattern, p->pattern_size, t, p->norm);
	if (plen < 0)
		return plen == CTI_ELIMIT ? 1 : plen;
	cti_stix_id(id, sizeof(id), "indicator", p->pattern, (size_t)plen);
	cti__buf_reset(b);
	if ((rc = cti__buf_puts(b, "{\"type\":\"indicator\",\"spec_version\":"
			       "\"2.1\",\"id\":\"")) ||
	    (rc = cti__buf_puts(b, id)) ||
	    (rc = cti__buf_puts(b, "\",\"created\":\"")) ||
	    (rc = cti__buf_puts(b, p->now)) ||
	    (rc = cti__buf_puts(b, "\",\"modified\":\"")) ||
	    (rc = cti__buf_puts(b, p->now)) ||
	    (rc = cti__buf_puts(b, "\",\"name\":")) ||
	    (rc = cti__buf_json_str(b, p->norm, strlen(p->norm))))
		return rc;
	if (dlen && ((rc = cti__buf_puts(b, ",\"description\":")) ||
		     (rc = cti__buf_json_str(b, desc, dlen))))
		return rc;
	if ((rc = cti__buf_puts(b, ",\"pattern\":")) ||
	    (rc = cti__buf_json_str(b, p->pattern, (size_t)plen)) ||
	    (rc = indicator_tail(p, b, valid_from ? valid_from : p->now,
				 confidence, labels)))
		return rc;
	return add(p, b->p, b->len, id, p->now);
}

static int
add_producer(struct pack *p)
{
	struct cti__buf *b = &p->json;
	const char *name = p->o->producer;
	int rc;

	cti_stix_id(p->producer_id, sizeof(p->producer_id), "identity", name,
		    strlen(name));
	cti__buf_reset(b);
	if ((rc = cti__buf_printf(b, "{\"type\":\"identity\",\"spec_version\":"
				 "\"2.1\",\"id\":\"%s\",\"created\":\"%s\","
				 "\"modified\":\"%s\",\"name\":",
				 p->producer_id, p->now, p->now)) ||
	    (rc = cti__buf_json_str(b, name, strlen(name))) ||
	    (rc = cti__buf_puts(b, ",\"identity_class\":\"organization\"")))
		return rc;
	if (p->tlp_id &&
	    (rc = cti__buf_printf(b, ",\"object_marking_refs\":[\"%s\"]",
				 p->tlp_id)))
		return rc;
	if ((rc = cti__buf_putc(b, '}')))
		return rc;
	return add(p, b->p, b->len, p->producer_id, p->now);
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

static int
pack_list(struct pack *p, int fd, const char *name, const void *prefix,
	  size_t plen)
{
	struct lines l = { .name = name };
	const char *s = NULL, *v, *rest;
	size_t n = 0, vn, rn;
	uint64_t values = 0, skipped0 = p->st.skipped;
	int rc;

	if ((rc = cti__src_open(&l.src, fd, 0, name, prefix, plen)))
		return rc;
	if (!(l.buf = malloc(CTI_IOBUF))) {
		cti__src_close(&l.src);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	for (;;) {
		if ((rc = next_line(&l, &s, &n)) || n == (size_t)-1)
			break;
		if (l.line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3, n -= 3;
		if ((rc = check_text(name, l.line, s, n)))
			break;
		if (!cti_ioc_split_line(&v, &vn, &rest, &rn, s, n))
			continue;
		p->st.read++;
		values++;
		rc = indicator(p, v, vn, rest, rn, NULL, NULL, NULL, NULL);
		if (rc < 0)
			break;
		if (rc == 1 && (rc = not_indicator(p, name, l.line, v, vn)))
			break;
	}
	if (!rc && l.src.out_total == 0)
		rc = cti__seterr(CTI_EFORMAT, "%s: empty input", name);
	else if (!rc && values && p->st.skipped - skipped0 == values)
		rc = cti__seterr(CTI_EFORMAT, "%s: no indicators found in %llu "
				"lines (not an indicator list?)", name,
				(unsigned long long)values);
	free(l.buf);
	cti__src_close(&l.src);
	return rc;
}

static int
pack_csv(struct pack *p, int fd, const char *name, const void *prefix,
	 size_t plen)
{
	const struct cti_csv_row *row;
	cti_csv *c;
	char vf[32], q[80];
	int rc;

	if ((rc = cti_csv_open(&c, fd, name, p->o->column, prefix, plen)))
		return rc;
	while (!(rc = cti_csv_next(&row, c)) && row) {
		const char *valid_from = NULL;
		const char *conf = row->confidence;
		int64_t t;

		p->st.read++;
		if (row->first_seen && *row->first_seen) {
			if (cti_parse_time(&t, row->first_seen)) {
				rc = cti__seterr(CTI_EFORMAT, "%s:%llu: bad "
						"first_seen time '%s'", name,
						(unsigned long long)row->line,
						quote(q, sizeof(q),
						      row->first_seen,
						      strlen(row->first_seen)));
				break;
			}
			valid_from = cti_format_time(vf, sizeof(vf), t);
		}
		if (conf && !*conf)
			conf = NULL;
		if (conf) {
			char *end;
			long v = strtol(conf, &end, 10);

			if (*end || end == conf || v < 0 || v > 100) {
				rc = cti__seterr(CTI_EFORMAT, "%s:%llu: confidence "
						"'%s' is not 0-100", name,
						(unsigned long long)row->line,
						quote(q, sizeof(q), conf,
						      strlen(conf)));
				break;
			}
		}
		rc = indicator(p, row->value, strlen(row->value),
			       row->description,
			       row->description ? strlen(row->description) : 0,
			       row->type, valid_from, conf, row->labels);
		if (rc < 0)
			break;
		if (rc == 1 && (rc = not_indicator(p, name, row->line,
						   row->value,
						   strlen(row->value))))
			break;
	}
	cti_csv_free(c);
	return rc;
}

/* ---------------------------------------------------------- STIX */

static int
pack_stix(struct pack *p, int fd, const char *name, const void *prefix,
	  size_t plen)
{
	const struct cti_object *obj;
	cti_reader *r;
	int rc;

	if ((rc = cti_reader_open_fd(&r, fd, name, prefix, plen)))
		return rc;
	while (!(rc = cti_reader_next(&obj, r)) && obj) {
		const char *spec = cti_reader_bundle_spec(r);

		p->st.read++;
		if (!obj->spec_version && spec && strcmp(spec, "2.0") == 0) {
			/* STIX 2.0 content is marked as such, not upgraded */
			struct cti__buf *b = &p->json;

			cti__buf_reset(b);
			if ((rc = cti__buf_puts(b, "{\"spec_version\":\"2.0\"")) ||
			    (obj->len > 2 && (rc = cti__buf_putc(b, ','))) ||
			    (rc = cti__buf_put(b, obj->json + 1, obj->len - 1)))
				break;
			rc = add(p, b->p, b->len, obj->id, obj->modified);
		} else {
			rc = add(p, obj->json, obj->len, obj->id,
				 obj->modified);
		}
		if (rc)
			break;
	}
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

static int
header_has(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && line[j] != ',')
			j++;
		size_t a = i, b = j;

		while (a < b && (line[a] == ' ' || line[a] == '"'))
			a++;
		while (b > a && (line[b - 1] == ' ' || line[b - 1] == '"' ||
				 line[b - 1] == '\r'))
			b--;
		if (b - a == k && strncasecmp(line + a, name, k) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

static enum cti_from
detect(const char *t, size_t n, const char *column)
{
	size_t i = 0, e;

	if (n >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' ||
			 t[i] == '\n'))
		i++;
	if (i < n && (t[i] == '{' || t[i] == '['))
		return CTI_FROM_STIX;
	/* CSV: the first line is a header naming a value column */
	for (e = i; e < n && t[e] != '\n'; e++)
		;
	if (memchr(t + i, ',', e - i) &&
	    ((column && header_has(t + i, e - i, column)) ||
	     header_has(t + i, e - i, "value") ||
	     header_has(t + i, e - i, "indicator") ||
	     header_has(t + i, e - i, "ioc")))
		return CTI_FROM_CSV;
	return CTI_FROM_LIST;
}

static int
pack_input(struct pack *p, const char *path)
{
	const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
	unsigned char raw[SNIFF];
	char text[SNIFF];
	enum cti_from from = p->o->from;
	ssize_t n;
	int fd, rc;

	if ((rc = cti__open_in(&fd, path)))
		return rc;
	if ((n = cti__sniff(fd, raw, sizeof(raw))) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", name);
		close(fd);
		return rc;
	}
	if (n == 0) {
		close(fd);
		return cti__seterr(CTI_EFORMAT, "%s: empty input", name);
	}
	if (from == CTI_FROM_AUTO)
		from = detect(text, peek_text(text, sizeof(text), raw,
					      (size_t)n), p->o->column);
	switch (from) {
	case CTI_FROM_CSV:
		rc = pack_csv(p, fd, name, raw, (size_t)n);
		break;
	case CTI_FROM_LIST:
		rc = pack_list(p, fd, name, raw, (size_t)n);
		break;
	default:
		rc = pack_stix(p, fd, name, raw, (size_t)n);
		break;
	}
	close(fd);
	return rc;
}

int
cti_pack(struct cti_pack_stats *stats, const char *output,
	 const char *const *inputs, size_t ninputs,
	 const struct cti_pack_opts *opts)
{
	static const char *const stdin_only[] = { "-" };
	struct cti_writer_opts wo = { 0 };
	struct pack p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.o = opts;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (opts->confidence > 100)
		return cti__seterr(CTI_EUSAGE, "confidence %d is not 0-100",
				  opts->confidence);
	if (ninputs == 0) {
		inputs = stdin_only;
		ninputs = 1;
	}
	cti_format_time(p.now, sizeof(p.now), cti_now());
	if (opts->valid_for > 0)
		cti_format_time(p.valid_until, sizeof(p.valid_until),
				cti_now() + opts->valid_for);
	p.tlp_id = cti_tlp_id(opts->tlp);
	p.pattern_size = CTI_MAX_LINE * 2 + 64;
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

		if ((rc = add(&p, m, strlen(m), p.tlp_id, NULL)))
			goto out;
	}
	if (opts->producer && (rc = add_producer(&p)))
		goto out;
	if ((rc = build_extra(&p)))
		goto out;
	for (size_t i = 0; i < ninputs; i++)
		if ((rc = pack_input(&p, inputs[i])))
			goto out;
	rc = cti_writer_close(p.w);
	p.w = NULL;
out:
	cti_writer_abort(p.w);
	if (stats)
		*stats = p.st;
	cti__buf_free(&p.json);
	cti__buf_free(&p.extra);
	free(p.norm);
	free(p.pattern);
	return rc;
}
