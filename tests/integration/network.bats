#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull's networks: `hull network create|ls|inspect|rm`, the default network
# `hull`, and containers joined to them (--network NAME|none|host|ns:PATH,
# -p, --ip, --ip6, --mac-address, --dns, --hostname, --add-host, and the
# io.github.hull.* annotations of a plain bundle): addresses, routes,
# /etc/hosts, /etc/hostname, /etc/resolv.conf, published ports (DNAT in the
# nftables table `inet hull`), and what delete (also after a SIGKILL of hull
# in the middle of a create) leaves: nothing.
#
# Nothing here touches the machine's own network namespace: each test makes
# one that plays the host ($NETNS, see tests/lib/netns.bash), and every hull
# command runs inside it; a "remote host" is one more namespace joined to it
# by a veth pair (192.0.2.1 on the host's side, 192.0.2.2 on the remote's).
# Teardown deletes the containers, then the namespaces.  Each test has a
# store of its own.
#
# Faults: hull killed with SIGKILL at random moments of a create (50
# rounds), and, with strace's --inject=SYSCALL:signal=KILL:when=N, at
# points of its join (HULL_NET_FAULT_POINTS of them, default 40; 1000: at
# every call from the lease to the last netlink message) and of a delete's
# leave (every kth call and the call right after each file it removes);
# then `delete --force` must leave no state, veth, lease, port record or
# nftables map element.

load helpers
source "$HULL_REPO_DIR/tests/lib/netns.bash"

setup() {
	common_setup
	need_cmd ip
	need_cmd nft
	need_cmd nsenter
	need_cmd curl
	netns_setup
	net_bundle "$HULL_TEST_DIR/bundle"
}

teardown() { netns_teardown; }

# sub24_gw SUBNET: the first address of an IPv4 /N ("10.89.3.0/24" -> 10.89.3.1).
sub_gw4() {
	local a="${1%/*}"
	echo "${a%.*}.$((${a##*.} + 1))"
}

# in_subnet4 ADDR SUBNET: ADDR is in SUBNET (IPv4).
in_subnet4() {
	local a="$1" n="${2%/*}" p="${2#*/}" ai ni mask
	ai=$(ip4_int "$a")
	ni=$(ip4_int "$n")
	mask=$(((0xffffffff << (32 - p)) & 0xffffffff))
	[ $((ai & mask)) -eq $((ni & mask)) ]
}
ip4_int() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	echo $((($1 << 24) + ($2 << 16) + ($3 << 8) + $4))
}

# create_err WORD ARGS...: `hull network create ARGS...` fails with one line
# naming WORD, and the networks are still exactly $NETS_BEFORE.
create_err() {
	local word="$1"
	shift
	nhrun network create "$@"
	if [ "$status" -eq 0 ]; then
		echo "network create $* was accepted" >&2
		return 1
	fi
	assert_one_line_error "$word" || return 1
	local now
	now="$(nhull network ls -q | sort | tr '\n' ' ')"
	if [ "$now" != "$NETS_BEFORE" ]; then
		echo "network create $*: networks now '$now', were '$NETS_BEFORE'" >&2
		return 1
	fi
	none_left bridges "$(host_bridges)"
}

# ------------------------------------------------------------ network commands

@test "network: create, ls (table, json, -q), inspect and rm round trip" {
	nhrun network create net1
	[ "$status" -eq 0 ]
	[ "$output" = net1 ]
	[ -z "$stderr" ]
	[ -d "$STORE/networks/net1" ]

	nhrun network inspect net1
	[ "$status" -eq 0 ]
	[ "$(jq 'length' <<<"$output")" = 1 ]
	[ "$(jq -r '.[0].name' <<<"$output")" = net1 ]
	br1="$(jq -r '.[0].bridge' <<<"$output")"
	[ -n "$br1" ] && [ "$br1" != null ]
	[ "$(jq -r '.[0].internal' <<<"$output")" = false ]
	[ "$(jq -r '.[0].subnets | length' <<<"$output")" = 1 ]
	sub1="$(jq -r '.[0].subnets[0].subnet' <<<"$output")"
	[[ "$sub1" =~ ^10\.89\.[0-9]+\.0/24$ ]]
	[ "$(jq -r '.[0].subnets[0].gateway' <<<"$output")" = "$(sub_gw4 "$sub1")" ]
	[ "$(jq -r '.[0].containers | length' <<<"$output")" = 0 ]

	# given everything
	nhrun network create --subnet 10.77.0.0/24 --gateway 10.77.0.254 --internal --bridge hullt-br2 net2
	[ "$status" -eq 0 ]
	[ "$output" = net2 ]
	# a second automatic one gets another free subnet
	nhrun network create net3
	[ "$status" -eq 0 ]

	nhrun network inspect net2 net3
	[ "$status" -eq 0 ]
	[ "$(jq 'length' <<<"$output")" = 2 ]
	[ "$(jq -r '.[0].name' <<<"$output")" = net2 ]
	[ "$(jq -r '.[0].bridge' <<<"$output")" = hullt-br2 ]
	[ "$(jq -r '.[0].internal' <<<"$output")" = true ]
	[ "$(jq -r '.[0].subnets[0].subnet' <<<"$output")" = 10.77.0.0/24 ]
	[ "$(jq -r '.[0].subnets[0].gateway' <<<"$output")" = 10.77.0.254 ]
	[ "$(jq -r '.[1].name' <<<"$output")" = net3 ]
	sub3="$(jq -r '.[1].subnets[0].subnet' <<<"$output")"
	[[ "$sub3" =~ ^10\.89\.[0-9]+\.0/24$ ]]
	[ "$sub3" != "$sub1" ]
	[ "$(jq -r '.[1].bridge' <<<"$output")" != "$br1" ]

	# the table: a header, one line per network, the default one included
	nhrun network ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME[[:space:]]+BRIDGE[[:space:]]+SUBNETS ]]
	[ "${#lines[@]}" -eq 5 ]
	printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort >"$HULL_TEST_DIR/names"
	[ "$(tr '\n' ' ' <"$HULL_TEST_DIR/names")" = "hull net1 net2 net3 " ]
	grep -E '^net1[[:space:]]' <<<"$output" | grep -qF "$sub1"
	grep -E '^net2[[:space:]]' <<<"$output" | grep -qF hullt-br2
	grep -E '^net2[[:space:]]' <<<"$output" | grep -qF 10.77.0.0/24

	nhrun network ls --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.[].name] | sort | join(" ")' <<<"$output")" = "hull net1 net2 net3" ]
	[ "$(jq -r '.[] | select(.name == "net2") | .bridge' <<<"$output")" = hullt-br2 ]

	nhrun network ls -q
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "hull net1 net2 net3 " ]

	# no container joined: no bridge made yet
	none_left bridges "$(host_bridges)"

	nhrun network rm net1 net2
	[ "$status" -eq 0 ]
	nhrun network rm net3
	[ "$status" -eq 0 ]
	nhrun network ls -q
	[ "$output" = hull ]
	[ ! -e "$STORE/networks/net1" ]
	[ ! -e "$STORE/networks/net2" ]

	nhrun network inspect net1
	[ "$status" -ne 0 ]
	assert_one_line_error "network net1 not found"
	nhrun network rm net1
	[ "$status" -ne 0 ]
	assert_one_line_error net1
	# a free subnet again
	nhrun network create net4
	[ "$status" -eq 0 ]
}

