#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/vm/run.sh [--] COMMAND...
#
# Boot Debian's kernel under QEMU with the host's / shared read-only (9p) under
# a tmpfs overlay, pure cgroup v2 with every controller enabled, and run
# COMMAND (joined with spaces, like ssh) with bash in the current directory.
# The repo is shared read-write at its own path. Exits with COMMAND's status.
# VM_INIT=systemd: systemd is PID 1 and runs COMMAND as a unit.
# See tests/vm/README.md for the knobs.
set -euo pipefail

[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: $0 [--] COMMAND..." >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=/var/tmp/hull-vm

# ---- packages
need=()
VM_INIT=${VM_INIT:-busybox}
case $VM_INIT in
busybox) pkgs="" TIMEOUT=${VM_TIMEOUT:-1800} ;;
systemd) pkgs="systemd dbus" TIMEOUT=${VM_TIMEOUT:-900} ;;
*) echo "hull-vm: VM_INIT must be busybox or systemd" >&2; exit 2 ;;
esac
for p in qemu-system-x86 linux-image-amd64 busybox-static $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "hull-vm: installing ${need[*]}" >&2
	{ apt-get install -y --no-install-recommends "${need[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; }; } >&2
fi
KERNEL=$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n1)
[ -e "$KERNEL" ] || { echo "hull-vm: no /boot/vmlinuz-*" >&2; exit 2; }
KVER=${KERNEL#/boot/vmlinuz-}
mkdir -p "$CACHE"

# ---- kernel: boot the uncompressed ELF vmlinux through its PVH entry point:
# under TCG the bzImage's in-guest xz decompressor takes ~5 s of a ~12 s run.
VMLINUX=$CACHE/vmlinux-$KVER
if [ ! -s "$VMLINUX" ]; then
	rm -f "$CACHE"/vmlinux-* # other kernels'
	off=$(LC_ALL=C grep -abo -m1 $'\xfd7zXZ' "$KERNEL" | cut -d: -f1 | head -n1 || true)
	tail -c +$((${off:-0} + 1)) "$KERNEL" | xz -dcq > "$VMLINUX.$$" 2>/dev/null || true # trailing data
	if [ "$(head -c4 "$VMLINUX.$$")" = $'\x7fELF' ]; then mv "$VMLINUX.$$" "$VMLINUX"; else
		rm -f "$VMLINUX.$$"; VMLINUX=$KERNEL; fi
fi

# ---- initramfs, cached per kernel and init text: static busybox + modules.
# init does every mount with busybox (each dynamically linked program run from
# 9p costs ~0.2 s under TCG), then switches root to the host's tree; the new
# PID 1 (busybox sh, which also reaps orphans) runs the command, powers off.
read -r -d '' INIT <<'EOF' || true
#!/bin/sh
die() { dmesg; echo "hull-vm init: $*"; poweroff -f; }
for m in $(cat /mods/order); do insmod /mods/$m || die "insmod $m"; done
o=trans=virtio,version=9p2000.L,msize=512000 # the most 6.1's virtio transport takes
mkdir /lower /rw /new
mount -t 9p -o ro,$o,cache=loose hostroot /lower || die "9p root"
mount -t tmpfs -o mode=755 rw /rw && mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work root /new || die overlay
umount -l /lower /rw
cd /new
mount -t tmpfs -o nosuid,nodev,mode=755 run run && mkdir run/vm
mount -t 9p -o $o,cache=none ctl run/vm || die "9p ctl"
# /tmp first: a repo below /tmp (a CI clone) must not be hidden by it.
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs tmp
mkdir -p "/new$(cat run/vm/repo)"
mount -t 9p -o $o,cache=mmap,access=client repo "/new$(cat run/vm/repo)" || die "9p repo"
mount -t proc -o nosuid,nodev,noexec proc proc
mount -t sysfs -o nosuid,nodev,noexec sysfs sys
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 sys/fs/cgroup
for c in $(cat sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" > sys/fs/cgroup/cgroup.subtree_control || echo "hull-vm: cannot enable $c"
done
mount -t devtmpfs -o nosuid,mode=755 devtmpfs dev && mkdir -p dev/pts dev/shm dev/mqueue
mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 shm dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue dev/mqueue
ln -s /proc/self/fd dev/fd && ln -s fd/0 dev/stdin && ln -s fd/1 dev/stdout && ln -s fd/2 dev/stderr
hostname hull-vm && ip link set lo up
# VM_INIT=systemd: systemd becomes PID 1 and runs the command as a unit.
if [ -d run/vm/systemd ]; then
	cp -R run/vm/systemd/. etc/systemd/system/ || die "units"
	# The host's /.dockerenv (when it is a container) would make systemd
	# think it runs in a container, and then it ignores the kernel command
	# line: systemd.unit= too (it booted graphical.target, never the unit).
	rm -f .dockerenv
	# The generators (fstab, getty, sysv...) only cost time: ~2 s under TCG.
	mkdir -p etc/systemd/system-generators
	for g in usr/lib/systemd/system-generators/*; do ln -sf /dev/null "etc/systemd/system-generators/${g##*/}"; done
	# A host without one (a fresh container image) would make this a first
	# boot, and dbus needs one.
	[ -s etc/machine-id ] || { u=$(cat proc/sys/kernel/random/uuid); echo "${u//-/}" > etc/machine-id; }
	exec switch_root /new /lib/systemd/systemd
fi
exec switch_root /new /bin/busybox sh -c '/bin/busybox mount --make-rshared /
	env -i /bin/bash /run/vm/cmd < /dev/null > /run/vm/out 2>&1; echo $? > /run/vm/rc; /bin/busybox poweroff -f'
EOF
MODS="virtio_pci 9pnet_virtio 9p overlay"
APPLETS="sh cat cp dmesg mkdir ln mount umount insmod hostname ip switch_root poweroff"
INITRD=$CACHE/initrd-$KVER-$(echo "$MODS $APPLETS $INIT" | sha256sum | cut -c1-12).cpio
if [ ! -s "$INITRD" ]; then
	rm -f "$CACHE"/initrd-* # other kernels' or older init texts
	st=$(mktemp -d "$CACHE/build.XXXXXX")
	mkdir "$st/bin" "$st/mods"
	cp /bin/busybox "$st/bin/"
	for a in $APPLETS; do
		ln -s busybox "$st/bin/$a"
	done
	printf '%s\n' "$INIT" > "$st/init" && chmod +x "$st/init"
	for m in $MODS; do modprobe -S "$KVER" --show-depends "$m"; done |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
			f=$(basename "$ko"); f=${f%.xz}; f=${f%.zst}
			case $ko in *.xz) xz -dc "$ko" ;; *.zst) zstd -qdc "$ko" ;; *) cat "$ko" ;; esac > "$st/mods/$f"
			echo "$f" >> "$st/mods/order"
		done
	(cd "$st" && find . | busybox cpio -o -H newc 2>/dev/null) > "$st.cpio"
	mv "$st.cpio" "$INITRD" && rm -rf "$st"
