#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# mounts[], root.readonly, rootfsPropagation, --no-pivot and path safety.

load helpers

# mnt_line MOUNTPOINT: the mountinfo line (from $output) for MOUNTPOINT.
mnt_line() { awk -v m="$1" '$5 == m' <<<"$output" | tail -n 1; }
# mnt_opts MOUNTPOINT: per-mount options (field 6).
mnt_opts() { mnt_line "$1" | awk '{print $6}'; }
# mnt_fstype MOUNTPOINT: the filesystem type (first field after " - ").
mnt_fstype() { mnt_line "$1" | sed 's/.* - //' | awk '{print $1}'; }
# mnt_super MOUNTPOINT: super options (last field).
mnt_super() { mnt_line "$1" | awk '{print $NF}'; }

has_opt() { [[ ",$1," == *",$2,"* ]]; }

@test "bind mount: host directory visible and writable" {
	mkdir -p "$HULL_TEST_DIR/src"
	echo host-data >"$HULL_TEST_DIR/src/file"
	add_mount "{\"destination\": \"/mnt/b\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/src\", \"options\": [\"bind\"]}"
	set_sh 'cat /mnt/b/file; echo from-ct > /mnt/b/new && echo wrote'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-data ]
	[ "${lines[1]}" = wrote ]
	[ "$(cat "$HULL_TEST_DIR/src/new")" = from-ct ]
}

@test "bind mount ro,nosuid,nodev,noexec: flags in mountinfo, writes fail" {
	mkdir -p "$HULL_TEST_DIR/src"
	echo host-data >"$HULL_TEST_DIR/src/file"
	cp "$BUSYBOX" "$HULL_TEST_DIR/src/bb"
	add_mount "{\"destination\": \"/mnt/ro\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/src\",
		\"options\": [\"bind\", \"ro\", \"nosuid\", \"nodev\", \"noexec\"]}"
	set_sh 'cat /proc/self/mountinfo; cat /mnt/ro/file
		if touch /mnt/ro/new 2>/dev/null; then echo WRITE-OK; else echo write-failed; fi
		if /mnt/ro/bb true 2>/dev/null; then echo EXEC-OK; else echo exec-failed; fi'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	opts="$(mnt_opts /mnt/ro)"
	[ -n "$opts" ]
	has_opt "$opts" ro
	has_opt "$opts" nosuid
	has_opt "$opts" nodev
	has_opt "$opts" noexec
	grep -qx host-data <<<"$output"
	grep -qx write-failed <<<"$output"
	grep -qx exec-failed <<<"$output"
	[ ! -e "$HULL_TEST_DIR/src/new" ]
	# the host's copy stays writable
	touch "$HULL_TEST_DIR/src/host-can-write"
}

@test "bind mount of a single file" {
	echo file-content >"$HULL_TEST_DIR/hostfile"
	add_mount "{\"destination\": \"/etc/myfile\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/hostfile\", \"options\": [\"bind\", \"ro\"]}"
	set_sh 'cat /etc/myfile; [ -f /etc/myfile ] && echo is-file'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = file-content ]
	[ "${lines[1]}" = is-file ]
}

@test "bind vs rbind: submounts are carried only by rbind" {
	mkdir -p "$HULL_TEST_DIR/src/sub"
	echo under >"$HULL_TEST_DIR/src/sub/underneath"
	mount -t tmpfs -o size=1m hull-sub "$HULL_TEST_DIR/src/sub"
	echo in-submount >"$HULL_TEST_DIR/src/sub/inside"
	add_mount "{\"destination\": \"/mnt/bind\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/src\", \"options\": [\"bind\"]}"
	add_mount "{\"destination\": \"/mnt/rbind\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/src\", \"options\": [\"rbind\"]}"
	set_sh 'ls /mnt/bind/sub; echo --; ls /mnt/rbind/sub'
	run hull run -b "$BUNDLE" "$CID"
	umount "$HULL_TEST_DIR/src/sub"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'underneath\n--\ninside')" ]
}

