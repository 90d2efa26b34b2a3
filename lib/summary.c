/*
 * summary.c - what a file holds, for cti show: a bundle's objects counted
 * by type, producer and TLP marking, and its embedded signatures as they
 * claim to be (not verified); or the keys of a minisign public key file.
 * Nothing is trusted and nothing is kept but the counts: memory does not
 * grow with the file beyond the tables, which are capped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* distinct names kept per table; more are counted together */
#define TABLE_MAX 10000
/* longest id or name kept (longer ones are counted, not named) */
#define NAME_MAX_LEN 1024

struct table {
	struct cti_summary_count *e;
	size_t n, cap;
	uint64_t other;		/* counted beyond TABLE_MAX */
	/* open addressing over e[] indexes, 0 empty */
	uint32_t *slot;
	size_t nslot;
};

struct summary {
	struct cti_summary pub;
	struct table types, tlp, refs, names; /* names: identity id -> name */
	cti_keyring *kr;
	struct cti_sig_info *sigs;
	char *spec, *bundle_id;
};

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int
table_grow(struct table *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 64;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t j = str_hash(t->e[i].name) & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = s;
	t->nslot = n;
	return 0;
}

/*
 * The entry of name in t, added (count 0, value NULL) when new. NULL when
 * the table is full or memory is short: the caller counts it as other.
 */
static struct cti_summary_count *
table_get(struct table *t, const char *name)
{
	struct cti_summary_count *e;
	size_t j;

	if (t->nslot) {
		for (j = str_hash(name) & (t->nslot - 1); t->slot[j];
		     j = (j + 1) & (t->nslot - 1))
			if (strcmp(t->e[t->slot[j] - 1].name, name) == 0)
				return &t->e[t->slot[j] - 1];
	}
	if (t->n >= TABLE_MAX)
		return NULL;
	if ((t->n + 1) * 2 > t->nslot && table_grow(t))
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		if (!(e = realloc(t->e, cap * sizeof(*e))))
			return NULL;
		t->e = e;
		t->cap = cap;
	}
	e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	if (!(e->name = strdup(name)))
		return NULL;
	for (j = str_hash(name) & (t->nslot - 1); t->slot[j];
	     j = (j + 1) & (t->nslot - 1))
		;
	t->slot[j] = (uint32_t)++t->n;
	return e;
}

static void
table_count(struct table *t, const char *name)
{
	struct cti_summary_count *e = table_get(t, name);

	if (e)
		e->count++;
	else
		t->other++;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct cti_summary_count *)a)->name,
		      ((const struct cti_summary_count *)b)->name);
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free((char *)t->e[i].name);
		free((char *)t->e[i].value);
	}
	free(t->e);
	free(t->slot);
}

/* A member's string value decoded into buf (NUL-terminated), or NULL. */
static const char *
member_str(char *buf, size_t size, const struct cti_json_field *f)
{
	if (!f->value || cti__json_string(buf, size, f->value, f->len) < 0)
		return NULL;
	return buf;
}

static void
look_at(struct summary *s, const struct cti_object *o)
{
	struct cti_json_field f[] = {
		{ .name = "created_by_ref" },
		{ .name = "object_marking_refs" },
		{ .name = "name" },
	};
	char buf[NAME_MAX_LEN + 1], elem[NAME_MAX_LEN + 1];
	const char *v, *e;
	size_t elen, pos = 0;

	s->pub.objects++;
	table_count(&s->types, o->type ? o->type : "(no type)");
	if (cti__json_members(o->json, o->len, f, CTI_ARRAY_LEN(f)) < 0)
		return;
	if (o->type && o->id && strcmp(o->type, "identity") == 0 &&
	    (v = member_str(buf, sizeof(buf), &f[2]))) {
		struct cti_summary_count *c = table_get(&s->names, o->id);

		if (c && !c->value)
			c->value = strdup(v);
	}
	if ((v = member_str(buf, sizeof(buf), &f[0])))
		table_count(&s->refs, v);
	while (f[1].value && cti__json_element(&e, &elen, f[1].value,
					       f[1].len, &pos)) {
		enum cti_tlp t;

		if (cti__json_string(elem, sizeof(elem), e, elen) >= 0 &&
		    (t = cti_tlp_from_id(elem)) != CTI_TLP_NONE)
			table_count(&s->tlp, cti_tlp_label(t));
	}
}

static int
read_keys(struct summary *s, int fd, const unsigned char *head, size_t n,
	  const char *name)
{
	struct cti__buf b = { 0 };
	unsigned char buf[4096];
	ssize_t r;
	int rc;

	if (cti__buf_put(&b, head, n))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	/* a key file is small: the keyring refuses one over its limit */
	while ((r = cti__read_full(fd, buf, sizeof(buf))) > 0 &&
	       b.len <= (1u << 20))
		if (cti__buf_put(&b, buf, (size_t)r)) {
			cti__buf_free(&b);
			return cti__seterr(CTI_ENOMEM, "out of memory");
		}
	if (r < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", name);
	} else if ((rc = cti_keyring_new(&s->kr)) == CTI_OK) {
		rc = cti_keyring_add_mem(s->kr, b.p, b.len, name);
	}
	cti__buf_free(&b);
	s->pub.keys = s->kr;
	return rc;
}

