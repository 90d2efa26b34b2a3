/*
 * ioc.c - recognise, refang and normalise indicator values, split lines of
 * indicator lists, and turn values into STIX patterns.
 *
 * Everything here runs once per input line of `cti pack`, so it works in
 * the caller's buffers: no allocation, no regex, no locale.
 */
#include <string.h>

#include "internal.h"

static const char *const type_names[] = {
	[CTI_IOC_IPV4] = "ipv4",	   [CTI_IOC_IPV6] = "ipv6",
	[CTI_IOC_IPV4_CIDR] = "ipv4-cidr", [CTI_IOC_IPV6_CIDR] = "ipv6-cidr",
	[CTI_IOC_DOMAIN] = "domain",	   [CTI_IOC_URL] = "url",
	[CTI_IOC_EMAIL] = "email",	   [CTI_IOC_MD5] = "md5",
	[CTI_IOC_SHA1] = "sha1",	   [CTI_IOC_SHA256] = "sha256",
	[CTI_IOC_SHA512] = "sha512",
};

/* Other spellings seen in CSV "type" columns: STIX names, hash names. */
static const struct {
	const char *name;
	enum cti_ioc_type type;
} type_aliases[] = {
	{"ipv4-addr", CTI_IOC_IPV4},	 {"ipv6-addr", CTI_IOC_IPV6},
	{"domain-name", CTI_IOC_DOMAIN}, {"hostname", CTI_IOC_DOMAIN},
	{"email-addr", CTI_IOC_EMAIL},	 {"sha-1", CTI_IOC_SHA1},
	{"sha-256", CTI_IOC_SHA256},	 {"sha-512", CTI_IOC_SHA512},
};

