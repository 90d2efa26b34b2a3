/* test_time.c - durations, RFC 3339 and STIX times, formatting, now. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cti.h"
#include "unit.h"

static int64_t v;

static void
test_duration(void)
{
#define DUR(s, want) CHECK(cti_parse_duration(&v, s) == CTI_OK && v == (want))
#define BAD_DUR(s)   CHECK(cti_parse_duration(&v, s) == CTI_EUSAGE)
	DUR("90s", 90);
	DUR("15m", 900);
	DUR("12h", 43200);
	DUR("30d", 2592000);
	DUR("2w", 1209600);
	DUR("0s", 0);
	DUR("007m", 420);
	/* at most CTI_TIME_MAX seconds, so that now + it cannot overflow */
	DUR("253402300799s", CTI_TIME_MAX);
	DUR("418985w", 418985LL * 604800);
	BAD_DUR("253402300800s");
	BAD_DUR("418986w");
	BAD_DUR("15250284452471w");
	BAD_DUR("9223372036854775807s");
	BAD_DUR("9223372036854775808s");
	BAD_DUR("99999999999999999999999s");
	BAD_DUR("");
	BAD_DUR("s");
	BAD_DUR("10");
	BAD_DUR("-5m");
	BAD_DUR("+5m");
	BAD_DUR("5 m");
	BAD_DUR(" 5m");
	BAD_DUR("5m ");
	BAD_DUR("5mm");
	BAD_DUR("5M");
	BAD_DUR("5y");
	BAD_DUR("1.5h");
	BAD_DUR("0x10s");
	BAD_DUR(NULL);
	CHECK(cti_parse_duration(&v, "5y") == CTI_EUSAGE &&
	      strstr(cti_errmsg(), "5y") != NULL);
}

static void
test_parse_time(void)
{
#define TIME(s, want) CHECK(cti_parse_time(&v, s) == CTI_OK && v == (want))
#define BAD_TIME(s)   CHECK(cti_parse_time(&v, s) == CTI_EUSAGE)
	TIME("2026-11-22T10:00:00Z", 1795341600);
	TIME("2026-11-22t10:00:00z", 1795341600);
	TIME("2026-11-22 10:00:00Z", 1795341600);
	TIME("2026-11-22T10:00:00.999999Z", 1795341600);
	TIME("2026-11-22T12:30:00+02:30", 1795341600);
	TIME("2026-11-22T05:00:00-05:00", 1795341600);
	TIME("2026-11-22T10:00:00+00:00", 1795341600);
	TIME("2026-11-22T10:00:00-00:00", 1795341600);
	TIME("1970-01-01T00:00:00Z", 0);
	TIME("1969-12-31T23:59:59Z", -1);
	TIME("2024-02-29T23:59:59Z", 1709251199);
	TIME("2000-02-29T00:00:00Z", 951782400);
	TIME("2100-03-01T00:00:00Z", 4107542400LL);
	TIME("2038-01-19T03:14:08Z", 2147483648LL);
	TIME("0001-01-01T00:00:00Z", -62135596800LL);
	TIME("9999-12-31T23:59:59Z", 253402300799LL);
	TIME("2016-12-31T23:59:60Z", 1483228800); /* leap second */
	BAD_TIME("2023-02-29T00:00:00Z");
	BAD_TIME("1900-02-29T00:00:00Z");
	BAD_TIME("2100-02-29T00:00:00Z");
	BAD_TIME("2026-04-31T00:00:00Z");
	BAD_TIME("2026-13-01T00:00:00Z");
	BAD_TIME("2026-00-01T00:00:00Z");
	BAD_TIME("2026-01-00T00:00:00Z");
	BAD_TIME("2026-01-01T24:00:00Z");
	BAD_TIME("2026-01-01T00:60:00Z");
	BAD_TIME("2026-01-01T00:00:61Z");
	BAD_TIME("2026-01-01T00:00:00");
	BAD_TIME("2026-01-01T00:00:00ZZ");
	BAD_TIME("2026-01-01T00:00:00Z ");
	BAD_TIME("2026-01-01T00:00:00.Z");
	BAD_TIME("2026-01-01T00:00:00+0200");
	BAD_TIME("2026-01-01T00:00:00+24:00");
	BAD_TIME("2026-01-01T00:00:00+02:60");
	BAD_TIME("2026-01-01T00:00:00+2:00");
	BAD_TIME("2026-01-01");
	BAD_TIME("2026-1-01T00:00:00Z");
	BAD_TIME("+026-01-01T00:00:00Z");
	BAD_TIME("2026-01-01X00:00:00Z");
	BAD_TIME("");
	BAD_TIME(NULL);
}

