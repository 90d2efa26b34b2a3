/*
 * http.c - parsers of the HTTP response head values libcti uses (RFC 9110,
 * RFC 9111): status line, HTTP-date, Retry-After, ETag, Content-Range.
 * Pure functions over bounded input: what a server sends is untrusted.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net.h"

/* Values past this are refused (about the year 10000). */
#define MAX_SECONDS 253402300799LL

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim optional white space and a line end from both sides of s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	while (*n && (is_ows(s[*n - 1]) || s[*n - 1] == '\r' ||
		      s[*n - 1] == '\n'))
		(*n)--;
	while (*n && is_ows(*s)) {
		s++;
		(*n)--;
	}
	return s;
}

/* Decimal digits s[0..n) into *v; no sign, at most 19 digits. */
static int
parse_u64(uint64_t *v, const char *s, size_t n)
{
	uint64_t x = 0;

	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

void
cti__http_resp_reset(struct cti__http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->last_modified = -1;
	r->retry_after = -1;
	r->content_length = -1;
	r->range_total = -1;
}

int
cti__http_status_line(long *status, char *reason, size_t size,
		      const char *line, size_t len)
{
	size_t i = 5, o = 0;
	long st;

	line = trim(line, &len);
	if (len < 5 || memcmp(line, "HTTP/", 5) != 0)
		return -1;
	/* version: 1.0, 1.1, 2, 2.0, 3 */
	if (i >= len || line[i] < '0' || line[i] > '9')
		return -1;
	i++;
	if (i < len && line[i] == '.') {
		if (++i >= len || line[i] < '0' || line[i] > '9')
			return -1;
		i++;
	}
	if (i + 4 > len || line[i] != ' ')
		return -1;
	i++;
	for (int k = 0; k < 3; k++)
		if (line[i + k] < '0' || line[i + k] > '9')
			return -1;
	st = (line[i] - '0') * 100 + (line[i + 1] - '0') * 10 +
	     (line[i + 2] - '0');
	if (st < 100 || st > 599)
		return -1;
	i += 3;
	if (i < len && line[i] != ' ')
		return -1;
	*status = st;
	if (i < len)
		i++;
	if (reason && size) {
		for (; i < len && o + 1 < size; i++)
			if (line[i] >= 0x20 && line[i] < 0x7f)
				reason[o++] = line[i];
		reason[o] = '\0';
	}
	return 0;
}

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
				    "May", "Jun", "Jul", "Aug",
				    "Sep", "Oct", "Nov", "Dec" };
static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed",
				  "Thu", "Fri", "Sat" };

static int
month_of(const char *s)
{
	for (int m = 0; m < 12; m++)
		if (memcmp(s, months[m], 3) == 0)
			return m;
	return -1;
}

/* n digits of s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
make_time(int64_t *t, int y, int mon, int d, const char *hms)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	int h, mi, s;

	if (hms[2] != ':' || hms[5] != ':')
		return -1;
	h = digits(hms, 2);
	mi = digits(hms + 3, 2);
	s = digits(hms + 6, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
	    y < 1970 || mon < 0 || d < 1 || d > mdays[mon])
		return -1;
	if (mon == 1 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0)))
		return -1;
	*t = cti__days_from_civil(y, mon + 1, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

int
cti__http_date(int64_t *t, const char *s, size_t n)
{
	const char *c;
	int d, y, m;

	s = trim(s, &n);
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes) */
	if (n == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' &&
	    s[11] == ' ' && s[16] == ' ' && memcmp(s + 25, " GMT", 4) == 0) {
		if ((d = digits(s + 5, 2)) < 0 || (m = month_of(s + 8)) < 0 ||
		    (y = digits(s + 12, 4)) < 0)
			return -1;
		return make_time(t, y, m, d, s + 17);
	}
	/* asctime: "Sun Nov  6 08:49:37 1994" (24 bytes) */
	if (n == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' &&
	    s[19] == ' ') {
		if ((m = month_of(s + 4)) < 0)
			return -1;
		d = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
		if (d < 0 || (y = digits(s + 20, 4)) < 0)
			return -1;
		return make_time(t, y, m, d, s + 11);
	}
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
	if ((c = memchr(s, ',', n > 10 ? 10 : n)) && (size_t)(c - s) >= 6 &&
	    n - (size_t)(c - s) == 24) {
		c += 2;
		if (c[-1] != ' ' || c[2] != '-' || c[6] != '-' || c[9] != ' ' ||
		    memcmp(c + 18, " GMT", 4) != 0)
			return -1;
		if ((d = digits(c, 2)) < 0 || (m = month_of(c + 3)) < 0 ||
		    (y = digits(c + 7, 2)) < 0)
			return -1;
		/* RFC 9110: a two-digit year more than 50 years in the
		 * future is in the past century; kept simple: 70-99 */
		y += y < 70 ? 2000 : 1900;
		return make_time(t, y, m, d, c + 10);
	}
	return -1;
}

