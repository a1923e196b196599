/* The init child: runs inside the new namespaces, prepares the container and
 * execs the user's program.  Errors go to the parent over the sync socket
 * (the parent prints them); nothing here writes to the caller's stdio. */
#include "runtime/container.h"

#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static __attribute__((noreturn)) void init_fail(struct init_ctx *c, const struct hull_err *e)
{
	struct sync_msg m = { .type = SYNC_ERROR, .code = e->code };
	snprintf(m.text, sizeof m.text, "%s", e->msg);
	send(c->sync_fd, &m, sizeof m, MSG_NOSIGNAL);
	_exit(1);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd the container must not see: all but stdio, the preserved
 * ones and the few this child still needs (all of those are O_CLOEXEC). */
static void close_inherited_fds(struct init_ctx *c)
{
	int keep[SPEC_NS__COUNT + 4], n = 0;
	keep[n++] = c->sync_fd;
	keep[n++] = c->fifo_fd;
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (c->ns_fd[t] >= 0)
			keep[n++] = c->ns_fd[t];
	qsort(keep, (size_t)n, sizeof *keep, cmp_int);
	unsigned lo = 3u + (unsigned)c->opts->preserve_fds;
	for (int i = 0; i < n; i++) {
		if ((unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0u, 0);
	/* Preserved fds reach the program; nothing else does. */
	for (int fd = 3; fd < 3 + c->opts->preserve_fds; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
}

static int join_namespaces(struct init_ctx *c, struct hull_err *e)
{
	static const int order[] = { SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_NETWORK, SPEC_NS_CGROUP,
				     SPEC_NS_TIME, SPEC_NS_MOUNT };
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		int t = order[i];
		if (c->ns_fd[t] < 0)
			continue;
		if (setns(c->ns_fd[t], 0) < 0)
			return hull_syserr(e, errno, "joining %s namespace", spec_ns_name(t));
		close(c->ns_fd[t]);
		c->ns_fd[t] = -1;
	}
	return 0;
}

static int setup_time_ns(struct init_ctx *c, struct hull_err *e)
{
	const struct spec_linux *lx = c->spec->linux_;
	if (unshare(CLONE_NEWTIME) < 0)
		return hull_syserr(e, errno, "creating time namespace");
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
		return hull_syserr(e, err, "entering time namespace");
	}
	close(fd);
	return 0;
}

static int set_rlimits(const struct spec_process *p, struct hull_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return hull_syserr(e, errno, "process.rlimits[%zu]: setting %s to %llu/%llu", i,
					   p->rlimits[i].type, (unsigned long long)rl.rlim_cur,
					   (unsigned long long)rl.rlim_max);
	}
	return 0;
}

static int cap_list(const char **names, size_t n, cap_value_t *out, size_t *nout, const char *set,
		    struct hull_err *e)
{
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		cap_value_t v;
		if (cap_from_name(names[i], &v) < 0)
			return hull_errf(e, EINVAL, "process.capabilities.%s: unknown capability \"%s\"", set, names[i]);
		/* A capability this kernel does not know cannot be held: skip it
		 * the way runc does. */
		if (!CAP_IS_SUPPORTED(v))
			continue;
		out[(*nout)++] = v;
	}
	return 0;
}

/* Drop the bounding set to the configured one (needs CAP_SETPCAP, so it
 * happens before the user switch). */
