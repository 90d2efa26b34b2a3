/* test_csv.c - the streaming CSV reader: quoting, layout, errors. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cti.h"
#include "unit.h"

static char tmpl[] = "/tmp/test_csv.XXXXXX";
static int tmpfd = -1;

/* A descriptor reading s[0..n); gz: gzip-compressed. */
static int
input(const char *s, size_t n, int gz)
{
	int fd;

	if (tmpfd >= 0)
		close(tmpfd);
	strcpy(tmpl + strlen(tmpl) - 6, "XXXXXX");
	if ((fd = mkstemp(tmpl)) < 0)
		return -1;
	unlink(tmpl);
	if (gz) {
		gzFile g = gzdopen(dup(fd), "wb");

		gzwrite(g, s, (unsigned)n);
		gzclose(g);
	} else if (write(fd, s, n) != (ssize_t)n) {
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	tmpfd = fd;
	return fd;
}

static cti_csv *
open_str(const char *s, const char *column, int *rc)
{
	cti_csv *c = NULL;

	struct cti_csv_opts o = { column, 0 };

	*rc = cti_csv_open(&c, input(s, strlen(s), 0), "t.csv", &o, NULL, 0);
	return c;
}

static cti_csv *
open_delim(const char *s, int delim, int *rc)
{
	cti_csv *c = NULL;
	struct cti_csv_opts o = { NULL, delim };

	*rc = cti_csv_open(&c, input(s, strlen(s), 0), "t.csv", &o, NULL, 0);
	return c;
}

static const struct cti_csv_row *
next(cti_csv *c, int *rc)
{
	const struct cti_csv_row *r = NULL;

	*rc = cti_csv_next(&r, c);
	return r;
}

static void
test_basic(void)
{
	const struct cti_csv_row *r;
	cti_csv *c;
	int rc;

	c = open_str("value,type,confidence,first_seen,description,labels\n"
		     "198.51.100.7,ipv4,80,2026-11-22T10:00:00Z,c2 server,a;b\n"
		     "example.com,,,,,\n",
		     NULL, &rc);
	CHECK(rc == CTI_OK && c);
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r);
	if (r) {
		CHECK_STR(r->value, "198.51.100.7");
		CHECK_STR(r->type, "ipv4");
		CHECK_STR(r->confidence, "80");
		CHECK_STR(r->first_seen, "2026-11-22T10:00:00Z");
		CHECK_STR(r->description, "c2 server");
		CHECK_STR(r->labels, "a;b");
		CHECK(r->line == 2);
	}
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r);
	if (r) {
		CHECK_STR(r->value, "example.com");
		CHECK(!r->type && !r->confidence && !r->first_seen &&
		      !r->description && !r->labels);
		CHECK(r->line == 3);
	}
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r == NULL);
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r == NULL);
	cti_csv_free(c);
	cti_csv_free(NULL);
}

static void
test_header(void)
{
	const struct cti_csv_row *r;
	cti_csv *c;
	int rc;

	/* case, spaces, quotes, aliases; columns in any order */
	c = open_str("\xef\xbb\xbf Tags ,\"Valid From\",id,IOC,Indicator\r\n"
		     "x,2026-01-01T00:00:00Z,7,evil.com,other\r\n",
		     NULL, &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r != NULL);
	if (r) {
		CHECK_STR(r->value, "evil.com");
		CHECK_STR(r->labels, "x");
		CHECK_STR(r->first_seen, "2026-01-01T00:00:00Z");
		CHECK(r->line == 2);
	}
	cti_csv_free(c);

	c = open_str("id,Address\n1,1.2.3.4\n", "address", &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4"));
	cti_csv_free(c);

	/* the given name replaces the defaults */
	c = open_str("value,addr\na,b\n", "addr", &rc);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "b"));
	cti_csv_free(c);

	c = open_str("id,value\n", "address", &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);
	CHECK_STR(cti_errmsg(), "t.csv:1: no column 'address' in the header: "
		  "'id', 'value'");

	/* the header is listed, as it is, without control characters */
	c = open_str("id,name,\"Ad\x1bresse IP\",\xc3\x89tat\n1,2\n", NULL,
		     &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);
	CHECK_STR(cti_errmsg(), "t.csv:1: no value column (value, indicator or "
		  "ioc) in the header: 'id', 'name', 'Ad?resse IP', "
		  "'\xc3\x89tat'");

	c = open_str("", NULL, &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);
	c = open_str("\n\n  \r\n", NULL, &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);
	c = open_str("\xef\xbb\xbf", NULL, &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);

	/* a header without a final newline, no rows */
	c = open_str("value", NULL, &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r == NULL);
	cti_csv_free(c);
}

