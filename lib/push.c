/*
 * push.c - cti push: check a bundle file (signatures, TLP markings) and
 * only then send it to a destination through the transport layer, from the
 * very file descriptor that was checked.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Largest detached signature file sent along. */
#define SIG_MAX (64u << 10)
/* Most distinct marking ids remembered while the gate reads a bundle. */
#define GATE_IDS_MAX 100000

/* ------------------------------------------------------------ TLP gate */

#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* A marking id and what is known of it. */
struct mark {
	char *id;
	enum cti_tlp level;	/* defined in the bundle; NONE: not (yet) */
	char *first_user;	/* the first object that referenced it */
	int referenced;
};

struct gate {
	const char *name;
	enum cti_tlp max, highest;
	struct mark *m;
	size_t n, cap;
};

static struct mark *
mark_find(struct gate *g, const char *id)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->m[i].id, id) == 0)
			return &g->m[i];
	return NULL;
}

static int
mark_add(struct mark **out, struct gate *g, const char *id)
{
	struct mark *m;

	if ((*out = mark_find(g, id)))
		return CTI_OK;
	if (g->n == GATE_IDS_MAX)
		return cti__seterr(CTI_ELIMIT, "%s: more than %d distinct "
				   "markings", g->name, GATE_IDS_MAX);
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;

		if (!(m = realloc(g->m, cap * sizeof(*m))))
			return cti__seterr(CTI_ENOMEM, "out of memory");
		g->m = m;
		g->cap = cap;
	}
	m = &g->m[g->n];
	memset(m, 0, sizeof(*m));
	if (!(m->id = strdup(id)))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	g->n++;
	*out = m;
	return CTI_OK;
}

static int
refuse(const struct gate *g, const char *obj, const char *ref,
       enum cti_tlp level)
{
	return cti__seterr(CTI_EPOLICY, "%s: %s is marked %s (%s), above "
			   "the ceiling %s", g->name, obj, cti_tlp_label(level),
			   ref, cti_tlp_label(g->max));
}

/* One marking reference of object obj: ref/n is its JSON value. */
static int
gate_ref(struct gate *g, const char *obj, const char *ref, size_t n)
{
	char buf[256];
	enum cti_tlp t;
	struct mark *m;
	int rc;

	/* not a string, or too long to be a marking-definition id */
	if (!ref || cti__json_string(buf, sizeof(buf), ref, n) < 0)
		return CTI_OK;
	if ((t = cti_tlp_from_id(buf)) == CTI_TLP_NONE) {
		if ((rc = mark_add(&m, g, buf)))
			return rc;
		if (!m->referenced) {
			m->referenced = 1;
			if (!(m->first_user = strdup(obj)))
				return cti__seterr(CTI_ENOMEM, "out of memory");
		}
		t = m->level;
	}
	if (t > g->highest)
		g->highest = t;
	if (t > g->max)
		return refuse(g, obj, buf, t);
	return CTI_OK;
}

/* The TLP level a marking-definition object defines, or NONE. */
static enum cti_tlp
defined_level(const cJSON *o)
{
	const cJSON *ext, *v, *def;

	ext = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, "extensions"), TLP2_EXT);
	if ((v = cJSON_GetObjectItemCaseSensitive(ext, "tlp_2_0")) &&
	    cJSON_IsString(v))
		return cti_tlp_parse(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "definition_type");
	def = cJSON_GetObjectItemCaseSensitive(o, "definition");
	if (cJSON_IsString(v) && strcmp(v->valuestring, "tlp") == 0 &&
	    (v = cJSON_GetObjectItemCaseSensitive(def, "tlp")) &&
	    cJSON_IsString(v)) {
		enum cti_tlp t = cti_tlp_parse(v->valuestring);

		return t == CTI_TLP_AMBER ? CTI_TLP_AMBER_STRICT : t;
	}
	return CTI_TLP_NONE;
}

