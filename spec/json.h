/* SPDX-License-Identifier: Apache-2.0 */
/* json_parse: plain JSON into a yajl_val tree in the caller's memory (see
 * spec/json.c); NULL for anything it leaves to yajl_tree_parse. */
#ifndef HULL_SPEC_JSON_H
#define HULL_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

/* text: NUL-terminated; arrays and objects nested deeper than max_depth are
 * left to the caller (NULL).  alloc returns zeroed memory that lives as
 * long as the tree (nothing in it is freed on its own). */
yajl_val json_parse(const char *text, unsigned max_depth, void *(*alloc)(void *ctx, size_t size), void *ctx);

#endif
