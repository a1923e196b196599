#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The command line: global options, help, spec, features, list, logging.

load helpers

COMMANDS=(create start run state kill delete list spec features)

@test "--version prints a version and exits 0" {
	run "$HULL" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ [0-9]+\.[0-9]+ ]]
	# the OCI spec version is named too
	[[ "$output" == *spec* ]]
}

@test "--help exits 0 and shows usage and the commands" {
	run "$HULL" --help
	[ "$status" -eq 0 ]
	shopt -s nocasematch
	[[ "$output" == *usage* ]]
	for c in "${COMMANDS[@]}"; do
		[[ "$output" == *"$c"* ]]
	done
}

@test "--help on every command exits 0 and shows usage" {
	shopt -s nocasematch
	for c in "${COMMANDS[@]}"; do
		run "$HULL" "$c" --help
		echo "$c: status $status"
		[ "$status" -eq 0 ]
		[[ "$output" == *usage* ]]
		[[ "$output" == *"$c"* ]]
	done
}

@test "-h on every command exits 0" {
	for c in "${COMMANDS[@]}"; do
		run "$HULL" "$c" -h
		echo "$c: status $status"
		[ "$status" -eq 0 ]
		[ -n "$output" ]
	done
}

@test "no command: shows the usage" {
	# runc prints its help and exits 0; a non-zero exit is fine too
	run "$HULL"
	shopt -s nocasematch
	[[ "$output" == *usage* ]]
}

@test "unknown command: non-zero exit and a one-line error" {
	run --separate-stderr hull frobnicate
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_error frobnicate
}

@test "help CMD prints CMD's help; help of an unknown command is a one-line error" {
	for c in "${COMMANDS[@]}" exec ps update; do
		run "$HULL" help "$c"
		[ "$status" -eq 0 ]
		[ "$output" = "$("$HULL" "$c" --help)" ]
	done
	run "$HULL" help
	[ "$status" -eq 0 ]
	[ "$output" = "$("$HULL" --help)" ]
	run --separate-stderr hull help frobnicate
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_line_error frobnicate
}

@test "unknown global flag: non-zero exit and a one-line error" {
	run --separate-stderr hull --frobnicate list
	[ "$status" -ne 0 ]
	assert_one_line_error frobnicate
}

@test "unknown command flag: non-zero exit and a one-line error" {
	for c in state start kill delete list create run spec features; do
		run --separate-stderr hull "$c" --frobnicate x
		echo "$c: $status $stderr"
		[ "$status" -ne 0 ]
		assert_one_line_error frobnicate
	done
}

@test "missing container id: non-zero exit" {
	for c in state start kill delete create run; do
		hrun "$c"
		[ "$status" -ne 0 ]
		[ -n "$stderr" ]
	done
}

@test "spec writes a valid config.json" {
	mkdir "$HULL_TEST_DIR/newspec"
	cd "$HULL_TEST_DIR/newspec"
	run "$HULL" spec
	[ "$status" -eq 0 ]
	[ -f config.json ]
	jq -e . config.json >/dev/null
	[[ "$(jq -r .ociVersion config.json)" == 1.* ]]
	[ "$(jq -r .root.path config.json)" = rootfs ]
	[ "$(jq -r '.process.args | length' config.json)" -ge 1 ]
	[ "$(jq -r .process.cwd config.json)" = / ]
	for t in pid network ipc uts mount; do
		jq -e --arg t "$t" '.linux.namespaces | map(.type) | index($t) != null' config.json >/dev/null
	done
	# no user namespace in the default one
	jq -e '.linux.namespaces | map(.type) | index("user") == null' config.json >/dev/null
	jq -e '.mounts | map(.destination) | (index("/proc") != null and index("/dev") != null)' config.json >/dev/null
}

@test "spec --bundle DIR writes DIR/config.json" {
	mkdir "$HULL_TEST_DIR/b2"
	run "$HULL" spec --bundle "$HULL_TEST_DIR/b2"
	[ "$status" -eq 0 ]
	jq -e . "$HULL_TEST_DIR/b2/config.json" >/dev/null
	run "$HULL" spec -b "$HULL_TEST_DIR/b3"
	[ "$status" -ne 0 ] || [ -f "$HULL_TEST_DIR/b3/config.json" ]
}

@test "spec refuses to overwrite an existing config.json" {
	mkdir "$HULL_TEST_DIR/newspec"
	cd "$HULL_TEST_DIR/newspec"
	echo '{"mine": true}' >config.json
	run --separate-stderr "$HULL" spec
	[ "$status" -ne 0 ]
	[ "$(cat config.json)" = '{"mine": true}' ]
	[[ "$stderr" == *config.json* ]]
}

