/*
 * diff.c - what changed between two bundles.
 *
 * NEW is read first into an index: per id a content hash (BLAKE2b-128 of
 * the RFC 8785 canonical form, jcs.c), a keyed hash of its bytes, the
 * "modified" time and a few flags, in 64 bytes plus the name, and a slot of
 * 4 bytes in a hash table at most 70% full. Ids of the usual form
 * "TYPE--UUID" (the type matching the object's "type", the UUID in lower
 * case) are kept as a type number and 16 binary bytes, other ids as text.
 * OLD is then streamed and each of its objects is checked against the index
 * on the fly: the index entry remembers the best OLD version seen so far
 * (its "modified", whether it equals NEW's content, whether it was revoked
 * or deprecated). An OLD object with the very bytes of its NEW version is
 * equal without being canonicalised. Ids only in OLD go to a list of
 * removed objects, sorted at the end. Nothing else grows with the size of
 * the inputs. Each input is read by a second thread (see read_side()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

#define DEFAULT_DEPRECATED "x_mitre_deprecated"
#define HASH_BYTES CTI_DIFF_HASH_BYTES

/* ------------------------------------------------------------ arena */

/* NUL-terminated strings in 1 MiB chunks; a handle is chunk << 20 | off. */
#define ARENA_SHIFT 20
#define ARENA_CHUNK (1u << ARENA_SHIFT)
#define ARENA_MAX_CHUNKS 4096u

struct arena {
	char **chunk;
	size_t nchunk, cap;
	size_t used;	/* in the last chunk */
};

/* Copy s/n (cut at a UTF-8 boundary to fit a chunk); *h gets handle + 1. */
static int
arena_add(struct arena *a, uint32_t *h, const char *s, size_t n)
{
	if (n >= ARENA_CHUNK) {
		n = ARENA_CHUNK - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (!a->nchunk || a->used + n + 1 > ARENA_CHUNK) {
		if (a->nchunk == ARENA_MAX_CHUNKS)
			return cti__seterr(CTI_ELIMIT, "more than %u MiB of "
					  "names and ids", ARENA_MAX_CHUNKS);
		if (a->nchunk == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			char **p = realloc(a->chunk, cap * sizeof(*p));

			if (!p)
				return cti__seterr(CTI_ENOMEM, "out of memory");
			a->chunk = p;
			a->cap = cap;
		}
		if (!(a->chunk[a->nchunk] = malloc(ARENA_CHUNK)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		a->nchunk++;
		a->used = 0;
	}
	memcpy(a->chunk[a->nchunk - 1] + a->used, s, n);
	a->chunk[a->nchunk - 1][a->used + n] = '\0';
	*h = (uint32_t)(((a->nchunk - 1) << ARENA_SHIFT) | a->used) + 1;
	a->used += n + 1;
	return CTI_OK;
}

static const char *
arena_get(const struct arena *a, uint32_t h)
{
	if (!h)
		return NULL;
	h--;
	return a->chunk[h >> ARENA_SHIFT] + (h & (ARENA_CHUNK - 1));
}

static void
arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->nchunk; i++)
		free(a->chunk[i]);
	free(a->chunk);
}

/* ------------------------------------------------------------ ids */

#define TYPE_NONE 0xFFFFu	/* the id is kept as text */
#define MAX_TYPES 0xFFFEu

/* An id: a UUID (the type is kept beside it), or text in the arena. */
union idu {
	uint8_t uuid[16];
	struct {
		uint32_t h;	/* arena handle + 1 */
		uint32_t len;
		uint16_t type;	/* the object's type number */
	} str;
};

/* An id: a type number and a UUID, or (idtype TYPE_NONE) text. */
struct idkey {
	union idu u;
	uint16_t idtype;
	uint64_t h;	/* key_hash() */
};

enum {
	F_NEW_MOD = 1 << 0,	/* NEW has a modified */
	F_OLD_MOD = 1 << 1,	/* the OLD version has a modified */
	F_SEEN = 1 << 2,	/* the id is in OLD */
	F_EQUAL = 1 << 3,	/* the OLD version's content equals NEW's */
	F_OLD_REV = 1 << 4,
	F_OLD_DEP = 1 << 5,
	F_NEW_REV = 1 << 6,
	F_NEW_DEP = 1 << 7,
	F_DUP = 1 << 8,		/* NEW holds several versions */
	F_CAT_SHIFT = 12,	/* 3 bits: enum cti_diff_cat */
};

struct ent {
	uint8_t hash[HASH_BYTES];
	uint64_t raw;			/* keyed hash of the input bytes */
	uint64_t old_sum;		/* of the OLD version's content */
	union idu id;
	int64_t new_mod, old_mod;	/* microseconds since 1970 */
	uint32_t name;			/* arena handle + 1, 0: none */
	uint16_t idtype;		/* type number, TYPE_NONE: text id */
	uint16_t flags;
};

#define ENT_SHIFT 16
#define ENT_CHUNK (1u << ENT_SHIFT)

/* An object only in OLD. */
struct rem {
	union idu id;
	int64_t mod;
	uint64_t sum;	/* of its content */
	uint32_t name;
	uint32_t seq;
	uint16_t idtype;
	uint16_t type;
	uint16_t flags;	/* F_OLD_MOD */
};

/* One line of the result: an index into the entries or the removed list. */
struct res {
	uint32_t idx;
	uint8_t cat, kind;
};

struct typeent {
	uint32_t name;	/* arena handle + 1 */
	uint32_t len;
	uint64_t count[CTI_DIFF_NCAT];
};

struct cti_diff {
	struct cti_diff_opts opts;
	unsigned char rawkey[crypto_shorthash_KEYBYTES];
	const char *deprecated;
	char *old_path, *new_path;
	int new_fd;			/* spooled standard input, or -1 */

	struct arena arena;
	struct typeent *types;
	size_t ntypes, tcap;
	uint32_t *tslot;		/* type hash table: index + 1 */
	size_t tslots;
	uint16_t *type_order;		/* types sorted by name */
	uint16_t last_type;		/* the type of the last object + 1 */

	struct ent **ent;
	uint32_t nent;
	size_t nentchunk, entchunkcap;
	uint32_t *slot;			/* id hash table: index + 1 */
	size_t nslot;

	struct rem *rem;
	size_t nrem, remcap;
	uint32_t remseq;

	struct res *res;
	size_t nres;
	uint64_t count[CTI_DIFF_NCAT];
	uint64_t kinds[4];

	char idbuf[256];
	char *idheap;
	char modbuf[2][64];
	struct cti__buf s20;		/* a STIX 2.0 object, marked */
	uint64_t done, total;		/* bytes read, of both files */
	uint64_t new_size;		/* NEW's, 0 when unknown */
};

static inline struct ent *
ent_at(const struct cti_diff *d, uint32_t i)
{
	return &d->ent[i >> ENT_SHIFT][i & (ENT_CHUNK - 1)];
}

/*
 * Hash table positions come from SipHash-2-4 under the run's random key, so
 * that a feed cannot be made of ids that all land on one slot.
 */
static uint64_t
hash_bytes(const struct cti_diff *d, const void *p, size_t n)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, p, n, d->rawkey);
	return h;
}

