// End to end on a real hypervisor (issue 8): libvirtd and virtlogd started by hand, a QEMU TCG
// guest whose busybox init loops CPU, memory and disk phases, and the real augurd on
// qemu:///system. One guest and one daemon for the whole story, to stay well inside 5 min:
//   1. augurd (observe) discovers the guest with its vCPU threads and cgroups and samples it;
//   2. round 1's phases show as drift episodes within kMaxTicksLate ticks of the guest's
//      console markers, each with top features of the phase's resource;
//   3. the guest starts from a shrunk balloon (it boots with it) and a throttled disk (set
//      live before augurd starts); after round 1 the test lowers vcpu_quota and switches augurd to
//      enforce (augurctl mode): in round 2 augurd raises all three through libvirt, within the
//      configured bounds, each read back through libvirt (and the vCPU cgroup files for the quota,
//      the blkio cgroup files for the disk), each with its decision record in the log; round 1's
//      CPU episode, labelled by then, is the neighbour that must make round 2's first CPU
//      increase a prediction, applied during the phase's light ramp, before the vCPU cgroups'
//      first throttled period (positive lead time);
//   4. teardown leaves no QEMU, libvirtd or virtlogd process behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "../daemon/test_process.h"
#include "vm_harness.h"

namespace augur::testing::vm {
namespace {

using namespace std::chrono_literals;

constexpr double kTickS = 0.25;    // sampling.interval
constexpr int kMaxTicksLate = 40;  // an episode starts at most this many ticks after a marker
// usec per 100 ms per vCPU: 0.8 cores for 2 vCPUs. Low enough that the CPU phase's burst is
// throttled, high enough that the ramp is not.
constexpr long long kLowQuota = 40000;
constexpr unsigned long long kShrunkKib = 160 * 1024;
constexpr unsigned long long kMinKib = 192 * 1024;  // plan.memory.min
constexpr unsigned long long kMaxKib = 256 * 1024;  // plan.memory.max (= the domain's max)
constexpr unsigned long long kLowDisk = 2 << 20;    // bytes/s
constexpr unsigned long long kMaxDisk = 64 << 20;   // plan.disk.max

std::string config(const TempDir& dir) {
  return "daemon:\n  runtime_dir: " + dir.file("run") + "\n  state_dir: " + dir.file("state") +
         "\n  mode: observe\n"
         "log:\n  target: stderr\n"
         "discovery:\n  interval: 2s\n  libvirt:\n    enabled: true\n"
         "    uri: qemu:///system\n"
         "  cgroups:\n    enabled: false\n"
         "sampling:\n  interval: 250ms\n"
         "  events: [task-clock, context-switches, cpu-migrations, page-faults]\n"
         "fingerprint:\n  window_ticks: 8\n  ring_capacity: 120\n"
         "drift:\n  min_baseline_windows: 8\n  end_hold_ticks: 12\n"
         // One learning round leaves one pattern per phase: the nearest alone (k 1) is the
         // same phase's. An episode's first ticks vary (round 1's ramp still shows host page
         // faults), so a pattern is the mean of its first 5 ticks (refine_ticks), strength is
         // left out (it varied 4x), and confidence falls off over 1.5 rather than 0.5: round
         // 2's ramp lies 0.1-0.9 from round 1's, and at 0.5 a distance of 0.9 scaled the
         // predicted +1.9 cores to +0.3 (docs/e2e-vm.md).
         "predict:\n  k: 1\n  min_neighbours: 1\n  horizon: 10s\n  magnitude_weight: 0\n"
         "  confidence_distance: 1.5\n"
         "  refine_ticks: 4\n"
         "plan:\n"
         "  cpu: {min: 0.2, max: 2, max_step_fraction: 0.5, cooldown: 2s}\n"
         "  memory: {min: 192MiB, max: 256MiB, max_step_fraction: 0.25, cooldown: 2s}\n"
         "  disk: {min: 1000000, max: 64MiB/s, max_step_fraction: 0.5, cooldown: 2s}\n"
         "  scale_down_window: 10m\n  verify_settle: 5s\n  breaker_flips_per_hour: 1000\n"
         "control:\n  group: root\nmetrics:\n  enabled: false\n";
}

struct Marker {
  double t;
  int round;
  std::string phase;
};

struct Episode {
  double t;
  std::string line;
  std::vector<std::string> top;  // feature names, strongest first
};

// "top a=1.2,b=0.3)" or TOP_FEATURES="a=1.2,b=0.3" -> {a, b}
std::vector<std::string> top_features(const std::string& line) {
  std::vector<std::string> out;
  auto at = line.find(", top ");
  if (at == std::string::npos) return out;
  at += 6;
  const auto end = line.find(')', at);
  std::string list = line.substr(at, end - at);
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    out.push_back(item.substr(0, item.find('=')));
  }
  return out;
}

bool in_family(const std::string& feature, const std::string& phase) {
  auto starts = [&](const char* p) { return feature.rfind(p, 0) == 0; };
  if (phase == "cpu") {
    return starts("cpu_") || starts("vcpu_") || starts("runqueue_") || starts("context_switches") ||
           starts("ipc");
  }
  // The guest's memory as its balloon reports it (memory_bytes): host page faults are
  // QEMU's, not the guest's use.
  if (phase == "mem") return starts("memory_bytes");
  if (phase == "disk") return starts("disk_") || starts("io_");
  return false;
}

// From `augurctl show --json`: the memory features (value, baseline, z) and the five
// strongest features by |z|, on one line.
std::string fingerprint_summary(const std::string& shown) {
  const auto j = nlohmann::json::parse(shown, nullptr, false);
  if (!j.is_object() || !j.contains("fingerprint")) return "no fingerprint: " + shown;
  auto num = [](const nlohmann::json& v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3g", v.is_number() ? v.get<double>() : NAN);
    return std::string(buf);
  };
  std::string memory;
  std::string strongest;
  int n = 0;
  for (const auto& f : j["fingerprint"]) {
    const std::string name = f.value("name", "");
    if (name.rfind("memory_bytes", 0) == 0) {
      memory += " " + name + " " + num(f["value"]) + " (baseline " + num(f["baseline"]) + ", z " +
                num(f["z"]) + ")";
    }
    if (n++ < 5) strongest += " " + name + "=" + num(f["z"]);
  }
  return "memory" + memory + "; strongest" + strongest;
}

// Everything the test watches, stamped as it arrives: the guest's console markers and
// augurd's log.
class Watch {
 public:
  Watch(Clock::time_point start, const std::string& console, const std::string& log_path)
      : start_(start), console_(console), log_(log_path) {}

