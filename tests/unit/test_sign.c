/*
 * test_sign.c - unit tests for the parts of the trust code that the shell
 * tests reach only indirectly: trusted comment fields, gzip header corner
 * cases, signature round trips, keyring names, the state (locks, replay),
 * and the staged verifier fed in pieces of every size.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "trust.h"
#include "unit.h"

static void
test_tc(void)
{
	struct cti__tc t;
	int bad;

	cti__tc_parse(&t, "timestamp:1795000000\tfile:a.gz\thashed\tfeed:f-1"
			 "\tseq:42\texpires:1796000000", &bad);
	CHECK(!bad);
	CHECK(t.timestamp == 1795000000 && t.seq == 42 &&
	      t.expires == 1796000000 && t.hashed);
	CHECK_STR(t.file, "a.gz");
	CHECK_STR(t.feed, "f-1");
	cti__tc_parse(&t, "timestamp:1\tfile:x", &bad);
	CHECK(!bad && t.seq == -1 && t.expires == 0 && t.feed == NULL);
	cti__tc_parse(&t, "hello from minisign", &bad);
	CHECK(!bad && t.timestamp == -1);
	cti__tc_parse(&t, "timestamp:1\tunknown:x\tfuture", &bad);
	CHECK(!bad && t.timestamp == 1);
	/* repeated or malformed known fields are refused, not guessed */
	cti__tc_parse(&t, "seq:1\tseq:2", &bad);
	CHECK(bad && t.seq == -1);
	cti__tc_parse(&t, "feed:a\tfeed:b", &bad);
	CHECK(bad && t.feed == NULL);
	cti__tc_parse(&t, "seq:-1", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "seq:1x", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "seq:99999999999999999999", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "expires:0", &bad);
	CHECK(bad);
	cti__tc_parse(&t, "timestamp:", &bad);
	CHECK(bad);
}

