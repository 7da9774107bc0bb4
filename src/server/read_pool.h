// ReadPool: the query_only connections a database serves reads from, handed out one caller at a
// time and grown on demand up to a limit. A stream in a read-only transaction keeps its connection
// until the transaction ends.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "common/status.h"
#include "sqlite/connection.h"

namespace edgelite::server {

class ReadPool;

// A connection borrowed from the pool; returned on destruction (rolled back first if a caller left
// a transaction open).
class ReadLease {
 public:
  ReadLease() = default;
  ReadLease(ReadPool* pool, std::unique_ptr<sqlite::Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  ReadLease(ReadLease&&) = default;
  ReadLease& operator=(ReadLease&& other) noexcept;
  ~ReadLease();

  sqlite::Connection* get() const { return connection_.get(); }
  explicit operator bool() const { return connection_ != nullptr; }

 private:
  void Release();
  ReadPool* pool_ = nullptr;
  std::unique_ptr<sqlite::Connection> connection_;
};

class ReadPool {
 public:
  ReadPool(sqlite::ConnectionOptions options, size_t max_connections)
      : options_(std::move(options)), max_connections_(max_connections) {}

  // A free connection, a new one if none is free, or ResourceExhausted at the limit.
  Result<ReadLease> Acquire();

 private:
  friend class ReadLease;
  void Return(std::unique_ptr<sqlite::Connection> connection);

  sqlite::ConnectionOptions options_;
  size_t max_connections_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_;
  size_t open_ = 0;
};

}  // namespace edgelite::server