  // Also follow the vCPU cgroups' throttled periods (cpu.stat nr_throttled, summed).
  void watch_throttling(std::vector<std::string> cpu_stat_files) {
    cpu_stat_files_ = std::move(cpu_stat_files);
  }

  void pump() {
    const double t = since(start_);
    if (!cpu_stat_files_.empty()) {
      long long sum = 0;
      for (const std::string& f : cpu_stat_files_) sum += nr_throttled(f);
      if (throttled.empty() || throttled.back().second != sum) throttled.emplace_back(t, sum);
    }
    static const std::regex marker(R"(AUGUR-E2E: round ([0-9]+) phase=([a-z]+))");
    for (const std::string& line : console_.poll()) {
      if (line.find("AUGUR-E2E") == std::string::npos) continue;
      std::printf("[ vm %6.1f ] console: %s\n", t, line.c_str());
      std::smatch m;
      if (std::regex_search(line, m, marker)) markers.push_back({t, std::stoi(m[1]), m[2]});
    }
    for (const std::string& line : log_.poll()) {
      log.push_back({t, line});
      const bool interesting =
          line.find("instance found") != std::string::npos ||
          line.find("drift episode") != std::string::npos ||
          line.find("prediction for") != std::string::npos ||
          line.find("applied:") != std::string::npos || line.find("failed:") != std::string::npos ||
          line.find("refused:") != std::string::npos ||
          line.find("mode changed") != std::string::npos ||
          line.find(" warn") != std::string::npos || line.find(" error") != std::string::npos;
      if (interesting) std::printf("[ vm %6.1f ] augurd: %s\n", t, line.c_str());
      if (line.find("drift episode started") != std::string::npos) {
        episodes.push_back({t, line, top_features(line)});
      } else if (line.find("drift episode ended") != std::string::npos) {
        episode_ends.push_back({t, line, top_features(line)});
      }
    }
    std::fflush(stdout);
  }