@test "network: create --ipv6 picks a ULA /64; given IPv4 and IPv6 subnets get their first addresses as gateways" {
	nhrun network create --ipv6 v6auto
	[ "$status" -eq 0 ]
	[ "$output" = v6auto ]
	nhrun network inspect v6auto
	s6="$(jq -r '.[0].subnets[] | select(.subnet | contains(":")) | .subnet' <<<"$output")"
	g6="$(jq -r '.[0].subnets[] | select(.subnet | contains(":")) | .gateway' <<<"$output")"
	[[ "$s6" =~ ^fd[0-9a-f]{2}:[0-9a-f:]*::/64$ ]]
	[ "$g6" = "${s6%/64}1" ]

	nhrun network create --ipv6 --subnet 10.88.5.0/24 --subnet fd00:1:2:3::/64 dual
	[ "$status" -eq 0 ]
	nhrun network inspect dual
	[ "$(jq -r '[.[0].subnets[] | "\(.subnet)=\(.gateway)"] | sort | join(" ")' <<<"$output")" = \
		"10.88.5.0/24=10.88.5.1 fd00:1:2:3::/64=fd00:1:2:3::1" ]

	# a second automatic IPv6 network gets another ULA subnet
	nhrun network create --ipv6 v6auto2
	[ "$status" -eq 0 ]
	s6b="$(nhull network inspect v6auto2 | jq -r '.[0].subnets[] | select(.subnet | contains(":")) | .subnet')"
	[ -n "$s6b" ]
	[ "$s6b" != "$s6" ]
}

@test "network: the default network hull is listed and inspectable without being created, and containers join it" {
	nhrun network ls -q
	[ "$status" -eq 0 ]
	[ "$output" = hull ]
	nhrun network ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME[[:space:]]+BRIDGE[[:space:]]+SUBNETS ]]
	grep -qE '^hull[[:space:]]+hull0[[:space:]]' <<<"$output"
	nhrun network inspect hull
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].bridge' <<<"$output")" = hull0 ]
	sub="$(jq -r '.[0].subnets[0].subnet' <<<"$output")"
	# a private /16, normally 10.90.0.0/16
	[[ "$sub" =~ ^(10\.[0-9]+|172\.(1[6-9]|2[0-9]|3[01])|192\.168)\.0\.0/16$ ]]
	[ "$(jq -r '.[0].subnets[0].gateway' <<<"$output")" = "$(sub_gw4 "$sub")" ]
	# it cannot be created again
	nhrun network create hull
	[ "$status" -ne 0 ]
	assert_one_line_error "network hull already exists"

	nct_create "$CID" "$BUNDLE" --network hull
	addr="$(ct_addr4 "$CID")"
	in_subnet4 "$addr" "$sub"
	hostip -o link show hull0
	[ "$(net_ct_addrs hull "$CID")" = "$addr/16" ]
}

@test "network: automatic subnets avoid the host's routes (a default route does not count)" {
	netns_remote
	hostip route add default via 192.0.2.2
	hostip link add hr0 type veth peer name hr1
	hostip addr add 10.89.0.1/24 dev hr0
	hostip addr add 10.90.3.1/24 dev hr0
	hostip link set hr0 up
	hostip link set hr1 up
	nhrun network inspect hull
	[ "$status" -eq 0 ]
	sub="$(jq -r '.[0].subnets[0].subnet' <<<"$output")"
	[[ "$sub" == */16 ]]
	refute in_subnet4 10.90.3.1 "$sub"
	nhrun network create auto1
	[ "$status" -eq 0 ]
	s1="$(nhull network inspect auto1 | jq -r '.[0].subnets[0].subnet')"
	[[ "$s1" =~ ^10\.89\.[0-9]+\.0/24$ ]]
	[ "$s1" != 10.89.0.0/24 ]
	# one given that overlaps a route of the host is refused
	nhrun network create --subnet 10.89.0.0/24 clash
	[ "$status" -ne 0 ]
	assert_one_line_error 10.89.0.0/24
	refute nhull network inspect clash
	# and containers on the automatic ones work
	nct_create "$CID" "$BUNDLE" --network auto1 --network hull
	in_subnet4 "$(ct_addr4 "$CID" eth0)" "$s1"
	in_subnet4 "$(ct_addr4 "$CID" eth1)" "$sub"
}

@test "network: create errors name the value, exit non-zero and create nothing" {
	nhull network create --subnet 10.70.0.0/16 okA >/dev/null
	NETS_BEFORE="$(nhull network ls -q | sort | tr '\n' ' ')"
	[ "$NETS_BEFORE" = "hull okA " ]
	create_err 10.89.0.0/33 --subnet 10.89.0.0/33 bad1
	create_err 10.89.0.1/24 --subnet 10.89.0.1/24 bad1
	create_err foo --subnet foo bad1
	create_err fd00::1/64 --ipv6 --subnet fd00::1/64 bad1
	# overlaps okA's
	create_err 10.70.5.0/24 --subnet 10.70.5.0/24 bad1
	create_err 10.0.0.0/8 --subnet 10.0.0.0/8 bad1
	# a gateway outside the subnet
	create_err 10.72.0.1 --subnet 10.71.0.0/24 --gateway 10.72.0.1 bad1
	create_err "network okA already exists" okA
	create_err "network okA already exists" --subnet 10.73.0.0/24 okA
	create_err "bad/name" bad/name
	create_err "a b" "a b"
	create_err "$(printf 'n%.0s' {1..64})" "$(printf 'n%.0s' {1..64})"
	create_err abcdefghijklmnop --bridge abcdefghijklmnop bad1
	# an interface the host has is never taken (network rm would delete it)
	hostip link add hostdummy0 type veth peer name hostdummy1
	create_err "--bridge hostdummy0: the host already has an interface of that name" --bridge hostdummy0 bad1
	hostip link show hostdummy0
	[ ! -e "$STORE/networks/bad1" ]
	[ ! -e "$STORE/networks/bad" ]
	refute hostip link show abcdefghijklmnop
	# the refused subnets are still free
	nhrun network create --subnet 10.71.0.0/24 bad1
	[ "$status" -eq 0 ]
}

# ------------------------------------------------------------ containers on a network

@test "network: two containers on one network ping each other and talk TCP" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	net_bundle "$HULL_TEST_DIR/a" sh -c 'while :; do echo hi-from-a | nc -l -p 9000; done'
	nct_run "$CID-a" "$BUNDLE" --network net1
	a="$(ct_addr4 "$CID-a")"
	in_subnet4 "$a" 10.66.0.0/24
	[ "$a" != 10.66.0.1 ]
	# inspect agrees with what the container has
	nhrun network inspect net1
	[ "$(jq -r --arg id "$CID-a" '.[0].containers[] | select(.id == $id) | .interface' <<<"$output")" = eth0 ]
	[ "$(jq -r --arg id "$CID-a" '.[0].containers[] | select(.id == $id) | .addresses[0]' <<<"$output")" = "$a/24" ]
	mac="$(jq -r --arg id "$CID-a" '.[0].containers[] | select(.id == $id) | .mac' <<<"$output")"
	in_ct "$CID-a" ip -o link show eth0 | grep -qi "link/ether $mac"
	# the lease: STORE/networks/NAME/leases/ADDRESS says "ID IFNAME"
	[ "$(lease_owner "$STORE/networks/net1/leases/$a")" = "$CID-a eth0" ]
	# one veth on the host, in the bridge
	[ "$(host_veths | wc -l)" -eq 1 ]
	br="$(nhull network inspect net1 | jq -r '.[0].bridge')"
	hostip -o link show "$(host_veths)" | grep -q "master $br"

	net_bundle "$HULL_TEST_DIR/c"
	nct_run "$CID-c" "$BUNDLE" --network net1
	c="$(ct_addr4 "$CID-c")"
	[ "$c" != "$a" ]

	net_bundle "$HULL_TEST_DIR/b"
	set_sh "
		ip -o -4 addr show dev eth0
		ip route
		for i in 1 2 3 4 5; do ping -c 1 -W 2 $a >/dev/null && { echo ping-ok; break; }; done
		for i in \$(seq 50); do
			out=\$(timeout 5 nc $a 9000 </dev/null) && [ -n \"\$out\" ] && { echo tcp:\$out; break; }
			sleep 0.2
		done"
	nhrun run -b "$BUNDLE" --network net1 "$CID-b"
	[ "$status" -eq 0 ]
	grep -qx ping-ok <<<"$output"
	grep -qx tcp:hi-from-a <<<"$output"
	grep -q 'inet 10\.66\.0\.[0-9]*/24' <<<"$output"
	refute grep -q "inet $a/" <<<"$output"
	grep -q '^default via 10.66.0.1 dev eth0' <<<"$output"

	# and A reaches C the other way, by ping (C made before B: B's address,
	# free again once B is gone, would be C's with another MAC, which A's
	# neighbour cache takes seconds to learn)
	nhrun exec "$CID-a" sh -c "for i in 1 2 3; do ping -c 1 -W 2 $c >/dev/null && { echo ping-ok; break; }; done"
	[ "$output" = ping-ok ]
}

