#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# linux.seccomp: actions, argument conditions, flags, the ENOSYS rule for
# newer syscalls, SCMP_ACT_NOTIFY with a listener, the default profile
# (contrib/seccomp/default.json), exec, the compiled-filter cache, features.
#
# Every test sets linux.seccomp with jq and looks at the effect from inside
# the container.  Tests marked "hull-specific" check hull's own error
# wording, flags or files; another runtime (HULL=$(command -v runc)) is
# expected to fail them.  Everything else passes with runc 1.1.5 except
# where a comment says otherwise: the three flags tests (runc 1.1 supports
# no flags) and NOTIFY on the runtime's own syscalls (runc refuses NOTIFY on
# write).
#
# Tools (built by `make unit` from tests/tools/): seccomp-listener (the
# listenerPath end) and sysnr (a static program copied into the rootfs that
# makes one raw syscall and prints "ret=R" or "errno=E").

load helpers

setup() {
	common_setup
	LISTENER_PID=""
}

teardown() {
	stop_listener
	common_teardown
}

UNISTD=/usr/include/x86_64-linux-gnu/asm/unistd_64.h

# ------------------------------------------------------------------ helpers

# nr NAME: the x86_64 number of syscall NAME
nr() {
	local n
	n="$(awk -v n="__NR_$1" '$1 == "#define" && $2 == n {print $3}' "$UNISTD")"
	[ -n "$n" ] || {
		echo "nr: no syscall $1 in $UNISTD" >&2
		return 1
	}
	echo "$n"
}

# nr32 NAME: the i386 number of syscall NAME (for sysnr -i)
nr32() {
	local n
	n="$(awk -v n="__NR_$1" '$1 == "#define" && $2 == n {print $3}' "${UNISTD%_64.h}_32.h")"
	[ -n "$n" ] || {
		echo "nr32: no syscall $1 in ${UNISTD%_64.h}_32.h" >&2
		return 1
	}
	echo "$n"
}

# need_x86_64: the syscall numbers used by a test are x86_64's.
need_x86_64() {
	[ "$(uname -m)" = x86_64 ] || skip "syscall numbers here are x86_64's"
	[ -r "$UNISTD" ] || skip "$UNISTD not found (linux-libc-dev)"
}

# use_sysnr: copy the static sysnr tool into the rootfs (/bin/sysnr).
use_sysnr() {
	need_x86_64
	need_tool sysnr
	cp "$HULL_TOOLS_DIR/sysnr" "$ROOTFS/bin/sysnr"
}

# i386_abi: whether this kernel takes syscalls made through int $0x80 (some
# refuse the i386 ABI, with CONFIG_IA32_EMULATION off or ia32_emulation=0:
# the instruction then faults).  Probed with getpid (i386 number 20).
i386_abi() { "$HULL_TOOLS_DIR/sysnr" -i 20 >/dev/null 2>&1; }
need_i386_abi() { i386_abi || skip "this kernel refuses the i386 syscall ABI (int \$0x80 faults)"; }

# seccomp JSON [jq args...]: linux.seccomp = JSON (a jq expression).
seccomp() {
	local j="$1"
	shift
	set_cfg ".linux.seccomp = ($j)" "$@"
}

# deny_mkdir ACTION [EXTRA]: default allow; mkdir/mkdirat get ACTION, EXTRA is
# jq added to the rule object (e.g. '{errnoRet: 28}').
deny_mkdir() {
	local x="${2:-}"
	[ -n "$x" ] || x='{}'
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: $a} + $x]}' \
		--arg a "$1" --argjson x "$x"
}

# syscalls_upto MAX [EXCEPT...]: a JSON array of the x86_64 syscall names
# numbered up to MAX, without EXCEPT: an allow-list that covers everything
# busybox, sysnr and a runtime's last steps before exec need.
syscalls_upto() {
	local max="$1"
	shift
	awk -v max="$max" '$1 == "#define" && $2 ~ /^__NR_/ && $3 + 0 <= max {print substr($2, 6)}' "$UNISTD" |
		jq -R . | jq -cs '. - $ARGS.positional' --args "$@"
}

# allow_only MAX DEFAULT_EXTRA EXCEPT...: default SCMP_ACT_ERRNO (with the
# jq object DEFAULT_EXTRA merged in, e.g. '{defaultErrnoRet: 30}'); the
# syscalls up to number MAX are allowed, except EXCEPT.
allow_only() {
	local max="$1" extra="$2"
	shift 2
	need_x86_64
	seccomp '{defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [{names: $n, action: "SCMP_ACT_ALLOW"}]} + $x' \
		--argjson n "$(syscalls_upto "$max" "$@")" --argjson x "$extra"
}

