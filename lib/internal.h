/*
 * internal.h - helpers shared by the files of libcti; not installed.
 */
#ifndef CTI_INTERNAL_H
#define CTI_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "cti.h"

#define CTI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CTI_IOBUF (128u << 10)

#if defined(__GNUC__)
#define CTI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CTI_LIKELY(x) __builtin_expect(!!(x), 1)
#define CTI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CTI_PRINTF(a, b)
#define CTI_LIKELY(x) (x)
#define CTI_UNLIKELY(x) (x)
#endif

/* err.c: set the thread's detail message and return code. */
int cti__seterr(int code, const char *fmt, ...) CTI_PRINTF(2, 3);
/* As cti__seterr, appending ": strerror(errno)". */
int cti__seterrno(int code, int errnum, const char *fmt, ...) CTI_PRINTF(3, 4);
/* Prefix the current detail message with "prefix: ". Returns code. */
int cti__preferr(int code, const char *fmt, ...) CTI_PRINTF(2, 3);

/* buf.c: a growable byte buffer, always NUL-terminated when p != NULL. */
struct cti__buf {
	char *p;
	size_t len, cap;
};
int cti__buf_grow(struct cti__buf *b, size_t extra);
int cti__buf_put(struct cti__buf *b, const void *p, size_t n);
int cti__buf_puts(struct cti__buf *b, const char *s);
int cti__buf_putc(struct cti__buf *b, int c);
int cti__buf_printf(struct cti__buf *b, const char *fmt, ...) CTI_PRINTF(2, 3);
/* Append s as a JSON string literal, quotes included (s must be UTF-8). */
int cti__buf_json_str(struct cti__buf *b, const char *s, size_t n);
void cti__buf_reset(struct cti__buf *b);
void cti__buf_free(struct cti__buf *b);

/* A fast 64-bit hash of p[0..n): to tell bytes apart, not against an
 * adversary. */
uint64_t cti__hash64(const void *p, size_t n, uint64_t seed);

/* A warning that does not stop the work, to fn (which may be NULL). */
void cti__warnf(cti_warn_fn fn, void *ctx, const char *fmt, ...)
	CTI_PRINTF(3, 4);

/* s[0..n) for a message: UTF-8 kept, control characters (C0, DEL, C1)
 * and bytes that are not UTF-8 shown as '?', cut after some 60 bytes with
 * "...". Returns dst. */
#define CTI__QUOTE_SIZE 72
const char *cti__quote(char dst[CTI__QUOTE_SIZE], const char *s, size_t n);

/* The value of the hex digit c, or -1. */
static inline int
cti__hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The next line of text[*pos..n): *line and *len without the newline and
 * trailing white space (CR, space, tab). Returns 0 at the end of text.
 */
int cti__text_line(const char **line, size_t *len, const char *text, size_t n,
		  size_t *pos);

/* Decode base64 (RFC 4648, padded) s[0..n) of exactly want bytes; trailing
 * blanks are ignored. Returns 0, or -1 when it is not that. */
int cti__b64_decode(unsigned char *out, size_t want, const char *s, size_t n);

/* Check that s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF).
 * Returns the offset of the first bad byte, or n when all is valid. */
size_t cti__utf8_check(const unsigned char *s, size_t n);

/* time.c: the one parser of RFC 3339 and STIX times. */
enum {
	CTI__TS_LAX = 1,  /* 't' or ' ' for 'T', 'z', offsets "+01:00" */
	CTI__TS_DATE = 2, /* a date alone, "2026-11-02": its midnight UTC */
};
/* s to microseconds since the epoch (fraction digits past the sixth are
 * dropped); strict STIX form ("...T...Z") without flags. 0, or -1 when
 * malformed or out of range (years 0000-9999). Sets no message. */
int cti__parse_ts(int64_t *out_us, const char *s, unsigned flags);
/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1-12). */
int64_t cti__days_from_civil(int64_t y, int m, int d);
/* us as a STIX timestamp: to the millisecond, or to the microsecond when
 * it is not a whole millisecond. buf: at least 28 bytes. Returns buf. */
char *cti__format_ts(char *buf, size_t size, int64_t us);

/*
 * pipe.c: a ring of nslot slots (the caller's array) handed from a
 * producer to a consumer, one of them the thread fn(arg).
 */
