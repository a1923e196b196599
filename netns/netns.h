/* SPDX-License-Identifier: Apache-2.0 */
/* netns/: network wiring of a container's network namespace.
 *
 * linux.netDevices: existing interfaces of hull's network namespace moved
 * into the container's, over rtnetlink (runtime-spec config-linux.md,
 * "Network Devices"): renamed to their `name` when given, their permanent
 * global-scope addresses carried along, set up.  Nothing moves them back at
 * delete: when the namespace dies the kernel returns physical devices to
 * the host's initial namespace and destroys virtual ones. */
#ifndef HULL_NETNS_H
#define HULL_NETNS_H

#include <stdbool.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/util.h"
#include "spec/spec.h"

/* Why name cannot be an interface name (NULL: it can): empty, 16 bytes or
 * more, "." or "..", or holding '/', ':' or whitespace; '%' only as one
 * "%d" template, and only where template is true (a name inside the
 * container, numbered by the kernel). */
const char *netns_name_invalid(const char *name, bool template);

/* Check linux.netDevices before anything exists: every name valid, no two
 * interfaces given the same name inside, each host interface present in
 * hull's network namespace.  Errors start with where (e.g. "config.json: ")
 * and name the interface. */
int netns_devices_check(const struct spec_net_device *d, size_t n, const char *where, struct hull_err *e);

/* What netns_devices_move moved, to move it back if create fails. */
struct netns_moved;

/* Move d[0..n) from hull's network namespace into the one of nsfd, in
 * order: each renamed, its permanent global-scope addresses re-added there,
 * set up.  First checks that no name is taken there.  On failure the ones
 * already moved are moved back (best effort) and *out is NULL; on success
 * *out says what moved (NULL when n is 0).  Errors name the interface. */
int netns_devices_move(const struct spec_net_device *d, size_t n, int nsfd, struct netns_moved **out,
		       const char *where, struct hull_err *e);

/* Move back what netns_devices_move moved (create failed after it), as it
 * was on the host (name, addresses, up or down), then free m.  Goes on past
 * a failure; e tells the first.  NULL: nothing. */
int netns_devices_return(struct netns_moved *m, struct hull_err *e);

/* Forget m (the container keeps the interfaces). */
void netns_moved_free(struct netns_moved *m);

/* One interface: move the interface named name in hull's network namespace
 * into the one of nsfd, renamed to new_name (NULL: same name), its
 * permanent global-scope addresses re-added and set up there. */
int netns_link_move(const char *name, const char *new_name, int nsfd, struct hull_err *e);

/* ---- networks (netns/network.c, netns/bridge.c) ------------------------------------
 *
 * A network is a Linux bridge with an IPv4 and/or an IPv6 subnet; its
 * definition and its address leases live in the store (--store, see
 * overlay/store.h) under networks/: NAME/config (the definition, text),
 * NAME/leases/ADDRESS (one file per leased address: "ID IFNAME MAC"), ports/
 * (one file per published port: "ID IFNAME"), and networks/lock, flock()ed
 * exclusively around every change.  The network `hull` (bridge hull0, a
 * private /16 not routed on the host) exists without being created: its
 * definition is written when first used.  Bridges, forwarding and nftables
 * (netns/nft.h) are set up when a container first joins, and removed by
 * netns_network_rm. */

#define NETNS_DEFAULT "hull"
#define NETNS_NAME_MAX 63

struct netns_subnet {
	int family;                 /* AF_INET or AF_INET6 */
	unsigned char net[16];      /* network address (host bits zero) */
	unsigned prefix;
	unsigned char gw[16];       /* the bridge's address, the containers' gateway */
};

struct netns_network {
	char name[NETNS_NAME_MAX + 1];
	char bridge[IFNAMSIZ];
	struct netns_subnet sub[2]; /* at most one per family, IPv4 first */
	size_t n_sub;
	bool internal;              /* no way out: no default route, no masquerade, not forwarded */
};

/* What `hull network create` asks for. */
struct netns_create {
	const char *name;
	const char *subnet[2];      /* CIDRs, at most one per family; none: a free 10.89.N.0/24 */
	size_t n_subnet;
	const char *gateway[2];     /* matched to the subnets by family; none: the subnet's first address */
	size_t n_gateway;
	bool ipv6;                  /* an IPv6 subnet (a free fdXX ULA /64 when none is given) */
	bool internal;
	const char *bridge;         /* NULL: "hull" + a number (hull1, hull2, ...) */
};

/* Parse "A.B.C.D/N" or "X::/N" into s (gateway unset); bits past the
 * prefix must be zero.  Errors name text. */
int netns_subnet_parse(const char *text, struct netns_subnet *s, struct hull_err *e);
/* "10.89.0.0/24": s's network in text. */
const char *netns_subnet_text(const struct netns_subnet *s, char *buf, size_t cap);
bool netns_subnet_overlap(const struct netns_subnet *a, const struct netns_subnet *b);
bool netns_subnet_contains(const struct netns_subnet *s, const unsigned char *addr);
/* Why name cannot name a network (NULL: it can). */
const char *netns_network_name_invalid(const char *name);

