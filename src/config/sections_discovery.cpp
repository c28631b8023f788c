// discovery: where instances come from (libvirt, cgroup globs, static entries).
#include <array>
#include <map>

#include "sections.h"

namespace augur::config::detail {
namespace {

using std::string_view_literals::operator""sv;

constexpr std::array kDiscoveryKeys = {"interval"sv, "libvirt"sv, "cgroups"sv, "static"sv};
constexpr std::array kLibvirtKeys = {"enabled"sv,
                                     "uri"sv,
                                     "keepalive_interval"sv,
                                     "keepalive_count"sv,
                                     "metadata_namespace"sv,
                                     "qemu_runtime_dir"sv};
constexpr std::array kCgroupKeys = {"enabled"sv, "patterns"sv, "type_rules"sv,
                                    "per_cgroup_counting_threshold"sv};
// In YAML lists the application type is spelled `type` (the struct field is app_type).
constexpr std::array kTypeRuleKeys = {"pattern"sv, "type"sv};
constexpr std::array kStaticKeys = {"name"sv, "process_name"sv, "pid"sv, "type"sv};

// PID_MAX_LIMIT on 64-bit Linux (include/linux/threads.h).
constexpr std::int64_t kMaxPid = 4194304;

void read_static_entry(Context& ctx, const YAML::Node& item, const std::string& path,
                       std::map<std::string, std::string>& names, StaticEntry& out) {
  MapReader m(ctx, item, path, kStaticKeys, /*allow_null=*/false);
  if (ctx.is_failed(path)) return;  // not a mapping, reported
  if (m.require("name")) m.read("name", out.name, StringRule::kNonEmpty);
  m.read("process_name", out.process_name, StringRule::kNonEmpty);
  m.read("pid", out.pid, IntRange{1, kMaxPid});
  m.read("type", out.app_type);
  const bool by_name = m.has("process_name");
  const bool by_pid = m.has("pid");
  if (by_name == by_pid) {
    ctx.error(mark_of(item), quote(path) +
                                 (by_name ? " sets both 'process_name' and 'pid'"
                                          : " needs 'process_name' or 'pid'") +
                                 ": give exactly one");
  }
  const std::string name_path = m.path_of("name");
  if (const YAML::Mark* at = ctx.where(name_path)) {
    auto [first, inserted] = names.emplace(out.name, path);
    if (!inserted) {
      ctx.error(*at, quote(name_path) + " " + quote(out.name) + " is already used by " +
                         quote(first->second));
    }
  }
}

}  // namespace

void read_discovery(MapReader& top, Context& ctx, DiscoverySection& out) {
  MapReader m = top.section("discovery", kDiscoveryKeys);
  m.read("interval", out.interval, DurationRange{std::chrono::seconds(1), std::chrono::hours(1)});

  MapReader lv = m.section("libvirt", kLibvirtKeys);
  lv.read("enabled", out.libvirt.enabled);
  lv.read("uri", out.libvirt.uri, StringRule::kNonEmpty);
  lv.read("keepalive_interval", out.libvirt.keepalive_interval,
          DurationRange{std::chrono::seconds(1), std::chrono::seconds(300)});
  lv.read("keepalive_count", out.libvirt.keepalive_count, IntRange{1, 100});
  lv.read("metadata_namespace", out.libvirt.metadata_namespace, StringRule::kNonEmpty);
  lv.read("qemu_runtime_dir", out.libvirt.qemu_runtime_dir, StringRule::kAbsolutePath);

  MapReader cg = m.section("cgroups", kCgroupKeys);
  cg.read("enabled", out.cgroups.enabled);
  cg.read("patterns", out.cgroups.patterns);
  cg.read("per_cgroup_counting_threshold", out.cgroups.per_cgroup_counting_threshold,
          IntRange{1, 100000});
  if (cg.has("type_rules")) out.cgroups.type_rules.clear();
  cg.for_each("type_rules", [&](const YAML::Node& item, const std::string& path) {
    MapReader r(ctx, item, path, kTypeRuleKeys, /*allow_null=*/false);
    if (ctx.is_failed(path)) return;
    CgroupTypeRule rule;
    if (r.require("pattern")) r.read("pattern", rule.pattern, StringRule::kNonEmpty);
    if (r.require("type")) r.read("type", rule.app_type, StringRule::kNonEmpty);
    out.cgroups.type_rules.push_back(std::move(rule));
  });

  if (m.has("static")) out.static_entries.clear();
  std::map<std::string, std::string> names;  // name -> path of the entry that has it
  m.for_each("static", [&](const YAML::Node& item, const std::string& path) {
    StaticEntry entry;
    read_static_entry(ctx, item, path, names, entry);
    out.static_entries.push_back(std::move(entry));
  });
}

}  // namespace augur::config::detail
