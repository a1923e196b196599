#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull pause / resume: freezing every process of a container.

load helpers

# (a test that froze a parent cgroup thaws it first, even when it failed:
# nothing below it could die otherwise)
teardown() {
	[ -z "${FROZEN_PARENT:-}" ] || cg_thaw_dir "$FROZEN_PARENT"
	cg_teardown
}

# init and a child each bump a counter file (replaced atomically) every 50ms
counting_container() {
	set_sh 'count() { i=0; while :; do i=$((i+1)); echo $i >/tmp/$1.new; mv /tmp/$1.new /tmp/$1; sleep 0.05; done; }
		count child &
		count init'
	run_ct_detached
	retry 300 0.05 test -s "$ROOTFS/tmp/init"
	retry 300 0.05 test -s "$ROOTFS/tmp/child"
}

counter() { cat "$ROOTFS/tmp/$1"; }

# advances NAME FROM: the counter NAME goes beyond FROM (bounded wait)
counter_above() { [ "$(counter "$1")" -gt "$2" ]; }
advances() { retry 300 0.05 counter_above "$1" "$2"; }

# all_dead PID...: none of the processes is alive
all_dead() {
	local p
	for p in "$@"; do
		pid_alive "$p" && return 1
	done
	return 0
}

# container_pids: the host pids of the container's processes
container_pids() { hull ps --format json "$CID" | jq -r '.[]'; }

@test "pause freezes every process, resume thaws them" {
	counting_container
	advances init 2
	advances child 2

	hrun pause "$CID"
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = paused ]
	retry 200 0.05 cg_frozen
	pids="$(container_pids)"
	echo "pids: $pids"
	[ "$(wc -w <<<"$pids")" -ge 2 ]
	i1="$(counter init)"
	c1="$(counter child)"
	sleep 0.5
	[ "$(counter init)" = "$i1" ]
	[ "$(counter child)" = "$c1" ]
	[ "$(ct_status)" = paused ]
	# list reads only part of each state, and the rest where it must
	[ "$(hull list --format json | jq -r --arg id "$CID" '.[] | select(.id == $id) | .status')" = paused ]
	hull list | grep -E "^$CID +[0-9]+ +paused "
	for p in $pids; do pid_alive "$p"; done

	hrun resume "$CID"
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = running ]
	[ "$(hull list --format json | jq -r --arg id "$CID" '.[] | select(.id == $id) | .status')" = running ]
	cg_thawed
	advances init "$i1"
	advances child "$c1"
}

@test "pause and resume are refused where they make no sense" {
	set_sh 'touch /tmp/ready; exec sleep 1000'
	create_ct
	# created: not paused, not running
	hrun pause "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	[ "$(ct_status)" = created ]
	hrun resume "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error

	hull start "$CID"
	retry 300 0.05 test -e "$ROOTFS/tmp/ready"
	# running: resume is refused
	hrun resume "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	[ "$(ct_status)" = running ]
	cg_thawed

	hull kill "$CID" KILL
	wait_status_long "$CID" stopped
	hrun pause "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	[ "$(ct_status)" = stopped ]
	hrun resume "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error

	hrun pause "nosuch-$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "nosuch-$CID"
}

@test "exec into a paused container fails without --ignore-paused" {
	counting_container
	hull pause "$CID"
	[ "$(ct_status)" = paused ]
	hrun_t 30 exec "$CID" echo hello
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	assert_one_line_error paused
	[ "$(ct_status)" = paused ]
	hull resume "$CID"
	hrun_t 30 exec "$CID" echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
}

@test "delete --force of a paused container leaves nothing" {
	counting_container
	dirs="$(cg_all_dirs)"
	[ -n "$dirs" ]
	hull pause "$CID"
	[ "$(ct_status)" = paused ]
	pids="$(container_pids)"
	hrun_t 30 delete --force "$CID"
	[ "$status" -eq 0 ]
	retry 200 0.05 all_dead $pids
	for d in $dirs; do [ ! -e "$d" ]; done
	assert_nothing_left
}

@test "kill KILL of a paused container: its processes die though frozen" {
	counting_container
	hull pause "$CID"
	retry 200 0.05 cg_frozen
	pids="$(container_pids)"
	hrun_t 30 kill "$CID" KILL
	[ "$status" -eq 0 ]
	retry 200 0.05 all_dead $pids
	wait_status_long "$CID" stopped
	hrun_t 30 delete "$CID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "kill --all KILL of a paused container (no pid namespace)" {
	del_ns pid
	counting_container
	hull pause "$CID"
	retry 200 0.05 cg_frozen
	pids="$(container_pids)"
	[ "$(wc -w <<<"$pids")" -ge 2 ]
	hrun_t 30 kill --all "$CID" KILL
	[ "$status" -eq 0 ]
	retry 200 0.05 all_dead $pids
	wait_status_long "$CID" stopped
	hrun_t 30 delete "$CID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "create in a cgroup whose parent is frozen is refused at once, not left hanging" {
	# the parent, below this test's own cgroup, frozen before hull runs
	local par="hull-frz-$CID" d
	if cg_v2_only; then
		d="$(cg_v2_root)$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)/$par"
		mkdir "$d"
		CG_CLEANUP+=("$d")
		FROZEN_PARENT="$d"
		echo 1 >"$d/cgroup.freeze"
	else
		need_ctrl freezer
		d="$(cg_v1_mount freezer)$(awk -F: '$2 ~ /(^|,)freezer(,|$)/ {print $3}' /proc/self/cgroup)/$par"
		mkdir "$d"
		CG_CLEANUP+=("$d")
		FROZEN_PARENT="$d"
		echo FROZEN >"$d/freezer.state"
	fi
	set_cfg '.linux.cgroupsPath = $p' --arg p "$par/$CID"
	hrun_t 20 run -d -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	assert_one_line_error "is frozen"
	cg_thaw_dir "$d"
	assert_nothing_left
	[ -z "$(ls -d "$d"/*/ 2>/dev/null)" ]
}
