/* SPDX-License-Identifier: Apache-2.0 */
/* netns/join.c: a container joins its networks, and leaves them.
 *
 * netns_join, while the container's init waits (DESIGN's step 4): under
 * the networks lock, a lease per subnet of each network and a file per
 * published port; then each bridge made ready (bridge.c), one RTM_NEWLINK
 * per network making a veth pair whose host end is set up on the bridge
 * and whose other end lands, named, in the container's namespace
 * (IFLA_NET_NS_FD of the peer: no interface ever sits half-moved on the
 * host); there, on a socket of that namespace, its addresses, loopback
 * up and the default route; last the ports' DNAT elements (nft.h).
 *
 * netns_leave finds all of it again from the container's id alone: the
 * veths by their names (netns_veth_name), the leases and port files by
 * their content, so `delete --force` after a kill -9 anywhere in the
 * middle cleans what was made. */
#include "netns/nft.h"
#include "netns/priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/veth.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

void netns_veth_name(const char *id, const char *ifname, char out[IFNAMSIZ])
{
	/* FNV-1a over "ID\0IFNAME", 48 bits of it. */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *p = id;; p++) {
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
		if (!*p)
			break;
	}
	for (const char *p = ifname; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(out, IFNAMSIZ, "hv%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

void netns_joined_free(struct netns_joined *j)
{
	free(j->v);
	j->v = NULL;
	j->n = 0;
}

/* The nft form of p for family (4 or 6) to the container's address ip. */
static void nft_port_of(const struct netns_port *p, int family, const unsigned char *ctr, char *hip, char *cip,
			struct nft_port *x)
{
	*x = (struct nft_port){ .family = family == AF_INET ? 4 : 6, .proto = p->proto, .host_port = p->host_port,
				.ctr_port = p->ctr_port, .ctr_ip = cip };
	if (p->host_family)
		x->host_ip = inet_ntop(p->host_family, p->host_ip, hip, INET6_ADDRSTRLEN);
	static const unsigned char zero[16];
	inet_ntop(family, ctr ? ctr : zero, cip, INET6_ADDRSTRLEN);
}

/* The elements of ports p[0..n), to the addresses of iface (NULL: keys only). */
static size_t nft_ports_of(const struct netns_port *p, size_t n, const struct netns_iface *f, struct nft_port *x,
			   char (*ips)[INET6_ADDRSTRLEN])
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
			const unsigned char *ctr = NULL;
			if (p[i].host_family && p[i].host_family != fam)
				continue;
			if (f) {
				for (size_t a = 0; a < f->n_addr; a++)
					if (f->addr[a].family == fam)
						ctr = f->addr[a].net;
				if (!ctr)
					continue;
			}
			nft_port_of(&p[i], fam, ctr, ips[2 * k], ips[2 * k + 1], &x[k]);
			k++;
		}
	}
	return k;
}

/* Publish p[0..n) to f's addresses, or (f NULL) unpublish their keys. */
static int ports_nft(const struct netns_port *p, size_t n, const struct netns_iface *f, struct hull_err *e)
{
	struct nft_port *x = calloc(n * 2, sizeof *x);
	char(*ips)[INET6_ADDRSTRLEN] = calloc(n * 4, INET6_ADDRSTRLEN);
	int r;
	if (!x || !ips)
		r = hull_errf(e, ENOMEM, "out of memory");
	else if (f)
		r = nft_ports_add(x, nft_ports_of(p, n, f, x, ips), e);
	else
		r = nft_ports_del(x, nft_ports_of(p, n, NULL, x, ips), e);
	free(x);
	free(ips);
	return r;
}

