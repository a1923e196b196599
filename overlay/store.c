/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/store.c: the store's layout, names, image records, container
 * directories, the overlay mount and gc (see store.h).  No library beyond
 * libc: this part is in the static hull (run --image reads the store). */
#include "overlay/store.h"
#include "spec/image.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const char *const store_dirs[] = { "blobs", "blobs/sha256", "layers", "images", "names", "containers", "tmp" };

int store_open(const char *path, bool create, struct store *s, struct hull_err *e)
{
	s->fd = -1;
	s->path = path;
	if (path[0] != '/')
		return hull_errf(e, EINVAL, "--store %s: must be an absolute path", path);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir_p(path, 0700) < 0)
			return hull_syserr(e, errno, "--store %s: creating it", path);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? hull_errf(e, ENOENT, "--store %s: no image store there (pull or import an image first)", path)
				       : hull_syserr(e, errno, "--store %s", path);
	if (create) {
		for (size_t i = 0; i < sizeof store_dirs / sizeof *store_dirs; i++)
			if (mkdirat(fd, store_dirs[i], 0700) < 0 && errno != EEXIST) {
				int err = errno;
				close(fd);
				return hull_syserr(e, err, "--store %s: making %s", path, store_dirs[i]);
			}
	}
	s->fd = fd;
	return 0;
}

