/*
 * index.h - an index of STIX objects by id, kept by cti diff (of NEW) and
 * by cti pack --base (of PREV); not installed.
 *
 * Ids of the usual form "TYPE--UUID" (the type matching the object's
 * "type", the UUID in lower case) are kept as a type number and 16 bytes,
 * other ids as text in an arena. Entries are of a size the user chooses,
 * each starting with a struct cti__ent, in chunks of 65536; a table of
 * 8-byte slots, at most 70% full, finds them. A slot holds 32 bits of the
 * id's hash beside the entry's number, so that a probe that meets another
 * id seldom reads its entry (a cache miss in a large index), and growing
 * the table hashes nothing again. The hash is SipHash-2-4 under a random
 * key, so that no feed can be made of ids that all land on one slot; the
 * same keyed hash serves the users to tell bytes apart.
 */
#ifndef CTI_INDEX_H
#define CTI_INDEX_H

#include <sodium.h>

#include "internal.h"

/* NUL-terminated strings in 1 MiB chunks; a handle is chunk << 20 | off,
 * plus 1 (0: none). */
struct cti__arena {
	char **chunk;
	size_t nchunk, cap;
	size_t used;	/* in the last chunk */
};
/* Copy s/n (cut at a UTF-8 boundary to fit a chunk); *h gets its handle. */
int cti__arena_add(struct cti__arena *a, uint32_t *h, const char *s, size_t n);
/* The string of handle h, NULL for 0. */
const char *cti__arena_get(const struct cti__arena *a, uint32_t h);

#define CTI__TYPE_NONE 0xFFFFu	/* the id is kept as text */

/* An id: a UUID (the type is kept beside it), or text in the arena. */
union cti__idu {
	uint8_t uuid[16];
	struct {
		uint32_t h;	/* arena handle */
		uint32_t len;
		uint16_t type;	/* the object's type number */
	} str;
};

/* An id being looked up or added: a type number and a UUID, or (idtype
 * CTI__TYPE_NONE) text, not yet stored; h is its hash. */
struct cti__idkey {
	union cti__idu u;
	uint16_t idtype;
	uint64_t h;
};

/* The head of every entry; what follows is the user's. */
struct cti__ent {
	union cti__idu id;
	uint16_t idtype;	/* type number, CTI__TYPE_NONE: text id */
	uint16_t flags;		/* the user's */
	uint32_t aux;		/* the user's */
};

struct cti__itype {
	uint32_t name;	/* arena handle */
	uint32_t len;
};

struct cti__idx {
	unsigned char key[crypto_shorthash_KEYBYTES];
	size_t esize;			/* of an entry, a multiple of 8 */
	struct cti__arena arena;
	struct cti__itype *types;
	size_t ntypes, tcap;
	uint32_t *tslot;		/* type hash table: index + 1 */
	size_t tslots;
	uint16_t last_type;		/* the type of the last key + 1 */
	unsigned char **chunk;
	size_t nchunk, chunkcap;
	uint32_t n;			/* entries */
	uint64_t *slot;			/* id hash table: hash >> 32 << 32
					   | entry + 1, 0: empty */
	size_t nslot;
};

#define CTI__IDX_SHIFT 16

/* An empty index of entries of esize bytes (a struct cti__ent first); a
 * new random key. Needs sodium_init(). */
void cti__idx_init(struct cti__idx *x, size_t esize);
void cti__idx_free(struct cti__idx *x);

/* SipHash-2-4 of p[0..n) under the index's key. */
static inline uint64_t
cti__idx_hash(const struct cti__idx *x, const void *p, size_t n)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, p, n, x->key);
	return h;
}

/* Entry i. */
static inline struct cti__ent *
cti__idx_at(const struct cti__idx *x, uint32_t i)
{
	return (struct cti__ent *)(x->chunk[i >> CTI__IDX_SHIFT] +
				   (size_t)(i & ((1u << CTI__IDX_SHIFT) - 1)) *
					   x->esize);
}

/* The number of type t's name, added when new (CTI_ELIMIT past 65534). */
int cti__idx_type(struct cti__idx *x, uint16_t *out, const char *s, size_t n);
static inline const char *
cti__idx_type_name(const struct cti__idx *x, uint16_t t)
{
	return cti__arena_get(&x->arena, x->types[t].name);
}
/* The type number of an entry's object. */
static inline uint16_t
cti__idx_ent_type(const struct cti__ent *e)
{
	return e->idtype != CTI__TYPE_NONE ? e->idtype : e->id.str.type;
}

