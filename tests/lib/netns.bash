# SPDX-License-Identifier: Apache-2.0
# tests/lib/netns.bash: helpers for the tests of hull's networks
# (tests/integration/network.bats), sourced after helpers.bash.
#
# Nothing here touches the machine's own network namespace.  Each test has a
# network namespace of its own, $NETNS, that plays the host: every hull
# command runs inside it (nsenter --net: only the network namespace changes,
# hull sees the machine's mounts and cgroups as usual), so the bridges, the
# veths, the forwarding sysctls and the nftables table hull makes are that
# namespace's and die with it.  A "remote host" is one more namespace,
# joined to $NETNS by a veth pair (rh0 in $NETNS, 192.0.2.1/24; rr0 in the
# remote, 192.0.2.2/24).  No packet goes anywhere else.
#
# Every test also has a store of its own ($STORE, in its test directory),
# given to every hull command with --store.
#
# Once this file is sourced, `hull` itself (and so hrun, create_ct, ct_pid,
# assert_nothing_left and common_teardown, which call it) runs in $NETNS with
# --store $STORE: a delete run in the machine's namespace could remove
# nftables elements there.

# ------------------------------------------------------------ namespaces

# netns_setup: the test's host namespace ($NETNS, lo up) and store ($STORE).
netns_setup() {
	NETNS_MADE=()
	NETNS="hullt-$$-${BATS_TEST_NUMBER:-0}"
	netns_add "$NETNS"
	STORE="$HULL_TEST_DIR/store"
	REMOTE=""
}

# netns_add NAME: a new network namespace NAME (lo up), deleted by
# netns_teardown.
netns_add() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1" || return 1
	NETNS_MADE+=("$1")
	ip -n "$1" link set lo up
}

# netns_remote: the remote host: namespace $REMOTE joined to $NETNS by a veth
# pair, rh0 (192.0.2.1/24, in $NETNS) and rr0 (192.0.2.2/24, in $REMOTE),
# both up; the remote routes everything through 192.0.2.1 (it needs no route
# back to the containers' subnets: hull masquerades them).
netns_remote() {
	REMOTE="$NETNS-r"
	netns_add "$REMOTE" || return 1
	hostip link add rh0 type veth peer name rr0 netns "$REMOTE" || return 1
	hostip addr add 192.0.2.1/24 dev rh0
	hostip link set rh0 up
	ip -n "$REMOTE" addr add 192.0.2.2/24 dev rr0
	ip -n "$REMOTE" link set rr0 up
	ip -n "$REMOTE" route add default via 192.0.2.1
	HOST_ADDR=192.0.2.1
	REMOTE_ADDR=192.0.2.2
}

# netns_teardown: the containers deleted inside $NETNS (so that delete undoes
# its network things there), common_teardown, then every namespace the test
# made is deleted (the kernel drops what is in them: bridges, veths,
# nftables).
netns_teardown() {
	local id n
	if [ -n "${NETNS:-}" ] && [ -e "/run/netns/$NETNS" ] && [ -n "${HULL_TEST_DIR:-}" ]; then
		for id in $(hull list -q 2>/dev/null) $(ls "$HULL_ROOT" 2>/dev/null); do
			timeout -k 2 20 nsenter --net="/run/netns/$NETNS" "$HULL" --root "$HULL_ROOT" --store "$STORE" \
				delete -f "$id" >/dev/null 2>&1 </dev/null 3>&- || true
		done
	fi
	common_teardown
	for n in ${NETNS_MADE[@]+"${NETNS_MADE[@]}"}; do
		ip netns del "$n" 2>/dev/null || true
	done
	NETNS_MADE=()
}

# hostip ARGS...: ip(8) in the test's host namespace; remoteip: in the
# remote's.
hostip() { ip -n "$NETNS" "$@"; }
remoteip() { ip -n "$REMOTE" "$@"; }

# in_host CMD...: CMD in the test's host namespace; in_remote: the remote's;
# in_ct ID CMD...: in the network namespace of container ID's init (a host
# program: nothing of the container's but its network).
in_host() { nsenter --net="/run/netns/$NETNS" "$@"; }
in_remote() { nsenter --net="/run/netns/$REMOTE" "$@"; }
in_ct() {
	local pid
	pid="$(ct_pid "$1")"
	shift
	if [ -z "$pid" ] || [ "$pid" = 0 ] || [ "$pid" = null ]; then
		echo "in_ct: no init process" >&2
		return 1
	fi
	nsenter --net="/proc/$pid/ns/net" "$@"
}

# ------------------------------------------------------------ hull wrappers

