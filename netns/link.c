/* SPDX-License-Identifier: Apache-2.0 */
/* netns/link.c: interfaces moved between network namespaces over rtnetlink.
 *
 * Over netns/nl.h's plain rtnetlink.
 *
 * A move (runtime-spec config-linux.md, "Network Devices"): the interface's
 * permanent global-scope addresses are read (the kernel drops every address
 * when a device changes namespace), one RTM_NEWLINK moves it with
 * IFLA_NET_NS_FD and renames it with IFLA_IFNAME (the kernel applies the
 * new name as it lands, so a name free only there still works), then on a
 * socket opened inside the target namespace the addresses are added back
 * and the interface set up.  Its index there is looked up by its new name,
 * or for a "%d" template (whose name only the kernel knows) taken from the
 * kernel's announcement of its arrival (RTM_NEWLINK to RTNLGRP_LINK).  The
 * target socket is opened by a setns there and back (this thread only). */
#include "netns/netns.h"
#include "netns/nl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

const char *netns_name_invalid(const char *name, bool template)
{
	size_t len = strlen(name);
	bool pct = false;

	if (!len)
		return "empty";
	if (len >= IFNAMSIZ)
		return "longer than 15 bytes";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "not a name";
	for (const char *p = name; *p; p++) {
		if (*p == '/')
			return "holds a '/'";
		if (*p == ':')
			return "holds a ':'";
		if (isspace((unsigned char)*p))
			return "holds whitespace";
		if (*p == '%') {
			if (!template)
				return "holds a '%'";
			if (pct || p[1] != 'd')
				return "holds a '%' other than one \"%d\"";
			pct = true;
		}
	}
	return NULL;
}

static bool is_template(const char *name)
{
	return strchr(name, '%') != NULL;
}

/* The name d has inside the container. */
static const char *inner_name(const struct spec_net_device *d)
{
	return d->name ? d->name : d->host_name;
}

int netns_devices_check(const struct spec_net_device *d, size_t n, const char *where, struct hull_err *e)
{
	const char *why;

	for (size_t i = 0; i < n; i++) {
		if ((why = netns_name_invalid(d[i].host_name, false)))
			return hull_errf(e, EINVAL, "%slinux.netDevices: invalid interface name \"%s\": %s", where,
					 d[i].host_name, why);
		if (d[i].name && (why = netns_name_invalid(d[i].name, true)))
			return hull_errf(e, EINVAL, "%slinux.netDevices.%s.name: invalid interface name \"%s\": %s",
					 where, d[i].host_name, d[i].name, why);
		for (size_t j = 0; j < i; j++)
			if (!is_template(inner_name(&d[i])) && strcmp(inner_name(&d[i]), inner_name(&d[j])) == 0)
				return hull_errf(e, EINVAL,
						 "%slinux.netDevices: interfaces \"%s\" and \"%s\" are both named \"%s\" in the container",
						 where, d[j].host_name, d[i].host_name, inner_name(&d[i]));
	}
	for (size_t i = 0; i < n; i++)
		if (if_nametoindex(d[i].host_name) == 0)
			return errno == ENODEV || errno == ENXIO
				       ? hull_errf(e, ENODEV, "%slinux.netDevices: interface \"%s\" not found", where,
						   d[i].host_name)
				       : hull_syserr(e, errno, "%slinux.netDevices: interface \"%s\"", where, d[i].host_name);
	return 0;
}

struct addr {
	struct ifaddrmsg ifa;
	uint32_t flags;
	unsigned have;             /* 1: local, 2: address, 4: broadcast */
	unsigned char local[16], address[16], broadcast[16];
};

struct addrs {
	int index;
	struct addr *v;
	size_t n;
	int err;
};

/* Only what the spec says moves: permanent (no lifetime: set by hand, not
 * by autoconfiguration) and of global scope. */
