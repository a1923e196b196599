/* SPDX-License-Identifier: Apache-2.0 */
/* netns/nl.c: rtnetlink plumbing of netns/ (see nl.h). */
#include "netns/nl.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

void nl_close(struct nl *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

int nl_open(struct nl *n)
{
	n->seq = 0;
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0)
		return -errno;
	/* Bound (a port id of its own): the kernel's announcements skip
	 * sockets of port 0, its own. */
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(n->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int r = -errno;
		nl_close(n);
		return r;
	}
	/* A bound on every wait: the kernel answers at once or never. */
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(n->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return 0;
}

/* A socket of the network namespace nsfd, hull's own (selffd) again after. */
int nl_open_in(struct nl *n, int nsfd, int selffd)
{
	n->fd = -1;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	int r = nl_open(n);
	if (setns(selffd, CLONE_NEWNET) < 0) {
		r = -errno;
		nl_close(n);
	}
	return r;
}

struct nlmsghdr *msg_init(struct msg *m, int type, int flags, const void *hdr, size_t hlen)
{
	memset(m, 0, sizeof *m);
	m->h.nlmsg_len = NLMSG_LENGTH(hlen);
	m->h.nlmsg_type = (unsigned short)type;
	m->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
	memcpy(NLMSG_DATA(&m->h), hdr, hlen);
	return &m->h;
}

/* Every request here is far below MSG_CAP. */
void msg_attr(struct msg *m, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

void msg_attr_u32(struct msg *m, unsigned short type, uint32_t v)
{
	msg_attr(m, type, &v, sizeof v);
}

void msg_attr_str(struct msg *m, unsigned short type, const char *s)
{
	msg_attr(m, type, s, strlen(s) + 1);
}

/* One datagram from n into buf: its length, or -errno (-ETIMEDOUT when the
 * socket's receive timeout ran out, -EPIPE at its end). */
int nl_recv(struct nl *n, char *buf, size_t cap)
{
	for (;;) {
		ssize_t len = recv(n->fd, buf, cap, 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		return len == 0 ? -EPIPE : (int)len;
	}
}

/* Send m and read its answers up to the ack (or a dump's end), cb (if any)
 * for each other message of it; 0 or the kernel's -errno.  Messages not
 * answering m (announcements) are skipped. */
int nl_talk(struct nl *n, struct msg *m, nl_cb cb, void *arg)
{
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	m->h.nlmsg_seq = ++n->seq;
	ssize_t w = sendto(n->fd, m->buf, m->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa);
	if (w != (ssize_t)m->h.nlmsg_len)
		return w < 0 ? -errno : -EIO;
	for (;;) {
		int left = nl_recv(n, buf, sizeof buf);
		if (left < 0)
			return left;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != n->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *er = NLMSG_DATA(h);
				return h->nlmsg_len >= NLMSG_LENGTH(sizeof *er) ? er->error : -EIO;
			}
			int r = cb ? cb(h, arg) : 0;
			if (r < 0)
				return r;
		}
	}
}

/* ---- links and addresses ---------------------------------------------------------- */

void link_from(const struct nlmsghdr *h, struct link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);

	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->name[0] = 0;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME)
			snprintf(l->name, sizeof l->name, "%.*s", (int)RTA_PAYLOAD(a), (const char *)RTA_DATA(a));
		else if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == sizeof l->mac)
			memcpy(l->mac, RTA_DATA(a), sizeof l->mac);
}

static int link_cb(const struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		link_from(h, arg);
	return 0;
}

/* The interface named name (0), or -ENODEV. */
int link_get(struct nl *n, const char *name, struct link *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct msg m;

	l->index = 0;
	msg_init(&m, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof ifi);
	msg_attr_str(&m, IFLA_IFNAME, name);
	msg_attr_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	int r = nl_talk(n, &m, link_cb, l);
	return r < 0 ? r : l->index > 0 ? 0 : -ENODEV;
}

int link_set_up(struct nl *n, int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct msg m;

	msg_init(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	return nl_talk(n, &m, NULL, NULL);
}

struct rtattr *msg_nest(struct msg *m, unsigned short type)
{
	struct rtattr *a = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(0);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

void msg_nest_end(struct msg *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)m->buf + m->h.nlmsg_len - (char *)nest);
}
