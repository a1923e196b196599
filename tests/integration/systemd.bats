#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --systemd-cgroup: the container's cgroup is a transient scope made by systemd.
# Where systemd is not PID 1 (this machine) only the refusal can be tested;
# `VM_INIT=systemd tests/vm/run.sh bats tests/integration/systemd.bats` boots
# a guest with systemd as PID 1 (pure cgroup v2) and runs the rest.  Every
# value is read back from /sys/fs/cgroup and from systemd itself (systemctl).

load helpers

systemd_pid1() { [ -d /run/systemd/system ]; }
need_systemd() { systemd_pid1 || skip "systemd is not PID 1"; }

hull_sd() { "$HULL" --root "$HULL_ROOT" --systemd-cgroup "$@"; }

# sd_prop UNIT PROPERTY: systemd's value of a unit's property.
sd_prop() { systemctl show -p "$2" --value "$1"; }

unit_inactive() { [ "$(sd_prop "$1" ActiveState)" != active ]; }

# the hull units systemd knows about (loaded in any state), one per line
hull_units() { systemctl list-units --all --plain --no-legend 'hull-*' | awk '{print $1}'; }

# scope_of PID: PID's cgroup (v2) path, e.g. /system.slice/hull-x.scope
scope_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# sd_create [ID]: `hull --systemd-cgroup create` with the test bundle, the
# container's stdio to files; fails the test if create fails.
sd_create() {
	local id="${1:-$CID}"
	HULL_TEST_MARK="$HULL_TEST_DIR" hull_sd create -b "$BUNDLE" "$id" \
		>"$HULL_TEST_DIR/$id.out" 2>"$HULL_TEST_DIR/$id.err" </dev/null 3>&- || {
		echo "create $id failed: $(cat "$HULL_TEST_DIR/$id.err")" >&2
		return 1
	}
}

# run_scope_with_exec: the container run -d in system.slice's hull-ID.scope
# (unit and dir set to it), and a `sleep 100` exec'd into it (epid).
run_scope_with_exec() {
	set_cfg '.linux.cgroupsPath = "system.slice:hull:" + $id' --arg id "$CID"
	hrun --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	unit="hull-$CID.scope"
	dir="/sys/fs/cgroup/system.slice/$unit"
	hrun exec -d --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sleep 100
	[ "$status" -eq 0 ]
	epid=$(cat "$HULL_TEST_DIR/exec.pid")
}

# assert_scope_gone UNIT DIR: neither the unit nor its cgroup is left.
assert_scope_gone() {
	if [ -e "$2" ]; then
		echo "cgroup left: $2" >&2
		return 1
	fi
	if [ "$(sd_prop "$1" LoadState)" = loaded ]; then
		echo "unit left: $1 ($(sd_prop "$1" ActiveState))" >&2
		return 1
	fi
	local left
	left="$(hull_units)"
	if [ -n "$left" ]; then
		echo "hull units left: $left" >&2
		return 1
	fi
}

# Teardown: the common one (deletes what hull knows), then whatever systemd
# still has of this test: thawed, killed and stopped scopes, the test's
# slices.  Tests are written so that it has nothing to do when they pass.
teardown() {
	local u d
	if systemd_pid1 && [ -n "${CID:-}" ]; then
		for d in /sys/fs/cgroup/system.slice/hull-"$CID"*.scope \
			/sys/fs/cgroup/hulltest.slice/hulltest-a.slice/hull-"$CID"*.scope; do
			[ ! -e "$d/cgroup.freeze" ] || echo 0 >"$d/cgroup.freeze" 2>/dev/null || true
		done
	fi
	common_teardown
	if systemd_pid1 && [ -n "${CID:-}" ]; then
		for u in $(hull_units | grep -F -- "$CID"); do
			systemctl kill -s KILL "$u" 2>/dev/null || true
			systemctl stop "$u" 2>/dev/null || true
			systemctl reset-failed "$u" 2>/dev/null || true
		done
		[ ! -d /sys/fs/cgroup/hulltest.slice ] || systemctl stop hulltest-a.slice hulltest.slice 2>/dev/null || true
	fi
}

