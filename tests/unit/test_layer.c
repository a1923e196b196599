/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for overlay/layer.c and overlay/digest.c: tar streams built
 * here with libarchive's writer (gzip'd with zlib, zstd'd with libzstd),
 * unpacked into a fresh directory, and what landed there checked with
 * fstatat, readlink, getxattr.  Hostile layers must fail with their one
 * line and leave nothing outside: each test's directory sits next to a
 * sentinel directory, which must stay empty, in a parent that must hold
 * nothing else.  Needs root (whiteouts are devices, trusted.* xattrs). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "overlay/digest.h"
#include "overlay/layer.h"
#include "runtime/util.h"
#include "tests/unit/unit.h"

#define MTIME 1000000000

static char base[64];          /* /tmp/hull-test-layer.XXXXXX */
static char layer_dir[128];    /* base/layer: where layers go */
static char sentinel[128];     /* base/sentinel: must stay empty */

/* ---- temp dirs ---------------------------------------------------------- */

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
	if (base[0])
		rm_tree(base);
}

/* A fresh, empty base/layer; its fd. */
static int fresh_layer(void)
{
	rm_tree(layer_dir);
	if (mkdir(layer_dir, 0755) < 0) {
		perror(layer_dir);
		exit(2);
	}
	return open(layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Nothing but "layer" and "sentinel" in base, nothing in sentinel. */
static bool nothing_outside(void)
{
	DIR *d = opendir(base);
	struct dirent *de;
	int n = 0;
	bool ok = true;

	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "outside")) {
			n++;
			if (strcmp(de->d_name, "layer") && strcmp(de->d_name, "sentinel"))
				ok = false;
		}
	closedir(d);
	d = opendir(sentinel);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			ok = false;
	closedir(d);
	return ok && n == 2;
}

/* ---- building layers ---------------------------------------------------- */

struct ent {
	const char *name;
	unsigned type;      /* AE_IF*, default AE_IFREG */
	unsigned mode;      /* default 0644 (0755 for directories) */
	const char *data;   /* a regular file's contents */
	size_t len;         /* ... its length when data holds NULs (else strlen) */
	const char *link;   /* symlink target */
	const char *hard;   /* hard link target */
	long uid, gid;
	long mtime;         /* default MTIME */
	const char *xname, *xval;
	unsigned maj, min;
};

static la_ssize_t tb_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	(void)a;
	buf_put(ctx, p, n);
	return (la_ssize_t)n;
}

static struct archive *tb_new(struct buf *out)
{
	struct archive *a = archive_write_new();

	*out = (struct buf){ 0 };
	archive_write_set_format_pax(a);
	archive_write_open(a, out, NULL, tb_write, NULL);
	return a;
}

static void tb_add(struct archive *a, struct ent e)
{
	struct archive_entry *ae = archive_entry_new();
	unsigned type = e.type ? e.type : AE_IFREG;
	size_t len = e.data ? (e.len ? e.len : strlen(e.data)) : 0;

	archive_entry_set_pathname(ae, e.name);
	archive_entry_set_filetype(ae, e.hard ? AE_IFREG : type);
	archive_entry_set_perm(ae, e.mode ? e.mode : type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_uid(ae, e.uid);
	archive_entry_set_gid(ae, e.gid);
	archive_entry_set_mtime(ae, e.mtime ? e.mtime : MTIME, 0);
	archive_entry_set_atime(ae, (e.mtime ? e.mtime : MTIME) + 1, 0);
	if (e.link)
		archive_entry_set_symlink(ae, e.link);
	if (e.hard)
		archive_entry_set_hardlink(ae, e.hard);
	if (type == AE_IFCHR || type == AE_IFBLK) {
		archive_entry_set_rdevmajor(ae, e.maj);
		archive_entry_set_rdevminor(ae, e.min);
	}
	if (e.xname)
		archive_entry_xattr_add_entry(ae, e.xname, e.xval, strlen(e.xval));
	archive_entry_set_size(ae, (la_int64_t)len);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		printf("# archive_write_header %s: %s\n", e.name, archive_error_string(a));
	if (len)
		archive_write_data(a, e.data, len);
	archive_entry_free(ae);
}

static struct buf tb_end(struct archive *a, struct buf *out)
{
	archive_write_close(a);
	archive_write_free(a);
	return *out;
}

#define TAR(...)                                                              \
	({                                                                    \
		struct buf out_;                                              \
		struct archive *a_ = tb_new(&out_);                           \
		struct ent ents_[] = { __VA_ARGS__ };                         \
		for (size_t i_ = 0; i_ < sizeof ents_ / sizeof *ents_; i_++)  \
			tb_add(a_, ents_[i_]);                                \
		tb_end(a_, &out_);                                            \
	})
#define E(...) ((struct ent){ __VA_ARGS__ })

/* gzip of p[0..n) as one member, appended to out */
static void gzip_into(struct buf *out, const void *p, size_t n)
{
	z_stream z = { 0 };
	char tmp[65536];
	int r;

	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = (Bytef *)tmp;
		z.avail_out = sizeof tmp;
		r = deflate(&z, Z_FINISH);
		buf_put(out, tmp, sizeof tmp - z.avail_out);
	} while (r == Z_OK);
	deflateEnd(&z);
}

