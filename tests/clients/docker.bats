#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull under real Docker (Debian's docker.io 20.10): a private dockerd with
# hull registered in its daemon.json's "runtimes" (contrib/docker/daemon.json)
# and chosen with `docker run --runtime hull`, through the containerd it
# manages (the runc shim v2 runs hull as its runc binary).  dockerd runs in a
# private mount + network namespace (helpers.bash) with its own data-root,
# exec-root, pidfile, socket and containerd under a temporary directory,
# without a bridge or iptables rules, the cgroupfs driver and a cgroup parent
# below the test's own cgroup; the image is made from busybox-static and
# loaded with `docker load`, offline.  /usr/bin/docker and /usr/sbin/dockerd
# are named explicitly (another docker CLI may come first in PATH).

load helpers

IMG=hull-busybox:latest
DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd

# dk ARGS...: the docker CLI on the test's daemon, in the namespace, bounded
# to 120 s (--foreground: under in_pty it stays in the terminal's group).
dk() { in_ns timeout --foreground -k 5 120 "$DOCKER" --host "unix://$DK_SOCK" "$@"; }

# drun ARGS...: `docker run --runtime hull --network none ARGS...`
drun() { dk run --runtime hull --network none "$@"; }

dk_state() { dk inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1"; }
dk_state_is() { [ "$(dk_state "$1")" = "$2" ]; }
dk_logs_have() { dk logs "$1" 2>&1 | grep -qF -- "$2"; }
dk_top_has() { dk top "$1" 2>&1 | grep -qF -- "$2"; }
dk_health_is() { [ "$(dk inspect --format '{{.State.Health.Status}}' "$1")" = "$2" ]; }

# the container's cgroup file (below the test's cgroup parent)
dk_cg() { cg_file "$(dk inspect --format '{{.Id}}' "$1")" "$2"; }

setup_file() {
	install_packages docker.io containerd util-linux iproute2 jq
	[ -x "$HULL" ] || {
		echo "runtime under test not found: HULL=$HULL (run make)" >&2
		return 1
	}
	DK_DIR="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-docker.XXXXXX")"
	export DK_DIR DK_SOCK="$DK_DIR/docker.sock"
	record_host "$DK_DIR"
	cg_new_parent "hull-docker-${DK_DIR##*.}"
	mkdir -p "$DK_DIR/tmp" "$DK_DIR/cli" "$DK_DIR/bin"
	export TMPDIR="$DK_DIR/tmp" DOCKER_CONFIG="$DK_DIR/cli"
	# contrib/docker/daemon.json with this hull, plus what keeps the
	# daemon private (the trust key would go to /etc/docker otherwise)
	jq --arg hull "$HULL" --arg key "$DK_DIR/key.json" --arg cg "$CG_PARENT" \
		'.runtimes.hull.path = $hull | . + {"deprecated-key-path": $key, "cgroup-parent": $cg,
		"storage-driver": "overlay2", "log-level": "info"}' \
		"$HULL_REPO_DIR/contrib/docker/daemon.json" >"$DK_DIR/daemon.json"
	# a "runc" first in the daemon's (so the shims') PATH that fails: a
	# container run by runc instead of hull would pass unnoticed otherwise
	printf '#!/bin/sh\necho "runc $*" >>"%s"\necho "runc called, not hull" >&2\nexit 1\n' \
		"$DK_DIR/runc-called" >"$DK_DIR/bin/runc"
	chmod 0755 "$DK_DIR/bin/runc"
	ns_start "$DK_DIR"
	PATH="$DK_DIR/bin:/usr/sbin:/usr/bin:/sbin:/bin" in_ns "$DOCKERD" \
		--config-file "$DK_DIR/daemon.json" \
		--host "unix://$DK_SOCK" --pidfile "$DK_DIR/docker.pid" \
		--data-root "$DK_DIR/data" --exec-root "$DK_DIR/exec" \
		--bridge=none --iptables=false --ip6tables=false --ip-masq=false \
		--exec-opt native.cgroupdriver=cgroupfs \
		</dev/null >"$DK_DIR/dockerd.log" 2>&1 3>&- &
	DK_PID=$!
	disown "$DK_PID"
	export DK_PID
	retry 300 0.1 dk version >/dev/null 2>&1 || {
		tail -n 30 "$DK_DIR/dockerd.log" >&2
		return 1
	}
	make_rootfs "$DK_DIR/rootfs"
	make_docker_archive "$DK_DIR/rootfs" "$DK_DIR/image.tar" "$IMG"
	dk load --input "$DK_DIR/image.tar" >/dev/null
}

