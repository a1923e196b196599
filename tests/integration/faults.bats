#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A fault pass over the create path: `hull create` (and `hull run -d`) is
# killed with SIGKILL at each step (the state directory, its first record,
# the cgroups, the clone, the init's mounts, the hooks, the last record),
# then `hull delete --force ID` must leave no state directory, no cgroup in
# any hierarchy, no mount, no process; `hull list` must show no broken
# entry, and a new create with the same ID must work.
#
# The faults are real: strace's --inject=SYSCALL:signal=KILL:when=N sends
# SIGKILL to the process making the Nth call of SYSCALL, at the call's entry
# (the call is not made), counted per process.  Without -f only hull itself
# is traced, so only hull can be hit; with -f the init and the hooks are
# traced too, with counts of their own: the init is killed alone at a call
# hull never makes (mount, pivot_root...).  No mock, nothing in hull for it.
# The steps are named by the calls that mark them in a probe: one traced
# create of the same config (see step).  One test kills hull from outside
# instead, at a point it shows on its stderr.
#
# Besides the named steps, the sweeps kill hull (or, in one, the init) at
# every Kth of the calls the probe saw, K such that a sweep makes HULL_FAULT_POINTS kills (4 by
# default, to stay fast on two cores; HULL_FAULT_POINTS=1000 kills at every
# call of hull, for a full pass: a few minutes a sweep).
#
# Each check can fail: with delete --force's cgroup removal broken
# (cgroup_destroy returning 0 at once) every test here fails on "cgroup
# directories left"; with state_remove_dir's removal of the temporaries
# left out, "killed at each step" fails on the state directory (killed
# before the first record was renamed into place); without the hook's
# death signal (runtime/hooks.c), "a hook hull was running dies with it"
# fails on "processes left"; with a configured cgroupsPath's base found
# only as cgroup_create goes (cgroups/cgroups.c, plan_dirs), "cgroupsPath
# whose parents hull makes" fails on "cgroup directories left"; with the
# creator taken by its pid alone (runtime/state.c, status_at), "a killed
# create's pid given to another process" fails: state says creating and
# delete --force kills that process.

load helpers

setup() {
	common_setup
	need_cmd strace
	# hull makes it on its first create otherwise: made here, every traced
	# run makes the same calls
	mkdir -p "$HULL_ROOT"
	FAULTS=0
	# how many kills a sweep makes (HULL_FAULT_POINTS=1000: at every call)
	SWEEP_POINTS="${HULL_FAULT_POINTS:-4}"
	# where the hooks write the state they read
	HOOK_OUT="$HULL_TEST_DIR/hook.out"
}

# fault [-f] SYSCALL:N... -- ARGS...: `hull ARGS...` under strace, with a
# SIGKILL at the Nth call of each SYSCALL (-f: for every traced process
# alike; otherwise for hull only).  Sets status, stderr... as hrun, and
# FAULT_LOG (strace's log).
fault() {
	local follow=() inject=() r
	if [ "$1" = -f ]; then
		follow=(-f)
		shift
	fi
	while [ "$1" != -- ]; do
		r="$1"
		inject+=("--inject=${r%:*}:signal=KILL:when=${r##*:}")
		shift
	done
	shift
	FAULTS=$((FAULTS + 1))
	FAULT_LOG="$HULL_TEST_DIR/strace.$FAULTS"
	local o="$FAULT_LOG.out" e="$FAULT_LOG.err"
	status=0
	HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 2 20 strace -o "$FAULT_LOG" "${follow[@]}" "${inject[@]}" \
		"$HULL" --root "$HULL_ROOT" "$@" >"$o" 2>"$e" </dev/null 3>&- || status=$?
	hrun_record "$o" "$e" "strace ${follow[*]} ${inject[*]} hull $*"
}

# fault_fired: the last fault killed a process (else its call was never
# made: the test would show nothing).
fault_fired() {
	grep -q '+++ killed by SIGKILL +++' "$FAULT_LOG" && return 0
	echo "the fault did not fire; strace's log ends with:" >&2
	tail -n 5 "$FAULT_LOG" >&2
	return 1
}

