// The real augurctl against the real augurd over its control socket.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "../daemon/test_process.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class AugurctlVerbs : public ::testing::Test {
 protected:
  void SetUp() override {
    // Something real to watch: a sleeping child, found by its pid.
    sleeper_ = std::make_unique<Child>(std::vector<std::string>{"/bin/sleep", "120"},
                                       std::vector<std::string>{}, dir_.file("sleep.out"),
                                       dir_.file("sleep.err"));
    write_file(dir_.file("augur.yaml"),
               "daemon:\n  runtime_dir: " + dir_.file("run") +
                   "\n  state_dir: " + dir_.file("state") +
                   "\nlog:\n  target: stderr\n"
                   "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
                   "  static:\n    - name: sleeper\n      pid: " +
                   std::to_string(sleeper_->pid()) +
                   "\n      type: batch\n"
                   "sampling:\n  interval: 100ms\n"
                   "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
                   "control:\n  group: root\nmetrics:\n  enabled: false\n");
    daemon_ = std::make_unique<Child>(
        std::vector<std::string>{AUGURD_PATH, "--config", dir_.file("augur.yaml")},
        std::vector<std::string>{}, dir_.file("augurd.out"), dir_.file("augurd.err"));
    // Ready when the instance shows up in `instances`.
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(100ms);
      if (ctl({"instances", "--json"}) == 0 &&
          read_file(dir_.file("ctl.out")).find("sleeper") != std::string::npos) {
        return;
      }
    }
    FAIL() << "augurd never published the sleeper; its log:\n"
           << read_file(dir_.file("augurd.err"));
  }

  void TearDown() override {
    if (daemon_) {
      daemon_->signal(SIGTERM);
      EXPECT_EQ(daemon_->wait_exit(10s), std::optional<int>(0));
    }
  }

  int ctl(std::vector<std::string> args) {
    std::vector<std::string> argv{AUGURCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--socket");
    argv.push_back(socket());
    return run_to_exit(argv, dir_.file("ctl.out"), dir_.file("ctl.err"));
  }
  json ctl_json(std::vector<std::string> args) {
    args.push_back("--json");
    EXPECT_EQ(ctl(args), 0) << read_file(dir_.file("ctl.err"));
    return json::parse(read_file(dir_.file("ctl.out")), nullptr, false);
  }
  std::string ctl_table(std::vector<std::string> args) {
    EXPECT_EQ(ctl(args), 0) << read_file(dir_.file("ctl.err"));
    return read_file(dir_.file("ctl.out"));
  }
  [[nodiscard]] std::string socket() const { return dir_.file("run") + "/augur.sock"; }

  // One raw request line, one answer line.
  std::string raw(const std::string& line) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket().c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return "connect failed";
    }
    std::size_t sent = 0;
    while (sent < line.size()) {
      const ssize_t n = ::write(fd, line.data() + sent, line.size() - sent);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string answer;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) answer.append(buf, n);
    ::close(fd);
    return answer;
  }

  TempDir dir_;
  std::unique_ptr<Child> sleeper_;
  std::unique_ptr<Child> daemon_;
};

TEST_F(AugurctlVerbs, StatusInBothForms) {
  const json s = ctl_json({"status"});
  EXPECT_EQ(s["mode"], "observe");
  EXPECT_GT(s["ticks"].get<int>(), 0);
  ASSERT_TRUE(s["analyser"].is_object());
  EXPECT_EQ(s["analyser"]["instances"], 1);
  EXPECT_TRUE(s["analyser"]["self_score"].contains("precision"));
  EXPECT_NE(ctl_table({"status"}).find("analyser.self_score.recall"), std::string::npos);
}

TEST_F(AugurctlVerbs, InstancesAndShowInBothForms) {
  const json list = ctl_json({"instances"});
  ASSERT_EQ(list["instances"].size(), 1u);
  EXPECT_EQ(list["instances"][0]["name"], "sleeper");
  EXPECT_EQ(list["instances"][0]["app_type"], "batch");
  const std::string table = ctl_table({"instances"});
  EXPECT_NE(table.find("NAME"), std::string::npos);
  EXPECT_NE(table.find("sleeper"), std::string::npos);

  const json one = ctl_json({"show", "sleeper"});
  EXPECT_EQ(one["name"], "sleeper");
  EXPECT_TRUE(one.contains("prediction"));
  EXPECT_TRUE(one.contains("recent_changes"));
  EXPECT_NE(ctl_table({"show", "sleeper"}).find("baseline"), std::string::npos);
  // The window's fingerprint, once the ring holds one (8 ticks of 100 ms): every feature
  // by name with its value; baseline and z stay null until a baseline judges it.
  json shown = one;
  for (int i = 0; i < 50 && shown["fingerprint"].empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    shown = ctl_json({"show", "sleeper"});
  }
  ASSERT_TRUE(shown["fingerprint"].is_array());
  ASSERT_FALSE(shown["fingerprint"].empty()) << shown.dump();
  bool cpu_listed = false;
  for (const json& f : shown["fingerprint"]) {
    EXPECT_TRUE(f["name"].is_string());
    EXPECT_TRUE(f["value"].is_number());
    EXPECT_TRUE(f.contains("baseline") && f.contains("z"));
    cpu_listed = cpu_listed || f["name"] == "cpu_usage_cores.mean";
  }
  EXPECT_TRUE(cpu_listed);
  const std::string shown_table = ctl_table({"show", "sleeper"});
  EXPECT_NE(shown_table.find("fingerprint against baseline"), std::string::npos);
  EXPECT_NE(shown_table.find("cpu_usage_cores.mean"), std::string::npos);
  EXPECT_EQ(ctl({"show", "no-such-instance"}), 1) << "refused by the daemon";
  EXPECT_NE(read_file(dir_.file("ctl.err")).find("no instance"), std::string::npos);
}

