/*
 * show.c - cti show: what a bundle file holds, without trusting it.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] = "usage: cti show [--json | --objects] FILE\n";

/* distinct values tracked per table; beyond that they are counted as one */
#define MAX_KEYS 10000

struct tally {
	char **key;
	unsigned long long *n;
	size_t len;
	unsigned long long other;
};

/* sort keys (and their counts) for stable output */
static void
tally_sort(struct tally *t)
{
	for (size_t i = 1; i < t->len; i++) {
		char *k = t->key[i];
		unsigned long long n = t->n[i];
		size_t j = i;

		for (; j > 0 && strcmp(t->key[j - 1], k) > 0; j--) {
			t->key[j] = t->key[j - 1];
			t->n[j] = t->n[j - 1];
		}
		t->key[j] = k;
		t->n[j] = n;
	}
}

static void
tally_add(struct tally *t, const char *key)
{
	char **k;
	unsigned long long *n;

	for (size_t i = 0; i < t->len; i++) {
		if (strcmp(t->key[i], key) == 0) {
			t->n[i]++;
			return;
		}
	}
	if (t->len >= MAX_KEYS ||
	    !(k = realloc(t->key, (t->len + 1) * sizeof(*k)))) {
		t->other++;
		return;
	}
	t->key = k;
	if (!(n = realloc(t->n, (t->len + 1) * sizeof(*n)))) {
		t->other++;
		return;
	}
	t->n = n;
	if (!(t->key[t->len] = strdup(key))) {
		t->other++;
		return;
	}
	t->n[t->len++] = 1;
}

static void
tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->len; i++)
		free(t->key[i]);
	free(t->key);
	free(t->n);
}

/* signature key ids listed on the summary line; the count is exact */
#define MAX_SIGS 64

struct summary {
	struct tally types, tlp, refs;
	cJSON *identities; /* id -> name */
	unsigned long long objects;
	size_t nsig;
	struct cti_sig_info *sig; /* what the signatures say, unverified */
};

static void
look_at(struct summary *s, const struct cti_object *obj)
{
	cJSON *o, *v, *e;

	s->objects++;
	tally_add(&s->types, obj->type);
	if (!(o = cJSON_ParseWithLength(obj->json, obj->len)))
		return;
	if (strcmp(obj->type, "identity") == 0 &&
	    cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(o, "name")) &&
	    !cJSON_GetObjectItemCaseSensitive(s->identities, obj->id) &&
	    cJSON_GetArraySize(s->identities) < MAX_KEYS)
		cJSON_AddStringToObject(s->identities, obj->id, v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "created_by_ref");
	if (cJSON_IsString(v))
		tally_add(&s->refs, v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "object_marking_refs");
	cJSON_ArrayForEach(e, v) {
		enum cti_tlp t;

		if (cJSON_IsString(e) &&
		    (t = cti_tlp_from_id(e->valuestring)) != CTI_TLP_NONE)
			tally_add(&s->tlp, cti_tlp_label(t));
	}
	cJSON_Delete(o);
}

static const char *
producer_name(struct summary *s, const char *ref)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(s->identities, ref);

	return cJSON_IsString(n) ? n->valuestring : ref;
}

