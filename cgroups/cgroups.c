/* SPDX-License-Identifier: Apache-2.0 */
#include "cgroups/devices_bpf.h"
#include "cgroups/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* One mounted hierarchy and where this process sits in it.  Small on
 * purpose: the strings point into the files read (kept until cgroup_plan
 * is done), so the table spans a few hundred bytes, not pages. */
struct hier {
	const char *mnt;
	const char *root;  /* the mount's root inside the hierarchy (non-"/" in nested setups) */
	const char *own;   /* our cgroup path in that hierarchy */
	char ctrls[96];    /* "" for cgroup2 */
	uint64_t uid;      /* the mount's unique id (0: not known), checked by cgroup_create */
};

/* v1 mount super options name the controllers; keep only those. */
static void v1_controllers(const char *superopts, char *out, size_t cap)
{
	static const char *known[] = { "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
				       "blkio", "pids", "net_cls", "net_prio", "hugetlb", "perf_event",
				       "rdma", "misc", NULL };
	out[0] = 0;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", superopts);
	char *save, *tok;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (int i = 0; known[i]; i++) {
			if (strcmp(tok, known[i]) == 0) {
				size_t n = strlen(out);
				snprintf(out + n, cap - n, "%s%s", n ? "," : "", tok);
			}
		}
	}
}

/* Whether list names controller c (n = strlen(c)). */
static bool has_ctrl_n(const char *list, const char *c, size_t n)
{
	for (const char *p = list; (p = strstr(p, c)); p++)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
			return true;
	return false;
}

/* Whether controller list 'list' ("cpu,cpuacct") names 'c'. */
bool cg_has_ctrl(const char *list, const char *c)
{
	return has_ctrl_n(list, c, strlen(c));
}

/* Field i (0-based, space separated) of line, NUL-terminated in place (the
 * line is read before any of its fields is cut); NULL if it has none. */
static char *field(char *line, int i)
{
	for (; i > 0; i--) {
		line = strchr(line, ' ');
		if (!line)
			return NULL;
		line++;
	}
	line[strcspn(line, " \n")] = 0;
	return line;
}

/* The lines of /proc/self/cgroup: "id:controllers:path". */
struct pcline {
	const char *id, *ctrls, *path;
};

static size_t split_proc_cgroup(char *pc, struct pcline *l, size_t cap)
{
	size_t n = 0;
	for (char *line = pc, *next; *line && n < cap; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = 0;
		l[n++] = (struct pcline){ line, c1 + 1, c2 + 1 };
	}
	return n;
}

/* Our path in each hierarchy of h.  Whether h covers this process's view:
 * every hierarchy found in /proc/self/cgroup, and every v1 controller
 * there in one of h's hierarchies. */
static bool match_own(struct hier *h, size_t nh, const struct pcline *l, size_t nl)
{
	bool all = true;
	for (size_t i = 0; i < nh; i++)
		h[i].own = NULL;
	for (size_t k = 0; k < nl; k++) {
		bool found = false;
		for (size_t i = 0; i < nh; i++) {
			bool match;
			if (h[i].ctrls[0]) {
				/* (by its first controller) */
				size_t n = strcspn(h[i].ctrls, ",");
				char first[32];
				if (n >= sizeof first)
					n = sizeof first - 1;
				memcpy(first, h[i].ctrls, n);
				first[n] = 0;
				match = has_ctrl_n(l[k].ctrls, first, n);
			} else {
				match = strcmp(l[k].id, "0") == 0 && !l[k].ctrls[0];
			}
			if (match)
				h[i].own = l[k].path;
			found |= match;
		}
		char known[96];
		v1_controllers(l[k].ctrls, known, sizeof known);
		all &= found || !known[0];
	}
	for (size_t i = 0; i < nh; i++) {
		all &= h[i].own != NULL;
		if (!h[i].own)
			h[i].own = "";
	}
	return all;
}

/* ---- the mounts, from a cache or from mountinfo
 *
 * Reading /proc/self/mountinfo formats every mount of the namespace (50 to
 * over 100 us here, more on hosts with many mounts), on every create.  What
 * hull takes from it - where each hierarchy is mounted and the mount's
 * root - is kept in <root>/.cgroup-mounts with the unique id (statx
 * STATX_MNT_ID_UNIQUE, never reused, kernel 6.8+) of each mount, and used
 * while the standard places a cgroup2 mount would appear at hold the same
 * mounts and /proc/self/cgroup shows no hierarchy the cache lacks; that
 * each hierarchy is still the mount at its path is checked by cgroup_create
 * on the directory it opens there anyway (no second walk down the path),
 * and a changed one makes create read mountinfo again (cgroup_create's
 * -ESTALE).  Without unique ids nothing is cached.
 *
 * A mount mountinfo lists is used only if its path still reaches it: one
 * covered by a later mount (on its path or above) is left out, as is
 * cgroup v2 when no cgroup2 mount is there at all; the container then gets
 * the hierarchies that can be reached (a v1-only plan: no clone3 into a
 * cgroup2 directory).  The cache is per mount namespace in effect: another
 * namespace's mounts have other unique ids, so its sentinels differ. */
#define CG_CACHE ".cgroup-mounts"
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
#define N(a) (sizeof(a) / sizeof *(a))
static const char *const cg_sentinels[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

/* The unique id of the mount at path (0: none, or not known), and whether
 * path is that mount's root. */
static uint64_t mount_uid(const char *path, bool *at_root)
{
	struct statx sx;
	*at_root = false;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_MNT_ID_UNIQUE,
		  &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID_UNIQUE))
		return 0;
	*at_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	return sx.stx_mnt_id;
}

