#include "augur/replay/cli.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "augur/replay/plots.h"
#include "augur/replay/replay.h"
#include "augur/replay/report.h"
#include "augur/replay/synthetic.h"
#include "augur/trace/load.h"

namespace augur::replay {

namespace {

struct Args {
  std::string trace;
  std::string format = "augur-csv";
  std::optional<std::uint64_t> synthetic_seed;
  std::size_t synthetic_instances = 4;
  double synthetic_days = 7;
  std::vector<std::string> policies;
  std::string json;
  std::string csv;
  std::string plots;
  std::vector<std::string> plot_instances;
  std::size_t plot_window_steps = 576;
  std::optional<std::string> config;
  double host_capacity_factor = 1.5;
  bool quiet = false;
};

// Writes `f` to `path`, or to `out` for "-".
template <class F>
bool write_to(const std::string& path, std::ostream& out, std::ostream& err, F&& f) {
  if (path == "-") {
    f(out);
    return static_cast<bool>(out);
  }
  std::ofstream file(path);
  if (file) f(file);
  file.close();
  if (!file) {
    err << "augur-replay: cannot write " << path << "\n";
    return false;
  }
  return true;
}

class Progress {
 public:
  Progress(std::ostream& err, bool interactive, bool enabled)
      : err_(err), interactive_(interactive), enabled_(enabled) {}
  void operator()(std::string_view policy, std::size_t tick, std::size_t ticks) {
    if (!enabled_ || ticks == 0) return;
    const int percent =
        static_cast<int>(100.0 * static_cast<double>(tick) / static_cast<double>(ticks));
    if (interactive_) {
      err_ << "\raugur-replay: " << policy << " " << percent << "% (" << tick << "/" << ticks
           << " ticks)" << (tick == ticks ? "\n" : "") << std::flush;
    } else if (percent / 25 > last_quarter_) {
      last_quarter_ = percent / 25;
      err_ << "augur-replay: " << policy << " " << percent << "% (" << tick << "/" << ticks
           << " ticks)\n";
    }
    if (tick == ticks) last_quarter_ = 0;
  }

