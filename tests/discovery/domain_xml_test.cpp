#include "augur/discovery/domain_xml.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace augur::discovery {
namespace {

std::string read_fixture(const std::string& rel) {
  std::ifstream in(std::string(AUGUR_SOURCE_DIR) + "/tests/fixtures/libvirt/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DomainXml, ListsDiskAndInterfaceTargetsOfRealGuest) {
  auto d = parse_domain_devices(read_fixture("real-tcg-guest/domain.xml"));
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->disks, std::vector<std::string>{"vda"});
  EXPECT_EQ(d->disk_sources, std::vector<std::string>{"/tmp/vm-e2e/disk.img"});
  EXPECT_EQ(d->interfaces, std::vector<std::string>{"e2etap0"});
}

TEST(DomainXml, DiskSourcesAreLocalFilesOrDevicesInDiskOrder) {
  auto d = parse_domain_devices(R"(<domain type="kvm"><devices>
      <disk type="file"><source file="/var/lib/libvirt/images/a.qcow2"/><target dev="vda"/></disk>
      <disk type="block"><source dev="/dev/sdc"/><target dev="vdb"/></disk>
      <disk type="network"><source protocol="rbd" name="pool/img"/><target dev="vdc"/></disk>
      <disk type="file"><target dev="vdd"/></disk>
    </devices></domain>)");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->disks, (std::vector<std::string>{"vda", "vdb", "vdc", "vdd"}));
  EXPECT_EQ(d->disk_sources,
            (std::vector<std::string>{"/var/lib/libvirt/images/a.qcow2", "/dev/sdc", "", ""}));
}

TEST(DomainXml, SkipsCdromsAndDevicesWithoutTarget) {
  auto d = parse_domain_devices(R"(<domain type="kvm"><devices>
      <disk type="file"><target dev="vda"/></disk>
      <disk type="file" device="cdrom"><target dev="sda"/></disk>
      <disk type="block" device="lun"><target dev="sdb"/></disk>
      <interface type="network"><source network="default"/></interface>
      <interface type="bridge"><target dev="vnet3"/></interface>
    </devices></domain>)");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->disks, (std::vector<std::string>{"vda", "sdb"}));
  EXPECT_EQ(d->interfaces, std::vector<std::string>{"vnet3"});
}

TEST(DomainXml, DomainWithoutDevicesHasNone) {
  auto d = parse_domain_devices("<domain/>");
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_TRUE(d->disks.empty());
}

TEST(DomainXml, RejectsGarbageAndOtherDocuments) {
  EXPECT_FALSE(parse_domain_devices("<network/>"));
  EXPECT_FALSE(parse_domain_devices("<domain><devices>"));
  EXPECT_FALSE(parse_domain_devices(""));
}

}  // namespace
}  // namespace augur::discovery
