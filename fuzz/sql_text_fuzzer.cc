// Fuzzes the lexical scans of SQL text (sqlite/sql_text.h) against SQLite's own parser: what they
// call blank must be blank to SQLite, and the kind they give a statement must be the kind SQLite's
// parser reports through the authorizer. A wrong kind is not cosmetic: it decides whether a
// statement may run inside another request's group-committed transaction.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sqlite/sql_text.h"

namespace {

using edgelite::sqlite::StatementKind;

void Check(bool ok, const char* what, std::string_view sql) {
  if (ok) return;
  std::fprintf(stderr, "invariant violated: %s\nSQL (%zu bytes): ", what, sql.size());
  for (unsigned char c : sql) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fputc('\n', stderr);
  std::abort();
}

// What SQLite's parser reported while preparing one statement.
struct Actions {
  std::string transaction;  // "BEGIN", "COMMIT" or "ROLLBACK"
  std::string savepoint;    // "BEGIN", "RELEASE" or "ROLLBACK"
  bool pragma = false;
  bool schema_change = false;  // CREATE, DROP or ALTER
  // Of the user's tables and objects, not SQLite's own (sqlite_schema, sqlite_stat1, ...).
  bool insert = false, update = false, remove = false;
};

int Record(void* data, int action, const char* arg1, const char* arg2, const char*, const char*) {
  auto* actions = static_cast<Actions*>(data);
  bool user_table = arg1 != nullptr && std::string_view(arg1).substr(0, 7) != "sqlite_";
  switch (action) {
    case SQLITE_TRANSACTION:
      actions->transaction = arg1 ? arg1 : "";
      break;
    case SQLITE_SAVEPOINT:
      actions->savepoint = arg1 ? arg1 : "";
      break;
    case SQLITE_PRAGMA:
      actions->pragma = true;
      // SQLite applies some settings while it prepares them: keep the oracle's connection as it is.
      if (arg2) return SQLITE_IGNORE;
      break;
    case SQLITE_INSERT:
      actions->insert |= user_table;
      break;
    case SQLITE_UPDATE:
      actions->update |= user_table;
      break;
    case SQLITE_DELETE:
      actions->remove |= user_table;
      break;
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_INDEX:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_TEMP_TRIGGER:
    case SQLITE_DROP_TEMP_VIEW:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_VTABLE:
    case SQLITE_ALTER_TABLE:
      actions->schema_change |= user_table;  // ANALYZE creates sqlite_stat1
      break;
    default:
      break;
  }
  return SQLITE_OK;
}

// One connection for the whole run: statements are only prepared, never stepped, and settings are
// ignored by the authorizer, so every input sees the same schema.
sqlite3* Oracle() {
  static sqlite3* db = [] {
    sqlite3* handle = nullptr;
    sqlite3_open(":memory:", &handle);
    sqlite3_exec(handle,
                 "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE); CREATE TABLE u(a, b)",
                 nullptr, nullptr, nullptr);
    return handle;
  }();
  return db;
}

struct PrepareOutcome {
  int rc;
  bool has_statement;
  bool is_explain;
  std::string_view tail;
  Actions actions;
};

PrepareOutcome Prepare(std::string_view sql) {
  PrepareOutcome outcome{};
  sqlite3_set_authorizer(Oracle(), Record, &outcome.actions);
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  outcome.rc = sqlite3_prepare_v2(Oracle(), sql.data(), int(sql.size()), &statement, &tail);
  sqlite3_set_authorizer(Oracle(), nullptr, nullptr);
  outcome.has_statement = statement != nullptr;
  outcome.is_explain = statement && sqlite3_stmt_isexplain(statement) != 0;
  outcome.tail = tail ? sql.substr(size_t(tail - sql.data())) : std::string_view();
  sqlite3_finalize(statement);
  return outcome;
}

void CheckSkipBlanks(std::string_view sql) {
  std::string_view rest = edgelite::sqlite::SkipBlanks(sql);
  Check(rest.size() <= sql.size() && rest.data() + rest.size() == sql.data() + sql.size(),
        "SkipBlanks returns a suffix of its input", sql);
  Check(edgelite::sqlite::SkipBlanks(rest).size() == rest.size(), "SkipBlanks is idempotent", sql);
}

// What SQLite holds blank (no statement, no error) IsBlankSql holds blank, and the other way round.
void CheckBlank(std::string_view sql, const PrepareOutcome& outcome) {
  bool sqlite_blank = outcome.rc == SQLITE_OK && !outcome.has_statement && outcome.tail.empty();
  Check(edgelite::sqlite::IsBlankSql(sql) == sqlite_blank, "IsBlankSql agrees with SQLite", sql);
}

void CheckKind(std::string_view sql, const PrepareOutcome& outcome) {
  if (outcome.rc != SQLITE_OK || !outcome.has_statement || outcome.is_explain) return;
  const Actions& seen = outcome.actions;
  StatementKind kind = edgelite::sqlite::ClassifyStatement(sql);
  bool begins = kind == StatementKind::kBegin || kind == StatementKind::kBeginImmediate ||
                kind == StatementKind::kBeginReadOnly;
  Check(begins == (seen.transaction == "BEGIN"), "BEGIN is classified as SQLite parses it", sql);
  Check((kind == StatementKind::kCommit) == (seen.transaction == "COMMIT"),
        "COMMIT is classified as SQLite parses it", sql);
  Check((kind == StatementKind::kRollback) == (seen.transaction == "ROLLBACK"),
        "ROLLBACK is classified as SQLite parses it", sql);
  Check((kind == StatementKind::kSavepoint) == (seen.savepoint == "BEGIN"),
        "SAVEPOINT is classified as SQLite parses it", sql);
  Check((kind == StatementKind::kRelease) == (seen.savepoint == "RELEASE"),
        "RELEASE is classified as SQLite parses it", sql);
  Check((kind == StatementKind::kRollbackTo) == (seen.savepoint == "ROLLBACK"),
        "ROLLBACK TO is classified as SQLite parses it", sql);
  Check((kind == StatementKind::kPragma) == seen.pragma, "PRAGMA is classified as SQLite parses it",
        sql);
  if (seen.schema_change) {
    Check(kind == StatementKind::kSchemaChange, "DDL is classified as SQLite parses it", sql);
    return;  // DDL also inserts, updates and deletes (DROP TABLE deletes the table's rows)
  }
  // An upsert also updates; an UPDATE or DELETE never inserts.
  if (seen.insert) {
    Check(kind == StatementKind::kInsert, "INSERT is classified as SQLite parses it", sql);
  } else if (seen.update) {
    Check(kind == StatementKind::kUpdate, "UPDATE is classified as SQLite parses it", sql);
  } else if (seen.remove) {
    Check(kind == StatementKind::kDelete, "DELETE is classified as SQLite parses it", sql);
  }
  if (kind == StatementKind::kInsert) Check(seen.insert, "an INSERT inserts", sql);
  if (kind == StatementKind::kUpdate) Check(seen.update, "an UPDATE updates", sql);
  if (kind == StatementKind::kDelete) Check(seen.remove, "a DELETE deletes", sql);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  CheckSkipBlanks(sql);
  edgelite::sqlite::StatementKind kind = edgelite::sqlite::ClassifyStatement(sql);
  (void)edgelite::sqlite::IsTransactionControl(kind);
  // SQLite reads only up to a NUL; the executor refuses such text before any of this runs.
  if (sql.find('\0') != std::string_view::npos) {
    (void)edgelite::sqlite::IsBlankSql(sql);
    return 0;
  }
  PrepareOutcome outcome = Prepare(sql);
  CheckBlank(sql, outcome);
  CheckKind(sql, outcome);
  if (outcome.rc == SQLITE_OK && outcome.has_statement) {
    // The tail is where a sequence goes on: it must be judged as SQLite will judge it.
    CheckBlank(outcome.tail, Prepare(outcome.tail));
  }
  return 0;
}
