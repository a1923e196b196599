/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/ingest: bringing an image into the store (pull, import), in the
 * image helper (it links libarchive, zlib, libzstd, libcrypto, libcurl).
 *
 * Every layer is streamed once: read (from a registry or a file), its
 * bytes hashed and kept as the blob, decompressed, its tar hashed and
 * unpacked into a directory of its own, all layers at the same time; a
 * layer's directory and its blob are renamed into place only when both
 * digests (the blob's and the config's diff_id) matched.  Names and image
 * records are written last.  The store's lock is held shared throughout
 * (gc waits); a layer is unpacked by one ingest at a time (a lock per chain
 * ID: two pulls of an image do the work once). */
#ifndef HULL_OVERLAY_INGEST_H
#define HULL_OVERLAY_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "overlay/store.h"
#include "runtime/util.h"

/* Where blobs come from. */
struct ingest_source {
	/* A small blob (a config) whole, into *buf (malloc'd). */
	int (*get)(void *ctx, const char *digest, size_t max, char **buf, size_t *len, struct hull_err *e);
	/* A blob from byte offset, to sink (registry_get_blob's contract:
	 * sink(ctx, NULL, 0) means "start over from byte 0"). */
	int (*stream)(void *ctx, const char *digest, uint64_t offset, int (*sink)(void *sctx, const void *buf, size_t n),
		      void *sctx, struct hull_err *e);
	/* Optional: an fd to read a blob from (a file); -errno if none. */
	int (*open)(void *ctx, const char *digest);
	void *ctx;
	const char *display;   /* "127.0.0.1:5000/library/busybox", "oci:DIR" */
};

enum ingest_progress { INGEST_QUIET, INGEST_LINES, INGEST_TERMINAL };

struct ingest_opts {
	enum ingest_progress progress;
	uint64_t max_layer_bytes;   /* uncompressed limit per layer; 0: the default */
	int parallel;               /* layers at once; 0: 8 */
};

/* Sweep tmp/ of ingests that died (their lock is free). */
void ingest_sweep(const struct store *s);

/* Bring in the image whose manifest is body (digest, media type as
 * fetched): config and layers from src, then the record, then name (NULL:
 * none).  The manifest's digest is checked by the caller.  On failure
 * nothing new is visible under a digest (a partial blob of a broken
 * download stays in tmp/ to be resumed). */
int ingest_manifest(const struct store *s, const struct ingest_source *src, const char *digest, const char *body,
		    size_t len, const char *name, const struct ingest_opts *o, struct hull_err *e);

/* Write a verified small blob (a manifest, a config) into the store. */
int ingest_small_blob(const struct store *s, const char *digest, const void *buf, size_t len, struct hull_err *e);

#endif
