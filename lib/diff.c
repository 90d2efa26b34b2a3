/*
 * diff.c - what changed between two bundles.
 *
 * NEW is read first into an index (index.h): per id a content hash
 * (BLAKE2b-128 of the RFC 8785 canonical form, jcs.c), a keyed hash of its
 * bytes, the "modified" time and a few flags, in 72 bytes plus the name,
 * and a slot of 4 bytes in a hash table at most 70% full. OLD is then
 * streamed and each of its objects is checked against the index on the
 * fly: the index entry remembers the best OLD version seen so far (its
 * "modified", whether it equals NEW's content, whether it was revoked or
 * deprecated). An OLD object with the very bytes of its NEW version is
 * equal without being canonicalised. Ids only in OLD go to a list of
 * removed objects, sorted at the end. Nothing else grows with the size of
 * the inputs. Each input is read by a second thread (cti__idx_read()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"

#define DEFAULT_DEPRECATED "x_mitre_deprecated"
#define HASH_BYTES CTI_DIFF_HASH_BYTES

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
	F_WANT = 1 << 9,	/* a delta's object refers to it */
	F_PUT = 1 << 10,	/* written to the delta */
	F_CAT_SHIFT = 12,	/* 3 bits: enum cti_diff_cat */
};

/* A NEW object; h.aux is its name (an arena handle, 0: none). */
struct ent {
	struct cti__ent h;
	uint8_t hash[HASH_BYTES];
	uint64_t raw;			/* keyed hash of the input bytes */
	uint64_t old_sum;		/* of the OLD version's content */
	int64_t new_mod, old_mod;	/* microseconds since 1970 */
};

/* An object only in OLD. */
struct rem {
	union cti__idu id;
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

struct cti_diff {
	struct cti_diff_opts opts;
	const char *deprecated;
	char *old_path, *new_path;
	int new_fd;			/* spooled standard input, or -1 */

