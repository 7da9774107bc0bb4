// ReplicaConnection: the ConnectionBackend of an embedded replica. A statement that only reads
// runs in the local file (LocalConnection, read-only, on a snapshot that follows the replica's
// applies); anything else — a write, DDL, transaction control, and every statement inside a
// transaction that a BEGIN opened — runs on the primary through proxy.Execute, on the primary
// connection this one owns (its client_id), so interactive transactions work. When a write's
// transaction ends, the replica syncs up to the primary's frame after it before the call returns
// (read-your-writes). Offline, reads keep working and writes fail at once, naming the primary.
#pragma once

#include <memory>
#include <string>

#include "client/connection_backend.h"
#include "client/local_connection.h"
#include "client/replica_sync.h"
#include "client/replication_client.h"

namespace edgelite::client {

class ReplicaConnection : public ConnectionBackend {
 public:
  static Result<std::unique_ptr<ReplicaConnection>> Open(ReplicaSync& sync, bool read_your_writes);
  ~ReplicaConnection() override;

  Result<Rows> Execute(std::string_view sql, const Params& params) override;
  Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql) override;
  bool is_autocommit() const override { return !in_primary_transaction_; }
  void Interrupt() override { local_->Interrupt(); }

  // Runs on the primary and waits for the replica to catch up.
  Result<Rows> Delegate(std::string_view sql, const Params& params);
  LocalConnection& local() { return *local_; }

 private:
  ReplicaConnection(ReplicaSync& sync, std::unique_ptr<LocalConnection> local,
                    bool read_your_writes);

  ReplicaSync& sync_;
  std::unique_ptr<LocalConnection> local_;
  bool read_your_writes_;
  ReplicationClient primary_;
  std::string client_id_;  // names this connection's connection on the primary
  bool in_primary_transaction_ = false;
  bool used_primary_ = false;
};

}  // namespace edgelite::client