/* Whether the mount mountinfo lists as mount id `id` on device `dev`
 * ("0:37") at mnt is the one found at mnt: not covered by a mount made
 * later on mnt or on a directory above it (a tmpfs over
 * /sys/fs/cgroup/unified: mountinfo still lists the cgroup2 mount, but
 * its path now leads into the tmpfs).  Its unique id in *uid (0: not
 * known).  One statx for the check (the mount id of what the path
 * reaches, and its device for kernels without STATX_MNT_ID), one for the
 * unique id, only when mountinfo is read. */
static bool mount_reachable(const char *mnt, const char *id, const char *dev, uint64_t *uid)
{
	struct statx sx;
	unsigned maj, min;
	*uid = 0;
	if (sscanf(dev, "%u:%u", &maj, &min) != 2 ||
	    statx(AT_FDCWD, mnt, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0 ||
	    sx.stx_dev_major != maj || sx.stx_dev_minor != min ||
	    ((sx.stx_mask & STATX_MNT_ID) && sx.stx_mnt_id != strtoull(id, NULL, 10)))
		return false;
	bool at_root;
	uint64_t u = mount_uid(mnt, &at_root);
	*uid = at_root ? u : 0;
	return true;
}

/* The cached table, if the standard cgroup2 places still hold the mounts
 * they held (each hierarchy's own mount is checked by cgroup_create). */
static bool cache_load(const char *dir, struct hier *h, size_t *nh, char **buf)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/" CG_CACHE, dir);
	if (read_file(path, buf, NULL) < 0)
		return false;
	*nh = 0;
	size_t sentinels = 0;
	for (char *line = *buf, *next; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		char *f[5] = { line }, *sv;
		int k = 0;
		for (char *t = strtok_r(line, " ", &sv); t && k < 5; t = strtok_r(NULL, " ", &sv))
			f[k++] = t;
		bool at_root;
		uint64_t want = k >= 3 ? strtoull(f[1], NULL, 10) : 0;
		if (k == 3 && !strcmp(f[0], "S") && sentinels < N(cg_sentinels) &&
		    !strcmp(f[2], cg_sentinels[sentinels])) {
			if (mount_uid(f[2], &at_root) != want)
				return false;
			sentinels++;
		} else if (k == 5 && !strcmp(f[0], "H") && want && *nh < CG_MAX_DIRS &&
			   strlen(f[2]) < sizeof h->ctrls) {
			struct hier *x = &h[(*nh)++];
			x->uid = want;
			snprintf(x->ctrls, sizeof x->ctrls, "%s", strcmp(f[2], "-") ? f[2] : "");
			x->mnt = f[3];
			x->root = f[4];
		} else {
			return false;
		}
	}
	return sentinels == N(cg_sentinels) && *nh > 0;
}

void cgroup_forget_mounts(const char *cache_dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/" CG_CACHE, cache_dir);
	unlink(path);
}

static void cache_store(const char *dir, const struct hier *h, size_t nh)
{
	char out[8192];
	size_t n = 0;
	bool at_root;
	for (size_t i = 0; i < N(cg_sentinels); i++)
		n += (size_t)snprintf(out + n, sizeof out - n, "S %llu %s\n",
				      (unsigned long long)mount_uid(cg_sentinels[i], &at_root), cg_sentinels[i]);
	for (size_t i = 0; i < nh && n < sizeof out; i++) {
		if (!h[i].uid)
			return;   /* no unique ids here: nothing worth keeping */
		n += (size_t)snprintf(out + n, sizeof out - n, "H %llu %s %s %s\n", (unsigned long long)h[i].uid,
				      h[i].ctrls[0] ? h[i].ctrls : "-", h[i].mnt, h[i].root);
	}
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (n < sizeof out && dfd >= 0)
		write_file_atomic(dfd, CG_CACHE, out, n, 0600);
	if (dfd >= 0)
		close(dfd);
}

/* The cgroup hierarchies mounted here and our place in each.  *bufs gets
 * the files read, which the table's strings point into.  cache_dir: where
 * the cache of the mounts lives (NULL: none). */
static int load_hiers(struct hier *h, size_t *nh, char *bufs[3], const char *cache_dir, struct hull_err *e)
{
	char *pc = NULL;
	int r = read_file("/proc/self/cgroup", &pc, NULL);
	if (r < 0)
		return hull_syserr(e, -r, "/proc/self/cgroup");
	bufs[1] = pc;
	struct pcline l[32];
	size_t nl = split_proc_cgroup(pc, l, N(l));
	if (cache_dir && cache_load(cache_dir, h, nh, &bufs[2]) && match_own(h, *nh, l, nl))
		return 0;

	/* One read of the whole table; only cgroup lines are looked at. */
	char *mi = NULL;
	if ((r = read_file("/proc/self/mountinfo", &mi, NULL)) < 0)
		return hull_syserr(e, -r, "/proc/self/mountinfo");
	bufs[0] = mi;
	*nh = 0;
	for (char *line = mi, *next; *line && *nh < CG_MAX_DIRS; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		char *dash = strstr(line, " - ");
		if (!dash || dash > next || strncmp(dash + 3, "cgroup", 6) != 0)
			continue;
		/* Cut from the end of the line back, so every field is found
		 * before a NUL is written after an earlier one. */
		char *superopts = field(dash + 3, 2), *fstype = field(dash + 3, 0);
		char *mnt = field(line, 4), *root = field(line, 3), *dev = field(line, 2), *id = field(line, 0);
		if (!superopts || !fstype || !mnt || !root || !dev || !id)
			continue;
		struct hier *x = &h[*nh];
		if (strcmp(fstype, "cgroup2") == 0) {
			x->ctrls[0] = 0;
		} else if (strcmp(fstype, "cgroup") == 0) {
			v1_controllers(superopts, x->ctrls, sizeof x->ctrls);
			if (!x->ctrls[0])
				continue;   /* named hierarchies (name=systemd) hold no controller */
		} else {
			continue;
		}
		/* One entry per hierarchy even when it is mounted twice (the
		 * first mount that can be reached). */
		bool dup = false;
		for (size_t i = 0; i < *nh; i++)
			dup |= strcmp(h[i].ctrls, x->ctrls) == 0;
		if (dup || !mount_reachable(mountinfo_unescape(mnt), id, dev, &x->uid))
			continue;
		mountinfo_unescape(root);
		x->mnt = mnt;
		x->root = root;
		(*nh)++;
	}
	bool all = match_own(h, *nh, l, nl);
	if (cache_dir && all && *nh)
		cache_store(cache_dir, h, *nh);
	return 0;
}

