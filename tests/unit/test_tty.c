/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for runtime/tty.c: the console-socket protocol over a
 * socketpair and a real listening socket, pty window sizes, and wait_relay
 * with forked children (status, signal forwarding, the pty relay). */
#include "runtime/tty.h"
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

static char tmp[] = "/tmp/hull-tty.XXXXXX";

/* A child that dies with the test: when a hang makes alarm() kill the test,
 * no child may survive it holding the output pipe of whoever ran it. */
static pid_t fork_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
	}
	return pid;
}

static void on_alarm(int sig)
{
	static const char m[] = "test_tty: timed out (a wait_relay hang?)\n";
	(void)sig;
	(void)!write(2, m, sizeof m - 1);
	_exit(2);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev && sa.st_rdev == sb.st_rdev;
}

static bool is_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

/* The receiving side as an engine would write it, to see the name too. */
static int recv_named(int sock, char *name, size_t cap)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = name, .iov_len = cap - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	name[n] = 0;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static int open_pty(int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char name[128];
	if (m < 0)
		return -1;
	fcntl(m, F_SETFD, FD_CLOEXEC);
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
		close(m);
		return -1;
	}
	int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		close(m);
		return -1;
	}
	*master = m;
	*slave = s;
	return 0;
}

static void test_socketpair(void)
{
	struct hull_err e;
	char path[700], name[256];
	UNIT_GROUP("tty_send_fd/tty_recv_fd over a socketpair");
	int sv[2];
	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0))
		return;
	snprintf(path, sizeof path, "%s/file", tmp);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(f >= 0);
	CHECK_INT(tty_send_fd(sv[0], f, "name-x", &e), 0);
	int got = tty_recv_fd(sv[1]);
	if (CHECK(got >= 0)) {
		CHECK(got != f);
		CHECK(same_file(got, f));
		CHECK(is_cloexec(got));
		close(got);
	}
	CHECK_INT(tty_send_fd(sv[0], f, "name-x", &e), 0);
	got = recv_named(sv[1], name, sizeof name);
	if (CHECK(got >= 0)) {
		CHECK_STR(name, "name-x");
		CHECK(same_file(got, f));
		close(got);
	}
	/* No name: still one byte, so the fd can travel on a stream socket. */
	CHECK_INT(tty_send_fd(sv[0], f, NULL, &e), 0);
	got = recv_named(sv[1], name, sizeof name);
	if (CHECK(got >= 0)) {
		CHECK_STR(name, "");
		close(got);
	}
	/* A message without an fd, then EOF. */
	CHECK_INT(send(sv[0], "x", 1, 0), 1);
	CHECK_INT(tty_recv_fd(sv[1]), -EBADMSG);
	CHECK_INT(tty_send_fd(sv[0], -1, "bad", &e), -EBADF);
	CHECK_STR(e.msg, "sending bad: sendmsg: Bad file descriptor");
	close(sv[0]);
	CHECK_INT(tty_recv_fd(sv[1]), -ECONNRESET);
	/* The peer is gone: an error, not a SIGPIPE. */
	CHECK_INT(tty_send_fd(sv[1], f, "x", &e), -EPIPE);
	close(sv[1]);
	close(f);
	unlink(path);
}


/* The console-socket protocol as create uses it: connect, then send. */
static int tty_send_console(const char *path, int master, struct hull_err *e)
{
	int sock = tty_connect_console(path, e);
	if (sock < 0)
		return sock;
	char name[64] = "/dev/ptmx";
	unsigned ptn;
	if (ioctl(master, TIOCGPTN, &ptn) == 0)
		snprintf(name, sizeof name, "/dev/pts/%u", ptn);
	int r = tty_send_fd(sock, master, name, e);
	close(sock);
	return r;
}