/* ';', TAB and '|' separate as ',' does; detected or given */
static void
test_delimiters(void)
{
	const struct cti_csv_row *r;
	cti_csv *c;
	int rc;

	/* European spreadsheets: ';', and ',' in the numbers */
	c = open_str("Indicator;Type;Description\n"
		     "evil.com;domain;\"a; b, c\"\n1.2.3.4;ipv4;x,y\n", NULL,
		     &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "evil.com") && r->type &&
	      !strcmp(r->type, "domain") && r->description &&
	      !strcmp(r->description, "a; b, c"));
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4") && r->description &&
	      !strcmp(r->description, "x,y"));
	cti_csv_free(c);

	/* TAB: spaces around a field go, tabs separate (empty fields) */
	c = open_str("value\tlabels\tdescription\n 1.2.3.4 \t\t two  words\n",
		     NULL, &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4") && r->labels == NULL &&
	      r->description && !strcmp(r->description, "two  words"));
	cti_csv_free(c);

	c = open_str("a|ioc|b\nx|evil.com|y\n", NULL, &rc);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "evil.com"));
	cti_csv_free(c);

	/* the one that names a value column wins over the one with more */
	c = open_str("value;x,y,z\n1.2.3.4;a,b,c\n", NULL, &rc);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4"));
	cti_csv_free(c);

	/* given, it is the only one */
	c = open_delim("value;x,y\n1.2.3.4,a;b\n", ';', &rc);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4,a"));
	cti_csv_free(c);
	c = open_delim("value\tx\n1.2.3.4\ta\n", ',', &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);
	c = open_delim("value\n", ':', &rc);
	CHECK(rc == CTI_EINVAL && c == NULL);

	/* without a value column: the most fields decide how it is shown */
	c = open_str("ip;port;seen\n1.2.3.4;443;x\n", NULL, &rc);
	CHECK(rc == CTI_EFORMAT && c == NULL);
	CHECK_STR(cti_errmsg(), "t.csv:1: no value column (value, indicator or "
		  "ioc) in the header: 'ip', 'port', 'seen'");
	/* a quoted separator is no separator */
	c = open_str("\"a;b\",value\nx,1.2.3.4\n", NULL, &rc);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4"));
	cti_csv_free(c);
}

static void
test_quoting(void)
{
	const struct cti_csv_row *r;
	cti_csv *c;
	int rc;

	c = open_str("value,description\n"
		     "\"a,b\",\"say \"\"hi\"\"\"\n"
		     "\"multi\nline\",\"x\r\ny\"\n"
		     "  spaced  ,  \"  kept  \"  \n"
		     "\"\",\"\"\n"
		     "\"\"\"\",\n"
		     "last,\"no newline at the end\"",
		     NULL, &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "a,b") && r->line == 2);
	CHECK(r && r->description && !strcmp(r->description, "say \"hi\""));
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "multi\nline") && r->line == 3);
	CHECK(r && r->description && !strcmp(r->description, "x\r\ny"));
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "spaced") && r->line == 6);
	CHECK(r && r->description && !strcmp(r->description, "  kept  "));
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "") && !r->description && r->line == 7);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "\"") && r->line == 8);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "last") && r->line == 9);
	CHECK(r && r->description &&
	      !strcmp(r->description, "no newline at the end"));
	r = next(c, &rc);
	CHECK(rc == CTI_OK && !r);
	cti_csv_free(c);

	/* UTF-8 passes through, in and out of quotes */
	c = open_str("value,description\nbad.example,caf\xc3\xa9 \xe2\x82\xac\n"
		     "\"\xf0\x9f\x98\x80\",\"\xc3\xa9t\xc3\xa9\"\n",
		     NULL, &rc);
	r = next(c, &rc);
	CHECK(r && r->description &&
	      !strcmp(r->description, "caf\xc3\xa9 \xe2\x82\xac"));
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "\xf0\x9f\x98\x80") && r->description &&
	      !strcmp(r->description, "\xc3\xa9t\xc3\xa9"));
	cti_csv_free(c);
}

