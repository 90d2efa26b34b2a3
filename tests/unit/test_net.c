/*
 * test_net.c - the transport layer through the public API, and its HTTP
 * header parsers. The directory backend is tested always; with
 * CTI_TEST_URL (a directory URL of tests/servers/faults.py, "/ok/" path
 * included) and CTI_TEST_CACERT set (tests/t0630-net-get.sh does), also
 * GET over HTTPS: conditional requests, resume, a cut body resumed by the
 * retry, a server that ignores the range, the size cap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cti.h"
#include "net/net.h"
#include "unit.h"

/* A sink that keeps what it gets, as pull will. */
struct sink {
	char buf[1 << 16];
	size_t len;
	int begins;
	uint64_t last_offset;
};

static int
sink_begin(void *ctx, uint64_t offset, int64_t length)
{
	struct sink *s = ctx;

	(void)length;
	s->begins++;
	s->last_offset = offset;
	s->len = (size_t)offset; /* keep what we hold before offset */
	return 0;
}

static int
sink_write(void *ctx, const void *p, size_t n)
{
	struct sink *s = ctx;

	if (s->len + n > sizeof(s->buf))
		return CTI_ELIMIT;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

static long
src_read(void *ctx, void *buf, size_t n, uint64_t off)
{
	const char *s = ctx;
	size_t len = strlen(s);

	if (off >= len)
		return 0;
	if (n > len - off)
		n = len - (size_t)off;
	memcpy(buf, s + off, n);
	return (long)n;
}

static void
test_parsers(void)
{
	struct cti__http_resp r;
	char reason[CTI__REASON_MAX + 1];
	uint64_t f, l;
	int64_t t, tot;
	long st;
	char buf[30];

	CHECK(cti__http_status_line(&st, reason, sizeof(reason),
				    "HTTP/1.1 404 Not Found\r\n", 24) == 0 &&
	      st == 404);
	CHECK_STR(reason, "Not Found");
	CHECK(cti__http_status_line(&st, reason, sizeof(reason), "HTTP/2 304",
				    10) == 0 && st == 304 && !reason[0]);
	CHECK(cti__http_status_line(&st, reason, sizeof(reason), "HTTP/2 099",
				    10) == -1);
	CHECK(cti__http_status_line(&st, reason, sizeof(reason), "HTTP/1.1 2000",
				    13) == -1);
	CHECK(cti__http_date(&t, "Sun, 06 Nov 1994 08:49:37 GMT", 29) == 0 &&
	      t == 784111777);
	CHECK(cti__http_date(&t, "Sunday, 06-Nov-94 08:49:37 GMT", 30) == 0 &&
	      t == 784111777);
	CHECK(cti__http_date(&t, "Sun Nov  6 08:49:37 1994", 24) == 0 &&
	      t == 784111777);
	CHECK(cti__http_date(&t, "Sun, 31 Feb 1994 08:49:37 GMT", 29) == -1);
	cti__http_date_format(buf, 784111777);
	CHECK_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	CHECK(cti__http_retry_after(&t, " 120 ", 5, 0) == 0 && t == 120);
	CHECK(cti__http_retry_after(&t, "Sun, 06 Nov 1994 08:49:37 GMT", 29,
				    784111700) == 0 && t == 77);
	CHECK(cti__http_retry_after(&t, "Sun, 06 Nov 1994 08:49:37 GMT", 29,
				    784111800) == 0 && t == 0);
	CHECK(cti__http_retry_after(&t, "-1", 2, 0) == -1);
	CHECK(cti__http_etag_ok("\"abc\"", 5));
	CHECK(cti__http_etag_ok("W/\"abc\"", 7));
	CHECK(!cti__http_etag_ok("abc", 3));
	CHECK(!cti__http_etag_ok("\"a\"b\"", 5));
	CHECK(!cti__http_etag_ok("\"a\r\nX: y\"", 9));
	CHECK(cti__http_content_range(&f, &l, &tot, "bytes 10-19/100", 15) == 0 &&
	      f == 10 && l == 19 && tot == 100);
	CHECK(cti__http_content_range(&f, &l, &tot, "bytes 10-19/*", 13) == 0 &&
	      tot == -1);
	CHECK(cti__http_content_range(&f, &l, &tot, "bytes 10-100/100", 16) ==
	      -1);
	CHECK(cti__http_content_range(&f, &l, &tot, "bytes */100", 11) == -1);
	cti__http_resp_reset(&r);
	cti__http_line(&r, "HTTP/1.1 100 Continue\r\n", 23, 0);
	cti__http_line(&r, "ETag: \"old\"\r\n", 13, 0);
	cti__http_line(&r, "HTTP/1.1 200 OK\r\n", 17, 0);
	CHECK(r.status == 200 && !r.etag[0]);
	cti__http_line(&r, "etag:  \"new\" \r\n", 15, 0);
	cti__http_line(&r, "Content-Length: 12\r\n", 20, 0);
	CHECK_STR(r.etag, "\"new\"");
	CHECK(r.content_length == 12);
}

static void
test_dir(void)
{
	struct cti_net_opts o = CTI_NET_OPTS_INIT;
	struct cti_net_result res = { 0 };
	struct cti_net_put put = { 0 };
	struct cti_net_get get = { 0 };
	struct sink s = { 0 };
	char dir[] = "/tmp/cti-unit-net.XXXXXX", path[64], *etag;
	const char *body = "0123456789abcdefghij";
	cti_net *n = NULL;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	CHECK(cti_net_open(&n, dir, &o) == CTI_OK);
	CHECK_STR(cti_net_scheme(n), "dir");
	CHECK(cti_net_is_collection(n));
	put.name = "f.gz";
	put.size = strlen(body);
	put.read = src_read;
	put.ctx = (void *)body;
	CHECK(cti_net_put(&res, n, &put) == CTI_OK && res.status == 201 &&
	      res.bytes == 20);
	CHECK(cti_net_put(&res, n, &put) == CTI_OK && res.status == 204);
	put.name = "../x";
	CHECK(cti_net_put(&res, n, &put) == CTI_EINVAL);
	put.name = NULL;
	CHECK(cti_net_put(&res, n, &put) == CTI_EINVAL);

	get.name = "f.gz";
	get.begin = sink_begin;
	get.write = sink_write;
	get.ctx = &s;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.status == 200 &&
	      s.len == 20 && memcmp(s.buf, body, 20) == 0 && res.etag &&
	      res.length == 20);
	etag = strdup(res.etag ? res.etag : "");
	get.if_none_match = etag;
	s.len = 0;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.unchanged &&
	      res.status == 304 && s.len == 0);
	get.if_none_match = NULL;
	/* resume from 5 with the right validator: 206, bytes 5.. */
	memcpy(s.buf, body, 5);
	s.len = 5;
	get.resume_from = 5;
	get.if_range = etag;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.status == 206 &&
	      res.offset == 5 && res.bytes == 15 && s.len == 20 &&
	      memcmp(s.buf, body, 20) == 0);
	/* a stale validator: the whole file again */
	get.if_range = "\"stale\"";
	s.len = 5;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.status == 200 &&
	      res.offset == 0 && s.last_offset == 0 && s.len == 20);
	cti_net_free(n);
	n = NULL;

	o.max_size = 10;
	CHECK(cti_net_open(&n, dir, &o) == CTI_OK);
	get.resume_from = 0;
	get.if_range = NULL;
	CHECK(cti_net_get(&res, n, &get) == CTI_ELIMIT);
	cti_net_free(n);
	n = NULL;
	snprintf(path, sizeof(path), "%s/f.gz", dir);
	CHECK(cti_net_open(&n, path, NULL) == CTI_OK && !cti_net_is_collection(n));
	get.name = NULL;
	s.len = 0;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && s.len == 20);
	CHECK(cti_net_stat(&res, n, NULL) == CTI_OK && res.length == 20);
	cti_net_free(n);
	cti_net_result_clear(&res);
	free(etag);
	unlink(path);
	snprintf(path, sizeof(path), "%s", dir);
	rmdir(path);
}

