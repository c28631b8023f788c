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
  PairCheck store(ctx, "store.postgres_conninfo", "store.backend");
  if (store.applies() && c.store.backend == "postgresql" && c.store.postgres_conninfo.empty()) {
    store.fail("'store.postgres_conninfo' must be set when 'store.backend' is postgresql");
  }
}

}  // namespace augur::config::detail
