#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Bad input: a non-zero exit, ONE line of error naming the culprit, and
# nothing left behind (state dir, cgroups, mounts, processes).

load helpers

setup() {
	common_setup
	set_args true
	CG_BEFORE="$HULL_TEST_DIR/cgroups.before"
	cgroup_snapshot >"$CG_BEFORE"
}

# the host's cgroup directories that could be this test's (bounded depth;
# other suites may run at the same time, so only paths naming our id count)
cgroup_snapshot() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -path "*$CID*" 2>/dev/null | sort
}

assert_no_new_cgroups() {
	local new
	new="$(cgroup_snapshot | comm -13 "$CG_BEFORE" -)"
	if [ -n "$new" ]; then
		echo "new cgroup directories: $new" >&2
		return 1
	fi
}

# expect_error CMD WORD...: `hull CMD -b $BUNDLE $CID` fails with one line of
# error that mentions every WORD, and leaves nothing behind.
expect_error() {
	local cmd="$1"
	shift
	hrun "$cmd" -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "$@"
	assert_nothing_left
	assert_no_new_cgroups
}

expect_create_error() { expect_error create "$@"; }

@test "config.json missing" {
	rm "$CONFIG"
	expect_create_error config.json
}

@test "config.json missing (run)" {
	rm "$CONFIG"
	expect_error run config.json
}

@test "bundle directory missing" {
	hrun create -b "$HULL_TEST_DIR/no-such-bundle" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error no-such-bundle
	assert_nothing_left
}

@test "config.json is not valid JSON" {
	printf '{"ociVersion": "1.0.2", "process": ' >"$CONFIG"
	expect_create_error config.json
}

@test "config.json is not an object" {
	echo '[1, 2]' >"$CONFIG"
	expect_create_error config.json
}

@test "wrong type: a number in process.args" {
	set_cfg '.process.args = ["sh", 5]'
	expect_create_error config.json 'process.args[1]'
}

@test "wrong type: process.cwd is a number" {
	set_cfg '.process.cwd = 7'
	expect_create_error config.json process.cwd
}

@test "wrong type: root.readonly is a string" {
	set_cfg '.root.readonly = "yes"'
	expect_create_error config.json root.readonly
}

@test "ociVersion 2.0.0 is refused" {
	set_cfg '.ociVersion = "2.0.0"'
	expect_create_error 2.0.0
}

@test "missing process" {
	set_cfg 'del(.process)'
	expect_create_error process
}

@test "empty process.args" {
	set_cfg '.process.args = []'
	expect_create_error process.args
}

@test "relative process.cwd" {
	set_cfg '.process.cwd = "tmp"'
	expect_create_error cwd
}

# A string that C would cut at a NUL, JSON that is not UTF-8, a path the
# kernel takes no more than PATH_MAX of: refused by the reader, naming the
# field, before anything is made.
@test "a NUL in a string of config.json is refused, naming the field" {
	set_cfg '.process.args = ["tr\u0000ue"]'
	expect_create_error config.json 'process.args[0]' 'NUL'
	set_args true
	set_cfg '.process.env += ["A=x\u0000y"]'
	expect_create_error config.json 'process.env[' 'NUL'
	set_cfg '.process.env |= .[:-1] | .process.cwd = "/tmp\u0000/x"'
	expect_create_error config.json 'process.cwd' 'NUL'
	set_cfg '.process.cwd = "/" | .mounts += [{"destination": "/mnt\u0000x", "type": "tmpfs", "source": "tmpfs"}]'
	expect_create_error config.json 'mounts[' 'destination' 'NUL'
	set_cfg '.mounts |= .[:-1] | .hooks = {"prestart": [{"path": "/bin/true\u0000x"}]}'
	expect_create_error config.json 'hooks.prestart[0].path' 'NUL'
	set_cfg 'del(.hooks) | .annotations = {"org.example": "a\u0000b"}'
	expect_create_error config.json 'annotations["org.example"]' 'NUL'
}

@test "config.json that is not UTF-8 is refused, naming the field" {
	set_cfg '.hostname = "HOSTNAME_HERE"'
	sed -i 's/HOSTNAME_HERE/\xc0\x80/' "$CONFIG"
	expect_create_error config.json hostname 'UTF-8'
	set_cfg '.hostname = "HOSTNAME_HERE"'
	sed -i 's/HOSTNAME_HERE/\\ud800x/' "$CONFIG"
	grep -qF '"\ud800x"' "$CONFIG"
	expect_create_error config.json hostname surrogate
}

@test "a path longer than PATH_MAX is refused, naming the field" {
	set_cfg '.process.cwd = "/" + ("a" * 4200)'
	expect_create_error config.json process.cwd PATH_MAX
	set_cfg '.process.cwd = "/" | .mounts += [{"destination": ("/" + "m" * 4095), "type": "tmpfs", "source": "tmpfs"}]'
	expect_create_error config.json 'mounts[' destination PATH_MAX
}

@test "a NUL in exec --process is refused, naming the field" {
	set_args sleep 100
	run_ct_detached
	pid="$(ct_pid)"
	cat >"$HULL_TEST_DIR/process.json" <<-'EOF'
	{"cwd": "/", "args": ["tr\u0000ue"], "user": {"uid": 0, "gid": 0}}
	EOF
	run --separate-stderr hull exec --process "$HULL_TEST_DIR/process.json" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error process.json 'args[0]' NUL
	[ "$(ct_status)" = running ]
	pid_alive "$pid"
}

@test "missing rootfs directory" {
	set_cfg '.root.path = "no-such-rootfs"'
	expect_create_error no-such-rootfs
}

@test "root.path that is a file, not a directory" {
	touch "$BUNDLE/afile"
	set_cfg '.root.path = "afile"'
	expect_create_error afile 'not a directory'
}

