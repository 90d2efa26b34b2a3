/*
 * writer.c - write one bundle file: a gzip member (RFC 1952) around
 * {"type":"bundle","objects":[...],"id":"bundle--UUID"}.
 *
 * The gzip framing is written here rather than by zlib so that the header is
 * exactly what cti promises (no name, zero mtime, OS 255) and can later
 * carry signatures in its extra field. The bundle id is derived from the
 * bundle text before it, so it is written last.
 *
 * Compression runs on a second thread: the caller fills one stage buffer
 * while the worker hashes, deflates and writes the other (pipe.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zlib.h>

#include "internal.h"

#define STAGE (1u << 20)
#define OUTBUF (256u << 10)

/*
 * (id, modified) keys already written: open addressing over 16-byte slots,
 * 12 bytes of a SipHash-128 of the key under a random key (no input can be
 * made to collide) and 4 bytes of a hash of the object's bytes, to tell an
 * identical copy from another object under the same key.
 */
struct slot {
	unsigned char key[12];
	uint32_t sum;
};

struct seen {
	struct slot *slot;
	size_t cap, count;
	unsigned char sipkey[crypto_shorthash_siphashx24_KEYBYTES];
};

static inline size_t
slot_pos(const struct slot *e, size_t mask)
{
	uint64_t h;

	memcpy(&h, e->key, 8);
	return (size_t)h & mask;
}

static int
seen_grow(struct seen *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1u << 12;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return cti__seterr(CTI_ENOMEM, "out of memory for the duplicate "
				  "index");
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->slot[i].key[0])
			continue;
		for (j = slot_pos(&s->slot[i], ncap - 1); ns[j].key[0];
		     j = (j + 1) & (ncap - 1))
			;
		ns[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = ns;
	s->cap = ncap;
	return CTI_OK;
}

/* *added: 1 when k was new (and is now recorded), 0 when its key was seen
 * with the same sum, -1 when seen with another. */
static int
seen_add(struct seen *s, const struct slot *k, int *added)
{
	size_t j;
	int rc;

	if (4 * (s->count + 1) > 3 * s->cap && (rc = seen_grow(s)))
		return rc;
	for (j = slot_pos(k, s->cap - 1); s->slot[j].key[0];
	     j = (j + 1) & (s->cap - 1))
		if (memcmp(s->slot[j].key, k->key, sizeof(k->key)) == 0) {
			*added = s->slot[j].sum == k->sum ? 0 : -1;
			return CTI_OK;
		}
	s->slot[j] = *k;
	s->count++;
	*added = 1;
	return CTI_OK;
}

/* 1 when k was recorded with the same sum, -1 with another, else 0. */
static int
seen_find(const struct seen *s, const struct slot *k)
{
	if (!s->cap)
		return 0;
	for (size_t j = slot_pos(k, s->cap - 1); s->slot[j].key[0];
	     j = (j + 1) & (s->cap - 1))
		if (memcmp(s->slot[j].key, k->key, sizeof(k->key)) == 0)
			return s->slot[j].sum == k->sum ? 1 : -1;
	return 0;
}

/* The slot of (id, modified) and json. */
static int
seen_key(struct seen *s, struct slot *k, const char *id, const char *modified,
	 const char *json, size_t len)
{
	unsigned char h[crypto_shorthash_siphashx24_BYTES], small[256], *b;
	size_t il = strlen(id), ml = modified ? strlen(modified) + 1 : 0;

	/* "ID\0MODIFIED\0", or "ID" alone without modified */
	b = il + ml + 1 <= sizeof(small) ? small : malloc(il + ml + 1);
	if (!b)
		return cti__seterr(CTI_ENOMEM, "out of memory");
	memcpy(b, id, il + 1);
	if (modified)
		memcpy(b + il + 1, modified, ml);
	crypto_shorthash_siphashx24(h, b, il + (modified ? ml + 1 : 0),
				    s->sipkey);
	if (b != small)
		free(b);
	memcpy(k->key, h, sizeof(k->key));
	k->key[0] |= 1; /* never the empty slot */
	k->sum = (uint32_t)cti__hash64(json, len, 0);
	return CTI_OK;
}

struct cti_writer {
	struct cti__out out;
	int plain;
	int dedup;
	z_stream z;
	int z_ready;
	uLong crc;
	uint64_t json_bytes;
	uint64_t count;
	crypto_generichash_state texthash;
	unsigned char *stages[2];
	size_t stage_lens[2];
	unsigned char *stage;	/* the buffer being filled */
	size_t stage_len;
	int slot;		/* its index */
	unsigned char *zout;
	struct seen seen;
	int failed;
	struct cti__pipe pipe;	/* to the compression thread */
	int threaded;
};

