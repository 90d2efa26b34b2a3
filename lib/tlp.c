/*
 * tlp.c - the five TLP 2.0 marking definitions, as OASIS publishes them in
 * cti-stix-common-objects (extension-definition-specifications/tlp-2.0 and
 * objects/marking-definition), minified with their keys in that order.
 */
#include <string.h>
#include <strings.h>

#include "internal.h"

#define TLP_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define TLP_OBJ(id, name, level)                                          \
	"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","      \
	"\"id\":\"" id "\",\"created\":\"2022-10-01T00:00:00.000Z\","     \
	"\"name\":\"" name "\",\"extensions\":{\"" TLP_EXT "\":"          \
	"{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"" level \
	"\"}}}"

#define ID_CLEAR "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define ID_GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define ID_AMBER "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define ID_AMBER_STRICT \
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
#define ID_RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

static const struct {
	const char *name, *id, *label, *object;
} tlps[] = {
	[CTI_TLP_CLEAR] = {"clear", ID_CLEAR, "TLP:CLEAR",
			   TLP_OBJ(ID_CLEAR, "TLP:CLEAR", "clear")},
	[CTI_TLP_GREEN] = {"green", ID_GREEN, "TLP:GREEN",
			   TLP_OBJ(ID_GREEN, "TLP:GREEN", "green")},
	[CTI_TLP_AMBER] = {"amber", ID_AMBER, "TLP:AMBER",
			   TLP_OBJ(ID_AMBER, "TLP:AMBER", "amber")},
	[CTI_TLP_AMBER_STRICT] = {"amber+strict", ID_AMBER_STRICT,
				  "TLP:AMBER+STRICT",
				  TLP_OBJ(ID_AMBER_STRICT, "TLP:AMBER+STRICT",
					  "amber+strict")},
	[CTI_TLP_RED] = {"red", ID_RED, "TLP:RED",
			 TLP_OBJ(ID_RED, "TLP:RED", "red")},
};

static int
ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = *a >= 'A' && *a <= 'Z' ? *a | 0x20 : *a;

		if (x != *b)
			return 0;
	}
	return *a == *b;
}

enum cti_tlp
cti_tlp_parse(const char *name)
{
	size_t i;

	if (!name)
		return CTI_TLP_NONE;
	if (!strncasecmp(name, "tlp:", 4))
		name += 4;
	/* TLP 2.0 renamed WHITE to CLEAR */
	if (ieq(name, "white"))
		return CTI_TLP_CLEAR;
	for (i = 1; i < CTI_ARRAY_LEN(tlps); i++)
		if (ieq(name, tlps[i].name))
			return (enum cti_tlp)i;
	return CTI_TLP_NONE;
}

/*
 * The TLP 1.0 marking definitions of STIX 2.1 (section 7.2.1.4). TLP 1.0
 * AMBER allowed sharing inside the recipient's organisation only, which
 * TLP 2.0 calls AMBER+STRICT.
 */
