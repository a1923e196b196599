#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# config.json "hooks": prestart, createRuntime, createContainer,
# startContainer, poststart, poststop.

load helpers

# Every hook here is /bin/busybox with args ["sh", "-c", $REC, ...]: busybox
# picks its applet by argv[0], so the hook running at all shows that args[0]
# was passed as argv[0].  /bin/busybox exists on the host (path of the
# runtime-namespace hooks) and in the rootfs (startContainer resolves its
# path inside the container).
#
# $REC records, into directory $1 with kind $2:
#   KIND.state  its stdin (the state JSON)
#   KIND.env    its environment exactly as exec'd (/proc/PID/environ of the
#               shell: $$ would be wrong when the hook runs in the container's
#               pid namespace with the host's /proc, as createContainer does;
#               PID is the parent of `cut`, as the mounted /proc numbers it)
#   KIND.args   $0 and every argument, one a line
#   KIND.ns     "mnt <link>" and "pid <link>" of the hook itself
#   order       KIND appended (one file for every hook)
# then exits with $3 (default 0).  Everything is spelled out with busybox so
# no PATH is needed.
REC='B=/bin/busybox; d="$1"; k="$2"
me=$($B cut -d" " -f4 /proc/self/stat)
$B cat >"$d/$k.state"
$B tr "\0" "\n" </proc/$me/environ >"$d/$k.env"
for a in "$0" "$@"; do echo "$a"; done >"$d/$k.args"
{ echo "mnt $($B readlink /proc/$me/ns/mnt)"; echo "pid $($B readlink /proc/$me/ns/pid)"; } >"$d/$k.ns"
echo "$k" >>"$d/order"
exit "${3:-0}"'

setup() {
	common_setup
	LOG="$ROOTFS/hooklog"
	mkdir -p "$LOG"
}

# hook DIR KIND [EXIT [ENV_JSON [TIMEOUT]]]: a hook object recording into DIR
hook() {
	local dir="$1" kind="$2" rc="${3:-0}" env="${4:-null}" timeout="${5:-null}"
	jq -cn --arg rec "$REC" --arg d "$dir" --arg k "$kind" --arg rc "$rc" \
		--argjson env "$env" --argjson t "$timeout" '
		{path: "/bin/busybox", args: ["sh", "-c", $rec, "hookarg0", $d, $k, $rc]}
		+ (if $env == null then {} else {env: $env} end)
		+ (if $t == null then {} else {timeout: $t} end)'
}

# host_hook KIND [EXIT [ENV_JSON [TIMEOUT]]]: records into $LOG (a host path)
host_hook() { hook "$LOG" "$@"; }
# ct_hook KIND ...: records into /hooklog (a path inside the container)
ct_hook() { hook /hooklog "$@"; }

# set_hooks KIND JSON: config .hooks[KIND] = [JSON]
set_hooks() { set_cfg ".hooks[\$k] = [$2]" --arg k "$1"; }

# all six hooks, recording, none failing
all_hooks() {
	set_hooks prestart "$(host_hook prestart)"
	set_hooks createRuntime "$(host_hook createRuntime)"
	set_hooks createContainer "$(host_hook createContainer)"
	set_hooks startContainer "$(ct_hook startContainer)"
	set_hooks poststart "$(host_hook poststart)"
	set_hooks poststop "$(host_hook poststop)"
}

order() { tr '\n' ' ' <"$LOG/order" 2>/dev/null; }

# st KIND FILTER: jq FILTER applied to the state KIND's hook got
st() { jq -cr "$2" "$LOG/$1.state"; }

@test "hooks: all six run, in order, at create, start and delete" {
	all_hooks
	set_args sleep 100
	create_ct
	# create runs prestart and createRuntime (the same point), then createContainer
	o="$(order)"
	echo "after create: $o"
	[ "$o" = "prestart createRuntime createContainer " ] || [ "$o" = "createRuntime prestart createContainer " ]
	hull start "$CID"
	o="$(order)"
	echo "after start: $o"
	[[ "$o" == *"createContainer startContainer poststart " ]]
	hull kill "$CID" KILL
	wait_status "$CID" stopped
	[[ "$(order)" == *" poststart " ]]
	hull delete "$CID"
	o="$(order)"
	echo "after delete: $o"
	[[ "$o" == *"createContainer startContainer poststart poststop " ]]
	[ "$(wc -w <<<"$o")" -eq 6 ]
	assert_nothing_left
}