@test "network: /etc/hosts, /etc/hostname and /etc/resolv.conf from --hostname, --add-host and --dns" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	set_sh 'cat /etc/hosts; echo ===; cat /etc/hostname; echo ===; cat /etc/resolv.conf; echo ===; hostname; ip -o -4 addr show dev eth0'
	nhrun run -b "$BUNDLE" --network net1 --hostname web1 --dns 192.0.2.53 --dns 192.0.2.54 \
		--add-host db:10.1.2.3 --add-host cache:10.1.2.4 "$CID"
	[ "$status" -eq 0 ]
	hosts="$(awk '/^===$/ {exit} {print}' <<<"$output")"
	hostname_file="$(awk '/^===$/ {n++; next} n == 1' <<<"$output")"
	resolv="$(awk '/^===$/ {n++; next} n == 2' <<<"$output")"
	rest="$(awk '/^===$/ {n++; next} n == 3' <<<"$output")"
	addr="$(grep -o 'inet 10\.66\.0\.[0-9]*' <<<"$rest" | cut -d' ' -f2)"
	[ -n "$addr" ]
	grep -qE '^127\.0\.0\.1[[:space:]]+(.*[[:space:]])?localhost([[:space:]]|$)' <<<"$hosts"
	grep -qE '^::1[[:space:]]+(.*[[:space:]])?localhost([[:space:]]|$)' <<<"$hosts"
	grep -qE "^${addr//./\\.}[[:space:]]+(.*[[:space:]])?web1([[:space:]]|\$)" <<<"$hosts"
	grep -qE '^10\.1\.2\.3[[:space:]]+db$' <<<"$hosts"
	grep -qE '^10\.1\.2\.4[[:space:]]+cache$' <<<"$hosts"
	[ "$hostname_file" = web1 ]
	[ "$(head -n 1 <<<"$rest")" = web1 ]
	[ "$(grep '^nameserver' <<<"$resolv" | awk '{print $2}' | tr '\n' ' ')" = "192.0.2.53 192.0.2.54 " ]

	# without --dns: the host's nameservers but its 127.x ones; the
	# hostname of config.json
	set_cfg '.hostname = "cfghost"'
	nhrun run -b "$BUNDLE" --network net1 "$CID"
	[ "$status" -eq 0 ]
	resolv="$(awk '/^===$/ {n++; next} n == 2' <<<"$output")"
	want="$(awk '$1 == "nameserver" && $2 !~ /^127\./ {print $2}' /etc/resolv.conf | tr '\n' ' ')"
	[ "$(grep '^nameserver' <<<"$resolv" | awk '{print $2}' | tr '\n' ' ')" = "$want" ]
	refute grep -q 'nameserver 127\.' <<<"$resolv"
	[ "$(awk '/^===$/ {n++; next} n == 1' <<<"$output")" = cfghost ]
	grep -qE '[[:space:]]cfghost([[:space:]]|$)' <<<"$(awk '/^===$/ {exit} {print}' <<<"$output")"

	# files config.json mounts itself are left alone
	echo "10.9.9.9 mine" >"$HULL_TEST_DIR/myhosts"
	echo "nameserver 10.9.9.53" >"$HULL_TEST_DIR/myresolv"
	add_mount "{\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/myhosts\", \"options\": [\"bind\", \"ro\"]}"
	add_mount "{\"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/myresolv\", \"options\": [\"bind\", \"ro\"]}"
	nhrun run -b "$BUNDLE" --network net1 --dns 192.0.2.53 --add-host db:10.1.2.3 "$CID"
	[ "$status" -eq 0 ]
	[ "$(awk '/^===$/ {exit} {print}' <<<"$output")" = "10.9.9.9 mine" ]
	[ "$(awk '/^===$/ {n++; next} n == 2' <<<"$output")" = "nameserver 10.9.9.53" ]
	# the host's files are as they were
	[ "$(cat "$HULL_TEST_DIR/myhosts")" = "10.9.9.9 mine" ]
	ct_nothing_left "$CID"
}

@test "network: --ip and --mac-address are honoured; a taken --ip is refused and nothing is left" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nct_create "$CID-a" "$BUNDLE" --network net1 --ip 10.66.0.50 --mac-address 02:42:ac:11:00:99
	in_ct "$CID-a" ip -o -4 addr show dev eth0 | grep -q 'inet 10.66.0.50/24'
	in_ct "$CID-a" ip -o link show eth0 | grep -q 'link/ether 02:42:ac:11:00:99'
	[ "$(lease_owner "$STORE/networks/net1/leases/10.66.0.50")" = "$CID-a eth0" ]
	nhrun network inspect net1
	[ "$(jq -r --arg id "$CID-a" '.[0].containers[] | select(.id == $id) | "\(.addresses[0]) \(.mac)"' <<<"$output")" = \
		"10.66.0.50/24 02:42:ac:11:00:99" ]

	# taken
	net_bundle "$HULL_TEST_DIR/b"
	nhrun create -b "$BUNDLE" --network net1 --ip 10.66.0.50 "$CID-b"
	[ "$status" -ne 0 ]
	assert_one_line_error 10.66.0.50
	ct_nothing_left "$CID-b"
	ct_gone "$CID-b"
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(lease_owner "$STORE/networks/net1/leases/10.66.0.50")" = "$CID-a eth0" ]
	[ "$(lease_files | wc -l)" -eq 1 ]
	# the gateway's address is taken too
	nhrun create -b "$BUNDLE" --network net1 --ip 10.66.0.1 "$CID-b"
	[ "$status" -ne 0 ]
	assert_one_line_error 10.66.0.1
	ct_nothing_left "$CID-b"

	# free again once A is gone
	nhull delete -f "$CID-a"
	nct_create "$CID-b" "$BUNDLE" --network net1 --ip 10.66.0.50
	[ "$(ct_addr4 "$CID-b")" = 10.66.0.50 ]
	[ "$(lease_owner "$STORE/networks/net1/leases/10.66.0.50")" = "$CID-b eth0" ]
}

# ------------------------------------------------------------ published ports

@test "network: a published port answers on the host's 127.0.0.1, from the remote through the host's address, and from a container through the host's address" {
	netns_remote
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	www_bundle "$HULL_TEST_DIR/a" hello-from-a
	nct_run "$CID-a" "$BUNDLE" --network net1 -p 8080:80 -p 192.0.2.1:8081:80
	a="$(ct_addr4 "$CID-a")"
	retry 50 0.1 get_is hello-from-a host_get http://127.0.0.1:8080/
	retry 50 0.1 get_is hello-from-a remote_get http://192.0.2.1:8080/
	# the one bound to an address answers there only
	retry 50 0.1 get_is hello-from-a remote_get http://192.0.2.1:8081/
	refute host_get http://127.0.0.1:8081/
	# the container itself, directly
	retry 50 0.1 get_is hello-from-a host_get "http://$a:80/"

	# from another container on the network, through the host's address
	net_bundle "$HULL_TEST_DIR/b"
	# (busybox wget crashes, static glibc's resolver: nc speaks HTTP/1.0)
	set_sh 'for i in $(seq 30); do
		out=$(printf "GET / HTTP/1.0\r\n\r\n" | timeout 5 nc 192.0.2.1 8080 | tail -n 1)
		[ "$out" = hello-from-a ] && break
		sleep 0.2
	done
	echo "$out"'
	nhrun run -b "$BUNDLE" --network net1 "$CID-b"
	[ "$status" -eq 0 ]
	[ "$output" = hello-from-a ]

	# in the maps, one file per port in the store
	port_elems >"$HULL_TEST_DIR/elems"
	grep -q 8080 "$HULL_TEST_DIR/elems"
	grep -q "$a" "$HULL_TEST_DIR/elems"
	grep -q '"ports4h"' "$HULL_TEST_DIR/elems"
	[ "$(port_files "$CID-a" | wc -l)" -eq 2 ]

	nhull delete -f "$CID-a"
	net_nothing_left "$CID-a" "$CID-b"
	refute host_get http://127.0.0.1:8080/
}