static int
print_text(struct summary *s, const char *file, cti_reader *r)
{
	unsigned long long raw = cti_reader_raw_bytes(r);
	unsigned long long json = cti_reader_json_bytes(r);
	const char *spec = cti_reader_bundle_spec(r);
	const char *id = cti_reader_bundle_id(r);

	printf("file:        %s\n", file);
	printf("format:      %s%s\n", cti_reader_is_gzip(r) ? "gzip, " : "",
	       cti_reader_layout(r) == CTI_LAYOUT_BUNDLE ? "STIX bundle" :
	       cti_reader_layout(r) == CTI_LAYOUT_ARRAY ? "JSON array" :
	       cti_reader_layout(r) == CTI_LAYOUT_LINES ? "JSON Lines" :
							   "one object");
	if (spec)
		printf("spec:        STIX %s\n", spec);
	if (id)
		printf("bundle id:   %s\n", id);
	if (cti_reader_is_gzip(r))
		printf("size:        %llu bytes compressed, %llu bytes JSON\n",
		       raw, json);
	else
		printf("size:        %llu bytes JSON\n", json);
	printf("objects:     %llu\n", s->objects);
	for (size_t i = 0; i < s->types.len; i++)
		printf("  %-30s %llu\n", s->types.key[i], s->types.n[i]);
	if (s->types.other)
		printf("  %-30s %llu\n", "(other types)", s->types.other);
	printf("producers:  ");
	if (!s->refs.len)
		printf(" (none named)");
	for (size_t i = 0; i < s->refs.len; i++)
		printf(" %s%s", producer_name(s, s->refs.key[i]),
		       i + 1 < s->refs.len ? "," : "");
	printf("\nmarkings:   ");
	if (!s->tlp.len)
		printf(" (no TLP marking)");
	for (size_t i = 0; i < s->tlp.len; i++)
		printf(" %s (%llu objects)%s", s->tlp.key[i], s->tlp.n[i],
		       i + 1 < s->tlp.len ? "," : "");
	printf("\nsignatures:  %zu embedded", s->nsig);
	for (size_t i = 0; i < s->nsig && i < MAX_SIGS; i++) {
		char kid[17];

		printf("%s%s", i ? ", " : " (key ",
		       cti_keyid_format(kid, s->sig[i].keyid));
	}
	if (s->nsig)
		printf("%s), not verified: see cti verify",
		       s->nsig > MAX_SIGS ? ", ..." : "");
	putchar('\n');
	/* what each says it signed: claims until cti verify checks them */
	for (size_t i = 0; i < s->nsig; i++) {
		const struct cti_sig_info *g = &s->sig[i];
		char kid[17], t[32];

		printf("  key %s%s (unverified):",
		       cti_keyid_format(kid, g->keyid),
		       g->legacy ? " legacy" : "");
		if (g->malformed) {
			puts(" malformed trusted comment");
			continue;
		}
		if (g->timestamp >= 0)
			printf(" timestamp %s",
			       cti_format_time(t, sizeof(t), g->timestamp));
		if (g->feed) {
			fputs(" feed ", stdout);
			cmd_put_clean(stdout, g->feed);
		}
		if (g->seq >= 0)
			printf(" seq %lld", (long long)g->seq);
		printf(" expires %s\n",
		       g->expires ? cti_format_time(t, sizeof(t), g->expires) :
				    "never");
	}
	return 0;
}

/* o as one line on stdout, then freed; the exit status. */
static int
put_json(cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (!text) {
		cmd_msg("out of memory");
		return 4;
	}
	puts(text);
	free(text);
	return 0;
}

static void
add_num_or_null(cJSON *o, const char *k, int64_t v, int present)
{
	if (present)
		cJSON_AddNumberToObject(o, k, (double)v);
	else
		cJSON_AddNullToObject(o, k);
}

