/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cgroups/devices_bpf.c.
 *
 * 1. Without the kernel: programs are built for rule lists and run by a
 *    small eBPF interpreter (the subset devices_bpf_build emits), which also
 *    checks what the verifier would (forward jumps in range, every
 *    instruction reachable, no read of an unset register, the program never
 *    runs off its end).  Their verdicts are compared with the documented
 *    semantics (a straightforward model: per access bit, the last matching
 *    rule decides) on fixed cases and on random lists, and with a model of
 *    the v1 devices cgroup's exception list where the two agree.
 * 2. With the kernel: a cgroup of the test's own below the cgroup2 mount, a
 *    program attached, a child moved in that tries the devices; then an
 *    update of the rules. */
#include "cgroups/devices_bpf.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define R DEV_R
#define W DEV_W
#define M DEV_M
#define RWM (DEV_R | DEV_W | DEV_M)

#define ALLOW(t, ma, mi, acc) { .allow = true, .type = (t), .major = (ma), .minor = (mi), .access = (acc) }
#define DENY(t, ma, mi, acc)  { .allow = false, .type = (t), .major = (ma), .minor = (mi), .access = (acc) }
#define DENY_ALL  DENY('a', -1, -1, RWM)
#define ALLOW_ALL ALLOW('a', -1, -1, RWM)
#define N(a) (sizeof (a) / sizeof *(a))

/* hull's default list, as cgroups.c gives it (after the OCI list). */
static const struct dev_rule hull_defaults[] = {
	DENY_ALL,
	ALLOW('c', -1, -1, M), ALLOW('b', -1, -1, M),
	ALLOW('c', 1, 3, RWM), ALLOW('c', 1, 5, RWM), ALLOW('c', 1, 7, RWM), ALLOW('c', 1, 8, RWM),
	ALLOW('c', 1, 9, RWM), ALLOW('c', 5, 0, RWM), ALLOW('c', 5, 1, RWM), ALLOW('c', 5, 2, RWM),
	ALLOW('c', 136, -1, RWM),
};

static void skip(const char *reason)
{
	unit_count++;
	printf("ok %d - # SKIP %s\n", unit_count, reason);
	fflush(stdout);
}

/* ---- the interpreter ---- */

static unsigned kacc(unsigned dev)
{
	return (dev & R ? BPF_DEVCG_ACC_READ : 0) | (dev & W ? BPF_DEVCG_ACC_WRITE : 0) |
	       (dev & M ? BPF_DEVCG_ACC_MKNOD : 0);
}

/* What the verifier checks of the control flow: jumps forward and inside the
 * program, every instruction reachable, no path running off the end.  0 or
 * the index of the first offending instruction + 1. */
static int cfg_check(const struct bpf_insn *p, int n)
{
	char reach[DEVICES_BPF_MAX_INSNS + 1] = { 0 };
	if (n <= 0 || n > DEVICES_BPF_MAX_INSNS)
		return -1;
	reach[0] = 1;
	for (int i = 0; i < n; i++) {
		if (!reach[i])
			return i + 1;
		uint8_t c = p[i].code;
		if (BPF_CLASS(c) == BPF_JMP && BPF_OP(c) == BPF_EXIT)
			continue;
		if (BPF_CLASS(c) == BPF_JMP) {
			int t = i + 1 + p[i].off;
			if (p[i].off < 0 || t >= n)
				return i + 1;
			reach[t] = 1;
			if (BPF_OP(c) == BPF_JA)
				continue;
		}
		if (i + 1 >= n)
			return i + 1;        /* falls off the end */
		reach[i + 1] = 1;
	}
	return 0;
}

/* Run p on the request; 1 allow, 0 deny, -1 an instruction outside the
 * subset or an invalid program. */
