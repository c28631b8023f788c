// LibvirtBackend against libvirt's own test driver (test:///default: one running domain
// "test", 2 of 2 vCPUs, 2 GiB of 8 GiB max memory, disk vda, interface testnet0). Every
// connection to test:///default shares one driver state while any is open, so the test reads
// back through a raw libvirt call on the same connection, not only through the backend. The
// state resets when the last connection closes: each test starts from the defaults.
#include "augur/actuate/libvirt_backend.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <cerrno>
#include <cmath>
#include <memory>

#include "augur/discovery/libvirt_connection.h"
#include "augur/util/clock.h"

namespace augur::actuate {
namespace {

constexpr const char* kTestUuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";
constexpr double kKib = 1024.0;

struct DomainFree {
  void operator()(virDomain* d) const { virDomainFree(d); }
};
using DomainHandle = std::unique_ptr<virDomain, DomainFree>;

discovery::LibvirtConnectionOptions test_uri() {
  discovery::LibvirtConnectionOptions o;
  o.uri = "test:///default";
  o.read_only = false;  // actuation writes
  return o;
}

Instance test_domain() {
  Instance inst;
  inst.id = kTestUuid;
  inst.name = "test";
  inst.kind = InstanceKind::kVirtualMachine;
  inst.vcpus_current = 2;
  inst.vcpus_max = 2;
  inst.disks = {"vda"};
  inst.interfaces = {"testnet0"};
  return inst;
}

class LibvirtBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = connection_.get();
    ASSERT_TRUE(conn) << conn.error().message();
    dom_.reset(virDomainLookupByUUIDString(*conn, kTestUuid));
    ASSERT_NE(dom_, nullptr);
  }

  // Independent of the backend: what libvirt itself reports now.
  virDomainInfo raw_info() {
    virDomainInfo info{};
    EXPECT_EQ(virDomainGetInfo(dom_.get(), &info), 0);
    return info;
  }

  SteadyClock clock_;
  discovery::LibvirtConnection connection_{test_uri(), clock_};
  LibvirtBackend backend_{connection_};
  DomainHandle dom_;
};

TEST_F(LibvirtBackendTest, ReadsVcpusAndMemoryAsLibvirtReportsThem) {
  const virDomainInfo info = raw_info();
  auto cpu = backend_.read(test_domain(), Resource::kCpu);
  ASSERT_TRUE(cpu) << cpu.error().message();
  // The test driver has only a "weight" scheduler parameter: no quota caps the vCPUs.
  EXPECT_EQ(*cpu, info.nrVirtCpu);
  auto memory = backend_.read(test_domain(), Resource::kMemory);
  ASSERT_TRUE(memory) << memory.error().message();
  EXPECT_EQ(*memory, static_cast<double>(info.memory) * kKib);
}

TEST_F(LibvirtBackendTest, VcpuCountChangeIsAppliedAndReadBack) {
  ASSERT_EQ(raw_info().nrVirtCpu, 2);
  auto one = backend_.apply(test_domain(), Resource::kCpu, 1.0);
  ASSERT_TRUE(one) << one.error().message();
  EXPECT_EQ(*one, 1.0);
  EXPECT_EQ(raw_info().nrVirtCpu, 1);

  // Cores round up to whole vCPUs.
  auto up = backend_.apply(test_domain(), Resource::kCpu, 1.2);
  ASSERT_TRUE(up) << up.error().message();
  EXPECT_EQ(*up, 2.0);
  EXPECT_EQ(raw_info().nrVirtCpu, 2);

  ASSERT_TRUE(backend_.apply(test_domain(), Resource::kCpu, 0.3));
  EXPECT_EQ(raw_info().nrVirtCpu, 1);
  // No limit: every vCPU up to the live maximum.
  auto all = backend_.apply(test_domain(), Resource::kCpu, kUnknown);
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(*all, 2.0);
  EXPECT_EQ(raw_info().nrVirtCpu, 2);
}

TEST_F(LibvirtBackendTest, OutOfRangeVcpuCountIsAnErrorAndChangesNothing) {
  ASSERT_TRUE(backend_.apply(test_domain(), Resource::kCpu, 1.0));
  auto over = backend_.apply(test_domain(), Resource::kCpu, 3.0);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().errno_value, EINVAL);
  EXPECT_NE(over.error().what.find("maximum is 2"), std::string::npos) << over.error().what;
  auto zero = backend_.apply(test_domain(), Resource::kCpu, 0.0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().errno_value, EINVAL);
  EXPECT_EQ(raw_info().nrVirtCpu, 1);
}

