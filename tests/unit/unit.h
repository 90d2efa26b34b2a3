/* unit.h - a tiny TAP-style harness for the unit tests in tests/unit. */
#ifndef CTI_UNIT_H
#define CTI_UNIT_H
#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (cond) {                                                \
			unit_pass++;                                       \
			printf("ok - %s\n", #cond);                        \
		} else {                                                   \
			unit_fail++;                                       \
			printf("not ok - %s (%s:%d)\n", #cond, __FILE__,   \
			       __LINE__);                                  \
		}                                                          \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		if (g_ && w_ && strcmp(g_, w_) == 0) {                     \
			unit_pass++;                                       \
			printf("ok - %s == \"%s\"\n", #got, w_);           \
		} else {                                                   \
			unit_fail++;                                       \
			printf("not ok - %s: got \"%s\", want \"%s\" "     \
			       "(%s:%d)\n", #got, g_ ? g_ : "(null)",      \
			       w_ ? w_ : "(null)", __FILE__, __LINE__);    \
		}                                                          \
	} while (0)

#define UNIT_DONE()                                                        \
	(printf("# %d passed, %d failed\n", unit_pass, unit_fail),         \
	 unit_fail ? 1 : 0)
#endif
