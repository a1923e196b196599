#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull update: changing the resource limits of a running container.

load helpers

teardown() { cg_teardown; }

# a running container whose init just sleeps
start_sleeper() {
	set_sh 'touch /tmp/ready; exec sleep 1000'
	run_ct_detached
	retry 300 0.05 test -e "$ROOTFS/tmp/ready"
}

memory_limit() { mem_bytes "$(cg_read memory memory.limit_in_bytes memory.max)"; }

# cpu_max: the quota and period as "QUOTA PERIOD" (v2's cpu.max; v1's -1 is max)
cpu_max() {
	if cg_ctrl_v2 cpu; then
		cg_read cpu - cpu.max
	else
		local q
		q="$(cg_read cpu cpu.cfs_quota_us -)"
		[ "$q" = -1 ] && q=max
		echo "$q $(cg_read cpu cpu.cfs_period_us -)"
	fi
}

@test "update --memory and --memory-reservation, with k/m/g suffixes and -1" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"limit": 268435456}'
	start_sleeper
	[ "$(memory_limit)" = 268435456 ]

	hrun update --memory 64m --memory-reservation 32768k "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 67108864 ]
	[ "$(cg_read memory memory.soft_limit_in_bytes memory.low)" = 33554432 ]

	hrun update --memory 1g "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 1073741824 ]
	# the reservation was not touched
	[ "$(cg_read memory memory.soft_limit_in_bytes memory.low)" = 33554432 ]

	hrun update --memory -1 "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = max ]

	hrun update --memory 100663296 "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 100663296 ]
}

@test "update --memory-swap" {
	need_cg_file memory memory.memsw.limit_in_bytes memory.swap.max
	start_sleeper
	hrun update --memory 64m --memory-swap 128m "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 67108864 ]
	if cg_ctrl_v2 memory; then
		[ "$(cg_read memory - memory.swap.max)" = 67108864 ]
	else
		[ "$(cg_read memory memory.memsw.limit_in_bytes -)" = 134217728 ]
	fi
	# lowering both at once: the order of the writes is the runtime's problem
	hrun update --memory 32m --memory-swap 48m "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 33554432 ]
	if cg_ctrl_v2 memory; then
		[ "$(cg_read memory - memory.swap.max)" = 16777216 ]
	else
		[ "$(cg_read memory memory.memsw.limit_in_bytes -)" = 50331648 ]
	fi
}

@test "update --cpu-shares (v2: cpu.weight converted)" {
	need_ctrl cpu
	set_cfg '.linux.resources.cpu = {"shares": 1024}'
	start_sleeper
	for shares in 512 2 262144 1024; do
		hrun update --cpu-shares "$shares" "$CID"
		[ "$status" -eq 0 ]
		got="$(cg_read cpu cpu.shares cpu.weight)"
		echo "shares $shares -> $got"
		if cg_ctrl_v2 cpu; then
			[ "$got" = "$(cg_weight_of_shares "$shares")" ]
		else
			[ "$got" = "$shares" ]
		fi
	done
}

@test "update --cpu-quota and --cpu-period, -1 removes the quota" {
	need_ctrl cpu
	start_sleeper
	hrun update --cpu-quota 20000 --cpu-period 100000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cpu_max)" = "20000 100000" ]
	hrun update --cpu-period 50000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cpu_max)" = "20000 50000" ]
	hrun update --cpu-quota 30000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cpu_max)" = "30000 50000" ]
	hrun update --cpu-quota -1 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cpu_max)" = "max 50000" ]
}

@test "update --cpu-burst" {
	need_cg_file cpu cpu.cfs_burst_us cpu.max.burst
	set_cfg '.linux.resources.cpu = {"quota": 50000, "period": 100000}'
	start_sleeper
	hrun update --cpu-burst 10000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_read cpu cpu.cfs_burst_us cpu.max.burst)" = 10000 ]
	[ "$(cpu_max)" = "50000 100000" ]
}

