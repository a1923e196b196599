#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull events: statistics (--stats once, or every --interval) and OOM events.

load helpers

teardown() { cg_teardown; }

# the container's memory settings: LIMIT bytes and, where the host accounts
# swap, no swap on top (so a hog cannot escape the OOM killer into swap)
set_memory_limit() {
	if cg_probe memory memory.memsw.limit_in_bytes memory.swap.max; then
		set_cfg '.linux.resources.memory = {"limit": $l, "swap": $l}' --argjson l "$1"
	else
		set_cfg '.linux.resources.memory = {"limit": $l}' --argjson l "$1"
	fi
}

# jq_ok FILTER [jq args]: $output satisfies the jq FILTER
jq_ok() {
	if ! jq -e "$@" <<<"$output" >/dev/null; then
		echo "not true of the output: $*" >&2
		return 1
	fi
}

# has_lines N FILE: FILE has at least N complete lines
has_lines() { [ "$(wc -l <"$2")" -ge "$1" ]; }

@test "events --stats prints one stats object and exits" {
	need_ctrl memory
	need_ctrl pids
	set_memory_limit 67108864
	set_cfg '.linux.resources.pids = {"limit": 30}'
	# some cpu time first
	set_sh 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; touch /tmp/ready; exec sleep 1000'
	run_ct_detached
	retry 600 0.05 test -e "$ROOTFS/tmp/ready"

	hrun_t 30 events --stats "$CID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	jq_ok --arg id "$CID" '.type == "stats" and .id == $id'
	jq_ok '.data.cpu.usage.total | type == "number" and . > 0'
	jq_ok '.data.memory.usage.usage | type == "number" and . > 0'
	jq_ok '.data.memory.usage.limit == 67108864'
	jq_ok '.data.pids.current | type == "number" and . >= 1'
	jq_ok '.data.pids.limit == 30'
	jq_ok '.data.blkio | type == "object"'
	jq_ok '.data.hugetlb | type == "object"'
	if cg_has_ctrl hugetlb && [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
		jq_ok '.data.hugetlb | has("2MB")'
	fi
}

@test "events --stats without any limit set: processes and memory are counted" {
	need_ctrl pids
	need_ctrl memory
	set_sh 'sleep 1000 & sleep 1000 & touch /tmp/ready; wait'
	run_ct_detached
	retry 300 0.05 test -e "$ROOTFS/tmp/ready"
	hrun_t 30 events --stats "$CID"
	[ "$status" -eq 0 ]
	jq_ok '.data.pids.current == 3'
	jq_ok '.data.memory.usage.usage | type == "number" and . > 0'
	jq_ok '.data.cpu.usage.total | type == "number" and . > 0'
}

@test "events --interval prints stats lines repeatedly" {
	set_sh 'exec sleep 1000'
	run_ct_detached
	hull_bg "$HULL_TEST_DIR/events.out" events --interval 1s "$CID"
	retry 400 0.05 has_lines 2 "$HULL_TEST_DIR/events.out"
	# still going
	pid_alive "$HULL_BG_PID"
	kill "$HULL_BG_PID"
	wait "$HULL_BG_PID" || true
	cat "$HULL_TEST_DIR/events.out"
	head -n 2 "$HULL_TEST_DIR/events.out" | jq -se --arg id "$CID" \
		'length == 2 and all(.[]; .type == "stats" and .id == $id and (.data | type == "object"))'
}

@test "events reports an OOM kill in the container" {
	need_ctrl memory
	set_memory_limit 33554432
	set_sh 'exec sleep 1000'
	run_ct_detached
	out="$HULL_TEST_DIR/events.out"
	hull_bg "$out" events --interval 60s "$CID"
	# events may need a moment to watch the cgroup: a hog a try, a few tries
	for try in 1 2 3 4 5; do
		hull exec -d "$CID" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a)'
		retry 60 0.05 grep -q '"oom"' "$out" && break
	done
	cat "$out"
	grep '"oom"' "$out" | head -n 1 | jq -e --arg id "$CID" '.type == "oom" and .id == $id'
	# the container's init is untouched
	[ "$(ct_status)" = running ]
}

@test "events of an unknown container fails" {
	hrun_t 30 events --stats "nosuch-$CID"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	assert_one_line_error "nosuch-$CID"
	hrun_t 30 events "nosuch-$CID"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	assert_one_line_error "nosuch-$CID"
}

@test "events exits when the container stops" {
	set_sh 'while [ ! -e /tmp/stop ]; do sleep 0.05; done'
	run_ct_detached
	hull_bg "$HULL_TEST_DIR/events.out" events --interval 1s "$CID"
	events_pid="$HULL_BG_PID"
	retry 400 0.05 test -s "$HULL_TEST_DIR/events.out"
	pid_alive "$events_pid"
	touch "$ROOTFS/tmp/stop"
	wait_status_long "$CID" stopped
	# within a few seconds (bounded generously for slow machines)
	retry 400 0.05 pid_dead "$events_pid"
}