static void
test_feed(void)
{
	CHECK(cti__feed_ok("cert-xy.eu_1"));
	CHECK(!cti__feed_ok(""));
	CHECK(!cti__feed_ok(".."));
	CHECK(!cti__feed_ok(".hidden"));
	CHECK(!cti__feed_ok("a/b"));
	CHECK(!cti__feed_ok("a\tb"));
	CHECK(!cti__feed_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_gzhdr(void)
{
	static struct cti__gzhdr h;
	static unsigned char out[CTI_GZHDR_MAX];
	unsigned char base[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 'x' };
	unsigned char b[512];
	unsigned char rec[CTI_SIGREC_FIXED] = "ED12345678";
	long n;

	CHECK(cti__gzhdr_parse(&h, base, sizeof(base), "t") == CTI_OK);
	CHECK(h.len == 10 && h.nsig == 0);
	CHECK(cti__gzhdr_parse(&h, base, 9, "t") == CTI_EFORMAT);
	memcpy(b, base, 10);
	b[2] = 7;
	CHECK(cti__gzhdr_parse(&h, b, 10, "t") == CTI_EFORMAT);
	b[2] = 8;
	b[3] = 0x20;
	CHECK(cti__gzhdr_parse(&h, b, 10, "t") == CTI_EFORMAT);
	/* XLEN longer than the data; a subfield overrunning XLEN */
	b[3] = 0x04;
	b[10] = 8;
	b[11] = 0;
	CHECK(cti__gzhdr_parse(&h, b, 15, "t") == CTI_EFORMAT);
	memcpy(b + 12, "AP\x05\x00xxxx", 8);
	CHECK(cti__gzhdr_parse(&h, b, 20, "t") == CTI_EFORMAT);
	memcpy(b + 12, "AP\x04\x00xxxx", 8);
	CHECK(cti__gzhdr_parse(&h, b, 20, "t") == CTI_OK);
	CHECK(h.len == 20 && h.nsig == 0 && h.xlen == 8);
	/* add a signature: the other subfield stays first */
	n = cti__gzhdr_write(out, &h, b, rec, sizeof(rec), NULL, "t");
	CHECK(n == 20 + 4 + (long)sizeof(rec));
	CHECK(memcmp(out + 12, "AP\x04\x00xxxx", 8) == 0);
	CHECK(out[20] == 'C' && out[21] == 'S');
	CHECK(cti__gzhdr_parse(&h, out, (size_t)n, "t") == CTI_OK &&
	      h.nsig == 1);
	/* stripping gives back the original header */
	memcpy(b + 32, out, (size_t)n);
	n = cti__gzhdr_write(out, &h, b + 32, NULL, 0, NULL, "t");
	CHECK(n == 20 && memcmp(out, b, 20) == 0);
	/* FNAME without its NUL */
	memcpy(b, base, 10);
	b[3] = 0x08;
	memcpy(b + 10, "name", 4);
	CHECK(cti__gzhdr_parse(&h, b, 14, "t") == CTI_EFORMAT);
	b[14] = 0;
	CHECK(cti__gzhdr_parse(&h, b, 15, "t") == CTI_OK && h.len == 15);
}

static void
test_sig_text(void)
{
	static struct cti__sig s, s2;
	struct cti__buf b = { 0 };
	const char *bad[] = {
		"",
		"untrusted comment: x\n",
		"untrusted comment: x\nRWQ=\ntrusted comment: t\nAAAA\n",
		"comment: x\n",
	};
	size_t i;

	memcpy(s.alg, "ED", 2);
	memset(s.keynum, 0xab, sizeof(s.keynum));
	memset(s.sig, 1, sizeof(s.sig));
	memset(s.global, 2, sizeof(s.global));
	strcpy(s.comment, "timestamp:1\tfile:f\thashed");
	s.comment_len = strlen(s.comment);
	CHECK(cti__sig_to_text(&b, &s, "u") == CTI_OK);
	CHECK(cti__sig_from_text(&s2, b.p, b.len, "t") == CTI_OK);
	CHECK(memcmp(&s.sig, &s2.sig, sizeof(s.sig)) == 0 &&
	      memcmp(&s.global, &s2.global, sizeof(s.global)) == 0 &&
	      strcmp(s.comment, s2.comment) == 0);
	cti__buf_free(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cti__sig_from_text(&s2, bad[i], strlen(bad[i]), "t") ==
		      CTI_EFORMAT);
	/* a binary record with a newline in its comment is refused */
	{
		unsigned char rec[CTI_SIGREC_FIXED + 3];

		memset(rec, 0, sizeof(rec));
		memcpy(rec, "ED", 2);
		memcpy(rec + CTI_SIGREC_FIXED, "a\nb", 3);
		CHECK(cti__sig_from_binary(&s2, rec, sizeof(rec), "t") ==
		      CTI_EFORMAT);
		memcpy(rec, "XX", 2);
		CHECK(cti__sig_from_binary(&s2, rec, CTI_SIGREC_FIXED, "t") ==
		      CTI_EFORMAT);
		CHECK(cti__sig_from_binary(&s2, rec, CTI_SIGREC_FIXED - 1, "t") ==
		      CTI_EFORMAT);
	}
}

static void
test_keyring(void)
{
	cti_keyring *kr;
	char id[17];
	const char *one = "untrusted comment: minisign public key 1\n"
			  "RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0\n";
	const char *named = "untrusted comment: CERT-XY\n"
			    "RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0\n";

	CHECK_STR(cti_keyid_format(id, 0xA096FDA2DFD59EACull),
		  "A096FDA2DFD59EAC");
	CHECK(cti_keyring_new(&kr) == CTI_OK);
	CHECK(cti_keyring_add_mem(kr, one, strlen(one), "team") == CTI_OK);
	CHECK(cti_keyring_count(kr) == 1);
	CHECK_STR(cti_keyring_name(kr, 0xA096FDA2DFD59EACull), "team");
	/* the same key again is not added twice */
	CHECK(cti_keyring_add_mem(kr, named, strlen(named), "x") == CTI_OK);
	CHECK(cti_keyring_count(kr) == 1);
	CHECK(cti_keyring_name(kr, 1) == NULL);
	cti_keyring_free(kr);
	CHECK(cti_keyring_new(&kr) == CTI_OK);
	CHECK(cti_keyring_add_mem(kr, named, strlen(named), "x") == CTI_OK);
	CHECK_STR(cti_keyring_name(kr, 0xA096FDA2DFD59EACull), "CERT-XY");
	CHECK(cti_keyring_add_mem(kr, "junk\n", 5, "j") == CTI_EFORMAT);
	CHECK(cti_keyring_add_mem(kr, "", 0, "j") == CTI_EFORMAT);
	CHECK(cti_keyring_add_base64(kr, "RWSs", NULL) == CTI_EFORMAT);
	cti_keyring_free(kr);
	cti_keyring_free(NULL);
	cti_seckey_free(NULL);
	cti_verify_result_free(NULL);
}

static void
test_sig_text_blanks(void)
{
	static struct cti__sig s, s2;
	struct cti__buf b = { 0 };
	char *crlf;
	size_t i, j;

	memcpy(s.alg, "ED", 2);
	strcpy(s.comment, "release 42\t ");
	s.comment_len = strlen(s.comment);
	CHECK(cti__sig_to_text(&b, &s, "u") == CTI_OK);
	/* minisign keeps trailing blanks: only the line end goes */
	CHECK(cti__sig_from_text(&s2, b.p, b.len, "t") == CTI_OK);
	CHECK_STR(s2.comment, "release 42\t ");
	/* CRLF line ends */
	crlf = malloc(2 * b.len + 1);
	for (i = j = 0; i < b.len; i++) {
		if (b.p[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = b.p[i];
	}
	CHECK(cti__sig_from_text(&s2, crlf, j, "t") == CTI_OK);
	CHECK_STR(s2.comment, "release 42\t ");
	free(crlf);
	cti__buf_free(&b);
	/* a file name cannot add fields */
	CHECK(cti__tc_make(&s, "a\tfeed:x\nb", NULL, -1, 0, 5) == CTI_OK);
	CHECK_STR(s.comment, "timestamp:5\tfile:a?feed:x?b\thashed");
	CHECK(cti__tc_make(&s, "f", "feed", 3, 9, 5) == CTI_OK);
	CHECK_STR(s.comment, "timestamp:5\tfile:f\thashed\tfeed:feed\tseq:3"
			     "\texpires:9");
}

static void
test_listing(void)
{
	/* a gzip header whose extra field holds a 3-byte signature subfield */
	unsigned char h[] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 7, 0,
			      'C', 'S', 3, 0, 'E', 'D', 1 };
	struct cti_sig_info *info = (void *)1;
	uint64_t ids[4];
	size_t n = 99;

	CHECK(cti_signature_ids(&n, ids, 4, h, sizeof(h), "t") == CTI_EFORMAT);
	CHECK(n == 0 && strstr(cti_errmsg(), "too short") != NULL);
	CHECK(cti_signatures_read(&info, &n, h, sizeof(h), "t") ==
	      CTI_EFORMAT);
	CHECK(info == NULL && n == 0);
	/* not gzip: none */
	CHECK(cti_signatures_read(&info, &n, "{}", 2, "t") == CTI_OK &&
	      info == NULL && n == 0);
	cti_signatures_free(NULL);
}

static char tmpdir[] = "/tmp/cti-unit-XXXXXX";

static void
test_state(void)
{
	unsigned char h1[64], h2[64], got[64];
	char *p, buf[128];
	int64_t seq;
	int fd = -1, fd2 = -1, pfd[2];
	pid_t child;

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	CHECK(cti__replay_get(&seq, got, tmpdir, "f", 0x1234) == CTI_OK &&
	      seq == -1);
	CHECK(cti__replay_put(tmpdir, "f", 0x1234, 5, h1) == CTI_OK);
	CHECK(cti__replay_get(&seq, got, tmpdir, "f", 0x1234) == CTI_OK &&
	      seq == 5 && memcmp(got, h1, 64) == 0);
	/* never back */
	CHECK(cti__replay_put(tmpdir, "f", 0x1234, 3, h2) == CTI_OK);
	CHECK(cti__replay_get(&seq, got, tmpdir, "f", 0x1234) == CTI_OK &&
	      seq == 5 && memcmp(got, h1, 64) == 0);
	CHECK(cti__replay_put(tmpdir, "f", 0x1234, 7, h2) == CTI_OK);
	CHECK(cti__replay_get(&seq, got, tmpdir, "f", 0x1234) == CTI_OK &&
	      seq == 7 && memcmp(got, h2, 64) == 0);
	CHECK(cti__replay_get(&seq, got, tmpdir, "../x", 1) == CTI_EINVAL);
	p = cti__path_join(tmpdir, "accepted/f", "0000000000001234");
	CHECK(cti__state_write(p, "7 zz\n", 5) == CTI_OK);
	CHECK(cti__replay_get(&seq, got, tmpdir, "f", 0x1234) == CTI_EFORMAT);
	free(p);
	/* a lock names its holder */
	p = cti__path_join(tmpdir, "lock", NULL);
	CHECK(pipe(pfd) == 0);
	if ((child = fork()) == 0) {
		if (cti__lock_take(&fd, p, 0) == CTI_OK)
			(void)!write(pfd[1], "x", 1);
		pause();
		_exit(0);
	}
	CHECK(read(pfd[0], buf, 1) == 1);
	CHECK(cti__lock_take(&fd2, p, 0) == CTI_ELOCKED && fd2 == -1);
	snprintf(buf, sizeof(buf), "locked by another process (pid %ld)",
		 (long)child);
	CHECK(strstr(cti_errmsg(), buf) != NULL);
	CHECK(cti__lock_take(&fd2, p, 120) == CTI_ELOCKED);
	CHECK(strstr(cti_errmsg(), "for 1 s") != NULL);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	CHECK(cti__lock_take(&fd2, p, 0) == CTI_OK && fd2 >= 0);
	cti__lock_release(&fd2);
	cti__lock_release(&fd2);
	close(pfd[0]);
	close(pfd[1]);
	free(p);
	/* a FIFO is not a state file */
	p = cti__path_join(tmpdir, "fifo", NULL);
	CHECK(mkfifo(p, 0600) == 0);
	{
		char *text = NULL;

		CHECK(cti__state_read(&text, NULL, p, 64) == CTI_EIO &&
		      text == NULL);
		CHECK(strstr(cti_errmsg(), "not a regular file") != NULL);
	}
	free(p);
}

static int
verify_chunks(cti_verify_result **res, const unsigned char *data, size_t n,
	      size_t chunk, const struct cti_verify_opts *o)
{
	cti_verifier *v;
	size_t off;
	int rc;

	if ((rc = cti_verifier_new(&v, "t", o)))
		return rc;
	for (off = 0; off < n; off += chunk)
		if ((rc = cti_verifier_update(v, data + off,
					      n - off < chunk ? n - off : chunk)))
			break;
	if (rc == CTI_OK)
		rc = cti_verifier_finish(res, v);
	cti_verifier_free(v);
	return rc;
}

static void
test_verifier(void)
{
	static const size_t chunks[] = { 1, 7, 4096, 65536, 131087, 1 << 22 };
	struct cti_keygen_opts ko = { .unencrypted = 1 };
	struct cti_sign_opts so = { .feed = "f", .seq = 3 };
	struct cti_verify_opts vo = { 0 };
	struct cti_sign_result sr;
	cti_verify_result *res = NULL;
	cti_keyring *kr, *other;
	cti_seckey *sk;
	unsigned char *data;
	char *pub, *sec, *pub2, *sec2, *file, *state;
	size_t n = 300000, i;
	FILE *f;

	pub = cti__path_join(tmpdir, "k.pub", NULL);
	sec = cti__path_join(tmpdir, "k.key", NULL);
	pub2 = cti__path_join(tmpdir, "k2.pub", NULL);
	sec2 = cti__path_join(tmpdir, "k2.key", NULL);
	file = cti__path_join(tmpdir, "f.gz", NULL);
	state = cti__path_join(tmpdir, "state", NULL);
	CHECK(cti_keygen(NULL, pub, sec, &ko) == CTI_OK);
	CHECK(cti_keygen(NULL, pub2, sec2, &ko) == CTI_OK);
	CHECK(cti_seckey_load(&sk, sec, NULL, NULL) == CTI_OK);
	data = malloc(n + 16384);
	memcpy(data, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	for (i = 10; i < n; i++)
		data[i] = (unsigned char)(i * 7919 >> 3);
	f = fopen(file, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
	CHECK(cti_sign_file(&sr, sk, file, &so) == CTI_OK);
	CHECK(sr.seq == 3 && strcmp(sr.feed, "f") == 0 && sr.adopted == 0);
	f = fopen(file, "rb");
	n = fread(data, 1, n + 16384, f);
	fclose(f);
	cti_keyring_new(&kr);
	cti_keyring_new(&other);
	CHECK(cti_keyring_add(kr, pub) == CTI_OK);
	CHECK(cti_keyring_add(other, pub2) == CTI_OK);
	vo.keys = kr;
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		CHECK(verify_chunks(&res, data, n, chunks[i], &vo) == CTI_OK);
		CHECK(cti_verify_count(res) == 1 &&
		      cti_verify_signer(res, 0)->seq == 3);
		cti_verify_result_free(res);
		res = NULL;
	}
	/* tampered, truncated: refused whatever the pieces */
	data[n - 5] ^= 1;
	CHECK(verify_chunks(NULL, data, n, 7, &vo) == CTI_EBADSIG);
	data[n - 5] ^= 1;
	CHECK(verify_chunks(NULL, data, n - 1, 4096, &vo) == CTI_EBADSIG);
	CHECK(verify_chunks(NULL, data, 20, 3, &vo) == CTI_EFORMAT);
	/* only an unknown key: known from the head, before the end */
	vo.keys = other;
	{
		cti_verifier *v;

		CHECK(cti_verifier_new(&v, "t", &vo) == CTI_OK);
		CHECK(cti_verifier_update(v, data, CTI_GZHDR_MAX - 1) ==
		      CTI_OK);
		CHECK(cti_verifier_update(v, data + CTI_GZHDR_MAX - 1, 1) ==
		      CTI_EUNTRUSTED);
		/* and it stays failed */
		CHECK(cti_verifier_update(v, data, 1) == CTI_EUNTRUSTED);
		CHECK(cti_verifier_finish(NULL, v) == CTI_EUNTRUSTED);
		CHECK(cti_verifier_detached(v, "x", 1) == CTI_EINVAL);
		cti_verifier_free(v);
	}
	vo.keys = kr;
	/* the staged replay state: checked at finish, written at commit */
	vo.state_dir = state;
	vo.lock_wait = -1;
	CHECK(verify_chunks(&res, data, n, 65536, &vo) == CTI_OK);
	{
		int64_t seq;
		unsigned char h[64];
		cti_verify_result *r2 = NULL;

		CHECK(cti__replay_get(&seq, h, state, "f",
				      cti_seckey_id(sk)) == CTI_OK &&
		      seq == -1);
		/* the result holds the lock: another finish cannot check */
		CHECK(verify_chunks(&r2, data, n, 65536, &vo) == CTI_ELOCKED);
		CHECK(cti_verify_commit(res) == CTI_OK);
		CHECK(cti__replay_get(&seq, h, state, "f",
				      cti_seckey_id(sk)) == CTI_OK &&
		      seq == 3);
		CHECK(cti_verify_commit(res) == CTI_OK);
		CHECK(cti_verify_commit(NULL) == CTI_EINVAL);
		CHECK(verify_chunks(&r2, data, n, 65536, &vo) == CTI_OK);
		cti_verify_result_free(r2);
	}
	cti_verify_result_free(res);
	/* cti_verify_fd on the file */
	{
		int fd = open(file, O_RDONLY);

		CHECK(cti_verify_fd(&res, fd, "name", &vo) == CTI_OK);
		CHECK(cti_verify_count(res) == 1);
		cti_verify_result_free(res);
		close(fd);
	}
	/* co-signing from the library: the feed and seq are taken */
	{
		cti_seckey *sk2;
		struct cti_sign_opts co = { .seq = -1, .adopt = 1 };

		CHECK(cti_seckey_load(&sk2, sec2, NULL, NULL) == CTI_OK);
		CHECK(cti_sign_plan(&sr, file, &co) == CTI_OK);
		CHECK(sr.keyid == 0 && sr.seq == 3 &&
		      sr.adopted == (CTI_ADOPTED_FEED | CTI_ADOPTED_SEQ));
		CHECK(cti_sign_file(&sr, sk2, file, &co) == CTI_OK);
		CHECK(strcmp(sr.feed, "f") == 0 && sr.seq == 3);
		co.feed = "g";
		CHECK(cti_sign_plan(&sr, file, &co) == CTI_EUSAGE);
		co.feed = NULL;
		co.adopt = 0;
		co.expires = 1;
		CHECK(cti_sign_plan(&sr, file, &co) == CTI_EUSAGE);
		cti_seckey_free(sk2);
	}
	cti_keyring_free(kr);
	cti_keyring_free(other);
	cti_seckey_free(sk);
	free(data);
	free(pub);
	free(sec);
	free(pub2);
	free(sec2);
	free(file);
	free(state);
}

/* Put the id at p as a JSON string, quotes included. */
static void
put_id(char *p, const char *id)
{
	size_t n = strlen(id);

	p[0] = '"';
	memcpy(p + 1, id, n);
	p[n + 1] = '"';
}

/* buf[0..n) written to file, signed (detached) and verified: its TLP, or
 * -1 when that failed. */
static int
signed_tlp(cti_seckey *sk, const char *file, const char *buf, size_t n,
	   const struct cti_verify_opts *vo)
{
	struct cti_sign_opts so = { .seq = -1, .detached = 1 };
	cti_verify_result *res = NULL;
	FILE *f = fopen(file, "wb");
	int t = -1;

	if (!f)
		return -1;
	fwrite(buf, 1, n, f);
	fclose(f);
	if (cti_sign_file(NULL, sk, file, &so) == CTI_OK &&
	    cti_verify_file(&res, file, vo) == CTI_OK)
		t = (int)cti_verify_tlp(res);
	cti_verify_result_free(res);
	return t;
}

/* The TLP is found wherever its id falls, across the reads of the
 * payload too (they are CTI_IOBUF bytes); a definition's own id is not a
 * marking. */
static void
test_tlp(void)
{
	struct cti_keygen_opts ko = { .unencrypted = 1 };
	struct cti_sign_opts so = { .seq = -1, .detached = 1 };
	struct cti_verify_opts vo = { .tlp = 1 };
	cti_verify_result *res;
	cti_keyring *kr;
	cti_seckey *sk;
	char *pub, *sec, *file, *buf;
	const char *red = cti_tlp_id(CTI_TLP_RED);
	size_t n = 3 * CTI_IOBUF, at, bad = 0, len = strlen(red) + 2;
	FILE *f;

	pub = cti__path_join(tmpdir, "t.pub", NULL);
	sec = cti__path_join(tmpdir, "t.key", NULL);
	file = cti__path_join(tmpdir, "t.json", NULL);
	CHECK(cti_keygen(NULL, pub, sec, &ko) == CTI_OK);
	CHECK(cti_seckey_load(&sk, sec, NULL, NULL) == CTI_OK);
	cti_keyring_new(&kr);
	CHECK(cti_keyring_add(kr, pub) == CTI_OK);
	vo.keys = kr;
	buf = malloc(n);
	for (at = CTI_IOBUF - len; at <= CTI_IOBUF; at++) {
		memset(buf, ' ', n);
		put_id(buf + 10, cti_tlp_id(CTI_TLP_GREEN));
		put_id(buf + at, red);
		bad += signed_tlp(sk, file, buf, n, &vo) != CTI_TLP_RED;
	}
	CHECK(bad == 0);
	/* only GREEN used; RED defined (an "id"), across the reads too */
	for (at = CTI_IOBUF - len - 6; at <= CTI_IOBUF; at++) {
		memset(buf, ' ', n);
		put_id(buf + 10, cti_tlp_id(CTI_TLP_GREEN));
		memcpy(buf + at - 5, "\"id\":", 5);
		put_id(buf + at, red);
		bad += signed_tlp(sk, file, buf, n, &vo) != CTI_TLP_GREEN;
	}
	CHECK(bad == 0);
	/* only GREEN */
	memset(buf, ' ', n);
	put_id(buf + CTI_IOBUF - 20, cti_tlp_id(CTI_TLP_GREEN));
	f = fopen(file, "wb");
	fwrite(buf, 1, n, f);
	fclose(f);
	CHECK(cti_sign_file(NULL, sk, file, &so) == CTI_OK);
	CHECK(cti_verify_file(&res, file, &vo) == CTI_OK &&
	      cti_verify_tlp(res) == CTI_TLP_GREEN);
	cti_verify_result_free(res);
	/* not asked: not looked for */
	vo.tlp = 0;
	CHECK(cti_verify_file(&res, file, &vo) == CTI_OK &&
	      cti_verify_tlp(res) == CTI_TLP_NONE);
	cti_verify_result_free(res);
	free(buf);
	cti_keyring_free(kr);
	cti_seckey_free(sk);
	free(pub);
	free(sec);
	free(file);
}

static void
test_key_info(void)
{
	const char *two = "untrusted comment: CERT\tXY\n"
			  "RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0\n";
	struct cti_key_info k;
	cti_keyring *kr;

	cti_keyring_new(&kr);
	CHECK(cti_keyring_add_mem(kr, two, strlen(two), "x") == CTI_OK);
	CHECK(cti_keyring_key(&k, kr, 0) == CTI_OK);
	CHECK(k.keyid == 0xA096FDA2DFD59EACull);
	CHECK_STR(k.comment, "CERT?XY");
	CHECK_STR(k.base64, "RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0");
	CHECK(strlen(k.fingerprint) == 39 && k.fingerprint[4] == ' ');
	CHECK(cti_keyring_key(&k, kr, 1) == CTI_EINVAL);
	cti_keyring_free(kr);
	/* a key line without a comment line of its own after one with */
	{
		const char *ring = "untrusted comment: a long comment\n"
			"RWSsntXfov2WoFHfMy5pVSdBOBTtRX8MqifCkEXYra6nKhAbbDGQN2X0\n"
			"RWQBAgMEBQYHCJOFC3B1heQE5JUaPdwfBaNLPU9fwIHWFvRtii6PHI5o\n";

		cti_keyring_new(&kr);
		CHECK(cti_keyring_add_mem(kr, ring, strlen(ring), "r") ==
		      CTI_OK);
		CHECK(cti_keyring_key(&k, kr, 1) == CTI_OK);
		CHECK_STR(k.comment, "");
		CHECK_STR(k.name, "0807060504030201");
		cti_keyring_free(kr);
	}
}

int
main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_sig_text_blanks();
	test_listing();
	test_state();
	test_verifier();
	test_tlp();
	test_key_info();
	test_tc();
	test_feed();
	test_gzhdr();
	test_sig_text();
	test_keyring();
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		(void)!system(cmd);
	}
	return UNIT_DONE();
}
