/* SPDX-License-Identifier: Apache-2.0 */
/* The container lifecycle: create (parent side), the init path that runs
 * inside the new namespaces (child side), and the commands built on them. */
#ifndef HULL_CONTAINER_H
#define HULL_CONTAINER_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/state.h"
#include "runtime/util.h"
#include "spec/spec.h"

struct sc_filter;

/* What a foreground `run` keeps of the container it made, to delete it
 * after the wait without reading state.json back: its state directory (open,
 * unlocked) and its cgroups.  Filled by create only where nothing else is
 * needed (no poststop hooks, no systemd scope); ok says it was. */
struct run_keep {
	bool ok;
	int rootfd, dirfd;
	struct cgroup_set cg;
};

struct net_flags;

struct create_opts {
	const char *root;            /* --root */
	const char *id;
	const char *bundle;          /* --bundle, default "." */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	const char *pidfd_socket;    /* --pidfd-socket */
	bool systemd_cgroup;         /* --systemd-cgroup: a transient scope */
	bool foreground;             /* run without --detach: a terminal is relayed by hull */
	bool start;                  /* run: start at once (no exec fifo, no "created" state) */
	struct run_keep *keep;       /* run without --detach/--keep: filled on success, or NULL */
	/* --image: the overlay the init mounts on root.path in its own mount
	 * namespace (lower: top first); n_lower 0: none. */
	const char *const *lower;
	size_t n_lower;
	const char *upper, *work;
	/* Networks: run/create's flags (NULL: the config's annotations only)
	 * and the store of their leases (NULL: STORE_DEFAULT). */
	const struct net_flags *net;
	const char *store;
};

/* `run` waits for the init's word that it started only when hooks hang on
 * it (startContainer in the init, poststart after it). */
static inline bool start_answered(const struct spec_hooks *h)
{
	return h && (h->n_start_container || h->n_poststart);
}

/* Everything the init child needs; the child gets its own copy at clone. */
struct init_ctx {
	const struct create_opts *opts;
	const struct spec *spec;
	const struct cgroup_set *cg;
	const char *rootfs;          /* absolute host path of root.path */
	const char *bundle;          /* absolute bundle path */
	int sync_fd;                 /* child's end of the socketpair */
	int console_fd;              /* connected --console-socket, -1 if none */
	bool hooks_in_child;         /* createContainer/startContainer hooks (or prestart/createRuntime) exist */
	bool share_vm;               /* the init shares hull's memory until its exec (spawn_req);
				      * it then moves itself into its cgroups, and hull has
				      * no first word for it */
	bool v2_join;                /* not born in its cgroup2 directory (none opened, or
				      * CLONE_INTO_CGROUP refused): moved in by cgroup.procs */
	const char *const *extra_env;  /* LISTEN_FDS, LISTEN_PID */
	size_t n_extra_env;
	int fifo_fd;                 /* O_PATH fd of exec.fifo; -1: start at once (told on sync_fd) */
	int rootfd;                  /* O_PATH fd of the rootfs between rootfs_mount and rootfs_pivot */
	int devfd;                   /* O_PATH fd of its /dev, as long (rootfs_open_dev; the console) */
	int *bind_src;               /* with a user namespace: O_PATH fds of the bind sources
				      * (by mount index, -1: none), opened before the init becomes
				      * the mapped root (rootfs_open_bind_sources); else NULL */
	bool dev_ro;                 /* the /dev mount asked for "ro": mounted read-write, filled
				      * (nodes, mount points, console), made read-only last */
	int cg_tree[CG_MAX_DIRS];    /* detached clones of cg's directories, made in hull's
				      * mount namespace for the cgroup mount (rootfs_cgroup_trees); -1: none */
	int ns_fd[SPEC_NS__COUNT];   /* namespaces to join, -1 for none */
	bool ns_new[SPEC_NS__COUNT]; /* namespaces to create */
	const struct sc_filter *seccomp; /* linux.seccomp compiled, NULL if none */
};

/* Messages between hull and the processes it starts (runtime/sync.c). */
enum sync_type {
	SYNC_READY = 1,   /* child: set up, waiting for start (or about to exec) */
	SYNC_ERROR,       /* child: failed, code and text say why */
	SYNC_PID,         /* user-namespace helper: code is the child's pid */
	SYNC_HOOKS,       /* child: mounts done; parent runs prestart/createRuntime,
			   * then answers with SYNC_STATE */
	SYNC_STATE,       /* parent: text holds the state JSON for the child's hooks */
	SYNC_MASTER,      /* child: the pty master rides along (foreground terminal) */
	SYNC_SECCOMP,     /* child: loading a filter whose listener will be fd <code> */
	SYNC_SECCOMP_DONE, /* child: loaded (listener fd <code>); may never come */
};
struct sync_msg {
	int type;
	int code;
	char text[65536];
};
/* Send one message: type, code, an optional text (NUL-terminated, it must
 * fit struct sync_msg) and an optional fd (>= 0); 0 or -errno. */
