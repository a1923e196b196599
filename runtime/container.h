/* The container lifecycle: create (parent side), the init path that runs
 * inside the new namespaces (child side), and the commands built on them. */
#ifndef HULL_CONTAINER_H
#define HULL_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/state.h"
#include "runtime/util.h"
#include "spec/spec.h"

struct create_opts {
	const char *root;            /* --root */
	const char *id;
	const char *bundle;          /* --bundle, default "." */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
};

/* Everything the init child needs; the child gets its own copy at clone. */
struct init_ctx {
	const struct create_opts *opts;
	const struct spec *spec;
	const struct cgroup_set *cg;
	const char *rootfs;          /* absolute host path of root.path */
	const char *bundle;          /* absolute bundle path */
	int sync_fd;                 /* child's end of the socketpair */
	int fifo_fd;                 /* O_PATH fd of exec.fifo */
	int ns_fd[SPEC_NS__COUNT];   /* namespaces to join, -1 for none */
	bool ns_new[SPEC_NS__COUNT]; /* namespaces to create */
};

/* Messages of the init child to its parent over the sync socket. */
enum sync_type { SYNC_READY = 1, SYNC_ERROR = 2, SYNC_PID = 3 };
struct sync_msg {
	int type;
	int code;
	char text[1024];
};

/* create: on success the container is in state "created" and *pid is its init. */
int container_create(const struct create_opts *o, pid_t *pid, struct hull_err *e);
/* The init child: sets up the container and execs the user's program. */
__attribute__((noreturn)) void container_init(struct init_ctx *c);
/* Rootfs work of the init child: mounts, /dev, pivot_root (before the user switch). */
int rootfs_prepare(struct init_ctx *c, struct hull_err *e);
/* After pivot_root: sysctl, masked and read-only paths, read-only root. */
int rootfs_finish(struct init_ctx *c, struct hull_err *e);
/* Create every missing directory of path below rootfd (never leaving the
 * root); returns an O_PATH fd of the directory or -errno. */
int root_mkdir_all(int rootfd, const char *path, unsigned mode);

/* Validate id, open its state directory (taking lock: LOCK_EX, LOCK_SH or 0)
 * and read its state.  The fds are set (or -1) even on failure. */
int container_open(const char *root, const char *id, int lock, int *rootfd, int *dirfd,
		   struct cstate *st, struct hull_err *e);
/* start: let a created container run its program. */
int container_start(const char *root, const char *id, struct hull_err *e);
/* delete: force also kills a running container. */
int container_delete(const char *root, const char *id, bool force, struct hull_err *e);
/* kill: signal the init (or, with all, every process of the container). */
int container_kill(const char *root, const char *id, int sig, bool all, struct hull_err *e);
/* Signal number from "9", "KILL" or "SIGKILL"; -EINVAL when unknown. */
int parse_signal(const char *s);

#endif
