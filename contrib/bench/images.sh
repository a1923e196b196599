#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/bench/images.sh [ROUNDS]: hull's image store next to its peers
# (`make bench-images`; `make bench` runs it after bench.sh).
#
# In one run, side by side, round after round (the order turns each round):
#   1. pull + unpack of one 4-layer image (~300 MiB of real files from /usr,
#      gzip) from one docker-registry on 127.0.0.1: `hull image pull` into a
#      fresh store, `skopeo copy docker://... oci:DIR` + `umoci unpack`, and
#      `podman pull` into a fresh private storage (overlay driver), and
#      into a fresh one podman has set up beforehand (`podman images`, not
#      timed: the pull without the set-up of a storage);
#   2. unpack of one gzip layer holding the same files: `hull image import`
#      of an OCI layout holding it (fresh store) and `tar -xzf` of the blob,
#      on the same filesystem; with `gzip -dc > /dev/null` and `sha256sum`
#      of the blob and the tar as floors;
#   3. `hull run --image` of /bin/true against `hull run` of a plain bundle
#      with the same config.json (the one `hull spec --image` writes) and
#      the same files unpacked in a directory; and `hull run` of the
#      `spec --image` bundle, its overlay mounted once beforehand (running
#      on an overlay, without mounting and tearing one down each time);
#   4. a second pull of the image already in the store (and podman's),
#      with what of it is start-up: `hull image pull --help` (hull alone),
#      `hull image import` of an empty directory (hull, the helper's memfd
#      and exec, its dynamic loading, a failure at once), and the helper
#      alone (build/hull-image run from its file with no arguments: its
#      dynamic loading and exit).
# ROUNDS (the argument, else $IMAGES_ROUNDS, else $ROUNDS, else 5) is the
# number of rounds of 1 and 2; 3 and 4 get RUN_ROUNDS (default 3 * ROUNDS).
# Prints medians (and minima) of wall and cpu time (cpu = user + system of
# the command and what it waited for, contrib/bench/measure.c; not the
# registry's) and the ratios; it reports and never fails on a number.
#
# Everything lives in one temporary directory, removed at the end however
# the script ends: the registry's storage, the stores, podman's --root and
# --runroot (its own storage.conf and containers.conf), skopeo's and podman's
# blob-info cache (a directory of ours bound over /var/lib/containers in the
# script's private mount namespace, so nothing of the host's is written).
# The images are built once per run from files of /usr (~1 minute); set
# HULL_BENCH_IMAGES_CACHE=DIR to keep them in DIR between runs (and
# HULL_BENCH_IMAGES_QUICK=1 for a small image: a check of the script).
set -euo pipefail
if [ -z "${HULL_BENCH_NS:-}" ]; then
	HULL_BENCH_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
ROUNDS=${1:-${IMAGES_ROUNDS:-${ROUNDS:-5}}}
RUN_ROUNDS=${RUN_ROUNDS:-$((3 * ROUNDS))}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HULL=${HULL:-$REPO/hull}
need=()
for c in podman skopeo umoci docker-registry jq bc busybox curl openssl htpasswd gzip; do
	command -v $c >/dev/null || need+=("$c")
