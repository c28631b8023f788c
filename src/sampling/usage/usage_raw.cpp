#include "augur/sampling/usage/usage_raw.h"

namespace augur::sampling {

ResourceVector UsageRaw::allocation() const {
  ResourceVector v;
  if (cpu_limit_cores.has()) v[Resource::kCpu] = *cpu_limit_cores.value;
  if (memory_limit_bytes.has()) v[Resource::kMemory] = *memory_limit_bytes.value;
  if (disk_limit_bytes_per_s.has()) v[Resource::kDisk] = *disk_limit_bytes_per_s.value;
  return v;
}

}  // namespace augur::sampling