@test "tmpfs with tmpcopyup: the directory's contents (files, modes, symlinks, subdirectories) are copied in" {
	mkdir -p "$ROOTFS/opt/app/sub"
	echo hello >"$ROOTFS/opt/app/greeting"
	chmod 640 "$ROOTFS/opt/app/greeting"
	: >"$ROOTFS/opt/app/owned"
	chmod 600 "$ROOTFS/opt/app/owned"
	chown 7:8 "$ROOTFS/opt/app/owned"
	ln -s greeting "$ROOTFS/opt/app/link"
	echo deep >"$ROOTFS/opt/app/sub/x"
	add_mount '{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "tmpcopyup", "mode=755"]}'
	set_sh 'cat /opt/app/link; cat /opt/app/sub/x; stat -c "%a %u:%g" /opt/app/greeting /opt/app/owned
		echo new >/opt/app/new && echo written; cat /proc/self/mountinfo'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(mnt_fstype /opt/app)" = tmpfs ]
	grep -qx hello <<<"$output"
	grep -qx deep <<<"$output"
	grep -qx "640 0:0" <<<"$output"
	grep -qx "600 7:8" <<<"$output"
	grep -qx written <<<"$output"
	# the copy is the tmpfs's: the image is untouched
	[ ! -e "$ROOTFS/opt/app/new" ]
	assert_nothing_left
}

@test "tmpfs with tmpcopyup and ro: filled, then read-only" {
	mkdir -p "$ROOTFS/opt/app"
	echo hello >"$ROOTFS/opt/app/greeting"
	add_mount '{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "tmpcopyup"]}'
	set_sh 'cat /opt/app/greeting; touch /opt/app/new 2>&1 || echo refused'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx hello <<<"$output"
	grep -qx refused <<<"$output"
}

@test "tmpfs with size and mode" {
	add_mount '{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m", "mode=0710"]}'
	set_sh 'cat /proc/self/mountinfo; stat -c "mode=%a" /mnt/t; df -k /mnt/t | tail -n 1
		dd if=/dev/zero of=/mnt/t/big bs=1k count=2048 2>/dev/null && echo FILLED-2M || echo full'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(mnt_fstype /mnt/t)" = tmpfs ]
	super="$(mnt_super /mnt/t)"
	has_opt "$super" size=1024k
	has_opt "$super" mode=710
	has_opt "$(mnt_opts /mnt/t)" nosuid
	has_opt "$(mnt_opts /mnt/t)" nodev
	grep -qx mode=710 <<<"$output"
	[ "$(grep '/mnt/t$' <<<"$output" | awk '{print $2}')" -eq 1024 ]
	grep -qx full <<<"$output"
}

@test "proc is mounted at /proc" {
	set_sh 'cat /proc/self/mountinfo; cat /proc/self/comm; echo $$'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(mnt_fstype /proc)" = proc ]
	grep -qx cat <<<"$output"
}

@test "sysfs is mounted read-only" {
	set_sh 'cat /proc/self/mountinfo; ls /sys/kernel >/dev/null && echo listed
		if touch /sys/kernel/x 2>/dev/null; then echo WRITE-OK; else echo write-failed; fi'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(mnt_fstype /sys)" = sysfs ]
	has_opt "$(mnt_opts /sys)" ro
	grep -qx listed <<<"$output"
	grep -qx write-failed <<<"$output"
}

@test "devpts and mqueue are mounted" {
	set_sh 'cat /proc/self/mountinfo'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(mnt_fstype /dev/pts)" = devpts ]
	[ "$(mnt_fstype /dev/mqueue)" = mqueue ]
	[ "$(mnt_fstype /dev/shm)" = tmpfs ]
	has_opt "$(mnt_opts /dev/pts)" noexec
	has_opt "$(mnt_super /dev/pts)" ptmxmode=666
}