static void
test_stix_time(void)
{
#define STIX(s, want) CHECK(cti_parse_stix_time(&v, s) == CTI_OK && v == (want))
#define BAD_STIX(s)   CHECK(cti_parse_stix_time(&v, s) == CTI_EFORMAT)
	STIX("2026-11-22T10:00:00Z", 1795341600000LL);
	STIX("2026-11-22T10:00:00.1Z", 1795341600100LL);
	STIX("2026-11-22T10:00:00.12Z", 1795341600120LL);
	STIX("2026-11-22T10:00:00.123Z", 1795341600123LL);
	STIX("2026-11-22T10:00:00.123999999Z", 1795341600123LL);
	STIX("1969-12-31T23:59:59.500Z", -500);
	BAD_STIX("2026-11-22T10:00:00z");
	BAD_STIX("2026-11-22t10:00:00Z");
	BAD_STIX("2026-11-22 10:00:00Z");
	BAD_STIX("2026-11-22T10:00:00+00:00");
	BAD_STIX("2026-11-22T10:00:00");
	BAD_STIX("2026-11-22T10:00:00.Z");
	BAD_STIX("2026-02-30T10:00:00Z");
	BAD_STIX("");
	BAD_STIX(NULL);
}

static void
test_format(void)
{
	char b[32];

	CHECK_STR(cti_format_time(b, sizeof(b), 0), "1970-01-01T00:00:00.000Z");
	CHECK_STR(cti_format_time(b, sizeof(b), -1),
		  "1969-12-31T23:59:59.000Z");
	CHECK_STR(cti_format_time(b, sizeof(b), 1795341600),
		  "2026-11-22T10:00:00.000Z");
	CHECK_STR(cti_format_time(b, sizeof(b), 951782400),
		  "2000-02-29T00:00:00.000Z");
	CHECK_STR(cti_format_time(b, sizeof(b), 253402300799LL),
		  "9999-12-31T23:59:59.000Z");
	CHECK_STR(cti_format_time(b, sizeof(b), -62135596800LL),
		  "0001-01-01T00:00:00.000Z");
	CHECK_STR(cti_format_time(b, 25, 1709251199),
		  "2024-02-29T23:59:59.000Z");
	/* round trips, every day for 800 years and then some */
	{
		int64_t t, ok = 1;

		for (t = -62135596800LL; t < 253402300799LL;
		     t += 86400 * 97 + 3661) {
			cti_format_time(b, sizeof(b), t);
			if (cti_parse_time(&v, b) || v != t)
				ok = 0;
		}
		CHECK(ok);
	}
}

static void
test_now(void)
{
	setenv("SOURCE_DATE_EPOCH", "1795341600", 1);
	CHECK(cti_now() == 1795341600);
	setenv("SOURCE_DATE_EPOCH", "0", 1);
	CHECK(cti_now() == 0);
	setenv("SOURCE_DATE_EPOCH", "-5", 1);
	CHECK(cti_now() > 1700000000);
	setenv("SOURCE_DATE_EPOCH", "12x", 1);
	CHECK(cti_now() > 1700000000);
	setenv("SOURCE_DATE_EPOCH", "99999999999999999999999", 1);
	CHECK(cti_now() > 1700000000);
	setenv("SOURCE_DATE_EPOCH", "", 1);
	CHECK(cti_now() > 1700000000);
	unsetenv("SOURCE_DATE_EPOCH");
	CHECK(cti_now() > 1700000000);
}

int
main(void)
{
	test_duration();
	test_parse_time();
	test_stix_time();
	test_format();
	test_now();
	return UNIT_DONE();
}
