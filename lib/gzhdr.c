/*
 * gzhdr.c - the gzip header (RFC 1952) and the signature subfields of its
 * extra field: parse in bounded memory, write back with signatures removed
 * or added.
 */
#include <stdlib.h>
#include <string.h>

#include "trust.h"

static int
trunc_err(const char *name)
{
	return cti__seterr(CTI_EFORMAT, "%s: truncated gzip header", name);
}

int
cti__gzhdr_parse(struct cti__gzhdr *h, const unsigned char *p, size_t n,
		const char *name)
{
	size_t pos, end, k;

	memset(h, 0, sizeof(*h));
	if (n < 10)
		return trunc_err(name);
	if (p[0] != 0x1f || p[1] != 0x8b)
		return cti__seterr(CTI_EFORMAT, "%s: not a gzip file", name);
	if (p[2] != 8)
		return cti__seterr(CTI_EFORMAT,
				  "%s: gzip compression method %u is not "
				  "deflate", name, p[2]);
	h->flg = p[3];
	if (h->flg & 0xe0)
		return cti__seterr(CTI_EFORMAT,
				  "%s: reserved gzip header flags are set",
				  name);
	pos = 10;
	if (h->flg & CTI_GZ_FEXTRA) {
		if (n < pos + 2)
			return trunc_err(name);
		h->xlen = (size_t)p[pos] | (size_t)p[pos + 1] << 8;
		h->xoff = pos + 2;
		pos = h->xoff + h->xlen;
		if (n < pos)
			return trunc_err(name);
		/* RFC 1952 2.3.1.1: subfields SI1 SI2 LEN(2) data, exactly
		 * filling XLEN */
		for (k = h->xoff; k < pos;) {
			size_t sl;

			if (pos - k < 4)
				return cti__seterr(CTI_EFORMAT,
						  "%s: malformed gzip extra "
						  "field", name);
			sl = (size_t)p[k + 2] | (size_t)p[k + 3] << 8;
			if (sl > pos - k - 4)
				return cti__seterr(CTI_EFORMAT,
						  "%s: malformed gzip extra "
						  "field", name);
			if (p[k] == CTI_SIG_SI1 && p[k + 1] == CTI_SIG_SI2) {
				if (h->nsig == CTI_GZ_SIGS_MAX)
					return cti__seterr(CTI_ELIMIT,
							  "%s: too many "
							  "signatures", name);
				h->sig[h->nsig].off = k;
				h->sig[h->nsig].len = sl;
				h->nsig++;
			}
			k += 4 + sl;
		}
	}
	h->noff = pos;
	end = n - pos > CTI_GZ_NAMES_MAX ? pos + CTI_GZ_NAMES_MAX : n;
	for (k = 0; k < 2; k++) {
		unsigned flag = k == 0 ? CTI_GZ_FNAME : CTI_GZ_FCOMMENT;
		const unsigned char *z;

		if (!(h->flg & flag))
			continue;
		z = pos < end ? memchr(p + pos, 0, end - pos) : NULL;
		if (!z) {
			if (end < n)
				return cti__seterr(CTI_ELIMIT,
						  "%s: gzip file name and "
						  "comment longer than %u bytes",
						  name, CTI_GZ_NAMES_MAX);
			return trunc_err(name);
		}
		pos = (size_t)(z - p) + 1;
	}
	h->nlen = pos - h->noff;
	if (h->flg & CTI_GZ_FHCRC) {
		if (n < pos + 2)
			return trunc_err(name);
		pos += 2;
	}
	h->len = pos;
	return CTI_OK;
}

long
cti__gzhdr_write(unsigned char *out, const struct cti__gzhdr *h,
		const unsigned char *in, const unsigned char *add,
		size_t add_len, const unsigned char *drop_keynum,
		const char *name)
{
	size_t pos = 10, x = 0, k, xstart, i;

	memcpy(out, in, 10);
	out[3] = h->flg & (unsigned char)~CTI_GZ_FEXTRA;
	if ((h->flg & CTI_GZ_FHCRC) && (h->nsig || add))
		return cti__seterr(CTI_EFORMAT,
				  "%s: gzip header has a CRC (FHCRC): "
				  "embedded signatures not supported", name);
	xstart = pos + 2;
	if (h->flg & CTI_GZ_FEXTRA) {
		for (k = h->xoff; k < h->xoff + h->xlen;) {
			size_t sl = (size_t)in[k + 2] | (size_t)in[k + 3] << 8;

			if (in[k] != CTI_SIG_SI1 || in[k + 1] != CTI_SIG_SI2) {
				memcpy(out + xstart + x, in + k, 4 + sl);
				x += 4 + sl;
			}
			k += 4 + sl;
		}
	}
	if (add) {
		/* keep other signatures: with add, signatures are written
		 * back except those by drop_keynum */
		for (i = 0; i < h->nsig; i++) {
			const unsigned char *s = in + h->sig[i].off;
			size_t sl = h->sig[i].len;

			if (drop_keynum && sl >= 2 + CTI_KEYNUM_LEN &&
			    memcmp(s + 4 + 2, drop_keynum, CTI_KEYNUM_LEN) == 0)
				continue;
			if (x + 4 + sl > 65535)
				goto toolong;
			memcpy(out + xstart + x, s, 4 + sl);
			x += 4 + sl;
		}
		if (x + 4 + add_len > 65535)
			goto toolong;
		out[xstart + x] = CTI_SIG_SI1;
		out[xstart + x + 1] = CTI_SIG_SI2;
		out[xstart + x + 2] = (unsigned char)(add_len & 0xff);
		out[xstart + x + 3] = (unsigned char)(add_len >> 8);
		memcpy(out + xstart + x + 4, add, add_len);
		x += 4 + add_len;
	}
	if (x > 0) {
		out[3] |= CTI_GZ_FEXTRA;
		out[pos] = (unsigned char)(x & 0xff);
		out[pos + 1] = (unsigned char)(x >> 8);
		pos = xstart + x;
	}
	memcpy(out + pos, in + h->noff, h->nlen);
	pos += h->nlen;
	if (h->flg & CTI_GZ_FHCRC) {
		/* no signatures involved: the header is unchanged */
		memcpy(out + pos, in + h->noff + h->nlen, 2);
		pos += 2;
	}
	return (long)pos;
toolong:
	return cti__seterr(CTI_ELIMIT,
			  "%s: gzip extra field would exceed 65535 bytes "
			  "(too many signatures)", name);
}