@test "cgroup mount at /sys/fs/cgroup is read-only and shows the container's cgroup" {
	set_sh 'cat /proc/self/mountinfo; f="$(ls /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs 2>/dev/null | head -n 1)"
		d="${f%/cgroup.procs}"; echo "dir $d"; echo ===; cat "$f"; echo ===
		if mkdir "$d/hull-write-test" 2>/dev/null; then echo WRITE-OK; else echo write-failed; fi'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	# a cgroup or cgroup2 filesystem at or below /sys/fs/cgroup, read-only
	cg="$(awk '$5 ~ /^\/sys\/fs\/cgroup/ && / - cgroup2? /' <<<"$output")"
	[ -n "$cg" ]
	while read -r l; do
		[[ ",$(awk '{print $6}' <<<"$l")," == *,ro,* ]]
		# in its cgroup namespace each shows the container's cgroup as its root
		[ "$(awk '{print $4}' <<<"$l")" = / ]
	done <<<"$cg"
	grep -qx write-failed <<<"$output"
	# cgroup.procs files list the container's own processes: pid 1 is there,
	# the host's processes are not
	procs="$(sed -n '/^===$/,/^===$/p' <<<"$output" | grep -E '^[0-9]+$' || true)"
	[ -n "$procs" ]
	grep -qx 1 <<<"$procs"
	[ "$(sort -un <<<"$procs" | wc -l)" -le 3 ]
}

@test "mounts are applied in config order (tmpfs, then a bind below it)" {
	mkdir -p "$HULL_TEST_DIR/src"
	echo bound >"$HULL_TEST_DIR/src/marker"
	add_mount '{"destination": "/mnt/a", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	add_mount "{\"destination\": \"/mnt/a/sub\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/src\", \"options\": [\"bind\"]}"
	set_sh 'cat /mnt/a/sub/marker; cat /proc/self/mountinfo'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = bound ]
	a="$(grep -n ' /mnt/a ' <<<"$output" | cut -d: -f1)"
	b="$(grep -n ' /mnt/a/sub ' <<<"$output" | cut -d: -f1)"
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
	# the mount point was made inside the tmpfs, not in the rootfs
	[ ! -e "$ROOTFS/mnt/a/sub" ]
}

@test "a later mount over an earlier one hides it" {
	mkdir -p "$HULL_TEST_DIR/src"
	echo bound >"$HULL_TEST_DIR/src/marker"
	add_mount "{\"destination\": \"/mnt/a\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/src\", \"options\": [\"bind\"]}"
	add_mount '{"destination": "/mnt/a", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'ls -A /mnt/a | wc -l'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "root.readonly: / is read-only, a tmpfs on /tmp stays writable" {
	set_cfg '.root.readonly = true'
	add_mount '{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'if touch /newfile 2>/dev/null; then echo ROOT-WRITE-OK; else echo root-ro; fi
		if touch /bin/x 2>/dev/null; then echo BIN-WRITE-OK; else echo bin-ro; fi
		touch /tmp/ok && echo tmp-rw; echo x > /dev/null && echo dev-ok
		awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = root-ro ]
	[ "${lines[1]}" = bin-ro ]
	[ "${lines[2]}" = tmp-rw ]
	[ "${lines[3]}" = dev-ok ]
	has_opt "${lines[4]}" ro
	[ ! -e "$ROOTFS/newfile" ]
	# the host's rootfs directory is not made read-only
	touch "$ROOTFS/host-can-write"
}

@test "a read-only /dev: its nodes and mount points made first, then read-only (as runc)" {
	set_cfg '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"] | .process.terminal = false'
	set_sh 'grep " /dev " /proc/self/mountinfo | cut -d" " -f6
		touch /dev/new 2>/dev/null && echo WRITABLE || echo ro
		echo x >/dev/null && echo null-ok
		ls /dev/pts/ptmx >/dev/null && echo pts-ok
		grep -q " /dev/shm " /proc/self/mountinfo && echo shm-ok; true'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ro,* ]]
	[ "${lines[1]}" = ro ]
	[ "${lines[2]}" = null-ok ]
	[ "${lines[3]}" = pts-ok ]
	[ "${lines[4]}" = shm-ok ]
}