static void
add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static int
print_json(struct summary *s, const char *file, cti_reader *r)
{
	cJSON *o = cJSON_CreateObject(), *t, *a;

	cJSON_AddStringToObject(o, "file", file);
	cJSON_AddBoolToObject(o, "gzip", cti_reader_is_gzip(r));
	if (cti_reader_bundle_id(r))
		cJSON_AddStringToObject(o, "bundle_id", cti_reader_bundle_id(r));
	if (cti_reader_bundle_spec(r))
		cJSON_AddStringToObject(o, "spec_version",
					cti_reader_bundle_spec(r));
	cJSON_AddNumberToObject(o, "bytes", (double)cti_reader_raw_bytes(r));
	cJSON_AddNumberToObject(o, "json_bytes",
				(double)cti_reader_json_bytes(r));
	cJSON_AddNumberToObject(o, "objects", (double)s->objects);
	t = cJSON_AddObjectToObject(o, "types");
	for (size_t i = 0; i < s->types.len; i++)
		cJSON_AddNumberToObject(t, s->types.key[i],
					(double)s->types.n[i]);
	a = cJSON_AddArrayToObject(o, "producers");
	for (size_t i = 0; i < s->refs.len; i++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddStringToObject(p, "id", s->refs.key[i]);
		if (producer_name(s, s->refs.key[i]) != s->refs.key[i])
			cJSON_AddStringToObject(p, "name",
				producer_name(s, s->refs.key[i]));
		cJSON_AddItemToArray(a, p);
	}
	t = cJSON_AddObjectToObject(o, "tlp");
	for (size_t i = 0; i < s->tlp.len; i++)
		cJSON_AddNumberToObject(t, s->tlp.key[i], (double)s->tlp.n[i]);
	/* present, not verified */
	cJSON_AddNumberToObject(o, "signatures", (double)s->nsig);
	a = cJSON_AddArrayToObject(o, "signature_key_ids");
	for (size_t i = 0; i < s->nsig; i++) {
		char id[17];

		cJSON_AddItemToArray(a, cJSON_CreateString(
			cti_keyid_format(id, s->sig[i].keyid)));
	}
	a = cJSON_AddArrayToObject(o, "embedded_signatures");
	for (size_t i = 0; i < s->nsig; i++) {
		const struct cti_sig_info *g = &s->sig[i];
		cJSON *e = cJSON_CreateObject();
		char id[17];

		cJSON_AddStringToObject(e, "key",
					cti_keyid_format(id, g->keyid));
		cJSON_AddBoolToObject(e, "verified", 0);
		cJSON_AddBoolToObject(e, "legacy", g->legacy);
		cJSON_AddBoolToObject(e, "malformed", g->malformed);
		cJSON_AddStringToObject(e, "trusted_comment",
					g->trusted_comment);
		add_num_or_null(e, "timestamp", g->timestamp, g->timestamp >= 0);
		add_str_or_null(e, "feed", g->feed);
		add_num_or_null(e, "seq", g->seq, g->seq >= 0);
		add_num_or_null(e, "expires", g->expires, g->expires > 0);
		cJSON_AddItemToArray(a, e);
	}
	return put_json(o);
}

/* enough for any gzip header the extra field of which, signatures and
 * all, is at most 64 KiB, and what the reader takes as a prefix */
#define HEAD (128u << 10)