run_ct() { hrun run -b "$BUNDLE" "$CID"; }

# results: the container's output with "ret=..." lines as "ok" and
# "errno=N" as "EN", on one line ("ok E28 ok").
results() { sed -e 's/^ret=.*/ok/' -e 's/^errno=/E/' <<<"$output" | paste -sd ' '; }

# umask_cond ARGS_JSON VALUE...: umask (arg 0) fails with errno 28 when the
# conditions ARGS_JSON hold; the container calls umask(VALUE) for each VALUE.
umask_cond() {
	local args="$1" v script=""
	shift
	use_sysnr
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: 28, args: $c}]}' \
		--argjson c "$args"
	for v in "$@"; do script+="sysnr $(nr umask) $v; "; done
	set_sh "$script"
	run_ct
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
}

# the listener: start_listener [RULE...] (seccomp-listener's rules:
# NAME=errno:N, NAME=val:V).  LSOCK is its socket, LSTATE the prefix of its
# state files (LSTATE.1, LSTATE.2, ...) and log (LSTATE.log).
start_listener() {
	need_tool seccomp-listener
	LSOCK="$HULL_TEST_DIR/listener.sock"
	LSTATE="$HULL_TEST_DIR/listener"
	"$HULL_TOOLS_DIR/seccomp-listener" "$LSOCK" "$LSTATE" "$@" \
		>"$HULL_TEST_DIR/listener.out" 2>"$HULL_TEST_DIR/listener.err" </dev/null 3>&- &
	LISTENER_PID=$!
	retry 100 0.05 test -S "$LSOCK"
}

stop_listener() {
	[ -n "${LISTENER_PID:-}" ] || return 0
	kill -TERM "$LISTENER_PID" 2>/dev/null || true
	wait "$LISTENER_PID" 2>/dev/null || true
	LISTENER_PID=""
}

# notify_mkdir: default allow, mkdir/mkdirat notify the listener (started
# first), listenerMetadata "hello".
notify_mkdir() {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p, listenerMetadata: "hello",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' --arg p "$LSOCK"
}

# default_profile: contrib/seccomp/default.json.  runc 1.1 does not know
# SCMP_ARCH_RISCV64 (runc 1.2 and libseccomp 2.5 do): dropped for it only.
DEFAULT_PROFILE="$HULL_REPO_DIR/contrib/seccomp/default.json"
default_profile() {
	if "$HULL" --version 2>/dev/null | grep -q '^runc version 1\.[01]\.'; then
		jq -c '.architectures -= ["SCMP_ARCH_RISCV64"]' "$DEFAULT_PROFILE"
	else
		jq -c . "$DEFAULT_PROFILE"
	fi
}
use_default_profile() { seccomp '$p' --argjson p "$(default_profile)"; }

add_cap() {
	set_cfg '.process.capabilities |= with_entries(select(.key != "ambient") | .value += [$c] | .value |= unique)' \
		--arg c "$1"
}

# cache_files: the compiled-filter cache's files (hull-specific)
cache_files() { ls "$HULL_ROOT/seccomp" 2>/dev/null | sort; }

ENOSPC_MSG="No space left on device"

# ------------------------------------------------------------------ actions

@test "SCMP_ACT_ERRNO without errnoRet: EPERM" {
	deny_mkdir SCMP_ACT_ERRNO
	set_sh 'mkdir /tmp/d; echo rc=$?; echo done'
	run_ct
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"Operation not permitted"* ]]
	[ "${lines[0]}" = rc=1 ]
	[ "${lines[1]}" = done ]
	[ ! -e "$ROOTFS/tmp/d" ]
}

@test "SCMP_ACT_ERRNO with errnoRet" {
	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
	set_args mkdir /tmp/d
	run_ct
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$ENOSPC_MSG"* ]]
	[ ! -e "$ROOTFS/tmp/d" ]
}

@test "defaultErrnoRet: the default action's errno" {
	allow_only 334 '{"defaultErrnoRet": 30}' mkdir mkdirat
	set_sh 'echo before; mkdir /tmp/d; echo rc=$?'
	run_ct
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = before ]
	[ "${lines[1]}" = rc=1 ]
	[[ "$stderr" == *"Read-only file system"* ]]
	[ ! -e "$ROOTFS/tmp/d" ]
}

@test "SCMP_ACT_ALLOW under a default SCMP_ACT_ERRNO (EPERM)" {
	allow_only 334 '{}' mkdir mkdirat
	set_sh 'echo hello; cat /etc/group | head -n 1; ls /bin/busybox; mkdir /tmp/d; echo rc=$?'
	run_ct
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = root:x:0: ]
	[ "${lines[2]}" = /bin/busybox ]
	[ "${lines[3]}" = rc=1 ]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

