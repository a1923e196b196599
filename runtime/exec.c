/* SPDX-License-Identifier: Apache-2.0 */
/* exec: start a process inside a running container, and ps. */
#include "runtime/container.h"
#include "seccomp/seccomp.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/tty.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* /proc/PID/ns/<name> of each namespace type. */
static const char *const ns_proc_name[SPEC_NS__COUNT] = {
	[SPEC_NS_PID] = "pid", [SPEC_NS_NETWORK] = "net", [SPEC_NS_MOUNT] = "mnt",
	[SPEC_NS_IPC] = "ipc", [SPEC_NS_UTS] = "uts", [SPEC_NS_USER] = "user",
	[SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

struct exec_child {
	const struct exec_opts *o;
	const struct spec_process *p;
	const struct spec_linux *lx;
	int sync_fd;
	int console_fd;
	int ns_fd[SPEC_NS__COUNT];
	int root_fd;     /* no mount namespace in the config: the init's root, to chroot to */
	const struct sc_filter *seccomp;
};

static __attribute__((noreturn)) void exec_fail(struct exec_child *x, const struct hull_err *e)
{
	sync_send(x->sync_fd, SYNC_ERROR, e->code, e->msg, -1);
	_exit(1);
}

static void exec_child_main(void *arg)
{
	struct exec_child *x = arg;
	const struct spec_process *p = x->p;
	struct hull_err e = { 0 };
	bool userns = x->ns_fd[SPEC_NS_USER] >= 0;
	char go;

	reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Nothing of hull's but what this child needs (all O_CLOEXEC). */
	int keep[SPEC_NS__COUNT + 3], n = 0;
	keep[n++] = x->sync_fd;
	keep[n++] = x->root_fd;
	keep[n++] = x->console_fd;
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		keep[n++] = x->ns_fd[t];
	close_fds_except(x->o->preserve_fds, keep, n);
	if (recv(x->sync_fd, &go, 1, 0) != 1)
		_exit(1);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (userns) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			hull_syserr(&e, errno, "becoming root in the container's user namespace");
			exec_fail(x, &e);
		}
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	}
	/* The mount namespace last: joining it moves us into the container's root. */
	static const int order[] = { SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_NETWORK, SPEC_NS_CGROUP,
				     SPEC_NS_TIME, SPEC_NS_MOUNT };
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		int t = order[i];
		if (x->ns_fd[t] >= 0 && setns(x->ns_fd[t], 0) < 0) {
			hull_syserr(&e, errno, "joining the container's %s namespace", spec_ns_name(t));
			exec_fail(x, &e);
		}
	}
	/* A container in hull's mount namespace lives in a chroot. */
	if (x->root_fd >= 0 && (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
		hull_syserr(&e, errno, "entering the container's root");
		exec_fail(x, &e);
	}
	if (p->terminal) {
		int master, slave;
		char name[64];
		if (container_pty(-1, &master, &slave, name, sizeof name, &e) < 0)
			exec_fail(x, &e);
		if (p->has_console_size)
			tty_set_size(master, p->console_height, p->console_width);
		if (x->console_fd < 0)
			tty_copy_size(0, master);
		/* The user's, in devpts' group (see setup_terminal in init.c). */
		if (fchown(slave, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM) {
			hull_syserr(&e, errno, "process.terminal: chown of %s", name);
			exec_fail(x, &e);
		}
		int r;
		if (x->console_fd >= 0) {
			r = tty_send_fd(x->console_fd, master, name, &e);
		} else {
			if ((r = sync_send(x->sync_fd, SYNC_MASTER, 0, NULL, master)) < 0)
				hull_syserr(&e, -r, "process.terminal: handing the pty to hull");
		}
		close(master);
		if (r < 0 || container_take_tty(slave, &e) < 0)
			exec_fail(x, &e);
	}
	struct proc_seccomp ps = { .filter = x->seccomp, .sync_fd = x->sync_fd };
	bool in_cwd = false;
	if (process_apply_attrs(p, x->lx, &e) < 0 || process_enter_cwd(p, false, &in_cwd, &e) < 0 ||
	    process_become_user(p, &ps, &e) < 0 || process_enter_cwd(p, true, &in_cwd, &e) < 0)
		exec_fail(x, &e);
	struct proc_plan plan;
	if (process_plan(p, NULL, 0, x->seccomp != NULL, &plan, &e) < 0 || process_seccomp_load(&ps, &e) < 0)
		exec_fail(x, &e);
	/* The sync socket closes at the exec (O_CLOEXEC): that EOF tells hull
	 * the program really runs. */
	process_exec(&plan);
}

/* The process to run: --process FILE as it is, or the container's process
 * with the command line's args and overrides.  Allocations go into *mem. */
struct exec_mem {
	void *ptrs[16];
	size_t n;
	void *spec_mem;
};

static void *mem_keep(struct exec_mem *m, void *p)
{
	if (p && m->n < sizeof m->ptrs / sizeof *m->ptrs)
		m->ptrs[m->n++] = p;
	return p;
}

static void mem_free(struct exec_mem *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->ptrs[i]);
	if (m->spec_mem)
		spec_process_free(m->spec_mem);
}

