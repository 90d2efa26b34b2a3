/*
 * time.c - durations, RFC 3339 and STIX timestamps, "now". Calendar
 * arithmetic is done here (proleptic Gregorian, days from 1970-01-01) so
 * that neither the time zone nor the locale nor timegm() matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int
cti_parse_duration(int64_t *out_seconds, const char *s)
{
	int64_t v = 0, mul;
	const char *p = s;

	if (!s || !*s)
		return cti__seterr(CTI_EUSAGE, "empty duration");
	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (CTI_TIME_MAX - (*p - '0')) / 10)
			goto too_large;
		v = v * 10 + (*p - '0');
	}
	switch (*p) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 604800;
		break;
	default:
		goto bad;
	}
	if (p[1])
		goto bad;
	/* at most the span of the times cti writes: now plus a duration
	 * then never overflows */
	if (v > CTI_TIME_MAX / mul)
		goto too_large;
	*out_seconds = v * mul;
	return CTI_OK;
too_large:
	return cti__seterr(CTI_EUSAGE,
			   "duration '%.40s' too large: at most %lld s, "
			   "about 8000 years", s, (long long)CTI_TIME_MAX);
bad:
	return cti__seterr(
		CTI_EUSAGE,
		"invalid duration '%.40s': want a number and s, m, h, d or w",
		s);
}

/* Days from 1970-01-01 to y-m-d (Gregorian; m 1-12). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
month_days(int64_t y, int m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return md[m - 1];
}

/* n decimal digits at p; -1 if any is not a digit */
static int
digits(const char *p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/*
 * "YYYY-MM-DDTHH:MM:SS" with any fraction, then the rest at *end. Returns
 * Unix seconds (UTC, before any offset) and the fraction in milliseconds
 * (truncated), or -1 when the fields are malformed or out of range. A leap
 * second (:60) counts as the first second of the next minute, as in POSIX.
 */
static int
parse_fields(int64_t *secs, int *ms, const char **end, const char *s, int lax)
{
	int y, mo, d, h, mi, sec, k;
	const char *p;

	if (strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	if (s[10] != 'T' && !(lax && (s[10] == 't' || s[10] == ' ')))
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	p = s + 19;
	*ms = 0;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (k = 0; *p >= '0' && *p <= '9'; p++, k++)
			if (k < 3)
				*ms = *ms * 10 + (*p - '0');
		for (; k < 3; k++)
			*ms *= 10;
	}
	*secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*end = p;
	return 0;
}

int
cti_parse_time(int64_t *out_unix, const char *s)
{
	int64_t t;
	int ms, oh, om;
	const char *p;

	if (!s || parse_fields(&t, &ms, &p, s, 1))
		goto bad;
	if ((*p == 'Z' || *p == 'z') && !p[1]) {
		*out_unix = t;
		return CTI_OK;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':')
		goto bad;
	oh = digits(p + 1, 2);
	om = digits(p + 4, 2);
	if (oh < 0 || oh > 23 || om < 0 || om > 59)
		goto bad;
	/* local time = UTC + offset */
	t += (*p == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	*out_unix = t;
	return CTI_OK;
bad:
	return cti__seterr(
		CTI_EUSAGE,
		"invalid time '%.40s': want RFC 3339, as 2026-11-22T10:00:00Z",
		s ? s : "");
}

int
cti_parse_stix_time(int64_t *out_ms, const char *s)
{
	int64_t t;
	int ms;
	const char *p;

	if (!s || parse_fields(&t, &ms, &p, s, 0) || p[0] != 'Z' || p[1])
		return cti__seterr(CTI_EFORMAT, "invalid STIX timestamp '%.40s'",
				  s ? s : "");
	*out_ms = t * 1000 + ms;
	return CTI_OK;
}

char *
cti_format_time(char *buf, size_t size, int64_t t)
{
	int64_t days = t / 86400, rem = t % 86400, y;
	int m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.000Z",
		 (long long)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
		 (int)(rem % 60));
	return buf;
}

int64_t
cti_now(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	int64_t v = 0;

	if (e && *e) {
		const char *p;

		for (p = e; *p >= '0' && *p <= '9'; p++) {
			if (v > (INT64_MAX - 9) / 10)
				break;
			v = v * 10 + (*p - '0');
		}
		/* at most 9999-12-31T23:59:59Z, which STIX can express */
		if (!*p && v <= 253402300799)
			return v;
	}
	return (int64_t)time(NULL);
}
