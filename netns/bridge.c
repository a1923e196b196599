/* SPDX-License-Identifier: Apache-2.0 */
/* netns/bridge.c: a network's bridge and the host's routes, over rtnetlink
 * (netns/nl.h), with forwarding and nftables (netns/nft.h) for its way out.
 *
 * A bridge is brought up last: one that is up was set up whole, so a
 * container joining a network whose bridge is up costs one RTM_GETLINK
 * here; one that is down (a setup killed half-way) is set up again. */
#include "netns/nft.h"
#include "netns/priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct routes {
	int family;
	struct netns_subnet *v;
	size_t n;
};

static int route_cb(const struct nlmsghdr *h, void *arg)
{
	struct routes *rs = arg;
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return 0;
	const struct rtmsg *rt = NLMSG_DATA(h);
	if (rt->rtm_family != rs->family || rt->rtm_dst_len == 0 || rt->rtm_type != RTN_UNICAST)
		return 0;
	uint32_t table = rt->rtm_table;
	struct netns_subnet s = { .family = rs->family, .prefix = rt->rtm_dst_len };
	bool have = false;
	int len = (int)RTM_PAYLOAD(h);
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == (rs->family == AF_INET ? 4u : 16u)) {
			memcpy(s.net, RTA_DATA(a), RTA_PAYLOAD(a));
			have = true;
		}
	}
	/* IPv6's link-local and multicast routes are on every interface. */
	if (!have || table != RT_TABLE_MAIN || (rs->family == AF_INET6 && (s.net[0] == 0xfe || s.net[0] == 0xff)))
		return 0;
	struct netns_subnet *nv = realloc(rs->v, (rs->n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	rs->v = nv;
	rs->v[rs->n++] = s;
	return 0;
}

int host_routes(int family, struct netns_subnet **v, size_t *n, struct hull_err *e)
{
	struct nl nl;
	struct msg m;
	struct rtmsg rt = { .rtm_family = (unsigned char)family };
	struct routes rs = { .family = family };
	int r = nl_open(&nl);

	*v = NULL;
	*n = 0;
	if (r < 0)
		return hull_syserr(e, -r, "rtnetlink");
	msg_init(&m, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof rt);
	r = nl_talk(&nl, &m, route_cb, &rs);
	nl_close(&nl);
	if (r < 0) {
		free(rs.v);
		return hull_syserr(e, -r, "reading the host's routes");
	}
	*v = rs.v;
	*n = rs.n;
	return 0;
}

int addr_put(struct nl *nl, int index, const struct netns_subnet *s, const unsigned char *a)
{
	struct ifaddrmsg ifa = { .ifa_family = (unsigned char)s->family, .ifa_prefixlen = (unsigned char)s->prefix,
				 .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (unsigned)index };
	struct msg m;
	size_t l = s->family == AF_INET ? 4 : 16;
	/* No duplicate address detection: the lease says it is ours, and an
	 * address still "tentative" would refuse connections for a second. */
	uint32_t flags = s->family == AF_INET6 ? IFA_F_NODAD : 0;

	msg_init(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof ifa);
	msg_attr(&m, IFA_LOCAL, a, l);
	msg_attr(&m, IFA_ADDRESS, a, l);
	if (flags)
		msg_attr_u32(&m, IFA_FLAGS, flags);
	return nl_talk(nl, &m, NULL, NULL);
}

static void nft_net_of(const struct netns_network *n, struct nft_net *x, char *s4, char *s6, size_t cap)
{
	*x = (struct nft_net){ .bridge = n->bridge, .internal = n->internal };
	for (size_t i = 0; i < n->n_sub; i++) {
		if (n->sub[i].family == AF_INET)
			x->subnet4 = netns_subnet_text(&n->sub[i], s4, cap);
		else
			x->subnet6 = netns_subnet_text(&n->sub[i], s6, cap);
	}
}

/* Write v into /proc/sys/rel unless it holds it already. */
static int sysctl_set(const char *rel, const char *v, struct hull_err *e)
{
	char path[128], *now = NULL;
	snprintf(path, sizeof path, "/proc/%s", rel);
	if (read_file(path, &now, NULL) == 0 && strncmp(now, v, strlen(v)) == 0 && now[strlen(v)] == '\n') {
		free(now);
		return 0;
	}
	free(now);
	int r = procfs_write(rel, v);
	return r < 0 ? hull_syserr(e, -r, "/proc/%s", rel) : 0;
}

int bridge_ensure(struct nl *nl, const struct netns_network *n, int *index, struct hull_err *e)
{
	struct link l;
	struct msg m;
	bool made = false;
	int r = link_get(nl, n->bridge, &l);

	*index = l.index;
	if (r == 0 && (l.flags & IFF_UP))
		return 0;
	if (r == -ENODEV) {
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
		msg_init(&m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
		msg_attr_str(&m, IFLA_IFNAME, n->bridge);
		struct rtattr *li = msg_nest(&m, IFLA_LINKINFO);
		msg_attr_str(&m, IFLA_INFO_KIND, "bridge");
		msg_nest_end(&m, li);
		r = nl_talk(nl, &m, NULL, NULL);
		made = r == 0;
		if (r == 0 || r == -EEXIST)
			r = link_get(nl, n->bridge, &l);
	}
	if (r < 0) {
		r = hull_syserr(e, -r, "network %s: making bridge %s", n->name, n->bridge);
		goto out;
	}
	for (size_t i = 0; i < n->n_sub; i++) {
		if ((r = addr_put(nl, l.index, &n->sub[i], n->sub[i].gw)) < 0) {
			char gw[INET6_ADDRSTRLEN];
			r = hull_syserr(e, -r, "network %s: adding address %s to bridge %s", n->name,
					inet_ntop(n->sub[i].family, n->sub[i].gw, gw, sizeof gw), n->bridge);
			goto out;
		}
	}
	char rel[96];
	for (size_t i = 0; i < n->n_sub && !n->internal; i++) {
		if (n->sub[i].family == AF_INET) {
			/* Published ports answer on 127.0.0.1: DNAT'd packets
			 * from the host's loopback leave by the bridge. */
			snprintf(rel, sizeof rel, "sys/net/ipv4/conf/%s/route_localnet", n->bridge);
			if ((r = sysctl_set("sys/net/ipv4/ip_forward", "1", e)) < 0 || (r = sysctl_set(rel, "1", e)) < 0)
				goto out;
		} else if ((r = sysctl_set("sys/net/ipv6/conf/all/forwarding", "1", e)) < 0) {
			goto out;
		}
	}
	struct nft_net x;
	char s4[64], s6[64];
	nft_net_of(n, &x, s4, s6, sizeof s4);
	if ((r = nft_network_add(&x, e)) < 0)
		goto out;
	if ((r = link_set_up(nl, l.index)) < 0)
		r = hull_syserr(e, -r, "network %s: setting bridge %s up", n->name, n->bridge);
	*index = l.index;
out:
	if (r < 0 && made) {
		struct hull_err e2;
		bridge_remove(n, &e2);
	}
	return r < 0 ? r : made;
}

int link_delete(const char *name)
{
	struct nl nl;
	struct msg m;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int r = nl_open(&nl);
	if (r < 0)
		return r;
	msg_init(&m, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof ifi);
	msg_attr_str(&m, IFLA_IFNAME, name);
	r = nl_talk(&nl, &m, NULL, NULL);
	nl_close(&nl);
	return r == -ENODEV ? 0 : r;
}

int bridge_remove(const struct netns_network *n, struct hull_err *e)
{
	struct nft_net x;
	char s4[64], s6[64];
	nft_net_of(n, &x, s4, s6, sizeof s4);
	int r = nft_network_del(&x, e);
	if (r < 0)
		return r;
	if ((r = link_delete(n->bridge)) < 0)
		return hull_syserr(e, -r, "network %s: removing bridge %s", n->name, n->bridge);
	return 0;
}
