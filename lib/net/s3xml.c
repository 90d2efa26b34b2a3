/*
 * s3xml.c - the error document of S3 (<Error><Code>..</Code><Message>..
 * </Message>...</Error>), read by a small bounded scanner: no XML library,
 * no tree, no recursion. Only the Code and Message children of a root
 * Error element are taken; everything else (the declaration, comments,
 * processing instructions, other elements, whatever nests inside them) is
 * stepped over. What a server sends is untrusted: the values keep
 * printable ASCII only, the five predefined entities and character
 * references decoded, anything else as '?', white space runs as one space.
 */
#include <string.h>

#include "net.h"

struct scan {
	const char *p, *end;
};

static int
at(const struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0;
}

/* Move past the next occurrence of lit; 0, or -1 when there is none. */
static int
skip_past(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	for (const char *q = s->p; (size_t)(s->end - q) >= n; q++) {
		if (memcmp(q, lit, n) == 0) {
			s->p = q + n;
			return 0;
		}
	}
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == ':' || (unsigned char)c >= 0x80;
}

/* A value being collected into out (size bytes, NUL-terminated). */
struct val {
	char *out;
	size_t size, len;
	int space;		/* a blank is pending */
};

static void
put(struct val *v, char c)
{
	if (is_space(c)) {
		v->space = v->len > 0 && v->len < v->size;
		return;
	}
	/* a blank only with a character after it; what does not fit is
	   left out, from there on */
	if (v->len + 1 + (size_t)v->space >= v->size) {
		v->len = v->size;
		return;
	}
	if (v->space)
		v->out[v->len++] = ' ';
	v->space = 0;
	v->out[v->len++] = (unsigned char)c >= 0x20 &&
						   (unsigned char)c < 0x7f ?
					   c :
					   '?';
	v->out[v->len] = '\0';
}

/* An entity or character reference at s->p ('&'); its character to v. */
static void
entity(struct scan *s, struct val *v)
{
	static const struct {
		const char *name;
		char c;
	} named[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		      { "&quot;", '"' }, { "&apos;", '\'' } };
	unsigned long cp = 0;
	const char *q;
	int hex, digits = 0;

	for (size_t i = 0; i < CTI_ARRAY_LEN(named); i++) {
		if (at(s, named[i].name)) {
			put(v, named[i].c);
			s->p += strlen(named[i].name);
			return;
		}
	}
	if (!at(s, "&#")) {
		put(v, '&');
		s->p++;
		return;
	}
	q = s->p + 2;
	hex = q < s->end && *q == 'x';
	q += hex;
	for (; q < s->end && digits < 8; q++, digits++) {
		int d = hex ? cti__hexval(*q) : (*q >= '0' && *q <= '9' ? *q - '0' : -1);

		if (d < 0)
			break;
		cp = cp * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (digits == 0 || q >= s->end || *q != ';') {
		put(v, '&');
		s->p++;
		return;
	}
	put(v, cp < 0x80 ? (char)cp : '?');
	s->p = q + 1;
}

/* The text of the element whose start tag was just read, up to its end
 * tag, into v (NULL: stepped over); nested elements are stepped over too
 * (their text is not the value). -1 when the document ends first. */
static int
content(struct scan *s, struct val *v)
{
	unsigned depth = 1;

	while (s->p < s->end) {
		if (*s->p == '&') {
			if (v && depth == 1)
				entity(s, v);
			else
				s->p++;
			continue;
		}
		if (*s->p != '<') {
			if (v && depth == 1)
				put(v, *s->p);
			s->p++;
			continue;
		}
		if (at(s, "<!--")) {
			if (skip_past(s, "-->"))
				return -1;
		} else if (at(s, "<![CDATA[")) {
			const char *start = s->p + 9;

			if (skip_past(s, "]]>"))
				return -1;
			if (v && depth == 1)
				for (const char *c = start; c < s->p - 3; c++)
					put(v, *c);
		} else if (at(s, "<?") || at(s, "<!")) {
			if (skip_past(s, ">"))
				return -1;
		} else if (at(s, "</")) {
			if (skip_past(s, ">"))
				return -1;
			if (--depth == 0)
				return 0;
		} else {
			const char *gt;

			if (skip_past(s, ">"))
				return -1;
			gt = s->p - 1;
			/* <empty/> does not nest */
			if (gt[-1] != '/')
				depth++;
		}
	}
	return -1;
}

int
cti__s3_error_parse(struct cti__s3_error *e, const char *doc, size_t len)
{
	struct scan s = { doc, doc + len };
	struct val code = { e->code, sizeof(e->code), 0, 0 };
	struct val msg = { e->message, sizeof(e->message), 0, 0 };
	int have_code = 0, have_msg = 0;

	e->code[0] = e->message[0] = '\0';
	if (!doc)
		return -1;
	/* the prolog: a byte order mark, the declaration, comments */
	if (at(&s, "\xef\xbb\xbf"))
		s.p += 3;
	for (;;) {
		while (s.p < s.end && is_space(*s.p))
			s.p++;
		if (at(&s, "<?")) {
			if (skip_past(&s, "?>"))
				return -1;
		} else if (at(&s, "<!--")) {
			if (skip_past(&s, "-->"))
				return -1;
		} else {
			break;
		}
	}
	if (!at(&s, "<Error") || s.end - s.p < 7 ||
	    (s.p[6] != '>' && !is_space(s.p[6])) || skip_past(&s, ">") ||
	    s.p[-2] == '/')
		return -1;
	/* its children */
	for (;;) {
		const char *name;
		size_t n;
		struct val *v = NULL;

		while (s.p < s.end && *s.p != '<')
			s.p++;
		if (s.p >= s.end)
			break;
		if (at(&s, "</"))
			break;
		if (at(&s, "<!--")) {
			if (skip_past(&s, "-->"))
				break;
			continue;
		}
		if (at(&s, "<!") || at(&s, "<?")) {
			if (skip_past(&s, ">"))
				break;
			continue;
		}
		name = ++s.p;
		while (s.p < s.end && name_char(*s.p))
			s.p++;
		n = (size_t)(s.p - name);
		if (skip_past(&s, ">"))
			break;
		if (s.p[-2] == '/')
			continue;
		if (n == 4 && memcmp(name, "Code", 4) == 0 && !have_code)
			v = &code;
		else if (n == 7 && memcmp(name, "Message", 7) == 0 && !have_msg)
			v = &msg;
		if (content(&s, v) < 0) {
			/* a document cut short: keep what came whole */
			if (v == &code)
				e->code[0] = '\0';
			if (v == &msg)
				e->message[0] = '\0';
			break;
		}
		have_code |= v == &code;
		have_msg |= v == &msg;
	}
	/* a code is a name: letters, digits, dots */
	for (const char *c = e->code; *c; c++)
		if (!name_char(*c) || *c == ':' || *c == '-')
			e->code[0] = '\0';
	if (!have_msg)
		e->message[0] = '\0';
	return e->code[0] ? 0 : -1;
}
