# SPDX-License-Identifier: Apache-2.0
# tests/lib/images.bash: the test image factory.  Builds OCI images offline,
# from files on this machine (busybox-static, /usr/share/doc), for the tests of
# `hull image ...` and `hull run --image`.  Source it from a .bats file:
#     source "$HULL_REPO_DIR/tests/lib/images.bash"
# Needs: umoci, skopeo, python3, zstd, attr (getfattr/setfattr), libcap2-bin
# (setcap), busybox-static, flock; `image_deps` installs the missing ones.
#
# Every builder writes under the directory it is given, builds in a private
# temporary directory first, and keeps its result: a second call with the same
# arguments (and the same source image) returns at once.  Concurrent calls on
# the same directory wait for each other (flock), so bats --jobs is fine.
# They print nothing on success and fail (status 1, a message on stderr)
# otherwise.  An "OCI layout" is a directory with oci-layout, index.json and
# blobs/sha256/; LAYOUT:TAG names the manifest whose
# org.opencontainers.image.ref.name annotation is TAG.
#
# image_rich DIR
#     DIR/oci, tag `rich`: 4 layers made with umoci (+ one fix-up, see below).
#     1 base: /bin/busybox and the applet links sh ls cat id stat find echo
#       touch mkdir rm env pwd whoami sleep readlink test (bin/X -> busybox);
#       /etc/passwd (root 0, alice 1000:1000 home /home/alice, bob 1001:1001,
#       nobody 65534), /etc/group (root, staff 50 with member alice, alice
#       1000, bob 1001, nogroup 65534), /home/alice 1000:1000, /home/bob
#       1001:1001, /root 0700, /tmp 1777, empty /proc /sys /dev, /etc/motd,
#       /data/a, /data/b, /data/sub/c.
#     2 changes: whiteout of /data/a; /data/sub opaque (only `new` in it);
#       /data/link -> a-target (dangling), /data/abs -> /etc/passwd; hardlinks
#       /data/h1 /data/h2; /usr/bin/su-test root 4755; FIFO /data/fifo;
#       /data/xattr (user.test=hello); /data/cap (security.capability
#       cap_net_raw+ep); /data/odd 1234:5678 0644; /data/secret 0600;
#       /data/exec 0751.
#     3 docs: regular files of /usr/share/common-licenses and /usr/share/doc
#       copied with their paths, about $IMAGE_RICH_MB MiB (default 8; random
#       files usr/share/filler/N make up for a machine with fewer docs).
#     4 motd: /etc/motd rewritten ("rich v4").
#     Config: no Entrypoint, Cmd ["/bin/sh","-c","echo hello from rich"],
#     Env PATH=/usr/sbin:/usr/bin:/sbin:/bin and RICH=1, WorkingDir /data,
#     Labels org.example.test=yes, StopSignal SIGUSR1.
# image_small DIR
#     DIR/oci, tag `small`: one layer (busybox, the same applet links,
#     /etc/passwd, /etc/group, /tmp 1777, /proc /sys /dev), Cmd ["/bin/sh"],
#     Env PATH=/usr/sbin:/usr/bin:/sbin:/bin.  image_rich and image_small may
#     share DIR: DIR/oci then has both tags.
# image_umoci_rootfs LAYOUT TAG OUT
#     `umoci unpack --image LAYOUT:TAG OUT`: OUT/rootfs is the reference tree
#     (OUT/config.json the runtime spec umoci derives).  Kept while
#     OUT/.image-src holds LAYOUT:TAG's manifest digest.
# image_rootfs_listing ROOT
#     On stdout, one line per file under ROOT (not ROOT itself), sorted by
#     path (C locale), tab-separated:
#         PATH TYPE MODE UID GID DETAIL XATTRS LINK
#     TYPE is find's %y letter (f d l p s c b); MODE octal with the
#     set-id/sticky bits (e.g. 4755, 1777); DETAIL is the size of a regular
#     file, `-> TARGET` of a symlink, `rdev=MAJ:MIN` (hex) of a device, `-`
#     else; XATTRS is `name=value;...` as getfattr prints them (text or 0s
#     base64), trusted.overlay.* left out, `-` when none; LINK is
#     `hardlink=FIRST` (FIRST: the smallest path of the inode) for files whose
#     inode has several names in the listing, `-` else.  No times, no
#     directory sizes: the listing of a hull-mounted image must equal the one
#     of `umoci unpack`'s rootfs.  IMAGE_LISTING_MTIME=1 adds the mtime of
#     non-directories as a ninth column.  Names with tabs or newlines are not
#     supported.
# image_docker_archive LAYOUT TAG FILE NAME
#     FILE: a docker-archive tar like `docker save` writes (skopeo copy
#     oci:LAYOUT:TAG docker-archive:FILE:NAME), NAME e.g. localhost/rich:latest.
# image_oci_archive LAYOUT TAG FILE
#     FILE: an oci-archive (a tar of an OCI layout, tag TAG).
# image_zstd LAYOUT TAG OUT
#     The layout OUT, tag TAG: the same image with zstd layers
#     (application/vnd.oci.image.layer.v1.tar+zstd; skopeo
#     --dest-compress-format zstd).  Config and diff_ids are unchanged.
# image_plain LAYOUT TAG OUT
#     The layout OUT, tag TAG: the same image with uncompressed layers
#     (application/vnd.oci.image.layer.v1.tar; written by images.py, as
#     skopeo 1.9's --dest-decompress leaves OCI layers compressed).
# image_multiarch LAYOUT OUT [TAG]
#     The layout OUT with two tags: `multi`, an OCI image index
#     (application/vnd.oci.image.index.v1+json) of LAYOUT:TAG's manifest
#     (platform linux/amd64, or the image's own) and an arm64 twin
#     (linux/arm64/v8: same layers, config differing only in architecture and
#     variant); `multi-docker`, the same two as Docker schema 2 manifests in a
#     Docker manifest list.  TAG defaults to LAYOUT's only tag.
# image_deps
#     apt-get installs the packages above that are missing (as root).
#
# images.py (same folder) does the layout surgery the builders need and one
# more thing tests may use: `"$IMAGES_PYTHON" "$IMAGES_PY" overlay-layers
# LAYOUT TAG OUTDIR` extracts the layers the overlayfs way (whiteouts as 0:0
# character devices, trusted.overlay.opaque) and prints a lowerdir= value;
# mounted read-only it lists (image_rootfs_listing) like umoci's rootfs.
#
# A hostile layout per kind of malicious or broken image:
#     python3 "$IMAGES_LIB_DIR/hostile.py" KIND OUTDIR   (--list: the kinds)
# and tests/lib/images-selftest.sh checks all of this with the real tools.