static void
test_layout(void)
{
	const struct cti_csv_row *r;
	cti_csv *c;
	int rc;

	/* CRLF, lone CR, blank lines, ragged rows */
	c = open_str("value,type,description\r\n"
		     "\r\n"
		     "a.com,domain\r\n"
		     "b.com\r"
		     "c.com,domain,desc,extra,more\n"
		     "\n   \n"
		     "d.com,,d\n",
		     NULL, &rc);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "a.com") && r->line == 3);
	CHECK(r && r->type && !strcmp(r->type, "domain") && !r->description);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "b.com") && r->line == 4);
	CHECK(r && !r->type && !r->description);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "c.com") && r->line == 5);
	CHECK(r && r->description && !strcmp(r->description, "desc"));
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "d.com") && r->line == 8);
	CHECK(r && !r->type && r->description && !strcmp(r->description, "d"));
	r = next(c, &rc);
	CHECK(rc == CTI_OK && !r);
	cti_csv_free(c);

	/* a row missing the value column */
	c = open_str("type,value\nipv4\n", NULL, &rc);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "") && r->type &&
	      !strcmp(r->type, "ipv4"));
	cti_csv_free(c);
}

/* Read rows until an error; returns it, with the message checked. */
static int
read_err(const char *s, const char *msg)
{
	const struct cti_csv_row *r;
	cti_csv *c;
	int rc, n = 0;

	c = open_str(s, NULL, &rc);
	if (!c)
		goto out;
	do {
		r = next(c, &rc);
	} while (r && ++n < 1000);
	cti_csv_free(c);
out:
	if (msg && !strstr(cti_errmsg(), msg))
		printf("# message \"%s\", want \"%s\"\n", cti_errmsg(), msg);
	return msg && !strstr(cti_errmsg(), msg) ? 1 : rc;
}

