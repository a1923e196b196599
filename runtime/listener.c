/* SPDX-License-Identifier: Apache-2.0 */
/* Handing a seccomp listener fd to linux.seccomp.listenerPath.
 *
 * The container's process loads its filter and may be blocked, right after,
 * in a syscall the filter notifies (a write to hull, say), so hull does not
 * wait for it to say "loaded": it asks the kernel for the fd with
 * pidfd_getfd until it is there.  What goes to the listener is runtime-spec's
 * container process state, with the fd attached (SCM_RIGHTS). */
#include "runtime/container.h"
#include "seccomp/seccomp.h"

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <yajl/yajl_gen.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int seccomp_listener_connect(const struct spec_seccomp *sc, struct hull_err *e)
{
	int fd = unix_connect(sc->listener_path);
	if (fd < 0)
		return hull_syserr(e, -fd, "linux.seccomp.listenerPath: connecting to \"%s\"", sc->listener_path);
	return fd;
}

static bool is_listener(int fd)
{
	char path[64], link[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return strcmp(link, "anon_inode:seccomp notify") == 0;
}

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {...}} */
static char *process_state(pid_t pid, const char *metadata, const char *state_json)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_string(g, (const unsigned char *)(metadata ? metadata : ""), metadata ? strlen(metadata) : 0);
	const unsigned char *m;
	size_t mlen;
	char *out = NULL;
	if (yajl_gen_get_buf(g, &m, &mlen) == yajl_gen_status_ok)
		out = xasprintf("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":%.*s,\"state\":%s}",
				SPEC_OCI_VERSION, (int)pid, (int)mlen, m, state_json);
	yajl_gen_free(g);
	return out;
}

int seccomp_handoff(int sock, pid_t pid, int fdnum, int listener, const struct spec_seccomp *sc,
		    const char *state_json, struct hull_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), lfd = -1, r = 0;
	struct sync_msg *m = malloc(sizeof *m);
	if (pidfd < 0 || !m) {
		r = hull_syserr(e, pidfd < 0 ? errno : ENOMEM, "linux.seccomp: taking the listener fd");
		goto out;
	}
	for (int delay = 1;; delay = delay < 32 ? delay * 2 : delay) {
		lfd = (int)syscall(SYS_pidfd_getfd, pidfd, fdnum, 0);
		if (lfd >= 0 && is_listener(lfd))
			break;
		if (lfd >= 0) {
			close(lfd);
			lfd = -1;
		} else if (errno != EBADF) {
			r = hull_syserr(e, errno, "linux.seccomp: taking the listener fd");
			goto out;
		}
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (poll(&p, 1, delay) <= 0)
			continue;
		int n = sync_recv(sock, m, NULL);
		if (n >= 0 && m->type == SYNC_SECCOMP_DONE) {
			fdnum = m->code;
			continue;
		}
		r = n >= 0 && m->type == SYNC_ERROR
			    ? hull_errf(e, m->code, "%s", m->text)
			    : hull_errf(e, EPIPE, "linux.seccomp: the container's process exited while loading its filter");
		goto out;
	}
	char *json = process_state(pid, sc->listener_metadata, state_json);
	if (!json) {
		r = hull_errf(e, ENOMEM, "out of memory");
		goto out;
	}
	struct iovec iov = { .iov_base = json, .iov_len = strlen(json) };
	ssize_t n = send_with_fd(listener, &iov, 1, lfd);
	if (n != (ssize_t)iov.iov_len)
		r = hull_syserr(e, n < 0 ? (int)-n : EIO, "linux.seccomp.listenerPath: sending the listener fd to \"%s\"",
				sc->listener_path);
	free(json);
	/* The process waits for this before it goes on to its exec. */
	if (r == 0 && send(sock, "A", 1, MSG_NOSIGNAL) != 1)
		r = hull_syserr(e, errno, "linux.seccomp: the container's process");
out:
	if (lfd >= 0)
		close(lfd);
	if (pidfd >= 0)
		close(pidfd);
	free(m);
	return r;
}

int container_seccomp(const struct spec *s, const char *root, const char *cfg, struct sc_filter *f, int *listener,
		      struct hull_err *e)
{
	*listener = -1;
	memset(f, 0, sizeof *f);
	const struct spec_seccomp *sc = s->linux_ ? s->linux_->seccomp : NULL;
	if (!sc)
		return 0;
	char dir[PATH_MAX];
	struct hull_err e2;
	snprintf(dir, sizeof dir, "%s/seccomp", root);
	int r = sc_prepare(sc, dir, f, &e2);
	if (r == 0 && f->notify && (*listener = seccomp_listener_connect(sc, &e2)) < 0) {
		r = *listener;
		sc_filter_free(f);
	}
	return r < 0 ? hull_errf(e, e2.code, "%s: %s", cfg, e2.msg) : 0;
}