@test "SCMP_ACT_KILL: the process dies of SIGSYS" {
	deny_mkdir SCMP_ACT_KILL
	set_args mkdir /tmp/d
	run_ct
	[ "$status" -eq 159 ]
	[ ! -e "$ROOTFS/tmp/d" ]
	assert_nothing_left
}

@test "SCMP_ACT_KILL_THREAD: the (single-threaded) process dies of SIGSYS" {
	deny_mkdir SCMP_ACT_KILL_THREAD
	set_args mkdir /tmp/d
	run_ct
	[ "$status" -eq 159 ]
	[ ! -e "$ROOTFS/tmp/d" ]
}

@test "SCMP_ACT_KILL_PROCESS: the process dies of SIGSYS" {
	deny_mkdir SCMP_ACT_KILL_PROCESS
	set_args mkdir /tmp/d
	run_ct
	[ "$status" -eq 159 ]
	[ ! -e "$ROOTFS/tmp/d" ]
}

@test "SCMP_ACT_TRAP: SIGSYS, which a handler can catch" {
	deny_mkdir SCMP_ACT_TRAP
	set_args mkdir /tmp/d
	run_ct
	[ "$status" -eq 159 ]
	[ ! -e "$ROOTFS/tmp/d" ]

	# with a handler: si_code SYS_SECCOMP (1), si_syscall the call
	use_sysnr
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["umask"], action: "SCMP_ACT_TRAP"}]}'
	set_args sysnr -t "$(nr umask)" 18
	run_ct
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "SIGSYS syscall=$(nr umask) code=1 errno=0" ]
}

@test "SCMP_ACT_LOG: the syscall runs (and is logged)" {
	local before=0 after
	local pat="type=1326.*syscall=$(nr mkdir) .*code=0x7ffc0000"
	if dmesg >/dev/null 2>&1; then
		before="$(dmesg | grep -c "$pat" || true)"
	fi
	deny_mkdir SCMP_ACT_LOG
	set_sh 'mkdir /tmp/d && echo made'
	run_ct
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	[ -d "$ROOTFS/tmp/d" ]
	# the audit line is seen where the kernel log is readable, "log" is
	# among the logged actions and no audit daemon takes the records
	if dmesg >/dev/null 2>&1 && grep -qw log /proc/sys/kernel/seccomp/actions_logged 2>/dev/null &&
		! pgrep -x auditd >/dev/null; then
		after_count() { [ "$(dmesg | grep -c "$pat" || true)" -gt "$before" ]; }
		retry 40 0.05 after_count
	fi
}

@test "SCMP_ACT_TRACE without a tracer: ENOSYS" {
	deny_mkdir SCMP_ACT_TRACE '{"errnoRet": 5}'
	set_args mkdir /tmp/d
	run_ct
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"Function not implemented"* ]]
	[ ! -e "$ROOTFS/tmp/d" ]
}

# ------------------------------------------------------ argument conditions
# umask(2)'s arg 0 is compared; umask fails with errno 28 where the rule
# matches.

@test "args: SCMP_CMP_NE" {
	umask_cond '[{"index": 0, "value": 18, "op": "SCMP_CMP_NE"}]' 17 18 19
	[ "$(results)" = "E28 ok E28" ]
}

@test "args: SCMP_CMP_LT" {
	umask_cond '[{"index": 0, "value": 18, "op": "SCMP_CMP_LT"}]' 17 18 19
	[ "$(results)" = "E28 ok ok" ]
}

@test "args: SCMP_CMP_LE" {
	umask_cond '[{"index": 0, "value": 18, "op": "SCMP_CMP_LE"}]' 17 18 19
	[ "$(results)" = "E28 E28 ok" ]
}

@test "args: SCMP_CMP_EQ" {
	umask_cond '[{"index": 0, "value": 18, "op": "SCMP_CMP_EQ"}]' 17 18 19
	[ "$(results)" = "ok E28 ok" ]
}

@test "args: SCMP_CMP_GE" {
	umask_cond '[{"index": 0, "value": 18, "op": "SCMP_CMP_GE"}]' 17 18 19
	[ "$(results)" = "ok E28 E28" ]
}

@test "args: SCMP_CMP_GT" {
	umask_cond '[{"index": 0, "value": 18, "op": "SCMP_CMP_GT"}]' 17 18 19
	[ "$(results)" = "ok ok E28" ]
}

