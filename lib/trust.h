/*
 * trust.h - shared by the files of keys, signatures and their checks:
 * gzhdr.c (the gzip header), sigfmt.c (signature and trusted comment
 * formats), scan.c (the signed bytes), keys.c, sign.c and verify.c (and
 * the unit and fuzz targets); not installed. The state they keep is in
 * state.h.
 */
#ifndef CTI_TRUST_H
#define CTI_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "internal.h"

#define CTI_KEYNUM_LEN 8
#define CTI_SIGBYTES 64
#define CTI_PKBYTES 32
#define CTI_SKBYTES 64
#define CTI_PREHASH_LEN 64

/* ------------------------------------------------------------ gzip header */

/* FNAME and FCOMMENT together may not exceed this many bytes. */
#define CTI_GZ_NAMES_MAX (64u << 10)
/* CTI_GZHDR_MAX (cti.h), the largest gzip header accepted, is 10 fixed
 * bytes, XLEN, the extra field, the names, the CRC. */
_Static_assert(CTI_GZHDR_MAX == 10u + 2u + 65535u + CTI_GZ_NAMES_MAX + 2u,
	       "CTI_GZHDR_MAX");
/* Most signature subfields in one extra field (65535 / (4 + 138)). */
#define CTI_GZ_SIGS_MAX 461
/* Fixed part of a signature subfield's data. */
#define CTI_SIGREC_FIXED (2 + CTI_KEYNUM_LEN + 2 * CTI_SIGBYTES)

#define CTI_GZ_FTEXT 0x01
#define CTI_GZ_FHCRC 0x02
#define CTI_GZ_FEXTRA 0x04
#define CTI_GZ_FNAME 0x08
#define CTI_GZ_FCOMMENT 0x10

struct cti__gzsub {
	size_t off;	/* offset of the subfield (its SI1) in the input */
	size_t len;	/* data length (without the 4-byte subfield header) */
};

/* A parsed gzip header; offsets point into the parsed input buffer. */
struct cti__gzhdr {
	size_t len;		/* header length in the input */
	unsigned char flg;
	size_t xoff, xlen;	/* the extra field data (after XLEN), if any */
	size_t noff, nlen;	/* FNAME + FCOMMENT bytes (with their NULs) */
	size_t nsig;		/* cti signature subfields */
	struct cti__gzsub sig[CTI_GZ_SIGS_MAX];
};

/*
 * Parse the gzip header at the start of p[0..n). eof: n is the whole input
 * (otherwise n is at least CTI_GZHDR_MAX or the input is shorter). Returns
 * CTI_OK, or CTI_EFORMAT (not a valid header, truncated, reserved flags,
 * method other than deflate, malformed extra field) or CTI_ELIMIT (names
 * too long), with a message naming name. The caller checks the magic.
 */
int cti__gzhdr_parse(struct cti__gzhdr *h, const unsigned char *p, size_t n,
		    const char *name);

/*
 * Write the header of h (parsed from in) to out with the signature
 * subfields removed, except that add/add_len (may be NULL/0) is appended as
 * a new signature subfield's data, and subfields whose keynum equals
 * drop_keynum (NULL: none) are also removed. out must hold CTI_GZHDR_MAX
 * bytes. Returns the length written, or a negative error (CTI_ELIMIT when
 * the extra field would exceed 65535 bytes, CTI_EFORMAT for FHCRC with
 * signatures).
 */
long cti__gzhdr_write(unsigned char *out, const struct cti__gzhdr *h,
		     const unsigned char *in, const unsigned char *add,
		     size_t add_len, const unsigned char *drop_keynum,
		     const char *name);

/* ------------------------------------------------------------ signatures
 * sigfmt.c */

/* One signature, parsed from a subfield or a .minisig file. */
struct cti__sig {
	unsigned char alg[2];	/* "ED" or "Ed" */
	unsigned char keynum[CTI_KEYNUM_LEN];
	unsigned char sig[CTI_SIGBYTES];
	unsigned char global[CTI_SIGBYTES];
	char comment[CTI_COMMENT_MAX + 1]; /* trusted comment, NUL-ended */
	size_t comment_len;
};

/* Parse a subfield's data. CTI_EFORMAT on malformed input. */
int cti__sig_from_binary(struct cti__sig *s, const unsigned char *p, size_t n,
			 const char *name);
/* Parse minisign's .minisig text. CTI_EFORMAT on malformed input. The
 * trusted comment is its line without the line end, as minisign reads it. */
int cti__sig_from_text(struct cti__sig *s, const char *text, size_t n,
		       const char *name);