void store_close(struct store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int store_lock(const struct store *s, bool exclusive, struct hull_err *e)
{
	int fd = openat(s->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return hull_syserr(e, errno, "store %s: lock file", s->path);
	int r;
	do
		r = flock(fd, exclusive ? LOCK_EX : LOCK_SH);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int err = errno;
		close(fd);
		return hull_syserr(e, err, "store %s: locking it", s->path);
	}
	return fd;
}

/* ---- names ------------------------------------------------------------ */

/* One file per name, named by spec/image's reversible encoding. */
static int name_file(const char *name, char *out, size_t cap)
{
	return image_name_encode(name, out, cap) < 0 ? -ENAMETOOLONG : 0;
}

static int name_decode(const char *f, char *out, size_t cap)
{
	return image_name_decode(f, out, cap) < 0 ? -EINVAL : 0;
}

/* A small file of the store whose first line is a digest. */
static int read_digest_at(int dirfd, const char *rel, char out[72])
{
	char *buf = NULL;
	size_t len = 0;
	int r = read_file_at(dirfd, rel, &buf, &len);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = 0;
	r = image_digest_valid(buf) ? 0 : -EBADMSG;
	if (!r)
		memcpy(out, buf, 72);
	free(buf);
	return r;
}

int store_name_get(const struct store *s, const char *name, char manifest[72], struct hull_err *e)
{
	char f[512], rel[600];
	if (name_file(name, f, sizeof f) < 0)
		return hull_errf(e, EINVAL, "image name \"%s\": too long for the store", name);
	snprintf(rel, sizeof rel, "names/%s", f);
	int r = read_digest_at(s->fd, rel, manifest);
	if (r == -ENOENT)
		return r;
	if (r == -EBADMSG)
		return hull_errf(e, EBADMSG, "store %s: %s: not a manifest digest", s->path, rel);
	return r < 0 ? hull_syserr(e, -r, "store %s: %s", s->path, rel) : 0;
}

int store_name_set(const struct store *s, const char *name, const char *manifest, struct hull_err *e)
{
	char f[512], line[80];
	if (name_file(name, f, sizeof f) < 0)
		return hull_errf(e, EINVAL, "image name \"%s\": too long for the store", name);
	int dfd = openat(s->fd, "names", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return hull_syserr(e, errno, "store %s: names", s->path);
	int n = snprintf(line, sizeof line, "%s\n", manifest);
	int r = write_file_atomic(dfd, f, line, (size_t)n, 0600);
	close(dfd);
	return r < 0 ? hull_syserr(e, -r, "store %s: writing the name %s", s->path, name) : 0;
}

int store_name_remove(const struct store *s, const char *name, struct hull_err *e)
{
	char f[512], rel[600];
	if (name_file(name, f, sizeof f) < 0)
		return hull_errf(e, EINVAL, "image name \"%s\": too long for the store", name);
	snprintf(rel, sizeof rel, "names/%s", f);
	if (unlinkat(s->fd, rel, 0) < 0)
		return errno == ENOENT ? -ENOENT : hull_syserr(e, errno, "store %s: removing %s", s->path, rel);
	return 0;
}

/* fn(ctx, entry name) for each entry of the store's directory rel but
 * "." / ".." and dot files (files being written). */
static int each_entry(const struct store *s, const char *rel, int (*fn)(void *ctx, const char *n), void *ctx,
		      struct hull_err *e)
{
	int dfd = openat(s->fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return errno == ENOENT ? 0 : hull_syserr(e, errno, "store %s: %s", s->path, rel);
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hull_syserr(e, errno, "store %s: %s", s->path, rel);
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = fn(ctx, de->d_name);
	closedir(d);
	return r;
}

struct names_walk {
	const struct store *s;
	int (*fn)(void *ctx, const char *name, const char *manifest);
	void *ctx;
};

static int names_one(void *ctx, const char *f)
{
	struct names_walk *w = ctx;
	char name[512], rel[600], manifest[72];
	snprintf(rel, sizeof rel, "names/%s", f);
	if (name_decode(f, name, sizeof name) < 0 || read_digest_at(w->s->fd, rel, manifest) < 0)
		return 0;   /* removed meanwhile, or not ours */
	return w->fn(w->ctx, name, manifest);
}

int store_names(const struct store *s, int (*fn)(void *ctx, const char *name, const char *manifest), void *ctx,
		struct hull_err *e)
{
	struct names_walk w = { s, fn, ctx };
	return each_entry(s, "names", names_one, &w, e);
}

/* ---- image records ---------------------------------------------------- */
/* Text, a line each:
 *   manifest sha256:...  MEDIATYPE
 *   config sha256:...
 *   layer CHAIN DIFFID BLOB SIZE MEDIATYPE     (bottom first) */

bool store_blob_rel(const char *digest, char *out, size_t cap)
{
	return image_digest_valid(digest) && (size_t)snprintf(out, cap, "blobs/sha256/%s", digest + 7) < cap;
}

bool store_layer_rel(const char *chain, char *out, size_t cap)
{
	return image_digest_valid(chain) && (size_t)snprintf(out, cap, "layers/%s", chain + 7) < cap;
}

static bool image_rel(const char *manifest, char *out, size_t cap)
{
	return image_digest_valid(manifest) && (size_t)snprintf(out, cap, "images/%s", manifest + 7) < cap;
}

int store_image_get(const struct store *s, const char *manifest, struct store_image *img, struct hull_err *e)
{
	memset(img, 0, sizeof *img);
	char rel[128];
	if (!image_rel(manifest, rel, sizeof rel))
		return hull_errf(e, EINVAL, "\"%s\" is not a sha256 digest", manifest);
	char *buf = NULL;
	size_t len = 0;
	int r = read_file_at(s->fd, rel, &buf, &len);
	if (r < 0)
		return r == -ENOENT ? hull_errf(e, ENOENT, "image %s is not in the store %s", manifest, s->path)
				    : hull_syserr(e, -r, "store %s: %s", s->path, rel);
	size_t cap = 0;
	for (size_t i = 0; i < len; i++)
		cap += buf[i] == '\n';
	img->layers = calloc(cap + 1, sizeof *img->layers);
	if (!img->layers) {
		free(buf);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	bool have_m = false, have_c = false;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char a[80], b[80], c[80], t[128];
		unsigned long long sz;
		if (sscanf(line, "manifest %79s %127s", a, t) == 2 && image_digest_valid(a)) {
			memcpy(img->manifest, a, 72);
			snprintf(img->manifest_type, sizeof img->manifest_type, "%s", t);
			have_m = true;
		} else if (sscanf(line, "config %79s", a) == 1 && image_digest_valid(a)) {
			memcpy(img->config, a, 72);
			have_c = true;
		} else if (sscanf(line, "layer %79s %79s %79s %llu %127s", a, b, c, &sz, t) == 5 && image_digest_valid(a) &&
			   image_digest_valid(b) && image_digest_valid(c)) {
			struct store_layer *l = &img->layers[img->n_layers++];
			memcpy(l->chain, a, 72);
			memcpy(l->diff_id, b, 72);
			memcpy(l->blob, c, 72);
			l->size = sz;
			snprintf(l->media_type, sizeof l->media_type, "%s", t);
		} else {
			free(buf);
			store_image_free(img);
			return hull_errf(e, EBADMSG, "store %s: %s: unreadable line", s->path, rel);
		}
	}
	free(buf);
	if (!have_m || !have_c || strcmp(img->manifest, manifest)) {
		store_image_free(img);
		return hull_errf(e, EBADMSG, "store %s: %s: incomplete record", s->path, rel);
	}
	return 0;
}

int store_image_put(const struct store *s, const struct store_image *img, struct hull_err *e)
{
	struct buf b = { 0 };
	char line[512];
	int n = snprintf(line, sizeof line, "manifest %s %s\nconfig %s\n", img->manifest, img->manifest_type, img->config);
	buf_put(&b, line, (size_t)n);
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct store_layer *l = &img->layers[i];
		n = snprintf(line, sizeof line, "layer %s %s %s %llu %s\n", l->chain, l->diff_id, l->blob,
			     (unsigned long long)l->size, l->media_type);
		buf_put(&b, line, (size_t)n);
	}
	char rel[128];
	if (!image_rel(img->manifest, rel, sizeof rel) || !b.s) {
		free(b.s);
		return hull_errf(e, EINVAL, "\"%s\" is not a sha256 digest", img->manifest);
	}
	int dfd = openat(s->fd, "images", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int r = dfd < 0 ? -errno : write_file_atomic(dfd, rel + 7, b.s, b.len, 0600);
	if (dfd >= 0)
		close(dfd);
	free(b.s);
	return r < 0 ? hull_syserr(e, -r, "store %s: writing %s", s->path, rel) : 0;
}

void store_image_free(struct store_image *img)
{
	free(img->layers);
	img->layers = NULL;
	img->n_layers = 0;
}

/* ---- blobs and layers ------------------------------------------------- */

bool store_blob_has(const struct store *s, const char *digest)
{
	char rel[128];
	struct stat sb;
	return store_blob_rel(digest, rel, sizeof rel) && fstatat(s->fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(sb.st_mode);
}

int store_blob_read(const struct store *s, const char *digest, size_t max, char **buf, size_t *len,
		    struct hull_err *e)
{
	char rel[128];
	if (!store_blob_rel(digest, rel, sizeof rel))
		return hull_errf(e, EINVAL, "\"%s\" is not a sha256 digest", digest);
	int fd = openat(s->fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? hull_errf(e, ENOENT, "blob %s is not in the store %s", digest, s->path)
				       : hull_syserr(e, errno, "store %s: %s", s->path, rel);
	struct stat sb;
	if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size > max) {
		close(fd);
		return hull_errf(e, EFBIG, "blob %s: larger than %zu bytes", digest, max);
	}
	int r = read_fd(fd, (size_t)sb.st_size, buf, len);
	close(fd);
	return r < 0 ? hull_syserr(e, -r, "store %s: reading %s", s->path, rel) : 0;
}

bool store_layer_has(const struct store *s, const char *chain)
{
	char rel[128];
	struct stat sb;
	return store_layer_rel(chain, rel, sizeof rel) && strlen(rel) + 5 < sizeof rel &&
	       fstatat(s->fd, strcat(rel, "/diff"), &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
}

/* ---- removal ---------------------------------------------------------- */

static int rm_children(int dfd, int depth)
{
	if (depth > 4096)
		return -ELOOP;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			r = r ? r : -errno;
			continue;
		}
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			r = r ? r : -errno;
			continue;
		}
		int q = rm_children(sub, depth + 1);
		if (q < 0 && !r)
			r = q;
		if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	closedir(d);
	return r;
}

int store_rm_rf_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = rm_children(sub, 0);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
		r = -errno;
	return r;
}

/* ---- containers ------------------------------------------------------- */

static bool id_ok(const char *id)
{
	return *id && strlen(id) < 256 && !strchr(id, '/') && strcmp(id, ".") && strcmp(id, "..");
}

int store_container_make(const struct store *s, const char *id, const char *manifest, struct hull_err *e)
{
	char rel[512];
	if (!id_ok(id))
		return hull_errf(e, EINVAL, "container ID \"%s\": not a file name", id);
	snprintf(rel, sizeof rel, "containers/%s", id);
	if (mkdirat(s->fd, rel, 0700) < 0)
		return errno == EEXIST ? hull_errf(e, EEXIST, "container \"%s\" already has a directory in the store %s "
							       "(hull delete it first)", id, s->path)
				       : hull_syserr(e, errno, "store %s: making %s", s->path, rel);
	int dfd = openat(s->fd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int r = dfd < 0 ? -errno : 0;
	/* The overlay's root takes the upper directory's mode: 0755, as an
	 * image's / is (0700 would shut every user but root out). */
	static const char *const sub[] = { "upper", "work", "rootfs" };
	static const mode_t modes[] = { 0755, 0700, 0755 };
	for (size_t i = 0; r == 0 && i < 3; i++)
		if (mkdirat(dfd, sub[i], modes[i]) < 0)
			r = -errno;
	char line[80];
	int n = snprintf(line, sizeof line, "%s\n", manifest);
	if (r == 0)
		r = write_file_atomic(dfd, "image", line, (size_t)n, 0600);
	if (dfd >= 0)
		close(dfd);
	if (r < 0) {
		store_rm_rf_at(s->fd, rel);
		return hull_syserr(e, -r, "store %s: making %s", s->path, rel);
	}
	return 0;
}

int store_container_remove(const struct store *s, const char *id, struct hull_err *e)
{
	char rel[512];
	if (!id_ok(id))
		return hull_errf(e, EINVAL, "container ID \"%s\": not a file name", id);
	snprintf(rel, sizeof rel, "containers/%s", id);
	int r = store_rm_rf_at(s->fd, rel);
	return r < 0 ? hull_syserr(e, -r, "store %s: removing %s", s->path, rel) : 0;
}

/* ---- the overlay ------------------------------------------------------ */

int store_overlay_open(const char *const *lower, size_t n, const char *upper, const char *work,
		       struct hull_err *e)
{
	/* fsconfig's "lowerdir+" takes one layer per call (Linux 6.8): no
	 * limit of one page on the option string, no escaping of ':' or ','
	 * in paths, for images of any depth. */
	int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return hull_syserr(e, errno, "overlayfs (fsopen)");
	int r = 0;
	const char *what = "lowerdir+";
	for (size_t i = 0; r == 0 && i < n; i++)
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lower[i], 0) < 0)
			r = -errno;
	if (r == 0 && upper) {
		what = "upperdir";
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0)
			r = -errno;
		what = "workdir";
		if (r == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
			r = -errno;
	}
	if (r == 0) {
		what = "creating it";
		if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			r = -errno;
	}
	int m = -1;
	if (r == 0) {
		what = "mounting it";
		if ((m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, upper ? 0 : MOUNT_ATTR_RDONLY)) < 0)
			r = -errno;
	}
	close(fs);
	return r < 0 ? hull_syserr(e, -r, "overlayfs of %zu layers (%s)", n, what) : m;
}