setup() {
	cg_new_parent "$CG_PARENT"
}

teardown() {
	local ids
	ids="$(dk ps --all --quiet 2>/dev/null)" || return 0
	[ -z "$ids" ] || dk rm --force --volumes $ids >/dev/null 2>&1 || true
}

# stop_docker: SIGTERM to dockerd (it stops its containerd), then whatever
# is left in the namespace and in the test's cgroups.
stop_docker() {
	if [ -n "${DK_PID:-}" ] && kill -TERM "$DK_PID" 2>/dev/null; then
		retry 150 0.1 test ! -e "/proc/$DK_PID" || true
	fi
	ns_stop
	if [ -n "${CG_PARENT:-}" ]; then
		cg_new_parent "$CG_PARENT"
		cg_cleanup
	fi
}

teardown_file() {
	stop_docker
	# overlay2 left mounts only in the namespace, gone with it
	rm -rf "$DK_DIR"
}

@test "docker: info lists hull among the runtimes (daemon.json)" {
	run dk info --format '{{json .Runtimes}}|{{.CgroupDriver}}|{{.DockerRootDir}}'
	[ "$status" -eq 0 ]
	echo "$output"
	assert_contains "$output" '"hull":{"path":"'"$HULL"'"}' "|cgroupfs|$DK_DIR/data"
}

@test "docker run: output and exit codes" {
	run drun --rm "$IMG" echo hello from hull
	[ "$status" -eq 0 ]
	[ "$output" = "hello from hull" ]
	run drun --rm "$IMG" sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	assert_contains "$output" out err
	# a program killed by a signal: 128 + N
	run drun --rm "$IMG" sh -c 'sh -c "kill -SEGV \$\$"; exit $?'
	[ "$status" -eq 139 ]
	# the container's cgroup is below the test's, by hull (the shim's runc)
	run drun --rm "$IMG" cat /proc/self/cgroup
	assert_contains "$output" "/$CG_PARENT/"
}

@test "docker run -i: stdin reaches the program" {
	run drun --rm -i "$IMG" sh -c 'read a; read b; echo "got $b $a"' <<<"one
two"
	[ "$status" -eq 0 ]
	[ "$output" = "got two one" ]
}

@test "docker run -t: the program gets a terminal of the caller's size" {
	export -f dk drun in_ns
	export DOCKER IMG
	run in_pty 31 83 "drun --rm -it $IMG sh -c '$WAIT_SIZE; tty; stty size; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 6'"
	out="$(tty_text "$output")"
	echo "$out"
	[ "$status" -eq 6 ]
	[[ "$out" =~ /dev/pts/[0-9]+ ]]
	assert_contains "$out" "31 83" both-tty
}

@test "docker exec: output, exit code, stdin, -e -w -u, -d, -t" {
	run drun -d --name ex1 "$IMG" sleep 1000
	[ "$status" -eq 0 ]
	run dk exec ex1 sh -c 'echo in-exec; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in-exec ]
	run dk exec -i ex1 cat <<<"piped in"
	[ "$output" = "piped in" ]
	run dk exec -e A=b -w /tmp -u 1000:1000 ex1 sh -c 'echo "$A $(pwd) $(id -u):$(id -g)"'
	[ "$output" = "b /tmp 1000:1000" ]
	run dk exec ex1 ps -o pid,args
	assert_contains "$output" "sleep 1000"
	run dk exec -d ex1 sh -c 'sleep 0.2; touch /tmp/detached'
	[ "$status" -eq 0 ]
	retry 50 0.1 dk exec ex1 test -e /tmp/detached
	export -f dk in_ns
	export DOCKER
	run in_pty 22 66 "dk exec -it ex1 sh -c '$WAIT_SIZE; tty; stty size; exit 9'"
	out="$(tty_text "$output")"
	echo "$out"
	[ "$status" -eq 9 ]
	assert_contains "$out" "22 66" /dev/pts/
}

