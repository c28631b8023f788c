#include "augur/daemon/analyser_stage.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "augur/daemon/fleet_baselines.h"
#include "augur/drift/baseline_codec.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/log/log.h"
#include "augur/predict/pattern_record.h"
#include "augur/store/fleet_store.h"
#include "augur/store/records.h"

namespace augur::daemon {

namespace {

constexpr std::string_view kTypePrefix = store::kTypeKeyPrefix;
constexpr std::string_view kInstancePrefix = store::kInstanceKeyPrefix;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

std::string resources(const ResourceVector& v) {
  std::string out;
  for (Resource r : kAllResources) {
    if (!v.known(r)) continue;
    if (!out.empty()) out += " ";
    out += std::string(resource_name(r)) + "=" + number(v[r]);
  }
  return out.empty() ? "none" : out;
}

// Wall time appears only in records (and the retention cutoffs compared with them).
std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t milliseconds_of(std::chrono::hours h) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(h).count();
}

// A retention period as the configuration spells it: "14d", "36h".
std::string period(std::chrono::hours h) {
  return h.count() % 24 == 0 ? std::to_string(h.count() / 24) + "d"
                             : std::to_string(h.count()) + "h";
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

std::string neighbour_list(const Prediction& p) {
  std::string out;
  for (const Neighbour& n : p.neighbours) {
    if (!out.empty()) out += ";";
    out += n.instance_id + "@" + std::to_string(n.recorded_unix_ms) + " d=" + number(n.distance);
  }
  return out;
}

}  // namespace

DecisionAnalyserStage::DecisionAnalyserStage(const config::Config& config, const Clock& clock,
                                             std::shared_ptr<store::Store> store,
                                             AnalyserStageOptions options, DaemonView* view)
    : clock_(clock),
      store_(std::move(store)),
      options_(std::move(options)),
      engine_(engine::engine_options(config, store_ ? store_->host_id() : std::string("local"))),
      last_save_(clock.now()),
      last_score_log_(clock.now()),
      last_fleet_refresh_(clock.now()),
      retention_(config.store.retention),
      next_retention_(clock.now() + options_.retention_first),
      view_(view) {
  fleet_store_ = dynamic_cast<const store::FleetStore*>(store_.get());
  if (options_.fleet_refresh_interval == Nanos{0} && config.store.backend == "postgresql") {
    options_.fleet_refresh_interval = config.store.cache_refresh;
  }
  restore_baselines();
  restore_patterns();
}

DecisionAnalyserStage::~DecisionAnalyserStage() {
  if (auto s = save_baselines(); !s) {
    log::error("baselines not saved at stop: {}", s.error().message());
  }
  if (!store_) return;
  pending_.retry(*store_);  // a last try for what a full disk held back
  if (pending_.waiting() > 0) {
    log::error(
        "analyser: {} records (patterns, labels, episodes) not written at stop: the store "
        "still refuses them",
        pending_.waiting());
  }
}

void DecisionAnalyserStage::restore_baselines() {
  if (!store_) return;
  auto records = store_->baselines(fingerprint::kFeatureTableVersion);
  if (!records) {
    log::error("stored baselines unreadable, learning afresh: {}", records.error().message());
    return;
  }
  drift::BaselineSet& set = engine_.analyzer().baselines();
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
      set.put_type(std::string(key.substr(kTypePrefix.size())), *baseline);
    } else if (key.starts_with(kInstancePrefix)) {
      std::string id(key.substr(kInstancePrefix.size()));
      set.put_instance(id, *baseline);
      restored_unseen_.insert(std::move(id));
    } else {
      continue;
    }
    ++restored_;
  }
  if (restored_ > 0) log::info("restored {} baselines from the store", restored_);
  if (options_.fleet_refresh_interval > Nanos{0}) apply_fleet_types(*records);
}

