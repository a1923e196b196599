/* SPDX-License-Identifier: Apache-2.0 */
/* The init child: runs inside the new namespaces, prepares the container and
 * execs the user's program.  Errors go to the parent over the sync socket
 * (the parent prints them); nothing here writes to the caller's stdio. */
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/tty.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static __attribute__((noreturn)) void init_fail(struct init_ctx *c, const struct hull_err *e)
{
	sync_send(c->sync_fd, SYNC_ERROR, e->code, e->msg, -1);
	_exit(1);
}

/* Close every fd the container must not see: all but stdio, the preserved
 * ones and the few this child still needs (all of those are O_CLOEXEC). */
static void close_inherited_fds(struct init_ctx *c)
{
	int keep[SPEC_NS__COUNT + CG_MAX_DIRS + 3], n = 0;
	keep[n++] = c->sync_fd;
	keep[n++] = c->fifo_fd;
	keep[n++] = c->console_fd;
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		keep[n++] = c->ns_fd[t];
	for (int t = 0; t < CG_MAX_DIRS; t++)
		keep[n++] = c->cg_tree[t];
	close_fds_except(c->opts->preserve_fds, keep, n);
}

static int join_namespaces(struct init_ctx *c, struct hull_err *e)
{
	static const int order[] = { SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_NETWORK, SPEC_NS_CGROUP,
				     SPEC_NS_TIME, SPEC_NS_MOUNT };
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		int t = order[i];
		if (c->ns_fd[t] < 0)
			continue;
		if (setns(c->ns_fd[t], 0) < 0) {
			const struct spec_namespace *ns = spec_namespace_find(c->spec, t);
			return hull_syserr(e, errno, "linux.namespaces: joining the %s namespace %s", spec_ns_name(t),
					   ns && ns->path ? ns->path : "");
		}
		close(c->ns_fd[t]);
		c->ns_fd[t] = -1;
	}
	return 0;
}

static int setup_time_ns(struct init_ctx *c, struct hull_err *e)
{
	const struct spec_linux *lx = c->spec->linux_;
	if (unshare(CLONE_NEWTIME) < 0)
		return hull_syserr(e, errno, "linux.namespaces: creating a time namespace (unshare)");
	char buf[128];
	int n = 0;
	if (lx && lx->time_monotonic.present)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %lld %u\n",
			      (long long)lx->time_monotonic.secs, lx->time_monotonic.nanosecs);
	if (lx && lx->time_boottime.present)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %lld %u\n",
			      (long long)lx->time_boottime.secs, lx->time_boottime.nanosecs);
	if (n > 0) {
		int r = write_file("/proc/self/timens_offsets", buf);
		if (r < 0)
			return hull_syserr(e, -r, "linux.timeOffsets: writing \"%.*s\"", n - 1, buf);
	}
	/* The new time namespace is for children; enter it ourselves. */
	int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return hull_syserr(e, err, "linux.namespaces: entering the new time namespace (/proc/self/ns/time_for_children)");
	}
	close(fd);
	return 0;
}

int container_pty(int devfd, int *master, int *slave, char *name, size_t cap, struct hull_err *e)
{
	_cleanup_close_ int own = -1;
	if (devfd < 0) {
		_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		devfd = own = root < 0 ? -errno : rootfs_open_dev(root, false);
		if (own < 0)
			return own == -ELOOP ? hull_errf(e, ELOOP, "process.terminal: /dev of the container is a symlink")
					     : hull_syserr(e, -own, "process.terminal: /dev of the container");
	}
	/* ptmx is usually a symlink to pts/ptmx: followed, but only beneath
	 * /dev, and what it opened must be the multiplexer. */
	struct open_how how = { .flags = O_RDWR | O_NOCTTY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int m = (int)syscall(SYS_openat2, devfd, "ptmx", &how, sizeof how);
	if (m < 0)
		return hull_syserr(e, errno, "process.terminal: opening /dev/ptmx in the container");
	struct stat sb;
	if (fstat(m, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(5, 2)) {
		close(m);
		return hull_errf(e, ENOTTY, "process.terminal: /dev/ptmx of the container is not the pty multiplexer (5:2)");
	}
	int unlock = 0;
	unsigned n = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
		int err = errno;
		close(m);
		return hull_syserr(e, err, "process.terminal: unlocking the pty");
	}
	/* Opened through the master, so a /dev/pts swapped by the container
	 * cannot hand us another file. */
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int err = errno;
		close(m);
		return hull_syserr(e, err, "process.terminal: opening the pty slave");
	}
	snprintf(name, cap, "/dev/pts/%u", n);
	*master = m;
	*slave = s;
	return 0;
}

