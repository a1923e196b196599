#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.netDevices: host interfaces moved into the container's network
# namespace, renamed, with their addresses, set up; refused without a new
# network namespace or for an interface that is not there.
#
# Nothing here touches the machine's own interfaces: each test makes a
# network namespace of its own ($NETNS), whose veth interfaces play the host's
# (veth: the kernels this runs on may lack the dummy driver), and runs hull inside it (nsenter --net: only the network
# namespace changes, hull sees the host's mounts and cgroups as usual).

load helpers

setup() {
	common_setup
	NETNS="hull-t-$$-${BATS_SUITE_TEST_NUMBER:-0}"
	ip netns add "$NETNS"
	hostip link add d0 type veth peer name p0
	hostip link set d0 mtu 1400 up
	hostip addr add 192.0.2.10/24 dev d0
	hostip addr add 192.0.2.11/24 brd + dev d0
	hostip -6 addr add 2001:db8::10/64 dev d0 nodad
	# not moved: a link-scope address
	hostip addr add 192.0.2.99/32 scope link dev d0
}

teardown() {
	common_teardown
	ip netns del "$NETNS" 2>/dev/null || true
}

# hostip ARGS...: ip(8) in the test's "host" namespace.
hostip() { ip -n "$NETNS" "$@"; }

# nhull ARGS...: hull run in the test's namespace.
nhull() {
	HULL_TEST_MARK="$HULL_TEST_DIR" nsenter --net="/run/netns/$NETNS" "$HULL" --root "$HULL_ROOT" "$@" 3>&-
}

# nrun ARGS...: `nhull ARGS...` as hrun does it (status, output, stderr).
nrun() {
	HRUN_N=$((${HRUN_N:-0} + 1))
	local o="$HULL_TEST_DIR/nrun.$HRUN_N.out" e="$HULL_TEST_DIR/nrun.$HRUN_N.err"
	status=0
	nhull "$@" >"$o" 2>"$e" </dev/null || status=$?
	hrun_record "$o" "$e" "hull $*"
}

# net_devices JSON: linux.netDevices.
net_devices() { set_cfg ".linux.netDevices = $1"; }

# d0 is still on the host as it was: up, its mtu and its addresses.
d0_on_host_as_before() {
	hostip -o link show d0 | grep -q 'mtu 1400'
	hostip -o link show d0 | grep -qE '[<,]UP[,>]'
	hostip -o addr show dev d0 | grep -q 'inet 192.0.2.10/24'
	hostip -o addr show dev d0 | grep -q 'inet 192.0.2.11/24 brd 192.0.2.255'
	hostip -o addr show dev d0 | grep -q 'inet6 2001:db8::10/64'
}

@test "netDevices: the interface is in the container under its new name, with its addresses, up" {
	net_devices '{"d0": {"name": "c0"}}'
	set_sh 'ls /sys/class/net; cat /sys/class/net/c0/mtu; ip -o link show c0; ip -o addr show dev c0'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	grep -qx c0 <<<"$output"
	! grep -qx d0 <<<"$output"
	grep -qx 1400 <<<"$output"
	grep -qE 'c0@[^:]*: <([^>]*,)?UP[,>]' <<<"$output"
	grep -q 'inet 192.0.2.10/24 scope global c0' <<<"$output"
	grep -q 'inet 192.0.2.11/24 brd 192.0.2.255 scope global secondary c0' <<<"$output"
	grep -q 'inet6 2001:db8::10/64 scope global' <<<"$output"
	# only permanent addresses of global scope move
	! grep -q 192.0.2.99 <<<"$output"
}

@test "netDevices: without a name the interface keeps its own" {
	net_devices '{"d0": {}}'
	set_sh 'ip -o addr show dev d0'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	grep -q 'inet 192.0.2.10/24' <<<"$output"
}

@test "netDevices: into a container with a user namespace too" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
	net_devices '{"d0": {"name": "c0"}}'
	set_sh 'ip -o addr show dev c0'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	grep -q 'inet 192.0.2.10/24 scope global c0' <<<"$output"
}

