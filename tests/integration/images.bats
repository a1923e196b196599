#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The image store without a registry: import (OCI layouts, oci-archives,
# docker-archives), ls, inspect, rm, gc, mount, export, and containers from
# images (run/create/spec --image).  Images are made offline by
# tests/lib/images.bash (umoci, skopeo); hostile ones by tests/lib/hostile.py.
# Every test has a store of its own in its test directory.

load helpers
source "$HULL_REPO_DIR/tests/lib/images.bash"

setup_file() {
	common_setup_file
	command -v umoci >/dev/null && command -v skopeo >/dev/null || return 0
	export IMAGES="$BATS_FILE_TMPDIR/images"
	mkdir -p "$IMAGES"
	image_small "$IMAGES/small" >&2
	image_rich "$IMAGES/rich" >&2
}

setup() {
	common_setup
	command -v umoci >/dev/null && command -v skopeo >/dev/null || skip "umoci and skopeo are needed (make test-deps)"
	STORE="$HULL_TEST_DIR/store"
	SMALL="$IMAGES/small/oci"
	RICH="$IMAGES/rich/oci"
}

# hs ARGS...: hull with this test's store; himg: its hrun.
hs() { hull --store "$STORE" "$@"; }
himg() { hrun --store "$STORE" "$@"; }

# The store holds nothing of a failed ingest: no name, record or layer, no
# blob, and nothing but lock files in tmp/.
store_clean() {
	local left
	left="$(cd "$STORE" && find names images layers blobs/sha256 containers -mindepth 1 2>/dev/null; \
		find tmp -mindepth 1 ! -name 'chain-*.lock' 2>/dev/null)"
	if [ -n "$left" ]; then
		echo "left in the store: $left" >&2
		return 1
	fi
}

@test "images: import an OCI layout, ls, inspect; the image runs its Cmd" {
	himg image import "$SMALL:localhost/small:1"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == sha256:* ]]
	himg image ls
	[ "$status" -eq 0 ]
	[[ "$output" == *"localhost/small"*"1"* ]]
	himg image ls --format json
	[ "$(jq -r '.[0].name' <<<"$output")" = localhost/small:1 ]
	[ "$(jq -r '.[0].layers' <<<"$output")" = 1 ]
	himg image inspect localhost/small:1
	[ "$(jq -r '.rootfs.type' <<<"$output")" = layers ]
	# by ID prefix too
	id="$(hs image ls -q)"
	[ "${#id}" -eq 12 ]
	himg image inspect "$id"
	[ "$status" -eq 0 ]
	himg run --image localhost/small:1 "$CID" echo hello from the image
	[ "$status" -eq 0 ]
	[ "$output" = "hello from the image" ]
	assert_nothing_left
	[ -z "$(ls -A "$STORE/containers")" ]
}

@test "images: the rootfs of an image is, file for file, what umoci unpack gives" {
	himg image import -q "$RICH:localhost/rich:1"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	image_umoci_rootfs "$IMAGES/rich/oci" rich "$HULL_TEST_DIR/umoci"
	mkdir "$HULL_TEST_DIR/mnt"
	himg image mount localhost/rich:1 "$HULL_TEST_DIR/mnt"
	[ "$status" -eq 0 ]
	image_rootfs_listing "$HULL_TEST_DIR/umoci/rootfs" >"$HULL_TEST_DIR/want"
	image_rootfs_listing "$HULL_TEST_DIR/mnt" >"$HULL_TEST_DIR/got"
	himg image umount "$HULL_TEST_DIR/mnt"
	[ "$status" -eq 0 ]
	diff -u "$HULL_TEST_DIR/want" "$HULL_TEST_DIR/got"
	# what the listing holds: a whiteout took /data/a, the opaque directory
	# holds only its new file, the setuid bit and the FIFO are there
	! grep -qP '^data/a\t' "$HULL_TEST_DIR/got"
	grep -qP '^data/sub/new\tf\t' "$HULL_TEST_DIR/got"
	! grep -qP '^data/sub/c\t' "$HULL_TEST_DIR/got"
	grep -qP '^usr/bin/su-test\tf\t4755\t' "$HULL_TEST_DIR/got"
	grep -qP '^data/fifo\tp\t' "$HULL_TEST_DIR/got"
	grep -qP '^data/xattr\t.*user.test' "$HULL_TEST_DIR/got"
	# no mount left, the store keeps no record of it
	! grep -q "$HULL_TEST_DIR/mnt" /proc/self/mountinfo
	[ -z "$(ls -A "$STORE/containers")" ]
}

