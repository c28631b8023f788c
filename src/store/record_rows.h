#pragma once
// One decoder per record table, shared by both backends: the two select the same columns in
// the same order (record_id first), so a row of either decodes the same way. `Row` adapts a
// backend's row: text(col), bytes(col) (a blob/bytea), int8(col), opt_int8(col) (NULL as
// nullopt), float8(col) (NULL as kUnknown), is_null(col), and ok() (false once a read failed).
// A row that does not decode gives nullopt; the caller names the table and the record id.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "augur/store/records.h"
#include "codec.h"

namespace augur::store::detail {

// The keys that start with `prefix` are exactly those in [prefix, key_range_end(prefix)) in
// byte order (SQLite's BINARY collation, PostgreSQL's COLLATE "C" on baselines.key): a range
// the (host_id, key) unique index serves, where LIKE 'prefix%' may not (SQLite's LIKE is
// case-insensitive and never uses a BINARY index). `prefix` must not end in byte 0xff.
inline std::string key_range_end(std::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

template <class Row>
BaselineRecord baseline_from_row(Row& row) {
  BaselineRecord b;
  b.record_id = row.text(0);
  b.host_id = row.text(1);
  b.key = row.text(2);
  b.feature_table_version = static_cast<std::uint32_t>(row.int8(3));
  b.payload = row.bytes(4);
  b.updated_unix_ms = row.int8(5);
  return b;
}

template <class Row>
std::optional<EpisodeRecord> episode_from_row(Row& row) {
  EpisodeRecord e;
  e.record_id = row.text(0);
  e.host_id = row.text(1);
  e.instance_id = row.text(2);
  e.app_type = row.text(3);
  e.start_unix_ms = row.int8(4);
  e.end_unix_ms = row.opt_int8(5);
  e.peak_score = row.float8(6);
  e.feature_table_version = static_cast<std::uint32_t>(row.int8(7));
  auto dir = decode_doubles(row.bytes(8));
  auto top = decode_top_features(row.text(9));
  if (!row.ok() || !dir || !top) return std::nullopt;
  e.direction = std::move(*dir);
  e.top_features = std::move(*top);
  return e;
}

template <class Row>
std::optional<PatternRecord> pattern_from_row(Row& row) {
  PatternRecord p;
  p.record_id = row.text(0);
  p.host_id = row.text(1);
  p.instance_id = row.text(2);
  p.app_type = row.text(3);
  p.created_unix_ms = row.int8(4);
  p.magnitude = row.float8(5);
  p.feature_table_version = static_cast<std::uint32_t>(row.int8(6));
  auto dir = decode_doubles(row.bytes(7));
  auto usage = decode_resources(row.bytes(8));
  auto alloc = decode_resources(row.bytes(9));
  auto load = decode_resources(row.bytes(10));
  if (!row.is_null(11)) {
    p.outcome = decode_resources(row.bytes(11));
    if (!p.outcome) return std::nullopt;
  }
  p.labelled_unix_ms = row.opt_int8(12);
  if (!row.ok() || !dir || !usage || !alloc || !load) return std::nullopt;
  p.direction = std::move(*dir);
  p.usage = *usage;
  p.allocation = *alloc;
  p.host_load = *load;
  return p;
}

template <class Row>
std::optional<ChangeRecord> change_from_row(Row& row) {
  ChangeRecord c;
  c.record_id = row.text(0);
  c.host_id = row.text(1);
  c.instance_id = row.text(2);
  auto r = resource_from_name(row.text(3));
  c.old_value = row.float8(4);
  c.new_value = row.float8(5);
  auto m = mode_from_name(row.text(6));
  c.reason = row.text(7);
  c.unix_ms = row.int8(8);
  if (!row.ok() || !r || !m) return std::nullopt;
  c.resource = *r;
  c.mode = *m;
  return c;
}

}  // namespace augur::store::detail
