/*
 * test_s3.c - the s3:// backend without a server: S3's XML error
 * documents (lib/net/s3xml.c), and what cti_net_open() makes of bucket
 * names, endpoints, regions and credentials (the environment, the AWS
 * shared files), and the keys and sizes refused before any request.
 * Requests against a server are tests/t0810-s3-push-pull.sh's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cti.h"
#include "net/net.h"
#include "unit.h"

static char dir[64];		/* HOME, with .aws/ in it */
static char said[4096];		/* what opts.info and opts.warn got */

static void
say(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(said, msg, sizeof(said) - strlen(said) - 2);
	strcat(said, "\n");
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

static void
clear_env(void)
{
	static const char *vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
	};

	for (size_t i = 0; i < CTI_ARRAY_LEN(vars); i++)
		unsetenv(vars[i]);
	setenv("HOME", dir, 1);
	said[0] = '\0';
}

/* cti_net_open() of url with the environment as set: its code, the net
 * in *out (freed when out is NULL). */
static int
open_s3(cti_net **out, const char *url, const struct cti_net_opts *o)
{
	struct cti_net_opts opts = CTI_NET_OPTS_INIT;
	cti_net *n = NULL;
	int rc;

	if (o)
		opts = *o;
	opts.env_secrets = 1;
	opts.info = say;
	opts.warn = say;
	rc = cti_net_open(&n, url, &opts);
	if (out)
		*out = n;
	else
		cti_net_free(n);
	return rc;
}

static int
has(const char *msg, const char *part)
{
	if (strstr(msg, part))
		return 1;
	printf("# \"%s\" not in \"%s\"\n", part, msg);
	return 0;
}

/* url opens, with the options o (may be NULL), and what opts.info and
 * opts.warn said has text in it */
static void
opens(const char *url, const struct cti_net_opts *o, const char *text)
{
	said[0] = '\0';
	CHECK(open_s3(NULL, url, o) == CTI_OK);
	CHECK(has(said, text));
}

static void
test_xml(void)
{
	struct cti__s3_error e;
	const char *d;
	char big[600];

	d = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey"
	    "</Code><Message>The specified key does not exist.</Message><Key>"
	    "f.cti</Key></Error>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == 0);
	CHECK_STR(e.code, "NoSuchKey");
	CHECK_STR(e.message, "The specified key does not exist.");
	/* Message first, entities, a CDATA section, blanks squeezed, a
	   nested Code that is not the error's, a comment */
	d = "<!-- x --><Error>\n <Message>\n a &amp; b &lt;c&gt; &quot;d&quot;"
	    " &apos;e&apos; &#65;&#x42; &#233; &bogus; <![CDATA[<raw>]]>\t"
	    "</Message>\n <Detail><Code>Inner</Code></Detail>\n <Code>SlowDown"
	    "</Code></Error>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == 0);
	CHECK_STR(e.code, "SlowDown");
	CHECK_STR(e.message, "a & b <c> \"d\" 'e' AB ? &bogus; <raw>");
	/* bytes that are not printable ASCII */
	d = "<Error><Code>X</Code><Message>caf\xc3\xa9\x01!</Message></Error>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == 0);
	CHECK_STR(e.message, "caf??" "?!");
	/* a long message is cut, without a trailing blank */
	snprintf(big, sizeof(big), "<Error><Code>C</Code><Message>%0*d</Message>"
		 "</Error>", 400, 0);
	CHECK(cti__s3_error_parse(&e, big, strlen(big)) == 0);
	CHECK(strlen(e.message) == sizeof(e.message) - 1);
	/* not an S3 error: refused */
	d = "<html><body>503</body></html>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == -1);
	CHECK(e.code[0] == '\0');
	d = "<Error><Message>no code</Message></Error>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == -1);
	d = "<Error><Code>Bad Code</Code></Error>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == -1);
	d = "<Error><Code>Cut";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == -1);
	d = "<Errors><Code>X</Code></Errors>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == -1);
	d = "<Error/>";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == -1);
	CHECK(cti__s3_error_parse(&e, NULL, 0) == -1);
	CHECK(cti__s3_error_parse(&e, "", 0) == -1);
	/* a document cut in its Message keeps the Code */
	d = "<Error><Code>AccessDenied</Code><Message>Access Den";
	CHECK(cti__s3_error_parse(&e, d, strlen(d)) == 0);
	CHECK_STR(e.code, "AccessDenied");
	CHECK_STR(e.message, "");
}

