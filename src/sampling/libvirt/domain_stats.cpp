#include "augur/sampling/libvirt/domain_stats.h"

#include <charconv>
#include <string>

namespace augur::sampling {
namespace {

Error wrong_type(const StatParam& p) {
  return Error{"unexpected type for libvirt stat", p.name};
}

// Counters are unsigned in libvirt; accept a non-negative signed value too.
bool as_u64(const StatValue& v, std::uint64_t& out) {
  if (const auto* u = std::get_if<std::uint64_t>(&v)) {
    out = *u;
    return true;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v); i != nullptr && *i >= 0) {
    out = static_cast<std::uint64_t>(*i);
    return true;
  }
  return false;
}

// "vcpu.12.time" with prefix "vcpu." -> index 12, field "time".
bool split_indexed(std::string_view name, std::string_view prefix, std::uint64_t& index,
                   std::string_view& field) {
  if (!name.starts_with(prefix)) return false;
  name.remove_prefix(prefix.size());
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (ec != std::errc{} || end == name.data() || end == name.data() + name.size() || *end != '.') {
    return false;
  }
  field = std::string_view(end + 1, static_cast<std::size_t>(name.data() + name.size() - end - 1));
  return true;
}

template <class T>
T& at_index(std::vector<T>& v, std::uint64_t index) {
  if (v.size() <= index) v.resize(static_cast<std::size_t>(index) + 1);
  return v[static_cast<std::size_t>(index)];
}

Status set_u64(const StatParam& p, std::optional<std::uint64_t>& slot) {
  std::uint64_t v = 0;
  if (!as_u64(p.value, v)) return wrong_type(p);
  slot = v;
  return {};
}

}  // namespace

Result<DomainStatsRaw> parse_domain_stats(const std::vector<StatParam>& params) {
  DomainStatsRaw raw;
  for (const auto& p : params) {
    const std::string_view n = p.name;
    std::uint64_t index = 0;
    std::string_view field;
    Status st;
    if (n == "state.state") {
      const auto* i = std::get_if<std::int64_t>(&p.value);
      if (i == nullptr) return wrong_type(p);
      raw.state = *i;
    } else if (n == "cpu.time") {
      st = set_u64(p, raw.cpu_time_ns);
    } else if (n == "balloon.current") {
      st = set_u64(p, raw.balloon_current_kib);
    } else if (n == "balloon.maximum") {
      st = set_u64(p, raw.balloon_maximum_kib);
    } else if (n == "balloon.available") {
      st = set_u64(p, raw.balloon_available_kib);
    } else if (n == "balloon.unused") {
      st = set_u64(p, raw.balloon_unused_kib);
    } else if (n == "balloon.rss") {
      st = set_u64(p, raw.balloon_rss_kib);
    } else if (n == "vcpu.current") {
      st = set_u64(p, raw.vcpu_current);
    } else if (n == "vcpu.maximum") {
      st = set_u64(p, raw.vcpu_maximum);
    } else if (split_indexed(n, "vcpu.", index, field)) {
      if (index > kMaxStatIndex) return Error{"vCPU index out of range", p.name};
      if (field == "time") st = set_u64(p, at_index(raw.vcpus, index).time_ns);
      if (field == "wait") st = set_u64(p, at_index(raw.vcpus, index).wait_ns);
      if (field == "delay") st = set_u64(p, at_index(raw.vcpus, index).delay_ns);
    } else if (split_indexed(n, "block.", index, field)) {
      if (index > kMaxStatIndex) return Error{"block index out of range", p.name};
      if (field == "name") {
        const auto* s = std::get_if<std::string>(&p.value);
        if (s == nullptr) return wrong_type(p);
        at_index(raw.blocks, index).name = *s;
      }
      if (field == "rd.bytes") st = set_u64(p, at_index(raw.blocks, index).rd_bytes);
      if (field == "wr.bytes") st = set_u64(p, at_index(raw.blocks, index).wr_bytes);
      if (field == "rd.reqs") st = set_u64(p, at_index(raw.blocks, index).rd_reqs);
      if (field == "wr.reqs") st = set_u64(p, at_index(raw.blocks, index).wr_reqs);
    } else if (split_indexed(n, "net.", index, field)) {
      if (index > kMaxStatIndex) return Error{"interface index out of range", p.name};
      if (field == "name") {
        const auto* s = std::get_if<std::string>(&p.value);
        if (s == nullptr) return wrong_type(p);
        at_index(raw.nets, index).name = *s;
      }
      if (field == "rx.bytes") st = set_u64(p, at_index(raw.nets, index).rx_bytes);
      if (field == "tx.bytes") st = set_u64(p, at_index(raw.nets, index).tx_bytes);
      if (field == "rx.pkts") st = set_u64(p, at_index(raw.nets, index).rx_pkts);
      if (field == "tx.pkts") st = set_u64(p, at_index(raw.nets, index).tx_pkts);
    }
    if (!st) return st.error();
  }
  return raw;
}

}  // namespace augur::sampling
