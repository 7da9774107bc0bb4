// Statement execution: the one place where a Hrana Stmt meets SQLite.
#include "hrana/stmt_executor.h"

#include <fmt/format.h>

#include <chrono>

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

const Value* FindNamedArg(const Stmt& stmt, std::string_view parameter) {
  for (const NamedArg& arg : stmt.named_args) {
    if (arg.name == parameter) return &arg.value;
  }
  // Clients may leave out the ":", "@" or "$" prefix.
  std::string_view bare = parameter.substr(1);
  for (const NamedArg& arg : stmt.named_args) {
    if (arg.name == bare) return &arg.value;
  }
  return nullptr;
}

std::optional<Error> BindArguments(sqlite::Statement& statement, const Stmt& stmt) {
  if (!stmt.args.empty() && !stmt.named_args.empty()) {
    return Error{"Statement has both positional and named arguments",
                 "ARGS_BOTH_POSITIONAL_AND_NAMED"};
  }
  int count = statement.parameter_count();
  size_t given = std::max(stmt.args.size(), stmt.named_args.size());
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
      value = FindNamedArg(stmt, *name);
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

}  // namespace

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

StmtOutcome ExecuteStmt(ExecutionContext& context, const Stmt& stmt, RowConsumer* consumer) {
  auto resolved = ResolveSql(context, stmt.sql, stmt.sql_id);
  if (auto* failure = std::get_if<RequestFailure>(&resolved)) return *failure;
  std::string_view sql = *std::get<const std::string*>(resolved);

  sqlite::StatementKind kind = sqlite::ClassifyStatement(sql);
  bool on_reader = context.placement == Placement::kReader;
  if (on_reader) {
    // PRAGMAs leave connection state behind, which must not leak into pooled read connections.
    if (kind == sqlite::StatementKind::kBeginImmediate || kind == sqlite::StatementKind::kPragma ||
        kind == sqlite::StatementKind::kVacuum) {
      return Escalation{Escalation::Kind::kToWriterAlone};
    }
    // A caller who may not write gets its deferred transaction on the read connection.
    if (kind == sqlite::StatementKind::kBegin && context.may_write) {
      return Escalation{Escalation::Kind::kToOwnConnection};
    }
  }
  if (context.placement == Placement::kWriterGroup &&
      (sqlite::IsTransactionControl(kind) || kind == sqlite::StatementKind::kPragma ||
       kind == sqlite::StatementKind::kVacuum)) {
    return Escalation{Escalation::Kind::kToWriterAlone};
  }
  // libSQL's read-only transaction syntax; stock SQLite needs plain BEGIN, and a read connection
  // makes it read-only.
  if (kind == sqlite::StatementKind::kBeginReadOnly) sql = kReadOnlyBegin;

  sqlite::Connection& connection = *context.connection;
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

  if (!statement.readonly()) {
    if (!context.may_write) return Forbidden(context);
    if (on_reader) return Escalation{Escalation::Kind::kToWriter};
  }
  if (auto error = BindArguments(statement, stmt)) return *error;

  auto started = std::chrono::steady_clock::now();
  int64_t total_changes_before = sqlite3_total_changes64(connection.handle());
  // The rowid is the connection's, and sqld gives every stream a fresh connection: an INSERT that
  // inserted no rowid row reports 0 there, not some other client's last rowid.
  if (kind == sqlite::StatementKind::kInsert) sqlite3_set_last_insert_rowid(connection.handle(), 0);
  int64_t rowid_before = connection.last_insert_rowid();

  StmtResult result;
  int column_count = statement.column_count();
  result.cols.reserve(size_t(column_count));
  for (int i = 0; i < column_count; ++i) {
    Column column;
    if (auto name = statement.column_name(i)) column.name = std::string(*name);
    if (auto type = statement.column_decltype(i)) column.decltype_name = std::string(*type);
    result.cols.push_back(std::move(column));
  }
  if (consumer) consumer->Columns(result.cols);

  uint64_t rows_seen = 0;
  while (true) {
    int rc = statement.Step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return ErrorForSqlite(sqlite::ErrorFromConnection(connection.handle(), rc));
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
      return Error{"Response is too large", "RESPONSE_TOO_LARGE"};
    }
    context.response_budget -= row_bytes;
    if (consumer) {
      consumer->Row(std::move(row));
    } else {
      result.rows.push_back(std::move(row));
    }
  }

  // As sqld: affected rows and the inserted rowid are reported for DML only, so that a CREATE
  // or SELECT does not echo the count of an earlier statement.
  bool is_dml = kind == sqlite::StatementKind::kInsert || kind == sqlite::StatementKind::kUpdate ||
                kind == sqlite::StatementKind::kDelete ||
                sqlite3_total_changes64(connection.handle()) != total_changes_before;
  if (is_dml && !statement.readonly()) {
    result.affected_row_count = uint64_t(connection.changes());
    result.rows_written = result.affected_row_count;
  }
  bool rowid_changed = connection.last_insert_rowid() != rowid_before;
  if (kind == sqlite::StatementKind::kInsert) {
    result.last_insert_rowid = connection.last_insert_rowid();
  } else if (is_dml && rowid_changed) {
    result.last_insert_rowid = connection.last_insert_rowid();
  }
  // Stock SQLite has no rows-read counter: count the rows returned plus the rows a full scan
  // stepped over, the closest approximation of libSQL's counter that it offers.
  result.rows_read =
      rows_seen + uint64_t(sqlite3_stmt_status(statement.handle(), SQLITE_STMTSTATUS_FULLSCAN_STEP, 1));
  result.query_duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (context.placement != Placement::kWriterGroup && context.replication_index) {
    result.replication_index = context.replication_index();
  }
  return result;
}

}  // namespace edgelite::hrana
