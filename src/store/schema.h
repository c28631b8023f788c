#pragma once
// Internal: the schema history. Migration i takes user_version i to i + 1; a fresh file
// (version 0) runs them all. Append only: a shipped step is never edited.
#include <sqlite3.h>

#include <string>

#include "augur/util/result.h"

namespace augur::store::detail {

// Brings the open database from its user_version up to kSchemaVersion, one transaction
// per step. The caller has checked the version is not newer.
Status migrate(sqlite3* db, int from_version, const std::string& path);

// The SQL of step `from` -> `from + 1` (tests build old files from it).
const char* migration_sql(int from_version);

}  // namespace augur::store::detail
