/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks (config.md "POSIX-platform Hooks").  Each hook is forked and
 * exec'd directly (no shell, no PATH search) with exactly its args and env.
 * The parent feeds the state JSON into the hook's stdin, relays its stdout
 * and stderr to hull's stderr (hull's stdout may be an engine's protocol
 * channel), and waits on a pidfd so that the timeout is exact. */
#include "runtime/hooks.h"
#include "runtime/log.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* How much of the hook's first stderr line goes into the failure message. */
#define ERRLINE_MAX 200
/* Longest line of hook output logged in one debug record. */
#define DBGLINE_MAX 512

/* One of the hook's output pipes, read by the parent. */
struct hook_stream {
	int fd;                     /* parent's read end, -1 once at EOF */
	const char *name;           /* "stdout" / "stderr" for debug logs */
	bool keep_first;            /* remember the first non-empty line */
	char first[ERRLINE_MAX + 1];
	size_t first_len;
	bool first_done;
	char dbg[DBGLINE_MAX + 1];
	size_t dbg_len;
};

struct hook_ctx {
	const char *phase;
	size_t idx;
	const char *path;
	bool debug;                 /* also log output lines at debug level */
};

static void stream_flush_dbg(const struct hook_ctx *c, struct hook_stream *s)
{
	if (s->dbg_len == 0)
		return;
	s->dbg[s->dbg_len] = 0;
	log_debug("%s hook %zu (%s) %s: %s", c->phase, c->idx, c->path, s->name, s->dbg);
	s->dbg_len = 0;
}

/* Account for bytes the hook wrote: first line for the error message and
 * line-by-line debug logging. */