/* Append each of add to the capability list (set), skipping duplicates. */
static int caps_add(const char ***set, size_t *n, bool *has, const char *const *add, size_t nadd, struct exec_mem *m)
{
	const char **out = mem_keep(m, calloc(*n + nadd + 1, sizeof *out));
	if (!out)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		out[k++] = (*set)[i];
	for (size_t i = 0; i < nadd; i++) {
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(out[j], add[i]) == 0;
		if (!dup)
			out[k++] = add[i];
	}
	*set = out;
	*n = k;
	*has = true;
	return 0;
}

static int build_process(const struct exec_opts *o, const struct spec_process *base, struct spec_process *p,
			 struct spec_capabilities *caps, struct exec_mem *m, struct hull_err *e)
{
	if (o->process_file) {
		char *buf = NULL;
		size_t len;
		int r = read_file(o->process_file, &buf, &len);
		if (r < 0)
			return hull_syserr(e, -r, "--process %s", o->process_file);
		struct spec_process *fp = NULL;
		struct spec_err serr;
		r = spec_process_parse(buf, len, o->process_file, &fp, &m->spec_mem, &serr);
		free(buf);
		if (r < 0)
			return hull_errf(e, -r, "%s", serr.msg);
		*p = *fp;
		/* runc's fallback: a document without "capabilities" gets the
		 * container's (with the object, every set it leaves out is empty). */
		if (!p->capabilities && base)
			p->capabilities = base->capabilities;
		return 0;
	}
	*p = *base;
	if (!o->n_args)
		return hull_errf(e, EINVAL, "exec: no command given (usage: hull exec ID COMMAND [ARGS...])");
	p->args = (const char **)o->args;
	p->n_args = o->n_args;
	p->terminal = o->tty;
	if (o->cwd)
		p->cwd = o->cwd;
	if (o->n_env) {
		const char **env = mem_keep(m, calloc(p->n_env + o->n_env + 1, sizeof *env));
		if (!env)
			return hull_errf(e, ENOMEM, "out of memory");
		size_t k = 0;
		for (size_t i = 0; i < p->n_env; i++)
			env[k++] = p->env[i];
		for (size_t i = 0; i < o->n_env; i++) {
			const char *kv = o->env[i];
			size_t kl = strcspn(kv, "=");
			if (!kl || !kv[kl])
				return hull_errf(e, EINVAL, "--env \"%s\": expected KEY=VALUE", kv);
			size_t j = 0;
			while (j < k && !(strncmp(env[j], kv, kl) == 0 && env[j][kl] == '='))
				j++;
			env[j] = kv;
			if (j == k)
				k++;
		}
		p->env = env;
		p->n_env = k;
	}
	if (o->user) {
		char *end;
		unsigned long uid = strtoul(o->user, &end, 10), gid = p->user.gid;
		if (end == o->user || (*end && *end != ':'))
			return hull_errf(e, EINVAL, "--user \"%s\": expected UID[:GID]", o->user);
		if (*end == ':') {
			const char *g = end + 1;
			gid = strtoul(g, &end, 10);
			if (end == g || *end)
				return hull_errf(e, EINVAL, "--user \"%s\": expected UID[:GID]", o->user);
		}
		p->user.uid = (uint32_t)uid;
		p->user.gid = (uint32_t)gid;
	}
	if (o->n_add_gids) {
		uint32_t *g = mem_keep(m, calloc(o->n_add_gids, sizeof *g));
		if (!g)
			return hull_errf(e, ENOMEM, "out of memory");
		for (size_t i = 0; i < o->n_add_gids; i++) {
			uint64_t v;
			if (parse_u64(o->add_gids[i], &v) < 0 || v > UINT32_MAX)
				return hull_errf(e, EINVAL, "--additional-gids \"%s\": not a group ID", o->add_gids[i]);
			g[i] = (uint32_t)v;
		}
		p->user.additional_gids = g;
		p->user.n_additional_gids = o->n_add_gids;
	}
	if (o->n_caps) {
		/* runc: --cap adds to every set. */
		*caps = base->capabilities ? *base->capabilities : (struct spec_capabilities){ 0 };
		if (caps_add(&caps->bounding, &caps->n_bounding, &caps->has_bounding, o->caps, o->n_caps, m) < 0 ||
		    caps_add(&caps->effective, &caps->n_effective, &caps->has_effective, o->caps, o->n_caps, m) < 0 ||
		    caps_add(&caps->permitted, &caps->n_permitted, &caps->has_permitted, o->caps, o->n_caps, m) < 0 ||
		    caps_add(&caps->inheritable, &caps->n_inheritable, &caps->has_inheritable, o->caps, o->n_caps, m) < 0 ||
		    caps_add(&caps->ambient, &caps->n_ambient, &caps->has_ambient, o->caps, o->n_caps, m) < 0)
			return hull_errf(e, ENOMEM, "out of memory");
		p->capabilities = caps;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->apparmor)
		p->apparmor_profile = o->apparmor;
	if (o->process_label)
		p->selinux_label = o->process_label;
	return 0;
}

