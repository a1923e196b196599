/* SPDX-License-Identifier: Apache-2.0 */
/* netns/priv.h: what the files of netns/ share (internal to netns/). */
#ifndef HULL_NETNS_PRIV_H
#define HULL_NETNS_PRIV_H

#include "netns/netns.h"
#include "netns/nl.h"

/* ---- network.c: the store's networks/ ---- */

/* An fd of STORE/networks (made when create), or -errno with e set. */
int nets_open(const char *store, bool create, struct hull_err *e);
/* STORE/networks/lock held exclusively: its fd (close to release). */
int nets_lock(int nfd, struct hull_err *e);
/* Read network name's definition: 0, -ENOENT, or another -errno. */
int net_read(int nfd, const char *name, struct netns_network *n);
/* The default network's definition; when absent, worked out (and, when
 * write, written under the lock). */
int net_default(int nfd, bool write, struct netns_network *n, struct hull_err *e);

/* Lease an address of sub on network n to id's interface ifname: want
 * (NULL: the next free one after the gateway).  Under the lock. */
int lease_take(int nfd, const struct netns_network *n, const struct netns_subnet *sub, const unsigned char *want,
	       const char *id, const char *ifname, const unsigned char mac[6], unsigned char out[16],
	       struct hull_err *e);
/* Drop the leases of id's interface ifname (NULL: of all of id's) on
 * network name; how many, or -errno. */
int lease_drop_id(int nfd, const char *name, const char *id, const char *ifname);
/* Any lease on network name: the id holding it in id (cap bytes), 1; none: 0. */
int lease_any(int nfd, const char *name, char *id, size_t cap);

/* Reserve p for id's interface ifname: -EADDRINUSE with e naming it when
 * another attachment has it (the same port on the same or on any
 * address).  Under the lock. */
int port_take(int nfd, const struct netns_port *p, const char *id, const char *ifname, struct hull_err *e);
/* The ports of id's interfaces ifnames[0..n_if) (NULL: of all of id's),
 * dropped when unlink: in *v (malloc'd; v NULL: only counted), their count
 * in *n. */
int port_drop_id(int nfd, const char *id, const char *const *ifnames, size_t n_if, bool unlink,
		 struct netns_port **v, size_t *n);

/* ---- bridge.c: interfaces over rtnetlink ---- */

/* The routes of hull's network namespace for family (main table, any
 * destination but the default): as subnets, in *v (malloc'd). */
int host_routes(int family, struct netns_subnet **v, size_t *n, struct hull_err *e);
/* The bridge of n up with its gateway addresses, forwarding on, n's
 * nftables elements, over nl (hull's namespace): made when missing (1;
 * removed again if its setup fails), left as it is when there (0);
 * *index is its interface index. */
int bridge_ensure(struct nl *nl, const struct netns_network *n, int *index, struct hull_err *e);
/* Remove n's bridge and its nftables elements; absent: 0. */
int bridge_remove(const struct netns_network *n, struct hull_err *e);
/* Address a (of subnet s's family and prefix) on interface index of nl's
 * namespace, replacing it when there. */
int addr_put(struct nl *nl, int index, const struct netns_subnet *s, const unsigned char *a);
/* Delete the interface named name of hull's namespace; absent: 0. */
int link_delete(const char *name);

#endif
