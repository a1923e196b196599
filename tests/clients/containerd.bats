#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull under real containerd (1.6): the runc shim v2 (containerd-shim-runc-v2)
# with hull as its runc binary (`ctr run --runc-binary`), driven by ctr.  The
# test starts its own containerd (private socket, root, state; CRI off) in a
# private mount + network namespace (helpers.bash) and stops it at the end.

load helpers

IMG=localhost/hull-busybox:latest

# c ARGS...: ctr on the test's containerd, in the namespace (ctr's stdio
# fifos are under /run/containerd there), bounded to 60 s (--foreground:
# under in_pty it must stay in the terminal's foreground process group).
c() { in_ns timeout --foreground -k 5 60 ctr --address "$CD_SOCK" "$@"; }

# ctr_run ID [ctr run flags...] -- CMD...: `ctr run` of the test image with
# hull as the shim's runc binary and the container's cgroup below the
# test's own (a relative cgroups path).
ctr_run() {
	local id="$1" flags=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	c run --runc-binary "$HULL" --cgroup "$CG_PARENT/$id" "${flags[@]}" "$IMG" "$id" "$@"
}

task_status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
task_status_is() { [ "$(task_status "$1")" = "$2" ]; }

# hull's state directory as the runc shim sets it (--root), per namespace
HULL_STATE=/run/containerd/runc/default

setup_file() {
	install_packages containerd util-linux iproute2 jq
	[ -x "$HULL" ] || {
		echo "runtime under test not found: HULL=$HULL (run make)" >&2
		return 1
	}
	CD_DIR="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-containerd.XXXXXX")"
	export CD_DIR CD_SOCK="$CD_DIR/containerd.sock"
	record_host "$CD_DIR"
	cg_new_parent "hull-containerd-${CD_DIR##*.}"
	mkdir -p "$CD_DIR/tmp"
	export TMPDIR="$CD_DIR/tmp"
	cat >"$CD_DIR/config.toml" <<EOF
version = 2
root = "$CD_DIR/root"
state = "$CD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CD_SOCK"

[ttrpc]
  address = "$CD_SOCK.ttrpc"

[debug]
  address = "$CD_DIR/debug.sock"
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CD_DIR/opt"
EOF
	# a "runc" first in containerd's (so the shims') PATH that fails: a shim
	# that ran runc instead of hull would pass unnoticed otherwise
	mkdir -p "$CD_DIR/bin"
	printf '#!/bin/sh\necho "runc $*" >>"%s"\necho "runc called, not hull" >&2\nexit 1\n' \
		"$CD_DIR/runc-called" >"$CD_DIR/bin/runc"
	chmod 0755 "$CD_DIR/bin/runc"
	ns_start "$CD_DIR"
	PATH="$CD_DIR/bin:$PATH" in_ns containerd --config "$CD_DIR/config.toml" \
		</dev/null >"$CD_DIR/containerd.log" 2>&1 3>&- &
	CD_PID=$!
	disown "$CD_PID"
	export CD_PID
	retry 100 0.1 c version >/dev/null || {
		cat "$CD_DIR/containerd.log" >&2
		return 1
	}
	make_rootfs "$CD_DIR/rootfs"
	make_oci_archive "$CD_DIR/rootfs" "$CD_DIR/image.tar" "$IMG"
	c image import "$CD_DIR/image.tar" >/dev/null
}

setup() {
	cg_new_parent "$CG_PARENT"
}

teardown() {
	local id
	for id in $(c task ls --quiet 2>/dev/null); do
		c task kill --signal KILL "$id" >/dev/null 2>&1 || true
	done
	for id in $(c task ls --quiet 2>/dev/null); do
		retry 50 0.1 task_status_is "$id" STOPPED >/dev/null 2>&1 || true
		c task delete --force "$id" >/dev/null 2>&1 || true
	done
	for id in $(c container ls --quiet 2>/dev/null); do
		c container delete "$id" >/dev/null 2>&1 || true
	done
}

# stop_containerd: SIGTERM to the daemon, then whatever is left in the
# namespace (shims) and in the test's cgroups.
stop_containerd() {
	if [ -n "${CD_PID:-}" ] && kill -TERM "$CD_PID" 2>/dev/null; then
		retry 50 0.1 test ! -e "/proc/$CD_PID" || true
	fi
	ns_stop
	if [ -n "${CG_PARENT:-}" ]; then
		cg_new_parent "$CG_PARENT"
		cg_cleanup
	fi
}

