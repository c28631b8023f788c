#include "augur/store/fleet_store.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>
#include <utility>

namespace augur::store {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Why a step of a sync pass failed: the shared store (drop the connection and back off)
// or this host's file (keep the connection; the same entry is tried again later).
struct StepError {
  Error error;
  bool remote = true;
};

}  // namespace

struct FleetStore::Impl {
  FleetStoreOptions options;
  std::unique_ptr<LocalStore> local;   // records the outbox: every write of this host
  std::unique_ptr<LocalStore> import;  // the same file, no outbox: other hosts' records

  std::mutex sync_mu;  // one pass at a time; guards everything below it
  std::unique_ptr<Store> remote;
  std::unordered_set<std::string> imported_patterns;
  SteadyClock::time_point next_refresh{};
  bool refreshed_once = false;
  bool down_reported = false;
  bool connected_once = false;
  std::uint64_t sent_since_down = 0;

  mutable std::mutex status_mu;
  FleetStatus status;

  std::mutex thread_mu;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;

  void emit(FleetEvent::Kind kind, std::string message, std::size_t count = 0) const {
    if (options.on_event) options.on_event(FleetEvent{kind, std::move(message), count});
  }

  void update_status(const std::function<void(FleetStatus&)>& f) {
    std::lock_guard lock(status_mu);
    f(status);
  }

