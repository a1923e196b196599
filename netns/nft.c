/* SPDX-License-Identifier: Apache-2.0 */
/* netns/nft.c: hull's nftables table (netns/nft.h) over libnftnl, which is
 * dlopen()ed on first use; the netlink socket and the batches are ours.
 *
 * libnftnl builds the messages into a buffer of ours (it runs with its own
 * copy of libc under glibc's static dlopen: what it allocates it frees, and
 * it is never handed memory it would free).  One batch is one sendmsg: the
 * kernel handles it within that call, queues an error for each message
 * that failed and, for the last message alone (NLM_F_ACK), an ack; its ack
 * (or a whole-batch error, whose sequence number is the batch begin's)
 * ends the reading.  A batch is all or nothing.
 *
 * The table is made by one batch whose first message is NEWTABLE with
 * NLM_F_EXCL: when a table is there already, that message fails with EEXIST
 * and the whole batch with it, so two hulls making it at once cannot double
 * its rules, and a table there is left as it is.  Element adds go first and
 * make the table only when they find none (ENOENT), so they cost one batch.
 *
 * Deletes: one batch of every element first; when some element is missing
 * the kernel refuses the whole batch with ENOENT, and then each element is
 * deleted in a batch of its own, ENOENT ignored.
 *
 * Each published port's element has a message of its own, so that the
 * failing message's sequence number names the port that is taken. */
#include "netns/nft.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TABLE "hull"

/* ---- libnftnl, loaded on first use ------------------------------------------- */

#define NFTNL_FUNCS(X) \
	X(nlmsg_build_hdr) X(batch_begin) X(batch_end) \
	X(table_alloc) X(table_free) X(table_set_str) X(table_nlmsg_build_payload) \
	X(chain_alloc) X(chain_free) X(chain_set_str) X(chain_set_u32) X(chain_set_s32) \
	X(chain_nlmsg_build_payload) \
	X(set_alloc) X(set_free) X(set_set_str) X(set_set_u32) X(set_set_data) \
	X(set_nlmsg_build_payload) X(set_elems_nlmsg_build_payload) \
	X(set_elem_alloc) X(set_elem_set) X(set_elem_set_u32) X(set_elem_add) \
	X(rule_alloc) X(rule_free) X(rule_set_str) X(rule_add_expr) X(rule_nlmsg_build_payload) \
	X(expr_alloc) X(expr_set) X(expr_set_u32) X(expr_set_str)

static struct {
	void *lib;
#define FIELD(name) __typeof__(nftnl_##name) *name;
	NFTNL_FUNCS(FIELD)
#undef FIELD
} nl;

static int load(struct hull_err *e)
{
	if (nl.lib)
		return 0;
	void *h = dlopen("libnftnl.so.11", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return hull_errf(e, ENOENT, "nftables: cannot load libnftnl.so.11 (package libnftnl11): %s", dlerror());
#define SYM(name) \
	if (!(*(void **)&nl.name = dlsym(h, "nftnl_" #name))) \
		goto missing;
	NFTNL_FUNCS(SYM)
#undef SYM
	nl.lib = h;
	return 0;
missing:
	dlclose(h);
	return hull_errf(e, ENOSYS, "nftables: libnftnl.so.11 lacks a function hull needs");
}

/* ---- batches ------------------------------------------------------------------ */

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t first;   /* the batch begin's sequence number */
	uint32_t seq;     /* the next one */
	int *tags;        /* tags[seq - first]: the caller's tag of each message */
	size_t ntags;
	size_t last;      /* offset of the last message */
	bool oom;
};

/* Room enough for any one message built here. */
#define MSG_ROOM 4096

/* Room for one more message (and the batch end); false when out of memory. */
static bool batch_room(struct batch *b)
{
	if (b->oom)
		return false;
	if (b->cap - b->len < MSG_ROOM) {
		size_t cap = b->cap * 2 + 4 * MSG_ROOM;
		char *buf = realloc(b->buf, cap);
		if (!buf)
			return !(b->oom = true);
		b->buf = buf;
		b->cap = cap;
	}
	size_t n = b->seq - b->first + 1;
	if (n > b->ntags) {
		int *tags = realloc(b->tags, (2 * n + 16) * sizeof *tags);
		if (!tags)
			return !(b->oom = true);
		b->tags = tags;
		b->ntags = 2 * n + 16;
	}
	return true;
}

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->tags);
}

static void batch_init(struct batch *b)
{
	*b = (struct batch){ .first = 1, .seq = 1 };
	if (!batch_room(b))
		return;
	struct nlmsghdr *h = nl.batch_begin(b->buf, b->seq);
	b->tags[0] = -1;
	b->seq++;
	b->len = NLMSG_ALIGN(h->nlmsg_len);
}

/* A message header of type (NFT_MSG_*) for the inet family; NULL when out of
 * memory.  The caller builds the payload and calls batch_put. */
static struct nlmsghdr *batch_msg(struct batch *b, uint16_t type, uint16_t flags, int tag)
{
	if (!batch_room(b))
		return NULL;
	b->tags[b->seq - b->first] = tag;
	return nl.nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET, flags, b->seq);
}

