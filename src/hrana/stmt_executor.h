// Runs one Hrana statement on a connection: resolves stored SQL, checks where it may run and whether
// the caller may write, binds arguments the way sqld does, steps it and collects the result.
#pragma once

#include <functional>
#include <optional>
#include <variant>

#include "hrana/execution.h"

namespace edgelite::hrana {

// Receives a statement's rows as they are produced (cursors); without one, rows go into the
// StmtResult.
class RowConsumer {
 public:
  virtual ~RowConsumer() = default;
  virtual void Columns(const std::vector<Column>& cols) = 0;
  virtual void Row(std::vector<Value> row) = 0;
};

// A statement either produced a result or an error for the client, or the whole request must stop
// (escalation or request failure).
using StmtOutcome = std::variant<StmtResult, Error, Escalation, RequestFailure>;

StmtOutcome ExecuteStmt(ExecutionContext& context, const Stmt& stmt,
                        RowConsumer* consumer = nullptr);

// Resolves `sql` / `sql_id` to the text to run; a RequestFailure when neither or both are given or
// the id is unknown.
std::variant<const std::string*, RequestFailure> ResolveSql(
    const ExecutionContext& context, const std::optional<std::string>& sql,
    const std::optional<int32_t>& sql_id);

// Binds a statement's positional and named arguments the way sqld does: a named argument matches
// the parameter's name as written (":v") and then without its prefix ("v"); of several with one
// name the last counts. The SDK's local mode binds the same way, so a statement behaves alike on a
// local file and on a server.
std::optional<Error> BindArguments(sqlite::Statement& statement, const Stmt& stmt);

// A statement's result columns: names and declared types, as the statement stands (after a step
// re-prepared it, the current schema's).
std::vector<Column> ColumnsOf(const sqlite::Statement& statement);

// SQLite reads SQL text only up to a NUL byte: text with one is refused as sqld does, rather than
// run in part (or, when splitting a sequence, never reaching its end).
std::optional<Error> CheckSqlText(std::string_view sql);

// The error for a statement that would leave connection state inside a read-only transaction,
// whose connection is a shared one.
Error ClientStateInReadOnlyTransaction();

// The Hrana error for a failed step, and for a failed prepare.
Error ErrorForSqlite(const sqlite::SqliteError& error);
Error ErrorForPrepare(const sqlite::SqliteError& error, bool describe = false);

}  // namespace edgelite::hrana
