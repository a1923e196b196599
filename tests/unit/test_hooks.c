/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for runtime/hooks.c: real hooks from the host (/bin/sh,
 * /bin/true, /bin/sleep, /usr/bin/env), exec'd the way hooks_run does. */
#include "runtime/hooks.h"
#include "runtime/log.h"
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char tmp[] = "/tmp/hull-hooks.XXXXXX";
static char capfile[600];

#define HOOK(p, ...) { .path = (p), .args = (const char *[]){ __VA_ARGS__ }, \
		       .n_args = sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *) }

static void tpath(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", tmp, name);
}

/* Run hooks with hull's stderr (where hook output goes) captured in *out. */
static int run_capture(const char *phase, const struct spec_hook *h, size_t n, const char *state,
		       struct hull_err *e, char **out)
{
	*out = NULL;
	fflush(stderr);
	int saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	int fd = open(capfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (saved < 0 || fd < 0)
		return -999;
	dup2(fd, 2);
	close(fd);
	memset(e, 0, sizeof *e);
	int r = hooks_run(phase, h, n, state, e);
	dup2(saved, 2);
	close(saved);
	size_t len;
	if (read_file(capfile, out, &len) < 0)
		*out = NULL;
	return r;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_basic(void)
{
	struct hull_err e;
	char *out;
	UNIT_GROUP("hooks: empty list and success");
	CHECK_INT(hooks_run("prestart", NULL, 0, "{}", &e), 0);
	struct spec_hook t[] = { { .path = "/bin/true" }, HOOK("/bin/true", "true", "ignored") };
	CHECK_INT(run_capture("prestart", t, 2, "{\"id\":\"c\"}", &e, &out), 0);
	CHECK_STR(out, "");
	free(out);
	/* NULL state: an empty stdin. */
	CHECK_INT(run_capture("prestart", t, 1, NULL, &e, &out), 0);
	free(out);
	CHECK(no_children_left());
}

static void test_stdin(void)
{
	struct hull_err e;
	char *out, file[700];
	UNIT_GROUP("hooks: state on stdin");
	tpath(file, sizeof file, "state.json");
	size_t big = 200 * 1024;
	const char *pre = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,"
			  "\"bundle\":\"/b\",\"annotations\":{\"big\":\"";
	const char *post = "\"}}";
	size_t len = strlen(pre) + big + strlen(post);
	char *state = malloc(len + 1);
	if (!CHECK(state != NULL))
		return;
	strcpy(state, pre);
	memset(state + strlen(pre), 'x', big);
	strcpy(state + strlen(pre) + big, post);

	struct spec_hook h[] = { HOOK("/bin/sh", "sh", "-c", "exec /bin/cat > \"$1\"", "sh", file) };
	CHECK_INT(run_capture("createRuntime", h, 1, state, &e, &out), 0);
	free(out);
	char *got = NULL;
	size_t got_len = 0;
	if (CHECK_INT(read_file(file, &got, &got_len), 0)) {
		CHECK_UINT(got_len, len);
		CHECK(got_len == len && memcmp(got, state, len) == 0);
	}
	free(got);

	/* A small state arrives whole as well. */
	CHECK_INT(run_capture("createRuntime", h, 1, "{\"id\":\"x\"}", &e, &out), 0);
	free(out);
	got = NULL;
	if (CHECK_INT(read_file(file, &got, &got_len), 0))
		CHECK_STR(got, "{\"id\":\"x\"}");
	free(got);

	/* A hook that never reads its stdin: the big state cannot fit in the
	 * pipe, the write gets EPIPE and hull must neither die of SIGPIPE nor
	 * leave one pending or blocked. */
	UNIT_GROUP("hooks: hook ignoring stdin");
	sigset_t before, after, pend;
	sigprocmask(SIG_SETMASK, NULL, &before);
	struct spec_hook t[] = { { .path = "/bin/true" } };
	CHECK_INT(run_capture("prestart", t, 1, state, &e, &out), 0);
	free(out);
	sigprocmask(SIG_SETMASK, NULL, &after);
	CHECK(!sigismember(&after, SIGPIPE));
	CHECK(sigismember(&before, SIGPIPE) == sigismember(&after, SIGPIPE));
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGPIPE));
	/* Same when the hook exits with an error before reading. */
	struct spec_hook f[] = { HOOK("/bin/sh", "sh", "-c", "exit 4") };
	CHECK_INT(run_capture("prestart", f, 1, state, &e, &out), -EIO);
	CHECK_STR(e.msg, "prestart hook 0 (/bin/sh): exited with status 4");
	free(out);
	free(state);
	unlink(file);
	CHECK(no_children_left());
}

