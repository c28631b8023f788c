#include "augur/daemon/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "augur/config/compiler.h"
#include "augur/daemon/control_protocol.h"
#include "augur/daemon/control_server.h"
#include "augur/daemon/instance_lock.h"
#include "augur/daemon/pipeline.h"
#include "augur/daemon/service_notifier.h"
#include "augur/daemon/signal_watcher.h"
#include "augur/host/file_permissions.h"
#include "augur/log/log.h"
#include "augur/metrics/augur_families.h"
#include "augur/metrics/server.h"
#include "augur/version.h"
#include "metrics_publisher.h"
#include "stages.h"

namespace augur::daemon {

using namespace std::chrono_literals;

namespace {

// How often STATUS= is refreshed for `systemctl status` when nothing else wakes us.
constexpr auto kStatusInterval = 10s;

void print_diagnostics(const std::vector<config::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

void log_diagnostics(const std::vector<config::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    log::write(log::Level::kError, d.to_string(),
               {{"CONFIG_FILE", d.file}, {"CONFIG_LINE", std::to_string(d.line)}});
  }
}

log::Options log_options(const config::Config& cfg, const CommandLine& cl) {
  log::Options o;
  auto level = log::parse_level(cl.log_level.value_or(cfg.log.level));
  o.level = level ? *level : log::Level::kInfo;
  switch (cfg.log.target) {
    case config::LogTarget::kJournal: o.target = log::Target::kJournal; break;
    case config::LogTarget::kStderr: o.target = log::Target::kStderr; break;
    case config::LogTarget::kAuto:
      o.target = log::stderr_is_journal() ? log::Target::kJournal : log::Target::kStderr;
      break;
  }
  return o;
}

Status make_directory(const std::string& path, mode_t mode) {
  // mkdir -p, one component at a time; an existing directory is fine.
  for (std::size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return errno_error("cannot create directory", prefix);
    }
  }
  return {};
}

// A config file others can write could steer a root daemon: refused before it is read.
Status check_config_file(const std::string& path) {
  // A missing file is reported by the loader, with the other config diagnostics.
  return host::check_not_writable_by_others("config file", path, ::geteuid(),
                                            host::IfMissing::kAllow);
}

// The configuration as a reload reads it: a file others can write is rejected like an
// invalid one.
config::CompileResult load_reloaded_config(const std::string& path) {
  if (auto s = check_config_file(path); !s) {
    return Unexpected{std::vector<config::Diagnostic>{{path, 0, 0, s.error().message()}}};
  }
  return config::load_config_file(path);
}

// The state directory and the SQLite store (what augurd has learned) follow the same rule.
Status check_state_files(const config::Config& cfg) {
  if (auto s =
          host::check_not_writable_by_others("state directory", cfg.daemon.state_dir, ::geteuid());
      !s) {
    return s;
  }
  if (cfg.store.backend != "sqlite") return {};
  const std::string store =
      cfg.store.path.empty() ? cfg.daemon.state_dir + "/augur.db" : cfg.store.path;
  // The first start creates it.
  return host::check_not_writable_by_others("store file", store, ::geteuid(),
                                            host::IfMissing::kAllow);
}

std::string status_line(const Pipeline& pipeline) {
  const PipelineCounters c = pipeline.counters();
  char buf[256];
  std::snprintf(
      buf, sizeof(buf), "mode=%s ticks=%llu samples=%llu last_tick=%.2fms missed=%llu dropped=%llu",
      std::string(mode_name(pipeline.mode())).c_str(), static_cast<unsigned long long>(c.ticks),
      static_cast<unsigned long long>(c.samples),
      std::chrono::duration<double, std::milli>(c.last_tick_duration).count(),
      static_cast<unsigned long long>(c.missed_ticks),
      static_cast<unsigned long long>(c.sample_queue_drops) + c.plan_queue_drops);
  return buf;
}

// Settings a reload cannot change: they are bound at start (directories, sockets, store, the
// sources and stages built from them). A reload applies the mode, the log, sampling.interval,
// daemon.restore_on_shutdown and the plan section.
void warn_restart_only_changes(const config::Config& old_cfg, const config::Config& new_cfg) {
  auto warn = [](const char* key) {
    log::write(log::Level::kWarn, std::string(key) + " changed: takes effect at restart",
               {{"CONFIG_KEY", key}});
  };
  if (old_cfg.daemon.runtime_dir != new_cfg.daemon.runtime_dir) warn("daemon.runtime_dir");
  if (old_cfg.daemon.state_dir != new_cfg.daemon.state_dir) warn("daemon.state_dir");
  if (old_cfg.daemon.queue_capacity != new_cfg.daemon.queue_capacity) warn("daemon.queue_capacity");
  if (old_cfg.daemon.host_id != new_cfg.daemon.host_id) warn("daemon.host_id");
  if (old_cfg.discovery != new_cfg.discovery) warn("discovery");
  config::SamplingSection sampling = new_cfg.sampling;
  sampling.interval = old_cfg.sampling.interval;  // applied by the reload
  if (old_cfg.sampling != sampling) warn("sampling (other than interval)");
  if (old_cfg.fingerprint != new_cfg.fingerprint) warn("fingerprint");
  if (old_cfg.drift != new_cfg.drift) warn("drift");
  if (old_cfg.predict != new_cfg.predict) warn("predict");
  if (old_cfg.store.backend != new_cfg.store.backend || old_cfg.store.path != new_cfg.store.path) {
    warn("store");
  }
  if (old_cfg.store.retention != new_cfg.store.retention) warn("store.retention");
  if (old_cfg.control != new_cfg.control) warn("control");
  if (old_cfg.metrics.address != new_cfg.metrics.address) warn("metrics.address");
  if (old_cfg.metrics.enabled != new_cfg.metrics.enabled) warn("metrics.enabled");
}

// The control protocol's view of the running daemon.
class DaemonControl final : public ControlApi {
 public:
  DaemonControl(Pipeline& pipeline, const Clock& clock, std::string config_file, DaemonView& view)
      : pipeline_(pipeline),
        clock_(clock),
        started_(clock.now()),
        config_file_(std::move(config_file)),
        view_(view) {}
  DaemonStatus status() override {
    DaemonStatus s;
    s.version = kVersion;
    s.config_file = config_file_;
    s.mode = pipeline_.mode();
    s.uptime_s = std::chrono::duration<double>(clock_.now() - started_).count();
    s.counters = pipeline_.counters();
    return s;
  }
  void set_mode(Mode mode) override { pipeline_.set_mode(mode); }
  DaemonView* view() override { return &view_; }
  // Validates here so the caller hears about errors; the main thread reloads on SIGHUP.
  Status reload() override {
    auto fresh = load_reloaded_config(config_file_);
    if (!fresh) {
      std::string text;
      for (const config::Diagnostic& d : fresh.error()) {
        if (!text.empty()) text += "; ";
        text += d.to_string();
      }
      return Unexpected{Error{"invalid configuration: " + text, config_file_, 0}};
    }
    if (::kill(::getpid(), SIGHUP) != 0) return Unexpected{errno_error("cannot signal", "self")};
    return {};
  }

