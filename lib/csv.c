/*
 * csv.c - a streaming RFC 4180 reader for indicator tables.
 *
 * Memory is fixed: one input buffer and one row buffer of CTI_MAX_LINE
 * bytes. Only the fields of the columns cti wants are kept; the others are
 * checked (quoting, UTF-8) and dropped as soon as they end.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum col {
	C_VALUE,
	C_TYPE,
	C_CONFIDENCE,
	C_FIRST_SEEN,
	C_DESCRIPTION,
	C_LABELS,
	NCOL
};

enum state { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE, S_AFTER };

struct cti_csv {
	struct cti__src src;
	char *name;
	char *column; /* value column asked for, or NULL */
	char delim;
	unsigned char stop[256]; /* bytes that end a run: 1 outside quotes,
				    2 inside */
	struct cti__buf hdr;	 /* the header's names, for a message */
	unsigned char *in;
	size_t in_len, in_pos;
	int in_eof;
	char *rec; /* kept fields, NUL-terminated */
	size_t rec_len;
	int col[NCOL];	  /* field index of each column, or -1 */
	size_t off[NCOL]; /* offset of its text in rec */
	int have[NCOL];	  /* the row has that field */
	uint64_t line;	  /* line of the next byte */
	int prev_cr;
	int header;   /* reading the header row */
	int err;      /* sticky error */
	unsigned odd; /* the field has a NUL or a non-ASCII byte */
	struct cti_csv_row row;
};

#define REC_CAP (CTI_MAX_LINE + 2 * NCOL + 2)


static const struct {
	const char *name;
	enum col col;
} col_names[] = {
	{"value", C_VALUE},
	{"indicator", C_VALUE},
	{"ioc", C_VALUE},
	{"type", C_TYPE},
	{"confidence", C_CONFIDENCE},
	{"first_seen", C_FIRST_SEEN},
	{"valid_from", C_FIRST_SEEN},
	{"description", C_DESCRIPTION},
	{"labels", C_LABELS},
	{"tags", C_LABELS},
};

/* Header names compare without case, and ' ' or '-' count as '_'. */
static int
name_eq(const char *h, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char a = h[i], b = want[i];

		if (!b)
			return 0;
		if (a >= 'A' && a <= 'Z')
			a = (char)(a | 0x20);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b | 0x20);
		if (a == ' ' || a == '-')
			a = '_';
		if (b == ' ' || b == '-')
			b = '_';
		if (a != b)
			return 0;
	}
	return want[n] == '\0';
}

static void
header_field(struct cti_csv *c, int idx, const char *h, size_t n)
{
	char q[CTI__QUOTE_SIZE];
	size_t i;

	while (n && (*h == ' ' || *h == '\t')) {
		h++;
		n--;
	}
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	/* what the header holds, for a message (errors are ignored: it is
	 * only shown shorter) */
	if (c->hdr.len < 400)
		cti__buf_printf(&c->hdr, "%s'%s'", idx ? ", " : "",
				cti__quote(q, h, n));
	else if (c->hdr.len < 405)
		cti__buf_puts(&c->hdr, ", ...");
	if (c->column) {
		if (c->col[C_VALUE] < 0 && name_eq(h, n, c->column)) {
			c->col[C_VALUE] = idx;
			return;
		}
	}
	for (i = 0; i < CTI_ARRAY_LEN(col_names); i++) {
		enum col k = col_names[i].col;

		if (k == C_VALUE && c->column)
			continue;
		if (c->col[k] < 0 && name_eq(h, n, col_names[i].name)) {
			c->col[k] = idx;
			return;
		}
	}
}

/* Refill the input buffer; 0 at the end of the input. */
static int
fill(struct cti_csv *c)
{
	ssize_t r;

	if (c->in_eof)
		return 0;
	r = cti__src_read(&c->src, c->in, CTI_IOBUF);
	if (r < 0)
		return (int)r;
	c->in_len = (size_t)r;
	c->in_pos = 0;
	if (r == 0)
		c->in_eof = 1;
	return r > 0;
}

/*
 * The field that starts at rec + start ends: check its UTF-8 and keep it
 * (NUL-terminated) when its column is wanted, else drop it.
 */
