/*
 * fuzz_s3xml.c - libFuzzer target for the reader of S3's XML error
 * documents: whatever the input, the Code kept is a name (letters, digits,
 * '.', '_') or nothing, the Message printable ASCII, both NUL-terminated
 * within their arrays, and a document without a Code is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cti__s3_error e;
	int rc;

	/* what the backend reads is capped */
	if (size > CTI__S3_ERROR_MAX)
		size = CTI__S3_ERROR_MAX;
	memset(&e, 0x55, sizeof(e));
	rc = cti__s3_error_parse(&e, (const char *)data, size);
	if (!memchr(e.code, '\0', sizeof(e.code)) ||
	    !memchr(e.message, '\0', sizeof(e.message)))
		abort();
	if ((rc == 0) != (e.code[0] != '\0'))
		abort();
	for (const char *c = e.code; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_'))
			abort();
	for (const char *c = e.message; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			abort();
	if (e.message[0] == ' ' ||
	    (e.message[0] && e.message[strlen(e.message) - 1] == ' '))
		abort();
	return 0;
}
