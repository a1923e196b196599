/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp/: linux.seccomp turned into a BPF program, a cache of compiled
 * programs under the state root, and the load itself.
 *
 * The profile is checked by spec/ as it is parsed (actions, operators,
 * architectures, flags, argument indexes, NOTIFY's listener).  Compiling
 * uses libseccomp (linked into hull statically), only on a cache miss, so a
 * cached start does not pay for it.  The load is one raw
 * seccomp(2) call that needs nothing but the program in memory, so the
 * container's process can make it as its very last step before exec. */
#ifndef HULL_SECCOMP_H
#define HULL_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/util.h"
#include "spec/spec.h"

struct sc_filter {
	uint32_t flags;             /* seccomp(2) flags; NEW_LISTENER when notify */
	bool notify;                /* a rule uses SCMP_ACT_NOTIFY: the load yields a listener fd */
	bool cached;                /* came from the cache */
	unsigned short len;         /* instructions */
	struct sock_filter *insns;  /* malloc'd */
};

/* The program for sc: the cache's entry in cache_dir when one matches the
 * profile (and the libseccomp that would compile it), else compiled and
 * stored there.  cache_dir NULL: no cache.  A missing, unwritable or
 * damaged cache never fails this; it only costs a compile. */
int sc_prepare(const struct spec_seccomp *sc, const char *cache_dir, struct sc_filter *f, struct hull_err *e);
void sc_filter_free(struct sc_filter *f);

/* Install f on the calling thread.  One syscall, no allocation.  Returns
 * the listener fd (f->notify), 0, or -errno. */
int sc_load(const struct sc_filter *f);

/* The flags of spec_seccomp_flags[] this kernel accepts (bit i = entry i). */
unsigned sc_supported_flags(void);

/* ---- pieces exposed for the unit tests ---- */
/* seccomp(2) action for an action name and errnoRet (has_ret false: the
 * default, EPERM), or UINT32_MAX when the name is unknown. */
uint32_t sc_action_value(const char *name, bool has_ret, uint32_t ret);
/* The identity of a profile for the cache: every field that shapes the
 * program, length-prefixed so that no two profiles share one.  malloc'd. */
char *sc_profile_key(const struct spec_seccomp *sc, const char *lib_id, size_t *len);
/* Prepend to prog (len insns, room for len + 16) the check that gives
 * ENOSYS to x86 syscalls numbered above the highest the profile names:
 * max64/max32/max386 (-1: none named for that ABI).  Returns the new length. */
unsigned sc_enosys_stub(struct sock_filter *prog, unsigned len, long max64, long max32, long max386);

#endif
