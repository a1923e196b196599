/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_parse.h>

int state_validate_id(const char *id, struct hull_err *e)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 1024)
		return hull_errf(e, EINVAL, "invalid container ID \"%s\": empty or too long", id ? id : "");
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return hull_errf(e, EINVAL, "invalid container ID \"%s\"", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+'))
			return hull_errf(e, EINVAL, "invalid container ID \"%s\": only letters, digits, '_', '-', '.' and '+' are allowed", id);
	}
	return 0;
}

int state_open_root(const char *root, struct hull_err *e)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		int r = mkdir_p(root, 0700);
		if (r < 0)
			return hull_syserr(e, -r, "state root %s", root);
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return hull_syserr(e, errno, "state root %s", root);
	return fd;
}

static int lock_dir(int dirfd, int lock)
{
	while (flock(dirfd, lock) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int state_create_dir(int rootfd, const char *id, int *dirfd, struct hull_err *e)
{
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return hull_errf(e, EEXIST, "container \"%s\" already exists", id);
		return hull_syserr(e, errno, "creating state directory for \"%s\"", id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || lock_dir(fd, LOCK_EX) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return hull_syserr(e, err, "state directory of \"%s\"", id);
	}
	*dirfd = fd;
	return 0;
}

int state_open_dir(int rootfd, const char *id, int lock, int *dirfd, struct hull_err *e)
{
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return hull_errf(e, ENOENT, "container \"%s\" does not exist", id);
		return hull_syserr(e, errno, "state directory of \"%s\"", id);
	}
	if (lock && lock_dir(fd, lock) < 0) {
		int err = errno;
		close(fd);
		return hull_syserr(e, err, "locking \"%s\"", id);
	}
	/* A delete may have won the lock first and removed the directory. */
	struct stat st;
	if (lock && (fstat(fd, &st) < 0 || st.st_nlink == 0)) {
		close(fd);
		return hull_errf(e, ENOENT, "container \"%s\" does not exist", id);
	}
	*dirfd = fd;
	return 0;
}

/* The state as JSON, by hand rather than with yajl_gen (state.json is
 * written twice on every create): compact for state.json, or laid out as
 * yajl_gen's beautify lays it out (two spaces a level) for `hull state`;
 * strings escaped as yajl escapes them. */
struct jw {
	struct buf b;
	bool pretty;
	int depth;
	bool first[8];      /* nothing written yet in the map or array open at that depth */
	bool array[8];      /* the container open at that depth is an array */
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	buf_put(&w->b, s, n);
}

/* Before a key, or a value in an array: the comma, the line and indent. */
static void jw_item(struct jw *w)
{
	if (!w->first[w->depth])
		jw_raw(w, ",", 1);
	w->first[w->depth] = false;
	if (w->pretty) {
		jw_raw(w, "\n", 1);
		for (int i = 0; i < w->depth; i++)
			jw_raw(w, "  ", 2);
	}
}

/* Before a value: an item of its own only in an array (after a key, none). */
static void jw_value(struct jw *w)
{
	if (w->depth && w->array[w->depth])
		jw_item(w);
}

static void jw_str(struct jw *w, const char *s)
{
	jw_value(w);
	jw_raw(w, "\"", 1);
	/* Runs of bytes that need no escape are copied whole. */
	for (const char *run = s;; s++) {
		while ((unsigned char)*s >= 0x20 && *s != '"' && *s != '\\')
			s++;
		unsigned char c = (unsigned char)*s;
		jw_raw(w, run, (size_t)(s - run));
		if (!c)
			break;
		char esc[8];
		const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r" :
				    c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
		if (!named) {
			snprintf(esc, sizeof esc, "\\u%04X", c);
			named = esc;
		}
		jw_raw(w, named, strlen(named));
		run = s + 1;
	}
	jw_raw(w, "\"", 1);
}

/* A key of the open map (its value follows without a separator). */
static void jw_key(struct jw *w, const char *k)
{
	jw_item(w);
	jw_str(w, k);
	jw_raw(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
}

static void jw_int(struct jw *w, long long v)
{
	char num[24];
	size_t n = v < 0 ? 1 : 0;
	num[0] = '-';
	n += fmt_u64(num + n, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	jw_value(w);
	jw_raw(w, num, n);
}

static void jw_open(struct jw *w, char c)
{
	jw_value(w);
	jw_raw(w, &c, 1);
	if (w->depth + 1 >= (int)(sizeof w->first)) {
		w->b.oom = true;
		return;
	}
	w->depth++;
	w->first[w->depth] = true;
	w->array[w->depth] = c == '[';
}

static void jw_close(struct jw *w)
{
	bool empty = w->first[w->depth];
	char c = w->array[w->depth] ? ']' : '}';
	w->depth--;
	if (w->pretty && !empty) {
		jw_raw(w, "\n", 1);
		for (int i = 0; i < w->depth; i++)
			jw_raw(w, "  ", 2);
	}
	jw_raw(w, &c, 1);
	if (w->pretty && !w->depth)
		jw_raw(w, "\n", 1);
}

/* The OCI state's fields (the open map's first members). */
static void jw_common(struct jw *w, const struct cstate *st, const char *status)
{
	jw_key(w, "ociVersion"); jw_str(w, SPEC_OCI_VERSION);
	jw_key(w, "id"); jw_str(w, st->id);
	jw_key(w, "status"); jw_str(w, status);
	jw_key(w, "pid"); jw_int(w, st->pid);
	jw_key(w, "bundle"); jw_str(w, st->bundle);
	jw_key(w, "rootfs"); jw_str(w, st->rootfs);
	jw_key(w, "created"); jw_str(w, st->created);
	jw_key(w, "owner"); jw_str(w, st->owner ? st->owner : "");
	/* Optional in the runtime-spec; left out when there are none, as runc does. */
	if (!st->n_annotations)
		return;
	jw_key(w, "annotations");
	jw_open(w, '{');
	for (size_t i = 0; i < st->n_annotations; i++) {
		jw_key(w, st->annotations[i].key);
		jw_str(w, st->annotations[i].value);
	}
	jw_close(w);
}

static struct jw jw_start(bool pretty)
{
	return (struct jw){ .pretty = pretty, .first = { true } };
}

char *state_oci_json(const struct cstate *st, enum cstatus s, bool beautify)
{
	struct jw w = jw_start(beautify);
	jw_open(&w, '{');
	jw_common(&w, st, state_status_name(s));
	jw_close(&w);
	jw_raw(&w, "", 1);   /* the NUL */
	if (w.b.oom) {
		free(w.b.s);
		return NULL;
	}
	return w.b.s;
}

int state_write(int dirfd, const struct cstate *st, struct hull_err *e)
{
	struct jw w = jw_start(false);
	jw_open(&w, '{');
	jw_common(&w, st, st->creating ? "creating" : "created");
	/* hull's own fields, not part of the OCI state. */
	jw_key(&w, "hull");
	jw_open(&w, '{');
	jw_key(&w, "startTime"); jw_int(&w, (long long)st->start_time);
	jw_key(&w, "pidIno"); jw_int(&w, (long long)st->pid_ino);
	jw_key(&w, "creator"); jw_int(&w, st->creator);
	if (st->creator) {
		jw_key(&w, "creatorIno"); jw_int(&w, (long long)st->creator_ino);
		jw_key(&w, "creatorStart"); jw_int(&w, (long long)st->creator_start);
	}
	jw_key(&w, "hooks"); jw_int(&w, st->hooks);
	if (st->unit) {
		jw_key(&w, "systemdUnit"); jw_str(&w, st->unit);
	}
	if (st->rootfs_mnt) {
		jw_key(&w, "rootfsMount"); jw_int(&w, (long long)st->rootfs_mnt);
	}
	jw_key(&w, "cgroupV2"); jw_int(&w, st->cg.v2);
	jw_key(&w, "cgroups");
	jw_open(&w, '[');
	for (size_t i = 0; i < st->cg.n; i++) {
		jw_open(&w, '{');
		jw_key(&w, "dir"); jw_str(&w, st->cg.dirs[i]);
		jw_key(&w, "base"); jw_str(&w, st->cg.bases[i]);
		jw_key(&w, "controllers"); jw_str(&w, st->cg.ctrls[i]);
		jw_close(&w);
	}
	jw_close(&w);
	jw_close(&w);
	jw_close(&w);
	int r = w.b.oom ? -ENOMEM : write_file_atomic(dirfd, "state.json", w.b.s, w.b.len, 0600);
	free(w.b.s);
	if (r < 0)
		return hull_syserr(e, -r, "writing state of \"%s\"", st->id);
	return 0;
}

void state_free(struct cstate *st)
{
	cgroup_set_free(&st->cg);
	free(st->annotations);
	free(st->mem_);
	memset(st, 0, sizeof *st);
}

/* state.json is read with yajl's event parser straight into struct cstate
 * (every `state`, `list` and `delete` reads it): no tree, and all strings
 * in one block as long as the file, which no decoded string set can
 * outgrow. */
struct sread {
	struct cstate *st;
	char *mem;
	size_t used, cap;
	int depth;                 /* maps and arrays open */
	char k1[16], k2[16], k4[16];
	char *cg[3];               /* dir, base, controllers of the hull.cgroups entry being read */
	size_t ann_cap;
	size_t cg_index;           /* of the hull.cgroups entry being read */
	char why[192];             /* what is wrong and where, when bad for a reason */
	bool bad;
	bool light;                /* stop before hull.cgroups (the longest part) */
	bool stopped;
};

static char *sr_copy(struct sread *r, const unsigned char *s, size_t len)
{
	if (r->used + len + 1 > r->cap) {
		r->bad = true;
		return NULL;
	}
	char *d = r->mem + r->used;
	memcpy(d, s, len);
	d[len] = 0;
	r->used += len + 1;
	return d;
}

static void sr_key(char *k, size_t cap, const unsigned char *s, size_t len)
{
	/* Longer keys than any of ours just never match. */
	if (len >= cap)
		len = 0, k[0] = '?', k[1] = 0;
	else
		memcpy(k, s, len), k[len] = 0;
}

static bool in_hull(const struct sread *r)
{
	return !strcmp(r->k1, "hull");
}

/* A string C or hull's path buffers would read differently from the file:
 * a NUL (from \u0000) would cut it short.  what says how, of a value (key:
 * of a key) at the depth being read. */
static int sr_refuse(struct sread *r, bool key, const char *what)
{
	int depth = key ? r->depth - 1 : r->depth;
	const char *ann = r->depth == 2 && !strcmp(r->k1, "annotations") && r->st->n_annotations
			  ? r->st->annotations[r->st->n_annotations - 1].key : NULL;
	char where[96];
	if (depth <= 0)
		snprintf(where, sizeof where, "%s", "");
	else if (depth == 1)
		snprintf(where, sizeof where, "%s: ", r->k1);
	else if (ann)
		snprintf(where, sizeof where, "annotations[\"%.64s\"]: ", ann);
	else if (depth == 2)
		snprintf(where, sizeof where, "%s.%s: ", r->k1, r->k2);
	else if (depth == 3)
		snprintf(where, sizeof where, "%s.%s[%zu]: ", r->k1, r->k2, r->cg_index);
	else
		snprintf(where, sizeof where, "%s.%s[%zu].%s: ", r->k1, r->k2, r->cg_index, r->k4);
	snprintf(r->why, sizeof r->why, ": state.json: %s%s", where, what);
	r->bad = true;
	return 0;
}

static bool sr_cut(const unsigned char *s, size_t len)
{
	return memchr(s, 0, len) != NULL;
}

static int sr_string(void *ctx, const unsigned char *s, size_t len)
{
	struct sread *r = ctx;
	struct cstate *st = r->st;
	if (sr_cut(s, len))
		return sr_refuse(r, false, "string contains a NUL byte");
	if (r->depth == 1) {
		if (len >= PATH_MAX && (!strcmp(r->k1, "bundle") || !strcmp(r->k1, "rootfs")))
			return sr_refuse(r, false, "path longer than PATH_MAX allows (4095 bytes)");
		char **to = !strcmp(r->k1, "id") ? &st->id : !strcmp(r->k1, "bundle") ? &st->bundle
			  : !strcmp(r->k1, "rootfs") ? &st->rootfs : !strcmp(r->k1, "created") ? &st->created
			  : !strcmp(r->k1, "owner") ? &st->owner : NULL;
		if (to)
			*to = sr_copy(r, s, len);
		else if (!strcmp(r->k1, "status"))
			st->creating = len == 8 && !memcmp(s, "creating", 8);
	} else if (r->depth == 2 && in_hull(r) && !strcmp(r->k2, "systemdUnit")) {
		st->unit = sr_copy(r, s, len);
	} else if (r->depth == 2 && !strcmp(r->k1, "annotations") && st->n_annotations) {
		st->annotations[st->n_annotations - 1].value = sr_copy(r, s, len);
	} else if (r->depth == 4 && in_hull(r) && !strcmp(r->k2, "cgroups")) {
		int i = !strcmp(r->k4, "dir") ? 0 : !strcmp(r->k4, "base") ? 1 : !strcmp(r->k4, "controllers") ? 2 : -1;
		if (i >= 0 && i < 2 && len >= PATH_MAX)
			return sr_refuse(r, false, "path longer than PATH_MAX allows (4095 bytes)");
		if (i >= 0 && !r->cg[i])
			r->bad |= !(r->cg[i] = strndup((const char *)s, len));
	}
	return !r->bad;
}

static int sr_integer(void *ctx, long long v)
{
	struct sread *r = ctx;
	struct cstate *st = r->st;
	if (r->depth == 1 && !strcmp(r->k1, "pid"))
		st->pid = (pid_t)v;
	else if (r->depth == 2 && in_hull(r)) {
		if (!strcmp(r->k2, "startTime"))
			st->start_time = (uint64_t)v;
		else if (!strcmp(r->k2, "pidIno"))
			st->pid_ino = (uint64_t)v;
		else if (!strcmp(r->k2, "creator"))
			st->creator = (pid_t)v;
		else if (!strcmp(r->k2, "creatorIno"))
			st->creator_ino = (uint64_t)v;
		else if (!strcmp(r->k2, "creatorStart"))
			st->creator_start = (uint64_t)v;
		else if (!strcmp(r->k2, "hooks"))
			st->hooks = (unsigned)v;
		else if (!strcmp(r->k2, "rootfsMount"))
			st->rootfs_mnt = (uint64_t)v;
		else if (!strcmp(r->k2, "cgroupV2"))
			st->cg.v2 = (int)v;
	}
	return 1;
}

static int sr_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct sread *r = ctx;
	struct cstate *st = r->st;
	if (sr_cut(s, len))
		return sr_refuse(r, true, "key contains a NUL byte");
	if (r->depth == 1) {
		sr_key(r->k1, sizeof r->k1, s, len);
	} else if (r->depth == 2) {
		sr_key(r->k2, sizeof r->k2, s, len);
		if (r->light && in_hull(r) && !strcmp(r->k2, "cgroups")) {
			r->stopped = true;
			return 0;   /* cancels the parse */
		}
		if (!strcmp(r->k1, "annotations")) {
			if (st->n_annotations == r->ann_cap) {
				size_t cap = r->ann_cap ? 2 * r->ann_cap : 8;
				struct spec_kv *a = realloc(st->annotations, cap * sizeof *a);
				if (!a)
					return 0;
				st->annotations = a;
				r->ann_cap = cap;
			}
			st->annotations[st->n_annotations].key = sr_copy(r, s, len);
			st->annotations[st->n_annotations++].value = NULL;
		}
	} else if (r->depth == 4) {
		sr_key(r->k4, sizeof r->k4, s, len);
	}
	return !r->bad;
}

static int sr_open(void *ctx)
{
	((struct sread *)ctx)->depth++;
	return 1;
}

static int sr_close_map(void *ctx)
{
	struct sread *r = ctx;
	struct cgroup_set *cg = &r->st->cg;
	if (r->depth == 4 && in_hull(r) && !strcmp(r->k2, "cgroups")) {
		if (r->cg[0] && r->cg[1] && r->cg[2] && cg->n < CG_MAX_DIRS) {
			cg->dirs[cg->n] = r->cg[0];
			cg->bases[cg->n] = r->cg[1];
			cg->ctrls[cg->n++] = r->cg[2];
		} else {
			free(r->cg[0]);
			free(r->cg[1]);
			free(r->cg[2]);
		}
		r->cg[0] = r->cg[1] = r->cg[2] = NULL;
		r->cg_index++;
	}
	r->depth--;
	return 1;
}

static int sr_close_array(void *ctx)
{
	((struct sread *)ctx)->depth--;
	return 1;
}

static const yajl_callbacks sr_callbacks = {
	.yajl_integer = sr_integer, .yajl_string = sr_string, .yajl_start_map = sr_open,
	.yajl_map_key = sr_map_key, .yajl_end_map = sr_close_map, .yajl_start_array = sr_open,
	.yajl_end_array = sr_close_array,
};

/* The memory of one read_state: the file and yajl's own allocations come
 * from here (`list` reads every container's state: no malloc and free per
 * block), whatever does not fit from malloc.  Each block is preceded by its
 * size, for realloc. */
static struct {
	size_t used;
	_Alignas(16) char mem[16384];
} sr_arena;

static bool in_arena(const void *p)
{
	return (const char *)p >= sr_arena.mem && (const char *)p < sr_arena.mem + sizeof sr_arena.mem;
}

static void *arena_malloc(void *ctx, size_t n)
{
	(void)ctx;
	size_t need = 16 + ((n + 15) & ~(size_t)15);
	if (n < sizeof sr_arena.mem && sr_arena.used + need <= sizeof sr_arena.mem) {
		char *b = sr_arena.mem + sr_arena.used;
		sr_arena.used += need;
		*(size_t *)b = n;
		return b + 16;
	}
	return malloc(n);
}

static void arena_free(void *ctx, void *p)
{
	(void)ctx;
	if (!in_arena(p))
		free(p);
}

static void *arena_realloc(void *ctx, void *p, size_t n)
{
	if (!p)
		return arena_malloc(ctx, n);
	if (!in_arena(p))
		return realloc(p, n);
	size_t old = *(size_t *)((char *)p - 16);
	void *q = arena_malloc(ctx, n);
	if (q)
		memcpy(q, p, old < n ? old : n);
	return q;
}

static yajl_alloc_funcs sr_alloc = { arena_malloc, arena_realloc, arena_free, NULL };

/* A regular file whole (a symlink or anything else is refused) into the
 * arena (or the heap), and its owner in *uid. */
static int read_regular(int dirfd, const char *path, char **out, size_t *len, uid_t *uid)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	*uid = sb.st_uid;
	/* Never rewritten in place (renamed over): its size is the size. */
	size_t size = sb.st_size > 0 ? (size_t)sb.st_size : 0;
	if (!size || size >= sizeof sr_arena.mem / 2)
		return read_fd(fd, size, out, len);
	char *buf = arena_malloc(NULL, size + 1);
	ssize_t n = read_full(fd, buf, size);
	if (n < 0) {
		arena_free(NULL, buf);
		return (int)n;
	}
	buf[n] = 0;
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* The document in buf (len bytes; in the arena or not) into *st, which
 * read_state or state_parse zeroed. */
static int parse_state(const char *buf, size_t len, const char *id, struct cstate *st, bool light, struct hull_err *e)
{
	struct sread sr = { .st = st, .cap = len + 1, .light = light };
	st->mem_ = sr.mem = malloc(sr.cap);
	yajl_handle h = sr.mem ? yajl_alloc(&sr_callbacks, &sr_alloc, &sr) : NULL;
	/* hull wrote it: its strings came from JSON or the kernel already. */
	if (h)
		yajl_config(h, yajl_dont_validate_strings, 1);
	yajl_status ys = h ? yajl_parse(h, (const unsigned char *)buf, len) : yajl_status_error;
	bool ok = !sr.bad && (sr.stopped ? ys == yajl_status_client_canceled
					 : ys == yajl_status_ok && yajl_complete_parse(h) == yajl_status_ok);
	st->cg_unread = sr.stopped;
	if (h)
		yajl_free(h);
	free(sr.cg[0]);
	free(sr.cg[1]);
	free(sr.cg[2]);
	if (!ok || !st->id || !st->bundle || !st->rootfs || !st->created) {
		state_free(st);
		return hull_errf(e, sr.mem ? EINVAL : ENOMEM, "state of \"%s\" is corrupt%s", id, sr.why);
	}
	/* Keys without string values (none are written so) are dropped. */
	size_t n = 0;
	for (size_t i = 0; i < st->n_annotations; i++)
		if (st->annotations[i].value)
			st->annotations[n++] = st->annotations[i];
	st->n_annotations = n;
	return 0;
}

/* path: the state.json to read, relative to dirfd. */
static int read_state(int dirfd, const char *path, const char *id, struct cstate *st, bool light, struct hull_err *e)
{
	memset(st, 0, sizeof *st);
	st->cg.v2 = -1;
	char *buf = NULL;
	size_t len = 0;
	sr_arena.used = 0;
	int r = read_regular(dirfd, path, &buf, &len, &st->uid);
	if (r == -ENOENT)
		return hull_errf(e, ENOENT, "container \"%s\" does not exist", id);
	if (r < 0)
		return hull_syserr(e, -r, "reading state of \"%s\"", id);
	r = parse_state(buf, len, id, st, light, e);
	arena_free(NULL, buf);
	return r;
}

int state_parse(const char *buf, size_t len, const char *id, bool light, struct cstate *st, struct hull_err *e)
{
	memset(st, 0, sizeof *st);
	st->cg.v2 = -1;
	sr_arena.used = 0;
	return parse_state(buf, len, id, st, light, e);
}

int state_read(int dirfd, const char *id, struct cstate *st, struct hull_err *e)
{
	return read_state(dirfd, "state.json", id, st, false, e);
}

int state_read_light(int rootfd, const char *id, struct cstate *st, struct hull_err *e)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/state.json", id);
	return read_state(rootfd, path, id, st, true, e);
}

int state_remove_dir(int rootfd, int dirfd, const char *id)
{
	unlinkat(dirfd, "state.json", 0);
	unlinkat(dirfd, "exec.fifo", 0);
	/* Usually that was all; only a directory that is not empty yet gets
	 * listed (leftover temporaries of an interrupted atomic write, the
	 * etc-* files of a container on a network: runtime/network.c). */
	if (unlinkat(rootfd, id, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd, de->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int state_creator_pidfd(const struct cstate *st)
{
	return proc_pidfd(st->creator, st->creator_ino, st->creator_start, true);
}

static bool pid_alive(const struct cstate *st)
{
	int fd = proc_pidfd(st->pid, st->pid_ino, st->start_time, true);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static enum cstatus status_at(int dirfd, const char *fifo, const struct cstate *st)
{
	if (st->creating) {
		/* A create still at work, or one that died half way (then
		 * delete cleans up what it left; its pid may be another
		 * process's by now). */
		int fd = state_creator_pidfd(st);
		if (fd < 0)
			return ST_STOPPED;
		close(fd);
		return ST_CREATING;
	}
	if (!pid_alive(st))
		return ST_STOPPED;
	struct stat sb;
	if (fstatat(dirfd, fifo, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return ST_CREATED;
	if (st->cg_unread)
		return ST_RUNNING;   /* or paused: the caller reads the whole state to know */
	return cgroup_frozen(&st->cg) ? ST_PAUSED : ST_RUNNING;
}

enum cstatus state_status(int dirfd, const struct cstate *st)
{
	return status_at(dirfd, "exec.fifo", st);
}

enum cstatus state_status_in(int rootfd, const char *id, const struct cstate *st)
{
	char fifo[1100];
	snprintf(fifo, sizeof fifo, "%s/exec.fifo", id);
	return status_at(rootfd, fifo, st);
}

const char *state_status_name(enum cstatus s)
{
	static const char *names[] = { "creating", "created", "running", "paused", "stopped" };
	return names[s];
}

void state_now(char *buf, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_utc(&ts, buf, cap);
}