static inline int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static inline int
is_hex(int c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static inline int
hex_val(int c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static inline char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

static inline int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

const char *
cti_ioc_type_name(enum cti_ioc_type t)
{
	if ((unsigned)t >= CTI_ARRAY_LEN(type_names))
		return NULL;
	return type_names[t];
}

static int
ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return 0;
	return *a == *b;
}

enum cti_ioc_type
cti_ioc_type_parse(const char *name)
{
	size_t i;

	if (!name)
		return CTI_IOC_NONE;
	for (i = 1; i < CTI_ARRAY_LEN(type_names); i++)
		if (ascii_ieq(name, type_names[i]))
			return (enum cti_ioc_type)i;
	for (i = 0; i < CTI_ARRAY_LEN(type_aliases); i++)
		if (ascii_ieq(name, type_aliases[i].name))
			return type_aliases[i].type;
	return CTI_IOC_NONE;
}

/* ------------------------------------------------------------ lines */

/* A URL, defanged or not: "//" right after ':' or ']' ("[:]//", "[://]"). */
static int
looks_like_url(const char *s, const char *e)
{
	const char *p;

	for (p = s + 1; p + 1 < e; p++)
		if (p[0] == '/' && p[1] == '/' &&
		    (p[-1] == ':' || p[-1] == ']'))
			return 1;
	return 0;
}

/* A list bullet at p: "- ", "* ", "• " or "1. ", "12) ". Returns its
 * length without the space, 0 when there is none. */
static size_t
bullet(const char *p, const char *e)
{
	const char *q = p;

	if (*p == '-' || *p == '*')
		q = p + 1;
	else if (e - p >= 3 && !memcmp(p, "\xe2\x80\xa2", 3))
		q = p + 3;
	else {
		while (q < e && q - p < 3 && is_digit(*q))
			q++;
		if (q == p || q == e || (*q != '.' && *q != ')'))
			return 0;
		q++;
	}
	return q == e || is_space(*q) ? (size_t)(q - p) : 0;
}

/* A label before a value, as in reports: one to three words of letters,
 * digits, '-' and '_' (the first a letter), then ':' and white space
 * ("SHA256: ", "IP address: "). Returns its length with the ':', or 0. */
static size_t
label(const char *p, const char *e)
{
	const char *q = p;
	int words = 0;

	while (q < e && words < 3) {
		const char *w = q;

		if (!is_alpha(*q))
			return 0;
		while (q < e && (is_alpha(*q) || is_digit(*q) || *q == '-' ||
				 *q == '_'))
			q++;
		if (q - w > 16)
			return 0;
		words++;
		if (q < e && *q == ':')
			return q + 1 < e && is_space(q[1]) ? (size_t)(q + 1 - p)
							   : 0;
		if (q == e || *q != ' ')
			return 0;
		q++;
	}
	return 0;
}

/* "PORT" at p..e: 1 to 5 digits, at most 65535. */
static int
is_port(const char *p, const char *e)
{
	unsigned long v = 0;

	if (p == e || e - p > 5)
		return 0;
	for (; p < e; p++) {
		if (!is_digit(*p))
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return v <= 65535;
}

int
cti_ioc_split_line(struct cti_ioc_line *out, const char *line, size_t len)
{
	const char *p = line, *e = line + len, *v, *ve, *q, *colon = NULL;
	size_t k;
	int ncolon = 0;

	memset(out, 0, sizeof(*out));
	if (len >= 3 && (unsigned char)p[0] == 0xef &&
	    (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		p += 3;
	while (p < e && is_space(*p))
		p++;
	while (e > p && is_space(e[-1]))
		e--;
	if (p == e || *p == '#')
		return 0;
	if ((k = bullet(p, e))) {
		for (p += k; p < e && is_space(*p); p++)
			;
		if (p == e || *p == '#')
			return 0;
	}
	if ((k = label(p, e)))
		for (p += k; p < e && is_space(*p); p++)
			;
	v = p;
	while (p < e && !is_space(*p))
		p++;
	ve = p;
	/* URLs keep their ',' and ';'; other values end at the first one. */
	if (!looks_like_url(v, ve)) {
		for (q = v; q < ve; q++)
			if (*q == ',' || *q == ';') {
				ve = q;
				break;
			}
		p = ve;
		/* [IPv6]:port and [IPv6], host:port and "value:" */
		for (q = v; q < ve; q++)
			if (*q == ':') {
				ncolon++;
				colon = q;
			}
		if (*v == '[' && ve - v > 2) {
			q = memchr(v, ']', (size_t)(ve - v));
			if (q && q > v + 1 && memchr(v, ':', (size_t)(q - v)) &&
			    (q + 1 == ve ||
			     (q[1] == ':' && is_port(q + 2, ve)))) {
				if (q + 1 < ve) {
					out->port = q + 2;
					out->port_len = (size_t)(ve - q - 2);
				}
				v++;
				ve = q;
			}
		} else if (ncolon == 1 && colon > v) {
			if (colon + 1 == ve) {
				ve = colon;
			} else if (is_port(colon + 1, ve)) {
				out->port = colon + 1;
				out->port_len = (size_t)(ve - colon - 1);
				ve = colon;
			}
		}
	}
	while (p < e && (is_space(*p) || *p == ',' || *p == ';' || *p == '#'))
		p++;
	out->value = v;
	out->value_len = (size_t)(ve - v);
	out->rest = p;
	out->rest_len = (size_t)(e - p);
	return 1;
}

/* ------------------------------------------------------------ refanging */

static inline int
ieq_n(const char *s, const char *lit, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower(s[i]) != lit[i])
			return 0;
	return 1;
}

/*
 * Undo the usual defanging into o (which has room for n bytes): "hxxp" and
 * "hxxps" at the start (any case), and inside [], () or {}: ".", "dot",
 * ":", "@", "at" and "://". Returns the new length, never more than n.
 */
static size_t
refang(char *o, const char *s, size_t n)
{
	size_t i = 0, j = 0, r;
	char c, close;

	if (n >= 4 && ieq_n(s, "hxxp", 4)) {
		memcpy(o, "http", 4);
		i = j = 4;
	}
	for (; i < n; i++) {
		c = s[i];
		if (CTI_LIKELY(c != '[' && c != '(' && c != '{')) {
			o[j++] = c;
			continue;
		}
		close = c == '[' ? ']' : c == '(' ? ')' : '}';
		r = n - i;
		if (r >= 3 && s[i + 2] == close &&
		    (s[i + 1] == '.' || s[i + 1] == ':' || s[i + 1] == '@')) {
			o[j++] = s[i + 1];
			i += 2;
		} else if (r >= 5 && s[i + 4] == close &&
			   ieq_n(s + i + 1, "dot", 3)) {
			o[j++] = '.';
			i += 4;
		} else if (r >= 4 && s[i + 3] == close &&
			   ieq_n(s + i + 1, "at", 2)) {
			o[j++] = '@';
			i += 3;
		} else if (r >= 5 && s[i + 4] == close &&
			   !memcmp(s + i + 1, "://", 3)) {
			memcpy(o + j, "://", 3);
			j += 3;
			i += 4;
		} else {
			o[j++] = c;
		}
	}
	return j;
}

/* ------------------------------------------------------------ addresses */

/*
 * Dotted-quad IPv4, exactly s[0..n). Octets with a leading zero ("010") are
 * refused: inet_aton() reads them as octal, other tools as decimal, so the
 * value is ambiguous and normalising it either way could name the wrong
 * host.
 */
static int
parse_ipv4(unsigned char a[4], const char *s, size_t n)
{
	size_t i = 0, st;
	unsigned v;
	int k;

	for (k = 0; k < 4; k++) {
		if (k) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		st = i;
		v = 0;
		while (i < n && is_digit(s[i]) && i - st < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == st || i - st > 3 || v > 255 ||
		    (i - st > 1 && s[st] == '0'))
			return -1;
		a[k] = (unsigned char)v;
	}
	return i == n ? 0 : -1;
}

/* A CIDR prefix length, decimal without leading zeros, at most max. */
static int
parse_prefix(const char *s, size_t n, unsigned max)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= max ? (int)v : -1;
}

/* Any RFC 4291 section 2.2 text form, exactly s[0..n). No zone ids. */
static int
parse_ipv6(unsigned char a[16], const char *s, size_t n)
{
	unsigned g[8], v;
	int ng = 0, dc = -1, k;
	size_t i = 0, st;
	unsigned char q[4];

	if (n < 2)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		dc = 0;
		i = 2;
		if (i == n)
			goto done;
	}
	for (;;) {
		st = i;
		v = 0;
		while (i < n && is_hex(s[i]) && i - st < 5)
			v = v << 4 | (unsigned)hex_val(s[i++]);
		if (i == st)
			return -1;
		if (i < n && s[i] == '.') {
			if (ng > 6 || parse_ipv4(q, s + st, n - st))
				return -1;
			g[ng++] = (unsigned)q[0] << 8 | q[1];
			g[ng++] = (unsigned)q[2] << 8 | q[3];
			break;
		}
		if (i - st > 4 || ng == 8)
			return -1;
		g[ng++] = v;
		if (i == n)
			break;
		if (s[i++] != ':' || i == n)
			return -1;
		if (s[i] == ':') {
			if (dc >= 0)
				return -1;
			dc = ng;
			if (++i == n)
				break;
		}
	}
done:
	if (dc < 0 ? ng != 8 : ng > 7)
		return -1;
	memset(a, 0, 16);
	for (k = 0; k < ng; k++) {
		int pos = dc >= 0 && k >= dc ? k + 8 - ng : k;

		a[2 * pos] = (unsigned char)(g[k] >> 8);
		a[2 * pos + 1] = (unsigned char)g[k];
	}
	return 0;
}

/* RFC 5952 text: lower case, no leading zeros, the longest run of two or
 * more zero groups (the first of equals) as "::", and IPv4-mapped
 * addresses in mixed notation (section 5). o: at least 46 bytes. */
static size_t
format_ipv6(char *o, const unsigned char a[16])
{
	static const char hx[] = "0123456789abcdef";
	unsigned g[8];
	int best = -1, bestlen = 1, run, k, sh, started;
	size_t j = 0;

	for (k = 0; k < 8; k++)
		g[k] = (unsigned)a[2 * k] << 8 | a[2 * k + 1];
	for (k = 0; k < 8; k += run ? run : 1) {
		for (run = 0; k + run < 8 && g[k + run] == 0; run++)
			;
		if (run > bestlen) {
			best = k;
			bestlen = run;
		}
	}
	if (best == 0 && bestlen == 5 && g[5] == 0xffff) {
		unsigned char q[4] = {a[12], a[13], a[14], a[15]};

		memcpy(o, "::ffff:", 7);
		j = 7;
		for (k = 0; k < 4; k++) {
			if (k)
				o[j++] = '.';
			if (q[k] >= 100)
				o[j++] = (char)('0' + q[k] / 100);
			if (q[k] >= 10)
				o[j++] = (char)('0' + q[k] / 10 % 10);
			o[j++] = (char)('0' + q[k] % 10);
		}
		return j;
	}
	for (k = 0; k < 8; k++) {
		if (k == best) {
			o[j++] = ':';
			o[j++] = ':';
			k += bestlen - 1;
			continue;
		}
		if (k && k != best + bestlen)
			o[j++] = ':';
		started = 0;
		for (sh = 12; sh >= 0; sh -= 4) {
			unsigned d = g[k] >> sh & 15;

			if (d || started || sh == 0) {
				o[j++] = hx[d];
				started = 1;
			}
		}
	}
	return j;
}

/* ------------------------------------------------------------ names */

/*
 * A DNS name of s[0..n) (no trailing dot): LDH labels of 1-63 bytes, not
 * starting or ending with '-', 253 bytes at most, two labels or more.
 * Underscores are accepted below the top-level domain: they are valid in
 * DNS names and malicious hosts use them ("a_b.duckdns.org"). The TLD is
 * letters only or an IDNA A-label ("xn--p1ai"), so "1.2.3.4.5", "a.mp3"
 * and other numeric or file-like tails are no domains. Lower-cases s in
 * place. Internationalised (non-ASCII) names must come as A-labels.
 */
static int
check_domain(char *s, size_t n)
{
	size_t i, ls = 0, tld = 0;
	int labels = 0;
	char c;

	if (n == 0 || n > 253)
		return -1;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == ls || i - ls > 63 || s[ls] == '-' ||
			    s[i - 1] == '-')
				return -1;
			labels++;
			tld = ls;
			ls = i + 1;
			continue;
		}
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			s[i] = (char)(c | 0x20);
		else if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_'))
			return -1;
	}
	if (labels < 2)
		return -1;
	if (n - tld >= 5 && !memcmp(s + tld, "xn--", 4)) {
		for (i = tld; i < n; i++)
			if (s[i] == '_')
				return -1;
		return 0;
	}
	if (n - tld < 2)
		return -1;
	for (i = tld; i < n; i++)
		if (!is_alpha(s[i]))
			return -1;
	return 0;
}