@test "images: run --image takes Entrypoint, Cmd, Env, WorkingDir, User, StopSignal and Labels from the image" {
	hs image import -q "$RICH:localhost/rich:1"
	himg run --image localhost/rich:1 "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from rich" ]
	himg run --image localhost/rich:1 "$CID" sh -c 'echo "$RICH $PWD $(id -u):$(id -g) $HOSTNAME"'
	[ "$output" = "1 /data 0:0 $CID" ]
	# -e, -w, -u by name (alice: 1000:1000, in staff), --entrypoint
	himg run --image localhost/rich:1 -e RICH=2 -e EXTRA=x -w /tmp -u alice "$CID" \
		sh -c 'echo "$RICH $EXTRA $PWD $(id -u):$(id -g) $(id -G)"'
	[ "$status" -eq 0 ]
	[ "$output" = "2 x /tmp 1000:1000 1000 50" ]
	himg run --image localhost/rich:1 -u 1001:50 "$CID" sh -c 'echo $(id -u):$(id -g)'
	[ "$output" = 1001:50 ]
	himg run --image localhost/rich:1 --entrypoint /bin/echo "$CID" a b
	[ "$output" = "a b" ]
	# labels and the stop signal as annotations, in the bundle hull wrote
	hrun --store "$STORE" create --image localhost/rich:1 "$CID"
	[ "$status" -eq 0 ]
	cfg="$STORE/containers/$CID/bundle/config.json"
	[ "$(jq -r '.annotations["org.example.test"]' "$cfg")" = yes ]
	[ "$(jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$cfg")" = SIGUSR1 ]
	[ "$(jq -r '.root.path' "$cfg")" = "$STORE/containers/$CID/rootfs" ]
	hull state "$CID" | jq -e '.annotations["hull.image"] == "localhost/rich:1"'
	hrun delete -f "$CID"
	[ ! -e "$STORE/containers/$CID" ]
	assert_nothing_left
}