static void
test_errors(void)
{
	const struct cti_csv_row *r;
	char *big;
	cti_csv *c;
	int rc;
	size_t n;

	CHECK(read_err("value\n\"abc\"x\n", "t.csv:2: unexpected character") ==
	      CTI_EFORMAT);
	CHECK(read_err("value\na\nab\"c\n", "t.csv:3: quote inside") ==
	      CTI_EFORMAT);
	CHECK(read_err("value\na\n\"open\n\n\n",
		       "t.csv:3: quoted field not closed") == CTI_EFORMAT);
	CHECK(read_err("value\n\"a\" \"b\"\n", "t.csv:2") == CTI_EFORMAT);
	CHECK(read_err("\"val\"ue\"\n", "t.csv:1") == CTI_EFORMAT);
	CHECK(read_err("value\nok\n\xff\xfe\n", "t.csv:3: invalid UTF-8") ==
	      CTI_EFORMAT);
	CHECK(read_err("value,description\nok,\"a\nb\nc\xc0\xaf\"\n",
		       "t.csv:4: invalid UTF-8") == CTI_EFORMAT);
	/* bad UTF-8 in a column nobody reads is still bad input */
	CHECK(read_err("value,x\nok,\xed\xa0\x80\n",
		       "t.csv:2: invalid UTF-8") == CTI_EFORMAT);
	CHECK(read_err("value\xff\n", "t.csv:1: invalid UTF-8") == CTI_EFORMAT);
	{
		static const char nul[] = "value\n1.2.3.4\0evil\n";
		cti_csv *c0;
		const struct cti_csv_row *r0;

		rc = cti_csv_open(&c0, input(nul, sizeof(nul) - 1, 0), "t.csv",
				  NULL, NULL, 0);
		r0 = next(c0, &rc);
		CHECK(rc == CTI_EFORMAT && !r0);
		CHECK(strstr(cti_errmsg(), "t.csv:2: NUL byte") != NULL);
		cti_csv_free(c0);
	}
	{
		static const char nul[] = "value,x\na,\"q\n\0\"\n";
		cti_csv *c0;
		const struct cti_csv_row *r0;

		rc = cti_csv_open(&c0, input(nul, sizeof(nul) - 1, 0), "t.csv",
				  NULL, NULL, 0);
		r0 = next(c0, &rc);
		CHECK(rc == CTI_EFORMAT && !r0);
		CHECK(strstr(cti_errmsg(), "t.csv:2: NUL byte") != NULL);
		cti_csv_free(c0);
	}

	/* a row of CTI_MAX_LINE bytes passes, one more fails */
	n = CTI_MAX_LINE + 64;
	big = malloc(n + 16);
	if (!big)
		return;
	memcpy(big, "value,x\nv,", 10);
	memset(big + 10, 'y', CTI_MAX_LINE - 3);
	strcpy(big + 10 + CTI_MAX_LINE - 3, "\nw\n"); /* "v," + y... + LF */
	c = open_str(big, NULL, &rc);
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r && !strcmp(r->value, "v"));
	r = next(c, &rc);
	CHECK(rc == CTI_OK && r && !strcmp(r->value, "w"));
	cti_csv_free(c);
	memset(big + 10, 'y', CTI_MAX_LINE - 2);
	strcpy(big + 10 + CTI_MAX_LINE - 2, "\nw\n");
	CHECK(read_err(big, "t.csv:2: row longer than") == CTI_ELIMIT);
	/* a long value column */
	memcpy(big, "value\n\"", 7);
	memset(big + 7, 'v', CTI_MAX_LINE);
	strcpy(big + 7 + CTI_MAX_LINE, "\"\n");
	CHECK(read_err(big, "t.csv:2: row longer than") == CTI_ELIMIT);
	free(big);

	/* after an error every call fails */
	c = open_str("value\n\"a\"b\nc\n", NULL, &rc);
	r = next(c, &rc);
	CHECK(rc == CTI_EFORMAT && !r);
	r = next(c, &rc);
	CHECK(rc == CTI_EFORMAT && !r);
	cti_csv_free(c);
}

static void
test_sources(void)
{
	static const char csv[] = "value,description\n1.2.3.4,\"gz\nipped\"\n";
	const struct cti_csv_row *r;
	cti_csv *c;
	char *many;
	int rc, fd, n;
	size_t i, len;

	/* gzip-compressed */
	fd = input(csv, sizeof(csv) - 1, 1);
	rc = cti_csv_open(&c, fd, "t.csv.gz", NULL, NULL, 0);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4") && r->description &&
	      !strcmp(r->description, "gz\nipped"));
	cti_csv_free(c);

	/* bytes already read by the caller come first */
	fd = input(csv + 9, sizeof(csv) - 10, 0);
	rc = cti_csv_open(&c, fd, "t.csv", NULL, csv, 9);
	CHECK(rc == CTI_OK);
	r = next(c, &rc);
	CHECK(r && !strcmp(r->value, "1.2.3.4"));
	cti_csv_free(c);

	/* many rows and blank lines across buffer boundaries */
	len = 0;
	many = malloc(3 * 1000000);
	if (!many)
		return;
	len += (size_t)sprintf(many, "value\r\n");
	for (i = 0; i < 200000; i++)
		len += (size_t)sprintf(many + len, "%zu.x\r\n%s", i,
				       i % 3 ? "" : "\r\n");
	fd = input(many, len, 0);
	rc = cti_csv_open(&c, fd, "t.csv", NULL, NULL, 0);
	n = 0;
	while ((r = next(c, &rc)) && rc == CTI_OK) {
		char want[32];

		sprintf(want, "%d.x", n);
		if (strcmp(r->value, want))
			break;
		n++;
	}
	CHECK(rc == CTI_OK && n == 200000);
	cti_csv_free(c);
	free(many);
}

int
main(void)
{
	test_basic();
	test_header();
	test_delimiters();
	test_quoting();
	test_layout();
	test_errors();
	test_sources();
	if (tmpfd >= 0)
		close(tmpfd);
	return UNIT_DONE();
}
