#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Write the seeds of fuzz_layer (tests/fuzz/corpus/layer): small layers in
# pax, GNU and ustar, each entry type, whiteouts, xattrs, and hostile ones,
# each as plain tar, gzip and zstd (the first byte of a seed picks which:
# 0, 1, 2).  Run from the repo root: python3 tests/fuzz/seeds_layer.py
import gzip
import io
import os
import subprocess
import tarfile

tarfile.RECORDSIZE = 512  # no padding beyond the end blocks: small seeds
OUT = "tests/fuzz/corpus/layer"


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, xattrs=None, dev=(0, 0)):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.mode, ti.mtime = kind, link, mode, 1000000000
    ti.uid, ti.gid = 1000, 1000
    ti.devmajor, ti.devminor = dev
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    if xattrs:
        ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    return ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None


LAYERS = {
    "types": [
        entry("./", tarfile.DIRTYPE, mode=0o755),
        entry("etc/", tarfile.DIRTYPE, mode=0o750),
        entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
        entry("bin/su", data=b"\x7fELF", mode=0o4755, xattrs={"security.capability": "\x01\x00\x00\x02"}),
        entry("bin/sh", tarfile.SYMTYPE, link="/bin/busybox"),
        entry("bin/ash", tarfile.LNKTYPE, link="bin/su"),
        entry("run/fifo", tarfile.FIFOTYPE),
        entry("dev/null", tarfile.CHRTYPE, dev=(1, 3)),
        entry("usr/share/doc/x", data=b"x" * 700, xattrs={"user.note": "v"}),
    ],
    "whiteouts": [
        entry("a/", tarfile.DIRTYPE),
        entry("a/.wh..wh..opq"),
        entry("a/keep", data=b"k"),
        entry(".wh.gone"),
        entry(".wh.again"),
        entry("again/", tarfile.DIRTYPE),
        entry("b/.wh.c"),
        entry(".wh..wh.plnk"),
        entry("w", tarfile.CHRTYPE),
    ],
    "replace": [
        entry("r", data=b"one"),
        entry("r", data=b"two"),
        entry("d/", tarfile.DIRTYPE),
        entry("d/x", data=b"x"),
        entry("d", data=b"file"),
        entry("h", tarfile.LNKTYPE, link="r"),
        entry("s", tarfile.SYMTYPE, link="r"),
        entry("s", data=b"s"),
    ],
    "escape-dotdot": [entry("../x", data=b"x")],
    "escape-abs": [entry("/etc/x", data=b"x")],
    "escape-symlink": [entry("a", tarfile.SYMTYPE, link=".."), entry("a/x", data=b"x")],
    "escape-hardlink": [entry("h", tarfile.LNKTYPE, link="../outside")],
    "bad-whiteout": [entry("a/.wh..")],
    "overlay-xattr": [entry("d/", tarfile.DIRTYPE, xattrs={"trusted.overlay.opaque": "y"})],
    "device": [entry("sda", tarfile.BLKTYPE, dev=(8, 0))],
}


def tar_bytes(entries, fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for ti, f in entries:
            t.addfile(ti, f)
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


os.makedirs(OUT, exist_ok=True)
for name, entries in LAYERS.items():
    fmts = [("pax", tarfile.PAX_FORMAT), ("gnu", tarfile.GNU_FORMAT)]
    if name == "types":
        fmts.append(("ustar", tarfile.USTAR_FORMAT))
    for fname, fmt in fmts:
        for ti, f in entries:
            if f:
                f.seek(0)
        try:
            tar = tar_bytes(entries, fmt)
        except ValueError:  # ustar cannot hold xattrs
            continue
        write(f"{name}-{fname}.tar", b"\0" + tar)
        if fname == "pax":
            write(f"{name}.tar.gz", b"\1" + gzip.compress(tar, mtime=0))
            zst = subprocess.run(["zstd", "-q", "-c"], input=tar, stdout=subprocess.PIPE, check=True).stdout
            write(f"{name}.tar.zst", b"\2" + zst)