done
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || need+=(python3-cryptography)
[ ${#need[@]} = 0 ] || sh "$REPO/contrib/apt-install.sh" $(printf '%s\n' "${need[@]}" |
	sed -e 's/^busybox$/busybox-static/' -e 's/^htpasswd$/apache2-utils/')
[ -x "$HULL" ] || make -C "$REPO" hull >/dev/null

W=$(mktemp -d /tmp/hull-imgbench.XXXXXX)
C=${HULL_BENCH_IMAGES_CACHE:-$W/cache}
export HULL_TEST_TMP=$W TMPDIR=$W/tmp
mkdir -p "$W/run" "$W/tmp" "$C"
REGISTRY_DIR='' VARLIB_MADE=''
cleanup() {
	set +e
	for id in $("$HULL" --root "$W/run/hull" list -q 2>/dev/null); do
		"$HULL" --root "$W/run/hull" --store "$W/store" delete -f "$id" >/dev/null 2>&1
	done
	[ -z "$REGISTRY_DIR" ] || registry_stop
	# whatever is still mounted below $W (podman's overlay, a rootfs),
	# deepest first; this namespace is ours alone, they would go with it
	awk -v w="$W" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r d; do umount -l "$d"; done
	umount -l /var/lib/containers 2>/dev/null
	[ -z "$VARLIB_MADE" ] || rmdir /var/lib/containers 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# hull's --root on a tmpfs, as /run is on a host (as bench.sh does)
mount -t tmpfs -o mode=0700 tmpfs "$W/run"
# skopeo (as root) keeps a blob-info cache in /var/lib/containers/cache:
# give it ours (podman keeps its own in its --root)
mkdir -p "$W/varlib"
[ -d /var/lib/containers ] || { mkdir -p /var/lib/containers && VARLIB_MADE=1; }
mount --bind "$W/varlib" /var/lib/containers

cc -O2 -o "$W/measure" "$REPO/contrib/bench/measure.c"
# shellcheck source=tests/lib/registry.bash
source "$REPO/tests/lib/registry.bash"

# ---- the images: built from files of this machine, by hand (tar, gzip)
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "images.sh: no busybox at $BUSYBOX" >&2; exit 1; }
# layer NAME TARARGS...: $C/NAME.tar.gz, its digest in $C/NAME.digest
# and its diff_id in $C/NAME.diffid
layer() {
	local n=$1
	shift
	tar --numeric-owner --sort=name -cf "$C/$n.tar" "$@"
	sha256sum "$C/$n.tar" | awk '{ print "sha256:" $1 }' > "$C/$n.diffid"
	gzip -n -6 < "$C/$n.tar" > "$C/$n.tar.gz"
	rm -f "$C/$n.tar"
	sha256sum "$C/$n.tar.gz" | awk '{ print "sha256:" $1 }' > "$C/$n.digest"
}
# layout DIR TAG LAYERS...: an OCI layout of those layers (Cmd /bin/sh)
layout() {
	local d=$1 tag=$2 l digest
	shift 2
	rm -rf "$d" && mkdir -p "$d/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
	local diffids='[]' layers='[]'
	for l in "$@"; do
		digest=$(cat "$C/$l.digest")
		ln "$C/$l.tar.gz" "$d/blobs/sha256/${digest#sha256:}"
		diffids=$(jq -c --arg d "$(cat "$C/$l.diffid")" '. + [$d]' <<< "$diffids")
		layers=$(jq -c --arg d "$digest" --argjson s "$(stat -c %s "$C/$l.tar.gz")" \
			'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' <<< "$layers")
	done
	jq -nc --argjson ids "$diffids" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"]},
		rootfs: {type: "layers", diff_ids: $ids}}' > "$d/config"
	blob() {
		local h
		h=$(sha256sum "$1" | cut -d' ' -f1)
		mv "$1" "$d/blobs/sha256/$h"
		echo "sha256:$h $(stat -c %s "$d/blobs/sha256/$h")"
	}
	read -r cd cs < <(blob "$d/config")
	jq -nc --arg cd "$cd" --argjson cs "$cs" --argjson layers "$layers" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		layers: $layers}' > "$d/manifest"
	read -r md ms < <(blob "$d/manifest")
	jq -nc --arg md "$md" --argjson ms "$ms" --arg tag "$tag" '{schemaVersion: 2, manifests: [{
		mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
		annotations: {"org.opencontainers.image.ref.name": $tag}}]}' > "$d/index.json"
}
DOCS=(usr/share/doc)
PY=(usr/lib/python3 usr/lib/python3.11)
SHARE=(usr/share/perl usr/share/vim usr/share/i18n usr/share/zsh)
if [ -n "${HULL_BENCH_IMAGES_QUICK:-}" ]; then # a small image: a check of this script
	DOCS=(usr/share/doc/bash) PY=(usr/lib/python3.11/json) SHARE=(usr/share/zsh/functions/Misc)
