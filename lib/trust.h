/*
 * trust.h - shared by keys.c, sign.c, verify.c and gzhdr.c (and the fuzz
 * targets); not installed.
 */
#ifndef CTI_TRUST_H
#define CTI_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define CTI_KEYNUM_LEN 8
#define CTI_SIGBYTES 64
#define CTI_PKBYTES 32
#define CTI_SKBYTES 64
#define CTI_PREHASH_LEN 64

/* ------------------------------------------------------------ gzip header */

/* FNAME and FCOMMENT together may not exceed this many bytes. */
#define CTI_GZ_NAMES_MAX (64u << 10)
/* The largest gzip header accepted: 10 fixed, XLEN, extra, names, CRC. */
#define CTI_GZHDR_MAX (10u + 2u + 65535u + CTI_GZ_NAMES_MAX + 2u)
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

/* ------------------------------------------------------------ signatures */

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
/* Parse minisign's .minisig text. CTI_EFORMAT on malformed input. */
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
/* Parse "key:value" fields separated by tabs. Never fails: malformed
 * numbers leave the field unset (-1 / 0) and set *bad (may be NULL). */
void cti__tc_parse(struct cti__tc *f, const char *comment, int *bad);

/* A feed name is safe in a path and a trusted comment. */
int cti__feed_ok(const char *feed);

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

/* Open path (created 0600) and take an exclusive flock() on it, waiting
 * at most 30 seconds (CTI_ELOCKED). Closing *fd releases it. */
int cti__lock_file(int *fd, const char *path);

/* ------------------------------------------------------------ scanning */

/*
 * The signed bytes of a file, streamed: the header is read into bounded
 * memory and parsed, then the rest is read in CTI_IOBUF chunks.
 */
struct cti__scan {
	const char *name;
	int fd;
	int gzip;		/* starts with the gzip magic */
	struct cti__gzhdr *h;	/* gzip only */
	unsigned char *head;	/* the first bytes of the file */
	size_t head_len;
	unsigned char *strip;	/* the signed header (gzip only) */
	size_t strip_len;
	uint64_t total;		/* signed bytes hashed */
};

/* Read and parse the head of fd (not closed). */
int cti__scan_open(struct cti__scan *s, int fd, const char *name);
/* Hash the signed bytes with BLAKE2b-512 into prehash. sink (may be NULL)
 * gets every signed byte in order; legacy (may be NULL) collects them up to
 * CTI_LEGACY_MAX (CTI_ELIMIT beyond). body_sink (may be NULL) gets the bytes
 * after the header only. */
int cti__scan_hash(struct cti__scan *s, unsigned char prehash[64],
		  int (*sink)(void *ctx, const void *p, size_t n),
		  int (*body_sink)(void *ctx, const void *p, size_t n),
		  void *ctx, struct cti__buf *legacy);
void cti__scan_close(struct cti__scan *s);

#endif
