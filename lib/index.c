/*
 * index.c - an index of STIX objects by id (index.h), and reading a file
 * into one on a second thread.
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* ------------------------------------------------------------ arena */

#define ARENA_SHIFT 20
#define ARENA_CHUNK (1u << ARENA_SHIFT)
#define ARENA_MAX_CHUNKS 4096u

int
cti__arena_add(struct cti__arena *a, uint32_t *h, const char *s, size_t n)
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

const char *
cti__arena_get(const struct cti__arena *a, uint32_t h)
{
	if (!h)
		return NULL;
	h--;
	return a->chunk[h >> ARENA_SHIFT] + (h & (ARENA_CHUNK - 1));
}

static void
arena_free(struct cti__arena *a)
{
	for (size_t i = 0; i < a->nchunk; i++)
		free(a->chunk[i]);
	free(a->chunk);
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------ index */

#define MAX_TYPES 0xFFFEu
#define CHUNK (1u << CTI__IDX_SHIFT)

void
cti__idx_init(struct cti__idx *x, size_t esize)
{
	memset(x, 0, sizeof(*x));
	x->esize = esize;
	randombytes_buf(x->key, sizeof(x->key));
}

void
cti__idx_free(struct cti__idx *x)
{
	arena_free(&x->arena);
	free(x->types);
	free(x->tslot);
	for (size_t i = 0; i < x->nchunk; i++)
		free(x->chunk[i]);
	free(x->chunk);
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

/* The number of type s/n, or -1. */
static int
type_find(const struct cti__idx *x, const char *s, size_t n, uint64_t h)
{
	if (!x->tslots)
		return -1;
	for (size_t i = h & (x->tslots - 1); x->tslot[i];
	     i = (i + 1) & (x->tslots - 1)) {
		const struct cti__itype *t = &x->types[x->tslot[i] - 1];

		if (t->len == n &&
		    memcmp(cti__arena_get(&x->arena, t->name), s, n) == 0)
			return (int)x->tslot[i] - 1;
	}
	return -1;
}

int
cti__idx_type(struct cti__idx *x, uint16_t *out, const char *s, size_t n)
{
	uint64_t h = cti__idx_hash(x, s, n);
	size_t i;
	int rc, t;

	if ((t = type_find(x, s, n, h)) >= 0) {
		*out = (uint16_t)t;
		return CTI_OK;
	}
	if (x->ntypes == MAX_TYPES)
		return cti__seterr(CTI_ELIMIT, "more than %u object types",
				  MAX_TYPES);
	if ((x->ntypes + 1) * 2 > x->tslots) {
		size_t ns = x->tslots ? x->tslots * 2 : 64;
		uint32_t *p = calloc(ns, sizeof(*p));

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		for (size_t k = 0; k < x->ntypes; k++) {
			const struct cti__itype *ty = &x->types[k];
			size_t j = cti__idx_hash(x, cti__arena_get(&x->arena,
								  ty->name),
						 ty->len) & (ns - 1);

			while (p[j])
				j = (j + 1) & (ns - 1);
			p[j] = (uint32_t)k + 1;
		}
		free(x->tslot);
		x->tslot = p;
		x->tslots = ns;
	}
	if (x->ntypes == x->tcap) {
		size_t cap = x->tcap ? x->tcap * 2 : 32;
		struct cti__itype *p = realloc(x->types, cap * sizeof(*p));

		if (!p)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		x->types = p;
		x->tcap = cap;
	}
	if ((rc = cti__arena_add(&x->arena, &x->types[x->ntypes].name, s, n)))
		return rc;
	x->types[x->ntypes].len = (uint32_t)n;
	for (i = h & (x->tslots - 1); x->tslot[i]; i = (i + 1) & (x->tslots - 1))
		;
	x->tslot[i] = (uint32_t)x->ntypes + 1;
	*out = (uint16_t)x->ntypes++;
	return CTI_OK;
}

/* One more than the value of a lower-case hex digit, 0 for any other byte
 * (upper case would not print back the same). */
static const uint8_t lowhex[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* Parse a lower-case textual UUID of 36 characters. */
static int
uuid_lower(uint8_t out[16], const char *s)
{
	static const uint8_t at[16] = {
		0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34,
	};
	int ok = 1;

	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return -1;
	for (int k = 0; k < 16; k++) {
		unsigned hi = lowhex[(unsigned char)s[at[k]]];
		unsigned lo = lowhex[(unsigned char)s[at[k] + 1]];

		ok &= hi && lo;
		out[k] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 15));
	}
	return ok ? 0 : -1;
}

/* The hash of a key; a text id is in id (being looked up) or stored. */
static uint64_t
key_hash(const struct cti__idx *x, const struct cti__idkey *k, const char *id)
{
	unsigned char b[18];

	if (k->idtype == CTI__TYPE_NONE)
		return cti__idx_hash(x, id ? id : cti__arena_get(&x->arena,
								k->u.str.h),
				     k->u.str.len);
	memcpy(b, k->u.uuid, 16);
	b[16] = (unsigned char)(k->idtype >> 8);
	b[17] = (unsigned char)k->idtype;
	return cti__idx_hash(x, b, sizeof(b));
}

/* The key of id, whose object is of type number type (or -1: none). */
static int
key_of(const struct cti__idx *x, struct cti__idkey *k, int type,
       const char *id, size_t il, size_t tl)
{
	if (type >= 0 && il == tl + 38 && id[tl] == '-' && id[tl + 1] == '-' &&
	    memcmp(id, cti__idx_type_name(x, (uint16_t)type), tl) == 0 &&
	    uuid_lower(k->u.uuid, id + tl + 2) == 0) {
		k->idtype = (uint16_t)type;
		k->h = key_hash(x, k, id);
		return CTI_OK;
	}
	if (il > UINT32_MAX / 2)
		return cti__seterr(CTI_ELIMIT, "id too long");
	k->idtype = CTI__TYPE_NONE;
	k->u.str.h = 0;
	k->u.str.len = (uint32_t)il;
	k->h = key_hash(x, k, id);
	return CTI_OK;
}

int
cti__idx_key(struct cti__idx *x, struct cti__idkey *k, uint16_t *type,
	     const char *id, size_t il, const char *typ, size_t tl)
{
	int rc;

	/* feeds come in runs of one type */
	if (x->last_type && x->types[x->last_type - 1].len == tl &&
	    memcmp(cti__idx_type_name(x, x->last_type - 1), typ, tl) == 0) {
		*type = x->last_type - 1;
	} else {
		if ((rc = cti__idx_type(x, type, typ, tl)))
			return rc;
		x->last_type = (uint16_t)(*type + 1);
	}
	return key_of(x, k, *type, id, il, tl);
}

int
cti__idx_ref_key(const struct cti__idx *x, struct cti__idkey *k,
		 const char *id, size_t il)
{
	const char *dd = il > 38 ? id + il - 38 : NULL;
	int t = -1;

	if (dd && dd[0] == '-' && dd[1] == '-')
		t = type_find(x, id, (size_t)(dd - id),
			      cti__idx_hash(x, id, (size_t)(dd - id)));
	/* without such a type it can only be a text id */
	return key_of(x, k, t, id, il, dd ? (size_t)(dd - id) : 0);
}

/* Where a key of hash h starts its probe, and what its slots hold of h. */
#define TAG(h) ((uint32_t)((h) >> 32))

static int
slots_grow(struct cti__idx *x)
{
	size_t ns = x->nslot ? x->nslot * 2 : 1024;
	uint64_t *p = calloc(ns, sizeof(*p));

	if (!p)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	for (size_t i = 0; i < x->nslot; i++) {
		size_t j;

		if (!x->slot[i])
			continue;
		for (j = (x->slot[i] >> 32) & (ns - 1); p[j]; j = (j + 1) & (ns - 1))
			;
		p[j] = x->slot[i];
	}
	free(x->slot);
	x->slot = p;
	x->nslot = ns;
	return CTI_OK;
}

static inline int
key_eq(const struct cti__idx *x, const struct cti__idkey *k, const char *s,
       const struct cti__ent *e)
{
	uint64_t a[2], b[2];

	if (k->idtype != e->idtype)
		return 0;
	if (e->idtype != CTI__TYPE_NONE) {
		memcpy(a, k->u.uuid, 16);
		memcpy(b, e->id.uuid, 16);
		return a[0] == b[0] && a[1] == b[1];
	}
	return k->u.str.len == e->id.str.len &&
	       memcmp(s, cti__arena_get(&x->arena, e->id.str.h),
		      k->u.str.len) == 0;
}

/* The entry of k, or NULL and *slot the empty slot where it would go. */
static struct cti__ent *
probe(const struct cti__idx *x, const struct cti__idkey *k, const char *id,
      size_t *slot)
{
	size_t mask = x->nslot - 1, i;
	uint32_t tag = TAG(k->h);

	for (i = tag & mask; x->slot[i]; i = (i + 1) & mask) {
		struct cti__ent *e;

		if ((uint32_t)(x->slot[i] >> 32) != tag)
			continue;
		e = cti__idx_at(x, (uint32_t)x->slot[i] - 1);
		if (key_eq(x, k, id, e))
			return e;
	}
	*slot = i;
	return NULL;
}

struct cti__ent *
cti__idx_lookup(const struct cti__idx *x, const struct cti__idkey *k,
		const char *id)
{
	size_t slot;

	if (!x->nslot)
		return NULL;
	return probe(x, k, id, &slot);
}

int
cti__idx_get(struct cti__idx *x, struct cti__ent **out, int *added,
	     const struct cti__idkey *k, const char *id, uint16_t type)
{
	size_t slot = 0;
	struct cti__ent *e;
	int rc;

	*added = 0;
	if ((size_t)(x->n + 1) * 10 > x->nslot * 7 && (rc = slots_grow(x)))
		return rc;
	if ((*out = probe(x, k, id, &slot)))
		return CTI_OK;
	if (x->n == UINT32_MAX - 1)
		return cti__seterr(CTI_ELIMIT, "too many objects");
	if ((x->n & (CHUNK - 1)) == 0) {
		if (x->nchunk == x->chunkcap) {
			size_t cap = x->chunkcap ? x->chunkcap * 2 : 64;
			unsigned char **p = realloc(x->chunk, cap * sizeof(*p));

			if (!p)
				return cti__seterr(CTI_ENOMEM, "out of memory");
			x->chunk = p;
			x->chunkcap = cap;
		}
		if (!(x->chunk[x->nchunk] = malloc(CHUNK * x->esize)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		x->nchunk++;
	}
	e = cti__idx_at(x, x->n);
	memset(e, 0, x->esize);
	e->idtype = k->idtype;
	if (k->idtype == CTI__TYPE_NONE) {
		if ((rc = cti__arena_add(&x->arena, &e->id.str.h, id,
					 k->u.str.len)))
			return rc;
		e->id.str.len = k->u.str.len;
		e->id.str.type = type;
	} else {
		memcpy(e->id.uuid, k->u.uuid, 16);
	}
	x->slot[slot] = (uint64_t)TAG(k->h) << 32 | ++x->n;
	*out = e;
	*added = 1;
	return CTI_OK;
}

const char *
cti__idx_id_text(const struct cti__idx *x, char *buf, size_t size,
		 uint16_t idtype, const union cti__idu *id)
{
	static const char hex[] = "0123456789abcdef";
	const char *t;
	size_t n, o;

	if (idtype == CTI__TYPE_NONE)
		return cti__arena_get(&x->arena, id->str.h);
	t = cti__idx_type_name(x, idtype);
	n = x->types[idtype].len;
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

int
cti__idx_id_cmp(const struct cti__idx *x, uint16_t ta,
		const union cti__idu *a, uint16_t tb, const union cti__idu *b)
{
	char ba[128], bb[128];
	const char *sa, *sb;

	if (ta != CTI__TYPE_NONE && tb != CTI__TYPE_NONE) {
		if (ta == tb)
			return memcmp(a->uuid, b->uuid, 16);
		sa = cti__idx_type_name(x, ta);
		sb = cti__idx_type_name(x, tb);
		/* "t1--" vs "t2--": unless one type is a prefix of the other,
		 * the type names decide */
		size_t la = x->types[ta].len, lb = x->types[tb].len;
		size_t n = la < lb ? la : lb;
		int c = memcmp(sa, sb, n);

		if (c)
			return c;
	}
	sa = cti__idx_id_text(x, ba, sizeof(ba), ta, a);
	sb = cti__idx_id_text(x, bb, sizeof(bb), tb, b);
	if (!sa || !sb) {	/* type names too long for the buffers */
		size_t la = ta == CTI__TYPE_NONE ? a->str.len :
			    x->types[ta].len + 38;
		size_t lb = tb == CTI__TYPE_NONE ? b->str.len :
			    x->types[tb].len + 38;
		char *p = malloc(la + 1), *q = malloc(lb + 1);
		int c = 0;

		if (p && q) {
			sa = cti__idx_id_text(x, p, la + 1, ta, a);
			sb = cti__idx_id_text(x, q, lb + 1, tb, b);
			c = strcmp(sa, sb);
		}
		free(p);
		free(q);
		return c;
	}
	return strcmp(sa, sb);
}

/* ------------------------------------------------------------ reading */

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
	int stix20;
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
	const struct cti__idx *x;	/* for raw hashes, when early */
	size_t objs;			/* in a batch, at most */
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
	  const struct cti__idx *x)
{
	struct bobj *p;
	int rc;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct bobj *q = realloc(b->o, cap * sizeof(*q));

		if (!q)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		b->o = q;
		b->cap = cap;
	}
	p = &b->o[b->n];
	if (x)
		p->raw = cti__idx_hash(x, o->json, o->len);
	p->off = b->buf.len;
	p->len = o->len;
	p->line = o->line;
	p->stix20 = cti__stix20(o);
	if ((rc = cti__buf_put(&b->buf, o->json, o->len + 1)) ||
	    (rc = batch_str(b, &p->type, &p->typelen, o->type)) ||
	    (rc = batch_str(b, &p->id, &p->idlen, o->id)) ||
	    (rc = batch_str(b, &p->mod, NULL, o->modified)))
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
		while (b->buf.len < BATCH_BYTES && b->n < f->objs) {
			if ((rc = cti_reader_next(&o, f->r)) ||
			    (o && (rc = batch_add(b, o, f->x)))) {
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

/* The objects of batch b, keys first, so that the hash table's slots and
 * entries (far larger than the caches) can be fetched ahead. */
static int
consume(struct cti__idx *x, const struct cti__idx_read *how, struct batch *b,
	struct cti__idkey *keys, uint16_t *types)
{
	struct cti__idx_obj obj;
	int rc = CTI_OK;

	for (size_t i = 0; i < b->n && !rc; i++) {
		if (b->o[i].id == NOFF || b->o[i].type == NOFF)
			rc = cti__seterr(CTI_EFORMAT, "%s: %s:%llu: an object "
					"without type or id", how->side,
					how->name,
					(unsigned long long)b->o[i].line);
		else
			rc = cti__idx_key(x, &keys[i], &types[i],
					  b->buf.p + b->o[i].id, b->o[i].idlen,
					  b->buf.p + b->o[i].type,
					  b->o[i].typelen);
	}
	memset(&obj, 0, sizeof(obj));
	for (size_t i = 0; i < b->n && !rc; i++) {
		struct bobj *p = &b->o[i];

		cti__idx_prefetch(x, i + 16 < b->n ? &keys[i + 16] : NULL,
				  i + 8 < b->n ? &keys[i + 8] : NULL);
		obj.o.json = b->buf.p + p->off;
		obj.o.len = p->len;
		obj.o.type = b->buf.p + p->type;
		obj.o.id = b->buf.p + p->id;
		obj.o.modified = p->mod == NOFF ? NULL : b->buf.p + p->mod;
		obj.o.line = p->line;
		obj.key = &keys[i];
		obj.type = types[i];
		obj.raw = how->raw_early ? p->raw :
			  cti__idx_hash(x, obj.o.json, obj.o.len);
		obj.stix20 = p->stix20;
		rc = how->fn(how->ctx, &obj);
	}
	return rc;
}

struct cti__idx_feed {
	struct feed f;
	struct cti__idx *x;
	struct cti__idx_read how;
	struct cti__idkey *keys;
	uint16_t *types;
	size_t nkeys;
	int done, rc;
};

int
cti__idx_feed_open(struct cti__idx_feed **out, struct cti__idx *x,
		   cti_reader *r, const struct cti__idx_read *how)
{
	struct cti__idx_feed *d;
	int rc;

	*out = NULL;
	if (!(d = calloc(1, sizeof(*d))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	d->x = x;
	d->how = *how;
	d->f.r = r;
	d->f.x = how->raw_early ? x : NULL;
	d->f.objs = how->batch ? how->batch : BATCH_OBJS;
	if ((rc = cti__pipe_start(&d->f.pipe, NBATCH, producer, &d->f))) {
		free(d);
		return rc;
	}
	*out = d;
	return CTI_OK;
}

int
cti__idx_feed_step(struct cti__idx_feed *d, int *done)
{
	struct batch *b;
	int slot, rc = CTI_OK;

	if (d->done || d->rc) {
		*done = d->done;
		return d->rc;
	}
	/* -1 before the last batch: the reading stopped, which it does only
	 * after publishing its error in a last batch */
	if ((slot = cti__pipe_next(&d->f.pipe)) < 0) {
		*done = d->done = 1;
		return CTI_OK;
	}
	b = &d->f.b[slot];
	if (b->n > d->nkeys) {
		free(d->keys);
		free(d->types);
		d->nkeys = b->n;
		d->keys = malloc(d->nkeys * sizeof(*d->keys));
		d->types = malloc(d->nkeys * sizeof(*d->types));
		if (!d->keys || !d->types) {
			d->nkeys = 0;
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
		}
	}
	if (!rc)
		rc = consume(d->x, &d->how, b, d->keys, d->types);
	if (d->how.progress)
		d->how.progress(d->how.ctx, b->raw_bytes);
	if (!rc && b->last) {
		d->done = 1;
		if (b->rc)
			rc = cti__preferr(cti__seterr(b->rc, "%s",
						    b->err ? b->err : ""),
					 "%s", d->how.side);
	}
	if (rc) {
		cti__pipe_stop(&d->f.pipe, 0);
		d->rc = rc;
	} else {
		cti__pipe_done(&d->f.pipe);
	}
	*done = d->done;
	return rc;
}

void
cti__idx_feed_close(struct cti__idx_feed *d)
{
	if (!d)
		return;
	if (!d->done)
		cti__pipe_stop(&d->f.pipe, 0);
	cti__pipe_finish(&d->f.pipe);
	free(d->keys);
	free(d->types);
	for (int i = 0; i < NBATCH; i++) {
		cti__buf_free(&d->f.b[i].buf);
		free(d->f.b[i].o);
		free(d->f.b[i].err);
	}
	free(d);
}

int
cti__idx_read(struct cti__idx *x, cti_reader *r,
	      const struct cti__idx_read *how)
{
	struct cti__idx_feed *d;
	int rc, done = 0;

	if ((rc = cti__idx_feed_open(&d, x, r, how)))
		return rc;
	while (!rc && !done)
		rc = cti__idx_feed_step(d, &done);
	cti__idx_feed_close(d);
	return rc;
}
