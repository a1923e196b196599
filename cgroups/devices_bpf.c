/* SPDX-License-Identifier: Apache-2.0 */
/* cgroups/devices_bpf.c: device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * Semantics
 * =========
 * The kernel runs the program for every device access by a process of the
 * cgroup with a request (T, MAJ, MIN, A): T is block or char, A a non-empty
 * set of {r, w, m} (opening O_RDWR asks r and w at once; mknod asks m).
 * For the rule list rules[0..n):
 *
 *   A rule matches the device when its type is 'a' or equals T, its major
 *   is -1 or MAJ and its minor is -1 or MIN.  For each access bit b of A,
 *   the LAST rule that matches the device and has b in its access decides b:
 *   granted if it is an allow rule, refused if a deny rule.  A bit no rule
 *   decides is refused.  The request is allowed iff every bit of A is
 *   granted.  (A request with no bit, or with a bit the kernel may define
 *   later, is denied: no rule can grant it.)
 *
 * This is "the last matching rule wins", applied per access bit, which is
 * what writing the rules in order to a v1 devices cgroup does:
 *   - deny-all then "allow c 1:3 rwm": c 1:3 gets r, w, m; nothing else.
 *   - allow-all then "deny c 1:3 w": c 1:3 keeps r and m and loses w, so
 *     O_RDONLY opens, O_WRONLY and O_RDWR (r+w) do not.
 *   - "allow a" / "deny a" (type 'a', *:*, rwm) anywhere resets the list as
 *     v1's devices.allow/deny "a" does: every earlier rule is irrelevant,
 *     and it is the default (allow or deny) of what follows.
 *   - a rule with access 0 does nothing; a type 'a' rule is taken as
 *     given (with a major, minor or access of its own it is "c and b"
 *     with those; v1 would read any "a ..." as "a *:* rwm").
 * It equals v1 exactly whenever every rule names either all devices or one
 * exact type/major:minor (which covers hull's default list and OCI lists of
 * concrete devices; tests/unit/test_devices_bpf.c checks this against a
 * model of the v1 exception list).  With overlapping wildcards it is the
 * clean rule rather than v1's accidents: v1 (in deny-default mode) removes
 * access only from an exception with the very same type/major:minor, so
 * "allow c 1:* rwm; deny c 1:3 w" still lets c 1:3 be written there, and it
 * needs one exception to hold all of A, so "allow c 1:* r; allow c 1:3 w"
 * refuses O_RDWR of c 1:3.  Here the first denies write on 1:3 and the
 * second allows O_RDWR, as evaluating each bit by the last rule says.
 *
 * The program
 * ===========
 * r1 = ctx; r2 = pending access bits; r3 = type; r4 = major; r5 = minor;
 * r6 scratch.  After a prologue that loads them (and denies an empty or
 * unknown request), one block per relevant rule, from the last rule to the
 * first; a block that does not match jumps to the next one:
 *     if r3 != T goto next; if r4 != MAJ goto next; if r5 != MIN goto next
 *     allow, access X:  r2 &= ~X; if r2 == 0 goto ALLOW   (X = rwm: goto ALLOW)
 *     deny,  access X:  if r2 & X goto DENY                 (X = rwm: goto DENY)
 * Pending bits granted by a later rule are removed from r2, so an earlier
 * deny rule only refuses a bit no later rule decided.  Falling off the last
 * block means some bits were decided by nobody: the list's default (deny, or
 * allow after a trailing "allow a").  Rules that cannot change the outcome
 * are not emitted: those before the last 'a' *:* rwm rule, and a run of
 * rules at the start (in list order) with the same verdict as the default.
 * Only forward jumps; every instruction is reachable (the verifier refuses
 * unreachable ones); only plain BPF_JMP (no JMP32), so any kernel with
 * cgroup device programs (4.15) takes it.  */
#include "cgroups/devices_bpf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { R0, R1, R2, R3, R4, R5, R6 };
#define R_ACC   R2
#define R_TYPE  R3
#define R_MAJOR R4
#define R_MINOR R5
#define R_TMP   R6

