/*
 * s3.c - the s3:// backend: objects of an S3 bucket (AWS, or any service
 * that speaks S3: MinIO, Ceph, ...) as files, on https.c's exchanges,
 * each one signed with AWS Signature Version 4 (sigv4.c) just before it
 * goes out. GetObject (conditional, ranged) and HeadObject for pull,
 * PutObject for push; the XML error documents of S3 (s3xml.c) are read
 * into the messages.
 *
 * Addressing:
 *   s3://BUCKET/KEY     the object KEY, its bytes as written (no
 *                       percent-decoding, as the AWS tools take it)
 *   s3://BUCKET/PREFIX/ a collection: names are appended to the key
 * Endpoint, region and credentials are found as cti.h says: the options,
 * the AWS environment variables, the AWS shared files.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

/* Longest key S3 takes (bytes of UTF-8). */
#define KEY_MAX 1024
/* Largest object one PutObject takes: 5 GiB. */
#define PUT_MAX (UINT64_C(5) << 30)
/* Largest AWS credentials or config file read. */
#define INI_MAX (1u << 20)
/* Longest access key id, secret key and session token taken. */
#define KEY_ID_MAX 128
#define SECRET_MAX 1024
#define TOKEN_MAX 4096
/* The headers of one request, in memory that is wiped: the session token
 * and the signature are among them. */
#define ARENA_SIZE (3 * TOKEN_MAX)
#define HDRS_MAX 16

struct s3 {
	struct cti__https *s;
	char *bucket;
	char *origin;		/* "https://HOST[:PORT]" requests go to */
	char *host;		/* the Host header: the origin's, or
				   BUCKET.HOST (virtual-hosted style) */
	int vhost;		/* virtual-hosted: the path is the key */
	int hash_body;		/* http://: a body is signed, not only TLS's */
	char region[64];
	char key_id[KEY_ID_MAX];
	char *secret;		/* sodium_malloc'd */
	char *token;		/* sodium_malloc'd, or NULL */
	struct cti__sigv4_key *skey; /* sodium_malloc'd */
	char *arena;		/* sodium_malloc'd: the headers being sent */
	const char *hdrs[HDRS_MAX + 1];
	struct cti__buf err;	/* an error answer's body */
	/* of the last answer */
	char reason[CTI__REASON_MAX + 1];
	char bucket_region[64];	/* x-amz-bucket-region, or "" */
};

static struct s3 *
priv(cti_net *n)
{
	return n->priv;
}

/* ------------------------------------------------------------ names */

/* 3 to 63 of [a-z0-9.-]: what every S3 service takes as a bucket name. */
static int
bucket_ok(const char *b, size_t n)
{
	if (n < 3 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') ||
		      (b[i] >= '0' && b[i] <= '9') || b[i] == '.' ||
		      b[i] == '-'))
			return 0;
	return 1;
}

/* Whether the bucket can be the first label of a host name. */
static int
dns_safe(const char *b)
{
	size_t n = strlen(b);

	return !strchr(b, '.') && b[0] != '-' && b[n - 1] != '-';
}

/* A region: [a-z0-9-], as it goes into a host name and the scope. */
static int
region_ok(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n > 63)
		return 0;
	return strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* The key of target "s3://BUCKET/KEY" checked: not empty, at most
 * KEY_MAX bytes, no control character, no "." or ".." segment (a URL
 * path loses them on the way). */