 private:
  std::ostream& err_;
  bool interactive_;
  bool enabled_;
  int last_quarter_ = 0;
};

constexpr std::size_t kLongRunTicks = 2000;  // below this, no progress lines

}  // namespace

int replay_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                bool interactive) {
  Args a;
  CLI::App app{
      "augur-replay: replays a trace through a simulated host under the static, reactive (VPA), "
      "augur and oracle policies and reports the figures of EVALUATION.md"};
  app.name("augur-replay");
  app.add_option("--trace", a.trace, "trace file or folder (every file in it is an instance)");
  app.add_option("--format", a.format, "augur-csv | bitbrains | alibaba-machine | aggregate")
      ->capture_default_str();
  app.add_option("--synthetic", a.synthetic_seed,
                 "replay a generated phase-change trace with this seed instead of --trace");
  app.add_option("--synthetic-instances", a.synthetic_instances, "instances of --synthetic")
      ->capture_default_str();
  app.add_option("--synthetic-days", a.synthetic_days, "days of 5-minute steps of --synthetic")
      ->capture_default_str();
  app.add_option("--policy", a.policies,
                 "static | reactive | augur | oracle (repeatable or comma-separated; "
                 "default: all four)")
      ->delimiter(',');
  app.add_option("--json", a.json, "write the JSON report to FILE (- for stdout)");
  app.add_option("--csv", a.csv, "write the figures as CSV to FILE (- for stdout)");
  app.add_option("--plots", a.plots, "write PNG plots (gnuplot) and their data to DIR");
  app.add_option("--plot-instance", a.plot_instances,
                 "instance to plot (repeatable; default: the first three)");
  app.add_option("--plot-window-steps", a.plot_window_steps,
                 "steps per instance chart, centred on its largest rise (0: all)")
      ->capture_default_str();
  app.add_option("--config", a.config,
                 "augur configuration (the daemon's YAML) for the augur policy; plan bounds stay "
                 "EVALUATION.md's");
  app.add_option("--host-capacity-factor", a.host_capacity_factor,
                 "host capacity = sum of initial allocations x this")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("-q,--quiet", a.quiet, "no progress on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream o, e2;
    const int code = app.exit(e, o, e2);
    out << o.str();
    err << e2.str();
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (a.trace.empty() == !a.synthetic_seed.has_value()) {
    err << "augur-replay: give exactly one of --trace and --synthetic\n";
    return kExitUsage;
  }
  if (a.policies.empty()) a.policies.assign(std::begin(kPolicyNames), std::end(kPolicyNames));

  // The trace.
  trace::Trace tr;
  if (a.synthetic_seed) {
    SyntheticOptions so;
    so.seed = *a.synthetic_seed;
    so.instances = a.synthetic_instances;
    so.steps =
        static_cast<std::size_t>(a.synthetic_days * 86400.0 / static_cast<double>(so.step.count()));
    tr = make_synthetic_trace(so);
  } else {
    auto format = trace::format_from_name(a.format);
    if (!format) {
      err << "augur-replay: unknown --format " << a.format
          << " (augur-csv, bitbrains, alibaba-machine, aggregate)\n";
      return kExitUsage;
    }
    auto loaded = trace::load_trace(a.trace, *format);
    if (!loaded) {
      err << "augur-replay: " << loaded.error().message() << "\n";
      return kExitDataErr;
    }
    tr = std::move(loaded).value();
  }
  HostOptions ho;
  ho.host_capacity_factor = a.host_capacity_factor;
  auto host = build_host(tr, ho);
  if (!host) {
    err << "augur-replay: " << host.error().message() << "\n";
    return kExitDataErr;
  }
  for (const auto& s : host->grid.skipped_instances) err << "augur-replay: skipped " << s << "\n";
  if (const auto dropped = host->trace_report.dropped_total(); dropped > 0) {
    err << "augur-replay: " << dropped
        << " rows dropped (duplicates and malformed rows, counted per reason in the JSON input "
           "block)\n";
  }
  auto config = load_replay_config(a.config);
  if (!config) {
    err << "augur-replay: " << config.error().message() << "\n";
    return kExitDataErr;
  }

  // The runs.
  std::vector<std::unique_ptr<Policy>> policies;
  for (const std::string& name : a.policies) {
    auto p = make_policy(name, *host, *config);
    if (!p) {
      err << "augur-replay: " << p.error().message() << "\n";
      return kExitUsage;
    }
    policies.push_back(std::move(p).value());
  }
  Progress progress(err, interactive, !a.quiet && host->ticks * policies.size() >= kLongRunTicks);
  ReplayReport report;
  report.host = &*host;
  double elapsed = 0;
  for (auto& p : policies) {
    auto run = run_policy(*host, *p, std::ref(progress));
    if (!run) {
      err << "augur-replay: " << p->name() << ": " << run.error().message() << "\n";
      return kExitDataErr;
    }
    elapsed += run->elapsed_s;
    report.runs.push_back(std::move(run).value());
  }
  report.ticks_per_second =
      elapsed > 0 ? static_cast<double>(host->ticks * report.runs.size()) / elapsed : 0;

  // The outputs. The table goes to stderr when stdout carries JSON or CSV.
  const bool stdout_taken = a.json == "-" || a.csv == "-";
  write_table(report, stdout_taken ? err : out);
  bool ok = true;
  if (!a.json.empty()) {
    ok = write_to(a.json, out, err,
                  [&](std::ostream& o) { o << to_json(report).dump(2) << "\n"; }) &&
         ok;
  }
  if (!a.csv.empty()) {
    ok = write_to(a.csv, out, err, [&](std::ostream& o) { write_csv(report, o); }) && ok;
  }
  if (!a.plots.empty()) {
    PlotOptions po;
    po.dir = a.plots;
    po.instances = a.plot_instances;
    po.window_steps = a.plot_window_steps;
    auto plots = write_plots(report, po);
    if (!plots) {
      err << "augur-replay: plots: " << plots.error().message() << "\n";
      ok = false;
    } else if (!plots->gnuplot_ran) {
      err << "augur-replay: plots: " << plots->note << " (data and script are in " << a.plots
          << ")\n";
    }
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace augur::replay
