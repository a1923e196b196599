#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull as a CNI plugin (runtime/cni.c): CNI_COMMAND in the environment, no
# argument, the network configuration on stdin, the result or a JSON error
# on stdout.  ADD, DEL, CHECK, VERSION (spec 1.0) and STATUS, GC (1.1), own
# leases or a delegated ipam plugin, runtimeConfig.portMappings; some
# sequences compared with the reference bridge plugin (+ host-local) of
# Debian's containernetworking-plugins in /usr/lib/cni.
#
# Nothing here touches the machine's own network namespace: each test makes
# a "host" network namespace ($HOSTNS, `ip netns add`) where hull (or the
# reference plugin) runs under `nsenter --net`, and "container" namespaces
# (CNI_NETNS=/run/netns/NAME) of its own; the store (the "store" field) and
# host-local's dataDir are in the test's temporary directory.  teardown
# stops the servers the test started and deletes the namespaces and the
# directory, whatever happened.

load helpers

CNI_PLUGINS=/usr/lib/cni
SUBNET_RE='^10\.99\.1\.([0-9]+)/24$'

# No bundle or rootfs here.
setup_file() { :; }

setup() {
	if [ ! -x "$HULL" ]; then
		echo "runtime under test not found: HULL=$HULL" >&2
		return 1
	fi
	T="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-cni.XXXXXX")"
	: >"$T/netns" >"$T/pids"
	NSP="hcni${BATS_SUITE_TEST_NUMBER:-0}-${T##*.}"
	HOSTNS="$NSP-h"
	ns_add "$HOSTNS"
	STORE="$T/store"
	CNI_N=0
}

teardown() {
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	local p ns
	# the servers this test started (timeout(1) passes the TERM on)
	while read -r p; do
		kill "$p" 2>/dev/null || true
	done <"$T/pids"
	while read -r ns; do
		[ -n "$ns" ] || continue
		# anything still in the test's own namespaces was started by it
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done <"$T/netns"
	rm -rf "$T"
}

# ns_add NAME: a network namespace of the test (deleted by teardown).
ns_add() {
	echo "$1" >>"$T/netns"
	ip netns add "$1"
}

# conf [JQ-FILTER [jq args...]]: the test network's configuration (JSON, one
# line), through JQ-FILTER.
conf() {
	local f="${1:-.}"
	shift || true
	jq -cn --arg store "$STORE" '{cniVersion: "1.0.0", name: "hcni", type: "hull",
		bridge: "hcni0", subnet: "10.99.1.0/24", store: $store}' | jq -c "$@" "$f"
}

# ref_conf [JQ-FILTER]: the same network for the reference bridge plugin +
# host-local.
ref_conf() {
	jq -cn --arg dir "$T/ref-ipam" '{cniVersion: "1.0.0", name: "refnet", type: "bridge",
		bridge: "rbr0", isGateway: true, ipMasq: false,
		ipam: {type: "host-local", subnet: "10.99.2.0/24", dataDir: $dir}}' | jq -c "${1:-.}"
}

# ref_leases: host-local's reservations of the reference network.
ref_leases() { ls "$T/ref-ipam/refnet" 2>/dev/null | grep -E '^[0-9.]+$' || true; }

# plugin_run EXE HOSTNS CMD ID CTRNS CONFIG [NAME=VALUE | -NAME]...: EXE as a
# CNI plugin in network namespace HOSTNS, CNI_COMMAND=CMD, CNI_CONTAINERID=ID,
# CNI_NETNS=/run/netns/CTRNS (ID or CTRNS empty: not set), CNI_IFNAME=eth0,
# CNI_PATH=/usr/lib/cni, then NAME=VALUE set and -NAME unset; CONFIG on
# stdin.  Sets status, output (stdout), stderr, like hrun.
plugin_run() {
	local exe="$1" hostns="$2" cmd="$3" id="$4" ctr="$5" config="$6" a k
	shift 6
	local -A env=([PATH]="$PATH" [CNI_COMMAND]="$cmd" [CNI_IFNAME]=eth0 [CNI_PATH]="$CNI_PLUGINS")
	[ -z "$id" ] || env[CNI_CONTAINERID]="$id"
	[ -z "$ctr" ] || env[CNI_NETNS]="/run/netns/$ctr"
	for a in "$@"; do
		if [[ "$a" == -* ]]; then
			unset "env[${a#-}]"
		else
			env[${a%%=*}]="${a#*=}"
		fi
	done
	local kv=()
	for k in "${!env[@]}"; do
		kv+=("$k=${env[$k]}")
	done
	CNI_N=$((CNI_N + 1))
	local o="$T/cni.$CNI_N.out" e="$T/cni.$CNI_N.err"
	status=0
	env -i "${kv[@]}" timeout -k 5 60 nsenter --net="/run/netns/$hostns" "$exe" <<<"$config" >"$o" 2>"$e" ||
		status=$?
	hrun_record "$o" "$e" "CNI_COMMAND=$cmd CNI_CONTAINERID=$id CNI_NETNS=$ctr $* $exe <<<'$config'"
}

# cni CMD ID CTRNS CONFIG [...]: hull as the plugin, in $HOSTNS.
cni() { plugin_run "$HULL" "$HOSTNS" "$@"; }

# ref CMD ID CTRNS CONFIG [...]: the reference bridge plugin, in $REFNS.
ref() { plugin_run "$CNI_PLUGINS/bridge" "$REFNS" "$@"; }

