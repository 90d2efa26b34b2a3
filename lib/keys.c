/*
 * keys.c - minisign key files: generation, secret keys (scrypt-encrypted
 * or not) and keyrings of trusted public keys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

#define PK_RAW 42	/* "Ed" keynum(8) pk(32) */
#define SK_RAW 158	/* see struct sk_raw */
#define KEYFILE_MAX (1u << 20)
#define SKFILE_MAX 4096

#define SK_ALG 0
#define SK_KDF 2
#define SK_CHK 4
#define SK_SALT 6
#define SK_OPS 38
#define SK_MEM 46
#define SK_KEYNUM 54	/* keynum(8) sk(64) chk(32): the encrypted part */
#define SK_SK 62
#define SK_CHKSUM 126
#define SK_ENC_LEN 104

static const char untrusted_prefix[] = "untrusted comment: ";

uint64_t
cti__le64(const unsigned char p[8])
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
le64_store(unsigned char p[8], uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

char *
cti_keyid_format(char out[17], uint64_t keyid)
{
	snprintf(out, 17, "%016" PRIX64, keyid);
	return out;
}

static int
init_sodium(void)
{
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	return CTI_OK;
}

/*
 * Read a small file whole into a malloc()ed (secret: sodium_malloc()ed)
 * buffer, NUL-ended. regular: the file was found rather than named (a
 * directory entry), so anything but a regular file is refused unopened:
 * a FIFO would block.
 */
static int
read_small(char **out, size_t *len, const char *path, size_t max, int secret,
	   int regular)
{
	struct stat st;
	char *buf;
	ssize_t r;
	int fd, rc;

	*out = NULL;
	if (regular) {
		if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
			return cti__seterrno(CTI_EIO, errno, "%s", path);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return cti__seterr(CTI_EIO, "%s: not a regular file",
					   path);
		}
	} else if ((rc = cti__open_in(&fd, path))) {
		return rc;
	}
	buf = secret ? sodium_malloc(max + 1) : malloc(max + 1);
	if (!buf) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	r = cti__read_full(fd, buf, max + 1);
	if (r < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
		close(fd);
		goto fail;
	}
	close(fd);
	if ((size_t)r > max) {
		rc = cti__seterr(CTI_ELIMIT, "%s: key file larger than %zu bytes",
				 path, max);
		goto fail;
	}
	buf[r] = '\0';
	*out = buf;
	*len = (size_t)r;
	return CTI_OK;
fail:
	if (secret) {
		sodium_memzero(buf, max + 1);
		sodium_free(buf);
	} else {
		free(buf);
	}
	return rc;
}

/* ------------------------------------------------------------ keyrings */

struct ring_key {
	unsigned char keynum[CTI_KEYNUM_LEN];
	unsigned char pk[CTI_PKBYTES];
	char *name;
	char *comment;	/* the untrusted comment line, as printable text */
};

struct cti_keyring {
	struct ring_key *k;
	size_t n, cap;
};

int
cti_keyring_new(cti_keyring **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	return CTI_OK;
}

void
cti_keyring_free(cti_keyring *kr)
{
	size_t i;

	if (!kr)
		return;
	for (i = 0; i < kr->n; i++) {
		free(kr->k[i].name);
		free(kr->k[i].comment);
	}
	free(kr->k);
	free(kr);
}

size_t
cti_keyring_count(const cti_keyring *kr)
{
	return kr ? kr->n : 0;
}

const unsigned char *
cti__keyring_find(const cti_keyring *kr, const unsigned char keynum[8],
		 const char **name)
{
	size_t i;

	for (i = 0; kr && i < kr->n; i++) {
		if (memcmp(kr->k[i].keynum, keynum, CTI_KEYNUM_LEN) == 0) {
			if (name)
				*name = kr->k[i].name;
			return kr->k[i].pk;
		}
	}
	return NULL;
}