static struct buf gzip(struct buf tar)
{
	struct buf out = { 0 };
	gzip_into(&out, tar.s, tar.len);
	return out;
}

static struct buf zstd(struct buf tar)
{
	struct buf out = { 0 };
	size_t cap = ZSTD_compressBound(tar.len);

	out.s = malloc(cap);
	out.cap = cap;
	out.len = ZSTD_compress(out.s, cap, tar.s, tar.len, 3);
	return out;
}

static void sha256(const void *p, size_t n, char out[DIGEST_LEN])
{
	struct digest d;
	digest_init(&d);
	digest_update(&d, p, n);
	digest_final(&d, out);
}

/* ---- unpacking ---------------------------------------------------------- */

struct mem {
	const char *p;
	size_t len, pos, step;
};

static ssize_t mem_read(void *ctx, void *buf, size_t cap)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (n > cap)
		n = cap;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static ssize_t broken_read(void *ctx, void *buf, size_t cap)
{
	(void)ctx, (void)buf, (void)cap;
	return -EIO;
}

static struct layer_expect plain_x(void)
{
	return (struct layer_expect){ .size = -1 };
}

static int unpack(struct buf in, enum layer_compression c, const struct layer_expect *x, int dirfd,
		  struct layer_result *res, struct hull_err *e)
{
	/* an odd step: reads that do not fall on tar blocks */
	struct mem m = { in.s, in.len, 0, 7777 };
	struct layer_source src = { mem_read, &m };

	*e = (struct hull_err){ 0 };
	return layer_unpack(&src, c, x, -1, dirfd, "T", res, e);
}

/* Unpack what must fail: with an error that contains want, is one line
 * and names the layer, and nothing outside the layer's directory. */
static void expect_fail_at(struct buf in, enum layer_compression c, const struct layer_expect *x,
			   const char *want, const char *file, int line)
{
	_cleanup_close_ int dfd = fresh_layer();
	struct hull_err e;
	int rc = unpack(in, c, x, dfd, NULL, &e);
	bool ok = rc < 0 && strstr(e.msg, want) && !strncmp(e.msg, "layer T: ", 9) && !strchr(e.msg, '\n');
	char name[600];

	snprintf(name, sizeof name, "refused: %s", want);
	if (!unit_report(ok, file, line, name))
		printf("#   rc=%d: %s\n", rc, e.msg);
	snprintf(name, sizeof name, "nothing written outside: %s", want);
	unit_report(nothing_outside(), file, line, name);
}
#define EXPECT_FAIL(in, c, x, want) expect_fail_at(in, c, x, want, __FILE__, __LINE__)

static struct stat st_of(int dfd, const char *path)
{
	struct stat st;
	if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		memset(&st, 0, sizeof st);
	return st;
}

static char *xattr_of(const char *rel, const char *name)
{
	static char val[256];
	char path[512];
	snprintf(path, sizeof path, "%s/%s", layer_dir, rel);
	ssize_t n = lgetxattr(path, name, val, sizeof val - 1);
	if (n < 0)
		return NULL;
	val[n] = 0;
	return val;
}