# after_fault WHAT: `delete --force` (which may say the container does not
# exist when nothing was recorded), then nothing is left, `hull list` works
# and shows nothing, and the same ID can be created (and deleted) again.
after_fault() {
	local what="$1"
	hrun delete --force "$CID"
	if [ "$status" -ne 0 ] && [[ "$stderr" != *"does not exist"* ]]; then
		echo "$what: delete --force failed: $stderr" >&2
		return 1
	fi
	assert_nothing_left || {
		echo "$what: left behind (above)" >&2
		return 1
	}
	hrun list
	if [ "$status" -ne 0 ] || [ -n "$stderr" ] || [ "${#lines[@]}" -ne 1 ]; then
		echo "$what: list after delete --force: status $status, $output $stderr" >&2
		return 1
	fi
	create_ct || {
		echo "$what: a new create with the same ID failed" >&2
		return 1
	}
	# (what that delete leaves is seen by the next check)
	hull delete --force "$CID"
}

# probe ARGS...: hull's calls for `hull ARGS... $CID`, from one run under
# strace (after one untraced run: the first create in a root notes the
# cgroup mounts there), into PROBE_LOG; the container is deleted again.
probe() {
	hull "$@" "$CID" >/dev/null 2>&1 </dev/null
	hull delete --force "$CID"
	PROBE_LOG="$HULL_TEST_DIR/probe.log"
	HULL_TEST_MARK="$HULL_TEST_DIR" strace -o "$PROBE_LOG" \
		"$HULL" --root "$HULL_ROOT" "$@" "$CID" >/dev/null 2>&1 </dev/null 3>&-
	hull delete --force "$CID"
	assert_nothing_left
}

# hull_calls: hull's calls in PROBE_LOG, one "NAME:N" a line (the Nth call
# of NAME) followed by a tab and the line of the log.
hull_calls() {
	awk 'match($0, /^[a-z0-9_]+\(/) { name = substr($0, 1, RLENGTH - 1); n[name]++
		print name ":" n[name] "\t" $0 }' "$PROBE_LOG"
}

# step STEP: "NAME:N" of hull's first call in PROBE_LOG whose line matches
# the ERE STEP; "$ERE": the last call matching; "+ERE", "+$ERE": the call
# right after that one.
step() {
	local ere="$1" after=0 last=0 n s
	if [[ "$ere" == +* ]]; then
		after=1
		ere="${ere#+}"
	fi
	if [[ "$ere" == \$* ]]; then
		last=1
		ere="${ere#\$}"
	fi
	n="$(hull_calls | grep -n -E -- "	$ere" | cut -d: -f1 | if [ "$last" = 1 ]; then tail -n 1; else head -n 1; fi)"
	[ -z "$n" ] || s="$(hull_calls | sed -n "$((n + after))p" | cut -f1)"
	if [ -z "$s" ]; then
		echo "no call of hull matches $1 in $PROBE_LOG" >&2
		return 1
	fi
	echo "$s"
}

