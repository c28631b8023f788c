#include "contention.h"

#include <algorithm>
#include <cmath>

namespace augur::plan {
namespace {

void add(double v, double& sum, int& n) {
  if (std::isnan(v)) return;
  sum += v;
  ++n;
}

double mean(double sum, int n) {
  return n > 0 ? sum / n : kUnknown;
}

// Quota throttling that rises means the cap binds: demand, whatever the stall does.
bool throttling_rose(const HalfMeans& m, const PlannerOptions& o) {
  if (std::isnan(m.throttled_early) || std::isnan(m.throttled_late)) return false;
  return m.throttled_late - m.throttled_early >= o.contention_hold_rise;
}

}  // namespace

void push_cpu_point(std::deque<CpuPoint>& history, const CpuPoint& p, Nanos window) {
  history.push_back(p);
  while (!history.empty() && history.front().at <= p.at - window) history.pop_front();
}

HalfMeans half_means(const std::deque<CpuPoint>& history, SteadyTime now, Nanos window) {
  // Split the history actually held (shorter than the window for a new instance) at its
  // middle, so a young instance is judged too.
  SteadyTime oldest = now;
  for (const CpuPoint& p : history) {
    if (p.at > now - window) {
      oldest = p.at;
      break;
    }
  }
  const SteadyTime mid = oldest + (now - oldest) / 2;
  double se = 0, sl = 0, oe = 0, ol = 0, ne = 0, nl = 0, te = 0, tl = 0;
  int tne = 0, tnl = 0;
  HalfMeans m;
  for (const CpuPoint& p : history) {
    if (p.at <= now - window) continue;
    if (p.at <= mid) {
      add(p.stall, se, m.stall_n_early);
      add(p.own, oe, m.own_n_early);
      add(p.need, ne, m.need_n_early);
      add(p.throttled, te, tne);
    } else {
      add(p.stall, sl, m.stall_n_late);
      add(p.own, ol, m.own_n_late);
      add(p.need, nl, m.need_n_late);
      add(p.throttled, tl, tnl);
    }
  }
  if (!history.empty()) {
    m.stall_last = history.back().stall;
    m.own_last = history.back().own;
    m.need_last = history.back().need;
  }
  m.throttled_early = mean(te, tne);
  m.throttled_late = mean(tl, tnl);
  m.stall_early = mean(se, m.stall_n_early);
  m.stall_late = mean(sl, m.stall_n_late);
  m.own_early = mean(oe, m.own_n_early);
  m.own_late = mean(ol, m.own_n_late);
  m.need_early = mean(ne, m.need_n_early);
  m.need_late = mean(nl, m.need_n_late);
  return m;
}

double stall_of(double runqueue_wait_share, double cpu_pressure_some) {
  if (std::isnan(runqueue_wait_share)) return cpu_pressure_some;
  if (std::isnan(cpu_pressure_some)) return runqueue_wait_share;
  return std::max(runqueue_wait_share, cpu_pressure_some);
}

// Own work did not rise: flat within the band, or fallen. A victim squeezed by a neighbour
// loses CPU time while it waits more; that is contention too, never demand.
bool own_work_flat(double reference, double now, const PlannerOptions& o) {
  if (std::isnan(reference) || std::isnan(now)) return false;
  const double band =
      o.contention_own_flat_fraction * std::max(reference, o.contention_own_floor_cores);
  return now - reference <= band;
}

bool rose_while_flat(const HalfMeans& m, const PlannerOptions& o) {
  const int need = o.contention_min_samples_per_half;
  if (m.stall_n_early < need || m.stall_n_late < need || m.own_n_early < need ||
      m.own_n_late < need) {
    return false;
  }
  const double stall_rise = m.stall_late - m.stall_early;
  return stall_rise >= o.contention_stall_rise && own_work_flat(m.own_early, m.own_late, o) &&
         m.own_late - m.own_early <= o.contention_own_vs_stall * stall_rise &&
         !throttling_rose(m, o);
}

bool suspect_contention(const HalfMeans& m, const PlannerOptions& o) {
  const int need = o.contention_min_samples_per_half;
  if (m.stall_n_early < need || m.own_n_early < need || std::isnan(m.stall_last)) return false;
  return m.stall_last - m.stall_early >= o.contention_hold_rise &&
         own_work_flat(m.own_early, m.own_last, o) && !throttling_rose(m, o);
}

double antagonist_rise(const HalfMeans& m, const PlannerOptions& o) {
  const int need = o.contention_min_samples_per_half;
  if (m.need_n_early < need || m.need_n_late < need || std::isnan(m.need_last)) return -1;
  const double rise = m.need_last - m.need_early;
  const bool enough = rise >= o.contention_antagonist_min_cores &&
                      rise >= o.contention_antagonist_rise_fraction * std::max(m.need_early, 0.0);
  return enough ? rise : -1;
}

}  // namespace augur::plan