static void
test_names(void)
{
	struct cti_net_opts o = CTI_NET_OPTS_INIT;
	cti_net *n;

	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	CHECK(open_s3(&n, "s3://cti-feeds/feeds/feed.cti", NULL) == CTI_OK);
	CHECK(n && strcmp(cti_net_scheme(n), "s3") == 0);
	CHECK(n && !cti_net_is_collection(n));
	/* AWS, virtual-hosted; the key id may be said, the secret never */
	CHECK(has(said, "endpoint https://cti-feeds.s3.us-east-1."
			"amazonaws.com, virtual-hosted style, region "
			"us-east-1;"));
	CHECK(has(said, "key id AKIDTEST from the environment"));
	CHECK(!strstr(said, "s3cr3t"));
	/* the secret is wiped from the environment once read */
	CHECK(getenv("AWS_SECRET_ACCESS_KEY") == NULL);
	cti_net_free(n);

	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	CHECK(open_s3(&n, "s3://cti.feeds/out/", NULL) == CTI_OK);
	CHECK(n && cti_net_is_collection(n));
	/* a bucket with a dot is not a host name label: path style */
	CHECK(has(said, "endpoint https://s3.us-east-1.amazonaws.com, path "
			"style"));
	cti_net_free(n);
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	CHECK(open_s3(&n, "s3://cti-feeds", NULL) == CTI_OK);
	CHECK(n && cti_net_is_collection(n));
	cti_net_free(n);

	/* bucket names: 3 to 63 of [a-z0-9.-] */
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	CHECK(open_s3(NULL, "s3://Cti-Feeds/k", NULL) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "not a bucket name"));
	CHECK(open_s3(NULL, "s3://ab/k", NULL) == CTI_EUSAGE);
	CHECK(open_s3(NULL, "s3://cti_feeds/k", NULL) == CTI_EUSAGE);
	CHECK(open_s3(NULL, "s3:///k", NULL) == CTI_EUSAGE);
	memset(said, 0, sizeof(said));
	CHECK(open_s3(NULL, "s3://a234567890123456789012345678901234567890"
			    "123456789012345678901234/k", NULL) == CTI_EUSAGE);

	/* the endpoint: scheme, host, port; http:// only when allowed */
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	o.endpoint = "https://127.0.0.1:9000";
	said[0] = '\0';
	CHECK(open_s3(&n, "s3://cti-test/k", &o) == CTI_OK);
	CHECK(has(said, "endpoint https://127.0.0.1:9000, path style"));
	cti_net_free(n);
	o.endpoint = "https://minio.example:443/";
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	said[0] = '\0';
	CHECK(open_s3(&n, "s3://cti-test/k", &o) == CTI_OK);
	CHECK(has(said, "endpoint https://minio.example, path style"));
	cti_net_free(n);
	o.endpoint = "https://minio.example/s3";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "no path"));
	o.endpoint = "https://user:pw@minio.example";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	o.endpoint = "ftp://minio.example";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	o.endpoint = "http://127.0.0.1:9000";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "http:// is refused"));
	o.allow_http = 1;
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	said[0] = '\0';
	CHECK(open_s3(&n, "s3://cti-test/k", &o) == CTI_OK);
	CHECK(n && strcmp(cti_net_scheme(n), "s3") == 0);
	CHECK(has(said, "not encrypted"));
	cti_net_free(n);
	/* ... from the environment, AWS_ENDPOINT_URL_S3 first */
	o = (struct cti_net_opts)CTI_NET_OPTS_INIT;
	setenv("AWS_ENDPOINT_URL", "https://one.example", 1);
	setenv("AWS_ENDPOINT_URL_S3", "https://two.example:8443", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	opens("s3://cti-test/k", NULL, "endpoint https://two.example:8443,");
	unsetenv("AWS_ENDPOINT_URL_S3");
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-test", 1);
	opens("s3://cti-test/k", NULL, "endpoint https://one.example,");
	unsetenv("AWS_ENDPOINT_URL");

	/* an endpoint or region is for s3:// only; credentials of other
	   kinds are not for s3:// */
	o.endpoint = "https://127.0.0.1:9000";
	CHECK(open_s3(NULL, "https://example.org/f.cti", &o) == CTI_EUSAGE);
	o.endpoint = NULL;
	o.region = "eu-west-1";
	CHECK(open_s3(NULL, "/tmp", &o) == CTI_EUSAGE);
	o.region = NULL;
	o.user = "feeds";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "AWS credentials"));
}