int sync_send(int sock, int type, int code, const char *text, int fd);
/* Receive one message (and an fd into *fd, -1 if none); bytes or -errno (-EPIPE at EOF). */
int sync_recv(int sock, struct sync_msg *m, int *fd);

/* The seccomp listener hand-off (runtime/listener.c).  Connect to
 * linux.seccomp.listenerPath (the socket fd, or hull_err naming the path). */
int seccomp_listener_connect(const struct spec_seccomp *sc, struct hull_err *e);
/* linux.seccomp of s compiled (or from the cache under root) into *f
 * (f->insns NULL: no seccomp), and the listener connected when it has one. */
int container_seccomp(const struct spec *s, const char *root, const char *cfg, struct sc_filter *f, int *listener,
		      struct hull_err *e);
/* After the child's SYNC_SECCOMP (listener to be fd fdnum): take the fd out
 * of pid with pidfd_getfd once loaded, and send it with the container
 * process state (state_json: the container's state) to listener. */
int seccomp_handoff(int sock, pid_t pid, int fdnum, int listener, const struct spec_seccomp *sc,
		    const char *state_json, struct hull_err *e);

/* Start a child (clone3) into new namespaces and a cgroup, joining a pid
 * and a user namespace first when given; child(arg) must not return. */
struct spawn_req {
	uint64_t flags;              /* CLONE_NEW* to create */
	int cgroup_fd;               /* v2 directory for CLONE_INTO_CGROUP, or -1 */
	const char *cgroup_dir;      /* its path, for errors */
	int pidns_fd;                /* pid namespace to be born in, or -1 */
	int userns_fd;               /* user namespace to join first, or -1 */
	int report_fd;               /* the child's end of the sync socket */
	int parent_sock;             /* hull's end */
	void (*child)(void *arg);
	void *arg;
	bool *v2_refused;            /* out (or NULL): CLONE_INTO_CGROUP was refused, the
				      * child was born outside cgroup_fd's cgroup (set
				      * before that child exists) */
	/* The child shares hull's memory until its exec (CLONE_VM) on a stack
	 * of its own: no copy of hull's page tables at the clone, no copy-on-
	 * write faults on either side, no teardown at its exec.  Only where
	 * nothing of hull runs beside it (see create.c: share_vm_ok); hull
	 * waits for its exec (or exit), then calls spawn_release.  No user
	 * namespace to join. */
	bool share_vm;
	void *stack;                 /* out: the child's stack (share_vm) */
	size_t stack_size;
	int dumpable;                /* out: hull's dumpable flag before (share_vm) */
};
pid_t spawn(struct spawn_req *r, struct hull_err *e);
/* What a clone3 with these flags acted on, for its error: "clone3 into
 * cgroup DIR with new pid,mount namespaces in the joined user namespace"
 * (cgroup: NULL or flags without CLONE_INTO_CGROUP: none named). */
void spawn_what(char *buf, size_t cap, uint64_t flags, const char *cgroup, bool in_userns);
/* A share_vm child has exec'd or exited: hull's dumpable flag back, and its
 * stack unmapped (unmap) or left to go when hull exits (its few touched
 * pages cost less then than an munmap of their own). */
void spawn_release(struct spawn_req *r, bool unmap);

/* create: on success the container is in state "created" (o->start: it is
 * started, "running") and *pid is its init; with a foreground terminal
 * *master is the pty master (else -1).  A failure after the container was
 * recorded (only o->start's start can fail so) leaves *pid set and the
 * container for the caller to delete. */
int container_create(const struct create_opts *o, pid_t *pid, int *master, struct hull_err *e);
/* The pty of a container process, made in the container's /dev/pts: master
 * (ptmx opened beneath devfd, an fd of the container's /dev, and checked to
 * be the multiplexer 5:2; devfd -1: the /dev of our root, reached without a
 * symlink) and slave (opened through the master, never by path), its name. */
int container_pty(int devfd, int *master, int *slave, char *name, size_t cap, struct hull_err *e);
/* Make the pty slave the controlling terminal and stdio of this process. */
int container_take_tty(int slave, struct hull_err *e);
/* Write pid to path atomically (--pid-file). */
int write_pid_file(const char *path, pid_t pid, struct hull_err *e);
/* Send a pidfd of pid to the unix socket at path (--pidfd-socket). */
int send_pidfd(const char *path, pid_t pid, struct hull_err *e);
/* The init child: sets up the container and execs the user's program. */
__attribute__((noreturn)) void container_init(struct init_ctx *c);
/* Rootfs work of the init child: the mounts and /dev (rootfs_mount), then
 * pivot_root (rootfs_pivot); createContainer hooks run between the two. */
int rootfs_mount(struct init_ctx *c, struct hull_err *e);
/* For a config with a cgroup mount, in hull's own mount namespace: a
 * detached clone of each cgroup directory into trees[] (-1 where none), with
 * the propagation the container's tree gets, for the init to move into place
 * (no walk down the host paths from inside its namespace).  Only where the
 * init makes a mount namespace of its own and no user namespace. */
