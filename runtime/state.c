#include "runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

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

#define GS(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

static void gen_common(yajl_gen g, const struct cstate *st, const char *status)
{
	GS(g, "ociVersion"); GS(g, SPEC_OCI_VERSION);
	GS(g, "id"); GS(g, st->id);
	GS(g, "status"); GS(g, status);
	GS(g, "pid"); yajl_gen_integer(g, st->pid);
	GS(g, "bundle"); GS(g, st->bundle);
	GS(g, "rootfs"); GS(g, st->rootfs);
	GS(g, "created"); GS(g, st->created);
	GS(g, "owner"); GS(g, st->owner ? st->owner : "");
	GS(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < st->n_annotations; i++) {
		GS(g, st->annotations[i].key);
		GS(g, st->annotations[i].value);
	}
	yajl_gen_map_close(g);
}


char *state_oci_json(const struct cstate *st, enum cstatus s, bool beautify)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, beautify ? 1 : 0);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	gen_common(g, st, state_status_name(s));
	yajl_gen_map_close(g);
	return json_gen_take(g);
}

int state_write(int dirfd, const struct cstate *st, struct hull_err *e)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return hull_errf(e, ENOMEM, "out of memory");
	yajl_gen_map_open(g);
	gen_common(g, st, st->creating ? "creating" : "created");
	/* hull's own fields, not part of the OCI state. */
	GS(g, "hull");
	yajl_gen_map_open(g);
	GS(g, "startTime"); yajl_gen_integer(g, (long long)st->start_time);
	GS(g, "creator"); yajl_gen_integer(g, st->creator);
	GS(g, "hooks"); yajl_gen_integer(g, st->hooks);
	if (st->unit) {
		GS(g, "systemdUnit"); GS(g, st->unit);
	}
	GS(g, "cgroupV2"); yajl_gen_integer(g, st->cg.v2);
	GS(g, "cgroups");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < st->cg.n; i++) {
		yajl_gen_map_open(g);
		GS(g, "dir"); GS(g, st->cg.dirs[i]);
		GS(g, "base"); GS(g, st->cg.bases[i]);
		GS(g, "controllers"); GS(g, st->cg.ctrls[i]);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	int r = yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok
		? write_file_atomic(dirfd, "state.json", (const char *)buf, len, 0600) : -ENOMEM;
	yajl_gen_free(g);
	if (r < 0)
		return hull_syserr(e, -r, "writing state of \"%s\"", st->id);
	return 0;
}

static const char *jstr(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val x = yajl_tree_get(v, path, yajl_t_string);
	return x ? YAJL_GET_STRING(x) : NULL;
}

static long long jint(yajl_val v, const char *k1, const char *k2)
{
	const char *path[] = { k1, k2, NULL };
	yajl_val x = yajl_tree_get(v, path, yajl_t_number);
	return x && YAJL_IS_INTEGER(x) ? YAJL_GET_INTEGER(x) : 0;
}

void state_free(struct cstate *st)
{
	cgroup_set_free(&st->cg);
	free(st->annotations);
	if (st->mem_)
		yajl_tree_free(st->mem_);
	memset(st, 0, sizeof *st);
}

