/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for netns/network.c and the pure parts of netns/join.c:
 * subnets (parse, overlap, text), -p, network names, veth names, and the
 * store's networks/ (definitions, the default network, leases and port
 * files, removal) in a temporary store.  Runs in a network namespace of its
 * own (unshare, as root; else the store checks are skipped), so that the
 * host's routes play no part and nothing of the host is touched. */
#include "netns/priv.h"
#include "runtime/network.h"
#include "tests/unit/unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void test_subnets(void)
{
	struct netns_subnet a, b;
	struct hull_err e;
	char t[64];

	UNIT_GROUP("subnets");
	CHECK(netns_subnet_parse("10.89.0.0/24", &a, &e) == 0);
	CHECK_INT(a.family, AF_INET);
	CHECK_INT(a.prefix, 24);
	CHECK_STR(netns_subnet_text(&a, t, sizeof t), "10.89.0.0/24");
	CHECK(netns_subnet_parse("10.89.0.1/24", &a, &e) == -EINVAL);
	CHECK(strstr(e.msg, "host bits are set (the network is 10.89.0.0/24)") != NULL);
	CHECK(netns_subnet_parse("10.89.0.0/33", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("10.89.0.0/31", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("10.0.0.0/7", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("foo", &a, &e) == -EINVAL);
	CHECK(strstr(e.msg, "\"foo\"") != NULL);
	CHECK(netns_subnet_parse("foo/24", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("10.89.0.0/", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("10.89.0.0/x", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("fd00:1::/64", &a, &e) == 0);
	CHECK_INT(a.family, AF_INET6);
	CHECK_STR(netns_subnet_text(&a, t, sizeof t), "fd00:1::/64");
	CHECK(netns_subnet_parse("fd00:1::1/64", &a, &e) == -EINVAL);
	CHECK(netns_subnet_parse("fd00::/129", &a, &e) == -EINVAL);

	UNIT_GROUP("overlap");
	netns_subnet_parse("10.89.0.0/16", &a, &e);
	netns_subnet_parse("10.89.3.0/24", &b, &e);
	CHECK(netns_subnet_overlap(&a, &b));
	CHECK(netns_subnet_overlap(&b, &a));
	netns_subnet_parse("10.90.0.0/16", &b, &e);
	CHECK(!netns_subnet_overlap(&a, &b));
	netns_subnet_parse("10.88.255.0/24", &b, &e);
	CHECK(!netns_subnet_overlap(&a, &b));
	netns_subnet_parse("fd00::/64", &b, &e);
	CHECK(!netns_subnet_overlap(&a, &b));
	unsigned char ip[16];
	inet_pton(AF_INET, "10.89.255.255", ip);
	CHECK(netns_subnet_contains(&a, ip));
	inet_pton(AF_INET, "10.90.0.0", ip);
	CHECK(!netns_subnet_contains(&a, ip));
}

static void test_ports(void)
{
	struct netns_port p;
	struct hull_err e;
	char t[96];

	UNIT_GROUP("-p");
	CHECK(netns_port_parse("8080:80", &p, &e) == 0);
	CHECK_INT(p.host_port, 8080);
	CHECK_INT(p.ctr_port, 80);
	CHECK_INT(p.proto, IPPROTO_TCP);
	CHECK_INT(p.host_family, 0);
	CHECK_STR(netns_port_text(&p, t, sizeof t), "8080:80/tcp");
	CHECK(netns_port_parse("127.0.0.1:53:5353/udp", &p, &e) == 0);
	CHECK_INT(p.proto, IPPROTO_UDP);
	CHECK_INT(p.host_family, AF_INET);
	CHECK_STR(netns_port_text(&p, t, sizeof t), "127.0.0.1:53:5353/udp");
	CHECK(netns_port_parse("[::1]:80:81", &p, &e) == 0);
	CHECK_INT(p.host_family, AF_INET6);
	CHECK_STR(netns_port_text(&p, t, sizeof t), "[::1]:80:81/tcp");
	CHECK(netns_port_parse(":80:81", &p, &e) == 0);
	CHECK_INT(p.host_family, 0);
	const char *bad[] = { "80", "x:80", "80:x", "70000:80", "80:0", "0:80", "80:80/sctp", "1.2.3.4:5:6:7",
			      "[::1:80:80", "::1:80:80", "a.b:80:80", "80:80/", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (!CHECK(netns_port_parse(bad[i], &p, &e) == -EINVAL))
			printf("#   accepted \"%s\"\n", bad[i]);
		else
			CHECK(strstr(e.msg, bad[i]) != NULL);
	}
}

static void test_names(void)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	UNIT_GROUP("names");
	CHECK(netns_network_name_invalid("hull") == NULL);
	CHECK(netns_network_name_invalid("a.b_c-9") == NULL);
	CHECK(netns_network_name_invalid("") != NULL);
	CHECK(netns_network_name_invalid("-x") != NULL);
	CHECK(netns_network_name_invalid("a/b") != NULL);
	CHECK(netns_network_name_invalid("none") != NULL);
	CHECK(netns_network_name_invalid("host") != NULL);
	char longname[80];
	memset(longname, 'a', 64);
	longname[64] = 0;
	CHECK(netns_network_name_invalid(longname) != NULL);
	longname[63] = 0;
	CHECK(netns_network_name_invalid(longname) == NULL);
	netns_veth_name("c1", "eth0", a);
	netns_veth_name("c1", "eth1", b);
	netns_veth_name("c2", "eth0", c);
	CHECK_INT(strlen(a), 14);
	CHECK(strncmp(a, "hv", 2) == 0);
	CHECK(strcmp(a, b) != 0 && strcmp(a, c) != 0);
	netns_veth_name("c1", "eth0", b);
	CHECK_STR(a, b);
	/* "ab" + "c" and "a" + "bc" differ. */
	netns_veth_name("ab", "c", a);
	netns_veth_name("a", "bc", b);
	CHECK(strcmp(a, b) != 0);
}

static int count_files(const char *rel)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	int n = 0;
	DIR *d = opendir(p);
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_store(void)
{
	struct hull_err e;
	struct netns_network n, d, x;
	struct netns_create c = { .name = "n1" };

	UNIT_GROUP("create");
	CHECK(netns_network_create(dir, &c, &n, &e) == 0);
	char t[64];
	CHECK_STR(netns_subnet_text(&n.sub[0], t, sizeof t), "10.89.0.0/24");
	CHECK_STR(n.bridge, "hull1");
	CHECK(netns_network_create(dir, &c, &n, &e) == -EEXIST);
	CHECK(strstr(e.msg, "network n1 already exists") != NULL);
	c = (struct netns_create){ .name = "hull" };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EEXIST);
	c = (struct netns_create){ .name = "n2", .ipv6 = true, .internal = true };
	CHECK(netns_network_create(dir, &c, &n, &e) == 0);
	CHECK_INT(n.n_sub, 2);
	CHECK_STR(netns_subnet_text(&n.sub[0], t, sizeof t), "10.89.1.0/24");
	CHECK_STR(netns_subnet_text(&n.sub[1], t, sizeof t), "fd48:756c:6c00::/64");
	CHECK(n.internal);
	CHECK_STR(n.bridge, "hull2");
	c = (struct netns_create){ .name = "n3", .subnet = { "10.89.1.128/25" }, .n_subnet = 1 };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EEXIST);
	CHECK(strstr(e.msg, "overlaps the subnet of network n2") != NULL);
	c = (struct netns_create){ .name = "n3", .subnet = { "192.168.7.0/24", "fd01::/64" }, .n_subnet = 2,
				   .gateway = { "fd01::fe", "192.168.7.254" }, .n_gateway = 2, .bridge = "br-n3" };
	CHECK(netns_network_create(dir, &c, &n, &e) == 0);
	char gw[INET6_ADDRSTRLEN];
	CHECK_STR(inet_ntop(AF_INET, n.sub[0].gw, gw, sizeof gw), "192.168.7.254");
	CHECK_STR(inet_ntop(AF_INET6, n.sub[1].gw, gw, sizeof gw), "fd01::fe");
	CHECK_STR(n.bridge, "br-n3");
	c = (struct netns_create){ .name = "n4", .bridge = "br-n3" };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EEXIST);
	/* An interface of the host's is never taken for a bridge (rm would delete it). */
	c = (struct netns_create){ .name = "n4", .bridge = "lo" };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EEXIST);
	CHECK(strstr(e.msg, "--bridge lo: the host already has an interface of that name") != NULL);
	c = (struct netns_create){ .name = "n4", .subnet = { "10.1.0.0/16", "10.2.0.0/16" }, .n_subnet = 2 };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EINVAL);
	c = (struct netns_create){ .name = "n4", .subnet = { "10.1.0.0/16" }, .n_subnet = 1,
				   .gateway = { "10.1.0.0" }, .n_gateway = 1 };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EINVAL);
	c = (struct netns_create){ .name = "n4", .gateway = { "10.1.0.1" }, .n_gateway = 1 };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EINVAL);
	c = (struct netns_create){ .name = "bad name" };
	CHECK(netns_network_create(dir, &c, &n, &e) == -EINVAL);
	CHECK_INT(count_files("networks"), 4); /* lock, n1, n2, n3: no n4, nothing else */

	UNIT_GROUP("default and list");
	/* ls and inspect of a store with no networks/ yet write nothing. */
	char fresh[96];
	snprintf(fresh, sizeof fresh, "%s/fresh", dir);
	struct netns_network *fv;
	size_t fn;
	CHECK(netns_network_list(fresh, &fv, &fn, &e) == 0);
	CHECK_INT(fn, 1);
	if (fn == 1)
		CHECK_STR(fv[0].bridge, "hull0");
	free(fv);
	CHECK(netns_network_lookup(fresh, "hull", false, &x, &e) == 0);
	CHECK(access(fresh, F_OK) < 0);
	CHECK(netns_network_get(dir, "hull", &d, &e) == 0);
	CHECK_STR(netns_subnet_text(&d.sub[0], t, sizeof t), "10.90.0.0/16");
	CHECK_STR(d.bridge, "hull0");
	CHECK(netns_network_get(dir, "nope", &x, &e) == -ENOENT);
	CHECK(strstr(e.msg, "network nope not found") != NULL);
	struct netns_network *v;
	size_t nv;
	CHECK(netns_network_list(dir, &v, &nv, &e) == 0);
	CHECK_INT(nv, 4);
	if (nv == 4) {
		CHECK_STR(v[0].name, "hull");
		CHECK_STR(v[3].name, "n3");
	}
	free(v);

	UNIT_GROUP("leases");
	int nfd = nets_open(dir, false, &e);
	CHECK(nfd >= 0);
	unsigned char mac[6] = { 2, 1, 2, 3, 4, 5 }, a1[16], a2[16], a3[16], want[16];
	CHECK(netns_network_get(dir, "n1", &n, &e) == 0);
	CHECK(lease_take(nfd, &n, &n.sub[0], NULL, "c1", "eth0", mac, a1, &e) == 0);
	CHECK(lease_take(nfd, &n, &n.sub[0], NULL, "c2", "eth0", mac, a2, &e) == 0);
	CHECK_STR(inet_ntop(AF_INET, a1, gw, sizeof gw), "10.89.0.2");
	CHECK_STR(inet_ntop(AF_INET, a2, gw, sizeof gw), "10.89.0.3");
	inet_pton(AF_INET, "10.89.0.3", want);
	CHECK(lease_take(nfd, &n, &n.sub[0], want, "c3", "eth0", mac, a3, &e) == -EADDRINUSE);
	CHECK(strstr(e.msg, "10.89.0.3") != NULL);
	inet_pton(AF_INET, "10.89.0.1", want);
	CHECK(lease_take(nfd, &n, &n.sub[0], want, "c3", "eth0", mac, a3, &e) == -EINVAL);
	inet_pton(AF_INET, "10.89.0.255", want);
	CHECK(lease_take(nfd, &n, &n.sub[0], want, "c3", "eth0", mac, a3, &e) == -EINVAL);
	inet_pton(AF_INET, "10.89.0.77", want);
	CHECK(lease_take(nfd, &n, &n.sub[0], want, "c3", "eth0", mac, a3, &e) == 0);
	struct netns_lease *l;
	size_t nl;
	CHECK(netns_network_leases(dir, "n1", &l, &nl, &e) == 0);
	CHECK_INT(nl, 3);
	for (size_t i = 0; i < nl; i++)
		if (!strcmp(l[i].id, "c3")) {
			CHECK_STR(l[i].ifname, "eth0");
			CHECK_STR(l[i].mac, "02:01:02:03:04:05");
		}
	free(l);
	char id[64];
	CHECK(lease_any(nfd, "n1", id, sizeof id) == 1);
	CHECK(netns_network_rm(dir, "n1", &e) == -EBUSY);
	CHECK(strstr(e.msg, "in use by container") != NULL);
	CHECK_INT(lease_drop_id(nfd, "n1", "c2", "eth1"), 0);
	CHECK_INT(lease_drop_id(nfd, "n1", "c2", "eth0"), 1);
	/* The freed address is handed out again once the others are taken. */
	CHECK(lease_take(nfd, &n, &n.sub[0], NULL, "c4", "eth0", mac, a3, &e) == 0);
	CHECK_STR(inet_ntop(AF_INET, a3, gw, sizeof gw), "10.89.0.3");

	UNIT_GROUP("exhausted");
	c = (struct netns_create){ .name = "tiny", .subnet = { "10.77.0.0/30" }, .n_subnet = 1 };
	CHECK(netns_network_create(dir, &c, &n, &e) == 0);
	CHECK(lease_take(nfd, &n, &n.sub[0], NULL, "t1", "eth0", mac, a1, &e) == 0);
	CHECK_STR(inet_ntop(AF_INET, a1, gw, sizeof gw), "10.77.0.2");
	CHECK(lease_take(nfd, &n, &n.sub[0], NULL, "t2", "eth0", mac, a1, &e) == -EADDRNOTAVAIL);
	CHECK(strstr(e.msg, "no free address left in 10.77.0.0/30") != NULL);
	CHECK_INT(lease_drop_id(nfd, "tiny", "t1", NULL), 1);

	UNIT_GROUP("ports");
	struct netns_port p, q;
	netns_port_parse("8080:80", &p, &e);
	CHECK(port_take(nfd, &p, "c1", "eth0", &e) == 0);
	CHECK(port_take(nfd, &p, "c2", "eth0", &e) == -EADDRINUSE);
	CHECK(strstr(e.msg, "tcp port 8080 is already published") != NULL);
	netns_port_parse("127.0.0.1:8080:80", &q, &e);
	CHECK(port_take(nfd, &q, "c2", "eth0", &e) == -EADDRINUSE);
	netns_port_parse("8080:80/udp", &q, &e);
	CHECK(port_take(nfd, &q, "c2", "eth0", &e) == 0);
	netns_port_parse("127.0.0.1:9000:80", &q, &e);
	CHECK(port_take(nfd, &q, "c2", "eth0", &e) == 0);
	netns_port_parse("127.0.0.2:9000:80", &q, &e);
	CHECK(port_take(nfd, &q, "c3", "eth0", &e) == 0);
	netns_port_parse("9000:80", &q, &e);
	CHECK(port_take(nfd, &q, "c4", "eth0", &e) == -EADDRINUSE);
	struct netns_port *dropped;
	size_t nd;
	const char *eth0[] = { "eth0" }, *eth1[] = { "eth1" };
	CHECK(port_drop_id(nfd, "c2", eth1, 1, true, &dropped, &nd) == 0);
	CHECK_INT(nd, 0);
	free(dropped);
	CHECK(port_drop_id(nfd, "c2", NULL, 0, false, &dropped, &nd) == 0);
	CHECK_INT(nd, 2);
	free(dropped);
	CHECK_INT(count_files("networks/ports"), 4);
	CHECK(port_drop_id(nfd, "c2", NULL, 0, true, &dropped, &nd) == 0);
	CHECK_INT(nd, 2);
	free(dropped);
	CHECK(port_drop_id(nfd, "c2", eth0, 1, true, &dropped, &nd) == 0);
	CHECK_INT(nd, 0);
	CHECK_INT(count_files("networks/ports"), 2);

	UNIT_GROUP("rm");
	lease_drop_id(nfd, "n1", "c1", NULL);
	lease_drop_id(nfd, "n1", "c3", NULL);
	lease_drop_id(nfd, "n1", "c4", NULL);
	CHECK(netns_network_rm(dir, "nope", &e) == -ENOENT);
	close(nfd);
}

