/* SPDX-License-Identifier: Apache-2.0 */
/* spec/image.h: the documents and names of OCI images, as pure logic (no I/O,
 * no hashing: digests are checked for their form only).
 *
 *   - references ("busybox", "quay.io/x/y:1@sha256:..."), normalised as Docker
 *     and Podman do, their canonical string and a file-name-safe encoding;
 *   - digests and media types;
 *   - image manifests, image indexes (and their Docker schema 2 twins) and
 *     image configs, parsed with spec/'s walker: errors are one line naming
 *     the document and the JSON path, like
 *         sha256:1234...: layers[1].digest: invalid digest "sha256:XYZ"
 *   - platforms (`--platform linux/arm/v7`) and picking an index's manifest.
 *
 * Documents: all memory hangs off the returned struct and is released by its
 * free function; optional strings are NULL when absent, arrays are (pointer,
 * count).  Unknown fields are ignored.
 */
#ifndef HULL_SPEC_IMAGE_H
#define HULL_SPEC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

/* ---- media types ------------------------------------------------------------ */

#define IMAGE_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MT_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_MT_OCI_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMAGE_MT_OCI_LAYER_ND      "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define IMAGE_MT_OCI_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define IMAGE_MT_OCI_LAYER_ND_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define IMAGE_MT_DOCKER_LAYER      "application/vnd.docker.image.rootfs.diff.tar"
#define IMAGE_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMAGE_MT_DOCKER_FOREIGN_LAYER_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define IMAGE_MT_DOCKER_SCHEMA1        "application/vnd.docker.distribution.manifest.v1+json"
#define IMAGE_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
/* The Accept header of a manifest request: every kind image_document_kind() takes. */
#define IMAGE_MANIFEST_ACCEPT IMAGE_MT_OCI_INDEX ", " IMAGE_MT_OCI_MANIFEST ", " \
	IMAGE_MT_DOCKER_LIST ", " IMAGE_MT_DOCKER_MANIFEST

enum image_kind {
	IMAGE_KIND_UNKNOWN = 0,
	IMAGE_KIND_MANIFEST,       /* OCI image manifest or Docker schema 2 manifest */
	IMAGE_KIND_INDEX,          /* OCI image index or Docker manifest list */
	IMAGE_KIND_CONFIG,         /* OCI or Docker image config */
	IMAGE_KIND_LAYER,
	IMAGE_KIND_SCHEMA1,        /* Docker schema 1 manifest: known, refused */
};

enum image_compression {
	IMAGE_COMP_NONE = 0,       /* a plain tar */
	IMAGE_COMP_GZIP,
	IMAGE_COMP_ZSTD,
};

struct image_media {
	enum image_kind kind;
	enum image_compression compression;   /* layers */
	bool docker;               /* a Docker media type (not OCI) */
	bool nondistributable;     /* OCI nondistributable or Docker foreign layer */
};

/* What media type mt is; out (may be NULL) gets the details.  Parameters
 * (";charset=...") and case are ignored, so a Content-Type header works too.
 * NULL or unknown: IMAGE_KIND_UNKNOWN. */
enum image_kind image_media_classify(const char *mt, struct image_media *out);

/* ---- digests -------------------------------------------------------------------- */

/* "sha256:" and 64 lowercase hex digits: the only digests hull takes. */
bool image_digest_valid(const char *digest);
/* The 64 hex digits of a valid digest (a pointer into it), or NULL. */
const char *image_digest_hex(const char *digest);

/* ---- references ------------------------------------------------------------------ */

enum {
	IMAGE_NAME_MAX = 255,      /* registry "/" repository, as distribution limits names */
	IMAGE_TAG_MAX = 128,
	IMAGE_DIGEST_LEN = 71,     /* "sha256:" + 64 */
	/* registry/repository:tag@digest */
	IMAGE_REF_MAX = IMAGE_NAME_MAX + 1 + IMAGE_TAG_MAX + 1 + IMAGE_DIGEST_LEN,
};

