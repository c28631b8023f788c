#pragma once
// A source of instances (libvirt, cgroup globs, static entries). The Discoverer runs every
// source once per discovery interval and merges their answers.
#include <string_view>
#include <vector>

#include "augur/core/instance.h"
#include "augur/util/result.h"

namespace augur::discovery {

class DiscoverySource {
 public:
  virtual ~DiscoverySource() = default;
  // Short name for errors and logs ("libvirt", "cgroups", "static").
  [[nodiscard]] virtual std::string_view name() const = 0;
  // Every instance the source sees now, each with a unique id. An Error means the source
  // could not answer this time (daemon down, hierarchy unreadable); an instance that
  // vanished during the scan is simply left out. Not thread-safe: one caller at a time.
  virtual Result<std::vector<Instance>> discover() = 0;
};

}  // namespace augur::discovery
