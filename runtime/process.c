/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/process.h"
#include "runtime/container.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* sched_setattr(2)'s argument (the uapi header clashes with glibc's sched.h). */
struct hull_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

extern const char hull_trampoline[], hull_trampoline_end[];

bool lsm_apparmor_enabled(void)
{
	char *s = NULL;
	bool on = read_file("/sys/module/apparmor/parameters/enabled", &s, NULL) == 0 && s[0] == 'Y';
	free(s);
	return on;
}

bool lsm_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static const struct { const char *name; int policy; } sched_policies[] = {
	{ "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
	{ "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", 4 }, { "SCHED_IDLE", SCHED_IDLE },
	{ "SCHED_DEADLINE", 6 },
};
static const struct { const char *name; uint64_t flag; } sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 }, { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 }, { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};
static const struct { const char *name; int klass; } io_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 }, { "IOPRIO_CLASS_BE", 2 }, { "IOPRIO_CLASS_IDLE", 3 },
};
static const struct { const char *name; int mode; } mpol_modes[] = {
	{ "MPOL_DEFAULT", 0 }, { "MPOL_PREFERRED", 1 }, { "MPOL_BIND", 2 }, { "MPOL_INTERLEAVE", 3 },
	{ "MPOL_LOCAL", 4 }, { "MPOL_PREFERRED_MANY", 5 }, { "MPOL_WEIGHTED_INTERLEAVE", 6 },
};
static const struct { const char *name; int flag; } mpol_flags[] = {
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 }, { "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_STATIC_NODES", 1 << 15 },
};
#define N(a) (sizeof(a) / sizeof *(a))
#define LOOKUP(table, key, field, out)                                  \
	({                                                              \
		bool found_ = false;                                    \
		for (size_t i_ = 0; i_ < N(table); i_++)                \
			if (strcmp(table[i_].name, key) == 0) {         \
				*(out) = table[i_].field;               \
				found_ = true;                          \
			}                                               \
		found_;                                                 \
	})

int parse_id_list(const char *s, unsigned long *mask, unsigned nbits)
{
	const unsigned bpw = 8 * sizeof(unsigned long);
	memset(mask, 0, (nbits + bpw - 1) / bpw * sizeof *mask);
	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s)
			return -EINVAL;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 10);
			if (end == s + 1)
				return -EINVAL;
			s = end;
		}
		if (a > b || b >= nbits)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			mask[i / bpw] |= 1UL << (i % bpw);
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
	}
	return 0;
}

int process_enter_cwd(const struct spec_process *p, bool as_user, bool *done, struct hull_err *e)
{
	if (*done)
		return 0;
	if (chdir(p->cwd) == 0) {
		*done = true;
		return 0;
	}
	if (!as_user && (errno == EACCES || errno == EPERM))
		return 0;
	return hull_syserr(e, errno, "process.cwd \"%s\"", p->cwd);
}

int process_check(const struct spec_process *p, const char *where, struct hull_err *e)
{
	if (p->apparmor_profile && *p->apparmor_profile && !lsm_apparmor_enabled())
		return hull_errf(e, ENOTSUP, "%sprocess.apparmorProfile: \"%s\" requested but AppArmor is not enabled on this host",
				 where, p->apparmor_profile);
	if (p->selinux_label && *p->selinux_label && !lsm_selinux_enabled())
		return hull_errf(e, ENOTSUP, "%sprocess.selinuxLabel: \"%s\" requested but SELinux is not enabled on this host",
				 where, p->selinux_label);
	int v;
	uint64_t f;
	if (p->scheduler) {
		if (!LOOKUP(sched_policies, p->scheduler->policy, policy, &v))
			return hull_errf(e, EINVAL, "%sprocess.scheduler.policy: unknown policy \"%s\"", where, p->scheduler->policy);
		for (size_t i = 0; i < p->scheduler->n_flags; i++)
			if (!LOOKUP(sched_flags, p->scheduler->flags[i], flag, &f))
				return hull_errf(e, EINVAL, "%sprocess.scheduler.flags[%zu]: unknown flag \"%s\"", where, i,
						 p->scheduler->flags[i]);
	}
	if (p->io_priority && !LOOKUP(io_classes, p->io_priority->klass, klass, &v))
		return hull_errf(e, EINVAL, "%sprocess.ioPriority.class: unknown class \"%s\"", where, p->io_priority->klass);
	unsigned long mask[CPU_SETSIZE / (8 * sizeof(unsigned long))];
	const struct spec_exec_cpu_affinity *a = p->exec_cpu_affinity;
	if (a && a->initial && parse_id_list(a->initial, mask, CPU_SETSIZE) < 0)
		return hull_errf(e, EINVAL, "%sprocess.execCPUAffinity.initial: bad CPU list \"%s\"", where, a->initial);
	if (a && a->final && parse_id_list(a->final, mask, CPU_SETSIZE) < 0)
		return hull_errf(e, EINVAL, "%sprocess.execCPUAffinity.final: bad CPU list \"%s\"", where, a->final);
	return 0;
}

