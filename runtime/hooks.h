/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks (config.md "POSIX-platform Hooks"): each hook is exec'd with its
 * path, args and env (no shell), gets the container state JSON on stdin, and
 * is killed when its timeout (seconds) passes. */
#ifndef HULL_HOOKS_H
#define HULL_HOOKS_H

#include <stddef.h>

#include "runtime/util.h"
#include "spec/spec.h"

/* Run hooks[0..n) in order, each to completion, stopping at the first that
 * fails (exit status non-zero, killed, timed out, or cannot be exec'd).
 * 'phase' names the hook list in messages ("prestart", "poststop", ...).
 * On failure returns -errno and fills e with one line, e.g.
 *   poststart hook 1 (/usr/bin/foo): exited with status 3: <first line of its stderr>
 *   createRuntime hook 0 (/bin/slow): timed out after 2 s
 * The hook's stdout and stderr go to hull's stderr (logged at debug level as
 * well); stdin carries state_json followed by EOF.  hull's signal mask is
 * not inherited (the hook starts with an empty mask and default handlers). */
int hooks_run(const char *phase, const struct spec_hook *hooks, size_t n,
	      const char *state_json, struct hull_err *e);

#endif