static int run(const struct bpf_insn *p, int n, unsigned ctx_type, uint32_t major, uint32_t minor,
	       unsigned kaccess)
{
	struct bpf_cgroup_dev_ctx ctx = { .access_type = kaccess << 16 | ctx_type, .major = major,
					  .minor = minor };
	uint64_t reg[11] = { 0 };
	bool set[11] = { false }, is_ctx[11] = { false };
	set[1] = is_ctx[1] = true;
	for (int pc = 0, steps = 0; pc >= 0 && pc < n && steps < 100000; pc++, steps++) {
		const struct bpf_insn *in = &p[pc];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code), d = in->dst_reg, s = in->src_reg;
		if (d > 10 || s > 10)
			return -1;
		bool x = BPF_SRC(in->code) == BPF_X;
		if ((cls == BPF_ALU || cls == BPF_ALU64 || (cls == BPF_JMP && op != BPF_JA && op != BPF_EXIT)) &&
		    (((!set[d] || is_ctx[d]) && op != BPF_MOV) || (x && (!set[s] || is_ctx[s]))))
			return -1;
		uint64_t src = x ? reg[s] : (uint64_t)(int64_t)in->imm;
		switch (cls) {
		case BPF_LDX: {
			if (in->code != (BPF_LDX | BPF_MEM | BPF_W) || !is_ctx[s] || in->off < 0 ||
			    in->off % 4 || in->off + 4 > (int)sizeof ctx || d == 10)
				return -1;
			uint32_t v;
			memcpy(&v, (char *)&ctx + in->off, 4);
			reg[d] = v;
			set[d] = true;
			is_ctx[d] = false;
			break;
		}
		case BPF_ALU:
		case BPF_ALU64: {
			uint64_t v = reg[d];
			if (cls == BPF_ALU)
				src = (uint32_t)src;
			switch (op) {
			case BPF_MOV: v = src; break;
			case BPF_AND: v &= src; break;
			case BPF_OR:  v |= src; break;
			case BPF_RSH: if (src >= (cls == BPF_ALU ? 32u : 64u)) return -1; v >>= src; break;
			default: return -1;
			}
			reg[d] = cls == BPF_ALU ? (uint32_t)v : v;
			set[d] = true;
			break;
		}
		case BPF_JMP: {
			bool jump;
			switch (op) {
			case BPF_EXIT: return set[0] && !is_ctx[0] && reg[0] <= 1 ? (int)reg[0] : -1;
			case BPF_JA:   jump = true; break;
			case BPF_JEQ:  jump = reg[d] == src; break;
			case BPF_JNE:  jump = reg[d] != src; break;
			case BPF_JSET: jump = (reg[d] & src) != 0; break;
			default: return -1;
			}
			if (in->off < 0)
				return -1;
			if (jump)
				pc += in->off;
			break;
		}
		default:
			return -1;
		}
	}
	return -1;
}

struct built {
	struct bpf_insn insn[DEVICES_BPF_MAX_INSNS];
	int n;
};

static struct built *build(const struct dev_rule *rules, size_t n)
{
	static struct built b;
	b.n = devices_bpf_build(rules, n, b.insn, DEVICES_BPF_MAX_INSNS);
	return &b;
}

/* The program's verdict for (type, major:minor, DEV_* access). */
static int ask(const struct built *b, char type, uint32_t major, uint32_t minor, unsigned access)
{
	return run(b->insn, b->n, type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, major, minor,
		   kacc(access));
}

/* ---- the models ---- */

/* The documented semantics, literally: each bit by the last matching rule
 * that has it. */
static int model(const struct dev_rule *rules, size_t n, char type, uint32_t major, uint32_t minor,
		 unsigned access)
{
	if (!access)
		return 0;
	for (unsigned bit = 1; bit <= M; bit <<= 1) {
		if (!(access & bit))
			continue;
		bool granted = false;
		for (size_t i = n; i-- > 0;) {
			const struct dev_rule *r = &rules[i];
			if ((r->type == 'a' || r->type == type) && (r->major < 0 || r->major == major) &&
			    (r->minor < 0 || r->minor == minor) && (r->access & bit)) {
				granted = r->allow;
				break;
			}
		}
		if (!granted)
			return 0;
	}
	return 1;
}

/* The v1 devices cgroup (security/device_cgroup.c) fed the same rules the
 * way cgroups.c writes them: a default behaviour and an exception list;
 * "a" resets both; an allow (deny) rule adds an exception in deny (allow)
 * mode and removes access from the exception with the very same key in the
 * other mode. */
struct v1 {
	bool allow;
	size_t n;
	struct dev_rule ex[64];
};

static void v1_write(struct v1 *v, const struct dev_rule *r)
{
	if (r->type == 'a') {
		v->allow = r->allow;
		v->n = 0;
		return;
	}
	size_t i;
	for (i = 0; i < v->n; i++)
		if (v->ex[i].type == r->type && v->ex[i].major == r->major && v->ex[i].minor == r->minor)
			break;
	if (r->allow == v->allow) {          /* remove */
		if (i < v->n && !(v->ex[i].access &= ~r->access))
			v->ex[i] = v->ex[--v->n];
	} else if (i < v->n) {               /* add, merging */
		v->ex[i].access |= r->access;
	} else if (v->n < N(v->ex)) {
		v->ex[v->n++] = *r;
	}
}

