#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.namespaces: new ones, joined ones, and what the program sees.

load helpers

# ns_inside TYPE...: run the container printing "TYPE LINK" for each type.
ns_inside() {
	local script="" t
	for t in "$@"; do
		script="$script echo $t \$(readlink /proc/self/ns/$t);"
	done
	set_sh "$script"
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
}

inside_link() { awk -v t="$1" '$1 == t {print $2}' <<<"$output"; }

@test "pid: the program is pid 1 and sees only its own processes" {
	set_sh 'echo "pid=$$"; sleep 100 & ps -o pid,comm; echo "ns $(readlink /proc/self/ns/pid)"'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pid=1" ]
	# ps: header + sh (1) + sleep + ps
	procs="$(grep -cE '^ *[0-9]+ ' <<<"$output")"
	[ "$procs" -eq 3 ]
	grep -qE '^ *1 +sh$' <<<"$output"
	[ "$(awk '$1 == "ns" {print $2}' <<<"$output")" != "$(ns_of $$ pid)" ]
}

@test "pid: the host sees the container init under another pid" {
	set_sh 'echo $$ > /tmp/mypid; sleep 100'
	run_ct_detached
	retry 100 0.05 test -s "$ROOTFS/tmp/mypid"
	[ "$(cat "$ROOTFS/tmp/mypid")" = 1 ]
	pid="$(ct_pid)"
	[ "$pid" != 1 ]
	# NSpid: host pid, then 1 in the container's namespace
	grep -E "^NSpid:\s+$pid\s+1$" "/proc/$pid/status"
}

@test "pid: without a pid namespace the program is not pid 1" {
	del_ns pid
	ns_inside pid
	[ "$(inside_link pid)" = "$(ns_of $$ pid)" ]
	set_sh 'echo $$'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" != 1 ]
}

@test "namespaces in the config are new, the others are the host's" {
	set_cfg '.linux.namespaces = [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]'
	ns_inside pid net ipc uts mnt cgroup user
	for t in pid net ipc uts mnt; do
		[ -n "$(inside_link $t)" ]
		[ "$(inside_link $t)" != "$(ns_of $$ $t)" ]
	done
	for t in cgroup user; do
		[ "$(inside_link $t)" = "$(ns_of $$ $t)" ]
	done
}

@test "uts: hostname and domainname from the config" {
	set_cfg '.hostname = "box-one" | .domainname = "example.test"'
	set_sh 'hostname; cat /proc/sys/kernel/domainname; readlink /proc/self/ns/uts'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = box-one ]
	[ "${lines[1]}" = example.test ]
	[ "${lines[2]}" != "$(ns_of $$ uts)" ]
	# the host is untouched
	[ "$(hostname)" != box-one ]
}

@test "ipc: a new namespace does not see the host's SysV objects" {
	msqid="$(ipcmk -Q -p 0600 2>/dev/null | grep -oE '[0-9]+$' || true)"
	[ -n "$msqid" ]
	set_sh 'cat /proc/sysvipc/msg; echo "ns $(readlink /proc/self/ns/ipc)"'
	run hull run -b "$BUNDLE" "$CID"
	ipcrm -q "$msqid" || true
	echo "$output"
	[ "$status" -eq 0 ]
	# only the header line of /proc/sysvipc/msg
	[ "$(grep -c . <<<"$output")" -eq 2 ]
	[ "$(awk '$1 == "ns" {print $2}' <<<"$output")" != "$(ns_of $$ ipc)" ]
}

@test "net: a new network namespace has only lo" {
	set_sh 'ls /sys/class/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; echo "ns $(readlink /proc/self/ns/net)"'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${lines[1]}" = lo ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(awk '$1 == "ns" {print $2}' <<<"$output")" != "$(ns_of $$ net)" ]
}

@test "net: without a network namespace the host's interfaces are visible" {
	del_ns network
	# sysfs cannot be mounted for a netns the container does not own
	set_cfg '.mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
	set_sh 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort; echo "ns $(readlink /proc/self/ns/net)"'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "ns" {print $2}' <<<"$output")" = "$(ns_of $$ net)" ]
	host="$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort)"
	[ "$(grep -v '^ns ' <<<"$output")" = "$host" ]
}

