#pragma once
// augurctl: the operator's command line. Exit codes (augurctl(8)):
//   0 success; 1 the daemon refused the request; 64 bad command line;
//   69 augurd is not running; 77 permission denied; 70 anything else.
namespace augur::ctl {

inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitSoftware = 70;
inline constexpr int kExitNoPermission = 77;

int run_augurctl(int argc, const char* const* argv);

}  // namespace augur::ctl
