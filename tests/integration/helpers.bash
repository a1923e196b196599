# SPDX-License-Identifier: Apache-2.0
# Shared helpers for hull's integration tests.  Every .bats file does
#     load helpers
# which gives it setup_file/setup/teardown (override them and call the
# common_* functions if a file needs more), the `hull` wrapper and the
# bundle builders.
#
# Environment:
#   HULL   the runtime under test (default: the repo's ./hull).  Any runc-like
#          runtime works, e.g. HULL=$(command -v runc) to check the tests.
#   HULL_TEST_TMP  where per-test directories are created (default /tmp).

bats_require_minimum_version 1.5.0

HULL_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HULL_REPO_DIR="$(cd "$HULL_TESTS_DIR/../.." && pwd)"
# retry, refute, none_left
source "$HULL_REPO_DIR/tests/common.bash"
: "${HULL:=$HULL_REPO_DIR/hull}"
if [[ "$HULL" != /* ]]; then
	if [[ "$HULL" == */* ]]; then
		HULL="$(cd "$(dirname "$HULL")" && pwd)/$(basename "$HULL")"
	else
		HULL="$(command -v "$HULL" || echo "$HULL")"
	fi
fi
export HULL

BUSYBOX="${BUSYBOX:-/bin/busybox}"

# ---------------------------------------------------------------- wrappers

# hull ARGS...: the runtime with this test's private state directory.  The
# HULL_TEST_MARK variable is inherited by hull and everything it forks before
# the container's exec; teardown uses it to find leftovers.  fd 3 (bats'
# own output channel) is closed so a detached container can never hold it.
hull() {
	HULL_TEST_MARK="$HULL_TEST_DIR" "$HULL" --root "$HULL_ROOT" "$@" 3>&-
}

# hrun ARGS...: like bats' `run hull ARGS...` but stdout and stderr go to
# files instead of pipes, so a container that keeps running (create, run -d)
# cannot make the test wait for EOF.  Sets status, output, lines, stderr,
# stderr_lines.  stdin is /dev/null.
hrun() {
	HRUN_N=$((${HRUN_N:-0} + 1))
	local o="$HULL_TEST_DIR/hrun.$HRUN_N.out" e="$HULL_TEST_DIR/hrun.$HRUN_N.err"
	status=0
	hull "$@" >"$o" 2>"$e" </dev/null || status=$?
	hrun_record "$o" "$e" "hull $*"
}

# hrun_record OUT ERR LABEL: hrun's variables from the two files, and the
# trace bats shows when a test fails.
hrun_record() {
	output="$(cat "$1")"
	stderr="$(cat "$2")"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	mapfile -t stderr_lines <<<"$stderr"
	[ -n "$stderr" ] || stderr_lines=()
	HRUN_OUT="$1" HRUN_ERR="$2"
	echo "# $3 -> status $status" >&2
	[ -z "$output" ] || printf '# stdout: %s\n' "$output" >&2
	[ -z "$stderr" ] || printf '# stderr: %s\n' "$stderr" >&2
	return 0
}

# hull_bg OUTFILE ARGS...: start `hull ARGS...` in the background (no shell
# in between, so signals sent to $HULL_BG_PID reach hull itself).  stdout
# goes to OUTFILE, stderr to OUTFILE.err.
hull_bg() {
	local out="$1"
	shift
	HULL_TEST_MARK="$HULL_TEST_DIR" "$HULL" --root "$HULL_ROOT" "$@" \
		>"$out" 2>"$out.err" </dev/null 3>&- &
	HULL_BG_PID=$!
	HULL_BG_PIDS+=("$HULL_BG_PID")
}

