#include "stages.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "augur/daemon/analyser_stage.h"
#include "augur/daemon/host_identity.h"
#include "augur/daemon/host_sampling.h"
#include "augur/log/log.h"
#include "augur/log/rate_limited.h"
#include "augur/store/sqlite_store.h"

namespace augur::daemon {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

log::Level level_of(sampling::SamplerNotice::Severity s) {
  switch (s) {
    case sampling::SamplerNotice::Severity::kDebug: return log::Level::kDebug;
    case sampling::SamplerNotice::Severity::kInfo: return log::Level::kInfo;
    case sampling::SamplerNotice::Severity::kWarning: return log::Level::kWarn;
    case sampling::SamplerNotice::Severity::kError: return log::Level::kError;
  }
  return log::Level::kInfo;
}

// The sampler thread's stage: discovery when due, then one Sample per instance.
class HostSamplerStage final : public SamplerStage {
 public:
  explicit HostSamplerStage(std::unique_ptr<HostSampling> sampling)
      : sampling_(std::move(sampling)) {}

  void sample(SteadyTime now, SampleBatch& batch) override {
    HostSamplingTick t = sampling_->tick(now);
    report(t.discovery_notices, now);
    report(t.sampler.notices, now);
    batch.samples = std::move(t.sampler.samples);
    batch.instances = std::move(t.instances);
    batch.host_utilisation = t.sampler.host_utilisation;
  }

 private:
  void report(const std::vector<sampling::SamplerNotice>& notices, SteadyTime now) {
    for (const auto& n : notices) {
      const log::Level level = level_of(n.severity);
      // Errors repeat every tick while a source is down: once, then once per window.
      std::uint64_t suppressed = 0;
      if (level >= log::Level::kWarn && !limiter_.allow(n.key, now, &suppressed)) continue;
      std::string message = n.message;
      if (suppressed > 0) message += " (" + std::to_string(suppressed) + " similar suppressed)";
      log::write(level, message, {{"INSTANCE_ID", n.instance_id}});
    }
  }
  std::unique_ptr<HostSampling> sampling_;
  log::RateLimiter limiter_;
};

// Used when sampling cannot start (e.g. no cgroup layout): the daemon keeps its lifecycle
// and control socket, and says why it sees nothing.
class NoSamplingStage final : public SamplerStage {
 public:
  void sample(SteadyTime, SampleBatch&) override {}
};

// Observe and advise record what would change; enforce needs the backends of the actuation
// stage, which refuse until they exist, so nothing is ever written blindly.
class RecordingActuator final : public ActuatorStage {
 public:
  void apply(const Plan& plan, Mode mode) override {
    for (const Change& c : plan.changes) {
      log::write(log::Level::kInfo,
                 mode == Mode::kEnforce ? "change not applied: no actuation backend"
                                        : "would change allocation",
                 {{"INSTANCE_ID", c.instance_id},
                  {"RESOURCE", std::string(resource_name(c.resource))},
                  {"OLD_VALUE", number(c.old_value)},
                  {"NEW_VALUE", number(c.new_value)},
                  {"MODE", std::string(mode_name(mode))},
                  {"REASON", c.reason}});
    }
  }
};

// The embedded store; without it the daemon runs on, relearning after each restart.
std::unique_ptr<store::Store> open_store(const config::Config& config) {
  if (config.store.backend != "sqlite") {
    log::error("store backend '{}' is not available in this build; running without a store",
               config.store.backend);
    return nullptr;
  }
  store::SqliteStoreOptions o;
  o.path = config.store.path.empty() ? config.daemon.state_dir + "/augur.db" : config.store.path;
  o.host_id = host_identity(config.daemon.host_id);
  auto opened = store::open_sqlite_store(o);
  if (!opened) {
    log::write(log::Level::kError,
               "store unavailable, running without it: " + opened.error().message(),
               {{"PATH", o.path}});
    return nullptr;
  }
  if (const std::string notice = opened->notice(); !notice.empty()) {
    log::write(opened->moved_aside ? log::Level::kWarn : log::Level::kInfo, notice,
               {{"PATH", o.path}});
  }
  return std::move(opened->store);
}

}  // namespace

Stages build_stages(const config::Config& config, const Clock& clock) {
  Stages s;
  auto sampling = HostSampling::create(config, clock);
  if (sampling) {
    s.sampler = std::make_unique<HostSamplerStage>(std::move(sampling).value());
  } else {
    log::write(log::Level::kError, "sampling unavailable: " + sampling.error().message(),
               {{"CONFIG_FILE", config.source_file}});
    s.sampler = std::make_unique<NoSamplingStage>();
  }
  s.analyser = std::make_unique<DriftAnalyserStage>(config, clock, open_store(config));
  s.actuator = std::make_unique<RecordingActuator>();
  return s;
}

}  // namespace augur::daemon
