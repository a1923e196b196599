/* SPDX-License-Identifier: Apache-2.0 */
/* netns/network.c: network definitions, address leases and published
 * ports, kept as small files in the store's networks/ (layout: netns.h).
 *
 * Every change happens under networks/lock (flock, exclusive), so two
 * containers joining at once never get one address, and a network is not
 * removed while a container joins it.  A lease or port file appears with
 * its content in one step (an O_TMPFILE linked in), so a kill -9 at any
 * point leaves either no file or one that names its container, which
 * `delete --force` finds again. */
#include "netns/nft.h"
#include "netns/priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- addresses ---- */

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static unsigned maxbits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Zero the bits of a past prefix; true when any was set. */
static bool mask_host(unsigned char *a, int family, unsigned prefix)
{
	bool had = false;
	for (unsigned i = 0; i < alen(family); i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		unsigned char m = (unsigned char)(keep ? 0xff << (8 - keep) : 0);
		if (a[i] & ~m)
			had = true;
		a[i] &= m;
	}
	return had;
}

/* Whether text is printable ASCII (echoed in one-line errors). */
static bool printable(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

int netns_subnet_parse(const char *text, struct netns_subnet *s, struct hull_err *e)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	uint64_t prefix;

	memset(s, 0, sizeof *s);
	if (!printable(text))
		return hull_errf(e, EINVAL, "subnet: not an address/prefix (it holds characters that are not printable)");
	if (!slash || (size_t)(slash - text) >= sizeof ip || parse_u64(slash + 1, &prefix) < 0)
		return hull_errf(e, EINVAL, "subnet \"%s\": not an address/prefix (e.g. 10.89.0.0/24)", text);
	memcpy(ip, text, (size_t)(slash - text));
	ip[slash - text] = 0;
	if (inet_pton(AF_INET, ip, s->net) == 1)
		s->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, s->net) == 1)
		s->family = AF_INET6;
	else
		return hull_errf(e, EINVAL, "subnet \"%s\": \"%s\" is not an IP address", text, ip);
	if (prefix > maxbits(s->family))
		return hull_errf(e, EINVAL, "subnet \"%s\": prefix /%llu is longer than %u", text,
				 (unsigned long long)prefix, maxbits(s->family));
	/* Room for a gateway and one container. */
	if (prefix > maxbits(s->family) - 2)
		return hull_errf(e, EINVAL, "subnet \"%s\": too small for a gateway and a container", text);
	if (prefix < (s->family == AF_INET ? 8 : 48))
		return hull_errf(e, EINVAL, "subnet \"%s\": prefix /%llu is shorter than /%u", text,
				 (unsigned long long)prefix, s->family == AF_INET ? 8 : 48);
	s->prefix = (unsigned)prefix;
	unsigned char net[16];
	memcpy(net, s->net, 16);
	if (mask_host(net, s->family, s->prefix)) {
		char good[INET6_ADDRSTRLEN];
		inet_ntop(s->family, net, good, sizeof good);
		return hull_errf(e, EINVAL, "subnet \"%s\": host bits are set (the network is %s/%u)", text, good,
				 s->prefix);
	}
	return 0;
}

const char *netns_subnet_text(const struct netns_subnet *s, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(s->family, s->net, ip, sizeof ip);
	snprintf(buf, cap, "%s/%u", ip, s->prefix);
	return buf;
}

bool netns_subnet_contains(const struct netns_subnet *s, const unsigned char *addr)
{
	unsigned char a[16];
	memcpy(a, addr, alen(s->family));
	mask_host(a, s->family, s->prefix);
	return memcmp(a, s->net, alen(s->family)) == 0;
}

bool netns_subnet_overlap(const struct netns_subnet *a, const struct netns_subnet *b)
{
	if (a->family != b->family)
		return false;
	/* The shorter prefix contains the other's network, or they are apart. */
	return a->prefix <= b->prefix ? netns_subnet_contains(a, b->net) : netns_subnet_contains(b, a->net);
}

/* a + n (the low 64 bits carry), within the family's width. */
static void addr_add(unsigned char *a, int family, uint64_t n)
{
	for (int i = (int)alen(family) - 1; i >= 0 && n; i--) {
		uint64_t v = a[i] + (n & 0xff);
		a[i] = (unsigned char)v;
		n = (n >> 8) + (v >> 8);
	}
}

/* The subnet's broadcast (all host bits set). */
static void addr_last(const struct netns_subnet *s, unsigned char *out)
{
	memcpy(out, s->net, 16);
	for (unsigned i = 0; i < alen(s->family); i++) {
		unsigned keep = s->prefix >= (i + 1) * 8 ? 8 : s->prefix > i * 8 ? s->prefix - i * 8 : 0;
		out[i] |= (unsigned char)~(keep ? 0xff << (8 - keep) : 0);
	}
}

/* Whether addr may be a host of s: inside, not its network address nor
 * (IPv4) its broadcast. */
