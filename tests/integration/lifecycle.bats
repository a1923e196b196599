#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# create / start / state / kill / delete / run: the container life cycle.

load helpers

RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

@test "create: state created, pid file written, init alive, program not started" {
	set_sh 'touch /tmp/started; sleep 100'
	create_ct "$CID" --pid-file "$HULL_TEST_DIR/pid"

	run hull state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	pid="$(jq -r .pid <<<"$output")"
	[ "$pid" -gt 0 ]

	[ -s "$HULL_TEST_DIR/pid" ]
	[ "$(tr -d '[:space:]' <"$HULL_TEST_DIR/pid")" = "$pid" ]
	pid_alive "$pid"

	# the user program has not run yet
	sleep 0.2
	[ ! -e "$ROOTFS/tmp/started" ]
	[ "$(ct_status)" = created ]
}

@test "start: created -> running, the program runs" {
	set_sh 'touch /tmp/started; sleep 100'
	create_ct
	[ ! -e "$ROOTFS/tmp/started" ]
	pid="$(ct_pid)"

	run hull start "$CID"
	[ "$status" -eq 0 ]
	retry 100 0.05 test -e "$ROOTFS/tmp/started"
	[ "$(ct_status)" = running ]
	# the pid does not change across start
	[ "$(ct_pid)" = "$pid" ]
	pid_alive "$pid"
}

@test "start: the process is exec'd as the container pid" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	pid="$(ct_pid)"
	retry 100 0.05 grep -qx 'sleep' "/proc/$pid/comm"
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]
}

@test "state: JSON has ociVersion, id, status, pid, bundle, rootfs, created, annotations" {
	set_cfg '.annotations = {"org.example.key": "value-1", "other": "x y"}'
	before="$(date -u +%s)"
	# relative bundle path: state must report it absolute
	(cd "$BUNDLE/.." && hull create -b "$(basename "$BUNDLE")" "$CID" >/dev/null 2>&1 </dev/null)
	after="$(date -u +%s)"

	run hull state "$CID"
	[ "$status" -eq 0 ]
	echo "$output"
	jq -e . <<<"$output" >/dev/null
	[[ "$(jq -r .ociVersion <<<"$output")" == 1.* ]]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .pid <<<"$output")" -gt 0 ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$ROOTFS" ]
	created="$(jq -r .created <<<"$output")"
	[[ "$created" =~ $RFC3339 ]]
	t="$(date -u -d "$created" +%s)"
	[ "$t" -ge $((before - 2)) ] && [ "$t" -le $((after + 2)) ]
	[ "$(jq -c .annotations <<<"$output")" = '{"org.example.key":"value-1","other":"x y"}' ]
}

# root.path "rootfs" is taken as it stands below the bundle's real path only
# when it is a directory and no symlink; a symlink is resolved.
@test "state: a root.path that is a symlink is reported as its real path" {
	mv "$ROOTFS" "$BUNDLE/real-rootfs"
	ln -s real-rootfs "$BUNDLE/rootfs"
	create_ct
	run hull state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/real-rootfs" ]
	[ "$(jq -r .status <<<"$output")" = created ]
}

@test "state: without annotations in the config, none in the state (as runc)" {
	set_args sleep 100
	create_ct
	run hull state "$CID"
	[ "$status" -eq 0 ]
	jq -e 'has("annotations") | not' <<<"$output"
	hull delete --force "$CID"
}

@test "state: running and stopped" {
	set_sh 'sleep 0.3'
	run_ct_detached
	run hull state "$CID"
	[ "$status" -eq 0 ]
	st="$(jq -r .status <<<"$output")"
	[ "$st" = running ] || [ "$st" = stopped ]
	wait_status "$CID" stopped
	run hull state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
}

@test "kill: default signal is TERM" {
	set_sh 'trap "echo TERM >/tmp/sig; exit 0" TERM; touch /tmp/ready; while :; do sleep 0.05; done'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	run hull kill "$CID"
	[ "$status" -eq 0 ]
	wait_status "$CID" stopped
	[ "$(cat "$ROOTFS/tmp/sig")" = TERM ]
}

