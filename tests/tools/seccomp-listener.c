/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp-listener: the receiving end of linux.seccomp.listenerPath, for
 * hull's integration tests.
 *
 *   seccomp-listener SOCKET STATE_PREFIX [NAME=errno:N | NAME=val:V | NAME=continue]...
 *
 * Listens on a unix SOCK_STREAM socket at SOCKET (bound under a temporary
 * name and renamed, so SOCKET exists only once it accepts connections) and
 * accepts connections.  Each connection carries one message, the runtime
 * spec's "container process state" JSON (ociVersion, fds, pid, metadata,
 * state), with the seccomp notify fd attached as SCM_RIGHTS.  The JSON of
 * the Nth connection is written to STATE_PREFIX.N (N = 1, 2, ...; written
 * under a temporary name and renamed, so the file is complete once it
 * exists).
 *
 * Every notification on every notify fd received so far is answered:
 *   NAME=errno:N   the syscall fails with errno N
 *   NAME=val:V     the syscall "succeeds" and returns V (not executed)
 *   anything else  the syscall is executed (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 * and one line with the syscall's name (its number if libseccomp does not
 * know it) is appended to STATE_PREFIX.log.
 *
 * A notify fd whose filter has no process left (POLLHUP) is closed.
 * SIGTERM/SIGINT: exit 0 after unlinking SOCKET.  Diagnostics go to stderr.
 * Exit status 1 on errors, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *prog = "seccomp-listener";
static const char *sock_path;
static const char *prefix;
static char tmp_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static volatile sig_atomic_t stop;

enum answer { ANSWER_CONTINUE, ANSWER_ERRNO, ANSWER_VAL };

struct rule {
	const char *name;
	enum answer answer;
	int64_t value;
};

static struct rule *rules;
static int nrules;

static void cleanup(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
	if (sock_path)
		unlink(sock_path);
}

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	cleanup();
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s SOCKET STATE_PREFIX [NAME=errno:N | NAME=val:V | NAME=continue]...\n", prog);
	exit(2);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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

static void parse_rule(const char *arg, struct rule *r)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		usage();
	r->name = strndup(arg, (size_t)(eq - arg));
	if (!r->name)
		die("strndup");
	const char *a = eq + 1, *num = NULL;
	if (strncmp(a, "errno:", 6) == 0) {
		r->answer = ANSWER_ERRNO;
		num = a + 6;
	} else if (strncmp(a, "val:", 4) == 0) {
		r->answer = ANSWER_VAL;
		num = a + 4;
	} else if (strcmp(a, "continue") == 0) {
		r->answer = ANSWER_CONTINUE;
		return;
	} else {
		fprintf(stderr, "%s: bad answer in rule \"%s\"\n", prog, arg);
		usage();
	}
	char *end;
	errno = 0;
	long long v = strtoll(num, &end, 0);
	if (errno || end == num || *end || (r->answer == ANSWER_ERRNO && (v <= 0 || v > 4095))) {
		fprintf(stderr, "%s: bad number in rule \"%s\"\n", prog, arg);
		usage();
	}
	r->value = v;
	if (seccomp_syscall_resolve_name(r->name) == __NR_SCMP_ERROR)
		fprintf(stderr, "%s: warning: libseccomp does not know the syscall \"%s\"\n", prog, r->name);
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
	if (rename(tmp_path, path) < 0)
		die("rename");
	tmp_path[0] = '\0';
	sock_path = path;
	return s;
}

/* Whether buf holds one complete JSON object (braces balanced outside
 * strings), so a runtime that keeps the connection open is not waited for. */
static bool json_complete(const char *buf, size_t n)
{
	int depth = 0;
	bool in_str = false, esc = false, seen = false;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
			seen = true;
		} else if (c == '}' || c == ']') {
			depth--;
			if (seen && depth == 0)
				return true;
		}
	}
	return false;
}

static void write_state(unsigned n, const char *buf, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof path, "%s.%u", prefix, n);
	snprintf(tmp, sizeof tmp, "%s.%u.tmp", prefix, n);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(tmp);
	if (write_all(fd, buf, len) < 0 || write_all(fd, "\n", 1) < 0)
		die(tmp);
	if (close(fd) < 0)
		die(tmp);
	if (rename(tmp, path) < 0)
		die(path);
}

/* Accept one connection, read its state JSON (until EOF or a complete
 * object, at most 5 s) and its fds.  Returns the notify fd or -1. */