static int v1_check(const struct dev_rule *rules, size_t n, char type, uint32_t major,
		    uint32_t minor, unsigned access)
{
	struct v1 v = { .allow = true };
	for (size_t i = 0; i < n; i++)
		v1_write(&v, &rules[i]);
	for (size_t i = 0; i < v.n; i++) {
		const struct dev_rule *e = &v.ex[i];
		if (e->type != type || (e->major >= 0 && e->major != major) ||
		    (e->minor >= 0 && e->minor != minor))
			continue;
		if (!v.allow && !(access & ~e->access))
			return 1;            /* match_exception */
		if (v.allow && (access & e->access))
			return 0;            /* match_exception_partial */
	}
	return v.allow;
}

/* ---- pure logic ---- */

static void test_access_parse(void)
{
	unsigned a = 99;
	UNIT_GROUP("devices_access_parse");
	CHECK_INT(devices_access_parse("rwm", &a), 0);
	CHECK_UINT(a, DEV_R | DEV_W | DEV_M);
	CHECK_INT(devices_access_parse("mr", &a), 0);
	CHECK_UINT(a, DEV_R | DEV_M);
	CHECK_INT(devices_access_parse("w", &a), 0);
	CHECK_UINT(a, DEV_W);
	CHECK_INT(devices_access_parse("rr", &a), 0);
	CHECK_UINT(a, DEV_R);
	CHECK_INT(devices_access_parse("", &a), 0);
	CHECK_UINT(a, 0);
	a = 99;
	CHECK_INT(devices_access_parse("rwx", &a), -EINVAL);
	CHECK_INT(devices_access_parse("R", &a), -EINVAL);
	CHECK_INT(devices_access_parse(" r", &a), -EINVAL);
	CHECK_INT(devices_access_parse("a", &a), -EINVAL);
	CHECK_INT(devices_access_parse(NULL, &a), -EINVAL);
	CHECK_UINT(a, 99);                       /* untouched on error */
}

static void test_build_errors(void)
{
	struct bpf_insn small[8];
	UNIT_GROUP("devices_bpf_build errors");
	struct dev_rule bad_type[] = { DENY_ALL, ALLOW('u', 1, 3, RWM) };
	CHECK_INT(build(bad_type, N(bad_type))->n, -EINVAL);
	struct dev_rule bad_acc[] = { ALLOW('c', 1, 3, 8) };
	CHECK_INT(build(bad_acc, 1)->n, -EINVAL);
	struct dev_rule bad_major[] = { ALLOW('c', -2, 3, R) };
	CHECK_INT(build(bad_major, 1)->n, -EINVAL);
	struct dev_rule big_minor[] = { ALLOW('c', 1, (int64_t)UINT32_MAX + 1, R) };
	CHECK_INT(build(big_minor, 1)->n, -EINVAL);
	struct dev_rule ok[] = { DENY_ALL, ALLOW('c', 1, 3, RWM), ALLOW('c', 1, 5, R) };
	CHECK_INT(devices_bpf_build(ok, N(ok), small, N(small)), -ENOSPC);
	CHECK_INT(devices_bpf_build(ok, N(ok), NULL, 0), -ENOSPC);
	CHECK(build(ok, N(ok))->n > 0);

	/* Over DEVICES_BPF_MAX_INSNS, whatever the room given. */
	static struct dev_rule many[1200];
	for (size_t i = 0; i < N(many); i++)
		many[i] = (struct dev_rule)ALLOW('c', 10, (int64_t)i, R);
	CHECK_INT(build(many, N(many))->n, -E2BIG);
	/* The same list ending in "allow a" is the allow-all program. */
	many[N(many) - 1] = (struct dev_rule)ALLOW_ALL;
	struct built *b = build(many, N(many));
	CHECK(b->n > 0 && b->n < 16);
	CHECK_INT(ask(b, 'b', 8, 0, RWM), 1);
}

