#pragma once
// Hand-made traces for the replay tests.
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "augur/replay/host.h"
#include "augur/trace/trace.h"

namespace augur::replay::test {

inline constexpr double kGiB = 1024.0 * 1024 * 1024;
inline constexpr double kMiB = 1024.0 * 1024;

inline std::string shared_data(const std::string& rel) {
  return std::string(AUGUR_SOURCE_DIR) + "/../shared/data/" + rel;
}

struct Series {
  std::vector<double> cpu, memory, disk, network;  // empty: the trace lacks it
  double cpu_capacity = kUnknown;                  // provisioned; NaN: none
  double memory_capacity = kUnknown;
};

// One instance per entry, rows every `step_s` from `start_s`.
inline trace::TraceInstance make_instance(const std::string& id, const Series& s,
                                          std::int64_t step_s = 300, std::int64_t start_s = 0) {
  trace::TraceInstance in;
  in.id = id;
  in.app_type = "web";
  in.step = std::chrono::seconds(step_s);
  std::size_t rows = std::max({s.cpu.size(), s.memory.size(), s.disk.size(), s.network.size()});
  for (std::size_t k = 0; k < rows; ++k) in.timestamps_s.push_back(start_s + k * step_s);
  auto put = [&](Metric m, const std::vector<double>& v) {
    if (!v.empty()) in.demand[static_cast<std::size_t>(m)] = v;
  };
  put(Metric::kCpuUsageCores, s.cpu);
  put(Metric::kMemoryBytes, s.memory);
  put(Metric::kDiskReadBytes, s.disk);
  put(Metric::kNetRxBytes, s.network);
  if (!std::isnan(s.cpu_capacity)) {
    in.capacity[static_cast<std::size_t>(Resource::kCpu)].assign(rows, s.cpu_capacity);
  }
  if (!std::isnan(s.memory_capacity)) {
    in.capacity[static_cast<std::size_t>(Resource::kMemory)].assign(rows, s.memory_capacity);
  }
  return in;
}

inline trace::Trace make_trace(std::vector<trace::TraceInstance> instances,
                               std::string format = "augur-csv") {
  trace::Trace t;
  t.format = std::move(format);
  t.path = "hand-made";
  t.instances = std::move(instances);
  return t;
}

inline std::vector<double> repeat(double v, std::size_t n) {
  return std::vector<double>(n, v);
}

}  // namespace augur::replay::test