/* The container's cgroup dirs, or their sub-cgroup named by --cgroup
 * ("path", or "ctrl[,ctrl]:path" for some hierarchies only). */
static int exec_cgroups(const struct cgroup_set *cg, const char *spec_, struct cgroup_set *out, struct hull_err *e)
{
	*out = *cg;
	out->n = 0;
	for (size_t i = 0; i < cg->n; i++) {
		const char *sub = NULL;
		if (spec_) {
			const char *colon = strchr(spec_, ':');
			sub = colon ? colon + 1 : spec_;
			if (colon) {
				char ctrls[128];
				snprintf(ctrls, sizeof ctrls, "%.*s", (int)(colon - spec_), spec_);
				bool match = false;
				char *save;
				for (char *t = strtok_r(ctrls, ",", &save); t; t = strtok_r(NULL, ",", &save))
					match |= (cg->ctrls[i][0] ? strstr(cg->ctrls[i], t) != NULL : strcmp(t, "unified") == 0);
				if (!match)
					sub = NULL;
			}
			if (sub && (strstr(sub, "..") || sub[0] == '/'))
				return hull_errf(e, EINVAL, "--cgroup \"%s\": must be a relative path inside the container's cgroup", spec_);
		}
		char *dir = sub ? xasprintf("%s/%s", cg->dirs[i], sub) : strdup(cg->dirs[i]);
		struct stat sb;
		if (!dir)
			return hull_errf(e, ENOMEM, "out of memory");
		if (sub && stat(dir, &sb) < 0) {
			int err = errno;
			free(dir);
			return hull_syserr(e, err, "--cgroup: sub-cgroup %s", sub);
		}
		out->dirs[out->n] = dir;
		out->bases[out->n] = cg->bases[i];
		out->ctrls[out->n] = cg->ctrls[i];
		out->n++;
	}
	return 0;
}