static void batch_put(struct batch *b, struct nlmsghdr *h)
{
	b->last = b->len;
	b->len += NLMSG_ALIGN(h->nlmsg_len);
	b->seq++;
}

static int nl_open(struct hull_err *e)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return hull_syserr(e, errno, "nftables: netlink socket");
	int one = 1;
	/* Errors echo only the failing message's header. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;
		close(fd);
		return hull_syserr(e, err, "nftables: netlink bind");
	}
	return fd;
}

/* End b, send it on fd and read the outcome: 0, or the first failing
 * message's -errno with *tag its tag (-1 for the batch as a whole).  Other
 * failures (the socket's own) fill e and set *tag to -2. */
static int batch_send(int fd, struct batch *b, int *tag, struct hull_err *e)
{
	*tag = -2;
	if (b->oom || !batch_room(b))
		return hull_errf(e, ENOMEM, "nftables: out of memory");
	if (b->seq == b->first + 1)
		return 0; /* nothing in it */
	struct nlmsghdr *last = (struct nlmsghdr *)(b->buf + b->last);
	last->nlmsg_flags |= NLM_F_ACK;
	uint32_t last_seq = last->nlmsg_seq;
	struct nlmsghdr *end = nl.batch_end(b->buf + b->len, b->seq);
	b->len += NLMSG_ALIGN(end->nlmsg_len);

	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&to, sizeof to);
	if (n < 0)
		return hull_syserr(e, errno, "nftables: netlink send");
	if ((size_t)n != b->len)
		return hull_errf(e, EIO, "nftables: netlink send: short write");

	int first_err = 0;
	for (;;) {
		char rbuf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
		/* After the first error the rest is queued already: do not wait. */
		n = recv(fd, rbuf, sizeof rbuf, first_err ? MSG_DONTWAIT : 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (first_err && (errno == EAGAIN || errno == ENOBUFS))
				return first_err;
			if (errno == EAGAIN)
				return hull_errf(e, ETIMEDOUT, "nftables: no answer from the kernel");
			return hull_syserr(e, errno, "nftables: netlink receive");
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return hull_errf(e, EIO, "nftables: truncated netlink answer");
			const struct nlmsgerr *err = NLMSG_DATA(h);
			uint32_t seq = err->msg.nlmsg_seq;
			if (err->error < 0 && !first_err) {
				first_err = err->error;
				*tag = seq > b->first && seq < b->seq ? b->tags[seq - b->first] : -1;
			}
			if (seq == last_seq || seq == b->first)
				return first_err;
		}
	}
}

/* One batch on a socket of its own. */
static int batch_run(struct batch *b, int *tag, struct hull_err *e)
{
	int fd = nl_open(e);
	if (fd < 0) {
		*tag = -2;
		return fd;
	}
	int r = batch_send(fd, b, tag, e);
	close(fd);
	return r;
}

/* ---- the table ------------------------------------------------------------------ */

/* nft's datatype ids (nftables' src/datatype.h; a concatenation is its
 * parts' ids, 6 bits each, the first one highest) and its set userdata
 * (libnftnl/udata.h's NFTNL_UDATA_SET_*BYTEORDER: what nft list needs to
 * print the keys as addresses and names). */
enum { T_IPV4 = 7, T_IPV6 = 8, T_PROTO = 12, T_SERVICE = 13, T_IFNAME = 41 };
#define CONCAT2(a, b) (((a) << 6) | (b))
#define CONCAT3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))
enum { ORDER_NONE = 0, ORDER_HOST = 1, ORDER_BIG = 2 };