/* Compress (or copy) p[0..n) to the output; flush as for deflate(). */
static int
compress_out(cti_writer *w, const unsigned char *p, size_t n, int flush)
{
	int zr, rc;

	crypto_generichash_update(&w->texthash, p, n);
	if (w->plain)
		return cti__out_write(&w->out, p, n);
	w->crc = crc32(w->crc, p, (uInt)n);
	w->z.next_in = (unsigned char *)p;
	w->z.avail_in = (uInt)n;
	do {
		w->z.next_out = w->zout;
		w->z.avail_out = OUTBUF;
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return cti__seterr(CTI_EIO, "%s: compression failed",
					  w->out.name);
		if ((rc = cti__out_write(&w->out, w->zout,
					OUTBUF - w->z.avail_out)))
			return rc;
	} while (w->z.avail_out == 0 ||
		 (flush == Z_FINISH && zr != Z_STREAM_END));
	return CTI_OK;
}

static void *
worker(void *arg)
{
	cti_writer *w = arg;
	int i, rc;

	while ((i = cti__pipe_next(&w->pipe)) >= 0) {
		if ((rc = compress_out(w, w->stages[i], w->stage_lens[i],
				       Z_NO_FLUSH))) {
			cti__pipe_stop(&w->pipe, rc);
			break;
		}
		cti__pipe_done(&w->pipe);
	}
	return NULL;
}

/* Hand the stage filled to the worker (or compress it here without one)
 * and start filling the next. */
static int
flush_stage(cti_writer *w)
{
	int rc;

	if (!w->threaded) {
		rc = compress_out(w, w->stage, w->stage_len, Z_NO_FLUSH);
		w->stage_len = 0;
		return rc;
	}
	w->stage_lens[w->slot] = w->stage_len;
	cti__pipe_put(&w->pipe);
	if ((w->slot = cti__pipe_slot(&w->pipe)) < 0) {
		w->slot = 0;
		w->stage = NULL;
		if ((rc = cti__pipe_error(&w->pipe)))
			return rc;
		return cti__seterr(CTI_EIO, "%s: compression stopped",
				  w->out.name);
	}
	w->stage = w->stages[w->slot];
	w->stage_len = 0;
	return CTI_OK;
}

/* Wait for the worker to finish what it was given. */
static int
stop_worker(cti_writer *w, int abort)
{
	if (!w->threaded)
		return CTI_OK;
	w->threaded = 0;
	if (abort)
		cti__pipe_stop(&w->pipe, 0);
	return cti__pipe_finish(&w->pipe);
}

static int
emit(cti_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;
	int rc;

	w->json_bytes += n;
	while (n > 0) {
		size_t k = STAGE - w->stage_len;

		if (k > n)
			k = n;
		memcpy(w->stage + w->stage_len, c, k);
		w->stage_len += k;
		c += k;
		n -= k;
		if (w->stage_len == STAGE && (rc = flush_stage(w)))
			return rc;
	}
	return CTI_OK;
}

static const char head[] = "{\"type\":\"bundle\",\"objects\":[";

