# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the client tests: hull under real container engines
# (podman.bats, containerd.bats, docker.bats).
#
# Each .bats file runs its engine inside one private mount + network
# namespace, held by a `sleep` started by ns_start (setup_file) and entered
# with `in_ns CMD...` (nsenter).  In it /run and /dev/shm are fresh tmpfs and
# /var/lib is an overlay whose upper layer is in the file's temporary
# directory, so what the engines write there by default (containers/image's
# blob cache, CNI's cache and IP leases, netns files, shm locks) never
# reaches the host; bridges, veths and iptables rules live in the private
# network namespace.  Everything dies with the namespace: ns_stop kills what
# is still in it, then the holder.
#
# Containers get their cgroups below the cgroup the test runs in: the
# engines are given a relative cgroup parent, $CG_PARENT, which hull (like
# runc) takes from its own cgroup in every hierarchy.
#
# Environment:
#   HULL   the runtime under test (default: the repo's ./hull)
#   HULL_TEST_TMP  where the temporary directories go (default /tmp)

bats_require_minimum_version 1.5.0

CLIENTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HULL_REPO_DIR="$(cd "$CLIENTS_DIR/../.." && pwd)"
# retry, refute, none_left
source "$HULL_REPO_DIR/tests/common.bash"
: "${HULL:=$HULL_REPO_DIR/hull}"
[[ "$HULL" == /* ]] || HULL="$(cd "$(dirname "$HULL")" && pwd)/$(basename "$HULL")"
export HULL
BUSYBOX="${BUSYBOX:-/bin/busybox}"

# assert_contains STRING WORD...: STRING mentions every WORD.
assert_contains() {
	local s="$1" w
	shift
	for w in "$@"; do
		if [[ "$s" != *"$w"* ]]; then
			printf 'expected "%s" in:\n%s\n' "$w" "$s" >&2
			return 1
		fi
	done
}

# install_packages PKG...: the Debian packages a client test needs.
install_packages() {
	sh "$HULL_REPO_DIR/contrib/apt-install.sh" "$@" >&2
}

# ------------------------------------------------------------ the namespace

# ns_start DIR: the private mount + network namespace (see above); DIR holds
# the overlay's upper layer.  Sets NS_PID (the holder) and NS_MNT (the
# namespace's id, to find its processes even after the holder is gone).
ns_start() {
	local dir="$1"
	mkdir -p "$dir/varlib.upper" "$dir/varlib.work"
	unshare --mount --net --propagation private sleep infinity </dev/null >/dev/null 2>&1 3>&- &
	NS_PID=$!
	disown "$NS_PID"
	export NS_PID
	retry 100 0.05 ns_ready || return 1
	NS_MNT="$(readlink "/proc/$NS_PID/ns/mnt")"
	export NS_MNT
	in_ns sh -ec "
		mount -t tmpfs -o mode=0755 tmpfs /run
		mount -t tmpfs -o mode=1777 tmpfs /dev/shm
		mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$dir/varlib.upper,workdir=$dir/varlib.work /var/lib
		ip link set lo up"
}

ns_ready() { [ "$(readlink "/proc/$NS_PID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; }

# in_ns CMD...: CMD in the namespace.
in_ns() { nsenter --target "$NS_PID" --mount --net -- "$@"; }

# ns_pids: the processes in the namespace (its holder included).
ns_pids() {
	local p
	[ -n "${NS_MNT:-}" ] || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$NS_MNT" ] && echo "${p#/proc/}"
	done
	return 0
}

# ns_stop: kill whatever still runs in the namespace, the holder last.
ns_stop() {
	local p i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p="$(ns_pids | grep -vx "${NS_PID:-0}" || true)"
		[ -z "$p" ] && break
		kill -9 $p 2>/dev/null || true
		sleep 0.1
	done
	if [ -n "${NS_PID:-}" ]; then
		kill -9 "$NS_PID" 2>/dev/null || true
		retry 50 0.1 test ! -e "/proc/$NS_PID" || true
	fi
}

# ----------------------------------------------------------------- cgroups

# self_cgroup_dirs: the host directories of the cgroups this shell is in,
# one per mounted hierarchy (v1 controllers, name=systemd, cgroup2).
self_cgroup_dirs() {
	local line hier ctrls path c
	while IFS= read -r line; do
		hier="${line%%:*}"
		line="${line#*:}"
		ctrls="${line%%:*}"
		path="${line#*:}"
		if [ "$hier" = 0 ] && [ -z "$ctrls" ]; then
			if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
				echo "/sys/fs/cgroup$path"
			elif [ -d /sys/fs/cgroup/unified ]; then
				echo "/sys/fs/cgroup/unified$path"
			fi
			continue
		fi
		for c in "${ctrls#name=}" "${ctrls%%,*}"; do
			if [ -d "/sys/fs/cgroup/$c" ]; then
				echo "/sys/fs/cgroup/$c$path"
				break
			fi
		done
	done <"/proc/$BASHPID/cgroup"
}

# cg_new_parent NAME: set CG_PARENT (relative) and CG_PARENT_DIRS (the host
# directories it will be in: one per hierarchy).
cg_new_parent() {
	CG_PARENT="$1"
	CG_PARENT_DIRS=()
	local d
	# never the test's own cgroup: cg_cleanup kills what is below
	if [[ -z "$CG_PARENT" || "$CG_PARENT" == */* || "$CG_PARENT" == .* ]]; then
		echo "cg_new_parent: bad name \"$CG_PARENT\"" >&2
		CG_PARENT=
		return 1
	fi
	for d in $(self_cgroup_dirs); do
		CG_PARENT_DIRS+=("${d%/}/$CG_PARENT")
	done
	export CG_PARENT
}

