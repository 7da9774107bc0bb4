// Statement execution: the one place where a Hrana Stmt meets SQLite.
#include "hrana/stmt_executor.h"

#include <fmt/format.h>

#include <chrono>
#include <unordered_set>

#include "sqlite/sql_text.h"

namespace edgelite::hrana {
namespace {

constexpr std::string_view kReadOnlyBegin = "BEGIN DEFERRED";
constexpr std::string_view kArgsMismatch = "Arguments do not match SQL parameters: ";

bool IsSyntaxError(const sqlite::SqliteError& error) {
  return error.code == SQLITE_ERROR && (error.message.find("syntax error") != std::string::npos ||
                                        error.message.find("incomplete input") != std::string::npos ||
                                        error.message.find("unrecognized token") != std::string::npos);
}

RequestFailure Forbidden(const ExecutionContext& context) {
  // sqld's exact wording, typo included: clients and dashboards match on it.
  return RequestFailure{403, fmt::format("Authorization forbidden: Current session doesn't not have "
                                         "Write permission to namespace {}",
                                         context.namespace_name)};
}

// sqld's error for what the namespace's config blocks.
Error Blocked(const ExecutionContext& context) {
  return Error{context.blocks.reason.empty()
                   ? std::string("Operation was blocked")
                   : fmt::format("Operation was blocked: {}", context.blocks.reason),
               "BLOCKED"};
}

// sqld collects named arguments into a map: of several with one name, the last counts.
const Value* FindNamedArg(const Stmt& stmt, std::string_view name) {
  for (auto arg = stmt.named_args.rbegin(); arg != stmt.named_args.rend(); ++arg) {
    if (arg->name == name) return &arg->value;
  }
  return nullptr;
}

// sqld's order (libsql-server query.rs, Params::bind): the parameter's name as written (":v"),
// then without its ":", "@" or "$" prefix ("v", as @tursodatabase/serverless sends it).
const Value* NamedArgFor(const Stmt& stmt, std::string_view parameter) {
  if (const Value* value = FindNamedArg(stmt, parameter)) return value;
  return FindNamedArg(stmt, parameter.substr(1));
}

size_t DistinctNameCount(const std::vector<NamedArg>& args) {
  std::unordered_set<std::string_view> names;
  for (const NamedArg& arg : args) names.insert(arg.name);
  return names.size();
}

}  // namespace

std::optional<Error> BindArguments(sqlite::Statement& statement, const Stmt& stmt) {
  if (!stmt.args.empty() && !stmt.named_args.empty()) {
    return Error{"Statement has both positional and named arguments",
                 "ARGS_BOTH_POSITIONAL_AND_NAMED"};
  }
  int count = statement.parameter_count();
  size_t given = std::max(stmt.args.size(), stmt.named_args.size());
  // Named arguments count once per name, as in sqld's map; counted only when they seem too many.
  if (given > size_t(count) && !stmt.named_args.empty()) given = DistinctNameCount(stmt.named_args);
  if (given > size_t(count)) {
    return Error{fmt::format("{}too many parameters, expected {} found {}", kArgsMismatch, count,
                             given),
                 "ARGS_INVALID"};
  }
  for (int index = 1; index <= count; ++index) {
    std::optional<std::string_view> name = statement.parameter_name(index);
    const Value* value = nullptr;
    if (!name || name->front() == '?') {
      // "?" takes the next position, "?NNN" position NNN: SQLite already numbered both.
      if (size_t(index) <= stmt.args.size()) value = &stmt.args[size_t(index) - 1];
    } else {
      value = NamedArgFor(stmt, *name);
    }
    if (!value) {
      if (statement.is_explain()) continue;
      return Error{fmt::format("{}value for parameter {} not found", kArgsMismatch,
                               name ? std::string(*name) : std::to_string(index)),
                   "ARGS_INVALID"};
    }
    if (int rc = statement.Bind(index, *value); rc != SQLITE_OK) {
      return Error{fmt::format("Cannot bind parameter {}: {}", index, sqlite3_errstr(rc)),
                   std::string(sqlite::HranaCodeFor(rc))};
    }
  }
  return std::nullopt;
}


std::optional<Error> CheckSqlText(std::string_view sql) {
  if (sql.find('\0') == std::string_view::npos) return std::nullopt;
  return Error{"SQL string could not be parsed: it contains a NUL byte", "SQL_PARSE_ERROR"};
}

std::vector<Column> ColumnsOf(const sqlite::Statement& statement) {
  std::vector<Column> columns;
  int count = statement.column_count();
  columns.reserve(size_t(count));
  for (int i = 0; i < count; ++i) {
    Column column;
    if (auto name = statement.column_name(i)) column.name = std::string(*name);
    if (auto type = statement.column_decltype(i)) column.decltype_name = std::string(*type);
    columns.push_back(std::move(column));
  }
  return columns;
}

Error ClientStateInReadOnlyTransaction() {
  return Error{"SQL input error: a read-only transaction cannot change connection state (TEMP "
               "objects, ATTACH, PRAGMA settings); end it first",
               "SQL_INPUT_ERROR"};
}

Error ErrorForSqlite(const sqlite::SqliteError& error) {
  if (IsSyntaxError(error)) {
    return Error{"SQL string could not be parsed: " + error.message, "SQL_PARSE_ERROR"};
  }
  return Error{"SQLite error: " + error.message, std::string(sqlite::HranaCodeFor(error.code)),
               error.extended_code};
}

Error ErrorForPrepare(const sqlite::SqliteError& error, bool describe) {
  // As sqld: a statement SQLite rejects at a known position is the client's input error. sqld runs
  // its own parser first, except for `describe`, so only there do syntax errors come out this way.
  if ((describe || !IsSyntaxError(error)) && error.code == SQLITE_ERROR && error.offset >= 0) {
    return Error{fmt::format("SQL input error: {} (at offset {})", error.message, error.offset),
                 "SQL_INPUT_ERROR"};
  }
  return ErrorForSqlite(error);
}

std::variant<const std::string*, RequestFailure> ResolveSql(const ExecutionContext& context,
                                                            const std::optional<std::string>& sql,
                                                            const std::optional<int32_t>& sql_id) {
  if (sql && sql_id) return RequestFailure{400, "Received both SQL text and SQL id"};
  if (sql) return &*sql;
  if (!sql_id) return RequestFailure{400, "Received neither SQL text nor SQL id"};
  const std::string* stored = context.sql_store ? context.sql_store->Find(*sql_id) : nullptr;
  if (!stored) return RequestFailure{400, fmt::format("SQL text {} not found", *sql_id)};
  return stored;
}

namespace {

Error GrantTimeout() {
  return Error{"SQLite error: database is locked (another stream holds the write lock)",
               "SQLITE_BUSY", SQLITE_BUSY};
}

// Statements that open a transaction or keep state on their connection: they run on a connection
// the stream owns (or, for a caller who may not write, on the read connection it holds).
bool NeedsOwnConnection(sqlite::StatementKind kind, const sqlite::StatementFacts& facts,
                        bool autocommit) {
  if (facts.changes_session || facts.sets_pragma) return true;
  switch (kind) {
    case sqlite::StatementKind::kBegin:
    case sqlite::StatementKind::kBeginImmediate:
    case sqlite::StatementKind::kVacuum:
      return true;
    case sqlite::StatementKind::kSavepoint:
      return autocommit;  // outside a transaction, SAVEPOINT begins one
    default:
      return false;
  }
}

// Whether running the statement may take the database's write lock. DDL counts even when it
// prepares as a no-op (`DROP TABLE IF EXISTS` of a table already gone): whether it is one is
// decided on the writer's current schema, not on a shared connection's copy.
bool TakesWriteLock(sqlite::StatementKind kind, const sqlite::Statement& statement) {
  return !statement.readonly() || statement.facts().sets_pragma ||
         kind == sqlite::StatementKind::kBeginImmediate || kind == sqlite::StatementKind::kVacuum ||
         kind == sqlite::StatementKind::kSchemaChange;
}

std::optional<StmtOutcome> CheckPlacement(ExecutionContext& context, sqlite::StatementKind kind,
                                          const sqlite::Statement& statement) {
  const sqlite::StatementFacts& facts = statement.facts();
  bool autocommit = context.connection->autocommit();
  bool writes = TakesWriteLock(kind, statement);
  switch (context.placement) {
    case Placement::kReader:
      // A read-only transaction stays on this query_only connection, which refuses its writes.
      if (kind == sqlite::StatementKind::kBeginReadOnly) return std::nullopt;
      if (!context.may_write) {
        // A caller who may not write keeps its transactions on the read connection.
        if (facts.changes_session) return Escalation{Escalation::Kind::kToOwnConnection};
        return std::nullopt;
      }
      if (NeedsOwnConnection(kind, facts, autocommit)) {
        return Escalation{Escalation::Kind::kToOwnConnection};
      }
      // Inside a read-only transaction opened by this request, a write fails here, as it should.
      if (writes && autocommit) return Escalation{Escalation::Kind::kToWriter};
      return std::nullopt;
    case Placement::kPinnedReader:
      if (facts.changes_session) return ClientStateInReadOnlyTransaction();
      return std::nullopt;
    case Placement::kWriterGroup:
      // Transaction control acts on the stream's transaction, never the group's: COMMIT or a
      // ROLLBACK TO a savepoint of the writer's own would end or undo others' work.
      if (NeedsOwnConnection(kind, facts, true) || sqlite::IsTransactionControl(kind)) {
        return Escalation{Escalation::Kind::kToOwnConnection};
      }
      return std::nullopt;
    case Placement::kOwn:
      if (context.state.read_only_transaction && !autocommit && writes) {
        return Error{"SQLite error: attempt to write a readonly database", "SQLITE_READONLY",
                     SQLITE_READONLY};
      }
      if (writes && context.write_grant && !context.write_grant->Acquire()) return GrantTimeout();
      return std::nullopt;
  }
  return std::nullopt;
}

// After a statement inside a group commit: whether the request must leave the group, which is
// when running alone would have given another outcome.
bool MustLeaveGroup(const sqlite::Connection& connection) {
  // ON CONFLICT ROLLBACK, RAISE(ROLLBACK) or an I/O error ended the group's transaction: the
  // statements after this one would each commit on their own.
  if (connection.autocommit()) return true;
  // Alone, the statement would have been its own transaction and failed at its commit on a
  // deferred constraint; in the group that check would come only at the group's COMMIT, where
  // another request may have satisfied it.
  int pending = 0;
  int highwater = 0;
  sqlite3_db_status(connection.handle(), SQLITE_DBSTATUS_DEFERRED_FKS, &pending, &highwater, 0);
  return pending != 0;
}

}  // namespace

StmtOutcome ExecuteStmt(ExecutionContext& context, const Stmt& stmt, RowConsumer* consumer) {
  auto resolved = ResolveSql(context, stmt.sql, stmt.sql_id);
  if (auto* failure = std::get_if<RequestFailure>(&resolved)) return *failure;
  std::string_view sql = *std::get<const std::string*>(resolved);
  if (auto error = CheckSqlText(sql)) return std::move(*error);

  sqlite::StatementKind kind = sqlite::ClassifyStatement(sql);
  if (context.state.transaction_timed_out) {
    // Nothing of the client's transaction is left: a statement it meant to run inside it must not
    // run on its own, and its COMMIT must not look as if it committed.
    if (kind == sqlite::StatementKind::kRollback) {
      context.state.transaction_timed_out = false;
      return StmtResult{};
    }
    if (kind == sqlite::StatementKind::kCommit) context.state.transaction_timed_out = false;
    return Error{"The transaction was rolled back: it held the write lock while idle for longer "
                 "than the transaction timeout while other writers waited",
                 "TRANSACTION_TIMEOUT"};
  }
  // libSQL's read-only transaction syntax; stock SQLite needs plain BEGIN, and the stream
  // remembers that its transaction may not write.
  if (kind == sqlite::StatementKind::kBeginReadOnly) sql = kReadOnlyBegin;

  sqlite::Connection& connection = *context.connection;
  if (kind == sqlite::StatementKind::kSchemaChange && context.placement == Placement::kOwn &&
      context.write_grant && context.may_write) {
    // DDL is prepared against the schema as it is once nobody else can change it.
    if (!context.write_grant->Acquire()) return GrantTimeout();
    (void)connection.CheckSchema();
  }
  sqlite::SqliteError prepare_error;
  auto prepared = connection.Prepare(sql, &prepare_error);
  if (!prepared.ok()) return ErrorForPrepare(prepare_error);
  if (!prepared->statement) {
    return Error{"SQL string does not contain any statement", "SQL_NO_STATEMENT"};
  }
  if (!sqlite::IsBlankSql(prepared->tail)) {
    return Error{"SQL string contains more than one statement", "SQL_MANY_STATEMENTS"};
  }
  sqlite::Statement& statement = **prepared->statement;
  // SQLite applies some settings while it prepares them: where that took effect (a stream's own
  // connection), the connection holds this stream's state from now on, whatever follows.
  if (statement.facts().changes_session && context.connection->takes_client_state()) {
    context.session_state_changed = true;
  }

  // Permissions follow what a statement can change, not only what SQLite counts as a write: a
  // setting changes how every later statement behaves, and BEGIN IMMEDIATE holds the write lock.
  if (context.blocks.reads) return Blocked(context);
  if (TakesWriteLock(kind, statement)) {
    if (context.blocks.writes) return Blocked(context);
    if (!context.may_write) return Forbidden(context);
  }
  if (auto placed = CheckPlacement(context, kind, statement)) return std::move(*placed);
  if (auto error = BindArguments(statement, stmt)) return *error;

  bool counts_changes = kind == sqlite::StatementKind::kInsert ||
                        kind == sqlite::StatementKind::kUpdate ||
                        kind == sqlite::StatementKind::kDelete;
  bool was_autocommit = connection.autocommit();
  // A cached statement that no longer prepares fails as it steps, without running, yet SQLite
  // rolls back as for a statement that failed, which ends a client's defer_foreign_keys; on a
  // connection that prepared it afresh, nothing would have ended it.
  bool defers_foreign_keys = was_autocommit && connection.DefersForeignKeys();
  auto started = std::chrono::steady_clock::now();
  StmtResult result;
  uint64_t rows_seen = 0;
  std::optional<Error> failure;
  {
    sqlite::SessionScope session(connection, context.state.session, counts_changes);
    int64_t rowid_before = connection.last_insert_rowid();
    int64_t total_changes_before = sqlite3_total_changes64(connection.handle());

    int column_count = 0;
    bool first_step = true;
    while (true) {
      int rc = statement.Step();
      if (first_step) {
        // Column names come from the statement as it ran: stepping re-prepares a statement whose
        // schema changed since it was prepared (ALTER TABLE on another connection).
        first_step = false;
        column_count = statement.column_count();
        result.cols = ColumnsOf(statement);
        if (consumer && (rc == SQLITE_ROW || rc == SQLITE_DONE)) consumer->Columns(result.cols);
      }
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        failure = ErrorForSqlite(sqlite::ErrorFromConnection(connection.handle(), rc));
        break;
      }
      ++rows_seen;
      if (!stmt.want_rows) continue;
      size_t row_bytes = 0;
      std::vector<Value> row;
      row.reserve(size_t(column_count));
      for (int i = 0; i < column_count; ++i) {
        row_bytes += statement.ColumnSize(i);
        row.push_back(statement.ColumnValue(i));
      }
      if (row_bytes > context.response_budget) {
        failure = Error{"Response is too large", "RESPONSE_TOO_LARGE"};
        break;
      }
      context.response_budget -= row_bytes;
      if (consumer) {
        consumer->Row(std::move(row));
      } else {
        result.rows.push_back(std::move(row));
      }
    }
    // A statement stopped early (too large a response) ends here, before the session reads the
    // connection's counters.
    statement.Reset();
    const sqlite::StatementFacts& facts = statement.facts();
    // Preparing a setting applies it: those are not prepared again.
    bool never_ran = failure && !facts.changes_session && !facts.sets_pragma &&
                     !statement.PreparesAgain();
    if (never_ran && counts_changes) session.StatementNeverRan();
    if (never_ran && defers_foreign_keys && connection.autocommit()) {
      connection.RestoreDeferredForeignKeys();
    }

    // As sqld: affected rows and the inserted rowid are reported for DML only, so that a CREATE
    // or SELECT does not echo the count of an earlier statement.
    bool is_dml =
        counts_changes || sqlite3_total_changes64(connection.handle()) != total_changes_before;
    if (!failure && is_dml && !statement.readonly()) {
      result.affected_row_count = uint64_t(connection.changes());
      result.rows_written = result.affected_row_count;
    }
    if (!failure && (kind == sqlite::StatementKind::kInsert ||
                     (is_dml && connection.last_insert_rowid() != rowid_before))) {
      result.last_insert_rowid = connection.last_insert_rowid();
    }
  }

  switch (context.placement) {
    case Placement::kWriterGroup:
      if (MustLeaveGroup(connection)) return Escalation{Escalation::Kind::kToWriterAlone};
      break;
    case Placement::kOwn:
    case Placement::kPinnedReader:
    case Placement::kReader:
      if (connection.autocommit()) {
        context.state.read_only_transaction = false;
      } else if (was_autocommit && kind == sqlite::StatementKind::kBeginReadOnly) {
        context.state.read_only_transaction = true;
      }
      break;
  }
  if (failure) return std::move(*failure);

  // Stock SQLite has no rows-read counter: count the rows returned plus the rows a full scan
  // stepped over, the closest approximation of libSQL's counter that it offers.
  result.rows_read = rows_seen + uint64_t(sqlite3_stmt_status(
                                     statement.handle(), SQLITE_STMTSTATUS_FULLSCAN_STEP, 1));
  result.query_duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (context.placement != Placement::kWriterGroup && context.replication_index) {
    result.replication_index = context.replication_index();
  }
  if (context.statements) {
    context.statements->Record(sql, result.rows_read, result.rows_written,
                               result.query_duration_ms);
  }
  return result;
}

}  // namespace edgelite::hrana
