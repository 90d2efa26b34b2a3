/*
 * test_sigv4.c - AWS Signature Version 4 (lib/net/sigv4.c) against the
 * examples AWS publishes: the four of the S3 API reference ("Signature
 * Calculations for the Authorization Header: Transferring Payload in a
 * Single Chunk": GET Object with a Range, PUT Object, GET Bucket
 * Lifecycle, Get Bucket (List Objects)) and cases of the SigV4 test suite
 * (service "service", 20150830T123600Z); then the canonical URI and query
 * encoding, and what cannot be signed.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cti.h"
#include "net/net.h"
#include "unit.h"

/* 2013-05-24T00:00:00Z and 2015-08-30T12:36:00Z */
#define T_S3 1369353600
#define T_SUITE 1440938160

static const char s3_id[] = "AKIAIOSFODNN7EXAMPLE";
static const char s3_secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
static const char suite_id[] = "AKIDEXAMPLE";
static const char suite_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static struct cti__sigv4_key key;	/* the cache, across the cases */

/* The signature part of r's Authorization value, or "" */
static const char *
sign(char *auth, size_t size, const struct cti__sigv4 *r)
{
	const char *s;

	if (cti__sigv4_sign(auth, size, &key, r) != 0)
		return "";
	s = strstr(auth, "Signature=");
	return s ? s + 10 : "";
}

static void
s3_example(struct cti__sigv4 *r, const char *method, const char *path,
	   const char *query, const struct cti__sigv4_hdr *h, size_t n,
	   const char *payload)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->path = path;
	r->query = query;
	r->hdrs = h;
	r->nhdrs = n;
	r->payload_hash = payload;
	r->region = "us-east-1";
	r->service = "s3";
	r->key_id = s3_id;
	r->secret = s3_secret;
	r->time = T_S3;
}

static void
test_s3_examples(void)
{
	struct cti__sigv4_hdr get[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", CTI__SHA256_EMPTY },
		{ "x-amz-date", "20130524T000000Z" },
	};
	struct cti__sigv4_hdr put[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba8"
					  "7d2b6b4b4e99e42034a8b803f8b072" },
	};
	struct cti__sigv4_hdr bucket[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-content-sha256", CTI__SHA256_EMPTY },
	};
	static const struct {
		const char *query;
		int same;
	} list[] = {
		{ "max-keys=2&prefix=J", 1 },
		{ "prefix=J&max-keys=2", 1 },
		{ "prefix=%4a&max-keys=2", 1 },
		{ "prefix=K&max-keys=2", 0 },
	};
	struct cti__sigv4 r;
	struct cti__buf b = { 0 }, path = { 0 };
	unsigned char h[32];
	char auth[1024], sh[256], hex[65];

	/* GET Object, the first ten bytes: its canonical request as the
	   reference shows it, the signature, the whole header */
	s3_example(&r, "GET", "/test.txt", NULL, get, 4, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_canonical(&b, sh, sizeof(sh), &r) == 0);
	CHECK(strcmp(b.p, "GET\n/test.txt\n\n"
		       "host:examplebucket.s3.amazonaws.com\n"
		       "range:bytes=0-9\n"
		       "x-amz-content-sha256:" CTI__SHA256_EMPTY "\n"
		       "x-amz-date:20130524T000000Z\n\n"
		       "host;range;x-amz-content-sha256;x-amz-date\n"
		       CTI__SHA256_EMPTY) == 0);
	crypto_hash_sha256(h, (const unsigned char *)b.p, b.len);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	CHECK_STR(hex, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc"
		       "43964946972");
	cti__buf_free(&b);
	CHECK_STR(sign(auth, sizeof(auth), &r), "f0e8bdb87c964420e857bd35b5d6e"
		  "d310bd44f0170aba48dd91039c6036bdb41");
	CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
		  "20130524/us-east-1/s3/aws4_request, SignedHeaders=host;"
		  "range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87"
		  "c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

	/* PUT Object "test$file.text": the key encoded, the body hashed */
	crypto_hash_sha256(h, (const unsigned char *)"Welcome to Amazon S3.",
			   21);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	CHECK_STR(hex, put[4].value);
	CHECK(cti__buf_putc(&path, '/') == 0 &&
	      cti__sigv4_encode(&path, "test$file.text", 14, 1) == 0);
	CHECK_STR(path.p, "/test%24file.text");
	s3_example(&r, "PUT", path.p, NULL, put, 5, hex);
	CHECK_STR(sign(auth, sizeof(auth), &r), "98ad721746da40c64f1a55b78f14c"
		  "238d841ea1380cd77a1b5971af0ece108bd");
	CHECK(strstr(auth, "SignedHeaders=date;host;x-amz-content-sha256;"
			   "x-amz-date;x-amz-storage-class,") != NULL);
	cti__buf_free(&path);

	/* GET Bucket Lifecycle: a parameter without a value */
	s3_example(&r, "GET", "/", "lifecycle", bucket, 3, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_canonical(&b, sh, sizeof(sh), &r) == 0);
	crypto_hash_sha256(h, (const unsigned char *)b.p, b.len);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	CHECK_STR(hex, "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaeb"
		       "f79c77395ca");
	CHECK(strstr(b.p, "\nlifecycle=\n") != NULL);
	cti__buf_free(&b);
	CHECK_STR(sign(auth, sizeof(auth), &r), "fea454ca298b7da1c68078a5d1bdb"
		  "fbbe0d65c699e0f91ac7a200a0136783543");
	s3_example(&r, "GET", "/", "lifecycle=", bucket, 3, CTI__SHA256_EMPTY);
	CHECK_STR(sign(auth, sizeof(auth), &r), "fea454ca298b7da1c68078a5d1bdb"
		  "fbbe0d65c699e0f91ac7a200a0136783543");

	/* Get Bucket (List Objects): parameters sorted, in either order; a
	   value sent encoded signs as its canonical encoding; another value
	   does not */
	for (size_t i = 0; i < CTI_ARRAY_LEN(list); i++) {
		s3_example(&r, "GET", "/", list[i].query, bucket, 3,
			   CTI__SHA256_EMPTY);
		CHECK((strcmp(sign(auth, sizeof(auth), &r),
			      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670"
			      "ed5711ef69dc6f7") == 0) == list[i].same);
	}
}

