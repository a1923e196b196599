#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.resources applied at create, checked in the container's cgroup files
# (v1 or v2 names, whichever this host has: see cg_file in helpers.bash),
# linux.cgroupsPath, and that every cgroup directory hull makes goes away.

load helpers

teardown() { cg_teardown; }

add_caps() {
	local c
	for c in "$@"; do
		set_cfg '.process.capabilities |= with_entries(if .key == "inheritable" or .key == "ambient" then . else .value += [$c] end)' --arg c "$c"
	done
}

# create the container (not started: its init is there, in its cgroups)
create_ok() { create_ct "${1:-$CID}"; }

# expect_refused WORD...: create fails with one line naming WORD..., and
# leaves nothing behind
expect_refused() {
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "$@"
	assert_nothing_left
}

# ------------------------------------------------------------------ memory

@test "memory: limit and reservation" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432}'
	create_ok
	[ "$(cg_read memory memory.limit_in_bytes memory.max)" = 67108864 ]
	[ "$(cg_read memory memory.soft_limit_in_bytes memory.low)" = 33554432 ]
}

@test "memory: swap (v1 memsw = swap, v2 swap.max = swap - limit)" {
	need_cg_file memory memory.memsw.limit_in_bytes memory.swap.max
	set_cfg '.linux.resources.memory = {"limit": 67108864, "swap": 134217728}'
	create_ok
	[ "$(cg_read memory memory.limit_in_bytes memory.max)" = 67108864 ]
	if cg_ctrl_v2 memory; then
		[ "$(cg_read memory - memory.swap.max)" = 67108864 ]
	else
		[ "$(cg_read memory memory.memsw.limit_in_bytes -)" = 134217728 ]
	fi
}

@test "memory: limit -1 is unlimited" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"limit": -1, "reservation": 16777216}'
	create_ok
	[ "$(mem_bytes "$(cg_read memory memory.limit_in_bytes memory.max)")" = max ]
	[ "$(cg_read memory memory.soft_limit_in_bytes memory.low)" = 16777216 ]
}

@test "memory: disableOOMKiller (v1 oom_control; refused on v2)" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"limit": 67108864, "disableOOMKiller": true}'
	if cg_ctrl_v2 memory; then
		expect_refused disableOOMKiller
	else
		create_ok
		f="$(cg_file memory memory.oom_control -)"
		cat "$f"
		grep -qx 'oom_kill_disable 1' "$f"
	fi
}

@test "memory: swappiness (v1 memory.swappiness; refused on v2)" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"swappiness": 17}'
	if cg_ctrl_v2 memory; then
		expect_refused swappiness
	else
		create_ok
		[ "$(cg_read memory memory.swappiness -)" = 17 ]
	fi
}

@test "memory: a hog over the limit is OOM-killed: hull run exits 137" {
	need_ctrl memory
	mem='{"limit": 33554432}'
	# no swap to escape to, when the host accounts swap
	if cg_probe memory memory.memsw.limit_in_bytes memory.swap.max; then
		mem='{"limit": 33554432, "swap": 33554432}'
	fi
	set_cfg ".linux.resources.memory = $mem"
	set_sh 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 137 ]
	[[ "$output" != *survived* ]]
	assert_nothing_left
}

@test "memory: the OOM kill is counted (v1 memory.failcnt, v2 memory.events oom_kill)" {
	need_ctrl memory
	mem='{"limit": 33554432}'
	if cg_probe memory memory.memsw.limit_in_bytes memory.swap.max; then
		mem='{"limit": 33554432, "swap": 33554432}'
	fi
	set_cfg ".linux.resources.memory = $mem"
	# the hog is a subshell; the container's init survives it
	set_sh '(x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}) >/tmp/hog.out 2>&1
		echo "rc=$?" >/tmp/rc; exec sleep 100'
	run_ct_detached
	# reclaim before the OOM kill can take long on a loaded machine
	retry 1200 0.05 test -s "$ROOTFS/tmp/rc"
	cat "$ROOTFS/tmp/rc" "$ROOTFS/tmp/hog.out"
	[ "$(cat "$ROOTFS/tmp/rc")" = rc=137 ]
	if cg_ctrl_v2 memory; then
		f="$(cg_file memory - memory.events)"
		cat "$f"
		[ "$(cg_kv "$f" oom_kill)" -gt 0 ]
	else
		# with memsw = limit the kernel may count the hit in memsw.failcnt,
		# and recent kernels leave v1 failcnt at 0 for memcg limits: the
		# oom_kill counter of memory.oom_control (4.13+) counts too
		d="$(cg_dir memory)"
		grep . "$d/memory.failcnt" "$d/memory.memsw.failcnt" "$d/memory.oom_control" || true
		n="$(cat "$d/memory.failcnt")"
		[ -e "$d/memory.memsw.failcnt" ] && n=$((n + $(cat "$d/memory.memsw.failcnt")))
		k="$(cg_kv "$d/memory.oom_control" oom_kill)"
		n=$((n + ${k:-0}))
		[ "$n" -gt 0 ]
	fi
}

# --------------------------------------------------------------------- cpu