static int
end_field(struct cti_csv *c, int idx, size_t start, int quoted, uint64_t fline)
{
	const unsigned char *f;
	size_t n, bad, i;
	int k;

	if (!quoted)
		while (c->rec_len > start && (c->rec[c->rec_len - 1] == ' ' ||
					      c->rec[c->rec_len - 1] == '\t'))
			c->rec_len--;
	n = c->rec_len - start;
	f = (const unsigned char *)c->rec + start;
	/* plain ASCII without NUL, the common case, needs no more checks */
	if (c->odd) {
		bad = cti__utf8_check(f, n);
		if (bad != n) {
			for (i = 0; i < bad; i++)
				fline += f[i] == '\n';
			return cti__seterr(CTI_EFORMAT, "%s:%llu: invalid UTF-8",
					  c->name, (unsigned long long)fline);
		}
		/* a NUL would silently cut the field short */
		if (memchr(f, '\0', n))
			return cti__seterr(CTI_EFORMAT,
					  "%s:%llu: NUL byte in a field",
					  c->name, (unsigned long long)fline);
	}
	if (c->header) {
		header_field(c, idx, c->rec + start, n);
		c->rec_len = start;
		return CTI_OK;
	}
	for (k = 0; k < NCOL; k++)
		if (c->col[k] == idx)
			break;
	if (k == NCOL) {
		c->rec_len = start;
		return CTI_OK;
	}
	c->rec[c->rec_len++] = '\0';
	c->off[k] = start;
	c->have[k] = 1;
	return CTI_OK;
}

/*
 * Read one record. *got is 0 at the end of the input. Blank lines are
 * skipped. A quoted field may hold ',', '"' (doubled), CR and LF; spaces
 * around a field are dropped unless they are inside quotes; a quote inside
 * an unquoted field, or anything but a separator after a closing quote, is
 * malformed.
 */
static int
read_record(struct cti_csv *c, int *got, uint64_t *rline)
{
	enum state st = S_START;
	size_t fstart = 0, row_bytes = 0;
	uint64_t fline = c->line, qline = c->line;
	int idx = 0, quoted = 0, rc, any = 0, k;

	*got = 0;
	c->rec_len = 0;
	c->odd = 0;
	for (k = 0; k < NCOL; k++)
		c->have[k] = 0;
	*rline = c->line;
	for (;;) {
		unsigned char ch;

		if (c->in_pos == c->in_len) {
			if ((rc = fill(c)) < 0)
				return rc;
			if (rc == 0)
				break;
		}
		/* copy a run of ordinary bytes inside a field at once */
		if (st == S_UNQUOTED || st == S_QUOTED) {
			const unsigned char *p = c->in + c->in_pos, *e, *q;
			size_t room = CTI_MAX_LINE - row_bytes;
			unsigned mask = st == S_QUOTED ? 2 : 1, hi = 0;

			e = c->in + (c->in_len - c->in_pos < room
					     ? c->in_len
					     : c->in_pos + room);
			for (q = p; q < e && !(c->stop[*q] & mask); q++)
				hi |= *q;
			c->odd |= hi & 0x80;
			if (q > p) {
				memcpy(c->rec + c->rec_len, p, (size_t)(q - p));
				c->rec_len += (size_t)(q - p);
				row_bytes += (size_t)(q - p);
				c->in_pos += (size_t)(q - p);
				c->prev_cr = 0;
				continue;
			}
		}
		ch = c->in[c->in_pos++];
		if ((unsigned char)(ch - 1) >= 0x7f)
			c->odd = 1;
		/* the LF of a CRLF that ended the previous record */
		if (ch == '\n' && c->prev_cr && !any) {
			c->prev_cr = 0;
			continue;
		}
		if (ch == '\n') {
			if (!c->prev_cr)
				c->line++;
		} else if (ch == '\r') {
			c->line++;
		}
		c->prev_cr = ch == '\r';
		if (++row_bytes > CTI_MAX_LINE)
			return cti__seterr(CTI_ELIMIT,
					  "%s:%llu: row longer than %u bytes",
					  c->name, (unsigned long long)*rline,
					  CTI_MAX_LINE);
		switch (st) {
		case S_START:
			if (ch == ' ' || (ch == '\t' && c->delim != '\t'))
				break;
			if (ch == '"') {
				st = S_QUOTED;
				quoted = 1;
				qline = c->line;
				any = 1;
				break;
			}
			if (ch == c->delim || ch == '\r' || ch == '\n')
				goto field_end;
			c->rec[c->rec_len++] = (char)ch;
			st = S_UNQUOTED;
			any = 1;
			break;
		case S_UNQUOTED:
			if (ch == c->delim || ch == '\r' || ch == '\n')
				goto field_end;
			if (ch == '"')
				return cti__seterr(CTI_EFORMAT,
						  "%s:%llu: quote inside an "
						  "unquoted field",
						  c->name,
						  (unsigned long long)c->line);
			c->rec[c->rec_len++] = (char)ch;
			break;
		case S_QUOTED:
			if (ch == '"')
				st = S_QUOTE;
			else
				c->rec[c->rec_len++] = (char)ch;
			break;
		case S_QUOTE:
			if (ch == '"') {
				c->rec[c->rec_len++] = '"';
				st = S_QUOTED;
				break;
			}
			/* fall through */
		case S_AFTER:
			if (ch == ' ' || (ch == '\t' && c->delim != '\t')) {
				st = S_AFTER;
				break;
			}
			if (ch == c->delim || ch == '\r' || ch == '\n')
				goto field_end;
			return cti__seterr(CTI_EFORMAT,
					  "%s:%llu: unexpected character after "
					  "a closing quote",
					  c->name, (unsigned long long)c->line);
		}
		continue;
	field_end:
		if (ch != c->delim && !any) {
			/* a blank line, or only spaces */
			*rline = c->line;
			fline = c->line;
			row_bytes = 0;
			continue;
		}
		any = 1;
		if ((rc = end_field(c, idx, fstart, quoted, fline)))
			return rc;
		if (ch != c->delim) {
			*got = 1;
			return CTI_OK;
		}
		idx++;
		c->odd = 0;
		fstart = c->rec_len;
		fline = c->line;
		quoted = 0;
		st = S_START;
	}
	if (st == S_QUOTED)
		return cti__seterr(CTI_EFORMAT,
				  "%s:%llu: quoted field not closed at the end "
				  "of the file",
				  c->name, (unsigned long long)qline);
	if (!any)
		return CTI_OK;
	if ((rc = end_field(c, idx, fstart, quoted, fline)))
		return rc;
	*got = 1;
	return CTI_OK;
}

