#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# process.terminal: the console socket (run -d / create / exec -t -d) and
# the foreground relay of run / exec -t.

load helpers

# The program's view of its terminal, one fact a line:
#   tty=/dev/pts/N  in=tty out=tty err=tty  ctty=<tty_nr of /proc/self/stat>
#   size=ROWS COLS  console=MAJ:MIN  pts=MAJ:MIN  fds=<targets of 0 1 2>
#   lsfds=<the fds ls has: 0 1 2 and its own 3, had it inherited no others>
TTY_REPORT='echo "tty=$(tty)"
[ -t 0 ] && echo in=tty; [ -t 1 ] && echo out=tty; [ -t 2 ] && echo err=tty
echo "ctty=$(cut -d" " -f7 /proc/self/stat)"
echo "size=$(stty size)"
echo "console=$(stat -c %t:%T /dev/console 2>/dev/null)"
echo "pts=$(stat -c %t:%T "$(tty)")"
echo "fds=$(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)"
echo "lsfds=$(ls /proc/self/fd | sort -n | tr "\n" " ")"'

# field NAME FILE: the value of "NAME=..." in the tty output in FILE
field() { tty_text "$2" | sed -n "s/^$1=//p" | head -n 1; }

# check_tty_report FILE: the report says the program sits on a pty that
# is its controlling terminal and /dev/console
check_tty_report() {
	local f="$1" t
	tty_text "$f"
	t="$(field tty "$f")"
	[[ "$t" =~ ^/dev/pts/[0-9]+$ ]]
	tty_grep '^in=tty$' "$f"
	tty_grep '^out=tty$' "$f"
	tty_grep '^err=tty$' "$f"
	[ "$(field ctty "$f")" != 0 ]
	[ "$(field fds "$f")" = "$t $t $t" ]
	[ "$(field lsfds "$f")" = "0 1 2 3 " ]
}

@test "run -d --console-socket: the program's stdio is the pty, its controlling terminal" {
	start_recvtty con
	set_cfg '.process.terminal = true'
	set_sh "$TTY_REPORT; echo done"
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^done$' "$HULL_TEST_DIR/con.out"
	check_tty_report "$HULL_TEST_DIR/con.out"
	# /dev/console is the same pty
	[ "$(field console "$HULL_TEST_DIR/con.out")" = "$(field pts "$HULL_TEST_DIR/con.out")" ]
	# the program exited: recvtty sees the hang-up (no one else holds the slave)
	retry 100 0.05 pid_dead "$RECVTTY_PID"
	wait_status "$CID" stopped
}

@test "console-socket: consoleSize sets the window size" {
	start_recvtty con
	set_cfg '.process.terminal = true | .process.consoleSize = {"height": 40, "width": 100}'
	set_sh 'stty size; echo done'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^done$' "$HULL_TEST_DIR/con.out"
	[ "$(tty_text "$HULL_TEST_DIR/con.out" | head -n 1)" = "40 100" ]
}

@test "console-socket: output reaches recvtty, input from recvtty reaches the program" {
	start_recvtty con
	set_cfg '.process.terminal = true'
	set_sh 'stty -echo; echo ready; read line; echo "got=[$line]"; echo to-stderr >&2; echo via-console >/dev/console'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^ready$' "$HULL_TEST_DIR/con.out"
	echo 'hello tty' >"$HULL_TEST_DIR/con.in"
	wait_tty_grep '^via-console$' "$HULL_TEST_DIR/con.out"
	tty_text "$HULL_TEST_DIR/con.out"
	tty_grep '^got=\[hello tty\]$' "$HULL_TEST_DIR/con.out"
	tty_grep '^to-stderr$' "$HULL_TEST_DIR/con.out"
	# hull's own stdout got none of it
	[ -z "$output" ]
	retry 100 0.05 pid_dead "$RECVTTY_PID"
}