/* The hash of a key; text ids are in id (under construction) or the arena. */
static uint64_t
key_hash(const struct cti_diff *d, const struct idkey *k, const char *id)
{
	unsigned char b[18];

	if (k->idtype == TYPE_NONE)
		return hash_bytes(d, id ? id : arena_get(&d->arena, k->u.str.h),
				  k->u.str.len);
	memcpy(b, k->u.uuid, 16);
	b[16] = (unsigned char)(k->idtype >> 8);
	b[17] = (unsigned char)k->idtype;
	return hash_bytes(d, b, sizeof(b));
}

/* Compare a key under construction (text ids: s/len) with a stored id. */
static int
key_eq(const struct cti_diff *d, const struct idkey *k, const char *s,
       uint16_t idtype, const union idu *id)
{
	if (k->idtype != idtype)
		return 0;
	if (idtype != TYPE_NONE)
		return memcmp(k->u.uuid, id->uuid, 16) == 0;
	return k->u.str.len == id->str.len &&
	       memcmp(s, arena_get(&d->arena, id->str.h), k->u.str.len) == 0;
}

/* ------------------------------------------------------------ types */

static int
type_intern(struct cti_diff *d, uint16_t *out, const char *s, size_t n)
{
	uint64_t h = hash_bytes(d, s, n);
	size_t i;
	int rc;

	if (d->tslots) {
		for (i = h & (d->tslots - 1); d->tslot[i];
		     i = (i + 1) & (d->tslots - 1)) {
			struct typeent *t = &d->types[d->tslot[i] - 1];

			if (t->len == n &&
			    memcmp(arena_get(&d->arena, t->name), s, n) == 0) {
				*out = (uint16_t)(d->tslot[i] - 1);
				return CTI_OK;
			}
		}
	}
	if (d->ntypes == MAX_TYPES)
		return cti__seterr(CTI_ELIMIT, "more than %u object types",
				  MAX_TYPES);
	if ((d->ntypes + 1) * 2 > d->tslots) {
		size_t ns = d->tslots ? d->tslots * 2 : 64;
		uint32_t *p = calloc(ns, sizeof(*p));

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		for (size_t k = 0; k < d->ntypes; k++) {
			struct typeent *t = &d->types[k];
			size_t j = hash_bytes(d, arena_get(&d->arena, t->name),
					      t->len) & (ns - 1);

			while (p[j])
				j = (j + 1) & (ns - 1);
			p[j] = (uint32_t)k + 1;
		}
		free(d->tslot);
		d->tslot = p;
		d->tslots = ns;
	}
	if (d->ntypes == d->tcap) {
		size_t cap = d->tcap ? d->tcap * 2 : 32;
		struct typeent *p = realloc(d->types, cap * sizeof(*p));

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		d->types = p;
		d->tcap = cap;
	}
	memset(&d->types[d->ntypes], 0, sizeof(d->types[0]));
	if ((rc = arena_add(&d->arena, &d->types[d->ntypes].name, s, n)))
		return rc;
	d->types[d->ntypes].len = (uint32_t)n;
	for (i = h & (d->tslots - 1); d->tslot[i]; i = (i + 1) & (d->tslots - 1))
		;
	d->tslot[i] = (uint32_t)d->ntypes + 1;
	*out = (uint16_t)d->ntypes++;
	return CTI_OK;
}

static const char *
type_name(const struct cti_diff *d, uint16_t t)
{
	return arena_get(&d->arena, d->types[t].name);
}

/* ------------------------------------------------------------ ids */

/* Parse a lower-case textual UUID of 36 characters. */
static int
uuid_lower(uint8_t out[16], const char *s)
{
	int k = 0;

	for (int i = 0; i < 36; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		/* upper case would not print back the same */
		if ((s[i] >= 'A' && s[i] <= 'F') ||
		    (s[i + 1] >= 'A' && s[i + 1] <= 'F') ||
		    (hi = cti__hexval(s[i])) < 0 ||
		    (lo = cti__hexval(s[i + 1])) < 0)
			return -1;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return 0;
}

/*
 * Build the key of id (il bytes; of an object of type typ, tl bytes):
 * compact when id is "typ--uuid". Text ids are not copied here: k->u.str.h
 * stays 0 until the id is stored.
 */
static int
make_key(struct cti_diff *d, struct idkey *k, uint16_t *type, const char *id,
	 size_t il, const char *typ, size_t tl)
{
	int rc;

	/* feeds come in runs of one type */
	if (d->last_type && d->types[d->last_type - 1].len == tl &&
	    memcmp(type_name(d, d->last_type - 1), typ, tl) == 0) {
		*type = d->last_type - 1;
	} else {
		if ((rc = type_intern(d, type, typ, tl)))
			return rc;
		d->last_type = (uint16_t)(*type + 1);
	}
	if (il == tl + 38 && memcmp(id, typ, tl) == 0 && id[tl] == '-' &&
	    id[tl + 1] == '-' && uuid_lower(k->u.uuid, id + tl + 2) == 0) {
		k->idtype = *type;
		k->h = key_hash(d, k, id);
		return CTI_OK;
	}
	if (il > UINT32_MAX / 2)
		return cti__seterr(CTI_ELIMIT, "id too long");
	k->idtype = TYPE_NONE;
	k->u.str.h = 0;
	k->u.str.len = (uint32_t)il;
	k->h = key_hash(d, k, id);
	return CTI_OK;
}

/* Write the id of a stored entry (ent or rem layout) into buf. */
static const char *
id_text(const struct cti_diff *d, char *buf, size_t size, uint16_t idtype,
	const union idu *id)
{
	static const char hex[] = "0123456789abcdef";
	const char *t;
	size_t n, o;

	if (idtype == TYPE_NONE)
		return arena_get(&d->arena, id->str.h);
	t = type_name(d, idtype);
	n = d->types[idtype].len;
	if (n + 39 > size)
		return NULL;
	memcpy(buf, t, n);
	o = n;
	buf[o++] = '-';
	buf[o++] = '-';
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hex[id->uuid[i] >> 4];
		buf[o++] = hex[id->uuid[i] & 15];
	}
	buf[o] = '\0';
	return buf;
}

