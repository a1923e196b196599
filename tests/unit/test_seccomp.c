/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp/: actions, the cache key, the ENOSYS stub, and compiled profiles
 * loaded for real into forked children (the kernel judges the program). */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "unit.h"

/* A config.json around a linux.seccomp object, parsed. */
static struct spec *parse_profile(const char *seccomp)
{
	char *doc = xasprintf("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"},"
			      " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}},"
			      " \"linux\": {\"seccomp\": %s}}", seccomp);
	struct spec *s = NULL;
	struct spec_err err;
	if (spec_parse(doc, strlen(doc), "config.json", &s, &err) < 0) {
		printf("#   %s\n", err.msg);
		s = NULL;
	}
	free(doc);
	return s;
}

/* Run each syscall (nr, arg0, arg1) under f in a child; results[i] = the
 * return value or -errno; 0 on success. */
struct call { long nr, a0, a1; };
static int run_under(const struct sc_filter *f, const struct call *calls, size_t n, long *results)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		long out[16];
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		/* Only raw syscalls from here: a filter may answer anything
		 * else (exit_group, sigaltstack for the sanitizers) with ENOSYS. */
		if (sc_load(f) < 0)
			syscall(SYS_exit, 3);
		for (size_t i = 0; i < n; i++) {
			long r = syscall(calls[i].nr, calls[i].a0, calls[i].a1, 0, 0, 0, 0);
			out[i] = r < 0 ? -errno : r;
		}
		long w = syscall(SYS_write, p[1], out, n * sizeof *out);
		syscall(SYS_exit, w == (long)(n * sizeof *out) ? 0 : 4);
	}
	close(p[1]);
	ssize_t got = read(p[0], results, n * sizeof *results);
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return got == (ssize_t)(n * sizeof *results) && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void test_actions(void)
{
	UNIT_GROUP("action values");
	CHECK_UINT(sc_action_value("SCMP_ACT_ALLOW", false, 0), SECCOMP_RET_ALLOW);
	CHECK_UINT(sc_action_value("SCMP_ACT_ERRNO", false, 0), SECCOMP_RET_ERRNO | EPERM);
	CHECK_UINT(sc_action_value("SCMP_ACT_ERRNO", true, 28), SECCOMP_RET_ERRNO | 28);
	CHECK_UINT(sc_action_value("SCMP_ACT_TRACE", true, 7), SECCOMP_RET_TRACE | 7);
	CHECK_UINT(sc_action_value("SCMP_ACT_KILL", false, 0), SECCOMP_RET_KILL_THREAD);
	CHECK_UINT(sc_action_value("SCMP_ACT_KILL_THREAD", false, 0), SECCOMP_RET_KILL_THREAD);
	CHECK_UINT(sc_action_value("SCMP_ACT_KILL_PROCESS", false, 0), SECCOMP_RET_KILL_PROCESS);
	CHECK_UINT(sc_action_value("SCMP_ACT_TRAP", false, 0), SECCOMP_RET_TRAP);
	CHECK_UINT(sc_action_value("SCMP_ACT_LOG", false, 0), SECCOMP_RET_LOG);
	CHECK_UINT(sc_action_value("SCMP_ACT_NOTIFY", false, 0), SECCOMP_RET_USER_NOTIF);
	CHECK_UINT(sc_action_value("SCMP_ACT_NOPE", false, 0), UINT32_MAX);
}