const char *
cti_keyring_name(const cti_keyring *kr, uint64_t keyid)
{
	unsigned char kn[8];
	const char *name = NULL;

	le64_store(kn, keyid);
	return cti__keyring_find(kr, kn, &name) ? name : NULL;
}

/* A malloc()ed copy of s[0..n) kept to one line of printable text. */
static char *
printable(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		p[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	p[n] = '\0';
	return p;
}

int
cti_keyring_key(struct cti_key_info *out, const cti_keyring *kr, size_t i)
{
	unsigned char raw[PK_RAW], fp[16];
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!kr || i >= kr->n)
		return cti__seterr(CTI_EINVAL, "no key %zu in the keyring", i);
	out->keyid = cti__le64(kr->k[i].keynum);
	out->name = kr->k[i].name;
	out->comment = kr->k[i].comment;
	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, kr->k[i].keynum, CTI_KEYNUM_LEN);
	memcpy(raw + 10, kr->k[i].pk, CTI_PKBYTES);
	sodium_bin2base64(out->base64, sizeof(out->base64), raw, sizeof(raw),
			  sodium_base64_VARIANT_ORIGINAL);
	/* the key id is chosen at random by the key's maker: it names a
	 * key, it does not vouch for one; the fingerprint does */
	crypto_generichash(fp, sizeof(fp), raw, sizeof(raw), NULL, 0);
	for (k = 0; k < sizeof(fp); k += 2)
		snprintf(out->fingerprint + k / 2 * 5, 6, "%02x%02x%s", fp[k],
			 fp[k + 1], k + 2 < sizeof(fp) ? " " : "");
	return CTI_OK;
}

