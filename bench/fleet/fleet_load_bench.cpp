// Load on the fleet database: N simulated hosts, each with its own PostgresStore connection
// (one connection per host, as augurd's sync thread has), writing episodes and reading the
// fleet's baselines against a real server, closed loop, for a fixed time.
//
//   bench_fleet_load --conninfo "host=/tmp/pg/sock dbname=augur_test" [--hosts 200]
//                    [--seconds 30] [--reads-per-write 0.1] [--baselines 5]
//                    [--payload-kib 32] [--read aggregate|all]
//                    [--baseline-writes-per-write 0]
//
// Each host first stores `--baselines` type baselines of `--payload-kib` (a serialised
// baseline with co-moments is about 32 KiB), then loops: append one episode; with
// probability reads-per-write, read the fleet's baselines; with probability
// baseline-writes-per-write, rewrite one of its type baselines (a save). `--read aggregate`
// (the default) reads what the fleet layer's refresh reads now: per type the fleet aggregate
// and this host's own row, one row per type whatever the fleet's size
// (Store::fleet_type_others); `--read all` reads every baseline of the feature table version
// (what the refresh pulled before the aggregate: every host's, growing with the fleet).
// `--payload-kib 0` stores real serialised baselines (with co-moments, about 70 KiB of
// JSON, each host its own), which the aggregate merges; other sizes store filler bytes of
// that size, which the aggregate skips (they do not decode). Reports rows written per second,
// baseline reads per second, and p50/p99/max latency of each call. The server must allow
// hosts + a few connections (max_connections; tests/fleet/pg-server.sh sets 300).
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

#include "augur/drift/baseline.h"
#include "augur/drift/baseline_codec.h"
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
  bool read_all = false;
  double baseline_writes_per_write = 0;
};

