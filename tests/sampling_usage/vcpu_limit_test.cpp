// The pure rules of vcpu_cgroups.h: which children are vCPU cgroups, and how their quotas make
// a VM's CPU allocation.
#include <gtest/gtest.h>

#include "augur/sampling/usage/vcpu_cgroups.h"

namespace augur::sampling {
namespace {

Field<double> cores(double v) {
  Field<double> f;
  f.set(v);
  return f;
}
Field<double> unlimited() {
  return Field<double>::missing("unlimited");
}

TEST(VcpuCgroups, NamesAreVcpuWithANumberOrderedByIt) {
  EXPECT_EQ(vcpu_cgroup_names({"emulator", "vcpu10", "vcpu2", "vcpu", "vcpux", "vcpu1a",
                               "iothread1", "vcpu0", "cpu.stat"}),
            (std::vector<std::string>{"vcpu0", "vcpu2", "vcpu10"}));
}

TEST(VcpuCgroups, SumOfVcpuQuotasCappedByTheDomain) {
  const std::vector<Field<double>> two_quarters = {cores(0.25), cores(0.25)};
  EXPECT_DOUBLE_EQ(*vm_cpu_limit(unlimited(), two_quarters).value, 0.5);
  EXPECT_DOUBLE_EQ(*vm_cpu_limit(cores(0.3), two_quarters).value, 0.3) << "global_quota caps";
  EXPECT_DOUBLE_EQ(*vm_cpu_limit(cores(2.0), two_quarters).value, 0.5);
}

TEST(VcpuCgroups, AVcpuThreadNeverCountsMoreThanOneCore) {
  const std::vector<Field<double>> v = {cores(1.5), unlimited(), cores(0.5)};
  EXPECT_DOUBLE_EQ(*vm_cpu_limit(unlimited(), v).value, 1.0 + 1.0 + 0.5);
}

TEST(VcpuCgroups, NoVcpuQuotaLeavesTheDomainsValue) {
  const std::vector<Field<double>> none = {unlimited(), unlimited()};
  EXPECT_EQ(vm_cpu_limit(unlimited(), none).missing_reason, "unlimited");
  EXPECT_DOUBLE_EQ(*vm_cpu_limit(cores(1.5), none).value, 1.5);
  EXPECT_DOUBLE_EQ(*vm_cpu_limit(cores(1.5), {}).value, 1.5);
}

TEST(VcpuCgroups, AnUnreadableQuotaMakesTheAllocationMissingWithItsReason) {
  const std::vector<Field<double>> v = {cores(0.25), Field<double>::missing("cpu.max: EACCES")};
  const auto f = vm_cpu_limit(unlimited(), v);
  EXPECT_FALSE(f.has());
  EXPECT_NE(f.missing_reason.find("cpu.max: EACCES"), std::string::npos) << f.missing_reason;
  EXPECT_EQ(vm_cpu_limit(Field<double>::missing("gone"), v).missing_reason, "gone");
}

}  // namespace
}  // namespace augur::sampling
