#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Small OCI image layout surgery for hull's test image factory (images.bash).

Standard library only.  Every blob written gets its true sha256 name and the
descriptors pointing to it their true digest and size, so a layout changed here
is as valid as the one it came from.

    images.py digest LAYOUT TAG
        print the digest of the manifest (or index) tagged TAG.
    images.py opaque LAYOUT TAG LAYER DIR [ROOTFS]
        rewrite layer number LAYER (0-based, -1 = last) of LAYOUT:TAG so that
        directory DIR (e.g. data/sub) is an opaque directory: its direct
        `.wh.NAME` entries are dropped and `DIR/.wh..wh..opq` is added right
        after DIR's own entry (which is added, from ROOTFS/DIR's mode and
        owner, when the layer lacks it).  Config diff_id, manifest and the tag
        are updated.  umoci 0.4.7 never writes opaque whiteouts itself.
    images.py plain LAYOUT TAG OUT
        copy LAYOUT:TAG to the layout OUT (tag TAG) with every gzip or zstd
        layer stored uncompressed (application/vnd.oci.image.layer.v1.tar).
    images.py multiarch LAYOUT TAG OUT
        write the layout OUT with two tags: `multi`, an OCI image index of the
        real image and an arm64 twin (same layers, config with another
        architecture so another digest), and `multi-docker`, the same pair as
        Docker schema 2 manifests in a Docker manifest list.
    images.py merge SRC TAG DST
        copy SRC:TAG (and every blob it needs) into the layout DST, replacing
        DST's TAG if it has one.  index.json is replaced atomically.
    images.py overlay-layers LAYOUT TAG OUTDIR
        extract each layer of LAYOUT:TAG into OUTDIR/0, OUTDIR/1, ... in
        overlayfs' own format (whiteouts as 0:0 character devices, opaque
        directories with trusted.overlay.opaque=y; owners, modes, xattrs
        kept; as root), and print the lowerdir= value, top layer first.  What
        an overlay mount of an image should look like, made without hull.
"""

import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import tarfile

REF = "org.opencontainers.image.ref.name"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def die(msg):
    sys.stderr.write("images.py: %s\n" % msg)
    sys.exit(1)


def blob_path(layout, digest):
    algo, hexa = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexa)


def read_blob(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return f.read()


def write_blob(layout, data):
    """Store DATA under its sha256 name; return its (digest, size)."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp%d" % os.getpid()
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, path)
    return digest, len(data)


def write_json_blob(layout, obj):
    return write_blob(layout, json.dumps(obj, separators=(",", ":")).encode())


def read_index(layout):
    with open(os.path.join(layout, "index.json")) as f:
        return json.load(f)


def write_index(layout, index):
    path = os.path.join(layout, "index.json")
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(index, f, separators=(",", ":"))
    os.rename(tmp, path)


def init_layout(layout):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    marker = os.path.join(layout, "oci-layout")
    if not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')
    if not os.path.exists(os.path.join(layout, "index.json")):
        write_index(layout, {"schemaVersion": 2, "manifests": []})


def find_tag(layout, tag):
    for d in read_index(layout).get("manifests", []):
        if d.get("annotations", {}).get(REF) == tag:
            return d
    die("%s: no tag %s" % (layout, tag))


def set_tag(layout, tag, desc):
    """Point TAG of LAYOUT at DESC (a descriptor dict), dropping the old one."""
    index = read_index(layout)
    desc = dict(desc)
    ann = dict(desc.get("annotations", {}))
    ann[REF] = tag
    desc["annotations"] = ann
    keep = [d for d in index.get("manifests", [])
            if d.get("annotations", {}).get(REF) != tag]
    index["manifests"] = keep + [desc]
    write_index(layout, index)


def descriptor(media_type, digest, size, **extra):
    d = {"mediaType": media_type, "digest": digest, "size": size}
    d.update(extra)
    return d


