#include "augur/daemon/pending_store_writes.h"

#include <utility>

#include "augur/log/log.h"

namespace augur::daemon {

void PendingStoreWrites::submit(store::Store& store, Write write, std::string what) {
  if (!queue_.empty()) {
    enqueue(Entry{std::move(write), std::move(what), 0});
    return;
  }
  if (Status s = write(store); !s) {
    failed(s.error(), what);
    enqueue(Entry{std::move(write), std::move(what), 0});
  }
}

void PendingStoreWrites::retry(store::Store& store) {
  while (!queue_.empty()) {
    Entry& front = queue_.front();
    if (Status s = front.write(store); s) {
      queue_.pop_front();
      ++written_late_;
      continue;
    }
    // Still failing. If the next write goes through, the store works and this one fails
    // for itself (a label whose pattern was dropped, say): after kMaxStrikes such ticks it
    // is dropped rather than holding everything behind it.
    if (queue_.size() < 2) return;
    Status next = queue_[1].write(store);
    if (!next) return;  // the store itself is still failing: reported when it began
    queue_.erase(queue_.begin() + 1);
    ++written_late_;
    Entry& stuck = queue_.front();
    if (++stuck.strikes < kMaxStrikes) return;
    ++dropped_;
    log::write(
        log::Level::kError,
        owner_ + ": dropped a store write that keeps failing while others succeed: " + stuck.what,
        {});
    queue_.pop_front();
  }
  if (!reported_) return;
  log::info("{}: store writes caught up: {} records written after the store recovered{}", owner_,
            written_late_,
            dropped_ > 0 ? " (" + std::to_string(dropped_) + " dropped since start)" : "");
  reported_ = false;
  reported_overflow_ = false;
  written_late_ = 0;
}

void PendingStoreWrites::enqueue(Entry e) {
  if (queue_.size() >= capacity_) {
    ++dropped_;
    if (!reported_overflow_) {
      reported_overflow_ = true;
      log::write(log::Level::kError,
                 owner_ + ": store write queue full (" + std::to_string(capacity_) +
                     " records waiting); dropping new records until the store recovers, from " +
                     e.what,
                 {});
    }
    return;
  }
  queue_.push_back(std::move(e));
}

void PendingStoreWrites::failed(const Error& e, const std::string& what) {
  if (reported_) return;
  reported_ = true;
  log::write(log::Level::kError,
             owner_ + ": store write failed, keeping records to write when it recovers (first: " +
                 what + "): " + e.message(),
             {{"PATH", e.where}});
}

}  // namespace augur::daemon
