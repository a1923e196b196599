/* SPDX-License-Identifier: Apache-2.0 */
/* spec/parse.c: the walker of spec/parse.h — arena, JSON paths and
 * messages, and the readers for each kind of field.
 *
 * Memory: strings point into the JSON tree (spec/json.c), which lives as long as the result.
 * Structs and arrays come from a bump arena; every array's length is known from
 * the tree before it is filled, so nothing is ever reallocated.  A whole config,
 * its tree too, costs a few arena chunks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/parse.h"
#include "spec/json.h"

/* yajl frees its tree recursively, so a hostile document nested a million
 * levels deep would overflow the stack there; real configs nest < 10. */
#define MAX_NESTING 128
/* Bigger than any sane config.json; stops spec_load on /dev/zero and the like. */
#define MAX_FILE_SIZE (64u << 20)

/* ---- arena ---------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

/* What priv_ (and spec_process_parse's *mem) points to: the tree
 * (json_parse's) and the structs, all in the arena. */
struct spec_mem {
	struct chunk *chunks;
	size_t first_chunk;    /* size of the first chunk (0: 4 KiB) */
};

static void *arena_alloc(struct spec_mem *m, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct chunk *ch = m->chunks;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (!ch || ch->size - ch->used < size) {
		size_t cap = ch ? ch->size * 2 : m->first_chunk ? m->first_chunk : 4096;

		if (cap > 64 * 1024)
			cap = 64 * 1024;
		if (cap < size)
			cap = size;
		ch = malloc(sizeof(*ch) + cap);
		if (!ch)
			return NULL;
		ch->next = m->chunks;
		ch->used = 0;
		ch->size = cap;
		m->chunks = ch;
	}
	void *p = (char *)ch->data + ch->used;
	ch->used += size;
	return memset(p, 0, size);
}

static void *arena_alloc_cb(void *m, size_t size)
{
	return arena_alloc(m, size);
}