def decompress(media_type, data):
    if media_type.endswith("+gzip") or media_type.endswith(".tar.gzip"):
        return gzip.decompress(data)
    if media_type.endswith("+zstd"):
        p = subprocess.run(["zstd", "-d", "-c", "-q"], input=data,
                           stdout=subprocess.PIPE, check=True)
        return p.stdout
    if media_type.endswith(".tar") or media_type.endswith(".tar.v1"):
        return data
    die("cannot decompress a layer of type %s" % media_type)


def load_image(layout, tag):
    mdesc = find_tag(layout, tag)
    manifest = json.loads(read_blob(layout, mdesc["digest"]))
    config = json.loads(read_blob(layout, manifest["config"]["digest"]))
    return mdesc, manifest, config


def store_image(layout, tag, mdesc, manifest, config):
    """Write CONFIG and MANIFEST (config descriptor fixed up) and tag it."""
    cdig, csize = write_json_blob(layout, config)
    manifest["config"]["digest"] = cdig
    manifest["config"]["size"] = csize
    mdig, msize = write_json_blob(layout, manifest)
    new = dict(mdesc)
    new["digest"], new["size"] = mdig, msize
    set_tag(layout, tag, new)


# ------------------------------------------------------------------ opaque

def norm(name):
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def cmd_opaque(layout, tag, layer, dirname, rootfs=None):
    dirname = norm(dirname)
    mdesc, manifest, config = load_image(layout, tag)
    layer = int(layer)
    ldesc = manifest["layers"][layer]
    raw = decompress(ldesc["mediaType"], read_blob(layout, ldesc["digest"]))
    src = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    members = [(m, src.extractfile(m).read() if m.isreg() else None)
               for m in src.getmembers()]

    def whiteout_child(m):
        n = norm(m.name)
        d, _, base = n.rpartition("/")
        return d == dirname and base.startswith(".wh.")

    members = [(m, d) for m, d in members if not whiteout_child(m)]
    opq = tarfile.TarInfo(dirname + "/.wh..wh..opq")
    opq.mode, opq.mtime, opq.size = 0, 0, 0
    out = []
    placed = False
    for m, d in members:
        n = norm(m.name)
        if not placed and n == dirname and m.isdir():
            out += [(m, d), (opq, None)]
            placed = True
            continue
        if not placed and n.startswith(dirname + "/"):
            dinfo = tarfile.TarInfo(dirname + "/")
            dinfo.type = tarfile.DIRTYPE
            dinfo.mode = 0o755
            if rootfs:
                st = os.lstat(os.path.join(rootfs, dirname))
                dinfo.mode = st.st_mode & 0o7777
                dinfo.uid, dinfo.gid = st.st_uid, st.st_gid
                dinfo.mtime = int(st.st_mtime)
            out += [(dinfo, None), (opq, None)]
            placed = True
        out.append((m, d))
    if not placed:
        die("layer %d has nothing in %s" % (layer, dirname))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.PAX_FORMAT) as dst:
        for m, d in out:
            dst.addfile(m, io.BytesIO(d) if d is not None else None)
    tar = buf.getvalue()
    data = gzip.compress(tar, compresslevel=6, mtime=0)
    dig, size = write_blob(layout, data)
    manifest["layers"][layer] = descriptor(
        "application/vnd.oci.image.layer.v1.tar+gzip", dig, size)
    config["rootfs"]["diff_ids"][layer] = "sha256:" + hashlib.sha256(tar).hexdigest()
    store_image(layout, tag, mdesc, manifest, config)


# ------------------------------------------------------------------- plain

def cmd_plain(layout, tag, out):
    init_layout(out)
    mdesc, manifest, config = load_image(layout, tag)
    layers = []
    for i, l in enumerate(manifest["layers"]):
        tar = decompress(l["mediaType"], read_blob(layout, l["digest"]))
        dig, size = write_blob(out, tar)
        if dig != config["rootfs"]["diff_ids"][i]:
            die("layer %d: diff_id %s but content %s" %
                (i, config["rootfs"]["diff_ids"][i], dig))
        layers.append(descriptor(OCI_LAYER, dig, size))
    manifest["layers"] = layers
    store_image(out, tag, mdesc, manifest, config)


