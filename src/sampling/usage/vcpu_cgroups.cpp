#include "augur/sampling/usage/vcpu_cgroups.h"

#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

namespace augur::sampling {

namespace {

constexpr std::string_view kUnlimited = "unlimited";

std::optional<unsigned> vcpu_index(std::string_view name) {
  constexpr std::string_view kPrefix = "vcpu";
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  unsigned index = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (ec != std::errc{} || end != name.data() + name.size()) return std::nullopt;
  return index;
}

}  // namespace

std::vector<std::string> vcpu_cgroup_names(std::vector<std::string> entries) {
  std::vector<std::pair<unsigned, std::string>> found;
  for (auto& e : entries) {
    if (auto i = vcpu_index(e)) found.emplace_back(*i, std::move(e));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  out.reserve(found.size());
  for (auto& [index, name] : found) out.push_back(std::move(name));
  return out;
}

Result<std::vector<std::string>> list_vcpu_cgroups(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return errno_error("opendir", dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) names.emplace_back(e->d_name);
  }
  std::vector<std::string> out = vcpu_cgroup_names(std::move(names));
  for (auto& name : out) name = dir + "/" + name;
  return out;
}

Field<double> vm_cpu_limit(const Field<double>& domain, std::span<const Field<double>> vcpus) {
  if (!domain.has() && domain.missing_reason != kUnlimited) return domain;
  double sum = 0;
  bool any_quota = false;
  for (const Field<double>& v : vcpus) {
    if (v.has()) {
      sum += std::min(1.0, *v.value);
      any_quota = true;
    } else if (v.missing_reason == kUnlimited) {
      sum += 1.0;
    } else {
      return Field<double>::missing("vCPU cgroup: " + v.missing_reason);
    }
  }
  if (!any_quota) return domain;
  Field<double> out;
  out.set(domain.has() ? std::min(*domain.value, sum) : sum);
  return out;
}

}  // namespace augur::sampling
