/* SPDX-License-Identifier: Apache-2.0 */
/* create: the parent side of starting a container. */
#include "runtime/container.h"
#include "runtime/network.h"
#include "netns/netns.h"
#include "seccomp/seccomp.h"
#include "runtime/hooks.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/tty.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const int ns_clone_flag[SPEC_NS__COUNT] = {
	[SPEC_NS_PID] = CLONE_NEWPID, [SPEC_NS_NETWORK] = CLONE_NEWNET,
	[SPEC_NS_MOUNT] = CLONE_NEWNS, [SPEC_NS_IPC] = CLONE_NEWIPC,
	[SPEC_NS_UTS] = CLONE_NEWUTS, [SPEC_NS_USER] = CLONE_NEWUSER,
	[SPEC_NS_CGROUP] = CLONE_NEWCGROUP, [SPEC_NS_TIME] = CLONE_NEWTIME,
};

/* Whether the container has a namespace of type t of its own: a new one, or
 * one joined by path that is not hull's own (joining the host's namespace by
 * path is allowed, but then it is the host's). */
static bool ns_owned(const struct spec *s, enum spec_ns_type t)
{
	const struct spec_namespace *ns = spec_namespace_find(s, t);
	if (!ns || !ns->path)
		return ns != NULL;
	char self[64];
	struct stat a, b;
	snprintf(self, sizeof self, "/proc/self/ns/%s", t == SPEC_NS_NETWORK ? "net" : spec_ns_name(t));
	return stat(ns->path, &a) == 0 && stat(self, &b) == 0 && (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/* Every sysctl must be held by a namespace of the container's own, or the
 * write would change the host (vm.swappiness, kernel.core_pattern...). */
static int check_sysctls(const struct spec *s, const char *cfg, struct hull_err *e)
{
	for (size_t i = 0; s->linux_ && i < s->linux_->n_sysctl; i++) {
		const char *k = s->linux_->sysctl[i].key;
		int t = spec_sysctl_namespace(k);
		if (t < 0)
			return hull_errf(e, EINVAL, "%s: linux.sysctl: %s is not in a namespace of the container", cfg, k);
		if (!ns_owned(s, (enum spec_ns_type)t))
			return hull_errf(e, EINVAL, "%s: linux.sysctl: %s needs the container's own %s namespace", cfg, k,
					 spec_ns_name((enum spec_ns_type)t));
	}
	return 0;
}

/* Check the parts of the config that create needs before anything exists. */
static int check_spec(const struct spec *s, const struct create_opts *o, const char *cfg, struct hull_err *e)
{
	if (!s->root)
		return hull_errf(e, EINVAL, "%s: root: required field missing", cfg);
	if (!s->process)
		return hull_errf(e, EINVAL, "%s: process: required field missing", cfg);
	if (s->process->terminal && !o->console_socket && !o->foreground)
		return hull_errf(e, EINVAL, "%s: process.terminal is true: a detached container needs --console-socket to receive its terminal", cfg);
	if (!s->process->terminal && o->console_socket)
		return hull_errf(e, EINVAL, "--console-socket given but %s: process.terminal is false", cfg);
	char where[PATH_MAX + 32];
	snprintf(where, sizeof where, "%s: ", cfg);
	int r = process_check(s->process, where, e);
	if (r < 0)
		return r;
	if (s->vm)
		return hull_errf(e, ENOTSUP, "%s: vm: the microVM mode is not supported by this hull yet", cfg);
	if (o->no_pivot && spec_namespace_find(s, SPEC_NS_MOUNT) && spec_namespace_find(s, SPEC_NS_USER))
		return hull_errf(e, EINVAL, "--no-pivot: not with a user namespace (the host's mounts would stay in the "
				 "container's mount namespace, locked: a fresh procfs could be mounted there)");
	if (!spec_namespace_find(s, SPEC_NS_MOUNT)) {
		/* The container shares hull's mount namespace (as runc allows):
		 * what would change it for everyone is refused. */
		const struct spec_linux *lx = s->linux_;
		const char *field = !lx ? NULL : lx->n_masked_paths ? "linux.maskedPaths"
				  : lx->n_readonly_paths ? "linux.readonlyPaths"
				  : lx->rootfs_propagation ? "linux.rootfsPropagation" : NULL;
		if (field)
			return hull_errf(e, EINVAL, "%s: %s: needs a mount namespace of the container's own", cfg, field);
		if (spec_namespace_find(s, SPEC_NS_USER))
			return hull_errf(e, EINVAL, "%s: linux.namespaces: a user namespace needs a mount namespace too "
					 "(the rootfs and mounts are made in it)", cfg);
	}
	if ((s->hostname || s->domainname) && !ns_owned(s, SPEC_NS_UTS))
		return hull_errf(e, EINVAL, "%s: %s: setting it needs a uts namespace of the container's own", cfg,
				 s->hostname ? "hostname" : "domainname");
	if ((r = check_sysctls(s, cfg, e)) < 0)
		return r;
	const struct spec_namespace *tns = spec_namespace_find(s, SPEC_NS_TIME);
	if (s->linux_ && (s->linux_->time_monotonic.present || s->linux_->time_boottime.present) && (!tns || tns->path))
		return hull_errf(e, EINVAL, "%s: linux.timeOffsets: needs a new time namespace", cfg);
	const struct spec_namespace *uns = spec_namespace_find(s, SPEC_NS_USER);
	if (uns && !uns->path && s->linux_ && (!s->linux_->n_uid_mappings || !s->linux_->n_gid_mappings))
		return hull_errf(e, EINVAL, "%s: linux.uidMappings: a new user namespace needs uidMappings and gidMappings", cfg);
	if (s->linux_ && s->linux_->n_net_devices) {
		const struct spec_namespace *nns = spec_namespace_find(s, SPEC_NS_NETWORK);
		if (!nns || nns->path)
			return hull_errf(e, EINVAL, "%s: linux.netDevices: requires a new network namespace", cfg);
		return netns_devices_check(s->linux_->net_devices, s->linux_->n_net_devices, where, e);
	}
	return 0;
}

/* Open the namespaces to join and check they are of the right type. */
static int open_namespaces(const struct spec *s, struct init_ctx *c, const char *cfg, struct hull_err *e)
{
	for (int t = 0; t < SPEC_NS__COUNT; t++) {
		c->ns_fd[t] = -1;
		c->ns_new[t] = false;
	}
	for (size_t i = 0; s->linux_ && i < s->linux_->n_namespaces; i++) {
		const struct spec_namespace *ns = &s->linux_->namespaces[i];
		if (!ns->path) {
			c->ns_new[ns->type] = true;
			continue;
		}
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return hull_syserr(e, errno, "%s: linux.namespaces[%zu].path: %s", cfg, i, ns->path);
		c->ns_fd[ns->type] = fd;
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type >= 0 && type != ns_clone_flag[ns->type])
			return hull_errf(e, EINVAL, "%s: linux.namespaces[%zu].path: %s is not a %s namespace",
					 cfg, i, ns->path, spec_ns_name(ns->type));
		if (type < 0)
			return hull_syserr(e, errno, "%s: linux.namespaces[%zu].path: %s is not a namespace", cfg, i, ns->path);
	}
	return 0;
}

static void close_namespaces(struct init_ctx *c)
{
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (c->ns_fd[t] >= 0)
			close(c->ns_fd[t]);
}

static int write_idmap(pid_t pid, const char *file, const struct spec_idmap *m, size_t n, struct hull_err *e)
{
	char buf[4096], path[64];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof buf - 64; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(e, errno, "linux.%s: opening %s", strcmp(file, "uid_map") == 0 ? "uidMappings" : "gidMappings",
				   path);
	/* The map must go in one write. */
	ssize_t w = write(fd, buf, len);
	int err = errno;
	close(fd);
	if (w != (ssize_t)len)
		return hull_syserr(e, w < 0 ? err : EIO, "linux.%s: writing \"%.*s\" to %s",
				   strcmp(file, "uid_map") == 0 ? "uidMappings" : "gidMappings",
				   (int)strcspn(buf, "\n"), buf, path);
	return 0;
}

int write_pid_file(const char *path, pid_t pid, struct hull_err *e)
{
	char dir[PATH_MAX], num[24];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		*slash = 0;
		name = slash + 1;
		if (!dir[0])
			snprintf(dir, sizeof dir, "/");
	} else {
		snprintf(dir, sizeof dir, ".");
	}
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_syserr(e, errno, "pid file %s", path);
	int n = snprintf(num, sizeof num, "%d", (int)pid);
	int r = write_file_atomic(dfd, name, num, (size_t)n, 0644);
	close(dfd);
	if (r < 0)
		return hull_syserr(e, -r, "pid file %s", path);
	return 0;
}

