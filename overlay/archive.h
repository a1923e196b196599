/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/archive: images from and to files, in the image helper.
 *
 * Import reads an OCI image layout (a directory), an oci-archive (a tar of
 * one) or a docker-archive (`docker save`, `podman save`: manifest.json,
 * the config, a tar per layer), and brings the image in through
 * ingest_manifest like a pull.  An archive is first unpacked into tmp/ of
 * the store (regular files and directories only; names checked), and
 * removed after.  Export writes an OCI image layout (creating it, or adding
 * to one), the blobs copied from the store. */
#ifndef HULL_OVERLAY_ARCHIVE_H
#define HULL_OVERLAY_ARCHIVE_H

#include "overlay/ingest.h"
#include "overlay/store.h"
#include "runtime/util.h"

/* name: the name to give the image (a reference as `image pull` takes
 * it), which also picks the image of a layout or archive holding several;
 * NULL: the one it holds, named as the archive names it (a layout's
 * org.opencontainers.image.ref.name when it is a whole reference, a
 * docker-archive's first RepoTags), else by digest only.  digest: the
 * manifest digest of what was imported (room for 72). */
int archive_import(const struct store *s, const char *path, const char *name, const struct ingest_opts *o,
		   char *digest, struct hull_err *e);

/* Write the image whose manifest is manifest into the OCI layout at path,
 * its index entry named by name's tag (org.opencontainers.image.ref.name)
 * with the whole name as io.containerd.image.name. */
int archive_export(const struct store *s, const char *manifest, const char *name, const char *path,
		   struct hull_err *e);

#endif
