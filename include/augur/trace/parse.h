#pragma once
// Pure parsers of trace text (no I/O: a fuzzer calls them on any bytes). They never throw
// or crash on garbage: structural problems (no header, wrong columns, empty input) are an
// Error naming `source`; bad rows are dropped and counted per reason in the report.
#include <chrono>
#include <string_view>

#include "augur/trace/trace.h"
#include "augur/util/result.h"

namespace augur::trace {

// Augur CSV (format name "augur-csv"). Comma-separated, one header line:
//   timestamp,instance,app_type,<column>...
// where each <column> is a metric name from metric.h's table (cpu_usage_cores,
// memory_bytes, disk_read_bytes, ...; metric.h's units) or a capacity column
// capacity_cpu, capacity_memory, capacity_disk, capacity_network (cores, bytes, bytes/s,
// bytes/s). timestamp: integer seconds. An empty cell is missing (masked); empty app_type
// means none. Rows of several instances may interleave; each instance's rows are sorted by
// timestamp and a repeated timestamp is dropped as a duplicate. Lines starting with '#' and
// blank lines are ignored; "\r\n" is accepted; quoting is not supported.
[[nodiscard]] Result<Trace> parse_augur_csv(std::string_view text, std::string_view source);

// Bitbrains GWA-T-12 (format "bitbrains"): one VM per file, ";\t"-separated, 11 columns,
// header line. Timestamps are seconds (the header's "[ms]" is wrong). Duplicate
// timestamps are dropped and counted (2013-9/41.csv has 1,824). Conversions (KB = 1024 B):
//   cpu_usage_cores = CPU usage MHz / (CPU capacity MHz / CPU cores)
//   memory_bytes = Memory usage KB * 1024; disk_{read,write}_bytes and net_{rx,tx}_bytes =
//   KB/s * 1024; capacity cpu = CPU cores, memory = provisioned KB * 1024; disk and
//   network are not provisioned. A row with 0 cores or 0 MHz capacity (2013-9/41.csv's
//   last 5,443 rows) keeps its other columns with CPU and CPU capacity masked.
[[nodiscard]] Result<Trace> parse_bitbrains(std::string_view text, std::string_view instance_id,
                                            std::string_view source);

struct AlibabaOptions {
  // EVALUATION.md: resample to 60 s carrying the last observation forward; a gap of more
  // than 5 steps ends the series and starts a new instance ("<machine>#2", ...).
  std::chrono::seconds step{60};
  int max_gap_steps = 5;
};

// Alibaba cluster-trace-v2018 machine_usage (format "alibaba-machine"): no header,
// columns machine_id,time_stamp,cpu_util_percent,mem_util_percent,mem_gps,mkpi,net_in,
// net_out,disk_io_percent. `meta_text` is machine_meta.csv (may be empty): machine_id,
// time_stamp,fd1,fd2,cpu_num,mem_size,status; the row in force at a series' start (else
// the machine's first) gives its capacity. Mapping:
//   cpu_usage_cores = cpu_util_percent / 100 * cpu_num (masked without meta); capacity cpu
//     = cpu_num cores.
//   memory_bytes (normalised) = mem_util_percent / 100 * mem_size / 100: a fraction of the
//     largest machine's memory (the trace gives no bytes); capacity memory = mem_size/100.
//   disk_read_bytes (normalised) = disk_io_percent / 100: disk utilisation, no read/write
//     split (disk_write_bytes absent).
//   net_rx_bytes / net_tx_bytes (normalised) = net_in / net_out / 100: packets normalised
//     to the trace maximum.
//   extras: mem_gps, mkpi (empty cells masked).
// Percentages outside [0,100] (the -1/101 sentinels) are masked and counted.
[[nodiscard]] Result<Trace> parse_alibaba_machine(std::string_view usage_text,
                                                  std::string_view meta_text,
                                                  std::string_view source,
                                                  const AlibabaOptions& options = {});

// dctraces_agg cluster aggregates (format "aggregate"): recognised by header; every
// instance has aggregate = true. Rows without a timestamp column are consecutive windows
// from 0; the step comes from the file name ("grouped_<N>_seconds") or 300 s.
//   alibaba2018 (cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent): cluster
//     means, all normalised (/100) as in parse_alibaba_machine, cpu in cpu_usage_cores.
//   google2019 (avg_cpu,avg_mem,avg_assigned_mem,avg_cycles_per_instruction): cpu and
//     memory normalised; capacity memory (normalised) = avg_assigned_mem; extra
//     cycles_per_instruction.
//   azure2019 (timestamp,cpu_usage,assigned_mem): cpu_usage_cores = cpu_usage / 100
//     (percent x cores summed over VMs); capacity memory = assigned_mem GiB in bytes;
//     memory demand absent.
[[nodiscard]] Result<Trace> parse_aggregate(std::string_view text, std::string_view source);

// Line helpers shared by the parsers (exposed for tests and fuzzers).
// Splits on `sep` exactly (empty fields kept).
void split_fields(std::string_view line, std::string_view sep, std::vector<std::string_view>& out);
// A finite double, surrounding blanks allowed; false on anything else.
[[nodiscard]] bool parse_double(std::string_view text, double& out);
[[nodiscard]] bool parse_int64(std::string_view text, std::int64_t& out);

// The latest timestamp (seconds) a trace row may carry, about the year 33 700. Later is
// garbage, and the bound keeps resampling arithmetic (a timestamp rounded up to a step,
// plus a step) far from int64's edge (fuzz_trace found 153722867280912931 * 60).
inline constexpr std::int64_t kMaxTimestampS = 1'000'000'000'000;
// parse_int64 within [0, kMaxTimestampS].
[[nodiscard]] bool parse_timestamp(std::string_view text, std::int64_t& out);

}  // namespace augur::trace
