#pragma once
// Store writes that failed (a full disk, a file locked by a backup) wait here and are tried
// again, in order, on later ticks, so a full disk delays the audit trail and the pattern
// history instead of losing them. Order matters: a pattern's label must follow the pattern,
// so while anything waits, new writes queue behind it. The queue is bounded; past it a write
// is dropped, counted and reported. One thread uses an instance (each stage has its own).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "augur/store/store.h"
#include "augur/util/result.h"

namespace augur::daemon {

class PendingStoreWrites {
 public:
  using Write = std::function<Status(store::Store&)>;

  // `owner` names the writer in the log ("analyser", "actuator").
  explicit PendingStoreWrites(std::string owner, std::size_t capacity = 10'000)
      : owner_(std::move(owner)), capacity_(capacity) {}

  // A write of `record` through an append of the store (append_pattern, append_episode,
  // append_change), whose returned record id the queue has no use for.
  template <class Record>
  static Write append(Record record,
                      Result<std::string> (store::Store::*append_fn)(const Record&)) {
    return [record = std::move(record), append_fn](store::Store& s) -> Status {
      auto id = (s.*append_fn)(record);
      if (!id) return id.error();
      return {};
    };
  }

  // Writes now, or queues behind earlier writes still waiting; a failed write is queued.
  // `what` names the record in the log ("pattern <id>", "change of <instance>").
  void submit(store::Store& store, Write write, std::string what);
  // Tries the waiting writes in order, stopping at the first that fails again.
  void retry(store::Store& store);

  [[nodiscard]] std::size_t waiting() const { return queue_.size(); }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  static constexpr int kMaxStrikes = 3;
  struct Entry {
    Write write;
    std::string what;
    int strikes = 0;  // retries it failed while the write behind it succeeded
  };
  void enqueue(Entry e);
  void failed(const Error& e, const std::string& what);

  std::string owner_;
  std::size_t capacity_;
  std::deque<Entry> queue_;
  std::uint64_t dropped_ = 0;
  bool reported_ = false;           // the current outage was logged
  bool reported_overflow_ = false;  // the current overflow was logged
  std::uint64_t written_late_ = 0;  // writes that succeeded after waiting, this outage
};

}  // namespace augur::daemon
