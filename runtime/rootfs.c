/* SPDX-License-Identifier: Apache-2.0 */
/* The container's filesystem view, built by the init child: every mount of
 * the config, /dev, pivot_root, then sysctl, masked and read-only paths.
 *
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * against an fd of the rootfs, and mounts go onto the resolved O_PATH fd
 * (binds by open_tree + move_mount, new filesystems onto "." with the fd as
 * working directory), so a symlink in the rootfs can never redirect a mount
 * or a device node to the host.  Neither walks /proc/self/fd/N, which costs
 * a few microseconds of procfs lookups per mount. */
#include "overlay/store.h"
#include "runtime/container.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

/* extra: more RESOLVE_ flags (RESOLVE_NO_SYMLINKS below /dev). */
static int openat2_root(int rootfd, const char *path, int flags, unsigned mode, uint64_t extra)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.mode = mode,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd;
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	return fd < 0 ? -errno : fd;
}

static int openat2_in_root(int rootfd, const char *path, int flags, unsigned mode)
{
	return openat2_root(rootfd, path, flags, mode, 0);
}

/* root_mkdir_all, with extra RESOLVE_ flags for every lookup: with
 * RESOLVE_NO_SYMLINKS a symlink anywhere on the path is -ELOOP. */
static int root_mkdir_all_x(int rootfd, const char *path, unsigned mode, uint64_t extra)
{
	/* Most targets exist already (proc, dev, sys): one lookup. */
	int cur = openat2_root(rootfd, path, O_PATH | O_DIRECTORY, 0, extra);
	if (cur != -ENOENT)
		return cur;
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	/* Often only the last name is missing (dev/pts, dev/shm): made in its
	 * parent, and opened there without following anything. */
	size_t n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	char *last = strrchr(buf, '/');
	if (last && last != buf && strcmp(last + 1, "..") && strcmp(last + 1, ".")) {
		*last = 0;
		int pfd = openat2_root(rootfd, buf, O_PATH | O_DIRECTORY, 0, extra);
		*last = '/';
		if (pfd >= 0) {
			int fd = -1;
			if (mkdirat(pfd, last + 1, mode) == 0 || errno == EEXIST)
				fd = openat(pfd, last + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 && errno != ELOOP && errno != ENOTDIR) {
				int err = -errno;
				close(pfd);
				return err;
			}
			close(pfd);
			if (fd >= 0)
				return fd;
			/* A symlink raced in: resolve it inside the root below. */
		} else if (pfd != -ENOENT) {
			return pfd;
		}
	}
	cur = openat2_root(rootfd, "/", O_PATH | O_DIRECTORY, 0, extra);
	if (cur < 0)
		return cur;
	/* Walk component by component; each prefix is resolved inside the
	 * root, so symlinks are followed as the container would see them. */
	for (char *p = buf; *p; ) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = p + strcspn(p, "/");
		char save = *end;
		*end = 0;
		int next = openat2_root(rootfd, buf, O_PATH | O_DIRECTORY, 0, extra);
		if (next == -ENOENT) {
			if (strcmp(p, "..") == 0 || strcmp(p, ".") == 0) {
				close(cur);
				return -ENOENT;
			}
			if (mkdirat(cur, p, mode) < 0 && errno != EEXIST) {
				int err = -errno;
				close(cur);
				return err;
			}
			next = openat2_root(rootfd, buf, O_PATH | O_DIRECTORY, 0, extra);
		}
		close(cur);
		if (next < 0)
			return next;
		cur = next;
		*end = save;
		p = end;
	}
	return cur;
}

int root_mkdir_all(int rootfd, const char *path, unsigned mode)
{
	return root_mkdir_all_x(rootfd, path, mode, 0);
}

/* O_PATH fd of the mount target, created (dir, or empty file when the bind
 * source is not a directory) if missing. */
static int make_target(int rootfd, const char *dest, bool file, uint64_t extra, int *out)
{
	if (!file) {
		int fd = root_mkdir_all_x(rootfd, dest, 0755, extra);
		if (fd < 0)
			return fd;
		*out = fd;
		return 0;
	}
	char parent[4096];
	snprintf(parent, sizeof parent, "%s", dest);
	char *slash = strrchr(parent, '/');
	const char *name = slash ? slash + 1 : parent;
	if (slash)
		*slash = 0;
	if (!*name || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
		return -EINVAL;
	int pfd = root_mkdir_all_x(rootfd, slash ? parent : "/", 0755, extra);
	if (pfd < 0)
		return pfd;
	int fd = openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
	/* Something already there (a dir, a device, or a symlink): resolve it
	 * inside the root below. */
	if (fd >= 0)
		close(fd);
	close(pfd);
	fd = openat2_root(rootfd, dest, O_PATH, 0, extra);
	if (fd < 0)
		return fd;
	*out = fd;
	return 0;
}

static void fd_path(int fd, char *buf, size_t cap)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
}

/* A new filesystem (or a remount) on the directory fd tfd: mounted on "."
 * with tfd as the working directory, which names exactly that directory.
 * The working directory stays there: rootfs_mount puts it back for the
 * createContainer hooks; pivot_root and the init's chdir to process.cwd
 * set their own. */
static int mount_on(int tfd, const char *src, const char *type, unsigned long fl, const void *data)
{
	if (fchdir(tfd) == 0)
		return mount(src, ".", type, fl, data);
	char p[64];
	fd_path(tfd, p, sizeof p);
	return mount(src, p, type, fl, data);
}

/* Attach the detached tree *tree onto tfd: the tree's fd (attached now, so
 * closing it unmounts nothing), or -1 with errno (none: EBADF, or the
 * kernel refused) and *tree closed either way. */
static int move_tree(int *tree, int tfd)
{
	int t = *tree;
	*tree = -1;
	if (t < 0) {
		errno = EBADF;
		return -1;
	}
	if (syscall(SYS_move_mount, t, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		int err = errno;
		close(t);
		errno = err;
		return -1;
	}
	return t;
}

/* Bind sfd/src (src "" for sfd itself) onto the fd tfd (a directory or a
 * file): a copy of the tree by open_tree, attached by move_mount.  Returns
 * an fd of the new mount (what the caller sets attributes on), or -1 with
 * errno set.  setattr, when given, is applied to the copy before it is
 * attached (recursively when rec). */
static int bind_onto(int sfd, const char *src, int tfd, bool rec, const struct mount_attr *setattr)
{
	unsigned fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0) | (*src ? 0 : AT_EMPTY_PATH);
	int t = (int)syscall(SYS_open_tree, sfd, src, fl);
	if (t < 0)
		return -1;
	struct mount_attr a = setattr ? *setattr : (struct mount_attr){ 0 };
	if (setattr && syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof a) < 0) {
		int err = errno;
		close(t);
		errno = err;
		return -1;
	}
	return move_tree(&t, tfd);
}

