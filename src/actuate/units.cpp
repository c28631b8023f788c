#include "augur/actuate/units.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace augur::actuate::units {
namespace {

// 2^63: above this a double no longer converts to a kernel s64/u64 knob meaningfully.
constexpr double kMaxKnobValue = 9223372036854775807.0;

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  const char* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 60;
  std::string out = "'";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  return out + "'";
}

}  // namespace

Result<std::optional<std::uint64_t>> to_knob_value(double value, std::string_view what) {
  if (std::isnan(value)) return std::optional<std::uint64_t>{};
  if (!std::isfinite(value) || value < 0 || value >= kMaxKnobValue) {
    return Error{"invalid " + std::string(what) + " " + std::to_string(value), "", EINVAL};
  }
  return std::optional<std::uint64_t>{static_cast<std::uint64_t>(std::llround(value))};
}

double from_knob_value(std::optional<std::uint64_t> value) {
  return value ? static_cast<double>(*value) : std::nan("");
}

Result<std::optional<std::uint64_t>> cores_to_quota_usec(double cores, std::uint64_t period_usec) {
  if (std::isnan(cores)) return std::optional<std::uint64_t>{};
  if (period_usec == 0) return Error{"CPU period of 0 us", "", EINVAL};
  if (!(cores > 0)) {
    return Error{"invalid CPU limit " + std::to_string(cores) + " cores", "", EINVAL};
  }
  return to_knob_value(cores * static_cast<double>(period_usec), "CPU quota (us)");
}

double quota_usec_to_cores(std::optional<std::uint64_t> quota_usec, std::uint64_t period_usec) {
  if (!quota_usec || period_usec == 0) return std::nan("");
  return static_cast<double>(*quota_usec) / static_cast<double>(period_usec);
}

std::string format_cpu_max(std::optional<std::uint64_t> quota_usec, std::uint64_t period_usec) {
  return (quota_usec ? std::to_string(*quota_usec) : std::string("max")) + " " +
         std::to_string(period_usec) + "\n";
}

Result<host::CpuMax> parse_cpu_max(std::string_view text, std::string_view where) {
  return host::parse_cpu_max(text, where);
}

std::string format_cfs_quota_usec(std::optional<std::uint64_t> quota_usec) {
  return (quota_usec ? std::to_string(*quota_usec) : std::string("-1")) + "\n";
}

Result<std::optional<std::uint64_t>> parse_cfs_quota_usec(std::string_view text,
                                                          std::string_view where) {
  return host::parse_cfs_quota_us(text, where);
}

Result<std::uint64_t> parse_cfs_period_usec(std::string_view text, std::string_view where) {
  auto v = parse_u64(text, where);
  if (v && *v == 0) return Error{"CPU period of 0 us", std::string(where), 0};
  return v;
}

std::uint64_t shares_to_weight(std::uint64_t shares) {
  shares = std::clamp(shares, kMinShares, kMaxShares);
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::uint64_t weight_to_shares(std::uint64_t weight) {
  weight = std::clamp(weight, kMinWeight, kMaxWeight);
  // Ceiling division: the smallest shares whose floor maps back onto `weight`.
  return 2 + ((weight - 1) * 262142 + 9998) / 9999;
}

std::uint64_t cores_to_shares(double cores) {
  if (std::isnan(cores)) return kDefaultShares;
  const double shares = std::round(cores * static_cast<double>(kDefaultShares));
  if (!(shares > static_cast<double>(kMinShares))) return kMinShares;
  if (shares > static_cast<double>(kMaxShares)) return kMaxShares;
  return static_cast<std::uint64_t>(shares);
}

std::string format_u64(std::uint64_t value) {
  return std::to_string(value) + "\n";
}

Result<std::uint64_t> parse_u64(std::string_view text, std::string_view where) {
  const auto t = trim(text);
  const auto v = to_u64(t);
  if (!v) return Error{"not a number: " + quoted(t), std::string(where), 0};
  return *v;
}

std::uint64_t host_page_bytes() {
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<std::uint64_t>(page) : 4096;
}

std::uint64_t round_down_to_page(std::uint64_t bytes, std::uint64_t page_bytes) {
  return page_bytes == 0 ? bytes : bytes - bytes % page_bytes;
}

Result<std::optional<std::uint64_t>> memory_limit_bytes(double bytes, std::uint64_t page_bytes) {
  if (page_bytes == 0) return Error{"page size of 0 bytes", "", EINVAL};
  auto v = to_knob_value(bytes, "memory limit (bytes)");
  if (!v || !*v) return v;
  return std::optional<std::uint64_t>{round_down_to_page(**v, page_bytes)};
}

std::string format_memory_v2(std::optional<std::uint64_t> bytes) {
  return (bytes ? std::to_string(*bytes) : std::string("max")) + "\n";
}

Result<double> parse_memory_v2(std::string_view text, std::string_view where) {
  auto v = host::parse_max_or_u64(text, where);
  if (!v) return std::move(v).error();
  return from_knob_value(*v);
}

std::string format_memory_v1(std::optional<std::uint64_t> bytes) {
  return (bytes ? std::to_string(*bytes) : std::string("-1")) + "\n";
}

Result<double> parse_memory_v1(std::string_view text, std::string_view where) {
  auto v = host::parse_memory_limit_v1(text, where);
  if (!v) return std::move(v).error();
  return from_knob_value(*v);
}

Result<DeviceNumber> parse_device_number(std::string_view text) {
  const auto t = trim(text);
  const auto colon = t.find(':');
  const auto major = colon == std::string_view::npos ? std::nullopt : to_u64(t.substr(0, colon));
  const auto minor = colon == std::string_view::npos ? std::nullopt : to_u64(t.substr(colon + 1));
  if (!major || !minor || *major > UINT32_MAX || *minor > UINT32_MAX) {
    return Error{"not a MAJ:MIN device number: " + quoted(t), "", EINVAL};
  }
  return DeviceNumber{static_cast<std::uint32_t>(*major), static_cast<std::uint32_t>(*minor)};
}

std::string format_device_number(DeviceNumber dev) {
  return std::to_string(dev.major) + ":" + std::to_string(dev.minor);
}

Result<std::optional<std::uint64_t>> disk_limit_bytes_per_s(double bytes_per_s) {
  auto v = to_knob_value(bytes_per_s, "disk limit (bytes/s)");
  if (v && *v && **v < 2) {
    return Error{"disk limit below 2 bytes/s: " + std::to_string(bytes_per_s), "", EINVAL};
  }
  return v;
}

std::string format_io_max_line(DeviceNumber dev, std::optional<std::uint64_t> rbps,
                               std::optional<std::uint64_t> wbps) {
  const auto value = [](std::optional<std::uint64_t> v) {
    return v ? std::to_string(*v) : std::string("max");
  };
  return format_device_number(dev) + " rbps=" + value(rbps) + " wbps=" + value(wbps) + "\n";
}

Result<std::vector<host::IoLimit>> parse_io_max(std::string_view text, std::string_view where) {
  return host::parse_io_max(text, where);
}

std::string format_blkio_line(DeviceNumber dev, std::optional<std::uint64_t> bytes_per_s) {
  return format_device_number(dev) + " " + std::to_string(bytes_per_s.value_or(0)) + "\n";
}

Result<std::vector<host::DeviceValue>> parse_blkio_lines(std::string_view text,
                                                         std::string_view where) {
  return host::parse_blkio_device_limits(text, where);
}

}  // namespace augur::actuate::units
