/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON reader of every document hull parses with spec/ (config.json,
 * `exec --process`, `update --resources`): it builds the same yajl_val tree
 * that yajl_tree_parse builds, in the caller's arena, in one pass and
 * without a malloc per value.  It alone decides what is accepted: what
 * yajl_tree_parse accepts (comments, \v and \f as white space, an
 * unterminated comment at the end), but for an unfinished string after
 * the value (yajl takes it as if it were not there) and for strings that
 * C or the kernel would read differently from the document, which yajl
 * lets through:
 *   - a NUL (\u0000), which would cut the string short;
 *   - bytes that are not UTF-8 (RFC 3629: no overlong forms, no encoded
 *     surrogates, nothing above U+10FFFF), which JSON forbids;
 *   - \u escapes of a surrogate that is not half of a pair (yajl makes
 *     one "?", or bytes that are not UTF-8).
 * Those are refused with the path to the string (JSON_STRING); for any
 * other error it says JSON_SYNTAX and yajl parses the text again only to
 * word the message. */
#include "spec/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	const char *s;
	void *(*alloc)(void *ctx, size_t size);   /* zeroed memory, NULL when out */
	void *ctx;
	struct json_error *err;   /* its path: the key or index at each depth */
	/* Values (and keys) of the arrays and objects still open, stacked. */
	yajl_val *vals;
	const char **keys;
	size_t n, cap;
	unsigned depth, max_depth;
};

static void *fail(struct jp *p, enum json_status status)
{
	p->err->status = status;
	return NULL;
}

/* After the usual white space: \v, \f and comments as yajl_tree_parse
 * allows them (one that the text ends in need not be closed). */
static void rare_ws(struct jp *p)
{
	const char *s = p->s;
	for (;;) {
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')
			s++;
		if (*s != '/')
			break;
		if (s[1] == '/') {
			s += 2 + strcspn(s + 2, "\n");
		} else if (s[1] == '*') {
			const char *end = strstr(s + 2, "*/");
			s = end ? end + 2 : s + strlen(s);
		} else {
			break;
		}
	}
	p->s = s;
}

static inline void ws(struct jp *p)
{
	const char *s = p->s;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	p->s = s;
	if (*s == '/' || *s == '\v' || *s == '\f')
		rare_ws(p);
}

static bool push(struct jp *p, const char *key, yajl_val v)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		yajl_val *vals = realloc(p->vals, cap * sizeof *vals);
		if (!vals) {
			fail(p, JSON_NOMEM);
			return false;
		}
		p->vals = vals;
		const char **keys = realloc(p->keys, cap * sizeof *keys);
		if (!keys) {
			fail(p, JSON_NOMEM);
			return false;
		}
		p->keys = keys;
		p->cap = cap;
	}
	p->keys[p->n] = key;
	p->vals[p->n++] = v;
	return true;
}

/* The four hex digits of a \u escape, or -1. */
static int hex4(const unsigned char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = s[i];
		int d = c >= '0' && c <= '9' ? (int)(c - '0') : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (int)((c | 0x20) - 'a' + 10) : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The length of the UTF-8 sequence at s, 0 if there is none (RFC 3629's
 * table: no overlong forms, no surrogates, nothing above U+10FFFF).  The
 * NUL that ends the text is no continuation byte: nothing is read past it. */
static unsigned utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

enum bad { BAD_NUL, BAD_UTF8, BAD_SURROGATE };

/* A string C would read differently: its path is the open containers' (for
 * a key, the object's; for a value, down to it). */
static char *bad_string(struct jp *p, bool key, enum bad why)
{
	static const char *const what[2][3] = {
		{ "string contains a NUL byte", "string is not valid UTF-8",
		  "string has a \\u escape of half a surrogate pair alone" },
		{ "key contains a NUL byte", "key is not valid UTF-8",
		  "key has a \\u escape of half a surrogate pair alone" },
	};
	p->err->what = what[key][why];
	p->err->depth = key ? p->depth - 1 : p->depth;
	return fail(p, JSON_STRING);
}

/* A string after its opening quote, decoded into the arena: one pass to
 * check it and measure it, one to copy it (a memcpy without escapes). */
static char *string(struct jp *p, bool key)
{
	const unsigned char *s = (const unsigned char *)p->s;
	size_t len = 0;
	bool esc = false;
	for (;;) {
		unsigned c = *s;
		if (c == '"')
			break;
		if (c == '\\') {
			esc = true;
			c = *++s;
			if (c == 'u') {
				int cp = hex4(s + 1);
				if (cp < 0)
					return fail(p, JSON_SYNTAX);
				s += 5;
				if (cp == 0)
					return bad_string(p, key, BAD_NUL);
				if (cp >= 0xd800 && cp <= 0xdfff) {
					/* A high half, then \u and a low half. */
					int lo = cp <= 0xdbff && s[0] == '\\' && s[1] == 'u' ? hex4(s + 2) : -1;
					if (lo < 0xdc00 || lo > 0xdfff)
						return bad_string(p, key, BAD_SURROGATE);
					s += 6;
					len += 4;
				} else {
					len += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
				}
				continue;
			}
			if (!c || !strchr("\"\\/bfnrt", (int)c))
				return fail(p, JSON_SYNTAX);
		} else if (c < 0x20) {
			return fail(p, JSON_SYNTAX);   /* control bytes, and the end of the text */
		} else if (c >= 0x80) {
			unsigned n = utf8_len(s);
			if (!n)
				return bad_string(p, key, BAD_UTF8);
			s += n;
			len += n;
			continue;
		}
		s++;
		len++;
	}
	char *out = p->alloc(p->ctx, len + 1), *o = out;
	if (!out)
		return fail(p, JSON_NOMEM);
	if (!esc) {
		memcpy(out, p->s, len);
		p->s = (const char *)s + 1;
		return out;
	}
	for (const unsigned char *r = (const unsigned char *)p->s; r < s;) {
		if (*r != '\\') {
			*o++ = (char)*r++;
			continue;
		}
		unsigned cp;
		switch (r[1]) {
		case 'u':
			cp = (unsigned)hex4(r + 2);
			r += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)hex4(r + 2) - 0xdc00);
				r += 6;
			}
			o += utf8_put(o, cp);
			continue;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		default: *o++ = (char)r[1]; break;   /* " \ / */
		}
		r += 2;
	}
	p->s = (const char *)s + 1;
	return out;
}