int store_overlay_mount(const char *const *lower, size_t n, const char *upper, const char *work, int target,
			struct hull_err *e)
{
	int m = store_overlay_open(lower, n, upper, work, e);
	if (m < 0)
		return m;
	int r = syscall(SYS_move_mount, m, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ? -errno : 0;
	close(m);
	return r < 0 ? hull_syserr(e, -r, "overlayfs of %zu layers (moving it into place)", n) : 0;
}

/* ---- gc --------------------------------------------------------------- */

struct keep {
	char (*d)[72];
	size_t n, cap;
};

static int keep_add(struct keep *k, const char *d)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		void *p = realloc(k->d, cap * sizeof *k->d);
		if (!p)
			return -ENOMEM;
		k->d = p;
		k->cap = cap;
	}
	memcpy(k->d[k->n++], d, 72);
	return 0;
}

static bool keep_has(const struct keep *k, const char *d)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->d[i], d))
			return true;
	return false;
}

struct gc {
	const struct store *s;
	struct keep images, blobs, layers;
	void (*report)(void *ctx, const char *what, uint64_t bytes);
	void *ctx;
	struct hull_err *e;
};

/* An image kept: its record, manifest, config, layer blobs and layers. */
static int gc_keep_image(struct gc *g, const char *manifest)
{
	if (keep_has(&g->images, manifest))
		return 0;
	struct store_image img;
	struct hull_err ignore;
	if (keep_add(&g->images, manifest) < 0 || keep_add(&g->blobs, manifest) < 0)
		return -ENOMEM;
	if (store_image_get(g->s, manifest, &img, &ignore) < 0)
		return 0;   /* a name whose image is gone: nothing more to keep */
	int r = keep_add(&g->blobs, img.config);
	for (size_t i = 0; r == 0 && i < img.n_layers; i++)
		if ((r = keep_add(&g->blobs, img.layers[i].blob)) == 0)
			r = keep_add(&g->layers, img.layers[i].chain);
	store_image_free(&img);
	return r;
}

