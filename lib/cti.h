/*
 * cti.h - libcti: read, write, sign, verify and compare STIX 2.1 bundle files.
 *
 * This is the only public header of libcti. Conventions:
 *  - Every function that can fail returns int: CTI_OK (0) on success or a
 *    negative CTI_E* code. The code is stable forever (new codes are added
 *    last, none is removed); cti_strerror() names it and cti_errmsg() returns
 *    the detail of the last failure in this thread (which file, line, object).
 *  - Out-parameters come first. Objects are opaque; every *_free() accepts
 *    NULL. Pointers returned by a getter are borrowed: they stay valid until
 *    the next call on the same handle unless the comment says otherwise.
 *  - The library never prints and never exits. Diagnostics that do not stop
 *    the work (a skipped line) go to a caller-supplied warning callback.
 *  - Input from outside is bounded: see the CTI_MAX_* limits below.
 *
 * How the library is laid out (lib/), from the bottom up:
 *  - err.c (codes and messages), buf.c, time.c, uuid.c, json.c (reading
 *    validated JSON without a tree), pipe.c (one producer/consumer pipeline
 *    for the threads that overlap work).
 *  - io.c (reading files, gzip or not), file.c (every file written: atomic
 *    outputs, temporaries, cleanup on a signal), state.c (XDG directories,
 *    state files, counters, locks).
 *  - STIX: reader.c (the streaming, validating reader), writer.c (bundle
 *    files), ioc.c and csv.c (indicator lists and tables), pack.c,
 *    summary.c, tlp.c, jcs.c (canonical JSON) and diff.c.
 *  - Trust: gzhdr.c (the gzip header and its signature fields), sigfmt.c
 *    (minisign's signature and trusted-comment formats), scan.c (the
 *    signed bytes of a file), keys.c, sign.c and verify.c.
 *  - Transport: lib/net/, one backend per scheme behind one interface
 *    (net.h): transport.c dispatches and retries, https.c and dir.c (and
 *    the TAXII and S3 backends) speak their protocols, curl.c is the only
 *    file that includes <curl/curl.h> (and loads libcurl, with dlopen(),
 *    when the first transfer needs it), http.c parses what a server says.
 *    push.c and pull.c, above them, are written once for every backend:
 *    check, send; lock, download, verify, install, commit state.
 * Only cti.h is installed; internal.h, trust.h, state.h and net.h are the
 * library's own, and their functions carry the cti__ prefix.
 */
#ifndef CTI_H
#define CTI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTI_VERSION "0.1.0"

/* Error codes. Stable: add new ones last, never renumber. */
enum {
	CTI_OK = 0,
	CTI_EINVAL = -1,	/* the caller passed an invalid argument */
	CTI_ENOMEM = -2,	/* out of memory */
	CTI_EIO = -3,		/* a local file could not be read or written */
	CTI_EFORMAT = -4,	/* malformed input: not JSON, not STIX, bad UTF-8 */
	CTI_ELIMIT = -5,	/* a size or nesting limit was exceeded */
	CTI_EEXIST = -6,	/* refusing to overwrite an existing file */
	CTI_EBADSIG = -7,	/* a signature does not verify */
	CTI_ENOSIG = -8,	/* no signature where one is required */
	CTI_EUNTRUSTED = -9,	/* signed, but by no trusted key */
	CTI_ETHRESHOLD = -10,	/* fewer distinct trusted signers than required */
	CTI_EREPLAY = -11,	/* sequence number replayed or rolled back */
	CTI_EEXPIRED = -12,	/* signature expired or older than allowed */
	CTI_ELEGACY = -13,	/* legacy (non-prehashed) signature refused */
	CTI_EPASS = -14,	/* wrong passphrase for a secret key */
	CTI_EPOLICY = -15,	/* another policy check failed (feed name ...) */
	CTI_ELOCKED = -16,	/* a lock is held by another process */
	CTI_ENET = -17,		/* network or server trouble worth retrying */
	CTI_EREMOTE = -18,	/* the remote side refused the request */
	CTI_EUSAGE = -19,	/* bad option or option value */
};

/* The name of an error code ("malformed input"); never NULL. */
const char *cti_strerror(int err);

/*
 * The detail message of the last error in this thread, without a trailing
 * newline, for example "in.json:3:17: invalid UTF-8 in string". Never NULL;
 * "" when there is none. Valid until the next libcti call in this thread.
 */
const char *cti_errmsg(void);

/*
 * The exit status the cti command uses for an error code (shared/PRODUCT.md):
 * 0 success, 1 a signature or policy check failed, 2 usage, 3 bad input,
 * 4 local I/O, 5 network worth retrying, 6 remote refused.
 */
int cti_exit_status(int err);

/* The library version, CTI_VERSION of the build. */
const char *cti_version(void);

/*
 * Remove the temporary files of the outputs this process is writing (every
 * file libcti writes goes first to a temporary file beside its target).
 * Async-signal-safe: a program's SIGINT, SIGTERM and SIGHUP handlers call
 * it, then re-raise the signal. What a process killed outright (SIGKILL)
 * leaves behind is removed by the next write to the same target.
 */
void cti_cleanup(void);

/* Called with one diagnostic line (no newline) that does not stop the work. */
typedef void (*cti_warn_fn)(void *ctx, const char *msg);

/* Called now and then during long work: done of total bytes (total 0 when
 * it is not known). For a progress display; it must not call libcti. */