@test "kill: signal by name, SIG-prefixed name and number" {
	set_sh 'trap "echo HUP >>/tmp/sig" HUP; trap "echo USR1 >>/tmp/sig" USR1; trap "echo USR2 >>/tmp/sig" USR2
		touch /tmp/ready; while :; do sleep 0.05; done'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	hull kill "$CID" HUP
	retry 100 0.05 grep -qx HUP "$ROOTFS/tmp/sig"
	hull kill "$CID" SIGUSR1
	retry 100 0.05 grep -qx USR1 "$ROOTFS/tmp/sig"
	hull kill "$CID" 12
	retry 100 0.05 grep -qx USR2 "$ROOTFS/tmp/sig"
	[ "$(ct_status)" = running ]
}

@test "kill ID KILL stops the container" {
	set_args sleep 100
	run_ct_detached
	pid="$(ct_pid)"
	run hull kill "$CID" KILL
	[ "$status" -eq 0 ]
	wait_status "$CID" stopped
	retry 100 0.05 pid_dead "$pid"
}

@test "kill ID SIGKILL stops the container" {
	set_args sleep 100
	run_ct_detached
	pid="$(ct_pid)"
	run hull kill "$CID" SIGKILL
	[ "$status" -eq 0 ]
	wait_status "$CID" stopped
	retry 100 0.05 pid_dead "$pid"
}

@test "kill ID 9 stops the container" {
	set_args sleep 100
	run_ct_detached
	pid="$(ct_pid)"
	run hull kill "$CID" 9
	[ "$status" -eq 0 ]
	wait_status "$CID" stopped
	retry 100 0.05 pid_dead "$pid"
}

@test "kill ID 0 (and --all ID 0) only checks the container is alive" {
	set_sh 'trap "echo TERM >>/tmp/sig" TERM; touch /tmp/ready; while :; do sleep 0.05; done'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	hrun kill "$CID" 0
	[ "$status" -eq 0 ]
	hrun kill --all "$CID" 0
	[ "$status" -eq 0 ]
	hrun kill "$CID" SIG0
	[ "$status" -ne 0 ]
	assert_one_line_error SIG0
	sleep 0.2
	[ ! -e "$ROOTFS/tmp/sig" ]
	[ "$(ct_status)" = running ]
	hull kill "$CID" KILL
	wait_status "$CID" stopped
	hrun kill "$CID" 0
	[ "$status" -ne 0 ]
	assert_one_line_error "$CID"
}

@test "kill a created container" {
	set_sh 'touch /tmp/started; sleep 100'
	create_ct
	pid="$(ct_pid)"
	run hull kill "$CID" KILL
	[ "$status" -eq 0 ]
	wait_status "$CID" stopped
	retry 100 0.05 pid_dead "$pid"
	[ ! -e "$ROOTFS/tmp/started" ]
}

@test "kill --all reaches every process (no pid namespace)" {
	del_ns pid
	set_sh 'sleep 100 & sleep 100 & touch /tmp/ready; wait'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	retry 100 0.05 test "$(marked_pids | wc -l)" -ge 3
	pids="$(marked_pids)"
	echo "container processes: $pids"
	run hull kill --all "$CID" KILL
	[ "$status" -eq 0 ]
	for p in $pids; do
		retry 100 0.05 pid_dead "$p"
	done
	wait_status "$CID" stopped
}

@test "kill -a with the default TERM reaches the children of init" {
	# init (pid 1 in its namespace) handles TERM and survives; its children die.
	set_sh 'trap "echo TERM >>/tmp/sig" TERM
		sleep 100 & echo $! >/tmp/c1; sleep 100 & echo $! >/tmp/c2
		touch /tmp/ready; while :; do sleep 0.05; done'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	init="$(ct_pid)"
	# the children as seen from the host: the sleep 100 processes of the container
	kids=""
	for p in $(marked_pids); do
		[ "$p" = "$init" ] && continue
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 100 " ] && kids="$kids $p"
	done
	echo "children: $kids"
	[ "$(wc -w <<<"$kids")" -eq 2 ]

	run hull kill -a "$CID"
	[ "$status" -eq 0 ]
	for p in $kids; do
		retry 100 0.05 pid_dead "$p"
	done
	retry 100 0.05 grep -qx TERM "$ROOTFS/tmp/sig"
	pid_alive "$init"
	[ "$(ct_status)" = running ]
}