/* The cases of the brief, and what the semantics comment promises. */
static void test_semantics(void)
{
	struct built *b;
	UNIT_GROUP("deny-all + allow c 1:3 rwm");
	struct dev_rule l1[] = { DENY_ALL, ALLOW('c', 1, 3, RWM) };
	b = build(l1, N(l1));
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R), 1);
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 1);
	CHECK_INT(ask(b, 'c', 1, 3, M), 1);
	CHECK_INT(ask(b, 'c', 1, 5, R), 0);
	CHECK_INT(ask(b, 'b', 1, 3, R), 0);
	CHECK_INT(ask(b, 'b', 8, 0, M), 0);
	CHECK_INT(ask(b, 'c', 3, 1, R), 0);

	UNIT_GROUP("allow-all + deny c 1:3 w");
	struct dev_rule l2[] = { ALLOW_ALL, DENY('c', 1, 3, W) };
	b = build(l2, N(l2));
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R), 1);
	CHECK_INT(ask(b, 'c', 1, 3, M), 1);
	CHECK_INT(ask(b, 'c', 1, 3, W), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 0);
	CHECK_INT(ask(b, 'c', 1, 5, R | W), 1);
	CHECK_INT(ask(b, 'b', 1, 3, W), 1);
	CHECK_INT(v1_check(l2, N(l2), 'c', 1, 3, R | W), 0);     /* as v1 */

	UNIT_GROUP("deny w after allow rwm");
	struct dev_rule l3[] = { DENY_ALL, ALLOW('c', 1, 3, RWM), DENY('c', 1, 3, W) };
	b = build(l3, N(l3));
	CHECK_INT(ask(b, 'c', 1, 3, R), 1);
	CHECK_INT(ask(b, 'c', 1, 3, W), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 0);
	CHECK_INT(v1_check(l3, N(l3), 'c', 1, 3, R | W), 0);
	CHECK_INT(v1_check(l3, N(l3), 'c', 1, 3, R), 1);
	/* ... and a later allow gives it back. */
	struct dev_rule l3b[] = { DENY_ALL, ALLOW('c', 1, 3, RWM), DENY('c', 1, 3, W), ALLOW('c', 1, 3, W) };
	b = build(l3b, N(l3b));
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 1);

	UNIT_GROUP("wildcards");
	struct dev_rule l4[] = { DENY_ALL, ALLOW('c', 136, -1, RWM), ALLOW('b', -1, 0, R), ALLOW('c', -1, -1, M) };
	b = build(l4, N(l4));
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 136, 0, R | W), 1);
	CHECK_INT(ask(b, 'c', 136, 99999, W), 1);
	CHECK_INT(ask(b, 'c', 137, 0, R), 0);
	CHECK_INT(ask(b, 'b', 8, 0, R), 1);
	CHECK_INT(ask(b, 'b', 259, 0, R), 1);
	CHECK_INT(ask(b, 'b', 8, 1, R), 0);
	CHECK_INT(ask(b, 'b', 8, 0, W), 0);
	CHECK_INT(ask(b, 'b', 8, 0, M), 0);
	CHECK_INT(ask(b, 'c', 10, 200, M), 1);
	CHECK_INT(ask(b, 'c', 10, 200, R), 0);
	/* Numbers past INT32_MAX (compared through a register). */
	struct dev_rule l4b[] = { DENY_ALL, ALLOW('c', 0xfffffffe, 0x80000000, R), ALLOW('b', 0x7fffffff, -1, W) };
	b = build(l4b, N(l4b));
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 0xfffffffe, 0x80000000, R), 1);
	CHECK_INT(ask(b, 'c', 0xfffffffe, 0x7fffffff, R), 0);
	CHECK_INT(ask(b, 'c', 0xffffffff, 0x80000000, R), 0);
	CHECK_INT(ask(b, 'b', 0x7fffffff, 0xffffffff, W), 1);

	UNIT_GROUP("type a");
	struct dev_rule l5[] = { DENY_ALL, ALLOW('a', 1, -1, R), DENY('a', -1, 7, R) };
	b = build(l5, N(l5));
	CHECK_INT(ask(b, 'c', 1, 3, R), 1);
	CHECK_INT(ask(b, 'b', 1, 3, R), 1);
	CHECK_INT(ask(b, 'b', 1, 7, R), 0);
	CHECK_INT(ask(b, 'c', 1, 3, W), 0);
	CHECK_INT(ask(b, 'c', 2, 3, R), 0);
	/* "allow a" / "deny a" in the middle reset everything before them. */
	struct dev_rule l6[] = { DENY_ALL, ALLOW('c', 1, 3, RWM), ALLOW_ALL, DENY('b', -1, -1, RWM) };
	b = build(l6, N(l6));
	CHECK_INT(ask(b, 'c', 4, 4, R | W), 1);
	CHECK_INT(ask(b, 'b', 8, 0, R), 0);
	struct dev_rule l7[] = { ALLOW_ALL, DENY('c', 1, 3, RWM), DENY_ALL, ALLOW('c', 1, 5, R) };
	b = build(l7, N(l7));
	CHECK_INT(ask(b, 'c', 1, 5, R), 1);
	CHECK_INT(ask(b, 'c', 1, 5, W), 0);
	CHECK_INT(ask(b, 'c', 4, 4, R), 0);
	/* Nothing at all, and only the default. */
	b = build(NULL, 0);
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R), 0);
	struct dev_rule l8[] = { ALLOW_ALL };
	b = build(l8, N(l8));
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 1, 3, RWM), 1);
	CHECK_INT(ask(b, 'b', 0xffffffff, 0, W), 1);

	UNIT_GROUP("access bits across rules");
	/* r from one rule and w from another: O_RDWR allowed (v1 refuses it,
	 * wanting one exception with both). */
	struct dev_rule l9[] = { DENY_ALL, ALLOW('c', 1, -1, R), ALLOW('c', 1, 3, W) };
	b = build(l9, N(l9));
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 1);
	CHECK_INT(ask(b, 'c', 1, 4, R | W), 0);
	CHECK_INT(v1_check(l9, N(l9), 'c', 1, 3, R | W), 0);
	/* A deny narrower than an earlier wildcard allow wins (v1, in deny
	 * mode, only edits the exception with the same key, so it does not). */
	struct dev_rule l10[] = { DENY_ALL, ALLOW('c', 1, -1, RWM), DENY('c', 1, 3, W) };
	b = build(l10, N(l10));
	CHECK_INT(ask(b, 'c', 1, 3, W), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R), 1);
	CHECK_INT(ask(b, 'c', 1, 4, W), 1);
	CHECK_INT(v1_check(l10, N(l10), 'c', 1, 3, W), 1);
	/* A deny of bits already granted by a later rule changes nothing. */
	struct dev_rule l11[] = { DENY_ALL, ALLOW('c', 1, 3, R), DENY('c', -1, -1, RWM), ALLOW('c', 1, 3, W) };
	b = build(l11, N(l11));
	CHECK_INT(ask(b, 'c', 1, 3, W), 1);
	CHECK_INT(ask(b, 'c', 1, 3, R), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 0);
	/* Access 0: the rule does nothing. */
	struct dev_rule l12[] = { DENY_ALL, ALLOW('c', 1, 3, R), DENY('c', 1, 3, 0) };
	b = build(l12, N(l12));
	CHECK_INT(ask(b, 'c', 1, 3, R), 1);
	/* Requests the kernel does not make: empty, or an unknown bit. */
	CHECK_INT(run(b->insn, b->n, BPF_DEVCG_DEV_CHAR, 1, 3, 0), 0);
	CHECK_INT(run(b->insn, b->n, BPF_DEVCG_DEV_CHAR, 1, 3, BPF_DEVCG_ACC_READ | 8), 0);
	b = build(l8, N(l8));
	CHECK_INT(run(b->insn, b->n, BPF_DEVCG_DEV_CHAR, 1, 3, 8), 0);
}

