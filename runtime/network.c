/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/network.c: `hull network create|ls|inspect|rm`, and what run and
 * create do for a container's networks (runtime/network.h), over netns/. */
#include "runtime/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "overlay/store.h"
#include "runtime/log.h"

static const char *store_of(const struct global *g)
{
	return g->store ? g->store : STORE_DEFAULT;
}

/* ---- hull network ------------------------------------------------------ */

static int cmd_create(struct global *g, const struct parsed *p)
{
	struct netns_create c = { .name = p->argv[0], .ipv6 = p->set[2], .internal = p->set[3], .bridge = p->val[4] };
	struct netns_network n;
	struct hull_err e;
	if (p->nlist[0] > 2 || p->nlist[1] > 2)
		return cli_usage_error("network create: at most one IPv4 and one IPv6 --subnet (and --gateway)");
	for (size_t i = 0; i < p->nlist[0]; i++)
		c.subnet[c.n_subnet++] = p->list[0][i];
	for (size_t i = 0; i < p->nlist[1]; i++)
		c.gateway[c.n_gateway++] = p->list[1][i];
	if (netns_network_create(store_of(g), &c, &n, &e) < 0)
		return cli_fail(&e);
	puts(n.name);
	return 0;
}

static void jstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void print_json(yajl_gen jg)
{
	char *out = json_gen_take(jg); /* (frees jg) */
	if (out)
		fputs(out, stdout);
	free(out);
}

/* How many containers hold leases in v[0..n). */
static size_t containers_of(const struct netns_lease *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(v[i].id, v[j].id) == 0;
		k += !seen;
	}
	return k;
}

/* The fields of a network ls and inspect share, in an open map. */
static void network_json(yajl_gen jg, const struct netns_network *n)
{
	jstr(jg, "name");
	jstr(jg, n->name);
	jstr(jg, "bridge");
	jstr(jg, n->bridge);
	jstr(jg, "subnets");
	yajl_gen_array_open(jg);
	for (size_t s = 0; s < n->n_sub; s++) {
		char sub[64], gw[INET6_ADDRSTRLEN];
		yajl_gen_map_open(jg);
		jstr(jg, "subnet");
		jstr(jg, netns_subnet_text(&n->sub[s], sub, sizeof sub));
		jstr(jg, "gateway");
		jstr(jg, inet_ntop(n->sub[s].family, n->sub[s].gw, gw, sizeof gw));
		yajl_gen_map_close(jg);
	}
	yajl_gen_array_close(jg);
	jstr(jg, "internal");
	yajl_gen_bool(jg, n->internal);
}

static int cmd_ls(struct global *g, const struct parsed *p)
{
	bool json = p->val[0] && !strcmp(p->val[0], "json");
	if (p->val[0] && !json && strcmp(p->val[0], "table"))
		return cli_usage_error("network ls: --format: \"%s\" is neither table nor json", p->val[0]);
	struct netns_network *v = NULL;
	size_t n = 0;
	struct hull_err e;
	if (netns_network_list(store_of(g), &v, &n, &e) < 0)
		return cli_fail(&e);
	yajl_gen jg = json ? yajl_gen_alloc(NULL) : NULL;
	if (jg) {
		yajl_gen_config(jg, yajl_gen_beautify, 1);
		yajl_gen_array_open(jg);
	} else if (!p->set[1]) {
		printf("%-20s %-15s %-40s %-9s %s\n", "NAME", "BRIDGE", "SUBNETS", "INTERNAL", "CONTAINERS");
	}
	for (size_t i = 0; i < n; i++) {
		struct netns_lease *l = NULL;
		size_t nl = 0;
		netns_network_leases(store_of(g), v[i].name, &l, &nl, &e);
		size_t nc = containers_of(l, nl);
		free(l);
		if (jg) {
			yajl_gen_map_open(jg);
			network_json(jg, &v[i]);
			jstr(jg, "containers");
			yajl_gen_integer(jg, (long long)nc);
			yajl_gen_map_close(jg);
		} else if (p->set[1]) {
			puts(v[i].name);
		} else {
			char subs[160] = "", sub[64];
			for (size_t s = 0; s < v[i].n_sub; s++)
				snprintf(subs + strlen(subs), sizeof subs - strlen(subs), "%s%s", s ? "," : "",
					 netns_subnet_text(&v[i].sub[s], sub, sizeof sub));
			printf("%-20s %-15s %-40s %-9s %zu\n", v[i].name, v[i].bridge, subs, v[i].internal ? "yes" : "no",
			       nc);
		}
	}
	if (jg) {
		yajl_gen_array_close(jg);
		print_json(jg);
	}
	free(v);
	return 0;
}