/* Jump targets while building, kept in insn.off until resolved (real
 * offsets are all forward, so never negative). */
#define T_NEXT  (-1)
#define T_DENY  (-2)
#define T_ALLOW (-3)

#define KACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

struct prog {
	struct bpf_insn *out;
	size_t cap, n;
	bool allow_used;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < p->cap && p->n < DEVICES_BPF_MAX_INSNS)
		p->out[p->n] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
						  .off = off, .imm = imm };
	if (off == T_ALLOW)
		p->allow_used = true;
	p->n++;
}

static bool is_jump(const struct bpf_insn *i)
{
	return BPF_CLASS(i->code) == BPF_JMP && BPF_OP(i->code) != BPF_EXIT &&
	       BPF_OP(i->code) != BPF_CALL;
}

/* Point the jumps to target in out[from, p->n) at instruction to. */
static void resolve(struct prog *p, size_t from, int16_t target, size_t to)
{
	if (p->n > p->cap || p->n > DEVICES_BPF_MAX_INSNS)
		return;
	for (size_t i = from; i < p->n; i++)
		if (is_jump(&p->out[i]) && p->out[i].off == target)
			p->out[i].off = (int16_t)(to - i - 1);
}

/* if reg != v goto next */
static void emit_jne(struct prog *p, uint8_t reg, uint32_t v)
{
	if (v <= INT32_MAX) {
		emit(p, BPF_JMP | BPF_JNE | BPF_K, reg, 0, T_NEXT, (int32_t)v);
	} else {
		/* A 64-bit compare sign-extends imm; a 32-bit mov zero-extends. */
		emit(p, BPF_ALU | BPF_MOV | BPF_K, R_TMP, 0, 0, (int32_t)v);
		emit(p, BPF_JMP | BPF_JNE | BPF_X, reg, R_TMP, T_NEXT, 0);
	}
}

static int32_t kernel_access(unsigned access)
{
	return (access & DEV_R ? BPF_DEVCG_ACC_READ : 0) | (access & DEV_W ? BPF_DEVCG_ACC_WRITE : 0) |
	       (access & DEV_M ? BPF_DEVCG_ACC_MKNOD : 0);
}

static bool rule_valid(const struct dev_rule *r)
{
	return (r->type == 'a' || r->type == 'c' || r->type == 'b') &&
	       !(r->access & ~(unsigned)(DEV_R | DEV_W | DEV_M)) &&
	       r->major >= -1 && r->major <= UINT32_MAX && r->minor >= -1 && r->minor <= UINT32_MAX;
}

static bool rule_all(const struct dev_rule *r)
{
	return r->type == 'a' && r->major == -1 && r->minor == -1 &&
	       r->access == (DEV_R | DEV_W | DEV_M);
}

