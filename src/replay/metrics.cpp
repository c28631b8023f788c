#include "augur/replay/metrics.h"

#include <algorithm>
#include <cmath>

namespace augur::replay {

namespace {

double ratio(double num, double den) {
  return den > 0 ? num / den : kUnknown;
}

// Mean of the known values; NaN when none.
double mean_known(const std::array<double, kResourceCount>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v) {
    if (std::isnan(x)) continue;
    sum += x;
    ++n;
  }
  return n > 0 ? sum / n : kUnknown;
}

struct SlackSums {
  double slack = 0;
  double allocated = 0;
};

}  // namespace

PolicyFigures compute_figures(const HostModel& host, const AllocationSeries& allocation,
                              const std::optional<PredictionErrorSums>& errors) {
  PolicyFigures out;
  const double dt_min = host.step_minutes();
  const double step_days = static_cast<double>(host.step.count()) / 86400.0;
  const std::size_t h = host.horizon_steps;

  std::array<SlackSums, kResourceCount> slack{};
  std::array<double, kResourceCount> instance_slack_sum{};
  std::array<int, kResourceCount> instance_slack_n{};
  std::array<std::uint64_t, kResourceCount> changes{};
  std::array<double, kResourceCount> instance_days{};
  double total_unmet = 0;
  double total_under_minutes = 0;

  for (std::size_t i = 0; i < host.instances.size(); ++i) {
    const HostInstance& inst = host.instances[i];
    const std::size_t span = inst.span();
    std::vector<std::uint8_t> under_any(span, 0);
    for (Resource r : kAllResources) {
      const std::size_t ri = static_cast<std::size_t>(r);
      if (!inst.simulated.test(ri)) continue;
      Figures& f = out.resources[ri];
      const auto& d = inst.demand[ri];
      const auto& a = allocation[i][ri];
      const double a0 = inst.initial.values[ri];
      SlackSums own;
      instance_days[ri] += static_cast<double>(span) * step_days;
      for (std::size_t k = 0; k < span; ++k) {
        if (k > 0 && a[k] != a[k - 1]) ++changes[ri];
        const double dk = d[k];
        if (std::isnan(dk)) continue;
        const double ak = a[k];
        const double u = std::min(dk, ak);
        own.slack += ak - u;
        own.allocated += ak;
        if (dk > ak) {
          f.under_provisioned_minutes += dt_min;
          f.unmet_demand += (dk - ak) * dt_min;
          total_unmet += (dk - ak) * dt_min / a0;
          under_any[k] = 1;
        }
        // Lead time.
        if (k == 0) continue;
        double prev_max = kUnknown;
        for (std::size_t j = k > kRiseLookbackSteps ? k - kRiseLookbackSteps : 0; j < k; ++j) {
          if (!std::isnan(d[j]) && !(d[j] <= prev_max)) prev_max = d[j];
        }
        if (std::isnan(prev_max) || !(dk > prev_max + kRiseFraction * a0)) continue;
        ++f.rises;
        const double before = a[k >= h ? k - h : 0];
        if (before >= dk) {
          ++f.covered;
        } else if (ak >= dk && ak - before >= kRaiseFraction * a0) {
          ++f.hits;
        }
      }
      slack[ri].slack += own.slack;
      slack[ri].allocated += own.allocated;
      if (own.allocated > 0) {
        instance_slack_sum[ri] += own.slack / own.allocated;
        ++instance_slack_n[ri];
      }
    }
    for (std::size_t k = 0; k < span; ++k) {
      if (under_any[k]) total_under_minutes += dt_min;
    }
  }

  std::array<double, kResourceCount> rel{}, inst_slack{};
  Figures& t = out.total;
  double changes_total = 0;
  bool any_changes = false;
  for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
    Figures& f = out.resources[ri];
    f.mean_relative_slack = ratio(slack[ri].slack, slack[ri].allocated);
    f.mean_instance_slack =
        instance_slack_n[ri] > 0 ? instance_slack_sum[ri] / instance_slack_n[ri] : kUnknown;
    f.changes_per_instance_day = ratio(static_cast<double>(changes[ri]), instance_days[ri]);
    f.lead_time_hit_rate =
        ratio(static_cast<double>(f.hits), static_cast<double>(f.rises - f.covered));
    f.hits_per_rise = ratio(static_cast<double>(f.hits), static_cast<double>(f.rises));
    rel[ri] = f.mean_relative_slack;
    inst_slack[ri] = f.mean_instance_slack;
    if (!std::isnan(f.changes_per_instance_day)) {
      changes_total += f.changes_per_instance_day;
      any_changes = true;
    }
    t.rises += f.rises;
    t.covered += f.covered;
    t.hits += f.hits;
  }
  t.under_provisioned_minutes = total_under_minutes;
  t.unmet_demand = total_unmet;
  t.mean_relative_slack = mean_known(rel);
  t.mean_instance_slack = mean_known(inst_slack);
  t.changes_per_instance_day = any_changes ? changes_total : kUnknown;
  t.lead_time_hit_rate =
      ratio(static_cast<double>(t.hits), static_cast<double>(t.rises - t.covered));
  t.hits_per_rise = ratio(static_cast<double>(t.hits), static_cast<double>(t.rises));
  if (errors) {
    double sum = 0;
    std::uint64_t n = 0;
    for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
      Figures& f = out.resources[ri];
      f.prediction_terms = errors->count[ri];
      f.prediction_error = ratio(errors->sum.values[ri], static_cast<double>(errors->count[ri]));
      sum += errors->sum.values[ri];
      n += errors->count[ri];
    }
    t.prediction_terms = n;
    t.prediction_error = ratio(sum, static_cast<double>(n));
  }
  return out;
}

}  // namespace augur::replay