IMAGES_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGES_PY="$IMAGES_LIB_DIR/images.py"
# Debian's python3 itself: a python3 found first in PATH may be a slow shim.
if [ -z "${IMAGES_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then IMAGES_PYTHON=/usr/bin/python3; else IMAGES_PYTHON=python3; fi
fi
# Bump when what a builder makes changes: cached images are then rebuilt.
IMAGES_FACTORY_VERSION=1
IMAGES_APPLETS=(sh ls cat id stat find echo touch mkdir rm env pwd whoami sleep readlink test)
IMAGES_PATH_ENV="PATH=/usr/sbin:/usr/bin:/sbin:/bin"
: "${BUSYBOX:=/bin/busybox}"

image_deps() {
	local repo
	repo="$(cd "$IMAGES_LIB_DIR/../.." && pwd)"
	sh "$repo/contrib/apt-install.sh" umoci skopeo python3 zstd attr libcap2-bin \
		busybox-static util-linux tar gzip
}

# ---------------------------------------------------------------- internals

_image_err() {
	echo "images.bash: $*" >&2
	return 1
}

# _image_locked LOCKFILE CMD...: CMD with an exclusive flock on LOCKFILE.
_image_locked() {
	local lock="$1" fd rc=0
	shift
	mkdir -p "$(dirname "$lock")" || return 1
	exec {fd}>"$lock" || return 1
	flock "$fd" || { exec {fd}>&-; return 1; }
	"$@" {fd}>&- || rc=$?
	exec {fd}>&-
	return "$rc"
}

# _image_cached STAMP KEY CMD...: run CMD unless STAMP holds KEY; write KEY
# to STAMP when CMD succeeds.  Call it under a lock.
_image_cached() {
	local stamp="$1" key="$2"
	shift 2
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
		return 0
	fi
	rm -f "$stamp"
	"$@" || return 1
	printf '%s\n' "$key" >"$stamp.tmp" && mv -f "$stamp.tmp" "$stamp"
}

# _image_digest LAYOUT TAG: the digest LAYOUT:TAG points to.
_image_digest() {
	"$IMAGES_PYTHON" "$IMAGES_PY" digest "$1" "$2"
}

# _image_tmp DIR: a new private build directory under DIR (printed).
_image_tmp() {
	mkdir -p "$1" && mktemp -d "$1/.build.XXXXXX"
}

# _image_base_files ROOTFS: busybox, its applet links and the account files.
_image_base_files() {
	local r="$1" a
	[ -x "$BUSYBOX" ] || _image_err "no static busybox at $BUSYBOX" || return 1
	mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" \
		"$r/proc" "$r/sys" "$r/dev" "$r/tmp" || return 1
	chmod 1777 "$r/tmp"
	cp "$BUSYBOX" "$r/bin/busybox" && chmod 0755 "$r/bin/busybox" || return 1
	for a in "${IMAGES_APPLETS[@]}"; do
		ln -s busybox "$r/bin/$a" || return 1
	done
	cat >"$r/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		alice:x:1000:1000:Alice:/home/alice:/bin/sh
		bob:x:1001:1001:Bob:/home/bob:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$r/etc/group" <<-'EOF'
		root:x:0:
		staff:x:50:alice
		alice:x:1000:
		bob:x:1001:
		nogroup:x:65534:
	EOF
	chmod 0644 "$r/etc/passwd" "$r/etc/group"
}

# _image_repack LAYOUT:TAG BUNDLE NAME: umoci repack, then drop the bundle.
_image_repack() {
	umoci repack --history.created_by "hull tests: $3" --image "$1" "$2" || return 1
	rm -rf "$2"
}

# ------------------------------------------------------------------- rich

_image_rich_layer1() {
	local r="$1"
	_image_base_files "$r" || return 1
	mkdir -p "$r/root" "$r/home/alice" "$r/home/bob" "$r/data/sub" || return 1
	chmod 0700 "$r/root"
	chown 1000:1000 "$r/home/alice" && chown 1001:1001 "$r/home/bob" || return 1
	echo "rich v1" >"$r/etc/motd"
	echo "rich" >"$r/etc/hostname"
	echo "a" >"$r/data/a"
	echo "b" >"$r/data/b"
	echo "c" >"$r/data/sub/c"
}

_image_rich_layer2() {
	local r="$1"
	rm -f "$r/data/a" || return 1
	rm -rf "$r/data/sub" && mkdir "$r/data/sub" || return 1
	echo "new" >"$r/data/sub/new"
	ln -s a-target "$r/data/link" || return 1
	ln -s /etc/passwd "$r/data/abs" || return 1
	echo "hardlinked" >"$r/data/h1" && ln "$r/data/h1" "$r/data/h2" || return 1
	printf '#!/bin/sh\nid\n' >"$r/usr/bin/su-test"
	chown 0:0 "$r/usr/bin/su-test" && chmod 4755 "$r/usr/bin/su-test" || return 1
	mkfifo -m 0644 "$r/data/fifo" || return 1
	echo "xattr" >"$r/data/xattr"
	setfattr -n user.test -v hello "$r/data/xattr" ||
		_image_err "setfattr user.test failed (filesystem of $r?)" || return 1
	echo "cap" >"$r/data/cap"
	chmod 0755 "$r/data/cap"
	setcap cap_net_raw+ep "$r/data/cap" || _image_err "setcap failed" || return 1
	echo "odd" >"$r/data/odd"
	chown 1234:5678 "$r/data/odd" && chmod 0644 "$r/data/odd" || return 1
	echo "secret" >"$r/data/secret" && chmod 0600 "$r/data/secret" || return 1
	printf '#!/bin/sh\necho exec\n' >"$r/data/exec" && chmod 0751 "$r/data/exec"
}

# _image_rich_layer3 ROOTFS: copies of /usr/share/doc files, $IMAGE_RICH_MB
# MiB; topped up with random 1 MiB files usr/share/filler/N if the machine
# has fewer docs than that.
_image_rich_layer3() {
	local r="$1" limit=$((${IMAGE_RICH_MB:-8} * 1024 * 1024)) have n=0
	find /usr/share/common-licenses /usr/share/doc -type f -printf '%s\t%p\n' 2>/dev/null |
		LC_ALL=C sort -t "$(printf '\t')" -k2 |
		awk -F '\t' -v lim="$limit" '{ if (sum >= lim) exit; sum += $1; print $2 }' |
		tr '\n' '\0' | xargs -0 -r cp --parents -t "$r" || return 1
	mkdir -p "$r/usr/share" || return 1
	have=$(find "$r/usr/share" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	while [ "$have" -lt "$limit" ]; do
		mkdir -p "$r/usr/share/filler" &&
			head -c 1048576 /dev/urandom >"$r/usr/share/filler/$n" || return 1
		have=$((have + 1048576)) n=$((n + 1))
	done
}

# _image_build NAME DIR: run _image_steps_NAME DIR TMP in a fresh TMP under
# DIR, then remove TMP.  (The steps chain `|| return 1`: errexit does not
# work in functions called from a `||` list, as these are.)
_image_build() {
	local name="$1" dir="$2" t rc=0
	t="$(_image_tmp "$dir")" || return 1
	(umask 022 && "_image_steps_$name" "$dir" "$t") || rc=1
	rm -rf "$t"
	[ "$rc" = 0 ] || _image_err "image_$name $dir failed"
}

_image_steps_rich() {
	local dir="$1" t="$2" L="$2/oci"
	umoci init --layout "$L" || return 1
	umoci new --image "$L:rich" || return 1
	umoci unpack --image "$L:rich" "$t/b" >/dev/null || return 1
	_image_rich_layer1 "$t/b/rootfs" || return 1
	_image_repack "$L:rich" "$t/b" base || return 1
	umoci unpack --image "$L:rich" "$t/b" >/dev/null || return 1
	_image_rich_layer2 "$t/b/rootfs" || return 1
	_image_repack "$L:rich" "$t/b" changes || return 1
	# umoci 0.4.7 writes data/sub/.wh.c, never an opaque whiteout: make
	# data/sub opaque in layer 2 (index 1) by hand, owner and mode taken
	# from the unpacked tree.
	umoci unpack --image "$L:rich" "$t/b" >/dev/null || return 1
	"$IMAGES_PYTHON" "$IMAGES_PY" opaque "$L" rich 1 data/sub "$t/b/rootfs" || return 1
	rm -rf "$t/b"
	umoci unpack --image "$L:rich" "$t/b" >/dev/null || return 1
	_image_rich_layer3 "$t/b/rootfs" || return 1
	_image_repack "$L:rich" "$t/b" docs || return 1
	umoci unpack --image "$L:rich" "$t/b" >/dev/null || return 1
	echo "rich v4" >"$t/b/rootfs/etc/motd" || return 1
	_image_repack "$L:rich" "$t/b" motd || return 1
	umoci config --image "$L:rich" --history.created_by "hull tests: config" \
		--clear=config.entrypoint --clear=config.cmd --clear=config.env \
		--config.cmd /bin/sh --config.cmd -c --config.cmd "echo hello from rich" \
		--config.env "$IMAGES_PATH_ENV" --config.env RICH=1 \
		--config.workingdir /data --config.label org.example.test=yes \
		--config.stopsignal SIGUSR1 || return 1
	umoci gc --layout "$L" || return 1
	"$IMAGES_PYTHON" "$IMAGES_PY" merge "$L" rich "$dir/oci"
}

image_rich() {
	[ $# = 1 ] || _image_err "usage: image_rich DIR" || return 1
	local dir="$1"
	_image_locked "$dir/.lock" _image_cached "$dir/.rich.stamp" \
		"v$IMAGES_FACTORY_VERSION mb=${IMAGE_RICH_MB:-8}" _image_build rich "$dir"
}

# ------------------------------------------------------------------ small

_image_steps_small() {
	local dir="$1" t="$2" L="$2/oci"
	umoci init --layout "$L" || return 1
	umoci new --image "$L:small" || return 1
	umoci unpack --image "$L:small" "$t/b" >/dev/null || return 1
	_image_base_files "$t/b/rootfs" || return 1
	_image_repack "$L:small" "$t/b" base || return 1
	umoci config --image "$L:small" --history.created_by "hull tests: config" \
		--clear=config.entrypoint --clear=config.cmd --clear=config.env \
		--config.cmd /bin/sh --config.env "$IMAGES_PATH_ENV" || return 1
	umoci gc --layout "$L" || return 1
	"$IMAGES_PYTHON" "$IMAGES_PY" merge "$L" small "$dir/oci"
}

image_small() {
	[ $# = 1 ] || _image_err "usage: image_small DIR" || return 1
	local dir="$1"
	_image_locked "$dir/.lock" _image_cached "$dir/.small.stamp" \
		"v$IMAGES_FACTORY_VERSION" _image_build small "$dir"
}

# ------------------------------------------------------------- derivatives

# _image_derived LAYOUT TAG OUT LABEL CMD...: under OUT's lock, run CMD
# (which writes OUT) unless OUT's stamp for LABEL names LAYOUT:TAG's digest
# (and LABEL).  Stamps and locks sit beside OUT: OUT.lock, OUT.LABEL.stamp.
_image_derived() {
	local layout="$1" tag="$2" out="$3" label="$4" digest
	shift 4
	digest="$(_image_digest "$layout" "$tag")" || return 1
	_image_locked "$out.lock" _image_cached "$out.${label//[^A-Za-z0-9._-]/_}.stamp" \
		"v$IMAGES_FACTORY_VERSION $digest $label" "$@"
}

image_umoci_rootfs() {
	[ $# = 3 ] || _image_err "usage: image_umoci_rootfs LAYOUT TAG OUT" || return 1
	_image_derived "$1" "$2" "$3" unpack _image_do_unpack "$1" "$2" "$3"
}

_image_do_unpack() {
	rm -rf "$3" && umoci unpack --image "$1:$2" "$3" >/dev/null ||
		_image_err "umoci unpack $1:$2 failed"
}

# _image_skopeo_file SRC DEST FILE: skopeo copy SRC to DEST (an archive
# transport ending in FILE.tmp), then rename FILE.tmp to FILE.
_image_skopeo_file() {
	rm -f "$3" "$3.tmp" &&
		skopeo copy --quiet "$1" "$2" >/dev/null &&
		mv -f "$3.tmp" "$3" || _image_err "skopeo copy $1 $2 failed"
}

image_docker_archive() {
	[ $# = 4 ] || _image_err "usage: image_docker_archive LAYOUT TAG FILE NAME" || return 1
	mkdir -p "$(dirname "$3")" || return 1
	_image_derived "$1" "$2" "$3" "docker:$4" _image_skopeo_file \
		"oci:$1:$2" "docker-archive:$3.tmp:$4" "$3"
}

image_oci_archive() {
	[ $# = 3 ] || _image_err "usage: image_oci_archive LAYOUT TAG FILE" || return 1
	mkdir -p "$(dirname "$3")" || return 1
	_image_derived "$1" "$2" "$3" oci _image_skopeo_file \
		"oci:$1:$2" "oci-archive:$3.tmp:$2" "$3"
}

image_zstd() {
	[ $# = 3 ] || _image_err "usage: image_zstd LAYOUT TAG OUT" || return 1
	_image_derived "$1" "$2" "$3" "zstd-$2" _image_do_zstd "$@"
}

_image_do_zstd() {
	skopeo copy --quiet --dest-compress-format zstd "oci:$1:$2" "oci:$3:$2" >/dev/null ||
		_image_err "skopeo copy to zstd $3:$2 failed"
}

image_plain() {
	[ $# = 3 ] || _image_err "usage: image_plain LAYOUT TAG OUT" || return 1
	_image_derived "$1" "$2" "$3" "plain-$2" "$IMAGES_PYTHON" "$IMAGES_PY" plain "$@"
}

image_multiarch() {
	[ $# = 2 ] || [ $# = 3 ] || _image_err "usage: image_multiarch LAYOUT OUT [TAG]" || return 1
	local layout="$1" out="$2" tag="${3:-}"
	if [ -z "$tag" ]; then
		tag="$("$IMAGES_PYTHON" -c 'import json,sys
m=json.load(open(sys.argv[1]+"/index.json"))["manifests"]
t=[d.get("annotations",{}).get("org.opencontainers.image.ref.name") for d in m]
t=[x for x in t if x]
sys.exit("images.bash: %s has %d tags, name one" % (sys.argv[1], len(t))) if len(t)!=1 else print(t[0])' "$layout")" || return 1
	fi
	_image_derived "$layout" "$tag" "$out" multiarch "$IMAGES_PYTHON" "$IMAGES_PY" multiarch "$layout" "$tag" "$out"
}

# ----------------------------------------------------------------- listing

image_rootfs_listing() {
	[ $# = 1 ] && [ -d "$1" ] || _image_err "usage: image_rootfs_listing ROOT (a directory)" || return 1
	local root="${1%/}" tab=$'\t'
	[ -n "$root" ] || root=/
	(
		set -o pipefail
		cd "$root" || exit 1
		{
			# kind F: PATH TYPE MODE UID GID SIZE TARGET DEV:INO NLINK MTIME
			find . -mindepth 1 -printf 'F\t%P\t%y\t%m\t%U\t%G\t%s\t%l\t%D:%i\t%n\t%T@\n' || exit 1
			# kind R: PATH rdev of devices
			find . -mindepth 1 \( -type c -o -type b \) -exec stat -c "R$tab%n$tab%t:%T" {} + |
				sed "s|^R$tab\./|R$tab|" || exit 1
			# kind X: PATH name=value, from getfattr's dump
			getfattr -R -P -h -d -m - --absolute-names . 2>/dev/null |
				awk -v OFS='\t' '
					/^# file: / { f = substr($0, 9); sub(/^\.\//, "", f); next }
					/^$/ { next }
					f != "" && f != "." && $0 !~ /^trusted\.overlay\./ { print "X", f, $0 }'
		} | LC_ALL=C awk -F '\t' -v OFS='\t' -v mt="${IMAGE_LISTING_MTIME:-0}" '
			$1 == "F" { n++; path[n] = $2; typ[n] = $3; mode[n] = $4; uid[n] = $5
				gid[n] = $6; size[n] = $7; tgt[n] = $8; ino[n] = $9
				nl[n] = $10; mtime[n] = $11; next }
			$1 == "R" { rdev[$2] = $3; next }
			$1 == "X" { v = $3; for (i = 4; i <= NF; i++) v = v "\t" $i
				if ($2 in xa) v = xa[$2] ";" v
				xa[$2] = v; next }
			END {
				for (i = 1; i <= n; i++) if (typ[i] != "d" && nl[i] > 1) {
					c[ino[i]]++
					if (!(ino[i] in first) || path[i] < first[ino[i]]) first[ino[i]] = path[i]
				}
				for (i = 1; i <= n; i++) {
					d = "-"
					if (typ[i] == "f") d = size[i]
					else if (typ[i] == "l") d = "-> " tgt[i]
					else if (typ[i] == "c" || typ[i] == "b") d = "rdev=" rdev[path[i]]
					x = (path[i] in xa) ? xa[path[i]] : "-"
					h = (typ[i] != "d" && c[ino[i]] > 1) ? "hardlink=" first[ino[i]] : "-"
					line = path[i] OFS typ[i] OFS sprintf("%04o", strtonum_oct(mode[i])) OFS uid[i] OFS gid[i] OFS d OFS x OFS h
					if (mt == 1 && typ[i] != "d") line = line OFS int(mtime[i])
					print line
				}
			}
			function strtonum_oct(s,   r, k) { r = 0; for (k = 1; k <= length(s); k++) r = r * 8 + substr(s, k, 1); return r }
		' | LC_ALL=C sort -t "$tab" -k1,1
	)
}