@test "cpu: shares (v2 cpu.weight converted: 2 -> 1, 1024 -> 39, 262144 -> 10000)" {
	need_ctrl cpu
	for pair in 2:1 1024:39 262144:10000; do
		shares="${pair%%:*}"
		weight="${pair#*:}"
		set_cfg '.linux.resources.cpu = {"shares": $s}' --argjson s "$shares"
		create_ok "$CID-$shares"
		got="$(cg_read cpu cpu.shares cpu.weight "$CID-$shares")"
		echo "shares $shares -> $got"
		if cg_ctrl_v2 cpu; then
			[ "$got" = "$weight" ]
		else
			[ "$got" = "$shares" ]
		fi
		hull delete -f "$CID-$shares"
	done
}

@test "cpu: quota and period" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"quota": 50000, "period": 100000}'
	create_ok
	if cg_ctrl_v2 cpu; then
		[ "$(cg_read cpu - cpu.max)" = "50000 100000" ]
	else
		[ "$(cg_read cpu cpu.cfs_quota_us -)" = 50000 ]
		[ "$(cg_read cpu cpu.cfs_period_us -)" = 100000 ]
	fi
}

@test "cpu: quota -1 or absent is no quota (v2 \"max PERIOD\")" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"period": 200000}'
	create_ok "$CID-absent"
	set_cfg '.linux.resources.cpu = {"quota": -1, "period": 250000}'
	create_ok "$CID-minus1"
	if cg_ctrl_v2 cpu; then
		[ "$(cg_read cpu - cpu.max "$CID-absent")" = "max 200000" ]
		[ "$(cg_read cpu - cpu.max "$CID-minus1")" = "max 250000" ]
	else
		[ "$(cg_read cpu cpu.cfs_quota_us - "$CID-absent")" = -1 ]
		[ "$(cg_read cpu cpu.cfs_period_us - "$CID-absent")" = 200000 ]
		[ "$(cg_read cpu cpu.cfs_quota_us - "$CID-minus1")" = -1 ]
		[ "$(cg_read cpu cpu.cfs_period_us - "$CID-minus1")" = 250000 ]
	fi
}

@test "cpu: burst" {
	need_cg_file cpu cpu.cfs_burst_us cpu.max.burst
	set_cfg '.linux.resources.cpu = {"quota": 50000, "period": 100000, "burst": 20000}'
	create_ok
	[ "$(cg_read cpu cpu.cfs_burst_us cpu.max.burst)" = 20000 ]
}

@test "cpu: idle" {
	need_cg_file cpu cpu.idle cpu.idle
	set_cfg '.linux.resources.cpu = {"idle": 1}'
	create_ok
	[ "$(cg_read cpu cpu.idle cpu.idle)" = 1 ]
}

@test "cpuset: cpus and mems, also seen by the container's process" {
	need_ctrl cpuset
	last="$(tr ',-' '\n\n' </sys/devices/system/cpu/online | tail -n 1)"
	set_cfg '.linux.resources.cpu = {"cpus": $c, "mems": "0"}' --arg c "$last"
	set_sh 'grep -E "^(Cpus|Mems)_allowed_list" /proc/self/status; sleep 100'
	run_ct_detached
	[ "$(cg_read cpuset cpuset.cpus cpuset.cpus)" = "$last" ]
	[ "$(cg_read cpuset cpuset.mems cpuset.mems)" = 0 ]
	wait_grep Mems_allowed_list "$HULL_TEST_DIR/$CID.out"
	cat "$HULL_TEST_DIR/$CID.out"
	grep -qx "Cpus_allowed_list:[[:space:]]*$last" "$HULL_TEST_DIR/$CID.out"
	grep -qx "Mems_allowed_list:[[:space:]]*0" "$HULL_TEST_DIR/$CID.out"
}

@test "cpu: realtimeRuntime and realtimePeriod (v1 cpu.rt_*; refused on v2)" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"realtimeRuntime": 5000, "realtimePeriod": 100000}'
	if cg_ctrl_v2 cpu; then
		expect_refused realtime
		return
	fi
	cg_probe cpu cpu.rt_runtime_us - || skip "no cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED off)"
	# right below the hierarchy's root, which has real-time time to give
	set_cfg '.linux.cgroupsPath = $p' --arg p "/$CID-rt"
	create_ok
	[ "$(cg_read cpu cpu.rt_period_us -)" = 100000 ]
	[ "$(cg_read cpu cpu.rt_runtime_us -)" = 5000 ]
}

@test "cpu: an invalid quota fails create with the field named, nothing left" {
	need_ctrl cpu
	# the kernel refuses quotas below 1ms (EINVAL)
	set_cfg '.linux.resources.cpu = {"quota": 1, "period": 1000}'
	# the file is named with the container's cgroup directory
	expect_refused quota "/hull/$CID/cpu."
}

# -------------------------------------------------------------------- pids

@test "pids: limit, and -1 / 0 are \"max\"" {
	need_ctrl pids
	set_cfg '.linux.resources.pids = {"limit": 10}'
	create_ok "$CID-10"
	set_cfg '.linux.resources.pids = {"limit": -1}'
	create_ok "$CID-m1"
	set_cfg '.linux.resources.pids = {"limit": 0}'
	create_ok "$CID-0"
	[ "$(cg_read pids pids.max pids.max "$CID-10")" = 10 ]
	[ "$(cg_read pids pids.max pids.max "$CID-m1")" = max ]
	[ "$(cg_read pids pids.max pids.max "$CID-0")" = max ]
}

