/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals: runc's console-socket protocol (the pty master travels as
 * SCM_RIGHTS over a unix socket) and the foreground relay of `run` and
 * `exec -t` (signals forwarded to the container, hull's stdio copied to and
 * from the pty master). */
#include "runtime/tty.h"
#include "runtime/log.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

/* sendmsg the fd with the name as data.  The data must be one byte at
 * least: a stream socket does not carry control data alone. */
static int send_fd(int sock, int fd, const char *name)
{
	const char *data = name && *name ? name : "";
	size_t len = *data ? strlen(data) : 1;   /* "" sends its NUL */
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	if (fd < 0)
		return -EBADF;
	ssize_t n = send_with_fd(sock, &iov, 1, fd);
	if (n < 0)
		return (int)n;
	/* The fd went with the first byte; finish the name if it was cut. */
	for (size_t off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, data + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			return -errno;
	}
	return 0;
}

int tty_send_fd(int sock, int fd, const char *name, struct hull_err *e)
{
	int r = send_fd(sock, fd, name);
	if (r < 0)
		return hull_syserr(e, -r, "sending %s: sendmsg", name && *name ? name : "fd");
	return 0;
}

int tty_recv_fd(int sock)
{
	char data[4096];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	ssize_t n;

	memset(&ctl, 0, sizeof ctl);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	int got = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			/* One fd is the protocol; extra ones would only leak. */
			if (got < 0)
				got = fd;
			else
				close(fd);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		if (got >= 0)
			close(got);
		return -EBADMSG;
	}
	if (got < 0)
		return n == 0 ? -ECONNRESET : -EBADMSG;
	return got;
}

