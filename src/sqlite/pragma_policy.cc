// The PRAGMA lists behind ClassifyPragma.
#include "sqlite/pragma_policy.h"

#include <strings.h>

#include <array>

namespace edgelite::sqlite {
namespace {

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view candidate : names) {
    if (candidate.size() == name.size() &&
        strncasecmp(candidate.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

// Their argument names what to look at, not a value to set: ORMs read these with any token.
constexpr std::array<std::string_view, 10> kIntrospectionWithArgument = {
    "table_info",        "table_xinfo",     "index_info",  "index_xinfo", "index_list",
    "foreign_key_list",  "foreign_key_check", "integrity_check", "quick_check", "table_list"};

// Refused even when only read: the server checkpoints on its own schedule.
constexpr std::array<std::string_view, 1> kAlwaysForbidden = {"wal_checkpoint"};

// Refused when set. Durability, the WAL and the read/write split are the server's; memory and
// thread limits are process-wide (one client could make every query of every client fail);
// max_page_count and schema_version break writes or the schema for everyone.
constexpr std::array<std::string_view, 18> kForbiddenSettings = {
    "journal_mode",       "locking_mode",     "synchronous",          "query_only",
    "page_size",          "wal_autocheckpoint", "mmap_size",          "temp_store_directory",
    "writable_schema",    "data_store_directory", "journal_size_limit", "cell_size_check",
    "hard_heap_limit",    "soft_heap_limit",  "threads",              "max_page_count",
    "schema_version",     "cache_spill"};

// Settings kept in the database file rather than on the connection.
constexpr std::array<std::string_view, 4> kDatabaseSettings = {"user_version", "application_id",
                                                               "auto_vacuum", "encoding"};

// Write to the database with or without an argument.
constexpr std::array<std::string_view, 2> kDatabaseActions = {"incremental_vacuum", "optimize"};

}  // namespace

PragmaUse ClassifyPragma(std::string_view name, bool has_argument) {
  if (Contains(kAlwaysForbidden, name)) return PragmaUse::kForbidden;
  if (Contains(kDatabaseActions, name)) return PragmaUse::kDatabaseWrite;
  if (!has_argument) return PragmaUse::kIntrospection;
  if (Contains(kIntrospectionWithArgument, name)) return PragmaUse::kIntrospection;
  if (Contains(kForbiddenSettings, name)) return PragmaUse::kForbidden;
  if (Contains(kDatabaseSettings, name)) return PragmaUse::kDatabaseWrite;
  return PragmaUse::kSessionSetting;
}

}  // namespace edgelite::sqlite