@test "images: a container's writes stay in its own upper directory, and go with it" {
	hs image import -q "$SMALL:localhost/small:1"
	local a="$CID-a" b="$CID-b" c="$CID-c"
	hrun --store "$STORE" run -d --image localhost/small:1 "$a" sh -c 'echo a >/etc/mine; sleep 30'
	[ "$status" -eq 0 ]
	retry 100 0.05 test -e "$STORE/containers/$a/upper/etc/mine"
	# the root directory keeps an image's mode
	[ "$(stat -c %a "$STORE/containers/$a/upper")" = 755 ]
	himg run --image localhost/small:1 "$b" sh -c 'cat /etc/mine 2>&1; echo b >/etc/mine; cat /etc/mine'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"No such file"* ]]
	[ "${lines[1]}" = b ]
	# the image's own layer is untouched
	! ls "$STORE"/layers/*/diff/etc/mine 2>/dev/null
	hrun kill "$a" KILL
	hrun delete -f "$a"
	[ ! -e "$STORE/containers/$a" ]
	[ ! -e "$STORE/containers/$b" ]
	# --read-only, and a volume
	mkdir "$HULL_TEST_DIR/vol"
	echo host >"$HULL_TEST_DIR/vol/f"
	himg run --image localhost/small:1 --read-only -v "$HULL_TEST_DIR/vol:/vol:ro" "$c" \
		sh -c 'cat /vol/f; touch /x 2>&1; touch /vol/y 2>&1; true'
	[ "${lines[0]}" = host ]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[[ "${lines[2]}" == *"Read-only file system"* ]]
	assert_nothing_left "$c"
}

@test "images: bad input to run --image is one line, and nothing is left" {
	hs image import -q "$SMALL:localhost/small:1"
	himg run --image localhost/none:1 "$CID"
	[ "$status" -ne 0 ]
	assert_one_line_error 'image "localhost/none:1"' "is not in the store"
	himg run --image localhost/small:1 -u nobody-here "$CID" true
	assert_one_line_error '--user "nobody-here": no user "nobody-here" in the image'"'"'s /etc/passwd'
	himg run --image localhost/small:1 -v relative:/x "$CID" true
	assert_one_line_error '--volume "relative:/x": must be /HOST/PATH:/CONTAINER/PATH[:ro|rw]'
	himg run --image localhost/small:1 "$CID" /no/such/program
	[ "$status" -ne 0 ]
	assert_one_line_error 'exec: "/no/such/program"'
	himg run -e A=b "$CID"
	assert_one_line_error "run: --env goes with --image"
	himg run --image 'Upper/Case' "$CID"
	assert_one_line_error 'invalid reference "Upper/Case"'
	[ -z "$(ls -A "$STORE/containers")" ]
	assert_nothing_left
}

@test "images: create --image, start, delete; a killed run's left-over directory does not block the ID" {
	hs image import -q "$SMALL:localhost/small:1"
	hrun --store "$STORE" create --image localhost/small:1 "$CID" sh -c 'echo started >/started'
	[ "$status" -eq 0 ]
	[ -d "$STORE/containers/$CID/upper" ]
	hrun start "$CID"
	retry 100 0.05 test -e "$STORE/containers/$CID/upper/started"
	hrun delete -f "$CID"
	[ ! -e "$STORE/containers/$CID" ]
	# as a run killed before it recorded the container leaves it
	mkdir -p "$STORE/containers/$CID/upper"
	himg run --image localhost/small:1 "$CID" echo again
	[ "$output" = again ]
	assert_nothing_left
}

@test "images: docker-archive and oci-archive import, export read by skopeo" {
	image_docker_archive "$SMALL" small "$HULL_TEST_DIR/d.tar" localhost/fromdocker:2
	image_oci_archive "$SMALL" small "$HULL_TEST_DIR/o.tar"
	himg image import "$HULL_TEST_DIR/d.tar"
	[ "$status" -eq 0 ]
	himg image import "$HULL_TEST_DIR/o.tar:localhost/fromoci:3"
	[ "$status" -eq 0 ]
	himg image ls --format json
	[ "$(jq -r '[.[].name] | sort | join(" ")' <<<"$output")" = "localhost/fromdocker:2 localhost/fromoci:3" ]
	himg run --image localhost/fromdocker:2 "$CID" echo docker
	[ "$output" = docker ]
	himg run --image localhost/fromoci:3 "$CID" echo oci
	[ "$output" = oci ]
	# nothing of the unpacked archives stays in tmp/
	[ -z "$(find "$STORE/tmp" -mindepth 1 -name 'import-*')" ]
	himg image export localhost/fromoci:3 "$HULL_TEST_DIR/out"
	[ "$status" -eq 0 ]
	run skopeo inspect "oci:$HULL_TEST_DIR/out:3"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.Layers | length' <<<"$output")" = 1 ]
	# and it imports again, as the same image
	himg image import "$HULL_TEST_DIR/out:localhost/again:1"
	[ "$status" -eq 0 ]
	[ "$(hs image ls --format json | jq -r '[.[] | select(.name | test("fromoci|again")) | .digest] | unique | length')" = 1 ]
}

@test "images: zstd and uncompressed layers; an index picks the host's platform" {
	image_zstd "$RICH" rich "$HULL_TEST_DIR/zstd"
	himg image import "$HULL_TEST_DIR/zstd:localhost/zstd:1"
	[ "$status" -eq 0 ]
	himg run --image localhost/zstd:1 "$CID" cat /etc/motd
	[ "$status" -eq 0 ]
	image_plain "$SMALL" small "$HULL_TEST_DIR/plain"
	himg image import "$HULL_TEST_DIR/plain:localhost/plain:1"
	[ "$status" -eq 0 ]
	himg run --image localhost/plain:1 "$CID" echo plain
	[ "$output" = plain ]
	image_multiarch "$SMALL" "$HULL_TEST_DIR/multi"
	himg image import "$HULL_TEST_DIR/multi:multi"
	[ "$status" -eq 0 ]
	[ "$(hs image inspect multi | jq -r .architecture)" = amd64 ]
}

@test "images: layers shared between images are stored once; rm and gc remove what nothing uses" {
	hs image import -q "$SMALL:localhost/small:1"
	hs image import -q "$SMALL:localhost/small:2"
	[ "$(ls "$STORE/layers" | wc -l)" -eq 1 ]
	hs image import -q "$RICH:localhost/rich:1"
	n="$(ls "$STORE/layers" | wc -l)"
	[ "$n" -ge 4 ]
	# a container keeps its image through rm
	hrun --store "$STORE" run -d --image localhost/rich:1 "$CID" sleep 30
	himg image rm localhost/rich:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"untagged docker.io/"* || "$output" == *"untagged localhost/rich:1"* ]]
	[ "$(ls "$STORE/layers" | wc -l)" -eq "$n" ]
	hrun delete -f "$CID"
	himg image gc
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "freed "* ]]
	[ "$(ls "$STORE/layers" | wc -l)" -eq 1 ]
	himg image rm localhost/small:1 localhost/small:2
	[ "$status" -eq 0 ]
	store_clean
}

@test "images: two imports of one image at once both succeed and do the work once" {
	hs image import -q "$RICH:localhost/a:1" &
	p1=$!
	hs image import -q "$RICH:localhost/b:1" &
	p2=$!
	wait "$p1"
	wait "$p2"
	himg image ls --format json
	[ "$(jq -r 'length' <<<"$output")" = 2 ]
	[ "$(jq -r '[.[].digest] | unique | length' <<<"$output")" = 1 ]
	[ -z "$(find "$STORE/tmp" -mindepth 1 ! -name 'chain-*.lock' ! -name 'blob-*')" ]
}

@test "images: hostile layers are refused, naming the layer and the entry, and leave nothing" {
	local kind
	# kind:what the one-line error says
	for kind in "dotdot:entry" "absolute:entry" "dotdot-deep:entry" "symlink-escape:entry" \
		"symlink-dotdot:entry" "hardlink-escape:entry" "hardlink-absolute:entry" \
		"hardlink-missing:entry" "whiteout-dotdot:entry" "overlay-xattr:trusted.overlay" \
		"truncated:layer" "bad-digest:digest" "bad-diffid:diff" "missing-blob:blob" \
		"bad-manifest:manifest" "unknown-mediatype:media type"; do
		local k="${kind%%:*}" want="${kind#*:}"
		rm -rf "$HULL_TEST_DIR/h"
		python3 "$HULL_REPO_DIR/tests/lib/hostile.py" "$k" "$HULL_TEST_DIR/h"
		himg image import "$HULL_TEST_DIR/h:localhost/hostile:$k"
		echo "$k: $stderr"
		[ "$status" -ne 0 ]
		assert_one_line_error "$want"
		store_clean
		# nothing escaped next to the store or into the test directory
		[ ! -e "$HULL_TEST_DIR/escape" ] && [ ! -e /abs-escape ] && [ ! -e /tmp/pwned ]
	done
}

@test "images: spec --image writes a bundle any runtime can run; image umount undoes it" {
	hs image import -q "$SMALL:localhost/small:1"
	himg spec --image localhost/small:1 --bundle "$HULL_TEST_DIR/b"
	[ "$status" -eq 0 ]
	[ "$(jq -r .root.path "$HULL_TEST_DIR/b/config.json")" = rootfs ]
	[ -x "$HULL_TEST_DIR/b/rootfs/bin/busybox" ]
	jq '.process.args = ["echo", "from the bundle"] | .process.terminal = false' "$HULL_TEST_DIR/b/config.json" \
		>"$HULL_TEST_DIR/c.json" && mv "$HULL_TEST_DIR/c.json" "$HULL_TEST_DIR/b/config.json"
	hrun run -b "$HULL_TEST_DIR/b" "$CID"
	[ "$output" = "from the bundle" ]
	# the store keeps the image while the bundle's rootfs is mounted
	hs image rm localhost/small:1
	[ -n "$(ls -A "$STORE/layers")" ]
	himg image umount "$HULL_TEST_DIR/b/rootfs"
	[ "$status" -eq 0 ]
	! grep -q "$HULL_TEST_DIR/b/rootfs" /proc/self/mountinfo
	hs image gc >/dev/null
	[ -z "$(ls -A "$STORE/layers")" ]
}

@test "images: a layer that expands beyond --max-layer-size is refused (a gzip bomb), nothing left" {
	python3 "$HULL_REPO_DIR/tests/lib/hostile.py" bomb "$HULL_TEST_DIR/h"
	himg image import --max-layer-size 50000000 "$HULL_TEST_DIR/h:localhost/bomb:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "layer sha256:" "50000000"
	store_clean
	himg image import --max-layer-size 0 "$HULL_TEST_DIR/h:localhost/bomb:1"
	assert_one_line_error '--max-layer-size: "0" is not a number of bytes'
}

@test "images: a full disk midway is one line, and leaves nothing" {
	# the store on a small tmpfs of a mount namespace of the test's own
	mkdir -p "$STORE"
	run unshare -m --propagation private sh -c '
		mount -t tmpfs -o size=3m tmpfs "$1" &&
		"$2" --store "$1" image import -q "$3:localhost/rich:1" 2>"$4"; echo "rc=$?"
		(cd "$1" && find names images layers blobs/sha256 -mindepth 1; find tmp -mindepth 1 ! -name "chain-*.lock")
		umount "$1"' sh "$STORE" "$HULL" "$RICH" "$HULL_TEST_DIR/err"
	echo "$output"
	[ "${lines[0]}" != rc=0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(wc -l <"$HULL_TEST_DIR/err")" -eq 1 ]
	grep -q "No space left on device" "$HULL_TEST_DIR/err"
}