struct HostResult {
  std::vector<double> baseline_write_ms;
  std::vector<double> write_ms;
  std::vector<double> read_ms;
  std::size_t rows_read = 0;
  std::size_t errors = 0;
  std::string first_error;
  std::size_t setup_retries = 0;
  std::string first_setup_error;
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

// A serialised baseline with co-moments learned from random windows: what a host stores per
// type (different on every host, so the aggregate's merge does real work).
std::string real_baseline(std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0, 1);
  augur::drift::Baseline b = augur::drift::make_baseline(/*track_covariance=*/true);
  std::vector<double> values(augur::fingerprint::kFeatureCount);
  const std::vector<bool> present(augur::fingerprint::kFeatureCount, true);
  for (int w = 0; w < 200; ++w) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      values[i] = 10.0 * static_cast<double>(i + 1) + noise(rng);
    }
    augur::drift::learn_modelled(b, values, present);
    b.scores.add(0.5 + std::abs(noise(rng)));
  }
  return augur::drift::serialize(b);
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
  std::int64_t saved_ms = 0;
  auto type_row = [&](int b) {
    BaselineRecord r;
    r.key = "type:app-" + std::to_string(b);
    r.feature_table_version = augur::fingerprint::kFeatureTableVersion;
    if (o.payload_kib > 0) {
      r.payload.assign(static_cast<std::size_t>(o.payload_kib) * 1024,
                       static_cast<char>('a' + b % 26));
    } else {
      r.payload = real_baseline(rng);
    }
    r.updated_unix_ms = ++saved_ms;
    return r;
  };
  // Every host saving every type at once (a fleet started together) queues on each type's
  // aggregate lock; a write that times out is retried, as the fleet layer's outbox would,
  // and counted apart from the measured loop's errors.
  for (int b = 0; b < o.baselines; ++b) {
    const BaselineRecord r = type_row(b);
    for (;;) {
      auto s = (*store)->put_baseline(r);
      if (s) break;
      if (++out.setup_retries == 1) out.first_setup_error = s.error().message();
      if (Clock::now() >= deadline) {
        ++out.errors;
        break;
      }
    }
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
    if (u(rng) < o.baseline_writes_per_write) {
      const BaselineRecord r =
          type_row(static_cast<int>(rng() % static_cast<std::uint64_t>(std::max(1, o.baselines))));
      const auto b0 = Clock::now();
      if (auto s = (*store)->put_baseline(r); !s) {
        if (out.errors++ == 0) out.first_error = s.error().message();
      } else {
        out.baseline_write_ms.push_back(ms_since(b0));
      }
    }
    if (u(rng) < o.reads_per_write) {
      const auto r0 = Clock::now();
      auto all = o.read_all ? (*store)->baselines(augur::fingerprint::kFeatureTableVersion)
                            : (*store)->fleet_type_others(augur::fingerprint::kFeatureTableVersion);
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
    } else if (key == "--read") {
      if (std::string_view(value) != "aggregate" && std::string_view(value) != "all") return false;
      o.read_all = std::string_view(value) == "all";
    } else if (key == "--baseline-writes-per-write") {
      o.baseline_writes_per_write = std::atof(value);
    } else {
      return false;
    }
  }
  return !o.conninfo.empty() && o.hosts > 0 && o.seconds > 0 && o.payload_kib >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc % 2 == 0 || !parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s --conninfo CONNINFO [--hosts N] [--seconds S] "
                 "[--reads-per-write F] [--baselines N] [--payload-kib K] "
                 "[--read aggregate|all] [--baseline-writes-per-write F]\n",
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
  std::vector<double> baseline_writes;
  std::vector<double> reads;
  std::size_t rows_read = 0;
  std::size_t errors = 0;
  std::string first_error;
  std::size_t setup_retries = 0;
  std::string first_setup_error;
  for (HostResult& r : results) {
    setup_retries += r.setup_retries;
    if (first_setup_error.empty()) first_setup_error = r.first_setup_error;
    writes.insert(writes.end(), r.write_ms.begin(), r.write_ms.end());
    reads.insert(reads.end(), r.read_ms.begin(), r.read_ms.end());
    baseline_writes.insert(baseline_writes.end(), r.baseline_write_ms.begin(),
                           r.baseline_write_ms.end());
    rows_read += r.rows_read;
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }
  const double write_max = writes.empty() ? 0 : *std::max_element(writes.begin(), writes.end());
  const double read_max = reads.empty() ? 0 : *std::max_element(reads.begin(), reads.end());
  std::printf("hosts %d, %.1f s, %d baselines per host of %s, reading %s\n", o.hosts, elapsed,
              o.baselines,
              o.payload_kib > 0 ? (std::to_string(o.payload_kib) + " KiB of filler").c_str()
                                : "a real baseline",
              o.read_all ? "every host's rows" : "the fleet aggregates and own rows");
  std::printf("episode writes: %zu (%.0f rows/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              writes.size(), static_cast<double>(writes.size()) / elapsed, percentile(writes, 0.5),
              percentile(writes, 0.99), write_max);
  std::printf(
      "baseline reads: %zu (%.1f/s, %.0f baseline rows/s); latency p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms\n",
      reads.size(), static_cast<double>(reads.size()) / elapsed,
      static_cast<double>(rows_read) / elapsed, percentile(reads, 0.5), percentile(reads, 0.99),
      read_max);
  if (!baseline_writes.empty()) {
    const double bmax = *std::max_element(baseline_writes.begin(), baseline_writes.end());
    std::printf(
        "type baseline writes: %zu (%.1f/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        baseline_writes.size(), static_cast<double>(baseline_writes.size()) / elapsed,
        percentile(baseline_writes, 0.5), percentile(baseline_writes, 0.99), bmax);
  }
  std::printf("initial type baseline writes retried: %zu%s%s\n", setup_retries,
              setup_retries > 0 ? "; first: " : "", first_setup_error.c_str());
  std::printf("errors: %zu%s%s\n", errors, errors > 0 ? "; first: " : "", first_error.c_str());
  return errors > 0 ? 1 : 0;
}