@test "mount: container mounts are invisible on the host" {
	set_sh 'touch /tmp/ready; sleep 100'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid="$(ct_pid)"
	[ "$(ns_of "$pid" mnt)" != "$(ns_of $$ mnt)" ]
	# /proc, /dev, /sys ... of the container are not in the host's table
	[ -z "$(host_mounts_mentioning "$ROOTFS")" ]
	# but they are in the container's
	grep -q " /proc " "/proc/$pid/mountinfo"
}

@test "cgroup: with a cgroup namespace /proc/self/cgroup shows /" {
	add_ns cgroup
	set_sh 'cat /proc/self/cgroup; echo "ns $(readlink /proc/self/ns/cgroup)"'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	n=0
	while IFS= read -r l; do
		case "$l" in
		ns\ *) continue ;;
		esac
		[[ "$l" == *:/ ]]
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -gt 0 ]
	[ "$(awk '$1 == "ns" {print $2}' <<<"$output")" != "$(ns_of $$ cgroup)" ]
}

@test "cgroup: without a cgroup namespace the container's cgroup path is visible" {
	del_ns cgroup
	set_sh 'cat /proc/self/cgroup'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	# the container lives in its own cgroup, named after it
	grep -q "$CID" <<<"$output"
}

@test "cgroup: run's init is in the container's cgroup of every hierarchy hull manages" {
	# (a plain run's init moves itself in: it shares hull's memory)
	del_ns cgroup
	set_sh 'cat /proc/self/cgroup'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	n=0
	while IFS=: read -r _ ctrls path; do
		case "$ctrls" in name=*) continue ;; esac
		[[ "$path" == */"$CID" ]]
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -gt 0 ]
}

@test "user: uid/gid mappings" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
	set_sh 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; touch /tmp/ready; sleep 100'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid="$(ct_pid)"
	out="$(cat "$HULL_TEST_DIR/$CID.out")"
	echo "$out"
	mapfile -t l <<<"$out"
	[ "${l[0]}" = 0 ]
	[ "${l[1]}" = 0 ]
	[ "$(echo ${l[2]})" = "0 200000 65536" ]
	[ "$(echo ${l[3]})" = "0 300000 65536" ]
	[ "${l[4]}" != "$(ns_of $$ user)" ]
	[ "${l[4]}" = "$(ns_of "$pid" user)" ]
	# the host sees the mapped ids
	grep -E '^Uid:\s+200000\s+200000\s+200000\s+200000$' "/proc/$pid/status"
	grep -E '^Gid:\s+300000\s+300000\s+300000\s+300000$' "/proc/$pid/status"
}

@test "user: a bind source below a directory the mapped root may not enter is mounted (opened first)" {
	# the source sits in a 0700 directory of the host's root: the mapped root
	# (uid 200000) could not walk to it; hull opens it before the switch
	mkdir -p "$HULL_TEST_DIR/private/data"
	echo secret-ok >"$HULL_TEST_DIR/private/data/f"
	chmod 0700 "$HULL_TEST_DIR/private"
	chmod 0755 "$HULL_TEST_DIR/private/data"
	chmod 0644 "$HULL_TEST_DIR/private/data/f"
	mkdir "$ROOTFS/data"   # (the rootfs is the host root's: the mapped root cannot make it)
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/private/data\", \"options\": [\"rbind\", \"ro\"]}"
	set_sh 'cat /data/f'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = secret-ok ]
	assert_nothing_left
}

@test "user: process.user is mapped too" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .process.user = {"uid": 1000, "gid": 1000}'
	set_sh 'id -u; id -g; touch /tmp/ready; sleep 100'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid="$(ct_pid)"
	[ "$(cat "$HULL_TEST_DIR/$CID.out")" = "$(printf '1000\n1000')" ]
	grep -E '^Uid:\s+201000\s' "/proc/$pid/status"
	grep -E '^Gid:\s+201000\s' "/proc/$pid/status"
}

@test "time: timeOffsets shift boottime and monotonic clocks" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	add_ns time
	set_cfg '.linux.timeOffsets = {"boottime": {"secs": 31536000, "nanosecs": 0}, "monotonic": {"secs": 86400, "nanosecs": 0}}'
	set_sh 'cut -d. -f1 /proc/uptime; cat /proc/self/timens_offsets; readlink /proc/self/ns/time'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	host_up="$(cut -d. -f1 /proc/uptime)"
	up="${lines[0]}"
	[ "$up" -ge $((host_up + 31536000 - 5)) ]
	[ "$up" -le $((host_up + 31536000 + 5)) ]
	grep -qE '^monotonic\s+86400\s+0$' <<<"$output"
	grep -qE '^boottime\s+31536000\s+0$' <<<"$output"
	[ "${lines[-1]}" != "$(ns_of $$ time)" ]
}