static char *file_of(int dfd, const char *path)
{
	static char buf[256];
	int fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

/* ---- tests -------------------------------------------------------------- */

static void test_digest(void)
{
	char d[DIGEST_LEN];

	UNIT_GROUP("digest");
	sha256("abc", 3, d);
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(digest_is_sha256(d));
	CHECK(digest_matches(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CHECK(!digest_matches(d, "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
	CHECK(!digest_is_sha256("sha256:ba78"));
	CHECK(!digest_is_sha256("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CHECK(!digest_is_sha256("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0"));
	CHECK(!digest_is_sha256(NULL));
}

static void test_entry_types(void)
{
	UNIT_GROUP("entry types");
	/* libarchive's writer needs a UTF-8 locale for the UTF-8 name; the
	 * reader runs in "C", as hull does */
	setlocale(LC_CTYPE, "C.UTF-8");
	struct buf tar = TAR(
		E(.name = "./", .type = AE_IFDIR, .mode = 0711, .mtime = MTIME + 5),
		E(.name = "./d/", .type = AE_IFDIR, .mode = 0750, .uid = 1000, .gid = 1001, .mtime = MTIME + 7),
		E(.name = "./d/f", .data = "hello", .mode = 04755, .uid = 1000, .gid = 1001,
		  .xname = "user.note", .xval = "v1"),
		E(.name = "d/g", .data = "sgid", .mode = 02711 | 01000, .uid = 7, .gid = 8),
		E(.name = "d/l", .type = AE_IFLNK, .link = "/etc/passwd", .uid = 5, .gid = 6),
		E(.name = "d/h", .hard = "d/f"),
		E(.name = "p", .type = AE_IFIFO, .mode = 0640, .uid = 3, .gid = 4),
		E(.name = "dev/null", .type = AE_IFCHR, .mode = 0666, .maj = 1, .min = 3),
		E(.name = "dev/sda", .type = AE_IFBLK, .mode = 0660, .maj = 8, .min = 0),
		E(.name = "deep/er/file", .data = "z", .mode = 0600),
		E(.name = "empty", .data = NULL),
		E(.name = "caf\xc3\xa9", .data = "utf8"));
	setlocale(LC_CTYPE, "C");
	struct layer_result res;
	struct hull_err e;
	_cleanup_close_ int dfd = fresh_layer();
	struct layer_expect x = plain_x();
	x.allow_devices = true;
	int rc = unpack(tar, LAYER_PLAIN, &x, dfd, &res, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	char want[DIGEST_LEN];
	sha256(tar.s, tar.len, want);
	CHECK_STR(res.digest, want);
	CHECK_STR(res.diff_id, want);
	CHECK_UINT(res.size, tar.len);
	CHECK_UINT(res.tar_size, tar.len);
	CHECK_UINT(res.entries, 12);

	struct stat st = st_of(dfd, ".");
	CHECK_INT(st.st_mode & 07777, 0711);
	CHECK_INT(st.st_mtime, MTIME + 5);
	st = st_of(dfd, "d");
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0750);
	CHECK_INT(st.st_uid, 1000);
	CHECK_INT(st.st_gid, 1001);
	CHECK_INT(st.st_mtime, MTIME + 7);  /* set after its contents */
	st = st_of(dfd, "d/f");
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 04755);  /* setuid kept: chmod after chown */
	CHECK_INT(st.st_uid, 1000);
	CHECK_INT(st.st_gid, 1001);
	CHECK_INT(st.st_mtime, MTIME);
	CHECK_INT(st.st_atime, MTIME + 1);
	CHECK_INT(st.st_nlink, 2);
	CHECK_STR(file_of(dfd, "d/f"), "hello");
	CHECK_STR(xattr_of("d/f", "user.note"), "v1");
	st = st_of(dfd, "d/g");
	CHECK_INT(st.st_mode & 07777, 03711);
	struct stat h = st_of(dfd, "d/h");
	CHECK_INT(h.st_ino, st_of(dfd, "d/f").st_ino);
	st = st_of(dfd, "d/l");
	CHECK(S_ISLNK(st.st_mode));
	CHECK_INT(st.st_uid, 5);
	CHECK_INT(st.st_gid, 6);
	CHECK_INT(st.st_mtime, MTIME);
	char target[64] = "";
	readlinkat(dfd, "d/l", target, sizeof target - 1);
	CHECK_STR(target, "/etc/passwd");
	st = st_of(dfd, "p");
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0640);
	CHECK_INT(st.st_uid, 3);
	st = st_of(dfd, "dev/null");
	CHECK(S_ISCHR(st.st_mode));
	CHECK_INT(st.st_rdev, makedev(1, 3));
	CHECK_INT(st.st_mode & 07777, 0666);
	st = st_of(dfd, "dev/sda");
	CHECK(S_ISBLK(st.st_mode));
	CHECK_INT(st.st_rdev, makedev(8, 0));
	st = st_of(dfd, "deep");
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0755);  /* a parent the tar did not list */
	CHECK_INT(st_of(dfd, "deep/er/file").st_mode & 07777, 0600);
	st = st_of(dfd, "empty");
	CHECK(S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK_STR(file_of(dfd, "caf\xc3\xa9"), "utf8");
	CHECK(nothing_outside());
	free(tar.s);
}

/* security.capability: a binary value, and it must survive the chown. */
static void test_capability(void)
{
	UNIT_GROUP("security.capability");
	static const char cap[20] = { 1, 0, 0, 2, 0, 4, 0, 0 };  /* v2, cap_net_bind_service */
	struct buf out;
	struct archive *a = tb_new(&out);
	struct archive_entry *ae = archive_entry_new();
	archive_entry_set_pathname(ae, "ping");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 04755);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_size(ae, 2);
	archive_entry_xattr_add_entry(ae, "security.capability", cap, sizeof cap);
	archive_write_header(a, ae);
	archive_write_data(a, "hi", 2);
	archive_entry_free(ae);
	struct buf tar = tb_end(a, &out);

	_cleanup_close_ int dfd = fresh_layer();
	struct hull_err e;
	struct layer_expect x = plain_x();
	int rc = unpack(tar, LAYER_GZIP, &x, dfd, NULL, &e);
	/* not gzip: refused */
	CHECK(rc < 0);
	close(dfd);
	dfd = fresh_layer();
	rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	char path[256], val[64];
	snprintf(path, sizeof path, "%s/ping", layer_dir);
	ssize_t n = getxattr(path, "security.capability", val, sizeof val);
	CHECK_INT(n, sizeof cap);
	CHECK(n == sizeof cap && !memcmp(val, cap, sizeof cap));
	CHECK_INT(st_of(dfd, "ping").st_mode & 07777, 04755);
	free(tar.s);
}

static void test_compression(void)
{
	UNIT_GROUP("compression");
	struct buf tar = TAR(E(.name = "a", .data = "one"), E(.name = "b/c", .data = "two"));
	char want_tar[DIGEST_LEN], want[DIGEST_LEN];
	sha256(tar.s, tar.len, want_tar);

	/* gzip in two members, split in the middle of a block */
	struct buf gz = { 0 };
	gzip_into(&gz, tar.s, 700);
	gzip_into(&gz, tar.s + 700, tar.len - 700);
	sha256(gz.s, gz.len, want);
	struct layer_expect x = { .digest = want, .size = (int64_t)gz.len, .diff_id = want_tar };
	struct layer_result res;
	struct hull_err e;
	_cleanup_close_ int dfd = fresh_layer();
	int rc = unpack(gz, LAYER_GZIP, &x, dfd, &res, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	CHECK_STR(res.digest, want);
	CHECK_STR(res.diff_id, want_tar);
	CHECK_UINT(res.size, gz.len);
	CHECK_UINT(res.tar_size, tar.len);
	CHECK_STR(file_of(dfd, "b/c"), "two");

	struct buf zs = zstd(tar);
	sha256(zs.s, zs.len, want);
	x = (struct layer_expect){ .digest = want, .size = (int64_t)zs.len, .diff_id = want_tar };
	close(dfd);
	dfd = fresh_layer();
	rc = unpack(zs, LAYER_ZSTD, &x, dfd, &res, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	CHECK_STR(res.digest, want);
	CHECK_STR(res.diff_id, want_tar);
	CHECK_STR(file_of(dfd, "a"), "one");

	/* copy_fd gets the bytes as read */
	char copy[256];
	snprintf(copy, sizeof copy, "%s/blob", sentinel);
	int cfd = open(copy, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct mem m = { zs.s, zs.len, 0, 100 };
	struct layer_source src = { mem_read, &m };
	close(dfd);
	dfd = fresh_layer();
	rc = layer_unpack(&src, LAYER_ZSTD, &x, cfd, dfd, "T", NULL, &e);
	CHECK_INT(rc, 0);
	struct stat st;
	fstat(cfd, &st);
	CHECK_INT(st.st_size, zs.len);
	char *back = NULL;
	size_t len = 0;
	lseek(cfd, 0, SEEK_SET);
	read_fd(cfd, 0, &back, &len);
	CHECK(len == zs.len && !memcmp(back, zs.s, len));
	free(back);
	close(cfd);
	unlink(copy);

	/* zstd in two frames */
	struct buf zs2 = { 0 };
	struct buf half = { tar.s, 1000, 0, false };
	struct buf z1 = zstd(half);
	half = (struct buf){ tar.s + 1000, tar.len - 1000, 0, false };
	struct buf z2 = zstd(half);
	buf_put(&zs2, z1.s, z1.len);
	buf_put(&zs2, z2.s, z2.len);
	x = (struct layer_expect){ .size = -1, .diff_id = want_tar };
	close(dfd);
	dfd = fresh_layer();
	rc = unpack(zs2, LAYER_ZSTD, &x, dfd, &res, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	CHECK_STR(file_of(dfd, "b/c"), "two");
	free(z1.s);
	free(z2.s);
	free(zs2.s);

	/* the source's own error */
	close(dfd);
	dfd = fresh_layer();
	struct layer_source broken = { broken_read, NULL };
	x = plain_x();
	rc = layer_unpack(&broken, LAYER_GZIP, &x, -1, dfd, "T", NULL, &e);
	CHECK_INT(rc, -EIO);
	CHECK_STR(e.msg, "layer T: reading the blob: Input/output error");

	/* the errors of the streams */
	x = plain_x();
	struct buf cut = gz;
	cut.len -= 5;
	EXPECT_FAIL(cut, LAYER_GZIP, &x, "layer T: the gzip stream ends early (truncated)");
	struct buf trailing = { 0 };
	buf_put(&trailing, gz.s, gz.len);
	buf_put(&trailing, "garbage!", 8);
	EXPECT_FAIL(trailing, LAYER_GZIP, &x, "layer T: trailing data after the gzip stream");
	trailing.len = gz.len + 1;
	trailing.s[gz.len] = 0;
	EXPECT_FAIL(trailing, LAYER_GZIP, &x, "layer T: the gzip stream ends early");
	EXPECT_FAIL(((struct buf){ "", 0, 0, false }), LAYER_GZIP, &x, "layer T: the gzip stream is empty");
	EXPECT_FAIL(tar, LAYER_GZIP, &x, "layer T: gzip: incorrect header check");
	cut = zs;
	cut.len -= 3;
	EXPECT_FAIL(cut, LAYER_ZSTD, &x, "layer T: the zstd stream ends early (truncated)");
	free(trailing.s);
	trailing = (struct buf){ 0 };
	buf_put(&trailing, zs.s, zs.len);
	buf_put(&trailing, "garbage!", 8);
	EXPECT_FAIL(trailing, LAYER_ZSTD, &x, "layer T: zstd: ");
	EXPECT_FAIL(((struct buf){ "", 0, 0, false }), LAYER_ZSTD, &x, "layer T: the zstd stream is empty");

	/* the checks */
	static const char zero[] = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	sha256(gz.s, gz.len, want);
	char msg[300];
	x = (struct layer_expect){ .digest = zero, .size = -1 };
	snprintf(msg, sizeof msg, "layer T: digest %s does not match the expected %s", want, zero);
	EXPECT_FAIL(gz, LAYER_GZIP, &x, msg);
	x = (struct layer_expect){ .size = (int64_t)gz.len + 1 };
	snprintf(msg, sizeof msg, "layer T: size %zu does not match the expected %zu", gz.len, gz.len + 1);
	EXPECT_FAIL(gz, LAYER_GZIP, &x, msg);
	x = (struct layer_expect){ .size = (int64_t)gz.len - 1 };
	snprintf(msg, sizeof msg, "layer T: the blob is larger than the expected %zu bytes", gz.len - 1);
	EXPECT_FAIL(gz, LAYER_GZIP, &x, msg);
	x = (struct layer_expect){ .diff_id = zero, .size = -1 };
	snprintf(msg, sizeof msg, "layer T: diff_id %s does not match the expected %s", want_tar, zero);
	EXPECT_FAIL(gz, LAYER_GZIP, &x, msg);
	x = (struct layer_expect){ .digest = "sha256:abc", .size = -1 };
	EXPECT_FAIL(gz, LAYER_GZIP, &x, "layer T: the expected digest \"sha256:abc\" is not sha256:<64 hex>");

	/* a blob damaged on its way: its digest is what is reported, not
	 * what the damage made the tar reader or gunzip say */
	struct buf bad = { 0 };
	buf_put(&bad, gz.s, gz.len);
	bad.s[bad.len / 2] ^= 0x55;
	x = (struct layer_expect){ .digest = want, .size = (int64_t)gz.len };
	char got[DIGEST_LEN];
	sha256(bad.s, bad.len, got);
	snprintf(msg, sizeof msg, "layer T: digest %s does not match the expected %s", got, want);
	EXPECT_FAIL(bad, LAYER_GZIP, &x, msg);
	free(bad.s);
	free(trailing.s);
	free(gz.s);
	free(zs.s);
	free(tar.s);
}

static void test_whiteouts(void)
{
	UNIT_GROUP("whiteouts");
	struct buf tar = TAR(
		E(.name = "keep", .data = "k"),
		E(.name = "gone", .data = "g"),
		E(.name = "gonedir/", .type = AE_IFDIR),
		E(.name = "gonedir/x", .data = "x"),
		E(.name = "dir/", .type = AE_IFDIR, .mode = 0700),
		E(.name = "dir/f", .data = "f"),
		E(.name = ".wh.gone"),
		E(.name = ".wh.gonedir"),
		E(.name = "dir/.wh..wh..opq"),
		E(.name = "new/.wh..wh..opq"),
		E(.name = ".wh.lower"),
		E(.name = "sub/.wh.lower2"),
		E(.name = ".wh..wh.plnk"),
		E(.name = ".wh.again"),
		E(.name = "again/", .type = AE_IFDIR),
		E(.name = "again/y", .data = "y"),
		E(.name = ".wh.file"),
		E(.name = "file", .data = "back"),
		E(.name = ".wh.implicit"),
		E(.name = "implicit/z", .data = "z"));
	_cleanup_close_ int dfd = fresh_layer();
	struct hull_err e;
	struct layer_expect x = plain_x();
	int rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	const char *wh[] = { "gone", "gonedir", "lower", "sub/lower2" };
	for (size_t i = 0; i < sizeof wh / sizeof *wh; i++) {
		struct stat st = st_of(dfd, wh[i]);
		if (!CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)))
			printf("#   %s: mode 0%o\n", wh[i], st.st_mode);
	}
	CHECK_STR(file_of(dfd, "keep"), "k");
	CHECK_STR(xattr_of("dir", "trusted.overlay.opaque"), "y");
	CHECK_STR(file_of(dfd, "dir/f"), "f");
	CHECK_INT(st_of(dfd, "dir").st_mode & 07777, 0700);
	CHECK(S_ISDIR(st_of(dfd, "new").st_mode));
	CHECK_STR(xattr_of("new", "trusted.overlay.opaque"), "y");
	CHECK(xattr_of("keep", "trusted.overlay.opaque") == NULL);
	CHECK(faccessat(dfd, ".wh..wh.plnk", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	CHECK(faccessat(dfd, ".wh.gone", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	/* deleted, then made anew in this layer: opaque */
	CHECK(S_ISDIR(st_of(dfd, "again").st_mode));
	CHECK_STR(xattr_of("again", "trusted.overlay.opaque"), "y");
	CHECK_STR(file_of(dfd, "again/y"), "y");
	CHECK_STR(file_of(dfd, "file"), "back");
	CHECK_STR(xattr_of("implicit", "trusted.overlay.opaque"), "y");
	CHECK_INT(st_of(dfd, "implicit").st_mode & 07777, 0755);
	CHECK_STR(file_of(dfd, "implicit/z"), "z");
	free(tar.s);

	x = plain_x();
	tar = TAR(E(.name = "a/.wh.."));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"a/.wh..\": whiteout of \".\", which is not a name");
	free(tar.s);
	tar = TAR(E(.name = ".wh..."));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \".wh...\": whiteout of \"..\", which is not a name");
	free(tar.s);
	tar = TAR(E(.name = "a/.wh."));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"a/.wh.\": whiteout of \"\", which is not a name");
	free(tar.s);
	/* a real 0/0 character device is a whiteout, allowed without devices */
	tar = TAR(E(.name = "w", .type = AE_IFCHR));
	close(dfd);
	dfd = fresh_layer();
	rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	CHECK_INT(rc, 0);
	CHECK(S_ISCHR(st_of(dfd, "w").st_mode));
	free(tar.s);
}

static void test_replace(void)
{
	UNIT_GROUP("later entries replace earlier ones");
	struct buf tar = TAR(
		E(.name = "r", .data = "one"),
		E(.name = "r", .data = "two", .mode = 0600),
		E(.name = "rd/", .type = AE_IFDIR),
		E(.name = "rd/x", .data = "x"),
		E(.name = "rd", .data = "file now"),
		E(.name = "q", .data = "file"),
		E(.name = "q/", .type = AE_IFDIR),
		E(.name = "k/", .type = AE_IFDIR, .mode = 0700),
		E(.name = "k/x", .data = "kept"),
		E(.name = "k/", .type = AE_IFDIR, .mode = 0751, .uid = 9),
		E(.name = "s", .data = "s"),
		E(.name = "s", .type = AE_IFLNK, .link = "r"),
		E(.name = "h", .data = "old"),
		E(.name = "h", .hard = "r"),
		E(.name = "h", .hard = "h"),
		E(.name = "r", .data = "three"));
	_cleanup_close_ int dfd = fresh_layer();
	struct hull_err e;
	struct layer_expect x = plain_x();
	int rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	if (!CHECK_INT(rc, 0))
		printf("#   %s\n", e.msg);
	CHECK_STR(file_of(dfd, "r"), "three");
	CHECK_STR(file_of(dfd, "rd"), "file now");
	CHECK(S_ISDIR(st_of(dfd, "q").st_mode));
	CHECK_STR(file_of(dfd, "k/x"), "kept");
	CHECK_INT(st_of(dfd, "k").st_mode & 07777, 0751);
	CHECK_INT(st_of(dfd, "k").st_uid, 9);
	CHECK(S_ISLNK(st_of(dfd, "s").st_mode));
	/* h was linked to the second r, which the last r replaced */
	CHECK_STR(file_of(dfd, "h"), "two");
	CHECK_INT(st_of(dfd, "h").st_mode & 07777, 0600);
	free(tar.s);
}

static void test_hostile(void)
{
	UNIT_GROUP("hostile layers");
	struct layer_expect x = plain_x();
	struct buf tar;
	char msg[600];

	/* a file next to the layer, for links to aim at */
	char outside[256];
	snprintf(outside, sizeof outside, "%s/outside", base);
	close(open(outside, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));

	tar = TAR(E(.name = "../x", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"../x\": path leaves the layer");
	free(tar.s);
	tar = TAR(E(.name = "../sentinel/x", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"../sentinel/x\": path leaves the layer");
	free(tar.s);
	tar = TAR(E(.name = "/abs", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"/abs\": absolute path");
	free(tar.s);
	tar = TAR(E(.name = "a/../../x", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"a/../../x\": path leaves the layer");
	free(tar.s);
	tar = TAR(E(.name = "a/../b", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"a/../b\": path holds \"..\"");
	free(tar.s);
	tar = TAR(E(.name = "a\nb/../../x", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"a\\x0ab/../../x\": path leaves the layer");
	free(tar.s);

	/* through a symlink planted by an earlier entry */
	tar = TAR(E(.name = "a", .type = AE_IFLNK, .link = sentinel), E(.name = "a/file", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"a/file\": path goes through the symlink \"a\"");
	free(tar.s);
	tar = TAR(E(.name = "d/", .type = AE_IFDIR), E(.name = "d/up", .type = AE_IFLNK, .link = "../.."),
		  E(.name = "d/up/sentinel/x", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"d/up/sentinel/x\": path goes through the symlink \"d/up\"");
	free(tar.s);
	tar = TAR(E(.name = "b", .type = AE_IFLNK, .link = ".."), E(.name = "b/x", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"b/x\": path goes through the symlink \"b\"");
	free(tar.s);
	tar = TAR(E(.name = "b", .type = AE_IFLNK, .link = ".."), E(.name = "b/.wh.outside"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"b/.wh.outside\": path goes through the symlink \"b\"");
	free(tar.s);
	tar = TAR(E(.name = "b", .type = AE_IFLNK, .link = ".."), E(.name = "b/.wh..wh..opq"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "path goes through the symlink \"b\"");
	free(tar.s);
	/* the symlink itself as the last component: replaced, not followed */
	tar = TAR(E(.name = "c", .type = AE_IFLNK, .link = outside), E(.name = "c", .data = "mine"));
	_cleanup_close_ int dfd = fresh_layer();
	struct hull_err e;
	int rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	CHECK_INT(rc, 0);
	CHECK_STR(file_of(dfd, "c"), "mine");
	struct stat st;
	CHECK(stat(outside, &st) == 0 && st.st_size == 0 && st.st_nlink == 1);
	CHECK(nothing_outside());
	free(tar.s);
	tar = TAR(E(.name = "c", .type = AE_IFLNK, .link = sentinel), E(.name = "c/", .type = AE_IFDIR));
	close(dfd);
	dfd = fresh_layer();
	rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	CHECK_INT(rc, 0);
	CHECK(S_ISDIR(st_of(dfd, "c").st_mode));
	CHECK(nothing_outside());
	free(tar.s);

	/* hard links */
	tar = TAR(E(.name = "h", .hard = "../outside"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": hard link target \"../outside\": path leaves the layer");
	free(tar.s);
	snprintf(msg, sizeof msg, "layer T: entry \"h\": hard link target \"%s\": absolute path", outside);
	tar = TAR(E(.name = "h", .hard = outside));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, msg);
	free(tar.s);
	tar = TAR(E(.name = "h", .hard = "/etc/passwd"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": hard link target \"/etc/passwd\": absolute path");
	free(tar.s);
	tar = TAR(E(.name = "h", .hard = "nothere"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": the hard link target \"nothere\" is not in the layer");
	free(tar.s);
	tar = TAR(E(.name = "h", .hard = "h"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": the hard link target \"h\" is not in the layer");
	free(tar.s);
	tar = TAR(E(.name = "h", .hard = "no/where"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": the hard link target is not in the layer");
	free(tar.s);
	tar = TAR(E(.name = "s", .type = AE_IFLNK, .link = base), E(.name = "h", .hard = "s/outside"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": the hard link target goes through the symlink \"s\"");
	free(tar.s);
	tar = TAR(E(.name = "s", .type = AE_IFLNK, .link = outside), E(.name = "h", .hard = "s"));
	close(dfd);
	dfd = fresh_layer();
	rc = unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e);
	CHECK_INT(rc, 0);  /* a link to the symlink itself */
	CHECK(S_ISLNK(st_of(dfd, "h").st_mode));
	free(tar.s);
	tar = TAR(E(.name = "d/", .type = AE_IFDIR), E(.name = "h", .hard = "d"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"h\": hard link to the directory \"d\"");
	free(tar.s);
	CHECK(stat(outside, &st) == 0 && st.st_nlink == 1);

	/* devices, xattrs, types */
	tar = TAR(E(.name = "null", .type = AE_IFCHR, .maj = 1, .min = 3));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"null\": character device 1:3: devices are not allowed in this layer");
	free(tar.s);
	tar = TAR(E(.name = "sda", .type = AE_IFBLK, .maj = 8, .min = 0));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"sda\": block device 8:0: devices are not allowed in this layer");
	free(tar.s);
	tar = TAR(E(.name = "d/", .type = AE_IFDIR, .xname = "trusted.overlay.opaque", .xval = "y"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"d/\": xattr \"trusted.overlay.opaque\" is overlayfs metadata, which a layer may not set");
	free(tar.s);
	tar = TAR(E(.name = "f", .data = "x", .xname = "trusted.overlay.redirect", .xval = "/etc"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "is overlayfs metadata");
	free(tar.s);
	tar = TAR(E(.name = "f", .data = "x", .xname = "user.overlay.whiteout", .xval = "y"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "is overlayfs metadata");
	free(tar.s);
	tar = TAR(E(.name = "f", .data = "x", .uid = 4294967295L));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"f\": uid 4294967295 is out of range");
	free(tar.s);
	tar = TAR(E(.name = ".", .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \".\": the layer's root as something else than a directory");
	free(tar.s);
	char longname[PATH_MAX + 10];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	tar = TAR(E(.name = longname, .data = "x"));
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "...\": name too long");
	free(tar.s);
	char big[4000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	tar = TAR(E(.name = "f", .data = big));
	tar.len = 3000;  /* in the middle of its data */
	EXPECT_FAIL(tar, LAYER_PLAIN, &x, "layer T: entry \"f\": tar: ");
	free(tar.s);
	EXPECT_FAIL(((struct buf){ "", 0, 0, false }), LAYER_PLAIN, &x, "layer T: tar: ");
	unlink(outside);
}

/* A gzip'd layer far larger once inflated than what it may be. */
static void test_limits(void)
{
	UNIT_GROUP("limits");
	static char zeros[512 * 1024];
	struct buf out;
	struct archive *a = tb_new(&out);
	for (int i = 0; i < 8; i++) {
		char name[16];
		snprintf(name, sizeof name, "z%d", i);
		tb_add(a, E(.name = name, .data = zeros, .len = sizeof zeros));
	}
	struct buf tar = tb_end(a, &out);
	struct buf gz = gzip(tar);
	struct layer_expect x = { .size = -1, .max_bytes = 1 << 20 };
	EXPECT_FAIL(gz, LAYER_GZIP, &x, "layer T: the uncompressed layer is larger than 1048576 bytes");
	struct buf zs = zstd(tar);
	EXPECT_FAIL(zs, LAYER_ZSTD, &x, "layer T: the uncompressed layer is larger than 1048576 bytes");
	/* one entry larger than all: either check may see it first */
	free(tar.s);
	a = tb_new(&out);
	tb_add(a, E(.name = "big", .data = zeros, .len = sizeof zeros));
	tar = tb_end(a, &out);
	x.max_bytes = 100000;
	_cleanup_close_ int dfd = fresh_layer();
	struct hull_err e;
	CHECK_INT(unpack(tar, LAYER_PLAIN, &x, dfd, NULL, &e), -EFBIG);
	x.max_bytes = 0;
	close(dfd);
	dfd = fresh_layer();
	CHECK_INT(unpack(gz, LAYER_GZIP, &x, dfd, NULL, &e), 0);
	CHECK_INT(st_of(dfd, "z7").st_size, sizeof zeros);
	free(tar.s);
	free(gz.s);
	free(zs.s);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (whiteouts are devices, trusted.* xattrs)\n");
		return 0;
	}
	snprintf(base, sizeof base, "/tmp/hull-test-layer.XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 2;
	}
	atexit(cleanup);
	snprintf(layer_dir, sizeof layer_dir, "%s/layer", base);
	snprintf(sentinel, sizeof sentinel, "%s/sentinel", base);
	mkdir(sentinel, 0755);

	test_digest();
	test_entry_types();
	test_capability();
	test_compression();
	test_whiteouts();
	test_replace();
	test_hostile();
	test_limits();
	return unit_done();
}