@test "update --cpu-idle" {
	need_cg_file cpu cpu.idle cpu.idle
	start_sleeper
	hrun update --cpu-idle 1 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_read cpu cpu.idle cpu.idle)" = 1 ]
	hrun update --cpu-idle 0 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_read cpu cpu.idle cpu.idle)" = 0 ]
}

@test "update --cpuset-cpus and --cpuset-mems" {
	need_ctrl cpuset
	last="$(tr ',-' '\n\n' </sys/devices/system/cpu/online | tail -n 1)"
	start_sleeper
	hrun update --cpuset-cpus "$last" --cpuset-mems 0 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_read cpuset cpuset.cpus cpuset.cpus)" = "$last" ]
	[ "$(cg_read cpuset cpuset.mems cpuset.mems)" = 0 ]
	# the container's init is moved along
	grep -qx "Cpus_allowed_list:[[:space:]]*$last" "/proc/$(ct_pid)/status"
}

@test "update --cpu-rt-period and --cpu-rt-runtime (v1; refused on v2)" {
	need_ctrl cpu
	if ! cg_ctrl_v2 cpu; then
		cg_probe cpu cpu.rt_runtime_us - || skip "no cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED off)"
		# right below the hierarchy's root, which has real-time time to give
		set_cfg '.linux.cgroupsPath = $p' --arg p "/$CID-rt"
	fi
	start_sleeper
	hrun update --cpu-rt-period 100000 --cpu-rt-runtime 5000 "$CID"
	if cg_ctrl_v2 cpu; then
		[ "$status" -ne 0 ]
		assert_one_line_error
		[[ "$stderr" =~ [Rr]ealtime|rt-|rt_ ]]
		return
	fi
	[ "$status" -eq 0 ]
	[ "$(cg_read cpu cpu.rt_period_us -)" = 100000 ]
	[ "$(cg_read cpu cpu.rt_runtime_us -)" = 5000 ]
}

@test "update ID --pids-limit N: options after the container ID (as runc)" {
	need_ctrl pids
	set_cfg '.linux.resources.pids = {"limit": 100}'
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	hrun update "$CID" --pids-limit 42
	[ "$status" -eq 0 ]
	[ "$(cg_read pids pids.max pids.max)" = 42 ]
	hrun update --pids-limit 43 "$CID" --pids-limit=44
	[ "$status" -eq 0 ]
	[ "$(cg_read pids pids.max pids.max)" = 44 ]
}

@test "update --pids-limit: the file, and forks stop at the new limit" {
	need_ctrl pids
	set_cfg '.linux.resources.pids = {"limit": 100}'
	# on /tmp/go: 50 background sleeps from a subshell (a failed fork ends
	# it), then init waits without forking
	set_sh 'touch /tmp/ready; while [ ! -e /tmp/go ]; do sleep 0.05; done
		(i=0; while [ $i -lt 50 ]; do sleep 100 & i=$((i+1)); done) 2>/tmp/err
		echo done >/tmp/done; exec sleep 100'
	run_ct_detached
	retry 300 0.05 test -e "$ROOTFS/tmp/ready"
	[ "$(cg_read pids pids.max pids.max)" = 100 ]
	hrun update --pids-limit -1 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_read pids pids.max pids.max)" = max ]
	hrun update --pids-limit 6 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cg_read pids pids.max pids.max)" = 6 ]

	touch "$ROOTFS/tmp/go"
	retry 300 0.05 test -s "$ROOTFS/tmp/done"
	cat "$ROOTFS/tmp/err"
	grep -Eqi "fork|resource temporarily unavailable" "$ROOTFS/tmp/err"
	d="$(cg_dir pids)"
	echo "pids.current: $(cat "$d/pids.current")"
	[ "$(wc -l <"$d/cgroup.procs")" -le 6 ]
	[ "$(wc -l <"$d/cgroup.procs")" -ge 2 ]
}

