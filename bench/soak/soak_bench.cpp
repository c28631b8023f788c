// The soak, full length (docs/reliability.md#soak): the same driver as the ctest
// (tests/reliability/soak_driver.cpp), 30 minutes by default.
//
//   bench_soak [--minutes 30] [--interval-ms 1000] [--instances 500] [--with-process 8]
//              [--churn 5] [--removal random|oldest] [--warmup-fraction 0.333]
//              [--rss-slope-bound 256] [--progress-seconds 60] [--seed 11]
//              [--augurd PATH] [--augurctl PATH]
//
// The ctest's configuration: --minutes 2 --warmup-fraction 0.5 --churn 20 --removal oldest
// --interval-ms 250 --rss-slope-bound 2048.
//
// Prints a progress line every --progress-seconds and the report at the end; exits 0 when
// the verdict passes, 1 when it fails, 77 when this machine cannot run it (root and a
// writable cgroup v1 cpu hierarchy are needed). SIGINT or SIGTERM end the churn early; the
// cgroups are removed either way.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "soak_driver.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "bench_soak: %s\nusage: bench_soak [--minutes N] [--interval-ms N] "
               "[--instances N] [--with-process N] [--churn N] [--removal random|oldest] "
               "[--warmup-fraction F] [--rss-slope-bound KIB_PER_MIN] [--progress-seconds N] "
               "[--seed N] [--augurd PATH] [--augurctl PATH]\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  augur::soak::SoakOptions o;
  o.augurd_path = AUGURD_PATH;
  o.augurctl_path = AUGURCTL_PATH;
  double minutes = 30;
  o.progress_every = std::chrono::seconds(60);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") usage("the soak of docs/reliability.md");
    if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
    const char* value = argv[++i];
    if (arg == "--minutes") {
      minutes = std::atof(value);
    } else if (arg == "--interval-ms") {
      o.sampling_interval = std::chrono::milliseconds(std::atoi(value));
    } else if (arg == "--removal") {
      if (std::strcmp(value, "oldest") == 0) {
        o.removal = augur::soak::Removal::kOldest;
      } else if (std::strcmp(value, "random") == 0) {
        o.removal = augur::soak::Removal::kRandom;
      } else {
        usage("--removal takes oldest or random");
      }
    } else if (arg == "--warmup-fraction") {
      o.warmup_fraction = std::atof(value);
    } else if (arg == "--instances") {
      o.instances = std::atoi(value);
    } else if (arg == "--churn") {
      o.churn_per_second = std::atoi(value);
    } else if (arg == "--with-process") {
      o.with_process = std::atoi(value);
    } else if (arg == "--rss-slope-bound") {
      o.rss_slope_bound_kib_per_min = std::atof(value);
    } else if (arg == "--progress-seconds") {
      o.progress_every = std::chrono::seconds(std::atoi(value));
    } else if (arg == "--seed") {
      o.seed = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--augurd") {
      o.augurd_path = value;
    } else if (arg == "--augurctl") {
      o.augurctl_path = value;
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  if (minutes <= 0 || o.instances < 1 || o.churn_per_second < 0 || o.with_process < 0 ||
      o.warmup_fraction < 0 || o.warmup_fraction >= 1 || o.with_process > o.instances ||
      o.progress_every.count() < 1 || o.sampling_interval.count() < 100) {
    usage("a value is out of range");
  }
  o.duration = std::chrono::seconds(static_cast<long>(minutes * 60));
  o.stop = &g_stop;
  o.progress = [](const std::string& line) {
    const std::time_t now = std::time(nullptr);
    char stamp[16];
    if (std::strftime(stamp, sizeof(stamp), "%H:%M:%S", std::localtime(&now)) == 0) stamp[0] = 0;
    std::printf("%s %s\n", stamp, line.c_str());
    std::fflush(stdout);
  };
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const augur::soak::SoakResult r = augur::soak::run_soak(o);
  std::printf("%s", r.report().c_str());
  if (!r.skip_reason.empty()) return 77;
  return r.passed() ? 0 : 1;
}
