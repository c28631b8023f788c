#pragma once
// Every baseline the analyser keeps: one per application type (learned from every
// instance that declares the type) and one per instance (seeded from its type, then its
// own windows). The store persists and restores them through put_*() and the maps.
//
// In a fleet, other hosts' contributions to a type arrive merged (set_fleet_type). The
// baseline that judges and seeds by type (find_type) is then the fleet view: the others'
// merged with this host's own, rebuilt by refresh_fleet_views(); type() and types() stay
// this host's own contribution, which it learns into and persists, so no host's windows are
// counted twice when every host merges every other's.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "augur/drift/baseline.h"

namespace augur::drift {

enum class BaselineStatus { kLearning, kTrusted };

// What an operator sees: learning or trusted, and how much has been learned.
struct BaselineState {
  BaselineStatus status = BaselineStatus::kLearning;
  std::uint64_t fingerprints = 0;
  double windows = 0;  // fingerprints / window_ticks: independent windows' worth
};

class BaselineSet {
 public:
  using Map = std::map<std::string, Baseline, std::less<>>;

  // Consecutive fingerprints share all but one tick, so a baseline counts its evidence in
  // independent windows: trusted after min_windows * window_ticks fingerprints.
  BaselineSet(std::uint64_t min_windows, std::uint64_t window_ticks, bool track_covariance);

  [[nodiscard]] std::uint64_t trust_fingerprints() const { return trust_fingerprints_; }
  [[nodiscard]] bool trusted(const Baseline& b) const {
    return b.fingerprints >= trust_fingerprints_;
  }
  [[nodiscard]] BaselineState state(const Baseline& b) const;

  // This host's own baseline of the type (what it learns into), created empty when absent.
  Baseline& type(std::string_view app_type);
  // The baseline that judges the type: its fleet view when one is set, else this host's own.
  [[nodiscard]] const Baseline* find_type(std::string_view app_type) const;

  // Other hosts' contributions to the type, already merged; replaces any earlier ones.
  void set_fleet_type(std::string app_type, Baseline others);
  // Rebuilds every fleet view from the others' and this host's own current baselines.
  void refresh_fleet_views();
  [[nodiscard]] const Map& fleet_views() const { return fleet_views_; }

  // The instance's baseline; when absent it is created, seeded from its type's baseline
  // if that is trusted (weight capped at trust_fingerprints()), else empty.
  Baseline& instance(std::string_view instance_id, std::string_view app_type);
  [[nodiscard]] const Baseline* find_instance(std::string_view instance_id) const;

  // Restores a stored baseline (the store checks the feature table version on load).
  void put_type(std::string app_type, Baseline b);
  void put_instance(std::string instance_id, Baseline b);
  void erase_instance(std::string_view instance_id);

  [[nodiscard]] const Map& types() const { return types_; }
  [[nodiscard]] const Map& instances() const { return instances_; }
  [[nodiscard]] bool track_covariance() const { return track_covariance_; }

 private:
  std::uint64_t trust_fingerprints_;
  std::uint64_t window_ticks_;
  bool track_covariance_;
  Map types_;
  Map instances_;
  Map fleet_others_;  // per type: every other host's contribution, merged
  Map fleet_views_;   // per type: fleet_others_ merged with types_ as of the last refresh
};

}  // namespace augur::drift
