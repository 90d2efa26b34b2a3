/*
 * base.c - cti pack --base: the previous release of a feed, indexed so that
 * the objects cti pack makes (indicators, the identity of --producer) keep
 * what a receiver already holds.
 *
 * The release is read once, on a thread of its own and as far as the
 * objects made need it (find()), into an index of its indicators and
 * identities: per id a keyed hash of its bytes, when they are not as cti
 * pack writes them a hash of its content without its times ("created",
 * "modified", "valid_from", "valid_until"; see content_sum()), and those
 * four times: 72 bytes and an 8-byte slot, nothing of the objects
 * themselves.
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
	B_JCS = 1 << 8,		/* its sum is of its canonical form */
	B_BYTES = 1 << 9,	/* written as cti pack writes it: no sum */
	B_PENDING = 1 << 10,	/* made before the release told of it (aux:
				   its struct pend) */
};

/*
 * An object made whose id the release had not come to yet: it waits, as
 * made now, until the release is read far enough to tell whether it holds
 * it (a list needs not be in its release's order, and a new value may
 * come anywhere), so that the release is read as the list goes on rather
 * than to its end at the first new value.
 */
struct pend {
	size_t off, len;	/* its bytes in pend */
	int64_t first_seen;
	int validity;
	struct bent *e;
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
	uint64_t kept, modified;	/* objects of the release so written */
	struct cti__buf obj;	/* an object being made */
	char stamp[8][32];	/* times formatted, of stamp_us */
	int64_t stamp_us[8];
	cti_reader *r;		/* the release, being indexed */
	struct cti__idx_feed *feed;
	int eof;		/* all of it is */
	struct cti__buf pend;	/* objects waiting (struct pend) */
	struct pend *pends;
	size_t npend, pendcap;
	struct bent **ready;	/* pending ones the release now tells of */
	size_t nready, readycap;
	uint64_t unwritten;	/* counted as written by the caller, and not */
	uint64_t unwritten_ind;	/* of them indicators */
};

/* The bytes waiting, at most: some 20,000 indicators. */
#define PEND_MAX (8u << 20)
/* Batches of the release read to find an id before it waits. */
#define LOOK_AHEAD 2

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

/*
 * Is an object of the release the same as one made now, all but its times?
 * Made with the release's times, it has the release's very bytes when the
 * release was written by cti pack (order[] below says how that is told).
 * Otherwise their content is compared through a 64-bit sum: objects whose
 * every value is written as RFC 8785 writes it (strings with only the
 * escapes JSON.stringify() uses, whole numbers without sign, fraction or
 * exponent, literals, arrays of these: as cti pack writes them) have the
 * same canonical form exactly when they have the same members, name and
 * value text alike, in any order, so for them the sum is that of a keyed
 * hash of each member's text; any other object is canonicalised (jcs.c)
 * and hashed, and so is what it is compared with.
 */

/* Is the string literal s[0..n) (quotes included) as RFC 8785 writes it? */
static int
canon_string(const char *s, size_t n)
{
	const char *p = s + 1, *end = s + n - 1, *bs;

	while ((bs = memchr(p, '\\', (size_t)(end - p)))) {
		int v;

		switch (bs[1]) {
		case '"': case '\\': case 'b': case 'f': case 'n': case 'r':
		case 't':
			p = bs + 2;
			continue;
		case 'u':
			/* only the control characters without a short form,
			 * in lower case */
			if (bs[2] != '0' || bs[3] != '0' || bs[4] > '1' ||
			    (bs[5] >= 'A' && bs[5] <= 'F') ||
			    (v = cti__hexval(bs[4])) < 0 ||
			    cti__hexval(bs[5]) < 0)
				return 0;
			v = v << 4 | cti__hexval(bs[5]);
			if (v == '\b' || v == '\f' || v == '\n' || v == '\r' ||
			    v == '\t')
				return 0;
			p = bs + 6;
			continue;
		default:
			return 0;
		}
	}
	return 1;
}

