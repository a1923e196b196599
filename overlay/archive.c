/* SPDX-License-Identifier: Apache-2.0 */
/* overlay/archive.c: import from OCI layouts, oci-archives and
 * docker-archives; export to OCI layouts (see archive.h). */
#include "overlay/archive.h"
#include "overlay/digest.h"
#include "overlay/libarchive.h"
#include "spec/image.h"
#include "spec/json.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

enum { DOC_MAX = 4 << 20 };

static int open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

/* ---- memory for json_parse ---------------------------------------------- */

struct arena {
	void **blocks;
	size_t n;
};

static void *arena_alloc(void *ctx, size_t size)
{
	struct arena *a = ctx;
	void **nb = realloc(a->blocks, (a->n + 1) * sizeof *nb);
	if (!nb)
		return NULL;
	a->blocks = nb;
	return a->blocks[a->n++] = calloc(1, size ? size : 1);
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->blocks);
}

/* ---- blobs from files ---------------------------------------------------- */

struct file_map {
	char digest[DIGEST_LEN];
	char *rel;
	int64_t size;
	enum image_compression comp;
};

struct file_src {
	int dirfd;
	const char *display;
	struct file_map *map;   /* docker-archive: digest -> file; NULL: blobs/sha256/HEX */
	size_t n;
};

static int fsrc_open(void *ctx, const char *digest)
{
	struct file_src *f = ctx;
	char rel[128];
	const char *path = NULL;
	if (f->map) {
		for (size_t i = 0; i < f->n; i++)
			if (!strcmp(f->map[i].digest, digest))
				path = f->map[i].rel;
	} else if (image_digest_valid(digest)) {
		snprintf(rel, sizeof rel, "blobs/sha256/%s", digest + 7);
		path = rel;
	}
	return path ? open_beneath(f->dirfd, path, O_RDONLY) : -ENOENT;
}

static int fsrc_get(void *ctx, const char *digest, size_t max, char **buf, size_t *len, struct hull_err *e)
{
	struct file_src *f = ctx;
	int fd = fsrc_open(ctx, digest);
	if (fd < 0)
		return hull_syserr(e, -fd, "%s: blob %s", f->display, digest);
	struct stat sb;
	int r = fstat(fd, &sb) < 0 ? -errno : (uint64_t)sb.st_size > max ? -EFBIG : read_fd(fd, (size_t)sb.st_size, buf, len);
	close(fd);
	return r < 0 ? hull_syserr(e, -r, "%s: blob %s", f->display, digest) : 0;
}

static int fsrc_stream(void *ctx, const char *digest, uint64_t offset, int (*sink)(void *, const void *, size_t),
		       void *sctx, struct hull_err *e)
{
	(void)offset, (void)sink, (void)sctx;
	struct file_src *f = ctx;
	return hull_errf(e, ENOENT, "%s: blob %s is missing", f->display, digest);
}

/* sha256 and size of a file, and its compression by its magic number. */
static int file_digest(int fd, char out[DIGEST_LEN], int64_t *size, enum image_compression *comp)
{
	struct digest d;
	if (digest_init(&d) < 0)
		return -ENOMEM;
	static __thread char buf[1 << 16];
	int64_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int err = errno;
			digest_free(&d);
			return -err;
		}
		if (!k)
			break;
		if (n == 0 && comp)
			*comp = k >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b ? IMAGE_COMP_GZIP
				: k >= 4 && !memcmp(buf, "\x28\xb5\x2f\xfd", 4) ? IMAGE_COMP_ZSTD : IMAGE_COMP_NONE;
		digest_update(&d, buf, (size_t)k);
		n += k;
	}
	digest_final(&d, out);
	*size = n;
	return 0;
}

static int read_doc(int dirfd, const char *rel, const char *display, char **buf, size_t *len, struct hull_err *e)
{
	int fd = open_beneath(dirfd, rel, O_RDONLY);
	if (fd < 0)
		return hull_syserr(e, -fd, "%s: %s", display, rel);
	struct stat sb;
	int r = fstat(fd, &sb) < 0 ? -errno : sb.st_size > DOC_MAX ? -EFBIG : read_fd(fd, (size_t)sb.st_size, buf, len);
	close(fd);
	return r < 0 ? hull_syserr(e, -r, "%s: %s", display, rel) : 0;
}