int container_take_tty(int slave, struct hull_err *e)
{
	if (setsid() < 0 && errno != EPERM)
		return hull_syserr(e, errno, "process.terminal: setsid (a session for the pty)");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return hull_syserr(e, errno, "process.terminal: making the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return hull_syserr(e, errno, "process.terminal: dup2 of the pty onto fd %d", fd);
	if (slave > 2)
		close(slave);
	return 0;
}

/* The init's terminal: a pty in the container, its slave also bound on
 * /dev/console, the master handed to the console socket or to hull. */
static int setup_terminal(struct init_ctx *c, struct hull_err *e)
{
	const struct spec_process *p = c->spec->process;
	int master, slave, r;
	char name[64];
	if ((r = container_pty(c->devfd, &master, &slave, name, sizeof name, e)) < 0)
		return r;
	if (p->has_console_size)
		tty_set_size(master, p->console_height, p->console_width);
	/* Relayed by hull: our stdin is still the caller's terminal, whose
	 * size the program must see from its first instruction. */
	if (c->console_fd < 0)
		tty_copy_size(0, master);
	/* The user owns the pty; its group stays the one devpts gave it (the
	 * mount's gid= option, the tty group 5 in the usual config, with its
	 * mode= 0620), as with runc and on any Linux system. */
	if (fchown(slave, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM) {
		r = hull_syserr(e, errno, "process.terminal: chown of %s", name);
		goto out;
	}
	/* The target: made by hull in the /dev it holds an fd of (an empty
	 * file, as runc), or a node already there, never through a symlink
	 * (CVE-2025-52565). */
	int cfd = openat(c->devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0 && errno == ENOENT) {
		cfd = openat(c->devfd, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (cfd >= 0) {
			close(cfd);
			cfd = openat(c->devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
	}
	struct stat sb;
	if (cfd >= 0 && (fstat(cfd, &sb) < 0 || !(S_ISREG(sb.st_mode) || S_ISCHR(sb.st_mode)))) {
		bool link = S_ISLNK(sb.st_mode);
		close(cfd);
		r = hull_errf(e, ELOOP, "process.terminal: /dev/console of the container is %s",
			      link ? "a symlink" : "neither a file nor a device");
		goto out;
	}
	/* Bound by fd (open_tree + move_mount): no /proc/self/fd magic link
	 * of the container's /proc on the way, which need not be a procfs
	 * (issue 22). */
	int t = cfd < 0 ? -1 : (int)syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (t < 0 || syscall(SYS_move_mount, t, "", cfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		r = hull_syserr(e, errno, "process.terminal: binding %s on /dev/console", name);
		if (t >= 0)
			close(t);
		if (cfd >= 0)
			close(cfd);
		goto out;
	}
	close(t);
	close(cfd);
	if (c->console_fd >= 0) {
		r = tty_send_fd(c->console_fd, master, name, e);
		close(c->console_fd);
		c->console_fd = -1;
	} else {
		r = sync_send(c->sync_fd, SYNC_MASTER, 0, NULL, master);
		if (r < 0)
			hull_syserr(e, -r, "process.terminal: handing the pty to hull");
	}
	if (r < 0)
		goto out;
	r = container_take_tty(slave, e);
	slave = -1;
out:
	close(master);
	if (slave >= 0)
		close(slave);
	return r;
}

/* Hooks that run here: ask hull to run prestart/createRuntime (its own
 * namespaces), then run createContainer in ours, before pivot_root.  Returns
 * the state JSON for startContainer in *state (malloc'd). */
static int early_hooks(struct init_ctx *c, char **state, struct hull_err *e)
{
	struct sync_msg *m = malloc(sizeof *m);
	if (!m)
		return hull_errf(e, ENOMEM, "out of memory");
	int r = sync_send(c->sync_fd, SYNC_HOOKS, 0, NULL, -1);
	if (r == 0)
		r = sync_recv(c->sync_fd, m, NULL);
	if (r < 0 || m->type != SYNC_STATE) {
		free(m);
		_exit(1);   /* hull failed the hooks and says why */
	}
	const struct spec_hooks *h = c->spec->hooks;
	r = h ? hooks_run("createContainer", h->create_container, h->n_create_container, m->text, e) : 0;
	*state = r < 0 ? NULL : strdup(m->text);
	free(m);
	return r;
}

/* Wait for `start` (its read end of the exec fifo; for `run`, hull's word
 * on the sync socket came already), run the startContainer hooks, and
 * answer on the same channel: "0", or "1" and why. */
static void wait_for_start(struct init_ctx *c, const char *state)
{
	int fd = c->sync_fd;
	if (c->fifo_fd >= 0) {
		char fifo[64];
		snprintf(fifo, sizeof fifo, "/proc/self/fd/%d", c->fifo_fd);
		fd = open(fifo, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			char msg[PATH_MAX + 128];
			int n = snprintf(msg, sizeof msg, "hull: container init: exec fifo %s/%s/exec.fifo: %s\n",
					 c->opts->root, c->opts->id, strerror(errno));
			write_all(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
			_exit(127);
		}
		close(c->fifo_fd);
	}
	struct hull_err e = { 0 };
	const struct spec_hooks *h = c->spec->hooks;
	if (h && h->n_start_container &&
	    hooks_run("startContainer", h->start_container, h->n_start_container, state ? state : "{}", &e) < 0) {
		/* One write: on the socket, one message. */
		char msg[sizeof e.msg + 1];
		int n = snprintf(msg, sizeof msg, "1%s", e.msg);
		write_all(fd, msg, (size_t)n);
		_exit(1);
	}
	if ((c->fifo_fd >= 0 || start_answered(h)) && write(fd, "0", 1) != 1)
		_exit(127);
	/* Sharing hull's memory, the socket stays open until the exec closes
	 * it (close-on-exec): that is hull's sign the memory is its own again. */
	if (!c->share_vm)
		close(fd);
}

void container_init(struct init_ctx *c)
{
	struct hull_err e = { 0 };
	const struct spec *s = c->spec;
	const struct spec_process *p = s->process;
	bool userns = c->ns_new[SPEC_NS_USER] || c->ns_fd[SPEC_NS_USER] >= 0;
	char go, *state = NULL;

	/* Signals were blocked by `run`, some may be ignored by hull's caller:
	 * the program starts with a clean slate. */
	reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Until its exec this process is the hull binary: keep /proc/PID of it
	 * out of reach of the container's processes. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (c->share_vm && cgroup_enter(c->cg, 0, !c->v2_join, &e) < 0) {
		/* Sharing hull's memory, it has no first word from hull (which
		 * runs nothing until it is ready): it moves itself in. */
		init_fail(c, &e);
	}
	close_inherited_fds(c);

	if (!c->share_vm && recv(c->sync_fd, &go, 1, 0) != 1)
		_exit(1);
	/* The parent's death is seen on the socket from here on (the death
	 * signal would not survive the switch to the container's user). */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

	if (userns) {
		if (rootfs_open_bind_sources(c, &e) < 0)
			init_fail(c, &e);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			hull_syserr(&e, errno, "linux.uidMappings: becoming root in the user namespace (is container ID 0 mapped?)");
			init_fail(c, &e);
		}
		/* Our /proc files must be ours (the mapped root's) to write
		 * timens_offsets and oom_score_adj; caps keep others out until
		 * process_become_user makes us undumpable again. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	}
	if (join_namespaces(c, &e) < 0)
		init_fail(c, &e);
	if (c->ns_new[SPEC_NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0) {
		hull_syserr(&e, errno, "linux.namespaces: creating a cgroup namespace (unshare)");
		init_fail(c, &e);
	}
	if (c->ns_new[SPEC_NS_TIME] && setup_time_ns(c, &e) < 0)
		init_fail(c, &e);
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		hull_syserr(&e, errno, "hostname \"%s\"", s->hostname);
		init_fail(c, &e);
	}
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		hull_syserr(&e, errno, "domainname \"%s\"", s->domainname);
		init_fail(c, &e);
	}
	umask(0);
	if (rootfs_mount(c, &e) < 0)
		init_fail(c, &e);
	if (c->hooks_in_child && early_hooks(c, &state, &e) < 0)
		init_fail(c, &e);
	/* Before pivot_root: the pty and the console through the fd of /dev. */
	if (p->terminal && setup_terminal(c, &e) < 0)
		init_fail(c, &e);
	if (rootfs_pivot(c, &e) < 0)
		init_fail(c, &e);
	if (rootfs_finish(c, &e) < 0)
		init_fail(c, &e);

	if (process_apply_attrs(p, s->linux_, &e) < 0)
		init_fail(c, &e);
	/* A session keyring of its own, so containers do not share the host's keys. */
	if (!c->opts->no_new_keyring && syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, c->opts->id) < 0 &&
	    errno != ENOSYS) {
		hull_syserr(&e, errno, "joining a new session keyring");
		init_fail(c, &e);
	}
	struct proc_seccomp ps = { .filter = c->seccomp, .sync_fd = c->sync_fd };
	bool in_cwd = false;
	if (process_enter_cwd(p, false, &in_cwd, &e) < 0 || process_become_user(p, &ps, &e) < 0 ||
	    process_enter_cwd(p, true, &in_cwd, &e) < 0)
		init_fail(c, &e);
	struct proc_plan plan;
	if (process_plan(p, c->extra_env, c->n_extra_env, c->seccomp != NULL, &plan, &e) < 0)
		init_fail(c, &e);
	/* A listener must reach hull before create returns. */
	if (c->seccomp && c->seccomp->notify && process_seccomp_load(&ps, &e) < 0)
		init_fail(c, &e);

	/* Until hull has recorded the container, its death is ours. */
	char ok;
	if (sync_send(c->sync_fd, SYNC_READY, 0, NULL, -1) < 0 || recv(c->sync_fd, &ok, 1, 0) != 1)
		_exit(1);
	if (c->fifo_fd >= 0)
		close(c->sync_fd);

	wait_for_start(c, state);
	/* Otherwise the filter goes in last: only the exec follows it. */
	if (process_seccomp_load(&ps, &e) < 0) {
		dprintf(2, "hull: %s\n", e.msg);
		_exit(127);
	}
	process_exec(&plan);
}