static bool host_ok(const struct netns_subnet *s, const unsigned char *addr)
{
	unsigned char last[16];
	addr_last(s, last);
	size_t l = alen(s->family);
	return netns_subnet_contains(s, addr) && memcmp(addr, s->net, l) != 0 &&
	       (s->family == AF_INET6 || memcmp(addr, last, l) != 0);
}

const char *netns_network_name_invalid(const char *name)
{
	size_t n = strlen(name);
	if (!n)
		return "empty";
	if (n > NETNS_NAME_MAX)
		return "longer than 63 bytes";
	if (!isalnum((unsigned char)name[0]))
		return "does not start with a letter or digit";
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return "holds a character other than letters, digits, '_', '.' and '-'";
	if (strcmp(name, "none") == 0 || strcmp(name, "host") == 0)
		return "is reserved (--network none / host)";
	return NULL;
}

/* ---- the store's networks/ ---- */

int nets_open(const char *store, bool create, struct hull_err *e)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/networks", store) >= sizeof path)
		return hull_errf(e, ENAMETOOLONG, "store %s: path too long", store);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		int r = mkdir_p(path, 0700);
		if (r < 0)
			return hull_syserr(e, -r, "%s", path);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return hull_syserr(e, errno, "%s", path);
	return fd;
}

int nets_lock(int nfd, struct hull_err *e)
{
	int fd = openat(nfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return hull_syserr(e, errno, "networks/lock of the store");
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = hull_syserr(e, errno, "networks/lock of the store");
			close(fd);
			return r;
		}
	}
	return fd;
}

/* Put data as the new file name in nfd, complete or not at all: -EEXIST
 * when name is there. */
static int file_create(int nfd, const char *name, const char *data)
{
	int fd = openat(nfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, data, strlen(data));
	if (r == 0) {
		char self[64];
		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, self, nfd, name, AT_SYMLINK_FOLLOW) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

static const char *family_word(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

int net_read(int nfd, const char *name, struct netns_network *n)
{
	char path[NETNS_NAME_MAX + 16], *text = NULL;
	snprintf(path, sizeof path, "%s/config", name);
	int r = read_file_at(nfd, path, &text, NULL);
	if (r < 0)
		return r;
	memset(n, 0, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", name);
	r = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp++ = 0;
		if (strcmp(line, "bridge") == 0) {
			snprintf(n->bridge, sizeof n->bridge, "%s", sp);
		} else if (strcmp(line, "internal") == 0) {
			n->internal = strcmp(sp, "1") == 0;
		} else if (strcmp(line, "subnet") == 0 && n->n_sub < 2) {
			char *gw = strchr(sp, ' ');
			struct hull_err e2;
			struct netns_subnet *s = &n->sub[n->n_sub];
			if (!gw)
				continue;
			*gw++ = 0;
			if (netns_subnet_parse(sp, s, &e2) < 0 || inet_pton(s->family, gw, s->gw) != 1) {
				r = -EINVAL;
				break;
			}
			n->n_sub++;
		}
	}
	free(text);
	if (r == 0 && (!n->bridge[0] || !n->n_sub))
		r = -EINVAL;
	return r;
}

static int net_write(int nfd, const struct netns_network *n, struct hull_err *e)
{
	char text[512], sub[64], gw[INET6_ADDRSTRLEN];
	int len = snprintf(text, sizeof text, "bridge %s\ninternal %d\n", n->bridge, n->internal);
	for (size_t i = 0; i < n->n_sub; i++) {
		inet_ntop(n->sub[i].family, n->sub[i].gw, gw, sizeof gw);
		len += snprintf(text + len, sizeof text - (size_t)len, "subnet %s %s\n",
				netns_subnet_text(&n->sub[i], sub, sizeof sub), gw);
	}
	if (mkdirat(nfd, n->name, 0700) < 0 && errno != EEXIST)
		return hull_syserr(e, errno, "networks/%s of the store", n->name);
	char path[NETNS_NAME_MAX + 16];
	snprintf(path, sizeof path, "%s/leases", n->name);
	if (mkdirat(nfd, path, 0700) < 0 && errno != EEXIST)
		return hull_syserr(e, errno, "networks/%s of the store", path);
	int dfd = openat(nfd, n->name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int r = dfd < 0 ? -errno : write_file_atomic(dfd, "config", text, (size_t)len, 0600);
	if (dfd >= 0)
		close(dfd);
	return r < 0 ? hull_syserr(e, -r, "networks/%s/config of the store", n->name) : 0;
}

/* Every defined network (the names of networks/ with a config). */
static int net_all(int nfd, struct netns_network **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	int fd = openat(nfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	int r = 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct netns_network x;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "ports") == 0 || netns_network_name_invalid(de->d_name) ||
		    net_read(nfd, de->d_name, &x) < 0)
			continue;
		struct netns_network *nv = realloc(*v, (*n + 1) * sizeof *nv);
		if (!nv) {
			r = -ENOMEM;
			break;
		}
		*v = nv;
		(*v)[(*n)++] = x;
	}
	closedir(d);
	return r;
}

/* Whether cand overlaps a network of v (its name in *who) or a route of
 * the host (*who NULL). */
static bool subnet_taken(const struct netns_subnet *cand, const struct netns_network *v, size_t n,
			 const struct netns_subnet *routes, size_t nr, const char **who)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < v[i].n_sub; j++)
			if (netns_subnet_overlap(cand, &v[i].sub[j])) {
				*who = v[i].name;
				return true;
			}
	for (size_t i = 0; i < nr; i++)
		if (netns_subnet_overlap(cand, &routes[i])) {
			*who = NULL;
			return true;
		}
	return false;
}

