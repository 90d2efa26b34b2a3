/*
 * base.h - cti pack --base: the previous release of a feed, so that what
 * did not change is written as it was (base.c); not installed.
 */
#ifndef CTI_BASE_H
#define CTI_BASE_H

#include "internal.h"

#define CTI__NO_TIME INT64_MIN

typedef struct cti__base cti__base;

struct cti__base_opts {
	int64_t now;		/* seconds: the time of the pack */
	int64_t valid_for;	/* seconds, 0: no valid_until */
	int revoke_missing;
	const char *producer_id; /* the identity of created_by_ref, or NULL */
	cti_warn_fn warn;
	void *warn_ctx;
	/* the bytes of the release read so far, as they are; may be NULL */
	void (*progress)(void *ctx, uint64_t read);
	void *progress_ctx;
};

/*
 * Open and index the previous release at path: a file, or a directory in
 * which it is the file "bundle" (the state of a cti pull) or else the most
 * recently modified file named *.cti, *.json or *.json.gz (names not
 * starting with '.'), the greatest name among equal times. *out is NULL
 * when a directory holds none (a first release: nothing to keep; a
 * warning says so). For progress: *total, the inputs' size (0: unknown),
 * gets the release's added. The release is read on a thread of its own
 * as far as the objects made need it (see find()), and to its end by
 * cti__base_finish().
 */
int cti__base_open(cti__base **out, uint64_t *total, const char *path,
		   const struct cti__base_opts *opts);

/* The times of an object being made, as text; NULL: absent. */
struct cti__stamps {
	const char *created, *modified, *valid_from, *valid_until;
};

/* An object cti pack makes: an indicator (with validity) or an identity. */
struct cti__make {
	const char *type;	/* "indicator", "identity" */
	const char *id;
	int validity;		/* has valid_from and valid_until */
	int64_t first_seen;	/* valid_from the input gives (microseconds),
				   or CTI__NO_TIME */
	/* the object's JSON, with times t, into b (reset first) */
	int (*build)(void *ctx, struct cti__buf *b,
		     const struct cti__stamps *t);
	void *ctx;
};

enum cti__made {
	CTI__MADE_NEW,		/* not in the release: made now */
	CTI__MADE_KEPT,		/* as the release has it */
	CTI__MADE_MODIFIED,	/* a new version of the release's */
	CTI__MADE_REVOKED,	/* revoked in the release: kept so */
	CTI__MADE_COPY,		/* the same as one made before: dropped */
	CTI__MADE_DIFFERS,	/* other than one made before: dropped */
};

/* Make m and write it to w, or note it for later: an object the
 * release has but writes otherwise is copied from it by
 * cti__base_finish(), and one whose id the release has not come to yet
 * waits for it (written later, in the order made, once the release tells
 * whether it holds it; *how is then CTI__MADE_NEW, and the counts are
 * put right by cti__base_finish()). */
int cti__base_make(cti__base *b, cti_writer *w, const struct cti__make *m,
		   enum cti__made *how);

/*
 * A STIX object read, about to be written: *dup is 1 when it is a copy of
 * an object made under its id and "modified" (drop it), -1 when it is
 * another (drop it, a warning), 0 when it goes to the writer as usual;
 * then cti__base_catch_up().
 */
int cti__base_passed(cti__base *b, const struct cti_object *o, int *dup);
/* Write what waited for the release and can now be decided. */
int cti__base_catch_up(cti__base *b, cti_writer *w);

/* What the release left to write: objects kept as it has them that could
 * not be made again byte for byte, and with revoke_missing the revoked
 * versions of its indicators that the inputs no longer hold. Adds to the
 * counts of st. */
int cti__base_finish(cti__base *b, cti_writer *w, struct cti_pack_stats *st);

void cti__base_free(cti__base *b);

#endif
