// Discovery and stats parsing against what a real libvirt 9.0 daemon and QEMU 7.2 TCG guest
// exposed on this machine (tests/fixtures/libvirt/real-tcg-guest, see its README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "../host/temp_tree.h"
#include "augur/discovery/qemu_process.h"
#include "augur/discovery/workload_metadata.h"
#include "augur/host/proc_pid.h"
#include "augur/sampling/libvirt/domain_stats.h"

namespace augur {
namespace {

using augur::testing::TempTree;

const std::string kGuest =
    std::string(AUGUR_SOURCE_DIR) + "/tests/fixtures/libvirt/real-tcg-guest/";
constexpr const char* kDomain = "e2e-vm";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t qemu_pid() {
  return std::stoi(slurp(kGuest + "proc/qemu.pid"));
}

// A /proc tree for the QEMU process, rebuilt from the recorded files.
void build_proc_tree(const TempTree& t) {
  const std::string pid = std::to_string(qemu_pid());
  t.make_file("proc/" + pid + "/cmdline", slurp(kGuest + "proc/cmdline"));
  t.make_file("proc/" + pid + "/cgroup", slurp(kGuest + "proc/cgroup"));
  std::istringstream comms(slurp(kGuest + "proc/task-comm.txt"));
  std::string line;
  while (std::getline(comms, line)) {
    const auto sp = line.find(' ');
    t.make_file("proc/" + pid + "/task/" + line.substr(0, sp) + "/comm",
                line.substr(sp + 1) + "\n");
  }
}

std::vector<pid_t> tids_from_query_cpus_fast() {
  const auto j = nlohmann::json::parse(slurp(kGuest + "query-cpus-fast.json"));
  std::vector<std::pair<int, pid_t>> cpus;
  for (const auto& c : j.at("return")) cpus.emplace_back(c.at("cpu-index"), c.at("thread-id"));
  std::sort(cpus.begin(), cpus.end());
  std::vector<pid_t> out;
  for (const auto& [index, tid] : cpus) out.push_back(tid);
  return out;
}

std::vector<pid_t> tids_from_hmp_info_cpus() {
  const std::string text = slurp(kGuest + "hmp-info-cpus.txt");
  std::vector<pid_t> out;
  const std::regex re("thread_id=([0-9]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back(std::stoi((*it)[1]));
  }
  return out;
}

TEST(RealTcgGuest, VcpuThreadNamesGiveTheTidsQemuReports) {
  TempTree t;
  build_proc_tree(t);
  auto p = discovery::inspect_qemu_process(t.path("proc"), qemu_pid(), kDomain);
  ASSERT_TRUE(p) << p.error().message();
  const auto qmp = tids_from_query_cpus_fast();
  ASSERT_FALSE(qmp.empty());
  EXPECT_EQ(p->vcpu_threads, qmp);
  EXPECT_EQ(p->vcpu_threads, tids_from_hmp_info_cpus());
  EXPECT_EQ(p->vcpu_indexes, (std::vector<int>{0, 1}));
}

TEST(RealTcgGuest, ProcessOfAnotherDomainIsRejected) {
  TempTree t;
  build_proc_tree(t);
  auto p = discovery::inspect_qemu_process(t.path("proc"), qemu_pid(), "other-vm");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().what.find("not the QEMU"), std::string::npos);
}

TEST(RealTcgGuest, PidFileNamesTheQemuProcess) {
  TempTree t;
  t.make_file(std::string("run/") + kDomain + ".pid", slurp(kGuest + "qemu-runtime-e2e-vm.pid"));
  auto pid = discovery::read_qemu_pid(t.path("run"), kDomain);
  ASSERT_TRUE(pid) << pid.error().message();
  EXPECT_EQ(*pid, qemu_pid());
  EXPECT_FALSE(discovery::read_qemu_pid(t.path("run"), "missing-vm"));
}

TEST(RealTcgGuest, CgroupPathsExistInRecordedHierarchiesWithPerVcpuChildren) {
  TempTree t;
  build_proc_tree(t);
  auto p = discovery::inspect_qemu_process(t.path("proc"), qemu_pid(), kDomain);
  ASSERT_TRUE(p) << p.error().message();
  // Without systemd libvirt uses /machine/qemu-<id>-<name>.libvirt-qemu.
  ASSERT_FALSE(p->cgroups.empty());
  bool saw_unified = false, saw_cpu = false, saw_memory = false;
  for (const auto& ref : p->cgroups) {
    EXPECT_EQ(ref.path.find("/emulator"), std::string::npos) << ref.path;
    EXPECT_NE(ref.path.find(kDomain), std::string::npos) << ref.path;
    const std::string hierarchy = ref.controller.empty() ? "unified" : ref.controller;
    if (hierarchy == "freezer") continue;  // not recorded
    EXPECT_TRUE(std::filesystem::is_directory(kGuest + "cgroup/" + hierarchy + ref.path))
        << hierarchy << ref.path;
    saw_unified |= ref.controller.empty();
    saw_cpu |= ref.controller == "cpu";
    saw_memory |= ref.controller == "memory";
  }
  EXPECT_TRUE(saw_unified && saw_cpu && saw_memory);
  // Each vCPU thread sits in the vcpu<N> child, in both the cpu and the cgroup2 tree.
  for (std::size_t i = 0; i < p->vcpu_threads.size(); ++i) {
    auto refs = host::read_proc_cgroup(kGuest + "proc/task", p->vcpu_threads[i]);
    ASSERT_TRUE(refs) << refs.error().message();
    const std::string leaf = "/vcpu" + std::to_string(p->vcpu_indexes[i]);
    for (const auto& ref : *refs) {
      if (ref.controller == "cpu" || ref.controller.empty()) {
        EXPECT_TRUE(ref.path.ends_with(leaf)) << ref.path;
        const std::string hierarchy = ref.controller.empty() ? "unified" : ref.controller;
        EXPECT_TRUE(
            std::filesystem::exists(kGuest + "cgroup/" + hierarchy + ref.path + "/cpu.stat"));
      }
    }
  }
}

TEST(RealTcgGuest, MetadataAsLibvirtReturnedItParses) {
  auto m = discovery::parse_workload_metadata(slurp(kGuest + "metadata-augur.xml"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->app_type, "database");
}

struct Reading {
  double wall_s;
  sampling::DomainStatsRaw raw;
};

std::vector<Reading> readings() {
  std::vector<Reading> out;
  for (int i = 0;; ++i) {
    const std::string base = kGuest + "stats-" + std::to_string(i);
    if (!std::filesystem::exists(base + ".txt")) break;
    auto params = sampling::parse_stat_lines(slurp(base + ".txt"), base + ".txt");
    EXPECT_TRUE(params) << params.error().message();
    auto raw = sampling::parse_domain_stats(*params);
    EXPECT_TRUE(raw) << raw.error().message();
    out.push_back(Reading{std::stod(slurp(base + ".time")), *raw});
  }
  return out;
}

Nanos between(const Reading& a, const Reading& b) {
  return Nanos(static_cast<std::int64_t>((b.wall_s - a.wall_s) * 1e9));
}

TEST(RealTcgGuest, BulkStatsParseWithVcpusDevicesAndBalloon) {
  const auto r = readings();
  ASSERT_GE(r.size(), 2u);
  const auto& raw = r.front().raw;
  ASSERT_TRUE(raw.vcpu_current && raw.vcpu_maximum);
  EXPECT_EQ(raw.vcpus.size(), *raw.vcpu_current);
  EXPECT_LE(*raw.vcpu_current, *raw.vcpu_maximum);
  ASSERT_EQ(raw.blocks.size(), 1u);
  EXPECT_EQ(raw.blocks[0].name, "vda");
  ASSERT_EQ(raw.nets.size(), 1u);
  EXPECT_EQ(raw.nets[0].name, "e2etap0");
  EXPECT_TRUE(raw.balloon_available_kib && raw.balloon_unused_kib && raw.balloon_rss_kib);
}

TEST(RealTcgGuest, CpuRatesStayWithinTheHostAndVcpusWithinTheDomain) {
  const auto r = readings();
  const double host_cpus = 2.0;  // this machine; the guest's 2 TCG vCPUs compete for them
  for (std::size_t i = 1; i < r.size(); ++i) {
    Sample s;
    sampling::derive_domain_rates(r[i - 1].raw, r[i].raw, between(r[i - 1], r[i]), s);
    ASSERT_TRUE(s.has(Metric::kCpuUsageCores)) << i;
    const double cores = s.get(Metric::kCpuUsageCores);
    EXPECT_GT(cores, 0.0) << i;
    EXPECT_LE(cores, host_cpus * 1.05) << i;
    double vcpu_sum = 0;
    for (double v : s.vcpu_utilisation) {
      ASSERT_FALSE(std::isnan(v));
      vcpu_sum += v;
    }
    // vCPU threads are part of QEMU's CPU time (tick granularity: a little slack).
    EXPECT_LE(vcpu_sum, cores + 0.05) << i;
    EXPECT_TRUE(s.has(Metric::kRunqueueWaitShare));
  }
}

TEST(RealTcgGuest, DiskRatesAddUpToTheGuestsDirectIo) {
  // The guest's disk phase writes then reads 32 MiB with O_DIRECT once in the recorded window.
  const auto r = readings();
  double written = 0, read = 0;
  for (std::size_t i = 1; i < r.size(); ++i) {
    Sample s;
    const Nanos dt = between(r[i - 1], r[i]);
    sampling::derive_domain_rates(r[i - 1].raw, r[i].raw, dt, s);
    ASSERT_TRUE(s.has(Metric::kDiskWriteBytes) && s.has(Metric::kDiskReadBytes));
    written += s.get(Metric::kDiskWriteBytes) * (static_cast<double>(dt.count()) / 1e9);
    read += s.get(Metric::kDiskReadBytes) * (static_cast<double>(dt.count()) / 1e9);
  }
  EXPECT_NEAR(written, 32.0 * 1024 * 1024, 1.0);
  EXPECT_NEAR(read, 32.0 * 1024 * 1024, 1.0);
}

TEST(RealTcgGuest, MemoryAllocationInForceIsTheBalloonEveryTick) {
  const auto r = readings();
  for (std::size_t i = 1; i < r.size(); ++i) {
    Sample s;
    sampling::derive_domain_rates(r[i - 1].raw, r[i].raw, between(r[i - 1], r[i]), s);
    ASSERT_TRUE(r[i].raw.balloon_current_kib) << i;
    EXPECT_EQ(s.allocation[Resource::kMemory],
              static_cast<double>(*r[i].raw.balloon_current_kib) * 1024.0)
        << i;
  }
  // Without balloon.current the allocation stays unknown (discovery's value fills it).
  sampling::DomainStatsRaw without = r[1].raw;
  without.balloon_current_kib.reset();
  Sample s;
  sampling::derive_domain_rates(r[0].raw, without, between(r[0], r[1]), s);
  EXPECT_FALSE(s.allocation.known(Resource::kMemory));
}

TEST(RealTcgGuest, GuestMemoryUsedRisesByTheFillOfTheMemoryPhase) {
  const std::string console = slurp(kGuest + "guest-console.log");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(console, m, std::regex("fill=([0-9]+)MiB")));
  const double fill_bytes = std::stod(m[1]) * 1024 * 1024;
  const auto r = readings();
  double lo = 1e300, hi = 0;
  for (std::size_t i = 1; i < r.size(); ++i) {
    Sample s;
    sampling::derive_domain_rates(r[i - 1].raw, r[i].raw, between(r[i - 1], r[i]), s);
    ASSERT_TRUE(s.has(Metric::kGuestMemoryUsedBytes));
    lo = std::min(lo, s.get(Metric::kGuestMemoryUsedBytes));
    hi = std::max(hi, s.get(Metric::kGuestMemoryUsedBytes));
    EXPECT_GT(s.get(Metric::kMemoryBytes), s.get(Metric::kGuestMemoryUsedBytes));  // QEMU RSS
  }
  EXPECT_NEAR(hi - lo, fill_bytes, 0.05 * fill_bytes);
}

}  // namespace
}  // namespace augur
