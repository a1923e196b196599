/* SPDX-License-Identifier: Apache-2.0 */
/* start, kill, delete: commands on an existing container. */
#include "runtime/container.h"
#include "runtime/network.h"
#include "runtime/image.h"
#include "runtime/hooks.h"
#include "runtime/log.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* A signal's number, name or SIG-name; "0" is signal 0 (kill(2)'s "is it
 * alive" check, which sends nothing). */
int parse_signal(const char *s)
{
	uint64_t n;
	if (parse_u64(s, &n) == 0)
		return n < (uint64_t)NSIG ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbr = sigabbrev_np(i);
		if (abbr && strcasecmp(s, abbr) == 0)
			return i;
	}
	if (strncasecmp(s, "RTMIN+", 6) == 0 && parse_u64(s + 6, &n) == 0 && SIGRTMIN + (int)n <= SIGRTMAX)
		return SIGRTMIN + (int)n;
	if (strncasecmp(s, "RTMAX-", 6) == 0 && parse_u64(s + 6, &n) == 0 && SIGRTMAX - (int)n >= SIGRTMIN)
		return SIGRTMAX - (int)n;
	return -EINVAL;
}

/* A pidfd for the container's init, or -1 when that process is gone (or the
 * pid now names another process). */
static int init_pidfd(const struct cstate *st)
{
	return proc_pidfd(st->pid, st->pid_ino, st->start_time, false);
}

int container_config(const struct cstate *st, struct spec **out, struct hull_err *e)
{
	char cfg[4200];
	snprintf(cfg, sizeof cfg, "%s/config.json", st->bundle);
	struct spec_err serr;
	int r = spec_load(cfg, cfg, out, &serr);
	return r < 0 ? hull_errf(e, -r, "%s", serr.msg) : 0;
}

/* Run the poststart or poststop hooks of the container's config (parsed
 * only now: state.json says whether there are any). */
static int bundle_hooks(const struct cstate *st, bool poststart, struct hull_err *e)
{
	struct spec *s = NULL;
	int r = container_config(st, &s, e);
	if (r < 0)
		return r;
	const struct spec_hooks *h = s->hooks;
	if (h) {
		char *json = state_oci_json(st, poststart ? ST_RUNNING : ST_STOPPED, false);
		r = !json ? hull_errf(e, ENOMEM, "out of memory")
		    : poststart ? hooks_run("poststart", h->poststart, h->n_poststart, json, e)
				: hooks_run("poststop", h->poststop, h->n_poststop, json, e);
		free(json);
	}
	spec_free(s);
	return r;
}

/* The end of every delete: the cgroups (what is left in them killed), the
 * systemd scope and the poststop hooks st names (st NULL: none), the state
 * directory. */
static int remove_container(int rootfd, int dirfd, const char *id, const struct cgroup_set *cg,
			    const struct cstate *st, struct hull_err *e)
{
	int ret = cgroup_destroy(cg, e);
	if (ret < 0)
		return ret;
	/* Without a mount namespace of its own, the container's mounts are
	 * in hull's, all under the bind of its rootfs. */
	if (st && st->rootfs_mnt && st->rootfs && (ret = rootfs_unstack(st->rootfs, st->rootfs_mnt)) < 0)
		return hull_syserr(e, -ret, "unmounting the rootfs %s of \"%s\"", st->rootfs, id);
	if (st && st->unit && (ret = systemd_stop_unit(st->unit, e)) < 0)
		return ret;
	if (st && (st->hooks & HOOK_POSTSTOP)) {
		/* runtime-spec: poststop failures are logged, delete goes on. */
		struct hull_err e2;
		if (bundle_hooks(st, false, &e2) < 0)
			log_warn("%s", e2.msg);
	}
	/* Its networks: veths, leases, published ports. */
	if (st && (ret = net_leave(st->annotations, st->n_annotations, id, e)) < 0)
		return ret;
	/* --image: its directory in the store (upper, work, bundle). */
	for (size_t i = 0; st && i < st->n_annotations; i++)
		if (!strcmp(st->annotations[i].key, "hull.store") && st->annotations[i].value)
			image_container_gone(st->annotations[i].value, id);
	if (state_remove_dir(rootfd, dirfd, id) < 0)
		return hull_syserr(e, errno, "removing state of \"%s\"", id);
	log_debug("deleted container %s", id);
	return 0;
}

int container_open(const char *root, const char *id, int lock, int *rootfd, int *dirfd,
		   struct cstate *st, struct hull_err *e)
{
	*rootfd = *dirfd = -1;
	int r = state_validate_id(id, e);
	if (r < 0)
		return r;
	/* Commands on an existing container never make the root directory. */
	*rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*rootfd < 0)
		return errno == ENOENT ? hull_errf(e, ENOENT, "container \"%s\" does not exist", id)
				       : hull_syserr(e, errno, "state root %s", root);
	if ((r = state_open_dir(*rootfd, id, lock, dirfd, e)) < 0)
		return r;
	return state_read(*dirfd, id, st, e);
}