struct mopts {
	unsigned long flags;      /* MS_* to set */
	unsigned long clear;      /* MS_* explicitly cleared (rw, suid, ...) */
	unsigned long prop;       /* MS_SHARED / MS_PRIVATE / ... (with MS_REC) */
	struct mount_attr rattr;  /* recursive attributes (rro, rnosuid, ...) */
	bool has_rattr;
	bool copyup;              /* tmpcopyup: the target's contents copied into the new tmpfs */
	char data[1024];
};

/* Sorted by name (parse_mopts searches it by halves). */
static const struct { const char *name; unsigned long flag; bool clear; } mflags[] = {
	{ "async", MS_SYNCHRONOUS, true }, { "atime", MS_NOATIME, true },
	{ "bind", MS_BIND, false }, { "defaults", 0, false }, { "dev", MS_NODEV, true },
	{ "diratime", MS_NODIRATIME, true }, { "dirsync", MS_DIRSYNC, false },
	{ "exec", MS_NOEXEC, true }, { "iversion", MS_I_VERSION, false },
	{ "lazytime", MS_LAZYTIME, false }, { "loud", MS_SILENT, true },
	{ "mand", MS_MANDLOCK, false }, { "noatime", MS_NOATIME, false },
	{ "nodev", MS_NODEV, false }, { "nodiratime", MS_NODIRATIME, false },
	{ "noexec", MS_NOEXEC, false }, { "noiversion", MS_I_VERSION, true },
	{ "nolazytime", MS_LAZYTIME, true }, { "nomand", MS_MANDLOCK, true },
	{ "norelatime", MS_RELATIME, true }, { "nostrictatime", MS_STRICTATIME, true },
	{ "nosuid", MS_NOSUID, false }, { "nosymfollow", MS_NOSYMFOLLOW, false },
	{ "rbind", MS_BIND | MS_REC, false }, { "relatime", MS_RELATIME, false },
	{ "remount", MS_REMOUNT, false }, { "ro", MS_RDONLY, false }, { "rw", MS_RDONLY, true },
	{ "silent", MS_SILENT, false }, { "strictatime", MS_STRICTATIME, false },
	{ "suid", MS_NOSUID, true }, { "symfollow", MS_NOSYMFOLLOW, true },
	{ "sync", MS_SYNCHRONOUS, false },
};