int container_exec(const struct exec_opts *o, const sigset_t *fwd, int *status, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cstate st;
	int ret = container_open(o->root, o->id, 0, &rootfd, &dirfd, &st, e);
	if (ret < 0)
		return ret;
	struct spec *s = NULL;
	struct exec_mem mem = { .n = 0 };
	struct exec_child x = { .o = o, .sync_fd = -1, .console_fd = -1, .root_fd = -1 };
	struct spec_process proc;
	struct spec_capabilities caps;
	struct cgroup_set cg = { .n = 0 };
	int socks[2] = { -1, -1 }, cgfd = -1, master = -1, listener = -1;
	struct sc_filter scf = { 0 };
	pid_t pid = -1;
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		x.ns_fd[t] = -1;

	enum cstatus status_now = state_status(dirfd, &st);
	if (status_now == ST_STOPPED || status_now == ST_CREATING) {
		ret = hull_errf(e, EINVAL, "cannot exec in container \"%s\": it is %s", o->id, state_status_name(status_now));
		goto out;
	}
	if (status_now == ST_PAUSED && !o->ignore_paused) {
		ret = hull_errf(e, EINVAL, "cannot exec in container \"%s\": it is paused (use --ignore-paused)", o->id);
		goto out;
	}
	if ((ret = container_config(&st, &s, e)) < 0)
		goto out;
	if (!s->process) {
		ret = hull_errf(e, EINVAL, "%s/config.json: process: required field missing", st.bundle);
		goto out;
	}
	if ((ret = build_process(o, s->process, &proc, &caps, &mem, e)) < 0 ||
	    (ret = process_check(&proc, "", e)) < 0)
		goto out;
	if (proc.terminal && !o->console_socket && o->detach) {
		ret = hull_errf(e, EINVAL, "exec: --tty with --detach needs --console-socket");
		goto out;
	}
	x.p = &proc;
	x.lx = s->linux_;
	{
		char cfg[PATH_MAX + 16];
		snprintf(cfg, sizeof cfg, "%s/config.json", st.bundle);
		if ((ret = container_seccomp(s, o->root, cfg, &scf, &listener, e)) < 0)
			goto out;
		x.seccomp = scf.insns ? &scf : NULL;
	}

	/* The container's namespaces, through its init. */
	for (size_t i = 0; s->linux_ && i < s->linux_->n_namespaces; i++) {
		enum spec_ns_type t = s->linux_->namespaces[i].type;
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)st.pid, ns_proc_name[t]);
		if ((x.ns_fd[t] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			ret = hull_syserr(e, errno, "container \"%s\": %s", o->id, path);
			goto out;
		}
	}
	if (!spec_namespace_find(s, SPEC_NS_MOUNT)) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/root", (int)st.pid);
		if ((x.root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			ret = hull_syserr(e, errno, "container \"%s\": %s", o->id, path);
			goto out;
		}
	}
	/* The namespaces opened above must be the init's: it must still be
	 * the process recorded. */
	int chk = proc_pidfd(st.pid, st.pid_ino, st.start_time, false);
	if (chk < 0) {
		ret = hull_errf(e, ESRCH, "cannot exec in container \"%s\": it is stopped", o->id);
		goto out;
	}
	close(chk);
	if (!proc.terminal && o->console_socket) {
		ret = hull_errf(e, EINVAL, "exec: --console-socket needs a terminal (--tty)");
		goto out;
	}
	if (proc.terminal && o->console_socket && (x.console_fd = tty_connect_console(o->console_socket, e)) < 0) {
		ret = x.console_fd;
		goto out;
	}
	if ((ret = exec_cgroups(&st.cg, o->cgroup, &cg, e)) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
		ret = hull_syserr(e, errno, "socketpair");
		goto out;
	}
	x.sync_fd = socks[1];
	cgfd = cgroup_v2_open(&cg);
	if (proc.exec_cpu_affinity && proc.exec_cpu_affinity->initial) {
		/* runtime-spec: the affinity of the runtime's process as it
		 * joins the container; inherited by the child. */
		cpu_set_t set;
		parse_id_list(proc.exec_cpu_affinity->initial, (unsigned long *)&set, CPU_SETSIZE);
		sched_setaffinity(0, sizeof set, &set);
	}
	bool v2_refused = false;
	struct spawn_req req = { .cgroup_fd = cgfd, .cgroup_dir = cgfd >= 0 ? cg.dirs[cg.v2] : NULL, .pidns_fd = x.ns_fd[SPEC_NS_PID], .userns_fd = x.ns_fd[SPEC_NS_USER],
				 .report_fd = socks[1], .parent_sock = socks[0], .child = exec_child_main, .arg = &x,
				 .v2_refused = &v2_refused };
	pid = spawn(&req, e);
	if (pid < 0) {
		ret = pid;
		goto out;
	}
	close(take_fd(&socks[1]));
	if ((ret = cgroup_enter(&cg, pid, cgfd >= 0 && !v2_refused, e)) < 0)
		goto out;
	char go = 'G';
	if (send(socks[0], &go, 1, MSG_NOSIGNAL) != 1) {
		ret = hull_syserr(e, errno, "exec: the new process");
		goto out;
	}
	/* Until the exec closes the socket: the pty master, or an error. */
	struct sync_msg *m = malloc(sizeof *m);
	if (!m) {
		ret = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		int fd = -1, n = sync_recv(socks[0], m, &fd);
		if (n == -EPIPE)
			break;   /* exec'd */
		if (n < 0) {
			ret = hull_syserr(e, -n, "exec: the new process");
			break;
		}
		if (m->type == SYNC_MASTER && fd >= 0 && master < 0) {
			master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m->type == SYNC_SECCOMP) {
			st.pid = pid;   /* the state the listener gets names the new process */
			char *json = state_oci_json(&st, ST_RUNNING, false);
			ret = json ? seccomp_handoff(socks[0], pid, m->code, listener, s->linux_->seccomp, json, e)
				   : hull_errf(e, ENOMEM, "out of memory");
			free(json);
			if (ret < 0)
				break;
			continue;
		}
		if (m->type == SYNC_SECCOMP_DONE)
			continue;
		ret = hull_errf(e, m->code, "%s", m->type == SYNC_ERROR ? m->text : "exec: unexpected message");
		break;
	}
	free(m);
	if (ret < 0)
		goto out;
	if ((ret = report_process(o->pid_file, o->pidfd_socket, pid, e)) < 0)
		goto out;
	log_debug("exec in %s: pid %d", o->id, (int)pid);
	int code = 0;
	if (!o->detach && (code = wait_relay(pid, fwd, master)) < 0)
		ret = hull_syserr(e, -code, "exec: waiting for the process");
	*status = code;
	pid = -1;
