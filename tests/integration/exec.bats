#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull exec (a new process in a running container) and hull ps.

load helpers

# a test that froze the container's cgroup thaws it even when it fails
teardown() {
	if [ -n "${FROZEN_CG:-}" ] && [ -w "$FROZEN_CG/freezer.state" ]; then
		echo THAWED >"$FROZEN_CG/freezer.state" 2>/dev/null || true
	fi
	common_teardown
}

# start_sleeper [ID]: a running container whose init is `sleep 100`; sets
# INIT to its host pid.
start_sleeper() {
	local id="${1:-$CID}"
	set_args sleep 100
	run_ct_detached "$id"
	wait_status "$id" running
	INIT="$(ct_pid "$id")"
	pid_alive "$INIT"
}

# status_field PID KEY: a field of /proc/PID/status ("CapEff", ...)
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# exec_bg OUT ARGS...: `hull exec ARGS...` in the background, stdout to OUT,
# stderr to OUT.err; its pid in the EXEC_PIDS array.
exec_bg() {
	local out="$1"
	shift
	HULL_TEST_MARK="$HULL_TEST_DIR" "$HULL" --root "$HULL_ROOT" exec "$@" \
		>"$out" 2>"$out.err" </dev/null 3>&- &
	EXEC_PIDS+=($!)
	HULL_BG_PIDS+=($!)
}

# bounded_wait PID: wait (up to ~10 s) for a background child; its exit
# status in WAIT_RC (255 if it did not end in time)
bounded_wait() {
	WAIT_RC=0
	if ! retry 200 0.05 pid_dead "$1"; then
		WAIT_RC=255
		return 0
	fi
	wait "$1" || WAIT_RC=$?
}

# ------------------------------------------------------------ namespaces

@test "exec: the process is in every namespace of the container" {
	start_sleeper
	hrun exec "$CID" sh -c 'for n in /proc/self/ns/*; do echo "${n##*/} $(readlink "$n")"; done'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 6 ]
	for l in "${lines[@]}"; do
		n="${l%% *}"
		[ -e "/proc/$INIT/ns/$n" ] || continue
		echo "$n: exec=${l#* } init=$(ns_of "$INIT" "$n")"
		[ "${l#* }" = "$(ns_of "$INIT" "$n")" ]
	done
	# and not the host's (the config has new pid, net, ipc, uts, mnt namespaces)
	for n in pid net ipc uts mnt; do
		[ "$(ns_of "$INIT" $n)" != "$(ns_of $$ $n)" ]
	done
}

@test "exec: sees the container's rootfs, hostname and pid namespace" {
	set_cfg '.hostname = "exec-host"'
	echo marker-content >"$ROOTFS/marker"
	start_sleeper
	hrun exec "$CID" sh -c 'cat /marker; hostname; echo "pid=$$"; cat /proc/1/cmdline | tr "\0" " "; echo; ps -o pid,args'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = marker-content ]
	[ "${lines[1]}" = exec-host ]
	[[ "${lines[2]}" == pid=* ]]
	[ "${lines[2]}" != pid=1 ]
	[ "${lines[3]}" = "sleep 100 " ]
	# ps: the init is PID 1, nothing of the host is visible
	grep -Eq '^ *1 +sleep 100$' <<<"$output"
	refute grep -q bats <<<"$output"
	[ "$(ps_rows)" -le 4 ]
}

# number of process rows of busybox `ps -o pid,args` in $output
ps_rows() { sed -n '/^ *PID /,$p' <<<"$output" | tail -n +2 | wc -l; }

@test "exec: the process is in the container's cgroups" {
	start_sleeper
	hrun exec -d --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sleep 77
	[ "$status" -eq 0 ]
	pid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	# as the host sees it
	diff "/proc/$pid/cgroup" "/proc/$INIT/cgroup"
	# and from inside (with or without a cgroup namespace)
	hrun exec "$CID" sh -c 'cat /proc/self/cgroup; echo --; cat /proc/1/cgroup'
	[ "$status" -eq 0 ]
	diff <(sed '/^--$/,$d' <<<"$output") <(sed '1,/^--$/d' <<<"$output")
}

