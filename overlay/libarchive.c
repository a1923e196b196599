/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/libarchive.c: the table of overlay/libarchive.h, filled by dlopen. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "runtime/util.h"

/* (Declared here without libarchive.h's macros, which would rename the
 * functions whose addresses dlsym looks up.) */
#define ARCHIVE_FUNCTIONS_ONLY
#include "overlay/libarchive.h"

struct archive_fns archive_fns;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failed[256];

static void load(void)
{
	/* Debian's soname; a libarchive already in the process (the unit
	 * tests link it) is the one returned. */
	void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(failed, sizeof failed, "%s", dlerror());
		return;
	}
#define ARCHIVE_FN_LOAD(f)                                                                    \
	if (!failed[0] && !(*(void **)&archive_fns.f = dlsym(h, #f)))                         \
		snprintf(failed, sizeof failed, "libarchive.so.13 has no %s", #f);
	ARCHIVE_FUNCTIONS(ARCHIVE_FN_LOAD)
#undef ARCHIVE_FN_LOAD
}

int archive_load(struct hull_err *e)
{
	pthread_once(&once, load);
	return failed[0] ? hull_errf(e, ELIBACC, "libarchive: %s (apt-get install libarchive13)", failed) : 0;
}