static int set_affinity(const char *list, const char *field, struct hull_err *e)
{
	cpu_set_t set;
	if (parse_id_list(list, (unsigned long *)&set, CPU_SETSIZE) < 0)
		return hull_errf(e, EINVAL, "process.execCPUAffinity.%s: bad CPU list \"%s\"", field, list);
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return hull_syserr(e, errno, "process.execCPUAffinity.%s: \"%s\"", field, list);
	return 0;
}

static int apply_linux_attrs(const struct spec_linux *lx, struct hull_err *e)
{
	if (lx && lx->personality) {
		const char *d = lx->personality->domain;
		unsigned long pers = strcmp(d, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
		if (strcmp(d, "LINUX32") && strcmp(d, "LINUX"))
			return hull_errf(e, EINVAL, "linux.personality.domain: unknown domain \"%s\"", d);
		if (lx->personality->n_flags)
			return hull_errf(e, EINVAL, "linux.personality.flags: no flag is defined (got \"%s\")",
					 lx->personality->flags[0]);
		if (personality(pers) < 0)
			return hull_syserr(e, errno, "linux.personality: %s", d);
	}
	const struct spec_memory_policy *mp = lx ? lx->memory_policy : NULL;
	if (mp) {
		int mode, flag;
		if (!LOOKUP(mpol_modes, mp->mode, mode, &mode))
			return hull_errf(e, EINVAL, "linux.memoryPolicy.mode: unknown mode \"%s\"", mp->mode);
		for (size_t i = 0; i < mp->n_flags; i++) {
			if (!LOOKUP(mpol_flags, mp->flags[i], flag, &flag))
				return hull_errf(e, EINVAL, "linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i, mp->flags[i]);
			mode |= flag;
		}
		unsigned long nodes[1024 / (8 * sizeof(unsigned long))] = { 0 };
		unsigned long maxnode = 0;
		if (mp->nodes && *mp->nodes) {
			if (parse_id_list(mp->nodes, nodes, 1024) < 0)
				return hull_errf(e, EINVAL, "linux.memoryPolicy.nodes: bad node list \"%s\"", mp->nodes);
			maxnode = 1024;
		}
		if (syscall(SYS_set_mempolicy, mode, maxnode ? nodes : NULL, maxnode) < 0)
			return hull_syserr(e, errno, "linux.memoryPolicy: %s %s", mp->mode, mp->nodes ? mp->nodes : "");
	}
	return 0;
}

int process_apply_attrs(const struct spec_process *p, const struct spec_linux *lx, struct hull_err *e)
{
	int r;
	if (p->has_oom_score_adj) {
		char v[16];
		snprintf(v, sizeof v, "%d", p->oom_score_adj);
		/* (Through procfs_write, as the labels below.) */
		if ((r = procfs_write("self/oom_score_adj", v)) < 0 && procfs_why(r))
			return hull_errf(e, -r, "process.oomScoreAdj: /proc/self/oom_score_adj %s",
					 r == -EMEDIUMTYPE ? "(/proc is not a procfs)" : procfs_why(r));
		if (r < 0)
			return hull_syserr(e, -r, "process.oomScoreAdj: setting %d", p->oom_score_adj);
	}
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return hull_syserr(e, errno, "process.rlimits[%zu]: setting %s to %llu/%llu", i,
					   p->rlimits[i].type, (unsigned long long)rl.rlim_cur,
					   (unsigned long long)rl.rlim_max);
	}
	const struct spec_scheduler *sc = p->scheduler;
	if (sc) {
		struct hull_sched_attr at = { .size = sizeof at };
		int policy = 0;
		uint64_t f;
		LOOKUP(sched_policies, sc->policy, policy, &policy);
		at.sched_policy = (uint32_t)policy;
		at.sched_nice = sc->has_nice ? sc->nice : 0;
		at.sched_priority = sc->has_priority ? (uint32_t)sc->priority : 0;
		for (size_t i = 0; i < sc->n_flags; i++)
			if (LOOKUP(sched_flags, sc->flags[i], flag, &f))
				at.sched_flags |= f;
		at.sched_runtime = sc->has_runtime ? sc->runtime : 0;
		at.sched_deadline = sc->has_deadline ? sc->deadline : 0;
		at.sched_period = sc->has_period ? sc->period : 0;
		if (syscall(SYS_sched_setattr, 0, &at, 0) < 0)
			return hull_syserr(e, errno, "process.scheduler: %s", sc->policy);
	}
	if (p->io_priority) {
		int klass = 0;
		LOOKUP(io_classes, p->io_priority->klass, klass, &klass);
		if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (klass << 13) | p->io_priority->priority) < 0)
			return hull_syserr(e, errno, "process.ioPriority: %s %d", p->io_priority->klass,
					   p->io_priority->priority);
	}
	if ((r = apply_linux_attrs(lx, e)) < 0)
		return r;
	if (p->exec_cpu_affinity && p->exec_cpu_affinity->final &&
	    (r = set_affinity(p->exec_cpu_affinity->final, "final", e)) < 0)
		return r;
	return 0;
}