@test "args: SCMP_CMP_MASKED_EQ (value is the mask, valueTwo the result)" {
	umask_cond '[{"index": 0, "value": 15, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]' 0x12 0x13 0x22 2 0xf2 0x11
	[ "$(results)" = "E28 ok E28 E28 E28 ok" ]
}

# libseccomp cannot AND two conditions on the same argument (it refuses the
# rule with EINVAL), so runc and crun add each such condition as a rule of
# its own: any one of them matching is enough.  hull means the same.  (A
# "range" GE a + LE b on one argument therefore matches every value.)
@test "args: two conditions on one argument are separate rules (any one matches, as in runc)" {
	umask_cond '[{"index": 0, "value": 10, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 20, "op": "SCMP_CMP_EQ"}]' \
		9 10 15 20 21
	[ "$(results)" = "ok E28 ok E28 ok" ]
}

@test "args: conditions on different arguments must all hold" {
	use_sysnr
	# getpriority(which, who): PRIO_PROCESS 0 / PRIO_PGRP 1, who 0 (self) or 1 (the init)
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["getpriority"], action: "SCMP_ACT_ERRNO", errnoRet: 28,
			args: [{index: 0, value: 0, op: "SCMP_CMP_EQ"}, {index: 1, value: 0, op: "SCMP_CMP_EQ"}]}]}'
	local g
	g="$(nr getpriority)"
	set_sh "sysnr $g 0 0; sysnr $g 1 0; sysnr $g 0 1"
	run_ct
	[ "$(results)" = "E28 ok ok" ]
}

@test "args: kill(2)'s signal (arg 1), seen by busybox's kill" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 10, op: "SCMP_CMP_EQ"}]}]}'
	set_sh 'kill -0 $$ && echo sig0-ok; kill -USR1 $$ || echo usr1-refused'
	run_ct
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = sig0-ok ]
	[ "${lines[1]}" = usr1-refused ]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

# ------------------------------------------------- names, errors and flags

@test "a syscall name unknown to libseccomp is skipped, the rest of the rule applies" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["no_such_syscall_hull", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
	set_sh 'echo running; mkdir /tmp/d'
	run_ct
	[ "$status" -eq 1 ]
	[ "$output" = running ]
	[[ "$stderr" == *"$ENOSPC_MSG"* ]]
}

# hull-specific (wording)
@test "an unknown action is refused, naming the rule" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["getpid"], action: "SCMP_ACT_ERRNO"}, {names: ["mkdir"], action: "SCMP_ACT_FOO"}]}'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.seccomp.syscalls[1].action' SCMP_ACT_FOO
	assert_nothing_left
}

# hull-specific (wording)
@test "an unknown default action is refused" {
	seccomp '{defaultAction: "SCMP_ACT_FOO", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.seccomp.defaultAction' SCMP_ACT_FOO
	assert_nothing_left
}

# hull-specific (wording)
@test "an unknown operator is refused, naming the argument" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["umask"], action: "SCMP_ACT_ERRNO",
			args: [{index: 0, value: 1, op: "SCMP_CMP_EQ"}, {index: 1, value: 2, op: "SCMP_CMP_FOO"}]}]}'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.seccomp.syscalls[0].args[1].op' SCMP_CMP_FOO
	assert_nothing_left
}

# hull-specific (wording)
@test "an unknown architecture is refused" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_FOO"],
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.seccomp.architectures[1]' SCMP_ARCH_FOO
	assert_nothing_left
}

# hull-specific (wording)
@test "an unknown flag is refused" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO"],
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.seccomp.flags[1]' SECCOMP_FILTER_FLAG_FOO
	assert_nothing_left
}

# flags_run FLAG: the filter with FLAG is installed (mkdir gets errno 28)
flags_run() {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", flags: [$f],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}' --arg f "$1"
	set_sh 'echo running; mkdir /tmp/d'
	run_ct
	[ "$status" -eq 1 ]
	[ "$output" = running ]
	[[ "$stderr" == *"$ENOSPC_MSG"* ]]
}

# (runc 1.1 supports no flags at all: "seccomp flags are not yet supported")
@test "flags: SECCOMP_FILTER_FLAG_LOG" {
	flags_run SECCOMP_FILTER_FLAG_LOG
}

@test "flags: SECCOMP_FILTER_FLAG_SPEC_ALLOW" {
	flags_run SECCOMP_FILTER_FLAG_SPEC_ALLOW
}

@test "flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" {
	flags_run SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
}