need_ref() {
	local p
	for p in bridge host-local; do
		[ -x "$CNI_PLUGINS/$p" ] || skip "reference plugin $CNI_PLUGINS/$p not installed"
	done
	REFNS="$NSP-r"
	ns_add "$REFNS"
}

# add ID CTRNS [JQ-FILTER]: a successful ADD (the container namespace made
# first); RESULT is its result.
add() {
	ns_add "$2"
	cni ADD "$1" "$2" "$(conf "${3:-.}")"
	[ "$status" -eq 0 ] || return 1
	RESULT="$output"
	jq -e . <<<"$RESULT" >/dev/null
}

# addr_of RESULT: the first address, without its prefix length.
addr_of() { jq -r '.ips[0].address | sub("/.*"; "")' <<<"$1"; }

# with_prev CONFIG RESULT: CONFIG with prevResult (what libcni gives CHECK).
with_prev() { jq -c --argjson r "$2" '. + {prevResult: $r}' <<<"$1"; }

# assert_cni_error CODE [WORD]: the last run failed with a CNI error of CODE
# on stdout (one JSON object with cniVersion, code and msg; msg mentions
# WORD: the spec wants code 4's to name the variable).
assert_cni_error() {
	if [ "$status" -eq 0 ]; then
		echo "expected a failure, got status 0" >&2
		return 1
	fi
	jq -e . <<<"$output" >/dev/null || {
		echo "not JSON on stdout: $output" >&2
		return 1
	}
	local code
	code="$(jq -r .code <<<"$output")"
	if [ "$code" != "$1" ]; then
		echo "expected code $1, got $code: $output" >&2
		return 1
	fi
	[ -n "$(jq -r '.msg // empty' <<<"$output")" ] || {
		echo "error without msg: $output" >&2
		return 1
	}
	if [ -n "${2:-}" ] && [[ "$(jq -r .msg <<<"$output")" != *"$2"* ]]; then
		echo "msg does not mention $2: $output" >&2
		return 1
	fi
	[ -n "$(jq -r '.cniVersion // empty' <<<"$output")" ] || {
		echo "error without cniVersion: $output" >&2
		return 1
	}
}

# ip_quiet ARGS...: ip(8) without its "Peer netns reference is invalid"
# notes (a veth whose peer is in a namespace without an id here).
ip_quiet() { { ip "$@" 2>&1 1>&4 | grep -v 'Peer netns reference is invalid' >&2; } 4>&1; }