/* Path inside the mount for a cgroup path of the hierarchy. */
static void under_mount(const struct hier *h, const char *cgpath, char *out, size_t cap)
{
	size_t rl = strlen(h->root);
	if (strcmp(h->root, "/") != 0 && strncmp(cgpath, h->root, rl) == 0)
		cgpath += rl;
	while (*cgpath == '/')
		cgpath++;
	snprintf(out, cap, "%s%s%s", h->mnt, *cgpath ? "/" : "", cgpath);
}

static bool path_is_clean(const char *p)
{
	for (const char *s = p; *s; ) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if ((n == 2 && strncmp(s, "..", 2) == 0) || (n == 1 && s[0] == '.'))
			return false;
		s += n;
		while (*s == '/')
			s++;
	}
	return true;
}

static int plan_dirs(struct cgroup_set *cg, const struct hier *h, size_t nh, const char *cgroups_path,
		     const char *id, struct hull_err *e);

int cgroup_plan(struct cgroup_set *cg, const char *cgroups_path, const char *id, const char *cache_dir,
		struct hull_err *e)
{
	struct hier h[CG_MAX_DIRS];
	size_t nh = 0;
	char *bufs[3] = { NULL, NULL, NULL };
	memset(cg, 0, sizeof *cg);
	cg->v2 = -1;
	int r = load_hiers(h, &nh, bufs, cache_dir, e);
	if (r == 0)
		r = plan_dirs(cg, h, nh, cgroups_path, id, e);
	for (size_t i = 0; i < N(bufs); i++)
		free(bufs[i]);
	return r;
}

static int plan_dirs(struct cgroup_set *cg, const struct hier *h, size_t nh, const char *cgroups_path,
		     const char *id, struct hull_err *e)
{
	char rel[512];
	bool default_path = !cgroups_path || !*cgroups_path;
	if (!default_path) {
		if (strchr(cgroups_path, ':') && cgroups_path[0] != '/')
			return hull_errf(e, EINVAL, "linux.cgroupsPath: \"%s\" is a systemd slice:prefix:name path; use --systemd-cgroup", cgroups_path);
		if (!path_is_clean(cgroups_path))
			return hull_errf(e, EINVAL, "linux.cgroupsPath: \"%s\" must not contain . or .. components", cgroups_path);
		snprintf(rel, sizeof rel, "%s", cgroups_path);
	} else {
		snprintf(rel, sizeof rel, "hull/%s", id);
	}
	for (size_t i = 0; i < nh; i++) {
		char cgpath[1024], dir[1400];
		if (rel[0] == '/')
			snprintf(cgpath, sizeof cgpath, "%s", rel);
		else
			snprintf(cgpath, sizeof cgpath, "%s/%s", strcmp(h[i].own, "/") ? h[i].own : "", rel);
		under_mount(&h[i], cgpath, dir, sizeof dir);
		/* Delete removes the empty parents up to base.  For the default
		 * path that is hull's own cgroup (the shared "hull" level goes
		 * with its last container); for a configured path, the deepest
		 * ancestor that exists, so nothing made by others is removed.
		 * Found here, before the first record names it: a create killed
		 * between the mkdirs of the parents leaves them to delete too
		 * (cgroup_create still moves it up if one goes meanwhile). */
		char base[1400];
		if (default_path) {
			under_mount(&h[i], h[i].own, base, sizeof base);
		} else {
			snprintf(base, sizeof base, "%s", dir);
			struct stat sb;
			char *s;
			do {
				s = strrchr(base, '/');
				if (!s || (size_t)(s - base) < strlen(h[i].mnt))
					break;
				*s = 0;
			} while (stat(base, &sb) < 0 && errno == ENOENT);
		}
		cg->dirs[cg->n] = strdup(dir);
		cg->bases[cg->n] = strdup(base);
		cg->ctrls[cg->n] = strdup(h[i].ctrls);
		cg->mnt_uid[cg->n] = h[i].uid;
		if (!cg->dirs[cg->n] || !cg->bases[cg->n] || !cg->ctrls[cg->n]) {
			cg->n++;
			cgroup_set_free(cg);
			return hull_errf(e, ENOMEM, "out of memory");
		}
		if (!h[i].ctrls[0])
			cg->v2 = (int)cg->n;
		cg->n++;
	}
	return 0;
}

void cgroup_set_free(struct cgroup_set *cg)
{
	for (size_t i = 0; cg->fds && i < cg->n; i++)
		if (cg->fds[i] >= 0)
			close(cg->fds[i]);
	free(cg->fds);
	cg->fds = NULL;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i]);
		free(cg->bases[i]);
		free(cg->ctrls[i]);
	}
	cg->n = 0;
}