static void
test_region(void)
{
	struct cti_net_opts o = CTI_NET_OPTS_INIT;

	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	write_file(".aws/config", "[default]\nregion = eu-north-1\n"
		   "[profile feeds]\nregion=ap-south-2\ns3 =\n  region = no\n",
		   0600);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_OK);
	CHECK(has(said, "region eu-north-1 (the AWS config file)"));
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	setenv("AWS_PROFILE", "feeds", 1);
	write_file(".aws/credentials", "[feeds]\naws_access_key_id = A\n"
		   "aws_secret_access_key = B\n", 0600);
	opens("s3://cti-test/k", NULL, "region ap-south-2 (the AWS config file)");
	setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	opens("s3://cti-test/k", NULL, "region us-west-1 (AWS_DEFAULT_REGION)");
	setenv("AWS_REGION", "eu-central-1", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	opens("s3://cti-test/k", NULL, "region eu-central-1 (AWS_REGION)");
	o.region = "sa-east-1";
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	opens("s3://cti-test/k", &o, "region sa-east-1;");
	o.region = "eu west";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	o.region = "eu/west";
	CHECK(open_s3(NULL, "s3://cti-test/k", &o) == CTI_EUSAGE);
	/* none anywhere: us-east-1 */
	clear_env();
	unlink(".aws/config");
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_OK);
	CHECK(has(said, "region us-east-1;"));
}

static void
test_credentials(void)
{
	char path[128];

	/* none: usage, saying where cti looked */
	clear_env();
	unlink(".aws/credentials");
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "s3://cti-test/k: no AWS credentials: "
				"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
				"are not set, and "));
	CHECK(has(cti_errmsg(), "/.aws/credentials does not exist"));
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "AWS_ACCESS_KEY_ID without "
				"AWS_SECRET_ACCESS_KEY"));
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_EUSAGE);
	unsetenv("AWS_SECRET_ACCESS_KEY");

	/* the default profile of ~/.aws/credentials, with a token; comments,
	   blanks, other profiles, a nested block */
	write_file(".aws/credentials",
		   "# keys\n[other]\naws_access_key_id = WRONG\n"
		   "aws_secret_access_key = WRONG\n\n"
		   "[ default ]\n; a comment\nAWS_ACCESS_KEY_ID=AKIDFILE\n"
		   "  aws_secret_access_key = nested, not this\n"
		   "aws_secret_access_key =  filesecret-1\r\n"
		   "aws_session_token = tok/en+1==\n", 0600);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_OK);
	CHECK(has(said, "key id AKIDFILE from profile default of "));
	CHECK(has(said, "with a session token"));
	CHECK(!strstr(said, "filesecret") && !strstr(said, "tok/en"));
	CHECK(!strstr(said, "readable by others"));
	/* readable by others: a warning */
	chmod(".aws/credentials", 0644);
	opens("s3://cti-test/k", NULL, "readable by others than its owner (mode 644)");
	chmod(".aws/credentials", 0600);
	/* a profile by name; one that is not there */
	setenv("AWS_PROFILE", "other", 1);
	opens("s3://cti-test/k", NULL, "key id WRONG from profile other");
	setenv("AWS_PROFILE", "nobody", 1);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "AWS_PROFILE nobody: no such profile in "));
	unsetenv("AWS_PROFILE");
	/* a profile without its secret */
	write_file(".aws/credentials", "[default]\naws_access_key_id = A\n",
		   0600);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "aws_access_key_id without "
				"aws_secret_access_key"));
	/* /dev/null: no profile, not an error reading it */
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	CHECK(open_s3(NULL, "s3://cti-test/k", NULL) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), "and /dev/null has no profile default"));
	/* another file, by AWS_SHARED_CREDENTIALS_FILE */
	snprintf(path, sizeof(path), "%s/creds", dir);
	write_file("creds", "[default]\naws_access_key_id = ENVFILE\n"
		   "aws_secret_access_key = s\n", 0600);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	opens("s3://cti-test/k", NULL, "key id ENVFILE from profile default of ");
	CHECK(has(said, "/creds"));
	/* the environment comes first */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	opens("s3://cti-test/k", NULL, "key id AKIDENV from the environment");
	CHECK(has(said, "with a session token"));
	CHECK(getenv("AWS_SESSION_TOKEN") == NULL);
}

