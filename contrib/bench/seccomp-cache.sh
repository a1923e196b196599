#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/bench/seccomp-cache.sh [RUNS]: what the compiled-filter cache saves.
#
# `hull run` of /bin/true on a busybox bundle with hull's default seccomp
# profile (hull spec --seccomp), RUNS times each (default 40), alternating:
#   cold  the state root's seccomp/ cache emptied before every run, so
#         libseccomp is loaded and compiles the profile each time
#   warm  the cached program reused
# and, for reference, runc on the same bundle (it compiles every time).
# Prints medians of wall and cpu time (cpu includes the container's own
# process).  Reports; never fails on a number.
set -euo pipefail
RUNS=${1:-40}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HULL=${HULL:-$REPO/hull}
[ -x "$HULL" ] || make -C "$REPO" hull >/dev/null
W=$(mktemp -d /tmp/hull-bench.XXXXXX)
trap 'for i in $(seq 1 $RUNS); do runc --root "$W/runc" delete -f "r$i" 2>/dev/null || true; done; rm -rf "$W"' EXIT
cc -O2 -o "$W/measure" "$REPO/contrib/bench/measure.c"
mkdir -p "$W/b/rootfs/bin" "$W/b/rootfs/proc" "$W/b/rootfs/dev" "$W/b/rootfs/sys" "$W/b/rootfs/tmp"
cp /bin/busybox "$W/b/rootfs/bin/" && ln -s busybox "$W/b/rootfs/bin/true" && ln -s busybox "$W/b/rootfs/bin/sh"
"$HULL" spec --seccomp -b "$W/b"
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$W/b/config.json" > "$W/c" && mv "$W/c" "$W/b/config.json"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
: > "$W/t.cold" && : > "$W/t.warm" && : > "$W/t.runc"
cd "$W/b"
for i in $(seq 1 "$RUNS"); do
	rm -rf "$W/root/seccomp"
	"$W/measure" -q "$HULL" --root "$W/root" run "c$i" >> "$W/t.cold"
	"$W/measure" -q "$HULL" --root "$W/root" run "w$i" >> "$W/t.warm"
	if command -v runc >/dev/null; then
		"$W/measure" -q runc --root "$W/runc" run "r$i" >> "$W/t.runc"
	fi
done
printf 'seccomp profile: contrib/seccomp/default.json (%s syscall rules); %s runs each, %s, %s\n' \
	"$(jq '[.linux.seccomp.syscalls[].names[]] | length' config.json)" "$RUNS" "$(date -u +%F)" "$(uname -r)"
printf '%-28s %10s %10s\n' "" "wall ms" "cpu ms"
for k in cold warm runc; do
	[ -s "$W/t.$k" ] || continue
	bad=$(awk '$4 != 0' "$W/t.$k" | wc -l)
	w=$(awk '{ print $1 }' "$W/t.$k" | median) c=$(awk '{ print $2 }' "$W/t.$k" | median)
	case $k in
	cold) name="hull run, cache emptied" ;; warm) name="hull run, cached program" ;; runc) name="runc $(runc --version | awk 'NR==1 { print $3 }')" ;;
	esac
	printf '%-28s %10.2f %10.2f%s\n' "$name" "$(echo "$w / 1000" | bc -l)" "$(echo "$c / 1000" | bc -l)" \
		"$([ "$bad" = 0 ] || echo "  ($bad runs failed)")"
done
wc=$(awk '{ print $2 }' "$W/t.warm" | median) cc_=$(awk '{ print $2 }' "$W/t.cold" | median)
printf 'cache gain: cpu %.1fx less with the cached program\n' "$(echo "$cc_ / $wc" | bc -l)"