# --------------------------------------------------------------- multiarch

def host_arch():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(m, m)


def copy_blob(src, dst, digest):
    s, d = blob_path(src, digest), blob_path(dst, digest)
    if os.path.exists(d):
        return
    os.makedirs(os.path.dirname(d), exist_ok=True)
    tmp = d + ".tmp%d" % os.getpid()
    try:
        os.link(s, tmp)
    except OSError:
        shutil.copyfile(s, tmp)
    os.rename(tmp, d)


def cmd_multiarch(layout, tag, out):
    init_layout(out)
    mdesc, manifest, config = load_image(layout, tag)
    if manifest.get("mediaType", OCI_MANIFEST) != OCI_MANIFEST and "mediaType" in manifest:
        die("%s:%s is not an OCI manifest" % (layout, tag))
    for l in manifest["layers"]:
        copy_blob(layout, out, l["digest"])
    arch = config.get("architecture", host_arch())
    other = "arm64" if arch != "arm64" else "amd64"
    twin = dict(config)
    twin["architecture"] = other
    if other == "arm64":
        twin["variant"] = "v8"
    else:
        twin.pop("variant", None)

    def plat(c):
        p = {"architecture": c["architecture"], "os": c.get("os", "linux")}
        if c.get("variant"):
            p["variant"] = c["variant"]
        return p

    # OCI: the real manifest as is plus its twin, in an image index.
    copy_blob(layout, out, mdesc["digest"])
    copy_blob(layout, out, manifest["config"]["digest"])
    entries = [descriptor(OCI_MANIFEST, mdesc["digest"], mdesc["size"],
                          platform=plat(config))]
    cdig, csize = write_json_blob(out, twin)
    m = json.loads(json.dumps(manifest))
    m["config"] = descriptor(OCI_CONFIG, cdig, csize)
    mdig, msize = write_json_blob(out, m)
    entries.append(descriptor(OCI_MANIFEST, mdig, msize, platform=plat(twin)))
    idig, isize = write_json_blob(out, {"schemaVersion": 2, "mediaType": OCI_INDEX,
                                        "manifests": entries})
    set_tag(out, "multi", descriptor(OCI_INDEX, idig, isize))

    # Docker: schema 2 manifests (gzip layers only) in a manifest list.
    dlayers = []
    for l in manifest["layers"]:
        if not l["mediaType"].endswith("+gzip"):
            die("multi-docker needs gzip layers, not %s" % l["mediaType"])
        dlayers.append(descriptor(DOCKER_LAYER_GZIP, l["digest"], l["size"]))
    entries = []
    for c in (config, twin):
        cdig, csize = write_json_blob(out, c)
        m = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
             "config": descriptor(DOCKER_CONFIG, cdig, csize), "layers": dlayers}
        mdig, msize = write_json_blob(out, m)
        entries.append(descriptor(DOCKER_MANIFEST, mdig, msize, platform=plat(c)))
    ldig, lsize = write_json_blob(out, {"schemaVersion": 2, "mediaType": DOCKER_LIST,
                                        "manifests": entries})
    set_tag(out, "multi-docker", descriptor(DOCKER_LIST, ldig, lsize))


# ------------------------------------------------------------------- merge

def referenced(layout, desc):
    """Every digest reachable from DESC (manifest, index, config, layers)."""
    out = [desc["digest"]]
    mt = desc.get("mediaType", "")
    if mt in (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST):
        doc = json.loads(read_blob(layout, desc["digest"]))
        for d in doc.get("manifests", []):
            out += referenced(layout, d)
        if "config" in doc:
            out.append(doc["config"]["digest"])
        for d in doc.get("layers", []):
            out.append(d["digest"])
    return out


