/*
 * fuzz_http.c - libFuzzer target for the parsers of what an HTTP server
 * sends: the input is a response head, one line per header. Each line goes
 * through the head parser, and each value through the parser of its kind
 * (status line, HTTP-date, Retry-After, ETag, Content-Range); what they
 * accept must hold together (a date formats and parses back, a range is
 * ordered, an ETag kept is a valid one, the reason is printable).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cti__http_resp r;
	const char *p = (const char *)data, *end = p + size;
	char reason[CTI__REASON_MAX + 1], buf[30];
	uint64_t first, last;
	int64_t t, t2, total;
	long status;

	cti__http_resp_reset(&r);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		(void)cti__http_line(&r, p, len, 1700000000);
		if (cti__http_status_line(&status, reason, sizeof(reason), p,
					  len) == 0) {
			if (status < 100 || status > 599)
				abort();
			for (const char *c = reason; *c; c++)
				if (*c < 0x20 || *c > 0x7e)
					abort();
		}
		if (cti__http_date(&t, p, len) == 0) {
			cti__http_date_format(buf, t);
			if (t < 253402300800LL &&
			    (cti__http_date(&t2, buf, strlen(buf)) != 0 ||
			     t2 != t))
				abort();
		}
		if (cti__http_retry_after(&t, p, len, 1700000000) == 0 && t < 0)
			abort();
		if (cti__http_content_range(&first, &last, &total, p, len) ==
			    0 &&
		    (last < first || (total >= 0 && last >= (uint64_t)total)))
			abort();
		(void)cti__http_etag_ok(p, len);
		p += len;
	}
	if (r.etag[0] && !cti__http_etag_ok(r.etag, strlen(r.etag)))
		abort();
	if (r.status && (r.status < 100 || r.status > 599))
		abort();
	if (r.has_range && r.range_last < r.range_first)
		abort();
	return 0;
}