/* A free subnet for family: the candidates base + k*step. */
static int subnet_pick(int family, bool dflt, const struct netns_network *v, size_t n, struct netns_subnet *out,
		       struct hull_err *e)
{
	_cleanup_free_ struct netns_subnet *routes = NULL;
	size_t nr = 0;
	int r = host_routes(family, &routes, &nr, e);
	if (r < 0)
		return r;
	for (unsigned k = 0; k < 256; k++) {
		char text[64];
		if (family == AF_INET && dflt)
			snprintf(text, sizeof text, "10.%u.0.0/16", 90 + k);
		else if (family == AF_INET)
			snprintf(text, sizeof text, "10.89.%u.0/24", k);
		else
			/* fd48:756c:6c00::/48 ("Hull"), one /64 per network. */
			snprintf(text, sizeof text, "fd48:756c:6c00:%x::/64", k);
		if (family == AF_INET && dflt && 90 + k > 255)
			break;
		struct hull_err e2;
		const char *who;
		if (netns_subnet_parse(text, out, &e2) == 0 && !subnet_taken(out, v, n, routes, nr, &who)) {
			memcpy(out->gw, out->net, 16);
			addr_add(out->gw, family, 1);
			return 0;
		}
	}
	return hull_errf(e, EADDRNOTAVAIL, "no free %s subnet left for a network: give one with --subnet",
			 family_word(family));
}

/* Name the next free bridge "hullN" (N >= 1; hull0 is the default's). */
static void bridge_pick(const struct netns_network *v, size_t n, char *out)
{
	for (unsigned k = 1;; k++) {
		snprintf(out, IFNAMSIZ, "hull%u", k);
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = strcmp(v[i].bridge, out) == 0;
		if (!used && if_nametoindex(out) == 0)
			return;
	}
}

/* The default network's definition as its first use writes it: bridge
 * hull0, the first free 10.N.0.0/16 (N from 90) beside v[0..nv). */
