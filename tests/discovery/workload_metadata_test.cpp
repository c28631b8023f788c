#include "augur/discovery/workload_metadata.h"

#include <gtest/gtest.h>

#include <string>

namespace augur::discovery {
namespace {

TEST(WorkloadMetadata, ReadsTypeFromElementInAugurNamespace) {
  auto m = parse_workload_metadata(
      R"(<augur:workload xmlns:augur="https://augur.dev/xmlns/workload/1" type="database"/>)");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->app_type, "database");
}

TEST(WorkloadMetadata, ReadsTypeFromElementAsLibvirtReturnsIt) {
  // virDomainGetMetadata strips the namespace (seen on libvirt 9.0, fixture metadata-augur.xml).
  auto m = parse_workload_metadata(R"(<workload type="web-frontend"/>)");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->app_type, "web-frontend");
}

TEST(WorkloadMetadata, HonoursConfiguredNamespace) {
  const std::string xml = R"(<x:workload xmlns:x="urn:example:other" type="db"/>)";
  EXPECT_FALSE(parse_workload_metadata(xml));
  auto m = parse_workload_metadata(xml, "urn:example:other");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->app_type, "db");
}

TEST(WorkloadMetadata, RejectsElementInOtherNamespace) {
  auto m = parse_workload_metadata(
      R"(<o:workload xmlns:o="https://example.com/other" type="database"/>)");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().what.find("namespace"), std::string::npos) << m.error().message();
}

TEST(WorkloadMetadata, RejectsOtherRootElement) {
  EXPECT_FALSE(parse_workload_metadata(R"(<app type="database"/>)"));
}

TEST(WorkloadMetadata, RejectsMissingEmptyOrOddType) {
  EXPECT_FALSE(parse_workload_metadata(R"(<workload/>)"));
  EXPECT_FALSE(parse_workload_metadata(R"(<workload type=""/>)"));
  EXPECT_FALSE(parse_workload_metadata(R"(<workload type="a b"/>)"));
  EXPECT_FALSE(parse_workload_metadata("<workload type=\"" + std::string(200, 'a') + "\"/>"));
}

TEST(WorkloadMetadata, RejectsMalformedXmlWithReason) {
  for (const char* bad : {"", "<workload type=\"db\"", "<workload type='db'></other>", "not xml",
                          "<workload type=\"db\"/><second/>", "\x01\xff\xfe"}) {
    auto m = parse_workload_metadata(bad);
    ASSERT_FALSE(m) << bad;
    EXPECT_EQ(m.error().where, "workload metadata");
    EXPECT_FALSE(m.error().what.empty());
  }
}

TEST(WorkloadMetadata, RejectsHugeInputWithoutParsing) {
  const std::string huge =
      "<workload type=\"db\">" + std::string(kMaxMetadataBytes, ' ') + "</workload>";
  auto m = parse_workload_metadata(huge);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().what.find("larger"), std::string::npos) << m.error().message();
}

TEST(WorkloadMetadata, RejectsDoctypeSoNoEntityIsExpanded) {
  // External entity (XXE) and an expansion bomb: refused, never resolved or expanded.
  auto xxe = parse_workload_metadata(
      R"(<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>)"
      R"(<workload type="&x;"/>)");
  ASSERT_FALSE(xxe);
  auto bomb = parse_workload_metadata(
      R"(<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">)"
      R"(<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><workload type="&c;"/>)");
  ASSERT_FALSE(bomb);
}

}  // namespace
}  // namespace augur::discovery
