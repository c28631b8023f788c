#include "augur/replay/host.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace augur::replay {

namespace {

constexpr std::int64_t kDaySeconds = 86400;
constexpr double kInitialMeanFactor = 1.25;  // EVALUATION.md
constexpr double kInitialQuantile = 0.95;    // disk and network
constexpr double kStepTolerance = 0.10;      // an instance's step may differ this much from Δ
// 95 years of 5-minute steps: a grid longer than this comes from a stray timestamp, and
// allocating it would exhaust memory before the replay could say so.
constexpr std::size_t kMaxTicks = 10'000'000;

std::size_t idx(Resource r) {
  return static_cast<std::size_t>(r);
}

bool resource_normalised(const trace::TraceInstance& in, Resource r) {
  auto has_norm = [&](Metric m) { return in.normalised.test(static_cast<std::size_t>(m)); };
  switch (r) {
    case Resource::kCpu: return has_norm(Metric::kCpuUsageCores);
    case Resource::kMemory: return has_norm(Metric::kMemoryBytes);
    case Resource::kDisk:
      return has_norm(Metric::kDiskReadBytes) || has_norm(Metric::kDiskWriteBytes);
    case Resource::kNetwork: return has_norm(Metric::kNetRxBytes) || has_norm(Metric::kNetTxBytes);
  }
  return false;
}

double absolute_floor(Resource r) {
  switch (r) {
    case Resource::kCpu: return kFloorCpuCores;
    case Resource::kMemory: return kFloorMemoryBytes;
    case Resource::kDisk:
    case Resource::kNetwork: return kFloorBytesPerS;
  }
  return kFloorBytesPerS;
}

// Alibaba's machine_meta gives the machine's size, which is not an allocation of the
// workload measured on it.
bool capacity_is_allocation(std::string_view format) {
  return format != "alibaba-machine";
}

std::int64_t median(std::vector<std::int64_t> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

}  // namespace

std::string_view initial_rule_name(InitialRule rule) {
  switch (rule) {
    case InitialRule::kNone: return "none";
    case InitialRule::kProvisioned: return "provisioned";
    case InitialRule::kFirstDayMean: return "first-day mean x 1.25";
    case InitialRule::kFirstDayP95: return "first-day p95";
    case InitialRule::kFloor: return "floor";
  }
  return "none";
}

std::size_t horizon_steps_for(std::chrono::seconds step) {
  if (step.count() <= 0) return 1;
  if (step == std::chrono::seconds(300)) return 6;
  const auto n = static_cast<std::size_t>(std::llround(1800.0 / static_cast<double>(step.count())));
  return std::max<std::size_t>(n, 1);
}

double nearest_rank_quantile(std::vector<double>& values, double p) {
  if (values.empty()) return kUnknown;
  const double n = static_cast<double>(values.size());
  auto rank = static_cast<std::size_t>(std::ceil(p * n));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

Result<HostModel> build_host(const trace::Trace& trace, const HostOptions& options) {
  HostModel host;
  host.trace = trace.path;
  host.format = trace.format;
  host.trace_report = trace.report;

  std::vector<std::int64_t> steps;
  std::int64_t t0 = std::numeric_limits<std::int64_t>::max();
  for (const auto& in : trace.instances) {
    if (in.rows() == 0) continue;
    if (in.step.count() > 0) steps.push_back(in.step.count());
    t0 = std::min(t0, in.timestamps_s.front());
  }
  const std::int64_t step_s = median(steps);
  if (step_s <= 0) return Error{"no instance with at least two rows to set the step", trace.path};
  host.step = std::chrono::seconds(step_s);
  host.start_s = t0;
  host.horizon_steps = horizon_steps_for(host.step);

  for (std::size_t r = 0; r < kResourceCount; ++r) host.floor.values[r] = kUnknown;
  std::bitset<kResourceCount> any_normalised, any_absolute;

  for (const auto& in : trace.instances) {
    if (in.rows() == 0) {
      host.grid.skipped_instances.push_back(in.id + ": no rows");
      continue;
    }
    if (in.rows() > 1) {
      const double rel =
          std::abs(static_cast<double>(in.step.count() - step_s)) / static_cast<double>(step_s);
      if (rel > kStepTolerance) {
        host.grid.skipped_instances.push_back(in.id + ": step " + std::to_string(in.step.count()) +
                                              " s differs from the trace's " +
                                              std::to_string(step_s) + " s (replay it apart)");
        continue;
      }
    }
    auto tick_of = [&](std::int64_t ts) {
      return static_cast<std::size_t>(
          std::llround(static_cast<double>(ts - t0) / static_cast<double>(step_s)));
    };
    HostInstance h;
    h.id = in.id;
    h.app_type = in.app_type;
    h.first_tick = tick_of(in.timestamps_s.front());
    h.last_tick = tick_of(in.timestamps_s.back());
    if (h.last_tick >= kMaxTicks) {
      host.grid.skipped_instances.push_back(
          in.id + ": ends " + std::to_string(h.last_tick) + " steps after the trace's start, " +
          "more than the " + std::to_string(kMaxTicks) + " a replay holds (a stray timestamp?)");
      continue;
    }
    const std::size_t span = h.span();
    h.present.assign(span, 0);
    for (std::size_t r = 0; r < kResourceCount; ++r) h.demand[r].assign(span, kUnknown);
    for (std::size_t row = 0; row < in.rows(); ++row) {
      const std::size_t k = tick_of(in.timestamps_s[row]) - h.first_tick;
      if (h.present[k]) {
        ++host.grid.rows_merged;
      } else {
        ++host.grid.rows_placed;
      }
      h.present[k] = 1;
      const ResourceVector d = in.resource_demand(row);
      for (std::size_t r = 0; r < kResourceCount; ++r) h.demand[r][k] = d.values[r];
    }
    for (Resource r : kAllResources) {
      const auto& col = h.demand[idx(r)];
      if (std::any_of(col.begin(), col.end(), [](double v) { return !std::isnan(v); })) {
        h.simulated.set(idx(r));
        h.normalised.set(idx(r), resource_normalised(in, r));
        (h.normalised.test(idx(r)) ? any_normalised : any_absolute).set(idx(r));
      }
    }
    if (h.simulated.none()) {
      host.grid.skipped_instances.push_back(in.id + ": no usable demand");
      continue;
    }

    // Initial allocation.
    const std::int64_t day_end = in.timestamps_s.front() + kDaySeconds;
    for (Resource r : kAllResources) {
      const std::size_t ri = idx(r);
      if (!h.simulated.test(ri)) continue;
      const double floor = h.normalised.test(ri) ? kFloorNormalised : absolute_floor(r);
      double a0 = kUnknown;
      InitialRule rule = InitialRule::kNone;
      const bool cpu_or_memory = r == Resource::kCpu || r == Resource::kMemory;
      if (cpu_or_memory && capacity_is_allocation(trace.format) && !in.capacity[ri].empty() &&
          in.capacity_normalised.test(ri) == h.normalised.test(ri)) {
        for (double c : in.capacity[ri]) {
          if (!std::isnan(c) && c > 0) {
            a0 = c;
            rule = InitialRule::kProvisioned;
            break;
          }
        }
      }
      if (rule == InitialRule::kNone) {
        std::vector<double> first_day;
        for (std::size_t row = 0; row < in.rows() && in.timestamps_s[row] < day_end; ++row) {
          const double v = in.resource_demand(row).values[ri];
          if (!std::isnan(v)) first_day.push_back(v);
        }
        if (cpu_or_memory) {
          if (!first_day.empty()) {
            double sum = 0;
            for (double v : first_day) sum += v;
            a0 = sum / static_cast<double>(first_day.size()) * kInitialMeanFactor;
            rule = InitialRule::kFirstDayMean;
          }
        } else {
          a0 = nearest_rank_quantile(first_day, kInitialQuantile);
          if (!std::isnan(a0)) rule = InitialRule::kFirstDayP95;
        }
      }
      if (std::isnan(a0) || a0 < floor) {
        a0 = floor;
        rule = InitialRule::kFloor;
      }
      h.initial.values[ri] = a0;
      h.initial_rule[ri] = rule;
    }
    host.ticks = std::max(host.ticks, h.last_tick + 1);
    host.aggregate = host.aggregate || in.aggregate;
    host.instances.push_back(std::move(h));
  }
  if (host.instances.empty()) return Error{"no instance left to replay", trace.path};

  for (Resource r : kAllResources) {
    const std::size_t ri = idx(r);
    // A trace mixing fractions and absolute units for one resource gets the absolute floor.
    if (any_absolute.test(ri)) {
      host.floor.values[ri] = absolute_floor(r);
    } else if (any_normalised.test(ri)) {
      host.floor.values[ri] = kFloorNormalised;
    }
    double sum = 0;
    bool any = false;
    for (const auto& h : host.instances) {
      if (!h.simulated.test(ri)) continue;
      sum += h.initial.values[ri];
      any = true;
    }
    host.capacity.values[ri] = any ? sum * options.host_capacity_factor : kUnknown;
  }
  return host;
}

}  // namespace augur::replay