@test "kill of a stopped container fails" {
	set_args true
	run_ct_detached
	wait_status "$CID" stopped
	run hull kill "$CID" KILL
	[ "$status" -ne 0 ]
}

@test "kill --all of a stopped container succeeds (as runc; containerd's shim relies on it)" {
	set_args true
	run_ct_detached
	wait_status "$CID" stopped
	run hull kill --all "$CID" KILL
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = stopped ]
}

@test "the container is stopped after its process exits" {
	set_sh 'exit 0'
	run_ct_detached
	wait_status "$CID" stopped
	run hull state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
}

@test "delete of a running container fails without --force" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	pid="$(ct_pid)"
	run hull delete "$CID"
	[ "$status" -ne 0 ]
	[ "$(ct_status)" = running ]
	pid_alive "$pid"
}

@test "delete --force of a running container kills it and removes everything" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	pid="$(ct_pid)"
	run hull delete --force "$CID"
	[ "$status" -eq 0 ]
	retry 100 0.05 pid_dead "$pid"
	run hull state "$CID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "delete -f of a created container" {
	create_ct
	pid="$(ct_pid)"
	run hull delete -f "$CID"
	[ "$status" -eq 0 ]
	retry 100 0.05 pid_dead "$pid"
	assert_nothing_left
}

@test "delete of a stopped container removes its state dir and cgroups" {
	set_sh 'touch /tmp/ready; sleep 100'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	pid="$(ct_pid)"
	mapfile -t cgs < <(cgroup_dirs "$pid")
	printf 'cgroup: %s\n' "${cgs[@]}"
	[ "${#cgs[@]}" -gt 0 ]
	for d in "${cgs[@]}"; do [ -d "$d" ]; done
	[ -n "$(find "$HULL_ROOT" -name "*$CID*")" ]

	hull kill "$CID" KILL
	wait_status "$CID" stopped
	run hull delete "$CID"
	[ "$status" -eq 0 ]

	[ -z "$(find "$HULL_ROOT" -name "*$CID*")" ]
	mine="$(cgroup_dirs "$BASHPID")"
	own=0
	for d in "${cgs[@]}"; do
		# a cgroup the test itself is in is not the container's own
		grep -qxF "$d" <<<"$mine" && continue
		own=$((own + 1))
		if [ -d "$d" ]; then
			echo "cgroup left behind: $d"
			return 1
		fi
	done
	[ "$own" -gt 0 ]
	run hull state "$CID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "run waits and exits with the program's status" {
	set_sh 'echo out; exit 3'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 3 ]
	[ "$output" = out ]
}

@test "run: exit 0" {
	set_args true
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
}

@test "run: a program killed by a signal gives 128+N" {
	# not pid 1 of a pid namespace, so the program can kill itself
	del_ns pid
	set_sh 'kill -9 $$; echo not reached'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 137 ]
	[[ "$output" != *"not reached"* ]]
}

@test "run: SIGTERM self-kill gives 143" {
	del_ns pid
	set_sh 'kill -TERM $$; sleep 1; echo not reached'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 143 ]
}

@test "run: hull kill KILL of a foreground run gives 137" {
	set_sh 'touch /tmp/ready; sleep 100'
	hull_bg "$HULL_TEST_DIR/run.out" run -b "$BUNDLE" "$CID"
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	hull kill "$CID" KILL
	rc=0
	wait "$HULL_BG_PID" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "run: a delete --force from elsewhere while it waits: 137, no error, nothing left" {
	set_sh 'touch /tmp/ready; sleep 100'
	hull_bg "$HULL_TEST_DIR/run.out" run -b "$BUNDLE" "$CID"
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	run hull delete --force "$CID"
	[ "$status" -eq 0 ]
	rc=0
	wait "$HULL_BG_PID" || rc=$?
	[ "$rc" -eq 137 ]
	# run found its container gone and left it at that.
	[ ! -s "$HULL_TEST_DIR/run.out.err" ]
	assert_nothing_left
}

@test "run removes the container afterwards" {
	set_args true
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	run hull state "$CID"
	[ "$status" -ne 0 ]
	[ -z "$(hull list -q)" ]
	assert_nothing_left
}

@test "run --keep keeps the stopped container" {
	set_sh 'exit 5'
	run hull run --keep -b "$BUNDLE" "$CID"
	[ "$status" -eq 5 ]
	run hull state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
	run hull delete "$CID"
	[ "$status" -eq 0 ]
	assert_nothing_left
}

@test "run --detach returns at once with the container running" {
	set_args sleep 100
	start=$(date +%s%N)
	hrun run --detach -b "$BUNDLE" "$CID"
	end=$(date +%s%N)
	[ "$status" -eq 0 ]
	[ $(((end - start) / 1000000)) -lt 3000 ]
	[ "$(ct_status)" = running ]
	pid_alive "$(ct_pid)"
}

@test "run -d with --pid-file" {
	set_args sleep 100
	hrun run -d --pid-file "$HULL_TEST_DIR/pid" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(tr -d '[:space:]' <"$HULL_TEST_DIR/pid")" = "$(ct_pid)" ]
}

@test "run: bundle defaults to the current directory" {
	set_sh 'echo from-cwd'
	cd "$BUNDLE"
	run hull run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = from-cwd ]
}

