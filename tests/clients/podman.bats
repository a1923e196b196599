#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull under real Podman (4.3 with conmon): the cgroupfs manager, the file
# events backend, CNI networking, overlay storage, Podman's default seccomp
# profile.  Everything Podman keeps (storage, state, CNI configuration and
# leases, events, locks) lives under a temporary directory and in a private
# mount + network namespace (helpers.bash) that die with the file.

load helpers

IMG=localhost/hull-busybox:latest

# pm ARGS...: podman with the test's storage and configuration, in the
# namespace.  run/create get the test's (relative) cgroup parent.
pm() {
	local cmd="$1"
	shift
	case "$cmd" in
	run | create) set -- "$cmd" --cgroup-parent "$CG_PARENT" "$@" ;;
	*) set -- "$cmd" "$@" ;;
	esac
	in_ns podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" "$@"
}

# prun ARGS...: `podman run --rm --network none ARGS...`
prun() { pm run --rm --network none "$@"; }

# pm_state NAME: "status exitcode" of a container.
pm_state() { pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1"; }

pm_state_is() { [ "$(pm_state "$1")" = "$2" ]; }

# pm_top_has NAME STRING: `podman top` shows STRING.
pm_top_has() { pm top "$1" 2>&1 | grep -qF -- "$2"; }

# pm_logs_have NAME STRING: the container's output has STRING.
pm_logs_have() { pm logs "$1" 2>&1 | grep -qF -- "$2"; }

# The container's cgroup values, one "name=value" a line, on cgroup v1 and v2.
CG_REPORT='if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	echo "mem=$(cat /sys/fs/cgroup/memory.max)"
	echo "pids=$(cat /sys/fs/cgroup/pids.max)"
	echo "cpu=$(cat /sys/fs/cgroup/cpu.max)"
else
	echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
	echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
	echo "cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
fi'

setup_file() {
	install_packages podman conmon containernetworking-plugins iptables util-linux iproute2 jq
	[ -x "$HULL" ] || {
		echo "runtime under test not found: HULL=$HULL (run make)" >&2
		return 1
	}
	PM_DIR="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-podman.XXXXXX")"
	export PM_DIR
	record_host "$PM_DIR"
	cg_new_parent "hull-podman-${PM_DIR##*.}"
	mkdir -p "$PM_DIR/cni" "$PM_DIR/tmp" "$PM_DIR/libpod" "$PM_DIR/cni-plugins"
	# hull as a CNI plugin too: a plugin directory with hull under the
	# name "hull" (the reference plugins, loopback included, stay in
	# /usr/lib/cni, the next directory).
	ln -s "$HULL" "$PM_DIR/cni-plugins/hull"
	# The test's containers.conf: contrib/podman/containers.conf (hull's
	# runtime entry, JSON errors) with hull's path, plus what makes the run
	# private.  cgroups = "no-conmon": conmon stays in the test's cgroup
	# (Podman would put it in <cgroup parent>/conmon from the hierarchy's
	# root).  No CAP_SYS_RESOURCE here, so Podman's default nofile/nproc of
	# 1048576 could not be applied.
	sed -e "s|\"/usr/local/bin/hull\",|\"$HULL\",|" -e '\|"/usr/bin/hull",|d' \
		-e "/^\[engine\]\$/a cgroup_manager = \"cgroupfs\"\\
events_logger = \"file\"\\
events_logfile_path = \"$PM_DIR/events.log\"\\
tmp_dir = \"$PM_DIR/libpod\"" \
		"$HULL_REPO_DIR/contrib/podman/containers.conf" >"$PM_DIR/containers.conf"
	cat >>"$PM_DIR/containers.conf" <<EOF

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
cgroups = "no-conmon"

[network]
network_backend = "cni"
cni_plugin_dirs = ["$PM_DIR/cni-plugins", "/usr/lib/cni"]
network_config_dir = "$PM_DIR/cni"
EOF
	cat >"$PM_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM_DIR/root"
runroot = "$PM_DIR/runroot"
EOF
	export CONTAINERS_CONF="$PM_DIR/containers.conf"
	export CONTAINERS_STORAGE_CONF="$PM_DIR/storage.conf"
	export TMPDIR="$PM_DIR/tmp"
	ns_start "$PM_DIR"
	make_rootfs "$PM_DIR/rootfs"
	tar --owner=0 --group=0 --numeric-owner -C "$PM_DIR/rootfs" -cf "$PM_DIR/rootfs.tar" .
	pm import --change 'CMD=["/bin/sh"]' "$PM_DIR/rootfs.tar" "$IMG" >/dev/null
}