/* A marking-definition that defines a TLP level under an id of its own. */
static int
gate_definition(struct gate *g, const struct cti_object *obj)
{
	enum cti_tlp t;
	struct mark *m;
	cJSON *o;
	int rc;

	if (!obj->id || cti_tlp_from_id(obj->id) != CTI_TLP_NONE)
		return CTI_OK;
	if (!(o = cJSON_ParseWithLength(obj->json, obj->len)))
		return cti__seterr(CTI_ENOMEM, "%s: %s: cannot be parsed",
				   g->name, obj->id);
	t = defined_level(o);
	cJSON_Delete(o);
	if (t == CTI_TLP_NONE)
		return CTI_OK;
	if ((rc = mark_add(&m, g, obj->id)))
		return rc;
	if (t > m->level)
		m->level = t;
	/* objects that came before it referenced it */
	if (m->referenced && t > g->highest)
		g->highest = t;
	if (m->referenced && t > g->max)
		return refuse(g, m->first_user, m->id, t);
	return CTI_OK;
}

/* The marking references of object obj (f: its "object_marking_refs" and
 * "granular_markings" members, values NULL when absent). */
static int
gate_refs(struct gate *g, const struct cti_object *obj,
	  const struct cti_json_field f[2])
{
	const char *id = obj->id ? obj->id : "an object without id";
	struct cti_json_field ref = { .name = "marking_ref" };
	const char *e;
	size_t elen, pos;
	int rc;

	if (obj->type && strcmp(obj->type, "marking-definition") == 0 &&
	    (rc = gate_definition(g, obj)))
		return rc;
	for (pos = 0; f[0].value && cti__json_element(&e, &elen, f[0].value,
						       f[0].len, &pos);)
		if ((rc = gate_ref(g, id, e, elen)))
			return rc;
	for (pos = 0; f[1].value && cti__json_element(&e, &elen, f[1].value,
						       f[1].len, &pos);) {
		if (cti__json_members(e, elen, &ref, 1) < 0)
			continue;
		if ((rc = gate_ref(g, id, ref.value, ref.len)))
			return rc;
	}
	return CTI_OK;
}

static int
gate_object(struct gate *g, const struct cti_object *obj)
{
	struct cti_json_field f[] = {
		{ .name = "object_marking_refs" },
		{ .name = "granular_markings" },
	};

	/* a member name may be written with \u escapes: look at those too */
	if ((memmem(obj->json, obj->len, "marking", 7) ||
	     memmem(obj->json, obj->len, "\\u", 2)) &&
	    cti__json_members(obj->json, obj->len, f, CTI_ARRAY_LEN(f)) < 0)
		f[0].value = f[1].value = NULL;
	return gate_refs(g, obj, f);
}

static void
gate_free(struct gate *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->m[i].id);
		free(g->m[i].first_user);
	}
	free(g->m);
}

int
cti_tlp_gate(enum cti_tlp *highest, const char *path, const char *name,
	     enum cti_tlp max)
{
	struct gate g = { .name = name ? name : path, .max = max };
	const struct cti_object *obj;
	cti_reader *r = NULL;
	int rc;

	if (highest)
		*highest = CTI_TLP_NONE;
	if (max <= CTI_TLP_NONE || max > CTI_TLP_RED)
		return cti__seterr(CTI_EINVAL, "no TLP ceiling");
	if (!name && path && strcmp(path, "-") == 0)
		g.name = "standard input";
	if ((rc = cti_reader_open(&r, path, g.name)))
		return rc;
	while ((rc = cti_reader_next(&obj, r)) == CTI_OK && obj)
		if ((rc = gate_object(&g, obj)))
			break;
	cti_reader_free(r);
	if (highest)
		*highest = g.highest;
	gate_free(&g);
	return rc;
}

/* One object of a verified file, as written: one pass over its members. */
static int
gate_json(void *ctx, const char *json, size_t len)
{
	struct gate *g = ctx;
	struct cti_json_field f[] = {
		{ .name = "object_marking_refs" },
		{ .name = "granular_markings" },
		{ .name = "type" },
		{ .name = "id" },
	};
	struct cti_object o = { .json = json, .len = len };
	char type[64], id[256];

	if (cti__json_members(json, len, f, CTI_ARRAY_LEN(f)) < 0)
		return cti__seterr(CTI_EFORMAT, "%s: not a STIX bundle", g->name);
	if (f[2].value &&
	    cti__json_string(type, sizeof(type), f[2].value, f[2].len) >= 0)
		o.type = type;
	if (f[3].value &&
	    cti__json_string(id, sizeof(id), f[3].value, f[3].len) >= 0)
		o.id = id;
	return gate_refs(g, &o, f);
}

/*
 * The gate over a file whose signature was just verified: what it holds
 * is what a trusted key signed, so its objects are taken as written
 * (cti__bundle_each()) rather than validated byte by byte.
 */
