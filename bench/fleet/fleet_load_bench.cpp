// Load on the fleet database: N simulated hosts, each with its own PostgresStore connection
// (one connection per host, as augurd's sync thread has), writing episodes and reading the
// fleet's baselines against a real server, closed loop, for a fixed time.
//
//   bench_fleet_load --conninfo "host=/tmp/pg/sock dbname=augur_test" [--hosts 200]
//                    [--seconds 30] [--reads-per-write 0.1] [--baselines 5]
//                    [--payload-kib 32]
//
// Each host first stores `--baselines` type baselines of `--payload-kib` (a serialised
// baseline with co-moments is about 32 KiB), then loops: append one episode; with
// probability reads-per-write, read every baseline of the feature table version (what the
// fleet layer's refresh pulls: every host's, so its cost grows with the fleet). Reports rows
// written per second, baseline reads per second, and p50/p99/max latency of each call. The server
// must allow hosts + a few connections (max_connections; tests/fleet/pg-server.sh sets 300).
// Figures: docs/fleet.md, "Sizing".
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "augur/store/postgres_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using augur::store::BaselineRecord;
using augur::store::EpisodeRecord;

struct Options {
  std::string conninfo;
  int hosts = 200;
  double seconds = 30;
  double reads_per_write = 0.1;
  int baselines = 5;
  int payload_kib = 32;
};

struct HostResult {
  std::vector<double> write_ms;
  std::vector<double> read_ms;
  std::size_t rows_read = 0;
  std::size_t errors = 0;
  std::string first_error;
};

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void run_host(const Options& o, int index, Clock::time_point deadline, HostResult& out) {
  augur::store::PostgresStoreOptions po;
  po.conninfo = o.conninfo;
  po.host_id = "bench-host-" + std::to_string(index);
  auto store = augur::store::open_postgres_store(po);
  if (!store) {
    ++out.errors;
    out.first_error = store.error().message();
    return;
  }
  std::mt19937_64 rng(static_cast<std::uint64_t>(index) + 1);
  std::uniform_real_distribution<double> u(0, 1);
  for (int b = 0; b < o.baselines; ++b) {
    BaselineRecord r;
    r.key = "type:app-" + std::to_string(b);
    r.feature_table_version = 1;
    r.payload.assign(static_cast<std::size_t>(o.payload_kib) * 1024,
                     static_cast<char>('a' + b % 26));
    r.updated_unix_ms = 1;
    if (auto s = (*store)->put_baseline(r); !s) ++out.errors;
  }
  std::int64_t t = 0;
  while (Clock::now() < deadline) {
    EpisodeRecord e;
    e.instance_id = "vm-" + std::to_string(index) + "-" + std::to_string(t % 50);
    e.app_type = "app-" + std::to_string(t % 40);
    e.start_unix_ms = ++t;
    e.end_unix_ms = t + 60'000;
    e.peak_score = 3 + u(rng);
    e.feature_table_version = 1;
    e.direction.assign(40, 0.1);
    const auto w0 = Clock::now();
    if (auto id = (*store)->append_episode(e); !id) {
      if (out.errors++ == 0) out.first_error = id.error().message();
      continue;
    }
    out.write_ms.push_back(ms_since(w0));
    if (u(rng) < o.reads_per_write) {
      const auto r0 = Clock::now();
      auto all = (*store)->baselines(1);
      if (!all) {
        if (out.errors++ == 0) out.first_error = all.error().message();
        continue;
      }
      out.read_ms.push_back(ms_since(r0));
      out.rows_read += all->size();
    }
  }
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--conninfo") {
      o.conninfo = value;
    } else if (key == "--hosts") {
      o.hosts = std::atoi(value);
    } else if (key == "--seconds") {
      o.seconds = std::atof(value);
    } else if (key == "--reads-per-write") {
      o.reads_per_write = std::atof(value);
    } else if (key == "--baselines") {
      o.baselines = std::atoi(value);
    } else if (key == "--payload-kib") {
      o.payload_kib = std::atoi(value);
    } else {
      return false;
    }
  }
  return !o.conninfo.empty() && o.hosts > 0 && o.seconds > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc % 2 == 0 || !parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s --conninfo CONNINFO [--hosts N] [--seconds S] "
                 "[--reads-per-write F] [--baselines N] [--payload-kib K]\n",
                 argv[0]);
    return 2;
  }
  std::vector<HostResult> results(static_cast<std::size_t>(o.hosts));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int i = 0; i < o.hosts; ++i) {
    threads.emplace_back(run_host, std::cref(o), i, deadline,
                         std::ref(results[static_cast<std::size_t>(i)]));
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> writes;
  std::vector<double> reads;
  std::size_t rows_read = 0;
  std::size_t errors = 0;
  std::string first_error;
  for (HostResult& r : results) {
    writes.insert(writes.end(), r.write_ms.begin(), r.write_ms.end());
    reads.insert(reads.end(), r.read_ms.begin(), r.read_ms.end());
    rows_read += r.rows_read;
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }
  const double write_max = writes.empty() ? 0 : *std::max_element(writes.begin(), writes.end());
  const double read_max = reads.empty() ? 0 : *std::max_element(reads.begin(), reads.end());
  std::printf("hosts %d, %.1f s, %d baselines per host of %d KiB\n", o.hosts, elapsed, o.baselines,
              o.payload_kib);
  std::printf("episode writes: %zu (%.0f rows/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              writes.size(), static_cast<double>(writes.size()) / elapsed, percentile(writes, 0.5),
              percentile(writes, 0.99), write_max);
  std::printf(
      "baseline reads: %zu (%.1f/s, %.0f baseline rows/s); latency p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms\n",
      reads.size(), static_cast<double>(reads.size()) / elapsed,
      static_cast<double>(rows_read) / elapsed, percentile(reads, 0.5), percentile(reads, 0.99),
      read_max);
  std::printf("errors: %zu%s%s\n", errors, errors > 0 ? "; first: " : "", first_error.c_str());
  return errors > 0 ? 1 : 0;
}