int container_start(const char *root, const char *id, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1, pidfd = -1, fifo = -1;
	struct cstate st;
	int ret = container_open(root, id, LOCK_EX, &rootfd, &dirfd, &st, e);
	if (ret < 0)
		return ret;
	enum cstatus s = state_status(dirfd, &st);
	if (s != ST_CREATED) {
		ret = hull_errf(e, EINVAL, "cannot start container \"%s\": it is %s, not created", id, state_status_name(s));
		goto out;
	}
	pidfd = init_pidfd(&st);
	fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0 || pidfd < 0) {
		ret = hull_syserr(e, fifo < 0 ? errno : ESRCH, "starting container \"%s\"", id);
		goto out;
	}
	/* The init opens the fifo for writing and writes one byte; if it dies
	 * instead, its pidfd tells us. */
	struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	char c;
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = hull_syserr(e, errno, "poll");
			goto out;
		}
		if (p[0].revents & POLLIN) {
			if (read(fifo, &c, 1) == 1)
				break;
		}
		if (p[0].revents & POLLHUP) {
			/* The init opened the fifo but died before writing. */
			ret = hull_errf(e, ESRCH, "container \"%s\" exited before it could start", id);
			goto out;
		}
		if (p[1].revents) {
			ret = hull_errf(e, ESRCH, "container \"%s\" exited before it could start", id);
			goto out;
		}
	}
	unlinkat(dirfd, "exec.fifo", 0);
	if (c != '0') {
		/* startContainer hooks failed in the container: '1' and why. */
		char msg[1024] = "";
		ssize_t n = 0, k;
		fcntl(fifo, F_SETFL, 0);
		while (n < (ssize_t)sizeof msg - 1 && (k = read(fifo, msg + n, sizeof msg - 1 - (size_t)n)) > 0)
			n += k;
		msg[n] = 0;
		ret = hull_errf(e, EIO, "starting container \"%s\": %s", id, n ? msg : "the container's init failed");
		goto out;
	}
	if (st.hooks & HOOK_POSTSTART) {
		if ((ret = bundle_hooks(&st, true, e)) < 0) {
			/* runtime-spec 1.3: a failing poststart hook stops the container. */
			struct hull_err e2;
			cgroup_signal_all(&st.cg, SIGKILL, &e2);
			goto out;
		}
	}
	log_debug("started container %s", id);
out:
	state_free(&st);
	return ret;
}

int container_reap(struct run_keep *k, const char *id, struct hull_err *e)
{
	/* Only create writes state.json, so what it kept is what the file
	 * says; the lock and a directory still linked make it still ours (a
	 * container of the same ID can exist only once this one is gone). */
	int ret = 0, r;
	struct stat sb;
	while ((r = flock(k->dirfd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0 || fstat(k->dirfd, &sb) < 0) {
		ret = hull_syserr(e, errno, "state of \"%s\"", id);
	} else if (sb.st_nlink > 0) {
		ret = remove_container(k->rootfd, k->dirfd, id, &k->cg, NULL, e);
	}
	close(k->dirfd);
	close(k->rootfd);
	cgroup_set_free(&k->cg);
	k->ok = false;
	return ret;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1;
	struct cstate st;
	int ret = container_open(root, id, 0, &rootfd, &dirfd, &st, e);
	if (ret < 0)
		return ret;
	enum cstatus s = state_status(dirfd, &st);
	if (s == ST_CREATING || (s == ST_STOPPED && !all)) {
		ret = hull_errf(e, ESRCH, "container \"%s\" is not running", id);
	} else if (all) {
		/* As runc: --all signals what is left in the cgroup even once the
		 * init has exited, and an empty cgroup is no error (containerd's
		 * shim sends `kill --all ID 9` before deleting a stopped task). */
		ret = cgroup_signal_all(&st.cg, sig, e);
	} else {
		_cleanup_close_ int pidfd = init_pidfd(&st);
		if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
			ret = hull_syserr(e, pidfd < 0 ? ESRCH : errno, "kill container \"%s\"", id);
	}
	/* A SIGKILL must work on a paused container too: frozen tasks die
	 * only once thawed (as runc does). */
	if (ret == 0 && sig == SIGKILL && s == ST_PAUSED)
		ret = cgroup_freeze(&st.cg, false, e);
	state_free(&st);
	return ret;
}

int container_delete(const char *root, const char *id, bool force, struct hull_err *e)
{
	_cleanup_close_ int rootfd = -1, dirfd = -1, pidfd = -1;
	struct cstate st;
	int ret = container_open(root, id, LOCK_EX, &rootfd, &dirfd, &st, e);
	if (ret < 0) {
		/* A create killed before its first record: nothing else exists. */
		if (force && ret == -ENOENT && dirfd >= 0) {
			state_remove_dir(rootfd, dirfd, id);
			return 0;
		}
		return ret;
	}
	enum cstatus s = state_status(dirfd, &st);
	if ((s == ST_RUNNING || s == ST_PAUSED || s == ST_CREATING) && !force) {
		ret = hull_errf(e, EBUSY, "cannot delete container \"%s\" that is %s (use --force)", id, state_status_name(s));
		goto out;
	}
	if (s == ST_CREATING) {
		/* Another hull is still creating it: stop that first (through
		 * a pidfd of that very process, not its pid). */
		_cleanup_close_ int cfd = state_creator_pidfd(&st);
		if (cfd >= 0)
			syscall(SYS_pidfd_send_signal, cfd, SIGKILL, NULL, 0);
	}
	pidfd = init_pidfd(&st);
	if (pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		while (poll(&p, 1, 10000) < 0 && errno == EINTR)
			;
	}
	ret = remove_container(rootfd, dirfd, id, &st.cg, &st, e);
out:
	state_free(&st);
	return ret;
}