# create_ct [ID] [extra create args]: `hull create` with the test bundle,
# container stdio to files ($HULL_TEST_DIR/ID.out / ID.err); fails the test
# if create fails.
create_ct() {
	local id="${1:-$CID}"
	shift || true
	hull create -b "$BUNDLE" "$@" "$id" \
		>"$HULL_TEST_DIR/$id.out" 2>"$HULL_TEST_DIR/$id.err" </dev/null || {
		echo "create $id failed: $(cat "$HULL_TEST_DIR/$id.err")" >&2
		return 1
	}
}

# run_ct_detached [ID]: create + start.
run_ct_detached() {
	local id="${1:-$CID}"
	create_ct "$id" && hull start "$id"
}

# ------------------------------------------------------------ small helpers

ct_status() { hull state "${1:-$CID}" 2>/dev/null | jq -r .status; }
ct_pid() { hull state "${1:-$CID}" 2>/dev/null | jq -r .pid; }

status_is() { [ "$(ct_status "$1")" = "$2" ]; }

# wait_status ID STATUS: wait (up to ~5s) for the container to reach STATUS.
wait_status() { retry 100 0.05 status_is "$1" "$2"; }

# wait_file FILE: wait (up to ~5s) for FILE to exist and be non-empty.
wait_file() { retry 100 0.05 test -s "$1"; }

# wait_grep PATTERN FILE: wait (up to ~5s) for PATTERN to appear in FILE.
wait_grep() { retry 100 0.05 grep -q -- "$1" "$2"; }

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
	[ -n "$1" ] && [ "$1" != 0 ] && [ -e "/proc/$1" ] || return 1
	local st
	st="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
pid_dead() { ! pid_alive "$1"; }

# ns_of PID TYPE: the namespace link ("net:[4026531840]") of a process.
ns_of() { readlink "/proc/$1/ns/$2"; }

# cgroup_dirs PID: the host directories of every cgroup the process is in
# (v1: /sys/fs/cgroup/<controller>/<path>, v2: /sys/fs/cgroup/unified/<path>).
cgroup_dirs() {
	local line hier ctrls path c d
	while IFS= read -r line; do
		hier="${line%%:*}"
		line="${line#*:}"
		ctrls="${line%%:*}"
		path="${line#*:}"
		if [ "$hier" = 0 ] && [ -z "$ctrls" ]; then
			d="/sys/fs/cgroup/unified$path"
			[ -d "/sys/fs/cgroup/unified" ] || d="/sys/fs/cgroup$path"
			echo "$d"
			continue
		fi
		# "name=systemd" lives in /sys/fs/cgroup/systemd; "cpu,cpuacct" may
		# be mounted as one directory or as links per controller.
		d=""
		for c in "${ctrls#name=}" "${ctrls%%,*}"; do
			if [ -d "/sys/fs/cgroup/$c" ]; then
				d="/sys/fs/cgroup/$c$path"
				break
			fi
		done
		[ -n "$d" ] && echo "$d"
	done <"/proc/$1/cgroup"
}

# host cgroup directories named like this test's containers
leftover_cgroups() {
	find /sys/fs/cgroup -maxdepth 6 -type d -name "${1:-$CID}*" 2>/dev/null
}

# mounts (host mount namespace) whose mount point or root mentions STRING
host_mounts_mentioning() {
	grep -F -- "$1" /proc/self/mountinfo || true
}