static const struct {
	const char *id;
	enum cti_tlp level;
} tlp1[] = {
	{ "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	  CTI_TLP_CLEAR },
	{ "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5a41da",
	  CTI_TLP_GREEN },
	{ "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	  CTI_TLP_AMBER_STRICT },
	{ "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
	  CTI_TLP_RED },
};

const char *
cti_tlp_id(enum cti_tlp t)
{
	if (t <= CTI_TLP_NONE || (unsigned)t >= CTI_ARRAY_LEN(tlps))
		return NULL;
	return tlps[t].id;
}

enum cti_tlp
cti_tlp_from_id(const char *id)
{
	size_t i;

	if (!id)
		return CTI_TLP_NONE;
	for (i = 1; i < CTI_ARRAY_LEN(tlps); i++)
		if (!strcmp(id, tlps[i].id))
			return (enum cti_tlp)i;
	for (i = 0; i < CTI_ARRAY_LEN(tlp1); i++)
		if (!strcmp(id, tlp1[i].id))
			return tlp1[i].level;
	return CTI_TLP_NONE;
}

const char *
cti_tlp_label(enum cti_tlp t)
{
	if (t <= CTI_TLP_NONE || (unsigned)t >= CTI_ARRAY_LEN(tlps))
		return NULL;
	return tlps[t].label;
}

const char *
cti_tlp_object(enum cti_tlp t)
{
	if (t <= CTI_TLP_NONE || (unsigned)t >= CTI_ARRAY_LEN(tlps))
		return NULL;
	return tlps[t].object;
}

/* ------------------------------------------------------------ scan */

/*
 * The scan's rules. A marking reference is a JSON string whose value is a
 * marking-definition id: unescaped, its text is '"' NEEDLE UUID '"'. So
 * every such string of the payload is looked at:
 *   - the value of an "id" member is a definition: passed over when it is
 *     a TLP id (cti_tlp_from_id(): its level is known), else noted;
 *   - any other TLP id counts with its level;
 *   - any other id is noted as referenced: one that the payload also
 *     defines may be a TLP level of the producer's own, which only a
 *     reading of the object can tell (cti__tlpscan_end() says unsure),
 *     one it does not define marks nothing a reader can know;
 *   - anything that only starts like an id (another length, an escape
 *     in it) makes the scan unsure.
 * A \u escape that stands for a character an id is written with (ASCII
 * letters, digits, '-') could hide a reference from these rules, so it
 * makes the scan unsure too; escapes of other characters cannot.
 */
#define SCAN_NEEDLE "marking-definition--"
#define SCAN_NEEDLE_LEN (sizeof(SCAN_NEEDLE) - 1)
#define SCAN_ID_LEN (SCAN_NEEDLE_LEN + 36)
#define SCAN_MATCH (SCAN_ID_LEN + 2)	/* with its quotes */
#define SCAN_ESC 6			/* \uXXXX */

/* Whether the quote at q (window from w) opens the value of an "id"
 * member: 1 yes, 0 no, -1 the window does not reach back far enough. */
static int
is_id_value(const char *w, const char *q)
{
	const char *p = q;
	int colon = 0;

	while (p > w) {
		char c = *--p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == ':' && !colon) {
			colon = 1;
			continue;
		}
		if (!colon)
			return 0;
		if (p - w < 3)
			return -1;
		return memcmp(p - 3, "\"id\"", 4) == 0;
	}
	return -1;
}

/* Note the UUID of id in the set ids (n of them), once. */
static void
note(struct cti__tlpscan *t, char (*ids)[37], size_t *n, const char *id)
{
	const char *u = id + SCAN_NEEDLE_LEN;

	for (size_t i = 0; i < *n; i++)
		if (memcmp(ids[i], u, 36) == 0)
			return;
	if (*n == CTI__TLPSCAN_IDS) {
		t->unsure = 1;
		return;
	}
	memcpy(ids[*n], u, 36);
	ids[(*n)++][36] = '\0';
}

/* Look at the matches in w..end that start in [from, to). */
static void
scan_window(struct cti__tlpscan *t, const char *w, const char *end,
	    const char *from, const char *to)
{
	const char *q;
	char id[SCAN_ID_LEN + 1];

	for (q = from; q < to &&
	     (q = memmem(q, (size_t)(end - q), SCAN_NEEDLE, SCAN_NEEDLE_LEN)) &&
	     q < to; q += SCAN_NEEDLE_LEN) {
		enum cti_tlp l;
		int def;

		if (q == w || q[-1] != '"')
			continue; /* not the start of a string */
		if (end - q < (ptrdiff_t)SCAN_ID_LEN + 1)
			break;	  /* cut: the next window has it whole */
		memcpy(id, q, SCAN_ID_LEN);
		id[SCAN_ID_LEN] = '\0';
		if (q[SCAN_ID_LEN] != '"' ||
		    memchr(id, '\\', SCAN_ID_LEN)) {
			t->unsure = 1;
			continue;
		}
		l = cti_tlp_from_id(id);
		if ((def = is_id_value(w, q - 1)) < 0)
			t->unsure = 1;	/* and counted, as if a reference */
		if (def > 0) {
			if (l == CTI_TLP_NONE)
				note(t, t->defs, &t->ndefs, id);
		} else if (l == CTI_TLP_NONE) {
			note(t, t->refs, &t->nrefs, id);
		} else if (l > t->max) {
			t->max = l;
		}
	}
	for (q = from; !t->unsure && q < to &&
	     (q = memmem(q, (size_t)(end - q), "\\u", 2)) && q < to; q += 2) {
		int v = 0;

		if (end - q < SCAN_ESC)
			break;
		for (int i = 2; i < SCAN_ESC && v >= 0; i++)
			v = cti__hexval(q[i]) < 0 ? -1 : v * 16 + cti__hexval(q[i]);
		if (v == '-' || (v >= '0' && v <= '9') || (v >= 'a' && v <= 'z') ||
		    (v >= 'A' && v <= 'Z'))
			t->unsure = 1;
	}
}

void
cti__tlpscan_feed(struct cti__tlpscan *t, const void *buf, size_t n)
{
	const char *p = buf;
	char j[sizeof(t->carry) + CTI__TLPSCAN_CTX + SCAN_MATCH];
	size_t head = n < CTI__TLPSCAN_CTX + SCAN_MATCH ?
			      n : CTI__TLPSCAN_CTX + SCAN_MATCH;
	size_t keep;

	/* what straddles the previous bytes and these, and what starts
	 * near the beginning of these (its context is in the carry) */
	memcpy(j, t->carry, t->carry_len);
	memcpy(j + t->carry_len, p, head);
	scan_window(t, j, j + t->carry_len + head,
		    j + (t->carry_len > SCAN_MATCH ? t->carry_len - SCAN_MATCH :
						     0),
		    j + t->carry_len + (head < CTI__TLPSCAN_CTX ?
						head : CTI__TLPSCAN_CTX));
	if (n > CTI__TLPSCAN_CTX)
		scan_window(t, p, p + n, p + CTI__TLPSCAN_CTX, p + n);
	/* the last bytes, for the next call */
	if (n >= sizeof(t->carry)) {
		memcpy(t->carry, p + n - sizeof(t->carry), sizeof(t->carry));
		t->carry_len = sizeof(t->carry);
	} else {
		keep = t->carry_len + n > sizeof(t->carry) ?
			       sizeof(t->carry) - n : t->carry_len;
		memmove(t->carry, t->carry + t->carry_len - keep, keep);
		memcpy(t->carry + keep, p, n);
		t->carry_len = keep + n;
	}
}

void
cti__tlpscan_end(struct cti__tlpscan *t)
{
	const char *end = t->carry + t->carry_len, *q = t->carry;

	/* a string at the very end, too short to be an id */
	while ((q = memmem(q, (size_t)(end - q), SCAN_NEEDLE, SCAN_NEEDLE_LEN))) {
		if (q > t->carry && q[-1] == '"' &&
		    end - q < (ptrdiff_t)SCAN_ID_LEN + 1)
			t->unsure = 1;
		q += SCAN_NEEDLE_LEN;
	}
	for (size_t i = 0; i < t->nrefs; i++)
		for (size_t j = 0; j < t->ndefs; j++)
			if (memcmp(t->refs[i], t->defs[j], 36) == 0)
				t->unsure = 1;
}