/* One case of the SigV4 test suite: GET (or POST) with the suite's
 * host and date headers, and extra ones. */
static const char *
suite(char *auth, size_t size, const char *method, const char *path,
      const char *query, const struct cti__sigv4_hdr *extra, size_t n)
{
	struct cti__sigv4_hdr h[8] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	struct cti__sigv4 r = {
		.method = method, .path = path, .query = query, .hdrs = h,
		.nhdrs = 2 + n, .payload_hash = CTI__SHA256_EMPTY,
		.region = "us-east-1", .service = "service",
		.key_id = suite_id, .secret = suite_secret, .time = T_SUITE,
	};

	if (n)
		memcpy(h + 2, extra, n * sizeof(*extra));
	return sign(auth, size, &r);
}

static void
test_suite(void)
{
	static const char unres[] = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz";
	struct cti__sigv4_hdr trim[] = {
		{ "My-Header1", " value1" },
		{ "My-Header2", " \"a   b   c\"" },
	};
	struct cti__sigv4_hdr order[] = {
		{ "My-Header1", "value4" },
		{ "My-Header1", "value1" },
		{ "My-Header1", "value3" },
		{ "My-Header1", "value2" },
	};
	struct cti__buf path = { 0 };
	char auth[1024], q[256];

	CHECK_STR(suite(auth, sizeof(auth), "GET", "/", NULL, NULL, 0),
		  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763"
		  "fbf31");
	CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
		  "us-east-1/service/aws4_request, SignedHeaders=host;"
		  "x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff"
		  "2a2260956d9b8aae1d763fbf31");
	CHECK_STR(suite(auth, sizeof(auth), "GET", "/",
			"Param2=value2&Param1=value1", NULL, 0),
		  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cd"
		  "f2500");
	CHECK_STR(suite(auth, sizeof(auth), "GET", "/", "Param1=value1", NULL,
			0),
		  "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011"
		  "b9aeb");
	snprintf(q, sizeof(q), "%s=%s", unres, unres);
	CHECK_STR(suite(auth, sizeof(auth), "GET", "/", q, NULL, 0),
		  "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a"
		  "40197");
	/* the path: unreserved characters kept, UTF-8 a byte at a time */
	CHECK(cti__buf_putc(&path, '/') == 0 &&
	      cti__sigv4_encode(&path, unres, strlen(unres), 1) == 0);
	CHECK_STR(suite(auth, sizeof(auth), "GET", path.p, NULL, NULL, 0),
		  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf"
		  "5f24f");
	cti__buf_reset(&path);
	CHECK(cti__buf_putc(&path, '/') == 0 &&
	      cti__sigv4_encode(&path, "\xe1\x88\xb4", 3, 1) == 0);
	CHECK_STR(path.p, "/%E1%88%B4");
	CHECK_STR(suite(auth, sizeof(auth), "GET", path.p, NULL, NULL, 0),
		  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141b"
		  "e5d85");
	cti__buf_free(&path);
	/* values trimmed and their blanks squeezed; a name given four
	   times: its values joined in the order given; names sorted */
	CHECK_STR(suite(auth, sizeof(auth), "GET", "/", NULL, trim, 2),
		  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a"
		  "9c736");
	CHECK_STR(suite(auth, sizeof(auth), "GET", "/", NULL, order, 4),
		  "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c7"
		  "55c01");
	CHECK_STR(suite(auth, sizeof(auth), "POST", "/", NULL, order + 1, 1),
		  "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf1"
		  "8852c");
	CHECK_STR(suite(auth, sizeof(auth), "POST", "/", NULL, NULL, 0),
		  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efb"
		  "e5d6b");
}

