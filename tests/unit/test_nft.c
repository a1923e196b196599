/* SPDX-License-Identifier: Apache-2.0 */
/* netns/nft: the inet hull table, its networks and published ports — in a
 * network namespace of the test's own (unshare(CLONE_NEWNET) first), read
 * back with nft(8) when it is installed. */
#include "netns/nft.h"
#include "tests/unit/unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static bool have_nft;
static char listing[65536];

/* `nft list table inet hull` into listing; its exit status. */
static int list(void)
{
	listing[0] = 0;
	FILE *f = popen("nft list table inet hull 2>&1", "r");
	if (!f)
		return -1;
	size_t n = fread(listing, 1, sizeof listing - 1, f);
	listing[n] = 0;
	int st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The listing's block of "set NAME" or "map NAME" (up to its closing brace). */
static const char *block(const char *head, char *out, size_t cap)
{
	char want[64];
	snprintf(want, sizeof want, "\t%s {\n", head);
	const char *s = strstr(listing, want);
	out[0] = 0;
	if (!s)
		return out;
	const char *end = strstr(s, "\n\t}");
	snprintf(out, cap, "%.*s", (int)(end ? end - s : (ptrdiff_t)strlen(s)), s);
	return out;
}

static bool in_block(const char *head, const char *text)
{
	char b[8192];
	return strstr(block(head, b, sizeof b), text) != NULL;
}

static int count(const char *text)
{
	int n = 0;
	for (const char *s = listing; (s = strstr(s, text)); s++)
		n++;
	return n;
}

static void print_listing(void)
{
	for (char *s = listing, *nl; *s; s = nl + 1) {
		nl = strchrnul(s, '\n');
		printf("#   %.*s\n", (int)(nl - s), s);
		if (!*nl)
			break;
	}
}

/* The child's end: its own network namespace with hullt1 (10.88.0.2) moved
 * in by the parent, a server on :80 that answers each of two connections
 * with "hello". */
static void server(int ready, int go)
{
	char c;
	alarm(20);
	if (unshare(CLONE_NEWNET) < 0 || write(ready, "n", 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	if (system("ip link set lo up && ip addr add 10.88.0.2/16 dev hullt1 && ip link set hullt1 up && "
		   "ip route add default via 10.88.0.1") != 0)
		_exit(2);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 4) < 0)
		_exit(3);
	if (write(ready, "l", 1) != 1)
		_exit(4);
	for (int i = 0; i < 2; i++) {
		int c2 = accept(s, NULL, NULL);
		if (c2 < 0)
			_exit(5);
		if (write(c2, "hello", 5) != 5)
			_exit(6);
		close(c2);
	}
	_exit(0);
}

/* Connect to ip:port and read what the server says ("" on failure). */
static const char *fetch(const char *ip, uint16_t port, char *buf, size_t cap)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 3 };
	buf[0] = 0;
	inet_pton(AF_INET, ip, &sa.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0) {
		ssize_t n = read(s, buf, cap - 1);
		buf[n > 0 ? n : 0] = 0;
	} else {
		printf("#   connect %s:%u: %m\n", ip, port);
	}
	close(s);
	return buf;
}

/* Published ports carry real connections: a veth pair into a second
 * namespace (a stand-in for a bridge: the sets hold only names); from this
 * namespace, to a local address (output chain, ports4) and to 127.0.0.1
 * (ports4h, then the masquerade of localhost sources toward @bridges). */
