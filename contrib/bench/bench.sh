#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/bench/bench.sh [ROUNDS]: hull, crun and runc side by side (`make bench`).
#
# Same busybox bundle, same cgroupsPath style (an absolute path below the
# cgroup this script runs in, one per container), each runtime with its own
# --root.  Every measured operation is done by the three runtimes in turn,
# round after round (default 15 rounds), so load changes hit all three alike;
# the order turns each round (see rotated).
# Prints the median wall and cpu time per operation (cpu = user + system of
# the command and of every process it waited for: `run` counts the
# container's own /bin/true too) and hull's ratios to crun and runc; then
# peak RSS, binary sizes and shared libraries.  It reports and never fails
# on a number.
#
# crun 1.8 refuses this machine's hybrid cgroups (v1 controllers plus an
# empty cgroup2 mount at /sys/fs/cgroup/unified): crun (and only crun) runs
# in a private mount namespace with a tmpfs over /sys/fs/cgroup/unified,
# entered by the measuring tool before its clock starts.
#
# Each runtime's --root is on a tmpfs, as /run (their default) is on a
# Linux host: the script runs in a mount namespace of its own that holds
# that tmpfs, so the mount goes when the script ends, however it ends.
set -euo pipefail
if [ -z "${HULL_BENCH_NS:-}" ]; then
	HULL_BENCH_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
ROUNDS=${1:-${ROUNDS:-15}}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HULL=${HULL:-$REPO/hull}
need=()
for c in crun runc jq bc busybox; do command -v $c >/dev/null || need+=("$c"); done
[ ${#need[@]} = 0 ] || sh "$REPO/contrib/apt-install.sh" $(printf '%s\n' "${need[@]}" | sed 's/^busybox$/busybox-static/')
[ -x "$HULL" ] || make -C "$REPO" hull >/dev/null

W=$(mktemp -d /tmp/hull-bench.XXXXXX)
mkdir "$W/run"
mount -t tmpfs -o mode=0700 tmpfs "$W/run"
HOLDER='' CGBASE=''
RTS=(hull crun runc)
cleanup() {
	set +e
	for rt in "${RTS[@]}"; do
		for id in $(rt_cmd "$rt" list -q 2>/dev/null); do rt_cmd "$rt" delete -f "$id" >/dev/null 2>&1; done
	done
	[ -z "$HOLDER" ] || kill "$HOLDER" 2>/dev/null
	wait 2>/dev/null
	umount "$W/run" 2>/dev/null
	# the containers' parent (ours, or made by crun/runc in hierarchies
	# hull leaves alone) with what the runtimes left in it, then the
	# levels above it this script made (deepest first)
	[ -n "${CGBASE:-}" ] && for d in /sys/fs/cgroup/*/"${CGBASE#/}" /sys/fs/cgroup/*/*/"${CGBASE#/}"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	[ -s "$W/cgmade" ] && tac "$W/cgmade" | while read -r d; do rmdir "$d" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$W/measure" "$REPO/contrib/bench/measure.c"

# ---- crun's private mount namespace
mkfifo "$W/ready"
unshare -m --propagation private sh -c 'mount -t tmpfs -o size=1m none /sys/fs/cgroup/unified && echo up > '"$W/ready"' && exec sleep 100000' &
HOLDER=$!
read -r _ < "$W/ready"
CRUN_NS=/proc/$HOLDER/ns/mnt

# ---- the bundle: one rootfs, one config per container (its cgroupsPath)
R=$W/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/sys" "$R/tmp" "$R/etc"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in sh true sleep cat; do ln -s busybox "$R/bin/$a"; done
OWN=$(awk -F: '$3 != "/" && $2 != "name=systemd" { print $3; exit }' /proc/self/cgroup)
OWN=${OWN:-}
CGBASE=$OWN/hull-bench-$$
# The containers' parent exists before the first one and outlives the last,
# as an engine's parent cgroup does: every runtime makes and removes only
# the container's own directory (hull would remove a parent it had made).
for m in /sys/fs/cgroup/*; do
	[ -d "$m" ] && [ ! -L "$m" ] || continue
	case $(stat -f -c %T "$m") in cgroupfs | cgroup2fs) ;; *) continue ;; esac
	[ "${m##*/}" = systemd ] && continue
	d=$m
	for part in $(echo "${CGBASE#/}" | tr / ' '); do
		if [ ! -d "$d/$part" ]; then
			mkdir "$d/$part"
			echo "$d/$part" >> "$W/cgmade"
			# a new cpuset level has no cpus or memory nodes until given its parent's
			if [ -f "$d/cpuset.cpus" ]; then
				cat "$d/cpuset.cpus" > "$d/$part/cpuset.cpus"
				cat "$d/cpuset.mems" > "$d/$part/cpuset.mems"
			fi
		fi
		d=$d/$part
	done
done
mkdir "$W/tpl" && "$HULL" spec -b "$W/tpl"
# ociVersion 1.0.2: crun 1.8 refuses the 1.3.0 that hull spec writes.
jq --arg r "$R" '.ociVersion = "1.0.2" | .root.path = $r | .process.terminal = false | .linux.cgroupsPath = "@CG@" | .process.args = ["@ARGS@"]' \
	"$W/tpl/config.json" > "$W/template.json"
# bundle ID ARGS... -> prints the bundle dir for container ID
bundle() {
	local id=$1 d=$W/b/$1
	shift
	mkdir -p "$d"
	local args
	args=$(printf '"%s",' "$@")
	sed -e "s|@CG@|$CGBASE/$id|" -e "s|\"@ARGS@\"|${args%,}|" "$W/template.json" > "$d/config.json"
	echo "$d"
}

rt_bin() { case $1 in hull) echo "$HULL" ;; *) command -v "$1" ;; esac; }
# rt_cmd RT ARGS...: the runtime with its root (crun in its namespace), unmeasured
rt_cmd() {
	local rt=$1
	shift
	case $rt in
	crun) nsenter --mount="$CRUN_NS" crun --root "$W/run/crun" "$@" ;;
	*) "$(rt_bin "$rt")" --root "$W/run/$rt" "$@" ;;
	esac
}
# m OP RT ARGS...: measure one runtime command, append "wall cpu rss rc" to $W/r.OP.RT
m() {
	local op=$1 rt=$2
	shift 2
	local ns=()
	[ "$rt" = crun ] && ns=(-m "$CRUN_NS")
	"$W/measure" -q "${ns[@]}" "$(rt_bin "$rt")" --root "$W/run/$rt" "$@" < /dev/null >> "$W/r.$op.$rt"
}
wait_stopped() {
	local i
	for i in $(seq 1 200); do
		[ "$(rt_cmd "$1" state "$2" 2>/dev/null | jq -r .status)" = stopped ] && return 0
		sleep 0.01
	done
}