static int by_container(const void *a, const void *b)
{
	const struct netns_lease *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->ifname, y->ifname);
}

static int cmd_inspect(struct global *g, const struct parsed *p)
{
	struct hull_err e;
	struct netns_network *v = calloc((size_t)p->argc, sizeof *v);
	if (!v)
		return cli_usage_error("out of memory");
	for (int i = 0; i < p->argc; i++)
		if (netns_network_lookup(store_of(g), p->argv[i], false, &v[i], &e) < 0) {
			free(v);
			return cli_fail(&e);
		}
	yajl_gen jg = yajl_gen_alloc(NULL);
	yajl_gen_config(jg, yajl_gen_beautify, 1);
	yajl_gen_array_open(jg);
	for (int i = 0; i < p->argc; i++) {
		struct netns_lease *l = NULL;
		size_t nl = 0;
		netns_network_leases(store_of(g), v[i].name, &l, &nl, &e);
		qsort(l, nl, sizeof *l, by_container);
		yajl_gen_map_open(jg);
		network_json(jg, &v[i]);
		jstr(jg, "containers");
		yajl_gen_array_open(jg);
		for (size_t k = 0; k < nl;) {
			char ip[INET6_ADDRSTRLEN + 8];
			yajl_gen_map_open(jg);
			jstr(jg, "id");
			jstr(jg, l[k].id);
			jstr(jg, "interface");
			jstr(jg, l[k].ifname);
			jstr(jg, "mac");
			jstr(jg, l[k].mac);
			jstr(jg, "addresses");
			yajl_gen_array_open(jg);
			size_t first = k;
			for (; k < nl && by_container(&l[k], &l[first]) == 0; k++) {
				unsigned prefix = 0;
				for (size_t s = 0; s < v[i].n_sub; s++)
					if (v[i].sub[s].family == l[k].family)
						prefix = v[i].sub[s].prefix;
				inet_ntop(l[k].family, l[k].addr, ip, INET6_ADDRSTRLEN);
				snprintf(ip + strlen(ip), 8, "/%u", prefix);
				jstr(jg, ip);
			}
			yajl_gen_array_close(jg);
			yajl_gen_map_close(jg);
		}
		yajl_gen_array_close(jg);
		yajl_gen_map_close(jg);
		free(l);
	}
	yajl_gen_array_close(jg);
	print_json(jg);
	free(v);
	return 0;
}

static int cmd_rm(struct global *g, const struct parsed *p)
{
	int ret = 0;
	for (int i = 0; i < p->argc; i++) {
		struct hull_err e;
		if (netns_network_rm(store_of(g), p->argv[i], &e) < 0)
			ret = cli_fail(&e);
		else
			puts(p->argv[i]);
	}
	return ret;
}