fi
build_images() {
	local b=$C/base a
	rm -rf "$b" && mkdir -p "$b/bin" "$b/etc" "$b/tmp" "$b/proc" "$b/sys" "$b/dev" "$b/root"
	cp "$BUSYBOX" "$b/bin/busybox"
	for a in sh true ls cat echo sleep; do ln -s busybox "$b/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' > "$b/etc/passwd"
	echo 'root:x:0:' > "$b/etc/group"
	chmod 1777 "$b/tmp"
	local existing=()
	for a in "${DOCS[@]}" "${PY[@]}" "${SHARE[@]}"; do [ -e "/$a" ] && existing+=("$a"); done
	echo "images.sh: building the images from ${existing[*]} (once)" >&2
	layer base -C "$b" bin etc tmp proc sys dev root
	layer docs -C / --no-recursion usr usr/share --recursion "${DOCS[@]}"
	layer py -C / --no-recursion usr usr/lib --recursion $(for a in "${PY[@]}"; do [ -e "/$a" ] && echo "$a"; done)
	layer share -C / --no-recursion usr usr/share --recursion $(for a in "${SHARE[@]}"; do [ -e "/$a" ] && echo "$a"; done)
	layer one -C "$b" bin etc tmp proc sys dev root -C / --no-recursion usr usr/share usr/lib --recursion "${existing[@]}"
	layout "$C/multi" 1 base docs py share
	layout "$C/one" 1 one
	touch "$C/.done"
}
[ -f "$C/.done" ] || build_images
ONE_BLOB=$C/one.tar.gz
mb() { echo "$(($(stat -c %s "$1") / 1048576))"; }

registry_start >/dev/null
REF=$REGISTRY/bench/multi:1
skopeo copy --quiet --dest-tls-verify=false "oci:$C/multi:1" "docker://$REF"

# ---- podman, private: its own storage.conf and containers.conf
cat > "$W/containers.conf" <<EOF
[engine]
events_logger = "none"
image_copy_tmp_dir = "$W/tmp"
cgroup_manager = "cgroupfs"
EOF
cat > "$W/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$W/podman-unused/run"
graphroot = "$W/podman-unused/root"
EOF
export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
podman_args() { echo --root "$1/root" --runroot "$1/run" --storage-driver overlay --tmpdir "$1/tmp"; }
# rm_tree DIR: unmount what podman left mounted below DIR, then remove it
rm_tree() {
	awk -v w="$1" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r d; do umount -l "$d"; done
	rm -rf "$1"
}

# m NAME CMD...: measure CMD, append "wall cpu rss rc" to $W/r.NAME
m() {
	local n=$1
	shift
	"$W/measure" -q "$@" < /dev/null >> "$W/r.$n"
}
# settle: the last command's dirty pages written out, not during the next
settle() { sync; }
rotated() { # ROUND WORDS...: the words turned by ROUND
	local r=$1
	shift
	local a=("$@")
	local k=$((r % ${#a[@]}))
	echo "${a[@]:k}" "${a[@]:0:k}"
}

V_PODMAN=$(podman --version | awk '{ print $NF }')
V_SKOPEO=$(skopeo --version | awk '{ print $3 }')
V_UMOCI=$(umoci --version | awk '{ print $NF }')
V_TAR=$(tar --version | head -1 | awk '{ print $NF }')
V_GZIP=$(gzip --version | head -1 | awk '{ print $NF }')
echo "images-bench: $ROUNDS rounds ($RUN_ROUNDS for run and the second pull); hull $("$HULL" --version | head -1 | awk '{ print $NF }'), podman $V_PODMAN, skopeo $V_SKOPEO, umoci $V_UMOCI, GNU tar $V_TAR, gzip $V_GZIP" >&2
echo "image: 4 layers, $(($(cat "$C"/{base,docs,py,share}.tar.gz | wc -c) / 1048576)) MiB gzip; one-layer blob $(mb "$ONE_BLOB") MiB gzip, $(($(gzip -dc "$ONE_BLOB" | wc -c) / 1048576)) MiB tar, $(gzip -dc "$ONE_BLOB" | tar -t | wc -l) entries" >&2

# ---- 1 and 2: pulls and unpacks
for round in $(seq 1 "$ROUNDS"); do
	printf '\rround %d/%d (pulls)  ' "$round" "$ROUNDS" >&2
	for t in $(rotated "$round" hull skopeo podman podman-init); do
		d=$W/p-$t
		case $t in
		podman-init) # a storage podman has already set up (not timed)
			podman $(podman_args "$d") images > /dev/null
			m pull.podmaninit podman $(podman_args "$d") pull -q --tls-verify=false "$REF" ;;
		hull) m pull.hull "$HULL" --store "$d" image pull -q --tls-verify=false "$REF" ;;
		skopeo) mkdir -p "$d" && m pull.skopeo sh -c "skopeo copy --quiet --src-tls-verify=false 'docker://$REF' 'oci:$d/oci:1' &&
				umoci unpack --image '$d/oci:1' '$d/bundle' >/dev/null" ;;
		podman) m pull.podman podman $(podman_args "$d") pull -q --tls-verify=false "$REF" ;;
		esac
		settle
		rm_tree "$d"
	done
	printf '\rround %d/%d (unpacks)' "$round" "$ROUNDS" >&2
	for t in $(rotated "$round" hull tar); do
		d=$W/u-$t
		case $t in
		hull) m unpack.hull "$HULL" --store "$d" image import -q "$C/one:localhost/bench/one:1" ;;
		tar) mkdir -p "$d" && m unpack.tar tar -xzf "$ONE_BLOB" -C "$d" ;;
		esac
		settle
		rm -rf "$d"
	done
	m floor.gunzip sh -c "gzip -dc '$ONE_BLOB' > /dev/null"
	m floor.sha256gz sha256sum "$ONE_BLOB"
	m floor.sha256tar sh -c "gzip -dc '$ONE_BLOB' | sha256sum"