/* net_prepare: what run/create do with the flags and annotations, on a
 * spec built here (no file, no kernel). */
static void test_prepare(void)
{
	struct spec_namespace ns[2] = { { SPEC_NS_NETWORK, NULL }, { SPEC_NS_MOUNT, NULL } };
	struct spec_linux lx = { .namespaces = ns, .n_namespaces = 2 };
	struct spec_kv ann[1] = { { "a", "b" } };
	struct spec s = { .linux_ = &lx, .annotations = ann, .n_annotations = 1 };
	struct net_setup n;
	struct hull_err e;

	UNIT_GROUP("net_prepare");
	/* Nothing asked: nothing changes. */
	CHECK(net_prepare(&s, NULL, "/st", "cfg", &n, &e) == 0);
	CHECK(!n.join && s.annotations == ann);
	net_setup_free(&n);

	const char *nets[] = { "n1", "n2" }, *pub[] = { "8080:80", "53:53/udp" }, *dns[] = { "10.0.0.53" };
	const char *hosts[] = { "db:10.1.2.3" };
	struct net_flags f = { .network = nets, .n_network = 2, .publish = pub, .n_publish = 2, .ip = "10.89.0.9",
			       .mac = "02:00:00:00:00:01", .dns = dns, .n_dns = 1, .add_host = hosts, .n_add_host = 1,
			       .hostname = "box" };
	CHECK(net_prepare(&s, &f, "/st", "cfg", &n, &e) == 0);
	CHECK(n.join);
	CHECK_INT(n.n_nets, 2);
	if (n.n_nets == 2) {
		CHECK_STR(n.nets[0].network, "n1");
		CHECK_STR(n.nets[1].network, "n2");
		CHECK_STR(n.nets[0].ip[0], "10.89.0.9");
		CHECK_STR(n.nets[0].mac, "02:00:00:00:00:01");
		CHECK(n.nets[1].ip[0] == NULL);
	}
	CHECK_INT(n.n_ports, 2);
	CHECK_INT(n.n_dns, 1);
	CHECK_INT(n.n_hosts, 1);
	if (n.n_hosts)
		CHECK_STR(n.hosts[0], "db 10.1.2.3");
	CHECK_STR(s.hostname, "box");
	/* The annotations: the config's, the flags', the store. */
	bool have_net = false, have_store = false, have_a = false;
	for (size_t i = 0; i < s.n_annotations; i++) {
		have_net |= !strcmp(s.annotations[i].key, NET_ANN_NETWORK) && !strcmp(s.annotations[i].value, "n1,n2");
		have_store |= !strcmp(s.annotations[i].key, NET_ANN_STORE) && !strcmp(s.annotations[i].value, "/st");
		have_a |= !strcmp(s.annotations[i].key, "a");
	}
	CHECK(have_net && have_store && have_a);
	net_setup_free(&n);
	s.annotations = ann;
	s.n_annotations = 1;
	s.hostname = NULL;

	/* host: the network namespace entry goes; ns:PATH: it joins PATH. */
	const char *host[] = { "host" };
	f = (struct net_flags){ .network = host, .n_network = 1 };
	CHECK(net_prepare(&s, &f, NULL, "cfg", &n, &e) == 0);
	CHECK(!n.join);
	CHECK_INT(lx.n_namespaces, 1);
	CHECK_INT(lx.namespaces[0].type, SPEC_NS_MOUNT);
	lx.namespaces = ns;
	lx.n_namespaces = 2;
	net_setup_free(&n);
	s.annotations = ann;
	s.n_annotations = 1;
	const char *nsp[] = { "ns:/run/netns/x" };
	f = (struct net_flags){ .network = nsp, .n_network = 1 };
	CHECK(net_prepare(&s, &f, NULL, "cfg", &n, &e) == 0);
	CHECK_STR(lx.namespaces[0].path, "/run/netns/x");
	lx.namespaces = ns;
	net_setup_free(&n);
	s.annotations = ann;
	s.n_annotations = 1;

	/* none: a namespace to wire (loopback), no network. */
	const char *none[] = { "none" };
	f = (struct net_flags){ .network = none, .n_network = 1 };
	CHECK(net_prepare(&s, &f, NULL, "cfg", &n, &e) == 0);
	CHECK(n.join && n.n_nets == 0);
	net_setup_free(&n);
	s.annotations = ann;
	s.n_annotations = 1;

	/* Refused, each in one line naming the value. */
	struct {
		struct net_flags f;
		const char *word;
	} bad[] = {
		{ { .publish = pub, .n_publish = 1 }, "need a network" },
		{ { .network = none, .n_network = 1, .publish = pub, .n_publish = 1 }, "--network none" },
		{ { .network = host, .n_network = 1, .ip = "10.0.0.1" }, "--network host" },
		{ { .network = nets, .n_network = 1, .ip = "fd00::1" }, "--ip fd00::1" },
		{ { .network = nets, .n_network = 1, .ip6 = "10.0.0.1" }, "--ip6 10.0.0.1" },
		{ { .network = nets, .n_network = 1, .dns = hosts, .n_dns = 1 }, "--dns db:10.1.2.3" },
		{ { .network = nets, .n_network = 1, .add_host = dns, .n_add_host = 1 }, "--add-host 10.0.0.53" },
		{ { .network = nsp + 0, .n_network = 1, .publish = pub, .n_publish = 1 }, "ns:/run/netns/x" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (CHECK(net_prepare(&s, &bad[i].f, NULL, "cfg", &n, &e) < 0))
			if (!CHECK(strstr(e.msg, bad[i].word) != NULL && !strchr(e.msg, '\n')))
				printf("#   %zu: %s\n", i, e.msg);
		/* A failure leaves the spec as it came. */
		CHECK(s.annotations == ann && s.n_annotations == 1 && lx.namespaces == ns && lx.n_namespaces == 2);
		net_setup_free(&n);
	}
	/* A network without a new network namespace. */
	ns[0].path = "/proc/1/ns/net";
	f = (struct net_flags){ .network = nets, .n_network = 1 };
	CHECK(net_prepare(&s, &f, NULL, "cfg", &n, &e) < 0);
	CHECK(strstr(e.msg, "needs a new network namespace") != NULL);
	net_setup_free(&n);
	ns[0].path = NULL;
	/* Two ports on one host port. */
	const char *twice[] = { "8080:80", "127.0.0.1:8080:81" };
	f = (struct net_flags){ .network = nets, .n_network = 1, .publish = twice, .n_publish = 2 };
	CHECK(net_prepare(&s, &f, NULL, "cfg", &n, &e) < 0);
	CHECK(strstr(e.msg, "published twice") != NULL);
	net_setup_free(&n);
}

int main(void)
{
	test_prepare();
	test_subnets();
	test_ports();
	test_names();
	if (getuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("# skipped the store checks: not root, or no network namespace of its own\n");
		return unit_done();
	}
	snprintf(dir, sizeof dir, "/tmp/hull-test-network.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_store();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