@test "systemd: a clear error where systemd is not PID 1, and nothing left behind" {
	systemd_pid1 && skip "systemd is PID 1 here"
	set_args true
	run hull_sd run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--systemd-cgroup"*"not PID 1"* ]]
	assert_nothing_left
}

@test "systemd: a bad slice:prefix:name is refused with the field named" {
	need_systemd
	set_cfg '.linux.cgroupsPath = "/not/systemd"'
	hrun --systemd-cgroup run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error linux.cgroupsPath slice:prefix:name
	set_cfg '.linux.cgroupsPath = "notaslice:hull:x"'
	hrun --systemd-cgroup run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error linux.cgroupsPath "not a slice name"
	assert_nothing_left
	[ -z "$(hull_units)" ]
}

@test "systemd: the container runs in a delegated transient scope with its limits; delete stops it" {
	need_systemd
	# no cgroupsPath: system.slice, hull-<id>.scope
	set_cfg '.linux.resources.memory.limit = 33554432 | .linux.resources.pids.limit = 20'
	hrun --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	unit="hull-$CID.scope"
	pid=$(ct_pid)
	[ "$(scope_of "$pid")" = "/system.slice/$unit" ]
	dir="/sys/fs/cgroup/system.slice/$unit"
	[ "$(cat "$dir/cgroup.procs")" = "$pid" ]
	[ "$(cat "$dir/memory.max")" = 33554432 ]
	[ "$(cat "$dir/pids.max")" = 20 ]
	[ "$(sd_prop "$unit" ActiveState)" = active ]
	[ "$(sd_prop "$unit" Delegate)" = yes ]
	[ "$(sd_prop "$unit" Slice)" = system.slice ]
	[ "$(sd_prop "$unit" ControlGroup)" = "/system.slice/$unit" ]
	# systemd knows the limits as its own, so rewriting the cgroup (as it
	# does on daemon-reload) keeps them
	[ "$(sd_prop "$unit" MemoryMax)" = 33554432 ]
	[ "$(sd_prop "$unit" TasksMax)" = 20 ]
	systemctl daemon-reload
	[ "$(cat "$dir/memory.max")" = 33554432 ]
	[ "$(cat "$dir/pids.max")" = 20 ]
	[ "$(jq -r .hull.systemdUnit "$HULL_ROOT/$CID/state.json")" = "$unit" ]
	hrun delete -f "$CID"
	[ "$status" -eq 0 ]
	assert_scope_gone "$unit" "$dir"
	assert_nothing_left
}

@test "systemd: update changes the scope's memory, pids and cpu limits, and systemd keeps them" {
	need_systemd
	# a slice of our own, nested: hulltest-a.slice is /hulltest.slice/hulltest-a.slice
	set_cfg '.linux.cgroupsPath = "hulltest-a.slice:hull:" + $id | .linux.resources.memory.limit = 33554432 | .linux.resources.pids.limit = 20 | .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000}' --arg id "$CID"
	sd_create
	unit="hull-$CID.scope"
	dir="/sys/fs/cgroup/hulltest.slice/hulltest-a.slice/$unit"
	[ "$(scope_of "$(ct_pid)")" = "/hulltest.slice/hulltest-a.slice/$unit" ]
	[ "$(cat "$dir/memory.max")" = 33554432 ]
	[ "$(cat "$dir/cpu.max")" = "50000 100000" ]
	[ "$(cat "$dir/cpu.weight")" = "$(cg_weight_of_shares 512)" ]
	hrun --systemd-cgroup update --memory 67108864 --pids-limit 42 --cpu-quota 25000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$dir/memory.max")" = 67108864 ]
	[ "$(cat "$dir/pids.max")" = 42 ]
	[ "$(cat "$dir/cpu.max")" = "25000 100000" ]
	[ "$(sd_prop "$unit" MemoryMax)" = 67108864 ]
	[ "$(sd_prop "$unit" TasksMax)" = 42 ]
	[ "$(sd_prop "$unit" CPUQuotaPerSecUSec)" = 250ms ]
	[ "$(sd_prop "$unit" CPUWeight)" = "$(cg_weight_of_shares 512)" ]
	# --resources, and a quota systemd can only keep as whole percents of
	# a CPU: rounded up (33333 us per 100 ms is 33.3%, kept as 34%)
	echo '{"memory": {"limit": 50331648}, "pids": {"limit": 7}, "cpu": {"quota": 33333}}' >"$HULL_TEST_DIR/res.json"
	hrun update --resources "$HULL_TEST_DIR/res.json" "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$dir/memory.max")" = 50331648 ]
	[ "$(cat "$dir/pids.max")" = 7 ]
	[ "$(cat "$dir/cpu.max")" = "34000 100000" ]
	systemctl daemon-reload
	[ "$(cat "$dir/memory.max")" = 50331648 ]
	[ "$(cat "$dir/pids.max")" = 7 ]
	[ "$(cat "$dir/cpu.max")" = "34000 100000" ]
	[ "$(cat "$dir/cpu.weight")" = "$(cg_weight_of_shares 512)" ]
	hrun delete -f "$CID"
	[ "$status" -eq 0 ]
	assert_scope_gone "$unit" "$dir"
	assert_nothing_left
}