static int apply_bounding(const struct spec_capabilities *caps, struct hull_err *e)
{
	cap_value_t keep[64];
	size_t nkeep = 0;
	int r;
	if (!caps || !caps->has_bounding)
		return 0;
	if ((r = cap_list(caps->bounding, caps->n_bounding, keep, &nkeep, "bounding", e)) < 0)
		return r;
	for (cap_value_t v = 0; v <= (cap_value_t)cap_max_bits() - 1; v++) {
		bool kept = false;
		for (size_t i = 0; i < nkeep; i++)
			kept |= keep[i] == v;
		if (!kept && prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
			return hull_syserr(e, errno, "dropping %s from the bounding set", cap_to_name(v));
	}
	return 0;
}

static int apply_caps(const struct spec_capabilities *caps, struct hull_err *e)
{
	cap_t cs = cap_init();
	cap_value_t v[64];
	size_t n;
	int r = 0;
	if (!cs)
		return hull_errf(e, ENOMEM, "out of memory");
	if (caps) {
		struct { const char **names; size_t n; cap_flag_t flag; const char *set; } sets[] = {
			{ caps->effective, caps->n_effective, CAP_EFFECTIVE, "effective" },
			{ caps->permitted, caps->n_permitted, CAP_PERMITTED, "permitted" },
			{ caps->inheritable, caps->n_inheritable, CAP_INHERITABLE, "inheritable" },
		};
		for (size_t i = 0; i < 3; i++) {
			if ((r = cap_list(sets[i].names, sets[i].n, v, &n, sets[i].set, e)) < 0)
				goto out;
			if (n && cap_set_flag(cs, sets[i].flag, (int)n, v, CAP_SET) < 0) {
				r = hull_syserr(e, errno, "process.capabilities.%s", sets[i].set);
				goto out;
			}
		}
	}
	if (cap_set_proc(cs) < 0) {
		r = hull_syserr(e, errno, "setting capabilities");
		goto out;
	}
	if (caps && caps->has_ambient) {
		if ((r = cap_list(caps->ambient, caps->n_ambient, v, &n, "ambient", e)) < 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v[i], 0, 0) < 0) {
				r = hull_syserr(e, errno, "process.capabilities.ambient: raising %s", cap_to_name(v[i]));
				goto out;
			}
	}
out:
	cap_free(cs);
	return r;
}

static int set_user(const struct spec_process *p, struct hull_err *e)
{
	const struct spec_user *u = &p->user;
	size_t ng = u->n_additional_gids;
	gid_t *groups = calloc(ng + 1, sizeof *groups);
	if (!groups)
		return hull_errf(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < ng; i++)
		groups[i] = u->additional_gids[i];
	int r = setgroups(ng, groups);
	int err = errno;
	free(groups);
	/* In a user namespace whose setgroups is denied, an empty list is fine. */
	if (r < 0 && !(err == EPERM && ng == 0))
		return hull_syserr(e, err, "process.user.additionalGids: setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return hull_syserr(e, errno, "process.user.gid: setting gid %u", u->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hull_syserr(e, errno, "PR_SET_KEEPCAPS");
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return hull_syserr(e, errno, "process.user.uid: setting uid %u", u->uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

static const char *env_get(const struct spec_process *p, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], key, kl) == 0 && p->env[i][kl] == '=')
			return p->env[i] + kl + 1;
	return NULL;
}

/* Find args[0] the way execvp would, in the container, so a missing program
 * fails create rather than start. */
static int find_program(const struct spec_process *p, char *out, size_t cap, struct hull_err *e)
{
	const char *prog = p->args[0];
	struct stat sb;
	if (strchr(prog, '/')) {
		if (stat(prog, &sb) < 0)
			return hull_syserr(e, errno, "exec: \"%s\"", prog);
		if (S_ISDIR(sb.st_mode))
			return hull_errf(e, EACCES, "exec: \"%s\": is a directory", prog);
		if (!S_ISREG(sb.st_mode) || access(prog, X_OK) < 0)
			return hull_errf(e, EACCES, "exec: \"%s\": permission denied", prog);
		snprintf(out, cap, "%s", prog);
		return 0;
	}
	const char *path = env_get(p, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *s = path; ; ) {
		size_t n = strcspn(s, ":");
		snprintf(out, cap, "%.*s%s%s", (int)n, s, n ? "/" : "", prog);
		if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0)
			return 0;
		if (!s[n])
			break;
		s += n + 1;
	}
	return hull_errf(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", prog);
}

/* HOME from the container's /etc/passwd when the config does not set it. */
static char *home_env(const struct spec_process *p)
{
	if (env_get(p, "HOME"))
		return NULL;
	char *pw = NULL, *home = NULL;
	if (read_file("/etc/passwd", &pw, NULL) == 0) {
		for (char *line = strtok(pw, "\n"); line && !home; line = strtok(NULL, "\n")) {
			char *f[7];
			int k = 0;
			for (char *s = line; k < 7; k++) {
				f[k] = s;
				s = strchr(s, ':');
				if (!s)
					break;
				*s++ = 0;
			}
			if (k >= 5 && strtoul(f[2], NULL, 10) == p->user.uid)
				home = xasprintf("HOME=%s", f[5]);
		}
		free(pw);
	}
	return home ? home : xasprintf("HOME=/");
}