@test "update --blkio-weight" {
	if cg_ctrl_v2 io; then c=io; else c=blkio; fi
	need_ctrl "$c"
	if cg_probe "$c" blkio.bfq.weight io.bfq.weight; then
		file="$(cg_name "$c" blkio.bfq.weight io.bfq.weight)"
		want=700
	elif cg_probe "$c" blkio.weight io.weight; then
		file="$(cg_name "$c" blkio.weight io.weight)"
		want=700
		[ "$c" = io ] && want=$((1 + (700 - 10) * 9999 / 990))
	else
		skip "no blkio/io weight file on this host"
	fi
	start_sleeper
	hrun update --blkio-weight 700 "$CID"
	[ "$status" -eq 0 ]
	f="$(cg_dir "$c")/$file"
	cat "$f"
	[ "$(awk '$1 == "default" {print $2; exit} NF == 1 {print $1; exit}' "$f")" = "$want" ]
}

@test "update --resources - reads linux.resources JSON from stdin" {
	need_ctrl memory
	need_ctrl pids
	need_ctrl cpu
	start_sleeper
	echo '{"memory": {"limit": 50331648}, "cpu": {"shares": 256}, "pids": {"limit": 33}}' |
		hull update --resources - "$CID"
	[ "$(memory_limit)" = 50331648 ]
	[ "$(cg_read pids pids.max pids.max)" = 33 ]
	want=256
	cg_ctrl_v2 cpu && want="$(cg_weight_of_shares 256)"
	[ "$(cg_read cpu cpu.shares cpu.weight)" = "$want" ]
}

@test "update --resources FILE" {
	need_ctrl memory
	need_ctrl pids
	start_sleeper
	cat >"$HULL_TEST_DIR/res.json" <<-'EOF'
	{
		"memory": { "limit": 41943040, "reservation": 20971520 },
		"pids": { "limit": 44 }
	}
	EOF
	hrun update --resources "$HULL_TEST_DIR/res.json" "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 41943040 ]
	[ "$(cg_read memory memory.soft_limit_in_bytes memory.low)" = 20971520 ]
	[ "$(cg_read pids pids.max pids.max)" = 44 ]
}

@test "update: bad values fail with a clear error and change nothing" {
	need_ctrl memory
	need_ctrl pids
	need_ctrl cpu
	set_cfg '.linux.resources = (.linux.resources + {
		"memory": {"limit": 67108864},
		"pids": {"limit": 30},
		"cpu": {"quota": 50000, "period": 100000}})'
	start_sleeper
	snapshot() { echo "$(memory_limit) $(cg_read pids pids.max pids.max) $(cpu_max)"; }
	unchanged() {
		local now
		now="$(snapshot)"
		echo "limits now: $now (before: $before)"
		[ "$now" = "$before" ]
	}
	before="$(snapshot)"
	[ "$before" = "67108864 30 50000 100000" ]

	# not a number
	hrun update --pids-limit 20 --memory 12x "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 12x
	unchanged

	hrun update --cpu-shares lots "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error lots
	unchanged

	# a quota the kernel refuses (below 1ms)
	hrun update --cpu-quota 1 --cpu-period 1000 "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error quota
	unchanged

	# a JSON field of the wrong type, and a document that is not JSON
	echo '{"pids": {"limit": 20}, "memory": {"limit": "lots"}}' >"$HULL_TEST_DIR/bad.json"
	hrun update --resources "$HULL_TEST_DIR/bad.json" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error memory
	unchanged

	echo '{"pids": {"limit": 20' >"$HULL_TEST_DIR/bad.json"
	hrun update --resources "$HULL_TEST_DIR/bad.json" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	unchanged

	[ "$(ct_status)" = running ]
}

@test "update of a stopped or an unknown container fails" {
	need_ctrl pids
	set_sh 'exit 0'
	run_ct_detached
	wait_status_long "$CID" stopped
	hrun update --pids-limit 20 "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error

	hrun update --pids-limit 20 "nosuch-$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "nosuch-$CID"
}