static int gc_name(void *ctx, const char *name, const char *manifest)
{
	(void)name;
	return gc_keep_image(ctx, manifest);
}

static int gc_container(void *ctx, const char *id)
{
	struct gc *g = ctx;
	char rel[600], manifest[72];
	snprintf(rel, sizeof rel, "containers/%s/image", id);
	if (read_digest_at(g->s->fd, rel, manifest) < 0)
		return 0;
	return gc_keep_image(g, manifest);
}

static uint64_t du_at(int dfd, const char *name)
{
	struct stat sb;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	uint64_t n = (uint64_t)sb.st_blocks * 512;
	if (!S_ISDIR(sb.st_mode))
		return n;
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = sub < 0 ? NULL : fdopendir(sub);
	if (!d) {
		if (sub >= 0)
			close(sub);
		return n;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n += du_at(dirfd(d), de->d_name);
	closedir(d);
	return n;
}

/* Remove dir/NAME for each entry not kept (by "sha256:" + NAME). */
struct gc_sweep {
	struct gc *g;
	const char *dir;
	const struct keep *keep;
	const char *kind;
	int r;
};

static int gc_sweep_one(void *ctx, const char *name)
{
	struct gc_sweep *w = ctx;
	char d[80];
	snprintf(d, sizeof d, "sha256:%s", name);
	if (keep_has(w->keep, d))
		return 0;
	int dfd = openat(w->g->s->fd, w->dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return 0;
	uint64_t bytes = du_at(dfd, name);
	int r = store_rm_rf_at(dfd, name);
	close(dfd);
	if (r < 0) {
		w->r = hull_syserr(w->g->e, -r, "store %s: removing %s/%s", w->g->s->path, w->dir, name);
		return 1;
	}
	char what[160];
	snprintf(what, sizeof what, "%s %s", w->kind, d);
	if (w->g->report)
		w->g->report(w->g->ctx, what, bytes);
	return 0;
}

static int gc_tmp_one(void *ctx, const char *name)
{
	struct gc_sweep *w = ctx;
	/* Ingests take the store's lock shared; gc holds it exclusively, so
	 * whatever tmp/ holds now belongs to an ingest that died.  Partial
	 * blobs are kept: the next pull resumes them. */
	if (!strncmp(name, "blob-", 5))
		return 0;
	int dfd = openat(w->g->s->fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return 0;
	uint64_t bytes = du_at(dfd, name);
	int r = store_rm_rf_at(dfd, name);
	close(dfd);
	/* (The chain locks go too, silently: no ingest runs while gc holds
	 * the store's lock, so none is held or about to be.) */
	if (r == 0 && w->g->report && strncmp(name, "chain-", 6)) {
		char what[300];
		snprintf(what, sizeof what, "tmp %s", name);
		w->g->report(w->g->ctx, what, bytes);
	}
	return 0;
}

int store_gc(const struct store *s, void (*report)(void *ctx, const char *what, uint64_t bytes), void *ctx,
	     struct hull_err *e)
{
	int lock = store_lock(s, true, e);
	if (lock < 0)
		return lock;
	struct gc g = { .s = s, .report = report, .ctx = ctx, .e = e };
	int r = store_names(s, gc_name, &g, e);
	if (r == 0)
		r = each_entry(s, "containers", gc_container, &g, e);
	if (r > 0)
		r = hull_errf(e, ENOMEM, "out of memory");
	struct gc_sweep sw[] = {
		{ &g, "images", &g.images, "image", 0 },
		{ &g, "layers", &g.layers, "layer", 0 },
		{ &g, "blobs/sha256", &g.blobs, "blob", 0 },
	};
	for (size_t i = 0; r == 0 && i < 3; i++) {
		each_entry(s, sw[i].dir, gc_sweep_one, &sw[i], e);
		r = sw[i].r;
	}
	struct gc_sweep tmp = { &g, "tmp", NULL, "tmp", 0 };
	if (r == 0)
		each_entry(s, "tmp", gc_tmp_one, &tmp, e);
	free(g.images.d);
	free(g.blobs.d);
	free(g.layers.d);
	close(lock);
	return r;
}
