/*
 * taxiipush.c - cti push to a TAXII collection: the objects of a checked
 * bundle file, read by the streaming reader, POSTed in envelopes that fit
 * the API root's max_content_length, and the status of each followed until
 * the server has judged every object.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"

/* Objects per envelope when the caller does not say. */
#define BATCH_DEFAULT 500
/* Largest envelope built, whatever the server takes: it is held in memory
 * twice (the objects, then the body). An object larger than this but
 * within the server's limit goes alone. */
#define ENVELOPE_MAX (4u << 20)
/* Seconds the statuses are polled for when the caller does not say. */
#define WAIT_DEFAULT 300
/* The first pause between polls of the pending statuses, and the longest
 * (milliseconds): doubled after every round. */
#define POLL_FIRST_MS 200
#define POLL_MAX_MS   5000

/* One object of the envelope being built. */
struct item {
	size_t off, len; /* in tpush.objs */
	size_t id;	 /* its id in tpush.ids */
};

/* A status still pending: its id and the objects it covers. */
struct pend {
	char id[CTI__TAXII_ID_MAX + 1];
	uint64_t objects;
};

/* A failure named by a status, kept until the status is final. */
struct fail {
	size_t id, msg; /* in tpush.ftext; msg SIZE_MAX: none */
};

struct tpush {
	cti_net *n;
	const struct cti_push_opts *o;
	struct cti_push_result *res;
	const char *name; /* the file, for messages */
	int version;	  /* 21, or 20: bundles */
	uint64_t max;	  /* the server's limit; 0: none known */
	uint64_t target;  /* an envelope is closed at this size */
	unsigned batch;	  /* ... or at this many objects */
	char prefix[128]; /* the body up to the first object */
	size_t prefix_len;
	struct cti__buf objs, ids, body;
	struct item *items;
	size_t nitems, cap;
	struct pend *pend;
	size_t npend, pcap;
	char late[CTI__TAXII_ID_MAX + 1]; /* a status still pending at the
					     end, for the message */
	size_t nlate;			   /* how many were */
	cti_reader *r;	       /* the file */
	uint64_t size;	       /* its size, for progress */
	struct cti__buf ftext; /* failures of the status being read */
	struct fail *fails;
	size_t nfails, fcap;
};

static const char suffix[] = "]}";
#define SUFFIX_LEN (sizeof(suffix) - 1)

static int
nomem(void)
{
	return cti__seterr(CTI_ENOMEM, "out of memory");
}

/* The array a of *cap elements of size bytes, n used, with room for one
 * more: a itself, or a larger copy; NULL (a left as it was) when out of
 * memory. */
static void *
room(void *a, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *q;

	if (n < *cap)
		return a;
	if ((q = realloc(a, c * size)))
		*cap = c;
	return q;
}

/* Name an object that was not accepted. */
static void
name_failure(const struct tpush *p, const char *id, const char *msg)
{
	if (p->o->failed)
		p->o->failed(p->o->failed_ctx,
			     *id ? id : "an object without id", msg);
}

/* ------------------------------------------------ failures of a status */

static int
keep_failure(void *ctx, const char *id, const char *version,
	     const char *message)
{
	struct tpush *p = ctx;
	struct fail *f;

	(void)version;
	if (!(f = room(p->fails, &p->fcap, p->nfails, sizeof(*f))))
		return nomem();
	p->fails = f;
	f = &p->fails[p->nfails];
	f->id = p->ftext.len;
	if (cti__buf_put(&p->ftext, id, strlen(id) + 1))
		return nomem();
	f->msg = SIZE_MAX;
	if (message) {
		f->msg = p->ftext.len;
		if (cti__buf_put(&p->ftext, message, strlen(message) + 1))
			return nomem();
	}
	p->nfails++;
	return CTI_OK;
}

static void
drop_failures(struct tpush *p)
{
	p->nfails = 0;
	cti__buf_reset(&p->ftext);
}

/*
 * Take the counts of a final status (complete, or pending when the wait
 * is over) covering objects objects, and name its failures. Objects a
 * complete status does not account for count as failures.
 */
static void
settle(struct tpush *p, const struct cti__taxii_status *st, uint64_t objects)
{
	uint64_t failure = st->failure;
	uint64_t seen = st->success + st->failure + st->pending;

	for (size_t i = 0; i < p->nfails; i++) {
		const struct fail *f = &p->fails[i];

		name_failure(p, p->ftext.p + f->id,
			     f->msg == SIZE_MAX ? "refused, without a reason"
						: p->ftext.p + f->msg);
	}
	/* the counts are the server's, but never fewer than it named */
	if (p->nfails > failure)
		failure = p->nfails;
	if (seen < objects && st->complete)
		failure += objects - seen;
	p->res->failure += failure;
	p->res->success += st->success;
	p->res->pending += st->pending;
	drop_failures(p);
}

/* ------------------------------------------------------------ sending */