struct image_ref {
	char registry[IMAGE_NAME_MAX + 1];     /* "docker.io", "localhost:5000", "[::1]:5000" */
	char repository[IMAGE_NAME_MAX + 1];   /* "library/busybox" */
	char tag[IMAGE_TAG_MAX + 1];           /* "" only when a digest is given */
	char digest[IMAGE_DIGEST_LEN + 1];     /* "sha256:..." or "" */
};

/* Parse a reference as `podman pull` takes it: [registry/]path[:tag][@digest].
 * The first component is a registry only if it has a '.' or ':' or is
 * "localhost"; otherwise the registry is docker.io, where one-component
 * names get "library/".  No tag and no digest: tag "latest".  A tag and a
 * digest may both be given (both kept; the digest is what to fetch).
 * 0, or -EINVAL with err = one line: invalid reference "X": <why>. */
int image_ref_parse(const char *s, struct image_ref *out, struct spec_err *err);
/* The canonical form: "docker.io/library/busybox:latest",
 * "quay.io/x/y@sha256:...", "host/r:t@sha256:...".  Returns its length, or
 * -ENAMETOOLONG when it does not fit in cap (buf then holds ""). */
int image_ref_format(const struct image_ref *ref, char *buf, size_t cap);
/* registry "/" repository, the name without tag or digest. */
int image_ref_name(const struct image_ref *ref, char *buf, size_t cap);

/* A file name for a string (a canonical reference): '%', '/', ':', '@',
 * anything outside printable ASCII and a leading '.' become %XX (uppercase
 * hex), the rest stays.  Returns the length, or -ENAMETOOLONG when the
 * result would exceed 255 bytes or cap - 1. */
int image_name_encode(const char *name, char *buf, size_t cap);
/* The inverse.  Only what image_name_encode produces is taken (so each
 * string has exactly one file name): -EINVAL otherwise, -ENAMETOOLONG when
 * the result does not fit in cap. */
int image_name_decode(const char *file, char *buf, size_t cap);

/* ---- documents -------------------------------------------------------------------- */

struct image_platform {
	const char *architecture;  /* required */
	const char *os;            /* required */
	const char *os_version;    /* "os.version" */
	const char **os_features; size_t n_os_features;   /* "os.features" */
	const char *variant;
};

struct image_descriptor {
	const char *media_type;    /* required */
	const char *digest;        /* required, image_digest_valid() */
	int64_t size;              /* required, >= 0 */
	const char **urls; size_t n_urls;
	struct spec_kv *annotations; size_t n_annotations;
	struct image_platform *platform;   /* NULL if absent */
	const char *artifact_type;
	struct image_media media;  /* image_media_classify(media_type) */
};

struct image_manifest {
	const char *media_type;    /* the document's own; NULL if absent */
	const char *artifact_type;
	struct image_descriptor config;    /* media.kind: IMAGE_KIND_CONFIG */
	struct image_descriptor *layers; size_t n_layers;   /* each IMAGE_KIND_LAYER, base first */
	struct image_descriptor *subject;  /* NULL if absent */
	struct spec_kv *annotations; size_t n_annotations;
	bool docker;               /* Docker schema 2 (by its mediaType) */
	void *priv_;
};

struct image_index {
	const char *media_type;    /* NULL if absent */
	/* In document order.  Entries whose media type is unknown are kept (an
	 * OCI index may list anything); image_index_select() passes them by. */
	struct image_descriptor *manifests; size_t n_manifests;
	struct spec_kv *annotations; size_t n_annotations;
	bool docker;               /* a Docker manifest list */
	const char *display;       /* the name given to image_index_parse */
	void *priv_;
};