static const struct { const char *name; unsigned long flag; } mprops[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Recursive mount attributes (mount_setattr with AT_RECURSIVE). */
static const struct { const char *name; uint64_t set, clr; } mrattrs[] = {
	{ "rro", MOUNT_ATTR_RDONLY, 0 }, { "rrw", 0, MOUNT_ATTR_RDONLY },
	{ "rnosuid", MOUNT_ATTR_NOSUID, 0 }, { "rsuid", 0, MOUNT_ATTR_NOSUID },
	{ "rnodev", MOUNT_ATTR_NODEV, 0 }, { "rdev", 0, MOUNT_ATTR_NODEV },
	{ "rnoexec", MOUNT_ATTR_NOEXEC, 0 }, { "rexec", 0, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 }, { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 }, { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
	{ "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
	{ "rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
	{ "ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
	{ "rnorelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
	{ "rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
};

#define N(a) (sizeof(a) / sizeof *(a))

static int parse_mopts(const char **opts, size_t n, struct mopts *m)
{
	/* (Not the whole data buffer: only what is written of it is read.) */
	memset(m, 0, offsetof(struct mopts, data));
	m->data[0] = 0;
	size_t dl = 0;
	for (size_t i = 0; i < n; i++) {
		const char *o = opts[i];
		bool done = false;
		/* mflags is sorted: a binary search.  Options with a value
		 * (mode=755) are the filesystem's, never a flag. */
		bool data = strchr(o, '=') != NULL;
		for (size_t lo = 0, hi = data ? 0 : N(mflags); lo < hi && !done;) {
			size_t k = (lo + hi) / 2;
			int c = strcmp(o, mflags[k].name);
			if (c < 0) {
				hi = k;
			} else if (c > 0) {
				lo = k + 1;
			} else if (mflags[k].clear) {
				m->flags &= ~mflags[k].flag;
				m->clear |= mflags[k].flag;
				done = true;
			} else {
				m->flags |= mflags[k].flag;
				m->clear &= ~mflags[k].flag;
				done = true;
			}
		}
		for (size_t k = 0; k < N(mprops) && !done && !data; k++)
			if (strcmp(o, mprops[k].name) == 0) {
				m->prop = mprops[k].flag;
				done = true;
			}
		for (size_t k = 0; k < N(mrattrs) && !done && !data; k++)
			if (strcmp(o, mrattrs[k].name) == 0) {
				struct mount_attr *a = &m->rattr;
				if (mrattrs[k].clr == MOUNT_ATTR__ATIME) {
					/* The atime modes are one field, not bits. */
					a->attr_clr |= MOUNT_ATTR__ATIME;
					a->attr_set = (a->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | mrattrs[k].set;
				} else {
					a->attr_set = (a->attr_set | mrattrs[k].set) & ~mrattrs[k].clr;
					a->attr_clr = (a->attr_clr | mrattrs[k].clr) & ~mrattrs[k].set;
				}
				m->has_rattr = true;
				done = true;
			}
		if (!done && !data && (!strcmp(o, "tmpcopyup") || !strcmp(o, "notmpcopyup"))) {
			m->copyup = o[0] == 't';
			done = true;
		}
		if (!done) {
			/* Anything else is for the filesystem (size=, mode=, ...). */
			size_t ol = strlen(o);
			if (dl + ol + 2 > sizeof m->data)
				return -E2BIG;
			if (dl)
				m->data[dl++] = ',';
			memcpy(m->data + dl, o, ol + 1);
			dl += ol;
		}
	}
	return 0;
}

/* The flags a bind remount must keep because they are locked (in a user
 * namespace) or simply already set on the source. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

/* After a mount onto target fd tfd: re-resolve dest so that the fd names the
 * new mount's root, then apply remount flags, propagation and recursive attrs. */
static int finish_mount(int rootfd, const char *dest, const struct mopts *m, bool bind, struct hull_err *e)
{
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (!(bind && (extra || m->clear)) && !m->prop && !m->has_rattr)
		return 0;
	int fd = openat2_in_root(rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return hull_syserr(e, -fd, "mount %s: reopening", dest);
	char p[64];
	fd_path(fd, p, sizeof p);
	int r = 0;
	if (bind && (extra || m->clear)) {
		unsigned long fl = MS_BIND | MS_REMOUNT | extra;
		if (mount(NULL, p, NULL, fl, NULL) < 0) {
			/* Locked flags of the source must be repeated. */
			fl |= locked_flags(p) & ~m->clear;
			if (mount(NULL, p, NULL, fl, NULL) < 0) {
				r = hull_syserr(e, errno, "mount %s: remounting bind with its options", dest);
				goto out;
			}
		}
	}
	if (m->prop && mount(NULL, p, NULL, m->prop, NULL) < 0) {
		r = hull_syserr(e, errno, "mount %s: setting propagation", dest);
		goto out;
	}
	if (m->has_rattr) {
		struct mount_attr a = m->rattr;
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) {
			r = hull_syserr(e, errno, "mount %s: setting recursive attributes", dest);
			goto out;
		}
	}
out:
	close(fd);
	return r;
}

static bool has_cgroup_mount(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].type && strcmp(s->mounts[i].type, "cgroup") == 0)
			return true;
	return false;
}

static unsigned long propagation_flag(const char *p);

void rootfs_cgroup_trees(const struct init_ctx *c, int *trees)
{
	const struct cgroup_set *cg = c->cg;
	for (size_t i = 0; i < CG_MAX_DIRS; i++)
		trees[i] = -1;
	if (!cg->fds || !c->ns_new[SPEC_NS_MOUNT] || c->ns_new[SPEC_NS_USER] || c->ns_fd[SPEC_NS_USER] >= 0 ||
	    !has_cgroup_mount(c->spec) || (cg->n == 1 && cg->v2 == 0 && c->ns_new[SPEC_NS_CGROUP]))
		return;
	/* What the binds made in the init's namespace would be: slaves of
	 * the host's mounts by default, as rootfsPropagation says otherwise
	 * (shared: peers, as the clone is already). */
	const struct spec_linux *lx = c->spec->linux_;
	unsigned long prop = propagation_flag(lx ? lx->rootfs_propagation : NULL);
	struct mount_attr a = { .propagation = prop & MS_PRIVATE ? MS_PRIVATE : MS_SLAVE };
	bool set = !(prop & MS_SHARED);
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->fds[i] < 0)
			continue;
		int t = (int)syscall(SYS_open_tree, cg->fds[i], "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
		if (t >= 0 && set && syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) {
			close(t);
			t = -1;
		}
		trees[i] = t;
	}
}

/* A cgroup mount: the host's hierarchies as the container sees them.  Pure
 * v2 hosts get cgroup2; hybrid and v1 hosts a tmpfs holding a bind of the
 * container's own directory of each hierarchy, read-only when asked. */
static int check_dest_fs(size_t idx, int tfd, const char *dest, const char *clean, bool sourcefile, struct hull_err *e);

static int mount_cgroup(struct init_ctx *c, int rootfd, const struct spec_mount *sm, const struct mopts *m,
			struct hull_err *e)
{
	const struct cgroup_set *cg = c->cg;
	unsigned long fl = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	int tfd = -1, r = 0;
	bool only_v2 = cg->n == 1 && cg->v2 == 0;
	bool new_ns = c->ns_new[SPEC_NS_CGROUP];
	if ((r = make_target(rootfd, sm->destination, false, 0, &tfd)) < 0)
		return hull_syserr(e, -r, "mount %s", sm->destination);
	char clean[4096];
	rootfs_clean_path(sm->destination, clean, sizeof clean);
	if ((r = check_dest_fs((size_t)(sm - c->spec->mounts), tfd, sm->destination, clean, false, e)) < 0) {
		close(tfd);
		return r;
	}
	if (only_v2) {
		int b = -1;
		if (!new_ns)
			b = move_tree(&c->cg_tree[0], tfd);
		if (new_ns ? mount_on(tfd, "cgroup2", "cgroup2", fl, NULL) < 0
			   : b < 0 && (b = bind_onto(AT_FDCWD, cg->dirs[0], tfd, true, NULL)) < 0)
			r = new_ns ? hull_syserr(e, errno, "mount %s (cgroup2)", sm->destination)
				   : hull_syserr(e, errno, "mount %s: binding cgroup %s", sm->destination, cg->dirs[0]);
		if (b >= 0)
			close(b);
		close(tfd);
		return r < 0 ? r : finish_mount(rootfd, sm->destination, m, !new_ns, e);
	}
	if (mount_on(tfd, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0) {
		r = hull_syserr(e, errno, "mount %s (tmpfs for cgroups)", sm->destination);
		close(tfd);
		return r;
	}
	/* The tmpfs is hull's own and empty: its directories are made
	 * and opened relative to it, nothing there to resolve. */
	close(tfd);
	int top = openat2_in_root(rootfd, sm->destination, O_PATH | O_DIRECTORY, 0);
	if (top < 0)
		return hull_syserr(e, -top, "mount %s (tmpfs for cgroups)", sm->destination);
	for (size_t i = 0; i < cg->n && r == 0; i++) {
		const char *name = cg->ctrls[i][0] ? cg->ctrls[i] : "unified";
		/* A bind of the container's own directory: what a fresh mount
		 * in the cgroup namespace shows too, without the v1 mount's
		 * walk over every cgroup of the hierarchy. */
		int fd = mkdirat(top, name, 0755) < 0 ? -1 : openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* hull's clone of the directory, else by path (the fds hull
		 * keeps of these directories are on mounts of the host's
		 * namespace, which open_tree refuses here). */
		int b = fd < 0 ? -1 : move_tree(&c->cg_tree[i], fd);
		if (fd >= 0 && b < 0)
			b = bind_onto(AT_FDCWD, cg->dirs[i], fd, true, NULL);
		if (b < 0) {
			r = hull_syserr(e, errno, "mount %s/%s: binding cgroup %s", sm->destination, name, cg->dirs[i]);
			if (fd >= 0)
				close(fd);
			break;
		}
		close(b);
		close(fd);
		/* cpu,cpuacct style hierarchies are also reachable by each name. */
		if (strchr(name, ',')) {
			char names[128];
			snprintf(names, sizeof names, "%s", name);
			for (char *sv, *t = strtok_r(names, ",", &sv); t; t = strtok_r(NULL, ",", &sv))
				symlinkat(name, top, t);
		}
	}
	/* The mount's flags on the tmpfs and every bind in one go. */
	struct mount_attr a = { .attr_set = (fl & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) | (fl & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
					    (fl & MS_NODEV ? MOUNT_ATTR_NODEV : 0) | (fl & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0) |
					    (fl & MS_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0) };
	if (r == 0 && a.attr_set &&
	    syscall(SYS_mount_setattr, top, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
		r = hull_syserr(e, errno, "mount %s: setting its options", sm->destination);
	close(top);
	return r < 0 ? r : finish_mount(rootfd, sm->destination, m, false, e);
}

/* tmpcopyup: copy the directory sfd (what the new tmpfs covers) into dfd
 * (the tmpfs): files, directories, symlinks and special files, with their
 * owners, modes and times.  Nothing is followed: every name is opened
 * relative to its directory's fd with O_NOFOLLOW. */
static int copy_tree(int sfd, int dfd, int depth)
{
	if (depth > 64)
		return -ELOOP;
	int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(sfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int a = -1, b = -1;
			if (mkdirat(dfd, n, 0700) < 0 ||
			    (a = openat(sfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (b = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				r = -errno;
			else
				r = copy_tree(a, b, depth + 1);
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else if (S_ISREG(st.st_mode)) {
			int a = openat(sfd, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), b = -1;
			if (a < 0 || (b = openat(dfd, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
				r = -errno;
			} else {
				char buf[16384];
				ssize_t k;
				while ((k = read(a, buf, sizeof buf)) > 0)
					if ((r = write_all(b, buf, (size_t)k)) < 0)
						break;
				if (k < 0)
					r = -errno;
			}
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else if (S_ISLNK(st.st_mode)) {
			char t[PATH_MAX];
			ssize_t k = readlinkat(sfd, n, t, sizeof t - 1);
			if (k < 0 || (t[k] = 0, symlinkat(t, dfd, n) < 0))
				r = -errno;
		} else if (mknodat(dfd, n, st.st_mode, st.st_rdev) < 0) {
			/* Device nodes cannot be made in a user namespace: skipped, as
			 * the container could not have opened them anyway. */
			if (errno != EPERM)
				r = -errno;
			continue;
		}
		if (r < 0)
			break;
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		if (fchownat(dfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL && errno != EPERM)
			r = -errno;
		else if (!S_ISLNK(st.st_mode) && fchmodat(dfd, n, st.st_mode & 07777, 0) < 0)
			r = -errno;
		else if (utimensat(dfd, n, ts, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
	}
	closedir(d);
	return r;
}

/* A bind source as a host path (relative ones to the bundle) in buf. */
static const char *bind_source(const struct init_ctx *c, const char *source, char *buf, size_t cap)
{
	snprintf(buf, cap, source[0] == '/' ? "%s%s" : "%s/%s", source[0] == '/' ? "" : c->bundle, source);
	return buf;
}

static bool is_bind(const struct spec_mount *sm, const struct mopts *m)
{
	return (m->flags & MS_BIND) || (sm->type && strcmp(sm->type, "bind") == 0);
}

int rootfs_open_bind_sources(struct init_ctx *c, struct hull_err *e)
{
	const struct spec *s = c->spec;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *sm = &s->mounts[i];
		struct mopts m;
		char src[8192];
		if (!sm->source || parse_mopts(sm->options, sm->n_options, &m) < 0 || !is_bind(sm, &m))
			continue;
		if (!c->bind_src) {
			if (!(c->bind_src = malloc(s->n_mounts * sizeof *c->bind_src)))
				return hull_errf(e, ENOMEM, "out of memory");
			for (size_t k = 0; k < s->n_mounts; k++)
				c->bind_src[k] = -1;
		}
		/* (A source that cannot be opened now is left to do_mount,
		 * which names it.) */
		c->bind_src[i] = open(bind_source(c, sm->source, src, sizeof src), O_PATH | O_CLOEXEC);
	}
	return 0;
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

/* As the container would name dest if it held no symlink. */
void rootfs_clean_path(const char *dest, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '/';
	out[1] = 0;
	for (const char *p = dest; *p; ) {
		while (*p == '/')
			p++;
		size_t l = strcspn(p, "/");
		if (!l)
			break;
		if (l == 1 && p[0] == '.') {
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[n] != '/')
				n--;
			out[n ? n : 1] = 0;
		} else if (n + 1 + l + 1 < cap) {
			out[n] = '/';
			memcpy(out + n + 1, p, l);
			n += 1 + l;
			out[n] = 0;
		}
		p += l;
	}
	if (!n)
		strcpy(out, "/");
}

/* Mounts inside /proc (CVE-2019-16884, CVE-2019-19921, and issue 22: a
 * bind at /proc/sys/net sent hull's own sysctl writes into the
 * container's files): refused, but for the regular files container
 * engines and lxcfs bind over (runc's list); /proc itself takes only a
 * real procfs. */
static const char *const proc_files_ok[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
	"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
	"/proc/sys/kernel/ns_last_pid", NULL,
};

static bool proc_file_ok(const char *clean)
{
	for (size_t i = 0; proc_files_ok[i]; i++)
		if (!strcmp(clean, proc_files_ok[i]))
			return true;
	return false;
}

static bool below(const char *clean, const char *dir)
{
	size_t l = strlen(dir);
	return !strncmp(clean, dir, l) && (clean[l] == '/' || !clean[l]);
}

/* Before anything is made or mounted: the destination as written. */
static int check_dest_text(size_t idx, const char *clean, bool bind, const char *type, struct hull_err *e)
{
	if (!strcmp(clean, "/proc")) {
		/* (A bind: its source is checked to be a procfs in do_mount.) */
		if (!bind && (!type || strcmp(type, "proc")))
			return hull_errf(e, EINVAL, "mounts[%zu].destination: /proc takes only a procfs, not %s",
					 idx, type ? type : "no type");
		return 0;
	}
	if (below(clean, "/proc") && !(bind && proc_file_ok(clean)))
		return hull_errf(e, EINVAL, "mounts[%zu].destination: %s is inside /proc", idx, clean);
	return 0;
}

/* After the destination is resolved in the rootfs (a symlink of the image
 * may lead into /proc or /sys): the filesystem of the target itself, one
 * fstatfs.  Inside a procfs, only what check_dest_text let through by
 * name; below a sysfs, only the cgroup hierarchies at /sys/fs/cgroup.
 * hull writes nothing under /sys today: the rule is there so that nothing
 * of the host's kernel interface in the container is covered by something
 * else (a later write of hull's, a read by a tool trusting /sys, or an
 * allow-listed path of a LSM profile) — as runc and crun refuse it. */
static int check_dest_fs(size_t idx, int tfd, const char *dest, const char *clean, bool sourcefile, struct hull_err *e)
{
	struct statfs sf;
	if (fstatfs(tfd, &sf) < 0)
		return hull_syserr(e, errno, "mounts[%zu].destination: %s", idx, dest);
	if (sf.f_type == PROC_SUPER_MAGIC && strcmp(clean, "/proc") && !(sourcefile && proc_file_ok(clean)))
		return hull_errf(e, EINVAL, "mounts[%zu].destination: %s is inside /proc (%s)", idx, dest,
				 below(clean, "/proc") ? "only a regular file may be bound there" : "through a symlink");
	if (sf.f_type == SYSFS_MAGIC && strcmp(clean, "/sys") && !below(clean, "/sys/fs/cgroup"))
		return hull_errf(e, EINVAL, "mounts[%zu].destination: %s is inside /sys", idx, dest);
	return 0;
}

static int do_mount(struct init_ctx *c, int rootfd, size_t idx, struct hull_err *e)
{
	const struct spec_mount *sm = &c->spec->mounts[idx];
	struct mopts m;
	if (parse_mopts(sm->options, sm->n_options, &m) < 0)
		return hull_errf(e, E2BIG, "mounts[%zu]: too many options", idx);
	if (sm->destination[0] != '/')
		return hull_errf(e, EINVAL, "mounts[%zu].destination: \"%s\" must be an absolute path", idx, sm->destination);
	if (sm->n_uid_mappings || sm->n_gid_mappings)
		return hull_errf(e, ENOTSUP, "mounts[%zu]: id-mapped mounts are not supported by this hull yet", idx);
	bool bind = is_bind(sm, &m);
	const char *type = sm->type;
	char clean[4096];
	rootfs_clean_path(sm->destination, clean, sizeof clean);
	int r;
	if ((r = check_dest_text(idx, clean, bind, type, e)) < 0)
		return r;
	if (!bind && type && strcmp(type, "cgroup") == 0)
		return mount_cgroup(c, rootfd, sm, &m, e);
	if (!bind && !type)
		return hull_errf(e, EINVAL, "mounts[%zu]: no type for the mount of %s", idx, sm->destination);

	char src[8192];
	const char *source = sm->source;
	bool file = false, regular = false;
	int sfd = -1;
	if (bind) {
		if (!source)
			return hull_errf(e, EINVAL, "mounts[%zu].source: required for a bind mount of %s", idx, sm->destination);
		/* Bind sources are host paths, relative ones to the bundle. */
		source = bind_source(c, source, src, sizeof src);
		sfd = c->bind_src ? c->bind_src[idx] : -1;
		struct stat sb;
		if ((sfd >= 0 ? fstat(sfd, &sb) : stat(source, &sb)) < 0)
			return hull_syserr(e, errno, "mounts[%zu].source: %s", idx, source);
		file = !S_ISDIR(sb.st_mode);
		regular = S_ISREG(sb.st_mode);
		/* Onto /proc, a bind of a procfs only (the host's /proc, as
		 * rootless engines do without a pid namespace of their own). */
		struct statfs sf;
		if (!strcmp(clean, "/proc") &&
		    ((sfd >= 0 ? fstatfs(sfd, &sf) : statfs(source, &sf)) < 0 || sf.f_type != PROC_SUPER_MAGIC))
			return hull_errf(e, EINVAL, "mounts[%zu].destination: /proc takes only a procfs, not a bind of %s",
					 idx, source);
	}
	/* Below /dev no symlink is followed (CVE-2026-41579 class): /dev
	 * and what hull puts there are hull's to make, and an image's
	 * symlink at /dev/pts or /dev/shm would move the mount elsewhere. */
	bool in_dev = below(clean, "/dev");
	int tfd;
	r = make_target(rootfd, sm->destination, file, in_dev ? RESOLVE_NO_SYMLINKS : 0, &tfd);
	if (r == -ELOOP && in_dev)
		return hull_errf(e, ELOOP, "mounts[%zu].destination: %s: a symlink in the rootfs on the way "
				 "(below /dev none is followed)", idx, sm->destination);
	if (r < 0)
		return hull_syserr(e, -r, "mounts[%zu].destination: %s", idx, sm->destination);
	if ((r = check_dest_fs(idx, tfd, sm->destination, clean, regular, e)) < 0) {
		close(tfd);
		return r;
	}
	/* tmpcopyup: the directory the tmpfs will cover, held open. */
	int under = -1;
	if (!bind && m.copyup && strcmp(type, "tmpfs") == 0 &&
	    (under = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 && errno != ENOTDIR) {
		r = hull_syserr(e, errno, "mounts[%zu]: tmpcopyup: opening %s", idx, sm->destination);
		close(tfd);
		return r;
	}
	if (bind) {
		r = sfd >= 0 ? bind_onto(sfd, "", tfd, m.flags & MS_REC, NULL)
			     : bind_onto(AT_FDCWD, source, tfd, m.flags & MS_REC, NULL);
	} else {
		unsigned long fl = m.flags & ~(MS_BIND | MS_REC);
		if (under >= 0)
			fl &= ~(unsigned long)MS_RDONLY;   /* filled first, made read-only after */
		if ((fl & MS_RDONLY) && sm->destination[strspn(sm->destination, "/")] &&
		    !strcmp(sm->destination + strspn(sm->destination, "/"), "dev") ) {
			/* /dev gets its nodes and the mount points below it later
			 * (rootfs_finish makes it read-only), as runc does. */
			fl &= ~(unsigned long)MS_RDONLY;
			c->dev_ro = true;
		}
		r = mount_on(tfd, source ? source : type, type, fl, m.data[0] ? m.data : NULL);
		if (r < 0 && errno == EPERM && strcmp(type, "sysfs") == 0) {
			/* sysfs needs a network namespace of our own; without
			 * one, the host's /sys read-only is what runc gives too. */
			r = bind_onto(AT_FDCWD, "/sys", tfd, true, NULL);
			bind = true;
			m.flags |= MS_RDONLY;
		}
	}
	int err = errno;
	if (bind && r >= 0)
		close(r);
	close(tfd);
	if (r < 0) {
		if (under >= 0)
			close(under);
		return hull_syserr(e, err, "mounts[%zu]: mounting %s on %s (type %s)", idx,
				   source ? source : "none", sm->destination, bind ? "bind" : type);
	}
	if (under >= 0) {
		/* Before any remount flags: a read-only tmpfs is filled first. */
		int top = openat2_in_root(rootfd, sm->destination, O_RDONLY | O_DIRECTORY, 0);
		r = top < 0 ? top : copy_tree(under, top, 0);
		if (r == 0 && (m.flags & MS_RDONLY) &&
		    mount_on(top, NULL, NULL, MS_REMOUNT | (m.flags & ~(MS_BIND | MS_REC)), m.data[0] ? m.data : NULL) < 0)
			r = -errno;
		if (top >= 0)
			close(top);
		close(under);
		if (r < 0)
			return hull_syserr(e, -r, "mounts[%zu]: tmpcopyup: copying %s into the tmpfs", idx, sm->destination);
	}
	return finish_mount(rootfd, sm->destination, &m, bind, e);
}

static const struct { const char *path; unsigned major, minor; } default_devs[] = {
	{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static bool in_userns(const struct init_ctx *c)
{
	return c->ns_new[SPEC_NS_USER] || c->ns_fd[SPEC_NS_USER] >= 0;
}

/* A device node at path (inside the root; devfd: an fd of its /dev when
 * the caller has one, else -1).  Without the right to mknod (a user
 * namespace), bind the host's node instead.  The init's umask is 0. */
static int make_device(struct init_ctx *c, int rootfd, int devfd, const char *path, mode_t type, unsigned mode,
		       dev_t dev, uid_t uid, gid_t gid, struct hull_err *e)
{
	char parent[4096];
	size_t pl = strlen(path);
	if (pl >= sizeof parent || !strchr(path, '/'))
		return hull_errf(e, EINVAL, "device %s: not a file path", path);
	memcpy(parent, path, pl + 1);
	char *slash = strrchr(parent, '/');
	const char *name = slash + 1;
	*slash = 0;
	if (!*name || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
		return hull_errf(e, EINVAL, "device %s: not a file path", path);
	bool own = !(devfd >= 0 && strcmp(parent, "/dev") == 0);
	char clean[4096];
	rootfs_clean_path(parent[0] ? parent : "/", clean, sizeof clean);
	/* Below /dev, through no symlink (see setup_dev). */
	bool in_dev = below(clean, "/dev");
	int pfd = own ? root_mkdir_all_x(rootfd, parent[0] ? parent : "/", 0755, in_dev ? RESOLVE_NO_SYMLINKS : 0) : devfd;
	if (pfd == -ELOOP && in_dev)
		return hull_errf(e, ELOOP, "device %s: a symlink in the rootfs on the way (below /dev none is followed)", path);
	if (pfd < 0)
		return hull_syserr(e, -pfd, "device %s", path);
	int r = 0;
	bool userns = in_userns(c);
	bool made = !userns && mknodat(pfd, name, type | (mode & 07777), dev) == 0;
	if (!made && (userns || errno == EEXIST)) {
		/* Something there already: replaced, unless a directory. */
		struct stat sb;
		if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(sb.st_mode))
			unlinkat(pfd, name, 0);
		made = !userns && mknodat(pfd, name, type | (mode & 07777), dev) == 0;
	}
	if (!made) {
		if (!in_userns(c) && errno != EPERM) {
			r = hull_syserr(e, errno, "device %s: mknod", path);
			goto out;
		}
		if (type == S_IFIFO) {
			r = hull_errf(e, EPERM, "device %s: cannot create a fifo here", path);
			goto out;
		}
		char host[4096];
		snprintf(host, sizeof host, "/dev/%s", name);
		int fd = openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = hull_syserr(e, errno, "device %s", path);
			goto out;
		}
		close(fd);
		fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int b = fd < 0 ? -1 : bind_onto(AT_FDCWD, host, fd, false, NULL);
		if (b < 0)
			r = hull_syserr(e, errno, "device %s: binding %s", path, host);
		else
			close(b);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	/* mknod keeps the permission bits (umask 0); setuid, setgid and
	 * sticky bits take a chmod. */
	if (((mode & 07000) && fchmodat(pfd, name, mode & 07777, 0) < 0) ||
	    fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		r = hull_syserr(e, errno, "device %s: setting owner and mode", path);
out:
	if (own)
		close(pfd);
	return r;
}

/* /dev of the root rootfd (an fd of its "/"), as an O_PATH fd, reached
 * without following a symlink (CVE-2026-41579, CVE-2026-47766: an image's
 * /dev that is a symlink had runtimes make nodes, the console and the pty
 * wherever it led).  mkdir: made when missing.  -ELOOP for a symlink. */
int rootfs_open_dev(int rootfd, bool mkdir)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, "dev", &how, sizeof how);
	if (fd < 0 && errno == ENOENT && mkdir && (mkdirat(rootfd, "dev", 0755) == 0 || errno == EEXIST))
		fd = (int)syscall(SYS_openat2, rootfd, "dev", &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

static int dev_err(struct hull_err *e, int err, const char *what)
{
	if (err == -ELOOP)
		return hull_errf(e, ELOOP, "%s: /dev of the container is a symlink (hull follows none there)", what);
	if (err == -ENOTDIR)
		return hull_errf(e, ENOTDIR, "%s: /dev of the container is not a directory", what);
	return hull_syserr(e, -err, "%s: /dev of the container", what);
}

/* The nodes, symlinks and devices of /dev, made through the fd of /dev
 * (kept in c->devfd for the console until pivot_root). */
static int setup_dev(struct init_ctx *c, int rootfd, bool dev_is_bind, struct hull_err *e)
{
	int r;
	int dfd = rootfs_open_dev(rootfd, true);
	if (dfd < 0)
		return dev_err(e, dfd, "root.path");
	if (!dev_is_bind) {
		for (size_t i = 0; i < N(default_devs); i++) {
			if ((r = make_device(c, rootfd, dfd, default_devs[i].path, S_IFCHR, 0666,
					     makedev(default_devs[i].major, default_devs[i].minor), 0, 0, e)) < 0) {
				close(dfd);
				return r;
			}
		}
		static const char *links[][2] = {
			{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
			{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
			{ "pts/ptmx", "ptmx" },
		};
		for (size_t i = 0; i < N(links); i++) {
			if (strcmp(links[i][1], "ptmx") == 0)
				unlinkat(dfd, "ptmx", 0);
			if (symlinkat(links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST) {
				r = hull_syserr(e, errno, "/dev/%s: symlink to %s", links[i][1], links[i][0]);
				close(dfd);
				return r;
			}
		}
	}
	const struct spec_linux *lx = c->spec->linux_;
	r = 0;
	/* A /dev bound from elsewhere (the host's) is left as it is, as runc
	 * does: making linux.devices there would replace the nodes of the
	 * bind's source, the host's own /dev. */
	for (size_t i = 0; lx && !dev_is_bind && i < lx->n_devices && r == 0; i++) {
		const struct spec_device *d = &lx->devices[i];
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
		r = make_device(c, rootfd, dfd, d->path, type, d->has_file_mode ? d->file_mode : 0666, dev,
				d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, e);
	}
	if (r < 0)
		close(dfd);
	else
		c->devfd = dfd;
	return r;
}

static unsigned long propagation_flag(const char *p)
{
	if (!p)
		return 0;
	for (size_t k = 0; k < N(mprops); k++)
		if (strcmp(p, mprops[k].name) == 0 || (p[0] != 'r' && strcmp(p, mprops[k].name + 1) == 0 &&
							 mprops[k].name[0] == 'r'))
			return mprops[k].flag | MS_REC;
	return 0;
}

/* Make the mount that holds dir (the longest mount point prefix) a slave:
 * pivot_root refuses a shared parent, and a slave still receives the
 * host's mounts.  (Mounts made in the container never reach the host: that
 * would need the rootfs bound while its parent is shared, which would leave
 * a copy of that bind on the host.) */
static int make_parent_slave(const char *dir, struct hull_err *e)
{
	char *info = NULL, best[4096] = "/";
	size_t best_len = 1;
	if (read_file("/proc/self/mountinfo", &info, NULL) < 0)
		return hull_syserr(e, errno, "/proc/self/mountinfo");
	for (char *line = strtok(info, "\n"); line; line = strtok(NULL, "\n")) {
		char mnt[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		size_t n = strlen(mnt);
		if (n > best_len && strncmp(dir, mnt, n) == 0 && (dir[n] == '/' || dir[n] == 0)) {
			memcpy(best, mnt, n + 1);
			best_len = n;
		}
	}
	free(info);
	if (mount(NULL, best, NULL, MS_SLAVE, NULL) < 0)
		return hull_syserr(e, errno, "making %s a slave mount for pivot_root", best);
	return 0;
}

uint64_t rootfs_mount_id(const char *path)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

int rootfs_unstack(const char *path, uint64_t base)
{
	/* Bounded: each round takes one mount off the top. */
	for (int i = 0; i < 64; i++) {
		uint64_t id = rootfs_mount_id(path);
		if (!id || id == base)
			return 0;
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return errno == EINVAL ? 0 : -errno;
	}
	return -EBUSY;
}

int rootfs_mount(struct init_ctx *c, struct hull_err *e)
{
	const struct spec *s = c->spec;
	const struct spec_linux *lx = s->linux_;
	const char *prop = lx ? lx->rootfs_propagation : NULL;
	int r = 0;
	if (prop && !propagation_flag(prop))
		return hull_errf(e, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", prop);
	if (!init_has_mount_ns(c))
		goto bind;   /* hull's own namespace: its propagation is not ours to change */
	/* By default nothing the container mounts reaches the host (rslave);
	 * rootfsPropagation chooses otherwise.  "unbindable" is applied after
	 * pivot_root, since an unbindable rootfs could not be bound first. */
	unsigned long first = propagation_flag(prop);
	if (!first || (first & MS_UNBINDABLE))
		first = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, first, NULL) < 0)
		return hull_syserr(e, errno, "linux.rootfsPropagation: setting it on /");
	/* pivot_root refuses a new root whose parent mount is shared. */
	if ((first & MS_SHARED) && (r = make_parent_slave(c->rootfs, e)) < 0)
		return r;
bind:;
	/* The rootfs bound onto itself; the fd of that bind is the root every
	 * path below is resolved in. */
	int under = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (under < 0)
		return hull_syserr(e, errno, "root.path: %s", c->rootfs);
	if (c->opts->n_lower) {
		/* --image: the image's layers and the container's upper
		 * directory, mounted here, in the init's own mount namespace:
		 * nothing of it is left on the host when the container goes. */
		if (!init_has_mount_ns(c)) {
			close(under);
			return hull_errf(e, EINVAL, "--image: the container needs a mount namespace of its own");
		}
		r = store_overlay_mount(c->opts->lower, c->opts->n_lower, c->opts->upper, c->opts->work, under, e);
		close(under);
		if (r < 0)
			return r;
		if ((under = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return hull_syserr(e, errno, "root.path: %s (the image's overlay)", c->rootfs);
	}
	int rootfd = bind_onto(under, "", under, true, NULL);
	int err = errno;
	close(under);
	if (rootfd < 0)
		return hull_syserr(e, err, "root.path: binding %s", c->rootfs);
	/* mount_on changes the working directory: put back at the end for
	 * the createContainer hooks that run next (pivot_root sets its own). */
	int oldcwd = c->hooks_in_child ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	bool dev_is_bind = false;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *sm = &s->mounts[i];
		if (strcmp(sm->destination, "/dev") == 0 && ((sm->type && strcmp(sm->type, "bind") == 0) ||
							     (sm->source && strcmp(sm->source, "/dev") == 0 && !(sm->type && strcmp(sm->type, "tmpfs") == 0))))
			dev_is_bind = true;
		if ((r = do_mount(c, rootfd, i, e)) < 0)
			goto fail;
	}
	if ((r = setup_dev(c, rootfd, dev_is_bind, e)) < 0)
		goto fail;
	/* The working directory is made as root now; the user may lack the
	 * right later.  ("/" is there: the root itself.) */
	if (s->process->cwd[strspn(s->process->cwd, "/")]) {
		int cwd = root_mkdir_all(rootfd, s->process->cwd, 0755);
		if (cwd < 0) {
			r = hull_syserr(e, -cwd, "process.cwd \"%s\"", s->process->cwd);
			goto fail;
		}
		close(cwd);
	}
	c->rootfd = rootfd;
	rootfd = -1;
fail:
	if (rootfd >= 0)
		close(rootfd);
	if (oldcwd >= 0) {
		if (fchdir(oldcwd) < 0 && r == 0)
			r = hull_syserr(e, errno, "returning to hull's working directory (the hooks run there)");
		close(oldcwd);
	}
	return r;
}

/* Whether path a is b or below it. */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	return !strcmp(b, "/") || (!strncmp(a, b, n) && (a[n] == 0 || a[n] == '/'));
}

/* --no-pivot: chroot leaves the old root's mounts in the container's mount
 * namespace, and a full procfs or sysfs there would let a process of the
 * container mount a fresh one (the kernel allows it in a user namespace
 * while such a mount is fully visible in the namespace).  Every mount that
 * is neither the rootfs, below it, nor one of its parents is detached (made
 * a slave first, so nothing of it reaches the host), deepest first.  (In a
 * user namespace these copies are locked and cannot be detached, and a
 * cover would not hide them from that check: create refuses --no-pivot
 * there.) */
static int detach_old_root(const char *rootfs, struct hull_err *e)
{
	char *info = NULL;
	if (read_file("/proc/self/mountinfo", &info, NULL) < 0)
		return hull_syserr(e, errno, "--no-pivot: /proc/self/mountinfo");
	char **pts = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	for (char *line = strtok(info, "\n"); line; line = strtok(NULL, "\n")) {
		char *f = line;
		for (int i = 0; i < 4 && f; i++)
			f = strchr(f, ' '), f = f ? f + 1 : NULL;
		char *end = f ? strchr(f, ' ') : NULL;
		if (!end)
			continue;
		*end = 0;
		mountinfo_unescape(f);
		if (path_within(f, rootfs) || path_within(rootfs, f))
			continue;
		if (n == cap) {
			char **p = realloc(pts, (cap = cap ? 2 * cap : 32) * sizeof *p);
			if (!p) {
				r = hull_errf(e, ENOMEM, "out of memory");
				goto out;
			}
			pts = p;
		}
		pts[n++] = f;
	}
	while (n-- > 0) {
		const char *p = pts[n];
		if (mount(NULL, p, NULL, MS_SLAVE | MS_REC, NULL) < 0 && errno != EINVAL && errno != ENOENT)
			continue;   /* (not ours to touch: it is gone or covered already) */
		if (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
			continue;
		r = hull_syserr(e, errno, "--no-pivot: detaching the host's mount %s", p);
		goto out;
	}
out:
	free(pts);
	free(info);
	return r;
}

int rootfs_pivot(struct init_ctx *c, struct hull_err *e)
{
	const struct spec_linux *lx = c->spec->linux_;
	const char *prop = lx ? lx->rootfs_propagation : NULL;
	int r = 0;
	if (fchdir(c->rootfd) < 0) {
		r = hull_syserr(e, errno, "chdir to the rootfs %s", c->rootfs);
		goto out;
	}
	if (!init_has_mount_ns(c)) {
		/* Sharing hull's mount namespace: its root is not ours to move. */
		if (chroot(".") < 0) {
			r = hull_syserr(e, errno, "chroot to the rootfs %s", c->rootfs);
			goto out;
		}
		prop = NULL;
	} else if (c->opts->no_pivot) {
		if ((r = detach_old_root(c->rootfs, e)) < 0)
			goto out;
		if (fchdir(c->rootfd) < 0) {
			r = hull_syserr(e, errno, "chdir to the rootfs %s", c->rootfs);
			goto out;
		}
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0) {
			r = hull_syserr(e, errno, "moving the rootfs %s to / (--no-pivot)", c->rootfs);
			goto out;
		}
	} else {
		/* pivot_root(".", ".") stacks the old root under the new one;
		 * unmounting "." then drops it. */
		if (syscall(SYS_pivot_root, ".", ".") < 0) {
			r = hull_syserr(e, errno, "pivot_root to the rootfs %s", c->rootfs);
			goto out;
		}
		if (umount2(".", MNT_DETACH) < 0) {
			r = hull_syserr(e, errno, "unmounting the old root, now below the rootfs %s", c->rootfs);
			goto out;
		}
	}
	if (chdir("/") < 0) {
		r = hull_syserr(e, errno, "chdir to / of the rootfs %s", c->rootfs);
		goto out;
	}
	if (prop && mount(NULL, "/", NULL, propagation_flag(prop), NULL) < 0)
		r = hull_syserr(e, errno, "linux.rootfsPropagation \"%s\"", prop);
out:
	close(c->rootfd);
	c->rootfd = -1;
	if (c->devfd >= 0)
		close(c->devfd);
	c->devfd = -1;
	return r;
}

/* A refused procfs open as one line: "FIELD: /proc/PATH crosses a mount". */
static int procfs_err(struct hull_err *e, int err, const char *field, const char *path)
{
	const char *why = procfs_why(err);
	if (err == -EMEDIUMTYPE)
		return hull_errf(e, EMEDIUMTYPE, "%s: /proc is not a procfs", field);
	if (why)
		return hull_errf(e, -err, "%s: %s %s", field, path, why);
	return hull_syserr(e, -err, "%s: %s", field, path);
}

/* Each sysctl is written through the container's /proc, checked to be a
 * procfs root, and walked below it by procfs_open: no symlink, no magic
 * link, no mount crossed.  A mount placed inside /proc (refused by
 * do_mount, but raced in by a process sharing the mount namespace) or a
 * /proc of the image that is not a procfs cannot send the value elsewhere
 * (CVE-2025-52881).  Only configs with sysctls pay for it: 3 syscalls. */
static int write_sysctls(const struct spec_linux *lx, struct hull_err *e)
{
	if (!lx || !lx->n_sysctl)
		return 0;
	int root = -1, r = 0;
	for (size_t i = 0; i < lx->n_sysctl && r == 0; i++) {
		const char *k = lx->sysctl[i].key;
		char path[512], field[512];
		if (strstr(k, "..") || k[0] == '.' || k[0] == '/' || strlen(k) > 400) {
			r = hull_errf(e, EINVAL, "linux.sysctl: invalid key \"%s\"", k);
			break;
		}
		int n = snprintf(path, sizeof path, "/proc/sys/%s", k);
		/* net.ipv4.conf.eth0.x: dots become slashes (a name with a '/'
		 * would be written with '.' in sysctl(8) style; keep it simple). */
		for (char *p = path + 10; p < path + n; p++)
			if (*p == '.')
				*p = '/';
		snprintf(field, sizeof field, "linux.sysctl: %s", k);
		if (root < 0 && (root = procfs_root()) < 0) {
			r = procfs_err(e, root, field, path);
			break;
		}
		int fd = procfs_open(root, path + 6, O_WRONLY, true);
		if (fd < 0) {
			r = procfs_err(e, fd, field, path);
			break;
		}
		r = write_all(fd, lx->sysctl[i].value, strlen(lx->sysctl[i].value));
		close(fd);
		if (r < 0)
			r = hull_syserr(e, -r, "linux.sysctl: setting %s=%s", k, lx->sysctl[i].value);
	}
	if (root >= 0)
		close(root);
	return r;
}

/* What masks paths: one empty read-only tmpfs, bound onto every masked
 * directory (made on the first), and /dev/null for files. */
struct masks {
	int dir;   /* fd of the masking tmpfs, once made */
	int null;  /* O_PATH fd of /dev/null, once opened */
};

/* The /dev/null masked files are bound from: the container's, reached
 * without any symlink (O_PATH, so nothing is opened) and checked to be the
 * character device 1:3.  An image or a bind that put a symlink or another
 * file there would otherwise have that file bound over the masked path,
 * unmasking it or exposing what it points to (CVE-2025-31133). */
static int open_null(int *out)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/null", &how, sizeof how);
	if (fd < 0)
		return errno == ELOOP ? -ENODEV : -errno;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(1, 3)) {
		close(fd);
		return -ENODEV;
	}
	*out = fd;
	return 0;
}

static int mask_path(struct masks *mk, const char *path, struct hull_err *e)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : hull_syserr(e, errno, "linux.maskedPaths: %s", path);
	struct stat sb;
	int r = fstat(fd, &sb), b = -2;  /* b: the bind's fd, -1 if it failed */
	if (r == 0 && S_ISDIR(sb.st_mode) && mk->dir >= 0) {
		b = bind_onto(mk->dir, "", fd, false, NULL);
	} else if (r == 0 && S_ISDIR(sb.st_mode)) {
		r = mount_on(fd, "tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0755");
		/* (Not opened: the next directory gets a tmpfs of its own.) */
		if (r == 0)
			mk->dir = open(path, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	} else if (r == 0 && !S_ISLNK(sb.st_mode)) {
		if (mk->null < 0 && (r = open_null(&mk->null)) < 0) {
			close(fd);
			return r == -ENODEV ? hull_errf(e, ENODEV, "linux.maskedPaths: %s: /dev/null of the container "
							 "is not the null device (1:3)", path)
					    : hull_syserr(e, -r, "linux.maskedPaths: %s: /dev/null", path);
		}
		b = bind_onto(mk->null, "", fd, false, NULL);
	}
	if (b == -1)
		r = -1;
	int err = errno;
	if (b >= 0)
		close(b);
	close(fd);
	if (r < 0)
		return hull_syserr(e, err, "linux.maskedPaths: %s", path);
	return 0;
}

/* A read-only bind of path onto itself: the copy made read-only before it
 * is attached. */
static int readonly_path(const char *path, struct hull_err *e)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : hull_syserr(e, errno, "linux.readonlyPaths: %s", path);
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	int b = bind_onto(fd, "", fd, true, &a);
	int err = errno;
	close(fd);
	if (b < 0)
		return hull_syserr(e, err, "linux.readonlyPaths: %s", path);
	close(b);
	return 0;
}

int rootfs_finish(struct init_ctx *c, struct hull_err *e)
{
	const struct spec *s = c->spec;
	const struct spec_linux *lx = s->linux_;
	int r;
	if ((r = write_sysctls(lx, e)) < 0)
		return r;
	struct masks mk = { -1, -1 };
	r = 0;
	for (size_t i = 0; lx && i < lx->n_masked_paths && r == 0; i++)
		r = mask_path(&mk, lx->masked_paths[i], e);
	if (mk.dir >= 0)
		close(mk.dir);
	if (mk.null >= 0)
		close(mk.null);
	/* (mount_on may have moved the working directory: the init goes to
	 * process.cwd before anything else uses it.) */
	if (r < 0)
		return r;
	for (size_t i = 0; lx && i < lx->n_readonly_paths; i++)
		if ((r = readonly_path(lx->readonly_paths[i], e)) < 0)
			return r;
	if (c->dev_ro) {
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		int dev = root < 0 ? -errno : openat2_in_root(root, "/dev", O_PATH | O_DIRECTORY, 0);
		if (root >= 0)
			close(root);
		r = dev < 0 ? dev : syscall(SYS_mount_setattr, dev, "", AT_EMPTY_PATH, &a, sizeof a) < 0 ? -errno : 0;
		if (dev >= 0)
			close(dev);
		if (r < 0)
			return hull_syserr(e, -r, "mount /dev: making it read-only");
	}
	if (s->root->readonly) {
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
		if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &a, sizeof a) < 0)
			return hull_syserr(e, errno, "root.readonly: remounting / read-only");
	}
	return 0;
}