void
cti__http_date_format(char out[30], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 wdays[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		 (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

int
cti__http_retry_after(int64_t *secs, const char *s, size_t n, int64_t now)
{
	uint64_t v;
	int64_t t;

	s = trim(s, &n);
	if (parse_u64(&v, s, n) == 0) {
		*secs = v > MAX_SECONDS ? MAX_SECONDS : (int64_t)v;
		return 0;
	}
	if (cti__http_date(&t, s, n) < 0)
		return -1;
	*secs = t > now ? t - now : 0;
	return 0;
}

int
cti__http_etag_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n > CTI__ETAG_MAX)
		return 0;
	if (n >= 2 && s[0] == 'W' && s[1] == '/')
		i = 2;
	if (n - i < 2 || s[i] != '"' || s[n - 1] != '"')
		return 0;
	for (i++; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != 0x21 && (c < 0x23 || c == 0x7f))
			return 0;
	}
	return 1;
}

int
cti__http_content_range(uint64_t *first, uint64_t *last, int64_t *total,
			const char *s, size_t n)
{
	const char *dash, *slash;
	uint64_t f, l, t;

	s = trim(s, &n);
	if (n < 6 || strncasecmp(s, "bytes ", 6) != 0)
		return -1;
	s += 6;
	n -= 6;
	while (n && *s == ' ') {
		s++;
		n--;
	}
	if (!(dash = memchr(s, '-', n)) || !(slash = memchr(s, '/', n)) ||
	    slash < dash)
		return -1;
	if (parse_u64(&f, s, (size_t)(dash - s)) < 0 ||
	    parse_u64(&l, dash + 1, (size_t)(slash - dash - 1)) < 0 || l < f)
		return -1;
	if (slash + 2 == s + n && slash[1] == '*') {
		*total = -1;
	} else {
		if (parse_u64(&t, slash + 1, (size_t)(s + n - slash - 1)) < 0 ||
		    l >= t || t > (uint64_t)INT64_MAX)
			return -1;
		*total = (int64_t)t;
	}
	*first = f;
	*last = l;
	return 0;
}

/* Whether line[0..len) is the field name (any case) followed by ':'. */
static const char *
field(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t k = strlen(name);

	if (len <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return NULL;
	*vlen = len - k - 1;
	return line + k + 1;
}

int
cti__http_line(struct cti__http_resp *r, const char *line, size_t len,
	       int64_t now)
{
	const char *v;
	size_t vn;
	uint64_t u;
	int64_t t;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		cti__http_resp_reset(r);
		return cti__http_status_line(&r->status, r->reason,
					     sizeof(r->reason), line, len);
	}
	if ((v = field(line, len, "ETag", &vn))) {
		v = trim(v, &vn);
		if (cti__http_etag_ok(v, vn)) {
			memcpy(r->etag, v, vn);
			r->etag[vn] = '\0';
		} else {
			r->etag[0] = '\0';
		}
	} else if ((v = field(line, len, "Last-Modified", &vn))) {
		r->last_modified = cti__http_date(&t, v, vn) == 0 ? t : -1;
	} else if ((v = field(line, len, "Retry-After", &vn))) {
		r->retry_after = cti__http_retry_after(&t, v, vn, now) == 0 ?
					 t : -1;
	} else if ((v = field(line, len, "Content-Length", &vn))) {
		v = trim(v, &vn);
		r->content_length = parse_u64(&u, v, vn) == 0 &&
					    u <= (uint64_t)INT64_MAX ?
					    (int64_t)u : -1;
	} else if ((v = field(line, len, "Content-Range", &vn))) {
		r->has_range = cti__http_content_range(&r->range_first,
						       &r->range_last,
						       &r->range_total, v,
						       vn) == 0;
	}
	return 0;
}