setup() {
	# CG_PARENT_DIRS is an array: not exported from setup_file
	cg_new_parent "$CG_PARENT"
}

teardown() {
	pm rm --all --force --time 0 >/dev/null 2>&1 || true
	# the conflist of hull's CNI network, when a test put it there
	rm -f "$PM_DIR/cni/hull.conflist"
}

teardown_file() {
	pm rm --all --force --time 0 >/dev/null 2>&1 || true
	ns_stop
	if [ -n "${CG_PARENT:-}" ]; then
		cg_new_parent "$CG_PARENT"
		cg_cleanup
	fi
	rm -rf "$PM_DIR"
}

@test "podman: info shows hull as the OCI runtime (the containers.conf entry)" {
	run pm info --format '{{.Host.OCIRuntime.Name}}|{{.Host.OCIRuntime.Path}}|{{.Host.CgroupManager}}|{{.Host.EventLogger}}|{{.Host.NetworkBackend}}'
	[ "$status" -eq 0 ]
	[ "$output" = "hull|$HULL|cgroupfs|file|cni" ]
	run pm info --format '{{.Host.OCIRuntime.Version}}'
	assert_contains "$output" "hull version"
}

@test "podman run: output and exit codes (runtime by entry and by --runtime PATH)" {
	run prun "$IMG" echo hello from hull
	[ "$status" -eq 0 ]
	[ "$output" = "hello from hull" ]
	run prun "$IMG" sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	assert_contains "$output" out err
	run pm --runtime "$HULL" run --rm --network none "$IMG" sh -c 'exit 42'
	[ "$status" -eq 42 ]
}

@test "podman run: Podman's default seccomp profile is loaded" {
	run prun "$IMG" sh -c 'grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status'
	[ "$status" -eq 0 ]
	assert_contains "$output" "Seccomp:	2" "Seccomp_filters:	1"
	run prun --security-opt seccomp=unconfined "$IMG" sh -c 'grep "^Seccomp:" /proc/self/status'
	[ "$output" = "Seccomp:	0" ]
}

@test "podman run -i: stdin reaches the program" {
	run prun -i "$IMG" sh -c 'read a; read b; echo "got $b $a"' <<<"one
two"
	[ "$status" -eq 0 ]
	[ "$output" = "got two one" ]
}

@test "podman run -t: the program gets a terminal of the caller's size" {
	export -f pm prun in_ns
	run in_pty 33 97 "pm run --rm -t --network none $IMG sh -c '$WAIT_SIZE; tty; stty size; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 7'"
	[ "$status" -eq 7 ]
	out="$(tty_text "$output")"
	echo "$out"
	[[ "$out" =~ /dev/pts/[0-9]+ ]]
	assert_contains "$out" "33 97" both-tty
}

@test "podman run -e -w --user: environment, working directory, user" {
	run prun -e FOO=bar -e EMPTY= -w /tmp --user 1000:1000 "$IMG" \
		sh -c 'echo "$FOO|${EMPTY-unset}|$(pwd)|$(id -u):$(id -g)"'
	[ "$status" -eq 0 ]
	[ "$output" = "bar||/tmp|1000:1000" ]
	# a user by name, from the image's /etc/passwd
	run prun -w /home/user --user user "$IMG" sh -c 'echo "$(pwd) $(id -un) $HOME"'
	[ "$status" -eq 0 ]
	[ "$output" = "/home/user user /home/user" ]
}

@test "podman run --read-only: with Podman's default tmpfs on /run, /tmp, /var/tmp" {
	run prun --read-only "$IMG" sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-ok'
	[ "$status" -eq 0 ]
	assert_contains "$output" "Read-only file system" tmp-ok
}

@test "podman run --read-only --read-only-tmpfs=false: the root filesystem is read-only" {
	run prun --read-only --read-only-tmpfs=false "$IMG" sh -c 'touch /x 2>&1; echo "rc=$?"; touch /dev/shm/y && echo shm-ok'
	[ "$status" -eq 0 ]
	assert_contains "$output" "Read-only file system" "rc=1" shm-ok
	run prun "$IMG" sh -c 'grep " / " /proc/self/mountinfo'
	[[ "$output" == *" rw,"* ]]
}