@test "pids: forks stop at the limit" {
	need_ctrl pids
	set_cfg '.linux.resources.pids = {"limit": 10}'
	# 50 background sleeps from a subshell (a failed fork ends it), then
	# init waits without forking
	set_sh '(i=0; while [ $i -lt 50 ]; do sleep 100 & i=$((i+1)); done) 2>/tmp/err
		echo done >/tmp/done; exec sleep 100'
	run_ct_detached
	retry 300 0.05 test -s "$ROOTFS/tmp/done"
	cat "$ROOTFS/tmp/err"
	grep -Eqi "fork|resource temporarily unavailable" "$ROOTFS/tmp/err"
	d="$(cg_dir pids)"
	n=0
	for p in $(cat "$d/cgroup.procs"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && n=$((n + 1))
	done
	echo "sleep processes: $n, pids.current: $(cat "$d/pids.current")"
	[ "$n" -ge 2 ] && [ "$n" -le 10 ]
	[ "$(cat "$d/pids.current")" -le 10 ]
}

# ----------------------------------------------------------------- blockIO

# the io controller's name on this host
io_ctrl() { if cg_ctrl_v2 io; then echo io; else echo blkio; fi; }

# a whole block device of this machine, MAJ:MIN (the root disk if it is one)
block_dev() {
	local mm p
	mm="$(mountpoint -d / 2>/dev/null || true)"
	if [ -n "$mm" ] && [ -e "/sys/dev/block/$mm" ]; then
		p="$(readlink -f "/sys/dev/block/$mm")"
		[ -e "$p/partition" ] && p="$(dirname "$p")"
		cat "$p/dev"
		return
	fi
	for p in /sys/block/*; do
		case "${p##*/}" in loop* | ram*) continue ;; esac
		[ -e "$p/dev" ] && cat "$p/dev" && return
	done
	return 1
}

@test "blockIO: weight (bfq or plain weight file, v2 io.weight converted)" {
	c="$(io_ctrl)"
	need_ctrl "$c"
	if cg_probe "$c" blkio.bfq.weight io.bfq.weight; then
		file="$(cg_name "$c" blkio.bfq.weight io.bfq.weight)"
		want=300
	elif cg_probe "$c" blkio.weight io.weight; then
		file="$(cg_name "$c" blkio.weight io.weight)"
		want=300
		[ "$c" = io ] && want=$((1 + (300 - 10) * 9999 / 990))
	else
		skip "no blkio/io weight file on this host"
	fi
	set_cfg '.linux.resources.blockIO = {"weight": 300}'
	create_ok
	d="$(cg_dir "$c")"
	cat "$d/$file"
	# "default N" (bfq, io.weight) or a bare number
	got="$(awk '$1 == "default" {print $2; exit} NF == 1 {print $1; exit}' "$d/$file")"
	[ "$got" = "$want" ]
}

@test "blockIO: throttle bps and iops for a real device" {
	c="$(io_ctrl)"
	need_cg_file "$c" blkio.throttle.read_bps_device io.max
	dev="$(block_dev)" || skip "no block device on this machine"
	maj="${dev%%:*}"
	min="${dev#*:}"
	set_cfg '.linux.resources.blockIO = {
		"throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 1048576}],
		"throttleWriteBpsDevice": [{"major": $ma, "minor": $mi, "rate": 2097152}],
		"throttleReadIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 100}],
		"throttleWriteIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 200}]}' \
		--argjson ma "$maj" --argjson mi "$min"
	create_ok
	d="$(cg_dir "$c")"
	if [ "$c" = io ]; then
		cat "$d/io.max"
		grep -qx "$dev rbps=1048576 wbps=2097152 riops=100 wiops=200" "$d/io.max"
	else
		grep -qx "$dev 1048576" "$d/blkio.throttle.read_bps_device"
		grep -qx "$dev 2097152" "$d/blkio.throttle.write_bps_device"
		grep -qx "$dev 100" "$d/blkio.throttle.read_iops_device"
		grep -qx "$dev 200" "$d/blkio.throttle.write_iops_device"
	fi
}

# ----------------------------------------------------------------- hugetlb

@test "hugepageLimits: 2MB limit (v2 hugetlb.2MB.max, also in a hybrid's unified)" {
	need_ctrl hugetlb
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages on this host"
	set_cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	create_ok
	f="$(cg_file hugetlb hugetlb.2MB.limit_in_bytes hugetlb.2MB.max)"
	echo "$f"
	[ "$(cat "$f")" = 4194304 ]
}

# ----------------------------------------------------------------- unified

@test "unified: pids.max written verbatim on v2, refused where there is no such file" {
	set_cfg '.linux.resources.unified = {"pids.max": "7"}'
	if cg_ctrl_v2 pids; then
		create_ok
		[ "$(cat "$(cg_dir unified)/pids.max")" = 7 ]
	else
		# v1-only, or hybrid whose cgroup2 hierarchy has no pids controller
		expect_refused pids.max
	fi
}

@test "unified: a key of a cgroup2 controller is written (hybrid: hugetlb in unified)" {
	cg_ctrl_v2 hugetlb || skip "no hugetlb controller in a cgroup2 hierarchy"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages on this host"
	set_cfg '.linux.resources.unified = {"hugetlb.2MB.max": "6291456"}'
	create_ok
	[ "$(cat "$(cg_dir unified)/hugetlb.2MB.max")" = 6291456 ]
}

