// `augurctl sample`: the daemon's own discovery, sampling and drift analysis (the same
// drift::Analyzer at the same configuration), run in this process for N ticks. Baselines
// start empty here (the daemon's stored ones are not read), so with few ticks every
// instance is honestly still learning: no score, state "learning".
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "augur/config/compiler.h"
#include "augur/core/metric.h"
#include "augur/ctl/augurctl.h"
#include "augur/daemon/host_sampling.h"
#include "augur/drift/analyzer.h"
#include "augur/fingerprint/feature_table.h"
#include "commands.h"

namespace augur::ctl {

namespace {

using nlohmann::json;

// Contributions shown per instance.
constexpr std::size_t kTopFeatures = 3;

std::string_view feature_name(std::size_t feature) {
  return feature < fingerprint::kFeatureCount ? fingerprint::feature_table()[feature].name
                                              : std::string_view("?");
}

// "trusted" when a trusted, calibrated baseline judged this tick; else "learning".
const char* drift_state(const drift::Analysis& a) {
  return a.scored ? "trusted" : "learning";
}

json drift_json(const drift::Analysis& a, int min_baseline_windows) {
  json top = json::array();
  for (const FeatureContribution& f : a.top_features) {
    top.push_back(
        {{"name", std::string(feature_name(f.feature))}, {"contribution", f.contribution}});
  }
  const char* judged_by = a.scope == drift::BaselineScope::kInstance ? "instance"
                          : a.scope == drift::BaselineScope::kType   ? "type"
                                                                     : nullptr;
  return json{{"score", a.scored ? json(a.score) : json(nullptr)},
              {"threshold", a.scored ? json(a.threshold) : json(nullptr)},
              {"state", drift_state(a)},
              {"top_features", top},
              {"baseline", judged_by ? json(judged_by) : json(nullptr)},
              {"baseline_windows", a.instance_baseline.windows},
              {"trusted_after_windows", min_baseline_windows},
              {"in_episode", a.in_episode}};
}

std::string drift_cell(const drift::Analysis& a, double v) {
  if (!a.scored) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

std::string top_cell(const drift::Analysis& a) {
  std::string out;
  for (const FeatureContribution& f : a.top_features) {
    if (!out.empty()) out += ",";
    out += feature_name(f.feature);
  }
  return out.empty() ? "-" : out;
}

json sample_json(const Sample& s, const Instance* instance, std::uint64_t tick) {
  json metrics = json::object();
  json missing = json::object();
  for (const auto& info : metric_table()) {
    if (s.has(info.metric) && std::isfinite(s.get(info.metric))) {
      metrics[std::string(info.name)] = s.get(info.metric);
    } else {
      metrics[std::string(info.name)] = nullptr;
    }
  }
  for (const auto& [m, reason] : s.missing_reasons) missing[std::string(metric_name(m))] = reason;
  json allocation = json::object();
  for (Resource r : kAllResources) {
    allocation[std::string(resource_name(r))] =
        s.allocation.known(r) ? json(s.allocation[r]) : json(nullptr);
  }
  return json{{"tick", tick},
              {"instance_id", s.instance_id},
              {"name", instance ? instance->name : ""},
              {"type", instance ? instance->app_type : ""},
              {"elapsed_s", std::chrono::duration<double>(s.elapsed).count()},
              {"metrics", metrics},
              {"missing", missing},
              {"vcpu_utilisation", s.vcpu_utilisation},
              {"allocation", allocation}};
}

std::string cell(const Sample& s, Metric m, double scale, const char* format) {
  if (!s.has(m) || !std::isfinite(s.get(m))) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, s.get(m) * scale);
  return buf;
}

}  // namespace

int run_sample(const SampleOptions& options) {
  auto loaded = config::load_config_file(options.config_path);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 78;
  }
  SteadyClock clock;
  // One-shot: the first discovery may take the time a libvirt connection needs to open.
  auto sampling = daemon::HostSampling::create(*loaded, clock, std::chrono::seconds(5));
  if (!sampling) {
    std::fprintf(stderr, "augurctl: %s\n", sampling.error().message().c_str());
    return kExitSoftware;
  }
  const auto interval =
      std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(options.interval_s));
  drift::AnalyzerOptions analyzer_options{loaded->fingerprint, loaded->drift,
                                          loaded->drift.end_hold_ticks};
  analyzer_options.top_features = kTopFeatures;
  drift::Analyzer analyzer(analyzer_options);
  if (!options.json) {
    std::printf("%-5s %-24s %-12s %8s %8s %10s %10s %10s %10s %8s %6s %6s %-8s %s\n", "TICK",
                "INSTANCE", "TYPE", "CPU", "TASKCLK", "MEM_MiB", "DISK_R/s", "DISK_W/s", "CTXSW/s",
                "THROTL", "DRIFT", "THRESH", "BASELINE", "TOP_FEATURES");
  }
  // The first tick primes the counters; N more give N rows per instance.
  SteadyTime next = clock.now();
  for (int tick = 0; tick <= options.ticks; ++tick) {
    daemon::HostSamplingTick t = (*sampling)->tick(clock.now());
    for (const auto& n : t.discovery_notices) {
      if (n.severity >= sampling::SamplerNotice::Severity::kWarning) {
        std::fprintf(stderr, "augurctl: %s\n", n.message.c_str());
      }
    }
    for (const auto& n : t.sampler.notices) {
      if (n.severity >= sampling::SamplerNotice::Severity::kWarning) {
        std::fprintf(stderr, "augurctl: %s\n", n.message.c_str());
      }
    }
    std::map<std::string, const Instance*> by_id;
    if (t.instances) {  // null until discovery has answered
      for (const Instance& i : *t.instances) {
        by_id[i.id] = &i;
        analyzer.set_app_type(i.id, i.app_type);
      }
    }
    for (const Sample& s : t.sampler.samples) {
      const auto it = by_id.find(s.instance_id);
      const Instance* instance = it == by_id.end() ? nullptr : it->second;
      const drift::Analysis& a = analyzer.analyze(s);
      if (options.json) {
        json row = sample_json(s, instance, static_cast<std::uint64_t>(tick));
        row["drift"] = drift_json(a, loaded->drift.min_baseline_windows);
        std::printf("%s\n", row.dump().c_str());
        continue;
      }
      const std::string name = instance ? instance->name : s.instance_id;
      std::printf(
          "%-5d %-24.24s %-12.12s %8s %8s %10s %10s %10s %10s %8s %6s %6s %-8s %s\n", tick,
          name.c_str(), instance && !instance->app_type.empty() ? instance->app_type.c_str() : "-",
          cell(s, Metric::kCpuUsageCores, 1, "%.3f").c_str(),
          cell(s, Metric::kTaskClockCores, 1, "%.3f").c_str(),
          cell(s, Metric::kMemoryBytes, 1.0 / (1 << 20), "%.1f").c_str(),
          cell(s, Metric::kDiskReadBytes, 1, "%.0f").c_str(),
          cell(s, Metric::kDiskWriteBytes, 1, "%.0f").c_str(),
          cell(s, Metric::kContextSwitches, 1, "%.0f").c_str(),
          cell(s, Metric::kCpuThrottledShare, 1, "%.3f").c_str(), drift_cell(a, a.score).c_str(),
          drift_cell(a, a.threshold).c_str(), drift_state(a), top_cell(a).c_str());
    }
    std::fflush(stdout);
    if (tick == options.ticks) break;
    next += interval;
    std::this_thread::sleep_until(next);
  }
  return 0;
}

}  // namespace augur::ctl