@test "run forwards SIGTERM to the container" {
	set_sh 'trap "echo got-TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
	out="$HULL_TEST_DIR/run.out"
	hull_bg "$out" run -b "$BUNDLE" "$CID"
	wait_grep ready "$out"
	kill -TERM "$HULL_BG_PID"
	rc=0
	wait "$HULL_BG_PID" || rc=$?
	cat "$out" "$out.err"
	[ "$rc" -eq 7 ]
	grep -qx got-TERM "$out"
}

@test "run forwards SIGUSR1 and SIGHUP to the container" {
	set_sh 'trap "echo got-USR1" USR1; trap "echo got-HUP; exit 0" HUP; echo ready; while :; do sleep 0.05; done'
	out="$HULL_TEST_DIR/run.out"
	hull_bg "$out" run -b "$BUNDLE" "$CID"
	wait_grep ready "$out"
	kill -USR1 "$HULL_BG_PID"
	wait_grep got-USR1 "$out"
	kill -HUP "$HULL_BG_PID"
	rc=0
	wait "$HULL_BG_PID" || rc=$?
	[ "$rc" -eq 0 ]
	grep -qx got-HUP "$out"
}

@test "unknown ID: state fails with 'container \"ID\" does not exist'" {
	run --separate-stderr hull state nosuch-ct
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'container "nosuch-ct" does not exist'* ]]
}

@test "unknown ID: start fails" {
	run --separate-stderr hull start nosuch-ct
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'container "nosuch-ct" does not exist'* ]]
}

@test "unknown ID: kill fails" {
	run --separate-stderr hull kill nosuch-ct KILL
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'container "nosuch-ct" does not exist'* ]]
}

@test "unknown ID: delete fails" {
	run --separate-stderr hull delete nosuch-ct
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'container "nosuch-ct" does not exist'* ]]
}

@test "duplicate ID on create fails and leaves the first container intact" {
	set_sh 'touch /tmp/started; sleep 100'
	create_ct
	pid="$(ct_pid)"
	state1="$(hull state "$CID")"

	make_bundle "$HULL_TEST_DIR/bundle2"
	set_args sleep 100
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]

	[ "$(hull state "$CID")" = "$state1" ]
	pid_alive "$pid"
	[ "$(hull list -q)" = "$CID" ]
	# and it still starts
	hull start "$CID"
	retry 100 0.05 test -e "$HULL_TEST_DIR/bundle/rootfs/tmp/started"
}

@test "two concurrent creates with the same ID: exactly one succeeds" {
	pids=()
	for i in 1 2 3; do
		HULL_TEST_MARK="$HULL_TEST_DIR" "$HULL" --root "$HULL_ROOT" create -b "$BUNDLE" "$CID" \
			>"$HULL_TEST_DIR/c$i.out" 2>"$HULL_TEST_DIR/c$i.err" </dev/null 3>&- &
		pids+=($!)
	done
	ok=0
	for p in "${pids[@]}"; do
		if wait "$p"; then ok=$((ok + 1)); fi
	done
	cat "$HULL_TEST_DIR"/c*.err
	[ "$ok" -eq 1 ]
	[ "$(hull list -q)" = "$CID" ]
	[ "$(ct_status)" = created ]
	pid_alive "$(ct_pid)"
	hull delete -f "$CID"
	assert_nothing_left
}