@test "exec into a container with a user namespace: its pid is hull's to move, no host process is moved" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	start_sleeper
	# (the helper that joins the user namespace clones the process: the
	# pid it reports must be numbered in hull's pid namespace)
	hrun exec "$CID" cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 200000 65536" ]
	hrun exec -d --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sleep 77
	[ "$status" -eq 0 ]
	pid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	retry 100 0.05 test "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 77 "
	for n in user pid mnt; do
		[ "$(ns_of "$pid" $n)" = "$(ns_of "$INIT" $n)" ]
	done
	diff "/proc/$pid/cgroup" "/proc/$INIT/cgroup"
	# every process in the container's cgroups is one of the container's
	for d in $(cg_all_dirs); do
		for p in $(cat "$d/cgroup.procs"); do
			echo "$d: $p $(ns_of "$p" user)"
			[ "$(ns_of "$p" user)" = "$(ns_of "$INIT" user)" ]
		done
	done
	hull delete -f "$CID"
	assert_nothing_left
}

@test "exec --cgroup CONTROLLER:SUB puts the process in a sub-cgroup" {
	start_sleeper
	fz="$(cgroup_dirs "$INIT" | grep '/freezer/' || true)"
	[ -n "$fz" ] && [ -d "$fz" ] || skip "no freezer cgroup (v1) for the container"
	# named after the container, so teardown removes it if the test fails
	sub="$CID-sub"
	mkdir "$fz/$sub"
	hrun exec -d --pid-file "$HULL_TEST_DIR/exec.pid" --cgroup "freezer:$sub" "$CID" sleep 77
	[ "$status" -eq 0 ]
	pid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	cat "/proc/$pid/cgroup"
	[ "$(grep ':freezer:' "/proc/$pid/cgroup")" = "$(grep ':freezer:' "/proc/$INIT/cgroup")/$sub" ]
	grep -qx "$pid" "$fz/$sub/cgroup.procs"
	# the other controllers are the container's
	[ "$(grep ':pids:' "/proc/$pid/cgroup")" = "$(grep ':pids:' "/proc/$INIT/cgroup")" ]
	kill -9 "$pid"
	retry 100 0.05 pid_dead "$pid"
	retry 20 0.05 rmdir "$fz/$sub"
}

# ----------------------------------------------------- process attributes

@test "exec: capabilities are the container's" {
	start_sleeper
	hrun exec "$CID" grep ^Cap /proc/self/status
	[ "$status" -eq 0 ]
	for c in CapEff CapPrm CapBnd; do
		echo "$c exec=$(awk -v k="$c:" '$1 == k {print $2}' <<<"$output") init=$(status_field "$INIT" $c)"
		[ "$(awk -v k="$c:" '$1 == k {print $2}' <<<"$output")" = "$(status_field "$INIT" $c)" ]
	done
}

@test "exec --cap adds a capability" {
	start_sleeper
	# CAP_SYS_ADMIN (21) is not in the default set
	init_eff="$(status_field "$INIT" CapEff)"
	((((0x$init_eff >> 21) & 1) == 0))
	hrun exec --cap CAP_SYS_ADMIN "$CID" grep ^Cap /proc/self/status
	[ "$status" -eq 0 ]
	eff="$(awk '$1 == "CapEff:" {print $2}' <<<"$output")"
	bnd="$(awk '$1 == "CapBnd:" {print $2}' <<<"$output")"
	(((0x$eff >> 21) & 1))
	(((0x$bnd >> 21) & 1))
	# the container's own ones are still there
	(((0x$eff & 0x$init_eff) == 0x$init_eff))
	# the container itself is unchanged
	[ "$(status_field "$INIT" CapEff)" = "$init_eff" ]
}

@test "exec: rlimits are the config's" {
	set_cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 500, "hard": 600}]'
	start_sleeper
	hrun exec "$CID" sh -c 'ulimit -Sn; ulimit -Hn'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 500 ]
	[ "${lines[1]}" = 600 ]
}

@test "exec: noNewPrivileges from the config" {
	set_cfg '.process.noNewPrivileges = true'
	start_sleeper
	hrun exec "$CID" grep ^NoNewPrivs: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 1" ]
}

