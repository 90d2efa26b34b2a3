/*
 * base.c - cti pack --base: the previous release of a feed, indexed so that
 * the objects cti pack makes (indicators, the identity of --producer) keep
 * what a receiver already holds.
 *
 * The release is read once, on two threads (cti__idx_read()), into an
 * index of its indicators and identities: per id a keyed hash of its bytes,
 * a hash of its content without its times (the canonical form, jcs.c, less
 * "created", "modified", "valid_from" and "valid_until") and those four
 * times: 72 bytes and a 4-byte slot, nothing of the objects themselves.
 *
 * An object made again is built with the release's times. When its bytes
 * are the release's (the release was written by this generator, the usual
 * case), it is written at once: the very bytes of the release, in the
 * order of the inputs. When they are not but the content and times are the
 * same (the release came from elsewhere: another serialiser, another
 * version), the release's own bytes are copied by a second pass over it at
 * the end, so that what did not change is always written exactly as it
 * was; the second pass runs only when there is something to copy or to
 * revoke. Regenerating costs a build and a hash per object; copying every
 * object would cost a second read of the release and would put the
 * objects in the release's order instead of the inputs'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"
#include "index.h"

enum {
	B_PREV = 1 << 0,	/* in the release */
	B_REVOKED = 1 << 1,	/* revoked there */
	B_INDICATOR = 1 << 2,
	B_MADE = 1 << 3,	/* made by this pack */
	B_LATER = 1 << 4,	/* to copy from the release at the end */
	B_PASSED = 1 << 5,	/* a STIX object read has its id */
	B_DONE = 1 << 6,	/* copied or revoked at the end */
	B_OTHERS = 1 << 7,	/* another producer's: not to revoke */
};

/* An object of the release, then the version of it this pack writes. */
struct bent {
	struct cti__ent h;
	uint64_t raw;	/* keyed hash of the release's bytes, or of those
			   made when they differ */
	uint64_t sum;	/* of the release's content, times left out */
	int64_t created, modified, valid_from, valid_until; /* microseconds,
							       CTI__NO_TIME */
};

struct cti__base {
	struct cti__base_opts o;
	struct cti__idx x;
	uint16_t t_indicator, t_identity;
	char *path;		/* the release */
	int fd;
	int64_t now;		/* microseconds */
	int64_t valid_for;	/* microseconds */
	int passed;		/* STIX objects were written */
	uint64_t later;		/* entries B_LATER not yet copied */
	uint64_t kept, modified;
	struct cti__buf obj;	/* an object being made */
	uint64_t total, done;	/* for progress */
};

#define US 1000000

/* The times left out of the content hash. */
static const char *const times[] = {
	"created", "modified", "valid_from", "valid_until", NULL,
};

#define bwarn(b, ...) cti__warnf((b)->o.warn, (b)->o.warn_ctx, __VA_ARGS__)

static inline struct bent *
bent(struct cti__ent *h)
{
	return (struct bent *)h;
}

/* ---------------------------------------------------------- the file */

static int
is_release_name(const char *n)
{
	size_t l = strlen(n);

	if (n[0] == '.')
		return 0;
	return (l > 4 && !strcmp(n + l - 4, ".cti")) ||
	       (l > 5 && !strcmp(n + l - 5, ".json")) ||
	       (l > 8 && !strcmp(n + l - 8, ".json.gz"));
}

/* Is a (time, name) later than b? */
static int
later_than(const struct stat *a, const char *an, const struct stat *b,
	   const char *bn)
{
	if (a->st_mtim.tv_sec != b->st_mtim.tv_sec)
		return a->st_mtim.tv_sec > b->st_mtim.tv_sec;
	if (a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
		return a->st_mtim.tv_nsec > b->st_mtim.tv_nsec;
	return strcmp(an, bn) > 0;
}

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p = malloc(n + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/",
			name);
	return p;
}

/* The file of the release path names; *out NULL for a directory without
 * one. */