static void traffic(struct hull_err *e)
{
	if (system("command -v ip >/dev/null 2>&1") != 0) {
		printf("# ip(8) is not installed: no traffic check\n");
		return;
	}
	int ready[2], go[2];
	if (pipe(ready) < 0 || pipe(go) < 0)
		return;
	if (!CHECK(system("ip link set lo up && ip link add hullt0 type veth peer name hullt1 && "
			  "ip addr add 192.0.2.1/32 dev lo") == 0))
		return;
	pid_t pid = fork();
	if (pid == 0)
		server(ready[1], go[0]);
	char c = 0, cmd[160], buf[32];
	if (!CHECK(read(ready[0], &c, 1) == 1 && c == 'n'))
		goto out;
	snprintf(cmd, sizeof cmd,
		 "ip link set hullt1 netns %d && ip addr add 10.88.0.1/16 dev hullt0 && ip link set hullt0 up", (int)pid);
	if (!CHECK(system(cmd) == 0) || !CHECK(write(go[1], "g", 1) == 1) || !CHECK(read(ready[0], &c, 1) == 1 && c == 'l'))
		goto out;
	/* 127.0.0.1 may be routed out of the host only so */
	CHECK(system("echo 1 > /proc/sys/net/ipv4/conf/hullt0/route_localnet") == 0);
	struct nft_net t = { "hullt0", "10.88.0.0/16", NULL, false };
	struct nft_port p[] = {
		{ 4, IPPROTO_TCP, NULL, 8080, "10.88.0.2", 80 },
		{ 4, IPPROTO_TCP, "127.0.0.1", 8081, "10.88.0.2", 80 },
	};
	CHECK(nft_network_add(&t, e) == 0);
	if (!CHECK(nft_ports_add(p, 2, e) == 0))
		printf("#   %s\n", e->msg);
	CHECK_STR(fetch("192.0.2.1", 8080, buf, sizeof buf), "hello");
	CHECK_STR(fetch("127.0.0.1", 8081, buf, sizeof buf), "hello");
	CHECK(nft_ports_del(p, 2, e) == 0);
	CHECK(nft_network_del(&t, e) == 0);
out:
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	system("ip link del hullt0 2>/dev/null; ip addr del 192.0.2.1/32 dev lo 2>/dev/null");
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
}

