/* SPDX-License-Identifier: Apache-2.0 */
/* Messages between hull and the processes it starts, over a SOCK_SEQPACKET
 * socketpair: one struct sync_msg per message, optionally carrying an fd. */
#include "runtime/container.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

int sync_send(int sock, int type, int code, const char *text, int fd)
{
	int hdr[2] = { type, code };
	struct iovec iov[2] = { { .iov_base = hdr, .iov_len = sizeof hdr },
				{ .iov_base = (void *)text, .iov_len = text ? strlen(text) + 1 : 0 } };
	size_t len = iov[0].iov_len + iov[1].iov_len;
	if (len > sizeof(struct sync_msg))
		return -E2BIG;
	return send_with_fd(sock, iov, text ? 2 : 1, fd) == (ssize_t)len ? 0 : -EPIPE;
}

int sync_recv(int sock, struct sync_msg *m, int *fd)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	if (fd)
		*fd = -1;
	/* Only what arrives is touched: the 64 KiB text buffer would
	 * otherwise be a good part of hull's resident memory. */
	m->type = m->code = 0;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? -EPIPE : -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof got);
			if (fd && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	size_t hdr = offsetof(struct sync_msg, text), tl = (size_t)n > hdr ? (size_t)n - hdr : 0;
	m->text[tl < sizeof m->text ? tl : sizeof m->text - 1] = 0;
	return (int)n;
}
