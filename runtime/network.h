/* SPDX-License-Identifier: Apache-2.0 */
/* `hull network ...`, and the networks of run/create (runtime/network.c).
 *
 * A container's networks are annotations of its config (so that a
 * config.json brings them as well as the command line does), recorded in
 * its state with the rest, where delete finds them again:
 *   io.github.hull.network      NAME[,NAME...] | none | host | ns:PATH
 *   io.github.hull.publish      [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp][,...]
 *   io.github.hull.ip / .ip6    the first network's addresses
 *   io.github.hull.mac-address  the first network's interface's MAC
 *   io.github.hull.dns          nameservers for /etc/resolv.conf (comma list)
 *   io.github.hull.add-host     NAME:IP[,...] for /etc/hosts
 * run/create's --network, -p, --ip, --ip6, --mac-address, --dns and
 * --add-host set them (replacing the config's); --hostname sets the
 * config's hostname. */
#ifndef HULL_RUNTIME_NETWORK_H
#define HULL_RUNTIME_NETWORK_H

#include "netns/netns.h"
#include "runtime/cli.h"
#include "spec/spec.h"

#define NET_ANN_NETWORK "io.github.hull.network"
#define NET_ANN_PUBLISH "io.github.hull.publish"
#define NET_ANN_IP "io.github.hull.ip"
#define NET_ANN_IP6 "io.github.hull.ip6"
#define NET_ANN_MAC "io.github.hull.mac-address"
#define NET_ANN_DNS "io.github.hull.dns"
#define NET_ANN_ADD_HOST "io.github.hull.add-host"
/* Set by hull: the store holding the leases (--store). */
#define NET_ANN_STORE "hull.netstore"

/* hull network SUBCOMMAND ...: argv[0] is the subcommand. */
int network_main(struct global *g, int argc, char **argv);
void network_help_summary(void);

/* run/create's network flags, as annotations. */
struct net_flags {
	const char *const *network; size_t n_network;
	const char *const *publish; size_t n_publish;
	const char *ip, *ip6, *mac, *hostname;
	const char *const *dns; size_t n_dns;
	const char *const *add_host; size_t n_add_host;
};

/* What a create needs for its networks, between its steps. */
struct net_setup {
	const char *store;
	struct spec_kv *ann; size_t n_ann;        /* the annotations, merged (s points here) */
	struct spec_mount *mounts;                /* the mounts with /etc/hosts... (s points here) */
	struct spec_namespace *nss;               /* the namespaces, when changed (s points here) */
	struct netns_attach *nets; size_t n_nets;
	struct netns_port *ports; size_t n_ports;
	char **dns; size_t n_dns;
	char **hosts; size_t n_hosts;             /* "NAME IP" of --add-host */
	const char *hostname;
	char **mem; size_t mem_n;                 /* the strings the above point into */
	bool join;                                /* a new network namespace to wire (a network, or none) */
	int dirfd;                                /* the state directory (not owned) */
	struct netns_joined joined;
};

/* Before anything exists: f's annotations over the config's, their values
 * checked, the namespaces changed for host and ns:PATH, the hostname set
 * (s then points into n: net_setup_free after the last use of s).  Errors
 * start with cfg; s is left as it came. */
int net_prepare(struct spec *s, const struct net_flags *f, const char *store, const char *cfg, struct net_setup *n,
		struct hull_err *e);
/* Once the state directory (dirfd) exists: the files for /etc/hosts,
 * /etc/hostname and /etc/resolv.conf in it, bind-mounted by the config
 * unless it mounts those paths itself. */
int net_files(struct net_setup *n, struct spec *s, int dirfd, const char *root, const char *id, struct hull_err *e);
/* While the init waits: join its network namespace to the networks, fill
 * /etc/hosts. */
int net_join(struct net_setup *n, const char *id, pid_t pid, struct hull_err *e);
/* create failed after net_join: undo it. */
void net_undo(struct net_setup *n, const char *id);
void net_setup_free(struct net_setup *n);

/* delete: leave the networks the annotations name; nothing to do: 0. */
int net_leave(const struct spec_kv *ann, size_t n_ann, const char *id, struct hull_err *e);

#endif