static int
build_body(struct tpush *p, size_t a, size_t b)
{
	cti__buf_reset(&p->body);
	if (cti__buf_put(&p->body, p->prefix, p->prefix_len))
		return nomem();
	for (size_t i = a; i < b; i++)
		if ((i > a && cti__buf_putc(&p->body, ',')) ||
		    cti__buf_put(&p->body, p->objs.p + p->items[i].off,
				 p->items[i].len))
			return nomem();
	if (cti__buf_put(&p->body, suffix, SUFFIX_LEN))
		return nomem();
	return CTI_OK;
}

static int
add_pending(struct tpush *p, const struct cti__taxii_status *st,
	    uint64_t objects)
{
	struct pend *e;

	if (!(e = room(p->pend, &p->pcap, p->npend, sizeof(*e))))
		return nomem();
	p->pend = e;
	e = &p->pend[p->npend++];
	memcpy(e->id, st->id, sizeof(e->id));
	e->objects = objects;
	return CTI_OK;
}

/* POST the objects a..b of the envelope; a 413 splits them in two. */
static int
post(struct tpush *p, size_t a, size_t b)
{
	struct cti__taxii_status st;
	uint64_t k = b - a;
	int rc, too_large = 0;

	if ((rc = build_body(p, a, b)))
		return rc;
	drop_failures(p);
	rc = cti__taxii_post(p->n, p->body.p, p->body.len, &st, &too_large,
			     keep_failure, p);
	if (rc == CTI_EREMOTE && too_large) {
		size_t half = (size_t)(k / 2);

		drop_failures(p);
		if (k == 1) {
			p->res->failure++;
			name_failure(p, p->ids.p + p->items[a].id,
				     cti_errmsg());
			return CTI_OK;
		}
		/* what the server takes is less than it said: aim lower */
		if (p->batch > half)
			p->batch = (unsigned)half;
		if (p->target > p->body.len / 2)
			p->target = p->body.len / 2;
		cti__net_info(p->n,
			      "%s: an envelope of %" PRIu64 " objects "
			      "(%zu bytes) was too large for the server: "
			      "sending %zu and %" PRIu64 " objects, then at "
			      "most %u at a time",
			      p->name, k, p->body.len, half, k - half,
			      p->batch);
		if ((rc = post(p, a, a + half)))
			return rc;
		return post(p, a + half, b);
	}
	if (rc)
		return rc;
	p->res->envelopes++;
	p->res->bytes += p->body.len;
	if (st.complete) {
		settle(p, &st, k);
		return CTI_OK;
	}
	drop_failures(p);
	return add_pending(p, &st, k);
}

static int
flush(struct tpush *p)
{
	int rc = CTI_OK;

	if (p->nitems)
		rc = post(p, 0, p->nitems);
	p->nitems = 0;
	cti__buf_reset(&p->objs);
	cti__buf_reset(&p->ids);
	return rc;
}

/* The body size with the object of len bytes added to the envelope. */
static uint64_t
size_with(const struct tpush *p, size_t len)
{
	return (uint64_t)p->prefix_len + p->objs.len + p->nitems +
	       (uint64_t)len + SUFFIX_LEN;
}

static int
add(struct tpush *p, const struct cti_object *obj)
{
	const char *id = obj->id ? obj->id : "an object without id";
	uint64_t alone = (uint64_t)p->prefix_len + obj->len + SUFFIX_LEN;
	struct item *it;
	int rc;

	p->res->total++;
	if (p->max && alone > p->max) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "not sent: %" PRIu64 " bytes in "
			 "an envelope, over the server's max_content_length "
			 "(%" PRIu64 ")",
			 alone, p->max);
		p->res->failure++;
		name_failure(p, id, msg);
		return CTI_OK;
	}
	if (p->nitems &&
	    (p->nitems >= p->batch || size_with(p, obj->len) > p->target) &&
	    (rc = flush(p)))
		return rc;
	if (!(it = room(p->items, &p->cap, p->nitems, sizeof(*it))))
		return nomem();
	p->items = it;
	it = &p->items[p->nitems];
	it->off = p->objs.len;
	it->len = obj->len;
	it->id = p->ids.len;
	if (cti__buf_put(&p->objs, obj->json, obj->len) ||
	    cti__buf_put(&p->ids, id, strlen(id) + 1))
		return nomem();
	p->nitems++;
	if (p->o->progress)
		p->o->progress(p->o->progress_ctx, cti_reader_raw_bytes(p->r),
			       p->size);
	return CTI_OK;
}

/* ------------------------------------------------------------ statuses */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pause_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Poll the pending statuses, in rounds with a growing pause between them,
 * until each is complete or wait seconds have passed; the last round comes
 * at the deadline, and what it says is final.
 */
