/* SPDX-License-Identifier: Apache-2.0 */
/* The image a container process runs for an instant before its program.
 *
 * hull never re-executes itself, so until the final execve a container's
 * process *is* the hull binary, and /proc/self/exe names it.  A program whose
 * interpreter is /proc/self/exe (the CVE-2019-5736 trick) would make the
 * kernel run the host's hull binary inside the container, where the container
 * could reach it through /proc/PID/exe and write to it once hull has exited.
 * So hull execs this tiny static program from a sealed memfd first: during the
 * real execve, /proc/self/exe is the sealed memfd, which nothing can write.
 *
 * hull appends HULL_EXEC=<program path> as the last environment entry; this
 * removes it and execs that path with the argv and environment it was given.
 * No libc: the whole thing is a few hundred bytes and starts in microseconds. */
#if !defined(__x86_64__)
#error "the exec trampoline is written for x86_64"
#endif

#define SYS_write 1
#define SYS_execve 59
#define SYS_exit 60

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

__attribute__((used)) void trampoline_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **last = envp;
	while (*last)
		last++;
	static const char key[] = "HULL_EXEC=";
	const char *path = 0;
	if (last > envp) {
		const char *e = last[-1];
		unsigned long i = 0;
		while (key[i] && e[i] == key[i])
			i++;
		if (!key[i]) {
			path = e + i;
			last[-1] = 0;
		}
	}
	long r = path ? sys3(SYS_execve, (long)path, (long)argv, (long)envp) : -22;
	/* "hull: exec failed: <path>: errno <n>" */
	static const char msg[] = "hull: exec failed: ";
	sys3(SYS_write, 2, (long)msg, sizeof msg - 1);
	if (path)
		sys3(SYS_write, 2, (long)path, (long)slen(path));
	char num[32];
	int n = sizeof num;
	unsigned long v = (unsigned long)-r;
	num[--n] = '\n';
	do
		num[--n] = (char)('0' + v % 10);
	while ((v /= 10) && n > 10);
	static const char er[] = ": errno ";
	for (int i = (int)sizeof er - 2; i >= 0; i--)
		num[--n] = er[i];
	sys3(SYS_write, 2, (long)&num[n], (long)(sizeof num - (unsigned long)n));
	sys3(SYS_exit, 127, 0, 0);
	for (;;)
		;
}

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call trampoline_main\n"
	"	hlt\n");