@test "root.readonly false: / is writable" {
	set_sh 'touch /newfile && echo ok'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ -e "$ROOTFS/newfile" ]
}

# Make the test directory a shared mount on the host so that propagation
# between host and container is possible at all.
share_test_dir() {
	mount --bind "$HULL_TEST_DIR" "$HULL_TEST_DIR"
	mount --make-shared "$HULL_TEST_DIR"
	mkdir -p "$ROOTFS/mnt/prop"
}

# Container waits for /tmp/go, then lists /mnt/prop (where the host mounted
# something meanwhile) and, with CAP_SYS_ADMIN, mounts a tmpfs on /mnt/out.
propagation_run() {
	set_cfg '.linux.rootfsPropagation = $p' --arg p "$1"
	set_cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	mkdir -p "$ROOTFS/mnt/out"
	set_sh 'awk "\$5 == \"/\"" /proc/self/mountinfo; while [ ! -e /tmp/go ]; do sleep 0.02; done
		echo "in: $(ls /mnt/prop)"; mount -t tmpfs ctmp /mnt/out && touch /mnt/out/from-ct; touch /tmp/mounted; sleep 100'
	run_ct_detached
	mount -t tmpfs hull-prop "$ROOTFS/mnt/prop"
	touch "$ROOTFS/mnt/prop/from-host"
	touch "$ROOTFS/tmp/go"
	retry 100 0.05 test -e "$ROOTFS/tmp/mounted"
	output="$(cat "$HULL_TEST_DIR/$CID.out")"
	mapfile -t lines <<<"$output"
	echo "$output"
}

@test "rootfsPropagation private: no propagation either way" {
	share_test_dir
	propagation_run private
	grep -qx "in: " <<<"$output"
	[ ! -e "$ROOTFS/mnt/out/from-ct" ]
	refute grep -qE ' (shared|master):' <<<"${lines[0]}"
}

@test "rootfsPropagation slave: host mounts propagate in, not out" {
	share_test_dir
	propagation_run slave
	grep -qx "in: from-host" <<<"$output"
	[ ! -e "$ROOTFS/mnt/out/from-ct" ]
	grep -q ' master:' <<<"${lines[0]}"
}

# hull's "shared": / is a shared mount inside the container and still
# receives the host's mounts, but the container's own mounts never reach the
# host (that would need a copy of the rootfs bind left on the host; runc 1.1
# does not propagate out either).
@test "rootfsPropagation shared: host mounts propagate in, / is shared, nothing leaks out" {
	share_test_dir
	propagation_run shared
	grep -qx "in: from-host" <<<"$output"
	[ ! -e "$ROOTFS/mnt/out/from-ct" ]
	grep -q ' shared:' <<<"${lines[0]}"
}