struct set_def {
	const char *name;
	uint32_t id, flags, key_type, key_len, data_type, data_len, key_order;
};

enum { S_BRIDGES, S_INTERNAL, S_NETS4, S_MASQ4, S_NETS6, S_MASQ6, S_PORTS4, S_PORTS4H, S_PORTS6, S_PORTS6H, S_N };

static const struct set_def sets[S_N] = {
	[S_BRIDGES] = { "bridges", 1, 0, T_IFNAME, IFNAMSIZ, 0, 0, ORDER_HOST },
	[S_INTERNAL] = { "internal", 2, 0, T_IFNAME, IFNAMSIZ, 0, 0, ORDER_HOST },
	[S_NETS4] = { "nets4", 3, NFT_SET_INTERVAL, T_IPV4, 4, 0, 0, ORDER_BIG },
	[S_MASQ4] = { "masq4", 4, NFT_SET_INTERVAL, T_IPV4, 4, 0, 0, ORDER_BIG },
	[S_NETS6] = { "nets6", 5, NFT_SET_INTERVAL, T_IPV6, 16, 0, 0, ORDER_BIG },
	[S_MASQ6] = { "masq6", 6, NFT_SET_INTERVAL, T_IPV6, 16, 0, 0, ORDER_BIG },
	[S_PORTS4] = { "ports4", 7, NFT_SET_MAP, CONCAT2(T_PROTO, T_SERVICE), 8, CONCAT2(T_IPV4, T_SERVICE), 8,
		       ORDER_NONE },
	[S_PORTS4H] = { "ports4h", 8, NFT_SET_MAP, CONCAT3(T_IPV4, T_PROTO, T_SERVICE), 12,
			CONCAT2(T_IPV4, T_SERVICE), 8, ORDER_NONE },
	[S_PORTS6] = { "ports6", 9, NFT_SET_MAP, CONCAT2(T_PROTO, T_SERVICE), 8, CONCAT2(T_IPV6, T_SERVICE), 20,
		       ORDER_NONE },
	[S_PORTS6H] = { "ports6h", 10, NFT_SET_MAP, CONCAT3(T_IPV6, T_PROTO, T_SERVICE), 24,
			CONCAT2(T_IPV6, T_SERVICE), 20, ORDER_NONE },
};

/* Expressions of one rule; an allocation failure sets oom. */
struct rule {
	struct nftnl_rule *r;
	bool oom;
};

static struct nftnl_expr *expr(struct rule *r, const char *name)
{
	struct nftnl_expr *x = r->r ? nl.expr_alloc(name) : NULL;
	if (!x)
		r->oom = true;
	return x;
}

static void add(struct rule *r, struct nftnl_expr *x)
{
	if (x)
		nl.rule_add_expr(r->r, x);
}

static void x_meta(struct rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *x = expr(r, "meta");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_META_KEY, key);
		nl.expr_set_u32(x, NFTNL_EXPR_META_DREG, dreg);
	}
	add(r, x);
}

static void x_cmp(struct rule *r, uint32_t sreg, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *x = expr(r, "cmp");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_CMP_SREG, sreg);
		nl.expr_set_u32(x, NFTNL_EXPR_CMP_OP, op);
		nl.expr_set(x, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add(r, x);
}

static void x_payload(struct rule *r, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *x = expr(r, "payload");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, base);
		nl.expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nl.expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, len);
		nl.expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	}
	add(r, x);
}

/* A lookup in set s; dreg 0: a plain match (inverted when inv). */
static void x_lookup(struct rule *r, uint32_t sreg, int s, uint32_t dreg, bool inv)
{
	struct nftnl_expr *x = expr(r, "lookup");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, sreg);
		if (dreg)
			nl.expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, dreg);
		nl.expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, sets[s].name);
		nl.expr_set_u32(x, NFTNL_EXPR_LOOKUP_SET_ID, sets[s].id);
		if (inv)
			nl.expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	}
	add(r, x);
}

/* meta nfproto ipv4/ipv6 */
static void x_nfproto(struct rule *r, uint8_t family)
{
	x_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &family, 1);
}