TEST_F(LibvirtBackendTest, MemoryChangeIsAppliedAndReadBack) {
  const double max_bytes = static_cast<double>(raw_info().maxMem) * kKib;
  const double one_gib = 1024.0 * 1024 * 1024;
  ASSERT_NE(raw_info().memory, static_cast<unsigned long>(one_gib / kKib));
  auto applied = backend_.apply(test_domain(), Resource::kMemory, one_gib);
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(*applied, one_gib);
  EXPECT_EQ(raw_info().memory, static_cast<unsigned long>(one_gib / kKib));

  auto over = backend_.apply(test_domain(), Resource::kMemory, max_bytes + kKib);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().errno_value, EINVAL);
  EXPECT_EQ(raw_info().memory, static_cast<unsigned long>(one_gib / kKib));

  // No limit: balloon up to the maximum.
  auto unlimited = backend_.apply(test_domain(), Resource::kMemory, kUnknown);
  ASSERT_TRUE(unlimited) << unlimited.error().message();
  EXPECT_EQ(*unlimited, max_bytes);
}

TEST_F(LibvirtBackendTest, InterfaceBandwidthIsAppliedReadBackAndRemoved) {
  auto before = backend_.read(test_domain(), Resource::kNetwork);
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_TRUE(std::isnan(*before));

  auto applied = backend_.apply(test_domain(), Resource::kNetwork, 100 * kKib);
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(*applied, 100 * kKib);
  int count = 0;
  ASSERT_EQ(virDomainGetInterfaceParameters(dom_.get(), "testnet0", nullptr, &count, 0), 0);
  std::vector<virTypedParameter> params(static_cast<std::size_t>(count));
  ASSERT_EQ(virDomainGetInterfaceParameters(dom_.get(), "testnet0", params.data(), &count, 0), 0);
  unsigned in = 0, out = 0;
  EXPECT_EQ(virTypedParamsGetUInt(params.data(), count, VIR_DOMAIN_BANDWIDTH_IN_AVERAGE, &in), 1);
  EXPECT_EQ(virTypedParamsGetUInt(params.data(), count, VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE, &out), 1);
  virTypedParamsClear(params.data(), count);
  EXPECT_EQ(in, 100U);  // KiB/s
  EXPECT_EQ(out, 100U);

  auto removed = backend_.apply(test_domain(), Resource::kNetwork, kUnknown);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_TRUE(std::isnan(*removed));
}

TEST_F(LibvirtBackendTest, BlockTuneReadsUnthrottledAndReportsTheDriversRefusal) {
  auto before = backend_.read(test_domain(), Resource::kDisk);
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_TRUE(std::isnan(*before));  // total_bytes_sec 0: no throttle
  // The test driver insists on total_bytes_sec <= total_bytes_sec_max (0), which the QEMU
  // driver does not: the backend reports libvirt's own message.
  auto applied = backend_.apply(test_domain(), Resource::kDisk, 1e6);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().errno_value, EINVAL);
  EXPECT_NE(applied.error().what.find("virDomainSetBlockIoTune vda failed: "), std::string::npos);
  EXPECT_NE(applied.error().what.find("total_bytes_sec"), std::string::npos)
      << applied.error().what;
}

TEST_F(LibvirtBackendTest, UnknownUuidIsAnError) {
  Instance gone = test_domain();
  gone.id = "00000000-0000-4000-8000-000000000001";
  auto read = backend_.read(gone, Resource::kCpu);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().errno_value, ENOENT);
  EXPECT_NE(read.error().what.find("virDomainLookupByUUIDString"), std::string::npos);
  auto applied = backend_.apply(gone, Resource::kMemory, 1e9);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().errno_value, ENOENT);
  EXPECT_EQ(raw_info().nrVirtCpu, 2);
}

TEST_F(LibvirtBackendTest, UnsupportedSaysWhy) {
  const Instance vm = test_domain();
  for (Resource r : kAllResources) {
    EXPECT_EQ(backend_.unsupported(vm, r), std::nullopt) << resource_name(r);
  }
  Instance container = vm;
  container.kind = InstanceKind::kContainer;
  auto reason = backend_.unsupported(container, Resource::kCpu);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("virtual machines only"), std::string::npos);

  Instance bare = vm;
  bare.disks.clear();
  bare.interfaces.clear();
  EXPECT_EQ(backend_.unsupported(bare, Resource::kDisk), "no disks known for this domain");
  EXPECT_EQ(backend_.unsupported(bare, Resource::kNetwork), "no interfaces known for this domain");
  EXPECT_EQ(backend_.unsupported(bare, Resource::kMemory), std::nullopt);
}

TEST(LibvirtBackendConnection, AFailedConnectionIsRetryableAndReported) {
  int failures = 0;
  LibvirtBackend backend(
      [] {
        return Result<_virConnect*>(Error{"connection refused", "uri"});
      },
      [&failures] { ++failures; });
  auto read = backend.read(test_domain(), Resource::kMemory);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().errno_value, ENOTCONN);
  auto applied = backend.apply(test_domain(), Resource::kMemory, 1e9);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().errno_value, ENOTCONN);
  EXPECT_EQ(failures, 2);
  // Without a connection there is no reason to give up for good.
  EXPECT_EQ(backend.unsupported(test_domain(), Resource::kDisk), std::nullopt);
}

}  // namespace
}  // namespace augur::actuate
