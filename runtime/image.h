/* SPDX-License-Identifier: Apache-2.0 */
/* `hull image ...` and the --image of run, create and spec (runtime/image.c). */
#ifndef HULL_RUNTIME_IMAGE_H
#define HULL_RUNTIME_IMAGE_H

#include "runtime/cli.h"
#include "runtime/container.h"

/* hull image SUBCOMMAND ...: argv[0] is the subcommand. */
int image_main(struct global *g, int argc, char **argv);
/* The help lines of `hull image` for hull --help. */
void image_help_summary(void);

/* What run/create/spec --image take besides the image. */
struct image_run {
	const char *image;
	const char *const *env; size_t n_env;          /* -e K=V (K alone: the caller's value) */
	const char *workdir;                          /* -w */
	const char *user;                             /* -u USER[:GROUP] */
	const char *const *volumes; size_t n_volumes; /* -v HOST:CTR[:ro|rw] */
	const char *entrypoint;                       /* --entrypoint */
	bool read_only, tty;
	char *const *cmd; size_t n_cmd;               /* after the ID */
};

/* What image_prepare made, to pass to container_create and undo. */
struct image_prepared {
	char bundle[4096];
	char rootfs[4096];
	char *lower_mem;             /* the lower paths' storage */
	const char **lower;          /* top first */
	size_t n_lower;
	char upper[4096], work[4096];
	char store[4096];
	char id[256];
	bool made;                   /* containers/ID exists: image_unprepare removes it */
};

/* Make containers/ID of the store (upper, work, rootfs, bundle/config.json
 * from hull's default config and the image's) and fill o (bundle, the
 * overlay); root is --root (a left-over directory of an ID that is no
 * container there is replaced).  On failure nothing is left. */
int image_prepare(const struct global *g, const struct image_run *ir, const char *id, struct create_opts *o,
		  struct image_prepared *ip, struct hull_err *e);
/* Remove what image_prepare made (create failed, or the container went). */
void image_unprepare(struct image_prepared *ip);
/* The container's directory in the store, as its annotations name it, after
 * `hull delete` (runtime/lifecycle.c). */
void image_container_gone(const char *store, const char *id);

/* `hull spec --image REF --bundle DIR`: DIR/config.json for the image and
 * DIR/rootfs, the image's overlay mounted there (upper/work in DIR). */
int image_spec(const struct global *g, const struct image_run *ir, const char *dir, struct hull_err *e);

#endif