@test "console-socket: the tty's line discipline works (echo, ^C to the foreground)" {
	start_recvtty con
	set_cfg '.process.terminal = true'
	set_sh 'trap "echo got-INT" INT; echo ready; while ! read line; do :; done; echo "line=$line"; sleep 0.2'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^ready$' "$HULL_TEST_DIR/con.out"
	# ^C is turned into SIGINT for the foreground process group
	printf '\003' >"$HULL_TEST_DIR/con.in"
	wait_tty_grep 'got-INT' "$HULL_TEST_DIR/con.out"
	echo echoed-input >"$HULL_TEST_DIR/con.in"
	wait_tty_grep '^line=echoed-input$' "$HULL_TEST_DIR/con.out"
	# echo is on: the input appears in the output before the program's line
	tty_grep '^echoed-input$' "$HULL_TEST_DIR/con.out"
}

@test "create --console-socket, then start" {
	start_recvtty con
	set_cfg '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 90}'
	set_sh "$TTY_REPORT; echo done"
	hrun create --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(ct_status)" = created ]
	sleep 0.1
	refute tty_grep '^done$' "$HULL_TEST_DIR/con.out"
	hrun start "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^done$' "$HULL_TEST_DIR/con.out"
	check_tty_report "$HULL_TEST_DIR/con.out"
	[ "$(field size "$HULL_TEST_DIR/con.out")" = "30 90" ]
	[ "$(field console "$HULL_TEST_DIR/con.out")" = "$(field pts "$HULL_TEST_DIR/con.out")" ]
	retry 100 0.05 pid_dead "$RECVTTY_PID"
	wait_status "$CID" stopped
	hull delete "$CID"
	assert_nothing_left
}

@test "console-socket: the pty name is sent with the fd" {
	start_recvtty con --name-file "$HULL_TEST_DIR/con.name"
	set_cfg '.process.terminal = true'
	set_sh 'echo done'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_file "$HULL_TEST_DIR/con.name"
	[ -n "$(tr -d '[:space:]' <"$HULL_TEST_DIR/con.name")" ]
}

@test "terminal: true with create and no --console-socket fails clearly, leaves nothing" {
	set_cfg '.process.terminal = true'
	hrun create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *console?socket* ]]
	assert_nothing_left
	hrun run -d -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *console?socket* ]]
	assert_nothing_left
}

@test "--console-socket with terminal: false is refused" {
	start_recvtty con
	set_cfg '.process.terminal = false'
	hrun create --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *terminal* || "$stderr" == *console* ]]
	assert_nothing_left
}

@test "--console-socket that nobody listens on: create fails, nothing left" {
	set_cfg '.process.terminal = true'
	hrun create --console-socket "$HULL_TEST_DIR/nobody.sock" -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	assert_nothing_left
}

@test "terminal: the pty master is not leaked into the container" {
	start_recvtty con
	set_cfg '.process.terminal = true'
	# what ls inherits: 0-2, and 3 is its own directory fd
	set_sh 'ls -l /proc/self/fd; echo done'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^done$' "$HULL_TEST_DIR/con.out"
	tty_text "$HULL_TEST_DIR/con.out"
	# one line per fd: 0 1 2 and ls's own 3
	[ "$(tty_text "$HULL_TEST_DIR/con.out" | grep -c '^l[-r][-w]')" -eq 4 ]
	[ "$(tty_text "$HULL_TEST_DIR/con.out" | grep -c ' [012] -> /dev/pts/[0-9]*$')" -eq 3 ]
	refute tty_grep ptmx "$HULL_TEST_DIR/con.out"
}

# ------------------------------------------------------------------- exec

@test "exec -t -d --console-socket: a new pty for the exec'd process" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	start_recvtty ex
	hrun exec -t -d --console-socket "$RECVTTY_SOCK" --pid-file "$HULL_TEST_DIR/ex.pid" "$CID" sh -c "$TTY_REPORT; echo done"
	[ "$status" -eq 0 ]
	wait_tty_grep '^done$' "$HULL_TEST_DIR/ex.out"
	check_tty_report "$HULL_TEST_DIR/ex.out"
	retry 100 0.05 pid_dead "$RECVTTY_PID"
	[ "$(ct_status)" = running ]
}