static int
resolve(char **out, const char *path)
{
	struct stat st, best = { 0 };
	struct dirent *de;
	char *name = NULL;
	DIR *d;
	int rc = CTI_OK;

	*out = NULL;
	if (stat(path, &st))
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		if (!(*out = strdup(path)))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		return CTI_OK;
	}
	/* the last good copy that cti pull keeps in its state directory */
	if (!(*out = join(path, "bundle")))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if (stat(*out, &st) == 0 && S_ISREG(st.st_mode))
		return CTI_OK;
	free(*out);
	*out = NULL;
	if (!(d = opendir(path)))
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	while ((errno = 0, de = readdir(d))) {
		if (!is_release_name(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (name && !later_than(&st, de->d_name, &best, name))
			continue;
		free(name);
		if (!(name = strdup(de->d_name))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			break;
		}
		best = st;
	}
	if (!rc && errno)
		rc = cti__seterrno(CTI_EIO, errno, "%s", path);
	closedir(d);
	if (!rc && name && !(*out = join(path, name)))
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
	free(name);
	return rc;
}

/* ---------------------------------------------------------- indexing */

/* A time member's value (JSON text): *us, or CTI__NO_TIME when absent;
 * -1 when it is not a time. */
static int
field_time(int64_t *us, const struct cti_json_field *f)
{
	char buf[64];
	size_t n;

	*us = CTI__NO_TIME;
	if (!f->value)
		return 0;
	if (f->value[0] != '"' || f->len > sizeof(buf))
		return -1;
	n = cti__json_unescape(buf, f->value, f->len);
	buf[n] = '\0';
	return cti__parse_ts(us, buf, CTI__TS_LAX);
}

static uint64_t
sum_of(const unsigned char *hash)
{
	uint64_t v;

	memcpy(&v, hash, sizeof(v));
	return v;
}

/* The content of json without its times. */
static int
content_sum(uint64_t *sum, const char *json, size_t len,
	    struct cti_json_field *f, size_t nf)
{
	unsigned char h[CTI_DIFF_HASH_BYTES];
	int rc;

	if ((rc = cti_json_hash(h, sizeof(h), json, len, times, f, nf)))
		return rc;
	*sum = sum_of(h);
	return CTI_OK;
}

static int
index_obj(void *ctx, struct cti__idx_obj *obj)
{
	struct cti__base *b = ctx;
	struct cti_json_field f[5] = {
		{"created", NULL, 0}, {"modified", NULL, 0},
		{"valid_from", NULL, 0}, {"valid_until", NULL, 0},
		{"revoked", NULL, 0},
	};
	struct cti__ent *h;
	struct bent *e;
	int64_t t[4];
	uint64_t sum;
	int rc;

	/* the types cti pack makes, as it makes them (STIX 2.1) */
	if ((obj->type != b->t_indicator && obj->type != b->t_identity) ||
	    obj->stix20)
		return CTI_OK;
	if ((rc = content_sum(&sum, obj->o.json, obj->o.len, f, 5)))
		return cti__preferr(rc, "base: %s:%llu: object %s", b->path,
				   (unsigned long long)obj->o.line, obj->o.id);
	for (int i = 0; i < 4; i++)
		if (field_time(&t[i], &f[i]))
			return CTI_OK;	/* not one to make again */
	if (t[0] == CTI__NO_TIME || t[1] == CTI__NO_TIME)
		return CTI_OK;
	/* of several versions, the latest stands (the first of equals) */
	if ((h = cti__idx_lookup(&b->x, obj->key, obj->o.id, NULL))) {
		if (t[1] <= bent(h)->modified)
			return CTI_OK;
	} else if ((rc = cti__idx_add(&b->x, &h, obj->key, obj->o.id,
				      obj->type))) {
		return rc;
	}
	e = bent(h);
	e->raw = obj->raw;
	e->sum = sum;
	e->created = t[0];
	e->modified = t[1];
	e->valid_from = t[2];
	e->valid_until = t[3];
	e->h.flags = B_PREV;
	if (obj->type == b->t_indicator)
		e->h.flags |= B_INDICATOR;
	if (f[4].value && f[4].len == 4 && !memcmp(f[4].value, "true", 4))
		e->h.flags |= B_REVOKED;
	return CTI_OK;
}

static void
index_progress(void *ctx, uint64_t raw_bytes)
{
	struct cti__base *b = ctx;

	b->done = raw_bytes;
	if (b->o.progress)
		b->o.progress(b->o.progress_ctx, raw_bytes, b->total);
}

/* A reader of the release from its start. */
static int
rewind_release(struct cti__base *b, cti_reader **r)
{
	int rc;

	if (lseek(b->fd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "base: %s", b->path);
	if ((rc = cti_reader_open_fd(r, b->fd, b->path, NULL, 0)))
		return cti__preferr(rc, "base");
	return CTI_OK;
}

int
cti__base_open(cti__base **out, uint64_t *read, uint64_t *total,
	       const char *path, const struct cti__base_opts *opts)
{
	struct cti__idx_read how = {
		.side = "base", .raw_early = 1, .fn = index_obj,
		.progress = index_progress,
	};
	struct cti__base *b;
	struct stat st;
	cti_reader *r;
	int rc;

	*out = NULL;
	*read = 0;
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "cannot initialise libsodium");
	if (!(b = calloc(1, sizeof(*b))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	b->o = *opts;
	b->fd = -1;
	b->now = opts->now * US;
	b->valid_for = opts->valid_for * US;
	cti__idx_init(&b->x, sizeof(struct bent));
	if ((rc = resolve(&b->path, path)))
		goto fail;
	if (!b->path) {
		bwarn(b, "%s: no earlier release in it: packing a first one",
		      path);
		cti__base_free(b);
		return CTI_OK;
	}
	if ((rc = cti__open_in(&b->fd, b->path)))
		goto fail;
	if (*total && fstat(b->fd, &st) == 0 && S_ISREG(st.st_mode))
		*total += (uint64_t)st.st_size;
	else
		*total = 0;
	b->total = *total;
	if ((rc = cti__idx_type(&b->x, &b->t_indicator, "indicator", 9)) ||
	    (rc = cti__idx_type(&b->x, &b->t_identity, "identity", 8)) ||
	    (rc = rewind_release(b, &r)))
		goto fail;
	how.name = b->path;
	how.ctx = b;
	rc = cti__idx_read(&b->x, r, &how);
	*read = cti_reader_raw_bytes(r);
	cti_reader_free(r);
	if (rc)
		goto fail;
	*out = b;
	return CTI_OK;
fail:
	cti__base_free(b);
	return rc;
}

void
cti__base_free(cti__base *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	cti__idx_free(&b->x);
	cti__buf_free(&b->obj);
	free(b);
}

/* ---------------------------------------------------------- making */

/* The time of a new version of e: now, or just after its last. */
static int64_t
bump(const struct cti__base *b, int64_t modified)
{
	return b->now > modified ? b->now : modified + 1000;
}

/*
 * valid_until of an indicator that stays: kept while at least half of
 * --valid-for remains (and no more than all of it), else renewed to now
 * plus --valid-for; so a list packed every hour gives each indicator a new
 * version about once every half of its validity, not every hour.
 */
static int64_t
validity(const struct cti__base *b, int64_t until)
{
	if (!b->valid_for)
		return CTI__NO_TIME;
	if (until != CTI__NO_TIME && until - b->now >= b->valid_for / 2 &&
	    until <= b->now + b->valid_for)
		return until;
	return b->now + b->valid_for;
}

/* Build m with these times into b->obj. */
static int
build(struct cti__base *b, const struct cti__make *m, int64_t created,
      int64_t modified, int64_t from, int64_t until)
{
	char tc[32], tm[32], tf[32], tu[32];
	struct cti__stamps t = {
		cti__format_ts(tc, sizeof(tc), created),
		cti__format_ts(tm, sizeof(tm), modified),
		from == CTI__NO_TIME ? NULL : cti__format_ts(tf, sizeof(tf), from),
		until == CTI__NO_TIME ? NULL :
					cti__format_ts(tu, sizeof(tu), until),
	};

	cti__buf_reset(&b->obj);
	return m->build(m->ctx, &b->obj, &t);
}

/* Write the object built, unless a STIX object read has its id and
 * modified. */
static int
write_made(struct cti__base *b, cti_writer *w, const struct cti__make *m,
	   int64_t modified, enum cti__made ok, enum cti__made *how)
{
	char tm[32];
	int seen = 0, rc;

	if (b->passed &&
	    (rc = cti__writer_seen(w, &seen, m->id,
				   cti__format_ts(tm, sizeof(tm), modified),
				   b->obj.p, b->obj.len)))
		return rc;
	if (seen) {
		*how = seen > 0 ? CTI__MADE_COPY : CTI__MADE_DIFFERS;
		return CTI_OK;
	}
	*how = ok;
	return cti__writer_put(w, b->obj.p, b->obj.len);
}

/* m again in this pack: a copy of what was made, or another. */
static int
again(struct cti__base *b, const struct cti__make *m, struct bent *e,
      enum cti__made *how)
{
	uint64_t sum;
	int rc;

	if (e->h.flags & B_REVOKED) {
		*how = CTI__MADE_COPY;
		return CTI_OK;
	}
	if ((rc = build(b, m, e->created, e->modified,
			m->validity ? (m->first_seen != CTI__NO_TIME ?
				       m->first_seen : e->valid_from) :
				      CTI__NO_TIME,
			e->valid_until)))
		return rc;
	*how = CTI__MADE_DIFFERS;
	if (cti__idx_hash(&b->x, b->obj.p, b->obj.len) == e->raw)
		*how = CTI__MADE_COPY;
	else if ((e->h.flags & B_LATER) &&
		 !(rc = content_sum(&sum, b->obj.p, b->obj.len, NULL, 0)) &&
		 sum == e->sum)
		*how = CTI__MADE_COPY;
	return rc;
}

int
cti__base_make(cti__base *b, cti_writer *w, const struct cti__make *m,
	       enum cti__made *how)
{
	struct cti__idkey k;
	struct cti__ent *h;
	struct bent *e;
	int64_t from, until;
	uint64_t sum;
	uint16_t type;
	int rc;

	if ((rc = cti__idx_key(&b->x, &k, &type, m->id, strlen(m->id),
			       m->type, strlen(m->type))))
		return rc;
	if (!(h = cti__idx_lookup(&b->x, &k, m->id, NULL))) {
		/* new: made now, and noted, to tell copies from others */
		from = !m->validity ? CTI__NO_TIME :
		       m->first_seen != CTI__NO_TIME ? m->first_seen : b->now;
		until = m->validity ? validity(b, CTI__NO_TIME) : CTI__NO_TIME;
		if ((rc = build(b, m, b->now, b->now, from, until)) ||
		    (rc = cti__idx_add(&b->x, &h, &k, m->id, type)))
			return rc;
		e = bent(h);
		e->h.flags = B_MADE;
		e->raw = cti__idx_hash(&b->x, b->obj.p, b->obj.len);
		e->created = e->modified = b->now;
		e->valid_from = from;
		e->valid_until = until;
		return write_made(b, w, m, b->now, CTI__MADE_NEW, how);
	}
	e = bent(h);
	if (e->h.flags & B_MADE)
		return again(b, m, e, how);
	e->h.flags |= B_MADE;
	if (e->h.flags & B_REVOKED) {
		/* STIX: no new version of a revoked object */
		bwarn(b, "%s: revoked in the base release %s: a revoked object "
		      "gets no new version, it stays revoked", m->id, b->path);
		e->h.flags |= B_LATER;
		b->later++;
		b->kept++;
		*how = CTI__MADE_REVOKED;
		return CTI_OK;
	}
	from = !m->validity ? CTI__NO_TIME :
	       m->first_seen != CTI__NO_TIME ? m->first_seen :
	       e->valid_from != CTI__NO_TIME ? e->valid_from : b->now;
	until = m->validity ? validity(b, e->valid_until) : CTI__NO_TIME;
	if ((rc = build(b, m, e->created, e->modified, from, until)))
		return rc;
	if (cti__idx_hash(&b->x, b->obj.p, b->obj.len) == e->raw) {
		b->kept++;
		return write_made(b, w, m, e->modified, CTI__MADE_KEPT, how);
	}
	if ((rc = content_sum(&sum, b->obj.p, b->obj.len, NULL, 0)))
		return rc;
	if (sum == e->sum && from == e->valid_from && until == e->valid_until) {
		/* the same, written otherwise: the release's bytes, later */
		e->h.flags |= B_LATER;
		b->later++;
		b->kept++;
		*how = CTI__MADE_KEPT;
		return CTI_OK;
	}
	/* changed: a new version, valid for all of --valid-for again */
	e->modified = bump(b, e->modified);
	e->valid_from = from;
	e->valid_until = m->validity ? validity(b, CTI__NO_TIME) : CTI__NO_TIME;
	if ((rc = build(b, m, e->created, e->modified, e->valid_from,
			e->valid_until)))
		return rc;
	e->raw = cti__idx_hash(&b->x, b->obj.p, b->obj.len);
	b->modified++;
	return write_made(b, w, m, e->modified, CTI__MADE_MODIFIED, how);
}

int
cti__base_passed(cti__base *b, const struct cti_object *o, int *dup)
{
	struct cti__idkey k;
	struct cti__ent *h;
	struct bent *e;
	uint16_t type;
	int64_t mod;
	int rc;

	*dup = 0;
	b->passed = 1;
	if (!o->type || !o->id ||
	    (strcmp(o->type, "indicator") && strcmp(o->type, "identity")))
		return CTI_OK;
	if ((rc = cti__idx_key(&b->x, &k, &type, o->id, strlen(o->id),
			       o->type, strlen(o->type))))
		return rc;
	if (!(h = cti__idx_lookup(&b->x, &k, o->id, NULL)))
		return CTI_OK;
	e = bent(h);
	e->h.flags |= B_PASSED;
	/* the same id and modified as one made: one of them only */
	if ((e->h.flags & B_MADE) && o->modified &&
	    !cti__parse_ts(&mod, o->modified, CTI__TS_LAX) &&
	    mod == e->modified)
		*dup = cti__idx_hash(&b->x, o->json, o->len) == e->raw ? 1 : -1;
	return CTI_OK;
}

/* ---------------------------------------------------------- the end */

/* A member's string value decoded into buf (malloc'd); NULL: not one. */
static char *
member_str(const struct cti__member *m, size_t *n)
{
	char *s;

	if (m->vlen < 2 || m->value[0] != '"' || !(s = malloc(m->vlen)))
		return NULL;
	*n = cti__json_unescape(s, m->value, m->vlen);
	s[*n] = '\0';
	return s;
}

/*
 * An indicator of the release that cti pack made for this producer: its
 * id is that of its pattern, its created_by_ref this pack's producer (or
 * neither has one). Only those are revoked: another producer's indicators
 * that came in a STIX input are theirs to revoke.
 */
static int
ours(const struct cti__base *b, const struct cti_object *o)
{
	struct cti__member m;
	char id[96], *s;
	size_t pos = 0, n;
	int pattern = 0, by = 0;

	while (cti__json_member(&m, o->json, o->len, &pos)) {
		if (cti__member_is(&m, "pattern")) {
			if (!(s = member_str(&m, &n)))
				return 0;
			pattern = cti_stix_id(id, sizeof(id), "indicator", s,
					      n) && !strcmp(id, o->id);
			free(s);
		} else if (cti__member_is(&m, "created_by_ref")) {
			if (!(s = member_str(&m, &n)))
				return 0;
			by = b->o.producer_id && !strcmp(s, b->o.producer_id) ?
			     1 : -1;
			free(s);
		}
	}
	return pattern && (by > 0 || (by == 0 && !b->o.producer_id));
}

/* o with "modified" set to mod and "revoked":true, into out. */
static int
revoked_version(struct cti__buf *out, const struct cti_object *o,
		const char *mod)
{
	struct cti__member m;
	size_t pos = 0;
	int rc = CTI_OK, n = 0;

	cti__buf_reset(out);
	if ((rc = cti__buf_putc(out, '{')))
		return rc;
	while (!rc && cti__json_member(&m, o->json, o->len, &pos)) {
		if (cti__member_is(&m, "revoked"))
			continue;
		if ((n++ && (rc = cti__buf_putc(out, ','))) ||
		    (rc = cti__buf_put(out, m.name - 1, m.nlen + 3)))
			break;
		if (cti__member_is(&m, "modified"))
			rc = cti__buf_printf(out, "\"%s\"", mod);
		else
			rc = cti__buf_put(out, m.value, m.vlen);
	}
	if (!rc)
		rc = cti__buf_puts(out, n ? ",\"revoked\":true}" :
					    "\"revoked\":true}");
	return rc;
}

/* What the end does with the release's object e: 1 copy it, 2 revoke it,
 * 0 nothing. */
static int
action(const struct cti__base *b, const struct bent *e)
{
	unsigned f = e->h.flags;

	if (f & (B_DONE | B_OTHERS))
		return 0;
	if (f & B_LATER)
		return 1;
	if (!b->o.revoke_missing || !(f & B_PREV) || !(f & B_INDICATOR) ||
	    (f & (B_MADE | B_PASSED)))
		return 0;
	/* revoked before: kept so until it expires, so that a list that did
	 * not change gives a release that did not either */
	if (f & B_REVOKED)
		return e->valid_until == CTI__NO_TIME ||
			       e->valid_until >= b->now ? 1 : 0;
	return 2;
}

int
cti__base_finish(cti__base *b, cti_writer *w, struct cti_pack_stats *st)
{
	const struct cti_object *o;
	struct cti__buf rev = { 0 };
	uint64_t todo = 0;
	cti_reader *r = NULL;
	int rc = CTI_OK;

	for (uint32_t i = 0; i < b->x.n; i++)
		todo += action(b, bent(cti__idx_at(&b->x, i))) != 0;
	while (todo && !rc) {
		struct cti__idkey k;
		struct cti__ent *h;
		struct bent *e;
		uint16_t type;
		char tm[32];
		int a;

		if (!r && (rc = rewind_release(b, &r)))
			break;
		if ((rc = cti_reader_next(&o, r))) {
			rc = cti__preferr(rc, "base");
			break;
		}
		if (!o) {
			rc = cti__seterr(CTI_EIO, "base: %s: changed while it "
					"was read", b->path);
			break;
		}
		if (strcmp(o->type, "indicator") && strcmp(o->type, "identity"))
			continue;
		if ((rc = cti__idx_key(&b->x, &k, &type, o->id, strlen(o->id),
				       o->type, strlen(o->type))))
			break;
		if (!(h = cti__idx_lookup(&b->x, &k, o->id, NULL)) ||
		    !(a = action(b, e = bent(h))) ||
		    cti__idx_hash(&b->x, o->json, o->len) != e->raw)
			continue;	/* not this version */
		todo--;
		if (a == 2 && !ours(b, o)) {
			e->h.flags |= B_OTHERS;
			continue;
		}
		e->h.flags |= B_DONE;
		if (a == 1 && (e->h.flags & B_LATER)) {
			/* made, and counted, before */
			rc = cti__writer_put(w, o->json, o->len);
			continue;
		}
		if (a == 1) {
			/* revoked before, still missing: as it was */
			rc = cti__writer_put(w, o->json, o->len);
			b->kept++;
		} else if (!(rc = revoked_version(&rev, o,
						  cti__format_ts(tm, sizeof(tm),
								 bump(b, e->modified))))) {
			rc = cti__writer_put(w, rev.p, rev.len);
			st->revoked++;
		}
		st->written++;
	}
	cti_reader_free(r);
	cti__buf_free(&rev);
	if (rc)
		return rc;
	/* what the release had that this pack does not write */
	for (uint32_t i = 0; i < b->x.n; i++) {
		struct bent *e = bent(cti__idx_at(&b->x, i));
		unsigned f = e->h.flags;

		if ((f & B_PREV) && !(f & (B_MADE | B_PASSED | B_DONE)))
			st->left_out++;
	}
	st->kept += b->kept;
	st->modified += b->modified;
	return CTI_OK;
}
