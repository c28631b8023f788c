#pragma once
// Internal: the PostgreSQL schema history. Migration i takes schema_version i to i + 1; an
// empty database runs them all. Append only: a shipped step is never edited.
#include "augur/util/result.h"
#include "pg_connection.h"

namespace augur::store::detail {

// The SQL of step `from` -> `from + 1`; nullptr outside the known steps.
const char* pg_migration_sql(int from_version);

// Brings the connected database to kPostgresSchemaVersion in one transaction holding the
// migration advisory lock; returns the version found. A newer version is an Error and
// changes nothing.
Result<int> pg_migrate(PgConnection& conn);

}  // namespace augur::store::detail