int tty_connect_console(const char *socket_path, struct hull_err *e)
{
	size_t len = socket_path ? strlen(socket_path) : 0;
	if (len == 0)
		return hull_errf(e, EINVAL, "--console-socket: empty path");
	int sock = unix_connect(socket_path);
	if (sock == -ENAMETOOLONG)
		/* sun_path is a fixed 108 bytes; a longer path cannot be connected
		 * to (it would be silently cut to another name). */
		return hull_errf(e, ENAMETOOLONG,
				 "--console-socket %s: path too long for a unix socket (%zu bytes, at most %zu)",
				 socket_path, len, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	if (sock < 0)
		return hull_syserr(e, -sock, "--console-socket %s: connect", socket_path);
	return sock;
}

int tty_set_size(int fd, unsigned rows, unsigned cols)
{
	if (rows > USHRT_MAX || cols > USHRT_MAX)
		return -EINVAL;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

/* ---- the foreground relay ---- */

#define RELAY_BUF 4096   /* a pipe takes this much without blocking once POLLOUT */

struct relay {
	int master;             /* -1: no terminal to relay */
	bool in_open;           /* still reading hull's stdin */
	bool master_open;       /* the slave side still exists */
	bool out_ok;            /* hull's stdout still takes data */
	size_t ioff, ilen;      /* (all before the buffers: without a terminal */
	size_t ooff, olen;      /* only the first page is touched) */
	char ibuf[RELAY_BUF];   /* stdin -> master */
	char obuf[RELAY_BUF];   /* master -> stdout */
};

/* A write to a stdout whose reader left raises SIGPIPE at this thread; it is
 * blocked here, and must not reach the signalfd and be forwarded as if
 * someone had sent it to hull. */
static void out_dead(struct relay *r)
{
	r->out_ok = false;
	r->ooff = r->olen = 0;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	const struct timespec zero = { 0, 0 };
	(void)sigtimedwait(&s, NULL, &zero);
}

/* Blocking-style write of everything to hull's stdout, for the final drain
 * (stdout may have been left non-blocking by whoever started hull). */
static void out_all(struct relay *r, const char *p, size_t n)
{
	while (n > 0 && r->out_ok) {
		ssize_t w = write(1, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = 1, .events = POLLOUT };
			(void)poll(&pf, 1, -1);
		} else {
			out_dead(r);
		}
	}
}

/* Copy what the master still holds once the container's process is gone:
 * until EIO (slave closed everywhere), EOF or EAGAIN (a leftover process
 * in the container keeps the slave open; we do not wait for it). */
static void relay_drain(struct relay *r)
{
	out_all(r, r->obuf + r->ooff, r->olen - r->ooff);
	r->ooff = r->olen = 0;
	while (r->master_open) {
		ssize_t n = read(r->master, r->obuf, sizeof r->obuf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out_all(r, r->obuf, (size_t)n);
	}
}

void tty_copy_size(int from, int master)
{
	struct winsize ws;
	/* A 0x0 size (no real terminal behind from) would only erase
	 * the config's consoleSize. */
	if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* Reap pid if it has exited: *code gets the status to exit with.  Returns
 * 1 when reaped, 0 when still running, -errno. */
static int reap(pid_t pid, int *code)
{
	int st;
	pid_t w;
	do
		w = waitpid(pid, &st, WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	if (w == 0)
		return 0;
	if (WIFEXITED(st))
		*code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*code = 128 + WTERMSIG(st);
	else
		return 0;       /* stopped/continued: only with WUNTRACED, not asked */
	return 1;
}

/* One pass over the relay's fds after poll. */
static void relay_io(struct relay *r, const struct pollfd *pin, const struct pollfd *pm,
		     const struct pollfd *pout)
{
	if (pin->fd >= 0 && pin->revents) {
		ssize_t n = read(0, r->ibuf, sizeof r->ibuf);
		if (n > 0) {
			r->ioff = 0;
			r->ilen = (size_t)n;
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			/* EOF (or a stdin we cannot read, e.g. EIO from a
			 * background job): stop reading it.  The container
			 * keeps its terminal. */
			r->in_open = false;
		}
	}
	if (pm->fd >= 0 && (pm->revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) && r->ilen > r->ioff) {
		ssize_t n = write(r->master, r->ibuf + r->ioff, r->ilen - r->ioff);
		if (n > 0) {
			r->ioff += (size_t)n;
			if (r->ioff == r->ilen)
				r->ioff = r->ilen = 0;
		} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			/* Nobody is on the slave side to read input. */
			r->ioff = r->ilen = 0;
			r->in_open = false;
		}
	}
	if (pm->fd >= 0 && (pm->revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) && r->olen == 0) {
		ssize_t n = read(r->master, r->obuf, sizeof r->obuf);
		if (n > 0) {
			r->ooff = 0;
			r->olen = (size_t)n;
			if (!r->out_ok)
				r->olen = 0;   /* keep the pty flowing, drop the output */
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			/* EIO: every slave fd is closed.  Stop polling the
			 * master, whose POLLHUP would otherwise spin. */
			r->master_open = false;
		}
	}
	if (pout->fd >= 0 && pout->revents && r->olen > r->ooff) {
		ssize_t n = write(1, r->obuf + r->ooff, r->olen - r->ooff);
		if (n > 0) {
			r->ooff += (size_t)n;
			if (r->ooff == r->olen)
				r->ooff = r->olen = 0;
		} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			out_dead(r);
		}
	}
}

int wait_relay(pid_t pid, const sigset_t *fwd, int master_fd)
{
	/* Once per process; static, so that its 8 KiB of buffers are touched
	 * only when a terminal is relayed. */
	static struct relay relay;
	struct relay *r = &relay;
	r->ioff = r->ilen = r->ooff = r->olen = 0;
	r->master = master_fd;
	r->in_open = r->master_open = master_fd >= 0;
	r->out_ok = true;

	bool tty_in = master_fd >= 0 && isatty(0);
	/* What the signalfd reports: the signals to forward, SIGCHLD to learn
	 * of pid's exit and, when relaying a terminal, SIGWINCH. */
	sigset_t none, sfd_set, block, old_mask;
	sigemptyset(&none);
	if (!fwd)
		fwd = &none;
	sfd_set = *fwd;
	sigaddset(&sfd_set, SIGCHLD);
	if (tty_in)
		sigaddset(&sfd_set, SIGWINCH);
	/* SIGPIPE is blocked too so that a vanished stdout reader cannot
	 * kill hull mid-relay. */
	block = sfd_set;
	sigaddset(&block, SIGPIPE);
	sigprocmask(SIG_BLOCK, &block, &old_mask);

	int ret = 0, code = -1, sfd = -1, master_flags = -1;
	struct termios saved_tio;
	bool raw = false;

	sfd = signalfd(-1, &sfd_set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		ret = -errno;
		goto out;
	}

	if (master_fd >= 0) {
		/* hull's own fd for the master: non-blocking so that a full
		 * slave input queue cannot stall signal forwarding.  stdin
		 * and stdout stay as they are: their file descriptions are
		 * shared with the calling shell. */
		master_flags = fcntl(master_fd, F_GETFL);
		if (master_flags < 0 || fcntl(master_fd, F_SETFL, master_flags | O_NONBLOCK) < 0) {
			ret = -errno;
			master_flags = -1;
			goto out;
		}
		if (tty_in && tcgetattr(0, &saved_tio) == 0) {
			/* The container's terminal does the line editing
			 * and echo; hull's must pass keys through as is. */
			struct termios rawtio = saved_tio;
			cfmakeraw(&rawtio);
			raw = tcsetattr(0, TCSANOW, &rawtio) == 0;
		}
		if (tty_in)
			tty_copy_size(0, master_fd);
	}

	/* It may have exited before SIGCHLD was blocked, and its SIGCHLD be
	 * gone with the default (ignore) disposition. */
	int rr = reap(pid, &code);
	if (rr < 0) {
		ret = rr;
		goto out;
	}

	while (rr == 0) {
		bool m = master_fd >= 0;
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = m && r->in_open && r->ilen == 0 ? 0 : -1, .events = POLLIN },
			{ .fd = m && r->master_open ? master_fd : -1,
			  .events = (short)((r->olen == 0 ? POLLIN : 0) | (r->ilen > r->ioff ? POLLOUT : 0)) },
			{ .fd = m && r->olen > r->ooff ? 1 : -1, .events = POLLOUT },
		};
		/* A master with nothing to wait for would report only
		 * POLLHUP over and over; leave it out of this round. */
		if (p[2].events == 0)
			p[2].fd = -1;
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}

		/* Signals first: a SIGWINCH that came with new input is
		 * applied before that input reaches the container. */
		if (p[0].revents) {
			struct signalfd_siginfo si[16];
			ssize_t n;
			while ((n = read(sfd, si, sizeof si)) > 0) {
				for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++) {
					int sig = (int)si[i].ssi_signo;
					if (sig == SIGCHLD) {
						if (rr == 0 && (rr = reap(pid, &code)) < 0) {
							ret = rr;
							goto out;
						}
					} else if (sig == SIGWINCH && tty_in) {
						tty_copy_size(0, master_fd);
					} else if (rr == 0 && sigismember(fwd, sig) == 1) {
						/* Not yet reaped: pid is still ours. */
						if (kill(pid, sig) < 0 && errno != ESRCH)
							log_warn("forwarding signal %d to %d: %s", sig,
								 (int)pid, strerror(errno));
					}
				}
			}
		}
		if (m)
			relay_io(r, &p[1], &p[2], &p[3]);
	}
	if (master_fd >= 0)
		relay_drain(r);
	ret = code;

out:
	if (raw)
		(void)tcsetattr(0, TCSANOW, &saved_tio);
	if (master_flags >= 0)
		(void)fcntl(master_fd, F_SETFL, master_flags);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return ret;
}