void container_init(struct init_ctx *c)
{
	struct hull_err e = { 0 };
	const struct spec *s = c->spec;
	const struct spec_process *p = s->process;
	char go;

	/* Signals were blocked by `run`; the program starts with a clean slate. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close_inherited_fds(c);

	if (recv(c->sync_fd, &go, 1, 0) != 1)
		_exit(1);
	/* From here on the parent may exit (create returns) while we wait on
	 * the exec fifo: no more death signal. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

	if (c->ns_new[SPEC_NS_USER] || c->ns_fd[SPEC_NS_USER] >= 0) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			hull_syserr(&e, errno, "linux.uidMappings: becoming root in the user namespace (is container ID 0 mapped?)");
			init_fail(c, &e);
		}
		/* The uid change made us undumpable, which hands our /proc files
		 * to the host's root; we need them (timens_offsets, fds). */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	}
	if (join_namespaces(c, &e) < 0)
		init_fail(c, &e);
	if (c->ns_new[SPEC_NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0) {
		hull_syserr(&e, errno, "creating cgroup namespace");
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
	if (rootfs_prepare(c, &e) < 0 || rootfs_finish(c, &e) < 0)
		init_fail(c, &e);

	if (p->has_oom_score_adj) {
		char v[16];
		snprintf(v, sizeof v, "%d", p->oom_score_adj);
		int r = write_file("/proc/self/oom_score_adj", v);
		if (r < 0) {
			hull_syserr(&e, -r, "process.oomScoreAdj: setting %d", p->oom_score_adj);
			init_fail(c, &e);
		}
	}
	if (set_rlimits(p, &e) < 0)
		init_fail(c, &e);
	/* A session keyring of its own, so containers do not share the host's keys. */
	if (!c->opts->no_new_keyring && syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, c->opts->id) < 0 &&
	    errno != ENOSYS) {
		hull_syserr(&e, errno, "joining a new session keyring");
		init_fail(c, &e);
	}
	umask(p->user.has_umask ? p->user.umask : 022);
	if (apply_bounding(p->capabilities, &e) < 0 || set_user(p, &e) < 0 || apply_caps(p->capabilities, &e) < 0)
		init_fail(c, &e);
	if (chdir(p->cwd) < 0) {
		hull_syserr(&e, errno, "process.cwd \"%s\"", p->cwd);
		init_fail(c, &e);
	}
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		hull_syserr(&e, errno, "process.noNewPrivileges");
		init_fail(c, &e);
	}
	char prog[4096];
	if (find_program(p, prog, sizeof prog, &e) < 0)
		init_fail(c, &e);

	size_t ne = p->n_env;
	char **envp = calloc(ne + 2, sizeof *envp);
	char **argv = calloc(p->n_args + 1, sizeof *argv);
	if (!envp || !argv) {
		hull_errf(&e, ENOMEM, "out of memory");
		init_fail(c, &e);
	}
	for (size_t i = 0; i < ne; i++)
		envp[i] = (char *)p->env[i];
	for (size_t i = 0; i < p->n_args; i++)
		argv[i] = (char *)p->args[i];
	char *home = home_env(p);
	if (home)
		envp[ne++] = home;

	struct sync_msg m = { .type = SYNC_READY };
	send(c->sync_fd, &m, sizeof m, MSG_NOSIGNAL);
	close(c->sync_fd);

	/* Wait for `start`: opening the fifo for writing blocks until it is
	 * opened for reading.  The fd was opened O_PATH before pivot_root. */
	char fifo[64];
	snprintf(fifo, sizeof fifo, "/proc/self/fd/%d", c->fifo_fd);
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		char msg[128];
		int n = snprintf(msg, sizeof msg, "hull: container init: exec fifo: %s\n", strerror(errno));
		write_all(2, msg, (size_t)n);
		_exit(127);
	}
	close(fd);
	close(c->fifo_fd);

	execve(prog, argv, envp);
	char msg[4200];
	int n = snprintf(msg, sizeof msg, "hull: exec \"%s\": %s\n", prog, strerror(errno));
	if (n > 0)
		write_all(2, msg, (size_t)n);
	_exit(127);
}
