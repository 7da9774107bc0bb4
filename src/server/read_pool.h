// ReadPool: the query_only connections a database serves reads from, handed out one caller at a
// time and grown on demand up to a limit. A stream in a read-only transaction keeps its connection
// until the transaction ends.
//
// Given a data version (a number that changes with every commit), the pool's connections hold a
// read snapshot between uses (sqlite::Connection::HoldSnapshot), so that a run of point reads does
// not take and release the WAL read lock for each one. A lease's snapshot is never older than the
// moment it was acquired: Acquire takes a new one whenever the data version moved since the
// connection's was taken, and reads the version before taking it.
//
// Held snapshots keep checkpoints from copying frames (and TRUNCATE from finishing), so the writer
// suspends them around each checkpoint: readers then lock the WAL only while a statement runs, as
// without holds, and the checkpoint gets the gaps it needs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "edgelite/status.h"
#include "sqlite/connection.h"

namespace edgelite::server {

class ReadPool;

// A connection borrowed from the pool; returned on destruction (rolled back first if a caller left
// a transaction open).
class ReadLease {
 public:
  ReadLease() = default;
  ReadLease(ReadPool* pool, std::unique_ptr<sqlite::Connection> connection,
            uint64_t snapshot_version)
      : pool_(pool), connection_(std::move(connection)), snapshot_version_(snapshot_version) {}
  ReadLease(ReadLease&&) = default;
  ReadLease& operator=(ReadLease&& other) noexcept;
  ~ReadLease();

  sqlite::Connection* get() const { return connection_.get(); }
  explicit operator bool() const { return connection_ != nullptr; }

  // Ends the connection's held snapshot: a stream that keeps the connection for its transaction
  // must not go on reading that snapshot once the transaction ends.
  void ReleaseSnapshot() { connection_->ReleaseSnapshot(); }

  // The connection holds a client's state (TEMP objects, settings): it is closed rather than
  // returned to the pool.
  void DiscardOnRelease() { discard_ = true; }

 private:
  void Release();
  ReadPool* pool_ = nullptr;
  std::unique_ptr<sqlite::Connection> connection_;
  uint64_t snapshot_version_ = 0;  // the data version read before the held snapshot was taken
  bool discard_ = false;
};

class ReadPool {
 public:
  // Without `data_version` the connections hold no snapshots. `on_open` finishes setting up each
  // new connection.
  ReadPool(sqlite::ConnectionOptions options, size_t max_connections,
           std::function<uint64_t()> data_version = {},
           std::function<void(sqlite::Connection&)> on_open = {})
      : options_(std::move(options)),
        max_connections_(max_connections),
        data_version_(std::move(data_version)),
        on_open_(std::move(on_open)) {}

  // A free connection, a new one if none is free, or ResourceExhausted at the limit.
  Result<ReadLease> Acquire();

  // Ends the snapshots idle connections hold and takes no new ones until ResumeSnapshots; leases
  // out at the time release theirs when they come back.
  void SuspendSnapshots();
  void ResumeSnapshots();

 private:
  friend class ReadLease;
  struct Idle {
    std::unique_ptr<sqlite::Connection> connection;
    uint64_t snapshot_version = 0;
  };
  void Return(std::unique_ptr<sqlite::Connection> connection, uint64_t snapshot_version);
  void Discard(std::unique_ptr<sqlite::Connection> connection);

  sqlite::ConnectionOptions options_;
  size_t max_connections_;
  std::function<uint64_t()> data_version_;
  std::function<void(sqlite::Connection&)> on_open_;
  std::atomic<bool> suspended_{false};
  std::mutex mutex_;
  std::vector<Idle> idle_;
  size_t open_ = 0;
};

}  // namespace edgelite::server