/* ct status dnat */
static void x_ct_dnat(struct rule *r)
{
	struct nftnl_expr *x = expr(r, "ct");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
		nl.expr_set_u32(x, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	add(r, x);
	uint32_t mask = IPS_DST_NAT, zero = 0;
	if ((x = expr(r, "bitwise"))) {
		nl.expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nl.expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nl.expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, sizeof mask);
		nl.expr_set(x, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
		nl.expr_set(x, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
	}
	add(r, x);
	x_cmp(r, NFT_REG_1, NFT_CMP_NEQ, &zero, sizeof zero);
}

static void x_simple(struct rule *r, const char *name)
{
	add(r, expr(r, name));
}

static void x_verdict(struct rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *x = expr(r, "immediate");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nl.expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
		if (chain)
			nl.expr_set_str(x, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	add(r, x);
}

/* fib daddr type local jump ports */
static void rule_to_ports(struct rule *r, int kind)
{
	(void)kind;
	struct nftnl_expr *x = expr(r, "fib");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nl.expr_set_u32(x, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nl.expr_set_u32(x, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	}
	add(r, x);
	uint32_t local = RTN_LOCAL;
	x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &local, sizeof local);
	x_verdict(r, NFT_JUMP, "ports");
}

/* meta nfproto ipvX dnat ipX to [ipX daddr .] meta l4proto . th dport map @s
 * (registers as nft places them: each part of a concatenation in the next
 * 32-bit register after the one before, NFT_REG32_00 being NFT_REG_1's first). */
static void rule_dnat(struct rule *r, int v6, bool host)
{
	uint32_t alen = v6 ? 16 : 4;
	x_nfproto(r, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	uint32_t reg = NFT_REG32_00;
	if (host) {
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, alen, NFT_REG_1);
		reg += alen / 4;
	}
	x_meta(r, NFT_META_L4PROTO, reg == NFT_REG32_00 ? NFT_REG_1 : reg == NFT_REG32_04 ? NFT_REG_2 : reg);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + 1);
	x_lookup(r, NFT_REG_1, v6 ? (host ? S_PORTS6H : S_PORTS6) : (host ? S_PORTS4H : S_PORTS4), NFT_REG_1, false);
	struct nftnl_expr *x = expr(r, "nat");
	if (x) {
		nl.expr_set_u32(x, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nl.expr_set_u32(x, NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		nl.expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		nl.expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MIN, v6 ? NFT_REG_2 : NFT_REG32_01);
	}
	add(r, x);
}

/* The source address of IPv4/IPv6 into NFT_REG_1 (after meta nfproto). */
static void x_saddr(struct rule *r, int v6)
{
	x_nfproto(r, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4, NFT_REG_1);
}

static void x_ifname_in(struct rule *r, uint32_t key, int s, bool inv)
{
	x_meta(r, key, NFT_REG_1);
	x_lookup(r, NFT_REG_1, s, 0, inv);
}

/* The postrouting rules, kind 0..2 for IPv4, 3..5 for IPv6. */
static void rule_postrouting(struct rule *r, int kind)
{
	int v6 = kind >= 3;
	switch (kind % 3) {
	case 0: /* ip saddr 127.0.0.0/8 / ip6 saddr ::1, ct status dnat, oifname @bridges */
		x_nfproto(r, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
		if (v6) {
			struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
			x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
			x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &lo, sizeof lo);
		} else {
			uint8_t net = 127;
			x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 1, NFT_REG_1);
			x_cmp(r, NFT_REG_1, NFT_CMP_EQ, &net, 1);
		}
		x_ct_dnat(r);
		x_ifname_in(r, NFT_META_OIFNAME, S_BRIDGES, false);
		break;
	case 1: /* ip saddr @nets4 ct status dnat oifname @bridges */
		x_saddr(r, v6);
		x_lookup(r, NFT_REG_1, v6 ? S_NETS6 : S_NETS4, 0, false);
		x_ct_dnat(r);
		x_ifname_in(r, NFT_META_OIFNAME, S_BRIDGES, false);
		break;
	default: /* ip saddr @masq4 oifname != @bridges */
		x_saddr(r, v6);
		x_lookup(r, NFT_REG_1, v6 ? S_MASQ6 : S_MASQ4, 0, false);
		x_ifname_in(r, NFT_META_OIFNAME, S_BRIDGES, true);
		break;
	}
	x_simple(r, "masq");
}

static void rule_forward(struct rule *r, int kind)
{
	x_ifname_in(r, kind ? NFT_META_OIFNAME : NFT_META_IIFNAME, S_INTERNAL, false);
	x_ifname_in(r, kind ? NFT_META_IIFNAME : NFT_META_OIFNAME, S_INTERNAL, true);
	x_verdict(r, NF_DROP, NULL);
}

static void put_table(struct batch *b, uint16_t type, uint16_t flags, int tag)
{
	struct nftnl_table *t = nl.table_alloc();
	struct nlmsghdr *h = t ? batch_msg(b, type, flags, tag) : NULL;
	if (h && nl.table_set_str(t, NFTNL_TABLE_NAME, TABLE) == 0) {
		nl.table_nlmsg_build_payload(h, t);
		batch_put(b, h);
	} else {
		b->oom = true;
	}
	if (t)
		nl.table_free(t);
}

static void put_chain(struct batch *b, const char *name, const char *type, int hook, int prio)
{
	struct nftnl_chain *c = nl.chain_alloc();
	struct nlmsghdr *h = c ? batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, -1) : NULL;
	if (h && nl.chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE) == 0 && nl.chain_set_str(c, NFTNL_CHAIN_NAME, name) == 0 &&
	    (!type || nl.chain_set_str(c, NFTNL_CHAIN_TYPE, type) == 0)) {
		if (type) {
			nl.chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
			nl.chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		}
		nl.chain_nlmsg_build_payload(h, c);
		batch_put(b, h);
	} else {
		b->oom = true;
	}
	if (c)
		nl.chain_free(c);
}

