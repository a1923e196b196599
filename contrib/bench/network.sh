#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/bench/network.sh [ROUNDS]: hull's networks against the reference
# CNI plugins and a bare veth pair (`make bench`, `make bench-network`).
#
# Everything runs in a network namespace of the script's own (and a mount
# namespace for its tmpfs): the machine's interfaces, routes and nftables
# are never touched; the namespace goes when the script ends.
#
#  1. `hull run --network hull` of /bin/true against `hull run --network
#     none` of the same bundle (target: at most 2x), and the difference of
#     the two (hull's network setup and teardown) against the reference
#     bridge + host-local plugins (containernetworking-plugins) doing ADD
#     and DEL on a namespace of the same kind (target: at most 0.3x); hull's
#     own CNI plugin (ADD + DEL) on that namespace too.
#  2. TCP throughput (iperf3, 3 s) between two containers on one network
#     against a bare veth pair between two namespaces (target: at least
#     0.9x).  iperf3 is the host's, run in the containers' network
#     namespaces (nsenter --net): the path measured is the container's.
# Rounds alternate the compared commands so load hits both alike; medians.
# It reports and never fails on a number.
set -euo pipefail
if [ -z "${HULL_BENCH_NETNS:-}" ]; then
	HULL_BENCH_NETNS=1 exec unshare -n -m --propagation private bash "$0" "$@"
