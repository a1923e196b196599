/* Starting a process into namespaces and a cgroup: shared by create (the
 * container's init) and exec (a process joining a running container). */
#include "runtime/container.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static pid_t clone_retry(struct clone_args *args, int *err)
{
	pid_t pid = (pid_t)syscall(SYS_clone3, args, sizeof *args);
	if (pid < 0 && errno == EBUSY && (args->flags & CLONE_INTO_CGROUP)) {
		/* Not allowed into that v2 cgroup (e.g. domain rules): the
		 * parent moves it in before it runs, as on v1. */
		args->flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		pid = (pid_t)syscall(SYS_clone3, args, sizeof *args);
	}
	*err = errno;
	return pid;
}

/* Joining a user namespace must come before the other namespaces are made
 * or joined (they are owned by it), and hull itself must not enter it (it
 * would lose its rights over the host).  A short-lived helper joins it and
 * clones the child with CLONE_PARENT, so the child is still hull's; the
 * helper reports the pid (in hull's pid namespace) over the sync socket. */
static pid_t clone_in_userns(struct spawn_req *r, struct clone_args *args, int *err)
{
	pid_t helper = fork();
	if (helper < 0) {
		*err = errno;
		return -1;
	}
	if (helper == 0) {
		int type = SYNC_PID, code;
		if (setns(r->userns_fd, CLONE_NEWUSER) < 0) {
			type = SYNC_ERROR;
			code = errno;
		} else {
			/* clone3 takes no exit signal with CLONE_PARENT: the
			 * child gets this helper's, SIGCHLD. */
			args->flags |= CLONE_PARENT;
			args->exit_signal = 0;
			pid_t pid = clone_retry(args, err);
			if (pid == 0)
				r->child(r->arg);
			code = pid < 0 ? *err : pid;
			if (pid < 0)
				type = SYNC_ERROR;
		}
		sync_send(r->report_fd, type, code, NULL, -1);
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
	if (sync_recv(r->parent_sock, m, NULL) < 0 || m->type != SYNC_PID)
		*err = m->type == SYNC_ERROR ? m->code : EPIPE;
	else
		pid = (pid_t)m->code;
	free(m);
	return pid;
}

pid_t spawn(struct spawn_req *r, struct hull_err *e)
{
	struct clone_args args = { .flags = r->flags, .exit_signal = SIGCHLD };
	if (r->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)r->cgroup_fd;
	}
	/* A pid namespace is joined through pid_for_children of this process,
	 * restored right after. */
	int own_pidns = -1;
	if (r->pidns_fd >= 0) {
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0 || setns(r->pidns_fd, CLONE_NEWPID) < 0) {
			int err = errno;
			if (own_pidns >= 0)
				close(own_pidns);
			return hull_syserr(e, err, "joining pid namespace");
		}
	}
	pid_t pid;
	int err;
	if (r->userns_fd >= 0)
		pid = clone_in_userns(r, &args, &err);
	else
		pid = clone_retry(&args, &err);
	if (pid == 0)
		r->child(r->arg);
	if (own_pidns >= 0) {
		setns(own_pidns, CLONE_NEWPID);
		close(own_pidns);
	}
	if (pid < 0)
		return hull_syserr(e, err, r->userns_fd >= 0 ? "clone3 in the joined user namespace" : "clone3");
	return pid;
}