@test "exec --no-new-privs sets no_new_privs when the config does not" {
	set_cfg '.process.noNewPrivileges = false'
	start_sleeper
	hrun exec "$CID" grep ^NoNewPrivs: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 0" ]
	hrun exec --no-new-privs "$CID" grep ^NoNewPrivs: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 1" ]
}

@test "exec: exit status is the program's" {
	start_sleeper
	hrun exec "$CID" sh -c 'exit 5'
	[ "$status" -eq 5 ]
	hrun exec "$CID" true
	[ "$status" -eq 0 ]
	hrun exec "$CID" sh -c 'echo out; exit 42'
	[ "$status" -eq 42 ]
	[ "$output" = out ]
}

@test "exec: a program killed by a signal gives 128+N" {
	start_sleeper
	hrun exec "$CID" sh -c 'kill -9 $$; echo not reached'
	[ "$status" -eq 137 ]
	[ -z "$output" ]
	hrun exec "$CID" sh -c 'kill -TERM $$; sleep 1; echo not reached'
	[ "$status" -eq 143 ]
	# the container lives on
	[ "$(ct_status)" = running ]
}

@test "exec: env is the config's process.env, -e adds and overrides" {
	set_cfg '.process.env += ["FOO=from-config", "KEEP=kept"]'
	start_sleeper
	HULL_LEAK_CHECK=leaked hrun exec -e FOO=from-cli -e NEW="a b" -e EMPTY= "$CID" env
	[ "$status" -eq 0 ]
	grep -qx 'FOO=from-cli' <<<"$output"
	refute grep -qx 'FOO=from-config' <<<"$output"
	grep -qx 'KEEP=kept' <<<"$output"
	grep -qx 'NEW=a b' <<<"$output"
	grep -qx 'EMPTY=' <<<"$output"
	grep -q '^PATH=/' <<<"$output"
	refute grep -q HULL_LEAK_CHECK <<<"$output"
	refute grep -q '^BATS_' <<<"$output"
	# one FOO only
	[ "$(grep -c '^FOO=' <<<"$output")" -eq 1 ]
	# the long form
	hrun exec --env FOO=long "$CID" env
	[ "$status" -eq 0 ]
	grep -qx 'FOO=long' <<<"$output"
}

@test "exec -e PATH=... is used to find the program" {
	mkdir -p "$ROOTFS/opt/tools"
	printf '#!/bin/sh\necho custom-tool\n' >"$ROOTFS/opt/tools/mytool"
	chmod 755 "$ROOTFS/opt/tools/mytool"
	start_sleeper
	hrun exec -e PATH=/opt/tools:/bin "$CID" mytool
	[ "$status" -eq 0 ]
	[ "$output" = custom-tool ]
}

@test "exec: cwd is the config's, --cwd changes it" {
	mkdir -p "$ROOTFS/work/dir"
	set_cfg '.process.cwd = "/etc"'
	start_sleeper
	hrun exec "$CID" pwd
	[ "$status" -eq 0 ]
	[ "$output" = /etc ]
	hrun exec --cwd /work/dir "$CID" sh -c 'pwd; readlink /proc/self/cwd'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /work/dir ]
	[ "${lines[1]}" = /work/dir ]
}

@test "exec --user UID:GID and --additional-gids" {
	start_sleeper
	hrun exec --user 1000:1000 "$CID" sh -c 'id -u; id -g; grep ^Groups: /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "$(echo ${lines[2]})" = "Groups:" ]
	hrun exec -u 65534:65534 --additional-gids 5 --additional-gids 7 "$CID" sh -c 'id -u; id -g; grep ^Groups: /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = 65534 ]
	[ "$(echo ${lines[2]})" = "Groups: 5 7" ]
}

@test "exec --user UID alone: gid 0" {
	start_sleeper
	hrun exec --user 1000 "$CID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 0 ]
}

@test "exec: HOME comes from the container's /etc/passwd unless env sets it" {
	start_sleeper
	hrun exec "$CID" sh -c 'echo "$HOME"'
	[ "$status" -eq 0 ]
	[ "$output" = /root ]
	hrun exec -u 1000:1000 "$CID" sh -c 'echo "$HOME"'
	[ "$status" -eq 0 ]
	[ "$output" = /tmp ]
	hrun exec -e HOME=/elsewhere "$CID" sh -c 'echo "$HOME"'
	[ "$status" -eq 0 ]
	[ "$output" = /elsewhere ]
}