static void init_entry(void *arg)
{
	/* A copy of its own: the init changes its context as it goes, and
	 * may share hull's memory (spawn_req.share_vm). */
	struct init_ctx c = *(const struct init_ctx *)arg;
	container_init(&c);
}

/* A single name that stays in its directory ("rootfs"; not "a/b", "." or ".."). */
static bool one_name(const char *s)
{
	return s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* How state.json will tell pid's process from a later one of the same
 * pid: its pidfd's inode, else its start time. */
static void note_process(pid_t pid, uint64_t *ino, uint64_t *start_time)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	*ino = pfd >= 0 ? pidfd_ino(pfd) : 0;
	if (pfd >= 0)
		close(pfd);
	if (!*ino)
		*start_time = proc_start_time(pid);
}

static void note_init(struct cstate *st)
{
	note_process(st->pid, &st->pid_ino, &st->start_time);
}

/* Whether `run`'s init may share hull's memory until its exec (see
 * spawn_req.share_vm).  Between the clone and that exec the two take turns
 * on the socket: hull waits from the clone until the init is ready (the init
 * moves itself into its cgroups; hull has no first word for it), the init
 * waits while hull records it, and hull's last wait ends at the init's exec.
 * Nothing the init does to its process may reach hull through the shared
 * memory either.  So not for:
 * - create: hull returns, frees and exits while the init waits for start;
 * - hooks before the exec (hull runs prestart/createRuntime/poststart
 *   while the init goes on; the init runs the others);
 * - a seccomp listener (hull passes it on while the init loads the filter);
 * - a user namespace (its helper), or a pid namespace to join (others in
 *   it could reach the init before it execs);
 * - a time namespace (the kernel lets only a process that shares its
 *   memory with no other enter one: EUSERS);
 * - systemd (its calls run beside the starting init);
 * - linux.netDevices and networks (hull wires them while the init waits);
 * - oomScoreAdj (the kernel sets it on every process sharing the memory)
 *   and memory limits (an OOM kill of the init in its cgroup would take
 *   every process sharing its memory, hull too). */
