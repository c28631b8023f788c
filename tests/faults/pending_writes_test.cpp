// The daemon's stages keep the records a full disk refused (PendingStoreWrites) and write
// them, in order, once space returns: a pattern, its label and a change, on a real tmpfs
// filled to the last block. A write that fails for itself while the store works (a label
// whose pattern never got in) is dropped after a few tries instead of holding the queue.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "augur/daemon/pending_store_writes.h"
#include "augur/store/sqlite_store.h"
#include "fault_records.h"
#include "tmpfs_mount.h"

namespace augur::testing::faults {
namespace {

using daemon::PendingStoreWrites;

store::PatternRecord pattern(const std::string& id) {
  store::PatternRecord p;
  p.record_id = id;
  p.host_id = "faults";
  p.instance_id = "vm-1";
  p.app_type = "web";
  p.created_unix_ms = 1764300000000;
  p.magnitude = 3;
  p.feature_table_version = 1;
  p.direction = {1, 0};
  p.usage = ResourceVector{{1, 2, 3, 4}};
  p.allocation = ResourceVector{{1, 2, 3, 4}};
  p.host_load = ResourceVector{{0.1, 0.2, 0.3, 0.4}};
  return p;
}

PendingStoreWrites::Write label(const std::string& id) {
  return [id](store::Store& s) -> Status {
    return s.label_pattern(id, ResourceVector{{0.5, 0, 0, 0}}, 1764300060000);
  };
}

TEST(PendingStoreWrites, RecordsAFullDiskRefusedAreWrittenInOrderOnceSpaceReturns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  TmpfsMount disk("512k");
  if (!disk.error().empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  store::SqliteStoreOptions o;
  o.path = disk.path() + "/augur.db";
  o.host_id = "faults";
  auto opened = store::open_sqlite_store(o);
  ASSERT_TRUE(opened) << opened.error().message();
  store::LocalStore& s = *opened->store;
  std::size_t filler = 0;
  while (s.append_change(change("fill")) && filler < 5000) ++filler;
  ASSERT_LT(filler, 5000u) << "512 KiB never filled";

  PendingStoreWrites pending("test");
  pending.submit(
      s, PendingStoreWrites::append(pattern("faults:pattern:e:1"), &store::Store::append_pattern),
      "pattern 1");
  pending.submit(s, label("faults:pattern:e:1"), "label of pattern 1");
  pending.submit(s, PendingStoreWrites::append(change("late"), &store::Store::append_change),
                 "a change");
  EXPECT_EQ(pending.waiting(), 3u) << "the full disk refused them: kept, not dropped";
  pending.retry(s);  // still full
  EXPECT_EQ(pending.waiting(), 3u);
  EXPECT_EQ(pending.dropped(), 0u);

  ASSERT_TRUE(disk.resize("4m")) << std::strerror(errno);
  pending.retry(s);
  EXPECT_EQ(pending.waiting(), 0u);
  EXPECT_EQ(pending.dropped(), 0u);
  auto labelled = s.labelled_patterns(10);
  ASSERT_TRUE(labelled) << labelled.error().message();
  ASSERT_EQ(labelled->size(), 1u) << "the pattern went in before its label";
  EXPECT_EQ((*labelled->front().outcome)[Resource::kCpu], 0.5);
  EXPECT_EQ(s.count_rows()->changes, filler + 1);

  // With space, writes go straight through again.
  pending.submit(s, PendingStoreWrites::append(change("direct"), &store::Store::append_change),
                 "another change");
  EXPECT_EQ(pending.waiting(), 0u);
  EXPECT_EQ(s.count_rows()->changes, filler + 2);
}

TEST(PendingStoreWrites, AWriteThatFailsForItselfIsDroppedAfterThreeTries) {
  char tmpl[] = "/tmp/augur-pending-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    store::SqliteStoreOptions o;
    o.path = dir + "/augur.db";
    o.host_id = "faults";
    auto opened = store::open_sqlite_store(o);
    ASSERT_TRUE(opened) << opened.error().message();
    store::LocalStore& s = *opened->store;
    PendingStoreWrites pending("test");
    pending.submit(s, label("faults:pattern:e:404"), "label of a pattern never stored");
    ASSERT_EQ(pending.waiting(), 1u);
    for (int tick = 0; tick < 3; ++tick) {
      pending.submit(s, PendingStoreWrites::append(change("tick"), &store::Store::append_change),
                     "a change");
      pending.retry(s);
    }
    EXPECT_EQ(pending.dropped(), 1u);
    EXPECT_EQ(pending.waiting(), 0u);
    EXPECT_EQ(s.count_rows()->changes, 3u) << "the writes behind it all landed";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace augur::testing::faults
