/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for overlay/layer.c: each input is a layer (its first
 * byte picks the compression: 0 plain, 1 gzip, 2 zstd, modulo 3), unpacked
 * without devices into a fresh directory, removed afterwards.  Besides
 * crashes, leaks and sanitizer reports it aborts when the unpacker breaks
 * its promises:
 *   - nothing is ever written outside the layer's directory (it sits next
 *     to a sentinel directory, in a parent that must hold nothing else);
 *   - an error is one line naming the layer;
 *   - an accepted layer holds no device but 0/0 character devices
 *     (whiteouts), and overlay xattrs only as trusted.overlay.opaque = "y"
 *     on directories; its digests agree with its sizes.
 * For plain tars the checksum of every block that looks like a ustar
 * header is set right first, so that mutations reach past it.
 * Built and run by `make fuzz` (tests/fuzz/run.sh); seeds in corpus/layer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "overlay/layer.h"

#define FAIL(...) (fprintf(stderr, "fuzz_layer: " __VA_ARGS__), fputc('\n', stderr), abort())

static char base[64], layer_dir[128], sentinel[128];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	rm_tree(base);
}

static void setup(void)
{
	snprintf(base, sizeof base, "/tmp/hull-fuzz-layer.XXXXXX");
	if (!mkdtemp(base))
		FAIL("mkdtemp: %s", strerror(errno));
	atexit(cleanup);
	snprintf(layer_dir, sizeof layer_dir, "%s/layer", base);
	snprintf(sentinel, sizeof sentinel, "%s/sentinel", base);
	if (mkdir(sentinel, 0755) < 0)
		FAIL("mkdir %s: %s", sentinel, strerror(errno));
}

static void nothing_outside(void)
{
	DIR *d = opendir(base);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "layer") &&
		    strcmp(de->d_name, "sentinel"))
			FAIL("\"%s\" appeared next to the layer", de->d_name);
	closedir(d);
	d = opendir(sentinel);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			FAIL("\"%s\" appeared in the sentinel", de->d_name);
	closedir(d);
}

static int check_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	char list[4096], val[8];
	(void)flag, (void)f;

	if ((S_ISCHR(st->st_mode) && st->st_rdev) || S_ISBLK(st->st_mode))
		FAIL("%s: a device in a layer without devices", p);
	ssize_t n = llistxattr(p, list, sizeof list);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		const char *name = list + i;
		if (strncmp(name, "trusted.overlay.", 16) && strncmp(name, "user.overlay.", 13))
			continue;
		ssize_t v = lgetxattr(p, name, val, sizeof val);
		if (strcmp(name, "trusted.overlay.opaque") || !S_ISDIR(st->st_mode) || v != 1 || val[0] != 'y')
			FAIL("%s: overlay xattr %s", p, name);
	}
	return 0;
}

/* ustar header checksum: the sum of the header's bytes with the checksum
 * field (148..155) taken as spaces, as six octal digits, NUL, space. */
static void fix_checksums(uint8_t *p, size_t n)
{
	for (size_t off = 0; off + 512 <= n; off += 512) {
		uint8_t *h = p + off;
		if (memcmp(h + 257, "ustar", 5))
			continue;
		unsigned sum = 0;
		for (int i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : h[i];
		char field[9];
		snprintf(field, sizeof field, "%06o", sum & 0777777);
		memcpy(h + 148, field, 6);
		h[154] = 0;
		h[155] = ' ';
	}
}

struct mem {
	const uint8_t *p;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t cap)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	/* small reads: the decoders' refills get exercised */
	if (n > cap)
		n = cap;
	if (n > 1000)
		n = 1000;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base[0])
		setup();
	if (!size)
		return 0;
	enum layer_compression comp = (enum layer_compression)(data[0] % 3);
	uint8_t *in = malloc(size);
	if (!in)
		return 0;
	memcpy(in, data + 1, size - 1);
	if (comp == LAYER_PLAIN)
		fix_checksums(in, size - 1);

	rm_tree(layer_dir);
	if (mkdir(layer_dir, 0755) < 0)
		FAIL("mkdir %s: %s", layer_dir, strerror(errno));
	int dfd = open(layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		FAIL("open %s: %s", layer_dir, strerror(errno));

	struct mem m = { in, size - 1, 0 };
	struct layer_source src = { mem_read, &m };
	struct layer_expect x = { .size = -1, .max_bytes = 4 << 20 };
	struct layer_result res;
	struct hull_err e = { 0 };
	int rc = layer_unpack(&src, comp, &x, -1, dfd, "F", &res, &e);
	close(dfd);

	nothing_outside();
	if (rc < 0) {
		if (strncmp(e.msg, "layer F: ", 9) || !e.msg[9])
			FAIL("the error does not name the layer: %s", e.msg);
		for (const char *p = e.msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				FAIL("the error is not one line: %s", e.msg);
	} else {
		if (res.size != size - 1)
			FAIL("size %llu for %zu bytes", (unsigned long long)res.size, size - 1);
		if (comp == LAYER_PLAIN && (strcmp(res.digest, res.diff_id) || res.tar_size != res.size))
			FAIL("a plain tar whose digest or size differs from its diff_id's");
		if (!digest_is_sha256(res.digest) || !digest_is_sha256(res.diff_id))
			FAIL("not a digest: %s %s", res.digest, res.diff_id);
		nftw(layer_dir, check_one, 16, FTW_PHYS);
	}
	rm_tree(layer_dir);
	free(in);
	return 0;
}