@test "nonexistent executable fails at create time" {
	set_args nope
	expect_create_error nope 'executable file not found'
}

@test "nonexistent executable (run)" {
	set_args nope
	expect_error run nope
}

@test "nonexistent absolute executable fails at create time" {
	set_args /bin/no-such-program
	# runc's words (Docker's CLI exits 127 on "no such file or directory")
	expect_create_error 'exec: "/bin/no-such-program": stat /bin/no-such-program: no such file or directory'
}

@test "a file that is not executable fails at create time" {
	set_args /etc/passwd
	expect_create_error /etc/passwd
}

@test "cwd that is a file" {
	touch "$ROOTFS/afile"
	set_cfg '.process.cwd = "/afile"'
	expect_create_error /afile
}

@test "bad uid mapping: host range overflows" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 4294967290, "size": 100}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	[[ "$stderr" =~ [Uu]id ]]
	assert_nothing_left
	assert_no_new_cgroups
}

@test "bad uid mapping: size 0" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 0}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	[[ "$stderr" =~ [Uu]id|[Mm]apping ]]
	assert_nothing_left
	assert_no_new_cgroups
}

@test "user namespace without any mapping" {
	add_ns user
	set_cfg 'del(.linux.uidMappings) | del(.linux.gidMappings)'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	[[ "$stderr" =~ [Mm]apping ]]
	assert_nothing_left
	assert_no_new_cgroups
}

@test "mount of an unknown filesystem type" {
	add_mount '{"destination": "/mnt", "type": "nosuchfs", "source": "whatever"}'
	expect_create_error nosuchfs
}

@test "bind mount whose source is missing" {
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/no-such-src\", \"options\": [\"bind\"]}"
	expect_create_error no-such-src
}

@test "unknown namespace path" {
	add_ns network "$HULL_TEST_DIR/no-such-ns"
	expect_create_error no-such-ns
}

@test "a namespace path that is not a namespace" {
	echo x >"$HULL_TEST_DIR/not-a-ns"
	add_ns network "$HULL_TEST_DIR/not-a-ns"
	expect_create_error not-a-ns
}

@test "a namespace path of the wrong type" {
	add_ns network "/proc/$$/ns/uts"
	expect_create_error "/proc/$$/ns/uts"
}

@test "unknown namespace type" {
	set_cfg '.linux.namespaces += [{"type": "bogusns"}]'
	expect_create_error bogusns
}

@test "unknown rlimit" {
	set_cfg '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]'
	expect_create_error RLIMIT_FOO
}

@test "rlimit soft above hard" {
	set_cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 100}]'
	expect_create_error RLIMIT_NOFILE
}

@test "sysctl that is not namespaced / does not exist" {
	set_cfg '.linux.sysctl = {"kernel.no_such_knob": "1"}'
	expect_create_error kernel.no_such_knob
}

@test "memory limit: refused clearly or really applied" {
	set_cfg '.linux.resources.memory = {"limit": 67108864}'
	set_args sleep 100
	hrun create -b "$BUNDLE" "$CID"
	if [ "$status" -ne 0 ]; then
		# refused: one line naming the field, nothing left
		assert_one_line_error memory
		assert_nothing_left
		assert_no_new_cgroups
		return 0
	fi
	# accepted: the limit must be in force
	pid="$(ct_pid)"
	line="$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' "/proc/$pid/cgroup" || true)"
	if [ -n "$line" ]; then
		f="/sys/fs/cgroup/memory${line##*:}/memory.limit_in_bytes"
	else
		f="/sys/fs/cgroup/unified$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)/memory.max"
		[ -d /sys/fs/cgroup/unified ] || f="/sys/fs/cgroup$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)/memory.max"
	fi
	echo "limit file: $f"
	[ "$(cat "$f")" = 67108864 ]
}

@test "pids limit: refused clearly or really applied" {
	set_cfg '.linux.resources.pids = {"limit": 42}'
	set_args sleep 100
	hrun create -b "$BUNDLE" "$CID"
	if [ "$status" -ne 0 ]; then
		assert_one_line_error pids
		assert_nothing_left
		assert_no_new_cgroups
		return 0
	fi
	pid="$(ct_pid)"
	line="$(grep -E '^[0-9]+:([^:]*,)?pids(,[^:]*)?:' "/proc/$pid/cgroup" || true)"
	if [ -n "$line" ]; then
		f="/sys/fs/cgroup/pids${line##*:}/pids.max"
	else
		f="/sys/fs/cgroup/unified$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)/pids.max"
	fi
	[ "$(cat "$f")" = 42 ]
}

@test "unknown flag on create leaves nothing behind" {
	hrun create --no-such-flag -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error no-such-flag
	assert_nothing_left
	assert_no_new_cgroups
}

@test "kill with a bad signal name" {
	set_args sleep 100
	run_ct_detached
	pid="$(ct_pid)"
	run --separate-stderr hull kill "$CID" FOO
	[ "$status" -ne 0 ]
	assert_one_line_error FOO
	run --separate-stderr hull kill "$CID" SIGFOO
	[ "$status" -ne 0 ]
	run --separate-stderr hull kill "$CID" 99999
	[ "$status" -ne 0 ]
	[ "$(ct_status)" = running ]
	pid_alive "$pid"
}

@test "a failed create does not disturb an existing container" {
	set_args sleep 100
	run_ct_detached "$CID-ok"
	pid="$(ct_pid "$CID-ok")"
	set_args nope
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[ "$(hull list -q)" = "$CID-ok" ]
	[ "$(ct_status "$CID-ok")" = running ]
	pid_alive "$pid"
}

@test "a failed create can be retried with the same id" {
	set_args nope
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	set_args sleep 100
	create_ct
	[ "$(ct_status)" = created ]
}
