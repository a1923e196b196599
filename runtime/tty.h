/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals: runc's console-socket protocol and the foreground relay. */
#ifndef HULL_TTY_H
#define HULL_TTY_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/util.h"

/* Connect to the --console-socket at path (SOCK_STREAM): the fd, or -errno
 * with e naming the path ("--console-socket /x/y: connect: ..."). */
int tty_connect_console(const char *socket_path, struct hull_err *e);

/* Send fd with SCM_RIGHTS over a connected socket, the message data being
 * name (the pty's "/dev/pts/N"), as runc's console-socket protocol does. */
int tty_send_fd(int sock, int fd, const char *name, struct hull_err *e);
/* Receive one fd sent with tty_send_fd; -errno on failure. */
int tty_recv_fd(int sock);

/* Copy the window size of the terminal at from to the pty master (nothing
 * when from is not a terminal or its size is 0x0). */
void tty_copy_size(int from, int master);
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
 * the master still has after pid exits, then returns.  -errno (nothing to
 * exit with) only when it cannot do its job (signalfd, poll, waitpid fail). */
int wait_relay(pid_t pid, const sigset_t *fwd, int master_fd);

#endif
