// The SDK's local mode and an embedded replica's reads.
#include "client/local_connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "client/hrana_conversion.h"
#include "hrana/stmt_executor.h"
#include "sqlite/error.h"
#include "sqlite/sql_text.h"

namespace edgelite::client {
namespace {

Status PrepareFailure(const sqlite::SqliteError& error) {
  return ToStatus(hrana::ErrorForPrepare(error));
}

bool IsDml(sqlite::StatementKind kind) {
  return kind == sqlite::StatementKind::kInsert || kind == sqlite::StatementKind::kUpdate ||
         kind == sqlite::StatementKind::kDelete;
}

// A statement kept prepared for repeated runs. It holds its own SQLite statement (not one lent
// by the connection's cache), so any number of them can live at once.
class LocalStatement : public StatementBackend {
 public:
  LocalStatement(LocalConnection* connection, std::unique_ptr<sqlite::Statement> statement,
                 sqlite::StatementKind kind)
      : connection_(connection), statement_(std::move(statement)), kind_(kind) {}

  Status Execute(const Params& params, Rows* rows) override {
    return connection_->Run(*statement_, kind_, params, cache_, rows);
  }

 private:
  LocalConnection* connection_;
  std::unique_ptr<sqlite::Statement> statement_;
  sqlite::StatementKind kind_;
  LocalConnection::RunCache cache_;
};

}  // namespace

void ReplicaSnapshots::Register(Holder* holder) {
  std::lock_guard lock(mutex_);
  holders_.push_back(holder);
}

void ReplicaSnapshots::Unregister(Holder* holder) {
  std::lock_guard lock(mutex_);
  holders_.erase(std::remove(holders_.begin(), holders_.end(), holder), holders_.end());
}

void ReplicaSnapshots::ReleaseIdle() {
  std::lock_guard lock(mutex_);
  for (Holder* holder : holders_) {
    std::unique_lock busy(holder->mutex, std::try_to_lock);
    if (busy.owns_lock() && holder->connection) holder->connection->ReleaseSnapshot();
  }
}

Result<std::unique_ptr<LocalConnection>> LocalConnection::Open(const LocalOpenOptions& options) {
  sqlite::ConnectionOptions sqlite_options;
  sqlite_options.path = options.path;
  sqlite_options.create = options.create;
  sqlite_options.query_only = options.read_only;
  sqlite_options.wal_autocheckpoint = options.wal_autocheckpoint;
  // The application owns this connection: its PRAGMAs, TEMP tables and ATTACHes are its own.
  sqlite_options.takes_client_state = true;
  sqlite_options.cache_size_kib = 2 * 1024;
  auto connection = sqlite::Connection::Open(sqlite_options);
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<LocalConnection>(
      new LocalConnection(std::move(connection).value(), options.snapshots));
}

LocalConnection::LocalConnection(std::unique_ptr<sqlite::Connection> connection,
                                 std::shared_ptr<ReplicaSnapshots> snapshots)
    : connection_(std::move(connection)), snapshots_(std::move(snapshots)) {
  holder_.connection = connection_.get();
  if (snapshots_) snapshots_->Register(&holder_);
}

LocalConnection::~LocalConnection() {
  if (snapshots_) snapshots_->Unregister(&holder_);
}

Status LocalConnection::RefreshSnapshot() {
  uint64_t generation = snapshots_->generation();
  if (connection_->holds_snapshot() && generation == snapshot_generation_) return Status::Ok();
  snapshot_generation_ = generation;
  return connection_->HoldSnapshot();
}

Status LocalConnection::Run(sqlite::Statement& statement, sqlite::StatementKind kind,
                           const Params& params, RunCache& cache, Rows* rows) {
  std::unique_lock<std::mutex> busy;
  if (snapshots_) {
    busy = std::unique_lock(holder_.mutex);
    if (Status status = RefreshSnapshot(); !status.ok()) return status;
  }
  // Assigned, not rebuilt: a statement run again with as many arguments allocates nothing.
  cache.stmt.args = params.positional;
  cache.stmt.named_args.resize(params.named.size());
  for (size_t i = 0; i < params.named.size(); ++i) {
    cache.stmt.named_args[i].name = params.named[i].first;
    cache.stmt.named_args[i].value = params.named[i].second;
  }
  if (auto error = hrana::BindArguments(statement, cache.stmt)) {
    statement.Reset();
    return ToStatus(*error);
  }
  int64_t rowid_before = connection_->last_insert_rowid();
  size_t column_count = 0;
  size_t row_count = 0;
  bool first_step = true;
  while (true) {
    int rc = statement.Step();
    if (first_step) {
      // Columns as the statement ran: a step re-prepares it after a schema change.
      first_step = false;
      int prepared_times = sqlite3_stmt_status(statement.handle(), SQLITE_STMTSTATUS_REPREPARE, 0);
      if (prepared_times != cache.prepared_times) {
        cache.columns.clear();
        for (hrana::Column& column : hrana::ColumnsOf(statement)) {
          cache.columns.push_back({column.name.value_or(""), std::move(column.decltype_name)});
        }
        cache.prepared_times = prepared_times;
      }
      rows->columns = cache.columns;
      column_count = cache.columns.size();
    }
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      Status failure =
          ToStatus(hrana::ErrorForSqlite(sqlite::ErrorFromConnection(connection_->handle(), rc)));
      statement.Reset();
      return failure;
    }
    // Rows and values already in *rows are overwritten in place, keeping their storage.
    if (row_count == rows->rows.size()) rows->rows.emplace_back();
    std::vector<Value>& row = rows->rows[row_count++];
    row.resize(column_count);
    for (size_t i = 0; i < column_count; ++i) statement.ColumnValueInto(int(i), &row[i]);
  }
  statement.Reset();
  rows->rows.resize(row_count);
  rows->rows_affected = 0;
  rows->last_insert_rowid.reset();
  if (IsDml(kind)) {
    rows->rows_affected = uint64_t(connection_->changes());
    if (kind == sqlite::StatementKind::kInsert ||
        connection_->last_insert_rowid() != rowid_before) {
      rows->last_insert_rowid = connection_->last_insert_rowid();
    }
  }
  return Status::Ok();
}