static int
read_bundle(struct summary *s, int fd, const unsigned char *head, size_t n,
	    int eof, const char *name, const struct cti_summary_opts *o)
{
	const struct cti_object *obj;
	cti_reader *r;
	int rc;

	if ((rc = cti_signatures_read(&s->sigs, &s->pub.nsigs, head, n, name)))
		return rc;
	s->pub.sigs = s->sigs;
	if ((rc = cti__reader_open_fd(&r, fd, name, head, n, eof)))
		return rc;
	while (!(rc = cti_reader_next(&obj, r)) && obj) {
		look_at(s, obj);
		if (o && o->progress)
			o->progress(o->progress_ctx, cti_reader_raw_bytes(r),
				    o->size);
	}
	if (rc == CTI_OK) {
		s->pub.gzip = cti_reader_is_gzip(r);
		s->pub.layout = cti_reader_layout(r);
		s->pub.bytes = cti_reader_raw_bytes(r);
		s->pub.json_bytes = cti_reader_json_bytes(r);
		if ((cti_reader_bundle_spec(r) &&
		     !(s->spec = strdup(cti_reader_bundle_spec(r)))) ||
		    (cti_reader_bundle_id(r) &&
		     !(s->bundle_id = strdup(cti_reader_bundle_id(r)))))
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
		s->pub.spec_version = s->spec;
		s->pub.bundle_id = s->bundle_id;
	}
	cti_reader_free(r);
	return rc;
}

/* Producers with the names of the identities the bundle holds. */
static int
name_producers(struct summary *s)
{
	for (size_t i = 0; i < s->refs.n; i++) {
		struct cti_summary_count *e = &s->refs.e[i], *id;

		if (!s->names.nslot)
			break;
		for (size_t j = str_hash(e->name) & (s->names.nslot - 1);
		     s->names.slot[j]; j = (j + 1) & (s->names.nslot - 1)) {
			id = &s->names.e[s->names.slot[j] - 1];
			if (strcmp(id->name, e->name) == 0) {
				if (id->value && !(e->value = strdup(id->value)))
					return cti__seterr(CTI_ENOMEM,
							   "out of memory");
				break;
			}
		}
	}
	return CTI_OK;
}

int
cti_summarize(struct cti_summary **out, const char *path,
	      const struct cti_summary_opts *o)
{
	static const char key_magic[] = "untrusted comment: ";
	const char *name = o && o->name ? o->name :
			   !path || strcmp(path, "-") == 0 ? "standard input" :
							     path;
	struct summary *s;
	unsigned char *head = NULL;
	ssize_t n;
	int fd = -1, rc, eof;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	if ((rc = cti__open_in(&fd, path ? path : "-")))
		goto fail;
	/* the head: a whole gzip header (signatures), or a key file's start */
	if (!(head = malloc(CTI_GZHDR_MAX))) {
		rc = cti__seterr(CTI_ENOMEM, "out of memory");
		goto fail;
	}
	if ((n = cti__read_eof(fd, head, CTI_GZHDR_MAX, &eof)) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", name);
		goto fail;
	}
	if ((size_t)n >= sizeof(key_magic) - 1 &&
	    memcmp(head, key_magic, sizeof(key_magic) - 1) == 0)
		rc = read_keys(s, fd, head, (size_t)n, name);
	else
		rc = read_bundle(s, fd, head, (size_t)n, eof, name, o);
	if (rc || (rc = name_producers(s)))
		goto fail;
	/* qsort() takes no NULL array, even of no element */
	if (s->types.n)
		qsort(s->types.e, s->types.n, sizeof(*s->types.e), by_name);
	if (s->tlp.n)
		qsort(s->tlp.e, s->tlp.n, sizeof(*s->tlp.e), by_name);
	if (s->refs.n)
		qsort(s->refs.e, s->refs.n, sizeof(*s->refs.e), by_name);
	s->pub.types = s->types.e;
	s->pub.ntypes = s->types.n;
	s->pub.other_types = s->types.other;
	s->pub.tlp = s->tlp.e;
	s->pub.ntlp = s->tlp.n;
	s->pub.producers = s->refs.e;
	s->pub.nproducers = s->refs.n;
	s->pub.other_producers = s->refs.other;
	free(head);
	close(fd);
	*out = &s->pub;
	return CTI_OK;
fail:
	free(head);
	if (fd >= 0)
		close(fd);
	cti_summary_free(&s->pub);
	return rc;
}

void
cti_summary_free(struct cti_summary *pub)
{
	struct summary *s = (struct summary *)pub;

	if (!s)
		return;
	table_free(&s->types);
	table_free(&s->tlp);
	table_free(&s->refs);
	table_free(&s->names);
	cti_keyring_free(s->kr);
	cti_signatures_free(s->sigs);
	free(s->spec);
	free(s->bundle_id);
	free(s);
}
