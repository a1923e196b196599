/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/: the image store and the overlay root filesystems made from it.
 *
 * A store is a directory (`--store`, default /var/lib/hull) shared by every
 * hull command:
 *   blobs/sha256/HEX     verified content (manifests, configs, compressed layers)
 *   layers/CHAIN/diff/   a layer unpacked (overlayfs form), keyed by its chain ID;
 *                        the directory appears by one rename, complete
 *   images/HEX           what a manifest resolved to (config, layers): a record
 *   names/ENC            one file per name (spec/image's encoding): a manifest digest
 *   containers/ID/       upper/, work/, rootfs/ (the overlay), bundle/ of a container
 *   tmp/                 ingests under way (partial blobs, layers being unpacked)
 *   lock                 flock: shared by pulls and container setups, exclusive by gc/rm
 * Writers make each file in tmp/ or beside its target and rename it in;
 * readers take no lock. */
#ifndef HULL_OVERLAY_STORE_H
#define HULL_OVERLAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/util.h"

#define STORE_DEFAULT "/var/lib/hull"

struct store {
	int fd;              /* O_PATH|O_DIRECTORY of the store */
	const char *path;
};

/* Open the store at path; create: make it (and its directories) if missing. */
int store_open(const char *path, bool create, struct store *s, struct hull_err *e);
void store_close(struct store *s);

/* flock on the store's lock file; returns the fd holding it (close to release). */
int store_lock(const struct store *s, bool exclusive, struct hull_err *e);

/* ---- names ---- */
/* The manifest digest a canonical name points at; -ENOENT (e untouched) if none. */
int store_name_get(const struct store *s, const char *name, char manifest[72], struct hull_err *e);
int store_name_set(const struct store *s, const char *name, const char *manifest, struct hull_err *e);
/* -ENOENT (e untouched) if the name was not there. */
int store_name_remove(const struct store *s, const char *name, struct hull_err *e);
/* Every name: fn(ctx, name, manifest); a non-zero return stops. */
int store_names(const struct store *s, int (*fn)(void *ctx, const char *name, const char *manifest), void *ctx,
		struct hull_err *e);

/* ---- image records ---- */
struct store_layer {
	char chain[72];      /* sha256:HEX, the layer's chain ID */
	char diff_id[72];    /* sha256:HEX of its tar */
	char blob[72];       /* sha256:HEX of the blob it came from */
	uint64_t size;       /* the blob's size */
	char media_type[128];
};
struct store_image {
	char manifest[72];
	char config[72];
	char manifest_type[128];
	size_t n_layers;     /* bottom first */
	struct store_layer *layers;
};
int store_image_get(const struct store *s, const char *manifest, struct store_image *img, struct hull_err *e);
int store_image_put(const struct store *s, const struct store_image *img, struct hull_err *e);
void store_image_free(struct store_image *img);

/* ---- blobs and layers ---- */
/* "sha256:HEX" -> "blobs/sha256/HEX" (relative to the store); false if not a digest. */
bool store_blob_rel(const char *digest, char *out, size_t cap);
bool store_blob_has(const struct store *s, const char *digest);
int store_blob_read(const struct store *s, const char *digest, size_t max, char **buf, size_t *len,
		    struct hull_err *e);
/* "layers/HEX" of a chain ID. */
bool store_layer_rel(const char *chain, char *out, size_t cap);
bool store_layer_has(const struct store *s, const char *chain);

/* ---- containers ---- */
/* containers/ID with upper/, work/, rootfs/ and an "image" file naming the
 * manifest (gc keeps what it names); -EEXIST if there already. */
int store_container_make(const struct store *s, const char *id, const char *manifest, struct hull_err *e);
int store_container_remove(const struct store *s, const char *id, struct hull_err *e);

/* An overlay of lower (top first, absolute paths) with upper/work (NULL:
 * read-only, lowers only), as a detached mount: its fd (a root to resolve
 * paths in), attached nowhere. */
int store_overlay_open(const char *const *lower, size_t n, const char *upper, const char *work,
		       struct hull_err *e);
/* The same, mounted onto the directory target. */
int store_overlay_mount(const char *const *lower, size_t n, const char *upper, const char *work, int target,
			struct hull_err *e);

/* ---- gc ---- */
/* Remove every blob, layer and image record no name and no container
 * uses, and what tmp/ holds of dead ingests; report(ctx, what) for each
 * removed.  Takes the store's lock exclusively. */
int store_gc(const struct store *s, void (*report)(void *ctx, const char *what, uint64_t bytes), void *ctx,
	     struct hull_err *e);

/* Remove name inside dirfd and everything below it, following no symlink. */
int store_rm_rf_at(int dirfd, const char *name);

#endif
