/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/util.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <yajl/yajl_gen.h>

int hull_errf(struct hull_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code > 0 ? code : EINVAL;
	return -e->code;
}

int hull_syserr(struct hull_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(code));
	e->code = code > 0 ? code : EIO;
	return -e->code;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return write_all(fd, s, strlen(s));
}

int write_file(const char *path, const char *s)
{
	return write_file_at(AT_FDCWD, path, s);
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

int procfs_root(void)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/proc", &how, sizeof how);
	if (fd < 0)
		return -errno;
	struct statfs sf;
	struct stat sb;
	if (fstatfs(fd, &sf) < 0 || fstat(fd, &sb) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (sf.f_type != PROC_SUPER_MAGIC || sb.st_ino != 1) {
		close(fd);
		return -EMEDIUMTYPE;
	}
	return fd;
}

int procfs_open(int root, const char *rel, int flags, bool no_symlinks)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS |
			   (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	return fd < 0 ? -errno : fd;
}

const char *procfs_why(int err)
{
	switch (err < 0 ? -err : err) {
	case EXDEV: return "crosses a mount";
	case ELOOP: return "is reached through a symlink";
	case EMEDIUMTYPE: return "/proc is not a procfs";
	default: return NULL;
	}
}

int procfs_write(const char *rel, const char *s)
{
	int root = procfs_root();
	if (root < 0)
		return root;
	int fd = procfs_open(root, rel, O_WRONLY, false);
	close(root);
	if (fd < 0)
		return fd;
	int r = write_all(fd, s, strlen(s));
	close(fd);
	return r;
}

/* A mountinfo path field in place: the kernel writes space, tab, newline
 * and backslash as octal escapes ("\040"). */
char *mountinfo_unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = 0;
	return s;
}

ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int read_fd(int fd, size_t size, char **out, size_t *len)
{
	size_t n = 0;
	char *buf;
	if (size) {
		/* A known size (a regular file's) is read in one go, no read for EOF. */
		if (!(buf = malloc(size + 1)))
			return -ENOMEM;
		ssize_t r = read_full(fd, buf, size);
		if (r < 0) {
			free(buf);
			return (int)r;
		}
		n = (size_t)r;
	} else {
		/* Unknown size (proc and cgroup files): most are short. */
		size_t cap = 1024;
		if (!(buf = malloc(cap)))
			return -ENOMEM;
		for (;;) {
			if (n + 1 >= cap) {
				char *nb = realloc(buf, cap *= 2);
				if (!nb) {
					free(buf);
					return -ENOMEM;
				}
				buf = nb;
			}
			ssize_t r = read(fd, buf + n, cap - n - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				int err = -errno;
				free(buf);
				return err;
			}
			if (r == 0)
				break;
			n += (size_t)r;
		}
	}
	buf[n] = 0;
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : read_fd(fd, 0, out, len);
}

int read_file(const char *path, char **out, size_t *len)
{
	return read_file_at(AT_FDCWD, path, out, len);
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
}

size_t fmt_u64(char *buf, uint64_t v)
{
	char d[20];
	size_t n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t i = 0; i < n; i++)
		buf[i] = d[n - 1 - i];
	return n;
}

int write_file_atomic(int dirfd, const char *name, const char *data, size_t len, unsigned mode)
{
	/* ".NAME.PID.tmp", built by hand (this runs twice per create) */
	char tmp[256];
	size_t nl = strlen(name);
	if (nl > sizeof tmp - 32)
		return -ENAMETOOLONG;
	char *p = tmp;
	*p++ = '.';
	memcpy(p, name, nl);
	p += nl;
	*p++ = '.';
	p += fmt_u64(p, (uint64_t)getpid());
	memcpy(p, ".tmp", 5);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;
			*p = 0;
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

void rfc3339_utc(const struct timespec *ts, char *buf, size_t cap)
{
	/* Days since 1970-01-01 to a proleptic Gregorian date, in 400-year eras. */
	int64_t secs = ts->tv_sec, days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	if (y < 0 || y > 9999 || cap < 31) {
		snprintf(buf, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", (long long)y, (long long)m,
			 (long long)d, (long long)(rem / 3600), (long long)(rem / 60 % 60), (long long)(rem % 60),
			 ts->tv_nsec);
		return;
	}
	/* The usual case by hand: YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ */
	struct { int64_t v; int width; char after; } parts[] = {
		{ y, 4, '-' }, { m, 2, '-' }, { d, 2, 'T' }, { rem / 3600, 2, ':' }, { rem / 60 % 60, 2, ':' },
		{ rem % 60, 2, '.' }, { ts->tv_nsec, 9, 'Z' },
	};
	char *p = buf;
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		int64_t v = parts[i].v;
		for (int k = parts[i].width - 1; k >= 0; k--, v /= 10)
			p[k] = (char)('0' + v % 10);
		p += parts[i].width;
		*p++ = parts[i].after;
	}
	*p = 0;
}

uint64_t pidfd_ino(int pidfd)
{
	struct statfs sf;
	struct stat sb;
	if (fstatfs(pidfd, &sf) < 0 || sf.f_type != 0x50494446 /* PID_FS_MAGIC */ || fstat(pidfd, &sb) < 0)
		return 0;
	return (uint64_t)sb.st_ino;
}

int proc_pidfd(pid_t pid, uint64_t ino, uint64_t start_time, bool alive_only)
{
	if (pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	/* The pidfd pins the pid: what it names now is what we check. */
	struct stat sb;
	bool same = ino ? fstat(fd, &sb) == 0 && (uint64_t)sb.st_ino == ino
			: proc_start_time(pid) == start_time && start_time != 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (!same || (alive_only && poll(&p, 1, 0) > 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void reset_signals(void)
{
	/* The kernel's struct sigaction: glibc's wrapper would refuse 32 and 33. */
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} dfl = { .handler = SIG_DFL };
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

char *json_gen_take(void *generator)
{
	yajl_gen g = generator;
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (out = malloc(len + 1))) {
		memcpy(out, buf, len);
		out[len] = 0;
	}
	yajl_gen_free(g);
	return out;
}

ssize_t send_with_fd(int sock, struct iovec *iov, int niov, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
	if (fd >= 0) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);   /* a gone peer is an error, not SIGPIPE */
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void close_fds_except(int preserve, int *keep, int n)
{
	qsort(keep, (size_t)n, sizeof *keep, cmp_int);
	unsigned lo = 3u + (unsigned)preserve;
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0u, 0);
	for (int fd = 3; fd < 3 + preserve; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
}
