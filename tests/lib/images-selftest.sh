#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/lib/images-selftest.sh: checks the test image factory (images.bash,
# images.py, hostile.py) with the real tools: builds every image, archive and
# hostile layout in a temporary directory, then looks at them with skopeo,
# umoci, tar, zstd, getfattr, chroot and python's json/tarfile/hashlib.
# Prints one `ok NAME` or `FAIL NAME` line a check and a summary line; exits
# 1 when a check failed.  As root (umoci unpack, chown, setcap, chroot).
#
# Environment: IMAGES_SELFTEST_DIR  build there and keep it (default: a
# temporary directory, removed at the end); IMAGE_RICH_MB as for image_rich;
# HOSTILE_BOMB_MB as for hostile.py.

set -u
LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=images.bash
source "$LIB/images.bash"

PASS=0 FAILED=0 FAILS=()
ok() { echo "ok $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); FAILS+=("$*"); }
# check NAME CMD...: ok when CMD succeeds; its output is shown on failure.
check() {
	local name="$1" out
	shift
	if out="$("$@" 2>&1)"; then
		ok "$name"
	else
		fail "$name"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "images-selftest: must run as root" >&2
	exit 1
fi
for t in umoci skopeo python3 zstd getfattr setfattr setcap flock chroot; do
	command -v "$t" >/dev/null || { echo "images-selftest: $t missing (image_deps installs it)" >&2; exit 1; }
done

if [ -n "${IMAGES_SELFTEST_DIR:-}" ]; then
	W="$IMAGES_SELFTEST_DIR"
	mkdir -p "$W"
else
	W="$(mktemp -d /tmp/images-selftest.XXXXXX)"
	trap 'rm -rf "$W"' EXIT
fi
L="$W/img/oci"
MB="${IMAGE_RICH_MB:-8}"

# py CODE ARGS...: run python CODE (with the helpers below) on ARGS.
PYLIB='
import gzip, hashlib, io, json, os, subprocess, sys, tarfile, zlib
REF = "org.opencontainers.image.ref.name"
def blob(layout, d):
    return open(os.path.join(layout, "blobs", *d.split(":", 1)), "rb").read()
def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()
def tagged(layout, tag):
    for d in json.load(open(os.path.join(layout, "index.json")))["manifests"]:
        if d.get("annotations", {}).get(REF) == tag:
            return d
    raise SystemExit("no tag %s in %s" % (tag, layout))
def checked(layout, desc):
    b = blob(layout, desc["digest"])
    assert sha(b) == desc["digest"], "digest of %s" % desc["digest"]
    assert len(b) == desc["size"], "size of %s" % desc["digest"]
    return b
def untar(mt, b):
    if mt.endswith("gzip"): return gzip.decompress(b)
    if mt.endswith("zstd"): return subprocess.run(["zstd", "-dcq"], input=b, stdout=subprocess.PIPE, check=True).stdout
    return b
def image(layout, tag=None, desc=None):
    """manifest, config, [layer tar bytes]: every digest, size, diff_id checked"""
    desc = desc or tagged(layout, tag)
    m = json.loads(checked(layout, desc))
    c = json.loads(checked(layout, m["config"]))
    tars = [untar(l["mediaType"], checked(layout, l)) for l in m["layers"]]
    assert [sha(t) for t in tars] == c["rootfs"]["diff_ids"], "diff_ids"
    return m, c, tars
def members(t):
    return {x.name: x for x in tarfile.open(fileobj=io.BytesIO(t))}
'
py() {
	local code="$1"
	shift
	"$IMAGES_PYTHON" -c "$PYLIB$code" "$@"
}

# ------------------------------------------------------------------ builds

s=$(date +%s.%N)
image_small "$W/img"
check "image_small builds" [ -f "$W/img/.small.stamp" ]
T_SMALL=$("$IMAGES_PYTHON" -c "print(round($(date +%s.%N) - $s, 2))")
s=$(date +%s.%N)
image_rich "$W/img"
check "image_rich builds" [ -f "$W/img/.rich.stamp" ]
T_RICH=$("$IMAGES_PYTHON" -c "print(round($(date +%s.%N) - $s, 2))")
echo "# build time: image_small ${T_SMALL}s, image_rich ${T_RICH}s (IMAGE_RICH_MB=$MB)"

d_rich="$(_image_digest "$L" rich)" d_small="$(_image_digest "$L" small)"
s=$(date +%s.%N)
image_rich "$W/img" && image_small "$W/img"
t=$("$IMAGES_PYTHON" -c "print(round($(date +%s.%N) - $s, 2))")
check "second image_rich/image_small use the cache (${t}s)" "$IMAGES_PYTHON" -c "assert $t < 1"
check "cached images unchanged" [ "$d_rich $d_small" = "$(_image_digest "$L" rich) $(_image_digest "$L" small)" ]

# --------------------------------------------------------------- the rich

check "skopeo inspect oci:rich" skopeo inspect "oci:$L:rich"
check "skopeo inspect oci:small" skopeo inspect "oci:$L:small"
check "rich: digests, sizes, diff_ids" py 'image(sys.argv[1], "rich")' "$L"
check "rich: config" py '
m, c, t = image(sys.argv[1], "rich")
cf = c["config"]
assert len(m["layers"]) >= 4, len(m["layers"])
assert "Entrypoint" not in cf or not cf["Entrypoint"], cf
assert cf["Cmd"] == ["/bin/sh", "-c", "echo hello from rich"], cf
assert cf["Env"] == ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "RICH=1"], cf
assert cf["WorkingDir"] == "/data", cf
assert cf["Labels"] == {"org.example.test": "yes"}, cf
assert cf["StopSignal"] == "SIGUSR1", cf
assert c["os"] == "linux" and c["architecture"], c
' "$L"
check "small: config and one layer" py '
m, c, t = image(sys.argv[1], "small")
assert len(m["layers"]) == 1
assert c["config"]["Cmd"] == ["/bin/sh"], c
' "$L"

# layer_blob LAYOUT TAG N: path of layer N's blob.
layer_blob() {
	py 'd = json.loads(blob(sys.argv[1], tagged(sys.argv[1], sys.argv[2])["digest"]))["layers"][int(sys.argv[3])]["digest"]
print(os.path.join(sys.argv[1], "blobs", *d.split(":")))' "$@"
}
for i in 0 1 2 3; do
	tar --xattrs --xattrs-include='*' -tvvzf "$(layer_blob "$L" rich $i)" >"$W/layer$i.txt" 2>&1
done
tar -tvzf "$(layer_blob "$L" small 0)" >"$W/small0.txt" 2>&1

# has FILE REGEX...: every extended regex matches a line of FILE.
has() {
	local f="$1" re
	shift
	for re in "$@"; do
		grep -Eq -- "$re" "$f" || { echo "no line like: $re"; return 1; }
	done
}
hasnt() {
	local f="$1" re
	shift
	for re in "$@"; do
		! grep -Eq -- "$re" "$f" || { echo "a line like: $re"; return 1; }
	done
}
applets=()
for a in "${IMAGES_APPLETS[@]}"; do applets+=("^l.* bin/$a -> busybox\$"); done
check "rich layer 1: busybox and applet symlinks" has "$W/layer0.txt" '^-rwxr-xr-x .* bin/busybox$' "${applets[@]}"
check "rich layer 1: accounts, homes, /tmp, /data" has "$W/layer0.txt" \
	' etc/passwd$' ' etc/group$' '^d.* 1000/1000 .* home/alice/$' '^d.* 1001/1001 .* home/bob/$' \
	'^drwxrwxrwt .* tmp/$' ' data/a$' ' data/b$' ' data/sub/c$'
check "small layer: busybox, applets, passwd" has "$W/small0.txt" '^-rwxr-xr-x .* bin/busybox$' "${applets[@]}" ' etc/passwd$'
check "rich layer 2: whiteout of data/a" has "$W/layer1.txt" ' data/\.wh\.a$'
check "rich layer 2: data/sub opaque (.wh..wh..opq, no .wh.c)" has "$W/layer1.txt" '^d.* data/sub/$' ' data/sub/\.wh\.\.wh\.\.opq$' ' data/sub/new$'
check "rich layer 2: no per-file whiteout in data/sub" hasnt "$W/layer1.txt" 'data/sub/\.wh\.c'
check "rich layer 2: opaque entry after its directory" py '
n = [x.name for x in tarfile.open(sys.argv[1])]
assert n.index("data/sub/.wh..wh..opq") == n.index("data/sub") + 1, n
' "$(layer_blob "$L" rich 1)"
check "rich layer 2: symlinks" has "$W/layer1.txt" '^l.* data/link -> a-target$' '^l.* data/abs -> /etc/passwd$'
check "rich layer 2: hardlink pair" has "$W/layer1.txt" '^-.* data/h1$' '^h.* data/h2 link to data/h1$'
check "rich layer 2: setuid root su-test" has "$W/layer1.txt" '^-rwsr-xr-x\*? +0/0 .* usr/bin/su-test$'
check "rich layer 2: FIFO" has "$W/layer1.txt" '^p.* data/fifo$'
check "rich layer 2: xattr user.test" py '
x = {m.name: m for m in tarfile.open(sys.argv[1])}["data/xattr"]
assert x.pax_headers.get("SCHILY.xattr.user.test") == "hello", x.pax_headers
' "$(layer_blob "$L" rich 1)"
check "rich layer 2: security.capability" has "$W/layer1.txt" 'x: [0-9]+ security\.capability'
check "rich layer 2: odd owner and modes" has "$W/layer1.txt" '^-rw-r--r--\*? +1234/5678 .* data/odd$' '^-rw-------\*? +0/0 .* data/secret$' '^-rwxr-x--x\*? +0/0 .* data/exec$'
check "rich layer 3: >= $MB MiB of /usr/share/doc files" py '
m, c, t = image(sys.argv[1], "rich")
fs = [x for x in tarfile.open(fileobj=io.BytesIO(t[2])) if x.isfile()]
assert sum(x.size for x in fs) >= int(sys.argv[2]) << 20, sum(x.size for x in fs)
assert all(x.name.startswith("usr/share/") for x in fs)
' "$L" "$MB"
check "rich layer 4: only etc/motd" py '
m, c, t = image(sys.argv[1], "rich")
assert [x.name for x in tarfile.open(fileobj=io.BytesIO(t[3])) if not x.isdir()] == ["etc/motd"]
' "$L"

# ------------------------------------------------------------ umoci unpack

image_umoci_rootfs "$L" rich "$W/rich-unpacked"
R="$W/rich-unpacked/rootfs"
check "image_umoci_rootfs: rootfs and config.json" [ -f "$R/bin/busybox" -a -f "$W/rich-unpacked/config.json" ]
check "unpacked: data/a whited out, data/b kept" eval "[ ! -e '$R/data/a' ] && [ -f '$R/data/b' ]"
check "unpacked: data/sub holds only new" [ "$(ls -A "$R/data/sub")" = new ]
check "unpacked: /etc/motd from layer 4" [ "$(cat "$R/etc/motd")" = "rich v4" ]
check "unpacked: user.test xattr" [ "$(getfattr --only-values -n user.test "$R/data/xattr" 2>/dev/null)" = hello ]
check "unpacked: file capability" eval "getcap '$R/data/cap' | grep -q cap_net_raw"
check "chroot: sh runs, alice is 1000, staff has alice" eval \
	"[ \"\$(chroot '$R' /bin/sh -c 'echo hi; id -u alice; id -G alice')\" = \"\$(printf 'hi\n1000\n1000 50')\" ]"
check "chroot: small's sh runs" eval "
	image_umoci_rootfs '$L' small '$W/small-unpacked' &&
	[ \"\$(chroot '$W/small-unpacked/rootfs' /bin/sh -c 'echo hi')\" = hi ]"

# ----------------------------------------------------------------- listing

image_rootfs_listing "$R" >"$W/rich.list"
check "listing: exit status and size" [ "$(wc -l <"$W/rich.list")" -gt 50 ]
check "listing: stable" cmp "$W/rich.list" <(image_rootfs_listing "$R")
check "listing: sorted, no . entry" eval "LC_ALL=C sort -c -t \$'\\t' -k1,1 '$W/rich.list' && ! grep -q '^\\.\\s' '$W/rich.list'"
check "listing: expected lines" py '
want = """bin/sh	l	0777	0	0	-> busybox	-	-
data/abs	l	0777	0	0	-> /etc/passwd	-	-
data/fifo	p	0644	0	0	-	-	-
data/h1	f	0644	0	0	11	-	hardlink=data/h1
data/h2	f	0644	0	0	11	-	hardlink=data/h1
data/link	l	0777	0	0	-> a-target	-	-
data/odd	f	0644	1234	5678	4	-	-
data/secret	f	0600	0	0	7	-	-
data/exec	f	0751	0	0	20	-	-
data/xattr	f	0644	0	0	6	user.test="hello"	-
home/alice	d	0755	1000	1000	-	-	-
tmp	d	1777	0	0	-	-	-
usr/bin/su-test	f	4755	0	0	13	-	-""".split("\n")
have = open(sys.argv[1]).read().split("\n")
miss = [w for w in want if w not in have]
assert not miss, miss
assert any(l.startswith("data/cap\tf\t0755\t0\t0\t4\tsecurity.capability=0s") for l in have)
assert not any(l.startswith("data/a\t") or l.startswith("data/sub/c\t") for l in have)
' "$W/rich.list"
mkdir -p "$W/lt/d"
mknod "$W/lt/d/null" c 1 3 && touch "$W/lt/f" && setfattr -n trusted.overlay.opaque -v y "$W/lt/d" &&
	setfattr -n user.a -v 1 "$W/lt/f" && setfattr -n user.b -v 2 "$W/lt/f"
check "listing: devices, several xattrs, trusted.overlay left out" eval "[ \"\$(image_rootfs_listing '$W/lt')\" = \"\$(printf 'd\td\t0755\t0\t0\t-\t-\t-\nd/null\tc\t0644\t0\t0\trdev=1:3\t-\t-\nf\tf\t0644\t0\t0\t0\tuser.a=\"1\";user.b=\"2\"\t-')\" ]"

# The layers extracted the overlayfs way (images.py overlay-layers) and
# mounted read-only, in a private mount namespace, look like umoci's rootfs:
# what a hull-mounted image is compared with.
if command -v unshare >/dev/null && grep -qw overlay /proc/filesystems; then
	check "overlay of the layers lists like umoci's rootfs" eval "
		lowers=\$('$IMAGES_PYTHON' '$IMAGES_PY' overlay-layers '$L' rich '$W/ovl') && mkdir -p '$W/ovl/mnt' &&
		unshare -m --propagation private bash -c 'source \"\$1\" && mount -t overlay overlay -o ro,lowerdir=\"\$2\" \"\$3\" &&
			image_rootfs_listing \"\$3\" >\"\$4\"' - '$LIB/images.bash' \"\$lowers\" '$W/ovl/mnt' '$W/ovl.list' &&
		diff '$W/ovl.list' '$W/rich.list'"
else
	echo "# skipped: overlay check (no unshare or no overlay filesystem)"
fi

# ------------------------------------------------------------ derivatives

same_tree() { # LAYOUT TAG NAME: its unpacked listing equals rich's
	image_umoci_rootfs "$1" "$2" "$W/$3-unpacked" &&
		diff <(image_rootfs_listing "$W/$3-unpacked/rootfs") "$W/rich.list"
}
image_zstd "$L" rich "$W/zstd"
check "zstd: skopeo inspect" skopeo inspect "oci:$W/zstd:rich"
check "zstd: layers are tar+zstd, diff_ids kept" py '
m, c, t = image(sys.argv[1], "rich")
assert all(l["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd" for l in m["layers"]), m
m2, c2, t2 = image(sys.argv[2], "rich")
assert c["rootfs"] == c2["rootfs"]
' "$W/zstd" "$L"
check "zstd: zstd -t of the layers" eval "for b in \$(py 'print(\" \".join(l[\"digest\"][7:] for l in json.loads(blob(sys.argv[1], tagged(sys.argv[1], \"rich\")[\"digest\"]))[\"layers\"]))' '$W/zstd'); do zstd -tq '$W/zstd/blobs/sha256/'\$b || exit 1; done"
# umoci 0.4.7 cannot unpack zstd layers: the tree is checked through
# image_plain of the zstd layout (zstd -d by images.py).
check "zstd: same tree as rich (umoci has no zstd: via image_plain)" eval "
	image_plain '$W/zstd' rich '$W/zstd-plain' && same_tree '$W/zstd-plain' rich zstd"

image_plain "$L" rich "$W/plain"
check "plain: skopeo inspect" skopeo inspect "oci:$W/plain:rich"
check "plain: layers are tar, digest = diff_id" py '
m, c, t = image(sys.argv[1], "rich")
assert all(l["mediaType"] == "application/vnd.oci.image.layer.v1.tar" for l in m["layers"]), m
assert [l["digest"] for l in m["layers"]] == c["rootfs"]["diff_ids"]
' "$W/plain"
check "plain: same tree as rich" same_tree "$W/plain" rich plain

image_docker_archive "$L" rich "$W/rich-docker.tar" localhost/rich:latest
check "docker-archive: skopeo inspect" skopeo inspect "docker-archive:$W/rich-docker.tar"
check "docker-archive: manifest.json with RepoTags and 4 layers" py '
import tarfile
t = tarfile.open(sys.argv[1])
m = json.load(t.extractfile("manifest.json"))
assert m[0]["RepoTags"] == ["localhost/rich:latest"], m
assert len(m[0]["Layers"]) == 4
cfg = json.load(t.extractfile(m[0]["Config"]))
assert cfg["config"]["Cmd"] == ["/bin/sh", "-c", "echo hello from rich"]
' "$W/rich-docker.tar"
check "docker-archive: same tree as rich (via skopeo back to oci)" eval "
	skopeo copy --quiet 'docker-archive:$W/rich-docker.tar' 'oci:$W/from-docker:rich' >/dev/null &&
	same_tree '$W/from-docker' rich from-docker"
image_oci_archive "$L" rich "$W/rich-oci.tar"
check "oci-archive: skopeo inspect" skopeo inspect "oci-archive:$W/rich-oci.tar:rich"
check "oci-archive: a layout in a tar" eval "tar -tf '$W/rich-oci.tar' | grep -qx index.json && tar -tf '$W/rich-oci.tar' | grep -qx oci-layout"

image_multiarch "$L" "$W/multi" rich
check "multiarch: skopeo inspect picks the host's" eval "skopeo inspect 'oci:$W/multi:multi' | grep -q '\"Architecture\": \"$(py 'print(image(sys.argv[1], "rich")[1]["architecture"])' "$L")\"'"
check "multiarch: skopeo inspect --override-arch arm64" eval "skopeo inspect --override-arch arm64 --override-variant v8 'oci:$W/multi:multi' | grep -q '\"Architecture\": \"arm64\"'"
check "multiarch: OCI index, two platforms, same layers" py '
lay = sys.argv[1]
d = tagged(lay, "multi")
assert d["mediaType"] == "application/vnd.oci.image.index.v1+json"
idx = json.loads(checked(lay, d))
assert idx["mediaType"] == d["mediaType"]
ms = idx["manifests"]
assert [m["platform"]["architecture"] for m in ms] == ["amd64", "arm64"], ms
assert ms[1]["platform"].get("variant") == "v8"
imgs = [image(lay, desc=m) for m in ms]
assert imgs[0][0]["config"]["digest"] != imgs[1][0]["config"]["digest"]
assert imgs[0][0]["layers"] == imgs[1][0]["layers"]
assert [c["architecture"] for m, c, t in imgs] == ["amd64", "arm64"]
assert ms[0]["digest"] == tagged(sys.argv[2], "rich")["digest"]
' "$W/multi" "$L"
check "multiarch: Docker manifest list variant" py '
lay = sys.argv[1]
d = tagged(lay, "multi-docker")
assert d["mediaType"] == "application/vnd.docker.distribution.manifest.list.v2+json"
lst = json.loads(checked(lay, d))
ms = lst["manifests"]
assert [m["platform"]["architecture"] for m in ms] == ["amd64", "arm64"]
for m in ms:
    assert m["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    man, c, t = image(lay, desc=m)
    assert man["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json"
    assert all(l["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip" for l in man["layers"])
' "$W/multi"

s=$(date +%s.%N)
image_zstd "$L" rich "$W/zstd" && image_plain "$L" rich "$W/plain" &&
	image_docker_archive "$L" rich "$W/rich-docker.tar" localhost/rich:latest &&
	image_oci_archive "$L" rich "$W/rich-oci.tar" && image_multiarch "$L" "$W/multi" rich &&
	image_umoci_rootfs "$L" rich "$W/rich-unpacked"
t=$("$IMAGES_PYTHON" -c "print(round($(date +%s.%N) - $s, 2))")
check "derivatives use the cache the second time (${t}s)" "$IMAGES_PYTHON" -c "assert $t < 2"

# ----------------------------------------------------------------- hostile

HOSTILE="$LIB/hostile.py"
kinds="$("$IMAGES_PYTHON" "$HOSTILE" --list)"
check "hostile --list: 17 kinds" [ "$(wc -l <<<"$kinds")" = 17 ]
check "hostile: unknown kind refused" eval "! '$IMAGES_PYTHON' '$HOSTILE' nope '$W/h-nope' 2>/dev/null"
for k in $kinds; do
	if out="$("$IMAGES_PYTHON" "$HOSTILE" "$k" "$W/h/$k" 2>&1)" && [ -z "$out" ]; then
		ok "hostile $k: built, silent"
	else
		fail "hostile $k: built, silent"
		echo "# $out"
		continue
	fi
	check "hostile $k: structure" py '
kind, lay = sys.argv[1], sys.argv[2]
assert open(os.path.join(lay, "oci-layout")).read() == "{\"imageLayoutVersion\":\"1.0.0\"}"
idx = json.load(open(os.path.join(lay, "index.json")))
assert len(idx["manifests"]) == 1
d = idx["manifests"][0]
assert d["annotations"] == {REF: "hostile", "io.containerd.image.name": "localhost/hostile:" + kind}, d
raw = checked(lay, d)
if kind == "bad-manifest":
    try:
        json.loads(raw)
    except ValueError:
        sys.exit(0)
    raise SystemExit("bad-manifest parses")
m = json.loads(raw)
c = json.loads(checked(lay, m["config"]))
l0, l1 = m["layers"]
t0 = gzip.decompress(checked(lay, l0))
assert c["rootfs"]["diff_ids"][0] == sha(t0)
assert "data/hello" in members(t0)
path1 = os.path.join(lay, "blobs", *l1["digest"].split(":"))
def layer1():
    return gzip.decompress(checked(lay, l1))
def names():
    return [(x.name, x.type, x.linkname) for x in tarfile.open(fileobj=io.BytesIO(layer1()))]
def good_diffid():
    assert c["rootfs"]["diff_ids"][1] == sha(layer1())
S, H, F, D = tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.REGTYPE, tarfile.DIRTYPE
expect = {
    "dotdot": [("../escape", F, "")],
    "absolute": [("/abs-escape", F, "")],
    "dotdot-deep": [("a", D, ""), ("a/../../escape", F, "")],
    "symlink-escape": [("evil", S, "/tmp"), ("evil/pwned", F, "")],
    "symlink-dotdot": [("up", S, ".."), ("up/up/escape", F, "")],
    "hardlink-escape": [("h", H, "../../etc/passwd")],
    "hardlink-absolute": [("h", H, "/etc/passwd")],
    "hardlink-missing": [("h", H, "no-such-file")],
    "whiteout-dotdot": [(".wh..", F, "")],
}
if kind in expect:
    assert names() == expect[kind], names()
    good_diffid()
elif kind == "overlay-xattr":
    ms = list(tarfile.open(fileobj=io.BytesIO(layer1())))
    assert [(x.name, x.pax_headers.get("SCHILY.xattr.trusted.overlay.opaque")) for x in ms] == [("data", "y"), ("ovl", "y")]
    good_diffid()
elif kind == "bomb":
    assert l1["size"] < 1 << 20, l1["size"]
    z = gzip.open(path1)
    h, n = hashlib.sha256(), 0
    while True:
        b = z.read(1 << 20)
        if not b: break
        h.update(b); n += len(b)
    assert n >= int(os.environ.get("HOSTILE_BOMB_MB", "300")) << 20, n
    assert "sha256:" + h.hexdigest() == c["rootfs"]["diff_ids"][1]
elif kind == "truncated":
    try:
        layer1()
    except (EOFError, OSError, zlib.error):
        pass
    else:
        raise SystemExit("truncated layer decompresses")
elif kind == "bad-digest":
    b = open(path1, "rb").read()
    assert len(b) == l1["size"] and sha(b) != l1["digest"]
    t = tarfile.open(fileobj=io.BytesIO(gzip.decompress(b)))
    assert [t.extractfile(x).read() for x in t] == [b"evil\n"]
    assert sha(gzip.decompress(b)) != c["rootfs"]["diff_ids"][1]
elif kind == "bad-diffid":
    assert c["rootfs"]["diff_ids"][1] != sha(layer1())
elif kind == "missing-blob":
    assert not os.path.exists(path1)
elif kind == "unknown-mediatype":
    assert l1["mediaType"] == "application/x-unknown"
    assert c["rootfs"]["diff_ids"][1] == sha(gzip.decompress(checked(lay, l1)))
else:
    raise SystemExit("no check for " + kind)
if kind != "bad-digest" and kind != "missing-blob":
    checked(lay, l1)
' "$k" "$W/h/$k"
	if [ "$k" = bad-manifest ]; then
		check "hostile $k: skopeo inspect refuses it" eval "! skopeo inspect 'oci:$W/h/$k:hostile' >/dev/null 2>&1"
	else
		check "hostile $k: skopeo inspect reads it" skopeo inspect "oci:$W/h/$k:hostile"
	fi
done
check "hostile: deterministic (dotdot twice, same bytes)" eval "'$IMAGES_PYTHON' '$HOSTILE' dotdot '$W/h/again' && diff -r '$W/h/dotdot' '$W/h/again'"

echo "# $PASS ok, $FAILED failed"
for f in "${FAILS[@]}"; do echo "# failed: $f"; done
[ "$FAILED" = 0 ]