  // Pumps until `done` or `timeout_s` seconds from now; returns done().
  bool until(const std::function<bool()>& done, double timeout_s) {
    const double end = since(start_) + timeout_s;
    while (since(start_) < end) {
      pump();
      if (done()) return true;
      std::this_thread::sleep_for(100ms);
    }
    pump();
    return done();
  }

  [[nodiscard]] const Marker* marker(int round, const std::string& phase, int nth = 1) const {
    for (const Marker& m : markers) {
      if (m.round == round && m.phase == phase && --nth == 0) return &m;
    }
    return nullptr;
  }
  // The episode open at `t` (started before it, not ended by it), if any.
  [[nodiscard]] const Episode* open_at(double t) const {
    const Episode* last = nullptr;
    for (const Episode& e : episodes) {
      if (e.t < t) last = &e;
    }
    if (last == nullptr) return nullptr;
    for (const Episode& end : episode_ends) {
      if (end.t >= last->t && end.t <= t) return nullptr;
    }
    return last;
  }
  [[nodiscard]] bool logged(const std::string& needle) const {
    return std::any_of(log.begin(), log.end(), [&](const StampedLine& l) {
      return l.text.find(needle) != std::string::npos;
    });
  }

  // Throttled periods in force at `t`, and the first time after `t` they grew (or -1).
  [[nodiscard]] long long throttled_at(double t) const {
    long long n = 0;
    for (const auto& [at, count] : throttled) {
      if (at > t) break;
      n = count;
    }
    return n;
  }
  [[nodiscard]] double throttling_starts_after(double t) const {
    const long long before = throttled_at(t);
    for (const auto& [at, count] : throttled) {
      if (at > t && count > before) return at;
    }
    return -1;
  }

  std::vector<Marker> markers;
  std::vector<Episode> episodes;
  std::vector<Episode> episode_ends;
  std::vector<StampedLine> log;
  std::vector<std::pair<double, long long>> throttled;  // (t, nr_throttled) when it changed

 private:
  static long long nr_throttled(const std::string& cpu_stat) {
    std::istringstream in(read_file(cpu_stat));
    std::string key;
    long long value = 0;
    while (in >> key >> value) {
      if (key == "nr_throttled") return value;
    }
    return 0;
  }

