set -e
cd /tmp/dref/work
rm -rf rootfs rootfs2
mkdir -p rootfs/bin
cp /bin/busybox rootfs/bin/busybox
for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox rootfs/bin/$a; done
T="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2024-01-01T00:00:00Z"
$T -C rootfs -cf rootfs.tar .
gzip -9 -n -c rootfs.tar > rootfs.tar.gz
# a second, distinct small rootfs (one file) for rmi tests with a unique layer
mkdir -p rootfs2/etc; echo hello > rootfs2/etc/hello
$T -C rootfs2 -cf rootfs2.tar .
# a third distinct rootfs for load-tests
mkdir -p rootfs3/etc; echo third > rootfs3/etc/third
$T -C rootfs3 -cf rootfs3.tar .
head -c 4096 /dev/urandom > garbage.bin
printf 'this is not a tar archive\n' > garbage.txt
: > empty.tar