static const struct flag create_flags[] = {
	{ "subnet", 0, 2, "the network's IPv4 or IPv6 subnet (one of each; default: a free 10.89.N.0/24)", "CIDR" },
	{ "gateway", 0, 2, "the bridge's address in a subnet (default: its first)", "IP" },
	{ "ipv6", 0, 0, "an IPv6 subnet too (a free fd48:756c:6c00:N::/64 unless --subnet gives one)", NULL },
	{ "internal", 0, 0, "no way out: no default route, no masquerade, nothing forwarded", NULL },
	{ "bridge", 0, 1, "the bridge's interface name (default: hullN)", "IFNAME" },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct flag ls_flags[] = {
	{ "format", 'f', 1, "table (default) or json", "FORMAT" },
	{ "quiet", 'q', 0, "names only", NULL },
	{ NULL, 0, 0, NULL, NULL },
};
static const struct flag no_flags[] = { { NULL, 0, 0, NULL, NULL } };

static const struct cmd network_cmds[] = {
	{ "create", "<name>", "Define a network (a bridge, its subnets).", create_flags, cmd_create, 1, 1, false, 0, "network " },
	{ "ls", "", "List the networks.", ls_flags, cmd_ls, 0, 0, false, 0, "network " },
	{ "inspect", "<name>...", "Print networks and their containers (JSON).", no_flags, cmd_inspect, 1, -1, false, 0, "network " },
	{ "rm", "<name>...", "Remove networks no container uses, with their bridges.", no_flags, cmd_rm, 1, -1, false, 0, "network " },
};
#define N_NETWORK_CMDS (sizeof network_cmds / sizeof *network_cmds)

void network_help_summary(void)
{
	for (size_t i = 0; i < N_NETWORK_CMDS; i++)
		printf("    %-10s %s\n", network_cmds[i].name, network_cmds[i].summary);
}

int network_main(struct global *g, int argc, char **argv)
{
	return cli_family_main(g, "network", network_cmds, N_NETWORK_CMDS,
			       "Networks of containers (definitions and leases in --store, default " STORE_DEFAULT ";\n"
			       "the network \"" NETNS_DEFAULT "\" exists without being created).",
			       argc, argv);
}

/* ---- a container's networks ------------------------------------------- */

static const char *ann_get(const struct spec_kv *a, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].key, key))
			return a[i].value;
	return NULL;
}

/* A string kept for the setup's life: appended to n->mem's chain. */
struct strbuf {
	char **v;
	size_t n;
};

static char *keep(struct strbuf *sb, char *s)
{
	if (!s)
		return NULL;
	char **nv = realloc(sb->v, (sb->n + 1) * sizeof *nv);
	if (!nv) {
		free(s);
		return NULL;
	}
	sb->v = nv;
	return sb->v[sb->n++] = s;
}

static char *join_list(const char *const *v, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = malloc(len), *p = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", v[i]);
	*p = 0;
	return s;
}

/* Split a comma list (a copy kept in sb) into *v (malloc'd). */
static int split(struct strbuf *sb, const char *list, char ***v, size_t *n)
{
	*v = NULL;
	*n = 0;
	char *copy = keep(sb, strdup(list));
	if (!copy)
		return -ENOMEM;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char **nv = realloc(*v, (*n + 1) * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		*v = nv;
		(*v)[(*n)++] = t;
	}
	return 0;
}

