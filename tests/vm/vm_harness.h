#pragma once
// The end-to-end harness on a real hypervisor: a busybox guest built from Debian's kernel
// package, virtlogd and libvirtd started by hand (no systemd), and a TCG domain under
// qemu:///system. Everything it starts is stopped by its own pid in the destructor, so a
// failed assertion tears down as a passed test does.
#include <libvirt/libvirt.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../daemon/test_process.h"

namespace augur::testing::vm {

using Clock = std::chrono::steady_clock;

// Seconds since `start`.
double since(Clock::time_point start);

// Why this machine cannot run the test (missing binaries, not root), or "".
std::string skip_reason();

// New complete lines of a growing file, each stamped with the time it was first seen.
struct StampedLine {
  double t = 0;  // seconds since the harness started
  std::string text;
};

class LineTail {
 public:
  explicit LineTail(std::string path) : path_(std::move(path)) {}
  std::vector<std::string> poll();

 private:
  std::string path_;
  std::size_t offset_ = 0;
  std::string partial_;
};

struct GuestPhases {
  int warmup_s = 40;
  int ramp_s = 4;  // light load before the CPU phase's burst
  int phase_s = 10;
  int idle_s = 12;  // a phase's episode ends before the next phase starts
  // The balloon's size at boot (the domain's <currentMemory>; 0: all of <memory>). The guest
  // gives the rest back as its balloon driver loads, before it touches its RAM.
  int boot_memory_mib = 0;
};

struct Timings {
  double guest_build_s = 0;
  double daemons_ready_s = 0;
  double define_s = 0;  // the first define probes QEMU's capabilities (cached afterwards)
  double domain_start_s = 0;
  double boot_to_init_s = 0;
};

class Hypervisor {
 public:
  static constexpr const char* kDomain = "augur-e2e";
  static constexpr const char* kUri = "qemu:///system";

  // Builds (or reuses) the guest in `cache_dir`; the domain's files live in a fresh
  // directory under /tmp.
  Hypervisor(std::string cache_dir, GuestPhases phases, Clock::time_point start);
  ~Hypervisor();
  Hypervisor(const Hypervisor&) = delete;
  Hypervisor& operator=(const Hypervisor&) = delete;

  // Each returns "" on success, else what failed.
  std::string build_guest();
  std::string start_daemons();
  std::string boot(const std::string& app_type);

  [[nodiscard]] virConnectPtr conn() const { return conn_; }
  [[nodiscard]] virDomainPtr domain() const { return dom_; }
  [[nodiscard]] pid_t qemu_pid() const { return qemu_pid_; }
  [[nodiscard]] const std::string& console_path() const { return console_; }
  [[nodiscard]] std::string disk_path() const { return work_ + "/disk.img"; }
  [[nodiscard]] const Timings& timings() const { return timings_; }
  // The pids this harness started (libvirtd, virtlogd, QEMU).
  [[nodiscard]] std::vector<pid_t> own_pids() const;

  // Destroys and undefines the domain, stops libvirtd and virtlogd; idempotent. Returns
  // what it had to force (SIGKILL) or could not clean up, one line each.
  std::vector<std::string> teardown();

 private:
  std::string cache_;
  GuestPhases phases_;
  Clock::time_point start_;
  std::string work_;     // /tmp/augur-vm-XXXXXX: disk, console log, daemon logs
  std::string console_;  // serial console log
  std::unique_ptr<Child> virtlogd_;
  std::unique_ptr<Child> libvirtd_;
  virConnectPtr conn_ = nullptr;
  virDomainPtr dom_ = nullptr;
  pid_t qemu_pid_ = -1;
  Timings timings_;
};

// --- reading what is in force -------------------------------------------------------------

// The cgroup directory of thread `tid` of `pid` for a v1 controller (or "" for the cgroup2
// tree), found from /proc/<pid>/task/<tid>/cgroup and /proc/self/mountinfo; "" if none.
std::string cgroup_dir_of(pid_t pid, pid_t tid, const std::string& controller);
// Thread ids of `pid` whose comm matches "CPU <n>/TCG" or "CPU <n>/KVM", in vCPU order.
std::vector<pid_t> vcpu_threads_from_comm(pid_t pid);

long long vcpu_quota(virDomainPtr dom);                     // usec, -1 unknown
unsigned long long balloon_kib(virDomainPtr dom);           // current balloon target
unsigned long long disk_total_bytes_sec(virDomainPtr dom);  // vda iotune, 0 unlimited
// libvirt's blkiotune device list for `field` (VIR_DOMAIN_BLKIO_DEVICE_READ_BPS, ...):
// "/dev/vda,1048576"; "" when none or on error.
std::string blkio_device_list(virDomainPtr dom, const char* field);
// "MAJ:MIN" of the whole disk holding `path` (its filesystem's device; a partition's disk).
std::string whole_disk_of_file(const std::string& path);
// Balloon statistics the guest reports (virDomainMemoryStats): tag -> value (KiB).
std::vector<std::pair<int, unsigned long long>> memory_stats(virDomainPtr dom);

bool set_vcpu_quota(virDomainPtr dom, long long usec, unsigned long long period_usec);
bool set_disk_total_bytes_sec(virDomainPtr dom, unsigned long long bytes);

std::string libvirt_error();

}  // namespace augur::testing::vm
