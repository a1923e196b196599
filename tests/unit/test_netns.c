/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for netns/: interface names (netns_name_invalid) and the
 * checks of linux.netDevices made before anything exists
 * (netns_devices_check).  The moves themselves need network namespaces:
 * tests/integration/netdevices.bats. */
#include "netns/netns.h"
#include "tests/unit/unit.h"

#include <errno.h>

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

int main(void)
{
	test_names();
	test_check();
	return unit_done();
}
