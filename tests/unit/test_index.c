/*
 * test_index.c - the member walk of minified objects (members.c) and the
 * id index shared by diff and pack --base (index.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "unit.h"

/* "name=value" of every member of json, separated by '|'. */
static const char *
members(const char *json)
{
	static char out[512];
	struct cti__member m;
	size_t pos = 0, o = 0;

	out[0] = '\0';
	while (cti__json_member(&m, json, strlen(json), &pos))
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s=%.*s",
				      o ? "|" : "", (int)m.nlen, m.name,
				      (int)m.vlen, m.value);
	return out;
}

static const char *
elements(const char *json)
{
	static char out[512];
	const char *v;
	size_t pos = 0, o = 0, n;

	out[0] = '\0';
	while (cti__json_element(&v, &n, json, strlen(json), &pos))
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s",
				      o ? "|" : "", (int)n, v);
	return out;
}

static void
test_members(void)
{
	struct cti__member m;
	size_t pos = 0;

	CHECK_STR(members("{}"), "");
	CHECK_STR(members("{\"a\":1}"), "a=1");
	CHECK_STR(members("{\"a\":\"x,}\\\"]\",\"b\":[1,{\"c\":\"]\"}],"
			  "\"d\":{\"e\":[]},\"f\":true,\"g\":null,\"h\":-1.5e3}"),
		  "a=\"x,}\\\"]\"|b=[1,{\"c\":\"]\"}]|d={\"e\":[]}|f=true|"
		  "g=null|h=-1.5e3");
	/* a string ending in an escaped backslash ends there */
	CHECK_STR(members("{\"a\":\"x\\\\\",\"b\":\"\\\\\\\"\"}"),
		  "a=\"x\\\\\"|b=\"\\\\\\\"\"");
	CHECK_STR(elements("[]"), "");
	CHECK_STR(elements("[\"a\",\"b,\\\"c\",[1,2],{\"x\":[3]}]"),
		  "\"a\"|\"b,\\\"c\"|[1,2]|{\"x\":[3]}");
	CHECK(!cti__json_member(&m, "[1]", 3, &pos));
	/* an escaped name is matched decoded */
	pos = 0;
	CHECK(cti__json_member(&m, "{\"mo\\u0064ified\":1}", 19, &pos) &&
	      cti__member_is(&m, "modified") && !cti__member_is(&m, "mod"));
}

static void
test_index(void)
{
	struct cti__idx x;
	struct cti__idkey k;
	struct cti__ent *e, *f;
	char id[64], buf[128];
	uint16_t type, t2;
	int added, ok = 1;

	if (sodium_init() < 0)
		return;
	cti__idx_init(&x, 32);
	/* enough to grow the table several times */
	for (int i = 0; i < 5000 && ok; i++) {
		snprintf(id, sizeof(id),
			 "indicator--%08x-0000-4000-8000-000000000000", i);
		ok = !cti__idx_key(&x, &k, &type, id, strlen(id), "indicator",
				   9) &&
		     !cti__idx_get(&x, &e, &added, &k, id, type) && added &&
		     k.idtype == type;
		if (ok)
			e->aux = (uint32_t)i;
	}
	CHECK(ok);
	CHECK(x.n == 5000);
	for (int i = 0; i < 5000 && ok; i++) {
		snprintf(id, sizeof(id),
			 "indicator--%08x-0000-4000-8000-000000000000", i);
		ok = !cti__idx_key(&x, &k, &type, id, strlen(id), "indicator",
				   9) &&
		     (e = cti__idx_lookup(&x, &k, id)) && e->aux == (uint32_t)i &&
		     !cti__idx_get(&x, &f, &added, &k, id, type) && f == e &&
		     !added;
	}
	CHECK(ok);
	CHECK_STR(cti__idx_id_text(&x, buf, sizeof(buf), e->idtype, &e->id),
		  "indicator--00001387-0000-4000-8000-000000000000");
	/* upper case and other forms are text ids, told apart */
	CHECK(!cti__idx_key(&x, &k, &type,
			    "indicator--0000ABCD-0000-4000-8000-000000000000",
			    47, "indicator", 9) &&
	      k.idtype == CTI__TYPE_NONE);
	CHECK(!cti__idx_lookup(&x, &k,
			       "indicator--0000ABCD-0000-4000-8000-000000000000"));
	CHECK(!cti__idx_get(&x, &e, &added, &k,
			    "indicator--0000ABCD-0000-4000-8000-000000000000",
			    type) && added);
	CHECK_STR(cti__idx_id_text(&x, NULL, 0, e->idtype, &e->id),
		  "indicator--0000ABCD-0000-4000-8000-000000000000");
	/* a reference finds what was indexed, and adds no type */
	t2 = (uint16_t)x.ntypes;
	CHECK(!cti__idx_ref_key(&x, &k,
				"indicator--00000007-0000-4000-8000-000000000000",
				47) &&
	      (e = cti__idx_lookup(&x, &k,
				   "indicator--00000007-0000-4000-8000-000000000000")) &&
	      e->aux == 7);
	CHECK(!cti__idx_ref_key(&x, &k,
				"identity--00000007-0000-4000-8000-000000000000",
				46) &&
	      !cti__idx_lookup(&x, &k,
			       "identity--00000007-0000-4000-8000-000000000000") &&
	      x.ntypes == t2);
	CHECK(!cti__idx_ref_key(&x, &k,
				"indicator--0000ABCD-0000-4000-8000-000000000000",
				47) &&
	      cti__idx_lookup(&x, &k,
			      "indicator--0000ABCD-0000-4000-8000-000000000000"));
	/* an id whose type is not the object's is kept as text */
	CHECK(!cti__idx_key(&x, &k, &type,
			    "identity--00000001-0000-4000-8000-000000000000",
			    46, "indicator", 9) &&
	      k.idtype == CTI__TYPE_NONE);
	cti__idx_free(&x);
}

int
main(void)
{
	test_members();
	test_index();
	return UNIT_DONE();
}
