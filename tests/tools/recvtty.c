/* SPDX-License-Identifier: Apache-2.0 */
/* recvtty: the receiving end of the --console-socket protocol, for hull's
 * integration tests.
 *
 *   recvtty [--mode single|null|pidfd] [--once] [--name-file F] SOCKET_PATH
 *
 * Listens on a unix SOCK_STREAM socket at SOCKET_PATH and accepts
 * connections.  Each connection carries one message whose data is a name
 * (the pty's, for a console) and whose SCM_RIGHTS control message carries
 * one fd.  The socket appears at SOCKET_PATH only once it is listening (it
 * is bound under a temporary name and renamed), so a caller can wait for the
 * path to exist before starting the runtime.
 *
 * Modes:
 *   single  (default) one connection: copy stdin to the pty master and the
 *           master to stdout until the master reports EOF/EIO/hang-up (every
 *           slave fd closed), then exit 0.  EOF on stdin only stops the
 *           stdin copy.
 *   null    hold every received master open, reading and discarding its
 *           output; keeps accepting connections.  With --once exit when the
 *           first master hangs up, otherwise run until killed.
 *   pidfd   the fd is a pidfd: print the pid from /proc/self/fdinfo/FD
 *           ("Pid:" line) on a line of its own.  With --once exit after the
 *           first, otherwise keep accepting.
 *
 * --name-file F writes the message's data (the name) to F, followed by a
 * newline (the last received name wins).
 *
 * stdout carries only the relayed pty output (single) or the pids (pidfd);
 * diagnostics go to stderr.  Exit status 0 on success, 1 on errors, 2 on
 * usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum mode { MODE_SINGLE, MODE_NULL, MODE_PIDFD };

static const char *prog = "recvtty";
static const char *name_file;
static char tmp_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	if (tmp_path[0])
		unlink(tmp_path);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [--mode single|null|pidfd] [--once] [--name-file F] SOCKET_PATH\n", prog);
	exit(2);
}

/* write all of buf to fd; -1 on error */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	int n = snprintf(tmp_path, sizeof tmp_path, "%s.%d.tmp", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp_path || strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, path);
		exit(2);
	}
	memcpy(sa.sun_path, tmp_path, strlen(tmp_path) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	unlink(tmp_path);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind");
	if (listen(s, 16) < 0)
		die("listen");
	/* only now does SOCKET_PATH exist, and it accepts connections */
	if (rename(tmp_path, path) < 0)
		die("rename");
	tmp_path[0] = '\0';
	return s;
}

/* Accept one connection on ls and receive the fd it carries.  Returns the
 * fd, or -1 (message printed) if the peer sent none. */
static int recv_one(int ls)
{
	int c;
	do
		c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	while (c < 0 && errno == EINTR);
	if (c < 0)
		die("accept");

	char name[4096];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof ctl.buf,
	};
	ssize_t n;
	do
		n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("recvmsg");
	close(c);
	name[n] = '\0';

	int fd = -1;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(h);
		for (size_t i = 0; i < nfds; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				close(fds[i]); /* only one is expected */
		}
	}
	if (fd < 0) {
		fprintf(stderr, "%s: message \"%s\" (%zd bytes) carried no fd\n", prog, name, n);
		return -1;
	}
	if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		fprintf(stderr, "%s: warning: message truncated (flags 0x%x)\n", prog, msg.msg_flags);

	if (name_file) {
		FILE *f = fopen(name_file, "w");
		if (!f)
			die(name_file);
		fprintf(f, "%s\n", name);
		if (fclose(f) != 0)
			die(name_file);
	}
	return fd;
}

/* single: relay between stdin/stdout and the master until it hangs up */
static int relay(int master)
{
	char buf[8192];
	bool in_open = true;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = in_open ? 0 : -1, .events = POLLIN },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0) /* EIO: every slave fd is closed */
				return 0;
			if (write_all(1, buf, (size_t)n) < 0)
				die("write stdout");
		}
		if (in_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(0, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = false;
			} else if (write_all(master, buf, (size_t)n) < 0) {
				if (errno == EIO)
					return 0;
				die("write master");
			}
		}
	}
}

/* null: accept masters and discard what they say */
static int hold(int ls, bool once)
{
	enum { MAX = 64 };
	struct pollfd p[MAX + 1];
	int n = 0;
	char buf[8192];
	p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int i = 1; i <= n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(p[i].fd, buf, sizeof buf);
			if (r > 0 || (r < 0 && (errno == EINTR || errno == EAGAIN)))
				continue;
			close(p[i].fd);
			if (once)
				return 0;
			p[i] = p[n--];
			i--;
		}
		if ((p[0].revents & POLLIN) && n < MAX) {
			int fd = recv_one(ls);
			if (fd >= 0)
				p[++n] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
	}
}

static int print_pidfd(int fd)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "r");
	if (!f)
		die(path);
	long pid = 0;
	bool found = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Pid:", 4) == 0) {
			pid = strtol(line + 4, NULL, 10);
			found = true;
			break;
		}
	}
	fclose(f);
	close(fd);
	if (!found) {
		fprintf(stderr, "%s: fd %d is not a pidfd (no Pid: in %s)\n", prog, fd, path);
		return -1;
	}
	printf("%ld\n", pid);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	enum mode mode = MODE_SINGLE;
	bool once = false;
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--once") == 0) {
			once = true;
		} else if (strcmp(a, "--mode") == 0 || strcmp(a, "-m") == 0) {
			if (++i >= argc)
				usage();
			if (strcmp(argv[i], "single") == 0)
				mode = MODE_SINGLE;
			else if (strcmp(argv[i], "null") == 0)
				mode = MODE_NULL;
			else if (strcmp(argv[i], "pidfd") == 0)
				mode = MODE_PIDFD;
			else
				usage();
		} else if (strcmp(a, "--name-file") == 0) {
			if (++i >= argc)
				usage();
			name_file = argv[i];
		} else {
			usage();
		}
	}
	if (argc - i != 1)
		usage();

	signal(SIGPIPE, SIG_IGN);
	int ls = listen_at(argv[i]);

	switch (mode) {
	case MODE_SINGLE: {
		int fd;
		while ((fd = recv_one(ls)) < 0)
			;
		close(ls);
		return relay(fd);
	}
	case MODE_NULL:
		return hold(ls, once);
	case MODE_PIDFD:
		for (;;) {
			int fd = recv_one(ls);
			int r = fd >= 0 ? print_pidfd(fd) : -1;
			if (once)
				return r < 0 ? 1 : 0;
		}
	}
	return 1;
}