/* ---- unpacking an archive into tmp/ -------------------------------------- */

/* A file name of the archive as a relative path, or NULL if it may not be
 * one ("..", absolute, empty). */
static const char *clean_name(const char *n)
{
	while (n[0] == '.' && n[1] == '/')
		n += 2;
	if (!*n || *n == '/' || !strcmp(n, "."))
		return NULL;
	for (const char *p = n; *p; ) {
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return NULL;
		p += l;
		p += *p == '/';
	}
	return n;
}

/* The parent directory of rel below dirfd, made as needed, reached without
 * a symlink; *base: the last name. */
static int parent_of(int dirfd, const char *rel, const char **base)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", rel);
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '/')
		buf[--n] = 0;
	char *slash = strrchr(buf, '/');
	*base = slash ? rel + (slash - buf) + 1 : rel;
	int cur = dup(dirfd);
	if (!slash || cur < 0)
		return cur < 0 ? -errno : cur;
	*slash = 0;
	for (char *p = buf; *p; ) {
		char *end = p + strcspn(p, "/");
		char save = *end;
		*end = 0;
		if (*p && mkdirat(cur, p, 0755) < 0 && errno != EEXIST) {
			int err = errno;
			close(cur);
			return -err;
		}
		int next = *p ? openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : dup(cur);
		close(cur);
		if (next < 0)
			return -errno;
		cur = next;
		*end = save;
		p = end + (save == '/');
	}
	return cur;
}