/* The directory fd cgroup_create kept for dirs[i], or -1. */
static int cg_fd(const struct cgroup_set *cg, size_t i)
{
	return cg->fds ? cg->fds[i] : -1;
}

/* Write s to dirs[i]/file, through the kept fd when there is one (no walk
 * down the whole path again). */
static int cg_write(const struct cgroup_set *cg, size_t i, const char *file, const char *s)
{
	int fd = cg_fd(cg, i);
	if (fd >= 0)
		return write_file_at(fd, file, s);
	char path[1500];
	snprintf(path, sizeof path, "%s/%s", cg->dirs[i], file);
	return write_file(path, s);
}

int cg_v1_dir(const struct cgroup_set *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->ctrls[i][0] && cg_has_ctrl(cg->ctrls[i], ctrl))
			return (int)i;
	return -1;
}


/* A v1 cpuset level needs cpus and mems before a task may join it: copied
 * from the parent (pfd) into the level (dfd) when new or still empty.  A
 * parent that is empty itself (one made by someone else, and left so) is
 * filled first from its own parent, up to the first level that is not. */
static void cpuset_fill_depth(int pfd, int dfd, bool made, int depth)
{
	for (int k = 0; k < 2; k++) {
		const char *f = k ? "cpuset.mems" : "cpuset.cpus";
		char *cur = NULL, *val = NULL;
		if (made || (read_file_at(dfd, f, &cur, NULL) == 0 && cur[0] == '\n')) {
			if (read_file_at(pfd, f, &val, NULL) == 0 && val[0] == '\n' && depth < 32) {
				int gfd = openat(pfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (gfd >= 0) {
					cpuset_fill_depth(gfd, pfd, false, depth + 1);
					close(gfd);
				}
				free(val);
				val = NULL;
				if (read_file_at(pfd, f, &val, NULL) < 0) {
					free(val);
					val = NULL;
				}
			}
			if (val)
				write_file_at(dfd, f, val);
			free(val);
		}
		free(cur);
	}
}

static void cpuset_fill(int pfd, int dfd, bool made)
{
	cpuset_fill_depth(pfd, dfd, made, 0);
}

/* cpuset_fill for a directory named by path. */
static void cpuset_fill_path(const char *dir, bool made)
{
	char parent[1400];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = 0;
	int pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC), dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0 && dfd >= 0)
		cpuset_fill(pfd, dfd, made);
	if (pfd >= 0)
		close(pfd);
	if (dfd >= 0)
		close(dfd);
}

/* Make dir and every missing level below base (1: dir is new, 0: it was
 * there).  A base that is not there moves up (in place) to the deepest
 * ancestor that is, and *moved says so. */
static int mkdir_cpuset(const char *dir, char *base, bool is_cpuset, bool *moved)
{
	bool made = false;
	char buf[1400];
	snprintf(buf, sizeof buf, "%s", dir);
	size_t bl = strlen(base);
	if (bl >= strlen(buf)) {
		int r = mkdir(buf, 0755) == 0 ? 1 : errno == EEXIST ? 0 : -errno;
		if (r >= 0 && is_cpuset)
			cpuset_fill_path(buf, r);
		return r;
	}
	/* Each level below base, top down. */
	bool first = true;
	for (char *p = buf + bl + 1; ; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0755) == 0) {
			made = true;
		} else if (errno == ENOENT && first && strrchr(base, '/') > base) {
			/* The first level's parent is missing: start one higher. */
			*p = c;
			*strrchr(base, '/') = 0;
			bl = strlen(base);
			*moved = true;
			p = buf + bl;
			continue;
		} else if (errno != EEXIST) {
			return -errno;
		} else {
			made = false;
		}
		if (is_cpuset)
			cpuset_fill_path(buf, made);
		*p = c;
		first = false;
		if (!c)
			break;
	}
	return made;
}

/* One rule per write(2), as the devices controller reads them; the file
 * (fds[0] devices.deny, fds[1] devices.allow) is opened on first use. */