/* Order of ids as strings. */
static int
id_cmp(const struct cti_diff *d, uint16_t ta, const union idu *a, uint16_t tb,
       const union idu *b)
{
	char ba[128], bb[128];
	const char *sa, *sb;

	if (ta != TYPE_NONE && tb != TYPE_NONE) {
		if (ta == tb)
			return memcmp(a->uuid, b->uuid, 16);
		sa = type_name(d, ta);
		sb = type_name(d, tb);
		/* "t1--" vs "t2--": unless one type is a prefix of the other,
		 * the type names decide */
		size_t la = d->types[ta].len, lb = d->types[tb].len;
		size_t n = la < lb ? la : lb;
		int c = memcmp(sa, sb, n);

		if (c)
			return c;
	}
	sa = id_text(d, ba, sizeof(ba), ta, a);
	sb = id_text(d, bb, sizeof(bb), tb, b);
	if (!sa || !sb) {	/* type names too long for the buffers */
		size_t la = ta == TYPE_NONE ? a->str.len :
			    d->types[ta].len + 38;
		size_t lb = tb == TYPE_NONE ? b->str.len :
			    d->types[tb].len + 38;
		char *x = malloc(la + 1), *y = malloc(lb + 1);
		int c = 0;

		if (x && y) {
			sa = id_text(d, x, la + 1, ta, a);
			sb = id_text(d, y, lb + 1, tb, b);
			c = strcmp(sa, sb);
		}
		free(x);
		free(y);
		return c;
	}
	return strcmp(sa, sb);
}

/* ------------------------------------------------------------ index */

static int
slots_grow(struct cti_diff *d)
{
	size_t ns = d->nslot ? d->nslot * 2 : 1024;
	uint32_t *p = calloc(ns, sizeof(*p));

	if (!p)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < d->nent; i++) {
		struct ent *e = ent_at(d, i);
		struct idkey k;
		size_t j;

		k.idtype = e->idtype;
		if (e->idtype == TYPE_NONE)
			k.u.str = e->id.str;
		else
			memcpy(k.u.uuid, e->id.uuid, 16);
		for (j = key_hash(d, &k, NULL) & (ns - 1); p[j];
		     j = (j + 1) & (ns - 1))
			;
		p[j] = i + 1;
	}
	free(d->slot);
	d->slot = p;
	d->nslot = ns;
	return CTI_OK;
}

/* Find id; *slot gets the slot where it is or would go. */
static struct ent *
lookup(struct cti_diff *d, const struct idkey *k, const char *id,
       size_t *slot)
{
	size_t mask = d->nslot - 1, i;

	if (!d->nslot)
		return NULL;
	for (i = k->h & mask; d->slot[i];
	     i = (i + 1) & mask) {
		struct ent *e = ent_at(d, d->slot[i] - 1);

		if (key_eq(d, k, id, e->idtype, &e->id))
			return e;
	}
	*slot = i;
	return NULL;
}

static int
ent_new(struct cti_diff *d, struct ent **out, const struct idkey *k,
	const char *id, uint16_t type)
{
	size_t slot;
	struct ent *e;
	int rc;

	if (d->nent == UINT32_MAX - 1)
		return cti__seterr(CTI_ELIMIT, "too many objects");
	if ((size_t)(d->nent + 1) * 10 > d->nslot * 7 && (rc = slots_grow(d)))
		return rc;
	if ((d->nent & (ENT_CHUNK - 1)) == 0) {
		if (d->nentchunk == d->entchunkcap) {
			size_t cap = d->entchunkcap ? d->entchunkcap * 2 : 64;
			struct ent **p = realloc(d->ent, cap * sizeof(*p));

			if (!p)
				return cti__seterr(CTI_ENOMEM, "out of memory");
			d->ent = p;
			d->entchunkcap = cap;
		}
		if (!(d->ent[d->nentchunk] =
			      malloc(ENT_CHUNK * sizeof(struct ent))))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		d->nentchunk++;
	}
	lookup(d, k, id, &slot);
	e = ent_at(d, d->nent);
	memset(e, 0, sizeof(*e));
	e->idtype = k->idtype;
	if (k->idtype == TYPE_NONE) {
		if ((rc = arena_add(&d->arena, &e->id.str.h, id,
				    k->u.str.len)))
			return rc;
		e->id.str.len = k->u.str.len;
		e->id.str.type = type;
	} else {
		memcpy(e->id.uuid, k->u.uuid, 16);
	}
	d->slot[slot] = ++d->nent;
	*out = e;
	return CTI_OK;
}

/* ------------------------------------------------------------ reading */

/* What one object says. */
struct objinfo {
	uint8_t hash[HASH_BYTES];
	int64_t mod;
	int has_mod, revoked, deprecated;
	const char *name;	/* raw JSON value, or NULL */
	size_t name_len;
};

static int
is_true(const struct cti_json_field *f)
{
	return f->value && f->len == 4 && memcmp(f->value, "true", 4) == 0;
}

static int
obj_info(struct cti_diff *d, struct objinfo *oi, const struct cti_object *o,
	 const char *side, const char *name)
{
	struct cti_json_field f[3] = {
		{"name", NULL, 0}, {"revoked", NULL, 0}, {d->deprecated, NULL, 0},
	};
	int rc;

	rc = cti_json_hash(oi->hash, HASH_BYTES, o->json, o->len,
			   d->opts.ignore, f, 3);
	if (rc)
		return cti__preferr(rc, "%s: %s:%llu: object %s", side, name,
				   (unsigned long long)o->line, o->id);
	oi->has_mod = o->modified != NULL;
	oi->mod = INT64_MIN;
	if (o->modified && cti__parse_ts(&oi->mod, o->modified, CTI__TS_LAX))
		return cti__seterr(CTI_EFORMAT, "%s: %s:%llu: object %s: bad "
				  "modified timestamp \"%.40s\"", side, name,
				  (unsigned long long)o->line, o->id,
				  o->modified);
	oi->revoked = is_true(&f[1]);
	oi->deprecated = is_true(&f[2]);
	oi->name = NULL;
	oi->name_len = 0;
	if (!d->opts.no_names && f[0].value && f[0].value[0] == '"') {
		oi->name = f[0].value;
		oi->name_len = f[0].len;
	}
	return CTI_OK;
}

