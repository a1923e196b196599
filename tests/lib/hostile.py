#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile or broken OCI image layouts for hull's image tests.

    hostile.py KIND OUTDIR    write the layout OUTDIR (replaced if it exists)
    hostile.py --list         print the kinds, one a line

OUTDIR gets oci-layout, index.json (one manifest, annotations
org.opencontainers.image.ref.name "hostile" and io.containerd.image.name
"localhost/hostile:KIND") and blobs/sha256/.  The image has two layers: a
normal first one (etc/hostname, data/hello, data/keep/file) and a second one
that is what KIND says, with every digest, size and diff_id right unless KIND
is about them.  Everything is deterministic (fixed mtimes, gzip mtime 0), so
the same KIND always gives the same bytes.  Standard library only.

Layer contents (the hostile second layer):
  dotdot             a file `../escape`
  absolute           a file `/abs-escape`
  dotdot-deep        a directory `a/`, then a file `a/../../escape`
  symlink-escape     a symlink `evil -> /tmp`, then a file `evil/pwned`
  symlink-dotdot     a symlink `up -> ..`, then a file `up/up/escape`
  hardlink-escape    a hardlink `h` to `../../etc/passwd`
  hardlink-absolute  a hardlink `h` to `/etc/passwd`
  hardlink-missing   a hardlink `h` to `no-such-file` (in no layer)
  whiteout-dotdot    an entry `.wh..` (the whiteout of `..`)
  overlay-xattr      the directory `data/` (its files are in layer 1) and a
                     file `ovl`, both with the pax record
                     SCHILY.xattr.trusted.overlay.opaque=y
  bomb               a file `zeros` of $HOSTILE_BOMB_MB MiB (default 300) of
                     zeros, gzip-compressed to a few hundred KiB; diff_id right
Descriptor and document faults (the second layer is a plain file `x`):
  truncated          the gzip blob cut in the middle; the manifest has the cut
                     blob's digest and size, the config the whole tar's diff_id
  bad-digest         the blob file named by the manifest's digest holds other
                     bytes of the same size (a valid layer whose file `x` says
                     "evil" instead of "good")
  bad-diffid         the config's diff_id of the layer is wrong
  missing-blob       the manifest's layer blob is absent from blobs/
  bad-manifest       the manifest blob is malformed JSON (its digest and size
                     in index.json are right)
  unknown-mediatype  the layer's mediaType is application/x-unknown
"""

import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tarfile

KINDS = [
    "dotdot", "absolute", "dotdot-deep", "symlink-escape", "symlink-dotdot",
    "hardlink-escape", "hardlink-absolute", "hardlink-missing",
    "whiteout-dotdot", "overlay-xattr", "bomb", "truncated", "bad-digest",
    "bad-diffid", "missing-blob", "bad-manifest", "unknown-mediatype",
]
MTIME = 1700000000
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry(name, kind="file", data=b"", mode=None, link="", pax=None):
    t = tarfile.TarInfo(name)
    t.mtime = MTIME
    t.uname = t.gname = "root"
    if kind == "file":
        t.type, t.size, t.mode = tarfile.REGTYPE, len(data), mode or 0o644
    elif kind == "dir":
        t.type, t.mode = tarfile.DIRTYPE, mode or 0o755
    elif kind == "symlink":
        t.type, t.linkname, t.mode = tarfile.SYMTYPE, link, 0o777
    elif kind == "hardlink":
        t.type, t.linkname, t.mode = tarfile.LNKTYPE, link, mode or 0o644
    if pax:
        t.pax_headers = dict(pax)
    return t, data


def make_tar(entries):
    """A tar (pax format) of ENTRIES, names exactly as given."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for t, data in entries:
            # tarfile keeps a TarInfo's name as is (no stripping of "/" or
            # ".." in addfile), which is what these layers need.
            tf.addfile(t, io.BytesIO(data) if t.isreg() else None)
    return buf.getvalue()


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def base_layer():
    return make_tar([
        entry("etc/", "dir"),
        entry("etc/hostname", data=b"hostile\n"),
        entry("data/", "dir"),
        entry("data/hello", data=b"hello\n"),
        entry("data/keep/", "dir"),
        entry("data/keep/file", data=b"keep\n"),
    ])


def bomb_layer(mib):
    """(gzip blob, diff_id) of a tar holding `zeros`: MIB MiB of zeros.
    Streamed, so it never holds the whole tar in memory."""
    size = mib * 1024 * 1024
    t, _ = entry("zeros")
    t.size = size
    header = t.tobuf(tarfile.PAX_FORMAT, tarfile.ENCODING, "surrogateescape")
    pad = (-size) % tarfile.BLOCKSIZE
    trailer = b"\0" * (pad + 2 * tarfile.BLOCKSIZE)
    tail = (-(len(header) + size + len(trailer))) % tarfile.RECORDSIZE
    trailer += b"\0" * tail
    h = hashlib.sha256()
    out = io.BytesIO()
    comp = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0)
    chunk = b"\0" * (1024 * 1024)
    for piece in [header] + [chunk] * mib + [trailer]:
        h.update(piece)
        comp.write(piece)
    comp.close()
    return out.getvalue(), "sha256:" + h.hexdigest()


def pseudo_random(n, seed=b"hostile"):
    out, counter = bytearray(), 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:n])