struct cti__pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int started;
	unsigned nslot;
	uint64_t put, got;	/* slots published, slots released */
	int closed;		/* the producer published its last slot */
	int stopped;		/* either side gave up */
	int err;		/* the first error, and its message */
	char errmsg[512];
};
int cti__pipe_start(struct cti__pipe *p, unsigned nslot, void *(*fn)(void *),
		    void *arg);
/* Producer: the slot to fill, once one is free; -1 when stopped. */
int cti__pipe_slot(struct cti__pipe *p);
/* Producer: publish the slot filled; close: no more will come. */
void cti__pipe_put(struct cti__pipe *p);
void cti__pipe_close(struct cti__pipe *p);
/* Consumer: the next slot published, once there is one; -1 at the end
 * (closed and every slot used) or when stopped. */
int cti__pipe_next(struct cti__pipe *p);
/* Consumer: release the slot used. */
void cti__pipe_done(struct cti__pipe *p);
/* Producer: wait until the consumer has released every slot published;
 * the error that stopped the pipe, or 0. */
int cti__pipe_drain(struct cti__pipe *p);
/* Either side: give up, with error err (0: none) and this thread's
 * message; the other side's next wait returns -1. */
void cti__pipe_stop(struct cti__pipe *p, int err);
/* The error that stopped the pipe (its message set in this thread), or 0. */
int cti__pipe_error(struct cti__pipe *p);
/* Close, join the thread and free; returns the error, as cti__pipe_error. */
int cti__pipe_finish(struct cti__pipe *p);

/* jcs.c: strtod(3) in the C locale, whatever the program's locale. */
double cti__strtod(const char *s);

/* reader.c */
/* Decode the JSON string literal s[0..n) (quotes included, already
 * validated) into out, which has room for n bytes; returns its length. */
size_t cti__json_unescape(char *out, const char *s, size_t n);

/* json.c: reading validated JSON without a tree. */
/* Past the JSON value at p (white space before it skipped). */
const char *cti__json_skip(const char *p, const char *end);
/* The top-level members of the object json/len named f[i].name: their
 * values as written (pointing into json), NULL when absent; a repeated
 * name gives the last. -1 when json is not an object. */
int cti__json_members(const char *json, size_t len, struct cti_json_field *f,
		      size_t nf);
/* The elements of the array arr[0..alen), one per call; pos starts at 0.
 * Returns 1 with elem and elen set, 0 after the last (or not an array). */
int cti__json_element(const char **elem, size_t *elen, const char *arr,
		      size_t alen, size_t *pos);
/* The members of the object json/len, one per call; *pos starts at 0.
 * Returns 1 with the next one, 0 after the last (or not an object).
 * Names are as written (escapes kept), values JSON text. */
struct cti__member {
	const char *name;	/* without its quotes */
	size_t nlen;
	const char *value;
	size_t vlen;
};
int cti__json_member(struct cti__member *m, const char *json, size_t len,
		     size_t *pos);
/* Whether the member's name, decoded, is name. */
int cti__member_is(const struct cti__member *m, const char *name);
/*
 * The elements of the top-level "objects" array of the bundle s holds,
 * each to each() as it is written (its non-zero return ends the read
 * with it), without validating the JSON: for a file whose signature was
 * checked, where a few members of each object are wanted (cti push's TLP
 * gate). Other members are skipped. CTI_EFORMAT (name in the message)
 * when the file is no JSON object or an element no object, CTI_ELIMIT for
 * an element over CTI_MAX_OBJECT bytes, and s's read errors.
 */
struct cti__src;
int cti__bundle_each(struct cti__src *s, const char *name,
		     int (*each)(void *ctx, const char *json, size_t len),
		     void *ctx);
/* The JSON string v/n (quotes included) decoded into out (size bytes,
 * NUL-terminated): its length, or -1 when v is not a string or out is
 * too small (n - 1 bytes always suffice). */
int cti__json_string(char *out, size_t size, const char *v, size_t n);
/* Whether o is a STIX 2.0 object, as cti_pack() tells them. */
int cti__stix20(const struct cti_object *o);
/* b = json/len with "spec_version":"2.0" as its first member; CTI_ELIMIT
 * (no message set) when that would exceed CTI_MAX_OBJECT, CTI_ENOMEM. */
