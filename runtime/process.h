/* SPDX-License-Identifier: Apache-2.0 */
/* The last steps of every container process, the init's and exec'd ones:
 * the process attributes of the config, the user switch and capabilities,
 * then the exec of the program through the trampoline. */
#ifndef HULL_PROCESS_H
#define HULL_PROCESS_H

#include "runtime/util.h"
#include "seccomp/seccomp.h"
#include "spec/spec.h"

struct proc_plan {
	char prog[4096];   /* the program, resolved in the container */
	char **argv;
	char **envp;       /* the program's environment + HULL_EXEC=prog for the trampoline */
	int tramp_fd;      /* sealed memfd holding the trampoline */
	char tramp_path[32]; /* /proc/self/fd/N of it, "" when the container's /proc does not show it */
};

/* The container's seccomp filter on its way into a process.  It goes in
 * last, right before the exec; without no_new_privs the process keeps
 * CAP_SYS_ADMIN for the load and drops it just after.  A filter with a
 * listener goes in while hull still waits on the sync socket (before
 * SYNC_READY), and hull takes the listener fd with pidfd_getfd, without the
 * process making another syscall the filter might notify. */
struct proc_seccomp {
	const struct sc_filter *filter;   /* NULL: none */
	int sync_fd;                      /* hull's socket, told about a listener */
	bool loaded;
	bool kept_admin;                  /* CAP_SYS_ADMIN held for the load, dropped after it */
	const struct spec_process *process;
};
/* Load ps's filter unless it is in already; hull_err on failure. */
int process_seccomp_load(struct proc_seccomp *ps, struct hull_err *e);

/* Whether the host has AppArmor / SELinux enabled. */
bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* Refuse, before anything exists, what this host cannot apply. */
int process_check(const struct spec_process *p, const char *where, struct hull_err *e);

/* Enter process.cwd: first (as_user false) with the runtime's rights, as
 * runc does, so that a user without search permission on a directory above
 * it still starts there; a refusal for lack of permission is tried again
 * after the switch to the user (as_user true: a directory only that user
 * may enter).  *done is set once it is in. */
int process_enter_cwd(const struct spec_process *p, bool as_user, bool *done, struct hull_err *e);

/* oomScoreAdj, rlimits, scheduler, ioPriority, execCPUAffinity.final, and
 * linux.personality / memoryPolicy (lx may be NULL).  Needs the privileges
 * hull still has, so it comes before process_become_user. */
int process_apply_attrs(const struct spec_process *p, const struct spec_linux *lx, struct hull_err *e);
/* Bounding set, groups, gid, uid, the capability sets, no_new_privs, and the
 * LSM labels for the coming exec; ps's filter too when it cannot wait (see
 * struct proc_seccomp). */
int process_become_user(const struct spec_process *p, struct proc_seccomp *ps, struct hull_err *e);
/* Find the program (PATH of process.env), build argv and envp (HOME from the
 * container's /etc/passwd when unset, extra entries appended) and make the
 * trampoline memfd.  by_path: it is to be exec'd through /proc/self/fd/N
 * (under a seccomp filter, which may allow execve but not execveat), so
 * that path is checked now to lead to it.  Runs inside the container,
 * after the user switch. */
int process_plan(const struct spec_process *p, const char *const *extra_env, size_t n_extra, bool by_path,
		 struct proc_plan *pl, struct hull_err *e);
/* Exec the plan; on failure print to stderr and exit 127. */
__attribute__((noreturn)) void process_exec(struct proc_plan *pl);

/* Parse a cpu/node list ("0-3,7") into a bitmask of nbits; -EINVAL if bad. */
int parse_id_list(const char *s, unsigned long *mask, unsigned nbits);

#endif