@test "network: a published UDP port answers on the host's 127.0.0.1 and from the remote" {
	PYTHON="$(netns_python)" || skip "python3 is needed for a UDP server"
	netns_remote
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nct_run "$CID-a" "$BUNDLE" --network net1 -p 5300:5353/udp -p 5300:5354/tcp
	udp_echo_in_ct "$CID-a" 5353
	retry 20 0.1 get_is echo:one udp_ask "/run/netns/$NETNS" 127.0.0.1 5300 one
	retry 20 0.1 get_is echo:two udp_ask "/run/netns/$REMOTE" 192.0.2.1 5300 two
	port_elems | grep -q udp
	port_elems | grep -q tcp
	nhull delete -f "$CID-a"
	net_nothing_left "$CID-a"
}

@test "network: two containers publishing the same port: the second is refused with nothing left, the first still answers" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	www_bundle "$HULL_TEST_DIR/a" hello-from-a
	nct_run "$CID-a" "$BUNDLE" --network net1 -p 8080:80
	retry 50 0.1 get_is hello-from-a host_get http://127.0.0.1:8080/
	www_bundle "$HULL_TEST_DIR/b" hello-from-b
	nhrun create -b "$BUNDLE" --network net1 -p 8080:80 "$CID-b"
	[ "$status" -ne 0 ]
	assert_one_line_error 8080
	ct_nothing_left "$CID-b"
	ct_gone "$CID-b"
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(port_elems | wc -l)" -eq 1 ]
	[ "$(lease_files | wc -l)" -eq 1 ]
	# also with run -d, and along with a free port
	nhrun run -d -b "$BUNDLE" --network net1 -p 8090:80 -p 8080:80 "$CID-b"
	[ "$status" -ne 0 ]
	assert_one_line_error 8080
	ct_nothing_left "$CID-b"
	[ "$(port_elems | wc -l)" -eq 1 ]
	refute host_get http://127.0.0.1:8090/
	retry 50 0.1 get_is hello-from-a host_get http://127.0.0.1:8080/
	# the same port over UDP is another port
	nct_run "$CID-b" "$BUNDLE" --network net1 -p 8080:80/udp
	[ "$(port_elems | wc -l)" -eq 2 ]
	get_is hello-from-a host_get http://127.0.0.1:8080/
	# deleting B takes B's things only
	br="$(nhull network inspect net1 | jq -r '.[0].bridge')"
	nhull delete -f "$CID-b"
	ct_nothing_left "$CID-b"
	[ "$(port_elems | wc -l)" -eq 1 ]
	port_elems | grep -q tcp
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(lease_files "$CID-a" | wc -l)" -eq 1 ]
	[ "$(port_files "$CID-a" | wc -l)" -eq 1 ]
	hostip link show "$br"
	get_is hello-from-a host_get http://127.0.0.1:8080/
}

@test "network: a full subnet refuses the next container, leaving nothing of it" {
	# a /30: the gateway .1 and one address for containers, .2
	nhull network create --subnet 10.66.0.0/30 tiny >/dev/null
	nct_create "$CID-a" "$BUNDLE" --network tiny -p 8080:80
	[ "$(ct_addr4 "$CID-a")" = 10.66.0.2 ]
	net_bundle "$HULL_TEST_DIR/b"
	nhrun create -b "$BUNDLE" --network tiny -p 8081:80 "$CID-b"
	[ "$status" -ne 0 ]
	assert_one_line_error tiny
	ct_nothing_left "$CID-b"
	ct_gone "$CID-b"
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(port_elems | wc -l)" -eq 1 ]
	[ "$(lease_files | wc -l)" -eq 1 ]
	nhull delete -f "$CID-a"
	nct_create "$CID-b" "$BUNDLE" --network tiny -p 8081:80
	[ "$(ct_addr4 "$CID-b")" = 10.66.0.2 ]
}

@test "network: a container whose process is gone (exited, or killed) is cleaned up by delete" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	net_bundle "$HULL_TEST_DIR/a" true
	nct_run "$CID-a" "$BUNDLE" --network net1 -p 8080:80
	wait_status "$CID-a" stopped
	# still on the network until deleted
	nhrun network rm net1
	[ "$status" -ne 0 ]
	assert_one_line_error
	[[ "$stderr" == *"$CID-a"* || "$stderr" == *"in use"* ]]
	nhull delete "$CID-a"
	net_nothing_left "$CID-a"
	# killed
	net_bundle "$HULL_TEST_DIR/b"
	nct_run "$CID-b" "$BUNDLE" --network net1 -p 8080:80 -p 8080:80/udp
	nhull kill "$CID-b" KILL
	wait_status "$CID-b" stopped
	nhull delete "$CID-b"
	net_nothing_left "$CID-b"
	# run without --keep deletes it itself, also when the program fails
	set_sh 'exit 3'
	nhrun run -b "$BUNDLE" --network net1 -p 8080:80 "$CID-b"
	[ "$status" -eq 3 ]
	net_nothing_left "$CID-b"
	# the port and the address are free again
	nct_create "$CID-c" "$BUNDLE" --network net1 -p 8080:80 --ip 10.66.0.2
}

@test "network: without --dns, resolv.conf has the host's nameservers but its 127.x ones" {
	printf 'search example.test\nnameserver 127.0.0.53\nnameserver 192.0.2.99\nnameserver 127.0.1.1\nnameserver 2001:db8::53\n' \
		>"$HULL_TEST_DIR/host-resolv"
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	set_sh 'cat /etc/resolv.conf'
	# hull run in a mount namespace of its own whose /etc/resolv.conf is
	# the file above (the machine's is left alone)
	status=0
	HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 2 60 unshare -m --propagation private \
		sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$HULL_TEST_DIR/host-resolv" \
		nsenter --net="/run/netns/$NETNS" "$HULL" --root "$HULL_ROOT" --store "$STORE" \
		run -b "$BUNDLE" --network net1 "$CID" >"$HULL_TEST_DIR/r.out" 2>"$HULL_TEST_DIR/r.err" </dev/null 3>&- ||
		status=$?
	hrun_record "$HULL_TEST_DIR/r.out" "$HULL_TEST_DIR/r.err" "hull run (resolv.conf replaced)"
	[ "$status" -eq 0 ]
	grep -qx 'nameserver 192.0.2.99' <<<"$output"
	grep -qx 'nameserver 2001:db8::53' <<<"$output"
	refute grep -q 'nameserver 127\.' <<<"$output"
	[ "$(grep '^nameserver' <<<"$output" | head -n 1)" = 'nameserver 192.0.2.99' ]
	ct_nothing_left "$CID"
}

# ------------------------------------------------------------ kinds of networks

