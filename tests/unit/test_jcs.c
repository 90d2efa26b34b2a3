/*
 * test_jcs.c - JSON canonicalization (RFC 8785) and content hashes.
 *
 * The number vectors are RFC 8785 appendix B (IEEE 754 bit patterns and
 * their canonical text), the sorting vector is the one of section 3.2.3,
 * and the "values" document is section 3.2.2's input with its 3.2.3 output.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cti.h"
#include "unit.h"

static char *
canon(const char *json)
{
	static char *last;
	size_t n;

	free(last);
	last = NULL;
	if (cti_json_canonical(&last, &n, json, strlen(json)) != CTI_OK)
		return NULL;
	if (strlen(last) != n)
		return NULL;
	return last;
}

static const struct {
	uint64_t bits;
	const char *text;
} numbers[] = {
	{0x0000000000000000ull, "0"},
	{0x8000000000000000ull, "0"},
	{0x0000000000000001ull, "5e-324"},
	{0x8000000000000001ull, "-5e-324"},
	{0x7fefffffffffffffull, "1.7976931348623157e+308"},
	{0xffefffffffffffffull, "-1.7976931348623157e+308"},
	{0x4340000000000000ull, "9007199254740992"},
	{0xc340000000000000ull, "-9007199254740992"},
	{0x4430000000000000ull, "295147905179352830000"},
	{0x44b52d02c7e14af5ull, "9.999999999999997e+22"},
	{0x44b52d02c7e14af6ull, "1e+23"},
	{0x44b52d02c7e14af7ull, "1.0000000000000001e+23"},
	{0x444b1ae4d6e2ef4eull, "999999999999999700000"},
	{0x444b1ae4d6e2ef4full, "999999999999999900000"},
	{0x444b1ae4d6e2ef50ull, "1e+21"},
	{0x3eb0c6f7a0b5ed8cull, "9.999999999999997e-7"},
	{0x3eb0c6f7a0b5ed8dull, "0.000001"},
	{0x41b3de4355555553ull, "333333333.3333332"},
	{0x41b3de4355555554ull, "333333333.33333325"},
	{0x41b3de4355555555ull, "333333333.3333333"},
	{0x41b3de4355555556ull, "333333333.3333334"},
	{0x41b3de4355555557ull, "333333333.33333343"},
	{0xbecbf647612f3696ull, "-0.0000033333333333333333"},
	{0x43143ff3c1cb0959ull, "1424953923781206.2"},
};

static void
test_numbers(void)
{
	char in[64], again[64];

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		double d;

		memcpy(&d, &numbers[i].bits, sizeof(d));
		/* %.17g reads back as the same double: feed it as JSON */
		snprintf(in, sizeof(in), "%.17g", d);
		CHECK_STR(canon(in), numbers[i].text);
		/* the canonical text is a fixed point */
		snprintf(again, sizeof(again), "%s", numbers[i].text);
		CHECK_STR(canon(again), numbers[i].text);
	}
	/* number spelling does not matter */
	CHECK_STR(canon("[1,1.0,1e0,10e-1,0.1e1,1E+0,-0,-0.0,0e5]"),
		  "[1,1,1,1,1,1,0,0,0]");
	CHECK_STR(canon("[1E30,4.50,2e-3,0.000000000000000000000000001]"),
		  "[1e+30,4.5,0.002,1e-27]");
	CHECK_STR(canon("123456789012345"), "123456789012345");
	CHECK_STR(canon("1234567890123456789"), "1234567890123456800");
	CHECK_STR(canon("-100000000000000000000000"), "-1e+23");
	/* NaN and Infinity cannot be written in JSON; huge literals overflow */
	CHECK(canon("1e400") == NULL);
	CHECK(cti_json_canonical(&(char *){NULL}, NULL, "-1e309", 6) ==
	      CTI_EFORMAT);
}

