// Statement: RAII ownership of one prepared sqlite3_stmt, with binding and reading in terms of
// edgelite::Value. Statements belong to one Connection and are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string_view>

#include "edgelite/value.h"

namespace edgelite::sqlite {

// What SQLite's parser reported (through the authorizer) while preparing a statement, beyond what
// sqlite3_stmt_readonly tells: whether running it leaves state on the connection that must follow
// the client (and no other client), and whether it sets a PRAGMA, which is a write for permissions
// even when it changes no page of the database.
struct StatementFacts {
  bool changes_session = false;  // TEMP objects, ATTACH/DETACH, a connection setting
  bool sets_pragma = false;      // PRAGMA name = value, or the call form of a setting
  bool attaches_file = false;    // ATTACH of a database file (refused)
};

class Statement {
 public:
  explicit Statement(sqlite3_stmt* handle) : handle_(handle) {}
  ~Statement();
  Statement(Statement&& other) noexcept : handle_(other.handle_), facts_(other.facts_) {
    other.handle_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* handle() const { return handle_; }

  int parameter_count() const { return sqlite3_bind_parameter_count(handle_); }
  // The parameter's name with its prefix (":a", "@a", "$a", "?3"), or nullopt for a nameless "?".
  std::optional<std::string_view> parameter_name(int index) const;
  // Binds `value` to the 1-based `index`; returns the SQLite result code.
  int Bind(int index, const Value& value);

  // One step: SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(handle_); }

  int column_count() const { return sqlite3_column_count(handle_); }
  std::optional<std::string_view> column_name(int index) const;
  std::optional<std::string_view> column_decltype(int index) const;
  Value ColumnValue(int index) const;
  // ColumnValue into `*value`, reusing its text or blob storage when it already holds one.
  void ColumnValueInto(int index, Value* value) const;
  // What ColumnValue would cost to send: the bytes of its text or blob, 8 for numbers.
  size_t ColumnSize(int index) const;

  bool readonly() const { return sqlite3_stmt_readonly(handle_) != 0; }
  bool is_explain() const { return sqlite3_stmt_isexplain(handle_) != 0; }

  // Makes the statement ready for another execution: resets it and clears its bindings.
  void Reset();

  // Whether its text still prepares on its connection. A statement whose schema changed is
  // prepared again as it steps; when that fails, the step fails without the statement having run.
  bool PreparesAgain() const;

  const StatementFacts& facts() const { return facts_; }
  void set_facts(StatementFacts facts) { facts_ = facts; }

 private:
  sqlite3_stmt* handle_;
  StatementFacts facts_;
};

}  // namespace edgelite::sqlite