@test "a syscall newer than every syscall the profile names gets ENOSYS, an older unlisted one the default errno" {
	use_sysnr
	# control, without a filter: faccessat2 and mkdir with NULL paths: EFAULT
	set_sh "sysnr $(nr faccessat2) 0 0 0 0; sysnr $(nr mkdir) 0 0"
	run_ct
	[ "$(results)" = "E14 E14" ]

	# the profile names syscalls up to rseq (334), not faccessat2 (439) nor mkdir (83)
	allow_only "$(nr rseq)" '{}' mkdir mkdirat
	run_ct
	[ "$(results)" = "E38 E1" ]
}

@test "architectures: a syscall made through the i386 ABI is filtered by its own rules" {
	use_sysnr
	need_i386_abi
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
	set_sh "sysnr -i $(nr32 mkdir) 0 0; sysnr -i $(nr32 getpid); sysnr $(nr mkdir) 0 0"
	run_ct
	[ "$(results)" = "E28 ok E28" ]
}

@test "architectures: without SCMP_ARCH_X86 an i386 syscall does not get through" {
	use_sysnr
	need_i386_abi   # (else the call faults whatever the filter says)
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
	# not made (EFAULT would say the kernel ran it): libseccomp's
	# bad-architecture action kills the process (runc alike)
	set_args sysnr -i "$(nr32 mkdir)" 0 0
	run_ct
	[ "$status" -ne 0 ]
	refute grep -q -e errno=14 -e ret= <<<"$output"
}

# ------------------------------------------------------------------- notify

@test "notify: the listener's errno answer, and the state it receives" {
	start_listener mkdir=errno:28 mkdirat=errno:28
	notify_mkdir
	set_sh 'echo running; mkdir /tmp/d'
	run_ct
	[ "$status" -eq 1 ]
	[ "$output" = running ]
	[[ "$stderr" == *"$ENOSPC_MSG"* ]]
	[ ! -e "$ROOTFS/tmp/d" ]
	local s="$LSTATE.1"
	[ -s "$s" ]
	cat "$s"
	jq -e '.ociVersion | type == "string" and length > 0' "$s"
	jq -e '.fds == ["seccompFd"]' "$s"
	jq -e '.pid > 0' "$s"
	jq -e '.metadata == "hello"' "$s"
	jq -e --arg id "$CID" '.state.id == $id' "$s"
	jq -e '.state.status == "creating"' "$s"
	jq -e --arg b "$BUNDLE" '.state.bundle == $b' "$s"
	jq -e '.state.ociVersion | type == "string"' "$s"
	grep -qx 'mkdir\(at\)\?' "$LSTATE.log"
	[ ! -e "$LSTATE.2" ]
}

@test "notify: create and start apart (the filter, and its hand-over, around start)" {
	start_listener mkdir=errno:28 mkdirat=errno:28
	notify_mkdir
	set_sh 'mkdir /tmp/d; echo rc=$?'
	create_ct
	wait_status "$CID" created
	hull start "$CID"
	retry 100 0.05 grep -q rc= "$HULL_TEST_DIR/$CID.out"
	[ "$(cat "$HULL_TEST_DIR/$CID.out")" = rc=1 ]
	grep -q "$ENOSPC_MSG" "$HULL_TEST_DIR/$CID.err"
	cat "$LSTATE.1"
	jq -e --arg id "$CID" '.state.id == $id and .metadata == "hello"' "$LSTATE.1"
	[ ! -e "$ROOTFS/tmp/d" ]
}

@test "notify: the listener lets the syscall continue" {
	start_listener
	notify_mkdir
	set_sh 'mkdir /tmp/d && echo made'
	run_ct
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	[ -d "$ROOTFS/tmp/d" ]
	grep -qx 'mkdir\(at\)\?' "$LSTATE.log"
}

@test "notify: the listener's value answer (the syscall is not run)" {
	start_listener mkdir=val:0 mkdirat=val:0
	notify_mkdir
	set_sh 'mkdir /tmp/d && echo rc=0; test -e /tmp/d || echo absent'
	run_ct
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = rc=0 ]
	[ "${lines[1]}" = absent ]
}

# hull-specific (wording; runc says "listenerPath is not set")
@test "notify without listenerPath is refused" {
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'linux.seccomp.listenerPath'
	assert_nothing_left
}

@test "notify: a listenerPath nobody listens on fails create, nothing left" {
	LSOCK="$HULL_TEST_DIR/nobody.sock"
	notify_mkdir
	set_args true
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *nobody.sock* ]]
	assert_nothing_left
}

# The syscalls a runtime itself makes between installing the filter and the
# program's exec (and the program's first ones).  The listener lets them all
# continue; the run must complete, not hang waiting for a listener that
# cannot get the notify fd yet.  runc 1.1 refuses NOTIFY on write.
RUNTIME_SYSCALLS=(write close fcntl sendmsg recvmsg sendto recvfrom read openat open execve execveat
	dup dup2 dup3 prctl capset capget setresuid setresgid setgroups setuid setgid setsid chdir fchdir
	close_range rt_sigprocmask rt_sigaction getpid ioctl poll ppoll mmap munmap mprotect brk newfstatat
	fstat futex kill umask exit_group)