// Other hosts' type baselines (mirrored into this host's store by the fleet layer) become
// the fleet views that judge and seed by type.
void DecisionAnalyserStage::apply_fleet_types(const std::vector<store::BaselineRecord>& records) {
  FleetTypeBaselines fleet = merge_fleet_types(records, store_->host_id());
  for (const Error& e : fleet.errors) {
    log::write(log::Level::kWarn, "fleet baseline ignored: " + e.message(), {});
  }
  drift::BaselineSet& set = engine_.analyzer().baselines();
  const std::size_t types = fleet.merged.size();
  for (auto& [type, merged] : fleet.merged) set.set_fleet_type(type, std::move(merged));
  set.refresh_fleet_views();
  if (fleet.contributions != fleet_contributions_) {
    fleet_contributions_ = fleet.contributions;
    log::info("fleet type baselines: {} contributions of other hosts over {} types",
              fleet.contributions, types);
  }
}

void DecisionAnalyserStage::restore_patterns() {
  if (!store_) return;
  const std::size_t max = engine_.predictor().size() + 1'000'000;
  std::vector<predict::Pattern> patterns;
  const SteadyTime steady_now = clock_.now();
  const std::int64_t unix_now = unix_ms();
  for (bool labelled : {true, false}) {
    auto records = labelled ? store_->labelled_patterns(max) : store_->unlabelled_patterns(max);
    if (!records) {
      log::error("stored patterns unreadable, history starts empty: {}", records.error().message());
      return;
    }
    for (const store::PatternRecord& r : *records) {
      if (r.feature_table_version != fingerprint::kFeatureTableVersion) continue;
      if (r.host_id != store_->host_id()) fleet_pattern_ids_.insert(r.record_id);
      auto p = predict::from_record(r, steady_now, unix_now);
      if (!p) {
        log::write(log::Level::kWarn, "stored pattern ignored: " + p.error().message(),
                   {{"PATTERN", r.record_id}});
        continue;
      }
      patterns.push_back(std::move(*p));
    }
  }
  const std::size_t total = patterns.size();
  const std::vector<Error> errors = engine_.restore_patterns(std::move(patterns));
  for (const Error& e : errors) {
    log::write(log::Level::kWarn, "stored pattern not restored: " + e.message(), {});
  }
  restored_patterns_ = total - errors.size();
  if (restored_patterns_ > 0) {
    log::info("restored {} patterns ({} in the history) from the store", restored_patterns_,
              engine_.predictor().size());
  }
}

store::BaselineRecord DecisionAnalyserStage::baseline_record(std::string key,
                                                             const drift::Baseline& b,
                                                             std::int64_t unix_ms) const {
  store::BaselineRecord r;
  r.host_id = store_->host_id();
  r.key = std::move(key);
  r.feature_table_version = b.feature_table_version;
  r.payload = drift::serialize(b);
  r.updated_unix_ms = unix_ms;
  return r;
}

std::int64_t DecisionAnalyserStage::unix_ms() const {
  return options_.unix_ms ? options_.unix_ms() : system_unix_ms();
}

// The wall time of a steady time point, for records.
std::int64_t DecisionAnalyserStage::unix_ms_at(SteadyTime t) const {
  return unix_ms() -
         std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - t).count();
}

Status DecisionAnalyserStage::save_baselines() {
  return save_baselines_at(unix_ms());
}

Status DecisionAnalyserStage::save_baselines_at(std::int64_t now_ms) {
  if (!store_) return {};
  auto put = [&](std::string key, const drift::Baseline& b) -> Status {
    return store_->put_baseline(baseline_record(std::move(key), b, now_ms));
  };
  const drift::BaselineSet& set = engine_.analyzer().baselines();
  for (const auto& [type, b] : set.types()) {
    if (auto s = put(std::string(kTypePrefix) + type, b); !s) return s;
  }
  for (const auto& [id, b] : set.instances()) {
    if (restored_unseen_.contains(id)) continue;  // unchanged since restored
    if (auto s = put(std::string(kInstancePrefix) + id, b); !s) return s;
  }
  return {};
}

void DecisionAnalyserStage::mark_seen(const std::string& instance_id) {
  if (!restored_unseen_.empty()) restored_unseen_.erase(instance_id);
}

