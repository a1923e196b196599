/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/layer.c: an OCI layer unpacked into a lowerdir (overlay/layer.h).
 *
 * Two threads, so that decompression overlaps the filesystem work (as
 * `tar -xzf` overlaps gzip and tar):
 *   - the decoder (a thread of ours) reads the source, hashes and copies
 *     the raw bytes, decompresses them (zlib, libzstd: libarchive gets no
 *     filter, so what it parses is exactly what was hashed), hashes and
 *     counts the tar, and hands it over in CHUNK-sized buffers of a small
 *     ring;
 *   - the caller's thread runs libarchive over those buffers (the read
 *     callback returns them as they are, without a copy) and writes each
 *     entry itself.
 *
 * Writing: every path is resolved from the layer's root with openat2
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), and the
 * entry is made by its last component in that parent's fd, never followed
 * (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW).  So an entry cannot land
 * outside the root, nor through a symlink an earlier entry planted, and a
 * hard link can only name something already beneath the root.  The parent
 * of the last entry is kept open: entries of one directory come together.
 * libarchive's archive_write_disk is not used: it resolves paths itself,
 * with its own rules (and follows symlinks in parents unless told not to).
 */
#include "overlay/layer.h"
#include "overlay/libarchive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK (256 * 1024)
#define NSLOT 4

/* setxattrat (Linux 6.13): the only way to set an xattr on a symlink, FIFO
 * or device by a name relative to a directory fd, without following it and
 * without opening it.  Same number on every architecture. */
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
struct layer_xattr_args {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

#define OPAQUE_XATTR "trusted.overlay.opaque"

/* ---- the decoder: raw bytes in, tar out -------------------------------- */

struct dec {
	const struct layer_source *src;
	enum layer_compression comp;
	const struct layer_expect *x;
	uint64_t max_bytes;
	int copy_fd;
	const char *display;

	char *in;
	size_t in_len;
	bool in_eof, ended;
	uint64_t raw, out;
	struct digest raw_d, tar_d;

	z_stream z;
	bool z_init, member_done;
	unsigned members;
	ZSTD_DCtx *zd;
	ZSTD_inBuffer zin;
	bool frame_done;
	bool corrupt;  /* the decompressor failed: maybe a damaged blob */