static bool is_ip(const char *s)
{
	unsigned char a[16];
	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* Set key to value in n's annotations (replacing). */
static int ann_set(struct net_setup *n, const char *key, const char *value)
{
	for (size_t i = 0; i < n->n_ann; i++)
		if (!strcmp(n->ann[i].key, key)) {
			n->ann[i].value = value;
			return 0;
		}
	struct spec_kv *nv = realloc(n->ann, (n->n_ann + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	n->ann = nv;
	n->ann[n->n_ann++] = (struct spec_kv){ key, value };
	return 0;
}

int net_prepare(struct spec *s, const struct net_flags *f, const char *store, const char *cfg, struct net_setup *n,
		struct hull_err *e)
{
	struct strbuf sb = { 0 };
	int r = 0;

	memset(n, 0, sizeof *n);
	n->dirfd = -1;
	n->store = store ? store : STORE_DEFAULT;
	/* What a failure puts back: s as it came. */
	struct spec_kv *ann0 = s->annotations;
	size_t n_ann0 = s->n_annotations;
	const char *host0 = s->hostname;
	struct spec_namespace *ns0 = s->linux_ ? s->linux_->namespaces : NULL;
	size_t n_ns0 = s->linux_ ? s->linux_->n_namespaces : 0;
	const char *net = ann_get(s->annotations, s->n_annotations, NET_ANN_NETWORK);
	bool flags = f && (f->n_network || f->n_publish || f->ip || f->ip6 || f->mac || f->n_dns || f->n_add_host);
	if (!net && !flags) {
		if (f && f->hostname)
			s->hostname = f->hostname;
		return 0;
	}
	/* The config's annotations, then the flags' over them. */
	if (!(n->ann = calloc(s->n_annotations + 8, sizeof *n->ann)))
		goto oom;
	memcpy(n->ann, s->annotations, s->n_annotations * sizeof *n->ann);
	n->n_ann = s->n_annotations;
	if (f) {
		struct {
			const char *key;
			const char *const *v;
			size_t n;
			const char *one;
		} set[] = {
			{ NET_ANN_NETWORK, f->network, f->n_network, NULL }, { NET_ANN_PUBLISH, f->publish, f->n_publish, NULL },
			{ NET_ANN_DNS, f->dns, f->n_dns, NULL },	     { NET_ANN_ADD_HOST, f->add_host, f->n_add_host, NULL },
			{ NET_ANN_IP, NULL, 0, f->ip },			     { NET_ANN_IP6, NULL, 0, f->ip6 },
			{ NET_ANN_MAC, NULL, 0, f->mac },
		};
		for (size_t i = 0; i < sizeof set / sizeof *set; i++) {
			const char *v = set[i].one ? set[i].one : set[i].n ? keep(&sb, join_list(set[i].v, set[i].n)) : NULL;
			if ((set[i].one || set[i].n) && (!v || ann_set(n, set[i].key, v) < 0))
				goto oom;
		}
		if (f->hostname)
			s->hostname = f->hostname;
	}
	s->annotations = n->ann;
	s->n_annotations = n->n_ann;
	net = ann_get(n->ann, n->n_ann, NET_ANN_NETWORK);
	const char *pub = ann_get(n->ann, n->n_ann, NET_ANN_PUBLISH), *ip = ann_get(n->ann, n->n_ann, NET_ANN_IP),
		   *ip6 = ann_get(n->ann, n->n_ann, NET_ANN_IP6), *mac = ann_get(n->ann, n->n_ann, NET_ANN_MAC),
		   *dns = ann_get(n->ann, n->n_ann, NET_ANN_DNS), *hosts = ann_get(n->ann, n->n_ann, NET_ANN_ADD_HOST);
	if (!net) {
		r = hull_errf(e, EINVAL, "%s: %s: published ports, addresses and DNS need a network (--network NAME)", cfg,
			      pub ? "-p" : ip || ip6 ? "--ip" : mac ? "--mac-address" : dns ? "--dns" : "--add-host");
		goto fail;
	}
	/* The network namespace entry: host drops it, ns:PATH joins PATH,
	 * the others need a new one. */
	struct spec_linux *lx = s->linux_;
	ssize_t at = -1;
	for (size_t i = 0; lx && i < lx->n_namespaces; i++)
		if (lx->namespaces[i].type == SPEC_NS_NETWORK)
			at = (ssize_t)i;
	bool special = !strcmp(net, "host") || !strncmp(net, "ns:", 3);
	if (special && (pub || ip || ip6 || mac)) {
		r = hull_errf(e, EINVAL, "%s: --network %s: no -p, --ip or --mac-address (hull does not wire that namespace)",
			      cfg, net);
		goto fail;
	}
	if (special) {
		if (!lx) {
			if (!strcmp(net, "host"))
				goto files_only;
			r = hull_errf(e, EINVAL, "%s: --network %s needs a \"linux\" section", cfg, net);
			goto fail;
		}
		size_t cnt = lx->n_namespaces + 1;
		if (!(n->nss = calloc(cnt, sizeof *n->nss)))
			goto oom;
		memcpy(n->nss, lx->namespaces, lx->n_namespaces * sizeof *n->nss);
		size_t nn = lx->n_namespaces;
		if (!strcmp(net, "host")) {
			if (at >= 0)
				memmove(&n->nss[at], &n->nss[at + 1], (nn - (size_t)at - 1) * sizeof *n->nss), nn--;
		} else {
			const char *path = net + 3;
			if (path[0] != '/') {
				r = hull_errf(e, EINVAL, "%s: --network %s: not an absolute path", cfg, net);
				goto fail;
			}
			if (at >= 0)
				n->nss[at].path = path;
			else
				n->nss[nn++] = (struct spec_namespace){ SPEC_NS_NETWORK, path };
		}
		lx->namespaces = n->nss;
		lx->n_namespaces = nn;
		goto files_only;
	}
	if (at < 0 || lx->namespaces[at].path) {
		r = hull_errf(e, EINVAL,
			      "%s: --network %s needs a new network namespace (a \"network\" entry without a path in linux.namespaces)",
			      cfg, net);
		goto fail;
	}
	n->join = true;
	if (strcmp(net, "none") != 0) {
		char **names;
		size_t nn;
		if (split(&sb, net, &names, &nn) < 0)
			goto oom;
		if (!(n->nets = calloc(nn ? nn : 1, sizeof *n->nets))) {
			free(names);
			goto oom;
		}
		for (size_t i = 0; i < nn; i++) {
			const char *why = netns_network_name_invalid(names[i]);
			if (why) {
				r = hull_errf(e, EINVAL, "%s: --network \"%s\": %s", cfg, names[i], why);
				free(names);
				goto fail;
			}
			n->nets[i].network = names[i];
		}
		n->n_nets = nn;
		free(names);
		if (!nn) {
			r = hull_errf(e, EINVAL, "%s: --network: no network named", cfg);
			goto fail;
		}
		n->nets[0].ip[0] = ip;
		n->nets[0].ip[1] = ip6;
		n->nets[0].mac = mac;
		if (ip6 && !strchr(ip6, ':')) {
			r = hull_errf(e, EINVAL, "%s: --ip6 %s: not an IPv6 address", cfg, ip6);
			goto fail;
		}
		if (ip && strchr(ip, ':')) {
			r = hull_errf(e, EINVAL, "%s: --ip %s: not an IPv4 address (--ip6 is for IPv6)", cfg, ip);
			goto fail;
		}
		if (ann_set(n, NET_ANN_STORE, n->store) < 0)
			goto oom;
		s->annotations = n->ann;
		s->n_annotations = n->n_ann;
	} else if (pub || ip || ip6 || mac) {
		r = hull_errf(e, EINVAL, "%s: --network none: no -p, --ip or --mac-address", cfg);
		goto fail;
	}
	if (pub) {
		char **v;
		size_t nv;
		if (split(&sb, pub, &v, &nv) < 0)
			goto oom;
		if (!(n->ports = calloc(nv ? nv : 1, sizeof *n->ports))) {
			free(v);
			goto oom;
		}
		for (size_t i = 0; i < nv; i++) {
			if ((r = netns_port_parse(v[i], &n->ports[i], e)) < 0) {
				free(v);
				goto fail;
			}
			for (size_t k = 0; k < i; k++)
				if (n->ports[k].proto == n->ports[i].proto && n->ports[k].host_port == n->ports[i].host_port &&
				    (!n->ports[k].host_family || !n->ports[i].host_family ||
				     !memcmp(n->ports[k].host_ip, n->ports[i].host_ip, 16))) {
					r = hull_errf(e, EINVAL, "%s: -p %s: that host port is published twice", cfg, v[i]);
					free(v);
					goto fail;
				}
		}
		n->n_ports = nv;
		free(v);
	}
files_only:
	if (dns) {
		if (split(&sb, dns, &n->dns, &n->n_dns) < 0)
			goto oom;
		for (size_t i = 0; i < n->n_dns; i++)
			if (!is_ip(n->dns[i])) {
				r = hull_errf(e, EINVAL, "%s: --dns %s: not an IP address", cfg, n->dns[i]);
				goto fail;
			}
	}
	if (hosts) {
		if (split(&sb, hosts, &n->hosts, &n->n_hosts) < 0)
			goto oom;
		for (size_t i = 0; i < n->n_hosts; i++) {
			char *c = strchr(n->hosts[i], ':');
			if (!c || c == n->hosts[i] || !is_ip(c + 1) || strpbrk(n->hosts[i], " \t\n")) {
				r = hull_errf(e, EINVAL, "%s: --add-host %s: expected NAME:IP", cfg, n->hosts[i]);
				goto fail;
			}
			*c = ' ';
		}
	}
	n->hostname = s->hostname;
	n->mem = sb.v;
	n->mem_n = sb.n;
	return 0;
oom:
	r = hull_errf(e, ENOMEM, "out of memory");
fail:
	n->mem = sb.v;
	n->mem_n = sb.n;
	s->annotations = ann0;
	s->n_annotations = n_ann0;
	s->hostname = host0;
	if (s->linux_) {
		s->linux_->namespaces = ns0;
		s->linux_->n_namespaces = n_ns0;
	}
	return r;
}

/* The host's resolv.conf for a container: its nameservers unless dns
 * names others, never a loopback one (the container's loopback is its
 * own), its search and options lines. */
static char *resolv_conf(char *const *dns, size_t n_dns)
{
	struct buf b = { 0 };
	char *host = NULL;
	read_file("/etc/resolv.conf", &host, NULL);
	for (size_t i = 0; i < n_dns; i++) {
		buf_put(&b, "nameserver ", 11);
		buf_put(&b, dns[i], strlen(dns[i]));
		buf_put(&b, "\n", 1);
	}
	for (char *save = NULL, *l = host ? strtok_r(host, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char ns[64];
		if (sscanf(l, " nameserver %63s", ns) == 1) {
			if (n_dns || !strncmp(ns, "127.", 4) || !strcmp(ns, "::1"))
				continue;
		} else if (strncmp(l, "search", 6) != 0 && strncmp(l, "options", 7) != 0 && strncmp(l, "domain", 6) != 0) {
			continue;
		}
		buf_put(&b, l, strlen(l));
		buf_put(&b, "\n", 1);
	}
	free(host);
	buf_put(&b, "", 1);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* /etc/hosts: localhost, the container's addresses under its name, the
 * --add-host lines. */
static char *hosts_file(const struct net_setup *n, const char *id)
{
	struct buf b = { 0 };
	char line[512], name[64];
	snprintf(name, sizeof name, "%.12s", id);
	const char *me = n->hostname ? n->hostname : name;
	static const char head[] = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
	buf_put(&b, head, sizeof head - 1);
	if (n->joined.n)
		for (size_t a = 0; a < n->joined.v[0].n_addr; a++) {
			char ip[INET6_ADDRSTRLEN];
			const struct netns_subnet *x = &n->joined.v[0].addr[a];
			snprintf(line, sizeof line, "%s\t%s\n", inet_ntop(x->family, x->net, ip, sizeof ip), me);
			buf_put(&b, line, strlen(line));
		}
	for (size_t i = 0; i < n->n_hosts; i++) {
		const char *sp = strchr(n->hosts[i], ' ');
		snprintf(line, sizeof line, "%s\t%.*s\n", sp + 1, (int)(sp - n->hosts[i]), n->hosts[i]);
		buf_put(&b, line, strlen(line));
	}
	buf_put(&b, "", 1);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static bool mounted_at(const struct spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const char *d = s->mounts[i].destination;
		while (d[0] == '/' && d[1] == '/')
			d++;
		if (!strcmp(d, dest))
			return true;
	}
	return false;
}

/* Write text into the file name of dirfd, made or truncated in place (the
 * init may hold it open already). */
static int put_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, text, strlen(text));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static const char *const bind_opts[] = { "bind", "rprivate" };

int net_files(struct net_setup *n, struct spec *s, int dirfd, const char *root, const char *id, struct hull_err *e)
{
	if (!n->join && !n->n_dns && !n->n_hosts)
		return 0;
	n->dirfd = dirfd;
	char *abs = root[0] == '/' ? NULL : realpath(root, NULL);
	const char *base = abs ? abs : root;
	struct {
		const char *dest, *file;
		char *text;
		bool want;
	} f[] = {
		{ "/etc/hosts", "etc-hosts", hosts_file(n, id), true },
		{ "/etc/hostname", "etc-hostname", NULL, n->join && n->hostname },
		{ "/etc/resolv.conf", "etc-resolv.conf", resolv_conf(n->dns, n->n_dns), true },
	};
	if (f[1].want)
		f[1].text = xasprintf("%s\n", n->hostname);
	int r = 0;
	size_t add = 0;
	for (size_t i = 0; i < 3; i++)
		add += f[i].want && !mounted_at(s, f[i].dest);
	if (!(n->mounts = calloc(s->n_mounts + add + 1, sizeof *n->mounts)))
		r = hull_errf(e, ENOMEM, "out of memory");
	else
		memcpy(n->mounts, s->mounts, s->n_mounts * sizeof *n->mounts);
	size_t nm = s->n_mounts;
	for (size_t i = 0; i < 3 && r == 0; i++) {
		if (!f[i].want || mounted_at(s, f[i].dest))
			continue;
		if (!f[i].text) {
			r = hull_errf(e, ENOMEM, "out of memory");
			break;
		}
		if ((r = put_file(dirfd, f[i].file, f[i].text)) < 0) {
			r = hull_syserr(e, -r, "%s/%s/%s", root, id, f[i].file);
			break;
		}
		char *src = xasprintf("%s/%s/%s", base, id, f[i].file);
		struct strbuf sb = { n->mem, n->mem_n };
		if (!keep(&sb, src)) {
			r = hull_errf(e, ENOMEM, "out of memory");
			break;
		}
		n->mem = sb.v;
		n->mem_n = sb.n;
		n->mounts[nm++] = (struct spec_mount){ .destination = f[i].dest, .source = src, .type = "bind",
						       .options = (const char **)bind_opts, .n_options = 2 };
	}
	for (size_t i = 0; i < 3; i++)
		free(f[i].text);
	free(abs);
	if (r == 0) {
		s->mounts = n->mounts;
		s->n_mounts = nm;
	}
	return r;
}

int net_join(struct net_setup *n, const char *id, pid_t pid, struct hull_err *e)
{
	if (!n->join)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return hull_syserr(e, errno, "%s", path);
	struct netns_join_req req = { .store = n->store, .id = id, .nets = n->nets, .n_nets = n->n_nets,
				      .ports = n->ports, .n_ports = n->n_ports };
	int r = netns_join(&req, nsfd, &n->joined, e);
	close(nsfd);
	if (r < 0 || n->dirfd < 0)
		return r;
	char *text = hosts_file(n, id);
	if (!text || (r = put_file(n->dirfd, "etc-hosts", text)) < 0)
		r = text ? hull_syserr(e, -r, "the container's /etc/hosts") : hull_errf(e, ENOMEM, "out of memory");
	free(text);
	if (r < 0)
		net_undo(n, id);
	return r;
}

void net_undo(struct net_setup *n, const char *id)
{
	if (!n->join || !n->n_nets)
		return;
	const char **names = calloc(n->n_nets, sizeof *names);
	struct hull_err e;
	for (size_t i = 0; names && i < n->n_nets; i++)
		names[i] = n->nets[i].network;
	if (names && netns_leave(n->store, id, names, NULL, n->n_nets, &e) < 0)
		log_warn("cleanup: %s", e.msg);
	free(names);
	netns_joined_free(&n->joined);
}

void net_setup_free(struct net_setup *n)
{
	for (size_t i = 0; i < n->mem_n; i++)
		free(n->mem[i]);
	free(n->mem);
	free(n->ann);
	free(n->mounts);
	free(n->nss);
	free(n->nets);
	free(n->ports);
	free(n->dns);
	free(n->hosts);
	netns_joined_free(&n->joined);
	memset(n, 0, sizeof *n);
	n->dirfd = -1;
}

int net_leave(const struct spec_kv *ann, size_t n_ann, const char *id, struct hull_err *e)
{
	const char *net = ann_get(ann, n_ann, NET_ANN_NETWORK);
	if (!net || !strcmp(net, "none") || !strcmp(net, "host") || !strncmp(net, "ns:", 3))
		return 0;
	const char *store = ann_get(ann, n_ann, NET_ANN_STORE);
	struct strbuf sb = { 0 };
	char **names = NULL;
	size_t nn = 0;
	int r = split(&sb, net, &names, &nn) < 0 ? hull_errf(e, ENOMEM, "out of memory")
						 : netns_leave(store ? store : STORE_DEFAULT, id, (const char *const *)names, NULL, nn, e);
	free(names);
	for (size_t i = 0; i < sb.n; i++)
		free(sb.v[i]);
	free(sb.v);
	return r;
}