# nhull ARGS...: hull in the test's host namespace with the test's root and
# store (fd 3 closed, the marker set, as helpers.bash's hull does).
nhull() {
	HULL_TEST_MARK="$HULL_TEST_DIR" nsenter --net="/run/netns/$NETNS" \
		"$HULL" --root "$HULL_ROOT" --store "$STORE" "$@" 3>&-
}

# every other helper's hull is this one
hull() { nhull "$@"; }

# nhrun ARGS...: `nhull ARGS...` as hrun does it (status, output, lines,
# stderr, stderr_lines), bounded to 60 s.
nhrun() {
	HRUN_N=$((${HRUN_N:-0} + 1))
	local o="$HULL_TEST_DIR/nhrun.$HRUN_N.out" e="$HULL_TEST_DIR/nhrun.$HRUN_N.err"
	status=0
	HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 2 60 nsenter --net="/run/netns/$NETNS" \
		"$HULL" --root "$HULL_ROOT" --store "$STORE" "$@" >"$o" 2>"$e" </dev/null 3>&- || status=$?
	hrun_record "$o" "$e" "hull $*"
}

# nhull_bg OUTFILE ARGS...: `nhull ARGS...` in the background, as hull_bg
# (nsenter execs hull: $HULL_BG_PID is hull's pid once it runs).
nhull_bg() {
	local out="$1"
	shift
	HULL_TEST_MARK="$HULL_TEST_DIR" nsenter --net="/run/netns/$NETNS" \
		"$HULL" --root "$HULL_ROOT" --store "$STORE" "$@" \
		>"$out" 2>"$out.err" </dev/null 3>&- &
	HULL_BG_PID=$!
	HULL_BG_PIDS+=("$HULL_BG_PID")
}

# ------------------------------------------------------------ bundles

# net_bundle DIR [ARG...]: make_bundle DIR ARG... (sets BUNDLE, ROOTFS,
# CONFIG) with CAP_NET_RAW added (busybox ping needs it: a new network
# namespace has ping_group_range "1 0").
net_bundle() {
	make_bundle "$@" || return 1
	set_cfg '.process.capabilities |= with_entries(.value = ((.value // []) + ["CAP_NET_RAW"] | unique))'
}

# www_bundle DIR TEXT [PORT]: a bundle whose program is busybox httpd on
# PORT (default 80) serving TEXT as /index.html.
www_bundle() {
	net_bundle "$1" httpd -f -p "${3:-80}" -h /www || return 1
	mkdir -p "$ROOTFS/www"
	echo "$2" >"$ROOTFS/www/index.html"
}

# nct_create ID BUNDLE [hull create args...]: `hull create -b BUNDLE ARGS ID`,
# the container's stdio to $HULL_TEST_DIR/ID.out and ID.err; fails (saying
# why) if create fails.
nct_create() {
	local id="$1" b="$2"
	shift 2
	nhull create -b "$b" "$@" "$id" \
		>"$HULL_TEST_DIR/$id.out" 2>"$HULL_TEST_DIR/$id.err" </dev/null || {
		echo "create $id failed: $(cat "$HULL_TEST_DIR/$id.err")" >&2
		return 1
	}
}

# nct_run ID BUNDLE [args...]: nct_create, then start.
nct_run() {
	nct_create "$@" && nhull start "$1"
}

# ------------------------------------------------------------ what is there

# ct_addr4 ID [IFNAME]: the container's IPv4 address on IFNAME (default eth0),
# without the prefix, read in its network namespace.
ct_addr4() {
	in_ct "$1" ip -o -4 addr show dev "${2:-eth0}" scope global |
		awk '{print $4}' | cut -d/ -f1 | head -n 1
}
# ct_addr6 ID [IFNAME]: its global IPv6 address.
ct_addr6() {
	in_ct "$1" ip -o -6 addr show dev "${2:-eth0}" scope global |
		awk '{print $4}' | cut -d/ -f1 | head -n 1
}

# net_inspect NET: `hull network inspect NET`'s first element (JSON).
net_inspect() { nhull network inspect "$1" | jq -c '.[0]'; }

# net_ct_addrs NET ID: the addresses inspect gives container ID on NET
# (with their prefixes), one a line.
net_ct_addrs() {
	nhull network inspect "$1" | jq -r --arg id "$2" '.[0].containers[] | select(.id == $id) | .addresses[]'
}

# host_veths: the host ends of hull's veths in $NETNS ("hv" + 12 hex digits).
host_veths() {
	hostip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
		grep -E '^hv[0-9a-f]{12}$' || true
}

# host_bridges: the bridges in $NETNS.
host_bridges() {
	hostip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 || true
}

# port_elems: every element of hull's port maps in $NETNS, one a line
# (nft's JSON of the element); nothing when there is no table.
port_elems() {
	local m
	for m in ports4 ports4h ports6 ports6h; do
		in_host nft -j list map inet hull "$m" 2>/dev/null |
			jq -c --arg m "$m" '.nftables[] | .map? // empty | .elem // [] | .[] | [$m, .]' 2>/dev/null
	done
	return 0
}