@test "notify on the runtime's own syscalls: run completes" {
	start_listener
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: $n, action: "SCMP_ACT_NOTIFY"}]}' --arg p "$LSOCK" \
		--argjson n "$(printf '%s\n' "${RUNTIME_SYSCALLS[@]}" | jq -R . | jq -cs .)"
	set_sh 'echo one; cat /etc/group | head -n 1'
	hrun_t 60 run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = one ]
	[ "${lines[1]}" = root:x:0: ]
	# the program's own syscalls were notified
	grep -qx 'execve\(at\)\?' "$LSTATE.log"
	grep -qx write "$LSTATE.log"
	assert_nothing_left
}

@test "notify on each of the runtime's syscalls alone: run completes" {
	local s failed=()
	start_listener
	set_args echo ok
	for s in "${RUNTIME_SYSCALLS[@]}"; do
		seccomp '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
			syscalls: [{names: [$s], action: "SCMP_ACT_NOTIFY"}]}' --arg p "$LSOCK" --arg s "$s"
		hrun_t 10 run -b "$BUNDLE" "$CID"
		if [ "$status" -ne 0 ] || [ "$output" != ok ]; then
			failed+=("$s (status $status)")
			hull delete -f "$CID" >/dev/null 2>&1 || true
		fi
	done
	if [ "${#failed[@]}" -gt 0 ]; then
		echo "NOTIFY on these failed: ${failed[*]}" >&2
		return 1
	fi
}

# caps_and_filter: the container's capability sets, no_new_privs and
# seccomp mode, then a mkdir (errno 28 under the test's filter)
caps_and_filter() {
	set_sh 'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" /proc/self/status; mkdir /tmp/d 2>/dev/null || echo mkdir-refused'
}

@test "noNewPrivileges false: the filter goes in and no capability is left over (root and a user)" {
	local u control
	set_cfg '.process.noNewPrivileges = false'
	caps_and_filter
	for u in 0 1000; do
		set_cfg '.process.user = {uid: $u, gid: $u} | .linux.seccomp = null' --argjson u "$u"
		rm -rf "$ROOTFS/tmp/d"
		run_ct
		[ "$status" -eq 0 ]
		control="$(grep -v mkdir-refused <<<"$output")"
		rm -rf "$ROOTFS/tmp/d"
		deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
		run_ct
		[ "$status" -eq 0 ]
		[ "$(grep -v mkdir-refused <<<"$output")" = "$control" ]
		[ "${lines[-1]}" = mkdir-refused ]
	done
}

@test "noNewPrivileges false and capset refused by the profile: never runs with more capabilities" {
	set_cfg '.process.noNewPrivileges = false'
	caps_and_filter
	run_ct
	[ "$status" -eq 0 ]
	local control="$output"
	seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["capset"], action: "SCMP_ACT_ERRNO"}]}'
	rm -rf "$ROOTFS/tmp/d"
	run_ct
	# refusing to start is fine (runc does); running is fine with the
	# configured capabilities only
	if [ "$status" -eq 0 ]; then
		[ "$output" = "$control" ]
	fi
	assert_nothing_left
}

# ------------------------------------------------------ the default profile

