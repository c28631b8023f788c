#!/bin/bash
# Builds the end-to-end test guest's boot files into CACHE_DIR (the test calls this):
#   vmlinuz            the kernel of Debian's current linux-image-amd64, taken out of the
#                      package with dpkg-deb: the package is downloaded, never installed
#   initramfs.cpio.gz  busybox-static, the virtio modules of that kernel, and INIT as /init
# The kernel and its modules are cached (a rerun only rebuilds the small initramfs).
# Usage: build-guest.sh CACHE_DIR INIT
set -euo pipefail
cache=$1
init=$2
mkdir -p "$cache"
cd "$cache"
if [ ! -s vmlinuz ] || [ ! -d modules ]; then
  kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$kpkg" ] || { echo "build-guest: no kernel package behind linux-image-amd64" >&2; exit 1; }
  rm -rf kpkg modules
  mkdir kpkg modules
  (cd kpkg && apt-get download -q "$kpkg" >/dev/null 2>&1) ||
    { echo "build-guest: apt-get download $kpkg failed" >&2; exit 1; }
  dpkg-deb --fsys-tarfile kpkg/"$kpkg"_*.deb | tar -x -C kpkg --wildcards './boot/vmlinuz-*' \
    './lib/modules/*/kernel/drivers/virtio/virtio*.ko' \
    './lib/modules/*/kernel/drivers/block/virtio_blk.ko'
  find kpkg/lib/modules -name '*.ko' -exec cp {} modules/ \;
  cp kpkg/boot/vmlinuz-* vmlinuz.tmp
  rm -rf kpkg
  mv vmlinuz.tmp vmlinuz
  echo "build-guest: kernel $kpkg extracted"
fi
rm -rf rootfs
mkdir -p rootfs/{bin,proc,sys,dev,mnt,lib/modules}
cp /bin/busybox rootfs/bin/
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "rootfs/bin/$a"; done
cp modules/*.ko rootfs/lib/modules/
install -m755 "$init" rootfs/init
(cd rootfs && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 >../initramfs.cpio.gz.tmp)
mv initramfs.cpio.gz.tmp initramfs.cpio.gz
rm -rf rootfs
echo "build-guest: initramfs built"
