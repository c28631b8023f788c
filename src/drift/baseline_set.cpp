#include "augur/drift/baseline_set.h"

#include <algorithm>

namespace augur::drift {

BaselineSet::BaselineSet(std::uint64_t min_windows, std::uint64_t window_ticks,
                         bool track_covariance)
    : trust_fingerprints_(std::max<std::uint64_t>(1, min_windows * window_ticks)),
      window_ticks_(std::max<std::uint64_t>(1, window_ticks)),
      track_covariance_(track_covariance) {}

BaselineState BaselineSet::state(const Baseline& b) const {
  return {trusted(b) ? BaselineStatus::kTrusted : BaselineStatus::kLearning, b.fingerprints,
          static_cast<double>(b.fingerprints) / static_cast<double>(window_ticks_)};
}

Baseline& BaselineSet::type(std::string_view app_type) {
  auto it = types_.find(app_type);
  if (it == types_.end()) {
    it = types_.emplace(std::string(app_type), make_baseline(track_covariance_)).first;
  }
  return it->second;
}

const Baseline* BaselineSet::find_type(std::string_view app_type) const {
  if (auto view = fleet_views_.find(app_type); view != fleet_views_.end()) return &view->second;
  auto it = types_.find(app_type);
  return it == types_.end() ? nullptr : &it->second;
}

void BaselineSet::set_fleet_type(std::string app_type, Baseline others) {
  fleet_others_.insert_or_assign(std::move(app_type), std::move(others));
}

void BaselineSet::refresh_fleet_views() {
  fleet_views_.clear();
  for (const auto& [type, others] : fleet_others_) {
    Baseline view = others;
    if (auto own = types_.find(type); own != types_.end()) merge_into(view, own->second);
    fleet_views_.emplace(type, std::move(view));
  }
}

Baseline& BaselineSet::instance(std::string_view instance_id, std::string_view app_type) {
  auto it = instances_.find(instance_id);
  if (it != instances_.end()) return it->second;
  const Baseline* t = app_type.empty() ? nullptr : find_type(app_type);
  Baseline b = t != nullptr && trusted(*t) ? seed_from(*t, trust_fingerprints_)
                                           : make_baseline(track_covariance_);
  return instances_.emplace(std::string(instance_id), std::move(b)).first->second;
}

const Baseline* BaselineSet::find_instance(std::string_view instance_id) const {
  auto it = instances_.find(instance_id);
  return it == instances_.end() ? nullptr : &it->second;
}

void BaselineSet::put_type(std::string app_type, Baseline b) {
  types_.insert_or_assign(std::move(app_type), std::move(b));
}

void BaselineSet::put_instance(std::string instance_id, Baseline b) {
  instances_.insert_or_assign(std::move(instance_id), std::move(b));
}

void BaselineSet::erase_instance(std::string_view instance_id) {
  auto it = instances_.find(instance_id);
  if (it != instances_.end()) instances_.erase(it);
}

}  // namespace augur::drift