@test "exec -t -d --console-socket: input reaches the exec'd process" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	start_recvtty ex
	hrun exec --tty --detach --console-socket "$RECVTTY_SOCK" "$CID" sh -c 'stty -echo; echo ready; read l; echo "got=$l"'
	[ "$status" -eq 0 ]
	wait_tty_grep '^ready$' "$HULL_TEST_DIR/ex.out"
	echo from-recvtty >"$HULL_TEST_DIR/ex.in"
	wait_tty_grep '^got=from-recvtty$' "$HULL_TEST_DIR/ex.out"
}

@test "exec -t into a container with a terminal gets its own pty" {
	set_cfg '.process.terminal = true'
	set_sh 'tty >/tmp/init-tty; sleep 100'
	# the init's console goes to a recvtty in null mode
	start_recvtty con --mode null
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	retry 100 0.05 test -s "$ROOTFS/tmp/init-tty"
	start_recvtty ex
	hrun exec -t -d --console-socket "$RECVTTY_SOCK" "$CID" sh -c 'tty; echo done'
	[ "$status" -eq 0 ]
	wait_tty_grep '^done$' "$HULL_TEST_DIR/ex.out"
	t="$(tty_text "$HULL_TEST_DIR/ex.out" | head -n 1)"
	[[ "$t" =~ ^/dev/pts/[0-9]+$ ]]
	[ "$t" != "$(cat "$ROOTFS/tmp/init-tty")" ]
}

@test "the pty is the user's, in the tty group of the devpts mount (gid=5, mode 620): run and exec" {
	start_recvtty con
	set_cfg '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	# the default config's devpts options, whatever the spec of the runtime under test
	set_cfg '(.mounts[] | select(.destination == "/dev/pts") | .options) = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]'
	set_sh 'echo "owner=$(stat -c %u:%g:%a "$(tty)")"; sleep 100'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_tty_grep '^owner=' "$HULL_TEST_DIR/con.out"
	[ "$(field owner "$HULL_TEST_DIR/con.out")" = 1000:5:620 ]
	start_recvtty ex
	hrun exec -t -d --console-socket "$RECVTTY_SOCK" -u 1001:1002 "$CID" sh -c 'echo "owner=$(stat -c %u:%g:%a "$(tty)")"'
	[ "$status" -eq 0 ]
	wait_tty_grep '^owner=' "$HULL_TEST_DIR/ex.out"
	[ "$(field owner "$HULL_TEST_DIR/ex.out")" = 1001:5:620 ]
}

@test "exec -t -d without --console-socket fails" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	hrun exec -t -d "$CID" true
	[ "$status" -ne 0 ]
	[[ "$stderr" == *console?socket* ]]
	[ "$(ct_status)" = running ]
}

# ------------------------------------------------------- foreground relay

@test "run in the foreground with a terminal relays hull's tty" {
	need_cmd script
	set_cfg '.process.terminal = true'
	set_sh "$TTY_REPORT; exit 3"
	run in_pty '"$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID"; echo "rc=$?"'
	echo "$output" >"$HULL_TEST_DIR/fg.out"
	tty_text "$HULL_TEST_DIR/fg.out"
	[ "$status" -eq 0 ]
	check_tty_report "$HULL_TEST_DIR/fg.out"
	tty_grep '^rc=3$' "$HULL_TEST_DIR/fg.out"
	assert_nothing_left
}

@test "run with a terminal: exit status of the program through script(1)" {
	need_cmd script
	set_cfg '.process.terminal = true'
	set_sh 'echo hello-from-tty; exit 7'
	run in_pty '"$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID"'
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$(tr -d '\r\0' <<<"$output")" == *hello-from-tty* ]]
}

@test "run with a terminal: the window size is the caller's" {
	need_cmd script
	set_cfg '.process.terminal = true'
	set_sh 'stty size'
	run in_pty 'stty cols 123 rows 45; "$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tr -d '\r\0' <<<"$output")" = "45 123" ]
}

