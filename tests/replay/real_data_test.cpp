// Every folder of ../shared/data goes through its adapter onto the simulated host, bad rows
// counted, and replays under the static, reactive and oracle policies. (The adapters' own
// row-level checks are in tests/trace; the augur policy on real traces is in
// docs/evaluation.md, too slow for a unit test.)
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "augur/replay/replay.h"
#include "augur/replay/vpa.h"
#include "augur/trace/load.h"
#include "replay_test_util.h"

namespace augur::replay {
namespace {

HostModel load(const std::string& rel, trace::TraceFormat format) {
  auto t = trace::load_trace(test::shared_data(rel), format);
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message());
  auto h = build_host(*t);
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message());
  return std::move(h).value();
}

// Static never changes; the oracle never falls short where its 1.05 x peak fits the host;
// every figure is a number.
void replay_sanity(const HostModel& host, bool reactive = true) {
  auto s = make_static_policy();
  auto r = run_policy(host, *s);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->figures.total.changes_per_instance_day, 0.0);
  EXPECT_FALSE(std::isnan(r->figures.total.mean_relative_slack));
  if (reactive) {
    auto v = vpa::make_reactive_policy();
    auto rv = run_policy(host, *v);
    ASSERT_TRUE(rv.has_value());
    EXPECT_GT(rv->figures.total.changes_per_instance_day, 0.0);
    EXPECT_FALSE(std::isnan(rv->figures.total.mean_relative_slack));
  }
  auto o = make_oracle_policy();
  auto ro = run_policy(host, *o);
  ASSERT_TRUE(ro.has_value());
  EXPECT_LT(ro->figures.total.under_provisioned_minutes,
            r->figures.total.under_provisioned_minutes + 1e-9);
}

TEST(RealData, BitbrainsMonthsWithProvisionedAllocations) {
  struct Month {
    const char* folder;
    std::size_t vms;
    std::size_t duplicates;
  };
  // SOURCES.md: 10 VMs in July, 5 in August and September; 2013-9/41.csv has 11,942 rows
  // and 10,116 distinct timestamps (1,824 exact duplicate lines, 2 more repeated stamps).
  for (const Month m :
       {Month{"2013-7", 10, 0}, Month{"2013-8", 5, 0}, Month{"2013-9", 5, 11942 - 10116}}) {
    SCOPED_TRACE(m.folder);
    const HostModel host =
        load(std::string("bitbrains_rnd/") + m.folder, trace::TraceFormat::kBitbrains);
    EXPECT_EQ(host.instances.size(), m.vms);
    EXPECT_EQ(host.trace_report.duplicate_rows, m.duplicates);
    EXPECT_EQ(host.trace_report.rows_used + host.trace_report.dropped_total(),
              host.trace_report.rows_read);
    EXPECT_EQ(host.step, std::chrono::seconds(300));
    EXPECT_EQ(host.horizon_steps, 6u);
    if (m.duplicates > 0) {
      // Its last 5,443 rows give 0 cores: CPU masked there, the rows kept.
      EXPECT_EQ(host.trace_report.masked_values.at("zero CPU cores or capacity: CPU masked"),
                5443u);
    }
    for (const HostInstance& h : host.instances) {
      EXPECT_EQ(h.initial_rule[0], InitialRule::kProvisioned) << h.id;
      EXPECT_EQ(h.initial_rule[1], InitialRule::kProvisioned) << h.id;
    }
    replay_sanity(host);
  }
  // VM 407: 1 core, 3 GiB provisioned (SOURCES.md table).
  const HostModel july = load("bitbrains_rnd/2013-7", trace::TraceFormat::kBitbrains);
  for (const HostInstance& h : july.instances) {
    if (h.id != "407") continue;
    EXPECT_DOUBLE_EQ(h.initial[Resource::kCpu], 1.0);
    EXPECT_NEAR(h.initial[Resource::kMemory] / test::kGiB, 3.0, 0.05);
  }
}

TEST(RealData, AlibabaMachinesResampledWithSentinelsCounted) {
  const HostModel host = load("alibaba2018_machine", trace::TraceFormat::kAlibabaMachine);
  std::set<std::string> machines;
  for (const HostInstance& h : host.instances) {
    machines.insert(h.id.substr(0, h.id.find('#')));
    EXPECT_EQ(h.initial_rule[0], InitialRule::kFirstDayMean) << h.id;  // not the 96 cores
    EXPECT_TRUE(h.normalised.test(1)) << h.id;                         // memory is a fraction
  }
  EXPECT_EQ(machines.size(), 16u);
  EXPECT_EQ(host.step, std::chrono::seconds(60));
  EXPECT_EQ(host.horizon_steps, 30u);
  EXPECT_EQ(host.trace_report.rows_read, 100002u);
  EXPECT_EQ(host.trace_report.masked_values.at("disk_io_percent outside [0,100] (-1/101 invalid)"),
            16u);
  EXPECT_DOUBLE_EQ(host.floor[Resource::kMemory], kFloorNormalised);
  EXPECT_DOUBLE_EQ(host.floor[Resource::kCpu], kFloorCpuCores);  // cores from machine_meta
  // The gap rule cuts the 16 machines into thousands of short series (docs/evaluation.md).
  EXPECT_GT(host.trace_report.series_splits, 1000u);
  replay_sanity(host, /*reactive=*/false);  // VPA over 3,000 series is slow under ASan
}

TEST(RealData, AggregatesReplayOneFileAtATimeAndAFolderSkipsTheOtherStep) {
  for (const char* file : {"google2019_instance_usage_grouped_300_seconds_month.csv",
                           "alibaba2018_machine_usage_days_1_to_8_grouped_300_seconds.csv",
                           "alibaba2018_machine_usage_days_1_to_8_grouped_30_seconds.csv",
                           "azure2019_vm_cpu_readings_month_aggregated_cpu_mem.csv"}) {
    SCOPED_TRACE(file);
    const HostModel host =
        load(std::string("dctraces_agg/") + file, trace::TraceFormat::kAggregate);
    EXPECT_TRUE(host.aggregate);
    EXPECT_EQ(host.instances.size(), 1u);
    replay_sanity(host);
  }
  // The folder: three 300 s series and one 30 s series, which is skipped with the reason.
  const HostModel all = load("dctraces_agg", trace::TraceFormat::kAggregate);
  EXPECT_EQ(all.instances.size(), 3u);
  ASSERT_EQ(all.grid.skipped_instances.size(), 1u);
  EXPECT_NE(all.grid.skipped_instances[0].find("step 30 s"), std::string::npos);
}

}  // namespace
}  // namespace augur::replay