/* Serialise to subfield data; out must hold CTI_SIGREC_FIXED +
 * CTI_COMMENT_MAX bytes. Returns the length. */
size_t cti__sig_to_binary(unsigned char *out, const struct cti__sig *s);
/* minisign's text form, into b. */
int cti__sig_to_text(struct cti__buf *b, const struct cti__sig *s,
		     const char *untrusted);

/* Trusted comment fields; the strings point into a copy in f->buf. */
struct cti__tc {
	char buf[CTI_COMMENT_MAX + 1];
	int64_t timestamp, seq, expires;
	const char *file, *feed;
	int hashed;
};
/* Parse "key:value" fields separated by tabs. Never fails: a known field
 * repeated or a malformed number leaves every field unset (-1 / 0 / NULL)
 * and sets *bad (may be NULL). */
void cti__tc_parse(struct cti__tc *f, const char *comment, int *bad);
/* Write sig->comment: "timestamp:T\tfile:FILE\thashed" and feed (NULL:
 * none), seq (-1: none), expires (0: none). Control characters of file
 * become '?', so that a file name cannot add fields. */
int cti__tc_make(struct cti__sig *sig, const char *file, const char *feed,
		 int64_t seq, int64_t expires, int64_t timestamp);

/* A feed name is safe in a path and a trusted comment. */
int cti__feed_ok(const char *feed);
/* Decimal digits only, no sign, within int64_t: 0, else -1. */
int cti__parse_uint(int64_t *out, const char *s);

uint64_t cti__le64(const unsigned char p[8]);

/* ------------------------------------------------------------ keys */

struct cti_seckey {
	unsigned char keynum[CTI_KEYNUM_LEN];
	unsigned char sk[CTI_SKBYTES];
};

/* Search the ring; the public key, or NULL. */
const unsigned char *cti__keyring_find(const cti_keyring *kr,
				       const unsigned char keynum[8],
				       const char **name);

/* ------------------------------------------------------------ scanning
 * scan.c */

/*
 * The signed bytes of a file, pushed through as its raw bytes arrive:
 *  1. cti__scan_init(), then cti__scan_head() with the first bytes until
 *     it returns 1: the head (CTI_GZHDR_MAX bytes, or all of a shorter
 *     file) is gathered and its gzip header parsed; s->gzip, s->h tell
 *     what it holds (cti__scan_read_head() does this from a descriptor);
 *  2. set sink, body_sink, ctx and legacy as needed, then
 *     cti__scan_start(), which hashes the signed header and the rest of
 *     the head;
 *  3. cti__scan_update() with every further byte, then cti__scan_final().
 * sink gets every signed byte in order, body_sink the bytes after the
 * header, legacy (a buffer) collects the signed bytes up to
 * CTI_LEGACY_MAX (CTI_ELIMIT beyond).
 */
struct cti__scan {
	const char *name;
	int head_done;		/* the head is parsed */
	int started;		/* cti__scan_start() was called */
	int gzip;		/* starts with the gzip magic */
	struct cti__gzhdr *h;	/* gzip only */
	unsigned char *head;	/* the first bytes of the file */
	size_t head_len;
	unsigned char *strip;	/* the signed header (gzip only) */
	size_t strip_len;
	uint64_t total;		/* signed bytes hashed */
	int (*sink)(void *ctx, const void *p, size_t n);
	int (*body_sink)(void *ctx, const void *p, size_t n);
	void *ctx;
	struct cti__buf *legacy;
	crypto_generichash_state hs;
};

int cti__scan_init(struct cti__scan *s, const char *name);
/* The signed bytes of the file a verifier took: head[0..head_len) (the
 * gzip header without its signatures; none for a plain file), then the
 * file's own bytes from offset from on. */
int cti__verifier_signed(const cti_verifier *v, const unsigned char **head,
			 size_t *head_len, uint64_t *from);
/* Take bytes from *p, *n into the head (advancing them); eof: no more
 * bytes follow. Returns 1 when the head is parsed, 0 when it wants more,
 * or a negative error (a malformed header). */
int cti__scan_head(struct cti__scan *s, const unsigned char **p, size_t *n,
		   int eof);
/* Read the head from fd and parse it. */
int cti__scan_read_head(struct cti__scan *s, int fd);
int cti__scan_start(struct cti__scan *s);
int cti__scan_update(struct cti__scan *s, const unsigned char *p, size_t n);
void cti__scan_final(struct cti__scan *s,
		     unsigned char prehash[CTI_PREHASH_LEN]);
void cti__scan_free(struct cti__scan *s);

#endif