@test "docker logs, stop, kill, restart" {
	run drun -d --name st1 "$IMG" sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	retry 100 0.1 dk_logs_have st1 ready
	SECONDS=0
	run dk stop --time 10 st1
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 5 ]
	[ "$(dk_state st1)" = "exited 3" ]
	run dk logs st1
	assert_contains "$output" ready got-term
	# PID 1 without a handler ignores SIGTERM: killed after --time
	run drun -d --name st2 "$IMG" sleep 1000
	run dk stop --time 1 st2
	[ "$status" -eq 0 ]
	[ "$(dk_state st2)" = "exited 137" ]
	# kill: a signal reaches the program; the default kills it
	run drun -d --name k1 "$IMG" sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
	retry 100 0.1 dk_logs_have k1 ready
	run dk kill --signal USR1 k1
	[ "$status" -eq 0 ]
	retry 100 0.1 dk_logs_have k1 got-usr1
	[ "$(dk_state k1)" = "running 0" ]
	run dk kill k1
	retry 100 0.1 dk_state_is k1 "exited 137"
	# restart: a new create/start
	run drun -d --name rs1 "$IMG" sleep 1000
	pid1="$(dk inspect --format '{{.State.Pid}}' rs1)"
	run dk restart --time 0 rs1
	[ "$status" -eq 0 ]
	[ "$(dk_state rs1)" = "running 0" ]
	pid2="$(dk inspect --format '{{.State.Pid}}' rs1)"
	[ "$pid1" != "$pid2" ]
	run dk exec rs1 echo alive
	[ "$output" = alive ]
	# --restart on-failure: Docker restarts what hull reports failed
	run drun -d --name rp1 --restart on-failure:2 "$IMG" sh -c 'echo x; exit 1'
	retry 100 0.1 dk_state_is rp1 "exited 1"
	[ "$(dk inspect --format '{{.RestartCount}}' rp1)" = 2 ]
}

@test "docker pause / unpause, top, stats" {
	run drun -d --name p1 "$IMG" sh -c 'sleep 1001 & sleep 1002'
	[ "$status" -eq 0 ]
	id="$(dk inspect --format '{{.Id}}' p1)"
	retry 50 0.1 dk_top_has p1 "sleep 1002"
	run dk top p1
	[ "$status" -eq 0 ]
	assert_contains "$output" "sleep 1001" "sleep 1002"
	run dk pause p1
	[ "$status" -eq 0 ]
	[ "$(dk_state p1)" = "paused 0" ]
	cg_frozen "$id"
	run dk unpause p1
	[ "$status" -eq 0 ]
	refute cg_frozen "$id"
	run dk exec p1 echo alive
	[ "$output" = alive ]
	run dk stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' p1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^p1\ 2\ [0-9.]+[KMG]i?B\ /\  ]]
}

@test "docker run --memory --cpus --pids-limit; docker update" {
	run drun -d --name up1 --memory 64m --cpus 0.5 --pids-limit 42 "$IMG" sleep 1000
	[ "$status" -eq 0 ]
	[ "$(dk_cg up1 pids.max)" = 42 ]
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(dk_cg up1 memory.max)" = 67108864 ]
		[ "$(dk_cg up1 cpu.max)" = "50000 100000" ]
	else
		[ "$(dk_cg up1 memory.limit_in_bytes)" = 67108864 ]
		[ "$(dk_cg up1 cpu.cfs_quota_us)" = 50000 ]
		[ "$(dk_cg up1 cpu.cfs_period_us)" = 100000 ]
	fi
	# Docker sends cpu shares, quota and period 0 with this: not set
	run dk update --memory 256m --memory-swap 512m up1
	echo "$output"
	[ "$status" -eq 0 ]
	run dk update --cpus 0.25 --pids-limit 17 up1
	[ "$status" -eq 0 ]
	[ "$(dk_cg up1 pids.max)" = 17 ]
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(dk_cg up1 memory.max)" = 268435456 ]
		[ "$(dk_cg up1 cpu.max)" = "25000 100000" ]
	else
		[ "$(dk_cg up1 memory.limit_in_bytes)" = 268435456 ]
		[ "$(dk_cg up1 cpu.cfs_quota_us)" = 25000 ]
	fi
	[ "$(dk inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' up1)" = "268435456 250000000" ]
}

