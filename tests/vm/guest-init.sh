#!/bin/sh
# /init of the end-to-end test guest (busybox, no udev, no systemd). Loads the virtio modules,
# idles so that Augur learns the guest's normal, then loops phases, each announced on the
# serial console as "AUGUR-E2E: round R phase=P" so the test can time them:
#   cpu   all vCPUs busy for PHASE_S seconds
#   idle  IDLE_S seconds
#   mem   fills a tmpfs to leave about 24 MiB of MemAvailable, holds it, frees it (the next
#         round re-uses the same guest pages: the host RSS does not grow again)
#   idle
#   disk  8 MiB direct writes and reads of /dev/vda for PHASE_S seconds
#   idle
# WARMUP_S, PHASE_S and IDLE_S come from the kernel command line (the kernel hands unknown
# name=value parameters to init as environment variables).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
         virtio_blk virtio_balloon; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
WARMUP_S=${WARMUP_S:-30}
PHASE_S=${PHASE_S:-10}
IDLE_S=${IDLE_S:-10}
up() { cut -d' ' -f1 /proc/uptime; }
secs() { cut -d. -f1 /proc/uptime; }
mark() { echo "AUGUR-E2E: round $1 phase=$2 uptime=$(up) $3"; }
for f in /sys/devices/system/cpu/cpu*/online; do echo 1 > "$f" 2>/dev/null; done
echo "AUGUR-E2E: guest up uptime=$(up) cpus=$(nproc) $(grep MemTotal /proc/meminfo | tr -s ' ')"
mark 0 idle "warmup=${WARMUP_S}s"
sleep "$WARMUP_S"
round=0
while :; do
  round=$((round + 1))
  mark $round cpu "nproc=$(nproc)"
  pids=""
  for i in $(seq 1 "$(nproc)"); do
    (while :; do :; done) &
    pids="$pids $!"
  done
  sleep "$PHASE_S"
  kill $pids
  wait 2>/dev/null
  mark $round idle
  sleep "$IDLE_S"
  avail=$(awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo)
  fill=$((avail - 24))
  [ "$fill" -lt 8 ] && fill=8
  mark $round mem "$(grep MemTotal /proc/meminfo | tr -s ' ') fill=${fill}MiB"
  mkdir -p /mnt/mem
  mount -t tmpfs -o size=90% tmpfs /mnt/mem
  end=$(($(secs) + PHASE_S))
  dd if=/dev/zero of=/mnt/mem/blob bs=1M count="$fill" 2>/dev/null
  while [ "$(secs)" -lt "$end" ]; do sleep 1; done
  rm -f /mnt/mem/blob
  umount /mnt/mem
  mark $round idle
  sleep "$IDLE_S"
  mark $round disk
  end=$(($(secs) + PHASE_S))
  while [ "$(secs)" -lt "$end" ]; do
    dd if=/dev/zero of=/dev/vda bs=1M count=8 oflag=direct 2>/dev/null
    dd if=/dev/vda of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null
  done
  mark $round idle
  sleep "$IDLE_S"
done
