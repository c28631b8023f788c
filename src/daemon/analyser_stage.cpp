#include "augur/daemon/analyser_stage.h"

#include <chrono>
#include <cstdio>
#include <set>

#include "augur/drift/baseline_codec.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/log/log.h"
#include "augur/store/records.h"

namespace augur::daemon {

namespace {

constexpr std::string_view kTypePrefix = "type:";
constexpr std::string_view kInstancePrefix = "instance:";

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

// Wall time appears only in records.
std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The wall time of a steady time point, for records.
std::int64_t unix_ms_at(SteadyTime t, const Clock& clock) {
  return unix_ms_now() -
         std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - t).count();
}

std::string feature_names(const std::vector<FeatureContribution>& top) {
  std::string out;
  for (const FeatureContribution& f : top) {
    if (!out.empty()) out += ",";
    out += f.feature < fingerprint::kFeatureCount
               ? std::string(fingerprint::feature_table()[f.feature].name)
               : std::to_string(f.feature);
  }
  return out;
}

}  // namespace

DriftAnalyserStage::DriftAnalyserStage(const config::Config& config, const Clock& clock,
                                       std::unique_ptr<store::Store> store,
                                       AnalyserStageOptions options)
    : clock_(clock),
      store_(std::move(store)),
      options_(options),
      analyzer_(
          drift::AnalyzerOptions{config.fingerprint, config.drift, config.drift.end_hold_ticks}),
      last_save_(clock.now()) {
  restore_baselines();
}

DriftAnalyserStage::~DriftAnalyserStage() {
  if (auto s = save_baselines(); !s) {
    log::error("baselines not saved at stop: {}", s.error().message());
  }
}

void DriftAnalyserStage::restore_baselines() {
  if (!store_) return;
  auto records = store_->baselines(fingerprint::kFeatureTableVersion);
  if (!records) {
    log::error("stored baselines unreadable, learning afresh: {}", records.error().message());
    return;
  }
  for (const store::BaselineRecord& r : *records) {
    // Only this host's own baselines; a fleet store shares type baselines differently.
    if (r.host_id != store_->host_id()) continue;
    auto baseline = drift::deserialize(r.payload);
    if (!baseline) {
      log::write(log::Level::kWarn, "stored baseline ignored: " + baseline.error().message(),
                 {{"BASELINE", r.key}});
      continue;
    }
    const std::string_view key = r.key;
    if (key.starts_with(kTypePrefix)) {
      analyzer_.baselines().put_type(std::string(key.substr(kTypePrefix.size())), *baseline);
    } else if (key.starts_with(kInstancePrefix)) {
      analyzer_.baselines().put_instance(std::string(key.substr(kInstancePrefix.size())),
                                         *baseline);
    } else {
      continue;
    }
    ++restored_;
  }
  if (restored_ > 0) log::info("restored {} baselines from the store", restored_);
}

Status DriftAnalyserStage::save_baselines() {
  if (!store_) return {};
  const std::int64_t now_ms = unix_ms_now();
  auto put = [&](std::string key, const drift::Baseline& b) -> Status {
    store::BaselineRecord r;
    r.host_id = store_->host_id();
    r.key = std::move(key);
    r.feature_table_version = b.feature_table_version;
    r.payload = drift::serialize(b);
    r.updated_unix_ms = now_ms;
    return store_->put_baseline(r);
  };
  for (const auto& [type, b] : analyzer_.baselines().types()) {
    if (auto s = put(std::string(kTypePrefix) + type, b); !s) return s;
  }
  for (const auto& [id, b] : analyzer_.baselines().instances()) {
    if (auto s = put(std::string(kInstancePrefix) + id, b); !s) return s;
  }
  return {};
}

std::vector<Plan> DriftAnalyserStage::analyse(const SampleBatch& batch, Mode) {
  if (batch.instances && batch.instances != instances_) refresh_instances(*batch.instances);
  for (const Sample& sample : batch.samples) {
    const drift::Analysis& a = analyzer_.analyze(sample);
    for (const drift::EpisodeEvent& e : a.events) report(a, e);
  }
  if (store_ && clock_.now() - last_save_ >= options_.save_interval) {
    last_save_ = clock_.now();
    if (auto s = save_baselines(); !s) {
      log::write(log::Level::kError, "baselines not saved: " + s.error().message(),
                 {{"PATH", s.error().where}});
    }
  }
  return {};
}

void DriftAnalyserStage::refresh_instances(const std::vector<Instance>& now) {
  std::set<std::string> present;
  for (const Instance& i : now) {
    present.insert(i.id);
    names_[i.id] = i.name;
    analyzer_.set_app_type(i.id, i.app_type);
  }
  for (auto it = names_.begin(); it != names_.end();) {
    if (present.count(it->first) == 0) {
      analyzer_.forget(it->first);
      it = names_.erase(it);
    } else {
      ++it;
    }
  }
  instances_ = std::make_shared<const std::vector<Instance>>(now);
}

void DriftAnalyserStage::report(const drift::Analysis& a, const drift::EpisodeEvent& e) {
  using Kind = drift::EpisodeEventKind;
  if (e.kind == Kind::kUpdated && !log::enabled(log::Level::kDebug)) return;
  const std::string top = feature_names(e.episode.top_features);
  const char* what = e.kind == Kind::kStarted ? "drift episode started"
                     : e.kind == Kind::kEnded ? "drift episode ended"
                                              : "drift episode peak";
  const auto it = names_.find(a.instance_id);
  const std::string name = it != names_.end() ? it->second : a.instance_id;
  log::write(e.kind == Kind::kUpdated ? log::Level::kDebug : log::Level::kInfo,
             std::string(what) + ": " + name + " (score " + number(a.score) + ", threshold " +
                 number(a.threshold) + ", top " + top + ")",
             {{"INSTANCE", name},
              {"INSTANCE_ID", a.instance_id},
              {"APP_TYPE", a.app_type},
              {"DRIFT_SCORE", number(a.score)},
              {"THRESHOLD", number(a.threshold)},
              {"PEAK_SCORE", number(e.episode.peak_score)},
              {"TOP_FEATURES", top}});
  if (e.kind != Kind::kEnded || !store_) return;
  store::EpisodeRecord r;
  r.host_id = store_->host_id();
  r.instance_id = a.instance_id;
  r.app_type = a.app_type;
  r.start_unix_ms = unix_ms_at(e.episode.start, clock_);
  if (e.episode.end) r.end_unix_ms = unix_ms_at(*e.episode.end, clock_);
  r.peak_score = e.episode.peak_score;
  r.feature_table_version = fingerprint::kFeatureTableVersion;
  r.direction = e.episode.direction;
  r.top_features = e.episode.top_features;
  if (auto id = store_->append_episode(r); !id) {
    log::write(log::Level::kError, "drift episode not recorded: " + id.error().message(),
               {{"INSTANCE_ID", a.instance_id}});
  }
}

}  // namespace augur::daemon