static int default_def(const struct netns_network *v, size_t nv, struct netns_network *n, struct hull_err *e)
{
	memset(n, 0, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", NETNS_DEFAULT);
	snprintf(n->bridge, sizeof n->bridge, "hull0");
	n->n_sub = 1;
	return subnet_pick(AF_INET, true, v, nv, &n->sub[0], e);
}

int net_default(int nfd, bool write, struct netns_network *n, struct hull_err *e)
{
	int r = net_read(nfd, NETNS_DEFAULT, n);
	if (r != -ENOENT)
		return r < 0 ? hull_syserr(e, -r, "networks/%s/config of the store", NETNS_DEFAULT) : 0;
	int lock = write ? nets_lock(nfd, e) : -1;
	if (write && lock < 0)
		return lock;
	if ((r = net_read(nfd, NETNS_DEFAULT, n)) == -ENOENT) {
		_cleanup_free_ struct netns_network *v = NULL;
		size_t nv = 0;
		net_all(nfd, &v, &nv);
		if ((r = default_def(v, nv, n, e)) == 0 && write)
			r = net_write(nfd, n, e);
	} else if (r < 0) {
		r = hull_syserr(e, -r, "networks/%s/config of the store", NETNS_DEFAULT);
	}
	if (lock >= 0)
		close(lock);
	return r;
}

int netns_network_create(const char *store, const struct netns_create *c, struct netns_network *out,
			 struct hull_err *e)
{
	const char *why;
	struct netns_network n = { 0 };

	if ((why = netns_network_name_invalid(c->name)))
		return hull_errf(e, EINVAL, "network name \"%s\": %s", c->name, why);
	if (c->bridge && (why = netns_name_invalid(c->bridge, false)))
		return hull_errf(e, EINVAL, "--bridge \"%s\": %s", c->bridge, why);
	snprintf(n.name, sizeof n.name, "%s", c->name);
	n.internal = c->internal;
	for (size_t i = 0; i < c->n_subnet; i++) {
		struct netns_subnet s;
		int r = netns_subnet_parse(c->subnet[i], &s, e);
		if (r < 0)
			return r;
		for (size_t j = 0; j < n.n_sub; j++)
			if (n.sub[j].family == s.family)
				return hull_errf(e, EINVAL, "--subnet %s: a second %s subnet (one of each family)",
						 c->subnet[i], family_word(s.family));
		if (n.n_sub == 2)
			return hull_errf(e, EINVAL, "--subnet %s: at most one IPv4 and one IPv6 subnet", c->subnet[i]);
		memcpy(s.gw, s.net, 16);
		addr_add(s.gw, s.family, 1);
		n.sub[n.n_sub++] = s;
	}
	for (size_t i = 0; i < c->n_gateway; i++) {
		unsigned char gw[16] = { 0 };
		int fam = inet_pton(AF_INET, c->gateway[i], gw) == 1	     ? AF_INET
			  : inet_pton(AF_INET6, c->gateway[i], gw) == 1 ? AF_INET6
								       : 0;
		if (!fam)
			return hull_errf(e, EINVAL, "--gateway \"%s\": not an IP address", c->gateway[i]);
		struct netns_subnet *s = NULL;
		for (size_t j = 0; j < n.n_sub; j++)
			if (n.sub[j].family == fam)
				s = &n.sub[j];
		if (!s)
			return hull_errf(e, EINVAL, "--gateway %s: no %s --subnet to go with it", c->gateway[i],
					 family_word(fam));
		if (!host_ok(s, gw)) {
			char sub[64];
			return hull_errf(e, EINVAL, "--gateway %s: not a host address of subnet %s", c->gateway[i],
					 netns_subnet_text(s, sub, sizeof sub));
		}
		memcpy(s->gw, gw, 16);
	}
	bool has6 = false;
	for (size_t j = 0; j < n.n_sub; j++)
		has6 |= n.sub[j].family == AF_INET6;

	int nfd = nets_open(store, true, e);
	if (nfd < 0)
		return nfd;
	int lock = nets_lock(nfd, e), r;
	if (lock < 0) {
		close(nfd);
		return lock;
	}
	_cleanup_free_ struct netns_network *v = NULL;
	_cleanup_free_ struct netns_subnet *routes4 = NULL, *routes6 = NULL;
	size_t nv = 0, nr4 = 0, nr6 = 0;
	struct netns_network old;
	if ((r = net_all(nfd, &v, &nv)) < 0) {
		r = hull_syserr(e, -r, "networks/ of the store");
		goto out;
	}
	if (strcmp(c->name, NETNS_DEFAULT) == 0 || net_read(nfd, c->name, &old) != -ENOENT) {
		r = hull_errf(e, EEXIST, "network %s already exists", c->name);
		goto out;
	}
	if (c->bridge) {
		for (size_t i = 0; i < nv; i++)
			if (strcmp(v[i].bridge, c->bridge) == 0) {
				r = hull_errf(e, EEXIST, "--bridge %s: the bridge of network %s", c->bridge, v[i].name);
				goto out;
			}
		/* Never one of the host's own: network rm would delete it. */
		if (if_nametoindex(c->bridge)) {
			r = hull_errf(e, EEXIST, "--bridge %s: the host already has an interface of that name", c->bridge);
			goto out;
		}
		snprintf(n.bridge, sizeof n.bridge, "%s", c->bridge);
	} else {
		/* The default's bridge is taken even before it is written. */
		struct netns_network *nv2 = realloc(v, (nv + 1) * sizeof *nv2);
		if (!nv2) {
			r = hull_errf(e, ENOMEM, "out of memory");
			goto out;
		}
		v = nv2;
		memset(&v[nv], 0, sizeof v[nv]);
		snprintf(v[nv].bridge, sizeof v[nv].bridge, "hull0");
		bridge_pick(v, nv + 1, n.bridge);
	}
	if ((r = host_routes(AF_INET, &routes4, &nr4, e)) < 0 || (r = host_routes(AF_INET6, &routes6, &nr6, e)) < 0)
		goto out;
	for (size_t j = 0; j < n.n_sub; j++) {
		const char *who;
		char sub[64];
		const struct netns_subnet *rt = n.sub[j].family == AF_INET ? routes4 : routes6;
		size_t nrt = n.sub[j].family == AF_INET ? nr4 : nr6;
		if (subnet_taken(&n.sub[j], v, nv, rt, nrt, &who)) {
			netns_subnet_text(&n.sub[j], sub, sizeof sub);
			r = who ? hull_errf(e, EEXIST, "--subnet %s overlaps the subnet of network %s", sub, who)
				: hull_errf(e, EEXIST, "--subnet %s overlaps a route of the host", sub);
			goto out;
		}
	}
	if (!n.n_sub) {
		n.n_sub = 1;
		if ((r = subnet_pick(AF_INET, false, v, nv, &n.sub[0], e)) < 0)
			goto out;
	}
	if (c->ipv6 && !has6) {
		if ((r = subnet_pick(AF_INET6, false, v, nv, &n.sub[n.n_sub], e)) < 0)
			goto out;
		n.n_sub++;
	}
	if ((r = net_write(nfd, &n, e)) < 0)
		goto out;
	*out = n;
out:
	close(lock);
	close(nfd);
	return r;
}

int netns_network_lookup(const char *store, const char *name, bool write, struct netns_network *out,
			 struct hull_err *e)
{
	const char *why = netns_network_name_invalid(name);
	if (why)
		return hull_errf(e, ENOENT, "network %s not found", name);
	bool dflt = strcmp(name, NETNS_DEFAULT) == 0;
	int nfd = nets_open(store, dflt && write, e), r;
	if (nfd == -ENOENT && dflt)
		return default_def(NULL, 0, out, e);
	if (nfd < 0)
		return nfd == -ENOENT ? hull_errf(e, ENOENT, "network %s not found", name) : nfd;
	if (dflt)
		r = net_default(nfd, write, out, e);
	else if ((r = net_read(nfd, name, out)) == -ENOENT)
		r = hull_errf(e, ENOENT, "network %s not found", name);
	else if (r < 0)
		r = hull_syserr(e, -r, "networks/%s/config of the store", name);
	close(nfd);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct netns_network *)a)->name, ((const struct netns_network *)b)->name);
}