static int cap_list(const char **names, size_t n, cap_value_t *out, size_t *nout, const char *set,
		    struct hull_err *e)
{
	*nout = 0;
	for (size_t i = 0; i < n && *nout < 64; i++) {
		cap_value_t v;
		if (cap_from_name(names[i], &v) < 0)
			return hull_errf(e, EINVAL, "process.capabilities.%s: unknown capability \"%s\"", set, names[i]);
		/* A capability this kernel does not know cannot be held: skip it
		 * the way runc does. */
		if (v >= cap_max_bits())   /* (libcap's count, probed once) */
			continue;
		out[(*nout)++] = v;
	}
	return 0;
}

/* Drop the bounding set to the configured one (needs CAP_SETPCAP, so it
 * happens before the user switch).  As in runc, a set the config leaves out
 * is empty, and so is every set when process.capabilities is absent: a
 * bounding set left full would let a setuid program regain all of it. */
static int apply_bounding(const struct spec_capabilities *caps, struct hull_err *e)
{
	cap_value_t keep[64];
	size_t nkeep = 0;
	int r;
	if (caps && (r = cap_list(caps->bounding, caps->n_bounding, keep, &nkeep, "bounding", e)) < 0)
		return r;
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++) {
		bool kept = false;
		for (size_t i = 0; i < nkeep; i++)
			kept |= keep[i] == v;
		if (!kept && prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
			return hull_syserr(e, errno, "dropping %s from the bounding set", cap_to_name(v));
	}
	return 0;
}

/* The configured sets; with_admin adds CAP_SYS_ADMIN to effective and
 * permitted, for a seccomp filter that still has to be loaded. */
static int apply_caps(const struct spec_capabilities *caps, bool with_admin, struct hull_err *e)
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
		for (size_t i = 0; i < N(sets); i++) {
			if ((r = cap_list(sets[i].names, sets[i].n, v, &n, sets[i].set, e)) < 0)
				goto out;
			if (n && cap_set_flag(cs, sets[i].flag, (int)n, v, CAP_SET) < 0) {
				r = hull_syserr(e, errno, "process.capabilities.%s", sets[i].set);
				goto out;
			}
		}
	}
	cap_value_t admin = CAP_SYS_ADMIN;
	if (with_admin && (cap_set_flag(cs, CAP_EFFECTIVE, 1, &admin, CAP_SET) < 0 ||
			   cap_set_flag(cs, CAP_PERMITTED, 1, &admin, CAP_SET) < 0)) {
		r = hull_syserr(e, errno, "setting capabilities");
		goto out;
	}
	if (cap_set_proc(cs) < 0) {
		r = hull_syserr(e, errno, "setting capabilities");
		goto out;
	}
	if (caps && caps->has_ambient && !with_admin) {
		if ((r = cap_list(caps->ambient, caps->n_ambient, v, &n, "ambient", e)) < 0)
			goto out;
		/* An ambient capability must also be permitted and inheritable;
		 * configs (runc spec's among them) often list it alone, and runc
		 * runs them without it, so hull does too. */
		for (size_t i = 0; i < n; i++)
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v[i], 0, 0) < 0 && errno != EPERM) {
				r = hull_syserr(e, errno, "process.capabilities.ambient: raising %s", cap_to_name(v[i]));
				goto out;
			}
	}
out:
	cap_free(cs);
	return r;
}

