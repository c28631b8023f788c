#pragma once
// The demo's second comparison: three copies of the database-like workload
// (database_workload.h), each in its own memory cgroup (memory_cgroup.h), all started at the
// same moment from the same limit:
//   augur     under the real augurd, within the memory bounds of its config;
//   static    the limit stays where it started;
//   reactive  replay's VPA policy for memory, once a second, fed the copy's working set.
// Per round (one phase) it measures each copy's memory pressure stall, what it read again from
// disk (its evicted pages), the limit it held on average, and Augur's first raise.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "augur/demo/phased_workload.h"
#include "augur_log.h"
#include "cgroup_dirs.h"
#include "database_workload.h"
#include "memory_cgroup.h"

namespace augur::demo {

class VpaController;

class DatabaseCopies {
 public:
  // Every copy starts at the bounds' minimum, below the phase's working set (the table and
  // a full spill, 112 MiB) and above the table alone.
  static constexpr double kStartMiB = 48;
  static constexpr double kMinMiB = 48;
  static constexpr double kMaxMiB = 192;

  // The copies' cgroups are named "augur-demo-<policy>-db-<tag>" in `where`; their files go to
  // `data_dir`, which must be on a disk.
  DatabaseCopies(const Hierarchy& where, const std::string& tag, std::string data_dir,
                 const PhaseSchedule& schedule);
  ~DatabaseCopies();
  DatabaseCopies(const DatabaseCopies&) = delete;
  DatabaseCopies& operator=(const DatabaseCopies&) = delete;

  // Makes the cgroups, sets the start limit and starts the three workloads.
  [[nodiscard]] Status start(WorkloadClock::time_point start);
  // " db-augur 123 db-static 124 db-reactive 125"
  [[nodiscard]] std::string pids_text() const;
  // The Augur copy's cgroup name, as augurd's log names the instance.
  [[nodiscard]] const std::string& augur_name() const;
  [[nodiscard]] const DatabaseShape& shape() const { return shape_; }

  // A message of augurd's log about the Augur copy, its name already replaced by "db": the
  // text to print for it ("" for none). `t`: seconds since the demo's start.
  std::string on_augur_message(const std::string& message, double t);
  // Once a second: reads the copies and lets the reactive policy decide. Returns the live
  // comparison ("db working set 55 MiB | augur 58/ 69 MiB re-read 0.0 MiB/s | ..."); a
  // reactive change, if any, goes to `event`.
  std::string each_second(double t, std::string& event);
  void open_round(int number, double t0);
  void close_round();
  // False, with the reason, when a workload has exited.
  bool alive(std::string& why);
  // The per-round and after-learning comparison.
  void summary(int learning_rounds) const;
  // Stops the workloads and removes their cgroups.
  void stop();

 private:
  struct Copy;
  struct Round;

  DatabaseShape shape_;
  std::string data_dir_;
  std::vector<Copy> copies_;  // augur, static, reactive
  std::unique_ptr<VpaController> vpa_;
  std::vector<Round> rounds_;  // the warm-up, then each round begun so far
};

}  // namespace augur::demo