@test "podman run --tmpfs: with Podman's default options (tmpcopyup)" {
	run prun --tmpfs /etc "$IMG" sh -c 'grep " /etc " /proc/self/mountinfo; cat /etc/passwd'
	[ "$status" -eq 0 ]
	assert_contains "$output" tmpfs "root:x:0:0"
}

@test "podman run --tmpfs DIR:notmpcopyup,size=: a tmpfs with its options" {
	run prun --tmpfs /scratch:rw,size=1m,notmpcopyup "$IMG" sh -c 'grep " /scratch " /proc/self/mountinfo; df -k /scratch | tail -n 1'
	[ "$status" -eq 0 ]
	echo "$output"
	assert_contains "$output" " /scratch " "tmpfs" "nosuid" "nodev"
	[[ "$output" =~ tmpfs\ +1024\  ]]
}

@test "podman run -v: bind mounts, read-write and read-only" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo host-data >"$BATS_TEST_TMPDIR/vol/in"
	run prun -v "$BATS_TEST_TMPDIR/vol:/data" -v "$BATS_TEST_TMPDIR/vol:/ro:ro" "$IMG" \
		sh -c 'cat /data/in; echo from-container >/data/out; echo x >/ro/no 2>/dev/null || echo ro-refused'
	[ "$status" -eq 0 ]
	assert_contains "$output" host-data ro-refused
	[ "$(cat "$BATS_TEST_TMPDIR/vol/out")" = from-container ]
	[ ! -e "$BATS_TEST_TMPDIR/vol/no" ]
}

@test "podman run --memory --pids-limit --cpus: the values are in the container's cgroups" {
	run prun --memory 64m --pids-limit 42 --cpus 0.5 "$IMG" sh -c "$CG_REPORT"
	[ "$status" -eq 0 ]
	echo "$output"
	assert_contains "$output" "mem=67108864" "pids=42"
	[[ "$output" == *"cpu=50000 100000"* ]]
	# and on the host, below the test's cgroup, while it runs
	run pm run -d --network none --memory 32m --pids-limit 17 "$IMG" sleep 100
	[ "$status" -eq 0 ]
	id="$output"
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cg_file "libpod-$id" memory.max)" = 33554432 ]
	else
		[ "$(cg_file "libpod-$id" memory.limit_in_bytes)" = 33554432 ]
	fi
	[ "$(cg_file "libpod-$id" pids.max)" = 17 ]
	pid="$(pm inspect --format '{{.State.Pid}}' "$id")"
	grep -q "/$CG_PARENT/libpod-$id\$" "/proc/$pid/cgroup"
}

@test "podman update: hull update --resources changes the running container's cgroups" {
	run pm run -d --name up1 --network none --memory 64m --cpus 0.5 "$IMG" sleep 100
	[ "$status" -eq 0 ]
	run pm update --memory 128m --cpus 0.25 up1
	[ "$status" -eq 0 ]
	run pm exec up1 sh -c "$CG_REPORT"
	echo "$output"
	assert_contains "$output" "mem=134217728"
	[[ "$output" == *"cpu=25000 100000"* ]]
}

@test "podman run --cap-drop all: no capability in any set, the bounding set too" {
	# Podman writes no set at all for this: each absent set is empty (runc's meaning)
	run prun --cap-drop all "$IMG" grep Cap /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	for s in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qx "$s:	0000000000000000" <<<"$output"
	done
}

@test "podman run: capabilities, --privileged, --device, --hostname, --sysctl, --uidmap" {
	run prun --cap-drop all --cap-add net_raw "$IMG" grep CapEff /proc/self/status
	[ "$output" = "CapEff:	0000000000002000" ]
	run prun --privileged "$IMG" sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; ls /dev/kmsg'
	[ "$status" -eq 0 ]
	assert_contains "$output" "Seccomp:	0" /dev/kmsg
	run prun --device /dev/null:/dev/xnull "$IMG" sh -c 'echo x >/dev/xnull && stat -c %t:%T /dev/xnull'
	[ "$output" = "1:3" ]
	run prun --hostname hullhost --sysctl net.ipv4.ip_forward=1 "$IMG" sh -c 'hostname; cat /proc/sys/net/ipv4/ip_forward'
	[ "$output" = "hullhost
1" ]
	run prun --uidmap 0:200000:65536 --gidmap 0:200000:65536 "$IMG" sh -c 'cat /proc/self/uid_map; id -u; touch /tmp/x && echo writable'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^\ +0\ +200000\ +65536 ]]
	assert_contains "$output" writable
}