@test "hooks: each gets the state on stdin (id, status, pid, bundle, annotations)" {
	all_hooks
	set_cfg '.annotations = {"org.example.hook": "yes", "two": "x y"}'
	set_args sleep 100
	create_ct
	pid="$(ct_pid)"
	hull start "$CID"
	hull delete -f "$CID"
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		echo "$k: $(cat "$LOG/$k.state")"
		[ "$(st $k .id)" = "$CID" ]
		[ "$(st $k .bundle)" = "$BUNDLE" ]
		[ "$(st $k .annotations)" = '{"org.example.hook":"yes","two":"x y"}' ]
		[[ "$(st $k .ociVersion)" == 1.* ]]
	done
	for k in prestart createRuntime createContainer; do
		[ "$(st $k .status)" = creating ]
	done
	[ "$(st poststart .status)" = running ]
	[ "$(st poststop .status)" = stopped ]
	# the pid as the host sees it
	for k in prestart createRuntime createContainer poststart; do
		[ "$(st $k .pid)" = "$pid" ]
	done
}

@test "hooks: args (with args[0]) and env exactly as given" {
	set_hooks createRuntime "$(host_hook createRuntime 0 '["A=1", "B=two words", "EMPTY="]')"
	set_hooks startContainer "$(ct_hook startContainer 0 '["IN_CT=yes"]')"
	set_hooks poststop "$(host_hook poststop 0 '["P=stop"]')"
	set_args true
	HULL_LEAK_CHECK=leaked hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	for k in createRuntime startContainer poststop; do
		echo "$k args: $(cat "$LOG/$k.args")"
		[ "$(sed -n 1p "$LOG/$k.args")" = hookarg0 ]
		[ "$(sed -n 3p "$LOG/$k.args")" = "$k" ]
	done
	[ "$(sed -n 2p "$LOG/createRuntime.args")" = "$LOG" ]
	[ "$(sed -n 2p "$LOG/startContainer.args")" = /hooklog ]
	cat "$LOG/createRuntime.env"
	[ "$(cat "$LOG/createRuntime.env")" = "$(printf 'A=1\nB=two words\nEMPTY=')" ]
	[ "$(cat "$LOG/startContainer.env")" = IN_CT=yes ]
	[ "$(cat "$LOG/poststop.env")" = P=stop ]
}

@test "hooks: a hook without env does not get hull's environment" {
	set_hooks createRuntime "$(host_hook createRuntime)"
	set_hooks poststart "$(host_hook poststart)"
	set_args true
	HULL_LEAK_CHECK=leaked hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	for k in createRuntime poststart; do
		echo "$k env: $(cat "$LOG/$k.env")"
		refute grep -q HULL_LEAK_CHECK "$LOG/$k.env"
		refute grep -q '^BATS_' "$LOG/$k.env"
	done
}

@test "hooks: prestart, createRuntime, poststart, poststop run in the runtime's namespaces" {
	all_hooks
	set_args sleep 100
	run_ct_detached
	hull delete -f "$CID"
	for k in prestart createRuntime poststart poststop; do
		echo "$k: $(cat "$LOG/$k.ns")"
		[ "$(sed -n 's/^mnt //p' "$LOG/$k.ns")" = "$(ns_of $$ mnt)" ]
		[ "$(sed -n 's/^pid //p' "$LOG/$k.ns")" = "$(ns_of $$ pid)" ]
	done
}

@test "hooks: createContainer and startContainer run in the container's namespaces" {
	all_hooks
	set_args sleep 100
	create_ct
	pid="$(ct_pid)"
	ct_mnt="$(ns_of "$pid" mnt)"
	ct_pidns="$(ns_of "$pid" pid)"
	[ "$ct_mnt" != "$(ns_of $$ mnt)" ]
	hull start "$CID"
	for k in createContainer startContainer; do
		echo "$k: $(cat "$LOG/$k.ns") (container: $ct_mnt $ct_pidns)"
		[ "$(sed -n 's/^mnt //p' "$LOG/$k.ns")" = "$ct_mnt" ]
	done
	[ "$(sed -n 's/^pid //p' "$LOG/startContainer.ns")" = "$ct_pidns" ]
}

@test "hooks: startContainer's path is resolved inside the container" {
	# a hook program that exists only in the rootfs
	printf '#!/bin/sh\necho "in-container $1" >/hooklog/only-in-rootfs\n' >"$ROOTFS/bin/ct-only-hook"
	chmod 755 "$ROOTFS/bin/ct-only-hook"
	[ ! -e /bin/ct-only-hook ]
	set_hooks startContainer '{"path": "/bin/ct-only-hook", "args": ["ct-only-hook", "arg1"]}'
	set_args true
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "$LOG/only-in-rootfs")" = "in-container arg1" ]
}

@test "hooks: several hooks of one kind run in config order" {
	set_cfg '.hooks.createRuntime = [$a, $b, $c]' \
		--argjson a "$(host_hook first)" --argjson b "$(host_hook second)" --argjson c "$(host_hook third)"
	set_args true
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(order)" = "first second third " ]
}

@test "hooks: run runs poststop after the program exits" {
	all_hooks
	set_sh 'echo program >>/hooklog/order'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	o="$(order)"
	echo "$o"
	[[ "$o" == *"createContainer startContainer "*"program "*"poststop " ]]
	[[ "$o" == *"poststart "* ]]
	assert_nothing_left
}