static bool digits(const char **s)
{
	if (**s < '0' || **s > '9')
		return false;
	while (**s >= '0' && **s <= '9')
		(*s)++;
	return true;
}

/* A number as yajl_tree keeps it: its text, and the integer and double it
 * reads as, each flagged when valid. */
static yajl_val number(struct jp *p)
{
	const char *s = p->s;
	bool integer = true;
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (!digits(&s))
		return NULL;
	if (*s == '.') {
		s++;
		integer = false;
		if (!digits(&s))
			return NULL;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		integer = false;
		if (*s == '+' || *s == '-')
			s++;
		if (!digits(&s))
			return NULL;
	}
	size_t len = (size_t)(s - p->s);
	yajl_val v = p->alloc(p->ctx, sizeof *v);
	char *r = p->alloc(p->ctx, len + 1);
	if (!v || !r)
		return fail(p, JSON_NOMEM);
	memcpy(r, p->s, len);
	v->type = yajl_t_number;
	v->u.number.r = r;
	if (integer) {
		errno = 0;
		v->u.number.i = strtoll(r, NULL, 10);
		if (errno == 0)
			v->u.number.flags |= YAJL_NUMBER_INT_VALID;
	}
	char *end;
	errno = 0;
	v->u.number.d = strtod(r, &end);
	if (errno == 0 && *end == 0)
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	p->s = s;
	return v;
}

static yajl_val value(struct jp *p);

/* An array or an object after its opening bracket. */
static yajl_val container(struct jp *p, bool object)
{
	char close = object ? '}' : ']';
	size_t base = p->n;
	if (++p->depth > p->max_depth)
		return fail(p, JSON_DEEP);
	struct json_frame *at = p->depth <= JSON_MAX_PATH ? &p->err->path[p->depth - 1] : NULL;
	ws(p);
	if (*p->s != close) {
		for (size_t i = 0;; i++) {
			const char *key = NULL;
			if (object) {
				if (*p->s != '"')
					return NULL;
				p->s++;
				if (!(key = string(p, true)))
					return NULL;
				ws(p);
				if (*p->s != ':')
					return NULL;
				p->s++;
			}
			if (at)
				*at = (struct json_frame){ key, i };
			yajl_val v = value(p);
			if (!v || !push(p, key, v))
				return NULL;
			ws(p);
			if (*p->s == ',') {
				p->s++;
				ws(p);
				continue;
			}
			if (*p->s != close)
				return NULL;
			break;
		}
	}
	p->s++;
	p->depth--;
	size_t n = p->n - base;
	yajl_val v = p->alloc(p->ctx, sizeof *v);
	yajl_val *vals = n ? p->alloc(p->ctx, n * sizeof *vals) : NULL;
	const char **keys = n && object ? p->alloc(p->ctx, n * sizeof *keys) : NULL;
	if (!v || (n && !vals) || (n && object && !keys))
		return fail(p, JSON_NOMEM);
	if (n)
		memcpy(vals, p->vals + base, n * sizeof *vals);
	if (keys)
		memcpy(keys, p->keys + base, n * sizeof *keys);
	p->n = base;
	if (object) {
		v->type = yajl_t_object;
		v->u.object.keys = keys;
		v->u.object.values = vals;
		v->u.object.len = n;
	} else {
		v->type = yajl_t_array;
		v->u.array.values = vals;
		v->u.array.len = n;
	}
	return v;
}

static yajl_val literal(struct jp *p, const char *word, yajl_type type)
{
	size_t n = strlen(word);
	if (strncmp(p->s, word, n) != 0)
		return NULL;
	p->s += n;
	yajl_val v = p->alloc(p->ctx, sizeof *v);
	if (!v)
		return fail(p, JSON_NOMEM);
	v->type = type;
	return v;
}

static yajl_val value(struct jp *p)
{
	ws(p);
	switch (*p->s) {
	case '{':
	case '[':
		return container(p, *p->s++ == '{');
	case '"': {
		p->s++;
		char *s = string(p, false);
		if (!s)
			return NULL;
		yajl_val v = p->alloc(p->ctx, sizeof *v);
		if (!v)
			return fail(p, JSON_NOMEM);
		v->type = yajl_t_string;
		v->u.string = s;
		return v;
	}
	case 't':
		return literal(p, "true", yajl_t_true);
	case 'f':
		return literal(p, "false", yajl_t_false);
	case 'n':
		return literal(p, "null", yajl_t_null);
	default:
		return number(p);
	}
}

yajl_val json_parse(const char *text, unsigned max_depth, void *(*alloc)(void *ctx, size_t size), void *ctx,
		    struct json_error *err)
{
	struct jp p = { .s = text, .alloc = alloc, .ctx = ctx, .err = err, .max_depth = max_depth };
	err->status = JSON_SYNTAX;
	err->what = NULL;
	err->depth = 0;
	yajl_val v = value(&p);
	if (v) {
		ws(&p);
		if (*p.s)
			v = NULL;   /* trailing text (yajl takes an unfinished string there) */
	}
	err->at = (size_t)(p.s - text);
	free(p.vals);
	free(p.keys);
	return v;
}