int netns_network_create(const char *store, const struct netns_create *c, struct netns_network *out,
			 struct hull_err *e);
/* The definition of name (the default one written on first use); -ENOENT
 * with e saying "network NAME not found". */
int netns_network_get(const char *store, const char *name, struct netns_network *out, struct hull_err *e);
/* The same, writing nothing unless write (inspect and ls only read: the
 * default network not used yet is shown as its first use would write it). */
int netns_network_lookup(const char *store, const char *name, bool write, struct netns_network *out,
			 struct hull_err *e);
/* Every network, the default one included, by name. */
int netns_network_list(const char *store, struct netns_network **v, size_t *n, struct hull_err *e);
/* Remove name: its bridge, its nftables elements, its definition.  Refused
 * (-EBUSY) while a container holds a lease on it. */
int netns_network_rm(const char *store, const char *name, struct hull_err *e);

struct netns_lease {
	char id[256];               /* container */
	char ifname[IFNAMSIZ];      /* its interface inside */
	char mac[18];               /* that interface's MAC ("" if unknown) */
	int family;
	unsigned char addr[16];
};
/* The leases of network name. */
int netns_network_leases(const char *store, const char *name, struct netns_lease **v, size_t *n,
			 struct hull_err *e);

/* ---- joining containers (netns/join.c) -------------------------------------------- */

/* A published port, -p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]. */
struct netns_port {
	uint8_t proto;              /* IPPROTO_TCP or IPPROTO_UDP */
	int host_family;            /* 0: any address of the host (both families), else AF_INET(6) */
	unsigned char host_ip[16];
	uint16_t host_port, ctr_port;
};
int netns_port_parse(const char *text, struct netns_port *p, struct hull_err *e);
const char *netns_port_text(const struct netns_port *p, char *buf, size_t cap);

struct netns_attach {
	const char *network;
	const char *ifname;         /* inside; NULL: eth0, eth1, ... by position */
	const char *ip[2];          /* addresses asked for (--ip, --ip6), NULL: the next free */
	const char *mac;            /* NULL: a random locally administered one */
	/* Addresses decided elsewhere (a CNI ipam plugin): net the address,
	 * prefix and gw as the subnet's; recorded as leases as they are.
	 * n_preset 0: the next free addresses. */
	const struct netns_subnet *preset;
	size_t n_preset;
};

struct netns_join_req {
	const char *store;
	const char *id;             /* container */
	const struct netns_attach *nets;  /* eth0, eth1, ... in order */
	size_t n_nets;
	const struct netns_port *ports;   /* to the first network's addresses */
	size_t n_ports;
};

/* One interface a container got. */
struct netns_iface {
	char network[NETNS_NAME_MAX + 1];
	char ifname[IFNAMSIZ];      /* inside: eth0, ... */
	char host_if[IFNAMSIZ];     /* the veth's host end */
	unsigned char mac[6];
	struct netns_subnet addr[2];/* its addresses (net: the address, prefix: the subnet's, gw: the gateway) */
	size_t n_addr;
	bool internal;
};

struct netns_joined {
	struct netns_iface *v;
	size_t n;
};
void netns_joined_free(struct netns_joined *j);

/* The name of the host end of container id's interface ifname:
 * "hv" and 12 hex digits of a hash of both (found again by delete with
 * nothing else recorded). */
void netns_veth_name(const char *id, const char *ifname, char out[IFNAMSIZ]);

/* Join the container whose network namespace is nsfd to r's networks:
 * leases, the bridges (made when missing, with forwarding and nftables),
 * one veth pair per network whose inner end lands in nsfd as eth0, eth1,
 * ... with its addresses and (unless internal) default routes, loopback
 * up, and r's ports published.  On failure everything it did is undone
 * and e names what failed.  *out: what the container got. */
int netns_join(const struct netns_join_req *r, int nsfd, struct netns_joined *out, struct hull_err *e);

/* Undo netns_join for container id on networks[0..n), whose interfaces
 * were ifnames[0..n) (NULL: eth0, eth1, ...): its veths by name, its
 * leases on those networks and its published ports by their files;
 * whatever is there, nothing else; what is gone already is no error.
 * Goes on past a failure; e tells the first. */
int netns_leave(const char *store, const char *id, const char *const *networks, const char *const *ifnames,
		size_t n, struct hull_err *e);

/* Whether container id's interface ifname is as netns_join left it: its
 * veth's host end on the host, ifname up in nsfd with every address of
 * addrs[0..n).  0, or -errno with e saying what is missing. */
int netns_check(const char *id, const char *ifname, int nsfd, const struct netns_subnet *addrs, size_t n,
		struct hull_err *e);

#endif
