#pragma once
// Rates from two raw readings: a pure function, used live and on recordings alike.
#include "augur/core/sample.h"
#include "augur/sampling/perf/perf_raw.h"
#include "augur/util/clock.h"

namespace augur::sampling {

// Fills out's perf metrics from the counts between prev and cur, `elapsed` apart:
// kTaskClockCores = task-clock ns / elapsed ns, every other metric per second. Only units
// present in both readings (same epoch) contribute, so threads that appeared or vanished
// in between add nothing. Per-thread mode also fills out.vcpu_utilisation (each thread's
// task-clock share of elapsed, 0..1, in tid order). A configured metric without data is
// marked missing with the reason (cur.missing's, or why no delta exists), never zero.
// Sets out.multiplex_ratio to cur.multiplex_ratio.
void derive_perf_rates(const PerfRaw& prev, const PerfRaw& cur, Nanos elapsed, Sample& out);

}  // namespace augur::sampling
