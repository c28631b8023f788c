// augurd --demo: three copies of a phased workload run side by side in their own cgroups, one
// under the real daemon, one under a static quota and one under a reactive controller, with a
// live view, Augur's decisions as they happen, and a per-round comparison
// (docs/operations.md, "Demo").
#pragma once

namespace augur::demo {

// True when argv holds --demo.
bool wants_demo(int argc, char** argv);

// Runs the demo; returns the process exit status: 0 on success, 2 when this machine cannot
// run it (not root, or no writable cgroup v1 cpu controller), 64 for a bad command line, 1 on
// failure (e.g. the daemon exited), 130 when stopped by SIGINT, SIGTERM or SIGHUP.
int run_demo(int argc, char** argv);

}  // namespace augur::demo