static void test_keys(void)
{
	UNIT_GROUP("cache keys");
	const char *base = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"ab\", \"c\"], "
			   "\"action\": \"SCMP_ACT_ALLOW\"}]}";
	const char *others[] = {
		/* the same names split differently */
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"a\", \"bc\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": [{\"names\": [\"ab\", \"c\"], "
		"\"action\": \"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"ab\", \"c\"], \"action\": \"SCMP_ACT_LOG\"}]}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"ab\", \"c\"], \"action\": \"SCMP_ACT_ALLOW\", "
		"\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": "
		"[\"ab\", \"c\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	};
	struct spec *a = parse_profile(base), *a2 = parse_profile(base);
	size_t la = 0, la2 = 0, lb = 0;
	char *ka = a ? sc_profile_key(a->linux_->seccomp, "lib", &la) : NULL;
	char *ka2 = a2 ? sc_profile_key(a2->linux_->seccomp, "lib", &la2) : NULL;
	CHECK(ka && ka2 && la == la2 && !memcmp(ka, ka2, la));
	char *kl = a ? sc_profile_key(a->linux_->seccomp, "lib2", &lb) : NULL;
	CHECK(kl && !(lb == la && !memcmp(ka, kl, la)));   /* another libseccomp */
	free(kl);
	for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
		struct spec *b = parse_profile(others[i]);
		char *kb = b ? sc_profile_key(b->linux_->seccomp, "lib", &lb) : NULL;
		CHECK(kb && !(lb == la && !memcmp(ka, kb, la)));
		free(kb);
		spec_free(b);
	}
	free(ka);
	free(ka2);
	spec_free(a);
	spec_free(a2);
}

static void test_stub(void)
{
	UNIT_GROUP("ENOSYS stub");
	/* A program that allows everything, with the stub for "max 100". */
	/* The profile: EPERM for getpid and getppid, everything else allowed,
	 * and the stub for "the highest named is getppid (110)". */
	struct sock_filter prog[32] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	unsigned n = sc_enosys_stub(prog, 5, SYS_getppid, -1, -1);
	CHECK_UINT(n, 15);
	struct sc_filter f = { .len = (unsigned short)n, .insns = prog };
	const struct call calls[] = { { SYS_getpid, 0, 0 }, { SYS_getppid, 0, 0 }, { SYS_getpgrp, 0, 0 }, { 1000, 0, 0 } };
	long r[4];
	if (CHECK(run_under(&f, calls, 4, r) == 0)) {
		CHECK_INT(r[0], -EPERM);    /* 39: the profile's own answer */
		CHECK_INT(r[1], -EPERM);    /* 110: the highest named */
		CHECK_INT(r[2], -ENOSYS);   /* 111: newer than the profile */
		CHECK_INT(r[3], -ENOSYS);
	}
}

static void test_compiled(void)
{
	UNIT_GROUP("compiled profiles");
	char dir[] = "/tmp/hull-sc-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	/* kill(pid, sig): arg 1 is the signal; 0 (a probe) with several
	 * operators.  umask(mask): arg 0. */
	struct spec *s = parse_profile(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
		" \"syscalls\": ["
		"  {\"names\": [\"getppid\", \"no_such_syscall_at_all\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 28},"
		"  {\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 33, \"args\":"
		"    [{\"index\": 0, \"value\": 18, \"valueTwo\": 18, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
		"  {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 34, \"args\":"
		"    [{\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_GT\"}]},"
		"  {\"names\": [\"getsid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 35, \"args\":"
		"    [{\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_LE\"}, {\"index\": 0, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]}"
		"]}");
	struct sc_filter f;
	struct hull_err e = { 0 };
	if (!CHECK(s) || !CHECK_INT(sc_prepare(s->linux_->seccomp, dir, &f, &e), 0)) {
		printf("#   %s\n", e.msg);
		spec_free(s);
		return;
	}
	CHECK(!f.cached && !f.notify && f.flags == 0 && f.len > 10);
	const struct call calls[] = {
		{ SYS_getppid, 0, 0 }, { SYS_umask, 022, 0 }, { SYS_umask, 02, 0 }, { SYS_getpgid, 101, 0 },
		{ SYS_getpgid, 0, 0 }, { SYS_getsid, 3, 0 }, { SYS_getsid, 7, 0 }, { SYS_getsid, 6, 0 },
	};
	long r[8];
	if (CHECK(run_under(&f, calls, 8, r) == 0)) {
		CHECK_INT(r[0], -28);
		CHECK_INT(r[1], -33);         /* 022 & 022 == 022 (18) */
		CHECK(r[2] >= 0);             /* 02 & 022 != 022 */
		CHECK_INT(r[3], -34);
		CHECK(r[4] >= 0);
		/* two conditions on one argument are ORed, as runc and crun do */
		CHECK_INT(r[5], -35);
		CHECK_INT(r[6], -35);
		CHECK(r[7] != -35);           /* 6: neither */
	}
	/* Same profile again: from the cache, the same program. */
	struct sc_filter g;
	if (CHECK_INT(sc_prepare(s->linux_->seccomp, dir, &g, &e), 0)) {
		CHECK(g.cached && g.len == f.len && !memcmp(g.insns, f.insns, f.len * sizeof *f.insns));
		sc_filter_free(&g);
	}
	/* A damaged entry is ignored and replaced. */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "for f in %s/*.bpf; do echo garbage > $f; done", dir);
	CHECK(system(cmd) == 0);
	if (CHECK_INT(sc_prepare(s->linux_->seccomp, dir, &g, &e), 0)) {
		CHECK(!g.cached && g.len == f.len);
		sc_filter_free(&g);
	}
	if (CHECK_INT(sc_prepare(s->linux_->seccomp, dir, &g, &e), 0)) {
		CHECK(g.cached);
		sc_filter_free(&g);
	}
	/* No cache directory at all: compiled every time, never an error. */
	if (CHECK_INT(sc_prepare(s->linux_->seccomp, "/nonexistent/hull/cache", &g, &e), 0)) {
		CHECK(!g.cached && g.len == f.len);
		sc_filter_free(&g);
	}
	sc_filter_free(&f);
	spec_free(s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);

	/* Flags and a listener. */
	s = parse_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\", \"flags\": "
			  "[\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
			  " \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
	if (CHECK(s) && CHECK_INT(sc_prepare(s->linux_->seccomp, NULL, &f, &e), 0)) {
		CHECK(f.notify);
		CHECK_UINT(f.flags, SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_LOG | (1U << 5));
		sc_filter_free(&f);
	}
	spec_free(s);
	s = parse_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}");
	if (CHECK(s) && CHECK_INT(sc_prepare(s->linux_->seccomp, NULL, &f, &e), 0)) {
		CHECK_UINT(f.flags, 0);   /* meaningless (and refused) without a listener */
		sc_filter_free(&f);
	}
	spec_free(s);
}

int main(void)
{
	test_actions();
	test_keys();
	test_stub();
	test_compiled();
	return unit_done();
}