@test "join: network, uts and ipc namespaces of another container by path" {
	set_cfg '.hostname = "first-ct"'
	set_sh 'touch /tmp/ready; sleep 100'
	run_ct_detached "$CID-1"
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid1="$(ct_pid "$CID-1")"

	make_bundle "$HULL_TEST_DIR/bundle2"
	add_ns network "/proc/$pid1/ns/net"
	add_ns uts "/proc/$pid1/ns/uts"
	add_ns ipc "/proc/$pid1/ns/ipc"
	set_cfg 'del(.hostname)'
	set_sh 'echo "net $(readlink /proc/self/ns/net)"; echo "uts $(readlink /proc/self/ns/uts)"
		echo "ipc $(readlink /proc/self/ns/ipc)"; echo "pid $(readlink /proc/self/ns/pid)"; echo "host $(hostname)"'
	run hull run -b "$BUNDLE" "$CID-2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(inside_link net)" = "$(ns_of "$pid1" net)" ]
	[ "$(inside_link uts)" = "$(ns_of "$pid1" uts)" ]
	[ "$(inside_link ipc)" = "$(ns_of "$pid1" ipc)" ]
	[ "$(inside_link host)" = first-ct ]
	# the pid namespace was not joined: a new one
	[ "$(inside_link pid)" != "$(ns_of "$pid1" pid)" ]
	[ "$(inside_link pid)" != "$(ns_of $$ pid)" ]
}

@test "join: a pid namespace by path shows the other container's processes" {
	set_sh 'touch /tmp/ready; exec sleep 100'
	run_ct_detached "$CID-1"
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid1="$(ct_pid "$CID-1")"

	make_bundle "$HULL_TEST_DIR/bundle2"
	add_ns pid "/proc/$pid1/ns/pid"
	set_sh 'readlink /proc/self/ns/pid; cat /proc/1/comm; echo $$'
	run hull run -b "$BUNDLE" "$CID-2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(ns_of "$pid1" pid)" ]
	[ "${lines[1]}" = sleep ]
	[ "${lines[2]}" != 1 ]
}

@test "join: the host's network namespace by path" {
	add_ns network "/proc/$$/ns/net"
	set_cfg '.mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))'
	ns_inside net uts
	[ "$(inside_link net)" = "$(ns_of $$ net)" ]
	[ "$(inside_link uts)" != "$(ns_of $$ uts)" ]
}

# ------------------------------------------------------ no mount namespace
# These containers share hull's mount namespace: each test runs hull inside
# a private mount namespace of its own (unshare -m), never in the host's.

# no_mnt_config: the bundle without a mount namespace and without what needs one.
no_mnt_config() {
	del_ns mount
	set_cfg 'del(.linux.maskedPaths, .linux.readonlyPaths, .linux.rootfsPropagation)'
}

# in_private_mnt SCRIPT: SCRIPT in bash in a private mount namespace, with
# H (hull with this test's --root), CID, BUNDLE and ROOTFS set.
in_private_mnt() {
	H="$HULL --root $HULL_ROOT" CID="$CID" BUNDLE="$BUNDLE" ROOTFS="$ROOTFS" \
		HULL_TEST_MARK="$HULL_TEST_DIR" run unshare -m --propagation private bash -c "set -e; $1" 3>&-
	echo "$output"
}

@test "mount: without a mount namespace the container shares hull's; delete unmounts all it made" {
	no_mnt_config
	echo marker >"$ROOTFS/marker"
	set_args sleep 100
	in_private_mnt '
		$H create -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
		pid=$($H state "$CID" | jq -r .pid)
		echo "ns $(readlink /proc/$pid/ns/mnt) $(readlink /proc/self/ns/mnt)"
		# the config'"'"'s mounts are in this namespace, under the rootfs
		echo "mounts $(grep -c " $ROOTFS[/ ]" /proc/self/mountinfo)"
		grep -q " $ROOTFS/proc " /proc/self/mountinfo
		grep -q " $ROOTFS/dev " /proc/self/mountinfo
		# the program lives in the rootfs, exec too
		echo "root $(readlink /proc/$pid/root)"
		echo "exec $($H exec "$CID" cat /marker) $($H exec "$CID" sh -c "ls /proc/1/ >/dev/null && echo proc")"
		$H start "$CID"
		$H delete -f "$CID"
		echo "left $(grep -c "$BUNDLE" /proc/self/mountinfo || true)"
	'
	[ "$status" -eq 0 ]
	ns=($(grep '^ns ' <<<"$output"))
	[ "${ns[1]}" = "${ns[2]}" ]
	[ "$(awk '$1 == "mounts" {print $2}' <<<"$output")" -ge 4 ]
	grep -qx "root $ROOTFS" <<<"$output"
	grep -qx "exec marker proc" <<<"$output"
	grep -qx "left 0" <<<"$output"
	assert_nothing_left
}