static void put_set(struct batch *b, const struct set_def *d)
{
	struct nftnl_set *s = nl.set_alloc();
	struct nlmsghdr *h = s ? batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, -1) : NULL;
	/* udata: the key's (and a map's data's) byte order, TLVs of a u8 type,
	 * a u8 length and a host-order u32 (NFTNL_UDATA_SET_KEYBYTEORDER 0,
	 * NFTNL_UDATA_SET_DATABYTEORDER 1). */
	uint8_t ud[12] = { 0, 4 };
	memcpy(ud + 2, &d->key_order, 4);
	size_t udlen = 6;
	if (d->data_len) {
		uint32_t none = ORDER_NONE;
		ud[6] = 1;
		ud[7] = 4;
		memcpy(ud + 8, &none, 4);
		udlen = 12;
	}
	if (h && nl.set_set_str(s, NFTNL_SET_TABLE, TABLE) == 0 && nl.set_set_str(s, NFTNL_SET_NAME, d->name) == 0 &&
	    nl.set_set_data(s, NFTNL_SET_USERDATA, ud, (uint32_t)udlen) == 0) {
		nl.set_set_u32(s, NFTNL_SET_ID, d->id);
		nl.set_set_u32(s, NFTNL_SET_FLAGS, d->flags);
		nl.set_set_u32(s, NFTNL_SET_KEY_TYPE, d->key_type);
		nl.set_set_u32(s, NFTNL_SET_KEY_LEN, d->key_len);
		if (d->data_len) {
			nl.set_set_u32(s, NFTNL_SET_DATA_TYPE, d->data_type);
			nl.set_set_u32(s, NFTNL_SET_DATA_LEN, d->data_len);
		}
		nl.set_nlmsg_build_payload(h, s);
		batch_put(b, h);
	} else {
		b->oom = true;
	}
	if (s)
		nl.set_free(s);
}

typedef void rule_fn(struct rule *r, int kind);

static void put_rule(struct batch *b, const char *chain, rule_fn *fn, int kind)
{
	struct rule r = { .r = nl.rule_alloc() };
	struct nlmsghdr *h = r.r ? batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, -1) : NULL;
	if (h && nl.rule_set_str(r.r, NFTNL_RULE_TABLE, TABLE) == 0 && nl.rule_set_str(r.r, NFTNL_RULE_CHAIN, chain) == 0) {
		fn(&r, kind);
		if (!r.oom) {
			nl.rule_nlmsg_build_payload(h, r.r);
			batch_put(b, h);
		}
	} else {
		r.oom = true;
	}
	if (r.oom)
		b->oom = true;
	if (r.r)
		nl.rule_free(r.r);
}

static void rule_ports(struct rule *r, int kind)
{
	/* host-ip keys first: they are the more specific */
	rule_dnat(r, kind >= 2, kind % 2 == 0);
}