# hull clones the container's cgroup directories in its own mount namespace
# (rootfs_cgroup_trees) and gives the clones the propagation the container's
# tree has: slaves of the host's mounts.  Run where the pids hierarchy is a
# shared mount (in a mount namespace of the test's own whose mounts are all
# made private first, so nothing done there reaches the host's): a mount the
# "host" makes in the container's cgroup reaches the container, one the
# container makes there stays inside.
@test "cgroup mount: the container's cgroup binds receive host mounts and leak none out" {
	m="$(cg_v1_mount pids)" || skip "no v1 pids hierarchy (the cgroup mount is then no bind)"
	set_cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	echo from-host >"$HULL_TEST_DIR/host-file"
	echo from-ct >"$ROOTFS/ct-file"
	set_sh 'while [ ! -e /tmp/go ]; do sleep 0.02; done; echo "in: $(cat /sys/fs/cgroup/pids/pids.max)"
		mount -o bind /ct-file /sys/fs/cgroup/pids/notify_on_release && echo bound; touch /tmp/mounted; sleep 100'
	cat >"$HULL_TEST_DIR/prop.sh" <<'EOF'
set -e
mount --make-shared "$M"
h() { HULL_TEST_MARK="$HULL_TEST_DIR" "$HULL" --root "$HULL_ROOT" "$@" 3>&-; }
h create -b "$BUNDLE" "$CID" >"$HULL_TEST_DIR/ct.out" 2>&1 </dev/null
h start "$CID"
pid="$(h state "$CID" | jq -r .pid)"
dir="$M$(awk -F: '$2 ~ /(^|,)pids(,|$)/ {print $3}' "/proc/$pid/cgroup")"
mount --bind "$HULL_TEST_DIR/host-file" "$dir/pids.max"
touch "$ROOTFS/tmp/go"
for i in $(seq 100); do [ -e "$ROOTFS/tmp/mounted" ] && break; sleep 0.05; done
echo "out: $(cat "$dir/notify_on_release")"
umount "$dir/pids.max"
h delete -f "$CID"
EOF
	run env M="$m" HULL_TEST_DIR="$HULL_TEST_DIR" HULL_ROOT="$HULL_ROOT" BUNDLE="$BUNDLE" CID="$CID" ROOTFS="$ROOTFS" \
		unshare -m --propagation private bash "$HULL_TEST_DIR/prop.sh"
	echo "$output"
	cat "$HULL_TEST_DIR/ct.out"
	[ "$status" -eq 0 ]
	grep -qx "in: from-host" "$HULL_TEST_DIR/ct.out"
	grep -qx bound "$HULL_TEST_DIR/ct.out"
	grep -qx "out: [0-9]*" <<<"$output"
	assert_nothing_left
}

@test "--no-pivot still runs the program in the rootfs" {
	set_sh 'ls /; cat /etc/passwd | head -n 1; touch /tmp/np && echo wrote'
	run hull run --no-pivot -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx bin <<<"$output"
	grep -qx proc <<<"$output"
	refute grep -qx work <<<"$output"
	grep -qx 'root:x:0:0:root:/root:/bin/sh' <<<"$output"
	[ -e "$ROOTFS/tmp/np" ]
	assert_nothing_left
}

# the host directory must stay untouched: no mount on it, nothing written in it
assert_host_dir_untouched() {
	local d="$1"
	if [ -n "$(host_mounts_mentioning "$d")" ]; then
		echo "host mount on $d: $(host_mounts_mentioning "$d")"
		return 1
	fi
	if [ -n "$(ls -A "$d")" ]; then
		echo "files appeared in $d: $(ls -A "$d")"
		return 1
	fi
}

@test "--no-pivot: nothing of the host's mount tree stays (no fresh procfs from a user namespace)" {
	# A user namespace may mount a procfs only while a full one is visible in
	# its mount namespace: with chroot alone the host's /proc still is.
	# CAP_SETFCAP: the kernel lets a process map root in a user namespace it
	# makes only with it (hull before the fix and runc 1.1.5 print MOUNTED).
	set_cfg '.process.capabilities = {"bounding": ["CAP_SETFCAP"], "effective": ["CAP_SETFCAP"], "permitted": ["CAP_SETFCAP"]}'
	set_sh 'mkdir -p /tmp/p; unshare -mrpf sh -c "mount -t proc proc /tmp/p && echo MOUNTED || echo refused" 2>&1'
	run hull run --no-pivot -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx refused <<<"$output"
	# control: the container's own /proc, masked, is never enough
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	grep -qx refused <<<"$output"
	assert_nothing_left
}

@test "--no-pivot with a user namespace is refused (the host's mounts would stay, locked)" {
	add_ns user
	set_cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	hrun run --no-pivot -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error "--no-pivot: not with a user namespace"
	assert_nothing_left
}