int cti__stix20_amend(struct cti__buf *b, const char *json, size_t len);
/* 1 when o is STIX 2.0 and b now holds it amended, 0 when o is not, or an
 * error of cti__stix20_amend(). */
int cti__stix20_mark(struct cti__buf *b, const struct cti_object *o);
/* cti_reader_open_fd(); eof: reading the prefix met the end of the input */
int cti__reader_open_fd(cti_reader **out, int fd, const char *name,
			const void *prefix, size_t prefix_len, int eof);

/* io.c: reading and writing files. */

/* Open path for reading ("-": a dup of stdin). Sets the error message. */
int cti__open_in(int *fd, const char *path);
/* read() until n bytes or EOF; returns bytes read or -1 (errno set). */
ssize_t cti__read_full(int fd, void *p, size_t n);
/* As cti__read_full; *eof is set when a read() returned 0, after which a
 * terminal must not be read again (one Ctrl-D ends the input). */
ssize_t cti__read_eof(int fd, void *p, size_t n, int *eof);
/* write() all of p, retrying on EINTR and short writes; 0 or -1. */
int cti__write_full(int fd, const void *p, size_t n);

/* file.c: every file libcti writes. */

/*
 * The TLP levels a payload's text names, as it streams by (tlp.c): the
 * highest TLP 2.0 or 1.0 marking-definition id found as a string value
 * other than a definition's own "id", and whether anything was seen that
 * only a reading of the objects can decide (the payload defines a marking
 * it refers to, or a \u escape could hide one). Not unsure after
 * cti__tlpscan_end(): every marking reference of the payload is a TLP id
 * at most max, or an id the payload does not define. Zero-initialise;
 * feed any chunks.
 */
#define CTI__TLPSCAN_CTX 32
#define CTI__TLPSCAN_IDS 16
struct cti__tlpscan {
	char carry[CTI__TLPSCAN_CTX + 64];
	size_t carry_len;
	enum cti_tlp max;
	int unsure;
	char refs[CTI__TLPSCAN_IDS][37]; /* UUIDs of other markings used */
	char defs[CTI__TLPSCAN_IDS][37]; /* and of those defined */
	size_t nrefs, ndefs;
};
void cti__tlpscan_feed(struct cti__tlpscan *t, const void *p, size_t n);
void cti__tlpscan_end(struct cti__tlpscan *t);

/*
 * An output file replaced atomically: data goes to a temporary file in the
 * target's directory (locked, and removed by cti_cleanup() on a signal),
 * fsync()ed and rename()d over the target on commit, then the directory is
 * fsync()ed. path "-" or NULL writes to stdout directly, and so is an
 * existing device or FIFO (never replaced): no atomicity is possible there.
 */
struct cti__out {
	int fd;
	int is_stdout;
	int flags;
	int ready;	/* synced and closed, waiting for commit */
	int slot;	/* in cti_cleanup()'s table, or -1 */
	uint64_t written, synced; /* bytes written; write-back started */
	char *path;	/* target */
	char *tmp;	/* temporary name, NULL for stdout and devices */
	const char *name; /* for messages */
};
enum {
	CTI__OUT_EXCL = 1,	 /* never replace: CTI_EEXIST when the target
				    exists at open or at commit */
	CTI__OUT_EXACT_MODE = 2, /* mode exactly, not less the umask */
};
/* mode: permission bits for a new file, less the umask as in open(2)
 * (0: 0666), or exactly with CTI__OUT_EXACT_MODE. */
int cti__out_open(struct cti__out *o, const char *path, unsigned mode,
		  int flags);
int cti__out_write(struct cti__out *o, const void *p, size_t n);
/*
 * Write the file fd from offset off to its end to o, as cheaply as the
 * file systems allow: the whole file to an output not yet written as a
 * clone of its blocks (FICLONE: Btrfs, XFS), else copied in the kernel
 * (copy_file_range(2)), else read and written. fd's own offset is not
 * used.
 */
int cti__out_copy(struct cti__out *o, int fd, uint64_t off);
/* fsync and close the temporary file, so that several outputs can be
 * made ready before any is committed (all or nothing, as far as rename
 * allows). cti__out_commit() does it when it was not done. */
