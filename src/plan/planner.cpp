#include "augur/plan/planner.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "capacity.h"
#include "contention.h"
#include "proposal.h"
#include "sliding_max.h"

namespace augur::plan {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct PendingCheck {
  SteadyTime at{};
  double old_value = 0;
  double new_value = 0;
  double unmet_before = 0;
  double usage_before = kUnknown;      // usage of r when the change was made
  double throttled_before = kUnknown;  // CPU quota throttling share then (CPU only)
  int direction = 0;
};

struct ResourceState {
  SlidingMax peak;                      // need over scale_down_window
  std::optional<SteadyTime> low_since;  // first tick of the current low-need run
  std::optional<SteadyTime> last_change;
  std::optional<double> last_bounds_target;  // the last change, when it was a bounds one
  int last_direction = 0;
  std::deque<SteadyTime> flips;
  std::optional<PendingCheck> pending;
};

struct InstanceState {
  std::array<ResourceState, kResourceCount> res;
  std::deque<CpuPoint> cpu;
  ContentionLatch latch;
  std::optional<SteadyTime> frozen_until;
  std::optional<SteadyTime> prediction_at;
  ResourceVector prediction_need;  // need when the current prediction was first seen
};

const config::ResourceBounds& bounds_of(const config::PlanSection& p, Resource r) {
  switch (r) {
    case Resource::kCpu: return p.cpu;
    case Resource::kMemory: return p.memory;
    case Resource::kDisk: return p.disk;
    case Resource::kNetwork: return p.network;
  }
  return p.cpu;
}

struct Limits {
  double lo = 0;
  double hi = kInf;
  const char* hi_name = "max";
};

Limits limits_for(const config::ResourceBounds& b, const InstanceInput& in, const HostInput& host,
                  Resource r) {
  Limits l;
  l.lo = std::max(b.min, 0.0);
  if (b.max > 0) l.hi = b.max;
  if (in.max_allocation.known(r) && in.max_allocation[r] < l.hi) {
    l.hi = in.max_allocation[r];
    l.hi_name = "instance-max";
  }
  if (host.capacity.known(r) && host.capacity[r] < l.hi) {
    l.hi = host.capacity[r];
    l.hi_name = "host-capacity";
  }
  l.lo = std::min(l.lo, l.hi);
  return l;
}

double unmet_of(const InstanceInput& in, Resource r) {
  if (!in.need.known(r) || !in.usage.known(r)) return kUnknown;
  return std::max(in.need[r] - in.usage[r], 0.0);
}

// A CPU growth helped when the workload used it or the cap binds less. Unmet demand alone
// cannot tell: it is usage + throttled share x allocation, so once the share saturates at 1
// the unmet amount grows with the allocation even when the growth was fully used. Judged
// only where the throttling share is measured (the source of that unmet demand).
bool cpu_growth_used(const PlannerOptions& o, const PendingCheck& check, const InstanceInput& in) {
  const double share_now = in.cpu_throttled_share;
  if (std::isnan(check.throttled_before) || std::isnan(share_now)) return false;
  const double growth = check.new_value - check.old_value;
  if (!std::isnan(check.usage_before) && in.usage.known(Resource::kCpu) && growth > 0 &&
      in.usage[Resource::kCpu] - check.usage_before >= o.verify_min_usage_gain * growth) {
    return true;
  }
  return check.throttled_before >= o.verify_unmet_floor_fraction &&
         share_now <= check.throttled_before * (1 - o.verify_min_improvement);
}

bool in_cooldown(const ResourceState& rs, Nanos cooldown, SteadyTime now) {
  return rs.last_change && now - *rs.last_change < cooldown;
}

// Cuts the flips older than the breaker window.
void prune_flips(ResourceState& rs, SteadyTime now, Nanos window) {
  while (!rs.flips.empty() && rs.flips.front() <= now - window) rs.flips.pop_front();
}

}  // namespace

struct Planner::State {
  PlannerOptions options;
  PlannerCounters counters;
  std::unordered_map<std::string, InstanceState> instances;

  void observe(const HostInput& host, std::vector<InstanceState*>& states);
  std::vector<std::optional<ContentionFinding>> classify(const HostInput& host,
                                                         const std::vector<InstanceState*>& s,
                                                         std::vector<bool>& suspected);
  std::optional<Proposal> propose(const HostInput& host, std::size_t i, InstanceState& st,
                                  Resource r, bool contention);
};