typedef void (*cti_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* ---------------------------------------------------------------- limits */

/* Largest single STIX object accepted (minified JSON bytes). */
#define CTI_MAX_OBJECT (16u << 20)
/* Deepest JSON nesting accepted, counting the bundle itself. */
#define CTI_MAX_DEPTH 100
/* Longest line of an indicator list or CSV file. */
#define CTI_MAX_LINE (64u << 10)

/* ------------------------------------------------------------ time, units */

/* The last time cti writes, 9999-12-31T23:59:59Z: STIX timestamps have
 * four-digit years. */
#define CTI_TIME_MAX INT64_C(253402300799)

/* Parse a duration "90s", "15m", "12h", "30d", "2w" into seconds: decimal
 * digits and one lower-case unit, nothing else. CTI_EUSAGE when malformed
 * or longer than CTI_TIME_MAX seconds (so that now plus a duration never
 * overflows; a time that passes CTI_TIME_MAX is the caller's to refuse). */
int cti_parse_duration(int64_t *out_seconds, const char *s);

/* Parse an RFC 3339 time ("2026-11-22T10:00:00Z", offsets allowed) into
 * Unix seconds. Fractions of a second are dropped. 't', 'z' and a space
 * for 'T' are accepted (RFC 3339 section 5.6 note); a leap second :60 is
 * the next minute's first. CTI_EUSAGE when malformed or out of range. */
int cti_parse_time(int64_t *out_unix, const char *s);

/*
 * Parse a STIX timestamp ("2026-11-22T10:00:00Z", "...:00.123456Z": any
 * number of fraction digits, always UTC with an upper-case 'Z') into
 * milliseconds since the epoch; digits after the third are truncated, so
 * values equal to the millisecond compare equal. CTI_EFORMAT otherwise.
 */
int cti_parse_stix_time(int64_t *out_ms, const char *s);

/*
 * Write t as a STIX timestamp "YYYY-MM-DDTHH:MM:SS.000Z" into buf (at least
 * 25 bytes). Returns buf.
 */
char *cti_format_time(char *buf, size_t size, int64_t t);

/*
 * The time libcti uses for "now" in content it creates: SOURCE_DATE_EPOCH
 * when set and valid (reproducible builds: decimal digits only, at most
 * 253402300799, the end of year 9999), else the clock.
 */
int64_t cti_now(void);

/* ------------------------------------------------------------- reading STIX */

/*
 * cti_reader streams STIX objects out of a file: a gzip bundle file as cti
 * writes it (signatures in the header are skipped, not checked), any gzip
 * file, or plain JSON. The JSON may be a bundle ({"type":"bundle",
 * "objects":[...]}; without "objects" it holds no object), an array of
 * objects, a single object, or JSON Lines. Only one object is held in
 * memory at a time. Every byte is validated (JSON grammar, UTF-8,
 * CTI_MAX_DEPTH, CTI_MAX_OBJECT), and I-JSON (RFC 7493) as
 * cti_json_canonical() has it: a member name repeated in an object
 * (compared as decoded strings) and a number beyond the range of a double
 * are CTI_EFORMAT. Depth counts as the object will be in a bundle, whatever
 * the layout (an object's own level is 3), so that what is read can be
 * written into a bundle and read again.
 */
typedef struct cti_reader cti_reader;

/* One object, borrowed from the reader until the next cti_reader_next().
 * The strings but json are the object's top-level string members of those
 * names, escapes decoded; a "spec_version" that is not a string is
 * CTI_EFORMAT. */
struct cti_object {
	const char *json;	  /* the object as minified JSON, NUL-terminated */
	size_t len;		  /* strlen(json) */
	const char *type;	  /* top-level "type" value, or NULL */
	const char *id;		  /* top-level "id", or NULL */
	const char *modified;	  /* top-level "modified", or NULL */
	const char *spec_version; /* top-level "spec_version", or NULL */
	uint64_t line;		  /* line of the input where the object starts */
	uint64_t index;		  /* 0 for the first object of the input */
	const char *created;	  /* top-level "created", or NULL */
};

/* How the input was laid out. */
enum cti_layout {
	CTI_LAYOUT_UNKNOWN = 0,
	CTI_LAYOUT_BUNDLE,	/* {"type":"bundle", ...} */
	CTI_LAYOUT_ARRAY,	/* [ {...}, ... ] */
	CTI_LAYOUT_OBJECT,	/* one object */
	CTI_LAYOUT_LINES,	/* JSON Lines */
};

/*
 * Open path ("-" for standard input) for reading. name is what error
 * messages call the input (NULL: the path). On success *out owns the file
 * descriptor.
 */
int cti_reader_open(cti_reader **out, const char *path, const char *name);

/*
 * Read from an already open descriptor (not closed by the reader).
 * prefix/prefix_len are bytes already read from fd that come first (may be
 * NULL/0, at most 512 KiB: enough for any gzip header, CTI_GZHDR_MAX);
 * they are copied. CTI_EINVAL for a longer prefix.
 */
int cti_reader_open_fd(cti_reader **out, int fd, const char *name,
		       const void *prefix, size_t prefix_len);

/*
 * The next object: *out points to it, or is NULL at the end of the input.
 * Returns CTI_OK, or an error (CTI_EFORMAT, CTI_ELIMIT, CTI_EIO) whose
 * message names the input and line:column.
 */
int cti_reader_next(const struct cti_object **out, cti_reader *r);

/* Layout seen so far; meaningful after the first cti_reader_next(). */
enum cti_layout cti_reader_layout(const cti_reader *r);

/* The bundle's "spec_version" ("2.0" for STIX 2.0 bundles), or NULL. */
const char *cti_reader_bundle_spec(const cti_reader *r);

/* The bundle's "id", or NULL (may be known only after the objects). */
const char *cti_reader_bundle_id(const cti_reader *r);

/* Bytes read from the file so far, and decompressed bytes so far. */
uint64_t cti_reader_raw_bytes(const cti_reader *r);
uint64_t cti_reader_json_bytes(const cti_reader *r);

/* Whether the input was gzip-compressed. */
int cti_reader_is_gzip(const cti_reader *r);

void cti_reader_free(cti_reader *r);

/* ------------------------------------------------------------- writing bundles */

/*
 * cti_writer writes one bundle file: gzip (RFC 1952, zero mtime, no name)
 * around {"type":"bundle","objects":[...],"id":"bundle--UUID"}. The bundle
 * id is a UUIDv5 of the BLAKE2b-256 hash of the objects text, so it comes
 * last and the same objects always give the same id. Objects are written in
 * the order they are added; an object whose (id, modified) was already
 * written is dropped: the first copy stands (the duplicate index costs 16
 * bytes per object, and tells an identical copy from a different one).
 */
typedef struct cti_writer cti_writer;

struct cti_writer_opts {
	int level;	  /* zlib level 0-9; -1 for the default (6) */
	int plain;	  /* write plain JSON, no gzip */
	unsigned mode;	  /* file mode for a new file (0: 0644 & ~umask) */
	int no_dedup;	  /* keep duplicates */
};

/*
 * Open path for writing ("-" or NULL: standard output). A path is written to
 * a temporary file in the same directory, renamed over path only by
 * cti_writer_close(), so a failed write never leaves a partial file.
 * opts may be NULL.
 */
int cti_writer_open(cti_writer **out, const char *path,
		    const struct cti_writer_opts *opts);

/*
 * Add one object: json/len is a complete JSON object, written as is (the
 * caller vouches that it is valid, minified JSON). id and modified are the
 * dedup key (modified may be NULL). *added (may be NULL) is set to 1 when it
 * was written, 0 when it was dropped as a copy of an object written before
 * (same key, same bytes), -1 when it was dropped although its bytes differ
 * from those of the object written under its key (which the caller may
 * want to report: STIX wants a new "modified" for new content).
 */
int cti_writer_add(cti_writer *w, const char *json, size_t len,
		   const char *id, const char *modified, int *added);

/* Objects written so far, and uncompressed/compressed bytes. */
uint64_t cti_writer_count(const cti_writer *w);
uint64_t cti_writer_json_bytes(const cti_writer *w);

/*
 * Finish the bundle, flush and fsync it, and rename it into place.
 * Frees w whatever happens. On error nothing is left at the path.
 */
int cti_writer_close(cti_writer *w);

/* Discard everything written and free w. NULL is allowed. */
void cti_writer_abort(cti_writer *w);

/* ------------------------------------------------------------- indicators */

/* What an indicator value is. */
enum cti_ioc_type {
	CTI_IOC_NONE = 0,
	CTI_IOC_IPV4,
	CTI_IOC_IPV6,
	CTI_IOC_IPV4_CIDR,
	CTI_IOC_IPV6_CIDR,
	CTI_IOC_DOMAIN,
	CTI_IOC_URL,
	CTI_IOC_EMAIL,
	CTI_IOC_MD5,
	CTI_IOC_SHA1,
	CTI_IOC_SHA256,
	CTI_IOC_SHA512,
};

/* "ipv4", "ipv6", "ipv4-cidr", "ipv6-cidr", "domain", "url", "email",
 * "md5", "sha1", "sha256", "sha512"; NULL for CTI_IOC_NONE. */
const char *cti_ioc_type_name(enum cti_ioc_type t);
/* The inverse of cti_ioc_type_name(), without case; also takes the STIX
 * names "ipv4-addr", "ipv6-addr", "domain-name", "email-addr", and
 * "hostname", "sha-1", "sha-256", "sha-512". CTI_IOC_NONE when unknown. */
enum cti_ioc_type cti_ioc_type_parse(const char *name);

/*
 * Classify and normalise one value. out receives the normal form,
 * NUL-terminated; size: at least len + 2 (len + 1 is enough for all but
 * IPv6 addresses, which may gain a byte as "1:2:3:4:5:6:0:8", and are
 * refused as CTI_IOC_NONE when they do not fit). Returns the type,
 * CTI_IOC_NONE when the value is none of the known kinds.
 *  - Refanging: "hxxp" at the start (any case) becomes "http"; inside
 *    [], () or {}: "." and "dot" become ".", ":" ":", "@" and "at" "@",
 *    "://" "://" ("example[.]com", "a(dot)b.org", "x[@]y.org").
 *  - IPv4: dotted quad; an octet with a leading zero ("010.1.1.1") is
 *    refused, being octal to some tools and decimal to others. CIDR
 *    "a.b.c.d/n", n 0-32, kept as written (host bits are not cleared).
 *  - IPv6: any RFC 4291 form, "::" and an embedded IPv4 address included,
 *    no zone id; written in RFC 5952 form (lower case, shortest, the
 *    IPv4-mapped "::ffff:a.b.c.d" in mixed notation). CIDR "/n", n 0-128.
 *  - Domain: LDH labels of 1-63 bytes (not starting or ending with '-',
 *    '_' allowed except in the top-level label), two labels or more, 253
 *    bytes at most, a top-level label of letters or an "xn--" A-label;
 *    lower-cased, one trailing dot dropped. Non-ASCII names must come as
 *    A-labels.
 *  - URL: scheme "://" [userinfo "@"] host [":" port] [path...], the host a
 *    domain as above, a dotted quad or [IPv6]; no spaces or control bytes,
 *    valid UTF-8. Scheme and host are lower-cased, nothing else changes.
 *  - Email: dot-atom local part (64 bytes at most, case kept) "@" domain
 *    (lower-cased).
 *  - MD5, SHA-1, SHA-256, SHA-512: 32, 40, 64, 128 hex digits, lower-cased.
 */
enum cti_ioc_type cti_ioc_classify(char *out, size_t size, const char *value,
				   size_t len);

/* One line of an indicator list, split; pointers into the line. */
struct cti_ioc_line {
	const char *value;	/* the value (not NUL-terminated) */
	size_t value_len;
	const char *rest;	/* the text after it; may be empty */
	size_t rest_len;
	const char *port;	/* "443" of "host:443" and "[ip]:443", or NULL */
	size_t port_len;
};

/*
 * Split one line of an indicator list or a report (its line end may be
 * included) into the value and the rest. A UTF-8 byte order mark and
 * spaces around are ignored, and so are, before the value:
 *  - a bullet: "- ", "* ", "\u2022 " (a bullet sign), "1. " or "1) ";
 *  - a label of one to three words and a colon: "SHA256: ", "IP address: ".
 * The value ends at the first white space, and unless it is a URL
 * (defanged or not) also at the first ';' or ','. Then, unless it is a URL,
 * "host:PORT" and "[IPv6]:PORT" (PORT 0-65535) give the host or address as
 * the value and PORT as the port, "[IPv6]" the address, and a colon that
 * ends the value is dropped ("evil.com: c2"). The rest has the separators,
 * a '#' and spaces stripped from its start and spaces from its end:
 * "1.2.3.4<TAB>10" gives "1.2.3.4" and "10", "HASH  name.exe" "HASH" and
 * "name.exe", "a.com;c2 server" "a.com" and "c2 server", "- a.com:8080 c2"
 * "a.com", port "8080" and "c2". Returns 0 for a blank or '#' comment line
 * (also after a bullet), 1 when *out is filled.
 */
int cti_ioc_split_line(struct cti_ioc_line *out, const char *line, size_t len);

/*
 * The STIX pattern for a normalised value of type t, with quotes and
 * backslashes escaped, e.g. "[ipv4-addr:value = '198.51.100.7']"; CIDR
 * ranges go in ipv4-addr/ipv6-addr values, hashes as file:hashes.MD5,
 * file:hashes.'SHA-1', file:hashes.'SHA-256' and file:hashes.'SHA-512'.
 * Written NUL-terminated to out; returns its length, or a negative error
 * (CTI_ELIMIT when size is too small, CTI_EINVAL for CTI_IOC_NONE).
 */
int cti_ioc_pattern(char *out, size_t size, enum cti_ioc_type t,
		    const char *value);

/*
 * Deterministic ids: "TYPE--" followed by the UUIDv5 of name under the
 * namespace CTI_UUID_NAMESPACE (RFC 9562 section 5.5). out: at least
 * strlen(type) + 39 bytes. Indicators use name = their pattern, identities
 * their name, so the same value always has the same id. Returns out, or
 * NULL when size is too small or type is NULL.
 */
#define CTI_UUID_NAMESPACE "c7f0ae4e-5b0f-4b8e-9d21-3a6f1d7c2e90"
char *cti_stix_id(char *out, size_t size, const char *type, const char *name,
		  size_t name_len);

/*
 * CSV (RFC 4180) reader for indicator tables with a header row. The value
 * column is "value", "indicator" or "ioc" (or the name given), optional
 * "type", "confidence", "first_seen" (or "valid_from"; to valid_from),
 * "description" and "labels" (or "tags"; separated by ';' or '|') columns.
 * Header names match without case, ' ' and '-' counting as '_'; the first
 * of equal names wins. The input may be gzip-compressed and start with a
 * UTF-8 byte order mark; lines end in LF, CRLF or CR.
 *  - The separator is ',', ';', TAB or '|': the one given, else the one
 *    of these that makes the header name a value column, else the one
 *    that splits the header into the most fields, else ','. (Spreadsheets
 *    set to European locales write ';'.)
 *  - Quoted fields hold the separator, CR, LF and '""' for '"'. Spaces
 *    around a field are dropped (tabs too, unless TAB separates), spaces
 *    inside quotes kept. A '"' inside an unquoted field, anything but
 *    spaces and a separator after a closing quote, and a quoted field
 *    still open at the end are CTI_EFORMAT ("FILE:LINE: ...").
 *  - Blank lines are skipped. Ragged rows are tolerated: a missing trailing
 *    field reads as absent (value "", others NULL), extra fields are
 *    ignored, as spreadsheets export them.
 *  - Every field must be valid UTF-8 (CTI_EFORMAT); a row longer than
 *    CTI_MAX_LINE bytes is CTI_ELIMIT. Memory does not grow with the file.
 */
typedef struct cti_csv cti_csv;

struct cti_csv_row {
	const char *value;	 /* never NULL */
	const char *type;	 /* may be NULL; "ipv4", "domain" ... */
	const char *confidence;	 /* may be NULL */
	const char *first_seen;	 /* may be NULL */
	const char *description; /* may be NULL */
	const char *labels;	 /* may be NULL */
	uint64_t line;		 /* the row's first line in the file */
};

struct cti_csv_opts {
	const char *column;	/* the value column's name; NULL: "value",
				   "indicator" or "ioc" */
	int delimiter;		/* ',', ';', '\t' or '|'; 0: detected */
};

/*
 * Read a CSV table from fd (not closed); prefix/prefix_len are bytes already
 * read from fd. opts may be NULL. The header row is read here: CTI_EFORMAT
 * when it has no value column (the message lists the header's names),
 * CTI_EINVAL for a separator not in the list.
 */
int cti_csv_open(cti_csv **out, int fd, const char *name,
		 const struct cti_csv_opts *opts, const void *prefix,
		 size_t prefix_len);
/* The next row (*out NULL at the end); borrowed until the next call.
 * Empty optional fields are NULL. After an error every call fails. */
int cti_csv_next(const struct cti_csv_row **out, cti_csv *c);
void cti_csv_free(cti_csv *c);

/* ------------------------------------------------------------------ pack */

enum cti_from {
	CTI_FROM_AUTO = 0,
	CTI_FROM_STIX,
	CTI_FROM_LIST,
	CTI_FROM_CSV,
};

enum cti_tlp {
	CTI_TLP_NONE = 0,
	CTI_TLP_CLEAR,
	CTI_TLP_GREEN,
	CTI_TLP_AMBER,
	CTI_TLP_AMBER_STRICT,
	CTI_TLP_RED,
};

/* "clear", "green", "amber", "amber+strict", "red" to enum; NONE if other.
 * Case-insensitive, an optional "TLP:" prefix, "white" is "clear". */
enum cti_tlp cti_tlp_parse(const char *name);
/* The TLP 2.0 marking-definition id, or NULL for CTI_TLP_NONE. */
const char *cti_tlp_id(enum cti_tlp t);
/* The TLP level of a marking-definition id: the TLP 2.0 ones, and the TLP
 * 1.0 ones of STIX 2.1 (section 7.2.1.4; its AMBER, shared inside the
 * recipient's organisation only, is TLP 2.0's AMBER+STRICT). CTI_TLP_NONE
 * for any other id. */
enum cti_tlp cti_tlp_from_id(const char *id);
/* "TLP:CLEAR" ... */
const char *cti_tlp_label(enum cti_tlp t);
/*
 * The standard TLP 2.0 marking-definition object as minified JSON, exactly
 * the object OASIS publishes (cti-stix-common-objects), or NULL for
 * CTI_TLP_NONE. Static storage.
 */
const char *cti_tlp_object(enum cti_tlp t);

struct cti_pack_opts {
	enum cti_from from;	  /* force the input format */
	const char *producer;	  /* identity name, or NULL */
	enum cti_tlp tlp;	  /* marking for created objects */
	const char *const *labels; /* NULL-terminated, or NULL */
	int confidence;		  /* 0-100, or -1 for none */
	int64_t valid_for;	  /* seconds; 0: no valid_until */
	const char *column;	  /* CSV value column, or NULL */
	int delimiter;		  /* CSV separator (cti_csv_opts), 0: detected */
	int strict;		  /* an unrecognised line is fatal */
	int level;		  /* zlib level, -1 default */
	int plain;		  /* write plain JSON */
	cti_warn_fn warn;	  /* skipped lines etc.; may be NULL */
	void *warn_ctx;
	cti_progress_fn progress; /* bytes read of the inputs' sizes (total 0
				     when one of them is not a file); may be
				     NULL */
	void *progress_ctx;
	const char *base;	  /* the previous release (a file, or a
				     directory of releases), or NULL */
	int revoke_missing;	  /* with base: its indicators that the inputs
				     no longer hold are written revoked */
};

struct cti_pack_stats {
	uint64_t read;		/* objects, values and rows read */
	uint64_t written;	/* objects written: the three below */
	uint64_t indicators;	/* indicators created from values */
	uint64_t passed;	/* STIX objects passed through */
	uint64_t added;		/* objects cti added: identity, marking */
	uint64_t skipped;	/* values and rows that are no indicator */
	uint64_t duplicate;	/* dropped as copies of an object written */
	int need_column;	/* the error was a CSV table whose header names
				   no value column: a caller may suggest
				   naming one */
	/* with a base, of the objects written: */
	uint64_t kept;		/* as the base has them */
	uint64_t modified;	/* new versions of the base's */
	uint64_t revoked;	/* revoked versions of the base's */
	uint64_t left_out;	/* the base's that the inputs no longer hold,
				   not written */
};

/*
 * Pack the inputs (paths, "-" for stdin) into one bundle file at output
 * ("-" or NULL: stdout). The format of each input is detected (opts->from
 * forces one): JSON when its first character is '{', or '[' followed by
 * '{', '[', '"' or ']', or when up to 8 other punctuation characters come
 * before such a start (the JSON error is then reported, not each line as
 * no indicator); CSV when opts->delimiter is set, or when its first line
 * splits on ',', ';', TAB or '|' into names of which one is a value column
 * (or, with two lines or more of the same number of fields, into names
 * none of which is an indicator: a table whose value column must be
 * named); an indicator list otherwise.
 *  - STIX objects are carried through byte-exact (minified). STIX 2.0
 *    content is marked, not upgraded: as STIX 2.1 says (section 3.2), an
 *    object without "spec_version" is STIX 2.0 unless it is a cyber
 *    observable, so an object without it that has "created" and whose type
 *    is none of the 18 cyber-observable types of STIX 2.1 gets
 *    "spec_version":"2.0" as its first member. This looks at the object
 *    alone: the output does not depend on where a bundle puts its own
 *    "spec_version". An object that would then exceed CTI_MAX_OBJECT is
 *    CTI_ELIMIT.
 *  - List and CSV values become indicators with deterministic ids (see
 *    cti_ioc_split_line() for report-style lines; a port goes to the
 *    description). CSV cells: "first_seen" is RFC 3339 or a date
 *    ("2026-11-02": its midnight UTC), "confidence" a whole number 0-100
 *    ("+50" and "007" are 50 and 7, written canonically), "type" one of
 *    the names cti_ioc_type_parse() takes; anything else there is
 *    CTI_EFORMAT naming FILE:LINE, but an unknown or mismatched type,
 *    like a value that is no indicator, is a warning and the row is
 *    skipped (an error with opts->strict). An input whose every value is
 *    skipped is CTI_EFORMAT.
 *  - Objects with the same id and "modified" are written once, the first
 *    copy; a later copy with other bytes is reported as a warning naming
 *    the id.
 *  - With opts->base, the objects cti_pack() makes (the indicators, the
 *    identity of opts->producer) keep what the previous release says of
 *    them, so that a list that did not change gives a release that did
 *    not either (cti_diff_run() finds no difference), whatever the clock:
 *     - an object whose id and content (all but its times) are those of
 *       the base's is written exactly as the base has it, the same bytes;
 *     - one whose content changed (description, labels, confidence,
 *       markings...) keeps the base's "created" and "valid_from" (unless
 *       the input gives a first_seen) and gets "modified" now (or 1 ms after
 *       the base's, if that is not earlier);
 *     - with opts->valid_for, "valid_until" is kept while at least half of
 *       valid_for remains of it (and no more than all of it), else it
 *       becomes now plus valid_for, a new version; a new version for
 *       another reason is valid for all of valid_for again;
 *     - a new object gets now;
 *     - an object revoked in the base stays as it is there (STIX allows no
 *       new version of it), with a warning when an input holds it again;
 *     - an indicator of the base that no input holds is left out, or with
 *       opts->revoke_missing (unless its valid_until has passed) written as
 *       a new version of itself with "revoked":true, when it is one
 *       cti_pack() made for this producer
 *       (its id that of its pattern, its created_by_ref opts->producer's or
 *       neither has one); such a one revoked in the base and still
 *       missing is kept as it is until its valid_until has passed.
 *    base is a file in any form cti_reader_open() reads (signatures are not
 *    checked), or a directory: its file "bundle" (the last good copy that
 *    cti pull keeps in its state directory), else its most recently
 *    modified regular file named *.cti, *.json or *.json.gz (not starting
 *    with '.'; of equal times, the greatest name); a directory without one
 *    gives a first release, with a warning. It is read on a thread of its
 *    own as far as the inputs need it; only its indicators and identities
 *    are indexed, in some 80 bytes each (of several versions of an id, the
 *    first stands); it is read once more at the end when objects equal to
 *    its own but written otherwise (by another program) are copied from
 *    it, or revoked versions are made.
 *    STIX objects read from the inputs are written as they are.
 * stats may be NULL. On error no output file is left. CTI_EUSAGE when
 * valid_for takes valid_until past the year 9999, for revoke_missing
 * without base, and for a base of "-".
 */
int cti_pack(struct cti_pack_stats *stats, const char *output,
	     const char *const *inputs, size_t ninputs,
	     const struct cti_pack_opts *opts);

/* ---------------------------------------------------------- gzip header */

/*
 * Signatures travel in the gzip header's extra field (RFC 1952 FEXTRA), one
 * subfield per signature with the subfield id CTI_SIG_SI1 CTI_SIG_SI2.
 */
#define CTI_SIG_SI1 'C'
#define CTI_SIG_SI2 'S'
/* The largest gzip header cti reads: 10 fixed bytes, XLEN, the extra
 * field, 64 KiB of file name and comment, the header CRC. */
#define CTI_GZHDR_MAX (10u + 2u + 65535u + (64u << 10) + 2u)

/* ------------------------------------------------ keys, signing, verifying */

/*
 * Keys, signatures and their checks, in minisign's formats (Ed25519; the
 * key id is the 8-byte little-endian "keynum", printed "%016" PRIX64).
 *
 * Embedded signatures: one gzip FEXTRA subfield per signature, id
 * CTI_SIG_SI1 CTI_SIG_SI2, whose data is binary:
 *   sig_alg(2) keynum(8) signature(64) global_signature(64)
 *   trusted_comment(rest: UTF-8, no NUL, CR or LF)
 * sig_alg is "ED" (Ed25519 over the BLAKE2b-512 of the signed bytes); the
 * legacy "Ed" (over the bytes themselves) is read, never written. The
 * untrusted comment of minisign's text format is not embedded: it is not
 * authenticated, and every byte of a signed file must be.
 *
 * Signed bytes: the file with every cti signature subfield removed from the
 * extra field; when no subfield is left, XLEN is removed as well and the
 * FEXTRA flag cleared. Other subfields, FNAME and FCOMMENT are kept (and
 * signed). A file cti pack writes has no extra field, so its signed bytes
 * are the file itself. Files with a header CRC (FHCRC) cannot carry
 * embedded signatures (CTI_EFORMAT); they can be signed detached. Plain
 * (non-gzip) files are signed detached, over all their bytes.
 *
 * Trusted comment: "timestamp:UNIX\tfile:NAME\thashed" as minisign writes
 * it, then "\tfeed:NAME", "\tseq:N", "\texpires:UNIX" for each that is set.
 * Unknown keys are ignored by the verifier.
 */

/* Largest passphrase accepted, in bytes. */
#define CTI_PASS_MAX 1024
/* Largest trusted comment accepted or written, in bytes. */
#define CTI_COMMENT_MAX 8192
/* Largest input a legacy ("Ed") signature is checked over. */
#define CTI_LEGACY_MAX (64u << 20)
/* Most keys in a keyring. */
#define CTI_KEYRING_MAX 4096

/*
 * Supplies a passphrase: write it (no newline, no NUL needed) into buf,
 * which is size bytes of sodium_malloc() memory owned by libcti and wiped
 * after use, and return its length, or a negative CTI_E* code (which libcti
 * returns as is: the callback reports its own detail). confirm is 0 when a
 * key is decrypted, 1 when a new key is encrypted, 2 when it asks again to
 * confirm (only with cti_keygen_opts.confirm). path names the secret key
 * file. Never called for an unencrypted key.
 */
typedef int (*cti_passphrase_fn)(void *ctx, char *buf, size_t size,
				 const char *path, int confirm);

struct cti_keygen_opts {
	const char *comment;	/* untrusted comment of both files, or NULL
				   for minisign's defaults */
	int unencrypted;	/* store the secret key without a passphrase */
	int force;		/* overwrite existing key files */
	cti_passphrase_fn passphrase; /* required unless unencrypted */
	void *passphrase_ctx;
	int confirm;		/* ask twice (a terminal); a mismatch is
				   CTI_EPASS */
};

/*
 * Generate an Ed25519 key pair and write pub_path (mode 0644 & ~umask) and
 * sec_path (mode 0600) in minisign's formats; the secret key is encrypted
 * with scrypt (crypto_pwhash_scryptsalsa208sha256, OPSLIMIT_SENSITIVE,
 * MEMLIMIT_SENSITIVE: 1 GiB) and xor, as minisign does. Both files are
 * written to temporary files and moved into place; without opts->force an
 * existing file is never replaced (CTI_EEXIST, and nothing is written).
 * keyid (may be NULL) receives the key id. Errors: CTI_EEXIST, CTI_EIO,
 * CTI_ENOMEM, CTI_EINVAL, or what the passphrase callback returned.
 */
int cti_keygen(uint64_t *keyid, const char *pub_path, const char *sec_path,
	       const struct cti_keygen_opts *opts);

/* A secret key, held in sodium_malloc() memory. */
typedef struct cti_seckey cti_seckey;

/*
 * Read a minisign secret key file (encrypted or not) and decrypt it,
 * asking fn for the passphrase when it is encrypted. On success *out owns
 * the key. Errors: CTI_EIO, CTI_EFORMAT (not a minisign secret key, an
 * unsupported algorithm), CTI_ELIMIT (scrypt parameters above minisign's),
 * CTI_EPASS (wrong passphrase: the key's checksum does not match).
 */
int cti_seckey_load(cti_seckey **out, const char *path, cti_passphrase_fn fn,
		    void *ctx);
/* As cti_seckey_load() from text in memory; name is used in messages. */
int cti_seckey_parse(cti_seckey **out, const char *text, size_t len,
		     const char *name, cti_passphrase_fn fn, void *ctx);
/* The key id of a secret key. */
uint64_t cti_seckey_id(const cti_seckey *sk);
/* Wipe and free; NULL is allowed. */
void cti_seckey_free(cti_seckey *sk);

/* A set of trusted public keys, each with a name. */
typedef struct cti_keyring cti_keyring;

int cti_keyring_new(cti_keyring **out);
/*
 * Add the keys of path: a minisign public key file (one key), a keyring
 * file (several "untrusted comment:" + base64 line pairs) or a directory
 * (every "*.pub" file in it, not recursing). A key's name is the file name
 * without ".pub" for directory entries; for files, the untrusted comment
 * unless it is empty or minisign's default ("minisign public key ..."),
 * then the file's base name without ".pub" (a single key) or the key id.
 * Control characters in names become '?'. A key already in the ring is not
 * added twice; another key with the same key id is CTI_EFORMAT. Errors:
 * CTI_EIO, CTI_EFORMAT, CTI_ELIMIT (a file over 1 MiB, more than
 * CTI_KEYRING_MAX keys).
 */
int cti_keyring_add(cti_keyring *kr, const char *path);
/* Add the keys of text/len (the format of a key file); name as above. */
int cti_keyring_add_mem(cti_keyring *kr, const char *text, size_t len,
			const char *name);
/* Add one key given as minisign's base64 string (minisign -P). */
int cti_keyring_add_base64(cti_keyring *kr, const char *b64,
			   const char *name);
/* The number of keys. */
size_t cti_keyring_count(const cti_keyring *kr);
/* The name of key keyid, or NULL when it is not in the ring (borrowed). */
const char *cti_keyring_name(const cti_keyring *kr, uint64_t keyid);
void cti_keyring_free(cti_keyring *kr);

/* Write a key id as minisign prints it: 16 upper-case hex digits + NUL. */
char *cti_keyid_format(char out[17], uint64_t keyid);

/* Longest feed name: letters, digits, '.', '_' and '-', not starting
 * with '.'. */
#define CTI_FEED_MAX 64

/* What cti_keyring_key() tells of one key. */
struct cti_key_info {
	uint64_t keyid;		/* chosen at random by the key's maker: it
				   names a key, it does not vouch for one */
	const char *name;	/* as in cti_keyring_name() (borrowed) */
	const char *comment;	/* the untrusted comment line, "" when none,
				   control characters as '?' (borrowed) */
	char base64[57];	/* the key as minisign -P takes it */
	char fingerprint[40];	/* BLAKE2b-128 of the key's 42 bytes (those
				   of base64), in eight groups of four hex
				   digits, "1a2b 3c4d ...": to compare over
				   the phone */
};

/*
 * The i-th key of the ring, in the order the keys were added. Strings are
 * borrowed from kr. CTI_EINVAL when i is out of range.
 */
int cti_keyring_key(struct cti_key_info *out, const cti_keyring *kr,
		    size_t i);

struct cti_sign_opts {
	const char *feed;	/* "feed:" value, or NULL (CTI_FEED_MAX) */
	int64_t seq;		/* "seq:" value, or -1 for none */
	int64_t expires;	/* "expires:" Unix time, or 0 for none; after
				   the timestamp, at most CTI_TIME_MAX */
	int64_t timestamp;	/* 0: the clock. Never SOURCE_DATE_EPOCH: a
				   signature says when it was made */
	int adopt;		/* what is unset above, take from the
				   signatures embedded in the file already */
	int detached;		/* write a minisign .minisig file */
	const char *sig_path;	/* detached: its path (NULL: PATH.minisig,
				   or standard output when path is "-";
				   "-": standard output) */
	const char *comment;	/* detached: the untrusted comment, or NULL */
	const char *name;	/* the trusted comment's "file:" value; NULL:
				   path's base name ("-" for standard input) */
};

/* What cti_sign_file() signed. */
struct cti_sign_result {
	uint64_t keyid;
	int64_t timestamp;
	char feed[CTI_FEED_MAX + 1];	/* "" when none */
	int64_t seq;			/* -1 when none */
	int64_t expires;		/* 0 when none */
	unsigned adopted;		/* CTI_ADOPTED_* bits: taken from the
					   file's signatures */
};
#define CTI_ADOPTED_FEED 1u
#define CTI_ADOPTED_SEQ 2u
#define CTI_ADOPTED_EXPIRES 4u

/*
 * Sign path with sk. Embedded (the default): path must be a gzip file; the
 * signature is added to its header and the file replaced atomically (same
 * mode); a signature by another key is kept, an earlier one by the same key
 * replaced; an flock() on the file makes concurrent signers take turns.
 * Detached: the signature over the signed bytes is written (atomically) to
 * opts->sig_path in minisign's text format, so minisign -V accepts it when
 * the file has no embedded signatures; path may then be "-". Reads the file
 * once, in fixed-size buffers.
 *
 * A feed goes with a seq. With opts->adopt, a co-signer's signature says
 * what the file's embedded signatures say (they are read, not verified):
 * without a feed and seq, their feed and seq, which must agree
 * (CTI_EPOLICY otherwise); with a feed but no seq, the seq of the
 * signatures for that feed (CTI_EUSAGE when there is none); without an
 * expiry, the earliest of theirs (CTI_EEXPIRED when it has passed).
 *
 * res (may be NULL) receives what was signed. Errors: CTI_EIO, CTI_EFORMAT
 * (not gzip, FHCRC, malformed header or signature), CTI_ELIMIT (the extra
 * field would exceed 65535 bytes), CTI_EUSAGE (bad feed name, a feed
 * without a seq or a seq without a feed, an expiry not after the
 * timestamp or past CTI_TIME_MAX, a comment with a newline, "-" embedded,
 * not a regular file), CTI_EPOLICY, CTI_EEXPIRED, CTI_ELOCKED, CTI_EINVAL.
 */
int cti_sign_file(struct cti_sign_result *res, const cti_seckey *sk,
		  const char *path, const struct cti_sign_opts *opts);

/*
 * What cti_sign_file() would sign into path (res: all but keyid) and
 * whether it can, from the first bytes of the file, without a key: so that
 * a program can refuse before it asks for a passphrase. It reads path, so
 * not for standard input or a pipe. Errors as cti_sign_file()'s.
 */
int cti_sign_plan(struct cti_sign_result *res, const char *path,
		  const struct cti_sign_opts *opts);

/*
 * The next sequence number of feed, for signers that do not count their
 * releases themselves: reads, bumps and atomically rewrites
 * state_dir/seq/FEED under an flock() on state_dir/seq/FEED.lock (waiting
 * at most 30 seconds: CTI_ELOCKED), so two signers never get the same
 * number. The first number is 1. state_dir NULL: cti_state_dir(). Errors:
 * CTI_EIO, CTI_ELOCKED, CTI_EINVAL (bad feed name, no state directory),
 * CTI_EFORMAT (a corrupt counter file).
 */
int cti_seq_next(int64_t *seq, const char *state_dir, const char *feed);

/*
 * The default state directory: $XDG_STATE_HOME/cti when that is an
 * absolute path, else $HOME/.local/state/cti. Returns a malloc()ed string
 * the caller frees, or NULL when neither variable is set.
 */
char *cti_state_dir(void);

/*
 * The default configuration directory, where the cti command keeps its
 * own key pair (cti.pub, cti.key) and the trusted keys (trusted/):
 * $XDG_CONFIG_HOME/cti when that is an absolute path, else
 * $HOME/.config/cti. malloc()ed, or NULL as cti_state_dir().
 */
char *cti_config_dir(void);

/* One verified signature, borrowed from its cti_verify_result. */
struct cti_signer {
	uint64_t keyid;
	const char *name;	     /* the key's name in the keyring */
	const char *trusted_comment; /* as signed */
	int embedded;		     /* 1: in the gzip header, 0: detached */
	int legacy;		     /* an "Ed" signature (with opts.legacy) */
	int64_t timestamp;	     /* -1 when absent */
	const char *file;	     /* "file:" or NULL */
	const char *feed;	     /* "feed:" or NULL */
	int64_t seq;		     /* -1 when absent */
	int64_t expires;	     /* 0 when absent */
};

struct cti_verify_opts {
	const cti_keyring *keys; /* the trusted keys (required) */
	unsigned threshold;	 /* distinct trusted keys required; 0 = 1 */
	const char *feed;	 /* every counted signature must name it */
	const char *state_dir;	 /* replay state; NULL: no replay check */
	int64_t max_age;	 /* refuse older timestamps (s); 0: no limit */
	int64_t now;		 /* 0: the clock */
	int legacy;		 /* accept legacy "Ed" signatures */
	const char *sig_path;	 /* detached signature; NULL: sig_optional */
	const char *sig_optional; /* a detached signature read only when it
				    exists, and then it must be a regular
				    file (a FIFO would block: CTI_EIO);
				    cti_verify_file() sets PATH.minisig */
	int no_detached;	 /* ignore sig_optional, PATH.minisig */
	const char *output;	 /* write the payload here ("-": stdout) */
	int keep_gzip;		 /* output the signed bytes, not inflated */
	int tlp;		 /* find the payload's TLP (cti_verify_tlp());
				    without an inflated output this costs a
				    private copy and an inflation of it */
	int64_t lock_wait;	 /* seconds to wait for the replay state's
				    lock: 0 30 s, -1 try once */
	cti_progress_fn progress; /* cti_verify_fd(), cti_verify_file():
				    bytes read of the file's size; or NULL */
	void *progress_ctx;
};

typedef struct cti_verify_result cti_verify_result;

/*
 * A verifier takes the raw bytes of a file as they come (a download, say)
 * and checks them; nothing in it depends on where the bytes come from.
 * What it checks, in order, each failure with a message naming the check:
 *  - the signatures: embedded ones from the file's gzip header, and a
 *    detached one (opts->sig_path, cti_verifier_detached()). Signatures by
 *    keys not in opts->keys are ignored; there must be one by a trusted key
 *    (CTI_ENOSIG, CTI_EUNTRUSTED; CTI_ELEGACY for a legacy one without
 *    opts->legacy); these three are known from the first bytes, and
 *    cti_verifier_update() fails as soon as they are. Every signature by a
 *    trusted key must verify, signature and trusted comment (CTI_EBADSIG);
 *  - distinct trusted signers (keys, not key ids) at least opts->threshold
 *    (CTI_ETHRESHOLD), and a key's signatures in one file agreeing on feed
 *    and seq (CTI_EREPLAY: an older release cannot be spliced in);
 *  - each counted signature: expires in the future (CTI_EEXPIRED),
 *    timestamp not older than max_age (CTI_EEXPIRED), feed equal to
 *    opts->feed (CTI_EPOLICY);
 *  - with opts->state_dir: a seq greater than the one last accepted for
 *    that feed and key, or equal with the same signed bytes (CTI_EREPLAY;
 *    a signature without feed and seq is refused, as replay cannot be
 *    checked). The state is read under its lock (waited for as
 *    opts->lock_wait says: CTI_ELOCKED), which the result then holds until
 *    cti_verify_commit() or cti_verify_result_free().
 * No byte is decompressed or parsed before the signatures over it checked.
 */
typedef struct cti_verifier cti_verifier;

/*
 * A new verifier; name is what messages call the file. opts (required,
 * with at least one key) is copied, but what it points to is borrowed for
 * the verifier's life. opts->sig_path, if set, is read now. Errors:
 * CTI_EINVAL (no key), CTI_EUSAGE (bad feed name), and those of reading
 * the detached signature (CTI_EIO, CTI_EFORMAT, CTI_ELIMIT).
 */
int cti_verifier_new(cti_verifier **out, const char *name,
		     const struct cti_verify_opts *opts);

/*
 * A detached signature in minisign's text form, from memory (instead of
 * opts->sig_path); before the first cti_verifier_update(), else
 * CTI_EINVAL. CTI_EFORMAT when it is malformed.
 */
int cti_verifier_detached(cti_verifier *v, const char *text, size_t len);

/*
 * The next n raw bytes of the file, in order, in chunks of any size. The
 * first CTI_GZHDR_MAX bytes are held until the gzip header is parsed; the
 * signed bytes are hashed, and copied aside when opts->output or
 * opts->tlp wants them (to a private temporary file, or with
 * opts->keep_gzip to one beside a regular output file). Fails with the
 * errors of the first checks (above), CTI_EFORMAT for a malformed header
 * or signature, CTI_ELIMIT, CTI_EIO; after a failure every call fails.
 */
int cti_verifier_update(cti_verifier *v, const void *p, size_t n);

/*
 * The end of the file: every check above. Only when all passed, the
 * payload is written to opts->output ("-": standard output; a file
 * appears complete or not at all; inflated from the private copy of what
 * was verified, never read from the file again), and *out (may be NULL)
 * receives the result; the caller frees it. Nothing of the replay state is
 * written: cti_verify_commit() does it. Errors: those of the checks,
 * CTI_EFORMAT (a malformed trusted comment, an output that does not
 * inflate), CTI_EIO, CTI_ELOCKED, CTI_EINVAL (called twice).
 */
int cti_verifier_finish(cti_verify_result **out, cti_verifier *v);

/* Free a verifier (and its temporary files); NULL is allowed. */
void cti_verifier_free(cti_verifier *v);

/*
 * Record in the replay state what res accepted (for each counted
 * signature, its seq for its feed and key, never lower than what is
 * recorded), atomically, and release the state's lock. Call it once the
 * file is put to use: after a failure to install it, free the result
 * instead and the same file can be verified again. Without a state
 * directory, or called again, it does nothing. Errors: CTI_EIO,
 * CTI_EFORMAT (a corrupt state file), CTI_EINVAL (res NULL).
 */
int cti_verify_commit(cti_verify_result *res);

/*
 * Verify what fd yields, to its end, under the display name name: a
 * verifier, every byte read (progress reported when opts->progress is
 * set), its result, and the replay state committed. fd is not closed. On
 * success *out (may be NULL) receives the result; the caller frees it.
 * Errors as the verifier's.
 */
int cti_verify_fd(cti_verify_result **out, int fd, const char *name,
		  const struct cti_verify_opts *opts);

/*
 * As cti_verify_fd() on the file path ("-": standard input), with
 * opts->sig_optional PATH.minisig (not for "-").
 */
int cti_verify_file(cti_verify_result **out, const char *path,
		    const struct cti_verify_opts *opts);
/* The number of counted signatures, and the i-th (borrowed). */
size_t cti_verify_count(const cti_verify_result *res);
const struct cti_signer *cti_verify_signer(const cti_verify_result *res,
					   size_t i);
/*
 * The most restrictive TLP marking the verified payload uses (the TLP 2.0
 * ids of cti_tlp_id() and the TLP 1.0 ids of STIX 2.1 found in its text
 * as string values; a marking-definition's own "id" is not a use), with
 * opts->tlp; CTI_TLP_NONE when there is none, or it was not looked for.
 */
enum cti_tlp cti_verify_tlp(const cti_verify_result *res);
void cti_verify_result_free(cti_verify_result *res);

/*
 * The key ids of the signatures embedded in a bundle file, read from the
 * first bytes of the file, head[0..len) (at least the whole gzip header:
 * CTI_GZHDR_MAX bytes always suffice). The signatures are NOT checked: this
 * is for display; cti_verify_file() is what checks them. *count gets how
 * many there are, of which at most max ids are written to keyids. A file
 * that is not gzip has none. Errors: CTI_EFORMAT for a malformed header or
 * signature subfield (one shorter than a signature), CTI_ENOMEM.
 */
int cti_signature_ids(size_t *count, uint64_t *keyids, size_t max,
		      const void *head, size_t len, const char *name);

/* What an embedded signature says about itself: NOT verified. */
struct cti_sig_info {
	uint64_t keyid;
	int legacy;		     /* an "Ed" signature */
	int malformed;		     /* the trusted comment's fields cannot be
					be read (a known field repeated or
					not a number): the fields below are
					unset */
	const char *trusted_comment;
	int64_t timestamp;	     /* -1 when absent */
	const char *file;	     /* NULL when absent */
	const char *feed;	     /* NULL when absent */
	int64_t seq;		     /* -1 when absent */
	int64_t expires;	     /* 0 when absent */
};

/*
 * The signatures embedded in a bundle file, from head[0..len) as for
 * cti_signature_ids(), with what their trusted comments say, for display:
 * none of it is verified. *out gets an array of *count entries (NULL when
 * there are none) that the caller frees with cti_signatures_free().
 * Errors: CTI_EFORMAT (a malformed header or signature), CTI_ENOMEM.
 */
int cti_signatures_read(struct cti_sig_info **out, size_t *count,
			const void *head, size_t len, const char *name);
void cti_signatures_free(struct cti_sig_info *sigs);

/* ------------------------------------------------------------ summary */

/*
 * What a file holds, for display (cti show): a bundle's objects counted by
 * type, by producer (created_by_ref, named by the identity objects of the
 * bundle) and by TLP marking (object_marking_refs), and what its embedded
 * signatures claim, NOT verified; or, for a minisign public key file (one
 * that starts "untrusted comment: "), its keys. Every string is borrowed
 * from the summary. Tables are sorted by name and hold at most 10,000
 * names each; the objects beyond are counted in other_types and
 * other_producers.
 */
struct cti_summary_count {
	const char *name;	/* a type, "TLP:GREEN", or a producer's id */
	const char *value;	/* a producer's name, or NULL */
	uint64_t count;
};

struct cti_summary {
	const cti_keyring *keys;   /* a key file: its keys (cti_keyring_key());
				      NULL for a bundle, and the rest is
				      for bundles */
	int gzip;
	enum cti_layout layout;
	const char *spec_version;  /* the bundle's, or NULL */
	const char *bundle_id;	   /* or NULL */
	uint64_t bytes;		   /* of the file */
	uint64_t json_bytes;	   /* of the JSON in it */
	uint64_t objects;
	const struct cti_summary_count *types;
	size_t ntypes;
	uint64_t other_types;
	const struct cti_summary_count *producers;
	size_t nproducers;
	uint64_t other_producers;
	const struct cti_summary_count *tlp;
	size_t ntlp;
	const struct cti_sig_info *sigs; /* embedded signatures, unverified */
	size_t nsigs;
};

struct cti_summary_opts {
	const char *name;	  /* what messages call the file; NULL: path,
				     or "standard input" */
	cti_progress_fn progress; /* bytes read of size; may be NULL */
	void *progress_ctx;
	uint64_t size;		  /* the file's size for progress, or 0 */
};

/*
 * Read path ("-": standard input) once and summarise it; opts may be NULL.
 * On success *out owns the summary (cti_summary_free()). Errors: those of
 * cti_reader_next() and cti_signatures_read(), of cti_keyring_add_mem()
 * for a key file, CTI_EIO, CTI_ENOMEM.
 */
int cti_summarize(struct cti_summary **out, const char *path,
		  const struct cti_summary_opts *opts);
void cti_summary_free(struct cti_summary *s);

/* --------------------------------------------------------------- diff */

/*
 * The JSON Canonicalization Scheme (RFC 8785) of json/len, any JSON value:
 * object members sorted by the UTF-16 code units of their names, no white
 * space, strings with only the escapes JSON.stringify() writes, numbers as
 * ECMAScript writes the double they denote (1.0, 1e0 and 1 all give "1").
 * *out is malloc'd, NUL-terminated and owned by the caller; *out_len (may
 * be NULL) gets its length. CTI_EFORMAT for invalid JSON or UTF-8, a lone
 * surrogate, a duplicate member name or a number beyond a double;
 * CTI_ELIMIT past CTI_MAX_DEPTH.
 */
int cti_json_canonical(char **out, size_t *out_len, const char *json,
		       size_t len);

/* A top-level member that cti_json_hash() picks out on its way. */
struct cti_json_field {
	const char *name;	/* in: the member name (exact bytes) */
	const char *value;	/* out: its value as written in the input (a
				   JSON text pointing into json), or NULL */
	size_t len;		/* out: the value's length */
};

/*
 * BLAKE2b (hash_len bytes, 16 to 64) of the canonical form of json/len,
 * leaving out the top-level members named in ignore (NULL-terminated, may
 * be NULL). fields[0..nfields) get the values of the named top-level
 * members (the last one when a name is repeated, which is an error anyway).
 * Errors as cti_json_canonical().
 */
#define CTI_DIFF_HASH_BYTES 16
int cti_json_hash(unsigned char *hash, size_t hash_len, const char *json,
		  size_t len, const char *const *ignore,
		  struct cti_json_field *fields, size_t nfields);

/*
 * Comparing two bundles. Objects are matched by id; where one side holds
 * several versions of an id, the one with the latest "modified" stands for
 * it (of several with that same latest modified, the first in the file, as
 * cti_pack() keeps the first; when they differ, a warning names the id).
 * Each object that differs falls in exactly one category, tested in this
 * order: added (id only in NEW), removed (id only in OLD), revoked
 * ("revoked" became true), deprecated (the deprecation property became
 * true), modified (anything else; kind newer, unbumped or older by how
 * "modified" moved). Equality is semantic: the objects' canonical forms
 * (cti_json_canonical()) are compared by their BLAKE2b-128 hashes (an OLD
 * object byte for byte the same as its NEW version is equal without being
 * canonicalised: a SipHash under a random key of the bytes tells).
 * "modified" values are compared as times, to the microsecond; a missing
 * one is earlier than any time. STIX 2.0 is read as cti_pack() reads it:
 * an object that cti_pack() marks "spec_version":"2.0" is compared as so
 * marked, so that a bundle equals its packed form whatever its version.
 *
 * Memory: NEW is indexed (about 80 bytes per object plus its name), OLD is
 * streamed; the lists of differences take about 8 bytes per entry, plus the
 * names of removed objects. Reading runs in a second thread.
 */
typedef struct cti_diff cti_diff;

enum cti_diff_cat {
	CTI_DIFF_ADDED = 0,
	CTI_DIFF_REMOVED,
	CTI_DIFF_REVOKED,
	CTI_DIFF_DEPRECATED,
	CTI_DIFF_MODIFIED,
	CTI_DIFF_UNCHANGED,
	CTI_DIFF_NCAT
};

enum cti_diff_kind {
	CTI_DIFF_KIND_NONE = 0,	/* not a modified entry */
	CTI_DIFF_NEWER,		/* modified later in NEW */
	CTI_DIFF_UNBUMPED,	/* same modified, content changed */
	CTI_DIFF_OLDER,		/* modified went backwards */
};

/* "added", ..., "unchanged"; "newer", "unbumped", "older" ("" for NONE). */
const char *cti_diff_cat_name(enum cti_diff_cat c);
const char *cti_diff_kind_name(enum cti_diff_kind k);

struct cti_diff_opts {
	const char *const *ignore;	/* top-level properties left out of
					   the comparison, NULL-terminated;
					   may be NULL */
	const char *deprecated_property; /* NULL: "x_mitre_deprecated" */
	int no_names;			/* do not keep names (less memory) */
	int keep_new;			/* cti_diff_write_bundle() will be
					   called: spool a NEW read from
					   standard input to a temporary file */
	cti_warn_fn warn;		/* versions that differ under one id
					   and modified; may be NULL */
	void *warn_ctx;
	cti_progress_fn progress;	/* bytes read of both files' sizes
					   (total 0 when one is not a file);
					   may be NULL */
	void *progress_ctx;
};

/*
 * Compare the bundles at old_path and new_path (files in any form
 * cti_reader_open() takes; one of them may be "-" for standard input).
 * opts may be NULL. On success *out owns the result. Errors name the side:
 * "OLD: in.json:3:5: ..." (CTI_EFORMAT, CTI_ELIMIT for bad input, CTI_EIO
 * for a file that cannot be read, CTI_EINVAL when both are "-").
 */
int cti_diff_run(cti_diff **out, const char *old_path, const char *new_path,
		 const struct cti_diff_opts *opts);

/* How many objects fall in category c. */
uint64_t cti_diff_count(const cti_diff *d, enum cti_diff_cat c);
/* How many modified entries are of kind k. */
uint64_t cti_diff_kind_count(const cti_diff *d, enum cti_diff_kind k);

/* Object types seen (in either bundle), sorted by name. */
size_t cti_diff_ntypes(const cti_diff *d);
/* The i-th type's name, and its counts per category in counts (may be
 * NULL). NULL when i is out of range. */
const char *cti_diff_type(const cti_diff *d, size_t i,
			  uint64_t counts[CTI_DIFF_NCAT]);

/* One object that differs. Strings are borrowed from d, valid until the
 * next cti_diff_entry() call on d. */
struct cti_diff_entry {
	enum cti_diff_cat cat;
	enum cti_diff_kind kind;	/* modified entries only */
	const char *id;
	const char *type;
	const char *name;	/* NULL when the object has none (or no_names) */
	const char *old_modified; /* the STIX timestamps ("...T...Z", to the */
	const char *new_modified; /* millisecond or finer), NULL when missing
				     or not on that side */
};

/* Entries that differ: every category but unchanged. */
size_t cti_diff_nentries(const cti_diff *d);
/* The i-th entry, ordered by category (as enum cti_diff_cat) then by id. */
int cti_diff_entry(struct cti_diff_entry *out, cti_diff *d, size_t i);

/*
 * Write what a holder of OLD needs to catch up with NEW: the NEW versions
 * of the added, revoked, deprecated and modified objects, in NEW's order,
 * as a bundle file at path (cti_writer_open(); "-" for stdout), STIX 2.0
 * objects marked as cti_pack() marks them. The bundle stands on its own:
 * the objects that these refer to with "created_by_ref",
 * "object_marking_refs" and the "marking_ref" of "granular_markings" (and
 * that those refer to, and so on) go with them, from NEW (after the
 * others when NEW holds them earlier, which takes another pass over NEW up
 * to the last of them), or, for the TLP 2.0 marking-definitions that NEW
 * lacks, as cti_tlp_object() has them; a reference that neither has is
 * left as it is. Reads NEW a second time (needs opts->keep_new when NEW
 * was standard input), reporting progress to opts->progress as it goes.
 * *count (may be NULL) gets the number of objects written.
 */
int cti_diff_write_bundle(uint64_t *count, cti_diff *d, const char *path,
			  const struct cti_writer_opts *wopts);

void cti_diff_free(cti_diff *d);

/* -------------------------------------------------------------- network */

/*
 * Moving bundle files to and from a destination or source, one backend per
 * scheme behind one interface:
 *   https://HOST/PATH   HTTP over TLS (libcurl), always verified (TLS 1.2
 *                       or later; there is no option to skip the check)
 *   http://HOST/PATH    only with cti_net_opts.allow_http (a warning is
 *                       given through opts.warn on every use)
 *   a local path        a directory (removable media) or a file in one
 *   taxii+https://...   a TAXII collection (cti_pull(), cti_push())
 *   s3://BUCKET/KEY     an object of an S3 bucket (below)
 * A URL ending in '/', an s3:// URL whose key is empty or ends in '/' and
 * a directory are collections: the request's name is appended to them
 * (percent-encoded for https URLs, as it is to an S3 key).
 *
 * s3://BUCKET/KEY: BUCKET is 3 to 63 of [a-z0-9.-] (else CTI_EUSAGE);
 * KEY is taken as written, no percent-decoding (at most 1024 bytes, no
 * control character, no "." or ".." segment: CTI_EUSAGE at the request).
 * cti_net_get() is a GetObject (conditional, ranged: signed like the
 * rest; req->if_modified_since is sent only without req->if_none_match,
 * as some S3 services weigh the date even beside the ETag and would call
 * an object replaced within the same second unchanged), cti_net_stat() a
 * HeadObject, cti_net_put() one PutObject (PUT
 * only; more than 5 GiB is CTI_ELIMIT before any request; res->etag gets
 * the ETag S3 answers with). Each request is signed with AWS Signature
 * V4 as it goes out: host, x-amz-date, x-amz-content-sha256 (the empty
 * body's hash for GET and HEAD; UNSIGNED-PAYLOAD for a PUT over https,
 * where TLS protects the body and the file was verified before; the
 * body's SHA-256, read once before, over http://), x-amz-security-token
 * and every header cti sets (Content-Type, Range, If-None-Match,
 * If-Modified-Since, If-Range). No redirect is followed (a signed request
 * goes only where it was signed for): a 3xx is CTI_EREMOTE.
 *   Endpoint: opts.endpoint ("https://HOST[:PORT]", nothing more;
 * http:// with allow_http), else AWS_ENDPOINT_URL_S3, else
 * AWS_ENDPOINT_URL, addressed path style (ENDPOINT/BUCKET/KEY); else AWS,
 * https://BUCKET.s3.REGION.amazonaws.com/KEY, or path style on
 * s3.REGION.amazonaws.com for a bucket name with a dot.
 *   Region: opts.region, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * the "region" of the profile's section ("[profile NAME]", or "[default]")
 * of AWS_CONFIG_FILE (default ~/.aws/config), else us-east-1.
 *   Credentials, never from opts: with opts.env_secrets,
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN);
 * the secret and the token are wiped from the environment once read.
 * Else aws_access_key_id, aws_secret_access_key and aws_session_token of
 * the section "[PROFILE]" of AWS_SHARED_CREDENTIALS_FILE (default
 * ~/.aws/credentials), PROFILE being AWS_PROFILE or "default"; a file
 * that others than its owner may read is warned of through opts.warn.
 * None is CTI_EUSAGE, the message saying where cti looked; so are
 * opts.user, password_file and token_file with an s3:// URL (and
 * opts.endpoint or region with any other). The secret and the signing key
 * live in sodium_malloc() memory; neither they nor a signature is in any
 * message or opts.info line (the key id is).
 *   An S3 error document's Code and Message are part of the message of a
 * refused request ("s3://B/K: 403 Forbidden: SignatureDoesNotMatch:
 * ..."); RequestTimeTooSkewed adds that the local clock is off, an
 * x-amz-bucket-region other than the region the bucket's region. S3's
 * RequestTimeout (400) is CTI_ENET and retried, as 5xx (503 SlowDown),
 * 408 and 429 are.
 *
 * Errors of every cti_net_ function: CTI_ENET (worth retrying: DNS,
 * connect, TLS handshake or verification, time-out, reset, cut body, HTTP
 * 5xx, 408 and 429), CTI_EREMOTE (any other HTTP 4xx, a redirect refused),
 * CTI_ELIMIT (a body over opts.max_size), CTI_EUSAGE (a bad URL or option),
 * CTI_EIO (a local file: the directory backend, a CA or key file, a
 * password file), CTI_ENOMEM, or what a caller's callback returned. The
 * message names the URL, the HTTP status and reason or libcurl's error;
 * never a password or token. Network errors are retried (opts.retries)
 * before they are returned, with exponential back-off and jitter, and the
 * server's Retry-After honoured up to opts.max_wait (a server asking for a
 * longer wait ends the retries at once).
 */
typedef struct cti_net cti_net;

/* Called with one line (no newline) describing what is done: requests,
 * statuses, retries. Never holds a secret. */
typedef void (*cti_net_info_fn)(void *ctx, const char *msg);

struct cti_net_opts {
	int64_t connect_timeout; /* seconds for the TCP and TLS handshakes */
	int64_t timeout;	 /* seconds for a whole attempt; 0: none */
	int64_t low_speed_time;	 /* abort an attempt slower than */
	long low_speed_limit;	 /* low_speed_limit bytes/s for this long */
	int retries;		 /* further attempts after a network error */
	int64_t max_wait;	 /* longest wait between attempts (s) */
	uint64_t max_size;	 /* largest body received; 0: no limit */
	int allow_http;		 /* accept http:// URLs (with a warning) */
	int max_redirects;	 /* redirects followed, to https:// only */
	const char *cacert;	 /* CA bundle file instead of the system's */
	const char *capath;	 /* CA directory instead of the system's */
	const char *pinnedpubkey; /* "sha256//BASE64[;...]" or a PEM/DER file */
	const char *cert;	 /* client certificate (PEM) for mTLS */
	const char *key;	 /* its private key (PEM, unencrypted) */
	const char *user;	 /* basic auth user name */
	const char *password_file; /* its password: the file's first line */
	const char *token_file;	 /* a bearer token: the file's first line */
	int netrc;		 /* credentials from ~/.netrc when none given */
	const char *netrc_file;	 /* ... or from this file */
	int env_secrets;	 /* also the environment: CTI_PASSWORD_FILE,
				    CTI_PASSWORD, CTI_TOKEN_FILE, CTI_TOKEN */
	const char *user_agent;	 /* NULL: "cti/VERSION" */
	cti_progress_fn progress; /* bytes moved, per attempt; may be NULL */
	void *progress_ctx;
	cti_net_info_fn info;	 /* what is done (cti -v); may be NULL */
	void *info_ctx;
	cti_warn_fn warn;	 /* warnings (http://); may be NULL */
	void *warn_ctx;
	/* s3:// only (see below) */
	const char *endpoint;	 /* "https://HOST[:PORT]"; NULL: from the
				    environment, else AWS */
	const char *region;	 /* NULL: from the environment or the AWS
				    config file, else us-east-1 */
};

/* The defaults: a 30 s connect time-out, no total time-out, an abort
 * below 1000 bytes/s for 30 s, 3 retries, waits of at most 60 s, 5
 * redirects, no size limit, ~/.netrc consulted (s3://: no redirect and
 * no ~/.netrc). */
#define CTI_NET_OPTS_INIT                                                 \
	{ .connect_timeout = 30, .low_speed_time = 30,                    \
	  .low_speed_limit = 1000, .retries = 3, .max_wait = 60,          \
	  .max_redirects = 5, .netrc = 1 }

/*
 * Open url (see above) with opts (copied; its strings are borrowed and
 * must outlive *out). Checks the URL and options and reads the credentials
 * into sodium_malloc() memory wiped by cti_net_free(): with opts->user, the
 * password from opts->password_file, else (env_secrets) the file named by
 * CTI_PASSWORD_FILE, else CTI_PASSWORD; without, a bearer token from
 * opts->token_file, else CTI_TOKEN_FILE's file, else CTI_TOKEN. A file's
 * first line is the secret. CTI_PASSWORD and CTI_TOKEN are wiped from the
 * environment once read. Without either, ~/.netrc (or opts->netrc_file)
 * may supply them. No network traffic yet. A URL with user information, a
 * password file without a user, a user with a token file are CTI_EUSAGE;
 * an unreadable file CTI_EIO. On success *out owns all of it.
 */
int cti_net_open(cti_net **out, const char *url,
		 const struct cti_net_opts *opts);

/* "https", "http", "dir", "taxii" or "s3". */
const char *cti_net_scheme(const cti_net *n);

/* Whether names are appended (a URL ending in '/', a directory). */
int cti_net_is_collection(const cti_net *n);

/* The result of a transfer. cti_net_result_clear() frees its strings. */
struct cti_net_result {
	long status;	     /* the last HTTP status; directories: 200, 201
				(put of a new file), 204 (replaced), 304,
				404 (get of a file that is not there) */
	int unchanged;	     /* 304: the validators still match */
	char *etag;	     /* the resource's ETag as sent, or NULL */
	int64_t last_modified; /* its Last-Modified (Unix s), or -1 */
	int64_t length;	     /* its full length when known, else -1 */
	uint64_t offset;     /* get: where the body began (a resume
				honoured: 206), else 0 */
	uint64_t bytes;	     /* body bytes received or sent */
	int attempts;	     /* attempts made (1 when no retry) */
	char *location;	     /* the final URL or path, for messages */
};
void cti_net_result_clear(struct cti_net_result *res);

/*
 * A download. begin is called before the first body byte of each attempt
 * with the offset the body starts at (resume_from when the server honoured
 * the Range, 0 when it sends everything: the caller then starts over) and
 * the full length (-1 when unknown); write gets the body, in order. Either
 * returning non-zero (a CTI_E* code) ends the transfer with that code. An
 * attempt cut short is resumed by the next one with Range and If-Range
 * when the server gave a validator, else restarted from 0.
 */
struct cti_net_get {
	const char *name;	   /* appended to a collection; else NULL */
	const char *if_none_match; /* an ETag: 304 when it still matches */
	int64_t if_modified_since; /* Unix s: 304 when not newer; 0: none */
	uint64_t resume_from;	   /* bytes the caller holds already */
	const char *if_range;	   /* their ETag (or NULL: if_range_time) */
	int64_t if_range_time;	   /* their Last-Modified; 0: none */
	int (*begin)(void *ctx, uint64_t offset, int64_t length);
	int (*write)(void *ctx, const void *p, size_t n);
	void *ctx;
	const char *suffix;	   /* appended to the target (".minisig");
				      NULL: none */
};

/*
 * GET a resource into the caller's callbacks. A 304 is success with
 * res->unchanged set and no body. A resume the server ignores (200, or a
 * 416 for the range) becomes a download from 0. res (required) is filled
 * on success and, as far as known, on failure; clear it after use.
 */
int cti_net_get(struct cti_net_result *res, cti_net *n,
		const struct cti_net_get *req);

/*
 * HEAD: status, validators and length of a resource, no body (the
 * conditions of req apply: 304 is success). req->begin/write are unused.
 */
int cti_net_stat(struct cti_net_result *res, cti_net *n,
		 const struct cti_net_get *req);

/*
 * An upload of size bytes, read through read() at any offset (an attempt
 * that is retried reads again from 0): read returns the bytes it put in
 * buf (n at most; fewer only at the end) or a negative CTI_E* code.
 */
struct cti_net_put {
	const char *name;	  /* appended to a collection; else NULL */
	const char *suffix;	  /* appended to the target (".minisig");
				     may be NULL */
	const char *method;	  /* "PUT" (NULL) or "POST"; HTTP only */
	const char *content_type; /* NULL: application/octet-stream */
	uint64_t size;
	long (*read)(void *ctx, void *buf, size_t n, uint64_t offset);
	void *ctx;
	unsigned mode;		  /* directories: a new file's mode (0:
				     0644 less the umask) */
};

/*
 * PUT (or POST) a body. Directories: written to a temporary file beside
 * the target, fsync()ed, renamed over it, the directory fsync()ed; any
 * failure leaves the target as it was. HTTP: any 2xx is success.
 */
int cti_net_put(struct cti_net_result *res, cti_net *n,
		const struct cti_net_put *req);

/* Wipe the credentials and free; NULL is allowed. */
void cti_net_free(cti_net *n);

/* ------------------------------------------------------------------ push */

/*
 * The TLP gate: read the bundle file at path ("-": standard input) and
 * refuse, with CTI_EPOLICY and a message naming the first object and its
 * marking, any object marked above max (CTI_TLP_RED allows all).
 * object_marking_refs and the marking_ref of granular_markings count; TLP
 * 2.0 markings, the TLP 1.0 markings of STIX 2.1 (TLP:AMBER counting as
 * TLP:AMBER+STRICT) and marking-definition objects of the bundle that
 * define a TLP level are recognised. *highest (may be NULL) gets the
 * highest level seen. Reading errors as cti_reader_next().
 */
int cti_tlp_gate(enum cti_tlp *highest, const char *path, const char *name,
		 enum cti_tlp max);

struct cti_push_opts {
	const cti_keyring *keys;  /* the signer's own public keys: the file
				     must verify against them */
	int allow_unsigned;	  /* send without that check */
	enum cti_tlp max_tlp;	  /* CTI_TLP_NONE: CTI_TLP_AMBER_STRICT */
	const char *name;	  /* the name at the destination; NULL: the
				     file's base name (required for "-") */
	const char *method;	  /* HTTP: "PUT" (NULL) or "POST" */
	const char *sig_path;	  /* detached signature; NULL: PATH.minisig
				     when it exists */
	cti_net_info_fn info;	  /* checks passed (cti -v); may be NULL */
	void *info_ctx;
	/* TAXII collections */
	unsigned batch;		  /* most objects per envelope; 0: 500 */
	int64_t status_timeout;	  /* seconds the statuses are polled for
				     after the last envelope; 0: 300 */
	void (*failed)(void *ctx, const char *id, const char *message);
				  /* each object not accepted, with the
				     server's message; may be NULL */
	void *failed_ctx;
	cti_progress_fn progress; /* bytes of the file read into envelopes,
				     of its size; may be NULL */
	void *progress_ctx;
};

struct cti_push_result {
	size_t signers;		  /* verified signatures (0: unsigned) */
	enum cti_tlp tlp;	  /* highest TLP marking in the file */
	uint64_t bytes;		  /* bundle bytes sent (TAXII: envelopes) */
	int sig_sent;		  /* a detached .minisig went along */
	struct cti_net_result net; /* of the bundle's transfer */
	/* TAXII collections: the bundle's objects, and what the server
	   made of them */
	uint64_t total, success, failure, pending;
	unsigned envelopes;	  /* envelopes the server took */
};

/*
 * Push the bundle file at path ("-": standard input, spooled to a private
 * temporary file) to the destination n. Before the first byte leaves: the
 * file must verify (cti_verify_file() with opts->keys, embedded and
 * detached signatures) unless allow_unsigned, and pass the TLP gate. Then
 * the detached signature (when there is one) is sent as NAME.minisig (to a
 * single URL or file: its name + ".minisig") and the file as NAME,
 * streamed from the very file that was checked; a file changed on disk
 * meanwhile is CTI_EIO. The gate reads a file that verified as it is
 * written (the signature vouches for it; objects are found without
 * validating the JSON), an unsigned one with cti_tlp_gate(). res
 * (required) is filled as far as the push got; cti_push_result_clear()
 * frees it. Errors: those of
 * cti_verify_file(), cti_tlp_gate() and cti_net_put(); CTI_EINVAL without
 * keys (and not allow_unsigned) or without a name for "-".
 *
 * To a TAXII collection (taxii+https://HOST/API-ROOT/collections/ID/),
 * after the same checks and before any other request, the collection is
 * looked up (it must take objects: can_write) and the bundle's objects,
 * read from the checked file by cti_reader_next(), are POSTed in
 * envelopes ({"objects":[...]}; to a TAXII 2.0 server, bundles) of at
 * most opts->batch objects and the API root's max_content_length bytes
 * (the JSON sent; at most 4 MiB unless one object alone is larger). An
 * object that alone would pass max_content_length is not sent: it fails
 * here. A 413 answer splits its envelope in two, each sent on its own,
 * and halves the batch and the size of the envelopes that follow; a
 * single object refused as too large fails. The status of each envelope
 * is polled (/status/ID/) with a growing pause until it is complete or
 * opts->status_timeout seconds after the last envelope went. Each failed
 * object goes to opts->failed, and res->total, success, failure and
 * pending count them. No signature file is sent; name and method do not
 * apply. Errors, besides the above: CTI_EREMOTE when any object was not
 * accepted (failures come first), CTI_ENET when some are still pending
 * after the wait, and those of the requests (cti_net_get()).
 */
int cti_push(struct cti_push_result *res, cti_net *n, const char *path,
	     const struct cti_push_opts *opts);
void cti_push_result_clear(struct cti_push_result *res);

/* ------------------------------------------------------------------ pull */

/*
 * Pulling a bundle file from a source (a cti_net: an https:// URL or a
 * file on a mounted directory) into a verified local copy, for cron: one
 * state directory per source holds
 *   STATE/bundle          the last good copy, as received (mode 0600)
 *   STATE/validators      its ETag and Last-Modified, for the conditions
 *   STATE/partial         a download cut short, resumed by the next try
 *   STATE/partial.meta    the validator its bytes came with
 *   STATE/accepted/...    the verifier's replay state (see cti_verify_opts)
 *   STATE/lock            held by the running pull (with its pid)
 * A pull takes the lock, asks with If-None-Match and If-Modified-Since
 * when a last good copy exists (a 304 writes nothing), resumes a partial
 * download with Range and If-Range, receives into STATE/partial while the
 * staged verifier hashes every byte (in a second thread, while the
 * calling one receives), and only when every check passed writes
 * opts->verify.output, replaces STATE/bundle (fsync, rename), then records
 * the validators and the replay state. A pull that fails in any way
 * leaves the last good copy, the output, the validators and the replay
 * state as they were; only STATE/partial and its .meta change (kept after
 * a network error worth retrying when the server gave a validator to
 * resume with, removed otherwise).
 */

/*
 * The default state directory of the source src (a URL as given to
 * cti_net_open(), or a path): cti_state_dir() + "/pull/" + a name made of
 * the source's host, port and path (a path: its absolute form; s3://: the
 * bucket and key, whatever the endpoint: one object pulled from two
 * endpoints shares a state directory unless one is given) with every
 * byte but letters, digits, '.' and '-' turned into '_' (runs of them
 * squeezed, at most 80 bytes kept), "-", and the first 16 hex digits of
 * the BLAKE2b-256 of the source (the absolute path for a file), so that
 * two sources never share a name. The query and any user information are
 * left out of the readable part (they may hold credentials) but hashed.
 * *out is malloc()ed. Errors: CTI_EINVAL (no state directory: neither
 * XDG_STATE_HOME nor HOME), CTI_EIO (a path whose directory does not
 * exist), CTI_EUSAGE (a malformed URL), CTI_ENOMEM.
 */
int cti_pull_state_dir(char **out, const char *src);

struct cti_pull_opts {
	const char *state_dir;	   /* NULL: cti_pull_state_dir() of the
				      source */
	struct cti_verify_opts verify; /* the checks, as cti_verify_fd()
				      (keys required unless allow_unsigned),
				      and the output: verify.output ("-":
				      standard output), verify.keep_gzip.
				      cti_pull() sets state_dir (the
				      source's), sig_optional, no_detached,
				      lock_wait and progress itself */
	int allow_unsigned;	   /* install without checking signatures
				      (the file must still be a bundle) */
	int64_t lock_wait;	   /* seconds to wait for another pull of
				      the same source; 0: do not wait */
	cti_net_info_fn info;	   /* what is done (cti -v); may be NULL */
	void *info_ctx;
	/* a TAXII collection (see cti_pull() below) */
	unsigned taxii_limit;	   /* objects asked for per page; 0: 1000 */
	const char *const *taxii_match; /* "FIELD=VALUE[,VALUE...]" filters
				      (type, id, spec_version, version),
				      NULL-terminated; may be NULL */
	const char *taxii_since;   /* RFC 3339 / STIX time: a first pull
				      takes what was added after it */
	const cti_seckey *sign_key; /* sign the bundle made (embedded), or
				      NULL */
	const char *sign_feed;	   /* its feed (NULL: "taxii"); the seq is
				      cti_seq_next() of the feed */
};

struct cti_pull_result {
	int unchanged;		   /* 304: nothing written */
	int verified;		   /* the signatures were checked */
	uint64_t bytes;		   /* size of the file installed */
	uint64_t resumed;	   /* bytes of it from an earlier attempt */
	char *state_dir;	   /* the source's state directory */
	cti_verify_result *verify; /* the checks passed (signers, seq), or
				      NULL; owned by the result */
	struct cti_net_result net; /* of the download */
	/* a TAXII collection */
	uint64_t objects;	   /* objects received and new */
	uint64_t total;		   /* objects in the bundle installed */
	unsigned pages;		   /* pages received */
	char cursor[41];	   /* the added_after of the next pull, or "" */
};

/*
 * Pull the bundle file n names (not a collection: CTI_EUSAGE) as
 * described above. A file with no embedded signature (and no
 * opts->verify.sig_path) is pulled again with the detached signature
 * beside it at the source, SRC.minisig, when there is one: asked for only
 * then, checked and not kept. res (required) is filled as far as the pull got;
 * cti_pull_result_clear() frees it. Errors: CTI_ELOCKED (another pull of
 * the source holds the lock past opts->lock_wait: "another pull of SRC is
 * running (pid N)"), those of cti_net_get() (a body over the size limit
 * is CTI_ELIMIT), of the verifier (a file that is not a bundle file at all
 * is CTI_EFORMAT), CTI_EIO for the state and the output, CTI_EINVAL
 * without keys (and not allow_unsigned).
 */
int cti_pull(struct cti_pull_result *res, cti_net *n,
	     const struct cti_pull_opts *opts);

/*
 * A TAXII collection (taxii+https://HOST/API-ROOT/collections/ID/, or
 * .../collections/by-title/TITLE/) is pulled into a bundle file of its
 * objects: the objects added after the saved cursor (a first pull: after
 * opts->taxii_since, or all), page after page, appended to the objects of
 * the last good copy (objects with the same id and modified are written
 * once), so that STATE/bundle and the output always hold the collection
 * as far as it is known. The bundle is written to STATE/partial, signed
 * when opts->sign_key is given, written to the output, installed as
 * STATE/bundle, and only then the cursor (the last X-TAXII-Date-Added-Last
 * received) saved in STATE/taxii with a digest of the filters: other
 * filters start over. No new object: res->unchanged, nothing written
 * (an output that is missing gets the last good copy). TAXII objects carry
 * no signatures: opts->verify.keys and allow_unsigned are not used; the
 * output gets the bundle as for other sources (JSON, or the gzip file
 * itself with verify.keep_gzip). Errors: those of cti_pull() and of the
 * TAXII exchanges (CTI_EFORMAT for paging that makes no progress,
 * CTI_EUSAGE for a URL that names no collection or a bad filter).
 */

/* One line of a TAXII server's listing (cti_taxii_list()). */
struct cti_taxii_entry {
	const char *discovery;	/* the discovery document's title, or "" */
	const char *root;	/* an API root's URL */
	const char *root_title;	/* its title, or "" */
	int version;		/* 21, or 20 for TAXII 2.0 */
	const char *id;		/* a collection's id; NULL: a root that has
				   none (or could not be listed: error set
				   to the reason in ->error) */
	const char *title;	/* its title, or "" */
	int can_read, can_write;
	const char *error;	/* why the root could not be listed, or NULL */
};

/*
 * List what the TAXII URL n names: a discovery document (its API roots and
 * their collections) or one API root. each() gets one entry per
 * collection (and one per root without any); its non-zero return ends the
 * listing with it. API root URLs given as http:// for an https:// server
 * are taken as https:// (said through opts.info). Errors: those of the
 * requests; CTI_EFORMAT for a document that is not TAXII.
 */
int cti_taxii_list(cti_net *n,
		   int (*each)(void *ctx, const struct cti_taxii_entry *e),
		   void *ctx);
void cti_pull_result_clear(struct cti_pull_result *res);

#ifdef __cplusplus
}
#endif

#endif /* CTI_H */