done
printf '\r                          \r' >&2

# ---- 3 and 4: run --image against a plain bundle; second pulls
S=$W/store
"$HULL" --store "$S" image pull -q --tls-verify=false "$REF"
P=$W/podman
podman $(podman_args "$P") pull -q --tls-verify=false "$REF" >/dev/null
# the plain bundle: the config run --image writes, the same files in a directory
mkdir -p "$W/plain/rootfs"
tar -xzf "$ONE_BLOB" -C "$W/plain/rootfs"
"$HULL" --store "$S" spec --image "$REF" -b "$W/spec"
jq --arg r "$W/plain/rootfs" '.root.path = $r | .process.args = ["/bin/true"] | .process.terminal = false' \
	"$W/spec/config.json" > "$W/plain/config.json"
# and the spec --image bundle itself, its overlay mounted once beforehand:
# the cost of running on an overlay, without mounting (and tearing down) one
jq '.process.args = ["/bin/true"] | .process.terminal = false' "$W/spec/config.json" > "$W/spec/c.json"
mv "$W/spec/c.json" "$W/spec/config.json"
mkdir -p "$W/empty"
# the helper as built (a file, not a memfd): it exits at once on no arguments
HELPER=$(dirname "$HULL")/build/hull-image
for round in $(seq 1 "$RUN_ROUNDS"); do
	printf '\rround %d/%d (run, second pull)' "$round" "$RUN_ROUNDS" >&2
	for t in $(rotated "$round" image plain spec); do
		case $t in
		spec) m run.spec "$HULL" --root "$W/run/hull" run -b "$W/spec" "spec-$round" ;;
		image) m run.image "$HULL" --root "$W/run/hull" --store "$S" run --image "$REF" "img-$round" /bin/true ;;
		plain) m run.plain "$HULL" --root "$W/run/hull" run -b "$W/plain" "plain-$round" ;;
		esac
	done
	for t in $(rotated "$round" hull podman help helper alone); do
		case $t in
		hull) m again.hull "$HULL" --store "$S" image pull -q --tls-verify=false "$REF" ;;
		podman) m again.podman podman $(podman_args "$P") pull -q --tls-verify=false "$REF" ;;
		help) m start.help "$HULL" --store "$S" image pull --help ;;
		helper) m start.helper "$HULL" --store "$S" image import -q "$W/empty" ;;
		alone) [ ! -x "$HELPER" ] || m start.alone "$HELPER" ;;
		esac
	done