static int
ring_add(cti_keyring *kr, const unsigned char raw[PK_RAW], const char *name,
	 size_t name_len, const char *comment, size_t comment_len)
{
	struct ring_key *k;
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (memcmp(kr->k[i].keynum, raw + 2, CTI_KEYNUM_LEN) == 0) {
			if (memcmp(kr->k[i].pk, raw + 10, CTI_PKBYTES) != 0)
				return cti__seterr(CTI_EFORMAT,
						  "%.*s: two different keys "
						  "with one key id",
						  (int)name_len, name);
			return CTI_OK;
		}
	if (kr->n == CTI_KEYRING_MAX)
		return cti__seterr(CTI_ELIMIT, "more than %u trusted keys",
				  CTI_KEYRING_MAX);
	if (kr->n == kr->cap) {
		size_t cap = kr->cap ? kr->cap * 2 : 8;

		if (!(k = realloc(kr->k, cap * sizeof(*k))))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		kr->k = k;
		kr->cap = cap;
	}
	k = &kr->k[kr->n];
	memcpy(k->keynum, raw + 2, CTI_KEYNUM_LEN);
	memcpy(k->pk, raw + 10, CTI_PKBYTES);
	/* names and comments are printed: one line of printable text */
	k->name = printable(name, name_len);
	k->comment = comment ? printable(comment, comment_len) :
			       printable("", 0);
	if (!k->name || !k->comment) {
		free(k->name);
		free(k->comment);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	kr->n++;
	return CTI_OK;
}

static int
parse_pk(unsigned char raw[PK_RAW], const char *s, size_t n,
	 const char *name)
{
	if (cti__b64_decode(raw, PK_RAW, s, n) != 0)
		return cti__seterr(CTI_EFORMAT, "%s: not a minisign public key",
				  name);
	if (raw[0] != 'E' || raw[1] != 'd')
		return cti__seterr(CTI_EFORMAT,
				  "%s: unsupported public key algorithm", name);
	return CTI_OK;
}

int
cti_keyring_add_base64(cti_keyring *kr, const char *b64, const char *name)
{
	unsigned char raw[PK_RAW];
	char id[17];
	int rc;

	if ((rc = parse_pk(raw, b64, strlen(b64), name ? name : "public key")))
		return rc;
	if (!name)
		name = cti_keyid_format(id, cti__le64(raw + 2));
	return ring_add(kr, raw, name, strlen(name), NULL, 0);
}

static int
default_comment(const char *c, size_t n)
{
	static const char d[] = "minisign public key";

	while (n > 0 && (c[0] == ' ' || c[0] == '\t')) {
		c++;
		n--;
	}
	return n == 0 || (n >= sizeof(d) - 1 && memcmp(c, d, sizeof(d) - 1) == 0);
}

/* name: the file's name for messages; fallback: its base name without
 * ".pub" (used for a single key with a default comment), or NULL to force
 * fallback naming (directory entries). */
static int
add_text(cti_keyring *kr, const char *text, size_t n, const char *name,
	 const char *fallback, int force_fallback)
{
	const char *line, *comment = NULL;
	size_t len, clen = 0, pos = 0, count = 0, lineno = 0;
	size_t before = kr->n;
	int rc;

	while (cti__text_line(&line, &len, text, n, &pos)) {
		unsigned char raw[PK_RAW];

		lineno++;
		if (len == 0)
			continue;
		if (len >= sizeof(untrusted_prefix) - 1 &&
		    memcmp(line, untrusted_prefix,
			   sizeof(untrusted_prefix) - 1) == 0) {
			comment = line + sizeof(untrusted_prefix) - 1;
			clen = len - (sizeof(untrusted_prefix) - 1);
			continue;
		}
		if (cti__b64_decode(raw, PK_RAW, line, len) != 0)
			return cti__seterr(CTI_EFORMAT,
					  "%s:%zu: not a minisign public key",
					  name, lineno);
		if (raw[0] != 'E' || raw[1] != 'd')
			return cti__seterr(CTI_EFORMAT,
					  "%s:%zu: unsupported public key "
					  "algorithm", name, lineno);
		if (force_fallback || !comment || default_comment(comment, clen)) {
			/* named later, once the count is known */
			rc = ring_add(kr, raw, "", 0, comment, clen);
		} else {
			rc = ring_add(kr, raw, comment, clen, comment, clen);
		}
		if (rc)
			return rc;
		count++;
		comment = NULL;
		clen = 0;
	}
	if (count == 0)
		return cti__seterr(CTI_EFORMAT, "%s: no public key in it", name);
	for (; before < kr->n; before++) {
		struct ring_key *k = &kr->k[before];
		char id[17], *nm;

		if (k->name[0] != '\0')
			continue;
		nm = strdup(count == 1 && fallback && fallback[0] ?
				    fallback :
				    cti_keyid_format(id, cti__le64(k->keynum)));
		if (!nm)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		free(k->name);
		k->name = nm;
	}
	return CTI_OK;
}

int
cti_keyring_add_mem(cti_keyring *kr, const char *text, size_t len,
		    const char *name)
{
	return add_text(kr, text, len, name ? name : "public key", name, 0);
}

/* The base name of path without ".pub"; malloc()ed. */
static char *
key_base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *s;
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".pub") == 0)
		n -= 4;
	if ((s = malloc(n + 1))) {
		memcpy(s, b, n);
		s[n] = '\0';
	}
	return s;
}