int devices_bpf_build(const struct dev_rule *rules, size_t n, struct bpf_insn *out, size_t cap)
{
	struct prog p = { .out = out, .cap = out ? cap : 0 };
	size_t start = 0, first = n;
	bool default_allow = false;

	for (size_t i = 0; i < n; i++) {
		if (!rule_valid(&rules[i]))
			return -EINVAL;
		if (rule_all(&rules[i])) {
			start = i + 1;
			default_allow = rules[i].allow;
		}
	}
	/* Rules up to the first one whose verdict differs from the default
	 * cannot change an outcome. */
	for (size_t i = start; i < n; i++)
		if (rules[i].access && rules[i].allow != default_allow) {
			first = i;
			break;
		}

	/* r2 = access_type; r3 = r2 & 0xffff; r2 >>= 16; r4 = major; r5 = minor */
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, R_ACC, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, R_TYPE, R_ACC, 0, 0);
	emit(&p, BPF_ALU64 | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	emit(&p, BPF_ALU64 | BPF_RSH | BPF_K, R_ACC, 0, 0, 16);
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	/* An empty request or one with bits no rule can grant: deny. */
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, R_ACC, 0, T_DENY, 0);
	emit(&p, BPF_JMP | BPF_JSET | BPF_K, R_ACC, 0, T_DENY, ~(int32_t)KACC_ALL);

	for (size_t i = n; i-- > first;) {
		const struct dev_rule *r = &rules[i];
		int32_t x = kernel_access(r->access);
		size_t block = p.n;
		if (!x)
			continue;
		if (r->type != 'a')
			emit(&p, BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, T_NEXT,
			     r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		if (r->major >= 0)
			emit_jne(&p, R_MAJOR, (uint32_t)r->major);
		if (r->minor >= 0)
			emit_jne(&p, R_MINOR, (uint32_t)r->minor);
		if (x == KACC_ALL) {
			emit(&p, BPF_JMP | BPF_JA, 0, 0, r->allow ? T_ALLOW : T_DENY, 0);
		} else if (r->allow) {
			emit(&p, BPF_ALU64 | BPF_AND | BPF_K, R_ACC, 0, 0, ~x);
			emit(&p, BPF_JMP | BPF_JEQ | BPF_K, R_ACC, 0, T_ALLOW, 0);
		} else {
			emit(&p, BPF_JMP | BPF_JSET | BPF_K, R_ACC, 0, T_DENY, x);
		}
		resolve(&p, block, T_NEXT, p.n);
	}

	/* Falling off the rules: the default.  No block ends the program with
	 * an unconditional jump ('a' *:* rwm rules are never emitted), so this
	 * is reachable, and so is DENY (the prologue jumps there). */
	size_t deny_at, allow_at = 0;
	if (default_allow) {
		allow_at = p.n;
		emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
		emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	deny_at = p.n;
	emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
	emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (!default_allow && p.allow_used) {
		allow_at = p.n;
		emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
		emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (p.n > DEVICES_BPF_MAX_INSNS)
		return -E2BIG;
	if (p.n > p.cap)
		return -ENOSPC;
	resolve(&p, 0, T_DENY, deny_at);
	resolve(&p, 0, T_ALLOW, allow_at);
	return (int)p.n;
}

int devices_access_parse(const char *s, unsigned *out)
{
	unsigned acc = 0;
	if (!s)
		return -EINVAL;
	for (; *s; s++) {
		switch (*s) {
		case 'r': acc |= DEV_R; break;
		case 'w': acc |= DEV_W; break;
		case 'm': acc |= DEV_M; break;
		default: return -EINVAL;
		}
	}
	*out = acc;
	return 0;
}

/* ---- bpf(2) ---- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

static int fail(char *err, size_t errlen, int errnum, const char *what, const char *detail)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s%s%s", what, strerror(errnum), detail && *detail ? ": " : "",
			 detail ? detail : "");
	return -errnum;
}

/* The last line of a verifier log that says something: not empty, not the
 * statistics ("processed N insns ...", "verification time ...") the
 * verifier appends after the error.  In place. */
static const char *last_line(char *log)
{
	size_t len = strnlen(log, 65535);
	log[len] = '\0';
	for (;;) {
		while (len && (log[len - 1] == '\n' || log[len - 1] == ' '))
			log[--len] = '\0';
		char *nl = strrchr(log, '\n');
		char *line = nl ? nl + 1 : log;
		if (!nl || (strncmp(line, "processed ", 10) && strncmp(line, "verification time", 17)))
			return line;
		*nl = '\0';
		len = (size_t)(nl - log);
	}
}

static int load(const struct bpf_insn *insns, int cnt, char *err, size_t errlen)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	/* The license only matters to programs calling GPL-only helpers; these
	 * call no helper at all. */
	a.license = (uint64_t)(uintptr_t)"Apache-2.0";
	_Static_assert(sizeof DEVICES_BPF_PROG_NAME <= BPF_OBJ_NAME_LEN, "program name too long");
	memcpy(a.prog_name, DEVICES_BPF_PROG_NAME, sizeof DEVICES_BPF_PROG_NAME);
	int fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	int errnum = errno;
	/* Again with the verifier's log, for the message only (a log on every
	 * load could itself fail with ENOSPC on a long program). */
	char *log = calloc(1, 65536);
	if (log) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = 65535;
		a.log_level = 1;
		fd = sys_bpf(BPF_PROG_LOAD, &a);
		if (fd >= 0)
			close(fd);
	}
	fail(err, errlen, errnum, "bpf(BPF_PROG_LOAD)", log ? last_line(log) : NULL);
	free(log);
	return -errnum;
}