	struct cti__idx x;		/* of NEW */
	uint64_t (*tcount)[CTI_DIFF_NCAT]; /* per type number */
	uint16_t *type_order;		/* types sorted by name */

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
	return (struct ent *)cti__idx_at(&d->x, i);
}

static const char *
type_name(const struct cti_diff *d, uint16_t t)
{
	return cti__idx_type_name(&d->x, t);
}

static const char *
id_text(const struct cti_diff *d, char *buf, size_t size, uint16_t idtype,
	const union cti__idu *id)
{
	return cti__idx_id_text(&d->x, buf, size, idtype, id);
}

static int
id_cmp(const struct cti_diff *d, uint16_t ta, const union cti__idu *a,
       uint16_t tb, const union cti__idu *b)
{
	return cti__idx_id_cmp(&d->x, ta, a, tb, b);
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
	rc = cti__arena_add(&d->x.arena, h, buf, n);
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
add_new(struct cti_diff *d, const struct cti_object *o,
	const struct cti__idkey *k, uint16_t type, uint64_t raw,
	const char *name)
{
	struct objinfo oi;
	struct cti__ent *h;
	struct ent *e;
	int rc, c, added;

	if ((rc = obj_info(d, &oi, o, "NEW", name)) ||
	    (rc = cti__idx_get(&d->x, &h, &added, k, o->id, type)))
		return rc;
	e = (struct ent *)h;
	if (!added) {
		e->h.flags |= F_DUP;
		c = mod_cmp(oi.has_mod, oi.mod, e->h.flags & F_NEW_MOD,
			    e->new_mod);
		if (c == 0 && memcmp(e->hash, oi.hash, HASH_BYTES) != 0)
			differ(d, "NEW", name, o->line, o->id);
		if (c <= 0)
			return CTI_OK;
	}
	memcpy(e->hash, oi.hash, HASH_BYTES);
	e->raw = raw;
	e->new_mod = oi.mod;
	e->h.flags &= (uint16_t)~(F_NEW_MOD | F_NEW_REV | F_NEW_DEP);
	e->h.flags |= (uint16_t)((oi.has_mod ? F_NEW_MOD : 0) |
				 (oi.revoked ? F_NEW_REV : 0) |
				 (oi.deprecated ? F_NEW_DEP : 0));
	e->h.aux = 0;
	return store_name(d, &e->h.aux, &oi);
}

static int
add_old(struct cti_diff *d, const struct cti_object *o,
	const struct cti__idkey *k, uint16_t type, uint64_t raw,
	const char *name)
{
	struct objinfo oi;
	struct ent *e;
	int rc, c;

	e = (struct ent *)cti__idx_lookup(&d->x, k, o->id);
	if (e && e->raw == raw) {
		/* the same bytes as NEW's version: equal */
		int64_t mod = INT64_MIN;

		if (o->modified && cti__parse_ts(&mod, o->modified, CTI__TS_LAX))
			return cti__seterr(CTI_EFORMAT, "OLD: %s:%llu: object "
					  "%s: bad modified timestamp \"%.40s\"",
					  name, (unsigned long long)o->line,
					  o->id, o->modified);
		if (e->h.flags & F_SEEN) {
			c = mod_cmp(o->modified != NULL, mod,
				    e->h.flags & F_OLD_MOD, e->old_mod);
			if (c == 0 && e->old_sum != sum_of(e->hash))
				differ(d, "OLD", name, o->line, o->id);
			if (c <= 0)
				return CTI_OK;
		}
		e->old_mod = mod;
		e->old_sum = sum_of(e->hash);
		e->h.flags &= (uint16_t)~(F_OLD_MOD | F_OLD_REV | F_OLD_DEP);
		e->h.flags |= (uint16_t)(F_SEEN | F_EQUAL |
				       (o->modified ? F_OLD_MOD : 0) |
				       (e->h.flags & F_NEW_REV ? F_OLD_REV : 0) |
				       (e->h.flags & F_NEW_DEP ? F_OLD_DEP : 0));
		return CTI_OK;
	}
	if ((rc = obj_info(d, &oi, o, "OLD", name)))
		return rc;
	if (e) {
		if (e->h.flags & F_SEEN) {
			c = mod_cmp(oi.has_mod, oi.mod, e->h.flags & F_OLD_MOD,
				    e->old_mod);
			if (c == 0 && e->old_sum != sum_of(oi.hash))
				differ(d, "OLD", name, o->line, o->id);
			if (c <= 0)
				return CTI_OK;
		}
		e->old_mod = oi.mod;
		e->old_sum = sum_of(oi.hash);
		e->h.flags &= (uint16_t)~(F_OLD_MOD | F_EQUAL | F_OLD_REV |
					F_OLD_DEP);
		e->h.flags |= (uint16_t)(F_SEEN | (oi.has_mod ? F_OLD_MOD : 0) |
				       (oi.revoked ? F_OLD_REV : 0) |
				       (oi.deprecated ? F_OLD_DEP : 0));
		if (memcmp(e->hash, oi.hash, HASH_BYTES) == 0)
			e->h.flags |= F_EQUAL;
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
	r->idtype = k->idtype;
	r->type = type;
	if (k->idtype == CTI__TYPE_NONE) {
		if ((rc = cti__arena_add(&d->x.arena, &r->id.str.h, o->id,
					 k->u.str.len)))
			return rc;
		r->id.str.len = k->u.str.len;
		r->id.str.type = type;
	} else {
		memcpy(r->id.uuid, k->u.uuid, 16);
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

struct side {
	struct cti_diff *d;
	int is_new;
	const char *name;
};

static int
side_obj(void *ctx, struct cti__idx_obj *obj)
{
	struct side *s = ctx;
	int rc;

	/* STIX 2.0 compared as cti_pack() writes it (the raw hash, of the
	 * bytes read, tells equal bytes apart) */
	if (CTI_UNLIKELY(obj->stix20) &&
	    (rc = mark20(s->d, &obj->o, s->is_new ? "NEW" : "OLD", s->name)))
		return rc;
	if (s->is_new)
		return add_new(s->d, &obj->o, obj->key, obj->type, obj->raw,
			       s->name);
	return add_old(s->d, &obj->o, obj->key, obj->type, obj->raw, s->name);
}

static void
side_progress(void *ctx, uint64_t raw_bytes)
{
	struct side *s = ctx;

	if (s->d->opts.progress)
		s->d->opts.progress(s->d->opts.progress_ctx,
				    s->d->done + raw_bytes, s->d->total);
}

static int
read_side(struct cti_diff *d, int is_new)
{
	const char *path = is_new ? d->new_path : d->old_path;
	struct side s = { d, is_new, strcmp(path, "-") == 0 ? "stdin" : path };
	struct cti__idx_read how = {
		.side = is_new ? "NEW" : "OLD",
		.name = s.name,
		/* canonicalising NEW keeps the consumer busy, OLD's equal
		 * objects are quick: the raw hash goes where there is time */
		.raw_early = is_new,
		.fn = side_obj,
		.progress = side_progress,
		.ctx = &s,
	};
	cti_reader *r;
	int rc;

	if ((rc = open_side(&r, d, is_new, how.side)))
		return rc;
	rc = cti__idx_read(&d->x, r, &how);
	d->done += cti_reader_raw_bytes(r);
	cti_reader_free(r);
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
	const union cti__idu *pa, *pb;
	uint16_t ta, tb;

	if (a->cat != b->cat)
		return a->cat < b->cat ? -1 : 1;
	if (a->cat == CTI_DIFF_REMOVED) {
		pa = &d->rem[a->idx].id;
		pb = &d->rem[b->idx].id;
		ta = d->rem[a->idx].idtype;
		tb = d->rem[b->idx].idtype;
	} else {
		pa = &ent_at(d, a->idx)->h.id;
		pb = &ent_at(d, b->idx)->h.id;
		ta = ent_at(d, a->idx)->h.idtype;
		tb = ent_at(d, b->idx)->h.idtype;
	}
	return id_cmp(d, ta, pa, tb, pb);
}

/* The type number of an entry's object. */
static uint16_t
ent_type(const struct ent *e)
{
	return cti__idx_ent_type(&e->h);
}

static int type_cmp(const void *x, const void *y, void *ctx);

static int
classify(struct cti_diff *d)
{
	size_t n = 0, nrem = 0;
	struct rem *rem = d->rem;

	if (!(d->tcount = calloc(d->x.ntypes + 1, sizeof(*d->tcount))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
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
		d->tcount[d->rem[i].type][CTI_DIFF_REMOVED]++;
	}

	for (uint32_t i = 0; i < d->x.n; i++) {
		struct ent *e = ent_at(d, i);
		enum cti_diff_cat c;
		uint16_t f = e->h.flags;

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
		e->h.flags = (uint16_t)((f & ((1u << F_CAT_SHIFT) - 1)) |
				      (unsigned)c << F_CAT_SHIFT);
		d->count[c]++;
		d->tcount[ent_type(e)][c]++;
	}

	d->nres = d->x.n - d->count[CTI_DIFF_UNCHANGED] + d->nrem;
	if (!(d->res = malloc((d->nres + 1) * sizeof(*d->res))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < d->x.n; i++) {
		struct ent *e = ent_at(d, i);
		unsigned c = e->h.flags >> F_CAT_SHIFT;
		enum cti_diff_kind k = CTI_DIFF_KIND_NONE;

		if (c == CTI_DIFF_UNCHANGED)
			continue;
		if (c == CTI_DIFF_MODIFIED) {
			int m = mod_cmp(e->h.flags & F_NEW_MOD, e->new_mod,
					e->h.flags & F_OLD_MOD, e->old_mod);

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

	if (!(d->type_order = malloc((d->x.ntypes + 1) * sizeof(uint16_t))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->x.ntypes; i++)
		d->type_order[i] = (uint16_t)i;
	qsort_r(d->type_order, d->x.ntypes, sizeof(uint16_t), type_cmp, d);
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
	cti__idx_init(&d->x, sizeof(struct ent));
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
	return d ? d->x.ntypes : 0;
}

const char *
cti_diff_type(const cti_diff *d, size_t i, uint64_t counts[CTI_DIFF_NCAT])
{
	uint16_t t;

	if (!d || i >= d->x.ntypes)
		return NULL;
	t = d->type_order[i];
	if (counts)
		memcpy(counts, d->tcount[t], sizeof(d->tcount[t]));
	return type_name(d, t);
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
	const union cti__idu *idp;
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
		out->name = cti__arena_get(&d->x.arena, m->name);
		if (m->flags & F_OLD_MOD)
			out->old_modified = cti__format_ts(d->modbuf[0],
						      sizeof(d->modbuf[0]),
						      m->mod);
	} else {
		struct ent *e = ent_at(d, r->idx);

		idp = &e->h.id;
		idtype = e->h.idtype;
		type = ent_type(e);
		out->name = cti__arena_get(&d->x.arena, e->h.aux);
		if (e->h.flags & F_NEW_MOD)
			out->new_modified = cti__format_ts(d->modbuf[1],
						      sizeof(d->modbuf[1]),
						      e->new_mod);
		if (r->cat != CTI_DIFF_ADDED && (e->h.flags & F_OLD_MOD))
			out->old_modified = cti__format_ts(d->modbuf[0],
						      sizeof(d->modbuf[0]),
						      e->old_mod);
	}
	out->type = type_name(d, type);
	if (idtype == CTI__TYPE_NONE) {
		out->id = id_text(d, NULL, 0, idtype, idp);
	} else {
		need = d->x.types[idtype].len + 39;
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

/*
 * The delta stands on its own: what its objects refer to for a receiver to
 * read them (the identity of "created_by_ref", the marking-definitions of
 * "object_marking_refs" and of "granular_markings") goes with them.
 */
struct delta {
	struct cti_diff *d;
	cti_writer *w;
	const char *name;
	uint64_t n;		/* objects written */
	uint64_t pending;	/* entries wanted and not written yet */
	unsigned tlp;		/* TLP 2.0 markings wanted that NEW lacks */
	struct cti_object m;	/* a STIX 2.0 object, marked */
};

/* The object of a delta refers to id (a JSON string literal). */
static int
want(struct delta *t, const char *lit, size_t n)
{
	char small[128], *id = small;
	struct cti__idkey k;
	struct ent *e;
	size_t il;
	int rc = CTI_OK;

	if (n < 2 || lit[0] != '"')
		return CTI_OK;
	if (n > sizeof(small) && !(id = malloc(n)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	il = cti__json_unescape(id, lit, n);
	id[il] = '\0';
	if ((rc = cti__idx_ref_key(&t->d->x, &k, id, il)))
		goto out;
	if ((e = (struct ent *)cti__idx_lookup(&t->d->x, &k, id))) {
		if (!(e->h.flags & (F_WANT | F_PUT)))
			t->pending++;
		e->h.flags |= F_WANT;
	} else {
		enum cti_tlp l = cti_tlp_from_id(id);

		/* the TLP 2.0 definitions are known: write them from here */
		if (l != CTI_TLP_NONE && !strcmp(id, cti_tlp_id(l)))
			t->tlp |= 1u << l;
	}
out:
	if (id != small)
		free(id);
	return rc;
}

/* Want what the object json/len refers to. */
static int
want_refs(struct delta *t, const char *json, size_t len)
{
	struct cti__member m, g;
	const char *v;
	size_t pos = 0, ap, gp, vl;
	int rc;

	while (cti__json_member(&m, json, len, &pos)) {
		if (cti__member_is(&m, "created_by_ref")) {
			if ((rc = want(t, m.value, m.vlen)))
				return rc;
		} else if (cti__member_is(&m, "object_marking_refs")) {
			for (ap = 0; cti__json_element(&v, &vl, m.value, m.vlen,
						       &ap);)
				if ((rc = want(t, v, vl)))
					return rc;
		} else if (cti__member_is(&m, "granular_markings")) {
			for (ap = 0; cti__json_element(&v, &vl, m.value, m.vlen,
						       &ap);)
				for (gp = 0; cti__json_member(&g, v, vl, &gp);)
					if (cti__member_is(&g, "marking_ref") &&
					    (rc = want(t, g.value, g.vlen)))
						return rc;
		}
	}
	return CTI_OK;
}

/* Write o, the entry e's version of it, to the delta. */
static int
put(struct delta *t, const struct cti_object *o, struct ent *e)
{
	int rc, added;

	/* written as cti_pack() writes it */
	if (cti__stix20(o)) {
		t->m = *o;
		if ((rc = mark20(t->d, &t->m, "NEW", t->name)))
			return rc;
		o = &t->m;
	}
	if (e->h.flags & F_DUP) {
		struct objinfo oi;

		/* the version chosen: same modified, same content */
		if ((rc = obj_info(t->d, &oi, o, "NEW", t->name)))
			return rc;
		if (mod_cmp(oi.has_mod, oi.mod, e->h.flags & F_NEW_MOD,
			    e->new_mod) != 0 ||
		    memcmp(oi.hash, e->hash, HASH_BYTES) != 0)
			return CTI_OK;
	}
	if ((rc = cti_writer_add(t->w, o->json, o->len, o->id, o->modified,
				 &added)))
		return rc;
	t->n += added > 0;
	if (e->h.flags & F_WANT)
		t->pending--;
	e->h.flags |= F_PUT;
	return want_refs(t, o->json, o->len);
}

/* One pass over NEW: the objects that differ (first) and those wanted. */
static int
delta_pass(struct delta *t, int first)
{
	struct cti_diff *d = t->d;
	const struct cti_object *o;
	cti_reader *r;
	int rc;

	if ((rc = open_side(&r, d, 1, "NEW")))
		return rc;
	while (first || t->pending) {
		struct cti__idkey k;
		uint16_t type;
		struct ent *e;
		unsigned c;

		if ((rc = cti_reader_next(&o, r))) {
			rc = cti__preferr(rc, "NEW");
			break;
		}
		if (!o)
			break;
		if ((rc = cti__idx_key(&d->x, &k, &type, o->id, strlen(o->id),
				       o->type, strlen(o->type))))
			break;
		if (!(e = (struct ent *)cti__idx_lookup(&d->x, &k, o->id)))
			continue;	/* the file changed under us */
		if (first && d->opts.progress)
			d->opts.progress(d->opts.progress_ctx,
					 cti_reader_raw_bytes(r), d->new_size);
		c = e->h.flags >> F_CAT_SHIFT;
		if (e->h.flags & F_PUT)
			continue;
		if ((first && c != CTI_DIFF_UNCHANGED) ||
		    (e->h.flags & F_WANT)) {
			if ((rc = put(t, o, e)))
				break;
		}
	}
	cti_reader_free(r);
	return rc;
}

int
cti_diff_write_bundle(uint64_t *count, cti_diff *d, const char *path,
		      const struct cti_writer_opts *wopts)
{
	struct delta t;
	int rc, added;

	if (count)
		*count = 0;
	if (!d)
		return cti__seterr(CTI_EINVAL, "cti_diff_write_bundle: no diff");
	if (strcmp(d->new_path, "-") == 0 && d->new_fd < 0)
		return cti__seterr(CTI_EINVAL, "NEW was standard input and was "
				  "not kept (keep_new)");
	memset(&t, 0, sizeof(t));
	t.d = d;
	t.name = strcmp(d->new_path, "-") == 0 ? "stdin" : d->new_path;
	for (uint32_t i = 0; i < d->x.n; i++)
		ent_at(d, i)->h.flags &= (uint16_t)~(F_WANT | F_PUT);
	if ((rc = cti_writer_open(&t.w, path, wopts)))
		return rc;
	/* what is wanted from before the object that wants it takes another
	 * pass, which ends once it is written (a feed's identity and marking
	 * come first) */
	rc = delta_pass(&t, 1);
	while (!rc && t.pending) {
		uint64_t before = t.n;

		if (!(rc = delta_pass(&t, 0)) && t.n == before)
			rc = cti__seterr(CTI_EIO, "NEW: %s: changed while it "
					"was read", t.name);
	}
	for (unsigned l = CTI_TLP_CLEAR; !rc && l <= CTI_TLP_RED; l++) {
		const char *m = cti_tlp_object((enum cti_tlp)l);

		if (!(t.tlp & (1u << l)))
			continue;
		rc = cti_writer_add(t.w, m, strlen(m), cti_tlp_id((enum cti_tlp)l),
				    NULL, &added);
		t.n += !rc && added > 0;
	}
	if (rc) {
		cti_writer_abort(t.w);
		return rc;
	}
	if ((rc = cti_writer_close(t.w)))
		return rc;
	if (count)
		*count = t.n;
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
	cti__idx_free(&d->x);
	free(d->tcount);
	free(d->type_order);
	free(d->rem);
	free(d->res);
	free(d->idheap);
	cti__buf_free(&d->s20);
	free(d);
}