int main(void)
{
	struct hull_err e = { 0 };

	if (unshare(CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP cannot make a network namespace (not root?)\n");
		return 0;
	}
	have_nft = system("command -v nft >/dev/null 2>&1") == 0;
	if (!have_nft)
		printf("# nft(8) is not installed: the table's contents are not read back\n");

	UNIT_GROUP("setup");
	if (!CHECK(nft_setup(&e) == 0)) {
		printf("#   %s\n", e.msg);
		return unit_done();
	}
	CHECK(nft_setup(&e) == 0);
	if (have_nft) {
		CHECK(list() == 0);
		CHECK(strstr(listing, "table inet hull {") != NULL);
		const char *heads[] = { "set bridges", "set internal", "set nets4", "set masq4", "set nets6",
					"set masq6", "map ports4", "map ports4h", "map ports6", "map ports6h",
					"chain ports", "chain prerouting", "chain output", "chain postrouting",
					"chain forward" };
		for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
			char b[8192];
			if (!CHECK(*block(heads[i], b, sizeof b)))
				printf("#   no %s\n", heads[i]);
		}
		CHECK(in_block("map ports4h", "type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service"));
		CHECK(in_block("map ports6", "type inet_proto . inet_service : ipv6_addr . inet_service"));
		CHECK(in_block("set nets6", "flags interval"));
		CHECK(in_block("chain prerouting", "type nat hook prerouting priority dstnat; policy accept;"));
		CHECK(in_block("chain prerouting", "fib daddr type local jump ports"));
		CHECK(in_block("chain output", "fib daddr type local jump ports"));
		CHECK(in_block("chain ports", "dnat ip to ip daddr . meta l4proto . th dport map @ports4h"));
		CHECK(in_block("chain ports", "dnat ip6 to meta l4proto . th dport map @ports6"));
		CHECK(in_block("chain postrouting", "ip saddr 127.0.0.0/8 ct status dnat oifname @bridges masquerade"));
		CHECK(in_block("chain postrouting", "ip6 saddr @masq6 oifname != @bridges masquerade"));
		CHECK(in_block("chain forward", "iifname @internal oifname != @internal drop"));
		/* made once: the second setup added no rules */
		CHECK_INT(count("masquerade"), 6);
		CHECK_INT(count("jump ports"), 2);
	}

	UNIT_GROUP("networks");
	struct nft_net a = { "hullbr0", "10.90.0.0/16", "fd12:3456::/64", false };
	struct nft_net b = { "hullbr1", "10.91.0.0/24", NULL, true };
	CHECK(nft_network_add(&a, &e) == 0);
	if (!CHECK(nft_network_add(&b, &e) == 0))
		printf("#   %s\n", e.msg);
	if (have_nft) {
		list();
		CHECK(in_block("set bridges", "\"hullbr0\"") && in_block("set bridges", "\"hullbr1\""));
		CHECK(in_block("set internal", "\"hullbr1\"") && !in_block("set internal", "\"hullbr0\""));
		CHECK(in_block("set nets4", "10.90.0.0/16") && in_block("set nets4", "10.91.0.0/24"));
		CHECK(in_block("set masq4", "10.90.0.0/16") && !in_block("set masq4", "10.91.0.0/24"));
		CHECK(in_block("set nets6", "fd12:3456::/64") && in_block("set masq6", "fd12:3456::/64"));
	}
	CHECK(nft_network_add(&a, &e) == 0); /* there already */
	CHECK(nft_network_add(&b, &e) == 0);
	CHECK(nft_network_del(&b, &e) == 0);
	if (have_nft) {
		list();
		CHECK(in_block("set bridges", "\"hullbr0\"") && !in_block("set bridges", "\"hullbr1\""));
		CHECK(!in_block("set internal", "hullbr1"));
		CHECK(in_block("set nets4", "10.90.0.0/16") && !in_block("set nets4", "10.91.0.0/24"));
	}
	CHECK(nft_network_del(&b, &e) == 0); /* gone already */
	/* a subnet that starts where another ends */
	struct nft_net d = { "hullbr5", "10.91.0.0/16", "fd12:3456:0:1::/64", false };
	if (!CHECK(nft_network_add(&d, &e) == 0))
		printf("#   %s\n", e.msg);
	if (have_nft) {
		list();
		CHECK(in_block("set masq4", "10.90.0.0/16") && in_block("set masq4", "10.91.0.0/16"));
		CHECK(in_block("set masq6", "fd12:3456::/64") && in_block("set masq6", "fd12:3456:0:1::/64"));
	}
	CHECK(nft_network_del(&d, &e) == 0);
	if (have_nft) {
		list();
		CHECK(in_block("set masq4", "10.90.0.0/16") && !in_block("set masq4", "10.91.0.0/16"));
		CHECK(in_block("set masq6", "fd12:3456::/64") && !in_block("set masq6", "fd12:3456:0:1::/64"));
	}
	struct nft_net bad = { "hullbr2", "10.92.0.0/33", NULL, false };
	CHECK(nft_network_add(&bad, &e) == -EINVAL);
	CHECK(strstr(e.msg, "10.92.0.0/33") != NULL);
	/* a subnet not on a prefix boundary is its prefix */
	struct nft_net c = { "hullbr3", "10.93.1.2/16", "fd12:3457::1/48", false };
	CHECK(nft_network_add(&c, &e) == 0);
	if (have_nft) {
		list();
		CHECK(in_block("set nets4", "10.93.0.0/16"));
		CHECK(in_block("set nets6", "fd12:3457::/48"));
	}
	CHECK(nft_network_del(&c, &e) == 0);
	if (have_nft) {
		list();
		CHECK(!in_block("set nets4", "10.93.0.0/16"));
		CHECK(!in_block("set nets6", "fd12:3457::/48"));
		CHECK(in_block("set nets6", "fd12:3456::/64"));
	}

	UNIT_GROUP("ports");
	struct nft_port p[] = {
		{ 4, IPPROTO_TCP, NULL, 8080, "10.90.0.2", 80 },
		{ 4, IPPROTO_TCP, "127.0.0.1", 8081, "10.90.0.3", 81 },
		{ 6, IPPROTO_TCP, NULL, 8080, "fd12:3456::2", 80 },
		{ 4, IPPROTO_UDP, NULL, 5353, "10.90.0.2", 53 },
		{ 6, IPPROTO_UDP, "::1", 5353, "fd12:3456::2", 53 },
	};
	size_t np = sizeof p / sizeof *p;
	if (!CHECK(nft_ports_add(p, np, &e) == 0))
		printf("#   %s\n", e.msg);
	if (have_nft) {
		list();
		CHECK(in_block("map ports4", "tcp . 8080 : 10.90.0.2 . 80"));
		CHECK(in_block("map ports4", "udp . 5353 : 10.90.0.2 . 53"));
		CHECK(in_block("map ports4h", "127.0.0.1 . tcp . 8081 : 10.90.0.3 . 81"));
		CHECK(in_block("map ports6", "tcp . 8080 : fd12:3456::2 . 80"));
		CHECK(in_block("map ports6h", "::1 . udp . 5353 : fd12:3456::2 . 53"));
	}
	struct nft_port taken[] = {
		{ 4, IPPROTO_TCP, NULL, 9090, "10.90.0.4", 90 },
		{ 4, IPPROTO_TCP, NULL, 8080, "10.90.0.4", 80 },
	};
	CHECK(nft_ports_add(taken, 2, &e) == -EEXIST);
	CHECK_STR(e.msg, "tcp port 8080 is already published");
	struct nft_port taken_h[] = {
		{ 4, IPPROTO_UDP, NULL, 9090, "10.90.0.4", 90 },
		{ 4, IPPROTO_TCP, "127.0.0.1", 8081, "10.90.0.4", 80 },
	};
	CHECK(nft_ports_add(taken_h, 2, &e) == -EEXIST);
	CHECK_STR(e.msg, "tcp port 127.0.0.1:8081 is already published");
	/* the same key twice in one call */
	struct nft_port twice[] = {
		{ 4, IPPROTO_TCP, NULL, 9191, "10.90.0.4", 90 },
		{ 4, IPPROTO_TCP, NULL, 9191, "10.90.0.5", 90 },
	};
	CHECK(nft_ports_add(twice, 2, &e) == -EEXIST);
	CHECK_STR(e.msg, "tcp port 9191 is already published");
	if (have_nft) {
		list();
		/* nothing of those batches went in */
		CHECK(!strstr(listing, "9090") && !strstr(listing, "9191"));
		CHECK(in_block("map ports4", "tcp . 8080 : 10.90.0.2 . 80"));
	}
	struct nft_port badip = { 4, IPPROTO_TCP, "300.1.1.1", 80, "10.90.0.2", 80 };
	CHECK(nft_ports_add(&badip, 1, &e) == -EINVAL);
	CHECK(nft_ports_del(p, np, &e) == 0);
	if (have_nft) {
		list();
		CHECK(!strstr(listing, "8080") && !strstr(listing, "8081") && !strstr(listing, "5353"));
	}
	CHECK(nft_ports_del(p, np, &e) == 0); /* gone already */
	/* some there, some not */
	CHECK(nft_ports_add(p + 1, 2, &e) == 0);
	CHECK(nft_ports_del(p, np, &e) == 0);
	if (have_nft) {
		list();
		CHECK(!strstr(listing, "8080") && !strstr(listing, "8081"));
	}

	UNIT_GROUP("traffic");
	traffic(&e);

	UNIT_GROUP("teardown");
	CHECK(nft_teardown(&e) == 0);
	if (have_nft)
		CHECK(list() != 0);
	CHECK(nft_teardown(&e) == 0);
	CHECK(nft_network_del(&a, &e) == 0);
	CHECK(nft_ports_del(p, np, &e) == 0);
	/* adds make the table when it is not there */
	CHECK(nft_ports_add(p, 1, &e) == 0);
	if (have_nft) {
		CHECK(list() == 0);
		CHECK(in_block("map ports4", "tcp . 8080 : 10.90.0.2 . 80"));
		CHECK_INT(count("masquerade"), 6);
	}
	CHECK(nft_teardown(&e) == 0);
	CHECK(nft_network_add(&a, &e) == 0);
	if (have_nft) {
		CHECK(list() == 0);
		CHECK(in_block("set nets4", "10.90.0.0/16"));
		if (unit_failed)
			print_listing();
	}
	CHECK(nft_teardown(&e) == 0);
	/* /0: an interval with no end element */
	struct nft_net all = { "hullbr4", "0.0.0.0/0", "::/0", false };
	CHECK(nft_network_add(&all, &e) == 0);
	if (have_nft) {
		list();
		CHECK(in_block("set masq4", "0.0.0.0/0"));
		CHECK(in_block("set masq6", "::/0"));
	}
	CHECK(nft_network_del(&all, &e) == 0);
	if (have_nft) {
		list();
		CHECK(!in_block("set masq4", "elements") && !in_block("set masq6", "elements"));
	}
	CHECK(nft_teardown(&e) == 0);
	return unit_done();
}
