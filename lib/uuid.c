/*
 * uuid.c - SHA-1 (FIPS 180-4) and name-based UUIDs (RFC 9562 section 5.5)
 * for deterministic STIX ids. SHA-1 is what UUIDv5 is defined with; it is
 * not used for anything that needs collision resistance.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

struct sha1 {
	uint32_t h[5];
	uint64_t len; /* bytes hashed so far */
	unsigned char blk[64];
	size_t n; /* bytes in blk */
};

static inline uint32_t
rol(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

static inline uint32_t
load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Fully unrolled: five rounds rename the working variables instead of
 * moving them, and the schedule lives in 16 words expanded in place.
 */
#define SHA1_F0(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define SHA1_F1(b, c, d) ((b) ^ (c) ^ (d))
#define SHA1_F2(b, c, d) (((b) & (c)) | ((d) & ((b) | (c))))
#define SHA1_W(i)                                                             \
	((i) < 16 ? w[(i)&15]                                                 \
		  : (w[(i)&15] = rol(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] ^ \
					     w[((i) + 2) & 15] ^ w[(i)&15],   \
				     1)))
#define SHA1_STEP(f, k, a, b, c, d, e, i)                      \
	do {                                                   \
		e += rol(a, 5) + f(b, c, d) + (k) + SHA1_W(i); \
		b = rol(b, 30);                                \
	} while (0)
#define SHA1_FIVE(f, k, i)                               \
	do {                                             \
		SHA1_STEP(f, k, a, b, c, d, e, (i));     \
		SHA1_STEP(f, k, e, a, b, c, d, (i) + 1); \
		SHA1_STEP(f, k, d, e, a, b, c, (i) + 2); \
		SHA1_STEP(f, k, c, d, e, a, b, (i) + 3); \
		SHA1_STEP(f, k, b, c, d, e, a, (i) + 4); \
	} while (0)

static void
sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[16], a, b, c, d, e;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(p + 4 * i);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	SHA1_FIVE(SHA1_F0, 0x5a827999, 0);
	SHA1_FIVE(SHA1_F0, 0x5a827999, 5);
	SHA1_FIVE(SHA1_F0, 0x5a827999, 10);
	SHA1_FIVE(SHA1_F0, 0x5a827999, 15);
	SHA1_FIVE(SHA1_F1, 0x6ed9eba1, 20);
	SHA1_FIVE(SHA1_F1, 0x6ed9eba1, 25);
	SHA1_FIVE(SHA1_F1, 0x6ed9eba1, 30);
	SHA1_FIVE(SHA1_F1, 0x6ed9eba1, 35);
	SHA1_FIVE(SHA1_F2, 0x8f1bbcdc, 40);
	SHA1_FIVE(SHA1_F2, 0x8f1bbcdc, 45);
	SHA1_FIVE(SHA1_F2, 0x8f1bbcdc, 50);
	SHA1_FIVE(SHA1_F2, 0x8f1bbcdc, 55);
	SHA1_FIVE(SHA1_F1, 0xca62c1d6, 60);
	SHA1_FIVE(SHA1_F1, 0xca62c1d6, 65);
	SHA1_FIVE(SHA1_F1, 0xca62c1d6, 70);
	SHA1_FIVE(SHA1_F1, 0xca62c1d6, 75);
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static void
sha1_init(struct sha1 *s)
{
	s->h[0] = 0x67452301;
	s->h[1] = 0xefcdab89;
	s->h[2] = 0x98badcfe;
	s->h[3] = 0x10325476;
	s->h[4] = 0xc3d2e1f0;
	s->len = 0;
	s->n = 0;
}

static void
sha1_update(struct sha1 *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t k;

	s->len += n;
	if (s->n) {
		k = 64 - s->n < n ? 64 - s->n : n;
		memcpy(s->blk + s->n, p, k);
		s->n += k;
		p += k;
		n -= k;
		if (s->n < 64)
			return;
		sha1_block(s->h, s->blk);
		s->n = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		sha1_block(s->h, p);
	memcpy(s->blk, p, n);
	s->n = n;
}

static void
sha1_final(struct sha1 *s, unsigned char out[20])
{
	uint64_t bits = s->len * 8;
	int i;

	s->blk[s->n++] = 0x80;
	if (s->n > 56) {
		memset(s->blk + s->n, 0, 64 - s->n);
		sha1_block(s->h, s->blk);
		s->n = 0;
	}
	memset(s->blk + s->n, 0, 56 - s->n);
	for (i = 0; i < 8; i++)
		s->blk[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_block(s->h, s->blk);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
cti__sha1(unsigned char out[20], const void *p, size_t n)
{
	struct sha1 s;

	sha1_init(&s);
	sha1_update(&s, p, n);
	sha1_final(&s, out);
}

void
cti__uuid5(char out[37], const unsigned char ns[16], const void *name, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char d[20];
	struct sha1 s;
	int i, j;

	sha1_init(&s);
	sha1_update(&s, ns, 16);
	sha1_update(&s, name, n);
	sha1_final(&s, d);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	for (i = j = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hx[d[i] >> 4];
		out[j++] = hx[d[i] & 15];
	}
	out[j] = '\0';
}

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
cti__uuid_parse(unsigned char out[16], const char *s)
{
	int i, j, hi, lo;

	if (!s)
		return -1;
	for (i = j = 0; i < 16; i++) {
		if (j == 8 || j == 13 || j == 18 || j == 23) {
			if (s[j++] != '-')
				return -1;
		}
		if ((hi = hexv(s[j])) < 0 || (lo = hexv(s[j + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
		j += 2;
	}
	return s[j] == '\0' ? 0 : -1;
}

static unsigned char stix_ns[16];
static pthread_once_t stix_ns_once = PTHREAD_ONCE_INIT;

static void
stix_ns_init(void)
{
	/* a constant that parses: checked by tests/unit/test_uuid.c */
	(void)cti__uuid_parse(stix_ns, CTI_UUID_NAMESPACE);
}

char *
cti_stix_id(char *out, size_t size, const char *type, const char *name,
	    size_t name_len)
{
	size_t tl;

	if (!out || !type || (!name && name_len))
		return NULL;
	tl = strlen(type);
	if (size < tl + 39)
		return NULL;
	pthread_once(&stix_ns_once, stix_ns_init);
	memcpy(out, type, tl);
	out[tl] = '-';
	out[tl + 1] = '-';
	cti__uuid5(out + tl + 2, stix_ns, name ? name : "", name_len);
	return out;
}
