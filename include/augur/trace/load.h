#pragma once
// The thin file side of the trace adapters: read files (gzip or plain) and hand their text
// to the pure parsers of parse.h.
#include <optional>
#include <string>
#include <string_view>

#include "augur/trace/parse.h"
#include "augur/trace/trace.h"
#include "augur/util/result.h"

namespace augur::trace {

enum class TraceFormat { kAugurCsv, kBitbrains, kAlibabaMachine, kAggregate };

// "augur-csv", "bitbrains", "alibaba-machine", "aggregate" (the --format names).
[[nodiscard]] std::optional<TraceFormat> format_from_name(std::string_view name);
[[nodiscard]] std::string_view format_name(TraceFormat format);

// A whole file; gzip-compressed files are inflated (zlib reads plain files unchanged).
[[nodiscard]] Result<std::string> read_text_file(const std::string& path);

// `path` is a file or a folder:
//   augur-csv: a file, or every *.csv / *.csv.gz in the folder (instance ids must not repeat
//     across files).
//   bitbrains: a file (one VM, id = file name without .csv[.gz]), or every *.csv[.gz] in the
//     folder, one instance each, in name order.
//   alibaba-machine: machine_usage.csv (with machine_meta.csv beside it when present), or
//     a folder holding them.
//   aggregate: a file, or every *.csv in the folder.
// In a folder, other files and sub-folders are listed in report.skipped_files, and so is a
// file that fails to parse; the load fails only when no instance is left.
[[nodiscard]] Result<Trace> load_trace(const std::string& path, TraceFormat format,
                                       const AlibabaOptions& alibaba = {});

}  // namespace augur::trace