void sp_mem_free(struct spec_mem *m)
{
	if (!m)
		return;
	for (struct chunk *ch = m->chunks, *next; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(m);
}

char *sp_mem_strdup(struct spec_mem *m, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(m, n);

	return d ? memcpy(d, s, n) : NULL;
}

/* ---- JSON paths and error messages ---------------------------------------- */

void sp_push_key(struct walk *w, const char *key, bool map_key)
{
	if (w->depth < WALK_MAX_PATH)
		w->path[w->depth] = (struct walk_frame){ .key = key, .map_key = map_key };
	w->depth++;
}

void sp_push_index(struct walk *w, size_t i)
{
	if (w->depth < WALK_MAX_PATH)
		w->path[w->depth] = (struct walk_frame){ .index = i };
	w->depth++;
}

void sp_pop(struct walk *w)
{
	w->depth--;
}

struct msgbuf {
	char *s;
	size_t len, cap;
};

static void mb_putn(struct msgbuf *b, const char *s, size_t n)
{
	if (n > b->cap - 1 - b->len) {
		/* Full: cut, but not inside a UTF-8 character, and no more after. */
		for (n = b->cap - 1 - b->len; n && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
		b->cap = b->len + n + 1;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void mb_puts(struct msgbuf *b, const char *s)
{
	mb_putn(b, s, strlen(s));
}

/* Values come from the document: quote them, escape anything that could
 * break the one-line message, and cut long ones. */
static void mb_quoted(struct msgbuf *b, const char *s)
{
	/* 64 bytes at most, not cut inside a UTF-8 sequence. */
	size_t n = strnlen(s, 65), i;

	if (n > 64)
		for (n = 64; n && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	mb_puts(b, "\"");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[8];

		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			mb_putn(b, esc, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			mb_puts(b, esc);
		} else {
			/* A character whole (mb_putn never cuts one). */
			size_t k = 1;
			while (ch >= 0x80 && k < 4 && i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			mb_putn(b, s + i, k);
			i += k - 1;
		}
	}
	mb_puts(b, s[i] ? "...\"" : "\"");
}

static bool is_identifier(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static void mb_path(struct msgbuf *b, const struct walk *w)
{
	unsigned n = w->depth < WALK_MAX_PATH ? w->depth : WALK_MAX_PATH;

	for (unsigned i = 0; i < n; i++) {
		const struct walk_frame *f = &w->path[i];
		char num[32];

		if (!f->key) {
			snprintf(num, sizeof(num), "[%zu]", f->index);
			mb_puts(b, num);
		} else if (f->map_key && !is_identifier(f->key)) {
			mb_puts(b, "[");
			mb_quoted(b, f->key);
			mb_puts(b, "]");
		} else {
			if (i)
				mb_puts(b, ".");
			mb_puts(b, f->key);
		}
	}
}

int sp_fail_val(struct walk *w, const char *what, const char *val, const char *tail)
{
	struct msgbuf b = { w->err->msg, 0, sizeof(w->err->msg) };

	b.s[0] = 0;
	mb_puts(&b, w->display);
	mb_puts(&b, ": ");
	if (w->depth) {
		mb_path(&b, w);
		mb_puts(&b, ": ");
	}
	mb_puts(&b, what);
	if (val) {
		mb_puts(&b, " ");
		mb_quoted(&b, val);
	}
	if (tail)
		mb_puts(&b, tail);
	return -EINVAL;
}

int sp_fail(struct walk *w, const char *what)
{
	return sp_fail_val(w, what, NULL, NULL);
}

int sp_fail_field(struct walk *w, const char *field, const char *what, const char *val)
{
	sp_push_key(w, field, false);
	return sp_fail_val(w, what, val, NULL);
}

static int nomem(struct walk *w)
{
	sp_fail(w, "out of memory");
	return -ENOMEM;
}

static void *alloc_array(struct walk *w, size_t n, size_t size)
{
	if (n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(w->mem, n * size);
}

bool sp_has_key(yajl_val obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key) && !YAJL_IS_NULL(obj->u.object.values[i]))
			return true;
	return false;
}

/* ---- scalar readers ----------------------------------------------------------- */

static const struct {
	long long min;
	unsigned long long max;
	const char *msg;
} int_kinds[] = {
	[K_I32] = { INT32_MIN, INT32_MAX, "expected a 32-bit integer" },
	[K_U32] = { 0, UINT32_MAX, "expected an unsigned 32-bit integer" },
	[K_U16] = { 0, UINT16_MAX, "expected an unsigned 16-bit integer" },
	[K_I64] = { INT64_MIN, INT64_MAX, "expected a 64-bit integer" },
	[K_U64] = { 0, UINT64_MAX, "expected an unsigned 64-bit integer" },
};

/* From the number's text, not yajl's long long: that cannot hold uint64
 * values above LLONG_MAX, and yajl would also accept 1.0 or 1e3 as integers
 * via its double. */
static int read_int(struct walk *w, yajl_val v, enum walk_kind k, void *at)
{
	const char *s = YAJL_IS_NUMBER(v) ? v->u.number.r : NULL;
	bool neg = s && *s == '-';
	unsigned long long u = 0;
	long long i = 0;

	if (!s || !s[neg] || s[neg + strspn(s + neg, "0123456789")])
		return sp_fail(w, int_kinds[k].msg);
	errno = 0;
	if (neg) {
		i = strtoll(s, NULL, 10);
		if (errno || i < int_kinds[k].min)
			return sp_fail(w, int_kinds[k].msg);
	} else {
		u = strtoull(s, NULL, 10);
		if (errno || u > int_kinds[k].max)
			return sp_fail(w, int_kinds[k].msg);
		i = (long long)u;  /* exact for the signed kinds, whose max is <= LLONG_MAX */
	}
	switch (k) {
	case K_I32: *(int32_t *)at = (int32_t)i; break;
	case K_I64: *(int64_t *)at = (int64_t)i; break;
	case K_U32: *(uint32_t *)at = (uint32_t)u; break;
	case K_U16: *(uint16_t *)at = (uint16_t)u; break;
	default:    *(uint64_t *)at = (uint64_t)u; break;
	}
	return 0;
}

int sp_read_string(struct walk *w, yajl_val v, const char **out)
{
	if (!YAJL_IS_STRING(v))
		return sp_fail(w, "expected a string");
	*out = v->u.string;
	return 0;
}

/* A path the kernel (or hull's PATH_MAX buffers) would refuse or cut. */
static int check_path(struct walk *w, const char *s, bool absolute)
{
	if (absolute && *s != '/')
		return sp_fail(w, "must be an absolute path");
	if (strnlen(s, PATH_MAX) == PATH_MAX)
		return sp_fail(w, "path longer than PATH_MAX allows (4095 bytes)");
	return 0;
}

static int read_enum(struct walk *w, yajl_val v, const struct walk_field *f, void *at)
{
	const char *s = NULL;
	int rc = sp_read_string(w, v, &s);

	if (rc)
		return rc;
	for (const char *const *n = f->names; *n; n++)
		if (!strcmp(*n, s)) {
			*(const char **)at = s;
			return 0;
		}
	char what[64];
	snprintf(what, sizeof(what), "unknown %s", f->what);
	return sp_fail_val(w, what, s, NULL);
}

static int read_char(struct walk *w, yajl_val v, const struct walk_field *f, char *at)
{
	const char *s = NULL;
	int rc = sp_read_string(w, v, &s);

	if (rc)
		return rc;
	if (s[0] && !s[1] && strchr(f->names[0], s[0])) {
		*at = s[0];
		return 0;
	}
	char what[64];
	snprintf(what, sizeof(what), "unknown %s", f->what);
	return sp_fail_val(w, what, s, NULL);
}

/* ---- compound readers --------------------------------------------------------- */

static int read_strings(struct walk *w, yajl_val v, const char ***out, size_t *n, bool paths)
{
	if (!YAJL_IS_ARRAY(v))
		return sp_fail(w, "expected an array");
	size_t len = v->u.array.len;
	const char **a = alloc_array(w, len, sizeof(*a));
	if (!a)
		return nomem(w);
	for (size_t i = 0; i < len; i++) {
		sp_push_index(w, i);
		int rc = sp_read_string(w, v->u.array.values[i], &a[i]);
		if (!rc && paths)
			rc = check_path(w, a[i], false);
		if (rc)
			return rc;
		sp_pop(w);
	}
	*out = a;
	*n = len;
	return 0;
}

static int read_u32s(struct walk *w, yajl_val v, uint32_t **out, size_t *n)
{
	if (!YAJL_IS_ARRAY(v))
		return sp_fail(w, "expected an array");
	size_t len = v->u.array.len;
	uint32_t *a = alloc_array(w, len, sizeof(*a));
	if (!a)
		return nomem(w);
	for (size_t i = 0; i < len; i++) {
		sp_push_index(w, i);
		int rc = read_int(w, v->u.array.values[i], K_U32, &a[i]);
		if (rc)
			return rc;
		sp_pop(w);
	}
	*out = a;
	*n = len;
	return 0;
}

static int read_objects(struct walk *w, yajl_val v, const struct walk_type *t, void **out,
			size_t *n)
{
	if (!YAJL_IS_ARRAY(v))
		return sp_fail(w, "expected an array");
	size_t len = v->u.array.len;
	char *a = alloc_array(w, len, t->size);
	if (!a)
		return nomem(w);
	for (size_t i = 0; i < len; i++) {
		sp_push_index(w, i);
		int rc = sp_parse_object(w, v->u.array.values[i], t, a + i * t->size);
		if (rc)
			return rc;
		sp_pop(w);
	}
	*out = a;
	*n = len;
	return 0;
}

static int read_kv(struct walk *w, yajl_val v, struct spec_kv **out, size_t *n)
{
	if (!YAJL_IS_OBJECT(v))
		return sp_fail(w, "expected an object");
	size_t len = v->u.object.len;
	struct spec_kv *a = alloc_array(w, len, sizeof(*a));
	if (!a)
		return nomem(w);
	for (size_t i = 0; i < len; i++) {
		a[i].key = v->u.object.keys[i];
		sp_push_key(w, a[i].key, true);
		int rc = sp_read_string(w, v->u.object.values[i], &a[i].value);
		if (rc)
			return rc;
		sp_pop(w);
	}
	*out = a;
	*n = len;
	return 0;
}

static int read_map(struct walk *w, yajl_val v, const struct walk_type *t, void **out, size_t *n)
{
	if (!YAJL_IS_OBJECT(v))
		return sp_fail(w, "expected an object");
	size_t len = v->u.object.len;
	char *a = alloc_array(w, len, t->size);
	if (!a)
		return nomem(w);
	for (size_t i = 0; i < len; i++) {
		char *entry = a + i * t->size;

		*(const char **)(entry + t->key_off) = v->u.object.keys[i];
		sp_push_key(w, v->u.object.keys[i], true);
		int rc = sp_parse_object(w, v->u.object.values[i], t, entry);
		if (rc)
			return rc;
		sp_pop(w);
	}
	*out = a;
	*n = len;
	return 0;
}

static void *member(void *obj, size_t off_plus_one)
{
	return (char *)obj + off_plus_one - 1;
}

static int parse_value(struct walk *w, const struct walk_field *f, yajl_val v, void *obj)
{
	void *at = (char *)obj + f->off;
	void *p;
	int rc = 0;

	switch (f->kind) {
	case K_STR:
		rc = sp_read_string(w, v, at);
		break;
	case K_PATH:
	case K_FILE:
		rc = sp_read_string(w, v, at);
		if (!rc)
			rc = check_path(w, *(const char **)at, f->kind == K_PATH);
		break;
	case K_ENUM:
		rc = read_enum(w, v, f, at);
		break;
	case K_CHAR:
		rc = read_char(w, v, f, at);
		break;
	case K_BOOL:
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return sp_fail(w, "expected a boolean");
		*(bool *)at = YAJL_IS_TRUE(v);
		break;
	case K_I32: case K_U32: case K_U16: case K_I64: case K_U64:
		rc = read_int(w, v, f->kind, at);
		break;
	case K_STRS:
	case K_FILES:
		rc = read_strings(w, v, at, member(obj, f->cnt), f->kind == K_FILES);
		break;
	case K_U32S:
		rc = read_u32s(w, v, at, member(obj, f->cnt));
		break;
	case K_OBJ:
		rc = sp_parse_object(w, v, f->sub, at);
		break;
	case K_SAME:
		rc = sp_parse_object(w, v, f->sub, obj);
		break;
	case K_PTR:
		p = arena_alloc(w->mem, f->sub->size);
		if (!p)
			return nomem(w);
		rc = sp_parse_object(w, v, f->sub, p);
		*(void **)at = p;
		break;
	case K_ARR:
		rc = read_objects(w, v, f->sub, at, member(obj, f->cnt));
		break;
	case K_KV:
		rc = read_kv(w, v, at, member(obj, f->cnt));
		break;
	case K_MAP:
		rc = read_map(w, v, f->sub, at, member(obj, f->cnt));
		break;
	case K_FN:
		rc = f->fn(w, v, obj);
		break;
	}
	if (!rc && f->has)
		*(bool *)member(obj, f->has) = true;
	return rc;
}

static const struct walk_field *find_field(const struct walk_type *t, const char *key)
{
	for (unsigned i = 0; i < t->n_fields; i++)
		if (t->fields[i].name[0] == key[0] && !strcmp(t->fields[i].name, key))
			return &t->fields[i];
	return NULL;
}

/* Unknown keys are skipped; null counts as absent (generators emit
 * "args": null for empty lists). */
int sp_parse_object(struct walk *w, yajl_val v, const struct walk_type *t, void *obj)
{
	uint64_t seen = 0;

	if (!YAJL_IS_OBJECT(v))
		return sp_fail(w, "expected an object");
	for (size_t i = 0; i < v->u.object.len; i++) {
		yajl_val val = v->u.object.values[i];
		const struct walk_field *f = find_field(t, v->u.object.keys[i]);

		if (!f || YAJL_IS_NULL(val))
			continue;
		sp_push_key(w, f->name, false);
		int rc = parse_value(w, f, val, obj);
		if (rc)
			return rc;
		sp_pop(w);
		seen |= 1ull << (f - t->fields);
	}
	for (unsigned i = 0; i < t->n_fields; i++)
		if (t->fields[i].req && !(seen & (1ull << i)))
			return sp_fail_field(w, t->fields[i].name, "required field missing", NULL);
	return t->check ? t->check(w, v, obj) : 0;
}

/* ---- documents ----------------------------------------------------------------- */

/* Bounds the nesting before yajl sees the text (see MAX_NESTING).  Knows
 * strings and the comments yajl_tree_parse allows, so neither can hide
 * brackets from it.  strcspn() jumps over the uninteresting bytes. */
static bool nesting_ok(const char *s)
{
	static const char special[] = "\"/[]{}";
	unsigned depth = 0;

	for (s += strcspn(s, special); *s; s += strcspn(s, special)) {
		switch (*s++) {
		case '"':
			while (*(s += strcspn(s, "\"\\")) == '\\')
				s += s[1] ? 2 : 1;
			if (*s)
				s++;
			break;
		case '/':
			if (*s == '/') {
				s += strcspn(s, "\n");
			} else if (*s == '*') {
				const char *end = strstr(s + 1, "*/");
				s = end ? end + 2 : s + strlen(s);
			}
			break;
		case '[': case '{':
			if (++depth > MAX_NESTING)
				return false;
			break;
		default:
			if (depth)
				depth--;
		}
	}
	return true;
}

/* yajl's message is "<error>\n<snippet of the text>\n<pointer line>\n".  Keep
 * the error and the snippet, on one line, printable. */
static void set_json_error(struct walk *w, const char *yajl_msg)
{
	char line[256], snippet[128];
	const char *nl = strchr(yajl_msg, '\n');
	size_t n = nl ? (size_t)(nl - yajl_msg) : strlen(yajl_msg);
	size_t out = 0;

	if (!n) {
		sp_fail(w, "invalid JSON");
		return;
	}
	while (n && (yajl_msg[n - 1] == '.' || yajl_msg[n - 1] == ' '))
		n--;
	snprintf(line, sizeof(line), "invalid JSON: %.*s", (int)n, yajl_msg);
	if (nl) {
		for (const char *p = nl + 1; *p && *p != '\n' && out < sizeof(snippet) - 1; p++) {
			bool space = (unsigned char)*p <= ' ' || *p == 0x7f;

			if (space && (!out || snippet[out - 1] == ' '))
				continue;
			snippet[out++] = space ? ' ' : *p;
		}
		while (out && snippet[out - 1] == ' ')
			out--;
	}
	snippet[out] = 0;
	if (out) {
		strncat(line, ", near", sizeof(line) - strlen(line) - 1);
		sp_fail_val(w, line, snippet, NULL);
	} else {
		sp_fail(w, line);
	}
}

/* Why json_parse refused the text, in w->err. */
static int json_fail(struct walk *w, const char *text, const struct json_error *je)
{
	switch (je->status) {
	case JSON_NOMEM:
		return nomem(w);
	case JSON_DEEP:
		return sp_fail(w, "invalid JSON: nested too deeply");
	case JSON_STRING:
		for (unsigned i = 0; i < je->depth; i++) {
			const struct json_frame *f = i < JSON_MAX_PATH ? &je->path[i] : NULL;
			if (f && f->key)
				sp_push_key(w, f->key, true);
			else
				sp_push_index(w, f ? f->index : 0);   /* (past WALK_MAX_PATH: not shown) */
		}
		return sp_fail(w, je->what);
	case JSON_SYNTAX:
		break;
	}
	/* yajl words the message; nesting_ok keeps it from recursing deep. */
	if (!nesting_ok(text))
		return sp_fail(w, "invalid JSON: nested too deeply");
	char yajl_msg[512] = "";
	yajl_val tree = yajl_tree_parse(text, yajl_msg, sizeof(yajl_msg));
	if (tree) {
		/* yajl takes an unfinished string after the value ("{}\"",
		 * "{} \"abc"); tests/fuzz checks that it is all. */
		char rest[32];
		snprintf(rest, sizeof rest, "%s", text + je->at);
		yajl_tree_free(tree);
		return sp_fail_val(w, "invalid JSON: unexpected text", rest, NULL);
	}
	set_json_error(w, yajl_msg);
	return -EINVAL;
}

int sp_parse_document(const char *text, size_t len, const char *display,
		      const struct walk_type *t, void **out, struct spec_mem **memp,
		      struct spec_err *err)
{
	struct walk w = { .err = err, .display = display };
	struct json_error je;
	int rc;

	*out = NULL;
	*memp = NULL;
	if (memchr(text, 0, len))
		return sp_fail(&w, "invalid JSON: NUL byte in document");
	w.mem = calloc(1, sizeof(*w.mem));
	if (!w.mem)
		return nomem(&w);
	/* The tree and the spec take about 10 bytes per byte of JSON: one
	 * chunk for a usual config (fewer blocks to touch and free). */
	w.mem->first_chunk = len < 1600 ? 16 * 1024 : len * 10;   /* (at most 64 KiB a chunk) */
	/* The tree in the arena, in one pass. */
	yajl_val tree = json_parse(text, MAX_NESTING, arena_alloc_cb, w.mem, &je);
	if (!tree) {
		rc = json_fail(&w, text, &je);
		sp_mem_free(w.mem);
		return rc;
	}
	void *obj = arena_alloc(w.mem, t->size);
	rc = obj ? sp_parse_object(&w, tree, t, obj) : nomem(&w);
	if (rc) {
		sp_mem_free(w.mem);
		return rc;
	}
	*out = obj;
	*memp = w.mem;
	return 0;
}

int sp_parse_buffer(const char *buf, size_t len, const char *display,
		    const struct walk_type *t, void **out, struct spec_mem **memp,
		    struct spec_err *err)
{
	/* yajl_tree_parse wants a NUL-terminated string. */
	char *text = malloc(len + 1);
	int rc;

	if (!text) {
		*out = NULL;
		*memp = NULL;
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", display);
		return -ENOMEM;
	}
	memcpy(text, buf, len);
	text[len] = 0;
	rc = sp_parse_document(text, len, display, t, out, memp, err);
	free(text);
	return rc;
}

int sp_read_file(const char *path, char **out, size_t *out_len)
{
	struct stat st;
	size_t len = 0, cap;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	/* Room for the NUL and one spare byte, so that EOF is seen without growing. */
	cap = st.st_size > 0 && (size_t)st.st_size < MAX_FILE_SIZE ? (size_t)st.st_size + 2 : 4096;
	for (;;) {
		if (len + 1 >= cap || !buf) {
			if (buf)
				cap *= 2;
			char *nbuf = realloc(buf, cap);
			if (!nbuf) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_FILE_SIZE) {
			rc = -EFBIG;
			goto out;
		}
	}
	buf[len] = 0;
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}
