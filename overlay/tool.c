/* SPDX-License-Identifier: Apache-2.0 */
/* The image helper: `hull image pull`, `import` and `export`.
 *
 * Why a second program: hull is a static PIE (no dynamic loader, no
 * relocation of shared libraries on every `run`), and libcurl, libarchive
 * and their dependencies exist here only as shared libraries.  So the code
 * that needs them is this small dynamically linked program, embedded in
 * hull's own file (runtime/imagetool.S) and started from a memfd only by
 * the commands that need it: the start path of a container never maps a
 * byte of it.  hull has parsed and checked the flags; this takes them in
 * one fixed form:
 *   hull-image pull   STORE PROGRESS REF [--insecure] [--cert-dir D] [--authfile F] [--creds U:P]
 *                                        [--platform P] [--max-layer-size N]
 *   hull-image import STORE PROGRESS PATH [--max-layer-size N] [NAME]
 *   hull-image export STORE MANIFEST NAME PATH
 * PROGRESS: quiet, lines or terminal. */
#include "overlay/archive.h"
#include "overlay/ingest.h"
#include "overlay/registry.h"
#include "overlay/store.h"
#include "spec/image.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* ---- pull ---------------------------------------------------------------- */

struct membuf {
	char *p;
	size_t len, max;
};

static int mem_sink(void *ctx, const void *buf, size_t n)
{
	struct membuf *m = ctx;
	if (!buf) {
		m->len = 0;
		return 0;
	}
	if (m->len + n > m->max)
		return -EFBIG;
	memcpy(m->p + m->len, buf, n);
	m->len += n;
	return 0;
}

static int reg_get(void *ctx, const char *digest, size_t max, char **buf, size_t *len, struct hull_err *e)
{
	struct membuf m = { malloc(max + 1), 0, max };
	if (!m.p)
		return hull_errf(e, ENOMEM, "out of memory");
	int r = registry_get_blob(ctx, digest, 0, mem_sink, &m, NULL, e);
	if (r < 0) {
		free(m.p);
		return r;
	}
	m.p[m.len] = 0;
	*buf = m.p;
	*len = m.len;
	return 0;
}

static int reg_stream(void *ctx, const char *digest, uint64_t offset, int (*sink)(void *, const void *, size_t),
		      void *sctx, struct hull_err *e)
{
	return registry_get_blob(ctx, digest, offset, sink, sctx, NULL, e);
}

static enum ingest_progress progress_mode(const char *s)
{
	return !strcmp(s, "terminal") ? INGEST_TERMINAL : !strcmp(s, "lines") ? INGEST_LINES : INGEST_QUIET;
}

static int fail(const struct hull_err *e)
{
	fprintf(stderr, "hull: %s\n", e->msg);
	return 1;
}

/* The end of a pull or an import: the error, or the manifest's digest
 * as the last line (none with -q). */
static int finish(int r, const struct hull_err *e, const struct ingest_opts *io, const char *digest)
{
	if (r < 0)
		return fail(e);
	if (io->progress != INGEST_QUIET)
		printf("%s\n", digest);
	return 0;
}