@test "default profile: contrib/seccomp/default.json is well-formed" {
	jq -e '.defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 1' "$DEFAULT_PROFILE"
	jq -e '.architectures | index("SCMP_ARCH_X86_64") and index("SCMP_ARCH_X86") and index("SCMP_ARCH_X32")' "$DEFAULT_PROFILE"
	# the unconditional allow-list: ~350 names, none that needs a capability
	# the default set lacks
	jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and (.args // [] | length) == 0) | .names[]] | length > 340' "$DEFAULT_PROFILE"
	local n
	for n in mount umount2 unshare setns pivot_root chroot bpf perf_event_open kexec_load init_module \
		reboot swapon sethostname settimeofday clock_settime open_by_handle_at add_key keyctl syslog \
		kcmp pidfd_getfd iopl ioperm; do
		jq -e --arg n "$n" '[.syscalls[] | select(.action != "SCMP_ACT_ERRNO") | .names[]] | index($n) | not' \
			"$DEFAULT_PROFILE" >/dev/null || {
			echo "$n is allowed" >&2
			return 1
		}
	done
}

@test "default profile: busybox's common applets run" {
	use_default_profile
	cat >"$ROOTFS/applets.sh" <<'EOF'
set -e
ls / >/dev/null
cat /etc/passwd >/dev/null
ps >/dev/null
echo abc | grep -q b
echo abc | sed s/b/x/ | grep -qx axc
echo 1 2 | awk '{print $2}' | grep -qx 2
printf '3\n1\n2\n' | sort | head -n 1 | grep -qx 1
seq 1 10 | tail -n 2 | head -n 1 | grep -qx 9
echo a b | wc -w | grep -qx 2
mkdir -p /tmp/d/e
touch /tmp/d/e/f
cp /tmp/d/e/f /tmp/d/g
mv /tmp/d/g /tmp/d/h
rm /tmp/d/h
chmod 600 /tmp/d/e/f
chown 0:0 /tmp/d/e/f
tar -C /tmp -cf /tmp/a.tar d
tar -tf /tmp/a.tar | grep -q d/e/f
find /tmp -name f | grep -q /tmp/d/e/f
dd if=/dev/zero of=/tmp/zero bs=1k count=4 2>/dev/null
[ "$(wc -c </tmp/zero)" -eq 4096 ]
date >/dev/null
id -u | grep -qx 0
env | grep -q ^PATH=
hostname >/dev/null
uname -a >/dev/null
wget -h >/dev/null 2>&1 || true
sleep 0.1
sleep 10 &
kill $!
wait $! || true
if mount -t tmpfs t /mnt 2>/dev/null; then echo mount-worked; exit 1; fi
echo all-ok
EOF
	mkdir -p "$ROOTFS/mnt"
	set_args sh /applets.sh
	run_ct
	[ "$status" -eq 0 ]
	[ "$output" = all-ok ]
}

@test "default profile: unshare and mount are refused by the filter (even with CAP_SYS_ADMIN)" {
	mkdir -p "$ROOTFS/mnt"
	add_cap CAP_SYS_ADMIN
	set_sh 'unshare -n true && echo unshare-ok; mount -t tmpfs t /mnt && echo mount-ok; true'
	# control: without the filter the capability allows both
	run_ct
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = unshare-ok ]
	[ "${lines[1]}" = mount-ok ]

	use_default_profile
	run_ct
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"unshare"*"Operation not permitted"* ]]
	[[ "$stderr" == *"mount"* ]]
}

@test "default profile: personality, clone, clone3, socket(AF_VSOCK), newer syscalls" {
	use_sysnr
	add_cap CAP_SYS_ADMIN # so that EPERM comes from the filter, not the kernel
	use_default_profile
	local p s c
	p="$(nr personality)" s="$(nr socket)" c="$(nr clone)"
	# personality: 0, PER_LINUX32, PER_LINUX32|UNAME26, query; not ADDR_NO_RANDOMIZE
	# clone: a plain fork; not CLONE_NEWNET|SIGCHLD; clone3: ENOSYS (glibc falls back)
	# socket: AF_UNIX yes, AF_VSOCK (40) no; lsm_list_modules (461): newer than the profile
	# unshare(CLONE_NEWNET), also through the i386 ABI, and an i386 mount: no
	set_sh "sysnr $p 0; sysnr $p 8; sysnr $p 0x20008; sysnr $p 0xffffffff; sysnr $p 0x40000;
		sysnr $c 17 0 0 0 0; sysnr $c 0x40000011 0 0 0 0; sysnr $(nr clone3) 0 0;
		sysnr $s 1 1 0; sysnr $s 40 1 0; sysnr 461 0 0 0;
		sysnr $(nr unshare) 0x40000000"
	local want="ok ok ok ok E1 ok E1 E38 ok E1 E38 E1"
	# the i386 calls only where this kernel has that ABI (else they fault)
	if i386_abi; then
		set_sh "$(jq -r '.process.args[2]' "$CONFIG"); sysnr -i $(nr32 unshare) 0x40000000; sysnr -i $(nr32 mount) 0 0 0 0 0"
		want="$want E1 E1"
	fi
	run_ct
	[ "$(results)" = "$want" ]
}