/* Keys and sizes refused before any request (the endpoint is a port
 * nothing listens on: a request would be a network error). */
static const struct cti_net_opts *
nowhere(void)
{
	static struct cti_net_opts o = CTI_NET_OPTS_INIT;

	o.endpoint = "https://127.0.0.1:1";
	o.retries = 0;
	setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	return &o;
}

/* A GET of url is refused as usage, the message saying why. */
static void
refused_key(const char *url, const char *why)
{
	struct cti_net_result res = { 0 };
	struct cti_net_get g = { 0 };
	cti_net *n = NULL;

	CHECK(open_s3(&n, url, nowhere()) == CTI_OK);
	CHECK(cti_net_get(&res, n, &g) == CTI_EUSAGE);
	CHECK(has(cti_errmsg(), why));
	cti_net_result_clear(&res);
	cti_net_free(n);
}

static void
test_refused(void)
{
	struct cti_net_result res = { 0 };
	struct cti_net_get g = { 0 };
	struct cti_net_put p = { 0 };
	cti_net *n = NULL;
	char url[1100];

	clear_env();
	refused_key("s3://cti-test/a/../b", "a key with a \".\" or \"..\" segment");
	refused_key("s3://cti-test/a\tb", "a control character in the key");
	memset(url, 'k', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "s3://cti-test/", 14);
	refused_key(url, "a key longer than 1024 bytes");
	/* a collection needs a name; one with it goes to the network */
	CHECK(open_s3(&n, "s3://cti-test/out/", nowhere()) == CTI_OK);
	CHECK(cti_net_get(&res, n, &g) == CTI_EINVAL);
	g.name = "f.cti";
	CHECK(cti_net_get(&res, n, &g) == CTI_ENET);
	CHECK(has(cti_errmsg(), "s3://cti-test/out/f.cti: "));
	cti_net_result_clear(&res);
	/* over 5 GiB: refused before a byte goes */
	p.name = "big.cti";
	p.size = (UINT64_C(5) << 30) + 1;
	p.read = (long (*)(void *, void *, size_t, uint64_t))1;
	CHECK(cti_net_put(&res, n, &p) == CTI_ELIMIT);
	CHECK(has(cti_errmsg(), "s3://cti-test/out/big.cti: 5368709121 bytes: "
				"one PutObject takes at most 5 GiB"));
	CHECK(res.attempts == 1);
	p.size = 10;
	p.method = "POST";
	CHECK(cti_net_put(&res, n, &p) == CTI_EUSAGE);
	cti_net_result_clear(&res);
	cti_net_free(n);
}

int
main(void)
{
	char aws[80];

	snprintf(dir, sizeof(dir), "%s/cti-s3-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir) || chdir(dir) < 0)
		return 2;
	snprintf(aws, sizeof(aws), "%s/.aws", dir);
	mkdir(aws, 0700);
	test_xml();
	test_names();
	test_region();
	test_credentials();
	test_refused();
	unlink(".aws/credentials");
	unlink(".aws/config");
	unlink("creds");
	rmdir(aws);
	chdir("/");
	rmdir(dir);
	return UNIT_DONE();
}