teardown_file() {
	stop_containerd
	rm -rf "$CD_DIR"
}

@test "containerd: ctr run with hull: output and exit codes" {
	run ctr_run r1 --rm -- echo hello from hull
	[ "$status" -eq 0 ]
	[ "$output" = "hello from hull" ]
	run ctr_run r2 --rm -- sh -c 'echo out; echo err >&2; exit 4'
	[ "$status" -eq 4 ]
	assert_contains "$output" out err
}

@test "containerd: ctr run --tty: the program gets a terminal" {
	export -f c ctr_run in_ns
	export IMG
	run in_pty 27 88 "ctr_run t1 --rm --tty -- sh -c '$WAIT_SIZE; tty; stty size; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 5'"
	out="$(tty_text "$output")"
	echo "$out"
	[ "$status" -eq 5 ]
	[[ "$out" =~ /dev/pts/[0-9]+ ]]
	assert_contains "$out" "27 88" both-tty
}

@test "containerd: ctr run --seccomp --read-only --env --cwd --mount" {
	run ctr_run o1 --rm --seccomp -- grep "^Seccomp:" /proc/self/status
	[ "$output" = "Seccomp:	2" ]
	mkdir -p "$BATS_TEST_TMPDIR/m"
	echo host-data >"$BATS_TEST_TMPDIR/m/f"
	run ctr_run o2 --rm --read-only --env A=b --cwd /tmp \
		--mount "type=bind,src=$BATS_TEST_TMPDIR/m,dst=/m,options=rbind:ro" -- \
		sh -c 'touch /x 2>&1; touch /m/y 2>&1; cat /m/f; echo "$A $(pwd)"'
	[ "$status" -eq 0 ]
	echo "$output"
	assert_contains "$output" "/x: Read-only file system" "/m/y: Read-only file system" host-data "b /tmp"
	# (not --uidmap: ctr 1.6 then sends task options without BinaryName and
	# the shim runs runc, whatever --runc-binary says)
}

@test "containerd: ctr task exec: output, exit code, --cwd, --user, --tty; task ps" {
	run ctr_run x1 -d -- sleep 100
	[ "$status" -eq 0 ]
	run c task exec --exec-id e1 x1 sh -c 'echo from-exec; exit 6'
	[ "$status" -eq 6 ]
	[ "$output" = from-exec ]
	run c task exec --exec-id e2 --cwd /tmp --user 1000 x1 sh -c 'echo "$(pwd) $(id -u)"'
	[ "$status" -eq 0 ]
	[ "$output" = "/tmp 1000" ]
	export -f c in_ns
	run in_pty 19 61 "c task exec --tty --exec-id e3 x1 sh -c '$WAIT_SIZE; tty; stty size; exit 8'"
	out="$(tty_text "$output")"
	echo "$out"
	[ "$status" -eq 8 ]
	[[ "$out" =~ /dev/pts/[0-9]+ ]]
	assert_contains "$out" "19 61"
	# task ps: the shim asks hull (ps --format json) for the host pids
	run c task ps x1
	[ "$status" -eq 0 ]
	pid="$(c task ls | awk '$1 == "x1" {print $2}')"
	assert_contains "$output" "$pid"
}

@test "containerd: ctr task kill: SIGTERM by default, SIGKILL; exit statuses reach ctr" {
	run ctr_run k1 -d -- sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	retry 50 0.1 task_status_is k1 RUNNING
	sleep 0.3 # the trap is set
	run c task kill k1
	[ "$status" -eq 0 ]
	retry 50 0.1 task_status_is k1 STOPPED
	run c task delete k1
	[ "$status" -eq 0 ]
	assert_contains "$output" "exit code 3"
	run c container delete k1
	[ "$status" -eq 0 ]

	run ctr_run k2 -d -- sleep 100
	[ "$status" -eq 0 ]
	run c task kill --signal SIGKILL k2
	[ "$status" -eq 0 ]
	retry 50 0.1 task_status_is k2 STOPPED
	run c task delete k2
	assert_contains "$output" "exit code 137"
}

