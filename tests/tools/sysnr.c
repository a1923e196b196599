/* SPDX-License-Identifier: Apache-2.0 */
/* sysnr: make one raw system call and print its result, for hull's seccomp
 * integration tests.  Built static (the test rootfs has no libc) and copied
 * into a bundle's rootfs.
 *
 *   sysnr [-t] [-i] NR [ARG...]
 *
 * NR and the (at most six) ARGs are numbers (strtoull, base 0: 0x.., 0..,
 * decimal; "-1" is all ones).  Prints one line:
 *   ret=R      the call returned R (exit status 0)
 *   errno=E    the call failed with errno E (exit status 1)
 * -t: catch SIGSYS (SCMP_ACT_TRAP) and print, before the result,
 *   SIGSYS syscall=N code=C errno=E
 * from its siginfo (code 1 is SYS_SECCOMP, errno the action's data).
 * -i: make the call through the i386 ABI (int $0x80: NR is an i386 number,
 *   at most five ARGs, truncated to 32 bits), which a seccomp filter sees
 *   with arch AUDIT_ARCH_I386.
 *
 * A call that made a child that runs on the same code (clone/fork without a
 * new stack) ends that child at once, silently: only the caller prints.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char buf[96];
	int n = snprintf(buf, sizeof buf, "SIGSYS syscall=%d code=%d errno=%d\n", si->si_syscall, si->si_code,
			 si->si_errno);
	if (n > 0)
		(void)!write(1, buf, (size_t)n);
}

static unsigned long number(const char *s)
{
	char *end;
	errno = 0;
	unsigned long v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "sysnr: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int i = 1;
	int i386 = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "-t") == 0) {
			struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
			sigemptyset(&sa.sa_mask);
			sigaction(SIGSYS, &sa, NULL);
		} else if (strcmp(argv[i], "-i") == 0) {
			i386 = 1;
		} else {
			break;
		}
	}
	if (i >= argc || argc - i > 7 - i386) {
		fprintf(stderr, "usage: sysnr [-t] [-i] NR [ARG...] (at most 6 ARGs, 5 with -i)\n");
		return 2;
	}
	long nr = (long)number(argv[i++]);
	unsigned long a[6] = { 0 };
	for (int k = 0; i < argc; i++, k++)
		a[k] = number(argv[i]);

	setvbuf(stdout, NULL, _IONBF, 0);
	long self = syscall(SYS_getpid);
	errno = 0;
	long r;
	int e;
	if (i386) {
#if defined(__x86_64__)
		int ret;
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"((int)nr), "b"((int)a[0]), "c"((int)a[1]), "d"((int)a[2]), "S"((int)a[3]),
				   "D"((int)a[4])
				 : "memory", "cc");
		r = ret;
		e = ret < 0 && ret > -4096 ? -ret : 0;
		if (e)
			r = -1;
#else
		fprintf(stderr, "sysnr: -i needs x86_64\n");
		return 2;
#endif
	} else {
		r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		e = errno;
	}
	if (syscall(SYS_getpid) != self)
		_exit(0); /* a child of clone/fork/vfork */
	if (r == -1 && e != 0) {
		printf("errno=%d\n", e);
		return 1;
	}
	printf("ret=%ld\n", r);
	return 0;
}
