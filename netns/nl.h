/* SPDX-License-Identifier: Apache-2.0 */
/* netns/nl.h: the rtnetlink requests of netns/ (internal to netns/).
 *
 * Plain rtnetlink (linux/rtnetlink.h): hull is a static PIE and Debian's
 * libmnl-dev ships no static library; the requests netns/ makes need no
 * more than the kernel's own NLMSG_ and RTA_ macros and a nest helper. */
#ifndef HULL_NETNS_NL_H
#define HULL_NETNS_NL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl {
	int fd;
	uint32_t seq;
};

#define MSG_CAP 1024
struct msg {
	union {
		struct nlmsghdr h;
		char buf[MSG_CAP];
	};
};

typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg);

struct link {
	int index;
	unsigned flags;
	char name[IFNAMSIZ];
	unsigned char mac[6];       /* IFLA_ADDRESS, when 6 bytes */
};

void nl_close(struct nl *n);
/* A bound socket of hull's network namespace: 0 or -errno. */
int nl_open(struct nl *n);
/* A socket of the network namespace nsfd, hull's own (selffd) again after
 * (a setns there and back, this thread only). */
int nl_open_in(struct nl *n, int nsfd, int selffd);

struct nlmsghdr *msg_init(struct msg *m, int type, int flags, const void *hdr, size_t hlen);
void msg_attr(struct msg *m, unsigned short type, const void *data, size_t len);
void msg_attr_u32(struct msg *m, unsigned short type, uint32_t v);
void msg_attr_str(struct msg *m, unsigned short type, const char *s);
/* A nested attribute: begun, filled with msg_attr*, ended. */
struct rtattr *msg_nest(struct msg *m, unsigned short type);
void msg_nest_end(struct msg *m, struct rtattr *nest);

/* One datagram from n into buf: its length, or -errno (-ETIMEDOUT when the
 * socket's receive timeout ran out, -EPIPE at its end). */
int nl_recv(struct nl *n, char *buf, size_t cap);
/* Send m and read its answers up to the ack (or a dump's end), cb (if any)
 * for each other message of it; 0 or the kernel's -errno.  Messages not
 * answering m (announcements) are skipped. */
int nl_talk(struct nl *n, struct msg *m, nl_cb cb, void *arg);

void link_from(const struct nlmsghdr *h, struct link *l);
/* The interface named name (0), or -ENODEV. */
int link_get(struct nl *n, const char *name, struct link *l);
int link_set_up(struct nl *n, int index);

#endif