/* Whether the header field h/n names the value column. */
static int
is_value_name(const struct cti_csv *c, const char *h, size_t n)
{
	while (n && (*h == ' ' || *h == '\t' || *h == '"')) {
		h++;
		n--;
	}
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t' || h[n - 1] == '"'))
		n--;
	if (c->column)
		return name_eq(h, n, c->column);
	return name_eq(h, n, "value") || name_eq(h, n, "indicator") ||
	       name_eq(h, n, "ioc");
}

/*
 * The separator of a table whose header is t[0..n): the one of ',', ';',
 * TAB and '|' that gives a value column, else the one that gives the most
 * fields, else ','. Quoted fields are skipped over.
 */
static char
detect_delim(const struct cti_csv *c, const char *t, size_t n)
{
	static const char cand[] = { ',', ';', '\t', '|' };
	char best = ',';
	size_t most = 1;

	for (size_t k = 0; k < sizeof(cand); k++) {
		size_t fields = 1, start = 0, i;
		int inq = 0, found = 0;

		for (i = 0; i <= n; i++) {
			char ch = i < n ? t[i] : '\n';

			if (ch == '"')
				inq = !inq;
			if (inq)
				continue;
			if (ch == cand[k] || ch == '\n' || ch == '\r') {
				found |= is_value_name(c, t + start, i - start);
				if (ch != cand[k])
					break;
				fields++;
				start = i + 1;
			}
		}
		if (found && fields > 1)
			return cand[k];
		if (fields > most) {
			most = fields;
			best = cand[k];
		}
	}
	return best;
}

int
cti_csv_open(cti_csv **out, int fd, const char *name,
	     const struct cti_csv_opts *opts, const void *prefix,
	     size_t prefix_len)
{
	int no_column;

	return cti__csv_open(out, fd, name, opts, prefix, prefix_len, 0,
			     &no_column);
}

