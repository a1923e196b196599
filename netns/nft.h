/* SPDX-License-Identifier: Apache-2.0 */
/* netns/nft.h: hull's nftables table (internal to netns/; runtime/ reaches
 * networks only through netns/netns.h).
 *
 * One table, `inet hull`, made once with every chain and rule it will ever
 * hold; networks and published ports only add and remove elements of its
 * sets and maps, so a container's ports cost one netlink batch and no rule
 * walk grows with the number of containers:
 *
 *   set bridges   { type ifname; }                    every hull bridge
 *   set internal  { type ifname; }                    bridges of --internal networks
 *   set nets4     { type ipv4_addr; flags interval; } every network's IPv4 subnet
 *   set masq4     { type ipv4_addr; flags interval; } subnets with a way out
 *   set nets6/masq6 likewise for IPv6
 *   map ports4    { type inet_proto . inet_service : ipv4_addr . inet_service; }
 *   map ports4h   { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
 *   map ports6/ports6h likewise for IPv6
 *   chain prerouting  nat hook prerouting priority -100: fib daddr type local -> jump ports
 *   chain output      nat hook output priority -100: fib daddr type local -> jump ports
 *   chain ports       dnat by ports4h (host ip . proto . port), then ports4 (proto . port); v6 alike
 *   chain postrouting nat hook postrouting priority 100:
 *                     localhost to a published port (ip saddr 127.0.0.0/8, ct status dnat,
 *                     oifname @bridges) masquerade; a container to a published port of its own
 *                     network (ip saddr @nets4, ct status dnat, oifname @bridges) masquerade;
 *                     ip saddr @masq4 oifname != @bridges masquerade; v6 alike (::1)
 *   chain forward     filter hook forward priority 0: iifname @internal oifname != @internal
 *                     drop; oifname @internal iifname != @internal drop
 *
 * libnftnl is dlopen()ed (libnftnl.so.11, which brings libmnl.so.0) the
 * first time a function here needs it: hull is a static PIE and Debian's
 * libmnl ships no static library; no command that does not change
 * nftables maps either library. */
#ifndef HULL_NETNS_NFT_H
#define HULL_NETNS_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/util.h"

/* A network's part of the table. */
struct nft_net {
	const char *bridge;  /* interface name */
	const char *subnet4; /* "10.90.0.0/16" or NULL */
	const char *subnet6; /* "fd12:3456::/64" or NULL */
	bool internal;       /* no masquerade; in `internal` */
};

/* One published port. */
struct nft_port {
	int family;          /* 4 or 6 */
	uint8_t proto;       /* IPPROTO_TCP or IPPROTO_UDP */
	const char *host_ip; /* NULL: any of the host's addresses (ports4/ports6), else ports4h/ports6h */
	uint16_t host_port;
	const char *ctr_ip;
	uint16_t ctr_port;
};

/* Make the table with all of the above if it is not there (one batch; a
 * table already there is left as it is).  0 or -errno, e says what. */
int nft_setup(struct hull_err *e);

/* Add n's elements (bridge name to `bridges`, and to `internal` when
 * internal; subnets to nets4/nets6, and to masq4/masq6 when not internal).
 * Makes the table first if needed.  Adding what is there already is no
 * error. */
int nft_network_add(const struct nft_net *n, struct hull_err *e);

/* Remove n's elements; what is not there is no error.  No table: 0. */
int nft_network_del(const struct nft_net *n, struct hull_err *e);

/* Add p[0..n) to the port maps in one batch: all or none.  A key already
 * there (or twice in p) fails with -EEXIST and e naming it ("tcp port 8080
 * is already published"; with a host ip "tcp port 127.0.0.1:8080",
 * "tcp port [::1]:8080"; IPv6 without one "tcp port 8080 (IPv6)").  Makes
 * the table first if needed. */
int nft_ports_add(const struct nft_port *p, size_t n, struct hull_err *e);

/* Remove p[0..n)'s keys; keys not there are no error.  No table: 0. */
int nft_ports_del(const struct nft_port *p, size_t n, struct hull_err *e);

/* Remove the whole table (nothing uses hull's networks any more).  No
 * table: 0. */
int nft_teardown(struct hull_err *e);

#endif