int netns_network_get(const char *store, const char *name, struct netns_network *out, struct hull_err *e)
{
	return netns_network_lookup(store, name, true, out, e);
}

int netns_network_list(const char *store, struct netns_network **v, size_t *n, struct hull_err *e)
{
	*v = NULL;
	*n = 0;
	int nfd = nets_open(store, false, e), r = 0;
	if (nfd < 0 && nfd != -ENOENT)
		return nfd;
	if (nfd >= 0 && (r = net_all(nfd, v, n)) < 0)
		r = hull_syserr(e, -r, "networks/ of the store");
	bool have = false;
	for (size_t i = 0; r == 0 && i < *n; i++)
		have |= !strcmp((*v)[i].name, NETNS_DEFAULT);
	if (r == 0 && !have) {
		/* Listed as its first use would write it. */
		struct netns_network *nv = realloc(*v, (*n + 1) * sizeof *nv);
		if (!nv)
			r = hull_errf(e, ENOMEM, "out of memory");
		else if (*v = nv, (r = nfd >= 0 ? net_default(nfd, false, &nv[*n], e) : default_def(NULL, 0, &nv[*n], e)) == 0)
			(*n)++;
	}
	if (nfd >= 0)
		close(nfd);
	if (r == 0)
		qsort(*v, *n, sizeof **v, by_name);
	return r;
}