Result<Rows> LocalConnection::RunToRows(sqlite::Statement& statement, sqlite::StatementKind kind,
                                        const Params& params) {
  RunCache cache;
  Rows rows;
  if (Status status = Run(statement, kind, params, cache, &rows); !status.ok()) return status;
  return rows;
}

std::optional<sqlite::StatementLease> LocalConnection::PrepareIfOnlyReads(std::string_view sql) {
  if (sqlite::IsTransactionControl(sqlite::ClassifyStatement(sql)) || hrana::CheckSqlText(sql)) {
    return std::nullopt;
  }
  sqlite::SqliteError error;
  auto prepared = connection_->Prepare(sql, &error);
  if (!prepared.ok() || !prepared->statement || !sqlite::IsBlankSql(prepared->tail) ||
      !(*prepared->statement)->readonly()) {
    return std::nullopt;
  }
  return std::move(prepared->statement);
}

bool LocalConnection::OnlyReads(std::string_view sql) {
  return PrepareIfOnlyReads(sql).has_value();
}

std::optional<Result<Rows>> LocalConnection::ExecuteIfOnlyReads(std::string_view sql,
                                                                const Params& params) {
  auto statement = PrepareIfOnlyReads(sql);
  if (!statement) return std::nullopt;
  return RunToRows(**statement, sqlite::ClassifyStatement(sql), params);
}

Result<Rows> LocalConnection::Execute(std::string_view sql, const Params& params) {
  if (auto error = hrana::CheckSqlText(sql)) return ToStatus(*error);
  sqlite::SqliteError error;
  auto prepared = connection_->Prepare(sql, &error);
  if (!prepared.ok()) return PrepareFailure(error);
  if (!prepared->statement) {
    return Status::SqlError("SQL_NO_STATEMENT: the text holds no SQL statement");
  }
  if (!sqlite::IsBlankSql(prepared->tail)) {
    return Status::SqlError(
        "SQL_MANY_STATEMENTS: Execute runs one statement; use ExecuteScript for several");
  }
  return RunToRows(**prepared->statement, sqlite::ClassifyStatement(sql), params);
}

Result<std::unique_ptr<StatementBackend>> LocalConnection::Prepare(std::string_view sql) {
  if (auto error = hrana::CheckSqlText(sql)) return ToStatus(*error);
  sqlite3_stmt* handle = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(connection_->handle(), sql.data(), int(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &handle, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(handle);
    return PrepareFailure(sqlite::ErrorFromConnection(connection_->handle(), rc));
  }
  if (!handle) return Status::SqlError("SQL_NO_STATEMENT: the text holds no SQL statement");
  auto statement = std::make_unique<sqlite::Statement>(handle);
  if (tail && !sqlite::IsBlankSql(sql.substr(size_t(tail - sql.data())))) {
    return Status::SqlError(
        "SQL_MANY_STATEMENTS: Prepare takes one statement; use ExecuteScript for several");
  }
  return std::unique_ptr<StatementBackend>(
      new LocalStatement(this, std::move(statement), sqlite::ClassifyStatement(sql)));
}

}  // namespace edgelite::client