@test "netDevices: a name with %d is numbered by the kernel" {
	hostip link add d1 type veth peer name p1
	hostip addr add 198.51.100.1/24 dev d1
	net_devices '{"d0": {"name": "c%d"}, "d1": {"name": "c%d"}}'
	set_sh 'ls /sys/class/net; ip -o link; ip -o addr'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	grep -qx c0 <<<"$output"
	grep -qx c1 <<<"$output"
	# each with its own addresses, both up
	grep -q 'c0 *inet 192.0.2.10/24' <<<"$output"
	grep -q 'c1 *inet 198.51.100.1/24' <<<"$output"
	grep -qE 'c0@[^:]*: <([^>]*,)?UP[,>]' <<<"$output"
	grep -qE 'c1@[^:]*: <([^>]*,)?UP[,>]' <<<"$output"
}

@test "netDevices: gone from the host while the container exists; a virtual one goes with its namespace" {
	net_devices '{"d0": {"name": "c0"}}'
	nhull create -b "$BUNDLE" "$CID" >"$HULL_TEST_DIR/out" 2>&1 </dev/null
	[ "$(ct_status)" = created ]
	run hostip link show d0
	[ "$status" -ne 0 ]
	pid="$(ct_pid)"
	# already there before the program starts
	nsenter --net="/proc/$pid/ns/net" ip -o addr show dev c0 | grep -q 'inet 192.0.2.10/24'
	hull start "$CID"
	wait_status "$CID" running
	hull delete -f "$CID"
	# not moved back (the spec says not to): a veth dies with the
	# namespace, and its peer with it
	retry 100 0.05 test -z "$(hostip -o link show 2>/dev/null | grep -E ': (d0|c0|p0)[:@]')"
	assert_nothing_left
}

@test "netDevices: refused without a new network namespace, nothing left" {
	net_devices '{"d0": {"name": "c0"}}'
	del_ns network
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.netDevices: requires a new network namespace"
	assert_nothing_left
	d0_on_host_as_before
}

@test "netDevices: refused when joining a network namespace" {
	net_devices '{"d0": {}}'
	add_ns network "/run/netns/$NETNS"
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.netDevices: requires a new network namespace"
	assert_nothing_left
	d0_on_host_as_before
}

@test "netDevices: an interface that is not there is refused by name, nothing left" {
	net_devices '{"d0": {}, "nope0": {"name": "c1"}}'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.netDevices: interface "nope0" not found'
	assert_nothing_left
	d0_on_host_as_before
}

@test "netDevices: invalid names are refused, naming them" {
	net_devices '{"d0": {"name": "a/b"}}'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.netDevices.d0.name: invalid interface name "a/b"'
	net_devices '{"d0": {"name": "sixteen-bytes.xy"}}'
	nrun run -b "$BUNDLE" "$CID"
	assert_one_line_error '"sixteen-bytes.xy": longer than 15 bytes'
	net_devices '{"..": {}}'
	nrun run -b "$BUNDLE" "$CID"
	assert_one_line_error 'linux.netDevices: invalid interface name ".."'
	assert_nothing_left
	d0_on_host_as_before
}

@test "netDevices: a name taken inside is refused, naming both, and nothing moves" {
	hostip link add d1 type veth peer name p1
	net_devices '{"d1": {}, "d0": {"name": "lo"}}'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'interface "d0"' '"lo"'
	assert_nothing_left
	d0_on_host_as_before
	hostip link show d1
}

@test "netDevices: a create failing after the move gives the interface back as it was" {
	net_devices '{"d0": {"name": "c0"}}'
	# (the hook runs in hull's network namespace: d0 has left it by then)
	set_cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "ip link show d0 >/dev/null 2>&1 || exit 3; exit 4"]}]'
	nrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error createRuntime "status 3"
	assert_nothing_left
	d0_on_host_as_before
	run hostip link show c0
	[ "$status" -ne 0 ]
}

@test "features: netDevices is enabled" {
	run hull features
	[ "$status" -eq 0 ]
	[ "$(jq -r .linux.netDevices.enabled <<<"$output")" = true ]
}