static int route_default(struct nl *nl, int index, const struct netns_subnet *s)
{
	struct rtmsg rt = { .rtm_family = (unsigned char)s->family, .rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
	struct msg m;
	msg_init(&m, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
	msg_attr(&m, RTA_GATEWAY, s->gw, s->family == AF_INET ? 4 : 16);
	msg_attr_u32(&m, RTA_OIF, (uint32_t)index);
	return nl_talk(nl, &m, NULL, NULL);
}

/* net.ipv4.conf.IF.arp_notify = 1 for interface index of nl's namespace,
 * by rtnetlink (IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF): hull's /proc/sys
 * shows its own namespace's, not the container's. */
static int arp_notify(struct nl *nl, int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	struct msg m;
	msg_init(&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	struct rtattr *af = msg_nest(&m, IFLA_AF_SPEC);
	struct rtattr *in = msg_nest(&m, AF_INET);
	struct rtattr *conf = msg_nest(&m, IFLA_INET_CONF);
	msg_attr_u32(&m, IPV4_DEVCONF_ARP_NOTIFY, 1);
	msg_nest_end(&m, conf);
	msg_nest_end(&m, in);
	msg_nest_end(&m, af);
	return nl_talk(nl, &m, NULL, NULL);
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)v[i];
	/* A unicast address. */
	return mac[0] & 1 ? -EINVAL : 0;
}

/* The veth pair of f: host end on bridge index br (up), the other end in
 * nsfd as f->ifname (down). */
static int veth_make(struct nl *host, const struct netns_iface *f, int br, int nsfd, const unsigned char *mac)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	struct msg m;
	msg_init(&m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	msg_attr_str(&m, IFLA_IFNAME, f->host_if);
	msg_attr_u32(&m, IFLA_MASTER, (uint32_t)br);
	struct rtattr *li = msg_nest(&m, IFLA_LINKINFO);
	msg_attr_str(&m, IFLA_INFO_KIND, "veth");
	struct rtattr *data = msg_nest(&m, IFLA_INFO_DATA);
	struct rtattr *peer = msg_nest(&m, VETH_INFO_PEER);
	/* The peer's own ifinfomsg, then its attributes. */
	struct ifinfomsg *pi = (struct ifinfomsg *)(m.buf + m.h.nlmsg_len);
	memset(pi, 0, sizeof *pi);
	pi->ifi_family = AF_UNSPEC;
	m.h.nlmsg_len += NLMSG_ALIGN(sizeof *pi);
	msg_attr_str(&m, IFLA_IFNAME, f->ifname);
	msg_attr_u32(&m, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (mac)
		msg_attr(&m, IFLA_ADDRESS, mac, 6);
	msg_nest_end(&m, peer);
	msg_nest_end(&m, data);
	msg_nest_end(&m, li);
	return nl_talk(host, &m, NULL, NULL);
}

/* Leases and port files of r, under the lock: filled into j. */
static int take_leases(int nfd, const struct netns_join_req *r, const struct netns_network *nets,
		       struct netns_joined *j, struct hull_err *e)
{
	int lock = nets_lock(nfd, e), ret = 0;
	if (lock < 0)
		return lock;
	for (size_t i = 0; i < r->n_nets && ret == 0; i++) {
		struct netns_iface *f = &j->v[i];
		const struct netns_network *n = &nets[i];
		/* The network may have gone since it was read: read again under the lock. */
		struct netns_network now;
		if (net_read(nfd, n->name, &now) < 0) {
			ret = hull_errf(e, ENOENT, "network %s not found", n->name);
			break;
		}
		/* Addresses decided by an ipam plugin: leased here too (so that
		 * inspect, CHECK and GC see them), as they are. */
		for (size_t p = 0; p < r->nets[i].n_preset && p < 2 && ret == 0; p++) {
			const struct netns_subnet *pre = &r->nets[i].preset[p];
			const struct netns_subnet *sub = NULL;
			for (size_t s = 0; s < n->n_sub; s++)
				if (n->sub[s].family == pre->family)
					sub = &n->sub[s];
			if (!sub) {
				ret = hull_errf(e, EINVAL, "network %s has no %s subnet for the ipam plugin's address", n->name,
						pre->family == AF_INET ? "IPv4" : "IPv6");
				break;
			}
			struct netns_subnet *a = &f->addr[f->n_addr];
			*a = *pre;
			unsigned char got[16];
			if ((ret = lease_take(nfd, n, sub, pre->net, r->id, f->ifname, f->mac, got, e)) == 0)
				f->n_addr++;
		}
		for (size_t s = 0; s < n->n_sub && ret == 0 && !r->nets[i].n_preset; s++) {
			unsigned char want[16] = { 0 }, *w = NULL;
			for (size_t k = 0; k < 2; k++)
				if (r->nets[i].ip[k] && inet_pton(n->sub[s].family, r->nets[i].ip[k], want) == 1)
					w = want;
			struct netns_subnet *a = &f->addr[f->n_addr];
			*a = n->sub[s];
			if ((ret = lease_take(nfd, n, &n->sub[s], w, r->id, f->ifname, f->mac, a->net, e)) == 0)
				f->n_addr++;
		}
	}
	for (size_t i = 0; i < r->n_ports && ret == 0; i++)
		ret = port_take(nfd, &r->ports[i], r->id, j->v[0].ifname, e);
	close(lock);
	return ret;
}

int netns_join(const struct netns_join_req *r, int nsfd, struct netns_joined *out, struct hull_err *e)
{
	_cleanup_free_ struct netns_network *nets = calloc(r->n_nets ? r->n_nets : 1, sizeof *nets);
	_cleanup_free_ bool *made = calloc(r->n_nets ? r->n_nets : 1, sizeof *made);
	_cleanup_free_ int *brix = calloc(r->n_nets ? r->n_nets : 1, sizeof *brix);
	struct netns_joined j = { .v = calloc(r->n_nets ? r->n_nets : 1, sizeof *j.v), .n = r->n_nets };
	struct nl host = { .fd = -1 }, in = { .fd = -1 };
	int nfd = -1, selffd = -1, ret = 0;
	bool took = false;

	*out = (struct netns_joined){ 0 };
	if (!nets || !j.v || !made || !brix) {
		free(j.v);
		return hull_errf(e, ENOMEM, "out of memory");
	}
	/* Everything asked for, checked before anything is made. */
	for (size_t i = 0; i < r->n_nets; i++) {
		struct netns_iface *f = &j.v[i];
		if ((ret = netns_network_get(r->store, r->nets[i].network, &nets[i], e)) < 0)
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (strcmp(nets[k].name, nets[i].name) == 0) {
				ret = hull_errf(e, EINVAL, "--network %s: given twice", nets[i].name);
				goto fail;
			}
		snprintf(f->network, sizeof f->network, "%s", nets[i].name);
		if (r->nets[i].ifname) {
			const char *why = netns_name_invalid(r->nets[i].ifname, false);
			if (why) {
				ret = hull_errf(e, EINVAL, "interface name \"%s\": %s", r->nets[i].ifname, why);
				goto fail;
			}
			snprintf(f->ifname, sizeof f->ifname, "%s", r->nets[i].ifname);
		} else {
			snprintf(f->ifname, sizeof f->ifname, "eth%u", (unsigned)i);
		}
		netns_veth_name(r->id, f->ifname, f->host_if);
		/* Joined already (a second CNI ADD): refused before any lease,
		 * so that the cleanup of this failure leaves the first alone. */
		if (if_nametoindex(f->host_if)) {
			ret = hull_errf(e, EEXIST, "container %s already has interface %s (veth %s)", r->id, f->ifname,
					f->host_if);
			goto fail;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(j.v[k].ifname, f->ifname)) {
				ret = hull_errf(e, EINVAL, "interface %s given twice", f->ifname);
				goto fail;
			}
		f->internal = nets[i].internal;
		for (size_t k = 0; k < 2; k++) {
			const char *ip = r->nets[i].ip[k];
			unsigned char a[16];
			int fam = !ip ? 0 : inet_pton(AF_INET, ip, a) == 1 ? AF_INET : inet_pton(AF_INET6, ip, a) == 1 ? AF_INET6 : -1;
			bool fits = false;
			for (size_t s = 0; s < nets[i].n_sub && fam > 0; s++)
				fits |= nets[i].sub[s].family == fam;
			if (fam < 0)
				ret = hull_errf(e, EINVAL, "--ip %s: not an IP address", ip);
			else if (fam && !fits)
				ret = hull_errf(e, EINVAL, "--ip %s: network %s has no %s subnet", ip, nets[i].name,
						fam == AF_INET ? "IPv4" : "IPv6");
			if (ret < 0)
				goto fail;
		}
		if (r->nets[i].mac && parse_mac(r->nets[i].mac, f->mac) < 0) {
			ret = hull_errf(e, EINVAL, "--mac-address %s: not a unicast MAC address (xx:xx:xx:xx:xx:xx)",
					r->nets[i].mac);
			goto fail;
		}
		/* Chosen here (as the kernel would: random, locally
		 * administered, unicast) so that the lease can name it. */
		if (!r->nets[i].mac) {
			if (getrandom(f->mac, 6, 0) != 6) {
				ret = hull_syserr(e, errno, "getrandom");
				goto fail;
			}
			f->mac[0] = (unsigned char)((f->mac[0] & 0xfe) | 0x02);
		}
	}
	if (r->n_ports && !r->n_nets) {
		ret = hull_errf(e, EINVAL, "-p needs a network to publish to (--network NAME)");
		goto fail;
	}
	if (r->n_ports && nets[0].internal) {
		ret = hull_errf(e, EINVAL, "-p: network %s is internal (no way in from the host)", nets[0].name);
		goto fail;
	}
	if ((nfd = nets_open(r->store, true, e)) < 0) {
		ret = nfd;
		goto fail;
	}
	took = true;
	if ((ret = take_leases(nfd, r, nets, &j, e)) < 0)
		goto fail;
	if ((selffd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		ret = hull_syserr(e, errno, "/proc/thread-self/ns/net");
		goto fail;
	}
	if ((ret = nl_open(&host)) < 0 || (ret = nl_open_in(&in, nsfd, selffd)) < 0) {
		ret = hull_syserr(e, -ret, "rtnetlink");
		goto fail;
	}
	for (size_t i = 0; i < r->n_nets; i++) {
		if ((ret = bridge_ensure(&host, &nets[i], &brix[i], e)) < 0)
			goto fail;
		made[i] = ret == 1;
		ret = 0;
	}
	if ((ret = link_set_up(&in, 1)) < 0) {
		ret = hull_syserr(e, -ret, "setting the container's loopback up");
		goto fail;
	}
	bool routed = false;
	for (size_t i = 0; i < j.n; i++) {
		struct netns_iface *f = &j.v[i];
		struct link l;
		if ((ret = veth_make(&host, f, brix[i], nsfd, f->mac)) < 0) {
			ret = hull_syserr(e, -ret, "network %s: making veth %s for %s", nets[i].name, f->host_if, f->ifname);
			goto fail;
		}
		if ((ret = link_get(&in, f->ifname, &l)) < 0) {
			ret = hull_syserr(e, -ret, "network %s: %s in the container", nets[i].name, f->ifname);
			goto fail;
		}
		/* A gratuitous ARP when it comes up (arp_notify): a reused
		 * address gets its new MAC into its neighbours' caches at once,
		 * not once their entries for the last holder age out. */
		if ((ret = arp_notify(&in, l.index)) < 0) {
			ret = hull_syserr(e, -ret, "network %s: arp_notify of %s in the container", nets[i].name, f->ifname);
			goto fail;
		}
		for (size_t a = 0; a < f->n_addr; a++) {
			char ip[INET6_ADDRSTRLEN];
			if ((ret = addr_put(&in, l.index, &f->addr[a], f->addr[a].net)) < 0) {
				ret = hull_syserr(e, -ret, "network %s: adding address %s to %s", nets[i].name,
						  inet_ntop(f->addr[a].family, f->addr[a].net, ip, sizeof ip), f->ifname);
				goto fail;
			}
		}
		/* Up once addressed (and here, not by the creation's peer
		 * ifinfomsg: the kernel refuses that one with ENOTCONN). */
		if ((ret = link_set_up(&in, l.index)) < 0) {
			ret = hull_syserr(e, -ret, "network %s: setting %s up in the container", nets[i].name, f->ifname);
			goto fail;
		}
		/* The default routes go by the first network with a way out. */
		if (f->internal || routed)
			continue;
		routed = true;
		for (size_t a = 0; a < f->n_addr; a++)
			/* One there already (an interface joined by an earlier
			 * CNI ADD): the container keeps that one. */
			if ((ret = route_default(&in, l.index, &f->addr[a])) < 0 && ret != -EEXIST) {
				ret = hull_syserr(e, -ret, "network %s: the default route of %s", nets[i].name, f->ifname);
				goto fail;
			}
		ret = 0;
	}
	if (r->n_ports && (ret = ports_nft(r->ports, r->n_ports, &j.v[0], e)) < 0)
		goto fail;
	nl_close(&host);
	nl_close(&in);
	close(selffd);
	close(nfd);
	*out = j;
	return 0;
fail:
	nl_close(&host);
	nl_close(&in);
	if (selffd >= 0)
		close(selffd);
	if (nfd >= 0)
		close(nfd);
	if (took) {
		const char **names = calloc(r->n_nets ? 2 * r->n_nets : 1, sizeof *names);
		struct hull_err e2;
		for (size_t i = 0; names && i < r->n_nets; i++) {
			names[i] = nets[i].name;
			names[r->n_nets + i] = j.v[i].ifname;
		}
		if (names && netns_leave(r->store, r->id, names, names + r->n_nets, r->n_nets, &e2) < 0)
			fprintf(stderr, "hull: warning: cleanup: %s\n", e2.msg);
		free(names);
		/* A bridge made for this container alone goes with it. */
		int bfd = nets_open(r->store, false, &e2), lock = bfd < 0 ? -1 : nets_lock(bfd, &e2);
		char other[256];
		for (size_t i = 0; lock >= 0 && i < r->n_nets; i++)
			if (made[i] && lease_any(bfd, nets[i].name, other, sizeof other) == 0)
				bridge_remove(&nets[i], &e2);
		if (lock >= 0)
			close(lock);
		if (bfd >= 0)
			close(bfd);
	}
	netns_joined_free(&j);
	return ret;
}

int netns_leave(const char *store, const char *id, const char *const *networks, const char *const *ifnames,
		size_t n, struct hull_err *e)
{
	int ret = 0, r;
	char name[IFNAMSIZ], ifname[IFNAMSIZ];
	struct hull_err e2;

	for (size_t i = 0; i < n; i++) {
		snprintf(ifname, sizeof ifname, "eth%u", (unsigned)i);
		netns_veth_name(id, ifnames ? ifnames[i] : ifname, name);
		if ((r = link_delete(name)) < 0 && ret == 0)
			ret = hull_syserr(e, -r, "removing veth %s", name);
	}
	int nfd = nets_open(store, false, ret < 0 ? &e2 : e);
	if (nfd == -ENOENT)
		return ret;
	if (nfd < 0)
		return ret < 0 ? ret : nfd;
	int lock = nets_lock(nfd, ret < 0 ? &e2 : e);
	if (lock < 0) {
		close(nfd);
		return ret < 0 ? ret : lock;
	}
	for (size_t i = 0; i < n; i++)
		if ((r = lease_drop_id(nfd, networks[i], id, ifnames ? ifnames[i] : NULL)) < 0 && ret == 0)
			ret = hull_syserr(e, -r, "networks/%s/leases of the store", networks[i]);
	/* The ports of those interfaces (all of id's without names): their
	 * elements removed first, then the files that name them, so that a
	 * kill in between leaves the files for the next delete to find. */
	struct netns_port *ports = NULL;
	size_t np = 0;
	if ((r = port_drop_id(nfd, id, ifnames, n, false, &ports, &np)) < 0 && ret == 0)
		ret = hull_syserr(e, -r, "networks/ports of the store");
	if (np) {
		if ((r = ports_nft(ports, np, NULL, ret < 0 ? &e2 : e)) < 0 && ret == 0)
			ret = r;
		else if (r == 0)
			port_drop_id(nfd, id, ifnames, n, true, NULL, &np);
	}
	free(ports);
	close(lock);
	close(nfd);
	return ret;
}

struct addr_seen {
	int index;
	const struct netns_subnet *want;
	bool found;
};

static int addr_seen_cb(const struct nlmsghdr *h, void *arg)
{
	struct addr_seen *a = arg;
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if ((int)ifa->ifa_index != a->index || ifa->ifa_family != a->want->family || ifa->ifa_prefixlen != a->want->prefix)
		return 0;
	int len = (int)IFA_PAYLOAD(h);
	size_t l = a->want->family == AF_INET ? 4 : 16;
	for (const struct rtattr *ra = IFA_RTA(ifa); RTA_OK(ra, len); ra = RTA_NEXT(ra, len))
		if ((ra->rta_type == IFA_LOCAL || ra->rta_type == IFA_ADDRESS) && RTA_PAYLOAD(ra) == l &&
		    !memcmp(RTA_DATA(ra), a->want->net, l))
			a->found = true;
	return 0;
}

int netns_check(const char *id, const char *ifname, int nsfd, const struct netns_subnet *addrs, size_t n,
		struct hull_err *e)
{
	char host_if[IFNAMSIZ];
	struct nl in = { .fd = -1 };
	struct link l;
	int selffd, r;

	netns_veth_name(id, ifname, host_if);
	if (!if_nametoindex(host_if))
		return hull_errf(e, ENOENT, "container %s: veth %s of %s is gone", id, host_if, ifname);
	if ((selffd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return hull_syserr(e, errno, "/proc/thread-self/ns/net");
	r = nl_open_in(&in, nsfd, selffd);
	close(selffd);
	if (r < 0)
		return hull_syserr(e, -r, "rtnetlink");
	if ((r = link_get(&in, ifname, &l)) < 0) {
		r = hull_errf(e, ENOENT, "container %s: no interface %s in its network namespace", id, ifname);
		goto out;
	}
	if (!(l.flags & IFF_UP)) {
		r = hull_errf(e, ENETDOWN, "container %s: interface %s is down", id, ifname);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct addr_seen a = { .index = l.index, .want = &addrs[i] };
		struct ifaddrmsg ifa = { .ifa_family = (unsigned char)addrs[i].family };
		struct msg m;
		char ip[INET6_ADDRSTRLEN];
		msg_init(&m, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
		if ((r = nl_talk(&in, &m, addr_seen_cb, &a)) < 0) {
			r = hull_syserr(e, -r, "rtnetlink");
			goto out;
		}
		if (!a.found) {
			r = hull_errf(e, EADDRNOTAVAIL, "container %s: interface %s lacks address %s/%u", id, ifname,
				      inet_ntop(addrs[i].family, addrs[i].net, ip, sizeof ip), addrs[i].prefix);
			goto out;
		}
	}
	r = 0;
out:
	nl_close(&in);
	return r;
}