@test "exec --user: a non-root user has no capabilities" {
	start_sleeper
	hrun exec --user 1000:1000 "$CID" sh -c 'grep ^CapEff: /proc/self/status; touch /root/x 2>/dev/null && echo WROTE || echo denied'
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "CapEff: 0000000000000000" ]
	[ "${lines[1]}" = denied ]
}

@test "exec: arguments after the ID are the program's, also ones starting with -" {
	start_sleeper
	hrun exec "$CID" ls -la /
	[ "$status" -eq 0 ]
	grep -Eq ' bin$' <<<"$output"
	grep -Eq '^d' <<<"$output"
	hrun exec "$CID" sh -c 'for a in "$@"; do echo "[$a]"; done' _ -e --help -d --user 'x  y' '$HOME'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' '[-e]' '[--help]' '[-d]' '[--user]' '[x  y]' '[$HOME]')" ]
}

@test "exec --process FILE: args, env, cwd and user from a process object" {
	start_sleeper
	mkdir -p "$ROOTFS/pdir"
	cat >"$HULL_TEST_DIR/process.json" <<'EOF'
{
	"terminal": false,
	"user": { "uid": 1000, "gid": 1000, "additionalGids": [5] },
	"args": [ "sh", "-c", "echo \"$MSG\"; pwd; id -u; id -g; grep ^Groups: /proc/self/status; echo \"[$FOO]\"" ],
	"env": [ "PATH=/bin", "MSG=from process.json" ],
	"cwd": "/pdir"
}
EOF
	hrun exec --process "$HULL_TEST_DIR/process.json" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "from process.json" ]
	[ "${lines[1]}" = /pdir ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = 1000 ]
	[ "$(echo ${lines[4]})" = "Groups: 5" ]
	# env is the process object's, not the config's
	[ "${lines[5]}" = "[]" ]
}

@test "exec --process: a process object without user runs as 0:0 (config.json still needs one)" {
	set_cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5]}'
	start_sleeper
	echo '{"args": ["sh", "-c", "id -u; id -g; grep ^Groups: /proc/self/status"], "env": ["PATH=/bin"], "cwd": "/"}' \
		>"$HULL_TEST_DIR/p.json"
	hrun exec --process "$HULL_TEST_DIR/p.json" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(echo ${lines[2]})" = "Groups:" ]
	# a config.json without one is refused
	set_cfg 'del(.process.user)'
	hrun create -b "$BUNDLE" "$CID-2"
	[ "$status" -eq 1 ]
	assert_one_line_error process.user "required field missing"
}

@test "exec --process FILE with ARGS too: the file wins (as in runc)" {
	start_sleeper
	echo '{"user": {"uid": 0, "gid": 0}, "args": ["echo", "from-file"], "env": ["PATH=/bin"], "cwd": "/"}' >"$HULL_TEST_DIR/p.json"
	hrun exec --process "$HULL_TEST_DIR/p.json" "$CID" echo from-args
	[ "$status" -eq 0 ]
	[ "$output" = from-file ]
}

