/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a process into namespaces and a cgroup: shared by create (the
 * container's init) and exec (a process joining a running container). */
#include "runtime/container.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Not allowed into that v2 cgroup by CLONE_INTO_CGROUP (e.g. domain
 * rules): the child is born outside it and moved in as on v1.  Said in
 * *r->v2_refused before that child exists (a share_vm child reads it). */
static void refuse_v2(struct spawn_req *r, struct clone_args *args)
{
	args->flags &= ~(uint64_t)CLONE_INTO_CGROUP;
	if (r->v2_refused)
		*r->v2_refused = true;
}

static pid_t clone_retry(struct spawn_req *r, struct clone_args *args, int *err)
{
	pid_t pid = (pid_t)syscall(SYS_clone3, args, sizeof *args);
	if (pid < 0 && errno == EBUSY && (args->flags & CLONE_INTO_CGROUP)) {
		refuse_v2(r, args);
		pid = (pid_t)syscall(SYS_clone3, args, sizeof *args);
	}
	*err = errno;
	return pid;
}

/* Joining a user namespace must come before the other namespaces are made
 * or joined (they are owned by it), and hull itself must not enter it (it
 * would lose its rights over the host).  A short-lived helper joins it and
 * clones the child with CLONE_PARENT, so the child is still hull's; the
 * helper reports the pid over the sync socket.  clone3 returns the pid as
 * the helper's own pid namespace numbers it: so the helper is born in
 * hull's, and joins a pid namespace to be born in (pid_for_children) only
 * itself, first (as host root, before the user namespace takes its rights).
 * *setns_failed: 'p' the pid namespace, 'u' the user namespace. */
static pid_t clone_in_userns(struct spawn_req *r, struct clone_args *args, int *err, char *setns_failed)
{
	pid_t helper = fork();
	if (helper < 0) {
		*err = errno;
		return -1;
	}
	if (helper == 0) {
		int type = SYNC_PID, code;
		const char *text = NULL;
		if (r->pidns_fd >= 0 && setns(r->pidns_fd, CLONE_NEWPID) < 0) {
			type = SYNC_ERROR;
			code = errno;
			text = "setns p";
		} else if (setns(r->userns_fd, CLONE_NEWUSER) < 0) {
			type = SYNC_ERROR;
			code = errno;
			text = "setns u";
		} else {
			/* clone3 takes no exit signal with CLONE_PARENT: the
			 * child gets this helper's, SIGCHLD. */
			args->flags |= CLONE_PARENT;
			args->exit_signal = 0;
			bool refused = false;
			r->v2_refused = &refused;
			pid_t pid = clone_retry(r, args, err);
			if (pid == 0)
				r->child(r->arg);
			code = pid < 0 ? *err : pid;
			if (pid < 0)
				type = SYNC_ERROR;
			/* The helper's memory is its own: hull hears of it here. */
			if (refused && pid > 0)
				text = "v2-refused";
		}
		sync_send(r->report_fd, type, code, text, -1);
		_exit(0);
	}
	int st;
	while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
		;
	struct sync_msg *m = malloc(sizeof *m);
	if (!m) {
		*err = ENOMEM;
		return -1;
	}
	pid_t pid = -1;
	bool got = sync_recv(r->parent_sock, m, NULL) >= 0;
	if (!got || m->type != SYNC_PID) {
		*err = got && m->type == SYNC_ERROR ? m->code : EPIPE;
		if (got && m->type == SYNC_ERROR && strncmp(m->text, "setns ", 6) == 0)
			*setns_failed = m->text[6];
	} else
		pid = (pid_t)m->code;
	if (pid > 0 && strcmp(m->text, "v2-refused") == 0 && r->v2_refused)
		*r->v2_refused = true;
	free(m);
	return pid;
}

long hull_clone3_vm(struct clone_args *args, size_t size, void (*fn)(void *), void *arg);

/* The child's stack: as large as a main thread's (copy_tree recurses), only
 * the pages it touches are ever backed; a guard page below it. */
#define VM_STACK (8u << 20)