static int
gate_verified(enum cti_tlp *highest, const char *path, const char *name,
	      enum cti_tlp max)
{
	struct gate g = { .name = name, .max = max };
	struct cti__src s;
	int fd, rc;

	*highest = CTI_TLP_NONE;
	if ((rc = cti__open_in(&fd, path)))
		return rc;
	if ((rc = cti__src_open(&s, fd, 1, name, NULL, 0)) == CTI_OK)
		rc = cti__bundle_each(&s, name, gate_json, &g);
	cti__src_close(&s);
	*highest = g.highest;
	gate_free(&g);
	return rc;
}

/*
 * Faster still, the text of the payload is searched for marking ids
 * (cti__tlpscan_feed()): when every marking it names is a TLP level
 * within the ceiling, no object needs reading. A plain JSON file is
 * searched while its signature is checked, on a thread of its own that
 * only compares bytes (nothing is parsed before the signature passed); a
 * gzip file once it passed, inflated. Anything else, a refusal included
 * (it names the object), is left to gate_verified().
 */
struct scan {
	int fd;
	struct cti__tlpscan t;
	int err;
	int stop;	/* the push failed: the answer is not wanted */
	pthread_t thread;
	int started;
};

static void *
scan_raw(void *arg)
{
	struct scan *sc = arg;
	unsigned char *buf = malloc(CTI_IOBUF);
	uint64_t off = 0;
	ssize_t n;

	if (!buf) {
		sc->err = 1;
		return NULL;
	}
	while (!__atomic_load_n(&sc->stop, __ATOMIC_RELAXED) &&
	       (n = pread(sc->fd, buf, CTI_IOBUF, (off_t)off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sc->err = 1;
			break;
		}
		cti__tlpscan_feed(&sc->t, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	return NULL;
}

/* Start searching fd when it holds plain JSON (a gzip file waits). */
static void
scan_start(struct scan *sc, int fd)
{
	unsigned char m[2];

	sc->fd = fd;
	if (pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b)
		return;
	sc->started = pthread_create(&sc->thread, NULL, scan_raw, sc) == 0;
	if (!sc->started)
		sc->err = 1;
}

/* The search's answer: 1 when every marking is a TLP level within max
 * (*highest set), 0 when the objects must be read. */
static int
scan_finish(struct scan *sc, enum cti_tlp *highest, const char *name,
	    enum cti_tlp max)
{
	struct cti__src src;
	unsigned char *buf;
	ssize_t n;

	if (sc->started) {
		pthread_join(sc->thread, NULL);
		sc->started = 0;
	} else if (!sc->err) {
		/* gzip: the payload, now that it is known to be signed */
		if (!(buf = malloc(CTI_IOBUF)))
			return 0;
		if (lseek(sc->fd, 0, SEEK_SET) < 0 ||
		    cti__src_open(&src, sc->fd, 0, name, NULL, 0) != CTI_OK) {
			free(buf);
			return 0;
		}
		while ((n = cti__src_read(&src, buf, CTI_IOBUF)) > 0)
			cti__tlpscan_feed(&sc->t, buf, (size_t)n);
		cti__src_close(&src);
		free(buf);
		if (n < 0)
			sc->err = 1;
	}
	cti__tlpscan_end(&sc->t);
	if (sc->err || sc->t.unsure || sc->t.max > max)
		return 0;
	*highest = sc->t.max;
	return 1;
}

/* ------------------------------------------------------------ push */

static void
info(const struct cti_push_opts *o, const char *fmt, ...) CTI_PRINTF(2, 3);

static void
info(const struct cti_push_opts *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!o->info)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->info(o->info_ctx, msg);
}

/* Reads the file that was checked. */
struct source {
	int fd;
	const char *name;
};

static long
read_at(void *arg, void *buf, size_t n, uint64_t off)
{
	struct source *s = arg;
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(s->fd, (char *)buf + got, n - got,
				  (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return cti__seterrno(CTI_EIO, errno, "%s", s->name);
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (long)got;
}

struct mem {
	const char *p;
	size_t n;
};

static long
read_mem(void *arg, void *buf, size_t n, uint64_t off)
{
	struct mem *m = arg;

	if (off >= m->n)
		return 0;
	if (n > m->n - off)
		n = m->n - (size_t)off;
	memcpy(buf, m->p + off, n);
	return (long)n;
}

/* Copy standard input to a private temporary file. */
static int
spool_stdin(int *out)
{
	char *buf;
	ssize_t k;
	int fd, rc;

	if ((rc = cti__tmpfile(&fd)))
		return rc;
	if (!(buf = malloc(CTI_IOBUF))) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	while ((k = read(STDIN_FILENO, buf, CTI_IOBUF)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "standard input");
			break;
		}
		if (cti__write_full(fd, buf, (size_t)k) < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "temporary file");
			break;
		}
	}
	free(buf);
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return CTI_OK;
}

/* Whether the file behind fd is still the one of st0. */
static int
same_file(int fd, const struct stat *st0)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == st0->st_dev &&
	       st.st_ino == st0->st_ino && st.st_size == st0->st_size &&
	       st.st_mtim.tv_sec == st0->st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == st0->st_mtim.tv_nsec;
}

/* Read a detached signature (bounded) into *out. */
static int
read_sig(char **out, size_t *len, const char *path, int required)
{
	char *buf;
	ssize_t k;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && !required)
			return CTI_OK;
		return cti__seterrno(CTI_EIO, errno, "%s", path);
	}
	if (!(buf = malloc(SIG_MAX + 1))) {
		close(fd);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	k = cti__read_full(fd, buf, SIG_MAX + 1);
	close(fd);
	if (k < 0 || (size_t)k > SIG_MAX) {
		free(buf);
		return k < 0 ? cti__seterrno(CTI_EIO, errno, "%s", path) :
			       cti__seterr(CTI_ELIMIT, "%s: too large for a "
					   "signature", path);
	}
	*out = buf;
	*len = (size_t)k;
	return CTI_OK;
}