static int
store_name(struct cti_diff *d, uint32_t *h, const struct objinfo *oi)
{
	char small[256] = "", *buf = small;
	size_t n;
	int rc;

	*h = 0;
	if (!oi->name)
		return CTI_OK;
	if (oi->name_len > sizeof(small) && !(buf = malloc(oi->name_len)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	n = cti__json_unescape(buf, oi->name, oi->name_len);
	rc = arena_add(&d->arena, h, buf, n);
	if (buf != small)
		free(buf);
	return rc;
}

/* Is a (has, mod) later than b? A missing modified is earliest. */
static int
mod_cmp(int ha, int64_t a, int hb, int64_t b)
{
	if (!ha || !hb)
		return ha - hb;
	return a < b ? -1 : a > b;
}

#define dwarn(d, ...) cti__warnf((d)->opts.warn, (d)->opts.warn_ctx, __VA_ARGS__)

/* Two versions of id on one side with the same "modified" differ: the
 * first stands, as in cti_pack(); STIX wants a new "modified". */
static void
differ(struct cti_diff *d, const char *side, const char *name, uint64_t line,
       const char *id)
{
	char q[CTI__QUOTE_SIZE];

	cti__quote(q, id, strlen(id));
	if (line)
		dwarn(d, "%s: %s:%llu: %s: a copy with the same \"modified\" "
		      "but other content came before; the first is used", side,
		      name, (unsigned long long)line, q);
	else
		dwarn(d, "%s: %s: %s: two copies with the same \"modified\" "
		      "differ; the first is used", side, name, q);
}

static uint64_t
sum_of(const uint8_t hash[HASH_BYTES])
{
	uint64_t v;

	memcpy(&v, hash, sizeof(v));
	return v;
}

/*
 * raw is a keyed hash (SipHash-2-4 under a random key) of the object's bytes
 * as the reader gives them. Objects with the same bytes have the same
 * canonical form, so an OLD object whose bytes are those of its NEW version
 * is unchanged without being canonicalised; any other goes the long way.
 * Of several versions of an id on one side, the one with the latest
 * "modified" stands for it; of several with that same "modified", the
 * first.
 */
static int
add_new(struct cti_diff *d, const struct cti_object *o, const struct idkey *kp,
	uint16_t type, uint64_t raw, const char *name)
{
	struct objinfo oi;
	struct idkey k = *kp;
	struct ent *e;
	size_t slot;
	int rc, c;

	if (!d->nslot && (rc = slots_grow(d)))
		return rc;
	if ((rc = obj_info(d, &oi, o, "NEW", name)))
		return rc;
	if ((e = lookup(d, &k, o->id, &slot))) {
		e->flags |= F_DUP;
		c = mod_cmp(oi.has_mod, oi.mod, e->flags & F_NEW_MOD,
			    e->new_mod);
		if (c == 0 && memcmp(e->hash, oi.hash, HASH_BYTES) != 0)
			differ(d, "NEW", name, o->line, o->id);
		if (c <= 0)
			return CTI_OK;
	} else if ((rc = ent_new(d, &e, &k, o->id, type))) {
		return rc;
	}
	memcpy(e->hash, oi.hash, HASH_BYTES);
	e->raw = raw;
	e->new_mod = oi.mod;
	e->flags &= (uint16_t)~(F_NEW_MOD | F_NEW_REV | F_NEW_DEP);
	e->flags |= (uint16_t)((oi.has_mod ? F_NEW_MOD : 0) |
			       (oi.revoked ? F_NEW_REV : 0) |
			       (oi.deprecated ? F_NEW_DEP : 0));
	e->name = 0;
	return store_name(d, &e->name, &oi);
}

static int
add_old(struct cti_diff *d, const struct cti_object *o, const struct idkey *kp,
	uint16_t type, uint64_t raw, const char *name)
{
	struct objinfo oi;
	struct idkey k = *kp;
	struct ent *e = NULL;
	size_t slot;
	int rc, c;

	if (d->nslot)
		e = lookup(d, &k, o->id, &slot);
	if (e && e->raw == raw) {
		/* the same bytes as NEW's version: equal */
		int64_t mod = INT64_MIN;

		if (o->modified && cti__parse_ts(&mod, o->modified, CTI__TS_LAX))
			return cti__seterr(CTI_EFORMAT, "OLD: %s:%llu: object "
					  "%s: bad modified timestamp \"%.40s\"",
					  name, (unsigned long long)o->line,
					  o->id, o->modified);
		if (e->flags & F_SEEN) {
			c = mod_cmp(o->modified != NULL, mod,
				    e->flags & F_OLD_MOD, e->old_mod);
			if (c == 0 && e->old_sum != sum_of(e->hash))
				differ(d, "OLD", name, o->line, o->id);
			if (c <= 0)
				return CTI_OK;
		}
		e->old_mod = mod;
		e->old_sum = sum_of(e->hash);
		e->flags &= (uint16_t)~(F_OLD_MOD | F_OLD_REV | F_OLD_DEP);
		e->flags |= (uint16_t)(F_SEEN | F_EQUAL |
				       (o->modified ? F_OLD_MOD : 0) |
				       (e->flags & F_NEW_REV ? F_OLD_REV : 0) |
				       (e->flags & F_NEW_DEP ? F_OLD_DEP : 0));
		return CTI_OK;
	}
	if ((rc = obj_info(d, &oi, o, "OLD", name)))
		return rc;
	if (e) {
		if (e->flags & F_SEEN) {
			c = mod_cmp(oi.has_mod, oi.mod, e->flags & F_OLD_MOD,
				    e->old_mod);
			if (c == 0 && e->old_sum != sum_of(oi.hash))
				differ(d, "OLD", name, o->line, o->id);
			if (c <= 0)
				return CTI_OK;
		}
		e->old_mod = oi.mod;
		e->old_sum = sum_of(oi.hash);
		e->flags &= (uint16_t)~(F_OLD_MOD | F_EQUAL | F_OLD_REV |
					F_OLD_DEP);
		e->flags |= (uint16_t)(F_SEEN | (oi.has_mod ? F_OLD_MOD : 0) |
				       (oi.revoked ? F_OLD_REV : 0) |
				       (oi.deprecated ? F_OLD_DEP : 0));
		if (memcmp(e->hash, oi.hash, HASH_BYTES) == 0)
			e->flags |= F_EQUAL;
		return CTI_OK;
	}
	if (d->nrem == d->remcap) {
		size_t cap = d->remcap ? d->remcap * 2 : 256;
		struct rem *p = realloc(d->rem, cap * sizeof(*p));

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		d->rem = p;
		d->remcap = cap;
	}
	struct rem *r = &d->rem[d->nrem];

	memset(r, 0, sizeof(*r));
	r->idtype = k.idtype;
	r->type = type;
	if (k.idtype == TYPE_NONE) {
		if ((rc = arena_add(&d->arena, &r->id.str.h, o->id,
				    k.u.str.len)))
			return rc;
		r->id.str.len = k.u.str.len;
		r->id.str.type = type;
	} else {
		memcpy(r->id.uuid, k.u.uuid, 16);
	}
	r->mod = oi.mod;
	r->sum = sum_of(oi.hash);
	r->flags = oi.has_mod ? F_OLD_MOD : 0;
	r->seq = d->remseq++;
	if ((rc = store_name(d, &r->name, &oi)))
		return rc;
	d->nrem++;
	return CTI_OK;
}

/* Copy standard input to an unlinked temporary file; its fd in *fd. */
static int
spool_stdin(int *fd)
{
	char buf[65536];
	ssize_t n;
	int f, rc;

	if ((rc = cti__tmpfile(&f)))
		return rc;
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(f);
			return cti__seterrno(CTI_EIO, errno, "standard input");
		}
		if (cti__write_full(f, buf, (size_t)n)) {
			int e = errno;

			close(f);
			return cti__seterrno(CTI_EIO, e, "temporary file");
		}
	}
	if (lseek(f, 0, SEEK_SET) < 0) {
		close(f);
		return cti__seterrno(CTI_EIO, errno, "temporary file");
	}
	*fd = f;
	return CTI_OK;
}