static int write_dev_rule(const char *dir, int dfd, int fds[2], bool allow, const char *rule, struct hull_err *e)
{
	const char *file = allow ? "devices.allow" : "devices.deny";
	int *fd = &fds[allow];
	if (*fd < 0 && dfd >= 0) {
		*fd = openat(dfd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	} else if (*fd < 0) {
		char path[1500];
		snprintf(path, sizeof path, "%s/%s", dir, file);
		*fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (*fd < 0)
		return hull_syserr(e, errno, "%s/%s: writing \"%s\"", dir, file, rule);
	size_t len = strlen(rule);
	ssize_t w = write(*fd, rule, len);
	if (w != (ssize_t)len)
		return hull_syserr(e, w < 0 ? errno : EIO, "%s/%s: writing \"%s\"", dir, file, rule);
	return 0;
}

/* The decimal digits of v at p, or "*" for a negative v (any); the end. */
static char *put_num(char *p, long long v)
{
	if (v < 0) {
		*p++ = '*';
		return p;
	}
	return p + fmt_u64(p, (uint64_t)v);
}

/* Devices every container gets (the nodes hull creates in /dev, plus mknod
 * of anything and the pty devices), after the config's own rules. */
static const struct dev_rule default_devices[] = {
	{ true, 'c', -1, -1, DEV_M }, { true, 'b', -1, -1, DEV_M },
	{ true, 'c', 1, 3, DEV_R | DEV_W | DEV_M }, { true, 'c', 1, 5, DEV_R | DEV_W | DEV_M },
	{ true, 'c', 1, 7, DEV_R | DEV_W | DEV_M }, { true, 'c', 1, 8, DEV_R | DEV_W | DEV_M },
	{ true, 'c', 1, 9, DEV_R | DEV_W | DEV_M }, { true, 'c', 5, 0, DEV_R | DEV_W | DEV_M },
	{ true, 'c', 5, 1, DEV_R | DEV_W | DEV_M }, { true, 'c', 5, 2, DEV_R | DEV_W | DEV_M },
	{ true, 'c', 136, -1, DEV_R | DEV_W | DEV_M },
};

/* The container's device rules, in the order they apply: deny all, the
 * config's rules, then hull's defaults.  The nodes of linux.devices get no
 * rule of their own (as with runc and crun): a node the config makes is
 * usable only where linux.resources.devices (or the defaults) allow it. */
static int device_rules(const struct spec_device_rule *cfg, size_t ncfg, struct dev_rule **out, size_t *n,
			struct hull_err *e)
{
	size_t ndef = sizeof default_devices / sizeof *default_devices;
	size_t cap = 1 + ncfg + ndef;
	struct dev_rule *r = calloc(cap, sizeof *r);
	if (!r)
		return hull_errf(e, ENOMEM, "out of memory");
	size_t k = 0;
	r[k++] = (struct dev_rule){ false, 'a', -1, -1, DEV_R | DEV_W | DEV_M };
	for (size_t i = 0; i < ncfg; i++) {
		const struct spec_device_rule *d = &cfg[i];
		unsigned acc = DEV_R | DEV_W | DEV_M;
		if (d->access && *d->access && devices_access_parse(d->access, &acc) < 0) {
			free(r);
			return hull_errf(e, EINVAL, "linux.resources.devices[%zu].access: invalid \"%s\"", i, d->access);
		}
		bool all = !d->type || d->type == 'a';
		r[k++] = (struct dev_rule){ d->allow, all ? 'a' : d->type, d->has_major ? d->major : -1,
					    d->has_minor ? d->minor : -1, acc };
	}
	for (size_t i = 0; i < ndef; i++)
		r[k++] = default_devices[i];
	*out = r;
	*n = k;
	return 0;
}

static int apply_devices_v1(const char *dir, int dfd, const struct dev_rule *rules, size_t n, struct hull_err *e)
{
	int fds[2] = { -1, -1 }, r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct dev_rule *d = &rules[i];
		char rule[96], acc[4];
		int k = 0;
		if (d->access & DEV_R) acc[k++] = 'r';
		if (d->access & DEV_W) acc[k++] = 'w';
		if (d->access & DEV_M) acc[k++] = 'm';
		if (!k)
			continue;
		/* "c 1:3 rwm" ("*" for any number); v1 spells "every device,
		 * every access" as a bare "a". */
		char *p = rule;
		*p++ = d->type;
		if (!(d->type == 'a' && d->major < 0 && d->minor < 0 && k == 3)) {
			*p++ = ' ';
			p = put_num(p, (long long)d->major);
			*p++ = ':';
			p = put_num(p, (long long)d->minor);
			*p++ = ' ';
			memcpy(p, acc, (size_t)k);
			p += k;
		}
		*p = 0;
		/* The same rule twice in a row (a config's own deny-all after
		 * the default one) is written once. */
		if (i && rules[i - 1].allow == d->allow && rules[i - 1].type == d->type &&
		    rules[i - 1].major == d->major && rules[i - 1].minor == d->minor && rules[i - 1].access == d->access)
			continue;
		r = write_dev_rule(dir, dfd, fds, d->allow, rule, e);
	}
	for (int k = 0; k < 2; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	return r;
}

int cgroup_devices(const struct cgroup_set *cg, const struct spec_device_rule *cfg, size_t ncfg,
		   struct hull_err *e)
{
	struct dev_rule *rules = NULL;
	size_t n = 0;
	int r = device_rules(cfg, ncfg, &rules, &n, e);
	if (r < 0)
		return r;
	int d = cg_v1_dir(cg, "devices");
	if (d >= 0) {
		r = apply_devices_v1(cg->dirs[d], cg_fd(cg, (size_t)d), rules, n, e);
	} else if (cg->v2 >= 0) {
		/* cgroup v2 has no devices controller: an eBPF program decides. */
		int fd = cgroup_v2_open(cg);
		char msg[512];
		r = fd < 0 ? -errno : devices_bpf_apply(fd, rules, n, msg, sizeof msg);
		if (fd >= 0)
			close(fd);
		if (r < 0)
			hull_errf(e, -r, "linux.resources.devices: cgroup %s: %s", cg->dirs[cg->v2], fd < 0 ? strerror(-r) : msg);
	} else {
		r = hull_errf(e, ENOTSUP, "linux.resources.devices: no devices cgroup on this host");
	}
	free(rules);
	return r;
}

static bool procs_empty(const struct cgroup_set *cg, size_t i)
{
	char path[1500], *s = NULL;
	int fd = cg_fd(cg, i), r;
	if (fd >= 0) {
		r = read_file_at(fd, "cgroup.procs", &s, NULL);
	} else {
		snprintf(path, sizeof path, "%s/cgroup.procs", cg->dirs[i]);
		r = read_file(path, &s, NULL);
	}
	if (r < 0)
		return true;
	bool empty = s[0] == 0;
	free(s);
	return empty;
}

/* rmdir path, which is dirs[i] when own: then by its parent, reached from
 * the fd kept of it (no walk down the whole path). */
static int rmdir_own(const struct cgroup_set *cg, size_t i, bool own, const char *path)
{
	int fd = own ? cg_fd(cg, i) : -1;
	if (fd < 0)
		return rmdir(path);
	int pfd = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return rmdir(path);
	int r = unlinkat(pfd, strrchr(path, '/') + 1, AT_REMOVEDIR), err = errno;
	close(pfd);
	errno = err;
	return r;
}

/* Remove the first n directories and the parents create made; the index
 * of a container directory that is still there, or -1 when none is. */
static int remove_dirs(const struct cgroup_set *cg, size_t n)
{
	int left = -1;
	for (size_t i = 0; i < n; i++) {
		char buf[1400];
		size_t dl = strlen(cg->dirs[i]);
		if (dl >= sizeof buf) {
			left = (int)i;
			continue;
		}
		memcpy(buf, cg->dirs[i], dl + 1);
		size_t bl = strlen(cg->bases[i]);
		/* The container's dir, then each parent create made, stopping at
		 * the first one still in use (another container's sibling). */
		bool own = true;
		while (strlen(buf) > bl) {
			if (rmdir_own(cg, i, own, buf) < 0 && errno != ENOENT) {
				if (own)
					left = (int)i;
				break;
			}
			own = false;
			*strrchr(buf, '/') = 0;
		}
	}
	return left;
}

/* mkdir_cpuset, and an O_PATH fd of dir in *dfd.  The usual case (base is
 * dir's parent) is done relative to the parent: one walk down the path. */
/* Whether the directory fd is on the mount with unique id uid (0: anything). */
static bool on_mount(int fd, uint64_t uid)
{
	struct statx sx;
	return !uid || (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID_UNIQUE, &sx) == 0 &&
			(sx.stx_mask & STATX_MNT_ID_UNIQUE) && sx.stx_mnt_id == uid);
}

/* The deepest directory above every base (/sys/fs/cgroup, mostly), opened
 * once: each hierarchy's walk starts there instead of at /. */
struct cg_top {
	int fd;
	size_t len;
	const char *path;
};

static void cg_top_open(const struct cgroup_set *cg, struct cg_top *t)
{
	t->fd = -1;
	t->len = 0;
	t->path = cg->n > 1 ? cg->bases[0] : NULL;
	if (!t->path)
		return;
	size_t len = strlen(t->path);
	for (size_t i = 1; i < cg->n; i++) {
		size_t k = 0;
		while (k < len && cg->bases[i][k] == t->path[k])
			k++;
		len = k;
	}
	/* Back to a whole directory name that every base continues below. */
	while (len > 0) {
		bool ok = true;
		for (size_t i = 0; i < cg->n && ok; i++)
			ok = cg->bases[i][len] == '/';
		if (ok)
			break;
		len--;
	}
	char dir[1400];
	if (len < 2 || len >= sizeof dir)
		return;
	memcpy(dir, t->path, len);
	dir[len] = 0;
	t->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	t->len = len;
}

/* *stale: not on the mount uid (the cgroup mounts changed since noted);
 * checked before anything is made where the parent exists, else after. */
static int mkdir_fd(const char *dir, char *base, bool is_cpuset, uint64_t uid, const struct cg_top *top,
		    bool *moved, int *dfd, bool *stale)
{
	size_t bl = strlen(base);
	*dfd = -1;
	*stale = false;
	if (strncmp(dir, base, bl) == 0 && dir[bl] == '/' && dir[bl + 1] && !strchr(dir + bl + 1, '/')) {
		const char *leaf = dir + bl + 1;
		int pfd = top->fd >= 0 && strncmp(base, top->path, top->len) == 0 && base[top->len] == '/'
				  ? openat(top->fd, base + top->len + 1, O_PATH | O_DIRECTORY | O_CLOEXEC)
				  : open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0 && !on_mount(pfd, uid)) {
			close(pfd);
			*stale = true;
			return 0;
		}
		if (pfd >= 0) {
			int made = mkdirat(pfd, leaf, 0755) == 0 ? 1 : errno == EEXIST ? 0 : -errno;
			if (made >= 0 && (*dfd = openat(pfd, leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				made = -errno;
			if (made >= 0 && is_cpuset)
				cpuset_fill(pfd, *dfd, made);
			close(pfd);
			return made;
		}
		if (errno != ENOENT)
			return -errno;
		/* The parent is missing: the walk below makes it. */
	}
	int r = mkdir_cpuset(dir, base, is_cpuset, moved);
	if (r >= 0 && (*dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = -errno;
	*stale = r >= 0 && !on_mount(*dfd, uid);
	return r;
}

int cgroup_create(struct cgroup_set *cg, const struct spec_linux *lx, bool adopt, struct hull_err *e)
{
	int ret = 0;
	bool moved = false;
	if (!cg->fds && (cg->fds = malloc(CG_MAX_DIRS * sizeof *cg->fds)))
		for (size_t i = 0; i < CG_MAX_DIRS; i++)
			cg->fds[i] = -1;
	struct cg_top top;
	cg_top_open(cg, &top);
	_cleanup_close_ __attribute__((unused)) int top_fd = top.fd;
	for (size_t i = 0; i < cg->n; i++) {
		/* A concurrent delete may remove a shared parent between our
		 * mkdirs: retry a few times on ENOENT. */
		int r = -ENOENT, fd = -1;
		bool stale = false;
		for (int tries = 0; tries < 20 && r == -ENOENT; tries++)
			r = mkdir_fd(cg->dirs[i], cg->bases[i], cg_has_ctrl(cg->ctrls[i], "cpuset"), cg->mnt_uid[i],
				     &top, &moved, &fd, &stale);
		if (cg->fds && fd >= 0) {
			if (cg->fds[i] >= 0)
				close(cg->fds[i]);
			cg->fds[i] = fd;
		} else if (fd >= 0) {
			close(fd);
		}
		if (stale) {
			/* What this create made goes (dirs[i] only if made now). */
			remove_dirs(cg, r == 1 ? i + 1 : i);
			return hull_errf(e, ESTALE, "cgroup %s: the cgroup mounts changed", cg->dirs[i]);
		}
		if (r < 0) {
			ret = hull_syserr(e, -r, "making cgroup %s", cg->dirs[i]);
			goto fail;
		}
		/* A directory made just now holds no process. */
		if (!adopt && r == 0 && !procs_empty(cg, i)) {
			/* Do not remove what we did not make: only the earlier ones. */
			remove_dirs(cg, i);
			return hull_errf(e, EEXIST, "cgroup %s already holds processes", cg->dirs[i]);
		}
	}
	if ((ret = cgroup_v2_enable_all(cg, e)) < 0)
		goto fail;
	/* Device rules always apply: without any, the list is just deny-all
	 * plus hull's defaults, as runc does. */
	if ((ret = cgroup_devices(cg, lx && lx->resources ? lx->resources->devices : NULL,
				  lx && lx->resources ? lx->resources->n_devices : 0, e)) < 0)
		goto fail;
	if (lx && (ret = cgroup_apply(cg, lx->resources, false, e)) < 0)
		goto fail;
	/* Adopted: a systemd scope, the unit named as its directory. */
	if (adopt && cg->n && (ret = systemd_sync_resources(strrchr(cg->dirs[0], '/') + 1, cg, e)) < 0)
		goto fail;
	return moved;
fail:
	remove_dirs(cg, cg->n);
	return ret;
}

int cgroup_v2_open(const struct cgroup_set *cg)
{
	if (cg->v2 < 0)
		return -1;
	int fd = cg_fd(cg, (size_t)cg->v2);
	if (fd >= 0)
		return fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return open(cg->dirs[cg->v2], O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int cgroup_enter(const struct cgroup_set *cg, pid_t pid, bool skip_v2, struct hull_err *e)
{
	char pidstr[24];
	snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		if (skip_v2 && (int)i == cg->v2)
			continue;
		int r = cg_write(cg, i, "cgroup.procs", pidstr);
		if (r < 0)
			return hull_syserr(e, -r, "joining cgroup %s", cg->dirs[i]);
	}
	return 0;
}

/* The directory whose cgroup.procs lists the container's processes: the
 * freezer (so signalling can be made atomic later), else any. */
static int procs_dir(const struct cgroup_set *cg)
{
	int d = cg_v1_dir(cg, "freezer");
	if (d < 0)
		d = cg->n ? (cg->v2 >= 0 ? cg->v2 : 0) : -1;
	return d;
}

int cgroup_pids(const struct cgroup_set *cg, pid_t **pids, size_t *n, struct hull_err *e)
{
	*pids = NULL;
	*n = 0;
	int d = procs_dir(cg);
	if (d < 0)
		return hull_errf(e, ENOENT, "container has no cgroup");
	char path[1500], *s = NULL;
	snprintf(path, sizeof path, "%s/cgroup.procs", cg->dirs[d]);
	int r = read_file(path, &s, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : hull_syserr(e, -r, "%s", path);
	size_t cap = 1;
	for (char *p = s; *p; p++)
		cap += *p == '\n';
	if (!(*pids = calloc(cap, sizeof **pids))) {
		free(s);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	for (char *p = s, *end; *p && *n < cap; p = end + (*end == '\n')) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			(*pids)[(*n)++] = (pid_t)pid;
	}
	free(s);
	return 0;
}

int cgroup_signal_all(const struct cgroup_set *cg, int sig, struct hull_err *e)
{
	if (sig == SIGKILL && cg->v2 >= 0) {
		char path[1500];
		snprintf(path, sizeof path, "%s/cgroup.kill", cg->dirs[cg->v2]);
		if (write_file(path, "1") == 0)
			return 0;
	}
	pid_t *pids;
	size_t n;
	int r = cgroup_pids(cg, &pids, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			r = hull_syserr(e, errno, "kill %d", (int)pids[i]);
	free(pids);
	return r;
}

bool cgroup_populated(const struct cgroup_set *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!procs_empty(cg, i))
			return true;
	return false;
}

/* Wait until no process is left: cgroup.events on v2 wakes us when
 * 'populated' drops; elsewhere poll with a short, growing pause. */
static int wait_empty(const struct cgroup_set *cg)
{
	int events = -1;
	if (cg->v2 >= 0) {
		char path[1500];
		snprintf(path, sizeof path, "%s/cgroup.events", cg->dirs[cg->v2]);
		events = open(path, O_RDONLY | O_CLOEXEC);
	}
	int waited_ms = 0;
	long pause_us = 100;
	int ret = 0;
	while (cgroup_populated(cg)) {
		if (waited_ms > 10000) {
			ret = -EBUSY;
			break;
		}
		if (events >= 0) {
			struct pollfd p = { .fd = events, .events = POLLPRI };
			poll(&p, 1, 10);
			waited_ms += 10;
			/* Other hierarchies may lag a moment behind the v2 one. */
			char b[256];
			pread(events, b, sizeof b, 0);
		} else {
			struct timespec ts = { 0, pause_us * 1000 };
			nanosleep(&ts, NULL);
			waited_ms += (int)(pause_us / 1000) + 1;
			if (pause_us < 10000)
				pause_us *= 2;
		}
	}
	if (events >= 0)
		close(events);
	return ret;
}

int cgroup_destroy(const struct cgroup_set *cg, struct hull_err *e)
{
	/* Mostly nothing is left (the init took its pid namespace along):
	 * then one look and the rmdirs do.  Anything the rmdirs find busy
	 * sends us round again, through the kill. */
	int d = procs_dir(cg), left = -1, err = 0;
	for (int pass = 0; pass < 2; pass++) {
		if ((pass || (d >= 0 && !procs_empty(cg, (size_t)d))) && cgroup_populated(cg)) {
			int r = cgroup_signal_all(cg, SIGKILL, e);
			if (r < 0)
				return r;
			/* Frozen tasks (v1 freezer) die only once thawed. */
			struct hull_err e2;
			if (cgroup_frozen(cg))
				cgroup_freeze(cg, false, &e2);
			if (wait_empty(cg) < 0)
				return hull_errf(e, EBUSY, "processes of the container did not exit after SIGKILL");
		}
		left = remove_dirs(cg, cg->n);
		err = EBUSY;
		for (size_t i = 0; left < 0 && i < cg->n; i++) {
			/* The container's own directory goes even where it existed
			 * before create (base == dir: a systemd scope, which systemd
			 * made with the init inside). */
			if (strcmp(cg->dirs[i], cg->bases[i]) == 0 && rmdir(cg->dirs[i]) < 0 && errno != ENOENT) {
				left = (int)i;
				err = errno;
			}
		}
		if (left < 0)
			return 0;
	}
	return hull_syserr(e, err, "cannot remove cgroup %s", cg->dirs[left]);
}

/* Wait until a freezer state file reads `want` (the kernel may linger in
 * FREEZING while tasks finish a syscall). */
static int wait_state(const char *path, const char *want, int events_fd)
{
	long pause_us = 50;
	for (int waited_us = 0; waited_us < 10 * 1000 * 1000; ) {
		char *s = NULL;
		if (read_file(path, &s, NULL) < 0)
			return -errno;
		bool done = strstr(s, want) != NULL;
		free(s);
		if (done)
			return 0;
		if (events_fd >= 0) {
			struct pollfd p = { .fd = events_fd, .events = POLLPRI };
			poll(&p, 1, 10);
			waited_us += 10000;
		} else {
			struct timespec ts = { 0, pause_us * 1000 };
			nanosleep(&ts, NULL);
			waited_us += (int)pause_us;
			if (pause_us < 10000)
				pause_us *= 2;
		}
	}
	return -ETIMEDOUT;
}

int cgroup_freeze(const struct cgroup_set *cg, bool frozen, struct hull_err *e)
{
	char path[1500];
	int d = cg_v1_dir(cg, "freezer"), r;
	if (d >= 0) {
		snprintf(path, sizeof path, "%s/freezer.state", cg->dirs[d]);
		if ((r = write_file(path, frozen ? "FROZEN" : "THAWED")) < 0)
			return hull_syserr(e, -r, "%s", path);
		r = wait_state(path, frozen ? "FROZEN" : "THAWED", -1);
	} else if (cg->v2 >= 0) {
		snprintf(path, sizeof path, "%s/cgroup.freeze", cg->dirs[cg->v2]);
		if ((r = write_file(path, frozen ? "1" : "0")) < 0)
			return hull_syserr(e, -r, "%s", path);
		snprintf(path, sizeof path, "%s/cgroup.events", cg->dirs[cg->v2]);
		int ev = open(path, O_RDONLY | O_CLOEXEC);
		r = wait_state(path, frozen ? "frozen 1" : "frozen 0", ev);
		if (ev >= 0)
			close(ev);
	} else {
		return hull_errf(e, ENOTSUP, "no freezer on this host");
	}
	if (r < 0)
		return hull_syserr(e, -r, "waiting for the container to be %s", frozen ? "frozen" : "thawed");
	return 0;
}

/* One of name's lines in dir (or cg's fd i of it) starts with want. */
static bool file_has(const struct cgroup_set *cg, size_t i, const char *name, const char *want)
{
	char buf[512];
	int fd;
	if (cg->fds && cg->fds[i] >= 0) {
		fd = openat(cg->fds[i], name, O_RDONLY | O_CLOEXEC);
	} else {
		char path[1500];
		snprintf(path, sizeof path, "%s/%s", cg->dirs[i], name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	size_t wl = strlen(want);
	for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, want, wl))
			return true;
	return false;
}

bool cgroup_frozen_now(const struct cgroup_set *cg, const char **dir)
{
	for (size_t i = 0; i < cg->n; i++) {
		bool v1 = cg->ctrls[i][0] && strstr(cg->ctrls[i], "freezer");
		/* v1: the state is the effective one (FREEZING or FROZEN under a
		 * frozen parent too); v2: cgroup.events says so, cgroup.freeze
		 * only for the directory itself. */
		if ((v1 && !file_has(cg, i, "freezer.state", "THAWED")) ||
		    ((int)i == cg->v2 && file_has(cg, i, "cgroup.events", "frozen 1"))) {
			*dir = cg->dirs[i];
			return true;
		}
	}
	return false;
}

bool cgroup_frozen(const struct cgroup_set *cg)
{
	/* The directory's own setting (paused by hull), not one inherited. */
	for (size_t i = 0; i < cg->n; i++)
		if (cg->ctrls[i][0] && strstr(cg->ctrls[i], "freezer"))
			return file_has(cg, i, "freezer.state", "FROZEN");
	return cg->v2 >= 0 && file_has(cg, (size_t)cg->v2, "cgroup.freeze", "1");
}
