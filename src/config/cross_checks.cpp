// Rules that involve two fields; each is reported at the first field named, or at the
// second when only that one was set in the file.
#include "sections.h"
#include "units.h"

namespace augur::config::detail {
namespace {

class PairCheck {
 public:
  PairCheck(Context& ctx, std::string subject, std::string other)
      : ctx_(ctx), subject_(std::move(subject)), other_(std::move(other)) {}

  // False when either field's own value was rejected: one error per mistake.
  [[nodiscard]] bool applies() const {
    return !ctx_.is_failed(subject_) && !ctx_.is_failed(other_);
  }

  void fail(const std::string& message) {
    const YAML::Mark* at = ctx_.where(subject_);
    if (at == nullptr) at = ctx_.where(other_);
    ctx_.error(at != nullptr ? *at : YAML::Mark::null_mark(), message);
  }

 private:
  Context& ctx_;
  std::string subject_;
  std::string other_;
};

void check_bounds(Context& ctx, const std::string& resource, const ResourceBounds& b,
                  std::string (*format)(double)) {
  PairCheck check(ctx, "plan." + resource + ".min", "plan." + resource + ".max");
  if (check.applies() && b.max != 0 && b.min > b.max) {
    check.fail("'plan." + resource + ".min' (" + format(b.min) + ") must be at most 'plan." +
               resource + ".max' (" + format(b.max) + "); max 0 means no upper bound");
  }
}

// A step no larger than the hysteresis is always ignored as noise: the resource could not
// grow at all (and scale-down steps, half as large, not shrink either).
void check_step(Context& ctx, const std::string& resource, const ResourceBounds& b,
                double hysteresis) {
  PairCheck check(ctx, "plan." + resource + ".max_step_fraction", "plan.hysteresis");
  if (check.applies() && b.max_step_fraction <= hysteresis) {
    check.fail("'plan." + resource + ".max_step_fraction' (" + format_number(b.max_step_fraction) +
               ") must be greater than 'plan.hysteresis' (" + format_number(hysteresis) +
               "): smaller changes are ignored, so " + resource + " could never change");
  }
}

std::string format_rate(double v) {
  return format_bytes(v) + "/s";
}

}  // namespace

void check_cross_fields(Context& ctx, const Config& c) {
  PairCheck ring(ctx, "fingerprint.ring_capacity", "fingerprint.window_ticks");
  if (ring.applies() && c.fingerprint.ring_capacity < c.fingerprint.window_ticks) {
    ring.fail("'fingerprint.ring_capacity' (" + std::to_string(c.fingerprint.ring_capacity) +
              ") must be at least 'fingerprint.window_ticks' (" +
              std::to_string(c.fingerprint.window_ticks) + ")");
  }
  PairCheck kn(ctx, "drift.k", "drift.n");
  if (kn.applies() && c.drift.k > c.drift.n) {
    kn.fail("'drift.k' (" + std::to_string(c.drift.k) + ") must be at most 'drift.n' (" +
            std::to_string(c.drift.n) + ")");
  }
  PairCheck neighbours(ctx, "predict.min_neighbours", "predict.k");
  if (neighbours.applies() && c.predict.min_neighbours > c.predict.k) {
    neighbours.fail("'predict.min_neighbours' (" + std::to_string(c.predict.min_neighbours) +
                    ") must be at most 'predict.k' (" + std::to_string(c.predict.k) + ")");
  }
  check_bounds(ctx, "cpu", c.plan.cpu, &format_number);
  check_bounds(ctx, "memory", c.plan.memory, &format_bytes);
  check_bounds(ctx, "disk", c.plan.disk, &format_rate);
  check_bounds(ctx, "network", c.plan.network, &format_rate);
  check_step(ctx, "cpu", c.plan.cpu, c.plan.hysteresis);
  check_step(ctx, "memory", c.plan.memory, c.plan.hysteresis);
  check_step(ctx, "disk", c.plan.disk, c.plan.hysteresis);
  check_step(ctx, "network", c.plan.network, c.plan.hysteresis);
  PairCheck store(ctx, "store.postgres_conninfo", "store.backend");
  if (store.applies() && c.store.backend == "postgresql" && c.store.postgres_conninfo.empty()) {
    store.fail("'store.postgres_conninfo' must be set when 'store.backend' is postgresql");
  }
}

}  // namespace augur::config::detail
