/* SPDX-License-Identifier: Apache-2.0 */
/* json_parse: JSON into a yajl_val tree in the caller's memory (see
 * spec/json.c); NULL and the reason in *err for anything it refuses. */
#ifndef HULL_SPEC_JSON_H
#define HULL_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

enum json_status {
	JSON_SYNTAX,    /* not JSON: yajl_tree_parse words the message */
	JSON_DEEP,      /* nested deeper than max_depth */
	JSON_NOMEM,     /* alloc failed */
	JSON_STRING,    /* a string (or key) C cannot hold as it is: err->what says why */
};

enum { JSON_MAX_PATH = 16 };

struct json_error {
	enum json_status status;
	const char *what;          /* JSON_STRING: "string contains a NUL byte", ... */
	size_t at;                 /* offset in the text where reading stopped */
	/* JSON_STRING: where, as keys and indexes from the top; depth may
	 * exceed JSON_MAX_PATH (the excess is not kept). */
	unsigned depth;
	struct json_frame {
		const char *key;       /* NULL: index in an array */
		size_t index;
	} path[JSON_MAX_PATH];
};

/* text: NUL-terminated; arrays and objects nested deeper than max_depth are
 * refused (JSON_DEEP).  alloc returns zeroed memory that lives as long as
 * the tree (nothing in it is freed on its own); so do the keys in
 * err->path. */
yajl_val json_parse(const char *text, unsigned max_depth, void *(*alloc)(void *ctx, size_t size), void *ctx,
		    struct json_error *err);

#endif
