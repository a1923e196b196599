/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp -> BPF.  See seccomp.h. */
#include "seccomp/seccomp.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/log.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#define X32_SYSCALL_BIT 0x40000000U

/* In spec_seccomp_archs' order. */
static const uint32_t arch_tokens[] = {
	SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64,
	SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL,
	SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64,
	SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC,
	SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64,
};
/* In spec_seccomp_flags' order; TSYNC means nothing to a single-threaded
 * process (and the kernel refuses it with a listener), so it is accepted
 * and not passed on. */
static const uint32_t flag_values[] = {
	0, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

uint32_t sc_action_value(const char *name, bool has_ret, uint32_t ret)
{
	uint32_t data = (has_ret ? ret : EPERM) & SECCOMP_RET_DATA;
	switch (spec_name_index(spec_seccomp_actions, name)) {
	case SC_ACT_KILL:
	case SC_ACT_KILL_THREAD:  return SECCOMP_RET_KILL_THREAD;
	case SC_ACT_KILL_PROCESS: return SECCOMP_RET_KILL_PROCESS;
	case SC_ACT_TRAP:         return SECCOMP_RET_TRAP;
	case SC_ACT_ERRNO:        return SECCOMP_RET_ERRNO | data;
	case SC_ACT_TRACE:        return SECCOMP_RET_TRACE | data;
	case SC_ACT_ALLOW:        return SECCOMP_RET_ALLOW;
	case SC_ACT_LOG:          return SECCOMP_RET_LOG;
	case SC_ACT_NOTIFY:       return SECCOMP_RET_USER_NOTIF;
	default:                  return UINT32_MAX;
	}
}

static uint32_t filter_flags(const struct spec_seccomp *sc, bool notify)
{
	uint32_t fl = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	for (size_t i = 0; i < sc->n_flags; i++) {
		int k = spec_name_index(spec_seccomp_flags, sc->flags[i]);
		if (k >= 0)
			fl |= flag_values[k];
	}
	/* Only meaningful (and only accepted by the kernel) with a listener. */
	if (!notify)
		fl &= ~(uint32_t)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	return fl;
}

unsigned sc_supported_flags(void)
{
	unsigned ok = 0;
	for (unsigned i = 0; i < sizeof flag_values / sizeof *flag_values; i++) {
		uint32_t fl = flag_values[i] ? flag_values[i] : SECCOMP_FILTER_FLAG_TSYNC;
		if (fl == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
			fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* A known flag gets as far as reading the (NULL) program. */
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, fl, NULL) < 0 && errno == EFAULT)
			ok |= 1U << i;
	}
	return ok;
}

/* ---- the cache key ---------------------------------------------------------- */

static void put_str(struct buf *b, const char *s)
{
	char n[24];
	s = s ? s : "";
	int k = snprintf(n, sizeof n, "%zu:", strlen(s));
	buf_put(b, n, (size_t)k);
	buf_put(b, s, strlen(s));
}

static void put_num(struct buf *b, bool has, uint64_t v)
{
	char n[32];
	int k = has ? snprintf(n, sizeof n, "#%llu;", (unsigned long long)v) : snprintf(n, sizeof n, "-;");
	buf_put(b, n, (size_t)k);
}