int state_read(int dirfd, const char *id, struct cstate *st, struct hull_err *e)
{
	memset(st, 0, sizeof *st);
	st->cg.v2 = -1;
	char *buf = NULL;
	int r = read_file_at(dirfd, "state.json", &buf, NULL);
	if (r == -ENOENT)
		return hull_errf(e, ENOENT, "container \"%s\" does not exist", id);
	if (r < 0)
		return hull_syserr(e, -r, "reading state of \"%s\"", id);
	char errbuf[256];
	yajl_val t = yajl_tree_parse(buf, errbuf, sizeof errbuf);
	free(buf);
	if (!t || !YAJL_IS_OBJECT(t)) {
		if (t)
			yajl_tree_free(t);
		return hull_errf(e, EINVAL, "state of \"%s\" is corrupt", id);
	}
	st->mem_ = t;
	st->id = (char *)jstr(t, "id");
	st->bundle = (char *)jstr(t, "bundle");
	st->rootfs = (char *)jstr(t, "rootfs");
	st->created = (char *)jstr(t, "created");
	st->owner = (char *)jstr(t, "owner");
	const char *status = jstr(t, "status");
	st->creating = status && strcmp(status, "creating") == 0;
	st->pid = (pid_t)jint(t, "pid", NULL);
	st->start_time = (uint64_t)jint(t, "hull", "startTime");
	st->creator = (pid_t)jint(t, "hull", "creator");
	st->hooks = (unsigned)jint(t, "hull", "hooks");
	{
		const char *up[] = { "hull", "systemdUnit", NULL };
		yajl_val u = yajl_tree_get(t, up, yajl_t_string);
		st->unit = u ? YAJL_GET_STRING(u) : NULL;
	}
	if (!st->id || !st->bundle || !st->rootfs || !st->created) {
		state_free(st);
		return hull_errf(e, EINVAL, "state of \"%s\" is corrupt", id);
	}
	const char *apath[] = { "annotations", NULL };
	yajl_val ann = yajl_tree_get(t, apath, yajl_t_object);
	if (ann && YAJL_GET_OBJECT(ann)->len) {
		size_t n = YAJL_GET_OBJECT(ann)->len;
		st->annotations = calloc(n, sizeof *st->annotations);
		if (!st->annotations) {
			state_free(st);
			return hull_errf(e, ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < n; i++) {
			yajl_val v = YAJL_GET_OBJECT(ann)->values[i];
			if (!YAJL_IS_STRING(v))
				continue;
			st->annotations[st->n_annotations].key = YAJL_GET_OBJECT(ann)->keys[i];
			st->annotations[st->n_annotations++].value = YAJL_GET_STRING(v);
		}
	}
	st->cg.v2 = (int)jint(t, "hull", "cgroupV2");
	const char *cpath[] = { "hull", "cgroups", NULL };
	yajl_val cgs = yajl_tree_get(t, cpath, yajl_t_array);
	for (size_t i = 0; cgs && i < YAJL_GET_ARRAY(cgs)->len && i < CG_MAX_DIRS; i++) {
		yajl_val c = YAJL_GET_ARRAY(cgs)->values[i];
		const char *d = jstr(c, "dir"), *b = jstr(c, "base"), *k = jstr(c, "controllers");
		if (!d || !b || !k)
			continue;
		st->cg.dirs[st->cg.n] = strdup(d);
		st->cg.bases[st->cg.n] = strdup(b);
		st->cg.ctrls[st->cg.n] = strdup(k);
		st->cg.n++;
	}
	return 0;
}

int state_remove_dir(int rootfd, int dirfd, const char *id)
{
	unlinkat(dirfd, "state.json", 0);
	unlinkat(dirfd, "exec.fifo", 0);
	/* Leftover temporaries of an interrupted atomic write. */
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd, de->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static bool pid_alive(pid_t pid, uint64_t start_time)
{
	char pstate = 0;
	if (pid <= 0)
		return false;
	uint64_t t = proc_start_time(pid, &pstate);
	return t != 0 && t == start_time && pstate != 'Z' && pstate != 'X';
}

enum cstatus state_status(int dirfd, const struct cstate *st)
{
	if (st->creating) {
		/* A create still at work, or one that died half way (then
		 * delete cleans up what it left). */
		return st->creator > 0 && kill(st->creator, 0) == 0 ? ST_CREATING : ST_STOPPED;
	}
	if (!pid_alive(st->pid, st->start_time))
		return ST_STOPPED;
	struct stat sb;
	if (fstatat(dirfd, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return ST_CREATED;
	return cgroup_frozen(&st->cg) ? ST_PAUSED : ST_RUNNING;
}

const char *state_status_name(enum cstatus s)
{
	static const char *names[] = { "creating", "created", "running", "paused", "stopped" };
	return names[s];
}

void state_now(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%09ldZ", ts.tv_nsec);
}