@test "containerd: ctr task pause / resume: the container's cgroup freezes and thaws" {
	run ctr_run p1 -d -- sleep 100
	[ "$status" -eq 0 ]
	run c task pause p1
	[ "$status" -eq 0 ]
	[ "$(task_status p1)" = PAUSED ]
	cg_frozen p1
	run c task resume p1
	[ "$status" -eq 0 ]
	[ "$(task_status p1)" = RUNNING ]
	refute cg_frozen p1
	run c task exec --exec-id alive p1 echo alive
	echo "exec after resume: status $status, output: $output"
	[ "$output" = alive ]
}

@test "containerd: ctr run --memory-limit: the limit is in the cgroup; ctr task metrics reports it" {
	run ctr_run m1 -d --memory-limit 67108864 -- sleep 100
	[ "$status" -eq 0 ]
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cg_file m1 memory.max)" = 67108864 ]
	else
		[ "$(cg_file m1 memory.limit_in_bytes)" = 67108864 ]
	fi
	pid="$(c task ls | awk '$1 == "m1" {print $2}')"
	grep -q "/$CG_PARENT/m1\$" "/proc/$pid/cgroup"
	run c task metrics m1
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" =~ memory\.(limit_in_bytes|usage_limit)\ +67108864 ]]
	[[ "$output" =~ pids\.current\ +1 ]]
}

@test "containerd: ctr task delete / container delete leave nothing of the container" {
	run ctr_run d1 -d -- sleep 100
	[ "$status" -eq 0 ]
	pid="$(c task ls | awk '$1 == "d1" {print $2}')"
	run in_ns "$HULL" --root "$HULL_STATE" list -q
	[ "$output" = d1 ]
	run c task kill --signal KILL d1
	retry 50 0.1 task_status_is d1 STOPPED
	run c task delete d1
	[ "$status" -eq 0 ]
	run c container delete d1
	[ "$status" -eq 0 ]
	run c container ls --quiet
	[ -z "$output" ]
	run c task ls --quiet
	[ -z "$output" ]
	run c snapshot ls
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output" | awk '$1 == "d1"')" ]
	run in_ns "$HULL" --root "$HULL_STATE" list -q
	[ -z "$output" ]
	[ ! -e "/proc/$pid" ]
	[ -z "$(cg_left | grep '/d1$')" ]
	# the shim of d1 is gone
	retry 50 0.1 bash -c '! pgrep -f "containerd-shim-runc-v2 .*-id d1( |$)" >/dev/null'
}

@test "containerd: ctr task delete --force of a running and of a stopped task" {
	run ctr_run f1 -d -- sleep 100
	[ "$status" -eq 0 ]
	run c task delete --force f1
	[ "$status" -eq 0 ]
	run c container delete f1
	[ "$status" -eq 0 ]
	# stopped: the shim still sends `kill --all f2 9` first
	run ctr_run f2 -d -- true
	[ "$status" -eq 0 ]
	retry 50 0.1 task_status_is f2 STOPPED
	run c task delete --force f2
	[ "$status" -eq 0 ]
	run c container delete f2
	[ "$status" -eq 0 ]
	run in_ns "$HULL" --root "$HULL_STATE" list -q
	[ -z "$output" ]
	[ -z "$(cg_left | grep -E '/f[12]$')" ]
}

@test "containerd: hull's error reaches the ctr user, nothing is left" {
	run ctr_run e1 --rm -- /nonexistent-prog
	[ "$status" -ne 0 ]
	assert_contains "$output" "OCI runtime create failed" 'exec: "/nonexistent-prog": stat /nonexistent-prog: no such file or directory'
	run in_ns "$HULL" --root "$HULL_STATE" list -q
	[ -z "$output" ]
	[ -z "$(cg_left | grep '/e1$')" ]
}

@test "containerd: contrib/containerd/config.toml parses and names hull as the runc shim's binary" {
	run containerd --config "$HULL_REPO_DIR/contrib/containerd/config.toml" config dump
	[ "$status" -eq 0 ]
	echo "$output" | grep -A 12 'containerd\.runtimes\.hull\]' | grep -q 'runtime_type = "io.containerd.runc.v2"'
	echo "$output" | grep -A 1 'containerd\.runtimes\.hull\.options\]' | grep -q 'BinaryName = "/usr/local/bin/hull"'
}

@test "containerd: stopped, nothing is left on the host; runc never ran" {
	stop_containerd
	assert_nothing_left "$CD_DIR"
	if [ -e "$CD_DIR/runc-called" ]; then
		cat "$CD_DIR/runc-called"
		false
	fi
}
