#include "augurd_rig.h"

#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <thread>

namespace augur::testing::faults {

using namespace std::chrono_literals;

AugurdRig::AugurdRig(RigOptions options)
    : options_(std::move(options)),
      state_dir_(options_.state_dir.empty() ? dir_.file("state") : options_.state_dir) {
  std::string yaml = "daemon:\n  runtime_dir: " + dir_.file("run") +
                     "\n  state_dir: " + state_dir_ +
                     "\n  mode: observe\n  host_id: faults\n"
                     "log:\n  target: stderr\n"
                     "discovery:\n  interval: 1s\n";
  if (options_.libvirt_uri.empty()) {
    yaml += "  libvirt:\n    enabled: false\n";
  } else {
    yaml += "  libvirt:\n    enabled: true\n    uri: \"" + options_.libvirt_uri +
            "\"\n    keepalive_interval: " + std::to_string(options_.keepalive_interval_s) +
            "s\n    keepalive_count: " + std::to_string(options_.keepalive_count) + "\n";
  }
  yaml += "  cgroups:\n    enabled: false\n  static:\n    - name: fault-test\n      pid: " +
          std::to_string(::getpid()) +
          "\n      type: web\n"
          "sampling:\n  interval: " +
          std::to_string(options_.interval.count()) +
          "ms\n"
          "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
          "control:\n  group: root\nmetrics:\n  enabled: false\n";
  write_file(dir_.file("augur.yaml"), yaml);
}

AugurdRig::~AugurdRig() {
  if (child_ && child_->running()) stop();
}

bool AugurdRig::start() {
  ++runs_;
  // Each run appends to the same log, so a test reads the whole history.
  child_ = std::make_unique<Child>(
      std::vector<std::string>{AUGURD_PATH, "--config", dir_.file("augur.yaml")},
      std::vector<std::string>{}, dir_.file("out" + std::to_string(runs_)),
      dir_.file("err" + std::to_string(runs_)));
  for (int i = 0; i < 100; ++i) {
    if (!child_->running()) return false;
    if (ticks() >= 0) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::optional<int> AugurdRig::stop() {
  if (!child_) return std::nullopt;
  child_->signal(SIGTERM);
  return child_->wait_exit(15s);
}

void AugurdRig::kill9() {
  if (!child_) return;
  child_->signal(SIGKILL);
  child_->wait_exit(5s);
}

nlohmann::json AugurdRig::ctl(const std::string& verb) const {
  const int rc =
      run_to_exit({AUGURCTL_PATH, verb, "--json", "--socket", dir_.file("run") + "/augur.sock"},
                  dir_.file("ctl.out"), dir_.file("ctl.err"));
  if (rc != 0) return nlohmann::json();
  return nlohmann::json::parse(read_file(dir_.file("ctl.out")), nullptr, false);
}

nlohmann::json AugurdRig::status() const {
  return ctl("status");
}

nlohmann::json AugurdRig::instances() const {
  return ctl("instances");
}

std::string AugurdRig::log() const {
  std::string all;
  for (int r = 1; r <= runs_; ++r) all += read_file(dir_.file("err" + std::to_string(r)));
  return all;
}

long long AugurdRig::ticks() const {
  const nlohmann::json s = status();
  if (!s.is_object() || !s.contains("ticks")) return -1;
  return s["ticks"].get<long long>();
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string lines_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out += line + "\n";
  }
  return out;
}

}  // namespace augur::testing::faults