int netns_network_rm(const char *store, const char *name, struct hull_err *e)
{
	struct netns_network n;
	int nfd = nets_open(store, false, e), r;
	if (nfd < 0)
		return nfd == -ENOENT ? hull_errf(e, ENOENT, "network %s not found", name) : nfd;
	int lock = nets_lock(nfd, e);
	if (lock < 0) {
		close(nfd);
		return lock;
	}
	char id[256];
	if (netns_network_name_invalid(name) || (r = net_read(nfd, name, &n)) == -ENOENT) {
		r = hull_errf(e, ENOENT, "network %s not found", name);
	} else if (r < 0) {
		r = hull_syserr(e, -r, "networks/%s/config of the store", name);
	} else if ((r = lease_any(nfd, name, id, sizeof id)) != 0) {
		r = r < 0 ? hull_syserr(e, -r, "networks/%s/leases of the store", name)
			  : hull_errf(e, EBUSY, "network %s is in use by container %s", name, id);
	} else if ((r = bridge_remove(&n, e)) == 0) {
		char path[NETNS_NAME_MAX + 16];
		snprintf(path, sizeof path, "%s/config", name);
		unlinkat(nfd, path, 0);
		snprintf(path, sizeof path, "%s/leases", name);
		unlinkat(nfd, path, AT_REMOVEDIR);
		if (unlinkat(nfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			r = hull_syserr(e, errno, "networks/%s of the store", name);
		/* The last bridge gone: hull's nftables table goes too. */
		_cleanup_free_ struct netns_network *v = NULL;
		size_t nv = 0;
		bool used = false;
		net_all(nfd, &v, &nv);
		for (size_t i = 0; i < nv && !used; i++)
			used = if_nametoindex(v[i].bridge) != 0;
		if (r == 0 && !used)
			r = nft_teardown(e);
	}
	close(lock);
	close(nfd);
	return r;
}

/* The leases of network name, by reading leases/ of it: cb for each until
 * one returns non-zero (that is the result).  With content, each file is
 * read (id, ifname, mac); without, l has the address only (no read). */
static int leases_walk(int nfd, const char *name, bool content,
		       int (*cb)(void *arg, int ldir, const char *file, const struct netns_lease *l), void *arg)
{
	char path[NETNS_NAME_MAX + 16];
	snprintf(path, sizeof path, "%s/leases", name);
	int fd = openat(nfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : -errno;
	}
	int r = 0;
	for (struct dirent *de; (de = readdir(d)) && r == 0;) {
		struct netns_lease l = { 0 };
		char *text = NULL;
		if (de->d_name[0] == '.')
			continue;
		if (inet_pton(AF_INET, de->d_name, l.addr) == 1)
			l.family = AF_INET;
		else if (inet_pton(AF_INET6, de->d_name, l.addr) == 1)
			l.family = AF_INET6;
		else
			continue;
		if (content && read_file_at(dirfd(d), de->d_name, &text, NULL) == 0) {
			char *sp = strchr(text, ' ');
			text[strcspn(text, "\n")] = 0;
			if (sp) {
				*sp++ = 0;
				char *mac = strchr(sp, ' ');
				if (mac) {
					*mac++ = 0;
					snprintf(l.mac, sizeof l.mac, "%s", mac);
				}
				snprintf(l.ifname, sizeof l.ifname, "%s", sp);
			}
			snprintf(l.id, sizeof l.id, "%s", text);
			free(text);
		}
		r = cb(arg, dirfd(d), de->d_name, &l);
	}
	closedir(d);
	return r;
}

struct lease_first {
	char *id;
	size_t cap;
};

static int lease_first(void *arg, int ldir, const char *file, const struct netns_lease *l)
{
	(void)ldir;
	(void)file;
	struct lease_first *f = arg;
	snprintf(f->id, f->cap, "%s", l->id);
	return 1;
}

int lease_any(int nfd, const char *name, char *id, size_t cap)
{
	struct lease_first f = { id, cap };
	return leases_walk(nfd, name, true, lease_first, &f);
}

struct lease_list {
	struct netns_lease *v;
	size_t n;
};

static int lease_collect(void *arg, int ldir, const char *file, const struct netns_lease *l)
{
	(void)ldir;
	(void)file;
	struct lease_list *ll = arg;
	struct netns_lease *nv = realloc(ll->v, (ll->n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	ll->v = nv;
	ll->v[ll->n++] = *l;
	return 0;
}

int netns_network_leases(const char *store, const char *name, struct netns_lease **v, size_t *n,
			 struct hull_err *e)
{
	struct lease_list ll = { 0 };
	*v = NULL;
	*n = 0;
	int nfd = nets_open(store, false, e);
	if (nfd < 0)
		return nfd == -ENOENT ? 0 : nfd;
	int r = leases_walk(nfd, name, true, lease_collect, &ll);
	close(nfd);
	if (r < 0) {
		free(ll.v);
		return hull_syserr(e, -r, "networks/%s/leases of the store", name);
	}
	*v = ll.v;
	*n = ll.n;
	return 0;
}

struct lease_used {
	int family;
	unsigned char (*a)[16];
	size_t n;
};

static int lease_note(void *arg, int ldir, const char *file, const struct netns_lease *l)
{
	(void)ldir;
	(void)file;
	struct lease_used *u = arg;
	if (l->family != u->family)
		return 0;
	unsigned char(*nv)[16] = realloc(u->a, (u->n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	u->a = nv;
	memcpy(u->a[u->n++], l->addr, 16);
	return 0;
}

int lease_take(int nfd, const struct netns_network *n, const struct netns_subnet *sub, const unsigned char *want,
	       const char *id, const char *ifname, const unsigned char mac[6], unsigned char out[16],
	       struct hull_err *e)
{
	char path[NETNS_NAME_MAX + INET6_ADDRSTRLEN + 16], ip[INET6_ADDRSTRLEN], content[300], subt[64];
	int ldir, r;

	snprintf(path, sizeof path, "%s/leases", n->name);
	if ((ldir = openat(nfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return hull_syserr(e, errno, "networks/%s of the store", path);
	snprintf(content, sizeof content, "%s %s %02x:%02x:%02x:%02x:%02x:%02x\n", id, ifname, mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	netns_subnet_text(sub, subt, sizeof subt);
	if (want) {
		inet_ntop(sub->family, want, ip, sizeof ip);
		if (!host_ok(sub, want) || memcmp(want, sub->gw, alen(sub->family)) == 0)
			r = hull_errf(e, EINVAL, "address %s is not a free host address of network %s (%s)", ip,
				      n->name, subt);
		else if ((r = file_create(ldir, ip, content)) == -EEXIST)
			r = hull_errf(e, EADDRINUSE, "address %s of network %s is already in use", ip, n->name);
		else if (r < 0)
			r = hull_syserr(e, -r, "networks/%s/%s of the store", path, ip);
		else
			memcpy(out, want, alen(sub->family));
		close(ldir);
		return r;
	}
	/* The first free address after the gateway (then from the start). */
	struct lease_used u = { .family = sub->family };
	if ((r = leases_walk(nfd, n->name, false, lease_note, &u)) < 0) {
		close(ldir);
		free(u.a);
		return hull_syserr(e, -r, "networks/%s of the store", path);
	}
	unsigned char cand[16];
	memcpy(cand, sub->gw, 16);
	uint64_t span = sub->prefix >= maxbits(sub->family) - 63 ? (1ULL << (maxbits(sub->family) - sub->prefix)) : ~0ULL;
	r = -EADDRNOTAVAIL;
	for (uint64_t k = 0; k < span && k < u.n + 3; k++) {
		addr_add(cand, sub->family, 1);
		if (!netns_subnet_contains(sub, cand))
			memcpy(cand, sub->net, 16);
		if (!host_ok(sub, cand) || memcmp(cand, sub->gw, alen(sub->family)) == 0)
			continue;
		bool used = false;
		for (size_t i = 0; i < u.n && !used; i++)
			used = memcmp(u.a[i], cand, alen(sub->family)) == 0;
		if (used)
			continue;
		inet_ntop(sub->family, cand, ip, sizeof ip);
		if ((r = file_create(ldir, ip, content)) == -EEXIST)
			continue;
		break;
	}
	free(u.a);
	close(ldir);
	if (r == -EADDRNOTAVAIL)
		return hull_errf(e, EADDRNOTAVAIL, "network %s: no free address left in %s", n->name, subt);
	if (r < 0)
		return hull_syserr(e, -r, "networks/%s/%s of the store", path, ip);
	memcpy(out, cand, 16);
	return 0;
}

struct lease_drop {
	const char *id, *ifname;
	int n;
};

static int lease_unlink(void *arg, int ldir, const char *file, const struct netns_lease *l)
{
	struct lease_drop *d = arg;
	if (strcmp(l->id, d->id) == 0 && (!d->ifname || strcmp(l->ifname, d->ifname) == 0) &&
	    unlinkat(ldir, file, 0) == 0)
		d->n++;
	return 0;
}

int lease_drop_id(int nfd, const char *name, const char *id, const char *ifname)
{
	struct lease_drop d = { .id = id, .ifname = ifname };
	int r = leases_walk(nfd, name, true, lease_unlink, &d);
	return r < 0 ? r : d.n;
}

/* ---- published ports: ports/PROTO-PORT-HOSTIP ("any" for every address) ---- */

int netns_port_parse(const char *text, struct netns_port *p, struct hull_err *e)
{
	char buf[128], *proto, *parts[3];
	size_t n = 0;

	memset(p, 0, sizeof *p);
	p->proto = IPPROTO_TCP;
	if (!printable(text))
		return hull_errf(e, EINVAL, "-p: not [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] (it holds characters that are not printable)");
	if (strlen(text) >= sizeof buf)
		return hull_errf(e, EINVAL, "-p %s: too long", text);
	strcpy(buf, text);
	if ((proto = strchr(buf, '/'))) {
		*proto++ = 0;
		if (strcmp(proto, "tcp") == 0)
			p->proto = IPPROTO_TCP;
		else if (strcmp(proto, "udp") == 0)
			p->proto = IPPROTO_UDP;
		else
			return hull_errf(e, EINVAL, "-p %s: protocol \"%s\" is not tcp or udp", text, proto);
	}
	/* HOSTIP:HOSTPORT:CTRPORT, HOSTPORT:CTRPORT, or [IPv6]:HOSTPORT:CTRPORT. */
	char *s = buf;
	if (*s == '[') {
		char *close_b = strchr(s, ']');
		if (!close_b || close_b[1] != ':')
			return hull_errf(e, EINVAL, "-p %s: expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]", text);
		*close_b = 0;
		parts[n++] = s + 1;
		s = close_b + 2;
	}
	for (char *c; (c = strchr(s, ':')) && n < 3; s = c + 1) {
		*c = 0;
		parts[n++] = s;
	}
	if (n < 3)
		parts[n++] = s;
	else
		n = 0;
	if (n < 2)
		return hull_errf(e, EINVAL, "-p %s: expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]", text);
	const char *hp = parts[n - 2], *cp = parts[n - 1];
	uint64_t v;
	if (parse_u64(hp, &v) < 0 || v == 0 || v > 65535)
		return hull_errf(e, EINVAL, "-p %s: host port \"%s\" is not a number from 1 to 65535", text, hp);
	p->host_port = (uint16_t)v;
	if (parse_u64(cp, &v) < 0 || v == 0 || v > 65535)
		return hull_errf(e, EINVAL, "-p %s: container port \"%s\" is not a number from 1 to 65535", text, cp);
	p->ctr_port = (uint16_t)v;
	if (n == 3 && *parts[0]) {
		if (inet_pton(AF_INET, parts[0], p->host_ip) == 1)
			p->host_family = AF_INET;
		else if (inet_pton(AF_INET6, parts[0], p->host_ip) == 1)
			p->host_family = AF_INET6;
		else
			return hull_errf(e, EINVAL, "-p %s: host address \"%s\" is not an IP address", text, parts[0]);
	}
	return 0;
}

const char *netns_port_text(const struct netns_port *p, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
	if (!p->host_family)
		snprintf(buf, cap, "%u:%u/%s", p->host_port, p->ctr_port, proto);
	else
		snprintf(buf, cap, p->host_family == AF_INET6 ? "[%s]:%u:%u/%s" : "%s:%u:%u/%s",
			 inet_ntop(p->host_family, p->host_ip, ip, sizeof ip), p->host_port, p->ctr_port, proto);
	return buf;
}

static void port_file(const struct netns_port *p, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "any";
	if (p->host_family)
		inet_ntop(p->host_family, p->host_ip, ip, sizeof ip);
	snprintf(out, cap, "%s-%u-%s", p->proto == IPPROTO_UDP ? "udp" : "tcp", p->host_port, ip);
}

static int port_from_file(const char *name, struct netns_port *p)
{
	char proto[8], ip[INET6_ADDRSTRLEN];
	unsigned port;
	memset(p, 0, sizeof *p);
	if (sscanf(name, "%7[a-z]-%u-%45s", proto, &port, ip) != 3 || port == 0 || port > 65535)
		return -EINVAL;
	p->proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	p->host_port = (uint16_t)port;
	if (strcmp(ip, "any") != 0) {
		if (inet_pton(AF_INET, ip, p->host_ip) == 1)
			p->host_family = AF_INET;
		else if (inet_pton(AF_INET6, ip, p->host_ip) == 1)
			p->host_family = AF_INET6;
		else
			return -EINVAL;
	}
	return 0;
}

static int ports_dir(int nfd)
{
	if (mkdirat(nfd, "ports", 0700) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(nfd, "ports", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int port_take(int nfd, const struct netns_port *p, const char *id, const char *ifname, struct hull_err *e)
{
	char name[96], text[96], content[260];
	int pfd = ports_dir(nfd);
	if (pfd < 0)
		return hull_syserr(e, -pfd, "networks/ports of the store");
	DIR *d = fdopendir(pfd);
	if (!d) {
		close(pfd);
		return hull_syserr(e, errno, "networks/ports of the store");
	}
	int r = 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct netns_port q;
		if (port_from_file(de->d_name, &q) < 0 || q.proto != p->proto || q.host_port != p->host_port)
			continue;
		/* Taken unless both name different addresses. */
		if (!q.host_family || !p->host_family ||
		    (q.host_family == p->host_family && memcmp(q.host_ip, p->host_ip, 16) == 0)) {
			r = hull_errf(e, EADDRINUSE, "-p %s: %s port %u is already published", netns_port_text(p, text, sizeof text),
				      p->proto == IPPROTO_UDP ? "udp" : "tcp", p->host_port);
			break;
		}
	}
	if (r == 0) {
		port_file(p, name, sizeof name);
		snprintf(content, sizeof content, "%s %s\n", id, ifname);
		if ((r = file_create(dirfd(d), name, content)) == -EEXIST)
			r = hull_errf(e, EADDRINUSE, "-p %s: %s port %u is already published",
				      netns_port_text(p, text, sizeof text), p->proto == IPPROTO_UDP ? "udp" : "tcp",
				      p->host_port);
		else if (r < 0)
			r = hull_syserr(e, -r, "networks/ports/%s of the store", name);
	}
	closedir(d);
	return r;
}

int port_drop_id(int nfd, const char *id, const char *const *ifnames, size_t n_if, bool unlink,
		 struct netns_port **v, size_t *n)
{
	if (v)
		*v = NULL;
	*n = 0;
	int pfd = openat(nfd, "ports", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = pfd < 0 ? NULL : fdopendir(pfd);
	if (!d) {
		if (pfd >= 0)
			close(pfd);
		return errno == ENOENT ? 0 : -errno;
	}
	int r = 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct netns_port q;
		char *text = NULL;
		if (port_from_file(de->d_name, &q) < 0 || read_file_at(dirfd(d), de->d_name, &text, NULL) < 0)
			continue;
		/* "ID IFNAME\n" */
		text[strcspn(text, "\n")] = 0;
		char *ifn = strchr(text, ' ');
		if (ifn)
			*ifn++ = 0;
		bool mine = !ifnames || !ifn;
		for (size_t i = 0; !mine && i < n_if; i++)
			mine = strcmp(ifn, ifnames[i]) == 0;
		mine = mine && strcmp(text, id) == 0;
		free(text);
		if (!mine || (unlink && unlinkat(dirfd(d), de->d_name, 0) < 0))
			continue;
		if (!v) {
			(*n)++;
			continue;
		}
		struct netns_port *nv = realloc(*v, (*n + 1) * sizeof *nv);
		if (!nv) {
			r = -ENOMEM;
			break;
		}
		*v = nv;
		(*v)[(*n)++] = q;
	}
	closedir(d);
	return r;
}
