#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# /dev inside the container, linux.devices and the devices cgroup.

load helpers

add_caps() {
	local c
	for c in "$@"; do
		set_cfg '.process.capabilities |= with_entries(if .key == "inheritable" or .key == "ambient" then . else .value += [$c] end)' --arg c "$c"
	done
}

@test "/dev has the default character devices" {
	set_sh 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null character special file 1:3" ]
	[ "${lines[1]}" = "/dev/zero character special file 1:5" ]
	[ "${lines[2]}" = "/dev/full character special file 1:7" ]
	[ "${lines[3]}" = "/dev/random character special file 1:8" ]
	[ "${lines[4]}" = "/dev/urandom character special file 1:9" ]
	[ "${lines[5]}" = "/dev/tty character special file 5:0" ]
}

@test "/dev default devices are usable by anyone (0666)" {
	set_sh 'stat -c "%a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | sort -u'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = 666 ]
}

@test "/dev/ptmx, /dev/pts and /dev/shm" {
	set_sh 'if [ -L /dev/ptmx ]; then echo "ptmx link $(readlink /dev/ptmx)"; else stat -c "ptmx %F %t:%T" /dev/ptmx; fi
		[ -c /dev/pts/ptmx ] && echo pts-ptmx
		[ -d /dev/shm ] && touch /dev/shm/x && echo shm-writable'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ptmx link pts/ptmx" ] || [ "${lines[0]}" = "ptmx link /dev/pts/ptmx" ] ||
		[ "${lines[0]}" = "ptmx character special file 5:2" ]
	[ "${lines[1]}" = pts-ptmx ]
	[ "${lines[2]}" = shm-writable ]
}

@test "/dev/fd and /dev/std{in,out,err} links" {
	set_sh 'readlink /dev/fd; readlink /dev/stdin; readlink /dev/stdout; readlink /dev/stderr
		echo via-stdout > /dev/stdout; echo via-stderr > /dev/stderr'
	run --separate-stderr hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /proc/self/fd ]
	[ "${lines[1]}" = /proc/self/fd/0 ]
	[ "${lines[2]}" = /proc/self/fd/1 ]
	[ "${lines[3]}" = /proc/self/fd/2 ]
	[ "${lines[4]}" = via-stdout ]
	[ "$stderr" = via-stderr ]
}

@test "no /dev/console without a terminal" {
	set_sh '[ -e /dev/console ] && echo HAS-CONSOLE || echo no-console'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = no-console ]
}

@test "/dev/null, /dev/zero, /dev/full and /dev/urandom work" {
	set_sh 'echo discard > /dev/null && echo null-ok
		head -c 8 /dev/zero | od -An -tx1 | tr -d " \n"; echo
		if echo x > /dev/full 2>/dev/null; then echo FULL-WROTE; else echo full-enospc; fi
		head -c 16 /dev/urandom | wc -c'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = null-ok ]
	[ "${lines[1]}" = 0000000000000000 ]
	[ "${lines[2]}" = full-enospc ]
	[ "$(echo ${lines[3]})" = 16 ]
}

@test "/dev is a fresh tmpfs: host-side files in rootfs/dev are hidden" {
	touch "$ROOTFS/dev/host-leftover"
	set_sh 'ls /dev/host-leftover 2>/dev/null || echo hidden; grep " /dev " /proc/self/mountinfo'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hidden ]
	[[ "${lines[1]}" == *" - tmpfs "* ]]
}

@test "linux.devices creates nodes with type, major, minor, mode, uid, gid" {
	set_cfg '.linux.devices = [
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 1000, "gid": 1000},
		{"path": "/dev/myblk", "type": "b", "major": 7, "minor": 0, "fileMode": 384, "uid": 0, "gid": 0},
		{"path": "/dev/sub/dir/mydev", "type": "c", "major": 1, "minor": 5, "fileMode": 416}
	]'
	set_sh 'stat -c "%F %t:%T %a %u %g" /dev/mynull /dev/myblk; stat -c "%F %t:%T %a" /dev/sub/dir/mydev'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 666 1000 1000" ]
	[ "${lines[1]}" = "block special file 7:0 600 0 0" ]
	[ "${lines[2]}" = "character special file 1:5 640" ]
}