static void
test_encoding(void)
{
	struct {
		const char *in;
		int slash;
		const char *want;
	} c[] = {
		{ "feeds/cert-xy/feed.cti", 1, "feeds/cert-xy/feed.cti" },
		{ "a/b", 0, "a%2Fb" },
		{ "a b+c", 1, "a%20b%2Bc" },
		{ "100%", 1, "100%25" },
		{ "!'()*", 1, "%21%27%28%29%2A" },
		{ "=&?#@:", 1, "%3D%26%3F%23%40%3A" },
		{ "\xc3\xa9t\xc3\xa9", 1, "%C3%A9t%C3%A9" },
		{ "A-z_0.9~", 0, "A-z_0.9~" },
	};
	struct cti__buf b = { 0 };

	for (size_t i = 0; i < CTI_ARRAY_LEN(c); i++) {
		cti__buf_reset(&b);
		CHECK(cti__sigv4_encode(&b, c[i].in, strlen(c[i].in),
					c[i].slash) == 0);
		CHECK_STR(b.p, c[i].want);
	}
	cti__buf_free(&b);
}

/* What cannot be signed is refused, not signed wrong. */
static void
test_refused(void)
{
	struct cti__sigv4_hdr crlf[] = { { "X-A", "a\r\nX-B: b" } };
	struct cti__sigv4_hdr badname[] = { { "X A", "a" } };
	struct cti__sigv4_hdr ok[] = { { "Host", "h" } };
	struct cti__sigv4 r;
	char auth[1024], small[64];

	s3_example(&r, "GET", "/k", NULL, crlf, 1, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == -1);
	s3_example(&r, "GET", "/k", NULL, badname, 1, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == -1);
	s3_example(&r, "GET", "k", NULL, ok, 1, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == -1);
	s3_example(&r, "GET", "/k?x=1", NULL, ok, 1, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == -1);
	s3_example(&r, "GET", "/k", NULL, ok, 1, CTI__SHA256_EMPTY);
	r.region = "us-east-1/x";
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == -1);
	s3_example(&r, "GET", "/k", NULL, ok, 1, CTI__SHA256_EMPTY);
	CHECK(cti__sigv4_sign(small, sizeof(small), &key, &r) == -1);
	CHECK(small[0] == '\0');
	/* the key cache follows the scope: another day, another key */
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == 0);
	CHECK(strncmp(key.scope, "20130524/us-east-1/s3/", 22) == 0);
	r.time += 86400;
	CHECK(cti__sigv4_sign(auth, sizeof(auth), &key, &r) == 0);
	CHECK(strncmp(key.scope, "20130525/us-east-1/s3/", 22) == 0);
}

static void
test_time(void)
{
	char t[17];

	cti__sigv4_time(t, T_S3);
	CHECK_STR(t, "20130524T000000Z");
	cti__sigv4_time(t, 951782400 + 86399);
	CHECK_STR(t, "20000229T235959Z");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_s3_examples();
	test_suite();
	test_encoding();
	test_refused();
	test_time();
	return UNIT_DONE();
}
