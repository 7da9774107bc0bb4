// LocalConnection: the ConnectionBackend over a SQLite file in this process, for local mode and
// for an embedded replica's reads. Statements bind their arguments and report errors exactly as
// the server's executor does (hrana::BindArguments, hrana::ErrorForSqlite), so code moves between
// a local file and a server unchanged.
//
// On a replica it also keeps a read snapshot open between applies (ReplicaSnapshot): SQLite's
// per-statement cost of taking and dropping a WAL read lock is paid once per applied transaction,
// not once per read, and a read never sees data older than the replica's last applied frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "client/connection_backend.h"
#include "hrana/model.h"
#include "sqlite/connection.h"
#include "sqlite/sql_text.h"

namespace edgelite::client {

// Shared between a replica's sync thread and its reading connections: the number of applied
// transactions, which tells a connection that its snapshot went stale, and a registry through
// which the sync thread can ask idle connections to let their snapshots go (so a checkpoint can
// finish).
class ReplicaSnapshots {
 public:
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Called after an apply became visible.
  void Advance() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  struct Holder {
    std::mutex mutex;  // held by the connection while it runs a statement
    sqlite::Connection* connection = nullptr;
  };
  void Register(Holder* holder);
  void Unregister(Holder* holder);
  // Releases the snapshot of every connection not running a statement right now.
  void ReleaseIdle();

 private:
  std::atomic<uint64_t> generation_{1};
  std::mutex mutex_;
  std::vector<Holder*> holders_;
};

struct LocalOpenOptions {
  std::string path;
  bool create = true;             // local mode creates the file; a replica's readers never do
  bool read_only = false;         // a replica's readers: writes fail with SQLITE_READONLY
  int wal_autocheckpoint = 1000;  // 0 on a replica: only its applier checkpoints
  std::shared_ptr<ReplicaSnapshots> snapshots;  // set on a replica
};

class LocalConnection : public ConnectionBackend {
 public:
  static Result<std::unique_ptr<LocalConnection>> Open(const LocalOpenOptions& options);
  ~LocalConnection() override;

  Result<Rows> Execute(std::string_view sql, const Params& params) override;
  Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql) override;
  bool is_autocommit() const override { return connection_->autocommit(); }
  void Interrupt() override { sqlite3_interrupt(connection_->handle()); }

  // Whether `sql` (one statement) only reads, as SQLite sees it on this file: false when it would
  // write, controls transactions, or does not prepare here (a table the replica lacks yet).
  bool OnlyReads(std::string_view sql);
  // Execute, when OnlyReads(sql); nullopt (and nothing run) otherwise. One prepare for both.
  std::optional<Result<Rows>> ExecuteIfOnlyReads(std::string_view sql, const Params& params);

  // What a statement kept for repeated runs reuses from one run to the next: the arguments'
  // storage, and its columns until SQLite prepares it again (after a schema change).
  struct RunCache {
    hrana::Stmt stmt;
    std::vector<Column> columns;
    int prepared_times = -1;  // SQLITE_STMTSTATUS_REPREPARE when `columns` were read
  };
  // Runs a prepared statement with `params` into `*rows`, reusing its storage (the Statement
  // backends call it).
  Status Run(sqlite::Statement& statement, sqlite::StatementKind kind, const Params& params,
             RunCache& cache, Rows* rows);

 private:
  LocalConnection(std::unique_ptr<sqlite::Connection> connection,
                  std::shared_ptr<ReplicaSnapshots> snapshots);
  // Run, for a statement run once, into fresh Rows.
  Result<Rows> RunToRows(sqlite::Statement& statement, sqlite::StatementKind kind,
                         const Params& params);
  // The statement of `sql`, prepared, when it only reads (see OnlyReads).
  std::optional<sqlite::StatementLease> PrepareIfOnlyReads(std::string_view sql);
  // On a replica, before each statement: a fresh snapshot when the replica applied something
  // since the held one was taken.
  Status RefreshSnapshot();

  std::unique_ptr<sqlite::Connection> connection_;
  std::shared_ptr<ReplicaSnapshots> snapshots_;
  ReplicaSnapshots::Holder holder_;
  uint64_t snapshot_generation_ = 0;
};

}  // namespace edgelite::client