 private:
  Pipeline& pipeline_;
  const Clock& clock_;
  SteadyTime started_;
  std::string config_file_;
  DaemonView& view_;
};

std::unique_ptr<ControlServer> start_control_server(const config::Config& cfg, ControlApi& api) {
  if (!cfg.control.enabled) return nullptr;
  ControlServerOptions o;
  o.socket_path = cfg.control.socket_path.empty() ? cfg.daemon.runtime_dir + "/augur.sock"
                                                  : cfg.control.socket_path;
  o.group = cfg.control.group;
  o.max_request_bytes = cfg.control.max_request_bytes;
  o.max_requests_per_second = cfg.control.max_requests_per_second;
  auto server = ControlServer::start(o, [&api](std::string_view line, const PeerCredentials& peer) {
    return handle_control_request(line, peer, api);
  });
  if (!server) {
    // The control loop matters more than the control socket: run on without it.
    log::write(log::Level::kError, "control socket unavailable: " + server.error().message(),
               {{"PATH", o.socket_path}});
    return nullptr;
  }
  log::debug("control socket listening on {}", o.socket_path);
  return std::move(server).value();
}

// The /metrics endpoint. Like the control socket, it is worth less than the control loop: a
// port in use is logged and the daemon runs on without it.
std::unique_ptr<metrics::MetricsServer> start_metrics_server(
    const config::Config& cfg, const metrics::MetricsRegistry& registry) {
  if (!cfg.metrics.enabled) return nullptr;
  metrics::MetricsServerOptions o;
  o.address = cfg.metrics.address;
  auto server = metrics::MetricsServer::start(o, registry);
  if (!server) {
    log::write(log::Level::kError, "metrics endpoint unavailable: " + server.error().message(),
               {{"ADDRESS", o.address}});
    return nullptr;
  }
  log::write(log::Level::kInfo,
             "metrics endpoint listening on " + metrics::format_address((*server)->bound()),
             {{"ADDRESS", metrics::format_address((*server)->bound())}});
  return std::move(server).value();
}

}  // namespace

