// What a client's PRAGMA may do on a shared server: reads are free, a setting follows the client's
// stream (its own connection), a database setting is a write, and what the server owns (durability,
// the WAL, process-wide limits) is refused however it is spelled.
#include "sqlite/pragma_policy.h"

#include <gtest/gtest.h>

namespace edgelite::sqlite {
namespace {

TEST(PragmaPolicyTest, ReadingAPragmaIsIntrospection) {
  for (const char* name :
       {"foreign_keys", "user_version", "journal_mode", "synchronous", "query_only",
        "recursive_triggers", "page_size", "schema_version", "table_list", "unknown_pragma"}) {
    EXPECT_EQ(ClassifyPragma(name, false), PragmaUse::kIntrospection) << name;
  }
}

TEST(PragmaPolicyTest, PragmasWhoseArgumentNamesWhatToInspectAreIntrospection) {
  // ORMs read these with any token: `PRAGMA table_info(users)`, `PRAGMA index_list = t`.
  for (const char* name :
       {"table_info", "table_xinfo", "index_info", "index_xinfo", "index_list", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check", "table_list"}) {
    EXPECT_EQ(ClassifyPragma(name, true), PragmaUse::kIntrospection) << name;
  }
}

TEST(PragmaPolicyTest, ConnectionSettingsAreSessionSettings) {
  for (const char* name : {"foreign_keys", "recursive_triggers", "defer_foreign_keys",
                           "case_sensitive_like", "busy_timeout", "cache_size", "temp_store",
                           "reverse_unordered_selects", "legacy_alter_table"}) {
    EXPECT_EQ(ClassifyPragma(name, true), PragmaUse::kSessionSetting) << name;
  }
}

TEST(PragmaPolicyTest, SettingsKeptInTheFileAndDatabaseActionsAreWrites) {
  for (const char* name : {"user_version", "application_id", "auto_vacuum", "encoding"}) {
    EXPECT_EQ(ClassifyPragma(name, true), PragmaUse::kDatabaseWrite) << name;
  }
  // These write with or without an argument.
  for (bool argument : {false, true}) {
    EXPECT_EQ(ClassifyPragma("incremental_vacuum", argument), PragmaUse::kDatabaseWrite);
    EXPECT_EQ(ClassifyPragma("optimize", argument), PragmaUse::kDatabaseWrite);
  }
}

TEST(PragmaPolicyTest, ServerOwnedAndProcessWideSettingsAreForbidden) {
  for (const char* name :
       {"journal_mode", "locking_mode", "synchronous", "query_only", "page_size",
        "wal_autocheckpoint", "mmap_size", "temp_store_directory", "writable_schema",
        "data_store_directory", "journal_size_limit", "cell_size_check", "hard_heap_limit",
        "soft_heap_limit", "threads", "max_page_count", "schema_version", "cache_spill"}) {
    EXPECT_EQ(ClassifyPragma(name, true), PragmaUse::kForbidden) << name;
  }
  // The server checkpoints on its own schedule: not even the bare form runs one.
  EXPECT_EQ(ClassifyPragma("wal_checkpoint", false), PragmaUse::kForbidden);
  EXPECT_EQ(ClassifyPragma("wal_checkpoint", true), PragmaUse::kForbidden);
}

TEST(PragmaPolicyTest, NamesMatchWithoutRegardToCaseButExactly) {
  EXPECT_EQ(ClassifyPragma("JOURNAL_MODE", true), PragmaUse::kForbidden);
  EXPECT_EQ(ClassifyPragma("Wal_Checkpoint", false), PragmaUse::kForbidden);
  EXPECT_EQ(ClassifyPragma("Table_Info", true), PragmaUse::kIntrospection);
  EXPECT_EQ(ClassifyPragma("USER_VERSION", true), PragmaUse::kDatabaseWrite);
  // A longer or shorter name is another pragma, not the listed one.
  EXPECT_EQ(ClassifyPragma("table_info2", true), PragmaUse::kSessionSetting);
  EXPECT_EQ(ClassifyPragma("journal_mod", true), PragmaUse::kSessionSetting);
  EXPECT_EQ(ClassifyPragma("journal_modes", true), PragmaUse::kSessionSetting);
}

}  // namespace
}  // namespace edgelite::sqlite