// Saves first, so every instance baseline held (the live instances', restored ones once seen)
// is stamped now_ms, after the cutoff, before anything older is deleted; a failed save skips
// the instance prune. A live instance without a baseline in memory has no stored row of the
// running version, or one that could not be read when it appeared: it learns afresh, and the
// next save would overwrite that row anyway. The first pass waits `retention_first` after
// start, so that discovery has reported the instances still running (an instance list that
// is empty until discovery's first answer must not make them look gone for long).
void DecisionAnalyserStage::run_retention() {
  using Hours = std::chrono::hours;
  if (retention_.instance_baselines == Hours{0} && retention_.stale_versions == Hours{0}) return;
  const std::int64_t now_ms = unix_ms();
  std::size_t instances = 0;
  std::size_t stale = 0;
  std::optional<Error> failed;
  // Before discovery's first answer every instance looks gone: their rows wait.
  if (retention_.instance_baselines > Hours{0} && instances_) {
    last_save_ = clock_.now();
    if (auto saved = save_baselines_at(now_ms); !saved) {
      failed = Error{
          "instance baselines not pruned: saving the live ones first failed: " + saved.error().what,
          saved.error().where, saved.error().errno_value};
    } else if (auto n = store_->prune_instance_baselines(
                   now_ms - milliseconds_of(retention_.instance_baselines))) {
      instances = *n;
    } else {
      failed = n.error();
    }
  }
  if (retention_.stale_versions > Hours{0}) {
    if (auto n =
            store_->prune_stale_baselines(fingerprint::kFeatureTableVersion,
                                          now_ms - milliseconds_of(retention_.stale_versions))) {
      stale = *n;
    } else if (!failed) {
      failed = n.error();
    }
  }
  if (instances + stale > 0) {
    std::string what;
    if (retention_.instance_baselines > Hours{0}) {
      what = std::to_string(instances) + " baselines of instances gone for " +
             period(retention_.instance_baselines);
    }
    if (retention_.stale_versions > Hours{0}) {
      what += (what.empty() ? "" : " and ") + std::to_string(stale) +
              " baselines of other feature-table versions not updated for " +
              period(retention_.stale_versions);
    }
    log::write(log::Level::kInfo, "store retention: deleted " + what,
               {{"INSTANCE_BASELINES_DELETED", std::to_string(instances)},
                {"STALE_BASELINES_DELETED", std::to_string(stale)}});
  }
  if (failed) {
    // Said once: the next passes (hourly) try again quietly until one works.
    if (!std::exchange(retention_failing_, true)) {
      log::write(log::Level::kError,
                 "store retention failed (tried again every " +
                     std::to_string(std::chrono::duration_cast<std::chrono::minutes>(
                                        options_.retention_interval)
                                        .count()) +
                     " min, reported again only after it worked): " + failed->message(),
                 {{"PATH", failed->where}});
    }
  } else if (std::exchange(retention_failing_, false)) {
    log::info("store retention works again");
  }
}

void DecisionAnalyserStage::set_plan(const config::PlanSection& plan) {
  reloaded_plan_.push(plan);
}

