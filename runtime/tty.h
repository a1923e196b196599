/* Terminals: runc's console-socket protocol and the foreground relay. */
#ifndef HULL_TTY_H
#define HULL_TTY_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/util.h"

/* Connect to the unix socket at path (SOCK_STREAM) and send master_fd with
 * SCM_RIGHTS, as runc does (the message carries the name "/dev/ptmx"-style
 * path of the pty, one byte at least).  Returns 0 or -errno with e filled. */
int tty_send_console(const char *socket_path, int master_fd, struct hull_err *e);

/* Same over an already connected socket (a socketpair to hull's parent). */
int tty_send_fd(int sock, int fd, const char *name, struct hull_err *e);
/* Receive one fd sent with tty_send_fd; -errno on failure. */
int tty_recv_fd(int sock);

/* Set the window size of a pty (TIOCSWINSZ). */
int tty_set_size(int fd, unsigned rows, unsigned cols);

/* Wait for the container's process pid (a child of hull), forwarding the
 * signals in fwd (which the caller has blocked) to it, and return the status
 * to exit with: its exit code, or 128+N when killed by signal N.
 * With master_fd >= 0 (`run`/`exec -t` without --console-socket) also relay
 * the terminal meanwhile: hull's stdin to master and master to hull's
 * stdout; when hull's stdin is a terminal, put it in raw mode (restored on
 * return, also on error), copy its window size to the pty at start and on
 * every SIGWINCH (SIGWINCH is then not forwarded).  The relay drains what
 * the master still has after pid exits, then returns. */
int wait_relay(pid_t pid, const sigset_t *fwd, int master_fd);

#endif
