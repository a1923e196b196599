#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make demo: build a busybox-static bundle under ./demo and run a container
# in it that prints its hostname and `ps`, where it is PID 1; then make the
# same files an OCI image, import it into a store under ./demo and run it.
set -eu
cd "$(dirname "$0")/.."
HULL=${HULL:-$PWD/hull}
B=$PWD/demo
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "demo: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }

rm -rf "$B"
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/rootfs/etc"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$B/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$B/rootfs/etc/passwd"
echo 'root:x:0:' > "$B/rootfs/etc/group"

"$HULL" spec --bundle "$B"
# The default config asks for a terminal; the demo prints to a plain stdout.
jq '.process.terminal = false | .hostname = "hull-demo"
    | .process.args = ["sh", "-c", "echo hostname: $(hostname); ps"]' \
	"$B/config.json" > "$B/config.json.new"
mv "$B/config.json.new" "$B/config.json"

id=demo-$$
echo "+ hull run --bundle demo $id"
"$HULL" --root "$B/state" run --bundle "$B" "$id"

# An image: the same rootfs made into an OCI image with umoci (offline),
# imported into a store under ./demo, and run from there: its Cmd comes from
# the image, its root is an overlay of the image's layer.
command -v umoci >/dev/null || sh contrib/apt-install.sh umoci
rm -rf "$B/layout" "$B/unpacked"
umoci init --layout "$B/layout"
umoci new --image "$B/layout:demo"
umoci unpack --image "$B/layout:demo" "$B/unpacked" >/dev/null
cp -a "$B/rootfs/." "$B/unpacked/rootfs/"
umoci repack --image "$B/layout:demo" "$B/unpacked"
umoci config --image "$B/layout:demo" --config.cmd sh --config.cmd -c \
	--config.cmd 'echo "hello from an image: $(hostname), $(ls /bin | wc -l) programs in /bin"'
rm -rf "$B/unpacked"
echo "+ hull image import demo/layout:localhost/demo:1"
"$HULL" --store "$B/store" image import "$B/layout:localhost/demo:1"
echo "+ hull image ls"
"$HULL" --store "$B/store" image ls
echo "+ hull run --image localhost/demo:1 $id"
"$HULL" --root "$B/state" --store "$B/store" run --image localhost/demo:1 "$id"