std::vector<Plan> DecisionAnalyserStage::analyse(const SampleBatch& batch, Mode) {
  if (auto plan = reloaded_plan_.try_pop()) engine_.set_plan(*plan);
  engine::TickInput in;
  in.at = batch.at;
  in.unix_ms = unix_ms_at(batch.at);
  in.samples = &batch.samples;
  if (batch.instances && batch.instances != instances_) {
    instances_ = batch.instances;
    refresh_names(*instances_);
    in.instances = instances_.get();
  }
  if (!restored_unseen_.empty()) {
    for (const Sample& s : batch.samples) mark_seen(s.instance_id);
  }
  in.host_capacity = batch.host_capacity;
  in.host_utilisation = batch.host_utilisation;
  engine::TickOutput out = engine_.tick(in);

  ++ticks_;
  report_tick(out);
  if (store_) pending_.retry(*store_);  // what a full disk held back, before this tick's
  persist_patterns(out);
  publish(out);
  drop_paused(out.plans);

  if (store_ && clock_.now() - last_save_ >= options_.save_interval) {
    last_save_ = clock_.now();
    if (auto s = save_baselines(); !s) {
      log::write(log::Level::kError, "baselines not saved: " + s.error().message(),
                 {{"PATH", s.error().where}});
    }
  }
  if (store_ && clock_.now() >= next_retention_) {
    next_retention_ = clock_.now() + options_.retention_interval;
    run_retention();
  }
  if (store_ && options_.fleet_refresh_interval > Nanos{0} &&
      clock_.now() - last_fleet_refresh_ >= options_.fleet_refresh_interval) {
    last_fleet_refresh_ = clock_.now();
    // Other hosts' records are re-read from the store only when the fleet layer imported
    // some since; this host's own windows join the views at every refresh (in memory).
    if (const std::uint64_t g = store_->imported_generation(); g != fleet_generation_) {
      fleet_generation_ = g;
      refresh_fleet();
    } else {
      engine_.analyzer().baselines().refresh_fleet_views();
    }
  }
  if (clock_.now() - last_score_log_ >= options_.score_log_interval) {
    last_score_log_ = clock_.now();
    const plan::ObserveScore s = engine_.scorer().score();
    log::write(log::Level::kInfo,
               "self-score: " + std::to_string(s.increases) + " increases planned, precision " +
                   number(s.precision()) + ", recall " + number(s.recall()),
               {{"INCREASES", std::to_string(s.increases)},
                {"TRUE_POSITIVES", std::to_string(s.true_positives)},
                {"FALSE_POSITIVES", std::to_string(s.false_positives)},
                {"RISES", std::to_string(s.rises)},
                {"RISES_ANTICIPATED", std::to_string(s.rises_anticipated)}});
  }
  return std::move(out.plans);
}

void DecisionAnalyserStage::report_tick(const engine::TickOutput& out) {
  AnalyserSummary& s = summary_;
  s.instances = out.instances.size();
  if (fleet_store_ != nullptr) {
    const store::FleetStatus f = fleet_store_->status();
    s.fleet = FleetSyncSummary{
        f.connected, f.outbox, f.sent, f.pulled, f.failures, f.last_refresh_unix_ms, f.last_error};
  }
  s.in_episode = 0;
  for (const engine::InstanceReport& r : out.instances) {
    for (const drift::EpisodeEvent& e : r.analysis->events) {
      report_episode(*r.analysis, e);
      if (e.kind == drift::EpisodeEventKind::kStarted) ++s.episodes_started;
    }
    if (r.analysis->in_episode) ++s.in_episode;
    if (r.prediction_new && r.prediction) {
      report_prediction(*r.prediction, r.refined_ticks, r.followed);
      if (r.refined_ticks == 0) {
        ++(r.prediction->available ? s.predictions : s.predictions_unavailable);
      }
    }
  }
  std::map<std::string, std::set<std::string>> contended;
  for (const plan::ContentionFinding& c : out.contention) {
    // Once when it starts, and again when a new antagonist is seen; the classification
    // holds while the stall lasts.
    const auto before = contended_.find(c.instance_id);
    std::set<std::string>& named = contended[c.instance_id];
    if (before != contended_.end()) named = before->second;
    bool new_antagonist = false;
    for (const std::string& a : c.antagonists) new_antagonist |= named.insert(a).second;
    if (before != contended_.end() && !new_antagonist) continue;
    std::string antagonists;
    for (const std::string& a : named) {
      antagonists += (antagonists.empty() ? "" : ",") + name_of(a);
    }
    log::write(log::Level::kInfo,
               "contention, not demand: " + name_of(c.instance_id) + " waits more (stall +" +
                   number(c.stall_rise) + ") while its own work does not rise; not grown" +
                   (antagonists.empty() ? std::string(" (no known antagonist)")
                                        : "; likely antagonists: " + antagonists),
               {{"INSTANCE_ID", c.instance_id},
                {"INSTANCE", name_of(c.instance_id)},
                {"STALL_RISE", number(c.stall_rise)},
                {"OWN_WORK_CHANGE", number(c.own_work_change_fraction)},
                {"ANTAGONISTS", antagonists}});
    if (before == contended_.end()) ++s.contention_findings;
  }
  for (const auto& [id, named] : contended_) {
    if (contended.count(id) == 0) {
      log::write(log::Level::kInfo, "contention over: " + name_of(id),
                 {{"INSTANCE_ID", id}, {"INSTANCE", name_of(id)}});
    }
  }
  contended_ = std::move(contended);
  for (const std::string& id : out.newly_frozen) {
    log::write(log::Level::kWarn,
               "oscillation breaker: " + name_of(id) + " changed direction too often; frozen",
               {{"INSTANCE_ID", id}, {"INSTANCE", name_of(id)}});
    ++s.breaker_trips;
  }
  for (const Plan& p : out.plans) s.planned_changes += p.changes.size();
  s.history_patterns = engine_.predictor().size();
  s.open_patterns = engine_.open_patterns();
  s.observe = engine_.scorer().score();
}