fi

# ---- per-run control dir, shared read-write with the guest at /run/vm
CTL=$(mktemp -d /tmp/hull-vm.XXXXXX)
QPID='' TPID=''
trap '[ -z "$QPID$TPID" ] || kill $QPID $TPID 2>/dev/null; wait
	if [ "${VM_KEEP:-0}" = 0 ]; then rm -rf "$CTL"; else echo "hull-vm: kept $CTL" >&2; fi' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
echo "$REPO" > "$CTL/repo"
{
	for v in PATH HOME TERM LANG CI ${VM_PASSENV:-}; do
		[ -z "${!v+x}" ] || printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'cd %q || exit 125\n%s\n' "$PWD" "$*"
} > "$CTL/cmd"
: > "$CTL/out"
APPEND="console=ttyS0 quiet panic=-1 cgroup_no_v1=all"
if [ "$VM_INIT" = systemd ]; then
	# Units the guest's init copies into /etc/systemd/system.  The command's
	# unit is the only one asked for (systemd.unit=): without the default
	# dependencies it pulls in neither sysinit.target nor basic.target, so
	# only dbus starts besides it (hull's sd-bus talks to systemd through
	# the D-Bus system bus).  Its end, success or not, powers the VM off.
	mkdir -p "$CTL/systemd/dbus.socket.d" "$CTL/systemd/dbus.service.d"
	printf '[Unit]\nDefaultDependencies=no\n' > "$CTL/systemd/dbus.socket.d/hull-vm.conf"
	printf '[Unit]\nDefaultDependencies=no\n' > "$CTL/systemd/dbus.service.d/hull-vm.conf"
	cat > "$CTL/systemd/vm-command.service" <<'EOF'
[Unit]
Description=tests/vm command
DefaultDependencies=no
AllowIsolate=yes
Wants=dbus.service
After=dbus.service
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=oneshot
TimeoutStartSec=infinity
ExecStart=/bin/bash -c 'env -i /bin/bash /run/vm/cmd </dev/null >/run/vm/out 2>&1; echo $$? >/run/vm/rc'
EOF
	APPEND="$APPEND systemd.unit=vm-command.service"
fi
APPEND="$APPEND ${VM_APPEND:-}"

# ---- accelerator: KVM only if it is hardware KVM (kvm_pvm is a software
# hypervisor on which stock kernels do not boot), else TCG.
ACCEL=${VM_ACCEL:-auto}
if [ "$ACCEL" = auto ]; then
	ACCEL=tcg
	[ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ] &&
		{ [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; } && ACCEL=kvm
fi
case $ACCEL in
kvm) CPU=host ;;
tcg) CPU=max ;;
*) echo "hull-vm: VM_ACCEL must be kvm, tcg or auto" >&2; exit 2 ;;
esac

timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -M q35 -accel "$ACCEL" -cpu "$CPU" \
	-m "${VM_MEM:-2G}" -smp "${VM_SMP:-$(nproc)}" \
	-nodefaults -no-user-config -display none -no-reboot -serial "file:$CTL/console" \
	-kernel "$VMLINUX" -initrd "$INITRD" \
	-append "$APPEND" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$REPO",mount_tag=repo,security_model=none,multidevs=remap \
	-virtfs local,path="$CTL",mount_tag=ctl,security_model=none \
	< /dev/null > "$CTL/qemu.log" 2>&1 &
QPID=$!
tail -s 0.2 -f --pid=$QPID "$CTL/out" & TPID=$!
qrc=0
wait $QPID || qrc=$?
wait $TPID || true
QPID='' TPID=''
if [ $qrc = 124 ]; then
	echo "hull-vm: timed out after ${TIMEOUT}s (VM_TIMEOUT); killed qemu" >&2
	exit 124
elif [ -s "$CTL/rc" ]; then
	exit "$(cat "$CTL/rc")"
fi
echo "hull-vm: no exit status from the guest (qemu exit $qrc); kernel log and qemu output:" >&2
cat "$CTL/console" "$CTL/qemu.log" >&2
exit 125