# processes carrying this test's marker (hull itself, its helpers, containers)
marked_pids() {
	local f p
	for f in $(grep -lzxF "HULL_TEST_MARK=$HULL_TEST_DIR" /proc/[0-9]*/environ 2>/dev/null); do
		p="${f#/proc/}"
		p="${p%/environ}"
		[ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
		pid_alive "$p" && echo "$p"
	done
	return 0
}

# assert_nothing_left [ID]: no state, no cgroup, no mount, no process.
assert_nothing_left() {
	local id="${1:-$CID}"
	if [ -e "$HULL_ROOT/$id" ]; then
		echo "state directory left: $HULL_ROOT/$id" >&2
		return 1
	fi
	none_left "cgroup directories" "$(leftover_cgroups "$id")" || return 1
	none_left mounts "$(host_mounts_mentioning "$BUNDLE")" || return 1
	# a process may take a moment to be reaped
	if ! retry 40 0.05 test -z "$(marked_pids)"; then
		echo "processes left: $(marked_pids | xargs -r ps -o pid,args -p)" >&2
		return 1
	fi
	if [ -n "$(hull list -q 2>/dev/null | grep -xF "$id")" ]; then
		echo "hull list still shows $id" >&2
		return 1
	fi
}

# assert_one_line_error [WORD...]: stderr (of hrun or run --separate-stderr)
# is exactly one non-empty line and mentions every WORD.
assert_one_line_error() {
	local w n=0 l
	for l in "${stderr_lines[@]}"; do
		[ -n "$l" ] && n=$((n + 1))
	done
	if [ "$n" -ne 1 ]; then
		echo "expected exactly one line of error, got $n: $stderr" >&2
		return 1
	fi
	for w in "$@"; do
		if [[ "$stderr" != *"$w"* ]]; then
			echo "error does not mention '$w': $stderr" >&2
			return 1
		fi
	done
}

# ------------------------------------------------------------------ bundles

# The default config.json, used only if `$HULL spec` fails.  Same content as
# the one `runc spec` writes.
default_config() {
	cat <<'EOF'
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "sh" ],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "runc",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		  "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
		{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		  "options": [ "nosuid", "noexec", "nodev" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": [ "nosuid", "noexec", "nodev", "ro" ] },
		{ "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		  "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }
	],
	"linux": {
		"resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
		"namespaces": [
			{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
			{ "type": "uts" }, { "type": "mount" }
		],
		"maskedPaths": [
			"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
			"/proc/sched_debug", "/sys/firmware", "/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
		]
	}
}
EOF
}

# build_template DIR: a busybox rootfs in DIR (done once per .bats file).
build_template() {
	local dir="$1" a
	mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root}
	chmod 1777 "$dir/tmp"
	chmod 0700 "$dir/root"
	cp "$BUSYBOX" "$dir/bin/busybox"
	# One process makes the ~270 links: a fork + exec per link costs about
	# a minute in a VM under emulation (tests/vm).  perl is Essential in Debian.
	if command -v perl >/dev/null; then
		"$BUSYBOX" --list | perl -e '$d = shift; while (<STDIN>) { chomp;
			next if $_ eq "busybox"; symlink("busybox", "$d/$_") or die "$d/$_: $!\n" }' "$dir/bin"
	else
		for a in $("$BUSYBOX" --list); do
			[ "$a" = busybox ] && continue
			ln -s busybox "$dir/bin/$a"
		done
	fi
	cat >"$dir/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
	cat >"$dir/etc/group" <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
	# the default config.json, made by the runtime itself when it can
	local cfgdir="$dir.cfg"
	mkdir -p "$cfgdir"
	if ! (cd "$cfgdir" && "$HULL" spec >/dev/null 2>&1) || ! jq -e . "$cfgdir/config.json" >/dev/null 2>&1; then
		default_config >"$cfgdir/config.json"
	fi
}

