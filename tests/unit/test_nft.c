/* SPDX-License-Identifier: Apache-2.0 */
/* netns/nft: the inet hull table, its networks and published ports — in a
 * network namespace of the test's own (unshare(CLONE_NEWNET) first), read
 * back with nft(8) when it is installed. */
#include "netns/nft.h"
#include "tests/unit/unit.h"

#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
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