int
cti_writer_open(cti_writer **out, const char *path,
		const struct cti_writer_opts *opts)
{
	static const unsigned char gzhead[10] = {
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255
	};
	int level = opts && opts->level >= 0 ? opts->level : 6;
	cti_writer *w;
	int rc;

	*out = NULL;
	if (level > 9)
		return cti__seterr(CTI_EINVAL, "compression level %d is not "
				  "0-9", level);
	if (sodium_init() < 0)
		return cti__seterr(CTI_ENOMEM, "libsodium initialisation failed");
	if (!(w = calloc(1, sizeof(*w))))
		return cti__seterr(CTI_ENOMEM, "out of memory");
	w->out.fd = -1;
	w->plain = opts && opts->plain;
	w->dedup = !(opts && opts->no_dedup);
	if (!(w->stages[0] = malloc(STAGE)) || !(w->stages[1] = malloc(STAGE)) ||
	    !(w->zout = malloc(OUTBUF))) {
		free(w->stages[0]);
		free(w->stages[1]);
		free(w);
		return cti__seterr(CTI_ENOMEM, "out of memory");
	}
	w->stage = w->stages[0];
	w->slot = 0;
	if ((rc = cti__out_open(&w->out, path, opts ? opts->mode : 0, 0))) {
		free(w->stages[0]);
		free(w->stages[1]);
		free(w->zout);
		free(w);
		return rc;
	}
	crypto_generichash_init(&w->texthash, NULL, 0, 32);
	randombytes_buf(w->seen.sipkey, sizeof(w->seen.sipkey));
	/* without a thread, the compression runs here */
	w->threaded = cti__pipe_start(&w->pipe, 2, worker, w) == CTI_OK;
	if (w->threaded)
		w->slot = cti__pipe_slot(&w->pipe);
	if (!w->plain) {
		if (deflateInit2(&w->z, level, Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK) {
			cti_writer_abort(w);
			return cti__seterr(CTI_ENOMEM, "zlib initialisation "
					  "failed");
		}
		w->z_ready = 1;
		w->crc = crc32(0, NULL, 0);
		unsigned char h[10];

		memcpy(h, gzhead, 10);
		h[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
		if ((rc = cti__out_write(&w->out, h, 10))) {
			cti_writer_abort(w);
			return rc;
		}
	}
	if ((rc = emit(w, head, sizeof(head) - 1))) {
		cti_writer_abort(w);
		return rc;
	}
	*out = w;
	return CTI_OK;
}

int
cti_writer_add(cti_writer *w, const char *json, size_t len, const char *id,
	       const char *modified, int *added)
{
	int rc;

	if (added)
		*added = 0;
	if (w->failed)
		return cti__seterr(CTI_EINVAL, "writer failed earlier");
	if (w->dedup && id) {
		struct slot k;
		int fresh;

		if ((rc = seen_key(&w->seen, &k, id, modified, json, len)) ||
		    (rc = seen_add(&w->seen, &k, &fresh))) {
			w->failed = 1;
			return rc;
		}
		if (fresh < 1) {
			if (added)
				*added = fresh;
			return CTI_OK;
		}
	}
	if ((rc = cti__writer_put(w, json, len)))
		return rc;
	if (added)
		*added = 1;
	return CTI_OK;
}

int
cti__writer_put(cti_writer *w, const char *json, size_t len)
{
	int rc;

	if (w->failed)
		return cti__seterr(CTI_EINVAL, "writer failed earlier");
	if ((w->count && (rc = emit(w, ",", 1))) ||
	    (rc = emit(w, json, len))) {
		w->failed = 1;
		return rc;
	}
	w->count++;
	return CTI_OK;
}

int
cti__writer_seen(cti_writer *w, int *seen, const char *id,
		 const char *modified, const char *json, size_t len)
{
	struct slot k;
	int rc;

	*seen = 0;
	if (!w->dedup || !w->seen.count)
		return CTI_OK;
	if ((rc = seen_key(&w->seen, &k, id, modified, json, len)))
		return rc;
	*seen = seen_find(&w->seen, &k);
	return CTI_OK;
}

uint64_t
cti_writer_count(const cti_writer *w)
{
	return w->count;
}

uint64_t
cti_writer_json_bytes(const cti_writer *w)
{
	return w->json_bytes;
}

int
cti_writer_close(cti_writer *w)
{
	unsigned char hash[32], trailer[8];
	char id[64], tail[96];
	int rc;

	if (w->failed) {
		cti_writer_abort(w);
		return cti__seterr(CTI_EINVAL, "writer failed earlier");
	}
	/* everything before the id goes through the hash first */
	if (w->threaded) {
		w->stage_lens[w->slot] = w->stage_len;
		cti__pipe_put(&w->pipe);
		if ((rc = stop_worker(w, 0)))
			goto fail;
	} else if ((rc = flush_stage(w))) {
		goto fail;
	}
	crypto_generichash_final(&w->texthash, hash, sizeof(hash));
	cti_stix_id(id, sizeof(id), "bundle", (const char *)hash, sizeof(hash));
	snprintf(tail, sizeof(tail), "],\"id\":\"%s\"}\n", id);
	w->json_bytes += strlen(tail);
	if ((rc = compress_out(w, (const unsigned char *)tail, strlen(tail),
			       Z_FINISH)))
		goto fail;
	if (!w->plain) {
		for (int i = 0; i < 4; i++) {
			trailer[i] = (unsigned char)(w->crc >> (8 * i));
			trailer[4 + i] =
				(unsigned char)(w->json_bytes >> (8 * i));
		}
		if ((rc = cti__out_write(&w->out, trailer, 8)))
			goto fail;
	}
	if ((rc = cti__out_commit(&w->out)))
		goto fail;
	w->out.fd = -1;
	cti_writer_abort(w);
	return CTI_OK;
fail:
	cti_writer_abort(w);
	return rc;
}

void
cti_writer_abort(cti_writer *w)
{
	if (!w)
		return;
	stop_worker(w, 1);
	if (w->out.fd >= 0 || w->out.tmp)
		cti__out_abort(&w->out);
	if (w->z_ready)
		deflateEnd(&w->z);
	free(w->stages[0]);
	free(w->stages[1]);
	free(w->zout);
	free(w->seen.slot);
	free(w);
}