struct image_config {
	const char *architecture;  /* required */
	const char *os;            /* required */
	const char *variant;
	const char *os_version;
	const char *created;
	const char *author;
	struct image_exec {
		const char *user;
		const char **env; size_t n_env;            /* each "NAME=value" */
		const char **entrypoint; size_t n_entrypoint; bool has_entrypoint;
		const char **cmd; size_t n_cmd; bool has_cmd;
		const char *working_dir;
		struct spec_kv *labels; size_t n_labels;
		const char *stop_signal;
		const char **exposed_ports; size_t n_exposed_ports;   /* the keys: "80/tcp" */
		const char **volumes; size_t n_volumes;               /* the keys: "/data" */
	} config;                  /* all empty when "config" is absent */
	const char *rootfs_type;   /* rootfs.type: "layers", the only kind there is */
	const char **diff_ids; size_t n_diff_ids;   /* rootfs.diff_ids, base first */
	void *priv_;
};

/* What a fetched manifest document is: IMAGE_KIND_MANIFEST or
 * IMAGE_KIND_INDEX, from its mediaType, else from content_type (the
 * response's Content-Type, may be NULL), else from having "layers" or
 * "manifests".  Schema 1 and unknown media types: -EINVAL, err set. */
int image_document_kind(const char *buf, size_t len, const char *display,
			const char *content_type, struct spec_err *err);

/* display names the document in messages (its digest, say).  0 or a
 * negative errno with err set; on failure *out is NULL. */
int image_manifest_parse(const char *buf, size_t len, const char *display,
			 struct image_manifest **out, struct spec_err *err);
void image_manifest_free(struct image_manifest *m);

int image_index_parse(const char *buf, size_t len, const char *display,
		      struct image_index **out, struct spec_err *err);
void image_index_free(struct image_index *ix);

int image_config_parse(const char *buf, size_t len, const char *display,
		       struct image_config **out, struct spec_err *err);
void image_config_free(struct image_config *c);
/* That the config's rootfs.diff_ids go with the manifest's layers (one
 * each); -EINVAL and err (naming display, the config) if not. */
int image_config_check_layers(const struct image_config *c, const struct image_manifest *m,
			      const char *display, struct spec_err *err);

/* ---- platforms --------------------------------------------------------------------- */

/* A wanted platform, normalised: os lowercase; architecture as Go names
 * it (x86_64 -> amd64, aarch64 -> arm64, armhf -> arm + v7, i686 -> 386);
 * the default variant filled in (arm64: "v8", arm: "v7"), else "" when none. */
struct image_platform_want {
	char os[32];
	char architecture[32];
	char variant[16];
};

/* "os/arch[/variant]" as --platform takes it.  0, or -EINVAL with err. */
int image_platform_parse(const char *s, struct image_platform_want *out, struct spec_err *err);
/* The host's: linux and machine (uname -m: "x86_64", "aarch64", "armv7l"). */
void image_platform_host(const char *machine, struct image_platform_want *out);
/* "linux/arm64/v8", "linux/amd64".  Returns the length (cut to fit cap). */
int image_platform_format(const struct image_platform_want *p, char *buf, size_t cap);

/* The entry of ix to fetch for want: a manifest (or nested index) whose
 * platform matches; among them one with the very variant, then an older
 * variant that runs (arm/v6 for arm/v7, amd64/v2 for amd64/v3), then one
 * without a variant; first in document order among equals.  Attestations
 * (annotation vnd.docker.reference.type) and unknown media types are passed
 * by; an index whose only image has no platform gives that one.  NULL and
 * err listing the platforms ix has when none fits. */
const struct image_descriptor *image_index_select(const struct image_index *ix,
						  const struct image_platform_want *want,
						  struct spec_err *err);

/* ---- registries.conf -------------------------------------------------------------- */

/* Whether containers-registries.conf(5) text conf marks the registry of
 * name (a canonical reference, "host/repo:tag") insecure: the [[registry]]
 * table whose prefix (else location) is the longest match of name says
 * (insecure = true), else a host listed in v1's [registries.insecure].
 * 1 or 0. */
int image_registry_insecure(const char *conf, const char *name);

#endif