@test "run with a terminal: a resize of the caller's terminal reaches the program (SIGWINCH)" {
	need_cmd script
	set_cfg '.process.terminal = true'
	set_sh 'trap "stty size; exit 0" WINCH; touch /tmp/ready
		i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; echo no-WINCH'
	# hull in the background of script's shell, on the terminal explicitly
	# (a background job would get /dev/null), then resize that terminal
	cmd='stty cols 80 rows 24
		"$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID" </dev/tty & p=$!
		i=0; while [ ! -e "$BUNDLE/rootfs/tmp/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		sleep 0.2; stty cols 77 rows 33; wait $p; echo "rc=$?"'
	run in_pty "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(tr -d '\r\0' <<<"$output")" == *"33 77"* ]]
	[[ "$(tr -d '\r\0' <<<"$output")" == *"rc=0"* ]]
}

@test "run with a terminal: input from the caller's terminal reaches the program" {
	need_cmd script
	set_cfg '.process.terminal = true'
	set_sh 'read a; read b; echo "got=[$a][$b]"'
	# typed while hull runs: script(1) passes it to hull's terminal
	mkfifo "$HULL_TEST_DIR/pty.in"
	(sleep 0.5 && printf 'first\nsecond\n' >"$HULL_TEST_DIR/pty.in") 3>&- &
	HULL_BG_PIDS+=($!)
	rc=0
	in_pty '"$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID"' >"$HULL_TEST_DIR/fg.out" 2>&1 || rc=$?
	tty_text "$HULL_TEST_DIR/fg.out"
	[ "$rc" -eq 0 ]
	tty_grep 'got=\[first\]\[second\]' "$HULL_TEST_DIR/fg.out"
}

@test "run with a terminal: the caller's terminal settings are restored" {
	need_cmd script
	set_cfg '.process.terminal = true'
	set_sh 'stty raw -echo; echo changed'
	run in_pty 'a="$(stty -g)"; "$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID"; b="$(stty -g)"; echo; [ "$a" = "$b" ] && echo same-settings || echo "differ: $a / $b"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(tr -d '\r\0' <<<"$output")" == *same-settings* ]]
}

@test "run with a terminal: settings restored when the program is killed" {
	need_cmd script
	# no pid namespace, so the program can SIGKILL itself
	del_ns pid
	set_cfg '.process.terminal = true'
	set_sh 'kill -9 $$'
	run in_pty 'a="$(stty -g)"; "$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID"; echo "rc=$?"; [ "$a" = "$(stty -g)" ] && echo same-settings'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(tr -d '\r\0' <<<"$output")" == *rc=137* ]]
	[[ "$(tr -d '\r\0' <<<"$output")" == *same-settings* ]]
	assert_nothing_left
}

@test "run with a terminal and no tty of its own: relays through pipes" {
	set_cfg '.process.terminal = true'
	set_sh 'tty; echo out'
	run bash -c 'echo | "$0" --root "$1" run -b "$2" "$3"' "$HULL" "$HULL_ROOT" "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(tr -d '\r\0' <<<"$output")" =~ /dev/pts/[0-9]+ ]]
	[[ "$(tr -d '\r\0' <<<"$output")" == *out* ]]
}

@test "exec -t in the foreground: a pty, the exit status, the caller's window size" {
	need_cmd script
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	cmd='stty cols 111 rows 22; a="$(stty -g)"
		"$HULL" --root "$HULL_ROOT" exec -t "$CID" sh -c "tty; stty size; [ -t 0 ] && echo in=tty; exit 4"; echo "rc=$?"
		[ "$a" = "$(stty -g)" ] && echo same-settings'
	run in_pty "$cmd"
	echo "$output" >"$HULL_TEST_DIR/fg.out"
	tty_text "$HULL_TEST_DIR/fg.out"
	[ "$status" -eq 0 ]
	tty_grep '^/dev/pts/[0-9]*$' "$HULL_TEST_DIR/fg.out"
	tty_grep '^22 111$' "$HULL_TEST_DIR/fg.out"
	tty_grep '^in=tty$' "$HULL_TEST_DIR/fg.out"
	tty_grep '^rc=4$' "$HULL_TEST_DIR/fg.out"
	tty_grep '^same-settings$' "$HULL_TEST_DIR/fg.out"
	[ "$(ct_status)" = running ]
}
