#pragma once
// Fingerprints of synthetic instances through the real FingerprintBuilder.
#include <vector>

#include "augur/fingerprint/fingerprint_builder.h"
#include "synthetic.h"

namespace augur::drift::testing {

inline std::vector<Fingerprint> fingerprints_of(SyntheticInstance& vm, int count,
                                                std::size_t window = 60) {
  fingerprint::FingerprintBuilder builder("vm", 600);
  std::vector<Fingerprint> out;
  for (int t = 0; t < count + static_cast<int>(window) - 1; ++t) {
    builder.push(vm.next());
    if (builder.ticks() >= window) out.push_back(builder.compute(window));
  }
  return out;
}

}  // namespace augur::drift::testing
