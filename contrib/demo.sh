#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make demo: build a busybox-static bundle under ./demo and run a container
# in it that prints its hostname and `ps`, where it is PID 1.
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
