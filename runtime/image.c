/* SPDX-License-Identifier: Apache-2.0 */
/* `hull image ...` (pull, import, export, ls, inspect, rm, gc, mount,
 * umount) and --image for run, create and spec.
 *
 * pull, import and export run the image helper (overlay/tool.c), which hull
 * carries in its own file and starts from a sealed memfd: the libraries
 * they need (libcurl, libarchive, zlib, libzstd, libcrypto) are shared
 * ones, and hull, a static program, maps none of them on any other
 * command.  Everything else here reads the store directly. */
#include "runtime/image.h"
#include "overlay/store.h"
#include "runtime/log.h"
#include "runtime/state.h"
#include "spec/image.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

extern char **environ;
extern const char hull_imagetool[], hull_imagetool_end[];
extern const char hull_default_seccomp[];

enum { DOC_MAX = 8 << 20 };

static const char *store_path(const struct global *g)
{
	return g->store ? g->store : STORE_DEFAULT;
}

/* ---- the helper -------------------------------------------------------- */

static int run_tool(char **argv)
{
	int fd = memfd_create("hull-image", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x10U /* MFD_EXEC */);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("hull-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t n = (size_t)(hull_imagetool_end - hull_imagetool);
	if (fd < 0 || write_all(fd, hull_imagetool, n) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return cli_usage_error("image %s: preparing the image helper: %s", argv[1], strerror(errno));
	fflush(stdout);
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return cli_usage_error("image %s: starting the image helper: %s", argv[1], strerror(errno));
}

static const char *progress(bool quiet)
{
	return quiet ? "quiet" : isatty(1) ? "terminal" : "lines";
}

/* ---- resolving a reference in the store -------------------------------- */

static bool is_hex(const char *s, size_t min)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n >= min && n <= 64 && !s[n];
}

struct by_id {
	const struct store *s;
	const char *want;      /* hex prefix */
	char found[72];
	int matches;
};

static int by_id_one(void *ctx, const char *name, const char *manifest)
{
	(void)name;
	struct by_id *b = ctx;
	struct store_image img;
	struct hull_err ignore;
	size_t l = strlen(b->want);
	bool m = !strncmp(manifest + 7, b->want, l);
	if (!m && store_image_get(b->s, manifest, &img, &ignore) == 0) {
		m = !strncmp(img.config + 7, b->want, l);
		store_image_free(&img);
	}
	if (m && strcmp(b->found, manifest)) {
		snprintf(b->found, sizeof b->found, "%s", manifest);
		b->matches++;
	}
	return 0;
}

/* ref: a name ("busybox", "host/r:t", "r@sha256:..."), or an image ID or
 * manifest digest (or a prefix of 4+ hex digits of one).  name (may be
 * NULL): the canonical name, "" for an ID. */
static int resolve(const struct store *s, const char *ref, char manifest[72], char *name, size_t cap,
		   struct hull_err *e)
{
	const char *hex = !strncmp(ref, "sha256:", 7) ? ref + 7 : ref;
	if (is_hex(hex, 4)) {
		struct by_id b = { .s = s, .want = hex };
		int r = store_names(s, by_id_one, &b, e);
		if (r < 0)
			return r;
		if (b.matches == 1) {
			memcpy(manifest, b.found, 72);
			if (name)
				name[0] = 0;
			return 0;
		}
		if (b.matches > 1)
			return hull_errf(e, EINVAL, "image \"%s\": more than one image has an ID starting so", ref);
		if (hex != ref)
			return hull_errf(e, ENOENT, "image \"%s\" is not in the store %s", ref, s->path);
	}
	struct image_ref ir;
	struct spec_err serr;
	char canon[IMAGE_REF_MAX + 1];
	if (image_ref_parse(ref, &ir, &serr) < 0)
		return hull_errf(e, EINVAL, "%s", serr.msg);
	image_ref_format(&ir, canon, sizeof canon);
	int r = store_name_get(s, canon, manifest, e);
	if (r == -ENOENT)
		return hull_errf(e, ENOENT, "image \"%s\" (%s) is not in the store %s (hull image pull %s)", ref, canon,
				 s->path, ref);
	if (r == 0 && name)
		snprintf(name, cap, "%s", canon);
	return r;
}

/* The image's config, parsed; *raw keeps its text. */
static int load_config(const struct store *s, const struct store_image *img, struct image_config **cfg, char **raw,
		       struct hull_err *e)
{
	size_t len = 0;
	int r = store_blob_read(s, img->config, DOC_MAX, raw, &len, e);
	if (r < 0)
		return r;
	struct spec_err serr;
	if ((r = image_config_parse(*raw, len, img->config, cfg, &serr)) < 0) {
		free(*raw);
		*raw = NULL;
		return hull_errf(e, -r, "store %s: config %s", s->path, serr.msg);
	}
	return 0;
}

/* The lower directories of img, top first, as absolute paths. */
static int lowers(const struct store *s, const struct store_image *img, char **mem, const char ***out,
		  struct hull_err *e)
{
	size_t per = strlen(s->path) + 96;
	*mem = malloc(per * (img->n_layers + 1));
	*out = calloc(img->n_layers + 1, sizeof **out);
	if (!*mem || !*out) {
		free(*mem);
		free(*out);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct store_layer *l = &img->layers[img->n_layers - 1 - i];
		char *p = *mem + per * i;
		snprintf(p, per, "%s/layers/%s/diff", s->path, l->chain + 7);
		if (!store_layer_has(s, l->chain)) {
			free(*mem);
			free(*out);
			return hull_errf(e, ENOENT, "store %s: layer %s of image %s is missing (pull it again)", s->path,
					 l->chain, img->manifest);
		}
		(*out)[i] = p;
	}
	return 0;
}

/* ---- ls / inspect / rm / gc ------------------------------------------- */

struct ls_row {
	char *name, manifest[72];
};

struct ls_ctx {
	struct ls_row *rows;
	size_t n, cap;
};

static int ls_add(void *ctx, const char *name, const char *manifest)
{
	struct ls_ctx *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *p = realloc(l->rows, cap * sizeof *l->rows);
		if (!p)
			return -ENOMEM;
		l->rows = p;
		l->cap = cap;
	}
	l->rows[l->n].name = strdup(name);
	memcpy(l->rows[l->n++].manifest, manifest, 72);
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ls_row *)a)->name, ((const struct ls_row *)b)->name);
}

