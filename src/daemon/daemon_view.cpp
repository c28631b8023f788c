#include "augur/daemon/daemon_view.h"

namespace augur::daemon {

void DaemonView::publish(std::vector<InstanceView> instances, const AnalyserSummary& summary) {
  std::lock_guard lock(mutex_);
  for (InstanceView& i : instances) i.paused = paused_.count(i.id) > 0;
  instances_ = std::move(instances);
  summary_ = summary;
  published_ = true;
}

void DaemonView::publish_baselines(std::vector<BaselineView> baselines) {
  std::lock_guard lock(mutex_);
  baselines_ = std::move(baselines);
}

void DaemonView::record_change(ChangeView change) {
  std::lock_guard lock(mutex_);
  changes_.push_back(std::move(change));
  if (changes_.size() > kMaxHistory) changes_.pop_front();
}

void DaemonView::record_episode(EpisodeView episode) {
  std::lock_guard lock(mutex_);
  episodes_.push_back(std::move(episode));
  if (episodes_.size() > kMaxHistory) episodes_.pop_front();
}

std::vector<InstanceView> DaemonView::instances() const {
  std::lock_guard lock(mutex_);
  return instances_;
}

std::optional<InstanceView> DaemonView::instance(const std::string& id_or_name) const {
  std::lock_guard lock(mutex_);
  for (const InstanceView& i : instances_) {
    if (i.id == id_or_name || i.name == id_or_name) return i;
  }
  return std::nullopt;
}

AnalyserSummary DaemonView::summary() const {
  std::lock_guard lock(mutex_);
  return summary_;
}

std::vector<BaselineView> DaemonView::baselines() const {
  std::lock_guard lock(mutex_);
  return baselines_;
}

std::vector<ChangeView> DaemonView::changes() const {
  std::lock_guard lock(mutex_);
  return {changes_.begin(), changes_.end()};
}

std::vector<EpisodeView> DaemonView::episodes() const {
  std::lock_guard lock(mutex_);
  return {episodes_.begin(), episodes_.end()};
}

bool DaemonView::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

void DaemonView::set_paused(const std::string& instance_id, bool paused) {
  std::lock_guard lock(mutex_);
  if (paused) {
    paused_.insert(instance_id);
  } else {
    paused_.erase(instance_id);
  }
  for (InstanceView& i : instances_) {
    if (i.id == instance_id) i.paused = paused;
  }
}

bool DaemonView::paused(const std::string& instance_id) const {
  std::lock_guard lock(mutex_);
  return paused_.count(instance_id) > 0;
}

}  // namespace augur::daemon