static bool share_vm_ok(const struct spec *s, const struct create_opts *o, const struct init_ctx *c, bool net)
{
	const struct spec_hooks *h = s->hooks;
	const struct spec_linux *lx = s->linux_;
	if (!o->start || o->systemd_cgroup || net)
		return false;
	if (c->ns_new[SPEC_NS_USER] || c->ns_fd[SPEC_NS_USER] >= 0 || !c->ns_new[SPEC_NS_PID] ||
	    c->ns_fd[SPEC_NS_PID] >= 0 || c->ns_new[SPEC_NS_TIME] || c->ns_fd[SPEC_NS_TIME] >= 0)
		return false;
	if (h && (h->n_prestart || h->n_create_runtime || h->n_create_container || h->n_start_container ||
		  h->n_poststart))
		return false;
	if ((c->seccomp && c->seccomp->notify) || s->process->has_oom_score_adj)
		return false;
	return !(lx && ((lx->resources && lx->resources->memory) || lx->n_net_devices));
}

int report_process(const char *pid_file, const char *pidfd_socket, pid_t pid, struct hull_err *e)
{
	int r = pid_file ? write_pid_file(pid_file, pid, e) : 0;
	if (r == 0 && pidfd_socket)
		r = send_pidfd(pidfd_socket, pid, e);
	return r;
}

int send_pidfd(const char *path, pid_t pid, struct hull_err *e)
{
	int sock = unix_connect(path);
	if (sock < 0)
		return hull_syserr(e, -sock, "--pidfd-socket %s", path);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int r = pidfd < 0 ? -errno : 0;
	if (r == 0) {
		/* Receivers read only the fd; the data part is a bare header. */
		r = sync_send(sock, 0, 0, NULL, pidfd);
		close(pidfd);
	}
	close(sock);
	return r < 0 ? hull_syserr(e, -r, "--pidfd-socket %s: sending the pidfd", path) : 0;
}

