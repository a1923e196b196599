/* SPDX-License-Identifier: Apache-2.0 */
/* spec/parse.h: the table-driven walker over a yajl tree that spec/config.c
 * describes the OCI documents with.  Private to the files of spec/; spec.h is the
 * interface for everyone else.
 *
 * Each JSON object is described by a struct walk_type: a table of fields
 * (JSON name, kind of value, where in the C struct it goes) and an optional
 * check run once the object is read.  sp_parse_object() visits an object's
 * keys once, skipping unknown ones, then reports the first required field
 * that was missing.  Errors name the file and the JSON path:
 *     config.json: process.args[2]: expected a string
 */
#ifndef HULL_SPEC_PARSE_H
#define HULL_SPEC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "spec/spec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The yajl tree and the arena the structs live in: what spec->priv_ is. */
struct spec_mem;

enum { WALK_MAX_PATH = 16 };

struct walk_frame {
	const char *key;           /* NULL: an array index */
	size_t index;
	bool map_key;              /* a user-chosen key (sysctl name, ...), not a field name */
};

struct walk {
	struct spec_mem *mem;
	struct spec_err *err;
	const char *display;
	unsigned depth;            /* may exceed WALK_MAX_PATH; the excess is not shown */
	struct walk_frame path[WALK_MAX_PATH];
	unsigned ns_seen;          /* bit per enum spec_ns_type, for duplicates */
};

enum walk_kind {
	K_STR,      /* const char * */
	K_PATH,     /* const char *, an absolute path (shorter than PATH_MAX, as K_FILE) */
	K_FILE,     /* const char *, a path, maybe relative: shorter than PATH_MAX */
	K_FILES,    /* K_STRS of K_FILE */
	K_ENUM,     /* const char *, one of .names */
	K_CHAR,     /* char, a one-letter string, one of .names[0]'s letters */
	K_BOOL,
	K_I32, K_U32, K_U16, K_I64, K_U64,
	K_STRS,     /* const char **, count at .cnt */
	K_U32S,     /* uint32_t *, count at .cnt */
	K_OBJ,      /* struct embedded at .off */
	K_PTR,      /* struct allocated, pointer at .off */
	K_SAME,     /* nested object whose fields live in the parent struct */
	K_ARR,      /* array of objects: T * at .off, count at .cnt */
	K_KV,       /* object of strings: struct spec_kv * at .off, count at .cnt */
	K_MAP,      /* object of objects: T * at .off, count at .cnt, key at .sub->key_off */
	K_FN,       /* .fn(w, value, the struct) */
};

/* Both get the JSON value and the C struct being filled. */
typedef int walk_fn(struct walk *w, yajl_val v, void *obj);

struct walk_type;

struct walk_field {
	const char *name;
	enum walk_kind kind;
	bool req;
	uint16_t off;              /* offset of the member */
	uint16_t cnt;              /* offset + 1 of the size_t count; 0: none */
	uint16_t has;              /* offset + 1 of the bool has_* flag; 0: none */
	const struct walk_type *sub;
	const char *const *names;
	const char *what;          /* K_ENUM, K_CHAR: "unknown <what> "x"" */
	walk_fn *fn;
};

struct walk_type {
	size_t size;
	const struct walk_field *fields;
	unsigned n_fields;
	walk_fn *check;            /* run once the object's fields are read */
	size_t key_off;            /* K_MAP entries: where the key goes */
};

/* Table rows.  S names the struct being described; members follow spec.h's
 * naming (has_<m>, n_<m>). */
#define AT(m)                 (offsetof(S, m) + 1)
#define F(n, k, m, ...)       { .name = n, .kind = k, .off = offsetof(S, m), __VA_ARGS__ }
#define OPT(n, k, m, ...)     F(n, k, m, .has = AT(has_##m), __VA_ARGS__)
#define LIST(n, k, m, ...)    F(n, k, m, .cnt = AT(n_##m), __VA_ARGS__)
#define OBJS(n, m, t, ...)    LIST(n, K_ARR, m, .sub = &t, __VA_ARGS__)
/* TYPE(x, S, ...) defines x_type from the rows in x_fields. */
#define TYPE(x, T, ...)                                                                  \
	_Static_assert(ARRAY_SIZE(x##_fields) <= 64, "seen-mask is 64 bits");            \
	static const struct walk_type x##_type = {                                       \
		.size = sizeof(T), .fields = x##_fields,                                 \
		.n_fields = ARRAY_SIZE(x##_fields), __VA_ARGS__ }

int sp_parse_object(struct walk *w, yajl_val v, const struct walk_type *t, void *obj);
int sp_read_string(struct walk *w, yajl_val v, const char **out);
/* Whether obj has key with a non-null value. */
bool sp_has_key(yajl_val obj, const char *key);

void sp_push_key(struct walk *w, const char *key, bool map_key);
void sp_push_index(struct walk *w, size_t i);
void sp_pop(struct walk *w);

/* Fill w->err with "<display>: <path>: <what>[ "<val>"][<tail>]" and return
 * -EINVAL.  val is quoted and escaped, so it may come from the document. */
int sp_fail_val(struct walk *w, const char *what, const char *val, const char *tail);
int sp_fail(struct walk *w, const char *what);
/* The same about a field of the object at hand (for checks). */
int sp_fail_field(struct walk *w, const char *field, const char *what, const char *val);

/* Parse text (text[len] must be NUL) as an object of type t.  On success
 * *out is that object and *mem owns it and everything it points to. */
int sp_parse_document(const char *text, size_t len, const char *display,
		      const struct walk_type *t, void **out, struct spec_mem **mem,
		      struct spec_err *err);
/* The same for a buffer that is not NUL-terminated. */
int sp_parse_buffer(const char *buf, size_t len, const char *display,
		    const struct walk_type *t, void **out, struct spec_mem **mem,
		    struct spec_err *err);
/* The whole file, NUL-terminated, in *out (caller frees); 0 or -errno. */
int sp_read_file(const char *path, char **out, size_t *len);
void sp_mem_free(struct spec_mem *mem);
/* A copy of s in mem (lives as long as the document); NULL if out of memory. */
char *sp_mem_strdup(struct spec_mem *mem, const char *s);

#endif