# ----------------------------------------------------------------- devices

@test "devices: the default rules deny a node the container made, the standard ones work" {
	add_caps CAP_MKNOD
	set_sh 'mknod /dev/sda b 8 0 && echo made
		head -c 1 /dev/sda >/dev/null 2>/tmp/err; echo "sda: $(cat /tmp/err)"
		echo x >/dev/null && echo null-ok
		echo "zero: $(head -c 4 /dev/zero | wc -c)"
		echo "urandom: $(head -c 4 /dev/urandom | wc -c)"'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = made ]
	[[ "${lines[1]}" == "sda: "*"Operation not permitted"* ]]
	[ "${lines[2]}" = null-ok ]
	[ "$(echo ${lines[3]})" = "zero: 4" ]
	[ "$(echo ${lines[4]})" = "urandom: 4" ]
}

@test "devices: an allow rule with access r lets the device be read, not written" {
	add_caps CAP_MKNOD
	# char major 42 is reserved for demos: no driver, so an open the
	# devices cgroup lets through fails with ENXIO, one it stops with EPERM
	set_cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 42, "minor": 0, "access": "r"}]'
	# (the nodes go to /dev, a tmpfs of hull's: the bundle's filesystem
	# may be mounted nodev)
	set_sh 'mknod /dev/d0 c 42 0 && mknod /dev/d1 c 42 1 && echo made
		echo "read-allowed: $(head -c 1 /dev/d0 2>&1 >/dev/null)"
		echo "write-allowed: $( (echo x >/dev/d0) 2>&1)"
		echo "read-other: $(head -c 1 /dev/d1 2>&1 >/dev/null)"'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = made ]
	[[ "${lines[1]}" == "read-allowed: "*"No such device or address"* ]]
	[[ "${lines[2]}" == "write-allowed: "*"Operation not permitted"* ]]
	[[ "${lines[3]}" == "read-other: "*"Operation not permitted"* ]]
}

# ------------------------------------------------------------- cgroupsPath

# own_cg_path HIER-ID: this shell's cgroup path in hierarchy HIER-ID
own_cg_path() { awk -F: -v h="$1" '$1 == h {print $3; exit}' /proc/self/cgroup; }

# check_ct_paths PID EXPECT-CMD: every controller hierarchy line of PID's
# /proc/PID/cgroup (named ones like name=systemd aside) has the path that
# `EXPECT-CMD HIER-ID` prints
check_ct_paths() {
	local pid="$1" line hier ctrls path want n=0
	shift
	while IFS= read -r line; do
		hier="${line%%:*}"
		line="${line#*:}"
		ctrls="${line%%:*}"
		path="${line#*:}"
		[[ "$ctrls" == name=* ]] && continue
		want="$("$@" "$hier")"
		echo "hierarchy $hier ($ctrls): $path, want $want"
		[ "$path" = "$want" ] || return 1
		n=$((n + 1))
	done <"/proc/$pid/cgroup"
	[ "$n" -gt 0 ]
}

# ------------------------------------------------------------------ mounts

# cache_lines: the hierarchies <root>/.cgroup-mounts holds ("CTRLS MOUNT"),
# sorted; skips the test where the kernel gives no unique mount ids.
cache_lines() {
	local f="$HULL_ROOT/.cgroup-mounts"
	[ -f "$f" ] || skip "no unique mount ids here (kernel before 6.8): no cache"
	awk '$1 == "H" { print $3, $4 }' "$f" | sort
}

# mountinfo_lines: the same from /proc/self/mountinfo (first mount of each
# hierarchy with controllers, and cgroup2 as "-").
mountinfo_lines() {
	awk '{ for (i = 7; $i != "-"; i++); t = $(i + 1); o = $(i + 3)
		if (t == "cgroup2") k = "-"
		else if (t == "cgroup") { k = ""; n = split(o, a, ",")
			for (j = 1; j <= n; j++) if (a[j] ~ /^(cpu|cpuacct|cpuset|memory|devices|freezer|blkio|pids|net_cls|net_prio|hugetlb|perf_event|rdma|misc)$/) k = k (k ? "," : "") a[j] }
		else next
		if (k != "" && !(k in seen)) { seen[k] = 1; print k, $5 } }' /proc/self/mountinfo | sort
}

# prime_cache: a container made and deleted twice (the first makes --root,
# the second finds it there to keep the cache in).
prime_cache() {
	local i
	for i in 1 2; do
		create_ok
		hull delete -f "$CID"
	done
}

@test "cgroup mounts: kept in <root>/.cgroup-mounts; a cache naming other mounts is rewritten" {
	prime_cache
	[ "$(cache_lines)" = "$(mountinfo_lines)" ]
	# every mount id wrong: not used (the container still gets its
	# cgroups right), and written again with the right ones
	sed -i 's/^\([SH]\) [0-9]*/\1 1/' "$HULL_ROOT/.cgroup-mounts"
	create_ok
	want_rel() { local own; own="$(own_cg_path "$1")"; echo "${own%/}/$CID"; }
	set_cfg '.linux.cgroupsPath = $p' --arg p "$CID"
	hull delete -f "$CID"
	create_ok
	check_ct_paths "$(ct_pid)" want_rel
	hull delete -f "$CID"
	! grep -q '^[SH] 1 ' "$HULL_ROOT/.cgroup-mounts"
	[ "$(cache_lines)" = "$(mountinfo_lines)" ]
	assert_nothing_left
}

