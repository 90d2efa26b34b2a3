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