# make_bundle [DIR [ARG...]]: a fresh bundle (default $HULL_TEST_DIR/bundle)
# with a private copy of the template rootfs.  Sets BUNDLE, ROOTFS, CONFIG.
# config.json: the default spec (from `$HULL spec`) with terminal false,
# root.readonly false, the test marker added to process.env and process.args
# ARG... (default `sleep 100`; change them later with set_args / set_sh).
make_bundle() {
	local dir="${1:-$HULL_TEST_DIR/bundle}"
	shift || true
	[ -d "$HULL_TEMPLATE" ] || build_template "$HULL_TEMPLATE"
	mkdir -p "$dir"
	# hardlinks: busybox is never written to; etc/ gets private copies
	cp -al "$HULL_TEMPLATE" "$dir/rootfs"
	rm -rf "$dir/rootfs/etc"
	cp -a "$HULL_TEMPLATE/etc" "$dir/rootfs/etc"
	BUNDLE="$(cd "$dir" && pwd)"
	ROOTFS="$BUNDLE/rootfs"
	CONFIG="$BUNDLE/config.json"
	jq --arg mark "HULL_TEST_MARK=$HULL_TEST_DIR" '
		.process.terminal = false
		| .root.readonly = false
		| .process.args = ["sleep", "100"]
		| .process.env += [$mark]' \
		"$HULL_TEMPLATE.cfg/config.json" >"$CONFIG"
	[ $# -eq 0 ] || set_args "$@"
}

# set_cfg FILTER [jq args...]: edit $CONFIG in place with jq.
set_cfg() {
	local filter="$1" tmp="$CONFIG.tmp"
	shift
	jq "$@" "$filter" "$CONFIG" >"$tmp" && mv "$tmp" "$CONFIG"
}

# set_args ARG...: process.args (any strings, also ones starting with "-").
set_args() {
	local a=() i=0 x
	for x in "$@"; do
		a+=(--arg "a$i" "$x")
		i=$((i + 1))
	done
	set_cfg '.process.args = [range($n) as $i | $ARGS.named["a\($i)"]]' --argjson n "$i" "${a[@]}"
}

# set_sh 'SCRIPT': process.args = ["sh", "-c", SCRIPT].
set_sh() { set_args sh -c "$1"; }

# add_ns TYPE [PATH] / del_ns TYPE
add_ns() {
	if [ -n "${2:-}" ]; then
		set_cfg '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{type: $t, path: $p}])' \
			--arg t "$1" --arg p "$2"
	else
		set_cfg '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{type: $t}])' --arg t "$1"
	fi
}
del_ns() { set_cfg '.linux.namespaces |= map(select(.type != $t))' --arg t "$1"; }

# add_mount JSON: append a mount object.
add_mount() { set_cfg ".mounts += [$1]"; }

# ------------------------------------------------------------ setup/teardown

common_setup_file() {
	export HULL_TEMPLATE="$BATS_FILE_TMPDIR/template"
	[ -d "$HULL_TEMPLATE" ] || build_template "$HULL_TEMPLATE"
}

common_setup() {
	if [ ! -x "$HULL" ]; then
		echo "runtime under test not found: HULL=$HULL" >&2
		return 1
	fi
	: "${HULL_TEMPLATE:=$BATS_FILE_TMPDIR/template}"
	# a world-traversable directory: rootfs paths must be reachable by the
	# unprivileged host ids of user-namespaced containers.
	HULL_TEST_DIR="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-it.XXXXXX")"
	chmod 0755 "$HULL_TEST_DIR"
	HULL_ROOT="$HULL_TEST_DIR/state"
	HULL_BG_PIDS=()
	HRUN_N=0
	# unique on this host even when several suites run at once: the
	# random part of the (existing) test directory's name
	CID="hit${BATS_SUITE_TEST_NUMBER:-0}-${HULL_TEST_DIR##*.}"
	make_bundle
}

common_teardown() {
	[ -n "${HULL_TEST_DIR:-}" ] && [ -d "$HULL_TEST_DIR" ] || return 0
	local id p m i
	# containers the runtime knows about
	for id in $(hull list -q 2>/dev/null) $(ls "$HULL_ROOT" 2>/dev/null); do
		hull delete -f "$id" >/dev/null 2>&1 || true
	done
	# background hull processes and anything else carrying the marker
	for p in "${HULL_BG_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for i in 1 2 3; do
		p="$(marked_pids)"
		[ -z "$p" ] && break
		kill -9 $p 2>/dev/null || true
		sleep 0.05
	done
	for p in "${HULL_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	# mounts leaked into the host namespace
	awk -v d="$HULL_TEST_DIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	# cgroups left by a failed delete
	find /sys/fs/cgroup -maxdepth 6 -depth -type d -name "${CID}*" \
		-exec rmdir {} \; 2>/dev/null || true
	rm -rf "$HULL_TEST_DIR" 2>/dev/null || true
}