int nft_setup(struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	struct batch b;
	batch_init(&b);
	put_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, 1);
	for (int i = 0; i < S_N; i++)
		put_set(&b, &sets[i]);
	put_chain(&b, "ports", NULL, 0, 0);
	put_chain(&b, "prerouting", "nat", NF_INET_PRE_ROUTING, -100);
	put_chain(&b, "output", "nat", NF_INET_LOCAL_OUT, -100);
	put_chain(&b, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
	put_chain(&b, "forward", "filter", NF_INET_FORWARD, 0);
	for (int k = 0; k < 4; k++)
		put_rule(&b, "ports", rule_ports, k);
	put_rule(&b, "prerouting", rule_to_ports, 0);
	put_rule(&b, "output", rule_to_ports, 0);
	for (int k = 0; k < 6; k++)
		put_rule(&b, "postrouting", rule_postrouting, k);
	for (int k = 0; k < 2; k++)
		put_rule(&b, "forward", rule_forward, k);
	int tag;
	r = batch_run(&b, &tag, e);
	batch_free(&b);
	if (r == -EEXIST && tag == 1)
		return 0; /* there already: the batch did nothing */
	if (r < 0 && tag != -2)
		return hull_syserr(e, -r, "nftables: making table inet " TABLE);
	return r;
}

int nft_teardown(struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	struct batch b;
	batch_init(&b);
	put_table(&b, NFT_MSG_DELTABLE, 0, 1);
	int tag;
	r = batch_run(&b, &tag, e);
	batch_free(&b);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && tag != -2)
		return hull_syserr(e, -r, "nftables: removing table inet " TABLE);
	return r;
}

/* ---- elements ------------------------------------------------------------------- */

/* One element: its key (and a map's data), NFT_SET_ELEM_INTERVAL_END or 0. */
struct elem {
	int set;
	uint8_t key[24], data[20];
	uint32_t flags;
	int tag; /* the caller's: a port's index */
};

/* One message of type adding or deleting els[0..n) (all of one set). */
static void put_elems(struct batch *b, uint16_t type, uint16_t flags, const struct elem *els, size_t n)
{
	const struct set_def *d = &sets[els[0].set];
	struct nftnl_set *s = nl.set_alloc();
	struct nlmsghdr *h = s ? batch_msg(b, type, flags, els[0].tag) : NULL;
	if (!h || nl.set_set_str(s, NFTNL_SET_TABLE, TABLE) != 0 || nl.set_set_str(s, NFTNL_SET_NAME, d->name) != 0)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *x = nl.set_elem_alloc();
		if (!x)
			goto oom;
		nl.set_elem_add(s, x);
		if (nl.set_elem_set(x, NFTNL_SET_ELEM_KEY, els[i].key, d->key_len) < 0 ||
		    (d->data_len && type == NFT_MSG_NEWSETELEM && nl.set_elem_set(x, NFTNL_SET_ELEM_DATA, els[i].data, d->data_len) < 0))
			goto oom;
		if (els[i].flags)
			nl.set_elem_set_u32(x, NFTNL_SET_ELEM_FLAGS, els[i].flags);
	}
	nl.set_elems_nlmsg_build_payload(h, s);
	batch_put(b, h);
	nl.set_free(s);
	return;
oom:
	b->oom = true;
	if (s)
		nl.set_free(s);
}

/* Delete els[0..n): in one batch, or when something is missing (the kernel
 * then refuses the whole batch with ENOENT) each in a batch of its own,
 * ENOENT ignored; no table: 0. */
static int del_elems(const struct elem *els, size_t n, const char *what, struct hull_err *e)
{
	int tag, r = 0;
	struct batch b;
	batch_init(&b);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && els[j].set == els[i].set)
			j++;
		put_elems(&b, NFT_MSG_DELSETELEM, 0, els + i, j - i);
		i = j;
	}
	r = batch_run(&b, &tag, e);
	batch_free(&b);
	for (size_t i = 0; r == -ENOENT && i < n; i++) {
		batch_init(&b);
		put_elems(&b, NFT_MSG_DELSETELEM, 0, els + i, 1);
		r = batch_run(&b, &tag, e);
		batch_free(&b);
		if (r == 0 && i + 1 < n)
			r = -ENOENT; /* go on */
	}
	if (r == -ENOENT)
		return 0;
	if (r < 0 && tag != -2)
		return hull_syserr(e, -r, "nftables: removing %s", what);
	return r;
}