  // Sends one queued write. Missing locally (a baseline pruned since) is not an error.
  std::optional<StepError> send(const OutboxEntry& e) {
    auto local_error = [](const Error& err) { return StepError{err, false}; };
    auto remote_error = [](const Error& err) { return StepError{err, true}; };
    auto skipped = [&] {
      emit(FleetEvent::Kind::kSkipped,
           std::string(outbox_kind_name(e.kind)) + " " + e.record_id + " is gone locally");
      return std::optional<StepError>{};
    };
    switch (e.kind) {
      case OutboxKind::kBaseline: {
        auto r = local->baseline_by_id(e.record_id);
        if (!r) return local_error(r.error());
        if (!*r) return skipped();
        if (auto s = remote->put_baseline(**r); !s) return remote_error(s.error());
        return std::nullopt;
      }
      case OutboxKind::kEpisode: {
        auto r = local->episode_by_id(e.record_id);
        if (!r) return local_error(r.error());
        if (!*r) return skipped();
        if (auto s = remote->append_episode(**r); !s) return remote_error(s.error());
        return std::nullopt;
      }
      case OutboxKind::kPattern:
      case OutboxKind::kLabel: {
        auto r = local->pattern_by_id(e.record_id);
        if (!r) return local_error(r.error());
        if (!*r) return skipped();
        const PatternRecord& p = **r;
        if (e.kind == OutboxKind::kPattern) {
          if (auto s = remote->append_pattern(p); !s) return remote_error(s.error());
        } else if (p.outcome) {
          if (auto s =
                  remote->label_pattern(p.record_id, *p.outcome, p.labelled_unix_ms.value_or(0));
              !s) {
            return remote_error(s.error());
          }
        }
        return std::nullopt;
      }
      case OutboxKind::kChange: {
        auto r = local->change_by_id(e.record_id);
        if (!r) return local_error(r.error());
        if (!*r) return skipped();
        if (auto s = remote->append_change(**r); !s) return remote_error(s.error());
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // Sends the queue in order; entries leave it only after the shared store has them.
  std::optional<StepError> drain() {
    for (;;) {
      auto entries = local->outbox(options.drain_batch);
      if (!entries) return StepError{entries.error(), false};
      if (entries->empty()) return std::nullopt;
      std::int64_t through = -1;
      std::optional<StepError> failed;
      for (const OutboxEntry& e : *entries) {
        failed = send(e);
        if (failed) break;
        through = e.seq;
      }
      if (through >= 0) {
        const auto n = static_cast<std::uint64_t>(
            std::count_if(entries->begin(), entries->end(),
                          [&](const OutboxEntry& e) { return e.seq <= through; }));
        sent_since_down += n;
        update_status([&](FleetStatus& s) { s.sent += n; });
        if (auto s = local->outbox_remove_through(through); !s) return StepError{s.error(), false};
      }
      if (failed) return failed;
    }
  }

  // Mirrors other hosts' labelled patterns and baselines into the local file.
  std::optional<StepError> pull() {
    const std::string& me = local->host_id();
    std::uint64_t pulled = 0;
    auto patterns = remote->labelled_patterns(options.pull_patterns);
    if (!patterns) return StepError{patterns.error(), true};
    for (const PatternRecord& p : *patterns) {
      if (p.host_id == me || imported_patterns.contains(p.record_id)) continue;
      if (auto r = import->append_pattern(p); !r) return StepError{r.error(), false};
      imported_patterns.insert(p.record_id);
      ++pulled;
    }
    // The fleet's type baselines: one row per type, every other host's contribution merged
    // (the shared store's aggregate minus this host's own row), kept under the reserved
    // kFleetOthersHostId. O(types) per refresh, not O(hosts x types).
    const std::uint32_t version = options.feature_table_version;
    auto others = remote->fleet_type_others(version, me);
    if (!others) return StepError{others.error(), true};
    std::set<std::string, std::less<>> fresh_keys;
    for (const BaselineRecord& b : *others) {
      fresh_keys.insert(b.key);
      auto have = import->get_baseline(b.key, version, kFleetOthersHostId);
      if (!have) return StepError{have.error(), false};
      if (*have && (*have)->payload == b.payload) continue;
      if (auto s = import->put_baseline(b); !s) return StepError{s.error(), false};
      ++pulled;
    }
    // Nothing else may stand for other hosts: a type nobody else contributes to any more,
    // and the per-host rows an older build cached (they are in the aggregate), would count
    // twice or stale.
    auto cached = import->baselines(version);
    if (!cached) return StepError{cached.error(), false};
    for (const BaselineRecord& b : *cached) {
      if (b.host_id == me || !b.key.starts_with(kTypeKeyPrefix)) continue;
      if (b.host_id == kFleetOthersHostId && fresh_keys.contains(b.key)) continue;
      auto gone = import->delete_baseline(b.host_id, b.key);
      if (!gone) return StepError{gone.error(), false};
      ++pulled;
    }
    update_status([&](FleetStatus& s) {
      s.pulled += pulled;
      s.last_refresh_unix_ms = unix_ms_now();
    });
    return std::nullopt;
  }

  void fail(const StepError& e) {
    update_status([&](FleetStatus& s) {
      ++s.failures;
      if (e.remote) s.connected = false;
      s.last_error = e.error.message();
    });
    if (!e.remote) return;  // a local error: the store's caller sees its own errors too
    remote.reset();         // reconnect from scratch on the next pass
    if (!down_reported) {
      down_reported = true;
      sent_since_down = 0;
      emit(FleetEvent::Kind::kDisconnected,
           "shared store unavailable, queueing writes locally: " + e.error.message());
    }
  }

  Status pass(bool refresh) {
    std::lock_guard lock(sync_mu);
    Status s = pass_locked(refresh);
    if (auto size = local->outbox_size()) {
      update_status([&](FleetStatus& st) { st.outbox = *size; });
    }
    return s;
  }

  Status pass_locked(bool refresh) {
    if (!remote) {
      auto r = options.connect ? options.connect()
                               : Result<std::unique_ptr<Store>>(Error{"no shared store", ""});
      if (!r) {
        fail(StepError{r.error(), true});
        return r.error();
      }
      remote = std::move(*r);
    }
    if (auto e = drain()) {
      fail(*e);
      return e->error;
    }
    // Reported once the shared store took writes, not when a connection merely opened.
    if (down_reported) {
      down_reported = false;
      emit(FleetEvent::Kind::kConnected, "shared store reachable again");
      emit(FleetEvent::Kind::kDrained, "outbox drained after the outage", sent_since_down);
    } else if (!connected_once) {
      emit(FleetEvent::Kind::kConnected, "shared store connected");
    }
    connected_once = true;
    if (refresh || !refreshed_once) {
      if (auto e = pull()) {
        fail(*e);
        return e->error;
      }
      refreshed_once = true;
      next_refresh = SteadyClock::now() + options.refresh_interval;
    }
    update_status([&](FleetStatus& s) {
      s.connected = true;
      s.last_error.clear();
    });
    return {};
  }

  void run() {
    auto backoff = options.retry_initial;
    std::unique_lock lock(thread_mu);
    while (!stopping) {
      lock.unlock();
      const bool refresh = SteadyClock::now() >= next_refresh;
      const bool ok = static_cast<bool>(pass(refresh));
      const auto wait = ok ? options.drain_interval : backoff;
      backoff = ok ? options.retry_initial : std::min(backoff * 2, options.retry_max);
      lock.lock();
      wake.wait_for(lock, wait, [&] { return stopping; });
    }
  }
};

FleetStore::FleetStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FleetStore::~FleetStore() {
  // Nothing may escape a destructor; what the last pass could not send stays queued anyway.
  try {
    {
      std::lock_guard lock(impl_->thread_mu);
      impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
    // A clean stop sends what the last ticks queued (the baselines saved at stop among them);
    // one attempt, bounded by the shared store's timeouts. What fails stays queued.
    if (impl_->options.drain_at_stop) (void)impl_->pass(false);
  } catch (...) {  // see above
  }
}

Result<std::unique_ptr<FleetStore>> FleetStore::open(FleetStoreOptions options,
                                                     OpenedStore* local_opened) {
  if (options.local.host_id == kFleetOthersHostId) {
    return Error{"host id " + options.local.host_id + " is reserved for the fleet aggregate",
                 options.local.path};
  }
  auto impl = std::make_unique<Impl>();
  SqliteStoreOptions local = options.local;
  local.record_outbox = true;
  auto opened = open_sqlite_store(local);
  if (!opened) return opened.error();
  if (local_opened) {
    local_opened->moved_aside = opened->moved_aside;
    local_opened->migrated_from = opened->migrated_from;
  }
  // The second connection opens the file as it now is (moved aside or migrated above).
  local.record_outbox = false;
  auto import = open_sqlite_store(local);
  if (!import) return import.error();
  impl->local = std::move(opened->store);
  impl->import = std::move(import->store);
  impl->options = std::move(options);
  if (auto size = impl->local->outbox_size()) impl->status.outbox = *size;
  std::unique_ptr<FleetStore> store(new FleetStore(std::move(impl)));
  if (store->impl_->options.start_thread) {
    Impl* raw = store->impl_.get();
    raw->thread = std::thread([raw] { raw->run(); });
  }
  return store;
}

const std::string& FleetStore::host_id() const {
  return impl_->local->host_id();
}

Status FleetStore::put_baseline(const BaselineRecord& b) {
  return impl_->local->put_baseline(b);
}

Result<std::optional<BaselineRecord>> FleetStore::get_baseline(std::string_view key,
                                                               std::uint32_t version,
                                                               std::string_view host) {
  return impl_->local->get_baseline(key, version, host);
}

Result<std::vector<BaselineRecord>> FleetStore::baselines(std::uint32_t version) {
  return impl_->local->baselines(version);
}

Result<std::size_t> FleetStore::prune_stale_baselines(std::uint32_t current_version,
                                                      std::int64_t older_than_unix_ms) {
  return impl_->local->prune_stale_baselines(current_version, older_than_unix_ms);
}

// Instance baselines never leave this host (the outbox queues only "type:" keys, the pull
// takes only other hosts' "type:" keys), so the local file is the only place to prune.
Result<std::size_t> FleetStore::prune_instance_baselines(std::int64_t older_than_unix_ms) {
  return impl_->local->prune_instance_baselines(older_than_unix_ms);
}

Result<std::string> FleetStore::append_episode(const EpisodeRecord& e) {
  return impl_->local->append_episode(e);
}

Result<std::string> FleetStore::append_pattern(const PatternRecord& p) {
  return impl_->local->append_pattern(p);
}

Status FleetStore::label_pattern(std::string_view id, const ResourceVector& outcome,
                                 std::int64_t labelled_unix_ms) {
  return impl_->local->label_pattern(id, outcome, labelled_unix_ms);
}

Result<std::vector<PatternRecord>> FleetStore::labelled_patterns(std::size_t max_count) {
  return impl_->local->labelled_patterns(max_count);
}

Result<std::vector<PatternRecord>> FleetStore::unlabelled_patterns(std::size_t max_count) {
  return impl_->local->unlabelled_patterns(max_count);
}

Result<std::vector<EpisodeRecord>> FleetStore::episodes(std::string_view instance_id) {
  return impl_->local->episodes(instance_id);
}

Result<std::string> FleetStore::append_change(const ChangeRecord& c) {
  return impl_->local->append_change(c);
}

Result<std::vector<ChangeRecord>> FleetStore::changes(std::string_view instance_id,
                                                      std::size_t max_count) {
  return impl_->local->changes(instance_id, max_count);
}

Result<TableCounts> FleetStore::count_rows() {
  return impl_->local->count_rows();
}

FleetStatus FleetStore::status() const {
  std::lock_guard lock(impl_->status_mu);
  return impl_->status;
}

std::uint64_t FleetStore::imported_generation() const {
  return status().pulled;
}

Status FleetStore::sync_now(bool refresh) {
  return impl_->pass(refresh);
}

}  // namespace augur::store