static int
open_side(cti_reader **r, struct cti_diff *d, int is_new, const char *side)
{
	const char *path = is_new ? d->new_path : d->old_path;
	int rc;

	if (is_new && d->new_fd >= 0) {
		if (lseek(d->new_fd, 0, SEEK_SET) < 0)
			return cti__seterrno(CTI_EIO, errno, "NEW: stdin");
		rc = cti_reader_open_fd(r, d->new_fd, "stdin", NULL, 0);
	} else {
		rc = cti_reader_open(r, path,
				     strcmp(path, "-") == 0 ? "stdin" : path);
	}
	if (rc)
		return cti__preferr(rc, "%s", side);
	return CTI_OK;
}

/*
 * Reading runs in a thread of its own and hands the objects over in
 * batches, so that decompressing and parsing one object overlaps with
 * canonicalising and hashing the one before (the bulk of the time on a
 * machine with two cores or more).
 */
#define BATCH_BYTES (1u << 20)
#define BATCH_OBJS 4096
#define NBATCH 4
#define NOFF SIZE_MAX

struct bobj {
	uint64_t raw;		/* keyed hash of the JSON */
	size_t off, len;	/* the object's JSON in buf */
	size_t type, id, mod;	/* its fields in buf, or NOFF */
	uint32_t typelen, idlen;
	uint64_t line;
	int stix20;		/* to be read as marked "spec_version":"2.0" */
};

struct batch {
	struct cti__buf buf;
	struct bobj *o;
	size_t n, cap;
	int last;		/* the end of the input, or an error */
	int rc;
	uint64_t raw_bytes;	/* read from the file at its end */
	char *err;		/* the reader's message when rc */
};

struct feed {
	struct cti__pipe pipe;
	struct batch b[NBATCH];
	cti_reader *r;
	const unsigned char *rawkey;	/* NULL: the consumer hashes */
};

static int
batch_str(struct batch *b, size_t *off, uint32_t *len, const char *s)
{
	size_t n;

	if (!s) {
		*off = NOFF;
		return CTI_OK;
	}
	n = strlen(s);
	if (n > CTI_MAX_OBJECT)
		return cti__seterr(CTI_ELIMIT, "a field too long");
	*off = b->buf.len;
	if (len)
		*len = (uint32_t)n;
	return cti__buf_put(&b->buf, s, n + 1);
}

static int
batch_add(struct batch *b, const struct cti_object *o,
	  const unsigned char *rawkey)
{
	struct bobj *x;
	int rc;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct bobj *p = realloc(b->o, cap * sizeof(*p));

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		b->o = p;
		b->cap = cap;
	}
	x = &b->o[b->n];
	if (rawkey)
		crypto_shorthash((unsigned char *)&x->raw,
				 (const unsigned char *)o->json, o->len, rawkey);
	x->off = b->buf.len;
	x->len = o->len;
	x->line = o->line;
	x->stix20 = cti__stix20(o);
	if ((rc = cti__buf_put(&b->buf, o->json, o->len + 1)) ||
	    (rc = batch_str(b, &x->type, &x->typelen, o->type)) ||
	    (rc = batch_str(b, &x->id, &x->idlen, o->id)) ||
	    (rc = batch_str(b, &x->mod, NULL, o->modified)))
		return rc;
	b->n++;
	return CTI_OK;
}

static void *
producer(void *arg)
{
	struct feed *f = arg;
	int i;

	while ((i = cti__pipe_slot(&f->pipe)) >= 0) {
		const struct cti_object *o;
		struct batch *b = &f->b[i];
		int rc = CTI_OK;

		cti__buf_reset(&b->buf);
		b->n = 0;
		b->last = 0;
		while (b->buf.len < BATCH_BYTES && b->n < BATCH_OBJS) {
			if ((rc = cti_reader_next(&o, f->r)) ||
			    (o && (rc = batch_add(b, o, f->rawkey)))) {
				free(b->err);
				b->err = strdup(cti_errmsg());
				b->last = 1;
				break;
			}
			if (!o) {
				b->last = 1;
				break;
			}
		}
		b->rc = rc;
		b->raw_bytes = cti_reader_raw_bytes(f->r);
		cti__pipe_put(&f->pipe);
		if (b->last) {
			cti__pipe_close(&f->pipe);
			break;
		}
	}
	return NULL;
}

/* o, a STIX 2.0 object, as cti_pack() marks it (in d->s20). */
static int
mark20(struct cti_diff *d, struct cti_object *o, const char *side,
       const char *name)
{
	int rc = cti__stix20_amend(&d->s20, o->json, o->len);

	if (rc == CTI_ELIMIT)
		return cti__seterr(CTI_ELIMIT, "%s: %s:%llu: object %s: larger "
				  "than the limit of %u MiB once marked "
				  "\"spec_version\":\"2.0\"", side, name,
				  (unsigned long long)o->line, o->id,
				  CTI_MAX_OBJECT >> 20);
	if (rc)
		return rc;
	o->json = d->s20.p;
	o->len = d->s20.len;
	return CTI_OK;
}