@test "mount destination: absolute symlink out of the rootfs stays inside" {
	target="$HULL_TEST_DIR/host-target"
	mkdir -p "$target"
	ln -s "$target" "$ROOTFS/evil"
	add_mount '{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'touch /evil/written; echo done'
	hrun run -b "$BUNDLE" "$CID"
	assert_host_dir_untouched "$target"
	if [ "$status" -eq 0 ]; then
		# the mount landed inside the rootfs
		[ "$output" = done ]
	fi
	assert_nothing_left
}

@test "mount destination: relative symlink climbing out stays inside" {
	target="$HULL_TEST_DIR/host-target2"
	mkdir -p "$target"
	ln -s ../../host-target2 "$ROOTFS/evil2"
	add_mount '{"destination": "/evil2/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'touch /evil2/sub/written; echo done'
	hrun run -b "$BUNDLE" "$CID"
	assert_host_dir_untouched "$target"
	assert_nothing_left
}

@test "mount destination with .. does not leave the rootfs" {
	target="$HULL_TEST_DIR/host-dotdot"
	mkdir -p "$target"
	# rootfs is $HULL_TEST_DIR/bundle/rootfs: two levels up is $HULL_TEST_DIR
	add_mount '{"destination": "/../../host-dotdot", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'touch /host-dotdot/written 2>/dev/null; echo done'
	hrun run -b "$BUNDLE" "$CID"
	assert_host_dir_untouched "$target"
	assert_nothing_left
}

@test "bind source symlink is the host's, destination symlink is the container's" {
	mkdir -p "$HULL_TEST_DIR/realsrc" "$HULL_TEST_DIR/host-bin-target"
	echo via-link >"$HULL_TEST_DIR/realsrc/f"
	ln -s "$HULL_TEST_DIR/realsrc" "$HULL_TEST_DIR/srclink"
	ln -s "$HULL_TEST_DIR/host-bin-target" "$ROOTFS/dst"
	add_mount "{\"destination\": \"/dst\", \"type\": \"bind\", \"source\": \"$HULL_TEST_DIR/srclink\", \"options\": [\"bind\"]}"
	set_sh 'cat /dst/f 2>/dev/null || cat "$(readlink /dst)/f"'
	hrun run -b "$BUNDLE" "$CID"
	assert_host_dir_untouched "$HULL_TEST_DIR/host-bin-target"
	if [ "$status" -eq 0 ]; then
		[ "$output" = via-link ]
	fi
}

@test "a missing mount destination is created inside the rootfs" {
	add_mount '{"destination": "/new/deep/dir", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_sh 'grep -q " /new/deep/dir " /proc/self/mountinfo && echo mounted'
	run hull run -b "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = mounted ]
	[ -d "$ROOTFS/new/deep/dir" ]
	[ ! -e /new/deep/dir ]
}

@test "mount options: relatime/noatime/strictatime and remount-style flags" {
	add_mount '{"destination": "/mnt/na", "type": "tmpfs", "source": "tmpfs", "options": ["noatime", "nosuid"]}'
	add_mount '{"destination": "/mnt/sa", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "noexec"]}'
	set_sh 'cat /proc/self/mountinfo'
	run hull run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	has_opt "$(mnt_opts /mnt/na)" noatime
	has_opt "$(mnt_opts /mnt/na)" nosuid
	refute has_opt "$(mnt_opts /mnt/sa)" relatime
	refute has_opt "$(mnt_opts /mnt/sa)" noatime
	has_opt "$(mnt_opts /mnt/sa)" noexec
}

@test "no container mount leaks to the host" {
	add_mount '{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs"}'
	set_sh 'touch /tmp/ready; sleep 100'
	run_ct_detached
	retry 100 0.05 test -e "$ROOTFS/tmp/ready"
	[ -z "$(host_mounts_mentioning "$BUNDLE")" ]
	hull delete -f "$CID"
	assert_nothing_left
}
