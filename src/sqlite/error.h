// SQLite failures as values: the result code, the extended code and SQLite's own message, plus the
// mapping to the Hrana error codes clients see (`SQLITE_CONSTRAINT`, ...; docs/protocol.md §5.1).
#pragma once

#include <string>
#include <string_view>

struct sqlite3;

namespace edgelite::sqlite {

struct SqliteError {
  int code = 0;           // primary result code, e.g. SQLITE_CONSTRAINT
  int extended_code = 0;  // e.g. SQLITE_CONSTRAINT_UNIQUE
  std::string message;    // sqlite3_errmsg() at the time of failure
  int offset = -1;        // where in the SQL text a prepare failed, when SQLite knows
};

// Captures the connection's current error state after a failed call that returned `code`.
SqliteError ErrorFromConnection(sqlite3* db, int code);

// "SQLITE_CONSTRAINT", "SQLITE_BUSY", ...; the generic SQLITE_ERROR maps to "SQLITE_UNKNOWN" as sqld
// reports it (clients match on these strings).
std::string_view HranaCodeFor(int primary_code);

}  // namespace edgelite::sqlite