setup_file() { common_setup_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# ------------------------------------------------- terminals and test tools

# tests/tools/*.c are built into build/tools/<name> by the Makefile.
HULL_TOOLS_DIR="$HULL_REPO_DIR/build/tools"
RECVTTY="$HULL_TOOLS_DIR/recvtty"

# need_tool NAME: skip the test unless build/tools/NAME was built.
need_tool() {
	[ -x "$HULL_TOOLS_DIR/$1" ] || skip "$HULL_TOOLS_DIR/$1 not built (make builds tests/tools/$1.c)"
}

# start_recvtty NAME [recvtty options...]: recvtty listening on
# $HULL_TEST_DIR/NAME.sock in the background (it is listening once the
# function returns).  Its stdout goes to NAME.out, stderr to NAME.err; its
# stdin is the fifo NAME.in, opened read-write so it never sees EOF: feed
# it with `echo text >"$HULL_TEST_DIR/NAME.in"`.  Sets RECVTTY_PID and
# RECVTTY_SOCK; the process is killed by teardown (it is in HULL_BG_PIDS).
start_recvtty() {
	local name="$1"
	shift
	need_tool recvtty
	local base="$HULL_TEST_DIR/$name"
	rm -f "$base.sock" "$base.in"
	mkfifo "$base.in"
	"$RECVTTY" "$@" "$base.sock" <>"$base.in" >"$base.out" 2>"$base.err" 3>&- &
	RECVTTY_PID=$!
	RECVTTY_SOCK="$base.sock"
	HULL_BG_PIDS+=("$RECVTTY_PID")
	retry 100 0.05 test -S "$base.sock" || {
		echo "recvtty did not start: $(cat "$base.err")" >&2
		return 1
	}
}

# tty_text FILE: FILE's content without the pty's carriage returns and NULs.
tty_text() { tr -d '\r\0' <"$1"; }

# tty_grep PATTERN FILE: grep -q PATTERN in FILE's tty_text.
tty_grep() { tty_text "$2" | grep -q -- "$1"; }

# wait_tty_grep PATTERN FILE: wait (up to ~5s) for PATTERN in tty output.
wait_tty_grep() { retry 100 0.05 tty_grep "$1" "$2"; }

# need_cmd NAME: skip the test unless the host has the command NAME.
need_cmd() { command -v "$1" >/dev/null || skip "$1 is not installed"; }

# in_pty SHELL-COMMAND: run SHELL-COMMAND (bash) under util-linux script(1),
# so it has a real terminal as stdin/stdout/stderr; bounded to 30 s.
# Prints what the terminal showed (with \r), returns the command's status.
# The command sees HULL, HULL_ROOT, BUNDLE, CID and HULL_TEST_MARK.
# script(1)'s stdin is the fifo $HULL_TEST_DIR/pty.in, held open so script
# never sees EOF (at EOF it would type a NUL into the terminal): write to it
# (e.g. from a background job) to type into the terminal.
in_pty() {
	local fifo="$HULL_TEST_DIR/pty.in"
	[ -p "$fifo" ] || mkfifo "$fifo"
	HULL_TEST_MARK="$HULL_TEST_DIR" HULL="$HULL" HULL_ROOT="$HULL_ROOT" BUNDLE="$BUNDLE" CID="$CID" \
		SHELL=/bin/bash timeout -k 5 30 script -qec "$1" /dev/null <>"$fifo" 3>&-
}

# ----------------------------------------------------------------- cgroups
# Tests are written once for both host shapes: hybrid (v1 controllers at
# /sys/fs/cgroup/<ctrl>, a cgroup2 hierarchy at /sys/fs/cgroup/unified) and
# pure cgroup v2 (/sys/fs/cgroup).  The container's directories are found
# from /proc/<pid>/cgroup of its init.

# cg_v2_only: the host has a pure cgroup v2 hierarchy at /sys/fs/cgroup.
cg_v2_only() { [ -e /sys/fs/cgroup/cgroup.controllers ]; }

# cg_v2_root: the mount point of the cgroup2 hierarchy (nothing, status 1,
# when there is none).
cg_v2_root() {
	if cg_v2_only; then
		echo /sys/fs/cgroup
	elif [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		echo /sys/fs/cgroup/unified
	else
		return 1
	fi
}

# cg_v1_mount CTRL: the mount point of the cgroup v1 hierarchy that has the
# controller CTRL (nothing, status 1, when CTRL is not mounted as v1).
cg_v1_mount() {
	local m
	m="$(awk -v c="$1" '{
		split($0, h, " - "); split(h[2], t, " ")
		if (t[1] != "cgroup") next
		n = split(t[3], o, ",")
		for (i = 1; i <= n; i++) if (o[i] == c) { split(h[1], f, " "); print f[5]; exit }
	}' /proc/self/mountinfo)"
	[ -n "$m" ] && echo "$m"
}

# cg_ctrl_v2 CTRL: CTRL is handled by the cgroup2 hierarchy (every controller
# on a pure v2 host; on a hybrid one those listed in unified/cgroup.controllers).
cg_ctrl_v2() {
	local r
	r="$(cg_v2_root)" || return 1
	grep -qw -- "$1" "$r/cgroup.controllers"
}

# cg_has_ctrl CTRL: the host has the controller, as v1 or v2.
cg_has_ctrl() { cg_ctrl_v2 "$1" || cg_v1_mount "$1" >/dev/null; }

# need_ctrl CTRL: skip the test unless the host has the controller.
need_ctrl() { cg_has_ctrl "$1" || skip "the host has no $1 cgroup controller"; }

# cg_dir_of_pid CTRL PID: the host directory of PID's cgroup for controller
# CTRL.  CTRL "unified" is the cgroup2 directory whatever controllers it has.
cg_dir_of_pid() {
	local ctrl="$1" pid="$2" line path ctrls root
	if [ "$ctrl" = unified ] || cg_ctrl_v2 "$ctrl"; then
		root="$(cg_v2_root)" || {
			echo "no cgroup2 hierarchy on this host" >&2
			return 1
		}
		line="$(grep -m1 '^0::' "/proc/$pid/cgroup")" || {
			echo "no cgroup2 line in /proc/$pid/cgroup" >&2
			return 1
		}
		echo "$root${line#0::}"
		return
	fi
	while IFS= read -r line; do
		line="${line#*:}"
		ctrls="${line%%:*}"
		path="${line#*:}"
		if [[ ",$ctrls," == *",$ctrl,"* ]]; then
			echo "$(cg_v1_mount "$ctrl")$path"
			return
		fi
	done <"/proc/$pid/cgroup"
	echo "no $ctrl cgroup in /proc/$pid/cgroup" >&2
	return 1
}

# cg_dir CTRL [ID]: the container's directory for controller CTRL (found from
# the cgroups of its init, so the container must have one).
cg_dir() {
	local pid
	pid="$(ct_pid "${2:-$CID}")"
	if [ -z "$pid" ] || [ "$pid" = 0 ] || [ "$pid" = null ]; then
		echo "cg_dir: container ${2:-$CID} has no init process" >&2
		return 1
	fi
	cg_dir_of_pid "$1" "$pid"
}

# cg_name CTRL V1NAME V2NAME: the file's name for this host (V2NAME when CTRL
# is handled by the cgroup2 hierarchy, also hugetlb in a hybrid's unified).
cg_name() { if cg_ctrl_v2 "$1"; then echo "$3"; else echo "$2"; fi; }

# cg_file CTRL V1NAME V2NAME [ID]: the path of the container's file.
cg_file() {
	local d
	d="$(cg_dir "$1" "${4:-$CID}")" || return 1
	echo "$d/$(cg_name "$1" "$2" "$3")"
}

# cg_read CTRL V1NAME V2NAME [ID]: the content of the container's file.
cg_read() {
	local f
	f="$(cg_file "$@")" || return 1
	cat "$f"
}

# cg_probe CTRL V1NAME V2NAME: whether a new cgroup on this host gets the
# file (the kernel decides: swap accounting, CONFIG_RT_GROUP_SCHED, bfq...).
# Made with a scratch cgroup at the hierarchy's root, removed right away.
# On cgroup2, a controller not enabled at the root cannot be probed: then the
# answer is yes (the test runs and the runtime has to cope).
cg_probe() {
	local ctrl="$1" name root d rc=1
	name="$(cg_name "$1" "$2" "$3")"
	if cg_ctrl_v2 "$ctrl"; then
		root="$(cg_v2_root)"
		grep -qw -- "$ctrl" "$root/cgroup.subtree_control" || return 0
	else
		root="$(cg_v1_mount "$ctrl")" || return 1
	fi
	d="$root/hull-probe-${HULL_TEST_DIR##*.}"
	mkdir "$d" 2>/dev/null || [ -d "$d" ] || return 1
	[ -e "$d/$name" ] && rc=0
	rmdir "$d" 2>/dev/null || true
	return "$rc"
}

# need_cg_file CTRL V1NAME V2NAME: skip unless the host has the controller
# and its cgroups get this file.
need_cg_file() {
	need_ctrl "$1"
	cg_probe "$@" || skip "this host's $1 cgroups have no $(cg_name "$@")"
}

# cg_all_dirs [ID]: every cgroup directory of the container (cgroup_dirs of
# its init without the v1 hierarchies it was not put in, i.e. those still
# at the hierarchy's root).
cg_all_dirs() {
	local pid d
	pid="$(ct_pid "${1:-$CID}")"
	[ -n "$pid" ] && [ "$pid" != 0 ] || return 1
	for d in $(cgroup_dirs "$pid"); do
		case "$d" in
		/sys/fs/cgroup/*/ | /sys/fs/cgroup/ | /sys/fs/cgroup) ;;
		*) echo "${d%/}" ;;
		esac
	done
}

# cg_roots: the mount point of every cgroup hierarchy of the host, except
# named v1 ones (name=systemd) which carry no controller.
cg_roots() {
	awk '{
		split($0, h, " - "); split(h[2], t, " "); split(h[1], f, " ")
		if (t[1] == "cgroup2") print f[5]
		else if (t[1] == "cgroup" && t[3] !~ /(^|,)name=/) print f[5]
	}' /proc/self/mountinfo | sort -u
}

# cg_kill_rmdir DIR...: kill every process in the cgroup directories and
# remove them, deepest first (for cleaning up what tests made themselves).
cg_kill_rmdir() {
	local d p i
	for d in "$@"; do
		[ -d "$d" ] || continue
		for i in 1 2 3 4 5; do
			p="$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)"
			[ -z "$p" ] && break
			kill -9 $p 2>/dev/null || true
			sleep 0.05
		done
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
	return 0
}

# mem_bytes VALUE: a memory value as the kernel prints it: "max" stays, a
# v1 "unlimited" (9223372036854771712, page-rounded LLONG_MAX) becomes "max".
mem_bytes() {
	case "$1" in
	max | 9223372036854771712 | 9223372036854775807) echo max ;;
	*) echo "$1" ;;
	esac
}

# cg_kv FILE KEY: the value of KEY in a flat-keyed cgroup file ("KEY VALUE").
cg_kv() { awk -v k="$2" '$1 == k {print $2; exit}' "$1"; }

# cg_teardown: common_teardown, then remove the cgroup directories the test
# left: those named after the container ids (with whatever is nested in
# them) and the directories listed in CG_CLEANUP (made by the test itself).
# Frozen cgroups (a failed pause test) are thawed first: a frozen process
# cannot die, and the runtime's delete could wait for it.
cg_teardown() {
	local d
	if [ -n "${CID:-}" ]; then
		for d in $(leftover_cgroups "$CID"); do
			cg_thaw_dir "$d"
		done
	fi
	common_teardown
	[ -n "${CID:-}" ] || return 0
	cg_kill_rmdir $(leftover_cgroups "$CID") ${CG_CLEANUP[@]+"${CG_CLEANUP[@]}"}
}

# cg_thaw_dir DIR: thaw the cgroup DIR and those below it (v1 freezer or
# cgroup2 cgroup.freeze), whatever froze them.
cg_thaw_dir() {
	local f
	for f in $(find "$1" \( -name freezer.state -o -name cgroup.freeze \) 2>/dev/null); do
		case "$f" in
		*/freezer.state) echo THAWED >"$f" 2>/dev/null || true ;;
		*) echo 0 >"$f" 2>/dev/null || true ;;
		esac
	done
}