static void test_defaults(void)
{
	UNIT_GROUP("hull default list");
	struct built *b = build(hull_defaults, N(hull_defaults));
	printf("# default list (deny-all + %zu rules): %d instructions\n", N(hull_defaults) - 1, b->n);
	CHECK_INT(b->n, 53);
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	CHECK_INT(ask(b, 'c', 1, 3, R | W), 1);
	CHECK_INT(ask(b, 'c', 1, 9, R), 1);
	CHECK_INT(ask(b, 'c', 5, 2, R | W), 1);
	CHECK_INT(ask(b, 'c', 136, 4, R | W), 1);
	CHECK_INT(ask(b, 'c', 10, 200, M), 1);
	CHECK_INT(ask(b, 'c', 10, 200, R), 0);
	CHECK_INT(ask(b, 'b', 8, 0, M), 1);
	CHECK_INT(ask(b, 'b', 8, 0, R), 0);
	CHECK_INT(ask(b, 'c', 1, 1, R), 0);           /* /dev/mem */
	CHECK_INT(ask(b, 'c', 5, 3, W), 0);
	/* Agrees with v1 (and the model) everywhere near those devices. */
	int mismatch = 0;
	for (int t = 0; t < 2; t++)
		for (uint32_t ma = 0; ma < 140; ma++)
			for (uint32_t mi = 0; mi < 12; mi++)
				for (unsigned a = 1; a <= RWM; a++) {
					char ty = t ? 'b' : 'c';
					int got = ask(b, ty, ma, mi, a);
					if (got != v1_check(hull_defaults, N(hull_defaults), ty, ma, mi, a) ||
					    got != model(hull_defaults, N(hull_defaults), ty, ma, mi, a))
						mismatch++;
				}
	CHECK_INT(mismatch, 0);

	UNIT_GROUP("long list");
	static struct dev_rule l[101];
	l[0] = (struct dev_rule)DENY_ALL;
	for (int i = 1; i <= 100; i++)
		l[i] = (struct dev_rule){ .allow = i % 3 != 0, .type = i % 2 ? 'c' : 'b', .major = i % 7,
					  .minor = i, .access = (unsigned)(i % 7) + 1 };
	b = build(l, N(l));
	printf("# 100 rules: %d instructions\n", b->n);
	CHECK(b->n > 0 && b->n <= DEVICES_BPF_MAX_INSNS);
	CHECK_INT(cfg_check(b->insn, b->n), 0);
	mismatch = 0;
	for (int i = 1; i <= 100; i++)
		for (unsigned a = 1; a <= RWM; a++) {
			char ty = i % 2 ? 'c' : 'b';
			if (ask(b, ty, (uint32_t)(i % 7), (uint32_t)i, a) != model(l, N(l), ty, (uint32_t)(i % 7), (uint32_t)i, a))
				mismatch++;
		}
	CHECK_INT(mismatch, 0);
	CHECK_INT(ask(b, 'c', 1, 1, W), 1);           /* i=1: allow c 1:1 w */
	CHECK_INT(ask(b, 'c', 1, 1, R), 0);
	CHECK_INT(ask(b, 'b', 2, 2, R | W), 1);       /* i=2: allow b 2:2 rw */
	CHECK_INT(ask(b, 'c', 3, 3, M), 0);           /* i=3: deny c 3:3 m */
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Random lists: the program against the model (any rules), and against v1
 * (rules of one exact device or of all devices, where they agree). */
static void test_random(void)
{
	static const uint32_t nums[] = { 0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff };
	static const char types[] = { 'c', 'b' };
	struct dev_rule l[24];
	int bad_model = 0, bad_v1 = 0, bad_cfg = 0, bad_build = 0, lists = 2000;
	UNIT_GROUP("random lists");
	for (int iter = 0; iter < lists; iter++) {
		bool exact = iter % 2;
		size_t n = exact ? 1 + rnd(N(l)) : rnd(N(l) + 1);
		for (size_t i = 0; i < n; i++) {
			struct dev_rule *r = &l[i];
			r->allow = rnd(2);
			/* v1 is compared from a list starting with "a", as
			 * cgroups.c writes it (a fresh v1 cgroup allows all). */
			if (rnd(10) == 0 || (exact && i == 0)) {
				r->type = 'a';
				r->major = r->minor = -1;
				r->access = RWM;
				continue;
			}
			if (exact) {
				r->type = types[rnd(2)];
				r->major = rnd(3);
				r->minor = rnd(3);
			} else {
				r->type = "acb"[rnd(3)];
				r->major = rnd(3) ? (int64_t)nums[rnd(N(nums))] : -1;
				r->minor = rnd(3) ? (int64_t)nums[rnd(N(nums))] : -1;
			}
			r->access = rnd(8);
		}
		struct built *b = build(l, n);
		if (b->n <= 0) {
			bad_build++;
			continue;
		}
		if (cfg_check(b->insn, b->n))
			bad_cfg++;
		for (int t = 0; t < 2; t++)
			for (size_t ma = 0; ma < (exact ? 4 : N(nums)); ma++)
				for (size_t mi = 0; mi < (exact ? 4 : N(nums)); mi++)
					for (unsigned a = 1; a <= RWM; a++) {
						uint32_t maj = exact ? (uint32_t)ma : nums[ma];
						uint32_t min = exact ? (uint32_t)mi : nums[mi];
						int got = ask(b, types[t], maj, min, a);
						if (got != model(l, n, types[t], maj, min, a)) {
							if (!bad_model++)
								printf("# list %d: %c %u:%u %u: got %d\n", iter, types[t], maj, min, a, got);
						}
						if (exact && got != v1_check(l, n, types[t], maj, min, a) && !bad_v1++) {
							printf("# list %d (v1 differs): %c %u:%u %u: got %d\n", iter, types[t], maj, min, a, got);
							for (size_t i = 0; i < n; i++)
								printf("#   %s %c %lld:%lld %u\n", l[i].allow ? "allow" : "deny", l[i].type,
								       (long long)l[i].major, (long long)l[i].minor, l[i].access);
						}
					}
	}
	CHECK_INT(bad_build, 0);
	CHECK_INT(bad_cfg, 0);
	CHECK_INT(bad_model, 0);
	CHECK_INT(bad_v1, 0);
}

/* ---- the kernel ---- */

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(__NR_bpf, cmd, a, sizeof *a);
}

