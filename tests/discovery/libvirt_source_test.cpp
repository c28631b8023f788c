#include "augur/discovery/libvirt_source.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <memory>
#include <string>

#include "augur/discovery/libvirt_connection.h"
#include "augur/discovery/libvirt_event_loop.h"

namespace augur::discovery {
namespace {

constexpr const char* kTestUri = "test:///default";

// The test driver's default domain, read through the API independently of the source.
struct TestDomainTruth {
  std::string uuid;
  unsigned vcpus = 0;
  unsigned long max_kib = 0, cur_kib = 0;
};

TestDomainTruth truth() {
  TestDomainTruth t;
  virConnectPtr c = virConnectOpen(kTestUri);
  if (c == nullptr) return t;
  virDomainPtr d = virDomainLookupByName(c, "test");
  if (d != nullptr) {
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    virDomainGetUUIDString(d, uuid);
    t.uuid = uuid;
    virDomainInfo info{};
    virDomainGetInfo(d, &info);
    t.vcpus = info.nrVirtCpu;
    t.max_kib = info.maxMem;
    t.cur_kib = info.memory;
    virDomainFree(d);
  }
  virConnectClose(c);
  return t;
}

LibvirtSourceOptions test_options() {
  LibvirtSourceOptions o;
  o.connection.uri = kTestUri;
  return o;
}

const Instance* find_by_name(const std::vector<Instance>& v, const std::string& name) {
  for (const auto& i : v) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

TEST(LibvirtSource, DiscoversTestDomainWithVcpusMemoryAndDevices) {
  const auto t = truth();
  ASSERT_FALSE(t.uuid.empty());
  FakeClock clock;
  LibvirtSource source(test_options(), clock);
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  const Instance* vm = find_by_name(*found, "test");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->id, t.uuid);
  EXPECT_EQ(vm->kind, InstanceKind::kVirtualMachine);
  EXPECT_EQ(vm->vcpus_current, static_cast<int>(t.vcpus));
  EXPECT_GE(vm->vcpus_max, vm->vcpus_current);
  EXPECT_GT(vm->vcpus_current, 0);
  EXPECT_DOUBLE_EQ(vm->allocation[Resource::kMemory], t.cur_kib * 1024.0);
  EXPECT_DOUBLE_EQ(vm->max_allocation[Resource::kMemory], t.max_kib * 1024.0);
  EXPECT_DOUBLE_EQ(vm->allocation[Resource::kCpu], static_cast<double>(t.vcpus));
  EXPECT_EQ(vm->disks, std::vector<std::string>{"vda"});
  EXPECT_EQ(vm->interfaces, std::vector<std::string>{"testnet0"});
  // No QEMU behind the test driver: nothing to count, no cgroup, and that is fine.
  EXPECT_TRUE(vm->thread_ids.empty());
  EXPECT_TRUE(vm->cgroups.empty());
  EXPECT_EQ(vm->main_pid, 0);
  EXPECT_TRUE(source.warnings().empty());
}

TEST(LibvirtSource, ReadsWorkloadTypeFromDomainMetadata) {
  virConnectPtr c = virConnectOpen(kTestUri);
  ASSERT_NE(c, nullptr);
  virDomainPtr d = virDomainLookupByName(c, "test");
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(
      virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, "<workload type=\"database\"/>", "augur",
                           "https://augur.dev/xmlns/workload/1", VIR_DOMAIN_AFFECT_LIVE),
      0);
  FakeClock clock;
  LibvirtSource source(test_options(), clock);
  auto found = source.discover();
  virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, nullptr, nullptr,
                       "https://augur.dev/xmlns/workload/1", VIR_DOMAIN_AFFECT_LIVE);
  virDomainFree(d);
  virConnectClose(c);
  ASSERT_TRUE(found) << found.error().message();
  const Instance* vm = find_by_name(*found, "test");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->app_type, "database");
}

TEST(LibvirtSource, DomainWithoutMetadataHasNoType) {
  FakeClock clock;
  LibvirtSource source(test_options(), clock);
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  const Instance* vm = find_by_name(*found, "test");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->app_type, "");
}

TEST(LibvirtConnection, KeepsOneConnectionAcrossCalls) {
  FakeClock clock;
  LibvirtConnection conn({.uri = kTestUri}, clock);
  auto a = conn.get();
  auto b = conn.get();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(conn.opens(), 1);
  // A local driver has no keepalive; the status says why instead of failing the open.
  EXPECT_FALSE(conn.keepalive_status().empty());
}

TEST(LibvirtConnection, BacksOffAfterFailedOpenAndRetriesWhenDue) {
  FakeClock clock;
  LibvirtConnectionOptions o;
  o.uri = "test:///nonexistent/augur-no-such-file.xml";
  o.backoff_min = std::chrono::milliseconds(1000);
  o.backoff_max = std::chrono::milliseconds(4000);
  LibvirtConnection conn(o, clock);
  auto first = conn.get();
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().what.find("virConnectOpen"), std::string::npos);
  auto during = conn.get();
  ASSERT_FALSE(during);
  EXPECT_NE(during.error().what.find("backing off"), std::string::npos);
  clock.advance(std::chrono::milliseconds(1000));
  auto retried = conn.get();
  ASSERT_FALSE(retried);
  EXPECT_NE(retried.error().what.find("virConnectOpen"), std::string::npos);
  clock.advance(std::chrono::milliseconds(1500));  // backoff doubled to 2 s
  EXPECT_NE(conn.get().error().what.find("backing off"), std::string::npos);
  EXPECT_EQ(conn.opens(), 0);
}

TEST(LibvirtSource, ReportsUnreachableDaemonAsError) {
  FakeClock clock;
  LibvirtSourceOptions o;
  o.connection.uri = "test:///nonexistent/augur-no-such-file.xml";
  LibvirtSource source(o, clock);
  EXPECT_FALSE(source.discover());
}

}  // namespace
}  // namespace augur::discovery

namespace augur::discovery {
namespace {

TEST(LibvirtEventLoop, RunsAndStopsWhileConnectionsWork) {
  auto loop = LibvirtEventLoop::start();
  ASSERT_TRUE(loop) << loop.error().message();
  FakeClock clock;
  LibvirtSourceOptions o;
  o.connection.uri = kTestUri;
  LibvirtSource source(o, clock);
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_FALSE(found->empty());
  loop->reset();  // joins the loop thread; must return promptly
}

}  // namespace
}  // namespace augur::discovery