TEST_F(AugurctlVerbs, HistoryAndBaselinesInBothForms) {
  const json h = ctl_json({"history"});
  EXPECT_TRUE(h["changes"].is_array());
  EXPECT_TRUE(h["episodes"].is_array());
  EXPECT_NE(ctl_table({"history"}).find("drift episodes:"), std::string::npos);
  // Baselines are published every tenth tick.
  std::this_thread::sleep_for(1500ms);
  const json b = ctl_json({"baselines"});
  ASSERT_TRUE(b["baselines"].is_array());
  EXPECT_GE(b["baselines"].size(), 1u);
  EXPECT_NE(ctl_table({"baselines"}).find("SCOPE"), std::string::npos);
}

TEST_F(AugurctlVerbs, ModePauseResumeReload) {
  EXPECT_EQ(ctl_json({"mode"})["mode"], "observe");
  EXPECT_EQ(ctl_json({"mode", "advise"})["mode"], "advise");
  EXPECT_NE(ctl_table({"mode"}).find("advise"), std::string::npos);
  EXPECT_EQ(ctl({"mode", "reckless"}), 64) << "rejected by augurctl's own parser";

  EXPECT_EQ(ctl_json({"pause", "sleeper"})["paused"], true);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ctl_json({"instances"})["instances"][0]["paused"], true);
  EXPECT_EQ(ctl_json({"resume", "sleeper"})["paused"], false);
  EXPECT_NE(ctl_table({"pause", "sleeper"}).find("true"), std::string::npos);

  EXPECT_EQ(ctl_json({"reload"})["reload"], "requested");
  // A reload applies the file's mode (observe), as SIGHUP does.
  bool back_to_file_mode = false;
  for (int i = 0; i < 50 && !back_to_file_mode; ++i) {
    std::this_thread::sleep_for(100ms);
    back_to_file_mode = ctl_json({"mode"})["mode"] == "observe";
  }
  EXPECT_TRUE(back_to_file_mode);
  EXPECT_EQ(ctl_json({"mode", "advise"})["mode"], "advise");
  // A broken file is refused with its diagnostics and the daemon runs on.
  write_file(dir_.file("augur.yaml"), "sampling:\n  interval: [\n");
  EXPECT_EQ(ctl({"reload"}), 1);
  EXPECT_NE(read_file(dir_.file("ctl.err")).find("augur.yaml:"), std::string::npos);
  EXPECT_EQ(ctl_json({"status"})["mode"], "advise");
}

TEST_F(AugurctlVerbs, BadRequestsGetAnErrorAndLeaveTheDaemonUnharmed) {
  for (const std::string& bad :
       {std::string("this is not json\n"), std::string("[1,2,3]\n"),
        std::string("{\"verb\": 42}\n"), std::string("{\"verb\": \"explode\"}\n"),
        std::string("{\"verb\": \"show\"}\n"),
        std::string("{\"verb\": \"pause\", \"instance\": 7}\n"), std::string(200000, 'x') + "\n"}) {
    const std::string answer = raw(bad);
    const json parsed = json::parse(answer, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "answer to '" << bad.substr(0, 40) << "': " << answer;
    EXPECT_EQ(parsed["ok"], false) << answer;
    EXPECT_TRUE(parsed["error"].is_string());
  }
  EXPECT_TRUE(daemon_->running());
  EXPECT_GT(ctl_json({"status"})["ticks"].get<int>(), 0);
}

TEST(AugurctlWithoutDaemon, SaysSoAndExitsUnavailable) {
  TempDir dir;
  const int rc = run_to_exit({AUGURCTL_PATH, "status", "--socket", dir.file("absent.sock")},
                             dir.file("out"), dir.file("err"));
  EXPECT_EQ(rc, 69);
  EXPECT_NE(read_file(dir.file("err")).find("absent.sock"), std::string::npos)
      << read_file(dir.file("err"));
}

}  // namespace
}  // namespace augur::testing