/* The spec's hooks for `phase` with the container state as stdin. */
static int run_hooks(const char *phase, const struct spec_hook *h, size_t n, const struct cstate *st,
		     enum cstatus status, struct hull_err *e)
{
	if (!n)
		return 0;
	char *json = state_oci_json(st, status, false);
	if (!json)
		return hull_errf(e, ENOMEM, "out of memory");
	int r = hooks_run(phase, h, n, json, e);
	free(json);
	return r;
}

/* Talk to the init until it is ready: run the hooks it asks for, take the
 * pty master when hull relays the terminal. */
static int await_init(int sock, const struct spec *s, const struct cstate *st, int listener, int *master,
		      struct hull_err *e)
{
	/* Static: only the bytes a message fills are ever touched (a malloc'd
	 * 64 KiB would also touch the heap's top past it). */
	static struct sync_msg msg;
	struct sync_msg *m = &msg;
	int ret;
	for (;;) {
		int fd = -1;
		if (sync_recv(sock, m, &fd) < 0) {
			ret = hull_errf(e, EPIPE, "container init exited before it was ready");
			break;
		}
		if (m->type == SYNC_MASTER && fd >= 0 && *master < 0) {
			*master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m->type == SYNC_SECCOMP) {
			char *json = state_oci_json(st, ST_CREATING, false);
			ret = json ? seccomp_handoff(sock, st->pid, m->code, listener, s->linux_->seccomp, json, e)
				   : hull_errf(e, ENOMEM, "out of memory");
			free(json);
			if (ret < 0)
				break;
			continue;
		}
		if (m->type == SYNC_SECCOMP_DONE)
			continue;
		if (m->type == SYNC_HOOKS) {
			const struct spec_hooks *h = s->hooks;
			if (h && ((ret = run_hooks("prestart", h->prestart, h->n_prestart, st, ST_CREATING, e)) < 0 ||
				  (ret = run_hooks("createRuntime", h->create_runtime, h->n_create_runtime, st,
						   ST_CREATING, e)) < 0))
				break;
			char *json = state_oci_json(st, ST_CREATING, false);
			int r = json ? sync_send(sock, SYNC_STATE, 0, json, -1) : -ENOMEM;
			free(json);
			if (r < 0) {
				ret = hull_syserr(e, -r, "container init %d: handing it the state for its hooks", (int)st->pid);
				break;
			}
			continue;
		}
		ret = m->type == SYNC_READY ? 0 : hull_errf(e, m->code, "%s", m->text);
		break;
	}
	return ret;
}

/* `run`: the init was told to start with hull's last word; it answers
 * after its startContainer hooks, then hull runs the poststart ones. */