static int
poll_pending(struct tpush *p, int64_t wait)
{
	int64_t deadline = now_ms() + wait * 1000, pause = POLL_FIRST_MS;
	int rc, final = 0;

	while (p->npend && !final) {
		int64_t left = deadline - now_ms();
		size_t keep = 0;

		if (pause >= left) {
			pause = left > 0 ? left : 0;
			final = 1;
		}
		pause_ms(pause);
		pause = pause * 2 > POLL_MAX_MS ? POLL_MAX_MS : pause * 2;
		for (size_t i = 0; i < p->npend; i++) {
			struct pend *e = &p->pend[i];
			struct cti__taxii_status st;

			drop_failures(p);
			if ((rc = cti__taxii_status(p->n, e->id, &st,
						    keep_failure, p))) {
				/* keep what is still pending, for the counts */
				while (i < p->npend)
					p->pend[keep++] = p->pend[i++];
				p->npend = keep;
				return rc;
			}
			if (st.complete || final) {
				if (!st.complete && p->nlate++ == 0)
					memcpy(p->late, e->id, sizeof(p->late));
				settle(p, &st, e->objects);
				continue;
			}
			p->pend[keep++] = *e;
		}
		p->npend = keep;
		if (p->npend)
			cti__net_info(p->n, "%s: %zu envelope%s still pending",
				      p->name, p->npend,
				      p->npend == 1 ? "" : "s");
	}
	return CTI_OK;
}

/* ------------------------------------------------------------ push */

/* The start of a TAXII 2.0 bundle: a random id (RFC 9562 version 4). */
static void
bundle_prefix(struct tpush *p)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char u[16];
	char id[37];
	size_t k = 0;

	randombytes_buf(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	for (size_t i = 0; i < sizeof(u); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			id[k++] = '-';
		id[k++] = hex[u[i] >> 4];
		id[k++] = hex[u[i] & 15];
	}
	id[k] = '\0';
	p->prefix_len =
		(size_t)snprintf(p->prefix, sizeof(p->prefix),
				 "{\"type\":\"bundle\",\"id\":\"bundle--"
				 "%s\",\"spec_version\":\"2.0\","
				 "\"objects\":[",
				 id);
}

int
cti__push_taxii(struct cti_push_result *res, cti_net *n, int fd,
		const char *name, const struct cti_push_opts *o)
{
	const struct cti__taxii_info *ci;
	const struct cti_object *obj;
	struct tpush p = {.n = n, .o = o, .res = res, .name = name};
	struct stat st;
	int rc;

	if ((rc = cti__taxii_collection(&ci, n)))
		return rc;
	if (!ci->can_write)
		return cti__seterr(CTI_EREMOTE,
				   "%s: the collection does not "
				   "take objects (can_write is false)",
				   ci->url);
	p.version = ci->version;
	p.max = ci->max_content_length;
	p.target = p.max && p.max < ENVELOPE_MAX ? p.max : ENVELOPE_MAX;
	p.batch = o->batch ? o->batch : BATCH_DEFAULT;
	if (p.version == 20)
		bundle_prefix(&p);
	else
		p.prefix_len = (size_t)snprintf(p.prefix, sizeof(p.prefix),
						"{\"objects\":[");
	cti__net_info(n,
		      "%s: %s of at most %u objects and %" PRIu64 " bytes "
		      "(%s)",
		      name, p.version == 20 ? "bundles" : "envelopes", p.batch,
		      p.target,
		      p.max ? "the API root's "
			      "max_content_length caps them"
			    : "the API root gives no "
			      "max_content_length");
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return cti__seterrno(CTI_EIO, errno, "%s", name);
	p.size = (uint64_t)st.st_size;
	if ((rc = cti_reader_open_fd(&p.r, fd, name, NULL, 0)))
		return rc;
	while ((rc = cti_reader_next(&obj, p.r)) == CTI_OK && obj)
		if ((rc = add(&p, obj)))
			break;
	if (rc == CTI_OK)
		rc = flush(&p);
	if (rc == CTI_OK && p.npend)
		rc = poll_pending(&p, o->status_timeout > 0 ? o->status_timeout
							    : WAIT_DEFAULT);
	cti_reader_free(p.r);
	if (rc == CTI_OK) {
		/* objects the statuses do not account for */
		uint64_t seen = res->success + res->failure + res->pending;

		if (seen < res->total)
			res->failure += res->total - seen;
		if (res->failure)
			rc = cti__seterr(CTI_EREMOTE,
					 "%s: %" PRIu64 " of %" PRIu64
					 " objects not accepted by %s",
					 name, res->failure, res->total,
					 ci->url);
		else if (res->pending)
			rc = cti__seterr(CTI_ENET,
					 "%s: %" PRIu64 " of %" PRIu64
					 " objects still pending after %" PRId64
					 " s at %s%s%s%s",
					 name, res->pending, res->total,
					 o->status_timeout > 0
						 ? o->status_timeout
						 : (int64_t)WAIT_DEFAULT,
					 ci->url, p.nlate ? " (status " : "",
					 p.late,
					 p.nlate > 1 ? " and others)" :
					 p.nlate ? ")" : "");
	} else {
		/* what was not judged is pending as far as anyone knows */
		for (size_t i = 0; i < p.npend; i++)
			res->pending += p.pend[i].objects;
	}
	cti__buf_free(&p.objs);
	cti__buf_free(&p.ids);
	cti__buf_free(&p.body);
	cti__buf_free(&p.ftext);
	free(p.items);
	free(p.pend);
	free(p.fails);
	return rc;
}