@test "mount: without a mount namespace, a failed create and delete --force after a kill leave no mount" {
	no_mnt_config
	set_args /nonexistent
	in_private_mnt '
		! $H run -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
		echo "failed $(grep -c "$BUNDLE" /proc/self/mountinfo || true)"
		jq ".process.args = [\"sleep\", \"100\"]" "$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
		$H run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
		kill -9 $($H state "$CID" | jq -r .pid)
		$H delete --force "$CID"
		echo "killed $(grep -c "$BUNDLE" /proc/self/mountinfo || true)"
	'
	[ "$status" -eq 0 ]
	grep -qx "failed 0" <<<"$output"
	grep -qx "killed 0" <<<"$output"
	assert_nothing_left
}

@test "mount: without a mount namespace an engine's own mount on the rootfs stays after delete" {
	no_mnt_config
	set_args true
	in_private_mnt '
		# what an engine does: the rootfs is a mount point of its own
		mount -t tmpfs engine "$ROOTFS"
		mkdir -p "$ROOTFS/bin" "$ROOTFS/proc" "$ROOTFS/dev" "$ROOTFS/sys" "$ROOTFS/tmp"
		cp /bin/busybox "$ROOTFS/bin/busybox"; ln -s busybox "$ROOTFS/bin/true"
		$H run -b "$BUNDLE" "$CID" </dev/null
		echo "on-rootfs $(awk -v r="$ROOTFS" "\$5 == r {print \$9}" /proc/self/mountinfo | tr "\n" " ")"
		echo "below $(grep -c " $ROOTFS/" /proc/self/mountinfo || true)"
	'
	[ "$status" -eq 0 ]
	# the engine's tmpfs, once: hull's bind and its mounts are gone
	grep -qx "on-rootfs engine " <<<"$output"
	grep -qx "below 0" <<<"$output"
}

@test "mount: without a mount namespace, masks, read-only paths, propagation and a user namespace are refused" {
	del_ns mount
	set_cfg 'del(.linux.readonlyPaths, .linux.rootfsPropagation) | .linux.maskedPaths = ["/proc/kcore"]'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.maskedPaths: needs a mount namespace of the container's own"
	set_cfg 'del(.linux.maskedPaths) | .linux.readonlyPaths = ["/proc/sys"]'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.readonlyPaths: needs a mount namespace of the container's own"
	set_cfg 'del(.linux.readonlyPaths) | .linux.rootfsPropagation = "shared"'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.rootfsPropagation: needs a mount namespace of the container's own"
	set_cfg 'del(.linux.rootfsPropagation) | .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "a user namespace needs a mount namespace too"
	assert_nothing_left
}

@test "no namespaces at all: each one is hull's own (runtime-tools linux_ns_itype)" {
	set_cfg '.linux.namespaces = [] | del(.hostname, .linux.maskedPaths, .linux.readonlyPaths)'
	set_sh 'for t in pid net ipc uts mnt cgroup user time; do echo "$t $(readlink /proc/self/ns/$t)"; done'
	in_private_mnt '
		for t in pid net ipc uts mnt cgroup user time; do echo "hull $t $(readlink /proc/self/ns/$t)"; done
		$H run -b "$BUNDLE" "$CID" </dev/null
		echo "left $(grep -c "$BUNDLE" /proc/self/mountinfo || true)"
	'
	[ "$status" -eq 0 ]
	for t in pid net ipc uts mnt cgroup user time; do
		inside="$(awk -v t=$t '$1 == t {print $2}' <<<"$output")"
		outside="$(awk -v t=$t '$1 == "hull" && $2 == t {print $3}' <<<"$output")"
		echo "$t: $inside $outside"
		[ -n "$inside" ]
		[ "$inside" = "$outside" ]
	done
	grep -qx "left 0" <<<"$output"
}