static void
test_sorting(void)
{
	/* RFC 8785 section 3.2.3: sorted by UTF-16 code units */
	const char *in =
		"{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
		"\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
		"\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":"
		"\"Control\",\"\\u00f6\":\"Latin Small Letter O With "
		"Diaeresis\"}";
	const char *want =
		"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":"
		"\"Control\",\"\xc3\xb6\":\"Latin Small Letter O With "
		"Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":"
		"\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet "
		"With Dagesh\"}";

	CHECK_STR(canon(in), want);
	/* the same with the characters written raw in UTF-8 */
	CHECK_STR(canon("{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x80\":2,"
			"\"\xe2\x82\xac\":3}"),
		  "{\"\xe2\x82\xac\":3,\"\xf0\x9f\x98\x80\":2,"
		  "\"\xef\xac\xb3\":1}");
	/* nested objects, arrays keep their order, a key prefix sorts first */
	CHECK_STR(canon(" { \"b\" : [ {\"z\":1,\"a\":2} , 3 ] ,\n\t\"a\" : "
			"{ } , \"ab\":null,\"a\\u0062c\":true} "),
		  "{\"a\":{},\"ab\":null,\"abc\":true,\"b\":[{\"a\":2,\"z\":1},"
		  "3]}");
	/* many members take the qsort path */
	CHECK_STR(canon("{\"t\":0,\"s\":0,\"r\":0,\"q\":0,\"p\":0,\"o\":0,"
			"\"n\":0,\"m\":0,\"l\":0,\"k\":0,\"j\":0,\"i\":0,"
			"\"h\":0,\"g\":0,\"f\":0,\"e\":0,\"d\":0,\"c\":0,"
			"\"b\":0,\"a\":0}"),
		  "{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":0,\"g\":0,"
		  "\"h\":0,\"i\":0,\"j\":0,\"k\":0,\"l\":0,\"m\":0,\"n\":0,"
		  "\"o\":0,\"p\":0,\"q\":0,\"r\":0,\"s\":0,\"t\":0}");
}

static void
test_values(void)
{
	/* RFC 8785 section 3.2.2 input and its canonical form (3.2.3) */
	const char *in =
		"{\n  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
		"              2e-3, 0.000000000000000000000000001],\n"
		"  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022"
		"\\u005c\\\\\\\"\\/\",\n"
		"  \"literals\": [null, true, false]\n}";
	const char *want =
		"{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
		"1e+30,4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B"
		"\\\"\\\\\\\\\\\"/\"}";

	CHECK_STR(canon(in), want);
	/* only the required escapes: DEL, U+2028 stay raw */
	CHECK_STR(canon("\"\\u007f\\u2028\\b\\f\\t\\u0001\\u001F\""),
		  "\"\x7f\xe2\x80\xa8\\b\\f\\t\\u0001\\u001f\"");
}

static void
test_errors(void)
{
	const char *bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
		"01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc",
		"\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
		"\"\xff\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"a\nb\"",
		"{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"\\u0061\":3}", "1 2",
		"[1]x",
	};
	char deep[2 * 120 + 1];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = (char *)1;
		int rc = cti_json_canonical(&out, NULL, bad[i],
					    strlen(bad[i]));

		CHECK(rc == CTI_EFORMAT && out == NULL);
		if (rc != CTI_EFORMAT)
			printf("#   input: %s\n", bad[i]);
	}
	memset(deep, '[', 120);
	memset(deep + 120, ']', 120);
	deep[240] = '\0';
	CHECK(canon(deep) == NULL && cti_json_canonical(&(char *){NULL}, NULL,
							 deep, 240) ==
					     CTI_ELIMIT);
}

