// A container's network, for real: a worker process in its own network namespace (found by
// pid, as a container's processes are), a veth pair with one end moved into that namespace
// over rtnetlink, a cgroup around the worker for discovery. Frames are sent both ways and
// the Sample's rx/tx must count exactly them; discovery must name the host-side veth.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "augur/discovery/cgroup_source.h"
#include "augur/discovery/discoverer.h"
#include "augur/host/cgroup_layout.h"
#include "augur/host/net_links.h"
#include "augur/host/open_file.h"
#include "augur/host/proc_pid.h"
#include "real_sampler.h"
#include "scratch_cgroups.h"
#include "veth_pair.h"
#include "worker.h"

namespace augur::sampling {
namespace {

using augur::testing::ScratchCgroups;
using augur::testing::Worker;
namespace w = augur::testing::worker;
using namespace std::chrono_literals;

// Deletes the host end on exit (the pair also goes when the namespace does).
struct VethGuard {
  std::string name;
  ~VethGuard() { (void)augur::testing::delete_link(name); }
};

double count_over(const Sample& s, Metric m) {
  return s.get(m) * std::chrono::duration<double>(s.elapsed).count();
}

TEST(ContainerNetwork, CountsTrafficInItsNamespaceAndFindsItsHostSideVeth) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout) << layout.error().message();
  ASSERT_TRUE(layout->unified.has_value()) << "this machine mounts cgroup2";
  const std::string base = "augur-test-" + std::to_string(::getpid()) + "-net";

  ScratchCgroups scratch;  // declared first: removed after the worker is gone
  Worker ct;
  ASSERT_TRUE(ct.running());
  ASSERT_TRUE(ct.command(w::kNewNetns)) << "unshare(CLONE_NEWNET)";
  const auto ours = host::read_net_namespace("/proc", 0);
  const auto theirs = host::read_net_namespace("/proc", ct.pid());
  ASSERT_TRUE(ours && theirs);
  ASSERT_NE(*ours, *theirs);

  const std::string dir = layout->directory(CgroupRef{"", "/" + base}).value();
  ASSERT_TRUE(scratch.make_dir(dir)) << dir << ": " << std::strerror(errno);
  ASSERT_TRUE(scratch.make_dir(dir + "/ct")) << std::strerror(errno);
  ASSERT_TRUE(ScratchCgroups::write(dir + "/ct/cgroup.procs", std::to_string(ct.pid())));

  // Interface names are at most 15 characters.
  const std::string host_end = "aug" + std::to_string(::getpid() % 1000000) + "h";
  auto created = augur::testing::create_veth(host_end, w::kPeerName, ct.pid());
  ASSERT_TRUE(created) << created.error().message();
  VethGuard guard{host_end};
  // No IPv6 router solicitations or MLD reports from this end: the counts must be exact.
  ASSERT_TRUE(ScratchCgroups::write("/proc/sys/net/ipv6/conf/" + host_end + "/disable_ipv6", "1"));
  auto up = augur::testing::set_link_up(host_end);
  ASSERT_TRUE(up) << up.error().message();
  ASSERT_TRUE(ct.command(w::kLinkUp));

  // The host function on its own: the veth whose peer is in the worker's namespace.
  auto veths = host::host_side_veths("/proc", ct.pid());
  ASSERT_TRUE(veths) << veths.error().message();
  EXPECT_EQ(*veths, std::vector<std::string>{host_end});

  discovery::Discoverer discoverer;
  discovery::CgroupSourceOptions o;
  o.patterns = {base + "/*"};
  discoverer.add_source(std::make_unique<discovery::CgroupSource>(o));
  const discovery::DiscoveryRun run = discoverer.run();
  ASSERT_TRUE(run.errors.empty()) << run.errors[0].error.message();
  ASSERT_EQ(run.instances.size(), 1u);
  const Instance& inst = run.instances[0];
  EXPECT_EQ(inst.id, "cgroup:/" + base + "/ct");
  EXPECT_EQ(inst.main_pid, ct.pid());
  EXPECT_EQ(inst.interfaces, std::vector<std::string>{host_end}) << "for the tc actuator";

  auto sampler = augur::testing::make_real_sampler(*layout);
  ASSERT_NE(sampler, nullptr);
  (void)sampler->set_instances(run.instances);
  (void)sampler->tick(std::chrono::steady_clock::now());  // primes

  constexpr int kHostFrames = 7;  // host -> container, unlike the container's kFrames
  auto sent = augur::testing::send_frames(host_end, kHostFrames, w::kFrameBytes);
  ASSERT_TRUE(sent) << sent.error().message();
  ASSERT_TRUE(ct.command(w::kSendFrames));
  std::this_thread::sleep_for(200ms);
  const SamplerTick tick = sampler->tick(std::chrono::steady_clock::now());
  ASSERT_EQ(tick.samples.size(), 1u);
  const Sample& s = tick.samples[0];
  for (Metric m :
       {Metric::kNetRxBytes, Metric::kNetTxBytes, Metric::kNetRxPackets, Metric::kNetTxPackets}) {
    ASSERT_TRUE(s.has(m)) << metric_name(m);
  }
  // Rates times the elapsed time give back the counts (to rounding).
  EXPECT_NEAR(count_over(s, Metric::kNetRxBytes), kHostFrames * double(w::kFrameBytes), 0.5);
  EXPECT_NEAR(count_over(s, Metric::kNetRxPackets), kHostFrames, 1e-6);
  EXPECT_NEAR(count_over(s, Metric::kNetTxBytes), w::kFrames * double(w::kFrameBytes), 0.5);
  EXPECT_NEAR(count_over(s, Metric::kNetTxPackets), w::kFrames, 1e-6);
}

// A process in the host's namespace has no network of its own to count, and no host veth.
TEST(ContainerNetwork, ProcessInTheHostNamespaceHasNoInterfacesAndNoNetworkCounters) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout) << layout.error().message();
  const std::string base = "augur-test-" + std::to_string(::getpid()) + "-hostnet";
  ScratchCgroups scratch;  // declared first: removed after the worker is gone
  Worker p;
  ASSERT_TRUE(p.running());
  const std::string dir = layout->directory(CgroupRef{"", "/" + base}).value();
  ASSERT_TRUE(scratch.make_dir(dir)) << std::strerror(errno);
  ASSERT_TRUE(scratch.make_dir(dir + "/ct")) << std::strerror(errno);
  ASSERT_TRUE(ScratchCgroups::write(dir + "/ct/cgroup.procs", std::to_string(p.pid())));
  discovery::CgroupSourceOptions o;
  o.patterns = {base + "/*"};
  auto found = discovery::CgroupSource(o).discover();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_TRUE((*found)[0].interfaces.empty());
  auto sampler = augur::testing::make_real_sampler(*layout);
  (void)sampler->set_instances(*found);
  (void)sampler->tick(std::chrono::steady_clock::now());
  std::this_thread::sleep_for(50ms);
  const SamplerTick tick = sampler->tick(std::chrono::steady_clock::now());
  ASSERT_EQ(tick.samples.size(), 1u);
  EXPECT_FALSE(tick.samples[0].has(Metric::kNetRxBytes)) << "missing, never zero";
  const auto& reasons = tick.samples[0].missing_reasons;
  const auto it = std::find_if(reasons.begin(), reasons.end(),
                               [](const auto& r) { return r.first == Metric::kNetRxBytes; });
  ASSERT_NE(it, reasons.end());
  EXPECT_EQ(it->second, "instance shares the host network namespace");
}

}  // namespace
}  // namespace augur::sampling