@test "cgroup mounts: a hierarchy mounted elsewhere since the cache was written is found there" {
	prime_cache
	# a v1 hierarchy with controllers, from the cache
	read -r ctrls mnt < <(cache_lines | awk '$1 != "-"' | head -1)
	[ -n "$mnt" ] || skip "no cgroup v1 hierarchy on this host"
	moved="$HULL_TEST_DIR/moved"
	mkdir -p "$moved"
	set_cfg '.linux.cgroupsPath = $p' --arg p "/$CID-moved"
	# in a mount namespace of its own (its mounts have ids of their own):
	# the cache is made there, then the hierarchy moves; hull notices
	HULL_TEST_MARK="$HULL_TEST_DIR" HULL="$HULL" HULL_ROOT="$HULL_ROOT" BUNDLE="$BUNDLE" CID="$CID" \
		run unshare -m --propagation private bash -c '
		h() { "$HULL" --root "$HULL_ROOT" "$@" </dev/null >/dev/null; }
		for i in 1 2; do h create -b "$BUNDLE" "$CID" && h delete -f "$CID" || exit 7; done
		grep -q " $1 " "$HULL_ROOT/.cgroup-mounts" || exit 6
		mount --bind "$1" "$2" && umount "$1" || exit 9
		h create -b "$BUNDLE" "$CID" || exit 8
		jq -r ".hull.cgroups[].dir" "$HULL_ROOT/$CID/state.json"
		h delete -f "$CID"' _ "$mnt" "$moved"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "$moved/$CID-moved" <<<"$output"
	! grep -q "^$mnt/" <<<"$output"
	# back in this namespace the cache is rewritten for the mounts here
	create_ok
	hull delete -f "$CID"
	[ "$(cache_lines)" = "$(mountinfo_lines)" ]
	assert_nothing_left
}

# in_private_ns SETUP: in a mount namespace of its own whose mounts are all
# private (nothing done there reaches this one), run the shell commands
# SETUP (they change the cgroup mounts), then with the test's --root:
# `hull run` of a container that exits at once (run's own path: the init
# shares hull's memory), `hull run -d` of the test's container, whose
# /proc/PID/cgroup ("cgroup LINE") and recorded directories ("dir DIR") are
# printed, its delete, the directories named after it still found under
# /sys/fs/cgroup there ("left DIR"), and `hull run` again (the cache written
# there now).  Sets status and output.
in_private_ns() {
	jq '.process.args = ["true"] | .root.path = $r' --arg r "$ROOTFS" "$CONFIG" >"$HULL_TEST_DIR/quick.json"
	mkdir -p "$HULL_TEST_DIR/quick"
	mv "$HULL_TEST_DIR/quick.json" "$HULL_TEST_DIR/quick/config.json"
	HULL_TEST_MARK="$HULL_TEST_DIR" HULL="$HULL" HULL_ROOT="$HULL_ROOT" BUNDLE="$BUNDLE" CID="$CID" \
		QUICK="$HULL_TEST_DIR/quick" run unshare -m --propagation private bash -c '
		h() { "$HULL" --root "$HULL_ROOT" "$@" </dev/null; }
		eval "$1" || exit 5
		h run -b "$QUICK" "$CID-q1" || exit 6
		h run -d -b "$BUNDLE" "$CID" >/dev/null || exit 7
		pid="$(h state "$CID" | jq -r .pid)"
		sed "s/^/cgroup /" "/proc/$pid/cgroup"
		jq -r ".hull.cgroups[].dir" "$HULL_ROOT/$CID/state.json" | sed "s/^/dir /"
		h delete -f "$CID" || exit 8
		find /sys/fs/cgroup -maxdepth 6 -type d -name "$CID*" | sed "s/^/left /"
		h run -b "$QUICK" "$CID-q2" || exit 9' _ "$1"
	echo "$output"
}

# ns_cgroups_ok HIDDEN: the output of in_private_ns says the container sat
# in hull/<id> below this shell's cgroup in every hierarchy but those whose
# controllers match HIDDEN (an extended regex; "^$" for cgroup v2), where it
# stayed in this shell's cgroup; no directory recorded or left under a
# hidden mount (any of HIDDEN_MNTS), and none left anywhere.
ns_cgroups_ok() {
	local hidden="$1" line hier ctrls path own want n=0 m
	[ "$status" -eq 0 ]
	while IFS= read -r line; do
		line="${line#cgroup }"
		hier="${line%%:*}"
		line="${line#*:}"
		ctrls="${line%%:*}"
		path="${line#*:}"
		[[ "$ctrls" == name=* ]] && continue
		own="$(own_cg_path "$hier")"
		want="${own%/}/hull/$CID"
		[[ "$ctrls" =~ $hidden ]] && want="$own"
		echo "hierarchy $hier ($ctrls): $path, want $want"
		[ "$path" = "$want" ]
		n=$((n + 1))
	done < <(grep '^cgroup ' <<<"$output")
	[ "$n" -gt 0 ]
	for m in "${HIDDEN_MNTS[@]}"; do
		refute grep -q "^dir $m/" <<<"$output"
	done
	refute grep -q '^left ' <<<"$output"
}