/* Programs attached to the cgroup: how many, how many are hull's, and the
 * id of (the last) hull one. */
static int attached(int cgfd, int *hull, uint32_t *hull_id)
{
	uint32_t ids[64];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = N(ids);
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return -errno;
	*hull = 0;
	for (uint32_t i = 0; i < a.query.prog_cnt; i++) {
		union bpf_attr g;
		memset(&g, 0, sizeof g);
		g.prog_id = ids[i];
		int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (fd < 0)
			continue;
		struct bpf_prog_info info;
		memset(&info, 0, sizeof info);
		memset(&g, 0, sizeof g);
		g.info.bpf_fd = (uint32_t)fd;
		g.info.info_len = sizeof info;
		g.info.info = (uint64_t)(uintptr_t)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &g) == 0 && !strcmp(info.name, DEVICES_BPF_PROG_NAME)) {
			++*hull;
			*hull_id = ids[i];
		}
		close(fd);
	}
	return (int)a.query.prog_cnt;
}

/* Someone else's device program (allows everything) on the cgroup. */
static int attach_foreign(int cgfd)
{
	struct bpf_insn p[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)"MIT";
	strcpy(a.prog_name, "other_devices");
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		return -errno;
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	int r = sys_bpf(BPF_PROG_ATTACH, &a) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static bool open_ok(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool open_eperm(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EPERM;
}

static bool mknod_result(const char *dir, const char *name, unsigned maj, unsigned min, int want_errno)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int r = mknod(path, S_IFCHR | 0600, makedev(maj, min));
	int err = r < 0 ? errno : 0;
	if (r == 0)
		unlink(path);
	return err == want_errno;
}

enum {
	K_JOINED = 1 << 0, K_NULL_RW = 1 << 1, K_ZERO_R = 1 << 2, K_ZERO_W = 1 << 3,
	K_ZERO_RW = 1 << 4, K_FULL = 1 << 5, K_MKNOD_FULL = 1 << 6, K_MKNOD_NULL = 1 << 7,
};

/* Fork a child into the cgroup that tries the devices; the bits of the
 * checks that came out as wanted (full_allowed: the second rule set). */
static int child_probe(const char *cgdir, const char *tmp, bool full_allowed)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int bits = 0;
		char path[600], buf[32];
		snprintf(path, sizeof path, "%s/cgroup.procs", cgdir);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		int len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
		if (fd < 0 || write(fd, buf, (size_t)len) != len)
			_exit(0);
		close(fd);
		bits |= K_JOINED;
		if (open_ok("/dev/null", O_RDWR))
			bits |= K_NULL_RW;
		if (open_ok("/dev/zero", O_RDONLY))
			bits |= K_ZERO_R;
		if (open_eperm("/dev/zero", O_WRONLY))
			bits |= K_ZERO_W;
		if (open_eperm("/dev/zero", O_RDWR))
			bits |= K_ZERO_RW;
		if (full_allowed ? open_ok("/dev/full", O_RDWR) : open_eperm("/dev/full", O_RDONLY))
			bits |= K_FULL;
		if (mknod_result(tmp, "full", 1, 7, full_allowed ? 0 : EPERM))
			bits |= K_MKNOD_FULL;
		if (mknod_result(tmp, "null", 1, 3, 0))
			bits |= K_MKNOD_NULL;
		_exit(bits);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void check_probe(int bits, bool second)
{
	CHECK(bits >= 0 && (bits & K_JOINED));
	CHECK(bits >= 0 && (bits & K_NULL_RW));      /* open /dev/null O_RDWR */
	CHECK(bits >= 0 && (bits & K_ZERO_R));       /* open /dev/zero O_RDONLY */
	CHECK(bits >= 0 && (bits & K_ZERO_W));       /* open /dev/zero O_WRONLY: EPERM */
	CHECK(bits >= 0 && (bits & K_ZERO_RW));      /* open /dev/zero O_RDWR: EPERM */
	if (second) {
		CHECK(bits >= 0 && (bits & K_FULL));         /* open /dev/full O_RDWR */
		CHECK(bits >= 0 && (bits & K_MKNOD_FULL));   /* mknod c 1:7 */
	} else {
		CHECK(bits >= 0 && (bits & K_FULL));         /* open /dev/full: EPERM */
		CHECK(bits >= 0 && (bits & K_MKNOD_FULL));   /* mknod c 1:7: EPERM */
	}
	CHECK(bits >= 0 && (bits & K_MKNOD_NULL));       /* mknod c 1:3 */
}

static void test_kernel(void)
{
	char mnt[512] = "", self[1024] = "", cgdir[1600], err[512] = "";
	UNIT_GROUP("kernel");
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *me;
	while (f && (me = getmntent(f)))
		if (!strcmp(me->mnt_type, "cgroup2")) {
			snprintf(mnt, sizeof mnt, "%s", me->mnt_dir);
			break;
		}
	if (f)
		endmntent(f);
	if (!*mnt) {
		skip("no cgroup2 mount");
		return;
	}
	f = fopen("/proc/self/cgroup", "re");
	char line[1024];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(self, sizeof self, "%s", strcmp(line + 3, "/") ? line + 3 : "");
		}
	if (f)
		fclose(f);
	snprintf(cgdir, sizeof cgdir, "%s%s/hull-devtest-%d", mnt, self, (int)getpid());
	printf("# cgroup %s\n", cgdir);
	if (!CHECK(mkdir(cgdir, 0755) == 0)) {
		printf("#   mkdir: %s\n", strerror(errno));
		return;
	}
	char tmp[] = "/tmp/hull-devtest.XXXXXX";
	int cgfd = open(cgdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(cgfd >= 0);
	if (cgfd < 0 || !mkdtemp(tmp))
		goto out;

	struct dev_rule first[] = { DENY_ALL, ALLOW('c', 1, 3, RWM), ALLOW('c', 1, 5, R) };
	int r = devices_bpf_apply(cgfd, first, N(first), err, sizeof err);
	if (!CHECK_INT(r, 0)) {
		printf("#   %s\n", err);
		goto out;
	}
	CHECK_STR(err, "");
	int hull = 0;
	uint32_t id1 = 0, id2 = 0;
	CHECK_INT(attached(cgfd, &hull, &id1), 1);
	CHECK_INT(hull, 1);
	check_probe(child_probe(cgdir, tmp, false), false);

	/* hull update: someone else's program stays, hull's is replaced. */
	CHECK_INT(attach_foreign(cgfd), 0);
	struct dev_rule second[] = { DENY_ALL, ALLOW('c', 1, 3, RWM), ALLOW('c', 1, 5, R), ALLOW('c', 1, 7, RWM) };
	r = devices_bpf_apply(cgfd, second, N(second), err, sizeof err);
	if (!CHECK_INT(r, 0))
		printf("#   %s\n", err);
	CHECK_INT(attached(cgfd, &hull, &id2), 2);
	CHECK_INT(hull, 1);
	CHECK(id2 != id1);
	check_probe(child_probe(cgdir, tmp, true), true);
	/* And once more: still one of hull's. */
	r = devices_bpf_apply(cgfd, second, N(second), err, sizeof err);
	CHECK_INT(r, 0);
	CHECK_INT(attached(cgfd, &hull, &id2), 2);
	CHECK_INT(hull, 1);

	/* The verifier takes every shape of program build makes: the default
	 * list, an allow default, numbers past INT32_MAX, a long list, none. */
	static struct dev_rule shapes[120];
	size_t nshape = 0;
	shapes[nshape++] = (struct dev_rule)DENY_ALL;
	for (int i = 0; i < 110; i++)
		shapes[nshape++] = (struct dev_rule){ .allow = i % 4 != 0, .type = i % 2 ? 'c' : 'b',
						      .major = i % 5 ? i : -1, .minor = i % 3 ? (int64_t)0xfffffff0u + i % 7 : -1,
						      .access = (unsigned)(i % 7) + 1 };
	struct dev_rule l_allow[] = { ALLOW_ALL, DENY('c', 1, 3, W), DENY('b', -1, -1, RWM), ALLOW('b', 8, 0, R) };
	struct { const struct dev_rule *r; size_t n; } lists[] = {
		{ hull_defaults, N(hull_defaults) }, { l_allow, N(l_allow) }, { shapes, nshape }, { NULL, 0 },
		{ second, N(second) },
	};
	int loaded = 0;
	for (size_t i = 0; i < N(lists); i++) {
		r = devices_bpf_apply(cgfd, lists[i].r, lists[i].n, err, sizeof err);
		if (r == 0 && attached(cgfd, &hull, &id2) == 2 && hull == 1)
			loaded++;
		else
			printf("#   list %zu: %d %s\n", i, r, err);
	}
	CHECK_INT(loaded, N(lists));

	/* Errors come back with a message. */
	int notcg = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = devices_bpf_apply(notcg, second, N(second), err, sizeof err);
	CHECK(r < 0);
	printf("#   on a plain directory: %d \"%s\"\n", r, err);
	CHECK(!strncmp(err, "bpf(", 4));
	close(notcg);
	struct dev_rule bad[] = { DENY_ALL, ALLOW('x', 1, 3, RWM) };
	CHECK_INT(devices_bpf_apply(cgfd, bad, N(bad), err, sizeof err), -EINVAL);
	CHECK_STR(err, "device rule 1 is invalid (type 'x', 1:3, access 0x7)");
out:
	if (cgfd >= 0)
		close(cgfd);
	if (strcmp(tmp, "/tmp/hull-devtest.XXXXXX"))
		rmdir(tmp);
	int rm = -1;
	for (int i = 0; i < 200 && (rm = rmdir(cgdir)) < 0 && errno == EBUSY; i++)
		usleep(10000);
	CHECK_INT(rm, 0);
}

int main(void)
{
	test_access_parse();
	test_build_errors();
	test_semantics();
	test_defaults();
	test_random();
	test_kernel();
	return unit_done();
}