int cti__out_ready(struct cti__out *o);
/* Rename into place (the only rename() of libcti) and sync the directory. */
int cti__out_commit(struct cti__out *o);
/* Remove the temporary file; o may be committed or aborted already. */
void cti__out_abort(struct cti__out *o);
/* Write data to path through a cti__out: the whole file or nothing. */
int cti__write_file(const char *path, const void *data, size_t n,
		    unsigned mode, int flags);
/* Put the complete file from (a file of the caller's own, in the same
 * directory as to, e.g. a download kept across runs) in the place of to:
 * fsync it, rename it over to, fsync the directory. */
int cti__install(const char *from, const char *to);
/* A private temporary file in $TMPDIR (or /tmp), already unlinked. */
int cti__tmpfile(int *fd);
/* Make the directories of path (mode 0700); path is a directory. */
int cti__mkdirs(const char *path);
/* Make the directory that will hold the file path (0700) when missing. */
int cti__make_parent(const char *path);
/* path with its directory resolved (realpath(3)) and its last component
 * as given: a malloc()ed string, or NULL when the directory does not
 * exist. */
char *cti__resolve(const char *path);

/*
 * Decompressing input: a buffered reader that detects gzip (magic 1f 8b) and
 * inflates it (several members allowed), or passes plain bytes through.
 */
struct cti__src {
	int fd;
	int own_fd;
	int gzip;		/* input is gzip */
	int eof;
	int member_end;		/* a gzip member just ended */
	void *z;		/* z_stream */
	unsigned char *raw;	/* compressed input buffer */
	size_t raw_len, raw_pos;
	int raw_eof;
	uint64_t raw_total;	/* bytes read from fd */
	uint64_t out_total;	/* bytes handed out */
	const char *name;
};
/* prefix: bytes already read from fd that come first. */
int cti__src_open(struct cti__src *s, int fd, int own_fd, const char *name,
		 const void *prefix, size_t prefix_len);
/* The same; eof: reading the prefix met the end of the input. */
int cti__src_open_eof(struct cti__src *s, int fd, int own_fd,
		      const char *name, const void *prefix, size_t prefix_len,
		      int eof);
/* Read up to n decompressed bytes into p; returns the count (0 at the end)
 * or a negative error. */
ssize_t cti__src_read(struct cti__src *s, void *p, size_t n);
void cti__src_close(struct cti__src *s);
/* Everything src gives, to out (written on a second thread while the
 * next bytes are read and inflated) and through t when not NULL. */
int cti__src_pump(struct cti__src *src, struct cti__out *out,
		  struct cti__tlpscan *t);

/* csv.c: cti_csv_open(); eof: reading the prefix met the end of the
 * input; *no_column is set when the header names no value column. */
int cti__csv_open(cti_csv **out, int fd, const char *name,
		  const struct cti_csv_opts *opts, const void *prefix,
		  size_t prefix_len, int eof, int *no_column);
/* Bytes read from the file so far. */
uint64_t cti__csv_raw_bytes(const cti_csv *c);

/* writer.c */
/* cti_writer_add() of an object whose (id, modified) the caller knows to be
 * new: not recorded in the duplicate index. */
int cti__writer_put(cti_writer *w, const char *json, size_t len);
/* *seen: 1 when (id, modified) was recorded with the same bytes as json,
 * -1 with other bytes, 0 when it was not. */
int cti__writer_seen(cti_writer *w, int *seen, const char *id,
		     const char *modified, const char *json, size_t len);

/* uuid.c */
/* SHA-1 (FIPS 180-4) of p[0..n), for UUIDv5 only: not for security. */
void cti__sha1(unsigned char out[20], const void *p, size_t n);
/* UUIDv5 of name under the 16-byte namespace (RFC 9562 section 5.5);
 * writes 36 lower-case chars + NUL. */
void cti__uuid5(char out[37], const unsigned char ns[16], const void *name,
	       size_t n);
/* Parse a textual UUID, 8-4-4-4-12 hex digits of either case and nothing
 * more; 0 on success, -1 otherwise. */
int cti__uuid_parse(unsigned char out[16], const char *s);

/* taxiipush.c: cti_push() to a TAXII collection, from the checked file fd
 * (name: for messages), as cti.h says. */
int cti__push_taxii(struct cti_push_result *res, cti_net *n, int fd,
		    const char *name, const struct cti_push_opts *o);

#endif