static ssize_t
read_head(int fd, unsigned char *p, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t r = read(fd, p + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static const char key_magic[] = "untrusted comment: ";

/*
 * A minisign public key file (or a keyring of several): each key's id,
 * comment, the key itself and its fingerprint, which a receiver compares
 * with what the sender reads out of their own copy. head holds the first
 * n bytes of fd.
 */
static int
show_keys(const char *file, const char *name, const unsigned char *head,
	  size_t n, int fd, int json)
{
	struct { char *p; size_t len; } t = { NULL, 0 };
	struct cti_key_info k;
	cti_keyring *kr = NULL;
	cJSON *o = NULL, *a = NULL;
	int rc;

	/* the rest of a file larger than the head */
	if (!(t.p = malloc(n + 1))) {
		cmd_msg("out of memory");
		return 4;
	}
	memcpy(t.p, head, n);
	t.len = n;
	for (;;) {
		char buf[4096];
		ssize_t r = read_head(fd, (unsigned char *)buf, sizeof(buf));
		char *q;

		if (r < 0) {
			cmd_msg("%s: %s", name, strerror(errno));
			free(t.p);
			return 4;
		}
		if (r == 0)
			break;
		if (t.len + (size_t)r > (1u << 20)) {
			cmd_msg("%s: key file larger than 1 MiB", name);
			free(t.p);
			return 3;
		}
		if (!(q = realloc(t.p, t.len + (size_t)r + 1))) {
			cmd_msg("out of memory");
			free(t.p);
			return 4;
		}
		t.p = q;
		memcpy(t.p + t.len, buf, (size_t)r);
		t.len += (size_t)r;
	}
	if ((rc = cti_keyring_new(&kr)) ||
	    (rc = cti_keyring_add_mem(kr, t.p, t.len, name))) {
		free(t.p);
		cti_keyring_free(kr);
		return cmd_fail(rc);
	}
	free(t.p);
	if (json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", file);
		a = cJSON_AddArrayToObject(o, "keys");
	}
	for (size_t i = 0; cti_keyring_key(&k, kr, i) == CTI_OK; i++) {
		char id[17];

		cti_keyid_format(id, k.keyid);
		if (json) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(e, "key", id);
			cJSON_AddStringToObject(e, "comment", k.comment);
			cJSON_AddStringToObject(e, "public_key", k.base64);
			cJSON_AddStringToObject(e, "fingerprint",
						k.fingerprint);
			cJSON_AddItemToArray(a, e);
			continue;
		}
		if (i)
			putchar('\n');
		printf("file:        %s\n", file);
		printf("public key:  %s\n", k.base64);
		printf("key id:      %s\n", id);
		printf("comment:     %s\n", k.comment);
		printf("fingerprint: %s\n", k.fingerprint);
	}
	cti_keyring_free(kr);
	return json ? put_json(o) : 0;
}

int
cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "objects", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cti_object *obj;
	struct summary s;
	int json = 0, objects = 0, c, rc, st;
	cti_reader *r;
	const char *file, *name;
	unsigned char *head;
	ssize_t n;
	int fd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cmd_help_usage(usage);
		case 'j':
			json = 1;
			break;
		case 'O':
			objects = 1;
			break;
		default:
			return cmd_bad_option(usage, c, argv);
		}
	}
	if (json && objects)
		return cmd_usage_error(usage, "--json and --objects exclude "
				       "each other");
	if (argc - optind != 1)
		return cmd_usage_error(usage, argc == optind ? "no FILE given" :
				       "one FILE at a time");
	file = argv[optind];
	name = strcmp(file, "-") == 0 ? "standard input" : file;
	memset(&s, 0, sizeof(s));
	/* the header is read first for the signatures, then handed on */
	fd = strcmp(file, "-") == 0 ? dup(STDIN_FILENO) :
				       open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cmd_msg("%s: %s", name, strerror(errno));
		return cmd_finish(4);
	}
	if (!(head = malloc(HEAD)) || (n = read_head(fd, head, HEAD)) < 0) {
		cmd_msg("%s: %s", name, head ? strerror(errno) : "out of memory");
		free(head);
		close(fd);
		return cmd_finish(4);
	}
	if ((size_t)n >= sizeof(key_magic) - 1 &&
	    memcmp(head, key_magic, sizeof(key_magic) - 1) == 0) {
		/* a key file, not a bundle */
		st = show_keys(file, name, head, (size_t)n, fd, json);
		free(head);
		close(fd);
		return cmd_finish(st);
	}
	if (!objects &&
	    (rc = cti_signatures_read(&s.sig, &s.nsig, head, (size_t)n,
				      name))) {
		free(head);
		close(fd);
		return cmd_finish(cmd_fail(rc));
	}
	rc = cti_reader_open_fd(&r, fd, name, head, (size_t)n);
	free(head);
	if (rc) {
		close(fd);
		return cmd_finish(cmd_fail(rc));
	}
	s.identities = cJSON_CreateObject();
	while (!(rc = cti_reader_next(&obj, r)) && obj) {
		if (objects) {
			fwrite(obj->json, 1, obj->len, stdout);
			if (putchar('\n') == EOF)
				break;
		} else {
			look_at(&s, obj);
		}
	}
	if (rc)
		st = cmd_fail(rc);
	else if (objects)
		st = 0;
	else {
		tally_sort(&s.types);
		tally_sort(&s.tlp);
		tally_sort(&s.refs);
		st = json ? print_json(&s, file, r) : print_text(&s, file, r);
	}
	cti_reader_free(r);
	close(fd);
	tally_free(&s.types);
	tally_free(&s.tlp);
	tally_free(&s.refs);
	cJSON_Delete(s.identities);
	cti_signatures_free(s.sig);
	return cmd_finish(st);
}