out:
	if (ret < 0 && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (size_t i = 0; i < cg.n; i++)
		free(cg.dirs[i]);
	if (master >= 0)
		close(master);
	if (x.console_fd >= 0)
		close(x.console_fd);
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (x.ns_fd[t] >= 0)
			close(x.ns_fd[t]);
	if (x.root_fd >= 0)
		close(x.root_fd);
	if (socks[0] >= 0)
		close(socks[0]);
	if (socks[1] >= 0)
		close(socks[1]);
	if (cgfd >= 0)
		close(cgfd);
	if (listener >= 0)
		close(listener);
	sc_filter_free(&scf);
	mem_free(&mem);
	spec_free(s);
	state_free(&st);
	return ret;
}

int container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cstate st;
	int ret = container_open(root, id, 0, &rootfd, &dirfd, &st, e);
	if (ret < 0)
		return ret;
	ret = cgroup_pids(&st.cg, pids, n, e);
	state_free(&st);
	return ret;
}

int ps_table(const pid_t *pids, size_t n, int argc, char **argv)
{
	char *args[64] = { "ps" };
	int na = 1;
	if (argc == 0)
		args[na++] = "-ef";
	for (int i = 0; i < argc && na < 63; i++)
		args[na++] = argv[i];
	args[na] = NULL;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		dup2(pfd[1], 1);
		execvp("ps", args);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		int col = -1;
		/* The PID column: its position in the header, counted in words. */
		for (bool header = true; getline(&line, &cap, f) > 0; header = false) {
			if (header) {
				char *save, *copy = strdup(line);
				int k = 0;
				for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t; t = strtok_r(NULL, " \t\n", &save), k++)
					if (strcmp(t, "PID") == 0)
						col = k;
				free(copy);
				fputs(line, stdout);
				continue;
			}
			char *save, *copy = strdup(line);
			long pid = -1;
			int k = 0;
			for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t; t = strtok_r(NULL, " \t\n", &save), k++)
				if (k == col)
					pid = strtol(t, NULL, 10);
			free(copy);
			for (size_t i = 0; i < n; i++)
				if (pids[i] == pid) {
					fputs(line, stdout);
					break;
				}
		}
		free(line);
		fclose(f);
	} else {
		close(pfd[0]);
	}
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		hlog(LOG_ERROR, "ps: `ps` failed (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return 1;
	}
	return 0;
}