@test "spec --rootless has a user namespace and id mappings" {
	mkdir "$HULL_TEST_DIR/rl"
	cd "$HULL_TEST_DIR/rl"
	run "$HULL" spec --rootless
	[ "$status" -eq 0 ]
	jq -e '.linux.namespaces | map(.type) | index("user") != null' config.json >/dev/null
	jq -e '(.linux.uidMappings | length) >= 1 and (.linux.gidMappings | length) >= 1' config.json >/dev/null
	jq -e '.linux.uidMappings[0] | has("containerID") and has("hostID") and has("size")' config.json >/dev/null
}

@test "the default spec runs as is (except terminal and args)" {
	# the bundle of every test starts from `hull spec`: check it really does
	mkdir "$HULL_TEST_DIR/plain"
	cp -a "$ROOTFS" "$HULL_TEST_DIR/plain/rootfs"
	(cd "$HULL_TEST_DIR/plain" && "$HULL" spec)
	CONFIG="$HULL_TEST_DIR/plain/config.json"
	set_cfg '.process.terminal = false | .process.args = ["echo", "plain-ok"]'
	run hull run -b "$HULL_TEST_DIR/plain" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = plain-ok ]
}

@test "features is valid JSON with ociVersionMin/Max and linux.namespaces" {
	run --separate-stderr "$HULL" features
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	[[ "$(jq -r .ociVersionMin <<<"$output")" == 1.* ]]
	[[ "$(jq -r .ociVersionMax <<<"$output")" == 1.* ]]
	for t in pid network ipc uts mount user cgroup; do
		jq -e --arg t "$t" '.linux.namespaces | index($t) != null' <<<"$output" >/dev/null
	done
	jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$output" >/dev/null
	jq -e '.mountOptions | index("ro") != null' <<<"$output" >/dev/null
}

@test "features: the max version is the one spec writes" {
	max="$("$HULL" features | jq -r .ociVersionMax)"
	mkdir "$HULL_TEST_DIR/v" && cd "$HULL_TEST_DIR/v"
	"$HULL" spec
	[ "$(jq -r .ociVersion config.json)" = "$max" ]
}

@test "--log FILE --log-format json writes JSON lines with level, msg, time" {
	log="$HULL_TEST_DIR/hull.log"
	set_args true
	run hull --log "$log" --log-format json --debug run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ -s "$log" ]
	cat "$log"
	n=0
	while IFS= read -r l; do
		[ -z "$l" ] && continue
		jq -e 'type == "object" and (.level | type == "string") and (.msg | type == "string") and (.time | type == "string")' <<<"$l" >/dev/null
		n=$((n + 1))
	done <"$log"
	[ "$n" -gt 0 ]
	grep -q '"level": *"debug"' "$log"
}

@test "--log: an error is logged to the file" {
	log="$HULL_TEST_DIR/hull.log"
	run hull --log "$log" --log-format json state nosuch
	[ "$status" -ne 0 ]
	grep -q '"level": *"error"' "$log"
	grep -q nosuch "$log"
}

@test "--log-format text writes text lines" {
	log="$HULL_TEST_DIR/hull.log"
	set_args true
	run hull --log "$log" --log-format text --debug run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ -s "$log" ]
	# not JSON
	refute jq -e . "$log" >/dev/null 2>&1
}

@test "--log-format with a bad value is refused" {
	run --separate-stderr hull --log-format yaml list
	[ "$status" -ne 0 ]
	[[ "$stderr" == *yaml* ]]
}

@test "--systemd-cgroup gives a clear error and leaves nothing behind" {
	set_args true
	run --separate-stderr hull --systemd-cgroup run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *systemd* ]]
	assert_nothing_left
}

@test "list: table header and one row per container" {
	set_args sleep 100
	create_ct "$CID-a"
	run_ct_detached "$CID-b"
	run hull list
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "ID PID STATUS BUNDLE CREATED OWNER" ]
	[ "${#lines[@]}" -eq 3 ]
	row_a="$(grep "^$CID-a " <<<"$output")"
	row_b="$(grep "^$CID-b " <<<"$output")"
	[ "$(awk '{print $2, $3, $4}' <<<"$row_a")" = "$(ct_pid "$CID-a") created $BUNDLE" ]
	[ "$(awk '{print $2, $3, $4}' <<<"$row_b")" = "$(ct_pid "$CID-b") running $BUNDLE" ]
	[[ "$(awk '{print $5}' <<<"$row_a")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
	[ "$(awk '{print $6}' <<<"$row_a")" = root ]
}

@test "list: empty root prints only the header" {
	run hull list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo ${lines[0]})" = "ID PID STATUS BUNDLE CREATED OWNER" ]
}