/* Is the scalar value v[0..n) as RFC 8785 writes it? */
static int
canon_scalar(const char *v, size_t n)
{
	if (v[0] == '"')
		return canon_string(v, n);
	if (v[0] == 't' || v[0] == 'f' || v[0] == 'n')
		return 1;
	/* 0, or up to 15 digits: a double holds it, written as it is */
	if (n == 1 && v[0] == '0')
		return 1;
	if (n > 15 || v[0] < '1' || v[0] > '9')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

static int
canon_value(const char *v, size_t n)
{
	const char *e;
	size_t pos = 0, el;

	if (v[0] == '{')
		return 0;
	if (v[0] != '[')
		return canon_scalar(v, n);
	while (cti__json_element(&e, &el, v, n, &pos))
		if (e[0] == '{' || e[0] == '[' || !canon_scalar(e, el))
			return 0;
	return 1;
}

/*
 * The order in which cti pack writes the members of what it makes
 * (build_indicator(), build_identity() and revoked_version()): an object
 * whose members come in this order, whose values are written as RFC 8785
 * writes them and whose times as cti__format_ts() writes them is written
 * as cti pack would write it, so that its bytes and those made again
 * with its times are equal exactly when its content is. Such objects (all
 * of a release cti pack wrote) need no content sum at all.
 */
static const struct {
	const char *name;
	size_t len;
} order[] = {
#define M(s) { s, sizeof(s) - 1 }
	M("type"), M("spec_version"), M("id"), M("created"), M("modified"),
	M("name"), M("identity_class"), M("description"), M("pattern"),
	M("pattern_type"), M("pattern_version"), M("valid_from"),
	M("valid_until"), M("labels"), M("confidence"), M("created_by_ref"),
	M("object_marking_refs"), M("revoked"),
#undef M
};

/* What the walk over an object picks out: the times and "revoked". */
enum { T_CREATED, T_MODIFIED, T_FROM, T_UNTIL, NTIMES };

struct walk {
	uint64_t sum;			/* with a sum asked for */
	int canon;			/* its values are canonical */
	int ordered;			/* its members in order[]'s order */
	const char *time[NTIMES];	/* values, or NULL */
	size_t tlen[NTIMES];
	int revoked;
};

static int
time_index(const struct cti__member *m)
{
	int i;

	switch (m->nlen) {
	case 7: i = T_CREATED; break;
	case 8: i = T_MODIFIED; break;
	case 10: i = T_FROM; break;
	case 11: i = T_UNTIL; break;
	default: return -1;
	}
	return memcmp(m->name, times[i], m->nlen) ? -1 : i;
}

/* Walk json; with sum, add up a keyed hash of each member but the times
 * (meaningful when w->canon). */
static void
walk(const struct cti__base *b, struct walk *w, const char *json, size_t len,
     int sum)
{
	struct cti__member m;
	size_t pos = 0, o = 0;
	int t;

	memset(w, 0, sizeof(*w));
	w->canon = w->ordered = 1;
	while (cti__json_member(&m, json, len, &pos)) {
		if (memchr(m.name, '\\', m.nlen)) {
			w->canon = w->ordered = 0;
			continue;
		}
		while (o < CTI_ARRAY_LEN(order) &&
		       (order[o].len != m.nlen ||
			memcmp(order[o].name, m.name, m.nlen)))
			o++;
		if (o == CTI_ARRAY_LEN(order))
			w->ordered = 0;
		else
			o++;
		if ((t = time_index(&m)) >= 0) {
			w->time[t] = m.value;
			w->tlen[t] = m.vlen;
			continue;
		}
		if (m.nlen == 7 && !memcmp(m.name, "revoked", 7))
			w->revoked = m.vlen == 4 && !memcmp(m.value, "true", 4);
		if (w->canon && !canon_value(m.value, m.vlen))
			w->canon = 0;
		/* "name":value, as it stands */
		if (sum)
			w->sum += cti__idx_hash(&b->x, m.name - 1,
						(size_t)(m.value + m.vlen -
							 m.name + 1));
	}
}

static uint64_t
sum_of(const unsigned char *hash)
{
	uint64_t v;

	memcpy(&v, hash, sizeof(v));
	return v;
}

/* The content sum of json, as e's was taken (B_JCS or not). */
static int
content_sum(const struct cti__base *b, uint64_t *sum, int jcs,
	    const char *json, size_t len)
{
	unsigned char h[CTI_DIFF_HASH_BYTES];
	struct walk w;
	int rc;

	if (!jcs) {
		walk(b, &w, json, len, 1);
		/* an object made is canonical: another would be no match */
		*sum = w.canon ? w.sum : ~w.sum;
		return CTI_OK;
	}
	if ((rc = cti_json_hash(h, sizeof(h), json, len, times, NULL, 0)))
		return rc;
	*sum = sum_of(h);
	return CTI_OK;
}

static const char *stamp(struct cti__base *b, int i, int64_t us);

/* A time's value (JSON text): *us, or CTI__NO_TIME when absent; -1 when
 * it is not a time. *same: it is written as cti__format_ts() writes it. */
static int
value_time(struct cti__base *b, int i, int64_t *us, int *same, const char *v,
	   size_t n)
{
	char buf[64];
	size_t k;

	*us = CTI__NO_TIME;
	if (!v)
		return 0;
	if (v[0] != '"' || n > sizeof(buf))
		return -1;
	if (memchr(v, '\\', n)) {
		k = cti__json_unescape(buf, v, n);
		*same = 0;
	} else {
		k = n - 2;
		memcpy(buf, v + 1, k);
	}
	buf[k] = '\0';
	if (cti__parse_ts(us, buf, CTI__TS_LAX))
		return -1;
	if (*same && strcmp(stamp(b, 4 + i, *us), buf))
		*same = 0;
	return 0;
}

static int
index_obj(void *ctx, struct cti__idx_obj *obj)
{
	struct cti__base *b = ctx;
	struct cti__ent *h;
	struct bent *e;
	struct walk w;
	int64_t t[NTIMES];
	uint64_t sum = 0;
	int rc, added, same = 1;

	/* the types cti pack makes, as it makes them (STIX 2.1) */
	if ((obj->type != b->t_indicator && obj->type != b->t_identity) ||
	    obj->stix20)
		return CTI_OK;
	walk(b, &w, obj->o.json, obj->o.len, 0);
	for (int i = 0; i < NTIMES; i++)
		if (value_time(b, i, &t[i], &same, w.time[i], w.tlen[i]))
			return CTI_OK;	/* not one to make again */
	if (t[T_CREATED] == CTI__NO_TIME || t[T_MODIFIED] == CTI__NO_TIME)
		return CTI_OK;
	if (!w.canon) {
		unsigned char hash[CTI_DIFF_HASH_BYTES];

		if ((rc = cti_json_hash(hash, sizeof(hash), obj->o.json,
					obj->o.len, times, NULL, 0)))
			return cti__preferr(rc, "base: %s:%llu: object %s",
					   b->path,
					   (unsigned long long)obj->o.line,
					   obj->o.id);
		sum = sum_of(hash);
	} else if (!w.ordered || !same) {
		walk(b, &w, obj->o.json, obj->o.len, 1);
		sum = w.sum;
	}
	if ((rc = cti__idx_get(&b->x, &h, &added, obj->key, obj->o.id,
			       obj->type)))
		return rc;
	e = bent(h);
	/* of several versions, the first stands (see find()) */
	if (!added && (e->h.flags & (B_PREV | B_PENDING)) != B_PENDING)
		return CTI_OK;
	if (!added) {
		/* an object made that waits for this: decided after */
		if (b->nready == b->readycap) {
			size_t cap = b->readycap ? b->readycap * 2 : 64;
			struct bent **p = realloc(b->ready, cap * sizeof(*p));

			if (!p)
				return cti__seterr(CTI_ENOMEM, "out of memory");
			b->ready = p;
			b->readycap = cap;
		}
		b->ready[b->nready++] = e;
	}
	e->raw = obj->raw;
	e->sum = sum;
	e->created = t[T_CREATED];
	e->modified = t[T_MODIFIED];
	e->valid_from = t[T_FROM];
	e->valid_until = t[T_UNTIL];
	e->h.flags = (uint16_t)(B_PREV | (e->h.flags & (B_MADE | B_PENDING)));
	if (!w.canon)
		e->h.flags |= B_JCS;
	else if (w.ordered && same)
		e->h.flags |= B_BYTES;
	if (obj->type == b->t_indicator)
		e->h.flags |= B_INDICATOR;
	if (w.revoked)
		e->h.flags |= B_REVOKED;
	return CTI_OK;
}

static void
index_progress(void *ctx, uint64_t raw_bytes)
{
	struct cti__base *b = ctx;

	if (b->o.progress)
		b->o.progress(b->o.progress_ctx, raw_bytes);
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

/*
 * The entry of k, reading the release as far as needed: a list packed in
 * the order of the release finds each of its objects in the next batch, so
 * that reading the release overlaps with packing. With wait, an id not
 * found within LOOK_AHEAD more batches is not looked for further (*out
 * NULL, the release not at its end): the object waits (struct pend). Of
 * several versions of an id in the release, the first stands.
 */
static int
find(struct cti__base *b, struct bent **out, const struct cti__idkey *k,
     const char *id, int wait)
{
	struct cti__ent *h;
	int rc, n = 0;

	while (!(h = cti__idx_lookup(&b->x, k, id)) && !b->eof &&
	       (!wait || n++ < LOOK_AHEAD))
		if ((rc = cti__idx_feed_step(b->feed, &b->eof)))
			return rc;
	*out = h ? bent(h) : NULL;
	return CTI_OK;
}

/* Read the rest of the release into the index. */
static int
drain(struct cti__base *b)
{
	int rc = CTI_OK;

	while (!rc && !b->eof)
		rc = cti__idx_feed_step(b->feed, &b->eof);
	if (!rc) {
		cti__idx_feed_close(b->feed);
		b->feed = NULL;
		cti_reader_free(b->r);
		b->r = NULL;
	}
	return rc;
}

int
cti__base_open(cti__base **out, uint64_t *total, const char *path,
	       const struct cti__base_opts *opts)
{
	struct cti__idx_read how = {
		.side = "base", .raw_early = 1, .fn = index_obj,
		.progress = index_progress,
		/* found soon after they are indexed, while their slots are
		 * still in the cache */
		.batch = 512,
	};
	struct cti__base *b;
	struct stat st;
	int rc;

	*out = NULL;
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
	how.name = b->path;
	how.ctx = b;
	if ((rc = cti__idx_type(&b->x, &b->t_indicator, "indicator", 9)) ||
	    (rc = cti__idx_type(&b->x, &b->t_identity, "identity", 8)) ||
	    (rc = rewind_release(b, &b->r)) ||
	    (rc = cti__idx_feed_open(&b->feed, &b->x, b->r, &how)))
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
	cti__idx_feed_close(b->feed);
	cti_reader_free(b->r);
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	cti__idx_free(&b->x);
	cti__buf_free(&b->obj);
	cti__buf_free(&b->pend);
	free(b->pends);
	free(b->ready);
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

/* us as a STIX time, in cache slot i (objects of one release mostly share
 * their times: formatting each anew would cost more than the rest). */
static const char *
stamp(struct cti__base *b, int i, int64_t us)
{
	if (us == CTI__NO_TIME)
		return NULL;
	if (b->stamp_us[i] != us || !b->stamp[i][0]) {
		cti__format_ts(b->stamp[i], sizeof(b->stamp[i]), us);
		b->stamp_us[i] = us;
	}
	return b->stamp[i];
}

/* Build m with these times into b->obj. */
static int
build(struct cti__base *b, const struct cti__make *m, int64_t created,
      int64_t modified, int64_t from, int64_t until)
{
	struct cti__stamps t = {
		stamp(b, 0, created), stamp(b, 1, modified), stamp(b, 2, from),
		stamp(b, 3, until),
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
		 !(rc = content_sum(b, &sum, e->h.flags & B_JCS, b->obj.p,
				    b->obj.len)) &&
		 sum == e->sum)
		*how = CTI__MADE_COPY;
	return rc;
}

/* m, whose id is e's, of the release: as it is there, or a new version. */
static int
decide(struct cti__base *b, cti_writer *w, const struct cti__make *m,
       struct bent *e, enum cti__made *how)
{
	int64_t from, until;
	uint64_t sum = 0;
	int rc;

	e->h.flags |= B_MADE;
	if (e->h.flags & B_REVOKED) {
		/* STIX: no new version of a revoked object */
		bwarn(b, "%s: revoked in the base release %s: a revoked object "
		      "gets no new version, it stays revoked", m->id, b->path);
		e->h.flags |= B_LATER;
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
		rc = write_made(b, w, m, e->modified, CTI__MADE_KEPT, how);
		b->kept += !rc && *how == CTI__MADE_KEPT;
		return rc;
	}
	/* as cti pack writes it, the release's object differs from the one
	 * made with its times only by its content; else compare the sums */
	if (!(e->h.flags & B_BYTES) &&
	    (rc = content_sum(b, &sum, e->h.flags & B_JCS, b->obj.p,
			      b->obj.len)))
		return rc;
	if (!(e->h.flags & B_BYTES) && sum == e->sum &&
	    from == e->valid_from && until == e->valid_until) {
		/* the same, written otherwise: the release's bytes, later */
		e->h.flags |= B_LATER;
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
	rc = write_made(b, w, m, e->modified, CTI__MADE_MODIFIED, how);
	b->modified += !rc && *how == CTI__MADE_MODIFIED;
	return rc;
}

/* A waiting object made again with other times: its members as they are
 * but the times (struct cti__make's build). */
struct rebuild {
	struct cti__base *b;
	const struct pend *p;
};

static int
rebuild(void *ctx, struct cti__buf *out, const struct cti__stamps *t)
{
	const struct rebuild *r = ctx;
	const char *json = r->b->pend.p + r->p->off;
	const char *v[NTIMES] = {
		t->created, t->modified, t->valid_from, t->valid_until,
	};
	struct cti__member m;
	size_t pos = 0;
	int rc = cti__buf_putc(out, '{'), n = 0, i;

	while (!rc && cti__json_member(&m, json, r->p->len, &pos)) {
		if ((i = time_index(&m)) >= 0 && !v[i])
			continue;
		if ((n++ && (rc = cti__buf_putc(out, ','))) ||
		    (rc = cti__buf_put(out, m.name - 1, m.nlen + 3)))
			break;
		rc = i >= 0 ? cti__buf_printf(out, "\"%s\"", v[i]) :
			      cti__buf_put(out, m.value, m.vlen);
	}
	return rc ? rc : cti__buf_putc(out, '}');
}

/* The id and type of entry e, as text (id in buf, or the arena). */
static const char *
ent_id(const struct cti__base *b, const struct bent *e, char *buf,
       size_t size, const char **type)
{
	*type = cti__idx_type_name(&b->x, cti__idx_ent_type(&e->h));
	return cti__idx_id_text(&b->x, buf, size, e->h.idtype, &e->h.id);
}

/* What a waiting object came to when it was not written as counted. */
static void
unwritten(struct cti__base *b, const struct pend *p, enum cti__made how,
	  const char *id)
{
	if (how != CTI__MADE_COPY && how != CTI__MADE_DIFFERS)
		return;
	b->unwritten++;
	b->unwritten_ind += p->validity;
	if (how == CTI__MADE_DIFFERS)
		bwarn(b, "%s: a copy with the same \"modified\" but other "
		      "content was read before; the first is kept", id);
}

/* Decide the waiting objects that the release now tells of. */
static int
settle(struct cti__base *b, cti_writer *w)
{
	int rc = CTI_OK;

	for (size_t i = 0; i < b->nready && !rc; i++) {
		struct bent *e = b->ready[i];
		struct pend *p = &b->pends[e->h.aux];
		struct rebuild r = { b, p };
		struct cti__make m = {
			NULL, NULL, p->validity, p->first_seen, rebuild, &r,
		};
		char id[128];
		enum cti__made how;

		if (!(m.id = ent_id(b, e, id, sizeof(id), &m.type)))
			return cti__seterr(CTI_ELIMIT, "type name too long");
		e->h.flags &= (uint16_t)~B_PENDING;
		p->e = NULL;
		if (!(rc = decide(b, w, &m, e, &how)))
			unwritten(b, p, how, m.id);
	}
	b->nready = 0;
	return rc;
}

/* The release read to its end: the objects still waiting are new. */
static int
flush(struct cti__base *b, cti_writer *w)
{
	int rc = CTI_OK;

	for (size_t i = 0; i < b->npend && !rc; i++) {
		struct pend *p = &b->pends[i];
		struct cti__make m = {
			NULL, NULL, p->validity, p->first_seen, NULL, NULL,
		};
		char id[128];
		enum cti__made how;

		if (!p->e)
			continue;
		if (!(m.id = ent_id(b, p->e, id, sizeof(id), &m.type)))
			return cti__seterr(CTI_ELIMIT, "type name too long");
		p->e->h.flags &= (uint16_t)~B_PENDING;
		cti__buf_reset(&b->obj);
		if ((rc = cti__buf_put(&b->obj, b->pend.p + p->off, p->len)) ||
		    (rc = write_made(b, w, &m, b->now, CTI__MADE_NEW, &how)))
			break;
		unwritten(b, p, how, m.id);
	}
	b->npend = 0;
	cti__buf_reset(&b->pend);
	return rc;
}

/* After an object: decide what waits and can be decided. */
static int
catch_up(struct cti__base *b, cti_writer *w)
{
	int rc = CTI_OK;

	if (b->nready)
		rc = settle(b, w);
	if (!rc && b->eof && b->npend)
		rc = flush(b, w);
	return rc;
}

/* The object in b->obj, made now for entry e, waits. */
static int
wait_for(struct cti__base *b, cti_writer *w, const struct cti__make *m,
	 struct bent *e)
{
	struct pend *p;
	int rc;

	if (b->npend == b->pendcap) {
		size_t cap = b->pendcap ? b->pendcap * 2 : 256;
		struct pend *q = realloc(b->pends, cap * sizeof(*q));

		if (!q)
			return cti__seterr(CTI_ENOMEM, "out of memory");
		b->pends = q;
		b->pendcap = cap;
	}
	p = &b->pends[b->npend];
	p->off = b->pend.len;
	p->len = b->obj.len;
	p->first_seen = m->first_seen;
	p->validity = m->validity;
	p->e = e;
	if ((rc = cti__buf_put(&b->pend, b->obj.p, b->obj.len)))
		return rc;
	e->h.flags |= B_PENDING;
	e->h.aux = (uint32_t)b->npend++;
	/* too many: read the release to its end, which tells of them all */
	if (b->pend.len > PEND_MAX && !(rc = drain(b)))
		rc = catch_up(b, w);
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
	uint16_t type;
	int rc, added;

	if ((rc = cti__idx_key(&b->x, &k, &type, m->id, strlen(m->id),
			       m->type, strlen(m->type))) ||
	    (rc = find(b, &e, &k, m->id, 1)))
		return rc;
	if (e && (e->h.flags & B_MADE))
		rc = again(b, m, e, how);
	else if (e)
		rc = decide(b, w, m, e, how);
	else if (!(rc = cti__idx_get(&b->x, &h, &added, &k, m->id, type))) {
		/* not in the release (as far as it is read): made now, and
		 * noted, to tell copies from others */
		e = bent(h);
		from = !m->validity ? CTI__NO_TIME :
		       m->first_seen != CTI__NO_TIME ? m->first_seen : b->now;
		until = m->validity ? validity(b, CTI__NO_TIME) : CTI__NO_TIME;
		if (!(rc = build(b, m, b->now, b->now, from, until))) {
			e->h.flags = B_MADE;
			e->raw = cti__idx_hash(&b->x, b->obj.p, b->obj.len);
			e->created = e->modified = b->now;
			e->valid_from = from;
			e->valid_until = until;
			if (b->eof) {
				rc = write_made(b, w, m, b->now, CTI__MADE_NEW,
						how);
			} else {
				*how = CTI__MADE_NEW;
				rc = wait_for(b, w, m, e);
			}
		}
	}
	return rc ? rc : catch_up(b, w);
}

int
cti__base_passed(cti__base *b, const struct cti_object *o, int *dup)
{
	struct cti__idkey k;
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
	if ((rc = find(b, &e, &k, o->id, 0)) || !e)
		return rc;
	e->h.flags |= B_PASSED;
	/* the same id and modified as one made: one of them only */
	if ((e->h.flags & B_MADE) && o->modified &&
	    !cti__parse_ts(&mod, o->modified, CTI__TS_LAX) &&
	    mod == e->modified)
		*dup = cti__idx_hash(&b->x, o->json, o->len) == e->raw ? 1 : -1;
	return CTI_OK;
}

int
cti__base_catch_up(cti__base *b, cti_writer *w)
{
	return catch_up(b, w);
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

/* What the end does with the release's object e: 1 copy it, 2 revoke it
 * (of those the inputs no longer hold, only what is ours()), 0 nothing. */
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
	/* expired: no receiver uses it, there is nothing to revoke */
	if (e->valid_until != CTI__NO_TIME && e->valid_until < b->now)
		return 0;
	/* revoked before: kept so until it expires, so that a list that did
	 * not change gives a release that did not either */
	return f & B_REVOKED ? 1 : 2;
}

int
cti__base_finish(cti__base *b, cti_writer *w, struct cti_pack_stats *st)
{
	const struct cti_object *o;
	struct cti__buf rev = { 0 };
	uint64_t todo = 0;
	cti_reader *r = NULL;
	int rc = CTI_OK;

	if ((rc = drain(b)) || (rc = catch_up(b, w)))
		return rc;
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
		if (!(h = cti__idx_lookup(&b->x, &k, o->id)) ||
		    !(a = action(b, e = bent(h))) ||
		    cti__idx_hash(&b->x, o->json, o->len) != e->raw)
			continue;	/* not this version */
		todo--;
		if (a == 1 && (e->h.flags & B_LATER)) {
			/* made, and counted, before */
			e->h.flags |= B_DONE;
			rc = cti__writer_put(w, o->json, o->len);
			continue;
		}
		if (!ours(b, o)) {
			e->h.flags |= B_OTHERS;
			continue;
		}
		e->h.flags |= B_DONE;
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
	st->written -= b->unwritten;
	st->indicators -= b->unwritten_ind;
	st->added -= b->unwritten - b->unwritten_ind;
	st->duplicate += b->unwritten;
	return CTI_OK;
}