static void stream_feed(const struct hook_ctx *c, struct hook_stream *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (s->keep_first && !s->first_done) {
			if (ch == '\n') {
				/* A leading empty line says nothing; wait for text. */
				if (s->first_len > 0)
					s->first_done = true;
			} else if (ch != '\r') {
				/* The message must stay one printable line. */
				s->first[s->first_len++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
				if (s->first_len == ERRLINE_MAX)
					s->first_done = true;
			}
			s->first[s->first_len] = 0;
		}
		if (c->debug) {
			if (ch == '\n') {
				stream_flush_dbg(c, s);
			} else {
				s->dbg[s->dbg_len++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
				if (s->dbg_len == DBGLINE_MAX)
					stream_flush_dbg(c, s);
			}
		}
	}
}

static void stream_close(const struct hook_ctx *c, struct hook_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (c->debug)
		stream_flush_dbg(c, s);
}

/* Read what is available now (the fd is non-blocking) and copy it to
 * hull's stderr.  Closes the stream at EOF. */
static void stream_pump(const struct hook_ctx *c, struct hook_stream *s)
{
	char buf[4096];
	while (s->fd >= 0) {
		ssize_t n = read(s->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			stream_close(c, s);
			return;
		}
		/* Best effort: a closed or broken stderr must not fail the hook
		 * (SIGPIPE is blocked around the hook run). */
		(void)write_all(2, buf, (size_t)n);
		stream_feed(c, s, buf, (size_t)n);
	}
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void close_from(int lowfd)
{
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
	/* Kernels before 5.9: close them one by one. */
	struct rlimit rl;
	rlim_t max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
		max = rl.rlim_cur;
	for (rlim_t fd = (rlim_t)lowfd; fd < max; fd++)
		close((int)fd);
}

/* In the forked child: set up fds 0/1/2 (and 3 for reporting an exec
 * failure), drop every other fd and hull's signal state, exec.  Only
 * async-signal-safe calls here. */
static __attribute__((noreturn)) void hook_child(const char *path, char *const argv[],
						  char *const envp[], int in_r, int out_w, int err_w,
						  int rep_w, pid_t parent)
{
	int rep = rep_w;
	int fds[4] = { in_r, out_w, err_w, rep_w };
	int err;

	/* The hook dies with the process that runs it: a hull killed
	 * mid-create can neither wait for it nor end it, and nothing else
	 * knows of it.  (Its own children are its business.)  A parent gone
	 * already is seen by getppid. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		goto fail;
	if (getppid() != parent)
		_exit(127);

	/* Move everything above 3 first so that the dup2s below cannot
	 * clobber a source that happens to sit on 0..3 (hull may have been
	 * started with some of 0/1/2 closed). */
	for (int i = 0; i < 4; i++) {
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 4);
		if (fds[i] < 0)
			goto fail;
	}
	rep = fds[3];
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)     /* dup2 clears FD_CLOEXEC on i */
			goto fail;
	if (dup3(fds[3], 3, O_CLOEXEC) < 0)
		goto fail;
	rep = 3;
	/* Nothing but 0/1/2 may reach the hook, also fds hull inherited
	 * without O_CLOEXEC; fd 3 goes away at exec by O_CLOEXEC. */
	close_from(4);

	/* exec keeps ignored dispositions and the mask; hull blocks signals
	 * while it waits, and the hook must start clean. */
	reset_signals();

	execve(path, argv, envp);
fail:
	err = errno;
	while (write(rep, &err, sizeof err) < 0 && errno == EINTR)
		;
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Kill and reap a child we are giving up on, so no zombie or stray hook
 * is left behind. */
static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int run_one(const struct hook_ctx *c, const struct spec_hook *h, const char *state,
		   size_t state_len, struct hull_err *e)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	_cleanup_free_ char **argv = NULL;
	_cleanup_free_ char **envp = NULL;
	int pidfd = -1, r;

	if (!h->path || h->path[0] != '/')
		return hull_errf(e, EINVAL, "%s hook %zu (%s): path must be absolute", c->phase, c->idx,
				 h->path ? h->path : "");

	/* execve wants char *const[]; the strings themselves are not written. */
	argv = calloc(h->n_args ? h->n_args + 1 : 2, sizeof *argv);
	envp = calloc(h->n_env + 1, sizeof *envp);
	if (!argv || !envp)
		return hull_errf(e, ENOMEM, "%s hook %zu (%s): out of memory", c->phase, c->idx, c->path);
	if (h->n_args == 0)
		argv[0] = (char *)h->path;
	for (size_t i = 0; i < h->n_args; i++)
		argv[i] = (char *)h->args[i];
	for (size_t i = 0; i < h->n_env; i++)
		envp[i] = (char *)h->env[i];

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		r = hull_syserr(e, errno, "%s hook %zu (%s): pipe", c->phase, c->idx, c->path);
		goto out_fds;
	}
	/* Only the parent's ends are non-blocking: the hook gets ordinary
	 * blocking pipes. */
	if ((r = set_nonblock(in[1])) < 0 || (r = set_nonblock(out[0])) < 0 ||
	    (r = set_nonblock(errp[0])) < 0) {
		r = hull_syserr(e, -r, "%s hook %zu (%s): fcntl", c->phase, c->idx, c->path);
		goto out_fds;
	}

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		r = hull_syserr(e, errno, "%s hook %zu (%s): fork", c->phase, c->idx, c->path);
		goto out_fds;
	}
	if (pid == 0)
		hook_child(h->path, argv, envp, in[0], out[1], errp[1], rep[1], parent);

	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&rep[1]);

	/* The pidfd gets readable when the hook exits: one poll covers its
	 * exit, its pipes and the deadline. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		r = hull_syserr(e, errno, "%s hook %zu (%s): pidfd_open", c->phase, c->idx, c->path);
		kill_reap(pid);
		goto out_fds;
	}

	struct hook_stream so = { .fd = take_fd(&out[0]), .name = "stdout" };
	struct hook_stream se = { .fd = take_fd(&errp[0]), .name = "stderr", .keep_first = true };
	bool timed_out = false, exited = false;
	size_t off = 0;
	int64_t deadline = h->has_timeout && h->timeout > 0 ? now_ms() + (int64_t)h->timeout * 1000 : -1;
	if (state_len == 0)
		close_fd(&in[1]);

	while (!exited) {
		int tmo = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				timed_out = true;
				break;
			}
			tmo = left > 1000000 ? 1000000 : (int)left;
		}
		struct pollfd p[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = in[1], .events = POLLOUT },
			{ .fd = so.fd, .events = POLLIN },
			{ .fd = se.fd, .events = POLLIN },
		};
		int n = poll(p, 4, tmo);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = hull_syserr(e, errno, "%s hook %zu (%s): poll", c->phase, c->idx, c->path);
			kill_reap(pid);
			stream_close(c, &so);
			stream_close(c, &se);
			goto out_fds;
		}
		if (in[1] >= 0 && p[1].revents) {
			/* POLLERR means the hook closed its stdin: the write
			 * fails with EPIPE (SIGPIPE is blocked) and we stop. */
			ssize_t w = write(in[1], state + off, state_len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == state_len)
				close_fd(&in[1]);
		}
		if (so.fd >= 0 && p[2].revents)
			stream_pump(c, &so);
		if (se.fd >= 0 && p[3].revents)
			stream_pump(c, &se);
		if (p[0].revents)
			exited = true;
	}
	close_fd(&in[1]);

	int status = 0;
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = hull_syserr(e, errno, "%s hook %zu (%s): waitpid", c->phase, c->idx, c->path);
			stream_close(c, &so);
			stream_close(c, &se);
			goto out_fds;
		}
	}
	/* What the hook wrote before exiting is still in the pipes; take it
	 * without waiting for EOF, which a backgrounded grandchild holding
	 * the pipe could postpone forever. */
	stream_pump(c, &so);
	stream_pump(c, &se);
	stream_close(c, &so);
	stream_close(c, &se);

	/* The child wrote errno to the report pipe if it never got to run the
	 * hook; at exec the pipe closed empty. */
	int exec_err = 0;
	ssize_t got;
	do
		got = read(rep[0], &exec_err, sizeof exec_err);
	while (got < 0 && errno == EINTR);

	const char *sep = se.first_len ? ": " : "";
	if (got == (ssize_t)sizeof exec_err && exec_err > 0) {
		r = hull_syserr(e, exec_err, "%s hook %zu (%s): exec", c->phase, c->idx, c->path);
	} else if (timed_out) {
		r = hull_errf(e, ETIMEDOUT, "%s hook %zu (%s): timed out after %d s", c->phase, c->idx,
			      c->path, (int)h->timeout);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		r = hull_errf(e, EIO, "%s hook %zu (%s): exited with status %d%s%s", c->phase, c->idx,
			      c->path, WEXITSTATUS(status), sep, se.first);
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));
		r = hull_errf(e, EIO, "%s hook %zu (%s): killed by signal %d%s%s%s%s%s", c->phase, c->idx,
			      c->path, WTERMSIG(status), abbrev ? " (SIG" : "", abbrev ? abbrev : "",
			      abbrev ? ")" : "", sep, se.first);
	} else {
		r = 0;
	}

out_fds:
	close_fd(&pidfd);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
	return r;
}

int hooks_run(const char *phase, const struct spec_hook *hooks, size_t n,
	      const char *state_json, struct hull_err *e)
{
	if (n == 0)
		return 0;
	if (!state_json)
		state_json = "";

	/* A hook need not read its stdin; writing the state then raises
	 * SIGPIPE, which must not kill hull.  Block it for the duration and
	 * swallow the instance we caused. */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	sigset_t pending;
	sigemptyset(&pending);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE) == 1;

	struct hook_ctx c = { .phase = phase ? phase : "hook",
			      .debug = log_level_enabled(LOG_DEBUG) && log_fd() != 2 };
	size_t len = strlen(state_json);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		c.idx = i;
		c.path = hooks[i].path ? hooks[i].path : "";
		log_debug("running %s hook %zu: %s", c.phase, i, c.path);
		r = run_one(&c, &hooks[i], state_json, len, e);
	}

	if (!was_pending) {
		sigemptyset(&pending);
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1) {
			const struct timespec zero = { 0, 0 };
			(void)sigtimedwait(&pipe_set, NULL, &zero);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