# cg_procs: every process in a cgroup below CG_PARENT.
cg_procs() {
	local d
	for d in "${CG_PARENT_DIRS[@]}"; do
		[ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
	done | sort -u
}

# cg_left: the cgroup directories below CG_PARENT (and it) that exist.
cg_left() {
	local d
	for d in "${CG_PARENT_DIRS[@]}"; do
		[ -d "$d" ] && find "$d" -depth -type d
	done
	return 0
}

# cg_cleanup: kill what is left in the test's cgroups, thaw frozen ones,
# and remove them (deepest first).
cg_cleanup() {
	local d p i
	for d in $(cg_left); do
		[ -e "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
		[ -e "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
	done
	for i in 1 2 3 4 5; do
		p="$(cg_procs)"
		[ -z "$p" ] && break
		kill -9 $p 2>/dev/null || true
		sleep 0.1
	done
	for d in $(cg_left); do
		rmdir "$d" 2>/dev/null || true
	done
}

# cg_file ID-SUFFIX FILE: the content of FILE in the cgroup of the container
# whose cgroup directory (below CG_PARENT) ends with ID-SUFFIX, in whichever
# hierarchy holds it.
cg_file() {
	local d
	for d in "${CG_PARENT_DIRS[@]}"; do
		for d in "$d"/*"$1"; do
			if [ -e "$d/$2" ]; then
				cat "$d/$2"
				return 0
			fi
		done
	done
	echo "no cgroup file $2 for $1 below ${CG_PARENT_DIRS[*]}" >&2
	return 1
}

# cg_frozen ID-SUFFIX: the container's cgroup is frozen (v1 freezer, or
# cgroup.freeze on v2).
cg_frozen() {
	local s
	if s="$(cg_file "$1" freezer.state 2>/dev/null)"; then
		[ "$s" = FROZEN ]
	else
		[ "$(cg_file "$1" cgroup.freeze)" = 1 ]
	fi
}

# ----------------------------------------------------------------- images

# make_rootfs DIR: a busybox root filesystem.
make_rootfs() {
	local dir="$1" a
	mkdir -p "$dir"/{bin,etc,tmp,proc,sys,dev,root,home/user}
	chmod 1777 "$dir/tmp"
	chmod 0700 "$dir/root"
	cp "$BUSYBOX" "$dir/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -s busybox "$dir/bin/$a"
	done
	cat >"$dir/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
	cat >"$dir/etc/group" <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
	chown 1000:1000 "$dir/home/user"
}

# oci_blob DIR FILE: move FILE into DIR/blobs/sha256 under its digest;
# prints "sha256:<hex> <size>".
oci_blob() {
	local hex size
	hex="$(sha256sum "$2" | cut -d' ' -f1)"
	size="$(stat -c %s "$2")"
	mv "$2" "$1/blobs/sha256/$hex"
	echo "sha256:$hex $size"
}

# make_oci_archive ROOTFS OUT NAME: an OCI image archive (oci-layout,
# index.json, blobs) of ROOTFS as one uncompressed layer, named NAME (the
# io.containerd.image.name annotation `ctr image import` reads), for
# linux/amd64, with CMD /bin/sh.
make_oci_archive() {
	local rootfs="$1" out="$2" name="$3" dir="$2.d" layer config manifest
	mkdir -p "$dir/blobs/sha256"
	tar --sort=name --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$dir/layer" .
	read -r -a layer <<<"$(oci_blob "$dir" "$dir/layer")"
	jq -cn --arg diff "${layer[0]}" '{
		architecture: "amd64", os: "linux",
		config: { Cmd: ["/bin/sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
		rootfs: { type: "layers", diff_ids: [$diff] } }' >"$dir/config"
	read -r -a config <<<"$(oci_blob "$dir" "$dir/config")"
	jq -cn --arg c "${config[0]}" --argjson cs "${config[1]}" --arg l "${layer[0]}" --argjson ls "${layer[1]}" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs },
		layers: [ { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls } ] }' \
		>"$dir/manifest"
	read -r -a manifest <<<"$(oci_blob "$dir" "$dir/manifest")"
	jq -cn --arg m "${manifest[0]}" --argjson ms "${manifest[1]}" --arg name "$name" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [ { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
			platform: { architecture: "amd64", os: "linux" },
			annotations: { "io.containerd.image.name": $name,
				"org.opencontainers.image.ref.name": ($name | sub(".*:"; "")) } } ] }' \
		>"$dir/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	tar -C "$dir" -cf "$out" oci-layout index.json blobs
	rm -rf "$dir"
}

# make_docker_archive ROOTFS OUT NAME: an image archive in `docker save`'s
# format (manifest.json, the config, one layer.tar), which Docker 20.10's
# `docker load` reads, of ROOTFS as one layer, tagged NAME, for
# linux/amd64, with CMD /bin/sh.
make_docker_archive() {
	local rootfs="$1" out="$2" name="$3" dir="$2.d" diff cfg
	mkdir -p "$dir"
	tar --sort=name --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$dir/layer.tar" .
	diff="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
	mkdir "$dir/$diff"
	mv "$dir/layer.tar" "$dir/$diff/layer.tar"
	jq -cn --arg diff "sha256:$diff" '{
		architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z",
		config: { Cmd: ["/bin/sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
		rootfs: { type: "layers", diff_ids: [$diff] } }' >"$dir/config.json"
	cfg="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
	mv "$dir/config.json" "$dir/$cfg.json"
	jq -cn --arg c "$cfg.json" --arg l "$diff/layer.tar" --arg name "$name" \
		'[{ Config: $c, RepoTags: [$name], Layers: [$l] }]' >"$dir/manifest.json"
	tar -C "$dir" -cf "$out" manifest.json "$cfg.json" "$diff"
	rm -rf "$dir"
}

# ---------------------------------------------------------------- terminals

# in_pty ROWS COLS SHELL-COMMAND: SHELL-COMMAND (bash; it sees the exported
# variables and functions) under util-linux script(1), so it has a real
# terminal of ROWS x COLS; bounded to 60 s.  Prints what the terminal
# showed, returns the command's status.  script's stdin is a fifo held open,
# so it never sees EOF (at EOF it would type a NUL into the terminal).
in_pty() {
	local fifo="$BATS_TEST_TMPDIR/pty.in"
	[ -p "$fifo" ] || mkfifo "$fifo"
	SHELL=/bin/bash timeout -k 5 60 script -qec "stty rows $1 cols $2; $3" /dev/null <>"$fifo" 3>&-
}

# WAIT_SIZE: shell code for a program in a container that reads its
# terminal's size: an engine may size the pty only after the process has
# started (ctr does), so the program waits for it (up to 5 s).
WAIT_SIZE='i=0; until [ -n "$(stty size 2>/dev/null)" ] || [ $i -ge 50 ]; do i=$((i+1)); sleep 0.1; done'

# tty_text STRING: STRING without the terminal's carriage returns and NULs.
tty_text() { printf '%s' "$1" | tr -d '\r\0'; }

# ------------------------------------------------------------ leftovers

# host_links: the network links of the host's network namespace (compared
# before and after a file: bridges and veths must stay in the private one).
host_links() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }

# host_mounts DIR: mounts of the host's mount namespace under or naming DIR.
host_mounts() { grep -F -- "$1" /proc/self/mountinfo || true; }

# host_paths: which of the places the engines write to by default exist on
# the host (compared before and after a file: they must not appear).
host_paths() {
	local p
	for p in /var/lib/containers /var/lib/cni /var/lib/containerd /run/containers /run/libpod \
		/run/netns /run/containerd /run/hull /opt/containerd /dev/shm/libpod_lock /etc/cni/net.d/hullnet.conflist \
		/var/lib/docker /run/docker /run/docker.sock /etc/docker/key.json; do
		[ -e "$p" ] && echo "$p"
	done
	return 0
}

# assert_nothing_left DIR: after ns_stop and cg_cleanup: no process of the
# namespace, no cgroup below CG_PARENT, no host mount naming DIR, the host's
# network links and the engines' default paths as record_host DIR found them.
assert_nothing_left() {
	local dir="$1" left
	left="$(ns_pids)"
	if [ -n "$left" ]; then
		echo "processes left in the namespace: $(ps -o pid,args -p "$(echo $left | tr ' ' ,)")" >&2
		return 1
	fi
	none_left cgroups "$(cg_left)" || return 1
	none_left "host mounts" "$(host_mounts "$dir")" || return 1
	if [ "$(host_links)" != "$(cat "$dir/links.before")" ]; then
		echo "host network links changed: $(host_links | diff "$dir/links.before" - | tr '\n' ' ')" >&2
		return 1
	fi
	if [ "$(host_paths)" != "$(cat "$dir/paths.before")" ]; then
		echo "host paths appeared: $(host_paths | diff "$dir/paths.before" - | tr '\n' ' ')" >&2
		return 1
	fi
}

# record_host DIR: what assert_nothing_left compares with.
record_host() {
	host_links >"$1/links.before"
	host_paths >"$1/paths.before"
}