@test "a fifo from linux.devices" {
	set_cfg '.linux.devices = [{"path": "/dev/myfifo", "type": "p", "fileMode": 420}]'
	set_sh 'stat -c "%F %a" /dev/myfifo'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "fifo 644" ]
}

@test "a linux.devices node is usable" {
	set_cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	set_sh 'echo x > /dev/mynull && echo write-ok; cat /dev/mynull && echo read-eof'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'write-ok\nread-eof')" ]
}

@test "a device path symlinked out of the rootfs does not create a node on the host" {
	target="$HULL_TEST_DIR/host-devdir"
	mkdir -p "$target"
	ln -s "$target" "$ROOTFS/devlink"
	set_cfg '.linux.devices = [{"path": "/devlink/evil", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	set_sh 'echo done'
	hrun run -b "$BUNDLE" "$CID"
	[ -z "$(ls -A "$target")" ]
	[ -z "$(host_mounts_mentioning "$target")" ]
	assert_nothing_left
}

@test "a device path with .. does not create a node outside the rootfs" {
	target="$HULL_TEST_DIR/host-devdir2"
	mkdir -p "$target"
	set_cfg '.linux.devices = [{"path": "/dev/../../../host-devdir2/evil", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	set_sh 'echo done'
	hrun run -b "$BUNDLE" "$CID"
	[ -z "$(ls -A "$target")" ]
	[ -z "$(host_mounts_mentioning "$target")" ]
	assert_nothing_left
}

@test "devices cgroup: an unlisted block device can be made but not opened" {
	add_caps CAP_MKNOD
	set_sh 'mknod /tmp/sda b 8 0 && echo made; head -c 1 /tmp/sda'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = made ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "devices cgroup: /dev/mem (c 1:1) cannot be opened" {
	add_caps CAP_MKNOD
	set_sh 'mknod /tmp/mem c 1 1 && echo made; head -c 1 /tmp/mem >/dev/null'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = made ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "devices cgroup: an allow rule in linux.resources.devices lets the device open" {
	add_caps CAP_MKNOD
	set_cfg '.linux.resources.devices += [{"allow": true, "type": "b", "major": 8, "minor": 0, "access": "rwm"}]'
	# without the rule: EPERM (previous test); with it the open reaches the
	# driver: success, or ENXIO when the host has no such disk
	set_sh 'mknod /tmp/sda b 8 0 && echo made; head -c 1 /tmp/sda >/dev/null && echo opened'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "${lines[0]}" = made ]
	[[ "$output" != *"Operation not permitted"* ]]
	[[ "$output" == *"No such device"* ]] || [ "${lines[1]}" = opened ]
}

@test "devices cgroup: host's devices of the container's cgroup deny unlisted ones" {
	set_sh 'touch /tmp/ready; sleep 100'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid="$(ct_pid)"
	line="$(grep -E '^[0-9]+:devices:' "/proc/$pid/cgroup" || true)"
	[ -n "$line" ] || skip "no v1 devices controller"
	dir="/sys/fs/cgroup/devices${line#*:devices:}"
	cat "$dir/devices.list"
	# not the "a *:* rwm" allow-all of the root cgroup
	refute grep -qx 'a \*:\* rwm' "$dir/devices.list"
	grep -qx 'c 1:3 rwm' "$dir/devices.list"
}

@test "devices cgroup: a linux.devices node gets no access the resources section does not give" {
	# deny-all in linux.resources.devices; /dev/kmsg (c 1:11) made by linux.devices
	set_cfg '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]'
	# a write-only open of /dev/kmsg needs no capability and writes nothing
	# (v1: the rules as the devices controller lists them; v2: an eBPF program)
	set_sh 'ls -l /dev/kmsg; true >/dev/kmsg && echo opened
		if [ -e /sys/fs/cgroup/devices/devices.list ]; then cat /sys/fs/cgroup/devices/devices.list; fi'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == crw-rw-rw-* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" != *opened* ]]
	[[ "$output" != *"c 1:11 "* ]]
}

@test "devices cgroup: a linux.devices node opens where linux.resources.devices allows it" {
	set_cfg '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	set_sh 'true >/dev/kmsg && echo opened'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = opened ]
}