static int start_at_once(int sock, const struct spec *s, const struct cstate *st, struct hull_err *e)
{
	if (!start_answered(s->hooks))
		return 0;
	char res[1100];
	ssize_t n;
	do
		n = recv(sock, res, sizeof res - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return hull_errf(e, ESRCH, "container \"%s\" exited before it could start", st->id);
	res[n] = 0;
	if (res[0] != '0')
		return hull_errf(e, EIO, "starting container \"%s\": %s", st->id,
				 n > 1 ? res + 1 : "the container's init failed");
	const struct spec_hooks *h = s->hooks;
	if (h && h->n_poststart) {
		int r = run_hooks("poststart", h->poststart, h->n_poststart, st, ST_RUNNING, e);
		if (r < 0) {
			/* runtime-spec 1.3: a failing poststart hook stops the container. */
			struct hull_err e2;
			cgroup_signal_all(&st->cg, SIGKILL, &e2);
			return r;
		}
	}
	log_debug("started container %s", st->id);
	return 0;
}

static bool has_child_hooks(const struct spec_hooks *h)
{
	return h && (h->n_prestart || h->n_create_runtime || h->n_create_container || h->n_start_container);
}

int container_create(const struct create_opts *o, pid_t *pidp, int *masterp, struct hull_err *e)
{
	*masterp = -1;
	int ret = state_validate_id(o->id, e);
	if (ret < 0)
		return ret;

	/* Paths on the heap, sized to fit: the stack this frame spans is
	 * touched by the init child too (each page a copy after the clone). */
	const char *b = o->bundle && *o->bundle ? o->bundle : ".";
	_cleanup_free_ char *bundle = realpath(b, NULL), *cfg = NULL, *rootfs = NULL;
	if (!bundle)
		return hull_syserr(e, errno, "bundle %s", b);
	if (!(cfg = xasprintf("%s/config.json", b)))
		return hull_errf(e, ENOMEM, "out of memory");
	struct spec *s = NULL;
	struct spec_err serr;
	ret = spec_load(cfg, cfg, &s, &serr);
	if (ret < 0)
		return hull_errf(e, -ret, "%s", serr.msg);

	struct create_opts opts = *o;
	struct init_ctx c = { .opts = &opts, .spec = s, .bundle = bundle, .sync_fd = -1, .fifo_fd = -1,
			      .console_fd = -1, .rootfd = -1, .devfd = -1 };
	struct cgroup_set cg = { .v2 = -1 };
	struct cstate st = { 0 };
	int rootfd = -1, dirfd = -1, socks[2] = { -1, -1 }, cgfd = -1, master = -1, listener = -1;
	struct sc_filter scf = { 0 };
	struct spawn_req req = { 0 };
	pid_t pid = -1;
	bool made_dir = false, made_cg = false;
	struct netns_moved *netmoved = NULL;
	struct net_setup net = { .dirfd = -1 };
	bool net_joined = false;
	char listen_fds[32], *extra_env[2];
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		c.ns_fd[t] = -1;
	for (int t = 0; t < CG_MAX_DIRS; t++)
		c.cg_tree[t] = -1;

	/* Networks (annotations, run/create's flags): the namespaces and
	 * hostname they change, before anything is checked or made. */
	if ((ret = net_prepare(s, o->net, o->store, cfg, &net, e)) < 0)
		goto out;
	if ((ret = check_spec(s, o, cfg, e)) < 0)
		goto out;
	{
		_cleanup_free_ char *tmp = s->root->path[0] == '/' ? xasprintf("%s", s->root->path)
								   : xasprintf("%s/%s", bundle, s->root->path);
		/* The usual "rootfs": one name below the bundle's real path, a
		 * real path too when it is a directory and no symlink (one lstat
		 * instead of realpath's readlink of every level). */
		const char *rp = s->root->path;
		struct stat sb;
		if (tmp && one_name(rp) && strcmp(bundle, "/") != 0 && lstat(tmp, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			rootfs = tmp;
			tmp = NULL;
		} else if (!tmp || !(rootfs = realpath(tmp, NULL))) {
			ret = tmp ? hull_syserr(e, errno, "%s: root.path: %s", cfg, tmp) : hull_errf(e, ENOMEM, "out of memory");
			goto out;
		} else if (stat(rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			ret = hull_errf(e, ENOTDIR, "%s: root.path: %s is not a directory", cfg, rootfs);
			goto out;
		}
	}
	c.rootfs = rootfs;
	c.cg = &cg;
	c.hooks_in_child = has_child_hooks(s->hooks);
	/* Socket activation as runc does it: LISTEN_FDS of hull's caller are
	 * passed on (fds 3.. before the --preserve-fds ones) and announced. */
	const char *lf = getenv("LISTEN_FDS");
	uint64_t nlisten;
	if (lf && parse_u64(lf, &nlisten) == 0 && nlisten > 0 && nlisten < 1024) {
		opts.preserve_fds += (int)nlisten;
		snprintf(listen_fds, sizeof listen_fds, "LISTEN_FDS=%d", (int)nlisten);
		extra_env[0] = listen_fds;
		extra_env[1] = "LISTEN_PID=1";
		c.extra_env = (const char *const *)extra_env;
		c.n_extra_env = 2;
	}
	if ((ret = open_namespaces(s, &c, cfg, e)) < 0)
		goto out;
	if (s->process->terminal && o->console_socket &&
	    (c.console_fd = tty_connect_console(o->console_socket, e)) < 0) {
		ret = c.console_fd;
		goto out;
	}
	char slice[256], unit[512];
	if (o->systemd_cgroup) {
		char path[1024];
		if (!systemd_booted()) {
			ret = hull_errf(e, ENOTSUP, "--systemd-cgroup: systemd is not PID 1 on this host (no /run/systemd/system)");
			goto out;
		}
		if ((ret = systemd_parse_path(s->linux_ ? s->linux_->cgroups_path : NULL, o->id, slice, sizeof slice,
					      unit, sizeof unit, e)) < 0)
			goto out;
		systemd_cgroup_path(slice, unit, path, sizeof path);
		/* (No cache of the mounts on this path: systemd makes the
		 * scope's directories, before hull could check them.) */
		if ((ret = cgroup_plan(&cg, path, o->id, NULL, e)) < 0)
			goto out;
		/* systemd owns the slices: delete removes the scope's directory only. */
		for (size_t i = 0; i < cg.n; i++) {
			free(cg.bases[i]);
			cg.bases[i] = strdup(cg.dirs[i]);
		}
		st.unit = unit;
	} else if ((ret = cgroup_plan(&cg, s->linux_ ? s->linux_->cgroups_path : NULL, o->id, o->root, e)) < 0) {
		goto out;
	}

	if ((rootfd = state_open_root(o->root, e)) < 0) {
		ret = rootfd;
		goto out;
	}
	if ((ret = container_seccomp(s, o->root, cfg, &scf, &listener, e)) < 0)
		goto out;
	c.seccomp = scf.insns ? &scf : NULL;
	if ((ret = state_create_dir(rootfd, o->id, &dirfd, e)) < 0)
		goto out;
	made_dir = true;
	/* /etc/hosts, /etc/resolv.conf... in it, bound by the init. */
	if ((ret = net_files(&net, s, dirfd, o->root, o->id, e)) < 0)
		goto out;

	/* A first record before anything else exists, so that a create
	 * killed at any later point leaves what `delete --force` needs. */
	char created[64];
	state_now(created, sizeof created);
	st.id = (char *)o->id;
	st.bundle = bundle;
	st.rootfs = rootfs;
	st.created = created;
	st.creating = true;
	st.creator = getpid();
	note_process(st.creator, &st.creator_ino, &st.creator_start);
	st.annotations = s->annotations;
	st.n_annotations = s->n_annotations;
	st.cg = cg;
	if (!init_has_mount_ns(&c) && !(st.rootfs_mnt = rootfs_mount_id(rootfs))) {
		ret = hull_syserr(e, errno, "%s: root.path: the mount of %s", cfg, rootfs);
		goto out;
	}
	if (s->hooks)
		st.hooks = (s->hooks->n_poststart ? HOOK_POSTSTART : 0) | (s->hooks->n_poststop ? HOOK_POSTSTOP : 0);
	if ((ret = state_write(dirfd, &st, e)) < 0)
		goto out;

	if (!o->systemd_cgroup) {
		ret = cgroup_create(&cg, s->linux_, false, e);
		if (ret == -ESTALE) {
			/* A cgroup mount changed since hull noted where they are:
			 * planned again from mountinfo, recorded again, made. */
			cgroup_forget_mounts(o->root);
			cgroup_set_free(&cg);
			if ((ret = cgroup_plan(&cg, s->linux_ ? s->linux_->cgroups_path : NULL, o->id, o->root, e)) < 0)
				goto out;
			st.cg = cg;
			if ((ret = state_write(dirfd, &st, e)) < 0)
				goto out;
			ret = cgroup_create(&cg, s->linux_, false, e);
		}
		if (ret < 0)
			goto out;
		made_cg = true;
		/* An init placed in a frozen cgroup would never run (and create
		 * would wait for it forever): refused, as runc does. */
		const char *fdir;
		if (cgroup_frozen_now(&cg, &fdir)) {
			ret = hull_errf(e, EBUSY, "cgroup %s is frozen: thaw it before starting a container in it", fdir);
			goto out;
		}
		/* Parents made too: delete must know to remove them. */
		if (ret == 1 && (ret = state_write(dirfd, &st, e)) < 0)
			goto out;
	}

	/* 0622: the init opens it for writing after switching to the user.
	 * `run` starts at once: no fifo, hull's word comes on the socket. */
	if (!o->start && (mkfifoat(dirfd, "exec.fifo", 0622) < 0 || fchmodat(dirfd, "exec.fifo", 0622, 0) < 0 ||
			  (c.fifo_fd = openat(dirfd, "exec.fifo", O_PATH | O_CLOEXEC)) < 0)) {
		ret = hull_syserr(e, errno, "exec fifo %s/%s/exec.fifo", o->root, o->id);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
		ret = hull_syserr(e, errno, "socketpair for the sync socket of the container init");
		goto out;
	}
	c.sync_fd = socks[1];
	/* With systemd the cgroup exists only once the scope holds the init. */
	cgfd = o->systemd_cgroup ? -1 : cgroup_v2_open(&cg);

	req = (struct spawn_req){ .cgroup_fd = cgfd, .cgroup_dir = cgfd >= 0 ? cg.dirs[cg.v2] : NULL, .pidns_fd = c.ns_fd[SPEC_NS_PID],
				  .userns_fd = c.ns_fd[SPEC_NS_USER], .report_fd = socks[1],
				  .parent_sock = socks[0], .child = init_entry, .arg = &c,
				  .v2_refused = &c.v2_join };
	c.v2_join = cgfd < 0;
	c.share_vm = req.share_vm = share_vm_ok(s, o, &c, net.join);
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		/* cgroup and time namespaces are made by the child once it sits
		 * in its cgroups / has its offsets written. */
		if (c.ns_new[t] && t != SPEC_NS_CGROUP && t != SPEC_NS_TIME)
			req.flags |= (uint64_t)ns_clone_flag[t];
	rootfs_cgroup_trees(&c, c.cg_tree);
	pid = spawn(&req, e);
	/* Only the init needs these: hull's copies go once it is born (c is
	 * only read here, the init may be copying it). */
	for (int t = 0; t < CG_MAX_DIRS; t++)
		if (c.cg_tree[t] >= 0)
			close(c.cg_tree[t]);
	if (pid < 0) {
		ret = pid;
		goto out;
	}
	close(take_fd(&socks[1]));

	const struct spec_linux *lx = s->linux_;
	if (c.ns_new[SPEC_NS_USER]) {
		if ((ret = write_idmap(pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, e)) < 0 ||
		    (ret = write_idmap(pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, e)) < 0)
			goto out;
	}
	if (o->systemd_cgroup) {
		if ((ret = systemd_start_scope(slice, unit, pid, e)) < 0)
			goto out;
		made_cg = true;
		if ((ret = cgroup_create(&cg, s->linux_, true, e)) < 0)
			goto out;
	}
	/* linux.netDevices, into the init's new network namespace while it
	 * waits: there before anything of the container runs. */
	if (lx && lx->n_net_devices) {
		char nspath[64], where[PATH_MAX + 32];
		snprintf(nspath, sizeof nspath, "/proc/%d/ns/net", (int)pid);
		snprintf(where, sizeof where, "%s: ", cfg);
		int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
		ret = nsfd < 0 ? hull_syserr(e, errno, "%s", nspath)
			       : netns_devices_move(lx->net_devices, lx->n_net_devices, nsfd, &netmoved, where, e);
		if (nsfd >= 0)
			close(nsfd);
		if (ret < 0)
			goto out;
	}
	/* Its networks, wired while it waits: leases, veths, routes, ports. */
	if (net.join) {
		if ((ret = net_join(&net, o->id, pid, e)) < 0)
			goto out;
		net_joined = true;
	}
	/* Not written down yet: until hull's last word below, the init
	 * exits by itself when hull dies (its end of the socket closes),
	 * and what it may leave behind is in the cgroups the first record
	 * names. */
	st.pid = pid;
	char go = 'G';
	if (!req.share_vm) {
		/* Moved in before it runs a line of its own (a no-op where it
		 * was born there), then told to go on. */
		if ((ret = cgroup_enter(&cg, pid, !c.v2_join, e)) < 0)
			goto out;
		note_init(&st);
		if (send(socks[0], &go, 1, MSG_NOSIGNAL) != 1) {
			ret = hull_syserr(e, errno, "container init %d: sending it on over its sync socket", (int)pid);
			goto out;
		}
	}
	/* (An init sharing hull's memory moved itself in and did not wait:
	 * hull runs nothing beside it, and takes note of it once it is ready.) */
	if ((ret = await_init(socks[0], s, &st, listener, &master, e)) < 0)
		goto out;
	if (req.share_vm)
		note_init(&st);
	st.creating = false;
	st.creator = 0;
	if ((ret = state_write(dirfd, &st, e)) < 0)
		goto out;
	if ((ret = report_process(o->pid_file, o->pidfd_socket, pid, e)) < 0)
		goto out;
	/* Recorded: the init may now outlive hull. */
	if (send(socks[0], &go, 1, MSG_NOSIGNAL) != 1) {
		ret = hull_syserr(e, errno, "container init %d: sending it on over its sync socket", (int)pid);
		goto out;
	}
	if (req.share_vm) {
		/* It reads hull's memory until its exec, which closes its end
		 * of the socket (or until it fails and exits): nothing here is
		 * freed or reused before. */
		char ch;
		ssize_t n;
		while ((n = recv(socks[0], &ch, 1, 0)) > 0 || (n < 0 && errno == EINTR))
			;
		spawn_release(&req, false);
	}
	*pidp = pid;
	*masterp = take_fd(&master);
	log_debug("created container %s, init pid %d", o->id, (int)pid);
	ret = 0;
	if (o->start && (ret = start_at_once(socks[0], s, &st, e)) < 0) {
		/* Failed as a `start` fails: the container is there for the
		 * caller's delete (poststop hooks and all), not undone here. */
		made_cg = made_dir = false;
		pid = -1;
	}
	if (ret == 0 && o->keep && !o->systemd_cgroup && !(s->hooks && s->hooks->n_poststop) && !st.rootfs_mnt && !net.n_nets &&
	    flock(dirfd, LOCK_UN) == 0) {
		/* For run's delete (container_reap): the directory, unlocked
		 * while the container runs, and the cgroups as recorded, with
		 * the fds of their directories (no walks down their paths). */
		struct run_keep *k = o->keep;
		k->rootfd = take_fd(&rootfd);
		k->dirfd = take_fd(&dirfd);
		k->cg = cg;
		cg = (struct cgroup_set){ .v2 = -1 };
		k->ok = true;
	}
out:
	if (ret < 0) {
		if (pid > 0) {
			/* Back to the host before the namespace goes (a virtual
			 * interface would go with it). */
			struct hull_err e2;
			if (netns_devices_return(take_ptr(&netmoved), &e2) < 0)
				log_warn("cleanup: %s", e2.msg);
			if (net_joined)
				net_undo(&net, o->id);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		spawn_release(&req, true);
		int ur = st.rootfs_mnt ? rootfs_unstack(rootfs, st.rootfs_mnt) : 0;
		if (ur < 0)
			log_warn("cleanup: unmounting the rootfs %s: %s", rootfs, strerror(-ur));
		if (made_cg) {
			struct hull_err e2;
			if (cgroup_destroy(&cg, &e2) < 0)
				log_warn("cleanup: %s", e2.msg);
			if (o->systemd_cgroup && systemd_stop_unit(unit, &e2) < 0)
				log_warn("cleanup: %s", e2.msg);
		}
		if (made_dir)
			state_remove_dir(rootfd, dirfd, o->id);
	}
	if (master >= 0)
		close(master);
	if (c.console_fd >= 0)
		close(c.console_fd);
	if (listener >= 0)
		close(listener);
	sc_filter_free(&scf);
	if (socks[0] >= 0)
		close(socks[0]);
	if (socks[1] >= 0)
		close(socks[1]);
	if (cgfd >= 0)
		close(cgfd);
	if (c.fifo_fd >= 0)
		close(c.fifo_fd);
	if (dirfd >= 0)
		close(dirfd);
	if (rootfd >= 0)
		close(rootfd);
	close_namespaces(&c);
	netns_moved_free(netmoved);
	cgroup_set_free(&cg);
	spec_free(s);
	net_setup_free(&net);
	return ret;
}