void Planner::State::observe(const HostInput& host, std::vector<InstanceState*>& states) {
  const config::PlanSection& p = options.plan;
  const SteadyTime now = host.at;
  for (const InstanceInput& in : host.instances) {
    InstanceState& st = instances[in.instance_id];
    states.push_back(&st);
    for (Resource r : kAllResources) {
      ResourceState& rs = st.res[static_cast<std::size_t>(r)];
      if (!in.need.known(r)) continue;
      rs.peak.push(now, in.need[r], p.scale_down_window);
      bool low = in.allocation.known(r) &&
                 in.need[r] * (1 + p.headroom_margin) < in.allocation[r] * (1 - p.hysteresis);
      if (r == Resource::kMemory && in.memory_pressure) low = false;
      if (!low) {
        rs.low_since.reset();
      } else if (!rs.low_since) {
        rs.low_since = now;
      }
    }
    CpuPoint point;
    point.at = now;
    point.stall = stall_of(in.runqueue_wait_share, in.cpu_pressure_some);
    point.own = in.own_work_cores;
    point.need = in.need[Resource::kCpu];
    point.throttled = in.cpu_throttled_share;
    push_cpu_point(st.cpu, point, options.contention_window);
    if (in.prediction && in.prediction->available) {
      if (st.prediction_at != in.prediction->at) {
        st.prediction_at = in.prediction->at;
        st.prediction_need = in.need;
      }
    } else {
      st.prediction_at.reset();
    }
  }
}

std::vector<std::optional<ContentionFinding>> Planner::State::classify(
    const HostInput& host, const std::vector<InstanceState*>& states,
    std::vector<bool>& suspected) {
  const std::size_t n = host.instances.size();
  std::vector<HalfMeans> means(n);
  for (std::size_t i = 0; i < n; ++i) {
    means[i] = half_means(states[i]->cpu, host.at, options.contention_window);
  }
  std::vector<double> rises(n);
  for (std::size_t i = 0; i < n; ++i) rises[i] = antagonist_rise(means[i], options);

  std::vector<std::optional<ContentionFinding>> out(n);
  suspected.assign(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    ContentionLatch& latch = states[i]->latch;
    const HalfMeans& m = means[i];
    suspected[i] = suspect_contention(m, options);
    const bool fresh = rose_while_flat(m, options);
    if (latch.active) {
      const bool holds = m.stall_n_late > 0 && m.stall_late >= latch.stall_threshold &&
                         own_work_flat(latch.own_ref, m.own_late, options);
      if (!holds && !fresh) latch = ContentionLatch{};
    }
    if (fresh && !latch.active) {
      latch.active = true;
      latch.stall_threshold = m.stall_early + options.contention_stall_rise / 2;
      latch.own_ref = m.own_early;
      latch.antagonists.clear();
    }
    if (!latch.active) continue;
    suspected[i] = true;

    std::vector<std::pair<double, std::size_t>> risers;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i && rises[j] > 0) risers.emplace_back(rises[j], j);
    }
    std::sort(risers.begin(), risers.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first > b.first;
      return host.instances[a.second].instance_id < host.instances[b.second].instance_id;
    });
    if (!risers.empty()) {
      latch.antagonists.clear();
      for (const auto& [rise, j] : risers) {
        latch.antagonists.push_back(host.instances[j].instance_id);
      }
    }
    ContentionFinding f;
    f.instance_id = host.instances[i].instance_id;
    f.at = host.at;
    f.stall_rise = m.stall_late - m.stall_early;
    f.own_work_change_fraction =
        (m.own_late - m.own_early) / std::max(m.own_early, options.contention_own_floor_cores);
    f.antagonists = latch.antagonists;
    out[i] = std::move(f);
  }
  return out;
}