	char digest[DIGEST_LEN], diff_id[DIGEST_LEN];
	struct hull_err e;
	int err;
};

static int dec_err(struct dec *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int dec_err(struct dec *d, int code, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return hull_errf(&d->e, code, "layer %s: %s", d->display, what);
}

/* Bytes as read: counted against the expected size (stop at once when a
 * source sends more than announced), hashed, copied. */
static int raw_account(struct dec *d, const void *p, size_t n)
{
	d->raw += n;
	if (d->x->size >= 0 && d->raw > (uint64_t)d->x->size)
		return dec_err(d, EBADMSG, "the blob is larger than the expected %lld bytes",
			       (long long)d->x->size);
	digest_update(&d->raw_d, p, n);
	if (d->copy_fd >= 0) {
		int rc = write_all(d->copy_fd, p, n);
		if (rc < 0)
			return dec_err(d, -rc, "copying the blob: %s", strerror(-rc));
	}
	return 0;
}

static int tar_account(struct dec *d, const void *p, size_t n)
{
	d->out += n;
	if (d->out > d->max_bytes)
		return dec_err(d, EFBIG, "the uncompressed layer is larger than %llu bytes",
			       (unsigned long long)d->max_bytes);
	if (d->comp != LAYER_PLAIN)
		digest_update(&d->tar_d, p, n);
	return 0;
}

/* Up to cap bytes from the source into buf; *n = 0 at its end. */
static int src_read(struct dec *d, void *buf, size_t cap, size_t *n)
{
	ssize_t r;

	do
		r = d->src->read(d->src->ctx, buf, cap);
	while (r == -EINTR);
	if (r < 0)
		return dec_err(d, (int)-r, "reading the blob: %s", strerror((int)-r));
	if ((size_t)r > cap)
		return dec_err(d, EIO, "reading the blob: the source returned more than asked");
	*n = (size_t)r;
	if (!r)
		d->in_eof = true;
	return raw_account(d, buf, *n);
}

static int fill_plain(struct dec *d, char *buf, size_t cap, size_t *n)
{
	size_t got = 0, k;
	int rc;

	/* Whole chunks: fewer handovers between the threads. */
	while (got < cap && !d->in_eof) {
		rc = src_read(d, buf + got, cap - got, &k);
		if (rc < 0)
			return rc;
		got += k;
	}
	if (d->in_eof)
		d->ended = true;
	*n = got;
	return tar_account(d, buf, got);
}

/* gzip (RFC 1952), members one after another as gzip -d takes them; the
 * input must end exactly at the end of a member. */
static int fill_gzip(struct dec *d, char *buf, size_t cap, size_t *n)
{
	z_stream *z = &d->z;
	int rc;

	z->next_out = (Bytef *)buf;
	z->avail_out = (uInt)cap;
	while (z->avail_out) {
		if (!z->avail_in) {
			rc = src_read(d, d->in, CHUNK, &d->in_len);
			if (rc < 0)
				return rc;
			if (d->in_eof) {
				if (!d->member_done) {
					d->corrupt = true;
					return dec_err(d, EBADMSG, d->raw ? "the gzip stream ends early (truncated)"
									  : "the gzip stream is empty");
				}
				d->ended = true;
				break;
			}
			z->next_in = (Bytef *)d->in;
			z->avail_in = (uInt)d->in_len;
		}
		if (d->member_done) {
			/* More bytes after a member: they must be another one. */
			inflateReset(z);
			d->member_done = false;
		}
		int r = inflate(z, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			d->member_done = true;
			d->members++;
		} else if (r == Z_MEM_ERROR) {
			return dec_err(d, ENOMEM, "gzip: out of memory");
		} else if (r == Z_DATA_ERROR && d->members && !z->total_out) {
			d->corrupt = true;
			return dec_err(d, EBADMSG, "trailing data after the gzip stream");
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			d->corrupt = true;
			return dec_err(d, EBADMSG, "gzip: %s", z->msg ? z->msg : "corrupt data");
		}
		/* Z_BUF_ERROR: all input used, none left to progress with; the
		 * loop reads more. */
	}
	*n = cap - z->avail_out;
	return tar_account(d, buf, *n);
}

/* zstd (RFC 8878), frames one after another (skippable ones ignored). */
static int fill_zstd(struct dec *d, char *buf, size_t cap, size_t *n)
{
	ZSTD_outBuffer out = { buf, cap, 0 };
	int rc;

	while (out.pos < out.size) {
		if (d->zin.pos == d->zin.size && !d->in_eof) {
			rc = src_read(d, d->in, CHUNK, &d->in_len);
			if (rc < 0)
				return rc;
			d->zin = (ZSTD_inBuffer){ d->in, d->in_len, 0 };
		}
		bool at_end = d->in_eof && d->zin.pos == d->zin.size;
		if (at_end && d->frame_done && d->raw) {
			d->ended = true;
			break;
		}
		size_t before = out.pos, in_before = d->zin.pos;
		size_t r = ZSTD_decompressStream(d->zd, &out, &d->zin);
		if (ZSTD_isError(r)) {
			d->corrupt = true;
			return dec_err(d, EBADMSG, "zstd: %s", ZSTD_getErrorName(r));
		}
		/* 0 from a call that did something: a frame ended and all of
		 * it is out (a call without input after that says otherwise) */
		if (out.pos != before || d->zin.pos != in_before)
			d->frame_done = r == 0;
		else if (at_end) {
			d->corrupt = true;
			return dec_err(d, EBADMSG, d->raw ? "the zstd stream ends early (truncated)"
							  : "the zstd stream is empty");
		}
	}
	*n = out.pos;
	return tar_account(d, buf, *n);
}

/* At the end of the input: the digests, and the checks of what was expected. */
static int dec_finish(struct dec *d)
{
	const struct layer_expect *x = d->x;

	digest_final(&d->raw_d, d->digest);
	if (d->comp == LAYER_PLAIN)
		memcpy(d->diff_id, d->digest, DIGEST_LEN);
	else
		digest_final(&d->tar_d, d->diff_id);
	if (x->size >= 0 && d->raw != (uint64_t)x->size)
		return dec_err(d, EBADMSG, "size %llu does not match the expected %lld",
			       (unsigned long long)d->raw, (long long)x->size);
	if (x->digest && !digest_matches(d->digest, x->digest))
		return dec_err(d, EBADMSG, "digest %s does not match the expected %s", d->digest, x->digest);
	if (x->diff_id && !digest_matches(d->diff_id, x->diff_id))
		return dec_err(d, EBADMSG, "diff_id %s does not match the expected %s", d->diff_id,
			       x->diff_id);
	return 0;
}

/* The next piece of tar into buf; *n = 0 once the input ended and checked. */
static int dec_fill(struct dec *d, char *buf, size_t cap, size_t *n)
{
	int rc = 0;

	*n = 0;
	if (!d->ended) {
		if (d->comp == LAYER_GZIP)
			rc = fill_gzip(d, buf, cap, n);
		else if (d->comp == LAYER_ZSTD)
			rc = fill_zstd(d, buf, cap, n);
		else
			rc = fill_plain(d, buf, cap, n);
	}
	/* (a fill stops short only at the end) */
	if (rc < 0 || *n)
		return rc;
	return dec_finish(d);
}

/* After the unpacking failed (the tar, or the decompression) and a digest
 * or size is expected: read on, only hashing, so that a blob damaged on
 * its way is reported as that rather than as whatever its garbage made
 * gunzip or the tar reader say.  Bounded by the expected size when there
 * is one.  Sets d->err and d->e only when the blob is not what was
 * expected. */
static void dec_drain(struct dec *d)
{
	const struct layer_expect *x = d->x;
	struct hull_err saved = d->e;
	size_t n;
	int rc = 0;

	d->copy_fd = -1;
	if ((!x->digest && x->size < 0) || !d->raw_d.ctx)
		return;
	while (!d->in_eof && rc == 0)
		rc = src_read(d, d->in, CHUNK, &n);
	if (rc < 0) {
		/* a blob longer than expected says more than the error at hand */
		if (x->size >= 0 && d->raw > (uint64_t)x->size)
			d->err = rc;
		else
			d->e = saved;
		return;
	}
	digest_final(&d->raw_d, d->digest);
	if (x->size >= 0 && d->raw != (uint64_t)x->size)
		d->err = dec_err(d, EBADMSG, "size %llu does not match the expected %lld",
				 (unsigned long long)d->raw, (long long)x->size);
	else if (x->digest && !digest_matches(d->digest, x->digest))
		d->err = dec_err(d, EBADMSG, "digest %s does not match the expected %s", d->digest,
				 x->digest);
}

/* ---- the ring between the two threads ---------------------------------- */

struct ring {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *buf[NSLOT];
	size_t len[NSLOT];
	uint64_t filled, taken, freed;  /* slots counted since the start */
	bool holding;                   /* the reader still uses slot taken-1 */
	bool done;                      /* the decoder ended (d.err says how) */
	bool stop;                      /* the reader gave up */
	struct dec d;
};

static void *decoder(void *arg)
{
	struct ring *q = arg;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->filled - q->freed == NSLOT && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		bool stop = q->stop;
		unsigned slot = (unsigned)(q->filled % NSLOT);
		pthread_mutex_unlock(&q->mu);

		size_t n = 0;
		int rc = 0;
		if (stop)
			dec_drain(&q->d);
		else
			rc = dec_fill(&q->d, q->buf[slot], CHUNK, &n);

		if (rc < 0) {
			q->d.err = rc;
			if (q->d.corrupt)
				dec_drain(&q->d);
		}
		pthread_mutex_lock(&q->mu);
		if (stop || rc < 0 || !n) {
			q->done = true;
			pthread_cond_broadcast(&q->cv);
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		q->len[slot] = n;
		q->filled++;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
}

/* The next buffer of tar (valid until the next call): its length, 0 at
 * the end, -1 when the decoder failed. */
static ssize_t ring_take(struct ring *q, const void **buf)
{
	ssize_t r;

	pthread_mutex_lock(&q->mu);
	if (q->holding) {
		q->freed++;
		q->holding = false;
		pthread_cond_broadcast(&q->cv);
	}
	while (q->taken == q->filled && !q->done)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->taken == q->filled) {
		r = q->d.err < 0 ? -1 : 0;
	} else {
		unsigned slot = (unsigned)(q->taken++ % NSLOT);
		q->holding = true;
		*buf = q->buf[slot];
		r = (ssize_t)q->len[slot];
	}
	pthread_mutex_unlock(&q->mu);
	return r;
}

/* ---- the writer ---------------------------------------------------------- */

struct dirtime {
	char *path;
	ino_t ino;
	struct timespec ts[2];
};

struct unpack {
	struct archive *a;
	struct ring *q;
	const struct layer_expect *x;
	uint64_t max_bytes;
	const char *display;
	struct hull_err *e;
	int root;                   /* the layer's root, O_RDONLY */
	const char *name;           /* the entry as the tar names it, for errors
				     * (libarchive's: valid until the next header) */
	char last[300];             /* the last entry's name, quoted */
	char path[PATH_MAX];        /* ... and as a path below the root ("" for it) */
	char link[PATH_MAX];        /* a hard link's target, likewise */
	char cache_path[PATH_MAX];  /* the open parent directory */
	int cache_fd;
	bool cache_stale;
	struct dirtime *dirs;
	size_t n_dirs, cap_dirs;
	uint64_t entries;
};

/* A name as it can go into a one-line error: quoted, control bytes and
 * quotes escaped, long ones cut. */
static const char *quote(const char *s, char *buf, size_t cap)
{
	size_t o = 0;

	buf[o++] = '"';
	for (; *s && o + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (*s)
		o += (size_t)snprintf(buf + o, cap - o, "...");
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

static int fail_v(struct unpack *u, int code, bool sys, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int fail_v(struct unpack *u, int code, bool sys, const char *fmt, va_list ap)
{
	char what[600], q[300];

	vsnprintf(what, sizeof what, fmt, ap);
	if (u->name)
		return (sys ? hull_syserr : hull_errf)(u->e, code, "layer %s: entry %s: %s", u->display,
						       quote(u->name, q, sizeof q), what);
	return (sys ? hull_syserr : hull_errf)(u->e, code, "layer %s: %s", u->display, what);
}

/* "layer D: entry "NAME": what" */
static int fail(struct unpack *u, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct unpack *u, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = fail_v(u, code, false, fmt, ap);
	va_end(ap);
	return rc;
}

/* The same, ending with ": strerror(code)". */
static int failsys(struct unpack *u, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failsys(struct unpack *u, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = fail_v(u, code, true, fmt, ap);
	va_end(ap);
	return rc;
}

/* A tar name as a path below the root: "./" and "." components and
 * repeated slashes dropped; NULL, or why it cannot be one. */
static const char *normalize(const char *in, char *out, size_t cap)
{
	char *o = out;
	int depth = 0;
	bool dotdot = false;

	if (!*in)
		return "empty name";
	if (strlen(in) >= cap)
		return "name too long";
	if (*in == '/')
		return "absolute path";
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		if (!n || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return "path leaves the layer";
			dotdot = true;
			continue;
		}
		depth++;
		if (o != out)
			*o++ = '/';
		memcpy(o, c, n);
		o += n;
	}
	*o = 0;
	/* Even ".." that stays inside: no reader of a layer has a use for it,
	 * and with symlinks refused it could only be a trick. */
	return dotdot ? "path holds \"..\"" : NULL;
}

static int openat2_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

static void forget_removed(struct unpack *u, int pfd, const char *name);

/* Remove name in pfd, whatever it is (a directory with all below it):
 * later entries replace earlier ones.  0 or -errno. */
static int remove_tree(int pfd, const char *name, unsigned depth)
{
	if (!unlinkat(pfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	if (depth > PATH_MAX / 2)
		return -ELOOP;
	for (int pass = 0; pass < 3; pass++) {
		int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		DIR *dir = fdopendir(fd);
		if (!dir) {
			close(fd);
			return -ENOMEM;
		}
		struct dirent *de;
		int rc = 0;
		while (!rc && (de = readdir(dir)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				rc = remove_tree(fd, de->d_name, depth + 1);
		closedir(dir);
		if (rc < 0)
			return rc;
		if (!unlinkat(pfd, name, AT_REMOVEDIR))
			return 0;
		/* Entries readdir did not see yet while others went: once more. */
		if (errno != ENOTEMPTY)
			return -errno;
	}
	return -ENOTEMPTY;
}

static int remove_entry(struct unpack *u, int pfd, const char *name)
{
	forget_removed(u, pfd, name);
	int rc = remove_tree(pfd, name, 0);
	return rc < 0 ? failsys(u, -rc, "removing the earlier entry of this name") : 0;
}

/* The directory path (below the root) as an fd, every component reached
 * without following a symlink.  create: make missing ones (0755, as tar
 * does), and a whiteout in the way becomes a directory again, opaque
 * (this layer deleted what was below and makes it anew).  what: how the
 * path is named in errors. */
static int walk(struct unpack *u, const char *path, bool create, const char *what, int *out)
{
	char buf[PATH_MAX], q[300];
	int cur = u->root, fd, rc = 0;
	bool opaque = false;

	snprintf(buf, sizeof buf, "%s", path);
	for (char *c = buf, *slash; c; c = slash ? slash + 1 : NULL) {
		slash = strchr(c, '/');
		if (slash)
			*slash = 0;
		fd = openat2_beneath(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd == -ENOTDIR || fd == -ELOOP) {
			struct stat st;
			if (fstatat(cur, c, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				rc = failsys(u, errno, "%s", quote(buf, q, sizeof q));
				goto out;
			}
			if (S_ISLNK(st.st_mode)) {
				rc = fail(u, ELOOP, "%s goes through the symlink %s", what, quote(buf, q, sizeof q));
				goto out;
			}
			if (!create || !is_whiteout(&st)) {
				rc = fail(u, ENOTDIR, "%s goes through %s, which is not a directory", what,
					  quote(buf, q, sizeof q));
				goto out;
			}
			if (unlinkat(cur, c, 0) < 0) {
				rc = failsys(u, errno, "removing the whiteout %s", quote(buf, q, sizeof q));
				goto out;
			}
			opaque = true;
			fd = -ENOENT;
		}
		if (fd == -ENOENT && create) {
			if (mkdirat(cur, c, 0755) < 0) {
				rc = failsys(u, errno, "creating the directory %s", quote(buf, q, sizeof q));
				goto out;
			}
			fd = openat2_beneath(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			/* exactly 0755, whatever the umask */
			if (fd >= 0 && fchmod(fd, 0755) < 0)
				fd = -errno;
			if (fd >= 0 && opaque && fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
				fd = -errno;
			opaque = false;
		}
		if (fd == -ENOENT) {
			rc = fail(u, ENOENT, "%s is not in the layer", what);
			goto out;
		}
		if (fd < 0) {
			rc = failsys(u, -fd, "opening %s", quote(buf, q, sizeof q));
			goto out;
		}
		if (cur != u->root)
			close(cur);
		cur = fd;
		if (slash)
			*slash = '/';
	}
	*out = cur;
	return 0;
out:
	if (cur != u->root)
		close(cur);
	return rc;
}

/* The directory of path's parent (as kept, not to be closed) and
 * path's last component. */
static int parent(struct unpack *u, char *path, int *pfd, const char **base)
{
	char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash) {
		*pfd = u->root;
		*base = path;
		return 0;
	}
	*slash = 0;
	*base = slash + 1;
	if (u->cache_fd >= 0 && !u->cache_stale && !strcmp(u->cache_path, path)) {
		*pfd = u->cache_fd;
		*slash = '/';
		return 0;
	}
	/* One openat2 when the directory is there, a walk (making what is
	 * missing, or saying what is wrong) when not. */
	fd = openat2_beneath(u->root, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		rc = walk(u, path, true, "path", &fd);
		if (rc < 0) {
			*slash = '/';
			return rc;
		}
	}
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->cache_fd = fd;
	u->cache_stale = false;
	snprintf(u->cache_path, sizeof u->cache_path, "%s", path);
	*slash = '/';
	*pfd = fd;
	return 0;
}

/* The kept parent is no longer what its path names when that path is the
 * removed one or below it.  It is only marked: it may be the pfd in use
 * (the parent of what is removed), which stays valid. */
static void forget_removed(struct unpack *u, int pfd, const char *name)
{
	char removed[2 * PATH_MAX + 2];

	if (u->cache_fd < 0)
		return;
	if (pfd == u->root)
		snprintf(removed, sizeof removed, "%s", name);
	else if (pfd == u->cache_fd)
		snprintf(removed, sizeof removed, "%s/%s", u->cache_path, name);
	else {
		u->cache_stale = true;
		return;
	}
	size_t n = strlen(removed);
	if (!strncmp(u->cache_path, removed, n) && (!u->cache_path[n] || u->cache_path[n] == '/'))
		u->cache_stale = true;
}

/* ---- metadata ------------------------------------------------------------ */

/* Overlay's own xattrs (trusted.overlay.*, and user.overlay.* of mounts
 * with userxattr): from a tar they would forge whiteouts, opaque
 * directories, redirects. */
static bool forged_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

static int check_entry(struct unpack *u, struct archive_entry *ent)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_uid(ent) < 0 || archive_entry_uid(ent) >= UINT32_MAX)
		return fail(u, EINVAL, "uid %lld is out of range", (long long)archive_entry_uid(ent));
	if (archive_entry_gid(ent) < 0 || archive_entry_gid(ent) >= UINT32_MAX)
		return fail(u, EINVAL, "gid %lld is out of range", (long long)archive_entry_gid(ent));
	if (archive_entry_size(ent) < 0 || (uint64_t)archive_entry_size(ent) > u->max_bytes)
		return fail(u, EFBIG, "size %lld is over the limit of %llu bytes",
			    (long long)archive_entry_size(ent), (unsigned long long)u->max_bytes);
	archive_entry_xattr_reset(ent);
	while (archive_entry_xattr_next(ent, &name, &value, &size) == ARCHIVE_OK) {
		char q[300];
		if (!name || !*name)
			return fail(u, EINVAL, "an xattr without a name");
		if (forged_xattr(name))
			return fail(u, EPERM, "xattr %s is overlayfs metadata, which a layer may not set",
				    quote(name, q, sizeof q));
	}
	return 0;
}

static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
	ts[0] = archive_entry_atime_is_set(ent)
		? (struct timespec){ archive_entry_atime(ent), archive_entry_atime_nsec(ent) }
		: (struct timespec){ 0, UTIME_OMIT };
	ts[1] = archive_entry_mtime_is_set(ent)
		? (struct timespec){ archive_entry_mtime(ent), archive_entry_mtime_nsec(ent) }
		: (struct timespec){ 0, UTIME_OMIT };
}

/* Owner, then mode (a chown clears setuid and setgid), then xattrs (a
 * chown clears security.capability too), then times (data and xattr
 * writes move them).  By fd when there is one (fd >= 0), else by name in
 * pfd, never followed.  Directories get their times later (times false). */
static int set_meta(struct unpack *u, struct archive_entry *ent, int fd, int pfd, const char *base,
		    bool times)
{
	uid_t uid = (uid_t)archive_entry_uid(ent);
	gid_t gid = (gid_t)archive_entry_gid(ent);
	mode_t mode = archive_entry_mode(ent) & 07777;
	bool is_symlink = archive_entry_filetype(ent) == AE_IFLNK;
	const char *name;
	const void *value;
	size_t size;
	char q[300];

	if (fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW))
		return failsys(u, errno, "chown %u:%u", (unsigned)uid, (unsigned)gid);
	/* (a symlink's mode means nothing; fchmodat would follow it.  The
	 * name is what this entry just made, not a symlink.) */
	if (!is_symlink && (fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, base, mode, 0)))
		return failsys(u, errno, "chmod %04o", (unsigned)mode);
	archive_entry_xattr_reset(ent);
	while (archive_entry_xattr_next(ent, &name, &value, &size) == ARCHIVE_OK) {
		int r;
		if (fd >= 0) {
			r = fsetxattr(fd, name, value, size, 0);
		} else {
			struct layer_xattr_args args = { (uintptr_t)value, (uint32_t)size, 0 };
			r = (int)syscall(SYS_setxattrat, pfd, base, AT_SYMLINK_NOFOLLOW, name, &args,
					 sizeof args);
		}
		if (r < 0)
			return failsys(u, errno, "setting xattr %s", quote(name, q, sizeof q));
	}
	if (times) {
		struct timespec ts[2];
		entry_times(ent, ts);
		if (fd >= 0 ? futimens(fd, ts) : utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW))
			return failsys(u, errno, "setting its times");
	}
	return 0;
}

/* ---- entries ------------------------------------------------------------- */

static int tar_error(struct unpack *u)
{
	return fail(u, archive_errno(u->a) > 0 ? archive_errno(u->a) : EINVAL, "tar: %s",
		    archive_error_string(u->a) ? archive_error_string(u->a) : "unreadable");
}

static int write_data(struct unpack *u, struct archive_entry *ent, int fd)
{
	int64_t end = 0;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(u->a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return tar_error(u);
		/* pwrite: a sparse file's blocks come with holes between them */
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return failsys(u, errno, "write");
			done += (size_t)n;
		}
		if (len)
			end = off + (int64_t)len;
	}
	/* a hole at the end */
	if (end < archive_entry_size(ent) && ftruncate(fd, archive_entry_size(ent)) < 0)
		return failsys(u, errno, "truncate");
	return 0;
}

static int do_file(struct unpack *u, struct archive_entry *ent, int pfd, const char *base)
{
	_cleanup_close_ int fd = -1;
	int rc;

	for (int tries = 0; fd < 0; tries++) {
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries)
			return failsys(u, errno, "creating the file");
		if ((rc = remove_entry(u, pfd, base)) < 0)
			return rc;
	}
	if ((rc = write_data(u, ent, fd)) < 0)
		return rc;
	return set_meta(u, ent, fd, pfd, base, true);
}

static int add_dirtime(struct unpack *u, const char *path, int fd, struct archive_entry *ent)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return failsys(u, errno, "stat");
	if (u->n_dirs == u->cap_dirs) {
		size_t cap = u->cap_dirs ? 2 * u->cap_dirs : 64;
		struct dirtime *d = realloc(u->dirs, cap * sizeof *d);
		if (!d)
			return fail(u, ENOMEM, "out of memory");
		u->dirs = d;
		u->cap_dirs = cap;
	}
	struct dirtime *d = &u->dirs[u->n_dirs];
	d->path = strdup(*path ? path : ".");
	if (!d->path)
		return fail(u, ENOMEM, "out of memory");
	d->ino = st.st_ino;
	entry_times(ent, d->ts);
	u->n_dirs++;
	return 0;
}

static int do_dir(struct unpack *u, struct archive_entry *ent, int pfd, const char *base)
{
	_cleanup_close_ int fd = -1;
	bool opaque = false;
	struct stat st;
	int rc;

	if (!*u->path) {
		fd = fcntl(u->root, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return failsys(u, errno, "dup");
	} else {
		if (mkdirat(pfd, base, 0700) < 0) {
			if (errno != EEXIST)
				return failsys(u, errno, "creating the directory");
			if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return failsys(u, errno, "stat");
			if (!S_ISDIR(st.st_mode)) {
				/* A directory where this layer put a whiteout: what
				 * lower layers had there stays hidden. */
				opaque = is_whiteout(&st);
				if ((rc = remove_entry(u, pfd, base)) < 0)
					return rc;
				if (mkdirat(pfd, base, 0700) < 0)
					return failsys(u, errno, "creating the directory");
			}
		}
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return failsys(u, errno, "opening the directory");
	}
	if ((rc = set_meta(u, ent, fd, pfd, base, false)) < 0)
		return rc;
	if (opaque && fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
		return failsys(u, errno, "setting " OPAQUE_XATTR);
	return add_dirtime(u, u->path, fd, ent);
}

/* Make a non-regular, non-directory entry by name, replacing what is there. */
static int make_node(struct unpack *u, int pfd, const char *base, mode_t type, dev_t rdev,
		     const char *target)
{
	for (int tries = 0;; tries++) {
		int r = target ? symlinkat(target, pfd, base) : mknodat(pfd, base, type | 0600, rdev);
		if (!r)
			return 0;
		if (errno != EEXIST || tries)
			return failsys(u, errno, "creating the %s", target ? "symlink" : "node");
		int rc = remove_entry(u, pfd, base);
		if (rc < 0)
			return rc;
	}
}

static int do_hardlink(struct unpack *u, const char *target, int pfd, const char *base)
{
	_cleanup_close_ int tfd = -1;
	const char *why = normalize(target, u->link, sizeof u->link), *tbase;
	char q[300];
	int rc;

	if (why)
		return fail(u, EINVAL, "hard link target %s: %s", quote(target, q, sizeof q), why);
	if (!*u->link)
		return fail(u, EINVAL, "hard link to the layer's root");
	if (!strcmp(u->link, u->path)) {
		/* to itself: nothing to do if it is there */
		if (faccessat(pfd, base, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			return fail(u, ENOENT, "the hard link target %s is not in the layer",
				    quote(target, q, sizeof q));
		return 0;
	}
	char *slash = strrchr(u->link, '/');
	if (slash) {
		*slash = 0;
		tbase = slash + 1;
		rc = walk(u, u->link, false, "the hard link target", &tfd);
		*slash = '/';
		if (rc < 0)
			return rc;
	} else {
		tbase = u->link;
	}
	int dfd = tfd >= 0 ? tfd : u->root;
	for (int tries = 0;; tries++) {
		/* flags 0: a symlink target is linked itself, not followed */
		if (!linkat(dfd, tbase, pfd, base, 0))
			return 0;
		if (errno == ENOENT)
			return fail(u, ENOENT, "the hard link target %s is not in the layer",
				    quote(target, q, sizeof q));
		if (errno == EPERM) {
			struct stat st;
			if (!fstatat(dfd, tbase, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode))
				return fail(u, EPERM, "hard link to the directory %s", quote(target, q, sizeof q));
		}
		if (errno != EEXIST || tries)
			return failsys(u, errno, "hard link to %s", quote(target, q, sizeof q));
		if ((rc = remove_entry(u, pfd, base)) < 0)
			return rc;
	}
}

/* OCI whiteouts (image-spec layer.md, "Whiteouts"), base without ".wh.". */
static int do_whiteout(struct unpack *u, int pfd, const char *victim)
{
	char q[300];
	int rc;

	if (!strcmp(victim, ".wh..opq")) {
		/* pfd is O_RDONLY: fsetxattr works on it */
		if (fsetxattr(pfd, OPAQUE_XATTR, "y", 1, 0) < 0)
			return failsys(u, errno, "setting " OPAQUE_XATTR);
		return 0;
	}
	if (!strncmp(victim, ".wh.", 4))
		return 0;  /* other ".wh..wh." names: reserved, ignored */
	if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
		return fail(u, EINVAL, "whiteout of %s, which is not a name", quote(victim, q, sizeof q));
	if ((rc = remove_entry(u, pfd, victim)) < 0)
		return rc;
	if (mknodat(pfd, victim, S_IFCHR, makedev(0, 0)) < 0)
		return failsys(u, errno, "creating the whiteout");
	return 0;
}

static int apply(struct unpack *u, struct archive_entry *ent)
{
	const char *why, *base;
	int pfd, rc;

	u->name = archive_entry_pathname(ent);
	if (!u->name)
		return fail(u, EINVAL, "an entry whose name cannot be read");
	quote(u->name, u->last, sizeof u->last);
	if ((why = normalize(u->name, u->path, sizeof u->path)))
		return fail(u, EINVAL, "%s", why);
	if ((rc = check_entry(u, ent)) < 0)
		return rc;

	mode_t type = archive_entry_filetype(ent);
	const char *hardlink = archive_entry_hardlink(ent);
	if (!*u->path) {
		/* "./": the layer's root itself */
		if (type != AE_IFDIR || hardlink)
			return fail(u, EINVAL, "the layer's root as something else than a directory");
		return do_dir(u, ent, u->root, ".");
	}
	if ((rc = parent(u, u->path, &pfd, &base)) < 0)
		return rc;
	if (!strncmp(base, ".wh.", 4))
		return do_whiteout(u, pfd, base + 4);
	if (hardlink)
		return do_hardlink(u, hardlink, pfd, base);

	switch (type) {
	case AE_IFREG:
		return do_file(u, ent, pfd, base);
	case AE_IFDIR:
		return do_dir(u, ent, pfd, base);
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(ent);
		if (!target || !*target)
			return fail(u, EINVAL, "a symlink without a target");
		rc = make_node(u, pfd, base, 0, 0, target);
		break;
	}
	case AE_IFIFO:
		rc = make_node(u, pfd, base, S_IFIFO, 0, NULL);
		break;
	case AE_IFCHR:
	case AE_IFBLK: {
		dev_t rdev = makedev(archive_entry_rdevmajor(ent), archive_entry_rdevminor(ent));
		/* A 0/0 character device is overlay's own whiteout: the same as
		 * the ".wh." entry it stands for. */
		if (!u->x->allow_devices && !(type == AE_IFCHR && rdev == 0))
			return fail(u, EPERM, "%s device %u:%u: devices are not allowed in this layer",
				    type == AE_IFCHR ? "character" : "block", major(rdev), minor(rdev));
		rc = make_node(u, pfd, base, type == AE_IFCHR ? S_IFCHR : S_IFBLK, rdev, NULL);
		break;
	}
	case AE_IFSOCK:
		return fail(u, EINVAL, "a socket, which a layer cannot hold");
	default:
		return fail(u, EINVAL, "entry type 0%o is not supported", (unsigned)type);
	}
	if (rc < 0)
		return rc;
	return set_meta(u, ent, -1, pfd, base, true);
}

/* Directories' times, now that nothing more is written in them; one
 * removed or replaced since is skipped (its inode differs or is gone). */
static int apply_dirtimes(struct unpack *u)
{
	for (size_t i = 0; i < u->n_dirs; i++) {
		struct dirtime *d = &u->dirs[i];
		struct stat st;
		int fd = openat2_beneath(u->root, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && st.st_ino == d->ino && futimens(fd, d->ts) < 0) {
			u->name = d->path;
			int rc = failsys(u, errno, "setting its times");
			close(fd);
			return rc;
		}
		close(fd);
	}
	return 0;
}

/* What libarchive reads: the ring's buffers, then, once, the end a tar
 * should have had.  umoci 0.4.7's `insert` writes layers that stop right
 * after the last file's data, without its padding to 512 bytes or the two
 * zero blocks that end a tar; Go's archive/tar (containerd, Podman, umoci)
 * takes them as ended there, and so must hull.  The zeros are libarchive's
 * only: the diff_id is of the bytes that came.  A tar cut inside an entry
 * still fails, as the zeros cannot complete it but by more than 1.5 KiB. */
struct tar_feed {
	struct ring *q;
	uint64_t seen;
	bool ended;
};

static ssize_t archive_read_cb(struct archive *a, void *ctx, const void **buf)
{
	static const char zeros[512 + 1024];
	struct tar_feed *f = ctx;
	ssize_t n = f->ended ? 0 : ring_take(f->q, buf);

	if (n < 0)
		archive_set_error(a, EIO, "the input failed");
	if (n > 0)
		f->seen += (uint64_t)n;
	if (n == 0 && !f->ended && f->seen) {
		f->ended = true;
		*buf = zeros;
		return (ssize_t)((512 - f->seen % 512) % 512 + 1024);
	}
	return n;
}

/* ---- all together -------------------------------------------------------- */

static int run(struct unpack *u)
{
	struct archive_entry *ent;
	int r, rc;

	for (;;) {
		u->name = NULL;
		r = archive_read_next_header(u->a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return fail(u, archive_errno(u->a) > 0 ? archive_errno(u->a) : EINVAL, "tar: %s%s%s",
				    archive_error_string(u->a) ? archive_error_string(u->a) : "unreadable",
				    u->entries ? ", after the entry " : "", u->last);
		u->entries++;
		if ((rc = apply(u, ent)) < 0)
			return rc;
	}
	/* What follows the tar's end: still part of the diff_id and the
	 * checks, so read to the end of the input. */
	const void *buf;
	ssize_t n;
	while ((n = ring_take(u->q, &buf)) > 0)
		;
	return n < 0 ? -EIO : 0;
}

int layer_unpack(const struct layer_source *src, enum layer_compression comp,
		 const struct layer_expect *x, int copy_fd, int dirfd, const char *display,
		 struct layer_result *res, struct hull_err *e)
{
	struct ring *q = NULL;
	struct unpack u = { .x = x, .display = display ? display : "(unnamed)", .e = e,
			    .root = -1, .cache_fd = -1 };
	pthread_t thread;
	bool started = false;
	int rc;

	if ((rc = archive_load(e)) < 0)
		return rc;
	u.max_bytes = x->max_bytes ? x->max_bytes : LAYER_MAX_BYTES;
	if (x->digest && !digest_is_sha256(x->digest))
		return hull_errf(e, EINVAL, "layer %s: the expected digest \"%s\" is not sha256:<64 hex>",
				 u.display, x->digest);
	if (x->diff_id && !digest_is_sha256(x->diff_id))
		return hull_errf(e, EINVAL, "layer %s: the expected diff_id \"%s\" is not sha256:<64 hex>",
				 u.display, x->diff_id);
	if (comp != LAYER_PLAIN && comp != LAYER_GZIP && comp != LAYER_ZSTD)
		return hull_errf(e, EINVAL, "layer %s: unknown compression %d", u.display, (int)comp);

	u.root = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.root < 0)
		return hull_syserr(e, errno, "layer %s: opening the directory to unpack into", u.display);
	q = calloc(1, sizeof *q);
	if (!q) {
		rc = hull_errf(e, ENOMEM, "layer %s: out of memory", u.display);
		goto out;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	struct dec *d = &q->d;
	*d = (struct dec){ .src = src, .comp = comp, .x = x, .max_bytes = u.max_bytes, .copy_fd = copy_fd,
			   .display = u.display };
	for (int i = 0; i < NSLOT; i++)
		if (!(q->buf[i] = malloc(CHUNK)))
			goto nomem;
	if (!(d->in = malloc(CHUNK)) || digest_init(&d->raw_d) < 0 || digest_init(&d->tar_d) < 0)
		goto nomem;
	if (comp == LAYER_GZIP) {
		/* 16 + MAX_WBITS: gzip only, not zlib nor raw deflate */
		if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK)
			goto nomem;
		d->z_init = true;
	} else if (comp == LAYER_ZSTD) {
		if (!(d->zd = ZSTD_createDCtx()))
			goto nomem;
	}
	u.q = q;
	u.a = archive_read_new();
	if (!u.a)
		goto nomem;
	/* tar only (ustar, pax, GNU), and no filter: the decoder decompressed */
	archive_read_support_format_tar(u.a);
	/* The decoder needs little stack (its buffers are on the heap), and a
	 * smaller one is less to map and unmap per layer. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	int perr = pthread_create(&thread, &attr, decoder, q);
	pthread_attr_destroy(&attr);
	if (perr) {
		rc = hull_errf(e, perr, "layer %s: cannot start a thread: %s", u.display, strerror(perr));
		goto out;
	}
	started = true;
	struct tar_feed feed = { .q = q };
	if (archive_read_open(u.a, &feed, NULL, archive_read_cb, NULL) != ARCHIVE_OK)
		rc = tar_error(&u);
	else
		rc = run(&u);

	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(thread, NULL);
	started = false;
	/* The decoder's error first: the tar reader's (or ours) may only be
	 * what the decoder's failure left it. */
	if (d->err < 0) {
		*e = d->e;
		rc = d->err;
		goto out;
	}
	if (rc < 0)
		goto out;
	if ((rc = apply_dirtimes(&u)) < 0)
		goto out;
	if (res) {
		memcpy(res->digest, d->digest, DIGEST_LEN);
		memcpy(res->diff_id, d->diff_id, DIGEST_LEN);
		res->size = d->raw;
		res->tar_size = d->out;
		res->entries = u.entries;
	}
	rc = 0;
	goto out;
nomem:
	rc = hull_errf(e, ENOMEM, "layer %s: out of memory", u.display);
out:
	if (started) {
		pthread_mutex_lock(&q->mu);
		q->stop = true;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
		pthread_join(thread, NULL);
	}
	if (u.a)
		archive_read_free(u.a);
	if (q) {
		for (int i = 0; i < NSLOT; i++)
			free(q->buf[i]);
		free(q->d.in);
		digest_free(&q->d.raw_d);
		digest_free(&q->d.tar_d);
		if (q->d.z_init)
			inflateEnd(&q->d.z);
		ZSTD_freeDCtx(q->d.zd);
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
	}
	for (size_t i = 0; i < u.n_dirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	if (u.cache_fd >= 0)
		close(u.cache_fd);
	close(u.root);
	return rc;
}
