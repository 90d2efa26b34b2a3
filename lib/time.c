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

int64_t
cti__days_from_civil(int64_t y, int m, int d)
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
 * The one parser of times: "YYYY-MM-DDTHH:MM:SS[.F...](Z|+HH:MM|-HH:MM)"
 * into microseconds since the epoch (digits of the fraction past the sixth
 * are dropped). Strict (STIX) without flags: 'T', 'Z', no offset. A leap
 * second (:60) counts as the first second of the next minute, as in POSIX.
 */
int
cti__parse_ts(int64_t *out_us, const char *s, unsigned flags)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, k, oh, om;
	int64_t us = 0, t;
	const char *p;

	if (!s || strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -1;
	t = cti__days_from_civil(y, mo, d) * 86400;
	if (s[10] == '\0' && (flags & CTI__TS_DATE)) {
		*out_us = t * 1000000;
		return 0;
	}
	if (s[10] != 'T' &&
	    !((flags & CTI__TS_LAX) && (s[10] == 't' || s[10] == ' ')))
		return -1;
	if (strnlen(s + 11, 8) < 8 || s[13] != ':' || s[16] != ':')
		return -1;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (k = 0; *p >= '0' && *p <= '9'; p++, k++)
			if (k < 6)
				us = us * 10 + (*p - '0');
		for (; k < 6; k++)
			us *= 10;
	}
	t += h * 3600 + mi * 60 + sec;
	if (*p == 'Z' || (*p == 'z' && (flags & CTI__TS_LAX))) {
		if (p[1])
			return -1;
	} else if ((flags & CTI__TS_LAX) && (*p == '+' || *p == '-') &&
		   strlen(p) == 6 && p[3] == ':') {
		oh = digits(p + 1, 2);
		om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		/* local time = UTC + offset */
		t += (*p == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	} else {
		return -1;
	}
	*out_us = t * 1000000 + us;
	return 0;
}

/* Floor division, for times before 1970. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

int
cti_parse_time(int64_t *out_unix, const char *s)
{
	int64_t us;

	if (cti__parse_ts(&us, s, CTI__TS_LAX))
		return cti__seterr(CTI_EUSAGE,
				  "invalid time '%.40s': want RFC 3339, as "
				  "2026-11-22T10:00:00Z", s ? s : "");
	*out_unix = floor_div(us, 1000000);
	return CTI_OK;
}

int
cti_parse_stix_time(int64_t *out_ms, const char *s)
{
	int64_t us;

	if (cti__parse_ts(&us, s, 0))
		return cti__seterr(CTI_EFORMAT, "invalid STIX timestamp '%.40s'",
				  s ? s : "");
	*out_ms = floor_div(us, 1000);
	return CTI_OK;
}

/* t seconds and us microseconds (0-999999) in STIX form: milliseconds,
 * or microseconds where they are needed. */
static char *
format(char *buf, size_t size, int64_t t, int64_t us)
{
	int64_t days = floor_div(t, 86400), rem = t - days * 86400, y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	if (us % 1000)
		snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ",
			 (long long)y, m, d, (int)(rem / 3600),
			 (int)(rem / 60 % 60), (int)(rem % 60), (int)us);
	else
		snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 (long long)y, m, d, (int)(rem / 3600),
			 (int)(rem / 60 % 60), (int)(rem % 60),
			 (int)(us / 1000));
	return buf;
}

char *
cti_format_time(char *buf, size_t size, int64_t t)
{
	return format(buf, size, t, 0);
}

char *
cti__format_ts(char *buf, size_t size, int64_t us)
{
	int64_t t = floor_div(us, 1000000);

	return format(buf, size, t, us - t * 1000000);
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