static void
test_https(const char *url, const char *ca)
{
	struct cti_net_opts o = CTI_NET_OPTS_INIT;
	struct cti_net_result res = { 0 };
	struct cti_net_put put = { 0 };
	struct cti_net_get get = { 0 };
	struct sink s = { 0 };
	static char body[40000];
	char cut[512], *etag;
	int rc;
	cti_net *n = NULL;

	for (size_t i = 0; i < sizeof(body) - 1; i++)
		body[i] = (char)('a' + i % 26);
	o.cacert = ca;
	o.max_wait = 1;
	o.netrc = 0;
	CHECK(cti_net_open(&n, url, &o) == CTI_OK);
	if (!n)
		return;
	CHECK_STR(cti_net_scheme(n), "https");
	put.name = "g.bin";
	put.size = strlen(body);
	put.read = src_read;
	put.ctx = body;
	CHECK(cti_net_put(&res, n, &put) == CTI_OK && res.status == 201);

	get.name = "g.bin";
	get.begin = sink_begin;
	get.write = sink_write;
	get.ctx = &s;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.status == 200 &&
	      s.len == strlen(body) && memcmp(s.buf, body, s.len) == 0 &&
	      res.etag && res.last_modified > 0 && res.attempts == 1);
	etag = strdup(res.etag ? res.etag : "\"\"");
	get.if_none_match = etag;
	s.len = 0;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.unchanged &&
	      s.len == 0 && res.etag && strcmp(res.etag, etag) == 0);
	get.if_none_match = NULL;
	get.if_modified_since = res.last_modified;
	CHECK(cti_net_stat(&res, n, &get) == CTI_OK && res.status == 200);
	get.if_modified_since = 0;
	/* resume: 206 from 1000 on */
	memcpy(s.buf, body, 1000);
	s.len = 1000;
	get.resume_from = 1000;
	get.if_range = etag;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.status == 206 &&
	      res.offset == 1000 && s.len == strlen(body) &&
	      memcmp(s.buf, body, s.len) == 0);
	/* the validator changed: the server sends it all (200) */
	get.if_range = "\"other\"";
	s.len = 1000;
	CHECK(cti_net_get(&res, n, &get) == CTI_OK && res.status == 200 &&
	      s.last_offset == 0 && s.len == strlen(body));
	get.resume_from = 0;
	get.if_range = NULL;
	cti_net_free(n);

	/* a body cut after half: the retry resumes it with Range */
	snprintf(cut, sizeof(cut), "%.*s/cut/g.bin",
		 (int)(strlen(url) - strlen("/ok/")), url);
	CHECK(cti_net_open(&n, cut, &o) == CTI_OK);
	s.len = 0;
	s.begins = 0;
	get.name = NULL;
	rc = cti_net_get(&res, n, &get);
	CHECK(rc == CTI_OK && res.attempts == 2 &&
	      res.status == 206 && s.begins == 2 &&
	      s.last_offset == strlen(body) / 2 && s.len == strlen(body) &&
	      memcmp(s.buf, body, s.len) == 0);
	cti_net_free(n);

	/* the size cap, while receiving */
	o.max_size = 1000;
	CHECK(cti_net_open(&n, url, &o) == CTI_OK);
	get.name = "g.bin";
	CHECK(cti_net_get(&res, n, &get) == CTI_ELIMIT);
	cti_net_free(n);
	snprintf(cut, sizeof(cut), "%.*s/huge/x",
		 (int)(strlen(url) - strlen("/ok/")), url);
	o.max_size = 1 << 20;
	CHECK(cti_net_open(&n, cut, &o) == CTI_OK);
	get.name = NULL;
	CHECK(cti_net_get(&res, n, &get) == CTI_ELIMIT);
	cti_net_free(n);
	/* 404: refused, not retried */
	o.max_size = 0;
	CHECK(cti_net_open(&n, url, &o) == CTI_OK);
	get.name = "missing";
	CHECK(cti_net_get(&res, n, &get) == CTI_EREMOTE && res.status == 404 &&
	      res.attempts == 1);
	cti_net_free(n);
	cti_net_result_clear(&res);
	free(etag);
}

int
main(void)
{
	const char *url = getenv("CTI_TEST_URL"), *ca = getenv("CTI_TEST_CACERT");

	test_parsers();
	test_dir();
	if (url && ca)
		test_https(url, ca);
	return UNIT_DONE();
}