fi
ROUNDS=${1:-${ROUNDS:-15}}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HULL=${HULL:-$REPO/hull}
need=()
for c in iperf3 jq busybox nft ip; do command -v $c >/dev/null || need+=("$c"); done
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
[ ${#need[@]} = 0 ] || sh "$REPO/contrib/apt-install.sh" $(printf '%s\n' "${need[@]}" |
	sed 's/^busybox$/busybox-static/; s/^ip$/iproute2/; s/^nft$/nftables/')
[ -x "$HULL" ] || make -C "$REPO" hull >/dev/null

W=$(mktemp -d /tmp/hull-bench-net.XXXXXX)
mount -t tmpfs -o mode=0700 tmpfs "$W"
mkdir -p "$W/run" "$W/store" "$W/cni" "$W/ns"
# Named namespaces for the CNI runs and the bare pair, kept in $W (no
# /run/netns of the host's).
mount --bind "$W/ns" "$W/ns" && mount --make-private "$W/ns"
PIDS=()
cleanup() {
	set +e
	for id in $("$HULL" --root "$W/run" list -q 2>/dev/null); do
		"$HULL" --root "$W/run" --store "$W/store" delete -f "$id" >/dev/null 2>&1
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for f in "$W"/ns/*; do [ -e "$f" ] && umount "$f" 2>/dev/null; done
	umount "$W/ns" 2>/dev/null
	cd /
	umount -l "$W" 2>/dev/null
	rmdir "$W" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip link set lo up

cc -O2 -o "$W/measure" "$REPO/contrib/bench/measure.c"

# newns NAME: a network namespace held by a bind mount at $W/ns/NAME.
newns() {
	touch "$W/ns/$1"
	unshare -n sh -c "mount --bind /proc/self/ns/net '$W/ns/$1'"
}

# The bundle: busybox, its own network namespace; no cgroup limits.
B=$W/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/etc"
cp "$(command -v busybox)" "$B/rootfs/bin/busybox"
for a in sh true sleep; do ln -s busybox "$B/rootfs/bin/$a"; done
(cd "$B" && "$HULL" spec)
jq '.process.args = ["/bin/true"] | .process.terminal = false | .hostname = "b"' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
H=("$HULL" --root "$W/run" --store "$W/store")
# First use of the network (bridge, nftables table): not measured.
"${H[@]}" run -b "$B" --network hull warm >/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$1" '{ print $c }' "$2" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# ---- 1. run with a network, run without; CNI ADD + DEL
newns cnictr
BR_CONF='{"cniVersion":"1.0.0","name":"refnet","type":"bridge","bridge":"refbr0","isGateway":true,"ipMasq":true,
 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.211.0.0/16"}]],"dataDir":"'"$W"'/hostlocal"}}'
HULL_CONF='{"cniVersion":"1.0.0","name":"cninet","type":"hull","subnet":"10.212.0.0/16","store":"'"$W"'/store"}'
cni() { # cni PLUGIN COMMAND CONF: one plugin call on the namespace cnictr
	env CNI_COMMAND="$2" CNI_CONTAINERID=bench CNI_NETNS="$W/ns/cnictr" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		"$W/measure" -q sh -c "exec '$1' <<'EOF'
$3
EOF"
}
# warm both: the bridges and tables made once
cni /usr/lib/cni/bridge ADD "$BR_CONF" >/dev/null; cni /usr/lib/cni/bridge DEL "$BR_CONF" >/dev/null
cni "$HULL" ADD "$HULL_CONF" >/dev/null; cni "$HULL" DEL "$HULL_CONF" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
	"$W/measure" -q "${H[@]}" run -b "$B" --network hull n$r >>"$W/r.net"
	"$W/measure" -q "${H[@]}" run -b "$B" --network none x$r >>"$W/r.none"
	cni /usr/lib/cni/bridge ADD "$BR_CONF" >>"$W/r.refadd"
	cni /usr/lib/cni/bridge DEL "$BR_CONF" >>"$W/r.refdel"
	cni "$HULL" ADD "$HULL_CONF" >>"$W/r.hadd"
	cni "$HULL" DEL "$HULL_CONF" >>"$W/r.hdel"
done
for f in net none refadd refdel hadd hdel; do
	read -r wall cpu < <(echo "$(col 1 "$W/r.$f") $(col 2 "$W/r.$f")")
	eval "W_$f=$wall C_$f=$cpu"
done
# hull's network part of a run: the difference of the medians
W_hnet=$((W_net - W_none)) C_hnet=$((C_net - C_none))
W_ref=$((W_refadd + W_refdel)) C_ref=$((C_refadd + C_refdel))
W_hcni=$((W_hadd + W_hdel)) C_hcni=$((C_hadd + C_hdel))
echo "# hull networks, $ROUNDS rounds, medians (µs); $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cpus, $(uname -r)"
printf '%-44s %9s %9s\n' "" wall cpu
printf '%-44s %9s %9s\n' "hull run --network none (/bin/true)" "$W_none" "$C_none"
printf '%-44s %9s %9s\n' "hull run --network hull" "$W_net" "$C_net"
printf '%-44s %9s %9s\n' "  its network setup + teardown (difference)" "$W_hnet" "$C_hnet"
printf '%-44s %9s %9s\n' "reference bridge+host-local ADD + DEL" "$W_ref" "$C_ref"
printf '%-44s %9s %9s\n' "hull as a CNI plugin ADD + DEL" "$W_hcni" "$C_hcni"
echo "ratio run --network hull / --network none:   wall $(ratio "$W_net" "$W_none")  cpu $(ratio "$C_net" "$C_none")  (target <= 2)"
echo "ratio hull setup+teardown / reference CNI:   wall $(ratio "$W_hnet" "$W_ref")  cpu $(ratio "$C_hnet" "$C_ref")  (target <= 0.3)"
echo "ratio hull CNI plugin / reference CNI:       wall $(ratio "$W_hcni" "$W_ref")  cpu $(ratio "$C_hcni" "$C_ref")"

# ---- 2. iperf3: two containers on a network, and a bare veth pair
jq '.process.args = ["sleep", "1000"]' "$B/config.json" >"$W/c" && cp -r "$B" "$W/sb" && mv "$W/c" "$W/sb/config.json"
"${H[@]}" run -d -b "$W/sb" --network hull srv >/dev/null
"${H[@]}" run -d -b "$W/sb" --network hull cli >/dev/null
SRV_PID=$("${H[@]}" state srv | jq -r .pid)
CLI_PID=$("${H[@]}" state cli | jq -r .pid)
SRV_IP=$("${H[@]}" network inspect hull | jq -r '.[0].containers[] | select(.id == "srv") | .addresses[0]' | cut -d/ -f1)
newns va
newns vb
ip link add bva netns "$W/ns/va" type veth peer name bvb netns "$W/ns/vb"
nsenter --net="$W/ns/va" sh -c 'ip addr add 192.0.2.1/24 dev bva && ip link set bva up && ip link set lo up'
nsenter --net="$W/ns/vb" sh -c 'ip addr add 192.0.2.2/24 dev bvb && ip link set bvb up && ip link set lo up'
nsenter --net=/proc/"$SRV_PID"/ns/net iperf3 -s -D -1 >/dev/null 2>&1 || true
iperf() { # iperf NETNS_OF_CLIENT NETNS_OF_SERVER SERVER_IP: Gbit/s
	nsenter --net="$2" iperf3 -s -1 >/dev/null 2>&1 &
	local sp=$!
	sleep 0.3
	nsenter --net="$1" iperf3 -c "$3" -t 3 -J 2>/dev/null | jq '.end.sum_received.bits_per_second / 1e9'
	wait "$sp" 2>/dev/null || true
}
pkill -f 'iperf3 -s -D -1' 2>/dev/null || true
TR=$(for r in 1 2 3; do iperf /proc/"$CLI_PID"/ns/net /proc/"$SRV_PID"/ns/net "$SRV_IP"; done | median)
TB=$(for r in 1 2 3; do iperf "$W/ns/vb" "$W/ns/va" 192.0.2.1; done | median)
printf 'iperf3 TCP, 3 s x 3, median Gbit/s: hull containers %s, bare veth pair %s, ratio %s (target >= 0.9)\n' \
	"$TR" "$TB" "$(ratio "$TR" "$TB")"