std::optional<Proposal> Planner::State::propose(const HostInput& host, std::size_t i,
                                                InstanceState& st, Resource r, bool contention) {
  const config::PlanSection& p = options.plan;
  const InstanceInput& in = host.instances[i];
  const config::ResourceBounds& b = bounds_of(p, r);
  ResourceState& rs = st.res[static_cast<std::size_t>(r)];
  const SteadyTime now = host.at;
  if (!in.allocation.known(r) || !in.need.known(r)) return std::nullopt;
  const double a = in.allocation[r];
  const double n = in.need[r];
  const double m = p.headroom_margin;
  const bool no_shrink = r == Resource::kMemory && in.memory_pressure;
  const Limits lim = limits_for(b, in, host, r);

  Proposal prop;
  prop.instance = i;
  prop.resource = r;
  prop.old_value = a;
  prop.unmet = unmet_of(in, r);

  auto significant = [&](double target) {
    if (no_shrink && target < a) return false;
    return std::abs(target - a) >= p.hysteresis * a && target != a;
  };

  // Verification of the last change, once it has settled.
  if (rs.pending && now - rs.pending->at >= p.verify_settle) {
    const PendingCheck check = *rs.pending;
    rs.pending.reset();
    const bool in_force =
        std::abs(a - check.new_value) <=
        options.verify_applied_tolerance * std::max(std::abs(check.new_value), 1e-12);
    bool undo = false;
    if (in_force && !std::isnan(prop.unmet)) {
      if (check.direction > 0) {
        undo = prop.unmet > check.unmet_before * (1 - options.verify_min_improvement) &&
               !(r == Resource::kCpu && cpu_growth_used(options, check, in));
      } else {
        undo = prop.unmet > std::max(check.unmet_before, options.verify_unmet_floor_fraction * a);
      }
    }
    if (undo) {
      const double target = std::clamp(check.old_value, lim.lo, lim.hi);
      if (target != a && !(no_shrink && target < a)) {
        prop.target = target;
        prop.reason = "undo";
        return prop;
      }
    }
  }

  if (a < lim.lo || a > lim.hi) {
    prop.target = a < lim.lo ? lim.lo : lim.hi;
    prop.clamp = a < lim.lo ? "min" : lim.hi_name;
    prop.reason = "bounds";
    if (no_shrink && prop.target < a) return std::nullopt;
    // A bounds correction skips the cooldown, but the same one is not sent again within it:
    // in observe or advise mode, or while a balloon is still getting there, the allocation
    // stays out of bounds for a while, and one record per tick would flood the journal.
    if (rs.last_bounds_target == prop.target && in_cooldown(rs, b.cooldown, now)) {
      return std::nullopt;
    }
    return prop;
  }
  if (in_cooldown(rs, b.cooldown, now)) return std::nullopt;

  const double step_base = std::max(a, lim.lo);
  const double step_up = step_base > 0 ? b.max_step_fraction * step_base : kInf;
  const double step_down = step_up * options.scale_down_step_factor;

  // Scale-up.
  double up = -kInf;
  std::string up_reason;
  if (n * (1 + m) > a) {
    up = n * (1 + m);
    up_reason = "reactive";
  }
  if (in.prediction && in.prediction->available && st.prediction_at &&
      in.prediction->increase.known(r) && in.prediction->increase[r] > 0 &&
      st.prediction_need.known(r)) {
    const double c = std::clamp(in.prediction->confidence, 0.0, 1.0);
    const double predicted = (st.prediction_need[r] + in.prediction->increase[r] * c) * (1 + m);
    if (predicted > a && predicted > up) {
      up = predicted;
      up_reason = "prediction";
    }
  }
  if (r == Resource::kCpu && contention) up = -kInf;

  if (up > a) {
    double target = up;
    if (target > a + step_up) {
      target = a + step_up;
      prop.clamp = "max-step";
    }
    if (target > lim.hi) {
      target = lim.hi;
      prop.clamp = lim.hi_name;
    }
    if (!significant(target)) return std::nullopt;
    prop.target = target;
    prop.reason = up_reason;
    return prop;
  }

  // Scale-down.
  if (no_shrink || !rs.low_since || now - *rs.low_since < p.scale_down_window) {
    return std::nullopt;
  }
  double floor = rs.peak.max() * (1 + m);
  if (std::isnan(floor)) return std::nullopt;
  if (floor < lim.lo) {
    floor = lim.lo;
    prop.clamp = "min";
  }
  if (floor >= a) return std::nullopt;
  double target = floor;
  if (target < a - step_down) {
    target = a - step_down;
    prop.clamp = "max-step";
  }
  if (!significant(target)) return std::nullopt;
  prop.target = target;
  prop.reason = "scale-down";
  return prop;
}

Planner::Planner(PlannerOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}
Planner::~Planner() = default;
Planner::Planner(Planner&&) noexcept = default;
Planner& Planner::operator=(Planner&&) noexcept = default;

void Planner::forget(std::string_view instance_id) {
  state_->instances.erase(std::string(instance_id));
}
void Planner::set_options(PlannerOptions options) {
  state_->options = std::move(options);
}
const PlannerOptions& Planner::options() const {
  return state_->options;
}
const PlannerCounters& Planner::counters() const {
  return state_->counters;
}