@test "network: --internal: no way out, the peer on the network is reachable" {
	netns_remote
	nhull network create --internal --subnet 10.67.0.0/24 int1 >/dev/null
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nct_run "$CID-a" "$BUNDLE" --network int1
	a="$(ct_addr4 "$CID-a")"
	in_subnet4 "$a" 10.67.0.0/24
	net_bundle "$HULL_TEST_DIR/b"
	set_sh "
		ip route
		for i in 1 2 3; do ping -c 1 -W 2 $a >/dev/null && { echo peer-ok; break; }; done
		ping -c 1 -W 2 192.0.2.2 >/dev/null 2>&1 && echo remote-reached
		ping -c 1 -W 2 10.67.0.1 >/dev/null 2>&1 && echo gateway-ok
		echo done"
	nhrun run -b "$BUNDLE" --network int1 "$CID-b"
	[ "$status" -eq 0 ]
	grep -qx peer-ok <<<"$output"
	grep -qx done <<<"$output"
	refute grep -qx remote-reached <<<"$output"
	refute grep -q '^default' <<<"$output"
	# even with a route the container makes itself (it has CAP_NET_ADMIN
	# in its own namespace: the host must drop what leaves the bridge)
	set_cfg '.process.capabilities |= with_entries(.value = ((.value // []) + ["CAP_NET_ADMIN"] | unique))'
	set_sh "ip route add default via 10.67.0.1 dev eth0 || ip route replace default via 10.67.0.1
		ping -c 2 -W 2 192.0.2.2 >/dev/null 2>&1 && echo remote-reached
		echo done"
	nhrun run -b "$BUNDLE" --network int1 "$CID-b"
	grep -qx done <<<"$output"
	refute grep -qx remote-reached <<<"$output"
	# the set of internal bridges has it
	br="$(nhull network inspect int1 | jq -r '.[0].bridge')"
	set_elems internal | grep -qF "\"$br\""
	set_elems nets4 | grep -qF 10.67.0.0
	refute grep -qF 10.67.0.0 <<<"$(set_elems masq4)"

	# a network with a way out reaches the remote (masqueraded)
	net_bundle "$HULL_TEST_DIR/c"
	set_sh "for i in 1 2 3; do ping -c 1 -W 2 192.0.2.2 >/dev/null && { echo remote-reached; break; }; done; echo done"
	nhrun run -b "$BUNDLE" --network net1 "$CID-c"
	grep -qx remote-reached <<<"$output"
	# masquerade for the subnet with a way out only
	set_elems masq4 | grep -qF 10.66.0.0
	refute grep -qF 10.67.0.0 <<<"$(set_elems masq4)"
}

@test "network: an IPv6 network: addresses, routes, two containers talk over IPv6" {
	nhull network create --ipv6 --subnet 10.68.0.0/24 --subnet fd00:68::/64 v6net >/dev/null
	net_bundle "$HULL_TEST_DIR/a" sh -c 'while :; do echo hi6-from-a | nc -l -p 9000; done'
	nct_run "$CID-a" "$BUNDLE" --network v6net --ip6 fd00:68::50 --ip 10.68.0.50
	in_ct "$CID-a" ip -o -6 addr show dev eth0 | grep -q 'inet6 fd00:68::50/64'
	in_ct "$CID-a" ip -o -4 addr show dev eth0 | grep -q 'inet 10.68.0.50/24'
	in_ct "$CID-a" ip -6 route show default | grep -q 'via fd00:68::1'
	[ "$(net_ct_addrs v6net "$CID-a" | sort | tr '\n' ' ')" = "10.68.0.50/24 fd00:68::50/64 " ]
	[ "$(lease_owner "$STORE/networks/v6net/leases/fd00:68::50")" = "$CID-a eth0" ]

	net_bundle "$HULL_TEST_DIR/b"
	set_sh '
		ip -o -6 addr show dev eth0 scope global
		for i in $(seq 30); do ping6 -c 1 -W 2 fd00:68::50 >/dev/null 2>&1 && { echo ping6-ok; break; }; sleep 0.2; done
		for i in $(seq 50); do
			out=$(timeout 5 nc fd00:68::50 9000 </dev/null) && [ -n "$out" ] && { echo tcp6:$out; break; }
			sleep 0.2
		done'
	nhrun run -b "$BUNDLE" --network v6net "$CID-b"
	[ "$status" -eq 0 ]
	grep -q 'inet6 fd00:68::[0-9a-f:]*/64' <<<"$output"
	grep -qx ping6-ok <<<"$output"
	grep -qx tcp6:hi6-from-a <<<"$output"

	# an --ip6 outside the subnet
	nhrun create -b "$BUNDLE" --network v6net --ip6 fd00:69::5 "$CID-b"
	[ "$status" -ne 0 ]
	assert_one_line_error fd00:69::5
	ct_nothing_left "$CID-b"
}

@test "network: --network none: a namespace of its own with only lo, up" {
	set_sh 'ip -o link; echo ===; ip -o addr; echo ===; ls /sys/class/net'
	nhrun run -b "$BUNDLE" --network none "$CID"
	[ "$status" -eq 0 ]
	links="$(awk '/^===$/ {exit} {print}' <<<"$output")"
	[ "$(grep -c . <<<"$links")" -eq 1 ]
	grep -qE '^1: lo: <([^>]*,)?UP[,>]' <<<"$links"
	[ "$(awk '/^===$/ {n++; next} n == 2' <<<"$output")" = lo ]
	grep -q 'inet 127.0.0.1/8' <<<"$output"
	refute grep -q eth0 <<<"$output"
	net_nothing_left "$CID"
	none_left bridges "$(host_bridges)"
	# and created: its own namespace, not the host's
	nct_create "$CID" "$BUNDLE" --network none
	[ "$(ns_of "$(ct_pid)" net)" != "net:[$(stat -L -c %i "/run/netns/$NETNS")]" ]
}

@test "network: --network host: the container is in hull's network namespace" {
	hostip link add hmark0 type veth peer name hmark1
	set_sh 'ip -o link; readlink /proc/self/ns/net'
	nhrun run -b "$BUNDLE" --network host "$CID"
	[ "$status" -eq 0 ]
	grep -q ': hmark0@' <<<"$output"
	grep -qx "net:\[$(stat -L -c %i "/run/netns/$NETNS")\]" <<<"$output"
	net_nothing_left "$CID"
	none_left bridges "$(host_bridges)"
}

@test "network: --network ns:PATH joins that namespace" {
	netns_add "$NETNS-j"
	ip -n "$NETNS-j" link add jmark0 type veth peer name jmark1
	set_sh 'ip -o link; readlink /proc/self/ns/net'
	nhrun run -b "$BUNDLE" --network "ns:/run/netns/$NETNS-j" "$CID"
	[ "$status" -eq 0 ]
	grep -q ': jmark0@' <<<"$output"
	grep -qx "net:\[$(stat -L -c %i "/run/netns/$NETNS-j")\]" <<<"$output"
	net_nothing_left "$CID"
	# a path that is no network namespace
	nhrun run -b "$BUNDLE" --network "ns:$HULL_TEST_DIR/nope" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "$HULL_TEST_DIR/nope"
	ct_nothing_left "$CID"
}

@test "network: a plain bundle with the io.github.hull.* annotations" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nhull network create --subnet 10.67.0.0/24 net2 >/dev/null
	www_bundle "$HULL_TEST_DIR/a" hello-annotated
	set_cfg '.hostname = "annot" | .annotations = {
		"io.github.hull.network": "net1,net2",
		"io.github.hull.publish": "8082:80,8083:80/tcp",
		"io.github.hull.ip": "10.66.0.7",
		"io.github.hull.mac-address": "02:42:0a:42:00:07",
		"io.github.hull.dns": "192.0.2.53,192.0.2.54",
		"io.github.hull.add-host": "db:10.1.2.3,cache:10.1.2.4"}'
	nct_run "$CID" "$BUNDLE"
	in_ct "$CID" ip -o -4 addr show dev eth0 | grep -q 'inet 10.66.0.7/24'
	in_ct "$CID" ip -o link show eth0 | grep -q 'link/ether 02:42:0a:42:00:07'
	in_ct "$CID" ip -o -4 addr show dev eth1 | grep -q 'inet 10.67.0.[0-9]*/24'
	nhrun exec "$CID" sh -c 'cat /etc/hosts; echo ===; cat /etc/hostname; echo ===; cat /etc/resolv.conf'
	[ "$status" -eq 0 ]
	grep -qE '^10\.66\.0\.7[[:space:]]+(.*[[:space:]])?annot([[:space:]]|$)' <<<"$output"
	grep -qE '^10\.1\.2\.3[[:space:]]+db$' <<<"$output"
	grep -qE '^10\.1\.2\.4[[:space:]]+cache$' <<<"$output"
	grep -qx annot <<<"$output"
	[ "$(grep '^nameserver' <<<"$output" | awk '{print $2}' | tr '\n' ' ')" = "192.0.2.53 192.0.2.54 " ]
	retry 50 0.1 get_is hello-annotated host_get http://127.0.0.1:8082/
	retry 50 0.1 get_is hello-annotated host_get http://127.0.0.1:8083/
	nhull delete -f "$CID"
	net_nothing_left "$CID"

	# a bad annotation is refused like the flag
	set_cfg '.annotations["io.github.hull.publish"] = "70000:80"'
	nhrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 70000
	net_nothing_left "$CID"
}

