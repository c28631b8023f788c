#include "augur/actuate/actuator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "augur/actuate/bounds_check.h"

namespace augur::actuate {
namespace {

// Below these differences a read-back equals the write whatever the value: the kernel
// rounds a quota to whole µs and memory to whole pages (64 KiB on some arm64 hosts).
double granularity(Resource r) {
  switch (r) {
    case Resource::kCpu: return 1e-4;
    case Resource::kMemory: return 65536;
    case Resource::kDisk:
    case Resource::kNetwork: return 1;
  }
  return 0;
}

std::string shown(double v) {
  if (std::isnan(v)) return "unlimited";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kApplied: return "applied";
    case Outcome::kRefused: return "refused";
    case Outcome::kFailed: return "failed";
    case Outcome::kUnsupported: return "unsupported";
    case Outcome::kSkippedMode: return "skipped-mode";
  }
  return "unknown";
}

Actuator::Actuator(Backends backends, config::PlanSection bounds, const Clock& clock,
                   ActuatorOptions options)
    : backends_(std::move(backends)), bounds_(bounds), clock_(clock), options_(options) {}

std::vector<ApplyRecord> Actuator::apply(const Plan& plan, const Instance& instance, Mode mode) {
  std::vector<ApplyRecord> records;
  records.reserve(plan.changes.size());
  for (const auto& change : plan.changes) {
    // The newer decision wins over a failed older one waiting for its retry.
    retries_.cancel(change.instance_id, change.resource);
    records.push_back(attempt(change, instance, mode, 1));
  }
  return records;
}

std::vector<ApplyRecord> Actuator::retry_due(Mode mode) {
  std::vector<ApplyRecord> records;
  for (auto& pending : retries_.take_due(clock_.now())) {
    const int number = pending.attempts_made + 1;
    if (mode != Mode::kEnforce) {
      // Switched out of enforce: drop the retry, write nothing.
      ApplyRecord rec;
      rec.instance_id = pending.change.instance_id;
      rec.resource = pending.change.resource;
      rec.old_value = pending.change.old_value;
      rec.new_value = pending.change.new_value;
      rec.mode = mode;
      rec.outcome = Outcome::kSkippedMode;
      rec.reason = pending.change.reason;
      rec.clamp = pending.change.clamp;
      rec.attempt = number;
      records.push_back(std::move(rec));
      continue;
    }
    records.push_back(attempt(pending.change, pending.instance, mode, number));
  }
  return records;
}

std::size_t Actuator::forget(std::string_view instance_id) {
  const auto cancelled = retries_.cancel_instance(instance_id);
  const auto same = [&](const auto& entry) { return entry.first.first == instance_id; };
  std::erase_if(choices_, same);
  std::erase_if(originals_, same);
  return cancelled;
}

std::vector<ApplyRecord> Actuator::restore_all() {
  retries_.clear();
  std::vector<ApplyRecord> records;
  for (const auto& [key, original] : originals_) {
    ApplyRecord rec;
    rec.instance_id = key.first;
    rec.resource = key.second;
    rec.new_value = original.value;
    rec.mode = Mode::kEnforce;
    rec.reason = "restore";
    const auto& choice = choice_for(original.instance, key.second);
    if (choice.backend == nullptr) {
      rec.outcome = Outcome::kUnsupported;
      rec.error = Error{choice.unsupported_reason, key.first, 0};
      records.push_back(std::move(rec));
      continue;
    }
    rec.backend = std::string(choice.backend->name());
    if (auto now = choice.backend->read(original.instance, key.second)) rec.old_value = *now;
    auto read_back = choice.backend->apply(original.instance, key.second, original.value);
    if (!read_back) {
      rec.outcome = Outcome::kFailed;
      rec.error = std::move(read_back).error();
    } else {
      rec.read_back = *read_back;
      rec.outcome = read_back_matches(key.second, original.value, *read_back) ? Outcome::kApplied
                                                                              : Outcome::kFailed;
      if (rec.outcome == Outcome::kFailed) {
        rec.error = Error{"read back " + shown(*read_back) + " differs from the " +
                              shown(original.value) + " written",
                          key.first, 0};
      }
    }
    records.push_back(std::move(rec));
  }
  originals_.clear();
  return records;
}

std::optional<double> Actuator::original(std::string_view instance_id, Resource r) const {
  const auto it = originals_.find(Key{std::string(instance_id), r});
  if (it == originals_.end()) return std::nullopt;
  return it->second.value;
}

const BackendChoice& Actuator::choice_for(const Instance& instance, Resource r) {
  Key key{instance.id, r};
  auto it = choices_.find(key);
  if (it == choices_.end()) {
    it = choices_.emplace(std::move(key), choose_backend(backends_, instance, r)).first;
  }
  return it->second;
}

bool Actuator::read_back_matches(Resource r, double wanted, double got) const {
  if (std::isnan(wanted) || std::isnan(got)) return std::isnan(wanted) && std::isnan(got);
  const double tolerance =
      std::max(options_.read_back_tolerance * std::abs(wanted), granularity(r));
  return std::abs(got - wanted) <= tolerance;
}

ApplyRecord Actuator::attempt(const Change& change, const Instance& instance, Mode mode,
                              int attempt_number) {
  ApplyRecord rec;
  rec.instance_id = change.instance_id;
  rec.resource = change.resource;
  rec.old_value = change.old_value;
  rec.new_value = change.new_value;
  rec.mode = mode;
  rec.reason = change.reason;
  rec.clamp = change.clamp;
  rec.attempt = attempt_number;

  if (change.instance_id != instance.id) {
    rec.outcome = Outcome::kRefused;
    rec.error = Error{
        "change for '" + change.instance_id + "' given with instance '" + instance.id + "'", "", 0};
    return rec;
  }
  // Just before writing: the value must lie inside the bounds in force now.
  if (auto refused =
          refusal(change.new_value, effective_bounds(bounds_, instance, change.resource))) {
    rec.outcome = Outcome::kRefused;
    rec.clamp = *refused;
    return rec;
  }
  const auto& choice = choice_for(instance, change.resource);
  if (choice.backend == nullptr) {
    rec.outcome = Outcome::kUnsupported;
    rec.error = Error{choice.unsupported_reason, instance.id, 0};
    return rec;
  }
  Backend& backend = *choice.backend;
  rec.backend = std::string(backend.name());
  if (mode != Mode::kEnforce) {
    rec.outcome = Outcome::kSkippedMode;
    return rec;
  }

  const Key key{instance.id, change.resource};
  auto before = backend.read(instance, change.resource);
  if (before) rec.old_value = *before;

  auto read_back = backend.apply(instance, change.resource, change.new_value);
  if (read_back) {
    rec.read_back = *read_back;
    if (read_back_matches(change.resource, change.new_value, *read_back)) {
      rec.outcome = Outcome::kApplied;
    } else {
      rec.outcome = Outcome::kFailed;
      rec.error = Error{"read back " + shown(*read_back) + " differs from the " +
                            shown(change.new_value) + " written",
                        instance.id, 0};
    }
    // The first value seen before this actuator's first effective write is the original.
    if (before && originals_.find(key) == originals_.end()) {
      originals_.emplace(key, Original{instance, *before});
    } else if (auto it = originals_.find(key); it != originals_.end()) {
      it->second.instance = instance;  // the newest view (cgroup paths, disks) for restore
    }
  } else {
    rec.outcome = Outcome::kFailed;
    rec.error = std::move(read_back).error();
  }
  if (rec.outcome == Outcome::kApplied) return rec;

  if (attempt_number >= options_.retry.max_attempts) {
    rec.gave_up = true;
    return rec;
  }
  PendingChange pending;
  pending.change = change;
  pending.instance = instance;
  pending.attempts_made = attempt_number;
  pending.next_at = clock_.now() + backoff_delay(options_.retry, attempt_number);
  pending.last_error = rec.error.value_or(Error{});
  rec.next_retry = pending.next_at;
  retries_.schedule(std::move(pending));
  return rec;
}

}  // namespace augur::actuate