@test "list -q prints the ids only" {
	set_args sleep 100
	create_ct "$CID-a"
	create_ct "$CID-b"
	run hull list -q
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(printf '%s\n%s' "$CID-a" "$CID-b")" ]
	run hull list --quiet
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "list --format json is an array of objects with id, pid, status, bundle, created" {
	set_args sleep 100
	create_ct "$CID-a"
	run_ct_detached "$CID-b"
	run hull list --format json
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e 'type == "array" and length == 2' <<<"$output" >/dev/null
	a="$(jq -c --arg id "$CID-a" '.[] | select(.id == $id)' <<<"$output")"
	b="$(jq -c --arg id "$CID-b" '.[] | select(.id == $id)' <<<"$output")"
	[ "$(jq -r .status <<<"$a")" = created ]
	[ "$(jq -r .status <<<"$b")" = running ]
	[ "$(jq -r .pid <<<"$a")" = "$(ct_pid "$CID-a")" ]
	[ "$(jq -r .bundle <<<"$b")" = "$BUNDLE" ]
	[[ "$(jq -r .created <<<"$a")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
	# -f is the short form
	run hull list -f json
	[ "$status" -eq 0 ]
	jq -e 'length == 2' <<<"$output" >/dev/null
}

@test "list --format json with no containers is an empty array" {
	run hull list --format json
	[ "$status" -eq 0 ]
	jq -e 'type == "array" and length == 0' <<<"$output" >/dev/null
}

@test "list --format with a bad value is refused" {
	run --separate-stderr hull list --format yaml
	[ "$status" -ne 0 ]
	[[ "$stderr" == *yaml* ]]
}

@test "list shows stopped containers" {
	set_args true
	run_ct_detached
	wait_status "$CID" stopped
	run hull list
	[ "$status" -eq 0 ]
	[ "$(grep "^$CID " <<<"$output" | awk '{print $3}')" = stopped ]
}

@test "--root: containers of another root are invisible" {
	set_args sleep 100
	create_ct
	run "$HULL" --root "$HULL_TEST_DIR/other-root" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$HULL" --root "$HULL_TEST_DIR/other-root" state "$CID"
	[ "$status" -ne 0 ]
}

@test "options may follow the container ID, as runc takes them; \"--\" ends them" {
	make_bundle
	hrun create "$CID" --bundle "$BUNDLE" --pid-file="$HULL_TEST_DIR/pid"
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = created ]
	[ "$(cat "$HULL_TEST_DIR/pid")" = "$(ct_pid)" ]
	hrun start "$CID" --help
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = created ]
	hrun kill "$CID" -a KILL
	[ "$status" -eq 0 ]
	wait_status "$CID" stopped
	# an unknown one is still refused, wherever it is
	hrun delete "$CID" --frobnicate
	[ "$status" -eq 1 ]
	assert_one_line_error frobnicate
	# after "--", "-a" is an argument (here a signal that does not exist)
	hrun kill -- "$CID" -a
	[ "$status" -eq 1 ]
	assert_one_line_error '"-a"'
	hrun delete "$CID" -f
	[ "$status" -eq 0 ]
	hrun state "$CID"
	[ "$status" -ne 0 ]
	# run and list too
	set_args true
	hrun run "$CID" -b "$BUNDLE" --keep
	[ "$status" -eq 0 ]
	hrun list -q
	[ "$output" = "$CID" ]
	hrun delete "$CID"
	[ "$status" -eq 0 ]
}

@test "global options may come in any order before the command" {
	run "$HULL" --debug --root "$HULL_ROOT" --log-format json list -q
	[ "$status" -eq 0 ]
	run "$HULL" --root="$HULL_ROOT" list -q
	[ "$status" -eq 0 ]
}

@test "features lists the six hook kinds and the exec-label LSMs" {
	run hull features
	[ "$status" -eq 0 ]
	[ "$(jq -c '.hooks' <<<"$output")" = '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]' ]
	[ "$(jq -r '.linux.apparmor.enabled' <<<"$output")" = true ]
	[ "$(jq -r '.linux.selinux.enabled' <<<"$output")" = true ]
	[ "$(jq -r '.linux.seccomp.enabled' <<<"$output")" = true ]
}