@test "network: two networks: eth0 and eth1, each with its lease" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nhull network create --subnet 10.67.0.0/24 net2 >/dev/null
	nct_create "$CID" "$BUNDLE" --network net1 --network net2
	a1="$(ct_addr4 "$CID" eth0)"
	a2="$(ct_addr4 "$CID" eth1)"
	in_subnet4 "$a1" 10.66.0.0/24
	in_subnet4 "$a2" 10.67.0.0/24
	in_ct "$CID" ip route show default | grep -q '^default via 10.66.0.1 dev eth0'
	[ "$(lease_owner "$STORE/networks/net1/leases/$a1")" = "$CID eth0" ]
	[ "$(lease_owner "$STORE/networks/net2/leases/$a2")" = "$CID eth1" ]
	[ "$(nhull network inspect net1 | jq -r --arg id "$CID" '.[0].containers[] | select(.id == $id) | .interface')" = eth0 ]
	[ "$(nhull network inspect net2 | jq -r --arg id "$CID" '.[0].containers[] | select(.id == $id) | .interface')" = eth1 ]
	[ "$(nhull network inspect net2 | jq -r --arg id "$CID" '.[0].containers[] | select(.id == $id) | .addresses[0]')" = "$a2/24" ]
	[ "$(host_veths | wc -l)" -eq 2 ]
	# both bridges made
	[ "$(host_bridges | wc -l)" -eq 2 ]
	nhull delete "$CID"
	net_nothing_left "$CID"
}

@test "network: rm is refused while a container is on it, works after delete and removes the bridge and its elements" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	br="$(nhull network inspect net1 | jq -r '.[0].bridge')"
	[[ "$br" == hull* ]]
	nct_create "$CID" "$BUNDLE" --network net1 -p 8080:80
	hostip -o link show "$br" | grep -qE '<([^>]*,)?UP[,>]'
	hostip -o -4 addr show dev "$br" | grep -q 'inet 10.66.0.1/24'
	set_elems bridges | grep -qF "\"$br\""
	set_elems nets4 | grep -qF 10.66.0.0
	[ "$(in_host sysctl -n net.ipv4.ip_forward)" = 1 ]
	nhrun network rm net1
	[ "$status" -ne 0 ]
	assert_one_line_error
	[[ "$stderr" == *"$CID"* || "$stderr" == *"in use"* ]]
	[ -d "$STORE/networks/net1" ]
	hostip link show "$br"
	nhull network ls -q | grep -qx net1

	nhull delete "$CID"
	nhrun network rm net1
	[ "$status" -eq 0 ]
	run hostip link show "$br"
	[ "$status" -ne 0 ]
	[ ! -e "$STORE/networks/net1" ]
	refute grep -qF "\"$br\"" <<<"$(set_elems bridges)"
	refute grep -qF 10.66.0.0 <<<"$(set_elems nets4)"
	refute grep -qF 10.66.0.0 <<<"$(set_elems masq4)"
	net_nothing_left "$CID"
	[ "$(nhull network ls -q)" = hull ]
	# hull's nftables table stays while a bridge of hull's is there, and
	# goes with the last one
	run in_host nft list table inet hull
	[ "$status" -ne 0 ]
	nhull network create --subnet 10.67.0.0/24 net2 >/dev/null
	nhull network create --subnet 10.68.0.0/24 net3 >/dev/null
	nct_create "$CID-2" "$BUNDLE" --network net2
	nct_create "$CID-3" "$BUNDLE" --network net3
	nhull delete "$CID-3"
	nhull network rm net3
	in_host nft list table inet hull >/dev/null
	nhull delete "$CID-2"
	nhull network rm net2
	run in_host nft list table inet hull
	[ "$status" -ne 0 ]
}

@test "network: run --image with --network, --ip, --hostname and -p" {
	command -v umoci >/dev/null && command -v skopeo >/dev/null || skip "umoci and skopeo are needed (make test-deps)"
	source "$HULL_REPO_DIR/tests/lib/images.bash"
	image_small "$BATS_FILE_TMPDIR/images/small" >&2
	nhull image import -q "$BATS_FILE_TMPDIR/images/small/oci:localhost/small:1"
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nhrun run --image localhost/small:1 --network net1 --ip 10.66.0.9 --hostname img1 --add-host db:10.1.2.3 \
		"$CID" sh -c 'busybox hostname; cat /etc/hostname /etc/hosts; busybox ip -o -4 addr show dev eth0'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = img1 ]
	grep -qE '^10\.66\.0\.9[[:space:]]+(.*[[:space:]])?img1([[:space:]]|$)' <<<"$output"
	grep -qE '^10\.1\.2\.3[[:space:]]+db$' <<<"$output"
	grep -q 'inet 10.66.0.9/24' <<<"$output"
	ct_nothing_left "$CID"
	# detached, with a port
	nhrun run -d --image localhost/small:1 --network net1 -p 8080:80 "$CID" \
		sh -c 'mkdir -p /www && echo hello-image >/www/index.html && exec busybox httpd -f -p 80 -h /www'
	[ "$status" -eq 0 ]
	retry 50 0.1 get_is hello-image host_get http://127.0.0.1:8080/
	nhull delete -f "$CID"
	net_nothing_left "$CID"
}

# ------------------------------------------------------------ refused, nothing left

@test "network: bad -p, --network, --ip and a bundle without a network namespace are refused in one line, nothing left" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	bad() {
		local word="$1"
		shift
		nhrun create -b "$BUNDLE" "$@" "$CID"
		if [ "$status" -eq 0 ]; then
			echo "accepted: $*" >&2
			return 1
		fi
		assert_one_line_error "$word" || return 1
		net_nothing_left "$CID" || return 1
		assert_nothing_left || return 1
	}
	bad 80 --network net1 -p 80
	bad x:80 --network net1 -p x:80
	bad 70000 --network net1 -p 70000:80
	bad sctp --network net1 -p 80:80/sctp
	bad 0:80 --network net1 -p 0:80
	bad 8080:0 --network net1 -p 8080:0
	bad 8080:80/tcp:x --network net1 -p 8080:80/tcp:x
	bad 1.2.3.300 --network net1 -p 1.2.3.300:8080:80
	bad nosuch --network nosuch
	bad nosuch --network net1 --network nosuch
	bad 10.99.0.5 --network net1 --ip 10.99.0.5
	bad not-an-ip --network net1 --ip not-an-ip
	bad 10.66.0.0 --network net1 --ip 10.66.0.0
	bad 10.66.0.255 --network net1 --ip 10.66.0.255
	bad zz:zz --network net1 --mac-address zz:zz
	# run and run -d alike
	nhrun run -d -b "$BUNDLE" --network net1 -p 70000:80 "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 70000
	net_nothing_left "$CID"
	nhrun run -b "$BUNDLE" --network nosuch "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error nosuch
	net_nothing_left "$CID"
	# --network NAME (or none) needs the config's new network namespace
	del_ns network
	bad "" --network net1
	bad "" --network none
	add_ns network "/run/netns/$NETNS"
	bad "" --network net1
	# and the bridge is the only thing a refused join may have made
	for l in $(hostip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		[ "$l" = lo ] || [[ "$l" == hull* ]] || { echo "link left: $l" >&2; false; }
	done
}