@test "exec --process: without capabilities the container's; with the object, a set left out is empty" {
	start_sleeper
	echo '{"user": {"uid": 0, "gid": 0}, "args": ["grep", "^Cap", "/proc/self/status"], "env": ["PATH=/bin"], "cwd": "/"}' >"$HULL_TEST_DIR/p.json"
	hrun exec --process "$HULL_TEST_DIR/p.json" "$CID"
	[ "$status" -eq 0 ]
	for c in CapEff CapPrm CapBnd; do
		[ "$(awk -v k="$c:" '$1 == k {print $2}' <<<"$output")" = "$(status_field "$INIT" $c)" ]
	done
	echo '{"user": {"uid": 0, "gid": 0}, "args": ["grep", "^Cap", "/proc/self/status"], "env": ["PATH=/bin"], "cwd": "/",
	       "capabilities": {"effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}}' >"$HULL_TEST_DIR/p.json"
	hrun exec --process "$HULL_TEST_DIR/p.json" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "CapBnd:" {print $2}' <<<"$output")" = 0000000000000000 ]
	# root's permitted set after execve is bounding | inheritable: both empty
	[ "$(awk '$1 == "CapEff:" {print $2}' <<<"$output")" = 0000000000000000 ]
	[ "$(awk '$1 == "CapInh:" {print $2}' <<<"$output")" = 0000000000000000 ]
}

@test "exec: an env entry that is not KEY=VALUE is refused (--env and --process)" {
	start_sleeper
	hrun exec -e NOEQUALS "$CID" true
	[ "$status" -ne 0 ]
	assert_one_line_error NOEQUALS KEY=VALUE
	echo '{"user": {"uid": 0, "gid": 0}, "args": ["true"], "env": ["PATH=/bin", "=x"], "cwd": "/"}' >"$HULL_TEST_DIR/p.json"
	hrun exec --process "$HULL_TEST_DIR/p.json" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'env[1]' 'empty variable name'
	[ "$(ct_status)" = running ]
}

@test "exec --process with a missing or invalid file fails" {
	start_sleeper
	hrun exec --process "$HULL_TEST_DIR/nosuch.json" "$CID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	echo '{"args": ' >"$HULL_TEST_DIR/bad.json"
	hrun exec --process "$HULL_TEST_DIR/bad.json" "$CID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	[ "$(ct_status)" = running ]
}

# ------------------------------------------------------------------ errors

@test "exec into a stopped container fails with a one-line error" {
	set_args true
	run_ct_detached
	wait_status "$CID" stopped
	hrun exec "$CID" echo hi
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	assert_one_line_error
}

@test "exec into an unknown container fails with a one-line error" {
	hrun exec nosuch-ct echo hi
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	assert_one_line_error nosuch-ct
}

@test "exec without a program fails" {
	start_sleeper
	hrun exec "$CID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
}

@test "exec of a nonexistent program fails and names it" {
	start_sleeper
	hrun exec "$CID" no-such-program-xyz arg
	[ "$status" -ne 0 ]
	[[ "$stderr" == *no-such-program-xyz* ]]
	hrun exec "$CID" /bin/no-such-abs
	[ "$status" -ne 0 ]
	[[ "$stderr" == */bin/no-such-abs* ]]
	# the container is not disturbed, and nothing is left of the attempts
	[ "$(ct_status)" = running ]
	pid_alive "$INIT"
	hrun exec "$CID" true
	[ "$status" -eq 0 ]
}

@test "exec: a failure of hull's own exits 255, apart from the program's statuses; usage errors 1" {
	start_sleeper
	hrun exec --pid-file "$HULL_TEST_DIR/no/such/dir/pid" "$CID" true
	[ "$status" -eq 255 ]
	assert_one_line_error "$HULL_TEST_DIR/no/such/dir/pid"
	hrun exec "$CID" no-such-program-xyz
	[ "$status" -eq 255 ]
	hrun exec nosuch-ct true
	[ "$status" -eq 255 ]
	hrun exec "$CID" sh -c 'exit 254'
	[ "$status" -eq 254 ]
	hrun exec "$CID" sh -c 'exit 1'
	[ "$status" -eq 1 ]
	# a mistake on the command line is no runtime failure
	hrun exec --frobnicate "$CID" true
	[ "$status" -eq 1 ]
	hrun exec
	[ "$status" -eq 1 ]
	# a paused container (where hull can pause it)
	if hull pause "$CID" 2>/dev/null; then
		hrun exec "$CID" true
		hull resume "$CID"
		[ "$status" -eq 255 ]
		assert_one_line_error paused
	fi
	[ "$(ct_status)" = running ]
}

@test "exec --apparmor while AppArmor is off fails clearly" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		skip "AppArmor is enabled on this host"
	fi
	start_sleeper
	hrun exec --apparmor hull-test-profile "$CID" true
	[ "$status" -ne 0 ]
	[[ "${stderr,,}" == *apparmor* ]]
	[ "$(ct_status)" = running ]
}

@test "exec --process-label while SELinux is off fails clearly" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled on this host"
	start_sleeper
	hrun exec --process-label system_u:system_r:container_t:s0 "$CID" true
	[ "$status" -ne 0 ]
	[[ "${stderr,,}" == *selinux* ]]
	[ "$(ct_status)" = running ]
}

# ----------------------------------------------------------------- detach