# set_elems SET: the elements of hull's set SET in $NETNS, one a line.
set_elems() {
	in_host nft -j list set inet hull "$1" 2>/dev/null |
		jq -c '.nftables[] | .set? // empty | .elem // [] | .[]' 2>/dev/null
	return 0
}

# lease_files [ID]: the lease files (of container ID: those saying "ID ...").
lease_files() {
	local f
	for f in "$STORE"/networks/*/leases/*; do
		[ -f "$f" ] || continue
		if [ -z "${1:-}" ] || grep -q -- "^$1 " "$f"; then
			echo "$f"
		fi
	done
	return 0
}

# port_files [ID]: the published-port files (of container ID: those whose
# first word is ID; hull may write the interface after it).
port_files() {
	local f
	[ -d "$STORE/networks/ports" ] || return 0
	for f in $(find "$STORE/networks/ports" -type f 2>/dev/null); do
		if [ -z "${1:-}" ] || [ "$(awk 'NR == 1 {print $1}' "$f")" = "$1" ]; then
			echo "$f"
		fi
	done
	return 0
}

# lease_owner FILE: who holds a lease: the file's first two words ("ID
# IFNAME"; hull writes the MAC after them).
lease_owner() { awk 'NR == 1 {print $1, $2}' "$1"; }

# ct_gone ID: no state directory, no cgroup, no mount of the container, not
# in `hull list` (assert_nothing_left without its look for processes: other
# containers of the test may be running).
ct_gone() {
	if [ -e "$HULL_ROOT/$1" ]; then
		echo "state directory left: $HULL_ROOT/$1" >&2
		return 1
	fi
	none_left "cgroup directories" "$(leftover_cgroups "$1")" || return 1
	none_left mounts "$(host_mounts_mentioning "$HULL_ROOT/$1")" || return 1
	if nhull list -q 2>/dev/null | grep -qxF -- "$1"; then
		echo "hull list still shows $1" >&2
		return 1
	fi
}

# ct_nothing_left ID...: nothing of these containers: no state directory, not
# in `hull list`, no lease file, no published-port file.
ct_nothing_left() {
	local id
	for id in "$@"; do
		if [ -e "$HULL_ROOT/$id" ]; then
			echo "state directory left: $HULL_ROOT/$id" >&2
			return 1
		fi
		if nhull list -q 2>/dev/null | grep -qxF -- "$id"; then
			echo "hull list still shows $id" >&2
			return 1
		fi
		none_left "lease files of $id" "$(lease_files "$id")" || return 1
		none_left "port files of $id" "$(port_files "$id")" || return 1
	done
}

# net_nothing_left ID...: ct_nothing_left, and no container's network things
# at all in $NETNS: no veth, no map element, no lease or port file.
net_nothing_left() {
	ct_nothing_left "$@" || return 1
	none_left veths "$(host_veths)" || return 1
	none_left "port map elements" "$(port_elems)" || return 1
	none_left "lease files" "$(lease_files)" || return 1
	none_left "port files" "$(port_files)" || return 1
}

# ------------------------------------------------------------ clients

# host_get URL: curl in $NETNS (5 s at most); remote_get: in the remote.
host_get() { in_host curl -sS --max-time 5 "$1"; }
remote_get() { in_remote curl -sS --max-time 5 "$1"; }

# get_is TEXT CMD...: CMD prints exactly TEXT (for retry).
get_is() {
	local want="$1" got
	shift
	got="$("$@" 2>/dev/null)" || return 1
	[ "$got" = "$want" ]
}

# PYTHON: a python3 (the real binary, not a shim) or nothing.
netns_python() {
	local p
	p="$(command -v python3)" || return 1
	"$p" -c 'import sys; print(sys.executable)' 2>/dev/null
}

# udp_echo_in_ct ID PORT: a UDP server in container ID's network namespace
# (a host python3 there) answering each datagram D with "echo:D"; killed by
# teardown.
udp_echo_in_ct() {
	local pid
	pid="$(ct_pid "$1")"
	nsenter --net="/proc/$pid/ns/net" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)
' "$2" >"$HULL_TEST_DIR/udp.$1.out" 2>&1 </dev/null 3>&- &
	HULL_BG_PIDS+=("$!")
	wait_grep ready "$HULL_TEST_DIR/udp.$1.out"
}

# udp_ask NSPATH HOST PORT TEXT: send TEXT over UDP from the network
# namespace NSPATH, print the answer (1 s at most).
udp_ask() {
	nsenter --net="$1" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
print(s.recvfrom(2048)[0].decode())
' "$2" "$3" "$4"
}
