/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/cni.c: hull as a CNI plugin (CNI spec 1.0: ADD, DEL, CHECK,
 * VERSION; 1.1's STATUS and GC), over the same netns/ functions as
 * `hull run --network`.
 *
 * hull is one: when CNI_COMMAND is set and it has no argument (installed
 * as /usr/lib/cni/hull, a link to the hull binary, and run by a container
 * engine's libcni).  The network configuration on stdin:
 *
 *   { "cniVersion": "1.0.0", "name": "NET", "type": "hull",
 *     "bridge": "IFNAME", "subnet": "CIDR", "gateway": "IP",
 *     "subnet6": "CIDR6", "gateway6": "IP6", "ipv6": false, "internal": false,
 *     "store": "/var/lib/hull",
 *     "ipam": { "type": "host-local", ... },        (optional: else hull's leases)
 *     "runtimeConfig": { "portMappings": [ { "hostPort": 8080, "containerPort": 80,
 *                                             "protocol": "tcp", "hostIP": "" } ] } }
 *
 * The network NET is the store's network of that name, defined from this
 * configuration on first use (a definition that differs is an error).
 * Results and errors go to stdout as the spec says; the exit status is 0
 * or 1. */
#include "runtime/cni.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "netns/netns.h"
#include "overlay/store.h"
#include "runtime/state.h"

/* The spec's error codes. */
enum {
	CNI_E_VERSION = 1,
	CNI_E_FIELD = 2,
	CNI_E_UNKNOWN_CONTAINER = 3,
	CNI_E_ENV = 4,
	CNI_E_IO = 5,
	CNI_E_DECODE = 6,
	CNI_E_CONFIG = 7,
	CNI_E_AGAIN = 11,
	CNI_E_PLUGIN = 100,
};

static const char *const versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
#define N_VERSIONS (sizeof versions / sizeof *versions)

static void jstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void emit(yajl_gen g)
{
	char *out = json_gen_take(g); /* (frees g) */
	if (out)
		fputs(out, stdout);
	free(out);
	fflush(stdout);
}

/* The error result (and exit status 1). */
static int fail(const char *version, int code, const char *msg, const char *details)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	jstr(g, "cniVersion");
	jstr(g, version ? version : "1.0.0");
	jstr(g, "code");
	yajl_gen_integer(g, code);
	jstr(g, "msg");
	jstr(g, msg);
	if (details) {
		jstr(g, "details");
		jstr(g, details);
	}
	yajl_gen_map_close(g);
	emit(g);
	return 1;
}

static int fail_err(const char *version, const struct hull_err *e)
{
	/* A name or value of the configuration: 7; what hull could not do: 100. */
	int code = e->code == ENOENT || e->code == EINVAL ? CNI_E_CONFIG : CNI_E_PLUGIN;
	return fail(version, code, e->msg, NULL);
}

static const char *get_str(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val x = yajl_tree_get(v, path, yajl_t_string);
	return x ? YAJL_GET_STRING(x) : NULL;
}

static yajl_val get(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };
	return yajl_tree_get(v, path, yajl_t_any);
}

/* A boolean field: 0/1, or -1 when it is there but not a boolean. */
static int get_bool(yajl_val v, const char *key, bool *out)
{
	yajl_val x = get(v, key);
	*out = false;
	if (!x)
		return 0;
	if (!YAJL_IS_TRUE(x) && !YAJL_IS_FALSE(x))
		return -1;
	*out = YAJL_IS_TRUE(x);
	return 0;
}

/* v as it may be quoted in a one-line message. */
static const char *safe(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "(a value with control characters)";
	return v;
}

static bool version_known(const char *v)
{
	for (size_t i = 0; i < N_VERSIONS; i++)
		if (!strcmp(v, versions[i]))
			return true;
	return false;
}

/* Pre-1.0 results say each address's version. */
static bool old_result(const char *v)
{
	return v[0] == '0';
}

static char *read_stdin(void)
{
	char *text = NULL;
	if (read_fd(0, 0, &text, NULL) < 0)
		return NULL;
	return text;
}

/* ---- a delegated ipam plugin -------------------------------------------------- */

/* Run plugin type from CNI_PATH with stdin conf (CNI_COMMAND as it is):
 * its stdout in *out.  0, or -1 with msg set. */
static int run_plugin(const char *type, const char *conf, char **out, char *msg, size_t cap)
{
	const char *paths = getenv("CNI_PATH");
	char exe[PATH_MAX] = "";
	if (strchr(type, '/') || !paths) {
		snprintf(msg, cap, "ipam plugin \"%s\": %s", type, paths ? "not a plain name" : "CNI_PATH is not set");
		return -1;
	}
	for (const char *p = paths; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(exe, sizeof exe, "%.*s/%s", (int)n, p, type);
		if (access(exe, X_OK) == 0)
			break;
		exe[0] = 0;
		p += n + (p[n] == ':');
	}
	if (!exe[0]) {
		snprintf(msg, cap, "ipam plugin \"%s\" not found in CNI_PATH (%s)", type, paths);
		return -1;
	}
	int in[2], outp[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		snprintf(msg, cap, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		execl(exe, type, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	if (pid < 0) {
		close(in[1]);
		close(outp[0]);
		snprintf(msg, cap, "fork: %s", strerror(errno));
		return -1;
	}
	/* (A configuration fits in the pipe; the plugin reads it all first.) */
	write_all(in[1], conf, strlen(conf));
	close(in[1]);
	int r = read_fd(outp[0], 0, out, NULL);
	close(outp[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		yajl_val v = r == 0 ? yajl_tree_parse(*out, NULL, 0) : NULL;
		const char *m = v ? get_str(v, "msg") : NULL;
		snprintf(msg, cap, "ipam plugin %s failed%s%s", type, m ? ": " : "", m ? m : "");
		yajl_tree_free(v);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The addresses of an ipam result (its "ips"), at most one per family. */
/* The addresses of a result's "ips" (an ipam plugin's, or prevResult's),
 * at most one per family: their count (0: none usable). */
static size_t ips_addresses(yajl_val ips, struct netns_subnet *a)
{
	size_t n = 0;
	for (size_t i = 0; ips && YAJL_IS_ARRAY(ips) && i < ips->u.array.len && n < 2; i++) {
		yajl_val ip = ips->u.array.values[i];
		const char *addr = get_str(ip, "address"), *gw = get_str(ip, "gateway");
		char host[INET6_ADDRSTRLEN];
		const char *slash = addr ? strchr(addr, '/') : NULL;
		struct netns_subnet s = { 0 };
		uint64_t prefix;
		if (!slash || (size_t)(slash - addr) >= sizeof host || parse_u64(slash + 1, &prefix) < 0)
			continue;
		snprintf(host, sizeof host, "%.*s", (int)(slash - addr), addr);
		s.family = strchr(host, ':') ? AF_INET6 : AF_INET;
		s.prefix = (unsigned)prefix;
		if (inet_pton(s.family, host, s.net) != 1 || (gw && inet_pton(s.family, gw, s.gw) != 1))
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= a[k].family == s.family;
		if (!dup)
			a[n++] = s;
	}
	return n;
}

/* The addresses of an ipam plugin's result (text). */
static int ipam_addresses(const char *result, struct netns_subnet *a, size_t *n, char *msg, size_t cap)
{
	yajl_val v = yajl_tree_parse(result, NULL, 0);
	yajl_val ips = v ? get(v, "ips") : NULL;
	*n = 0;
	if (!ips || !YAJL_IS_ARRAY(ips)) {
		snprintf(msg, cap, "ipam result without \"ips\"");
		yajl_tree_free(v);
		return -1;
	}
	*n = ips_addresses(ips, a);
	yajl_tree_free(v);
	if (!*n) {
		snprintf(msg, cap, "ipam result has no usable address");
		return -1;
	}
	return 0;
}

/* ---- the network of a configuration ---------------------------------------------- */

struct conf {
	yajl_val v;
	const char *version, *name, *store, *bridge, *subnet, *gateway, *subnet6, *gateway6;
	bool ipv6, internal;
	yajl_val ipam;              /* NULL: hull's own leases */
	const char *ipam_type;
};

static int conf_parse(const char *text, struct conf *c, char *msg, size_t cap, int *code)
{
	char err[256] = "";
	memset(c, 0, sizeof *c);
	*code = CNI_E_DECODE;
	if (!text || !(c->v = yajl_tree_parse(text, err, sizeof err)) || !YAJL_IS_OBJECT(c->v)) {
		/* yajl's message ends with the text around the error, on lines
		 * of its own: its first line only. */
		err[strcspn(err, "\n")] = 0;
		snprintf(msg, cap, "network configuration on stdin: not a JSON object%s%s", err[0] ? ": " : "", err);
		return -1;
	}
	*code = CNI_E_CONFIG;
	c->version = get_str(c->v, "cniVersion");
	if (!c->version) {
		snprintf(msg, cap, "network configuration: no \"cniVersion\"");
		return -1;
	}
	if (!version_known(c->version)) {
		*code = CNI_E_VERSION;
		snprintf(msg, cap, "cniVersion \"%s\" is not one hull supports (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)",
			 safe(c->version));
		return -1;
	}
	c->name = get_str(c->v, "name");
	c->store = get_str(c->v, "store");
	c->bridge = get_str(c->v, "bridge");
	c->subnet = get_str(c->v, "subnet");
	c->gateway = get_str(c->v, "gateway");
	c->subnet6 = get_str(c->v, "subnet6");
	c->gateway6 = get_str(c->v, "gateway6");
	const char *type = get_str(c->v, "type");
	/* Every field hull reads must be of its type: a string field given
	 * as a number is an error, not ignored. */
	static const char *const strings[] = { "name", "type", "store", "bridge", "subnet", "gateway", "subnet6", "gateway6" };
	for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
		yajl_val x = get(c->v, strings[i]);
		if (x && !YAJL_IS_STRING(x)) {
			snprintf(msg, cap, "network configuration: \"%s\" is not a string", strings[i]);
			return -1;
		}
	}
	if (!c->name || !c->name[0]) {
		snprintf(msg, cap, "network configuration: no \"name\"");
		return -1;
	}
	if (type && strcmp(type, "hull") != 0) {
		snprintf(msg, cap, "network configuration: \"type\" is \"%s\", not \"hull\"", safe(type));
		return -1;
	}
	if (get_bool(c->v, "ipv6", &c->ipv6) < 0 || get_bool(c->v, "internal", &c->internal) < 0) {
		snprintf(msg, cap, "network configuration: \"%s\" is not true or false",
			 get_bool(c->v, "ipv6", &c->ipv6) < 0 ? "ipv6" : "internal");
		return -1;
	}
	if ((c->ipam = get(c->v, "ipam"))) {
		if (!YAJL_IS_OBJECT(c->ipam)) {
			snprintf(msg, cap, "network configuration: \"ipam\" is not an object");
			return -1;
		}
		/* An empty ipam object: hull's own. */
		if (!c->ipam->u.object.len)
			c->ipam = NULL;
		else if (!(c->ipam_type = get_str(c->ipam, "type"))) {
			snprintf(msg, cap, "network configuration: \"ipam\" has no \"type\"");
			return -1;
		}
	}
	if (!c->store)
		c->store = STORE_DEFAULT;
	return 0;
}

/* The store's network for c: made from c when missing; one that differs
 * from c is an error. */
static int conf_network(const struct conf *c, const struct netns_subnet *preset, size_t n_preset,
			struct netns_network *n, struct hull_err *e)
{
	struct hull_err e2;
	char sub[64];
	const char *sn[2] = { c->subnet, c->subnet6 }, *gws[2] = { c->gateway, c->gateway6 };
	char psub[2][64], pgw[2][INET6_ADDRSTRLEN];

	/* With an ipam plugin, the subnets (and gateways) of its addresses. */
	for (size_t i = 0; i < n_preset; i++) {
		struct netns_subnet s = preset[i];
		for (unsigned b = s.prefix; b < (s.family == AF_INET ? 32u : 128u); b++)
			s.net[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
		size_t k = s.family == AF_INET ? 0 : 1;
		if (!sn[k])
			sn[k] = netns_subnet_text(&s, psub[k], sizeof psub[k]);
		static const unsigned char zero[16];
		if (!gws[k] && memcmp(s.gw, zero, 16))
			gws[k] = inet_ntop(s.family, s.gw, pgw[k], sizeof pgw[k]);
	}
	int r = netns_network_get(c->store, c->name, n, &e2);
	if (r == 0) {
		/* What the configuration says must be what the store has. */
		if (c->bridge && strcmp(c->bridge, n->bridge))
			return hull_errf(e, EINVAL, "network %s: \"bridge\" %s, but the store's network %s has bridge %s",
					 c->name, c->bridge, c->name, n->bridge);
		for (size_t k = 0; k < 2; k++) {
			if (!sn[k])
				continue;
			bool same = false;
			for (size_t i = 0; i < n->n_sub; i++)
				same |= !strcmp(netns_subnet_text(&n->sub[i], sub, sizeof sub), sn[k]);
			if (!same)
				return hull_errf(e, EINVAL, "network %s: subnet %s, but the store's network %s has others",
						 c->name, sn[k], c->name);
		}
		return 0;
	}
	if (r != -ENOENT) {
		*e = e2;
		return r;
	}
	struct netns_create cr = { .name = c->name, .bridge = c->bridge, .ipv6 = c->ipv6, .internal = c->internal };
	for (size_t k = 0; k < 2; k++) {
		if (sn[k])
			cr.subnet[cr.n_subnet++] = sn[k];
		if (gws[k])
			cr.gateway[cr.n_gateway++] = gws[k];
	}
	r = netns_network_create(c->store, &cr, n, e);
	if (r == -EEXIST)   /* made meanwhile by another ADD */
		r = netns_network_get(c->store, c->name, n, e);
	return r;
}

/* runtimeConfig.portMappings. */
static int conf_ports(const struct conf *c, struct netns_port **out, size_t *n, char *msg, size_t cap)
{
	const char *path[] = { "runtimeConfig", "portMappings", NULL };
	yajl_val pm = yajl_tree_get(c->v, path, yajl_t_array);
	*out = NULL;
	*n = 0;
	if (!pm || !pm->u.array.len)
		return 0;
	if (!(*out = calloc(pm->u.array.len, sizeof **out))) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < pm->u.array.len; i++) {
		yajl_val m = pm->u.array.values[i];
		const char *hp[] = { "hostPort", NULL }, *cp[] = { "containerPort", NULL };
		yajl_val h = yajl_tree_get(m, hp, yajl_t_number);
		yajl_val ct = yajl_tree_get(m, cp, yajl_t_number);
		const char *proto = get_str(m, "protocol"), *hip = get_str(m, "hostIP");
		char text[160];
		if (!h || !ct || !YAJL_IS_INTEGER(h) || !YAJL_IS_INTEGER(ct)) {
			snprintf(msg, cap, "runtimeConfig.portMappings[%zu]: hostPort and containerPort must be numbers", i);
			return -1;
		}
		bool v6 = hip && strchr(hip, ':');
		snprintf(text, sizeof text, "%s%s%s%s%lld:%lld/%s", v6 ? "[" : "", hip && hip[0] ? hip : "",
			 v6 ? "]" : "", hip && hip[0] ? ":" : "", YAJL_GET_INTEGER(h), YAJL_GET_INTEGER(ct),
			 proto && proto[0] ? proto : "tcp");
		struct hull_err e;
		if (netns_port_parse(text, &(*out)[i], &e) < 0) {
			snprintf(msg, cap, "runtimeConfig.portMappings[%zu]: %.400s", i, e.msg);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* ---- the result ---------------------------------------------------------------- */

static void mac_text(const unsigned char *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void result(const char *version, const struct netns_network *n, const struct netns_iface *f,
		   const char *netns_path)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	char mac[18], ip[INET6_ADDRSTRLEN + 8], gw[INET6_ADDRSTRLEN];
	yajl_gen_map_open(g);
	jstr(g, "cniVersion");
	jstr(g, version);
	jstr(g, "interfaces");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	jstr(g, "name");
	jstr(g, n->bridge);
	yajl_gen_map_close(g);
	yajl_gen_map_open(g);
	jstr(g, "name");
	jstr(g, f->host_if);
	yajl_gen_map_close(g);
	yajl_gen_map_open(g);
	jstr(g, "name");
	jstr(g, f->ifname);
	jstr(g, "mac");
	mac_text(f->mac, mac);
	jstr(g, mac);
	jstr(g, "sandbox");
	jstr(g, netns_path);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	jstr(g, "ips");
	yajl_gen_array_open(g);
	for (size_t a = 0; a < f->n_addr; a++) {
		const struct netns_subnet *x = &f->addr[a];
		yajl_gen_map_open(g);
		if (old_result(version)) {
			jstr(g, "version");
			jstr(g, x->family == AF_INET ? "4" : "6");
		}
		inet_ntop(x->family, x->net, ip, INET6_ADDRSTRLEN);
		snprintf(ip + strlen(ip), 8, "/%u", x->prefix);
		jstr(g, "address");
		jstr(g, ip);
		jstr(g, "gateway");
		jstr(g, inet_ntop(x->family, x->gw, gw, sizeof gw));
		jstr(g, "interface");
		yajl_gen_integer(g, 2);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	jstr(g, "routes");
	yajl_gen_array_open(g);
	for (size_t a = 0; a < f->n_addr && !f->internal; a++) {
		yajl_gen_map_open(g);
		jstr(g, "dst");
		jstr(g, f->addr[a].family == AF_INET ? "0.0.0.0/0" : "::/0");
		jstr(g, "gw");
		jstr(g, inet_ntop(f->addr[a].family, f->addr[a].gw, gw, sizeof gw));
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	jstr(g, "dns");
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	emit(g);
}

/* ---- the commands ------------------------------------------------------------------ */

/* CNI_NETNS opened and checked to be a network namespace: the fd, or -1
 * after the error result. */
static int open_netns(const char *version, const char *path)
{
	char msg[PATH_MAX + 96];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, sizeof msg, "CNI_NETNS %s: %s", path, strerror(errno));
		fail(version, CNI_E_ENV, msg, NULL);
		return -1;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		snprintf(msg, sizeof msg, "CNI_NETNS %s: not a network namespace", path);
		close(fd);
		fail(version, CNI_E_ENV, msg, NULL);
		return -1;
	}
	return fd;
}

/* The delegated ipam plugin for cmd (CNI_COMMAND set to it): 0, or -1
 * with msg. */
static int ipam_run(const struct conf *c, const char *cmd, const char *text, char *msg, size_t cap)
{
	char *o = NULL;
	setenv("CNI_COMMAND", cmd, 1);
	int r = run_plugin(c->ipam_type, text, &o, msg, cap);
	free(o);
	return r;
}

/* Whether the ipam plugin speaks CNI 1.1 (GC and STATUS go to it then). */
static bool ipam_has_11(const struct conf *c)
{
	char *o = NULL, msg[256];
	setenv("CNI_COMMAND", "VERSION", 1);
	bool yes = run_plugin(c->ipam_type, "{\"cniVersion\":\"1.1.0\"}", &o, msg, sizeof msg) == 0 && o &&
		   strstr(o, "\"1.1.0\"") != NULL;
	free(o);
	return yes;
}

static int env_need(const char *version, const char *name, const char **out)
{
	*out = getenv(name);
	if (!*out || !**out) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s is not set", name);
		fail(version, CNI_E_ENV, msg, NULL);
		return -1;
	}
	return 0;
}

static int cni_add(struct conf *c, const char *text)
{
	const char *id, *ifname, *netns;
	if (env_need(c->version, "CNI_CONTAINERID", &id) < 0 || env_need(c->version, "CNI_IFNAME", &ifname) < 0 ||
	    env_need(c->version, "CNI_NETNS", &netns) < 0)
		return 1;
	char msg[512];
	struct hull_err e;
	if (state_validate_id(id, &e) < 0)
		return fail(c->version, CNI_E_ENV, e.msg, "CNI_CONTAINERID");
	struct netns_port *ports = NULL;
	size_t np = 0;
	if (conf_ports(c, &ports, &np, msg, sizeof msg) < 0)
		return fail(c->version, CNI_E_CONFIG, msg, NULL);
	int nsfd = open_netns(c->version, netns);
	if (nsfd < 0) {
		free(ports);
		return 1;
	}
	struct netns_subnet preset[2];
	size_t npre = 0;
	char *ipam_out = NULL;
	int ret = 0;
	/* Joined already (a second ADD): refused before the ipam plugin is
	 * asked, whose DEL on the way out would free the first ADD's address. */
	char host_if[IFNAMSIZ];
	netns_veth_name(id, ifname, host_if);
	if (if_nametoindex(host_if)) {
		snprintf(msg, sizeof msg, "container %s already has interface %s (veth %s)", id, ifname, host_if);
		ret = fail(c->version, CNI_E_PLUGIN, msg, NULL);
		goto out;
	}
	if (c->ipam) {
		if (run_plugin(c->ipam_type, text, &ipam_out, msg, sizeof msg) < 0 ||
		    ipam_addresses(ipam_out, preset, &npre, msg, sizeof msg) < 0) {
			ret = fail(c->version, CNI_E_PLUGIN, msg, NULL);
			goto out;
		}
	}
	struct netns_network n;
	if (conf_network(c, preset, npre, &n, &e) < 0) {
		ret = fail_err(c->version, &e);
		goto undo_ipam;
	}
	struct netns_attach at = { .network = c->name, .ifname = ifname, .preset = npre ? preset : NULL,
				   .n_preset = npre };
	struct netns_join_req req = { .store = c->store, .id = id, .nets = &at, .n_nets = 1, .ports = ports,
				      .n_ports = np };
	struct netns_joined j;
	if (netns_join(&req, nsfd, &j, &e) < 0) {
		ret = fail_err(c->version, &e);
		goto undo_ipam;
	}
	result(c->version, &n, &j.v[0], netns);
	netns_joined_free(&j);
	goto out;
undo_ipam:
	if (c->ipam)
		ipam_run(c, "DEL", text, msg, sizeof msg);
out:
	free(ipam_out);
	free(ports);
	close(nsfd);
	return ret;
}

static int cni_del(struct conf *c, const char *text)
{
	const char *id, *ifname;
	if (env_need(c->version, "CNI_CONTAINERID", &id) < 0 || env_need(c->version, "CNI_IFNAME", &ifname) < 0)
		return 1;
	struct hull_err e;
	if (state_validate_id(id, &e) < 0)
		return fail(c->version, CNI_E_ENV, e.msg, "CNI_CONTAINERID");
	/* Whatever is there goes; what is not is no error (DEL of what was
	 * never added succeeds). */
	const char *nets[1] = { c->name }, *ifs[1] = { ifname };
	int r = netns_leave(c->store, id, nets, ifs, 1, &e);
	if (c->ipam) {
		char *o = NULL, msg[512];
		if (run_plugin(c->ipam_type, text, &o, msg, sizeof msg) < 0 && r == 0) {
			free(o);
			return fail(c->version, CNI_E_PLUGIN, msg, NULL);
		}
		free(o);
	}
	return r < 0 ? fail_err(c->version, &e) : 0;
}

/* CHECK: the ipam plugin's CHECK (when delegated), then the addresses of
 * prevResult on the interface (else those of the store's leases). */
static int cni_check(struct conf *c, const char *text)
{
	const char *id, *ifname, *netns;
	if (env_need(c->version, "CNI_CONTAINERID", &id) < 0 || env_need(c->version, "CNI_IFNAME", &ifname) < 0 ||
	    env_need(c->version, "CNI_NETNS", &netns) < 0)
		return 1;
	if (old_result(c->version) && strcmp(c->version, "0.4.0") != 0)
		return fail(c->version, CNI_E_VERSION, "CHECK needs cniVersion 0.4.0 or later", NULL);
	struct netns_subnet a[2];
	size_t n = 0;
	char msg[512];
	yajl_val prev = get(c->v, "prevResult");
	if (prev) {
		if (!(n = ips_addresses(get(prev, "ips"), a)))
			return fail(c->version, CNI_E_CONFIG, "CHECK: prevResult has no addresses", NULL);
	} else {
		struct netns_lease *l = NULL;
		size_t nl = 0;
		struct netns_network net;
		struct hull_err e;
		if (netns_network_get(c->store, c->name, &net, &e) < 0 ||
		    netns_network_leases(c->store, c->name, &l, &nl, &e) < 0)
			return fail_err(c->version, &e);
		for (size_t i = 0; i < nl && n < 2; i++) {
			if (strcmp(l[i].id, id) || strcmp(l[i].ifname, ifname))
				continue;
			for (size_t s = 0; s < net.n_sub; s++)
				if (net.sub[s].family == l[i].family) {
					a[n] = net.sub[s];
					memcpy(a[n].net, l[i].addr, 16);
					n++;
				}
		}
		free(l);
	}
	if (c->ipam && ipam_run(c, "CHECK", text, msg, sizeof msg) < 0)
		return fail(c->version, CNI_E_PLUGIN, msg, NULL);
	int nsfd = open_netns(c->version, netns);
	if (nsfd < 0)
		return 1;
	struct hull_err e;
	int r = netns_check(id, ifname, nsfd, a, n, &e);
	close(nsfd);
	return r < 0 ? fail(c->version, CNI_E_PLUGIN, e.msg, NULL) : 0;
}

/* GC (1.1): every attachment of this network that is not in
 * cni.dev/valid-attachments goes; then the ipam plugin's GC, when it
 * speaks 1.1. */
static int cni_gc(struct conf *c, const char *text)
{
	const char *path[] = { "cni.dev/valid-attachments", NULL };
	yajl_val valid = yajl_tree_get(c->v, path, yajl_t_array);
	struct netns_lease *l = NULL;
	size_t nl = 0;
	struct hull_err e;
	if (netns_network_leases(c->store, c->name, &l, &nl, &e) < 0)
		return fail_err(c->version, &e);
	int ret = 0;
	for (size_t i = 0; i < nl; i++) {
		bool keep = false;
		for (size_t k = 0; valid && k < valid->u.array.len && !keep; k++) {
			const char *vid = get_str(valid->u.array.values[k], "containerID");
			const char *vif = get_str(valid->u.array.values[k], "ifname");
			keep = vid && vif && !strcmp(vid, l[i].id) && !strcmp(vif, l[i].ifname);
		}
		if (keep)
			continue;
		const char *nets[1] = { c->name }, *ifs[1] = { l[i].ifname };
		if (netns_leave(c->store, l[i].id, nets, ifs, 1, &e) < 0 && ret == 0)
			ret = fail_err(c->version, &e);
	}
	free(l);
	char msg[512];
	if (ret == 0 && c->ipam && ipam_has_11(c) && ipam_run(c, "GC", text, msg, sizeof msg) < 0)
		ret = fail(c->version, CNI_E_PLUGIN, msg, NULL);
	return ret;
}

/* VERSION: the input's cniVersion (when hull knows it) is the answer's. */
static int cni_version(void)
{
	char *text = read_stdin();
	yajl_val v = text ? yajl_tree_parse(text, NULL, 0) : NULL;
	const char *in = v ? get_str(v, "cniVersion") : NULL;
	const char *out = in && version_known(in) ? in : "1.1.0";
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	jstr(g, "cniVersion");
	jstr(g, out);
	jstr(g, "supportedVersions");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < N_VERSIONS; i++)
		jstr(g, versions[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	emit(g);
	yajl_tree_free(v);
	free(text);
	return 0;
}

bool cni_invoked(int argc)
{
	return argc == 1 && getenv("CNI_COMMAND") != NULL;
}

int cni_main(void)
{
	const char *cmd = getenv("CNI_COMMAND");
	if (!strcmp(cmd, "VERSION"))
		return cni_version();
	char *text = read_stdin();
	struct conf c;
	char msg[512];
	int code, ret;
	if (conf_parse(text, &c, msg, sizeof msg, &code) < 0) {
		ret = fail(c.version && version_known(c.version) ? c.version : "1.0.0", code, msg, NULL);
		goto out;
	}
	if (!strcmp(cmd, "ADD"))
		ret = cni_add(&c, text);
	else if (!strcmp(cmd, "DEL"))
		ret = cni_del(&c, text);
	else if (!strcmp(cmd, "CHECK"))
		ret = cni_check(&c, text);
	else if (!strcmp(cmd, "GC"))
		ret = cni_gc(&c, text);
	else if (!strcmp(cmd, "STATUS")) {
		/* Ready when the store can hold networks, and the ipam plugin
		 * (when it speaks 1.1) says it is. */
		ret = mkdir_p(c.store, 0700) < 0 ? fail(c.version, 50, "the store cannot be made", c.store) : 0;
		if (ret == 0 && c.ipam && ipam_has_11(&c) && ipam_run(&c, "STATUS", text, msg, sizeof msg) < 0)
			ret = fail(c.version, 50, msg, NULL);
	}
	else {
		snprintf(msg, sizeof msg, "CNI_COMMAND \"%s\" is not ADD, DEL, CHECK, GC, STATUS or VERSION", cmd);
		ret = fail(c.version, CNI_E_ENV, msg, NULL);
	}
out:
	yajl_tree_free(c.v);
	free(text);
	return ret;
}

int cni_conf_check(const char *text, char *msg, size_t cap)
{
	struct conf c;
	int code, r = conf_parse(text, &c, msg, cap, &code);
	if (r == 0) {
		struct netns_port *ports = NULL;
		size_t n = 0;
		r = conf_ports(&c, &ports, &n, msg, cap);
		free(ports);
	}
	yajl_tree_free(c.v);
	return r < 0 ? -1 : 0;
}
