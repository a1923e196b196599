/* SPDX-License-Identifier: Apache-2.0 */
/* Linked into the unit tests by tests/fuzz/seeds.sh (ld --wrap): every
 * document they give the readers, and every state.json they write, is
 * also written to $FUZZ_DUMP/<harness>/<hash>, as seeds for the fuzzers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/state.h"

static void dump(const char *harness, const char *buf, size_t len)
{
	const char *dir = getenv("FUZZ_DUMP");
	if (!dir)
		return;
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/%016llx", dir, harness, (unsigned long long)h);
	FILE *f = fopen(path, "w");
	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
}

int __real_spec_parse(const char *buf, size_t len, const char *display, struct spec **out, struct spec_err *err);
int __wrap_spec_parse(const char *buf, size_t len, const char *display, struct spec **out, struct spec_err *err)
{
	dump("config", buf, len);
	return __real_spec_parse(buf, len, display, out, err);
}

int __real_spec_process_parse(const char *buf, size_t len, const char *display, struct spec_process **out,
			      void **mem, struct spec_err *err);
int __wrap_spec_process_parse(const char *buf, size_t len, const char *display, struct spec_process **out,
			      void **mem, struct spec_err *err)
{
	dump("config", buf, len);
	return __real_spec_process_parse(buf, len, display, out, mem, err);
}

int __real_spec_resources_parse(const char *buf, size_t len, const char *display, struct spec_resources **out,
				void **mem, struct spec_err *err);
int __wrap_spec_resources_parse(const char *buf, size_t len, const char *display, struct spec_resources **out,
				void **mem, struct spec_err *err)
{
	dump("config", buf, len);
	return __real_spec_resources_parse(buf, len, display, out, mem, err);
}

int __real_write_file_atomic(int dirfd, const char *name, const char *data, size_t len, unsigned mode);
int __wrap_write_file_atomic(int dirfd, const char *name, const char *data, size_t len, unsigned mode)
{
	if (!strcmp(name, "state.json"))
		dump("state", data, len);
	return __real_write_file_atomic(dirfd, name, data, len, mode);
}