static int
key_of(const char **key, const struct s3 *p, const char *target)
{
	const char *k = target + 5 + strlen(p->bucket);
	size_t n;

	*key = NULL;
	if (*k == '/')
		k++;
	n = strlen(k);
	if (n == 0)
		return cti__seterr(CTI_EUSAGE, "%s: no key: name an object",
				   target);
	if (n > KEY_MAX)
		return cti__seterr(CTI_EUSAGE, "s3://%s/%.20s...: a key "
				   "longer than %d bytes", p->bucket, k,
				   KEY_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
			return cti__seterr(CTI_EUSAGE, "s3://%s/...: a control "
					   "character in the key", p->bucket);
	for (const char *s = k; *s;) {
		size_t len = strcspn(s, "/");

		if ((len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return cti__seterr(CTI_EUSAGE, "%s: a key with a \".\" "
					   "or \"..\" segment", target);
		s += len + (s[len] == '/');
	}
	*key = k;
	return CTI_OK;
}

/* The URL of the object a target names. malloc'd. */
static int
object_url(char **out, const struct s3 *p, const char *target)
{
	struct cti__buf b = { 0 };
	const char *key;
	int rc;

	*out = NULL;
	if ((rc = key_of(&key, p, target)))
		return rc;
	if (cti__buf_puts(&b, p->origin) ||
	    (!p->vhost && cti__buf_printf(&b, "/%s", p->bucket)) ||
	    cti__buf_putc(&b, '/') ||
	    cti__sigv4_encode(&b, key, strlen(key), 1)) {
		cti__buf_free(&b);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	*out = b.p;
	return CTI_OK;
}

/* ------------------------------------------------------------ AWS files */

/* "~/..." with HOME; anything else as it is. malloc'd, or NULL. */
static char *
expand(const char *path)
{
	const char *home = getenv("HOME");
	char *s;

	if (strncmp(path, "~/", 2) != 0)
		return strdup(path);
	if (!home || !*home)
		return NULL;
	if ((s = malloc(strlen(home) + strlen(path))))
		sprintf(s, "%s%s", home, path + 1);
	return s;
}

/* The file named by the environment variable var, else ~/.aws/NAME.
 * malloc'd; NULL without HOME (or out of memory). */
static char *
aws_file(const char *var, const char *name)
{
	const char *v = getenv(var);
	char buf[32];

	if (v && *v)
		return expand(v);
	snprintf(buf, sizeof(buf), "~/.aws/%s", name);
	return expand(buf);
}

/* The file at path into sodium_malloc() memory (it may hold secrets):
 * CTI_OK with *out NULL when there is no such file; a device is empty. */
static int
read_file(char **out, size_t *len, struct stat *st, const char *path)
{
	ssize_t got;
	int fd, e;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return CTI_OK;
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	}
	/* a device (/dev/null) holds nothing */
	if (fstat(fd, st) == 0 && S_ISCHR(st->st_mode)) {
		close(fd);
		st->st_mode &= ~(mode_t)077;
		if (!(*out = sodium_malloc(1)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		(*out)[0] = '\0';
		return CTI_OK;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    st->st_size > INI_MAX) {
		e = errno;
		close(fd);
		if (S_ISREG(st->st_mode) && st->st_size > INI_MAX)
			return cti__seterr(CTI_ELIMIT, "%s: larger than %u "
					   "bytes", path, INI_MAX);
		return S_ISREG(st->st_mode) ?
			       cti__seterrno(CTI_EIO, e, "%s", path) :
			       cti__seterr(CTI_EIO, "%s: not a file", path);
	}
	if (!(*out = sodium_malloc((size_t)st->st_size + 1))) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	got = cti__read_full(fd, *out, (size_t)st->st_size);
	e = errno;
	close(fd);
	if (got < 0) {
		sodium_free(*out);
		*out = NULL;
		return cti__seterrno(CTI_EIO, e, "%s", path);
	}
	(*out)[got] = '\0';
	*len = (size_t)got;
	return CTI_OK;
}

/* Whether s[0..n) equals z. */
static int
equals(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && memcmp(s, z, n) == 0;
}

/* Whether the section header "[s]" (s[0..n) trimmed) is the profile's:
 * "[NAME]" in the credentials file; "[profile NAME]" in the config file,
 * or "[default]" for the default profile. */
static int
section_is(const char *s, size_t n, const char *profile, int config)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!config || equals(s, n, "default"))
		return equals(s, n, profile);
	if (n < 8 || memcmp(s, "profile", 7) != 0 ||
	    (s[7] != ' ' && s[7] != '\t'))
		return 0;
	s += 7;
	n -= 7;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	return equals(s, n, profile);
}

/*
 * The value of key in the profile's section of the INI text t[0..n):
 * "key = value" lines (keys without case); '#' and ';' start a comment
 * line; indented lines belong to a nested block, not to the section.
 * Returns 1 with *v and *vlen set, 0 when it is not there; *found (may be
 * NULL) tells whether the section is.
 */
static int
ini_get(const char **v, size_t *vlen, int *found, const char *t, size_t n,
	const char *profile, int config, const char *key)
{
	const char *line, *eq;
	size_t len, pos = 0, k = strlen(key);
	int in = 0;

	while (cti__text_line(&line, &len, t, n, &pos)) {
		if (len == 0 || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			const char *end = memchr(line, ']', len);

			in = end && section_is(line + 1, (size_t)(end - line - 1),
					       profile, config);
			if (in && found)
				*found = 1;
			continue;
		}
		if (!in || line[0] == ' ' || line[0] == '\t' ||
		    !(eq = memchr(line, '=', len)))
			continue;
		{
			size_t kl = (size_t)(eq - line);

			while (kl && (line[kl - 1] == ' ' || line[kl - 1] == '\t'))
				kl--;
			if (kl != k || strncasecmp(line, key, k) != 0)
				continue;
		}
		*v = eq + 1;
		*vlen = len - (size_t)(eq + 1 - line);
		while (*vlen && (**v == ' ' || **v == '\t')) {
			(*v)++;
			(*vlen)--;
		}
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ setup */

/* A printable value of at most max - 1 bytes into out; what says what it
 * is for the message. */
static int
take(char *out, size_t max, const char *v, size_t n, const char *what)
{
	if (n == 0 || n >= max)
		return cti__seterr(CTI_EUSAGE, "%s: %s", what,
				   n ? "too long" : "empty");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x21 || v[i] == 0x7f)
			return cti__seterr(CTI_EUSAGE, "%s: a blank or a "
					   "control character", what);
	memcpy(out, v, n);
	out[n] = '\0';
	return CTI_OK;
}

/* As take(), into sodium_malloc() memory. */
static int
take_secret(char **out, size_t max, const char *v, size_t n,
	    const char *what)
{
	int rc;

	if (!(*out = sodium_malloc(max)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = take(*out, max, v, n, what))) {
		sodium_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The region: the option, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * in the config file, us-east-1. */
static int
find_region(cti_net *n, struct s3 *p, const char *profile, const char **from)
{
	const char *v = n->opts.region, *val;
	char *path = NULL, *text = NULL;
	struct stat st;
	size_t len, vlen;
	int rc = CTI_OK;

	*from = "";
	if (!v) {
		if ((v = getenv("AWS_REGION")) && *v)
			*from = " (AWS_REGION)";
		else if ((v = getenv("AWS_DEFAULT_REGION")) && *v)
			*from = " (AWS_DEFAULT_REGION)";
		else
			v = NULL;
	}
	if (v) {
		snprintf(p->region, sizeof(p->region), "%s", v);
		if (strlen(v) >= sizeof(p->region) || !region_ok(p->region))
			return cti__seterr(CTI_EUSAGE, "region '%s': want "
					   "letters, digits and '-', such as "
					   "eu-central-1", v);
		return CTI_OK;
	}
	strcpy(p->region, "us-east-1");
	if (!(path = aws_file("AWS_CONFIG_FILE", "config")))
		return CTI_OK;
	if ((rc = read_file(&text, &len, &st, path)) == CTI_OK && text &&
	    ini_get(&val, &vlen, NULL, text, len, profile, 1, "region")) {
		rc = take(p->region, sizeof(p->region), val, vlen, path);
		if (rc == CTI_OK && !region_ok(p->region))
			rc = cti__seterr(CTI_EUSAGE, "%s: profile %s: region "
					 "'%s': want letters, digits and '-'",
					 path, profile, p->region);
		*from = " (the AWS config file)";
	}
	if (text)
		sodium_free(text);
	free(path);
	return rc;
}

/* The endpoint: the option, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS
 * (virtual-hosted when the bucket name is a DNS label). */
static int
find_endpoint(cti_net *n, struct s3 *p)
{
	const char *e = n->opts.endpoint, *q, *slash;
	struct cti__url u;
	int rc, dflt;

	if (!e && (e = getenv("AWS_ENDPOINT_URL_S3")) && !*e)
		e = NULL;
	if (!e && (e = getenv("AWS_ENDPOINT_URL")) && !*e)
		e = NULL;
	if (!e) {
		size_t k = strlen(p->bucket) + strlen(p->region) + 32;

		p->vhost = dns_safe(p->bucket);
		if (!(p->origin = malloc(k + 8)) || !(p->host = malloc(k)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		sprintf(p->host, "%s%ss3.%s.amazonaws.com",
			p->vhost ? p->bucket : "", p->vhost ? "." : "",
			p->region);
		sprintf(p->origin, "https://%s", p->host);
		return CTI_OK;
	}
	/* scheme://host[:port], nothing more: the path is the bucket's */
	q = strstr(e, "://");
	if (!q || strpbrk(q + 3, "?#") ||
	    ((slash = strchr(q + 3, '/')) && slash[1] != '\0'))
		return cti__seterr(CTI_EUSAGE, "endpoint %s: want "
				   "https://HOST[:PORT], no path", e);
	if ((rc = cti__url_parse(&u, e)))
		return cti__preferr(rc, "endpoint %s", e);
	if (u.has_userinfo ||
	    (strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "http") != 0)) {
		rc = cti__seterr(CTI_EUSAGE, "endpoint %s: want "
				 "https://HOST[:PORT]", e);
		cti__url_free(&u);
		return rc;
	}
	dflt = strcmp(u.port, strcmp(u.scheme, "https") == 0 ? "443" : "80") ==
	       0;
	p->origin = malloc(strlen(u.scheme) + strlen(u.host) + strlen(u.port) +
			   8);
	p->host = malloc(strlen(u.host) + strlen(u.port) + 2);
	if (p->origin && p->host) {
		sprintf(p->host, "%s%s%s", u.host, dflt ? "" : ":",
			dflt ? "" : u.port);
		sprintf(p->origin, "%s://%s", u.scheme, p->host);
	}
	cti__url_free(&u);
	if (!p->origin || !p->host)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	p->vhost = 0;
	return CTI_OK;
}

/*
 * The credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
 * AWS_SESSION_TOKEN) when opts.env_secrets, else those of the profile in
 * the shared credentials file. *from says which, for -v.
 */
static int
find_credentials(cti_net *n, struct s3 *p, const char *profile,
		 int named, struct cti__buf *from)
{
	const char *id = n->opts.env_secrets ? getenv("AWS_ACCESS_KEY_ID") : NULL;
	const char *v;
	char *path = NULL, *text = NULL, *secret = NULL;
	struct stat st;
	size_t len, vlen;
	int rc, found = 0;

	if (id && !*id)
		id = NULL;
	if (n->opts.env_secrets && getenv("AWS_SECRET_ACCESS_KEY") &&
	    *getenv("AWS_SECRET_ACCESS_KEY")) {
		if (!id)
			return cti__seterr(CTI_EUSAGE, "AWS_SECRET_ACCESS_KEY "
					   "without AWS_ACCESS_KEY_ID");
		if ((rc = cti__net_secret_env(&secret, "AWS_SECRET_ACCESS_KEY")))
			return rc;
		rc = take_secret(&p->secret, SECRET_MAX, secret,
				 strlen(secret), "AWS_SECRET_ACCESS_KEY");
		sodium_free(secret);
		if (rc == CTI_OK)
			rc = take(p->key_id, sizeof(p->key_id), id, strlen(id),
				  "AWS_ACCESS_KEY_ID");
		if (rc == CTI_OK)
			rc = cti__net_secret_env(&secret, "AWS_SESSION_TOKEN");
		if (rc == CTI_OK && secret) {
			rc = take_secret(&p->token, TOKEN_MAX, secret,
					 strlen(secret), "AWS_SESSION_TOKEN");
			sodium_free(secret);
		}
		if (rc == CTI_OK &&
		    cti__buf_puts(from, "the environment (AWS_ACCESS_KEY_ID)"))
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
		return rc;
	}
	if (id)
		return cti__seterr(CTI_EUSAGE, "AWS_ACCESS_KEY_ID without "
				   "AWS_SECRET_ACCESS_KEY");
	if (!(path = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")))
		return cti__seterr(CTI_EUSAGE, "no AWS credentials: neither "
				   "AWS_ACCESS_KEY_ID nor HOME is set");
	if ((rc = read_file(&text, &len, &st, path)))
		goto out;
	if (text && ini_get(&v, &vlen, &found, text, len, profile, 0,
			    "aws_access_key_id")) {
		rc = take(p->key_id, sizeof(p->key_id), v, vlen, path);
		if (rc == CTI_OK &&
		    !ini_get(&v, &vlen, NULL, text, len, profile, 0,
			     "aws_secret_access_key"))
			rc = cti__seterr(CTI_EUSAGE, "%s: profile %s: "
					 "aws_access_key_id without "
					 "aws_secret_access_key", path,
					 profile);
		if (rc == CTI_OK)
			rc = take_secret(&p->secret, SECRET_MAX, v, vlen, path);
		if (rc == CTI_OK && ini_get(&v, &vlen, NULL, text, len,
					    profile, 0, "aws_session_token"))
			rc = take_secret(&p->token, TOKEN_MAX, v, vlen, path);
		if (rc == CTI_OK && (st.st_mode & 077))
			cti__net_warn(n, "%s: readable by others than its "
				      "owner (mode %03o): it holds a secret "
				      "key", path, (unsigned)st.st_mode & 0777);
		if (rc == CTI_OK &&
		    cti__buf_printf(from, "profile %s of %s", profile, path))
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	if (named && !found)
		rc = cti__seterr(CTI_EUSAGE, "AWS_PROFILE %s: no such profile "
				 "in %s", profile, path);
	else
		rc = cti__seterr(CTI_EUSAGE, "no AWS credentials: %s, and %s "
				 "%s%s", n->opts.env_secrets ?
				 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
				 "are not set" :
				 "the environment is not consulted",
				 path, !text ? "does not exist" :
				 found ? "has no aws_access_key_id in "
					 "profile " :
					 "has no profile ",
				 text ? profile : "");
out:
	if (text)
		sodium_free(text);
	free(path);
	return rc;
}

/* ------------------------------------------------------------ signing */

/* Print into the arena; NULL when it is full. */
static const char *
arena_put(struct s3 *p, size_t *used, const char *fmt, ...) CTI_PRINTF(3, 4);

static const char *
arena_put(struct s3 *p, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(p->arena + *used, ARENA_SIZE - *used, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= ARENA_SIZE - *used)
		return NULL;
	*used += (size_t)k + 1;
	return p->arena + *used - (size_t)k - 1;
}

/* The SHA-256 of the body x sends (http://: S3 wants it signed). */
static int
body_hash(char hex[65], const struct cti__xfer *x)
{
	crypto_hash_sha256_state st;
	unsigned char h[32], *buf;
	uint64_t off = 0;

	if (!(buf = malloc(CTI_IOBUF)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	crypto_hash_sha256_init(&st);
	while (off < x->size) {
		size_t want = x->size - off < CTI_IOBUF ?
				      (size_t)(x->size - off) :
				      CTI_IOBUF;
		long got = x->source(x->ctx, buf, want, off);

		if (got < 0) {
			free(buf);
			return (int)got;
		}
		if (got == 0) {
			free(buf);
			return cti__seterr(CTI_EIO, "%s: the file to send "
					   "shrank while it was read",
					   x->display);
		}
		crypto_hash_sha256_update(&st, buf, (size_t)got);
		off += (uint64_t)got;
	}
	free(buf);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, 32);
	return CTI_OK;
}

/* https.c's hook before every exchange: the headers it sends (those of
 * the request, Host, x-amz-date, x-amz-content-sha256, the session token,
 * Range), all signed, and the Authorization header that signs them. */
static int
s3_prepare(void *ctx, const struct cti__xfer *x, const char *const **out)
{
	struct s3 *p = ctx;
	struct cti__sigv4_hdr h[HDRS_MAX];
	struct cti__sigv4 r = { 0 };
	char amz[17], hash[65], path[3 * KEY_MAX + 128];
	const char *q, *auth;
	size_t nh = 0, used = 0, k = 0, plen;
	int rc;

	p->reason[0] = p->bucket_region[0] = '\0';
	sodium_memzero(p->arena, ARENA_SIZE);
	for (const char *const *hp = x->headers; hp && *hp; hp++) {
		const char *colon = strchr(*hp, ':');

		if (!colon || nh == HDRS_MAX - 6)
			return cti__seterr(CTI_EINVAL, "a header cti cannot "
					   "sign");
		h[nh].name = arena_put(p, &used, "%.*s", (int)(colon - *hp),
				       *hp);
		h[nh].value = arena_put(p, &used, "%s", colon + 1 +
					strspn(colon + 1, " \t"));
		if (!h[nh].name || !h[nh].value)
			goto full;
		nh++;
	}
	if (x->range_from > 0 && strcmp(x->method, "GET") == 0) {
		h[nh].name = "Range";
		if (!(h[nh++].value = arena_put(p, &used, "bytes=%llu-",
				(unsigned long long)x->range_from)))
			goto full;
	}
	if (!x->source)
		strcpy(hash, CTI__SHA256_EMPTY);
	else if (!p->hash_body)
		strcpy(hash, CTI__UNSIGNED_PAYLOAD);
	else if ((rc = body_hash(hash, x)))
		return rc;
	r.time = (int64_t)time(NULL);
	cti__sigv4_time(amz, r.time);
	h[nh].name = "Host";
	h[nh++].value = p->host;
	h[nh].name = "x-amz-date";
	h[nh++].value = amz;
	h[nh].name = "x-amz-content-sha256";
	h[nh++].value = hash;
	if (p->token) {
		h[nh].name = "x-amz-security-token";
		h[nh++].value = p->token;
	}
	/* the path as sent: our URLs are origin + path, no query */
	q = strstr(x->url, "://");
	q = q ? q + 3 + strcspn(q + 3, "/") : x->url;
	plen = strcspn(q, "?#");
	if (plen == 0 || plen >= sizeof(path))
		return cti__seterr(CTI_EINVAL, "%s: no path to sign", x->display);
	memcpy(path, q, plen);
	path[plen] = '\0';
	r.method = x->method;
	r.path = path;
	r.query = q[plen] == '?' ? q + plen + 1 : NULL;
	r.hdrs = h;
	r.nhdrs = nh;
	r.payload_hash = hash;
	r.region = p->region;
	r.service = "s3";
	r.key_id = p->key_id;
	r.secret = p->secret;
	{
		char *a = p->arena + used;
		size_t room = ARENA_SIZE - used;

		if (room < 512 || cti__sigv4_sign(a + 15, room - 15, p->skey,
						  &r))
			return cti__seterr(CTI_EINVAL, "%s: the request cannot "
					   "be signed", x->display);
		memcpy(a, "Authorization: ", 15);
		auth = a;
		used += strlen(a) + 1;
	}
	for (size_t i = 0; i < nh; i++)
		if (!(p->hdrs[k++] = arena_put(p, &used, "%s: %s", h[i].name,
					       h[i].value)))
			goto full;
	p->hdrs[k++] = auth;
	p->hdrs[k] = NULL;
	*out = p->hdrs;
	return CTI_OK;
full:
	return cti__seterr(CTI_ELIMIT, "%s: headers too long to sign",
			   x->display);
}

/* https.c's hook for every line of a response head. */
static void
s3_header(void *ctx, const char *line, size_t len)
{
	struct s3 *p = ctx;
	static const char br[] = "x-amz-bucket-region:";
	long st;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		p->bucket_region[0] = '\0';
		if (cti__http_status_line(&st, p->reason, sizeof(p->reason),
					  line, len) < 0)
			p->reason[0] = '\0';
		return;
	}
	if (len > sizeof(br) - 1 && strncasecmp(line, br, sizeof(br) - 1) == 0) {
		const char *v = line + sizeof(br) - 1;
		size_t n = len - (sizeof(br) - 1), o = 0;

		while (n && (*v == ' ' || *v == '\t')) {
			v++;
			n--;
		}
		for (; n && o + 1 < sizeof(p->bucket_region) &&
		       strchr("abcdefghijklmnopqrstuvwxyz0123456789-", *v) &&
		       *v; v++, n--)
			p->bucket_region[o++] = *v;
		p->bucket_region[o] = '\0';
	}
}

/* ------------------------------------------------------------ backend */

static int
s3_open(cti_net *n)
{
	struct s3 *p;
	const char *b = n->url + 5, *profile, *rfrom;
	struct cti__buf from = { 0 };
	struct cti__https_hooks hooks = { 0 };
	size_t blen = strcspn(b, "/");
	int rc, named;

	if (!(p = calloc(1, sizeof(*p))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	n->priv = p;
	if (!bucket_ok(b, blen))
		return cti__seterr(CTI_EUSAGE, "%s: not a bucket name: want 3 "
				   "to 63 of a-z, 0-9, '.' and '-'", n->url);
	if (!(p->bucket = strndup(b, blen)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	/* s3://BUCKET, s3://BUCKET/ and s3://BUCKET/PREFIX/ take names */
	n->is_dir = b[blen] == '\0' || n->url[strlen(n->url) - 1] == '/';
	if (n->opts.user || n->opts.password_file || n->opts.token_file)
		return cti__seterr(CTI_EUSAGE, "%s: S3 takes AWS credentials, "
				   "not a user, password or token", n->url);
	/* no ~/.netrc, and no redirect: a signed request goes nowhere but
	   where it was signed for */
	n->opts.netrc = 0;
	n->opts.netrc_file = NULL;
	n->opts.max_redirects = 0;
	profile = getenv("AWS_PROFILE");
	named = profile && *profile;
	if (!named)
		profile = "default";
	else if (strpbrk(profile, "[]\r\n"))
		return cti__seterr(CTI_EUSAGE, "AWS_PROFILE: not a profile "
				   "name");
	if ((rc = find_region(n, p, profile, &rfrom)) ||
	    (rc = find_endpoint(n, p)))
		return rc;
	if ((rc = cti__https_new(&p->s, n, p->origin)))
		return rc;
	p->hash_body = n->is_http;
	if (!(p->skey = sodium_malloc(sizeof(*p->skey))) ||
	    !(p->arena = sodium_malloc(ARENA_SIZE)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memset(p->skey, 0, sizeof(*p->skey));
	if ((rc = find_credentials(n, p, profile, named, &from))) {
		cti__buf_free(&from);
		return cti__preferr(rc, "%s", n->url);
	}
	cti__net_info(n, "%s: endpoint %s, %s style, region %s%s; key id %s "
		      "from %s%s", n->url, p->origin,
		      p->vhost ? "virtual-hosted" : "path", p->region, rfrom,
		      p->key_id, from.p ? from.p : "",
		      p->token ? ", with a session token" : "");
	cti__buf_free(&from);
	hooks.prepare = s3_prepare;
	hooks.header = s3_header;
	hooks.errbody = &p->err;
	hooks.errbody_max = CTI__S3_ERROR_MAX;
	hooks.ctx = p;
	cti__https_set_hooks(p->s, &hooks);
	return CTI_OK;
}

static void
s3_close(cti_net *n)
{
	struct s3 *p = n->priv;

	if (!p)
		return;
	cti__https_free(p->s);
	sodium_free(p->secret);
	sodium_free(p->token);
	sodium_free(p->skey);
	sodium_free(p->arena);
	cti__buf_free(&p->err);
	free(p->bucket);
	free(p->origin);
	free(p->host);
	free(p);
	n->priv = NULL;
}

/*
 * After an exchange: messages name the s3:// URL, with S3's own Code and
 * Message when it sent an error document, and say what can be said of a
 * wrong region or clock. S3's RequestTimeout (a 400: the connection was
 * idle too long) is worth another attempt; a redirect is never followed.
 */
static int
judge(struct s3 *p, int rc, const char *name, const char *url,
      struct cti_net_result *res, struct cti__try *t)
{
	struct cti__s3_error e;
	struct cti__buf m = { 0 };
	char *disp, when[32];
	const char *msg = cti_errmsg();
	size_t dl;
	int have;

	free(res->location);
	if (!(res->location = strdup(name)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (rc == CTI_OK)
		return rc;
	if (res->status < 300 || (rc != CTI_ENET && rc != CTI_EREMOTE)) {
		/* libcurl's or https.c's message, naming the URL sent to */
		if (!(disp = cti__url_display(url)))
			return rc;
		dl = strlen(disp);
		if (strncmp(msg, disp, dl) == 0 && msg[dl] == ':' &&
		    cti__buf_printf(&m, "%s%s", name, msg + dl) == 0)
			cti__seterr(rc, "%s", m.p);
		free(disp);
		cti__buf_free(&m);
		return rc;
	}
	have = cti__s3_error_parse(&e, p->err.p, p->err.len) == 0;
	if (res->status < 400) {
		rc = CTI_EREMOTE;
		t->retry = 0;
	}
	if (have && strcmp(e.code, "RequestTimeout") == 0) {
		rc = CTI_ENET;
		t->retry = 1;
	}
	cti__buf_printf(&m, "%s: %ld%s%s", name, res->status,
			p->reason[0] ? " " : "", p->reason);
	if (have)
		cti__buf_printf(&m, ": %s%s%s", e.code, e.message[0] ? ": " : "",
				e.message);
	if (have && strcmp(e.code, "RequestTimeTooSkewed") == 0) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cti__buf_printf(&m, " (the local clock is off: it says %s)",
				when);
	} else if (p->bucket_region[0] &&
		   strcmp(p->bucket_region, p->region) != 0) {
		cti__buf_printf(&m, " (the bucket is in region %s, not %s)",
				p->bucket_region, p->region);
	}
	rc = m.p ? cti__seterr(rc, "%s", m.p) :
		   cti__seterr(CTI_ENOMEM, "out of memory");
	cti__buf_free(&m);
	return rc;
}

static int
s3_get(cti_net *n, const struct cti__get *g, struct cti_net_result *res,
       struct cti__try *t)
{
	struct s3 *p = priv(n);
	struct cti__get og = *g;
	struct cti_net_get req;
	char *url;
	int rc;

	if ((rc = object_url(&url, p, g->target)))
		return rc;
	og.target = url;
	/* the ETag decides: some S3 services weigh If-Modified-Since even
	   beside If-None-Match, and would call an object replaced within
	   the same second unchanged */
	if (g->req && g->req->if_none_match && g->req->if_none_match[0] &&
	    g->req->if_modified_since > 0) {
		req = *g->req;
		req.if_modified_since = 0;
		og.req = &req;
	}
	rc = cti__https_get(p->s, n, &og, res, t);
	rc = judge(p, rc, g->target, url, res, t);
	free(url);
	return rc;
}

static int
s3_put(cti_net *n, const struct cti__put *put, struct cti_net_result *res,
       struct cti__try *t)
{
	struct s3 *p = priv(n);
	char *url;
	int rc;

	t->retry = 0;
	if (put->req->method && strcmp(put->req->method, "PUT") != 0)
		return cti__seterr(CTI_EUSAGE, "%s: S3 objects are written "
				   "with PUT only", put->target);
	if (put->req->size > PUT_MAX)
		return cti__seterr(CTI_ELIMIT, "%s: %llu bytes: one PutObject "
				   "takes at most 5 GiB (%llu bytes)",
				   put->target,
				   (unsigned long long)put->req->size,
				   (unsigned long long)PUT_MAX);
	if ((rc = object_url(&url, p, put->target)))
		return rc;
	rc = cti__https_put(p->s, n, url, put->req, res, t);
	rc = judge(p, rc, put->target, url, res, t);
	free(url);
	return rc;
}

static const struct cti__backend backend = {
	.name = "s3",
	.open = s3_open,
	.get = s3_get,
	.put = s3_put,
	.close = s3_close,
};

const struct cti__backend *
cti__backend_s3(void)
{
	return &backend;
}
