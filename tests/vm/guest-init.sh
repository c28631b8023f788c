#!/bin/sh
# /init of the end-to-end test guest (busybox, no udev, no systemd). Loads the virtio modules,
# idles so that Augur learns the guest's normal, then loops phases, each announced on the
# serial console as "AUGUR-E2E: round R phase=P" so the test can time them:
#   cpu   RAMP_S seconds of light load on one vCPU (short bursts, about a tenth of a core:
#         under the test's low quota, unthrottled), then
#   burst all vCPUs busy for PHASE_S seconds: a service whose load ramps up. The ramp is
#         what a predictor can act on before the burst's throttling starts.
#   idle  IDLE_S seconds
#   mem   fills a tmpfs with up to 64 MiB (leaving at least 24 MiB of MemAvailable), holds
#         it, frees it (the next round re-uses the same guest pages: the host RSS does not grow
#         again)
#   idle
#   disk  8 MiB direct writes and reads of /dev/vda for PHASE_S seconds
#   idle
# WARMUP_S, RAMP_S, PHASE_S, IDLE_S and BALLOON come from the kernel command line (the kernel hands
# unknown name=value parameters to init as environment variables).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
         virtio_blk virtio_balloon; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
WARMUP_S=${WARMUP_S:-30}
RAMP_S=${RAMP_S:-4}
PHASE_S=${PHASE_S:-10}
IDLE_S=${IDLE_S:-10}
up() { cut -d' ' -f1 /proc/uptime; }
secs() { cut -d. -f1 /proc/uptime; }
mark() { echo "AUGUR-E2E: round $1 phase=$2 uptime=$(up) $3"; }
for f in /sys/devices/system/cpu/cpu*/online; do echo 1 > "$f" 2>/dev/null; done
# A domain booted with <currentMemory> below <memory> (BALLOON=1 on the command line)
# inflates its balloon once the driver loads: wait until MemTotal has dropped and then held
# still for a second (at most 30 s), so that the touch below covers the memory the guest
# keeps and the balloon takes none of it back afterwards.
memtotal() { awk '/MemTotal/{print $2}' /proc/meminfo; }
if [ "${BALLOON:-0}" = 1 ]; then
  first=$(memtotal)
  last=$first
  for i in $(seq 1 30); do
    sleep 1
    now=$(memtotal)
    [ "$now" != "$first" ] && [ "$now" = "$last" ] && break
    last=$now
  done
fi
# Touch the guest's RAM once before Augur watches: QEMU backs a guest page on its first use,
# which shows as host page faults in the vCPU threads. Without this, round 1's phases would
# look unlike the later rounds' (first touch), and a later round would find no close
# neighbour among round 1's patterns.
mkdir -p /mnt/mem
mount -t tmpfs -o size=90% tmpfs /mnt/mem
# All but 8 MiB of the free pages: the ramp's first processes would otherwise land on pages
# never touched yet.
free=$(awk '/MemFree/{print int($2/1024)}' /proc/meminfo)
dd if=/dev/zero of=/mnt/mem/blob bs=1M count=$((free - 8)) 2>/dev/null
rm -f /mnt/mem/blob
umount /mnt/mem
# The ramp's unit of work: a dd of CHUNK 1 KiB blocks, calibrated here to take about 3 ms
# (TCG's speed depends on the host), repeated every 120 ms or so on vCPU 0: with dd's own
# start, well under the 40 ms per 100 ms the test's low quota leaves each vCPU.
centis() { awk '{print int($1 * 100)}' /proc/uptime; }
t0=$(centis)
dd if=/dev/zero of=/dev/null bs=1k count=20000 2>/dev/null
t1=$(centis)
cs=$((t1 - t0))
[ "$cs" -lt 1 ] && cs=1
CHUNK=$((20000 * 3 / (cs * 10)))
[ "$CHUNK" -lt 100 ] && CHUNK=100
ramp() {
  taskset 1 sh -c "while :; do dd if=/dev/zero of=/dev/null bs=1k count=$CHUNK 2>/dev/null; \
usleep 120000; done" &
  r=$!
  sleep "$1"
  kill $r
}
# One ramp before Augur watches: a fresh guest's first ramp shows host page faults in its
# vCPU threads that later ones do not (QEMU/TCG's first use), and round 2's ramp must look
# like round 1's.
ramp 3
echo "AUGUR-E2E: guest up uptime=$(up) cpus=$(nproc) $(grep MemTotal /proc/meminfo | tr -s ' ')"
mark 0 idle "warmup=${WARMUP_S}s"
sleep "$WARMUP_S"
round=0
while :; do
  round=$((round + 1))
  mark $round cpu "ramp=${RAMP_S}s chunk=${CHUNK}"
  ramp "$RAMP_S"
  mark $round burst "nproc=$(nproc)"
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
  # One write of at most 64 MiB, then held: a step in the guest's memory and a CPU blip of
  # a few hundred ms. Paced small writes (a dd every 200 ms) cost TCG a steady tenth of a
  # core, and the phase then looked like the CPU phase's ramp.
  [ "$fill" -gt 64 ] && fill=64
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
