/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for netns/: interface names (netns_name_invalid), the checks
 * of linux.netDevices made before anything exists (netns_devices_check),
 * and one move (netns_link_move) between two network namespaces of the
 * test's own, as root with ip(8) (else skipped).  Moves into containers:
 * tests/integration/netdevices.bats. */
#include "netns/netns.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_names(void)
{
	UNIT_GROUP("interface names");
	CHECK(netns_name_invalid("eth0", false) == NULL);
	CHECK(netns_name_invalid("d0", true) == NULL);
	CHECK(netns_name_invalid("a.b-c_d@e", false) == NULL);
	CHECK(netns_name_invalid("fifteen-bytes.x", false) == NULL);
	CHECK_STR(netns_name_invalid("sixteen-bytes.xy", false), "longer than 15 bytes");
	CHECK_STR(netns_name_invalid("", false), "empty");
	CHECK_STR(netns_name_invalid(".", false), "not a name");
	CHECK_STR(netns_name_invalid("..", true), "not a name");
	CHECK(netns_name_invalid("...", false) == NULL);
	CHECK_STR(netns_name_invalid("a/b", false), "holds a '/'");
	CHECK_STR(netns_name_invalid("eth0:1", false), "holds a ':'");
	CHECK_STR(netns_name_invalid("a b", false), "holds whitespace");
	CHECK_STR(netns_name_invalid("a\tb", true), "holds whitespace");
	CHECK_STR(netns_name_invalid("eth\n", false), "holds whitespace");

	UNIT_GROUP("name templates");
	CHECK(netns_name_invalid("eth%d", true) == NULL);
	CHECK(netns_name_invalid("%d", true) == NULL);
	CHECK_STR(netns_name_invalid("eth%d", false), "holds a '%'");
	CHECK_STR(netns_name_invalid("eth%s", true), "holds a '%' other than one \"%d\"");
	CHECK_STR(netns_name_invalid("a%d%d", true), "holds a '%' other than one \"%d\"");
	CHECK_STR(netns_name_invalid("eth%", true), "holds a '%' other than one \"%d\"");
}

static void test_check(void)
{
	struct hull_err e = { 0 };

	UNIT_GROUP("netDevices checks");
	/* lo is in every network namespace, this test's too. */
	struct spec_net_device ok[] = { { .host_name = "lo", .name = "lo0" } };
	CHECK_INT(netns_devices_check(ok, 1, "config.json: ", &e), 0);
	CHECK_INT(netns_devices_check(NULL, 0, "config.json: ", &e), 0);

	struct spec_net_device missing[] = { { .host_name = "lo" }, { .host_name = "hull-none0" } };
	CHECK_INT(netns_devices_check(missing, 2, "config.json: ", &e), -ENODEV);
	CHECK_STR(e.msg, "config.json: linux.netDevices: interface \"hull-none0\" not found");

	struct spec_net_device bad_key[] = { { .host_name = "a/b" } };
	CHECK_INT(netns_devices_check(bad_key, 1, "", &e), -EINVAL);
	CHECK_STR(e.msg, "linux.netDevices: invalid interface name \"a/b\": holds a '/'");

	struct spec_net_device bad_name[] = { { .host_name = "lo", .name = "sixteen-bytes.xy" } };
	CHECK_INT(netns_devices_check(bad_name, 1, "", &e), -EINVAL);
	CHECK_STR(e.msg, "linux.netDevices.lo.name: invalid interface name \"sixteen-bytes.xy\": longer than 15 bytes");

	struct spec_net_device tmpl_host[] = { { .host_name = "eth%d" } };
	CHECK_INT(netns_devices_check(tmpl_host, 1, "", &e), -EINVAL);
	CHECK_STR(e.msg, "linux.netDevices: invalid interface name \"eth%d\": holds a '%'");

	/* Checked before the hosts' interfaces: no look-up of a bad config. */
	struct spec_net_device dup[] = { { .host_name = "hull-a0", .name = "c0" }, { .host_name = "c0" } };
	CHECK_INT(netns_devices_check(dup, 2, "", &e), -EINVAL);
	CHECK_STR(e.msg, "linux.netDevices: interfaces \"hull-a0\" and \"c0\" are both named \"c0\" in the container");

	/* The kernel numbers templates: two may share one. */
	struct spec_net_device tmpl[] = { { .host_name = "lo", .name = "c%d" }, { .host_name = "lo", .name = "c%d" } };
	CHECK_INT(netns_devices_check(tmpl, 2, "", &e), 0);
}

/* Whether this namespace has an interface named name that is up. */
static bool link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	if (fd >= 0)
		close(fd);
	return up;
}

/* The test process in a network namespace of its own (the "host", with a
 * veth pair v0/v1), a waiting child's as the target: nothing here reaches
 * the machine's interfaces. */
static void test_move(void)
{
	UNIT_GROUP("netns_link_move");
	if (geteuid() != 0 || system("command -v ip >/dev/null") != 0 || unshare(CLONE_NEWNET) < 0 ||
	    system("ip link add v0 type veth peer name v1 && ip addr add 192.0.2.1/24 dev v0") != 0) {
		printf("# skipped: needs root and ip(8)\n");
		return;
	}
	int pipefd[2];
	if (!CHECK(pipe2(pipefd, O_CLOEXEC) == 0))
		return;
	fflush(stdout);
	pid_t target = fork();
	if (target == 0) {
		char ch;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(2);
		(void)!read(pipefd[0], &ch, 1);
		_exit(0);
	}
	close(pipefd[0]);
	/* Wait for its namespace to be another one than the test's. */
	char path[64], a[64], b[64];
	int nsfd = -1;
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)target);
	for (int i = 0; i < 2000 && nsfd < 0; i++) {
		ssize_t na = readlink(path, a, sizeof a - 1), nb = readlink("/proc/self/ns/net", b, sizeof b - 1);
		if (na > 0 && nb > 0 && (na != nb || memcmp(a, b, (size_t)na) != 0))
			nsfd = open(path, O_RDONLY | O_CLOEXEC);
		else
			usleep(1000);
	}
	struct hull_err e = { 0 };
	if (CHECK(nsfd >= 0)) {
		CHECK_INT(netns_link_move("v0", "c0", nsfd, &e), 0);
		if (e.code)
			printf("#   %s\n", e.msg);
		CHECK(if_nametoindex("v0") == 0);
		CHECK_INT(netns_link_move("v0", "c1", nsfd, &e), -ENODEV);
		CHECK_STR(e.msg, "linux.netDevices: interface \"v0\" not found");
		CHECK_INT(netns_link_move("v1", "c0", nsfd, &e), -EEXIST);
		CHECK_STR(e.msg, "linux.netDevices: interface \"v1\": the container already has an interface named \"c0\"");
		CHECK(if_nametoindex("v1") != 0);
		/* The "host" kept: with it would go v1, and c0 with its peer. */
		int host = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (CHECK(setns(nsfd, CLONE_NEWNET) == 0)) {
			CHECK(if_nametoindex("c0") != 0);
			CHECK(link_up("c0"));
			CHECK(system("ip -o addr show dev c0 | grep -q 'inet 192.0.2.1/24 scope global c0'") == 0);
		}
		close(nsfd);
		if (host >= 0)
			close(host);
	}
	close(pipefd[1]);
	waitpid(target, NULL, 0);
}

int main(void)
{
	test_names();
	test_check();
	test_move();
	return unit_done();
}
