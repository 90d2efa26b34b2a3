/*
 * err.c - error codes, their names, the per-thread detail message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char errbuf[1024];

static const char *const names[] = {
	[0] = "success",
	[1] = "invalid argument",
	[2] = "out of memory",
	[3] = "input/output error",
	[4] = "malformed input",
	[5] = "limit exceeded",
	[6] = "file exists",
	[7] = "bad signature",
	[8] = "no signature",
	[9] = "untrusted key",
	[10] = "too few signers",
	[11] = "replayed or older sequence",
	[12] = "expired",
	[13] = "legacy signature refused",
	[14] = "wrong passphrase",
	[15] = "policy check failed",
	[16] = "lock held",
	[17] = "network error",
	[18] = "refused by remote",
	[19] = "usage error",
};

const char *
cti_strerror(int err)
{
	unsigned i = err <= 0 ? (unsigned)-err : 0;

	if (i < CTI_ARRAY_LEN(names) && names[i])
		return names[i];
	return "unknown error";
}

const char *
cti_errmsg(void)
{
	return errbuf;
}

int
cti_exit_status(int err)
{
	switch (err) {
	case CTI_OK:
		return 0;
	case CTI_EBADSIG:
	case CTI_ENOSIG:
	case CTI_EUNTRUSTED:
	case CTI_ETHRESHOLD:
	case CTI_EREPLAY:
	case CTI_EEXPIRED:
	case CTI_ELEGACY:
	case CTI_EPASS:
	case CTI_EPOLICY:
		return 1;
	case CTI_EINVAL:
	case CTI_EUSAGE:
		return 2;
	case CTI_EFORMAT:
	case CTI_ELIMIT:
		return 3;
	case CTI_ENET:
		return 5;
	case CTI_EREMOTE:
		return 6;
	default: /* CTI_ENOMEM, CTI_EIO, CTI_EEXIST, CTI_ELOCKED */
		return 4;
	}
}

const char *
cti_version(void)
{
	return CTI_VERSION;
}

int
cti__seterr(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return code;
}

int
cti__seterrno(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(errnum));
	return code;
}

int
cti__preferr(int code, const char *fmt, ...)
{
	char old[sizeof(errbuf)];
	va_list ap;
	size_t n;

	memcpy(old, errbuf, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	if (old[0])
		snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", old);
	else
		snprintf(errbuf + n, sizeof(errbuf) - n, ": %s",
			 cti_strerror(code));
	return code;
}