static int recv_one(int ls, unsigned *count)
{
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
			return -1;
		die("accept");
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		die("malloc");
	int fd = -1;
	for (;;) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		int r = poll(&p, 1, 5000);
		if (r < 0 && errno == EINTR) {
			if (stop)
				break;
			continue;
		}
		if (r <= 0) {
			fprintf(stderr, "%s: connection: no complete message within 5 s\n", prog);
			break;
		}
		if (len + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				die("realloc");
			buf = nb;
		}
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int) * 8)];
		} ctl;
		struct iovec iov = { .iov_base = buf + len, .iov_len = cap - len - 1 };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.b,
			.msg_controllen = sizeof ctl.b,
		};
		ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: recvmsg: %s\n", prog, strerror(errno));
			break;
		}
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[8];
			memcpy(fds, CMSG_DATA(h), nfds * sizeof(int));
			for (size_t i = 0; i < nfds; i++) {
				/* "fds": ["seccompFd"]: the first one is the notify fd */
				if (fd < 0)
					fd = fds[i];
				else
					close(fds[i]);
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			fprintf(stderr, "%s: warning: control message truncated\n", prog);
		len += (size_t)n;
		if (n == 0 || json_complete(buf, len))
			break;
	}
	close(c);
	buf[len] = '\0';
	if (len > 0) {
		*count += 1;
		write_state(*count, buf, len);
	}
	if (fd < 0 && len == 0)
		fprintf(stderr, "%s: a connection closed without a message\n", prog);
	else if (fd < 0)
		fprintf(stderr, "%s: message %u (%zu bytes) carried no fd\n", prog, *count, len);
	free(buf);
	return fd;
}

static void log_name(const char *name)
{
	char path[PATH_MAX], line[256];
	snprintf(path, sizeof path, "%s.log", prefix);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	int n = snprintf(line, sizeof line, "%s\n", name);
	if (write_all(fd, line, (size_t)n) < 0)
		die(path);
	close(fd);
}

/* Answer one notification on fd.  Returns -1 when fd is finished. */
static int answer_one(int fd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof req); /* the kernel insists */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		if (errno == EINTR || errno == ENOENT) /* the target went away */
			return 0;
		fprintf(stderr, "%s: SECCOMP_IOCTL_NOTIF_RECV: %s\n", prog, strerror(errno));
		return -1;
	}

	char *name = seccomp_syscall_resolve_num_arch(req.data.arch, req.data.nr);
	char num[32];
	if (!name)
		snprintf(num, sizeof num, "%d", req.data.nr);
	const char *nm = name ? name : num;

	memset(&resp, 0, sizeof resp);
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	for (int i = 0; i < nrules; i++) {
		if (strcmp(rules[i].name, nm) != 0)
			continue;
		switch (rules[i].answer) {
		case ANSWER_ERRNO:
			resp.flags = 0;
			resp.error = -(int32_t)rules[i].value;
			break;
		case ANSWER_VAL:
			resp.flags = 0;
			resp.val = rules[i].value;
			break;
		case ANSWER_CONTINUE:
			break;
		}
		break;
	}
	log_name(nm);
	free(name);

	/* The id may have died since RECV (the target was killed): then SEND
	 * fails with ENOENT, which is not an error either. */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
		return 0;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT) {
		fprintf(stderr, "%s: SECCOMP_IOCTL_NOTIF_SEND: %s\n", prog, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	prefix = argv[2];
	nrules = argc - 3;
	rules = calloc((size_t)nrules + 1, sizeof *rules);
	if (!rules)
		die("calloc");
	for (int i = 0; i < nrules; i++)
		parse_rule(argv[i + 3], &rules[i]);

	signal(SIGPIPE, SIG_IGN);
	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int ls = listen_at(argv[1]);
	enum { MAX = 256 };
	struct pollfd p[MAX + 1];
	int n = 0;
	unsigned count = 0;
	p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };

	while (!stop) {
		/* signals are let in only while waiting here */
		if (ppoll(p, (nfds_t)n + 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll");
		}
		for (int i = 1; i <= n; i++) {
			short re = p[i].revents;
			if (!re)
				continue;
			if ((re & POLLIN) && answer_one(p[i].fd) == 0)
				continue;
			if (re & (POLLHUP | POLLERR | POLLNVAL | POLLIN)) {
				/* no process uses the filter any more (or it broke) */
				close(p[i].fd);
				p[i] = p[n--];
				i--;
			}
		}
		if (p[0].revents & POLLIN) {
			sigprocmask(SIG_SETMASK, &orig, NULL);
			int fd = recv_one(ls, &count);
			sigprocmask(SIG_BLOCK, &block, NULL);
			if (fd >= 0) {
				if (n < MAX)
					p[++n] = (struct pollfd){ .fd = fd, .events = POLLIN };
				else
					close(fd);
			}
		}
	}
	cleanup();
	return 0;
}
