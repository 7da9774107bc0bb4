// An embedded replica's connection: local reads, delegated writes.
#include "client/replica_connection.h"

#include <fmt/format.h>

#include "client/hrana_conversion.h"
#include "hrana/stmt_executor.h"
#include "protocol/proxy_translation.h"
#include "sqlite/sql_text.h"
#include "wal/log_format.h"

namespace edgelite::client {
namespace {

// A statement prepared on a replica: run locally while it only reads and no transaction is open
// on the primary, otherwise on the primary.
class ReplicaStatement : public StatementBackend {
 public:
  ReplicaStatement(ReplicaConnection* connection, std::string sql,
                   std::unique_ptr<StatementBackend> local)
      : connection_(connection), sql_(std::move(sql)), local_(std::move(local)) {}

  Status Execute(const Params& params, Rows* rows) override {
    if (local_ && connection_->is_autocommit()) return local_->Execute(params, rows);
    return MoveInto(connection_->Delegate(sql_, params), rows);
  }

 private:
  ReplicaConnection* connection_;
  std::string sql_;
  std::unique_ptr<StatementBackend> local_;  // null when the statement does not only read
};

}  // namespace

Result<std::unique_ptr<ReplicaConnection>> ReplicaConnection::Open(ReplicaSync& sync,
                                                                   bool read_your_writes) {
  LocalOpenOptions options;
  options.path = sync.path().string();
  options.create = false;
  options.read_only = true;
  options.wal_autocheckpoint = 0;
  options.snapshots = sync.snapshots();
  auto local = LocalConnection::Open(options);
  if (!local.ok()) return local.status();
  return std::unique_ptr<ReplicaConnection>(
      new ReplicaConnection(sync, std::move(local).value(), read_your_writes));
}

ReplicaConnection::ReplicaConnection(ReplicaSync& sync, std::unique_ptr<LocalConnection> local,
                                     bool read_your_writes)
    : sync_(sync),
      local_(std::move(local)),
      read_your_writes_(read_your_writes),
      primary_(sync.primary()),
      client_id_(wal::FormatLogId(wal::NewLogId())) {}

ReplicaConnection::~ReplicaConnection() {
  // Ends this connection's primary connection now rather than at the primary's idle timeout
  // (an open transaction there rolls back). Best effort: the primary may be gone.
  if (used_primary_) (void)primary_.Disconnect(client_id_);
}

Result<Rows> ReplicaConnection::Execute(std::string_view sql, const Params& params) {
  if (!in_primary_transaction_) {
    if (auto local = local_->ExecuteIfOnlyReads(sql, params)) return std::move(*local);
  }
  return Delegate(sql, params);
}

Result<Rows> ReplicaConnection::Delegate(std::string_view sql, const Params& params) {
  if (auto error = hrana::CheckSqlText(sql)) return ToStatus(*error);
  used_primary_ = true;
  auto results = primary_.Execute(client_id_, replication::StmtToProgram(ToStmt(sql, params)));
  if (!results.ok()) {
    const Status& failure = results.status();
    if (failure.kind() == ErrorKind::kUnavailable) {
      return Status::Unavailable(fmt::format(
          "cannot write through the replica: its primary is unreachable ({}). Reads from the "
          "replica keep working; writes succeed again once the primary is back",
          failure.message()));
    }
    return failure;
  }
  in_primary_transaction_ = results->state() == proxy::TXN;
  if (results->has_current_frame_no()) sync_.NotePrimaryFrame(results->current_frame_no());
  if (results->results_size() != 1) {
    return Status::Internal(
        fmt::format("the primary answered {} results for one statement", results->results_size()));
  }
  auto outcome = replication::FromQueryResult(results->results(0));
  if (!outcome.ok()) return outcome.status();
  if (auto* error = std::get_if<hrana::Error>(&*outcome)) return ToStatus(*error);
  // Once the primary's transaction ended, its commit is what the next read must see.
  if (read_your_writes_ && !in_primary_transaction_ && results->has_current_frame_no()) {
    auto synced = sync_.SyncUntil(results->current_frame_no(), std::chrono::seconds(30));
    if (!synced.ok()) {
      return Status::Unavailable(fmt::format(
          "the write committed on the primary (frame {}), but the replica could not catch up: {}",
          results->current_frame_no(), synced.status().message()));
    }
  }
  return ToRows(std::move(std::get<hrana::StmtResult>(*outcome)));
}

Result<std::unique_ptr<StatementBackend>> ReplicaConnection::Prepare(std::string_view sql) {
  std::unique_ptr<StatementBackend> local;
  if (local_->OnlyReads(sql)) {
    auto prepared = local_->Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    local = std::move(prepared).value();
  }
  return std::unique_ptr<StatementBackend>(
      new ReplicaStatement(this, std::string(sql), std::move(local)));
}

}  // namespace edgelite::client