/* A prefix's first address and the one after its last (*has_end false when
 * it runs to the end of the address space). */
static int parse_subnet(const char *s, int af, uint8_t *start, uint8_t *end, bool *has_end)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t alen = af == AF_INET6 ? 16 : 4;
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	unsigned long plen = alen * 8;
	if (slash) {
		*slash = 0;
		char *endp;
		errno = 0;
		plen = strtoul(slash + 1, &endp, 10);
		if (!slash[1] || *endp || errno || plen > alen * 8)
			return -EINVAL;
	}
	if (inet_pton(af, buf, start) != 1)
		return -EINVAL;
	for (size_t i = 0; i < alen; i++) {
		unsigned bits = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? (unsigned)(plen - i * 8) : 0;
		uint8_t mask = (uint8_t)(0xff00 >> bits);
		start[i] &= mask;
		end[i] = start[i] | (uint8_t)~mask;
	}
	/* end + 1 */
	*has_end = false;
	for (size_t i = alen; i-- > 0;) {
		if (++end[i] != 0) {
			*has_end = true;
			break;
		}
	}
	return 0;
}

/* n's elements into els (room for 10); their count or -EINVAL.  A subnet
 * is an interval: its first address, and the address after its last with
 * NFT_SET_ELEM_INTERVAL_END (none for a /0).  nft(8) also puts an
 * interval-end element at address 0 into an interval set; the kernel needs
 * none, and nft lists the sets the same without it. */
static int net_elems(const struct nft_net *n, struct elem *els, struct hull_err *e)
{
	int k = 0;
	if (!n->bridge || !*n->bridge || strlen(n->bridge) >= IFNAMSIZ)
		return hull_errf(e, EINVAL, "nftables: bad bridge name \"%s\"", n->bridge ? n->bridge : "");
	memset(els, 0, 10 * sizeof *els);
	els[k].set = S_BRIDGES;
	memcpy(els[k++].key, n->bridge, strlen(n->bridge));
	if (n->internal) {
		els[k].set = S_INTERNAL;
		memcpy(els[k++].key, n->bridge, strlen(n->bridge));
	}
	for (int v6 = 0; v6 < 2; v6++) {
		const char *sub = v6 ? n->subnet6 : n->subnet4;
		if (!sub)
			continue;
		uint8_t start[16], end[16];
		bool has_end;
		if (parse_subnet(sub, v6 ? AF_INET6 : AF_INET, start, end, &has_end) < 0)
			return hull_errf(e, EINVAL, "nftables: bad IPv%d subnet \"%s\"", v6 ? 6 : 4, sub);
		for (int m = 0; m < (n->internal ? 1 : 2); m++) {
			int set = v6 ? (m ? S_MASQ6 : S_NETS6) : (m ? S_MASQ4 : S_NETS4);
			els[k].set = set;
			memcpy(els[k++].key, start, v6 ? 16 : 4);
			if (has_end) {
				els[k].set = set;
				els[k].flags = NFT_SET_ELEM_INTERVAL_END;
				memcpy(els[k++].key, end, v6 ? 16 : 4);
			}
		}
	}
	return k;
}

/* Add els[0..k) in one batch (each in a message of its own when one_each,
 * else a run of one set's per message), with flags; a table that is not
 * there is made and the batch sent once more.  0 or -errno, *tag as
 * batch_run's. */
static int add_elems(const struct elem *els, size_t k, uint16_t flags, bool one_each, int *tag, struct hull_err *e)
{
	for (int attempt = 0;; attempt++) {
		struct batch b;
		batch_init(&b);
		for (size_t i = 0; i < k;) {
			size_t j = i + 1;
			while (!one_each && j < k && els[j].set == els[i].set)
				j++;
			put_elems(&b, NFT_MSG_NEWSETELEM, flags, els + i, j - i);
			i = j;
		}
		int r = batch_run(&b, tag, e);
		batch_free(&b);
		if (r == -ENOENT && attempt == 0) {
			if ((r = nft_setup(e)) < 0) {
				*tag = -2;
				return r;
			}
			continue;
		}
		return r;
	}
}

int nft_network_add(const struct nft_net *n, struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	struct elem els[10];
	int k = net_elems(n, els, e);
	if (k < 0)
		return k;
	int tag;
	r = add_elems(els, (size_t)k, NLM_F_CREATE, false, &tag, e);
	if (r < 0 && tag != -2)
		return hull_syserr(e, -r, "nftables: adding network %s", n->bridge);
	return r;
}