static void test_console_socket(void)
{
	struct hull_err e;
	char path[700], name[256];
	UNIT_GROUP("tty_send_console over a listening socket");
	snprintf(path, sizeof path, "%s/console.sock", tmp);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!CHECK(strlen(path) < sizeof sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (!CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 4) == 0))
		return;

	int m, s;
	if (!CHECK(open_pty(&m, &s) == 0))
		return;
	char want[128];
	ptsname_r(m, want, sizeof want);
	CHECK_INT(tty_send_console(path, m, &e), 0);
	int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (CHECK(c >= 0)) {
		int got = recv_named(c, name, sizeof name);
		if (CHECK(got >= 0)) {
			CHECK_STR(name, want);
			CHECK(same_file(got, m));
			/* It is the master: what goes in comes out of the slave. */
			CHECK_INT(write(got, "x\n", 2), 2);
			char b[8] = { 0 };
			CHECK_INT(read(s, b, sizeof b - 1), 2);
			close(got);
		}
		close(c);
	}
	/* Any fd goes (not a pty: the name falls back to /dev/ptmx), and
	 * tty_recv_fd takes it. */
	int f = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_INT(tty_send_console(path, f, &e), 0);
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (CHECK(c >= 0)) {
		int got = tty_recv_fd(c);
		if (CHECK(got >= 0)) {
			CHECK(same_file(got, f));
			CHECK(is_cloexec(got));
			close(got);
		}
		close(c);
	}
	close(f);
	close(l);
	unlink(path);

	UNIT_GROUP("tty_send_console errors");
	char want_msg[900];
	snprintf(want_msg, sizeof want_msg, "--console-socket %s: connect: No such file or directory", path);
	CHECK_INT(tty_send_console(path, m, &e), -ENOENT);
	CHECK_STR(e.msg, want_msg);
	/* Nobody listening any more on an existing socket file. */
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(l, (struct sockaddr *)&sa, sizeof sa) == 0);
	close(l);
	CHECK_INT(tty_send_console(path, m, &e), -ECONNREFUSED);
	snprintf(want_msg, sizeof want_msg, "--console-socket %s: connect: Connection refused", path);
	CHECK_STR(e.msg, want_msg);
	unlink(path);

	char longp[300];
	memset(longp, 'a', sizeof longp);
	memcpy(longp, "/tmp/", 5);
	longp[sizeof longp - 1] = 0;
	CHECK_INT(tty_send_console(longp, m, &e), -ENAMETOOLONG);
	CHECK(strncmp(e.msg, "--console-socket /tmp/aaaa", 26) == 0);
	CHECK(strstr(e.msg, longp) != NULL);
	CHECK(strstr(e.msg, "too long") != NULL);
	/* 108 bytes with the NUL do not fit sun_path either. */
	longp[sizeof ((struct sockaddr_un *)0)->sun_path] = 0;
	CHECK_INT(tty_send_console(longp, m, &e), -ENAMETOOLONG);
	CHECK_INT(tty_send_console("", m, &e), -EINVAL);
	close(m);
	close(s);
}

static void test_set_size(void)
{
	UNIT_GROUP("tty_set_size");
	int m, s;
	if (!CHECK(open_pty(&m, &s) == 0))
		return;
	struct winsize ws = { 0 };
	CHECK_INT(tty_set_size(m, 24, 80), 0);
	CHECK(ioctl(m, TIOCGWINSZ, &ws) == 0);
	CHECK_INT(ws.ws_row, 24);
	CHECK_INT(ws.ws_col, 80);
	CHECK_INT(tty_set_size(m, 50, 132), 0);
	CHECK(ioctl(s, TIOCGWINSZ, &ws) == 0);
	CHECK_INT(ws.ws_row, 50);
	CHECK_INT(ws.ws_col, 132);
	CHECK_INT(tty_set_size(m, 70000, 80), -EINVAL);
	int f = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_INT(tty_set_size(f, 24, 80), -ENOTTY);
	close(f);
	close(m);
	close(s);
}

static bool mask_has(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig) == 1;
}