/* The ids of the device programs attached directly to the cgroup. */
static int query(int cgfd, uint32_t **ids, uint32_t *cnt, char *err, size_t errlen)
{
	uint32_t cap = 8;
	*ids = NULL;
	for (;;) {
		uint32_t *buf = realloc(*ids, cap * sizeof *buf);
		if (!buf) {
			free(*ids);
			*ids = NULL;
			return fail(err, errlen, ENOMEM, "bpf(BPF_PROG_QUERY)", NULL);
		}
		*ids = buf;
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.query.target_fd = (uint32_t)cgfd;
		a.query.attach_type = BPF_CGROUP_DEVICE;
		a.query.prog_ids = (uint64_t)(uintptr_t)buf;
		a.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &a) == 0) {
			*cnt = a.query.prog_cnt;
			return 0;
		}
		if (errno != ENOSPC || a.query.prog_cnt <= cap) {
			int errnum = errno;
			free(*ids);
			*ids = NULL;
			return fail(err, errlen, errnum, "bpf(BPF_PROG_QUERY)", NULL);
		}
		cap = a.query.prog_cnt;   /* more were attached meanwhile: the total */
	}
}

/* An fd of program id if it is one of hull's device programs, else -1. */
static int hull_prog_fd(uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_id = id;
	int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		return -1;
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 && info.type == BPF_PROG_TYPE_CGROUP_DEVICE &&
	    !strncmp(info.name, DEVICES_BPF_PROG_NAME, sizeof info.name))
		return fd;
	close(fd);
	return -1;
}

int devices_bpf_apply(int cgroup_dirfd, const struct dev_rule *rules, size_t n, char *err,
		      size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!rule_valid(&rules[i])) {
			if (err && errlen)
				snprintf(err, errlen, "device rule %zu is invalid (type '%c', %lld:%lld, access %#x)",
					 i, rules[i].type ? rules[i].type : '?', (long long)rules[i].major,
					 (long long)rules[i].minor, rules[i].access);
			return -EINVAL;
		}
	struct bpf_insn *insns = calloc(DEVICES_BPF_MAX_INSNS, sizeof *insns);
	if (!insns)
		return fail(err, errlen, ENOMEM, "device program", NULL);
	int cnt = devices_bpf_build(rules, n, insns, DEVICES_BPF_MAX_INSNS);
	if (cnt < 0) {
		free(insns);
		if (err && errlen)
			snprintf(err, errlen, "device rules: %s (the program would exceed %d instructions)",
				 strerror(-cnt), DEVICES_BPF_MAX_INSNS);
		return cnt;
	}
	int prog = load(insns, cnt, err, errlen);
	free(insns);
	if (prog < 0)
		return prog;

	uint32_t *old = NULL, n_old = 0;
	int ret = query(cgroup_dirfd, &old, &n_old, err, errlen);
	if (ret < 0) {
		close(prog);
		return ret;
	}
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)cgroup_dirfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) {
		ret = fail(err, errlen, errno, "bpf(BPF_PROG_ATTACH)", NULL);
		goto out;
	}
	/* The new program is in force (together with the old ones, so nothing
	 * was briefly allowed that either list denies); now drop the old. */
	for (uint32_t i = 0; i < n_old; i++) {
		int fd = hull_prog_fd(old[i]);
		if (fd < 0)
			continue;
		memset(&a, 0, sizeof a);
		a.target_fd = (uint32_t)cgroup_dirfd;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT && ret == 0)
			ret = fail(err, errlen, errno, "bpf(BPF_PROG_DETACH)", NULL);
		close(fd);
	}
out:
	free(old);
	close(prog);
	return ret;
}