static int extract(const char *file, int dirfd, struct hull_err *e)
{
	int lr = archive_load(e);
	if (lr < 0)
		return lr;
	struct archive *a = archive_read_new();
	if (!a)
		return hull_errf(e, ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	int r = 0;
	if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
		r = hull_errf(e, EINVAL, "%s: %s", file, archive_error_string(a));
		goto out;
	}
	struct archive_entry *ent;
	int ar;
	while ((ar = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *raw = archive_entry_pathname(ent);
		const char *name = raw ? clean_name(raw) : NULL;
		mode_t type = archive_entry_filetype(ent);
		if (!name) {
			if (raw && (!strcmp(raw, "./") || !strcmp(raw, ".")))
				continue;
			r = hull_errf(e, EINVAL, "%s: entry \"%s\": not a path inside the archive", file, raw ? raw : "");
			goto out;
		}
		const char *base;
		int pfd = parent_of(dirfd, name, &base);
		if (pfd < 0) {
			r = hull_syserr(e, -pfd, "%s: entry \"%s\"", file, name);
			goto out;
		}
		if (type == AE_IFDIR) {
			if (*base && mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
				r = hull_syserr(e, errno, "%s: entry \"%s\"", file, name);
		} else if (type == AE_IFLNK) {
			/* docker save links a layer seen before; read later only
			 * beneath the directory. */
			const char *t = archive_entry_symlink(ent);
			if (!t || symlinkat(t, pfd, base) < 0)
				r = hull_syserr(e, t ? errno : EINVAL, "%s: entry \"%s\"", file, name);
		} else if (type == AE_IFREG) {
			int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0) {
				r = hull_syserr(e, errno, "%s: entry \"%s\"", file, name);
			} else {
				const void *buf;
				size_t size;
				la_int64_t off;
				int dr;
				while ((dr = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
					if (pwrite(fd, buf, size, off) != (ssize_t)size) {
						r = hull_syserr(e, errno ? errno : EIO, "%s: entry \"%s\"", file, name);
						break;
					}
				if (r == 0 && dr != ARCHIVE_EOF)
					r = hull_errf(e, EINVAL, "%s: entry \"%s\": %s", file, name, archive_error_string(a));
				if (r == 0 && ftruncate(fd, archive_entry_size(ent)) < 0)
					r = hull_syserr(e, errno, "%s: entry \"%s\"", file, name);
				close(fd);
			}
		} else {
			r = hull_errf(e, EINVAL, "%s: entry \"%s\": only files and directories belong in an image archive",
				      file, name);
		}
		close(pfd);
		if (r < 0)
			goto out;
	}
	if (ar != ARCHIVE_EOF)
		r = hull_errf(e, EINVAL, "%s: %s", file, archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}

/* ---- naming -------------------------------------------------------------- */

/* name (as the user wrote it) in canonical form into out. */
static int canonical(const char *name, char *out, size_t cap, struct image_ref *ref, struct hull_err *e)
{
	struct spec_err serr;
	struct image_ref tmp;
	if (!ref)
		ref = &tmp;
	if (image_ref_parse(name, ref, &serr) < 0)
		return hull_errf(e, EINVAL, "%s", serr.msg);
	if (image_ref_format(ref, out, cap) < 0)
		return hull_errf(e, ENAMETOOLONG, "image name \"%s\": too long", name);
	return 0;
}

static const char *annotation(const struct spec_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

/* ---- OCI layouts ----------------------------------------------------------- */

static int import_layout(const struct store *s, int dirfd, const char *display, const char *name,
			 const struct ingest_opts *o, char *digest, struct hull_err *e)
{
	char *ibuf = NULL, *mbuf = NULL;
	size_t ilen = 0, mlen = 0;
	struct image_index *ix = NULL, *sub = NULL;
	struct spec_err serr;
	char want[IMAGE_REF_MAX + 1] = "", recname[IMAGE_REF_MAX + 1] = "";
	struct image_ref wref;
	int r;
	if (name && (r = canonical(name, want, sizeof want, &wref, e)) < 0)
		return r;
	if ((r = read_doc(dirfd, "index.json", display, &ibuf, &ilen, e)) < 0)
		return r;
	if ((r = image_index_parse(ibuf, ilen, "index.json", &ix, &serr)) < 0) {
		r = hull_errf(e, -r, "%s: %s", display, serr.msg);
		goto out;
	}
	const struct image_descriptor *d = NULL, *only = NULL;
	size_t candidates = 0, images = 0;
	for (size_t i = 0; i < ix->n_manifests; i++) {
		const struct image_descriptor *c = &ix->manifests[i];
		if (c->media.kind != IMAGE_KIND_MANIFEST && c->media.kind != IMAGE_KIND_INDEX)
			continue;
		images++;
		only = c;
		const char *rn = annotation(c->annotations, c->n_annotations, "org.opencontainers.image.ref.name");
		const char *cn = annotation(c->annotations, c->n_annotations, "io.containerd.image.name");
		char full[IMAGE_REF_MAX + 1] = "";
		struct hull_err ignore;
		if (name) {
			bool match = (rn && (!strcmp(rn, wref.tag) || !strcmp(rn, name) ||
					     (canonical(rn, full, sizeof full, NULL, &ignore) == 0 && strchr(rn, '/') &&
					      !strcmp(full, want)))) ||
				     (cn && canonical(cn, full, sizeof full, NULL, &ignore) == 0 && !strcmp(full, want));
			if (!match)
				continue;
		}
		candidates++;
		d = c;
		if (!name) {
			/* Named by the layout when the name is a whole reference. */
			recname[0] = 0;
			if (cn && canonical(cn, full, sizeof full, NULL, &ignore) == 0)
				snprintf(recname, sizeof recname, "%s", full);
			else if (rn && strchr(rn, '/') && canonical(rn, full, sizeof full, NULL, &ignore) == 0)
				snprintf(recname, sizeof recname, "%s", full);
		}
	}
	if (!d && name && images == 1)
		d = only;   /* one image: the name given is its new name */
	if (!d) {
		r = name ? hull_errf(e, ENOENT, "%s: no image named \"%s\" among its %zu", display, name, images)
			 : hull_errf(e, ENOENT, "%s: no image in it", display);
		goto out;
	}
	if (candidates > 1 && !name) {
		r = hull_errf(e, EINVAL, "%s holds %zu images: say which, as PATH:NAME", display, candidates);
		goto out;
	}
	if (name)
		snprintf(recname, sizeof recname, "%s", want);
	struct file_src fs = { .dirfd = dirfd, .display = display };
	char pick[DIGEST_LEN];
	snprintf(pick, sizeof pick, "%s", d->digest);
	if (d->media.kind == IMAGE_KIND_INDEX) {
		/* Several platforms: the host's. */
		char *xbuf = NULL;
		size_t xlen = 0;
		if ((r = fsrc_get(&fs, pick, DOC_MAX, &xbuf, &xlen, e)) < 0)
			goto out;
		r = image_index_parse(xbuf, xlen, pick, &sub, &serr);
		free(xbuf);
		if (r < 0) {
			r = hull_errf(e, -r, "%s: %s", display, serr.msg);
			goto out;
		}
		struct image_platform_want host;
		struct utsname u;
		uname(&u);
		image_platform_host(u.machine, &host);
		const struct image_descriptor *p = image_index_select(sub, &host, &serr);
		if (!p) {
			r = hull_errf(e, ENOENT, "%s: %s", display, serr.msg);
			goto out;
		}
		snprintf(pick, sizeof pick, "%s", p->digest);
	}
	if ((r = fsrc_get(&fs, pick, DOC_MAX, &mbuf, &mlen, e)) < 0)
		goto out;
	/* The manifest is the one its digest names. */
	struct digest dg;
	char got[DIGEST_LEN];
	if (digest_init(&dg) < 0) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	digest_update(&dg, mbuf, mlen);
	digest_final(&dg, got);
	if (!digest_matches(got, pick)) {
		r = hull_errf(e, EBADMSG, "%s: manifest %s: its content has the digest %s", display, pick, got);
		goto out;
	}
	if (!recname[0]) {
		/* (An image without a name is what gc removes.) */
		r = hull_errf(e, EINVAL, "%s names no image: give it a name (%s:NAME)", display, display);
		goto out;
	}
	struct ingest_source src = { fsrc_get, fsrc_stream, fsrc_open, &fs, display };
	r = ingest_manifest(s, &src, pick, mbuf, mlen, recname, o, e);
	if (r == 0)
		snprintf(digest, DIGEST_LEN, "%s", pick);
out:
	image_index_free(sub);
	image_index_free(ix);
	free(ibuf);
	free(mbuf);
	return r;
}

/* ---- docker-archive -------------------------------------------------------- */

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* A generator with an OCI document begun: {"schemaVersion":2,"mediaType":mt, ... */
static yajl_gen gen_doc(const char *mt)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (g) {
		yajl_gen_map_open(g);
		gen_str(g, "schemaVersion");
		yajl_gen_integer(g, 2);
		gen_str(g, "mediaType");
		gen_str(g, mt);
	}
	return g;
}

static void gen_desc(yajl_gen g, const char *mt, const char *digest, int64_t size)
{
	yajl_gen_map_open(g);
	gen_str(g, "mediaType");
	gen_str(g, mt);
	gen_str(g, "digest");
	gen_str(g, digest);
	gen_str(g, "size");
	yajl_gen_integer(g, size);
	yajl_gen_map_close(g);
}

static int import_docker(const struct store *s, int dirfd, const char *display, const char *name,
			 const struct ingest_opts *o, char *digest, struct hull_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	struct arena ar = { 0 };
	struct file_map *map = NULL;
	size_t nmap = 0;
	char *mjson = NULL;
	int r = read_doc(dirfd, "manifest.json", display, &buf, &len, e);
	if (r < 0)
		return r;
	struct json_error jerr;
	yajl_val top = json_parse(buf, 16, arena_alloc, &ar, &jerr);
	char want[IMAGE_REF_MAX + 1] = "", recname[IMAGE_REF_MAX + 1] = "";
	if (!top || !YAJL_IS_ARRAY(top) || !top->u.array.len) {
		r = hull_errf(e, EINVAL, "%s: manifest.json: not a list of images", display);
		goto out;
	}
	if (name && (r = canonical(name, want, sizeof want, NULL, e)) < 0)
		goto out;
	yajl_val pick = NULL;
	for (size_t i = 0; i < top->u.array.len && !pick; i++) {
		yajl_val it = top->u.array.values[i];
		const char *tp[] = { "RepoTags", NULL };
		yajl_val tags = YAJL_IS_OBJECT(it) ? yajl_tree_get(it, tp, yajl_t_array) : NULL;
		if (!name) {
			if (top->u.array.len > 1) {
				r = hull_errf(e, EINVAL, "%s holds %zu images: say which, as PATH:NAME", display,
					      top->u.array.len);
				goto out;
			}
			pick = it;
			struct hull_err ignore;
			if (tags && tags->u.array.len && YAJL_IS_STRING(tags->u.array.values[0]))
				canonical(YAJL_GET_STRING(tags->u.array.values[0]), recname, sizeof recname, NULL, &ignore);
			break;
		}
		for (size_t k = 0; tags && k < tags->u.array.len; k++) {
			char full[IMAGE_REF_MAX + 1];
			struct hull_err ignore;
			if (YAJL_IS_STRING(tags->u.array.values[k]) &&
			    canonical(YAJL_GET_STRING(tags->u.array.values[k]), full, sizeof full, NULL, &ignore) == 0 &&
			    !strcmp(full, want))
				pick = it;
		}
		if (!pick && top->u.array.len == 1)
			pick = it;   /* one image: the name given is its new name */
	}
	if (!pick || !YAJL_IS_OBJECT(pick)) {
		r = hull_errf(e, ENOENT, "%s: no image named \"%s\" in it", display, name ? name : "");
		goto out;
	}
	if (name)
		snprintf(recname, sizeof recname, "%s", want);
	const char *cp[] = { "Config", NULL }, *lp[] = { "Layers", NULL };
	yajl_val cfg = yajl_tree_get(pick, cp, yajl_t_string), layers = yajl_tree_get(pick, lp, yajl_t_array);
	if (!cfg || !layers) {
		r = hull_errf(e, EINVAL, "%s: manifest.json: an image without Config or Layers", display);
		goto out;
	}
	size_t n = layers->u.array.len;
	map = calloc(n + 1, sizeof *map);
	nmap = map ? n + 1 : 0;
	if (!map) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	yajl_gen g = gen_doc(IMAGE_MT_OCI_MANIFEST);
	if (!g) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i <= n && r == 0; i++) {
		/* map[n]: the config; map[0..n): the layers. */
		yajl_val v = i == n ? cfg : layers->u.array.values[i];
		const char *rel = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
		const char *clean = rel ? clean_name(rel) : NULL;
		int fd = clean ? open_beneath(dirfd, clean, O_RDONLY) : -EINVAL;
		if (fd < 0 || (r = file_digest(fd, map[i].digest, &map[i].size, &map[i].comp)) < 0)
			r = hull_syserr(e, fd < 0 ? -fd : -r, "%s: %s", display, rel ? rel : "a layer that is not a file name");
		if (fd >= 0)
			close(fd);
		if (r < 0)
			break;
		map[i].rel = strdup(clean);
		if (i == n) {
			gen_str(g, "config");
			gen_desc(g, IMAGE_MT_OCI_CONFIG, map[i].digest, map[i].size);
			gen_str(g, "layers");
			yajl_gen_array_open(g);
			for (size_t k = 0; k < n; k++)
				gen_desc(g, map[k].comp == IMAGE_COMP_GZIP ? IMAGE_MT_OCI_LAYER_GZIP
					    : map[k].comp == IMAGE_COMP_ZSTD ? IMAGE_MT_OCI_LAYER_ZSTD : IMAGE_MT_OCI_LAYER,
					 map[k].digest, map[k].size);
			yajl_gen_array_close(g);
		}
	}
	yajl_gen_map_close(g);
	/* json_gen_take frees g */
	if (r == 0)
		mjson = json_gen_take(g);
	else
		yajl_gen_free(g);
	if (r == 0 && !mjson)
		r = hull_errf(e, ENOMEM, "out of memory");
	if (r < 0)
		goto out;
	struct digest dg;
	if (digest_init(&dg) < 0) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	digest_update(&dg, mjson, strlen(mjson));
	digest_final(&dg, digest);
	if (!recname[0]) {
		r = hull_errf(e, EINVAL, "%s names no image (no RepoTags): give it a name (%s:NAME)", display, display);
		goto out;
	}
	struct file_src fs = { .dirfd = dirfd, .display = display, .map = map, .n = n + 1 };
	struct ingest_source src = { fsrc_get, fsrc_stream, fsrc_open, &fs, display };
	r = ingest_manifest(s, &src, digest, mjson, strlen(mjson), recname, o, e);
out:
	for (size_t i = 0; map && i < nmap; i++)
		free(map[i].rel);
	free(map);
	free(mjson);
	arena_free(&ar);
	free(buf);
	return r;
}

/* ---- import ---------------------------------------------------------------- */

int archive_import(const struct store *s, const char *path, const char *name, const struct ingest_opts *o,
		   char *digest, struct hull_err *e)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return hull_syserr(e, errno, "image import: %s", path);
	char display[PATH_MAX + 16];
	snprintf(display, sizeof display, "%s", path);
	if (S_ISDIR(sb.st_mode)) {
		int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return hull_syserr(e, errno, "image import: %s", path);
		struct stat lb;
		int r = fstatat(dfd, "oci-layout", &lb, 0) == 0
				? import_layout(s, dfd, display, name, o, digest, e)
			: fstatat(dfd, "manifest.json", &lb, 0) == 0
				? import_docker(s, dfd, display, name, o, digest, e)
				: hull_errf(e, EINVAL, "image import: %s: neither an OCI layout (oci-layout) nor a docker-archive "
						       "(manifest.json)", path);
		close(dfd);
		return r;
	}
	/* An archive: unpacked into tmp/import-XXXXXX first (its lock file
	 * held, so that a sweep knows it alive), removed after. */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/tmp/import-XXXXXX", s->path);
	if (!mkdtemp(tmp))
		return hull_syserr(e, errno, "store %s: a directory to unpack %s into", s->path, path);
	int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int lk = dfd < 0 ? -1 : openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int r;
	if (lk < 0 || flock(lk, LOCK_EX) < 0) {
		r = hull_syserr(e, errno, "store %s: %s", s->path, tmp);
	} else if ((r = extract(path, dfd, e)) == 0) {
		struct stat lb;
		r = fstatat(dfd, "oci-layout", &lb, 0) == 0 ? import_layout(s, dfd, display, name, o, digest, e)
		    : fstatat(dfd, "manifest.json", &lb, 0) == 0 ? import_docker(s, dfd, display, name, o, digest, e)
		    : hull_errf(e, EINVAL, "image import: %s: neither an oci-archive (oci-layout) nor a docker-archive "
					   "(manifest.json)", path);
	}
	int tfd = openat(s->fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tfd >= 0) {
		store_rm_rf_at(tfd, strrchr(tmp, '/') + 1);
		close(tfd);
	}
	if (lk >= 0)
		close(lk);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* ---- export ---------------------------------------------------------------- */

static int copy_blob(const struct store *s, int lfd, const char *digest, struct hull_err *e)
{
	char rel[128], dst[128], tmp[160];
	store_blob_rel(digest, rel, sizeof rel);
	snprintf(dst, sizeof dst, "blobs/sha256/%s", digest + 7);
	struct stat sb;
	if (fstatat(lfd, dst, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	int in = openat(s->fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return hull_syserr(e, errno, "blob %s is not in the store %s", digest, s->path);
	snprintf(tmp, sizeof tmp, "blobs/sha256/.%s.%d.tmp", digest + 7, (int)getpid());
	int out = openat(lfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r = out < 0 || fstat(in, &sb) < 0 ? -errno : 0;
	for (off_t left = r ? 0 : sb.st_size; r == 0 && left > 0; ) {
		ssize_t k = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (k <= 0)
			r = k < 0 ? -errno : -EIO;
		else
			left -= k;
	}
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -errno;
	close(in);
	if (r == 0 && renameat(lfd, tmp, lfd, dst) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(lfd, tmp, 0);
		return hull_syserr(e, -r, "writing blob %s", digest);
	}
	return 0;
}

int archive_export(const struct store *s, const char *manifest, const char *name, const char *path,
		   struct hull_err *e)
{
	struct store_image img;
	int r = store_image_get(s, manifest, &img, e);
	if (r < 0)
		return r;
	char *mbuf = NULL, *ibuf = NULL, *out = NULL;
	size_t mlen = 0, ilen = 0;
	struct image_index *ix = NULL;
	int lfd = -1;
	if ((r = store_blob_read(s, manifest, DOC_MAX, &mbuf, &mlen, e)) < 0)
		goto done;
	if (mkdir_p(path, 0755) < 0 || (lfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (mkdirat(lfd, "blobs", 0755) < 0 && errno != EEXIST) ||
	    (mkdirat(lfd, "blobs/sha256", 0755) < 0 && errno != EEXIST)) {
		r = hull_syserr(e, errno, "image export: %s", path);
		goto done;
	}
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if ((r = write_file_atomic(lfd, "oci-layout", layout, sizeof layout - 1, 0644)) < 0) {
		r = hull_syserr(e, -r, "image export: %s/oci-layout", path);
		goto done;
	}
	if ((r = copy_blob(s, lfd, img.config, e)) < 0)
		goto done;
	for (size_t i = 0; i < img.n_layers && r == 0; i++)
		r = copy_blob(s, lfd, img.layers[i].blob, e);
	if (r < 0 || (r = copy_blob(s, lfd, manifest, e)) < 0)
		goto done;
	/* The index: what was there (another image of another name), and this one. */
	struct image_ref ref;
	struct spec_err serr;
	const char *tag = "latest";
	if (image_ref_parse(name, &ref, &serr) == 0 && ref.tag[0])
		tag = ref.tag;
	struct stat sb;
	if (fstatat(lfd, "index.json", &sb, 0) == 0) {
		if ((r = read_doc(lfd, "index.json", path, &ibuf, &ilen, e)) < 0)
			goto done;
		if ((r = image_index_parse(ibuf, ilen, "index.json", &ix, &serr)) < 0) {
			r = hull_errf(e, -r, "image export: %s: %s", path, serr.msg);
			goto done;
		}
	}
	yajl_gen g = gen_doc(IMAGE_MT_OCI_INDEX);
	if (!g) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto done;
	}
	gen_str(g, "manifests");
	yajl_gen_array_open(g);
	for (size_t i = 0; ix && i < ix->n_manifests; i++) {
		const struct image_descriptor *d = &ix->manifests[i];
		const char *rn = annotation(d->annotations, d->n_annotations, "org.opencontainers.image.ref.name");
		if (rn && !strcmp(rn, tag))
			continue;   /* replaced */
		yajl_gen_map_open(g);
		gen_str(g, "mediaType");
		gen_str(g, d->media_type);
		gen_str(g, "digest");
		gen_str(g, d->digest);
		gen_str(g, "size");
		yajl_gen_integer(g, d->size);
		if (d->n_annotations) {
			gen_str(g, "annotations");
			yajl_gen_map_open(g);
			for (size_t k = 0; k < d->n_annotations; k++) {
				gen_str(g, d->annotations[k].key);
				gen_str(g, d->annotations[k].value);
			}
			yajl_gen_map_close(g);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_map_open(g);
	gen_str(g, "mediaType");
	gen_str(g, img.manifest_type);
	gen_str(g, "digest");
	gen_str(g, manifest);
	gen_str(g, "size");
	yajl_gen_integer(g, (long long)mlen);
	gen_str(g, "annotations");
	yajl_gen_map_open(g);
	gen_str(g, "org.opencontainers.image.ref.name");
	gen_str(g, tag);
	gen_str(g, "io.containerd.image.name");
	gen_str(g, name);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	out = json_gen_take(g);   /* (frees g) */
	if (!out || (r = write_file_atomic(lfd, "index.json", out, strlen(out), 0644)) < 0)
		r = out ? hull_syserr(e, -r, "image export: %s/index.json", path) : hull_errf(e, ENOMEM, "out of memory");
done:
	if (lfd >= 0)
		close(lfd);
	image_index_free(ix);
	free(out);
	free(ibuf);
	free(mbuf);
	store_image_free(&img);
	return r;
}