@test "systemd: pause and resume freeze and thaw the scope" {
	need_systemd
	set_cfg '.linux.cgroupsPath = "system.slice:hull:" + $id' --arg id "$CID"
	set_sh 'while :; do sleep 0.2; done'
	hrun --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	dir="/sys/fs/cgroup/system.slice/hull-$CID.scope"
	hrun pause "$CID"
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = paused ]
	[ "$(cat "$dir/cgroup.freeze")" = 1 ]
	grep -qx 'frozen 1' "$dir/cgroup.events"
	# systemd rewriting the unit's cgroup does not thaw it
	systemctl daemon-reload
	grep -qx 'frozen 1' "$dir/cgroup.events"
	[ "$(ct_status)" = paused ]
	hrun resume "$CID"
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = running ]
	[ "$(cat "$dir/cgroup.freeze")" = 0 ]
	grep -qx 'frozen 0' "$dir/cgroup.events"
	hrun delete -f "$CID"
	[ "$status" -eq 0 ]
	assert_scope_gone "hull-$CID.scope" "$dir"
	assert_nothing_left
}

@test "systemd: exec joins the scope; the device rules hold after daemon-reload" {
	need_systemd
	run_scope_with_exec
	[ "$(scope_of "$epid")" = "/system.slice/$unit" ]
	grep -qx "$epid" "$dir/cgroup.procs"
	[ "$(wc -l <"$dir/cgroup.procs")" = 2 ]
	[ "$(sd_prop "$unit" TasksCurrent)" = 2 ]
	# hull's eBPF device filter: making a node is allowed, opening one the
	# rules do not list is not (8:0 is sda); systemd leaves it in place
	hrun exec --cap CAP_MKNOD "$CID" sh -c 'mknod /dev/sda b 8 0 && head -c 1 /dev/sda'
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"/dev/sda: Operation not permitted"* ]]
	systemctl daemon-reload
	hrun exec "$CID" head -c 1 /dev/sda
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"/dev/sda: Operation not permitted"* ]]
	hrun exec "$CID" sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = 4 ]
	hrun delete -f "$CID"
	[ "$status" -eq 0 ]
	pid_dead "$epid"
	assert_scope_gone "$unit" "$dir"
	assert_nothing_left
}

@test "systemd: kill --all empties the scope, systemd stops it, delete finishes" {
	need_systemd
	run_scope_with_exec
	pid=$(ct_pid)
	hrun kill --all "$CID" KILL
	[ "$status" -eq 0 ]
	retry 200 0.05 pid_dead "$pid"
	retry 200 0.05 pid_dead "$epid"
	wait_status_long "$CID" stopped
	# an empty scope is stopped by systemd itself
	retry 200 0.05 test ! -e "$dir"
	retry 200 0.05 unit_inactive "$unit"
	hrun delete "$CID"
	[ "$status" -eq 0 ]
	assert_scope_gone "$unit" "$dir"
	assert_nothing_left
}

@test "systemd: a create that fails in the container leaves no scope" {
	need_systemd
	set_cfg '.linux.cgroupsPath = "system.slice:hull:" + $id | .process.cwd = "/bin/busybox"' --arg id "$CID"
	hrun --systemd-cgroup create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error process.cwd
	assert_scope_gone "hull-$CID.scope" "/sys/fs/cgroup/system.slice/hull-$CID.scope"
	assert_nothing_left
}
