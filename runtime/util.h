/* SPDX-License-Identifier: Apache-2.0 */
/* Small shared helpers of runtime/ and cgroups/: the error record, cleanup
 * attributes, file helpers. */
#ifndef HULL_UTIL_H
#define HULL_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Functions return 0 or -errno and fill one of these; the CLI prints it once. */
struct hull_err {
	int code;          /* positive errno, 0 when unset */
	char msg[1024];
};

/* Fill e with a formatted message; returns -code (code is a positive errno). */
int hull_errf(struct hull_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(code)". */
int hull_syserr(struct hull_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))

static inline int take_fd(int *fd) { int r = *fd; *fd = -1; return r; }
static inline void *take_ptr(void *pp) { void **p = pp; void *r = *p; *p = NULL; return r; }

/* Write all of buf to fd (retrying short writes and EINTR). */
int write_all(int fd, const void *buf, size_t len);
/* Write a string to an existing file at path (no O_CREAT); -errno. */
int write_file(const char *path, const char *s);
int write_file_at(int dirfd, const char *path, const char *s);
/* Writes into procfs that a container's mounts must not redirect
 * (CVE-2019-16884, CVE-2025-52881; docs/security.md).  procfs_root: an
 * O_PATH fd of "/proc" as this process sees it now, reached without any
 * symlink and checked to be the root of a procfs (fstatfs PROC_SUPER_MAGIC,
 * inode 1); -EMEDIUMTYPE when it is not.  procfs_open: rel ("sys/net/...",
 * "self/attr/exec") opened below that root with openat2, never crossing a
 * mount (RESOLVE_NO_XDEV: -EXDEV, so nothing bound inside /proc is
 * reached) nor following a magic link, nor any symlink when no_symlinks
 * (-ELOOP; "self" is one).  procfs_why: those errnos as the words that end
 * a one-line error ("crosses a mount"), NULL for any other. */
int procfs_root(void);
int procfs_open(int root, const char *rel, int flags, bool no_symlinks);
const char *procfs_why(int err);
/* Write s into /proc/rel through procfs_open; -errno as there. */
int procfs_write(const char *rel, const char *s);
/* Read a whole (small) file; *out is NUL terminated and must be freed. */
int read_file(const char *path, char **out, size_t *len);
int read_file_at(int dirfd, const char *path, char **out, size_t *len);
/* A path field of /proc/self/mountinfo decoded in place (the kernel writes
 * space, tab, newline and backslash as octal escapes, "\040"); returns s. */
char *mountinfo_unescape(char *s);
/* All of fd (size bytes when known, else to EOF) into a malloc'd,
 * NUL-terminated buffer; len may be NULL. */
int read_fd(int fd, size_t size, char **out, size_t *len);
/* Up to n bytes into buf, short only at end of file: the count, or -errno. */
ssize_t read_full(int fd, char *buf, size_t n);
/* Create a file atomically: write into a temporary name in the same dir, fsync-free rename. */
int write_file_atomic(int dirfd, const char *name, const char *data, size_t len, unsigned mode);
/* A growable byte buffer: an append that runs out of memory sets oom, and
 * every later one does nothing. */
struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};
void buf_put(struct buf *b, const void *p, size_t n);
/* The decimal digits of v into buf (room for 20), not NUL-terminated; how many. */
size_t fmt_u64(char *buf, uint64_t v);
/* mkdir -p on a host path (not for container paths). */
int mkdir_p(const char *path, unsigned mode);
/* Parse a decimal integer in full; -EINVAL otherwise. */
int parse_u64(const char *s, uint64_t *out);
/* asprintf that returns NULL on failure. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Close every fd from 3 on except the first `preserve` (3..3+preserve-1,
 * which lose O_CLOEXEC so they reach the program) and those in keep[]
 * (left as they are); close_range over the gaps, so it costs a few calls. */
void close_fds_except(int preserve, int *keep, int n);
/* Before exec'ing something of the user's: every signal back to its
 * default disposition (exec keeps ignored ones, including the two glibc
 * reserves, which sigaction(3) refuses to touch) and an empty mask. */
void reset_signals(void);
/* sendmsg iov with fd (if >= 0) as SCM_RIGHTS, without SIGPIPE; bytes or -errno. */
ssize_t send_with_fd(int sock, struct iovec *iov, int niov, int fd);
/* Connect a SOCK_STREAM unix socket to path; the fd (O_CLOEXEC) or -errno. */
int unix_connect(const char *path);
/* The text a yajl generator made (malloc'd, NUL-terminated), freeing the
 * generator; NULL on failure. */
char *json_gen_take(void *yajl_generator);
/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (RFC 3339, UTC) for a CLOCK_REALTIME time;
 * computed here, since glibc's gmtime reads /etc/localtime first. */
void rfc3339_utc(const struct timespec *ts, char *buf, size_t cap);
/* Process start time (field 22 of /proc/PID/stat), 0 if the process is gone. */
uint64_t proc_start_time(pid_t pid);
/* The pidfs inode number of a pidfd: one process's for the whole boot;
 * 0 where pidfds are anonymous inodes (kernels before 6.9). */
uint64_t pidfd_ino(int pidfd);
/* A pidfd (O_CLOEXEC) of pid when it is still the process recorded as ino
 * (pidfd_ino) or, with ino 0, as start_time; -1 when it is gone or the pid
 * names another process now, or (alive_only) it has exited unreaped. */
int proc_pidfd(pid_t pid, uint64_t ino, uint64_t start_time, bool alive_only);

#endif