@test "docker run --memory: an OOM kill is exit 137 and OOMKilled" {
	run drun --name oom1 --memory 32m --memory-swap 32m "$IMG" \
		sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	echo "$output"
	[ "$status" -eq 137 ]
	[[ "$output" != *survived* ]]
	retry 50 0.1 test "$(dk inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' oom1)" = "true 137"
}

@test "docker run --read-only, --tmpfs, volumes, --user" {
	run drun --rm --read-only --tmpfs /scratch:size=1m "$IMG" \
		sh -c 'touch /x 2>&1; grep " /scratch " /proc/self/mountinfo; touch /scratch/y && echo tmpfs-ok'
	[ "$status" -eq 0 ]
	assert_contains "$output" "Read-only file system" " /scratch " tmpfs-ok
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo host-data >"$BATS_TEST_TMPDIR/vol/in"
	run drun --rm -v "$BATS_TEST_TMPDIR/vol:/data" -v "$BATS_TEST_TMPDIR/vol:/ro:ro" "$IMG" \
		sh -c 'cat /data/in; echo from-container >/data/out; echo x >/ro/no 2>/dev/null || echo ro-refused'
	[ "$status" -eq 0 ]
	assert_contains "$output" host-data ro-refused
	[ "$(cat "$BATS_TEST_TMPDIR/vol/out")" = from-container ]
	# a named volume outlives its container
	run drun --rm -v hullvol:/v "$IMG" sh -c 'echo kept >/v/f'
	[ "$status" -eq 0 ]
	run drun --rm -v hullvol:/v "$IMG" cat /v/f
	[ "$output" = kept ]
	dk volume rm hullvol
	run drun --rm --user 1000:1000 -w /tmp "$IMG" sh -c 'echo "$(id -u):$(id -g) $(pwd)"'
	[ "$output" = "1000:1000 /tmp" ]
	run drun --rm --user user "$IMG" sh -c 'echo "$(id -un) $HOME"'
	[ "$output" = "user /home/user" ]
}

@test "docker run: capabilities (--cap-drop ALL: every set empty), --privileged, --device" {
	run drun --rm --cap-drop ALL "$IMG" grep Cap /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	for s in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qx "$s:	0000000000000000" <<<"$output"
	done
	run drun --rm --cap-drop ALL --cap-add NET_RAW "$IMG" grep CapEff /proc/self/status
	[ "$output" = "CapEff:	0000000000002000" ]
	# Docker's default set: chown dac_override fowner fsetid kill setgid
	# setuid setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap
	run drun --rm "$IMG" grep CapBnd /proc/self/status
	[ "$output" = "CapBnd:	00000000a80425fb" ]
	# --privileged asks for every capability the kernel has: where the
	# test itself lacks one (no CAP_SYS_RESOURCE in some sandboxes) no
	# runtime can give it, and hull says so
	run drun --rm --privileged "$IMG" sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; ls /dev/kmsg'
	echo "$output"
	all="$(printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))"
	if grep -qx "CapBnd:	$all" "/proc/$$/status"; then
		[ "$status" -eq 0 ]
		assert_contains "$output" "Seccomp:	0" /dev/kmsg
	else
		assert_contains "$output" "OCI runtime create failed: setting capabilities: Operation not permitted"
	fi
	run drun --rm --device /dev/null:/dev/xnull "$IMG" sh -c 'echo x >/dev/xnull && stat -c %t:%T /dev/xnull'
	[ "$output" = "1:3" ]
	# a device not given is not there, and cannot be made usable
	run drun --rm "$IMG" sh -c 'mknod /tmp/kmsg c 1 11 && echo made; true >/tmp/kmsg'
	assert_contains "$output" made "Operation not permitted"
}