static int
add_file(cti_keyring *kr, const char *path, int dir_entry)
{
	char *text, *base;
	size_t len;
	int rc;

	if ((rc = read_small(&text, &len, path, KEYFILE_MAX, 0, dir_entry)))
		return rc;
	if (!(base = key_base_name(path))) {
		free(text);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	rc = add_text(kr, text, len,
		      strcmp(path, "-") == 0 ? "standard input" : path,
		      strcmp(path, "-") == 0 ? NULL : base, dir_entry);
	free(base);
	free(text);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cti_keyring_add(cti_keyring *kr, const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	DIR *d;
	int rc = CTI_OK;

	if (!kr || !path)
		return cti__seterr(CTI_EINVAL, "no keyring or no path");
	if (strcmp(path, "-") == 0)
		return add_file(kr, path, 0);
	if (stat(path, &st) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	if (!S_ISDIR(st.st_mode))
		return add_file(kr, path, 0);
	if (!(d = opendir(path)))
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char *full;

		if (de->d_name[0] == '.' || l <= 4 ||
		    strcmp(de->d_name + l - 4, ".pub") != 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 16) *
							   sizeof(*names));

			if (!nn) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		if (!(full = malloc(strlen(path) + l + 2))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			break;
		}
		sprintf(full, "%s/%s", path, de->d_name);
		names[n++] = full;
		if (n > CTI_KEYRING_MAX) {
			rc = cti__seterr(CTI_ELIMIT, "%s: more than %u keys",
					path, CTI_KEYRING_MAX);
			break;
		}
	}
	closedir(d);
	if (rc == CTI_OK && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (rc == CTI_OK)
			rc = add_file(kr, names[i], 1);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ------------------------------------------------------------ secret keys */

static void
sk_checksum(unsigned char out[32], const unsigned char *raw)
{
	crypto_generichash_state hs;

	crypto_generichash_init(&hs, NULL, 0, 32);
	crypto_generichash_update(&hs, raw + SK_ALG, 2);
	crypto_generichash_update(&hs, raw + SK_KEYNUM, CTI_KEYNUM_LEN);
	crypto_generichash_update(&hs, raw + SK_SK, CTI_SKBYTES);
	crypto_generichash_final(&hs, out, 32);
	sodium_memzero(&hs, sizeof(hs));
}

uint64_t
cti_seckey_id(const cti_seckey *sk)
{
	return cti__le64(sk->keynum);
}

void
cti_seckey_free(cti_seckey *sk)
{
	if (sk)
		sodium_free(sk); /* sodium_free wipes the memory */
}

/* Check that the public half of an Ed25519 secret key matches its seed. */
static int
sk_consistent(const unsigned char *sk)
{
	unsigned char *pk2 = sodium_malloc(CTI_PKBYTES + CTI_SKBYTES);
	int ok;

	if (!pk2)
		return 0;
	crypto_sign_seed_keypair(pk2, pk2 + CTI_PKBYTES, sk);
	ok = sodium_memcmp(pk2, sk + 32, CTI_PKBYTES) == 0;
	sodium_free(pk2);
	return ok;
}

int
cti_seckey_parse(cti_seckey **out, const char *text, size_t n,
		 const char *name, cti_passphrase_fn fn, void *ctx)
{
	const char *line;
	size_t len, pos = 0;
	unsigned char *raw = NULL, *stream = NULL, chk[32];
	char *pass = NULL;
	cti_seckey *sk = NULL;
	int rc, plen;
	uint64_t ops, mem;

	*out = NULL;
	if ((rc = init_sodium()))
		return rc;
	if (!name)
		name = "secret key";
	if (!cti__text_line(&line, &len, text, n, &pos) ||
	    len < sizeof(untrusted_prefix) - 1 ||
	    memcmp(line, untrusted_prefix, sizeof(untrusted_prefix) - 1) != 0 ||
	    !cti__text_line(&line, &len, text, n, &pos))
		return cti__seterr(CTI_EFORMAT, "%s: not a minisign secret key",
				  name);
	if (!(raw = sodium_malloc(SK_RAW)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (cti__b64_decode(raw, SK_RAW, line, len) != 0) {
		rc = cti__seterr(CTI_EFORMAT, "%s: not a minisign secret key",
				name);
		goto out;
	}
	if (memcmp(raw + SK_ALG, "Ed", 2) != 0) {
		rc = cti__seterr(CTI_EFORMAT,
				"%s: unsupported signature algorithm", name);
		goto out;
	}
	if (memcmp(raw + SK_CHK, "B2", 2) != 0) {
		rc = cti__seterr(CTI_EFORMAT,
				"%s: unsupported checksum algorithm", name);
		goto out;
	}
	if (memcmp(raw + SK_KDF, "Sc", 2) == 0) {
		ops = cti__le64(raw + SK_OPS);
		mem = cti__le64(raw + SK_MEM);
		if (ops > crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE ||
		    mem > crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE) {
			rc = cti__seterr(CTI_ELIMIT,
					"%s: key derivation parameters above "
					"minisign's", name);
			goto out;
		}
		if (!fn) {
			rc = cti__seterr(CTI_EPASS,
					"%s: the key is encrypted and no "
					"passphrase was given", name);
			goto out;
		}
		if (!(pass = sodium_malloc(CTI_PASS_MAX + 1)) ||
		    !(stream = sodium_malloc(SK_ENC_LEN))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto out;
		}
		plen = fn(ctx, pass, CTI_PASS_MAX, name, 0);
		if (plen < 0) {
			rc = plen;
			goto out;
		}
		if (plen > CTI_PASS_MAX)
			plen = CTI_PASS_MAX;
		if (crypto_pwhash_scryptsalsa208sha256(
			    stream, SK_ENC_LEN, pass, (unsigned long long)plen,
			    raw + SK_SALT, (unsigned long long)ops,
			    (size_t)mem) != 0) {
			rc = cti__seterr(CTI_ENOMEM,
					"%s: key derivation failed (out of "
					"memory?)", name);
			goto out;
		}
		sodium_memzero(pass, CTI_PASS_MAX + 1);
		for (len = 0; len < SK_ENC_LEN; len++)
			raw[SK_KEYNUM + len] ^= stream[len];
		sk_checksum(chk, raw);
		if (sodium_memcmp(chk, raw + SK_CHKSUM, 32) != 0) {
			rc = cti__seterr(CTI_EPASS,
					"%s: wrong passphrase for this key",
					name);
			goto out;
		}
	} else if (memcmp(raw + SK_KDF, "\0\0", 2) == 0) {
		/* minisign -W leaves the checksum zero; cti writes it */
		static const unsigned char zero[32];

		if (sodium_memcmp(raw + SK_CHKSUM, zero, 32) != 0) {
			sk_checksum(chk, raw);
			if (sodium_memcmp(chk, raw + SK_CHKSUM, 32) != 0) {
				rc = cti__seterr(CTI_EFORMAT,
						"%s: secret key checksum "
						"mismatch (corrupt key)", name);
				goto out;
			}
		}
	} else {
		rc = cti__seterr(CTI_EFORMAT,
				"%s: unsupported key derivation function",
				name);
		goto out;
	}
	if (!sk_consistent(raw + SK_SK)) {
		rc = cti__seterr(CTI_EFORMAT, "%s: corrupt secret key", name);
		goto out;
	}
	if (!(sk = sodium_malloc(sizeof(*sk)))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(sk->keynum, raw + SK_KEYNUM, CTI_KEYNUM_LEN);
	memcpy(sk->sk, raw + SK_SK, CTI_SKBYTES);
	sodium_mprotect_readonly(sk);
	*out = sk;
	rc = CTI_OK;
out:
	sodium_memzero(chk, sizeof(chk));
	if (pass)
		sodium_free(pass);
	if (stream)
		sodium_free(stream);
	sodium_free(raw);
	return rc;
}

int
cti_seckey_load(cti_seckey **out, const char *path, cti_passphrase_fn fn,
		void *ctx)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = init_sodium()))
		return rc;
	if ((rc = read_small(&text, &len, path, SKFILE_MAX, 1, 0)))
		return rc;
	rc = cti_seckey_parse(out, text, len, path, fn, ctx);
	sodium_memzero(text, SKFILE_MAX + 1);
	sodium_free(text);
	return rc;
}

/* ------------------------------------------------------------ keygen */

/*
 * The same file under two names ("k" and "./k", a hard link, a symbolic
 * link): compared by device and inode when both exist, else by the
 * resolved directory and the name.
 */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra = NULL, *rb = NULL;
	int same;

	if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
		return CTI_OK;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	else if ((ra = cti__resolve(a)) && (rb = cti__resolve(b)))
		same = strcmp(ra, rb) == 0;
	else
		same = strcmp(a, b) == 0;
	free(ra);
	free(rb);
	if (same)
		return cti__seterr(CTI_EINVAL, "%s and %s are the same file",
				   a, b);
	return CTI_OK;
}

/* a and b name files in the same directory, as spelt */
static int
same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;

	return la == lb && memcmp(a, b, la) == 0;
}

static int
bad_comment(const char *c)
{
	return c && strpbrk(c, "\r\n") != NULL;
}

int
cti_keygen(uint64_t *keyid, const char *pub_path, const char *sec_path,
	   const struct cti_keygen_opts *opts)
{
	unsigned char *raw = NULL, *stream = NULL, *pk = NULL;
	char *pass = NULL, *text = NULL, id[17];
	unsigned char pkraw[PK_RAW];
	size_t tlen, b64 = sodium_base64_ENCODED_LEN(
			     SK_RAW, sodium_base64_VARIANT_ORIGINAL);
	unsigned long long ops =
		crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE;
	size_t mem = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE;
	struct cti__buf pub = { 0 };
	struct cti__out sout = { .fd = -1, .slot = -1 };
	struct cti__out pout = { .fd = -1, .slot = -1 };
	int rc, plen, i, flags;

	if ((rc = init_sodium()))
		return rc;
	if (!pub_path || !sec_path || !opts)
		return cti__seterr(CTI_EINVAL, "key file names are required");
	if (bad_comment(opts->comment))
		return cti__seterr(CTI_EINVAL, "a comment is one line");
	if (!opts->unencrypted && !opts->passphrase)
		return cti__seterr(CTI_EINVAL, "no passphrase source");
	if (strcmp(sec_path, "-") == 0)
		return cti__seterr(CTI_EINVAL, "a secret key is not written to "
				   "standard output");
	if ((rc = same_file(pub_path, sec_path)))
		return rc;
	/* every output is checked, and made, before a passphrase is asked
	 * for: a missing directory of the secret key is made (0700), and so
	 * is the public key's when it is the same */
	flags = opts->force ? 0 : CTI__OUT_EXCL;
	if (same_dir(pub_path, sec_path) && (rc = cti__make_parent(sec_path)))
		return rc;
	if ((rc = cti__out_open(&pout, pub_path, 0644, flags)))
		return rc;
	if ((rc = cti__make_parent(sec_path)) ||
	    (rc = cti__out_open(&sout, sec_path, 0600,
				flags | CTI__OUT_EXACT_MODE))) {
		cti__out_abort(&pout);
		return rc;
	}
	raw = sodium_malloc(SK_RAW);
	stream = sodium_malloc(SK_ENC_LEN);
	pk = sodium_malloc(CTI_PKBYTES);
	pass = sodium_malloc(CTI_PASS_MAX + 1);
	tlen = sizeof(untrusted_prefix) + 1024 + b64 + 2;
	text = sodium_malloc(tlen);
	if (!raw || !stream || !pk || !pass || !text) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	memset(raw, 0, SK_RAW);
	memcpy(raw + SK_ALG, "Ed", 2);
	memcpy(raw + SK_CHK, "B2", 2);
	randombytes_buf(raw + SK_KEYNUM, CTI_KEYNUM_LEN);
	crypto_sign_keypair(pk, raw + SK_SK);
	sk_checksum(raw + SK_CHKSUM, raw);
	/* the public key: "Ed" keynum pk */
	memcpy(pkraw, "Ed", 2);
	memcpy(pkraw + 2, raw + SK_KEYNUM, CTI_KEYNUM_LEN);
	memcpy(pkraw + 10, pk, CTI_PKBYTES);
	if (opts->unencrypted) {
		memcpy(raw + SK_KDF, "\0\0", 2);
	} else {
		memcpy(raw + SK_KDF, "Sc", 2);
		randombytes_buf(raw + SK_SALT, 32);
		plen = opts->passphrase(opts->passphrase_ctx, pass,
					CTI_PASS_MAX, sec_path, 1);
		if (plen < 0) {
			rc = plen;
			goto out;
		}
		if (plen > CTI_PASS_MAX)
			plen = CTI_PASS_MAX;
		if (opts->confirm) {
			char *again = sodium_malloc(CTI_PASS_MAX);
			int alen;

			if (!again) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				goto out;
			}
			alen = opts->passphrase(opts->passphrase_ctx, again,
						CTI_PASS_MAX, sec_path, 2);
			if (alen > CTI_PASS_MAX)
				alen = CTI_PASS_MAX;
			rc = alen < 0 ? alen :
			     (alen != plen || sodium_memcmp(again, pass,
							    (size_t)plen) != 0) ?
					     cti__seterr(CTI_EPASS,
							"passphrases do not "
							"match") :
					     CTI_OK;
			sodium_free(again);
			if (rc)
				goto out;
		}
		/* as minisign: halve the cost until it fits in memory */
		while (crypto_pwhash_scryptsalsa208sha256(
			       stream, SK_ENC_LEN, pass,
			       (unsigned long long)plen, raw + SK_SALT, ops,
			       mem) != 0) {
			ops /= 2;
			mem /= 2;
			if (ops < crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN ||
			    mem < crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN) {
				rc = cti__seterr(CTI_ENOMEM,
						"key derivation needs more "
						"memory");
				goto out;
			}
		}
		sodium_memzero(pass, CTI_PASS_MAX + 1);
		le64_store(raw + SK_OPS, ops);
		le64_store(raw + SK_MEM, mem);
		for (i = 0; i < SK_ENC_LEN; i++)
			raw[SK_KEYNUM + i] ^= stream[i];
	}
	cti_keyid_format(id, cti__le64(pkraw + 2));

	snprintf(text, tlen, "%s%.1024s\n", untrusted_prefix,
		 opts->comment ? opts->comment :
				 "minisign encrypted secret key");
	i = (int)strlen(text);
	sodium_bin2base64(text + i, b64, raw, SK_RAW,
			  sodium_base64_VARIANT_ORIGINAL);
	i += (int)strlen(text + i);
	text[i++] = '\n';
	if ((rc = cti__out_write(&sout, text, (size_t)i)))
		goto out;

	if (cti__buf_puts(&pub, untrusted_prefix) ||
	    (opts->comment ? cti__buf_puts(&pub, opts->comment) :
			     cti__buf_printf(&pub, "minisign public key %s", id)) ||
	    cti__buf_putc(&pub, '\n') ||
	    cti__buf_grow(&pub, sodium_base64_ENCODED_LEN(
				       PK_RAW, sodium_base64_VARIANT_ORIGINAL) +
				       1)) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	sodium_bin2base64(pub.p + pub.len, pub.cap - pub.len, pkraw, PK_RAW,
			  sodium_base64_VARIANT_ORIGINAL);
	pub.len += strlen(pub.p + pub.len);
	if (cti__buf_putc(&pub, '\n')) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto out;
	}
	/* both complete before either replaces anything; a public key on
	 * standard output goes out once the secret key is in place */
	if ((!pout.is_stdout && (rc = cti__out_write(&pout, pub.p, pub.len))) ||
	    (rc = cti__out_ready(&sout)) || (rc = cti__out_ready(&pout)) ||
	    (rc = cti__out_commit(&sout)) ||
	    (pout.is_stdout && (rc = cti__out_write(&pout, pub.p, pub.len))) ||
	    (rc = cti__out_commit(&pout)))
		goto out;
	if (keyid)
		*keyid = cti__le64(pkraw + 2);
out:
	cti__out_abort(&sout);
	cti__out_abort(&pout);
	cti__buf_free(&pub);
	if (raw)
		sodium_free(raw);
	if (stream)
		sodium_free(stream);
	if (pk)
		sodium_free(pk);
	if (pass)
		sodium_free(pass);
	if (text)
		sodium_free(text);
	return rc;
}