done
printf '\r                                   \r' >&2

# ---- report
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$W/r.$1" | median; }
colmin() { awk -v c="$2" '{ print $c }' "$W/r.$1" | sort -n | head -1; }
ms() { echo "scale=1; $1 / 1000" | bc; }
ratio() { [ "$2" != 0 ] && echo "scale=2; $1 / $2" | bc || echo "-"; }
declare -A NAME=(
	[pull.hull]="hull image pull" [pull.skopeo]="skopeo copy + umoci unpack" [pull.podman]="podman pull" [pull.podmaninit]="  podman pull, storage set up"
	[unpack.hull]="hull image import" [unpack.tar]="tar -xzf"
	[floor.gunzip]="  gzip -dc > /dev/null" [floor.sha256gz]="  sha256sum of the blob" [floor.sha256tar]="  gzip -dc | sha256sum"
	[run.image]="hull run --image" [run.plain]="hull run (plain bundle)" [run.spec]="  hull run, premounted overlay"
	[again.hull]="hull image pull" [again.podman]="podman pull"
	[start.help]="  hull image pull --help" [start.helper]="  import of an empty dir" [start.alone]="  the helper alone, no work")
row() { # KEY: name, median wall/cpu, min wall/cpu, failures
	local k=$1 bad
	bad=$(awk '$4 != 0' "$W/r.$k" | wc -l)
	printf '%-30s %9s %9s   %9s %9s' "${NAME[$k]}" "$(ms "$(col "$k" 1)")" "$(ms "$(col "$k" 2)")" \
		"$(ms "$(colmin "$k" 1)")" "$(ms "$(colmin "$k" 2)")"
	# a helper that fails on purpose is not a failure
	case $k in start.helper | start.alone) bad=0 ;; esac
	[ "$bad" = 0 ] && echo || echo "   ($bad of $(wc -l < "$W/r.$k") exited non-zero)"
}
rat() { # LABEL A B: ratio of the medians, wall and cpu
	printf '  %-44s wall %5s   cpu %5s\n' "$1" "$(ratio "$(col "$2" 1)" "$(col "$3" 1)")" "$(ratio "$(col "$2" 2)" "$(col "$3" 2)")"
}
echo
printf '%-30s %19s   %19s\n' "ms" "median wall   cpu" "min wall   cpu"
echo "1. pull + unpack, 4 layers ($(($(cat "$C"/{base,docs,py,share}.tar.gz | wc -c) / 1048576)) MiB gzip), $ROUNDS rounds"
for k in pull.hull pull.skopeo pull.podman pull.podmaninit; do row $k; done
echo "2. unpack one gzip layer ($(mb "$ONE_BLOB") MiB), $ROUNDS rounds"
for k in unpack.hull unpack.tar floor.gunzip floor.sha256gz floor.sha256tar; do row $k; done
echo "3. run /bin/true, $RUN_ROUNDS rounds"
for k in run.image run.plain run.spec; do row $k; done
echo "4. second pull (image already there), $RUN_ROUNDS rounds"
for k in again.hull again.podman start.help start.helper start.alone; do [ ! -f "$W/r.$k" ] || row $k; done
echo
echo "Ratios (medians; the targets in brackets):"
rat "pull: hull / podman [wall <= 0.5]" pull.hull pull.podman
rat "pull: hull / podman, its storage set up" pull.hull pull.podmaninit
rat "pull: hull / skopeo + umoci" pull.hull pull.skopeo
rat "unpack: hull import / tar -xzf [<= 1.0]" unpack.hull unpack.tar
rat "run --image / plain bundle [<= 1.3]" run.image run.plain
rat "second pull: hull / podman" again.hull again.podman
echo "  second pull: hull $(ms "$(col again.hull 1)") ms wall [< 50 ms], of which the start of hull and its helper ~$(ms "$(col start.helper 1)") ms"
echo
echo "cpu is that of the command and what it waited for (not the registry's); podman and skopeo"
echo "ran with a fresh --root / directory each round of 1, hull with a fresh --store."
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(findmnt -T "$W" -no FSTYPE) under $W, $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