@test "docker run: Docker's seccomp profile, and seccomp=unconfined" {
	run drun --rm "$IMG" grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
	[ "$status" -eq 0 ]
	assert_contains "$output" "Seccomp:	2"
	# the profile refuses what it does not list (unshare of a user namespace)
	run drun --rm "$IMG" unshare -U true
	[ "$status" -ne 0 ]
	run drun --rm --security-opt seccomp=unconfined "$IMG" grep "^Seccomp:" /proc/self/status
	[ "$output" = "Seccomp:	0" ]
}

@test "docker run --init, --pid and --ipc sharing" {
	run drun --rm --init "$IMG" ps -o pid,args
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ \ 1\ /sbin/docker-init ]]
	run drun -d --name host1 --ipc shareable "$IMG" sh -c 'echo shared >/dev/shm/mark; exec sleep 1000'
	[ "$status" -eq 0 ]
	retry 50 0.1 dk exec host1 test -e /dev/shm/mark
	run drun --rm --pid container:host1 "$IMG" ps -o args
	assert_contains "$output" "sleep 1000"
	run drun --rm --ipc container:host1 "$IMG" cat /dev/shm/mark
	[ "$output" = shared ]
	pid="$(dk inspect --format '{{.State.Pid}}' host1)"
	run drun --rm --pid container:host1 --ipc container:host1 "$IMG" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc'
	echo "$output"
	[ "$output" = "$(readlink "/proc/$pid/ns/pid"; readlink "/proc/$pid/ns/ipc")" ]
}

@test "docker cp and commit" {
	run drun -d --name cp1 "$IMG" sh -c 'echo inside >/tmp/made; exec sleep 1000'
	[ "$status" -eq 0 ]
	retry 50 0.1 dk exec cp1 test -e /tmp/made
	dk cp cp1:/tmp/made "$BATS_TEST_TMPDIR/made"
	[ "$(cat "$BATS_TEST_TMPDIR/made")" = inside ]
	echo from-host >"$BATS_TEST_TMPDIR/in"
	dk cp "$BATS_TEST_TMPDIR/in" cp1:/tmp/in
	run dk exec cp1 cat /tmp/in
	[ "$output" = from-host ]
	# commit pauses the container (hull pause/resume) while it copies
	run dk commit cp1 hull-committed:1
	[ "$status" -eq 0 ]
	[ "$(dk_state cp1)" = "running 0" ]
	run drun --rm hull-committed:1 cat /tmp/made /tmp/in
	[ "$output" = "inside
from-host" ]
	dk rmi hull-committed:1 >/dev/null
}

@test "docker run --health-cmd: the healthcheck runs as an exec" {
	run drun -d --name hc1 --health-cmd 'test -e /tmp/ok' --health-interval 1s --health-retries 1 \
		"$IMG" sh -c 'sleep 1.5; touch /tmp/ok; exec sleep 1000'
	[ "$status" -eq 0 ]
	retry 100 0.1 dk_health_is hc1 healthy
	dk exec hc1 rm /tmp/ok
	retry 100 0.1 dk_health_is hc1 unhealthy
}

@test "docker: hull's error reaches the user, nothing is left of the container" {
	run -127 drun --name e1 "$IMG" /nonexistent-prog
	echo "$output"
	[ "$status" -eq 127 ]
	# runc's words: the docker CLI exits 127 only on "no such file or directory"
	assert_contains "$output" 'exec: "/nonexistent-prog": stat /nonexistent-prog: no such file or directory'
	dk rm e1 >/dev/null
	run in_ns "$HULL" --root "$DK_DIR/exec/runtime-runc/moby" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "docker: stopped, nothing is left on the host; runc never ran" {
	dk rm --force $(dk ps --all --quiet) >/dev/null 2>&1 || true
	stop_docker
	assert_nothing_left "$DK_DIR"
	# (dockerd asks `runc --version` for `docker info`; nothing else)
	if [ -e "$DK_DIR/runc-called" ] && grep -vx 'runc --version' "$DK_DIR/runc-called"; then
		false
	fi
}