static void human(uint64_t b, char *buf, size_t cap)
{
	if (b >= 1 << 20)
		snprintf(buf, cap, "%.1f MB", (double)b / 1e6);
	else
		snprintf(buf, cap, "%.1f kB", (double)b / 1e3);
}

static void jstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static int cmd_ls(struct global *g, const struct parsed *p)
{
	bool json = p->val[0] && !strcmp(p->val[0], "json");
	if (p->val[0] && !json && strcmp(p->val[0], "table"))
		return cli_usage_error("image ls: --format: \"%s\" is neither table nor json", p->val[0]);
	struct store s;
	struct hull_err e;
	if (store_open(store_path(g), false, &s, &e) < 0) {
		if (e.code != ENOENT)
			return cli_fail(&e);
		s.fd = -1;   /* no store yet: no images */
	}
	struct ls_ctx l = { 0 };
	if (s.fd >= 0 && store_names(&s, ls_add, &l, &e) < 0)
		return cli_fail(&e);
	qsort(l.rows, l.n, sizeof *l.rows, row_cmp);
	yajl_gen jg = json ? yajl_gen_alloc(NULL) : NULL;
	if (jg) {
		yajl_gen_config(jg, yajl_gen_beautify, 1);
		yajl_gen_array_open(jg);
	} else if (!p->set[1]) {
		printf("%-40s %-16s %-14s %-22s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	}
	for (size_t i = 0; i < l.n; i++) {
		struct store_image img;
		struct image_config *cfg = NULL;
		char *raw = NULL;
		if (store_image_get(&s, l.rows[i].manifest, &img, &e) < 0)
			continue;
		load_config(&s, &img, &cfg, &raw, &e);
		uint64_t size = 0;
		for (size_t k = 0; k < img.n_layers; k++)
			size += img.layers[k].size;
		struct image_ref ref;
		struct spec_err serr;
		char repo[IMAGE_REF_MAX + 1] = "", tag[IMAGE_TAG_MAX + 2] = "<none>";
		if (image_ref_parse(l.rows[i].name, &ref, &serr) == 0) {
			image_ref_name(&ref, repo, sizeof repo);
			if (ref.tag[0])
				snprintf(tag, sizeof tag, "%s", ref.tag);
		}
		const char *created = cfg && cfg->created ? cfg->created : "";
		if (jg) {
			yajl_gen_map_open(jg);
			jstr(jg, "name");
			jstr(jg, l.rows[i].name);
			jstr(jg, "id");
			jstr(jg, img.config + 7);
			jstr(jg, "digest");
			jstr(jg, img.manifest);
			jstr(jg, "created");
			jstr(jg, created);
			jstr(jg, "size");
			yajl_gen_integer(jg, (long long)size);
			jstr(jg, "layers");
			yajl_gen_integer(jg, (long long)img.n_layers);
			yajl_gen_map_close(jg);
		} else if (p->set[1]) {
			printf("%.12s\n", img.config + 7);
		} else {
			char sz[32], when[32];
			human(size, sz, sizeof sz);
			snprintf(when, sizeof when, "%.10s %.5s", created, strlen(created) > 11 ? created + 11 : "");
			printf("%-40s %-16s %-14.12s %-22s %s\n", repo, tag, img.config + 7, created[0] ? when : "", sz);
		}
		image_config_free(cfg);
		free(raw);
		store_image_free(&img);
	}
	if (jg) {
		yajl_gen_array_close(jg);
		char *out = json_gen_take(jg);   /* (frees jg) */
		if (out)
			fputs(out, stdout);
		free(out);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.rows[i].name);
	free(l.rows);
	store_close(&s);
	return 0;
}

static int cmd_inspect(struct global *g, const struct parsed *p)
{
	struct store s;
	struct hull_err e;
	char manifest[72];
	if (store_open(store_path(g), false, &s, &e) < 0 || resolve(&s, p->argv[0], manifest, NULL, 0, &e) < 0)
		return cli_fail(&e);
	struct store_image img;
	char *raw = NULL;
	size_t len = 0;
	int r = store_image_get(&s, manifest, &img, &e);
	if (r == 0)
		r = store_blob_read(&s, img.config, DOC_MAX, &raw, &len, &e);
	if (r == 0) {
		fwrite(raw, 1, len, stdout);
		if (len && raw[len - 1] != '\n')
			putchar('\n');
	}
	free(raw);
	if (r == 0)
		store_image_free(&img);
	store_close(&s);
	return r < 0 ? cli_fail(&e) : 0;
}

static void gc_report(void *ctx, const char *what, uint64_t bytes)
{
	uint64_t *total = ctx;
	*total += bytes;
	char sz[32];
	human(bytes, sz, sizeof sz);
	printf("removed %s (%s)\n", what, sz);
}

static int cmd_gc(struct global *g, const struct parsed *p)
{
	(void)p;
	struct store s;
	struct hull_err e;
	if (store_open(store_path(g), false, &s, &e) < 0)
		return cli_fail(&e);
	uint64_t total = 0;
	int r = store_gc(&s, gc_report, &total, &e);
	store_close(&s);
	if (r < 0)
		return cli_fail(&e);
	char sz[32];
	human(total, sz, sizeof sz);
	printf("freed %s\n", sz);
	return 0;
}

struct rm_ctx {
	const struct store *s;
	const char *manifest;
	int removed;
	struct hull_err *e;
};

static int rm_by_manifest(void *ctx, const char *name, const char *manifest)
{
	struct rm_ctx *c = ctx;
	if (strcmp(manifest, c->manifest))
		return 0;
	if (store_name_remove(c->s, name, c->e) == 0) {
		printf("untagged %s\n", name);
		c->removed++;
	}
	return 0;
}

static void quiet_report(void *ctx, const char *what, uint64_t bytes)
{
	(void)ctx, (void)what, (void)bytes;
}

static int cmd_rm(struct global *g, const struct parsed *p)
{
	struct store s;
	struct hull_err e;
	if (store_open(store_path(g), false, &s, &e) < 0)
		return cli_fail(&e);
	int rc = 0;
	for (int i = 0; i < p->argc; i++) {
		char manifest[72], name[IMAGE_REF_MAX + 1];
		if (resolve(&s, p->argv[i], manifest, name, sizeof name, &e) < 0) {
			rc = cli_fail(&e);
			continue;
		}
		if (name[0]) {
			if (store_name_remove(&s, name, &e) == 0)
				printf("untagged %s\n", name);
		} else {
			/* An ID: every name of the image. */
			struct rm_ctx c = { &s, manifest, 0, &e };
			store_names(&s, rm_by_manifest, &c, &e);
		}
	}
	/* What no name and no container uses any more goes now. */
	if (store_gc(&s, quiet_report, NULL, &e) < 0)
		rc = cli_fail(&e);
	store_close(&s);
	return rc;
}

/* ---- mount / umount ---------------------------------------------------- */

/* The store's record of a mount at dir: containers/mount-HASH (gc keeps
 * the image while it is there). */
static void mount_key(const char *dir, char *out, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (const char *c = dir; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	snprintf(out, cap, "mount-%016llx", (unsigned long long)h);
}

static int cmd_mount(struct global *g, const struct parsed *p)
{
	struct store s;
	struct hull_err e;
	char manifest[72], dir[PATH_MAX], key[64];
	if (store_open(store_path(g), false, &s, &e) < 0 || resolve(&s, p->argv[0], manifest, NULL, 0, &e) < 0)
		return cli_fail(&e);
	if (!realpath(p->argv[1], dir))
		return cli_usage_error("image mount: %s: %s", p->argv[1], strerror(errno));
	struct store_image img;
	char *mem = NULL;
	const char **low = NULL;
	int lock = store_lock(&s, false, &e);
	int r = lock < 0 ? lock : store_image_get(&s, manifest, &img, &e);
	if (r == 0) {
		r = lowers(&s, &img, &mem, &low, &e);
		mount_key(dir, key, sizeof key);
		if (r == 0 && (r = store_container_make(&s, key, manifest, &e)) == 0) {
			int t = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
			/* An image of no layer: an empty read-only tmpfs. */
			r = t < 0 ? hull_syserr(&e, errno, "image mount: %s", dir)
			    : img.n_layers ? store_overlay_mount(low, img.n_layers, NULL, NULL, t, &e)
			    : (mount("tmpfs", dir, "tmpfs", MS_RDONLY, "size=0") < 0 ? hull_syserr(&e, errno, "image mount: %s", dir) : 0);
			if (t >= 0)
				close(t);
			if (r < 0)
				store_container_remove(&s, key, &e);
		}
		free(mem);
		free(low);
		store_image_free(&img);
	}
	if (lock >= 0)
		close(lock);
	store_close(&s);
	return r < 0 ? cli_fail(&e) : 0;
}

static int cmd_umount(struct global *g, const struct parsed *p)
{
	struct store s;
	struct hull_err e;
	char dir[PATH_MAX], key[64];
	if (store_open(store_path(g), false, &s, &e) < 0)
		return cli_fail(&e);
	if (!realpath(p->argv[0], dir))
		return cli_usage_error("image umount: %s: %s", p->argv[0], strerror(errno));
	mount_key(dir, key, sizeof key);
	char rel[128];
	snprintf(rel, sizeof rel, "containers/%s", key);
	struct stat sb;
	if (fstatat(s.fd, rel, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return cli_usage_error("image umount: %s: no image of the store %s is mounted there", dir, s.path);
	int r = 0;
	if (umount2(dir, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		r = hull_syserr(&e, errno, "image umount: %s", dir);
	if (r == 0)
		r = store_container_remove(&s, key, &e);
	store_close(&s);
	return r < 0 ? cli_fail(&e) : 0;
}

/* ---- pull / import / export ------------------------------------------- */

/* A registry Podman's registries.conf ($CONTAINERS_REGISTRIES_CONF, else
 * /etc/containers/registries.conf) marks insecure, for the image ref. */
static bool conf_insecure(const char *ref)
{
	const char *path = getenv("CONTAINERS_REGISTRIES_CONF");
	char *text = NULL, name[IMAGE_REF_MAX + 1];
	struct image_ref r;
	struct spec_err serr;
	if (image_ref_parse(ref, &r, &serr) < 0 || image_ref_format(&r, name, sizeof name) < 0 ||
	    read_file(path && *path ? path : "/etc/containers/registries.conf", &text, NULL) < 0)
		return false;
	bool yes = image_registry_insecure(text, name) == 1;
	free(text);
	return yes;
}

static int cmd_pull(struct global *g, const struct parsed *p)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = "hull-image";
	argv[n++] = "pull";
	argv[n++] = store_path(g);
	argv[n++] = progress(p->set[6]);
	argv[n++] = p->argv[0];
	if (p->val[0]) {
		if (!strcmp(p->val[0], "false"))
			argv[n++] = "--insecure";
		else if (strcmp(p->val[0], "true"))
			return cli_usage_error("image pull: --tls-verify: \"%s\" is neither true nor false", p->val[0]);
	} else if (conf_insecure(p->argv[0])) {
		argv[n++] = "--insecure";
	}
	uint64_t v;
	if (p->val[5] && (parse_u64(p->val[5], &v) < 0 || !v))
		return cli_usage_error("image pull: --max-layer-size: \"%s\" is not a number of bytes", p->val[5]);
	static const char *const names[] = { NULL, "--cert-dir", "--authfile", "--creds", "--platform", "--max-layer-size" };
	for (int i = 1; i <= 5; i++)
		if (p->val[i]) {
			argv[n++] = names[i];
			argv[n++] = p->val[i];
		}
	argv[n] = NULL;
	return run_tool((char **)argv);
}

static int cmd_import(struct global *g, const struct parsed *p)
{
	/* PATH[:NAME]: the longest prefix before a ':' that exists is the path. */
	const char *arg = p->argv[0];
	char path[PATH_MAX];
	const char *name = NULL;
	struct stat sb;
	snprintf(path, sizeof path, "%s", arg);
	if (stat(path, &sb) < 0) {
		for (char *c = strchr(path, ':'); c; c = strchr(c + 1, ':')) {
			*c = 0;
			if (stat(path, &sb) == 0) {
				name = arg + (c - path) + 1;
				break;
			}
			*c = ':';
		}
		if (!name)
			return cli_usage_error("image import: %s: %s", arg, strerror(ENOENT));
	}
	uint64_t v;
	if (p->val[1] && (parse_u64(p->val[1], &v) < 0 || !v))
		return cli_usage_error("image import: --max-layer-size: \"%s\" is not a number of bytes", p->val[1]);
	const char *argv[10] = { "hull-image", "import", store_path(g), progress(p->set[0]), path,
				 p->val[1] ? "--max-layer-size" : NULL, p->val[1], NULL };
	int n = p->val[1] ? 7 : 5;
	argv[n++] = name;
	argv[n] = NULL;
	return run_tool((char **)argv);
}

static int cmd_export(struct global *g, const struct parsed *p)
{
	struct store s;
	struct hull_err e;
	char manifest[72], name[IMAGE_REF_MAX + 1];
	if (store_open(store_path(g), false, &s, &e) < 0 ||
	    resolve(&s, p->argv[0], manifest, name, sizeof name, &e) < 0)
		return cli_fail(&e);
	store_close(&s);
	const char *argv[8] = { "hull-image", "export", store_path(g), manifest, name[0] ? name : manifest,
				p->argv[1], NULL };
	return run_tool((char **)argv);
}

/* ---- the table --------------------------------------------------------- */

static const struct flag pull_flags[] = {
	{ "tls-verify", 0, 1, "false: plain http or unverified TLS for this registry (default true)", "BOOL" },
	{ "cert-dir", 0, 1, "directory of *.crt CAs and *.cert/*.key client certificates", "DIR" },
	{ "authfile", 0, 1, "auth.json with the registry's credentials", "FILE" },
	{ "creds", 0, 1, "credentials for the registry", "USER:PASSWORD" },
	{ "platform", 0, 1, "the image of this platform from a multi-platform one (default: the host's)",
	  "OS/ARCH[/VAR]" },
	{ "max-layer-size", 0, 1, "largest uncompressed layer (default 64 GiB)", "BYTES" },
	{ "quiet", 'q', 0, "print nothing but errors", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct flag import_flags[] = {
	{ "quiet", 'q', 0, "print nothing but errors", NULL },
	{ "max-layer-size", 0, 1, "largest uncompressed layer (default 64 GiB)", "BYTES" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct flag ls_flags[] = {
	{ "format", 'f', 1, "table (default) or json", "FORMAT" },
	{ "quiet", 'q', 0, "image IDs only", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct flag no_flags[] = { { NULL, 0, 0, NULL, NULL } };

static const struct cmd image_cmds[] = {
	{ "pull", "<image>", "Pull an image from a registry into the store.", pull_flags, cmd_pull, 1, 1, false, 0, "image " },
	{ "import", "<path>[:<name>]", "Import an OCI layout, oci-archive or docker-archive.", import_flags, cmd_import, 1, 1, false, 0, "image " },
	{ "export", "<image> <directory>", "Write an image as an OCI layout.", no_flags, cmd_export, 2, 2, false, 0, "image " },
	{ "ls", "", "List the images of the store.", ls_flags, cmd_ls, 0, 0, false, 0, "image " },
	{ "inspect", "<image>", "Print the image's config (JSON).", no_flags, cmd_inspect, 1, 1, false, 0, "image " },
	{ "rm", "<image>...", "Remove images (names), and what nothing uses any more.", no_flags, cmd_rm, 1, -1, false, 0, "image " },
	{ "gc", "", "Remove every blob and layer no name and no container uses.", no_flags, cmd_gc, 0, 0, false, 0, "image " },
	{ "mount", "<image> <directory>", "Mount an image read-only on a directory.", no_flags, cmd_mount, 2, 2, false, 0, "image " },
	{ "umount", "<directory>", "Unmount what image mount mounted.", no_flags, cmd_umount, 1, 1, false, 0, "image " },
};
#define N_IMAGE_CMDS (sizeof image_cmds / sizeof *image_cmds)

void image_help_summary(void)
{
	for (size_t i = 0; i < N_IMAGE_CMDS; i++)
		printf("    %-10s %s\n", image_cmds[i].name, image_cmds[i].summary);
}

int image_main(struct global *g, int argc, char **argv)
{
	return cli_family_main(g, "image", image_cmds, N_IMAGE_CMDS,
			       "Images in the store (--store, default " STORE_DEFAULT ").", argc, argv);
}

/* ---- run --image --------------------------------------------------------- */

/* A line of the image's /etc/passwd or /etc/group whose first field is
 * name (or, numeric, whose third is): its fields. */
static bool find_entry(const char *text, const char *name, bool numeric, char *fields[7], char *line, size_t cap)
{
	for (const char *p = text; p && *p; ) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l < cap) {
			memcpy(line, p, l);
			line[l] = 0;
			int n = 0;
			char *save = line;
			for (char *f; n < 7 && (f = strsep(&save, ":")); )
				fields[n++] = f;
			if (n >= 3 && !strcmp(numeric ? fields[2] : fields[0], name))
				return true;
		}
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static char *read_in_image(int root, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || sb.st_size > (1 << 22) || read_fd(fd, (size_t)sb.st_size, &buf, &len) < 0)
		buf = NULL;
	close(fd);
	return buf;
}

/* USER[:GROUP] as Docker resolves it: names through the image's own
 * /etc/passwd and /etc/group (read inside the image: a read-only overlay
 * of its layers, not attached anywhere), a uid alone takes its passwd
 * entry's group (else 0), and the user's supplementary groups come from
 * /etc/group. */
static int resolve_user(const char *spec, const char *const *low, size_t n, uint32_t *uid, uint32_t *gid,
			uint32_t **gids, size_t *n_gids, struct hull_err *e)
{
	char u[256], *grp = NULL;
	snprintf(u, sizeof u, "%s", spec);
	if ((grp = strchr(u, ':')))
		*grp++ = 0;
	uint64_t v;
	bool unum = parse_u64(u, &v) == 0 && v <= UINT32_MAX, gnum = false;
	*uid = unum ? (uint32_t)v : 0;
	*gid = 0;
	uint64_t gv = 0;
	if (grp && parse_u64(grp, &gv) == 0 && gv <= UINT32_MAX) {
		gnum = true;
		*gid = (uint32_t)gv;
	}
	if (!*u)
		return hull_errf(e, EINVAL, "--user \"%s\": no user", spec);
	/* Only names need the image's files, and a uid alone its group. */
	char *passwd = NULL, *group = NULL;
	struct hull_err ignore;
	int img_root = n && !(unum && gnum) ? store_overlay_open(low, n, NULL, NULL, &ignore) : -1;
	if (img_root >= 0) {
		passwd = read_in_image(img_root, "/etc/passwd");
		group = read_in_image(img_root, "/etc/group");
		close(img_root);
	}
	char line[1024], *f[7];
	int r = 0;
	const char *uname = NULL;
	char uname_buf[256] = "";
	if (find_entry(passwd, u, unum, f, line, sizeof line)) {
		*uid = (uint32_t)strtoul(f[2], NULL, 10);
		if (!grp && f[3])
			*gid = (uint32_t)strtoul(f[3], NULL, 10);
		snprintf(uname_buf, sizeof uname_buf, "%s", f[0]);
		uname = uname_buf;
	} else if (!unum) {
		r = hull_errf(e, ENOENT, "--user \"%s\": no user \"%s\" in the image's /etc/passwd", spec, u);
		goto out;
	}
	if (grp && !gnum) {
		if (!find_entry(group, grp, false, f, line, sizeof line)) {
			r = hull_errf(e, ENOENT, "--user \"%s\": no group \"%s\" in the image's /etc/group", spec, grp);
			goto out;
		}
		*gid = (uint32_t)strtoul(f[2], NULL, 10);
	}
	*gids = NULL;
	*n_gids = 0;
	for (const char *p = uname && !grp ? group : NULL; p && *p; ) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l < sizeof line) {
			memcpy(line, p, l);
			line[l] = 0;
			char *save = line, *fs[4] = { 0 };
			for (int k = 0; k < 4; k++)
				fs[k] = strsep(&save, ":");
			for (char *mem = fs[3], *m; mem && (m = strsep(&mem, ","));)
				if (!strcmp(m, uname) && fs[2]) {
					uint32_t gg = (uint32_t)strtoul(fs[2], NULL, 10);
					uint32_t *ng = realloc(*gids, (*n_gids + 1) * sizeof *ng);
					if (ng && gg != *gid) {
						*gids = ng;
						ng[(*n_gids)++] = gg;
					} else if (ng) {
						*gids = ng;
					}
				}
		}
		p = nl ? nl + 1 : NULL;
	}
out:
	free(passwd);
	free(group);
	return r;
}

static void unprepare_dir(const char *store, const char *id)
{
	struct store s;
	struct hull_err e;
	if (store_open(store, false, &s, &e) < 0)
		return;
	if (store_container_remove(&s, id, &e) < 0)
		log_warn("%s", e.msg);
	store_close(&s);
}

void image_unprepare(struct image_prepared *ip)
{
	if (ip->made)
		unprepare_dir(ip->store, ip->id);
	ip->made = false;
	free(ip->lower_mem);
	free(ip->lower);
	ip->lower_mem = NULL;
	ip->lower = NULL;
}

void image_container_gone(const char *store, const char *id)
{
	unprepare_dir(store, id);
}

static bool env_has(const char *const *env, size_t n, const char *kv)
{
	size_t kl = strcspn(kv, "=");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], kv, kl) && env[i][kl] == '=')
			return true;
	return false;
}

/* Add kv to env, replacing an entry of the same key. */
static void env_put(const char **env, size_t *n, const char *kv)
{
	size_t kl = strcspn(kv, "=");
	for (size_t i = 0; i < *n; i++)
		if (!strncmp(env[i], kv, kl) && env[i][kl] == '=') {
			env[i] = kv;
			return;
		}
	env[(*n)++] = kv;
}

/* The config of an image's container into dir/config.json. */
static int write_config(const struct image_run *ir, const struct image_config *cfg, const char *name,
			const char *manifest, const char *store, const char *hostname, const char *root_path,
			const char *const *low, size_t n_low, const char *dir, struct hull_err *e)
{
	const struct image_exec *x = &cfg->config;
	size_t cap = x->n_env + ir->n_env + 4;
	const char **env = calloc(cap, sizeof *env);
	const char **args = calloc(x->n_entrypoint + x->n_cmd + ir->n_cmd + 2, sizeof *args);
	struct spec_bind *binds = calloc(ir->n_volumes + 1, sizeof *binds);
	struct spec_kv *ann = calloc(x->n_labels + 4, sizeof *ann);
	char **owned = calloc(ir->n_env + ir->n_volumes * 2 + 2, sizeof *owned);
	size_t n_owned = 0, n_env = 0, n_args = 0, n_ann = 0;
	uint32_t *gids = NULL;
	size_t n_gids = 0;
	int r = 0;
	if (!env || !args || !binds || !ann || !owned) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	/* Env: a PATH when the image has none, the image's, TERM for a tty,
	 * then -e (K alone: the caller's value, as Podman). */
	if (!env_has(x->env, x->n_env, "PATH="))
		env[n_env++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (size_t i = 0; i < x->n_env; i++)
		env_put(env, &n_env, x->env[i]);
	if (ir->tty)
		env_put(env, &n_env, "TERM=xterm");
	char host_env[300];
	snprintf(host_env, sizeof host_env, "HOSTNAME=%s", hostname);
	env_put(env, &n_env, host_env);
	for (size_t i = 0; i < ir->n_env; i++) {
		const char *kv = ir->env[i];
		if (!kv[0] || kv[0] == '=') {
			r = hull_errf(e, EINVAL, "--env \"%s\": no variable name", kv);
			goto out;
		}
		if (!strchr(kv, '=')) {
			const char *v = getenv(kv);
			if (!v)
				continue;
			char *own = xasprintf("%s=%s", kv, v);
			if (!own) {
				r = hull_errf(e, ENOMEM, "out of memory");
				goto out;
			}
			kv = owned[n_owned++] = own;
		}
		env_put(env, &n_env, kv);
	}
	/* The program: --entrypoint (which drops the image's Cmd, as Docker),
	 * else the image's Entrypoint; then the command after the ID, else
	 * the image's Cmd. */
	if (ir->entrypoint) {
		if (ir->entrypoint[0])
			args[n_args++] = ir->entrypoint;
	} else {
		for (size_t i = 0; i < x->n_entrypoint; i++)
			args[n_args++] = x->entrypoint[i];
	}
	if (ir->n_cmd) {
		for (size_t i = 0; i < ir->n_cmd; i++)
			args[n_args++] = ir->cmd[i];
	} else if (!ir->entrypoint) {
		for (size_t i = 0; i < x->n_cmd; i++)
			args[n_args++] = x->cmd[i];
	}
	if (!n_args) {
		r = hull_errf(e, EINVAL, "image %s has no Entrypoint or Cmd: give the command after the container ID", name);
		goto out;
	}
	/* Volumes: HOST:CTR[:ro|rw]. */
	for (size_t i = 0; i < ir->n_volumes; i++) {
		char *v = strdup(ir->volumes[i]);
		if (!v) {
			r = hull_errf(e, ENOMEM, "out of memory");
			goto out;
		}
		owned[n_owned++] = v;
		char *ctr = strchr(v, ':'), *mode = ctr ? strchr(ctr + 1, ':') : NULL;
		if (ctr)
			*ctr++ = 0;
		if (mode)
			*mode++ = 0;
		if (!ctr || v[0] != '/' || ctr[0] != '/' || (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))) {
			r = hull_errf(e, EINVAL, "--volume \"%s\": must be /HOST/PATH:/CONTAINER/PATH[:ro|rw]", ir->volumes[i]);
			goto out;
		}
		struct stat sb;
		if (stat(v, &sb) < 0) {
			r = hull_syserr(e, errno, "--volume \"%s\": %s", ir->volumes[i], v);
			goto out;
		}
		binds[i] = (struct spec_bind){ v, ctr, mode && !strcmp(mode, "ro") };
	}
	/* Labels become annotations (image-spec conversion.md), and the stop
	 * signal; then hull's own, which delete reads. */
	for (size_t i = 0; i < x->n_labels; i++)
		ann[n_ann++] = x->labels[i];
	if (x->stop_signal)
		ann[n_ann++] = (struct spec_kv){ "org.opencontainers.image.stopSignal", x->stop_signal };
	ann[n_ann++] = (struct spec_kv){ "hull.image", name[0] ? name : manifest };
	ann[n_ann++] = (struct spec_kv){ "hull.image.digest", manifest };
	if (store)
		ann[n_ann++] = (struct spec_kv){ "hull.store", store };
	uint32_t uid = 0, gid = 0;
	const char *user = ir->user ? ir->user : x->user;
	if (user && *user && (r = resolve_user(user, low, n_low, &uid, &gid, &gids, &n_gids, e)) < 0)
		goto out;
	struct spec_overrides o = {
		.args = args, .n_args = n_args, .env = env, .n_env = n_env,
		.cwd = ir->workdir ? ir->workdir : x->working_dir && *x->working_dir ? x->working_dir : "/",
		.uid = uid, .gid = gid, .gids = gids, .n_gids = n_gids,
		.terminal = ir->tty, .readonly = ir->read_only, .root_path = root_path, .hostname = hostname,
		.binds = binds, .n_binds = ir->n_volumes, .annotations = ann, .n_annotations = n_ann,
	};
	if (o.cwd[0] != '/') {
		r = hull_errf(e, EINVAL, "--workdir \"%s\": must be an absolute path", o.cwd);
		goto out;
	}
	struct spec_err serr;
	if ((r = spec_write_config(dir, false, hull_default_seccomp, &o, &serr)) < 0)
		r = hull_errf(e, -r, "%s", serr.msg);
out:
	for (size_t i = 0; owned && i < n_owned; i++)
		free(owned[i]);
	free(owned);
	free(env);
	free(args);
	free(binds);
	free(ann);
	free(gids);
	return r;
}

/* The image ref of the store, read under the store's lock held shared (no
 * gc until the caller has recorded what uses it): its manifest digest and
 * canonical name, record, config and lower directories.  Returns the lock's
 * fd; on failure nothing is held or allocated. */
static int open_image(struct store *s, const char *ref, char manifest[72], char *name, size_t cap,
		      struct store_image *img, struct image_config **cfg, char **raw, char **mem, const char ***low,
		      struct hull_err *e)
{
	memset(img, 0, sizeof *img);
	*cfg = NULL;
	*raw = *mem = NULL;
	*low = NULL;
	int lock = store_lock(s, false, e), r;
	if (lock < 0)
		return lock;
	if ((r = resolve(s, ref, manifest, name, cap, e)) < 0 || (r = store_image_get(s, manifest, img, e)) < 0)
		goto fail;
	if ((r = load_config(s, img, cfg, raw, e)) < 0 || (r = lowers(s, img, mem, low, e)) < 0) {
		image_config_free(*cfg);
		free(*raw);
		*cfg = NULL;
		*raw = NULL;
		store_image_free(img);
		goto fail;
	}
	return lock;
fail:
	close(lock);
	return r;
}

/* A left-over containers/ID of a container --root does not have (a killed
 * run): removed, so the ID can be used again. */
static void drop_stale(const struct store *s, const char *root, const char *id)
{
	char rel[512], st[PATH_MAX];
	struct stat sb;
	snprintf(rel, sizeof rel, "containers/%s", id);
	snprintf(st, sizeof st, "%s/%s", root, id);
	if (fstatat(s->fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 && stat(st, &sb) < 0 && errno == ENOENT)
		store_rm_rf_at(s->fd, rel);
}

int image_prepare(const struct global *g, const struct image_run *ir, const char *id, struct create_opts *o,
		  struct image_prepared *ip, struct hull_err *e)
{
	memset(ip, 0, sizeof *ip);
	struct store s;
	int r = state_validate_id(id, e);
	if (r < 0 || (r = store_open(store_path(g), false, &s, e)) < 0)
		return r;
	snprintf(ip->store, sizeof ip->store, "%s", s.path);
	snprintf(ip->id, sizeof ip->id, "%s", id);
	char manifest[72], name[IMAGE_REF_MAX + 1];
	struct store_image img;
	struct image_config *cfg;
	char *raw;
	/* No gc between reading the image and recording the container that
	 * uses it (containers/ID/image). */
	int lock = open_image(&s, ir->image, manifest, name, sizeof name, &img, &cfg, &raw, &ip->lower_mem, &ip->lower, e);
	if (lock < 0) {
		store_close(&s);
		return lock;
	}
	ip->n_lower = img.n_layers;
	if (!ip->n_lower) {
		r = hull_errf(e, EINVAL, "image %s has no layers", ir->image);
		goto out;
	}
	drop_stale(&s, g->root, id);
	if ((r = store_container_make(&s, id, manifest, e)) < 0)
		goto out;
	ip->made = true;
	snprintf(ip->bundle, sizeof ip->bundle, "%s/containers/%s/bundle", s.path, id);
	snprintf(ip->rootfs, sizeof ip->rootfs, "%s/containers/%s/rootfs", s.path, id);
	snprintf(ip->upper, sizeof ip->upper, "%s/containers/%s/upper", s.path, id);
	snprintf(ip->work, sizeof ip->work, "%s/containers/%s/work", s.path, id);
	if (mkdir(ip->bundle, 0700) < 0) {
		r = hull_syserr(e, errno, "store %s: %s", s.path, ip->bundle);
		goto out;
	}
	if ((r = write_config(ir, cfg, name, manifest, s.path, id, ip->rootfs, ip->lower, ip->n_lower, ip->bundle, e)) < 0)
		goto out;
	o->bundle = ip->bundle;
	o->lower = ip->lower;
	o->n_lower = ip->n_lower;
	o->upper = ip->upper;
	o->work = ip->work;
out:
	close(lock);
	image_config_free(cfg);
	free(raw);
	store_image_free(&img);
	store_close(&s);
	if (r < 0)
		image_unprepare(ip);
	return r;
}

int image_spec(const struct global *g, const struct image_run *ir, const char *dir, struct hull_err *e)
{
	struct store s;
	int r = store_open(store_path(g), false, &s, e);
	if (r < 0)
		return r;
	char manifest[72], name[IMAGE_REF_MAX + 1], rootfs[PATH_MAX + 16], upper[PATH_MAX + 16], work[PATH_MAX + 16], key[64];
	char real[PATH_MAX];
	struct store_image img;
	struct image_config *cfg;
	char *raw, *mem;
	const char **low;
	bool made_entry = false, mounted = false;
	int lock = open_image(&s, ir->image, manifest, name, sizeof name, &img, &cfg, &raw, &mem, &low, e);
	if (lock < 0) {
		store_close(&s);
		return lock;
	}
	if (mkdir_p(dir, 0755) < 0 || !realpath(dir, real)) {
		r = hull_syserr(e, errno, "spec --image: %s", dir);
		goto out;
	}
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", real);
	snprintf(upper, sizeof upper, "%s/.upper", real);
	snprintf(work, sizeof work, "%s/.work", real);
	/* config.json first: it refuses to replace one. */
	if ((r = write_config(ir, cfg, name, manifest, NULL, "hull", "rootfs", low, img.n_layers, real, e)) < 0)
		goto out;
	/* What this makes, it removes if it fails. */
	bool made[3] = { false, false, false };
	const char *dirs[3] = { rootfs, upper, work };
	for (int i = 0; i < 3; i++) {
		if (mkdir(dirs[i], i == 2 ? 0700 : 0755) == 0)
			made[i] = true;
		else if (errno != EEXIST) {
			r = hull_syserr(e, errno, "spec --image: %s", dirs[i]);
			goto fail;
		}
	}
	mount_key(rootfs, key, sizeof key);
	if ((r = store_container_make(&s, key, manifest, e)) < 0)
		goto fail;
	made_entry = true;
	int t = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = t < 0 ? hull_syserr(e, errno, "spec --image: %s", rootfs) : store_overlay_mount(low, img.n_layers, upper, work, t, e);
	if (t >= 0)
		close(t);
	if (r < 0)
		goto fail;
	mounted = true;
	goto out;
fail:
	if (made_entry)
		store_container_remove(&s, key, e);
	if (!mounted) {
		char cfgpath[PATH_MAX + 16];
		snprintf(cfgpath, sizeof cfgpath, "%s/config.json", real);
		unlink(cfgpath);
		for (int i = 0; i < 3; i++) {
			char *slash = made[i] ? strrchr(dirs[i], '/') : NULL;
			if (slash) {
				*slash = 0;
				int dfd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
				*slash = '/';
				if (dfd >= 0) {
					store_rm_rf_at(dfd, slash + 1);
					close(dfd);
				}
			}
		}
	}
out:
	close(lock);
	free(mem);
	free(low);
	image_config_free(cfg);
	free(raw);
	store_image_free(&img);
	store_close(&s);
	return r;
}