static void
test_hash(void)
{
	unsigned char h1[16], h2[16], h3[16];
	const char *a = "{\"type\":\"indicator\",\"id\":\"x\",\"name\":"
			"\"A \\\"q\\\"\",\"n\":1.0,\"x_mitre_deprecated\":true}";
	const char *b = "{ \"x_mitre_deprecated\" : true, \"n\" : 1,\n"
			"\"name\":\"A \\u0022q\\\"\",\"id\":\"x\","
			"\"type\":\"indicator\"}";
	const char *c = "{\"type\":\"indicator\",\"id\":\"x\",\"name\":"
			"\"A \\\"q\\\"\",\"n\":2,\"x_mitre_deprecated\":true}";
	const char *ign[] = {"n", NULL};
	struct cti_json_field f[] = {
		{"name", NULL, 0}, {"x_mitre_deprecated", NULL, 0},
		{"revoked", NULL, 0},
	};

	CHECK(cti_json_hash(h1, 16, a, strlen(a), NULL, NULL, 0) == CTI_OK);
	CHECK(cti_json_hash(h2, 16, b, strlen(b), NULL, f, 3) == CTI_OK);
	CHECK(memcmp(h1, h2, 16) == 0);
	CHECK(f[0].value && f[0].len == 13 &&
	      memcmp(f[0].value, "\"A \\u0022q\\\"\"", 13) == 0);
	CHECK(f[1].value && f[1].len == 4 && memcmp(f[1].value, "true", 4) == 0);
	CHECK(f[2].value == NULL);
	CHECK(cti_json_hash(h3, 16, c, strlen(c), NULL, NULL, 0) == CTI_OK);
	CHECK(memcmp(h1, h3, 16) != 0);
	/* ignoring the member that differs makes them equal again */
	CHECK(cti_json_hash(h1, 16, a, strlen(a), ign, NULL, 0) == CTI_OK);
	CHECK(cti_json_hash(h3, 16, c, strlen(c), ign, NULL, 0) == CTI_OK);
	CHECK(memcmp(h1, h3, 16) == 0);
	/* ignore applies at the top level only */
	CHECK(cti_json_hash(h1, 16, "{\"a\":{\"n\":1}}", 13, ign, NULL, 0) ==
	      CTI_OK);
	CHECK(cti_json_hash(h2, 16, "{\"a\":{}}", 8, ign, NULL, 0) == CTI_OK);
	CHECK(memcmp(h1, h2, 16) != 0);
	/* the first and last members can be dropped */
	CHECK(cti_json_hash(h1, 16, "{\"n\":1,\"a\":2}", 13, ign, NULL, 0) ==
	      CTI_OK);
	CHECK(cti_json_hash(h2, 16, "{\"a\":2,\"n\":5}", 13, ign, NULL, 0) ==
	      CTI_OK);
	CHECK(cti_json_hash(h3, 16, "{\"a\":2}", 7, NULL, NULL, 0) == CTI_OK);
	CHECK(memcmp(h1, h2, 16) == 0 && memcmp(h1, h3, 16) == 0);
	CHECK(cti_json_hash(h1, 8, "{}", 2, NULL, NULL, 0) == CTI_EINVAL);
}

static void
test_large(void)
{
	/* an object larger than the on-stack buffers */
	size_t n = 5000, len = 0;
	char *big = malloc(n * 24 + 16), *out;
	size_t olen;

	big[len++] = '{';
	for (size_t i = n; i-- > 0;)
		len += (size_t)sprintf(big + len, "%s\"k%06zu\" : %zu.0 ",
				       i + 1 < n ? "," : "", i, i);
	big[len++] = '}';
	CHECK(cti_json_canonical(&out, &olen, big, len) == CTI_OK);
	CHECK(olen > 10 && strncmp(out, "{\"k000000\":0,\"k000001\":1,", 25) == 0);
	CHECK(strcmp(out + olen - 15, "\"k004999\":4999}") == 0);
	free(out);
	free(big);
}

/* The reader and jcs agree on which numbers fit a double. */
static void
test_agree(void)
{
	static const char *const nums[] = {
		"1e308", "1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "1.8e308", "17976931348623157e292",
		"1e309", "0.1e309", "0.01e310", "-1e309", "1e-400", "0e99999",
		"1e99999999999", "123456789012345678901234567890",
	};
	char path[64], json[128];

	snprintf(path, sizeof(path), "/tmp/test_jcs.%d", (int)getpid());
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		const struct cti_object *o;
		char *c = NULL;
		cti_reader *r;
		FILE *f;
		int a, b;

		snprintf(json, sizeof(json), "{\"type\":\"x\",\"id\":\"x--1\","
			 "\"n\":%s}", nums[i]);
		b = cti_json_canonical(&c, NULL, json, strlen(json));
		free(c);
		if (!(f = fopen(path, "w")))
			break;
		fputs(json, f);
		fclose(f);
		a = cti_reader_open(&r, path, NULL);
		if (a == CTI_OK) {
			a = cti_reader_next(&o, r);
			cti_reader_free(r);
		}
		if (a != b)
			printf("# %s: reader %d, jcs %d\n", nums[i], a, b);
		CHECK(a == b);
	}
	unlink(path);
}

int
main(void)
{
	test_numbers();
	test_sorting();
	test_values();
	test_errors();
	test_hash();
	test_large();
	test_agree();
	canon("0");
	return UNIT_DONE();
}