int
cti__csv_open(cti_csv **out, int fd, const char *name,
	      const struct cti_csv_opts *opts, const void *prefix,
	      size_t prefix_len, int eof, int *no_column)
{
	const char *column = opts ? opts->column : NULL;
	int delim = opts ? opts->delimiter : 0;
	struct cti_csv *c;
	uint64_t rline;
	int rc, got, k;

	*out = NULL;
	*no_column = 0;
	if (delim && delim != ',' && delim != ';' && delim != '\t' &&
	    delim != '|')
		return cti__seterr(CTI_EINVAL, "a CSV separator must be ',', "
				  "';', TAB or '|'");
	if (!(c = calloc(1, sizeof(*c))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	c->src.fd = -1;
	c->name = strdup(name ? name : "-");
	c->column = column ? strdup(column) : NULL;
	c->in = malloc(CTI_IOBUF);
	c->rec = malloc(REC_CAP);
	if (!c->name || (column && !c->column) || !c->in || !c->rec) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = cti__src_open_eof(&c->src, fd, 0, c->name, prefix,
				    prefix_len, eof)))
		goto fail;
	c->line = 1;
	for (k = 0; k < NCOL; k++)
		c->col[k] = -1;
	/* the header line (or as much as the buffer holds), to find the
	 * separator in it */
	while (!c->in_eof && c->in_len < CTI_IOBUF &&
	       !memchr(c->in, '\n', c->in_len) &&
	       !memchr(c->in, '\r', c->in_len)) {
		ssize_t r = cti__src_read(&c->src, c->in + c->in_len,
					 CTI_IOBUF - c->in_len);

		if (r < 0) {
			rc = (int)r;
			goto fail;
		}
		if (r == 0)
			c->in_eof = 1;
		c->in_len += (size_t)r;
	}
	/* a UTF-8 byte order mark, as spreadsheets write it */
	if (c->in_len >= 3 && !memcmp(c->in, "\xef\xbb\xbf", 3))
		c->in_pos = 3;
	c->delim = delim ? (char)delim :
		   detect_delim(c, (const char *)c->in + c->in_pos,
				c->in_len - c->in_pos);
	c->stop[(unsigned char)c->delim] = 1;
	c->stop['"'] = c->stop['\r'] = c->stop['\n'] = c->stop['\0'] = 3;
	c->header = 1;
	if ((rc = read_record(c, &got, &rline)))
		goto fail;
	c->header = 0;
	if (!got) {
		rc = cti__seterr(CTI_EFORMAT, "%s: empty, no header row",
				c->name);
		goto fail;
	}
	if (c->col[C_VALUE] < 0) {
		*no_column = 1;
		if (c->column)
			rc = cti__seterr(CTI_EFORMAT,
					"%s:%llu: no column '%.100s' in the "
					"header: %s", c->name,
					(unsigned long long)rline, c->column,
					c->hdr.p ? c->hdr.p : "");
		else
			rc = cti__seterr(CTI_EFORMAT,
					"%s:%llu: no value column (value, "
					"indicator or ioc) in the header: %s",
					c->name, (unsigned long long)rline,
					c->hdr.p ? c->hdr.p : "");
		goto fail;
	}
	*out = c;
	return CTI_OK;
fail:
	cti_csv_free(c);
	return rc;
}

int
cti_csv_next(const struct cti_csv_row **out, cti_csv *c)
{
	const char **f[NCOL];
	uint64_t rline;
	int rc, got, k;

	*out = NULL;
	if (!c)
		return cti__seterr(CTI_EINVAL, "no CSV reader");
	if (c->err)
		return c->err;
	if ((rc = read_record(c, &got, &rline))) {
		c->err = rc;
		return rc;
	}
	if (!got)
		return CTI_OK;
	f[C_VALUE] = &c->row.value;
	f[C_TYPE] = &c->row.type;
	f[C_CONFIDENCE] = &c->row.confidence;
	f[C_FIRST_SEEN] = &c->row.first_seen;
	f[C_DESCRIPTION] = &c->row.description;
	f[C_LABELS] = &c->row.labels;
	for (k = 0; k < NCOL; k++) {
		const char *s = c->have[k] ? c->rec + c->off[k] : NULL;

		*f[k] = s && *s ? s : NULL;
	}
	if (!c->row.value)
		c->row.value = "";
	c->row.line = rline;
	*out = &c->row;
	return CTI_OK;
}

void
cti_csv_free(cti_csv *c)
{
	if (!c)
		return;
	if (c->src.raw)
		cti__src_close(&c->src);
	free(c->name);
	free(c->column);
	free(c->in);
	free(c->rec);
	cti__buf_free(&c->hdr);
	free(c);
}

uint64_t
cti__csv_raw_bytes(const cti_csv *c)
{
	return c->src.raw_total;
}