void DecisionAnalyserStage::drop_paused(std::vector<Plan>& plans) {
  if (!view_) return;
  std::erase_if(plans, [&](const Plan& p) {
    if (!view_->paused(p.instance_id)) return false;
    log::write(log::Level::kInfo,
               "paused: " + std::to_string(p.changes.size()) + " planned change(s) for " +
                   name_of(p.instance_id) + " not sent",
               {{"INSTANCE_ID", p.instance_id}, {"INSTANCE", name_of(p.instance_id)}});
    return true;
  });
}

void DecisionAnalyserStage::publish(const engine::TickOutput& out) {
  if (!view_) return;
  std::vector<InstanceView> views;
  views.reserve(out.instances.size());
  for (const engine::InstanceReport& r : out.instances) {
    const drift::Analysis& a = *r.analysis;
    InstanceView v;
    v.id = r.instance_id;
    v.name = name_of(r.instance_id);
    v.app_type = a.app_type;
    v.type_inferred = a.type_inferred;
    v.type_confidence = a.type_confidence;
    v.baseline = !a.has_fingerprint                                              ? "none"
                 : a.instance_baseline.status == drift::BaselineStatus::kTrusted ? "trusted"
                                                                                 : "learning";
    v.baseline_windows = a.instance_baseline.windows;
    v.scored = a.scored;
    if (a.scored) {
      v.score = a.score;
      v.threshold = a.threshold;
    }
    v.in_episode = a.in_episode;
    for (const FeatureContribution& f : a.top_features) {
      v.top_features.push_back(FeatureView{feature_names({f}), f.contribution});
    }
    if (a.has_fingerprint) {
      v.feature_values.resize(a.fingerprint.values.size());
      for (std::size_t i = 0; i < v.feature_values.size(); ++i) {
        v.feature_values[i] = a.fingerprint.present[i] ? a.fingerprint.values[i] : std::nan("");
      }
    }
    v.feature_baseline = a.baseline_mean;
    v.feature_z = a.z;
    v.prediction = r.prediction;
    v.target = r.decision.plan.target;
    v.allocation = v.target;
    for (const Change& c : r.decision.plan.changes) v.allocation[c.resource] = c.old_value;
    v.planned = r.decision.plan.changes;
    v.contention = r.decision.contention;
    v.frozen = r.decision.frozen;
    views.push_back(std::move(v));
  }
  view_->publish(std::move(views), summary_);
  if (ticks_ % 10 != 1) return;  // baselines change slowly
  std::vector<BaselineView> baselines;
  const drift::BaselineSet& set = engine_.analyzer().baselines();
  const drift::AnalyzerOptions& o = engine_.analyzer().options();
  for (const auto* map : {&set.types(), &set.instances()}) {
    const bool types = map == &set.types();
    for (const auto& [key, b] : *map) {
      BaselineView bv;
      bv.scope = types ? "type" : "instance";
      bv.key = types ? key : name_of(key);
      bv.fingerprints = b.fingerprints;
      bv.trusted = set.trusted(b);
      bv.windows = static_cast<double>(b.fingerprints) / std::max(1, o.fingerprint.window_ticks);
      bv.threshold = drift::calibrated_threshold(b, o.drift.threshold_quantile);
      baselines.push_back(std::move(bv));
    }
  }
  view_->publish_baselines(std::move(baselines));
}