static int
read_side(struct cti_diff *d, int is_new)
{
	const char *side = is_new ? "NEW" : "OLD";
	const char *path = is_new ? d->new_path : d->old_path;
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	struct feed f;
	struct idkey *keys = NULL;
	uint16_t *types = NULL;
	size_t nkeys = 0;
	int rc = CTI_OK, done = 0;

	memset(&f, 0, sizeof(f));
	/* canonicalising NEW keeps the consumer busy, OLD's equal objects are
	 * quick: the raw hash goes where there is time for it */
	f.rawkey = is_new ? d->rawkey : NULL;
	if ((rc = open_side(&f.r, d, is_new, side)))
		return rc;
	if ((rc = cti__pipe_start(&f.pipe, NBATCH, producer, &f)))
		goto out;
	while (!done && !rc) {
		struct batch *b;
		struct cti_object o;
		int slot = cti__pipe_next(&f.pipe);

		if (slot < 0)
			break;	/* not before the last batch */
		b = &f.b[slot];
		memset(&o, 0, sizeof(o));
		if (b->n > nkeys) {
			free(keys);
			free(types);
			nkeys = b->n;
			keys = malloc(nkeys * sizeof(*keys));
			types = malloc(nkeys * sizeof(*types));
			if (!keys || !types) {
				nkeys = 0;
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
			}
		}
		/* keys first, so that the hash table's slots and entries
		 * (far larger than the caches) can be fetched ahead */
		for (size_t i = 0; i < b->n && !rc; i++) {
			if (b->o[i].id == NOFF || b->o[i].type == NOFF)
				rc = cti__seterr(CTI_EFORMAT, "%s: %s:%llu: an "
						"object without type or id",
						side, name,
						(unsigned long long)b->o[i].line);
			else
				rc = make_key(d, &keys[i], &types[i],
					      b->buf.p + b->o[i].id,
					      b->o[i].idlen,
					      b->buf.p + b->o[i].type,
					      b->o[i].typelen);
		}
		for (size_t i = 0; i < b->n && !rc; i++) {
			struct bobj *x = &b->o[i];

			if (d->nslot) {
				size_t mask = d->nslot - 1;

				if (i + 16 < b->n)
					__builtin_prefetch(
						&d->slot[keys[i + 16].h & mask]);
				if (i + 8 < b->n) {
					uint32_t sl = d->slot[keys[i + 8].h & mask];

					if (sl)
						__builtin_prefetch(ent_at(d, sl - 1));
				}
			}
			o.json = b->buf.p + x->off;
			o.len = x->len;
			o.type = x->type == NOFF ? NULL : b->buf.p + x->type;
			o.id = x->id == NOFF ? NULL : b->buf.p + x->id;
			o.modified = x->mod == NOFF ? NULL : b->buf.p + x->mod;
			o.line = x->line;
			if (!f.rawkey)
				crypto_shorthash((unsigned char *)&x->raw,
						 (const unsigned char *)o.json,
						 o.len, d->rawkey);
			/* STIX 2.0 compared as cti_pack() writes it (the raw
			 * hash, of the bytes read, tells equal bytes apart) */
			if (CTI_UNLIKELY(x->stix20)) {
				if ((rc = mark20(d, &o, side, name)))
					break;
			}
			rc = is_new ? add_new(d, &o, &keys[i], types[i], x->raw,
					      name) :
				      add_old(d, &o, &keys[i], types[i], x->raw,
					      name);
		}
		if (d->opts.progress)
			d->opts.progress(d->opts.progress_ctx,
					 d->done + b->raw_bytes, d->total);
		if (!rc && b->last) {
			done = 1;
			d->done += b->raw_bytes;
			if (b->rc)
				rc = cti__preferr(cti__seterr(b->rc, "%s",
							    b->err ? b->err :
								     ""),
						 "%s", side);
		}
		if (rc)
			cti__pipe_stop(&f.pipe, 0);
		else
			cti__pipe_done(&f.pipe);
	}
	cti__pipe_finish(&f.pipe);
out:
	free(keys);
	free(types);
	for (int i = 0; i < NBATCH; i++) {
		cti__buf_free(&f.b[i].buf);
		free(f.b[i].o);
		free(f.b[i].err);
	}
	cti_reader_free(f.r);
	return rc;
}

/* ------------------------------------------------------------ results */

static int
rem_cmp(const void *x, const void *y, void *ctx)
{
	const struct rem *a = x, *b = y;
	int c = id_cmp(ctx, a->idtype, &a->id, b->idtype, &b->id);

	if (c)
		return c;
	/* the version that stands for the id sorts last: the latest
	 * modified, the first of equals */
	c = mod_cmp(a->flags & F_OLD_MOD, a->mod, b->flags & F_OLD_MOD, b->mod);
	if (c)
		return c;
	return a->seq > b->seq ? -1 : a->seq < b->seq;
}

static int
res_cmp(const void *x, const void *y, void *ctx)
{
	const struct res *a = x, *b = y;
	struct cti_diff *d = ctx;
	const union idu *pa, *pb;
	uint16_t ta, tb;

	if (a->cat != b->cat)
		return a->cat < b->cat ? -1 : 1;
	if (a->cat == CTI_DIFF_REMOVED) {
		pa = &d->rem[a->idx].id;
		pb = &d->rem[b->idx].id;
		ta = d->rem[a->idx].idtype;
		tb = d->rem[b->idx].idtype;
	} else {
		pa = &ent_at(d, a->idx)->id;
		pb = &ent_at(d, b->idx)->id;
		ta = ent_at(d, a->idx)->idtype;
		tb = ent_at(d, b->idx)->idtype;
	}
	return id_cmp(d, ta, pa, tb, pb);
}

/* The type number of an entry's object. */
static uint16_t
ent_type(const struct ent *e)
{
	return e->idtype != TYPE_NONE ? e->idtype : e->id.str.type;
}

static int type_cmp(const void *x, const void *y, void *ctx);