static void test_failures(void)
{
	struct hull_err e;
	char *out;
	UNIT_GROUP("hooks: exit status and stderr line");
	struct spec_hook f[] = { HOOK("/bin/sh", "sh", "-c",
				      "echo some output; echo 'bad thing happened' >&2; "
				      "echo second line >&2; exit 3") };
	CHECK_INT(run_capture("poststart", f, 1, "{}", &e, &out), -EIO);
	CHECK_STR(e.msg, "poststart hook 0 (/bin/sh): exited with status 3: bad thing happened");
	/* stdout and stderr both reach hull's stderr. */
	CHECK_STR(out, "some output\nbad thing happened\nsecond line\n");
	free(out);

	struct spec_hook lead[] = { HOOK("/bin/sh", "sh", "-c", "printf '\\n\\r\\nreal\\tline\\r\\n' >&2; exit 2") };
	CHECK_INT(run_capture("poststart", lead, 1, "{}", &e, &out), -EIO);
	CHECK_STR(e.msg, "poststart hook 0 (/bin/sh): exited with status 2: real?line");
	free(out);

	struct spec_hook longl[] = { HOOK("/bin/sh", "sh", "-c", "printf '%0300d\\n' 0 >&2; exit 1") };
	CHECK_INT(run_capture("poststart", longl, 1, "{}", &e, &out), -EIO);
	const char *p = strstr(e.msg, "status 1: ");
	if (CHECK(p != NULL))
		CHECK_UINT(strlen(p + strlen("status 1: ")), 200);
	free(out);

	UNIT_GROUP("hooks: killed by a signal");
	struct spec_hook k[] = { HOOK("/bin/sh", "sh", "-c", "kill -KILL $$") };
	CHECK_INT(run_capture("poststop", k, 1, "{}", &e, &out), -EIO);
	CHECK_STR(e.msg, "poststop hook 0 (/bin/sh): killed by signal 9 (SIGKILL)");
	free(out);
	struct spec_hook k2[] = { HOOK("/bin/sh", "sh", "-c", "echo dying >&2; kill -TERM $$") };
	CHECK_INT(run_capture("poststop", k2, 1, "{}", &e, &out), -EIO);
	CHECK_STR(e.msg, "poststop hook 0 (/bin/sh): killed by signal 15 (SIGTERM): dying");
	free(out);

	UNIT_GROUP("hooks: timeout");
	struct spec_hook s[] = { { .path = "/bin/sleep", .args = (const char *[]){ "sleep", "10" },
				   .n_args = 2, .has_timeout = true, .timeout = 1 } };
	double t0 = now_s();
	CHECK_INT(run_capture("createRuntime", s, 1, "{}", &e, &out), -ETIMEDOUT);
	double dt = now_s() - t0;
	CHECK(dt < 5.0);
	CHECK(dt >= 0.9);
	CHECK_STR(e.msg, "createRuntime hook 0 (/bin/sleep): timed out after 1 s");
	free(out);
	CHECK(no_children_left());
	/* A timeout that does not fire changes nothing. */
	struct spec_hook quick[] = { { .path = "/bin/true", .has_timeout = true, .timeout = 5 } };
	CHECK_INT(run_capture("createRuntime", quick, 1, "{}", &e, &out), 0);
	free(out);

	UNIT_GROUP("hooks: cannot exec");
	struct spec_hook m[] = { HOOK("/nonexistent/hook", "hook") };
	CHECK_INT(run_capture("prestart", m, 1, "{}", &e, &out), -ENOENT);
	CHECK_STR(e.msg, "prestart hook 0 (/nonexistent/hook): exec: No such file or directory");
	CHECK_STR(out, "");
	free(out);
	char noexec[700];
	tpath(noexec, sizeof noexec, "noexec");
	int fd = open(noexec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	struct spec_hook ne[] = { { .path = noexec } };
	CHECK_INT(run_capture("prestart", ne, 1, "{}", &e, &out), -EACCES);
	CHECK(strstr(e.msg, "exec: Permission denied") != NULL);
	free(out);
	unlink(noexec);
	struct spec_hook rel[] = { { .path = "bin/true" } };
	CHECK_INT(run_capture("prestart", rel, 1, "{}", &e, &out), -EINVAL);
	CHECK_STR(e.msg, "prestart hook 0 (bin/true): path must be absolute");
	free(out);
	/* Not looked up in PATH: "true" is not a path. */
	struct spec_hook bare[] = { { .path = "/true-not-here" } };
	CHECK_INT(run_capture("prestart", bare, 1, "{}", &e, &out), -ENOENT);
	free(out);
	CHECK(no_children_left());
}

static void test_env_args(void)
{
	struct hull_err e;
	char *out;
	UNIT_GROUP("hooks: env is exactly the given one");
	struct spec_hook en[] = { { .path = "/usr/bin/env",
				    .env = (const char *[]){ "A=1", "B=two words", "PATH=/nowhere" },
				    .n_env = 3 } };
	setenv("HULL_TEST_LEAK", "1", 1);
	CHECK_INT(run_capture("prestart", en, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "A=1\nB=two words\nPATH=/nowhere\n");
	free(out);
	struct spec_hook none[] = { { .path = "/usr/bin/env" } };
	CHECK_INT(run_capture("prestart", none, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "");
	free(out);
	unsetenv("HULL_TEST_LEAK");

	UNIT_GROUP("hooks: argv");
	/* sh -c with no operands: $0 is the shell's own argv[0]. */
	struct spec_hook a0[] = { HOOK("/bin/sh", "my-hook-name", "-c", "echo \"$0\" >&2") };
	CHECK_INT(run_capture("prestart", a0, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "my-hook-name\n");
	free(out);
	struct spec_hook a1[] = { HOOK("/bin/sh", "sh", "-c", "echo \"$0|$1|$#\" >&2", "x", "y z") };
	CHECK_INT(run_capture("prestart", a1, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "x|y z|1\n");
	free(out);
	/* No args: argv is {path}; here sh reads its script from stdin. */
	struct spec_hook noargs[] = { { .path = "/bin/sh" } };
	CHECK_INT(run_capture("prestart", noargs, 1, "echo \"$0\" >&2\n", &e, &out), 0);
	CHECK_STR(out, "/bin/sh\n");
	free(out);
}

static void test_sequence(void)
{
	struct hull_err e;
	char *out, file[700], marker[700];
	UNIT_GROUP("hooks: order and first failure");
	tpath(file, sizeof file, "order");
	tpath(marker, sizeof marker, "marker");
	struct spec_hook ok[] = { HOOK("/bin/sh", "sh", "-c", "printf a >> \"$1\"", "sh", file),
				  HOOK("/bin/sh", "sh", "-c", "printf b >> \"$1\"", "sh", file) };
	CHECK_INT(run_capture("prestart", ok, 2, "{}", &e, &out), 0);
	free(out);
	char *got = NULL;
	if (CHECK_INT(read_file(file, &got, NULL), 0))
		CHECK_STR(got, "ab");
	free(got);

	struct spec_hook stop[] = { HOOK("/bin/true", "true"),
				    HOOK("/bin/sh", "sh", "-c", "echo nope >&2; exit 1"),
				    HOOK("/bin/sh", "sh", "-c", ": > \"$1\"", "sh", marker) };
	CHECK_INT(run_capture("startContainer", stop, 3, "{}", &e, &out), -EIO);
	CHECK_STR(e.msg, "startContainer hook 1 (/bin/sh): exited with status 1: nope");
	CHECK(access(marker, F_OK) < 0 && errno == ENOENT);
	free(out);
	unlink(file);
	unlink(marker);
}

static void test_isolation(void)
{
	struct hull_err e;
	char *out, file[700];
	UNIT_GROUP("hooks: clean signal state and fds");
	tpath(file, sizeof file, "pid");
	sigset_t blk, old;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigaddset(&blk, SIGTERM);
	sigprocmask(SIG_BLOCK, &blk, &old);
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldint;
	sigaction(SIGINT, &ign, &oldint);
	/* Deliberately without O_CLOEXEC, and above the fds the child uses
	 * for its own setup. */
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int leak = nul >= 0 ? fcntl(nul, F_DUPFD, 20) : -1;
	if (nul >= 0)
		close(nul);

	struct spec_hook st[] = { HOOK("/bin/sh", "sh", "-c",
				       "while read -r k v; do case $k in SigBlk:|SigIgn:) "
				       "echo \"$k $v\" >&2;; esac; done < /proc/$$/status") };
	CHECK_INT(run_capture("prestart", st, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "SigBlk: 0000000000000000\nSigIgn: 0000000000000000\n");
	free(out);
	/* Probe fd numbers one by one: a glob of /proc/self/fd would see
	 * the directory fd of the shell's own opendir. */
	CHECK(leak >= 20 && leak < 30);
	struct spec_hook fds[] = { HOOK("/bin/sh", "sh", "-c",
					"n=0; while [ $n -lt 30 ]; do [ -e /proc/$$/fd/$n ] && "
					"printf '%s ' $n >&2; n=$((n+1)); done; echo >&2") };
	CHECK_INT(run_capture("prestart", fds, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "0 1 2 \n");
	free(out);

	if (leak >= 0)
		close(leak);
	sigaction(SIGINT, &oldint, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	UNIT_GROUP("hooks: backgrounded grandchild does not hold hull");
	struct spec_hook bg[] = { HOOK("/bin/sh", "sh", "-c",
				       "/bin/sleep 10 & echo $! > \"$1\"; echo started >&2", "sh", file) };
	double t0 = now_s();
	CHECK_INT(run_capture("poststart", bg, 1, "{}", &e, &out), 0);
	CHECK(now_s() - t0 < 5.0);
	CHECK_STR(out, "started\n");
	free(out);
	char *pid = NULL;
	if (read_file(file, &pid, NULL) == 0 && atoi(pid) > 1)
		kill(atoi(pid), SIGKILL);
	free(pid);
	unlink(file);
}

/* Last: log_init changes where this process logs for good. */
static void test_debug_log(void)
{
	struct hull_err e;
	char *out, logp[700];
	UNIT_GROUP("hooks: output also logged at debug level");
	tpath(logp, sizeof logp, "hull.log");
	if (!CHECK_INT(log_init(logp, "text", 1), 0))
		return;
	struct spec_hook h[] = { HOOK("/bin/sh", "sh", "-c", "echo to-out; printf 'to-err\\n\\ntail' >&2") };
	CHECK_INT(run_capture("poststop", h, 1, "{}", &e, &out), 0);
	CHECK_STR(out, "to-out\nto-err\n\ntail");
	free(out);
	char *log = NULL;
	if (CHECK_INT(read_file(logp, &log, NULL), 0)) {
		CHECK(strstr(log, "running poststop hook 0: /bin/sh") != NULL);
		CHECK(strstr(log, "poststop hook 0 (/bin/sh) stdout: to-out\"") != NULL);
		CHECK(strstr(log, "poststop hook 0 (/bin/sh) stderr: to-err\"") != NULL);
		CHECK(strstr(log, "poststop hook 0 (/bin/sh) stderr: tail\"") != NULL);
	}
	free(log);
	unlink(logp);
}

int main(void)
{
	alarm(60);
	if (!mkdtemp(tmp))
		return 1;
	snprintf(capfile, sizeof capfile, "%s/stderr", tmp);
	test_basic();
	test_stdin();
	test_failures();
	test_env_args();
	test_sequence();
	test_isolation();
	test_debug_log();
	unlink(capfile);
	if (rmdir(tmp) < 0)
		printf("# could not remove %s\n", tmp);
	return unit_done();
}