PlanResult Planner::plan(const HostInput& host) {
  State& s = *state_;
  const PlannerOptions& o = s.options;
  const SteadyTime now = host.at;
  PlanResult result;
  result.at = now;

  std::vector<InstanceState*> states;
  states.reserve(host.instances.size());
  s.observe(host, states);
  std::vector<bool> suspected;
  std::vector<std::optional<ContentionFinding>> contention = s.classify(host, states, suspected);

  result.decisions.resize(host.instances.size());
  std::vector<Proposal> proposals;
  for (std::size_t i = 0; i < host.instances.size(); ++i) {
    const InstanceInput& in = host.instances[i];
    InstanceState& st = *states[i];
    InstanceDecision& d = result.decisions[i];
    d.plan.instance_id = in.instance_id;
    d.plan.at = now;
    d.plan.target = in.allocation;
    d.contention = contention[i].has_value();
    d.contention_suspected = suspected[i];
    if (d.contention) {
      ++s.counters.contention_ticks;
      result.contention.push_back(*contention[i]);
    }
    if (st.frozen_until && now >= *st.frozen_until) st.frozen_until.reset();
    if (st.frozen_until) {
      d.frozen = true;
      d.frozen_until = st.frozen_until;
      continue;
    }
    for (Resource r : kAllResources) {
      if (auto prop = s.propose(host, i, st, r, d.contention_suspected)) {
        proposals.push_back(*prop);
      }
    }
  }

  // Oscillation breaker: an instance whose proposals would flip too often is frozen. Judged
  // on the proposals before capacity cuts (a cut only shrinks or drops an increase).
  const int flip_limit = o.plan.breaker_flips_per_hour;
  for (std::size_t i = 0; i < host.instances.size(); ++i) {
    InstanceState& st = *states[i];
    bool trip = false;
    for (const Proposal& prop : proposals) {
      if (prop.instance != i || prop.dropped) continue;
      ResourceState& rs = st.res[static_cast<std::size_t>(prop.resource)];
      prune_flips(rs, now, o.breaker_window);
      const bool flip = rs.last_direction != 0 && prop.direction() != rs.last_direction;
      if (flip && static_cast<int>(rs.flips.size()) + 1 > flip_limit) trip = true;
    }
    if (!trip) continue;
    st.frozen_until = now + o.breaker_freeze;
    for (ResourceState& rs : st.res) {
      rs.flips.clear();
      rs.pending.reset();
    }
    for (Proposal& prop : proposals) {
      if (prop.instance == i) prop.dropped = true;
    }
    ++s.counters.breaker_trips;
    result.newly_frozen.push_back(host.instances[i].instance_id);
    result.decisions[i].frozen = true;
    result.decisions[i].frozen_until = st.frozen_until;
  }

  // After the breaker, so capacity freed by a frozen instance's dropped decrease is never
  // handed to another instance.
  apply_capacity(host, o, proposals, s.counters);

  // Commit what is emitted.
  for (const Proposal& prop : proposals) {
    if (prop.dropped) continue;
    const InstanceInput& in = host.instances[prop.instance];
    ResourceState& rs = states[prop.instance]->res[static_cast<std::size_t>(prop.resource)];
    const int dir = prop.direction();
    if (rs.last_direction != 0 && dir != rs.last_direction) rs.flips.push_back(now);
    rs.last_direction = dir;
    rs.last_change = now;
    rs.last_bounds_target =
        prop.reason == "bounds" ? std::optional<double>(prop.target) : std::nullopt;
    if (dir > 0) rs.low_since.reset();  // a grown allocation earns a fresh low-need window
    rs.pending.reset();
    const bool growth_for_unmet = dir > 0 && !std::isnan(prop.unmet) && prop.unmet > 0;
    const bool verified = prop.reason != "undo" && prop.reason != "bounds" &&
                          (growth_for_unmet || prop.reason == "scale-down");
    if (verified) {
      PendingCheck check;
      check.at = now;
      check.old_value = prop.old_value;
      check.new_value = prop.target;
      check.unmet_before = std::isnan(prop.unmet) ? 0.0 : prop.unmet;
      check.usage_before = in.usage.known(prop.resource) ? in.usage[prop.resource] : kUnknown;
      if (prop.resource == Resource::kCpu) check.throttled_before = in.cpu_throttled_share;
      check.direction = dir;
      rs.pending = check;
    }
    InstanceDecision& d = result.decisions[prop.instance];
    d.plan.target[prop.resource] = prop.target;
    d.plan.changes.push_back(Change{in.instance_id, prop.resource, prop.old_value, prop.target,
                                    prop.reason, prop.clamp});
    ++s.counters.changes;
    if (prop.reason == "undo") ++s.counters.undos;
  }
  result.counters = s.counters;
  return result;
}

}  // namespace augur::plan