int run_augurd(int argc, const char* const* argv) {
  auto parsed = parse_command_line(argc, argv);
  if (!parsed) return parsed.error().code;
  const CommandLine cl = *parsed;
  if (cl.print_version) {
    std::printf("augurd %s\n", kVersion);
    return kExitOk;
  }
  if (cl.log_level && !log::parse_level(*cl.log_level)) {
    std::fprintf(stderr, "augurd: %s\n", log::parse_level(*cl.log_level).error().message().c_str());
    return kExitUsage;
  }

  if (!cl.check_config) {
    if (auto s = check_config_file(cl.config_path); !s) {
      std::fprintf(stderr, "augurd: refusing to start: %s\n", s.error().message().c_str());
      return kExitNoPerm;
    }
  }
  auto loaded = config::load_config_file(cl.config_path);
  if (!loaded) {
    print_diagnostics(loaded.error());
    return kExitConfig;
  }
  if (cl.check_config) {
    std::printf("%s: configuration is valid\n", cl.config_path.c_str());
    return kExitOk;
  }
  config::Config cfg = std::move(loaded).value();
  log::init(log_options(cfg, cl));

  if (auto s = make_directory(cfg.daemon.runtime_dir, 0755); !s) {
    log::error("{}", s.error().message());
    return kExitCantCreate;
  }
  if (auto s = make_directory(cfg.daemon.state_dir, 0750); !s) {
    log::error("{}", s.error().message());
    return kExitCantCreate;
  }
  if (auto s = check_state_files(cfg); !s) {
    log::error("refusing to start: {}", s.error().message());
    return kExitNoPerm;
  }
  auto lock = InstanceLock::acquire(cfg.daemon.runtime_dir);
  if (!lock) {
    log::error("{}", lock.error().message());
    std::fprintf(stderr, "augurd: %s\n", lock.error().message().c_str());
    return kExitTempFail;
  }

  // Before any thread starts, so every thread inherits the blocked mask.
  auto signals = SignalWatcher::create();
  if (!signals) {
    log::error("{}", signals.error().message());
    return kExitOsError;
  }

  SteadyClock clock;
  DaemonView view;
  Stages stages = build_stages(cfg, clock, view);
  // Metrics: the registry outlives the sampler wrapper, the pipeline and the server.
  metrics::MetricsRegistry metrics_registry;
  if (auto s = metrics::define_augur_families(metrics_registry, kVersion); !s) {
    log::error("metrics: {}", s.error().message());
  }
  MeteredSamplerStage metered_sampler(*stages.sampler, clock, metrics_registry);
  SamplerStage& sampler = cfg.metrics.enabled ? metered_sampler : *stages.sampler;
  MetricsPublisher metrics_publisher(metrics_registry);
  PipelineOptions options;
  options.tick_interval = cfg.sampling.interval;
  options.queue_capacity = cfg.daemon.queue_capacity;
  options.mode = cfg.daemon.mode;
  Pipeline pipeline(options, clock, sampler, *stages.analyser, *stages.actuator);
  pipeline.start();
  DaemonControl control(pipeline, clock, cl.config_path, view);
  std::unique_ptr<ControlServer> control_server = start_control_server(cfg, control);
  std::unique_ptr<metrics::MetricsServer> metrics_server =
      start_metrics_server(cfg, metrics_registry);

  ServiceNotifier notifier;
  notifier.ready();
  log::write(log::Level::kInfo,
             "augurd " + std::string(kVersion) + " started in " +
                 std::string(mode_name(cfg.daemon.mode)) + " mode",
             {{"CONFIG_FILE", cfg.source_file}, {"MODE", std::string(mode_name(cfg.daemon.mode))}});

  // The main thread wakes for signals, the watchdog (at half its timeout) and STATUS=.
  std::chrono::milliseconds wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(kStatusInterval);
  if (auto wd = notifier.watchdog_timeout()) {
    wait = std::max(std::chrono::milliseconds(1),
                    std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*wd / 2)));
  }
  // The metrics are published once per sampling interval (as configured at start).
  if (metrics_server) wait = std::min(wait, cfg.sampling.interval);
  SteadyTime last_status{};
  for (;;) {
    auto event = signals->wait(wait);
    if (!event) {
      log::error("{}", event.error().message());
      break;
    }
    if (*event == SignalEvent::kStop) break;
    if (metrics_server) {
      if (auto s = metrics_publisher.publish(pipeline.counters(), view); !s) {
        log::error("metrics not published: {}", s.error().message());
      }
    }
    if (*event == SignalEvent::kReload) {
      notifier.reloading();
      auto fresh = load_reloaded_config(cl.config_path);
      if (!fresh) {
        log::write(log::Level::kError,
                   "reload rejected: the new configuration is invalid; keeping the running one",
                   {{"CONFIG_FILE", cl.config_path}});
        log_diagnostics(fresh.error());
        notifier.status("reload rejected: invalid configuration (see the journal)");
      } else {
        warn_restart_only_changes(cfg, *fresh);
        cfg = std::move(fresh).value();
        log::init(log_options(cfg, cl));
        pipeline.set_mode(cfg.daemon.mode);
        pipeline.set_restore_on_stop(cfg.daemon.restore_on_shutdown);
        pipeline.set_tick_interval(cfg.sampling.interval);
        pipeline.set_plan(cfg.plan);
        log::write(
            log::Level::kInfo, "configuration reloaded",
            {{"CONFIG_FILE", cfg.source_file}, {"MODE", std::string(mode_name(cfg.daemon.mode))}});
      }
      notifier.ready();
    }
    const SteadyTime now = clock.now();
    // Ping only while the sampler keeps its tick: a wedged loop must be restarted by systemd.
    if (notifier.watchdog_timeout() && pipeline.healthy(now)) notifier.watchdog();
    if (now - last_status >= kStatusInterval) {
      notifier.status(status_line(pipeline));
      last_status = now;
    }
  }

  notifier.stopping();
  log::info("stopping");
  control_server.reset();
  metrics_server.reset();
  pipeline.stop();
  log::info("stopped: {}", status_line(pipeline));
  return kExitOk;
}

}  // namespace augur::daemon