/*
 * The key of id (il bytes) of an object of type typ (tl bytes); *type gets
 * the type's number (added when new). A text id is not copied: it must be
 * given again to cti__idx_lookup() and cti__idx_add().
 */
int cti__idx_key(struct cti__idx *x, struct cti__idkey *k, uint16_t *type,
		 const char *id, size_t il, const char *typ, size_t tl);
/* The key of a reference to id, typed by its "TYPE--" prefix; adds
 * nothing to the index. */
int cti__idx_ref_key(const struct cti__idx *x, struct cti__idkey *k,
		     const char *id, size_t il);
/* The entry of key k (id: its text, for text ids), or NULL. */
struct cti__ent *cti__idx_lookup(const struct cti__idx *x,
				 const struct cti__idkey *k, const char *id);
/* The entry of key k, or when there is none a new one, zeroed but for its
 * id, whose object is of type type (*added set then). */
int cti__idx_get(struct cti__idx *x, struct cti__ent **out, int *added,
		 const struct cti__idkey *k, const char *id, uint16_t type);
/* Fetch the slot of k16 into the cache, and the entry of k8's. */
static inline void
cti__idx_prefetch(const struct cti__idx *x, const struct cti__idkey *k16,
		  const struct cti__idkey *k8)
{
	size_t mask = x->nslot - 1;

	if (!x->nslot)
		return;
	if (k16)
		__builtin_prefetch(&x->slot[(k16->h >> 32) & mask]);
	if (k8) {
		uint64_t sl = x->slot[(k8->h >> 32) & mask];

		if (sl)
			__builtin_prefetch(cti__idx_at(x, (uint32_t)sl - 1));
	}
}

/* The text of a stored id (entry layout) into buf; a text id's own
 * storage; NULL when buf is too small (type name + 39 bytes needed). */
const char *cti__idx_id_text(const struct cti__idx *x, char *buf, size_t size,
			     uint16_t idtype, const union cti__idu *id);
/* Order of two stored ids as strings. */
int cti__idx_id_cmp(const struct cti__idx *x, uint16_t ta,
		    const union cti__idu *a, uint16_t tb,
		    const union cti__idu *b);

/*
 * Reading a file of objects into an index: a second thread reads and
 * parses (cti_reader_next()) and hands the objects over in batches, so that
 * decompressing and parsing one overlaps with what fn does with the one
 * before (canonicalising and hashing, the bulk of the time).
 */
struct cti__idx_obj {
	struct cti_object o;		/* json, len, type, id, modified,
					   line (created and spec_version
					   NULL) */
	const struct cti__idkey *key;	/* from cti__idx_key() */
	uint16_t type;			/* its type number */
	uint64_t raw;			/* cti__idx_hash() of json, when
					   raw_early */
	int stix20;			/* cti__stix20() of the object read */
};
struct cti__idx_read {
	const char *side;	/* for messages: "NEW", "base" */
	const char *name;	/* the file, for messages */
	int raw_early;		/* the reading thread hashes the bytes */
	size_t batch;		/* objects handed over at a time, at most
				   (0: 4096) */
	/* each object, in order; a non-zero return stops the reading */
	int (*fn)(void *ctx, struct cti__idx_obj *obj);
	/* after each batch: the bytes read from the file so far */
	void (*progress)(void *ctx, uint64_t raw_bytes);
	void *ctx;
};
/* Read r to its end. Errors: the reader's, prefixed with side; an object
 * without type or id (CTI_EFORMAT); fn's. */
int cti__idx_read(struct cti__idx *x, cti_reader *r,
		  const struct cti__idx_read *how);

/*
 * The same a batch at a time, as the user needs the objects: the reading
 * thread goes on ahead (a few MiB) meanwhile. r must outlive the feed.
 */
struct cti__idx_feed;
int cti__idx_feed_open(struct cti__idx_feed **out, struct cti__idx *x,
		       cti_reader *r, const struct cti__idx_read *how);
/* fn on the objects of the next batch; *done set once r is read to its
 * end. An error stays: every later call returns it. */
int cti__idx_feed_step(struct cti__idx_feed *d, int *done);
/* Stop the reading (when not done) and free; NULL is allowed. */
void cti__idx_feed_close(struct cti__idx_feed *d);

#endif