@test "podman exec: output, exit code, stdin, -e -w --user" {
	run pm run -d --name ex1 --network none "$IMG" sleep 100
	[ "$status" -eq 0 ]
	run pm exec ex1 sh -c 'echo in-exec; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in-exec ]
	run pm exec -i ex1 cat <<<"piped in"
	[ "$status" -eq 0 ]
	[ "$output" = "piped in" ]
	run pm exec -e A=b -w /tmp --user 1000 ex1 sh -c 'echo "$A $(pwd) $(id -u)"'
	[ "$status" -eq 0 ]
	[ "$output" = "b /tmp 1000" ]
	# the exec'd process shares the container's pid namespace
	run pm exec ex1 ps -o pid,args
	assert_contains "$output" "sleep 100"
	# detached: hull exec -d, the pid file written once it runs
	run pm exec -d ex1 sh -c 'sleep 0.2; touch /tmp/detached'
	[ "$status" -eq 0 ]
	retry 50 0.1 pm exec ex1 test -e /tmp/detached
}

@test "podman restart: the container runs again (a new hull create/start)" {
	run pm run -d --name rs1 --network none "$IMG" sleep 100
	[ "$status" -eq 0 ]
	pid1="$(pm inspect --format '{{.State.Pid}}' rs1)"
	run pm restart --time 0 rs1
	[ "$status" -eq 0 ]
	run pm_state rs1
	[ "$output" = "running 0" ]
	pid2="$(pm inspect --format '{{.State.Pid}}' rs1)"
	[ "$pid1" != "$pid2" ]
	retry 50 0.1 test ! -e "/proc/$pid1"
	run pm exec rs1 echo alive
	[ "$output" = alive ]
}

@test "podman exec -t: a terminal for the exec'd process" {
	run pm run -d --name ext --network none "$IMG" sleep 100
	[ "$status" -eq 0 ]
	export -f pm in_ns
	run in_pty 21 55 "pm exec -t ext sh -c '$WAIT_SIZE; tty; stty size; exit 9'"
	[ "$status" -eq 9 ]
	out="$(tty_text "$output")"
	echo "$out"
	[[ "$out" =~ /dev/pts/[0-9]+ ]]
	assert_contains "$out" "21 55"
}

@test "podman stop: SIGTERM to the program, its exit code recorded; SIGKILL after --time" {
	run pm run -d --name st1 --network none "$IMG" \
		sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	retry 50 0.1 pm_logs_have st1 ready
	SECONDS=0
	run pm stop --time 10 st1
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 5 ]
	run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' st1
	[ "$output" = "exited 3" ]
	run pm logs st1
	assert_contains "$output" got-term
	# a program that ignores SIGTERM (PID 1 without a handler) is killed
	run pm run -d --name st2 --network none "$IMG" sleep 100
	run pm stop --time 1 st2
	[ "$status" -eq 0 ]
	run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' st2
	[ "$output" = "exited 137" ]
}

@test "podman kill: a signal reaches the program; the default kills it" {
	run pm run -d --name k1 --network none "$IMG" \
		sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	retry 50 0.1 pm_logs_have k1 ready
	run pm kill --signal USR1 k1
	[ "$status" -eq 0 ]
	retry 50 0.1 pm_logs_have k1 got-usr1
	run pm inspect --format '{{.State.Status}}' k1
	[ "$output" = running ]
	run pm kill k1
	[ "$status" -eq 0 ]
	retry 50 0.1 pm_state_is k1 "exited 137"
}

@test "podman pause / unpause: the container's cgroup freezes and thaws" {
	run pm run -d --name p1 --network none "$IMG" sleep 100
	[ "$status" -eq 0 ]
	id="$(pm inspect --format '{{.Id}}' p1)"
	run pm pause p1
	[ "$status" -eq 0 ]
	run pm inspect --format '{{.State.Status}}' p1
	[ "$output" = paused ]
	cg_frozen "libpod-$id"
	run pm unpause p1
	[ "$status" -eq 0 ]
	run pm inspect --format '{{.State.Status}}' p1
	[ "$output" = running ]
	refute cg_frozen "libpod-$id"
	run pm exec p1 echo alive
	[ "$output" = alive ]
	# a paused container can be removed
	run pm pause p1
	run pm rm --force --time 0 p1
	[ "$status" -eq 0 ]
}