int nft_network_del(const struct nft_net *n, struct hull_err *e)
{
	int r = load(e);
	if (r < 0)
		return r;
	struct elem els[10];
	int k = net_elems(n, els, e);
	if (k < 0)
		return k;
	char what[64];
	snprintf(what, sizeof what, "network %s", n->bridge);
	return del_elems(els, (size_t)k, what, e);
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" : "ip";
}

/* "tcp port 8080", "udp port 127.0.0.1:53", "tcp port [::1]:80" */
static void port_name(const struct nft_port *p, char *buf, size_t cap)
{
	if (p->host_ip)
		snprintf(buf, cap, "%s port %s%s%s:%u", proto_name(p->proto), p->family == 6 ? "[" : "", p->host_ip,
			 p->family == 6 ? "]" : "", p->host_port);
	else
		snprintf(buf, cap, "%s port %u%s", proto_name(p->proto), p->host_port, p->family == 6 ? " (IPv6)" : "");
}

/* p's map element: [host ip .] proto . port : ctr ip . ctr port, each part
 * in 32-bit words (nft's concatenation layout), numbers in network order. */
static int port_elem(const struct nft_port *p, int tag, struct elem *x, struct hull_err *e)
{
	char name[96];
	int v6 = p->family == 6;
	size_t alen = v6 ? 16 : 4;
	if (p->family != 4 && p->family != 6)
		return hull_errf(e, EINVAL, "nftables: bad address family %d", p->family);
	memset(x, 0, sizeof *x);
	x->tag = tag;
	x->set = v6 ? (p->host_ip ? S_PORTS6H : S_PORTS6) : (p->host_ip ? S_PORTS4H : S_PORTS4);
	uint8_t *k = x->key;
	if (p->host_ip) {
		if (inet_pton(v6 ? AF_INET6 : AF_INET, p->host_ip, k) != 1) {
			port_name(p, name, sizeof name);
			return hull_errf(e, EINVAL, "nftables: %s: bad IPv%d address \"%s\"", name, p->family, p->host_ip);
		}
		k += alen;
	}
	k[0] = p->proto;
	uint16_t port = htons(p->host_port);
	memcpy(k + 4, &port, 2);
	if (!p->ctr_ip || inet_pton(v6 ? AF_INET6 : AF_INET, p->ctr_ip, x->data) != 1) {
		port_name(p, name, sizeof name);
		return hull_errf(e, EINVAL, "nftables: %s: bad container IPv%d address \"%s\"", name, p->family,
				 p->ctr_ip ? p->ctr_ip : "");
	}
	port = htons(p->ctr_port);
	memcpy(x->data + alen, &port, 2);
	return 0;
}

int nft_ports_add(const struct nft_port *p, size_t n, struct hull_err *e)
{
	int r = load(e);
	if (r < 0 || n == 0)
		return r;
	struct elem *els = calloc(n, sizeof *els);
	if (!els)
		return hull_errf(e, ENOMEM, "nftables: out of memory");
	for (size_t i = 0; i < n; i++)
		if ((r = port_elem(&p[i], (int)i, &els[i], e)) < 0)
			goto out;
	int tag;
	r = add_elems(els, n, NLM_F_CREATE | NLM_F_EXCL, true, &tag, e);
	if (r == -EEXIST && tag >= 0 && (size_t)tag < n) {
		char name[96];
		port_name(&p[tag], name, sizeof name);
		r = hull_errf(e, EEXIST, "%s is already published", name);
	} else if (r < 0 && tag != -2) {
		r = hull_syserr(e, -r, "nftables: publishing ports");
	}
out:
	free(els);
	return r;
}

int nft_ports_del(const struct nft_port *p, size_t n, struct hull_err *e)
{
	int r = load(e);
	if (r < 0 || n == 0)
		return r;
	struct elem *els = calloc(n, sizeof *els);
	if (!els)
		return hull_errf(e, ENOMEM, "nftables: out of memory");
	for (size_t i = 0; i < n; i++)
		if ((r = port_elem(&p[i], (int)i, &els[i], e)) < 0)
			goto out;
	/* Keep each set's elements together: del_elems puts a run of one set
	 * into one message. */
	r = del_elems(els, n, "published ports", e);
out:
	free(els);
	return r;
}