@test "exec --detach --pid-file: returns at once, the pid is a process in the container" {
	start_sleeper
	start=$(date +%s%N)
	hrun exec --detach --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sleep 77
	end=$(date +%s%N)
	[ "$status" -eq 0 ]
	[ $(((end - start) / 1000000)) -lt 3000 ]
	pid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	[[ "$pid" =~ ^[0-9]+$ ]]
	[ "$pid" != "$INIT" ]
	pid_alive "$pid"
	retry 100 0.05 test "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 77 "
	[ "$(ns_of "$pid" pid)" = "$(ns_of "$INIT" pid)" ]
	[ "$(ns_of "$pid" mnt)" = "$(ns_of "$INIT" mnt)" ]
	diff "/proc/$pid/cgroup" "/proc/$INIT/cgroup"
	# -d works as well
	hrun exec -d "$CID" sleep 78
	[ "$status" -eq 0 ]
	# delete -f takes the exec'd processes down with the container
	hull delete -f "$CID"
	retry 100 0.05 pid_dead "$pid"
	assert_nothing_left
}

@test "exec --detach of a nonexistent program fails and writes no pid file" {
	start_sleeper
	hrun exec --detach --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" no-such-program-xyz
	[ "$status" -ne 0 ]
	[[ "$stderr" == *no-such-program-xyz* ]]
	[ ! -e "$HULL_TEST_DIR/exec.pid" ]
	[ "$(ct_status)" = running ]
}

@test "exec --pid-file in the foreground writes the pid too" {
	start_sleeper
	hrun exec --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sh -c 'echo $$'
	[ "$status" -eq 0 ]
	pid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	[[ "$pid" =~ ^[0-9]+$ ]]
	[ "$pid" != "$INIT" ]
	# $$ inside is the pid in the container's pid namespace, not the host's
	[ "$output" != "$pid" ]
}

# -------------------------------------------------------------- isolation

@test "exec: no host file descriptors, cwd inside the container" {
	start_sleeper
	hrun exec "$CID" sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "; echo; readlink /proc/self/cwd' 5</dev/null 7<"$BUNDLE/config.json"
	[ "$status" -eq 0 ]
	# 3 is the directory ls itself opens
	[ "${lines[0]}" = "0 1 2 3 " ]
	[ "${lines[1]}" = / ]
	# stdin is hull's /dev/null or a pipe hull relays (never a host file
	# hull opened for itself)
	hrun exec "$CID" sh -c 'readlink /proc/$$/fd/0'
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/null || "$output" == pipe:* ]]
}

@test "exec --preserve-fds N passes fds 3..3+N-1" {
	start_sleeper
	export F="$HULL_TEST_DIR/pfile"
	echo preserved-content >"$F"
	run bash -c 'exec "$@" 3<"$F" 4<"$F"' _ "$HULL" --root "$HULL_ROOT" exec --preserve-fds 1 "$CID" \
		sh -c 'cat /proc/self/fd/3; ls /proc/self/fd | sort -n | tr "\n" " "'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = preserved-content ]
	[ "${lines[1]}" = "0 1 2 3 4 " ]
}

@test "exec: stdin is passed through" {
	start_sleeper
	run bash -c 'printf "line1\nline2\n" | "$0" --root "$1" exec "$2" sh -c "cat; echo end"' "$HULL" "$HULL_ROOT" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nend')" ]
	# and EOF reaches the program
	run bash -c '"$0" --root "$1" exec "$2" wc -l </dev/null' "$HULL" "$HULL_ROOT" "$CID"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = 0 ]
}

@test "exec: stdout and stderr are separate" {
	start_sleeper
	hrun exec "$CID" sh -c 'echo to-out; echo to-err >&2'
	[ "$status" -eq 0 ]
	[ "$output" = to-out ]
	[ "$stderr" = to-err ]
}

@test "exec: several concurrent execs into one container" {
	start_sleeper
	EXEC_PIDS=()
	for i in 1 2 3 4 5 6; do
		exec_bg "$HULL_TEST_DIR/e$i.out" "$CID" sh -c 'sleep 0.3; echo "n=$0"; exit $0' "$i"
	done
	i=0
	for p in "${EXEC_PIDS[@]}"; do
		i=$((i + 1))
		bounded_wait "$p"
		cat "$HULL_TEST_DIR/e$i.out.err"
		[ "$WAIT_RC" -eq "$i" ]
		[ "$(cat "$HULL_TEST_DIR/e$i.out")" = "n=$i" ]
	done
	[ "$(ct_status)" = running ]
}