static void test_wait_plain(void)
{
	sigset_t none;
	sigemptyset(&none);
	UNIT_GROUP("wait_relay without a terminal");
	pid_t pid = fork_child();
	if (pid == 0)
		_exit(7);
	CHECK_INT(wait_relay(pid, &none, -1), 7);
	CHECK(!mask_has(SIGCHLD));
	CHECK(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);

	/* Already a zombie when wait_relay starts (its SIGCHLD is gone). */
	pid = fork_child();
	if (pid == 0)
		_exit(7);
	siginfo_t si;
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0);
	CHECK_INT(wait_relay(pid, &none, -1), 7);

	pid = fork_child();
	if (pid == 0) {
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		_exit(1);
	}
	CHECK_INT(wait_relay(pid, &none, -1), 143);

	/* Another child that exits meanwhile stays for its own waiter. */
	pid_t other = fork_child();
	if (other == 0)
		_exit(5);
	CHECK(waitid(P_PID, (id_t)other, &si, WEXITED | WNOWAIT) == 0);
	pid = fork_child();
	if (pid == 0) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	CHECK_INT(wait_relay(pid, &none, -1), 0);
	int st = 0;
	CHECK_INT(waitpid(other, &st, WNOHANG), other);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);

	UNIT_GROUP("wait_relay forwards signals");
	sigset_t fwd, old;
	sigemptyset(&fwd);
	sigaddset(&fwd, SIGUSR1);
	sigaddset(&fwd, SIGUSR2);
	sigaddset(&fwd, SIGCHLD);   /* never forwarded: it is how hull learns of the exit */
	sigprocmask(SIG_BLOCK, &fwd, &old);
	pid = fork_child();
	if (pid == 0) {
		sigset_t w;
		sigemptyset(&w);
		sigaddset(&w, SIGUSR1);
		int sig = 0;
		sigwait(&w, &sig);
		_exit(sig == SIGUSR1 ? 9 : 1);
	}
	kill(getpid(), SIGUSR1);
	CHECK_INT(wait_relay(pid, &fwd, -1), 9);
	/* The caller's mask is back as it was. */
	CHECK(mask_has(SIGUSR1));
	CHECK(mask_has(SIGCHLD));
	CHECK(!mask_has(SIGPIPE));
	sigset_t pend;
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1));

	/* A forwarded signal that kills. */
	pid = fork_child();
	if (pid == 0) {
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		for (;;)
			pause();
	}
	kill(getpid(), SIGUSR2);
	CHECK_INT(wait_relay(pid, &fwd, -1), 128 + SIGUSR2);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* SIGCHLDs left pending by the blocked mask were ignored on unblock. */
}

/* Run wait_relay with hull's stdin from in_fd and stdout into a temp file
 * whose contents go to *out. */
static int relay_capture(pid_t pid, int master, int in_fd, char **out)
{
	char path[700];
	snprintf(path, sizeof path, "%s/stdout", tmp);
	int of = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fflush(stdout);
	int s0 = fcntl(0, F_DUPFD_CLOEXEC, 3), s1 = fcntl(1, F_DUPFD_CLOEXEC, 3);
	dup2(in_fd, 0);
	dup2(of, 1);
	sigset_t none;
	sigemptyset(&none);
	int r = wait_relay(pid, &none, master);
	dup2(s0, 0);
	dup2(s1, 1);
	close(s0);
	close(s1);
	close(of);
	*out = NULL;
	if (read_file(path, out, NULL) < 0)
		*out = NULL;
	unlink(path);
	return r;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == c;
	return n;
}

static void test_wait_pty(void)
{
	char *out;
	int m, s;
	UNIT_GROUP("wait_relay relays a pty");
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!CHECK(open_pty(&m, &s) == 0))
		return;
	pid_t pid = fork_child();
	if (pid == 0) {
		(void)!write(s, "hello", 5);
		_exit(3);
	}
	close(s);
	CHECK_INT(relay_capture(pid, m, devnull, &out), 3);
	CHECK_STR(out, "hello");
	free(out);
	/* The master's flags are as before (blocking). */
	CHECK(!(fcntl(m, F_GETFL) & O_NONBLOCK));
	close(m);

	/* More than the pty buffers: relayed while the child runs, nothing
	 * lost at the end. */
	if (!CHECK(open_pty(&m, &s) == 0))
		return;
	const size_t big = 256 * 1024;
	pid = fork_child();
	if (pid == 0) {
		char b[4096];
		memset(b, 'y', sizeof b);
		for (size_t done = 0; done < big; done += sizeof b)
			if (write(s, b, sizeof b) != (ssize_t)sizeof b)
				_exit(1);
		_exit(0);
	}
	close(s);
	CHECK_INT(relay_capture(pid, m, devnull, &out), 0);
	CHECK_UINT(out ? strlen(out) : 0, big);
	CHECK_UINT(count_char(out, 'y'), big);
	free(out);
	close(m);

	/* stdin goes to the container: a file with one line, then EOF. */
	UNIT_GROUP("wait_relay relays stdin");
	if (!CHECK(open_pty(&m, &s) == 0))
		return;
	char inpath[700];
	snprintf(inpath, sizeof inpath, "%s/stdin", tmp);
	int inf = open(inpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INT(write(inf, "ping\n", 5), 5);
	lseek(inf, 0, SEEK_SET);
	pid = fork_child();
	if (pid == 0) {
		char b[64];
		ssize_t n = read(s, b, sizeof b);   /* canonical: one line */
		if (n <= 0)
			_exit(1);
		(void)!write(s, "got:", 4);
		(void)!write(s, b, (size_t)n);
		_exit(0);
	}
	close(s);
	CHECK_INT(relay_capture(pid, m, inf, &out), 0);
	/* The slave echoes the line, then the child's answer (ONLCR). */
	CHECK_STR(out, "ping\r\ngot:ping\r\n");
	free(out);
	close(inf);
	unlink(inpath);
	close(m);
	close(devnull);
}

