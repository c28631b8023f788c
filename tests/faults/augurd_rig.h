#pragma once
// The real augurd for the fault tests: a generated configuration in a fresh directory (one
// static instance, this test process, sampled every `interval`), `augurctl status --json`
// for its counters, and its stderr log for what it reported.
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "../daemon/test_process.h"

namespace augur::testing::faults {

struct RigOptions {
  std::chrono::milliseconds interval{100};
  std::string state_dir;    // empty: <dir>/state
  std::string libvirt_uri;  // empty: libvirt discovery off
  int keepalive_interval_s = 1;
  int keepalive_count = 2;
};

class AugurdRig {
 public:
  explicit AugurdRig(RigOptions options = {});
  ~AugurdRig();
  AugurdRig(const AugurdRig&) = delete;
  AugurdRig& operator=(const AugurdRig&) = delete;

  // Starts augurd and waits (up to 10 s) until its control socket answers; false if not.
  bool start();
  // SIGTERM and wait; the exit code (or -signo), nothing on timeout.
  std::optional<int> stop();
  void kill9();
  [[nodiscard]] bool running() { return child_ && child_->running(); }

  // `augurctl status --json` (null on failure) and `augurctl instances --json`.
  nlohmann::json status() const;
  nlohmann::json instances() const;
  // ticks - or -1 if the daemon did not answer.
  long long ticks() const;

  // stderr of every run so far, in order.
  [[nodiscard]] std::string log() const;
  [[nodiscard]] const TempDir& dir() const { return dir_; }
  [[nodiscard]] const std::string& state_dir() const { return state_dir_; }
  [[nodiscard]] std::string store_path() const { return state_dir_ + "/augur.db"; }
  [[nodiscard]] pid_t pid() const { return child_ ? child_->pid() : -1; }

 private:
  nlohmann::json ctl(const std::string& verb) const;
  RigOptions options_;
  TempDir dir_;
  std::string state_dir_;
  std::unique_ptr<Child> child_;
  int runs_ = 0;
};

// Occurrences of `needle` in `text`.
std::size_t count(const std::string& text, const std::string& needle);

// Lines of `text` containing `needle`, joined (for failure messages).
std::string lines_with(const std::string& text, const std::string& needle);

}  // namespace augur::testing::faults