# hull-specific (flag)
@test "hull spec --seccomp: the built-in default profile is contrib/seccomp/default.json" {
	local d="$HULL_TEST_DIR/spec"
	mkdir -p "$d"
	(cd "$d" && hull spec --seccomp)
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO"' "$d/config.json"
	local norm='{defaultAction, defaultErrnoRet: (.defaultErrnoRet // 1), architectures: (.architectures | sort),
		syscalls: ([.syscalls[] | {names: (.names | sort), action, errnoRet: (.errnoRet // null),
			args: ((.args // []) | map({index, value, valueTwo: (.valueTwo // 0), op}))}] | sort)}'
	diff <(jq -S "$norm" "$DEFAULT_PROFILE") <(jq -S ".linux.seccomp | $norm" "$d/config.json")
	# and without the flag there is no seccomp section
	rm "$d/config.json"
	(cd "$d" && hull spec)
	jq -e '.linux.seccomp == null' "$d/config.json"
}

# --------------------------------------------------------------------- exec

@test "exec: the process is under the container's filter" {
	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	hrun exec "$CID" mkdir /tmp/d
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$ENOSPC_MSG"* ]]
	[ ! -e "$ROOTFS/tmp/d" ]
	hrun exec "$CID" echo still-here
	[ "$status" -eq 0 ]
	[ "$output" = still-here ]
}

@test "exec: with a notify profile the listener gets a second connection (status running)" {
	start_listener mkdir=errno:28 mkdirat=errno:28
	notify_mkdir
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	wait_file "$LSTATE.1"
	# three times: the hand-over must not race the exec'd program
	local i s
	for i in 2 3 4; do
		hrun exec "$CID" mkdir /tmp/d
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"$ENOSPC_MSG"* ]]
		s="$LSTATE.$i"
		[ -s "$s" ]
		cat "$s"
		jq -e '.state.status == "running"' "$s"
		jq -e --arg id "$CID" '.state.id == $id' "$s"
		jq -e '.fds == ["seccompFd"] and .metadata == "hello" and .pid > 0' "$s"
		# the exec'd process, not the init
		[ "$(jq .pid "$s")" != "$(jq .pid "$LSTATE.1")" ]
	done
	[ ! -e "$ROOTFS/tmp/d" ]
}

# ----------------------------------------------------- compiled-filter cache
# hull-specific: hull keeps compiled filters in $HULL_ROOT/seccomp/<16 hex
# digits>.bpf, one per distinct profile.

@test "cache: a run leaves one compiled filter, the same profile reuses it, another adds one" {
	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
	set_args true
	run_ct
	[ "$status" -eq 0 ]
	cache_files
	[ "$(cache_files | wc -l)" -eq 1 ]
	cache_files | grep -Eqx '[0-9a-f]{16}\.bpf'
	local first
	first="$(cache_files)"

	hrun run -b "$BUNDLE" "${CID}b"
	[ "$status" -eq 0 ]
	[ "$(cache_files)" = "$first" ]

	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 30}'
	hrun run -b "$BUNDLE" "${CID}c"
	[ "$status" -eq 0 ]
	[ "$(cache_files | wc -l)" -eq 2 ]
	cache_files | grep -qx "$first"
	refute test -n "$(cache_files | grep -Evx '[0-9a-f]{16}\.bpf')"
}

# cache_poison CONTENT_CMD: run once to fill the cache, overwrite the file
# with CONTENT_CMD's output, run again: the filter still works and the file
# was replaced.
cache_poison() {
	deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
	set_args true
	run_ct
	[ "$status" -eq 0 ]
	local f
	f="$HULL_ROOT/seccomp/$(cache_files)"
	[ -f "$f" ]
	"$@" >"$f"
	local bad
	bad="$(sha256sum <"$f")"
	set_args mkdir /tmp/d
	hrun run -b "$BUNDLE" "${CID}b"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$ENOSPC_MSG"* ]]
	[ ! -e "$ROOTFS/tmp/d" ]
	[ -f "$f" ]
	[ "$(sha256sum <"$f")" != "$bad" ]
}

@test "cache: a cache file overwritten with garbage is ignored and replaced" {
	cache_poison echo garbage
}

@test "cache: a cache file of zeros (a multiple of 8 bytes, not a valid program) is ignored and replaced" {
	cache_poison head -c 64 /dev/zero
}

@test "cache: a cache file holding another valid program (allow all) is not used" {
	# one classic BPF instruction: BPF_RET|BPF_K SECCOMP_RET_ALLOW
	cache_poison printf '\x06\x00\x00\x00\x00\x00\xff\x7f'
}

# ----------------------------------------------------------------- features

# hull-specific
@test "features: seccomp" {
	hrun features
	[ "$status" -eq 0 ]
	local f="$HULL_TEST_DIR/features.json"
	echo "$output" >"$f"
	jq -e '.linux.seccomp.enabled == true' "$f"
	jq -e '.linux.seccomp.actions | contains(["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"])' "$f"
	jq -e '.linux.seccomp.operators | contains(["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"])' "$f"
	jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64")' "$f"
	local k
	for k in knownFlags supportedFlags; do
		jq -e --arg k "$k" '.linux.seccomp[$k] | contains(["SECCOMP_FILTER_FLAG_LOG",
			"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])' "$f"
	done
}