@test "podman top and ps: the container's processes and state" {
	run pm run -d --name t1 --network none "$IMG" sh -c 'sleep 101 & sleep 102'
	[ "$status" -eq 0 ]
	retry 50 0.1 pm_top_has t1 "sleep 101"
	run pm top t1 pid args
	[ "$status" -eq 0 ]
	assert_contains "$output" "sleep 101" "sleep 102"
	run pm ps --format '{{.Names}} {{.Status}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"t1 Up "* ]]
	run pm ps --all --format '{{.Names}}'
	assert_contains "$output" t1
}

@test "podman rm -f: a running container and everything hull made for it are gone" {
	run pm run -d --name r1 --network none "$IMG" sleep 100
	[ "$status" -eq 0 ]
	id="$output"
	pid="$(pm inspect --format '{{.State.Pid}}' r1)"
	[ -d "/proc/$pid" ]
	run in_ns "$HULL" list -q
	assert_contains "$output" "$id"
	run pm rm --force --time 0 r1
	[ "$status" -eq 0 ]
	run pm ps --all --quiet
	[ -z "$output" ]
	run in_ns "$HULL" list -q
	[[ "$output" != *"$id"* ]]
	retry 50 0.1 test ! -e "/proc/$pid"
	[ -z "$(cg_left | grep -F "libpod-$id")" ]
}

@test "podman run --network none: only the loopback interface" {
	run prun "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "'
	[ "$status" -eq 0 ]
	[ "$output" = "lo " ]
}

@test "podman run on a CNI bridge network: an address, a route, the gateway answers" {
	run pm network create --subnet 10.89.77.0/24 hullnet
	[ "$status" -eq 0 ]
	[ -f "$PM_DIR/cni/hullnet.conflist" ]
	run pm run --rm --network hullnet "$IMG" sh -c \
		'ip -4 -o addr show eth0; ip route; ping -c 1 -W 5 10.89.77.1 >/dev/null && echo gw-ok'
	[ "$status" -eq 0 ]
	echo "$output"
	assert_contains "$output" "inet 10.89.77." "default via 10.89.77.1" gw-ok
	# two containers on the bridge reach each other
	run pm run -d --name srv --network hullnet "$IMG" sh -c 'echo served | nc -l -p 8080'
	[ "$status" -eq 0 ]
	ip="$(pm inspect --format '{{(index .NetworkSettings.Networks "hullnet").IPAddress}}' srv)"
	[[ "$ip" == 10.89.77.* ]]
	run pm run --rm --network hullnet "$IMG" sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do nc $ip 8080 </dev/null && exit 0; sleep 0.2; done; exit 1"
	[ "$status" -eq 0 ]
	assert_contains "$output" served
	pm rm --force --time 0 srv
	run pm network rm hullnet
	[ "$status" -eq 0 ]
	run in_ns ip -o link show
	[[ "$output" != *veth* ]]
}

