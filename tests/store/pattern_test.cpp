#include <cmath>

#include "sample_records.h"
#include "temp_store.h"

namespace augur::store {
namespace {

using test::outcome;
using test::pattern;

using SqlitePatterns = test::TempStoreDir;

TEST_F(SqlitePatterns, RoundTripWithNaNsAndLabelAcrossReopen) {
  std::string id;
  PatternRecord p = pattern("vm-1", 1000);
  {
    auto store = open();
    ASSERT_TRUE(store);
    auto r = store->append_pattern(p);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    id = *r;
    auto unl = store->unlabelled_patterns(10);
    ASSERT_TRUE(unl.has_value());
    ASSERT_EQ(unl->size(), 1u);
    EXPECT_FALSE((*unl)[0].outcome.has_value());
    ASSERT_TRUE(store->label_pattern(id, outcome(5e6), 2000).has_value());
  }
  auto store = open();
  auto got = store->labelled_patterns(10);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  ASSERT_EQ(got->size(), 1u);
  p.record_id = id;
  p.host_id = "host-a";
  p.outcome = outcome(5e6);
  p.labelled_unix_ms = 2000;
  EXPECT_EQ((*got)[0], p);
  EXPECT_TRUE(std::isnan((*got)[0].host_load[Resource::kCpu]));
  EXPECT_TRUE(store->unlabelled_patterns(10)->empty());
}

TEST_F(SqlitePatterns, LabelledQueryIsNewestFirstBoundedAndSkipsUnlabelled) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(*store->append_pattern(pattern("vm-" + std::to_string(i), 100 * i)));
  }
  for (int i : {0, 1, 3, 5}) {
    ASSERT_TRUE(
        store->label_pattern(ids[static_cast<std::size_t>(i)], outcome(i), 1000).has_value());
  }
  auto got = store->labelled_patterns(3);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].instance_id, "vm-5");
  EXPECT_EQ((*got)[1].instance_id, "vm-3");
  EXPECT_EQ((*got)[2].instance_id, "vm-1");
  auto counts = store->count_rows();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->patterns, 6u);
  EXPECT_EQ(counts->labelled_patterns, 4u);
  auto unl = store->unlabelled_patterns(10);
  ASSERT_EQ(unl->size(), 2u);
  EXPECT_EQ((*unl)[0].instance_id, "vm-2");  // oldest first
}

TEST_F(SqlitePatterns, LabellingAnUnknownPatternIsAnError) {
  auto store = open();
  auto st = store->label_pattern("host-a:pattern:nope:1", outcome(1), 1);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("nope"), std::string::npos);
}

TEST_F(SqlitePatterns, ReputOfTheSameRecordIdIsIdempotent) {
  auto store = open();
  auto p = pattern("vm-1", 1);
  p.record_id = "host-z:pattern:e:1";
  p.host_id = "host-z";  // a record merged from another host keeps its host and id
  ASSERT_EQ(*store->append_pattern(p), "host-z:pattern:e:1");
  ASSERT_EQ(*store->append_pattern(p), "host-z:pattern:e:1");
  EXPECT_EQ(store->count_rows()->patterns, 1u);
  EXPECT_EQ(store->unlabelled_patterns(5)->front().host_id, "host-z");
}

// A row another program damaged is an error naming the table's read and the record, and the
// statement stays usable: the next read after the row is repaired succeeds.
TEST_F(SqlitePatterns, AMalformedRowIsAnErrorNamingTheRecord) {
  auto store = open();
  ASSERT_TRUE(store);
  auto id = store->append_pattern(pattern("vm-1", 1));
  ASSERT_TRUE(id);
  ASSERT_TRUE(store->label_pattern(*id, outcome(1e6), 2));
  raw_sql("UPDATE patterns SET direction = x'0102'");
  auto got = store->labelled_patterns(5);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find("labelled_patterns: malformed row " + *id),
            std::string::npos)
      << got.error().message();
  raw_sql("DELETE FROM patterns");
  auto after = store->labelled_patterns(5);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_TRUE(after->empty());
}

}  // namespace
}  // namespace augur::store