# host_veths [NS]: the veth interfaces of the host namespace.
host_veths() { ip_quiet -n "${1:-$HOSTNS}" -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//'; }

# leases: the lease files of the test network.
leases() { ls "$STORE/networks/hcni/leases" 2>/dev/null || true; }

# port_elements: the elements of hull's ports4 map in the host namespace.
port_elements() {
	nsenter --net="/run/netns/$HOSTNS" nft list map inet hull ports4 2>/dev/null |
		tr -d '\n' | grep -o 'elements = {[^}]*}' || true
}

# ctr_links CTRNS: the interfaces of a container namespace but lo.
ctr_links() { ip_quiet -n "$1" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -vx lo || true; }

# assert_nothing_added CTRNS: no veth on the host, no interface in CTRNS,
# no lease, no published port.
assert_nothing_added() {
	none_left "veths on the host" "$(host_veths)" || return 1
	none_left "interfaces in $1" "$(ctr_links "$1")" || return 1
	none_left "lease files" "$(leases)" || return 1
	none_left "port elements" "$(port_elements)" || return 1
	none_left "port files" "$(ls "$STORE/networks/ports" 2>/dev/null)" || return 1
}

# serve CTRNS PORT TEXT: a TCP server in CTRNS answering TEXT to every
# connection (for at most 60 s; teardown stops it).
serve() {
	timeout -k 2 60 ip netns exec "$1" sh -c "while :; do echo '$3' | busybox nc -l -p $2; done" \
		</dev/null >/dev/null 2>&1 3>&- &
	echo $! >>"$T/pids"
}

# fetch_from_host ADDR PORT TEXT: a connection from the host namespace to
# ADDR:PORT gets TEXT.
fetch_from_host() {
	local got
	got="$(timeout -k 1 3 nsenter --net="/run/netns/$HOSTNS" busybox nc "$1" "$2" </dev/null 2>/dev/null)"
	[ "$got" = "$3" ]
}

# ------------------------------------------------------------------ VERSION

@test "cni VERSION: lists 1.0.0 and 1.1.0" {
	cni VERSION "" "" '{"cniVersion": "1.0.0"}'
	[ "$status" -eq 0 ]
	jq -e '.cniVersion | type == "string"' <<<"$output"
	jq -e '.supportedVersions | index("1.0.0") and index("1.1.0")' <<<"$output"
}

@test "cni VERSION: cniVersion is the one given on input (spec: \"the value of cniVersion specified on input\")" {
	cni VERSION "" "" '{"cniVersion": "1.0.0"}'
	[ "$status" -eq 0 ]
	jq -e '.cniVersion == "1.0.0"' <<<"$output"
	cni VERSION "" "" '{"cniVersion": "0.4.0"}'
	[ "$status" -eq 0 ]
	jq -e '.cniVersion == "0.4.0"' <<<"$output"
}

# ---------------------------------------------------------------------- ADD

@test "cni ADD: a CNI 1.0 result; the interface, its address and default route in the container, bridge and veth on the host" {
	add c1 "$NSP-c1"
	echo "$RESULT" | jq . >&2
	jq -e '.cniVersion == "1.0.0"' <<<"$RESULT"
	# the interfaces: the container's one has the sandbox and a MAC
	jq -e '.interfaces | type == "array" and length >= 1' <<<"$RESULT"
	i="$(jq -r '.ips[0].interface' <<<"$RESULT")"
	[[ "$i" =~ ^[0-9]+$ ]]
	jq -e --argjson i "$i" --arg ns "/run/netns/$NSP-c1" \
		'.interfaces[$i] | .name == "eth0" and .sandbox == $ns and (.mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$"))' <<<"$RESULT"
	# the address in the subnet, the gateway, no "version" (1.0 dropped it)
	addr="$(jq -r '.ips[0].address' <<<"$RESULT")"
	[[ "$addr" =~ $SUBNET_RE ]]
	host="${BASH_REMATCH[1]}"
	[ "$host" -gt 1 ] && [ "$host" -lt 255 ]
	jq -e '.ips[0].gateway == "10.99.1.1"' <<<"$RESULT"
	jq -e '.ips[0] | has("version") | not' <<<"$RESULT"
	jq -e '.routes | any(.dst == "0.0.0.0/0")' <<<"$RESULT"
	# in the container: eth0 up with that address and MAC, a default route
	mac="$(jq -r --argjson i "$i" '.interfaces[$i].mac' <<<"$RESULT")"
	run ip -n "$NSP-c1" -o addr show dev eth0
	[[ "$output" == *"inet $addr "* ]]
	run ip -n "$NSP-c1" -o link show dev eth0
	[[ "$output" == *"link/ether $mac "* ]]
	[[ "$output" =~ [\<,]UP[,\>] ]]
	run ip -n "$NSP-c1" route show default
	[[ "$output" == *"default via 10.99.1.1 dev eth0"* ]]
	# on the host: the bridge with the gateway's address, the veth on it
	run ip -n "$HOSTNS" -o addr show dev hcni0
	[[ "$output" == *"inet 10.99.1.1/24"* ]]
	jq -e '.interfaces | any(.name == "hcni0")' <<<"$RESULT"
	veth="$(jq -r '.interfaces[] | select(.sandbox == null and .name != "hcni0") | .name' <<<"$RESULT")"
	[ -n "$veth" ]
	[ "$(host_veths)" = "$veth" ]
	run ip -n "$HOSTNS" -o link show dev "$veth"
	[[ "$output" == *"master hcni0"* ]]
	# the lease: "ID IFNAME MAC"
	[ "$(leases)" = "${addr%/*}" ]
	[ "$(cut -d' ' -f1,2 "$STORE/networks/hcni/leases/${addr%/*}")" = "c1 eth0" ]
}

@test "cni ADD: two containers get distinct addresses and reach each other" {
	add c1 "$NSP-c1"
	a1="$(addr_of "$RESULT")"
	add c2 "$NSP-c2"
	a2="$(addr_of "$RESULT")"
	[ "$a1" != "$a2" ]
	[[ "$a2/24" =~ $SUBNET_RE ]]
	[ "$(host_veths | wc -l)" -eq 2 ]
	ip netns exec "$NSP-c1" busybox ping -c 1 -W 5 "$a2"
	ip netns exec "$NSP-c2" busybox ping -c 1 -W 5 "$a1"
	# and a TCP connection between them
	serve "$NSP-c2" 7777 hello-c1
	retry 50 0.1 sh -c "[ \"\$(timeout -k 1 3 ip netns exec '$NSP-c1' busybox nc '$a2' 7777 </dev/null)\" = hello-c1 ]"
}

@test "cni ADD and DEL of eight containers at once, each publishing a port (the first ADDs define the network and the nftables table): distinct addresses, all gone after" {
	local i pids=()
	for i in 1 2 3 4 5 6 7 8; do
		ns_add "$NSP-p$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		(
			CNI_N="10$i"
			cni ADD "p$i" "$NSP-p$i" "$(conf '.runtimeConfig = {portMappings: [{hostPort: (9000 + $i), containerPort: 80, protocol: "tcp"}]}' --argjson i "$i")"
			echo "$status" >"$T/p$i.status"
			printf '%s' "$output" >"$T/p$i.out"
		) 2>/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		echo "p$i: $(cat "$T/p$i.status") $(cat "$T/p$i.out")"
		[ "$(cat "$T/p$i.status")" -eq 0 ]
		addr_of "$(cat "$T/p$i.out")" >>"$T/addrs"
	done
	[ "$(sort -u "$T/addrs" | wc -l)" -eq 8 ]
	[ "$(leases | wc -l)" -eq 8 ]
	[ "$(host_veths | wc -l)" -eq 8 ]
	[ "$(port_elements | grep -o ' : ' | wc -l)" -eq 8 ]
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		(
			CNI_N="20$i"
			cni DEL "p$i" "$NSP-p$i" "$(conf)"
			echo "$status" >"$T/d$i.status"
		) 2>/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		[ "$(cat "$T/d$i.status")" -eq 0 ]
	done
	none_left "veths on the host" "$(host_veths)"
	none_left "lease files" "$(leases)"
	none_left "port elements" "$(port_elements)"
}

@test "cni ADD: cniVersion 0.4.0 gets a 0.4.0 result, with \"version\" in ips" {
	add c1 "$NSP-c1" '.cniVersion = "0.4.0"'
	jq -e '.cniVersion == "0.4.0"' <<<"$RESULT"
	jq -e '.ips[0].version == "4"' <<<"$RESULT"
	[[ "$(jq -r '.ips[0].address' <<<"$RESULT")" =~ $SUBNET_RE ]]
}

@test "cni ADD twice for the same container and ifname: refused as the reference bridge plugin does; the first stays working" {
	need_ref
	# the reference
	ns_add "$NSP-r1"
	ref ADD c1 "$NSP-r1" "$(ref_conf)"
	ref_s1="$status"
	ref_r1="$output"
	ref ADD c1 "$NSP-r1" "$(ref_conf)"
	ref_s2="$status"
	[ "$ref_s1" -eq 0 ]
	[ "$ref_s2" -ne 0 ]
	ref CHECK c1 "$NSP-r1" "$(with_prev "$(ref_conf)" "$ref_r1")"
	[ "$status" -eq 0 ]
	# hull
	add c1 "$NSP-c1"
	s1="$status"
	first="$RESULT"
	a1="$(addr_of "$first")"
	veth="$(host_veths)"
	cni ADD c1 "$NSP-c1" "$(conf)"
	s2="$status"
	[ "$s1" -eq "$ref_s1" ]
	[ "$s2" -eq "$ref_s2" ]
	assert_cni_error 100
	# the first attachment as it was
	[ "$(host_veths)" = "$veth" ]
	[ "$(leases)" = "$a1" ]
	[ "$(ctr_links "$NSP-c1")" = eth0 ]
	run ip -n "$NSP-c1" -o -4 addr show dev eth0
	[[ "$output" == *"inet $a1/24 "* ]]
	cni CHECK c1 "$NSP-c1" "$(with_prev "$(conf)" "$first")"
	[ "$status" -eq 0 ]
	ns_add "$NSP-c2"
	cni ADD c2 "$NSP-c2" "$(conf)"
	[ "$status" -eq 0 ]
	ip netns exec "$NSP-c2" busybox ping -c 1 -W 5 "$a1"
}

@test "cni ADD of a second interface (eth1) of one container on the network: both attachments work, as with the reference bridge plugin" {
	need_ref
	# the reference, with a default route (isDefaultGateway) like hull's
	rc="$(ref_conf '.isDefaultGateway = true')"
	ns_add "$NSP-r1"
	ref ADD c1 "$NSP-r1" "$rc"
	ref_s1="$status"
	ref ADD c1 "$NSP-r1" "$rc" CNI_IFNAME=eth1
	ref_s2="$status"
	[ "$ref_s1" -eq 0 ] && [ "$ref_s2" -eq 0 ]
	[ "$(ref_leases | wc -l)" -eq 2 ]
	ref DEL c1 "$NSP-r1" "$rc" CNI_IFNAME=eth1
	[ "$status" -eq 0 ]
	[ "$(ref_leases | wc -l)" -eq 1 ]

	add c1 "$NSP-c1" '.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}'
	a1="$(addr_of "$RESULT")"
	[ "$status" -eq "$ref_s1" ]
	cni ADD c1 "$NSP-c1" "$(conf)" CNI_IFNAME=eth1
	s2="$status"
	# whatever the second ADD did, the first attachment is whole
	[ "$(leases | grep -cx "$a1")" -eq 1 ]
	[[ "$(port_elements)" == *"8080 : $a1 . 80"* ]]
	[ "$s2" -eq "$ref_s2" ]
	a2="$(addr_of "$output")"
	[ "$a2" != "$a1" ]
	[ "$(leases | wc -l)" -eq 2 ]
	run ip -n "$NSP-c1" -o -4 addr show dev eth1
	[[ "$output" == *"inet $a2/24 "* ]]
	# DEL of eth1 leaves eth0's lease and port
	cni DEL c1 "$NSP-c1" "$(conf)" CNI_IFNAME=eth1
	[ "$status" -eq 0 ]
	[ "$(leases)" = "$a1" ]
	[[ "$(port_elements)" == *"8080 : $a1 . 80"* ]]
	[ "$(ctr_links "$NSP-c1")" = eth0 ]
}

@test "cni DEL of a never-added interface of a container leaves its other attachment (lease, published port) alone, as the reference does" {
	need_ref
	ns_add "$NSP-r1"
	ref ADD c1 "$NSP-r1" "$(ref_conf)"
	[ "$status" -eq 0 ]
	ref DEL c1 "$NSP-r1" "$(ref_conf)" CNI_IFNAME=eth9
	[ "$status" -eq 0 ]
	[ "$(ref_leases | wc -l)" -eq 1 ]

	pm='.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}'
	add c1 "$NSP-c1" "$pm"
	first="$RESULT"
	a1="$(addr_of "$first")"
	cni DEL c1 "$NSP-c1" "$(conf "$pm")" CNI_IFNAME=eth9
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(leases)" = "$a1" ]
	[[ "$(port_elements)" == *"8080 : $a1 . 80"* ]]
	[ -n "$(ls "$STORE/networks/ports")" ]
	cni CHECK c1 "$NSP-c1" "$(with_prev "$(conf "$pm")" "$first")"
	[ "$status" -eq 0 ]
	# and the address is not given to another container
	add c2 "$NSP-c2"
	[ "$(addr_of "$RESULT")" != "$a1" ]
}

@test "cni ADD failing for a second interface of a container (CNI_IFNAME lo) leaves its first attachment alone" {
	pm='.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}'
	add c1 "$NSP-c1" "$pm"
	a1="$(addr_of "$RESULT")"
	cni ADD c1 "$NSP-c1" "$(conf)" CNI_IFNAME=lo
	[ "$status" -ne 0 ]
	[ "$(leases)" = "$a1" ]
	[[ "$(port_elements)" == *"8080 : $a1 . 80"* ]]
	[ "$(ctr_links "$NSP-c1")" = eth0 ]
	[ "$(host_veths | wc -l)" -eq 1 ]
}

# --------------------------------------------------------------------- CHECK

@test "cni CHECK: succeeds after ADD, fails once the interface is gone, as the reference bridge plugin does" {
	need_ref
	ns_add "$NSP-r1"
	ref ADD c1 "$NSP-r1" "$(ref_conf)"
	[ "$status" -eq 0 ]
	ref_r="$output"
	ref CHECK c1 "$NSP-r1" "$(with_prev "$(ref_conf)" "$ref_r")"
	ref_s1="$status"
	ip -n "$NSP-r1" link del eth0
	ref CHECK c1 "$NSP-r1" "$(with_prev "$(ref_conf)" "$ref_r")"
	ref_s2="$status"
	[ "$ref_s1" -eq 0 ]
	[ "$ref_s2" -ne 0 ]

	add c1 "$NSP-c1"
	cni CHECK c1 "$NSP-c1" "$(with_prev "$(conf)" "$RESULT")"
	[ "$status" -eq "$ref_s1" ]
	[ -z "$output" ]
	# without prevResult: from the store's lease
	cni CHECK c1 "$NSP-c1" "$(conf)"
	[ "$status" -eq 0 ]
	ip -n "$NSP-c1" link del eth0
	cni CHECK c1 "$NSP-c1" "$(with_prev "$(conf)" "$RESULT")"
	[ "$status" -eq "$ref_s2" ]
	jq -e '.code | type == "number"' <<<"$output"
	cni CHECK c1 "$NSP-c1" "$(conf)"
	[ "$status" -ne 0 ]
	# DEL still cleans up
	cni DEL c1 "$NSP-c1" "$(conf)"
	[ "$status" -eq 0 ]
	assert_nothing_added "$NSP-c1"
}

# ----------------------------------------------------------------------- DEL

@test "cni DEL of what was never added succeeds with no output, as the reference bridge plugin does" {
	need_ref
	ns_add "$NSP-r1"
	ref DEL never "$NSP-r1" "$(ref_conf)"
	ref_s="$status"
	ref_out="$output"
	# the namespace gone too
	ref DEL never "$NSP-gone" "$(ref_conf)"
	ref_s_gone="$status"
	[ "$ref_s" -eq 0 ] && [ -z "$ref_out" ] && [ "$ref_s_gone" -eq 0 ]

	ns_add "$NSP-c1"
	cni DEL never "$NSP-c1" "$(conf)"
	[ "$status" -eq "$ref_s" ]
	[ -z "$output" ]
	cni DEL never "$NSP-gone" "$(conf)"
	[ "$status" -eq "$ref_s_gone" ]
	[ -z "$output" ]
	# also with the network defined by another container's ADD
	add c2 "$NSP-c2"
	cni DEL never "$NSP-c1" "$(conf)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(leases)" = "$(addr_of "$RESULT")" ]
}

@test "cni DEL after ADD removes the veth, the lease and the published ports; DEL twice succeeds" {
	add c1 "$NSP-c1" '.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}'
	a1="$(addr_of "$RESULT")"
	# there before
	[ -n "$(host_veths)" ]
	[ "$(leases)" = "$a1" ]
	[[ "$(port_elements)" == *"8080 : $a1 . 80"* ]]
	[ -n "$(ls "$STORE/networks/ports")" ]
	cni DEL c1 "$NSP-c1" "$(conf '.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}')"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	assert_nothing_added "$NSP-c1"
	cni DEL c1 "$NSP-c1" "$(conf)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	assert_nothing_added "$NSP-c1"
	# the address is free again
	add c2 "$NSP-c2"
	[ "$(addr_of "$RESULT")" = "$a1" ]
}

# ---------------------------------------------------------------------- ipam

@test "cni ADD with a delegated ipam (host-local): its address; DEL releases its lease" {
	[ -x "$CNI_PLUGINS/host-local" ] || skip "host-local not installed"
	ipam='del(.subnet) | .ipam = {type: "host-local", subnet: "10.99.3.0/24", dataDir: $dir}'
	c="$(conf "$ipam" --arg dir "$T/ipam")"
	ns_add "$NSP-c3"
	cni ADD c3 "$NSP-c3" "$c"
	[ "$status" -eq 0 ]
	addr="$(jq -r '.ips[0].address' <<<"$output")"
	[[ "$addr" =~ ^10\.99\.3\.[0-9]+/24$ ]]
	jq -e '.ips[0].gateway == "10.99.3.1"' <<<"$output"
	run ip -n "$NSP-c3" -o -4 addr show dev eth0
	[[ "$output" == *"inet $addr "* ]]
	run ip -n "$NSP-c3" route show default
	[[ "$output" == *"default via 10.99.3.1 dev eth0"* ]]
	# host-local's reservation, and hull's record of the same address
	# (so that network inspect, CHECK and GC see the attachment)
	[ -f "$T/ipam/hcni/${addr%/*}" ]
	grep -q c3 "$T/ipam/hcni/${addr%/*}"
	[ "$(leases)" = "${addr%/*}" ]
	cni DEL c3 "$NSP-c3" "$c"
	[ -z "$(leases)" ]
	[ "$status" -eq 0 ]
	[ ! -e "$T/ipam/hcni/${addr%/*}" ]
	assert_nothing_added "$NSP-c3"
}

@test "cni ADD twice with a delegated ipam (host-local): refused before host-local is asked; the first keeps its reservation" {
	[ -x "$CNI_PLUGINS/host-local" ] || skip "host-local not installed"
	c="$(conf 'del(.subnet) | .ipam = {type: "host-local", subnet: "10.99.3.0/24", dataDir: $dir}' --arg dir "$T/ipam")"
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$c"
	[ "$status" -eq 0 ]
	addr="$(addr_of "$output")"
	cni ADD c1 "$NSP-c1" "$c"
	[ "$status" -ne 0 ]
	# host-local still holds the first ADD's address for c1, and only it
	grep -q c1 "$T/ipam/hcni/$addr"
	[ "$(ls "$T/ipam/hcni" | grep -c '^10\.')" -eq 1 ]
	[ "$(leases)" = "$addr" ]
	cni DEL c1 "$NSP-c1" "$c"
	[ "$status" -eq 0 ]
	[ ! -e "$T/ipam/hcni/$addr" ]
}

@test "cni CHECK with a delegated ipam (host-local) runs the ipam plugin's CHECK: a lost reservation fails it" {
	[ -x "$CNI_PLUGINS/host-local" ] || skip "host-local not installed"
	c="$(conf 'del(.subnet) | .ipam = {type: "host-local", subnet: "10.99.3.0/24", dataDir: $dir}' --arg dir "$T/ipam")"
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$c"
	[ "$status" -eq 0 ]
	r="$output"
	addr="$(addr_of "$r")"
	cni CHECK c1 "$NSP-c1" "$(with_prev "$c" "$r")"
	[ "$status" -eq 0 ]
	# host-local itself now fails CHECK (it finds no address of c1)
	rm "$T/ipam/hcni/$addr"
	run env -i CNI_COMMAND=CHECK CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/$NSP-c1" CNI_IFNAME=eth0 \
		CNI_PATH="$CNI_PLUGINS" "$CNI_PLUGINS/host-local" <<<"$(with_prev "$c" "$r")"
	echo "host-local CHECK: $status $output"
	[ "$status" -ne 0 ]
	# "If a plugin is executed with CNI_COMMAND=CHECK or DEL, it must also
	# execute any delegated plugins" (spec, section 4)
	cni CHECK c1 "$NSP-c1" "$(with_prev "$c" "$r")"
	[ "$status" -ne 0 ]
}

@test "cni GC on a network with a delegated ipam (host-local): the attachment not listed loses its veth" {
	[ -x "$CNI_PLUGINS/host-local" ] || skip "host-local not installed"
	# (Debian's host-local 1.1.1 knows no cniVersion 1.1.0: ADD with 1.0.0)
	c="$(conf 'del(.subnet) | .ipam = {type: "host-local", subnet: "10.99.3.0/24", dataDir: $dir}' --arg dir "$T/ipam")"
	ns_add "$NSP-c1"
	ns_add "$NSP-c2"
	cni ADD c1 "$NSP-c1" "$c"
	[ "$status" -eq 0 ]
	cni ADD c2 "$NSP-c2" "$c"
	[ "$status" -eq 0 ]
	[ "$(host_veths | wc -l)" -eq 2 ]
	cni GC "" "" "$(jq -c '.cniVersion = "1.1.0" | .["cni.dev/valid-attachments"] = [{containerID: "c1", ifname: "eth0"}]' <<<"$c")"
	[ "$status" -eq 0 ]
	[ "$(host_veths | wc -l)" -eq 1 ]
	none_left "interfaces in $NSP-c2" "$(ctr_links "$NSP-c2")"
	[ "$(ctr_links "$NSP-c1")" = eth0 ]
}

@test "cni ADD failing after the ipam plugin gave an address (CNI_IFNAME taken inside): the address released, nothing added" {
	[ -x "$CNI_PLUGINS/host-local" ] || skip "host-local not installed"
	c="$(conf 'del(.subnet) | .ipam = {type: "host-local", subnet: "10.99.3.0/24", dataDir: $dir}' --arg dir "$T/ipam")"
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$c" CNI_IFNAME=lo
	[ "$status" -ne 0 ]
	jq -e '.code | type == "number"' <<<"$output"
	none_left "host-local leases" "$(ls "$T/ipam/hcni" 2>/dev/null | grep -E '^[0-9.]+$')"
	assert_nothing_added "$NSP-c1"
	# the loopback as it was
	ip -n "$NSP-c1" -o link show lo | grep -q 'lo:'
}

@test "cni ADD for a CNI_IFNAME taken inside (own leases): an error, nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf)" CNI_IFNAME=lo
	[ "$status" -ne 0 ]
	jq -e '.code | type == "number"' <<<"$output"
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD with subnet6: an IPv4 and an IPv6 address, both default routes; the containers reach each other over IPv6" {
	f='.subnet6 = "fd00:99:1::/64"'
	add c1 "$NSP-c1" "$f"
	r1="$RESULT"
	jq -e '[.ips[].address] | length == 2' <<<"$r1"
	jq -e '.ips | any(.address | test("^fd00:99:1::[0-9a-f]+/64$"))' <<<"$r1"
	jq -e '.ips | any(.gateway == "fd00:99:1::1")' <<<"$r1"
	jq -e '[.routes[].dst] | index("0.0.0.0/0") and index("::/0")' <<<"$r1"
	a6="$(jq -r '.ips[] | select(.address | contains(":")) | .address' <<<"$r1")"
	run ip -n "$NSP-c1" -o -6 addr show dev eth0
	[[ "$output" == *"inet6 $a6 "* ]]
	run ip -n "$NSP-c1" -6 route show default
	[[ "$output" == *"default via fd00:99:1::1 dev eth0"* ]]
	add c2 "$NSP-c2" "$f"
	ip netns exec "$NSP-c2" busybox ping -c 1 -W 5 "${a6%/*}"
}

@test "cni ADD with a subnet that differs from the store's network of that name: code 7, nothing added" {
	add c1 "$NSP-c1"
	a1="$(addr_of "$RESULT")"
	ns_add "$NSP-c2"
	cni ADD c2 "$NSP-c2" "$(conf '.subnet = "10.99.9.0/24"')"
	assert_cni_error 7
	none_left "interfaces in $NSP-c2" "$(ctr_links "$NSP-c2")"
	[ "$(leases)" = "$a1" ]
	[ "$(host_veths | wc -l)" -eq 1 ]
}

@test "cni ADD with a bad runtimeConfig.portMappings: code 7, nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf '.runtimeConfig = {portMappings: [{hostPort: 0, containerPort: 80, protocol: "tcp"}]}')"
	assert_cni_error 7
	assert_nothing_added "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf '.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "sctp"}]}')"
	assert_cni_error 7
	assert_nothing_added "$NSP-c1"
}

@test "cni DEL after the container's network namespace is gone: succeeds; veth, lease and ports gone" {
	add c1 "$NSP-c1" '.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}'
	ip netns del "$NSP-c1"
	cni DEL c1 "$NSP-c1" "$(conf)"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	none_left "veths on the host" "$(host_veths)"
	none_left "lease files" "$(leases)"
	none_left "port elements" "$(port_elements)"
}

@test "cni CHECK with a prevResult whose address is not on the interface fails" {
	add c1 "$NSP-c1"
	wrong="$(jq -c '.ips[0].address = "10.99.1.200/24"' <<<"$RESULT")"
	cni CHECK c1 "$NSP-c1" "$(with_prev "$(conf)" "$wrong")"
	[ "$status" -ne 0 ]
	jq -e '.code | type == "number"' <<<"$output"
}

@test "cni ADD without CNI_IFNAME or CNI_NETNS, DEL without CNI_IFNAME: code 4 naming the variable" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf)" -CNI_IFNAME
	assert_cni_error 4 CNI_IFNAME
	cni ADD c1 "" "$(conf)"
	assert_cni_error 4 CNI_NETNS
	assert_nothing_added "$NSP-c1"
	cni DEL c1 "$NSP-c1" "$(conf)" -CNI_IFNAME
	assert_cni_error 4 CNI_IFNAME
}

# --------------------------------------------------------------------- ports

@test "cni ADD with runtimeConfig.portMappings: the port answers on the host namespace's 127.0.0.1" {
	ip -n "$HOSTNS" link set lo up
	add c1 "$NSP-c1" '.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: ""}]}'
	a1="$(addr_of "$RESULT")"
	serve "$NSP-c1" 80 served-by-c1
	# straight to the container first (the server is up), then by the port
	retry 50 0.1 fetch_from_host "$a1" 80 served-by-c1
	retry 20 0.1 fetch_from_host 127.0.0.1 8080 served-by-c1
}

# ---------------------------------------------------------------- bad input

@test "cni ADD with an unsupported cniVersion: code 1, nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf '.cniVersion = "9.9.9"')"
	assert_cni_error 1
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD with \"internal\": \"yes\": code 7, nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf '.internal = "yes"')"
	assert_cni_error 7
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD with a type that is not hull: code 7, nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" "$(conf '.type = "bridge"')"
	assert_cni_error 7
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD without CNI_CONTAINERID: code 4, nothing added" {
	ns_add "$NSP-c1"
	cni ADD "" "$NSP-c1" "$(conf)"
	assert_cni_error 4 CNI_CONTAINERID
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD with a CNI_NETNS path that does not exist: code 4 naming CNI_NETNS, nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "" "$(conf)" CNI_NETNS="$T/no/such/netns"
	assert_cni_error 4 CNI_NETNS
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD with a CNI_NETNS that is a file but no network namespace: code 4 naming CNI_NETNS, nothing added" {
	ns_add "$NSP-c1"
	echo x >"$T/notns"
	cni ADD c1 "" "$(conf)" CNI_NETNS="$T/notns"
	assert_nothing_added "$NSP-c1"
	assert_cni_error 4 CNI_NETNS
}

@test "cni: an unknown CNI_COMMAND: code 4, nothing added" {
	ns_add "$NSP-c1"
	cni FROB c1 "$NSP-c1" "$(conf)"
	assert_cni_error 4 CNI_COMMAND
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD ignores CNI_ARGS it does not know (IgnoreUnknown=1, as Podman and the kubelet pass)" {
	ns_add "$NSP-c2"
	cni ADD c2 "$NSP-c2" "$(conf)" 'CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p'
	[ "$status" -eq 0 ]
	[[ "$(jq -r '.ips[0].address' <<<"$output")" =~ $SUBNET_RE ]]
}

@test "cni ADD with stdin that is not JSON: code 6; without a name: code 7; nothing added" {
	ns_add "$NSP-c1"
	cni ADD c1 "$NSP-c1" '{"cniVersion": "1.0.0", "name": '
	assert_cni_error 6
	cni ADD c1 "$NSP-c1" "$(conf 'del(.name)')"
	assert_cni_error 7
	assert_nothing_added "$NSP-c1"
}

@test "cni ADD on an internal network: no route in the result, no default route; the containers reach each other; portMappings refused, nothing added" {
	add c1 "$NSP-c1" '.internal = true'
	jq -e '.routes == [] or .routes == null' <<<"$RESULT"
	a1="$(addr_of "$RESULT")"
	run ip -n "$NSP-c1" route show default
	[ -z "$output" ]
	add c2 "$NSP-c2" '.internal = true'
	ip netns exec "$NSP-c2" busybox ping -c 1 -W 5 "$a1"
	ns_add "$NSP-c3"
	cni ADD c3 "$NSP-c3" "$(conf '.internal = true | .runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}')"
	[ "$status" -ne 0 ]
	jq -e '.code | type == "number"' <<<"$output"
	none_left "interfaces in $NSP-c3" "$(ctr_links "$NSP-c3")"
	[ "$(leases | wc -l)" -eq 2 ]
	none_left "port elements" "$(port_elements)"
}

@test "cni ADD with a udp mapping and one on a host address: their elements; DEL takes them" {
	pm='.runtimeConfig = {portMappings: [{hostPort: 5353, containerPort: 53, protocol: "udp"}, {hostPort: 8081, containerPort: 81, protocol: "tcp", hostIP: "127.0.0.1"}]}'
	add c1 "$NSP-c1" "$pm"
	a1="$(addr_of "$RESULT")"
	[[ "$(port_elements)" == *"udp . 5353 : $a1 . 53"* ]]
	run nsenter --net="/run/netns/$HOSTNS" nft list map inet hull ports4h
	[[ "$output" == *"127.0.0.1 . tcp . 8081 : $a1 . 81"* ]]
	cni DEL c1 "$NSP-c1" "$(conf "$pm")"
	[ "$status" -eq 0 ]
	assert_nothing_added "$NSP-c1"
	run nsenter --net="/run/netns/$HOSTNS" nft list map inet hull ports4h
	[[ "$output" != *8081* ]]
}

# ------------------------------------------------------------- GC and STATUS

@test "cni GC: cni.dev/valid-attachments keeps one container, the other's veth and lease go" {
	add c1 "$NSP-c1" '.cniVersion = "1.1.0"'
	r1="$RESULT"
	a1="$(addr_of "$r1")"
	add c2 "$NSP-c2" '.cniVersion = "1.1.0"'
	a2="$(addr_of "$RESULT")"
	[ "$(host_veths | wc -l)" -eq 2 ]
	cni GC "" "" "$(conf '.cniVersion = "1.1.0" | .["cni.dev/valid-attachments"] = [{containerID: "c1", ifname: "eth0"}]')"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(leases)" = "$a1" ]
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(ctr_links "$NSP-c2")" = "" ]
	cni CHECK c1 "$NSP-c1" "$(with_prev "$(conf '.cniVersion = "1.1.0"')" "$r1")"
	[ "$status" -eq 0 ]
	refute ip netns exec "$NSP-c1" busybox ping -c 1 -W 1 "$a2"
}

@test "cni GC with no valid attachment on one network leaves the other network's attachments" {
	add c1 "$NSP-c1" '.cniVersion = "1.1.0"'
	add c2 "$NSP-c2" '.cniVersion = "1.1.0" | .name = "other" | .bridge = "hcni1" | .subnet = "10.99.5.0/24"'
	cni GC "" "" "$(conf '.cniVersion = "1.1.0" | .["cni.dev/valid-attachments"] = []')"
	[ "$status" -eq 0 ]
	none_left "lease files" "$(leases)"
	none_left "interfaces in $NSP-c1" "$(ctr_links "$NSP-c1")"
	[ "$(ls "$STORE/networks/other/leases")" = "$(addr_of "$RESULT")" ]
	[ "$(ctr_links "$NSP-c2")" = eth0 ]
	[ "$(host_veths | wc -l)" -eq 1 ]
}

@test "cni STATUS with a store that cannot be made: code 50" {
	echo x >"$T/file"
	cni STATUS "" "" "$(conf '.cniVersion = "1.1.0" | .store = $s' --arg s "$T/file/store")"
	assert_cni_error 50
}

@test "cni STATUS: exit 0" {
	cni STATUS "" "" "$(conf '.cniVersion = "1.1.0"')"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