void
cti_push_result_clear(struct cti_push_result *res)
{
	if (!res)
		return;
	cti_net_result_clear(&res->net);
	memset(res, 0, sizeof(*res));
	res->net.last_modified = -1;
	res->net.length = -1;
}

int
cti_push(struct cti_push_result *res, cti_net *n, const char *path,
	 const struct cti_push_opts *o)
{
	struct cti_verify_opts vo = { 0 };
	struct cti_verify_result *vr = NULL;
	struct cti_net_put put = { 0 };
	struct cti_net_result sres;
	struct source src = { .fd = -1 };
	struct scan sc = { .t.max = CTI_TLP_NONE };
	struct mem sig = { 0 };
	struct stat st0;
	const char *name, *disp;
	char vpath[64], *sigpath = NULL, *signame = NULL, head[2];
	const char *check_path;
	int rc, is_stdin, is_taxii, fd = -1;

	memset(res, 0, sizeof(*res));
	cti_net_result_clear(&res->net);
	memset(&sres, 0, sizeof(sres));
	if (!n || !path || !o)
		return cti__seterr(CTI_EINVAL, "nothing to push");
	is_stdin = strcmp(path, "-") == 0;
	disp = is_stdin ? "standard input" : path;
	is_taxii = strcmp(cti_net_scheme(n), "taxii") == 0;
	if (is_taxii) {
		name = "";	/* objects go, not a file */
	} else if (!(name = o->name)) {
		if (is_stdin)
			return cti__seterr(CTI_EINVAL, "standard input needs a "
					   "name at the destination");
		name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	}
	if (!*name && !is_taxii)
		return cti__seterr(CTI_EINVAL, "%s: no file name", path);
	if (!o->allow_unsigned && (!o->keys || cti_keyring_count(o->keys) == 0))
		return cti__seterr(CTI_EINVAL, "no public key to check the "
				   "signature with");
	if (is_stdin) {
		if ((rc = spool_stdin(&fd)))
			return rc;
		snprintf(vpath, sizeof(vpath), "/dev/fd/%d", fd);
		check_path = vpath;
	} else {
		if ((rc = cti__open_in(&fd, path)))
			return rc;
		check_path = path;
	}
	src.fd = fd;
	src.name = disp;
	if (fstat(fd, &st0) < 0) {
		rc = cti__seterrno(CTI_EIO, errno, "%s", disp);
		goto out;
	}

	/* 1. the signatures, unless told otherwise */
	if (!o->allow_unsigned) {
		vo.keys = o->keys;
		vo.sig_path = o->sig_path;
		vo.no_detached = is_stdin;
		if (!is_stdin) {
			if (!(sigpath = malloc(strlen(path) + 9))) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				goto out;
			}
			sprintf(sigpath, "%s.minisig", path);
			vo.sig_optional = sigpath;
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			rc = cti__seterrno(CTI_EIO, errno, "%s", disp);
			goto out;
		}
		if (o->max_tlp != CTI_TLP_RED)
			scan_start(&sc, fd);
		if ((rc = cti_verify_fd(&vr, fd, disp, &vo)))
			goto out;
		res->signers = cti_verify_count(vr);
		for (size_t i = 0; i < res->signers; i++) {
			const struct cti_signer *s = cti_verify_signer(vr, i);
			char id[17];

			info(o, "%s: good %s signature by %s (key %s)", disp,
			     s->embedded ? "embedded" : "detached", s->name,
			     cti_keyid_format(id, s->keyid));
		}
	} else {
		info(o, "%s: not checking signatures", disp);
	}

	/* 2. the TLP gate, over the same file */
	if (o->max_tlp != CTI_TLP_RED) {
		enum cti_tlp max = o->max_tlp ? o->max_tlp :
						CTI_TLP_AMBER_STRICT;

		if (vr && scan_finish(&sc, &res->tlp, disp, max))
			info(o, "%s: markings found by a search of the text, "
			     "no object needed reading", disp);
		else if ((rc = vr ? gate_verified(&res->tlp, check_path, disp,
						  max) :
				    cti_tlp_gate(&res->tlp, check_path, disp,
						 max)))
			goto out;
		info(o, "%s: highest marking %s, ceiling %s", disp,
		     res->tlp ? cti_tlp_label(res->tlp) : "none",
		     cti_tlp_label(max));
	}
	if (!is_stdin && !same_file(fd, &st0)) {
		rc = cti__seterr(CTI_EIO, "%s: changed while it was checked",
				 disp);
		goto out;
	}

	/* 3. the objects, to a TAXII collection */
	if (is_taxii) {
		rc = cti__push_taxii(res, n, fd, disp, o);
		goto sent;
	}

	/* 3. the detached signature, then the file */
	if (!is_stdin) {
		if (!o->sig_path && !sigpath) {
			if (!(sigpath = malloc(strlen(path) + 9))) {
				rc = cti__seterr(CTI_ENOMEM, "out of memory");
				goto out;
			}
			sprintf(sigpath, "%s.minisig", path);
		}
		if ((rc = read_sig((char **)&sig.p, &sig.n,
				   o->sig_path ? o->sig_path : sigpath,
				   o->sig_path != NULL)))
			goto out;
	}
	if (sig.p) {
		if (!(signame = malloc(strlen(name) + 9))) {
			rc = cti__seterr(CTI_ENOMEM, "out of memory");
			goto out;
		}
		sprintf(signame, "%s.minisig", name);
		/* NAME.minisig in a collection, else the URL + ".minisig" */
		if (cti_net_is_collection(n))
			put.name = signame;
		else
			put.suffix = ".minisig";
		put.method = o->method;
		put.content_type = "text/plain";
		put.size = sig.n;
		put.read = read_mem;
		put.ctx = &sig;
		if ((rc = cti_net_put(&sres, n, &put)))
			goto out;
		res->sig_sent = 1;
	}
	memset(&put, 0, sizeof(put));
	put.name = cti_net_is_collection(n) ? name : NULL;
	put.method = o->method;
	if (pread(fd, head, 2, 0) != 2)
		head[0] = head[1] = 0;
	put.content_type = (unsigned char)head[0] == 0x1f &&
					   (unsigned char)head[1] == 0x8b ?
				   "application/gzip" :
				   "application/stix+json;version=2.1";
	put.size = (uint64_t)st0.st_size;
	put.read = read_at;
	put.ctx = &src;
	rc = cti_net_put(&res->net, n, &put);
	res->bytes = res->net.bytes;
sent:
	if (rc == CTI_OK && !same_file(fd, &st0))
		rc = cti__seterr(CTI_EIO, "%s: changed while it was sent; "
				 "what arrived is not what was checked", disp);
out:
	if (sc.started) {
		__atomic_store_n(&sc.stop, 1, __ATOMIC_RELAXED);
		pthread_join(sc.thread, NULL);
	}
	cti_net_result_clear(&sres);
	cti_verify_result_free(vr);
	free((char *)sig.p);
	free(sigpath);
	free(signame);
	if (fd >= 0)
		close(fd);
	return rc;
}