static int cmd_pull(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	const char *store_path = argv[1], *ref_s = argv[3];
	struct registry_opts ro = { 0 };
	struct ingest_opts io = { .progress = progress_mode(argv[2]) };
	const char *platform = NULL;
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--insecure"))
			ro.insecure = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--cert-dir"))
			ro.cert_dir = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--authfile"))
			ro.authfile = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--creds"))
			ro.creds = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--platform"))
			platform = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--max-layer-size"))
			io.max_layer_bytes = strtoull(argv[++i], NULL, 10);
		else
			return 2;
	}
	struct hull_err e = { 0 };
	struct spec_err serr;
	struct image_ref ref;
	char name[IMAGE_REF_MAX + 1];
	if (image_ref_parse(ref_s, &ref, &serr) < 0) {
		fprintf(stderr, "hull: image pull: %s\n", serr.msg);
		return 1;
	}
	image_ref_format(&ref, name, sizeof name);
	struct image_platform_want want;
	if (platform) {
		if (image_platform_parse(platform, &want, &serr) < 0) {
			fprintf(stderr, "hull: image pull: --platform: %s\n", serr.msg);
			return 1;
		}
	} else {
		struct utsname u;
		uname(&u);
		image_platform_host(u.machine, &want);
	}
	struct store s;
	if (store_open(store_path, true, &s, &e) < 0)
		return fail(&e);
	struct registry *reg = NULL;
	char *body = NULL;
	size_t len = 0;
	char mt[256], digest[REGISTRY_DIGEST_SIZE];
	int r = registry_open(ref.registry, ref.repository, &ro, &reg, &e);
	if (r == 0)
		r = registry_get_manifest(reg, ref.digest[0] ? ref.digest : ref.tag, &body, &len, mt, sizeof mt, digest, &e);
	if (r == 0) {
		int kind = image_document_kind(body, len, digest, mt[0] ? mt : NULL, &serr);
		if (kind < 0) {
			r = hull_errf(&e, EINVAL, "%s: %s", name, serr.msg);
		} else if (kind == IMAGE_KIND_INDEX) {
			/* An index: the manifest of the platform wanted. */
			struct image_index *ix = NULL;
			const struct image_descriptor *d = NULL;
			if ((r = image_index_parse(body, len, digest, &ix, &serr)) < 0 ||
			    !(d = image_index_select(ix, &want, &serr))) {
				r = hull_errf(&e, r < 0 ? -r : ENOENT, "%s: %s", name, serr.msg);
			} else {
				char want_digest[REGISTRY_DIGEST_SIZE];
				snprintf(want_digest, sizeof want_digest, "%s", d->digest);
				free(body);
				body = NULL;
				r = registry_get_manifest(reg, want_digest, &body, &len, mt, sizeof mt, digest, &e);
				if (r == 0 && image_document_kind(body, len, digest, mt[0] ? mt : NULL, &serr) != IMAGE_KIND_MANIFEST)
					r = hull_errf(&e, EINVAL, "%s: %s: not an image manifest", name, want_digest);
			}
			image_index_free(ix);
		}
	}
	if (r == 0) {
		char display[IMAGE_REF_MAX + 1];
		image_ref_name(&ref, display, sizeof display);
		struct ingest_source src = { reg_get, reg_stream, NULL, reg, display };
		r = ingest_manifest(&s, &src, digest, body, len, name, &io, &e);
	}
	free(body);
	if (reg)
		registry_close(reg);
	store_close(&s);
	return finish(r, &e, &io, digest);
}

/* ---- import / export ------------------------------------------------------ */

static int cmd_import(int argc, char **argv)
{
	struct ingest_opts io = { .progress = 0 };
	if (argc >= 6 && !strcmp(argv[4], "--max-layer-size")) {
		/* STORE PROGRESS PATH --max-layer-size N [NAME] -> STORE PROGRESS PATH [NAME] */
		io.max_layer_bytes = strtoull(argv[5], NULL, 10);
		for (int i = 4; i + 2 <= argc; i++)
			argv[i] = argv[i + 2];
		argc -= 2;
	}
	if (argc < 4 || argc > 5)
		return 2;
	io.progress = progress_mode(argv[2]);
	struct hull_err e = { 0 };
	struct store s;
	if (store_open(argv[1], true, &s, &e) < 0)
		return fail(&e);
	char digest[80] = "";
	int r = archive_import(&s, argv[3], argc == 5 ? argv[4] : NULL, &io, digest, &e);
	store_close(&s);
	return finish(r, &e, &io, digest);
}

static int cmd_export(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	struct hull_err e = { 0 };
	struct store s;
	if (store_open(argv[1], false, &s, &e) < 0)
		return fail(&e);
	int r = archive_export(&s, argv[2], argv[3], argv[4], &e);
	store_close(&s);
	return r < 0 ? fail(&e) : 0;
}

int main(int argc, char **argv)
{
	/* A reader gone (an unpack that stopped) is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	int r = 2;
	if (argc >= 2 && !strcmp(argv[1], "pull"))
		r = cmd_pull(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "import"))
		r = cmd_import(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "export"))
		r = cmd_export(argc - 1, argv + 1);
	if (r == 2)
		fprintf(stderr, "hull: image helper: bad arguments (it is started by hull, not by hand)\n");
	return r;
}
