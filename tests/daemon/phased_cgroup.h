#pragma once
// A cgroup running the phased workload (augur/demo/phased_workload.h) in a forked child: a v1
// cpu cgroup with a quota, and the same path in the cgroup2 tree (where discovery globs first
// on a hybrid host). Removed, with its child, at destruction. Tests that use it need root and
// writable /sys/fs/cgroup/cpu and /sys/fs/cgroup/unified, and skip with that reason otherwise.
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "augur/demo/phased_workload.h"
#include "test_process.h"

namespace augur::testing {

inline const std::string kCgroupV1Cpu = "/sys/fs/cgroup/cpu";
inline const std::string kCgroupUnified = "/sys/fs/cgroup/unified";

class PhasedCgroup {
 public:
  PhasedCgroup(std::string name, const demo::PhaseSchedule& schedule,
               demo::WorkloadClock::time_point start, long quota_usec)
      : name_(std::move(name)),
        cpu_(kCgroupV1Cpu + "/" + name_),
        unified_(kCgroupUnified + "/" + name_) {
    ::mkdir(cpu_.c_str(), 0755);
    ::mkdir(unified_.c_str(), 0755);
    write_file(cpu_ + "/cpu.cfs_period_us", "100000");
    write_file(cpu_ + "/cpu.cfs_quota_us", std::to_string(quota_usec));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const std::string self = std::to_string(::getpid());
      write_file(cpu_ + "/cgroup.procs", self);
      write_file(unified_ + "/cgroup.procs", self);
      const demo::Workload workload{&schedule, 0};
      demo::run_workload(workload, start);
    }
  }
  ~PhasedCgroup() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int i = 0; i < 50 && ::rmdir(cpu_.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::rmdir(unified_.c_str());
  }
  PhasedCgroup(const PhasedCgroup&) = delete;
  PhasedCgroup& operator=(const PhasedCgroup&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] long quota_usec() const {
    const std::string text = read_file(cpu_ + "/cpu.cfs_quota_us");
    return text.empty() ? -1 : std::stol(text);
  }
  [[nodiscard]] long throttled_ns() const {
    const std::string text = read_file(cpu_ + "/cpu.stat");
    const auto at = text.find("throttled_time ");
    return at == std::string::npos ? -1 : std::stol(text.substr(at + 15));
  }

 private:
  std::string name_;
  std::string cpu_;
  std::string unified_;
  pid_t pid_ = -1;
};

}  // namespace augur::testing
