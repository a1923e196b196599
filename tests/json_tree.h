/* SPDX-License-Identifier: Apache-2.0 */
/* tests/json_tree.h: what the unit tests and the fuzz harness both need to
 * hold hull's JSON reader (spec/json.c) against yajl's tree parser: an
 * allocator of blocks freed together, and a comparison of two trees. */
#ifndef HULL_TESTS_JSON_TREE_H
#define HULL_TESTS_JSON_TREE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* json_parse's allocator: a list of blocks headed by *(void **)ctx. */
static inline void *tree_block_alloc(void *ctx, size_t size)
{
	void **b = calloc(1, sizeof(void *) + size);
	if (!b)
		return NULL;
	*b = *(void **)ctx;
	*(void **)ctx = b;
	return b + 1;
}

static inline void tree_free_blocks(void *head)
{
	while (head) {
		void *next = *(void **)head;
		free(head);
		head = next;
	}
}

/* The same values, keys and order; numbers by their text, and with
 * numbers_too also by yajl's flags and converted values. */
static inline bool tree_same(yajl_val a, yajl_val b, bool numbers_too)
{
	if (!a || !b || a->type != b->type)
		return false;
	switch (a->type) {
	case yajl_t_string:
		return !strcmp(a->u.string, b->u.string);
	case yajl_t_number:
		return !strcmp(a->u.number.r, b->u.number.r) &&
		       (!numbers_too ||
			(a->u.number.flags == b->u.number.flags &&
			 (!(a->u.number.flags & YAJL_NUMBER_INT_VALID) || a->u.number.i == b->u.number.i) &&
			 (!(a->u.number.flags & YAJL_NUMBER_DOUBLE_VALID) || a->u.number.d == b->u.number.d)));
	case yajl_t_object:
		if (a->u.object.len != b->u.object.len)
			return false;
		for (size_t i = 0; i < a->u.object.len; i++)
			if (strcmp(a->u.object.keys[i], b->u.object.keys[i]) ||
			    !tree_same(a->u.object.values[i], b->u.object.values[i], numbers_too))
				return false;
		return true;
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len)
			return false;
		for (size_t i = 0; i < a->u.array.len; i++)
			if (!tree_same(a->u.array.values[i], b->u.array.values[i], numbers_too))
				return false;
		return true;
	default:
		return true;
	}
}

#endif
