/* SPDX-License-Identifier: Apache-2.0 */
/* A strict JSON reader for the common case: it builds the same yajl_val tree
 * that yajl_tree_parse builds, in the caller's arena, in one pass and
 * without a malloc per value.  It takes plain RFC 8259 JSON whose strings
 * are ASCII without \u escapes (what every config.json in practice is);
 * for anything else - comments, \u escapes, non-ASCII bytes, and every
 * error - it returns NULL and yajl parses the text instead, so yajl alone
 * decides what is accepted beyond that and words every error message. */
#include "spec/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	const char *s;
	void *(*alloc)(void *ctx, size_t size);   /* zeroed memory, NULL when out */
	void *ctx;
	/* Values (and keys) of the arrays and objects still open, stacked. */
	yajl_val *vals;
	const char **keys;
	size_t n, cap;
	unsigned depth, max_depth;
};

static void ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r')
		p->s++;
}

static bool push(struct jp *p, const char *key, yajl_val v)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		yajl_val *vals = realloc(p->vals, cap * sizeof *vals);
		if (!vals)
			return false;
		p->vals = vals;
		const char **keys = realloc(p->keys, cap * sizeof *keys);
		if (!keys)
			return false;
		p->keys = keys;
		p->cap = cap;
	}
	p->keys[p->n] = key;
	p->vals[p->n++] = v;
	return true;
}

/* A string after its opening quote, decoded into the arena. */
static char *string(struct jp *p)
{
	const char *s = p->s;
	size_t len = 0;
	for (;; s++, len++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			break;
		if (c < 0x20 || c >= 0x80)
			return NULL;   /* control bytes (an error) and UTF-8: yajl's */
		if (c == '\\') {
			s++;
			if (!*s || !strchr("\"\\/bfnrt", *s))
				return NULL;   /* \u and bad escapes: yajl's */
		}
	}
	char *out = p->alloc(p->ctx, len + 1), *o = out;
	if (!out)
		return NULL;
	for (s = p->s; *s != '"'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		default: *o++ = *s; break;   /* " \ / */
		}
	}
	*o = 0;
	p->s = s + 1;
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
		return NULL;
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
		return NULL;
	ws(p);
	if (*p->s != close) {
		for (;;) {
			const char *key = NULL;
			if (object) {
				if (*p->s != '"')
					return NULL;
				p->s++;
				if (!(key = string(p)))
					return NULL;
				ws(p);
				if (*p->s != ':')
					return NULL;
				p->s++;
			}
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
		return NULL;
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
	if (v)
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
		char *s = string(p);
		yajl_val v = s ? p->alloc(p->ctx, sizeof *v) : NULL;
		if (v) {
			v->type = yajl_t_string;
			v->u.string = s;
		}
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

yajl_val json_parse(const char *text, unsigned max_depth, void *(*alloc)(void *ctx, size_t size), void *ctx)
{
	struct jp p = { .s = text, .alloc = alloc, .ctx = ctx, .max_depth = max_depth };
	yajl_val v = value(&p);
	if (v) {
		ws(&p);
		if (*p.s)
			v = NULL;   /* trailing text (or a comment): yajl's to judge */
	}
	free(p.vals);
	free(p.keys);
	return v;
}
