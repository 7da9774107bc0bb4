// PragmaPolicy: what a client's PRAGMA may do on a server that many clients share. SQLite treats
// most PRAGMAs as reads (sqlite3_stmt_readonly is true for `PRAGMA foreign_keys = OFF`), yet a
// PRAGMA that sets something changes how the connection behaves from then on, and some settings are
// process-wide or belong to the server (durability, the WAL, memory limits). So every PRAGMA is
// sorted by name and form into one of the uses below; the authorizer applies the result.
#pragma once

#include <string_view>

namespace edgelite::sqlite {

enum class PragmaUse {
  kIntrospection,    // reads: table_info(t), index_list(t), foreign_keys, user_version, ...
  kDatabaseWrite,    // changes the database file: user_version = 5, incremental_vacuum, optimize
  kSessionSetting,   // the connection's own behaviour: foreign_keys = OFF, recursive_triggers = 1
  kForbidden,        // owned by the server or process-wide: journal_mode = DELETE, hard_heap_limit = 1
};

// `has_argument` is true for `PRAGMA name = value` and `PRAGMA name(value)`.
PragmaUse ClassifyPragma(std::string_view name, bool has_argument);

}  // namespace edgelite::sqlite