need_hybrid_unified() {
	[ -e /sys/fs/cgroup/unified/cgroup.controllers ] ||
		skip "no cgroup2 mount at /sys/fs/cgroup/unified (not a hybrid host)"
}

@test "cgroup mounts: a tmpfs over /sys/fs/cgroup/unified hides cgroup v2: v1 only, also after a cache of the host's mounts" {
	need_hybrid_unified
	prime_cache
	in_private_ns 'mount -t tmpfs hull-test /sys/fs/cgroup/unified'
	HIDDEN_MNTS=(/sys/fs/cgroup/unified)
	ns_cgroups_ok '^$'
	# back here the cgroup2 mount is used again, the cache rewritten
	create_ok
	[ "$(cg_dir unified)" = "/sys/fs/cgroup/unified$(own_cg_path 0 | sed 's,/$,,')/hull/$CID" ]
	hull delete -f "$CID"
	[ "$(cache_lines)" = "$(mountinfo_lines)" ]
	assert_nothing_left
}

@test "cgroup mounts: no cgroup2 mount at all (unmounted): v1 only, also after a cache of the host's mounts" {
	need_hybrid_unified
	prime_cache
	in_private_ns 'umount /sys/fs/cgroup/unified'
	HIDDEN_MNTS=(/sys/fs/cgroup/unified)
	ns_cgroups_ok '^$'
	create_ok
	hull delete -f "$CID"
	[ "$(cache_lines)" = "$(mountinfo_lines)" ]
	assert_nothing_left
}

@test "cgroup mounts: a v1 hierarchy covered by a tmpfs is left out, also once the cache was written there" {
	mnt="$(cg_v1_mount pids)" || skip "no cgroup v1 pids hierarchy on this host"
	prime_cache
	# the cache made in that namespace first, then the tmpfs: create
	# finds the hierarchy gone from its path and plans again
	in_private_ns "h run -b \"\$QUICK\" \"\$CID-q0\" && h run -b \"\$QUICK\" \"\$CID-q0\" &&
		grep -q ' $mnt ' \"\$HULL_ROOT/.cgroup-mounts\" && mount -t tmpfs hull-test $mnt"
	HIDDEN_MNTS=("$mnt")
	ns_cgroups_ok '(^|,)pids(,|$)'
	in_private_ns "mount -t tmpfs hull-test $mnt"
	ns_cgroups_ok '(^|,)pids(,|$)'
	create_ok
	hull delete -f "$CID"
	[ "$(cache_lines)" = "$(mountinfo_lines)" ]
	assert_nothing_left
}

@test "cgroup mounts: a hierarchy whose mount point has a space in it (mountinfo's \\040) is used" {
	mnt="$(cg_v1_mount pids)" || skip "no cgroup v1 pids hierarchy on this host"
	moved="$HULL_TEST_DIR/a dir"
	mkdir -p "$moved"
	in_private_ns "mount --bind $mnt \"$moved\" && umount $mnt"
	HIDDEN_MNTS=("$mnt")
	ns_cgroups_ok '^NONE$'
	grep -qxF "dir $moved/hull/$CID" <<<"$output"
	assert_nothing_left
}

@test "cgroupsPath: relative, below hull's own cgroup; its parents made by hull are removed" {
	set_cfg '.linux.cgroupsPath = $p' --arg p "$CID-a/$CID-b"
	create_ok
	want_rel() {
		local own
		own="$(own_cg_path "$1")"
		echo "${own%/}/$CID-a/$CID-b"
	}
	check_ct_paths "$(ct_pid)" want_rel
	for d in $(cg_all_dirs); do
		[ -d "$d" ]
	done
	hull delete -f "$CID"
	assert_nothing_left
	[ -z "$(leftover_cgroups "$CID")" ]
}

@test "cgroupsPath: absolute, from each hierarchy's root; its parents made by hull are removed" {
	set_cfg '.linux.cgroupsPath = $p' --arg p "/$CID-abs/c"
	run_ct_detached
	want_abs() { echo "/$CID-abs/c"; }
	check_ct_paths "$(ct_pid)" want_abs
	dirs="$(cg_all_dirs)"
	echo "$dirs"
	for d in $dirs; do
		[ -d "$d" ]
		[[ "$d" == */"$CID-abs/c" ]]
	done
	hull delete -f "$CID"
	for d in $dirs; do
		[ ! -e "$d" ]
		[ ! -e "${d%/c}" ]
	done
	assert_nothing_left
}

@test "cgroupsPath: clone3 into a cgroup2 directory no process may join fails with one line naming it, nothing left" {
	root="$(cg_v2_root)" || skip "no cgroup2 hierarchy on this host"
	own="$(own_cg_path 0)"
	thr="$root${own%/}/thr-$CID"
	mkdir "$thr"
	CG_CLEANUP+=("$thr")
	# the children of a threaded cgroup are made "domain invalid": clone3
	# (CLONE_INTO_CGROUP) into one fails with EOPNOTSUPP
	echo threaded >"$thr/cgroup.type" 2>/dev/null || skip "cannot make a threaded cgroup here"
	set_cfg '.linux.cgroupsPath = $p' --arg p "thr-$CID/c"
	for cmd in run create; do
		hrun "$cmd" -b "$BUNDLE" "$CID"
		[ "$status" -ne 0 ]
		assert_one_line_error "clone3 into cgroup $thr/c " "Operation not supported"
		assert_nothing_left
		# what hull made is gone (thr-$CID/c, and thr-$CID in the v1
		# hierarchies); the directory the test made is still there
		[ "$(find /sys/fs/cgroup -maxdepth 6 -path "*thr-$CID*" -type d)" = "$thr" ]
	done
}