# rotated ROUND: the runtimes in this round's order.  The first one starts
# while the kernel still tears down what the last one of the round before
# left (network namespaces, cgroups being freed: runc's delete is the
# heaviest), so the order turns each round and every runtime gets each
# place as often.
rotated() {
	local k=$(($1 % ${#RTS[@]}))
	echo "${RTS[@]:k}" "${RTS[@]:0:k}"
}

echo "hull-bench: $ROUNDS rounds; hull $("$HULL" --version | head -1 | awk '{ print $NF }'), $(crun --version | head -1), $(runc --version | head -1)" >&2
for round in $(seq 1 "$ROUNDS"); do
	printf '\rround %d/%d' "$round" "$ROUNDS" >&2
	for rt in $(rotated "$round"); do
		id=$rt-$round
		# run of /bin/true
		b=$(bundle "run-$id" /bin/true)
		m run "$rt" run -b "$b" "run-$id"
		rt_cmd "$rt" delete -f "run-$id" >/dev/null 2>&1 || true
		# create + start + delete, three commands
		b=$(bundle "csd-$id" /bin/true)
		m create "$rt" create -b "$b" "csd-$id"
		m start "$rt" start "csd-$id"
		wait_stopped "$rt" "csd-$id"
		m delete "$rt" delete "csd-$id"
		# exec and state on a running container, then delete --force of it
		b=$(bundle "long-$id" sleep 1000)
		rt_cmd "$rt" run -d -b "$b" "long-$id" < /dev/null > /dev/null 2>&1
		m exec "$rt" exec "long-$id" /bin/true
		m state "$rt" state "long-$id"
		m delete-force "$rt" delete -f "long-$id"
	done
done
printf '\r' >&2

# list with 100 containers (created, waiting for start)
for rt in "${RTS[@]}"; do
	for i in $(seq 1 100); do
		b=$(bundle "l$i-$rt" sleep 1000)
		rt_cmd "$rt" create -b "$b" "l$i-$rt" < /dev/null > /dev/null 2>&1
	done
done
for round in $(seq 1 "$ROUNDS"); do
	for rt in $(rotated "$round"); do m list "$rt" list; done
done
for rt in "${RTS[@]}"; do
	for i in $(seq 1 100); do rt_cmd "$rt" delete -f "l$i-$rt" > /dev/null 2>&1 || true; done
done

# 100 containers started concurrently (run -d), then deleted concurrently
for round in 1 2 3; do
	for rt in $(rotated "$round"); do
		for i in $(seq 1 100); do bundle "p$i-$rt" sleep 1000 > /dev/null; done
		ns=()
		[ "$rt" = crun ] && ns=(-m "$CRUN_NS")
		bin=$(rt_bin "$rt")
		"$W/measure" -q "${ns[@]}" sh -c "for i in \$(seq 1 100); do '$bin' --root '$W/run/$rt' run -d -b '$W/b/p'\$i-$rt p\$i-$rt </dev/null >/dev/null 2>&1 & done; wait" >> "$W/r.start100.$rt"
		"$W/measure" -q "${ns[@]}" sh -c "for i in \$(seq 1 100); do '$bin' --root '$W/run/$rt' delete -f p\$i-$rt >/dev/null 2>&1 & done; wait" >> "$W/r.delete100.$rt"
		rm -rf "$W"/b/p*-"$rt"
	done
done

# ---- report
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$1" | median; }
ms() { echo "scale=2; $1 / 1000" | bc; }
ratio() { [ "$2" != 0 ] && echo "scale=2; $1 / $2" | bc || echo "-"; }
echo
echo "Medians of $ROUNDS rounds (3 for the 100-container rows); wall / cpu in ms; ratio = hull / other"
printf '%-24s %15s %15s %15s   %-11s %-11s\n' "" "hull" "crun" "runc" "vs crun" "vs runc"
printf '%-24s %15s %15s %15s   %-11s %-11s\n' "" "wall    cpu" "wall    cpu" "wall    cpu" "wall  cpu" "wall  cpu"
declare -A NAME=([run]="run /bin/true" [create]="create" [start]="start" [delete]="delete"
	[csd]="create+start+delete" [exec]="exec /bin/true" [state]="state" [list]="list (100 containers)"
	[delete-force]="delete --force (running)" [start100]="100 x run -d, parallel" [delete100]="100 x delete -f, parallel")
for op in run create start delete csd exec state list delete-force start100 delete100; do
	declare -A WV=() CV=()
	for rt in "${RTS[@]}"; do
		if [ "$op" = csd ]; then
			# per round: the sum of the three commands
			paste "$W/r.create.$rt" "$W/r.start.$rt" "$W/r.delete.$rt" |
				awk '{ print $1 + $5 + $9, $2 + $6 + $10, 0, $4 + $8 + $12 }' > "$W/r.csd.$rt"
		fi
		f=$W/r.$op.$rt
		WV[$rt]=$(col "$f" 1)
		CV[$rt]=$(col "$f" 2)
		bad=$(awk '$4 != 0' "$f" | wc -l)
		[ "$bad" = 0 ] || echo "  ($rt: $bad of $(wc -l < "$f") '$op' runs exited non-zero)" >&2
	done
	printf '%-24s' "${NAME[$op]}"
	for rt in "${RTS[@]}"; do printf ' %7s %7s' "$(ms "${WV[$rt]}")" "$(ms "${CV[$rt]}")"; done
	printf '   %5s %5s %5s %5s\n' "$(ratio "${WV[hull]}" "${WV[crun]}")" "$(ratio "${CV[hull]}" "${CV[crun]}")" \
		"$(ratio "${WV[hull]}" "${WV[runc]}")" "$(ratio "${CV[hull]}" "${CV[runc]}")"
done
echo
echo "Peak RSS (KiB, max over the command and what it waited for; median):"
for op in state create run; do
	printf '  %-8s' "$op"
	for rt in "${RTS[@]}"; do printf '  %s %6s' "$rt" "$(col "$W/r.$op.$rt" 3)"; done
	echo
done
echo "Binaries:"
for rt in "${RTS[@]}"; do
	bin=$(rt_bin "$rt")
	printf '  %-5s %8s bytes (%s stripped)  libs: %s\n' "$rt" "$(stat -c %s "$bin")" \
		"$(strip -o "$W/stripped" "$bin" 2>/dev/null && stat -c %s "$W/stripped" || echo ?)" \
		"$(ldd "$bin" 2>/dev/null | awk '/statically linked|not a dynamic/ { print "none (static)"; exit } $1 !~ /vdso|ld-linux/ { print $1 }' | tr '\n' ' ')"
done
echo "crun ran in a private mount namespace with a tmpfs over /sys/fs/cgroup/unified (crun 1.8 refuses this hybrid host)."
echo "Every runtime's --root was on a tmpfs (as /run is on a host)."
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