/* hull's stdin is itself a terminal (pty B): raw mode while relaying,
 * restored after, its size copied to the container's pty (A) at start and
 * on SIGWINCH. */
static void test_wait_tty_stdin(void)
{
	char *out;
	int ma, sa, mb, sb;
	UNIT_GROUP("wait_relay with a terminal on stdin");
	if (!CHECK(open_pty(&ma, &sa) == 0 && open_pty(&mb, &sb) == 0))
		return;
	CHECK_INT(tty_set_size(mb, 33, 99), 0);
	CHECK_INT(tty_set_size(ma, 1, 1), 0);
	struct termios before, after;
	CHECK(tcgetattr(sb, &before) == 0);
	CHECK(before.c_lflag & ICANON);
	/* Typed before the relay starts (while B is still canonical). */
	CHECK_INT(write(mb, "go\n", 3), 3);
	pid_t parent = getpid();
	pid_t pid = fork_child();
	if (pid == 0) {
		char b[64], msg[64];
		struct winsize ws;
		struct termios t;
		/* The line arrives through the relay: hull's side is raw. */
		if (read(sa, b, sizeof b) <= 0)
			_exit(1);
		if (tcgetattr(mb, &t) < 0 || (t.c_lflag & (ICANON | ECHO)))
			_exit(2);
		ioctl(sa, TIOCGWINSZ, &ws);
		int n = snprintf(msg, sizeof msg, "size1 %d %d\n", ws.ws_row, ws.ws_col);
		(void)!write(sa, msg, (size_t)n);
		/* Resize hull's terminal, tell hull, then type a line. */
		struct winsize nws = { .ws_row = 44, .ws_col = 111 };
		ioctl(mb, TIOCSWINSZ, &nws);
		kill(parent, SIGWINCH);
		(void)!write(mb, "next\n", 5);
		if (read(sa, b, sizeof b) <= 0)
			_exit(3);
		/* SIGWINCH and the line race in hull's poll; allow it a moment. */
		for (int i = 0; i < 200; i++) {
			ioctl(sa, TIOCGWINSZ, &ws);
			if (ws.ws_row == 44)
				break;
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		n = snprintf(msg, sizeof msg, "size2 %d %d\n", ws.ws_row, ws.ws_col);
		(void)!write(sa, msg, (size_t)n);
		_exit(0);
	}
	close(sa);
	CHECK_INT(relay_capture(pid, ma, sb, &out), 0);
	CHECK(out && strstr(out, "size1 33 99\r\n") != NULL);
	CHECK(out && strstr(out, "size2 44 111\r\n") != NULL);
	free(out);
	CHECK(tcgetattr(sb, &after) == 0);
	CHECK(after.c_lflag == before.c_lflag);
	CHECK(after.c_iflag == before.c_iflag);
	CHECK(after.c_oflag == before.c_oflag);
	close(ma);
	close(mb);
	close(sb);
}

int main(void)
{
	/* A relay bug must fail the run, not hang it. */
	signal(SIGALRM, on_alarm);
	alarm(10);
	if (!mkdtemp(tmp))
		return 1;
	test_socketpair();
	test_console_socket();
	test_set_size();
	test_wait_plain();
	test_wait_pty();
	test_wait_tty_stdin();
	if (rmdir(tmp) < 0)
		printf("# could not remove %s\n", tmp);
	return unit_done();
}
