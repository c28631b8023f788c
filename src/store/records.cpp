#include "augur/store/records.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "augur/store/local_store.h"

namespace augur::store {

bool PatternRecord::operator==(const PatternRecord& o) const {
  if (outcome.has_value() != o.outcome.has_value()) return false;
  if (outcome && !(*outcome == *o.outcome)) return false;
  return record_id == o.record_id && host_id == o.host_id && instance_id == o.instance_id &&
         app_type == o.app_type && created_unix_ms == o.created_unix_ms &&
         same_value(magnitude, o.magnitude) && feature_table_version == o.feature_table_version &&
         direction == o.direction && usage == o.usage && allocation == o.allocation &&
         host_load == o.host_load && labelled_unix_ms == o.labelled_unix_ms;
}

bool EpisodeRecord::operator==(const EpisodeRecord& o) const {
  if (top_features.size() != o.top_features.size()) return false;
  for (std::size_t i = 0; i < top_features.size(); ++i) {
    if (top_features[i].feature != o.top_features[i].feature ||
        top_features[i].contribution != o.top_features[i].contribution) {
      return false;
    }
  }
  return record_id == o.record_id && host_id == o.host_id && instance_id == o.instance_id &&
         app_type == o.app_type && start_unix_ms == o.start_unix_ms &&
         end_unix_ms == o.end_unix_ms && peak_score == o.peak_score &&
         feature_table_version == o.feature_table_version && direction == o.direction;
}

}  // namespace augur::store

namespace augur::store {

namespace {
constexpr std::pair<OutboxKind, std::string_view> kOutboxKindNames[] = {
    {OutboxKind::kBaseline, "baseline"}, {OutboxKind::kEpisode, "episode"},
    {OutboxKind::kPattern, "pattern"},   {OutboxKind::kLabel, "label"},
    {OutboxKind::kChange, "change"},
};
}  // namespace

std::string_view outbox_kind_name(OutboxKind kind) {
  for (const auto& [k, name] : kOutboxKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<OutboxKind> outbox_kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kOutboxKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace augur::store