# The init outlives a killed create only once create has recorded it.
init_gone_or_recorded() { [ -z "$(marked_pids)" ] || [ "$(ct_status)" = created ]; }

@test "create killed with SIGKILL at any moment: nothing outlives it that delete does not clean up" {
	set_sh 'sleep 100'
	for delay in 0 0.002 0.004 0.006 0.008 0.01 0.012 0.015 0.02 0.03 0.05; do
		hull_bg "$HULL_TEST_DIR/k.out" create -b "$BUNDLE" "$CID"
		sleep "$delay"
		kill -9 "$HULL_BG_PID" 2>/dev/null || true
		wait "$HULL_BG_PID" || true
		retry 40 0.05 init_gone_or_recorded
		hull delete --force "$CID" 2>/dev/null || [ ! -e "$HULL_ROOT/$CID" ]
		assert_nothing_left
	done
}

@test "a recorded pid now held by another process is not the container: stopped, and kill and delete leave it alone" {
	set_args sleep 100
	st="$HULL_ROOT/$CID/state.json"
	# by the pidfs inode recorded at create, and (older kernels) by the start time
	for how in '.pid = $p' '.pid = $p | .hull.pidIno = 0 | .hull.startTime = 1'; do
		create_ct
		sleep 100 &
		other=$!
		jq --argjson p "$other" "$how" "$st" >"$st.new" && mv "$st.new" "$st"
		[ "$(ct_status)" = stopped ]
		[ "$(hull list --format json | jq -r --arg id "$CID" '.[] | select(.id == $id) | .status')" = stopped ]
		hull kill "$CID" KILL || true
		hull delete --force "$CID"
		pid_alive "$other"
		kill "$other"
		wait "$other" || true
		assert_nothing_left
	done
}

@test "a state without pidIno (kernels before 6.9) tells the init by its start time" {
	set_args sleep 100
	create_ct
	st="$HULL_ROOT/$CID/state.json"
	pid="$(ct_pid)"
	start="$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)"
	jq --argjson t "$start" '.hull.pidIno = 0 | .hull.startTime = $t' "$st" >"$st.new" && mv "$st.new" "$st"
	[ "$(ct_status)" = created ]
	hull start "$CID"
	[ "$(ct_status)" = running ]
	hull kill "$CID" KILL
	retry 100 0.05 status_is "$CID" stopped
	hull delete "$CID"
	assert_nothing_left
}

@test "run -d: running from the start, no exec fifo" {
	set_args sleep 100
	hull run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	[ "$(ct_status)" = running ]
	[ ! -e "$HULL_ROOT/$CID/exec.fifo" ]
	# pidfds are pidfs inodes from kernel 6.9 on
	if [ "$(uname -r | awk -F. '{ print ($1 * 100 + $2 >= 609) }')" = 1 ]; then
		[ "$(jq -r .hull.pidIno "$HULL_ROOT/$CID/state.json")" -gt 0 ]
	fi
	hull delete --force "$CID"
	assert_nothing_left
}

@test "start twice fails the second time" {
	set_args sleep 100
	create_ct
	run hull start "$CID"
	[ "$status" -eq 0 ]
	run hull start "$CID"
	[ "$status" -ne 0 ]
	[ "$(ct_status)" = running ]
}

@test "start of a stopped container fails" {
	set_args true
	run_ct_detached
	wait_status "$CID" stopped
	run hull start "$CID"
	[ "$status" -ne 0 ]
	[ "$(ct_status)" = stopped ]
}

@test "several containers side by side" {
	set_args sleep 100
	create_ct "$CID-a"
	create_ct "$CID-b"
	hull start "$CID-a"
	[ "$(ct_status "$CID-a")" = running ]
	[ "$(ct_status "$CID-b")" = created ]
	[ "$(ct_pid "$CID-a")" != "$(ct_pid "$CID-b")" ]
	hull delete -f "$CID-a"
	[ "$(ct_status "$CID-b")" = created ]
	hull delete -f "$CID-b"
	[ -z "$(hull list -q)" ]
}

@test "container IDs with bad characters are refused" {
	for id in "../escape" "a/b" "" ".."; do
		hrun create -b "$BUNDLE" "$id"
		[ "$status" -ne 0 ]
	done
	[ ! -e "$HULL_TEST_DIR/escape" ]
	[ -z "$(hull list -q)" ]
}
