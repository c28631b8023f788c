#pragma once
// The test worker process (augur_test_worker) and its one-byte command protocol: the test
// writes a command to the worker's stdin and reads one byte back from its stdout, 'k' when
// done or 'e' when it failed (the worker then writes why to stderr).
#include <cstddef>

namespace augur::testing::worker {

inline constexpr char kAddThread = '+';     // start one more sleeping thread
inline constexpr char kRemoveThread = '-';  // stop and join the newest thread
inline constexpr char kNewNetns = 'n';      // unshare(CLONE_NEWNET); only while single-threaded
inline constexpr char kLinkUp = 'u';        // IPv6 off on kPeerName, then bring it up
inline constexpr char kSendFrames = 's';    // send kFrames frames of kFrameBytes on kPeerName
inline constexpr char kQuit = 'q';

inline constexpr char kOk = 'k';
inline constexpr char kFailed = 'e';

inline constexpr const char* kPeerName = "eth0";  // the container's end of the veth pair
inline constexpr int kFrames = 20;
inline constexpr std::size_t kFrameBytes = 1014;  // 14-byte Ethernet header + 1000 payload

}  // namespace augur::testing::worker