static int addr_cb(const struct nlmsghdr *h, void *arg)
{
	struct addrs *as = arg;
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	size_t alen = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	if ((int)ifa->ifa_index != as->index || !alen || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return 0;
	struct addr a = { .ifa = *ifa, .flags = ifa->ifa_flags };
	int len = (int)IFA_PAYLOAD(h);
	for (const struct rtattr *ra = IFA_RTA(ifa); RTA_OK(ra, len); ra = RTA_NEXT(ra, len)) {
		unsigned char *to = NULL;
		unsigned bit = 0;
		if (ra->rta_type == IFA_FLAGS && RTA_PAYLOAD(ra) >= sizeof a.flags)
			memcpy(&a.flags, RTA_DATA(ra), sizeof a.flags);
		else if (ra->rta_type == IFA_LOCAL)
			to = a.local, bit = 1;
		else if (ra->rta_type == IFA_ADDRESS)
			to = a.address, bit = 2;
		else if (ra->rta_type == IFA_BROADCAST)
			to = a.broadcast, bit = 4;
		if (to && RTA_PAYLOAD(ra) == alen) {
			memcpy(to, RTA_DATA(ra), alen);
			a.have |= bit;
		}
	}
	if (!(a.flags & IFA_F_PERMANENT) || !(a.have & 3))
		return 0;
	struct addr *v = realloc(as->v, (as->n + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	as->v = v;
	as->v[as->n++] = a;
	return 0;
}

static int addrs_get(struct nl *n, struct addrs *as)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct msg m;

	msg_init(&m, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
	return nl_talk(n, &m, addr_cb, as);
}

static int addr_add(struct nl *n, const struct addr *a, int index)
{
	/* The flags one may set; the kernel works out the others. */
	const uint32_t keep = IFA_F_PERMANENT | IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR |
			      IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN;
	uint32_t flags = a->flags & keep;
	struct ifaddrmsg ifa = { .ifa_family = a->ifa.ifa_family, .ifa_prefixlen = a->ifa.ifa_prefixlen,
				 .ifa_flags = (unsigned char)flags, .ifa_scope = a->ifa.ifa_scope,
				 .ifa_index = (unsigned)index };
	size_t alen = a->ifa.ifa_family == AF_INET ? 4 : 16;
	struct msg m;

	msg_init(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	if (a->have & 1)
		msg_attr(&m, IFA_LOCAL, a->local, alen);
	if (a->have & 2)
		msg_attr(&m, IFA_ADDRESS, a->address, alen);
	if (a->have & 4)
		msg_attr(&m, IFA_BROADCAST, a->broadcast, alen);
	msg_attr_u32(&m, IFA_FLAGS, flags);
	return nl_talk(n, &m, NULL, NULL);
}

static const char *addr_text(const struct addr *a, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(a->ifa.ifa_family, (a->have & 1) ? a->local : a->address, ip, sizeof ip);
	snprintf(buf, cap, "%s/%u", ip, a->ifa.ifa_prefixlen);
	return buf;
}

/* Drop what is queued on n: the rest of a move's announcements (all sent
 * before its ack), so that a next one reads only its own. */
static void nl_drain(struct nl *n)
{
	static char buf[32768];
	while (recv(n->fd, buf, sizeof buf, MSG_DONTWAIT) > 0 || errno == EINTR)
		;
}

/* The interface that just arrived in n's namespace under a "%d" template,
 * as the kernel announces it: the first link announced there (n joined
 * RTNLGRP_LINK before the move; nothing else moves into a new container's
 * namespace meanwhile). */
static int link_arrived(struct nl *n, struct link *l)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		int left = nl_recv(n, buf, sizeof buf);
		if (left < 0)
			return left;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct link x;
			if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				continue;
			link_from(h, &x);
			if (x.index > 0) {
				*l = x;
				return 0;
			}
		}
	}
}

/* Move the interface from (on socket `from`) into the namespace of to_nsfd
 * (socket `to` is in it) as new_name: its addresses carried over, set up
 * when up.  *out: the interface there.  Errors say "moving interface
 * \"NAME\" into DEST". */
static int move_link(struct nl *from, struct nl *to, int to_nsfd, const struct link *l, const char *new_name,
		     bool up, const char *dest, struct link *out, const char *where, struct hull_err *e)
{
	struct addrs as = { .index = l->index };
	struct msg m;
	int r, grp = RTNLGRP_LINK;
	bool tmpl = is_template(new_name);

	*out = (struct link){ 0 };
	if ((r = addrs_get(from, &as)) < 0) {
		r = hull_syserr(e, -r, "%slinux.netDevices: interface \"%s\": reading its addresses", where, l->name);
		goto out;
	}
	/* A template's name only the kernel knows: told of the arrival (and
	 * only while it happens).  Another name is looked up. */
	if (tmpl && setsockopt(to->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof grp) < 0) {
		r = hull_syserr(e, errno, "%slinux.netDevices: interface \"%s\": rtnetlink", where, l->name);
		goto out;
	}
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = l->index };
	msg_init(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	msg_attr_u32(&m, IFLA_NET_NS_FD, (uint32_t)to_nsfd);
	msg_attr_str(&m, IFLA_IFNAME, new_name);
	r = nl_talk(from, &m, NULL, NULL);
	if (r == 0)
		r = tmpl ? link_arrived(to, out) : link_get(to, new_name, out);
	if (tmpl) {
		setsockopt(to->fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &grp, sizeof grp);
		nl_drain(to);
	}
	if (r < 0) {
		r = strcmp(new_name, l->name) == 0
			    ? hull_syserr(e, -r, "%slinux.netDevices: moving interface \"%s\" into %s", where,
					  l->name, dest)
			    : hull_syserr(e, -r, "%slinux.netDevices: moving interface \"%s\" into %s as \"%s\"",
					  where, l->name, dest, new_name);
		goto out;
	}
	for (size_t i = 0; i < as.n; i++) {
		if ((r = addr_add(to, &as.v[i], out->index)) < 0) {
			char text[INET6_ADDRSTRLEN + 8];
			r = hull_syserr(e, -r, "%slinux.netDevices: interface \"%s\": adding its address %s in %s",
					where, l->name, addr_text(&as.v[i], text, sizeof text), dest);
			goto out;
		}
	}
	if (up && (r = link_set_up(to, out->index)) < 0)
		r = hull_syserr(e, -r, "%slinux.netDevices: interface \"%s\": setting it up in %s", where, l->name, dest);
out:
	free(as.v);
	return r;
}

/* ---- public ------------------------------------------------------------------------ */

struct netns_moved {
	int self_ns, target_ns;
	size_t n;
	struct {
		char host_name[IFNAMSIZ];
		int index;         /* inside */
		bool was_up;
	} d[];
};

void netns_moved_free(struct netns_moved *m)
{
	if (!m)
		return;
	close(m->self_ns);
	close(m->target_ns);
	free(m);
}

int netns_devices_return(struct netns_moved *m, struct hull_err *e)
{
	struct nl host = { .fd = -1 }, in = { .fd = -1 };
	int ret = 0, r;

	if (!m)
		return 0;
	if ((r = nl_open(&host)) < 0 || (r = nl_open_in(&in, m->target_ns, m->self_ns)) < 0) {
		ret = hull_syserr(e, -r, "linux.netDevices: moving the interfaces back: rtnetlink");
		goto out;
	}
	for (size_t i = m->n; i-- > 0;) {
		struct link l = { .index = m->d[i].index }, back;
		snprintf(l.name, sizeof l.name, "%s", m->d[i].host_name);
		struct hull_err e2;
		r = move_link(&in, &host, m->self_ns, &l, m->d[i].host_name, m->d[i].was_up, "the host", &back, "",
			      ret < 0 ? &e2 : e);
		if (r < 0 && ret == 0)
			ret = r;
	}
out:
	nl_close(&host);
	nl_close(&in);
	netns_moved_free(m);
	return ret;
}

int netns_devices_move(const struct spec_net_device *d, size_t n, int nsfd, struct netns_moved **out,
		       const char *where, struct hull_err *e)
{
	struct nl host = { .fd = -1 }, in = { .fd = -1 };
	struct netns_moved *m;
	int r;

	*out = NULL;
	if (!n)
		return 0;
	if (!(m = calloc(1, sizeof *m + n * sizeof m->d[0])))
		return hull_errf(e, ENOMEM, "out of memory");
	m->target_ns = fcntl(nsfd, F_DUPFD_CLOEXEC, 3);
	m->self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (m->target_ns < 0 || m->self_ns < 0) {
		r = hull_syserr(e, errno, "%slinux.netDevices: the network namespaces", where);
		if (m->target_ns >= 0)
			close(m->target_ns);
		if (m->self_ns >= 0)
			close(m->self_ns);
		free(m);
		return r;
	}
	if ((r = nl_open(&host)) < 0 || (r = nl_open_in(&in, m->target_ns, m->self_ns)) < 0) {
		r = hull_syserr(e, -r, "%slinux.netDevices: rtnetlink", where);
		goto fail;
	}
	/* What the move needs, checked before anything moves. */
	for (size_t i = 0; i < n; i++) {
		struct link l;
		const char *name = inner_name(&d[i]);
		if ((r = link_get(&host, d[i].host_name, &l)) < 0) {
			r = r == -ENODEV ? hull_errf(e, ENODEV, "%slinux.netDevices: interface \"%s\" not found", where,
						     d[i].host_name)
					 : hull_syserr(e, -r, "%slinux.netDevices: interface \"%s\"", where, d[i].host_name);
			goto fail;
		}
		if (is_template(name))
			continue;
		r = link_get(&in, name, &l);
		if (r == 0) {
			r = hull_errf(e, EEXIST,
				      "%slinux.netDevices: interface \"%s\": the container already has an interface named \"%s\"",
				      where, d[i].host_name, name);
			goto fail;
		}
		if (r != -ENODEV) {
			r = hull_syserr(e, -r, "%slinux.netDevices: interface \"%s\"", where, d[i].host_name);
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct link l, there;
		if ((r = link_get(&host, d[i].host_name, &l)) < 0) {
			r = hull_syserr(e, -r, "%slinux.netDevices: interface \"%s\"", where, d[i].host_name);
			goto fail;
		}
		snprintf(m->d[i].host_name, sizeof m->d[i].host_name, "%s", d[i].host_name);
		m->d[i].was_up = l.flags & IFF_UP;
		r = move_link(&host, &in, m->target_ns, &l, inner_name(&d[i]), true, "the container", &there, where, e);
		/* Where it landed, whatever failed after. */
		if (there.index > 0 || r == 0) {
			m->d[i].index = there.index;
			m->n = i + 1;
		}
		if (r < 0)
			goto fail;
	}
	nl_close(&host);
	nl_close(&in);
	*out = m;
	return 0;
fail:
	nl_close(&host);
	nl_close(&in);
	{
		struct hull_err e2;
		netns_devices_return(m, &e2);
	}
	return r;
}

int netns_link_move(const char *name, const char *new_name, int nsfd, struct hull_err *e)
{
	struct spec_net_device d = { .host_name = name, .name = new_name };
	struct netns_moved *m;
	int r = netns_devices_move(&d, 1, nsfd, &m, "", e);
	netns_moved_free(m);
	return r;
}