// Other hosts' labelled patterns reach this host's store through the fleet layer's refresh;
// the new ones join the predictor's history as if labelled here. Own patterns are there.
void DecisionAnalyserStage::refresh_fleet() {
  if (auto records = store_->baselines(fingerprint::kFeatureTableVersion)) {
    apply_fleet_types(*records);
  } else {
    log::error("fleet baselines unreadable from the store: {}", records.error().message());
  }
  refresh_fleet_patterns();
}

void DecisionAnalyserStage::refresh_fleet_patterns() {
  const std::size_t max = engine_.predictor().size() + 1'000'000;
  auto records = store_->labelled_patterns(max);
  if (!records) {
    log::error("fleet patterns unreadable from the store: {}", records.error().message());
    return;
  }
  std::vector<predict::Pattern> fresh;
  const SteadyTime steady_now = clock_.now();
  const std::int64_t unix_now = unix_ms();
  for (const store::PatternRecord& r : *records) {
    if (r.host_id == store_->host_id() || fleet_pattern_ids_.contains(r.record_id)) continue;
    if (r.feature_table_version != fingerprint::kFeatureTableVersion) continue;
    fleet_pattern_ids_.insert(r.record_id);  // a bad record is reported once, not per refresh
    auto p = predict::from_record(r, steady_now, unix_now);
    if (!p) {
      log::write(log::Level::kWarn, "fleet pattern ignored: " + p.error().message(),
                 {{"PATTERN", r.record_id}, {"HOST_ID", r.host_id}});
      continue;
    }
    fresh.push_back(std::move(*p));
  }
  if (fresh.empty()) return;
  const std::size_t total = fresh.size();
  const std::vector<Error> errors = engine_.restore_patterns(std::move(fresh));
  for (const Error& e : errors) {
    log::write(log::Level::kWarn, "fleet pattern not added: " + e.message(), {});
  }
  fleet_patterns_ += total - errors.size();
  log::info("{} labelled patterns of other hosts added to the history ({} in all)",
            total - errors.size(), engine_.predictor().size());
}

void DecisionAnalyserStage::persist_patterns(const engine::TickOutput& out) {
  if (!store_) return;
  for (const predict::Pattern& p : out.opened) {
    pending_.submit(
        *store_, PendingStoreWrites::append(predict::to_record(p), &store::Store::append_pattern),
        "pattern " + p.id);
  }
  for (const predict::Pattern& p : out.labelled) {
    if (!p.outcome) continue;
    pending_.submit(
        *store_,
        [id = p.id, increase = p.outcome->increase, at = p.outcome->labelled_unix_ms](
            store::Store& s) -> Status { return s.label_pattern(id, increase, at); },
        "label of pattern " + p.id);
  }
}

// Instances that vanished leave memory: their baseline goes to the store (so one that comes
// back, a VM restarted under the same UUID, resumes it, until the retention deletes it) and
// out of the in-memory set, which on a host with container churn would otherwise grow with
// every instance ever seen. One restored at start and not seen since leaves memory without
// a save: its row is unchanged, and re-stamping it at every restart would keep it for ever.
// One that appears takes its stored baseline back, if it has one.
void DecisionAnalyserStage::refresh_names(const std::vector<Instance>& now) {
  drift::BaselineSet& set = engine_.analyzer().baselines();
  std::set<std::string> present;
  for (const Instance& i : now) {
    present.insert(i.id);
    mark_seen(i.id);
    const bool appeared = names_.count(i.id) == 0;
    names_[i.id] = i.name;
    if (appeared && store_ && set.find_instance(i.id) == nullptr) {
      const std::string key = std::string(kInstancePrefix) + i.id;
      auto stored = store_->get_baseline(key, fingerprint::kFeatureTableVersion);
      if (stored && *stored) {
        if (auto b = drift::deserialize((*stored)->payload)) set.put_instance(i.id, std::move(*b));
      }
    }
  }
  std::vector<std::string> gone;
  for (const auto& [id, b] : set.instances()) {
    if (present.count(id) == 0) gone.push_back(id);
  }
  const std::int64_t now_ms = unix_ms();
  for (const std::string& id : gone) {
    if (store_ && restored_unseen_.erase(id) == 0) {
      const store::BaselineRecord r =
          baseline_record(std::string(kInstancePrefix) + id, *set.find_instance(id), now_ms);
      if (auto s = store_->put_baseline(r); !s) {
        log::write(log::Level::kWarn,
                   "baseline of a vanished instance not saved: " + s.error().message(),
                   {{"INSTANCE_ID", id}});
      }
    }
    set.erase_instance(id);
  }
  std::erase_if(names_, [&](const auto& kv) { return present.count(kv.first) == 0; });
}