@test "exec into a paused container needs --ignore-paused" {
	start_sleeper
	fz="$(cgroup_dirs "$INIT" | grep '/freezer/' || true)"
	[ -n "$fz" ] && [ -w "$fz/freezer.state" ] || skip "no v1 freezer cgroup for the container"
	FROZEN_CG="$fz"
	echo FROZEN >"$fz/freezer.state"
	retry 100 0.05 grep -qx FROZEN "$fz/freezer.state" || {
		echo THAWED >"$fz/freezer.state"
		skip "the freezer does not work here"
	}
	[ "$(ct_status)" = paused ]

	# bounded: a hull that tried would hang on the frozen cgroup
	rc=0
	HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 1 10 "$HULL" --root "$HULL_ROOT" exec "$CID" echo hi \
		>"$HULL_TEST_DIR/p.out" 2>"$HULL_TEST_DIR/p.err" </dev/null 3>&- || rc=$?
	cat "$HULL_TEST_DIR/p.err"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]
	[ ! -s "$HULL_TEST_DIR/p.out" ]
	grep -q paused "$HULL_TEST_DIR/p.err"

	# with --ignore-paused the process starts frozen and runs after a thaw
	EXEC_PIDS=()
	exec_bg "$HULL_TEST_DIR/ip.out" --ignore-paused "$CID" echo ran
	sleep 0.5
	[ ! -s "$HULL_TEST_DIR/ip.out" ]
	echo THAWED >"$fz/freezer.state"
	bounded_wait "${EXEC_PIDS[0]}"
	cat "$HULL_TEST_DIR/ip.out.err"
	[ "$WAIT_RC" -eq 0 ]
	[ "$(cat "$HULL_TEST_DIR/ip.out")" = ran ]
	wait_status "$CID" running
}

# ---------------------------------------------------------------------- ps

@test "ps: a table of the container's processes" {
	start_sleeper
	hrun exec -d --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sleep 77
	[ "$status" -eq 0 ]
	epid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	hrun ps "$CID"
	[ "$status" -eq 0 ]
	# header of `ps -ef`
	[[ "${lines[0]}" =~ ^UID\ +PID\ +PPID ]]
	[ "${#lines[@]}" -eq 3 ]
	awk 'NR > 1 {print $2}' <<<"$output" | sort -n >"$HULL_TEST_DIR/pids"
	printf '%s\n' "$INIT" "$epid" | sort -n | diff - "$HULL_TEST_DIR/pids"
	grep -Eq "^[^ ]+ +$INIT .*sleep 100\$" <<<"$output"
	grep -Eq "^[^ ]+ +$epid .*sleep 77\$" <<<"$output"
}

@test "ps --format json: the host pids of every process in the container" {
	start_sleeper
	hrun exec -d --pid-file "$HULL_TEST_DIR/exec.pid" "$CID" sleep 77
	[ "$status" -eq 0 ]
	epid="$(tr -d '[:space:]' <"$HULL_TEST_DIR/exec.pid")"
	hrun ps --format json "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r type <<<"$output")" = array ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(jq -cn --argjson a "$INIT" --argjson b "$epid" '[$a, $b] | sort')" ]
	# -f is short for --format
	hrun ps -f json "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(jq -cn --argjson a "$INIT" --argjson b "$epid" '[$a, $b] | sort')" ]
}

@test "ps ID -- ARGS passes ARGS to ps" {
	start_sleeper
	hrun ps "$CID" -- -o pid,comm
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "PID COMMAND" ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo ${lines[1]})" = "$INIT sleep" ]
	# as runc: without "--" too, what follows the ID is ps's
	hrun ps "$CID" -o pid,comm
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "PID COMMAND" ]
	[ "$(echo ${lines[1]})" = "$INIT sleep" ]
}

@test "ps of an unknown container fails" {
	hrun ps nosuch-ct
	[ "$status" -ne 0 ]
	assert_one_line_error nosuch-ct
}
