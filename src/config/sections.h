#pragma once
// The schema: one function per top-level section reads it into its struct (internal to the
// compiler). Key names equal the struct field names; config/augur.yaml documents them.
#include "augur/config/config.h"
#include "map_reader.h"

namespace augur::config::detail {

void read_daemon(MapReader& top, DaemonSection& out);
void read_log(MapReader& top, LogSection& out);
void read_discovery(MapReader& top, Context& ctx, DiscoverySection& out);
void read_sampling(MapReader& top, SamplingSection& out);
void read_fingerprint(MapReader& top, FingerprintSection& out);
void read_drift(MapReader& top, DriftSection& out);
void read_predict(MapReader& top, PredictSection& out);
void read_plan(MapReader& top, PlanSection& out);
void read_store(MapReader& top, StoreSection& out);
void read_control(MapReader& top, ControlSection& out);
void read_metrics(MapReader& top, Context& ctx, MetricsSection& out);

// Rules between fields (ring_capacity >= window_ticks, k <= n, min <= max, ...), run once
// every section is read. Fields whose own value was rejected are not checked again.
void check_cross_fields(Context& ctx, const Config& config);

}  // namespace augur::config::detail