# ------------------------------------------------------------ many, and faults

# slow: about a minute
@test "network: 100 containers on one network get distinct addresses; after delete no lease, veth or map element is left" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	for i in $(seq 100); do
		nct_create "$CID-$i" "$BUNDLE" --network net1 -p "$((20000 + i)):80"
	done
	[ "$(lease_files | wc -l)" -eq 100 ]
	[ "$(host_veths | wc -l)" -eq 100 ]
	[ "$(port_elems | wc -l)" -eq 100 ]
	nhrun network inspect net1
	[ "$(jq '.[0].containers | length' <<<"$output")" -eq 100 ]
	jq -r '.[0].containers[].addresses[0]' <<<"$output" | sort >"$HULL_TEST_DIR/addrs"
	[ "$(sort -u "$HULL_TEST_DIR/addrs" | wc -l)" -eq 100 ]
	refute grep -qx 10.66.0.1/24 "$HULL_TEST_DIR/addrs"
	while read -r a; do
		in_subnet4 "${a%/24}" 10.66.0.0/24
		[ -f "$STORE/networks/net1/leases/${a%/24}" ]
	done <"$HULL_TEST_DIR/addrs"
	# what inspect says is what the containers have
	for i in 1 50 100; do
		grep -qx "$(ct_addr4 "$CID-$i")/24" "$HULL_TEST_DIR/addrs"
	done
	for i in $(seq 100); do
		if [ $((i % 2)) = 0 ]; then
			nhull delete "$CID-$i"
		else
			nhull delete --force "$CID-$i"
		fi
	done
	net_nothing_left
	for i in 1 37 100; do
		ct_nothing_left "$CID-$i"
	done
	[ "$(nhull network inspect net1 | jq '.[0].containers | length')" -eq 0 ]
	nhrun network rm net1
	[ "$status" -eq 0 ]
}

@test "network: hull killed with SIGKILL while it joins, 50 times: delete --force leaves nothing" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	# how long a whole create takes here: kills land in [0, max(20, that)] ms
	t0=$(date +%s%N)
	nct_create "$CID" "$BUNDLE" --network net1 -p 8080:80
	t1=$(date +%s%N)
	nhull delete --force "$CID"
	net_nothing_left "$CID"
	w=$(((t1 - t0) / 1000000))
	[ "$w" -ge 20 ] || w=20
	w="${HULL_NET_KILL_MS:-$w}"
	echo "# create takes ${w} ms" >&3
	made=0
	for round in $(seq 50); do
		nhull_bg "$HULL_TEST_DIR/bg.$round" create -b "$BUNDLE" --network net1 -p 8080:80 "$CID"
		ms=$((RANDOM % (w + 1)))
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		kill -9 "$HULL_BG_PID" 2>/dev/null || true
		wait "$HULL_BG_PID" 2>/dev/null || true
		# (how many rounds left something of the network for delete)
		[ -z "$(host_veths)$(lease_files)$(port_files)" ] || made=$((made + 1))
		nhrun delete --force "$CID"
		if [ "$status" -ne 0 ] && [[ "$stderr" != *"does not exist"* ]]; then
			echo "round $round (${ms} ms): delete --force failed: $stderr" >&2
			false
		fi
		net_nothing_left "$CID" || {
			echo "round $round: killed after ${ms} ms" >&2
			false
		}
		assert_nothing_left || {
			echo "round $round: killed after ${ms} ms" >&2
			false
		}
	done
	echo "# $made of 50 kills left network things for delete --force" >&3
	# the address and the port are free again
	www_bundle "$HULL_TEST_DIR/w" hello-after
	nct_run "$CID" "$BUNDLE" --network net1 -p 8080:80 --ip 10.66.0.2
	retry 50 0.1 get_is hello-after host_get http://127.0.0.1:8080/
}

@test "network: a published port of a dual-stack network answers over IPv6 too" {
	netns_remote
	hostip -6 addr add 2001:db8::1/64 dev rh0 nodad
	remoteip -6 addr add 2001:db8::2/64 dev rr0 nodad
	remoteip -6 route add default via 2001:db8::1
	nhull network create --ipv6 --subnet 10.68.0.0/24 --subnet fd00:68::/64 v6net >/dev/null
	www_bundle "$HULL_TEST_DIR/a" hello-dual
	nct_run "$CID-a" "$BUNDLE" --network v6net -p 8080:80
	retry 50 0.1 get_is hello-dual remote_get http://192.0.2.1:8080/
	retry 50 0.1 get_is hello-dual remote_get 'http://[2001:db8::1]:8080/'
	port_elems | grep -q '"ports6"'
	port_elems | grep -q '"ports4"'
	# the container reaches the remote over IPv6 (masqueraded: the remote
	# has no route to fd00:68::/64)
	nhrun exec "$CID-a" sh -c 'for i in $(seq 20); do ping6 -c 1 -W 1 2001:db8::2 >/dev/null 2>&1 && { echo ok6; break; }; sleep 0.2; done'
	[ "$output" = ok6 ]
	nhull delete -f "$CID-a"
	net_nothing_left "$CID-a"
}

@test "network: containers created at once get distinct addresses; one port published at once goes to one of them" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	pids=()
	for i in $(seq 20); do
		nhull_bg "$HULL_TEST_DIR/par.$i" create -b "$BUNDLE" --network net1 "$CID-$i"
		pids+=("$HULL_BG_PID")
	done
	for i in $(seq 20); do
		rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		[ "$rc" -eq 0 ] || {
			echo "create $CID-$i: status $rc: $(cat "$HULL_TEST_DIR/par.$i.err")" >&2
			false
		}
	done
	[ "$(lease_files | wc -l)" -eq 20 ]
	[ "$(host_veths | wc -l)" -eq 20 ]
	[ "$(nhull network inspect net1 | jq -r '.[0].containers[].addresses[0]' | sort -u | wc -l)" -eq 20 ]
	for i in $(seq 20); do
		nhull delete -f "$CID-$i"
	done
	net_nothing_left

	# two creates publishing one port at once: one wins, the other is
	# refused with nothing left
	for round in 1 2 3 4 5; do
		nhull_bg "$HULL_TEST_DIR/race.$round.x" create -b "$BUNDLE" --network net1 -p 8080:80 "$CID-x"
		px=$HULL_BG_PID
		nhull_bg "$HULL_TEST_DIR/race.$round.y" create -b "$BUNDLE" --network net1 -p 8080:80 "$CID-y"
		py=$HULL_BG_PID
		rx=0 ry=0
		wait "$px" || rx=$?
		wait "$py" || ry=$?
		if [ "$rx" -eq 0 ]; then win="$CID-x" lose="$CID-y" lerr="$HULL_TEST_DIR/race.$round.y.err" lrc=$ry
		else win="$CID-y" lose="$CID-x" lerr="$HULL_TEST_DIR/race.$round.x.err" lrc=$rx; fi
		[ "$lrc" -ne 0 ] || { echo "round $round: both creates published 8080" >&2; false; }
		[ "$(grep -c . "$lerr")" -eq 1 ] || { echo "round $round: $(cat "$lerr")" >&2; false; }
		grep -q 8080 "$lerr"
		ct_nothing_left "$lose"
		[ "$(port_elems | wc -l)" -eq 1 ]
		[ "$(host_veths | wc -l)" -eq 1 ]
		[ "$(lease_files | wc -l)" -eq 1 ]
		nhull delete -f "$win"
		net_nothing_left "$win"
	done
}

