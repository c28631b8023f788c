#include "augur/discovery/discoverer.h"

#include <gtest/gtest.h>

#include <utility>

namespace augur::discovery {
namespace {

Instance make(std::string id, std::vector<pid_t> threads = {1}) {
  Instance i;
  i.id = std::move(id);
  i.name = i.id;
  i.thread_ids = std::move(threads);
  return i;
}

std::vector<std::string> ids(const std::vector<Instance>& v) {
  std::vector<std::string> out;
  for (const auto& i : v) out.push_back(i.id);
  return out;
}

TEST(InstanceDiff, ReportsAddedRemovedAndChanged) {
  const std::vector<Instance> before = {make("a"), make("b"), make("c")};
  Instance b2 = make("b", {1, 2});
  const std::vector<Instance> after = {make("a"), b2, make("d")};
  const auto diff = diff_instances(before, after);
  EXPECT_EQ(ids(diff.added), std::vector<std::string>{"d"});
  EXPECT_EQ(ids(diff.removed), std::vector<std::string>{"c"});
  EXPECT_EQ(ids(diff.changed), std::vector<std::string>{"b"});
  EXPECT_EQ(diff.changed[0].thread_ids, (std::vector<pid_t>{1, 2}));
}

TEST(InstanceDiff, UnknownAllocationOnBothSidesIsNoChange) {
  // ResourceVector holds NaN for unknown; NaN != NaN must not read as a change.
  const auto diff = diff_instances({make("a")}, {make("a")});
  EXPECT_TRUE(diff.empty());
}

TEST(InstanceDiff, CountsTypeCgroupAndAllocationChanges) {
  Instance base = make("a");
  Instance typed = base;
  typed.app_type = "database";
  Instance moved = base;
  moved.cgroups = {{"", "/machine/x"}};
  Instance capped = base;
  capped.allocation[Resource::kCpu] = 0.5;
  for (const auto& after : {typed, moved, capped}) {
    const auto diff = diff_instances({base}, {after});
    EXPECT_EQ(diff.changed.size(), 1u);
    EXPECT_TRUE(diff.added.empty());
    EXPECT_TRUE(diff.removed.empty());
  }
}

class FakeSource final : public DiscoverySource {
 public:
  explicit FakeSource(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  Result<std::vector<Instance>> discover() override { return next; }
  Result<std::vector<Instance>> next = std::vector<Instance>{};

 private:
  std::string name_;
};

TEST(Discoverer, FailingSourceKeepsItsLastGoodInstancesAndReportsItsError) {
  Discoverer d;
  auto vm = std::make_unique<FakeSource>("libvirt");
  auto cg = std::make_unique<FakeSource>("cgroups");
  FakeSource* vm_ptr = vm.get();
  FakeSource* cg_ptr = cg.get();
  d.add_source(std::move(vm));
  d.add_source(std::move(cg));
  vm_ptr->next = std::vector<Instance>{make("vm-1")};
  cg_ptr->next = std::vector<Instance>{make("cgroup:/a")};
  auto first = d.run();
  EXPECT_EQ(ids(first.instances), (std::vector<std::string>{"vm-1", "cgroup:/a"}));
  EXPECT_EQ(first.diff.added.size(), 2u);
  EXPECT_TRUE(first.errors.empty());

  vm_ptr->next = Error{"connection refused", "qemu:///system"};
  cg_ptr->next = std::vector<Instance>{make("cgroup:/a"), make("cgroup:/b")};
  auto second = d.run();
  EXPECT_EQ(ids(second.instances), (std::vector<std::string>{"vm-1", "cgroup:/a", "cgroup:/b"}));
  ASSERT_EQ(second.errors.size(), 1u);
  EXPECT_EQ(second.errors[0].source, "libvirt");
  EXPECT_EQ(ids(second.diff.added), std::vector<std::string>{"cgroup:/b"});
  EXPECT_TRUE(second.diff.removed.empty());
}

TEST(Discoverer, FirstSourceWinsADuplicateId) {
  Discoverer d;
  auto a = std::make_unique<FakeSource>("a");
  auto b = std::make_unique<FakeSource>("b");
  a->next = std::vector<Instance>{make("x", {1})};
  b->next = std::vector<Instance>{make("x", {2})};
  d.add_source(std::move(a));
  d.add_source(std::move(b));
  auto run = d.run();
  ASSERT_EQ(run.instances.size(), 1u);
  EXPECT_EQ(run.instances[0].thread_ids, std::vector<pid_t>{1});
}

TEST(Discoverer, ReportsRemovedInstancesOnTheNextRun) {
  Discoverer d;
  auto s = std::make_unique<FakeSource>("s");
  FakeSource* sp = s.get();
  d.add_source(std::move(s));
  sp->next = std::vector<Instance>{make("a"), make("b")};
  (void)d.run();
  sp->next = std::vector<Instance>{make("b")};
  auto run = d.run();
  EXPECT_EQ(ids(run.diff.removed), std::vector<std::string>{"a"});
  EXPECT_EQ(ids(d.current()), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace augur::discovery