static pid_t clone_shared(struct spawn_req *r, struct clone_args *args, int *err)
{
	void *stk = mmap(NULL, VM_STACK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stk == MAP_FAILED || mprotect(stk, 4096, PROT_NONE) < 0) {
		*err = errno;
		if (stk != MAP_FAILED)
			munmap(stk, VM_STACK);
		return -1;
	}
	/* The child makes itself undumpable, which on shared memory is
	 * hull's flag too: spawn_release gives it back. */
	r->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	args->flags |= CLONE_VM;
	args->stack = (uint64_t)(uintptr_t)stk;
	args->stack_size = VM_STACK;
	long pid = hull_clone3_vm(args, sizeof *args, r->child, r->arg);
	if (pid == -EBUSY && (args->flags & CLONE_INTO_CGROUP)) {
		refuse_v2(r, args);
		pid = hull_clone3_vm(args, sizeof *args, r->child, r->arg);
	}
	if (pid < 0) {
		*err = (int)-pid;
		munmap(stk, VM_STACK);
		return -1;
	}
	r->stack = stk;
	r->stack_size = VM_STACK;
	return (pid_t)pid;
}

void spawn_release(struct spawn_req *r, bool unmap)
{
	if (!r->stack)
		return;
	if (unmap)
		munmap(r->stack, r->stack_size);
	r->stack = NULL;
	if (r->dumpable > 0)
		prctl(PR_SET_DUMPABLE, r->dumpable, 0, 0, 0);
}

/* A namespace fd named as the kernel names it ("pid:[4026532281]"). */
static const char *ns_name(int fd, char *buf, size_t cap)
{
	char link[40];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, cap - 1);
	if (n <= 0)
		snprintf(buf, cap, "(fd %d)", fd);
	else
		buf[n] = 0;
	return buf;
}

pid_t spawn(struct spawn_req *r, struct hull_err *e)
{
	r->stack = NULL;
	struct clone_args args = { .flags = r->flags, .exit_signal = SIGCHLD };
	if (r->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)r->cgroup_fd;
	}
	/* A pid namespace is joined through pid_for_children of this process,
	 * restored right after (with a user namespace: by the helper). */
	int own_pidns = -1;
	if (r->pidns_fd >= 0 && r->userns_fd < 0) {
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0)
			return hull_syserr(e, errno, "/proc/self/ns/pid");
		if (setns(r->pidns_fd, CLONE_NEWPID) < 0) {
			int err = errno;
			close(own_pidns);
			char name[64];
			return hull_syserr(e, err, "joining the pid namespace %s", ns_name(r->pidns_fd, name, sizeof name));
		}
	}
	pid_t pid;
	int err = 0;
	char setns_failed = 0;
	if (r->userns_fd >= 0)
		pid = clone_in_userns(r, &args, &err, &setns_failed);
	else if (r->share_vm)
		pid = clone_shared(r, &args, &err);
	else
		pid = clone_retry(r, &args, &err);
	if (pid == 0)
		r->child(r->arg);
	if (own_pidns >= 0) {
		setns(own_pidns, CLONE_NEWPID);
		close(own_pidns);
	}
	if (pid < 0 && setns_failed) {
		char name[64];
		bool p = setns_failed == 'p';
		return hull_syserr(e, err, "joining the %s namespace %s", p ? "pid" : "user",
				   ns_name(p ? r->pidns_fd : r->userns_fd, name, sizeof name));
	}
	if (pid < 0) {
		char what[1200];
		spawn_what(what, sizeof what, args.flags, r->cgroup_dir, r->userns_fd >= 0);
		return hull_syserr(e, err, "%s", what);
	}
	return pid;
}

void spawn_what(char *buf, size_t cap, uint64_t flags, const char *cgroup, bool in_userns)
{
	static const struct {
		uint64_t flag;
		const char *name;
	} ns[] = { { CLONE_NEWUSER, "user" }, { CLONE_NEWPID, "pid" }, { CLONE_NEWNET, "network" },
		   { CLONE_NEWIPC, "ipc" }, { CLONE_NEWUTS, "uts" }, { CLONE_NEWNS, "mount" },
		   { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWTIME, "time" } };
	size_t n = (size_t)snprintf(buf, cap, "clone3");
	if ((flags & CLONE_INTO_CGROUP) && cgroup && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " into cgroup %s", cgroup);
	int k = 0;
	for (size_t i = 0; i < sizeof ns / sizeof *ns && n < cap; i++)
		if (flags & ns[i].flag)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", k++ ? "," : " with new ", ns[i].name);
	if (k && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " namespace%s", k > 1 ? "s" : "");
	if (in_userns && n < cap)
		snprintf(buf + n, cap - n, " in the joined user namespace");
}
