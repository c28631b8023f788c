#pragma once
// The four resources Augur allocates, and a fixed-size vector over them.
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>

namespace augur {

enum class Resource : std::size_t { kCpu = 0, kMemory = 1, kDisk = 2, kNetwork = 3 };
inline constexpr std::size_t kResourceCount = 4;
inline constexpr std::array<Resource, kResourceCount> kAllResources = {
    Resource::kCpu, Resource::kMemory, Resource::kDisk, Resource::kNetwork};

// "cpu", "memory", "disk", "network": the names used in config, logs and JSON.
std::string_view resource_name(Resource r);

inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// NaN marks "unknown": two unknowns are the same value (for equality of records).
inline bool same_value(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

// One value per resource. Units: CPU in cores, memory in bytes, disk and network in
// bytes/s. NaN means unknown or unlimited.
struct ResourceVector {
  std::array<double, kResourceCount> values{kUnknown, kUnknown, kUnknown, kUnknown};

  double& operator[](Resource r) { return values[static_cast<std::size_t>(r)]; }
  double operator[](Resource r) const { return values[static_cast<std::size_t>(r)]; }
  [[nodiscard]] bool known(Resource r) const { return !std::isnan((*this)[r]); }
  // NaN (unknown) equals NaN: two vectors that know the same things are equal.
  bool operator==(const ResourceVector& o) const {
    for (std::size_t i = 0; i < kResourceCount; ++i) {
      if (!same_value(values[i], o.values[i])) return false;
    }
    return true;
  }
};

}  // namespace augur