  std::vector<std::string> cpu_stat_files_;
  Clock::time_point start_;
  LineTail console_;
  LineTail log_;
};

std::vector<pid_t> running(const std::vector<pid_t>& pids) {
  std::vector<pid_t> out;
  for (pid_t p : pids) {
    if (::kill(p, 0) == 0) out.push_back(p);
  }
  return out;
}

std::string join(const std::vector<pid_t>& v) {
  std::string out;
  for (pid_t p : v) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

TEST(VmEndToEnd, GuestDiscoveredDriftingAndAdjustedLive) {
  if (const std::string why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const auto start = Clock::now();
  std::vector<pid_t> started;
  {
    GuestPhases phases;
    phases.boot_memory_mib = static_cast<int>(kShrunkKib / 1024);
    Hypervisor hv(std::string(AUGUR_BINARY_DIR) + "/tests/vm/guest-cache", phases, start);
    ASSERT_EQ(hv.build_guest(), "");
    ASSERT_EQ(hv.start_daemons(), "");
    ASSERT_EQ(hv.boot("e2e-phased"), "");
    started = hv.own_pids();
    const Timings& tm = hv.timings();
    std::printf(
        "[ vm ] timings: guest build %.1f s, libvirtd ready %.1f s, define %.1f s,"
        " virDomainCreate %.1f s, start to init %.1f s\n",
        tm.guest_build_s, tm.daemons_ready_s, tm.define_s, tm.domain_start_s, tm.boot_to_init_s);

    // --- 1. discovery and sampling ------------------------------------------------------
    const std::vector<pid_t> vcpus = vcpu_threads_from_comm(hv.qemu_pid());
    std::printf("[ vm ] QEMU pid %d, vCPU threads (comm 'CPU n/TCG') %s\n", hv.qemu_pid(),
                join(vcpus).c_str());
    ASSERT_EQ(vcpus.size(), 2u);
    const std::string vcpu0_cg = cgroup_dir_of(hv.qemu_pid(), vcpus[0], "cpu");
    const std::string vcpu1_cg = cgroup_dir_of(hv.qemu_pid(), vcpus[1], "cpu");
    const std::string mem_cg = cgroup_dir_of(hv.qemu_pid(), hv.qemu_pid(), "memory");
    std::printf("[ vm ] cgroups: vcpu0 cpu %s, memory %s\n", vcpu0_cg.c_str(), mem_cg.c_str());
    ASSERT_FALSE(vcpu0_cg.empty());

    // The shrunk balloon and the throttled disk before augurd starts: augurd learns the
    // guest's normal under them. The guest boots with its balloon at the shrunk size
    // (<currentMemory>) and touches its RAM once the balloon has inflated: a balloon shrunk
    // live after that touch left round 1 with host page faults that later rounds did not
    // have, and its ramp then looked like its memory phase (docs/e2e-vm.md). The vCPU quota
    // is lowered after round 1 (below): throttled in round 1, the memory phase's write
    // looked like the CPU phase's ramp.
    ASSERT_TRUE(set_disk_total_bytes_sec(hv.domain(), kLowDisk)) << libvirt_error();
    const std::string vcpu0_quota = vcpu0_cg + "/cpu.cfs_quota_us";
    // augurd starts once the guest is up (its boot-time touch of its RAM done) and its
    // balloon statistics hold still: the statistics of the first seconds still showed the
    // touched RAM as used, and a baseline learned from them had a memory spread of 70-90 MB
    // against the guest's steady 27 MiB, which hid the memory phase (z 0.3 for +64 MiB).
    {
      LineTail console(hv.console_path());
      bool up = false;
      std::vector<double> used_mib;
      while (since(start) < 200) {
        for (const std::string& line : console.poll())
          up |= line.find("guest up") != std::string::npos;
        unsigned long long total = 0, unused = 0;
        for (const auto& [tag, val] : memory_stats(hv.domain())) {
          if (tag == VIR_DOMAIN_MEMORY_STAT_AVAILABLE) total = val;
          if (tag == VIR_DOMAIN_MEMORY_STAT_UNUSED) unused = val;
        }
        if (total >= unused) used_mib.push_back(static_cast<double>(total - unused) / 1024);
        const std::size_t n = used_mib.size();
        if (up && n >= 4 &&
            std::max({used_mib[n - 1], used_mib[n - 2], used_mib[n - 3], used_mib[n - 4]}) -
                    std::min({used_mib[n - 1], used_mib[n - 2], used_mib[n - 3], used_mib[n - 4]}) <
                1.0) {
          std::printf("[ vm ] guest settled at %.1f s: uses %.0f MiB of %.0f MiB\n", since(start),
                      used_mib.back(), static_cast<double>(total) / 1024);
          break;
        }
        std::this_thread::sleep_for(500ms);
      }
      ASSERT_TRUE(up) << "the guest never reported it was up";
    }
    std::printf("[ vm ] lowered: balloon %llu KiB, vda %llu B/s\n", balloon_kib(hv.domain()),
                disk_total_bytes_sec(hv.domain()));
    EXPECT_EQ(balloon_kib(hv.domain()), kShrunkKib);

    TempDir dir;
    write_file(dir.file("augur.yaml"), config(dir));
    Child daemon({AUGURD_PATH, "--config", dir.file("augur.yaml")}, {}, dir.file("out"),
                 dir.file("err"));
    Watch w(start, hv.console_path(), dir.file("err"));
    w.watch_throttling({vcpu0_cg + "/cpu.stat", vcpu1_cg + "/cpu.stat"});
    const std::string found = std::string("instance found: ") + Hypervisor::kDomain +
                              " (2 threads: " + std::to_string(vcpus[0]) + "," +
                              std::to_string(vcpus[1]) + ")";
    ASSERT_TRUE(w.until([&] { return w.logged(found); }, 20))
        << "augurd did not report '" << found << "'\n"
        << read_file(dir.file("err"));

    const std::string socket = dir.file("run") + "/augur.sock";
    auto ctl = [&](std::vector<std::string> args) {
      std::vector<std::string> argv{AUGURCTL_PATH, "--socket", socket, "--json"};
      argv.insert(argv.end(), args.begin(), args.end());
      const int rc = run_to_exit(argv, dir.file("ctl.out"), dir.file("ctl.err"));
      return rc == 0 ? read_file(dir.file("ctl.out"))
                     : "exit " + std::to_string(rc) + ": " + read_file(dir.file("ctl.err"));
    };

    // --- 2. drift at the phase changes of round 1 ---------------------------------------
    // augurd's live top features are also read 2.5 s (10 ticks) into each phase: the memory
    // phase's write costs TCG a CPU blip at once, while the balloon reports the guest's
    // memory once a second, so its episode opens on the blip; and a phase may fall inside
    // the previous phase's episode when that one stays open long (docs/e2e-vm.md).
    auto live_top_features = [&] {
      std::vector<std::string> names;
      const auto listed = nlohmann::json::parse(ctl({"instances"}), nullptr, false);
      if (!listed.is_object() || !listed.contains("instances")) return names;
      for (const auto& inst : listed["instances"]) {
        if (inst.value("name", "") != Hypervisor::kDomain) continue;
        for (const auto& f : inst.value("top_features", nlohmann::json::array())) {
          names.push_back(f.value("name", ""));
        }
      }
      return names;
    };
    std::map<std::string, std::vector<std::string>> live_top;
    for (const std::string phase : {"cpu", "mem", "disk"}) {
      ASSERT_TRUE(w.until([&] { return w.marker(1, phase) != nullptr; }, 150))
          << "round 1 reached no " << phase << " phase";
      const double marker_at = w.marker(1, phase)->t;
      // The memory phase's fingerprint against the baseline, every second for 5 s: its
      // memory features beside the strongest (augurctl show's "fingerprint").
      for (double dt : {1.0, 2.0, 2.5, 3.0, 4.0, 5.0}) {
        if (phase != "mem") break;
        w.until([&] { return since(start) >= marker_at + dt; }, 5);
        if (dt == 2.5) live_top[phase] = live_top_features();
        std::printf("[ vm ] phase=mem + %.1f s: %s\n", dt,
                    fingerprint_summary(ctl({"show", Hypervisor::kDomain})).c_str());
      }
      w.until([&] { return since(start) >= marker_at + 2.5; }, 5);
      if (phase != "mem") live_top[phase] = live_top_features();
    }
    ASSERT_TRUE(w.until([&] { return w.marker(1, "idle", 3) != nullptr; }, 150))
        << "round 1 did not finish";
    const std::string shown = ctl({"show", Hypervisor::kDomain});
    std::printf("[ vm ] augurctl show: %s\n", shown.substr(0, 400).c_str());
    const auto shown_json = nlohmann::json::parse(shown, nullptr, false);
    ASSERT_TRUE(shown_json.is_object()) << shown;
    EXPECT_EQ(shown_json.value("app_type", ""), "e2e-phased") << "from the domain's <metadata>";
    EXPECT_EQ(shown_json.value("baseline", ""), "trusted") << "no fingerprint baseline built";
    const auto stats = memory_stats(hv.domain());
    bool has_unused = false;
    for (const auto& [tag, val] : stats) has_unused |= tag == VIR_DOMAIN_MEMORY_STAT_UNUSED;
    EXPECT_TRUE(has_unused) << "the guest reports no balloon statistics";

    auto names = [](const std::vector<std::string>& features) {
      std::string out;
      for (const std::string& f : features) out += (out.empty() ? "" : ",") + f;
      return out;
    };
    for (const std::string phase : {"cpu", "mem", "disk"}) {
      const Marker* m = w.marker(1, phase);
      ASSERT_NE(m, nullptr) << phase;
      // The phase's resource among the top features (the five augurd logs), not necessarily
      // first: the CPU phase's processes first-touch guest RAM, which shows as host page
      // faults in the vCPU threads and can outrank the CPU features (docs/e2e-vm.md).
      auto of_family = [&](const std::vector<std::string>& features) {
        return std::any_of(features.begin(), features.end(),
                           [&](const std::string& f) { return in_family(f, phase); });
      };
      const std::vector<std::string>& live = live_top[phase];
      std::printf("[ vm ] phase=%s + 2.5 s: augurd's top features %s\n", phase.c_str(),
                  names(live).c_str());
      const Episode* e = nullptr;
      for (const Episode& ep : w.episodes) {
        if (ep.t >= m->t && ep.t <= m->t + kMaxTicksLate * kTickS) {
          e = &ep;
          break;
        }
      }
      if (e == nullptr) {
        // The previous phase's episode may still be open at the marker (it usually ends
        // 14-19 s after it starts, once in about 8 runs 40 s): the detector then opens no
        // new episode, and the phase shows as that episode's top features turning to the
        // phase's resource, live 2.5 s in or at the episode's end.
        const Episode* open = w.open_at(m->t);
        const Episode* end = nullptr;
        for (const Episode& x : w.episode_ends) {
          if (open != nullptr && x.t >= open->t) {
            end = &x;
            break;
          }
        }
        const bool turned =
            open != nullptr && (of_family(live) || (end != nullptr && of_family(end->top)));
        if (!turned) {
          ADD_FAILURE() << "no drift episode within " << kMaxTicksLate
                        << " ticks of round 1 phase=" << phase
                        << (open != nullptr ? ", and the episode open at its marker did not "
                                              "turn to its resource"
                                            : "");
          continue;
        }
        std::printf(
            "[ vm ] phase=%s at %.1f s fell inside the episode open since %.1f s; its top"
            " features turned to the phase's resource (2.5 s in: %s; at its end, %.1f s: %s)\n",
            phase.c_str(), m->t, open->t, names(live).c_str(), end != nullptr ? end->t : -1.0,
            end != nullptr ? names(end->top).c_str() : "");
        continue;
      }
      const double ticks = (e->t - m->t) / kTickS;
      std::printf("[ vm ] phase=%s at %.1f s -> episode at %.1f s (%.0f ticks), top %s\n",
                  phase.c_str(), m->t, e->t, ticks, names(e->top).c_str());
      ASSERT_FALSE(e->top.empty()) << e->line;
      if (phase == "mem") {
        // The write costs TCG a CPU blip at once, while the balloon reports the guest's
        // memory once a second: the episode opens on the blip, and the guest's memory
        // (memory_bytes, from its balloon statistics) leads it from a second or two in: live
        // 2.5 s in, or at the episode's peak (its end line).
        const Episode* end = nullptr;
        for (const Episode& x : w.episode_ends) {
          if (x.t >= e->t) {
            end = &x;
            break;
          }
        }
        std::printf("[ vm ] phase=mem: episode's top features at its end (peak) %s\n",
                    end != nullptr ? names(end->top).c_str() : "(not ended)");
        EXPECT_TRUE(of_family(e->top) || of_family(live) || (end != nullptr && of_family(end->top)))
            << "phase mem: the guest's memory (memory_bytes) among no top features: at the"
               " start "
            << names(e->top) << ", 2.5 s in " << names(live) << ", at the end "
            << (end != nullptr ? names(end->top) : "(not ended)");
        continue;
      }
      EXPECT_TRUE(of_family(e->top))
          << "phase " << phase << ": no top feature of its family: " << names(e->top) << "\n"
          << e->line;
    }

    // --- 3. enforce: a low quota, then round 2 --------------------------------------------
    // The idle guest uses far less than the new quota, so lowering it does not move the
    // fingerprint; round 1's CPU episode, labelled by now with the burst's need, is what
    // round 2's ramp should be predicted from.
    ASSERT_TRUE(set_vcpu_quota(hv.domain(), kLowQuota, 100000)) << libvirt_error();
    std::printf("[ vm ] lowered: vcpu_quota %lld (vcpu0 cgroup %lld)\n", vcpu_quota(hv.domain()),
                std::stoll(read_file(vcpu0_quota)));
    EXPECT_EQ(std::stoll(read_file(vcpu0_quota)), kLowQuota);
    std::printf("[ vm ] augurctl mode enforce: %s\n", ctl({"mode", "enforce"}).c_str());

    ASSERT_TRUE(w.until([&] { return w.marker(2, "idle", 3) != nullptr; }, 90))
        << "round 2 did not finish";
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(15s), std::optional<int>(0));
    w.pump();

    const long long quota = vcpu_quota(hv.domain());
    const long long cg_quota = std::stoll(read_file(vcpu0_quota));
    const unsigned long long kib = balloon_kib(hv.domain());
    const unsigned long long disk = disk_total_bytes_sec(hv.domain());
    std::printf(
        "[ vm ] in force after round 2: vcpu_quota %lld (cgroup vcpu0 %lld), balloon %llu"
        " KiB, vda total_bytes_sec %llu\n",
        quota, cg_quota, kib, disk);
    EXPECT_TRUE(quota < 0 || quota > kLowQuota) << quota;  // -1: unlimited (2 of 2 cores)
    EXPECT_EQ(cg_quota, quota) << "libvirt and the vCPU cgroup disagree";
    EXPECT_LE(quota, 100000);  // plan.cpu.max 2 cores over 2 vCPUs
    EXPECT_GE(kib, kMinKib);
    EXPECT_LE(kib, kMaxKib);
    // Discovery reads the disks' block throttle as the disk allocation; the disk phase under
    // the low throttle makes the planner raise it, read back through libvirt.
    EXPECT_GT(disk, kLowDisk) << "vda total_bytes_sec not raised";
    EXPECT_LE(disk, kMaxDisk);
    // The cgroup side of block I/O tune: augurd also set libvirt's blkiotune for the host
    // disk under vda's image (read and write, the same bytes/s), which libvirt wrote into
    // the domain's blkio cgroup. Read back through libvirt and through the cgroup files.
    const std::string host_disk = whole_disk_of_file(hv.disk_path());
    const std::string blkio_cg = cgroup_dir_of(hv.qemu_pid(), hv.qemu_pid(), "blkio");
    const std::string want = host_disk + " " + std::to_string(disk);
    for (const char* file : {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device"}) {
      const std::string held = read_file(blkio_cg + "/" + file);
      std::printf("[ vm ] cgroup %s/%s: %s\n", blkio_cg.c_str(), file, held.c_str());
      EXPECT_NE(held.find(want), std::string::npos) << file << " should hold " << want;
    }
    for (const char* field :
         {VIR_DOMAIN_BLKIO_DEVICE_READ_BPS, VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS}) {
      const std::string listed = blkio_device_list(hv.domain(), field);
      std::printf("[ vm ] libvirt blkiotune %s: %s\n", field, listed.c_str());
      EXPECT_NE(listed.find("," + std::to_string(disk)), std::string::npos)
          << field << " should hold " << disk << ": " << listed;
    }
    // Proactive: round 2's first CPU increase must be a prediction with neighbours (round
    // 1's labelled episodes), applied during the ramp, before the burst's throttling starts
    // (positive lead time). When the ramp opens on host page faults (balloon pages given
    // back as enforce began) its first ticks find round 1's memory pattern; the prediction
    // then follows the episode and turns to round 1's ramp within a few ticks
    // (docs/e2e-vm.md).
    const Marker* ramp2 = w.marker(2, "cpu");
    const Marker* burst2 = w.marker(2, "burst");
    ASSERT_NE(ramp2, nullptr);
    ASSERT_NE(burst2, nullptr);
    const double throttled_from = w.throttling_starts_after(ramp2->t);
    const StampedLine* first_cpu = nullptr;
    for (const StampedLine& l : w.log) {
      if (l.t >= ramp2->t && l.text.find("applied: augur-e2e cpu ") != std::string::npos) {
        first_cpu = &l;
        break;
      }
    }
    ASSERT_NE(first_cpu, nullptr) << "no CPU increase in round 2";
    const auto field = [](const std::string& line, const std::string& key) {
      const auto at = line.find(" " + key + "=");
      if (at == std::string::npos) return std::string();
      const auto from = at + key.size() + 2;
      if (line[from] == '"') return line.substr(from + 1, line.find('"', from + 1) - from - 1);
      return line.substr(from, line.find(' ', from) - from);
    };
    std::printf(
        "[ vm ] round 2: ramp at %.1f s, burst at %.1f s, vCPU throttling from %.1f s; first"
        " CPU increase at %.1f s (%s, neighbours %s): lead time %.1f s\n",
        ramp2->t, burst2->t, throttled_from, first_cpu->t, field(first_cpu->text, "REASON").c_str(),
        field(first_cpu->text, "NEIGHBOURS").c_str(), throttled_from - first_cpu->t);
    const bool ahead = field(first_cpu->text, "REASON") == "prediction" &&
                       !field(first_cpu->text, "NEIGHBOURS").empty() &&
                       (throttled_from < 0 || first_cpu->t < throttled_from);
    std::printf("[ vm ] %s: round 2's first CPU increase %s\n", ahead ? "AHEAD" : "LATE",
                ahead ? "was a prediction applied before throttling started"
                      : "was not a prediction ahead of throttling");
    EXPECT_TRUE(ahead) << "round 2's first CPU increase: " << first_cpu->text;

    // The balloon's records: the guest takes its pages back over seconds, so a change's read
    // back may fail and be retried before it is applied.
    int would_apply = 0;
    for (const StampedLine& l : w.log) {
      if (l.text.find(" memory ") == std::string::npos) continue;
      if (l.text.find("would-apply:") != std::string::npos) {
        ++would_apply;
      } else if (l.text.find("applied:") != std::string::npos ||
                 l.text.find("failed") != std::string::npos) {
        std::printf("[ vm %6.1f ] augurd: %s\n", l.t, l.text.substr(0, 240).c_str());
      }
    }
    std::printf("[ vm ] memory would-apply records in observe mode: %d\n", would_apply);
    // One per cooldown (2 s) at most, not one per tick (400): round 1 is about 100 s long.
    EXPECT_LT(would_apply, 100);
    for (const char* resource : {" cpu ", " memory ", " disk "}) {
      EXPECT_TRUE(std::any_of(w.log.begin(), w.log.end(),
                              [&](const StampedLine& l) {
                                return l.text.find("applied: ") != std::string::npos &&
                                       l.text.find(resource) != std::string::npos;
                              }))
          << "no applied decision record for" << resource;
    }
  }
  // --- 4. teardown ----------------------------------------------------------------------
  const std::vector<pid_t> left = running(started);
  EXPECT_TRUE(left.empty()) << "still running: " << join(left);
  std::printf(
      "[ vm ] teardown complete: libvirtd, virtlogd and QEMU (pids %s) gone; %.1f s in all\n",
      join(started).c_str(), since(start));
}

}  // namespace
}  // namespace augur::testing::vm
