#include "database_workload.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace augur::demo {

namespace {

using namespace std::chrono_literals;

constexpr long kPage = 4096;
constexpr long kMiB = 1L << 20;
// Written bytes between fdatasync()s. A memory cgroup v1's reclaim cannot write dirty pages
// back itself; with more dirty than its limit allows, the group would run out of memory.
constexpr long kSyncEvery = 4 * kMiB;

long bytes_of(double mib) {
  return static_cast<long>(std::llround(mib * kMiB)) / kPage * kPage;
}

// Writes `bytes` from `chunk` to `fd` at `at`, syncing every kSyncEvery (counted in
// `unsynced`); false on a write error (a full disk).
bool append(int fd, long at, long bytes, const std::vector<char>& chunk, long& unsynced) {
  while (bytes > 0) {
    const long n = std::min<long>(bytes, static_cast<long>(chunk.size()));
    const ssize_t w = ::pwrite(fd, chunk.data(), static_cast<std::size_t>(n), at);
    if (w <= 0) return false;
    at += w;
    bytes -= w;
    unsynced += w;
    if (unsynced >= kSyncEvery) {
      ::fdatasync(fd);
      unsynced = 0;
    }
  }
  return true;
}

}  // namespace

double DatabaseShape::spill_mib_at(double t) const {
  if (schedule == nullptr) return 0;
  const PhaseSchedule& s = *schedule;
  const double k = s.into_phase(t);
  const double grow_s = s.lag_s + s.ramp_s;
  if (k < 0 || k >= grow_s + s.hold_s) return 0;
  return spill_mib * std::min(1.0, k / grow_s);
}

void run_database(const DatabaseShape& shape, const std::string& dir,
                  WorkloadClock::time_point start) {
  const std::string table_path = dir + "/table-" + std::to_string(::getpid());
  const std::string spill_path = dir + "/spill-" + std::to_string(::getpid());
  const int table = ::open(table_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int spill = ::open(spill_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  // The names go now: the files live as long as this process, however it ends.
  ::unlink(table_path.c_str());
  ::unlink(spill_path.c_str());
  std::vector<char> chunk(static_cast<std::size_t>(kMiB));
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 7919 >> 3);
  const long table_bytes = bytes_of(shape.table_mib);
  long unsynced = 0;
  if (table < 0 || spill < 0 || !append(table, 0, table_bytes, chunk, unsynced) ||
      ::fdatasync(table) != 0) {
    ::_exit(1);
  }
  unsynced = 0;
  const long per_slice = std::max(1L, bytes_of(shape.scan_mib_per_s / 100) / kPage);
  // Queries come as they come: the rate varies from 0.5 to 1.5 times the mean, drawn anew
  // every half second. A perfectly even scan would teach Augur a normal with no spread at
  // all, against which the next phase's aftermath never looks normal again.
  std::minstd_rand draws(static_cast<std::minstd_rand::result_type>(::getpid()));
  std::uniform_real_distribution<double> rate(0.5, 1.5);
  double factor = 1;
  long slices = 0;
  long spill_bytes = 0;
  long position = 0;  // the next page to read, over the table then the spill
  char page[kPage];
  auto slice_end = WorkloadClock::now();
  for (;;) {
    const double t = seconds_since(start);
    const long target = bytes_of(shape.spill_mib_at(t));
    if (target > spill_bytes) {
      // At most 1 MiB a slice (100 MiB/s): the rest in the next slices.
      const long grow = std::min(target - spill_bytes, kMiB);
      if (append(spill, spill_bytes, grow, chunk, unsynced)) spill_bytes += grow;
    } else if (target == 0 && spill_bytes > 0) {
      ::ftruncate(spill, 0);  // the query ends: its spill's cache goes with it
      spill_bytes = unsynced = 0;
    }
    const long pages = (table_bytes + spill_bytes) / kPage;
    if (slices++ % 50 == 0) factor = rate(draws);
    const long reads = std::max(1L, std::lround(static_cast<double>(per_slice) * factor));
    for (long i = 0; i < reads; ++i) {
      position %= pages;
      const bool in_table = position * kPage < table_bytes;
      const long offset = in_table ? position * kPage : position * kPage - table_bytes;
      if (::pread(in_table ? table : spill, page, sizeof(page), offset) < 0) break;
      ++position;
    }
    // No catching up after a slow slice: a database serves the queries in front of it.
    slice_end = std::max(slice_end + 10ms, WorkloadClock::now());
    std::this_thread::sleep_until(slice_end);
  }
}

}  // namespace augur::demo