# pm_ip NAME NETWORK: the container's address on NETWORK.
pm_ip() { pm inspect --format "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }

# got TEXT CMD...: CMD prints TEXT.
got() {
	local want="$1" out
	shift
	out="$("$@" 2>/dev/null)"
	[ "$out" = "$want" ]
}

@test "podman run on a network of hull as the CNI plugin (contrib/cni/hull.conflist): two containers reach each other, -p answers on 127.0.0.1" {
	cp "$HULL_REPO_DIR/contrib/cni/hull.conflist" "$PM_DIR/cni/hull.conflist"
	net="$(jq -r .name "$PM_DIR/cni/hull.conflist")"
	br="$(jq -r .plugins[0].bridge "$PM_DIR/cni/hull.conflist")"
	sub="$(jq -r .plugins[0].subnet "$PM_DIR/cni/hull.conflist")"
	pfx="${sub%.0/24}."
	run pm network ls --format '{{.Name}} {{.Driver}}'
	[ "$status" -eq 0 ]
	assert_contains "$output" "$net hull"
	run pm run -d --name hc1 --network "$net" -p 8080:80 "$IMG" \
		sh -c 'while :; do echo served-by-hc1 | nc -l -p 80; done'
	echo "$output"
	[ "$status" -eq 0 ]
	run pm run -d --name hc2 --network "$net" "$IMG" sleep 100
	echo "$output"
	[ "$status" -eq 0 ]
	ip1="$(pm_ip hc1 "$net")"
	ip2="$(pm_ip hc2 "$net")"
	echo "hc1 $ip1, hc2 $ip2"
	[[ "$ip1" == "$pfx"* ]] && [[ "$ip2" == "$pfx"* ]]
	[ "$ip1" != "$ip2" ]
	# hull wired them: its bridge with both veths, its leases
	run in_ns ip -o link show master "$br"
	[ "$(grep -c ': hv[0-9a-f]*@' <<<"$output")" -eq 2 ]
	run in_ns ls /var/lib/hull/networks/"$net"/leases
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$(printf '%s\n' "$ip1" "$ip2" | sort | tr '\n' ' ')" ]
	# the containers reach each other
	run pm exec hc2 ping -c 1 -W 5 "$ip1"
	echo "$output"
	[ "$status" -eq 0 ]
	retry 50 0.2 got served-by-hc1 pm exec hc2 sh -c "nc $ip1 80 </dev/null"
	# the published port, from the namespace's 127.0.0.1
	retry 50 0.2 got served-by-hc1 in_ns timeout 5 "$BUSYBOX" nc 127.0.0.1 8080 </dev/null
	# removed: hull's DEL took the veths, the leases and the port
	run pm rm --force --time 0 hc1 hc2
	[ "$status" -eq 0 ]
	run in_ns ip -o link show master "$br"
	[[ "$output" != *": hv"* ]]
	run in_ns ls /var/lib/hull/networks/"$net"/leases
	[ -z "$output" ]
	run in_ns nft list map inet hull ports4
	[[ "$output" != *8080* ]]
	refute in_ns timeout 2 "$BUSYBOX" nc 127.0.0.1 8080 </dev/null
}

@test "podman: hull's error for a missing program reaches the user" {
	run -127 prun "$IMG" /nonexistent-prog
	assert_contains "$output" 'exec: "/nonexistent-prog": stat /nonexistent-prog: no such file or directory'
	# read from hull's JSON log (runtime_supports_json), not its stderr
	[[ "$output" == 'Error: hull: exec: "/nonexistent-prog": stat /nonexistent-prog: no such file or directory: '* ]]
	run -126 prun "$IMG" /etc/passwd
	assert_contains "$output" 'exec: "/etc/passwd"'
}

@test "podman: hull's error for an rlimit it cannot set names the field" {
	# above fs.nr_open: refused even with CAP_SYS_RESOURCE
	run prun --ulimit nofile=4194304:4194304 "$IMG" true
	[ "$status" -ne 0 ]
	assert_contains "$output" "process.rlimits[0]: setting RLIMIT_NOFILE to 4194304/4194304"
	run pm ps --all --quiet
	[ -z "$output" ]
}

@test "podman save -> hull image import: docker-archive and oci-archive; the image runs under hull" {
	local st="$PM_DIR/hull-store" root="$PM_DIR/hull-root" f
	for f in docker-archive oci-archive; do
		rm -f "$PM_DIR/tmp/img.tar"
		pm save --format "$f" -o "$PM_DIR/tmp/img.tar" "$IMG"
		run "$HULL" --store "$st" image import -q "$PM_DIR/tmp/img.tar:localhost/from-podman:$f"
		echo "$output"
		[ "$status" -eq 0 ]
		run "$HULL" --root "$root" --store "$st" run --image "localhost/from-podman:$f" "from-podman-$f" \
			sh -c 'echo "hello $(cat /etc/hostname 2>/dev/null || hostname)"'
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "hello from-podman-$f" ]
	done
	# the same layers: stored once
	[ "$(ls "$st/layers" | wc -l)" -eq "$("$HULL" --store "$st" image ls --format json | jq -r '.[0].layers')" ]
	rm -rf "$st" "$root"
}

@test "podman: nothing is left on the host" {
	pm rm --all --force --time 0
	ns_stop
	cg_cleanup
	assert_nothing_left "$PM_DIR"
}