static int
classify(struct cti_diff *d)
{
	size_t n = 0, nrem = 0;
	struct rem *rem = d->rem;

	/* removed: one per id, the version with the latest modified */
	if (d->nrem > 1)
		qsort_r(d->rem, d->nrem, sizeof(*d->rem), rem_cmp, d);
	for (size_t i = 0; i < d->nrem; i++) {
		if (i + 1 < d->nrem &&
		    id_cmp(d, rem[i].idtype, &rem[i].id, rem[i + 1].idtype,
			   &rem[i + 1].id) == 0) {
			if (mod_cmp(rem[i].flags & F_OLD_MOD, rem[i].mod,
				    rem[i + 1].flags & F_OLD_MOD,
				    rem[i + 1].mod) == 0 &&
			    rem[i].sum != rem[i + 1].sum &&
			    (i + 2 == d->nrem ||
			     id_cmp(d, rem[i + 1].idtype, &rem[i + 1].id,
				    rem[i + 2].idtype, &rem[i + 2].id) != 0)) {
				char buf[256];
				const char *id = id_text(d, buf, sizeof(buf),
							 rem[i].idtype,
							 &rem[i].id);

				differ(d, "OLD", strcmp(d->old_path, "-") ?
				       d->old_path : "stdin", 0, id ? id : "");
			}
			continue;
		}
		rem[nrem++] = rem[i];
	}
	d->nrem = nrem;
	for (size_t i = 0; i < d->nrem; i++) {
		d->count[CTI_DIFF_REMOVED]++;
		d->types[d->rem[i].type].count[CTI_DIFF_REMOVED]++;
	}

	for (uint32_t i = 0; i < d->nent; i++) {
		struct ent *e = ent_at(d, i);
		enum cti_diff_cat c;
		uint16_t f = e->flags;

		if (!(f & F_SEEN))
			c = CTI_DIFF_ADDED;
		else if (f & F_EQUAL)
			c = CTI_DIFF_UNCHANGED;
		else if ((f & F_NEW_REV) && !(f & F_OLD_REV))
			c = CTI_DIFF_REVOKED;
		else if ((f & F_NEW_DEP) && !(f & F_OLD_DEP))
			c = CTI_DIFF_DEPRECATED;
		else
			c = CTI_DIFF_MODIFIED;
		e->flags = (uint16_t)((f & ((1u << F_CAT_SHIFT) - 1)) |
				      (unsigned)c << F_CAT_SHIFT);
		d->count[c]++;
		d->types[ent_type(e)].count[c]++;
	}

	d->nres = d->nent - d->count[CTI_DIFF_UNCHANGED] + d->nrem;
	if (!(d->res = malloc((d->nres + 1) * sizeof(*d->res))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < d->nent; i++) {
		struct ent *e = ent_at(d, i);
		unsigned c = e->flags >> F_CAT_SHIFT;
		enum cti_diff_kind k = CTI_DIFF_KIND_NONE;

		if (c == CTI_DIFF_UNCHANGED)
			continue;
		if (c == CTI_DIFF_MODIFIED) {
			int m = mod_cmp(e->flags & F_NEW_MOD, e->new_mod,
					e->flags & F_OLD_MOD, e->old_mod);

			k = m > 0 ? CTI_DIFF_NEWER :
			    m == 0 ? CTI_DIFF_UNBUMPED : CTI_DIFF_OLDER;
			d->kinds[k]++;
		}
		d->res[n].idx = i;
		d->res[n].cat = (uint8_t)c;
		d->res[n].kind = (uint8_t)k;
		n++;
	}
	for (size_t i = 0; i < d->nrem; i++) {
		d->res[n].idx = (uint32_t)i;
		d->res[n].cat = CTI_DIFF_REMOVED;
		d->res[n].kind = CTI_DIFF_KIND_NONE;
		n++;
	}
	if (n > 1)
		qsort_r(d->res, n, sizeof(*d->res), res_cmp, d);

	if (!(d->type_order = malloc((d->ntypes + 1) * sizeof(uint16_t))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->ntypes; i++)
		d->type_order[i] = (uint16_t)i;
	qsort_r(d->type_order, d->ntypes, sizeof(uint16_t), type_cmp, d);
	return CTI_OK;
}

static int
type_cmp(const void *x, const void *y, void *ctx)
{
	const struct cti_diff *d = ctx;

	return strcmp(type_name(d, *(const uint16_t *)x),
		      type_name(d, *(const uint16_t *)y));
}

/* ------------------------------------------------------------ API */

const char *
cti_diff_cat_name(enum cti_diff_cat c)
{
	static const char *const names[] = {
		"added", "removed", "revoked", "deprecated", "modified",
		"unchanged",
	};

	return (unsigned)c < CTI_DIFF_NCAT ? names[c] : "";
}

const char *
cti_diff_kind_name(enum cti_diff_kind k)
{
	static const char *const names[] = {"", "newer", "unbumped", "older"};

	return (unsigned)k < 4 ? names[k] : "";
}

/* The size of a regular file (fd, when not -1, or path), else 0. */
static uint64_t
file_size(const char *path, int fd)
{
	struct stat st;

	if (fd >= 0 ? fstat(fd, &st) :
	    strcmp(path, "-") == 0 ? fstat(0, &st) : stat(path, &st))
		return 0;
	return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

int
cti_diff_run(cti_diff **out, const char *old_path, const char *new_path,
	     const struct cti_diff_opts *opts)
{
	struct cti_diff *d;
	int rc;

	if (!out || !old_path || !new_path)
		return cti__seterr(CTI_EINVAL, "cti_diff_run: bad argument");
	*out = NULL;
	if (strcmp(old_path, "-") == 0 && strcmp(new_path, "-") == 0)
		return cti__seterr(CTI_EINVAL, "OLD and NEW cannot both be "
				  "standard input");
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "cannot initialise libsodium");
	if (!(d = calloc(1, sizeof(*d))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	d->new_fd = -1;
	randombytes_buf(d->rawkey, sizeof(d->rawkey));
	if (opts)
		d->opts = *opts;
	d->deprecated = d->opts.deprecated_property ?
			d->opts.deprecated_property : DEFAULT_DEPRECATED;
	if (!(d->old_path = strdup(old_path)) ||
	    !(d->new_path = strdup(new_path))) {
		cti_diff_free(d);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	if (d->opts.keep_new && strcmp(new_path, "-") == 0 &&
	    (rc = spool_stdin(&d->new_fd))) {
		cti_diff_free(d);
		return cti__preferr(rc, "NEW");
	}
	if (d->opts.progress) {
		uint64_t old_size = file_size(old_path, -1);

		d->new_size = file_size(new_path, d->new_fd);
		d->total = old_size && d->new_size ? old_size + d->new_size : 0;
	}
	if ((rc = read_side(d, 1)) || (rc = read_side(d, 0)) ||
	    (rc = classify(d))) {
		cti_diff_free(d);
		return rc;
	}
	*out = d;
	return CTI_OK;
}

uint64_t
cti_diff_count(const cti_diff *d, enum cti_diff_cat c)
{
	return d && (unsigned)c < CTI_DIFF_NCAT ? d->count[c] : 0;
}

uint64_t
cti_diff_kind_count(const cti_diff *d, enum cti_diff_kind k)
{
	return d && (unsigned)k < 4 ? d->kinds[k] : 0;
}

size_t
cti_diff_ntypes(const cti_diff *d)
{
	return d ? d->ntypes : 0;
}

const char *
cti_diff_type(const cti_diff *d, size_t i, uint64_t counts[CTI_DIFF_NCAT])
{
	const struct typeent *t;

	if (!d || i >= d->ntypes)
		return NULL;
	t = &d->types[d->type_order[i]];
	if (counts)
		memcpy(counts, t->count, sizeof(t->count));
	return arena_get(&d->arena, t->name);
}

size_t
cti_diff_nentries(const cti_diff *d)
{
	return d ? d->nres : 0;
}

int
cti_diff_entry(struct cti_diff_entry *out, cti_diff *d, size_t i)
{
	const struct res *r;
	const union idu *idp;
	uint16_t idtype, type;
	size_t need;

	if (!out || !d || i >= d->nres)
		return cti__seterr(CTI_EINVAL, "cti_diff_entry: bad argument");
	r = &d->res[i];
	memset(out, 0, sizeof(*out));
	out->cat = r->cat;
	out->kind = r->kind;
	if (r->cat == CTI_DIFF_REMOVED) {
		const struct rem *m = &d->rem[r->idx];

		idp = &m->id;
		idtype = m->idtype;
		type = m->type;
		out->name = arena_get(&d->arena, m->name);
		if (m->flags & F_OLD_MOD)
			out->old_modified = cti__format_ts(d->modbuf[0],
						      sizeof(d->modbuf[0]),
						      m->mod);
	} else {
		struct ent *e = ent_at(d, r->idx);

		idp = &e->id;
		idtype = e->idtype;
		type = ent_type(e);
		out->name = arena_get(&d->arena, e->name);
		if (e->flags & F_NEW_MOD)
			out->new_modified = cti__format_ts(d->modbuf[1],
						      sizeof(d->modbuf[1]),
						      e->new_mod);
		if (r->cat != CTI_DIFF_ADDED && (e->flags & F_OLD_MOD))
			out->old_modified = cti__format_ts(d->modbuf[0],
						      sizeof(d->modbuf[0]),
						      e->old_mod);
	}
	out->type = type_name(d, type);
	if (idtype == TYPE_NONE) {
		out->id = id_text(d, NULL, 0, idtype, idp);
	} else {
		need = d->types[idtype].len + 39;
		if (need <= sizeof(d->idbuf)) {
			out->id = id_text(d, d->idbuf, sizeof(d->idbuf), idtype,
					  idp);
		} else {
			char *p = realloc(d->idheap, need);

			if (!p)
				return cti__seterr(CTI_ENOMEM, "out of memory");
			d->idheap = p;
			out->id = id_text(d, p, need, idtype, idp);
		}
	}
	return CTI_OK;
}

int
cti_diff_write_bundle(uint64_t *count, cti_diff *d, const char *path,
		      const struct cti_writer_opts *wopts)
{
	const struct cti_object *o;
	struct cti_object m;
	const char *name;
	cti_reader *r;
	cti_writer *w;
	uint64_t n = 0;
	int rc;

	if (count)
		*count = 0;
	if (!d)
		return cti__seterr(CTI_EINVAL, "cti_diff_write_bundle: no diff");
	if (strcmp(d->new_path, "-") == 0 && d->new_fd < 0)
		return cti__seterr(CTI_EINVAL, "NEW was standard input and was "
				  "not kept (keep_new)");
	name = strcmp(d->new_path, "-") == 0 ? "stdin" : d->new_path;
	if ((rc = open_side(&r, d, 1, "NEW")))
		return rc;
	if ((rc = cti_writer_open(&w, path, wopts))) {
		cti_reader_free(r);
		return rc;
	}
	for (;;) {
		struct idkey k;
		struct ent *e;
		size_t slot;
		unsigned c;
		int added;

		if ((rc = cti_reader_next(&o, r))) {
			rc = cti__preferr(rc, "NEW");
			break;
		}
		if (!o)
			break;
		if ((rc = make_key(d, &k, &(uint16_t){0}, o->id,
				   strlen(o->id), o->type, strlen(o->type))))
			break;
		if (!(e = lookup(d, &k, o->id, &slot)))
			continue;	/* the file changed under us */
		if (d->opts.progress)
			d->opts.progress(d->opts.progress_ctx,
					 cti_reader_raw_bytes(r), d->new_size);
		c = e->flags >> F_CAT_SHIFT;
		if (c == CTI_DIFF_UNCHANGED || c == CTI_DIFF_REMOVED)
			continue;
		/* written as cti_pack() writes it */
		if (cti__stix20(o)) {
			m = *o;
			if ((rc = mark20(d, &m, "NEW", name)))
				break;
			o = &m;
		}
		if (e->flags & F_DUP) {
			struct objinfo oi;

			/* the version chosen: same modified, same content */
			if ((rc = obj_info(d, &oi, o, "NEW", name)))
				break;
			if (mod_cmp(oi.has_mod, oi.mod, e->flags & F_NEW_MOD,
				    e->new_mod) != 0 ||
			    memcmp(oi.hash, e->hash, HASH_BYTES) != 0)
				continue;
		}
		if ((rc = cti_writer_add(w, o->json, o->len, o->id, o->modified,
					 &added)))
			break;
		n += added > 0;
	}
	cti_reader_free(r);
	if (rc) {
		cti_writer_abort(w);
		return rc;
	}
	if ((rc = cti_writer_close(w)))
		return rc;
	if (count)
		*count = n;
	return CTI_OK;
}

void
cti_diff_free(cti_diff *d)
{
	if (!d)
		return;
	if (d->new_fd >= 0)
		close(d->new_fd);
	free(d->old_path);
	free(d->new_path);
	arena_free(&d->arena);
	free(d->types);
	free(d->tslot);
	free(d->type_order);
	for (size_t i = 0; i < d->nentchunk; i++)
		free(d->ent[i]);
	free(d->ent);
	free(d->slot);
	free(d->rem);
	free(d->res);
	free(d->idheap);
	cti__buf_free(&d->s20);
	free(d);
}
