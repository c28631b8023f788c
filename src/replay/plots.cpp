#include "augur/replay/plots.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace augur::replay {

namespace {

namespace fs = std::filesystem;

std::string safe_name(const std::string& id) {
  std::string out;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

struct Unit {
  double scale;
  const char* label;
};

Unit unit_for(Resource r, bool normalised) {
  if (normalised) return {1.0, "fraction of the trace's full scale"};
  switch (r) {
    case Resource::kCpu: return {1.0, "cores"};
    case Resource::kMemory: return {1.0 / (1024.0 * 1024 * 1024), "GiB"};
    case Resource::kDisk:
    case Resource::kNetwork: return {1e-6, "MB/s"};
  }
  return {1.0, ""};
}

// NaN as gnuplot's missing marker (iostream may write "-nan").
std::string value(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// gnuplot string literal in single quotes ('' escapes a quote).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "''";
    else
      out.push_back(c);
  }
  return out + "'";
}

// The window [first, last) of the instance's span centred on its largest one-step rise.
std::pair<std::size_t, std::size_t> window_for(const HostInstance& inst, std::size_t steps) {
  const std::size_t span = inst.span();
  if (steps == 0 || steps >= span) return {0, span};
  std::size_t ri = static_cast<std::size_t>(Resource::kCpu);
  if (!inst.simulated.test(ri)) {
    for (ri = 0; ri < kResourceCount && !inst.simulated.test(ri); ++ri) {
    }
  }
  const auto& d = inst.demand[ri];
  std::size_t best = 0;
  double best_rise = -1;
  for (std::size_t k = 1; k < span; ++k) {
    const double rise = d[k] - d[k - 1];
    if (!std::isnan(rise) && rise > best_rise) {
      best_rise = rise;
      best = k;
    }
  }
  std::size_t first = best > steps / 2 ? best - steps / 2 : 0;
  first = std::min(first, span - steps);
  return {first, first + steps};
}

Status run_gnuplot(const std::string& program, const std::string& script, std::string& note) {
  std::vector<std::string> args = {program, script};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    note = rc == ENOENT
               ? program + " not found: install gnuplot-nox, then run " + program + " " + script
               : std::string("cannot run ") + program + ": " + std::strerror(rc);
    return Error{note, script, rc};
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return errno_error("waitpid for gnuplot", script);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    note = program + " failed on " + script;
    return Error{note, script};
  }
  return {};
}

}  // namespace

Result<PlotResult> write_plots(const ReplayReport& report, const PlotOptions& options) {
  const HostModel& host = *report.host;
  PlotResult result;
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return Error{"cannot create plot folder: " + ec.message(), options.dir};
  const std::string dir = fs::absolute(options.dir, ec).string();

  std::vector<std::size_t> chosen;
  if (options.instances.empty()) {
    for (std::size_t i = 0; i < host.instances.size() && chosen.size() < options.max_instances;
         ++i) {
      chosen.push_back(i);
    }
  } else {
    for (const std::string& id : options.instances) {
      bool found = false;
      for (std::size_t i = 0; i < host.instances.size(); ++i) {
        if (host.instances[i].id == id) {
          chosen.push_back(i);
          found = true;
        }
      }
      if (!found) return Error{"no such instance to plot", id};
    }
  }

  const std::string script = dir + "/plots.gp";
  std::ofstream gp(script);
  if (!gp) return errno_error("cannot write", script);
  gp << "# augur-replay plots: run `gnuplot " << script << "`\n"
     << "set terminal pngcairo size 1100,420 font 'sans,10'\n"
     << "set key outside right top\nset grid\nset datafile missing 'nan'\n";
  result.files.push_back(script);

  const double hours_per_step = static_cast<double>(host.step.count()) / 3600.0;
  for (std::size_t i : chosen) {
    const HostInstance& inst = host.instances[i];
    const auto [first, last] = window_for(inst, options.window_steps);
    for (Resource r : kAllResources) {
      const std::size_t ri = static_cast<std::size_t>(r);
      if (!inst.simulated.test(ri)) continue;
      const Unit unit = unit_for(r, inst.normalised.test(ri));
      const std::string base = dir + "/" + safe_name(inst.id) + "_" + std::string(resource_name(r));
      std::ofstream dat(base + ".dat");
      if (!dat) return errno_error("cannot write", base + ".dat");
      dat << "# hours demand";
      for (const PolicyRun& run : report.runs) dat << ' ' << run.policy;
      dat << '\n';
      for (std::size_t k = first; k < last; ++k) {
        dat << static_cast<double>(inst.first_tick + k) * hours_per_step << ' '
            << value(inst.demand[ri][k] * unit.scale);
        for (const PolicyRun& run : report.runs) {
          dat << ' ' << value(run.allocation[i][ri][k] * unit.scale);
        }
        dat << '\n';
      }
      result.files.push_back(base + ".dat");
      gp << "set output " << quoted(base + ".png") << "\n"
         << "set title "
         << quoted(inst.id + " " + std::string(resource_name(r)) +
                   ": demand and allocation per policy")
         << "\nset xlabel 'hours from trace start'\nset ylabel " << quoted(unit.label) << "\n"
         << "plot " << quoted(base + ".dat")
         << " using 1:2 with lines lw 2 lc rgb 'black' title 'demand'";
      for (std::size_t p = 0; p < report.runs.size(); ++p) {
        gp << ", '' using 1:" << p + 3 << " with steps lw 1.5 title "
           << quoted(report.runs[p].policy);
      }
      gp << "\n";
      result.pngs.push_back(base + ".png");
    }
  }

  // Summary: total under-provisioned minutes and mean relative slack per policy.
  const std::string summary = dir + "/summary.dat";
  {
    std::ofstream dat(summary);
    if (!dat) return errno_error("cannot write", summary);
    dat << "# policy under_provisioned_minutes mean_relative_slack\n";
    for (const PolicyRun& run : report.runs) {
      dat << run.policy << ' ' << value(run.figures.total.under_provisioned_minutes) << ' '
          << value(run.figures.total.mean_relative_slack) << '\n';
    }
  }
  result.files.push_back(summary);
  gp << "set terminal pngcairo size 900,380 font 'sans,10'\n"
     << "set output " << quoted(dir + "/summary.png") << "\nunset xlabel\n"
     << "set style data histograms\nset style fill solid 0.7 border -1\nset boxwidth 0.8\n"
     << "set key off\nset multiplot layout 1,2 title " << quoted(host.trace) << "\n"
     << "set title 'under-provisioned instance-minutes (total)'\nset ylabel 'minutes'\n"
     << "plot " << quoted(summary) << " using 2:xtic(1)\n"
     << "set title 'mean relative slack (total)'\nset ylabel 'fraction'\nset yrange [0:1]\n"
     << "plot " << quoted(summary) << " using 3:xtic(1)\nunset multiplot\n";
  result.pngs.push_back(dir + "/summary.png");
  gp.close();
  if (!gp) return errno_error("cannot write", script);

  if (run_gnuplot(options.gnuplot, script, result.note)) result.gnuplot_ran = true;
  return result;
}

}  // namespace augur::replay