@test "cgroupsPath: a cgroup that already holds processes is refused, and left alone" {
	sleep 100 3>&- &
	sleeper=$!
	HULL_BG_PIDS+=("$sleeper")
	busy=()
	for r in $(cg_roots); do
		mkdir "$r/busy-$CID"
		busy+=("$r/busy-$CID")
		CG_CLEANUP+=("$r/busy-$CID")
		# a new v1 cpuset has no cpus or mems: no process could join it
		# (cgroup2's root has no cpuset.cpus, its children inherit)
		if [ -e "$r/cpuset.cpus" ] && [ -e "$r/busy-$CID/cpuset.cpus" ]; then
			cat "$r/cpuset.cpus" >"$r/busy-$CID/cpuset.cpus"
			cat "$r/cpuset.mems" >"$r/busy-$CID/cpuset.mems"
		fi
		echo "$sleeper" >"$r/busy-$CID/cgroup.procs"
	done
	[ "${#busy[@]}" -gt 0 ]
	set_cfg '.linux.cgroupsPath = $p' --arg p "/busy-$CID"
	expect_refused "busy-$CID"
	# hull made nothing in it, removed nothing, moved nothing
	for d in "${busy[@]}"; do
		[ -d "$d" ]
		[ -z "$(find "$d" -mindepth 1 -type d)" ]
		[ "$(cat "$d/cgroup.procs")" = "$sleeper" ]
	done
	pid_alive "$sleeper"
}

# ----------------------------------------------------------------- cleanup

@test "cleanup: every cgroup directory is removed by delete (created, running, stopped)" {
	set_cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}'
	# created, then delete
	create_ok "$CID-c"
	dirs="$(cg_all_dirs "$CID-c")"
	[ -n "$dirs" ]
	hull delete "$CID-c" 2>/dev/null || hull delete -f "$CID-c"
	for d in $dirs; do [ ! -e "$d" ]; done
	assert_nothing_left "$CID-c"

	# running, then stopped by kill, then a plain delete
	run_ct_detached "$CID-r"
	dirs="$(cg_all_dirs "$CID-r")"
	echo "$dirs"
	[ -n "$dirs" ]
	for d in $dirs; do [ -d "$d" ]; done
	hull kill "$CID-r" KILL
	wait_status_long "$CID-r" stopped
	hull delete "$CID-r"
	for d in $dirs; do [ ! -e "$d" ]; done
	assert_nothing_left "$CID-r"
}

@test "cleanup: delete --force after hull create was SIGKILLed mid-create" {
	set_cfg '.linux.resources.pids = {"limit": 50}'
	set_cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", $s]}]' \
		--arg s "echo \$\$ >$HULL_TEST_DIR/hook.pid; exec sleep 100"
	hull_bg "$HULL_TEST_DIR/create.out" create -b "$BUNDLE" "$CID"
	create_pid="$HULL_BG_PID"
	retry 300 0.05 test -s "$HULL_TEST_DIR/hook.pid"
	# the container's cgroups exist by the time the hooks run
	[ -n "$(leftover_cgroups "$CID")" ]
	kill -9 "$create_pid"
	wait "$create_pid" 2>/dev/null || true
	kill -9 "$(cat "$HULL_TEST_DIR/hook.pid")"
	retry 200 0.05 pid_dead "$(cat "$HULL_TEST_DIR/hook.pid")"

	hrun delete -f "$CID"
	[ "$status" -eq 0 ]
	assert_nothing_left
	[ -z "$(leftover_cgroups "$CID")" ]
}

@test "cpuset v1: an existing parent cgroup with empty cpus and mems is filled from its own parent" {
	cg_v2_only && skip "cgroup v1 cpuset only (v2 has no empty cpuset to fill)"
	local m par d
	m="$(cg_v1_mount cpuset)" || skip "no v1 cpuset hierarchy"
	# a parent made by someone else, below this test's own cgroup, left empty
	par="hull-cs-$CID"
	d="$m$(awk -F: '$2 ~ /(^|,)cpuset(,|$)/ {print $3}' /proc/self/cgroup)"
	d="${d%/}/$par"
	mkdir "$d"
	CG_CLEANUP+=("$d")
	echo 0 >"$d/cgroup.clone_children"
	[ -z "$(cat "$d/cpuset.cpus")" ] || skip "new cpusets inherit cpus here (clone_children)"
	set_cfg '.linux.cgroupsPath = $p' --arg p "$par/$CID"
	set_sh 'grep Cpus_allowed_list /proc/self/status'
	hrun run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -n "$(cat "$d/cpuset.cpus")" ]
	[ -n "$(cat "$d/cpuset.mems")" ]
	assert_nothing_left
}

