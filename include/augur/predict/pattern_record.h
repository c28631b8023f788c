#pragma once
// Pattern <-> store::PatternRecord (library augur_predict_store, so the predictor's core
// does not depend on the store).
//
// Mapping: id <-> record_id, start_unix_ms <-> created_unix_ms, delta <-> direction (the
// unit direction is recomputed from it, bit for bit), need_at_start.resources <-> usage,
// outcome->increase <-> outcome, outcome->labelled_unix_ms <-> labelled_unix_ms.
// Not in the record yet, so lost on the way through it: need_at_start.disk_ops_per_s and
// outcome->disk_ops_increase_per_s (read back as NaN); the steady start is rebuilt from
// the wall-clock age against the (steady, unix) pair given.
#include <cstdint>

#include "augur/predict/pattern.h"
#include "augur/store/records.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::predict {

store::PatternRecord to_record(const Pattern& pattern);

// Errors (naming the record id) for an empty or non-finite direction, a non-positive
// magnitude, or an outcome without labelled_unix_ms or the reverse.
Result<Pattern> from_record(const store::PatternRecord& record, SteadyTime steady_now,
                            std::int64_t unix_now_ms);

}  // namespace augur::predict