def host_arch():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(m, m)


class Layout:
    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            shutil.rmtree(path)
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        with open(os.path.join(path, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')

    def put(self, data, name=None):
        """Store DATA as blob NAME (default: its own digest); return
        (digest, size) of DATA."""
        digest = sha(data)
        with open(os.path.join(self.path, "blobs", "sha256",
                               (name or digest).split(":", 1)[1]), "wb") as f:
            f.write(data)
        return digest, len(data)

    def put_json(self, obj):
        return self.put(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode())

    def index(self, mdigest, msize, kind):
        doc = {"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": mdigest, "size": msize,
            "annotations": {
                "org.opencontainers.image.ref.name": "hostile",
                "io.containerd.image.name": "localhost/hostile:" + kind,
            }}]}
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))


def build(kind, outdir):
    lay = Layout(outdir)
    base = base_layer()
    layers = [{"blob": gz(base), "diff_id": sha(base), "type": LAYER_GZIP}]
    second = {"type": LAYER_GZIP, "write": True}

    def from_entries(*entries):
        tar = make_tar(list(entries))
        second.update(blob=gz(tar), diff_id=sha(tar))

    plain_x = [entry("x", data=b"good\n")]
    if kind == "dotdot":
        from_entries(entry("../escape", data=b"escaped\n"))
    elif kind == "absolute":
        from_entries(entry("/abs-escape", data=b"escaped\n"))
    elif kind == "dotdot-deep":
        from_entries(entry("a/", "dir"), entry("a/../../escape", data=b"escaped\n"))
    elif kind == "symlink-escape":
        from_entries(entry("evil", "symlink", link="/tmp"),
                     entry("evil/pwned", data=b"pwned\n"))
    elif kind == "symlink-dotdot":
        from_entries(entry("up", "symlink", link=".."),
                     entry("up/up/escape", data=b"escaped\n"))
    elif kind == "hardlink-escape":
        from_entries(entry("h", "hardlink", link="../../etc/passwd"))
    elif kind == "hardlink-absolute":
        from_entries(entry("h", "hardlink", link="/etc/passwd"))
    elif kind == "hardlink-missing":
        from_entries(entry("h", "hardlink", link="no-such-file"))
    elif kind == "whiteout-dotdot":
        from_entries(entry(".wh..", data=b""))
    elif kind == "overlay-xattr":
        x = {"SCHILY.xattr.trusted.overlay.opaque": "y"}
        from_entries(entry("data/", "dir", pax=x), entry("ovl", data=b"ovl\n", pax=x))
    elif kind == "bomb":
        blob, diff_id = bomb_layer(int(os.environ.get("HOSTILE_BOMB_MB", "300")))
        second.update(blob=blob, diff_id=diff_id)
    elif kind == "truncated":
        tar = make_tar([entry("noise", data=pseudo_random(256 * 1024))])
        blob = gz(tar)
        second.update(blob=blob[:len(blob) // 2], diff_id=sha(tar))
    elif kind == "bad-digest":
        # gzip level 0 (stored blocks): both blobs have the same size, so
        # only the digest tells them apart; the stored one is a valid layer.
        good = make_tar([entry("x", data=b"good\n")])
        blob = gzip.compress(good, compresslevel=0, mtime=0)
        evil = gzip.compress(make_tar([entry("x", data=b"evil\n")]), compresslevel=0, mtime=0)
        assert len(evil) == len(blob)
        second.update(blob=blob, diff_id=sha(good), stored=evil)
    elif kind == "bad-diffid":
        from_entries(*plain_x)
        second["diff_id"] = sha(b"not the layer")
    elif kind == "missing-blob":
        from_entries(*plain_x)
        second["write"] = False
    elif kind in ("bad-manifest", "unknown-mediatype"):
        from_entries(*plain_x)
        if kind == "unknown-mediatype":
            second["type"] = "application/x-unknown"
    else:
        sys.stderr.write("hostile.py: unknown kind %r (see --list)\n" % kind)
        return 2
    layers.append(second)

    descs = []
    for l in layers:
        digest, size = sha(l["blob"]), len(l["blob"])
        if "stored" in l:
            lay.put(l["stored"], name=digest)
        elif l.get("write", True):
            lay.put(l["blob"])
        descs.append({"mediaType": l["type"], "digest": digest, "size": size})
    config = {
        "created": "2023-11-14T22:13:20Z",
        "architecture": host_arch(), "os": "linux",
        "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"], "Labels": {"org.example.hostile": kind}},
        "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "hostile.py base"},
                    {"created": "2023-11-14T22:13:20Z", "created_by": "hostile.py " + kind}],
    }
    cdigest, csize = lay.put_json(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cdigest, "size": csize},
        "layers": descs,
    }
    if kind == "bad-manifest":
        text = json.dumps(manifest, separators=(",", ":"))
        mdigest, msize = lay.put(text[:len(text) // 2].encode())
    else:
        mdigest, msize = lay.put_json(manifest)
    lay.index(mdigest, msize, kind)
    return 0


def main(argv):
    if argv[1:] == ["--list"]:
        print("\n".join(KINDS))
        return 0
    if len(argv) != 3 or argv[1] not in KINDS:
        sys.stderr.write("usage: hostile.py KIND OUTDIR | hostile.py --list\n")
        return 2
    return build(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
