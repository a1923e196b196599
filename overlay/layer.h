/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/layer.h: one OCI image layer (image-spec layer.md) unpacked into
 * an empty directory of the store, in the form overlayfs takes as a
 * lowerdir: an OCI whiteout ".wh.NAME" becomes NAME as a 0/0 character
 * device, an opaque whiteout ".wh..wh..opq" the xattr trusted.overlay.opaque
 * = "y" on its directory (kernel Documentation/filesystems/overlayfs.rst).
 *
 * One pass over the input: the raw bytes are hashed (the blob digest) and
 * optionally copied, decompressed here (zlib, libzstd), the tar stream
 * hashed (the diff_id) and read by libarchive (tar formats only), and every
 * entry is written by this code, relative to the directory's fd: no entry
 * can write outside it, through a symlink, or link to anything not in it.
 * Needs root (whiteouts are device nodes, trusted.* xattrs, owners).
 * Linked only into the image helper (Makefile IMG_LIBS). */
#ifndef HULL_LAYER_H
#define HULL_LAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "overlay/digest.h"
#include "runtime/util.h"

enum layer_compression { LAYER_PLAIN, LAYER_GZIP, LAYER_ZSTD };

/* Pull-style input: returns bytes read (at most cap), 0 at the end, or
 * -errno.  Called from a thread of layer_unpack's own (one call at a time,
 * never after layer_unpack returned). */
struct layer_source {
	ssize_t (*read)(void *ctx, void *buf, size_t cap);
	void *ctx;
};

/* What the layer must be; every check is optional. */
struct layer_expect {
	const char *digest;     /* "sha256:..." of the bytes as read (compressed); NULL: not checked */
	int64_t size;           /* their length; -1: not checked (0 means empty) */
	const char *diff_id;    /* "sha256:..." of the uncompressed tar; NULL: not checked */
	uint64_t max_bytes;     /* limit on the uncompressed size; 0: LAYER_MAX_BYTES */
	bool allow_devices;     /* false: a block or character device entry is an error
				 * (but for a 0/0 character device, which is a whiteout) */
};

#define LAYER_MAX_BYTES (64ULL << 30)

struct layer_result {
	char digest[DIGEST_LEN];   /* of the bytes read */
	char diff_id[DIGEST_LEN];  /* of the uncompressed tar */
	uint64_t size;             /* bytes read */
	uint64_t tar_size;         /* bytes of tar */
	uint64_t entries;          /* tar entries applied (whiteouts included) */
};

/* Unpack the layer read from src (compressed as comp) into dirfd, which
 * must be an empty directory no one else writes in meanwhile.  copy_fd >= 0:
 * the bytes read are also written there as they come (the store keeps the
 * compressed blob).  display names the layer in errors, which are one line:
 *   layer sha256:ab12...: entry "../etc/passwd": path leaves the layer
 * res (may be NULL) is filled on success.  On any error (-errno) the
 * directory is left half written, and copy_fd's file incomplete: the caller
 * removes them.  Entries are applied in order, a later one replacing an
 * earlier one of the same name (a directory is kept, its metadata
 * updated); parents missing are created with mode 0755; a hard link's
 * target must be an earlier entry of this layer; the names of entries and
 * link targets may not be absolute nor hold "..", and none is reached
 * through a symlink.  Xattrs from pax headers are set, but for
 * trusted.overlay.* and user.overlay.* (overlay's own, which a layer must
 * not forge); ACLs other than as xattrs are not; an xattr on a symlink,
 * FIFO or device needs Linux 6.13 (setxattrat).  Directories get their
 * times at the end, as tar does.  When the unpacking fails and x->digest
 * or x->size is given, the rest of the input is read (hashed only, up to
 * x->size) so that a blob damaged on its way is reported as a digest or
 * size mismatch rather than as what its garbage made gunzip or tar say.
 * Errors are -EBADMSG (a stream or check that is wrong), -EFBIG (over
 * max_bytes), -EINVAL/-EPERM/-ELOOP/-ENOTDIR/-ENOENT (an entry refused),
 * or the errno of a failed read, write or call. */
int layer_unpack(const struct layer_source *src, enum layer_compression comp,
		 const struct layer_expect *x, int copy_fd, int dirfd, const char *display,
		 struct layer_result *res, struct hull_err *e);

#endif
