#include "stages.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "actuator_stage.h"
#include "augur/daemon/analyser_stage.h"
#include "augur/daemon/host_identity.h"
#include "augur/daemon/host_sampling.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/log/log.h"
#include "augur/log/rate_limited.h"
#include "augur/store/fleet_store.h"
#include "augur/store/postgres_store.h"
#include "augur/store/sqlite_store.h"

namespace augur::daemon {

namespace {

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
    for (const auto* notices : {&t.discovery_notices, &t.sampler.notices}) {
      for (const auto& n : *notices) {
        batch.warning_notices += n.severity == sampling::SamplerNotice::Severity::kWarning ? 1 : 0;
        batch.error_notices += n.severity == sampling::SamplerNotice::Severity::kError ? 1 : 0;
      }
      report(*notices, now);
    }
    batch.samples = std::move(t.sampler.samples);
    batch.instances = std::move(t.instances);
    batch.host_utilisation = t.sampler.host_utilisation;
    batch.host_capacity = sampling_->sampler().host_capacity().capacity;
  }

 private:
  void report(const std::vector<sampling::SamplerNotice>& notices, SteadyTime now) {
    for (const auto& n : notices) {
      const log::Level level = level_of(n.severity);
      if (n.resolved) limiter_.clear(n.key);  // the next outage is reported at once
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

void log_store_notice(const store::OpenedStore& opened, const std::string& path) {
  const std::string notice = opened.notice();
  if (notice.empty()) return;
  log::write(opened.moved_aside ? log::Level::kWarn : log::Level::kInfo, notice, {{"PATH", path}});
}

// A fleet: the host's SQLite file serves every call and queues writes for the shared
// PostgreSQL store, which a sync thread reaches (fleet_store.h). A down database delays
// nothing here; its state changes are logged once each.
std::unique_ptr<store::Store> open_fleet_store(const config::Config& config,
                                               store::SqliteStoreOptions local) {
  store::FleetStoreOptions o;
  o.local = std::move(local);
  o.feature_table_version = fingerprint::kFeatureTableVersion;
  o.refresh_interval = config.store.cache_refresh;
  const std::string conninfo = config.store.postgres_conninfo;
  const std::string host = o.local.host_id;
  const std::string server = store::redact_conninfo(conninfo);
  o.connect = [conninfo, host]() -> Result<std::unique_ptr<store::Store>> {
    store::PostgresStoreOptions pg;
    pg.conninfo = conninfo;
    pg.host_id = host;
    return store::open_postgres_store(pg);
  };
  o.on_event = [server](const store::FleetEvent& e) {
    using Kind = store::FleetEvent::Kind;
    const log::Level level = e.kind == Kind::kDisconnected ? log::Level::kError
                             : e.kind == Kind::kSkipped    ? log::Level::kWarn
                                                           : log::Level::kInfo;
    std::string message = e.message;
    if (e.kind == Kind::kDrained) message += ": " + std::to_string(e.count) + " records sent";
    log::write(level, message, {{"STORE_SERVER", server}});
  };
  const std::string path = o.local.path;
  store::OpenedStore local_file;
  auto opened = store::FleetStore::open(std::move(o), &local_file);
  if (!opened) {
    log::write(log::Level::kError,
               "store unavailable, running without it: " + opened.error().message(),
               {{"PATH", path}});
    return nullptr;
  }
  log_store_notice(local_file, path);
  log::info("fleet store: local cache and outbox {}, shared store {}", path, server);
  return std::move(*opened);
}

// The embedded store (and, for a fleet, the shared one behind it); without a store the
// daemon runs on, relearning after each restart.
std::unique_ptr<store::Store> open_store(const config::Config& config) {
  store::SqliteStoreOptions o;
  o.path = config.store.path.empty() ? config.daemon.state_dir + "/augur.db" : config.store.path;
  o.host_id = host_identity(config.daemon.host_id);
  if (config.store.backend == "postgresql") return open_fleet_store(config, std::move(o));
  auto opened = store::open_sqlite_store(o);
  if (!opened) {
    log::write(log::Level::kError,
               "store unavailable, running without it: " + opened.error().message(),
               {{"PATH", o.path}});
    return nullptr;
  }
  log_store_notice(*opened, o.path);
  return std::move(opened->store);
}

}  // namespace

Stages build_stages(const config::Config& config, const Clock& clock, DaemonView& view) {
  Stages s;
  auto sampling = HostSampling::create(config, clock);
  if (sampling) {
    s.sampler = std::make_unique<HostSamplerStage>(std::move(sampling).value());
  } else {
    log::write(log::Level::kError, "sampling unavailable: " + sampling.error().message(),
               {{"CONFIG_FILE", config.source_file}});
    s.sampler = std::make_unique<NoSamplingStage>();
  }
  // One store for both threads (its calls are serialised inside): the analyser's baselines,
  // episodes and patterns, the actuator's audit trail of applied changes.
  std::shared_ptr<store::Store> store = open_store(config);
  s.analyser =
      std::make_unique<DecisionAnalyserStage>(config, clock, store, AnalyserStageOptions{}, &view);
  s.actuator = std::make_unique<BackendActuatorStage>(config, clock, &view,
                                                      config.daemon.restore_on_shutdown, store);
  return s;
}

}  // namespace augur::daemon