# kill_at RULE... -- ARGS...: fault, it fired, after_fault.  A RULE is
# SYSCALL:N, or @STEP for the call `step STEP` names.
kill_at() {
	local rules=() r
	while [ "$1" != -- ]; do
		r="$1"
		if [[ "$r" == @* ]]; then
			r="$(step "${r#@}")" || return 1
		fi
		rules+=("$r")
		shift
	done
	fault "${rules[@]}" "$@"
	if [ -n "${MAY_MISS:-}" ] && [ "$status" -eq 0 ] && ! grep -q '+++ killed by SIGKILL' "$FAULT_LOG"; then
		# (a sweep's count ran past this run's calls: see sweep)
		MISSED=$((MISSED + 1))
	else
		fault_fired || {
			echo "at ${rules[*]}" >&2
			return 1
		}
	fi
	after_fault "killed at ${rules[*]}"
}

# sweep POINTS ARGS...: kill hull at every Kth of its calls (as probed) in
# turn, K such that that makes about POINTS kills, and at its last call
# before its exit; checking after each.
sweep() {
	local points="$1" calls i k n last
	shift
	probe "$@"
	# its exec and its exit are no steps
	mapfile -t calls < <(hull_calls | cut -f1 | grep -v -e '^execve:' -e '^exit_group:')
	n="${#calls[@]}"
	[ "$n" -gt 50 ]
	k=$(((n + points - 1) / points))
	echo "# hull made $n calls: killed at every ${k}th" >&2
	last=$((n - 1))
	# Around a hook, how often hull polls and reads depends on timing: a
	# run may make fewer calls of a kind than the probe did, and then the
	# fault never fires (the create succeeds, and is deleted and checked
	# as well).  Most must fire.
	MAY_MISS=1 MISSED=0
	for ((i = k / 2; i < n; i += k)); do
		kill_at "${calls[i]}" -- "$@" "$CID"
		[ "$i" -ne "$last" ] || last=-1
	done
	[ "$last" -lt 0 ] || kill_at "${calls[last]}" -- "$@" "$CID"
	MAY_MISS=
	echo "# $MISSED of the faults did not fire" >&2
	[ $((MISSED * 3)) -le "$points" ]
}

# init_sweep POINTS ARGS...: as sweep, for the init: its calls learnt from
# one `hull ARGS... $CID` (a create) traced with -f, up to its word that it
# is ready (later ones wait for start), those of kinds hull never makes (-f
# counts each process's calls apart, but a rule is for all: it must not hit
# hull first), then the init killed at every Kth of them in turn.
init_sweep() {
	local points="$1" calls i k n hpid ipid tracer
	shift
	hull "$@" "$CID" >/dev/null 2>&1 </dev/null
	hull delete --force "$CID"
	local log="$HULL_TEST_DIR/probe-f.log"
	# (strace -f ends with the init: once hull has, the container goes)
	HULL_TEST_MARK="$HULL_TEST_DIR" strace -f -o "$log" \
		"$HULL" --root "$HULL_ROOT" "$@" "$CID" >/dev/null 2>&1 </dev/null 3>&- &
	tracer=$!
	HULL_BG_PIDS+=("$tracer")
	wait_status_long "$CID" created
	hull delete --force "$CID"
	wait "$tracer" || true
	assert_nothing_left
	hpid="$(awk 'NR == 1 { print $1 }' "$log")"
	ipid="$(sed -n "s/^$hpid clone3(.*= \([0-9]*\)\$/\1/p; s/^$hpid <... clone3 resumed>.*= \([0-9]*\)\$/\1/p" "$log" | head -n 1)"
	# (strace may word the clone otherwise under load: then the init is the
	# first other process in the log, the only child a plain create has)
	[ -n "$ipid" ] || ipid="$(awk -v h="$hpid" '$1 != h { print $1; exit }' "$log")"
	[ -n "$ipid" ] || { echo "no init in the probe's log: $(grep -m 3 clone "$log")" >&2; return 1; }
	mapfile -t calls < <(awk -v h="$hpid" -v i="$ipid" '
		match($2, /^[a-z0-9_]+\(/) {
			name = substr($2, 1, RLENGTH - 1)
			if ($1 == h) { hull[name] = 1; next }
			if ($1 != i || done) next
			n[name]++
			seq[++len] = name ":" n[name]
			if (name == "sendmsg") done = 1
		}
		END { for (j = 1; j <= len; j++) { split(seq[j], a, ":"); if (!(a[1] in hull)) print seq[j] } }' "$log")
	n="${#calls[@]}"
	[ "$n" -gt 20 ]
	k=$(((n + points - 1) / points))
	echo "# the init made $n calls of kinds hull never makes: killed at every ${k}th" >&2
	for ((i = k / 2; i < n; i += k)); do
		fault -f "${calls[i]}" -- "$@" "$CID"
		fault_fired
		after_fault "the init killed at ${calls[i]}"
	done
}

# ------------------------------------------------------------- configs

# hook_json: a host hook that copies its stdin (the state) to $HOOK_OUT and
# exits; HULL_TEST_MARK in its env, so a hook left running is seen.
hook_json() {
	jq -cn --arg out "$HOOK_OUT" --arg mark "HULL_TEST_MARK=$HULL_TEST_DIR" \
		'{path: "/bin/sh", args: ["sh", "-c", "exec cat >\"$0\"", $out], env: [$mark]}'
}

with_hooks() {
	set_cfg ".hooks.prestart = [$(hook_json)] | .hooks.createRuntime = [$(hook_json)]"
}

with_userns() {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
}

# ------------------------------------------------------ hull killed, create

@test "faults: create killed at each step, then delete --force leaves nothing" {
	probe create -b "$BUNDLE"
	c=(-- create -b "$BUNDLE" "$CID")
	# the state directory made, not locked yet
	kill_at @'+mkdirat\(' "${c[@]}"
	# locked, its first record written but not renamed into place (the
	# temporary file is left in the directory)
	kill_at @'renameat\(' "${c[@]}"
	# the parent cgroup(s) made, not the container's
	kill_at @"mkdir\\(\"[^\"]*/$CID\"" "${c[@]}"
	# all but the last of the container's cgroups made
	kill_at @"\$mkdir\\(\"[^\"]*/$CID\"" "${c[@]}"
	# cgroups and exec fifo made, before the clone
	kill_at @'socketpair\(' "${c[@]}"
	# at the clone, and right after it (the init born, maybe in none of
	# its v1 cgroups yet)
	kill_at @'clone3\(' "${c[@]}"
	kill_at @'+clone3\(' "${c[@]}"
	# the init in its cgroups, not yet told to go on
	kill_at @'sendto\(.*"G"' "${c[@]}"
	# the init told to go on, at its mounts: hull waits for it
	kill_at @'recvmsg\(' "${c[@]}"
	# the init ready, the second record written but not in place
	kill_at @'$renameat\(' "${c[@]}"
	# recorded as created, the init not yet told it may outlive hull
	kill_at @'$sendto\(.*"G"' "${c[@]}"
}

@test "faults: create killed after its last word: a whole container for delete --force" {
	fault exit_group:1 -- create -b "$BUNDLE" "$CID"
	fault_fired
	# created indeed: its init lives on, waiting for start
	wait_status "$CID" created
	pid="$(ct_pid)"
	pid_alive "$pid"
	after_fault "killed after the last word"
	pid_dead "$pid"
}

# ------------------------------------------------------ the init killed

@test "faults: the init killed in its mounts, at pivot_root, before it is ready" {
	# hull sees the init die, says so in one line and undoes the create
	for at in mount:1 mount:6 pivot_root:1 capset:1; do
		fault -f "$at" -- create -b "$BUNDLE" "$CID"
		fault_fired
		[ "$status" -ne 0 ]
		assert_one_line_error
		after_fault "the init killed at $at"
	done
}

@test "faults: hull and its init both killed (the init in its mounts, hull waiting)" {
	fault -f mount:3 recvmsg:1 -- create -b "$BUNDLE" "$CID"
	fault_fired
	after_fault "both killed"
}

# A configured cgroupsPath whose parents do not exist: hull makes them, and
# delete removes them with the container's cgroups (up to the deepest
# ancestor that existed), also after a create killed between those mkdirs.
@test "faults: create with a cgroupsPath whose parents hull makes, killed between its mkdirs" {
	# (all named after the container: teardown removes them, deepest first)
	set_cfg '.linux.cgroupsPath = $p' --arg p "$CID-p/$CID-s/$CID"
	probe create -b "$BUNDLE"
	c=(-- create -b "$BUNDLE" "$CID")
	# the first hierarchy's first parent made only
	kill_at @"mkdir\\(\"[^\"]*/$CID-p/$CID-s\"" "${c[@]}"
	# the first hierarchy's parents made, not its cgroup
	kill_at @"mkdir\\(\"[^\"]*/$CID-p/$CID-s/$CID\"" "${c[@]}"
	# all but the last hierarchy's made
	kill_at @"\$mkdir\\(\"[^\"]*/$CID-p\"" "${c[@]}"
	# all made, not yet recorded as made
	kill_at @"+\$mkdir\\(\"[^\"]*/$CID-p/$CID-s/$CID\"" "${c[@]}"
}

# ------------------------------------------------------------------ hooks

@test "faults: create with prestart and createRuntime hooks killed before, during and after them" {
	with_hooks
	probe create -b "$BUNDLE"
	c=(-- create -b "$BUNDLE" "$CID")
	# hull forks each hook (clone), waits on it (poll on its pidfd, wait4)
	kill_at @'clone\(' "${c[@]}"
	kill_at @'poll\(' "${c[@]}"
	kill_at @'$wait4\(' "${c[@]}"
	# the hooks done, the state not yet handed to the init
	kill_at @'+$wait4\(' "${c[@]}"
	# the first hook killed at its exec (the first execve is hull's own):
	# hull fails the create in one line and undoes it
	fault -f execve:2 -- create -b "$BUNDLE" "$CID"
	fault_fired
	[ "$status" -ne 0 ]
	assert_one_line_error prestart
	after_fault "the hook killed at its exec"
}

@test "faults: a hook hull was running dies with it" {
	# the hook says "hook" on its stderr, which hull relays to its own;
	# when the file hook.run exists, it removes it first, then runs on
	set_cfg '.hooks.prestart = [{path: "/bin/sh", env: [$m], args: ["sh", "-c",
		"rm \"$0\" 2>/dev/null && { echo hook >&2; exec sleep 30; }; echo hook >&2", $f]}]' \
		--arg m "HULL_TEST_MARK=$HULL_TEST_DIR" --arg f "$HULL_TEST_DIR/hook.run"
	touch "$HULL_TEST_DIR/hook.run"
	# How many reads and polls hull makes around a hook depends on timing:
	# here the SIGKILL comes from outside, once hull has relayed the word.
	hull_bg "$HULL_TEST_DIR/create.out" create -b "$BUNDLE" "$CID"
	wait_grep hook "$HULL_TEST_DIR/create.out.err"
	kill -9 "$HULL_BG_PID"
	wait "$HULL_BG_PID" || true
	# (it did run)
	[ ! -e "$HULL_TEST_DIR/hook.run" ]
	after_fault "killed while the hook runs"
}

# A create killed mid-way leaves state.json saying "creating", with hull's
# pid as its creator.  Once that pid is another process's, hull must not
# take it for the creator still at work: `state` must say stopped, a plain
# delete must do, and delete --force must not kill that process.
@test "faults: a killed create's pid given to another process: state, delete leave it alone" {
	need_cmd unshare
	# In a pid namespace of the test's own (/proc mounted anew in a mount
	# namespace of its own), the next pid is set by ns_last_pid: the pid of
	# the killed hull is given to a `sleep` at once.
	cat >"$HULL_TEST_DIR/reuse.sh" <<'EOF'
d="$HULL_TEST_DIR" r="$HULL_ROOT"
strace -o "$d/reuse.strace" --inject=recvmsg:signal=KILL:when=1 \
	"$HULL" --root "$r" create -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
creator="$(jq -r .hull.creator "$r/$CID/state.json")"
echo "$((creator - 1))" >/proc/sys/kernel/ns_last_pid
sleep 100 &
echo "creator $creator sleep $!"
"$HULL" --root "$r" state "$CID" | jq -r '"state " + .status'
"$HULL" --root "$r" delete "$CID" && echo deleted
"$HULL" --root "$r" delete --force "$CID"
grep -q '^State:[[:space:]]*[^ZX]' "/proc/$!/status" && echo "sleep alive"
kill "$!"
EOF
	run env HULL_TEST_MARK="$HULL_TEST_DIR" HULL="$HULL" HULL_ROOT="$HULL_ROOT" BUNDLE="$BUNDLE" CID="$CID" \
		unshare --pid --fork --mount-proc bash "$HULL_TEST_DIR/reuse.sh" 3>&-
	echo "$output"
	read -r _ creator _ pid < <(grep '^creator ' <<<"$output")
	# the pid was given to the sleep indeed
	[ "$creator" = "$pid" ]
	[[ "$output" == *"state stopped"* ]]
	[[ "$output" == *deleted* ]]
	[[ "$output" == *"sleep alive"* ]]
	assert_nothing_left
}

# ------------------------------------------------------- user namespace

@test "faults: create with a user namespace killed before, between and after its id maps" {
	with_userns
	probe create -b "$BUNDLE"
	c=(-- create -b "$BUNDLE" "$CID")
	# the init cloned into it, no map written; the uid map only
	kill_at @'openat\(.*/uid_map"' "${c[@]}"
	kill_at @'openat\(.*/gid_map"' "${c[@]}"
	# both written, the init in its cgroups; at work; ready
	kill_at @'sendto\(.*"G"' "${c[@]}"
	kill_at @'recvmsg\(' "${c[@]}"
	kill_at @'$renameat\(' "${c[@]}"
	# the init killed as the mapped root, in its mounts
	fault -f mount:3 -- create -b "$BUNDLE" "$CID"
	fault_fired
	after_fault "the user-namespaced init killed in its mounts"
}

# ---------------------------------------------------------------- run -d

@test "faults: run -d killed at each step, then delete --force leaves nothing" {
	probe run -d -b "$BUNDLE"
	c=(-- run -d -b "$BUNDLE" "$CID")
	kill_at @"mkdir\\(\"[^\"]*/$CID\"" "${c[@]}"
	kill_at @'clone3\(' "${c[@]}"
	# the init shares hull's memory until its exec: hull killed while the
	# init gets ready, once it is recorded, at its last word, during the exec
	kill_at @'recvmsg\(' "${c[@]}"
	kill_at @'$renameat\(' "${c[@]}"
	kill_at @'recvfrom\(' "${c[@]}"
	# the init killed in its mounts
	fault -f mount:3 -- run -d -b "$BUNDLE" "$CID"
	fault_fired
	after_fault "run -d's init killed in its mounts"
}

@test "faults: run -d with hooks, and with a user namespace, killed mid-way" {
	with_hooks
	probe run -d -b "$BUNDLE"
	kill_at @'poll\(' -- run -d -b "$BUNDLE" "$CID"
	kill_at @'recvmsg\(' -- run -d -b "$BUNDLE" "$CID"
	make_bundle "$HULL_TEST_DIR/bundle2"
	with_userns
	probe run -d -b "$BUNDLE"
	kill_at @'openat\(.*/gid_map"' -- run -d -b "$BUNDLE" "$CID"
	kill_at @'$renameat\(' -- run -d -b "$BUNDLE" "$CID"
}

# ----------------------------------------------------------------- sweeps

@test "faults: sweep: create killed at a few points of its calls" {
	sweep "$SWEEP_POINTS" create -b "$BUNDLE"
}

@test "faults: sweep: run -d killed at a few points of its calls" {
	sweep "$SWEEP_POINTS" run -d -b "$BUNDLE"
}

@test "faults: sweep: create with hooks killed at a few points of its calls" {
	with_hooks
	sweep "$SWEEP_POINTS" create -b "$BUNDLE"
}

@test "faults: sweep: create with a user namespace killed at a few points of its calls" {
	with_userns
	sweep "$SWEEP_POINTS" create -b "$BUNDLE"
}

@test "faults: sweep: the init of a create killed at a few points of its calls" {
	init_sweep "$SWEEP_POINTS" create -b "$BUNDLE"
}