char *sc_profile_key(const struct spec_seccomp *sc, const char *lib_id, size_t *len)
{
	struct buf b = { 0 };
	put_str(&b, "hull-seccomp/1");
	put_str(&b, lib_id);
	put_str(&b, sc->default_action);
	put_num(&b, sc->has_default_errno_ret, sc->default_errno_ret);
	put_num(&b, true, sc->n_architectures);
	for (size_t i = 0; i < sc->n_architectures; i++)
		put_str(&b, sc->architectures[i]);
	put_num(&b, true, sc->n_syscalls);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_syscall *r = &sc->syscalls[i];
		put_num(&b, true, r->n_names);
		for (size_t j = 0; j < r->n_names; j++)
			put_str(&b, r->names[j]);
		put_str(&b, r->action);
		put_num(&b, r->has_errno_ret, r->errno_ret);
		put_num(&b, true, r->n_args);
		for (size_t j = 0; j < r->n_args; j++) {
			const struct spec_seccomp_arg *a = &r->args[j];
			put_num(&b, true, a->index);
			put_num(&b, true, a->value);
			put_num(&b, a->has_value_two, a->value_two);
			put_str(&b, a->op);
		}
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

/* The libseccomp hull was built with: another version may resolve names
 * differently, so its programs are other cache entries. */
static bool lib_identity(char *out, size_t cap)
{
	const struct scmp_version *v = seccomp_version();
	if (!v)
		return false;
	snprintf(out, cap, "libseccomp %u.%u.%u", v->major, v->minor, v->micro);
	return true;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- the cache: <dir>/<fnv1a of key>.bpf = header, key, instructions ------- */

struct cache_hdr {
	char magic[8];
	uint32_t key_len;
	uint32_t n_insns;
};
static const char cache_magic[8] = "HULLBPF1";

static bool cache_read(const char *dir, const char *name, const char *key, size_t klen, struct sc_filter *f)
{
	char path[4200], *data = NULL;
	size_t len = 0;
	struct cache_hdr h;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (read_file(path, &data, &len) < 0)
		return false;
	bool ok = len >= sizeof h;
	if (ok) {
		memcpy(&h, data, sizeof h);
		ok = !memcmp(h.magic, cache_magic, sizeof h.magic) && h.key_len == klen && h.n_insns > 0 &&
		     h.n_insns <= BPF_MAXINSNS && len == sizeof h + klen + (size_t)h.n_insns * sizeof(struct sock_filter) &&
		     !memcmp(data + sizeof h, key, klen);
	}
	if (ok && (f->insns = malloc(h.n_insns * sizeof *f->insns))) {
		memcpy(f->insns, data + sizeof h + klen, h.n_insns * sizeof *f->insns);
		f->len = (unsigned short)h.n_insns;
	} else {
		if (ok || len)
			log_debug("seccomp cache: ignoring %s (not a matching entry)", path);
		ok = false;
	}
	free(data);
	return ok;
}

static void cache_write(const char *dir, const char *name, const char *key, size_t klen, const struct sc_filter *f)
{
	struct cache_hdr h = { .key_len = (uint32_t)klen, .n_insns = f->len };
	memcpy(h.magic, cache_magic, sizeof h.magic);
	size_t n = sizeof h + klen + f->len * sizeof *f->insns;
	char *data = malloc(n);
	if (!data)
		return;
	memcpy(data, &h, sizeof h);
	memcpy(data + sizeof h, key, klen);
	memcpy(data + sizeof h + klen, f->insns, f->len * sizeof *f->insns);
	int dfd = -1;
	if ((mkdir(dir, 0700) == 0 || errno == EEXIST) && (dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC)) >= 0 &&
	    write_file_atomic(dfd, name, data, n, 0600) == 0)
		log_debug("seccomp cache: stored %s/%s", dir, name);
	else
		log_debug("seccomp cache: cannot store %s/%s: %s", dir, name, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	free(data);
}

/* ---- the ENOSYS stub ---------------------------------------------------------- */

unsigned sc_enosys_stub(struct sock_filter *prog, unsigned len, long max64, long max32, long max386)
{
	/* A syscall above every one the profile names is newer than the
	 * profile: ENOSYS lets the caller (glibc) fall back to an older one,
	 * where the default action (often EPERM) would make it give up. */
	const uint32_t never = UINT32_MAX;   /* JGT never jumps on it */
	uint32_t k64 = max64 < 0 ? never : (uint32_t)max64;
	uint32_t k32 = max32 < 0 ? never : (uint32_t)max32;
	uint32_t k386 = max386 < 0 ? never : (uint32_t)max386;
	/* jt/jf count from the next instruction: TO(from, to). ENOSYS is 9,
	 * the profile's own program starts at 10. */
#define TO(from, to) (unsigned char)((to) - (from) - 1)
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off)
#define J(op, k, from, t, f) BPF_JUMP(BPF_JMP | op | BPF_K, k, TO(from, t), TO(from, f))
	const struct sock_filter stub[] = {
		/* 0 */ LD(4),   /* seccomp_data.arch */
		/* 1 */ J(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 2, 6),
		/* 2 */ LD(0),   /* seccomp_data.nr */
		/* 3 */ J(BPF_JGE, X32_SYSCALL_BIT, 3, 5, 4),
		/* 4 */ J(BPF_JGT, k64, 4, 9, 10),
		/* 5 */ J(BPF_JGT, k32, 5, 9, 10),
		/* 6 */ J(BPF_JEQ, AUDIT_ARCH_I386, 6, 7, 10),
		/* 7 */ LD(0),
		/* 8 */ J(BPF_JGT, k386, 8, 9, 10),
		/* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
#undef TO
#undef LD
#undef J
	const unsigned n = sizeof stub / sizeof *stub;
	memmove(prog + n, prog, len * sizeof *prog);
	memcpy(prog, stub, sizeof stub);
	return len + n;
}

/* ---- compiling with libseccomp ----------------------------------------------- */

/* One rule's conditions.  libseccomp cannot AND two conditions on the same
 * argument; runc and crun then add each condition as a rule of its own
 * (so they OR), and hull does the same for the same profile to mean the
 * same thing. */
static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const struct spec_seccomp_syscall *r)
{
	struct scmp_arg_cmp c[6 * 8];
	unsigned n = 0, seen = 0;
	bool repeated = false;
	for (size_t i = 0; i < r->n_args && n < sizeof c / sizeof *c; i++) {
		const struct spec_seccomp_arg *a = &r->args[i];
		repeated |= (seen >> a->index) & 1;
		seen |= 1U << a->index;
		c[n++] = (struct scmp_arg_cmp){ .arg = a->index,
						.op = (enum scmp_compare)(spec_name_index(spec_seccomp_ops, a->op) + 1),
						.datum_a = a->value, .datum_b = a->has_value_two ? a->value_two : 0 };
	}
	if (!repeated)
		return seccomp_rule_add_array(ctx, act, nr, n, c);
	for (unsigned i = 0; i < n; i++) {
		int rc = seccomp_rule_add_array(ctx, act, nr, 1, &c[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int compile(const struct spec_seccomp *sc, struct sc_filter *f, struct hull_err *e)
{
	int r;
	uint32_t def = sc_action_value(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret);
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return hull_errf(e, EINVAL, "linux.seccomp.defaultAction: libseccomp refused \"%s\"", sc->default_action);
	/* A binary search over the syscall numbers rather than a linear scan:
	 * a long allow-list costs every syscall of the container less. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	bool have32 = false, have386 = false;
	for (size_t i = 0; i < sc->n_architectures; i++) {
		int k = spec_name_index(spec_seccomp_archs, sc->architectures[i]);
		uint32_t tok = arch_tokens[k];
		if ((r = seccomp_arch_add(ctx, tok)) < 0 && r != -EEXIST) {
			r = hull_errf(e, -r, "linux.seccomp.architectures[%zu]: libseccomp refused \"%s\": %s", i,
				      sc->architectures[i], strerror(-r));
			goto out;
		}
		have32 |= tok == SCMP_ARCH_X32;
		have386 |= tok == SCMP_ARCH_X86;
	}
	long max64 = -1, max32 = -1, max386 = -1;
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_syscall *rule = &sc->syscalls[i];
		uint32_t act = sc_action_value(rule->action, rule->has_errno_ret, rule->errno_ret);
		for (size_t j = 0; j < rule->n_names; j++) {
			const char *name = rule->names[j];
			int n64 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
			int n32 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32, name);
			int n386 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name);
			max64 = n64 > max64 ? n64 : max64;
			max32 = have32 && n32 > max32 ? n32 : max32;
			max386 = have386 && n386 > max386 ? n386 : max386;
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR) {
				log_debug("linux.seccomp.syscalls[%zu]: skipping \"%s\", unknown to libseccomp", i, name);
				continue;
			}
			if (act == def)   /* libseccomp refuses it; it changes nothing */
				continue;
			if ((r = add_rule(ctx, act, nr, rule)) < 0) {
				r = hull_errf(e, -r, "linux.seccomp.syscalls[%zu]: libseccomp refused the rule for \"%s\": %s",
					      i, name, strerror(-r));
				goto out;
			}
		}
	}
	int fd = (int)syscall(SYS_memfd_create, "hull-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = hull_syserr(e, errno, "linux.seccomp: memfd_create");
		goto out;
	}
	off_t size;
	if ((r = seccomp_export_bpf(ctx, fd)) < 0 || (size = lseek(fd, 0, SEEK_END)) < 0) {
		r = hull_errf(e, r < 0 ? -r : errno, "linux.seccomp: exporting the filter: %s", strerror(r < 0 ? -r : errno));
		close(fd);
		goto out;
	}
	unsigned n = (unsigned)(size / (off_t)sizeof(struct sock_filter));
	f->insns = calloc(n + 16, sizeof *f->insns);
	if (!f->insns || pread(fd, f->insns, (size_t)size, 0) != size) {
		r = hull_errf(e, EIO, "linux.seccomp: reading the exported filter back");
		close(fd);
		goto out;
	}
	close(fd);
	if (def != SECCOMP_RET_ALLOW && def != SECCOMP_RET_LOG && def != (SECCOMP_RET_ERRNO | ENOSYS))
		n = sc_enosys_stub(f->insns, n, max64, max32, max386);
	if (n > BPF_MAXINSNS) {
		r = hull_errf(e, E2BIG, "linux.seccomp: the filter has %u instructions, more than the kernel's %d", n,
			      BPF_MAXINSNS);
		goto out;
	}
	f->len = (unsigned short)n;
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

int sc_prepare(const struct spec_seccomp *sc, const char *cache_dir, struct sc_filter *f, struct hull_err *e)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < sc->n_syscalls; i++)
		f->notify |= spec_name_index(spec_seccomp_actions, sc->syscalls[i].action) == SC_ACT_NOTIFY;
	f->flags = filter_flags(sc, f->notify);

	char lib[320], name[32];
	size_t klen = 0;
	char *key = cache_dir && lib_identity(lib, sizeof lib) ? sc_profile_key(sc, lib, &klen) : NULL;
	if (key) {
		snprintf(name, sizeof name, "%016llx.bpf", (unsigned long long)fnv1a(key, klen));
		if (cache_read(cache_dir, name, key, klen, f)) {
			f->cached = true;
			free(key);
			return 0;
		}
	}
	int r = compile(sc, f, e);
	if (r == 0 && key)
		cache_write(cache_dir, name, key, klen, f);
	if (r < 0)
		sc_filter_free(f);
	free(key);
	return r;
}

void sc_filter_free(struct sc_filter *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

int sc_load(const struct sc_filter *f)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->insns };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
	return r < 0 ? -errno : (int)r;
}
