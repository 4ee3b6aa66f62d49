#!/usr/bin/env bash
# Writes a tar of a minimal root filesystem built from Debian's busybox-static: /bin/busybox, one
# symlink per applet, and the few files a shell expects. Usage: busybox-rootfs.sh OUT.tar
set -euo pipefail
out=${1:?usage: busybox-rootfs.sh OUT.tar}
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
if [ -z "$busybox" ]; then
  echo "busybox-rootfs.sh: busybox-static is not installed" >&2
  exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,root,tmp,var,usr/bin,usr/sbin,sbin}
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
chmod 1777 "$root/tmp"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2024-01-01T00:00:00Z -C "$root" -cf "$out" .