# hrun_t SECS ARGS...: hrun with a time limit (timeout(1) sends TERM after
# SECS, KILL 2s later; status is then 124 or 137).
hrun_t() {
	local t="$1"
	shift
	HRUN_N=$((${HRUN_N:-0} + 1))
	local o="$HULL_TEST_DIR/hrun.$HRUN_N.out" e="$HULL_TEST_DIR/hrun.$HRUN_N.err"
	status=0
	HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 2 "$t" "$HULL" --root "$HULL_ROOT" "$@" \
		>"$o" 2>"$e" </dev/null 3>&- || status=$?
	hrun_record "$o" "$e" "hull $* (limit ${t}s)"
}

# cg_weight_of_shares SHARES: runc's cpu.shares -> cgroup v2 cpu.weight
cg_weight_of_shares() { echo $((1 + (($1 - 2) * 9999) / 262142)); }

# cg_frozen [ID]: the container's cgroup is frozen: on cgroup v2
# cgroup.freeze 1 and cgroup.events "frozen 1"; elsewhere the v1 freezer is
# FROZEN, or the hybrid's cgroup2 directory reports "frozen 1".
cg_frozen() {
	local id="${1:-$CID}" d
	if cg_v2_only; then
		d="$(cg_dir unified "$id")" || return 1
		[ "$(cat "$d/cgroup.freeze")" = 1 ] && grep -qx 'frozen 1' "$d/cgroup.events"
		return
	fi
	if cg_v1_mount freezer >/dev/null && d="$(cg_dir freezer "$id")" &&
		[ "$(cat "$d/freezer.state")" = FROZEN ]; then
		return 0
	fi
	d="$(cg_dir unified "$id" 2>/dev/null)" && [ -e "$d/cgroup.events" ] &&
		grep -qx 'frozen 1' "$d/cgroup.events"
}

# cg_thawed [ID]: nothing of the container's cgroups is frozen or freezing.
cg_thawed() {
	local id="${1:-$CID}" d
	if cg_v1_mount freezer >/dev/null && ! cg_v2_only; then
		d="$(cg_dir freezer "$id")" || return 1
		[ "$(cat "$d/freezer.state")" = THAWED ] || return 1
	fi
	if d="$(cg_dir unified "$id" 2>/dev/null)" && [ -e "$d/cgroup.events" ]; then
		grep -qx 'frozen 0' "$d/cgroup.events" || return 1
		[ ! -e "$d/cgroup.freeze" ] || [ "$(cat "$d/cgroup.freeze")" = 0 ] || return 1
	fi
	return 0
}

# wait_status_long ID STATUS: wait_status with a bound (~20s) for slow
# machines (a VM under emulation, a loaded host).
wait_status_long() { retry 400 0.05 status_is "$1" "$2"; }
