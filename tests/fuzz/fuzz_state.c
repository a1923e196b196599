/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the state.json reader (runtime/state.c: the
 * reader of state_read and state_read_light, through state_parse), both
 * ways on each input.  Besides crashes, leaks and sanitizer reports it
 * aborts when the reader breaks its promises: an accepted state has its
 * required strings, none longer than hull's path buffers take, and the
 * OCI document hull prints of it (state_oci_json) reads back the same.
 * Built and run by `make fuzz` (tests/fuzz/run.sh); seeds in corpus/state. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/state.h"

#define FAIL(...) (fprintf(stderr, "fuzz_state: " __VA_ARGS__), fputc('\n', stderr), abort())

static bool same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static void check(const struct cstate *st, bool light)
{
	if (!st->id || !st->bundle || !st->rootfs || !st->created)
		FAIL("accepted without id, bundle, rootfs or created");
	if (strlen(st->bundle) >= PATH_MAX || strlen(st->rootfs) >= PATH_MAX)
		FAIL("accepted a bundle or rootfs of PATH_MAX bytes or more");
	if (light && st->cg.n)
		FAIL("a light read read the cgroups");
	for (size_t i = 0; i < st->cg.n; i++)
		if (!st->cg.dirs[i] || !st->cg.bases[i] || !st->cg.ctrls[i] || strlen(st->cg.dirs[i]) >= PATH_MAX)
			FAIL("cgroup %zu: accepted without dir, base or controllers, or too long", i);
	for (size_t i = 0; i < st->n_annotations; i++)
		if (!st->annotations[i].key || !st->annotations[i].value)
			FAIL("annotation %zu: a key without a value", i);
	/* What `hull state` prints reads back as the same state. */
	char *json = state_oci_json(st, ST_STOPPED, false);
	if (!json)
		FAIL("state_oci_json: out of memory");
	struct cstate back;
	struct hull_err e;
	if (state_parse(json, strlen(json), "fuzz", false, &back, &e))
		FAIL("hull's own OCI state does not read back: %s: %s", e.msg, json);
	if (!same(back.id, st->id) || !same(back.bundle, st->bundle) || !same(back.rootfs, st->rootfs) ||
	    !same(back.created, st->created) || !same(back.owner ? back.owner : "", st->owner ? st->owner : "") ||
	    back.pid != st->pid || back.n_annotations != st->n_annotations)
		FAIL("hull's own OCI state reads back different: %s", json);
	for (size_t i = 0; i < st->n_annotations; i++)
		if (!same(back.annotations[i].key, st->annotations[i].key) ||
		    !same(back.annotations[i].value, st->annotations[i].value))
			FAIL("annotation %zu reads back different: %s", i, json);
	state_free(&back);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cstate full, light;
	struct hull_err e;
	int rf = state_parse((const char *)data, size, "fuzz", false, &full, &e);
	if (rf && (rf > 0 || strncmp(e.msg, "state of \"fuzz\" is corrupt", 26)))
		FAIL("error %d: %s", rf, e.msg);
	int rl = state_parse((const char *)data, size, "fuzz", true, &light, &e);
	if (rl && (rl > 0 || strncmp(e.msg, "state of \"fuzz\" is corrupt", 26)))
		FAIL("error %d: %s", rl, e.msg);
	/* The light read (list) stops before hull.cgroups, which hull writes
	 * last; when it did not stop, it read what the full read did. */
	if (!rf) {
		check(&full, false);
		if (!rl && !light.cg_unread &&
		    (!same(full.id, light.id) || !same(full.bundle, light.bundle) || !same(full.rootfs, light.rootfs) ||
		     !same(full.created, light.created) || !same(full.owner, light.owner) || full.pid != light.pid ||
		     full.creating != light.creating || full.n_annotations != light.n_annotations))
			FAIL("the light read reads differently");
		state_free(&full);
	}
	if (!rl) {
		check(&light, true);
		state_free(&light);
	}
	return 0;
}