std::string DecisionAnalyserStage::name_of(const std::string& instance_id) const {
  const auto it = names_.find(instance_id);
  return it != names_.end() ? it->second : instance_id;
}

void DecisionAnalyserStage::report_prediction(const Prediction& p, int refined_ticks,
                                              bool followed) {
  const std::string name = name_of(p.instance_id);
  if (!p.available) {
    if (refined_ticks > 0) return;  // the episode's start said why already
    log::write(log::Level::kInfo, "no prediction for " + name + ": " + p.reason,
               {{"INSTANCE_ID", p.instance_id}, {"INSTANCE", name}, {"REASON", p.reason}});
    return;
  }
  const std::string refined =
      followed ? " (following its episode, " + std::to_string(refined_ticks) + " ticks in)"
      : refined_ticks > 0 ? " (refined over " + std::to_string(refined_ticks) + " ticks)"
                          : "";
  log::write(log::Level::kInfo,
             "prediction for " + name + refined + ": increase " + resources(p.increase) +
                 " (confidence " + number(p.confidence) + ", " +
                 std::to_string(p.neighbours.size()) + " neighbours)",
             {{"INSTANCE_ID", p.instance_id},
              {"INSTANCE", name},
              {"REFINED_TICKS", std::to_string(refined_ticks)},
              {"FOLLOWED", followed ? "1" : "0"},
              {"PREDICTED_INCREASE", resources(p.increase)},
              {"UNADJUSTED_INCREASE", resources(p.unadjusted_increase)},
              {"HEADROOM_FACTOR", resources(p.headroom_factor)},
              {"CONFIDENCE", number(p.confidence)},
              {"NEIGHBOURS", neighbour_list(p)}});
}

void DecisionAnalyserStage::report_episode(const drift::Analysis& a, const drift::EpisodeEvent& e) {
  using Kind = drift::EpisodeEventKind;
  if (e.kind == Kind::kUpdated && !log::enabled(log::Level::kDebug)) return;
  const std::string top = feature_names(e.episode.top_features);
  const char* what = e.kind == Kind::kStarted ? "drift episode started"
                     : e.kind == Kind::kEnded ? "drift episode ended"
                                              : "drift episode peak";
  const std::string name = name_of(a.instance_id);
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
  if (view_ && e.kind != Kind::kUpdated) {
    view_->record_episode(EpisodeView{a.instance_id, name,
                                      e.kind == Kind::kStarted ? "started" : "ended", unix_ms(),
                                      a.score, e.episode.peak_score, top});
  }
  if (e.kind != Kind::kEnded || !store_) return;
  store::EpisodeRecord r;
  r.host_id = store_->host_id();
  r.instance_id = a.instance_id;
  r.app_type = a.app_type;
  r.start_unix_ms = unix_ms_at(e.episode.start);
  if (e.episode.end) r.end_unix_ms = unix_ms_at(*e.episode.end);
  r.peak_score = e.episode.peak_score;
  r.feature_table_version = fingerprint::kFeatureTableVersion;
  r.direction = e.episode.direction;
  r.top_features = e.episode.top_features;
  pending_.submit(*store_, PendingStoreWrites::append(std::move(r), &store::Store::append_episode),
                  "drift episode of " + a.instance_id);
}

}  // namespace augur::daemon
