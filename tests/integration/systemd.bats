#!/usr/bin/env bats
# --systemd-cgroup: the container's cgroup is a transient scope made by systemd.
# Where systemd is not PID 1 (this machine) only the refusal can be tested;
# `VM_INIT=systemd tests/vm/run.sh bats tests/integration/systemd.bats` boots
# a guest with systemd as PID 1 and runs the rest.

load helpers

systemd_pid1() { [ -d /run/systemd/system ]; }

hull_sd() { "$HULL" --root "$HULL_ROOT" --systemd-cgroup "$@"; }

@test "systemd: a clear error where systemd is not PID 1, and nothing left behind" {
	systemd_pid1 && skip "systemd is PID 1 here"
	set_args true
	run hull_sd run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--systemd-cgroup"*"not PID 1"* ]]
	assert_nothing_left
}

@test "systemd: a bad slice:prefix:name is refused with the field named" {
	systemd_pid1 || skip "systemd is not PID 1"
	set_cfg '.linux.cgroupsPath = "/not/systemd"'
	run hull_sd run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.cgroupsPath"*"slice:prefix:name"* ]]
	assert_nothing_left
}

@test "systemd: the container runs in a delegated transient scope with its limits; delete stops it" {
	systemd_pid1 || skip "systemd is not PID 1"
	set_cfg '.linux.cgroupsPath = "system.slice:hull:" + $id | .linux.resources.memory.limit = 33554432 | .linux.resources.pids.limit = 20' --arg id "$CID"
	set_args sleep 100
	run hull_sd run -d -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(hull state "$CID" | jq -r .pid)
	grep -qx "0::/system.slice/hull-$CID.scope" "/proc/$pid/cgroup"
	dir="/sys/fs/cgroup/system.slice/hull-$CID.scope"
	[ "$(cat "$dir/memory.max")" = 33554432 ]
	[ "$(cat "$dir/pids.max")" = 20 ]
	[ "$(systemctl show -p ActiveState --value "hull-$CID.scope")" = active ]
	[ "$(systemctl show -p Delegate --value "hull-$CID.scope")" = yes ]
	run hull delete -f "$CID"
	[ "$status" -eq 0 ]
	[ ! -d "$dir" ]
	[ "$(systemctl show -p ActiveState --value "hull-$CID.scope")" != active ]
	assert_nothing_left
}