void rootfs_cgroup_trees(const struct init_ctx *c, int *trees);
int rootfs_pivot(struct init_ctx *c, struct hull_err *e);
/* Whether the init makes or joins a mount namespace; without one it works in
 * hull's own: the rootfs bound onto itself there, the config's mounts under
 * that bind, chroot instead of pivot_root, and delete unmounts the bind. */
static inline bool init_has_mount_ns(const struct init_ctx *c)
{
	return c->ns_new[SPEC_NS_MOUNT] || c->ns_fd[SPEC_NS_MOUNT] >= 0;
}
/* The id of the mount path is on (statx), 0 if none could be read. */
uint64_t rootfs_mount_id(const char *path);
/* Unmount (detached) whatever was stacked on path above the mount whose id
 * is base: what a create without a mount namespace left in hull's.  0 or
 * -errno. */
int rootfs_unstack(const char *path, uint64_t base);
/* With a user namespace, before the switch to its root: open every bind
 * source with the runtime's rights (as host root the init still passes the
 * permission checks of root's own directories, which the mapped root would
 * fail), so do_mount binds from these fds.  0 or -1 with e filled. */
int rootfs_open_bind_sources(struct init_ctx *c, struct hull_err *e);
/* After pivot_root: sysctl, masked and read-only paths, read-only root. */
int rootfs_finish(struct init_ctx *c, struct hull_err *e);
/* Create every missing directory of path below rootfd (never leaving the
 * root); returns an O_PATH fd of the directory or -errno. */
int root_mkdir_all(int rootfd, const char *path, unsigned mode);
/* O_PATH fd of "dev" below rootfd, reached without following a symlink
 * (made when missing and mkdir); -ELOOP when it is a symlink. */
int rootfs_open_dev(int rootfd, bool mkdir);
/* A mount destination with "//", "." and ".." collapsed, never above "/"
 * (what the /proc and /sys checks of the mounts compare). */
void rootfs_clean_path(const char *dest, char *out, size_t cap);

/* Validate id, open its state directory (taking lock: LOCK_EX, LOCK_SH or 0)
 * and read its state.  The fds are set (or -1) even on failure. */
int container_open(const char *root, const char *id, int lock, int *rootfd, int *dirfd,
		   struct cstate *st, struct hull_err *e);
/* The container's config.json, parsed from its bundle. */
int container_config(const struct cstate *st, struct spec **out, struct hull_err *e);
/* --pid-file and --pidfd-socket of a process that now runs. */
int report_process(const char *pid_file, const char *pidfd_socket, pid_t pid, struct hull_err *e);
/* start: let a created container run its program. */
int container_start(const char *root, const char *id, struct hull_err *e);
/* delete: force also kills a running container. */
int container_delete(const char *root, const char *id, bool force, struct hull_err *e);
/* run's delete of the container it made and waited for, from what create
 * kept (closes and frees k).  A directory removed meanwhile (a delete from
 * elsewhere) is left alone. */
int container_reap(struct run_keep *k, const char *id, struct hull_err *e);
/* kill: signal the init (or, with all, every process of the container). */
int container_kill(const char *root, const char *id, int sig, bool all, struct hull_err *e);
struct exec_opts {
	const char *root, *id;
	const char *process_file;     /* --process: the whole process, other flags ignored */
	bool detach, tty, no_new_privs, ignore_paused;
	const char *pid_file, *console_socket, *pidfd_socket, *cwd, *user, *apparmor, *process_label, *cgroup;
	const char **env;  size_t n_env;        /* -e K=V, override the config's */
	const char **add_gids; size_t n_add_gids;
	const char **caps; size_t n_caps;       /* --cap: added to every set */
	int preserve_fds;
	char **args; size_t n_args;
};
/* exec: run a process in the container; *status is its exit status (0 with
 * detach).  fwd: the signals `exec` blocked, to forward while waiting. */
int container_exec(const struct exec_opts *o, const sigset_t *fwd, int *status, struct hull_err *e);
/* The host pids of every process of the container (malloc'd). */
int container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct hull_err *e);

/* Print ps(1) output (args, default -ef) cut to the given pids; exit status. */
int ps_table(const pid_t *pids, size_t n, int argc, char **argv);

/* update: write the given resources into a live container's cgroups. */
int container_update(const char *root, const char *id, struct spec_resources *res, struct hull_err *e);
/* pause (true) / resume (false). */
int container_pause(const char *root, const char *id, bool pause, struct hull_err *e);
/* events: one stats line (stats_once), or stats every interval_ms and an
 * oom line per OOM kill, until the container stops. */
int container_events(const char *root, const char *id, bool stats_once, long interval_ms, struct hull_err *e);

/* Signal number from "9", "KILL" or "SIGKILL"; -EINVAL when unknown. */
int parse_signal(const char *s);

#endif