# ----------------------------------------------------------------- failures

# check_create_fails KIND: create fails naming KIND, leaving nothing
check_create_fails() {
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"$1"* ]]
	assert_nothing_left
	[ ! -e "$ROOTFS/tmp/started" ]
}

@test "hooks: a failing prestart hook fails create, nothing is left" {
	set_hooks prestart "$(host_hook prestart 3)"
	set_sh 'touch /tmp/started'
	check_create_fails prestart
}

@test "hooks: a failing createRuntime hook fails create, nothing is left" {
	set_hooks createRuntime "$(host_hook createRuntime 3)"
	set_sh 'touch /tmp/started'
	check_create_fails createRuntime
}

@test "hooks: a failing createContainer hook fails create, nothing is left" {
	set_hooks createContainer "$(host_hook createContainer 3)"
	set_sh 'touch /tmp/started'
	check_create_fails createContainer
}

@test "hooks: a hook that cannot be executed fails create, nothing is left" {
	set_hooks createRuntime '{"path": "/no/such/hook-binary", "args": ["x"]}'
	set_sh 'touch /tmp/started'
	check_create_fails createRuntime
}

@test "hooks: the first failing hook stops the ones after it" {
	set_cfg '.hooks.createRuntime = [$a, $b, $c]' \
		--argjson a "$(host_hook first)" --argjson b "$(host_hook second 1)" --argjson c "$(host_hook third)"
	check_create_fails createRuntime
	[ "$(order)" = "first second " ]
}

@test "hooks: a failing startContainer hook fails start; the program never runs" {
	set_hooks startContainer "$(ct_hook startContainer 3)"
	set_sh 'touch /tmp/started; sleep 100'
	create_ct
	hrun start "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *startContainer* ]]
	sleep 0.2
	[ ! -e "$ROOTFS/tmp/started" ]
	[ "$(ct_status)" != running ]
	hull delete -f "$CID"
	assert_nothing_left
}

@test "hooks: a failing startContainer hook fails run, nothing is left" {
	set_hooks startContainer "$(ct_hook startContainer 3)"
	set_sh 'touch /tmp/started'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *startContainer* ]]
	[ ! -e "$ROOTFS/tmp/started" ]
	assert_nothing_left
}

@test "hooks: a failing poststart hook makes start fail, naming it" {
	set_hooks poststart "$(host_hook poststart 3)"
	set_args sleep 100
	create_ct
	hrun start "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *poststart* ]]
	hull delete -f "$CID" || true
	assert_nothing_left
}

@test "hooks: a failing poststart hook makes run fail, nothing is left" {
	set_hooks poststart "$(host_hook poststart 3)"
	set_sh 'sleep 100'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *poststart* ]]
	assert_nothing_left
}

@test "hooks: a failing poststop hook is a warning; delete succeeds and removes everything" {
	set_hooks poststop "$(host_hook poststop 3)"
	set_args true
	run_ct_detached
	wait_status "$CID" stopped
	hrun delete "$CID"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *poststop* ]]
	[ "$(order)" = "poststop " ]
	assert_nothing_left
}

@test "hooks: a failing poststop hook does not change run's exit status" {
	set_hooks poststop "$(host_hook poststop 3)"
	set_sh 'exit 4'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *poststop* ]]
	assert_nothing_left
}

@test "hooks: a hook exceeding its timeout is killed and fails create" {
	# the hook writes its pid, then becomes `sleep 30`
	set_hooks createRuntime "$(jq -cn --arg p "$LOG/slow.pid" \
		'{path: "/bin/busybox", args: ["sh", "-c", "echo $$ >\"$0\"; exec /bin/busybox sleep 30", $p], timeout: 1}')"
	start=$(date +%s%N)
	hrun create -b "$BUNDLE" "$CID"
	end=$(date +%s%N)
	[ "$status" -ne 0 ]
	[[ "$stderr" == *createRuntime* ]]
	echo "took $(((end - start) / 1000000)) ms"
	[ $(((end - start) / 1000000)) -lt 8000 ]
	[ $(((end - start) / 1000000)) -ge 900 ]
	slow="$(cat "$LOG/slow.pid")"
	retry 100 0.05 pid_dead "$slow"
	assert_nothing_left
}

@test "hooks: a hook finishing within its timeout is fine" {
	set_hooks createRuntime "$(host_hook createRuntime 0 null 5)"
	set_args true
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(order)" = "createRuntime " ]
}

@test "hooks: a poststart timeout counts as a failure" {
	set_hooks poststart '{"path": "/bin/busybox", "args": ["sleep", "30"], "timeout": 1}'
	set_args sleep 100
	start=$(date +%s%N)
	hrun run -d -b "$BUNDLE" "$CID"
	end=$(date +%s%N)
	[ "$status" -ne 0 ]
	[[ "$stderr" == *poststart* ]]
	[ $(((end - start) / 1000000)) -lt 8000 ]
}
