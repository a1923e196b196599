/* SPDX-License-Identifier: Apache-2.0 */
/* measure: run a command and print "wall_us cpu_us maxrss_kib exit" for it.
 *
 *   measure [-q] [-m MNTNS] COMMAND [ARGS...]
 *
 * wall from CLOCK_MONOTONIC around fork+exec+wait; cpu is user+system time
 * of the command and every descendant it waited for (wait4's rusage), so
 * `hull run` counts the container's own process too; maxrss is the largest
 * resident set among them (the kernel's ru_maxrss).  -q sends the command's
 * stdout and stderr to /dev/null.  -m runs it in the mount namespace MNTNS
 * (a /proc/PID/ns/mnt), entered before the clock starts.  The benchmarks in
 * contrib/bench use it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1, quiet = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-q")) {
			quiet = 1;
		} else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			int fd = open(argv[++i], O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
				perror("measure: -m");
				return 2;
			}
			close(fd);
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: measure [-q] [-m MNTNS] COMMAND [ARGS...]\n");
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 2;
	}
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[i], argv + i);
		perror("measure: exec");
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("measure: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	long wall = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
	long cpu = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
	printf("%ld %ld %ld %d\n", wall, cpu, ru.ru_maxrss, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