static int set_ids(const struct spec_user *u, struct hull_err *e)
{
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

/* The label the kernel gives the program at its exec. */
/* Through procfs_write: a label written into a file that a mount (or an
 * image's /proc that is no procfs) put in place of /proc/self/attr would
 * leave the process unconfined without a word (CVE-2019-16884). */
static int set_exec_label(const char *file, const char *label, const char *field, struct hull_err *e)
{
	int r = procfs_write(file, label);
	/* AppArmor's own file where the kernel has it, else the shared one;
	 * asked of the checked procfs too, not by a path of the container's. */
	if (r == -ENOENT && !strcmp(file, "self/attr/apparmor/exec"))
		r = procfs_write(file = "self/attr/exec", label);
	if (r < 0 && procfs_why(r))
		return hull_errf(e, -r, "process.%s: /proc/%s %s", field, file, r == -EMEDIUMTYPE ? "(/proc is not a procfs)" : procfs_why(r));
	if (r < 0)
		return hull_syserr(e, -r, "process.%s: setting \"%s\"", field, label);
	return 0;
}

/* Loading a filter takes no_new_privs or CAP_SYS_ADMIN.  Without either in
 * the end, the process keeps CAP_SYS_ADMIN until the filter is in, then
 * drops it: so the filter still goes in last, with only that capset and
 * the exec after it (runc loads it before the user switch instead). */
static bool seccomp_needs_admin(const struct spec_process *p)
{
	if (p->no_new_privileges)
		return false;
	const struct spec_capabilities *c = p->capabilities;
	for (size_t i = 0; c && i < c->n_effective; i++)
		if (!strcmp(c->effective[i], "CAP_SYS_ADMIN"))
			return false;
	return true;
}

int process_seccomp_load(struct proc_seccomp *ps, struct hull_err *e)
{
	if (!ps || !ps->filter || ps->loaded)
		return 0;
	int want = -1;
	if (ps->filter->notify) {
		/* The listener will get the lowest free fd: tell hull which. */
		want = fcntl(ps->sync_fd, F_DUPFD_CLOEXEC, 0);
		if (want < 0)
			return hull_syserr(e, errno, "linux.seccomp: finding a free fd");
		close(want);
		int r = sync_send(ps->sync_fd, SYNC_SECCOMP, want, NULL, -1);
		if (r < 0)
			return hull_syserr(e, -r, "linux.seccomp: telling hull about the listener");
	}
	int fd = sc_load(ps->filter);
	if (fd < 0)
		return hull_syserr(e, -fd, "linux.seccomp: loading the filter");
	ps->loaded = true;
	/* Every syscall from here on may be notified: this message only speeds
	 * hull up, which finds the fd without it too.  Then wait until hull has
	 * the fd: it is close-on-exec, and an exec before hull took it would
	 * leave the filter without a listener.  Should the read be notified,
	 * the notification waits for the listener hull is handing it to. */
	if (ps->filter->notify) {
		char ack;
		sync_send(ps->sync_fd, SYNC_SECCOMP_DONE, fd, NULL, -1);
		if (recv(ps->sync_fd, &ack, 1, 0) != 1)
			return hull_errf(e, EPIPE, "linux.seccomp: hull did not take the listener fd");
	}
	struct hull_err ce;
	if (ps->kept_admin && apply_caps(ps->process->capabilities, false, &ce) < 0)
		return hull_errf(e, ce.code, "linux.seccomp: dropping the CAP_SYS_ADMIN kept for loading the filter "
			       "(without noNewPrivileges the profile must allow capset): %s", ce.msg);
	return 0;
}

int process_become_user(const struct spec_process *p, struct proc_seccomp *ps, struct hull_err *e)
{
	int r;
	/* With fewer capabilities than hull, this process must not be
	 * reachable through /proc by the container's processes until its exec. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(p->user.has_umask ? p->user.umask : 022);
	if (ps && ps->filter) {
		ps->process = p;
		ps->kept_admin = seccomp_needs_admin(p);
	}
	if ((r = apply_bounding(p->capabilities, e)) < 0 || (r = set_ids(&p->user, e)) < 0 ||
	    (r = apply_caps(p->capabilities, ps && ps->kept_admin, e)) < 0)
		return r;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_syserr(e, errno, "process.noNewPrivileges");
	if (p->apparmor_profile && *p->apparmor_profile) {
		char buf[512];
		snprintf(buf, sizeof buf, "exec %s", p->apparmor_profile);
		if ((r = set_exec_label("self/attr/apparmor/exec", buf, "apparmorProfile", e)) < 0)
			return r;
	}
	if (p->selinux_label && *p->selinux_label &&
	    (r = set_exec_label("self/attr/exec", p->selinux_label, "selinuxLabel", e)) < 0)
		return r;
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
 * fails create (or exec) rather than start. */
static int find_program(const struct spec_process *p, char *out, size_t cap, struct hull_err *e)
{
	const char *prog = p->args[0];
	struct stat sb;
	if (strchr(prog, '/')) {
		if (stat(prog, &sb) < 0) {
			/* runc's words, errno in Go's lower case: Docker's CLI
			 * exits 127 only on "no such file or directory". */
			int err = errno;
			char msg[128];
			snprintf(msg, sizeof msg, "%s", strerror(err));
			if (msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' && msg[1] <= 'z')
				msg[0] = (char)(msg[0] - 'A' + 'a');
			return hull_errf(e, err, "exec: \"%s\": stat %s: %s", prog, prog, msg);
		}
		if (S_ISDIR(sb.st_mode))
			return hull_errf(e, EACCES, "exec: \"%s\": is a directory", prog);
		if (!S_ISREG(sb.st_mode) || access(prog, X_OK) < 0)
			return hull_errf(e, EACCES, "exec: \"%s\": permission denied", prog);
		if ((size_t)snprintf(out, cap, "%s", prog) >= cap)
			return hull_errf(e, ENAMETOOLONG, "exec: \"%.64s...\": path too long", prog);
		return 0;
	}
	const char *path = env_get(p, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *s = path; ; ) {
		size_t n = strcspn(s, ":");
		/* A candidate that does not fit is skipped, never cut short (a
		 * cut name could be another program). */
		if ((size_t)snprintf(out, cap, "%.*s%s%s", (int)n, s, n ? "/" : "", prog) < cap &&
		    stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0)
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
		char *save;
		for (char *line = strtok_r(pw, "\n", &save); line && !home; line = strtok_r(NULL, "\n", &save)) {
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

int process_plan(const struct spec_process *p, const char *const *extra_env, size_t n_extra, bool by_path,
		 struct proc_plan *pl, struct hull_err *e)
{
	int r = find_program(p, pl->prog, sizeof pl->prog, e);
	if (r < 0)
		return r;
	size_t ne = 0;
	pl->envp = calloc(p->n_env + n_extra + 3, sizeof *pl->envp);
	pl->argv = calloc(p->n_args + 1, sizeof *pl->argv);
	if (!pl->envp || !pl->argv)
		return hull_errf(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_env; i++)
		pl->envp[ne++] = (char *)p->env[i];
	for (size_t i = 0; i < n_extra; i++)
		pl->envp[ne++] = (char *)extra_env[i];
	char *home = home_env(p);
	if (home)
		pl->envp[ne++] = home;
	if (!(pl->envp[ne++] = xasprintf("HULL_EXEC=%s", pl->prog)))
		return hull_errf(e, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_args; i++)
		pl->argv[i] = (char *)p->args[i];

	/* Sealed: once sealed, nothing can change what the container runs. */
	int fd = (int)syscall(SYS_memfd_create, "hull-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_memfd_create, "hull-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return hull_syserr(e, errno, "memfd_create");
	size_t len = (size_t)(hull_trampoline_end - hull_trampoline);
	if ((r = write_all(fd, hull_trampoline, len)) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int err = r < 0 ? -r : errno;
		close(fd);
		return hull_syserr(e, err, "preparing the exec trampoline");
	}
	pl->tramp_fd = fd;
	pl->tramp_path[0] = 0;
	if (!by_path)
		return 0;
	/* Exec'ing it by a /proc path needs only execve, which every seccomp
	 * profile allows (not all allow execveat).  Checked now, before any
	 * filter: the path must lead to this very memfd. */
	struct stat a, b;
	snprintf(pl->tramp_path, sizeof pl->tramp_path, "/proc/self/fd/%d", fd);
	if (stat(pl->tramp_path, &a) < 0 || fstat(fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		pl->tramp_path[0] = 0;
	return 0;
}

void process_exec(struct proc_plan *pl)
{
	if (pl->tramp_path[0])
		execve(pl->tramp_path, pl->argv, pl->envp);
	else
		syscall(SYS_execveat, pl->tramp_fd, "", pl->argv, pl->envp, AT_EMPTY_PATH);
	char msg[4300];
	int n = snprintf(msg, sizeof msg, "hull: exec \"%s\": %s\n", pl->prog, strerror(errno));
	if (n > 0)
		write_all(2, msg, (size_t)n > sizeof msg ? sizeof msg : (size_t)n);
	_exit(127);
}