/* RFC 5322 atext */
static inline int
is_atext(int c)
{
	return is_alpha(c) || is_digit(c) ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* local@domain, dot-atom local part of 64 bytes at most; lower-cases the
 * domain, not the local part (which RFC 5321 leaves case-sensitive). */
static int
check_email(char *s, size_t n)
{
	char *at = memchr(s, '@', n);
	size_t ll, i;

	if (!at || n > 254)
		return -1;
	ll = (size_t)(at - s);
	if (ll == 0 || ll > 64 || s[0] == '.' || s[ll - 1] == '.')
		return -1;
	for (i = 0; i < ll; i++) {
		if (s[i] == '.' ? s[i + 1] == '.'
				: !is_atext((unsigned char)s[i]))
			return -1;
	}
	return check_domain(at + 1, n - ll - 1);
}

/*
 * scheme://[userinfo@]host[:port][/path][?query][#fragment]. The scheme is
 * any RFC 3986 scheme; the host a domain, a dotted quad or a bracketed IPv6
 * address. Scheme and host are lower-cased in place. No spaces or control
 * characters anywhere; non-ASCII bytes must be valid UTF-8.
 */
static int
check_url(char *s, size_t n)
{
	size_t i, hs, he, as, ae, k;
	unsigned char a[16];
	unsigned long port;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f)
			return -1;
		if (c >= 0x80) {
			if (cti__utf8_check((const unsigned char *)s, n) != n)
				return -1;
			break;
		}
	}
	if (!is_alpha(s[0]))
		return -1;
	for (i = 0; i < n && s[i] != ':'; i++) {
		if (!(is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' ||
		      s[i] == '-' || s[i] == '.'))
			return -1;
		s[i] = lower(s[i]);
	}
	if (n - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
		return -1;
	as = i + 3;
	for (ae = as; ae < n && s[ae] != '/' && s[ae] != '?' && s[ae] != '#';
	     ae++)
		;
	hs = as;
	for (k = as; k < ae; k++)
		if (s[k] == '@')
			hs = k + 1;
	if (hs < ae && s[hs] == '[') {
		for (he = hs + 1; he < ae && s[he] != ']'; he++)
			s[he] = lower(s[he]);
		if (he == ae || parse_ipv6(a, s + hs + 1, he - hs - 1))
			return -1;
		he++;
	} else {
		for (he = hs; he < ae && s[he] != ':'; he++)
			;
		k = he;
		if (k > hs && s[k - 1] == '.')
			k--;
		if (k == hs)
			return -1;
		if (is_digit(s[k - 1])) {
			if (parse_ipv4(a, s + hs, k - hs))
				return -1;
		} else if (check_domain(s + hs, k - hs)) {
			return -1;
		}
	}
	if (he < ae) {
		if (s[he] != ':' || ae - he > 6)
			return -1;
		port = 0;
		for (k = he + 1; k < ae; k++) {
			if (!is_digit(s[k]))
				return -1;
			port = port * 10 + (unsigned long)(s[k] - '0');
		}
		if (port > 65535)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ classify */

enum cti_ioc_type
cti_ioc_classify(char *out, size_t size, const char *value, size_t len)
{
	char v6[64];
	unsigned char a[16];
	size_t n, i, slash, m;
	int all_hex = 1, all_v4 = 1, colon = 0, at = 0, pfx;
	enum cti_ioc_type t;

	if (!out || size < len + 1 || !value || len == 0)
		return CTI_IOC_NONE;
	n = refang(out, value, len);
	out[n] = '\0';
	if (n == 0)
		return CTI_IOC_NONE;
	slash = n;
	for (i = 0; i < n; i++) {
		char c = out[i];

		if (!is_hex(c)) {
			all_hex = 0;
			if (c == ':')
				colon = 1;
			else if (c == '@')
				at = 1;
			else if (c == '/' && slash == n)
				slash = i;
			if (c != '.' && c != '/')
				all_v4 = 0;
		} else if (!is_digit(c)) {
			all_v4 = 0;
		}
	}
	if (colon && looks_like_url(out, out + n))
		return check_url(out, n) ? CTI_IOC_NONE : CTI_IOC_URL;
	if (at)
		return check_email(out, n) ? CTI_IOC_NONE : CTI_IOC_EMAIL;
	if (colon) {
		m = slash;
		if (parse_ipv6(a, out, m))
			return CTI_IOC_NONE;
		t = CTI_IOC_IPV6;
		i = format_ipv6(v6, a);
		if (slash < n) {
			if ((pfx = parse_prefix(out + m + 1, n - m - 1, 128)) <
			    0)
				return CTI_IOC_NONE;
			/* the prefix is copied as it is: already canonical */
			memcpy(v6 + i, out + m, n - m);
			i += n - m;
			t = CTI_IOC_IPV6_CIDR;
		}
		/* "1:2:3:4:5:6::8" gains a byte as "1:2:3:4:5:6:0:8" */
		if (i + 1 > size)
			return CTI_IOC_NONE;
		memcpy(out, v6, i);
		out[i] = '\0';
		return t;
	}
	if (all_hex) {
		switch (n) {
		case 32:
			t = CTI_IOC_MD5;
			break;
		case 40:
			t = CTI_IOC_SHA1;
			break;
		case 64:
			t = CTI_IOC_SHA256;
			break;
		case 128:
			t = CTI_IOC_SHA512;
			break;
		default:
			return CTI_IOC_NONE;
		}
		for (i = 0; i < n; i++)
			out[i] = lower(out[i]);
		return t;
	}
	if (all_v4) {
		m = slash;
		if (parse_ipv4(a, out, m))
			return CTI_IOC_NONE;
		if (slash == n)
			return CTI_IOC_IPV4;
		if (parse_prefix(out + m + 1, n - m - 1, 32) < 0)
			return CTI_IOC_NONE;
		return CTI_IOC_IPV4_CIDR;
	}
	if (n > 1 && out[n - 1] == '.')
		out[--n] = '\0';
	return check_domain(out, n) ? CTI_IOC_NONE : CTI_IOC_DOMAIN;
}

/* ------------------------------------------------------------ patterns */

static const struct {
	const char *s;
	size_t n;
} pattern_pre[] = {
#define P(s)                     \
	{                        \
		s, sizeof(s) - 1 \
	}
	[CTI_IOC_IPV4] = P("[ipv4-addr:value = '"),
	[CTI_IOC_IPV6] = P("[ipv6-addr:value = '"),
	[CTI_IOC_IPV4_CIDR] = P("[ipv4-addr:value = '"),
	[CTI_IOC_IPV6_CIDR] = P("[ipv6-addr:value = '"),
	[CTI_IOC_DOMAIN] = P("[domain-name:value = '"),
	[CTI_IOC_URL] = P("[url:value = '"),
	[CTI_IOC_EMAIL] = P("[email-addr:value = '"),
	[CTI_IOC_MD5] = P("[file:hashes.MD5 = '"),
	[CTI_IOC_SHA1] = P("[file:hashes.'SHA-1' = '"),
	[CTI_IOC_SHA256] = P("[file:hashes.'SHA-256' = '"),
	[CTI_IOC_SHA512] = P("[file:hashes.'SHA-512' = '"),
#undef P
};

int
cti_ioc_pattern(char *out, size_t size, enum cti_ioc_type t, const char *value)
{
	size_t j, pl;
	const char *p;

	if (t <= CTI_IOC_NONE || (unsigned)t >= CTI_ARRAY_LEN(pattern_pre) ||
	    !out || !value)
		return cti__seterr(CTI_EINVAL, "no pattern for this value");
	pl = pattern_pre[t].n;
	if (size < pl + 3 || size > INT32_MAX)
		goto toolong;
	memcpy(out, pattern_pre[t].s, pl);
	j = pl;
	/* keep room for "']" and the NUL */
	for (p = value; *p; p++) {
		if (*p == '\'' || *p == '\\') {
			if (size - j < 5)
				goto toolong;
			out[j++] = '\\';
		} else if (size - j < 4) {
			goto toolong;
		}
		out[j++] = *p;
	}
	out[j++] = '\'';
	out[j++] = ']';
	out[j] = '\0';
	return (int)j;
toolong:
	return cti__seterr(CTI_ELIMIT, "pattern longer than %zu bytes", size);
}