# ------------------------------------------------------------------- zeros
# A zero means what it means to runc 1.1: not set.  Engines write zeros for
# what the user did not ask for (Docker: "blockIO": {"weight": 0} always).

# the values a new cgroup has, as "name=value" (v1 or v2 names)
cg_defaults() {
	echo "mem=$(mem_bytes "$(cg_read memory memory.limit_in_bytes memory.max)")"
	if cg_ctrl_v2 cpu; then
		echo "cpu=$(cg_read cpu - cpu.max) weight=$(cg_read cpu - cpu.weight)"
	else
		echo "cpu=$(cg_read cpu cpu.cfs_quota_us -) $(cg_read cpu cpu.cfs_period_us -) shares=$(cg_read cpu cpu.shares -)"
	fi
	echo "pids=$(cg_read pids pids.max pids.max)"
}

@test "zero: memory limit, reservation and swap 0 are not set" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0}'
	create_ok
	[ "$(mem_bytes "$(cg_read memory memory.limit_in_bytes memory.max)")" = max ]
	if cg_ctrl_v2 memory; then
		[ "$(cg_read memory - memory.low)" = 0 ]
		cg_probe memory - memory.swap.max && [ "$(cg_read memory - memory.swap.max)" = max ]
	else
		[ "$(mem_bytes "$(cg_read memory memory.soft_limit_in_bytes -)")" = max ]
		cg_probe memory memory.memsw.limit_in_bytes - &&
			[ "$(mem_bytes "$(cg_read memory memory.memsw.limit_in_bytes -)")" = max ]
	fi
	# and the program runs (a zero limit would leave it no memory)
	hrun start "$CID"
	[ "$status" -eq 0 ]
}

@test "zero: disableOOMKiller false leaves memory.oom_control as the cgroup has it (v1)" {
	need_ctrl memory
	cg_ctrl_v2 memory && skip "no memory.oom_control on cgroup v2"
	# a v1 memory cgroup inherits oom_kill_disable from its parent
	p="$(cg_dir_of_pid memory $$)/$CID-oomp"
	mkdir "$p"
	CG_CLEANUP+=("$p")
	echo 1 >"$p/memory.oom_control"
	set_cfg '.linux.cgroupsPath = $p | .linux.resources.memory = {"disableOOMKiller": false}' --arg p "$CID-oomp/$CID"
	create_ok
	f="$(cg_file memory memory.oom_control -)"
	cat "$f"
	grep -qx 'oom_kill_disable 1' "$f"
}

@test "zero: cpu shares, quota, period and realtime values 0 are not set" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0,
		"cpus": "", "mems": ""}'
	create_ok
	if cg_ctrl_v2 cpu; then
		[ "$(cg_read cpu - cpu.max)" = "max 100000" ]
		[ "$(cg_read cpu - cpu.weight)" = 100 ]
	else
		[ "$(cg_read cpu cpu.cfs_quota_us -)" = -1 ]
		[ "$(cg_read cpu cpu.cfs_period_us -)" = 100000 ]
		[ "$(cg_read cpu cpu.shares -)" = 1024 ]
	fi
}

@test "zero: cpu quota 0 with a period sets the period only" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"quota": 0, "period": 50000}'
	create_ok
	if cg_ctrl_v2 cpu; then
		[ "$(cg_read cpu - cpu.max)" = "max 50000" ]
	else
		[ "$(cg_read cpu cpu.cfs_quota_us -)" = -1 ]
		[ "$(cg_read cpu cpu.cfs_period_us -)" = 50000 ]
	fi
}

@test "zero: cpu burst and idle 0 (the kernel's defaults) need no such file" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"burst": 0, "idle": 0}'
	create_ok
	if cg_probe cpu cpu.idle cpu.idle; then
		[ "$(cg_read cpu cpu.idle cpu.idle)" = 0 ]
	fi
}

@test "zero: blockIO weight, leafWeight and a device's weights 0 are not set" {
	set_cfg '.linux.resources.blockIO = {"weight": 0, "leafWeight": 0,
		"weightDevice": [{"major": 8, "minor": 0, "weight": 0, "leafWeight": 0}]}'
	create_ok
	hrun start "$CID"
	[ "$status" -eq 0 ]
}

@test "zero: network classID 0 is not set (no net_cls hierarchy needed)" {
	set_cfg '.linux.resources.network = {"classID": 0}'
	create_ok
}

@test "zero: pids limit 0 is not set" {
	need_ctrl pids
	set_cfg '.linux.resources.pids = {"limit": 0}'
	create_ok
	[ "$(cg_read pids pids.max pids.max)" = max ]
}

@test "zero: Docker's linux.resources for a container without limits" {
	need_ctrl memory
	need_ctrl cpu
	need_ctrl pids
	# what Docker 20.10 writes for `docker run` without resource flags
	set_cfg '.linux.resources += {"memory": {"disableOOMKiller": false}, "cpu": {"shares": 0}, "blockIO": {"weight": 0}}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	set_sh 'sleep 100'
	create_ok
	got="$(cg_defaults)"
	echo "$got"
	if cg_ctrl_v2 cpu; then
		cpu="cpu=max 100000 weight=100"
	else
		cpu="cpu=-1 100000 shares=1024"
	fi
	[ "$got" = "mem=max
$cpu
pids=max" ]
}