@test "update: memory.checkBeforeUpdate refuses a limit below the current usage" {
	need_ctrl memory
	set_cfg '.linux.resources.memory = {"limit": 268435456, "checkBeforeUpdate": true}'
	# about 20 MB held by the shell (exec would drop it)
	set_sh 'x=$(head -c 20000000 /dev/zero | tr "\0" a); echo "${#x}" >/tmp/ready
		while :; do sleep 1; done'
	run_ct_detached
	retry 300 0.05 test -s "$ROOTFS/tmp/ready"
	pid="$(ct_pid)"
	hrun update --memory 4m "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error usage
	[ "$(memory_limit)" = 268435456 ]
	pid_alive "$pid"

	# above the usage it is fine
	hrun update --memory 200m "$CID"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = 209715200 ]
	[ "$(ct_status)" = running ]
}

# ------------------------------------------------------------------- zeros
# A zero means what it means to runc 1.1: not set, so the value stays.

# the limits of the running container as one line
limits() {
	local shares
	shares="$(cg_read cpu cpu.shares cpu.weight)"
	echo "$(memory_limit) $(mem_bytes "$(cg_read memory memory.soft_limit_in_bytes memory.low)") $(cg_read pids pids.max pids.max) $(cpu_max) $shares"
}

start_limited() {
	need_ctrl memory
	need_ctrl pids
	need_ctrl cpu
	set_cfg '.linux.resources += {
		"memory": {"limit": 67108864, "reservation": 33554432},
		"pids": {"limit": 30},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
	start_sleeper
	before="$(limits)"
	echo "before: $before"
}

@test "update: Docker's update (cpu shares, quota and period 0) changes only the memory" {
	start_limited
	# what Docker 20.10 sends for `docker update --memory 256m`
	echo '{"memory": {"limit": 268435456, "reservation": 0, "swap": 0, "kernel": 0},
		"cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}}' >"$HULL_TEST_DIR/res.json"
	hrun update --resources "$HULL_TEST_DIR/res.json" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(limits)" = "268435456 ${before#* }" ]
	# and for `docker update --cpus 0.25`: the memory limit 0
	echo '{"memory": {"limit": 0, "reservation": 0, "kernel": 0}, "cpu": {"shares": 0, "quota": 25000, "period": 100000},
		"blockIO": {"weight": 0}}' | hull update --resources - "$CID"
	[ "$(cpu_max)" = "25000 100000" ]
	[ "$(memory_limit)" = 268435456 ]
}

@test "update: every zero in --resources leaves the value as it is" {
	start_limited
	echo '{"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0, "disableOOMKiller": false},
		"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": ""},
		"pids": {"limit": 0}, "blockIO": {"weight": 0, "leafWeight": 0}, "network": {"classID": 0}}' \
		>"$HULL_TEST_DIR/res.json"
	hrun update --resources "$HULL_TEST_DIR/res.json" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(limits)" = "$before" ]
	# one at a time
	for res in '{"cpu": {"quota": 0}}' '{"cpu": {"period": 0}}' '{"pids": {"limit": 0}}' \
		'{"memory": {"limit": 0}}' '{"memory": {"reservation": 0}}'; do
		echo "$res" | hull update --resources - "$CID"
		echo "$res: $(limits)"
		[ "$(limits)" = "$before" ]
	done
}

@test "update: zero options leave the values as they are (runc's flags)" {
	start_limited
	hrun update --memory 0 --memory-reservation 0 --memory-swap 0 --cpu-shares 0 --cpu-quota 0 --cpu-period 0 \
		--cpu-rt-period 0 --cpu-rt-runtime 0 --pids-limit 0 --blkio-weight 0 "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(limits)" = "$before" ]
	hrun update --cpu-quota 0 --cpu-period 20000 "$CID"
	[ "$status" -eq 0 ]
	[ "$(cpu_max)" = "50000 20000" ]
}

@test "update: --memory -1 without --memory-swap lifts memory+swap too" {
	need_cg_file memory memory.memsw.limit_in_bytes memory.swap.max
	set_cfg '.linux.resources.memory = {"limit": 67108864, "swap": 134217728}'
	start_sleeper
	hrun update --memory -1 "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(memory_limit)" = max ]
	if cg_ctrl_v2 memory; then
		[ "$(cg_read memory - memory.swap.max)" = max ]
	else
		[ "$(mem_bytes "$(cg_read memory memory.memsw.limit_in_bytes -)")" = max ]
	fi
}