# hull_calls_in LOG: hull's calls in strace's LOG, "NAME:N<tab>LINE" (the Nth
# call of NAME), as faults.bats counts them.
hull_calls_in() {
	awk 'match($0, /^[a-z0-9_]+\(/) { name = substr($0, 1, RLENGTH - 1); n[name]++
		print name ":" n[name] "\t" $0 }' "$1"
}

@test "network: hull killed (strace) at points of its join, from its lease to its last netlink message: delete --force leaves nothing" {
	need_cmd strace
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	c=(create -b "$BUNDLE" --network net1 -p 8080:80 -p 8081:81/udp "$CID")
	# the probe: one traced create (after an untraced one: the bridge
	# and the table are made by the first join only)
	nhull "${c[@]}" >/dev/null 2>&1 </dev/null
	nhull delete -f "$CID"
	log="$HULL_TEST_DIR/probe.log"
	HULL_TEST_MARK="$HULL_TEST_DIR" in_host strace -o "$log" "$HULL" --root "$HULL_ROOT" --store "$STORE" \
		"${c[@]}" >/dev/null 2>&1 </dev/null 3>&-
	nhull delete -f "$CID"
	net_nothing_left "$CID"
	hull_calls_in "$log" >"$HULL_TEST_DIR/calls"
	# from its first look at the store's networks after the clone (the
	# lease) to its last netlink message (nftables: the ports)
	clone="$(grep -n -m1 -P '^clone3?:' "$HULL_TEST_DIR/calls" | cut -d: -f1)"
	[ -n "$clone" ]
	first="$(awk -v c="$clone" 'NR > c && /store\/networks"/ {print NR; exit}' "$HULL_TEST_DIR/calls")"
	last="$(grep -n -P '\tsendto\([0-9]+, \[' "$HULL_TEST_DIR/calls" | tail -n 1 | cut -d: -f1)"
	[ -n "$first" ]
	[ -n "$last" ]
	[ "$last" -gt "$first" ]
	n=$((last - first + 1))
	points="${HULL_NET_FAULT_POINTS:-40}"
	k=$(((n + points - 1) / points))
	echo "# the join: $n calls of hull, killed at every ${k}th" >&3
	fired=0 tries=0
	for ((i = first; i <= last; i += k)); do
		rule="$(sed -n "${i}p" "$HULL_TEST_DIR/calls" | cut -f1)"
		tries=$((tries + 1))
		# (in a subshell, which says "Killed" to /dev/null)
		(HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 2 20 nsenter --net="/run/netns/$NETNS" \
			strace -o "$HULL_TEST_DIR/fault.log" --inject="${rule%:*}:signal=KILL:when=${rule##*:}" \
			"$HULL" --root "$HULL_ROOT" --store "$STORE" "${c[@]}" >/dev/null 2>&1 </dev/null 3>&- ||
			true) 2>/dev/null
		! grep -q '+++ killed by SIGKILL' "$HULL_TEST_DIR/fault.log" || fired=$((fired + 1))
		nhrun delete --force "$CID"
		if [ "$status" -ne 0 ] && [[ "$stderr" != *"does not exist"* ]]; then
			echo "killed at $rule: delete --force failed: $stderr" >&2
			false
		fi
		net_nothing_left "$CID" || { echo "killed at $rule ($(sed -n "${i}p" "$HULL_TEST_DIR/calls" | cut -f2 | cut -c1-120))" >&2; false; }
		assert_nothing_left || { echo "killed at $rule" >&2; false; }
	done
	echo "# $fired of $tries faults fired" >&3
	# most must have (a run may make fewer calls of a kind than the probe)
	[ $((fired * 4)) -ge $((tries * 3)) ]
	# and it works again
	nct_create "$CID" "$BUNDLE" --network net1 -p 8080:80 --ip 10.66.0.2
}

@test "network: delete killed (strace) at points of its leave, then delete --force again leaves nothing" {
	need_cmd strace
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	nct_create "$CID" "$BUNDLE" --network net1 -p 8080:80 -p 8081:81/udp
	log="$HULL_TEST_DIR/probe.log"
	HULL_TEST_MARK="$HULL_TEST_DIR" in_host strace -o "$log" "$HULL" --root "$HULL_ROOT" --store "$STORE" \
		delete --force "$CID" >/dev/null 2>&1 </dev/null 3>&-
	net_nothing_left "$CID"
	hull_calls_in "$log" | grep -v -e '^execve:' -e '^exit_group:' >"$HULL_TEST_DIR/calls"
	n="$(wc -l <"$HULL_TEST_DIR/calls")"
	[ "$n" -gt 20 ]
	points="${HULL_NET_FAULT_POINTS:-30}"
	k=$(((n + points - 1) / points))
	echo "# delete: $n calls of hull, killed at every ${k}th and right after each unlinkat" >&3
	# every kth call, and the call after each removal of a file (a lease,
	# a port's record: what is gone must not be needed to undo the rest)
	{
		seq $((k / 2 + 1)) "$k" "$n"
		grep -n -P '\tunlinkat\(' "$HULL_TEST_DIR/calls" | cut -d: -f1 | awk -v n="$n" '$1 < n {print $1 + 1}'
	} | sort -n -u >"$HULL_TEST_DIR/points"
	fired=0 tries=0
	for i in $(cat "$HULL_TEST_DIR/points"); do
		rule="$(sed -n "${i}p" "$HULL_TEST_DIR/calls" | cut -f1)"
		tries=$((tries + 1))
		nct_create "$CID" "$BUNDLE" --network net1 -p 8080:80 -p 8081:81/udp
		(HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 2 20 nsenter --net="/run/netns/$NETNS" \
			strace -o "$HULL_TEST_DIR/fault.log" --inject="${rule%:*}:signal=KILL:when=${rule##*:}" \
			"$HULL" --root "$HULL_ROOT" --store "$STORE" delete --force "$CID" >/dev/null 2>&1 </dev/null 3>&- ||
			true) 2>/dev/null
		! grep -q '+++ killed by SIGKILL' "$HULL_TEST_DIR/fault.log" || fired=$((fired + 1))
		nhrun delete --force "$CID"
		if [ "$status" -ne 0 ] && [[ "$stderr" != *"does not exist"* ]]; then
			echo "delete killed at $rule: delete --force failed: $stderr" >&2
			false
		fi
		net_nothing_left "$CID" || { echo "delete killed at $rule ($(sed -n "${i}p" "$HULL_TEST_DIR/calls" | cut -f2 | cut -c1-120))" >&2; false; }
		assert_nothing_left || { echo "delete killed at $rule" >&2; false; }
	done
	echo "# $fired of $tries faults fired" >&3
	[ $((fired * 4)) -ge $((tries * 3)) ]
}

@test "network: an address given again is announced (arp_notify): a neighbour reaches its new holder at once" {
	nhull network create --subnet 10.66.0.0/24 net1 >/dev/null
	net_bundle "$HULL_TEST_DIR/a" sleep 1000
	nct_run "$CID-a" "$BUNDLE" --network net1
	net_bundle "$HULL_TEST_DIR/b" sleep 1000
	nct_run "$CID-b" "$BUNDLE" --network net1 --ip 10.66.0.50
	# a learns b's MAC
	in_ct "$CID-a" busybox ping -c1 -W2 10.66.0.50
	nhull delete -f "$CID-b"
	nct_run "$CID-c" "$BUNDLE" --network net1 --ip 10.66.0.50
	# c's MAC is in a's cache already: reached at once, not after the stale
	# entry (b's MAC) ages out
	mac="$(in_ct "$CID-c" ip -o link show eth0 | grep -o 'link/ether [^ ]*' | cut -d' ' -f2)"
	[ -n "$mac" ]
	retry 20 0.05 sh -c "nsenter --net=/proc/$(ct_pid "$CID-a")/ns/net ip neigh show 10.66.0.50 | grep -qi '$mac'"
	in_ct "$CID-a" busybox ping -c1 -W1 10.66.0.50
	[ "$(in_ct "$CID-c" cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" = 1 ]
}