def cmd_merge(src, tag, dst):
    init_layout(dst)
    desc = find_tag(src, tag)
    for dig in referenced(src, desc):
        copy_blob(src, dst, dig)
    set_tag(dst, tag, desc)


# ---------------------------------------------------------- overlay layers

def extract_overlay(tar, root):
    """Extract the layer TAR (bytes) into ROOT the way overlayfs wants a
    lower directory.  Entries escaping ROOT are refused."""
    os.makedirs(root, exist_ok=True)
    tf = tarfile.open(fileobj=io.BytesIO(tar), mode="r:")
    for m in tf:
        name = norm(m.name)
        if name in ("", "."):
            continue
        parts = name.split("/")
        if any(p in ("", ".", "..") for p in parts):
            die("layer entry %r escapes" % m.name)
        path = os.path.join(root, name)
        parent = os.path.dirname(path)
        if os.path.islink(parent) or not os.path.realpath(parent).startswith(os.path.realpath(root)):
            die("layer entry %r goes through a symlink" % m.name)
        os.makedirs(parent, exist_ok=True)
        base = parts[-1]
        if base == ".wh..wh..opq":
            os.setxattr(parent, "trusted.overlay.opaque", b"y")
            continue
        if base.startswith(".wh."):
            os.mknod(os.path.join(parent, base[4:]), 0o600 | stat.S_IFCHR, os.makedev(0, 0))
            continue
        if os.path.lexists(path) and not (m.isdir() and os.path.isdir(path)):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        if m.isdir():
            os.makedirs(path, exist_ok=True)
        elif m.isreg():
            with open(path, "wb") as f:
                shutil.copyfileobj(tf.extractfile(m), f)
        elif m.issym():
            os.symlink(m.linkname, path)
        elif m.islnk():
            os.link(os.path.join(root, norm(m.linkname)), path)
            continue
        elif m.isfifo():
            os.mkfifo(path)
        elif m.ischr() or m.isblk():
            kind = stat.S_IFCHR if m.ischr() else stat.S_IFBLK
            os.mknod(path, kind | 0o600, os.makedev(m.devmajor, m.devminor))
        else:
            die("layer entry %r: unknown type %r" % (m.name, m.type))
        os.lchown(path, m.uid, m.gid)
        if not m.issym():
            os.chmod(path, m.mode & 0o7777)
        for k, v in m.pax_headers.items():
            if k.startswith("SCHILY.xattr."):
                os.setxattr(path, k[len("SCHILY.xattr."):],
                            v.encode("utf-8", "surrogateescape"), follow_symlinks=False)


def cmd_overlay_layers(layout, tag, outdir):
    mdesc, manifest, config = load_image(layout, tag)
    lowers = []
    for i, l in enumerate(manifest["layers"]):
        d = os.path.join(outdir, str(i))
        extract_overlay(decompress(l["mediaType"], read_blob(layout, l["digest"])), d)
        lowers.insert(0, d)
    print(":".join(lowers))


def cmd_digest(layout, tag):
    print(find_tag(layout, tag)["digest"])


COMMANDS = {"digest": (cmd_digest, 2, 2), "opaque": (cmd_opaque, 4, 5),
            "plain": (cmd_plain, 3, 3), "multiarch": (cmd_multiarch, 3, 3),
            "merge": (cmd_merge, 3, 3),
            "overlay-layers": (cmd_overlay_layers, 3, 3)}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        die("usage: images.py {%s} ARGS..." % ",".join(sorted(COMMANDS)))
    fn, lo, hi = COMMANDS[argv[1]]
    args = argv[2:]
    if not lo <= len(args) <= hi:
        die("%s: wrong number of arguments" % argv[1])
    fn(*args)


if __name__ == "__main__":
    main(sys.argv)
